//! The coverage figure: kernel threads excluded, processes the reader may
//! not inspect counted as unknown, the ratio over the judged processes,
//! and coverage by access class over each domain chain.

mod common;

use std::io;
use std::path::{Path, PathBuf};

use common::{dom, id, Fixture};
use landlock_audit::fixture::{Model, ModelDomain, ModelProcess};
use landlock_audit::source::{Entry, FileBuf, ReadMode, RealFs, Source};
use landlock_audit::{AccessFs, AccessNet, Coverage, Domains, HandledAccess, Scope};

/// The real filesystem, except that the listed paths fail with `EACCES`
/// (what an unprivileged reader meets on another user's process: as root,
/// the tests cannot provoke it with file modes).
struct Denying(Vec<PathBuf>);

impl Denying {
    fn check(&self, path: &Path) -> io::Result<()> {
        if self.0.iter().any(|p| p == path) {
            Err(io::Error::from_raw_os_error(13))
        } else {
            Ok(())
        }
    }
}

impl Source for Denying {
    fn read(&self, path: &Path, limit: usize, mode: ReadMode, buf: &mut FileBuf) -> io::Result<()> {
        self.check(path)?;
        RealFs.read(path, limit, mode, buf)
    }

    fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
        self.check(path)?;
        RealFs.list(path)
    }

    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.check(path)?;
        RealFs.read_link(path)
    }
}

fn with_access(mut d: ModelDomain, access: HandledAccess) -> ModelDomain {
    d.access = access;
    d
}

fn process(pid: u32, threads: &[u32], kernel_thread: bool) -> ModelProcess {
    ModelProcess {
        pid,
        comm: format!("p{pid}"),
        threads: threads.to_vec(),
        kernel_thread,
        ..Default::default()
    }
}

/// d1 (fs) ─ d2 (net); d3 (scope); d4 (nothing handled).
fn fixture() -> Fixture {
    let fs = HandledAccess {
        fs: AccessFs::EXECUTE | AccessFs::REFER,
        ..Default::default()
    };
    let net = HandledAccess {
        net: AccessNet::BIND_TCP,
        ..Default::default()
    };
    let scope = HandledAccess {
        scope: Scope::SIGNAL,
        ..Default::default()
    };
    Fixture::new(Model {
        domains: vec![
            with_access(dom(1, None, &[(300, 300), (400, 400)]), fs),
            with_access(dom(2, Some(1), &[(100, 100), (100, 101)]), net),
            with_access(dom(3, None, &[(200, 200), (300, 301)]), scope),
            dom(4, None, &[(700, 700)]),
        ],
        processes: vec![
            process(2, &[2], true),
            process(3, &[3], true),
            process(100, &[100, 101], false), // d2 under d1: fs and net
            process(200, &[200], false),      // d3: scope
            process(300, &[300, 301], false), // d1 and d3: no class on both
            process(400, &[400, 401], false), // mixed
            process(500, &[500], false),      // unconfined
            process(600, &[600], false),      // not inspectable: unknown
            process(700, &[700], false),      // in d4, listed though denied
            process(800, &[800], false),      // stat unreadable: unknown
        ],
        ..Model::default()
    })
}

#[test]
fn kernel_threads_unknown_and_classes() {
    let f = fixture();
    let d = Domains::read_from(f.root()).unwrap();
    let p = f.proc_root();
    let src = Denying(vec![
        p.join("600/exe"),
        p.join("700/exe"),
        p.join("800/stat"),
    ]);
    let c = d.coverage_with(&src, &p).unwrap();
    assert_eq!(
        c,
        Coverage {
            total: 10,
            kernel_threads: 2,
            unknown: 2,
            sandboxed: 4,
            mixed: 1,
            handles_fs: 1,
            handles_net: 1,
            handles_scope: 1,
        }
    );
    assert_eq!(c.judged(), 6);
    assert_eq!(c.unconfined(), 1);
    assert_eq!(c.ratio(), 4.0 / 6.0);
    assert_eq!(c.fs_ratio(), 1.0 / 6.0);
    // Without denials (a privileged reader): 600 and 800 are unconfined.
    let c = d.coverage(&p).unwrap();
    assert_eq!((c.unknown, c.kernel_threads, c.judged()), (0, 2, 8));
    assert_eq!(c.unconfined(), 3);
}

#[test]
fn generated_fixture_with_kernel_threads() {
    // As in `ci/demo`: most "processes" are kernel threads, which must not
    // weigh on the ratio.
    let model = Model::generate(&landlock_audit::fixture::Spec {
        domains: 5,
        tasks: 6,
        unconfined: 7,
        kernel_threads: 22,
        max_depth: 3,
        seed: 3,
    });
    let f = Fixture::new(model);
    let d = Domains::read_from(f.root()).unwrap();
    let c = d.coverage(f.proc_root()).unwrap();
    let (total, sandboxed, mixed) = common::expected_coverage(&f.model);
    assert_eq!(c.total, total);
    assert_eq!(c.kernel_threads, 22);
    assert_eq!((c.sandboxed, c.mixed), (sandboxed, mixed));
    assert_eq!(c.judged(), total - 22);
    assert_eq!(c.ratio(), sandboxed as f64 / (total - 22) as f64);
}

#[test]
fn a_comm_forging_stat_fields_does_not_make_a_kernel_thread() {
    // The command name is between parentheses and may hold ") … flags":
    // only the fields after the last `)` count.
    let mut p = process(900, &[900], false);
    p.comm = format!("x) S 1 1 1 0 -1 {} 0", 0x0020_0000);
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(900, 900)])],
        processes: vec![p],
        ..Model::default()
    });
    let d = Domains::read_from(f.root()).unwrap();
    let c = d.coverage(f.proc_root()).unwrap();
    assert_eq!((c.kernel_threads, c.sandboxed), (0, 1));
}

#[test]
fn inconsistent_counts_never_underflow() {
    let c = Coverage {
        total: 1,
        kernel_threads: 5,
        unknown: 7,
        sandboxed: 9,
        mixed: 3,
        ..Coverage::default()
    };
    assert_eq!(c.judged(), 0);
    assert_eq!(c.unconfined(), 0);
    assert_eq!(c.ratio(), 0.0);
    let c = Coverage {
        total: 2,
        sandboxed: 9,
        ..Coverage::default()
    };
    assert_eq!(c.unconfined(), 0);
    assert_eq!(c.ratio(), 1.0);
}

#[test]
fn chains_are_read_through_ancestors_in_any_id_order() {
    // The parent has the larger ID: the chain is still followed.
    let fs = HandledAccess {
        fs: AccessFs::READ_FILE,
        ..Default::default()
    };
    let f = Fixture::new(Model {
        domains: vec![
            with_access(dom(9, None, &[]), fs),
            dom(1, Some(9), &[(50, 50)]),
        ],
        processes: vec![process(50, &[50], false)],
        ..Model::default()
    });
    let d = Domains::read_from(f.root()).unwrap();
    assert_eq!(d.get(id(1)).unwrap().depth, 2);
    let c = d.coverage(f.proc_root()).unwrap();
    assert_eq!((c.sandboxed, c.handles_fs, c.handles_net), (1, 1, 0));
}
