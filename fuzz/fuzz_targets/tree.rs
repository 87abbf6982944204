//! Fuzz target: a whole tree on disk.  The input is cut at each `\0\0`
//! into chunks; the first byte of a chunk chooses a file (`version`,
//! `abi_version`, `tasks`, `snapshot`, or one of the six files of one of
//! three domain directories, `denials` included: see
//! `landlock_audit::fixture::write_fuzz_tree`), the rest is its contents.  The tree is
//! written into a fresh directory and read with `Domains::read_from`: no
//! panic, and a tree that reads is consistent.
#![no_main]

use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use landlock_audit::{Domains, MAX_DEPTH};
use libfuzzer_sys::fuzz_target;

fn base() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let parent = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        parent.join(format!("landlock-audit-fuzz-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let root = base().join("landlock");
    let _ = fs::remove_dir_all(base());
    landlock_audit::fixture::write_fuzz_tree(&root, data).expect("fixture files");
    if let Ok(d) = Domains::read_from(&root) {
        for x in d.iter() {
            assert!(x.depth <= MAX_DEPTH);
            assert_eq!(d.get(x.id).map(|y| y.id), Some(x.id));
            if let Some(p) = x.parent {
                assert_eq!(d.get(p).map(|y| y.depth + 1), Some(x.depth));
            }
        }
    }
});
