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
