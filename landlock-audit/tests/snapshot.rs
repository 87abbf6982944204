//! The top-level `snapshot` file: used alone when present, the per-domain
//! walk when absent, and strict about its format.

mod common;

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use common::{dom, id, Fixture};
use landlock_audit::fixture::Model;
use landlock_audit::source::{Entry, FileBuf, ReadMode, RealFs, Source};
use landlock_audit::{Domain, Domains, Error, Task};

fn malformed(e: Error) -> (PathBuf, usize, String) {
    match e {
        Error::Malformed { path, line, reason } => (path, line, reason),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn tasks(d: &Domains) -> Vec<(Task, Domain)> {
    d.tasks().map(|(t, d)| (t, d.clone())).collect()
}

#[test]
fn snapshot_and_per_domain_walk_read_the_same() {
    let f = Fixture::generated(300, 2000);
    let with = Domains::read_from(f.root()).unwrap();
    let expected = f.model.expected();
    assert_eq!(with.iter().cloned().collect::<Vec<_>>(), expected);
    f.remove_snapshot();
    let without = Domains::read_from(f.root()).unwrap();
    assert_eq!(without.iter().cloned().collect::<Vec<_>>(), expected);
    assert_eq!(tasks(&with), tasks(&without));
    assert_eq!(with.abi_version(), without.abi_version());
}

#[test]
fn the_snapshot_alone_is_read_when_present() {
    let f = Fixture::generated(20, 50);
    // Nothing else but version and abi_version is needed.
    fs::remove_dir_all(f.root().join("domains")).unwrap();
    fs::remove_file(f.root().join("tasks")).unwrap();
    let d = Domains::read_from(f.root()).unwrap();
    assert_eq!(d.iter().cloned().collect::<Vec<_>>(), f.model.expected());
    // An empty snapshot: no visible domain, whatever domains/ holds.
    let f = Fixture::generated(20, 50);
    fs::write(f.root().join("snapshot"), "").unwrap();
    assert!(Domains::read_from(f.root()).unwrap().is_empty());
}

/// The real filesystem, with reads cut in chunks of 7 bytes as a
/// `seq_file` may cut them (a short read before the end).
struct Chunked;

struct Seven(fs::File);

impl Read for Seven {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(7);
        self.0.read(&mut out[..n])
    }
}

impl Source for Chunked {
    fn read(&self, path: &Path, limit: usize, mode: ReadMode, buf: &mut FileBuf) -> io::Result<()> {
        if path.ends_with("snapshot") {
            assert_eq!(mode, ReadMode::ToEof);
            buf.fill(&mut Seven(RealFs::open(path)?), limit, mode)
        } else {
            RealFs.read(path, limit, mode, buf)
        }
    }

    fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
        RealFs.list(path)
    }
}

#[test]
fn the_snapshot_is_read_to_the_end_through_short_reads() {
    let f = Fixture::generated(40, 200);
    let d = Domains::read_with(Chunked, f.root()).unwrap();
    assert_eq!(d.iter().cloned().collect::<Vec<_>>(), f.model.expected());
}

#[test]
fn a_snapshot_without_creator_lines_gives_no_creator() {
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(10, 10)])],
        ..Model::default()
    });
    fs::write(
        f.root().join("snapshot"),
        format!("domain {} - 1\nfs:\nnet:\nscope:\ntask 10 10\n", id(1)),
    )
    .unwrap();
    let d = Domains::read_from(f.root()).unwrap();
    assert_eq!(d.get(id(1)).unwrap().creator, None);
    assert_eq!(d.domain_of_task(10).map(|x| x.id), Some(id(1)));
}

/// The `denials` line gives each domain's count; a snapshot without it
/// (an older kernel) gives `None`, even when the per-domain `denials`
/// files exist: the snapshot is read alone.
#[test]
fn denials_lines_of_the_snapshot() {
    let mut d1 = dom(1, None, &[(10, 10)]);
    d1.denials = Some(5);
    let f = Fixture::new(Model {
        domains: vec![d1, dom(2, Some(1), &[(20, 20)])],
        ..Model::default()
    });
    let d = Domains::read_from(f.root()).unwrap();
    assert_eq!(d.get(id(1)).unwrap().denials, Some(5));
    assert_eq!(d.get(id(2)).unwrap().denials, Some(2));
    let text = fs::read_to_string(f.root().join("snapshot")).unwrap();
    assert!(text.contains("scope:\ndenials 5\ncreator pid 1 "), "{text}");
    let old: String = text
        .lines()
        .filter(|l| !l.starts_with("denials "))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(f.root().join("snapshot"), old).unwrap();
    assert!(f.domain_file(id(1), "denials").is_file());
    let d = Domains::read_from(f.root()).unwrap();
    assert_eq!(d.get(id(1)).unwrap().denials, None);
    assert_eq!(d.get(id(2)).unwrap().denials, None);
    assert_eq!(d.domain_of_task(20).map(|x| x.id), Some(id(2)));
}

#[test]
fn unknown_keywords_and_creator_keys_are_ignored() {
    let f = Fixture::new(Model::default());
    let text = format!(
        "future line\ndomain {} - 1\nfs: execute\nnet:\nscope:\nlabel x\n\
         creator pid 7 uid 8 cgroup /a comm sh\\040x exe /bin/sh\ntask 7 7\nnote\n",
        id(1)
    );
    fs::write(f.root().join("snapshot"), text).unwrap();
    let d = Domains::read_from(f.root()).unwrap();
    let c = d.get(id(1)).unwrap().creator.clone().unwrap();
    assert_eq!((c.pid, c.uid, c.comm.to_str()), (7, 8, Some("sh x")));
}

#[test]
fn malformed_snapshots() {
    let (a, b, c) = (id(1), id(2), id(3));
    let acc = "fs:\nnet:\nscope:\n";
    let cases: Vec<(String, usize, &str)> = vec![
        (format!("domain {b} - 1\n{acc}domain {a} - 1\n{acc}"), 5, "out of ascending ID order"),
        (format!("domain {a} - 1\n{acc}domain {a} - 1\n{acc}"), 5, "out of ascending ID order"),
        (format!("domain {a} - 1\nfs:\nnet:\n"), 0, "missing the \"scope:\" line"),
        (format!("domain {a} - 1\nnet:\nfs:\nscope:\n"), 2, "expected \"fs:\""),
        (format!("domain {a} - 1\nfs: bit0\nnet:\nscope:\n"), 2, "not a fs access right name"),
        (format!("domain {b} {c} 2\n{acc}"), 0, "which is not listed"),
        (format!("domain {a} - 2\n{acc}"), 0, "no visible parent"),
        (format!("domain {a} - 1\n{acc}domain {b} {a} 3\n{acc}"), 0, "disagrees"),
        (format!("domain {a} - 17\n{acc}"), 1, "out of range"),
        (format!("domain {a} - 0\n{acc}"), 1, "out of range"),
        (format!("domain {a} - 1 x\n{acc}"), 1, "expected \"domain"),
        (format!("domain {a}\n{acc}"), 1, "expected \"domain"),
        (format!("domain 0fffffffffffffff - 1\n{acc}"), 1, "not a domain ID"),
        (format!("domain {a} 0 1\n{acc}"), 1, "not a domain ID"),
        (
            format!("domain {a} - 1\n{acc}creator pid 1 uid 0 comm a exe /a\ncreator pid 1 uid 0 comm a exe /a\n"),
            6,
            "repeated",
        ),
        (
            format!("domain {a} - 1\n{acc}task 1 1\ncreator pid 1 uid 0 comm a exe /a\n"),
            6,
            "after the task lines",
        ),
        (format!("domain {a} - 1\n{acc}creator pid 1 uid 0 comm a\n"), 5, "missing key \"exe\""),
        (format!("domain {a} - 1\n{acc}creator pid 1 pid 2 uid 0 comm a exe /a\n"), 5, "duplicate key"),
        (format!("domain {a} - 1\n{acc}creator pid 1 uid 0 comm a\\000 exe /a\n"), 5, "bad escape"),
        (format!("domain {a} - 1\n{acc}creator pid 1 uid\n"), 5, "without a value"),
        (format!("domain {a} - 1\n{acc}task 2 2\ntask 1 1\n"), 6, "out of order"),
        (format!("domain {a} - 1\n{acc}task 1 1\ntask 1 1\n"), 6, "out of order"),
        (format!("domain {a} - 1\n{acc}task 1 0\n"), 5, "invalid tid"),
        (format!("domain {a} - 1\n{acc}task 1 1 1\n"), 5, "extra field"),
        (format!("domain {a} - 1\n{acc}task 1 1\ndomain {b} - 1\n{acc}task 1 1\n"), 0, "two domains"),
        ("task 1 1\n".to_owned(), 1, "before any domain"),
        ("creator pid 1\n".to_owned(), 1, "before any domain"),
        ("fs:\n".to_owned(), 1, "outside its place"),
        (format!("domain {a} - 1\n{acc}denials -1\n"), 5, "negative count of denials"),
        (format!("domain {a} - 1\n{acc}denials 18446744073709551616\n"), 5, "overflows 64 bits"),
        (format!("domain {a} - 1\n{acc}denials {}\n", "1".repeat(21)), 5, "too long"),
        (format!("domain {a} - 1\n{acc}denials 1e3\n"), 5, "not a decimal"),
        (format!("domain {a} - 1\n{acc}denials 1\ndenials 1\n"), 6, "repeated"),
        (format!("domain {a} - 1\n{acc}task 1 1\ndenials 1\n"), 6, "after the creator or task"),
        ("denials 1\n".to_owned(), 1, "before any domain"),
        (format!("domain {a} - 1\n{acc}\n"), 5, "empty line"),
        (format!("domain {a} - 1\n{acc}task 1 1"), 5, "newline"),
    ];
    for (text, line, why) in cases {
        let f = Fixture::new(Model::default());
        let p = f.root().join("snapshot");
        fs::write(&p, &text).unwrap();
        let (path, l, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
        assert_eq!(path, p, "{text}");
        assert!(reason.contains(why), "{text:?}: {reason}");
        assert_eq!(l, line, "{text:?}: {reason}");
    }
}
