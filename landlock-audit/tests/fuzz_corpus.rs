//! The committed fuzzing corpus (`fuzz/corpus/<target>/`, minimised with
//! `cargo fuzz cmin` after the long runs) as regression tests: every input
//! goes through the parser its target fuzzes, with the target's checks, in
//! a normal `cargo test` (no nightly, no cargo-fuzz).

mod common;

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use landlock_audit::{parse, AuditId, Domains, MAX_DEPTH};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.expect("corpus entry").path();
            let bytes = fs::read(&p).expect("corpus file");
            (p, bytes)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "{target}: only {} inputs", out.len());
    out
}

fn bounded(target: &str, p: &Path, reason: &str) {
    assert!(
        reason.len() <= 400,
        "{target} {}: error message of {} bytes",
        p.display(),
        reason.len()
    );
}

macro_rules! plain {
    ($name:ident, $target:literal, $parser:path) => {
        #[test]
        fn $name() {
            for (p, data) in corpus($target) {
                if let Err(e) = $parser(&data) {
                    bounded($target, &p, &e.reason);
                }
            }
        }
    };
}

plain!(number, "number", parse::number);
plain!(parent, "parent", parse::parent);
plain!(depth, "depth", parse::depth);
plain!(access, "access", parse::access);
plain!(domain_tasks, "domain_tasks", parse::domain_tasks);
plain!(tasks, "tasks", parse::tasks);
plain!(proc_stat, "proc_stat", parse::proc_stat_flags);
plain!(dir_name, "dir_name", parse::domain_dir_name);

/// The `expectations` target's checks: bounded one-line errors inside the
/// input; at least one input of the corpus parses.
#[test]
fn expectations() {
    use landlock_audit::verify::Expectations;
    let mut parsed = 0;
    for (p, data) in corpus("expectations") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        match Expectations::from_toml(text) {
            Err(e) => {
                bounded("expectations", &p, &e.message);
                assert!(!e.message.contains('\n'), "{}: {e}", p.display());
                assert!(e.line <= text.lines().count() + 1, "{}: {e}", p.display());
            }
            Ok(_) => parsed += 1,
        }
    }
    assert!(parsed > 0, "no valid expectations file in the corpus");
}

#[test]
fn creator() {
    let mut parsed = 0;
    for (p, data) in corpus("creator") {
        match parse::creator(&data) {
            Err(e) => bounded("creator", &p, &e.reason),
            Ok(c) => {
                parsed += 1;
                let mut text = format!("pid {}\nuid {}\ncomm ", c.pid, c.uid).into_bytes();
                text.extend(parse::escape(c.comm.as_bytes()));
                text.extend_from_slice(b"\nexe ");
                text.extend(parse::escape(c.exe.as_os_str().as_bytes()));
                text.push(b'\n');
                assert_eq!(parse::creator(&text).as_ref(), Ok(&c), "{}", p.display());
                assert!(!c.to_string().bytes().any(|b| b.is_ascii_control()));
            }
        }
    }
    assert!(parsed > 0, "the corpus holds valid creators too");
}

#[test]
fn audit_id() {
    let (mut files, mut args) = (0, 0);
    for (p, data) in corpus("audit_id") {
        match parse::audit_id(&data) {
            Err(e) => bounded("audit_id", &p, &e.reason),
            Ok(a) => {
                files += 1;
                assert_eq!(format!("{a}\n").as_bytes(), &data[..], "{}", p.display());
            }
        }
        if let Ok(s) = std::str::from_utf8(&data) {
            match s.parse::<AuditId>() {
                Err(e) => assert!(e.to_string().len() <= 600, "{}", p.display()),
                Ok(a) => {
                    args += 1;
                    assert_eq!(a.to_string(), s.strip_prefix("domain=").unwrap_or(s));
                }
            }
        }
    }
    assert!(
        files > 0 && args > 0,
        "the corpus holds valid audit IDs too"
    );
}

/// The `denials` target's checks: what parses is the canonical text, and
/// the same count in a snapshot's `denials` line; the corpus holds both
/// counts and refusals.
#[test]
fn denials() {
    let (mut parsed, mut refused) = (0, 0);
    for (p, data) in corpus("denials") {
        match parse::denials(&data) {
            Err(e) => {
                refused += 1;
                bounded("denials", &p, &e.reason);
            }
            Ok(n) => {
                parsed += 1;
                assert_eq!(format!("{n}\n").as_bytes(), &data[..], "{}", p.display());
                let mut snapshot =
                    b"domain 1000000000000001 - 1\nfs:\nnet:\nscope:\ndenials ".to_vec();
                snapshot.extend_from_slice(&data);
                let d = parse::snapshot(&snapshot).unwrap();
                assert_eq!(d[0].denials, Some(n), "{}", p.display());
            }
        }
    }
    assert!(
        parsed > 0 && refused > 0,
        "the corpus holds valid and invalid counts"
    );
}

/// The `generation` target's checks: what parses is the canonical text,
/// within the 32 bytes the watcher reads; the corpus holds both values and
/// refusals.
#[test]
fn generation() {
    let (mut parsed, mut refused) = (0, 0);
    for (p, data) in corpus("generation") {
        match parse::generation(&data) {
            Err(e) => {
                refused += 1;
                bounded("generation", &p, &e.reason);
            }
            Ok(g) => {
                parsed += 1;
                assert_eq!(format!("{g}\n").as_bytes(), &data[..], "{}", p.display());
                assert!(data.len() <= 21, "{}", p.display());
            }
        }
    }
    assert!(
        parsed > 0 && refused > 0,
        "the corpus holds valid and invalid generations"
    );
}

/// The `rules` target's checks: bounded errors; parsed rules print back
/// (the kernel's escapes) to the same rules, and show without a control
/// character; the corpus holds both files and refusals.
#[test]
fn rules() {
    let (mut parsed, mut refused) = (0, 0);
    for (p, data) in corpus("rules") {
        match parse::rules(&data) {
            Err(e) => {
                refused += 1;
                bounded("rules", &p, &e.reason);
            }
            Ok(rules) => {
                parsed += 1;
                assert!(rules.len() <= data.len() / 16, "{}", p.display());
                let text = landlock_audit::fixture::rules_text(&rules);
                assert_eq!(parse::rules(&text).as_ref(), Ok(&rules), "{}", p.display());
                for r in &rules {
                    let shown = r.to_string();
                    assert!(!shown.bytes().any(|b| b.is_ascii_control()), "{shown}");
                    assert_eq!(shown.lines().count(), 1, "{shown}");
                }
            }
        }
    }
    assert!(
        parsed > 0 && refused > 0,
        "the corpus holds valid and invalid rules files"
    );
}

#[test]
fn snapshot() {
    for (p, data) in corpus("snapshot") {
        match parse::snapshot(&data) {
            Err(e) => bounded("snapshot", &p, &e.reason),
            Ok(domains) => {
                assert!(domains.windows(2).all(|w| w[0].id < w[1].id));
                for d in &domains {
                    assert!((1..=MAX_DEPTH).contains(&d.depth));
                    assert!(d.tasks.windows(2).all(|w| w[0] < w[1]));
                }
            }
        }
    }
}

/// Writes a `tree` fuzz input as the target does.
fn write_tree(root: &Path, data: &[u8]) {
    landlock_audit::fixture::write_fuzz_tree(root, data).expect("fixture files");
}

#[test]
fn tree() {
    let (mut read, mut counted) = (0, 0);
    for (p, data) in corpus("tree") {
        let dir = common::tempdir();
        let root = dir.path().join("landlock");
        write_tree(&root, &data);
        match Domains::read_from(&root) {
            Ok(d) => {
                read += 1;
                for x in d.iter() {
                    assert!(x.depth <= MAX_DEPTH);
                    assert_eq!(d.get(x.id).map(|y| y.id), Some(x.id));
                    if let Some(parent) = x.parent {
                        assert_eq!(d.get(parent).map(|y| y.depth + 1), Some(x.depth));
                    }
                    counted += usize::from(x.denials.is_some());
                }
            }
            Err(e) => assert!(e.to_string().len() < 1200, "{}: {e}", p.display()),
        }
    }
    assert!(read > 0, "the corpus holds readable trees too");
    assert!(counted > 0, "the corpus holds trees with denials files");
}
