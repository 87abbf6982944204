// SPDX-License-Identifier: GPL-2.0-only

//! The registry of live domains, indexed by counter.
//!
//! An entry exists exactly as long as its `struct landlock_hierarchy`:
//! `landlock_restrict_self()` inserts it (through
//! `landlock_fs_register_domain()`) before the new domain is committed, and
//! `landlock_put_hierarchy()` removes it before freeing the hierarchy.  The
//! entry holds a copy of what the tree shows: the parent's counter, the
//! domain's absolute depth and the counters of all its ancestors (so rule 1
//! is one comparison, see `view.rs`), and the handled access rights.  Only
//! the creator's details are borrowed from the hierarchy (see
//! [`CreatorRef`]), and a counted reference to one task's PID is kept as a
//! hint for rule 2 (see [`Registry::hint`]).
//!
//! # Locking
//!
//! One mutex protects the map.  Insertion and removal happen in process
//! context (`landlock_restrict_self()`, and `free_domain()` which runs
//! directly or from a workqueue).  Readers hold it for one operation on one
//! entry (a lookup and a copy of plain data, O(log D)) or, for a whole-tree
//! snapshot, for one copy of the entries into memory allocated before the
//! lock is taken.  Nobody walks tasks, allocates, formats or takes another
//! lock while holding it (except RCU read-side sections): the
//! `landlock_restrict_self()` that waits for it waits for one such
//! operation at most.

use kernel::{
    bindings,
    ffi::{c_char, c_int},
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNodeReservation},
    sync::{Mutex, MutexGuard, SetOnce},
};

// Only pointers to bindgen-generated types cross this boundary.
#[allow(improper_ctypes)]
extern "C" {
    fn landlock_fs_get_pid(pid: *mut bindings::pid) -> *mut bindings::pid;
}

/// Maximum nesting of Landlock domains (`LANDLOCK_MAX_NUM_LAYERS`).
pub(crate) const MAX_LAYERS: usize = 16;

/// Mirror of `struct landlock_fs_domain` (fs_glue.h).
#[repr(C)]
pub(crate) struct FsDomain {
    counter: u64,
    parent_counter: u64,
    fs: u32,
    net: u32,
    scope: u32,
    creator_uid: u32,
    creator_pid: *mut bindings::pid,
    comm: *const c_char,
    exe: *const c_char,
    task_pid: *mut bindings::pid,
}

// fs_glue.c checks the same size.
const _: () = assert!(core::mem::size_of::<FsDomain>() == 64);

/// What the tree shows of one domain, apart from its creator: plain data,
/// copied out of the registry by readers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Info {
    /// Counter of the parent domain, 0 for a root domain.
    pub(crate) parent: u64,
    /// Absolute depth: 1 for a root domain.
    pub(crate) depth: u8,
    /// Counters of the domain's chain, root first: `ancestors[depth - 1]`
    /// is the domain itself, `ancestors[i]` its ancestor at depth `i + 1`.
    pub(crate) ancestors: [u64; MAX_LAYERS],
    /// Handled access rights of this layer: fs, net, scope.
    pub(crate) access: [u32; 3],
}

impl Info {
    /// The domain's own counter.
    pub(crate) fn counter(&self) -> u64 {
        self.ancestors[usize::from(self.depth).saturating_sub(1)]
    }

    /// Whether the domain of counter `ancestor` at absolute depth
    /// `ancestor_depth` is this domain or one of its ancestors.  O(1).
    pub(crate) fn is_at_or_below(&self, ancestor: u64, ancestor_depth: u8) -> bool {
        ancestor_depth >= 1
            && ancestor_depth <= self.depth
            && self.ancestors[usize::from(ancestor_depth) - 1] == ancestor
    }
}

/// The creator's details, borrowed from the hierarchy's
/// `struct landlock_details`.
///
/// # Invariants
///
/// While the entry that holds it is in the registry, `pid` is a counted
/// reference owned by the details and `comm`/`exe` are NUL-terminated
/// strings; C frees them only after removing the entry under the registry
/// lock.  The fields are private and only [`Creator`], which borrows the
/// lock's guard, reads them.
struct CreatorRef {
    pid: *mut bindings::pid,
    uid: u32,
    comm: *const c_char,
    exe: *const c_char,
}

struct Record {
    info: Info,
    creator: CreatorRef,
    /// A counted reference to the PID of a task that was, when it was
    /// stored, in this domain or below it (the creator's thread at first).
    /// Put when replaced or removed, after the lock is released.
    hint: Pid,
}

// SAFETY: the raw pointers of a `Record`'s `CreatorRef` are only
// dereferenced under the registry lock, whichever thread holds it; `hint`
// is a counted reference that any thread may use and put.
unsafe impl Send for Record {}

type Map = RBTree<u64, Record>;

/// A registry of live domains.  The kernel has one ([`global`]); KUnit
/// tests make their own.
pub(crate) struct Registry {
    map: Pin<KBox<Mutex<Map>>>,
}

/// The registry lock, held.  Only [`Registry::lock`] makes one, so a
/// [`Creator`] (which borrows it) can only be read under the lock.
pub(crate) struct Locked<'a>(MutexGuard<'a, Map>);

/// A creator's details, readable while the registry is locked.
pub(crate) struct Creator<'a> {
    inner: &'a CreatorRef,
}

impl Creator<'_> {
    /// UID of the creator in the initial user namespace, at creation.
    pub(crate) fn uid(&self) -> u32 {
        self.inner.uid
    }

    /// The creator's `comm` at creation.
    pub(crate) fn comm(&self) -> &CStr {
        // SAFETY: by the `CreatorRef` invariant, `comm` is a live
        // NUL-terminated string while the lock (borrowed by `self`) is held.
        unsafe { CStr::from_char_ptr(self.inner.comm) }
    }

    /// The creator's executable path at creation.
    pub(crate) fn exe(&self) -> &CStr {
        // SAFETY: as for `comm`.
        unsafe { CStr::from_char_ptr(self.inner.exe) }
    }

    /// The creator's TGID in `ns`, 0 once it has exited or if it has no PID
    /// there.
    pub(crate) fn pid_in(&self, ns: &kernel::pid_namespace::PidNamespace) -> i32 {
        if self.inner.pid.is_null() {
            return 0;
        }
        let _rcu = kernel::sync::rcu::read_lock();
        // SAFETY: by the `CreatorRef` invariant `pid` is a live counted
        // reference while the lock is held; `pid_task` needs RCU, held.
        let task = unsafe { bindings::pid_task(self.inner.pid, bindings::pid_type_PIDTYPE_TGID) };
        if task.is_null() {
            return 0;
        }
        // SAFETY: `pid` is live (see above); `ns` is a live namespace.
        unsafe { bindings::pid_nr_ns(self.inner.pid, ns.as_ptr()) }
    }
}

impl Locked<'_> {
    /// What the tree shows of the domain of `counter`.
    pub(crate) fn info(&self, counter: u64) -> Option<Info> {
        self.0.get(&counter).map(|r| r.info)
    }

    /// The creator of the domain of `counter`, readable while `self` lives.
    pub(crate) fn creator(&self, counter: u64) -> Option<Creator<'_>> {
        self.0.get(&counter).map(|r| Creator { inner: &r.creator })
    }
}

impl Registry {
    /// Makes an empty registry.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            map: KBox::pin_init(new_mutex!(RBTree::new()), GFP_KERNEL)?,
        })
    }

    /// Takes the lock.  Hold it for one operation (see the module's
    /// documentation).
    pub(crate) fn lock(&self) -> Locked<'_> {
        Locked(self.map.lock())
    }

    /// What the tree shows of the domain of `counter` (one lookup).
    pub(crate) fn info(&self, counter: u64) -> Option<Info> {
        self.lock().info(counter)
    }

    /// Copies every entry, sorted by counter.  The memory is allocated
    /// before the lock is taken; if domains were added meanwhile, it is
    /// allocated again (a bounded number of times).  It is temporary and
    /// proportional to all live domains, not to what a reader may see, so
    /// it is not charged to the reader's memory cgroup (which would tell it
    /// how many domains exist).
    pub(crate) fn infos(&self) -> Result<KVVec<Info>> {
        let mut want = 0;
        for _ in 0..8 {
            let mut out = KVVec::with_capacity(want + 16, GFP_KERNEL)?;
            let map = self.map.lock();
            let mut fits = true;
            for (_, r) in map.iter() {
                if out.push_within_capacity(r.info).is_err() {
                    fits = false;
                    break;
                }
            }
            if fits {
                return Ok(out);
            }
            want = map.iter().count() * 2;
        }
        Err(EAGAIN)
    }

    /// A counted reference to the rule-2 hint of the domain of `counter`
    /// (see [`Record::hint`]), or `None`.  The caller puts it.
    pub(crate) fn hint(&self, counter: u64) -> Option<Pid> {
        let map = self.map.lock();
        let r = map.get(&counter)?;
        if r.hint.0.is_null() {
            return None;
        }
        // SAFETY: the record owns a counted reference, so the PID is live;
        // the new reference is given to the returned `Pid`.
        Some(unsafe { Pid::from_raw(landlock_fs_get_pid(r.hint.0)) })
    }

    /// Replaces the hint of the domain of `counter` by `pid`, if the domain
    /// still exists.
    pub(crate) fn set_hint(&self, counter: u64, pid: Pid) {
        let old = {
            let mut map = self.map.lock();
            match map.get_mut(&counter) {
                Some(r) => core::mem::replace(&mut r.hint, pid),
                None => pid,
            }
        };
        // Puts outside the lock.
        drop(old);
    }

    /// Inserts a domain described by C.  The parent, if any, is already
    /// registered (it was created first and the new domain holds it).
    ///
    /// # Safety
    ///
    /// `d`'s pointers satisfy the [`CreatorRef`] invariant until
    /// [`Registry::remove`] is called for its counter, and `d.task_pid` is
    /// a counted reference (or NULL) that the registry takes over.
    unsafe fn insert(&self, d: &FsDomain) -> Result {
        let hint = Pid(d.task_pid);
        let creator = CreatorRef {
            pid: d.creator_pid,
            uid: d.creator_uid,
            comm: d.comm,
            exe: d.exe,
        };
        let mut info = Info {
            parent: d.parent_counter,
            depth: 1,
            ancestors: [0; MAX_LAYERS],
            access: [d.fs, d.net, d.scope],
        };
        // Allocates before taking the lock.
        let reservation = RBTreeNodeReservation::new(GFP_KERNEL_ACCOUNT)?;
        let mut map = self.map.lock();
        if d.parent_counter != 0 {
            // The parent was created, and registered, first, and the new
            // domain holds it: a missing parent is a bug, not a root.
            let parent = map.get(&d.parent_counter).map(|r| r.info).ok_or(EINVAL)?;
            let depth = usize::from(parent.depth);
            if depth >= MAX_LAYERS {
                return Err(EINVAL);
            }
            info.ancestors[..depth].copy_from_slice(&parent.ancestors[..depth]);
            info.depth = parent.depth + 1;
        }
        info.ancestors[usize::from(info.depth) - 1] = d.counter;
        let node = reservation.into_node(
            d.counter,
            Record {
                info,
                creator,
                hint,
            },
        );
        // Counters are unique, so nothing is replaced.
        drop(map.insert(node));
        Ok(())
    }

    /// Removes a domain.  Does nothing for a counter that was never
    /// registered (a domain whose creation failed).
    fn remove(&self, counter: u64) {
        let node = self.map.lock().remove_node(&counter);
        // Frees the node and puts the hint outside the lock.
        drop(node);
    }
}

/// A counted reference to a `struct pid` (or nothing), put when dropped.
pub(crate) struct Pid(*mut bindings::pid);

impl Pid {
    /// Takes over a counted reference (or NULL).
    ///
    /// # Safety
    ///
    /// `pid` is NULL or a counted reference the caller gives away.
    pub(crate) unsafe fn from_raw(pid: *mut bindings::pid) -> Self {
        Self(pid)
    }

    /// The pointer, valid while `self` lives.
    pub(crate) fn as_ptr(&self) -> *mut bindings::pid {
        self.0
    }
}

impl Drop for Pid {
    fn drop(&mut self) {
        // SAFETY: a counted reference owned by `self`; `put_pid(NULL)` is
        // a no-op.
        unsafe { bindings::put_pid(self.0) };
    }
}

static REGISTRY: SetOnce<Registry> = SetOnce::new();

/// Creates the kernel's registry.  Called once by `landlock_fs_init()`.
pub(crate) fn init() -> Result {
    if !REGISTRY.populate(Registry::new()?) {
        return Err(EEXIST);
    }
    Ok(())
}

/// The kernel's registry, if the tree was initialized.
pub(crate) fn global() -> Option<&'static Registry> {
    REGISTRY.as_ref()
}

/// Registers a new domain.  Called from C (fs_glue.c) in process context.
///
/// # Safety
///
/// `domain` points to a valid `struct landlock_fs_domain` whose pointers
/// satisfy the [`CreatorRef`] invariant until `landlock_fs_remove()` is
/// called for its counter, and whose `task_pid` is a counted reference (or
/// NULL) given to the registry, also on failure.
#[no_mangle]
pub(crate) unsafe extern "C" fn landlock_fs_insert(domain: *const FsDomain) -> c_int {
    // SAFETY: the caller passes a valid pointer.
    let d = unsafe { &*domain };
    let Some(registry) = global() else {
        // SAFETY: the reference is ours to put.
        drop(unsafe { Pid::from_raw(d.task_pid) });
        return 0;
    };
    // SAFETY: by the caller's precondition.
    match unsafe { registry.insert(d) } {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Unregisters a domain whose hierarchy is about to be freed.
#[no_mangle]
pub(crate) extern "C" fn landlock_fs_remove(counter: u64) {
    if let Some(registry) = global() {
        registry.remove(counter);
    }
}

/// Helpers for the KUnit tests of the registry's users.
#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
pub(crate) mod testing {
    use super::*;

    /// A domain with no creator PID and no hint, whose creator strings are
    /// static.
    pub(crate) fn fs_domain(counter: u64, parent_counter: u64) -> FsDomain {
        FsDomain {
            counter,
            parent_counter,
            fs: 0,
            net: 0,
            scope: 0,
            creator_uid: 0,
            creator_pid: core::ptr::null_mut(),
            comm: c"kunit".as_char_ptr(),
            exe: c"/kunit".as_char_ptr(),
            task_pid: core::ptr::null_mut(),
        }
    }

    /// A private registry of `(counter, parent)` pairs with no creator
    /// details, inserted in order (parents first).
    pub(crate) fn registry_of(domains: &[(u64, u64)]) -> Result<Registry> {
        let registry = Registry::new()?;
        for &(counter, parent) in domains {
            // SAFETY: static strings, no PID (`fs_domain`).
            unsafe { registry.insert(&fs_domain(counter, parent))? };
        }
        Ok(registry)
    }

    /// The infos of a private registry.
    pub(crate) fn infos_of(domains: &[(u64, u64)]) -> Result<KVVec<Info>> {
        registry_of(domains)?.infos()
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_audit_registry)]
mod tests {
    use super::*;

    const A: u64 = 1 << 60;

    #[test]
    fn depth_and_ancestors_are_computed_at_insert() -> Result {
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
        Ok(())
    }

    #[test]
    fn nesting_is_bounded() -> Result {
        let mut chain = KVec::new();
        let mut parent = 0;
        for i in 0..MAX_LAYERS as u64 {
            chain.push((A + i, parent), GFP_KERNEL)?;
            parent = A + i;
        }
        let r = testing::registry_of(&chain)?;
        assert_eq!(r.info(parent).map(|i| i.depth), Some(MAX_LAYERS as u8));
        // A 17th layer cannot exist in Landlock; the registry refuses it
        // instead of overflowing, and so it does a parent it does not know.
        for (counter, parent) in [(A + 100, parent), (A + 101, A + 99)] {
            // SAFETY: static strings, no PID (`fs_domain`).
            let inserted = unsafe { r.insert(&testing::fs_domain(counter, parent)) };
            assert_eq!(inserted, Err(EINVAL));
        }
        Ok(())
    }

    #[test]
    fn copies_are_sorted_and_removal_is_idempotent() -> Result {
        let r = testing::registry_of(&[(A, 0), (A + 1, A), (A + 2, 0)])?;
        let all = r.infos()?;
        assert_eq!(all.len(), 3);
        assert!(all.windows(2).all(|w| w[0].counter() < w[1].counter()));
        r.remove(A + 1);
        r.remove(A + 1);
        assert_eq!(r.infos()?.len(), 2);
        assert!(r.info(A + 1).is_none());
        // Creator details are reachable only through the lock.
        let locked = r.lock();
        assert_eq!(locked.creator(A).map(|c| c.uid()), Some(0));
        assert!(locked.creator(A + 1).is_none());
        Ok(())
    }
}
