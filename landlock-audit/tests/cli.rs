//! The `landlock-audit` command on fixture trees: outputs, JSON schema,
//! exit statuses.

// The command line, for the list of metric families (`args::METRICS`).
#[allow(dead_code)]
#[path = "../src/bin/cli/args.rs"]
mod args;
#[path = "common/command.rs"]
mod command;
mod common;

use command::{check_json, run, run_at, validate};

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{dom, expected_coverage, expected_process_domains, id, Fixture};
use landlock_audit::fixture::Model;
use landlock_audit::json::{DomainList, Ps, Status};
use landlock_audit::{Domain, DomainId};
use serde_json::Value;

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

/// `status` has no line for a unit with nothing to judge: the fixture's
/// kernel threads are outside any unit and every other process is in one
/// (as on a systemd machine), so there is no "(no unit)" line.
#[test]
fn status_text_leaves_out_units_with_nothing_to_judge() {
    let f = Fixture::new(Model::generate(&landlock_audit::fixture::Spec {
        domains: 12,
        tasks: 40,
        unconfined: 8,
        kernel_threads: 4,
        max_depth: 4,
        seed: 1,
    }));
    let text = stdout(&run(&f, &["status"]));
    assert!(text.contains("per unit (judged"), "{text}");
    assert!(
        text.contains("  session-1.scope: 8 judged: 0 sandboxed"),
        "{text}"
    );
    assert!(!text.contains("(no unit)"), "{text}");
    // JSON keeps it, with its kernel threads.
    let v = json(&run(&f, &["status", "--json"]));
    let none = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"].is_null());
    assert_eq!(
        none.map(|u| u["kernel_threads"].as_u64()),
        Some(Some(4)),
        "{v}"
    );
}

#[test]
fn status_json() {
    let f = Fixture::generated(120, 900);
    let mut v = json(&run(&f, &["status", "--json"]));
    let (total, sandboxed, mixed) = expected_coverage(&f.model);
    // The coverage categories (checked on a model with known answers in
    // coverage_categories_in_status_and_metrics).
    // The fixture's daemons run in a service per domain, the unconfined
    // processes in one session scope: the per-unit counts add up to the
    // totals, and the scope has no sandboxed process.
    let units = v.as_object_mut().unwrap().remove("units").expect("units");
    let units = units.as_array().expect("an array");
    let sum = |k: &str| units.iter().map(|u| u[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (sum("total"), sum("sandboxed"), sum("mixed")),
        (total, sandboxed, mixed),
        "{units:?}"
    );
    let scope = units
        .iter()
        .find(|u| u["unit"] == "session-1.scope")
        .expect("the session scope");
    assert_eq!(
        (scope["sandboxed"].as_u64(), scope["mixed"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(
        units.iter().any(|u| u["unit"] == "svc-0.service"),
        "{units:?}"
    );
    let p = v["processes"].as_object_mut().unwrap();
    for k in [
        "handles_fs",
        "handles_net",
        "handles_scope",
        "fs_ratio",
        "net_ratio",
        "scope_ratio",
    ] {
        assert!(p.remove(k).is_some(), "{k} missing");
    }
    assert_eq!(
        v,
        serde_json::json!({
            "version": 1,
            "abi_version": 7,
            "domains": 120,
            "processes": {
                "total": total,
                "kernel_threads": 0,
                "unknown": 0,
                "judged": total,
                "sandboxed": sandboxed,
                "mixed": mixed,
                "unconfined": total - sandboxed - mixed,
                "ratio": sandboxed as f64 / total as f64,
                "partial": false,
            },
            "unknown_rights": [],
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
            "{total} processes: 0 kernel threads, 0 unknown (not inspectable by this reader), \
             {total} judged\n{total} judged: {sandboxed} sandboxed, {mixed} mixed, {} unconfined\n",
            total - sandboxed - mixed
        )),
        "{out}"
    );
    assert!(out.contains("sandboxed ratio: 0."), "{out}");
}

/// Three domains, kernel threads, and processes under chains that handle
/// fs, net or scope rights, with the answers worked out by hand.
fn coverage_model() -> Fixture {
    use landlock_audit::fixture::ModelProcess;
    use landlock_audit::{AccessFs, AccessNet, Scope};
    let mut d1 = dom(1, None, &[(100, 100), (104, 104)]);
    d1.access.fs = AccessFs::EXECUTE | AccessFs::REFER;
    let mut d2 = dom(2, Some(1), &[(101, 101), (101, 102), (110, 110)]);
    d2.access.net = AccessNet::BIND_TCP;
    let mut d3 = dom(3, None, &[(103, 103), (104, 105)]);
    d3.access.scope = Scope::SIGNAL;
    let p = |pid, threads: &[u32], kernel_thread| ModelProcess {
        pid,
        comm: format!("p{pid}"),
        threads: threads.to_vec(),
        kernel_thread,
        ..Default::default()
    };
    Fixture::new(Model {
        domains: vec![d1, d2, d3],
        processes: vec![
            p(2, &[2], true),
            p(3, &[3], true),
            // fs (d1)
            p(100, &[100], false),
            // fs and net (d2 under d1)
            p(101, &[101, 102], false),
            // scope (d3)
            p(103, &[103], false),
            // sandboxed, but its two threads share no class
            p(104, &[104, 105], false),
            // mixed
            p(110, &[110, 111], false),
            p(120, &[120], false),
            p(121, &[121], false),
        ],
        ..Model::default()
    })
}

#[test]
fn coverage_categories_in_status_and_metrics() {
    let f = coverage_model();
    let v = json(&run(&f, &["status", "--json"]));
    assert_eq!(
        v["processes"],
        serde_json::json!({
            "total": 9,
            "kernel_threads": 2,
            "unknown": 0,
            "judged": 7,
            "sandboxed": 4,
            "mixed": 1,
            "unconfined": 2,
            "ratio": 4.0 / 7.0,
            "handles_fs": 2,
            "handles_net": 1,
            "handles_scope": 1,
            "fs_ratio": 2.0 / 7.0,
            "net_ratio": 1.0 / 7.0,
            "scope_ratio": 1.0 / 7.0,
            "partial": false,
        })
    );
    let out = stdout(&run(&f, &["status"]));
    for l in [
        "9 processes: 2 kernel threads, 0 unknown (not inspectable by this reader), 7 judged\n",
        "7 judged: 4 sandboxed, 1 mixed, 2 unconfined\n",
        "sandboxed ratio: 0.571 (sandboxed / judged)\n",
        "handling fs: 2 (0.286), net: 1 (0.143), scope: 1 (0.143)\n",
    ] {
        assert!(out.contains(l), "{l:?} missing from\n{out}");
    }
    let out = stdout(&run(&f, &["metrics"]));
    let s = samples(&out);
    for (name, value) in [
        (
            "landlock_audit_processes{state=\"kernel_thread\"}",
            "2".to_owned(),
        ),
        ("landlock_audit_processes{state=\"unknown\"}", "0".into()),
        ("landlock_audit_processes{state=\"sandboxed\"}", "4".into()),
        ("landlock_audit_processes{state=\"mixed\"}", "1".into()),
        ("landlock_audit_processes{state=\"unconfined\"}", "2".into()),
        ("landlock_audit_partial", "0".into()),
        ("landlock_audit_sandboxed_ratio", (4.0f64 / 7.0).to_string()),
        (
            "landlock_audit_processes_handling{class=\"fs\"}",
            "2".into(),
        ),
        (
            "landlock_audit_processes_handling{class=\"net\"}",
            "1".into(),
        ),
        (
            "landlock_audit_processes_handling{class=\"scope\"}",
            "1".into(),
        ),
        (
            "landlock_audit_handling_ratio{class=\"fs\"}",
            (2.0f64 / 7.0).to_string(),
        ),
        (
            "landlock_audit_handling_ratio{class=\"net\"}",
            (1.0f64 / 7.0).to_string(),
        ),
        (
            "landlock_audit_handling_ratio{class=\"scope\"}",
            (1.0f64 / 7.0).to_string(),
        ),
    ] {
        assert!(
            s.contains(&(name, value.as_str())),
            "{name} {value} missing from\n{out}"
        );
    }
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
        domains: vec![
            dom(1, None, &[(300, 300)]),
            dom(2, Some(1), &[(400, 400), (400, 401)]),
        ],
        processes: vec![
            landlock_audit::fixture::ModelProcess {
                pid: 300,
                comm: "nginx".into(),
                threads: vec![300],
                kernel_thread: false,
                ..Default::default()
            },
            landlock_audit::fixture::ModelProcess {
                pid: 400,
                comm: "worker".into(),
                threads: vec![400, 401],
                kernel_thread: false,
                ..Default::default()
            },
        ],
        ..Model::default()
    });
    let out = stdout(&run(&f, &["tree"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&id(1).to_string()), "{out}");
    assert_eq!(lines[1].trim(), "pid 300  unit -  nginx");
    assert!(lines[2].starts_with(&format!("    {}", id(2))), "{out}");
    // One line per process, not per thread.
    assert_eq!(lines[3].trim(), "pid 400 (2 threads)  unit -  worker");
    assert_eq!(lines.len(), 4, "{out}");
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
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["PID", "USER", "STATE", "DOMAINS", "UNIT", "EXE", "COMM"]
    );
    assert!(
        out.lines()
            .any(|l| l.contains(" unconfined ") && l.contains(" - ")),
        "an unconfined process: {out}"
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

/// A UID that no user has is shown by its number in `domain`, `list` and
/// `ps`, without a crash: the static command (ci/build-initramfs) once
/// died of SIGSEGV there, in the NSS module static glibc loaded for a
/// UID that `/etc/passwd` lacks (`cli/users.rs`).
#[test]
fn users_without_a_name_are_shown_by_uid() {
    const NOBODY_HAS: u32 = 3_999_999_999;
    let mut d = dom(1, None, &[(100, 100)]);
    d.creator.uid = NOBODY_HAS;
    let model = Model {
        domains: vec![d],
        processes: vec![landlock_audit::fixture::ModelProcess {
            pid: 100,
            comm: "w".into(),
            threads: vec![100],
            uid: NOBODY_HAS,
            ..Default::default()
        }],
        ..Model::default()
    };
    let f = Fixture::new(model);
    let n = NOBODY_HAS.to_string();
    let out = stdout(&run(&f, &["domain", &id(1).to_string()]));
    assert!(
        out.contains(&format!("creator  pid 1 user {n} comm")),
        "{out}"
    );
    let out = stdout(&run(&f, &["list"]));
    assert!(out.lines().nth(1).is_some_and(|l| l.contains(&n)), "{out}");
    let out = stdout(&run(&f, &["ps"]));
    assert!(out.lines().nth(1).is_some_and(|l| l.contains(&n)), "{out}");
}

/// The `domain` lines of `out` that start with `key` and two spaces.
fn lines_of<'a>(out: &'a str, key: &str) -> Vec<&'a str> {
    out.lines()
        .filter(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with("  ")))
        .collect()
}

/// A tree of three domains: 1 denied 7 requests, 2 (below 1) more than
/// 2^53 (a JSON number a double cannot hold), 3 is on a kernel that does
/// not say.
fn denials_model() -> Model {
    let mut d1 = dom(1, None, &[(100, 100)]);
    d1.denials = Some(7);
    let mut d2 = dom(2, Some(1), &[(101, 101)]);
    d2.denials = Some(u64::MAX - 1);
    let mut d3 = dom(3, None, &[(102, 102)]);
    d3.denials = None;
    Model {
        domains: vec![d1, d2, d3],
        ..Model::default()
    }
}

#[test]
fn domain_list_and_tree_show_the_denials() {
    let f = Fixture::new(denials_model());
    // With the snapshot file, then domain by domain.
    for snapshot in [true, false] {
        if !snapshot {
            f.remove_snapshot();
        }
        let out = stdout(&run(&f, &["domain", &id(1).to_string()]));
        assert_eq!(lines_of(&out, "denials"), ["denials  7"], "{out}");
        // Right after what the domain handles and enforces.
        let keys: Vec<&str> = out
            .lines()
            .take(6)
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            keys,
            ["domain", "parent", "depth", "handles", "enforces", "denials"],
            "{out}"
        );
        let out = stdout(&run(&f, &["domain", &id(2).to_string()]));
        assert_eq!(
            lines_of(&out, "denials"),
            [format!("denials  {}", u64::MAX - 1)],
            "{out}"
        );
        let out = stdout(&run(&f, &["domain", &id(3).to_string()]));
        assert_eq!(
            lines_of(&out, "denials"),
            ["denials  unknown (needs CAP_AUDIT_READ in the initial user namespace; or a kernel without the count; or the domain ended while the tree was read)"],
            "{out}"
        );
        // JSON: the number, exactly, or null.
        for (n, want) in [
            (1, Value::from(7u64)),
            (2, Value::from(u64::MAX - 1)),
            (3, Value::Null),
        ] {
            let v = json(&run(&f, &["domain", &id(n).to_string(), "--json"]));
            assert_eq!(v["domains"][0]["denials"], want, "domain {n}: {v}");
        }
        let v = json(&run(&f, &["tree", "--json"]));
        let got: Vec<Value> = v["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["denials"].clone())
            .collect();
        assert_eq!(
            got,
            [Value::from(7u64), Value::from(u64::MAX - 1), Value::Null]
        );
        let doc: DomainList = serde_json::from_value(v).unwrap();
        let counts: Vec<Option<u64>> = doc.domains.iter().map(|d| d.denials).collect();
        assert_eq!(counts, [Some(7), Some(u64::MAX - 1), None]);
        let v = json(&run(&f, &["list", "--json"]));
        assert_eq!(v["domains"][0]["denials"], 7, "{v}");
        assert_eq!(v["domains"][2]["denials"], Value::Null, "{v}");
        let out = stdout(&run(&f, &["list"]));
        let column: Vec<&str> = out
            .lines()
            .map(|l| l.split_whitespace().nth(3).unwrap())
            .collect();
        let big = (u64::MAX - 1).to_string();
        assert_eq!(column, ["DENIALS", "7", &big, "-"], "{out}");
    }
}

/// A document of an older command, without `denials`, still reads (as
/// unknown); and the schema refuses a count that is not a count.
#[test]
fn denials_in_json_documents_old_and_bad() {
    let f = Fixture::new(denials_model());
    let mut v = json(&run(&f, &["tree", "--json"]));
    for d in v["domains"].as_array_mut().unwrap() {
        d.as_object_mut().unwrap().remove("denials");
    }
    let doc: DomainList = serde_json::from_value(v.clone()).unwrap();
    assert!(doc.domains.iter().all(|d| d.denials.is_none()));
    for bad in [Value::from(-1), Value::from(1.5), Value::from("7")] {
        let mut d = json(&run(&f, &["tree", "--json"]));
        d["domains"][0]["denials"] = bad.clone();
        let r = std::panic::catch_unwind(|| command::validate("tree.json", &d));
        assert!(r.is_err(), "denials {bad} accepted");
    }
    // Required: this command always writes it, null or a number.
    let r = std::panic::catch_unwind(|| command::validate("tree.json", &v));
    assert!(r.is_err(), "a domain without denials accepted");
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
    // One family by state, which adds up to every process.
    let sum: u64 = out
        .lines()
        .filter(|l| l.starts_with("landlock_audit_processes{state="))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, total);
    assert_eq!(
        value("landlock_audit_processes{state=\"sandboxed\"}"),
        sandboxed.to_string()
    );
    assert_eq!(
        value("landlock_audit_processes{state=\"mixed\"}"),
        mixed.to_string()
    );
    let ratio: f64 = value("landlock_audit_sandboxed_ratio").parse().unwrap();
    assert_eq!(ratio, sandboxed as f64 / total as f64);
    // Every sample has HELP and TYPE lines.
    for l in out.lines().filter(|l| !l.starts_with('#')) {
        let name = l.split([' ', '{']).next().unwrap();
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
        (None, "no Landlock audit tree at"),
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
        // A tree given with --root is a copy: nothing about this kernel or
        // mounting securityfs.
        assert!(!err.contains("this kernel is"), "{err}");
        assert!(!err.contains("mount -t"), "{err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn exit_3_when_there_is_no_securityfs_directory_at_all() {
    let dir = common::tempdir();
    // Neither the tree, nor securityfs, nor its parent exist.
    for root in [
        dir.path().join("sys/kernel/security/landlock"),
        dir.path().join("security/landlock"),
    ] {
        for cmd in ["status", "tree", "ps", "metrics"] {
            let o = run_at(&root, Path::new("/proc"), &[cmd]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(3), "{cmd}: {err}");
            assert!(err.contains("no Landlock audit tree at"), "{err}");
            assert!(!err.contains("mount -t securityfs"), "{err}");
            assert!(!err.contains("No such file"), "{err}");
            let (code, kind, _) = json_error(&run_at(&root, Path::new("/proc"), &[cmd, "--json"]));
            assert_eq!((code, kind.as_str()), (3, "securityfs_not_mounted"));
        }
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
    for args in [
        &["frobnicate"][..],
        &["domain", "XYZ"],
        &["domain", "abc"],
        &["domain"],
        &["ps", "-p", "x"],
        // --tid goes with --pid only, not with an ID or --audit-id
        // (clap's `requires` alone let these through).
        &["domain", "abcd", "--tid", "5"],
        &["domain", "--audit-id", "1a", "--tid", "5"],
        &["domain", "--tid", "5"],
    ] {
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
    // Escaping and JSON errors, with every error kind.
    for s in [
        "\\ooo",
        "{\"version\":1,\"error\":{\"kind\":\"KIND\",\"message\":\"...\"}}",
        "securityfs_not_mounted",
        "landlock_disabled",
        "feature_absent",
        "permission_denied",
        "malformed",
        "unsupported_version",
        "unknown_domain",
        "audit_id_not_found",
        "audit_id_permission_denied",
        "audit_id_unsupported",
        "rules_permission_denied",
        "rules_unavailable",
        "rules_unsupported",
        "domain_gone",
        "usage",
    ] {
        assert!(out.contains(s), "{s} missing from --help");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .args(["domain", "--help"])
        .output()
        .unwrap();
    let out = stdout(&o);
    for s in [
        "--audit-id <HEX>",
        "domain=1a2b3c4d5",
        "CAP_AUDIT_READ",
        "1  audit_id_not_found",
        "1  audit_id_permission_denied",
        "3  audit_id_unsupported",
        "--rules",
        "CAP_SYS_PTRACE",
        "1  rules_permission_denied",
        "1  rules_unavailable",
        "1  domain_gone",
        "3  rules_unsupported",
        "uncached",
        "too_long",
    ] {
        assert!(out.contains(s), "{s} missing from domain --help");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .args(["metrics", "--help"])
        .output()
        .unwrap();
    let out = stdout(&o);
    for s in [
        "--output <FILE>",
        "landlock_audit_error_info{kind=\"KIND\"} 1",
        "landlock_audit_build_info{version}",
        "atomically",
    ] {
        assert!(out.contains(s), "{s} missing from metrics --help");
    }
}

// ---------------------------------------------------------------------------
// Hostile input: names other users control must not forge or erase lines.

/// A comm that forges a `ps`/`tree` line, one that erases the previous line
/// on a terminal, one with a C1 CSI and a right-to-left override, and bytes
/// that are not UTF-8 (written into the fake /proc by hand).
const FORGER: &str = "evil\n    1062  fake  1fe0";
const ERASER: &str = "\x1b[1A\x1b[2K";
const BIDI: &str = "a\u{9b}2K\u{202e}b";

fn hostile_fixture() -> Fixture {
    use landlock_audit::fixture::ModelProcess;
    let mut d1 = dom(1, None, &[(300, 300), (301, 301)]);
    d1.creator.comm = format!("{FORGER}\\ \t").into();
    d1.creator.exe = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(
        b"/tmp/\x1b[1A\x1b[2K/x\xff y\nz",
    ));
    let d2 = dom(2, Some(1), &[(302, 302), (303, 303)]);
    let p = |pid, comm: &str| ModelProcess {
        pid,
        comm: comm.into(),
        threads: vec![pid],
        kernel_thread: false,
        ..Default::default()
    };
    let f = Fixture::new(Model {
        domains: vec![d1, d2],
        processes: vec![
            p(300, FORGER),
            p(301, ERASER),
            p(302, BIDI),
            p(303, "placeholder"),
        ],
        ..Model::default()
    });
    // Not UTF-8, and ending in a backslash.
    let bad = b"x\xff\xfe\\\n";
    fs::write(f.proc_root().join("303/comm"), bad).unwrap();
    fs::write(f.proc_root().join("303/task/303/comm"), bad).unwrap();
    f
}

use std::os::unix::ffi::OsStrExt;

/// No control byte but the line ends, and no C1 control or bidi override.
fn assert_inert(out: &str) {
    for (i, l) in out.lines().enumerate() {
        assert!(
            !l.chars().any(|c| c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)),
            "line {i} carries a control character: {l:?}"
        );
    }
}

const FORGER_ESC: &str = "evil\\012\\040\\040\\040\\0401062\\040\\040fake\\040\\0401fe0";
const ERASER_ESC: &str = "\\033[1A\\033[2K";
const BIDI_ESC: &str = "a\\302\\2332K\\342\\200\\256b";
const BAD_ESC: &str = "x\\377\\376\\134";

#[test]
fn hostile_comm_cannot_forge_tree_lines() {
    let f = hostile_fixture();
    let out = stdout(&run(&f, &["tree"]));
    assert_inert(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{}  fs: -; net: -; scope: -", id(1)),
            format!("  pid 300  unit -  {FORGER_ESC}"),
            format!("  pid 301  unit -  {ERASER_ESC}"),
            format!("    {}  fs: -; net: -; scope: -", id(2)),
            format!("      pid 302  unit -  {BIDI_ESC}"),
            format!("      pid 303  unit -  {BAD_ESC}"),
        ],
        "{out}"
    );
}

#[test]
fn hostile_comm_cannot_forge_ps_lines() {
    let f = hostile_fixture();
    let out = stdout(&run(&f, &["ps"]));
    assert_inert(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for (l, (pid, comm, d)) in lines[1..].iter().zip([
        (300, FORGER_ESC, 1),
        (301, ERASER_ESC, 1),
        (302, BIDI_ESC, 2),
        (303, BAD_ESC, 2),
    ]) {
        let fields: Vec<&str> = l.split_whitespace().collect();
        assert_eq!(fields.len(), 7, "{l}");
        assert_eq!(
            [fields[0], fields[1], fields[2], fields[3], fields[4], fields[6]],
            [
                &pid.to_string(),
                "root",
                "sandboxed",
                &id(d).to_string(),
                "-",
                comm
            ]
        );
    }
}

#[test]
fn hostile_creator_cannot_forge_domain_lines() {
    let f = hostile_fixture();
    let out = stdout(&run(&f, &["domain", &id(1).to_string()]));
    assert_inert(&out);
    let creator: Vec<&str> = out.lines().filter(|l| l.starts_with("creator")).collect();
    assert_eq!(
        creator,
        [format!(
            "creator  pid 1 user root comm {FORGER_ESC}\\134\\040\\011 exe \
             /tmp/\\033[1A\\033[2K/x\\377\\040y\\012z"
        )],
        "{out}"
    );
    assert_eq!(out.lines().count(), 11, "{out}");
}

#[test]
fn hostile_root_path_is_escaped_in_status_and_errors() {
    let dir = common::tempdir();
    let root = dir.path().join("a\nb\x1b[2K").join("landlock");
    Fixture::spec(3, 5).write(&root).unwrap();
    let f = Fixture::generated(3, 5);
    let out = stdout(&run_at(&root, &f.proc_root(), &["status"]));
    assert_inert(&out);
    assert!(out.contains("a\\012b\\033[2K/landlock"), "{out}");

    fs::write(root.join("version"), "x\n").unwrap();
    let o = run_at(&root, &f.proc_root(), &["status"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_inert(&err);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("a\\012b\\033[2K/landlock"), "{err}");
}

#[test]
fn json_keeps_hostile_values_unescaped() {
    let f = hostile_fixture();
    let v = json(&run(&f, &["ps", "--json"]));
    let comms: Vec<&str> = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["comm"].as_str().unwrap())
        .collect();
    assert_eq!(comms, [FORGER, ERASER, BIDI, "x\u{fffd}\u{fffd}\\"]);
    let v = json(&run(&f, &["domain", &id(1).to_string(), "--json"]));
    let c = &v["domains"][0]["creator"];
    assert_eq!(c["comm"], format!("{FORGER}\\ \t"));
    assert_eq!(c["exe"], "/tmp/\x1b[1A\x1b[2K/x\u{fffd} y\nz");
}

// ---------------------------------------------------------------------------
// Streaming output and closed pipes.

#[test]
fn a_closed_pipe_ends_tree_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    // About 400 kB of output: far more than a pipe holds.
    let f = Fixture::generated(2000, 10_000);
    for args in [&["tree"][..], &["tree", "--json"], &["ps"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
            .arg("--root")
            .arg(f.root())
            .arg("--proc")
            .arg(f.proc_root())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 100];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is closed here, as `| head -c 100` does.
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn tree_json_streams_the_same_document() {
    let f = Fixture::generated(50, 200);
    let doc: DomainList = serde_json::from_value(json(&run(&f, &["tree", "--json"]))).unwrap();
    assert_eq!(doc, DomainList::new(f.model.expected()));
    let empty = Fixture::new(Model::default());
    let v = json(&run(&empty, &["tree", "--json"]));
    assert_eq!(v, serde_json::json!({"version": 1, "domains": []}));
}

// ---------------------------------------------------------------------------
// Errors as JSON.

fn json_error(o: &Output) -> (i32, String, String) {
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "one document: {text}");
    assert!(
        text.starts_with("{\"version\":1,\"error\":{\"kind\":"),
        "{text}"
    );
    let v: Value = serde_json::from_str(&text).expect("a JSON error document");
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 2, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["error"].as_object().unwrap().len(), 2, "{v}");
    (
        o.status.code().unwrap(),
        v["error"]["kind"].as_str().unwrap().to_owned(),
        v["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn errors_are_json_with_json() {
    // No tree: exit 3, kind named after the library's error.
    let dir = common::tempdir();
    let root = dir.path().join("landlock");
    for (lsm, kind) in [
        (None, "securityfs_not_mounted"),
        (Some("capability,yama"), "landlock_disabled"),
        (Some("capability,landlock"), "feature_absent"),
    ] {
        if let Some(l) = lsm {
            fs::write(dir.path().join("lsm"), l).unwrap();
        }
        for cmd in ["status", "tree", "ps", "metrics"] {
            let o = run_at(&root, Path::new("/proc"), &[cmd, "--json"]);
            let (code, k, msg) = json_error(&o);
            assert_eq!((code, k.as_str()), (3, kind), "{cmd}: {msg}");
            assert!(!msg.is_empty());
            // The human message is still on stderr.
            assert!(String::from_utf8_lossy(&o.stderr).contains(&msg));
        }
    }

    let f = Fixture::generated(5, 10);
    let o = run(
        &f,
        &[
            "--json",
            "domain",
            &DomainId::new(u64::MAX).unwrap().to_string(),
        ],
    );
    let (code, kind, msg) = json_error(&o);
    assert_eq!((code, kind.as_str()), (1, "unknown_domain"));
    assert!(msg.contains("not in the tree"), "{msg}");

    let o = run(&f, &["--json", "frobnicate"]);
    let (code, kind, _) = json_error(&o);
    assert_eq!((code, kind.as_str()), (2, "usage"));

    // --pid reads the live system: not with a copied tree.
    let o = run(&f, &["--json", "domain", "--pid", "1"]);
    let (code, kind, msg) = json_error(&o);
    assert_eq!((code, kind.as_str()), (2, "usage"), "{msg}");
    assert!(msg.contains("--root"), "{msg}");
    // One of ID, --audit-id and --pid.
    let o = run(&f, &["domain", "--pid", "1", "--audit-id", "1a"]);
    assert_eq!(o.status.code(), Some(2));

    let victim = f.model.domains[0].id;
    f.remove_snapshot();
    fs::write(f.domain_file(victim, "depth"), "x\n").unwrap();
    let o = run(&f, &["status", "--json"]);
    let (code, kind, msg) = json_error(&o);
    assert_eq!((code, kind.as_str()), (1, "malformed"));
    assert!(msg.contains(&format!("{victim}/depth:1")), "{msg}");

    fs::write(f.root().join("version"), "9\n").unwrap();
    let (code, kind, _) = json_error(&run(&f, &["tree", "--json"]));
    assert_eq!((code, kind.as_str()), (1, "unsupported_version"));

    // Without --json, nothing on stdout.
    let o = run(&f, &["tree"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
}

// ---------------------------------------------------------------------------
// Prometheus.

fn samples(out: &str) -> Vec<(&str, &str)> {
    out.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(' ').unwrap())
        .collect()
}

#[test]
fn metrics_always_has_up_and_info() {
    let f = Fixture::generated(10, 30);
    let out = stdout(&run(&f, &["metrics"]));
    let s = samples(&out);
    assert!(s.contains(&("landlock_audit_up", "1")), "{out}");
    let info = format!(
        "landlock_audit_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert!(s.contains(&(info.as_str(), "1")), "{out}");
    assert!(s.contains(&("landlock_audit_abi_version", "7")), "{out}");
    assert!(!out.contains("\nlandlock_audit_error_info"), "{out}");

    // No tree: the exposition still says so, with the exit status of the
    // error.
    let dir = common::tempdir();
    let o = run_at(&dir.path().join("landlock"), &f.proc_root(), &["metrics"]);
    assert_eq!(o.status.code(), Some(3));
    let out = String::from_utf8(o.stdout).unwrap();
    // up keeps its (empty) label set; the error is an info metric.
    assert_eq!(
        samples(&out),
        [
            ("landlock_audit_up", "0"),
            (&*info, "1"),
            (
                "landlock_audit_error_info{kind=\"securityfs_not_mounted\"}",
                "1"
            ),
        ],
        "{out}"
    );
    fs::write(f.root().join("abi_version"), "seven\n").unwrap();
    let o = run(&f, &["metrics"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("landlock_audit_up 0\n"), "{out}");
    assert!(
        out.contains("landlock_audit_error_info{kind=\"malformed\"} 1\n"),
        "{out}"
    );
}

/// The samples of the family `name` (exactly: not those of a longer name).
fn family<'a>(out: &'a str, name: &str) -> Vec<(&'a str, &'a str)> {
    samples(out)
        .into_iter()
        .filter(|(series, _)| series.split('{').next() == Some(name))
        .collect()
}

#[test]
fn metrics_sum_the_denials_and_write_per_domain_series_only_on_request() {
    let f = Fixture::new(denials_model());
    let out = stdout(&run(&f, &["metrics"]));
    // 7 + (2^64 - 2), beyond u64: summed without overflow.
    let sum = (7u128 + u128::from(u64::MAX - 1)).to_string();
    assert_eq!(
        family(&out, "landlock_audit_denials"),
        [("landlock_audit_denials", sum.as_str())],
        "{out}"
    );
    assert!(
        out.contains("# TYPE landlock_audit_denials gauge\n"),
        "{out}"
    );
    // No series per domain ID by default.
    assert!(
        !out.contains("landlock_audit_domain_denials_total"),
        "{out}"
    );
    assert!(!out.contains(&id(1).to_string()), "{out}");
    let out = stdout(&run(&f, &["metrics", "--per-domain"]));
    let big = (u64::MAX - 1).to_string();
    let (s1, s2) = (
        format!(
            "landlock_audit_domain_denials_total{{domain=\"{}\"}}",
            id(1)
        ),
        format!(
            "landlock_audit_domain_denials_total{{domain=\"{}\"}}",
            id(2)
        ),
    );
    // Domain 3 has no count: no series.
    assert_eq!(
        family(&out, "landlock_audit_domain_denials_total"),
        [(s1.as_str(), "7"), (s2.as_str(), big.as_str())],
        "{out}"
    );
    assert!(
        out.contains("# TYPE landlock_audit_domain_denials_total counter\n"),
        "{out}"
    );
    assert_eq!(family(&out, "landlock_audit_denials").len(), 1, "{out}");
    // The same domain by domain (but for the time of the read).
    let timeless = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| !l.starts_with("landlock_audit_last_success_timestamp_seconds "))
            .map(str::to_owned)
            .collect()
    };
    f.remove_snapshot();
    let again = stdout(&run(&f, &["metrics", "--per-domain"]));
    assert_eq!(timeless(&again), timeless(&out));
}

#[test]
fn metrics_have_no_denials_when_the_kernel_gives_no_count() {
    let mut model = denials_model();
    for d in &mut model.domains {
        d.denials = None;
    }
    let f = Fixture::new(model);
    let out = stdout(&run(&f, &["metrics", "--per-domain"]));
    assert!(!out.contains("denials"), "{out}");
    assert!(out.contains("landlock_audit_domains 3\n"), "{out}");
    // A count of 0 is a count: written.
    let mut model = denials_model();
    for d in &mut model.domains {
        d.denials = Some(0);
    }
    let f = Fixture::new(model);
    let out = stdout(&run(&f, &["metrics", "--per-domain"]));
    assert_eq!(
        family(&out, "landlock_audit_denials"),
        [("landlock_audit_denials", "0")]
    );
    assert_eq!(family(&out, "landlock_audit_domain_denials_total").len(), 3);
    // No domain at all: the sum over none is 0, not unknown.
    let mut model = denials_model();
    model.domains.clear();
    let f = Fixture::new(model);
    let out = stdout(&run(&f, &["metrics", "--per-domain"]));
    assert_eq!(
        family(&out, "landlock_audit_denials"),
        [("landlock_audit_denials", "0")]
    );
    assert!(family(&out, "landlock_audit_domain_denials_total").is_empty());
}

/// Every family `metrics` writes, with all its options, is listed in
/// `args::METRICS` (landlock-audit-metrics(1)) with its type and labels,
/// and the list names no family the command cannot write.
#[test]
fn metrics_families_are_those_the_man_page_lists() {
    let f = Fixture::generated(12, 40);
    let e = f.dir.path().join("e.toml");
    fs::write(&e, "[[expect]]\nname = \"x\"\ncomm = \"x\"\n").unwrap();
    let out = stdout(&run(
        &f,
        &["metrics", "--per-domain", "--expect", e.to_str().unwrap()],
    ));
    let mut written: Vec<&str> = Vec::new();
    for l in out.lines() {
        let Some(t) = l.strip_prefix("# TYPE ") else {
            continue;
        };
        let (name, kind) = t.split_once(' ').unwrap();
        let m = args::METRICS
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} is not in args::METRICS"));
        assert_eq!(m.kind, kind, "{name}");
        for (series, _) in family(&out, name) {
            let labels: Vec<&str> = series
                .strip_prefix(name)
                .unwrap()
                .trim_matches(['{', '}'])
                .split(',')
                .filter(|l| !l.is_empty())
                .map(|l| l.split('=').next().unwrap())
                .collect();
            assert_eq!(labels, m.labels, "{series}");
        }
        written.push(name);
    }
    // Only a failed read writes the error.
    let unwritten: Vec<&str> = args::METRICS
        .iter()
        .map(|m| m.name)
        .filter(|n| !written.contains(n))
        .collect();
    assert_eq!(unwritten, ["landlock_audit_error_info"], "{out}");
    assert!(written.contains(&"landlock_audit_domain_denials_total"));
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn metrics_output_replaces_the_file_atomically() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::generated(10, 30);
    let textdir = common::tempdir();
    let prom = textdir.path().join("landlock.prom");
    fs::write(&prom, "stale\n").unwrap();
    let inode_before = fs::metadata(&prom).unwrap();
    let o = run(&f, &["metrics", "--output", prom.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let written = fs::read_to_string(&prom).unwrap();
    let without_time = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("landlock_audit_last_success_timestamp_seconds "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        without_time(&written),
        without_time(&stdout(&run(&f, &["metrics"])))
    );
    let success = samples(&written)
        .into_iter()
        .find(|(n, _)| *n == "landlock_audit_last_success_timestamp_seconds")
        .map(|(_, v)| v.to_owned())
        .expect("a last success time");
    // A new file renamed over the old one, readable by node_exporter's user,
    // and no temporary file left behind.
    use std::os::unix::fs::MetadataExt;
    let md = fs::metadata(&prom).unwrap();
    assert_ne!(md.ino(), inode_before.ino());
    assert_eq!(md.permissions().mode() & 0o777, 0o644);
    assert_eq!(dir_names(textdir.path()), ["landlock.prom"]);

    // The tree goes away: the file says so rather than going stale.
    fs::remove_dir_all(f.root()).unwrap();
    let o = run(&f, &["metrics", "-o", prom.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    let written = fs::read_to_string(&prom).unwrap();
    assert!(
        written.contains("landlock_audit_error_info{kind=\"feature_absent\"} 1\n"),
        "{written}"
    );
    // The time of the last success survives the failure.
    assert!(
        written.contains(&format!(
            "landlock_audit_last_success_timestamp_seconds {success}\n"
        )),
        "{written}"
    );
    assert_eq!(dir_names(textdir.path()), ["landlock.prom"]);

    // An unwritable place: exit 1, a message, nothing left behind.
    let o = run(&f, &["metrics", "-o", "/nonexistent-dir/x.prom"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent-dir/x.prom"));
    // --output writes Prometheus text only.
    let o = run(&f, &["metrics", "--json", "-o", prom.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// `metrics --output` replaces only a regular file: anything else there is
/// a usage error and is left as it was; `-` is stdout.
#[test]
fn metrics_output_refuses_what_is_not_a_regular_file() {
    use std::os::unix::fs::FileTypeExt;
    let f = Fixture::generated(3, 6);
    let dir = common::tempdir();
    let p = |name: &str| dir.path().join(name);
    fs::write(p("target.prom"), "target\n").unwrap();
    std::os::unix::fs::symlink(p("target.prom"), p("link.prom")).unwrap();
    fs::create_dir(p("dir.prom")).unwrap();
    let fifo = std::ffi::CString::new(p("fifo.prom").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let _socket = std::os::unix::net::UnixListener::bind(p("socket.prom")).unwrap();
    let mut refused = vec![
        ("link.prom", "a symbolic link"),
        ("dir.prom", "a directory"),
        ("fifo.prom", "a FIFO"),
        ("socket.prom", "a socket"),
    ];
    // A device node needs CAP_MKNOD; /dev itself is never used, so that a
    // regression cannot replace a real device.
    let dev = std::ffi::CString::new(p("null.prom").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    if unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3)) } == 0 {
        refused.push(("null.prom", "a character device"));
    } else {
        eprintln!("no CAP_MKNOD: the device case is not checked");
    }
    for (name, what) in refused {
        let before = fs::symlink_metadata(p(name)).unwrap().file_type();
        let o = run(&f, &["metrics", "-o", p(name).to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(what) && err.contains("refusing"),
            "{name}: {err}"
        );
        assert!(o.stdout.is_empty());
        let after = fs::symlink_metadata(p(name)).unwrap().file_type();
        assert_eq!(
            (
                after.is_symlink(),
                after.is_dir(),
                after.is_fifo(),
                after.is_socket()
            ),
            (
                before.is_symlink(),
                before.is_dir(),
                before.is_fifo(),
                before.is_socket()
            ),
            "{name} was replaced"
        );
    }
    assert_eq!(fs::read_to_string(p("target.prom")).unwrap(), "target\n");
    // `-`: stdout, and no file named `-`.
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .current_dir(dir.path())
        .arg("--root")
        .arg(f.root())
        .arg("--proc")
        .arg(f.proc_root())
        .args(["metrics", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("landlock_audit_up 1\n"));
    assert!(!p("-").exists(), "a file named - was created");
    // A regular file is still replaced.
    let o = run(&f, &["metrics", "-o", p("target.prom").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(fs::read_to_string(p("target.prom"))
        .unwrap()
        .contains("landlock_audit_up 1\n"));
    // --json (global, before the subcommand) and --output: a usage error,
    // not JSON on stdout with --output ignored.
    for args in [
        &["--json", "metrics", "-o"][..],
        &["metrics", "--json", "-o"][..],
    ] {
        let mut args = args.to_vec();
        let target = p("target.prom");
        args.push(target.to_str().unwrap());
        let o = run(&f, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        assert!(fs::read_to_string(&target)
            .unwrap()
            .contains("landlock_audit_up 1\n"));
    }
}

#[test]
fn comm_files_that_are_not_small_regular_files_do_not_hang_or_grow() {
    use std::os::unix::ffi::OsStrExt;
    let f = hostile_fixture();
    // A FIFO (opening it for reading would block), a symlink to an endless
    // device, and a 1 MiB file.
    let fifo = f.proc_root().join("300/comm");
    fs::remove_file(&fifo).unwrap();
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let zero = f.proc_root().join("301/comm");
    fs::remove_file(&zero).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    fs::write(f.proc_root().join("302/comm"), vec![b'a'; 1 << 20]).unwrap();
    let out = stdout(&run(&f, &["tree"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "  pid 300  unit -  ?", "{out:.300}");
    assert_eq!(lines[2], "  pid 301  unit -  ?", "{out:.300}");
    assert_eq!(
        lines[4],
        // Cut to 64 bytes and marked.
        format!("      pid 302  unit -  {}…", "a".repeat(64))
    );
}

#[test]
fn a_broken_stderr_does_not_turn_an_error_into_a_panic() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::Stdio;
    let dir = common::tempdir();
    // stderr is a pipe nobody reads: writing to it fails with EPIPE.
    let mut fds = [0; 2];
    // SAFETY: room for two descriptors.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 returned two descriptors we own.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(rd);
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--root")
        .arg(dir.path().join("none/landlock"))
        .args(["status", "--json"])
        .stderr(Stdio::from(wr))
        .output()
        .unwrap();
    check_json(&["status", "--json"], &o);
    assert_eq!(o.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "securityfs_not_mounted");
}

// ---------------------------------------------------------------------------
// domain --audit-id: audit records' domain= IDs.

/// Runs the command as `run` does, unable to bypass file permissions: as
/// root, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH are dropped from the
/// bounding set before exec (so the command has neither), as another user
/// nothing is needed.  A file of mode 000 then fails with EACCES, as
/// `audit_id` does for a reader without CAP_AUDIT_READ.
fn run_without_dac_override(f: &Fixture, args: &[&str]) -> Output {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(env!("CARGO_BIN_EXE_landlock-audit"));
    c.arg("--root")
        .arg(f.root())
        .arg("--proc")
        .arg(f.proc_root())
        .args(args);
    // SAFETY: between fork and exec, only async-signal-safe system calls
    // (geteuid, prctl), no allocation.
    unsafe {
        c.pre_exec(|| {
            if libc::geteuid() == 0 {
                // CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
                // (include/uapi/linux/capability.h).
                for cap in [1, 2] {
                    if libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
            }
            Ok(())
        });
    }
    let o = c
        .output()
        .expect("run landlock-audit without CAP_DAC_OVERRIDE (needs CAP_SETPCAP as root)");
    check_json(args, &o);
    o
}

#[test]
fn domain_by_audit_id_prints_what_domain_by_id_prints() {
    let f = Fixture::generated(25, 80);
    for m in [
        &f.model.domains[0],
        &f.model.domains[13],
        &f.model.domains[24],
    ] {
        let a = m
            .audit_id
            .expect("generated domains have audit IDs")
            .to_string();
        let id = m.id.to_string();
        for json in [false, true] {
            let extra: &[&str] = if json { &["--json"] } else { &[] };
            let by_id = stdout(&run(&f, &[&["domain", id.as_str()], extra].concat()));
            for form in [a.clone(), format!("domain={a}")] {
                let args = [&["domain", "--audit-id", form.as_str()], extra].concat();
                assert_eq!(stdout(&run(&f, &args)), by_id, "{args:?}");
            }
            if json {
                let doc: DomainList = serde_json::from_str(&by_id).unwrap();
                assert_eq!(doc.domains.len(), 1);
                assert_eq!(doc.domains[0].id, m.id);
            } else {
                assert!(by_id.starts_with(&format!("domain   {id}\n")), "{by_id}");
            }
        }
    }
    // --json before the subcommand, as for every subcommand.
    let a = f.model.domains[5].audit_id.unwrap().to_string();
    let v = json(&run(&f, &["--json", "domain", "--audit-id", &a]));
    assert_eq!(v["domains"][0]["id"], f.model.domains[5].id.to_string());
}

#[test]
fn domain_by_audit_id_not_found_is_exit_1() {
    let f = Fixture::generated(6, 12);
    // The tree's own ID of a domain is not its audit ID.
    let tree_id = format!("{:x}", f.model.domains[0].id.get());
    for wanted in ["1", tree_id.as_str()] {
        let o = run(&f, &["domain", "--audit-id", wanted]);
        assert_eq!(o.status.code(), Some(1));
        assert!(o.stdout.is_empty());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("no visible domain has audit ID {wanted} ")),
            "{err}"
        );
        let (code, kind, msg) = json_error(&run(&f, &["domain", "--audit-id", wanted, "--json"]));
        assert_eq!((code, kind.as_str()), (1, "audit_id_not_found"), "{msg}");
    }
}

#[test]
fn domain_by_audit_id_on_a_kernel_without_audit_id_files_is_exit_3() {
    let mut model = Fixture::spec(6, 12);
    let wanted = model.domains[2].audit_id.unwrap().to_string();
    for d in &mut model.domains {
        d.audit_id = None;
    }
    let f = Fixture::new(model);
    let o = run(&f, &["domain", "--audit-id", &wanted]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no audit_id files"), "{err}");
    // Not the message of a missing tree: the tree is there.
    assert!(!err.contains("exists only on a kernel"), "{err}");
    let (code, kind, msg) = json_error(&run(&f, &["domain", "--audit-id", &wanted, "--json"]));
    assert_eq!((code, kind.as_str()), (3, "audit_id_unsupported"), "{msg}");
    // The rest of the command works on that tree.
    let id = f.model.domains[2].id.to_string();
    assert!(stdout(&run(&f, &["domain", &id])).starts_with(&format!("domain   {id}\n")));
}

#[test]
fn domain_by_audit_id_without_permission_is_exit_1() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::generated(6, 12);
    let wanted = f.model.domains[4].audit_id.unwrap().to_string();
    // Every audit_id unreadable (mode 000), as the kernel's are to a reader
    // without CAP_AUDIT_READ: opening fails with a real EACCES.
    for m in &f.model.domains {
        fs::set_permissions(
            f.domain_file(m.id, "audit_id"),
            fs::Permissions::from_mode(0o000),
        )
        .unwrap();
    }
    let o = run_without_dac_override(&f, &["domain", "--audit-id", &wanted]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("permission denied: "), "{err}");
    assert!(err.contains("/audit_id: "), "{err}");
    assert!(err.contains("CAP_AUDIT_READ"), "{err}");
    let (code, kind, msg) = json_error(&run_without_dac_override(
        &f,
        &["--json", "domain", "--audit-id", &wanted],
    ));
    assert_eq!(
        (code, kind.as_str()),
        (1, "audit_id_permission_denied"),
        "{msg}"
    );
    // The rest of the tree is readable without the capability.
    let id = f.model.domains[4].id.to_string();
    let o = run_without_dac_override(&f, &["domain", &id]);
    assert!(stdout(&o).starts_with(&format!("domain   {id}\n")));
}

// ---------------------------------------------------------------------------
// domain --rules: the rules of a domain's layer.

/// A tree of two domains: 1 (below nothing) with a rule of every form, a
/// path that tries to forge a line among them; 2 (below 1) with none.
fn rules_model() -> Model {
    use landlock_audit::{AccessFs, AccessNet, FsObject, Rule, Unnamed};
    use std::os::unix::ffi::OsStrExt;
    let mut d1 = dom(1, None, &[(100, 100)]);
    d1.rules = Some(vec![
        Rule::FsReleased {
            quiet: true,
            access: AccessFs::READ_FILE,
            unknown_access: vec![],
        },
        Rule::Fs {
            dev: (0, 31),
            ino: 2,
            object: FsObject::Unnamed(Unnamed::Uncached),
            quiet: false,
            access: AccessFs::WRITE_FILE,
            unknown_access: vec![],
        },
        Rule::Fs {
            dev: (8, 1),
            ino: 131073,
            object: FsObject::Path("/usr".into()),
            quiet: true,
            access: AccessFs::EXECUTE | AccessFs::READ_FILE | AccessFs::READ_DIR,
            unknown_access: vec![],
        },
        Rule::Fs {
            dev: (8, 1),
            ino: 131074,
            object: FsObject::Path(
                std::ffi::OsStr::from_bytes(
                    format!("/srv/{FORGER}\n  fs   /etc  write_file\x1b[2K\\").as_bytes(),
                )
                .into(),
            ),
            quiet: false,
            access: AccessFs::READ_DIR,
            unknown_access: vec![],
        },
        Rule::Fs {
            dev: (8, 1),
            ino: 131075,
            object: FsObject::Path(std::ffi::OsStr::from_bytes(b"/srv/caf\xe9").into()),
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
        Rule::Net {
            port: 53,
            quiet: true,
            access: AccessNet::empty(),
            unknown_access: vec![],
        },
    ]);
    let mut d2 = dom(2, Some(1), &[(101, 101)]);
    d2.rules = Some(vec![]);
    Model {
        domains: vec![d1, d2],
        ..Model::default()
    }
}

#[test]
fn domain_rules_text() {
    let f = Fixture::new(rules_model());
    let out = stdout(&run(&f, &["domain", &id(1).to_string(), "--rules"]));
    let rules: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("rules "))
        .take_while(|l| !l.starts_with("children "))
        .collect();
    assert_eq!(
        rules,
        [
            "rules    7",
            "  fs   (released)  read_file  (quiet)",
            "  fs   (uncached)  write_file  (dev 0:31 ino 2)",
            "  fs   /usr  execute read_file read_dir  (dev 8:1 ino 131073, quiet)",
            &format!(
                "  fs   /srv/{FORGER_ESC}\\012\\040\\040fs\\040\\040\\040/etc\\040\\040write_file\\033[2K\\134  \
                 read_dir  (dev 8:1 ino 131074)"
            ),
            "  fs   /srv/caf\\351  -  (dev 8:1 ino 131075, quiet)",
            "  net  port 443  connect_tcp",
            "  net  port 53  -  (quiet)",
        ],
        "{out}"
    );
    // After the creator, before the children and tasks; the rest as
    // without --rules.
    let plain = stdout(&run(&f, &["domain", &id(1).to_string()]));
    let without: Vec<&str> = out.lines().filter(|l| !rules.contains(l)).collect();
    assert_eq!(without, plain.lines().collect::<Vec<_>>());
    assert!(!plain.contains("rules"), "{plain}");
    let keys: Vec<&str> = out.lines().map(|l| l.split(' ').next().unwrap()).collect();
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(at("creator") < at("rules") && at("rules") < at("children"));
    // A layer that added no rule says so.
    let out = stdout(&run(&f, &["domain", &id(2).to_string(), "--rules"]));
    assert_eq!(
        lines_of(&out, "rules"),
        ["rules    none (this domain's layer added no rule)"],
        "{out}"
    );
}

#[test]
fn domain_rules_json() {
    use landlock_audit::json::DomainRulesList;
    let f = Fixture::new(rules_model());
    let model = f.model.clone();
    for (n, args) in [
        (1, vec!["domain", "1000000000000001", "--rules", "--json"]),
        (1, vec!["--json", "domain", "--rules", "1000000000000001"]),
        (1, vec!["domain", "1000000000000001", "--rules", "--pretty"]),
        (2, vec!["domain", "1000000000000002", "--rules", "--json"]),
    ] {
        // Validated against domain.json by `run`.
        let v = json(&run(&f, &args));
        let doc: DomainRulesList = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(doc.domains.len(), 1, "{args:?}");
        let want = &model.domains[n - 1];
        assert_eq!(doc.domains[0].domain.id, want.id);
        assert_eq!(Some(&doc.domains[0].rules), want.rules.as_ref(), "{args:?}");
        // The domain's other fields are those of domain --json.
        let plain = json(&run(&f, &["domain", &want.id.to_string(), "--json"]));
        let mut without = v.clone();
        without["domains"][0]
            .as_object_mut()
            .unwrap()
            .remove("rules");
        assert_eq!(without, plain, "{args:?}");
        assert!(plain["domains"][0].get("rules").is_none());
    }
    // Each form's object, exactly.
    let v = json(&run(
        &f,
        &["domain", "1000000000000001", "--rules", "--json"],
    ));
    let r = &v["domains"][0]["rules"];
    assert_eq!(
        r[0],
        serde_json::json!({"kind": "fs", "dev": null, "ino": null, "path": null,
                           "reason": "released", "quiet": true, "access": ["read_file"]})
    );
    assert_eq!(
        r[1],
        serde_json::json!({"kind": "fs", "dev": {"major": 0, "minor": 31}, "ino": 2,
                           "path": null, "reason": "uncached", "quiet": false,
                           "access": ["write_file"]})
    );
    assert_eq!(
        r[2],
        serde_json::json!({"kind": "fs", "dev": {"major": 8, "minor": 1}, "ino": 131073,
                           "path": "/usr", "reason": null, "quiet": true,
                           "access": ["execute", "read_file", "read_dir"]})
    );
    assert_eq!(
        r[3]["path"],
        format!("/srv/{FORGER}\n  fs   /etc  write_file\x1b[2K\\")
    );
    assert_eq!(r[4]["path"], "/srv/caf\u{fffd}");
    assert_eq!(
        r[4]["path_bytes"],
        serde_json::json!(b"/srv/caf\xe9".to_vec())
    );
    assert_eq!(r[4]["access"], serde_json::json!([]));
    assert_eq!(
        r[5],
        serde_json::json!({"kind": "net", "port": 443, "quiet": false, "access": ["connect_tcp"]})
    );
    assert_eq!(
        r[6],
        serde_json::json!({"kind": "net", "port": 53, "quiet": true, "access": []})
    );
    // tree.json has no rules; domain.json refuses a rule of no known shape.
    let r = std::panic::catch_unwind(|| validate("tree.json", &v));
    assert!(r.is_err(), "tree.json accepted rules");
    for (i, key, bad) in [
        (0, "reason", serde_json::json!("lost")),
        (1, "path", serde_json::json!("/a")),
        (2, "dev", serde_json::Value::Null),
        (5, "port", serde_json::json!(65536)),
        (5, "surprise", serde_json::json!(1)),
        (6, "kind", serde_json::json!("scope")),
    ] {
        let mut d = v.clone();
        d["domains"][0]["rules"][i][key] = bad.clone();
        let r = std::panic::catch_unwind(|| validate("domain.json", &d));
        assert!(r.is_err(), "rule {i} with {key} {bad} accepted");
    }
}

#[test]
fn domain_rules_by_audit_id_and_on_a_generated_tree() {
    let f = Fixture::generated(25, 80);
    for m in &f.model.domains {
        let a = m.audit_id.unwrap().to_string();
        let v = json(&run(&f, &["domain", "--audit-id", &a, "--rules", "--json"]));
        let rules: Vec<landlock_audit::Rule> =
            serde_json::from_value(v["domains"][0]["rules"].clone()).unwrap();
        assert_eq!(Some(&rules), m.rules.as_ref(), "{}", m.id);
        // Text: one line per rule, whatever the paths hold.
        let out = stdout(&run(&f, &["domain", &m.id.to_string(), "--rules"]));
        let n = out
            .lines()
            .skip_while(|l| !l.starts_with("rules "))
            .skip(1)
            .take_while(|l| l.starts_with("  fs ") || l.starts_with("  net "))
            .count();
        assert_eq!(n, rules.len(), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
    }
}

#[test]
fn domain_rules_on_a_kernel_without_rules_files_is_exit_3() {
    let mut model = rules_model();
    for d in &mut model.domains {
        d.rules = None;
    }
    let f = Fixture::new(model);
    let o = run(&f, &["domain", &id(1).to_string(), "--rules"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no rules files"), "{err}");
    assert!(!err.contains("exists only on a kernel"), "{err}");
    let (code, kind, msg) = json_error(&run(
        &f,
        &["domain", &id(1).to_string(), "--rules", "--json"],
    ));
    assert_eq!((code, kind.as_str()), (3, "rules_unsupported"), "{msg}");
    // Without --rules, the domain is shown.
    assert!(stdout(&run(&f, &["domain", &id(1).to_string()])).starts_with("domain   "));
}

#[test]
fn domain_rules_without_permission_is_exit_1() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new(rules_model());
    // Unreadable (mode 000), as the kernel's is to a reader without
    // CAP_SYS_PTRACE in the initial user namespace: a real EACCES.
    let rules = f.domain_file(id(1), "rules");
    fs::set_permissions(&rules, fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_without_dac_override(&f, &["domain", &id(1).to_string(), "--rules"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "nothing but the error");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("permission denied: "), "{err}");
    assert!(err.contains("/rules: "), "{err}");
    assert!(
        err.contains("reading a domain's rules needs CAP_SYS_PTRACE in the initial user namespace"),
        "{err}"
    );
    let (code, kind, msg) = json_error(&run_without_dac_override(
        &f,
        &["--json", "domain", &id(1).to_string(), "--rules"],
    ));
    assert_eq!(
        (code, kind.as_str()),
        (1, "rules_permission_denied"),
        "{msg}"
    );
    // Without --rules the file is not read.
    let o = run_without_dac_override(&f, &["domain", &id(1).to_string()]);
    assert!(stdout(&o).starts_with(&format!("domain   {}\n", id(1))));
}

/// `domain`'s task count agrees in number: "in 1 process".
#[test]
fn domain_counts_processes_in_the_singular_too() {
    let f = Fixture::generated(12, 40);
    let mut singular = 0;
    for d in &f.model.domains {
        let o = run(&f, &["domain", &d.id.to_string()]);
        let out = stdout(&o);
        assert!(!out.contains(" in 1 processes"), "{out}");
        singular += usize::from(out.contains(" in 1 process\n"));
    }
    assert!(singular > 0, "no domain with one process in the fixture");
}

/// A copied tree read with another system's /proc (a forgotten `--proc`):
/// a warning says so, once; with the tree's own /proc, none.  The other
/// /proc is one with no process (the host's could hold the fixture's PIDs).
#[test]
fn a_tree_without_its_proc_is_warned_about() {
    let f = Fixture::generated(4, 8);
    let other = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("4000000", other.path().join("self")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--root")
        .arg(f.root())
        .arg("--proc")
        .arg(other.path())
        .arg("status")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.matches("the tree and /proc are not the same system's")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("--proc DIR"), "{err}");
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--root")
        .arg(f.root())
        .arg("--proc")
        .arg(other.path())
        .arg("tree")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not the same system"),
        "{o:?}"
    );
    for cmd in ["status", "tree"] {
        let o = run(&f, &[cmd]);
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("not the same system"),
            "{o:?}"
        );
    }
}

#[test]
fn domain_rules_malformed_is_exit_1() {
    let f = Fixture::new(rules_model());
    fs::write(
        f.domain_file(id(2), "rules"),
        "net port 443 access connect_tcp\nfs dev 8:1 ino 7 path /a\\033[2K access\nnet port 99999 access\n",
    )
    .unwrap();
    let o = run(&f, &["domain", &id(2).to_string(), "--rules"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/rules:3: malformed: port 99999 out of range"),
        "{err}"
    );
    // A raw control character is not the kernel's (it escapes them all),
    // and the message escapes it.
    fs::write(
        f.domain_file(id(2), "rules"),
        "fs dev 8:1 ino 7 path /a\x1b[2K access\n",
    )
    .unwrap();
    let o = run(&f, &["domain", &id(2).to_string(), "--rules"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/rules:1: malformed: unescaped control character") && !err.contains('\x1b'),
        "{err}"
    );
    let (code, kind, _) = json_error(&run(
        &f,
        &["domain", &id(2).to_string(), "--rules", "--json"],
    ));
    assert_eq!((code, kind.as_str()), (1, "malformed"));
}

#[test]
fn domain_by_audit_id_usage_errors_are_exit_2() {
    let f = Fixture::generated(2, 2);
    let id = f.model.domains[0].id.to_string();
    let hostile = format!("\x1b[2K{}", "f".repeat(5000));
    for args in [
        &["domain", "--audit-id"][..],
        &["domain", "--audit-id", "0"],
        &["domain", "--audit-id", "01a2b"],
        &["domain", "--audit-id", "1A2B"],
        &["domain", "--audit-id", "0x1a2b"],
        &["domain", "--audit-id", "10000000000000000"],
        &["domain", "--audit-id", ""],
        &["domain", "--audit-id", &hostile],
        &["domain", &id, "--audit-id", "1a2b"],
    ] {
        let o = run(&f, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        // clap quotes the argument (the caller's own) without its
        // escape sequences; the reason quotes at most 80 bytes of it.
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains('\x1b'), "{err:?}");
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let (code, kind, _) = json_error(&run(&f, &with_json));
        assert_eq!((code, kind.as_str()), (2, "usage"), "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// Command v2 (issue 19).

/// Lines of `ps` (after the header) as whitespace-separated fields.
fn ps_rows(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

#[test]
fn unknown_access_rights_are_shown_not_malformed() {
    let f = coverage_model();
    f.remove_snapshot();
    fs::write(
        f.domain_file(id(1), "access"),
        "fs: execute refer some_future_right\nnet:\nscope:\n",
    )
    .unwrap();
    let o = run(&f, &["status"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("does not know").count(), 1, "{err}");
    assert!(err.contains("fs:some_future_right"), "{err}");
    let tree = stdout(&run(&f, &["tree"]));
    assert!(
        tree.contains("fs: execute refer some_future_right; net: -; scope: -"),
        "{tree}"
    );
    let v = json(&run(&f, &["tree", "--json"]));
    assert_eq!(
        v["domains"][0]["access"]["fs"],
        serde_json::json!(["execute", "refer", "some_future_right"])
    );
    assert_eq!(
        json(&run(&f, &["status", "--json"]))["unknown_rights"],
        serde_json::json!(["fs:some_future_right"])
    );
    let m = stdout(&run(&f, &["metrics"]));
    assert!(m.contains("landlock_audit_up 1\n"), "{m}");
    assert!(
        m.contains("landlock_audit_domains_handling{class=\"fs\",right=\"some_future_right\"} 1\n"),
        "{m}"
    );
}

#[test]
fn ps_tells_the_states_apart_and_hides_kernel_threads() {
    let f = coverage_model();
    fs::write(
        f.proc_root().join("120/cgroup"),
        "0::/system.slice/p120.service\n",
    )
    .unwrap();
    let out = stdout(&run(&f, &["ps"]));
    let rows = ps_rows(&out);
    let state = |pid: u32| -> Option<String> {
        rows.iter()
            .find(|r| r[0] == pid.to_string())
            .map(|r| r[2].clone())
    };
    assert_eq!(state(2), None, "kernel threads hidden: {out}");
    assert_eq!(state(100).as_deref(), Some("sandboxed"));
    assert_eq!(state(110).as_deref(), Some("mixed"), "{out}");
    assert_eq!(state(120).as_deref(), Some("unconfined"));
    // COMM is last, after USER, UNIT and EXE.
    let r120 = rows.iter().find(|r| r[0] == "120").unwrap();
    assert_eq!(r120[1], "root");
    assert_eq!(r120[4], "p120.service");
    assert_eq!(r120[5], "/usr/bin/p120");
    assert_eq!(r120[6], "p120");
    let r100 = rows.iter().find(|r| r[0] == "100").unwrap();
    assert_eq!(r100[4], "-", "outside any unit: {out}");
    for all in ["-e", "--all", "-A"] {
        let out = stdout(&run(&f, &["ps", all]));
        let k = ps_rows(&out).into_iter().find(|r| r[0] == "2").unwrap();
        assert_eq!(k[2], "kernel_thread");
        assert_eq!(k[6], "[p2]");
    }
    let out = stdout(&run(&f, &["ps", "-p", "110,2", "-p", "120"]));
    let pids: Vec<String> = ps_rows(&out).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(pids, ["2", "110", "120"]);
    let v = json(&run(&f, &["ps", "--json", "-p", "110"]));
    assert_eq!(v["processes"][0]["state"], "mixed");
    assert_eq!(v["processes"][0]["uid"], 0);
    assert_eq!(v["processes"][0]["exe"], "/usr/bin/p110");
    let v = json(&run(&f, &["ps", "--json", "-p", "120"]));
    assert_eq!(v["processes"][0]["unit"], "p120.service");
}

#[test]
fn the_reader_leaves_itself_out_and_says_when_its_view_is_partial() {
    let f = coverage_model();
    let before = json(&run(&f, &["status", "--json"]));
    assert_eq!(before["processes"]["unconfined"], 2);
    // /proc/self names the reader: p121 plays it.
    fs::remove_dir(f.proc_root().join("self")).unwrap();
    std::os::unix::fs::symlink("121", f.proc_root().join("self")).unwrap();
    let after = json(&run(&f, &["status", "--json"]));
    assert_eq!(after["processes"]["total"], 8);
    assert_eq!(after["processes"]["unconfined"], 1);
    assert_eq!(after["processes"]["partial"], false);

    // p120 cannot be inspected by this reader: counted apart, and said.
    use std::os::unix::fs::PermissionsExt;
    let p120 = f.proc_root().join("120");
    fs::set_permissions(&p120, fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_without_dac_override(&f, &["status", "--json"]);
    fs::set_permissions(&p120, fs::Permissions::from_mode(0o755)).unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("partial view: 1 of 8 processes"), "{err}");
    // CAP_SYS_PTRACE is advised only to a reader without it (the command
    // inherits the test's effective set, CAP_DAC_* dropped).
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|v| u64::from_str_radix(v.trim(), 16).unwrap())
        .unwrap();
    if caps & (1 << 19) != 0 {
        assert!(!err.contains("run with CAP_SYS_PTRACE"), "{err}");
        assert!(err.contains("this reader has CAP_SYS_PTRACE"), "{err}");
    } else {
        assert!(err.contains("run with CAP_SYS_PTRACE"), "{err}");
    }
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["processes"]["unknown"], 1);
    assert_eq!(v["processes"]["partial"], true);
    fs::set_permissions(&p120, fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_without_dac_override(&f, &["metrics"]);
    fs::set_permissions(&p120, fs::Permissions::from_mode(0o755)).unwrap();
    let m = String::from_utf8(o.stdout).unwrap();
    assert!(m.contains("landlock_audit_partial 1\n"), "{m}");
    assert!(
        m.contains("landlock_audit_processes{state=\"unknown\"} 1\n"),
        "{m}"
    );
}

#[test]
fn ratios_are_absent_when_nothing_is_judged() {
    use landlock_audit::fixture::ModelProcess;
    let f = Fixture::new(Model {
        processes: vec![ModelProcess {
            pid: 2,
            comm: "kthreadd".into(),
            threads: vec![2],
            kernel_thread: true,
            ..Default::default()
        }],
        ..Model::default()
    });
    let m = stdout(&run(&f, &["metrics"]));
    assert!(!m.contains("\nlandlock_audit_sandboxed_ratio"), "{m}");
    assert!(!m.contains("\nlandlock_audit_handling_ratio"), "{m}");
    assert!(
        m.contains("landlock_audit_processes{state=\"kernel_thread\"} 1\n"),
        "{m}"
    );
    assert!(stdout(&run(&f, &["status"])).contains("sandboxed ratio: - "));
}

#[test]
fn without_a_subcommand_status_is_shown() {
    let f = coverage_model();
    let o = run(&f, &[]);
    assert_eq!(stdout(&o), stdout(&run(&f, &["status"])));
    assert_eq!(
        json(&run(&f, &["--json"])),
        json(&run(&f, &["status", "--json"]))
    );
}

#[test]
fn errors_about_a_copied_tree_do_not_assume_the_live_system() {
    let f = coverage_model();
    // The parent of the tree: the message suggests the tree.
    let o = run_at(f.dir.path(), &f.proc_root(), &["status"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("did you mean --root {}?", f.root().display())),
        "{err}"
    );
    assert!(!err.contains("mount -t securityfs"), "{err}");
    assert!(!err.contains("this kernel is"), "{err}");
    // A /proc that does not exist is an error for every command that needs
    // it, not a `?` for each name: the usage error of a wrong --proc.
    for cmd in ["tree", "ps", "status", "domain"] {
        let mut args = vec![cmd];
        let d = id(1).to_string();
        if cmd == "domain" {
            args.push(&d);
        }
        let o = run_at(&f.root(), Path::new("/nonexistent"), &args);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("/nonexistent"),
            "{cmd}"
        );
    }
}

#[test]
fn list_names_domains_by_their_creators_and_ids_by_prefix() {
    let mut model = Fixture::spec(6, 20);
    model.domains[0].creator.pid = 0;
    let first = model.domains[0].id;
    // The second domain's creator runs, in a unit.
    let second = model.domains[1].id;
    let creator = &mut model.processes[0];
    creator.cgroup = Some("/system.slice/creator.service".into());
    model.domains[1].creator.pid = creator.pid;
    let f = Fixture::new(model);
    let out = stdout(&run(&f, &["list"]));
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "DEPTH", "NPROCS", "DENIALS", "PID", "USER", "UNIT", "EXE"]
    );
    assert_eq!(out.lines().count(), 7, "{out}");
    let row = |id: DomainId| -> Vec<String> {
        out.lines()
            .find(|l| l.starts_with(&id.to_string()))
            .unwrap()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row(first)[4], "exited", "an exited creator: {out}");
    assert_eq!(row(first)[6], "-", "no unit once exited: {out}");
    assert_eq!(row(second)[6], "creator.service", "{out}");
    // A unique prefix finds the domain, as git finds a commit.
    let prefix = &first.to_string()[..8];
    let by_prefix = stdout(&run(&f, &["domain", prefix]));
    assert_eq!(by_prefix, stdout(&run(&f, &["domain", &first.to_string()])));
    assert!(by_prefix.contains("creator  pid exited "), "{by_prefix}");
    let v = json(&run(&f, &["list", "--json"]));
    assert_eq!(v["domains"].as_array().unwrap().len(), 6);
    let entry = |id: DomainId| -> Value {
        v["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id.to_string())
            .unwrap()
            .clone()
    };
    assert_eq!(entry(second)["creator_unit"], "creator.service");
    assert_eq!(entry(first)["creator_unit"], Value::Null);
}

#[test]
fn an_ambiguous_id_prefix_names_the_candidates() {
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[]), dom(2, None, &[])],
        ..Model::default()
    });
    let o = run(&f, &["domain", "1000"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ambiguous"), "{err}");
    assert!(err.contains(&id(1).to_string()) && err.contains(&id(2).to_string()));
    let (code, kind, _) = json_error(&run(&f, &["domain", "1000", "--json"]));
    assert_eq!((code, kind.as_str()), (1, "ambiguous_domain"));
}

#[test]
fn domain_shows_what_its_chain_enforces() {
    let f = coverage_model();
    // d2 handles bind_tcp; its parent d1 handles execute and refer.
    let out = stdout(&run(&f, &["domain", &id(2).to_string()]));
    assert!(
        out.contains("handles  fs: -; net: bind_tcp; scope: -\n"),
        "{out}"
    );
    assert!(
        out.contains("enforces fs: execute refer; net: bind_tcp; scope: -\n"),
        "{out}"
    );
}

#[test]
fn pretty_json_is_the_same_document() {
    let f = coverage_model();
    for cmd in ["status", "tree", "ps", "list"] {
        let o = run(&f, &[cmd, "--pretty"]);
        let text = stdout(&o);
        assert!(text.lines().count() > 1, "{cmd}: {text}");
        let pretty: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(pretty, json(&run(&f, &[cmd, "--json"])), "{cmd}");
    }
}

#[test]
fn the_schemas_are_strict_enough_to_fail() {
    let f = Fixture::generated(4, 12);
    let o = run(&f, &["ps", "--json"]);
    let mut doc = json(&o);
    validate("ps.json", &doc);
    // A field no schema knows, a state that does not exist, a bad ID: each
    // is refused.
    for (pointer, bad) in [
        ("/processes/0/surprise", Value::from(1)),
        ("/processes/0/state", Value::from("asleep")),
        ("/processes/0/pid", Value::from(-1)),
    ] {
        let mut d = doc.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        d.pointer_mut(parent).unwrap()[key] = bad;
        let r = std::panic::catch_unwind(|| validate("ps.json", &d));
        assert!(r.is_err(), "{pointer} accepted");
    }
    doc["version"] = Value::from(2);
    assert!(std::panic::catch_unwind(|| validate("ps.json", &doc)).is_err());
    // domain.json is tree.json with one domain.
    let tree = json(&run(&f, &["tree", "--json"]));
    validate("tree.json", &tree);
    assert!(std::panic::catch_unwind(|| validate("domain.json", &tree)).is_err());
}

#[test]
fn every_schema_is_a_draft_2020_12_schema_of_its_document() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Documentation/schemas");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "common.json",
            "domain.json",
            "error.json",
            "list.json",
            "ps.json",
            "status.json",
            "tree.json",
            "verify.json"
        ]
    );
    for n in &names {
        let v: Value = serde_json::from_str(&fs::read_to_string(dir.join(n)).unwrap()).unwrap();
        assert_eq!(
            v["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{n}"
        );
    }
}

/// A `--proc` that is not a procfs (neither a process directory nor
/// `self`) is a usage error, not an empty system; one with `self` and no
/// process is a (strange) system.
#[test]
fn a_wrong_proc_is_an_error() {
    let f = Fixture::generated(3, 6);
    let empty = f.dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    for args in [&["status"][..], &["ps"], &["tree"], &["--json", "status"]] {
        let o = run_at(&f.root(), &empty, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("not a procfs"), "{err}");
    }
    fs::create_dir(empty.join("self")).unwrap();
    let o = run_at(&f.root(), &empty, &["status"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // A symbolic link to a procfs is followed, as one to a tree is.
    let link = f.dir.path().join("proc-link");
    std::os::unix::fs::symlink(f.proc_root(), &link).unwrap();
    let root_link = f.dir.path().join("root-link");
    std::os::unix::fs::symlink(f.root(), &root_link).unwrap();
    let o = run_at(&root_link, &link, &["ps"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(stdout(&o), stdout(&run(&f, &["ps"])));
}

/// A `--root` that exists but holds no tree is said so, with the exit
/// status of a missing tree, and OS-style messages name missing files.
#[test]
fn a_root_that_is_not_a_tree() {
    let f = Fixture::generated(3, 6);
    let empty = f.dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let o = run_at(&empty, &f.proc_root(), &["status"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("not a Landlock audit tree") && err.contains("no version file"),
        "{err}"
    );
    let (code, kind, _) = json_error(&run_at(&empty, &f.proc_root(), &["--json", "status"]));
    assert_eq!((code, kind.as_str()), (3, "not_a_tree"));
    // The directory above the tree: the hint, the same status.
    let o = run_at(f.dir.path(), &f.proc_root(), &["status"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("did you mean --root"), "{err}");
    // A regular file given as --root: not a tree either (was exit 1,
    // "Not a directory").
    let file = f.dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let (code, kind, _) = json_error(&run_at(&file, &f.proc_root(), &["--json", "tree"]));
    assert_eq!((code, kind.as_str()), (3, "not_a_tree"));
    // A --proc that does not exist, or is a file: the usage error of a
    // wrong --proc (was exit 1 with the OS's message alone).
    for proc_root in [f.dir.path().join("nonexistent"), file.clone()] {
        let o = run_at(&f.root(), &proc_root, &["tree"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("not a procfs"), "{err}");
    }
    // A tree missing a required file: the OS's words, not Rust's.
    fs::remove_file(f.root().join("abi_version")).unwrap();
    let o = run(&f, &["status"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("No such file or directory"), "{err}");
    assert!(!err.contains("entity not found"), "{err}");
}

/// `ps -p PID` selecting no process exits 1 as procps's ps (the header
/// alone, or an empty list), and says which PIDs it did not find on
/// stderr (procps says nothing); `domain`'s usage says that it needs an ID
/// or --audit-id, and IDs no domain can have get a message of their own.
#[test]
fn ps_p_without_a_process_and_domain_usage() {
    let f = Fixture::generated(3, 6);
    let o = run(&f, &["ps", "-p", "99999"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        1,
        "{o:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "landlock-audit: warning: no such process: 99999\n"
    );
    let o = run(&f, &["--json", "ps", "-p", "99999"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["processes"], serde_json::json!([]));
    let pid = f.model.processes[0].pid.to_string();
    let o = run(&f, &["ps", "-p", &format!("{pid},99999,99998")]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no such process: 99998 99999"),
        "{o:?}"
    );

    let o = run(&f, &["domain", "--help"]);
    assert!(
        stdout(&o).contains("<ID|--audit-id <HEX>|--pid <PID>>"),
        "{}",
        stdout(&o)
    );
    let o = run(&f, &["domain"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&f, &["domain", "ABCD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("try abcd"),
        "{o:?}"
    );
    let o = run(&f, &["domain", "0000000012345678"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2^60"), "{o:?}");
}

/// `--help` lists a subcommand's own options first, then the global ones
/// under a heading of their own.
#[test]
fn help_groups_the_global_options() {
    let f = Fixture::generated(1, 1);
    let help = stdout(&run(&f, &["metrics", "--help"]));
    let at = |s: &str| {
        help.find(s)
            .unwrap_or_else(|| panic!("{s} missing: {help}"))
    };
    assert!(at("--no-units") < at("Global options"), "{help}");
    assert!(at("Global options") < at("--root <DIR>"), "{help}");
    assert!(at("Global options") < at("--pretty"), "{help}");
}

// --watch (status, tree, metrics).  A fixture tree has no generation file,
// or a regular one, which cannot signal: the command re-reads every
// --interval; the generation mode itself is tested in the VM.

/// A command running with `--watch`: its stdout lines as they come.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(f: &Fixture, args: &[&str]) -> Self {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
            .arg("--root")
            .arg(f.root())
            .arg("--proc")
            .arg(f.proc_root())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run landlock-audit");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most 20 s) for a line for which `pred` holds.
    fn wait_for(&mut self, pred: impl Fn(&str) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    let done = pred(&l);
                    self.seen.push(l);
                    if done {
                        return;
                    }
                }
                Err(e) => {
                    let _ = self.child.kill();
                    panic!("{e:?}; lines so far: {:#?}", self.seen)
                }
            }
        }
    }

    /// Waits (at most 20 s) for the command to exit: its status, every
    /// stdout line, stderr.
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        use std::io::Read;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("still running; lines: {:#?}", self.seen);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        self.seen.extend(self.lines.iter());
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.code(), self.seen, err)
    }
}

/// Replaces `path` by `contents` atomically, as the kernel's files change.
fn replace(path: &Path, contents: &str) {
    let tmp = path.with_extension("new");
    fs::write(&tmp, contents).unwrap();
    fs::rename(&tmp, path).unwrap();
}

/// One domain running one process, `sleepy`.
fn watch_fixture() -> Fixture {
    use landlock_audit::fixture::ModelProcess;
    Fixture::new(Model {
        domains: vec![dom(1, None, &[(100, 100)])],
        processes: vec![
            ModelProcess {
                pid: 100,
                comm: "sleepy".into(),
                threads: vec![100],
                ..Default::default()
            },
            ModelProcess {
                pid: 200,
                comm: "free".into(),
                threads: vec![200],
                ..Default::default()
            },
        ],
        ..Model::default()
    })
}

fn is_separator(l: &str) -> bool {
    l.starts_with("--- ") && l.len() == "--- 2026-12-07T10:15:03Z".len() && l.ends_with('Z')
}

#[test]
fn watch_prints_the_tree_again_when_it_changes() {
    let f = watch_fixture();
    let mut w = Watching::start(
        &f,
        &["tree", "--watch", "--interval", "0.05", "--count", "2"],
    );
    w.wait_for(|l| l.contains("sleepy"));
    // Unchanged reads print nothing: give it a few intervals.
    std::thread::sleep(std::time::Duration::from_millis(300));
    replace(&f.proc_root().join("100/comm"), "woken\n");
    let (code, lines, err) = w.finish();
    assert_eq!(code, Some(0), "{err}");
    let once = stdout(&run(&f, &["tree"]));
    assert!(is_separator(&lines[0]), "{lines:#?}");
    let seps: Vec<usize> = (0..lines.len())
        .filter(|&i| is_separator(&lines[i]))
        .collect();
    assert_eq!(seps.len(), 2, "{lines:#?}");
    // Each output is what `tree` prints.
    let second = lines[seps[1] + 1..].join("\n") + "\n";
    assert_eq!(second, once, "{lines:#?}");
    assert!(once.contains("woken"));
    assert!(lines[1..seps[1]].join("\n").contains("sleepy"));
    assert_eq!(
        err.trim_end(),
        "landlock-audit: no generation file (a kernel without it, or a copied tree): re-reading every 0.05 s"
    );
}

#[test]
fn watch_json_is_one_document_per_line_errors_included() {
    let f = watch_fixture();
    let args = [
        "status",
        "--watch",
        "--json",
        "--interval",
        "0.05",
        "--count",
        "2",
    ];
    let mut w = Watching::start(&f, &args);
    w.wait_for(|l| l.starts_with('{'));
    // A broken tree: an error document on its line, and watching goes on.
    replace(&f.root().join("abi_version"), "x\n");
    w.wait_for(|l| l.contains("\"error\""));
    replace(&f.root().join("abi_version"), "8\n");
    let (code, lines, err) = w.finish();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let docs: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    for d in &docs {
        validate(command::schema_of(&args, d), d);
    }
    assert_eq!(docs[0]["abi_version"], 7);
    assert_eq!(docs[1]["error"]["kind"], "malformed");
    assert_eq!(docs[2]["abi_version"], 8);
    assert!(err.contains("(still watching)"), "{err}");
}

#[test]
fn watch_with_count_1_prints_what_the_command_prints() {
    let f = watch_fixture();
    for sub in ["tree", "status"] {
        let o = run(&f, &[sub, "--watch", "--count", "1"]);
        let out = stdout(&o);
        let (sep, rest) = out.split_once('\n').unwrap();
        assert!(is_separator(sep), "{out}");
        assert_eq!(rest, stdout(&run(&f, &[sub])));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("re-reading every 10 s"), "{err}");
    }
    let o = run(&f, &["tree", "--json", "--watch", "--count", "1"]);
    assert_eq!(stdout(&o), stdout(&run(&f, &["tree", "--json"])));
    // Metrics on stdout: a comment, so that each output is an exposition.
    let out = stdout(&run(&f, &["metrics", "--watch", "--count", "1"]));
    assert!(
        out.starts_with("# 20") && out.contains("\nlandlock_audit_up 1\n"),
        "{out}"
    );
}

#[test]
fn watch_names_the_fallback_and_refuses_a_hostile_generation_file() {
    let f = watch_fixture();
    let g = f.root().join("generation");
    fs::write(&g, "42\n").unwrap();
    let o = run(
        &f,
        &["tree", "--watch", "--count", "1", "--interval", "2.5"],
    );
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "not on securityfs (a copied tree cannot signal changes): re-reading every 2.5 s"
        ),
        "{err}"
    );
    // Unreadable: the capability it needs (root's DAC override dropped).
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&g, fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_without_dac_override(&f, &["tree", "--watch", "--count", "1"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "the generation file needs CAP_SYS_PTRACE in the initial user namespace: \
             re-reading every 10 s"
        ),
        "{err}"
    );
    fs::remove_file(&g).unwrap();
    // A FIFO: refused at once (exit 1, kind malformed), never waited on.
    assert!(Command::new("mkfifo").arg(&g).status().unwrap().success());
    let t = std::time::Instant::now();
    let o = run(&f, &["tree", "--watch", "--json"]);
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    let (code, kind, msg) = json_error(&o);
    assert_eq!((code, kind.as_str()), (1, "malformed"), "{msg}");
    assert!(msg.contains("generation") && msg.contains("FIFO"), "{msg}");
    fs::remove_file(&g).unwrap();
    fs::write(&g, "0042\n").unwrap();
    let o = run(&f, &["status", "--watch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("leading zero"));
}

#[test]
fn metrics_watch_rewrites_the_file_at_every_read() {
    let f = watch_fixture();
    let file = f.dir.path().join("out/landlock.prom");
    fs::create_dir(file.parent().unwrap()).unwrap();
    let o = run(
        &f,
        &[
            "metrics",
            "--watch",
            "--interval",
            "0.05",
            "--count",
            "3",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(o.stdout.is_empty());
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("\nlandlock_audit_up 1\n"), "{text}");
    assert!(
        !text.starts_with('#') || text.starts_with("# HELP"),
        "{text}"
    );
    assert_eq!(dir_names(file.parent().unwrap()), ["landlock.prom"]);
}

#[test]
fn watch_stops_cleanly_on_sigterm_and_sigint() {
    let f = watch_fixture();
    for sig in ["TERM", "INT"] {
        let mut w = Watching::start(&f, &["tree", "--watch", "--interval", "30"]);
        w.wait_for(|l| l.contains("sleepy"));
        let pid = w.child.id().to_string();
        let t = std::time::Instant::now();
        assert!(Command::new("kill")
            .args(["-s", sig, &pid])
            .status()
            .unwrap()
            .success());
        let (code, lines, err) = w.finish();
        assert_eq!(code, Some(0), "SIG{sig}: {err}");
        assert!(t.elapsed() < std::time::Duration::from_secs(10));
        assert!(lines.iter().any(|l| l.contains("sleepy")));
        assert!(!err.contains("panic"), "{err}");
    }
}

#[test]
fn watch_usage_errors_are_exit_2() {
    let f = watch_fixture();
    for args in [
        &["tree", "--watch", "--pretty"][..],
        &["tree", "--interval", "5"],
        &["status", "--count", "2"],
        &["tree", "--watch", "--interval", "0"],
        &["tree", "--watch", "--interval", "0.001"],
        &["tree", "--watch", "--interval", "86401"],
        &["tree", "--watch", "--interval", "-1"],
        &["tree", "--watch", "--interval", "1e3"],
        &["tree", "--watch", "--interval", "nan"],
        &["tree", "--watch", "--count", "0"],
        &["tree", "--watch", "--count", "+2"],
        &["ps", "--watch"],
        &["list", "--watch"],
    ] {
        let o = run(&f, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
    }
    // A negative value gets the range message, not "unexpected argument".
    for (args, want) in [
        (
            &["tree", "--watch", "--interval", "-1"][..],
            "from 0.01 to 86400",
        ),
        (&["tree", "--watch", "--count", "-1"], "not a count"),
    ] {
        let o = run(&f, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // Under --json, a usage error carries clap's whole message.
    let o = run(&f, &["tree", "--json", "--interval", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a JSON error");
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("--watch"), "{msg}");
}

#[test]
fn help_tells_how_watch_works() {
    let f = watch_fixture();
    for sub in ["tree", "status", "metrics"] {
        let help = stdout(&run(&f, &[sub, "--help"]));
        for s in [
            "--watch",
            "--interval <SECONDS>",
            "--count <N>",
            "generation",
            "CAP_SYS_PTRACE",
            "NDJSON",
            "SIGTERM",
        ] {
            assert!(help.contains(s), "{sub} --help lacks {s}: {help}");
        }
    }
}
