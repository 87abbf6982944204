//! A minimal audit daemon: registers itself with the kernel over
//! `NETLINK_AUDIT` and reads Landlock's records.

use std::io::Error;
use std::time::{Duration, Instant};

const AUDIT_SET: u16 = 1001;
const AUDIT_STATUS_ENABLED: u32 = 1;
const AUDIT_STATUS_PID: u32 = 4;
const AUDIT_LANDLOCK_ACCESS: u16 = 1423;
const AUDIT_LANDLOCK_DOMAIN: u16 = 1424;
const NLMSG_HDRLEN: usize = 16;

struct Socket(libc::c_int);

impl Drop for Socket {
    fn drop(&mut self) {
        // Unregister as the audit daemon, then close.
        let _ = self.set_status(0, 0);
        // SAFETY: closing our own descriptor once.
        unsafe { libc::close(self.0) };
    }
}

impl Socket {
    fn open() -> Result<Self, String> {
        // SAFETY: plain socket(2).
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_AUDIT,
            )
        };
        if fd < 0 {
            return Err(format!("socket(NETLINK_AUDIT): {}", Error::last_os_error()));
        }
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 200_000,
        };
        // SAFETY: `tv` is a valid timeval for SO_RCVTIMEO.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as u32,
            )
        };
        Ok(Self(fd))
    }

    /// AUDIT_SET: enabled flag and daemon PID (0 to unregister).
    fn set_status(&self, enabled: u32, pid: u32) -> Result<(), String> {
        // struct nlmsghdr + the first fields of struct audit_status
        // (mask, enabled, failure, pid); the kernel zero-fills the rest.
        let mut msg = [0u8; NLMSG_HDRLEN + 16];
        let len = msg.len() as u32;
        msg[0..4].copy_from_slice(&len.to_ne_bytes());
        msg[4..6].copy_from_slice(&AUDIT_SET.to_ne_bytes());
        msg[6..8].copy_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
        let body = &mut msg[NLMSG_HDRLEN..];
        body[0..4].copy_from_slice(&(AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID).to_ne_bytes());
        body[4..8].copy_from_slice(&enabled.to_ne_bytes());
        body[12..16].copy_from_slice(&pid.to_ne_bytes());
        // SAFETY: zeroed sockaddr_nl addresses the kernel.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: `msg` and `addr` are valid for the given lengths.
        let r = unsafe {
            libc::sendto(
                self.0,
                msg.as_ptr().cast(),
                msg.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r < 0 {
            Err(format!("AUDIT_SET: {}", Error::last_os_error()))
        } else {
            Ok(())
        }
    }

    /// Returns the (type, text) of the next message, or None on timeout.
    fn recv(&self) -> Option<(u16, String)> {
        let mut buf = vec![0u8; 9000];
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { libc::recv(self.0, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < NLMSG_HDRLEN as isize {
            return None;
        }
        let ty = u16::from_ne_bytes([buf[4], buf[5]]);
        let text = String::from_utf8_lossy(&buf[NLMSG_HDRLEN..n as usize])
            .trim_end_matches('\0')
            .to_owned();
        Some((ty, text))
    }
}

/// Parses the hex value of `domain=` in a Landlock access record.
pub fn domain_of_record(text: &str) -> Option<u64> {
    let v = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("domain="))?;
    u64::from_str_radix(v, 16).ok()
}

/// The audit daemon: registered with the kernel while it lives.
pub struct Audit(Socket);

impl Audit {
    /// Registers the calling process as the audit daemon and enables audit.
    pub fn open() -> Result<Self, String> {
        let sock = Socket::open()?;
        // SAFETY: getpid() has no precondition.
        sock.set_status(1, unsafe { libc::getpid() } as u32)?;
        Ok(Self(sock))
    }

    /// The `domain=` of the next Landlock access record (5 s at most).
    pub fn next_access_domain(&mut self) -> Result<u64, String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some((AUDIT_LANDLOCK_ACCESS, text)) = self.0.recv() {
                return domain_of_record(&text).ok_or_else(|| format!("no domain= in {text:?}"));
            }
        }
        Err("no Landlock access record".into())
    }

    /// The `denials=` of the next record that says upstream's domain
    /// `domain` was deallocated.
    pub fn deallocation_denials(&mut self, domain: u64) -> Result<u64, String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let want = format!("domain={domain:x} status=deallocated denials=");
        while Instant::now() < deadline {
            if let Some((AUDIT_LANDLOCK_DOMAIN, text)) = self.0.recv() {
                if let Some(i) = text.find(&want) {
                    let n = &text[i + want.len()..];
                    let n = n.split(|c: char| !c.is_ascii_digit()).next().unwrap_or("");
                    return n.parse().map_err(|_| format!("bad denials= in {text:?}"));
                }
            }
        }
        Err(format!("no deallocation record of domain {domain:x}"))
    }
}

/// Becomes the audit daemon, runs `provoke` `n` times (each run must cause
/// exactly one Landlock denial in a new domain) and returns the `domain=`
/// IDs of the denial records, in order.
pub fn collect_denial_domain_ids(
    n: usize,
    mut provoke: impl FnMut() -> Result<(), String>,
) -> Result<Vec<u64>, String> {
    let mut audit = Audit::open()?;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        provoke().map_err(|e| format!("run {i}: {e}"))?;
        ids.push(
            audit
                .next_access_domain()
                .map_err(|e| format!("run {i}: {e}"))?,
        );
    }
    Ok(ids)
}
