// SPDX-License-Identifier: GPL-2.0-only

//! The C functions this crate calls, declared once, and safe wrappers for
//! those that read Landlock's private structures.
//!
//! `introspect.c` does what Rust cannot do itself: reading Landlock's
//! private structures (domains, hierarchies), the registry of live domains,
//! and `current_cred()`, an inline function; `introspect_api.h` declares
//! all of it.  [`raw`] repeats those prototypes for Rust, for the
//! abstraction module `registry.rs` only; everything else here is a safe
//! function over the `kernel` crate's types ([`Credential`], [`Task`]).
//! What is not Landlock's (the ptrace check, walking the PIDs of a
//! namespace, capabilities, UID mapping, randomness, SipHash) comes from the
//! `kernel` crate (`kernel::task`, `kernel::pid_namespace`, `kernel::cred`,
//! `kernel::random`, `kernel::siphash`).

use crate::registry::{Info, RawCreator, RawRegistry, RawWalk, MAX_LAYERS};
use crate::registry::{RawDomain, RawMounts, RawRule};
#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
use crate::registry::{RawHierarchy, RawTaskEntry};
use core::ptr;
use kernel::{
    cred::Credential,
    pid_namespace::PidNamespace,
    prelude::*,
    task::{CurrentTask, Task},
};

/// The prototypes of `introspect_api.h` (see there for each function's contract).
pub(crate) mod raw {
    use super::*;
    use kernel::ffi::{c_char, c_int, c_uint};

    // Only pointers to `repr(C)` types and to the `kernel` crate's
    // transparent wrappers of C structures (`Credential`, `Task`,
    // `PidNamespace`) cross this boundary; rustc still calls `Task` not
    // FFI-safe for some members of bindgen's `struct task_struct`
    // (`arch_spinlock_t`, `sched_statistics`), which Rust never touches.
    #[expect(improper_ctypes)]
    extern "C" {
        // The registry of live domains (registry.rs).
        pub(crate) fn landlock_introspect_registry_free(r: *mut RawRegistry);
        pub(crate) fn landlock_introspect_registry_init_global(
            first_counter: u64,
        ) -> *mut RawRegistry;
        pub(crate) fn landlock_introspect_registry_info(
            r: *mut RawRegistry,
            counter: u64,
            out: *mut Info,
        ) -> bool;
        pub(crate) fn landlock_introspect_registry_infos(
            r: *mut RawRegistry,
            out: *mut Info,
            cap: usize,
        ) -> usize;
        pub(crate) fn landlock_introspect_walk_alloc() -> *mut RawWalk;
        pub(crate) fn landlock_introspect_walk_begin(
            w: *mut RawWalk,
            r: *mut RawRegistry,
            counter: u64,
            subtree: bool,
        ) -> bool;
        pub(crate) fn landlock_introspect_walk_free(w: *mut RawWalk);
        pub(crate) fn landlock_introspect_walk_next(w: *mut RawWalk, out: *mut *mut Task) -> usize;
        pub(crate) fn landlock_introspect_walk_end(w: *mut RawWalk) -> bool;
        pub(crate) fn landlock_introspect_registry_log(
            r: *mut RawRegistry,
            counter: u64,
            id: *mut u64,
            denials: *mut u64,
        ) -> bool;
        pub(crate) fn landlock_introspect_registry_creator(
            r: *mut RawRegistry,
            counter: u64,
            ns: *mut PidNamespace,
            out: *mut RawCreator,
            exe: *mut c_char,
            exe_size: usize,
        ) -> c_int;
        pub(crate) fn landlock_introspect_creator_exe_size() -> usize;

        // The generation file (generation.rs).
        pub(crate) fn landlock_introspect_generation(
            opener: *const Credential,
            view: *mut u64,
            wake_bucket: *mut u32,
        ) -> u64;
        pub(crate) fn landlock_introspect_generation_queues() -> usize;
        pub(crate) fn landlock_introspect_generation_open();
        pub(crate) fn landlock_introspect_generation_close();

        // The rules file (rules.rs, through registry.rs).
        pub(crate) fn landlock_introspect_registry_domain(
            r: *mut RawRegistry,
            counter: u64,
            level: *mut u32,
        ) -> *mut RawDomain;
        pub(crate) fn landlock_introspect_task_domain_below(
            task: *mut Task,
            counter: u64,
            level: *mut u32,
        ) -> *mut RawDomain;
        pub(crate) fn landlock_introspect_domain_put(d: *mut RawDomain);
        pub(crate) fn landlock_introspect_domain_rules(
            d: *const RawDomain,
            level: u32,
            out: *mut RawRule,
            cap: usize,
        ) -> usize;
        pub(crate) fn landlock_introspect_mounts_collect() -> *mut RawMounts;
        pub(crate) fn landlock_introspect_mounts_free(m: *mut RawMounts);
        pub(crate) fn landlock_introspect_rule_path(
            m: *const RawMounts,
            rule: *const RawRule,
            buf: *mut c_char,
            size: usize,
            start: *mut usize,
        ) -> c_int;

        // Landlock's private structures.
        pub(crate) fn landlock_introspect_cred_domain(
            cred: *const Credential,
            depth: *mut u8,
        ) -> u64;
        pub(crate) fn landlock_introspect_current_objective_domain(depth: *mut u8) -> u64;
        pub(crate) fn landlock_introspect_task_domain(task: *mut Task) -> u64;
        pub(crate) fn landlock_introspect_task_chain(
            task: *mut Task,
            chain: *mut u64,
            access: *mut u32,
        ) -> u8;
        pub(crate) fn landlock_introspect_access_name(class: usize, bit: c_uint) -> *const c_char;

        // The current task's credentials.
        pub(crate) fn landlock_introspect_current_cred() -> *const Credential;
        pub(crate) fn landlock_introspect_current_real_cred() -> *const Credential;
    }

    // KUnit's helpers (introspect.c builds them only with the KUnit option).
    #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
    extern "C" {
        pub(crate) fn landlock_introspect_registry_new() -> *mut RawRegistry;
        pub(crate) fn landlock_introspect_test_hierarchy(
            r: *mut RawRegistry,
            counter: u64,
            parent: *mut RawHierarchy,
        ) -> *mut RawHierarchy;
        pub(crate) fn landlock_introspect_test_hierarchy_free(
            r: *mut RawRegistry,
            h: *mut RawHierarchy,
        );
        pub(crate) fn landlock_introspect_test_task(h: *mut RawHierarchy) -> *mut RawTaskEntry;
        pub(crate) fn landlock_introspect_test_task_move(
            t: *mut RawTaskEntry,
            to: *mut RawHierarchy,
        );
        pub(crate) fn landlock_introspect_test_task_free(t: *mut RawTaskEntry);
        pub(crate) fn landlock_introspect_test_unregistered_free(parent: *mut RawHierarchy)
            -> bool;
        pub(crate) fn landlock_introspect_test_events(h: *mut RawHierarchy) -> u64;
    }
}

// ---------------------------------------------------------------------------
// Credentials

/// Runs `f` with the current task's subjective credentials
/// (`current_cred()`).
///
/// The credentials are lent to `f` only: a borrow that could outlive the
/// call could also outlive them (an override of the subjective
/// credentials, made and reverted by code that `f` calls, or the task's own
/// `commit_creds()` once `f` returns, lets RCU free them).  Nothing in this
/// crate overrides credentials: the reader of the tree is always the
/// current task, in its own context.
pub(crate) fn with_current_cred<R>(_task: &CurrentTask, f: impl FnOnce(&Credential) -> R) -> R {
    // SAFETY: `current_cred()` gives the current task's subjective
    // credentials, which stay referenced while the task runs in this
    // context: only the task itself could replace them (`commit_creds()`,
    // `override_creds()`), and it does neither during `f`, which can only
    // reach this crate's code and kernel functions that restore any
    // override before they return.  The borrow cannot leave `f` (its
    // lifetime is `f`'s own, higher-ranked).
    f(unsafe { &*raw::landlock_introspect_current_cred() })
}

/// Runs `f` with the current task's objective credentials
/// (`current_real_cred()`), under the same conditions as
/// [`with_current_cred`].
pub(crate) fn with_current_real_cred<R>(
    _task: &CurrentTask,
    f: impl FnOnce(&Credential) -> R,
) -> R {
    // SAFETY: `current_real_cred()` gives the current task's objective
    // credentials, which only the task itself replaces (`commit_creds()`),
    // and it does not during `f` (see `with_current_cred`); the borrow
    // cannot leave `f`.
    f(unsafe { &*raw::landlock_introspect_current_real_cred() })
}

// ---------------------------------------------------------------------------
// Landlock's domains

/// The counter of `cred`'s Landlock domain and its depth (number of
/// layers), or `(0, 0)` when it has none.
pub(crate) fn cred_domain(cred: &Credential) -> (u64, u8) {
    let mut depth = 0;
    // SAFETY: `cred` is live for the call; `depth` is a writable `u8`.
    let counter = unsafe { raw::landlock_introspect_cred_domain(cred, &mut depth) };
    (counter, depth)
}

/// The counter and depth of the current task's objective (own) domain,
/// which no override of its subjective credentials changes.
pub(crate) fn current_objective_domain() -> (u64, u8) {
    let mut depth = 0;
    // SAFETY: `depth` is a writable `u8`.
    let counter = unsafe { raw::landlock_introspect_current_objective_domain(&mut depth) };
    (counter, depth)
}

/// The counter of `task`'s current Landlock domain, 0 when it has none.
pub(crate) fn task_domain(task: &Task) -> u64 {
    // SAFETY: `task` is live for the call.
    unsafe { raw::landlock_introspect_task_domain(ptr::from_ref(task).cast_mut()) }
}

/// The counters of `task`'s domain chain, root first, and its depth (0
/// for an unsandboxed task).
pub(crate) fn task_chain(task: &Task) -> ([u64; MAX_LAYERS], u8) {
    let mut chain = [0; MAX_LAYERS];
    // SAFETY: `task` is live, and `chain` has room for `MAX_LAYERS` counters,
    // `LANDLOCK_MAX_NUM_LAYERS` (checked with the layout of `struct
    // landlock_introspect_info`, see registry.rs), the most a chain has; a null
    // `access` asks for no masks.
    let depth = unsafe {
        raw::landlock_introspect_task_chain(
            ptr::from_ref(task).cast_mut(),
            chain.as_mut_ptr(),
            core::ptr::null_mut(),
        )
    };
    (chain, depth)
}

/// A task's domain chain with each layer's handled access rights.
#[derive(Clone, Copy)]
pub(crate) struct Chain {
    /// Counters, root first.
    pub(crate) counters: [u64; MAX_LAYERS],
    /// Handled access rights (fs, net, scope) of each layer, root first.
    pub(crate) access: [[u32; 3]; MAX_LAYERS],
    /// Number of layers (0: unsandboxed).
    pub(crate) depth: u8,
}

impl Chain {
    /// What the tree shows of the chain's layer at absolute depth `k`
    /// (`1..=depth`).
    pub(crate) fn info(&self, k: usize) -> Info {
        let k = k.clamp(1, usize::from(self.depth).clamp(1, MAX_LAYERS));
        let mut ancestors = [0; MAX_LAYERS];
        ancestors[..k].copy_from_slice(&self.counters[..k]);
        Info {
            parent: if k > 1 { self.counters[k - 2] } else { 0 },
            ancestors,
            access: self.access[k - 1],
            depth: k as u8,
        }
    }
}

/// `task`'s domain chain, with each layer's handled access rights.
pub(crate) fn task_layers(task: &Task) -> Chain {
    let mut c = Chain {
        counters: [0; MAX_LAYERS],
        access: [[0; 3]; MAX_LAYERS],
        depth: 0,
    };
    // SAFETY: `task` is live; `counters` has room for `MAX_LAYERS`
    // counters and `access` for `MAX_LAYERS` times three masks, laid out
    // contiguously (`[[u32; 3]; N]` has no padding), as the C function
    // writes them.
    c.depth = unsafe {
        raw::landlock_introspect_task_chain(
            ptr::from_ref(task).cast_mut(),
            c.counters.as_mut_ptr(),
            c.access.as_mut_ptr().cast(),
        )
    };
    c
}

/// A class of access rights, by its index in `landlock_introspect_info.access`.
#[derive(Clone, Copy)]
#[repr(usize)]
pub(crate) enum AccessClass {
    /// `LANDLOCK_ACCESS_FS_*`.
    Fs = 0,
    /// `LANDLOCK_ACCESS_NET_*`.
    Net = 1,
    /// `LANDLOCK_SCOPE_*`.
    Scope = 2,
}

/// The name of bit `bit` of an access mask of class `class`, as Landlock's
/// audit records and tracepoints print it (`<linux/landlock.h>`), or
/// `None` for a bit this kernel does not know.
pub(crate) fn access_name(class: AccessClass, bit: u32) -> Option<&'static CStr> {
    // SAFETY: no precondition; any class and bit are accepted.
    let name = unsafe { raw::landlock_introspect_access_name(class as usize, bit) };
    if name.is_null() {
        return None;
    }
    // SAFETY: a non-NULL result is a NUL-terminated string literal of
    // introspect.c, static.
    Some(unsafe { CStr::from_char_ptr(name) })
}
