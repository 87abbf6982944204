//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use landlock_audit::fixture::{Model, ModelDomain, Spec};
use landlock_audit::{Creator, DomainId, HandledAccess, Task};

/// A fixture on disk: `<dir>/landlock` (the tree), `<dir>/proc`, and the
/// `lsm` file of a fake securityfs at `<dir>/lsm`.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub model: Model,
}

/// A temporary directory, on tmpfs when there is one: fixtures are many
/// small files, which a disk filesystem creates and removes slowly.
pub fn tempdir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    let on_shm = if shm.is_dir() {
        tempfile::Builder::new()
            .prefix("landlock-audit-test-")
            .tempdir_in(shm)
            .ok()
    } else {
        None
    };
    match on_shm {
        Some(d) => d,
        None => tempfile::tempdir().expect("tempdir"),
    }
}

impl Fixture {
    pub fn new(model: Model) -> Self {
        let f = Self::tree_only(model);
        f.model.write_proc(f.proc_root()).expect("write proc");
        f
    }

    /// The tree without the fake `/proc`.
    pub fn tree_only(model: Model) -> Self {
        let dir = tempdir();
        model
            .write(dir.path().join("landlock"))
            .expect("write tree");
        std::fs::write(dir.path().join("lsm"), "capability,landlock,yama").expect("lsm");
        Self { dir, model }
    }

    pub fn generated(domains: usize, tasks: usize) -> Self {
        Self::new(Self::spec(domains, tasks))
    }

    pub fn spec(domains: usize, tasks: usize) -> Model {
        Model::generate(&Spec {
            domains,
            tasks,
            unconfined: 25,
            kernel_threads: 0,
            max_depth: 6,
            seed: 42,
        })
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("landlock")
    }

    pub fn proc_root(&self) -> PathBuf {
        self.dir.path().join("proc")
    }

    /// Removes the `snapshot` file: the tree is then read domain by domain,
    /// as from a kernel without it (the tests that break or race per-domain
    /// files need this).
    pub fn remove_snapshot(&self) {
        std::fs::remove_file(self.root().join("snapshot")).expect("remove snapshot");
    }

    pub fn domain_file(&self, id: DomainId, name: &str) -> PathBuf {
        self.root().join("domains").join(id.to_string()).join(name)
    }
}

pub fn id(n: u64) -> DomainId {
    DomainId::new((1 << 60) | n).expect("an ID")
}

pub fn dom(n: u64, parent: Option<u64>, tasks: &[(u32, u32)]) -> ModelDomain {
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
        denials: Some(n),
        rules: None,
    }
}

/// (total, sandboxed, mixed) computed from the model, independently of the
/// library.
pub fn expected_coverage(model: &Model) -> (u64, u64, u64) {
    let confined: BTreeSet<u32> = model
        .domains
        .iter()
        .flat_map(|d| d.tasks.iter().map(|t| t.tid))
        .collect();
    let (mut s, mut m) = (0, 0);
    for p in &model.processes {
        let n = p.threads.iter().filter(|t| confined.contains(t)).count();
        if n == p.threads.len() {
            s += 1;
        } else if n > 0 {
            m += 1;
        }
    }
    (model.processes.len() as u64, s, m)
}

/// Domain IDs of each process's threads, from the model.
pub fn expected_process_domains(model: &Model) -> BTreeMap<u32, Vec<DomainId>> {
    let mut out: BTreeMap<u32, BTreeSet<DomainId>> = BTreeMap::new();
    for p in &model.processes {
        out.entry(p.pid).or_default();
    }
    for d in &model.domains {
        for t in &d.tasks {
            out.entry(t.tgid).or_default().insert(d.id);
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}
