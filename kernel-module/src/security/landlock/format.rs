// SPDX-License-Identifier: GPL-2.0-only

//! Text of the tree's files (ABI v1, Documentation/ABI/testing/securityfs-landlock).
//!
//! Everything here writes into a byte buffer and has no side effect, so it
//! is tested by KUnit without a tree.  The names of access rights are the
//! kernel's own (`<linux/landlock.h>`, through [`glue::access_name`]), so a
//! right this file would not know cannot exist: introspect.c fails the build.

use crate::glue::{self, AccessClass};
use core::fmt::Write;
use kernel::prelude::*;

/// A growable text buffer: the content of one open file.  Large contents
/// fall back to vmalloc (no contiguous allocation proportional to the
/// tree), and the memory is charged to the reader's memory cgroup.
pub(crate) struct Buf(pub(crate) KVVec<u8>);

impl Buf {
    pub(crate) fn new() -> Self {
        Self(KVVec::new())
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result {
        self.0.extend_from_slice(b, GFP_KERNEL_ACCOUNT)?;
        Ok(())
    }

    /// Writes `n` in decimal.
    pub(crate) fn num(&mut self, n: u64) -> Result {
        write!(self, "{n}").map_err(|_| ENOMEM)
    }
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.bytes(s.as_bytes()).map_err(|_| core::fmt::Error)
    }
}

/// Writes `prefix:` and the names of the bits of `mask` (the kernel's, see
/// [`glue::access_name`]), space-separated; an unknown bit is written
/// `bit<N>`.
fn access_line(out: &mut Buf, prefix: &str, class: AccessClass, mask: u32) -> Result {
    out.bytes(prefix.as_bytes())?;
    out.bytes(b":")?;
    rights(out, class, mask)?;
    out.bytes(b"\n")
}

/// The names of the rights of `mask`, each after a space, in bit order
/// (`bitN` for a right without a name).
pub(crate) fn rights(out: &mut Buf, class: AccessClass, mask: u32) -> Result {
    for bit in 0..32 {
        if mask & (1 << bit) != 0 {
            match glue::access_name(class, bit) {
                Some(name) => {
                    out.bytes(b" ")?;
                    out.bytes(name.to_bytes())?;
                }
                None => write!(out, " bit{bit}").map_err(|_| ENOMEM)?,
            }
        }
    }
    Ok(())
}

/// The `access` file: three lines, `fs:`, `net:` and `scope:`.
pub(crate) fn access(out: &mut Buf, access: [u32; 3]) -> Result {
    access_line(out, "fs", AccessClass::Fs, access[0])?;
    access_line(out, "net", AccessClass::Net, access[1])?;
    access_line(out, "scope", AccessClass::Scope, access[2])
}

/// Writes a domain ID as exactly 16 lowercase hex digits.
pub(crate) fn id(out: &mut Buf, id: u64) -> Result {
    write!(out, "{id:016x}").map_err(|_| ENOMEM)
}

/// Writes upstream's domain ID as audit records print it (`%llx`: lowercase
/// hex, no leading zeros).
pub(crate) fn audit_id(out: &mut Buf, id: u64) -> Result {
    write!(out, "{id:x}").map_err(|_| ENOMEM)
}

/// Parses a directory name into an ID: exactly 16 lowercase hex digits.
pub(crate) fn parse_id(name: &[u8]) -> Option<u64> {
    if name.len() != 16 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in name {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u64::from(d);
    }
    Some(v)
}

/// Writes `s` escaped as paths are in `/proc/<pid>/mountinfo` (space, tab,
/// newline and backslash become `\040`, `\011`, `\012` and `\134`), and
/// every other control character (`\000` to `\037`, `\177`) too, so that a
/// crafted name can forge neither a line nor a field, whatever a reader
/// takes for a blank (`\r`, `\v`, `\f`), nor reach a terminal as is.
/// Other bytes, UTF-8 included, are written as they are.
pub(crate) fn escaped(out: &mut Buf, s: &[u8]) -> Result {
    for &c in s {
        if c <= b' ' || c == b'\\' || c == 0x7f {
            write!(out, "\\{c:03o}").map_err(|_| ENOMEM)?;
        } else {
            out.bytes(&[c])?;
        }
    }
    Ok(())
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_format)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Buf) -> Result) -> KVVec<u8> {
        let mut b = Buf::new();
        assert!(f(&mut b).is_ok());
        b.0
    }

    #[test]
    fn access_lines_follow_uapi_order() {
        let t = text(|b| access(b, [0b111, 0b11, 0b10]));
        assert_eq!(
            &t[..],
            b"fs: execute write_file read_file\nnet: bind_tcp connect_tcp\nscope: signal\n"
        );
    }

    #[test]
    fn every_right_has_its_abi_name() {
        // The names the ABI document promises, which are also those
        // of Landlock's audit records and tracepoints.
        let t = text(|b| access(b, [(1 << 17) - 1, 0b1111, 0b11]));
        assert_eq!(
            &t[..],
            b"fs: execute write_file read_file read_dir remove_dir remove_file make_char \
              make_dir make_reg make_sock make_fifo make_block make_sym refer truncate \
              ioctl_dev resolve_unix\n\
              net: bind_tcp connect_tcp bind_udp connect_send_udp\n\
              scope: abstract_unix_socket signal\n"
        );
    }

    #[test]
    fn empty_and_unknown_bits() {
        let t = text(|b| access(b, [1 << 20, 0, 1 << 5]));
        assert_eq!(&t[..], b"fs: bit20\nnet:\nscope: bit5\n");
    }

    #[test]
    fn ids_print_as_16_digits_and_parse_back() {
        let t = text(|b| id(b, 0x1000000000000abc));
        assert_eq!(&t[..], b"1000000000000abc");
        assert_eq!(parse_id(b"1000000000000abc"), Some(0x1000000000000abc));
    }

    #[test]
    fn malformed_names_do_not_parse() {
        assert_eq!(parse_id(b"1000000000000ABC"), None);
        assert_eq!(parse_id(b"1000000000000abg"), None);
        assert_eq!(parse_id(b"1000000000000ab"), None);
        assert_eq!(parse_id(b"1000000000000abcd"), None);
        assert_eq!(parse_id(b".."), None);
        assert_eq!(parse_id(b"+000000000000abc"), None);
    }

    #[test]
    fn escaping_cannot_forge_lines() {
        let t = text(|b| escaped(b, b"a b\tc\nd\\e"));
        assert_eq!(&t[..], b"a\\040b\\011c\\012d\\134e");
    }

    #[test]
    fn every_control_character_is_escaped() {
        let t = text(|b| escaped(b, b"\r\x0b\x0c\x1b[0m\x00\x7f\xc3\xa9!"));
        assert_eq!(&t[..], b"\\015\\013\\014\\033[0m\\000\\177\xc3\xa9!");
    }
}
