// SPDX-License-Identifier: GPL-2.0-only

//! Who may see what: the visibility policy of the tree.
//!
//! For a reader R and a domain D (see `Documentation/threat-model.rst`):
//!
//! 1. R's domain must be a strict ancestor of D; an unsandboxed R is the
//!    ancestor of all.  When a file is read, both the opener's credentials
//!    and the reading task's domain must pass.
//! 2. At least one task in D or in a domain nested below D passes
//!    `ptrace_may_access(PTRACE_MODE_READ_FSCREDS | PTRACE_MODE_NOAUDIT)`
//!    with R's credentials and has a PID in R's PID namespace.  With
//!    CAP_SYS_PTRACE in the initial user namespace, R also sees the domains
//!    that have no task at all; it never skips the per-task check.
//!
//! The visible set is closed under "parent of" up to R's own domain: the
//! parent of a visible domain is visible unless it is R's domain or above.

use crate::{
    id::DOMAINS,
    registry::{self, Map},
};
use core::ops::ControlFlow;
use kernel::{bindings, prelude::*, sync::rcu};

// Only pointers to bindgen-generated types cross this boundary.
#[allow(improper_ctypes)]
extern "C" {
    fn landlock_fs_current_cred() -> *const bindings::cred;
    fn landlock_fs_cred_domain(cred: *const bindings::cred) -> u64;
    fn landlock_fs_task_domain(task: *mut bindings::task_struct) -> u64;
    fn landlock_fs_capable_ptrace(cred: *const bindings::cred) -> bool;
    fn landlock_fs_override_creds(cred: *const bindings::cred) -> *const bindings::cred;
    fn landlock_fs_revert_creds(old: *const bindings::cred);
    fn landlock_fs_cond_resched();
}

/// The reader of the tree: whose credentials, domains and PID namespace the
/// checks use.
///
/// # Invariants
///
/// `cred` and `ns` are valid for the reader's lifetime: they are either the
/// current task's (a `Reader` never outlives the VFS call that made it) or
/// held by an open file (`f_cred`, and a PID namespace reference the file
/// holds).
pub(crate) struct Reader {
    cred: *const bindings::cred,
    ns: *mut bindings::pid_namespace,
    /// Domains that must all be strict ancestors of what is shown: the
    /// credentials' domain and, for reads of an open file, the reading
    /// task's current domain (0: unsandboxed).
    domains: [u64; 2],
    privileged: bool,
}

impl Reader {
    /// The current task, for lookups and attribute checks.
    pub(crate) fn current() -> Self {
        // SAFETY: `current` is valid; its credentials and active PID
        // namespace live at least as long as this VFS call.
        unsafe {
            Self::new(
                landlock_fs_current_cred(),
                bindings::task_active_pid_ns(bindings::get_current()),
                0,
            )
        }
    }

    /// The opener of `file`, read by the current task.
    ///
    /// # Safety
    ///
    /// `file` is a live file and `ns` a PID namespace that it holds a
    /// reference to.
    pub(crate) unsafe fn for_file(
        file: *mut bindings::file,
        ns: *mut bindings::pid_namespace,
    ) -> Self {
        // SAFETY: the caller passes a live file; `current` is valid.
        unsafe {
            let current_cred = landlock_fs_current_cred();
            Self::new((*file).f_cred, ns, landlock_fs_cred_domain(current_cred))
        }
    }

    /// # Safety
    ///
    /// `cred` and `ns` satisfy the type invariant.
    unsafe fn new(
        cred: *const bindings::cred,
        ns: *mut bindings::pid_namespace,
        other: u64,
    ) -> Self {
        // SAFETY: `cred` is valid by the caller's precondition.
        let (own, privileged) = unsafe {
            (
                landlock_fs_cred_domain(cred),
                landlock_fs_capable_ptrace(cred),
            )
        };
        Self {
            cred,
            ns,
            domains: [own, other],
            privileged,
        }
    }

    /// The reader's PID namespace.
    pub(crate) fn ns(&self) -> *mut bindings::pid_namespace {
        self.ns
    }

    /// Whether the reader has CAP_SYS_PTRACE in the initial user namespace.
    pub(crate) fn privileged(&self) -> bool {
        self.privileged
    }

    /// The credentials the checks use.
    pub(crate) fn cred(&self) -> *const bindings::cred {
        self.cred
    }

    /// Rule 1, without the registry: a descendant was created after its
    /// ancestors, so a counter not above the reader's domains cannot pass.
    /// Lookups check this first, so the time a miss takes does not depend
    /// on domains the reader may not see.
    pub(crate) fn may_be_below(&self, counter: u64) -> bool {
        self.domains.iter().all(|&d| counter > d)
    }

    /// Rule 1: every domain of the reader is a strict ancestor of `counter`.
    pub(crate) fn is_below(&self, map: &Map, counter: u64) -> bool {
        self.may_be_below(counter)
            && map.get(&counter).is_some()
            && self
                .domains
                .iter()
                .all(|&d| registry::is_strict_ancestor(map, d, counter))
    }

    /// Calls `f` for each task with a PID in the reader's namespace, in
    /// ascending TID order, with its domain and whether the reader passes
    /// the ptrace check on it.  Tasks are walked one PID at a time, as
    /// `/proc` does (no long RCU section), with a `cond_resched()` between
    /// tasks.  Unsandboxed tasks are skipped before the ptrace check.
    pub(crate) fn scan_tasks(&self, mut f: impl FnMut(&TaskInfo) -> ControlFlow<()>) {
        // Use the reader's credentials for ptrace_may_access().
        // SAFETY: `self.cred` is valid (type invariant); reverted below.
        let old = unsafe { landlock_fs_override_creds(self.cred) };
        let mut nr: i32 = 1;
        loop {
            let (task, tid) = {
                let _rcu = rcu::read_lock();
                // SAFETY: under RCU; `self.ns` is valid.
                let pid = unsafe { bindings::find_ge_pid(nr, self.ns) };
                if pid.is_null() {
                    break;
                }
                // SAFETY: `pid` is valid under RCU.
                let tid = unsafe { bindings::pid_nr_ns(pid, self.ns) };
                // SAFETY: `pid` is valid under RCU.
                let task = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_PID) };
                if !task.is_null() {
                    // SAFETY: `task` is valid under RCU; the reference is
                    // dropped below.
                    unsafe { bindings::get_task_struct(task) };
                }
                (task, tid)
            };
            nr = tid.saturating_add(1);
            if !task.is_null() {
                // SAFETY: we hold a reference to `task`.
                let domain = unsafe { landlock_fs_task_domain(task) };
                let flow = if domain != 0 {
                    // SAFETY: we hold a reference to `task`; `self.ns` is
                    // valid.
                    let tgid = unsafe { bindings::task_tgid_nr_ns(task, self.ns) };
                    // SAFETY: as above; process context, credentials
                    // overridden to the reader's.
                    let traceable = unsafe {
                        bindings::ptrace_may_access(
                            task,
                            bindings::PTRACE_MODE_READ_FSCREDS | bindings::PTRACE_MODE_NOAUDIT,
                        )
                    };
                    f(&TaskInfo {
                        tgid,
                        tid,
                        domain,
                        traceable,
                    })
                } else {
                    ControlFlow::Continue(())
                };
                // SAFETY: drops the reference taken above.
                unsafe { bindings::put_task_struct(task) };
                if flow.is_break() {
                    break;
                }
            }
            // SAFETY: process context, no lock held.
            unsafe { landlock_fs_cond_resched() };
            if tid == i32::MAX {
                break;
            }
        }
        // SAFETY: reverts the override above.
        unsafe { landlock_fs_revert_creds(old) };
    }

    /// Whether the reader may see the domain of `counter` (rules 1 and 2).
    pub(crate) fn sees(&self, counter: u64) -> bool {
        if !self.may_be_below(counter) {
            return false;
        }
        if registry::with(|map| self.is_below(map, counter)) != Some(true) {
            return false;
        }
        let mut occupied = false;
        let mut traceable = false;
        self.scan_tasks(|t| {
            // Only domains created after `counter` can be nested below it.
            if t.domain < counter {
                return ControlFlow::Continue(());
            }
            let below = registry::with(|map| registry::chain(map, t.domain).any(|c| c == counter));
            if below == Some(true) {
                occupied = true;
                if t.traceable {
                    traceable = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        traceable || (!occupied && self.privileged)
    }

    /// The domains the reader sees and the tasks it sees in them.
    pub(crate) fn snapshot(&self) -> Result<Snapshot> {
        let mut tasks = KVec::new();
        let mut failed = None;
        self.scan_tasks(|t| match tasks.push(*t, GFP_KERNEL) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        let mut visible: KVec<u64> = KVec::new();
        registry::with(|map| -> Result {
            // Rule 2 through tasks, closed under "parent of".
            for t in tasks.iter().filter(|t| t.traceable) {
                for c in registry::chain(map, t.domain) {
                    if self.is_below(map, c) {
                        visible.push(c, GFP_KERNEL)?;
                    }
                }
            }
            if self.privileged {
                // Domains with no task at all.
                let mut occupied = KVec::new();
                for t in tasks.iter() {
                    for c in registry::chain(map, t.domain) {
                        occupied.push(c, GFP_KERNEL)?;
                    }
                }
                occupied.sort_unstable();
                for (&c, _) in map.iter() {
                    if occupied.binary_search(&c).is_err() && self.is_below(map, c) {
                        for a in registry::chain(map, c) {
                            if self.is_below(map, a) {
                                visible.push(a, GFP_KERNEL)?;
                            }
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap_or(Ok(()))?;
        visible.sort_unstable();
        let mut last = 0;
        visible.retain(|c| core::mem::replace(&mut last, *c) != *c);
        // Only the tasks the reader may see, in visible domains.
        tasks.retain(|t| t.traceable && visible.binary_search(&t.domain).is_ok());
        tasks.sort_unstable_by_key(|t| (t.tgid, t.tid));
        Ok(Snapshot { visible, tasks })
    }
}

/// A task as a scan sees it.
#[derive(Clone, Copy)]
pub(crate) struct TaskInfo {
    /// TGID in the reader's PID namespace.
    pub(crate) tgid: i32,
    /// TID in the reader's PID namespace.
    pub(crate) tid: i32,
    /// Counter of its domain (never 0: scans skip unsandboxed tasks).
    pub(crate) domain: u64,
    /// Whether the reader passes the ptrace check on it.
    pub(crate) traceable: bool,
}

/// What one reader sees at one moment.
pub(crate) struct Snapshot {
    /// Counters of the visible domains, sorted by counter.
    pub(crate) visible: KVec<u64>,
    /// Visible tasks in visible domains, sorted by TGID then TID.
    pub(crate) tasks: KVec<TaskInfo>,
}

impl Snapshot {
    /// The visible domains as `(id, counter)`, sorted by ID (never by
    /// counter, which is creation order).
    pub(crate) fn ids(&self) -> Result<KVec<(u64, u64)>> {
        let p = DOMAINS.permutation();
        let mut ids = KVec::with_capacity(self.visible.len(), GFP_KERNEL)?;
        for &c in self.visible.iter() {
            ids.push((p.id(c), c), GFP_KERNEL)?;
        }
        ids.sort_unstable();
        Ok(ids)
    }
}
