//! Writes a model of domains, their nesting and their tasks as a tree on
//! disk (and a matching fake `/proc`), in the format of
//! `Documentation/abi.rst`.  Used by the tests, the benchmarks and `ci/demo`.
//!
//! ```
//! use landlock_audit::fixture::{Model, Spec};
//! use landlock_audit::Domains;
//!
//! let dir = std::env::temp_dir().join(format!("landlock-fixture-doc-{}", std::process::id()));
//! let model = Model::generate(&Spec { domains: 20, tasks: 100, ..Spec::default() });
//! model.write(dir.join("landlock"))?;
//! model.write_proc(dir.join("proc"))?;
//! let domains = Domains::read_from(dir.join("landlock")).expect("valid tree");
//! assert_eq!(domains.len(), 20);
//! assert_eq!(domains.tasks().len(), 100);
//! let cov = domains.coverage(dir.join("proc")).expect("fake /proc");
//! assert_eq!(cov.total as usize, model.processes.len());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::id::{IdPermutation, ID_MIN};
use crate::parse::escape;
use crate::types::{
    AccessFs, AccessNames, AccessNet, AuditId, Creator, Domain, DomainId, FsObject, HandledAccess,
    Rule, Scope, Task, Unnamed,
};

/// One domain of a [`Model`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDomain {
    /// Its ID.
    pub id: DomainId,
    /// Its parent (which should be in the model; a missing one makes an
    /// orphan).
    pub parent: Option<DomainId>,
    /// The access rights its own layer handles.
    pub access: HandledAccess,
    /// Its tasks (any order; written sorted).
    pub tasks: Vec<Task>,
    /// The process that created it.
    pub creator: Creator,
    /// Upstream Landlock's ID of it, as audit records print it: written to
    /// `domains/<id>/audit_id` when `Some`; no such file when `None` (a
    /// kernel older than the file).  Not in the `snapshot` file.
    pub audit_id: Option<AuditId>,
    /// Its count of denials: written to `domains/<id>/denials` and as the
    /// `denials` line of its `snapshot` block when `Some`; neither when
    /// `None` (a kernel older than them).
    pub denials: Option<u64>,
    /// The rules of its own layer: written to `domains/<id>/rules`
    /// ([`rules_text`], in this order) when `Some`; no such file when
    /// `None` (a kernel older than the file).  Not in the `snapshot` file.
    pub rules: Option<Vec<Rule>>,
}

/// One process of a [`Model`], for the fake `/proc`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelProcess {
    /// Its PID.
    pub pid: u32,
    /// Its command name.
    pub comm: String,
    /// Its thread IDs (the main thread's is `pid`).
    pub threads: Vec<u32>,
    /// Whether it is a kernel thread (`PF_KTHREAD` in its `stat`, no
    /// `exe`).
    pub kernel_thread: bool,
    /// Its executable (the `exe` link's target); `None` gives
    /// `/usr/bin/<comm>`.  Ignored for kernel threads.
    pub exe: Option<String>,
    /// Its effective UID (in `status`).
    pub uid: u32,
    /// Its cgroup v2 path (the `0::` line of `cgroup`), e.g.
    /// `/system.slice/sshd.service`; `None` writes no `cgroup` file.
    pub cgroup: Option<String>,
}

/// A system as one reader sees it: domains and processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// The `version` file.
    pub version: u32,
    /// The `abi_version` file.
    pub abi_version: u32,
    /// The domains, in any order.
    pub domains: Vec<ModelDomain>,
    /// Every process (sandboxed or not), for [`write_proc`](Self::write_proc).
    pub processes: Vec<ModelProcess>,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            version: 1,
            abi_version: 7,
            domains: Vec::new(),
            processes: Vec::new(),
        }
    }
}

/// Parameters of [`Model::generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Number of domains (at most 10,000 is the tested range, more works).
    pub domains: usize,
    /// Number of tasks (threads) running in domains.
    pub tasks: usize,
    /// Number of processes outside any domain.
    pub unconfined: usize,
    /// Number of kernel threads (PIDs 2, 3, …), outside any domain.
    pub kernel_threads: usize,
    /// Maximum nesting depth (Landlock allows 16).
    pub max_depth: u32,
    /// Seed of the deterministic generator (IDs and shapes).
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Self {
            domains: 100,
            tasks: 1000,
            unconfined: 50,
            kernel_threads: 0,
            max_depth: 16,
            seed: 1,
        }
    }
}

/// SplitMix64: a small deterministic generator for fixtures.
#[derive(Debug, Clone)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// The text of an `access` file.
///
/// ```
/// use landlock_audit::{fixture::access_text, AccessFs, HandledAccess};
///
/// let a = HandledAccess { fs: AccessFs::EXECUTE | AccessFs::READ_DIR, ..Default::default() };
/// assert_eq!(access_text(&a), "fs: execute read_dir\nnet:\nscope:\n");
/// ```
pub fn access_text(a: &HandledAccess) -> String {
    let mut s = String::new();
    for (kind, names) in a.names() {
        s.push_str(kind);
        s.push(':');
        for n in names {
            s.push(' ');
            s.push_str(&n);
        }
        s.push('\n');
    }
    s
}

/// The bytes of a `creator` file, with `comm` and `exe` escaped.
pub fn creator_text(c: &Creator) -> Vec<u8> {
    let mut out = format!("pid {}\nuid {}\ncomm ", c.pid, c.uid).into_bytes();
    out.extend(escape(c.comm.as_bytes()));
    out.extend_from_slice(b"\nexe ");
    out.extend(escape(c.exe.as_os_str().as_bytes()));
    out.push(b'\n');
    out
}

/// The bytes of a `rules` file: one line per rule, as the kernel writes
/// it, paths escaped with [`escape`] (`\040 \011 \012 \134` only).
///
/// ```
/// use landlock_audit::{fixture::rules_text, parse, AccessFs, FsObject, Rule};
///
/// let rules = vec![Rule::Fs { dev: (8, 1), ino: 12, object: FsObject::Path("/srv/a b".into()),
///                             quiet: true, access: AccessFs::READ_FILE, unknown_access: vec![] }];
/// let text = rules_text(&rules);
/// assert_eq!(text, b"fs dev 8:1 ino 12 path /srv/a\\040b quiet access read_file\n");
/// assert_eq!(parse::rules(&text), Ok(rules));
/// ```
pub fn rules_text(rules: &[Rule]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rules {
        match r {
            Rule::Fs {
                dev, ino, object, ..
            } => {
                out.extend(format!("fs dev {}:{} ino {ino} ", dev.0, dev.1).bytes());
                match object {
                    FsObject::Path(p) => {
                        out.extend_from_slice(b"path ");
                        out.extend(escape(p.as_os_str().as_bytes()));
                    }
                    FsObject::Unnamed(u) => out.extend_from_slice(u.as_str().as_bytes()),
                }
            }
            Rule::FsReleased { .. } => out.extend_from_slice(b"fs released"),
            Rule::Net { port, .. } => out.extend(format!("net port {port}").bytes()),
        }
        if r.quiet() {
            out.extend_from_slice(b" quiet");
        }
        out.extend_from_slice(b" access");
        for n in r.access_names() {
            out.push(b' ');
            out.extend_from_slice(n.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// The rules of generated domain `i`, which handles `access`: 0 to 4 of
/// them, of every form (named paths, some with spaces, control characters,
/// backslashes or bytes that are not UTF-8; each reason; released inodes;
/// ports), some quiet, some quiet without a right, each allowing only
/// rights its layer handles, sorted as the kernel sorts them.
fn generate_rules(rng: &mut SplitMix, i: usize, access: &HandledAccess) -> Vec<Rule> {
    let mut out = Vec::new();
    for k in 0..rng.below(5) {
        let quiet = rng.below(4) == 0;
        let empty = quiet && rng.below(3) == 0;
        let form = rng.below(8);
        if form >= 6 && !access.net.is_empty() {
            let mut a = AccessNet::from_bits_retain(rng.next() & access.net.bits());
            if a.is_empty() {
                a = AccessNet::from_raw(1 << access.net.bits().trailing_zeros());
            }
            out.push(Rule::Net {
                port: match rng.below(4) {
                    0 => 0,
                    1 => u16::MAX,
                    _ => rng.below(1 << 16) as u16,
                },
                quiet,
                access: if empty { AccessNet::empty() } else { a },
                unknown_access: vec![],
            });
            continue;
        }
        let mut a = AccessFs::from_bits_retain(rng.next() & access.fs.bits());
        if a.is_empty() {
            a = AccessFs::EXECUTE;
        }
        let a = if empty { AccessFs::empty() } else { a };
        if form == 5 {
            out.push(Rule::FsReleased {
                quiet,
                access: a,
                unknown_access: vec![],
            });
            continue;
        }
        let object = if form == 4 {
            FsObject::Unnamed(Unnamed::ALL[rng.below(Unnamed::ALL.len() as u64) as usize])
        } else {
            let mut p = match (i + k as usize) % 5 {
                0 => format!("/srv/svc {i}/data\n    {k} fake\x1b[2K\\x").into_bytes(),
                1 => format!("/srv/caf\u{e9}/{i}\t{k}").into_bytes(),
                _ => format!("/srv/svc-{i}/{k}").into_bytes(),
            };
            if (i + k as usize) % 7 == 3 {
                p.extend_from_slice(b"/\xff\xfe");
            }
            FsObject::Path(PathBuf::from(std::ffi::OsString::from(
                <std::ffi::OsStr as OsStrExt>::from_bytes(&p),
            )))
        };
        out.push(Rule::Fs {
            dev: (rng.below(260) as u32, rng.below(64) as u32),
            ino: rng.next() >> rng.below(64),
            object,
            quiet,
            access: a,
            unknown_access: vec![],
        });
    }
    // The kernel's order: by kind, device, inode, port (released inodes
    // have no numbers: 0).
    out.sort_by_key(|r| match r {
        Rule::Fs { dev, ino, .. } => (0, *dev, *ino, 0),
        Rule::FsReleased { .. } => (0, (0, 0), 0, 0),
        Rule::Net { port, .. } => (1, (0, 0), 0, *port),
    });
    out
}

impl Model {
    /// A deterministic model with `spec.domains` domains nested up to
    /// `spec.max_depth`, `spec.tasks` threads in domains (grouped in
    /// processes of 1 to 4 threads, some of them mixed or split across two
    /// domains) and
    /// `spec.unconfined` processes outside any domain.  IDs come from an
    /// [`IdPermutation`] keyed by the seed; audit IDs grow in creation
    /// order, as upstream Landlock's do.  Every domain has a count of
    /// denials: 0 for about half of them, up to a few thousand for most
    /// others, and beyond 2^32 for about one in 16; and 0 to 4 rules, of
    /// every form a `rules` file has (hostile paths among them).  The
    /// processes in domains run in a systemd service per domain
    /// (`/system.slice/svc-N.service`, N the domain's index), the
    /// unconfined ones in `/user.slice/user-1000.slice/session-1.scope`.
    pub fn generate(spec: &Spec) -> Self {
        let mut rng = SplitMix(spec.seed);
        let perm = IdPermutation::new(rng.next(), rng.next());
        // Audit IDs as upstream allocates them, in creation order: from
        // 2^32 plus a random 32-bit value, each 1 plus a random 4-bit step
        // after the previous one.  A generator of their own, so that the
        // models' shapes do not depend on them.
        let mut audit_rng = SplitMix(spec.seed ^ 0x6175_6469_745f_6964);
        let mut next_audit = (1u64 << 32) + (audit_rng.next() & 0xffff_ffff);
        // Counts of denials, from a generator of their own too.
        let mut denial_rng = SplitMix(spec.seed ^ 0x6465_6e69_616c_7321);
        // Rules, likewise.
        let mut rule_rng = SplitMix(spec.seed ^ 0x7275_6c65_735f_2121);
        let max_depth = spec.max_depth.max(1);
        let mut domains: Vec<ModelDomain> = Vec::with_capacity(spec.domains);
        let mut depths: Vec<u32> = Vec::with_capacity(spec.domains);
        let mut pid = 100u32;
        for i in 0..spec.domains {
            let counter = ID_MIN + i as u64;
            let id = DomainId(perm.encrypt(counter).unwrap_or(counter));
            // About 30 % roots; otherwise nest under an earlier domain.
            let parent = if i == 0 || rng.below(10) < 3 {
                None
            } else {
                let p = rng.below(i as u64) as usize;
                (depths[p] < max_depth).then_some(p)
            };
            let depth = parent.map_or(1, |p| depths[p] + 1);
            let access = HandledAccess {
                fs: AccessFs::from_bits_retain(rng.next() & AccessFs::all().bits())
                    | AccessFs::EXECUTE,
                net: AccessNet::from_bits_retain(rng.next() & AccessNet::all().bits()),
                scope: Scope::from_bits_retain(rng.next() & Scope::all().bits()),
                ..Default::default()
            };
            let creator = Creator {
                pid: if rng.below(4) == 0 { 0 } else { pid + i as u32 },
                uid: 1000 + (rng.below(3) as u32),
                comm: if i % 7 == 0 {
                    format!("svc {i}\\x").into()
                } else {
                    format!("svc-{i}").into()
                },
                exe: PathBuf::from(format!("/usr/libexec/svc {i}/daemon")),
            };
            let audit_id = AuditId::new(next_audit);
            next_audit += 1 + audit_rng.below(16);
            let denials = match denial_rng.below(16) {
                0..=7 => 0,
                8..=14 => 1 + denial_rng.below(5000),
                _ => (1 << 32) + denial_rng.below(1 << 40),
            };
            let rules = generate_rules(&mut rule_rng, i, &access);
            domains.push(ModelDomain {
                id,
                parent: parent.map(|p| domains[p].id),
                access,
                tasks: Vec::new(),
                creator,
                audit_id,
                denials: Some(denials),
                rules: Some(rules),
            });
            depths.push(depth);
        }
        let mut processes = Vec::new();
        let mut placed = 0usize;
        pid = 1000;
        while placed < spec.tasks && !domains.is_empty() {
            let n = (1 + rng.below(4) as usize).min(spec.tasks - placed);
            let d = rng.below(domains.len() as u64) as usize;
            // One process in 20 is mixed (its last thread stays outside any
            // domain), one in 20 is split (its last thread runs in another
            // domain).
            let odd = if n > 1 { rng.below(20) } else { 2 };
            let threads: Vec<u32> = (0..n as u32).map(|k| pid + k).collect();
            for (k, &tid) in threads.iter().enumerate() {
                let mut dom = d;
                if k + 1 == n && odd == 0 {
                    continue;
                }
                if k + 1 == n && odd == 1 {
                    dom = rng.below(domains.len() as u64) as usize;
                }
                domains[dom].tasks.push(Task { tgid: pid, tid });
                placed += 1;
            }
            processes.push(ModelProcess {
                pid,
                comm: format!("worker-{pid}"),
                threads,
                kernel_thread: false,
                uid: 1000,
                // A service per domain, as systemd starts sandboxed daemons.
                cgroup: Some(format!("/system.slice/svc-{d}.service")),
                ..Default::default()
            });
            pid += n as u32 + rng.below(3) as u32;
        }
        for _ in 0..spec.unconfined {
            processes.push(ModelProcess {
                pid,
                comm: format!("free {pid}"),
                threads: vec![pid],
                kernel_thread: false,
                uid: 1000,
                cgroup: Some("/user.slice/user-1000.slice/session-1.scope".to_owned()),
                ..Default::default()
            });
            pid += 1;
        }
        for k in 0..spec.kernel_threads.min(990) as u32 {
            processes.push(ModelProcess {
                pid: 2 + k,
                comm: format!("kworker/{k}:0"),
                threads: vec![2 + k],
                kernel_thread: true,
                ..Default::default()
            });
        }
        processes.sort_by_key(|p| p.pid);
        Self {
            version: 1,
            abi_version: 7,
            domains,
            processes,
        }
    }

    /// Depth of each domain in the model (1 for a domain whose parent is
    /// absent from the model).
    fn depths(&self) -> HashMap<DomainId, u32> {
        let parents: HashMap<DomainId, Option<DomainId>> =
            self.domains.iter().map(|d| (d.id, d.parent)).collect();
        let mut out = HashMap::with_capacity(parents.len());
        for d in &self.domains {
            let mut depth = 1u32;
            let mut cur = d.parent;
            while let Some(p) = cur {
                let Some(&pp) = parents.get(&p) else { break };
                depth += 1;
                cur = pp;
                if depth as usize > parents.len() {
                    break; // a cycle in a deliberately broken model
                }
            }
            out.insert(d.id, depth);
        }
        out
    }

    /// What the library should read from this model's tree: domains sorted
    /// by ID, with depths, sorted tasks and creators.
    pub fn expected(&self) -> Vec<Domain> {
        let depths = self.depths();
        let mut out: Vec<Domain> = self
            .domains
            .iter()
            .map(|d| {
                let mut tasks = d.tasks.clone();
                tasks.sort_unstable();
                tasks.dedup();
                Domain {
                    id: d.id,
                    parent: d.parent,
                    depth: depths.get(&d.id).copied().unwrap_or(1),
                    access: d.access.clone(),
                    tasks,
                    creator: Some(d.creator.clone()),
                    denials: d.denials,
                }
            })
            .collect();
        out.sort_by_key(|d| d.id);
        out
    }

    /// The view of a reader sandboxed in `reader`: only the domains nested
    /// strictly below it, the children of `reader` becoming parentless (so
    /// depths restart at 1).  Processes are kept (`/proc` is not filtered).
    pub fn as_seen_from(&self, reader: DomainId) -> Model {
        let parents: HashMap<DomainId, Option<DomainId>> =
            self.domains.iter().map(|d| (d.id, d.parent)).collect();
        let below = |mut id: DomainId| {
            let mut steps = 0;
            while let Some(Some(p)) = parents.get(&id) {
                if *p == reader {
                    return true;
                }
                id = *p;
                steps += 1;
                if steps > parents.len() {
                    break;
                }
            }
            false
        };
        let domains = self
            .domains
            .iter()
            .filter(|d| below(d.id))
            .map(|d| ModelDomain {
                parent: d.parent.filter(|&p| p != reader),
                ..d.clone()
            })
            .collect();
        Model {
            domains,
            ..self.clone()
        }
    }

    /// Writes the tree under `root` (created if needed), as the kernel with
    /// the `snapshot` file shows it: `version`, `abi_version`, `tasks`,
    /// `snapshot` and `domains/<id>/{parent,depth,access,tasks,creator}`,
    /// plus `domains/<id>/audit_id`, `domains/<id>/denials` and
    /// `domains/<id>/rules` for the domains that have one.
    ///
    /// # Errors
    ///
    /// Any I/O error.
    pub fn write(&self, root: impl AsRef<Path>) -> io::Result<()> {
        self.write_without_snapshot(root.as_ref())?;
        fs::write(root.as_ref().join("snapshot"), self.snapshot_text())
    }

    /// Writes the tree under `root` as a kernel without the `snapshot` file
    /// shows it (the per-domain files only), to test the reader's fallback.
    ///
    /// # Errors
    ///
    /// Any I/O error.
    pub fn write_without_snapshot(&self, root: impl AsRef<Path>) -> io::Result<()> {
        let root = root.as_ref();
        let ddir = root.join("domains");
        fs::create_dir_all(&ddir)?;
        fs::write(root.join("version"), format!("{}\n", self.version))?;
        fs::write(root.join("abi_version"), format!("{}\n", self.abi_version))?;
        let depths = self.depths();
        let mut all: Vec<(Task, DomainId)> = Vec::new();
        let mut text = String::new();
        for d in &self.domains {
            let dir = ddir.join(d.id.to_string());
            fs::create_dir_all(&dir)?;
            let parent = d.parent.map(|p| format!("{p}\n")).unwrap_or_default();
            fs::write(dir.join("parent"), parent)?;
            let depth = depths.get(&d.id).copied().unwrap_or(1);
            fs::write(dir.join("depth"), format!("{depth}\n"))?;
            fs::write(dir.join("access"), access_text(&d.access))?;
            let mut tasks = d.tasks.clone();
            tasks.sort_unstable();
            tasks.dedup();
            text.clear();
            for t in &tasks {
                let _ = writeln!(text, "{} {}", t.tgid, t.tid);
                all.push((*t, d.id));
            }
            fs::write(dir.join("tasks"), &text)?;
            fs::write(dir.join("creator"), creator_text(&d.creator))?;
            if let Some(a) = d.audit_id {
                fs::write(dir.join("audit_id"), format!("{a}\n"))?;
            }
            if let Some(n) = d.denials {
                fs::write(dir.join("denials"), format!("{n}\n"))?;
            }
            if let Some(r) = &d.rules {
                fs::write(dir.join("rules"), rules_text(r))?;
            }
        }
        all.sort_unstable();
        let mut f = io::BufWriter::new(fs::File::create(root.join("tasks"))?);
        for (t, id) in &all {
            writeln!(f, "{} {} {id}", t.tgid, t.tid)?;
        }
        f.flush()
    }

    /// The bytes of the `snapshot` file of this model: domains in ascending
    /// ID order, each with its access lines, `denials` line (when it has a
    /// count), creator line and task lines.
    pub fn snapshot_text(&self) -> Vec<u8> {
        let depths = self.depths();
        let mut domains: Vec<&ModelDomain> = self.domains.iter().collect();
        domains.sort_by_key(|d| d.id);
        let mut out = Vec::new();
        for d in domains {
            let parent = d.parent.map_or_else(|| "-".to_owned(), |p| p.to_string());
            let depth = depths.get(&d.id).copied().unwrap_or(1);
            out.extend(format!("domain {} {parent} {depth}\n", d.id).bytes());
            out.extend(access_text(&d.access).bytes());
            if let Some(n) = d.denials {
                out.extend(format!("denials {n}\n").bytes());
            }
            let c = &d.creator;
            out.extend(format!("creator pid {} uid {} comm ", c.pid, c.uid).bytes());
            out.extend(escape(c.comm.as_bytes()));
            out.extend_from_slice(b" exe ");
            out.extend(escape(c.exe.as_os_str().as_bytes()));
            out.push(b'\n');
            let mut tasks = d.tasks.clone();
            tasks.sort_unstable();
            tasks.dedup();
            for t in tasks {
                out.extend(format!("task {} {}\n", t.tgid, t.tid).bytes());
            }
        }
        out
    }

    /// Writes a fake `/proc` under `proc_root`: for every process
    /// `<pid>/comm`, `<pid>/stat` (with `PF_KTHREAD` in `flags` for kernel
    /// threads, and the command name between parentheses as the kernel
    /// writes it), `<pid>/exe` (a symbolic link, absent for kernel threads)
    /// and `<pid>/task/<tid>/comm`, plus a few non-numeric entries (`self`,
    /// `sys`, `meminfo`) as a real `/proc` has.
    ///
    /// # Errors
    ///
    /// Any I/O error.
    pub fn write_proc(&self, proc_root: impl AsRef<Path>) -> io::Result<()> {
        let proc_root = proc_root.as_ref();
        fs::create_dir_all(proc_root.join("sys"))?;
        fs::create_dir_all(proc_root.join("self"))?;
        fs::write(proc_root.join("meminfo"), "MemTotal: 0 kB\n")?;
        for p in &self.processes {
            let dir = proc_root.join(p.pid.to_string());
            fs::create_dir_all(dir.join("task"))?;
            fs::write(dir.join("comm"), format!("{}\n", p.comm))?;
            fs::write(
                dir.join("status"),
                format!(
                    "Name:\t{}\nUid:\t{u}\t{u}\t{u}\t{u}\nGid:\t0\t0\t0\t0\n",
                    p.comm,
                    u = p.uid
                ),
            )?;
            let flags = if p.kernel_thread {
                crate::procfs::PF_KTHREAD | 0x40
            } else {
                0x0040_0100
            };
            fs::write(
                dir.join("stat"),
                format!(
                    "{} ({}) S 1 {} {} 0 -1 {flags} 0 0 0 0 0 0 0 0 20 0 1 0 25 0 0\n",
                    p.pid, p.comm, p.pid, p.pid
                ),
            )?;
            if let Some(c) = &p.cgroup {
                fs::write(dir.join("cgroup"), format!("0::{c}\n"))?;
            }
            if !p.kernel_thread {
                let exe = p
                    .exe
                    .clone()
                    .unwrap_or_else(|| format!("/usr/bin/{}", p.comm));
                std::os::unix::fs::symlink(exe, dir.join("exe"))?;
            }
            for t in &p.threads {
                let tdir = dir.join("task").join(t.to_string());
                fs::create_dir_all(&tdir)?;
                fs::write(tdir.join("comm"), format!("{}\n", p.comm))?;
            }
        }
        Ok(())
    }
}

/// The domain IDs of the trees [`write_fuzz_tree`] writes.
pub const FUZZ_TREE_IDS: [&str; 3] = ["1000000000000001", "1000000000000002", "f000000000000003"];

/// Writes the tree that a `tree` fuzz input describes (the cargo-fuzz
/// target `fuzz/fuzz_targets/tree.rs` and its corpus' regression test): the
/// three directories of [`FUZZ_TREE_IDS`], then the input cut at each
/// `\0\0` into chunks whose first byte chooses a file (`version`,
/// `abi_version`, `tasks`, `snapshot`, one of the five files `parent`,
/// `depth`, `access`, `tasks`, `creator` of one of the three domain
/// directories, or the `denials` file of one of them) and whose rest is
/// its contents.  The first byte is taken modulo 22: 0 to 18 choose the
/// files they chose before `denials` existed, 19 to 21 the `denials` files.
pub fn write_fuzz_tree(root: &Path, data: &[u8]) -> io::Result<()> {
    const FILES: [&str; 5] = ["parent", "depth", "access", "tasks", "creator"];
    for id in FUZZ_TREE_IDS {
        fs::create_dir_all(root.join("domains").join(id))?;
    }
    let mut rest = data;
    while !rest.is_empty() {
        let (chunk, next) = match rest.windows(2).position(|w| w == b"\0\0") {
            Some(i) => (&rest[..i], &rest[i + 2..]),
            None => (rest, &b""[..]),
        };
        rest = next;
        let Some((&sel, contents)) = chunk.split_first() else {
            continue;
        };
        let path = match sel % 22 {
            0 => root.join("version"),
            1 => root.join("abi_version"),
            2 => root.join("tasks"),
            3 => root.join("snapshot"),
            n @ 19.. => root
                .join("domains")
                .join(FUZZ_TREE_IDS[usize::from(n - 19)])
                .join("denials"),
            n => {
                let n = usize::from(n - 4);
                root.join("domains")
                    .join(FUZZ_TREE_IDS[n / 5])
                    .join(FILES[n % 5])
            }
        };
        fs::write(path, contents)?;
    }
    Ok(())
}
