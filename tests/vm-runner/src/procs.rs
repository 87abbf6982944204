//! Long-lived test processes ("daemons"), identities and capabilities.

use std::io::{Error, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};

/// A forked process group that runs a setup closure, reports readiness and
/// then sleeps until it is dropped (SIGKILL to the group, then reaped).
pub struct Daemon {
    pub pid: i32,
}

/// Creates a pipe and returns (read end, write end).
pub fn pipe() -> Result<(std::fs::File, std::fs::File), String> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(format!("pipe: {}", Error::last_os_error()));
    }
    // SAFETY: pipe2 returned two new descriptors we own.
    unsafe {
        Ok((
            std::fs::File::from(OwnedFd::from_raw_fd(fds[0])),
            std::fs::File::from(OwnedFd::from_raw_fd(fds[1])),
        ))
    }
}

/// Sleeps forever (until killed).
pub fn pause_forever() -> ! {
    loop {
        // SAFETY: plain pause(2).
        unsafe { libc::pause() };
    }
}

/// Forks a child that runs `setup` and then sleeps forever; returns once
/// `setup` succeeded in the child.  With `new_group`, the child leads a new
/// process group (the unit `Daemon` kills).
pub fn fork_sleeper(
    new_group: bool,
    setup: impl FnOnce() -> Result<(), String>,
) -> Result<i32, String> {
    let (mut rd, wr) = pipe()?;
    // SAFETY: the runner is single-threaded when it forks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", Error::last_os_error()));
    }
    if pid == 0 {
        drop(rd);
        if new_group {
            // SAFETY: plain setpgid(2) on ourselves.
            unsafe { libc::setpgid(0, 0) };
        }
        let mut wr = wr;
        match setup() {
            Ok(()) => {
                let _ = wr.write_all(b"+");
                drop(wr);
                pause_forever();
            }
            Err(e) => {
                let _ = wr.write_all(format!("-{e}").as_bytes());
                // SAFETY: leave without running the parent's destructors.
                unsafe { libc::_exit(1) };
            }
        }
    }
    drop(wr);
    let mut buf = [0u8; 512];
    let n = rd
        .read(&mut buf)
        .map_err(|e| format!("reading readiness: {e}"))?;
    match buf[..n].first() {
        Some(b'+') => Ok(pid),
        Some(b'-') => Err(String::from_utf8_lossy(&buf[1..n]).into_owned()),
        _ => Err("child died before it was ready".into()),
    }
}

impl Daemon {
    /// Starts a daemon in its own process group.
    pub fn spawn(setup: impl FnOnce() -> Result<(), String>) -> Result<Self, String> {
        let pid = fork_sleeper(true, setup)?;
        Ok(Self { pid })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: signals and waits for our own process group; the runner
        // is a child subreaper, so orphaned members are ours to reap.
        unsafe {
            libc::kill(-self.pid, libc::SIGKILL);
            while libc::waitpid(-self.pid, std::ptr::null_mut(), 0) > 0 {}
        }
    }
}

/// Makes the runner the reaper of its orphaned descendants.
pub fn become_subreaper() {
    // SAFETY: plain prctl.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

pub const CAP_SYS_PTRACE: u32 = 19;

/// Switches the calling (forked) process to `uid`/`gid` with no
/// supplementary groups, keeping only the capabilities in `caps`, and makes
/// it dumpable again (changing UID clears that flag).
pub fn become_user(uid: u32, gid: u32, caps: &[u32]) -> Result<(), String> {
    // SAFETY: plain syscalls on the calling process.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) < 0 {
            return Err(format!("setgroups: {}", Error::last_os_error()));
        }
        libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0);
        if libc::setresgid(gid, gid, gid) < 0 || libc::setresuid(uid, uid, uid) < 0 {
            return Err(format!("setres[ug]id: {}", Error::last_os_error()));
        }
        let mut data = [CapData::default(); 2];
        for &c in caps {
            data[(c / 32) as usize].effective |= 1 << (c % 32);
            data[(c / 32) as usize].permitted |= 1 << (c % 32);
        }
        let mut hdr = CapHeader {
            version: 0x2008_0522,
            pid: 0,
        };
        if libc::syscall(libc::SYS_capset, &mut hdr as *mut CapHeader, data.as_ptr()) < 0 {
            return Err(format!("capset: {}", Error::last_os_error()));
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    Ok(())
}

/// Makes `cap` (already permitted and effective, see [`become_user`]) an
/// ambient capability, so that programs the process executes keep it, as
/// systemd's `AmbientCapabilities=` does for a daemon.
pub fn keep_cap_across_exec(cap: u32) -> Result<(), String> {
    let mut hdr = CapHeader {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget/capset with a valid header and two data structs.
    unsafe {
        if libc::syscall(
            libc::SYS_capget,
            &mut hdr as *mut CapHeader,
            data.as_mut_ptr(),
        ) < 0
        {
            return Err(format!("capget: {}", Error::last_os_error()));
        }
        data[(cap / 32) as usize].inheritable |= 1 << (cap % 32);
        if libc::syscall(libc::SYS_capset, &mut hdr as *mut CapHeader, data.as_ptr()) < 0 {
            return Err(format!("capset: {}", Error::last_os_error()));
        }
        if libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_RAISE,
            cap as libc::c_ulong,
            0,
            0,
        ) < 0
        {
            return Err(format!("PR_CAP_AMBIENT_RAISE: {}", Error::last_os_error()));
        }
    }
    Ok(())
}

/// Lifts RLIMIT_NPROC for the calling (forked, still root) process, so that
/// it may hold thousands of threads after [`become_user`].
pub fn unlimit_nproc() -> Result<(), String> {
    let lim = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain setrlimit(2) with a valid struct.
    if unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &lim) } < 0 {
        return Err(format!("setrlimit(NPROC): {}", Error::last_os_error()));
    }
    Ok(())
}

/// Sets the calling thread's name (`comm`).
pub fn set_comm(name: &[u8]) {
    let mut buf = [0u8; 16];
    let n = name.len().min(15);
    buf[..n].copy_from_slice(&name[..n]);
    // SAFETY: `buf` is NUL-terminated.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr(), 0, 0, 0) };
}
