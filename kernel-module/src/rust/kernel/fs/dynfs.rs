// SPDX-License-Identifier: GPL-2.0-only

//! Dynamic directories: a small safe abstraction over the VFS for
//! directories whose entries exist only while someone looks at them, like
//! `/proc/<pid>`.
//!
//! It wraps only what such directories need of inodes and dentries.  A
//! node (a directory
//! or a read-only file) is a type implementing [`DirNode`] or [`FileNode`]
//! and a key, a `u64` kept in the inode's `i_private` (nothing that holds a
//! reference).  The operation tables of each type are generated once, from
//! its trait implementation, so no raw table, inode or dentry crosses this
//! module's interface:
//!
//! - A lookup ([`DirNode::lookup`]) makes a fresh inode for the [`Child`]
//!   it returns, or a negative dentry for a miss.  Dentries are never kept
//!   beyond their last use (`d_delete`), and `d_revalidate`, `permission`
//!   and `getattr` ask [`Node::visible`] again, so a dentry cached for one
//!   task never lets another one through.  All three leave RCU walk
//!   (`-ECHILD`), since the check may sleep.
//! - `open` ([`Node::open`]) computes what the opener may read, which the
//!   open file keeps until `release`; `read` ([`FileNode::read`]) and
//!   `iterate_shared` ([`DirNode::iterate`]) serve it.
//! - Everything is read-only: files refuse to be opened for writing
//!   (`EACCES`, even for a caller whose capabilities override the mode),
//!   `permission` refuses `MAY_WRITE` and `MAY_APPEND`, `setattr` fails
//!   with `EPERM` even for root, and there are no `create`, `mkdir`,
//!   `unlink` or `rename` operations (the VFS answers `EACCES` or `EPERM`).
//!
//! The root of a dynamic directory is made by `kernel::securityfs`
//! ([`root_dir_ops`]), as are files with no lookup above them
//! ([`file_fops`]); both have key 0 (their `i_private` is NULL).

use crate::{
    bindings,
    error::VTABLE_DEFAULT_ERROR,
    ffi::{c_char, c_int, c_uint, c_void},
    fs::file::{flags, File, LocalFile, Offset},
    prelude::*,
    sync::poll::PollTable,
    uaccess::{UserPtr, UserSlice, UserSliceWriter},
};
use core::{marker::PhantomData, ptr::NonNull};

// Keys live in `i_private`, a pointer (hence `CONFIG_64BIT`).
const _: () = assert!(core::mem::size_of::<*mut c_void>() >= core::mem::size_of::<u64>());

/// A type of node: a directory ([`DirNode`]) or a file ([`FileNode`]).
/// Nodes of one type differ by their key.
pub trait Node: Sized + 'static {
    /// What an open file or directory holds from `open` to `release`.
    type Open: Send + Sync;

    /// Whether the current task may see the node of `key`.  Asked, for
    /// nodes made by a lookup, by `d_revalidate`, `permission` (which fails
    /// with `ENOENT` if not) and `getattr` (likewise).  Process context, no
    /// lock held: it may sleep.
    /// An error (`ENOMEM`) is returned to the caller as is.
    fn visible(key: u64) -> Result<bool>;

    /// `open`, by the current task: what the open file holds.  Files are
    /// checked to be opened read-only first.
    fn open(key: u64, file: &LocalFile) -> Result<Self::Open>;
}

/// A directory of nodes made on lookup.
pub trait DirNode: Node {
    /// Looks `name` up in the directory of `key`: `Ok(Some(child))` makes
    /// an inode for it, `Ok(None)` a negative dentry (`stat` and `open`
    /// then fail with `ENOENT`, `creat` and `mkdir` with the VFS's `EACCES`
    /// or `EPERM`), and an error is returned as is.
    fn lookup(key: u64, name: &[u8]) -> Result<Option<Child>>;

    /// `iterate_shared`: emits the directory's entries from `ctx.pos()`
    /// on, through `ctx`, with what `open` computed.
    fn iterate(key: u64, open: &Self::Open, file: &LocalFile, ctx: &mut DirContext<'_>) -> Result;
}

/// A read-only file.
///
/// `poll` is optional: a file without it is always ready (the VFS reports
/// the default mask without calling the file).
#[vtable]
pub trait FileNode: Node {
    /// `read`: copies content from `*pos` on into `out`, advances `*pos`,
    /// and returns how many bytes it copied (0 at the end).
    fn read(
        key: u64,
        open: &Self::Open,
        file: &LocalFile,
        out: &mut UserSliceWriter,
        pos: &mut Offset,
    ) -> Result<usize>;

    /// `poll`, `select()` and epoll: registers `table` with what wakes the
    /// file's pollers ([`PollTable::register_wait`]), then returns the
    /// events ready now.  Nothing may block.  An error reports `POLLERR`.
    fn poll(
        _key: u64,
        _open: &Self::Open,
        _file: &File,
        _table: &PollTable<'_>,
    ) -> Result<PollEvents> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Events that a `poll()` of a file reports ([`FileNode::poll`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PollEvents(u32);

impl PollEvents {
    /// Nothing to report: the poller sleeps until its queue is woken.
    pub const NONE: Self = Self(0);

    /// Readable without blocking (`POLLIN | POLLRDNORM`), which a file's
    /// `read` always is.
    pub const READABLE: Self = Self(bindings::POLLIN | bindings::POLLRDNORM);

    /// The content changed (`POLLPRI | POLLERR`), as attributes that
    /// `sysfs_notify()` wakes and `/proc/self/mounts` report it: the
    /// reader reads the file again from offset 0.
    pub const CHANGED: Self = Self(bindings::POLLPRI | bindings::POLLERR);

    /// The events of `self` and of `other`.
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The mask of `POLL*` bits.
    pub const fn bits(self) -> u32 {
        self.0
    }
}

/// What a lookup found: the type of the node to make, its key and,
/// optionally, its inode number.
pub struct Child {
    key: u64,
    ops: &'static NodeOps,
    ino: Option<u64>,
}

impl Child {
    /// A directory of type `D`.
    pub fn dir<D: DirNode>(key: u64) -> Self {
        Self {
            key,
            ops: &Ops::<D>::DIR_NODE,
            ino: None,
        }
    }

    /// A file of type `F`.
    pub fn file<F: FileNode>(key: u64) -> Self {
        Self {
            key,
            ops: &Ops::<F>::FILE_NODE,
            ino: None,
        }
    }

    /// Gives the node the inode number `ino` (the one its directory's
    /// `getdents()` reports for it), instead of one from `get_next_ino()`.
    pub fn with_ino(self, ino: u64) -> Self {
        Self {
            ino: Some(ino),
            ..self
        }
    }
}

/// The type of a directory entry, as `getdents()` reports it.
#[derive(Clone, Copy)]
pub enum EntryType {
    /// `DT_DIR`.
    Dir,
    /// `DT_REG`.
    Regular,
}

/// The position and output of one `iterate_shared()` call.
///
/// # Invariants
///
/// `ctx` is the live directory context of an `iterate_shared()` call on
/// `file`, which is live and open, both for `'a`.
pub struct DirContext<'a> {
    ctx: NonNull<bindings::dir_context>,
    file: NonNull<bindings::file>,
    _call: PhantomData<&'a mut bindings::dir_context>,
}

impl DirContext<'_> {
    /// The position to continue from (0 and 1 are the dots).
    pub fn pos(&self) -> i64 {
        // SAFETY: `ctx` is live (type invariant).
        unsafe { (*self.ctx.as_ptr()).pos }
    }

    /// Records that the next call continues from `pos`.
    pub fn set_pos(&mut self, pos: i64) {
        // SAFETY: `ctx` is live (type invariant), and this call is the only
        // one using it.
        unsafe { (*self.ctx.as_ptr()).pos = pos };
    }

    /// Emits `.` and `..` if the position is before them
    /// (`dir_emit_dots()`); `false` when the caller's buffer is full.
    pub fn emit_dots(&mut self) -> bool {
        // SAFETY: `file` and `ctx` are live and belong together (type
        // invariant).
        unsafe { bindings::dir_emit_dots(self.file.as_ptr(), self.ctx.as_ptr()) }
    }

    /// Emits one entry (`dir_emit()`); `false` when the caller's buffer is
    /// full (or the name too long to be one).
    pub fn emit(&mut self, name: &[u8], ino: u64, ty: EntryType) -> bool {
        let Ok(len) = c_int::try_from(name.len()) else {
            return false;
        };
        let ty = match ty {
            EntryType::Dir => bindings::DT_DIR,
            EntryType::Regular => bindings::DT_REG,
        };
        // SAFETY: `ctx` is live (type invariant); `name` has `len` bytes.
        unsafe { bindings::dir_emit(self.ctx.as_ptr(), name.as_ptr().cast(), len, ino, ty) }
    }
}

/// The `inode_operations` of the root of a dynamic directory of type `D`
/// (a securityfs directory: no visibility check, so paths through it stay
/// in RCU walk), and its `file_operations`.
pub fn root_dir_ops<D: DirNode>() -> (
    &'static bindings::inode_operations,
    &'static bindings::file_operations,
) {
    (&Ops::<D>::ROOT_DIR_IOPS, &Ops::<D>::DIR_FOPS)
}

/// The `file_operations` of a file of type `F` (for a file that securityfs
/// makes, with key 0).
pub fn file_fops<F: FileNode>() -> &'static bindings::file_operations {
    &Ops::<F>::FILE_FOPS
}

/// How to make the inode of a node type.
struct NodeOps {
    mode: u32,
    iops: &'static bindings::inode_operations,
    fops: &'static bindings::file_operations,
    dops: &'static bindings::dentry_operations,
}

/// The operation tables of node type `N`.
struct Ops<N>(PhantomData<N>);

impl<N: Node> Ops<N> {
    const DENTRY_OPS: bindings::dentry_operations = bindings::dentry_operations {
        d_revalidate: Some(revalidate::<N>),
        d_delete: Some(delete),
        ..pin_init::zeroed()
    };
}

impl<D: DirNode> Ops<D> {
    const DIR_IOPS: bindings::inode_operations = bindings::inode_operations {
        lookup: Some(lookup::<D>),
        permission: Some(permission::<D>),
        getattr: Some(getattr::<D>),
        setattr: Some(setattr),
        ..pin_init::zeroed()
    };

    const ROOT_DIR_IOPS: bindings::inode_operations = bindings::inode_operations {
        lookup: Some(lookup::<D>),
        setattr: Some(setattr),
        ..pin_init::zeroed()
    };

    const DIR_FOPS: bindings::file_operations = bindings::file_operations {
        open: Some(open_dir::<D>),
        iterate_shared: Some(iterate::<D>),
        release: Some(release::<D>),
        read: Some(bindings::generic_read_dir),
        llseek: Some(bindings::generic_file_llseek),
        ..pin_init::zeroed()
    };

    const DIR_NODE: NodeOps = NodeOps {
        mode: bindings::S_IFDIR | 0o555,
        iops: &Self::DIR_IOPS,
        fops: &Self::DIR_FOPS,
        dops: &Self::DENTRY_OPS,
    };
}

impl<F: FileNode> Ops<F> {
    const FILE_IOPS: bindings::inode_operations = bindings::inode_operations {
        permission: Some(permission::<F>),
        getattr: Some(getattr::<F>),
        setattr: Some(setattr),
        ..pin_init::zeroed()
    };

    const FILE_FOPS: bindings::file_operations = bindings::file_operations {
        open: Some(open_file::<F>),
        read: Some(read::<F>),
        poll: if F::HAS_POLL { Some(poll::<F>) } else { None },
        release: Some(release::<F>),
        llseek: Some(bindings::generic_file_llseek),
        ..pin_init::zeroed()
    };

    const FILE_NODE: NodeOps = NodeOps {
        mode: bindings::S_IFREG | 0o444,
        iops: &Self::FILE_IOPS,
        fops: &Self::FILE_FOPS,
        dops: &Self::DENTRY_OPS,
    };
}

// ---------------------------------------------------------------------------
// The operations.  Each table above is set only on inodes that this module
// made for its node type (or, for `root_dir_ops` and `file_fops`, that
// securityfs made with a NULL `i_private`), which is what their safety
// comments rely on: the VFS calls an inode's (or its dentry's, or its open
// file's) operations only on that inode.

/// Gives `inode` the operations `iops` and, if not null, `fops`, and
/// `S_NOATIME` (a listing or a read would otherwise set the access time,
/// which any reader could `stat()`: when somebody last looked).
///
/// # Safety
///
/// `inode` is live, and either new and not yet visible to anyone else, or
/// one whose tables the caller may replace while the VFS uses it: every
/// operation that can reach the inode through the old or the new tables
/// finds there what it needs (its `i_private`, its children), and the new
/// `iops` adds no `permission`, `get_link` or `listxattr` that the old one
/// lacked (the VFS caches their absence in `i_opflags`, so they would be
/// skipped).  The tables are `'static`.
pub(crate) unsafe fn set_inode_ops(
    inode: *mut bindings::inode,
    iops: *const bindings::inode_operations,
    fops: *const bindings::file_operations,
) {
    // SAFETY: `inode` is live.  The two pointers are written with single
    // volatile stores (`WRITE_ONCE()`), so a concurrent reader sees the old
    // or the new table, both valid by the caller's precondition.
    // `inode_set_flags()` changes `i_flags` atomically (`cmpxchg`), as
    // other writers of a live inode's flags do.
    unsafe {
        core::ptr::write_volatile(&raw mut (*inode).i_op, iops);
        if !fops.is_null() {
            core::ptr::write_volatile(&raw mut (*inode).__bindgen_anon_3.i_fop, fops);
        }
        bindings::inode_set_flags(inode, bindings::S_NOATIME, bindings::S_NOATIME);
    }
}

/// The key of one of our inodes.
///
/// # Safety
///
/// `inode` is live and was made by [`splice`] (key in `i_private`) or by
/// securityfs with a NULL `i_private` (key 0).
unsafe fn key_of(inode: *const bindings::inode) -> u64 {
    // SAFETY: by the caller's precondition; `i_private` never changes.
    unsafe { (*inode).i_private as usize as u64 }
}

/// The name of a dentry being looked up.
///
/// # Safety
///
/// `dentry` is live and its name stable for `'a` (as during `lookup`, which
/// holds the parent directory's lock).
unsafe fn name_of<'a>(dentry: *const bindings::dentry) -> &'a [u8] {
    // SAFETY: by the caller's precondition.  `d_name` and `__d_name` are
    // the same `struct qstr`, and bindgen lays out its `hash`/`len` union
    // as C does on this architecture: these are C's `d_name.name` and
    // `d_name.len`.
    let (name, len) = unsafe {
        let q = &(*dentry).__bindgen_anon_1.d_name;
        (q.name, q.__bindgen_anon_1.__bindgen_anon_1.len)
    };
    // SAFETY: `d_name` has `len` bytes, stable for `'a`.
    unsafe { core::slice::from_raw_parts(name, len as usize) }
}

/// The open file of an operation.
///
/// # Safety
///
/// `file` is live for `'a` (the VFS holds a reference during the call), and
/// any `fdget_pos()` on it that skipped `f_pos_lock` is the current
/// thread's (the `read()` or `getdents()` in progress, or none yet during
/// `open`).
unsafe fn local_file<'a>(file: *mut bindings::file) -> &'a LocalFile {
    // SAFETY: by the caller's precondition.
    unsafe { LocalFile::from_raw_file(file) }
}

/// What `open` stored in an open file of type `N`.
///
/// # Safety
///
/// `file` is a live file whose `file_operations` are `N`'s, opened
/// successfully, and the reference does not outlive the current call on it
/// (`release`, which frees the data, cannot run during another call).
unsafe fn open_of<'a, N: Node>(file: *mut bindings::file) -> &'a N::Open {
    // SAFETY: `N`'s `open` stored a `KBox<N::Open>` in `private_data` (only
    // a successful `open` lets other calls happen), freed by `release` only.
    unsafe { &*(*file).private_data.cast::<N::Open>() }
}

/// Stores what `open` computed in `file->private_data`, freed by
/// [`release`].
///
/// # Safety
///
/// `file` is being opened with `N`'s `file_operations`, and its
/// `private_data` is unused.
unsafe fn attach<N: Node>(file: *mut bindings::file, open: Result<N::Open>) -> c_int {
    // Charged to the opener's memory cgroup, like the rest of the open file.
    match open.and_then(|o| KBox::new(o, GFP_KERNEL_ACCOUNT).map_err(Error::from)) {
        Ok(b) => {
            // SAFETY: by the caller's precondition.
            unsafe { (*file).private_data = KBox::into_raw(b).cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Makes the inode of `child` and gives it to `dentry`.
///
/// # Safety
///
/// `dir` and `dentry` are the arguments of a `lookup` call.
unsafe fn splice(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    child: Child,
) -> *mut bindings::dentry {
    // SAFETY: `dir` is live, and so is its super block.
    let inode = unsafe { bindings::new_inode((*dir).i_sb) };
    if inode.is_null() {
        return ENOMEM.to_ptr();
    }
    let ops = child.ops;
    // SAFETY: `inode` is new and not yet visible to anyone else; the
    // operation tables are static and fit the key stored with them.
    unsafe {
        (*inode).i_ino = match child.ino {
            Some(ino) => ino,
            None => u64::from(bindings::get_next_ino()),
        };
        (*inode).i_mode = ops.mode as u16;
        // The directory's times, not the lookup's: a node's inode lives as
        // long as somebody holds its dentry, so the time of its lookup
        // would tell other readers since when somebody holds it.
        (*inode).i_atime_sec = (*dir).i_atime_sec;
        (*inode).i_atime_nsec = (*dir).i_atime_nsec;
        (*inode).i_mtime_sec = (*dir).i_mtime_sec;
        (*inode).i_mtime_nsec = (*dir).i_mtime_nsec;
        (*inode).i_ctime_sec = (*dir).i_ctime_sec;
        (*inode).i_ctime_nsec = (*dir).i_ctime_nsec;
        (*inode).i_private = child.key as usize as *mut c_void;
        set_inode_ops(inode, ops.iops, ops.fops);
        if ops.mode & bindings::S_IFDIR != 0 {
            bindings::set_nlink(inode, 2);
        }
    }
    // Nothing may be mounted on it: `d_revalidate` answers per task, and
    // a task that may not see it would detach the mount.
    // SAFETY: `dentry` is being looked up, not yet spliced.
    unsafe { bindings::dont_mount(dentry) };
    // SAFETY: `dentry` is being looked up; the reference to `inode` is ours
    // to give (`d_splice_alias_ops()` puts it on failure).
    unsafe { bindings::d_splice_alias_ops(inode, dentry, ops.dops) }
}

/// `lookup` of a directory of type `D`.
///
/// # Safety
///
/// Called by the VFS through `D`'s inode operations: `dir` is a live
/// directory of type `D` and `dentry` a child being looked up in it.
unsafe extern "C" fn lookup<D: DirNode>(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    flags: c_uint,
) -> *mut bindings::dentry {
    // A lookup that means to create (`open(O_CREAT)`, `mkdir`, `mknod`,
    // `symlink`, `link`, a rename's target) runs with `dir` locked
    // exclusively, and may run even on a read-only mount.  Nothing can be
    // created here, so every name gets the same negative dentry (and the
    // caller `EACCES` or `EPERM`) without asking `D`: whatever `D::lookup`
    // costs, it never holds up the directory's other users.
    if flags & (bindings::LOOKUP_CREATE | bindings::LOOKUP_EXCL | bindings::LOOKUP_RENAME_TARGET)
        != 0
    {
        // SAFETY: `dentry` is being looked up.
        return unsafe {
            bindings::d_splice_alias_ops(core::ptr::null_mut(), dentry, &Ops::<D>::DENTRY_OPS)
        };
    }
    // SAFETY: `dir` has `D`'s operations, so it is one of ours.
    let key = unsafe { key_of(dir) };
    // SAFETY: the name of a dentry being looked up is stable (the VFS holds
    // `dir`'s lock) until `lookup` returns, and `name` does not outlive it.
    let name = unsafe { name_of(dentry) };
    match D::lookup(key, name) {
        // SAFETY: forwarding the lookup's arguments.
        Ok(Some(child)) => unsafe { splice(dir, dentry, child) },
        // A negative dentry, with our dentry operations, so that it is
        // dropped after its last use and never answers for another task.
        // SAFETY: `dentry` is being looked up.
        Ok(None) => unsafe {
            bindings::d_splice_alias_ops(core::ptr::null_mut(), dentry, &Ops::<D>::DENTRY_OPS)
        },
        Err(e) => e.to_ptr(),
    }
}

/// `d_revalidate` of the dentries of nodes of type `N` (and of misses in a
/// directory of type `N`): a positive dentry stays valid only while the
/// current task may still see it; a negative one never.
///
/// # Safety
///
/// Called by the VFS through the dentry operations that [`lookup`] set:
/// `dentry` is live, and positive only with an inode of type `N`.
unsafe extern "C" fn revalidate<N: Node>(
    _dir: *mut bindings::inode,
    _name: *const bindings::qstr,
    dentry: *mut bindings::dentry,
    flags: c_uint,
) -> c_int {
    if flags & bindings::LOOKUP_RCU != 0 {
        return ECHILD.to_errno();
    }
    // As in `lookup`: with the intent to create, the directory is locked
    // exclusively; the dentry is dropped without asking `N`, and the lookup
    // that follows answers without asking either.
    if flags & (bindings::LOOKUP_CREATE | bindings::LOOKUP_EXCL | bindings::LOOKUP_RENAME_TARGET)
        != 0
    {
        return 0;
    }
    // SAFETY: `dentry` is live; outside RCU walk, the VFS holds a
    // reference to it, so its inode (if any) stays.
    let inode = unsafe { (*dentry).d_inode };
    if inode.is_null() {
        return 0;
    }
    // SAFETY: `inode` is a positive dentry's, whose dentry operations are
    // `N`'s: it is of type `N`.
    match N::visible(unsafe { key_of(inode) }) {
        Ok(v) => c_int::from(v),
        Err(e) => e.to_errno(),
    }
}

/// `d_delete`: never keep a dentry past its last use.
///
/// # Safety
///
/// Called by the VFS, with a live dentry (unused).
unsafe extern "C" fn delete(_dentry: *const bindings::dentry) -> c_int {
    1
}

/// `permission` of nodes of type `N`: visibility first (`ENOENT`), then
/// the mode bits; never writing.
///
/// # Safety
///
/// Called by the VFS through `N`'s inode operations: `inode` is live and of
/// type `N`, `idmap` the mount's.
unsafe extern "C" fn permission<N: Node>(
    idmap: *mut bindings::mnt_idmap,
    inode: *mut bindings::inode,
    mask: c_int,
) -> c_int {
    let bits = mask as u32;
    if bits & bindings::MAY_NOT_BLOCK != 0 {
        return ECHILD.to_errno();
    }
    if bits & (bindings::MAY_WRITE | bindings::MAY_APPEND) != 0 {
        return EACCES.to_errno();
    }
    // SAFETY: `inode` is of type `N`: the VFS calls `N`'s permission on
    // `N`'s inodes only.
    match N::visible(unsafe { key_of(inode) }) {
        Ok(true) => {}
        Ok(false) => return ENOENT.to_errno(),
        Err(e) => return e.to_errno(),
    }
    // SAFETY: forwarding the VFS's arguments.
    unsafe { bindings::generic_permission(idmap, inode, mask) }
}

/// `getattr` of nodes of type `N`: visibility first (`ENOENT`).
///
/// # Safety
///
/// Called by the VFS through `N`'s inode operations: `path` is live, its
/// dentry positive with an inode of type `N`, and `stat` writable.
unsafe extern "C" fn getattr<N: Node>(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    _flags: c_uint,
) -> c_int {
    // SAFETY: `path` and its dentry are live, and the dentry is positive.
    let inode = unsafe { (*(*path).dentry).d_inode };
    // SAFETY: `inode` is of type `N`: the VFS calls `N`'s getattr on
    // `N`'s inodes only.
    match N::visible(unsafe { key_of(inode) }) {
        Ok(true) => {}
        Ok(false) => return ENOENT.to_errno(),
        Err(e) => return e.to_errno(),
    }
    // SAFETY: forwarding the VFS's arguments.
    unsafe { bindings::generic_fillattr(idmap, request_mask, inode, stat) };
    0
}

/// Refuses every attribute change (chmod, chown, truncate, utimes), even
/// for root.
///
/// # Safety
///
/// Called by the VFS through an inode's operations (the arguments are not
/// used).
pub(crate) unsafe extern "C" fn setattr(
    _idmap: *mut bindings::mnt_idmap,
    _dentry: *mut bindings::dentry,
    _attr: *mut bindings::iattr,
) -> c_int {
    EPERM.to_errno()
}

/// `open` of a directory of type `D`.
///
/// # Safety
///
/// Called by the VFS through `D`'s file operations: `inode` is live and of
/// type `D`, and `file` is being opened on it.
unsafe extern "C" fn open_dir<D: DirNode>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `inode` is of type `D`.
    let key = unsafe { key_of(inode) };
    // No fsnotify event for any open of a node (`FMODE_NONOTIFY`, as pseudo
    // files have): the events of an open would carry the node's name to an
    // inotify or fanotify watch on its directory, which any user may set,
    // and a node's name may be what another reader must not learn.
    // SAFETY: `file` is being opened (from `open`): live, and in no file
    // table yet, so nothing else reads its mode.
    unsafe { bindings::file_set_fsnotify_mode(file, bindings::FMODE_NONOTIFY) };
    // SAFETY: as above.
    let open = D::open(key, unsafe { local_file(file) });
    // SAFETY: `file` is being opened with `D`'s file operations.
    unsafe { attach::<D>(file, open) }
}

/// `open` of a file of type `F`: read-only.
///
/// # Safety
///
/// Called by the VFS through `F`'s file operations: `inode` is live and of
/// type `F`, and `file` is being opened on it.
unsafe extern "C" fn open_file<F: FileNode>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // No fsnotify event for any open of a node (`FMODE_NONOTIFY`, as pseudo
    // files have): the events of an open would carry the node's name to an
    // inotify or fanotify watch on its directory, which any user may set,
    // and a node's name may be what another reader must not learn.
    // SAFETY: `file` is being opened (from `open`): live, and in no file
    // table yet, so nothing else reads its mode.
    unsafe { bindings::file_set_fsnotify_mode(file, bindings::FMODE_NONOTIFY) };
    // SAFETY: as above.
    let f = unsafe { local_file(file) };
    if f.flags() & flags::O_ACCMODE != flags::O_RDONLY {
        return EACCES.to_errno();
    }
    // SAFETY: `inode` is of type `F`.
    let key = unsafe { key_of(inode) };
    let open = F::open(key, f);
    // SAFETY: `file` is being opened with `F`'s file operations.
    unsafe { attach::<F>(file, open) }
}

/// `iterate_shared` of a directory of type `D`.
///
/// # Safety
///
/// Called by the VFS through `D`'s file operations: `file` is an open
/// directory of type `D` (opened by [`open_dir`]), and `ctx` its live
/// directory context for this call.
unsafe extern "C" fn iterate<D: DirNode>(
    file: *mut bindings::file,
    ctx: *mut bindings::dir_context,
) -> c_int {
    // SAFETY: `file` is live during the call, and its inode is of type `D`.
    let key = unsafe { key_of((*file).f_inode) };
    // SAFETY: `file` was opened by `open_dir::<D>`; the reference does not
    // outlive this call.
    let open = unsafe { open_of::<D>(file) };
    // SAFETY: the VFS holds a reference to `file` during the call, within
    // the `getdents()` that holds its position.
    let f = unsafe { local_file(file) };
    let (Some(ctx), Some(file)) = (NonNull::new(ctx), NonNull::new(file)) else {
        return EINVAL.to_errno();
    };
    // INVARIANT: `ctx` is `file`'s directory context for this call.
    let mut ctx = DirContext {
        ctx,
        file,
        _call: PhantomData,
    };
    match D::iterate(key, open, f, &mut ctx) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `read` of a file of type `F`.
///
/// # Safety
///
/// Called by the VFS through `F`'s file operations: `file` is an open file
/// of type `F` (opened by [`open_file`]), `buf` a user buffer of `count`
/// bytes, and `ppos` the position of this read, which nothing else uses
/// during the call.
unsafe extern "C" fn read<F: FileNode>(
    file: *mut bindings::file,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is live during the call, and its inode is of type `F`.
    let key = unsafe { key_of((*file).f_inode) };
    // SAFETY: `file` was opened by `open_file::<F>`; the reference does not
    // outlive this call.
    let open = unsafe { open_of::<F>(file) };
    // SAFETY: the VFS holds a reference to `file` during the call, within
    // the `read()` that holds its position.
    let f = unsafe { local_file(file) };
    // `UserSlice` checks the range when it copies (`copy_to_user()`).
    let mut out = UserSlice::new(UserPtr::from_ptr(buf.cast()), count).writer();
    // SAFETY: `ppos` is valid and used by this call only (a `read()` of a
    // seekable file passes its position, or a copy of it).
    let pos = unsafe { &mut *ppos };
    match F::read(key, open, f, &mut out, pos) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `poll` of a file of type `F` (only in the tables of a type that has
/// [`FileNode::poll`]).
///
/// # Safety
///
/// Called by the VFS through `F`'s file operations: `file` is an open file
/// of type `F` (opened by [`open_file`]), and `table` null or a poll table
/// valid during the call.
unsafe extern "C" fn poll<F: FileNode>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: `file` is live during the call, and its inode is of type `F`.
    let key = unsafe { key_of((*file).f_inode) };
    // SAFETY: `file` was opened by `open_file::<F>`; the reference does not
    // outlive this call.
    let open = unsafe { open_of::<F>(file) };
    // SAFETY: the VFS holds a reference to `file` during the call, and this
    // thread is in no `fdget_pos()` region on it (it is in `poll()`,
    // `select()`, epoll or io_uring, none of which takes one), as for
    // `miscdevice`'s operations and binder's `poll`.  A `read()` on another
    // thread may hold an `fdget_pos()` that skipped `f_pos_lock` (a file
    // that only its reader held when the read began); nothing here or in
    // `FileNode::poll` uses the position.
    let f = unsafe { File::from_raw_file(file) };
    // SAFETY: `table` is null or valid during the call, which the
    // `PollTable` does not outlive.
    let table = unsafe { PollTable::from_raw(table) };
    match F::poll(key, open, f, &table) {
        Ok(events) => events.bits(),
        Err(_) => bindings::POLLERR,
    }
}

/// `release` of an open node of type `N`: frees what `open` stored.
///
/// # Safety
///
/// Called by the VFS through `N`'s file operations, once, on a file being
/// released, with no other call on it running.
unsafe extern "C" fn release<N: Node>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `private_data` is the `KBox<N::Open>` that `attach::<N>`
    // stored, or NULL if `open` failed before; nothing else uses it now.
    unsafe {
        let data = (*file).private_data.cast::<N::Open>();
        if !data.is_null() {
            drop(KBox::from_raw(data));
        }
    }
    0
}

#[macros::kunit_tests(rust_kernel_dynfs)]
mod tests {
    use super::*;

    /// A directory context whose actor records the last entry it was given
    /// and accepts `room` entries.
    #[repr(C)]
    struct Recorder {
        ctx: bindings::dir_context,
        room: usize,
        calls: usize,
        name: [u8; 8],
        len: c_int,
        ino: u64,
        ty: c_uint,
    }

    /// The actor of a [`Recorder`].
    ///
    /// # Safety
    ///
    /// `ctx` is the `ctx` of a live [`Recorder`] used by no one else, and
    /// `name` has `len` bytes.
    unsafe extern "C" fn actor(
        ctx: *mut bindings::dir_context,
        name: *const c_char,
        len: c_int,
        _pos: i64,
        ino: u64,
        ty: c_uint,
    ) -> bool {
        // SAFETY: `ctx` is the first field of a `#[repr(C)]` `Recorder`.
        let r = unsafe { &mut *ctx.cast::<Recorder>() };
        if r.room == 0 {
            return false;
        }
        r.room -= 1;
        r.calls += 1;
        let n = (len as usize).min(r.name.len());
        // SAFETY: `name` has `len >= n` bytes.
        let name = unsafe { core::slice::from_raw_parts(name.cast::<u8>(), n) };
        r.name = [0; 8];
        r.name[..n].copy_from_slice(name);
        r.len = len;
        r.ino = ino;
        r.ty = ty;
        true
    }

    fn recorder(room: usize) -> Recorder {
        Recorder {
            ctx: bindings::dir_context {
                actor: Some(actor),
                ..pin_init::zeroed()
            },
            room,
            calls: 0,
            name: [0; 8],
            len: 0,
            ino: 0,
            ty: 0,
        }
    }

    /// Runs `f` on a [`DirContext`] of `r` and the root directory, opened
    /// for the call.
    fn with_context(r: &mut Recorder, f: impl FnOnce(&mut DirContext<'_>)) {
        let flags = (bindings::O_RDONLY | bindings::O_DIRECTORY) as c_int;
        // SAFETY: a NUL-terminated path; the file is put below.
        let file = unsafe { bindings::filp_open(c"/".as_char_ptr(), flags, 0) };
        // SAFETY: `filp_open()` returns a file or an error pointer.
        assert!(!unsafe { bindings::IS_ERR(file.cast()) });
        let mut ctx = DirContext {
            ctx: NonNull::from(&mut r.ctx),
            // SAFETY: not an error pointer, so a live file.
            file: unsafe { NonNull::new_unchecked(file) },
            _call: PhantomData,
        };
        f(&mut ctx);
        // SAFETY: the reference `filp_open()` gave; `ctx` is gone.
        unsafe { bindings::fput(file) };
    }

    #[test]
    fn dots_then_entries_reach_the_actor() {
        let mut r = recorder(3);
        with_context(&mut r, |ctx| {
            assert_eq!(ctx.pos(), 0);
            assert!(ctx.emit_dots());
            assert_eq!(ctx.pos(), 2);
            assert!(ctx.emit(b"abc", 42, EntryType::Dir));
        });
        assert_eq!(r.calls, 3);
        assert_eq!(&r.name[..4], b"abc\0");
        assert_eq!(r.len, 3);
        assert_eq!(r.ino, 42);
        assert_eq!(r.ty, bindings::DT_DIR);
    }

    #[test]
    fn a_full_buffer_stops_the_listing() {
        let mut r = recorder(1);
        with_context(&mut r, |ctx| {
            assert!(ctx.emit(b"a", 7, EntryType::Regular));
            assert!(!ctx.emit(b"b", 8, EntryType::Regular));
            ctx.set_pos(9);
            assert_eq!(ctx.pos(), 9);
        });
        assert_eq!(r.calls, 1);
        assert_eq!(&r.name[..2], b"a\0");
        assert_eq!(r.ty, bindings::DT_REG);
        assert_eq!(r.ctx.pos, 9);
    }

    /// A file type without `poll` (`TestFile<false>`), and one with it.
    struct TestFile<const POLLS: bool>;
    type Plain = TestFile<false>;
    type Polled = TestFile<true>;

    impl<const POLLS: bool> Node for TestFile<POLLS> {
        type Open = ();
        fn visible(_key: u64) -> Result<bool> {
            Ok(true)
        }
        fn open(_key: u64, _file: &LocalFile) -> Result {
            Ok(())
        }
    }

    #[vtable]
    impl FileNode for Plain {
        fn read(
            _key: u64,
            _open: &(),
            _file: &LocalFile,
            _out: &mut UserSliceWriter,
            _pos: &mut Offset,
        ) -> Result<usize> {
            Ok(0)
        }
    }

    #[vtable]
    impl FileNode for Polled {
        fn read(
            _key: u64,
            _open: &(),
            _file: &LocalFile,
            _out: &mut UserSliceWriter,
            _pos: &mut Offset,
        ) -> Result<usize> {
            Ok(0)
        }
        fn poll(_key: u64, _open: &(), _file: &File, _table: &PollTable<'_>) -> Result<PollEvents> {
            Ok(PollEvents::READABLE)
        }
    }

    #[test]
    fn only_a_file_with_poll_has_the_operation() {
        // Without one, the VFS reports the default mask: always ready.
        assert!(Ops::<Plain>::FILE_FOPS.poll.is_none());
        assert!(Ops::<Polled>::FILE_FOPS.poll.is_some());
        assert!(file_fops::<Plain>().poll.is_none());
        assert!(file_fops::<Polled>().poll.is_some());
    }

    #[test]
    fn poll_events_are_the_uapi_bits() {
        // `POLLIN | POLLRDNORM` and `POLLPRI | POLLERR`: the same values as
        // `EPOLLIN | EPOLLRDNORM` and `EPOLLPRI | EPOLLERR` on every
        // architecture.
        assert_eq!(PollEvents::NONE.bits(), 0);
        let all = PollEvents::READABLE.with(PollEvents::CHANGED);
        assert_eq!(PollEvents::READABLE.bits(), 0x41);
        assert_eq!(PollEvents::CHANGED.bits(), 0x0a);
        assert_eq!(all.bits(), 0x4b);
        assert_ne!(all, PollEvents::READABLE);
    }
}
