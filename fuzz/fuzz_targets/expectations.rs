//! Fuzz target: `landlock_audit::verify::Expectations::from_toml` on
//! arbitrary text: no panic, errors are one bounded line with a position
//! inside the input, and a parsed file checks processes without panicking.
#![no_main]

use landlock_audit::procfs::Process;
use landlock_audit::verify::Expectations;
use landlock_audit::Domains;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Expectations::from_toml(text) {
        Err(e) => {
            assert!(e.message.len() <= 400, "error message of {} bytes", e.message.len());
            assert!(!e.message.contains('\n'));
            assert!(e.line <= text.lines().count() + 1, "line {}", e.line);
        }
        Ok(e) => {
            assert!(!e.is_empty());
            if let Ok(domains) = Domains::from_domains(7, vec![]) {
                let mut p = Process::new(10, vec![10, 11], false, true)
                    .with_cgroup("/system.slice/a.service".into());
                p.exe = Some("/usr/bin/a".into());
                p.comm = Some("a".into());
                p.uid = Some(0);
                let report = e.check(&domains, &[p]);
                assert_eq!(report.results.len(), e.len());
            }
        }
    }
});
