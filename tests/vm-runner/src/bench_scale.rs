//! In-VM timing of reading the tree at scale: `vm-runner bench-scale`.
//!
//! Run by `ci/bench-scale` under `qemu -icount shift=0`, where guest time
//! follows the instruction count, so ratios repeat between runs.  Not a
//! test: it prints `bench-scale:` lines and asserts nothing.
//!
//! For each configuration (D domains, T sandboxed tasks), D domains are
//! made in groups of four: two processes restrict themselves once, a third
//! twice (an empty parent domain and its child), so one domain in four is
//! nested below another and one in four has no task of its own.  All
//! processes run as uid 1000 (dumpable) and hold the T tasks as threads.
//! Three readers then measure, each in a forked child:
//!
//! - `root`;
//! - `daemon`: uid 2000 with only CAP_SYS_PTRACE, unrelated (Yama 1);
//! - `user`: uid 1000, the tasks' own UID.
//!
//! Figures: `file` = one open+read+close of `domains/<id>/parent`, over
//! all visible IDs in a shuffled order; `read` = `Domains::read()`; `cli` =
//! `landlock-audit --json tree` (a child process, output discarded);
//! `proc` = reading `/proc/<pid>/task/<tid>/status` of every task; `attr` =
//! one open+read+close of `/proc/<pid>/attr/landlock/domain`, over the
//! sandboxed processes in turn (at least 300 reads).
//!
//! `la_bench_configs=I,J` on the kernel command line runs only those
//! configurations (indices into the list in [`run`]).

use crate::procs::{become_user, Daemon, CAP_SYS_PTRACE};
use crate::sys::{in_child, Access, Ruleset};
use crate::tree::read_line;
use landlock_audit::Domains;
use std::fs;
use std::io::Read;
use std::time::Instant;

const TREE_DOMAINS: &str = "/sys/kernel/security/landlock/domains";

/// Starts D domains holding T tasks; returns the daemons (killed on drop).
pub(crate) fn populate(d: usize, t: usize) -> Result<Vec<Daemon>, String> {
    // Processes: two per group of four domains, plus one that restricts
    // twice; the last, incomplete group gets single-domain processes.
    let mut layers = Vec::new();
    let mut left = d;
    while left > 0 {
        if left >= 4 {
            layers.extend([1, 1, 2]);
            left -= 4;
        } else {
            layers.push(1);
            left -= 1;
        }
    }
    let procs = layers.len();
    let mut daemons = Vec::new();
    for (i, &n) in layers.iter().enumerate() {
        // Tasks per process: T spread evenly, at least the main thread.
        let tasks = (t / procs + usize::from(i < t % procs)).max(1);
        daemons.push(Daemon::spawn(move || {
            crate::procs::unlimit_nproc()?;
            become_user(1000, 1000, &[])?;
            for layer in 0..n {
                Ruleset::new(Access::MAKE_DIR | (1 << (layer + 3)))?.restrict_self()?;
            }
            for _ in 1..tasks {
                std::thread::Builder::new()
                    .stack_size(16 * 1024)
                    .spawn(|| crate::procs::pause_forever())
                    .map_err(|e| format!("thread: {e}"))?;
            }
            Ok(())
        })?);
    }
    Ok(daemons)
}

pub(crate) fn names() -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(TREE_DOMAINS)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    // A fixed shuffle (xorshift), the same in every boot.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

/// Mean µs of one open+read+close of `parent`, over at least 300 opens.
fn per_file() -> f64 {
    let paths: Vec<String> = names()
        .iter()
        .map(|id| format!("{TREE_DOMAINS}/{id}/parent"))
        .collect();
    per_open(&paths)
}

/// Mean µs of one open+read+close of `/proc/<pid>/attr/landlock/domain`,
/// over the processes `pids` in turn (a read the reader may not make,
/// EACCES, counts too: it costs the same checks).
fn per_attr(pids: &[i32]) -> f64 {
    let paths: Vec<String> = pids
        .iter()
        .map(|pid| format!("/proc/{pid}/attr/landlock/domain"))
        .collect();
    per_open(&paths)
}

/// Mean µs of one open+read+close of `paths` in turn, over at least 300
/// opens (a failed open counts); NaN without paths.
fn per_open(paths: &[String]) -> f64 {
    if paths.is_empty() {
        return f64::NAN;
    }
    let mut buf = [0u8; 64];
    let mut n = 0;
    let start = Instant::now();
    while n < 300 {
        for p in paths {
            if let Ok(mut f) = fs::File::open(p) {
                let _ = f.read(&mut buf);
            }
            n += 1;
        }
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

pub(crate) fn ms(f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64() * 1e3
}

/// Reads `/proc/<pid>/task/<tid>/status` of every task.
pub(crate) fn proc_walk() -> usize {
    let mut n = 0;
    let mut buf = Vec::with_capacity(4096);
    for p in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = p.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let tasks = p.path().join("task");
        for t in fs::read_dir(&tasks).into_iter().flatten().flatten() {
            buf.clear();
            if let Ok(mut f) = fs::File::open(t.path().join("status")) {
                if f.read_to_end(&mut buf).is_ok() {
                    n += 1;
                }
            }
        }
    }
    n
}

/// Runs `landlock-audit --json tree`; an error says why it failed.
fn cli_tree() -> Result<(), String> {
    let out = std::process::Command::new("/bin/landlock-audit")
        .args(["--json", "tree"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("spawn: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "{:?} {}",
        out.status.code(),
        err.lines().next().unwrap_or("")
    )
    .replace(' ', "_"))
}

/// Measures as one reader; returns the line to print.
fn measure(who: &str, whole: bool, pids: &[i32]) -> Result<String, String> {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let who2 = who.to_owned();
    in_child(move || {
        // The user's tasks may exceed its RLIMIT_NPROC: lift it first, so
        // that it can still start the command.
        crate::procs::unlimit_nproc()?;
        match who2.as_str() {
            "daemon" => {
                become_user(2000, 2000, &[CAP_SYS_PTRACE])?;
                // The command it starts keeps the capability, as under
                // systemd's AmbientCapabilities=.
                crate::procs::keep_cap_across_exec(CAP_SYS_PTRACE)?;
            }
            "user" => become_user(1000, 1000, &[])?,
            _ => {}
        }
        let file = per_file();
        let attr = per_attr(pids);
        let mut line = format!("file_us {file:.1} attr_us {attr:.1}");
        if whole {
            let mut seen = 0;
            let read = ms(|| seen = Domains::read().map(|d| d.len()).unwrap_or(0));
            let mut cli_res = Ok(());
            let cli = ms(|| cli_res = cli_tree());
            if let Err(e) = cli_res {
                line += &format!(" cli_failed {e}");
            }
            let mut tasks = 0;
            let proc_ = ms(|| tasks = proc_walk());
            line += &format!(
                " read_ms {read:.1} cli_ms {cli:.1} proc_ms {proc_:.1} domains {seen} proc_tasks {tasks} read/proc {:.2} cli/proc {:.2}",
                read / proc_,
                cli / proc_
            );
        }
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{line}\n").as_bytes())
            .map_err(|e| e.to_string())
    })?;
    read_line(&mut rd)
}

/// `vm-runner bench-scale`: prints one `bench-scale:` line per
/// configuration and reader.
pub fn run() -> ! {
    let _ = fs::write("/proc/sys/kernel/threads-max", "60000");
    let _ = fs::write("/proc/sys/kernel/pid_max", "131072");
    let _ = fs::write("/proc/sys/kernel/yama/ptrace_scope", "1\n");
    crate::procs::become_subreaper();
    let configs = [
        (100, 100, false),
        (100, 10_000, false),
        (10, 1_000, true),
        (100, 1_000, true),
        (1_000, 1_000, true),
        (10, 10_000, true),
        (100, 10_000, true),
        (1_000, 10_000, true),
    ];
    let only: Option<Vec<usize>> = crate::cmdline_param("la_bench_configs")
        .map(|s| s.split(',').filter_map(|i| i.parse().ok()).collect());
    for (i, (d, t, whole)) in configs.into_iter().enumerate() {
        if only.as_ref().is_some_and(|o| !o.contains(&i)) {
            continue;
        }
        let daemons = match populate(d, t) {
            Ok(v) => v,
            Err(e) => {
                println!("bench-scale: D={d} T={t} setup failed: {e}");
                continue;
            }
        };
        let pids: Vec<i32> = daemons.iter().map(|d| d.pid).collect();
        for who in ["root", "daemon", "user"] {
            match measure(who, whole, &pids) {
                Ok(line) => println!("bench-scale: D={d} T={t} reader={who} {line}"),
                Err(e) => println!("bench-scale: D={d} T={t} reader={who} failed: {e}"),
            }
        }
        drop(daemons);
        // Let the freed domains go (RCU, workqueue) before the next one.
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    println!("bench-scale: done");
    std::process::exit(0);
}
