// SPDX-License-Identifier: GPL-2.0-only

//! The registry of live domains, indexed by counter.
//!
//! An entry exists exactly as long as its `struct landlock_hierarchy`:
//! `landlock_restrict_self()` inserts it (through
//! `landlock_fs_register_domain()`) before the new domain is committed, and
//! `landlock_put_hierarchy()` removes it before freeing the hierarchy.  The
//! entry holds a copy of what the tree shows, so reading it never touches a
//! hierarchy or a domain; only the creator's details are borrowed (see
//! [`Creator`]).
//!
//! # Locking
//!
//! One mutex protects the whole tree.  Insertion and removal happen in
//! process context (`landlock_restrict_self()`, and `free_domain()` which
//! runs directly or from a workqueue), so a sleeping lock is fine, and
//! readers may allocate while they hold it.  Nobody takes another lock
//! under it except RCU read-side sections.

use kernel::{
    bindings,
    ffi::{c_char, c_int},
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    sync::{Mutex, SetOnce},
};

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
}

// fs_glue.c checks the same size.
const _: () = assert!(core::mem::size_of::<FsDomain>() == 56);

/// The creator of a domain, borrowed from the hierarchy's
/// `struct landlock_details`.
///
/// # Invariants
///
/// While the entry that holds it is in the registry, `pid` is a counted
/// reference owned by the details and `comm`/`exe` are NUL-terminated
/// strings; C frees them only after removing the entry under the registry
/// lock.  So a `Creator` may only be read while the lock is held, which the
/// `&Guard`-bound accessors of [`Registry`] ensure.
#[derive(Clone, Copy)]
pub(crate) struct Creator {
    pub(crate) pid: *mut bindings::pid,
    pub(crate) uid: u32,
    pub(crate) comm: *const c_char,
    pub(crate) exe: *const c_char,
}

/// What the tree shows of one domain.
#[derive(Clone, Copy)]
pub(crate) struct Record {
    /// Counter of the parent domain, 0 for a root domain.
    pub(crate) parent: u64,
    /// Handled access rights of this layer: fs, net, scope.
    pub(crate) access: [u32; 3],
    creator: Creator,
}

impl Record {
    /// The creator; `_guard` proves the registry lock is held.
    pub(crate) fn creator<'a>(&'a self, _guard: &'a Map) -> &'a Creator {
        &self.creator
    }
}

// SAFETY: the raw pointers of a `Record` are only dereferenced under the
// registry lock (see `Creator`), from whichever thread holds it.
unsafe impl Send for Record {}

/// The map of live domains: counter to record.
pub(crate) type Map = RBTree<u64, Record>;

/// Maximum nesting of Landlock domains (`LANDLOCK_MAX_NUM_LAYERS`).
pub(crate) const MAX_LAYERS: usize = 16;

static REGISTRY: SetOnce<Pin<KBox<Mutex<Map>>>> = SetOnce::new();

/// Creates the registry.  Called once by `landlock_fs_init()`.
pub(crate) fn init() -> Result {
    let registry = KBox::pin_init(new_mutex!(RBTree::new()), GFP_KERNEL)?;
    REGISTRY.populate(registry);
    Ok(())
}

/// Runs `f` with the registry locked.  Returns `None` if the registry does
/// not exist (the tree failed to initialize).
pub(crate) fn with<R>(f: impl FnOnce(&Map) -> R) -> Option<R> {
    let registry = REGISTRY.as_ref()?;
    let guard = registry.lock();
    Some(f(&guard))
}

/// Walks from `counter` up to the root: `counter`, its parent, and so on.
/// A chain has at most [`MAX_LAYERS`] links.
pub(crate) fn chain(map: &Map, counter: u64) -> impl Iterator<Item = u64> + '_ {
    let mut next = counter;
    let mut steps = 0;
    core::iter::from_fn(move || {
        if next == 0 || steps > MAX_LAYERS {
            return None;
        }
        let here = next;
        steps += 1;
        next = map.get(&here).map_or(0, |r| r.parent);
        Some(here)
    })
}

/// Whether `ancestor` is a strict ancestor of `counter` (0, the "domain" of
/// unsandboxed tasks, is the ancestor of all).
pub(crate) fn is_strict_ancestor(map: &Map, ancestor: u64, counter: u64) -> bool {
    if ancestor == 0 {
        return true;
    }
    // Descendants are created after their ancestors.
    if counter <= ancestor {
        return false;
    }
    chain(map, counter).skip(1).any(|c| c == ancestor)
}

/// Registers a new domain.  Called from C (fs_glue.c) in process context.
///
/// # Safety
///
/// `domain` points to a valid `struct landlock_fs_domain` whose pointers
/// satisfy the [`Creator`] invariant until `landlock_fs_remove()` is called
/// for its counter.
#[no_mangle]
pub(crate) unsafe extern "C" fn landlock_fs_insert(domain: *const FsDomain) -> c_int {
    // SAFETY: the caller passes a valid pointer.
    let d = unsafe { &*domain };
    let Some(registry) = REGISTRY.as_ref() else {
        return 0;
    };
    let record = Record {
        parent: d.parent_counter,
        access: [d.fs, d.net, d.scope],
        creator: Creator {
            pid: d.creator_pid,
            uid: d.creator_uid,
            comm: d.comm,
            exe: d.exe,
        },
    };
    // Allocates before taking the lock.
    let node = match RBTreeNode::new(d.counter, record, GFP_KERNEL_ACCOUNT) {
        Ok(node) => node,
        Err(e) => return e.to_errno(),
    };
    // Counters are unique, so nothing is replaced.
    drop(registry.lock().insert(node));
    0
}

/// Unregisters a domain whose hierarchy is about to be freed.  Does nothing
/// for a counter that was never registered (a domain whose creation failed).
#[no_mangle]
pub(crate) extern "C" fn landlock_fs_remove(counter: u64) {
    if let Some(registry) = REGISTRY.as_ref() {
        // The record is plain data: removing it only frees its tree node.
        let _ = registry.lock().remove(&counter);
    }
}

/// Helpers for the KUnit tests of the registry's users.
#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
pub(crate) mod testing {
    use super::*;

    /// A map of `(counter, parent)` pairs with no creator details.
    pub(crate) fn map_of(domains: &[(u64, u64)]) -> Result<Map> {
        let mut map = RBTree::new();
        for &(counter, parent) in domains {
            let record = Record {
                parent,
                access: [0; 3],
                creator: Creator {
                    pid: core::ptr::null_mut(),
                    uid: 0,
                    comm: core::ptr::null(),
                    exe: core::ptr::null(),
                },
            };
            map.insert(RBTreeNode::new(counter, record, GFP_KERNEL)?);
        }
        Ok(map)
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_audit_registry)]
mod tests {
    use super::*;

    const A: u64 = ID_MIN_FOR_TESTS;
    const ID_MIN_FOR_TESTS: u64 = 1 << 60;

    #[test]
    fn chains_walk_up_to_the_root() -> Result {
        let map = testing::map_of(&[(A, 0), (A + 1, A), (A + 2, A + 1)])?;
        let mut chain = KVec::new();
        for c in super::chain(&map, A + 2) {
            chain.push(c, GFP_KERNEL)?;
        }
        assert_eq!(&chain[..], &[A + 2, A + 1, A]);
        assert_eq!(super::chain(&map, 0).count(), 0);
        Ok(())
    }

    #[test]
    fn strict_ancestry() -> Result {
        let map = testing::map_of(&[(A, 0), (A + 1, A), (A + 2, A + 1), (A + 3, A)])?;
        assert!(is_strict_ancestor(&map, 0, A));
        assert!(is_strict_ancestor(&map, A, A + 2));
        assert!(is_strict_ancestor(&map, A + 1, A + 2));
        assert!(!is_strict_ancestor(&map, A + 2, A + 2));
        assert!(!is_strict_ancestor(&map, A + 1, A + 3));
        assert!(!is_strict_ancestor(&map, A + 2, A + 1));
        Ok(())
    }

    #[test]
    fn chains_are_bounded_even_if_corrupted() -> Result {
        // A cycle cannot happen (parents are created first), but a walk
        // must end anyway.
        let map = testing::map_of(&[(A, A + 1), (A + 1, A)])?;
        assert!(super::chain(&map, A).count() <= MAX_LAYERS + 1);
        Ok(())
    }

    #[test]
    fn insert_and_remove_through_the_c_interface() {
        // A counter no real domain will reach during the test.
        let counter = u64::MAX - 7;
        let d = FsDomain {
            counter,
            parent_counter: 0,
            fs: 1,
            net: 2,
            scope: 3,
            creator_uid: 0,
            creator_pid: core::ptr::null_mut(),
            comm: c"kunit".as_char_ptr(),
            exe: c"/kunit".as_char_ptr(),
        };
        // SAFETY: `d` lives until the removal below.
        assert_eq!(unsafe { landlock_fs_insert(&d) }, 0);
        let seen = with(|map| map.get(&counter).map(|r| r.access));
        assert_eq!(seen, Some(Some([1, 2, 3])));
        landlock_fs_remove(counter);
        assert_eq!(with(|map| map.get(&counter).is_some()), Some(false));
        // Removing an unknown counter is harmless.
        landlock_fs_remove(counter);
    }
}
