//! Writes a generated fixture: `<DIR>/landlock` (a tree in the format of
//! `Documentation/abi.rst`), `<DIR>/proc` (a matching fake `/proc`) and
//! `<DIR>/lsm` (a securityfs `lsm` file listing Landlock).  The tree has the
//! `snapshot` file unless `--no-snapshot` is given; `/proc` has 4 kernel
//! threads.
//!
//! ```text
//! cargo run -p landlock-audit --example write_fixture --features fixture -- [--no-snapshot] DIR [DOMAINS [TASKS [SEED]]]
//! landlock-audit --root DIR/landlock --proc DIR/proc status
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use landlock_audit::fixture::{Model, Spec};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--no-snapshot`: the tree of a kernel without the `snapshot` file.
    let before = args.len();
    args.retain(|a| a != "--no-snapshot");
    let snapshot = args.len() == before;
    const USAGE: &str = "usage: write_fixture [--no-snapshot] DIR [DOMAINS [TASKS [SEED]]]\n\
        writes DIR/landlock (a tree), DIR/proc (a fake /proc) and DIR/lsm; \
        defaults: 12 domains, 40 tasks, seed 1";
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // Any other option is a mistake, not a directory to write into.
    if let Some(bad) = args.iter().find(|a| a.starts_with('-')) {
        eprintln!("write_fixture: unknown option {bad:?}\n{USAGE}");
        return ExitCode::from(2);
    }
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let num = |i: usize, default: u64| -> Option<u64> {
        match args.get(i) {
            None => Some(default),
            Some(s) => s.parse().ok(),
        }
    };
    let (Some(domains), Some(tasks), Some(seed)) = (num(1, 12), num(2, 40), num(3, 1)) else {
        eprintln!("write_fixture: DOMAINS, TASKS and SEED are numbers");
        return ExitCode::from(2);
    };
    let spec = Spec {
        domains: domains as usize,
        tasks: tasks as usize,
        unconfined: 8,
        kernel_threads: 4,
        max_depth: 4,
        seed,
    };
    let start = Instant::now();
    let model = Model::generate(&spec);
    let tree = dir.join("landlock");
    let written = if snapshot {
        model.write(&tree)
    } else {
        model.write_without_snapshot(&tree)
    };
    let written = written
        .and_then(|()| model.write_proc(dir.join("proc")))
        .and_then(|()| std::fs::write(dir.join("lsm"), "capability,landlock,yama\n"));
    if let Err(e) = written {
        eprintln!("write_fixture: {}: {e}", dir.display());
        return ExitCode::from(1);
    }
    eprintln!(
        "wrote {} domains, {} tasks, {} processes under {} in {:.2?}",
        model.domains.len(),
        tasks,
        model.processes.len(),
        dir.display(),
        start.elapsed()
    );
    ExitCode::SUCCESS
}
