//! In-VM tests with hostile VFS input, table-driven (`table.rs`): names
//! looked up in `domains/` and `domains/<id>/`, opens with every flag that
//! matters, operations that would change the tree, reads at every size and
//! offset, `getdents64()` with tiny buffers and stale positions, and mounts
//! on domain directories.  Each table prints its size and the outcomes
//! `Documentation/abi.rst` leaves open, and fails with its first failing
//! row; each test also fails on a kernel warning it provoked (`kmsg.rs`).
//!
//! Readers: root (the runner) sees the root daemon's domain A and uid
//! 1001's domain B; uid 1001 sees B only.  A domain F is freed before the
//! rows run.

use crate::kmsg::Kmsg;
use crate::procs::{become_user, Daemon};
use crate::sys::{in_child, Access};
use crate::table::{any_error, data, error_or_data, promised, succeeds, Table, Verdict};
use crate::tree::{domain_of, domains, eventually, restrict};
use crate::vfs::{self, errno_name, Sys};
use crate::{ensure, TestResult, TREE};
use std::os::fd::{AsRawFd, OwnedFd};

const O_RDONLY: i32 = libc::O_RDONLY;
const O_WRONLY: i32 = libc::O_WRONLY;
const O_RDWR: i32 = libc::O_RDWR;

/// The files of a domain directory, in `getdents` order.
pub(crate) const DOMAIN_FILES: [&str; 8] = [
    "parent", "depth", "access", "tasks", "creator", "audit_id", "denials", "rules",
];
/// The top-level files.
pub(crate) const TOP_FILES: [&str; 4] = ["version", "abi_version", "tasks", "snapshot"];

pub(crate) fn p(rel: &str) -> String {
    format!("{TREE}/{rel}")
}

/// The domains the rows look at, and the daemons that keep them alive.
pub(crate) struct Fixture {
    _a: Daemon,
    _b: Daemon,
    /// Root's daemon: visible to root, not to uid 1001.
    pub a: String,
    /// uid 1001's daemon: visible to both.
    pub b: String,
    /// A domain that was freed before the rows run.
    pub freed: String,
    /// A well-formed ID that no domain has (the bit-flipped A, checked
    /// absent): what a never-existing domain looks like.
    pub never: String,
}

pub(crate) fn fixture() -> Result<Fixture, String> {
    let a = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let b = Daemon::spawn(|| {
        become_user(1001, 1001, &[])?;
        restrict(Access::MAKE_REG)
    })?;
    let f = Daemon::spawn(|| restrict(Access::MAKE_SYM))?;
    let d = domains()?;
    let (ia, ib, freed) = (
        domain_of(&d, a.pid)?.id,
        domain_of(&d, b.pid)?.id,
        domain_of(&d, f.pid)?.id.to_string(),
    );
    drop(f);
    let path = p(&format!("domains/{freed}"));
    ensure(
        eventually(10, || {
            matches!(vfs::stat(path.as_bytes()), Err(libc::ENOENT))
        }),
        || format!("the freed domain {freed} is still there"),
    )?;
    let never = format!("{:016x}", ia.get() ^ 1);
    ensure(
        vfs::stat(p(&format!("domains/{never}")).as_bytes()).is_err(),
        || format!("{never} exists"),
    )?;
    Ok(Fixture {
        _a: a,
        _b: b,
        a: ia.to_string(),
        b: ib.to_string(),
        freed,
        never,
    })
}

/// An all-zero `stat` (a regular file of nobody).
pub(crate) fn zeroed_stat() -> libc::stat {
    // SAFETY: a zeroed `stat` is valid.
    unsafe { std::mem::zeroed() }
}

/// `s` repeated to `len` characters.
fn repeat_to(s: &str, len: usize) -> String {
    s.chars().cycle().take(len).collect()
}

/// A name as it appears in a row.
pub(crate) fn label(name: &[u8]) -> String {
    if name.len() > 40 {
        let head: String = String::from_utf8_lossy(&name[..20])
            .chars()
            .take(20)
            .collect();
        format!("{head:?}...({} bytes)", name.len())
    } else {
        format!("{:?}", String::from_utf8_lossy(name))
    }
}

pub(crate) fn is_dir(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFDIR
}

fn is_reg(st: &libc::stat) -> bool {
    st.st_mode & libc::S_IFMT == libc::S_IFREG
}

/// What a name must resolve to.
#[derive(Clone, Copy)]
enum Want {
    /// `ENOENT` (promised).
    Enoent,
    /// A domain directory (mode 0555).
    DomainDir,
    /// A domain file (mode 0444).
    File,
    /// The directory with this inode number (`.`, `..`).
    Ino(u64),
    /// Some error, recorded (the ABI says nothing).
    AnyError,
}

fn by_stat(r: Sys<libc::stat>, want: Want) -> Verdict {
    match (want, r) {
        (Want::Enoent, r) => promised(r, &[libc::ENOENT]),
        (Want::AnyError, r) => any_error(r),
        (Want::DomainDir, Ok(st)) if is_dir(&st) && st.st_mode & 0o7777 == 0o555 => Ok(None),
        (Want::File, Ok(st)) if is_reg(&st) && st.st_mode & 0o7777 == 0o444 => Ok(None),
        (Want::Ino(ino), Ok(st)) if is_dir(&st) && st.st_ino == ino => Ok(None),
        (_, Ok(st)) => Err(format!(
            "resolved to mode {:o} ino {}",
            st.st_mode, st.st_ino
        )),
        (_, Err(e)) => Err(errno_name(e)),
    }
}

fn by_open(r: Sys<OwnedFd>, want: Want) -> Verdict {
    match (want, r) {
        (Want::Enoent, r) => promised(r, &[libc::ENOENT]),
        (Want::AnyError, r) => any_error(r),
        (_, Ok(fd)) => by_stat(vfs::fstat(&fd), want),
        (_, Err(e)) => Err(errno_name(e)),
    }
}

/// Looks `name` up in the directory `dir` (path `dir_path`) three ways:
/// `stat()` of the path, `fstatat()` and `openat()` on a descriptor.
fn lookup_rows(
    t: &mut Table,
    where_: &str,
    dir: &OwnedFd,
    dir_path: &str,
    name: &[u8],
    want: Want,
) {
    let target = format!("{where_}{}", label(name));
    let mut path = format!("{dir_path}/").into_bytes();
    path.extend_from_slice(name);
    t.row("stat", &target, by_stat(vfs::stat(&path), want));
    if name.is_empty() {
        // "" is no name: the path is the directory itself, and the
        // *at() calls fail without AT_EMPTY_PATH.
        t.row(
            "openat",
            &target,
            any_error(vfs::openat(dir, name, O_RDONLY)),
        );
        return;
    }
    t.row("fstatat", &target, by_stat(vfs::fstatat(dir, name), want));
    if !matches!(want, Want::File) {
        let flags = O_RDONLY | libc::O_NOFOLLOW;
        t.row(
            "openat",
            &target,
            by_open(vfs::openat(dir, name, flags), want),
        );
    }
}

/// Names of every length 0-64 built from `base`: lowercase, uppercase and
/// non-hex, and hex with one bad last character.
fn generated_names(base: &str) -> Vec<String> {
    let mut v = Vec::new();
    for len in 0..=64 {
        v.push(repeat_to(base, len));
        v.push(repeat_to("FEDCBA9876543210", len));
        let upper = repeat_to(&base.to_uppercase(), len);
        if upper != repeat_to(base, len) {
            v.push(upper);
        }
        v.push(repeat_to("ghijklmnopqrstuv", len));
        if len > 0 {
            v.push(format!("{}g", repeat_to(base, len - 1)));
        }
    }
    v
}

/// The rows of the names table for a reader that sees the IDs in
/// `visible` (`live` among them: the base of the generated names) and not
/// those in `hidden`.
fn names_rows(t: &mut Table, live: &str, visible: &[&str], hidden: &[&str]) -> TestResult {
    let domains_path = p("domains");
    let dfd = vfs::open(&domains_path, libc::O_PATH | libc::O_DIRECTORY)
        .map_err(|e| format!("domains/: {}", errno_name(e)))?;
    let domains_ino = vfs::fstat(&dfd).map_err(errno_name)?.st_ino;
    let tree_ino = vfs::stat(TREE.as_bytes()).map_err(errno_name)?.st_ino;
    let want_in_domains = |name: &str| {
        if visible.contains(&name) {
            Want::DomainDir
        } else {
            Want::Enoent
        }
    };
    // --- domains/ ---
    let w = "domains/";
    for name in generated_names(live) {
        let want = if name.is_empty() {
            Want::Ino(domains_ino)
        } else {
            want_in_domains(&name)
        };
        lookup_rows(t, w, &dfd, &domains_path, name.as_bytes(), want);
    }
    let n: u64 = u64::from_str_radix(live, 16).map_err(|e| e.to_string())?;
    let mut specials: Vec<(String, Want)> = vec![
        (".".into(), Want::Ino(domains_ino)),
        ("..".into(), Want::Ino(tree_ino)),
        ("...".into(), Want::Enoent),
        (" ".into(), Want::Enoent),
        ("\n".into(), Want::Enoent),
        ("\t".into(), Want::Enoent),
        ("-".into(), Want::Enoent),
        ("0".into(), Want::Enoent),
        ("00".into(), Want::Enoent),
        ("0000000000000000".into(), Want::Enoent),
        ("0000000000000001".into(), Want::Enoent),
        ("0fffffffffffffff".into(), Want::Enoent),
        ("1000000000000000".into(), Want::Enoent),
        ("fffffffffffffff".into(), Want::Enoent),
        ("ffffffffffffffff".into(), Want::Enoent),
        ("10000000000000000".into(), Want::Enoent),
        ("18446744073709551615".into(), Want::Enoent),
        ("-1".into(), Want::Enoent),
        (n.to_string(), Want::Enoent),
        (format!("{n:o}"), Want::Enoent),
        (format!("{:016x}", n ^ (1 << 63)), Want::Enoent),
        (format!("{:016x}", n.wrapping_add(1)), Want::Enoent),
        (format!("0x{}", &live[..14]), Want::Enoent),
        (format!("0x{live}"), Want::Enoent),
        (format!("0{live}"), Want::Enoent),
        (format!("{live}0"), Want::Enoent),
        (format!("+{}", &live[1..]), Want::Enoent),
        (format!(" {}", &live[1..]), Want::Enoent),
        (format!("{} ", &live[..15]), Want::Enoent),
        (format!("{live}\n"), Want::Enoent),
        (format!("{live} "), Want::Enoent),
        (format!("{live}."), Want::Enoent),
        ("é".repeat(8), Want::Enoent),
        ("a".repeat(255), Want::Enoent),
        ("a".repeat(256), Want::AnyError),
        // `/` separates components: these check the walk.
        (format!("{live}/"), Want::DomainDir),
        (format!("{live}//"), Want::DomainDir),
        (format!("{live}/."), Want::DomainDir),
        (format!("{live}/.."), Want::Ino(domains_ino)),
        (format!("{live}/../.."), Want::Ino(tree_ino)),
        (format!("{}/{}", &live[..8], &live[8..]), Want::Enoent),
        (format!("x/{live}"), Want::Enoent),
        (format!("{live}/x"), Want::Enoent),
        (format!("./{live}"), Want::DomainDir),
        (format!("../domains/{live}"), Want::DomainDir),
    ];
    for v in visible {
        specials.push(((*v).to_owned(), Want::DomainDir));
    }
    for h in hidden {
        specials.push(((*h).to_owned(), Want::Enoent));
        specials.push((format!("{h}/"), Want::Enoent));
        for f in DOMAIN_FILES {
            specials.push((format!("{h}/{f}"), Want::Enoent));
        }
        specials.push((format!("{h}/."), Want::Enoent));
        specials.push((format!("{h}/.."), Want::Enoent));
    }
    for (name, want) in &specials {
        lookup_rows(t, w, &dfd, &domains_path, name.as_bytes(), *want);
    }
    // Bytes that are not UTF-8, and a NUL: the kernel reads the name up to
    // the NUL, so `<live>\0junk` is `<live>`.
    lookup_rows(t, w, &dfd, &domains_path, &[0xff; 16], Want::Enoent);
    lookup_rows(t, w, &dfd, &domains_path, &[0x80; 16], Want::Enoent);
    let mut nul = live.as_bytes().to_vec();
    nul.extend_from_slice(b"\0junk\0");
    t.row(
        "openat (embedded NUL: the name ends there)",
        &format!("domains/{}", label(&nul)),
        by_open(vfs::openat_bytes(&dfd, &nul, O_RDONLY), Want::DomainDir),
    );
    t.row(
        "stat (a path with a NUL cannot be made)",
        &format!("domains/{}", label(&nul)),
        promised(vfs::cpath(&nul), &[libc::EINVAL]),
    );

    // --- domains/<live>/ ---
    let live_path = p(&format!("domains/{live}"));
    let lfd = vfs::open(&live_path, libc::O_PATH | libc::O_DIRECTORY)
        .map_err(|e| format!("domains/{live}: {}", errno_name(e)))?;
    let live_ino = vfs::fstat(&lfd).map_err(errno_name)?.st_ino;
    let w = "domains/<id>/";
    for name in generated_names(live) {
        let want = if name.is_empty() {
            Want::Ino(live_ino)
        } else {
            Want::Enoent
        };
        lookup_rows(t, w, &lfd, &live_path, name.as_bytes(), want);
    }
    let mut in_dir: Vec<(String, Want)> = vec![
        (".".into(), Want::Ino(live_ino)),
        ("..".into(), Want::Ino(domains_ino)),
        ("./..".into(), Want::Ino(domains_ino)),
        ("../..".into(), Want::Ino(tree_ino)),
        (format!("../{live}"), Want::DomainDir),
        ("...".into(), Want::Enoent),
        (live.to_owned(), Want::Enoent),
        ("a".repeat(255), Want::Enoent),
        ("a".repeat(256), Want::AnyError),
        ("é".repeat(8), Want::Enoent),
    ];
    for f in DOMAIN_FILES {
        in_dir.push((f.to_owned(), Want::File));
        in_dir.push((format!("./{f}"), Want::File));
        in_dir.push((f.to_uppercase(), Want::Enoent));
        in_dir.push((format!("{f} "), Want::Enoent));
        in_dir.push((format!(" {f}"), Want::Enoent));
        in_dir.push((format!("{f}\n"), Want::Enoent));
        in_dir.push((format!("{f}."), Want::Enoent));
        in_dir.push((format!("{f}~"), Want::Enoent));
        in_dir.push((f[..f.len() - 1].to_owned(), Want::Enoent));
        in_dir.push((format!("{f}{}", &f[f.len() - 1..]), Want::Enoent));
        // A file is no directory: ENOTDIR from the walk.
        in_dir.push((format!("{f}/"), Want::AnyError));
        in_dir.push((format!("{f}/."), Want::AnyError));
        in_dir.push((format!("{f}/.."), Want::AnyError));
        in_dir.push((format!("{f}/x"), Want::AnyError));
    }
    for other in [
        "version",
        "abi_version",
        "snapshot",
        "domains",
        "audit",
        "auditid",
        "task",
        "tasks2",
        "parents",
        "children",
        "id",
        "comm",
        "exe",
        "lsm",
    ] {
        in_dir.push((other.to_owned(), Want::Enoent));
    }
    for (name, want) in &in_dir {
        lookup_rows(t, w, &lfd, &live_path, name.as_bytes(), *want);
    }
    lookup_rows(t, w, &lfd, &live_path, &[0xff; 6], Want::Enoent);
    Ok(())
}

/// Names looked up in `domains/` and `domains/<id>/`: every length 0-64,
/// upper and lower case, non-hex, `/`, `.`, `..`, boundary values, a freed
/// domain and a domain the reader may not see.
pub fn hostile_names_are_enoent() -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let fx = fixture()?;
    println!(
        "# a name with an embedded NUL cannot reach the kernel through a path (it reads \
         the path up to its first NUL: one row passes <id>\\0junk and gets <id>); `/` \
         separates components, so no name contains it (rows with `/` check the walk)"
    );
    let mut t = Table::new("names, root (sees A and B; F freed)");
    names_rows(&mut t, &fx.a, &[&fx.a, &fx.b], &[&fx.freed, &fx.never])?;
    let root = t.finish();
    let (a, b, freed, never) = (
        fx.a.clone(),
        fx.b.clone(),
        fx.freed.clone(),
        fx.never.clone(),
    );
    let user = in_child(move || {
        become_user(1001, 1001, &[])?;
        let mut t = Table::new("names, uid 1001 (sees B only; A is root's, F freed)");
        names_rows(&mut t, &b, &[&b], &[&a, &freed, &never])?;
        t.finish()
    });
    root?;
    user?;
    kmsg.check()
}

// ---------------------------------------------------------------------------
// Opens

/// What an open with some flags must give.
#[derive(Clone, Copy)]
enum Expect {
    /// Success, and reads give the file's content.
    Data,
    /// One of these errnos (promised by the ABI).
    Errno(&'static [i32]),
    /// Some error, recorded.
    AnyError,
    /// An error, or the file's content: recorded.
    ErrorOrData,
    /// `O_PATH`: success, no reads, reopening through `/proc/self/fd`.
    PathOnly,
}

const EACCES: &[i32] = &[libc::EACCES];
const ENOENT: &[i32] = &[libc::ENOENT];

/// Flags on a file, and what they give on a file the reader may read.
const FILE_FLAGS: [(&str, i32, Expect); 23] = [
    ("O_RDONLY", O_RDONLY, Expect::Data),
    ("O_RDONLY|O_NOFOLLOW", libc::O_NOFOLLOW, Expect::Data),
    ("O_RDONLY|O_NONBLOCK", libc::O_NONBLOCK, Expect::Data),
    // A lookup that means to create answers "no such entry" for every
    // name without any check (it holds the directory's lock exclusively),
    // so even an existing file the reader may read is EACCES with O_CREAT.
    ("O_RDONLY|O_CREAT", libc::O_CREAT, Expect::Errno(EACCES)),
    (
        "O_RDONLY|O_CREAT|O_EXCL",
        libc::O_CREAT | libc::O_EXCL,
        Expect::AnyError,
    ),
    ("O_RDONLY|O_TRUNC", libc::O_TRUNC, Expect::ErrorOrData),
    ("O_RDONLY|O_APPEND", libc::O_APPEND, Expect::ErrorOrData),
    ("O_RDONLY|O_DIRECT", libc::O_DIRECT, Expect::ErrorOrData),
    ("O_RDONLY|O_SYNC", libc::O_SYNC, Expect::ErrorOrData),
    ("O_RDONLY|O_NOATIME", libc::O_NOATIME, Expect::ErrorOrData),
    ("O_RDONLY|O_DIRECTORY", libc::O_DIRECTORY, Expect::AnyError),
    ("O_WRONLY", O_WRONLY, Expect::Errno(EACCES)),
    ("O_RDWR", O_RDWR, Expect::Errno(EACCES)),
    (
        "O_WRONLY|O_TRUNC",
        O_WRONLY | libc::O_TRUNC,
        Expect::Errno(EACCES),
    ),
    (
        "O_RDWR|O_TRUNC",
        O_RDWR | libc::O_TRUNC,
        Expect::Errno(EACCES),
    ),
    (
        "O_WRONLY|O_APPEND",
        O_WRONLY | libc::O_APPEND,
        Expect::Errno(EACCES),
    ),
    (
        "O_WRONLY|O_CREAT",
        O_WRONLY | libc::O_CREAT,
        Expect::Errno(EACCES),
    ),
    (
        "O_RDWR|O_CREAT|O_TRUNC",
        O_RDWR | libc::O_CREAT | libc::O_TRUNC,
        Expect::Errno(EACCES),
    ),
    (
        "O_WRONLY|O_NOFOLLOW",
        O_WRONLY | libc::O_NOFOLLOW,
        Expect::Errno(EACCES),
    ),
    ("O_PATH", libc::O_PATH, Expect::PathOnly),
    ("O_PATH|O_RDWR", libc::O_PATH | O_RDWR, Expect::PathOnly),
    (
        "O_TMPFILE|O_RDWR",
        libc::O_TMPFILE | O_RDWR,
        Expect::AnyError,
    ),
    (
        "O_TMPFILE|O_WRONLY",
        libc::O_TMPFILE | O_WRONLY,
        Expect::AnyError,
    ),
];

/// Flags on a directory.
const DIR_FLAGS: [(&str, i32, Expect); 13] = [
    ("O_RDONLY|O_DIRECTORY", libc::O_DIRECTORY, Expect::Data),
    ("O_RDONLY", O_RDONLY, Expect::Data),
    (
        "O_RDONLY|O_NOFOLLOW",
        libc::O_NOFOLLOW | libc::O_DIRECTORY,
        Expect::Data,
    ),
    ("O_RDONLY|O_APPEND", libc::O_APPEND, Expect::ErrorOrData),
    ("O_WRONLY", O_WRONLY, Expect::AnyError),
    ("O_RDWR", O_RDWR, Expect::AnyError),
    (
        "O_WRONLY|O_DIRECTORY",
        O_WRONLY | libc::O_DIRECTORY,
        Expect::AnyError,
    ),
    ("O_RDONLY|O_TRUNC", libc::O_TRUNC, Expect::AnyError),
    ("O_RDONLY|O_CREAT", libc::O_CREAT, Expect::AnyError),
    (
        "O_TMPFILE|O_RDWR",
        libc::O_TMPFILE | O_RDWR,
        Expect::AnyError,
    ),
    (
        "O_TMPFILE|O_WRONLY",
        libc::O_TMPFILE | O_WRONLY,
        Expect::AnyError,
    ),
    ("O_PATH", libc::O_PATH, Expect::PathOnly),
    (
        "O_PATH|O_DIRECTORY",
        libc::O_PATH | libc::O_DIRECTORY,
        Expect::PathOnly,
    ),
];

/// The content a reader gets from a file or a directory: the bytes of a
/// file, the names of a directory's entries (one per line).
pub(crate) fn content_of(fd: &OwnedFd) -> Sys<Vec<u8>> {
    // No fstat() to tell them apart: it fails once the domain is gone,
    // while the descriptor's content may still be read.
    match vfs::list_all(fd.as_raw_fd()) {
        Ok(entries) => {
            let mut out = Vec::new();
            for d in entries {
                out.extend_from_slice(&d.name);
                out.push(b'\n');
            }
            Ok(out)
        }
        Err(libc::ENOTDIR) => {
            vfs::lseek(fd.as_raw_fd(), 0, libc::SEEK_SET)?;
            vfs::read_to_end(fd.as_raw_fd())
        }
        Err(e) => Err(e),
    }
}

pub(crate) fn read_path(path: &str) -> Sys<Vec<u8>> {
    let flags = if vfs::stat(path.as_bytes()).is_ok_and(|st| is_dir(&st)) {
        O_RDONLY | libc::O_DIRECTORY
    } else {
        O_RDONLY
    };
    content_of(&vfs::open(path, flags)?)
}

/// Reopens an `O_PATH` descriptor through `/proc/self/fd`.
fn reopen(fd: &OwnedFd, flags: i32) -> Sys<OwnedFd> {
    vfs::open(&format!("/proc/self/fd/{}", fd.as_raw_fd()), flags)
}

/// The rows of one open: `flags` on `path` (labelled `target`), whose
/// content is `want` (for a reader allowed to read it).
fn open_rows(t: &mut Table, target: &str, path: &str, flags: (&str, i32, Expect), want: &[u8]) {
    let (fname, f, expect) = flags;
    let r = vfs::open(path, f);
    let v = match expect {
        Expect::Data => data(r.and_then(|fd| content_of(&fd)), want),
        Expect::Errno(errnos) => promised(r, errnos),
        Expect::AnyError => any_error(r),
        Expect::ErrorOrData => error_or_data(r.and_then(|fd| content_of(&fd)), want),
        Expect::PathOnly => match r {
            Err(e) => Err(errno_name(e)),
            Ok(fd) => {
                t.row(
                    &format!("{fname}: read"),
                    target,
                    any_error(vfs::read(fd.as_raw_fd(), 4096)),
                );
                t.row(
                    &format!("{fname}: fstat"),
                    target,
                    succeeds(vfs::fstat(&fd)),
                );
                let again = if is_dir(&vfs::fstat(&fd).unwrap_or_else(|_| zeroed_stat())) {
                    O_RDONLY | libc::O_DIRECTORY
                } else {
                    O_RDONLY
                };
                t.row(
                    &format!("{fname}: reopen O_RDONLY via /proc/self/fd"),
                    target,
                    data(reopen(&fd, again).and_then(|f| content_of(&f)), want),
                );
                t.row(
                    &format!("{fname}: reopen O_RDWR via /proc/self/fd"),
                    target,
                    any_error(reopen(&fd, O_RDWR)),
                );
                Ok(None)
            }
        },
    };
    t.row(fname, target, v);
}

/// Rows for every flag on every file and directory of the tree that
/// `readable` lists (label, path), for a reader allowed to read them.
fn open_table(t: &mut Table, readable: &[(String, String)]) -> TestResult {
    for (target, path) in readable {
        let want = read_path(path).map_err(|e| format!("reading {target}: {}", errno_name(e)))?;
        let dir = vfs::stat(path.as_bytes()).is_ok_and(|st| is_dir(&st));
        let table: &[(&str, i32, Expect)] = if dir { &DIR_FLAGS } else { &FILE_FLAGS };
        // The fixed files are securityfs's own: there, O_CREAT of an
        // existing file opens it.  Only the dynamic entries (domains/)
        // answer every create-intent lookup with "no such entry".
        let dynamic = path.contains("/domains/");
        for &(fname, f, expect) in table {
            let expect = if !dynamic && !dir && f == libc::O_CREAT {
                Expect::Data
            } else {
                expect
            };
            open_rows(t, target, path, (fname, f, expect), &want);
        }
    }
    Ok(())
}

/// Every flag on a path the reader may not see (or that does not exist):
/// the outcome must not depend on which, and a path inside the domain's
/// directory is `ENOENT`.
fn hidden_rows(t: &mut Table, hidden: &str, never: &str) {
    let rel = |id: &str, f: &str| {
        if f.is_empty() {
            p(&format!("domains/{id}"))
        } else {
            p(&format!("domains/{id}/{f}"))
        }
    };
    for f in std::iter::once("").chain(DOMAIN_FILES) {
        let target = format!("domains/<hidden>/{f}");
        for &(fname, flags, _) in FILE_FLAGS.iter().chain(DIR_FLAGS.iter()) {
            let got = vfs::open(&rel(hidden, f), flags).map(|_| ());
            let twin = vfs::open(&rel(never, f), flags).map(|_| ());
            let v = if f.is_empty() {
                // Opening domains/<id> itself with O_CREAT gets the VFS's
                // EACCES for a name that does not exist: the same for both.
                match (got, twin) {
                    (Err(a), Err(b)) if a == b => {
                        if a == libc::ENOENT {
                            Ok(None)
                        } else {
                            Ok(Some(format!(
                                "{} (as for a domain that never existed)",
                                errno_name(a)
                            )))
                        }
                    }
                    (a, b) => Err(format!(
                        "hidden gave {:?}, never-existing gave {:?}",
                        a.map_err(errno_name),
                        b.map_err(errno_name)
                    )),
                }
            } else {
                match (promised(got, ENOENT), promised(twin, ENOENT)) {
                    (Ok(_), Ok(_)) => Ok(None),
                    (Err(e), _) => Err(format!("hidden: {e}")),
                    (_, Err(e)) => Err(format!("never existing: {e}")),
                }
            };
            t.row(fname, &target, v);
        }
    }
}

/// O_CREAT of a name that does not exist, in each directory.
fn create_rows(t: &mut Table, dirs: &[(String, String, Option<&'static [i32]>)]) {
    for (target, dir, promise) in dirs {
        for (fname, flags) in [
            ("O_RDONLY|O_CREAT (new name)", libc::O_CREAT),
            ("O_WRONLY|O_CREAT (new name)", O_WRONLY | libc::O_CREAT),
            (
                "O_RDWR|O_CREAT|O_EXCL (new name)",
                O_RDWR | libc::O_CREAT | libc::O_EXCL,
            ),
        ] {
            for name in ["new", "3f9a0c21d4e8b157", "parent2"] {
                let r = vfs::open(&format!("{dir}/{name}"), flags);
                let v = match promise {
                    Some(errnos) => promised(r, errnos),
                    None => any_error(r),
                };
                t.row(fname, &format!("{target}{name}"), v);
            }
        }
    }
}

/// Descriptors held across the death of their domain.
fn held_rows(t: &mut Table) -> TestResult {
    let d = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = domain_of(&domains()?, d.pid)?.id.to_string();
    let dir = p(&format!("domains/{id}"));
    let open =
        |path: &str, f: i32| vfs::open(path, f).map_err(|e| format!("{path}: {}", errno_name(e)));
    let path_fd = open(&dir, libc::O_PATH | libc::O_DIRECTORY)?;
    let dir_fd = open(&dir, O_RDONLY | libc::O_DIRECTORY)?;
    let domains_fd = open(&p("domains"), O_RDONLY | libc::O_DIRECTORY)?;
    let files: Vec<(&str, OwnedFd, Vec<u8>)> = DOMAIN_FILES
        .iter()
        .map(|f| {
            let path = format!("{dir}/{f}");
            let fd = open(&path, O_RDONLY)?;
            let before = read_path(&path).map_err(errno_name)?;
            Ok((*f, fd, before))
        })
        .collect::<Result<_, String>>()?;
    let listing = content_of(&domains_fd).map_err(errno_name)?;
    let dir_listing = content_of(&dir_fd).map_err(errno_name)?;
    drop(d);
    ensure(
        eventually(10, || vfs::stat(dir.as_bytes()).is_err()),
        || format!("{dir} outlived its daemon"),
    )?;
    let w = "held across death: ";
    for (f, fd, before) in &files {
        let r = vfs::pread(fd.as_raw_fd(), 1 << 16, 0);
        t.row(
            "pread (the snapshot of the open)",
            &format!("{w}{f}"),
            data(r, before),
        );
        t.row(
            "reopen via /proc/self/fd",
            &format!("{w}{f}"),
            promised(reopen(fd, O_RDONLY), ENOENT),
        );
        t.row(
            "fchmod",
            &format!("{w}{f}"),
            // SAFETY: plain fchmod(2) on our descriptor.
            promised(
                vfs::ret(unsafe { libc::fchmod(fd.as_raw_fd(), 0o666) }.into()),
                &[libc::EPERM],
            ),
        );
        t.row(
            "fstat",
            &format!("{w}{f}"),
            promised(vfs::fstat(fd), ENOENT),
        );
    }
    t.row(
        "fstat (O_PATH)",
        &format!("{w}domains/<id>"),
        promised(vfs::fstat(&path_fd), ENOENT),
    );
    for f in DOMAIN_FILES {
        t.row(
            "openat (O_PATH dir)",
            &format!("{w}domains/<id>/{f}"),
            promised(vfs::openat(&path_fd, f.as_bytes(), O_RDONLY), ENOENT),
        );
    }
    t.row(
        "reopen via /proc/self/fd",
        &format!("{w}domains/<id> (O_PATH)"),
        promised(reopen(&path_fd, O_RDONLY | libc::O_DIRECTORY), ENOENT),
    );
    t.row(
        "getdents from 0",
        &format!("{w}domains/<id>"),
        error_or_data(content_of(&dir_fd), &dir_listing),
    );
    t.row(
        "getdents from 0 (snapshot listing)",
        &format!("{w}domains/"),
        data(content_of(&domains_fd), &listing),
    );
    Ok(())
}

/// Opens of each file and directory with every flag that matters; writes
/// are refused (`EACCES`), reads give the content, outcomes the ABI leaves
/// open are recorded.
pub fn hostile_opens_error_or_data() -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let fx = fixture()?;
    let mut t = Table::new("opens, root");
    let mut readable: Vec<(String, String)> =
        TOP_FILES.iter().map(|f| ((*f).to_owned(), p(f))).collect();
    for f in DOMAIN_FILES {
        readable.push((
            format!("domains/<A>/{f}"),
            p(&format!("domains/{}/{f}", fx.a)),
        ));
    }
    readable.push(("landlock/".into(), TREE.to_owned()));
    readable.push(("domains/".into(), p("domains")));
    readable.push(("domains/<A>/".into(), p(&format!("domains/{}", fx.a))));
    open_table(&mut t, &readable)?;
    create_rows(
        &mut t,
        &[
            ("landlock/".into(), TREE.to_owned(), None),
            ("domains/".into(), p("domains"), None),
            (
                "domains/<A>/".into(),
                p(&format!("domains/{}", fx.a)),
                Some(EACCES),
            ),
            (
                "domains/<freed>/".into(),
                p(&format!("domains/{}", fx.freed)),
                Some(ENOENT),
            ),
        ],
    );
    hidden_rows(&mut t, &fx.freed, &fx.never);
    held_rows(&mut t)?;
    let root = t.finish();
    let (a, b, never) = (fx.a.clone(), fx.b.clone(), fx.never.clone());
    let user = in_child(move || {
        become_user(1001, 1001, &[])?;
        let mut t = Table::new("opens, uid 1001 (B is its own, A root's)");
        let mut readable: Vec<(String, String)> = ["version", "abi_version", "tasks", "snapshot"]
            .iter()
            .map(|f| ((*f).to_owned(), p(f)))
            .collect();
        for f in ["parent", "depth", "access", "tasks"] {
            readable.push((format!("domains/<B>/{f}"), p(&format!("domains/{b}/{f}"))));
        }
        readable.push(("domains/".into(), p("domains")));
        readable.push(("domains/<B>/".into(), p(&format!("domains/{b}"))));
        open_table(&mut t, &readable)?;
        // creator, audit_id, denials and rules need a capability: EACCES
        // for any open.
        for f in ["creator", "audit_id", "denials", "rules"] {
            let path = p(&format!("domains/{b}/{f}"));
            for &(fname, flags, expect) in &FILE_FLAGS {
                let r = vfs::open(&path, flags);
                // The capability check is the open's: flags the VFS refuses
                // before it (O_NOATIME of another's file: EPERM) give their
                // own error.
                let v = match expect {
                    Expect::PathOnly => succeeds(r),
                    Expect::AnyError | Expect::ErrorOrData => any_error(r),
                    Expect::Errno(errnos) => promised(r, errnos),
                    Expect::Data => promised(r, EACCES),
                };
                t.row(fname, &format!("domains/<B>/{f}"), v);
            }
        }
        create_rows(
            &mut t,
            &[
                ("landlock/".into(), TREE.to_owned(), Some(EACCES)),
                ("domains/".into(), p("domains"), Some(EACCES)),
                (
                    "domains/<B>/".into(),
                    p(&format!("domains/{b}")),
                    Some(EACCES),
                ),
                (
                    "domains/<A>/".into(),
                    p(&format!("domains/{a}")),
                    Some(ENOENT),
                ),
            ],
        );
        hidden_rows(&mut t, &a, &never);
        t.finish()
    });
    root?;
    user?;
    // Nothing changed.
    for f in DOMAIN_FILES {
        let path = p(&format!("domains/{}/{f}", fx.a));
        let st = vfs::stat(path.as_bytes()).map_err(errno_name)?;
        ensure(
            st.st_mode == libc::S_IFREG | 0o444 && st.st_size == 0,
            || format!("{path}: mode {:o} size {}", st.st_mode, st.st_size),
        )?;
    }
    kmsg.check()
}
