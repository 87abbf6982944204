//! User names for the USER columns of `ps` and `list` and the creator of
//! `domain`.
//!
//! A dynamically linked command asks NSS (`getpwuid_r`, through `uzers`),
//! so users of LDAP, sssd or systemd's `DynamicUser=` get their names.  A
//! statically linked one (`-C target-feature=+crt-static`, as
//! `ci/build-initramfs` builds it) must not: static glibc then `dlopen()`s
//! the system's NSS modules (`libnss_systemd.so.2`, ...), which bring the
//! shared `libc.so.6` into a process that already has its own libc, and a
//! lookup that `files` does not answer crashes in the module (SIGSEGV in
//! `_nss_systemd_is_blocked`, on a Debian host whose `nsswitch.conf` says
//! `passwd: files systemd`).  The static command reads `/etc/passwd`
//! itself instead, as glibc's `files` module does: a user known only to
//! another NSS service is shown by number.

use std::collections::HashMap;

/// The user name of `uid`, as bytes (not escaped), or `None` when it has
/// none.
#[cfg(not(target_feature = "crt-static"))]
pub fn name(uid: u32) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    uzers::get_user_by_uid(uid).map(|u| u.name().as_bytes().to_vec())
}

/// The user name of `uid`, as bytes (not escaped), or `None` when it has
/// none: from `/etc/passwd`, read once (no NSS in a static binary).
#[cfg(target_feature = "crt-static")]
pub fn name(uid: u32) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::sync::OnceLock;
    static PASSWD: OnceLock<HashMap<u32, Vec<u8>>> = OnceLock::new();
    PASSWD
        .get_or_init(|| {
            let mut buf = Vec::new();
            // An unreadable or missing file names no user: UIDs are shown
            // as numbers.
            let _ = std::fs::File::open(PASSWD_PATH)
                .and_then(|f| f.take(PASSWD_MAX_SIZE).read_to_end(&mut buf));
            parse_passwd(&buf)
        })
        .get(&uid)
        .cloned()
}

/// Where the static command finds user names.
#[cfg(target_feature = "crt-static")]
const PASSWD_PATH: &str = "/etc/passwd";

/// The most bytes of `/etc/passwd` read (a file for millions of users
/// belongs in another NSS service).
#[cfg(target_feature = "crt-static")]
const PASSWD_MAX_SIZE: u64 = 64 << 20;

/// The UIDs and names of a `passwd(5)` file, as glibc's `files` service
/// reads it: `name:password:UID:GID:GECOS:home:shell` lines, blank lines,
/// comments (`#`) and NIS compat entries (`+`, `-`) skipped, the first line
/// for a UID winning.
#[cfg_attr(not(target_feature = "crt-static"), allow(dead_code))]
pub fn parse_passwd(input: &[u8]) -> HashMap<u32, Vec<u8>> {
    let mut users = HashMap::new();
    for line in input.split(|&b| b == b'\n') {
        let line = line.trim_ascii_start();
        if matches!(line.first(), None | Some(b'#' | b'+' | b'-')) {
            continue;
        }
        let mut fields = line.split(|&b| b == b':');
        let (Some(name), Some(_), Some(uid)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let Some(uid) = std::str::from_utf8(uid)
            .ok()
            .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|u| u.parse::<u32>().ok())
        else {
            continue;
        };
        if !name.is_empty() {
            users.entry(uid).or_insert_with(|| name.to_vec());
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines_name_uids_as_the_files_service_does() {
        let users = parse_passwd(
            b"root:x:0:0:root:/root:/bin/bash\n\
              # a comment:x:5:5\n\
              \n\
              +nisuser:x:7:7::/:/bin/sh\n\
              www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n\
              again:x:33:33::/:/bin/sh\n\
              bad:x:-1:0::/:/bin/sh\n\
              big:x:4294967296:0::/:/bin/sh\n\
              short:x\n\
              :x:9:9::/:/bin/sh\n\
              nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        );
        assert_eq!(users.get(&0).map(Vec::as_slice), Some(&b"root"[..]));
        assert_eq!(users.get(&33).map(Vec::as_slice), Some(&b"www-data"[..]));
        assert_eq!(users.get(&65534).map(Vec::as_slice), Some(&b"nobody"[..]));
        assert_eq!(users.len(), 3, "{users:?}");
    }

    /// Every build names the UID the tests run as when `/etc/passwd` has
    /// it, and a UID no file holds is unnamed, without a crash.
    #[test]
    fn names_come_from_etc_passwd_or_nss() {
        let passwd = std::fs::read("/etc/passwd").unwrap_or_default();
        if let Some(n) = parse_passwd(&passwd).get(&0) {
            assert_eq!(name(0).as_ref(), Some(n));
        }
        let _ = name(4_000_000_000);
    }
}
