//! In-VM tests of the scale rewrite: the visibility policy's corner cases
//! (rule 2 for privileged readers, evaluation at open), the `snapshot`
//! file, and the top-level `tasks` file at 30,000 tasks.

use crate::procs::{become_user, fork_sleeper, Daemon};
use crate::sys::{in_child, Access};
use crate::tree::{
    domain_of, domains, eventually, list_domains, nested_family, read_line, recv_fds, restrict,
    send_fds,
};
use crate::{ensure, expect_errno, read, TestResult, TREE};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::fd::FromRawFd;

/// A domain A (one task, P, in the initial PID namespace only) with an
/// empty child domain D (no task at all: only a descriptor that the caller
/// receives keeps it alive).  Returns P's daemon, the descriptor, and the
/// IDs of A and D as root sees them.
fn domain_with_an_empty_child() -> Result<(Daemon, fs::File, String, String), String> {
    let mut sv = [0i32; 2];
    // SAFETY: `sv` has room for two descriptors.
    if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) } < 0 {
        return Err(format!("socketpair: {}", std::io::Error::last_os_error()));
    }
    let (ours, theirs) = (sv[0], sv[1]);
    let daemon = Daemon::spawn(move || {
        restrict(Access::MAKE_DIR)?;
        // C enters D, sends a descriptor it opened there, and exits; P reaps
        // it (in_child waits), so D has no task left, not even a zombie.
        in_child(move || {
            restrict(Access::MAKE_REG)?;
            let f = fs::File::open("/").map_err(|e| format!("open /: {e}"))?;
            send_fds(theirs, &[std::os::fd::AsRawFd::as_raw_fd(&f)])
        })
    })?;
    let fds = recv_fds(ours, 1)?;
    // SAFETY: recv_fds returned a descriptor that we now own.
    let held = unsafe { fs::File::from_raw_fd(fds[0]) };
    // SAFETY: closing our two socket ends.
    unsafe {
        libc::close(ours);
        libc::close(theirs);
    }
    let d = domains()?;
    let a = domain_of(&d, daemon.pid)?;
    let empty = d
        .children(a.id)
        .find(|c| c.tasks.is_empty())
        .ok_or_else(|| "root sees no empty child of A".to_string())?;
    Ok((daemon, held, a.id.to_string(), empty.id.to_string()))
}

/// A privileged reader (root) in a child PID namespace: A's only task has
/// no PID there, so A is hidden (A is not empty: it has a task elsewhere);
/// its empty child D is shown, as a top-level domain (empty `parent`,
/// `depth` 1), and `creator` stays readable for D only.
pub fn privileged_reader_in_child_ns_sees_only_empty_domains() -> TestResult {
    let (_daemon, _held, a, d) = domain_with_an_empty_child()?;
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let (a2, d2) = (a.clone(), d.clone());
    in_child(move || {
        let (a, d) = (a2, d2);
        // SAFETY: unshare(CLONE_NEWPID): the next child is PID 1 there.
        if unsafe { libc::unshare(libc::CLONE_NEWPID) } < 0 {
            return Err(format!("unshare: {}", std::io::Error::last_os_error()));
        }
        in_child(move || {
            let names = list_domains()?;
            let parent = read(&format!("{TREE}/domains/{d}/parent"))?;
            let depth = read(&format!("{TREE}/domains/{d}/depth"))?;
            let a_stat = fs::metadata(format!("{TREE}/domains/{a}")).err();
            let a_errno = a_stat.and_then(|e| e.raw_os_error()).unwrap_or(0);
            let creator = read(&format!("{TREE}/domains/{d}/creator"))?;
            let line = format!(
                "{}|{parent:?}|{depth:?}|{a_errno}|{}\n",
                names.join(" "),
                creator.lines().count()
            );
            let mut wr = wr;
            std::io::Write::write_all(&mut wr, line.as_bytes()).map_err(|e| e.to_string())
        })
    })?;
    let line = read_line(&mut rd)?;
    let f: Vec<&str> = line.split('|').collect();
    ensure(f.len() == 5, || format!("reader said {line:?}"))?;
    let names: Vec<&str> = f[0].split_whitespace().collect();
    ensure(names.contains(&d.as_str()), || {
        format!("the empty domain {d} is not listed: {names:?}")
    })?;
    ensure(!names.contains(&a.as_str()), || {
        format!("A ({a}), whose task the reader cannot see, is listed: {names:?}")
    })?;
    ensure(f[1] == "\"\"" && f[2] == "\"1\\n\"", || {
        format!("D's parent and depth: {} {}", f[1], f[2])
    })?;
    ensure(f[3] == libc::ENOENT.to_string(), || {
        format!("stat of A gave errno {}", f[3])
    })?;
    ensure(f[4] == "4", || format!("D's creator has {} lines", f[4]))
}

/// Root in the initial namespace sees both A (it may trace P) and the
/// empty D below it, with D's parent A: the same tree as the library.
pub fn root_sees_a_domain_and_its_empty_child() -> TestResult {
    let (_daemon, _held, a, d) = domain_with_an_empty_child()?;
    let parent = read(&format!("{TREE}/domains/{d}/parent"))?;
    ensure(parent == format!("{a}\n"), || {
        format!("D's parent is {parent:?}")
    })?;
    let depth = read(&format!("{TREE}/domains/{d}/depth"))?;
    ensure(depth == "2\n", || format!("D's depth is {depth:?}"))?;
    // An unprivileged reader never sees an empty domain.
    in_child(|| {
        become_user(1001, 1001, &[])?;
        expect_errno(
            "stat of the empty domain by uid 1001",
            fs::metadata(format!("{TREE}/domains/{d}")),
            &[libc::ENOENT],
        )
    })
}

/// Rule 2 is evaluated once, at open: a descriptor keeps what it showed
/// then, even after the domain's last task is gone and the domain freed,
/// while a new open fails.
pub fn rule_two_is_evaluated_at_open() -> TestResult {
    in_child(|| {
        become_user(1000, 1000, &[])?;
        // X: our child, in its own domain; we (unsandboxed, same UID) see it.
        let x = fork_sleeper(false, || restrict(Access::MAKE_DIR))?;
        let id = domain_of(&domains()?, x)?.id;
        let path = format!("{TREE}/domains/{id}");
        let mut access = fs::File::open(format!("{path}/access")).map_err(|e| e.to_string())?;
        let mut tasks = fs::File::open(format!("{path}/tasks")).map_err(|e| e.to_string())?;
        // SAFETY: killing and reaping our own child.
        unsafe {
            libc::kill(x, libc::SIGKILL);
            libc::waitpid(x, std::ptr::null_mut(), 0);
        }
        ensure(eventually(10, || fs::metadata(&path).is_err()), || {
            format!("{path} still exists")
        })?;
        let mut a = String::new();
        let mut t = String::new();
        access
            .read_to_string(&mut a)
            .map_err(|e| format!("read access: {e}"))?;
        tasks
            .read_to_string(&mut t)
            .map_err(|e| format!("read tasks: {e}"))?;
        ensure(a.starts_with("fs: make_dir"), || {
            format!("access read after the domain died: {a:?}")
        })?;
        ensure(t == format!("{x} {x}\n"), || {
            format!("tasks read after the domain died: {t:?}")
        })?;
        expect_errno(
            "reopening access of the freed domain",
            fs::File::open(format!("{path}/access")),
            &[libc::ENOENT],
        )
    })
}

/// One block of the `snapshot` file.
#[derive(Default, Debug, PartialEq)]
struct Block {
    parent: String,
    depth: String,
    access: String,
    /// The `denials` line's count and a newline, as the file says it.
    denials: String,
    creator: Option<String>,
    tasks: Vec<String>,
}

fn parse_snapshot(text: &str) -> Result<BTreeMap<String, Block>, String> {
    let mut out: BTreeMap<String, Block> = BTreeMap::new();
    let mut order = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "domain" => {
                let f: Vec<&str> = rest.split(' ').collect();
                ensure(f.len() == 3, || format!("bad domain line {line:?}"))?;
                let b = Block {
                    parent: if f[1] == "-" {
                        String::new()
                    } else {
                        format!("{}\n", f[1])
                    },
                    depth: format!("{}\n", f[2]),
                    ..Block::default()
                };
                order.push(f[0].to_string());
                out.insert(f[0].to_string(), b);
                cur = Some(f[0].to_string());
            }
            "fs:" | "net:" | "scope:" | "fs" | "net" | "scope" => {
                let b = cur
                    .as_ref()
                    .and_then(|c| out.get_mut(c))
                    .ok_or("access before domain")?;
                b.access.push_str(line);
                b.access.push('\n');
            }
            "denials" => {
                let b = cur
                    .as_ref()
                    .and_then(|c| out.get_mut(c))
                    .ok_or("denials before domain")?;
                ensure(b.denials.is_empty() && !b.access.is_empty(), || {
                    format!("denials line out of place: {line:?}")
                })?;
                b.denials = format!("{rest}\n");
            }
            "creator" => {
                let b = cur
                    .as_ref()
                    .and_then(|c| out.get_mut(c))
                    .ok_or("creator before domain")?;
                // "pid N uid N comm X exe Y" -> the creator file's lines.
                let f: Vec<&str> = rest.split(' ').collect();
                ensure(f.len() == 8, || format!("bad creator line {line:?}"))?;
                b.creator = Some(
                    f.chunks(2)
                        .map(|kv| format!("{} {}\n", kv[0], kv[1]))
                        .collect(),
                );
            }
            "task" => {
                let b = cur
                    .as_ref()
                    .and_then(|c| out.get_mut(c))
                    .ok_or("task before domain")?;
                b.tasks.push(format!("{rest}\n"));
            }
            _ => return Err(format!("unknown line {line:?}")),
        }
    }
    let mut sorted = order.clone();
    sorted.sort();
    ensure(order == sorted, || {
        format!("domains not in ID order: {order:?}")
    })?;
    Ok(out)
}

/// The `snapshot` file says what the per-domain files say, for root (with
/// `creator`) and for a same-UID reader (without).
pub fn snapshot_file_matches_the_per_domain_files() -> TestResult {
    let (_family, _pids) = nested_family()?;
    let _user = Daemon::spawn(|| {
        become_user(1000, 1000, &[])?;
        restrict(Access::MAKE_SYM)
    })?;
    compare_snapshot(true)?;
    in_child(|| {
        become_user(1000, 1000, &[])?;
        compare_snapshot(false)
    })
}

fn compare_snapshot(privileged: bool) -> TestResult {
    let snap = parse_snapshot(&read(&format!("{TREE}/snapshot"))?)?;
    let mut listed = list_domains()?;
    listed.sort();
    let keys: Vec<String> = snap.keys().cloned().collect();
    ensure(keys == listed, || {
        format!("snapshot {keys:?}, domains/ {listed:?}")
    })?;
    ensure(!keys.is_empty(), || "nothing to compare".into())?;
    for (id, b) in &snap {
        let dir = format!("{TREE}/domains/{id}");
        let files = Block {
            parent: read(&format!("{dir}/parent"))?,
            depth: read(&format!("{dir}/depth"))?,
            access: read(&format!("{dir}/access"))?,
            // The family sleeps: nothing moves the counts in between.  A
            // reader without CAP_AUDIT_READ gets neither the file nor the
            // line.
            denials: if privileged {
                read(&format!("{dir}/denials"))?
            } else {
                crate::expect_errno(
                    "open denials without CAP_AUDIT_READ",
                    fs::File::open(format!("{dir}/denials")),
                    &[libc::EACCES],
                )?;
                String::new()
            },
            creator: if privileged {
                Some(read(&format!("{dir}/creator"))?)
            } else {
                None
            },
            tasks: read(&format!("{dir}/tasks"))?
                .lines()
                .map(|l| format!("{l}\n"))
                .collect(),
        };
        ensure(*b == files, || {
            format!("{id}: snapshot {b:?}, files {files:?}")
        })?;
    }
    Ok(())
}

/// The top-level `tasks` file at 30,000 sandboxed tasks, read with 4 KiB
/// reads: every line is there, well formed, sorted, in a listed domain.
pub fn tasks_file_at_30000_tasks() -> TestResult {
    const PROCS: usize = 30;
    const THREADS: usize = 1000;
    fs::write("/proc/sys/kernel/threads-max", "60000").map_err(|e| format!("threads-max: {e}"))?;
    fs::write("/proc/sys/kernel/pid_max", "131072").map_err(|e| format!("pid_max: {e}"))?;
    let mut daemons = Vec::new();
    for _ in 0..PROCS {
        daemons.push(Daemon::spawn(|| {
            crate::procs::unlimit_nproc()?;
            become_user(1000, 1000, &[])?;
            restrict(Access::MAKE_DIR)?;
            for i in 1..THREADS {
                std::thread::Builder::new()
                    .stack_size(16 * 1024)
                    .spawn(|| crate::procs::pause_forever())
                    .map_err(|e| format!("thread {i}: {e}"))?;
            }
            Ok(())
        })?);
    }
    let mut f = fs::File::open(format!("{TREE}/tasks")).map_err(|e| e.to_string())?;
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    let mut reads = 0;
    loop {
        let n = f.read(&mut buf).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        reads += 1;
        text.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8(text).map_err(|e| e.to_string())?;
    let listed: std::collections::HashSet<String> = list_domains()?.into_iter().collect();
    let mut last = (0u32, 0u32);
    let mut ours = 0;
    let pids: std::collections::HashSet<u32> = daemons.iter().map(|d| d.pid as u32).collect();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        ensure(f.len() == 3, || format!("bad line {line:?}"))?;
        let tgid: u32 = f[0].parse().map_err(|_| format!("bad tgid in {line:?}"))?;
        let tid: u32 = f[1].parse().map_err(|_| format!("bad tid in {line:?}"))?;
        ensure((tgid, tid) > last, || format!("not sorted at {line:?}"))?;
        ensure(listed.contains(f[2]), || {
            format!("unlisted domain in {line:?}")
        })?;
        last = (tgid, tid);
        if pids.contains(&tgid) {
            ours += 1;
        }
    }
    println!(
        "# top-level tasks: {} lines, {} bytes, {reads} reads of 4 KiB",
        text.lines().count(),
        text.len()
    );
    ensure(ours == PROCS * THREADS, || {
        format!("{ours} lines for our {} tasks", PROCS * THREADS)
    })?;
    ensure(reads >= text.len() / 4096, || format!("{reads} reads"))
}

/// Once every test's processes and descriptors are gone, no domain is left:
/// every entry leaves the tree with its hierarchy (no leak in the registry),
/// even after 30,000 tasks and domains that lived on without tasks.
pub fn no_domain_outlives_its_references() -> TestResult {
    let mut left = Vec::new();
    let gone = eventually(20, || {
        left = list_domains().unwrap_or_default();
        left.is_empty()
    });
    ensure(gone, || format!("domains left after every test: {left:?}"))
}
