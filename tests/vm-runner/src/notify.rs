//! fsnotify must not carry the tree's names to anyone (kernel v2 issue,
//! finding 2): an inotify or fanotify watch on `domains/`, which any user
//! may set, would otherwise receive the name of every domain directory that
//! anyone opens or lists, the IDs of domains the watcher may not see
//! included.  The tree's opens are `FMODE_NONOTIFY`, as pseudo files' are.
//!
//! The watchers: an unprivileged one (uid 1001: inotify on `landlock/` and
//! `domains/`, and an unprivileged fanotify inode mark with names), and
//! root's fanotify filesystem mark on the whole securityfs, which sees every
//! event of every file there.  A control proves that each watch works: the
//! fixed `version` file is plain securityfs (no `FMODE_NONOTIFY`), so
//! opening it must be reported by every watcher, by name.

use crate::procs::{become_user, pipe};
use crate::sys::Access;
use crate::tree::{domain_of, domains, list_domains, restrict};
use crate::{ensure, TestResult, TREE};
use std::ffi::CString;
use std::io::{Error, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

// <linux/fanotify.h>
const FAN_ACCESS: u64 = 0x01;
const FAN_CLOSE_NOWRITE: u64 = 0x10;
const FAN_OPEN: u64 = 0x20;
const FAN_ONDIR: u64 = 0x4000_0000;
const FAN_EVENT_ON_CHILD: u64 = 0x0800_0000;
const FAN_CLASS_NOTIF: u32 = 0;
const FAN_NONBLOCK: u32 = 0x2;
const FAN_REPORT_DFID_NAME: u32 = 0x0000_0c00;
const FAN_MARK_ADD: u32 = 0x1;
const FAN_MARK_FILESYSTEM: u32 = 0x100;

fn cstr(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{s:?}: NUL in path"))
}

/// An inotify instance watching `paths` for every event.
pub(crate) fn inotify(paths: &[&str]) -> Result<OwnedFd, String> {
    // SAFETY: plain inotify_init1(2).
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    if fd < 0 {
        return Err(format!("inotify_init1: {}", Error::last_os_error()));
    }
    // SAFETY: a new descriptor, ours.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    for p in paths {
        let c = cstr(p)?;
        // SAFETY: `c` is a NUL-terminated path.
        if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), c.as_ptr(), libc::IN_ALL_EVENTS) } < 0 {
            return Err(format!("inotify_add_watch {p}: {}", Error::last_os_error()));
        }
    }
    Ok(fd)
}

/// A fanotify group with a mark on `path`: an inode mark reporting names
/// (`FAN_REPORT_DFID_NAME`; unprivileged users may set those) or, with
/// `filesystem`, a mark on its whole filesystem (root only), whose events
/// carry a descriptor of the file instead (securityfs cannot decode file
/// handles, which name reports on a filesystem mark need).
fn fanotify(path: &str, filesystem: bool) -> Result<OwnedFd, String> {
    let init = FAN_CLASS_NOTIF | FAN_NONBLOCK | if filesystem { 0 } else { FAN_REPORT_DFID_NAME };
    // SAFETY: plain fanotify_init(2).
    let fd = unsafe {
        libc::syscall(
            libc::SYS_fanotify_init,
            init,
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(format!("fanotify_init: {}", Error::last_os_error()));
    }
    // SAFETY: a new descriptor, ours.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let c = cstr(path)?;
    let (flags, mask) = if filesystem {
        (FAN_MARK_ADD | FAN_MARK_FILESYSTEM, 0)
    } else {
        (FAN_MARK_ADD, FAN_EVENT_ON_CHILD)
    };
    let mask = mask | FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE | FAN_ONDIR;
    // SAFETY: fanotify_mark(2) with a NUL-terminated path.
    let r = unsafe {
        libc::syscall(
            libc::SYS_fanotify_mark,
            fd.as_raw_fd(),
            flags,
            mask,
            libc::AT_FDCWD,
            c.as_ptr(),
        )
    };
    if r < 0 {
        return Err(format!("fanotify_mark {path}: {}", Error::last_os_error()));
    }
    Ok(fd)
}

/// Everything queued on a non-blocking notification descriptor, raw.
pub(crate) fn drain(fd: &OwnedFd) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: reading into `buf`, which has room for `buf.len()` bytes.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = Error::last_os_error();
            if e.raw_os_error() == Some(libc::EAGAIN) {
                return Ok(out);
            }
            return Err(format!("reading events: {e}"));
        }
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

/// The paths of the files that a descriptor-reporting fanotify group's
/// queued events name (each event's descriptor, resolved through
/// `/proc/self/fd` and closed), one per line.
fn drain_paths(fd: &OwnedFd) -> Result<Vec<u8>, String> {
    let raw = drain(fd)?;
    let mut out = Vec::new();
    let mut at = &raw[..];
    // struct fanotify_event_metadata: event_len u32, vers u8, reserved u8,
    // metadata_len u16, mask u64, fd i32, pid i32.
    while at.len() >= 24 {
        let len = u32::from_ne_bytes([at[0], at[1], at[2], at[3]]) as usize;
        let efd = i32::from_ne_bytes([at[16], at[17], at[18], at[19]]);
        if efd < 0 {
            out.extend_from_slice(b"<event without a descriptor>\n");
        } else {
            // SAFETY: the event's descriptor is ours to close.
            let efd = unsafe { OwnedFd::from_raw_fd(efd) };
            let link = std::fs::read_link(format!("/proc/self/fd/{}", efd.as_raw_fd()))
                .map_err(|e| format!("fanotify event fd: {e}"))?;
            out.extend_from_slice(link.as_os_str().as_encoded_bytes());
            out.push(b'\n');
        }
        if len < 24 || len > at.len() {
            break;
        }
        at = &at[len..];
    }
    Ok(out)
}

/// The printable runs of 3 bytes or more in raw events (the names they
/// carry), for messages.
fn names(raw: &[u8]) -> Vec<String> {
    raw.split(|b| !b.is_ascii_graphic())
        .filter(|w| w.len() >= 3)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What the watchers received: (who, raw events).
type Received = Vec<(&'static str, Vec<u8>)>;

/// Starts uid 1001's watchers in a child, runs `act` once they are set,
/// then collects what every watcher (the child's and root's) received.
fn watch_while(act: impl FnOnce() -> TestResult) -> Result<Received, String> {
    let domains_dir = format!("{TREE}/domains");
    let root_fan = fanotify(TREE, true)?;
    let (mut ready_rd, ready_wr) = pipe()?;
    let (go_rd, mut go_wr) = pipe()?;
    let (mut out_rd, out_wr) = pipe()?;
    // SAFETY: the runner is single-threaded when it forks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", Error::last_os_error()));
    }
    if pid == 0 {
        drop((ready_rd, go_wr, out_rd));
        let (mut ready_wr, mut go_rd, mut out_wr) = (ready_wr, go_rd, out_wr);
        let mut run = || -> Result<Vec<u8>, String> {
            become_user(1001, 1001, &[])?;
            let ino = inotify(&[TREE, &domains_dir])?;
            let fan = fanotify(&domains_dir, false)?;
            // The unprivileged fanotify mark is on `domains/`; the control
            // (`version`) is in its parent, so mark that too.
            let fan_top = fanotify(TREE, false)?;
            ready_wr.write_all(b"+").map_err(|e| e.to_string())?;
            let mut go = [0u8; 1];
            go_rd.read_exact(&mut go).map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            for (tag, fd) in [(b'I', &ino), (b'F', &fan), (b'T', &fan_top)] {
                let raw = drain(fd)?;
                out.push(tag);
                out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
                out.extend_from_slice(&raw);
            }
            Ok(out)
        };
        let code = match run() {
            Ok(out) => {
                let _ = out_wr.write_all(&out);
                0
            }
            Err(e) => {
                let _ = ready_wr.write_all(format!("-{e}").as_bytes());
                1
            }
        };
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    drop((ready_wr, go_rd, out_wr));
    let reap = || {
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
    };
    let mut buf = [0u8; 512];
    let n = ready_rd.read(&mut buf).map_err(|e| e.to_string())?;
    if buf.first() != Some(&b'+') {
        reap();
        return Err(format!(
            "uid 1001's watchers: {}",
            String::from_utf8_lossy(buf.get(1..n).unwrap_or_default())
        ));
    }
    let acted = act();
    let _ = go_wr.write_all(b"g");
    let mut out = Vec::new();
    let _ = out_rd.read_to_end(&mut out);
    reap();
    acted?;
    let mut got: Received = vec![("root fanotify (filesystem)", drain_paths(&root_fan)?)];
    let mut rest = &out[..];
    for who in [
        "uid 1001 inotify",
        "uid 1001 fanotify on domains/",
        "uid 1001 fanotify on landlock/",
    ] {
        let (hdr, tail) = rest.split_at_checked(5).ok_or("short watcher report")?;
        let len = u32::from_le_bytes([hdr[1], hdr[2], hdr[3], hdr[4]]) as usize;
        let (raw, tail) = tail.split_at_checked(len).ok_or("short watcher report")?;
        got.push((who, raw.to_vec()));
        rest = tail;
    }
    Ok(got)
}

/// Reads every file of a domain and lists its directory, as a monitor or
/// `grep -r` does.
fn read_all_of(id: &str) -> TestResult {
    let dir = format!("{TREE}/domains/{id}");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("listing {dir}: {e}"))?;
    for e in entries {
        let e = e.map_err(|e| format!("listing {dir}: {e}"))?;
        // `creator` and `audit_id` may be refused; the open is what counts.
        let _ = std::fs::read(e.path());
    }
    Ok(())
}

/// A domain of uid 1000, which uid 1001 may not see, is listed and read by
/// root (and the top-level files too): no watcher gets an event that names
/// it, and every watcher gets the control's.
pub fn fsnotify_reports_no_domain_names() -> TestResult {
    let user = crate::procs::Daemon::spawn(|| {
        become_user(1000, 1000, &[])?;
        restrict(Access::MAKE_DIR)
    })?;
    let id = domain_of(&domains()?, user.pid)?.id.to_string();
    let got = watch_while(|| {
        // The control: plain securityfs, reported by name.
        std::fs::read(format!("{TREE}/version")).map_err(|e| format!("version: {e}"))?;
        let listed = list_domains()?;
        ensure(listed.contains(&id), || format!("root lists {listed:?}"))?;
        read_all_of(&id)?;
        for f in ["tasks", "snapshot"] {
            std::fs::read(format!("{TREE}/{f}")).map_err(|e| format!("{f}: {e}"))?;
        }
        // The library reads the tree as the command does.
        crate::tree::domains().map(drop)
    })?;
    for (who, raw) in &got {
        ensure(!contains(raw, id.as_bytes()), || {
            format!(
                "{who} received an event naming domain {id}: {:?}",
                names(raw)
            )
        })?;
    }
    // Root's filesystem mark sees every event on securityfs: only the plain
    // securityfs files (`version`, `abi_version`) may be named.
    let (_, root_paths) = &got[0];
    for line in root_paths.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let ok = [b"/version".as_slice(), b"/abi_version".as_slice()]
            .iter()
            .any(|f| line == [TREE.as_bytes(), f].concat().as_slice());
        ensure(ok, || {
            format!(
                "root's fanotify filesystem mark reported {:?}: the tree's own files \
                 must report nothing",
                String::from_utf8_lossy(line)
            )
        })?;
    }
    // The control, per watcher: `version` is named by each watch that
    // covers `landlock/` (the unprivileged mark on `domains/` does not).
    for (who, raw) in &got {
        if who.ends_with("domains/") {
            continue;
        }
        ensure(contains(raw, b"version"), || {
            format!(
                "{who} did not report the control (an open of version): {:?}",
                names(raw)
            )
        })?;
    }
    Ok(())
}

/// The access times of the tree's entries say nothing of other readers:
/// `S_NOATIME`.  On a mount with `strictatime` (in a private mount
/// namespace), where any read would set them, a listing of `domains/` and
/// reads of `tasks` and `snapshot` leave their access times as they were.
/// (A domain's directory and files get a new inode at each lookup, stamped
/// with the lookup's time, as `abi.rst` says.)
pub fn listings_set_no_access_time() -> TestResult {
    let _d = crate::procs::Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    crate::sys::in_child(|| {
        // SAFETY: plain unshare(2) in the forked child.
        if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
            return Err(format!("unshare: {}", Error::last_os_error()));
        }
        let root = cstr("/")?;
        // The securityfs mount the tree lives in.
        let tree = cstr("/sys/kernel/security")?;
        // SAFETY: mount(2) with NUL-terminated paths, in our own namespace.
        let r = unsafe {
            libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) | libc::mount(
                std::ptr::null(),
                tree.as_ptr(),
                std::ptr::null(),
                libc::MS_REMOUNT | libc::MS_BIND | libc::MS_STRICTATIME,
                std::ptr::null(),
            )
        };
        if r != 0 {
            return Err(format!("strictatime remount: {}", Error::last_os_error()));
        }
        let ids = list_domains()?;
        let id = ids.first().ok_or("no domain listed")?;
        let paths = [
            format!("{TREE}/domains"),
            format!("{TREE}/tasks"),
            format!("{TREE}/snapshot"),
        ];
        let atimes = || -> Result<Vec<i64>, String> {
            paths
                .iter()
                .map(|p| {
                    crate::vfs::stat(p.as_bytes())
                        .map(|st| st.st_atime * 1_000_000_000 + st.st_atime_nsec)
                        .map_err(|e| format!("stat {p}: errno {e}"))
                })
                .collect()
        };
        let before = atimes()?;
        std::thread::sleep(std::time::Duration::from_millis(1100));
        list_domains()?;
        for p in &paths[1..] {
            if p.ends_with(id.as_str()) {
                std::fs::read_dir(p)
                    .map_err(|e| format!("{p}: {e}"))?
                    .for_each(drop);
            } else {
                std::fs::read(p).map_err(|e| format!("{p}: {e}"))?;
            }
        }
        let after = atimes()?;
        ensure(before == after, || {
            format!("access times changed: {paths:?} {before:?} -> {after:?}")
        })
    })
}
