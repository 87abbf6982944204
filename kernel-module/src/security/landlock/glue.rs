// SPDX-License-Identifier: GPL-2.0-only

//! The C functions this crate calls, declared once, and safe wrappers for
//! those that need no abstraction module of their own.
//!
//! `introspect.c` does what Rust cannot do itself: calling inline kernel
//! functions and macros (`current_cred()`, `cond_resched()`, ...), reading
//! Landlock's private structures (domains, hierarchies), and the registry
//! of live domains; `introspect_api.h` declares all of it.  [`raw`] repeats
//! those prototypes for Rust, for the abstraction module `registry.rs`
//! only; everything else here is a safe function over the `kernel` crate's
//! types ([`Credential`], [`Task`], [`PidNamespace`]) for
//! what the `kernel` crate does not offer in Linux 7.3: the current task's
//! credentials for a scope, walking tasks by PID, the ptrace check, PID references,
//! capabilities, UID mapping, randomness and SipHash.

use crate::registry::{
    Info, RawCreator, RawHierarchy, RawRegistry, RawTaskEntry, RawWalk, MAX_LAYERS,
};
use core::ptr::NonNull;
use kernel::{
    bindings,
    cred::Credential,
    error::to_result,
    pid_namespace::PidNamespace,
    prelude::*,
    sync::{aref::ARef, rcu},
    task::{CurrentTask, Task},
};

/// The prototypes of `introspect_api.h` (see there for each function's contract).
pub(crate) mod raw {
    use super::*;
    use kernel::ffi::{c_char, c_int, c_uint};

    // Only pointers to bindgen-generated or `repr(C)` types cross this
    // boundary.
    #[allow(improper_ctypes)]
    extern "C" {
        // The registry of live domains (registry.rs).
        pub(crate) fn landlock_introspect_registry_new() -> *mut RawRegistry;
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
        pub(crate) fn landlock_introspect_walk_next(
            w: *mut RawWalk,
            out: *mut *mut bindings::task_struct,
        ) -> usize;
        pub(crate) fn landlock_introspect_walk_end(w: *mut RawWalk) -> bool;
        pub(crate) fn landlock_introspect_registry_audit_id(
            r: *mut RawRegistry,
            counter: u64,
            id: *mut u64,
        ) -> bool;
        pub(crate) fn landlock_introspect_registry_creator(
            r: *mut RawRegistry,
            counter: u64,
            ns: *mut bindings::pid_namespace,
            out: *mut RawCreator,
            exe: *mut c_char,
            exe_size: usize,
        ) -> c_int;
        pub(crate) fn landlock_introspect_creator_exe_size() -> usize;
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

        // Landlock's private structures.
        pub(crate) fn landlock_introspect_cred_domain(
            cred: *const bindings::cred,
            depth: *mut u8,
        ) -> u64;
        pub(crate) fn landlock_introspect_current_objective_domain(depth: *mut u8) -> u64;
        pub(crate) fn landlock_introspect_task_domain(task: *mut bindings::task_struct) -> u64;
        pub(crate) fn landlock_introspect_task_chain(
            task: *mut bindings::task_struct,
            chain: *mut u64,
            access: *mut u32,
        ) -> u8;
        pub(crate) fn landlock_introspect_access_name(class: usize, bit: c_uint) -> *const c_char;

        // Credentials, capabilities, tasks.
        pub(crate) fn landlock_introspect_current_cred() -> *const bindings::cred;
        pub(crate) fn landlock_introspect_fatal_signal_pending() -> bool;
        pub(crate) fn landlock_introspect_task_tid_ns(
            task: *mut bindings::task_struct,
            ns: *mut bindings::pid_namespace,
        ) -> i32;
        pub(crate) fn landlock_introspect_capable_ptrace(cred: *const bindings::cred) -> bool;
        pub(crate) fn landlock_introspect_capable_audit_read(cred: *const bindings::cred) -> bool;
        pub(crate) fn landlock_introspect_uid_seen_by(cred: *const bindings::cred, uid: u32)
            -> u32;
        pub(crate) fn landlock_introspect_init_pid_ns() -> *mut bindings::pid_namespace;
        pub(crate) fn landlock_introspect_cond_resched();
    }
}

// ---------------------------------------------------------------------------
// Credentials and capabilities

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
    f(unsafe { Credential::from_ptr(raw::landlock_introspect_current_cred()) })
}

/// Whether the current task was killed (`fatal_signal_pending(current)`):
/// long walks stop then.
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: no precondition.
    unsafe { raw::landlock_introspect_fatal_signal_pending() }
}

/// Whether `cred` has `CAP_SYS_PTRACE` in the initial user namespace
/// (without an audit record).
pub(crate) fn capable_ptrace(cred: &Credential) -> bool {
    // SAFETY: `cred` is a live credential for the call.
    unsafe { raw::landlock_introspect_capable_ptrace(cred.as_ptr()) }
}

/// Whether `cred` has `CAP_AUDIT_READ` in the initial user namespace
/// (without an audit record: any reader may try, in a loop).
pub(crate) fn capable_audit_read(cred: &Credential) -> bool {
    // SAFETY: `cred` is a live credential for the call.
    unsafe { raw::landlock_introspect_capable_audit_read(cred.as_ptr()) }
}

/// A UID of the initial user namespace as seen from `cred`'s user
/// namespace (`from_kuid_munged()`: the overflow UID if it has no
/// mapping there).
pub(crate) fn uid_seen_by(cred: &Credential, uid: u32) -> u32 {
    // SAFETY: `cred` is live (C: `make_kuid()` and `from_kuid_munged()`,
    // inline without `CONFIG_USER_NS`, which is why this is C).
    unsafe { raw::landlock_introspect_uid_seen_by(cred.as_ptr(), uid) }
}

// ---------------------------------------------------------------------------
// Tasks and PIDs

/// The initial PID namespace.
pub(crate) fn init_pid_ns() -> &'static PidNamespace {
    // SAFETY: `init_pid_ns` is a static object, never freed.
    unsafe { PidNamespace::from_ptr(raw::landlock_introspect_init_pid_ns()) }
}

/// A voluntary reschedule point (`cond_resched()`).  Process context, no
/// spinlock or RCU read lock held.
pub(crate) fn cond_resched() {
    // SAFETY: no precondition beyond the context documented above, which
    // is a correctness, not a memory-safety, requirement.
    unsafe { raw::landlock_introspect_cond_resched() };
}

/// Whether the current task, with its own credentials, may read `task` as
/// `/proc` does:
/// `ptrace_may_access(PTRACE_MODE_READ_FSCREDS | PTRACE_MODE_NOAUDIT)`.
pub(crate) fn ptrace_may_read(task: &Task) -> bool {
    // SAFETY: `task` is a live task (`&Task` invariant).
    unsafe {
        bindings::ptrace_may_access(
            task.as_ptr(),
            bindings::PTRACE_MODE_READ_FSCREDS | bindings::PTRACE_MODE_NOAUDIT,
        )
    }
}

/// A counted reference to a task from a pointer valid under RCU.
///
/// # Safety
///
/// `task` is a live `struct task_struct` (for instance under the RCU read
/// lock, as `pid_task()` returns it).
unsafe fn task_ref(task: NonNull<bindings::task_struct>) -> ARef<Task> {
    // SAFETY: `Task` is a transparent wrapper of `struct task_struct`, live
    // by the caller's precondition; `ARef::from` takes a reference
    // (`get_task_struct()`) before the borrow ends.
    ARef::from(unsafe { &*task.as_ptr().cast::<Task>() })
}

/// The PIDs of a namespace in ascending order, each with its task if it
/// still has one (with a counted reference), found one at a time as
/// `/proc` walks them: no RCU read lock is held between two steps, so the
/// caller may sleep (and should [`cond_resched`]) between them.
pub(crate) struct Tasks<'a> {
    ns: &'a PidNamespace,
    /// The smallest PID number not walked yet; `None` once done.
    next: Option<i32>,
}

/// Walks the PIDs of `ns` (see [`Tasks`]).
pub(crate) fn tasks(ns: &PidNamespace) -> Tasks<'_> {
    Tasks { ns, next: Some(1) }
}

impl Iterator for Tasks<'_> {
    /// The PID number in the namespace, and its task.
    type Item = (i32, Option<ARef<Task>>);

    fn next(&mut self) -> Option<Self::Item> {
        let nr = self.next?;
        let _rcu = rcu::read_lock();
        // SAFETY: the RCU read lock is held and `self.ns` is live.
        let pid = unsafe { bindings::find_ge_pid(nr, self.ns.as_ptr()) };
        if pid.is_null() {
            self.next = None;
            return None;
        }
        // SAFETY: `pid` stays valid while the RCU read lock is held.
        let tid = unsafe { bindings::pid_nr_ns(pid, self.ns.as_ptr()) };
        // SAFETY: as above.
        let task = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_PID) };
        let task = NonNull::new(task).map(|task| {
            // SAFETY: a task that `pid_task()` returns is live until the RCU
            // read lock, still held, is released.
            unsafe { task_ref(task) }
        });
        self.next = (tid != i32::MAX).then(|| tid.saturating_add(1));
        Some((tid, task))
    }
}

// ---------------------------------------------------------------------------
// Landlock's domains

/// The counter of `cred`'s Landlock domain and its depth (number of
/// layers), or `(0, 0)` when it has none.
pub(crate) fn cred_domain(cred: &Credential) -> (u64, u8) {
    let mut depth = 0;
    // SAFETY: `cred` is live for the call; `depth` is a writable `u8`.
    let counter = unsafe { raw::landlock_introspect_cred_domain(cred.as_ptr(), &mut depth) };
    (counter, depth)
}

/// `task`'s TID in `ns`, 0 if it has none there.
pub(crate) fn task_tid_in(task: &Task, ns: &PidNamespace) -> i32 {
    // SAFETY: `task` and `ns` are live for the call.
    unsafe { raw::landlock_introspect_task_tid_ns(task.as_ptr(), ns.as_ptr()) }
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
    unsafe { raw::landlock_introspect_task_domain(task.as_ptr()) }
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
            task.as_ptr(),
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
            task.as_ptr(),
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

// ---------------------------------------------------------------------------
// Randomness and SipHash

/// A SipHash key (`siphash_key_t`).
#[derive(Clone, Copy)]
pub(crate) struct SipHashKey(bindings::siphash_key_t);

impl SipHashKey {
    /// The 128-bit key `(k0, k1)`.
    pub(crate) const fn new(k0: u64, k1: u64) -> Self {
        Self(bindings::siphash_key_t { key: [k0, k1] })
    }

    /// SipHash-2-4 of one 64-bit word (`siphash_1u64()`).
    pub(crate) fn hash_u64(&self, word: u64) -> u64 {
        // SAFETY: `siphash_1u64` only reads the key, which lives in `self`
        // for the whole call.
        unsafe { bindings::siphash_1u64(word, &self.0) }
    }
}

/// A random 64-bit value (`get_random_u64()`): full strength once the CRNG
/// is seeded (see [`wait_for_random_bytes`], [`rng_is_initialized`]).
pub(crate) fn get_random_u64() -> u64 {
    // SAFETY: no precondition.
    unsafe { bindings::get_random_u64() }
}

/// Waits, interruptibly, until the CRNG is seeded.  Might sleep.
pub(crate) fn wait_for_random_bytes() -> Result {
    // SAFETY: no precondition beyond process context (it may sleep).
    to_result(unsafe { bindings::wait_for_random_bytes() })
}

/// Whether the CRNG is seeded.  Never sleeps.
pub(crate) fn rng_is_initialized() -> bool {
    // SAFETY: no precondition.
    unsafe { bindings::rng_is_initialized() }
}
