//! Fuzz target: `landlock_audit::parse::audit_id` (the `audit_id` file) and
//! `AuditId::from_str` (an audit record's `domain=` value on the command
//! line) on arbitrary bytes: no panic, bounded error messages, and what
//! parses is exactly the canonical text (`"<hex>\n"`, `[domain=]<hex>`),
//! which prints back the same.
#![no_main]

use landlock_audit::{parse, AuditId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse::audit_id(data) {
        Err(e) => assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        ),
        Ok(a) => assert_eq!(format!("{a}\n").as_bytes(), data),
    }
    if let Ok(s) = std::str::from_utf8(data) {
        match s.parse::<AuditId>() {
            Err(e) => assert!(e.to_string().len() <= 600, "{} bytes", e.to_string().len()),
            Ok(a) => {
                assert_ne!(a.get(), 0);
                let bare = s.strip_prefix("domain=").unwrap_or(s);
                assert_eq!(a.to_string(), bare);
            }
        }
    }
});
