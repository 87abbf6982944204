//! The directory walk: reads the tree's files through a [`Source`] and
//! hands their bytes to [`crate::parse`], then resolves the races described
//! in [`Domains::read_from`](crate::Domains::read_from).

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::{self, TaskLine, MAX_DEPTH};
use crate::source::{
    FileBuf, ReadMode, Refusal, Source, MAX_DENIALS_SIZE, MAX_FILE_SIZE, MAX_SNAPSHOT_SIZE,
    MAX_TASKS_SIZE,
};
use crate::types::{Domain, DomainId};
use crate::{Error, Result};

/// The tree format version this library reads.
pub const SUPPORTED_VERSION: u32 = 1;

/// How many times the whole tree is read when a domain's parent is missing
/// from the snapshot, before such orphans are dropped.
pub const ORPHAN_ATTEMPTS: u32 = 3;

/// A consistent, validated reading of the tree.
#[derive(Debug)]
pub(crate) struct Tree {
    pub(crate) version: u32,
    pub(crate) abi_version: u32,
    /// Sorted by ID; every parent is present; depths agree.
    pub(crate) domains: Vec<Domain>,
    /// Sorted by task; every domain is present.
    pub(crate) tasks: Vec<TaskLine>,
}

fn is_gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
}

/// The library's error for an I/O error on `path`: a [`Refusal`] is
/// [`Error::Malformed`], `EACCES`/`EPERM` [`Error::PermissionDenied`].
pub(crate) fn io_error(path: &Path, e: io::Error) -> Error {
    match Refusal::of(&e) {
        Some(r) => Error::Malformed {
            path: path.to_owned(),
            line: 0,
            reason: r.to_string(),
        },
        None => Error::from_io(path, e),
    }
}

/// Why the tree is missing at `root`.
pub(crate) fn diagnose<S: Source>(src: &S, root: &Path) -> Error {
    let secfs = root.parent().unwrap_or(root);
    let lsm = secfs.join("lsm");
    let mut buf = FileBuf::new();
    match src.read(&lsm, MAX_FILE_SIZE, ReadMode::Once, &mut buf) {
        Ok(()) if parse::lsm_has_landlock(buf.contents()) => Error::FeatureAbsent {
            path: root.to_owned(),
        },
        Ok(()) => {
            let text = buf.contents().trim_ascii();
            Error::LandlockDisabled {
                path: lsm,
                lsms: if text.len() > parse::QUOTE_MAX {
                    parse::quote(text)
                } else {
                    parse::escape_text(text)
                },
            }
        }
        // No `lsm`, or no securityfs directory at all (`/sys/kernel/security`
        // absent: no securityfs in the kernel, or a container masking it).
        Err(e) if is_gone(&e) => Error::SecurityfsNotMounted {
            path: secfs.to_owned(),
        },
        Err(e) => io_error(&lsm, e),
    }
}

/// A domain read from its directory (`Ok`), or the name of its missing
/// file (`Err`).  (A `Result` rather than an enum of its own: a `Domain`
/// is large, and the missing name small.)
type Read = std::result::Result<Domain, &'static str>;

struct Reader<'a, S> {
    src: &'a S,
    buf: FileBuf,
}

impl<S: Source> Reader<'_, S> {
    /// Reads and parses one file; `Ok(None)` when it does not exist.
    fn file<T>(
        &mut self,
        path: &Path,
        limit: usize,
        parse: impl FnOnce(&[u8]) -> parse::ParseResult<T>,
    ) -> Result<Option<T>> {
        match self.src.read(path, limit, ReadMode::Once, &mut self.buf) {
            Ok(()) => parse(self.buf.contents()).map(Some).map_err(|e| e.at(path)),
            Err(e) if is_gone(&e) => Ok(None),
            Err(e) => Err(io_error(path, e)),
        }
    }

    /// Reads a file that must exist.
    fn required<T>(
        &mut self,
        path: &Path,
        limit: usize,
        parse: impl FnOnce(&[u8]) -> parse::ParseResult<T>,
    ) -> Result<T> {
        self.file(path, limit, parse)?.ok_or_else(|| Error::Io {
            path: path.to_owned(),
            source: io::Error::from_raw_os_error(libc::ENOENT),
        })
    }

    /// One reading of a domain directory.
    fn domain_once(&mut self, dir: &mut PathBuf, id: DomainId) -> Result<Read> {
        macro_rules! file {
            ($name:literal, $limit:expr, $parse:expr) => {{
                dir.push($name);
                let r = self.file(dir, $limit, $parse);
                dir.pop();
                match r? {
                    Some(v) => v,
                    None => return Ok(Err($name)),
                }
            }};
        }
        let parent = file!("parent", MAX_FILE_SIZE, parse::parent);
        let depth = file!("depth", MAX_FILE_SIZE, parse::depth);
        let access = file!("access", MAX_FILE_SIZE, parse::access);
        let tasks = file!("tasks", MAX_TASKS_SIZE, parse::domain_tasks);
        // Optional: a kernel older than the file has none, and a reader
        // without CAP_AUDIT_READ may not open it (EACCES): `None` for both.
        // Read before `creator`, which every kernel has: if the domain
        // vanished meanwhile, `creator` is missing too, and the domain is
        // dropped by the race rules rather than kept without its count.
        dir.push("denials");
        let denials = match self
            .src
            .read(dir, MAX_DENIALS_SIZE, ReadMode::Once, &mut self.buf)
        {
            Ok(()) => Some(parse::denials(self.buf.contents()).map_err(|e| e.at(&*dir))?),
            Err(e) if is_gone(&e) || e.kind() == io::ErrorKind::PermissionDenied => None,
            Err(e) => return Err(io_error(dir, e)),
        };
        dir.pop();
        dir.push("creator");
        let creator = match self
            .src
            .read(dir, MAX_FILE_SIZE, ReadMode::Once, &mut self.buf)
        {
            Ok(()) => Some(parse::creator(self.buf.contents()).map_err(|e| e.at(&*dir))?),
            Err(e) if is_gone(&e) => {
                dir.pop();
                return Ok(Err("creator"));
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => None,
            Err(e) => return Err(io_error(dir, e)),
        };
        dir.pop();
        Ok(Ok(Domain {
            id,
            parent,
            depth,
            access,
            tasks,
            creator,
            denials,
        }))
    }

    /// Whether the directory `dir` still exists.
    fn dir_exists(&self, dir: &Path) -> Result<bool> {
        match self.src.list(dir) {
            Ok(_) => Ok(true),
            Err(e) if is_gone(&e) => Ok(false),
            Err(e) => Err(io_error(dir, e)),
        }
    }

    /// One domain directory; `Ok(None)` when it vanished meanwhile.  A file
    /// missing from a directory that is still there is read again once,
    /// then reported: that is no race.
    fn domain(&mut self, dir: &mut PathBuf, id: DomainId) -> Result<Option<Domain>> {
        for attempt in 0..2 {
            match self.domain_once(dir, id)? {
                Ok(d) => return Ok(Some(d)),
                Err(_) if !self.dir_exists(dir)? => return Ok(None),
                Err(name) if attempt == 1 => {
                    return Err(Error::Malformed {
                        path: dir.join(name),
                        line: 0,
                        reason: "missing although its domain directory exists (read twice)".into(),
                    })
                }
                Err(_) => {}
            }
        }
        Ok(None)
    }

    /// `version` and `abi_version`, diagnosing a missing tree.
    fn versions(&mut self, root: &Path) -> Result<(u32, u32)> {
        let vpath = root.join("version");
        let version = match self.file(&vpath, MAX_FILE_SIZE, parse::number)? {
            Some(v) => v,
            None => {
                return Err(match self.src.list(root) {
                    Err(e) if is_gone(&e) => diagnose(self.src, root),
                    Err(e) => io_error(root, e),
                    Ok(_) => Error::Io {
                        path: vpath,
                        source: io::Error::from_raw_os_error(libc::ENOENT),
                    },
                })
            }
        };
        if version != u64::from(SUPPORTED_VERSION) {
            return Err(Error::UnsupportedVersion {
                path: vpath,
                found: version,
                supported: SUPPORTED_VERSION,
            });
        }
        let apath = root.join("abi_version");
        let v = self.required(&apath, MAX_FILE_SIZE, parse::number)?;
        let abi_version = u32::try_from(v).map_err(|_| Error::Malformed {
            path: apath.clone(),
            line: 1,
            reason: format!("ABI version {v} out of range"),
        })?;
        Ok((version as u32, abi_version))
    }

    /// The `snapshot` file, when there is one.
    fn snapshot(&mut self, root: &Path, abi_version: u32) -> Result<Option<Tree>> {
        let spath = root.join("snapshot");
        match self
            .src
            .read(&spath, MAX_SNAPSHOT_SIZE, ReadMode::ToEof, &mut self.buf)
        {
            Ok(()) => {}
            Err(e) if is_gone(&e) => return Ok(None),
            Err(e) => return Err(io_error(&spath, e)),
        }
        let domains = parse::snapshot(self.buf.contents()).map_err(|e| e.at(&spath))?;
        for d in &domains {
            if let Some(p) = d.parent {
                if position(&domains, p).is_none() {
                    return Err(Error::Malformed {
                        path: spath,
                        line: 0,
                        reason: format!("domain {} names parent {p}, which is not listed", d.id),
                    });
                }
            }
        }
        // Structure errors name the domain; the line is that of no single
        // line (0).
        check_structure(&domains, |id, _| spath.join(id.to_string())).map_err(|e| match e {
            Error::Malformed { path, reason, .. } => Error::Malformed {
                reason: format!(
                    "domain {}: {reason}",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                ),
                path: spath.clone(),
                line: 0,
            },
            e => e,
        })?;
        let mut tasks: Vec<TaskLine> = domains
            .iter()
            .flat_map(|d| d.tasks.iter().map(|&task| TaskLine { task, domain: d.id }))
            .collect();
        tasks.sort_unstable();
        Ok(Some(Tree {
            version: SUPPORTED_VERSION,
            abi_version,
            domains,
            tasks,
        }))
    }

    /// Reads the tree once, without resolving orphans.
    fn once(&mut self, root: &Path, abi_version: u32) -> Result<Tree> {
        let ddir = root.join("domains");
        let entries = self.src.list(&ddir).map_err(|e| io_error(&ddir, e))?;
        let mut ids = Vec::with_capacity(entries.len());
        for e in &entries {
            let id = parse::domain_dir_name(e.name.as_bytes()).map_err(|e| e.at(&ddir))?;
            if e.symlink {
                return Err(Error::Malformed {
                    path: ddir.join(id.to_string()),
                    line: 0,
                    reason: Refusal::Symlink.to_string(),
                });
            }
            ids.push(id);
        }
        ids.sort_unstable();

        let mut domains = Vec::with_capacity(ids.len());
        let mut dir = ddir;
        for id in ids {
            dir.push(id.to_string());
            if let Some(d) = self.domain(&mut dir, id)? {
                domains.push(d);
            }
            dir.pop();
        }

        let tpath = root.join("tasks");
        let tasks = self.required(&tpath, MAX_TASKS_SIZE, parse::tasks)?;
        Ok(Tree {
            version: SUPPORTED_VERSION,
            abi_version,
            domains,
            tasks,
        })
    }
}

fn position(domains: &[Domain], id: DomainId) -> Option<usize> {
    domains.binary_search_by_key(&id, |d| d.id).ok()
}

/// Drops orphans (transitively: a domain whose chain of parents reaches a
/// parent absent from `domains`), in linear time even for a hostile chain
/// of any length.  Returns whether there were any.
fn drop_orphans(domains: &mut Vec<Domain>) -> bool {
    // 0: unknown, 1: on the current path, 2: kept, 3: dropped.
    let mut state = vec![0u8; domains.len()];
    let mut path = Vec::new();
    for start in 0..domains.len() {
        let mut i = start;
        let verdict = loop {
            match state[i] {
                2 | 1 => break 2, // kept, or a cycle (reported later)
                3 => break 3,
                _ => {}
            }
            state[i] = 1;
            path.push(i);
            match domains[i].parent {
                None => break 2,
                Some(p) => match position(domains, p) {
                    Some(pi) => i = pi,
                    None => break 3,
                },
            }
        };
        for j in path.drain(..) {
            state[j] = verdict;
        }
    }
    let any = state.contains(&3);
    let mut it = state.iter();
    domains.retain(|_| it.next() != Some(&3));
    any
}

fn has_orphans(domains: &[Domain]) -> bool {
    domains
        .iter()
        .any(|d| d.parent.is_some_and(|p| position(domains, p).is_none()))
}

/// The path of a domain's file in the per-domain layout.
pub(crate) fn domain_file(root: &Path, id: DomainId, name: &str) -> PathBuf {
    root.join("domains").join(id.to_string()).join(name)
}

/// Checks that the parent links form a forest, that depths agree with it
/// and that no depth exceeds [`MAX_DEPTH`].  `path_of(id, file)` names the
/// file an error is about.
pub(crate) fn check_structure(
    domains: &[Domain],
    path_of: impl Fn(DomainId, &str) -> PathBuf,
) -> Result<()> {
    let parents: Vec<Option<usize>> = domains
        .iter()
        .map(|d| d.parent.and_then(|p| position(domains, p)))
        .collect();
    // 0: unvisited, 1: on the current path, 2: known to reach a root.
    let mut state = vec![0u8; domains.len()];
    let mut path = Vec::new();
    for start in 0..domains.len() {
        let mut i = start;
        while state[i] == 0 {
            state[i] = 1;
            path.push(i);
            match parents[i] {
                Some(p) => i = p,
                None => break,
            }
        }
        if state[i] == 1 && parents[i].is_some() {
            let d = &domains[i];
            return Err(Error::Malformed {
                path: path_of(d.id, "parent"),
                line: 1,
                reason: format!("parent cycle through domain {}", d.id),
            });
        }
        for j in path.drain(..) {
            state[j] = 2;
        }
    }
    for (d, p) in domains.iter().zip(&parents) {
        let expected = match p {
            Some(p) => domains[*p].depth.checked_add(1),
            None => Some(1),
        };
        if d.depth > MAX_DEPTH || Some(d.depth) != expected {
            let why = match d.parent {
                _ if d.depth > MAX_DEPTH => {
                    format!("depth {} exceeds Landlock's {MAX_DEPTH} layers", d.depth)
                }
                Some(p) => format!(
                    "depth {} disagrees with parent {p} of depth {}",
                    d.depth,
                    expected.map_or(0, |e| e - 1)
                ),
                None => format!("depth {} but no visible parent (expected 1)", d.depth),
            };
            return Err(Error::Malformed {
                path: path_of(d.id, "depth"),
                line: 1,
                reason: why,
            });
        }
    }
    Ok(())
}

/// Reads the tree at `root`: from its `snapshot` file when there is one (a
/// consistent snapshot, no race rules), otherwise domain by domain,
/// resolving races: vanished domains are dropped, orphans cause up to
/// [`ORPHAN_ATTEMPTS`] readings and are then dropped, task lines naming
/// absent domains are dropped.
pub(crate) fn read_tree<S: Source>(src: &S, root: &Path) -> Result<Tree> {
    let mut reader = Reader {
        src,
        buf: FileBuf::new(),
    };
    let (_, abi_version) = reader.versions(root)?;
    if let Some(tree) = reader.snapshot(root, abi_version)? {
        return Ok(tree);
    }
    let mut attempt = 1;
    let mut tree = loop {
        let mut tree = reader.once(root, abi_version)?;
        if !has_orphans(&tree.domains) {
            break tree;
        }
        if attempt >= ORPHAN_ATTEMPTS {
            drop_orphans(&mut tree.domains);
            break tree;
        }
        attempt += 1;
    };
    check_structure(&tree.domains, |id, f| domain_file(root, id, f))?;
    let domains = &tree.domains;
    tree.tasks.retain(|t| position(domains, t.domain).is_some());
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{Model, ModelDomain};
    use crate::source::testing::Hooked as ReadHooked;
    use crate::source::{Entry, RealFs};
    use crate::types::{Creator, HandledAccess, Task};
    use crate::Domains;
    use std::cell::{Cell, RefCell};
    use std::ffi::OsString;
    use std::fs;

    type OnList<'a> = Box<dyn Fn(u32, &Path, &mut Vec<Entry>) + 'a>;
    type AfterList<'a> = RefCell<Box<dyn FnMut(u32, &Path) + 'a>>;

    /// The real filesystem with hooks: `on_list` may filter a listing (by
    /// call number), `reads` may turn a read into an error (the shared
    /// [`ReadHooked`]), `after_list` may change the tree once a listing is
    /// taken.
    struct Hooked<'a> {
        lists: Cell<u32>,
        on_list: OnList<'a>,
        reads: ReadHooked<'a>,
        after_list: AfterList<'a>,
    }

    impl<'a> Hooked<'a> {
        fn new() -> Self {
            Self {
                lists: Cell::new(0),
                on_list: Box::new(|_, _, _| {}),
                reads: ReadHooked::new(|_| None),
                after_list: RefCell::new(Box::new(|_, _| {})),
            }
        }
    }

    impl Source for Hooked<'_> {
        fn read(
            &self,
            path: &Path,
            limit: usize,
            mode: ReadMode,
            buf: &mut FileBuf,
        ) -> io::Result<()> {
            self.reads.read(path, limit, mode, buf)
        }

        fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
            let mut names = RealFs.list(path)?;
            if path.ends_with("domains") {
                let n = self.lists.get() + 1;
                self.lists.set(n);
                (self.on_list)(n, path, &mut names);
                (self.after_list.borrow_mut())(n, path);
            }
            Ok(names)
        }
    }

    fn id(n: u64) -> DomainId {
        DomainId::new((1 << 60) | n).unwrap()
    }

    fn dom(n: u64, parent: Option<u64>, tasks: &[(u32, u32)]) -> ModelDomain {
        ModelDomain {
            id: id(n),
            parent: parent.map(id),
            access: HandledAccess::default(),
            tasks: tasks
                .iter()
                .map(|&(tgid, tid)| Task { tgid, tid })
                .collect(),
            creator: Creator {
                pid: 1,
                uid: 0,
                comm: "init".into(),
                exe: "/sbin/init".into(),
            },
            audit_id: None,
            denials: Some(n * 10),
            rules: None,
        }
    }

    /// 1 ─ 2 ─ 3, and 4 alone.
    fn chain() -> (tempfile::TempDir, Model) {
        let model = Model {
            domains: vec![
                dom(1, None, &[(10, 10)]),
                dom(2, Some(1), &[(20, 20), (20, 21)]),
                dom(3, Some(2), &[(30, 30)]),
                dom(4, None, &[(40, 40)]),
            ],
            ..Model::default()
        };
        let dir = tempfile::tempdir().unwrap();
        // The per-domain layout, whose races these tests inject.
        model.write_without_snapshot(dir.path()).unwrap();
        (dir, model)
    }

    fn ids(d: &Domains) -> Vec<DomainId> {
        d.iter().map(|d| d.id).collect()
    }

    #[test]
    fn vanished_domain_is_dropped_with_its_task_lines() {
        let (dir, _) = chain();
        let gone = dir.path().join("domains").join(id(4).to_string());
        let mut src = Hooked::new();
        src.after_list = RefCell::new(Box::new(|_, _| {
            let _ = fs::remove_dir_all(&gone);
        }));
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(ids(&d), [id(1), id(2), id(3)]);
        assert_eq!(src.lists.get(), 1, "a vanished domain causes no re-read");
        assert!(
            d.domain_of_task(40).is_none(),
            "task line of the vanished domain dropped"
        );
        assert_eq!(d.domain_of_task(30).map(|d| d.id), Some(id(3)));
    }

    #[test]
    fn vanishing_in_the_middle_of_a_domain_drops_it() {
        let (dir, _) = chain();
        // `access` of domain 4 is gone, and so is its directory (the domain
        // was freed while it was read).
        let ddir = dir.path().join("domains").join(id(4).to_string());
        let access = ddir.join("access");
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(|p| {
            (p == access).then(|| {
                let _ = fs::remove_dir_all(&ddir);
                io::ErrorKind::NotFound.into()
            })
        });
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(ids(&d), [id(1), id(2), id(3)]);
    }

    #[test]
    fn a_file_missing_from_an_existing_directory_is_malformed() {
        let (dir, _) = chain();
        let access = dir
            .path()
            .join("domains")
            .join(id(4).to_string())
            .join("access");
        let reads = Cell::new(0);
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(|p| {
            (p == access).then(|| {
                reads.set(reads.get() + 1);
                io::ErrorKind::NotFound.into()
            })
        });
        match Domains::read_with(&src, dir.path()) {
            Err(Error::Malformed { path, line, reason }) => {
                assert_eq!(path, access);
                assert_eq!(line, 0);
                assert!(reason.contains("missing"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(reads.get(), 2, "read again once before reporting");
    }

    #[test]
    fn a_file_missing_once_is_read_again() {
        let (dir, model) = chain();
        let creator = dir
            .path()
            .join("domains")
            .join(id(2).to_string())
            .join("creator");
        let reads = Cell::new(0);
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(|p| {
            (p == creator && reads.replace(reads.get() + 1) == 0)
                .then(|| io::ErrorKind::NotFound.into())
        });
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(d.iter().cloned().collect::<Vec<_>>(), model.expected());
        assert_eq!(reads.get(), 2);
    }

    #[test]
    fn transient_orphan_triggers_a_reread() {
        let (dir, model) = chain();
        let mut src = Hooked::new();
        // The first listing misses domain 1 (created meanwhile, say): 2 is an
        // orphan; the second listing is complete.
        let hidden = OsString::from(id(1).to_string());
        src.on_list = Box::new(move |n, _, names| {
            if n == 1 {
                names.retain(|x| x.name != hidden);
            }
        });
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(src.lists.get(), 2);
        assert_eq!(d.iter().cloned().collect::<Vec<_>>(), model.expected());
    }

    #[test]
    fn persistent_orphan_is_dropped_after_bounded_rereads() {
        let (dir, _) = chain();
        let mut src = Hooked::new();
        let hidden = OsString::from(id(1).to_string());
        src.on_list = Box::new(move |_, _, names| names.retain(|x| x.name != hidden));
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(src.lists.get(), ORPHAN_ATTEMPTS);
        // 2 is an orphan, and 3 (below it) goes with it.
        assert_eq!(ids(&d), [id(4)]);
        assert!(d.domain_of_task(20).is_none());
        assert!(d.domain_of_task(30).is_none());
        assert_eq!(d.domain_of_task(40).map(|d| d.id), Some(id(4)));
    }

    #[test]
    fn a_long_orphan_chain_is_dropped_in_one_pass() {
        let n = 50_000u64;
        // 1 <- 2 <- ... <- n, and the parent of 1 is missing; plus a root.
        // (Dropping one level per pass took minutes here: n passes.)
        let mut domains: Vec<Domain> = (1..=n)
            .map(|k| Domain {
                id: id(k),
                parent: Some(id(k - 1)),
                depth: 1,
                access: HandledAccess::default(),
                tasks: vec![],
                creator: None,
                denials: None,
            })
            .collect();
        domains.push(Domain {
            id: id(n + 1),
            parent: None,
            depth: 1,
            access: HandledAccess::default(),
            tasks: vec![],
            creator: None,
            denials: None,
        });
        assert!(drop_orphans(&mut domains));
        assert_eq!(domains.len(), 1);
        assert_eq!(domains[0].id, id(n + 1));
        assert!(!drop_orphans(&mut domains));
    }

    #[test]
    fn unreadable_creator_is_none() {
        let (dir, _) = chain();
        let target = id(2).to_string();
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(|p| {
            (p.ends_with("creator") && p.parent().is_some_and(|d| d.ends_with(&target)))
                .then(|| io::Error::from_raw_os_error(13))
        });
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(d.get(id(2)).unwrap().creator, None);
        assert!(d.get(id(1)).unwrap().creator.is_some());
    }

    #[test]
    fn denials_files_are_read_and_a_missing_one_is_none() {
        let (dir, _) = chain();
        let d = Domains::read_with(RealFs, dir.path()).unwrap();
        let counts: Vec<Option<u64>> = d.iter().map(|d| d.denials).collect();
        assert_eq!(counts, [Some(10), Some(20), Some(30), Some(40)]);
        // A kernel older than the file: no file in a directory that exists
        // is no race, and no error.
        for n in [1, 3] {
            fs::remove_file(
                dir.path()
                    .join("domains")
                    .join(id(n).to_string())
                    .join("denials"),
            )
            .unwrap();
        }
        let src = Hooked::new();
        let d = Domains::read_with(&src, dir.path()).unwrap();
        let counts: Vec<Option<u64>> = d.iter().map(|d| d.denials).collect();
        assert_eq!(counts, [None, Some(20), None, Some(40)]);
        assert_eq!(src.lists.get(), 1, "no re-read for a missing denials file");
    }

    #[test]
    fn a_domain_vanishing_at_its_denials_file_is_dropped() {
        let (dir, _) = chain();
        let ddir = dir.path().join("domains").join(id(4).to_string());
        let denials = ddir.join("denials");
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(|p| {
            (p == denials).then(|| {
                let _ = fs::remove_dir_all(&ddir);
                io::ErrorKind::NotFound.into()
            })
        });
        let d = Domains::read_with(&src, dir.path()).unwrap();
        // Not kept with an unknown count: gone.
        assert_eq!(ids(&d), [id(1), id(2), id(3)]);
        assert!(d.domain_of_task(40).is_none());
    }

    #[test]
    fn a_bad_denials_file_is_malformed_or_refused() {
        let (dir, _) = chain();
        let file = dir
            .path()
            .join("domains")
            .join(id(2).to_string())
            .join("denials");
        fs::write(&file, "-3\n").unwrap();
        match Domains::read_with(RealFs, dir.path()) {
            Err(Error::Malformed { path, line, reason }) => {
                assert_eq!((path, line), (file.clone(), 1));
                assert!(reason.contains("negative"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // Larger than the kernel ever writes: refused, not read whole.
        fs::write(&file, format!("{}\n", "9".repeat(100_000))).unwrap();
        match Domains::read_with(RealFs, dir.path()) {
            Err(Error::Malformed { path, line, reason }) => {
                assert_eq!((path, line), (file.clone(), 0));
                assert!(reason.contains("larger than 64"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // A reader without CAP_AUDIT_READ may not open it: EACCES is no
        // count (None), not an error, and the other domains keep theirs.
        fs::write(&file, "3\n").unwrap();
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(move |p| {
            (p.ends_with("denials") && p.parent().is_some_and(|d| d.ends_with(id(2).to_string())))
                .then(|| io::Error::from_raw_os_error(13))
        });
        let d = Domains::read_with(&src, dir.path()).unwrap();
        assert_eq!(d.get(id(2)).unwrap().denials, None);
        assert!(d.iter().any(|x| x.id != id(2) && x.denials.is_some()));
    }

    #[test]
    fn permission_denied_elsewhere_is_an_error() {
        let (dir, _) = chain();
        for (name, errno) in [("version", 13), ("tasks", 1), ("depth", 13)] {
            let mut src = Hooked::new();
            src.reads = ReadHooked::new(move |p| {
                p.ends_with(name)
                    .then(|| io::Error::from_raw_os_error(errno))
            });
            match Domains::read_with(&src, dir.path()) {
                Err(Error::PermissionDenied { path }) => assert!(path.ends_with(name)),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn other_io_errors_name_the_file() {
        let (dir, _) = chain();
        let mut src = Hooked::new();
        src.reads = ReadHooked::new(|p| {
            p.ends_with("access")
                .then(|| io::Error::from_raw_os_error(5))
        });
        match Domains::read_with(&src, dir.path()) {
            Err(Error::Io { path, source }) => {
                assert!(path.ends_with("access"));
                assert_eq!(source.raw_os_error(), Some(5));
            }
            other => panic!("{other:?}"),
        }
    }
}
