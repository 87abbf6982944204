//! Hostile input (issue 10): FIFOs, devices, symbolic links, huge files,
//! forged names, depths beyond Landlock's 16 layers, laxness.  Each case
//! must end with a clear error, never a hang, a panic or unbounded memory.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::{dom, id, Fixture};
use landlock_audit::fixture::Model;
use landlock_audit::source::{MAX_FILE_SIZE, MAX_TASKS_SIZE};
use landlock_audit::{procfs, Domains, Error};

fn malformed(e: Error) -> (std::path::PathBuf, usize, String) {
    match e {
        Error::Malformed { path, line, reason } => (path, line, reason),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn mkfifo(p: &Path) {
    let _ = fs::remove_file(p);
    let ok = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(ok.success());
}

fn two_domains(snapshot: bool) -> Fixture {
    let f = Fixture::new(Model {
        domains: vec![dom(1, None, &[(10, 10)]), dom(2, Some(1), &[(20, 20)])],
        ..Model::default()
    });
    if !snapshot {
        f.remove_snapshot();
    }
    f
}

#[test]
fn a_fifo_anywhere_in_the_tree_is_refused_without_blocking() {
    for (snapshot, file) in [
        (false, "version".to_owned()),
        (false, "tasks".to_owned()),
        (false, format!("domains/{}/access", id(2))),
        (false, format!("domains/{}/creator", id(1))),
        (false, format!("domains/{}/denials", id(2))),
        (true, "snapshot".to_owned()),
    ] {
        let f = two_domains(snapshot);
        let p = f.root().join(&file);
        mkfifo(&p);
        let (path, line, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
        assert_eq!(path, p, "{file}");
        assert_eq!(line, 0);
        assert!(reason.contains("not a regular file (a FIFO)"), "{reason}");
    }
}

#[test]
fn symbolic_links_are_refused() {
    // `parent` pointing at a secret, `access` at /dev/zero, `domains/` and a
    // domain directory elsewhere.
    let f = two_domains(false);
    let secret = f.dir.path().join("shadow");
    fs::write(&secret, "root:$6$secret$hash:19000:0:99999:7:::\n").unwrap();
    let parent = f.domain_file(id(2), "parent");
    fs::remove_file(&parent).unwrap();
    symlink(&secret, &parent).unwrap();
    let e = Domains::read_from(f.root()).unwrap_err();
    assert!(!e.to_string().contains("secret"), "{e}");
    let (path, _, reason) = malformed(e);
    assert_eq!(path, parent);
    assert!(reason.contains("symbolic link"), "{reason}");

    let f = two_domains(false);
    let access = f.domain_file(id(1), "access");
    fs::remove_file(&access).unwrap();
    symlink("/dev/zero", &access).unwrap();
    let (path, _, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
    assert_eq!(path, access);
    assert!(reason.contains("symbolic link"), "{reason}");

    let f = two_domains(false);
    let dir = f.root().join("domains").join(id(2).to_string());
    let moved = f.dir.path().join("elsewhere");
    fs::rename(&dir, &moved).unwrap();
    symlink(&moved, &dir).unwrap();
    let (path, _, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
    assert_eq!(path, dir);
    assert!(reason.contains("symbolic link"), "{reason}");

    // `denials`, optional as it is, is not followed either.
    let f = two_domains(false);
    let denials = f.domain_file(id(2), "denials");
    fs::remove_file(&denials).unwrap();
    symlink(&secret, &denials).unwrap();
    let (path, _, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
    assert_eq!(path, denials);
    assert!(reason.contains("symbolic link"), "{reason}");

    let f = two_domains(false);
    let domains = f.root().join("domains");
    let moved = f.dir.path().join("domains-elsewhere");
    fs::rename(&domains, &moved).unwrap();
    symlink(&moved, &domains).unwrap();
    let (path, _, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
    assert_eq!(path, domains);
    assert!(reason.contains("symbolic link"), "{reason}");
}

#[test]
fn a_device_is_refused() {
    // /dev/null is a character device everybody can open.
    let f = two_domains(false);
    let access = f.domain_file(id(1), "access");
    fs::remove_file(&access).unwrap();
    if fs::hard_link("/dev/null", &access).is_err() {
        // Another filesystem: a device node of our own (as root), or skip
        // to the read through the library's own open.
        let ok = Command::new("mknod")
            .arg(&access)
            .args(["c", "1", "3"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "cannot create a device node for the test");
    }
    match Domains::read_from(f.root()).unwrap_err() {
        // A tmpfs mounted nodev refuses the open itself.
        Error::PermissionDenied { path } => assert_eq!(path, access),
        e => {
            let (path, _, reason) = malformed(e);
            assert_eq!(path, access);
            assert!(reason.contains("character device"), "{reason}");
        }
    }
}

#[test]
fn huge_files_are_refused_at_the_cap() {
    // 100 MB `access` (sparse: no disk used).
    let f = two_domains(false);
    let access = f.domain_file(id(1), "access");
    fs::File::create(&access)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let (path, line, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
    assert_eq!(path, access);
    assert_eq!(line, 0);
    assert_eq!(reason, format!("file larger than {MAX_FILE_SIZE} bytes"));
    // A domain's `tasks` has a larger cap: 1 MiB of it is read
    // (no error about the size) and then fails to parse.
    let f = two_domains(false);
    let tasks = f.domain_file(id(1), "tasks");
    fs::File::create(&tasks).unwrap().set_len(1 << 20).unwrap();
    let (path, line, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
    assert_eq!((path, line), (tasks, 1));
    assert!(!reason.contains("larger"), "{reason}");
    const { assert!(MAX_TASKS_SIZE > 1 << 20) };
}

#[test]
fn errors_quote_at_most_80_bytes_escaped() {
    let f = two_domains(false);
    let mut line = b"\x1b[1A\x1b[2K".to_vec();
    line.extend(std::iter::repeat_n(b'9', 60_000));
    line.push(b'\n');
    fs::write(f.domain_file(id(1), "depth"), &line).unwrap();
    let e = Domains::read_from(f.root()).unwrap_err();
    let text = e.to_string();
    assert!(text.len() < 400, "{} bytes: {text}", text.len());
    assert!(!text.contains('\x1b'), "{text}");
    assert!(text.contains(r"\x1b[1A\x1b[2K"), "{text}");
    assert!(text.contains("(60008 bytes)"), "{text}");
}

#[test]
fn depth_beyond_16_layers_is_malformed() {
    for snapshot in [false, true] {
        // A chain of 17 domains: 1 ─ 2 ─ … ─ 17.
        let domains = (1..=17)
            .map(|n| dom(n, (n > 1).then(|| n - 1), &[]))
            .collect();
        let f = Fixture::new(Model {
            domains,
            ..Model::default()
        });
        if !snapshot {
            f.remove_snapshot();
        }
        let (path, _, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
        assert!(
            reason.contains("depth 17 out of range (1 to 16)"),
            "{reason}"
        );
        if snapshot {
            assert!(path.ends_with("snapshot"));
        } else {
            assert!(path.ends_with(format!("{}/depth", id(17))), "{path:?}");
        }
    }
    // 16 is fine.
    let domains = (1..=16)
        .map(|n| dom(n, (n > 1).then(|| n - 1), &[]))
        .collect();
    let f = Fixture::new(Model {
        domains,
        ..Model::default()
    });
    assert_eq!(Domains::read_from(f.root()).unwrap().len(), 16);
}

#[test]
fn strictness_as_in_abi_rst() {
    let cases: [(&str, &[u8], &str); 13] = [
        (
            "access",
            b"fs: bit0\nnet:\nscope:\n",
            "not a fs access right name",
        ),
        (
            "access",
            b"fs: read_file execute\nnet:\nscope:\n",
            "out of the uapi's bit order",
        ),
        (
            "access",
            b"fs:\nnet: bind_tcp bind_tcp\nscope:\n",
            "duplicate",
        ),
        (
            "access",
            b"fs:\nnet:\nscope: bit1\n",
            "not a scope access right name",
        ),
        ("parent", b"0fffffffffffffff\n", "not a domain ID"),
        (
            "creator",
            b"pid 1\nuid 0\ncomm a b\nexe /x\n",
            "unescaped \" \"",
        ),
        (
            "creator",
            b"pid 1\nuid 0\ncomm a\\000\nexe /x\n",
            "bad escape",
        ),
        (
            "creator",
            b"pid 1\nuid 0\ncomm a\nexe /x\\101\n",
            "bad escape",
        ),
        ("creator", b"pid 1\nuid 0\ncomm a\nexe /x\tb\n", "unescaped"),
        ("denials", b"+1\n", "with a sign"),
        ("denials", b"01\n", "leading zero"),
        ("denials", b"1\n1\n", "extra line"),
        ("denials", b"\n", "empty count"),
    ];
    for (file, contents, why) in cases {
        let f = two_domains(false);
        let p = f.domain_file(id(2), file);
        fs::write(&p, contents).unwrap();
        let (path, _, reason) = malformed(Domains::read_from(f.root()).unwrap_err());
        assert_eq!(path, p, "{contents:?}");
        assert!(reason.contains(why), "{contents:?}: {reason}");
    }
    // Names the kernel writes for bits it has no name for are fine.
    let f = two_domains(false);
    fs::write(
        f.domain_file(id(2), "access"),
        "fs: execute bit17 bit40\nnet: bit4\nscope: bit2\n",
    )
    .unwrap();
    assert!(Domains::read_from(f.root()).is_ok());
    // So are names this build does not know (a newer kernel's rights), as
    // abi.rst tells readers; a name of another shape is not.
    fs::write(
        f.domain_file(id(2), "access"),
        "fs: execute refer some_future_right\nnet:\nscope:\n",
    )
    .unwrap();
    let d = Domains::read_from(f.root()).unwrap();
    assert_eq!(
        d.get(id(2)).unwrap().access.unknown.fs,
        ["some_future_right"]
    );
    fs::write(
        f.domain_file(id(2), "access"),
        "fs: execute Some\\033right\nnet:\nscope:\n",
    )
    .unwrap();
    assert!(Domains::read_from(f.root()).is_err());
}

#[test]
fn a_fifo_in_proc_does_not_block() {
    let f = Fixture::generated(5, 20);
    let pid = f.model.processes[0].pid;
    let tid = f.model.processes[0].threads[0];
    let comm = f
        .proc_root()
        .join(pid.to_string())
        .join("task")
        .join(tid.to_string())
        .join("comm");
    mkfifo(&comm);
    assert_eq!(procfs::comm(&f.proc_root(), pid, Some(tid)), None);
    // A 1 GB comm is not read either.
    let comm = f.proc_root().join(pid.to_string()).join("comm");
    fs::File::create(&comm).unwrap().set_len(1 << 30).unwrap();
    assert_eq!(procfs::comm(&f.proc_root(), pid, None), None);
    // A FIFO as `stat` is an error of the coverage, not a hang.
    let stat = f.proc_root().join(pid.to_string()).join("stat");
    mkfifo(&stat);
    let d = Domains::read_from(f.root()).unwrap();
    let (path, _, reason) = malformed(d.coverage(f.proc_root()).unwrap_err());
    assert_eq!(path, stat);
    assert!(reason.contains("FIFO"), "{reason}");
}
