//! Fuzz target: `landlock_audit::parse::snapshot` on arbitrary bytes: no
//! panic, bounded error messages, and a parsed snapshot is sorted by ID
//! with sorted tasks and depths within Landlock's 16 layers.
#![no_main]

use landlock_audit::{parse, MAX_DEPTH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse::snapshot(data) {
        Err(e) => assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        ),
        Ok(domains) => {
            assert!(domains.windows(2).all(|w| w[0].id < w[1].id));
            for d in &domains {
                assert!((1..=MAX_DEPTH).contains(&d.depth));
                assert!(d.tasks.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
});
