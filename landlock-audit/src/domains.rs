//! [`Domains`]: a snapshot of the tree with its queries.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::index::IdIndex;
use crate::parse::TaskLine;
use crate::procfs;
use crate::types::{Domain, DomainId, Task};
use crate::walk::{self, RealFs, Source};
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

/// How many processes of a `/proc` run in visible domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coverage {
    /// Processes (numeric entries of `/proc` that still existed when their
    /// threads were listed).
    pub total: u64,
    /// Processes all of whose threads run in visible domains.
    pub sandboxed: u64,
    /// Processes only some of whose threads run in visible domains.
    pub mixed: u64,
}

impl Coverage {
    /// `sandboxed / total`, in `[0, 1]`; 0 when there is no process.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sandboxed as f64 / self.total as f64
        }
    }

    /// Processes none of whose threads runs in a visible domain.
    pub fn unconfined(&self) -> u64 {
        self.total - self.sandboxed - self.mixed
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
    /// The tree changes while it is read; the snapshot resolves races so:
    /// a domain whose files vanish (`ENOENT`) is dropped; a line of the
    /// top-level `tasks` file naming a domain absent from the snapshot is
    /// dropped; a domain whose parent is absent from the snapshot makes the
    /// whole tree be read again, up to [`ORPHAN_ATTEMPTS`](crate::ORPHAN_ATTEMPTS)
    /// times in all, after which such orphans (and their descendants) are
    /// dropped.  An unreadable `creator` file (`EACCES`/`EPERM`) gives
    /// `creator: None`.
    ///
    /// # Errors
    ///
    /// * [`Error::SecurityfsNotMounted`](crate::Error::SecurityfsNotMounted),
    ///   [`Error::LandlockDisabled`](crate::Error::LandlockDisabled) or
    ///   [`Error::FeatureAbsent`](crate::Error::FeatureAbsent) when `root`
    ///   does not exist (told apart with the `lsm` file beside `root`);
    /// * [`Error::PermissionDenied`](crate::Error::PermissionDenied);
    /// * [`Error::UnsupportedVersion`](crate::Error::UnsupportedVersion);
    /// * [`Error::Malformed`](crate::Error::Malformed) for anything no race
    ///   explains: a malformed line, an entry of `domains/` that is not an
    ///   ID, a duplicate `creator` key, a depth that disagrees with the
    ///   parent chain, a parent cycle;
    /// * [`Error::Io`](crate::Error::Io) otherwise.
    pub fn read_from(root: impl AsRef<Path>) -> Result<Self> {
        Self::read_with(&RealFs, root.as_ref())
    }

    pub(crate) fn read_with<S: Source>(src: &S, root: &Path) -> Result<Self> {
        let tree = walk::read_tree(src, root)?;
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
    ///     id: DomainId(id),
    ///     parent: parent.map(DomainId),
    ///     depth,
    ///     access: HandledAccess::default(),
    ///     tasks: vec![],
    ///     creator: None,
    /// };
    /// let s = Domains::from_domains(7, vec![d(0xb000000000000000, Some(0xa000000000000000), 2), d(0xa000000000000000, None, 1)])?;
    /// assert_eq!(s.roots().next().map(|r| r.id), Some(DomainId(0xa000000000000000)));
    /// assert!(Domains::from_domains(7, vec![d(0xb000000000000000, Some(1), 2)]).is_err());
    /// # Ok::<(), landlock_audit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`](crate::Error::Malformed) for a duplicate ID, a
    /// parent that is not among the domains, a parent cycle, or a depth
    /// that disagrees with the parent chain.
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
        walk::check_structure(root, &domains)?;
        let mut lines: Vec<TaskLine> = domains
            .iter()
            .flat_map(|d| d.tasks.iter().map(|&task| TaskLine { task, domain: d.id }))
            .collect();
        lines.sort_unstable();
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
        let i = self.by_tid.binary_search_by_key(&tid, |&(t, _)| t).ok()?;
        let (_, ti) = self.by_tid[i];
        Some(&self.domains[self.tasks[ti as usize].1 as usize])
    }

    /// The domains of a process's threads that the tree lists: none, one,
    /// or several (when its threads run in different domains), sorted by ID.
    pub fn domain_of_process(&self, tgid: u32) -> Vec<&Domain> {
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

    /// Counts the processes of `proc_root` (its numeric entries), those all
    /// of whose threads (`<proc_root>/<pid>/task/*`) run in a visible domain
    /// (sandboxed), and those only some of whose threads do (mixed).
    ///
    /// `proc_root` must show the PID namespace the tree was read from.
    ///
    /// # Errors
    ///
    /// When `proc_root` cannot be listed; see [`procfs::processes`].
    pub fn coverage(&self, proc_root: impl AsRef<Path>) -> Result<Coverage> {
        let mut c = Coverage::default();
        for p in procfs::processes(proc_root.as_ref())? {
            c.total += 1;
            let inside = p
                .threads
                .iter()
                .filter(|&&t| self.domain_of_task(t).is_some())
                .count();
            if inside == p.threads.len() {
                c.sandboxed += 1;
            } else if inside > 0 {
                c.mixed += 1;
            }
        }
        Ok(c)
    }
}

impl<'a> IntoIterator for &'a Domains {
    type Item = &'a Domain;
    type IntoIter = std::slice::Iter<'a, Domain>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
