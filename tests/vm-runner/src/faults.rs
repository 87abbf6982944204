//! Allocation failures injected into `landlock_restrict_self()` and into
//! every kind of read of the tree (issue "kernel under stress").
//!
//! `/proc/thread-self/fail-nth` makes the Nth allocation of the calling
//! thread fail.  failslab's and fail_page_alloc's stack-trace filter count
//! only the allocations made with Landlock's code on the stack (the text of
//! `security/landlock/`, C and Rust, located in `/proc/kallsyms`), and are
//! told to fail allocations that may sleep too (`GFP_KERNEL`, which they
//! skip by default), never kmemleak's own.  For N = 1, 2, ... until three N
//! in a row inject nothing, the operation runs with the Nth failing, then
//! again with the Nth and the next Landlock slab allocations failing
//! ([`Second`]: the error paths behind a fallback):
//!
//! - `landlock_restrict_self()`, for a first domain, a nested one and one
//!   enforced on three threads at once (`LANDLOCK_RESTRICT_SELF_TSYNC`,
//!   the caller's or a sibling's allocations failing), either succeeds
//!   with the new domain shown complete (depth, parent, handled rights,
//!   creator and every thread) or fails with `ENOMEM`, leaving every
//!   thread in its old domain;
//! - every kind of read, by root and by a `CAP_SYS_PTRACE` daemon: a
//!   listing of `domains/` and of a domain's directory, each file of two
//!   domains, the top-level files, and `Domains::read()`; each either gives
//!   what it gives without a failure or fails with `ENOMEM`, and the same
//!   read right after gives the right data again (no half-built dentry or
//!   cached error stays behind).
//!
//! After each step `/sys/kernel/debug/landlock/registry`
//! (`CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG`) must count no inconsistency, and
//! exactly the entries of the domains still alive once freeing settled.
//! The debug kernel's KASAN, lockdep and kmemleak watch the error paths.
//! The test needs that kernel: elsewhere it is skipped, loudly.

use crate::kmsg::Kmsg;
use crate::procs::{become_user, fork_sleeper, Daemon, CAP_SYS_PTRACE};
use crate::sys::{Access, Ruleset};
use crate::tree::{domains, eventually, restrict};
use crate::vfs::{self, errno_name, Sys};
use crate::{ensure, TestResult, TREE};
use landlock_audit::{DomainId, Domains};
use std::fs;
use std::io::{PipeReader, PipeWriter};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};

const REGISTRY: &str = "/sys/kernel/debug/landlock/registry";
const FAILSLAB: &str = "/sys/kernel/debug/failslab";
const FAIL_PAGE_ALLOC: &str = "/sys/kernel/debug/fail_page_alloc";
const RESTRICT_SELF_TSYNC: libc::c_long = 1 << 3;
/// More Landlock allocations than any operation here makes: reaching it
/// means fail-nth never ran out, which the test reports.
const MAX_NTH: u32 = 400;

/// Why the test cannot run on this kernel, if it cannot.
pub fn unavailable() -> Option<String> {
    for path in [REGISTRY, FAILSLAB, FAIL_PAGE_ALLOC, "/proc/self/fail-nth"] {
        if fs::metadata(path).is_err() {
            return Some(format!(
                "no {path}: needs the debug kernel (FAULT_INJECTION_DEBUG_FS, \
                 SECURITY_LANDLOCK_INTROSPECTION_DEBUG)"
            ));
        }
    }
    None
}

// --- the registry's self-check --------------------------------------------

/// What `/sys/kernel/debug/landlock/registry` counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Registry {
    entries: u64,
    dying: u64,
    /// Every other count: each is an inconsistency.
    errors: Vec<(String, u64)>,
}

/// The registry file, opened once by root: a forked reader that gave up
/// its privileges (debugfs is root's) still reads it through this.
static REGISTRY_FD: std::sync::OnceLock<OwnedFd> = std::sync::OnceLock::new();

fn registry() -> Result<Registry, String> {
    let fd = match REGISTRY_FD.get() {
        Some(fd) => fd,
        None => {
            let fd = vfs::open(REGISTRY, libc::O_RDONLY)
                .map_err(|e| format!("{REGISTRY}: {}", errno_name(e)))?;
            REGISTRY_FD.get_or_init(|| fd)
        }
    };
    let text = vfs::pread(fd.as_raw_fd(), 4096, 0)
        .map_err(|e| format!("{REGISTRY}: {}", errno_name(e)))?;
    let text = String::from_utf8_lossy(&text);
    let mut r = Registry::default();
    for line in text.lines() {
        let (key, value) = line
            .split_once(' ')
            .ok_or_else(|| format!("{REGISTRY}: malformed line {line:?}"))?;
        let value: u64 = value
            .parse()
            .map_err(|_| format!("{REGISTRY}: malformed line {line:?}"))?;
        match key {
            "entries" => r.entries = value,
            "dying" => r.dying = value,
            _ => r.errors.push((key.to_owned(), value)),
        }
    }
    ensure(r.errors.len() == 5, || {
        format!("{REGISTRY}: unexpected contents {text:?}")
    })?;
    Ok(r)
}

/// Waits until the registry holds `want` entries (freeing goes through RCU
/// and a workqueue), and fails on any inconsistency it reports meanwhile.
fn registry_settles(want: u64, after: &str) -> TestResult {
    let mut last = registry()?;
    let mut read_error = None;
    eventually(10, || {
        match registry() {
            Ok(r) => last = r,
            Err(e) => {
                read_error = Some(e);
                return true;
            }
        }
        last.entries == want && last.dying == 0 || last.errors.iter().any(|e| e.1 != 0)
    });
    if let Some(e) = read_error {
        return Err(e);
    }
    // `last` is the read that ended the wait: settled, inconsistent, or
    // still off after 10 s.
    let bad: Vec<_> = last.errors.iter().filter(|e| e.1 != 0).collect();
    ensure(bad.is_empty(), || {
        format!("after {after}: the registry is inconsistent: {bad:?}")
    })?;
    ensure(last.entries == want && last.dying == 0, || {
        format!(
            "after {after}: the registry holds {} entries ({} dying), expected {want}",
            last.entries, last.dying
        )
    })
}

// --- fault injection setup --------------------------------------------------

/// Where a subsystem's text lies in `/proc/kallsyms`: the densest run of
/// text symbols whose names contain `marker` (at most 64 symbols apart),
/// up to the first symbol after it; the run must hold `anchor`.  For
/// Landlock (`landlock`: C functions, and the Rust crate `landlock_rs`,
/// whose mangled names carry it), that leaves out init code and static-call
/// trampolines placed elsewhere.
fn text_of(syms: &[(u64, String)], marker: &str, anchor: &str) -> Result<(u64, u64), String> {
    let marked: Vec<usize> = (0..syms.len())
        .filter(|&i| syms[i].1.contains(marker))
        .collect();
    let mut best: Option<(usize, usize, usize)> = None;
    let mut start = 0;
    for k in 0..marked.len() {
        let run_ends = k + 1 == marked.len() || marked[k + 1] - marked[k] > 64;
        if run_ends {
            let count = k + 1 - start;
            if best.is_none_or(|b| count > b.2) {
                best = Some((marked[start], marked[k], count));
            }
            start = k + 1;
        }
    }
    let (first, last, _) = best.ok_or_else(|| format!("no {marker} symbol in /proc/kallsyms"))?;
    ensure((first..=last).any(|i| syms[i].1 == anchor), || {
        format!("the densest run of {marker} symbols lacks {anchor}")
    })?;
    let begin = syms[first].0;
    let end = syms.get(last + 1).map_or(syms[last].0 + 4096, |s| s.0);
    ensure(end - begin < 16 << 20, || {
        format!("{marker}'s text would span {:#x} bytes", end - begin)
    })?;
    Ok((begin, end))
}

/// The text symbols of `/proc/kallsyms`, by address.
fn text_symbols() -> Result<Vec<(u64, String)>, String> {
    let all = fs::read_to_string("/proc/kallsyms").map_err(|e| format!("/proc/kallsyms: {e}"))?;
    let mut syms = Vec::new();
    for line in all.lines() {
        let mut it = line.split_whitespace();
        let (Some(addr), Some(kind), Some(name)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        if !matches!(kind, "t" | "T") || it.next().is_some() {
            continue;
        }
        let Ok(addr) = u64::from_str_radix(addr, 16) else {
            continue;
        };
        syms.push((addr, name.to_owned()));
    }
    syms.sort_unstable();
    ensure(syms.iter().any(|s| s.0 != 0), || {
        "/proc/kallsyms shows no addresses (kptr_restrict?)".into()
    })?;
    Ok(syms)
}

fn write_knob(dir: &str, knob: &str, value: &str) -> TestResult {
    fs::write(format!("{dir}/{knob}"), value).map_err(|e| format!("{dir}/{knob}: {e}"))
}

/// Points failslab and fail_page_alloc at Landlock's allocations, quietly.
/// Only `fail-nth` triggers them, and failslab's `times` (0 until
/// [`Second`] arms it) for the test's tasks only.  kmemleak's
/// own allocations (its metadata for each object Landlock allocates) are
/// left alone: kmemleak disables itself when it runs out, and then could
/// not report what the error paths leak.
fn target_landlock() -> Result<(u64, u64), String> {
    let syms = text_symbols()?;
    let (begin, end) = text_of(&syms, "landlock", "__x64_sys_landlock_restrict_self")?;
    let kmemleak = kmemleak_alloc_text(&syms)?;
    for dir in [FAILSLAB, FAIL_PAGE_ALLOC] {
        // la_faults_verbose=2 logs each failure's stack too (for debugging:
        // ci/boot then fails on the stacks).
        let verbose = crate::cmdline_param("la_faults_verbose");
        write_knob(dir, "verbose", verbose.as_deref().unwrap_or("0"))?;
        write_knob(dir, "ignore-gfp-wait", "N")?;
        write_knob(dir, "require-start", &format!("{begin:#x}"))?;
        write_knob(dir, "require-end", &format!("{end:#x}"))?;
        write_knob(dir, "reject-start", &format!("{:#x}", kmemleak.0))?;
        write_knob(dir, "reject-end", &format!("{:#x}", kmemleak.1))?;
    }
    write_knob(FAIL_PAGE_ALLOC, "ignore-gfp-highmem", "N")?;
    write_knob(FAIL_PAGE_ALLOC, "min-order", "0")?;
    // The second failure (`Second`): armed by `times` only, for the
    // test's tasks only.
    write_knob(FAILSLAB, "times", "0")?;
    write_knob(FAILSLAB, "task-filter", "Y")?;
    write_knob(FAILSLAB, "probability", "100")?;
    fs::write("/proc/self/make-it-fail", "1").map_err(|e| format!("make-it-fail: {e}"))?;
    // Other fault points would count down fail-nth too and fail anywhere:
    // none of them may fail (an empty required range).
    for dir in OTHER_FAULTS {
        if fs::metadata(dir).is_ok() {
            write_knob(dir, "require-start", "0x1")?;
            write_knob(dir, "require-end", "0x1")?;
        }
    }
    Ok((begin, end))
}

/// Fault points other than failslab and fail_page_alloc that 7.3 can have.
const OTHER_FAULTS: [&str; 5] = [
    "/sys/kernel/debug/fail_usercopy",
    "/sys/kernel/debug/fail_futex",
    "/sys/kernel/debug/fail_function",
    "/sys/kernel/debug/fail_make_request",
    "/sys/kernel/debug/fail_skb_realloc",
];

/// The text of the functions kmemleak allocates its metadata in
/// (`__alloc_object()`, called by `__create_object()`, which
/// `kmemleak_alloc()` tail-calls, for every object Landlock allocates), or
/// an empty range without kmemleak.  Failing those would only exercise
/// kmemleak's own fallback pool, and kmemleak disables itself when that
/// runs out.
fn kmemleak_alloc_text(syms: &[(u64, String)]) -> Result<(u64, u64), String> {
    if !syms.iter().any(|s| s.1 == "kmemleak_alloc") {
        return Ok((0, 0));
    }
    let at: Vec<usize> = (0..syms.len())
        .filter(|&i| matches!(syms[i].1.as_str(), "__create_object" | "__alloc_object"))
        .collect();
    let (Some(&first), Some(&last)) = (at.first(), at.last()) else {
        return Err("kmemleak without __create_object or __alloc_object in /proc/kallsyms".into());
    };
    let end = syms.get(last + 1).map_or(syms[last].0 + 4096, |s| s.0);
    ensure(end - syms[first].0 < 64 << 10, || {
        "kmemleak's __create_object and __alloc_object are far apart".into()
    })?;
    Ok((syms[first].0, end))
}

/// Puts every knob back, disarming first: after a failed step, fail-nth or
/// `times` may still be armed.
fn untarget() {
    let _ = write_knob(FAILSLAB, "times", "0");
    let _ = write_knob(FAILSLAB, "probability", "0");
    let _ = fs::write("/proc/thread-self/fail-nth", "0");
    for dir in [FAILSLAB, FAIL_PAGE_ALLOC] {
        let _ = write_knob(dir, "require-start", "0");
        let _ = write_knob(dir, "require-end", &format!("{:#x}", u64::MAX));
        let _ = write_knob(dir, "reject-start", "0");
        let _ = write_knob(dir, "reject-end", "0");
        let _ = write_knob(dir, "ignore-gfp-wait", "Y");
        let _ = write_knob(dir, "verbose", "2");
    }
    let _ = write_knob(FAILSLAB, "task-filter", "N");
    let _ = write_knob(FAILSLAB, "times", "1");
    let _ = fs::write("/proc/self/make-it-fail", "0");
    let _ = write_knob(FAIL_PAGE_ALLOC, "ignore-gfp-highmem", "Y");
    let _ = write_knob(FAIL_PAGE_ALLOC, "min-order", "1");
    for dir in OTHER_FAULTS {
        if fs::metadata(dir).is_ok() {
            let _ = write_knob(dir, "require-start", "0");
            let _ = write_knob(dir, "require-end", &format!("{:#x}", u64::MAX));
        }
    }
}

/// `/proc/thread-self/fail-nth`, opened once: its reads and writes
/// allocate nothing, so they do not count.
struct FailNth(OwnedFd);

impl FailNth {
    fn open() -> Result<Self, String> {
        vfs::open("/proc/thread-self/fail-nth", libc::O_RDWR)
            .map(Self)
            .map_err(|e| format!("fail-nth: {}", errno_name(e)))
    }

    /// A thread of this process's.
    fn open_task(tid: i32) -> Result<Self, String> {
        vfs::open(&format!("/proc/self/task/{tid}/fail-nth"), libc::O_RDWR)
            .map(Self)
            .map_err(|e| format!("fail-nth of {tid}: {}", errno_name(e)))
    }

    fn arm(&self, n: u32) -> TestResult {
        let s = n.to_string();
        // SAFETY: `s` is a valid buffer of its length.
        let r = unsafe { libc::pwrite(self.0.as_raw_fd(), s.as_ptr().cast(), s.len(), 0) };
        ensure(r == s.len() as isize, || {
            format!("writing fail-nth: {}", std::io::Error::last_os_error())
        })
    }

    /// Disarms and tells whether the failure was injected.
    fn disarm(&self) -> Result<bool, String> {
        let left = vfs::pread(self.0.as_raw_fd(), 32, 0)
            .map_err(|e| format!("reading fail-nth: {}", errno_name(e)))?;
        let left: u32 = String::from_utf8_lossy(&left)
            .trim()
            .parse()
            .map_err(|_| format!("fail-nth reads {left:?}"))?;
        self.arm(0)?;
        Ok(left == 0)
    }
}

/// A second failure right after fail-nth's (when another Landlock slab
/// allocation follows it; two more when fail-nth's was a page allocation,
/// which takes fail_page_alloc's `times`, not this one): failslab's
/// `times`, opened
/// once (a reader that gave up its privileges writes it through this).
/// With failslab's probability at 100 and its task filter on (the test's
/// tasks have `make-it-fail`), `times` 2 fails the first Landlock slab
/// allocation after the one fail-nth failed (which takes one of the two).  That reaches the error paths
/// behind a fallback, which one failure never does: kvrealloc() (every
/// `KVVec` of the tree) retries a failed krealloc() with kvmalloc().
struct Second(OwnedFd);

impl Second {
    fn open() -> Result<Self, String> {
        let path = format!("{FAILSLAB}/times");
        vfs::open(&path, libc::O_RDWR)
            .map(Self)
            .map_err(|e| format!("{path}: {}", errno_name(e)))
    }

    /// A plain write: debugfs attribute files cannot seek, and reading
    /// them again through one descriptor gives nothing (so whether the
    /// second failure happened is not known).
    fn set(&self, v: &str) -> TestResult {
        // SAFETY: `v` is a valid buffer of its length.
        let r = unsafe { libc::write(self.0.as_raw_fd(), v.as_ptr().cast(), v.len()) };
        ensure(r == v.len() as isize, || {
            format!(
                "writing failslab/times: {}",
                std::io::Error::last_os_error()
            )
        })
    }

    /// 2: fail-nth's failure counts against `times` too.
    fn arm(&self) -> TestResult {
        self.set("2")
    }

    /// Disarms.  Called before [`FailNth::disarm`]: an armed `times` with
    /// fail-nth at 0 would fail the next Landlock allocation of the task.
    fn disarm(&self) -> TestResult {
        self.set("0")
    }
}

/// What to fail: fail-nth's Nth allocation alone, or it and the next one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Single,
    Double,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Single => "one failure",
            Mode::Double => "two failures in a row",
        }
    }
}

/// Counts of one operation's run.
#[derive(Default)]
struct Tally {
    /// Injected failures (Landlock allocation sites on its path).
    sites: u32,
    /// Injected failures the operation reported as ENOMEM.
    enomem: u32,
    /// Injected failures it absorbed, with the same result as without: the
    /// failed allocation had a fallback (kvmalloc's kmalloc attempt above a
    /// page, kvrealloc's krealloc, slab's attempt at a larger page order).
    absorbed: u32,
}

impl Tally {
    /// Records one injected failure: whether the operation failed (with
    /// ENOMEM, which the caller checked) or gave what it gives without.
    fn injected(&mut self, failed: bool) {
        self.sites += 1;
        if failed {
            self.enomem += 1;
        } else {
            self.absorbed += 1;
        }
    }

    fn add(&mut self, o: &Tally) {
        self.sites += o.sites;
        self.enomem += o.enomem;
        self.absorbed += o.absorbed;
    }

    fn line(&self) -> String {
        format!(
            "{} sites failed: {} ENOMEM, {} absorbed by a fallback",
            self.sites, self.enomem, self.absorbed
        )
    }
}

/// The kernel log since the last look, which must hold no splat: it names
/// the injected failure that caused one (ci/boot would fail the boot
/// without saying which).
struct FaultLog(Kmsg);

impl FaultLog {
    fn mark() -> Result<Self, String> {
        Kmsg::mark().map(Self)
    }

    fn check(&mut self) -> TestResult {
        // Unless the stacks of injected failures are logged on purpose.
        if crate::cmdline_param("la_faults_verbose").is_some() {
            return Ok(());
        }
        self.0.check()
    }
}

// --- landlock_restrict_self() -----------------------------------------------

#[derive(Clone, Copy)]
struct Variant {
    name: &'static str,
    /// The thread is in a domain already (its siblings are not).
    nested: bool,
    /// Two more threads, started first, and TSYNC.
    tsync: bool,
    /// Whose allocations fail: the caller's (0), or with TSYNC the first
    /// sibling's (1), which prepares its own credentials in a task work
    /// (its credentials differ from the caller's).
    failing: usize,
    /// The fewest single failures that must end in ENOMEM: each an
    /// allocation without a fallback on the path.  For the caller, 7.3 has
    /// six (the credentials, their LSM blob, the domain, its hierarchy,
    /// the hierarchy's details, the creator's path buffer); one fewer is
    /// allowed for a slab page that would come first.  For a sibling:
    /// its credentials and their LSM blob, one fewer for the same reason
    /// (a run on 2026-12-07 gave 1 ENOMEM and 1 failure absorbed with one
    /// failure, 3 ENOMEM with two in a row; earlier runs of the same
    /// kernel gave 2 and 2).
    min_enomem: u32,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        name: "first domain",
        nested: false,
        tsync: false,
        failing: 0,
        min_enomem: 5,
    },
    Variant {
        name: "nested domain",
        nested: true,
        tsync: false,
        failing: 0,
        min_enomem: 5,
    },
    Variant {
        name: "nested domain, TSYNC on 3 threads, the caller's allocations",
        nested: true,
        tsync: true,
        failing: 0,
        min_enomem: 5,
    },
    Variant {
        name: "nested domain, TSYNC on 3 threads, a sibling's allocations",
        nested: true,
        tsync: true,
        failing: 1,
        min_enomem: 1,
    },
];

const OUTER_FS: u64 = Access::MAKE_DIR;
/// `LANDLOCK_ACCESS_FS_REFER`, which every domain handles implicitly.
const REFER: u64 = 1 << 13;
const INNER_FS: u64 = Access::READ_FILE | Access::MAKE_SYM;

/// What a child reports after its `landlock_restrict_self()`.
struct Attempt {
    ok: bool,
    errno: i32,
    injected: bool,
    /// The caller first, then its siblings.
    tids: Vec<i32>,
}

fn gettid() -> i32 {
    // SAFETY: plain gettid(2).
    unsafe { libc::gettid() }
}

/// In the child: starts the threads of `v`, enters the outer domain (the
/// calling thread only), makes the `n`th Landlock allocation of the
/// failing thread fail during `landlock_restrict_self()`, reports, and
/// waits for `go` to close.
fn child(
    v: Variant,
    n: u32,
    mode: Mode,
    report: &mut PipeWriter,
    go: &mut PipeReader,
) -> TestResult {
    let mut tids = vec![gettid()];
    if v.tsync {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..2 {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = tx.send(gettid());
                loop {
                    std::thread::park();
                }
            });
        }
        for _ in 0..2 {
            tids.push(rx.recv().map_err(|e| format!("thread: {e}"))?);
        }
    }
    // The second failure (`Second`) may hit the failing thread only.
    for (i, tid) in tids.iter().enumerate() {
        let path = format!("/proc/self/task/{tid}/make-it-fail");
        fs::write(&path, if i == v.failing { "1" } else { "0" })
            .map_err(|e| format!("{path}: {e}"))?;
    }
    if v.nested {
        restrict(OUTER_FS)?;
    }
    let ruleset = Ruleset::new(INNER_FS)?;
    let flags = if v.tsync { RESTRICT_SELF_TSYNC } else { 0 };
    let fail = FailNth::open_task(tids[v.failing])?;
    let second = Second::open()?;
    // SAFETY: plain prctl.
    unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    fail.arm(n)?;
    if mode == Mode::Double {
        second.arm()?;
    }
    // SAFETY: plain syscall on a descriptor the ruleset owns.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset.fd(), flags) };
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    if mode == Mode::Double {
        second.disarm()?;
    }
    let injected = fail.disarm()?;
    let tids: Vec<String> = tids.iter().map(i32::to_string).collect();
    writeln!(report, "{} {errno} {} {}", r == 0, injected, tids.join(","))
        .map_err(|e| format!("report: {e}"))?;
    let mut b = [0u8; 1];
    let _ = go.read(&mut b);
    Ok(())
}

fn parse_attempt(line: &str) -> Result<Attempt, String> {
    let f: Vec<&str> = line.split(' ').collect();
    let bad = || format!("child reported {line:?}");
    if f.len() != 4 {
        return Err(bad());
    }
    Ok(Attempt {
        ok: f[0] == "true",
        errno: f[1].parse().map_err(|_| bad())?,
        injected: f[2] == "true",
        tids: f[3]
            .split(',')
            .map(|t| t.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?,
    })
}

/// The handled rights a domain of this test must show: `fs` (plus the
/// implicit REFER), no network right, no scope.
fn handles_exactly(dom: &landlock_audit::Domain, fs: u64) -> bool {
    dom.access.fs.bits() & !REFER == fs
        && dom.access.net.bits() == 0
        && dom.access.scope.bits() == 0
}

/// Checks what root sees of the child's threads after its attempt: on
/// success every thread in the new domain, complete (depth, parent, the
/// rights handled by it and by its parent, creator); on failure the caller
/// in its old domain (or none) and the siblings in none.
fn check_attempt(v: Variant, a: &Attempt, pid: i32, comm: &str) -> TestResult {
    let d = domains()?;
    let of = |tid: i32| d.domain_of_task(tid as u32).cloned();
    let caller = of(a.tids[0]);
    for &tid in &a.tids[1..] {
        let want = if a.ok {
            caller.as_ref().map(|x| x.id)
        } else {
            None
        };
        ensure(of(tid).map(|x| x.id) == want, || {
            format!(
                "sibling {tid} is in domain {:?}, expected {want:?}",
                of(tid).map(|x| x.id)
            )
        })?;
    }
    let depth = u32::from(v.nested) + u32::from(a.ok);
    if depth == 0 {
        return ensure(caller.is_none(), || {
            "the failed call left the thread in a domain".into()
        });
    }
    let dom = caller.ok_or("the thread is in no visible domain")?;
    ensure(dom.depth == depth, || {
        format!(
            "the thread's domain has depth {}, expected {depth}",
            dom.depth
        )
    })?;
    let (fs, parent_fs) = match (a.ok, v.nested) {
        (true, true) => (INNER_FS, Some(OUTER_FS)),
        (true, false) => (INNER_FS, None),
        (false, _) => (OUTER_FS, None),
    };
    ensure(handles_exactly(&dom, fs), || {
        format!("the thread's domain handles {:?}", dom.access)
    })?;
    match (parent_fs, dom.parent) {
        (None, None) => {}
        (Some(pfs), Some(p)) => {
            let parent = d.get(p).ok_or("the domain's parent is not visible")?;
            ensure(handles_exactly(parent, pfs) && parent.depth == 1, || {
                format!(
                    "the parent handles {:?} at depth {}",
                    parent.access, parent.depth
                )
            })?;
        }
        (want, got) => {
            return Err(format!(
                "the domain's parent is {got:?} (expected one: {})",
                want.is_some()
            ))
        }
    }
    let c = dom.creator.as_ref().ok_or("root cannot read the creator")?;
    ensure(
        c.pid == pid as u32
            && c.uid == 0
            && c.comm.as_encoded_bytes() == comm.as_bytes()
            && c.exe == std::path::Path::new("/bin/vm-runner"),
        || format!("the creator is {c:?}, expected PID {pid}, UID 0, {comm:?}, /bin/vm-runner"),
    )
}

/// One attempt in a fresh child; returns it once checked (the child has
/// exited and its domains are freed by then).
fn attempt(v: Variant, n: u32, mode: Mode, baseline: u64) -> Result<Attempt, String> {
    let comm = crate::read("/proc/self/comm")?;
    let (mut rd, report) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let (go_rd, go_wr) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: the runner is single-threaded when it forks.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        drop(rd);
        drop(go_wr);
        let (mut report, mut go) = (report, go_rd);
        let code = match child(v, n, mode, &mut report, &mut go) {
            Ok(()) => 0,
            Err(e) => {
                let _ = writeln!(report, "error {e}");
                1
            }
        };
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    drop(report);
    drop(go_rd);
    let line = crate::tree::read_line(&mut rd);
    let checked = line.and_then(|line| {
        if let Some(e) = line.strip_prefix("error ") {
            return Err(format!("child: {e}"));
        }
        let a = parse_attempt(&line)?;
        let alive = u64::from(v.nested) + u64::from(a.ok);
        registry_settles(baseline + alive, "the attempt")?;
        check_attempt(v, &a, pid, comm.trim_end())?;
        Ok(a)
    });
    drop(go_wr);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let ctx = |e| format!("{} with fail-nth {n}, {}: {e}", v.name, mode.name());
    let a = checked.map_err(ctx)?;
    registry_settles(baseline, "the process exited").map_err(ctx)?;
    Ok(a)
}

/// How many N in a row must inject nothing before the run stops: the
/// number of counted allocations varies a little from run to run (a slab
/// needing a new page, say), which shifts the last sites to higher N.
const MISSES: u32 = 3;

/// Runs `step(n)` for N = 1, 2, ... until [`MISSES`] N in a row inject
/// nothing.  `step` gives `None` when fail-nth injected nothing, else
/// whether the operation failed (with ENOMEM, which `step` checked).
fn sweep(
    what: &str,
    mut step: impl FnMut(u32) -> Result<Option<bool>, String>,
) -> Result<Tally, String> {
    let mut t = Tally::default();
    let mut misses = 0;
    for n in 1..=MAX_NTH {
        match step(n)? {
            None => {
                misses += 1;
                if misses == MISSES {
                    return Ok(t);
                }
            }
            Some(failed) => {
                misses = 0;
                t.injected(failed);
            }
        }
    }
    Err(format!("{what}: still failing at fail-nth {MAX_NTH}"))
}

fn restrict_under_faults(v: Variant, mode: Mode) -> Result<Tally, String> {
    let baseline = registry()?.entries;
    let mut log = FaultLog::mark()?;
    sweep(v.name, |n| {
        let a = attempt(v, n, mode, baseline)?;
        let ctx = || format!("{} with fail-nth {n}, {}", v.name, mode.name());
        log.check().map_err(|e| format!("{}: {e}", ctx()))?;
        if !a.injected {
            ensure(a.ok, || {
                format!(
                    "{}: landlock_restrict_self failed without an injected failure: {}",
                    ctx(),
                    errno_name(a.errno)
                )
            })?;
            return Ok(None);
        }
        ensure(a.ok || a.errno == libc::ENOMEM, || {
            format!(
                "{}: landlock_restrict_self failed with {}, not ENOMEM",
                ctx(),
                errno_name(a.errno)
            )
        })?;
        Ok(Some(!a.ok))
    })
}

// --- reads --------------------------------------------------------------------

type Op = Box<dyn Fn() -> Sys<Vec<u8>>>;

fn read_path(path: &str) -> Sys<Vec<u8>> {
    let fd = vfs::open(path, libc::O_RDONLY)?;
    vfs::read_to_end(fd.as_raw_fd())
}

fn list_path(path: &str) -> Sys<Vec<u8>> {
    let fd = vfs::open(path, libc::O_RDONLY | libc::O_DIRECTORY)?;
    let mut names: Vec<Vec<u8>> = vfs::list_all(fd.as_raw_fd())?
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.sort();
    Ok(names.join(&b'\n'))
}

/// `Domains::read()` as text (its `Debug` form: sorted, complete); a
/// failure as its errno, or EIO for one without.
fn library_read() -> Sys<Vec<u8>> {
    match Domains::read() {
        Ok(d) => Ok(format!("{d:?}").into_bytes()),
        Err(landlock_audit::Error::Io { source, .. }) => {
            Err(source.raw_os_error().unwrap_or(libc::EIO))
        }
        Err(landlock_audit::Error::PermissionDenied { .. }) => Err(libc::EACCES),
        Err(_) => Err(libc::EIO),
    }
}

/// Every kind of read, of the top-level files and of the domains `ids`.
fn read_ops(ids: &[DomainId]) -> Vec<(String, Op)> {
    let mut ops: Vec<(String, Op)> = vec![
        (
            "ls domains/".into(),
            Box::new(|| list_path(&format!("{TREE}/domains"))),
        ),
        ("Domains::read()".into(), Box::new(library_read)),
    ];
    for f in ["tasks", "snapshot", "version", "abi_version"] {
        let path = format!("{TREE}/{f}");
        ops.push((f.into(), Box::new(move || read_path(&path))));
    }
    for id in ids {
        let dir = format!("{TREE}/domains/{id}");
        let names = list_path(&dir).unwrap_or_default();
        for name in names
            .split(|&b| b == b'\n')
            .filter(|n| !n.is_empty() && n[0] != b'.')
        {
            let name = String::from_utf8_lossy(name).into_owned();
            let path = format!("{dir}/{name}");
            ops.push((
                format!("domains/<id>/{name}"),
                Box::new(move || read_path(&path)),
            ));
        }
        let d = dir.clone();
        ops.push(("ls domains/<id>/".into(), Box::new(move || list_path(&d))));
    }
    ops
}

fn show(r: &Sys<Vec<u8>>) -> String {
    match r {
        Ok(b) => format!("{} bytes", b.len()),
        Err(e) => errno_name(*e),
    }
}

/// Runs every read with each of its Landlock allocations failing in turn.
/// Returns the tally and a line per kind of read.
fn reads_under_faults(
    ids: &[DomainId],
    who: &str,
    baseline: u64,
    log: &mut FaultLog,
    second: &Second,
) -> Result<[Tally; 2], String> {
    let fail = FailNth::open()?;
    let mut total = [Tally::default(), Tally::default()];
    for (name, op) in read_ops(ids) {
        let want = op();
        for (mode, total) in [Mode::Single, Mode::Double]
            .into_iter()
            .zip(total.iter_mut())
        {
            let t = sweep(&format!("{who}: {name}"), |n| {
                fail.arm(n)?;
                if mode == Mode::Double {
                    second.arm()?;
                }
                let got = op();
                if mode == Mode::Double {
                    second.disarm()?;
                }
                let injected = fail.disarm()?;
                let ctx = || format!("{who}: {name} with fail-nth {n}, {}", mode.name());
                log.check().map_err(|e| format!("{}: {e}", ctx()))?;
                ensure(
                    got == want || (injected && got == Err(libc::ENOMEM)),
                    || {
                        format!(
                            "{}: gave {} where it gives {}",
                            ctx(),
                            show(&got),
                            show(&want)
                        )
                    },
                )?;
                let again = op();
                ensure(again == want, || {
                    format!(
                        "{}: the read after it gave {}, not {}",
                        ctx(),
                        show(&again),
                        show(&want)
                    )
                })?;
                registry_settles(baseline, &ctx())?;
                Ok(injected.then_some(got != want))
            })?;
            println!(
                "#   {who}: {name} ({}), {}: {}",
                show(&want),
                mode.name(),
                t.line()
            );
            total.add(&t);
        }
    }
    Ok(total)
}

// --- the test -------------------------------------------------------------------

pub fn fault_injection() -> TestResult {
    let range = target_landlock();
    let result = range.and_then(|(begin, end)| {
        println!(
            "# faults: Landlock's text {begin:#x}-{end:#x}, {} KiB",
            (end - begin) >> 10
        );
        run()
    });
    untarget();
    result
}

fn run() -> TestResult {
    registry_settles(0, "the earlier tests")?;
    for v in VARIANTS {
        let t = restrict_under_faults(v, Mode::Single)?;
        let two = restrict_under_faults(v, Mode::Double)?;
        println!(
            "# faults: landlock_restrict_self ({}): one failure: {}; two in a row: {}",
            v.name,
            t.line(),
            two.line()
        );
        ensure(
            t.enomem >= v.min_enomem && two.enomem >= v.min_enomem,
            || {
                format!(
                "{}: landlock_restrict_self failed with ENOMEM {} and {} times, fewer than {}: \
                 allocations on its path were not reached",
                v.name, t.enomem, two.enomem, v.min_enomem
            )
            },
        )?;
    }

    // Two domains with a task each: D1 (the daemon) and D2 (its child).
    let daemon = Daemon::spawn(|| {
        restrict(Access::READ_FILE)?;
        fork_sleeper(false, || restrict(Access::MAKE_DIR))?;
        Ok(())
    })?;
    let d = domains()?;
    let d1 = d
        .domain_of_task(daemon.pid as u32)
        .ok_or("the daemon is in no visible domain")?
        .id;
    let d2 = d
        .children(d1)
        .next()
        .ok_or("the daemon's child domain is not visible")?
        .id;
    let ids = [d1, d2];
    registry_settles(2, "the daemons started")?;

    // By root, then by a daemon with CAP_SYS_PTRACE only (rule 2 runs):
    // it reads the kernel log and the registry through descriptors root
    // opened.
    for who in ["root", "CAP_SYS_PTRACE daemon"] {
        let mut log = FaultLog::mark()?;
        let second = Second::open()?;
        let mut reads = move || {
            if who != "root" {
                become_user(2000, 2000, &[CAP_SYS_PTRACE])?;
            }
            let [one, two] = reads_under_faults(&ids, who, 2, &mut log, &second)?;
            println!(
                "# faults: reads by {who}: {} reads; one failure: {}; two in a row: {}",
                read_ops(&ids).len(),
                one.line(),
                two.line()
            );
            ensure(one.enomem > 0 && two.enomem > one.enomem, || {
                format!("reads by {who}: two failures in a row should fail more reads than one")
            })
        };
        if who == "root" {
            reads()?;
        } else {
            crate::sys::in_child(reads)?;
        }
    }
    // A reader that may see neither (uid 3000, no capability: rule 2 fails
    // on the daemon's root tasks): a hidden live domain and an ID that
    // never existed must fail alike whichever allocation fails.  The walk's
    // memory is allocated before the registry lookup; when it was
    // allocated after a hit only, the first failure gave ENOMEM for the
    // live domain and ENOENT for the other: an existence oracle for any
    // reader in a tight memory cgroup.
    let never = DomainId::new(d2.get() ^ 1).ok_or("no twin ID")?;
    crate::sys::in_child(move || {
        become_user(3000, 3000, &[])?;
        let fail = FailNth::open()?;
        let mut enomem = 0;
        for n in 1..=4 {
            let mut got = Vec::new();
            for id in [d2, never] {
                fail.arm(n)?;
                let r = vfs::stat(format!("{TREE}/domains/{id}").as_bytes());
                fail.disarm()?;
                got.push(r.err());
            }
            ensure(got[0] == got[1], || {
                format!(
                    "fail-nth {n}: a hidden domain gave {:?}, a never-existing one {:?}",
                    got[0].map(errno_name),
                    got[1].map(errno_name)
                )
            })?;
            ensure(got[0].is_some(), || {
                format!("fail-nth {n}: the hidden domain was found")
            })?;
            enomem += usize::from(got[0] == Some(libc::ENOMEM));
        }
        println!("# faults: hidden and never-existing IDs fail alike ({enomem} of 4 with ENOMEM)");
        ensure(enomem > 0, || {
            "no allocation failed on a lookup's path".to_string()
        })
    })?;
    drop(daemon);
    registry_settles(0, "the daemons exited")
}
