//! Fuzz target: `landlock_audit::parse::access` on arbitrary bytes: no panic,
//! and errors quote a bounded amount of input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = landlock_audit::parse::access(data) {
        assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        );
    }
});
