// SPDX-License-Identifier: GPL-2.0-only

//! A small safe abstraction over securityfs (`security/inode.c`).
//!
//! It follows [`crate::debugfs`]: entries are RAII objects removed when
//! dropped, and a file's content comes from a small trait, [`Show`], whose
//! `file_operations` table is generated once per implementing type on top
//! of the stock `seq_file` helpers.  A file can also be a [`FileNode`] and a directory a dynamic
//! [`DirNode`] (see [`crate::fs::dynfs`]).
//!
//! Entries are made through a [`Builder`] by [`create_permanent`]: if the
//! builder fails, everything it made is removed; once it succeeds, nothing
//! it made is ever removed.  Only then do dynamic directories get their
//! operations, since securityfs cannot remove a directory whose dynamic
//! entries user space may still hold (`securityfs_remove()` expects
//! persistent children only).
//!
//! Every entry made here is read-only: files have mode 0444 and refuse to
//! be opened for writing, and no entry can be changed (`setattr` fails with
//! EPERM even for root).

use crate::fs::dynfs::{self, set_inode_ops, setattr, DirNode, FileNode};
use crate::{
    bindings,
    error::from_err_ptr,
    ffi::{c_int, c_void},
    fs::file::flags,
    prelude::*,
    seq_file::SeqFile,
};
use core::{marker::PhantomData, ptr::NonNull};

/// Content of a read-only securityfs file.
///
/// [`Show::show`] runs from `read()` in process context through
/// `single_open()`: it may sleep, and whatever it prints is what one read of
/// the whole file returns.
pub trait Show: Sync + 'static {
    /// Prints the file's content.
    fn show(&self, m: &SeqFile) -> Result;
}

/// A securityfs entry (directory or file), removed when dropped.
///
/// # Invariants
///
/// `dentry` was returned by a successful `securityfs_create_*()` call and has
/// not been passed to `securityfs_remove()` yet, nor has any of its
/// ancestors.
struct Entry {
    dentry: NonNull<bindings::dentry>,
    is_dir: bool,
}

/// Inode operations of our static directories: securityfs's own lookup.
const DIR_IOPS: bindings::inode_operations = bindings::inode_operations {
    lookup: Some(bindings::simple_lookup),
    setattr: Some(setattr),
    ..pin_init::zeroed()
};

/// Inode operations of our static files.
const FILE_IOPS: bindings::inode_operations = bindings::inode_operations {
    setattr: Some(setattr),
    ..pin_init::zeroed()
};

impl Entry {
    fn from_raw(dentry: *mut bindings::dentry, is_dir: bool) -> Result<Self> {
        let dentry = from_err_ptr(dentry)?;
        // INVARIANT: `from_err_ptr` accepted it, and securityfs never returns
        // NULL on success.
        let entry = NonNull::new(dentry)
            .map(|dentry| Self { dentry, is_dir })
            .ok_or(ENOMEM)?;
        let iops = if is_dir { &DIR_IOPS } else { &FILE_IOPS };
        // SAFETY: the entry is live, so is its inode; `iops` is `'static`
        // and, like securityfs's own, uses no private data.
        unsafe { set_inode_ops(entry.inode(), iops, core::ptr::null()) };
        Ok(entry)
    }

    /// The entry's inode, live while `self` is.
    fn inode(&self) -> *mut bindings::inode {
        // SAFETY: a live securityfs dentry is positive, and its inode never
        // changes.
        unsafe { (*self.dentry.as_ptr()).d_inode }
    }

    /// Creates a read-only (0444) file below this directory.
    ///
    /// # Safety
    ///
    /// `self` is a directory; `data` outlives the file's inode and is what
    /// `fops` expects in `i_private`.
    unsafe fn create_file(
        &self,
        name: &CStr,
        data: *mut c_void,
        fops: &'static bindings::file_operations,
    ) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; `self.dentry` is a live
        // directory (type invariant and the caller's precondition); `fops`
        // is `'static`; `data` is valid by the caller's precondition.
        Self::from_raw(
            unsafe {
                bindings::securityfs_create_file(
                    name.as_char_ptr(),
                    (bindings::S_IFREG | 0o444) as u16,
                    self.dentry.as_ptr(),
                    data,
                    fops,
                )
            },
            false,
        )
    }

    /// Creates a directory at the root of securityfs, or below `parent`.
    fn dir(name: &CStr, parent: Option<&Entry>) -> Result<Self> {
        let parent = parent.map_or(core::ptr::null_mut(), |p| p.dentry.as_ptr());
        // SAFETY: `name` is NUL-terminated and outlives the call; `parent` is
        // NULL or a live securityfs directory (type invariant, and callers
        // check `is_dir`).
        Self::from_raw(
            unsafe { bindings::securityfs_create_dir(name.as_char_ptr(), parent) },
            true,
        )
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the dentry is live and not removed
        // yet; it is removed exactly once, here.
        unsafe { bindings::securityfs_remove(self.dentry.as_ptr()) };
    }
}

/// A directory made by a [`Builder`], to create entries below it.
#[derive(Clone, Copy)]
pub struct Dir(usize);

/// Makes the entries of a permanent tree (see [`create_permanent`]).
pub struct Builder {
    /// Everything made so far, in creation order (parents first).
    entries: KVec<Entry>,
    /// Dynamic directories (an index into `entries`) and their operations,
    /// set once the tree is complete.
    dynamic: KVec<(
        usize,
        &'static bindings::inode_operations,
        &'static bindings::file_operations,
    )>,
}

impl Builder {
    fn push(&mut self, entry: Result<Entry>) -> Result<usize> {
        // Room first, so that a made entry is always recorded (and removed
        // if a later step fails).
        self.entries.reserve(1, GFP_KERNEL)?;
        self.entries.push(entry?, GFP_KERNEL)?;
        Ok(self.entries.len() - 1)
    }

    fn parent(&self, dir: Dir) -> Result<&Entry> {
        match self.entries.get(dir.0) {
            Some(e) if e.is_dir => Ok(e),
            _ => Err(EINVAL),
        }
    }

    /// Creates a directory at the root of securityfs, or below `parent`.
    pub fn dir(&mut self, name: &CStr, parent: Option<Dir>) -> Result<Dir> {
        let parent = parent.map(|p| self.parent(p)).transpose()?;
        let entry = Entry::dir(name, parent);
        self.push(entry).map(Dir)
    }

    /// Creates a read-only (0444) file below `parent` whose content is
    /// printed by `data`.
    pub fn show_file<T: Show>(&mut self, parent: Dir, name: &CStr, data: &'static T) -> Result {
        let parent = self.parent(parent)?;
        // SAFETY: `parent` is a directory; `data` is `'static`, so it
        // outlives the inode whose `i_private` it becomes, as
        // `ShowFile::<T>::open` requires.
        let entry = unsafe {
            parent.create_file(
                name,
                core::ptr::from_ref(data).cast_mut().cast(),
                &ShowFile::<T>::FOPS,
            )
        };
        self.push(entry).map(|_| ())
    }

    /// Creates a read-only (0444) file of type `F` below `parent`, with key
    /// 0.
    pub fn file<F: FileNode>(&mut self, parent: Dir, name: &CStr) -> Result {
        let parent = self.parent(parent)?;
        // SAFETY: `parent` is a directory; `F`'s file operations read their
        // key from `i_private`, where NULL is key 0.
        let entry =
            unsafe { parent.create_file(name, core::ptr::null_mut(), dynfs::file_fops::<F>()) };
        self.push(entry).map(|_| ())
    }

    /// Creates a dynamic directory of type `D` below `parent`, with key 0.
    /// It is an empty securityfs directory until [`create_permanent`]
    /// completes, and keeps securityfs's link count, size and timestamps,
    /// which nothing changes afterwards.
    pub fn dynamic_dir<D: DirNode>(&mut self, parent: Dir, name: &CStr) -> Result {
        self.dynamic.reserve(1, GFP_KERNEL)?;
        let dir = self.dir(name, Some(parent))?;
        let (iops, fops) = dynfs::root_dir_ops::<D>();
        self.dynamic.push((dir.0, iops, fops), GFP_KERNEL)?;
        Ok(())
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // Children first: securityfs removes a directory with its children,
        // so each entry must go before its parent.
        while let Some(entry) = self.entries.pop() {
            drop(entry);
        }
    }
}

/// Creates securityfs entries with `build`, for the kernel's lifetime: if
/// `build` fails, every entry it made is removed; if it succeeds, its
/// dynamic directories get their operations and nothing it made is ever
/// removed.
pub fn create_permanent(build: impl FnOnce(&mut Builder) -> Result) -> Result {
    let mut b = Builder {
        entries: KVec::new(),
        dynamic: KVec::new(),
    };
    build(&mut b)?;
    for &(i, iops, fops) in b.dynamic.iter() {
        if let Some(e) = b.entries.get(i) {
            // SAFETY: `e` is a live securityfs directory without children
            // (made empty, and securityfs's `simple_lookup()` only makes
            // negative dentries, dropped after use), never removed from now
            // on (below), so the entries that `D`'s operations make and free
            // themselves never meet `securityfs_remove()`; those operations
            // read the directory's key (0) from its NULL `i_private`.
            unsafe { set_inode_ops(e.inode(), iops, fops) };
        }
    }
    // Permanent: the dentries stay pinned, the list itself is freed.
    while let Some(entry) = b.entries.pop() {
        core::mem::forget(entry);
    }
    Ok(())
}

/// The `file_operations` of files whose content a `T` prints.
struct ShowFile<T>(PhantomData<T>);

impl<T: Show> ShowFile<T> {
    const FOPS: bindings::file_operations = bindings::file_operations {
        open: Some(Self::open),
        read: Some(bindings::seq_read),
        llseek: Some(bindings::seq_lseek),
        release: Some(bindings::single_release),
        ..pin_init::zeroed()
    };

    /// # Safety
    ///
    /// Called by the VFS through [`Self::FOPS`], which only
    /// [`Builder::show_file`] sets: `inode->i_private` points to a `T` that
    /// outlives the inode, and `file` is being opened on `inode`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // Read-only, even for a caller whose capabilities override the
        // 0444 mode.
        // SAFETY: the caller passes a file being opened.
        if unsafe { (*file).f_flags } & flags::O_ACCMODE != flags::O_RDONLY {
            return EACCES.to_errno();
        }
        // SAFETY: the caller passes a live inode.
        let data = unsafe { (*inode).i_private };
        // SAFETY: `file` is being opened; `Self::show` is called on a
        // seq_file whose private data is `data`, a valid `T` by the caller's
        // precondition.
        unsafe { bindings::single_open(file, Some(Self::show), data) }
    }

    /// # Safety
    ///
    /// Called by `seq_read()` on a live seq_file set up by [`Self::open`].
    unsafe extern "C" fn show(seq: *mut bindings::seq_file, _: *mut c_void) -> c_int {
        // SAFETY: `single_open()` stored the inode's `i_private`, a `&'static
        // T`, in `seq->private`.
        let data = unsafe { &*(*seq).private.cast::<T>() };
        // SAFETY: `seq` is live for the duration of this call.
        let m = unsafe { SeqFile::from_raw(seq) };
        match data.show(m) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

#[macros::kunit_tests(rust_kernel_securityfs)]
mod tests {
    use super::*;

    struct Empty;

    impl Show for Empty {
        fn show(&self, _m: &SeqFile) -> Result {
            Ok(())
        }
    }

    static EMPTY: Empty = Empty;

    #[test]
    fn a_failed_build_removes_what_it_made() {
        // Twice: had the first build left its directory behind, the second
        // would fail with EEXIST instead of the builder's own error.
        for _ in 0..2 {
            let r = create_permanent(|b| {
                let d = b.dir(c"rust_kunit_securityfs", None)?;
                let sub = b.dir(c"sub", Some(d))?;
                b.show_file(sub, c"file", &EMPTY)?;
                Err(ENOTRECOVERABLE)
            });
            assert_eq!(r, Err(ENOTRECOVERABLE));
        }
    }

    #[test]
    fn a_file_is_not_a_parent() {
        let r = create_permanent(|b| {
            let d = b.dir(c"rust_kunit_securityfs_parent", None)?;
            b.show_file(d, c"file", &EMPTY)?;
            // The file's index, which is not a directory.
            assert_eq!(b.dir(c"below_a_file", Some(Dir(1))).err(), Some(EINVAL));
            Err(ENOTRECOVERABLE)
        });
        assert_eq!(r, Err(ENOTRECOVERABLE));
    }
}
