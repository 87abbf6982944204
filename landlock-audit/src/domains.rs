//! [`Domains`]: a snapshot of the tree with its queries.

use std::collections::BTreeMap;
use std::path::Path;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::index::IdIndex;
use crate::parse::TaskLine;
use crate::procfs::{self, Process};
use crate::source::{RealFs, Source};
use crate::types::{AuditId, Domain, DomainId, HandledAccess, Task};
use crate::walk;
use crate::Result;

/// Where the kernel mounts the tree.
pub const DEFAULT_ROOT: &str = "/sys/kernel/security/landlock";

const NONE: u32 = u32::MAX;

/// A snapshot of the Landlock domains the caller may see.
///
/// ```no_run
/// use landlock_audit::Domains;
///
/// let domains = Domains::read()?;
/// for d in domains.roots() {
///     println!("{} has {} sub-domains", d.id, domains.descendants(d.id).count());
/// }
/// let cov = domains.coverage("/proc")?;
/// println!("{} of {} processes sandboxed", cov.sandboxed, cov.total);
/// # Ok::<(), landlock_audit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Domains {
    version: u32,
    abi_version: u32,
    /// Sorted by ID.
    domains: Vec<Domain>,
    index: IdIndex,
    /// Position of each domain's parent, or `NONE`.
    parents: Vec<u32>,
    /// `children[child_start[i]..child_start[i + 1]]`: positions of the
    /// children of domain `i`, ascending (so sorted by ID).
    children: Vec<u32>,
    child_start: Vec<u32>,
    roots: Vec<u32>,
    /// The top-level `tasks` file, sorted by (TGID, TID).
    tasks: Vec<(Task, u32)>,
    /// `(tid, position in tasks)`, sorted by TID.
    by_tid: Vec<(u32, u32)>,
}

/// How many processes of a `/proc` run in visible domains, and under which
/// protection: the figure a fleet owner exports.
///
/// Every process of `/proc` is counted once in `total` and falls in exactly
/// one of `kernel_threads`, `unknown`, `sandboxed`, `mixed` or
/// [`unconfined()`](Self::unconfined).  Ratios are taken over the processes
/// the reader can judge ([`judged()`](Self::judged)): kernel threads cannot
/// be sandboxed, and the tree hides the tasks of processes the reader may
/// not inspect, so counting either as unconfined would skew the figure.
///
/// ```
/// use landlock_audit::Coverage;
///
/// let c = Coverage { total: 32, kernel_threads: 22, unknown: 0, sandboxed: 3, mixed: 0,
///                    handles_fs: 3, handles_net: 1, handles_scope: 0 };
/// assert_eq!(c.judged(), 10);
/// assert_eq!(c.unconfined(), 7);
/// assert_eq!(c.ratio(), 0.3);
/// assert_eq!(c.net_ratio(), 0.1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Coverage {
    /// Processes: the numeric entries of `/proc` that still existed when
    /// they were read, kernel threads and unknown processes included.
    pub total: u64,
    /// Kernel threads (`PF_KTHREAD` in `/proc/<pid>/stat`): not judged.
    pub kernel_threads: u64,
    /// Processes the reader may not inspect (`readlink("/proc/<pid>/exe")`
    /// or `stat` fails with `EACCES`: another user's process for an
    /// unprivileged reader) and of which the tree lists no thread: they may
    /// or may not be sandboxed.  Not judged.
    pub unknown: u64,
    /// Processes all of whose threads run in visible domains.
    pub sandboxed: u64,
    /// Processes only some of whose threads run in visible domains.
    pub mixed: u64,
    /// Sandboxed processes each of whose threads runs under a domain chain
    /// (its domain and the visible ancestors) that handles at least one
    /// filesystem right.
    pub handles_fs: u64,
    /// Likewise for network rights.
    pub handles_net: u64,
    /// Likewise for IPC scopes.
    pub handles_scope: u64,
}

impl Coverage {
    /// The processes the reader can judge: `total - kernel_threads -
    /// unknown` (saturating: never underflows, even for inconsistent
    /// values).
    pub fn judged(&self) -> u64 {
        self.total
            .saturating_sub(self.kernel_threads)
            .saturating_sub(self.unknown)
    }

    /// Judged processes none of whose threads runs in a visible domain
    /// (saturating).
    pub fn unconfined(&self) -> u64 {
        self.judged()
            .saturating_sub(self.sandboxed)
            .saturating_sub(self.mixed)
    }

    fn share(&self, n: u64) -> f64 {
        let judged = self.judged();
        if judged == 0 {
            0.0
        } else {
            (n as f64 / judged as f64).min(1.0)
        }
    }

    /// `sandboxed / judged()`, in `[0, 1]`; 0 when no process is judged.
    pub fn ratio(&self) -> f64 {
        self.share(self.sandboxed)
    }

    /// `handles_fs / judged()`, in `[0, 1]`; 0 when no process is judged.
    pub fn fs_ratio(&self) -> f64 {
        self.share(self.handles_fs)
    }

    /// `handles_net / judged()`, in `[0, 1]`; 0 when no process is judged.
    pub fn net_ratio(&self) -> f64 {
        self.share(self.handles_net)
    }

    /// `handles_scope / judged()`, in `[0, 1]`; 0 when no process is judged.
    pub fn scope_ratio(&self) -> f64 {
        self.share(self.handles_scope)
    }
}

impl Domains {
    /// Reads the tree at [`DEFAULT_ROOT`].
    ///
    /// # Errors
    ///
    /// As [`read_from`](Self::read_from).
    pub fn read() -> Result<Self> {
        Self::read_from(DEFAULT_ROOT)
    }

    /// Reads the tree at `root`.
    ///
    /// When `<root>/snapshot` exists, it is read alone (to its end: it is
    /// one consistent snapshot taken at `open()`), and no race rule applies:
    /// a parent missing from it, or any other inconsistency, is an error.
    /// When it does not exist (`ENOENT`: a kernel without it), the tree is
    /// read domain by domain, and the snapshot resolves races so: a domain
    /// whose directory vanishes (`ENOENT`) is dropped; a file missing from a
    /// domain directory that still exists is read again once, then an error
    /// (that is no race); a line of the top-level `tasks` file naming a
    /// domain absent from the snapshot is dropped; a domain whose parent is
    /// absent from the snapshot makes the whole tree be read again, up to
    /// [`ORPHAN_ATTEMPTS`](crate::ORPHAN_ATTEMPTS) times in all, after which
    /// such orphans (and their descendants) are dropped.  An unreadable
    /// `creator` file (`EACCES`/`EPERM`) gives `creator: None`; a missing
    /// `denials` file (`ENOENT`: a kernel older than it) gives
    /// `denials: None`, and so does a domain block of `snapshot` without a
    /// `denials` line.
    ///
    /// Files are read defensively (see [`crate::source`]): only regular
    /// files, no symbolic links, at most a documented size each.
    ///
    /// # Errors
    ///
    /// * [`Error::SecurityfsNotMounted`](crate::Error::SecurityfsNotMounted),
    ///   [`Error::LandlockDisabled`](crate::Error::LandlockDisabled) or
    ///   [`Error::FeatureAbsent`](crate::Error::FeatureAbsent) when `root`
    ///   does not exist (told apart with the `lsm` file beside `root`; no
    ///   `lsm`, or no directory beside `root` at all, is
    ///   `SecurityfsNotMounted`);
    /// * [`Error::PermissionDenied`](crate::Error::PermissionDenied);
    /// * [`Error::UnsupportedVersion`](crate::Error::UnsupportedVersion);
    /// * [`Error::Malformed`](crate::Error::Malformed) for anything no race
    ///   explains: a malformed line, an entry of `domains/` that is not an
    ///   ID, a duplicate `creator` key, a depth that disagrees with the
    ///   parent chain or exceeds [`MAX_DEPTH`](crate::MAX_DEPTH), a parent
    ///   cycle, a file missing from an existing domain directory, and a file
    ///   the [`Source`] refuses (not a regular file, a symbolic link, larger
    ///   than its cap), with line 0;
    /// * [`Error::Io`](crate::Error::Io) otherwise.
    pub fn read_from(root: impl AsRef<Path>) -> Result<Self> {
        Self::read_with(RealFs, root)
    }

    /// Reads the tree at `root` through `src` (pre-opened descriptors, an
    /// archive, a stored snapshot…), exactly as [`read_from`](Self::read_from)
    /// reads the filesystem.
    ///
    /// # Errors
    ///
    /// As [`read_from`](Self::read_from).
    pub fn read_with<S: Source>(src: S, root: impl AsRef<Path>) -> Result<Self> {
        let tree = walk::read_tree(&src, root.as_ref())?;
        Ok(Self::build(
            tree.version,
            tree.abi_version,
            tree.domains,
            tree.tasks,
        ))
    }

    /// A snapshot of domains built in memory rather than read from a tree
    /// (e.g. from a model, or a tree read by other means), with the task
    /// index built from each domain's `tasks`.
    ///
    /// The domains may come in any order and are checked as a tree's would
    /// be, with paths relative to the tree's root in errors.
    ///
    /// ```
    /// use landlock_audit::{Domain, DomainId, Domains, HandledAccess};
    ///
    /// let d = |id: u64, parent: Option<u64>, depth: u32| Domain {
    ///     id: DomainId::new(id).unwrap(),
    ///     parent: parent.and_then(DomainId::new),
    ///     depth,
    ///     access: HandledAccess::default(),
    ///     tasks: vec![],
    ///     creator: None,
    ///     denials: None,
    /// };
    /// let s = Domains::from_domains(7, vec![d(0xb000000000000000, Some(0xa000000000000000), 2), d(0xa000000000000000, None, 1)])?;
    /// assert_eq!(s.roots().next().map(|r| r.id), DomainId::new(0xa000000000000000));
    /// assert!(Domains::from_domains(7, vec![d(0xb000000000000000, Some(0xc000000000000000), 2)]).is_err());
    /// # Ok::<(), landlock_audit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`](crate::Error::Malformed) for a duplicate ID, a
    /// parent that is not among the domains, a parent cycle, a depth that
    /// disagrees with the parent chain or exceeds 16.
    ///
    /// Each domain's `tasks` are sorted and deduplicated; a task listed by
    /// several domains is found by [`domain_of_task`](Self::domain_of_task)
    /// in the one with the smallest ID.
    pub fn from_domains(
        abi_version: u32,
        domains: impl IntoIterator<Item = Domain>,
    ) -> Result<Self> {
        let mut domains: Vec<Domain> = domains.into_iter().collect();
        domains.sort_unstable_by_key(|d| d.id);
        let root = Path::new("");
        let dir = |id: DomainId| root.join("domains").join(id.to_string());
        if let Some(w) = domains.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(crate::Error::Malformed {
                path: dir(w[0].id),
                line: 0,
                reason: "duplicate domain".into(),
            });
        }
        for d in &mut domains {
            d.tasks.sort_unstable();
            d.tasks.dedup();
        }
        for d in &domains {
            if let Some(p) = d.parent {
                if domains.binary_search_by_key(&p, |x| x.id).is_err() {
                    return Err(crate::Error::Malformed {
                        path: dir(d.id).join("parent"),
                        line: 1,
                        reason: format!("parent {p} is not among the domains"),
                    });
                }
            }
        }
        walk::check_structure(&domains, |id, f| walk::domain_file(root, id, f))?;
        let mut lines: Vec<TaskLine> = domains
            .iter()
            .flat_map(|d| d.tasks.iter().map(|&task| TaskLine { task, domain: d.id }))
            .collect();
        lines.sort_unstable();
        // A task listed by several domains (the per-domain files of a tree
        // read while it called landlock_restrict_self()) is indexed under the
        // smallest ID.
        lines.dedup_by_key(|l| l.task);
        Ok(Self::build(
            walk::SUPPORTED_VERSION,
            abi_version,
            domains,
            lines,
        ))
    }

    /// Builds the snapshot from validated parts: `domains` sorted by ID with
    /// every parent present, `tasks` sorted and naming present domains.
    fn build(version: u32, abi_version: u32, domains: Vec<Domain>, lines: Vec<TaskLine>) -> Self {
        let index = IdIndex::new(domains.iter().map(|d| d.id.get()));
        let pos = |id: DomainId| index.get(id.get()).map(|p| p as u32);
        let parents: Vec<u32> = domains
            .iter()
            .map(|d| d.parent.and_then(pos).unwrap_or(NONE))
            .collect();
        let n = domains.len();
        let mut counts = vec![0u32; n + 1];
        for &p in &parents {
            if p != NONE {
                counts[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let child_start = counts.clone();
        let mut fill = counts;
        let mut children = vec![0u32; child_start[n] as usize];
        let mut roots = Vec::new();
        // Ascending positions, so each child list comes out sorted by ID.
        for (i, &p) in parents.iter().enumerate() {
            if p == NONE {
                roots.push(i as u32);
            } else {
                let slot = &mut fill[p as usize];
                children[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        let tasks: Vec<(Task, u32)> = lines
            .iter()
            .filter_map(|l| pos(l.domain).map(|p| (l.task, p)))
            .collect();
        let mut by_tid: Vec<(u32, u32)> = tasks
            .iter()
            .enumerate()
            .map(|(i, (t, _))| (t.tid, i as u32))
            .collect();
        by_tid.sort_unstable();
        Self {
            version,
            abi_version,
            domains,
            index,
            parents,
            children,
            child_start,
            roots,
            tasks,
            by_tid,
        }
    }

    /// The tree's format version (`version`).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Landlock's ABI version (`abi_version`).
    pub fn abi_version(&self) -> u32 {
        self.abi_version
    }

    #[inline]
    fn position(&self, id: DomainId) -> Option<usize> {
        self.index.get(id.get())
    }

    /// The domain with this ID.
    #[inline]
    pub fn get(&self, id: DomainId) -> Option<&Domain> {
        self.position(id).map(|p| &self.domains[p])
    }

    /// Every domain, sorted by ID.
    pub fn iter(&self) -> std::slice::Iter<'_, Domain> {
        self.domains.iter()
    }

    /// How many domains the snapshot holds.
    pub fn len(&self) -> usize {
        self.domains.len()
    }

    /// Whether the snapshot holds no domain.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// The domains without a visible parent, sorted by ID.
    pub fn roots(&self) -> impl DoubleEndedIterator<Item = &Domain> + ExactSizeIterator + '_ {
        self.roots.iter().map(|&p| &self.domains[p as usize])
    }

    fn children_pos(&self, p: usize) -> &[u32] {
        &self.children[self.child_start[p] as usize..self.child_start[p + 1] as usize]
    }

    /// The direct children of a domain, sorted by ID (none for an unknown
    /// ID).
    pub fn children(
        &self,
        id: DomainId,
    ) -> impl DoubleEndedIterator<Item = &Domain> + ExactSizeIterator + '_ {
        let kids = self.position(id).map_or(&[][..], |p| self.children_pos(p));
        kids.iter().map(|&c| &self.domains[c as usize])
    }

    /// The visible ancestors of a domain, nearest first (none for an unknown
    /// ID).
    pub fn ancestors(&self, id: DomainId) -> impl Iterator<Item = &Domain> + '_ {
        let mut cur = self.position(id).map_or(NONE, |p| self.parents[p]);
        std::iter::from_fn(move || {
            if cur == NONE {
                return None;
            }
            let d = &self.domains[cur as usize];
            cur = self.parents[cur as usize];
            Some(d)
        })
    }

    /// The domains nested below a domain, depth-first with children in ID
    /// order, without the domain itself (none for an unknown ID).
    pub fn descendants(&self, id: DomainId) -> impl Iterator<Item = &Domain> + '_ {
        let mut stack: Vec<u32> = Vec::new();
        if let Some(p) = self.position(id) {
            stack.extend(self.children_pos(p).iter().rev());
        }
        std::iter::from_fn(move || {
            let p = stack.pop()? as usize;
            stack.extend(self.children_pos(p).iter().rev());
            Some(&self.domains[p])
        })
    }

    /// The tasks of the top-level `tasks` file with their domains, sorted by
    /// TGID then TID.
    pub fn tasks(&self) -> impl ExactSizeIterator<Item = (Task, &Domain)> + '_ {
        self.tasks
            .iter()
            .map(|&(t, p)| (t, &self.domains[p as usize]))
    }

    /// The domain a thread runs in, if the tree lists it.
    pub fn domain_of_task(&self, tid: u32) -> Option<&Domain> {
        self.task_position(tid).map(|p| &self.domains[p])
    }

    fn task_position(&self, tid: u32) -> Option<usize> {
        let i = self.by_tid.binary_search_by_key(&tid, |&(t, _)| t).ok()?;
        let (_, ti) = self.by_tid[i];
        Some(self.tasks[ti as usize].1 as usize)
    }

    /// The domains of a process's threads that the tree lists: none, one,
    /// or several (when its threads run in different domains), sorted by ID.
    pub fn domains_of_process(&self, tgid: u32) -> Vec<&Domain> {
        let start = self.tasks.partition_point(|(t, _)| t.tgid < tgid);
        let mut pos: Vec<u32> = self.tasks[start..]
            .iter()
            .take_while(|(t, _)| t.tgid == tgid)
            .map(|&(_, p)| p)
            .collect();
        pos.sort_unstable();
        pos.dedup();
        pos.into_iter().map(|p| &self.domains[p as usize]).collect()
    }

    /// The domain whose audit ID (upstream Landlock's ID of it, as audit
    /// records and tracepoints print it: `domain=1a2b3c4d5`) is
    /// `audit_id`, found by reading `<root>/domains/<id>/audit_id` of the
    /// domains of this snapshot, in ID order, until one matches.  `root`
    /// is the tree this snapshot was read from; a domain created since is
    /// not looked at (read a new snapshot first).  A domain that vanished
    /// meanwhile is skipped.
    ///
    /// Reading `audit_id` needs `CAP_AUDIT_READ` in the initial user
    /// namespace: audit IDs are monotonic, so they reveal the creation
    /// order that the tree's IDs hide.  See [`crate::audit_id`].
    ///
    /// ```no_run
    /// use landlock_audit::{AuditId, Domains, Error, DEFAULT_ROOT};
    ///
    /// // From an audit record: `type=LANDLOCK_ACCESS ... domain=1a2b3c4d5 blockers=...`.
    /// let wanted: AuditId = "domain=1a2b3c4d5".parse()?;
    /// let domains = Domains::read()?;
    /// match domains.find_by_audit_id(DEFAULT_ROOT, wanted) {
    ///     Ok(d) => println!("{d}"),
    ///     Err(Error::AuditIdNotFound { .. }) => println!("gone, or not visible to me"),
    ///     Err(Error::AuditIdPermissionDenied { .. }) => println!("needs CAP_AUDIT_READ"),
    ///     Err(Error::AuditIdUnsupported { .. }) => println!("kernel without audit_id files"),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Costs one `open()` and `read()` per domain looked at (at most
    /// [`len()`](Self::len)).
    ///
    /// # Errors
    ///
    /// * [`Error::AuditIdNotFound`](crate::Error::AuditIdNotFound) when no
    ///   domain of the snapshot has it (also when the snapshot is empty);
    /// * [`Error::AuditIdPermissionDenied`](crate::Error::AuditIdPermissionDenied)
    ///   at the first `audit_id` whose opening fails with `EACCES` or
    ///   `EPERM`;
    /// * [`Error::AuditIdUnsupported`](crate::Error::AuditIdUnsupported) when
    ///   the first domain read has a directory but no `audit_id` file (read
    ///   twice): a kernel older than the file;
    /// * [`Error::Malformed`](crate::Error::Malformed) for an `audit_id`
    ///   that is not one ([`parse::audit_id`](crate::parse::audit_id)), a
    ///   file the [`Source`] refuses, or a file missing from one domain
    ///   directory after others had one;
    /// * [`Error::Io`](crate::Error::Io) otherwise.
    pub fn find_by_audit_id(&self, root: impl AsRef<Path>, audit_id: AuditId) -> Result<&Domain> {
        self.find_by_audit_id_with(RealFs, root, audit_id)
    }

    /// [`find_by_audit_id`](Self::find_by_audit_id) reading through `src`.
    ///
    /// # Errors
    ///
    /// As [`find_by_audit_id`](Self::find_by_audit_id).
    pub fn find_by_audit_id_with<S: Source>(
        &self,
        src: S,
        root: impl AsRef<Path>,
        audit_id: AuditId,
    ) -> Result<&Domain> {
        crate::audit_id::find(&src, root.as_ref(), self.iter(), audit_id)
    }

    /// The [`Coverage`] of the processes of `proc_root`: every numeric entry
    /// is a process; kernel threads and processes the reader may not
    /// inspect are counted apart; a process is sandboxed when all its
    /// threads (`<proc_root>/<pid>/task/*`) run in visible domains, mixed
    /// when only some do; the `handles_*` counts say which access classes
    /// the domain chains of sandboxed processes handle.
    ///
    /// The reader's own process (`<proc_root>/self`) is left out: it would
    /// otherwise count itself, as unconfined, in every run.
    ///
    /// `proc_root` must show the PID namespace the tree was read from.  For
    /// a sandboxed reader the figure is relative to its view: processes of
    /// its own domain (which it cannot see) count as unconfined.
    ///
    /// # Errors
    ///
    /// When `proc_root` cannot be listed; see [`procfs::processes`].
    pub fn coverage(&self, proc_root: impl AsRef<Path>) -> Result<Coverage> {
        self.coverage_with(RealFs, proc_root)
    }

    /// [`coverage`](Self::coverage) reading `/proc` through `src`.
    ///
    /// # Errors
    ///
    /// As [`coverage`](Self::coverage).
    pub fn coverage_with<S: Source>(
        &self,
        src: S,
        proc_root: impl AsRef<Path>,
    ) -> Result<Coverage> {
        let proc_root = proc_root.as_ref();
        let me = procfs::self_pid_with(&src, proc_root);
        let processes = procfs::processes_with(&src, proc_root)?;
        Ok(self.coverage_of(processes.iter().filter(|p| Some(p.pid) != me)))
    }

    /// The [`Coverage`] of processes already read (e.g. with
    /// [`procfs::processes`]), without I/O, each counted by its
    /// [`state_of`](Self::state_of).  Unlike [`coverage`](Self::coverage)
    /// it leaves no process out.
    pub fn coverage_of<'p>(&self, processes: impl IntoIterator<Item = &'p Process>) -> Coverage {
        let chain = self.chain_classes();
        let mut c = Coverage::default();
        for p in processes {
            self.count_into(&chain, p, &mut c);
        }
        c
    }

    /// The [`Coverage`] of `processes` per systemd unit ([`Process::unit`];
    /// `None` for processes outside any unit, kernel threads among them),
    /// sorted by unit: [`coverage_of`](Self::coverage_of) for each unit.
    ///
    /// ```
    /// use landlock_audit::{procfs::Process, Domains};
    ///
    /// let d = Domains::from_domains(7, vec![])?;
    /// let p = Process::new(10, vec![10], false, true).with_cgroup("/system.slice/a.service".into());
    /// let by_unit = d.coverage_by_unit(&[p, Process::new(2, vec![2], true, true)]);
    /// assert_eq!(by_unit.len(), 2);
    /// assert_eq!(by_unit[&Some("a.service".to_owned())].unconfined(), 1);
    /// assert_eq!(by_unit[&None].kernel_threads, 1);
    /// # Ok::<(), landlock_audit::Error>(())
    /// ```
    pub fn coverage_by_unit<'p>(
        &self,
        processes: impl IntoIterator<Item = &'p Process>,
    ) -> BTreeMap<Option<String>, Coverage> {
        let chain = self.chain_classes();
        let mut out: BTreeMap<Option<String>, Coverage> = BTreeMap::new();
        for p in processes {
            self.count_into(&chain, p, out.entry(p.unit.clone()).or_default());
        }
        out
    }

    /// Counts one process into `c` by its [`state_of`](Self::state_of);
    /// `chain` is [`chain_classes`](Self::chain_classes).
    fn count_into(&self, chain: &[u8], p: &Process, c: &mut Coverage) {
        c.total += 1;
        match self.state_of(p) {
            ProcessState::KernelThread => c.kernel_threads += 1,
            ProcessState::Unknown => c.unknown += 1,
            ProcessState::Unconfined => {}
            ProcessState::Mixed => c.mixed += 1,
            ProcessState::Sandboxed => {
                c.sandboxed += 1;
                let classes = p
                    .threads
                    .iter()
                    .filter_map(|&t| self.task_position(t))
                    .fold(0b111u8, |m, pos| m & chain[pos]);
                c.handles_fs += u64::from(classes & 1);
                c.handles_net += u64::from(classes >> 1 & 1);
                c.handles_scope += u64::from(classes >> 2 & 1);
            }
        }
    }

    /// Per domain position: which classes its chain (the domain and its
    /// visible ancestors, at most 16) handles: bit 0 fs, 1 net, 2 scope.
    fn chain_classes(&self) -> Vec<u8> {
        let own = |d: &Domain| {
            let [fs, net, scope] = d.access.handles();
            u8::from(fs) | u8::from(net) << 1 | u8::from(scope) << 2
        };
        self.domains
            .iter()
            .map(|d| self.ancestors(d.id).fold(own(d), |m, a| m | own(a)))
            .collect()
    }

    /// The state of a process of `/proc` as this snapshot shows it: a kernel
    /// thread; sandboxed when all its threads run in visible domains, mixed
    /// when only some do; unknown when none does and the reader may not
    /// inspect it (the tree would hide its tasks); unconfined otherwise.
    pub fn state_of(&self, p: &Process) -> ProcessState {
        if p.kernel_thread {
            return ProcessState::KernelThread;
        }
        let inside = p
            .threads
            .iter()
            .filter(|&&t| self.task_position(t).is_some())
            .count();
        if inside == 0 {
            if p.inspectable {
                ProcessState::Unconfined
            } else {
                ProcessState::Unknown
            }
        } else if inside == p.threads.len() {
            ProcessState::Sandboxed
        } else {
            ProcessState::Mixed
        }
    }

    /// What the chain of a domain enforces: the union of the rights its own
    /// layer and each visible ancestor's handle (none for an unknown ID).
    /// An access is checked against every layer, so a right handled by an
    /// ancestor is restricted in the domain too.
    ///
    /// ```
    /// use landlock_audit::{AccessFs, AccessNet, Domain, DomainId, Domains, HandledAccess};
    ///
    /// let d = |id: u64, parent: Option<u64>, depth: u32, access: HandledAccess| Domain {
    ///     id: DomainId::new(id).unwrap(), parent: parent.and_then(DomainId::new), depth,
    ///     access, tasks: vec![], creator: None, denials: None,
    /// };
    /// let fs = HandledAccess { fs: AccessFs::WRITE_FILE, ..Default::default() };
    /// let net = HandledAccess { net: AccessNet::BIND_TCP, ..Default::default() };
    /// let s = Domains::from_domains(7, vec![d(0xa000000000000000, None, 1, fs), d(0xb000000000000000, Some(0xa000000000000000), 2, net)])?;
    /// let chain = s.enforced(DomainId::new(0xb000000000000000).unwrap());
    /// assert_eq!((chain.fs, chain.net), (AccessFs::WRITE_FILE, AccessNet::BIND_TCP));
    /// # Ok::<(), landlock_audit::Error>(())
    /// ```
    pub fn enforced(&self, id: DomainId) -> HandledAccess {
        let Some(d) = self.get(id) else {
            return HandledAccess::default();
        };
        self.ancestors(id)
            .fold(d.access.clone(), |acc, a| acc.union(&a.access))
    }
}

/// The state of a process, as [`Domains::state_of`] tells it.  Every process
/// is in exactly one state.
///
/// ```
/// use landlock_audit::ProcessState;
///
/// assert_eq!(ProcessState::KernelThread.to_string(), "kernel_thread");
/// assert_eq!(ProcessState::ALL.len(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ProcessState {
    /// All its threads run in visible domains.
    Sandboxed,
    /// Some of its threads run in visible domains, others not.
    Mixed,
    /// None of its threads runs in a visible domain, and the reader may
    /// inspect it: it is not sandboxed (for a sandboxed reader: not below
    /// the reader's own domain).
    Unconfined,
    /// The reader may not inspect it: it may or may not be sandboxed.
    Unknown,
    /// A kernel thread: it cannot be sandboxed.
    KernelThread,
}

impl ProcessState {
    /// Every state, in this order.
    pub const ALL: [ProcessState; 5] = [
        ProcessState::Sandboxed,
        ProcessState::Mixed,
        ProcessState::Unconfined,
        ProcessState::Unknown,
        ProcessState::KernelThread,
    ];

    /// The state's name: `sandboxed`, `mixed`, `unconfined`, `unknown` or
    /// `kernel_thread`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessState::Sandboxed => "sandboxed",
            ProcessState::Mixed => "mixed",
            ProcessState::Unconfined => "unconfined",
            ProcessState::Unknown => "unknown",
            ProcessState::KernelThread => "kernel_thread",
        }
    }
}

impl std::fmt::Display for ProcessState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Coverage {
    /// How many processes are in `state`.
    pub fn count(&self, state: ProcessState) -> u64 {
        match state {
            ProcessState::Sandboxed => self.sandboxed,
            ProcessState::Mixed => self.mixed,
            ProcessState::Unconfined => self.unconfined(),
            ProcessState::Unknown => self.unknown,
            ProcessState::KernelThread => self.kernel_threads,
        }
    }
}

impl<'a> IntoIterator for &'a Domains {
    type Item = &'a Domain;
    type IntoIter = std::slice::Iter<'a, Domain>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
