//! `landlock-audit ... --watch` on the real tree: woken by the kernel's
//! `generation` file, not by its re-read interval.

use crate::procs::{become_user, Daemon};
use crate::sys::{in_child, Access};
use crate::tree::{domain_of, domains, restrict};
use crate::{ensure, TestResult};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Reads from `out` until `text` holds `lines` newlines or `timeout`
/// passes (without blocking past it).
fn read_lines(
    out: &mut std::process::ChildStdout,
    text: &mut String,
    lines: usize,
    timeout: Duration,
) -> Result<(), String> {
    let end = Instant::now() + timeout;
    let mut buf = [0u8; 65536];
    while text.matches('\n').count() < lines {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "{} line(s) of output after {timeout:?}, {lines} expected: {text:?}",
                text.matches('\n').count()
            ));
        }
        let mut p = libc::pollfd {
            fd: out.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut p, 1, left.as_millis().max(1) as i32) } <= 0 {
            continue;
        }
        let n = out.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!("output ended early: {text:?}"));
        }
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    Ok(())
}

/// `tree --watch --json --count 2 --interval 3600`: the second document
/// comes within seconds of a new domain, so from a `generation` wake-up
/// (the interval is an hour), and holds the new domain, which the first
/// did not.  The mode line says so.  A reader without CAP_SYS_PTRACE is
/// told why it falls back to the interval.
pub fn tree_watch_wakes_on_a_new_domain() -> TestResult {
    // Unprivileged first, while the runner is single-threaded.
    in_child(|| {
        become_user(65534, 65534, &[])?;
        let o = Command::new("/bin/landlock-audit")
            .args(["tree", "--watch", "--count", "1"])
            .output()
            .map_err(|e| e.to_string())?;
        let err = String::from_utf8_lossy(&o.stderr);
        ensure(
            o.status.success() && err.contains("generation file needs CAP_SYS_PTRACE"),
            || format!("unprivileged --watch: {:?}, stderr {err:?}", o.status),
        )
    })?;

    let mut child = Command::new("/bin/landlock-audit")
        .args([
            "tree",
            "--watch",
            "--json",
            "--count",
            "2",
            "--interval",
            "3600",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut out = child.stdout.take().ok_or("no stdout")?;
    let mut text = String::new();
    let first = read_lines(&mut out, &mut text, 1, Duration::from_secs(20));
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let started = Instant::now();
    let second = first.and_then(|()| read_lines(&mut out, &mut text, 2, Duration::from_secs(20)));
    let woke = started.elapsed();
    let id = domain_of(&domains()?, daemon.pid)?.id.to_string();
    drop(daemon);
    if second.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    second.map_err(|e| format!("{e}; stderr {err:?}"))?;
    ensure(status.success(), || {
        format!("--count 2 ended with {status:?}")
    })?;
    let docs: Vec<&str> = text.lines().collect();
    ensure(docs.len() == 2, || {
        format!("{} documents: {text:?}", docs.len())
    })?;
    for d in &docs {
        serde_json::from_str::<serde_json::Value>(d).map_err(|e| format!("{e}: {d}"))?;
    }
    ensure(!docs[0].contains(&id) && docs[1].contains(&id), || {
        format!("domain {id} should be in the second document only: {text}")
    })?;
    ensure(
        err.contains("watching /sys/kernel/security/landlock/generation"),
        || format!("mode line: {err:?}"),
    )?;
    println!("watch: second output {woke:?} after the new domain");
    Ok(())
}
