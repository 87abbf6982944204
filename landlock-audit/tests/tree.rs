//! The library on fixture trees: contents, queries, race rules, every error
//! kind, the reader-relative meaning of parent and depth, JSON round-trips.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::{dom, expected_coverage, expected_process_domains, id, Fixture};
use landlock_audit::fixture::Model;
use landlock_audit::json::{DomainList, Ps, PsProcess, Status};
use landlock_audit::{
    AccessFs, AccessNet, AuditId, Creator, Domain, DomainId, Domains, Error, HandledAccess, Scope,
    Task,
};

fn read(f: &Fixture) -> Domains {
    Domains::read_from(f.root()).expect("valid fixture")
}

fn read_err(f: &Fixture) -> Error {
    Domains::read_from(f.root()).expect_err("broken fixture")
}

fn malformed(e: Error) -> (std::path::PathBuf, usize, String) {
    match e {
        Error::Malformed { path, line, reason } => (path, line, reason),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn generated_tree_reads_back_exactly() {
    let f = Fixture::generated(300, 3000);
    let d = read(&f);
    assert_eq!(d.version(), 1);
    assert_eq!(d.abi_version(), 7);
    assert_eq!(d.len(), 300);
    assert!(!d.is_empty());
    let got: Vec<Domain> = d.iter().cloned().collect();
    assert_eq!(got, f.model.expected());
    // Sorted by ID, every ID in [2^60, 2^64).
    assert!(got.windows(2).all(|w| w[0].id < w[1].id));
    assert!(got.iter().all(|x| x.id.get() >= 1 << 60));
    assert_eq!(d.tasks().len(), 3000);
    for x in d.iter() {
        assert_eq!(d.get(x.id), Some(x));
    }
    assert_eq!(d.get(DomainId::MIN), None);
}

#[test]
fn nesting_queries_agree_with_the_model() {
    let f = Fixture::generated(400, 1000);
    let d = read(&f);
    let roots: Vec<DomainId> = d.roots().map(|x| x.id).collect();
    let expected_roots: BTreeSet<DomainId> = f
        .model
        .domains
        .iter()
        .filter(|x| x.parent.is_none())
        .map(|x| x.id)
        .collect();
    assert_eq!(roots, expected_roots.into_iter().collect::<Vec<_>>());
    let mut nested = 0;
    for x in d.iter() {
        let kids: Vec<DomainId> = d.children(x.id).map(|k| k.id).collect();
        let expected: BTreeSet<DomainId> = f
            .model
            .domains
            .iter()
            .filter(|k| k.parent == Some(x.id))
            .map(|k| k.id)
            .collect();
        assert_eq!(kids, expected.into_iter().collect::<Vec<_>>());
        let anc: Vec<&Domain> = d.ancestors(x.id).collect();
        assert_eq!(anc.len() as u32, x.depth - 1);
        assert_eq!(anc.first().map(|a| a.id), x.parent);
        assert!(anc.windows(2).all(|w| w[0].parent == Some(w[1].id)));
        assert!(anc.last().is_none_or(|r| r.parent.is_none()));
        // Descendants: exactly the domains that have x among their ancestors.
        let desc: BTreeSet<DomainId> = d.descendants(x.id).map(|k| k.id).collect();
        let by_ancestry: BTreeSet<DomainId> = d
            .iter()
            .filter(|k| d.ancestors(k.id).any(|a| a.id == x.id))
            .map(|k| k.id)
            .collect();
        assert_eq!(desc, by_ancestry);
        nested += usize::from(x.depth > 1);
    }
    assert!(nested > 100, "the fixture nests ({nested} nested domains)");
    // Pre-order: every descendant comes after its parent.
    let r = d.roots().next().unwrap().id;
    let mut seen = BTreeSet::from([r]);
    for k in d.descendants(r) {
        assert!(seen.contains(&k.parent.unwrap()));
        seen.insert(k.id);
    }
    // Unknown IDs give nothing.
    let unknown = DomainId::new(u64::MAX).unwrap();
    assert_eq!(d.children(unknown).count(), 0);
    assert_eq!(d.ancestors(unknown).count(), 0);
    assert_eq!(d.descendants(unknown).count(), 0);
}

#[test]
fn task_and_process_lookups() {
    let f = Fixture::generated(50, 2000);
    let d = read(&f);
    for m in &f.model.domains {
        for t in &m.tasks {
            assert_eq!(d.domain_of_task(t.tid).map(|x| x.id), Some(m.id));
        }
    }
    let expected = expected_process_domains(&f.model);
    let mut several = 0;
    for (pid, ids) in &expected {
        let got: Vec<DomainId> = d.domains_of_process(*pid).iter().map(|x| x.id).collect();
        assert_eq!(&got, ids, "pid {pid}");
        several += usize::from(ids.len() > 1);
    }
    assert_eq!(d.domain_of_task(1), None);
    assert!(d.domains_of_process(1).is_empty());
    let tasks: Vec<Task> = d.tasks().map(|(t, _)| t).collect();
    assert!(tasks.windows(2).all(|w| w[0] < w[1]), "sorted by tgid, tid");
    assert!(
        several > 0,
        "the fixture has processes split across domains"
    );
}

#[test]
fn a_process_whose_threads_differ_has_several_domains() {
    let f = Fixture::new(Model {
        domains: vec![
            dom(1, None, &[(100, 100)]),
            dom(2, Some(1), &[(100, 101), (200, 200)]),
        ],
        ..Model::default()
    });
    let d = read(&f);
    let ids: Vec<DomainId> = d.domains_of_process(100).iter().map(|x| x.id).collect();
    assert_eq!(ids, [id(1), id(2)]);
    assert_eq!(d.domain_of_task(101).unwrap().id, id(2));
}

#[test]
fn coverage_counts_sandboxed_and_mixed_processes() {
    let f = Fixture::generated(100, 3000);
    let d = read(&f);
    let c = d.coverage(f.proc_root()).unwrap();
    let (total, sandboxed, mixed) = expected_coverage(&f.model);
    assert_eq!((c.total, c.sandboxed, c.mixed), (total, sandboxed, mixed));
    assert!(mixed > 0 && sandboxed > 0 && c.unconfined() >= 25);
    assert_eq!(c.ratio(), sandboxed as f64 / total as f64);
    assert!((0.0..=1.0).contains(&c.ratio()));
    // A process that exits between the listing of /proc and of its threads
    // is skipped: here, a numeric directory without task/.
    fs::create_dir(f.proc_root().join("99999")).unwrap();
    assert_eq!(d.coverage(f.proc_root()).unwrap().total, total);
    // No /proc at all is an error.
    assert!(matches!(
        d.coverage(f.dir.path().join("nope")),
        Err(Error::Io { .. })
    ));
}

#[test]
fn empty_tree() {
    let f = Fixture::new(Model::default());
    let d = read(&f);
    assert!(d.is_empty());
    assert_eq!(d.roots().count(), 0);
    let c = d.coverage(f.proc_root()).unwrap();
    assert_eq!(c.total, 0);
    assert_eq!(c.ratio(), 0.0);
}

#[test]
fn largest_fixture_10k_domains_100k_tasks() {
    // The tree only: the fake /proc of 40,000 processes adds nothing that
    // the smaller coverage tests do not check.
    let f = Fixture::tree_only(Fixture::spec(10_000, 100_000));
    let d = read(&f);
    assert_eq!(d.len(), 10_000);
    assert_eq!(d.tasks().len(), 100_000);
    assert_eq!(d.iter().map(|x| x.tasks.len()).sum::<usize>(), 100_000);
    assert_eq!(d.iter().cloned().collect::<Vec<_>>(), f.model.expected());
}

// ---- reader-relative parent and depth ----

#[test]
fn parent_and_depth_are_relative_to_the_reader() {
    // 1 ─ 2 ─ 3 ─ 4, 2 ─ 5, and 6 elsewhere.
    let full = Model {
        domains: vec![
            dom(1, None, &[(10, 10)]),
            dom(2, Some(1), &[(20, 20)]),
            dom(3, Some(2), &[(30, 30)]),
            dom(4, Some(3), &[(40, 40)]),
            dom(5, Some(2), &[(50, 50)]),
            dom(6, None, &[(60, 60)]),
        ],
        ..Model::default()
    };
    let f = Fixture::new(full.clone());
    let d = read(&f);
    assert_eq!(d.get(id(4)).unwrap().depth, 4);
    assert_eq!(d.roots().map(|x| x.id).collect::<Vec<_>>(), [id(1), id(6)]);

    // A reader sandboxed in domain 2 sees only 3, 4 and 5: 3 and 5 have no
    // visible parent and depth 1, although they are nested.
    let view = full.as_seen_from(id(2));
    let f = Fixture::new(view.clone());
    let d = read(&f);
    assert_eq!(
        d.iter().map(|x| x.id).collect::<Vec<_>>(),
        [id(3), id(4), id(5)]
    );
    assert_eq!(d.get(id(3)).unwrap().parent, None);
    assert_eq!(d.get(id(3)).unwrap().depth, 1);
    assert_eq!(d.get(id(4)).unwrap().depth, 2);
    assert_eq!(d.get(id(5)).unwrap().depth, 1);
    assert_eq!(d.roots().map(|x| x.id).collect::<Vec<_>>(), [id(3), id(5)]);
    assert_eq!(
        d.ancestors(id(4)).map(|x| x.id).collect::<Vec<_>>(),
        [id(3)]
    );
    assert_eq!(d.iter().cloned().collect::<Vec<_>>(), view.expected());
    // Its own domain and tasks are invisible to it.
    assert!(d.get(id(2)).is_none());
    assert!(d.domain_of_task(20).is_none());

    // A reader in a leaf sees nothing.
    let f = Fixture::new(full.as_seen_from(id(4)));
    assert!(read(&f).is_empty());
}

#[test]
fn absolute_depth_without_visible_parent_is_malformed() {
    // The depth must agree with what the reader sees, not with the real
    // nesting: a parentless domain of depth 3 breaks the contract.
    let f = Fixture::new(Model {
        domains: vec![dom(3, None, &[])],
        ..Model::default()
    });
    f.remove_snapshot();
    fs::write(f.domain_file(id(3), "depth"), "3\n").unwrap();
    let (path, line, reason) = malformed(read_err(&f));
    assert!(path.ends_with(format!("{}/depth", id(3))));
    assert_eq!(line, 1);
    assert!(reason.contains("no visible parent"), "{reason}");
}

// ---- race rules ----

#[test]
fn task_line_naming_an_absent_domain_is_dropped() {
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(10, 10)])],
        ..Model::default()
    });
    f.remove_snapshot();
    let tasks = f.root().join("tasks");
    let mut text = fs::read_to_string(&tasks).unwrap();
    text.push_str(&format!("11 11 {}\n", id(99)));
    fs::write(&tasks, text).unwrap();
    let d = read(&f);
    assert_eq!(d.tasks().len(), 1);
    assert!(d.domain_of_task(11).is_none());
    assert!(d.domains_of_process(11).is_empty());
}

#[test]
fn persistent_orphan_is_dropped_with_its_descendants() {
    // 2's parent (1) is not in the tree, on every re-read.
    let f = Fixture::new(Model {
        domains: vec![
            dom(2, Some(1), &[(20, 20)]),
            dom(3, Some(2), &[(30, 30)]),
            dom(4, None, &[(40, 40)]),
        ],
        ..Model::default()
    });
    f.remove_snapshot();
    let d = read(&f);
    assert_eq!(d.iter().map(|x| x.id).collect::<Vec<_>>(), [id(4)]);
    assert!(d.domain_of_task(20).is_none() && d.domain_of_task(30).is_none());
}

#[test]
fn a_domain_directory_without_its_files_is_malformed() {
    // A domain directory that exists while its files do not is no race (a
    // freed domain loses its directory too): read again once, then an error
    // naming the missing file.  (A directory that vanishes is dropped: see
    // the unit tests of the walk.)
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(10, 10)])],
        ..Model::default()
    });
    f.remove_snapshot();
    fs::create_dir(f.root().join("domains").join(id(7).to_string())).unwrap();
    let (path, line, reason) = malformed(read_err(&f));
    assert!(path.ends_with(format!("{}/parent", id(7))), "{path:?}");
    assert_eq!(line, 0);
    assert!(reason.contains("missing"), "{reason}");
}

// ---- errors ----

fn secfs_fixture(lsm: Option<&str>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = common::tempdir();
    let secfs = dir.path().join("security");
    fs::create_dir(&secfs).unwrap();
    if let Some(l) = lsm {
        fs::write(secfs.join("lsm"), l).unwrap();
    }
    let root = secfs.join("landlock");
    (dir, root)
}

#[test]
fn error_securityfs_not_mounted() {
    let (_dir, root) = secfs_fixture(None);
    let e = Domains::read_from(&root).unwrap_err();
    assert!(
        matches!(e, Error::SecurityfsNotMounted { ref path } if path == root.parent().unwrap())
    );
    assert!(e.is_unavailable());
    assert!(e.to_string().contains("mount -t securityfs"));
}

#[test]
fn error_landlock_disabled() {
    let (_dir, root) = secfs_fixture(Some("capability,yama,apparmor"));
    let e = Domains::read_from(&root).unwrap_err();
    match &e {
        Error::LandlockDisabled { lsms, .. } => assert_eq!(lsms, "capability,yama,apparmor"),
        other => panic!("{other:?}"),
    }
    assert!(e.is_unavailable());
}

#[test]
fn error_feature_absent() {
    let (_dir, root) = secfs_fixture(Some("capability,landlock,yama"));
    let e = Domains::read_from(&root).unwrap_err();
    assert!(matches!(e, Error::FeatureAbsent { ref path } if *path == root));
    assert!(e.is_unavailable());
    assert!(e.to_string().contains("landlock-audit patch"));
}

#[test]
fn error_securityfs_directory_absent() {
    // No /sys/kernel/security at all (no securityfs, or a container masking
    // /sys): the diagnosis, not an I/O error.
    let dir = common::tempdir();
    let e = Domains::read_from(dir.path().join("a/b/landlock")).unwrap_err();
    assert!(
        matches!(e, Error::SecurityfsNotMounted { ref path } if path.ends_with("a/b")),
        "{e:?}"
    );
    assert!(e.is_unavailable());
}

#[test]
fn error_io() {
    // domains/ is a file.
    let f = Fixture::new(Model::default());
    f.remove_snapshot();
    fs::remove_dir(f.root().join("domains")).unwrap();
    fs::write(f.root().join("domains"), "").unwrap();
    let (path, _, reason) = malformed(read_err(&f));
    assert!(path.ends_with("domains"), "{path:?}");
    assert!(reason.contains("not a directory"), "{reason}");
    // The tree exists but has no version.
    let f = Fixture::new(Model::default());
    fs::remove_file(f.root().join("version")).unwrap();
    assert!(matches!(read_err(&f), Error::Io { ref path, .. } if path.ends_with("version")));
}

#[test]
fn error_permission_denied_maps_from_eacces() {
    // Root reads everything, so EACCES is injected in the unit tests of the
    // walk; here, the mapping of the public constructor.
    let e = Error::from_io("/x", std::io::Error::from_raw_os_error(13));
    assert!(matches!(e, Error::PermissionDenied { .. }));
    let e = Error::from_io("/x", std::io::Error::from_raw_os_error(1));
    assert!(matches!(e, Error::PermissionDenied { .. }));
}

#[test]
fn error_unsupported_version() {
    let f = Fixture::new(Model {
        version: 2,
        ..Model::default()
    });
    match read_err(&f) {
        Error::UnsupportedVersion {
            found, supported, ..
        } => assert_eq!((found, supported), (2, 1)),
        other => panic!("{other:?}"),
    }
}

/// Two domains in the per-domain layout (no `snapshot`), to be broken.
fn two_domains() -> Fixture {
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(10, 10)]), dom(2, Some(1), &[(20, 20)])],
        ..Model::default()
    });
    f.remove_snapshot();
    f
}

#[test]
fn error_malformed_names_file_and_line() {
    // (file relative to the tree, contents, expected line)
    let d1 = id(1).to_string();
    let d2 = id(2).to_string();
    let cases: Vec<(String, String, usize)> = vec![
        ("version".into(), "one\n".into(), 1),
        ("abi_version".into(), "7\n8\n".into(), 2),
        ("tasks".into(), format!("10 10 {d1}\n20 x {d2}\n"), 2),
        (
            format!("domains/{d2}/parent"),
            "1000000000000001 \n".into(),
            1,
        ),
        (
            format!("domains/{d2}/access"),
            "fs: execute\nnet: Fly\nscope:\n".into(),
            2,
        ),
        (format!("domains/{d2}/tasks"), "20 20\n20\n".into(), 2),
        (format!("domains/{d2}/depth"), "two\n".into(), 1),
        (
            format!("domains/{d2}/creator"),
            "pid 1\nuid 0\ncomm a\ncomm b\nexe /x\n".into(),
            4,
        ),
    ];
    for (file, contents, line) in cases {
        let f = two_domains();
        fs::write(f.root().join(&file), contents).unwrap();
        let (path, got, reason) = malformed(read_err(&f));
        assert_eq!(path, f.root().join(&file), "{file}");
        assert_eq!(got, line, "{file}: {reason}");
    }
}

#[test]
fn error_malformed_domain_directory_name() {
    for name in [
        "README",
        "1000000000000001x",
        "100000000000000A",
        "0x10000000000001",
        // Below 2^60: not an ID either.
        "0fffffffffffffff",
    ] {
        let f = two_domains();
        fs::create_dir(f.root().join("domains").join(name)).unwrap();
        let (path, line, reason) = malformed(read_err(&f));
        assert!(path.ends_with("domains"), "{name}: {path:?}");
        assert_eq!(line, 0);
        assert!(reason.contains("not a domain ID"));
        assert!(reason.contains(name), "{reason}");
    }
    // A name that would forge a terminal line is quoted escaped.
    let f = two_domains();
    fs::create_dir(f.root().join("domains").join("evil\x1b[2K\nfake")).unwrap();
    let (path, _, reason) = malformed(read_err(&f));
    assert!(!path.to_string_lossy().contains('\x1b'));
    assert!(reason.contains(r#""evil\x1b[2K\nfake""#), "{reason}");
}

#[test]
fn error_duplicate_creator_key() {
    let f = two_domains();
    let file = f.domain_file(id(1), "creator");
    fs::write(&file, "pid 1\nuid 0\nuid 1\ncomm a\nexe /x\n").unwrap();
    let (path, line, reason) = malformed(read_err(&f));
    assert_eq!((path, line), (file, 3));
    assert!(reason.contains("duplicate"));
}

#[test]
fn error_depth_disagrees_with_parent_chain() {
    let f = two_domains();
    let file = f.domain_file(id(2), "depth");
    fs::write(&file, "3\n").unwrap();
    let (path, line, reason) = malformed(read_err(&f));
    assert_eq!((path, line), (file, 1));
    assert!(reason.contains("disagrees"), "{reason}");
}

#[test]
fn error_parent_cycle() {
    let f = two_domains();
    fs::write(f.domain_file(id(1), "parent"), format!("{}\n", id(2))).unwrap();
    let (path, _, reason) = malformed(read_err(&f));
    assert!(path.ends_with("parent"));
    assert!(reason.contains("cycle"), "{reason}");
    // A domain that is its own parent.
    let f = two_domains();
    fs::write(f.domain_file(id(1), "parent"), format!("{}\n", id(1))).unwrap();
    assert!(malformed(read_err(&f)).2.contains("cycle"));
}

// ---- access names and unknown bits ----

#[test]
fn unknown_access_bits_are_kept_and_named() {
    let mut m = dom(1, None, &[]);
    m.access = HandledAccess {
        fs: AccessFs::EXECUTE | AccessFs::RESOLVE_UNIX | AccessFs::from_bits_retain(1 << 17),
        net: AccessNet::CONNECT_SEND_UDP | AccessNet::from_bits_retain(1 << 63),
        scope: Scope::SIGNAL | Scope::from_bits_retain(1 << 5),
        ..Default::default()
    };
    let f = Fixture::new(Model {
        domains: vec![m.clone()],
        ..Model::default()
    });
    assert_eq!(
        fs::read_to_string(f.domain_file(id(1), "access")).unwrap(),
        "fs: execute resolve_unix bit17\nnet: connect_send_udp bit63\nscope: signal bit5\n"
    );
    let d = read(&f);
    assert_eq!(d.get(id(1)).unwrap().access, m.access);
}

// ---- JSON ----

#[test]
fn json_round_trips() {
    let f = Fixture::generated(200, 500);
    let d = read(&f);
    let mut domains: Vec<Domain> = d.iter().cloned().collect();
    domains[0].creator = None;
    domains[1].access.fs |= AccessFs::from_bits_retain(1 << 40);
    domains[2].creator = Some(Creator {
        pid: 0,
        uid: 65534,
        comm: "a b\\c\n\"q\"".into(),
        exe: "/opt/x y/z".into(),
    });
    let doc = DomainList::new(domains);
    let text = serde_json::to_string(&doc).unwrap();
    let back: DomainList = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);

    let s = Status::new(7, d.len(), d.coverage(f.proc_root()).unwrap().into());
    let back: Status = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);

    let ps = Ps::new(vec![
        PsProcess::new(1, b"init", vec![id(1), id(2)]),
        PsProcess::new(2, b"ev\xffil\x1b", vec![]),
    ]);
    let back: Ps = serde_json::from_str(&serde_json::to_string(&ps).unwrap()).unwrap();
    assert_eq!(back, ps);
}

#[test]
fn json_keeps_bytes_that_are_not_utf8() {
    use std::os::unix::ffi::OsStringExt;
    let c = Creator {
        pid: 3,
        uid: 0,
        comm: std::ffi::OsString::from_vec(b"a\xff\xfeb".to_vec()),
        exe: std::ffi::OsString::from_vec(b"/x/\x80y".to_vec()).into(),
    };
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["comm"], "a\u{fffd}\u{fffd}b");
    assert_eq!(v["comm_bytes"], serde_json::json!([97, 255, 254, 98]));
    assert_eq!(v["exe_bytes"], serde_json::json!([47, 120, 47, 128, 121]));
    let back: Creator = serde_json::from_value(v).unwrap();
    assert_eq!(back, c);
    // Valid UTF-8 has no `*_bytes` field.
    let v = serde_json::to_value(PsProcess::new(1, "é".as_bytes(), vec![])).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"pid": 1, "comm": "é", "domains": [], "unit": null, "cgroup": null,
                           "container": null})
    );
    let v = serde_json::to_value(PsProcess::new(1, b"x", vec![]).with_cgroup(
        std::path::Path::new(
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"/a\xffb.scope"),
        ),
    ))
    .unwrap();
    assert_eq!(v["cgroup"], "/a\u{fffd}b.scope");
    assert_eq!(
        v["cgroup_bytes"],
        serde_json::json!([47, 97, 255, 98, 46, 115, 99, 111, 112, 101])
    );
    let v = serde_json::to_value(PsProcess::new(1, b"\xc3", vec![])).unwrap();
    assert_eq!(v["comm_bytes"], serde_json::json!([195]));
}

#[test]
fn json_shape_of_a_domain() {
    let mut m = dom(2, Some(1), &[(20, 21), (20, 20)]);
    m.access.fs = AccessFs::EXECUTE | AccessFs::READ_FILE;
    m.access.scope = Scope::SIGNAL;
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[]), m],
        ..Model::default()
    });
    let d = read(&f);
    let v = serde_json::to_value(d.get(id(2)).unwrap()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "id": "1000000000000002",
            "parent": "1000000000000001",
            "depth": 2,
            "access": {"fs": ["execute", "read_file"], "net": [], "scope": ["signal"]},
            "tasks": [{"tgid": 20, "tid": 20}, {"tgid": 20, "tid": 21}],
            "creator": {"pid": 1, "uid": 0, "comm": "init", "exe": "/sbin/init"},
            "denials": 2
        })
    );
    let mut root = d.get(id(1)).unwrap().clone();
    root.creator = None;
    root.denials = None;
    let v = serde_json::to_value(&root).unwrap();
    assert_eq!(v["parent"], serde_json::Value::Null);
    assert_eq!(v["creator"], serde_json::Value::Null);
    assert_eq!(v["denials"], serde_json::Value::Null);
}

#[test]
fn json_shape_of_rules() {
    use landlock_audit::{FsObject, Rule, Unnamed};
    use std::os::unix::ffi::OsStringExt;
    let rules = vec![
        Rule::Fs {
            dev: (8, 1),
            ino: u64::MAX,
            object: FsObject::Path(std::ffi::OsString::from_vec(b"/srv/a b\n\xff".to_vec()).into()),
            quiet: true,
            access: AccessFs::EXECUTE | AccessFs::from_bits_retain(1 << 40),
            unknown_access: vec!["frob_nicate".into()],
        },
        Rule::Fs {
            dev: (0, 31),
            ino: 2,
            object: FsObject::Unnamed(Unnamed::TooLong),
            quiet: false,
            access: AccessFs::WRITE_FILE,
            unknown_access: vec![],
        },
        Rule::FsReleased {
            quiet: true,
            access: AccessFs::empty(),
            unknown_access: vec![],
        },
        Rule::Net {
            port: 443,
            quiet: false,
            access: AccessNet::CONNECT_TCP,
            unknown_access: vec![],
        },
    ];
    let v = serde_json::to_value(&rules).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            {"kind": "fs", "dev": {"major": 8, "minor": 1}, "ino": u64::MAX,
             "path": "/srv/a b\n\u{fffd}", "path_bytes": [47, 115, 114, 118, 47, 97, 32, 98, 10, 255],
             "reason": null, "quiet": true, "access": ["execute", "bit40", "frob_nicate"]},
            {"kind": "fs", "dev": {"major": 0, "minor": 31}, "ino": 2, "path": null,
             "reason": "too_long", "quiet": false, "access": ["write_file"]},
            {"kind": "fs", "dev": null, "ino": null, "path": null, "reason": "released",
             "quiet": true, "access": []},
            {"kind": "net", "port": 443, "quiet": false, "access": ["connect_tcp"]},
        ])
    );
    let back: Vec<Rule> = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back, rules);
    // Shapes no rule has are refused.
    for (i, field, bad) in [
        (0, "kind", serde_json::json!("scope")),
        (0, "reason", serde_json::json!("uncached")),
        (1, "dev", serde_json::Value::Null),
        (1, "reason", serde_json::json!("lost")),
        (2, "reason", serde_json::json!("deleted")),
        (2, "ino", serde_json::json!(3)),
        (3, "port", serde_json::json!(65536)),
        (3, "access", serde_json::json!(["read_file"])),
        (0, "access", serde_json::json!(["bind_tcp"])),
        (0, "surprise", serde_json::json!(1)),
    ] {
        let mut d = v.clone();
        d[i][field] = bad.clone();
        assert!(
            serde_json::from_value::<Vec<Rule>>(d).is_err(),
            "rule {i} with {field} {bad} accepted"
        );
    }
}

#[test]
fn json_rejects_bad_ids_and_names() {
    assert!(serde_json::from_str::<DomainId>("\"1000000000000001\"").is_ok());
    assert!(serde_json::from_str::<DomainId>("\"0x1000000000000001\"").is_err());
    assert!(serde_json::from_str::<DomainId>("1152921504606846977").is_err());
    assert!(serde_json::from_str::<AccessFs>("[\"execute\", \"bit40\"]").is_ok());
    assert!(serde_json::from_str::<AccessFs>("[\"fly\"]").is_err());
}

#[test]
fn from_domains_equals_reading_the_tree() {
    let f = Fixture::generated(150, 800);
    let read = read(&f);
    let mut shuffled = f.model.expected();
    shuffled.reverse();
    let built = Domains::from_domains(7, shuffled).unwrap();
    assert!(read.iter().eq(built.iter()));
    assert!(read.tasks().eq(built.tasks()));
    for x in read.iter() {
        assert!(read.children(x.id).eq(built.children(x.id)));
    }
    // The same checks as a tree's.
    let mut dup = f.model.expected();
    dup.push(dup[0].clone());
    assert!(matches!(
        Domains::from_domains(7, dup),
        Err(Error::Malformed { line: 0, .. })
    ));
    let mut bad = f.model.expected();
    bad[0].depth += 1;
    assert!(matches!(
        Domains::from_domains(7, bad),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn from_domains_sorts_and_dedups_tasks() {
    let t = |tgid, tid| Task { tgid, tid };
    let d = |n: u64, tasks: Vec<Task>| Domain {
        id: id(n),
        parent: None,
        depth: 1,
        access: HandledAccess::default(),
        tasks,
        creator: None,
        denials: None,
    };
    let s = Domains::from_domains(
        7,
        vec![
            d(2, vec![t(9, 9), t(3, 4), t(9, 9), t(3, 3)]),
            // Task 5 is listed by two domains (a race of the per-domain
            // files): found in the smaller ID.
            d(1, vec![t(5, 5)]),
            d(3, vec![t(5, 5)]),
        ],
    )
    .unwrap();
    assert_eq!(s.get(id(2)).unwrap().tasks, [t(3, 3), t(3, 4), t(9, 9)]);
    let all: Vec<(Task, DomainId)> = s.tasks().map(|(t, d)| (t, d.id)).collect();
    assert_eq!(
        all,
        [
            (t(3, 3), id(2)),
            (t(3, 4), id(2)),
            (t(5, 5), id(1)),
            (t(9, 9), id(2))
        ]
    );
    assert_eq!(s.domain_of_task(5).map(|x| x.id), Some(id(1)));
}

#[test]
fn id_parse_errors_quote_a_bounded_escaped_input() {
    let long = format!("\x1b[2K{}", "f".repeat(10_000));
    let e = long.parse::<DomainId>().unwrap_err().to_string();
    assert!(e.len() < 250, "{e}");
    assert!(e.contains(r"\x1b[2K") && !e.contains('\x1b'), "{e}");
    assert!("0fffffffffffffff".parse::<DomainId>().is_err());
}

#[test]
fn audit_id_parse_errors_quote_a_bounded_escaped_input() {
    let long = format!("domain=\x1b[2K{}", "f".repeat(10_000));
    let e = long.parse::<AuditId>().unwrap_err().to_string();
    assert!(e.len() < 400, "{e}");
    assert!(e.contains(r"domain=\x1b[2K") && !e.contains('\x1b'), "{e}");
    // 16 digits are the most; 17 are not a 64-bit value.
    assert!("ffffffffffffffff".parse::<AuditId>().is_ok());
    assert!("domain=1ffffffffffffffff".parse::<AuditId>().is_err());
    // Only one prefix, and only audit's.
    assert!("domain=domain=1a2b".parse::<AuditId>().is_err());
    assert!("domain:1a2b".parse::<AuditId>().is_err());
    assert!("Domain=1a2b".parse::<AuditId>().is_err());
}

#[test]
fn audit_id_json_is_the_bare_digits() {
    let a = AuditId::new(0x1a2b3c4d5).unwrap();
    assert_eq!(serde_json::to_string(&a).unwrap(), "\"1a2b3c4d5\"");
    assert_eq!(serde_json::from_str::<AuditId>("\"1a2b3c4d5\"").unwrap(), a);
    for bad in [
        "\"domain=1a2b3c4d5\"",
        "\"01a2b3c4d5\"",
        "\"0\"",
        "7036615125",
    ] {
        assert!(serde_json::from_str::<AuditId>(bad).is_err(), "{bad}");
    }
}

#[test]
fn audit_ids_of_a_fixture_tree_map_to_its_domains() {
    // A generated fixture read with the snapshot file and without it: the
    // audit_id files are per domain either way, and the lookup agrees with
    // the model for every domain.
    let f = Fixture::generated(30, 90);
    let with = read(&f);
    f.remove_snapshot();
    let without = read(&f);
    for m in &f.model.domains {
        let a = m.audit_id.expect("generated domains have audit IDs");
        assert_eq!(with.find_by_audit_id(f.root(), a).unwrap().id, m.id);
        assert_eq!(without.find_by_audit_id(f.root(), a).unwrap().id, m.id);
        assert_eq!(
            landlock_audit::audit_id::read(f.root(), m.id).unwrap(),
            Some(a)
        );
    }
    // The domain read is the whole entry, as `get` gives it.
    let m = &f.model.domains[7];
    let found = with
        .find_by_audit_id(f.root(), m.audit_id.unwrap())
        .unwrap();
    assert_eq!(Some(found), with.get(m.id));
    // An unknown domain reads as None.
    assert_eq!(
        landlock_audit::audit_id::read(f.root(), DomainId::new(u64::MAX).unwrap()).unwrap(),
        None
    );
}
