//! In-VM tests with hostile VFS input, continued (see `hostile.rs`):
//! operations that would change the tree, reads at every size and offset,
//! `lseek()`, and `getdents64()` with tiny buffers and stale positions while
//! domains die.

use crate::hostile::{fixture, p, read_path, DOMAIN_FILES, TOP_FILES};
use crate::kmsg::Kmsg;
use crate::procs::{become_user, Daemon};
use crate::sys::{in_child, Access};
use crate::table::{
    any_error, data, error_or_data, promised, recorded, show, succeeds, Table, Verdict,
};
use crate::tree::{domain_of, domains, eventually, list_domains, recv_fds, restrict, send_fds};
use crate::vfs::{self, errno_name, Dirent, Sys};
use crate::{ensure, TestResult, TREE};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const EPERM_EACCES: &[i32] = &[libc::EPERM, libc::EACCES];
const XATTR_SET: &[i32] = &[libc::EOPNOTSUPP, libc::EPERM, libc::EACCES];

/// A small deterministic generator (xorshift64*), for reproducible rows.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn c(s: &str) -> Sys<std::ffi::CString> {
    vfs::cpath(s.as_bytes())
}

/// Runs `f` and maps -1 to errno.
fn sys(f: impl FnOnce() -> libc::c_long) -> Sys<libc::c_long> {
    vfs::ret(f())
}

/// `listxattr()`: an empty list (the tree has no attributes) or an error.
fn xattr_list(r: Sys<libc::c_long>) -> Verdict {
    match r {
        Ok(0) => Ok(Some("empty list".into())),
        Ok(n) => Err(format!("{n} bytes of attribute names")),
        Err(e) => Ok(Some(errno_name(e))),
    }
}

/// Rows for operations on a directory of the tree (as root).
fn dir_ops(t: &mut Table, label: &str, dir: &str, parent_is_ours: bool, tmp: &str) -> Sys<()> {
    let new = format!("{dir}/new");
    let cnew = c(&new)?;
    let cdir = c(dir)?;
    let tl = |op: &str| (op.to_owned(), label.to_owned());
    let rows: Vec<((String, String), Verdict)> = vec![
        (
            tl("mkdir"),
            // SAFETY: valid C strings in all the calls below.
            promised(
                sys(|| unsafe { libc::mkdir(cnew.as_ptr(), 0o755) }.into()),
                EPERM_EACCES,
            ),
        ),
        (
            tl("mkdir (an ID-shaped name)"),
            promised(
                vfs::path_call(&format!("{dir}/3f9a0c21d4e8b157"), |p| unsafe {
                    libc::mkdir(p, 0o755)
                }),
                EPERM_EACCES,
            ),
        ),
        (
            tl("mknod S_IFIFO"),
            promised(
                sys(|| unsafe { libc::mknod(cnew.as_ptr(), libc::S_IFIFO | 0o600, 0) }.into()),
                EPERM_EACCES,
            ),
        ),
        (
            tl("mknod S_IFREG"),
            promised(
                sys(|| unsafe { libc::mknod(cnew.as_ptr(), libc::S_IFREG | 0o600, 0) }.into()),
                EPERM_EACCES,
            ),
        ),
        (
            tl("mknod S_IFCHR 1:3"),
            promised(
                sys(|| {
                    unsafe {
                        libc::mknod(cnew.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3))
                    }
                    .into()
                }),
                EPERM_EACCES,
            ),
        ),
        (
            tl("symlink"),
            promised(
                vfs::path2_call("version", &new, |a, b| unsafe { libc::symlink(a, b) }),
                EPERM_EACCES,
            ),
        ),
        (
            tl("link (a tmpfs file into the tree)"),
            any_error(vfs::path2_call(
                &format!("{tmp}/file"),
                &new,
                |a, b| unsafe { libc::link(a, b) },
            )),
        ),
        (
            tl("link (a tree file into this directory)"),
            promised(
                vfs::path2_call(&p("version"), &new, |a, b| unsafe { libc::link(a, b) }),
                EPERM_EACCES,
            ),
        ),
        (
            tl("rename (a tmpfs file into the tree)"),
            any_error(vfs::path2_call(
                &format!("{tmp}/file"),
                &new,
                |a, b| unsafe { libc::rename(a, b) },
            )),
        ),
        (
            tl("rename (the directory to tmpfs)"),
            any_error(vfs::path2_call(
                dir,
                &format!("{tmp}/moved"),
                |a, b| unsafe { libc::rename(a, b) },
            )),
        ),
        (
            tl("rename (the directory to a new name beside it)"),
            if parent_is_ours {
                promised(
                    vfs::path2_call(dir, &format!("{dir}-moved"), |a, b| unsafe {
                        libc::rename(a, b)
                    }),
                    EPERM_EACCES,
                )
            } else {
                any_error(vfs::path2_call(
                    dir,
                    &format!("{dir}-moved"),
                    |a, b| unsafe { libc::rename(a, b) },
                ))
            },
        ),
        (
            tl("rmdir"),
            if parent_is_ours {
                promised(
                    sys(|| unsafe { libc::rmdir(cdir.as_ptr()) }.into()),
                    EPERM_EACCES,
                )
            } else {
                any_error(sys(|| unsafe { libc::rmdir(cdir.as_ptr()) }.into()))
            },
        ),
        (
            tl("chmod 0777"),
            promised(
                sys(|| unsafe { libc::chmod(cdir.as_ptr(), 0o777) }.into()),
                &[libc::EPERM],
            ),
        ),
        (
            tl("chown 1000:1000"),
            promised(
                sys(|| unsafe { libc::chown(cdir.as_ptr(), 1000, 1000) }.into()),
                &[libc::EPERM],
            ),
        ),
        (tl("utimensat (explicit)"), utimes(dir, true)),
        (tl("utimensat (now)"), any_error(utimes_raw(dir, false))),
        (
            tl("setxattr user.x"),
            promised(setxattr(dir, "user.x"), XATTR_SET),
        ),
        (tl("listxattr"), xattr_list(listxattr(dir))),
        (
            tl("truncate"),
            any_error(sys(|| unsafe { libc::truncate(cdir.as_ptr(), 0) }.into())),
        ),
    ];
    for ((op, target), v) in rows {
        t.row(&op, &target, v);
    }
    Ok(())
}

/// `utimensat()` with explicit times (promised EPERM) or "now".
fn utimes_raw(path: &str, explicit: bool) -> Sys<()> {
    let ts = [
        libc::timespec {
            tv_sec: 1_000_000,
            tv_nsec: 0,
        },
        libc::timespec {
            tv_sec: 1_000_000,
            tv_nsec: 0,
        },
    ];
    vfs::path_call(path, |p| {
        // SAFETY: valid path; `ts` is two timespecs or NULL.
        unsafe {
            libc::utimensat(
                libc::AT_FDCWD,
                p,
                if explicit {
                    ts.as_ptr()
                } else {
                    std::ptr::null()
                },
                0,
            )
        }
    })
}

fn utimes(path: &str, explicit: bool) -> Verdict {
    promised(utimes_raw(path, explicit), &[libc::EPERM])
}

fn setxattr(path: &str, name: &str) -> Sys<()> {
    let n = c(name)?;
    vfs::path_call(path, |p| {
        // SAFETY: valid path, name and one byte of value.
        unsafe { libc::setxattr(p, n.as_ptr(), c"1".as_ptr().cast(), 1, 0) }
    })
}

fn listxattr(path: &str) -> Sys<libc::c_long> {
    let cp = c(path)?;
    let mut buf = [0 as libc::c_char; 1024];
    // SAFETY: valid path and buffer.
    sys(|| unsafe { libc::listxattr(cp.as_ptr(), buf.as_mut_ptr(), buf.len()) } as libc::c_long)
}

/// Rows for operations on a file of the tree (as root): `sibling` is
/// another file of the same directory.
fn file_ops(
    t: &mut Table,
    label: &str,
    path: &str,
    sibling: &str,
    domain_file: bool,
    tmp: &str,
) -> Sys<()> {
    let dir = path.rsplit_once('/').map_or(TREE, |x| x.0);
    let cp = c(path)?;
    let new = format!("{dir}/new");
    let ren = |a: &str, b: &str, flags: u32| {
        vfs::path2_call(a, b, |x, y| {
            // SAFETY: valid paths.
            unsafe { libc::renameat2(libc::AT_FDCWD, x, libc::AT_FDCWD, y, flags) }
        })
    };
    let mut buf = [0u8; 64];
    let rows: Vec<(&str, Verdict)> = vec![
        // SAFETY (all unsafe blocks below): valid C strings and buffers.
        (
            "unlink",
            promised(
                sys(|| unsafe { libc::unlink(cp.as_ptr()) }.into()),
                EPERM_EACCES,
            ),
        ),
        (
            "rename (to a new name)",
            promised(ren(path, &new, 0), EPERM_EACCES),
        ),
        (
            "rename (onto a sibling)",
            promised(ren(path, sibling, 0), EPERM_EACCES),
        ),
        (
            "renameat2 RENAME_NOREPLACE",
            promised(ren(path, &new, libc::RENAME_NOREPLACE), EPERM_EACCES),
        ),
        (
            "renameat2 RENAME_EXCHANGE (with a sibling)",
            any_error(ren(path, sibling, libc::RENAME_EXCHANGE)),
        ),
        (
            "rename (to tmpfs)",
            any_error(ren(path, &format!("{tmp}/x"), 0)),
        ),
        (
            "rename (a tmpfs file onto it)",
            any_error(ren(&format!("{tmp}/file"), path, 0)),
        ),
        (
            "link (to a new name)",
            promised(
                vfs::path2_call(path, &new, |a, b| unsafe { libc::link(a, b) }),
                EPERM_EACCES,
            ),
        ),
        (
            "link (to tmpfs)",
            any_error(vfs::path2_call(path, &format!("{tmp}/x"), |a, b| unsafe {
                libc::link(a, b)
            })),
        ),
        (
            "chmod 0666",
            promised(
                sys(|| unsafe { libc::chmod(cp.as_ptr(), 0o666) }.into()),
                &[libc::EPERM],
            ),
        ),
        (
            "chmod 0444 (its mode)",
            any_error(sys(|| unsafe { libc::chmod(cp.as_ptr(), 0o444) }.into())),
        ),
        (
            "chown 1000:1000",
            promised(
                sys(|| unsafe { libc::chown(cp.as_ptr(), 1000, 1000) }.into()),
                &[libc::EPERM],
            ),
        ),
        (
            "lchown 1000:1000",
            promised(
                sys(|| unsafe { libc::lchown(cp.as_ptr(), 1000, 1000) }.into()),
                &[libc::EPERM],
            ),
        ),
        (
            "chown -1:-1",
            recorded(sys(|| {
                unsafe { libc::chown(cp.as_ptr(), u32::MAX, u32::MAX) }.into()
            })),
        ),
        ("utimensat (explicit)", utimes(path, true)),
        ("utimensat (now)", any_error(utimes_raw(path, false))),
        (
            "setxattr user.x",
            promised(setxattr(path, "user.x"), XATTR_SET),
        ),
        (
            "setxattr trusted.x",
            promised(setxattr(path, "trusted.x"), XATTR_SET),
        ),
        (
            "setxattr security.x",
            promised(setxattr(path, "security.x"), XATTR_SET),
        ),
        (
            "lsetxattr user.x",
            promised(
                vfs::path_call(path, |p| unsafe {
                    libc::lsetxattr(p, c"user.x".as_ptr(), c"1".as_ptr().cast(), 1, 0)
                }),
                XATTR_SET,
            ),
        ),
        (
            "getxattr user.x",
            any_error(sys(|| unsafe {
                libc::getxattr(cp.as_ptr(), c"user.x".as_ptr(), buf.as_mut_ptr().cast(), 64)
                    as libc::c_long
            })),
        ),
        (
            "getxattr security.selinux",
            any_error(sys(|| unsafe {
                libc::getxattr(
                    cp.as_ptr(),
                    c"security.selinux".as_ptr(),
                    buf.as_mut_ptr().cast(),
                    64,
                ) as libc::c_long
            })),
        ),
        ("listxattr", xattr_list(listxattr(path))),
        (
            "removexattr user.x",
            any_error(sys(|| {
                unsafe { libc::removexattr(cp.as_ptr(), c"user.x".as_ptr()) }.into()
            })),
        ),
        (
            "truncate 0",
            promised(
                sys(|| unsafe { libc::truncate(cp.as_ptr(), 0) }.into()),
                EPERM_EACCES,
            ),
        ),
        (
            "truncate 4096",
            promised(
                sys(|| unsafe { libc::truncate(cp.as_ptr(), 4096) }.into()),
                EPERM_EACCES,
            ),
        ),
        (
            "access W_OK",
            if domain_file {
                promised(
                    sys(|| unsafe { libc::access(cp.as_ptr(), libc::W_OK) }.into()),
                    &[libc::EACCES],
                )
            } else {
                recorded(sys(|| {
                    unsafe { libc::access(cp.as_ptr(), libc::W_OK) }.into()
                }))
            },
        ),
        (
            "access R_OK",
            succeeds(sys(|| {
                unsafe { libc::access(cp.as_ptr(), libc::R_OK) }.into()
            })),
        ),
        (
            "access X_OK",
            any_error(sys(|| {
                unsafe { libc::access(cp.as_ptr(), libc::X_OK) }.into()
            })),
        ),
    ];
    for (op, v) in rows {
        t.row(op, label, v);
    }
    Ok(())
}

/// Reads all the bytes a pipe holds now (its write end closed).
fn drain(rd: &OwnedFd) -> Sys<Vec<u8>> {
    vfs::read_to_end(rd.as_raw_fd())
}

/// Moves the bytes of `fd` with `step` (splice, sendfile, ...) until it
/// moves none, and returns how many it moved.
fn pump(mut step: impl FnMut() -> libc::c_long) -> Sys<usize> {
    let mut total = 0;
    for _ in 0..1024 {
        let n = vfs::ret(step())? as usize;
        if n == 0 {
            break;
        }
        total += n;
    }
    Ok(total)
}

/// A fresh empty file on tmpfs.
fn tmp_file(path: &str) -> Sys<OwnedFd> {
    let _ = std::fs::remove_file(path);
    vfs::open(path, libc::O_RDWR | libc::O_CREAT | libc::O_EXCL)
}

/// Rows for operations on an open (read-only) descriptor of a file whose
/// content is `want`.
fn fd_ops(t: &mut Table, label: &str, path: &str, want: &[u8], tmp: &str) -> Sys<()> {
    let fresh = || vfs::open(path, libc::O_RDONLY);
    let fd = fresh()?;
    let raw = fd.as_raw_fd();
    let one = [b'x'];
    // SAFETY (all unsafe blocks below): our descriptors, valid buffers.
    t.row(
        "write",
        label,
        any_error(sys(
            || unsafe { libc::write(raw, one.as_ptr().cast(), 1) } as libc::c_long
        )),
    );
    t.row(
        "pwrite",
        label,
        any_error(sys(
            || unsafe { libc::pwrite(raw, one.as_ptr().cast(), 1, 0) } as libc::c_long,
        )),
    );
    t.row(
        "ftruncate 0",
        label,
        any_error(sys(|| unsafe { libc::ftruncate(raw, 0) }.into())),
    );
    t.row(
        "fallocate",
        label,
        any_error(sys(|| unsafe { libc::fallocate(raw, 0, 0, 4096) }.into())),
    );
    t.row(
        "fallocate PUNCH_HOLE",
        label,
        any_error(sys(|| {
            unsafe {
                libc::fallocate(
                    raw,
                    libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                    0,
                    4096,
                )
            }
            .into()
        })),
    );
    t.row(
        "fchmod 0666",
        label,
        promised(
            sys(|| unsafe { libc::fchmod(raw, 0o666) }.into()),
            &[libc::EPERM],
        ),
    );
    t.row(
        "fchown 1000:1000",
        label,
        promised(
            sys(|| unsafe { libc::fchown(raw, 1000, 1000) }.into()),
            &[libc::EPERM],
        ),
    );
    t.row(
        "futimens (now)",
        label,
        any_error(sys(|| {
            unsafe { libc::futimens(raw, std::ptr::null()) }.into()
        })),
    );
    t.row(
        "fsetxattr user.x",
        label,
        promised(
            sys(|| {
                unsafe { libc::fsetxattr(raw, c"user.x".as_ptr(), c"1".as_ptr().cast(), 1, 0) }
                    .into()
            }),
            XATTR_SET,
        ),
    );
    t.row(
        "fcntl F_SETLEASE F_WRLCK",
        label,
        any_error(sys(|| {
            unsafe { libc::fcntl(raw, libc::F_SETLEASE, libc::F_WRLCK) }.into()
        })),
    );
    // mmap: an error, or the same bytes.
    let len = want.len().max(1).div_ceil(4096) * 4096;
    for (op, prot, flags) in [
        (
            "mmap PROT_READ MAP_PRIVATE",
            libc::PROT_READ,
            libc::MAP_PRIVATE,
        ),
        (
            "mmap PROT_READ|PROT_WRITE MAP_PRIVATE",
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE,
        ),
        (
            "mmap PROT_READ MAP_SHARED",
            libc::PROT_READ,
            libc::MAP_SHARED,
        ),
    ] {
        let f = fresh()?;
        // SAFETY: a new mapping of our descriptor, unmapped below.
        let m = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, flags, f.as_raw_fd(), 0) };
        let r = if m == libc::MAP_FAILED {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            // SAFETY: the mapping has `len >= want.len()` readable bytes.
            let bytes = unsafe { std::slice::from_raw_parts(m.cast::<u8>(), want.len()) }.to_vec();
            // SAFETY: unmapping what we mapped.
            unsafe { libc::munmap(m, len) };
            Ok(bytes)
        };
        t.row(op, label, error_or_data(r, want));
    }
    t.row(
        "mmap PROT_WRITE MAP_SHARED",
        label,
        any_error({
            let f = fresh()?;
            // SAFETY: as above; a writable shared mapping of a read-only
            // descriptor must fail.
            let m = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    f.as_raw_fd(),
                    0,
                )
            };
            if m == libc::MAP_FAILED {
                Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
            } else {
                // SAFETY: unmapping what we mapped.
                unsafe { libc::munmap(m, 4096) };
                Ok(())
            }
        }),
    );
    // splice and sendfile into a pipe: an error, or the same bytes.
    {
        let f = fresh()?;
        let (rd, wr) = vfs::pipe()?;
        let moved = pump(|| unsafe {
            libc::splice(
                f.as_raw_fd(),
                std::ptr::null_mut(),
                wr.as_raw_fd(),
                std::ptr::null_mut(),
                65536,
                0,
            ) as libc::c_long
        });
        drop(wr);
        t.row(
            "splice (to a pipe)",
            label,
            error_or_data(moved.and_then(|_| drain(&rd)), want),
        );
    }
    {
        let f = fresh()?;
        let (rd, wr) = vfs::pipe()?;
        let moved = pump(|| unsafe {
            libc::sendfile(wr.as_raw_fd(), f.as_raw_fd(), std::ptr::null_mut(), 65536)
                as libc::c_long
        });
        drop(wr);
        t.row(
            "sendfile (to a pipe)",
            label,
            error_or_data(moved.and_then(|_| drain(&rd)), want),
        );
    }
    {
        let f = fresh()?;
        let out = tmp_file(&format!("{tmp}/sendfile"))?;
        let moved = pump(|| unsafe {
            libc::sendfile(out.as_raw_fd(), f.as_raw_fd(), std::ptr::null_mut(), 65536)
                as libc::c_long
        });
        let got = moved.and_then(|_| vfs::pread(out.as_raw_fd(), 1 << 20, 0));
        t.row(
            "sendfile (to a tmpfs file)",
            label,
            error_or_data(got, want),
        );
    }
    {
        let f = fresh()?;
        let out = tmp_file(&format!("{tmp}/cfr"))?;
        let moved = pump(|| unsafe {
            libc::copy_file_range(
                f.as_raw_fd(),
                std::ptr::null_mut(),
                out.as_raw_fd(),
                std::ptr::null_mut(),
                65536,
                0,
            ) as libc::c_long
        });
        let got = moved.and_then(|_| vfs::pread(out.as_raw_fd(), 1 << 20, 0));
        // The files' size is 0 (abi.rst): copying "to the end" may copy
        // nothing, which is no wrong data.
        let v = match got {
            Ok(b) if b.is_empty() && !want.is_empty() => Ok(Some("0 bytes (st_size is 0)".into())),
            other => error_or_data(other, want),
        };
        t.row("copy_file_range (to a tmpfs file)", label, v);
    }
    {
        let src = tmp_file(&format!("{tmp}/src"))?;
        // SAFETY: writing one byte of our buffer.
        unsafe { libc::pwrite(src.as_raw_fd(), one.as_ptr().cast(), 1, 0) };
        t.row(
            "copy_file_range (a tmpfs file into it)",
            label,
            any_error(sys(|| unsafe {
                libc::copy_file_range(
                    src.as_raw_fd(),
                    std::ptr::null_mut(),
                    raw,
                    std::ptr::null_mut(),
                    1,
                    0,
                ) as libc::c_long
            })),
        );
        let (rd, wr) = vfs::pipe()?;
        // SAFETY: writing one byte into our pipe.
        unsafe { libc::write(wr.as_raw_fd(), one.as_ptr().cast(), 1) };
        t.row(
            "splice (a pipe into it)",
            label,
            any_error(sys(|| unsafe {
                libc::splice(
                    rd.as_raw_fd(),
                    std::ptr::null_mut(),
                    raw,
                    std::ptr::null_mut(),
                    1,
                    0,
                ) as libc::c_long
            })),
        );
    }
    Ok(())
}

/// io_uring (the test kernels have it, as distribution kernels do): each
/// file opened read-only (`IORING_OP_OPENAT`) and read (`IORING_OP_READ`)
/// through a ring gives the bytes `read(2)` gives, and an open for writing
/// through the ring fails as `open(2)` does.
fn io_uring_rows(t: &mut Table, files: &[(String, String, String, bool)], before: &[Vec<u8>]) {
    let mut ring = match io_uring::IoUring::new(4) {
        Ok(r) => r,
        Err(e) => {
            t.row("io_uring_setup", "-", Err(format!("{e}")));
            return;
        }
    };
    for ((label, path, _, _), want) in files.iter().zip(before) {
        t.row(
            "io_uring open and read",
            label,
            match uring_read(&mut ring, path) {
                Ok(got) if &got == want => Ok(None),
                Ok(got) => Err(format!(
                    "{} bytes, not the {} of read(2)",
                    got.len(),
                    want.len()
                )),
                Err(e) => Err(e),
            },
        );
        t.row(
            "io_uring open for writing",
            label,
            match uring_open(&mut ring, path, libc::O_WRONLY) {
                Err(e) if EPERM_EACCES.contains(&e) => Ok(None),
                Err(e) => Err(errno_name(e)),
                Ok(_) => Err("opened for writing".into()),
            },
        );
    }
}

/// Submits one entry and waits for its completion: its result, or the
/// errno it failed with.
///
/// # Safety
///
/// The buffers `sqe` points to live until this returns.
unsafe fn uring_once(ring: &mut io_uring::IoUring, sqe: &io_uring::squeue::Entry) -> Sys<i32> {
    // SAFETY: by the caller's precondition; the completion is reaped below,
    // before the buffers can go.
    unsafe { ring.submission().push(sqe).map_err(|_| libc::EBUSY)? };
    ring.submit_and_wait(1)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    let cqe = ring.completion().next().ok_or(libc::EIO)?;
    match cqe.result() {
        r if r < 0 => Err(-r),
        r => Ok(r),
    }
}

/// Opens `path` through the ring.
fn uring_open(ring: &mut io_uring::IoUring, path: &str, flags: i32) -> Sys<OwnedFd> {
    let c = std::ffi::CString::new(path).map_err(|_| libc::EINVAL)?;
    let sqe = io_uring::opcode::OpenAt::new(io_uring::types::Fd(libc::AT_FDCWD), c.as_ptr())
        .flags(flags | libc::O_CLOEXEC)
        .build();
    // SAFETY: `c` lives until `uring_once` returns.
    let fd = unsafe { uring_once(ring, &sqe) }?;
    // SAFETY: a new descriptor, ours.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens and reads `path` through the ring, 4 KiB at a time.
fn uring_read(ring: &mut io_uring::IoUring, path: &str) -> Result<Vec<u8>, String> {
    let fd = uring_open(ring, path, libc::O_RDONLY).map_err(errno_name)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 4096];
    loop {
        let sqe = io_uring::opcode::Read::new(
            io_uring::types::Fd(fd.as_raw_fd()),
            buf.as_mut_ptr(),
            buf.len() as u32,
        )
        .offset(out.len() as u64)
        .build();
        // SAFETY: `buf` lives until `uring_once` returns.
        let n = unsafe { uring_once(ring, &sqe) }.map_err(errno_name)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n as usize]);
        if out.len() > 1 << 20 {
            return Err("more than 1 MiB".into());
        }
    }
}

/// Operations that would change the tree: every one fails (`EPERM` or
/// `EACCES` where abi.rst promises it), and nothing changes; reads through
/// mmap, splice, sendfile and copy_file_range give an error or the file's
/// bytes.
pub fn hostile_operations_change_nothing() -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let fx = fixture()?;
    let tmp = "/tmp/la-hostile";
    let _ = std::fs::remove_dir_all(tmp);
    std::fs::create_dir_all(tmp).map_err(|e| format!("{tmp}: {e}"))?;
    std::fs::write(format!("{tmp}/file"), "tmpfs").map_err(|e| e.to_string())?;
    let a_dir = p(&format!("domains/{}", fx.a));
    let mut files: Vec<(String, String, String, bool)> = TOP_FILES
        .iter()
        .map(|f| {
            (
                (*f).to_owned(),
                p(f),
                p(if *f == "version" {
                    "abi_version"
                } else {
                    "version"
                }),
                false,
            )
        })
        .collect();
    for f in DOMAIN_FILES {
        let sib = if f == "parent" { "depth" } else { "parent" };
        files.push((
            format!("domains/<A>/{f}"),
            format!("{a_dir}/{f}"),
            format!("{a_dir}/{sib}"),
            true,
        ));
    }
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|(l, path, _, _)| read_path(path).map_err(|e| format!("{l}: {}", errno_name(e))))
        .collect::<Result<_, _>>()?;
    let mut t = Table::new("operations, root");
    let e = |e: i32| errno_name(e);
    dir_ops(&mut t, "landlock/", TREE, false, tmp).map_err(e)?;
    dir_ops(&mut t, "domains/", &p("domains"), true, tmp).map_err(e)?;
    dir_ops(&mut t, "domains/<A>/", &a_dir, true, tmp).map_err(e)?;
    for ((label, path, sibling, domain_file), want) in files.iter().zip(&before) {
        file_ops(&mut t, label, path, sibling, *domain_file, tmp).map_err(e)?;
        fd_ops(&mut t, label, path, want, tmp).map_err(e)?;
    }
    io_uring_rows(&mut t, &files, &before);
    // Nothing changed: content, mode, size, and no new entry.
    for ((label, path, _, _), want) in files.iter().zip(&before) {
        t.row("unchanged content", label, data(read_path(path), want));
        let st = vfs::stat(path.as_bytes());
        t.row(
            "unchanged mode and size",
            label,
            match st {
                Ok(st)
                    if st.st_mode == libc::S_IFREG | 0o444 && st.st_size == 0 && st.st_uid == 0 =>
                {
                    Ok(None)
                }
                Ok(st) => Err(format!(
                    "mode {:o} size {} uid {}",
                    st.st_mode, st.st_size, st.st_uid
                )),
                Err(e) => Err(errno_name(e)),
            },
        );
    }
    for (label, dir, want) in [
        (
            "landlock/",
            TREE.to_owned(),
            "abi_version domains generation snapshot tasks version",
        ),
        (
            "domains/<A>/",
            a_dir.clone(),
            "access audit_id creator denials depth parent rules tasks",
        ),
    ] {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let got = names.join(" ");
        t.row(
            "unchanged listing",
            label,
            if got == want {
                Ok(None)
            } else {
                Err(format!("lists {got:?}"))
            },
        );
    }
    let mut ids = list_domains()?;
    ids.sort();
    let mut want_ids = vec![fx.a.clone(), fx.b.clone()];
    want_ids.sort();
    t.row(
        "unchanged listing",
        "domains/",
        if ids == want_ids {
            Ok(None)
        } else {
            Err(format!("lists {ids:?}"))
        },
    );
    t.row(
        "tmpfs file intact",
        tmp,
        data(
            std::fs::read(format!("{tmp}/file")).map_err(|e| e.raw_os_error().unwrap_or(0)),
            b"tmpfs",
        ),
    );
    let root = t.finish();
    let (a, b, never) = (fx.a.clone(), fx.b.clone(), fx.never.clone());
    let user = in_child(move || {
        become_user(1001, 1001, &[])?;
        let tmp = "/tmp/la-hostile-1001";
        let _ = std::fs::remove_dir_all(tmp);
        std::fs::create_dir_all(tmp).map_err(|e| format!("{tmp}: {e}"))?;
        std::fs::write(format!("{tmp}/file"), "tmpfs").map_err(|e| e.to_string())?;
        let mut t = Table::new("operations, uid 1001 (B its own, A hidden)");
        let b_dir = p(&format!("domains/{b}"));
        let e = |e: i32| errno_name(e);
        dir_ops(&mut t, "domains/<B>/", &b_dir, true, tmp).map_err(e)?;
        for f in ["parent", "depth", "access", "tasks"] {
            let path = format!("{b_dir}/{f}");
            let want = read_path(&path).map_err(e)?;
            let sib = if f == "parent" { "depth" } else { "parent" };
            file_ops(
                &mut t,
                &format!("domains/<B>/{f}"),
                &path,
                &format!("{b_dir}/{sib}"),
                true,
                tmp,
            )
            .map_err(e)?;
            fd_ops(&mut t, &format!("domains/<B>/{f}"), &path, &want, tmp).map_err(e)?;
        }
        // Inside a hidden domain's directory, everything is ENOENT, as in
        // one that never existed.
        for f in DOMAIN_FILES {
            for (which, id) in [("hidden", &a), ("never existing", &never)] {
                let path = p(&format!("domains/{id}/{f}"));
                let target = format!("domains/<{which}>/{f}");
                let cp = c(&path).map_err(e)?;
                let enoent = &[libc::ENOENT];
                // SAFETY (all): valid C strings.
                t.row(
                    "unlink",
                    &target,
                    promised(sys(|| unsafe { libc::unlink(cp.as_ptr()) }.into()), enoent),
                );
                t.row(
                    "chmod",
                    &target,
                    promised(
                        sys(|| unsafe { libc::chmod(cp.as_ptr(), 0o666) }.into()),
                        enoent,
                    ),
                );
                t.row(
                    "chown",
                    &target,
                    promised(
                        sys(|| unsafe { libc::chown(cp.as_ptr(), 1001, 1001) }.into()),
                        enoent,
                    ),
                );
                t.row(
                    "truncate",
                    &target,
                    promised(
                        sys(|| unsafe { libc::truncate(cp.as_ptr(), 0) }.into()),
                        enoent,
                    ),
                );
                t.row(
                    "access F_OK",
                    &target,
                    promised(
                        sys(|| unsafe { libc::access(cp.as_ptr(), libc::F_OK) }.into()),
                        enoent,
                    ),
                );
                t.row(
                    "setxattr user.x",
                    &target,
                    promised(setxattr(&path, "user.x"), enoent),
                );
                t.row("listxattr", &target, promised(listxattr(&path), enoent));
                t.row(
                    "utimensat",
                    &target,
                    promised(utimes_raw(&path, false), enoent),
                );
                t.row(
                    "rename (to tmpfs)",
                    &target,
                    promised(
                        vfs::path2_call(&path, &format!("{tmp}/u"), |a, b| unsafe {
                            libc::rename(a, b)
                        }),
                        enoent,
                    ),
                );
                t.row(
                    "link (to tmpfs)",
                    &target,
                    promised(
                        vfs::path2_call(&path, &format!("{tmp}/u"), |a, b| unsafe {
                            libc::link(a, b)
                        }),
                        enoent,
                    ),
                );
                t.row(
                    "mkdir (below it)",
                    &target,
                    promised(
                        vfs::path_call(&format!("{path}/x"), |p| unsafe { libc::mkdir(p, 0o755) }),
                        enoent,
                    ),
                );
            }
        }
        let _ = std::fs::remove_dir_all(tmp);
        t.finish()
    });
    let _ = std::fs::remove_dir_all(tmp);
    root?;
    user?;
    kmsg.check()
}

// ---------------------------------------------------------------------------
// Reads

const SIZES: [usize; 5] = [0, 1, 4095, 4096, 1 << 20];

fn slice(c: &[u8], off: usize, size: usize) -> Vec<u8> {
    let start = off.min(c.len());
    let end = off.saturating_add(size).min(c.len());
    c[start..end].to_vec()
}

/// Reads of an open file of content `c` at every offset and size.
fn read_rows(t: &mut Table, label: &str, fd: &OwnedFd, c: &[u8], rng: &mut Rng) {
    let raw = fd.as_raw_fd();
    let len = c.len();
    for off in 0..=len + 2 {
        for size in SIZES {
            let want = slice(c, off, size);
            t.row(
                &format!("pread({size}) at {off}"),
                label,
                data(vfs::pread(raw, size, off as i64), &want),
            );
            let r = vfs::lseek(raw, off as i64, libc::SEEK_SET).and_then(|pos| {
                if pos == off as i64 {
                    vfs::read(raw, size)
                } else {
                    Err(libc::ESPIPE)
                }
            });
            t.row(
                &format!("lseek({off}) + read({size})"),
                label,
                data(r, &want),
            );
        }
    }
    // Sequential reads of 1 byte give the content.
    let seq = vfs::lseek(raw, 0, libc::SEEK_SET).and_then(|_| {
        let mut out = Vec::new();
        for _ in 0..=len {
            let b = vfs::read(raw, 1)?;
            if b.is_empty() {
                break;
            }
            out.extend(b);
        }
        Ok(out)
    });
    t.row("read(1) to the end", label, data(seq, c));
    // Beyond the end: the seek may succeed; then reads give nothing.
    for off in [
        len as i64 + 1,
        len as i64 + 4096,
        1 << 31,
        1 << 40,
        i64::MAX / 2,
        i64::MAX,
    ] {
        let v = match vfs::lseek(raw, off, libc::SEEK_SET) {
            // The VFS refuses a read whose end would overflow the offset.
            Ok(pos) if pos == off && off > i64::MAX - 4096 => match vfs::read(raw, 4096) {
                Ok(b) if b.is_empty() => Ok(None),
                Ok(b) => Err(format!("read {}", show(&b))),
                Err(libc::EINVAL) => Ok(Some("EINVAL (position + count overflows)".into())),
                Err(e) => Err(errno_name(e)),
            },
            Ok(pos) if pos == off => data(vfs::read(raw, 4096), b""),
            Ok(pos) => Err(format!("lseek({off}) went to {pos}")),
            Err(e) => Ok(Some(errno_name(e))),
        };
        t.row("lseek SEEK_SET beyond the end, read", label, v);
        t.row(
            "pread beyond the end",
            label,
            match vfs::pread(raw, 4096, off) {
                Ok(b) if b.is_empty() => Ok(None),
                Ok(b) => Err(format!("read {}", show(&b))),
                Err(e) => Ok(Some(errno_name(e))),
            },
        );
    }
    for off in [-1i64, -4096, i64::MIN] {
        t.row(
            "lseek SEEK_SET negative",
            label,
            promised(vfs::lseek(raw, off, libc::SEEK_SET), &[libc::EINVAL]),
        );
        t.row(
            "pread at a negative offset",
            label,
            promised(vfs::pread(raw, 16, off), &[libc::EINVAL]),
        );
    }
    let v = vfs::lseek(raw, 1.min(len as i64), libc::SEEK_SET)
        .and_then(|_| vfs::lseek(raw, -10, libc::SEEK_CUR));
    t.row(
        "lseek SEEK_CUR below 0",
        label,
        promised(v, &[libc::EINVAL]),
    );
    t.row(
        "read after a failed seek (position kept)",
        label,
        data(vfs::read(raw, 1 << 20), &slice(c, 1, 1 << 20)),
    );
    // SEEK_END, SEEK_DATA, SEEK_HOLE: whatever position they give, a read
    // from there gives the content from there.
    for (op, off, whence) in [
        ("lseek SEEK_END 0", 0, libc::SEEK_END),
        ("lseek SEEK_END -1", -1, libc::SEEK_END),
        ("lseek SEEK_END +10", 10, libc::SEEK_END),
        ("lseek SEEK_DATA 0", 0, libc::SEEK_DATA),
        ("lseek SEEK_HOLE 0", 0, libc::SEEK_HOLE),
        ("lseek whence 42", 0, 42),
    ] {
        let v = match vfs::lseek(raw, off, whence) {
            Ok(pos) => match vfs::read(raw, 1 << 20) {
                Ok(b) if b == slice(c, pos as usize, 1 << 20) => {
                    Ok(Some(format!("position {pos}")))
                }
                Ok(b) => Err(format!("at {pos} read {}", show(&b))),
                Err(e) => Err(format!("at {pos}: read {}", errno_name(e))),
            },
            Err(e) => Ok(Some(errno_name(e))),
        };
        t.row(op, label, v);
    }
    // pread at random offsets and sizes.
    for _ in 0..200 {
        let off = rng.below(len as u64 + 64) as usize;
        let size = rng.below(len as u64 + 64) as usize;
        t.row(
            &format!("pread({size}) at random {off}"),
            label,
            data(vfs::pread(raw, size, off as i64), &slice(c, off, size)),
        );
    }
}

/// `d_reclen` of an entry with a name of `len` bytes.
fn reclen(len: usize) -> usize {
    (19 + len + 1).div_ceil(8) * 8
}

fn names_of(v: &[Dirent]) -> Vec<String> {
    v.iter()
        .map(|d| String::from_utf8_lossy(&d.name).into_owned())
        .collect()
}

/// Reads an open directory from its position to the end with `size`-byte
/// buffers; on `EINVAL` (the next entry does not fit) one 64-byte read
/// takes it.  Returns the entries and whether EINVAL happened.
fn list_with(fd: i32, size: usize, full: &[Dirent]) -> Result<(Vec<Dirent>, bool), String> {
    let mut got: Vec<Dirent> = Vec::new();
    let mut einval = false;
    for _ in 0..10_000 {
        match vfs::getdents(fd, size) {
            Ok(b) if b.is_empty() => return Ok((got, einval)),
            Ok(b) => got.extend(b),
            Err(libc::EINVAL) => {
                let next = full.get(got.len()).ok_or("EINVAL after the last entry")?;
                if size >= reclen(next.name.len()) {
                    return Err(format!(
                        "EINVAL with a {size}-byte buffer, room for the next entry {:?}",
                        String::from_utf8_lossy(&next.name)
                    ));
                }
                einval = true;
                got.extend(vfs::getdents(fd, 64).map_err(errno_name)?);
            }
            Err(e) => return Err(errno_name(e)),
        }
    }
    Err("no end".into())
}

/// `getdents64()` rows for a directory of the tree whose full listing
/// (from a fresh open) is `expected` (names, `.` and `..` first).
fn getdents_rows(
    t: &mut Table,
    label: &str,
    path: &str,
    expected: &[String],
    ours: bool,
) -> Sys<()> {
    let fd = vfs::open(path, libc::O_RDONLY | libc::O_DIRECTORY)?;
    let raw = fd.as_raw_fd();
    let full = vfs::list_all(raw)?;
    let names = names_of(&full);
    let sorted_eq = {
        let (mut a, mut b) = (names.clone(), expected.to_vec());
        a.sort();
        b.sort();
        a == b
    };
    let order_ok = if ours { names == expected } else { sorted_eq };
    t.row(
        "getdents (64 KiB)",
        label,
        if order_ok {
            Ok(None)
        } else {
            Err(format!("lists {names:?}, expected {expected:?}"))
        },
    );
    if ours {
        // abi.rst: d_type DT_DIR (domains/) or DT_REG (a domain's files)
        // for every entry after `.` and `..`, and a d_ino that is the
        // st_ino stat() then gives (derived from the ID: at least 2^60).
        let bad = full.iter().skip(2).find_map(|d| {
            if !(d.kind == libc::DT_DIR || d.kind == libc::DT_REG) || d.ino < 1 << 60 {
                return Some(format!("{d:?}"));
            }
            let child = format!("{path}/{}", String::from_utf8_lossy(&d.name));
            match vfs::stat(child.as_bytes()) {
                Ok(st) if st.st_ino == d.ino => None,
                Ok(st) => Some(format!("{d:?}: stat() gives st_ino {}", st.st_ino)),
                // Gone meanwhile (a dying domain of the stale rows).
                Err(libc::ENOENT) => None,
                Err(e) => Some(format!("{d:?}: stat(): {}", errno_name(e))),
            }
        });
        t.row(
            "getdents d_ino (stat's st_ino) and d_type",
            label,
            match bad {
                None => Ok(None),
                Some(d) => Err(d),
            },
        );
    }
    for size in [
        0usize, 1, 8, 16, 19, 20, 23, 24, 25, 31, 32, 33, 39, 40, 41, 48, 63, 64, 128,
    ] {
        let f = vfs::open(path, libc::O_RDONLY | libc::O_DIRECTORY)?;
        let v = match list_with(f.as_raw_fd(), size, &full) {
            Ok((got, einval)) if names_of(&got) == names => {
                Ok(einval.then(|| "EINVAL when the next entry did not fit".to_owned()))
            }
            Ok((got, _)) => Err(format!(
                "concatenation {:?}, full {:?}",
                names_of(&got),
                names
            )),
            Err(e) => Err(e),
        };
        t.row(&format!("getdents({size}) to the end"), label, v);
    }
    if ours {
        // Every d_off, and the dots' positions, resume where they should.
        for (i, d) in full.iter().enumerate() {
            let v = vfs::lseek(raw, d.off, libc::SEEK_SET)
                .and_then(|_| vfs::getdents(raw, 64 << 10))
                .map(|b| names_of(&b));
            t.row(
                &format!("lseek(d_off of entry {i}) + getdents"),
                label,
                match v {
                    Ok(n) if n[..] == names[i + 1..] => Ok(None),
                    Ok(n) => Err(format!(
                        "resumed with {n:?}, expected {:?}",
                        &names[i + 1..]
                    )),
                    Err(e) => Err(errno_name(e)),
                },
            );
        }
        for pos in 0..3i64 {
            let v = vfs::lseek(raw, pos, libc::SEEK_SET)
                .and_then(|_| vfs::getdents(raw, 64 << 10))
                .map(|b| names_of(&b));
            t.row(
                &format!("lseek({pos}) + getdents"),
                label,
                match v {
                    Ok(n) if n[..] == names[pos as usize..] => Ok(None),
                    Ok(n) => Err(format!("gave {n:?}")),
                    Err(e) => Err(errno_name(e)),
                },
            );
        }
    }
    for pos in [1000i64, 1 << 31, 1 << 40, i64::MAX] {
        let v = match vfs::lseek(raw, pos, libc::SEEK_SET) {
            Ok(_) => match vfs::getdents(raw, 4096) {
                Ok(b) if b.is_empty() => Ok(Some("empty".into())),
                Ok(b) if !ours => Ok(Some(format!("{} entries", b.len()))),
                Ok(b) => Err(format!("gave {:?}", names_of(&b))),
                Err(e) => Ok(Some(errno_name(e))),
            },
            Err(e) => Ok(Some(errno_name(e))),
        };
        t.row("lseek beyond the last entry + getdents", label, v);
    }
    t.row(
        "lseek negative",
        label,
        promised(vfs::lseek(raw, -1, libc::SEEK_SET), &[libc::EINVAL]),
    );
    let bad = vfs::lseek(raw, 0, libc::SEEK_SET).and_then(|_| vfs::getdents_raw(raw, 1, 4096));
    t.row(
        "getdents with a bad pointer (from position 0)",
        label,
        promised(bad, &[libc::EFAULT]),
    );
    t.row(
        "read() on the directory",
        label,
        any_error(vfs::read(raw, 4096)),
    );
    let again = vfs::lseek(raw, 0, libc::SEEK_SET)
        .and_then(|_| vfs::list_all(raw))
        .map(|v| names_of(&v));
    t.row(
        "getdents after all that",
        label,
        match again {
            Ok(n) if n == names => Ok(None),
            Ok(n) => Err(format!("{n:?}")),
            Err(e) => Err(errno_name(e)),
        },
    );
    Ok(())
}

/// Reads one entry at a time (a 40-byte buffer holds one entry here).
fn one_entry(fd: i32) -> Sys<Vec<Dirent>> {
    vfs::getdents(fd, 40)
}

/// The listing of an open `domains/` while entries die between
/// `getdents()` calls: the snapshot of the open, nothing twice, nothing
/// that never existed, stale positions resume where they did.  `kill`
/// ends some of the domains listed and returns once they are gone.
fn stale_rows(
    t: &mut Table,
    label: &str,
    fd: &OwnedFd,
    existed: &[String],
    kill: impl FnOnce() -> Result<(), String>,
) -> TestResult {
    let raw = fd.as_raw_fd();
    let full = vfs::list_all(raw).map_err(errno_name)?;
    let names = names_of(&full);
    vfs::lseek(raw, 0, libc::SEEK_SET).map_err(errno_name)?;
    let mut got = Vec::new();
    while got.len() < full.len() / 2 {
        let b = one_entry(raw).map_err(errno_name)?;
        if b.is_empty() {
            break;
        }
        got.extend(b);
    }
    kill()?;
    loop {
        let b = one_entry(raw).map_err(errno_name)?;
        if b.is_empty() {
            break;
        }
        got.extend(b);
    }
    let got_names = names_of(&got);
    t.row(
        "getdents one entry per call, domains dying midway",
        label,
        if got_names == names {
            Ok(None)
        } else {
            Err(format!("read {got_names:?}, the open's snapshot {names:?}"))
        },
    );
    let mut seen = std::collections::HashSet::new();
    let dup = got_names.iter().find(|n| !seen.insert(*n));
    t.row(
        "no entry twice",
        label,
        dup.map_or(Ok(None), |d| Err(format!("{d} twice"))),
    );
    let phantom = got_names.iter().skip(2).find(|n| !existed.contains(n));
    t.row(
        "no entry that never existed at the open",
        label,
        phantom.map_or(Ok(None), |d| Err(format!("{d} listed"))),
    );
    for (i, d) in full.iter().enumerate() {
        let v = vfs::lseek(raw, d.off, libc::SEEK_SET)
            .and_then(|_| one_entry(raw))
            .map(|b| names_of(&b));
        let want: Vec<String> = names.get(i + 1).cloned().into_iter().collect();
        t.row(
            &format!("stale lseek(d_off of entry {i}) after deaths + getdents"),
            label,
            match v {
                Ok(n) if n == want => Ok(None),
                Ok(n) => Err(format!("gave {n:?}, expected {want:?}")),
                Err(e) => Err(errno_name(e)),
            },
        );
    }
    Ok(())
}

/// Reads of every file at every offset and size, `lseek` beyond the end and
/// negative, random `pread`s, `getdents64()` with tiny buffers and at every
/// position, and a listing read while domains die.
pub fn hostile_reads_match_content() -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let fx = fixture()?;
    let mut rng = Rng::new(0x5eed_1a5d_0c0f_fee5);
    let mut t = Table::new("reads, root");
    let mut files: Vec<(String, String)> =
        TOP_FILES.iter().map(|f| ((*f).to_owned(), p(f))).collect();
    for f in DOMAIN_FILES {
        files.push((
            format!("domains/<A>/{f}"),
            p(&format!("domains/{}/{f}", fx.a)),
        ));
    }
    for (label, path) in &files {
        let fd =
            vfs::open(path, libc::O_RDONLY).map_err(|e| format!("{label}: {}", errno_name(e)))?;
        let c =
            vfs::read_to_end(fd.as_raw_fd()).map_err(|e| format!("{label}: {}", errno_name(e)))?;
        read_rows(&mut t, label, &fd, &c, &mut rng);
    }
    let mut ids = vec![fx.a.clone(), fx.b.clone()];
    ids.sort();
    let dots = |rest: Vec<String>| {
        let mut v = vec![".".to_owned(), "..".to_owned()];
        v.extend(rest);
        v
    };
    let e = |e: i32| errno_name(e);
    getdents_rows(&mut t, "domains/", &p("domains"), &dots(ids.clone()), true).map_err(e)?;
    getdents_rows(
        &mut t,
        "domains/<A>/",
        &p(&format!("domains/{}", fx.a)),
        &dots(DOMAIN_FILES.iter().map(|s| (*s).to_owned()).collect()),
        true,
    )
    .map_err(e)?;
    getdents_rows(
        &mut t,
        "landlock/",
        TREE,
        &dots(
            [
                "version",
                "abi_version",
                "tasks",
                "snapshot",
                "generation",
                "domains",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        ),
        false,
    )
    .map_err(e)?;
    // domains/ while six domains die and two are born.
    let mut kids: Vec<Option<Daemon>> = (0..6)
        .map(|_| Daemon::spawn(|| restrict(Access::MAKE_DIR)).map(Some))
        .collect::<Result<_, _>>()?;
    let d = domains()?;
    let kid_ids: Vec<String> = kids
        .iter()
        .flatten()
        .map(|k| domain_of(&d, k.pid).map(|x| x.id.to_string()))
        .collect::<Result<_, _>>()?;
    let mut existed = ids.clone();
    existed.extend(kid_ids.clone());
    let fd = vfs::open(&p("domains"), libc::O_RDONLY | libc::O_DIRECTORY).map_err(e)?;
    let mut born = Vec::new();
    stale_rows(&mut t, "domains/ (root)", &fd, &existed, || {
        for k in kids.iter_mut().step_by(2) {
            k.take();
        }
        for id in kid_ids.iter().step_by(2) {
            let path = p(&format!("domains/{id}"));
            ensure(
                eventually(10, || vfs::stat(path.as_bytes()).is_err()),
                || format!("{id} outlived its daemon"),
            )?;
        }
        for _ in 0..2 {
            born.push(Daemon::spawn(|| restrict(Access::MAKE_REG))?);
        }
        Ok(())
    })?;
    let mut live: Vec<String> = ids.clone();
    live.extend(kid_ids.iter().skip(1).step_by(2).cloned());
    let d = domains()?;
    for b in &born {
        live.push(domain_of(&d, b.pid)?.id.to_string());
    }
    live.sort();
    let fresh = list_domains()?;
    t.row(
        "a new open after the deaths",
        "domains/",
        if fresh == live {
            Ok(None)
        } else {
            Err(format!("lists {fresh:?}, live {live:?}"))
        },
    );
    // A domain's directory, its domain dying midway through the listing.
    let survivor = kids.iter().flatten().next().ok_or("no kid left")?.pid;
    let sid = domain_of(&d, survivor)?.id.to_string();
    let dir_fd = vfs::open(
        &p(&format!("domains/{sid}")),
        libc::O_RDONLY | libc::O_DIRECTORY,
    )
    .map_err(e)?;
    let raw = dir_fd.as_raw_fd();
    let mut got = Vec::new();
    for _ in 0..4 {
        got.extend(one_entry(raw).map_err(e)?);
    }
    drop(kids);
    let spath = p(&format!("domains/{sid}"));
    ensure(
        eventually(10, || vfs::stat(spath.as_bytes()).is_err()),
        || format!("{sid} outlived its daemon"),
    )?;
    let rest = (|| -> Sys<Vec<Dirent>> {
        let mut v = Vec::new();
        loop {
            let b = one_entry(raw)?;
            if b.is_empty() {
                return Ok(v);
            }
            v.extend(b);
        }
    })();
    let all_files = dots(DOMAIN_FILES.iter().map(|s| (*s).to_owned()).collect());
    t.row(
        "getdents one entry per call, the domain dying midway",
        "domains/<dying>/",
        match rest {
            Ok(r) => {
                got.extend(r);
                let n = names_of(&got);
                if n == all_files {
                    Ok(Some("the full listing".into()))
                } else {
                    Err(format!("read {n:?}"))
                }
            }
            Err(err) => Ok(Some(errno_name(err))),
        },
    );
    let root = t.finish();
    let user = non_opener_rows();
    root?;
    user?;
    kmsg.check()
}

/// A sandboxed reader reads `domains/` through a descriptor an unsandboxed
/// helper opened (positions then index the entries it may see), while its
/// child domains die between calls.
fn non_opener_rows() -> TestResult {
    in_child(|| {
        let mut sv = [0i32; 2];
        // SAFETY: `sv` has room for two descriptors.
        if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) } < 0 {
            return Err(format!("socketpair: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: socketpair gave us two descriptors.
        let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(sv[0]), OwnedFd::from_raw_fd(sv[1])) };
        let (go_rd, go_wr) = vfs::pipe().map_err(errno_name)?;
        // SAFETY: this process is single-threaded.
        let helper = unsafe { libc::fork() };
        if helper < 0 {
            return Err("fork".into());
        }
        if helper == 0 {
            // The helper: unsandboxed, opens domains/ when told.
            let _ = vfs::read(go_rd.as_raw_fd(), 1);
            if let Ok(fd) = vfs::open(&p("domains"), libc::O_RDONLY | libc::O_DIRECTORY) {
                let _ = send_fds(theirs.as_raw_fd(), &[fd.as_raw_fd()]);
            }
            // SAFETY: leave without running destructors.
            unsafe { libc::_exit(0) };
        }
        restrict(Access::MAKE_DIR)?;
        let mut kids: Vec<Option<Daemon>> = (0..5)
            .map(|_| Daemon::spawn(|| restrict(Access::MAKE_REG)).map(Some))
            .collect::<Result<_, _>>()?;
        let mine = list_domains()?;
        ensure(mine.len() == 5, || format!("sees {mine:?}"))?;
        let view = domains()?;
        let kid_ids: Vec<String> = kids
            .iter()
            .flatten()
            .map(|k| domain_of(&view, k.pid).map(|x| x.id.to_string()))
            .collect::<Result<_, _>>()?;
        // SAFETY: writing one byte into our pipe.
        unsafe { libc::write(go_wr.as_raw_fd(), b"g".as_ptr().cast(), 1) };
        let fds = recv_fds(ours.as_raw_fd(), 1)?;
        // SAFETY: we received this descriptor; reap the helper.
        let fd = unsafe {
            libc::waitpid(helper, std::ptr::null_mut(), 0);
            OwnedFd::from_raw_fd(fds[0])
        };
        let mut t = Table::new("getdents of a launcher's domains/ descriptor, sandboxed reader");
        let full = vfs::list_all(fd.as_raw_fd()).map_err(errno_name)?;
        let mut want = vec![".".to_owned(), "..".to_owned()];
        want.extend(mine.iter().cloned());
        t.row(
            "getdents (its view: its children only)",
            "domains/ (launcher's)",
            if names_of(&full) == want {
                Ok(None)
            } else {
                Err(format!("{:?}", names_of(&full)))
            },
        );
        stale_rows(
            &mut t,
            "domains/ (launcher's, sandboxed reader)",
            &fd,
            &mine,
            || {
                for k in kids.iter_mut().step_by(2) {
                    k.take();
                }
                for id in kid_ids.iter().step_by(2) {
                    let path = p(&format!("domains/{id}"));
                    ensure(
                        eventually(10, || vfs::stat(path.as_bytes()).is_err()),
                        || format!("{id} outlived its daemon"),
                    )?;
                }
                Ok(())
            },
        )?;
        drop(kids);
        t.finish()
    })
}
