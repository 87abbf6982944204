// SPDX-License-Identifier: GPL-2.0-only

//! A small safe abstraction over securityfs (`security/inode.c`).
//!
//! The kernel crate has none, so this one follows `rust/kernel/debugfs`:
//! entries are RAII objects removed (recursively) when dropped, and a file's
//! content comes from a small trait, [`Show`], whose `file_operations` table
//! is generated once per implementing type on top of the stock `seq_file`
//! helpers.  Every entry made here is read-only: files have mode 0444 and
//! refuse to be opened for writing, and no entry can be changed (`setattr`
//! fails with EPERM even for root).

use crate::glue::raw;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    bindings,
    error::from_err_ptr,
    ffi::{c_int, c_void},
    fs::file::flags,
    prelude::*,
    seq_file::SeqFile,
};

/// Content of a read-only securityfs file.
///
/// [`Show::show`] runs from `read()` in process context through
/// `single_open()`: it may sleep, and whatever it prints is what one read of
/// the whole file returns.
pub(crate) trait Show: Sync + 'static {
    /// Prints the file's content.
    fn show(&self, m: &SeqFile) -> Result;
}

/// A securityfs entry (directory or file), removed when dropped.
///
/// # Invariants
///
/// `dentry` was returned by a successful `securityfs_create_*()` call and has
/// not been passed to `securityfs_remove()` yet.
pub(crate) struct Entry {
    dentry: NonNull<bindings::dentry>,
}

// SAFETY: an `Entry` only hands its dentry pointer to `securityfs_*()`
// functions, which take their own locks; it can move between threads.
unsafe impl Send for Entry {}
// SAFETY: shared references only read the pointer value.
unsafe impl Sync for Entry {}

/// Refuses every attribute change (chmod, chown, truncate, utimes).
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
pub(crate) unsafe extern "C" fn setattr(
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    _attr: *mut bindings::iattr,
) -> c_int {
    EPERM.to_errno()
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
    fn from_raw(
        dentry: *mut bindings::dentry,
        iops: &'static bindings::inode_operations,
    ) -> Result<Self> {
        let dentry = from_err_ptr(dentry)?;
        // INVARIANT: `from_err_ptr` accepted it, and securityfs never returns
        // NULL on success.
        let entry = NonNull::new(dentry)
            .map(|dentry| Self { dentry })
            .ok_or(ENOMEM)?;
        // SAFETY: the entry is live, so is its inode; `iops` is `'static`.
        unsafe { raw::landlock_fs_set_inode_ops(entry.inode(), iops, core::ptr::null()) };
        Ok(entry)
    }

    fn inode(&self) -> *mut bindings::inode {
        // SAFETY: a live securityfs dentry is positive.
        unsafe { (*self.dentry.as_ptr()).d_inode }
    }

    /// Replaces the operations of a directory made by [`Entry::dir`], so
    /// that its content is dynamic.
    ///
    /// # Safety
    ///
    /// `iops` and `fops` implement a directory whose entries they create
    /// and free themselves, and expect nothing in `i_private`.
    pub(crate) unsafe fn set_dir_ops(
        &self,
        iops: &'static bindings::inode_operations,
        fops: &'static bindings::file_operations,
    ) {
        // SAFETY: the entry is live; by the caller's precondition the
        // operations fit this inode.
        unsafe { raw::landlock_fs_set_inode_ops(self.inode(), iops, fops) };
    }

    /// Creates a read-only (0444) file below this directory with its own
    /// file operations.
    ///
    /// # Safety
    ///
    /// `fops` implements a read-only file that expects nothing in
    /// `i_private`.
    pub(crate) unsafe fn file_with_ops(
        &self,
        name: &CStr,
        fops: &'static bindings::file_operations,
    ) -> Result<Self> {
        // SAFETY: no private data, as the caller's `fops` expects.
        unsafe { self.create_file(name, core::ptr::null_mut(), fops) }
    }

    /// # Safety
    ///
    /// `data` outlives the file's inode and is what `fops` expects in
    /// `i_private`.
    unsafe fn create_file(
        &self,
        name: &CStr,
        data: *mut c_void,
        fops: &'static bindings::file_operations,
    ) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; `self.dentry` is a live
        // directory (type invariant); `fops` is `'static`; `data` is valid by
        // the caller's precondition.
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
            &FILE_IOPS,
        )
    }

    /// Creates a directory at the root of securityfs, or below `parent`.
    pub(crate) fn dir(name: &CStr, parent: Option<&Entry>) -> Result<Self> {
        let parent = parent.map_or(core::ptr::null_mut(), |p| p.dentry.as_ptr());
        // SAFETY: `name` is NUL-terminated and outlives the call; `parent` is
        // NULL or a live securityfs directory (type invariant).
        Self::from_raw(
            unsafe { bindings::securityfs_create_dir(name.as_char_ptr(), parent) },
            &DIR_IOPS,
        )
    }

    /// Creates a read-only (0444) file below this directory whose content is
    /// printed by `data`.
    pub(crate) fn read_only_file<T: Show>(&self, name: &CStr, data: &'static T) -> Result<Self> {
        // SAFETY: `data` is `'static`, so it outlives the inode whose
        // `i_private` it becomes, as `ShowFile::<T>::open` requires.
        unsafe {
            self.create_file(
                name,
                core::ptr::from_ref(data).cast_mut().cast(),
                &ShowFile::<T>::FOPS,
            )
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the dentry is live and not removed
        // yet; it is removed exactly once, here.
        unsafe { bindings::securityfs_remove(self.dentry.as_ptr()) };
    }
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
    /// `inode->i_private` points to a `T` that outlives the inode (ensured by
    /// [`Entry::read_only_file`]), and `file` is being opened.
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
    /// `seq` is a live seq_file set up by [`Self::open`].
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
