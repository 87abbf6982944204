//! Churn: writers create and end nested domains at random while readers
//! walk the tree, and a collector checks that no ID ever names two
//! domains, that what readers see was created, that descriptors held
//! across a domain's death keep their snapshot, and that nothing is left.
//!
//! * N writers (processes) each fork children, at random, and kill them or
//!   let them exit.  A child names itself `w<W>n<SEQ>` (its `comm`, which
//!   the domain's `creator` records), then creates 1-16 nested domains with
//!   random access masks; after some layers it starts a thread, named
//!   `w<W>n<SEQ>t<K>`, that sandboxes itself further (1-4 layers).  Before
//!   each `landlock_restrict_self()` it announces the domain it is about to
//!   create (name, depth, parent, masks, TGID) to the collector over a
//!   pipe, so that whatever a reader sees can be checked against it: the
//!   pair (name, depth) identifies each domain ever created.
//! * M readers: root reading the `snapshot` file (`Domains::read()`),
//!   opening `parent`, `creator` and `tasks` of IDs that are about to die
//!   and holding descriptors across their death; root walking the tree
//!   domain by domain (`Domains::read_with()` without `snapshot`) and
//!   listing `domains/` recursively; a `CAP_SYS_PTRACE` daemon (uid 1002)
//!   doing what the first does; root listing and reading files; and uid
//!   1001, who may see none of root's domains, reading everything.  They
//!   send what they saw (ID, creator name, depth, parent, masks) to the
//!   collector.
//!
//! Bad counts, each of which fails the test: an ID seen for two different
//! domains, one domain seen under two IDs, a domain nobody announced (or
//! with other masks, parent or creator than announced), a descriptor held
//! across its domain's death that reads other data than its snapshot, a
//! read of a live domain's file contradicting the reader's view, a
//! library error, a listing entry that is no ID or a domain directory that
//! lists other files, anything uid 1001 sees, a domain left once all
//! writers stopped and RCU settled, a writer or reader that failed, a
//! kernel warning, and the known deviations of `Documentation/abi.rst`,
//! each counted apart: a task line with TGID 0, `creator` failing with
//! `EACCES` for a privileged reader, and a dying domain shown to root
//! without (some of) its ancestors.
//!
//! The collector checks a process's domains, then forgets them but for a
//! 64-bit fingerprint per ID, 30 s after the process ended, so that long
//! runs fit in the VM's memory.
//!
//! In the suite it runs for 20 s (`la_churn_secs=N` on the kernel command
//! line changes it).  An hour by hand, with its own mode (`vm-runner churn
//! SECS`, started by `/init` for `la_mode=churn`):
//!
//! ```text
//! ci/build-initramfs
//! LANDLOCK_AUDIT_VM_TIMEOUT=4000 ci/boot churn la_churn_secs=3600
//! grep -E '^(# churn|churn:)' target/vm/console.log   # "churn: ok" or "churn: FAIL ..."
//! ```

use crate::hostile_io::Rng;
use crate::kmsg::Kmsg;
use crate::procs::{become_user, set_comm, CAP_SYS_PTRACE};
use crate::sys::Ruleset;
use crate::tree::{eventually, list_domains};
use crate::vfs::{self, errno_name};
use crate::{TestResult, TREE};
use landlock_audit::source::{Entry, FileBuf, ReadMode, RealFs, Source};
use landlock_audit::Domains;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the suite's churn runs without `la_churn_secs=`.
pub const DEFAULT_SECS: u64 = 20;
const WRITERS: usize = 4;
/// Children a writer keeps alive at most.
const MAX_CHILDREN: usize = 6;
/// `LANDLOCK_ACCESS_FS_REFER`: Landlock adds it to every layer that
/// handles a filesystem right.
const REFER: u64 = 1 << 13;

/// The readers, one process each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Root: `Domains::read()`, reads of IDs about to die, held descriptors.
    Snapshot,
    /// Root: the domain-by-domain walk and recursive listings.
    Walk,
    /// uid 1002 with `CAP_SYS_PTRACE` only: as `Snapshot`.
    Ptrace,
    /// Root: listings, reads of IDs about to die, held descriptors.
    Files,
    /// uid 1001: must see nothing of root's domains.
    Unprivileged,
}

const ROLES: [Role; 5] = [
    Role::Snapshot,
    Role::Walk,
    Role::Ptrace,
    Role::Files,
    Role::Unprivileged,
];

fn now_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // SAFETY: getpid() has no precondition.
    t ^ (u64::from(unsafe { libc::getpid() } as u32) << 32)
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Writes one line (atomically: shorter than `PIPE_BUF`) to a pipe.
fn say(out: &OwnedFd, line: &str) {
    let b = line.as_bytes();
    // SAFETY: writing our buffer to our descriptor.
    unsafe { libc::write(out.as_raw_fd(), b.as_ptr().cast(), b.len()) };
}

// ---------------------------------------------------------------------------
// Writers

/// Random masks for one layer: a non-empty fs set among the rights of ABI
/// 1-3, and any net and scope sets.
fn masks(rng: &mut Rng) -> (u64, u64, u64) {
    let fs = (rng.next() & ((1 << 15) - 1)).max(1);
    (fs, rng.below(4), rng.below(4))
}

/// One layer: announce it, then create it.
fn layer(out: &OwnedFd, rng: &mut Rng, tag: &str, parent: &str, depth: u64) -> Result<(), String> {
    let (fs, net, scope) = masks(rng);
    // SAFETY: getpid() has no precondition.
    let tgid = unsafe { libc::getpid() };
    say(
        out,
        &format!("A {tag} {tgid} {parent} {depth} {fs} {net} {scope}\n"),
    );
    Ruleset::with(fs, net, scope)?.restrict_self()
}

/// A writer's child: nested domains, maybe sandboxed threads, then a
/// random life.
fn child(out: &OwnedFd, w: usize, seq: u64, seed: u64) -> ! {
    let mut rng = Rng::new(seed);
    let tag = format!("w{w}n{seq}");
    set_comm(tag.as_bytes());
    let depth = 1 + rng.below(16);
    let mut threads = 0;
    for level in 1..=depth {
        let parent = if level == 1 {
            "-".to_owned()
        } else {
            tag.clone()
        };
        if let Err(e) = layer(out, &mut rng, &tag, &parent, level) {
            say(out, &format!("E {tag} layer {level}: {e}\n"));
            // SAFETY: leave at once.
            unsafe { libc::_exit(1) };
        }
        if level < 16 && threads < 2 && rng.below(100) < 12 {
            threads += 1;
            let ttag = format!("{tag}t{threads}");
            let ptag = tag.clone();
            let levels = 1 + rng.below(4.min(16 - level));
            let mut trng = Rng::new(rng.next());
            let tout = out.try_clone();
            let _ = std::thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || {
                    let Ok(tout) = tout else { return };
                    set_comm(ttag.as_bytes());
                    for j in 1..=levels {
                        let parent = if j == 1 { ptag.as_str() } else { ttag.as_str() };
                        if let Err(e) = layer(&tout, &mut trng, &ttag, parent, level + j) {
                            say(&tout, &format!("E {ttag} layer {}: {e}\n", level + j));
                            return;
                        }
                    }
                    say(&tout, &format!("C {ttag} {levels}\n"));
                    crate::procs::pause_forever();
                });
        }
    }
    say(out, &format!("C {tag} {depth}\n"));
    sleep_ms(rng.below(600));
    // SAFETY: leave without running destructors (threads die with us).
    unsafe { libc::_exit(0) };
}

fn writer(out: OwnedFd, w: usize, deadline: Instant) -> ! {
    let mut rng = Rng::new(now_seed() ^ ((w as u64 + 1) * 0x9e37_79b9));
    // (PID, sequence number) of the live children.
    let mut live: Vec<(i32, u64)> = Vec::new();
    let (mut seq, mut killed, mut exited) = (0u64, 0u64, 0u64);
    // Tells the collector that a child is gone, so that it may check and
    // then forget its domains (a long run would not fit in memory).
    let gone = |seq: u64| say(&out, &format!("X w{w}n{seq}\n"));
    let reap = |live: &mut Vec<(i32, u64)>, exited: &mut u64| loop {
        // SAFETY: reaping our own children.
        let pid = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
        if let Some(i) = live.iter().position(|&(p, _)| p == pid) {
            gone(live.swap_remove(i).1);
        }
        *exited += 1;
    };
    let kill = |(pid, seq): (i32, u64)| {
        // SAFETY: killing and reaping our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        gone(seq);
    };
    while Instant::now() < deadline {
        reap(&mut live, &mut exited);
        let action = rng.below(100);
        if live.len() < MAX_CHILDREN && action < 60 {
            seq += 1;
            let seed = rng.next();
            // SAFETY: the writer is single-threaded.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                child(&out, w, seq, seed);
            }
            if pid > 0 {
                live.push((pid, seq));
            }
        } else if !live.is_empty() && action < 80 {
            kill(live.swap_remove(rng.below(live.len() as u64) as usize));
            killed += 1;
        }
        sleep_ms(rng.below(20));
    }
    for child in live.drain(..) {
        kill(child);
        killed += 1;
    }
    reap(&mut live, &mut exited);
    say(
        &out,
        &format!("W {w} spawned={seq} killed={killed} exited={exited}\n"),
    );
    // SAFETY: leave without running the parent's destructors.
    unsafe { libc::_exit(0) };
}

// ---------------------------------------------------------------------------
// Readers

/// What a reader saw of one domain.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    /// The creator's name, when the reader got it.
    comm: Option<String>,
    depth: u32,
    parent: u64,
    fs: u64,
    net: u64,
    scope: u64,
    /// The creator's TGID (0 once it exited).
    pid: u32,
}

/// How two observations of one ID relate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Relation {
    /// The same domain, seen the same way (the creator's PID may have
    /// become 0, and its name may be missing from one of them).
    Same,
    /// The same domain, but one of them shows a shorter chain of
    /// ancestors: no parent, or the same parent with a smaller depth.
    /// A root reader sees every domain, so this is a view torn while the
    /// chain was being freed.
    Torn,
    /// Two different domains.
    Conflict,
}

impl Seen {
    fn relation(&self, o: &Seen) -> Relation {
        let comm = match (&self.comm, &o.comm) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let pid = self.pid == o.pid || self.pid == 0 || o.pid == 0;
        if !(comm && pid && (self.fs, self.net, self.scope) == (o.fs, o.net, o.scope)) {
            return Relation::Conflict;
        }
        let truncates =
            |a: &Seen, b: &Seen| b.depth < a.depth && (b.parent == 0 || b.parent == a.parent);
        if (self.depth, self.parent) == (o.depth, o.parent) {
            Relation::Same
        } else if truncates(self, o) || truncates(o, self) {
            Relation::Torn
        } else {
            Relation::Conflict
        }
    }

    fn agrees(&self, o: &Seen) -> bool {
        self.relation(o) == Relation::Same
    }
}

/// The tree without its `snapshot` file: the library walks it domain by
/// domain, with its race rules.
struct NoSnapshot;

impl Source for NoSnapshot {
    fn read(
        &self,
        path: &Path,
        limit: usize,
        mode: ReadMode,
        buf: &mut FileBuf,
    ) -> std::io::Result<()> {
        if path == Path::new(TREE).join("snapshot") {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        RealFs.read(path, limit, mode, buf)
    }

    fn list(&self, path: &Path) -> std::io::Result<Vec<Entry>> {
        RealFs.list(path)
    }
}

/// A descriptor set held across a domain's death.
struct Held {
    id: u64,
    since: Instant,
    /// (file, descriptor to read after the death, bytes a twin descriptor
    /// opened at the same time gave at once).
    files: Vec<(&'static str, OwnedFd, Vec<u8>)>,
    /// The reader's own domain (`hold_own`).
    own: bool,
}

const HELD_FILES: [&str; 5] = ["parent", "depth", "access", "creator", "tasks"];

#[derive(Default)]
struct Stats {
    tree_reads: u64,
    file_reads: u64,
    listings: u64,
    gone: u64,
    held_checked: u64,
    /// Held sets of a reader's own domain (`hold_own`), of `held_checked`.
    held_own: u64,
    held_errors: u64,
    held_bad: u64,
    quick_bad: u64,
    torn_reads: u64,
    tgid_zero: u64,
    creator_eacces: u64,
    lib_errors: u64,
    listing_bad: u64,
    invisible_seen: u64,
    other_errors: u64,
}

struct Reader {
    role: Role,
    out: OwnedFd,
    rng: Rng,
    /// The latest view.
    view: HashMap<u64, Seen>,
    /// Observations not sent yet.
    pending: HashMap<u64, Seen>,
    held: Vec<Held>,
    /// Domains this reader created to hold (see `hold_own`).
    own_seq: u64,
    s: Stats,
    bad: Vec<(&'static str, String)>,
}

fn parse_creator(b: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(b)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn parent_text(p: u64) -> Vec<u8> {
    if p == 0 {
        Vec::new()
    } else {
        format!("{p:016x}\n").into_bytes()
    }
}

/// Reads a whole file of the tree (open, read to the end, close).
fn read_file(path: &str) -> Result<Vec<u8>, i32> {
    let fd = vfs::open(path, libc::O_RDONLY)?;
    vfs::read_to_end(fd.as_raw_fd())
}

impl Reader {
    /// Keeps the first two messages of each kind for the report.
    fn bad(&mut self, msg: String) {
        let kind = [
            "EACCES for a privileged",
            "invalid tgid",
            "held across the death",
            "the view",
            "uid 1001",
            "lists",
        ]
        .into_iter()
        .find(|k| msg.contains(k))
        .unwrap_or("other");
        if self.bad.iter().filter(|(k, _)| *k == kind).count() < 2 {
            self.bad.push((kind, msg));
        }
    }

    fn note(&mut self, d: &Domains) {
        self.view.clear();
        for x in d.iter() {
            let seen = Seen {
                comm: x.creator.as_ref().map(|c| {
                    c.comm
                        .to_string_lossy()
                        .chars()
                        .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
                        .collect()
                }),
                depth: x.depth,
                parent: x.parent.map_or(0, |p| p.get()),
                fs: x.access.fs.bits(),
                net: x.access.net.bits(),
                scope: x.access.scope.bits(),
                pid: x.creator.as_ref().map_or(0, |c| c.pid),
            };
            let id = x.id.get();
            match self.pending.get(&id) {
                Some(old) if !old.agrees(&seen) => {
                    // Both go to the collector, which counts the conflict.
                    self.flush();
                }
                Some(old) if old.comm.is_some() && old.pid != 0 => {
                    self.view.insert(id, seen);
                    continue;
                }
                _ => {}
            }
            self.pending.insert(id, seen.clone());
            self.view.insert(id, seen);
        }
        if self.pending.len() > 4000 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let mut text = String::new();
        for (id, s) in self.pending.drain() {
            text.push_str(&format!(
                "O {id:x} {} {} {:x} {} {} {} {}\n",
                s.comm.as_deref().unwrap_or("-"),
                s.depth,
                s.parent,
                s.fs,
                s.net,
                s.scope,
                s.pid
            ));
            if text.len() > 3000 {
                say(&self.out, &text);
                text.clear();
            }
        }
        say(&self.out, &text);
    }

    /// `Domains::read()` (the snapshot file), or the walk without it.
    fn tree(&mut self, walk: bool) {
        let r = if walk {
            Domains::read_with(NoSnapshot, TREE)
        } else {
            Domains::read()
        };
        self.s.tree_reads += 1;
        match r {
            Ok(d) => {
                if self.role == Role::Unprivileged && !d.is_empty() {
                    self.s.invisible_seen += d.len() as u64;
                    self.bad(format!("uid 1001 sees {} domains", d.len()));
                }
                self.note(&d);
            }
            Err(e) => {
                if e.to_string().contains("invalid tgid \"0\"") {
                    self.s.tgid_zero += 1;
                } else {
                    self.s.lib_errors += 1;
                }
                self.bad(format!(
                    "{} failed: {e}",
                    if walk { "the walk" } else { "Domains::read" }
                ));
            }
        }
    }

    /// Lists `domains/` and each domain's directory; reads `parent` and
    /// `depth` of each and compares them with the view.
    fn listing(&mut self) {
        self.s.listings += 1;
        let names = match std::fs::read_dir(format!("{TREE}/domains")) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            Err(e) => {
                self.s.other_errors += 1;
                self.bad(format!("readdir domains/: {e}"));
                return;
            }
        };
        if self.role == Role::Unprivileged && !names.is_empty() {
            self.s.invisible_seen += names.len() as u64;
            self.bad(format!("uid 1001 lists {names:?}"));
        }
        let files = [
            "access", "audit_id", "creator", "denials", "depth", "parent", "rules", "tasks",
        ];
        for n in names {
            let id = match n.parse::<landlock_audit::DomainId>() {
                Ok(id) => id.get(),
                Err(_) => {
                    self.s.listing_bad += 1;
                    self.bad(format!("domains/ lists {n:?}"));
                    continue;
                }
            };
            let dir = format!("{TREE}/domains/{n}");
            match std::fs::read_dir(&dir) {
                Ok(rd) => {
                    let mut f: Vec<String> = rd
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect();
                    f.sort();
                    if f != files {
                        self.s.listing_bad += 1;
                        self.bad(format!("{dir} lists {f:?}"));
                    }
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                    self.s.gone += 1;
                    continue;
                }
                Err(e) => {
                    self.s.other_errors += 1;
                    self.bad(format!("readdir {dir}: {e}"));
                    continue;
                }
            }
            for (file, want) in [
                ("parent", self.view.get(&id).map(|s| parent_text(s.parent))),
                (
                    "depth",
                    self.view
                        .get(&id)
                        .map(|s| format!("{}\n", s.depth).into_bytes()),
                ),
            ] {
                self.s.file_reads += 1;
                match (read_file(&format!("{dir}/{file}")), want) {
                    (Ok(got), Some(want)) if got != want => {
                        if truncated(file, &got, &want) {
                            self.s.torn_reads += 1;
                        } else {
                            self.s.quick_bad += 1;
                        }
                        let diag = self
                            .view
                            .get(&id)
                            .map(|s| diagnose(&dir, s))
                            .unwrap_or_default();
                        self.bad(format!(
                            "{dir}/{file} is {:?}, the view said {:?}; {diag}",
                            String::from_utf8_lossy(&got),
                            String::from_utf8_lossy(&want)
                        ));
                    }
                    (Ok(_), _) => {}
                    (Err(libc::ENOENT), _) => self.s.gone += 1,
                    (Err(e), _) => {
                        self.s.other_errors += 1;
                        self.bad(format!("{dir}/{file}: {}", errno_name(e)));
                    }
                }
            }
        }
    }

    fn pick(&mut self) -> Option<u64> {
        if self.view.is_empty() {
            return None;
        }
        let n = self.rng.below(self.view.len() as u64) as usize;
        self.view.keys().nth(n).copied()
    }

    /// Opens, reads and closes `parent`, `creator` and `tasks` of random
    /// IDs of the view (many about to die): what a read gives must be the
    /// view's domain.
    fn quick(&mut self) {
        for _ in 0..3 {
            let Some(id) = self.pick() else { return };
            let Some(seen) = self.view.get(&id).cloned() else {
                continue;
            };
            let dir = format!("{TREE}/domains/{id:016x}");
            for file in ["parent", "creator", "tasks"] {
                self.s.file_reads += 1;
                match read_file(&format!("{dir}/{file}")) {
                    Ok(got) => {
                        if let Err(e) = check_content(file, &got, &seen) {
                            if truncated(file, &got, &parent_text(seen.parent)) {
                                self.s.torn_reads += 1;
                            } else {
                                self.s.quick_bad += 1;
                            }
                            let diag = diagnose(&dir, &seen);
                            self.bad(format!("{dir}/{file}: {e}; {diag}"));
                        }
                    }
                    Err(libc::ENOENT) => self.s.gone += 1,
                    Err(libc::EACCES) if file == "creator" => {
                        self.s.creator_eacces += 1;
                        self.bad(format!("{dir}/{file}: EACCES for a privileged reader"));
                    }
                    Err(e) => {
                        self.s.other_errors += 1;
                        self.bad(format!("{dir}/{file}: {}", errno_name(e)));
                    }
                }
            }
        }
    }

    /// Opens the files of a random ID twice: one descriptor is read at
    /// once, the other after the domain died.  Tries up to 8 IDs of the
    /// view, most of which may be gone by the time this runs; when none is
    /// left, holds a domain of its own instead ([`Self::hold_own`]).
    fn hold(&mut self) {
        if self.held.len() >= 12 {
            return;
        }
        for _ in 0..8 {
            let Some(id) = self.pick() else { break };
            if self.held.iter().any(|h| h.id == id) {
                continue;
            }
            match self.hold_one(id, false) {
                Some(true) => return,
                Some(false) => continue,
                None => return,
            }
        }
        self.hold_own();
    }

    /// Holds the files of a domain whose death this reader decides: a
    /// child announces 1 to 3 nested layers (as a writer's child does),
    /// creates them and waits; the reader opens the domain's files, then kills and
    /// reaps the child, so that [`Self::check_held`] reads them after the
    /// death.  On the debug kernel, writers' domains die before a reader's
    /// round reaches them: random holds held nothing in a minute there.
    fn hold_own(&mut self) {
        self.own_seq += 1;
        let tag = format!("h{}n{}", self.role as u8, self.own_seq);
        let seed = self.rng.next();
        let out = &self.out;
        let child = crate::procs::fork_sleeper(false, || {
            set_comm(tag.as_bytes());
            let mut rng = Rng::new(seed);
            // 1 to 3 layers, so that `parent` and `depth` say something.
            let depth = 1 + rng.below(3);
            for level in 1..=depth {
                let parent = if level == 1 { "-" } else { tag.as_str() };
                layer(out, &mut rng, &tag, parent, level).inspect_err(|e| {
                    say(out, &format!("E {tag} layer {level}: {e}\n"));
                })?;
            }
            say(out, &format!("C {tag} {depth}\n"));
            Ok(())
        });
        let Ok(pid) = child else {
            self.s.other_errors += 1;
            self.bad(format!("holder {tag} failed: {child:?}"));
            return;
        };
        let line = read_file(&format!("{TREE}/tasks")).ok().and_then(|b| {
            String::from_utf8_lossy(&b).lines().find_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f.len() == 3 && f[0] == pid.to_string())
                    .then(|| u64::from_str_radix(f[2], 16).ok())
                    .flatten()
            })
        });
        match line {
            Some(id) => {
                if self.hold_one(id, true) == Some(false) {
                    self.s.other_errors += 1;
                    self.bad(format!(
                        "the domain of holder {tag} vanished while it lived"
                    ));
                }
            }
            None => {
                self.s.other_errors += 1;
                self.bad(format!("holder {tag} is not in the tasks file"));
            }
        }
        // SAFETY: killing and reaping our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
        say(&self.out, &format!("X {tag}\n"));
    }

    /// Holds the files of `id`: `Some(true)` when held, `Some(false)` when
    /// the domain is gone, `None` on an error (counted).
    fn hold_one(&mut self, id: u64, own: bool) -> Option<bool> {
        let dir = format!("{TREE}/domains/{id:016x}");
        let mut files = Vec::new();
        for f in HELD_FILES {
            let path = format!("{dir}/{f}");
            let (later, now) = match (
                vfs::open(&path, libc::O_RDONLY),
                vfs::open(&path, libc::O_RDONLY),
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(libc::EACCES), _) | (_, Err(libc::EACCES)) if f == "creator" => {
                    self.s.creator_eacces += 1;
                    self.bad(format!("{path}: EACCES for a privileged reader"));
                    return None;
                }
                _ => {
                    self.s.gone += 1;
                    return Some(false);
                }
            };
            self.s.file_reads += 1;
            let Ok(bytes) = vfs::read_to_end(now.as_raw_fd()) else {
                self.s.other_errors += 1;
                return None;
            };
            files.push((f, later, bytes));
        }
        self.held.push(Held {
            id,
            since: Instant::now(),
            files,
            own,
        });
        Some(true)
    }

    /// Reads the held descriptors whose domain died within
    /// [`hold_window`] of the open.
    fn check_held(&mut self) {
        let mut keep = Vec::new();
        for h in std::mem::take(&mut self.held) {
            let dir = format!("{TREE}/domains/{:016x}", h.id);
            match vfs::stat(dir.as_bytes()) {
                Ok(_) => {
                    if h.since.elapsed() < hold_window() {
                        keep.push(h);
                    }
                    continue;
                }
                Err(libc::ENOENT) => {}
                Err(e) => {
                    self.s.other_errors += 1;
                    self.bad(format!("stat {dir}: {}", errno_name(e)));
                    continue;
                }
            }
            self.s.held_checked += 1;
            self.s.held_own += u64::from(h.own);
            let creator_pid = h
                .files
                .iter()
                .find(|f| f.0 == "creator")
                .map(|f| parse_creator(&f.2).get("pid").cloned().unwrap_or_default());
            for (file, fd, before) in &h.files {
                self.s.file_reads += 1;
                let got = match vfs::pread(fd.as_raw_fd(), 1 << 20, 0) {
                    Ok(g) => g,
                    Err(_) => {
                        self.s.held_errors += 1;
                        continue;
                    }
                };
                let ok = match *file {
                    // The creator's PID may have become 0 between the opens
                    // (the held descriptor is opened first, its twin second).
                    "creator" => {
                        let (a, b) = (parse_creator(&got), parse_creator(before));
                        a.len() == 4
                            && ["uid", "comm", "exe"]
                                .iter()
                                .all(|k| a.get(*k) == b.get(*k))
                            && (a.get("pid") == b.get("pid")
                                || a.get("pid").map(String::as_str) == Some("0")
                                || b.get("pid").map(String::as_str) == Some("0"))
                    }
                    // Tasks may come and go between the two opens; they
                    // are the creator's threads (its children do not fork).
                    "tasks" => String::from_utf8_lossy(&got).lines().all(|l| {
                        let tgid = l.split(' ').next().unwrap_or("");
                        l.split(' ').count() == 2
                            && match creator_pid.as_deref() {
                                Some("0") | None => true,
                                Some(p) => tgid == p,
                            }
                    }),
                    _ => got == *before,
                };
                if ok {
                    continue;
                }
                // Two opens a moment apart, one of them while the chain was
                // being freed: a torn view (counted as such), not a
                // descriptor that changed.
                if truncated(file, &got, before) || truncated(file, before, &got) {
                    self.s.torn_reads += 1;
                    self.bad(format!(
                        "{dir}/{file}: twin opens read {:?} and {:?}, a shorter chain than the view",
                        String::from_utf8_lossy(&got),
                        String::from_utf8_lossy(before)
                    ));
                    continue;
                }
                self.s.held_bad += 1;
                self.bad(format!(
                    "{dir}/{file} held across the death reads {:?}, its twin read {:?}",
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(before)
                ));
            }
        }
        self.held = keep;
    }

    fn unprivileged(&mut self) {
        self.tree(false);
        self.listing();
        for f in ["tasks", "snapshot"] {
            self.s.file_reads += 1;
            match read_file(&format!("{TREE}/{f}")) {
                Ok(b) if b.is_empty() => {}
                Ok(b) => {
                    self.s.invisible_seen += 1;
                    self.bad(format!(
                        "uid 1001 reads {f}: {:?}",
                        String::from_utf8_lossy(&b)
                    ));
                }
                Err(e) => {
                    self.s.other_errors += 1;
                    self.bad(format!("{f}: {}", errno_name(e)));
                }
            }
        }
    }

    fn round(&mut self) {
        match self.role {
            Role::Snapshot | Role::Ptrace => {
                self.tree(false);
                self.quick();
                self.hold();
                self.check_held();
            }
            Role::Walk => {
                self.tree(true);
                self.listing();
            }
            Role::Files => {
                self.tree(false);
                self.listing();
                self.quick();
                self.hold();
                self.check_held();
            }
            Role::Unprivileged => self.unprivileged(),
        }
    }
}

/// What the tree and /proc say right after a read contradicted the view
/// (for the report).
fn diagnose(dir: &str, seen: &Seen) -> String {
    let r = |path: &str| match read_file(path) {
        Ok(b) => format!("{:?}", String::from_utf8_lossy(&b)),
        Err(e) => errno_name(e),
    };
    let parent_dir = format!("{TREE}/domains/{:016x}", seen.parent);
    let state = std::fs::read_to_string(format!("/proc/{}/status", seen.pid))
        .map(|s| {
            s.lines()
                .filter(|l| l.starts_with("State:") || l.starts_with("Threads:"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|e| e.to_string());
    format!(
        "again: parent {} depth {}; the view's parent: depth {} tasks {} creator {}; creator {} {state}",
        r(&format!("{dir}/parent")),
        r(&format!("{dir}/depth")),
        r(&format!("{parent_dir}/depth")),
        r(&format!("{parent_dir}/tasks")),
        r(&format!("{parent_dir}/creator")).replace("\\n", " "),
        seen.pid
    )
}

/// Whether `got`, read from a `parent` or `depth` file, shows a shorter
/// chain of ancestors than `want` (the view's): no parent, or a smaller
/// depth.
fn truncated(file: &str, got: &[u8], want: &[u8]) -> bool {
    let num = |b: &[u8]| String::from_utf8_lossy(b).trim().parse::<u64>().ok();
    match file {
        "parent" => got.is_empty() && !want.is_empty(),
        "depth" => matches!((num(got), num(want)), (Some(g), Some(w)) if g < w),
        _ => false,
    }
}

/// Checks a file of a live domain read in full against the view.
fn check_content(file: &str, got: &[u8], seen: &Seen) -> Result<(), String> {
    match file {
        "parent" if got != parent_text(seen.parent).as_slice() => Err(format!(
            "reads {:?}, the view's parent is {:016x}",
            String::from_utf8_lossy(got),
            seen.parent
        )),
        "creator" => {
            let c = parse_creator(got);
            let comm_ok = seen.comm.as_ref().is_none_or(|s| c.get("comm") == Some(s));
            let pid = c.get("pid").and_then(|p| p.parse::<u32>().ok());
            let pid_ok = pid == Some(0) || pid == Some(seen.pid) || seen.pid == 0;
            if c.len() == 4 && comm_ok && pid_ok {
                Ok(())
            } else {
                Err(format!(
                    "reads {:?}, the view had {seen:?}",
                    String::from_utf8_lossy(got)
                ))
            }
        }
        "tasks" => {
            let ok = String::from_utf8_lossy(got).lines().all(|l| {
                let tgid = l.split(' ').next().and_then(|t| t.parse::<u32>().ok());
                l.split(' ').count() == 2 && (seen.pid == 0 || tgid == Some(seen.pid))
            });
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "reads {:?}, the view had {seen:?}",
                    String::from_utf8_lossy(got)
                ))
            }
        }
        _ => Ok(()),
    }
}

fn reader(out: OwnedFd, role: Role, deadline: Instant) -> ! {
    let setup = match role {
        Role::Ptrace => become_user(1002, 1002, &[CAP_SYS_PTRACE]),
        Role::Unprivileged => become_user(1001, 1001, &[]),
        _ => Ok(()),
    };
    let mut r = Reader {
        role,
        out,
        rng: Rng::new(now_seed()),
        view: HashMap::new(),
        pending: HashMap::new(),
        held: Vec::new(),
        own_seq: 0,
        s: Stats::default(),
        bad: Vec::new(),
    };
    if let Err(e) = setup {
        r.s.other_errors += 1;
        r.bad(format!("setup: {e}"));
    } else {
        let mut flushed = Instant::now();
        while Instant::now() < deadline {
            r.round();
            // The collector forgets a process's domains 30 s after it
            // ended: send what was seen well before.
            if flushed.elapsed() > Duration::from_secs(1) {
                r.flush();
                flushed = Instant::now();
            }
        }
    }
    r.flush();
    for (kind, b) in std::mem::take(&mut r.bad) {
        let b: String = b.replace('\n', "\\n").chars().take(1000).collect();
        say(&r.out, &format!("B {role:?} [{kind}] {b}\n"));
    }

    let s = &r.s;
    say(
        &r.out,
        &format!(
            "R {role:?} tree_reads={} file_reads={} listings={} gone={} held_checked={} held_own={} held_errors={} \
             held_bad={} quick_bad={} torn_reads={} tgid_zero={} creator_eacces={} lib_errors={} \
             listing_bad={} invisible_seen={} other_errors={}\n",
            s.tree_reads,
            s.file_reads,
            s.listings,
            s.gone,
            s.held_checked,
            s.held_own,
            s.held_errors,
            s.held_bad,
            s.quick_bad,
            s.torn_reads,
            s.tgid_zero,
            s.creator_eacces,
            s.lib_errors,
            s.listing_bad,
            s.invisible_seen,
            s.other_errors
        ),
    );
    // SAFETY: leave without running the parent's destructors.
    unsafe { libc::_exit(0) };
}

// ---------------------------------------------------------------------------
// The collector

/// A domain as its creator announced it.
struct Announced {
    tgid: u32,
    /// The creator's name and depth of the parent domain.
    parent: Option<String>,
    fs: u64,
    net: u64,
    scope: u64,
}

/// The process a creator's name belongs to: `w<W>n<SEQ>` for itself and
/// for its threads, `w<W>n<SEQ>t<K>`.
fn family(comm: &str) -> &str {
    comm.split_once('t').map_or(comm, |x| x.0)
}

/// What identifies a domain once its process is forgotten, in 64 bits:
/// its masks (19 bits: the writers' masks fit) and 45 bits of a hash of its
/// creator's name (0: unknown).
fn fingerprint(s: &Seen) -> u64 {
    use std::hash::{Hash, Hasher};
    let comm = s.comm.as_ref().map_or(0, |c| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        c.hash(&mut h);
        h.finish() | 1
    });
    (s.fs & 0x7fff) | (s.net & 3) << 15 | (s.scope & 3) << 17 | (comm & ((1 << 45) - 1)) << 19
}

/// Whether two fingerprints can be the same domain.
fn same_fingerprint(a: u64, b: u64) -> bool {
    let masks = (1 << 19) - 1;
    let (ca, cb) = (a >> 19, b >> 19);
    a & masks == b & masks && (ca == 0 || cb == 0 || ca == cb)
}

/// What the checks against the writers' reports found.
#[derive(Default)]
struct Found {
    ids_twice: u64,
    two_ids: u64,
    phantom: u64,
    wrong: u64,
    wrong_parent: u64,
    no_comm: u64,
    /// IDs seen with a shorter chain of ancestors than announced, or than
    /// another reader saw.
    torn: HashSet<u64>,
    msgs: Vec<String>,
}

impl Found {
    fn msg(&mut self, s: String) {
        if self.msgs.len() < 8 {
            self.msgs.push(s);
        }
    }
}

/// Gathers the writers' and readers' reports.  A process's domains are
/// checked, then forgotten but for their fingerprint, once it has been gone
/// for a while (readers send what they saw every second), so that an
/// hour-long run fits in memory.
#[derive(Default)]
struct Collector {
    /// (creator name, depth) -> what its creator announced.
    announced: HashMap<(String, u32), Announced>,
    /// Process name -> the keys of `announced` for it and its threads.
    family_keys: HashMap<String, Vec<(String, u32)>>,
    announced_total: u64,
    confirmed: u64,
    /// Layers that readers' holders (`hold_own`) created, apart.
    holders_confirmed: u64,
    writer_errors: Vec<String>,
    writers: Vec<String>,
    /// ID -> the fullest view readers had of it (the longest chain of
    /// ancestors, the creator's name and PID when any reader had them).
    seen: HashMap<u64, Seen>,
    ids_seen: u64,
    /// Process name -> the IDs of its domains.
    family_ids: HashMap<String, Vec<u64>>,
    /// The IDs of forgotten processes' domains -> their fingerprints.
    retired: HashMap<u64, u64>,
    /// Processes that ended, and when the collector heard of it.
    dead: VecDeque<(Instant, String)>,
    found: Found,
    reader_lines: Vec<String>,
    reader_bad: Vec<String>,
    sums: HashMap<String, u64>,
}

impl Collector {
    fn line(&mut self, l: &str) {
        let f: Vec<&str> = l.split(' ').collect();
        match f.first().copied() {
            Some("A") if f.len() == 8 => {
                let p = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
                let depth = p(f[4]) as u32;
                let parent = (f[3] != "-").then(|| format!("{} {}", f[3], depth.saturating_sub(1)));
                let key = (f[1].to_owned(), depth);
                self.family_keys
                    .entry(family(f[1]).to_owned())
                    .or_default()
                    .push(key.clone());
                self.announced.insert(
                    key,
                    Announced {
                        tgid: p(f[2]) as u32,
                        parent,
                        fs: p(f[5]),
                        net: p(f[6]),
                        scope: p(f[7]),
                    },
                );
                self.announced_total += 1;
            }
            Some("C") if f.len() == 3 => {
                let n = f[2].parse::<u64>().unwrap_or(0);
                if f[1].starts_with('h') {
                    self.holders_confirmed += n;
                } else {
                    self.confirmed += n;
                }
            }
            Some("X") if f.len() == 2 => self.dead.push_back((Instant::now(), f[1].to_owned())),
            Some("E") => self.writer_errors.push(l.to_owned()),
            Some("W") => self.writers.push(l.to_owned()),
            Some("O") if f.len() == 9 => {
                let x = |s: &str| u64::from_str_radix(s, 16).unwrap_or(u64::MAX);
                let d = |s: &str| s.parse::<u64>().unwrap_or(u64::MAX);
                let s = Seen {
                    comm: (f[2] != "-").then(|| f[2].to_owned()),
                    depth: d(f[3]) as u32,
                    parent: x(f[4]),
                    fs: d(f[5]),
                    net: d(f[6]),
                    scope: d(f[7]),
                    pid: d(f[8]) as u32,
                };
                self.observe(x(f[1]), s);
            }
            Some("R") => {
                for kv in f.iter().skip(2) {
                    if let Some((k, v)) = kv.split_once('=') {
                        *self.sums.entry(k.to_owned()).or_default() +=
                            v.parse::<u64>().unwrap_or(0);
                    }
                }
                self.reader_lines.push(l.to_owned());
            }
            Some("B") => self.reader_bad.push(l.to_owned()),
            _ => self.found.msg(format!("unreadable report {l:?}")),
        }
    }

    fn observe(&mut self, id: u64, s: Seen) {
        if let Some(&old) = self.retired.get(&id) {
            if !same_fingerprint(old, fingerprint(&s)) {
                self.found.ids_twice += 1;
                self.found.msg(format!(
                    "ID {id:016x} seen as {s:?} after its process was gone"
                ));
            }
            return;
        }
        let Some(old) = self.seen.get_mut(&id) else {
            if let Some(c) = &s.comm {
                self.family_ids
                    .entry(family(c).to_owned())
                    .or_default()
                    .push(id);
            }
            self.seen.insert(id, s);
            self.ids_seen += 1;
            return;
        };
        match old.relation(&s) {
            Relation::Conflict => {
                let msg = format!("ID {id:016x} seen as {old:?} and as {s:?}");
                self.found.ids_twice += 1;
                self.found.msg(msg);
                return;
            }
            Relation::Torn => {
                self.found.torn.insert(id);
                if s.depth > old.depth {
                    (old.depth, old.parent) = (s.depth, s.parent);
                }
            }
            Relation::Same => {}
        }
        if old.pid == 0 {
            old.pid = s.pid;
        }
        if old.comm.is_none() {
            if let Some(c) = &s.comm {
                self.family_ids
                    .entry(family(c).to_owned())
                    .or_default()
                    .push(id);
            }
            old.comm = s.comm;
        }
    }

    /// Checks and forgets the processes gone for more than `after` (all of
    /// them with `None`).
    fn retire(&mut self, after: Option<Duration>) {
        while let Some((t, _)) = self.dead.front() {
            if after.is_some_and(|a| t.elapsed() < a) {
                break;
            }
            if let Some((_, name)) = self.dead.pop_front() {
                self.retire_family(&name);
            }
        }
        if after.is_none() {
            let names: HashSet<String> = self
                .family_ids
                .keys()
                .chain(self.family_keys.keys())
                .cloned()
                .collect();
            for n in names {
                self.retire_family(&n);
            }
        }
    }

    /// Checks what readers saw of a process's domains against what it
    /// announced, then forgets them but for their fingerprints.  Each
    /// domain is (creator name, depth); a view torn while a chain was freed
    /// shows a smaller depth, so a domain is also found by its name and
    /// masks, which tell apart the layers of one creator but for chance.
    fn retire_family(&mut self, name: &str) {
        let ids = self.family_ids.remove(name).unwrap_or_default();
        let f = &mut self.found;
        let mut ids_of: HashMap<(String, u32), HashSet<u64>> = HashMap::new();
        for id in &ids {
            let Some(s) = self.seen.get(id) else { continue };
            let Some(comm) = &s.comm else { continue };
            let masks = |a: &Announced| {
                let fs = if a.fs != 0 { a.fs | REFER } else { 0 };
                (fs, a.net, a.scope) == (s.fs, s.net, s.scope)
            };
            let exact = self
                .announced
                .get(&(comm.clone(), s.depth))
                .filter(|a| masks(a));
            let (depth, a) = match exact {
                Some(a) => (s.depth, a),
                None => {
                    // A shorter chain than announced: the same name and
                    // masks at a greater depth.
                    let deeper: Vec<(u32, &Announced)> = (s.depth + 1..=16)
                        .filter_map(|d| self.announced.get(&(comm.clone(), d)).map(|a| (d, a)))
                        .filter(|(_, a)| masks(a))
                        .collect();
                    match deeper.first() {
                        Some(&(d, a)) if deeper.len() == 1 => {
                            f.torn.insert(*id);
                            (d, a)
                        }
                        _ => {
                            if self.announced.keys().any(|(n, _)| n == comm) {
                                f.wrong += 1;
                                f.msg(format!(
                                    "ID {id:016x} seen as {s:?}: no layer of {comm} has these masks at this depth"
                                ));
                            } else {
                                f.phantom += 1;
                                f.msg(format!(
                                    "ID {id:016x} ({comm} depth {}) was never announced",
                                    s.depth
                                ));
                            }
                            continue;
                        }
                    }
                }
            };
            ids_of.entry((comm.clone(), depth)).or_default().insert(*id);
            if s.pid != 0 && s.pid != a.tgid {
                f.wrong += 1;
                f.msg(format!(
                    "ID {id:016x} seen as {s:?}, announced by TGID {}",
                    a.tgid
                ));
            }
            let parent_ident = self
                .seen
                .get(&s.parent)
                .and_then(|p| p.comm.clone().map(|pc| format!("{pc} {}", p.depth)));
            let parent_ok = match (&a.parent, s.parent) {
                (None, 0) => true,
                (None, _) => false,
                // No parent shown: a torn view.
                (Some(_), 0) => {
                    f.torn.insert(*id);
                    true
                }
                (Some(want), _) => parent_ident.as_ref().is_none_or(|got| got == want),
            };
            if !parent_ok {
                f.wrong_parent += 1;
                f.msg(format!(
                    "ID {id:016x} ({comm} {}): parent {:016x} ({parent_ident:?}), announced {:?}",
                    s.depth, s.parent, a.parent
                ));
            }
        }
        f.two_ids += ids_of.values().filter(|v| v.len() > 1).count() as u64;
        for id in ids {
            if let Some(s) = self.seen.remove(&id) {
                self.retired.insert(id, fingerprint(&s));
            }
        }
        for key in self.family_keys.remove(name).unwrap_or_default() {
            self.announced.remove(&key);
        }
    }
}

/// Reads the lines of both pipes until both are closed.
/// A live process's name, state, wait channel and kernel stack, or `None`
/// once it is gone (for the report of a run whose processes were late).
fn proc_state(pid: i32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
    let stack = std::fs::read_to_string(format!("/proc/{pid}/stack"))
        .unwrap_or_default()
        .lines()
        .take(8)
        .collect::<Vec<_>>()
        .join(" | ");
    let stat: String = stat.split(' ').take(3).collect::<Vec<_>>().join(" ");
    Some(format!("{stat}; wchan {wchan}; stack {stack}"))
}

fn collect(c: &mut Collector, fds: [OwnedFd; 2], timeout: Instant) -> Result<(), String> {
    let mut bufs = [Vec::new(), Vec::new()];
    let mut open = [true, true];
    let started = Instant::now();
    let mut progress = started;
    let mut lines = 0u64;
    while open.iter().any(|&o| o) {
        if Instant::now() > timeout {
            println!(
                "# churn: still open at the timeout: writers' reports {}, readers' reports {}",
                open[0], open[1]
            );
            return Err("the writers and readers did not finish in time".into());
        }
        // A long run says how it goes every 5 minutes.
        if progress.elapsed() >= Duration::from_secs(300) {
            progress = Instant::now();
            println!(
                "# churn: after {} s: {lines} report lines, {} layers announced, {} created, {} reader reports",
                started.elapsed().as_secs(),
                c.announced_total,
                c.confirmed,
                c.reader_lines.len()
            );
        }
        let mut pfd: Vec<libc::pollfd> = fds
            .iter()
            .map(|fd| libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        for (i, o) in open.iter().enumerate() {
            if !o {
                pfd[i].fd = -1;
            }
        }
        // SAFETY: `pfd` holds two pollfd structs.
        unsafe { libc::poll(pfd.as_mut_ptr(), 2, 200) };
        for i in 0..2 {
            if !open[i] || pfd[i].revents == 0 {
                continue;
            }
            match vfs::read(fds[i].as_raw_fd(), 1 << 16) {
                Ok(b) if b.is_empty() => open[i] = false,
                Ok(b) => bufs[i].extend_from_slice(&b),
                Err(libc::EINTR) | Err(libc::EAGAIN) => {}
                Err(e) => return Err(format!("reading reports: {}", errno_name(e))),
            }
            // One pass over the buffer, then one move of what is left.
            let mut at = 0;
            while let Some(n) = bufs[i][at..].iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&bufs[i][at..at + n]).into_owned();
                c.line(line.trim_end());
                lines += 1;
                at += n + 1;
            }
            bufs[i].drain(..at);
        }
        // Readers send what they saw at least every second.
        c.retire(Some(Duration::from_secs(30)));
    }
    Ok(())
}

/// Runs writers and readers for `secs` seconds and checks what they saw.
pub fn run(secs: u64) -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let start = Instant::now();
    // Orphans of a writer that died would keep their domains as zombies:
    // this process reaps them.
    crate::procs::become_subreaper();
    let deadline = start + Duration::from_secs(secs);
    let (wr_r, wr_w) = vfs::pipe().map_err(errno_name)?;
    let (rd_r, rd_w) = vfs::pipe().map_err(errno_name)?;
    let mut pids = Vec::new();
    for w in 0..WRITERS {
        // SAFETY: this process is single-threaded.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            drop(wr_r);
            drop(rd_r);
            drop(rd_w);
            writer(wr_w, w, deadline);
        }
        pids.push(pid);
    }
    for role in ROLES {
        // SAFETY: as above.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            drop(wr_r);
            drop(wr_w);
            drop(rd_r);
            reader(rd_w, role, deadline);
        }
        pids.push(pid);
    }
    drop(wr_w);
    drop(rd_w);
    let mut c = Collector::default();
    // Writers and readers finish their last round after the deadline: a
    // round on the debug kernel, slowed further by a loaded host, can take
    // long, so the grace grows with the run.
    let grace = Duration::from_secs(120.max(secs / 10));
    let collected = collect(&mut c, [wr_r, rd_r], deadline + grace);
    if collected.is_err() {
        // Say where the late ones are, then end them: waiting for them
        // would hide every count (an hour-long run printed nothing).
        for pid in &pids {
            if let Some(state) = proc_state(*pid) {
                println!("# churn: late process {pid}: {state}");
            }
        }
        for pid in &pids {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(*pid, libc::SIGKILL) };
        }
    }
    let mut failed_procs = 0;
    for pid in &pids {
        let mut status = 0;
        // SAFETY: reaping our own children.
        unsafe { libc::waitpid(*pid, &mut status, 0) };
        if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
            failed_procs += 1;
        }
    }
    // Orphans, if any.
    // SAFETY: reaping children of ours only.
    while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
    let ran = start.elapsed();
    collected?;
    // Every writer stopped and reaped its children: once RCU and the
    // workqueue are done, no domain is left.
    let settle_start = Instant::now();
    let mut left = Vec::new();
    eventually(10, || {
        left = list_domains().unwrap_or_default();
        left.is_empty()
    });
    let settled = settle_start.elapsed();
    c.retire(None);
    c.found.no_comm = c.seen.values().filter(|s| s.comm.is_none()).count() as u64;
    let f = &c.found;
    let sum = |k: &str| c.sums.get(k).copied().unwrap_or(0);
    println!(
        "# churn: {secs} s, {WRITERS} writers, {} readers; ran {:.1} s, settled in {:.1} s",
        ROLES.len(),
        ran.as_secs_f64(),
        settled.as_secs_f64()
    );
    println!(
        "# churn: domains announced {}, created {} by writers and {} by readers' holders; IDs seen by readers {} ({} without a creator name); \
         tree reads {}, file reads {}, listings {}; reads of domains gone meanwhile {}; held sets read after the death {} ({} of readers' own domains; {} reads failed)",
        c.announced_total,
        c.confirmed,
        c.holders_confirmed,
        c.ids_seen,
        f.no_comm,
        sum("tree_reads"),
        sum("file_reads"),
        sum("listings"),
        sum("gone"),
        sum("held_checked"),
        sum("held_own"),
        sum("held_errors")
    );
    for w in &c.writers {
        println!("# churn: {w}");
    }
    println!(
        "# churn: the collector checked and forgot {} IDs as their processes ended, and kept {} without a creator name",
        c.retired.len(),
        c.seen.len()
    );
    let bad = [
        ("IDs seen for two different domains", f.ids_twice),
        ("domains seen under two IDs", f.two_ids),
        ("domains nobody announced", f.phantom),
        (
            "domains with other masks or creator than announced",
            f.wrong,
        ),
        ("domains with another parent than announced", f.wrong_parent),
        (
            "held reads after the death differing from the snapshot",
            sum("held_bad"),
        ),
        (
            "reads of live domains contradicting the view",
            sum("quick_bad"),
        ),
        (
            "dying domains shown to root with a shorter chain of ancestors (snapshot, IDs)",
            f.torn.len() as u64,
        ),
        (
            "dying domains whose parent or depth file showed a shorter chain to root",
            sum("torn_reads"),
        ),
        (
            "snapshot or tasks files with a task line of TGID 0",
            sum("tgid_zero"),
        ),
        (
            "creator opens failing with EACCES for a privileged reader",
            sum("creator_eacces"),
        ),
        ("library errors", sum("lib_errors")),
        ("bad listing entries", sum("listing_bad")),
        ("domains uid 1001 saw", sum("invisible_seen")),
        ("unexpected errors", sum("other_errors")),
        (
            "domains left after the writers stopped and RCU settled",
            left.len() as u64,
        ),
        ("writer errors", c.writer_errors.len() as u64),
        ("writers or readers that failed", failed_procs),
        (
            "reports missing (writers, readers)",
            (WRITERS + ROLES.len()).saturating_sub(c.writers.len() + c.reader_lines.len()) as u64,
        ),
    ];
    println!(
        "# churn: bad counts: {}",
        bad.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let nonzero: Vec<String> = bad
        .iter()
        .filter(|(_, v)| *v > 0)
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    let mut details: Vec<String> = f.msgs.clone();
    // The first report of each kind.
    let mut kinds = HashSet::new();
    details.extend(
        c.reader_bad
            .iter()
            .filter(|b| kinds.insert(b.split(['[', ']']).nth(1).unwrap_or("").to_owned()))
            .cloned(),
    );
    details.extend(c.writer_errors.iter().take(3).cloned());
    if !left.is_empty() {
        details.push(format!("left: {:?}", &left[..left.len().min(5)]));
    }
    for d in &details {
        println!("# churn: {d}");
    }
    if !nonzero.is_empty() {
        return Err(format!(
            "churn: {}; first: {}",
            nonzero.join(", "),
            details.first().cloned().unwrap_or_default()
        ));
    }
    if c.confirmed < 100 || sum("tree_reads") < 10 || sum("held_checked") == 0 {
        return Err(format!(
            "churn did too little to mean anything: {} domains, {} tree reads, {} held sets checked",
            c.confirmed,
            sum("tree_reads"),
            sum("held_checked")
        ));
    }
    kmsg.check()
}

/// The in-suite test: `run()` for `la_churn_secs` (default 20) seconds, in
/// a child process (it becomes a subreaper).
pub fn churn_keeps_ids_unique() -> TestResult {
    let secs = crate::cmdline_param("la_churn_secs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS);
    crate::sys::in_child(move || run(secs))
}

/// `vm-runner churn [SECS]`: the same, as a mode of its own, for long runs.
pub fn mode(args: &[String]) -> ! {
    let secs = args.first().and_then(|s| s.parse().ok()).unwrap_or(3600);
    let r = crate::sys::in_child(move || run(secs));
    let _ = std::io::stdout().flush();
    match r {
        Ok(()) => {
            println!("churn: ok");
            std::process::exit(0);
        }
        Err(e) => {
            println!("churn: FAIL {e}");
            std::process::exit(1);
        }
    }
}

/// How long a held set waits for its domain to die before it is dropped:
/// 3 s, or `la_churn_hold_secs=N` (ci/test gives the debug kernel, whose
/// domains live longer, 20 s).
fn hold_window() -> Duration {
    static SECS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    Duration::from_secs(*SECS.get_or_init(|| {
        crate::cmdline_param("la_churn_hold_secs")
            .and_then(|s| s.parse().ok())
            .unwrap_or(3)
    }))
}
