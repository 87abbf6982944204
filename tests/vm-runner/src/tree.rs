//! In-VM tests of `/sys/kernel/security/landlock/domains` and `tasks`,
//! through the landlock-audit library and command on the real tree.

use crate::procs::{become_user, fork_sleeper, set_comm, Daemon, CAP_SYS_PTRACE};
use crate::sys::{in_child, Access, Ruleset};
use crate::{ensure, expect_errno, read, TestResult, TREE};
use landlock_audit::{Domain, DomainId, Domains};
use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

const NET_BIND_TCP: u64 = 1;
const SCOPE_SIGNAL: u64 = 2;

/// Reads one newline-terminated message from a pipe whose write end
/// forked grandchildren may still hold (so EOF may never come).
pub(crate) fn read_line(rd: &mut std::io::PipeReader) -> Result<String, String> {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match std::io::Read::read(rd, &mut b) {
            Ok(0) => break,
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) => out.push(b[0]),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

pub(crate) fn domains() -> Result<Domains, String> {
    Domains::read().map_err(|e| format!("Domains::read: {e}"))
}

/// The domain the tree shows for a task.
pub(crate) fn domain_of(d: &Domains, tid: i32) -> Result<Domain, String> {
    d.domain_of_task(tid as u32)
        .cloned()
        .ok_or_else(|| format!("task {tid} is in no visible domain"))
}

pub(crate) fn restrict(fs: u64) -> Result<(), String> {
    Ruleset::new(fs)?.restrict_self()
}

fn restrict_full(fs: u64, net: u64, scope: u64) -> Result<(), String> {
    Ruleset::with(fs, net, scope)?.restrict_self()
}

fn dir_of(id: DomainId) -> String {
    format!("{TREE}/domains/{id}")
}

/// Names listed by `readdir(domains/)`.
pub(crate) fn list_domains() -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for e in fs::read_dir(format!("{TREE}/domains")).map_err(|e| format!("readdir: {e}"))? {
        let e = e.map_err(|e| format!("readdir: {e}"))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

/// Waits (up to 10 s) until the domains of earlier tests are freed (RCU and
/// a workqueue free them after their last task), so that each test starts
/// from an empty tree.  A domain that is never freed makes
/// `no_domain_outlives_its_references` fail.
pub(crate) fn settle() {
    eventually(10, || list_domains().map_or(true, |v| v.is_empty()));
}

/// Polls `cond` for up to `secs` seconds (freeing goes through RCU and a
/// workqueue).
pub(crate) fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

// --- structure ------------------------------------------------------------

pub fn tree_lists_domains_and_tasks() -> TestResult {
    for name in ["domains", "tasks"] {
        fs::metadata(format!("{TREE}/{name}")).map_err(|e| format!("{name}: {e}"))?;
    }
    let d = domains()?;
    ensure(d.is_empty(), || {
        format!("{} domains visible with no sandbox running", d.len())
    })
}

/// A chain of three domains, with a sibling at depth 2:
/// P (1 layer) -> Q1 (2) ; P -> Q2 (2) -> R (3).  Returns the daemon and
/// the PIDs of P, Q1, Q2, R.
pub(crate) fn nested_family() -> Result<(Daemon, [i32; 4]), String> {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let daemon = Daemon::spawn(move || {
        restrict(Access::MAKE_DIR)?;
        let q1 = fork_sleeper(false, || restrict(Access::MAKE_REG))?;
        let q2 = fork_sleeper(false, || {
            restrict(Access::MAKE_SYM)?;
            fork_sleeper(false, || restrict(Access::MAKE_FIFO)).map(|_| ())
        })?;
        // R is Q2's child: the one whose parent is Q2.
        let r = children_of(q2).first().copied().unwrap_or(0);
        let mut wr = wr;
        // SAFETY: getpid() has no precondition.
        let p = unsafe { libc::getpid() };
        std::io::Write::write_all(&mut wr, format!("{p} {q1} {q2} {r}\n").as_bytes())
            .map_err(|e| e.to_string())
    })?;
    let s = read_line(&mut rd)?;
    let pids: Vec<i32> = s
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    ensure(pids.len() == 4 && pids[3] > 0, || {
        format!("family pids {s:?}")
    })?;
    Ok((daemon, [pids[0], pids[1], pids[2], pids[3]]))
}

/// PIDs whose parent is `pid` (from /proc).
fn children_of(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir("/proc") {
        for e in rd.flatten() {
            let Ok(p) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) {
                let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
                if after
                    .split_whitespace()
                    .nth(1)
                    .and_then(|w| w.parse::<i32>().ok())
                    == Some(pid)
                {
                    out.push(p);
                }
            }
        }
    }
    out
}

pub fn nested_domains_parents_and_depths() -> TestResult {
    let (_d, [p, q1, q2, r]) = nested_family()?;
    let d = domains()?;
    ensure(d.len() == 4, || format!("{} domains, expected 4", d.len()))?;
    let (dp, dq1, dq2, dr) = (
        domain_of(&d, p)?,
        domain_of(&d, q1)?,
        domain_of(&d, q2)?,
        domain_of(&d, r)?,
    );
    ensure(dp.parent.is_none() && dp.depth == 1, || {
        format!("P: {dp:?}")
    })?;
    ensure(dq1.parent == Some(dp.id) && dq1.depth == 2, || {
        format!("Q1: {dq1:?}")
    })?;
    ensure(dq2.parent == Some(dp.id) && dq2.depth == 2, || {
        format!("Q2: {dq2:?}")
    })?;
    ensure(dr.parent == Some(dq2.id) && dr.depth == 3, || {
        format!("R: {dr:?}")
    })?;
    ensure(dq1.id != dq2.id, || "siblings share an ID".into())?;
    let kids: Vec<DomainId> = d.children(dp.id).map(|c| c.id).collect();
    ensure(
        kids.len() == 2 && kids.contains(&dq1.id) && kids.contains(&dq2.id),
        || format!("children of P: {kids:?}"),
    )
}

pub fn domain_tasks_files() -> TestResult {
    let (_d, [p, q1, q2, r]) = nested_family()?;
    let d = domains()?;
    for pid in [p, q1, q2, r] {
        let dom = domain_of(&d, pid)?;
        let tasks: Vec<u32> = dom.tasks.iter().map(|t| t.tid).collect();
        ensure(tasks == [pid as u32], || {
            format!("tasks of {pid}'s domain: {tasks:?}")
        })?;
    }
    Ok(())
}

pub fn top_level_tasks_file() -> TestResult {
    let (_d, pids) = nested_family()?;
    let text = read(&format!("{TREE}/tasks"))?;
    let mut seen = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        ensure(f.len() == 3 && f[2].len() == 16, || {
            format!("bad line {line:?}")
        })?;
        seen.push((
            f[0].parse::<i32>().unwrap_or(-1),
            f[1].parse::<i32>().unwrap_or(-1),
        ));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    ensure(seen == sorted, || {
        "tasks file is not sorted by tgid, tid".into()
    })?;
    let mut want: Vec<(i32, i32)> = pids.iter().map(|&p| (p, p)).collect();
    want.sort();
    ensure(seen == want, || {
        format!("tasks {seen:?}, expected {want:?}")
    })
}

pub fn access_lines_follow_rulesets() -> TestResult {
    let daemon = Daemon::spawn(|| {
        restrict_full(
            Access::MAKE_DIR | Access::READ_FILE,
            NET_BIND_TCP,
            SCOPE_SIGNAL,
        )
    })?;
    let d = domains()?;
    let dom = domain_of(&d, daemon.pid)?;
    let text = read(&format!("{}/access", dir_of(dom.id)))?;
    // refer is in every domain that handles a filesystem right: Landlock
    // denies it by default.
    ensure(
        text == "fs: read_file make_dir refer\nnet: bind_tcp\nscope: signal\n",
        || format!("access is {text:?}"),
    )
}

pub fn ids_are_16_hex_digits_sorted() -> TestResult {
    let _ds: Vec<Daemon> = (0..8)
        .map(|_| Daemon::spawn(|| restrict(Access::MAKE_DIR)))
        .collect::<Result<_, _>>()?;
    let names = list_domains()?;
    ensure(names.len() == 8, || format!("{} entries", names.len()))?;
    for n in &names {
        ensure(
            n.len() == 16
                && n.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            || format!("bad name {n:?}"),
        )?;
        let v = u64::from_str_radix(n, 16).map_err(|e| e.to_string())?;
        ensure(v >= 1 << 60, || format!("{n} is below 2^60"))?;
    }
    let mut sorted = names.clone();
    sorted.sort();
    ensure(names == sorted, || {
        "readdir is not in ascending ID order".into()
    })
}

/// Starts a thread that restricts itself (a new domain for that thread only)
/// and sleeps; returns once it did.
fn sandboxed_thread(fs: u64) -> Result<(), String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(restrict(fs));
        crate::procs::pause_forever();
    });
    rx.recv().map_err(|e| e.to_string())?
}

pub fn mixed_threads_in_two_domains() -> TestResult {
    let daemon = Daemon::spawn(|| sandboxed_thread(Access::MAKE_DIR))?;
    let d = domains()?;
    let doms = d.domains_of_process(daemon.pid as u32);
    ensure(doms.len() == 1, || {
        format!("{} domains for the mixed process", doms.len())
    })?;
    ensure(d.domain_of_task(daemon.pid as u32).is_none(), || {
        "main thread is unconfined".into()
    })?;
    let cov = d.coverage("/proc").map_err(|e| e.to_string())?;
    ensure(cov.mixed == 1 && cov.sandboxed == 0, || {
        format!("coverage {cov:?}")
    })
}

pub fn threads_in_two_nested_domains() -> TestResult {
    // The main thread restricts itself (A); a second thread, which inherits
    // A, restricts itself again (B below A).  The process is sandboxed, in
    // two domains.
    let daemon = Daemon::spawn(|| {
        restrict(Access::MAKE_DIR)?;
        sandboxed_thread(Access::MAKE_REG)
    })?;
    let d = domains()?;
    let doms = d.domains_of_process(daemon.pid as u32);
    ensure(doms.len() == 2, || {
        format!("{} domains for the process", doms.len())
    })?;
    let main = domain_of(&d, daemon.pid)?;
    let other = doms
        .iter()
        .find(|x| x.id != main.id)
        .ok_or("one domain only")?;
    ensure(other.parent == Some(main.id) && other.depth == 2, || {
        format!("thread domain {other:?}")
    })?;
    let cov = d.coverage("/proc").map_err(|e| e.to_string())?;
    ensure(cov.sandboxed == 1 && cov.mixed == 0, || {
        format!("coverage {cov:?}")
    })
}

// --- lookups and write attempts ---------------------------------------------

pub fn malformed_lookups_are_enoent() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = domain_of(&domains()?, daemon.pid)?.id.to_string();
    let bad = [
        id.to_uppercase(),
        id[..15].to_string(),
        format!("{id}0"),
        format!("{}g", &id[..15]),
        "0000000000000001".to_string(),
        "0fffffffffffffff".to_string(),
        format!("{:016x}", u64::from_str_radix(&id, 16).unwrap_or(0) ^ 1),
        format!("+{}", &id[1..]),
        format!(" {}", &id[1..]),
    ];
    for name in &bad {
        let r = fs::metadata(format!("{TREE}/domains/{name}"));
        expect_errno(&format!("stat domains/{name}"), r, &[libc::ENOENT])?;
    }
    // `..` inside a domain leads back to domains/, nothing more.
    let back = fs::metadata(format!("{TREE}/domains/{id}/../{id}/access"));
    ensure(back.is_ok(), || format!("{back:?}"))?;
    let up = fs::metadata(format!("{TREE}/domains/{id}/nonexistent"));
    expect_errno("an unknown file in a domain", up, &[libc::ENOENT])
}

pub fn writes_are_refused() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = domain_of(&domains()?, daemon.pid)?.id;
    let dir = dir_of(id);
    let access = format!("{dir}/access");
    let before = read(&access)?;
    let deny = [libc::EACCES, libc::EPERM];
    expect_errno(
        "open O_WRONLY",
        fs::OpenOptions::new().write(true).open(&access),
        &[libc::EACCES],
    )?;
    expect_errno(
        "open O_RDWR",
        fs::OpenOptions::new().read(true).write(true).open(&access),
        &[libc::EACCES],
    )?;
    expect_errno(
        "create in a domain",
        fs::File::create(format!("{dir}/new")),
        &deny,
    )?;
    expect_errno(
        "mkdir in domains/",
        fs::create_dir(format!("{TREE}/domains/new")),
        &deny,
    )?;
    expect_errno("unlink", fs::remove_file(&access), &deny)?;
    expect_errno("rmdir", fs::remove_dir(&dir), &deny)?;
    expect_errno("rename", fs::rename(&access, format!("{dir}/x")), &deny)?;
    let cpath = std::ffi::CString::new(access.clone()).map_err(|e| e.to_string())?;
    // SAFETY: valid NUL-terminated path.
    let chmod = unsafe { libc::chmod(cpath.as_ptr(), 0o666) };
    ensure(
        chmod < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM),
        || "chmod".into(),
    )?;
    // SAFETY: valid path and value.
    let xattr = unsafe {
        libc::setxattr(
            cpath.as_ptr(),
            c"user.x".as_ptr(),
            c"1".as_ptr().cast(),
            1,
            0,
        )
    };
    let err = std::io::Error::last_os_error().raw_os_error();
    ensure(
        xattr < 0 && matches!(err, Some(libc::EPERM | libc::EACCES | libc::EOPNOTSUPP)),
        || format!("setxattr: {err:?}"),
    )?;
    let md = fs::metadata(&access).map_err(|e| e.to_string())?;
    ensure(md.mode() == 0o100444, || format!("mode {:o}", md.mode()))?;
    ensure(read(&access)? == before, || "access changed".into())
}

// --- creator ------------------------------------------------------------------

pub fn creator_shows_the_creating_process() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let d = domains()?;
    let dom = domain_of(&d, daemon.pid)?;
    let c = dom.creator.ok_or("no creator for root")?;
    ensure(c.pid == daemon.pid as u32 && c.uid == 0, || {
        format!("{c:?}")
    })?;
    ensure(
        c.comm == "vm-runner" && c.exe == std::path::Path::new("/bin/vm-runner"),
        || format!("{c:?}"),
    )
}

pub fn creator_pid_is_zero_once_it_exited() -> TestResult {
    // The creator forks a child that keeps the domain, then exits.
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let daemon = Daemon::spawn(move || {
        restrict(Access::MAKE_DIR)?;
        let child = fork_sleeper(false, || Ok(()))?;
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{child}\n").as_bytes())
            .map_err(|e| e.to_string())
    })?;
    let s = read_line(&mut rd)?;
    let child: i32 = s.trim().parse().map_err(|_| format!("child pid {s:?}"))?;
    // SAFETY: kill and reap the creator only (the runner is a subreaper).
    unsafe {
        libc::kill(daemon.pid, libc::SIGKILL);
        libc::waitpid(daemon.pid, std::ptr::null_mut(), 0);
    }
    let d = domains()?;
    let c = domain_of(&d, child)?.creator.ok_or("no creator")?;
    ensure(c.pid == 0, || {
        format!("creator pid {} after it exited", c.pid)
    })
}

pub fn creator_escapes_crafted_names() -> TestResult {
    let daemon = Daemon::spawn(|| {
        set_comm(b"ev il\n\\x");
        restrict(Access::MAKE_DIR)
    })?;
    let d = domains()?;
    let dom = domain_of(&d, daemon.pid)?;
    let raw = read(&format!("{}/creator", dir_of(dom.id)))?;
    ensure(raw.lines().count() == 4, || {
        format!("creator has {} lines: {raw:?}", raw.lines().count())
    })?;
    ensure(raw.contains("comm ev\\040il\\012\\134x\n"), || {
        format!("creator {raw:?}")
    })?;
    let c = dom.creator.ok_or("no creator")?;
    ensure(c.comm == "ev il\n\\x", || {
        format!("library decoded {:?}", c.comm)
    })
}

pub fn creator_needs_cap_sys_ptrace_in_init_ns() -> TestResult {
    // A daemon of uid 1001, visible to uid 1001.
    let daemon = Daemon::spawn(|| {
        become_user(1001, 1001, &[])?;
        restrict(Access::MAKE_DIR)
    })?;
    let id = domain_of(&domains()?, daemon.pid)?.id;
    let creator = format!("{}/creator", dir_of(id));
    in_child(|| {
        become_user(1001, 1001, &[])?;
        fs::metadata(&creator).map_err(|e| format!("uid 1001 cannot see its domain: {e}"))?;
        expect_errno(
            "uid 1001 reading creator",
            fs::read(&creator),
            &[libc::EACCES],
        )?;
        // Root of a new user namespace has every capability there, but not
        // CAP_SYS_PTRACE in the initial one.
        // SAFETY: plain unshare(2).
        if unsafe { libc::unshare(libc::CLONE_NEWUSER) } < 0 {
            return Err(format!("unshare: {}", std::io::Error::last_os_error()));
        }
        fs::write("/proc/self/setgroups", "deny").map_err(|e| e.to_string())?;
        fs::write("/proc/self/uid_map", "0 1001 1").map_err(|e| e.to_string())?;
        fs::write("/proc/self/gid_map", "0 1001 1").map_err(|e| e.to_string())?;
        // The capability LSM denies ptrace across user namespaces: the
        // daemon outside is now invisible.
        expect_errno(
            "userns root, domain outside",
            fs::metadata(&creator),
            &[libc::ENOENT],
        )?;
        // A domain of its own namespace is visible, but not its creator.
        let inner = Daemon::spawn(|| restrict(Access::MAKE_REG))?;
        let d = domains()?;
        let dom = domain_of(&d, inner.pid)?;
        ensure(dom.creator.is_none(), || "creator readable".into())?;
        let inner_creator = format!("{}/creator", dir_of(dom.id));
        expect_errno(
            "userns root reading creator",
            fs::read(&inner_creator),
            &[libc::EACCES],
        )
    })
}

// --- permission matrix -----------------------------------------------------------

/// Visible domain IDs for a reader set up by `become` in a child.
fn ids_seen_by(setup: impl FnOnce() -> Result<(), String>) -> Result<Vec<String>, String> {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    in_child(move || {
        setup()?;
        let names = list_domains()?;
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{}\n", names.join(" ")).as_bytes())
            .map_err(|e| e.to_string())
    })?;
    let s = read_line(&mut rd)?;
    let mut v: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
    v.sort();
    Ok(v)
}

/// Two daemons: one of root, one of uid 1000 (dumpable); returns them with
/// their IDs.
fn root_and_user_daemons() -> Result<(Daemon, Daemon, String, String), String> {
    let root = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let user = Daemon::spawn(|| {
        become_user(1000, 1000, &[])?;
        restrict(Access::MAKE_DIR)
    })?;
    let d = domains()?;
    let (r, u) = (
        domain_of(&d, root.pid)?.id.to_string(),
        domain_of(&d, user.pid)?.id.to_string(),
    );
    Ok((root, user, r, u))
}

pub fn root_sees_every_domain() -> TestResult {
    let (_a, _b, r, u) = root_and_user_daemons()?;
    let seen = ids_seen_by(|| Ok(()))?;
    ensure(
        seen.contains(&r) && seen.contains(&u) && seen.len() == 2,
        || format!("root sees {seen:?}"),
    )
}

pub fn same_uid_sees_its_own_daemons_only() -> TestResult {
    let (_a, _b, _r, u) = root_and_user_daemons()?;
    let seen = ids_seen_by(|| become_user(1000, 1000, &[]))?;
    ensure(seen == [u.clone()], || {
        format!("uid 1000 sees {seen:?}, expected [{u}]")
    })
}

pub fn other_uid_sees_nothing() -> TestResult {
    let (_a, _b, _r, _u) = root_and_user_daemons()?;
    let seen = ids_seen_by(|| become_user(1001, 1001, &[]))?;
    ensure(seen.is_empty(), || format!("uid 1001 sees {seen:?}"))
}

pub fn other_uid_cannot_read_tasks_of_others() -> TestResult {
    let (_a, _b, _r, _u) = root_and_user_daemons()?;
    in_child(|| {
        become_user(1001, 1001, &[])?;
        let t = read(&format!("{TREE}/tasks"))?;
        ensure(t.is_empty(), || format!("uid 1001 reads tasks {t:?}"))
    })
}

pub(crate) fn set_ptrace_scope(n: u32) -> TestResult {
    fs::write("/proc/sys/kernel/yama/ptrace_scope", format!("{n}\n"))
        .map_err(|e| format!("ptrace_scope: {e}"))
}

fn ptrace_attach(pid: i32) -> Result<(), i32> {
    // SAFETY: plain ptrace(2); detached right away on success.
    unsafe {
        if libc::ptrace(libc::PTRACE_ATTACH, pid, 0, 0) < 0 {
            return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
        }
        libc::waitpid(pid, std::ptr::null_mut(), libc::__WALL);
        libc::ptrace(libc::PTRACE_DETACH, pid, 0, 0);
    }
    Ok(())
}

pub fn ptrace_daemon_under_yama_reads_everything() -> TestResult {
    set_ptrace_scope(1)?;
    let (_a, _b, r, u) = root_and_user_daemons()?;
    let uid1000 = _b.pid;
    // Yama is active: a same-UID process that is not an ancestor may not
    // attach, although plain ptrace rules would let it.
    in_child(|| {
        become_user(1000, 1000, &[])?;
        match ptrace_attach(uid1000) {
            Err(libc::EPERM) => Ok(()),
            other => Err(format!("same-uid PTRACE_ATTACH under Yama 1: {other:?}")),
        }
    })?;
    // The metrics daemon: uid 1002, CAP_SYS_PTRACE only, unrelated.
    let seen = ids_seen_by(|| become_user(1002, 1002, &[CAP_SYS_PTRACE]))?;
    ensure(
        seen.contains(&r) && seen.contains(&u) && seen.len() == 2,
        || format!("daemon sees {seen:?}"),
    )?;
    in_child(|| {
        become_user(1002, 1002, &[CAP_SYS_PTRACE])?;
        let d = domains()?;
        ensure(d.iter().all(|x| x.creator.is_some()), || {
            "creator unreadable".into()
        })?;
        let t = read(&format!("{TREE}/tasks"))?;
        ensure(t.lines().count() == 2, || {
            format!("daemon reads tasks {t:?}")
        })
    })
}

pub fn ptrace_daemon_under_yama_3_cannot_attach_but_reads() -> TestResult {
    // ptrace_scope=3 forbids every PTRACE_ATTACH, even with CAP_SYS_PTRACE,
    // until reboot: this test runs last.
    set_ptrace_scope(3)?;
    let (_a, b, r, u) = root_and_user_daemons()?;
    let target = b.pid;
    in_child(|| {
        become_user(1002, 1002, &[CAP_SYS_PTRACE])?;
        match ptrace_attach(target) {
            Err(libc::EPERM) => {}
            other => return Err(format!("PTRACE_ATTACH under Yama 3: {other:?}")),
        }
        let mut seen = list_domains()?;
        seen.sort();
        let mut want = vec![r.clone(), u.clone()];
        want.sort();
        ensure(seen == want, || format!("daemon sees {seen:?}"))
    })
}

pub fn sandboxed_reader_sees_children_only() -> TestResult {
    let sibling = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let sibling_id = domain_of(&domains()?, sibling.pid)?.id.to_string();
    in_child(|| {
        restrict(Access::MAKE_DIR)?;
        // Our own domain is invisible to us, and so is the sibling.
        let before = list_domains()?;
        ensure(before.is_empty(), || {
            format!("a sandboxed reader sees {before:?} before it has children")
        })?;
        let child = Daemon::spawn(|| restrict(Access::MAKE_REG))?;
        let d = domains()?;
        ensure(d.len() == 1, || {
            format!("sees {} domains, expected its child's only", d.len())
        })?;
        let c = domain_of(&d, child.pid)?;
        ensure(c.parent.is_none() && c.depth == 1, || {
            format!("child seen as {c:?}")
        })?;
        ensure(c.id.to_string() != sibling_id, || "sibling visible".into())?;
        expect_errno(
            "stat of the sibling",
            fs::metadata(format!("{TREE}/domains/{sibling_id}")),
            &[libc::ENOENT],
        )?;
        // SAFETY: getpid() has no precondition.
        let me = unsafe { libc::getpid() } as u32;
        ensure(d.domain_of_task(me).is_none(), || "sees itself".into())
    })
}

pub fn descriptor_opened_before_restrict_self() -> TestResult {
    let _other = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    in_child(|| {
        let tasks = fs::File::open(format!("{TREE}/tasks")).map_err(|e| e.to_string())?;
        let dir = fs::File::open(format!("{TREE}/domains")).map_err(|e| e.to_string())?;
        restrict(Access::MAKE_DIR)?;
        let _child = Daemon::spawn(|| restrict(Access::MAKE_REG))?;
        // Read the descriptors opened while unconfined.
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &tasks, &mut text).map_err(|e| e.to_string())?;
        ensure(text.is_empty(), || {
            format!("pre-opened tasks file shows {text:?}")
        })?;
        let names = getdents_names(&dir)?;
        ensure(names.is_empty(), || {
            format!("pre-opened domains/ lists {names:?}")
        })
    })
}

/// Calls `f` with a `msghdr` for one byte of payload and room for `n`
/// descriptors in an SCM_RIGHTS control message (the first header set up).
fn with_fd_msghdr<R>(n: usize, f: impl FnOnce(&mut libc::msghdr, *mut libc::cmsghdr) -> R) -> R {
    let mut payload = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: payload.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE((n * 4) as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    // SAFETY: a zeroed msghdr is valid; its buffers are set below and
    // outlive `f`.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = space;
    // SAFETY: the control buffer has room for one header and `n` fds.
    let c = unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_SOCKET;
        (*c).cmsg_type = libc::SCM_RIGHTS;
        (*c).cmsg_len = libc::CMSG_LEN((n * 4) as u32) as usize;
        c
    };
    f(&mut msg, c)
}

/// Sends descriptors over a Unix socket (SCM_RIGHTS).
pub(crate) fn send_fds(sock: i32, fds: &[i32]) -> Result<(), String> {
    with_fd_msghdr(fds.len(), |msg, c| {
        // SAFETY: the control message has room for `fds.len()` fds.
        unsafe {
            std::ptr::copy_nonoverlapping(
                fds.as_ptr(),
                libc::CMSG_DATA(c).cast::<i32>(),
                fds.len(),
            );
            if libc::sendmsg(sock, msg, 0) < 0 {
                return Err(format!("sendmsg: {}", std::io::Error::last_os_error()));
            }
        }
        Ok(())
    })
}

/// Receives `n` descriptors sent by [`send_fds`].
pub(crate) fn recv_fds(sock: i32, n: usize) -> Result<Vec<i32>, String> {
    with_fd_msghdr(n, |msg, _| {
        // SAFETY: valid buffers; the kernel fills the control message.
        unsafe {
            if libc::recvmsg(sock, msg, 0) < 0 {
                return Err(format!("recvmsg: {}", std::io::Error::last_os_error()));
            }
            let c = libc::CMSG_FIRSTHDR(msg);
            if c.is_null() {
                return Err("no descriptors received".into());
            }
            let mut fds = vec![0i32; n];
            std::ptr::copy_nonoverlapping(libc::CMSG_DATA(c).cast::<i32>(), fds.as_mut_ptr(), n);
            Ok(fds)
        }
    })
}

pub fn descriptors_from_a_launcher() -> TestResult {
    // The child sandboxes itself (domain D) and starts a grandchild in E
    // below D; then the unconfined launcher opens `tasks`, `domains/` and
    // D's `access`, and hands the descriptors to the child.  Through them
    // the child must see E, but not its own D.
    let mut sv = [0i32; 2];
    // SAFETY: `sv` has room for two descriptors.
    if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) } < 0 {
        return Err(format!("socketpair: {}", std::io::Error::last_os_error()));
    }
    let (launcher_end, child_end) = (sv[0], sv[1]);
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    // Not `Daemon::spawn`: the child waits for the launcher after it is
    // ready.
    let child_work = move || -> Result<(), String> {
        restrict(Access::MAKE_DIR)?;
        let grandchild = fork_sleeper(false, || restrict(Access::MAKE_REG))?;
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{grandchild}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        let fds = recv_fds(child_end, 3)?;
        let mut out = String::new();
        // SAFETY: the received descriptors are ours.
        let (tasks, dir, access) = unsafe {
            use std::os::fd::FromRawFd;
            (
                fs::File::from_raw_fd(fds[0]),
                fs::File::from_raw_fd(fds[1]),
                fs::File::from_raw_fd(fds[2]),
            )
        };
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &tasks, &mut text).map_err(|e| e.to_string())?;
        // SAFETY: getpid() has no precondition.
        let me = unsafe { libc::getpid() };
        let lines: Vec<&str> = text.lines().collect();
        let mine = lines
            .iter()
            .any(|l| l.split(' ').nth(1) == Some(&me.to_string()));
        let theirs = lines
            .iter()
            .any(|l| l.split(' ').nth(1) == Some(&grandchild.to_string()));
        out.push_str(&format!("tasks:{}{} ", u8::from(mine), u8::from(theirs)));
        let names = getdents_names(&dir)?;
        out.push_str(&format!("dir:{} ", names.len()));
        let own = std::io::Read::read_to_string(&mut &access, &mut String::new());
        out.push_str(&format!(
            "access:{}\n",
            own.err().and_then(|e| e.raw_os_error()).unwrap_or(0)
        ));
        std::io::Write::write_all(&mut wr, out.as_bytes()).map_err(|e| e.to_string())
    };
    // SAFETY: the runner is single-threaded when it forks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: a process group of its own (for `Daemon`'s drop); leave
        // without running the parent's destructors.
        unsafe { libc::setpgid(0, 0) };
        if let Err(e) = child_work() {
            eprintln!("launcher child: {e}");
        }
        // SAFETY: as above.
        unsafe { libc::_exit(0) };
    }
    drop(child_work);
    // Kills the child's group (with the grandchild) and reaps it at the end.
    let child = Daemon { pid };
    let grandchild: i32 = read_line(&mut rd)?
        .trim()
        .parse()
        .map_err(|e| format!("{e}"))?;
    let d = domains()?;
    let own = domain_of(&d, child.pid)?.id;
    ensure(d.len() == 2 && domain_of(&d, grandchild).is_ok(), || {
        format!("launcher sees {} domains", d.len())
    })?;
    let files = [
        fs::File::open(format!("{TREE}/tasks")).map_err(|e| e.to_string())?,
        fs::File::open(format!("{TREE}/domains")).map_err(|e| e.to_string())?,
        fs::File::open(format!("{}/access", dir_of(own))).map_err(|e| e.to_string())?,
    ];
    use std::os::fd::AsRawFd;
    let fds: Vec<i32> = files.iter().map(|f| f.as_raw_fd()).collect();
    send_fds(launcher_end, &fds)?;
    let report = read_line(&mut rd)?;
    // SAFETY: closing our socket ends.
    unsafe {
        libc::close(launcher_end);
        libc::close(child_end);
    }
    // Its own task line hidden, the grandchild's shown; one entry (E) in
    // domains/; its own domain's file unreadable (ENOENT).
    ensure(
        report == format!("tasks:01 dir:1 access:{}", libc::ENOENT),
        || format!("child saw: {report}"),
    )
}

/// Entries of a directory read through an already open descriptor.
fn getdents_names(dir: &fs::File) -> Result<Vec<String>, String> {
    use std::os::fd::AsRawFd;
    // SAFETY: dup gives fdopendir a descriptor it may own and close.
    let fd = unsafe { libc::dup(dir.as_raw_fd()) };
    // SAFETY: `fd` is ours.
    let dp = unsafe { libc::fdopendir(fd) };
    if dp.is_null() {
        return Err(format!("fdopendir: {}", std::io::Error::last_os_error()));
    }
    let mut names = Vec::new();
    loop {
        // SAFETY: `dp` is a valid DIR stream.
        let ent = unsafe { libc::readdir(dp) };
        if ent.is_null() {
            break;
        }
        // SAFETY: `ent` points to a valid dirent with a NUL-terminated name.
        let name = unsafe { std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        if name != "." && name != ".." {
            names.push(name);
        }
    }
    // SAFETY: closes the stream and its descriptor.
    unsafe { libc::closedir(dp) };
    Ok(names)
}

pub fn reader_in_child_pid_namespace() -> TestResult {
    let _outside = Daemon::spawn(|| {
        become_user(1000, 1000, &[])?;
        restrict(Access::MAKE_DIR)
    })?;
    // SAFETY: unshare(CLONE_NEWPID) in a forked child: its children are in
    // the new namespace.
    in_child(|| {
        if unsafe { libc::unshare(libc::CLONE_NEWPID) } < 0 {
            return Err(format!("unshare: {}", std::io::Error::last_os_error()));
        }
        in_child(|| {
            // PID 1 of the new namespace, as uid 1000 (the same uid as the
            // daemon outside, which it must not see).
            become_user(1000, 1000, &[])?;
            let inner = Daemon::spawn(|| restrict(Access::MAKE_REG))?;
            let d = domains()?;
            ensure(d.len() == 1, || {
                format!("sees {} domains, expected 1", d.len())
            })?;
            let dom = d.iter().next().ok_or("none")?;
            let tids: Vec<u32> = dom.tasks.iter().map(|t| t.tid).collect();
            ensure(tids == [inner.pid as u32], || {
                format!("tasks {tids:?}, inner pid {}", inner.pid)
            })
        })
    })
}

pub fn cached_dentry_does_not_bypass_checks() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = domain_of(&domains()?, daemon.pid)?.id;
    let path = dir_of(id);
    // Root looks first, then an unprivileged reader: ENOENT for the latter.
    fs::metadata(&path).map_err(|e| format!("root: {e}"))?;
    fs::metadata(format!("{path}/access")).map_err(|e| format!("root: {e}"))?;
    let f = fs::File::open(format!("{path}/access")).map_err(|e| e.to_string())?;
    let r = in_child(|| {
        become_user(1001, 1001, &[])?;
        expect_errno("stat by uid 1001", fs::metadata(&path), &[libc::ENOENT])?;
        expect_errno(
            "stat of a file by uid 1001",
            fs::metadata(format!("{path}/access")),
            &[libc::ENOENT],
        )?;
        expect_errno(
            "open by uid 1001",
            fs::File::open(format!("{path}/access")),
            &[libc::ENOENT],
        )
    });
    drop(f);
    r
}

// --- lifetime and IDs -------------------------------------------------------------

pub fn entry_disappears_with_the_domain() -> TestResult {
    let daemon = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = domain_of(&domains()?, daemon.pid)?.id;
    let path = dir_of(id);
    fs::metadata(&path).map_err(|e| e.to_string())?;
    drop(daemon);
    ensure(eventually(10, || fs::metadata(&path).is_err()), || {
        format!("{path} still exists")
    })?;
    ensure(!list_domains()?.contains(&id.to_string()), || {
        "still listed".into()
    })
}

pub fn parent_entry_lives_while_a_child_domain_does() -> TestResult {
    // P restricts, forks C which restricts again; P exits: P's domain lives
    // on as C's parent (the hierarchy is referenced), without a task.
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let daemon = Daemon::spawn(move || {
        restrict(Access::MAKE_DIR)?;
        let c = fork_sleeper(false, || restrict(Access::MAKE_REG))?;
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{c}\n").as_bytes()).map_err(|e| e.to_string())
    })?;
    let s = read_line(&mut rd)?;
    let c: i32 = s.trim().parse().map_err(|_| format!("pid {s:?}"))?;
    // SAFETY: kill and reap P only.
    unsafe {
        libc::kill(daemon.pid, libc::SIGKILL);
        libc::waitpid(daemon.pid, std::ptr::null_mut(), 0);
    }
    std::thread::sleep(Duration::from_millis(100));
    let d = domains()?;
    let dc = domain_of(&d, c)?;
    let parent = dc.parent.ok_or("the child lost its parent")?;
    let p = d.get(parent).ok_or("parent not listed")?;
    ensure(p.tasks.is_empty() && dc.depth == 2, || {
        format!("parent {p:?}")
    })
}

/// Creates `n` domains, one per thread, in sequence, all alive at the end;
/// returns their IDs in creation order.
fn ids_in_creation_order(n: usize) -> Result<Vec<u64>, String> {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let daemon = Daemon::spawn(move || {
        for _ in 0..n {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let _ = tx.send(restrict(Access::MAKE_DIR));
                    crate::procs::pause_forever();
                })
                .map_err(|e| e.to_string())?;
            rx.recv().map_err(|e| e.to_string())??;
        }
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, b"ok\n").map_err(|e| e.to_string())
    })?;
    read_line(&mut rd)?;
    // Thread IDs ascend in creation order, and each thread created its
    // domain before the next thread was started.
    let text = read(&format!("{TREE}/tasks"))?;
    let mut rows: Vec<(i32, u64)> = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() == 3 && f[0] == daemon.pid.to_string() {
            rows.push((
                f[1].parse().unwrap_or(0),
                u64::from_str_radix(f[2], 16).unwrap_or(0),
            ));
        }
    }
    rows.sort();
    drop(daemon);
    ensure(rows.len() == n, || {
        format!("{} of {n} threads seen", rows.len())
    })?;
    Ok(rows.into_iter().map(|r| r.1).collect())
}

pub fn ids_never_repeat_over_100k_domains() -> TestResult {
    // Thread IDs must not wrap during the test: they give creation order.
    fs::write("/proc/sys/kernel/pid_max", "4194304").map_err(|e| format!("pid_max: {e}"))?;
    let mut all = HashSet::new();
    let mut in_order = Vec::new();
    for batch in 0..100 {
        let ids = ids_in_creation_order(1000).map_err(|e| format!("batch {batch}: {e}"))?;
        if in_order.len() < 10_000 {
            in_order.extend_from_slice(&ids);
        }
        for id in ids {
            ensure(id >= 1 << 60, || format!("ID {id:x} below 2^60"))?;
            ensure(all.insert(id), || {
                format!("ID {id:016x} repeated in batch {batch}")
            })?;
        }
    }
    ensure(all.len() == 100_000, || format!("{} IDs", all.len()))?;
    let ascending = in_order.windows(2).filter(|w| w[1] > w[0]).count();
    let share = ascending as f64 / (in_order.len() - 1) as f64;
    println!("# 100,000 domains, no repeat; over the first 10,000 in creation order the share of ascending consecutive IDs is {share:.4}");
    ensure((0.48..=0.52).contains(&share), || {
        format!("ascending share {share:.4}")
    })
}

/// `CAP_AUDIT_READ` (include/uapi/linux/capability.h).
const CAP_AUDIT_READ: u32 = 37;

/// `domains/<id>/denials` counts exactly the requests the domain denied as
/// the youngest denying layer, live, for readers with `CAP_AUDIT_READ`
/// (root here), and says what upstream's deallocation records will say.
pub fn denials_count_matches_the_audit_record() -> TestResult {
    let mut audit = crate::audit::Audit::open()?;
    // Outer layer: make_dir and make_reg; inner: make_dir.  Both deny the
    // five mkdir(): the inner one, the youngest, counts them; only the
    // outer denies the two creat().
    let dir = "/tmp/denied-count";
    let file = "/tmp/denied-count-file";
    for p in [dir, file] {
        ensure(fs::symlink_metadata(p).is_err(), || format!("{p} exists"))?;
    }
    let (go_rx, go_tx) = std::io::pipe().map_err(|e| e.to_string())?;
    let (done_rx, done_tx) = std::io::pipe().map_err(|e| e.to_string())?;
    let daemon = Daemon::spawn(move || {
        restrict(Access::MAKE_DIR | Access::MAKE_REG)?;
        restrict(Access::MAKE_DIR)?;
        // spawn() returns once this setup does: deny later, from a thread
        // (made after restrict(), so in the inner domain) that waits for
        // the go and reports each denial's error.
        std::thread::spawn(move || {
            let (mut go_rx, mut done_tx) = (go_rx, done_tx);
            let mut b = [0u8; 1];
            if std::io::Read::read_exact(&mut go_rx, &mut b).is_err() {
                return;
            }
            let denied = |r: std::io::Result<()>| matches!(r, Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied);
            let mut report = Vec::new();
            for _ in 0..5 {
                report.push(if denied(fs::create_dir(dir)) {
                    b'd'
                } else {
                    b'?'
                });
            }
            for _ in 0..2 {
                report.push(if denied(fs::File::create(file).map(drop)) {
                    b'f'
                } else {
                    b'?'
                });
            }
            let _ = std::io::Write::write_all(&mut done_tx, &report);
        });
        Ok(())
    })?;
    let d = domains()?;
    let inner = domain_of(&d, daemon.pid)?;
    let outer = inner
        .parent
        .ok_or("the inner domain has no visible parent")?;
    let path = |id: landlock_audit::DomainId| format!("{TREE}/domains/{id}/denials");
    for id in [outer, inner.id] {
        let text = read(&path(id))?;
        ensure(text == "0\n", || {
            format!("{} says {text:?} before any denial", path(id))
        })?;
    }
    let mut go_tx = go_tx;
    std::io::Write::write_all(&mut go_tx, b".").map_err(|e| e.to_string())?;
    let mut report = [0u8; 7];
    let mut done_rx = done_rx;
    std::io::Read::read_exact(&mut done_rx, &mut report).map_err(|e| format!("report: {e}"))?;
    ensure(&report == b"dddddff", || {
        format!(
            "denied calls: {:?} (d, f: EACCES)",
            String::from_utf8_lossy(&report)
        )
    })?;
    let (o, i) = (read(&path(outer))?, read(&path(inner.id))?);
    ensure(o == "2\n" && i == "5\n", || {
        format!("outer {o:?} inner {i:?}, want 2 and 5")
    })?;
    // The library and the command read the same counts.
    let d = domains()?;
    for (id, n) in [(outer, 2), (inner.id, 5)] {
        let got = d.get(id).and_then(|x| x.denials);
        ensure(got == Some(n), || {
            format!("Domains gives {got:?} for {id}, want {n}")
        })?;
    }
    let out = std::process::Command::new("/bin/landlock-audit")
        .args(["domain", &inner.id.to_string()])
        .output()
        .map_err(|e| format!("landlock-audit: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure(
        out.status.success() && stdout.lines().any(|l| l == "denials  5"),
        || {
            format!(
                "landlock-audit domain {}: {:?} {stdout:?}",
                inner.id, out.status
            )
        },
    )?;
    // The snapshot's denials lines say the same, each in its block.
    let snapshot = read(&format!("{TREE}/snapshot"))?;
    for (id, n) in [(outer, 2), (inner.id, 5)] {
        let block: Vec<&str> = snapshot
            .split("domain ")
            .filter(|b| b.starts_with(&id.to_string()))
            .collect();
        ensure(
            block.len() == 1 && block[0].lines().any(|l| l == format!("denials {n}")),
            || format!("snapshot block of {id}: {block:?}"),
        )?;
    }
    // The metrics daemon without CAP_AUDIT_READ sees both domains, not
    // their counts: EACCES, and no denials line in the snapshot.
    let (inner_id, outer_id) = (inner.id, outer);
    in_child(move || {
        become_user(1002, 1002, &[CAP_SYS_PTRACE])?;
        expect_errno(
            "open denials without CAP_AUDIT_READ",
            fs::File::open(path(inner_id)),
            &[libc::EACCES],
        )?;
        let snapshot = read(&format!("{TREE}/snapshot"))?;
        ensure(
            snapshot.contains(&format!("domain {outer_id}")) && !snapshot.contains("\ndenials "),
            || format!("snapshot without CAP_AUDIT_READ: {snapshot:?}"),
        )
    })?;
    // Upstream's counts, in the deallocation records.
    let audit_of = |id: landlock_audit::DomainId| -> Result<u64, String> {
        u64::from_str_radix(read(&format!("{TREE}/domains/{id}/audit_id"))?.trim(), 16)
            .map_err(|e| e.to_string())
    };
    let (audit_inner, audit_outer) = (audit_of(inner.id)?, audit_of(outer)?);
    drop(daemon);
    for (a, n) in [(audit_inner, 5), (audit_outer, 2)] {
        let got = audit.deallocation_denials(a)?;
        ensure(got == n, || {
            format!("deallocation record of {a:x} says denials={got}, the tree said {n}")
        })?;
    }
    Ok(())
}

/// The audit record's `domain=` is upstream's ID, which the tree shows in
/// `domains/<id>/audit_id` to readers with `CAP_AUDIT_READ` only.
pub fn audit_id_matches_the_audit_record() -> TestResult {
    let mut audit = crate::audit::Audit::open()?;
    let daemon = Daemon::spawn(|| {
        restrict(Access::MAKE_DIR)?;
        match fs::create_dir("/tmp/denied-audit") {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
            other => Err(format!("mkdir: {other:?}")),
        }
    })?;
    let from_audit = audit.next_access_domain()?;
    drop(audit);
    let id = domain_of(&domains()?, daemon.pid)?.id;
    // Two ID spaces: upstream's (monotonic, from 2^32) and the tree's.
    ensure(from_audit < 1 << 60 && id.get() >= 1 << 60, || {
        format!("audit domain={from_audit:x}, tree {id}")
    })?;
    let file = format!("{TREE}/domains/{id}/audit_id");
    let text = read(&file)?;
    ensure(text == format!("{from_audit:x}\n"), || {
        format!("audit domain={from_audit:x}, {file} says {text:?}")
    })?;
    // The library and the command find the entry from the record's value.
    let audit_id = landlock_audit::AuditId::new(from_audit).ok_or("audit ID 0")?;
    let found = domains()?
        .find_by_audit_id(TREE, audit_id)
        .map(|d| d.id)
        .map_err(|e| format!("find_by_audit_id: {e}"))?;
    ensure(found == id, || {
        format!("find_by_audit_id gave {found}, want {id}")
    })?;
    let out = std::process::Command::new("/bin/landlock-audit")
        .args([
            "--json",
            "domain",
            "--audit-id",
            &format!("domain={from_audit:x}"),
        ])
        .output()
        .map_err(|e| format!("landlock-audit: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure(
        out.status.success() && stdout.contains(&id.to_string()),
        || {
            format!(
                "landlock-audit domain --audit-id: {:?} {stdout:?}",
                out.status
            )
        },
    )?;
    // The metrics daemon (CAP_SYS_PTRACE only) sees the domain but not its
    // audit ID; with CAP_AUDIT_READ too, it reads the same value.
    let f = file.clone();
    in_child(move || {
        become_user(1002, 1002, &[CAP_SYS_PTRACE])?;
        fs::metadata(&f).map_err(|e| format!("stat {f}: {e}"))?;
        match fs::read(&f) {
            Err(e) if e.raw_os_error() == Some(libc::EACCES) => Ok(()),
            other => Err(format!("{f} without CAP_AUDIT_READ: {other:?}")),
        }
    })?;
    in_child(move || {
        become_user(1002, 1002, &[CAP_SYS_PTRACE, CAP_AUDIT_READ])?;
        let text = read(&file)?;
        ensure(text == format!("{from_audit:x}\n"), || {
            format!("with CAP_AUDIT_READ: {text:?}")
        })
    })
}

// --- scale and the command -----------------------------------------------------------

pub fn ten_thousand_tasks() -> TestResult {
    fs::write("/proc/sys/kernel/threads-max", "30000").map_err(|e| format!("threads-max: {e}"))?;
    let daemon = Daemon::spawn(|| {
        restrict(Access::MAKE_DIR)?;
        for i in 0..10_000 {
            std::thread::Builder::new()
                .stack_size(32 * 1024)
                .spawn(|| crate::procs::pause_forever())
                .map_err(|e| format!("thread {i}: {e}"))?;
        }
        Ok(())
    })?;
    let start = Instant::now();
    let d = domains()?;
    let took = start.elapsed();
    let dom = domain_of(&d, daemon.pid)?;
    println!(
        "# 10,001 sandboxed tasks: Domains::read() took {} ms under TCG",
        took.as_millis()
    );
    ensure(dom.tasks.len() == 10_001, || {
        format!("{} tasks listed", dom.tasks.len())
    })?;
    // The metrics daemon's view: 50 more domains, read by uid 1002 with
    // CAP_SYS_PTRACE (the time is printed for the record, not asserted).
    let _more: Vec<Daemon> = (0..50)
        .map(|_| Daemon::spawn(|| restrict(Access::MAKE_REG)))
        .collect::<Result<_, _>>()?;
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    in_child(move || {
        become_user(1002, 1002, &[CAP_SYS_PTRACE])?;
        let start = Instant::now();
        let d = domains()?;
        let line = format!("{} {}\n", d.len(), start.elapsed().as_millis());
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, line.as_bytes()).map_err(|e| e.to_string())
    })?;
    let line = read_line(&mut rd)?;
    println!("# CAP_SYS_PTRACE daemon reading 51 domains over 10,051 sandboxed tasks: domains, ms = {line}");
    ensure(line.split(' ').next() == Some("51"), || {
        format!("daemon read {line}")
    })
}

pub fn status_json_gives_coverage() -> TestResult {
    let _a = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let _b = Daemon::spawn(|| restrict(Access::MAKE_REG))?;
    let _m = Daemon::spawn(|| sandboxed_thread(Access::MAKE_DIR))?;
    // User-space processes (not PF_KTHREAD in field 9 of stat).
    let before_user = fs::read_dir("/proc")
        .map_err(|e| e.to_string())?
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|c| c.is_ascii_digit())
        })
        .filter_map(|e| fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
            let flags: u64 = after
                .split_whitespace()
                .nth(6)
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            flags & 0x0020_0000 == 0
        })
        .count() as u64;
    let out = std::process::Command::new("/bin/landlock-audit")
        .args(["status", "--json"])
        .output()
        .map_err(|e| e.to_string())?;
    ensure(out.status.success(), || {
        format!(
            "status exited {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let p = &v["processes"];
    // Kernel threads are counted apart (kworkers may come and go meanwhile,
    // so only user space is counted exactly), and root can inspect every
    // other process: the ratio is over user space, the command itself left
    // out (it is not one of the processes it reports on).
    let user_space = before_user;
    ensure(v["version"] == 1 && v["domains"] == 3, || format!("{v}"))?;
    ensure(
        p["judged"] == user_space
            && p["sandboxed"] == 2
            && p["mixed"] == 1
            && p["unknown"] == 0
            && p["kernel_threads"].as_u64().unwrap_or(0) > 0,
        || format!("{v}, expected {user_space} judged processes"),
    )?;
    let ratio = p["ratio"].as_f64().unwrap_or(-1.0);
    ensure((ratio - 2.0 / user_space as f64).abs() < 1e-9, || {
        format!("ratio {ratio}, expected 2/{user_space}")
    })
}

pub fn command_tree_and_ps_show_the_daemons() -> TestResult {
    let (_d, [p, _, _, r]) = nested_family()?;
    let tree = std::process::Command::new("/bin/landlock-audit")
        .arg("tree")
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&tree.stdout);
    ensure(
        tree.status.success() && text.contains(&format!("pid {r} ")),
        || format!("tree: {text}"),
    )?;
    let ps = std::process::Command::new("/bin/landlock-audit")
        .args(["ps", "--json"])
        .output()
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_slice(&ps.stdout).map_err(|e| e.to_string())?;
    let procs = v["processes"].as_array().ok_or("no processes")?;
    let mine = procs
        .iter()
        .find(|x| x["pid"] == p)
        .ok_or("P missing from ps")?;
    ensure(mine["domains"].as_array().map(Vec::len) == Some(1), || {
        format!("{mine}")
    })
}
