//! `landlock-audit verify`, `metrics --expect` and the per-unit figures, on
//! a fixture whose answers are worked out by hand.

#[path = "common/command.rs"]
mod command;
mod common;

use command::{run, run_at};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{dom, id, Fixture};
use landlock_audit::fixture::{Model, ModelProcess};
use landlock_audit::{AccessFs, AccessNet};
use serde_json::Value;

const CONTAINER: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// d1 (fs: write_file) holds sshd (100), one thread of `mixed` (300) and
/// the container's process (500); d2 (net: bind_tcp) below it holds both
/// threads of `web` (200, 201); cron (400) and `evil` (600, whose exe is
/// hostile) are unconfined; 2 is a kernel thread.
fn system() -> Fixture {
    Fixture::new(system_model())
}

/// The model of [`system`].
fn system_model() -> Model {
    let mut d1 = dom(1, None, &[(100, 100), (300, 300), (500, 500)]);
    d1.access.fs = AccessFs::WRITE_FILE;
    let mut d2 = dom(2, Some(1), &[(200, 200), (200, 201)]);
    d2.access.net = AccessNet::BIND_TCP;
    let p =
        |pid: u32, comm: &str, threads: &[u32], exe: &str, cgroup: &str, uid: u32| ModelProcess {
            pid,
            comm: comm.into(),
            threads: threads.to_vec(),
            kernel_thread: false,
            exe: Some(exe.into()),
            uid,
            cgroup: Some(cgroup.into()),
        };
    Model {
        domains: vec![d1, d2],
        processes: vec![
            ModelProcess {
                pid: 2,
                comm: "kthreadd".into(),
                threads: vec![2],
                kernel_thread: true,
                cgroup: Some("/".into()),
                ..Default::default()
            },
            p(
                100,
                "sshd",
                &[100],
                "/usr/sbin/sshd",
                "/system.slice/ssh.service",
                0,
            ),
            p(
                200,
                "web",
                &[200, 201],
                "/usr/lib/web/bin/web",
                "/system.slice/web.service",
                33,
            ),
            p(
                300,
                "mixed",
                &[300, 301],
                "/usr/bin/mixed",
                "/system.slice/mixed.service",
                0,
            ),
            p(
                400,
                "cron",
                &[400],
                "/usr/sbin/cron",
                "/system.slice/cron.service",
                0,
            ),
            p(
                500,
                "app",
                &[500],
                "/opt/app/run",
                &format!("/kubepods.slice/kubepods-pod1.slice/cri-containerd-{CONTAINER}.scope"),
                1000,
            ),
            p(
                600,
                "evil",
                &[600],
                "/tmp/evil\n    pid 1 tid 1 exe /sbin/init",
                "/user.slice/user-1000.slice/user@1000.service/app.slice/evil.service",
                1000,
            ),
        ],
        ..Model::default()
    }
}

fn expect_file(f: &Fixture, name: &str, text: &str) -> PathBuf {
    let p = f.dir.path().join(name);
    fs::write(&p, text).expect("write expectations");
    p
}

/// `verify --expect FILE`, FILE written with `text`.
fn verify(f: &Fixture, name: &str, text: &str) -> Output {
    let e = expect_file(f, name, text);
    run(f, &["verify", "--expect", e.to_str().unwrap()])
}

fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const HELD: &str = r#"
[[expect]]
name = "sshd is sandboxed"
exe = "/usr/sbin/sshd"
sandboxed = true
handles_fs = ["write_file"]
min_processes = 1

[[expect]]
name = "web nests two layers"
exe = "/usr/lib/*/bin/web"
min_depth = 2
# write_file is handled by d1, bind_tcp by d2: the chain's union.
handles_fs = ["write_file"]
handles_net = ["bind_tcp"]
min_processes = 1

[[expect]]
name = "cron runs free"
unit = "cron.service"
sandboxed = false

[[expect]]
name = "containers"
unit = "cri-containerd-*.scope"
uid = 1000
sandboxed = true
min_processes = 1
"#;

#[test]
fn every_expectation_holds_exit_0() {
    let f = system();
    let o = verify(&f, "e.toml", HELD);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let text = out(&o);
    for l in [
        "ok        sshd is sandboxed  (1 process matched, 0 violating)\n",
        "ok        web nests two layers  (1 process matched, 0 violating)\n",
        "ok        cron runs free  (1 process matched, 0 violating)\n",
        "ok        containers  (1 process matched, 0 violating)\n",
        "4 of 4 expectations hold\n",
    ] {
        assert!(text.contains(l), "{l:?} missing from\n{text}");
    }
    let o = run(
        &f,
        &[
            "--json",
            "verify",
            "--expect",
            f.dir.path().join("e.toml").to_str().unwrap(),
        ],
    );
    let v: Value = serde_json::from_str(&out(&o)).expect("JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["results"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["results"][1]["name"], "web nests two layers");
    assert_eq!(v["results"][1]["ok"], true);
    assert_eq!(v["results"][1]["matched"], 1);
}

/// An expectation that matches nothing holds, exit 0, but says so on
/// stderr (a misspelled selector would otherwise pass silently); the
/// others give no such warning.
#[test]
fn an_expectation_that_matches_nothing_is_warned_about() {
    let f = system();
    let o = verify(&f, "e.toml", HELD);
    assert!(!err(&o).contains("matched no process"), "{}", err(&o));
    let typo = "[[expect]]\nname = \"nginx\"\nexe = \"/usr/sbin/ngnix\"\nsandboxed = true\n";
    let o = verify(&f, "t.toml", typo);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("(0 processes matched, 0 violating)"),
        "{}",
        out(&o)
    );
    assert!(
        err(&o).contains("expectation \"nginx\" matched no process")
            && err(&o).contains("min_processes = 1"),
        "{}",
        err(&o)
    );
    let strict = format!("{typo}min_processes = 1\n");
    let o = verify(&f, "s.toml", &strict);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(!err(&o).contains("matched no process"), "{}", err(&o));
}

#[test]
fn the_chain_union_is_needed_and_one_layer_is_not_enough() {
    let f = system();
    // sshd's chain (d1 alone) does not handle bind_tcp.
    let e = expect_file(
        &f,
        "e.toml",
        "[[expect]]\nname = \"n\"\ncomm = \"sshd\"\nhandles_net = [\"bind_tcp\"]\nscoped = [\"signal\"]\n",
    );
    let o = run(&f, &["--json", "verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).expect("JSON");
    let viol = &v["results"][0]["violations"];
    assert_eq!(viol.as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(viol[0]["property"], "handles_net");
    assert_eq!(viol[0]["expected"], "bind_tcp");
    assert_eq!(viol[0]["found"], "chain handles none");
    assert_eq!(viol[1]["property"], "scoped");
    assert_eq!(viol[0]["pid"], 100);
    assert_eq!(viol[0]["tid"], 100);
    assert_eq!(viol[0]["unit"], "ssh.service");
    assert_eq!(viol[0]["exe"], "/usr/sbin/sshd");
}

const VIOLATED: &str = r#"
[[expect]]
name = "mixed is sandboxed"
unit = "mixed.service"
sandboxed = true

[[expect]]
name = "a daemon that is not running"
comm = "nothing"
min_processes = 1

[[expect]]
name = "a star does not cross a slash"
exe = "/usr/*/web"
min_processes = 1

[[expect]]
name = "cron is deep"
uid = 0
comm = "cron"
min_depth = 1
"#;

#[test]
fn violations_exit_1_and_name_process_thread_and_property() {
    let f = system();
    let e = expect_file(&f, "e.toml", VIOLATED);
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert_eq!(err(&o), "", "a violation is no error");
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "violated  mixed is sandboxed  (1 process matched, 1 violating)",
            // Only the unsandboxed thread of the mixed process.
            "    pid 300 tid 301 exe /usr/bin/mixed comm mixed unit mixed.service: sandboxed expected true, found no visible domain",
            "violated  a daemon that is not running  (0 processes matched, 0 violating)",
            "    min_processes: expected at least 1, found 0",
            "violated  a star does not cross a slash  (0 processes matched, 0 violating)",
            "    min_processes: expected at least 1, found 0",
            "violated  cron is deep  (1 process matched, 1 violating)",
            "    pid 400 tid 400 exe /usr/sbin/cron comm cron unit cron.service: min_depth expected 1, found no visible domain",
            "0 of 4 expectations hold",
        ],
        "{text}"
    );
    let o = run(&f, &["--json", "verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&out(&o)).expect("JSON");
    let r = &v["results"][0];
    assert_eq!(
        (r["ok"].clone(), r["matched"].clone()),
        (Value::Bool(false), 1.into())
    );
    assert_eq!(r["violations"][0]["tid"], 301);
    assert_eq!(v["results"][1]["violations"][0]["pid"], Value::Null);
}

#[test]
fn hostile_exe_is_escaped_in_violations() {
    let f = system();
    let e = expect_file(
        &f,
        "e.toml",
        "[[expect]]\nname = \"evil\"\nunit = \"evil.service\"\nsandboxed = true\n",
    );
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.contains("exe /tmp/evil\\012\\040\\040\\040\\040pid\\0401\\040tid"),
        "{text}"
    );
    // JSON keeps the value itself.
    let o = run(&f, &["--json", "verify", "--expect", e.to_str().unwrap()]);
    let v: Value = serde_json::from_str(&out(&o)).expect("JSON");
    assert_eq!(
        v["results"][0]["violations"][0]["exe"],
        "/tmp/evil\n    pid 1 tid 1 exe /sbin/init"
    );
}

/// Exit status 2 and a message that names the file, the line and the word.
fn invalid(f: &Fixture, text: &str, wanted: &[&str]) {
    let e = expect_file(f, "bad.toml", text);
    let o = run(f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{text}: {}", err(&o));
    let msg = err(&o);
    assert!(msg.contains("bad.toml"), "{msg}");
    for w in wanted {
        assert!(msg.contains(w), "{w:?} missing from {msg}");
    }
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert_eq!(out(&o), "");
}

#[test]
fn invalid_expectations_exit_2() {
    let f = system();
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nsandboxd = true\n",
        &["line 4", "sandboxd"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nhandles_fs = [\"Write\"]\n",
        &["line 4", "\"Write\"", "write_file", "bit<N>"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nscoped = [\"bind tcp\"]\n",
        &["line 4", "bind tcp"],
    );
    // A right of another class, a misspelling, a case or dash slip: errors
    // that say what was meant (not "a newer kernel's right").
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nhandles_net = [\"write_file\"]\n",
        &["line 4", "\"write_file\" is not a net right", "handles_fs"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nhandles_fs = [\"writefile\"]\n",
        &["line 4", "\"writefile\"", "did you mean write_file?"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nhandles_fs = [\"Write-File\"]\n",
        &[
            "line 4",
            "did you mean write_file?",
            "resolve_unix; or bit<N>",
        ],
    );
    // The hostile word is bounded; the list of known names is never cut.
    let long = "\\u0001".repeat(200);
    invalid(
        &f,
        &format!("[[expect]]\nname = \"a\"\ncomm = \"x\"\nhandles_fs = [\"{long}\"]\n"),
        &[
            "line 4",
            "(200 bytes)",
            "resolve_unix; or bit<N>",
            "digits and _)",
        ],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nhandles_net = [\"bit64\"]\n",
        &["line 4", "bit64"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\nsandboxed = true\n",
        &["line 1", "no selector"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\n[[expect]]\nname = \"a\"\nuid = 1\n",
        &["line 5", "duplicate", "\"a\""],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\nexe = \"sshd\"\n",
        &["line 3", "absolute", "sshd"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\nmin_depth = \"two\"\n",
        &["line 4"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\nuid = 0\n[oops\n",
        &["line 4"],
    );
    invalid(
        &f,
        "[[expectation]]\nname = \"a\"\n",
        &["line 1", "expectation"],
    );
    invalid(&f, "", &["no expectation"]);
    // The messages name the key path, say [[expect]], and do not say
    // "line 0" for the whole file.
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\nuid = 1\n[[expect]]\nname = \"b\"\nuid = -1\n",
        &["line 6, column 7", "expect[1].uid", "-1"],
    );
    invalid(
        &f,
        "[expect]\nname = \"a\"\nuid = 1\n",
        &["line 1", "use [[expect]] tables"],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\"\nuid = 1\nhandles_fs = \"write_file\"\n",
        &["line 4", "expect[0].handles_fs", "handles_fs = ["],
    );
    invalid(
        &f,
        "[[expect]]\nname = \"a\nuid = 1\n",
        &["line 2", "expect[0].name", "unterminated"],
    );
    let e = expect_file(&f, "bad.toml", "");
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert!(!err(&o).contains("line 0"), "{}", err(&o));
    // A huge bad line is not quoted whole.
    let long = format!(
        "[[expect]]\nname = \"a\"\ncomm = \"x\"\n{} = 1\n",
        "k".repeat(100_000)
    );
    let e = expect_file(&f, "bad.toml", &long);
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).len() < 1000, "{}", err(&o).len());
    // Missing, even without a tree.
    let o = run_at(
        Path::new("/nonexistent/landlock"),
        &f.proc_root(),
        &["verify", "--expect", "/nonexistent/e.toml"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("/nonexistent/e.toml"), "{}", err(&o));
    let o = run(&f, &["--json", "verify", "--expect", "/nonexistent/e.toml"]);
    let v: Value = serde_json::from_str(&out(&o)).expect("JSON error");
    assert_eq!(v["error"]["kind"], "expectations");
}

#[test]
fn no_tree_is_exit_3() {
    let f = system();
    let e = expect_file(&f, "e.toml", HELD);
    fs::remove_dir_all(f.root()).expect("remove the tree");
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
}

fn sample<'a>(text: &'a str, series: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
}

#[test]
fn metrics_expect_and_units() {
    let f = system();
    let held = expect_file(&f, "held.toml", HELD);
    let text = out(&run(&f, &["metrics", "--expect", held.to_str().unwrap()]));
    assert_eq!(
        sample(
            &text,
            "landlock_audit_expectation_ok{expectation=\"web nests two layers\"}"
        ),
        Some("1"),
        "{text}"
    );
    let bad = expect_file(&f, "bad.toml", VIOLATED);
    let o = run(&f, &["metrics", "--expect", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    for (series, value) in [
        ("landlock_audit_expectation_ok{expectation=\"mixed is sandboxed\"}", "0"),
        ("landlock_audit_expectation_matched_processes{expectation=\"mixed is sandboxed\"}", "1"),
        ("landlock_audit_expectation_violating_processes{expectation=\"mixed is sandboxed\"}", "1"),
        ("landlock_audit_expectation_violating_processes{expectation=\"a daemon that is not running\"}", "0"),
        ("landlock_audit_unit_processes{unit=\"web.service\",state=\"sandboxed\"}", "1"),
        ("landlock_audit_unit_processes{unit=\"mixed.service\",state=\"mixed\"}", "1"),
        ("landlock_audit_unit_processes{unit=\"cron.service\",state=\"unconfined\"}", "1"),
        ("landlock_audit_unit_processes{unit=\"cron.service\",state=\"sandboxed\"}", "0"),
        ("landlock_audit_unit_processes{unit=\"-\",state=\"kernel_thread\"}", "1"),
        (&format!("landlock_audit_unit_processes{{unit=\"cri-containerd-{CONTAINER}.scope\",state=\"sandboxed\"}}"), "1"),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    let o = run(&f, &["metrics", "--no-units"]);
    assert!(!out(&o).contains("landlock_audit_unit_processes"));
    // An invalid file: up 0 with the kind, exit 2.
    let e = expect_file(&f, "worse.toml", "[[expect]]\n");
    let o = run(&f, &["metrics", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let text = out(&o);
    assert_eq!(sample(&text, "landlock_audit_up"), Some("0"), "{text}");
    assert_eq!(
        sample(&text, "landlock_audit_error_info{kind=\"expectations\"}"),
        Some("1"),
        "{text}"
    );
}

#[test]
fn units_in_ps_status_and_tree() {
    let f = system();
    let o = run(&f, &["--json", "ps"]);
    let v: Value = serde_json::from_str(&out(&o)).expect("JSON");
    let p500 = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == 500)
        .unwrap();
    assert_eq!(p500["unit"], format!("cri-containerd-{CONTAINER}.scope"));
    assert_eq!(p500["container"]["runtime"], "containerd");
    assert_eq!(p500["container"]["id"], CONTAINER);
    assert!(p500["cgroup"]
        .as_str()
        .unwrap()
        .starts_with("/kubepods.slice/"));
    let p100 = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == 100)
        .unwrap();
    assert_eq!(
        (p100["unit"].clone(), p100["container"].clone()),
        ("ssh.service".into(), Value::Null)
    );
    let text = out(&run(&f, &["ps"]));
    let row100 = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|r| r[0] == "100")
        .unwrap();
    // PID USER STATE DOMAINS UNIT EXE COMM
    assert_eq!(
        [row100[3], row100[4], row100[6]],
        [id(1).to_string().as_str(), "ssh.service", "sshd"],
        "{text}"
    );
    let text = out(&run(&f, &["status"]));
    assert!(
        text.contains("  mixed.service: 1 judged: 0 sandboxed, 1 mixed, 0 unconfined\n"),
        "{text}"
    );
    let text = out(&run(&f, &["status", "--no-units"]));
    assert!(!text.contains("mixed.service"), "{text}");
    let text = out(&run(&f, &["tree"]));
    assert!(
        text.contains("      pid 200 (2 threads)  unit web.service  web\n"),
        "{text}"
    );
}

/// The results of `verify --json --expect FILE` by expectation name:
/// `(ok, matched)`.
fn results(f: &Fixture, file: &Path) -> std::collections::BTreeMap<String, (bool, u64)> {
    let o = run(f, &["--json", "verify", "--expect", file.to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", err(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                (r["ok"].as_bool().unwrap(), r["matched"].as_u64().unwrap()),
            )
        })
        .collect()
}

/// The example files of contrib/expectations cannot fail because of the
/// command itself, which leaves its own process out of every count: on a
/// system where the command runs as the units of contrib/systemd install
/// it, an expectation that holds when its process is counted (`self` names
/// no process) holds as well when it is left out (`self` names it).
#[test]
fn contrib_expectations_do_not_depend_on_the_command_itself() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/expectations");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("contrib/expectations")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no file in {}", dir.display());
    let mut model = system_model();
    model.processes.push(ModelProcess {
        pid: 4242,
        comm: "landlock-audit".into(),
        threads: vec![4242],
        kernel_thread: false,
        exe: Some("/usr/local/bin/landlock-audit".into()),
        uid: 61184,
        cgroup: Some("/system.slice/landlock-audit-verify.service".into()),
    });
    let f = Fixture::new(model);
    let set_self = |target: &str| {
        let link = f.proc_root().join("self");
        let _ = fs::remove_dir(&link);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).expect("self link");
    };
    for file in &files {
        set_self("9999");
        let counted = results(&f, file);
        set_self("4242");
        let left_out = results(&f, file);
        for (name, (ok, matched)) in &counted {
            assert!(
                !ok || left_out[name].0,
                "{}: {name:?} holds only when the command counts itself \
                 ({matched} matched with it, {} without)",
                file.display(),
                left_out[name].1
            );
        }
    }
}

/// `metrics --json --expect FILE` carries the results `verify --json`
/// prints (the schema is checked by `run`).
#[test]
fn metrics_json_has_the_expectation_results() {
    let f = system();
    let bad = expect_file(&f, "bad.toml", VIOLATED);
    let o = run(
        &f,
        &["--json", "metrics", "--expect", bad.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let v = run(&f, &["--json", "verify", "--expect", bad.to_str().unwrap()]);
    let vdoc: Value = serde_json::from_slice(&v.stdout).expect("JSON");
    assert_eq!(doc["expectations"], vdoc["results"], "{doc}");
    assert!(doc["units"].is_array(), "{doc}");
    let o = run(&f, &["--json", "metrics"]);
    let doc: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(doc.get("expectations").is_none(), "{doc}");
}

/// An expectations file that is a FIFO (or a directory) is refused at
/// once, exit 2, instead of waiting for a writer.
#[test]
fn expectations_that_are_not_a_regular_file_are_refused() {
    let f = system();
    let fifo = f.dir.path().join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for (path, what) in [(fifo, "a FIFO"), (f.dir.path().to_owned(), "a directory")] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
            .arg("--root")
            .arg(f.root())
            .arg("--proc")
            .arg(f.proc_root())
            .args(["verify", "--expect"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("verify --expect {} hangs", path.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(err(&o).contains(what), "{}", err(&o));
    }
}

/// Access names: any the tree's format allows.  A right this build does
/// not know (`frob_nicate`) is matched by name, `bit<N>` names bit N
/// (named or not), and both are warned about; a nameless bit in the tree
/// is an unknown right too.
#[test]
fn access_names_are_those_the_tree_allows() {
    let mut model = system_model();
    model.domains[0].access.fs |= landlock_audit::AccessFs::from_bits_retain(1 << 40);
    model.domains[0]
        .access
        .unknown
        .fs
        .push("frob_nicate".into());
    let f = Fixture::new(model);
    let e = expect_file(
        &f,
        "e.toml",
        "[[expect]]\nname = \"sshd\"\nexe = \"/usr/sbin/sshd\"\n\
         handles_fs = [\"frob_nicate\", \"bit40\", \"bit1\"]\nmin_processes = 1\n",
    );
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("fs:frob_nicate"), "{}", err(&o));
    // The tree's nameless bit is warned about, as --help says.
    assert!(err(&o).contains("fs:bit40"), "{}", err(&o));
    let o = run(&f, &["--json", "status"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        doc["unknown_rights"],
        serde_json::json!(["fs:bit40", "fs:frob_nicate"])
    );
    // What the chain lacks is a violation, named as the tree names it.
    let e = expect_file(
        &f,
        "e.toml",
        "[[expect]]\nname = \"sshd\"\nexe = \"/usr/sbin/sshd\"\n\
         handles_fs = [\"frob_nicate\", \"bit41\", \"other_right\"]\n",
    );
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        out(&o).contains("handles_fs expected bit41 frob_nicate other_right, found chain handles write_file bit40 frob_nicate"),
        "{}",
        out(&o)
    );
}

/// The text report has one line per violating process, listing its
/// violating threads (at most 8), not one line per thread.
#[test]
fn violations_are_grouped_by_process() {
    let mut model = system_model();
    // web (200) gets 12 threads, 2 of them in d2 (the model's), 10 outside.
    model.processes[2].threads = (200..212).collect();
    let f = Fixture::new(model);
    let e = expect_file(
        &f,
        "e.toml",
        "[[expect]]\nname = \"web\"\ncomm = \"web\"\nsandboxed = true\nhandles_net = [\"bind_tcp\"]\n",
    );
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "violated  web  (1 process matched, 1 violating)",
            "    pid 200 tids 202 203 204 205 206 207 208 209 … (10 in all) exe /usr/lib/web/bin/web \
             comm web unit web.service: sandboxed expected true, found no visible domain; \
             handles_net expected bind_tcp, found chain handles none",
            "0 of 1 expectations hold",
        ],
        "{text}"
    );
}

/// `tree` says when a process it shows has threads outside any domain.
#[test]
fn tree_marks_mixed_processes() {
    let f = system();
    let o = run(&f, &["tree"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    let line = |pid: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("pid {pid} ")))
            .unwrap_or_else(|| panic!("no pid {pid} in {text}"))
            .to_owned()
    };
    assert!(
        line("300").contains("  mixed: 1 of 2 threads unconfined  unit mixed.service"),
        "{text}"
    );
    assert!(!line("100").contains("mixed"), "{text}");
    assert!(!line("200").contains("mixed"), "{text}");
}

/// Invisible format characters (Cf) are escaped, a huge command name from a
/// copied /proc is cut to 64 bytes and marked, and an expectation's name
/// has its backslashes escaped.
#[test]
fn invisible_characters_huge_comms_and_backslashes_are_escaped() {
    let mut model = system_model();
    model.processes[1].comm = "ss\u{200b}hd\u{feff}".into();
    model.processes[4].comm = "c".repeat(5000);
    let f = Fixture::new(model);
    let o = run(&f, &["ps"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains("ss\\342\\200\\213hd\\357\\273\\277\n"),
        "{text}"
    );
    assert!(
        !text.contains('\u{200b}') && !text.contains('\u{feff}'),
        "{text}"
    );
    assert!(text.contains(&format!(" {}…\n", "c".repeat(64))), "{text}");
    assert!(!text.contains(&"c".repeat(65)), "{text}");
    let tree = out(&run(&f, &["tree"]));
    assert!(tree.contains("ss\\342\\200\\213hd"), "{tree}");
    let e = expect_file(
        &f,
        "e.toml",
        "[[expect]]\nname = 'a\\012b'\ncomm = \"sshd\"\nmin_processes = 1\n\n\
         [[expect]]\nname = \"cron\"\nunit = \"cron.service\"\nsandboxed = true\n",
    );
    let o = run(&f, &["verify", "--expect", e.to_str().unwrap()]);
    let text = out(&o);
    // The name's backslash is escaped: it cannot pass for an escape.
    assert!(text.contains("violated  a\\134012b  "), "{text}");
    assert!(
        text.contains(&format!("comm {}… unit cron.service", "c".repeat(64))),
        "{text}"
    );
}
