//! Where the bytes come from: the [`Source`] trait, the real filesystem
//! ([`RealFs`]) and the bounded read buffer ([`FileBuf`]).
//!
//! Input is hostile: a `--root` may point at a copied tree whose files are
//! FIFOs, devices, symbolic links or huge files.  [`RealFs`] therefore opens
//! every file with `O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC`, checks with
//! `fstat()` on the open descriptor that it is a regular file (securityfs
//! and procfs files are), and reads at most a documented number of bytes
//! ([`MAX_FILE_SIZE`], [`MAX_TASKS_SIZE`], [`MAX_SNAPSHOT_SIZE`],
//! [`MAX_RULES_SIZE`]).  A
//! refusal is an [`io::Error`] carrying a [`Refusal`], which the library
//! reports as [`Error::Malformed`](crate::Error::Malformed).
//!
//! A file costs `openat`, `statx` (the `fstat`), one `read` and `close`:
//! the read goes into a buffer reused from file to file and sized by the
//! largest file read so far (4 KiB at least), and only a read that fills the
//! buffer is followed by another one.
//!
//! Callers may implement [`Source`] to read from pre-opened descriptors, an
//! archive, or a stored snapshot:
//!
//! ```
//! use std::collections::HashMap;
//! use std::ffi::OsString;
//! use std::io;
//! use std::path::{Path, PathBuf};
//! use landlock_audit::source::{Entry, FileBuf, ReadMode, Source};
//! use landlock_audit::Domains;
//!
//! /// A tree held in memory: file path -> contents.
//! struct InMemory(HashMap<PathBuf, Vec<u8>>);
//!
//! impl Source for InMemory {
//!     fn read(&self, path: &Path, _limit: usize, _mode: ReadMode, buf: &mut FileBuf) -> io::Result<()> {
//!         let bytes = self.0.get(path).ok_or(io::ErrorKind::NotFound)?;
//!         buf.set(bytes);
//!         Ok(())
//!     }
//!     fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
//!         let names: Vec<Entry> = self.0.keys()
//!             .filter(|p| p.parent().and_then(Path::parent) == Some(path))
//!             .filter_map(|p| p.parent()?.file_name().map(|n| Entry::dir(n.to_owned())))
//!             .collect();
//!         if names.is_empty() && !self.0.keys().any(|p| p.starts_with(path)) {
//!             return Err(io::ErrorKind::NotFound.into());
//!         }
//!         Ok(names)
//!     }
//! }
//!
//! let mut files = HashMap::new();
//! files.insert(PathBuf::from("/t/version"), b"1\n".to_vec());
//! files.insert(PathBuf::from("/t/abi_version"), b"7\n".to_vec());
//! files.insert(PathBuf::from("/t/snapshot"),
//!              b"domain 3f9a0c21d4e8b157 - 1\nfs: execute\nnet:\nscope:\ntask 120 120\n".to_vec());
//! let d = Domains::read_with(&InMemory(files), "/t")?;
//! assert_eq!(d.len(), 1);
//! assert_eq!(d.domain_of_task(120).map(|d| d.id.to_string()).as_deref(), Some("3f9a0c21d4e8b157"));
//! # Ok::<(), landlock_audit::Error>(())
//! ```

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The most bytes a file of a domain directory (`parent`, `depth`,
/// `access`, `creator`), `version`, `abi_version`, securityfs' `lsm` or a
/// `/proc` file may hold: 64 KiB.  The kernel's are far smaller (`creator`
/// is at most about 16 KiB: an escaped `PATH_MAX` path).
pub const MAX_FILE_SIZE: usize = 64 << 10;

/// The most bytes a domain's `audit_id` file may hold: 64.  The kernel's
/// is at most 17 (16 hexadecimal digits and a newline).
pub const MAX_AUDIT_ID_SIZE: usize = 64;

/// The most bytes a domain's `denials` file may hold: 64.  The kernel's
/// is at most 21 (the 20 digits of `u64::MAX` and a newline).
pub const MAX_DENIALS_SIZE: usize = 64;

/// The most bytes a domain's `rules` file may hold: 64 MiB.  The kernel
/// writes one line per rule of the domain's layer: about 60 to 100 bytes
/// for most, at most about 16 KiB (an escaped `PATH_MAX` path); Landlock
/// itself bounds the number of rules only by memory, so 64 KiB
/// ([`MAX_FILE_SIZE`]) would refuse real sandboxes of a thousand paths.
pub const MAX_RULES_SIZE: usize = 64 << 20;

/// The most bytes a `tasks` file (top-level or of a domain) may hold:
/// 160 MiB, enough for `PID_MAX_LIMIT` (2^22) tasks at the longest line of
/// the top-level file (33 bytes).
pub const MAX_TASKS_SIZE: usize = 160 << 20;

/// The most bytes the top-level `snapshot` file may hold: 256 MiB.
pub const MAX_SNAPSHOT_SIZE: usize = 256 << 20;

/// The most entries a listed directory (`domains/`, `/proc`,
/// `/proc/<pid>/task`) may hold: 2^22 + 2^10 (`PID_MAX_LIMIT` and some).
pub const MAX_DIR_ENTRIES: usize = (1 << 22) + (1 << 10);

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// One `read()`; another only when it filled the buffer.  For the
    /// files the kernel renders at each `read()` (`Documentation/abi.rst`:
    /// "read each file with one read()"): a short read is the end.
    Once,
    /// Until a `read()` returns 0: for streamed files (`snapshot`, a
    /// `seq_file`), whose reads may be short before the end.
    ToEof,
}

/// Why a [`Source`] refused a file or directory; carried inside an
/// [`io::Error`] (see [`Refusal::of`]) and reported by the library as
/// [`Error::Malformed`](crate::Error::Malformed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The file holds more than `limit` bytes.
    #[error("file larger than {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The file is not a regular file.
    #[error("not a regular file (a {kind})")]
    NotRegular {
        /// What it is: `FIFO`, `character device`, `directory`, …
        kind: &'static str,
    },
    /// A symbolic link where the tree has a file or a directory.
    #[error("a symbolic link (refused)")]
    Symlink,
    /// Not a directory where the tree has one.
    #[error("not a directory")]
    NotDirectory,
    /// The directory holds more than `limit` entries.
    #[error("directory with more than {limit} entries")]
    TooManyEntries {
        /// The limit that was exceeded.
        limit: usize,
    },
}

impl Refusal {
    /// This refusal as an [`io::Error`] (of kind `Other`).
    pub fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// The refusal an [`io::Error`] carries, if any.
    pub fn of(e: &io::Error) -> Option<&Refusal> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Refusal>())
    }
}

/// A directory entry as [`Source::list`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its name.
    pub name: OsString,
    /// Whether it is a symbolic link (from `d_type`, or `lstat()` where the
    /// filesystem gives no type).
    pub symlink: bool,
}

impl Entry {
    /// An entry that is not a symbolic link.
    pub fn dir(name: OsString) -> Self {
        Self {
            name,
            symlink: false,
        }
    }
}

/// A read buffer reused from file to file.
///
/// Its storage keeps the size of the largest file read so far (4 KiB at
/// least), so a walk reads each file with one `read()`.
#[derive(Debug, Clone)]
pub struct FileBuf {
    data: Vec<u8>,
    len: usize,
}

impl Default for FileBuf {
    fn default() -> Self {
        Self::new()
    }
}

/// The initial size of a [`FileBuf`]: the ABI's minimum buffer.
const INITIAL: usize = 4096;

impl FileBuf {
    /// An empty buffer of 4 KiB.
    pub fn new() -> Self {
        Self {
            data: vec![0; INITIAL],
            len: 0,
        }
    }

    /// The bytes of the last file read.
    pub fn contents(&self) -> &[u8] {
        &self.data[..self.len]
    }

    /// Replaces the contents by `bytes` (for sources that do not read
    /// descriptors).
    pub fn set(&mut self, bytes: &[u8]) {
        if self.data.len() < bytes.len() {
            self.data.resize(bytes.len(), 0);
        }
        self.data[..bytes.len()].copy_from_slice(bytes);
        self.len = bytes.len();
    }

    /// Reads `r` into the buffer (replacing its contents), refusing more
    /// than `limit` bytes with [`Refusal::TooLarge`].
    ///
    /// # Errors
    ///
    /// Those of `r`, and the refusal.
    pub fn fill(&mut self, r: &mut impl Read, limit: usize, mode: ReadMode) -> io::Result<()> {
        self.len = 0;
        loop {
            if self.len == self.data.len() {
                if self.len > limit {
                    return Err(Refusal::TooLarge { limit }.into_io());
                }
                let grown = (self.data.len() * 2)
                    .max(INITIAL)
                    .min(limit.saturating_add(1));
                self.data.resize(grown.max(self.len + 1), 0);
            }
            let requested = self.data.len() - self.len;
            let n = match r.read(&mut self.data[self.len..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.len = 0;
                    return Err(e);
                }
            };
            self.len += n;
            if self.len > limit {
                self.len = 0;
                return Err(Refusal::TooLarge { limit }.into_io());
            }
            if n == 0 || (mode == ReadMode::Once && n < requested) {
                return Ok(());
            }
        }
    }
}

/// Where the library reads the tree (and `/proc`) from.
///
/// Paths are those the library builds from the root it was given
/// (`<root>/version`, `<root>/domains/<id>/access`, `<proc>/<pid>/stat`,
/// …).  Errors follow the kernel's: [`io::ErrorKind::NotFound`] for a file
/// or directory that does not exist (the library treats it as described in
/// [`Domains::read_from`](crate::Domains::read_from)),
/// [`io::ErrorKind::PermissionDenied`] for `EACCES`/`EPERM`, an
/// [`io::Error`] carrying a [`Refusal`] for input the source will not read,
/// and, for other errors the library tells apart (`ENODATA` of a domain's
/// `rules` file, [`crate::rules::read`]), the OS error itself
/// ([`io::Error::from_raw_os_error`]).
pub trait Source {
    /// Reads the file at `path` into `buf`, at most `limit` bytes (more is
    /// [`Refusal::TooLarge`]).
    ///
    /// # Errors
    ///
    /// As described on the trait.
    fn read(&self, path: &Path, limit: usize, mode: ReadMode, buf: &mut FileBuf) -> io::Result<()>;

    /// The entries of the directory at `path`, in any order, without `.`
    /// and `..`.
    ///
    /// # Errors
    ///
    /// As described on the trait.
    fn list(&self, path: &Path) -> io::Result<Vec<Entry>>;

    /// The target of the symbolic link at `path` (used for
    /// `/proc/<pid>/exe`, whose `readlink()` passes exactly when the reader
    /// may ptrace-read the process).  The default says
    /// [`io::ErrorKind::Unsupported`], which the library treats as "may
    /// inspect".
    ///
    /// # Errors
    ///
    /// As described on the trait.
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        let _ = path;
        Err(io::ErrorKind::Unsupported.into())
    }
}

impl<S: Source + ?Sized> Source for &S {
    fn read(&self, path: &Path, limit: usize, mode: ReadMode, buf: &mut FileBuf) -> io::Result<()> {
        (**self).read(path, limit, mode, buf)
    }

    fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
        (**self).list(path)
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        (**self).read_link(path)
    }
}

/// The real filesystem, read defensively (see the [module](self) docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

/// What a file that is not a regular file is, for a message: `directory`,
/// `FIFO`, `character device`, `block device`, `socket`, `symbolic link`,
/// else `special file`.
///
/// ```
/// let t = std::fs::symlink_metadata("/").unwrap().file_type();
/// assert_eq!(landlock_audit::file_kind_name(t), "directory");
/// ```
pub fn kind_name(t: fs::FileType) -> &'static str {
    if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else if t.is_socket() {
        "socket"
    } else if t.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

/// `ELOOP`: `O_NOFOLLOW` met a symbolic link.
const ELOOP: i32 = libc::ELOOP;

impl RealFs {
    /// Opens `path` read-only with `O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC`
    /// and checks that it is a regular file.
    ///
    /// # Errors
    ///
    /// The open's, or a [`Refusal`].
    pub fn open(path: &Path) -> io::Result<File> {
        let f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(ELOOP) {
                    Refusal::Symlink.into_io()
                } else {
                    e
                }
            })?;
        let t = f.metadata()?.file_type();
        if !t.is_file() {
            return Err(Refusal::NotRegular { kind: kind_name(t) }.into_io());
        }
        Ok(f)
    }
}

impl Source for RealFs {
    fn read(&self, path: &Path, limit: usize, mode: ReadMode, buf: &mut FileBuf) -> io::Result<()> {
        let mut f = Self::open(path)?;
        buf.fill(&mut f, limit, mode)
    }

    fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
        let t = fs::symlink_metadata(path)?.file_type();
        if t.is_symlink() {
            return Err(Refusal::Symlink.into_io());
        }
        if !t.is_dir() {
            return Err(Refusal::NotDirectory.into_io());
        }
        let mut out = Vec::new();
        for e in fs::read_dir(path)? {
            let e = e?;
            if out.len() == MAX_DIR_ENTRIES {
                return Err(Refusal::TooManyEntries {
                    limit: MAX_DIR_ENTRIES,
                }
                .into_io());
            }
            // `file_type()` is `d_type`, with an `lstat()` only where the
            // filesystem gives none.
            let symlink = e.file_type().map(|t| t.is_symlink()).unwrap_or(false);
            out.push(Entry {
                name: e.file_name(),
                symlink,
            });
        }
        Ok(out)
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        fs::read_link(path)
    }
}

/// Test sources.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Entry, FileBuf, ReadMode, RealFs, Source};
    use std::cell::Cell;
    use std::io;
    use std::path::Path;

    type Fail<'a> = Box<dyn Fn(&Path) -> Option<io::Error> + 'a>;

    /// The real filesystem, with `fail` turning a read into an error, and
    /// the reads counted.
    pub(crate) struct Hooked<'a> {
        fail: Fail<'a>,
        pub(crate) reads: Cell<usize>,
    }

    impl<'a> Hooked<'a> {
        pub(crate) fn new(fail: impl Fn(&Path) -> Option<io::Error> + 'a) -> Self {
            Self {
                fail: Box::new(fail),
                reads: Cell::new(0),
            }
        }
    }

    impl Source for Hooked<'_> {
        fn read(
            &self,
            path: &Path,
            limit: usize,
            mode: ReadMode,
            buf: &mut FileBuf,
        ) -> io::Result<()> {
            self.reads.set(self.reads.get() + 1);
            if let Some(e) = (self.fail)(path) {
                return Err(e);
            }
            RealFs.read(path, limit, mode, buf)
        }

        fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
            RealFs.list(path)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Returns at most `chunk` bytes per read, like a `seq_file`.
    struct Chunked<'a>(&'a [u8], usize);

    impl Read for Chunked<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn fill_reads_whole_files_and_refuses_large_ones() {
        let mut b = FileBuf::new();
        b.fill(&mut Cursor::new(b"abc"), 10, ReadMode::Once)
            .unwrap();
        assert_eq!(b.contents(), b"abc");
        let big = vec![7u8; 10_000];
        b.fill(&mut Cursor::new(&big), 10_000, ReadMode::Once)
            .unwrap();
        assert_eq!(b.contents(), &big[..]);
        // The buffer kept its size: the next file needs one read.
        assert!(b.data.len() > 10_000);
        let e = b
            .fill(&mut Cursor::new(&big), 9_999, ReadMode::Once)
            .unwrap_err();
        assert_eq!(Refusal::of(&e), Some(&Refusal::TooLarge { limit: 9_999 }));
        assert_eq!(b.contents(), b"");
        // Exactly the limit is fine.
        b.fill(&mut Cursor::new(&big[..4096]), 4096, ReadMode::Once)
            .unwrap();
        assert_eq!(b.contents().len(), 4096);
    }

    #[test]
    fn once_stops_at_a_short_read_to_eof_does_not() {
        let text = b"0123456789";
        let mut b = FileBuf::new();
        b.fill(&mut Chunked(text, 3), 100, ReadMode::Once).unwrap();
        assert_eq!(b.contents(), b"012");
        b.fill(&mut Chunked(text, 3), 100, ReadMode::ToEof).unwrap();
        assert_eq!(b.contents(), text);
    }

    #[test]
    fn an_endless_stream_stops_at_the_limit() {
        let mut b = FileBuf::new();
        let e = b
            .fill(&mut io::repeat(0), 1 << 20, ReadMode::ToEof)
            .unwrap_err();
        assert_eq!(Refusal::of(&e), Some(&Refusal::TooLarge { limit: 1 << 20 }));
        assert!(b.data.len() <= (1 << 20) + 1);
    }
}
