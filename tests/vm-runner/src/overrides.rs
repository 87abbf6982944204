//! Credentials that a task kept from before it sandboxed itself (kernel v2
//! issue, finding 6): an io_uring personality registered before
//! `landlock_restrict_self()`, and an overlayfs mount made before it (whose
//! lower-layer accesses run with the mounter's credentials).  Either gives
//! the task's requests pre-sandbox subjective credentials; the tree checks
//! rule 1 against the task's objective domain too, so the task still never
//! sees its own domain (principle 1), while a domain nested below its own
//! stays visible through both paths.

use crate::procs::pipe;
use crate::sys::{Access, Ruleset};
use crate::tree::{domain_of, domains};
use crate::{ensure, TestResult, TREE};
use std::io::{Error, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};

const MERGED: &str = "/tmp/la-overlay/merged";

/// Opens `path` read-only through `ring`, with `personality` (0: none);
/// the errno on failure.
fn uring_open(ring: &mut io_uring::IoUring, path: &str, personality: u16) -> Result<OwnedFd, i32> {
    let c = std::ffi::CString::new(path).map_err(|_| libc::EINVAL)?;
    let sqe = io_uring::opcode::OpenAt::new(io_uring::types::Fd(libc::AT_FDCWD), c.as_ptr())
        .flags(libc::O_RDONLY | libc::O_CLOEXEC)
        .build()
        .personality(personality);
    // SAFETY: `c` outlives the request, whose completion is reaped below.
    unsafe { ring.submission().push(&sqe).map_err(|_| libc::EBUSY)? };
    ring.submit_and_wait(1)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    let cqe = ring.completion().next().ok_or(libc::EIO)?;
    match cqe.result() {
        r if r < 0 => Err(-r),
        // SAFETY: a new descriptor, ours.
        fd => Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
    }
}

/// Whether `path` opens: `Ok(true)`, `Ok(false)` for `ENOENT`, else an
/// error naming `how`.
fn opens(how: &str, r: Result<OwnedFd, i32>) -> Result<bool, String> {
    match r {
        Ok(_) => Ok(true),
        Err(libc::ENOENT) => Ok(false),
        Err(e) => Err(format!("{how}: errno {e}")),
    }
}

fn open_plain(path: &str) -> Result<OwnedFd, i32> {
    std::fs::File::open(path)
        .map(OwnedFd::from)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

/// In the child: its pre-sandbox ring and personality, and an overlay of
/// the tree mounted in its own mount namespace, both made before it
/// sandboxes itself; then it reports ready, gets its own domain's ID and
/// its child domain's ID, and checks what each path shows.
fn child(
    mut ready: std::fs::File,
    mut ids: std::fs::File,
    mut result: std::fs::File,
) -> Result<(), String> {
    let mut ring = io_uring::IoUring::new(4).map_err(|e| format!("io_uring: {e}"))?;
    let personality = ring
        .submitter()
        .register_personality()
        .map_err(|e| format!("IORING_REGISTER_PERSONALITY: {e}"))?;
    // SAFETY: plain unshare(2) in the (single-threaded) child.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
        return Err(format!("unshare: {}", Error::last_os_error()));
    }
    let _ = std::fs::create_dir_all("/tmp/la-overlay/empty");
    let _ = std::fs::create_dir_all(MERGED);
    let opts = format!("lowerdir={TREE}:/tmp/la-overlay/empty");
    let c = |s: &str| std::ffi::CString::new(s).map_err(|e| e.to_string());
    let (src, dst, ty, data) = (c("overlay")?, c(MERGED)?, c("overlay")?, c(&opts)?);
    // SAFETY: mount(2) with NUL-terminated strings, in our own namespace.
    let mounted = unsafe {
        libc::mount(
            src.as_ptr(),
            dst.as_ptr(),
            ty.as_ptr(),
            libc::MS_RDONLY,
            data.as_ptr().cast(),
        )
    } == 0;
    let overlay_err = (!mounted).then(|| Error::last_os_error().to_string());
    Ruleset::new(Access::MAKE_DIR)?.restrict_self()?;
    // A child domain below ours, held by a grandchild: visible to us.
    let below =
        crate::procs::fork_sleeper(false, || Ruleset::new(Access::MAKE_DIR)?.restrict_self())?;
    ready
        .write_all(format!("{below}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    ids.read_to_string(&mut line).map_err(|e| e.to_string())?;
    let mut it = line.split_whitespace();
    let (own, nested) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
    let mut out = Vec::new();
    for (what, id) in [("own", own), ("nested", nested)] {
        let path = format!("{TREE}/domains/{id}/depth");
        let plain = opens("open", open_plain(&path))?;
        let uring = opens("io_uring", uring_open(&mut ring, &path, 0))?;
        let pers = opens(
            "io_uring with the personality",
            uring_open(&mut ring, &path, personality),
        )?;
        let over = match &overlay_err {
            None => opens(
                "overlay",
                open_plain(&format!("{MERGED}/domains/{id}/depth")),
            )?
            .to_string(),
            Some(e) => format!("no-overlay({})", e.replace(' ', "_")),
        };
        out.push(format!(
            "{what} open={plain} io_uring={uring} personality={pers} overlay={over}"
        ));
    }
    // SAFETY: plain kill(2) and waitpid(2) of our own child: reaped, so
    // that its domain goes before the next test.
    unsafe {
        libc::kill(below, libc::SIGKILL);
        libc::waitpid(below, std::ptr::null_mut(), 0);
    }
    result
        .write_all(out.join("\n").as_bytes())
        .map_err(|e| e.to_string())
}

pub fn overridden_credentials_never_show_the_own_domain() -> TestResult {
    let (mut ready_rd, ready_wr) = pipe()?;
    let (ids_rd, mut ids_wr) = pipe()?;
    let (mut res_rd, res_wr) = pipe()?;
    // SAFETY: the runner is single-threaded when it forks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", Error::last_os_error()));
    }
    if pid == 0 {
        drop((ready_rd, ids_wr, res_rd));
        let mut err_out = res_wr.try_clone().ok();
        let code = match child(ready_wr, ids_rd, res_wr) {
            Ok(()) => 0,
            Err(e) => {
                if let Some(w) = err_out.as_mut() {
                    let _ = w.write_all(format!("error {e}").as_bytes());
                }
                1
            }
        };
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    drop((ready_wr, ids_rd, res_wr));
    let reap = || {
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
    };
    let mut buf = String::new();
    let mut b = [0u8; 1];
    while ready_rd.read(&mut b).map_err(|e| e.to_string())? == 1 && b[0] != b'\n' {
        buf.push(b[0] as char);
    }
    let Ok(below) = buf.trim().parse::<i32>() else {
        let mut err = String::new();
        let _ = res_rd.read_to_string(&mut err);
        reap();
        return Err(format!("child not ready: {err}"));
    };
    let d = domains()?;
    let own = domain_of(&d, pid)?.id.to_string();
    let nested = domain_of(&d, below)?.id.to_string();
    let _ = ids_wr.write_all(format!("{own} {nested}\n").as_bytes());
    drop(ids_wr);
    let mut out = String::new();
    let _ = res_rd.read_to_string(&mut out);
    reap();
    ensure(!out.starts_with("error"), || out.clone())?;
    println!("# overridden credentials: {}", out.replace('\n', "; "));
    let line = |what: &str| {
        out.lines()
            .find(|l| l.starts_with(what))
            .unwrap_or("")
            .to_owned()
    };
    let (own_l, nested_l) = (line("own "), line("nested "));
    // Never the own domain, whichever credentials the request carries.
    for key in ["open=", "io_uring=", "personality=", "overlay="] {
        ensure(!own_l.contains(&format!("{key}true")), || {
            format!("the sandboxed task sees its own domain: {own_l}")
        })?;
    }
    // The nested domain, through each path (the overlay where it mounts).
    for key in ["open=", "io_uring=", "personality="] {
        ensure(nested_l.contains(&format!("{key}true")), || {
            format!("the nested domain is not visible: {nested_l}")
        })?;
    }
    ensure(
        nested_l.contains("overlay=true") || nested_l.contains("overlay=no-overlay"),
        || format!("the nested domain through the overlay: {nested_l}"),
    )
}
