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

    /// Whether the reading task is in the opener's domain (always true for
    /// [`Reader::current`]).
    pub(crate) fn reads_as_opener(&self) -> bool {
        self.domains[1] == 0 || self.domains[1] == self.domains[0]
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
    /// tasks.  Unsandboxed tasks, and tasks whose domain `want` rejects, are
    /// skipped before the ptrace check.
    pub(crate) fn scan_tasks(
        &self,
        want: impl Fn(u64) -> bool,
        mut f: impl FnMut(&TaskInfo) -> ControlFlow<()>,
    ) {
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
                let flow = if domain != 0 && want(domain) {
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

    /// Whether the reader may see the domain of `counter` (rules 1 and 2),
    /// consistently with [`Reader::snapshot`].
    pub(crate) fn sees(&self, counter: u64) -> bool {
        if !self.may_be_below(counter) {
            return false;
        }
        if registry::with(|map| self.is_below(map, counter)) != Some(true) {
            return false;
        }
        // A task the reader may trace, in the domain or below.
        let Some(Ok(subtree)) = registry::with(|map| subtree(map, counter)) else {
            return false;
        };
        let in_subtree = |d: u64| subtree.binary_search(&d).is_ok();
        let mut traceable = false;
        self.scan_tasks(in_subtree, |t| {
            if t.traceable {
                traceable = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        if traceable || !self.privileged {
            return traceable;
        }
        // A privileged reader also sees empty domains and their ancestors
        // (closure under "parent of"): the computation of a `domains/`
        // snapshot decides, so that a lookup always agrees with the listing.
        self.snapshot()
            .is_ok_and(|s| s.visible.binary_search(&counter).is_ok())
    }

    /// The domains the reader sees and the tasks it sees in them.
    pub(crate) fn snapshot(&self) -> Result<Snapshot> {
        let mut tasks = KVec::new();
        let mut failed = None;
        self.scan_tasks(
            |_| true,
            |t| match tasks.push(*t, GFP_KERNEL_ACCOUNT) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            },
        );
        if let Some(e) = failed {
            return Err(e.into());
        }
        let visible = registry::with(|map| visible_set(map, &tasks, self.domains, self.privileged))
            .unwrap_or_else(|| Ok(KVec::new()))?;
        // Only the tasks the reader may see, in visible domains.
        tasks.retain(|t| t.traceable && visible.binary_search(&t.domain).is_ok());
        tasks.sort_unstable_by_key(|t| (t.tgid, t.tid));
        Ok(Snapshot { visible, tasks })
    }
}

/// The sorted counters of `counter` and of every live domain nested below
/// it, taken under one lock (the map iterates in counter order).
fn subtree(map: &Map, counter: u64) -> Result<KVec<u64>> {
    let mut out = KVec::new();
    // Every entry is visited, newer or older than `counter`, so the time
    // this takes says nothing about creation order.
    for (&c, _) in map.iter() {
        if registry::chain(map, c).any(|a| a == counter) {
            out.push(c, GFP_KERNEL_ACCOUNT)?;
        }
    }
    Ok(out)
}

/// Rule 1 for readers whose domains are `domains` (0: unsandboxed): every
/// one of them is a strict ancestor of the live domain `counter`.
fn below(map: &Map, domains: [u64; 2], counter: u64) -> bool {
    domains.iter().all(|&d| counter > d)
        && map.get(&counter).is_some()
        && domains
            .iter()
            .all(|&d| registry::is_strict_ancestor(map, d, counter))
}

/// Rules 1 and 2 applied to a task scan: the sorted counters of the
/// domains a reader sees.  Pure, so KUnit can check the policy.
///
/// - Rule 2 through tasks: the domain of every task the reader may trace,
///   and that domain's ancestors, as far as they pass rule 1.
/// - A privileged reader also sees the domains that no task of the scan
///   occupies (neither in them nor below them), with their ancestors.
fn visible_set(
    map: &Map,
    tasks: &[TaskInfo],
    domains: [u64; 2],
    privileged: bool,
) -> Result<KVec<u64>> {
    let mut visible: KVec<u64> = KVec::new();
    for t in tasks.iter().filter(|t| t.traceable) {
        for c in registry::chain(map, t.domain) {
            if below(map, domains, c) {
                visible.push(c, GFP_KERNEL_ACCOUNT)?;
            }
        }
    }
    if privileged {
        let mut occupied = KVec::new();
        for t in tasks.iter() {
            for c in registry::chain(map, t.domain) {
                occupied.push(c, GFP_KERNEL_ACCOUNT)?;
            }
        }
        occupied.sort_unstable();
        for (&c, _) in map.iter() {
            if occupied.binary_search(&c).is_err() && below(map, domains, c) {
                for a in registry::chain(map, c) {
                    if below(map, domains, a) {
                        visible.push(a, GFP_KERNEL_ACCOUNT)?;
                    }
                }
            }
        }
    }
    visible.sort_unstable();
    let mut last = 0;
    visible.retain(|c| core::mem::replace(&mut last, *c) != *c);
    Ok(visible)
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
        let mut ids = KVec::with_capacity(self.visible.len(), GFP_KERNEL_ACCOUNT)?;
        for &c in self.visible.iter() {
            ids.push((p.id(c), c), GFP_KERNEL_ACCOUNT)?;
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_audit_view)]
mod tests {
    use super::*;
    use crate::registry::testing::map_of;

    // A (root) -> B -> C, A -> D, and another root E.
    const A: u64 = 1 << 60;
    const B: u64 = A + 1;
    const C: u64 = A + 2;
    const D: u64 = A + 3;
    const E: u64 = A + 4;
    const TREE: &[(u64, u64)] = &[(A, 0), (B, A), (C, B), (D, A), (E, 0)];

    fn task(tid: i32, domain: u64, traceable: bool) -> TaskInfo {
        TaskInfo {
            tgid: tid,
            tid,
            domain,
            traceable,
        }
    }

    fn visible(tasks: &[TaskInfo], domains: [u64; 2], privileged: bool) -> KVec<u64> {
        let map = map_of(TREE);
        assert!(map.is_ok());
        let Ok(map) = map else { return KVec::new() };
        let v = visible_set(&map, tasks, domains, privileged);
        assert!(v.is_ok());
        v.unwrap_or_default()
    }

    #[test]
    fn traceable_task_shows_its_domain_and_ancestors() {
        let v = visible(&[task(10, C, true)], [0, 0], false);
        assert_eq!(&v[..], &[A, B, C]);
    }

    #[test]
    fn untraceable_task_shows_nothing() {
        let v = visible(&[task(10, C, false)], [0, 0], false);
        assert!(v.is_empty());
        // A privileged reader sees the empty D and E, and A as D's parent,
        // but not B and C, which an untraceable task occupies.
        let v = visible(&[task(10, C, false)], [0, 0], true);
        assert_eq!(&v[..], &[A, D, E]);
    }

    #[test]
    fn privilege_adds_only_empty_domains() {
        let v = visible(&[task(10, C, true)], [0, 0], true);
        assert_eq!(&v[..], &[A, B, C, D, E]);
        let v = visible(&[task(10, C, true)], [0, 0], false);
        assert_eq!(&v[..], &[A, B, C]);
    }

    #[test]
    fn sandboxed_reader_sees_only_strict_descendants() {
        // A reader in A: B and C, never A itself, nor E.
        let v = visible(
            &[task(10, C, true), task(11, A, true), task(12, E, true)],
            [A, 0],
            true,
        );
        assert_eq!(&v[..], &[B, C, D]);
        // A reader in B sees C only: not its parent, sibling or itself.
        let v = visible(
            &[task(10, C, true), task(11, D, true), task(12, B, true)],
            [B, 0],
            true,
        );
        assert_eq!(&v[..], &[C]);
        // A reader in C (a leaf) sees nothing.
        let v = visible(&[task(10, C, true)], [C, 0], true);
        assert!(v.is_empty());
    }

    #[test]
    fn both_domains_of_a_file_reader_must_pass() {
        // Opened unsandboxed, read from B: only what is below B.
        let v = visible(&[task(10, C, true), task(11, D, true)], [0, B], false);
        assert_eq!(&v[..], &[C]);
    }
}
