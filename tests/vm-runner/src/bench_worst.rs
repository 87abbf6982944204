//! In-VM timing of the costs a hostile or unlucky setup controls (kernel v2
//! issue): `vm-runner bench-worst`.
//!
//! Run by `ci/bench-scale --worst` under `qemu -icount shift=0`.  Not a
//! test: it prints `bench-worst:` lines and asserts nothing.  Three
//! scenarios, each compared with itself at another scale in the same boot:
//!
//! - `check`: a domain made by root (whom uid 1000 may not trace) whose one
//!   uid-1000, dumpable task has the highest PID; T = 100 or 10,000 tasks
//!   on the system (an unsandboxed uid-1001 process's threads, made first).
//!   Readers: uid 1000, a CAP_SYS_PTRACE daemon (uid 2000, Yama 1) and
//!   root time one open+read+close of `domains/<id>/parent` and of the
//!   domain's own `tasks`.
//! - `grep`: an auditor reading every file of every domain (as `grep -r .
//!   domains/` does) as root, at D = 1,000 and T = 10,000, against a walk of
//!   every task's `/proc/<pid>/task/<tid>/status` in the same boot.
//! - `hidden`: a sandboxed uid-1000 reader that sees exactly one domain
//!   (its child's) lists `domains/`, reads `tasks` and looks up an absent
//!   ID, while 625 uid-1001 processes hold 625 domains, then 10,000 (16-deep
//!   chains): the same task count, 16 times the hidden domains.

use crate::bench_scale::{ms, names, populate, proc_walk};
use crate::procs::{become_user, Daemon, CAP_SYS_PTRACE};
use crate::sys::{in_child, Access, Ruleset};
use crate::tree::read_line;
use std::fs;
use std::io::Read;
use std::time::Instant;

const TREE: &str = "/sys/kernel/security/landlock";

/// Mean µs of `f` over `n` calls.
fn mean_us(n: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// open+read+close of `path`, ignoring errors (a reader that may not read
/// it pays the same path walk).
fn cat(path: &str) {
    let mut buf = [0u8; 4096];
    if let Ok(mut f) = fs::File::open(path) {
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
}

/// Runs `measure` as `who` (root, daemon or user) in a child; its line.
fn as_reader(who: &str, measure: impl FnOnce() -> String) -> Result<String, String> {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let who = who.to_owned();
    in_child(move || {
        crate::procs::unlimit_nproc()?;
        match who.as_str() {
            "daemon" => become_user(2000, 2000, &[CAP_SYS_PTRACE])?,
            "user" => become_user(1000, 1000, &[])?,
            _ => {}
        }
        let line = measure();
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{line}\n").as_bytes())
            .map_err(|e| e.to_string())
    })?;
    read_line(&mut rd)
}

/// An unsandboxed uid-1001 process holding `threads` threads.
fn background(threads: usize) -> Result<Daemon, String> {
    Daemon::spawn(move || {
        crate::procs::unlimit_nproc()?;
        become_user(1001, 1001, &[])?;
        for _ in 0..threads {
            std::thread::Builder::new()
                .stack_size(16 * 1024)
                .spawn(|| crate::procs::pause_forever())
                .map_err(|e| format!("thread: {e}"))?;
        }
        Ok(())
    })
}

fn check(t: usize) -> Result<(), String> {
    let _bg = background(t.saturating_sub(2))?;
    // Root makes the domain and stays in it; its child becomes uid 1000
    // (dumpable) last, so that it has the highest PID.
    let creator = Daemon::spawn(|| {
        Ruleset::new(Access::MAKE_DIR)?.restrict_self()?;
        crate::procs::fork_sleeper(false, || become_user(1000, 1000, &[])).map(drop)
    })?;
    let d = crate::tree::domains()?;
    let id = crate::tree::domain_of(&d, creator.pid)?.id.to_string();
    for who in ["user", "daemon", "root"] {
        let (parent, tasks) = (
            format!("{TREE}/domains/{id}/parent"),
            format!("{TREE}/domains/{id}/tasks"),
        );
        let line = as_reader(who, || {
            let p = mean_us(200, || cat(&parent));
            let t = mean_us(200, || cat(&tasks));
            format!("parent_us {p:.1} tasks_us {t:.1}")
        })?;
        println!("bench-worst: check T={t} reader={who} {line}");
    }
    // The creator's child is in its process group: both go.
    drop(creator);
    Ok(())
}

fn grep(d: usize, t: usize) -> Result<(), String> {
    let _daemons = populate(d, t)?;
    let line = as_reader("root", || {
        let ids = names();
        let files = ["parent", "depth", "access", "tasks", "creator", "audit_id"];
        let all = ms(|| {
            for id in &ids {
                for f in files {
                    cat(&format!("{TREE}/domains/{id}/{f}"));
                }
            }
        });
        let mut tasks = 0;
        let proc_ = ms(|| tasks = proc_walk());
        format!(
            "domains {} grep_ms {all:.1} proc_ms {proc_:.1} proc_tasks {tasks} grep/proc {:.2}",
            ids.len(),
            all / proc_
        )
    })?;
    println!("bench-worst: grep D={d} T={t} reader=root {line}");
    Ok(())
}

fn hidden(layers: usize) -> Result<(), String> {
    // 625 uid-1001 processes, each `layers` deep.
    let mut hidden = Vec::new();
    for _ in 0..625 {
        hidden.push(Daemon::spawn(move || {
            become_user(1001, 1001, &[])?;
            for l in 0..layers {
                Ruleset::new(Access::MAKE_DIR | (1 << (l % 8 + 3)))?.restrict_self()?;
            }
            Ok(())
        })?);
    }
    let line = as_reader("user", || {
        let run = || -> Result<String, String> {
            Ruleset::new(Access::MAKE_DIR)?.restrict_self()?;
            // The one domain it sees: its child's, nested below its own.
            let _child = Daemon::spawn(|| Ruleset::new(Access::MAKE_DIR)?.restrict_self())?;
            let seen = names().len();
            let list = mean_us(100, || drop(names()));
            let tasks = mean_us(100, || cat(&format!("{TREE}/tasks")));
            let miss = mean_us(1000, || {
                let _ = fs::metadata(format!("{TREE}/domains/8000000000000001"));
            });
            Ok(format!(
                "seen {seen} list_us {list:.1} tasks_us {tasks:.1} lookup_miss_us {miss:.2}"
            ))
        };
        run().unwrap_or_else(|e| format!("failed {}", e.replace(' ', "_")))
    })?;
    println!(
        "bench-worst: hidden H={} reader=sandboxed-user {line}",
        625 * layers
    );
    drop(hidden);
    Ok(())
}

/// `vm-runner bench-worst`: prints `bench-worst:` lines.
pub fn run() -> ! {
    let _ = fs::write("/proc/sys/kernel/threads-max", "60000");
    let _ = fs::write("/proc/sys/kernel/pid_max", "131072");
    let _ = fs::write("/proc/sys/kernel/yama/ptrace_scope", "1\n");
    crate::procs::become_subreaper();
    type Step = Box<dyn Fn() -> Result<(), String>>;
    let steps: [(&str, Step); 6] = [
        ("check T=100", Box::new(|| check(100))),
        ("check T=10000", Box::new(|| check(10_000))),
        ("grep D=100 T=10000", Box::new(|| grep(100, 10_000))),
        ("grep D=1000 T=10000", Box::new(|| grep(1_000, 10_000))),
        ("hidden H=625", Box::new(|| hidden(1))),
        ("hidden H=10000", Box::new(|| hidden(16))),
    ];
    for (name, step) in steps {
        if let Err(e) = step() {
            println!("bench-worst: {name} failed: {e}");
        }
        // Let freed domains and tasks go before the next step.
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    println!("bench-worst: done");
    std::process::exit(0);
}
