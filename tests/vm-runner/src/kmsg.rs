//! The kernel log seen from a test: `/dev/kmsg` read from a mark, so that a
//! test can fail on a kernel warning it provoked itself (ci/boot fails the
//! whole boot on one too, see `ci/check-console`, but without saying which
//! test caused it).

use crate::TestResult;
use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;

/// What `ci/check-console` fails on.
const PATTERNS: [&str; 12] = [
    "WARNING:",
    "BUG:",
    "Oops",
    "Kernel panic",
    "RCU stall",
    "self-detected",
    "rcu: INFO",
    "soft lockup",
    "hard LOCKUP",
    "cut here",
    "Call Trace",
    "sysrq: Show backtrace",
];

/// A position in the kernel log.
pub struct Kmsg(File);

impl Kmsg {
    /// Marks the end of the log as it is now.
    pub fn mark() -> Result<Self, String> {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")
            .map_err(|e| format!("/dev/kmsg: {e}"))?;
        f.seek(SeekFrom::End(0))
            .map_err(|e| format!("/dev/kmsg: seek: {e}"))?;
        Ok(Self(f))
    }

    /// The records logged since the mark (or the last call).
    pub fn since(&mut self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 16 << 10];
        loop {
            match self.0.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let rec = String::from_utf8_lossy(&buf[..n]);
                    // "prio,seq,usec,flags;message\n continuation lines"
                    let msg = rec.split_once(';').map_or(&*rec, |x| x.1);
                    out.push(msg.trim_end().to_owned());
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // EPIPE: records were overwritten since the last read.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(e) => return Err(format!("/dev/kmsg: {e}")),
            }
        }
        Ok(out)
    }

    /// Fails when the kernel logged a warning or worse since the mark.
    pub fn check(&mut self) -> TestResult {
        let bad: Vec<String> = self
            .since()?
            .into_iter()
            .filter(|m| PATTERNS.iter().any(|p| m.contains(p)))
            .collect();
        match bad.first() {
            None => Ok(()),
            Some(first) => Err(format!(
                "the kernel logged {} warning line(s), first: {first:?}",
                bad.len()
            )),
        }
    }
}
