//! In-VM timing of domain creation: `vm-runner bench-restrict ROUNDS`.
//!
//! Each round forks a child that calls `landlock_restrict_self()` 15 times
//! (15 nested domains, from one ruleset created beforehand) and exits, and
//! forks a child that exits at once; rounds alternate the two, so both see
//! the same machine state.  The cost of one `restrict_self()` is the
//! difference of the medians divided by 15.  Then a sandboxed process (one
//! domain) forks children that exit at once, as many rounds: what fork,
//! exit and wait cost a sandboxed process (the task index adds a list
//! insertion and removal there).  Run under `qemu -icount` for stable
//! numbers (ci/bench-creation), after the RNG is seeded.

use crate::sys::{Access, Ruleset};
use std::time::Instant;

const LAYERS: usize = 15;

fn fork_and_wait(child: impl FnOnce()) -> f64 {
    let start = Instant::now();
    // SAFETY: the runner is single-threaded when it forks.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        child();
        // SAFETY: leave without running the parent's destructors.
        unsafe { libc::_exit(0) };
    }
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
    start.elapsed().as_secs_f64() * 1e6
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Prints `bench: ... restrict_self X us` (X from the means) and the
/// medians.
pub fn restrict_self(rounds: usize) -> ! {
    // Wait until the kernel's RNG is seeded, as it is on a running system:
    // stock Landlock takes a random byte per domain, which costs much more
    // before (the patched kernel waits for the RNG at boot anyway).
    let mut byte = [0u8; 1];
    // SAFETY: `byte` is writable for its length; flags 0 blocks until the
    // RNG is ready.
    unsafe { libc::getrandom(byte.as_mut_ptr().cast(), 1, 0) };
    let ruleset = match Ruleset::new(Access::MAKE_DIR) {
        Ok(r) => r,
        Err(e) => {
            println!("bench: {e}");
            std::process::exit(1);
        }
    };
    let (mut plain, mut nested) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        plain.push(fork_and_wait(|| {}));
        nested.push(fork_and_wait(|| {
            for _ in 0..LAYERS {
                if ruleset.restrict_self().is_err() {
                    // SAFETY: plain _exit in the child.
                    unsafe { libc::_exit(1) };
                }
            }
        }));
    }
    let (pm, nm) = (mean(&plain), mean(&nested));
    let (p, n) = (median(&mut plain), median(&mut nested));
    // A sandboxed process forking: in a child in one domain, which prints
    // its own mean.
    fork_and_wait(|| {
        if ruleset.restrict_self().is_err() {
            // SAFETY: plain _exit in the child.
            unsafe { libc::_exit(1) };
        }
        let forks: Vec<f64> = (0..rounds).map(|_| fork_and_wait(|| {})).collect();
        println!(
            "bench-fork: sandboxed fork+exit+wait {:.2} us",
            mean(&forks)
        );
        // The same while a generation file is open: changes are counted
        // and pollers' queues marked (patched kernel only).
        if let Ok(_watching) = std::fs::File::open("/sys/kernel/security/landlock/generation") {
            let forks: Vec<f64> = (0..rounds).map(|_| fork_and_wait(|| {})).collect();
            println!(
                "bench-fork-watched: sandboxed fork+exit+wait with generation open {:.2} us",
                mean(&forks)
            );
        }
    });
    generation_wake(&ruleset, rounds.min(200));
    println!(
        "bench: {rounds} rounds, medians: fork {p:.2} us, fork+{LAYERS} restrict_self {n:.2} us, per domain {:.3} us; means: fork {pm:.2} us, fork+{LAYERS} restrict_self {nm:.2} us, restrict_self {:.3} us",
        (n - p) / LAYERS as f64,
        (nm - pm) / LAYERS as f64
    );
    std::process::exit(0);
}

/// CLOCK_MONOTONIC in nanoseconds (comparable across processes).
fn mono_ns() -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is writable.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// How long `poll()` on `generation` takes to report a change: per round,
/// a child takes the time, creates a domain and exits; the parent, asleep
/// in `poll()`, takes the time when it wakes.  An upper bound (it includes
/// the child's `restrict_self()`), printed against the scheduler tick.
/// Prints `bench-poll: ...`; on a kernel without the file, says so.
fn generation_wake(ruleset: &Ruleset, rounds: usize) {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    let mut gen = match std::fs::File::open("/sys/kernel/security/landlock/generation") {
        Ok(f) => f,
        Err(e) => {
            println!("bench-poll: no generation file ({e})");
            return;
        }
    };
    let mut buf = [0u8; 32];
    let mut waits = Vec::new();
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        println!("bench-poll: pipe failed");
        return;
    }
    for _ in 0..rounds {
        // Re-arm: read from offset 0.
        // SAFETY: `buf` is writable for its length.
        unsafe { libc::pread(gen.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        // SAFETY: the runner is single-threaded when it forks.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let t = mono_ns().to_ne_bytes();
            let ok = ruleset.restrict_self().is_ok();
            // SAFETY: `t` is readable for its length.
            unsafe { libc::write(fds[1], t.as_ptr().cast(), t.len()) };
            // SAFETY: plain _exit in the child.
            unsafe { libc::_exit(i32::from(!ok)) };
        }
        let mut p = libc::pollfd {
            fd: gen.as_raw_fd(),
            events: libc::POLLPRI,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut p, 1, 5000) };
        let woke = mono_ns();
        let mut t = [0u8; 16];
        // SAFETY: `t` is writable for its length.
        let got = unsafe { libc::read(fds[0], t.as_mut_ptr().cast(), t.len()) };
        // SAFETY: our own child.
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        if n != 1 || got != 16 {
            println!("bench-poll: no wake-up within 5 s");
            return;
        }
        waits.push((woke - i128::from_ne_bytes(t)) as f64 / 1000.0);
    }
    let _ = gen.read(&mut buf);
    let max = waits.iter().copied().fold(0.0, f64::max);
    let m = mean(&waits);
    let med = median(&mut waits);
    println!(
        "bench-poll: generation poll() woke after a change: mean {m:.1} us, median {med:.1} us, max {max:.1} us over {rounds} rounds (one tick: {} us)",
        1_000_000 / tick_hz()
    );
}

/// `CONFIG_HZ` of the test kernels (ci/bench-creation checks their
/// `.config` says so): the length of a scheduler tick.
fn tick_hz() -> u64 {
    250
}
