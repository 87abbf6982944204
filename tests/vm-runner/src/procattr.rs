//! In-VM tests of `/proc/<pid>/attr/landlock/domain` and
//! `/proc/<pid>/task/<tid>/attr/landlock/domain`, of the library's
//! `procfs::task_domain` and of `landlock-audit domain --pid`.

use crate::procs::{become_user, Daemon, CAP_SYS_PTRACE};
use crate::sys::{in_child, Access};
use crate::tree::{domain_of, domains, read_line, restrict};
use crate::{ensure, expect_errno, read, TestResult};
use landlock_audit::procfs::{task_domain, Via};
use std::fs;
use std::io::Read;

/// What a read of `attr/landlock/domain` gave: the bytes, or the errno.
fn attr(path: &str) -> Result<String, i32> {
    let mut f = fs::File::open(path).map_err(|e| e.raw_os_error().unwrap_or(0))?;
    let mut s = String::new();
    f.read_to_string(&mut s)
        .map_err(|e| e.raw_os_error().unwrap_or(0))?;
    Ok(s)
}

fn attr_of(pid: i32) -> Result<String, i32> {
    attr(&format!("/proc/{pid}/attr/landlock/domain"))
}

/// The file is there, read-only, beside the other LSMs' directories.
pub fn attr_directory_exists() -> TestResult {
    let md = fs::metadata("/proc/self/attr/landlock/domain").map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    ensure(md.permissions().mode() & 0o777 == 0o444, || {
        format!("mode {:o}", md.permissions().mode())
    })?;
    let names: Vec<String> = fs::read_dir("/proc/self/attr/landlock")
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    ensure(names == ["domain"], || {
        format!("attr/landlock/ lists {names:?}")
    })?;
    // Root may open it for writing (CAP_DAC_OVERRIDE), never write.
    let w = fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/attr/landlock/domain")
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"0123456789abcdef\n"));
    expect_errno(
        "writing attr/landlock/domain",
        w,
        &[libc::EACCES, libc::EINVAL],
    )
}

/// Reads make no fsnotify event: whether a read returned data (IN_ACCESS)
/// would tell a watcher whether the task is sandboxed, and an IN_OPEN
/// when somebody looks.
pub fn attr_reads_make_no_fsnotify_event() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let sandboxed = format!("/proc/{}/attr/landlock/domain", daemon.pid);
    let plain = "/proc/1/attr/landlock/domain".to_owned();
    let ino = crate::notify::inotify(&[&sandboxed, &plain])?;
    for p in [&sandboxed, &plain] {
        attr(p).map_err(|e| format!("{p}: errno {e}"))?;
    }
    let events = crate::notify::drain(&ino)?;
    ensure(events.is_empty(), || {
        format!("{} bytes of inotify events after reads", events.len())
    })
}

/// An unsandboxed reader (root) reads the tree's name of each task's
/// domain; an unsandboxed task's file is empty, and so is its own.
pub fn attr_names_the_tree_entry() -> TestResult {
    let (_d, pids) = crate::tree::nested_family()?;
    let d = domains()?;
    for pid in pids {
        let want = format!("{}\n", domain_of(&d, pid)?.id);
        let got = attr_of(pid).map_err(|e| format!("pid {pid}: errno {e}"))?;
        ensure(got == want, || {
            format!("pid {pid}: {got:?}, tree says {want:?}")
        })?;
    }
    let me = attr("/proc/self/attr/landlock/domain").map_err(|e| format!("self: errno {e}"))?;
    ensure(me.is_empty(), || format!("unsandboxed self reads {me:?}"))?;
    let init = attr_of(1).map_err(|e| format!("init: errno {e}"))?;
    ensure(init.is_empty(), || {
        format!("unsandboxed init reads {init:?}")
    })
}

/// Principle 1: a sandboxed task reads nothing about its own domain (as
/// about an unsandboxed task), sees its children's domains, and may not
/// read a task outside its subtree at all.
pub fn sandboxed_reader_learns_nothing_about_itself() -> TestResult {
    let sibling = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let sibling_pid = sibling.pid;
    in_child(move || {
        restrict(Access::MAKE_DIR)?;
        let own = attr("/proc/self/attr/landlock/domain")
            .map_err(|e| format!("own domain: errno {e}"))?;
        ensure(own.is_empty(), || {
            format!("a sandboxed task reads {own:?} about itself")
        })?;
        // SAFETY: getpid() has no precondition.
        let me = unsafe { libc::getpid() };
        let own_thread = attr(&format!("/proc/{me}/task/{me}/attr/landlock/domain"))
            .map_err(|e| format!("own thread: errno {e}"))?;
        ensure(own_thread.is_empty(), || {
            format!("own thread reads {own_thread:?}")
        })?;
        let child = Daemon::spawn(|| restrict(Access::MAKE_REG))?;
        let d = domains()?;
        let want = format!("{}\n", domain_of(&d, child.pid)?.id);
        let got = attr_of(child.pid).map_err(|e| format!("child: errno {e}"))?;
        ensure(got == want, || {
            format!("child: {got:?}, tree says {want:?}")
        })?;
        // A sibling domain and an unsandboxed task: Landlock's own ptrace
        // restriction refuses both.
        for (what, pid) in [("sibling", sibling_pid), ("init", 1)] {
            match attr_of(pid) {
                Err(libc::EACCES) => {}
                other => return Err(format!("{what}: {other:?}, expected EACCES")),
            }
        }
        Ok(())
    })
}

/// Reading needs PTRACE_MODE_READ_FSCREDS, which procfs does not check for
/// attr files: another UID gets EACCES; a CAP_SYS_PTRACE daemon under Yama
/// 1, unrelated to the task, reads it.
pub fn attr_needs_ptrace_read_access() -> TestResult {
    crate::tree::set_ptrace_scope(1)?;
    let root = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let want = format!("{}\n", domain_of(&domains()?, root.pid)?.id);
    let pid = root.pid;
    in_child(move || {
        become_user(1001, 1001, &[])?;
        match attr_of(pid) {
            Err(libc::EACCES) => Ok(()),
            other => Err(format!("uid 1001: {other:?}, expected EACCES")),
        }
    })?;
    let w = want.clone();
    in_child(move || {
        become_user(1002, 1002, &[CAP_SYS_PTRACE])?;
        let got = attr_of(pid).map_err(|e| format!("daemon: errno {e}"))?;
        ensure(got == w, || format!("daemon reads {got:?}, expected {w:?}"))
    })
}

/// A thread's file gives that thread's domain; the process's, the
/// leader's.
pub fn thread_domain_differs_from_the_leaders() -> TestResult {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    // The leader is unsandboxed; a second thread restricts itself.
    let daemon = Daemon::spawn(move || {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // SAFETY: gettid() has no precondition.
            let tid = unsafe { libc::gettid() };
            let _ = tx.send(restrict(Access::MAKE_DIR).map(|()| tid));
            crate::procs::pause_forever();
        });
        let tid = rx.recv().map_err(|e| e.to_string())??;
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{tid}\n").as_bytes()).map_err(|e| e.to_string())
    })?;
    let tid: i32 = read_line(&mut rd)?
        .parse()
        .map_err(|e| format!("tid: {e}"))?;
    let d = domains()?;
    let want = format!("{}\n", domain_of(&d, tid)?.id);
    let pid = daemon.pid;
    let leader = attr_of(pid).map_err(|e| format!("leader: errno {e}"))?;
    ensure(leader.is_empty(), || {
        format!("the unsandboxed leader reads {leader:?}")
    })?;
    let thread = attr(&format!("/proc/{pid}/task/{tid}/attr/landlock/domain"))
        .map_err(|e| format!("thread: errno {e}"))?;
    ensure(thread == want, || {
        format!("thread reads {thread:?}, expected {want:?}")
    })?;
    // The library, through the /proc/<pid> directory.
    let dir = fs::File::open(format!("/proc/{pid}")).map_err(|e| e.to_string())?;
    let lib_leader = task_domain(&dir, None).map_err(|e| e.to_string())?;
    let lib_thread = task_domain(&dir, Some(tid as u32)).map_err(|e| e.to_string())?;
    ensure(
        lib_leader.id.is_none()
            && lib_leader.via == Via::ProcAttr
            && lib_thread.id.map(|i| format!("{i}\n")) == Some(want.clone())
            && lib_thread.via == Via::ProcAttr,
        || format!("library: leader {lib_leader:?}, thread {lib_thread:?}"),
    )
}

/// A descriptor of /proc/<pid> never reaches another process: once the
/// task is gone, reading through it fails (ESRCH), whatever now has the
/// PID.
pub fn a_proc_directory_cannot_reach_a_reused_pid() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let pid = daemon.pid;
    let dir = fs::File::open(format!("/proc/{pid}")).map_err(|e| e.to_string())?;
    let before = task_domain(&dir, None).map_err(|e| e.to_string())?;
    ensure(before.id.is_some(), || format!("before exit: {before:?}"))?;
    drop(daemon);
    match task_domain(&dir, None) {
        Err(landlock_audit::Error::Io { source, .. })
            if matches!(source.raw_os_error(), Some(libc::ESRCH | libc::ENOENT)) =>
        {
            Ok(())
        }
        other => Err(format!("after exit: {other:?}")),
    }
}

/// `landlock-audit domain --pid`: the domain of a sandboxed process, exit
/// 1 (no_visible_domain) for an unsandboxed one.
pub fn command_domain_by_pid() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = domain_of(&domains()?, daemon.pid)?.id.to_string();
    let pid = daemon.pid.to_string();
    // --pid, and --tid: the main thread's domain again, through task/<tid>/.
    for args in [
        vec!["domain", "--pid", &pid],
        vec!["domain", "--pid", &pid, "--tid", &pid],
    ] {
        let o = std::process::Command::new("/bin/landlock-audit")
            .args(&args)
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&o.stdout);
        ensure(
            o.status.success() && text.contains(&format!("domain   {id}")),
            || format!("{args:?}: {:?} {text}", o.status),
        )?;
    }
    for (args, code, kind) in [
        (
            vec!["--json", "domain", "--pid", "1"],
            1,
            "no_visible_domain",
        ),
        (
            vec!["--json", "domain", "--pid", "4000000"],
            1,
            "no_such_process",
        ),
        (
            vec!["--json", "domain", "--pid", &pid, "--tid", "4000000"],
            1,
            "no_such_process",
        ),
    ] {
        let o = std::process::Command::new("/bin/landlock-audit")
            .args(&args)
            .output()
            .map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).map_err(|e| e.to_string())?;
        ensure(
            o.status.code() == Some(code) && v["error"]["kind"] == kind,
            || format!("{args:?}: {:?} {v}", o.status),
        )?;
    }
    Ok(())
}

/// Landlock's getprocattr hook must not take the legacy files: they stay
/// AppArmor's although Landlock comes first in the LSM order.
pub fn legacy_attr_files_stay_the_major_lsms() -> TestResult {
    let lsm = read("/sys/kernel/security/lsm")?;
    ensure(lsm.split(',').any(|l| l.trim() == "apparmor"), || {
        format!("AppArmor is not active (lsm: {lsm:?}): this test needs the main kernel")
    })?;
    for path in [
        "/proc/self/attr/current",
        "/proc/self/attr/apparmor/current",
    ] {
        let got = read(path)?;
        ensure(got == "unconfined\n", || format!("{path}: {got:?}"))?;
    }
    // Also from a sandboxed task, whose Landlock domain must not show.
    in_child(|| {
        restrict(Access::MAKE_DIR)?;
        let got = read("/proc/self/attr/current")?;
        ensure(got == "unconfined\n", || {
            format!("sandboxed attr/current: {got:?}")
        })
    })
}
