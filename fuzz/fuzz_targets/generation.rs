//! Fuzz target: `landlock_audit::parse::generation` (the tree's top-level
//! `generation` file) on arbitrary bytes: no panic, bounded error messages,
//! and what parses is exactly the canonical text (`"N\n"`, decimal without
//! sign or leading zero), which prints back the same and never holds more
//! than the 32 bytes the watcher reads.
#![no_main]

use landlock_audit::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse::generation(data) {
        Err(e) => assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        ),
        Ok(g) => {
            assert_eq!(format!("{g}\n").as_bytes(), data);
            assert!(data.len() <= 21);
            assert_eq!(parse::generation(format!("{}\n", g.get()).as_bytes()), Ok(g));
        }
    }
});
