// SPDX-License-Identifier: GPL-2.0-only

//! The registry of live domains, indexed by counter: a safe wrapper over
//! `struct landlock_introspect_registry` (introspect.c).
//!
//! An entry is embedded in its `struct landlock_hierarchy` (`struct
//! landlock_introspect_entry`), so registering a domain allocates nothing:
//! `landlock_merge_ruleset()` links it into a hash bucket once the new
//! domain can no longer fail, and `landlock_put_hierarchy()` unlinks it before
//! freeing the hierarchy, each under that bucket's spinlock (which lockdep
//! sees).  That is all that creating and freeing a domain pay.
//!
//! Readers copy a few words under a bucket's lock, for one lookup or one
//! bucket's [`Info`]s at a time: the lock keeps the
//! hierarchies they find alive.  For a creator ([`CreatorText`], whose
//! executable path may be `PATH_MAX` bytes long) they take a reference to
//! the hierarchy under the lock and copy after releasing it.  They never
//! walk tasks, allocate, format or copy user-sized data under it, so a
//! reader delays a domain's creation or free by at most one such
//! operation.  The depth and
//! ancestors of an entry are found by walking the hierarchy's parents when
//! it is read, not stored when it is created.

use crate::{glue::raw, id::ID_MIN};
use core::{ops::ControlFlow, ptr::NonNull};
use kernel::{
    alloc::flags::__GFP_NOWARN,
    bindings,
    cred::Credential,
    pid_namespace::PidNamespace,
    prelude::*,
    sync::{aref::ARef, SetOnce},
    task::{Kuid, Task},
    uapi,
};

/// Maximum nesting of Landlock domains (`LANDLOCK_MAX_NUM_LAYERS`): the
/// length of [`Info::ancestors`], whose layout is checked below against
/// the numbers introspect.c checks `struct landlock_introspect_info` with, there
/// against `LANDLOCK_MAX_NUM_LAYERS`.
pub(crate) const MAX_LAYERS: usize = 16;

/// The C registry (opaque).
#[repr(C)]
pub(crate) struct RawRegistry {
    _opaque: [u8; 0],
}

/// A C hierarchy (opaque), for KUnit's test entries.
#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[repr(C)]
pub(crate) struct RawHierarchy {
    _opaque: [u8; 0],
}

/// A C walk of a subtree's tasks (`struct landlock_introspect_walk`, opaque).
#[repr(C)]
pub(crate) struct RawWalk {
    _opaque: [u8; 0],
}

/// An entry of the C task index (`struct landlock_introspect_task`, opaque), for
/// KUnit's test entries.
#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[repr(C)]
pub(crate) struct RawTaskEntry {
    _opaque: [u8; 0],
}

/// A C domain (`struct landlock_domain`, opaque), for the rules file.
#[repr(C)]
pub(crate) struct RawDomain {
    _opaque: [u8; 0],
}

/// The mounts a reader sees (`struct landlock_introspect_mounts`, opaque).
#[repr(C)]
pub(crate) struct RawMounts {
    _opaque: [u8; 0],
}

/// `LANDLOCK_RULE_PATH_BENEATH`: a filesystem rule.
pub(crate) const RULE_FS: u8 = 1;
/// `LANDLOCK_RULE_NET_PORT`: a network rule.
pub(crate) const RULE_NET: u8 = 2;
/// `LANDLOCK_INTROSPECT_RULE_QUIET`.
pub(crate) const RULE_QUIET: u8 = 1 << 0;
/// `LANDLOCK_INTROSPECT_RULE_RELEASED`.
pub(crate) const RULE_RELEASED: u8 = 1 << 1;

/// One rule of a domain's own layer (`struct landlock_introspect_rule`),
/// made by C only: the rule pointer stays private to this module, so that
/// only [`DomainRules`], which holds the rule's domain, hands it back to C.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct RawRule {
    rule: *const core::ffi::c_void,
    /// The inode's number (filesystem rules, unless released).
    pub(crate) ino: u64,
    /// The major number of the inode's filesystem's device.
    pub(crate) dev_major: u32,
    /// Its minor number.
    pub(crate) dev_minor: u32,
    /// The access rights this layer allows.
    pub(crate) access: u32,
    /// The port (network rules).
    pub(crate) port: u16,
    /// [`RULE_FS`] or [`RULE_NET`].
    pub(crate) kind: u8,
    /// [`RULE_QUIET`], [`RULE_RELEASED`].
    pub(crate) flags: u8,
}

// The layout of `struct landlock_introspect_rule`, which introspect.c
// checks with the same numbers.
const _: () = assert!(core::mem::size_of::<RawRule>() == 32);
const _: () = assert!(core::mem::offset_of!(RawRule, ino) == 8);
const _: () = assert!(core::mem::offset_of!(RawRule, access) == 24);
const _: () = assert!(core::mem::offset_of!(RawRule, port) == 28);
const _: () = assert!(core::mem::offset_of!(RawRule, kind) == 30);
const _: () = assert!(core::mem::offset_of!(RawRule, flags) == 31);

impl RawRule {
    /// The order of the rules file: by kind, device, inode number, port,
    /// then rights; never the kernel's (the order of object addresses).
    fn key(&self) -> (u8, u32, u32, u64, u16, u32, u8) {
        (
            self.kind,
            self.dev_major,
            self.dev_minor,
            self.ino,
            self.port,
            self.access,
            self.flags,
        )
    }
}

/// Why [`DomainRules::path`] named nothing (`LANDLOCK_INTROSPECT_PATH_*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Unnamed {
    /// The filesystem was unmounted: the kernel knows the inode no more.
    Released,
    /// No dentry of the inode is cached.
    Uncached,
    /// The inode's cached dentry is unlinked.
    Deleted,
    /// No mount under the reader's root shows it.
    Unreachable,
    /// The path is longer than `PATH_MAX`.
    TooLong,
}

impl Unnamed {
    fn from_c(reason: i32) -> Self {
        match reason {
            1 => Unnamed::Released,
            2 => Unnamed::Uncached,
            3 => Unnamed::Deleted,
            5 => Unnamed::TooLong,
            _ => Unnamed::Unreachable,
        }
    }
}

/// A reference to a live domain and the rules of its own layer, sorted
/// ([`RawRule::key`]).  A domain's rules never change, so nothing is
/// locked while they are read.  The reference is put from a workqueue
/// (the free never runs in the reader's context).
pub(crate) struct DomainRules {
    domain: NonNull<RawDomain>,
    rules: KVVec<RawRule>,
}

// SAFETY: the domain's reference count is atomic, its rules are immutable,
// and the put may run in any task.
unsafe impl Send for DomainRules {}
// SAFETY: as above; `&DomainRules` only reads.
unsafe impl Sync for DomainRules {}

impl Drop for DomainRules {
    fn drop(&mut self) {
        // SAFETY: `self.domain` holds a reference taken by
        // `landlock_introspect_registry_domain()`, put once here.
        unsafe { raw::landlock_introspect_domain_put(self.domain.as_ptr()) };
    }
}

impl DomainRules {
    /// The rules, sorted.
    pub(crate) fn rules(&self) -> &[RawRule] {
        &self.rules
    }

    /// The path of the inode of filesystem rule `i`, relative to the root of
    /// the reader whose mounts are `mounts`, written at the end of `buf`
    /// (`PATH_MAX` bytes, allocated once by the caller); the returned slice
    /// borrows `buf`.
    pub(crate) fn path<'b>(
        &self,
        i: usize,
        mounts: &Mounts,
        buf: &'b mut [u8],
    ) -> core::result::Result<&'b [u8], Unnamed> {
        let rule = self.rules.get(i).ok_or(Unnamed::Unreachable)?;
        let size = buf.len();
        let mut start = 0usize;
        // SAFETY: `rule` was made by C for `self.domain`, which we hold, so
        // its rule pointer is valid; `mounts` is live; `buf` has `size`
        // writable bytes; `start` is a live `usize`.
        let reason = unsafe {
            raw::landlock_introspect_rule_path(
                mounts.0.as_ptr(),
                rule,
                buf.as_mut_ptr().cast(),
                size,
                &mut start,
            )
        };
        if reason != 0 {
            return Err(Unnamed::from_c(reason));
        }
        // The path ends with a NUL at `buf[size - 1]`.
        Ok(buf.get(start..size.saturating_sub(1)).unwrap_or(&[]))
    }
}

/// `PATH_MAX`.
pub(crate) const PATH_MAX: usize = uapi::PATH_MAX as usize;

/// References to the current task's root and to the mounts below it in its
/// mount namespace, to name inodes relative to that root.  They keep those
/// filesystems mounted: hold a `Mounts` within one system call only.
pub(crate) struct Mounts(NonNull<RawMounts>);

impl Mounts {
    /// The current task's mounts.
    pub(crate) fn collect() -> Result<Self> {
        // SAFETY: no precondition (process context).
        let m = unsafe { raw::landlock_introspect_mounts_collect() };
        Ok(Self(NonNull::new(m).ok_or(ENOMEM)?))
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from `landlock_introspect_mounts_collect()`
        // and is freed once, here.
        unsafe { raw::landlock_introspect_mounts_free(self.0.as_ptr()) };
    }
}

/// Tasks per batch of a walk (`LANDLOCK_INTROSPECT_WALK_BATCH`).
const WALK_BATCH: usize = 16;

/// How a walk of a domain's tasks ended ([`Registry::walk_tasks`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WalkEnd {
    /// The callback stopped it.
    Stopped,
    /// Every task of the subtree was visited.
    Complete,
    /// The walk could not visit every task (a chain deeper than Landlock
    /// nests, which cannot happen): nothing can be concluded from the
    /// tasks it did not find.
    GaveUp,
}

/// Mirror of `struct landlock_introspect_creator` (introspect_api.h; both sides check its
/// layout).
#[repr(C)]
#[derive(Default)]
pub(crate) struct RawCreator {
    pid: i32,
    uid: u32,
    comm_len: u32,
    exe_len: u32,
    comm: [u8; 16],
}

// The same numbers as introspect.c's static_asserts on `struct
// landlock_introspect_creator` (whose `comm` is checked there against
// `TASK_COMM_LEN`).
const _: () = {
    assert!(core::mem::size_of::<RawCreator>() == 32);
    assert!(core::mem::offset_of!(RawCreator, comm) == 16);
};

/// What the tree shows of one domain, apart from its creator: plain data,
/// copied out of the registry.  Mirror of `struct landlock_introspect_info`
/// (introspect_api.h; introspect.c checks the layout).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Info {
    /// Counter of the parent domain, 0 for a root domain.
    pub(crate) parent: u64,
    /// Counters of the domain's chain, root first: `ancestors[depth - 1]`
    /// is the domain itself, `ancestors[i]` its ancestor at depth `i + 1`.
    pub(crate) ancestors: [u64; MAX_LAYERS],
    /// Handled access rights of this layer: fs, net, scope.
    pub(crate) access: [u32; 3],
    /// Absolute depth: 1 for a root domain, at most [`MAX_LAYERS`].
    pub(crate) depth: u8,
}

// The same numbers as introspect.c's static_asserts on `struct
// landlock_introspect_info` (whose `ancestors` is checked there against
// `LANDLOCK_MAX_NUM_LAYERS`): a `MAX_LAYERS` other than the kernel's fails
// the build on one side or the other.
const _: () = {
    assert!(core::mem::size_of::<Info>() == 152);
    assert!(core::mem::offset_of!(Info, ancestors) == 8);
    assert!(core::mem::offset_of!(Info, access) == 136);
    assert!(core::mem::offset_of!(Info, depth) == 148);
};

impl Info {
    const EMPTY: Info = Info {
        parent: 0,
        ancestors: [0; MAX_LAYERS],
        access: [0; 3],
        depth: 0,
    };

    /// The domain's own counter.
    pub(crate) fn counter(&self) -> u64 {
        let i = usize::from(self.depth).clamp(1, MAX_LAYERS) - 1;
        self.ancestors[i]
    }

    /// Whether the domain of counter `ancestor` at absolute depth
    /// `ancestor_depth` is this domain or one of its ancestors.  O(1).
    pub(crate) fn is_at_or_below(&self, ancestor: u64, ancestor_depth: u8) -> bool {
        ancestor_depth >= 1
            && ancestor_depth <= self.depth
            && usize::from(ancestor_depth) <= MAX_LAYERS
            && self.ancestors[usize::from(ancestor_depth) - 1] == ancestor
    }
}

/// A domain's creator, copied for one reader.
pub(crate) struct CreatorText {
    /// TGID in the reader's PID namespace; 0 once it has exited.
    pub(crate) pid: i32,
    /// Real UID at creation, in the reader's user namespace (the overflow
    /// UID if it has no mapping there).
    pub(crate) uid: u32,
    /// `comm` at creation.
    pub(crate) comm: KVec<u8>,
    /// The executable's path at creation.
    pub(crate) exe: KVec<u8>,
}

/// A registry of live domains.  The kernel has one ([`global`]); KUnit
/// tests make their own, with test entries.
///
/// # Invariants
///
/// `raw` is a live `struct landlock_introspect_registry`, freed by `Drop` only for
/// registries made by [`Registry::new`] (the global one is never freed),
/// after every test entry in `test_tasks` and `test_entries` was unlinked,
/// unregistered and freed.  `test_entries` holds `(counter, hierarchy)`
/// pairs, parents before children.
pub(crate) struct Registry {
    raw: NonNull<RawRegistry>,
    owned: bool,
    #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
    test_entries: KVec<(u64, NonNull<RawHierarchy>)>,
    #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
    test_tasks: KVec<NonNull<RawTaskEntry>>,
}

// SAFETY: the C registry is protected by its buckets' locks, and every
// function above may be called from any task.
unsafe impl Send for Registry {}
// SAFETY: as above: shared references only call the locked C functions.
unsafe impl Sync for Registry {}

impl Registry {
    /// Makes an empty private registry (for KUnit tests).
    #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: no precondition.
        let raw = NonNull::new(unsafe { raw::landlock_introspect_registry_new() }).ok_or(ENOMEM)?;
        // INVARIANT: a new registry, owned.
        Ok(Self {
            raw,
            owned: true,
            test_entries: KVec::new(),
            test_tasks: KVec::new(),
        })
    }

    /// What the tree shows of the domain of `counter` (one lookup).
    pub(crate) fn info(&self, counter: u64) -> Option<Info> {
        let mut out = Info::EMPTY;
        // SAFETY: `raw` is live (type invariant); `out` is writable.
        unsafe { raw::landlock_introspect_registry_info(self.raw.as_ptr(), counter, &mut out) }
            .then_some(out)
    }

    /// Copies every entry, sorted by counter.  The memory is allocated
    /// before the lock is taken (again, if domains were added meanwhile, a
    /// bounded number of times).  It is temporary and proportional to all
    /// live domains, not to what a reader may see, so it is not charged to
    /// the reader's memory cgroup (which would tell it how many exist).
    pub(crate) fn infos(&self) -> Result<KVVec<Info>> {
        let mut cap = 64;
        for _ in 0..8 {
            // No warning for a huge count: any reader may ask.
            let mut out = KVVec::with_capacity(cap, GFP_KERNEL | __GFP_NOWARN)?;
            for _ in 0..cap {
                out.push(Info::EMPTY, GFP_KERNEL)?;
            }
            // SAFETY: `raw` is live; `out` has room for `cap` entries.
            let n = unsafe {
                raw::landlock_introspect_registry_infos(self.raw.as_ptr(), out.as_mut_ptr(), cap)
            };
            if n <= cap {
                out.truncate(n);
                out.sort_unstable_by_key(|i| i.counter());
                return Ok(out);
            }
            cap = n.saturating_mul(2);
        }
        Err(EAGAIN)
    }

    /// Calls `f` for each task in the domain of `counter` and, with
    /// `subtree`, in the domains nested below it, through the task index:
    /// the cost is the subtree's (its tasks and domains), never the
    /// system's.  A task that moves into a nested domain during the walk
    /// may be given twice.  No lock is held while `f`
    /// runs (it may sleep); the walk holds references to the hierarchies it
    /// is in and to one task.  `None` if the domain is gone.
    pub(crate) fn walk_tasks(
        &self,
        counter: u64,
        subtree: bool,
        f: impl FnMut(&Task) -> ControlFlow<()>,
    ) -> Result<Option<WalkEnd>> {
        self.reserve_walk()?.walk_tasks(counter, subtree, f)
    }

    /// The memory of a walk, allocated before the caller knows whether the
    /// domain exists, so that an allocation failure (`ENOMEM`) cannot tell
    /// a live domain from a gone one.
    pub(crate) fn reserve_walk(&self) -> Result<WalkReserve<'_>> {
        // SAFETY: no precondition.
        let w = NonNull::new(unsafe { raw::landlock_introspect_walk_alloc() }).ok_or(ENOMEM)?;
        Ok(WalkReserve { registry: self, w })
    }
}

/// A walk allocated by [`Registry::reserve_walk`], not begun yet.
///
/// # Invariants
///
/// `w` came from `landlock_introspect_walk_alloc()` and was not begun.
pub(crate) struct WalkReserve<'a> {
    registry: &'a Registry,
    w: NonNull<RawWalk>,
}

impl Drop for WalkReserve<'_> {
    fn drop(&mut self) {
        // SAFETY: `w` is allocated and not begun (type invariant; a walk
        // that begins is forgotten first).
        unsafe { raw::landlock_introspect_walk_free(self.w.as_ptr()) };
    }
}

impl WalkReserve<'_> {
    /// As [`Registry::walk_tasks`], with this memory.
    pub(crate) fn walk_tasks(
        self,
        counter: u64,
        subtree: bool,
        mut f: impl FnMut(&Task) -> ControlFlow<()>,
    ) -> Result<Option<WalkEnd>> {
        // SAFETY: `w` is allocated and not begun (type invariant), and the
        // registry is live (its type invariant).
        let begun = unsafe {
            raw::landlock_introspect_walk_begin(
                self.w.as_ptr(),
                self.registry.raw.as_ptr(),
                counter,
                subtree,
            )
        };
        if !begun {
            // Gone: `self` frees the walk.
            return Ok(None);
        }
        let w = self.w.as_ptr();
        // Begun: ended (and freed) below, not by `drop`.
        core::mem::forget(self);
        let mut stopped = false;
        let mut batch: [*mut Task; WALK_BATCH] = [core::ptr::null_mut(); WALK_BATCH];
        loop {
            // SAFETY: `w` is a live walk; `batch` has room for
            // `LANDLOCK_INTROSPECT_WALK_BATCH` pointers.
            let n = unsafe { raw::landlock_introspect_walk_next(w, batch.as_mut_ptr()) };
            if n == 0 {
                break;
            }
            for &t in &batch[..n.min(WALK_BATCH)] {
                let Some(t) = NonNull::new(t) else {
                    continue;
                };
                // SAFETY: the walk gave a counted reference to a live task
                // (`Task` is a transparent wrapper of `struct task_struct`),
                // which `ARef` takes over and puts when dropped, even once
                // `f` has stopped the walk.
                let task: ARef<Task> = unsafe { ARef::from_raw(t) };
                if !stopped && f(&task).is_break() {
                    stopped = true;
                }
            }
            if stopped {
                break;
            }
        }
        // SAFETY: `w` was begun above and is ended once.
        let complete = unsafe { raw::landlock_introspect_walk_end(w) };
        Ok(Some(if stopped {
            WalkEnd::Stopped
        } else if complete {
            WalkEnd::Complete
        } else {
            WalkEnd::GaveUp
        }))
    }
}

impl Registry {
    /// The rules of the layer that the domain of `counter` added, from a
    /// reference to that domain or, once no credential holds it (it stays
    /// in the tree as the ancestor of live domains), to the domain of a
    /// task below it, which holds the same layer: its subtree's tasks are
    /// walked up to the first one.  `ENODATA` if no task below it holds
    /// it either (only credentials without a task), `ENOENT` if it is not
    /// in the registry.
    pub(crate) fn rules(&self, counter: u64) -> Result<DomainRules> {
        let mut level = 0u32;
        // SAFETY: `self.raw` is a live registry; `level` is a live `u32`.
        let d = unsafe {
            raw::landlock_introspect_registry_domain(self.raw.as_ptr(), counter, &mut level)
        };
        // Each reference is owned by a `DomainRules` at once, which puts it
        // when dropped (on every error path too).
        let held = |domain| DomainRules {
            domain,
            rules: KVVec::new(),
        };
        let mut found = NonNull::new(d).map(|d| (held(d), level));
        if found.is_none() {
            if self.info(counter).is_none() {
                return Err(ENOENT);
            }
            let walked = self.walk_tasks(counter, true, |task| {
                let mut level = 0u32;
                // SAFETY: the walk holds `task`; `level` is a live `u32`.
                let d = unsafe {
                    raw::landlock_introspect_task_domain_below(
                        core::ptr::from_ref(task).cast_mut(),
                        counter,
                        &mut level,
                    )
                };
                match NonNull::new(d) {
                    Some(d) => {
                        found = Some((held(d), level));
                        ControlFlow::Break(())
                    }
                    None => ControlFlow::Continue(()),
                }
            })?;
            // The domain left the registry since it was found.
            if walked.is_none() {
                return Err(ENOENT);
            }
        }
        let (mut held, level) = found.ok_or(ENODATA)?;
        let domain = held.domain;
        // The layer's own rules only: memory follows what the file shows,
        // not the other layers (a sandboxed reader's own among them).
        // SAFETY: `domain` is held; nothing is stored with a capacity of 0.
        let cap = unsafe {
            raw::landlock_introspect_domain_rules(domain.as_ptr(), level, core::ptr::null_mut(), 0)
        };
        let mut rules = KVVec::<RawRule>::with_capacity(cap, GFP_KERNEL_ACCOUNT)?;
        // SAFETY: `domain` is held; `rules` has room for `cap` rules.
        let n = unsafe {
            raw::landlock_introspect_domain_rules(domain.as_ptr(), level, rules.as_mut_ptr(), cap)
        };
        // SAFETY: C initialised the first `min(n, cap)` elements (a domain's
        // rules never change, so `n == cap`).
        unsafe { rules.inc_len(n.min(cap)) };
        rules.sort_unstable_by_key(RawRule::key);
        held.rules = rules;
        Ok(held)
    }

    /// What upstream logs of the domain of `counter`, if it is live: its ID
    /// (`landlock_hierarchy.id`, as audit records print it) and how many
    /// access requests it denied as the youngest denying layer, logged or
    /// not (`num_denials`).
    fn log(&self, counter: u64) -> Option<(u64, u64)> {
        let (mut id, mut denials) = (0, 0);
        // SAFETY: `self.raw` is a live registry; `id` and `denials` are live
        // `u64`s.
        unsafe {
            raw::landlock_introspect_registry_log(self.raw.as_ptr(), counter, &mut id, &mut denials)
        }
        .then_some((id, denials))
    }

    /// Upstream's ID of the domain of `counter` (`landlock_hierarchy.id`, as
    /// audit records print it), if it is live.
    pub(crate) fn audit_id(&self, counter: u64) -> Option<u64> {
        self.log(counter).map(|(id, _)| id)
    }

    /// How many access requests the domain of `counter` denied as the
    /// youngest denying layer, logged or not (upstream's `num_denials`),
    /// if it is live.
    pub(crate) fn denials(&self, counter: u64) -> Option<u64> {
        self.log(counter).map(|(_, n)| n)
    }

    /// The creator of the domain of `counter`, as a reader in `ns` with
    /// credentials `cred` sees it (its PID in `ns`, its UID in `cred`'s user
    /// namespace); `ENOENT` if the domain is gone.  Memory is allocated before the
    /// lookup and trimmed after; the copy holds a reference to the domain's
    /// hierarchy, not the registry's lock.
    pub(crate) fn creator(
        &self,
        counter: u64,
        ns: &PidNamespace,
        cred: &Credential,
    ) -> Result<CreatorText> {
        // SAFETY: no precondition.
        let exe_size = unsafe { raw::landlock_introspect_creator_exe_size() };
        let mut exe = KVec::<u8>::with_capacity(exe_size, GFP_KERNEL_ACCOUNT)?;
        let mut raw = RawCreator::default();
        // SAFETY: `raw` is live; `ns` is a live namespace; `exe` has room
        // for `exe_size` bytes.
        let err = unsafe {
            raw::landlock_introspect_registry_creator(
                self.raw.as_ptr(),
                counter,
                core::ptr::from_ref(ns).cast_mut(),
                &mut raw,
                exe.as_mut_ptr().cast(),
                exe_size,
            )
        };
        if err != 0 {
            return Err(Error::from_errno(err));
        }
        let exe_len = (raw.exe_len as usize).min(exe_size.saturating_sub(1));
        // SAFETY: the C function wrote `exe_len` bytes (at most
        // `exe_size - 1`) at the start of `exe`'s buffer, within its
        // capacity, and nothing else uses the buffer.
        let copied = unsafe { core::slice::from_raw_parts(exe.as_ptr(), exe_len) };
        let mut exact = KVec::with_capacity(exe_len, GFP_KERNEL_ACCOUNT)?;
        exact.extend_from_slice(copied, GFP_KERNEL_ACCOUNT)?;
        let comm_len = (raw.comm_len as usize).min(raw.comm.len());
        let mut comm = KVec::with_capacity(comm_len, GFP_KERNEL_ACCOUNT)?;
        comm.extend_from_slice(&raw.comm[..comm_len], GFP_KERNEL_ACCOUNT)?;
        Ok(CreatorText {
            pid: raw.pid,
            uid: cred.uid_in_user_ns(Kuid::from_raw(bindings::kuid_t { val: raw.uid })),
            comm,
            exe: exact,
        })
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        // Children first: test entries were registered parents first.
        #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
        while let Some(t) = self.test_tasks.pop() {
            // SAFETY: `t` was made by `landlock_introspect_test_task` for one of
            // this registry's test hierarchies, which are all still there,
            // and is freed once, here.
            unsafe { raw::landlock_introspect_test_task_free(t.as_ptr()) };
        }
        #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
        while let Some((_, h)) = self.test_entries.pop() {
            // SAFETY: `h` was made by `landlock_introspect_test_hierarchy` in this
            // registry and is freed once, here.
            unsafe { raw::landlock_introspect_test_hierarchy_free(self.raw.as_ptr(), h.as_ptr()) };
        }
        // SAFETY: an owned registry, now empty (type invariant).
        unsafe { raw::landlock_introspect_registry_free(self.raw.as_ptr()) };
    }
}

static REGISTRY: SetOnce<Registry> = SetOnce::new();

/// Makes the kernel's registry.  Called once by `landlock_introspect_init()`.
pub(crate) fn init() -> Result {
    // SAFETY: no precondition; called once, before user space runs.  The
    // counter starts at `ID_MIN`, so that every counter is in the domain of
    // the ID permutation.
    let raw = NonNull::new(unsafe { raw::landlock_introspect_registry_init_global(ID_MIN) })
        .ok_or(ENOMEM)?;
    // INVARIANT: the global registry, never freed.
    let registry = Registry {
        raw,
        owned: false,
        #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
        test_entries: KVec::new(),
        #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
        test_tasks: KVec::new(),
    };
    if !REGISTRY.populate(registry) {
        return Err(EEXIST);
    }
    Ok(())
}

/// The kernel's registry, if the tree was initialized.
pub(crate) fn global() -> Option<&'static Registry> {
    REGISTRY.as_ref()
}

/// Helpers for the KUnit tests of the registry's users.
#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
pub(crate) mod testing {
    use super::*;

    /// A rule as C would list it, for formatting tests: no rule pointer,
    /// so that it can never reach C (only [`DomainRules`] hands rules back).
    pub(crate) fn rule(
        kind: u8,
        (dev_major, dev_minor): (u32, u32),
        ino: u64,
        port: u16,
        access: u32,
        flags: u8,
    ) -> RawRule {
        RawRule {
            rule: core::ptr::null(),
            ino,
            dev_major,
            dev_minor,
            access,
            port,
            kind,
            flags,
        }
    }

    /// A private registry of `(counter, parent)` entries (bare test
    /// hierarchies, no creator), given parents first.
    pub(crate) fn registry_of(domains: &[(u64, u64)]) -> Result<Registry> {
        let mut registry = Registry::new()?;
        for &(counter, parent) in domains {
            let parent =
                hierarchy_of(&registry, parent).map_or(core::ptr::null_mut(), |h| h.as_ptr());
            // Room first, so that a made entry is always recorded (and
            // freed by `Drop`).
            registry.test_entries.reserve(1, GFP_KERNEL)?;
            // SAFETY: `registry.raw` is live; `parent` is NULL or a test
            // hierarchy of this registry, freed after its children (`Drop`).
            let h = unsafe {
                raw::landlock_introspect_test_hierarchy(registry.raw.as_ptr(), counter, parent)
            };
            let h = NonNull::new(h).ok_or(ENOMEM)?;
            registry.test_entries.push((counter, h), GFP_KERNEL)?;
        }
        Ok(registry)
    }

    /// The test hierarchy of `counter` in `registry`.
    fn hierarchy_of(registry: &Registry, counter: u64) -> Option<NonNull<RawHierarchy>> {
        registry
            .test_entries
            .iter()
            .find(|(c, _)| *c == counter)
            .map(|&(_, h)| h)
    }

    /// Adds an entry for the current task to the task index of the test
    /// domain of `counter`; returns its index, for [`move_task`].
    pub(crate) fn add_task(registry: &mut Registry, counter: u64) -> Result<usize> {
        let h = hierarchy_of(registry, counter).ok_or(EINVAL)?;
        registry.test_tasks.reserve(1, GFP_KERNEL)?;
        // SAFETY: `h` is a test hierarchy of `registry`, which frees its
        // test tasks before its hierarchies (`Drop`).
        let t = NonNull::new(unsafe { raw::landlock_introspect_test_task(h.as_ptr()) })
            .ok_or(ENOMEM)?;
        registry.test_tasks.push(t, GFP_KERNEL)?;
        Ok(registry.test_tasks.len() - 1)
    }

    /// Frees, as an error path of `landlock_merge_ruleset()` does, a
    /// hierarchy whose parent is the test domain of `parent` but which was
    /// never registered; false if it could not be made.
    pub(crate) fn free_unregistered_child(registry: &Registry, parent: u64) -> bool {
        let Some(p) = hierarchy_of(registry, parent) else {
            return false;
        };
        // SAFETY: `p` is a test hierarchy of `registry`, alive while it is.
        unsafe { raw::landlock_introspect_test_unregistered_free(p.as_ptr()) }
    }

    /// Moves test task `i` (from [`add_task`]) to the domain of `counter`,
    /// as a task's move before `commit_creds()` does.
    pub(crate) fn move_task(registry: &Registry, i: usize, counter: u64) -> Result {
        let h = hierarchy_of(registry, counter).ok_or(EINVAL)?;
        let t = registry.test_tasks.get(i).ok_or(EINVAL)?;
        // SAFETY: `t` and `h` are test entries of `registry`, alive while
        // it is.
        unsafe { raw::landlock_introspect_test_task_move(t.as_ptr(), h.as_ptr()) };
        Ok(())
    }

    /// The count of changes a reader in the test domain of `counter` sees,
    /// or (`None`) an unsandboxed reader.
    pub(crate) fn events(registry: &Registry, counter: Option<u64>) -> Result<u64> {
        let h = match counter {
            Some(c) => hierarchy_of(registry, c).ok_or(EINVAL)?.as_ptr(),
            None => core::ptr::null_mut(),
        };
        // SAFETY: `h` is NULL or a test hierarchy of `registry`, alive while
        // it is.
        Ok(unsafe { raw::landlock_introspect_test_events(h) })
    }

    /// Frees the test domain of `counter`, which has no child and no test
    /// task, as `landlock_put_hierarchy()` frees a domain.
    pub(crate) fn free_leaf(registry: &mut Registry, counter: u64) -> Result {
        let i = registry
            .test_entries
            .iter()
            .position(|(c, _)| *c == counter)
            .ok_or(EINVAL)?;
        let (_, h) = registry.test_entries.remove(i)?;
        // SAFETY: `h` was made by `landlock_introspect_test_hierarchy` in
        // this registry, has no child and no task (the caller's
        // precondition), and leaves `test_entries`, so it is freed once.
        unsafe { raw::landlock_introspect_test_hierarchy_free(registry.raw.as_ptr(), h.as_ptr()) };
        Ok(())
    }

    /// The infos of a private registry.
    pub(crate) fn infos_of(domains: &[(u64, u64)]) -> Result<KVVec<Info>> {
        registry_of(domains)?.infos()
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_registry)]
mod tests {
    use super::*;

    const A: u64 = 1 << 60;

    #[test]
    fn depth_and_ancestors_are_found_by_reading() -> Result {
        let r = testing::registry_of(&[(A, 0), (A + 1, A), (A + 2, A + 1), (A + 3, A)])?;
        let c = r.info(A + 2).ok_or(ENOENT)?;
        assert_eq!(c.depth, 3);
        assert_eq!(&c.ancestors[..3], &[A, A + 1, A + 2]);
        assert_eq!(c.counter(), A + 2);
        assert_eq!(c.parent, A + 1);
        assert!(c.is_at_or_below(A, 1));
        assert!(c.is_at_or_below(A + 1, 2));
        assert!(c.is_at_or_below(A + 2, 3));
        assert!(!c.is_at_or_below(A + 3, 2));
        assert!(!c.is_at_or_below(A + 2, 4));
        assert!(!c.is_at_or_below(0, 0));
        assert!(r.info(A + 9).is_none());
        Ok(())
    }

    #[test]
    fn chains_are_bounded() -> Result {
        // Landlock never nests more than 16 layers; a longer chain (which
        // cannot happen) is cut instead of overflowing.
        let mut chain = KVec::new();
        let mut parent = 0;
        for i in 0..(MAX_LAYERS as u64 + 2) {
            chain.push((A + i, parent), GFP_KERNEL)?;
            parent = A + i;
        }
        let r = testing::registry_of(&chain)?;
        assert_eq!(r.info(A + 15).map(|i| i.depth), Some(MAX_LAYERS as u8));
        assert_eq!(r.info(parent).map(|i| i.depth), Some(MAX_LAYERS as u8));
        Ok(())
    }

    /// How many tasks a walk of the subtree of `counter` visits, and how
    /// it ends.
    fn walked(r: &Registry, counter: u64) -> Result<(usize, Option<WalkEnd>)> {
        let mut n = 0;
        let end = r.walk_tasks(counter, true, |_| {
            n += 1;
            ControlFlow::Continue(())
        })?;
        Ok((n, end))
    }

    #[test]
    fn walks_visit_the_subtree_only() -> Result {
        // A -> B -> C, A -> D, and another root E.
        let (a, b, c, d, e) = (A, A + 1, A + 2, A + 3, A + 4);
        let mut r = testing::registry_of(&[(a, 0), (b, a), (c, b), (d, a), (e, 0)])?;
        // More tasks in B than a batch holds.
        for (counter, n) in [(b, 20), (c, 2), (d, 1), (e, 3)] {
            for _ in 0..n {
                testing::add_task(&mut r, counter)?;
            }
        }
        let complete = Some(WalkEnd::Complete);
        assert_eq!(walked(&r, a)?, (23, complete));
        assert_eq!(walked(&r, b)?, (22, complete));
        assert_eq!(walked(&r, c)?, (2, complete));
        assert_eq!(walked(&r, d)?, (1, complete));
        assert_eq!(walked(&r, e)?, (3, complete));
        assert_eq!(walked(&r, A + 9)?, (0, None));
        // A domain's own tasks only.
        let mut own = 0;
        let end = r.walk_tasks(a, false, |_| {
            own += 1;
            ControlFlow::Continue(())
        })?;
        assert_eq!((own, end), (0, complete));
        let mut own = 0;
        r.walk_tasks(b, false, |_| {
            own += 1;
            ControlFlow::Continue(())
        })?;
        assert_eq!(own, 20);
        // The callback stops the walk (mid-batch).
        let mut n = 0;
        let end = r.walk_tasks(a, true, |_| {
            n += 1;
            if n == 17 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        assert_eq!((n, end), (17, Some(WalkEnd::Stopped)));
        Ok(())
    }

    #[test]
    fn tasks_moving_or_walks_meeting_do_not_disturb_a_walk() -> Result {
        let (b, c) = (A + 1, A + 2);
        let mut r = testing::registry_of(&[(b, 0), (c, b)])?;
        for _ in 0..20 {
            testing::add_task(&mut r, b)?;
        }
        // Tasks 0..20 are in B, in that order.  When the first batch (16)
        // has been given, task 15 (given) and task 17 (not yet) move into
        // C, as `landlock_restrict_self()` moves a task, and a second walk
        // of B runs to its end past the first one's cursor.  The first walk
        // goes on after its cursor (16, 18, 19), then gives C's two: each
        // task once, 15 twice (it moved to a domain not walked yet).
        let mut n = 0;
        let mut inner = Ok((0, None));
        let mut moved = Ok(());
        let end = r.walk_tasks(b, true, |_| {
            n += 1;
            if n == 16 {
                moved = testing::move_task(&r, 15, c).and(testing::move_task(&r, 17, c));
                inner = walked(&r, b);
            }
            ControlFlow::Continue(())
        })?;
        moved?;
        assert_eq!((n, end), (16 + 3 + 2, Some(WalkEnd::Complete)));
        assert_eq!(inner?, (20, Some(WalkEnd::Complete)));
        assert_eq!(walked(&r, c)?, (2, Some(WalkEnd::Complete)));
        // A walk stopped in the middle of a list leaves no cursor behind.
        let mut k = 0;
        r.walk_tasks(b, false, |_| {
            k += 1;
            if k == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        assert_eq!(walked(&r, b)?, (20, Some(WalkEnd::Complete)));
        Ok(())
    }

    #[test]
    fn an_unregistered_hierarchy_leaves_its_parent_alone() -> Result {
        // landlock_merge_ruleset()'s error paths free a hierarchy whose
        // parent is set but which was never registered (a zeroed entry).
        let (p, c) = (A + 1, A + 2);
        let mut r = testing::registry_of(&[(p, 0), (c, p)])?;
        testing::add_task(&mut r, c)?;
        assert!(testing::free_unregistered_child(&r, p));
        // The parent's lists are intact: its child and the child's task.
        assert_eq!(walked(&r, p)?, (1, Some(WalkEnd::Complete)));
        Ok(())
    }

    #[test]
    fn copies_are_sorted_complete_and_grow() -> Result {
        // More entries than the first copy's room, spread over buckets.
        let mut domains = KVec::new();
        for i in 0..300u64 {
            domains.push((A + i * 1000, 0), GFP_KERNEL)?;
        }
        let r = testing::registry_of(&domains)?;
        let all = r.infos()?;
        assert_eq!(all.len(), 300);
        assert!(all.windows(2).all(|w| w[0].counter() < w[1].counter()));
        // ENOENT for the creator of a
        // domain that is not there.
        let me = kernel::current!();
        let ns = me.active_pid_ns().ok_or(ESRCH)?;
        let gone = crate::glue::with_current_cred(me, |cred| r.creator(A + 1, ns, cred));
        assert!(gone.is_err());
        // Each domain's own fields (test hierarchies have made-up values);
        // a counter with no domain has none (not 0).
        for c in [A, A + 299 * 1000] {
            assert_eq!(r.denials(c), Some(c % 997));
            assert_eq!(r.audit_id(c), Some(c % 991));
        }
        assert_ne!(r.denials(A), r.denials(A + 299 * 1000));
        assert_eq!(r.denials(A + 1), None);
        assert_eq!(r.audit_id(A + 1), None);
        Ok(())
    }
}
