// SPDX-License-Identifier: GPL-2.0-only

//! Who may see what: the visibility policy of the tree.
//!
//! For a reader R and a domain D (see Documentation/security/landlock.rst):
//!
//! 1. R's domain must be a strict ancestor of D; an unsandboxed R is the
//!    ancestor of all.  When a file is read, the opener's domain and the
//!    reading task's domain must both pass.
//! 2. At least one task in D or in a domain nested below D passes
//!    `ptrace_may_access(PTRACE_MODE_READ_FSCREDS | PTRACE_MODE_NOAUDIT)`
//!    with R's credentials and has a PID in R's PID namespace.  With
//!    CAP_SYS_PTRACE in the initial user namespace, R also sees the domains
//!    that have no task at all (in any PID namespace), neither in them nor
//!    below them.  The capability never skips the per-task check: a domain
//!    with tasks, none of which R may trace, stays hidden.
//!
//! Rule 2 is monotone up the chain (a task below D is below D's parent), so
//! the visible set is closed under "parent of" up to R's own domain, except
//! for the empty domains a privileged reader sees: their parent may have
//! tasks R may not trace.  `parent` and `depth` are therefore relative to
//! what R sees: the parent is shown only if visible, and the depth counts
//! the unbroken chain of visible domains from D upwards.
//!
//! # Costs
//!
//! Rule 1 is O(1): the registry gives each domain's depth and ancestors.
//! Rule 2 for one domain walks the task index of its subtree (the tasks of
//! the domain and of the domains nested below it, `introspect.c`) until the
//! first task R may trace: O(that subtree), never O(all tasks), and no
//! reader writes anything another reader's answer depends on.  A
//! whole-tree snapshot walks R's tasks once, by PID as `/proc` does, with
//! one ptrace check per sandboxed task.  No lock is held during any check.

use crate::{
    glue,
    id::{IdPermutation, TREE_IDS},
    registry::{self, Info, Registry, WalkEnd, MAX_LAYERS},
};
use core::ops::ControlFlow;
use kernel::{
    cred::{Capability, Credential},
    pid_namespace::PidNamespace,
    prelude::*,
    task::{self, PtraceMode, Task},
};

/// A domain as a reader's rule 1 needs it: its counter and absolute depth
/// (0 and 0 for "not sandboxed").
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Dom {
    pub(crate) counter: u64,
    pub(crate) depth: u8,
}

impl Dom {
    /// The domain of `cred`.
    pub(crate) fn of_cred(cred: &Credential) -> Self {
        let (counter, depth) = glue::cred_domain(cred);
        Self { counter, depth }
    }

    /// The current task's subjective domain (that of the credentials its
    /// file accesses use).
    pub(crate) fn current() -> Self {
        glue::with_current_cred(kernel::current!(), Self::of_cred)
    }

    /// The current task's objective domain: its own sandbox, whatever
    /// overrides its subjective credentials (an io_uring personality or
    /// overlayfs's mounter credentials, registered or made before it
    /// sandboxed itself).
    pub(crate) fn objective() -> Self {
        let (counter, depth) = glue::current_objective_domain();
        Self { counter, depth }
    }

    /// Rule 1: whether this domain is a strict ancestor of `d` (an
    /// unsandboxed reader is the ancestor of all).  O(1).
    pub(crate) fn is_strictly_above(&self, d: &Info) -> bool {
        self.counter == 0 || (d.depth > self.depth && d.is_at_or_below(self.counter, self.depth))
    }
}

/// The domains of a reading task, both of which must pass rule 1: its
/// subjective credentials' and its objective ones'.  They differ only
/// under an override of the subjective credentials (an io_uring
/// personality or overlayfs's mounter credentials made before the task
/// sandboxed itself), which can therefore narrow what a task sees, never
/// widen it: a sandboxed task never sees its own domain.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Reading(pub(crate) [Dom; 2]);

impl Reading {
    /// The current task's domains.
    pub(crate) fn current() -> Self {
        Self([Dom::current(), Dom::objective()])
    }

    /// Rule 1: both domains are strict ancestors of `d`.
    pub(crate) fn shows(&self, d: &Info) -> bool {
        self.0.iter().all(|r| r.is_strictly_above(d))
    }

    /// Whether everything below `opener` passes rule 1 for these domains
    /// (each is `opener` or none), so that a view rendered for `opener`
    /// may be served as it is.
    pub(crate) fn covers(&self, opener: Dom) -> bool {
        self.0.iter().all(|r| r.counter == 0 || *r == opener)
    }
}

/// The reader of the tree: whose credentials, domains and PID namespace the
/// checks use.  Always the current task, in its own context (lookups,
/// attribute checks, `open`): the ptrace checks use the current task's own
/// credentials, with no override.  It borrows them, so it cannot outlive
/// the VFS call that lent them.
pub(crate) struct Reader<'a> {
    cred: &'a Credential,
    ns: &'a PidNamespace,
    /// The credentials' domain and, for reads of an open file, the reading
    /// task's current domain; both must pass rule 1.
    domains: [Dom; 2],
    privileged: bool,
}

impl<'a> Reader<'a> {
    /// Runs `f` with the current task as the reader (lookups, attribute
    /// checks, `open`).  `None` if the task has no PID namespace (it is
    /// exiting).
    pub(crate) fn with_current<R>(f: impl FnOnce(&Reader<'_>) -> R) -> Option<R> {
        let task = kernel::current!();
        let ns = task.active_pid_ns()?;
        // The capability counts only if the objective credentials have it
        // too: an override (an io_uring personality) never widens a view.
        let real =
            glue::with_current_real_cred(task, |c| c.capable_noaudit(Capability::SYS_PTRACE));
        Some(glue::with_current_cred(task, |cred| {
            f(&Reader::new(cred, ns, Dom::objective(), real))
        }))
    }

    /// The current task, whose subjective credentials are `cred` and PID
    /// namespace `ns`; `reading` (its objective domain) must pass rule 1
    /// too, and `real_privileged` says whether its objective credentials
    /// have CAP_SYS_PTRACE in the initial user namespace.
    fn new(
        cred: &'a Credential,
        ns: &'a PidNamespace,
        reading: Dom,
        real_privileged: bool,
    ) -> Self {
        let privileged = real_privileged && cred.capable_noaudit(Capability::SYS_PTRACE);
        Self {
            cred,
            ns,
            domains: [Dom::of_cred(cred), reading],
            privileged,
        }
    }

    /// The reader's domains, both of which rule 1 checks.
    pub(crate) fn reading(&self) -> Reading {
        Reading(self.domains)
    }

    /// The reader's PID namespace.
    pub(crate) fn ns(&self) -> &PidNamespace {
        self.ns
    }

    /// The reader's credentials.
    pub(crate) fn cred(&self) -> &Credential {
        self.cred
    }

    /// Whether the reader has CAP_SYS_PTRACE in the initial user namespace,
    /// in both its subjective and objective credentials.
    pub(crate) fn privileged(&self) -> bool {
        self.privileged
    }

    /// Whether the reader may read audit records: CAP_AUDIT_READ in the
    /// initial user namespace, checked without an audit record
    /// (`Credential::capable_noaudit()`).  Gates what upstream shows in
    /// audit records only: its monotonic domain IDs (`audit_id`) and its
    /// counts of denials (`denials`).
    pub(crate) fn reads_audit(&self) -> bool {
        self.cred.capable_noaudit(Capability::AUDIT_READ)
    }

    /// Rule 1 without the registry: a descendant was created after its
    /// ancestors, so a counter not above the reader's domains cannot pass.
    /// Lookups check this first, so the time a miss takes does not depend
    /// on domains the reader may not see.
    pub(crate) fn may_be_below(&self, counter: u64) -> bool {
        self.domains.iter().all(|d| counter > d.counter)
    }

    /// Rule 1: every domain of the reader is a strict ancestor of `d`.
    pub(crate) fn is_below(&self, d: &Info) -> bool {
        self.domains.iter().all(|r| r.is_strictly_above(d))
    }

    /// Whether the reader may see the domain of `counter` (rules 1 and 2),
    /// consistently with [`Reader::snapshot`].  Returns its registry entry
    /// and how rule 2 passed.
    ///
    /// Rule 2 walks the task index of the domain's subtree only, and stops
    /// at the first task the reader may trace: its cost is that subtree's,
    /// whatever the number of tasks and domains on the system, and it
    /// writes nothing that another reader's answer or cost depends on.
    ///
    /// An allocation failure (the walk's state) is `ENOMEM`, and a killed
    /// reader's walk `EINTR`: never a wrong answer.
    pub(crate) fn sees(&self, registry: &Registry, counter: u64) -> Result<Option<Seen>> {
        if !self.may_be_below(counter) {
            return Ok(None);
        }
        // The walk's memory first: whether the domain exists cannot decide
        // whether this fails (a reader in a tight memory cgroup would
        // otherwise tell a live domain, ENOMEM, from a gone one, ENOENT).
        let walk = registry.reserve_walk()?;
        let Some(info) = registry.info(counter) else {
            return Ok(None);
        };
        if !self.is_below(&info) {
            return Ok(None);
        }
        let init_ns = PidNamespace::init_ns();
        let mut occupied = false;
        let mut killed = false;
        let end = walk.walk_tasks(counter, true, |task| {
            // A task past `release_task()` (reaped, not yet freed)
            // neither shows nor occupies a domain, as for a walk by PID.
            if task.tgid_nr_ns(Some(init_ns)) == 0 {
                return ControlFlow::Continue(());
            }
            occupied = true;
            if task.tgid_nr_ns(Some(self.ns)) != 0 && self.may_trace(task) {
                return ControlFlow::Break(());
            }
            if kernel::current!().fatal_signal_pending() {
                killed = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })?;
        let Some(end) = end else {
            // Freed meanwhile.
            return Ok(None);
        };
        if killed {
            return Err(EINTR);
        }
        Ok(match end {
            WalkEnd::Stopped => Some(Seen {
                info,
                by_task: true,
            }),
            // A privileged reader also sees a domain with no task at all,
            // in any PID namespace, neither in it nor below it.
            WalkEnd::Complete if self.privileged && !occupied => Some(Seen {
                info,
                by_task: false,
            }),
            _ => None,
        })
    }

    /// The ptrace check, with the reader's (the current task's own)
    /// credentials.
    fn may_trace(&self, task: &Task) -> bool {
        task.ptrace_may_access(PtraceMode::READ_FSCREDS.noaudit())
    }

    /// Calls `f` for each sandboxed task with a PID in `ns` that `want`
    /// accepts, in ascending TID order, with its domain and (if `check`)
    /// whether the reader passes the ptrace check on it.  Tasks are walked
    /// one PID at a time, as `/proc` does (no long RCU section), with a
    /// `cond_resched()` between tasks, and without any registry lock.  A
    /// killed reader stops the walk: `EINTR`.
    fn scan_tasks(
        &self,
        ns: &PidNamespace,
        check: bool,
        want: impl Fn(u64, &Task) -> bool,
        mut f: impl FnMut(&TaskInfo, &Task) -> ControlFlow<()>,
    ) -> Result {
        for (tid, task) in ns.pids() {
            if let Some(task) = task {
                let domain = glue::task_domain(&task);
                // 0 once the task was reaped after the walk found it: it
                // is gone, so it is not listed (nor checked).
                let tgid = task.tgid_nr_ns(Some(ns));
                let flow = if domain != 0 && tgid != 0 && want(domain, &task) {
                    let traceable = check && self.may_trace(&task);
                    let info = TaskInfo {
                        tgid,
                        tid,
                        domain,
                        traceable,
                    };
                    f(&info, &task)
                } else {
                    ControlFlow::Continue(())
                };
                // The reference is put before the reschedule point.
                drop(task);
                if flow.is_break() {
                    break;
                }
            }
            if kernel::current!().fatal_signal_pending() {
                return Err(EINTR);
            }
            task::cond_resched();
        }
        Ok(())
    }

    /// The domains the reader sees and the tasks it sees in them, from one
    /// walk over the reader's tasks (and, for a privileged reader in a child
    /// PID namespace, one more over all tasks, to find empty domains).
    pub(crate) fn snapshot(&self, registry: &Registry) -> Result<Snapshot> {
        // Before the walk: drawing the key may sleep.
        let ids = TREE_IDS.get_or_draw()?;
        if !self.privileged {
            return self.snapshot_from_tasks(&ids);
        }
        let infos = registry.infos()?;
        let mut marks = Marks::new(infos.len())?;
        let mut tasks = KVVec::new();
        let mut failed = None;
        let init_ns = PidNamespace::init_ns();
        let all_here = core::ptr::eq(self.ns, init_ns);
        // A task in a domain that fails rule 1 can neither show it nor mark
        // a visible one (rule 1 fails for its ancestors too): no ptrace
        // check for it.  A domain missing from the copy was created during
        // or after it: its task still marks the ancestors the copy has.
        let wanted = |domain: u64, _: &Task| {
            index_of(&infos, domain).is_none_or(|i| self.is_below(&infos[i]))
        };
        self.scan_tasks(self.ns, true, wanted, |t, task| {
            match index_of(&infos, t.domain) {
                Some(i) => {
                    marks.mark(&infos, i, t.traceable);
                    if t.traceable {
                        if let Err(e) = tasks.push(*t, GFP_KERNEL_ACCOUNT) {
                            failed = Some(e);
                            return ControlFlow::Break(());
                        }
                    }
                }
                None => marks.mark_chain(&infos, task, t.traceable),
            }
            ControlFlow::Continue(())
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        if self.privileged && !all_here {
            self.scan_tasks(
                init_ns,
                false,
                |_, _| true,
                |t, task| {
                    match index_of(&infos, t.domain) {
                        Some(i) => marks.mark(&infos, i, false),
                        None => marks.mark_chain(&infos, task, false),
                    }
                    ControlFlow::Continue(())
                },
            )?;
        }
        let snapshot = Snapshot::new(infos, &marks, self.domains, self.privileged, &ids)?;
        let mut tasks = tasks;
        tasks.retain(|t| snapshot.position(t.domain).is_some());
        tasks.sort_unstable_by_key(|t| (t.tgid, t.tid));
        Ok(Snapshot { tasks, ..snapshot })
    }
}

impl Reader<'_> {
    /// The tasks the reader sees in the domain of `counter` itself (not
    /// below it): those with a PID in its namespace that it may trace,
    /// sorted by TGID then TID.  Walks the domain's own task index: O(its
    /// tasks), never O(all tasks).
    pub(crate) fn own_tasks(&self, registry: &Registry, counter: u64) -> Result<KVVec<TaskInfo>> {
        let mut tasks = KVVec::new();
        let mut failed = Ok(());
        registry
            .walk_tasks(counter, false, |task| {
                if kernel::current!().fatal_signal_pending() {
                    failed = Err(EINTR);
                    return ControlFlow::Break(());
                }
                let tgid = task.tgid_nr_ns(Some(self.ns));
                let tid = task.pid_nr_ns(Some(self.ns));
                // Listed in the index a moment ago: it may have moved into
                // a nested domain since (or been reaped).
                if tgid == 0
                    || tid == 0
                    || glue::task_domain(task) != counter
                    || !self.may_trace(task)
                {
                    return ControlFlow::Continue(());
                }
                let t = TaskInfo {
                    tgid,
                    tid,
                    domain: counter,
                    traceable: true,
                };
                if let Err(e) = tasks.push(t, GFP_KERNEL_ACCOUNT) {
                    failed = Err(e.into());
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            })?
            .ok_or(ENOENT)?;
        failed?;
        tasks.sort_unstable_by_key(|t| (t.tgid, t.tid));
        // A walk may give a task twice (its cursor moved).
        dedup_sorted(&mut tasks, |t| (t.tgid, t.tid));
        Ok(tasks)
    }

    /// The view of an unprivileged reader, built from its own task walk
    /// only: the chains of the tasks it may trace, read from their
    /// credentials.  Every domain such a chain holds below the reader's
    /// domains passes both rules (the task is below each of them), and
    /// no other domain can: nothing is read of domains the reader may not
    /// see, so the cost (one walk of the reader's PID namespace, one ptrace
    /// check per sandboxed task below the reader's domains) and the memory
    /// (charged to the reader) do not depend on them.
    fn snapshot_from_tasks(&self, ids: &IdPermutation) -> Result<Snapshot> {
        // Distinct chains of traceable tasks (consecutive tasks mostly
        // share one), and the traceable tasks.
        let mut chains: KVVec<glue::Chain> = KVVec::new();
        let mut tasks = KVVec::new();
        let mut failed = None;
        // Rule 1 on a chain: each reader domain is a strict ancestor of its
        // last layer.
        let below = |c: &glue::Chain| {
            self.domains.iter().all(|r| {
                r.counter == 0
                    || (c.depth > r.depth
                        && usize::from(r.depth) <= MAX_LAYERS
                        && c.counters[usize::from(r.depth) - 1] == r.counter)
            })
        };
        // Per task, in this order: a counter comparison (a domain below
        // the reader's was created after it), the ptrace check, and only
        // for a task the reader may trace, its chain (what the reader will
        // see).  The cost of a task the reader may not see is the same
        // whatever its domain and however deep its chain.
        self.scan_tasks(
            self.ns,
            false,
            |domain, _| self.may_be_below(domain),
            |t, task| {
                if !self.may_trace(task) {
                    return ControlFlow::Continue(());
                }
                let chain = glue::task_layers(task);
                if chain.depth == 0 || !below(&chain) {
                    return ControlFlow::Continue(());
                }
                let counter = chain.counters[usize::from(chain.depth) - 1];
                let task = TaskInfo {
                    domain: counter,
                    traceable: true,
                    ..*t
                };
                let new_chain = chains
                    .last()
                    .is_none_or(|c| c.counters[usize::from(c.depth) - 1] != counter);
                let pushed = tasks.push(task, GFP_KERNEL_ACCOUNT).and_then(|()| {
                    if new_chain {
                        chains.push(chain, GFP_KERNEL_ACCOUNT)
                    } else {
                        Ok(())
                    }
                });
                if let Err(e) = pushed {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            },
        )?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        // Every layer below the reader's domains, once: (counter, chain,
        // absolute depth), sorted by counter.
        let top = self
            .domains
            .iter()
            .map(|r| usize::from(r.depth))
            .max()
            .unwrap_or(0);
        let mut layers: KVVec<(u64, usize, usize)> = KVVec::new();
        for (ci, c) in chains.iter().enumerate() {
            for k in (top + 1)..=usize::from(c.depth) {
                layers.push((c.counters[k - 1], ci, k), GFP_KERNEL_ACCOUNT)?;
            }
        }
        layers.sort_unstable_by_key(|l| l.0);
        dedup_sorted(&mut layers, |l| l.0);
        let mut shown = KVVec::with_capacity(layers.len(), GFP_KERNEL_ACCOUNT)?;
        for &(_, ci, k) in layers.iter() {
            shown.push(Shown::of(&chains[ci].info(k), ids), GFP_KERNEL_ACCOUNT)?;
        }
        tasks.sort_unstable_by_key(|t| (t.tgid, t.tid));
        Ok(Snapshot { shown, tasks })
    }
}

/// Removes the consecutive elements of `v` whose key repeats the previous
/// one's (on a vector sorted by that key: the duplicates).
fn dedup_sorted<T, K: Copy + PartialEq>(v: &mut KVVec<T>, key: impl Fn(&T) -> K) {
    let mut last = None;
    v.retain(|x| {
        let k = key(x);
        let keep = last != Some(k);
        last = Some(k);
        keep
    });
}

/// The index of the domain of `counter` in a registry copy.
fn index_of(infos: &[Info], counter: u64) -> Option<usize> {
    infos.binary_search_by_key(&counter, |i| i.counter()).ok()
}

/// Per-domain marks of a task walk, indexed like the registry copy.
///
/// Temporary, and proportional to all live domains, not to what the reader
/// sees: allocated without `__GFP_ACCOUNT`, so that the reader's memory
/// cgroup does not count the domains it may not see.
struct Marks {
    /// A task the reader may trace is in the domain or below it.
    traceable: KVVec<bool>,
    /// A task (any) is in the domain or below it.
    occupied: KVVec<bool>,
}

impl Marks {
    fn new(len: usize) -> Result<Self> {
        let mut m = Self {
            traceable: KVVec::with_capacity(len, GFP_KERNEL)?,
            occupied: KVVec::with_capacity(len, GFP_KERNEL)?,
        };
        for _ in 0..len {
            m.traceable.push(false, GFP_KERNEL)?;
            m.occupied.push(false, GFP_KERNEL)?;
        }
        Ok(m)
    }

    /// Marks the domain at `i` and its ancestors, stopping at the first
    /// one already marked (its ancestors are, too).  An ancestor missing
    /// from the copy (the registry is copied one bucket at a time, so a
    /// domain created meanwhile may be missing while its child is there) is
    /// skipped, not taken as the end of the chain.
    fn mark(&mut self, infos: &[Info], i: usize, traceable: bool) {
        let info = &infos[i];
        for &a in info.ancestors[..usize::from(info.depth)].iter().rev() {
            let Some(j) = index_of(infos, a) else {
                continue;
            };
            let done = self.occupied[j] && (!traceable || self.traceable[j]);
            self.occupied[j] = true;
            self.traceable[j] |= traceable;
            if done {
                break;
            }
        }
    }

    /// Marks the deepest domain of a task's chain that the copy has (the
    /// task's own domain was created after the copy was taken).
    fn mark_chain(&mut self, infos: &[Info], task: &Task, traceable: bool) {
        let (chain, depth) = glue::task_chain(task);
        let depth = usize::from(depth).min(MAX_LAYERS);
        if let Some(i) = chain[..depth]
            .iter()
            .rev()
            .find_map(|&c| index_of(infos, c))
        {
            self.mark(infos, i, traceable);
        }
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

/// A domain a reader sees, as [`Reader::sees`] found it.
#[derive(Clone, Copy)]
pub(crate) struct Seen {
    /// The registry entry (copied).
    pub(crate) info: Info,
    /// Whether rule 2 passed through a task the reader may trace (in the
    /// domain or below it), rather than through an empty subtree (for a
    /// privileged reader).  That task is below every ancestor too, so
    /// then each ancestor passes rule 2 as well, and needs only rule 1.
    pub(crate) by_task: bool,
}

/// A visible domain in a snapshot.
#[derive(Clone, Copy)]
pub(crate) struct Shown {
    /// The registry entry (copied).
    pub(crate) info: Info,
    /// The domain's ID.
    pub(crate) id: u64,
}

/// What one reader sees at one moment.
pub(crate) struct Snapshot {
    /// The visible domains, sorted by counter.
    pub(crate) shown: KVVec<Shown>,
    /// Visible tasks in visible domains, sorted by TGID then TID.
    pub(crate) tasks: KVVec<TaskInfo>,
}

impl Shown {
    fn of(info: &Info, ids: &IdPermutation) -> Self {
        Self {
            info: *info,
            id: ids.id(info.counter()),
        }
    }
}

impl Snapshot {
    /// Rules 1 and 2 applied to the marks of a task walk.  Pure, so KUnit
    /// can check the policy.
    fn new(
        infos: KVVec<Info>,
        marks: &Marks,
        domains: [Dom; 2],
        privileged: bool,
        ids: &IdPermutation,
    ) -> Result<Self> {
        let mut shown = KVVec::new();
        for (i, info) in infos.iter().enumerate() {
            // A domain with an ancestor missing from the copy (made one
            // bucket at a time) was freed during it (a chain is freed child
            // first) or created during it: left out either way, so that the
            // view is closed under "parent of" and no depth is cut short.
            let own = usize::from(info.depth).saturating_sub(1);
            let complete = info.ancestors[..own.min(MAX_LAYERS)]
                .iter()
                .all(|&a| index_of(&infos, a).is_some());
            let rule2 = marks.traceable[i] || (privileged && !marks.occupied[i]);
            if complete && rule2 && domains.iter().all(|r| r.is_strictly_above(info)) {
                shown.push(Shown::of(info, ids), GFP_KERNEL_ACCOUNT)?;
            }
        }
        Ok(Self {
            shown,
            tasks: KVVec::new(),
        })
    }

    /// A view in which all of `infos` (a domain and its visible
    /// ancestors, in any order) are shown, without tasks.
    pub(crate) fn from_infos(infos: KVVec<Info>) -> Result<Self> {
        let ids = TREE_IDS.get_or_draw()?;
        let mut shown = KVVec::with_capacity(infos.len(), GFP_KERNEL_ACCOUNT)?;
        for info in infos.iter() {
            shown.push(Shown::of(info, &ids), GFP_KERNEL_ACCOUNT)?;
        }
        shown.sort_unstable_by_key(|s| s.info.counter());
        Ok(Self {
            shown,
            tasks: KVVec::new(),
        })
    }

    /// The index of the visible domain of `counter`.
    pub(crate) fn position(&self, counter: u64) -> Option<usize> {
        self.shown
            .binary_search_by_key(&counter, |s| s.info.counter())
            .ok()
    }

    /// The visible parent of a visible domain, if its parent is visible.
    pub(crate) fn parent(&self, s: &Shown) -> Option<&Shown> {
        if s.info.parent == 0 {
            return None;
        }
        self.position(s.info.parent).map(|i| &self.shown[i])
    }

    /// The depth relative to the reader: the unbroken chain of visible
    /// domains from `s` upwards (for KUnit tests: the files use `View`'s).
    #[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
    pub(crate) fn depth(&self, s: &Shown) -> u8 {
        let mut depth = 1;
        let mut at = *s;
        while let Some(p) = self.parent(&at) {
            depth += 1;
            at = *p;
            if usize::from(depth) > MAX_LAYERS {
                break;
            }
        }
        depth
    }

    /// The visible domains' indices, sorted by ID (never by counter,
    /// which is creation order).
    pub(crate) fn by_id(&self) -> Result<KVVec<usize>> {
        let mut order = KVVec::with_capacity(self.shown.len(), GFP_KERNEL_ACCOUNT)?;
        for i in 0..self.shown.len() {
            order.push(i, GFP_KERNEL_ACCOUNT)?;
        }
        order.sort_unstable_by_key(|&i| self.shown[i].id);
        Ok(order)
    }
}

/// The registry, for readers: `None` if the tree failed to initialize.
pub(crate) fn registry() -> Option<&'static Registry> {
    registry::global()
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_view)]
mod tests {
    use super::*;
    use crate::registry::testing::infos_of;

    /// Any fixed key: these tests check which domains are shown, not IDs.
    const TEST_IDS: IdPermutation = IdPermutation::new(1, 2);

    // A (root) -> B -> C, A -> D, and another root E.
    const A: u64 = 1 << 60;
    const B: u64 = A + 1;
    const C: u64 = A + 2;
    const D: u64 = A + 3;
    const E: u64 = A + 4;
    const TREE: &[(u64, u64)] = &[(A, 0), (B, A), (C, B), (D, A), (E, 0)];

    /// The registry copy of `TREE` and the marks of a task walk over
    /// `tasks` (domain, traceable), as `Reader::snapshot` makes them.
    fn walk(tasks: &[(u64, bool)]) -> Result<(KVVec<Info>, Marks)> {
        let infos = infos_of(TREE)?;
        let mut marks = Marks::new(infos.len())?;
        for &(d, traceable) in tasks {
            let i = index_of(&infos, d).ok_or(EINVAL)?;
            marks.mark(&infos, i, traceable);
        }
        Ok((infos, marks))
    }

    /// What a reader in `domains` sees after a walk over `tasks`.
    fn visible(tasks: &[(u64, bool)], domains: [u64; 2], privileged: bool) -> KVVec<u64> {
        let out = (|| -> Result<KVVec<u64>> {
            let (infos, marks) = walk(tasks)?;
            let doms = [dom(&infos, domains[0]), dom(&infos, domains[1])];
            let s = Snapshot::new(infos, &marks, doms, privileged, &TEST_IDS)?;
            let mut v = KVVec::new();
            for x in s.shown.iter() {
                v.push(x.info.counter(), GFP_KERNEL)?;
            }
            Ok(v)
        })();
        assert!(out.is_ok());
        out.unwrap_or_default()
    }

    fn dom(infos: &[Info], counter: u64) -> Dom {
        infos
            .iter()
            .find(|i| i.counter() == counter)
            .map_or(Dom::default(), |i| Dom {
                counter,
                depth: i.depth,
            })
    }

    #[test]
    fn traceable_task_shows_its_domain_and_ancestors() {
        let v = visible(&[(C, true)], [0, 0], false);
        assert_eq!(&v[..], &[A, B, C]);
    }

    #[test]
    fn untraceable_task_hides_its_domains_even_from_privileged_readers() {
        let v = visible(&[(C, false)], [0, 0], false);
        assert!(v.is_empty());
        // A privileged reader sees the empty D and E, but neither A, B nor
        // C, which a task it may not trace occupies: A stays hidden although
        // its child D is shown (D's parent is then empty).
        let v = visible(&[(C, false)], [0, 0], true);
        assert_eq!(&v[..], &[D, E]);
    }

    #[test]
    fn privilege_adds_only_empty_domains() {
        let v = visible(&[(C, true)], [0, 0], true);
        assert_eq!(&v[..], &[A, B, C, D, E]);
        let v = visible(&[(C, true)], [0, 0], false);
        assert_eq!(&v[..], &[A, B, C]);
        // A task in another PID namespace (not traceable, walked only for
        // occupancy) makes E non-empty.
        let v = visible(&[(C, true), (E, false)], [0, 0], true);
        assert_eq!(&v[..], &[A, B, C, D]);
    }

    #[test]
    fn sandboxed_reader_sees_only_strict_descendants() {
        // A reader in A: B, C and the empty D, never A itself, nor E.
        let v = visible(&[(C, true), (A, true), (E, true)], [A, 0], true);
        assert_eq!(&v[..], &[B, C, D]);
        // A reader in B sees C only: not its parent, sibling or itself.
        let v = visible(&[(C, true), (D, true), (B, true)], [B, 0], true);
        assert_eq!(&v[..], &[C]);
        // A reader in C (a leaf) sees nothing.
        let v = visible(&[(C, true)], [C, 0], true);
        assert!(v.is_empty());
    }

    #[test]
    fn both_domains_of_a_file_reader_must_pass() {
        // Opened unsandboxed, read from B: only what is below B.
        let v = visible(&[(C, true), (D, true)], [0, B], false);
        assert_eq!(&v[..], &[C]);
    }

    #[test]
    fn rule_one_is_a_constant_time_ancestor_check() -> Result {
        let infos = infos_of(TREE)?;
        let c = infos.iter().find(|i| i.counter() == C).ok_or(EINVAL)?;
        let d = infos.iter().find(|i| i.counter() == D).ok_or(EINVAL)?;
        assert!(dom(&infos, 0).is_strictly_above(c));
        assert!(dom(&infos, A).is_strictly_above(c));
        assert!(dom(&infos, B).is_strictly_above(c));
        assert!(!dom(&infos, C).is_strictly_above(c));
        assert!(!dom(&infos, B).is_strictly_above(d));
        assert!(!dom(&infos, E).is_strictly_above(c));
        Ok(())
    }

    #[test]
    fn marking_stops_at_marked_ancestors_but_stays_complete() -> Result {
        // A traceable task in D must still mark A traceable, although an
        // untraceable task in C marked A occupied first.
        let (infos, marks) = walk(&[(C, false), (D, true)])?;
        let di = index_of(&infos, D).ok_or(EINVAL)?;
        let ai = index_of(&infos, A).ok_or(EINVAL)?;
        let bi = index_of(&infos, B).ok_or(EINVAL)?;
        assert!(marks.traceable[ai] && marks.traceable[di]);
        assert!(!marks.traceable[bi] && marks.occupied[bi]);
        Ok(())
    }

    #[test]
    fn a_missing_ancestor_does_not_stop_marking() -> Result {
        // The copy may lack a domain created while it was taken (B) and
        // hold its child (C): C's task still marks A.
        let mut infos = infos_of(TREE)?;
        infos.retain(|i| i.counter() != B);
        let mut marks = Marks::new(infos.len())?;
        let ci = index_of(&infos, C).ok_or(EINVAL)?;
        marks.mark(&infos, ci, true);
        let ai = index_of(&infos, A).ok_or(EINVAL)?;
        assert!(marks.traceable[ai] && marks.occupied[ai]);
        Ok(())
    }

    #[test]
    fn a_domain_whose_ancestor_left_the_copy_is_not_shown() -> Result {
        // B and its child C are in the copy's order of buckets around a
        // free of their chain (C first, then B): the copy holds C but not
        // B.  C, whose chain is cut, is not shown, not even to a privileged
        // reader; A still is.
        let mut infos = infos_of(TREE)?;
        infos.retain(|i| i.counter() != B);
        let mut marks = Marks::new(infos.len())?;
        let ci = index_of(&infos, C).ok_or(EINVAL)?;
        marks.mark(&infos, ci, true);
        let s = Snapshot::new(infos, &marks, [Dom::default(); 2], true, &TEST_IDS)?;
        assert!(s.position(C).is_none());
        assert!(s.position(A).is_some());
        Ok(())
    }

    #[test]
    fn relative_depth_and_parent_follow_the_visible_chain() -> Result {
        let (infos, marks) = walk(&[(C, false)])?;
        let s = Snapshot::new(infos, &marks, [Dom::default(); 2], true, &TEST_IDS)?;
        let d = s.shown[s.position(D).ok_or(EINVAL)?];
        assert!(s.parent(&d).is_none());
        assert_eq!(s.depth(&d), 1);
        Ok(())
    }
}
