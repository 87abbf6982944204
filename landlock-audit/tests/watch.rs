//! `landlock_audit::watch::Watcher` on fixture trees: the fallbacks, and
//! hostile `generation` files (FIFOs, symbolic links, huge or lax files),
//! which must be refused at once, never waited on.  Generation mode itself
//! needs the kernel's file (a regular file never signals `POLLPRI`): its
//! state machine is tested in `src/watch.rs` with the I/O apart.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{dom, Fixture};
use landlock_audit::fixture::Model;
use landlock_audit::watch::{Fallback, Mode, Wake, Watcher, MAX_GENERATION_SIZE};
use landlock_audit::Error;

fn tree() -> Fixture {
    Fixture::new(Model {
        domains: vec![dom(1, None, &[(10, 10)])],
        ..Model::default()
    })
}

const TICK: Duration = Duration::from_millis(20);

#[test]
fn without_a_generation_file_the_watcher_wakes_every_interval() {
    let f = tree();
    assert!(!f.root().join("generation").exists());
    let mut w = Watcher::new(f.root(), TICK).unwrap();
    assert_eq!(w.mode(), Mode::Interval(Fallback::Absent));
    assert_eq!(w.generation(), None);
    assert_eq!(w.path(), f.root().join("generation"));
    assert_eq!(w.interval(), TICK);
    let t = Instant::now();
    for _ in 0..3 {
        let wake = w.wait(None).unwrap();
        assert_eq!(wake, Wake::Interval);
        assert!(wake.should_reread());
    }
    assert!(t.elapsed() >= 3 * TICK);
    assert!(!Wake::Timeout.should_reread() && !Wake::Interrupted.should_reread());
    // No tree at all: the same (reading the tree says what is missing).
    let w = Watcher::new(f.dir.path().join("nothing"), TICK).unwrap();
    assert_eq!(w.mode(), Mode::Interval(Fallback::Absent));
}

#[test]
fn a_copied_generation_file_is_read_but_cannot_notify() {
    let f = tree();
    fs::write(f.root().join("generation"), "18446744073709551615\n").unwrap();
    let mut w = Watcher::new(f.root(), TICK).unwrap();
    assert_eq!(w.mode(), Mode::Interval(Fallback::NotSecurityfs));
    assert_eq!(
        w.wait(Some(Duration::from_secs(5))).unwrap(),
        Wake::Interval
    );
    assert!(
        w.mode().to_string().contains("not on securityfs"),
        "{}",
        w.mode()
    );
}

#[test]
fn an_unreadable_generation_file_falls_back() {
    // Root passes any mode bits: the test says nothing then.
    if Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
    {
        // As root, a file of mode 0 is readable: check the message only.
        assert!(Fallback::PermissionDenied
            .to_string()
            .contains("CAP_SYS_PTRACE in the initial user namespace"));
        return;
    }
    let f = tree();
    let p = f.root().join("generation");
    fs::write(&p, "1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    let w = Watcher::new(f.root(), TICK).unwrap();
    assert_eq!(w.mode(), Mode::Interval(Fallback::PermissionDenied));
}

fn refused(root: &Path) -> String {
    let t = Instant::now();
    let r = Watcher::new(root, TICK);
    assert!(t.elapsed() < Duration::from_secs(5), "it waited");
    match r {
        Err(Error::Malformed { path, reason, .. }) => {
            assert_eq!(path, root.join("generation"));
            assert!(reason.len() <= 400, "{reason}");
            reason
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn hostile_generation_files_are_refused_without_waiting() {
    let f = tree();
    let p = f.root().join("generation");
    let cases: &[(&[u8], &str)] = &[
        (b"", "empty"),
        (b"\n", "empty generation"),
        (b"12", "newline"),
        (b"abc\n", "not a decimal"),
        (b"-1\n", "not a decimal"),
        (b"+1\n", "not a decimal"),
        (b" 1\n", "not a decimal"),
        (b"007\n", "leading zero"),
        (b"1\n2\n", "extra line"),
        (b"18446744073709551616\n", "overflows"),
        (b"123456789012345678901\n", "too long"),
        (&[b'9'; MAX_GENERATION_SIZE + 1], "larger than 32 bytes"),
        (b"\x1b[2J1\n", "not a decimal"),
    ];
    for (bytes, why) in cases {
        fs::write(&p, bytes).unwrap();
        let reason = refused(&f.root());
        assert!(reason.contains(why), "{bytes:?}: {reason}");
        assert!(!reason.contains('\x1b'), "{reason}");
    }
    // A file that grows without end (a symbolic link to /dev/zero is
    // refused as a link; the file itself as a device).
    fs::remove_file(&p).unwrap();
    symlink("/dev/zero", &p).unwrap();
    assert!(refused(&f.root()).contains("symbolic link"));
    fs::remove_file(&p).unwrap();
    // A FIFO: opened non-blocking and refused, never read.
    let ok = Command::new("mkfifo").arg(&p).status().expect("mkfifo");
    assert!(ok.success());
    assert!(refused(&f.root()).contains("FIFO"));
    fs::remove_file(&p).unwrap();
    fs::create_dir(&p).unwrap();
    assert!(refused(&f.root()).contains("directory"));
}
