//! The `landlock-audit` command on fixture trees: outputs, JSON schema,
//! exit statuses.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{dom, expected_coverage, expected_process_domains, id, Fixture};
use landlock_audit::fixture::Model;
use landlock_audit::json::{DomainList, Ps, Status};
use landlock_audit::{Domain, DomainId};
use serde_json::Value;

fn run(f: &Fixture, args: &[&str]) -> Output {
    run_at(&f.root(), &f.proc_root(), args)
}

fn run_at(root: &Path, proc_root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--root")
        .arg(root)
        .arg("--proc")
        .arg(proc_root)
        .args(args)
        .output()
        .expect("run landlock-audit")
}

fn stdout(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).expect("one JSON document")
}

#[test]
fn status_json() {
    let f = Fixture::generated(120, 900);
    let v = json(&run(&f, &["status", "--json"]));
    let (total, sandboxed, mixed) = expected_coverage(&f.model);
    assert_eq!(
        v,
        serde_json::json!({
            "version": 1,
            "abi_version": 7,
            "domains": 120,
            "processes": {
                "total": total,
                "sandboxed": sandboxed,
                "mixed": mixed,
                "ratio": sandboxed as f64 / total as f64,
            }
        })
    );
    let s: Status = serde_json::from_value(v).unwrap();
    assert!((0.0..=1.0).contains(&s.processes.ratio));
    // --json may come before the subcommand too.
    let again = json(&run(&f, &["--json", "status"]));
    assert_eq!(again["domains"], 120);
}

#[test]
fn status_text() {
    let f = Fixture::generated(10, 40);
    let (total, sandboxed, mixed) = expected_coverage(&f.model);
    let out = stdout(&run(&f, &["status"]));
    assert!(out.contains("10 domains visible"), "{out}");
    assert!(
        out.contains(&format!(
            "{total} processes: {sandboxed} sandboxed, {mixed} mixed"
        )),
        "{out}"
    );
    assert!(out.contains("sandboxed ratio: 0."), "{out}");
}

#[test]
fn tree_json_matches_the_model_and_is_sorted() {
    let f = Fixture::generated(80, 300);
    let v = json(&run(&f, &["tree", "--json"]));
    assert_eq!(v["version"], 1);
    let doc: DomainList = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(doc.domains, f.model.expected());
    let ids: Vec<&str> = v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    for d in v["domains"].as_array().unwrap() {
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        for k in ["id", "parent", "depth", "access", "tasks", "creator"] {
            assert!(keys.iter().any(|x| *x == k), "{k} missing");
        }
        for k in ["fs", "net", "scope"] {
            assert!(d["access"][k].is_array());
        }
    }
}

#[test]
fn tree_text_nests_and_shows_pid_and_comm() {
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(300, 300)]), dom(2, Some(1), &[(400, 401)])],
        processes: vec![
            landlock_audit::fixture::ModelProcess {
                pid: 300,
                comm: "nginx".into(),
                threads: vec![300],
                kernel_thread: false,
            },
            landlock_audit::fixture::ModelProcess {
                pid: 400,
                comm: "worker".into(),
                threads: vec![400, 401],
                kernel_thread: false,
            },
        ],
        ..Model::default()
    });
    let out = stdout(&run(&f, &["tree"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&id(1).to_string()), "{out}");
    assert_eq!(lines[1].trim(), "pid 300 tid 300  nginx");
    assert!(lines[2].starts_with(&format!("    {}", id(2))), "{out}");
    assert_eq!(lines[3].trim(), "pid 400 tid 401  worker");
}

#[test]
fn ps_json_lists_every_process() {
    let f = Fixture::generated(30, 200);
    let v = json(&run(&f, &["ps", "--json"]));
    let doc: Ps = serde_json::from_value(v).unwrap();
    assert_eq!(doc.version, 1);
    let expected = expected_process_domains(&f.model);
    let pids: Vec<u32> = doc.processes.iter().map(|p| p.pid).collect();
    assert_eq!(pids, expected.keys().copied().collect::<Vec<_>>());
    for p in &doc.processes {
        assert_eq!(&p.domains, &expected[&p.pid], "pid {}", p.pid);
        let m = f.model.processes.iter().find(|m| m.pid == p.pid).unwrap();
        assert_eq!(p.comm, m.comm);
    }
    assert!(doc.processes.iter().any(|p| p.domains.is_empty()));
    assert!(doc.processes.iter().any(|p| p.domains.len() > 1));
}

#[test]
fn ps_text() {
    let f = Fixture::generated(5, 10);
    let out = stdout(&run(&f, &["ps"]));
    assert!(out.starts_with("     PID  COMM"), "{out}");
    assert!(
        out.lines().any(|l| l.ends_with(" -")),
        "an unconfined process"
    );
}

#[test]
fn domain_json_and_text() {
    let f = Fixture::generated(20, 60);
    let target: Domain = f.model.expected()[3].clone();
    let v = json(&run(&f, &["domain", &target.id.to_string(), "--json"]));
    let doc: DomainList = serde_json::from_value(v).unwrap();
    assert_eq!(doc.domains, vec![target.clone()]);
    let out = stdout(&run(&f, &["domain", &target.id.to_string()]));
    assert!(
        out.starts_with(&format!("domain   {}\n", target.id)),
        "{out}"
    );
    assert!(out.contains(&format!("depth    {}\n", target.depth)));
}

#[test]
fn metrics_prometheus_text() {
    let f = Fixture::generated(40, 150);
    let out = stdout(&run(&f, &["metrics"]));
    let (total, sandboxed, mixed) = expected_coverage(&f.model);
    let value = |name: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing in\n{out}"))
            .to_owned()
    };
    assert_eq!(value("landlock_audit_domains"), "40");
    assert_eq!(value("landlock_audit_processes"), total.to_string());
    assert_eq!(
        value("landlock_audit_processes_sandboxed"),
        sandboxed.to_string()
    );
    assert_eq!(value("landlock_audit_processes_mixed"), mixed.to_string());
    let ratio: f64 = value("landlock_audit_sandboxed_ratio").parse().unwrap();
    assert_eq!(ratio, sandboxed as f64 / total as f64);
    // Every sample has HELP and TYPE lines.
    for l in out.lines().filter(|l| !l.starts_with('#')) {
        let name = l.split(' ').next().unwrap();
        assert!(out.contains(&format!("# TYPE {name} gauge")), "{name}");
        assert!(out.contains(&format!("# HELP {name} ")), "{name}");
    }
    let v = json(&run(&f, &["metrics", "--json"]));
    assert_eq!(v["version"], 1);
    assert_eq!(v["processes"]["total"], total);
}

#[test]
fn exit_3_when_the_system_has_no_tree() {
    let dir = common::tempdir();
    let secfs = dir.path().join("security");
    fs::create_dir(&secfs).unwrap();
    let root = secfs.join("landlock");
    let cases = [
        (None, "securityfs is not mounted"),
        (Some("capability,yama"), "Landlock is not enabled"),
        (Some("capability,landlock"), "landlock-audit patch"),
    ];
    for (lsm, msg) in cases {
        if let Some(l) = lsm {
            fs::write(secfs.join("lsm"), l).unwrap();
        }
        let o = run_at(&root, Path::new("/proc"), &["status"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{err}");
        assert!(err.contains(msg), "{err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn exit_1_on_a_malformed_tree_or_an_unknown_domain() {
    let f = Fixture::generated(5, 10);
    let o = run(
        &f,
        &["domain", &DomainId::new(u64::MAX).unwrap().to_string()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not in the tree"));

    let victim = f.model.domains[0].id;
    f.remove_snapshot();
    fs::write(f.domain_file(victim, "depth"), "x\n").unwrap();
    let o = run(&f, &["status"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{victim}/depth:1: malformed")),
        "{err}"
    );
}

#[test]
fn exit_2_on_usage_errors() {
    let f = Fixture::generated(2, 2);
    for args in [&["frobnicate"][..], &["domain", "XYZ"], &["domain"], &[]] {
        let o = run(&f, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn help_documents_exit_statuses() {
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--help")
        .output()
        .unwrap();
    let out = stdout(&o);
    for s in [
        "Exit status:",
        "0  success",
        "2  usage error",
        "3  no Landlock audit tree",
    ] {
        assert!(out.contains(s), "{s}");
    }
    for cmd in ["status", "tree", "ps", "domain", "metrics"] {
        assert!(out.contains(cmd), "{cmd}");
    }
}
