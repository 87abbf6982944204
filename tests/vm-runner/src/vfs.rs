//! Raw VFS system calls for the hostile-input tables (`hostile.rs`): every
//! call returns the bare errno on failure, so that a table row can compare
//! it with what `Documentation/abi.rst` promises, and record it where the
//! ABI says nothing.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A system call's result: its value, or the errno it failed with.
pub type Sys<T> = Result<T, i32>;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `-1` means failure: take errno.
fn check(r: libc::c_long) -> Sys<libc::c_long> {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r)
    }
}

/// A path as the kernel gets it.  A path with a NUL cannot be passed as a
/// C string: it fails with `EINVAL` here, before any system call (see
/// [`openat_bytes`] for the raw form).
pub fn cpath(path: &[u8]) -> Sys<CString> {
    CString::new(path).map_err(|_| libc::EINVAL)
}

/// The symbolic name of an errno (for table output).
pub fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EXDEV => "EXDEV",
        libc::ENODEV => "ENODEV",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::ESPIPE => "ESPIPE",
        libc::EROFS => "EROFS",
        libc::EMLINK => "EMLINK",
        libc::ERANGE => "ERANGE",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::ELOOP => "ELOOP",
        libc::ENODATA => "ENODATA",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ESTALE => "ESTALE",
        _ => return format!("errno {e}"),
    };
    name.to_owned()
}

/// `open(path, flags, 0600)`.
pub fn open(path: &str, flags: i32) -> Sys<OwnedFd> {
    let p = cpath(path.as_bytes())?;
    // SAFETY: `p` is a valid C string; the mode is only used with O_CREAT
    // or O_TMPFILE.
    let fd = unsafe { libc::open(p.as_ptr(), flags | libc::O_CLOEXEC, 0o600) };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: open returned a new descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `openat(dir, name, flags)`, the name given as raw bytes up to and
/// including its terminating NUL, which lets a row pass a name that goes
/// on after an embedded NUL (the kernel stops at the first).
pub fn openat_bytes(dir: &OwnedFd, name_nul: &[u8], flags: i32) -> Sys<OwnedFd> {
    if name_nul.last() != Some(&0) {
        return Err(libc::EINVAL);
    }
    // SAFETY: `name_nul` is NUL-terminated and outlives the call.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name_nul.as_ptr().cast(),
            flags | libc::O_CLOEXEC,
            0o600,
        )
    };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: openat returned a new descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `openat(dir, name, flags)`.
pub fn openat(dir: &OwnedFd, name: &[u8], flags: i32) -> Sys<OwnedFd> {
    let mut n = name.to_vec();
    if n.contains(&0) {
        return Err(libc::EINVAL);
    }
    n.push(0);
    openat_bytes(dir, &n, flags)
}

/// `stat(path)` (follows symbolic links).
pub fn stat(path: &[u8]) -> Sys<libc::stat> {
    let p = cpath(path)?;
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid C string and out-pointer.
    if unsafe { libc::stat(p.as_ptr(), &mut st) } < 0 {
        return Err(errno());
    }
    Ok(st)
}

/// `fstatat(dir, name, 0)`.
pub fn fstatat(dir: &OwnedFd, name: &[u8]) -> Sys<libc::stat> {
    let p = cpath(name)?;
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, C string and out-pointer.
    if unsafe { libc::fstatat(dir.as_raw_fd(), p.as_ptr(), &mut st, 0) } < 0 {
        return Err(errno());
    }
    Ok(st)
}

/// `fstat(fd)`.
pub fn fstat(fd: &OwnedFd) -> Sys<libc::stat> {
    // SAFETY: a zeroed `stat` is a valid out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor and out-pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(errno());
    }
    Ok(st)
}

/// One `read()` of at most `size` bytes at the current position.
pub fn read(fd: RawFd, size: usize) -> Sys<Vec<u8>> {
    let mut buf = vec![0u8; size];
    // SAFETY: `buf` has room for `size` bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), size) };
    let n = check(n as libc::c_long)? as usize;
    buf.truncate(n);
    Ok(buf)
}

/// One `pread()` of at most `size` bytes at `off`.
pub fn pread(fd: RawFd, size: usize, off: i64) -> Sys<Vec<u8>> {
    let mut buf = vec![0u8; size];
    // SAFETY: `buf` has room for `size` bytes.
    let n = unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), size, off) };
    let n = check(n as libc::c_long)? as usize;
    buf.truncate(n);
    Ok(buf)
}

/// Reads from the current position to the end (until `read()` gives 0).
pub fn read_to_end(fd: RawFd) -> Sys<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let chunk = read(fd, 64 << 10)?;
        if chunk.is_empty() {
            return Ok(out);
        }
        out.extend_from_slice(&chunk);
    }
}

/// `lseek(fd, off, whence)`.
pub fn lseek(fd: RawFd, off: i64, whence: i32) -> Sys<i64> {
    // SAFETY: plain lseek(2).
    let r = unsafe { libc::lseek(fd, off, whence) };
    check(r)
}

/// One directory entry from `getdents64()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirent {
    pub ino: u64,
    pub off: i64,
    pub kind: u8,
    pub name: Vec<u8>,
}

/// One `getdents64()` with a buffer of `size` bytes.
pub fn getdents(fd: RawFd, size: usize) -> Sys<Vec<Dirent>> {
    // u64 storage: the kernel writes 8-byte aligned records.
    let mut buf = vec![0u64; size.div_ceil(8).max(1)];
    // SAFETY: `buf` has room for `size` bytes.
    let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), size) };
    let n = check(n)? as usize;
    // SAFETY: viewing the u64 buffer as the bytes the kernel wrote.
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
    let mut out = Vec::new();
    let mut at = 0;
    while at + 19 <= n {
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[o..o + 8]);
            b
        };
        let ino = u64::from_ne_bytes(u64_at(at));
        let off = i64::from_ne_bytes(u64_at(at + 8));
        let reclen = u16::from_ne_bytes([bytes[at + 16], bytes[at + 17]]) as usize;
        let kind = bytes[at + 18];
        if reclen < 20 || at + reclen > n {
            return Err(libc::EOVERFLOW);
        }
        let name = &bytes[at + 19..at + reclen];
        let len = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        out.push(Dirent {
            ino,
            off,
            kind,
            name: name[..len].to_vec(),
        });
        at += reclen;
    }
    Ok(out)
}

/// `getdents64()` with a buffer pointer the caller gives (to pass a bad one).
pub fn getdents_raw(fd: RawFd, ptr: usize, size: usize) -> Sys<usize> {
    // SAFETY: the kernel checks the user pointer; a bad one gives EFAULT.
    let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, ptr, size) };
    check(n).map(|v| v as usize)
}

/// The whole listing of an open directory from position 0, with one large
/// buffer.
pub fn list_all(fd: RawFd) -> Sys<Vec<Dirent>> {
    lseek(fd, 0, libc::SEEK_SET)?;
    let mut out = Vec::new();
    loop {
        let batch = getdents(fd, 64 << 10)?;
        if batch.is_empty() {
            return Ok(out);
        }
        out.extend(batch);
    }
}

/// Calls a path-taking libc function and maps -1 to errno.
pub fn path_call(path: &str, f: impl FnOnce(*const libc::c_char) -> libc::c_int) -> Sys<()> {
    let p = cpath(path.as_bytes())?;
    if f(p.as_ptr()) < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// Calls a function of two paths and maps -1 to errno.
pub fn path2_call(
    a: &str,
    b: &str,
    f: impl FnOnce(*const libc::c_char, *const libc::c_char) -> libc::c_int,
) -> Sys<()> {
    let (pa, pb) = (cpath(a.as_bytes())?, cpath(b.as_bytes())?);
    if f(pa.as_ptr(), pb.as_ptr()) < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// Maps a `c_int`/`isize`-returning call on descriptors to errno.
pub fn ret(r: libc::c_long) -> Sys<libc::c_long> {
    check(r)
}

/// A pipe, both ends close-on-exec.
pub fn pipe() -> Sys<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(errno());
    }
    // SAFETY: pipe2 returned two new descriptors we own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}
