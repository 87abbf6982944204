//! Fuzz target: `landlock_audit::parse::creator` on arbitrary bytes: no
//! panic, bounded error messages, and a parsed creator prints back
//! (`escape`) to a file that parses to the same values.
#![no_main]

use std::os::unix::ffi::OsStrExt;

use landlock_audit::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse::creator(data) {
        Err(e) => assert!(
            e.reason.len() <= 400,
            "error message of {} bytes",
            e.reason.len()
        ),
        Ok(c) => {
            let mut text = format!("pid {}\nuid {}\ncomm ", c.pid, c.uid).into_bytes();
            text.extend(parse::escape(c.comm.as_bytes()));
            text.extend_from_slice(b"\nexe ");
            text.extend(parse::escape(c.exe.as_os_str().as_bytes()));
            text.push(b'\n');
            assert_eq!(parse::creator(&text).as_ref(), Ok(&c));
            // Display never prints a raw control character or space.
            let shown = c.to_string();
            assert!(!shown.bytes().any(|b| b.is_ascii_control()));
        }
    }
});
