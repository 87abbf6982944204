//! Fuzz target: `landlock_audit::parse::denials` (the `denials` file of a
//! domain) on arbitrary bytes: no panic, bounded error messages, and what
//! parses is exactly the canonical text (`"N\n"`, decimal without sign or
//! leading zero), which prints back the same; the same value as a
//! snapshot's `denials` line parses to the same count.
#![no_main]

use landlock_audit::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse::denials(data) {
        Err(e) => assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        ),
        Ok(n) => {
            assert_eq!(format!("{n}\n").as_bytes(), data);
            let mut snapshot = b"domain 1000000000000001 - 1\nfs:\nnet:\nscope:\ndenials ".to_vec();
            snapshot.extend_from_slice(data);
            let d = parse::snapshot(&snapshot).expect("the same count in a snapshot");
            assert_eq!(d[0].denials, Some(n));
        }
    }
});
