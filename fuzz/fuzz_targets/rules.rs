//! Fuzz target: `landlock_audit::parse::rules` (a domain's `rules` file)
//! on arbitrary bytes: no panic, bounded error messages, and parsed rules
//! print back (`fixture::rules_text`, the kernel's escapes) to a file that
//! parses to the same rules, whose `Display` holds no control character.
#![no_main]

use landlock_audit::{fixture, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse::rules(data) {
        Err(e) => assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        ),
        Ok(rules) => {
            assert!(rules.len() <= data.len() / 16);
            let text = fixture::rules_text(&rules);
            assert_eq!(parse::rules(&text).as_ref(), Ok(&rules));
            for r in &rules {
                let shown = r.to_string();
                assert!(!shown.bytes().any(|b| b.is_ascii_control()));
                assert_eq!(shown.lines().count(), 1);
            }
        }
    }
});
