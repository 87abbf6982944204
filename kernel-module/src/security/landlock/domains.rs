// SPDX-License-Identifier: GPL-2.0-only

//! The dynamic part of the tree: `domains/`, `domains/<id>/` and their
//! files, and the top-level `tasks` and `snapshot` files.
//!
//! Built on `kernel::fs::dynfs`, which owns the VFS side: [`DomainsDir`] is
//! `domains/`, [`DomainDir`] a `domains/<id>/` and [`KindFile`] each file.
//! Like `/proc/<pid>`, nothing exists until someone looks: a lookup parses
//! the name, checks visibility and names the node by the domain's counter
//! only (no reference that would keep the domain alive).  Dentries are
//! never cached beyond their last use, and `d_revalidate`, `permission`,
//! `getattr` ([`Node::visible`]) and `open` check visibility again, so a
//! dentry cached for one reader never lets another one through.
//!
//! Both rules are evaluated once, at `open`, with the opener's credentials,
//! and the whole content is rendered then, into memory charged to the
//! opener (see [`Open`]).  `read()` and `getdents()` serve that content and
//! re-check only rule 1 against the reading task's current domain: a task
//! that reads a descriptor it did not open, or that sandboxed itself since,
//! gets the content filtered (rendered again) for its domain.
//!
//! Every node is read-only (see `kernel::fs::dynfs`): `setattr` fails with EPERM,
//! opening for writing with EACCES, and there are no `create`, `mkdir`,
//! `unlink` or `rename` operations (the VFS answers EACCES or EPERM).

use crate::{
    format::{self, Buf},
    id::TREE_IDS,
    registry::{CreatorText, Info, Registry, MAX_LAYERS},
    rules::RulesFile,
    view::{self, Dom, Reader, Reading, Snapshot},
};
use kernel::{
    fs::{
        dynfs::{Child, DirContext, DirNode, EntryType, FileNode, Node},
        file::{LocalFile, Offset},
    },
    prelude::*,
    sync::SetOnce,
    uaccess::UserSliceWriter,
};

/// The inode number of `domains/<id>/` (`kind` `None`) or of one of its
/// files: derived from the ID, which whoever may `stat()` or list the entry
/// sees anyway, so that `getdents()` reports the `d_ino` that `stat()` will
/// (`ls -i`, `find` and fts rely on that) although no inode exists before a
/// lookup.  A directory's is its ID (IDs are unique); a file's flips bits
/// 56 to 59 of it by the kind, staying in `[2^60, 2^64)`, far from the
/// small numbers `get_next_ino()` gives securityfs's own inodes.
fn ino_of(id: u64, kind: Option<Kind>) -> u64 {
    match kind {
        None => id,
        Some(k) => id ^ ((k as u64 + 1) << 56),
    }
}

/// The ID of the domain of `counter`, once IDs exist (a node of a domain
/// was only ever made after its ID was shown, so the key exists).
fn id_of(counter: u64) -> Result<u64> {
    Ok(TREE_IDS.get().ok_or(ENOENT)?.id(counter))
}

/// The files of a domain directory, in `readdir` order.
const DOMAIN_FILES: &[(&CStr, Kind)] = &[
    (c"parent", Kind::Parent),
    (c"depth", Kind::Depth),
    (c"access", Kind::Access),
    (c"tasks", Kind::Tasks),
    (c"creator", Kind::Creator),
    (c"audit_id", Kind::AuditId),
    (c"denials", Kind::Denials),
    (c"rules", Kind::Rules),
];

/// The files only a privileged reader may open (see
/// [`Reader::privileged`]).
const PRIVILEGED: &[Kind] = &[
    Kind::Creator,
    // The rules name another user's files.
    Kind::Rules,
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
    /// How many access requests the domain denied (upstream's
    /// `num_denials`).
    Denials = 8,
    /// The rules of the domain's own layer (`rules.rs`).
    Rules = 9,
}

impl Kind {
    /// The kind of discriminant `k`, if there is one.
    const fn from_u8(k: u8) -> Option<Self> {
        match k {
            0 => Some(Kind::Parent),
            1 => Some(Kind::Depth),
            2 => Some(Kind::Access),
            3 => Some(Kind::Tasks),
            4 => Some(Kind::Creator),
            5 => Some(Kind::AllTasks),
            6 => Some(Kind::Snapshot),
            7 => Some(Kind::AuditId),
            8 => Some(Kind::Denials),
            9 => Some(Kind::Rules),
            _ => None,
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
pub(crate) struct Open {
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
    /// The count of denials at open, for `denials` (the file's domain's)
    /// and `snapshot` (every visible domain's), in the order of
    /// `snapshot.shown`; `None` for a domain freed during the open.
    denials: KVVec<Option<u64>>,
    /// The content rendered for the opener.
    content: Buf,
    /// For `domains/`: the indices of `snapshot.shown` sorted by ID, the
    /// order of `getdents()`, sorted once at open.
    by_id: KVVec<usize>,
    /// The contents rendered for reading tasks in other domains than the
    /// opener's (a passed or inherited descriptor), one per distinct pair
    /// of domains, so that small reads do not render again.
    foreign: SetOnce<KBox<Foreign>>,
}

/// How many foreign renderings an open file keeps.
const FOREIGN_MAX: usize = 8;

/// A node of `Open::foreign`: an append-only list, each node published
/// once (no lock; nobody waits for another reader).  A node's memory is
/// charged to the reading task that rendered it.  At most
/// [`FOREIGN_MAX`] nodes (their drop recurses): the pairs of domains that
/// read the descriptor after those render per `read()`.
struct Foreign {
    reading: Reading,
    content: Buf,
    next: SetOnce<KBox<Foreign>>,
}

impl Open {
    /// The content rendered for `reading`, if some task in its domains read
    /// this descriptor before.
    fn foreign(&self, reading: Reading) -> Option<&Buf> {
        let mut at = &self.foreign;
        while let Some(n) = at.as_ref() {
            if n.reading == reading {
                return Some(&n.content);
            }
            at = &n.next;
        }
        None
    }

    /// Keeps `content`, rendered for `reading`, at the end of the list, and
    /// returns it; `None` if the list is full or another reader was
    /// appending at the same moment (the content is dropped, and the caller
    /// renders again).
    fn keep_foreign(&self, reading: Reading, content: Buf) -> Option<&Buf> {
        let mut at = &self.foreign;
        let mut len = 0;
        while let Some(n) = at.as_ref() {
            at = &n.next;
            len += 1;
        }
        if len >= FOREIGN_MAX {
            return None;
        }
        let node = KBox::new(
            Foreign {
                reading,
                content,
                next: SetOnce::new(),
            },
            GFP_KERNEL_ACCOUNT,
        )
        .ok()?;
        if !at.populate(node) {
            return None;
        }
        at.as_ref().map(|n| &n.content)
    }
}

/// Whether the current task sees the domain of `counter` (an error when
/// that could not be decided: `ENOMEM`, `EINTR`).
pub(crate) fn current_sees(counter: u64) -> Result<bool> {
    let Some(registry) = view::registry() else {
        return Ok(false);
    };
    Reader::with_current(|r| r.sees(registry, counter).map(|s| s.is_some())).unwrap_or(Ok(false))
}

// ---------------------------------------------------------------------------
// Rendering

/// Copies the creator of the domain of `counter` as `reader` sees it (PID
/// in its namespace, UID mapped into its user namespace).  The registry
/// lock is held for the copy only (see `registry.rs`).
fn creator_of(registry: &Registry, counter: u64, reader: &Reader<'_>) -> Result<CreatorText> {
    registry.creator(counter, reader.ns(), reader.cred())
}

/// What a reading task whose domains are `reading` sees of an open file's
/// snapshot: the opener's view, minus what fails rule 1 for `reading`.
struct Filtered<'a> {
    snapshot: &'a Snapshot,
    reading: Reading,
}

impl Filtered<'_> {
    fn shows(&self, info: &Info) -> bool {
        self.reading.shows(info)
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
fn render(kind: Kind, counter: u64, open: &Open, reading: Reading, out: &mut Buf) -> Result {
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
                // Privileged openers only (checked at open): none means the
                // domain was freed during the open.
                .ok_or(ENOENT)?;
            write_creator(out, c, b"pid ", b"\nuid ", b"\ncomm ", b"\nexe ")?;
            out.bytes(b"\n")?;
        }
        Kind::AuditId => {
            format::audit_id(out, open.audit_id.ok_or(EACCES)?)?;
            out.bytes(b"\n")?;
        }
        Kind::Denials => {
            // None: the domain was freed during the open.
            out.num(open.denials.get(i).copied().flatten().ok_or(ENOENT)?)?;
            out.bytes(b"\n")?;
        }
        Kind::AllTasks | Kind::Snapshot => {}
        // Served by `rules.rs` from the domain itself.
        Kind::Rules => {}
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
        if let Some(Some(n)) = open.denials.get(i) {
            out.bytes(b"denials ")?;
            out.num(*n)?;
            out.bytes(b"\n")?;
        }
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
/// renders it.  Aggregate kinds and `domains/` (`kind` `None`) walk the
/// tasks once; a domain's file and directory (`dir`) check that domain and
/// its ancestors only, and a directory renders nothing.
fn open_view(kind: Option<Kind>, counter: u64, dir: bool) -> Result<Open> {
    let registry = view::registry().ok_or(ENOENT)?;
    Reader::with_current(|reader| -> Result<Open> {
        let snapshot = match kind {
            None | Some(Kind::AllTasks | Kind::Snapshot) => reader.snapshot(registry)?,
            // The domain's own tasks, from its task index: O(its tasks).
            Some(Kind::Tasks) if !dir => {
                let mut s = chain_view(reader, registry, counter)?;
                s.tasks = reader.own_tasks(registry, counter)?;
                s
            }
            Some(_) => chain_view(reader, registry, counter)?,
        };
        if kind.is_some_and(|k| PRIVILEGED.contains(&k)) && !reader.privileged() {
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
        // Counts of denials as they are now: every visible domain's for
        // `snapshot`, the file's own for `denials` (ENOENT if freed since it
        // was found).  Only for readers of audit records, where upstream
        // shows them: a domain counts the requests it denied that the
        // layers below it allowed, so its count follows the rules of
        // nested domains the reader may not see, and the requests of
        // tasks it may not trace (and, for a sandboxed reader, whether a
        // request got past its own domain).
        let counts = matches!(kind, Some(Kind::Denials | Kind::Snapshot)) && reader.reads_audit();
        if kind == Some(Kind::Denials) && !counts {
            return Err(EACCES);
        }
        let mut denials = KVVec::new();
        if counts {
            for s in snapshot.shown.iter() {
                let c = s.info.counter();
                let n = if kind == Some(Kind::Snapshot) || c == counter {
                    registry.denials(c)
                } else {
                    None
                };
                if kind == Some(Kind::Denials) && c == counter && n.is_none() {
                    return Err(ENOENT);
                }
                denials.push(n, GFP_KERNEL_ACCOUNT)?;
            }
        }
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
            denials,
            content: Buf::new(),
            by_id: KVVec::new(),
            foreign: SetOnce::new(),
        };
        if kind.is_none() {
            open.by_id = open.snapshot.by_id()?;
        }
        match kind {
            Some(kind) if !dir => {
                let mut content = Buf::new();
                render(kind, counter, &open, reader.reading(), &mut content)?;
                open.content = content;
            }
            _ => {}
        }
        Ok(open)
    })
    .ok_or(ESRCH)?
}

/// The view of one domain's file: the domain (rules 1 and 2) and its
/// unbroken chain of visible ancestors, for `parent` and `depth`.
///
/// Rule 2 is checked for the domain only when a task the reader may trace
/// made it pass: that task is below every ancestor too, so the ancestors
/// need only rule 1 (one registry lookup each).  A domain a privileged
/// reader sees because no task is in it or below it says nothing of its
/// ancestors, which are then checked in full.
fn chain_view(reader: &Reader<'_>, registry: &Registry, counter: u64) -> Result<Snapshot> {
    let seen = reader.sees(registry, counter)?.ok_or(ENOENT)?;
    let mut chain: KVVec<Info> = KVVec::new();
    chain.push(seen.info, GFP_KERNEL_ACCOUNT)?;
    let mut at = seen.info;
    while at.parent != 0 {
        let parent = if seen.by_task {
            // An ancestor lives as long as its descendants: one missing from
            // the registry means the domain itself was freed meanwhile.
            let p = registry.info(at.parent).ok_or(ENOENT)?;
            reader.is_below(&p).then_some(p)
        } else {
            match reader.sees(registry, at.parent)? {
                Some(p) => Some(p.info),
                None if registry.info(at.parent).is_none() => return Err(ENOENT),
                None => None,
            }
        };
        let Some(p) = parent else {
            break;
        };
        chain.push(p, GFP_KERNEL_ACCOUNT)?;
        at = p;
    }
    Snapshot::from_infos(chain)
}

/// Checks, at the open of `domains/<id>/rules`, that the current task may
/// see the domain of `counter` (rules 1 and 2) and is privileged (as for
/// `creator`): the opener's view, for [`still_shows`] at each read.
pub(crate) fn open_rules(counter: u64) -> Result<Open> {
    open_view(Some(Kind::Rules), counter, false)
}

/// Whether the reading task may still see the domain of `counter` in what
/// `open` holds: rule 1 for a reading task in another domain than the
/// opener's (a passed or inherited descriptor), as every file's `read`.
pub(crate) fn still_shows(open: &Open, counter: u64, file: &LocalFile) -> bool {
    let reading = Reading::current();
    if reading.covers(Dom::of_cred(file.cred())) {
        return true;
    }
    open.snapshot
        .position(counter)
        .is_some_and(|i| reading.shows(&open.snapshot.shown[i].info))
}

// ---------------------------------------------------------------------------
// domains/

/// `domains/`: one directory per visible domain, named by its ID.  A
/// securityfs directory (key 0), so it checks nothing itself: its entries
/// do.
pub(crate) struct DomainsDir;

impl Node for DomainsDir {
    type Open = Open;

    /// Never asked: the directory keeps securityfs's `permission` and
    /// `getattr`.
    fn visible(_key: u64) -> Result<bool> {
        Ok(true)
    }

    /// A snapshot of the visible domains.
    fn open(_key: u64, _file: &LocalFile) -> Result<Open> {
        open_view(None, 0, false)
    }
}

impl DirNode for DomainsDir {
    /// Parses the name, inverts the ID, checks visibility; every miss is
    /// a negative dentry (ENOENT).
    fn lookup(_key: u64, name: &[u8]) -> Result<Option<Child>> {
        let Some(id) = format::parse_id(name) else {
            return Ok(None);
        };
        // No key yet: no ID was ever shown, so there is nothing to find.
        let Some(counter) = TREE_IDS.get().and_then(|p| p.counter(id)) else {
            return Ok(None);
        };
        if !current_sees(counter)? {
            return Ok(None);
        }
        Ok(Some(
            Child::dir::<DomainDir>(counter).with_ino(ino_of(id, None)),
        ))
    }

    /// Positions index the snapshot, sorted by ID.
    fn iterate(_key: u64, open: &Open, file: &LocalFile, ctx: &mut DirContext<'_>) -> Result {
        if !ctx.emit_dots() {
            return Ok(());
        }
        let reading = Reading::current();
        let opener_dom = Dom::of_cred(file.cred());
        let filtered = Filtered {
            snapshot: &open.snapshot,
            reading,
        };
        // Positions index the opener's snapshot, so that entries freed
        // between two calls shift nothing.  A reading task whose domain
        // differs from the opener's (an inherited descriptor, or a reader
        // that sandboxed itself since) gets positions over the entries it
        // may see instead, so gaps cannot tell it how many it may not see.
        let as_opener = reading.covers(opener_dom);
        let start = ctx.pos().saturating_sub(2) as usize;
        let mut shown = 0usize;
        // The opener's positions are indexes: a later call starts at its
        // position instead of counting again from the first entry (a
        // listing in many small calls stays linear).
        let skip = if as_opener { start } else { 0 };
        for (i, &k) in open.by_id.iter().enumerate().skip(skip) {
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
            format::id(&mut name, d.id).map_err(|_| ENOMEM)?;
            if !ctx.emit(&name.0, ino_of(d.id, None), EntryType::Dir) {
                return Ok(());
            }
            ctx.set_pos(pos as i64 + 3);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// domains/<id>/

/// `domains/<id>/`: the files of one domain (key: its counter).
struct DomainDir;

impl Node for DomainDir {
    type Open = Open;

    fn visible(counter: u64) -> Result<bool> {
        current_sees(counter)
    }

    /// Only a visibility check (of the domain and its visible chain, as
    /// for its files); the listing is constant, and nothing is rendered.
    fn open(counter: u64, _file: &LocalFile) -> Result<Open> {
        open_view(Some(Kind::Access), counter, true)
    }
}

impl DirNode for DomainDir {
    fn lookup(counter: u64, name: &[u8]) -> Result<Option<Child>> {
        if !current_sees(counter)? {
            return Err(ENOENT);
        }
        let id = id_of(counter)?;
        Ok(DOMAIN_FILES
            .iter()
            .find(|(n, _)| n.to_bytes() == name)
            .map(|&(_, kind)| file_child(kind, counter).with_ino(ino_of(id, Some(kind)))))
    }

    fn iterate(counter: u64, open: &Open, _file: &LocalFile, ctx: &mut DirContext<'_>) -> Result {
        let filtered = Filtered {
            snapshot: &open.snapshot,
            reading: Reading::current(),
        };
        let id = match open.snapshot.position(counter) {
            Some(i) if filtered.shows(&open.snapshot.shown[i].info) => open.snapshot.shown[i].id,
            _ => return Err(ENOENT),
        };
        if !ctx.emit_dots() {
            return Ok(());
        }
        let start = ctx.pos().saturating_sub(2) as usize;
        for (i, &(name, kind)) in DOMAIN_FILES.iter().enumerate().skip(start) {
            if !ctx.emit(name.to_bytes(), ino_of(id, Some(kind)), EntryType::Regular) {
                return Ok(());
            }
            ctx.set_pos(i as i64 + 3);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Files

/// A file of kind `K` (a [`Kind`] as `u8`): one type, hence one set of
/// operation tables, per kind.  Key: the domain's counter, or 0 for the
/// top-level (aggregate) files.
pub(crate) struct KindFile<const K: u8>;

/// The top-level `tasks` file.
pub(crate) type AllTasksFile = KindFile<{ Kind::AllTasks as u8 }>;
/// The top-level `snapshot` file.
pub(crate) type SnapshotFile = KindFile<{ Kind::Snapshot as u8 }>;

/// The child of kind `kind` of the domain directory of `counter`.
fn file_child(kind: Kind, counter: u64) -> Child {
    match kind {
        Kind::Parent => Child::file::<KindFile<{ Kind::Parent as u8 }>>(counter),
        Kind::Depth => Child::file::<KindFile<{ Kind::Depth as u8 }>>(counter),
        Kind::Access => Child::file::<KindFile<{ Kind::Access as u8 }>>(counter),
        Kind::Tasks => Child::file::<KindFile<{ Kind::Tasks as u8 }>>(counter),
        Kind::Creator => Child::file::<KindFile<{ Kind::Creator as u8 }>>(counter),
        Kind::AuditId => Child::file::<KindFile<{ Kind::AuditId as u8 }>>(counter),
        Kind::Denials => Child::file::<KindFile<{ Kind::Denials as u8 }>>(counter),
        Kind::Rules => Child::file::<RulesFile>(counter),
        Kind::AllTasks => Child::file::<AllTasksFile>(counter),
        Kind::Snapshot => Child::file::<SnapshotFile>(counter),
    }
}

impl<const K: u8> KindFile<K> {
    /// The file's kind: `EINVAL` for a `K` that is no [`Kind`] (no file is
    /// made with one: [`file_child`] and the aliases above use `Kind`s).
    fn kind() -> Result<Kind> {
        Kind::from_u8(K).ok_or(EINVAL)
    }
}

impl<const K: u8> Node for KindFile<K> {
    type Open = Open;

    /// Asked for a domain's files only: the aggregate files are
    /// securityfs's, with its own `permission` and `getattr`.
    fn visible(counter: u64) -> Result<bool> {
        if Self::kind()?.is_aggregate() {
            return Ok(true);
        }
        current_sees(counter)
    }

    /// Visible, rendered once for the opener.
    fn open(counter: u64, _file: &LocalFile) -> Result<Open> {
        open_view(Some(Self::kind()?), counter, false)
    }
}

#[vtable]
impl<const K: u8> FileNode for KindFile<K> {
    /// The content rendered at open, or, for a reading task in another
    /// domain than the opener's, that content filtered by rule 1 for the
    /// reading task (rendered again).
    fn read(
        counter: u64,
        open: &Open,
        file: &LocalFile,
        out: &mut UserSliceWriter,
        pos: &mut Offset,
    ) -> Result<usize> {
        let kind = Self::kind()?;
        let reading = Reading::current();
        let opener_dom = Dom::of_cred(file.cred());
        if reading.covers(opener_dom) {
            return out.write_slice_file(&open.content.0, pos);
        }
        if let Some(content) = open.foreign(reading) {
            return out.write_slice_file(&content.0, pos);
        }
        let mut content = Buf::new();
        render(kind, counter, open, reading, &mut content)?;
        if let Some(content) = open.keep_foreign(reading, content) {
            return out.write_slice_file(&content.0, pos);
        }
        let mut again = Buf::new();
        render(kind, counter, open, reading, &mut again)?;
        out.write_slice_file(&again.0, pos)
    }
}
