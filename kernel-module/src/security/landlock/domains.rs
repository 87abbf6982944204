// SPDX-License-Identifier: GPL-2.0-only

//! The dynamic part of the tree: `domains/`, `domains/<id>/` and their
//! files, and the top-level `tasks` and `snapshot` files.
//!
//! Like `/proc/<pid>`, nothing exists until someone looks: a lookup parses
//! the name, checks visibility and makes an inode whose `i_private` is only
//! the domain's counter (no reference that would keep the domain alive).
//! Dentries are never cached beyond their last use (`d_delete`), and
//! `d_revalidate`, `permission`, `getattr` and `open` check visibility
//! again, so a dentry cached for one reader never lets another one through.
//!
//! Both rules are evaluated once, at `open`, with the opener's credentials,
//! and the whole content is rendered then, into memory charged to the
//! opener (see [`Open`]).  `read()` and `getdents()` serve that content and
//! re-check only rule 1 against the reading task's current domain: a task
//! that reads a descriptor it did not open, or that sandboxed itself since,
//! gets the content filtered (rendered again) for its domain.
//!
//! Every inode is read-only: `setattr` fails with EPERM, opening for writing
//! with EACCES, and there are no `create`, `mkdir`, `unlink` or `rename`
//! operations (the VFS answers EACCES or EPERM).

use crate::{
    format::{self, Buf},
    glue::{self, raw},
    id::TREE_IDS,
    registry::{CreatorText, Info, Registry, MAX_LAYERS},
    securityfs::setattr,
    view::{self, Dom, Reader, Snapshot},
};
use core::ptr;
use kernel::{
    bindings,
    cred::Credential,
    ffi::{c_char, c_int, c_uint, c_void},
    fs::file::flags,
    prelude::*,
    sync::SetOnce,
};

/// `d_ino` of directory entries we emit: entries have no inode until they
/// are looked up, and a constant says nothing about domains.
const DIRENT_INO: u64 = 1;

/// The files of a domain directory, in `readdir` order.
const DOMAIN_FILES: [(&CStr, Kind); 6] = [
    (c"parent", Kind::Parent),
    (c"depth", Kind::Depth),
    (c"access", Kind::Access),
    (c"tasks", Kind::Tasks),
    (c"creator", Kind::Creator),
    (c"audit_id", Kind::AuditId),
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
    /// The top-level `snapshot` file.
    Snapshot = 6,
    /// Upstream's ID of the domain, as audit records print it.
    AuditId = 7,
}

impl Kind {
    const fn from_u8(k: u8) -> Self {
        match k {
            0 => Kind::Parent,
            1 => Kind::Depth,
            2 => Kind::Access,
            3 => Kind::Tasks,
            4 => Kind::Creator,
            5 => Kind::AllTasks,
            6 => Kind::Snapshot,
            _ => Kind::AuditId,
        }
    }

    /// Whether the file shows the whole view rather than one domain.
    const fn is_aggregate(self) -> bool {
        matches!(self, Kind::AllTasks | Kind::Snapshot)
    }
}

/// What an open file or directory of the tree holds (`private_data`):
/// everything computed at `open`, so that reads neither walk tasks nor
/// take the registry lock on the opener's behalf.
struct Open {
    /// What the opener saw: the whole view for `domains/` and the
    /// aggregate files, or only the file's domain and its visible
    /// ancestors for a domain's file.
    snapshot: Snapshot,
    /// The creator's details, for `creator` and `snapshot` (privileged
    /// openers only), in the order of `snapshot.shown`.
    creators: KVVec<Option<CreatorText>>,
    /// Upstream's ID of the file's domain, for `audit_id` (openers with
    /// `CAP_AUDIT_READ` only).
    audit_id: Option<u64>,
    /// The content rendered for the opener.
    content: Buf,
    /// The content rendered for the first reading task in another domain
    /// (a passed or inherited descriptor), so that its reads do not render
    /// again; another such domain after it gets a rendering per `read()`.
    foreign: SetOnce<(Dom, Buf)>,
}

impl Open {
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
    /// `file` is a live file of the tree, opened by one of our `open`s, and
    /// the returned reference does not outlive the current VFS call.
    unsafe fn of<'a>(file: *mut bindings::file) -> &'a Open {
        // SAFETY: our `open` stored an `Open` there, freed only by
        // `release`, which cannot run during another call on the file.
        unsafe { &*(*file).private_data.cast::<Open>() }
    }
}

/// The opener's credentials of `file`.
///
/// # Safety
///
/// `file` is live for the returned lifetime.
unsafe fn opener<'a>(file: *mut bindings::file) -> &'a Credential {
    // SAFETY: a live file holds its `f_cred` reference.
    unsafe { Credential::from_ptr((*file).f_cred) }
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

/// Whether the current task sees the domain of `counter`.
fn current_sees(counter: u64) -> bool {
    let Some(registry) = view::registry() else {
        return false;
    };
    Reader::with_current(|r| r.sees(registry, counter).is_some()).unwrap_or(false)
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
        raw::landlock_fs_set_inode_ops(inode, iops, fops);
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
    let name = unsafe { raw::landlock_fs_dentry_name(dentry, &mut len) };
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
    // SAFETY: no precondition.
    if unsafe { raw::landlock_fs_lookup_rcu(flags) } {
        return ECHILD.to_errno();
    }
    // SAFETY: the VFS passes a live dentry.
    let inode = unsafe { (*dentry).d_inode };
    if inode.is_null() {
        return 0;
    }
    // SAFETY: `inode` is the inode of a positive dentry with our dentry
    // operations, so one made by `new_inode`, live while the dentry is.
    c_int::from(current_sees(unsafe { counter_of(inode) }))
}

/// `d_delete`: never keep a dentry past its last use.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn delete(_dentry: *const bindings::dentry) -> c_int {
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
    // SAFETY: `FILE_IOPS`/`DOMAIN_DIR_IOPS` are set only on inodes made by
    // `new_inode`, and the VFS passes a live one.
    if !current_sees(unsafe { counter_of(inode) }) {
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
    // SAFETY: as in `permission`: the dentry's inode has our operations,
    // so it was made by `new_inode`.
    if !current_sees(unsafe { counter_of(inode) }) {
        return ENOENT.to_errno();
    }
    // SAFETY: forwarding the VFS's arguments.
    unsafe { bindings::generic_fillattr(idmap, request_mask, inode, stat) };
    0
}

// ---------------------------------------------------------------------------
// Rendering

/// Copies the creator of the domain of `counter` as `reader` sees it (PID
/// in its namespace, UID mapped into its user namespace).  The registry
/// lock is held for the copy only (see `registry.rs`).
fn creator_of(registry: &Registry, counter: u64, reader: &Reader<'_>) -> Result<CreatorText> {
    let mut c = registry.creator(counter, reader.ns())?;
    c.uid = glue::uid_seen_by(reader.cred(), c.uid);
    Ok(c)
}

/// What a reading task whose domain is `reading` sees of an open file's
/// snapshot: the opener's view, minus what fails rule 1 for `reading`.
struct Filtered<'a> {
    snapshot: &'a Snapshot,
    reading: Dom,
}

impl Filtered<'_> {
    fn shows(&self, info: &Info) -> bool {
        self.reading.is_strictly_above(info)
    }

    /// The visible parent's index, if any.
    fn parent(&self, i: usize) -> Option<usize> {
        let s = &self.snapshot.shown[i];
        let p = self.snapshot.parent(s)?;
        self.shows(&p.info)
            .then(|| self.snapshot.position(p.info.counter()))
            .flatten()
    }

    fn depth(&self, i: usize) -> u64 {
        let mut depth = 1;
        let mut at = i;
        while let Some(p) = self.parent(at) {
            depth += 1;
            at = p;
            if depth > MAX_LAYERS as u64 {
                break;
            }
        }
        depth
    }
}

/// Renders a file of kind `kind` from what `open` computed, for a reading
/// task whose domain is `reading` (rule 1 only; rule 2 was applied for the
/// opener at open).
fn render(kind: Kind, counter: u64, open: &Open, reading: Dom, out: &mut Buf) -> Result {
    let view = Filtered {
        snapshot: &open.snapshot,
        reading,
    };
    let shown = &open.snapshot.shown;
    if kind.is_aggregate() {
        if kind == Kind::AllTasks {
            for t in open.snapshot.tasks.iter() {
                let Some(i) = open.snapshot.position(t.domain) else {
                    continue;
                };
                if view.shows(&shown[i].info) {
                    write_task(out, t.tgid, t.tid)?;
                    out.bytes(b" ")?;
                    format::id(out, shown[i].id)?;
                    out.bytes(b"\n")?;
                }
            }
            return Ok(());
        }
        return render_snapshot(&view, open, out);
    }
    let i = open.snapshot.position(counter).ok_or(ENOENT)?;
    if !view.shows(&shown[i].info) {
        return Err(ENOENT);
    }
    match kind {
        Kind::Parent => {
            if let Some(p) = view.parent(i) {
                format::id(out, shown[p].id)?;
                out.bytes(b"\n")?;
            }
        }
        Kind::Depth => {
            out.num(view.depth(i))?;
            out.bytes(b"\n")?;
        }
        Kind::Access => format::access(out, shown[i].info.access)?,
        Kind::Tasks => {
            for t in open.snapshot.tasks.iter().filter(|t| t.domain == counter) {
                write_task(out, t.tgid, t.tid)?;
                out.bytes(b"\n")?;
            }
        }
        Kind::Creator => {
            let c = open
                .creators
                .get(i)
                .and_then(|c| c.as_ref())
                .ok_or(EACCES)?;
            write_creator(out, c, b"pid ", b"\nuid ", b"\ncomm ", b"\nexe ")?;
            out.bytes(b"\n")?;
        }
        Kind::AuditId => {
            format::audit_id(out, open.audit_id.ok_or(EACCES)?)?;
            out.bytes(b"\n")?;
        }
        Kind::AllTasks | Kind::Snapshot => {}
    }
    Ok(())
}

/// The `snapshot` file: every visible domain in ID order, each with its
/// parent, depth, access, creator (privileged openers) and tasks.
fn render_snapshot(view: &Filtered<'_>, open: &Open, out: &mut Buf) -> Result {
    let s = &open.snapshot;
    // Tasks grouped by domain: (domain position, index into `s.tasks`),
    // sorted; `s.tasks` is sorted by TGID then TID, so each group is too.
    let mut order = KVVec::with_capacity(s.tasks.len(), GFP_KERNEL_ACCOUNT)?;
    for (k, t) in s.tasks.iter().enumerate() {
        if let Some(i) = s.position(t.domain) {
            order.push((i, k), GFP_KERNEL_ACCOUNT)?;
        }
    }
    order.sort_unstable();
    for i in s.by_id()?.iter().copied() {
        let d = &s.shown[i];
        if !view.shows(&d.info) {
            continue;
        }
        out.bytes(b"domain ")?;
        format::id(out, d.id)?;
        out.bytes(b" ")?;
        match view.parent(i) {
            Some(p) => format::id(out, s.shown[p].id)?,
            None => out.bytes(b"-")?,
        }
        out.bytes(b" ")?;
        out.num(view.depth(i))?;
        out.bytes(b"\n")?;
        format::access(out, d.info.access)?;
        if let Some(Some(c)) = open.creators.get(i) {
            write_creator(out, c, b"creator pid ", b" uid ", b" comm ", b" exe ")?;
            out.bytes(b"\n")?;
        }
        let from = order.partition_point(|&(j, _)| j < i);
        for &(_, k) in order[from..].iter().take_while(|&&(j, _)| j == i) {
            out.bytes(b"task ")?;
            write_task(out, s.tasks[k].tgid, s.tasks[k].tid)?;
            out.bytes(b"\n")?;
        }
    }
    Ok(())
}

fn write_task(out: &mut Buf, tgid: i32, tid: i32) -> Result {
    out.num(tgid as u64)?;
    out.bytes(b" ")?;
    out.num(tid as u64)
}

/// The creator's four keys, each after its separator.
fn write_creator(
    out: &mut Buf,
    c: &CreatorText,
    pid: &[u8],
    uid: &[u8],
    comm: &[u8],
    exe: &[u8],
) -> Result {
    out.bytes(pid)?;
    out.num(c.pid.max(0) as u64)?;
    out.bytes(uid)?;
    out.num(u64::from(c.uid))?;
    out.bytes(comm)?;
    format::escaped(out, &c.comm)?;
    out.bytes(exe)?;
    format::escaped(out, &c.exe)
}

/// Computes what a file shows for the current task (the opener) and
/// renders it.  Aggregate kinds and `domains/` walk the tasks once; a
/// domain's file checks that domain and its ancestors only.
fn open_view(kind: Option<Kind>, counter: u64) -> Result<Open> {
    let registry = view::registry().ok_or(ENOENT)?;
    Reader::with_current(|reader| -> Result<Open> {
        let snapshot = match kind {
            None | Some(Kind::AllTasks | Kind::Snapshot | Kind::Tasks) => {
                let mut s = reader.snapshot(registry)?;
                if let Some(Kind::Tasks) = kind {
                    // Only this domain, which must be visible.
                    s.position(counter).ok_or(ENOENT)?;
                    s.tasks.retain(|t| t.domain == counter);
                }
                s
            }
            Some(_) => chain_view(reader, registry, counter)?,
        };
        if kind == Some(Kind::Creator) && !reader.privileged() {
            return Err(EACCES);
        }
        // Upstream's IDs are monotonic: they tell creation order, which the
        // tree's IDs hide, so only a reader who may read audit records gets
        // them.  A domain freed since it was found has none (ENOENT).
        let audit_id = if kind == Some(Kind::AuditId) {
            if !reader.reads_audit() {
                return Err(EACCES);
            }
            Some(registry.audit_id(counter).ok_or(ENOENT)?)
        } else {
            None
        };
        // Creators: every visible domain's for `snapshot`, the file's own
        // for `creator`, in the order of `snapshot.shown`.  A domain freed
        // since it was found has none (ENOENT for `creator`).
        let mut creators = KVVec::new();
        if reader.privileged() && matches!(kind, Some(Kind::Creator | Kind::Snapshot)) {
            for s in snapshot.shown.iter() {
                let c = s.info.counter();
                let c = if kind == Some(Kind::Snapshot) || c == counter {
                    match creator_of(registry, c, reader) {
                        Ok(c) => Some(c),
                        Err(e) if e == ENOENT => None,
                        Err(e) => return Err(e),
                    }
                } else {
                    None
                };
                creators.push(c, GFP_KERNEL_ACCOUNT)?;
            }
        }
        let mut open = Open {
            snapshot,
            creators,
            audit_id,
            content: Buf::new(),
            foreign: SetOnce::new(),
        };
        if let Some(kind) = kind {
            let mut content = Buf::new();
            render(kind, counter, &open, reader.own_domain(), &mut content)?;
            open.content = content;
        }
        Ok(open)
    })
    .ok_or(ESRCH)?
}

/// The view of one domain's file: the domain (rules 1 and 2) and its
/// unbroken chain of visible ancestors, for `parent` and `depth`.
fn chain_view(reader: &Reader<'_>, registry: &Registry, counter: u64) -> Result<Snapshot> {
    let info = reader.sees(registry, counter).ok_or(ENOENT)?;
    let mut chain: KVVec<Info> = KVVec::new();
    chain.push(info, GFP_KERNEL_ACCOUNT)?;
    let mut at = info;
    while at.parent != 0 {
        let Some(p) = reader.sees(registry, at.parent) else {
            break;
        };
        chain.push(p, GFP_KERNEL_ACCOUNT)?;
        at = p;
    }
    Snapshot::from_infos(chain)
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
    // No key yet: no ID was ever shown, so there is nothing to find.
    let Some(counter) = TREE_IDS.get().and_then(|p| p.counter(id)) else {
        // SAFETY: as above.
        return unsafe { miss(dentry) };
    };
    if !current_sees(counter) {
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

/// `open` of `domains/`: snapshot of the visible domains.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domains_open(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    match open_view(None, 0) {
        // SAFETY: `file` is being opened.
        Ok(open) => unsafe { open.attach(file) },
        Err(e) => e.to_errno(),
    }
}

/// `iterate_shared` of `domains/`: positions index the snapshot, sorted by
/// ID.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domains_iterate(
    file: *mut bindings::file,
    ctx: *mut bindings::dir_context,
) -> c_int {
    // SAFETY: `file` and `ctx` come from the VFS.
    if !unsafe { raw::landlock_fs_dir_emit_dots(file, ctx) } {
        return 0;
    }
    // SAFETY: `file` is a `domains/` file we opened.
    let open = unsafe { Open::of(file) };
    let reading = Dom::current();
    // SAFETY: `file` is live during this call.
    let opener_dom = Dom::of_cred(unsafe { opener(file) });
    let filtered = Filtered {
        snapshot: &open.snapshot,
        reading,
    };
    // Positions index the opener's snapshot, so that entries freed between
    // two calls shift nothing.  A reading task whose domain differs from
    // the opener's (an inherited descriptor, or a reader that sandboxed
    // itself since) gets positions over the entries it may see instead, so
    // gaps cannot tell it how many it may not see.
    let as_opener = reading.counter == 0 || reading == opener_dom;
    let Ok(order) = open.snapshot.by_id() else {
        return ENOMEM.to_errno();
    };
    // SAFETY: `ctx` is live.
    let start = unsafe { (*ctx).pos }.saturating_sub(2) as usize;
    let mut shown = 0usize;
    for (i, &k) in order.iter().enumerate() {
        let d = &open.snapshot.shown[k];
        if !filtered.shows(&d.info) {
            continue;
        }
        let pos = if as_opener { i } else { shown };
        shown += 1;
        if pos < start {
            continue;
        }
        let mut name = Buf::new();
        if format::id(&mut name, d.id).is_err() {
            return ENOMEM.to_errno();
        }
        // SAFETY: `ctx` is live; `name` has `len` bytes.
        let emitted = unsafe {
            raw::landlock_fs_dir_emit(
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
    // SAFETY: `private_data` is an `Open` our `open` attached, or NULL; no
    // other call on the file runs concurrently with `release`.
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
    if !current_sees(counter) {
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

/// `open` of `domains/<id>/`: only a visibility check; the listing is
/// constant.
///
/// # Safety
///
/// Called by the VFS, with the arguments its operation table documents.
unsafe extern "C" fn domain_dir_open(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `inode` is a domain directory of ours.
    match open_view(Some(Kind::Access), unsafe { counter_of(inode) }) {
        // SAFETY: `file` is being opened.
        Ok(open) => unsafe { open.attach(file) },
        Err(e) => e.to_errno(),
    }
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
    // SAFETY: `file` is one of our domain directories, opened by us.
    let (open, counter) = unsafe { (Open::of(file), counter_of((*file).f_inode)) };
    let filtered = Filtered {
        snapshot: &open.snapshot,
        reading: Dom::current(),
    };
    match open.snapshot.position(counter) {
        Some(i) if filtered.shows(&open.snapshot.shown[i].info) => {}
        _ => return ENOENT.to_errno(),
    }
    // SAFETY: `file` and `ctx` come from the VFS.
    if !unsafe { raw::landlock_fs_dir_emit_dots(file, ctx) } {
        return 0;
    }
    // SAFETY: `ctx` is live.
    let start = unsafe { (*ctx).pos }.saturating_sub(2) as usize;
    for (i, (name, _)) in DOMAIN_FILES.iter().enumerate().skip(start) {
        let bytes = name.to_bytes();
        // SAFETY: `ctx` is live; `bytes` is the name.
        let emitted = unsafe {
            raw::landlock_fs_dir_emit(
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
const AUDIT_ID_FOPS: bindings::file_operations = FileOps::<{ Kind::AuditId as u8 }>::FOPS;
/// File operations of the top-level `tasks` file.
pub(crate) const ALL_TASKS_FOPS: bindings::file_operations =
    FileOps::<{ Kind::AllTasks as u8 }>::FOPS;
/// File operations of the top-level `snapshot` file.
pub(crate) const SNAPSHOT_FOPS: bindings::file_operations =
    FileOps::<{ Kind::Snapshot as u8 }>::FOPS;

fn fops_of(kind: Kind) -> &'static bindings::file_operations {
    match kind {
        Kind::Parent => &PARENT_FOPS,
        Kind::Depth => &DEPTH_FOPS,
        Kind::Access => &ACCESS_FOPS,
        Kind::Tasks => &TASKS_FOPS,
        Kind::Creator => &CREATOR_FOPS,
        Kind::AllTasks => &ALL_TASKS_FOPS,
        Kind::Snapshot => &SNAPSHOT_FOPS,
        Kind::AuditId => &AUDIT_ID_FOPS,
    }
}

/// `open` of a file: read-only, visible, rendered once for the opener.
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
    // SAFETY: `inode` is one of our files (aggregate files have no
    // counter: 0).
    let counter = unsafe { counter_of(inode) };
    match open_view(Some(kind), counter) {
        // SAFETY: `file` is being opened.
        Ok(open) => unsafe { open.attach(file) },
        Err(e) => e.to_errno(),
    }
}

/// `read` of a file: the content rendered at open, or, for a reading task
/// in another domain than the opener's, that content filtered by rule 1
/// for the reading task (rendered again).
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
    // SAFETY: `file` is one of our open files; it is live during the call.
    let (open, counter, cred) =
        unsafe { (Open::of(file), counter_of((*file).f_inode), opener(file)) };
    let reading = Dom::current();
    let opener_dom = Dom::of_cred(cred);
    let uncached;
    let content = if reading.counter == 0 || reading == opener_dom {
        &open.content
    } else if let Some((_, out)) = open.foreign.as_ref().filter(|(d, _)| *d == reading) {
        out
    } else {
        let mut out = Buf::new();
        if let Err(e) = render(kind, counter, open, reading, &mut out) {
            return e.to_errno() as isize;
        }
        if open.foreign.as_ref().is_none() && open.foreign.populate((reading, out)) {
            match open.foreign.as_ref() {
                Some((_, out)) => out,
                None => return EIO.to_errno() as isize,
            }
        } else {
            uncached = {
                let mut again = Buf::new();
                if let Err(e) = render(kind, counter, open, reading, &mut again) {
                    return e.to_errno() as isize;
                }
                again
            };
            &uncached
        }
    };
    // SAFETY: `buf` is the user buffer of `count` bytes and `ppos` the file
    // position, as the VFS passed them; `content` has `len` bytes.
    unsafe {
        bindings::simple_read_from_buffer(
            buf.cast(),
            count,
            ppos,
            content.0.as_ptr().cast(),
            content.0.len(),
        )
    }
}
