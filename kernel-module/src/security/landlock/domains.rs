// SPDX-License-Identifier: GPL-2.0-only

//! The dynamic part of the tree: `domains/`, `domains/<id>/` and their
//! files, and the top-level `tasks` file.
//!
//! Like `/proc/<pid>`, nothing exists until someone looks: a lookup parses
//! the name, checks visibility and makes an inode whose `i_private` is only
//! the domain's counter (no reference that would keep the domain alive).
//! Dentries are never cached beyond their last use (`d_delete`), and
//! `d_revalidate`, `permission`, `getattr`, `open`, `iterate_shared` and
//! `read` check visibility again, so a dentry cached for one reader never
//! lets another one through.
//!
//! Every inode is read-only: `setattr` fails with EPERM, opening for writing
//! with EACCES, and there are no `create`, `mkdir`, `unlink` or `rename`
//! operations (the VFS answers EACCES or EPERM).

use crate::{
    format::{self, Buf},
    id::DOMAINS,
    registry,
    securityfs::setattr,
    view::{Reader, TaskInfo},
};
use core::ptr;
use kernel::{
    bindings,
    ffi::{c_char, c_int, c_uint, c_void},
    fs::file::flags,
    prelude::*,
};

// Only pointers to bindgen-generated types cross this boundary.
#[allow(improper_ctypes)]
extern "C" {
    fn landlock_fs_dir_emit(
        ctx: *mut bindings::dir_context,
        name: *const c_char,
        len: c_int,
        ino: u64,
        ty: c_uint,
    ) -> bool;
    fn landlock_fs_dir_emit_dots(
        file: *mut bindings::file,
        ctx: *mut bindings::dir_context,
    ) -> bool;
    fn landlock_fs_set_inode_ops(
        inode: *mut bindings::inode,
        iops: *const bindings::inode_operations,
        fops: *const bindings::file_operations,
    );
    fn landlock_fs_dentry_name(dentry: *const bindings::dentry, len: *mut u32) -> *const u8;
}

/// `LOOKUP_RCU` (include/linux/namei.h): RCU path walk, where we may not
/// sleep.
const LOOKUP_RCU: c_uint = 1 << 8;

/// `d_ino` of directory entries we emit: entries have no inode until they
/// are looked up, and a constant says nothing about domains.
const DIRENT_INO: u64 = 1;

/// The files of a domain directory, in `readdir` order.
const DOMAIN_FILES: [(&CStr, Kind); 5] = [
    (c"parent", Kind::Parent),
    (c"depth", Kind::Depth),
    (c"access", Kind::Access),
    (c"tasks", Kind::Tasks),
    (c"creator", Kind::Creator),
];

/// What a file of the tree shows.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    Parent = 0,
    Depth = 1,
    Access = 2,
    Tasks = 3,
    Creator = 4,
    /// The top-level `tasks` file.
    AllTasks = 5,
}

impl Kind {
    const fn from_u8(k: u8) -> Self {
        match k {
            0 => Kind::Parent,
            1 => Kind::Depth,
            2 => Kind::Access,
            3 => Kind::Tasks,
            4 => Kind::Creator,
            _ => Kind::AllTasks,
        }
    }
}

/// What an open file or directory of the tree holds (`private_data`).
struct Open {
    /// The opener's active PID namespace (a counted reference).
    ns: *mut bindings::pid_namespace,
    /// Tasks seen at open, for the `tasks` files.
    tasks: KVec<TaskInfo>,
    /// `(id, counter)` of the domains seen at open, for `domains/`.
    ids: KVec<(u64, u64)>,
}

impl Open {
    fn new() -> Self {
        // SAFETY: `current` is valid; the reference is dropped in `Drop`.
        let ns = unsafe { bindings::task_get_pid_ns(bindings::get_current()) };
        Self {
            ns,
            tasks: KVec::new(),
            ids: KVec::new(),
        }
    }

    /// Stores `self` in `file->private_data`.
    ///
    /// # Safety
    ///
    /// `file` is being opened and its `private_data` is unused.
    unsafe fn attach(self, file: *mut bindings::file) -> c_int {
        match KBox::new(self, GFP_KERNEL_ACCOUNT) {
            Ok(b) => {
                // SAFETY: by the caller's precondition; freed by `release`.
                unsafe { (*file).private_data = KBox::into_raw(b).cast() };
                0
            }
            Err(e) => Error::from(e).to_errno(),
        }
    }

    /// # Safety
    ///
    /// `file` is a live file of the tree, opened by one of our `open`s.
    unsafe fn of<'a>(file: *mut bindings::file) -> &'a Open {
        // SAFETY: our `open` stored an `Open` there, freed only by
        // `release`.
        unsafe { &*(*file).private_data.cast::<Open>() }
    }

    /// The reader of `file` (opener's credentials, current task's domain).
    ///
    /// # Safety
    ///
    /// As for [`Open::of`].
    unsafe fn reader(file: *mut bindings::file) -> Reader {
        // SAFETY: `file` is live and holds `ns`.
        unsafe { Reader::for_file(file, Open::of(file).ns) }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `new`.
        unsafe { bindings::put_pid_ns(self.ns) };
    }
}

/// The counter an inode of ours stands for.
///
/// # Safety
///
/// `inode` is a live inode made by [`new_inode`].
unsafe fn counter_of(inode: *const bindings::inode) -> u64 {
    // SAFETY: by the caller's precondition.
    unsafe { (*inode).i_private as usize as u64 }
}

// ---------------------------------------------------------------------------
// Inodes and dentries

/// Makes an inode for the domain of `counter`.
///
/// # Safety
///
/// `sb` is the securityfs super block.
unsafe fn new_inode(
    sb: *mut bindings::super_block,
    mode: u32,
    counter: u64,
    iops: &'static bindings::inode_operations,
    fops: &'static bindings::file_operations,
) -> Result<*mut bindings::inode> {
    // SAFETY: `sb` is valid.
    let inode = unsafe { bindings::new_inode(sb) };
    if inode.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `inode` is new and not yet visible to anyone else.
    unsafe {
        (*inode).i_ino = u64::from(bindings::get_next_ino());
        (*inode).i_mode = mode as u16;
        bindings::simple_inode_init_ts(inode);
        (*inode).i_private = counter as usize as *mut c_void;
        landlock_fs_set_inode_ops(inode, iops, fops);
        if mode & bindings::S_IFDIR != 0 {
            bindings::set_nlink(inode, 2);
        }
    }
    Ok(inode)
}

/// A negative dentry for a name that does not exist (or that the reader
/// may not see): `stat` and `open` then fail with ENOENT, while `creat`,
/// `mkdir` and the like reach the VFS's EACCES/EPERM for a directory with no
/// such operation.  It gets our dentry operations, so it is dropped after
/// its last use and never answers for another reader.
///
/// # Safety
///
/// `dentry` comes from a `lookup` call.
unsafe fn miss(dentry: *mut bindings::dentry) -> *mut bindings::dentry {
    // SAFETY: `dentry` is being looked up.
    unsafe { bindings::d_splice_alias_ops(ptr::null_mut(), dentry, &DENTRY_OPS) }
}

/// Common end of our lookups.
///
/// # Safety
///
/// `dir` and `dentry` come from a `lookup` call.
unsafe fn splice(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    mode: u32,
    counter: u64,
    iops: &'static bindings::inode_operations,
    fops: &'static bindings::file_operations,
) -> *mut bindings::dentry {
    // SAFETY: `dir` is live.
    match unsafe { new_inode((*dir).i_sb, mode, counter, iops, fops) } {
        // SAFETY: `dentry` is being looked up; the inode is ours to give.
        Ok(inode) => unsafe { bindings::d_splice_alias_ops(inode, dentry, &DENTRY_OPS) },
        Err(e) => e.to_ptr(),
    }
}

/// The name of a dentry.
///
/// # Safety
///
/// `dentry` is live and its name stable for the borrow (as it is during
/// `lookup`).
unsafe fn name_of<'a>(dentry: *const bindings::dentry) -> &'a [u8] {
    let mut len = 0;
    // SAFETY: by the caller's precondition.
    let name = unsafe { landlock_fs_dentry_name(dentry, &mut len) };
    // SAFETY: `d_name` has `len` bytes.
    unsafe { core::slice::from_raw_parts(name, len as usize) }
}

/// `d_revalidate`: a dentry stays valid only while its reader may still
/// see the domain.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn revalidate(
    _dir: *mut bindings::inode,
    _name: *const bindings::qstr,
    dentry: *mut bindings::dentry,
    flags: c_uint,
) -> c_int {
    if flags & LOOKUP_RCU != 0 {
        return ECHILD.to_errno();
    }
    // SAFETY: the VFS passes a live dentry.
    let inode = unsafe { (*dentry).d_inode };
    if inode.is_null() {
        return 0;
    }
    // SAFETY: a positive dentry of ours has one of our inodes.
    let counter = unsafe { counter_of(inode) };
    c_int::from(Reader::current().sees(counter))
}

/// `d_delete`: never keep a dentry past its last use.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn delete(_dentry: *const bindings::dentry) -> c_int {
    // Never keep a dentry past its last use.
    1
}

const DENTRY_OPS: bindings::dentry_operations = bindings::dentry_operations {
    d_revalidate: Some(revalidate),
    d_delete: Some(delete),
    ..pin_init::zeroed()
};

/// `permission`: visibility first (ENOENT), then the mode bits.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn permission(
    idmap: *mut bindings::mnt_idmap,
    inode: *mut bindings::inode,
    mask: c_int,
) -> c_int {
    if mask as u32 & bindings::MAY_NOT_BLOCK != 0 {
        return ECHILD.to_errno();
    }
    if mask as u32 & (bindings::MAY_WRITE | bindings::MAY_APPEND) != 0 {
        return EACCES.to_errno();
    }
    // SAFETY: the VFS passes a live inode of ours.
    if !Reader::current().sees(unsafe { counter_of(inode) }) {
        return ENOENT.to_errno();
    }
    // SAFETY: forwarding the VFS's arguments.
    unsafe { bindings::generic_permission(idmap, inode, mask) }
}

/// `getattr`: visibility first (ENOENT).
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn getattr(
    idmap: *mut bindings::mnt_idmap,
    path: *const bindings::path,
    stat: *mut bindings::kstat,
    request_mask: u32,
    _flags: c_uint,
) -> c_int {
    // SAFETY: the VFS passes a live path whose dentry is positive.
    let inode = unsafe { (*(*path).dentry).d_inode };
    // SAFETY: an inode of ours.
    if !Reader::current().sees(unsafe { counter_of(inode) }) {
        return ENOENT.to_errno();
    }
    // SAFETY: forwarding the VFS's arguments.
    unsafe { bindings::generic_fillattr(idmap, request_mask, inode, stat) };
    0
}

// ---------------------------------------------------------------------------
// domains/

/// `lookup` in `domains/`: parse the name, invert the ID, check
/// visibility; every miss is ENOENT.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domains_lookup(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    _flags: c_uint,
) -> *mut bindings::dentry {
    // SAFETY: the dentry's name is stable during lookup.
    let Some(id) = format::parse_id(unsafe { name_of(dentry) }) else {
        // SAFETY: `dentry` is being looked up.
        return unsafe { miss(dentry) };
    };
    let Some(counter) = DOMAINS.permutation().counter(id) else {
        // SAFETY: as above.
        return unsafe { miss(dentry) };
    };
    if !Reader::current().sees(counter) {
        // SAFETY: as above.
        return unsafe { miss(dentry) };
    }
    // SAFETY: forwarding the lookup's arguments.
    unsafe {
        splice(
            dir,
            dentry,
            bindings::S_IFDIR | 0o555,
            counter,
            &DOMAIN_DIR_IOPS,
            &DOMAIN_DIR_FOPS,
        )
    }
}

/// `open` of `domains/`: snapshot of the visible IDs, sorted.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domains_open(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    let mut open = Open::new();
    match Reader::current().snapshot().and_then(|s| s.ids()) {
        Ok(ids) => open.ids = ids,
        Err(e) => return e.to_errno(),
    }
    // SAFETY: `file` is being opened.
    unsafe { open.attach(file) }
}

/// `iterate_shared` of `domains/`: positions index the snapshot.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domains_iterate(
    file: *mut bindings::file,
    ctx: *mut bindings::dir_context,
) -> c_int {
    // SAFETY: `file` and `ctx` come from the VFS.
    if !unsafe { landlock_fs_dir_emit_dots(file, ctx) } {
        return 0;
    }
    // SAFETY: `file` is a `domains/` file we opened.
    let (open, reader) = unsafe { (Open::of(file), Open::reader(file)) };
    // Positions index the opener's snapshot, so that entries freed between
    // two calls shift nothing.  A reading task whose domain differs from
    // the opener's (an inherited descriptor, or a reader that sandboxed
    // itself since) gets positions over the entries it may see instead, so
    // gaps cannot tell it how many it may not see.
    let Some(Ok(shown)) = registry::with(|map| -> Result<KVec<(usize, u64)>> {
        let mut shown = KVec::new();
        for (i, &(id, counter)) in open.ids.iter().enumerate() {
            if reader.is_below(map, counter) {
                let pos = if reader.reads_as_opener() {
                    i
                } else {
                    shown.len()
                };
                shown.push((pos, id), GFP_KERNEL_ACCOUNT)?;
            }
        }
        Ok(shown)
    }) else {
        return ENOMEM.to_errno();
    };
    // SAFETY: `ctx` is live.
    let start = unsafe { (*ctx).pos }.saturating_sub(2) as usize;
    for &(pos, id) in shown.iter().filter(|(pos, _)| *pos >= start) {
        let mut name = Buf::new();
        if format::id(&mut name, id).is_err() {
            return ENOMEM.to_errno();
        }
        // SAFETY: `ctx` is live; `name` has `len` bytes.
        let emitted = unsafe {
            landlock_fs_dir_emit(
                ctx,
                name.0.as_ptr().cast(),
                name.0.len() as c_int,
                DIRENT_INO,
                bindings::DT_DIR,
            )
        };
        if !emitted {
            return 0;
        }
        // SAFETY: `ctx` is live.
        unsafe { (*ctx).pos = pos as i64 + 3 };
    }
    0
}

/// `release` of our files and directories.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn release(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    // SAFETY: `private_data` is an `Open` our `open` attached, or NULL.
    unsafe {
        let data = (*file).private_data.cast::<Open>();
        if !data.is_null() {
            drop(KBox::from_raw(data));
        }
    }
    0
}

/// Operations of `domains/` (set on the securityfs directory).
pub(crate) const DOMAINS_IOPS: bindings::inode_operations = bindings::inode_operations {
    lookup: Some(domains_lookup),
    setattr: Some(setattr),
    ..pin_init::zeroed()
};

/// File operations of `domains/`.
pub(crate) const DOMAINS_FOPS: bindings::file_operations = bindings::file_operations {
    open: Some(domains_open),
    iterate_shared: Some(domains_iterate),
    release: Some(release),
    read: Some(bindings::generic_read_dir),
    llseek: Some(bindings::generic_file_llseek),
    ..pin_init::zeroed()
};

// ---------------------------------------------------------------------------
// domains/<id>/

/// `lookup` in `domains/<id>/`.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domain_dir_lookup(
    dir: *mut bindings::inode,
    dentry: *mut bindings::dentry,
    _flags: c_uint,
) -> *mut bindings::dentry {
    // SAFETY: `dir` is a domain directory of ours.
    let counter = unsafe { counter_of(dir) };
    if !Reader::current().sees(counter) {
        return ENOENT.to_ptr();
    }
    // SAFETY: the dentry's name is stable during lookup.
    let name = unsafe { name_of(dentry) };
    let Some(&(_, kind)) = DOMAIN_FILES.iter().find(|(n, _)| n.to_bytes() == name) else {
        // SAFETY: `dentry` is being looked up.
        return unsafe { miss(dentry) };
    };
    // SAFETY: forwarding the lookup's arguments.
    unsafe {
        splice(
            dir,
            dentry,
            bindings::S_IFREG | 0o444,
            counter,
            &FILE_IOPS,
            fops_of(kind),
        )
    }
}

/// `open` of `domains/<id>/`.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domain_dir_open(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `inode` is a domain directory of ours.
    if !Reader::current().sees(unsafe { counter_of(inode) }) {
        return ENOENT.to_errno();
    }
    // SAFETY: `file` is being opened.
    unsafe { Open::new().attach(file) }
}

/// `iterate_shared` of `domains/<id>/`.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domain_dir_iterate(
    file: *mut bindings::file,
    ctx: *mut bindings::dir_context,
) -> c_int {
    // SAFETY: `file` is one of our domain directories.
    let counter = unsafe { counter_of((*file).f_inode) };
    // SAFETY: as above.
    let reader = unsafe { Open::reader(file) };
    if !reader.sees(counter) {
        return ENOENT.to_errno();
    }
    // SAFETY: `file` and `ctx` come from the VFS.
    if !unsafe { landlock_fs_dir_emit_dots(file, ctx) } {
        return 0;
    }
    // SAFETY: `ctx` is live.
    let start = unsafe { (*ctx).pos }.saturating_sub(2) as usize;
    for (i, (name, _)) in DOMAIN_FILES.iter().enumerate().skip(start) {
        let bytes = name.to_bytes();
        // SAFETY: `ctx` is live; `bytes` is the name.
        let emitted = unsafe {
            landlock_fs_dir_emit(
                ctx,
                bytes.as_ptr().cast(),
                bytes.len() as c_int,
                DIRENT_INO,
                bindings::DT_REG,
            )
        };
        if !emitted {
            return 0;
        }
        // SAFETY: `ctx` is live.
        unsafe { (*ctx).pos = i as i64 + 3 };
    }
    0
}

const DOMAIN_DIR_IOPS: bindings::inode_operations = bindings::inode_operations {
    lookup: Some(domain_dir_lookup),
    permission: Some(permission),
    getattr: Some(getattr),
    setattr: Some(setattr),
    ..pin_init::zeroed()
};

const DOMAIN_DIR_FOPS: bindings::file_operations = bindings::file_operations {
    open: Some(domain_dir_open),
    iterate_shared: Some(domain_dir_iterate),
    release: Some(release),
    read: Some(bindings::generic_read_dir),
    llseek: Some(bindings::generic_file_llseek),
    ..pin_init::zeroed()
};

// ---------------------------------------------------------------------------
// Files

const FILE_IOPS: bindings::inode_operations = bindings::inode_operations {
    permission: Some(permission),
    getattr: Some(getattr),
    setattr: Some(setattr),
    ..pin_init::zeroed()
};

/// `file_operations` for a file kind, one table per kind.
struct FileOps<const K: u8>;

impl<const K: u8> FileOps<K> {
    const FOPS: bindings::file_operations = bindings::file_operations {
        open: Some(file_open::<K>),
        read: Some(file_read::<K>),
        release: Some(release),
        llseek: Some(bindings::generic_file_llseek),
        ..pin_init::zeroed()
    };
}

const PARENT_FOPS: bindings::file_operations = FileOps::<{ Kind::Parent as u8 }>::FOPS;
const DEPTH_FOPS: bindings::file_operations = FileOps::<{ Kind::Depth as u8 }>::FOPS;
const ACCESS_FOPS: bindings::file_operations = FileOps::<{ Kind::Access as u8 }>::FOPS;
const TASKS_FOPS: bindings::file_operations = FileOps::<{ Kind::Tasks as u8 }>::FOPS;
const CREATOR_FOPS: bindings::file_operations = FileOps::<{ Kind::Creator as u8 }>::FOPS;
/// File operations of the top-level `tasks` file.
pub(crate) const ALL_TASKS_FOPS: bindings::file_operations =
    FileOps::<{ Kind::AllTasks as u8 }>::FOPS;

fn fops_of(kind: Kind) -> &'static bindings::file_operations {
    match kind {
        Kind::Parent => &PARENT_FOPS,
        Kind::Depth => &DEPTH_FOPS,
        Kind::Access => &ACCESS_FOPS,
        Kind::Tasks => &TASKS_FOPS,
        Kind::Creator => &CREATOR_FOPS,
        Kind::AllTasks => &ALL_TASKS_FOPS,
    }
}

/// `open` of a file: read-only, visible, and a task snapshot for the
/// `tasks` files.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn file_open<const K: u8>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    let kind = Kind::from_u8(K);
    // SAFETY: `file` is being opened.
    if unsafe { (*file).f_flags } & flags::O_ACCMODE != flags::O_RDONLY {
        return EACCES.to_errno();
    }
    let reader = Reader::current();
    if kind != Kind::AllTasks {
        // SAFETY: `inode` is one of our files.
        if !reader.sees(unsafe { counter_of(inode) }) {
            return ENOENT.to_errno();
        }
    }
    if kind == Kind::Creator && !reader.privileged() {
        return EACCES.to_errno();
    }
    let mut open = Open::new();
    if matches!(kind, Kind::Tasks | Kind::AllTasks) {
        match reader.snapshot() {
            Ok(mut s) => {
                if kind == Kind::Tasks {
                    // SAFETY: `inode` is one of our files.
                    let counter = unsafe { counter_of(inode) };
                    s.tasks.retain(|t| t.domain == counter);
                }
                open.tasks = s.tasks;
            }
            Err(e) => return e.to_errno(),
        }
    }
    // SAFETY: `file` is being opened.
    unsafe { open.attach(file) }
}

/// `read` of a file, rendered for the opener and the current task.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn file_read<const K: u8>(
    file: *mut bindings::file,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    let kind = Kind::from_u8(K);
    // SAFETY: `file` is one of our open files.
    let (open, reader) = unsafe { (Open::of(file), Open::reader(file)) };
    // SAFETY: as above.
    let counter = unsafe { counter_of((*file).f_inode) };
    let mut out = Buf::new();
    if let Err(e) = render(kind, counter, &reader, open, &mut out) {
        return e.to_errno() as isize;
    }
    // SAFETY: `buf` is the user buffer of `count` bytes and `ppos` the file
    // position, as the VFS passed them; `out` has `len` bytes.
    unsafe {
        bindings::simple_read_from_buffer(
            buf.cast(),
            count,
            ppos,
            out.0.as_ptr().cast(),
            out.0.len(),
        )
    }
}

/// Writes what `reader` sees in a file of kind `kind` of the domain of
/// `counter`.  The reader is the file's opener, read by the current task:
/// both must pass rule 1, and the opener rule 2.
fn render(kind: Kind, counter: u64, reader: &Reader, open: &Open, out: &mut Buf) -> Result {
    if kind == Kind::AllTasks {
        let p = DOMAINS.permutation();
        for t in open.tasks.iter() {
            if registry::with(|map| reader.is_below(map, t.domain)) == Some(true) {
                write_task(out, t)?;
                out.bytes(b" ")?;
                format::id(out, p.id(t.domain))?;
                out.bytes(b"\n")?;
            }
        }
        return Ok(());
    }
    if !reader.sees(counter) {
        return Err(ENOENT);
    }
    if kind == Kind::Tasks {
        for t in open.tasks.iter().filter(|t| t.domain == counter) {
            write_task(out, t)?;
            out.bytes(b"\n")?;
        }
        return Ok(());
    }
    if kind == Kind::Creator && !reader.privileged() {
        return Err(EACCES);
    }
    registry::with(|map| -> Result {
        let record = map.get(&counter).ok_or(ENOENT)?;
        match kind {
            Kind::Parent => {
                if record.parent != 0 && reader.is_below(map, record.parent) {
                    format::id(out, DOMAINS.permutation().id(record.parent))?;
                    out.bytes(b"\n")?;
                }
            }
            Kind::Depth => {
                let depth = registry::chain(map, counter)
                    .filter(|&c| reader.is_below(map, c))
                    .count();
                write_num(out, depth as u64)?;
                out.bytes(b"\n")?;
            }
            Kind::Access => format::access(out, record.access)?,
            Kind::Creator => write_creator(out, record.creator(map), reader)?,
            Kind::Tasks | Kind::AllTasks => {}
        }
        Ok(())
    })
    .unwrap_or(Err(ENOENT))
}

fn write_num(out: &mut Buf, n: u64) -> Result {
    use core::fmt::Write;
    write!(out, "{n}").map_err(|_| ENOMEM)
}

fn write_task(out: &mut Buf, t: &TaskInfo) -> Result {
    write_num(out, t.tgid as u64)?;
    out.bytes(b" ")?;
    write_num(out, t.tid as u64)
}

/// `pid N\nuid N\ncomm NAME\nexe PATH\n`.
fn write_creator(out: &mut Buf, c: &registry::Creator, reader: &Reader) -> Result {
    // The registry lock is held (`Record::creator`), so `c.pid` is a live
    // counted reference; `pid_task` needs RCU.
    let pid = {
        let _rcu = kernel::sync::rcu::read_lock();
        // SAFETY: `c.pid` is live, under RCU.
        let task = unsafe { bindings::pid_task(c.pid, bindings::pid_type_PIDTYPE_TGID) };
        if task.is_null() {
            0
        } else {
            // SAFETY: see above; the reader's namespace is valid.
            unsafe { bindings::pid_nr_ns(c.pid, reader.ns()) }
        }
    };
    // SAFETY: `init_user_ns` is static; the reader's credentials are valid
    // and so is their user namespace.
    let uid = unsafe {
        let kuid = bindings::make_kuid(ptr::addr_of_mut!(bindings::init_user_ns), c.uid);
        bindings::from_kuid_munged((*reader.cred()).user_ns, kuid)
    };
    out.bytes(b"pid ")?;
    write_num(out, pid as u64)?;
    out.bytes(b"\nuid ")?;
    write_num(out, u64::from(uid))?;
    out.bytes(b"\ncomm ")?;
    // SAFETY: the registry lock is held, so `comm` and `exe` are live
    // NUL-terminated strings.
    let (comm, exe) = unsafe { (CStr::from_char_ptr(c.comm), CStr::from_char_ptr(c.exe)) };
    format::escaped(out, comm.to_bytes())?;
    out.bytes(b"\nexe ")?;
    format::escaped(out, exe.to_bytes())?;
    out.bytes(b"\n")
}
