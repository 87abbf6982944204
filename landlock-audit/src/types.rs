//! The typed contents of one domain directory.

use std::ffi::OsString;
use std::fmt;
#[cfg(feature = "serde")]
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::str::FromStr;

use bitflags::bitflags;
#[cfg(feature = "serde")]
use serde::de::Error as _;
#[cfg(feature = "serde")]
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Landlock domain ID: a 64-bit value in `[2^60, 2^64)`, unique until
/// reboot and stable for the domain's lifetime.
///
/// It is written as exactly 16 lowercase hexadecimal digits, in the tree and
/// in JSON.  [`FromStr`] is strict: it accepts exactly that form and nothing
/// else (no `0x`, no upper case, no other length).
///
/// ```
/// use landlock_audit::DomainId;
///
/// let id: DomainId = "3f9a0c21d4e8b157".parse().unwrap();
/// assert_eq!(id.get(), 0x3f9a0c21d4e8b157);
/// assert_eq!(id.to_string(), "3f9a0c21d4e8b157");
/// assert!("3F9A0C21D4E8B157".parse::<DomainId>().is_err());
/// assert!("3f9a0c21d4e8b15".parse::<DomainId>().is_err());
/// // Below 2^60: not an ID.
/// assert!("0f9a0c21d4e8b157".parse::<DomainId>().is_err());
/// assert_eq!(DomainId::new(0x0f9a0c21d4e8b157), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DomainId(pub(crate) u64);

impl DomainId {
    /// The smallest ID: `2^60`.
    pub const MIN: DomainId = DomainId(1 << 60);

    /// The ID of this value, or `None` below `2^60` (no domain has such an
    /// ID).
    #[inline]
    pub const fn new(v: u64) -> Option<Self> {
        if v >= 1 << 60 {
            Some(DomainId(v))
        } else {
            None
        }
    }

    /// The raw 64-bit value.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Parses exactly 16 lowercase hexadecimal digits of a value of at
    /// least `2^60` (so the first digit is not `0`).
    pub fn from_hex(s: &[u8]) -> Option<Self> {
        if s.len() != 16 || s[0] == b'0' {
            return None;
        }
        let mut v: u64 = 0;
        for &b in s {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => return None,
            };
            v = (v << 4) | u64::from(d);
        }
        Some(DomainId(v))
    }
}

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// The error of [`DomainId::from_str`]: the input, quoted and escaped, at
/// most 80 bytes of it ([`crate::parse::quote`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a domain ID (exactly 16 lowercase hexadecimal digits, at least 1000000000000000): {0}"
)]
pub struct ParseIdError(pub String);

impl FromStr for DomainId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DomainId::from_hex(s.as_bytes())
            .ok_or_else(|| ParseIdError(crate::parse::quote(s.as_bytes())))
    }
}

#[cfg(feature = "serde")]
impl Serialize for DomainId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for DomainId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(D::Error::custom)
    }
}

/// Upstream Landlock's ID of a domain, as audit records and tracepoints
/// print it (`domain=1a2b3c4d5`): a non-zero 64-bit value from upstream's
/// monotonic allocator (`security/landlock/id.c`), unrelated to the tree's
/// [`DomainId`].  The tree gives it in `domains/<id>/audit_id`
/// (`Documentation/abi.rst`), to readers with `CAP_AUDIT_READ`.
///
/// It is written as audit writes it: lowercase hexadecimal, 1 to 16 digits,
/// no `0x`, no leading zero.  [`FromStr`] accepts exactly that, optionally
/// preceded by `domain=` (so a field copied from an audit record parses
/// as it is); [`from_hex`](Self::from_hex) accepts only the bare digits.
/// Anything else (upper case, a leading zero, a sign, spaces, 0, more than
/// 16 digits) is an error.
///
/// ```
/// use landlock_audit::AuditId;
///
/// let a: AuditId = "domain=1a2b3c4d5".parse().unwrap();
/// assert_eq!(a, "1a2b3c4d5".parse().unwrap());
/// assert_eq!(a.get(), 0x1a2b3c4d5);
/// assert_eq!(a.to_string(), "1a2b3c4d5");
/// for bad in ["", "0", "01a2b3c4d5", "1A2B3C4D5", "0x1a2b3c4d5", "domain=", " 1a2b3c4d5",
///             "1a2b3c4d5\n", "10000000000000000"] {
///     assert!(bad.parse::<AuditId>().is_err(), "{bad:?}");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuditId(u64);

impl AuditId {
    /// The audit ID of this value, or `None` for 0 (upstream never issues
    /// it).
    #[inline]
    pub const fn new(v: u64) -> Option<Self> {
        if v == 0 {
            None
        } else {
            Some(AuditId(v))
        }
    }

    /// The raw 64-bit value.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Parses 1 to 16 lowercase hexadecimal digits without a leading zero
    /// (as audit's `%llx` writes a non-zero value), nothing else.
    pub fn from_hex(s: &[u8]) -> Option<Self> {
        if s.is_empty() || s.len() > 16 || s[0] == b'0' {
            return None;
        }
        let mut v: u64 = 0;
        for &b in s {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => return None,
            };
            v = (v << 4) | u64::from(d);
        }
        Some(AuditId(v))
    }
}

/// The prefix of the audit record's field, which [`AuditId::from_str`]
/// accepts.
const AUDIT_PREFIX: &str = "domain=";

/// Lowercase hexadecimal without leading zeros, as audit prints it.
impl fmt::Display for AuditId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// The value of the tree's top-level `generation` file: an opaque number
/// that changes when a domain the reader may see appears or ends, or a task
/// enters or leaves such a domain.
///
/// It is a keyed hash, not a count, under a key the kernel draws for each
/// open file: two values read through one descriptor may only be compared
/// for equality (hence no `Ord`); values read through different
/// descriptors are unrelated.
/// [`crate::parse::generation`] reads it; `landlock_audit::watch::Watcher`
/// (feature `watch`) waits for it to change.
///
/// ```
/// use landlock_audit::parse;
///
/// let a = parse::generation(b"8017263512\n").unwrap();
/// let b = parse::generation(b"77\n").unwrap();
/// assert_ne!(a, b);
/// assert_eq!(a.to_string(), "8017263512");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Generation(u64);

impl Generation {
    /// The generation of this raw value (any `u64` is one).
    #[inline]
    pub const fn new(v: u64) -> Self {
        Generation(v)
    }

    /// The raw value: opaque, to compare for equality or to print only.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The error of [`AuditId::from_str`]: the input, quoted and escaped, at
/// most 80 bytes of it ([`crate::parse::quote`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not an audit domain ID (1 to 16 lowercase hexadecimal digits without a leading zero, \
     as audit prints domain=, optionally with the domain= prefix): {0}"
)]
pub struct ParseAuditIdError(pub String);

impl FromStr for AuditId {
    type Err = ParseAuditIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix(AUDIT_PREFIX).unwrap_or(s);
        AuditId::from_hex(digits.as_bytes())
            .ok_or_else(|| ParseAuditIdError(crate::parse::quote(s.as_bytes())))
    }
}

/// As a string of bare digits (`"1a2b3c4d5"`).
#[cfg(feature = "serde")]
impl Serialize for AuditId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// From a string of bare digits (no `domain=` prefix).
#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for AuditId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        AuditId::from_hex(s.as_bytes())
            .ok_or_else(|| D::Error::custom(ParseAuditIdError(crate::parse::quote(s.as_bytes()))))
    }
}

/// A thread: its thread-group ID (the process ID) and its thread ID, both in
/// the reader's PID namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Task {
    /// Thread-group ID (process ID).
    pub tgid: u32,
    /// Thread ID.
    pub tid: u32,
}

/// The process that created a domain, from `domains/<id>/creator`.
///
/// In JSON, `comm` and `exe` are strings in which bytes that are not UTF-8
/// appear as U+FFFD; then, and only then, `comm_bytes` or `exe_bytes`
/// holds the exact bytes (an array of numbers), so nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(into = "CreatorJson", from = "CreatorJson")
)]
pub struct Creator {
    /// Its TGID in the reader's PID namespace; 0 once it has exited or when
    /// it has no PID there.
    pub pid: u32,
    /// Its UID as seen from the reader's user namespace.
    pub uid: u32,
    /// Its command name (`comm`), unescaped: any bytes, as the kernel
    /// recorded them.
    pub comm: OsString,
    /// Its executable, unescaped.
    pub exe: PathBuf,
}

/// The JSON form of a [`Creator`].
#[cfg(feature = "serde")]
#[derive(Serialize, Deserialize)]
struct CreatorJson {
    pid: u32,
    uid: u32,
    comm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comm_bytes: Option<Vec<u8>>,
    exe: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exe_bytes: Option<Vec<u8>>,
}

/// A lossy string and, when that lost something, the exact bytes.
#[cfg(feature = "serde")]
pub(crate) fn text_and_bytes(b: &[u8]) -> (String, Option<Vec<u8>>) {
    match std::str::from_utf8(b) {
        Ok(s) => (s.to_owned(), None),
        Err(_) => (String::from_utf8_lossy(b).into_owned(), Some(b.to_vec())),
    }
}

#[cfg(feature = "serde")]
impl From<Creator> for CreatorJson {
    fn from(c: Creator) -> Self {
        let (comm, comm_bytes) = text_and_bytes(c.comm.as_bytes());
        let (exe, exe_bytes) = text_and_bytes(c.exe.as_os_str().as_bytes());
        Self {
            pid: c.pid,
            uid: c.uid,
            comm,
            comm_bytes,
            exe,
            exe_bytes,
        }
    }
}

#[cfg(feature = "serde")]
impl From<CreatorJson> for Creator {
    fn from(j: CreatorJson) -> Self {
        Self {
            pid: j.pid,
            uid: j.uid,
            comm: j
                .comm_bytes
                .map_or_else(|| j.comm.into(), OsString::from_vec),
            exe: j
                .exe_bytes
                .map_or_else(|| j.exe.into(), |b| OsString::from_vec(b).into()),
        }
    }
}

bitflags! {
    /// Filesystem access rights (`LANDLOCK_ACCESS_FS_*`), in the uapi's bit
    /// order.  Unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct AccessFs: u64 {
        /// `LANDLOCK_ACCESS_FS_EXECUTE`
        const EXECUTE = 1 << 0;
        /// `LANDLOCK_ACCESS_FS_WRITE_FILE`
        const WRITE_FILE = 1 << 1;
        /// `LANDLOCK_ACCESS_FS_READ_FILE`
        const READ_FILE = 1 << 2;
        /// `LANDLOCK_ACCESS_FS_READ_DIR`
        const READ_DIR = 1 << 3;
        /// `LANDLOCK_ACCESS_FS_REMOVE_DIR`
        const REMOVE_DIR = 1 << 4;
        /// `LANDLOCK_ACCESS_FS_REMOVE_FILE`
        const REMOVE_FILE = 1 << 5;
        /// `LANDLOCK_ACCESS_FS_MAKE_CHAR`
        const MAKE_CHAR = 1 << 6;
        /// `LANDLOCK_ACCESS_FS_MAKE_DIR`
        const MAKE_DIR = 1 << 7;
        /// `LANDLOCK_ACCESS_FS_MAKE_REG`
        const MAKE_REG = 1 << 8;
        /// `LANDLOCK_ACCESS_FS_MAKE_SOCK`
        const MAKE_SOCK = 1 << 9;
        /// `LANDLOCK_ACCESS_FS_MAKE_FIFO`
        const MAKE_FIFO = 1 << 10;
        /// `LANDLOCK_ACCESS_FS_MAKE_BLOCK`
        const MAKE_BLOCK = 1 << 11;
        /// `LANDLOCK_ACCESS_FS_MAKE_SYM`
        const MAKE_SYM = 1 << 12;
        /// `LANDLOCK_ACCESS_FS_REFER`
        const REFER = 1 << 13;
        /// `LANDLOCK_ACCESS_FS_TRUNCATE`
        const TRUNCATE = 1 << 14;
        /// `LANDLOCK_ACCESS_FS_IOCTL_DEV`
        const IOCTL_DEV = 1 << 15;
        /// `LANDLOCK_ACCESS_FS_RESOLVE_UNIX`
        const RESOLVE_UNIX = 1 << 16;
    }
}

bitflags! {
    /// Network access rights (`LANDLOCK_ACCESS_NET_*`), in the uapi's bit
    /// order.  Unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct AccessNet: u64 {
        /// `LANDLOCK_ACCESS_NET_BIND_TCP`
        const BIND_TCP = 1 << 0;
        /// `LANDLOCK_ACCESS_NET_CONNECT_TCP`
        const CONNECT_TCP = 1 << 1;
        /// `LANDLOCK_ACCESS_NET_BIND_UDP`
        const BIND_UDP = 1 << 2;
        /// `LANDLOCK_ACCESS_NET_CONNECT_SEND_UDP`
        const CONNECT_SEND_UDP = 1 << 3;
    }
}

bitflags! {
    /// IPC scopes (`LANDLOCK_SCOPE_*`), in the uapi's bit order.  Unknown bits
    /// are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Scope: u64 {
        /// `LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET`
        const ABSTRACT_UNIX_SOCKET = 1 << 0;
        /// `LANDLOCK_SCOPE_SIGNAL`
        const SIGNAL = 1 << 1;
    }
}

/// A set of access rights with their textual names (as written in the
/// `access` file: the uapi's name, lowercase, without prefix).
pub trait AccessNames: Copy + Sized {
    /// The `access` line's prefix, e.g. `"fs"`.
    const KIND: &'static str;
    /// The raw bits.
    fn raw(self) -> u64;
    /// From raw bits, unknown bits kept.
    fn from_raw(bits: u64) -> Self;
    /// The name of bit `n`, if the library knows it.
    fn bit_name(n: u32) -> Option<&'static str>;

    /// The names of the set bits in ascending bit order; an unknown bit is
    /// written `bit<N>`.
    fn names(self) -> Vec<String> {
        let bits = self.raw();
        (0..64)
            .filter(|n| bits & (1u64 << n) != 0)
            .map(|n| match Self::bit_name(n) {
                Some(s) => s.to_owned(),
                None => format!("bit{n}"),
            })
            .collect()
    }

    /// The bit of a name (`execute`, `bit17`, …), or `None` for an unknown
    /// name.  `bit<N>` is accepted only for a bit without a name (`bit0` is
    /// not `execute`), as the kernel writes it.
    fn bit_of(name: &str) -> Option<u32> {
        if let Some(n) = (0..64).find(|&n| Self::bit_name(n) == Some(name)) {
            return Some(n);
        }
        let digits = name.strip_prefix("bit")?;
        // Canonical decimal only: no sign, no leading zero.
        if digits.is_empty()
            || (digits.len() > 1 && digits.starts_with('0'))
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        digits
            .parse::<u32>()
            .ok()
            .filter(|&n| n < 64 && Self::bit_name(n).is_none())
    }
}

const FS_NAMES: [&str; 17] = [
    "execute",
    "write_file",
    "read_file",
    "read_dir",
    "remove_dir",
    "remove_file",
    "make_char",
    "make_dir",
    "make_reg",
    "make_sock",
    "make_fifo",
    "make_block",
    "make_sym",
    "refer",
    "truncate",
    "ioctl_dev",
    "resolve_unix",
];
const NET_NAMES: [&str; 4] = ["bind_tcp", "connect_tcp", "bind_udp", "connect_send_udp"];
const SCOPE_NAMES: [&str; 2] = ["abstract_unix_socket", "signal"];

macro_rules! access_names {
    ($t:ty, $kind:literal, $names:ident) => {
        impl AccessNames for $t {
            const KIND: &'static str = $kind;
            fn raw(self) -> u64 {
                self.bits()
            }
            fn from_raw(bits: u64) -> Self {
                Self::from_bits_retain(bits)
            }
            fn bit_name(n: u32) -> Option<&'static str> {
                $names.get(n as usize).copied()
            }
        }

        #[cfg(feature = "serde")]
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.names().serialize(s)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let names = Vec::<String>::deserialize(d)?;
                let mut bits = 0u64;
                for n in &names {
                    let b = <$t>::bit_of(n).ok_or_else(|| {
                        D::Error::custom(format!("unknown {} access right {n:?}", $kind))
                    })?;
                    bits |= 1u64 << b;
                }
                Ok(<$t>::from_bits_retain(bits))
            }
        }
    };
}

access_names!(AccessFs, "fs", FS_NAMES);
access_names!(AccessNet, "net", NET_NAMES);
access_names!(Scope, "scope", SCOPE_NAMES);

/// The access rights a domain's own layer handles (the `access` file).
///
/// Rights this build does not know by name (a newer kernel's, see
/// `Documentation/abi.rst`) are kept in [`unknown`](Self::unknown), as
/// the kernel named them, and shown after the known ones wherever rights
/// are shown.
///
/// ```
/// use landlock_audit::{AccessFs, AccessNames, HandledAccess};
///
/// let a = HandledAccess { fs: AccessFs::EXECUTE | AccessFs::from_raw(1 << 40), ..Default::default() };
/// assert_eq!(a.fs.names(), ["execute", "bit40"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HandledAccess {
    /// Filesystem rights.
    pub fs: AccessFs,
    /// Network rights.
    pub net: AccessNet,
    /// IPC scopes.
    pub scope: Scope,
    /// Rights whose names this build does not know, per class.
    pub unknown: UnknownRights,
}

/// Names of access rights this build does not know, per class, in the
/// order the `access` file gives them.  Each is a uapi-style name (see
/// [`is_right_name`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UnknownRights {
    /// Unknown filesystem rights.
    pub fs: Vec<String>,
    /// Unknown network rights.
    pub net: Vec<String>,
    /// Unknown IPC scopes.
    pub scope: Vec<String>,
}

impl UnknownRights {
    /// Whether no unknown right is recorded.
    pub fn is_empty(&self) -> bool {
        self.fs.is_empty() && self.net.is_empty() && self.scope.is_empty()
    }

    /// The unknown names as `class:name` strings (`fs:some_future_right`).
    pub fn qualified(&self) -> Vec<String> {
        [("fs", &self.fs), ("net", &self.net), ("scope", &self.scope)]
            .into_iter()
            .flat_map(|(k, v)| v.iter().map(move |n| format!("{k}:{n}")))
            .collect()
    }
}

/// The longest right name accepted as an unknown right.
pub const RIGHT_NAME_MAX: usize = 64;

/// Whether `name` has the shape of a uapi right's name as the tree writes
/// it: 1 to [`RIGHT_NAME_MAX`] bytes, a lowercase ASCII letter then
/// lowercase letters, digits and `_`.  Only such names are kept as unknown
/// rights, so that they need no escaping anywhere.
///
/// ```
/// use landlock_audit::is_right_name;
///
/// assert!(is_right_name(b"some_future_right"));
/// assert!(!is_right_name(b"Bad") && !is_right_name(b"a b") && !is_right_name(b"_x"));
/// ```
pub fn is_right_name(name: &[u8]) -> bool {
    name.len() <= RIGHT_NAME_MAX
        && name.first().is_some_and(u8::is_ascii_lowercase)
        && name
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The access classes, in the `access` file's order.
pub const CLASSES: [&str; 3] = ["fs", "net", "scope"];

impl HandledAccess {
    /// From each class's known rights and unknown names.
    pub(crate) fn from_parts(
        (fs, ufs): (AccessFs, Vec<String>),
        (net, unet): (AccessNet, Vec<String>),
        (scope, uscope): (Scope, Vec<String>),
    ) -> Self {
        HandledAccess {
            fs,
            net,
            scope,
            unknown: UnknownRights {
                fs: ufs,
                net: unet,
                scope: uscope,
            },
        }
    }

    /// The names of each class (`fs`, `net`, `scope`, in this order): the
    /// known rights in the uapi's bit order (`bit<N>` for a bit without a
    /// name), then the unknown ones.
    pub fn names(&self) -> [(&'static str, Vec<String>); 3] {
        let join = |mut known: Vec<String>, unknown: &[String]| {
            known.extend(unknown.iter().cloned());
            known
        };
        [
            ("fs", join(self.fs.names(), &self.unknown.fs)),
            ("net", join(self.net.names(), &self.unknown.net)),
            ("scope", join(self.scope.names(), &self.unknown.scope)),
        ]
    }

    /// Whether the layer handles any right of each class (`[fs, net,
    /// scope]`), unknown ones included.
    pub fn handles(&self) -> [bool; 3] {
        [
            !self.fs.is_empty() || !self.unknown.fs.is_empty(),
            !self.net.is_empty() || !self.unknown.net.is_empty(),
            !self.scope.is_empty() || !self.unknown.scope.is_empty(),
        ]
    }

    /// The rights handled by `self` or by `other`: what a chain of layers
    /// enforces together.
    ///
    /// ```
    /// use landlock_audit::{AccessFs, AccessNet, HandledAccess};
    ///
    /// let a = HandledAccess { fs: AccessFs::EXECUTE, ..Default::default() };
    /// let b = HandledAccess { net: AccessNet::BIND_TCP, ..Default::default() };
    /// assert_eq!(a.union(&b).to_string(), "fs: execute; net: bind_tcp; scope: -");
    /// ```
    pub fn union(&self, other: &HandledAccess) -> HandledAccess {
        let merge = |a: &[String], b: &[String]| {
            let mut v = a.to_vec();
            v.extend(b.iter().filter(|n| !a.contains(n)).cloned());
            v
        };
        HandledAccess {
            fs: self.fs | other.fs,
            net: self.net | other.net,
            scope: self.scope | other.scope,
            unknown: UnknownRights {
                fs: merge(&self.unknown.fs, &other.unknown.fs),
                net: merge(&self.unknown.net, &other.unknown.net),
                scope: merge(&self.unknown.scope, &other.unknown.scope),
            },
        }
    }
}

impl Default for HandledAccess {
    fn default() -> Self {
        Self {
            fs: AccessFs::empty(),
            net: AccessNet::empty(),
            scope: Scope::empty(),
            unknown: UnknownRights::default(),
        }
    }
}

/// The JSON form of a [`HandledAccess`]: each class a list of names,
/// unknown ones included.
#[cfg(feature = "serde")]
#[derive(Serialize, Deserialize)]
struct HandledAccessJson {
    fs: Vec<String>,
    net: Vec<String>,
    scope: Vec<String>,
}

#[cfg(feature = "serde")]
impl Serialize for HandledAccess {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let [(_, fs), (_, net), (_, scope)] = self.names();
        HandledAccessJson { fs, net, scope }.serialize(s)
    }
}

/// Splits names into the known bits and the unknown names.
#[cfg(feature = "serde")]
fn split_names<A: AccessNames, E: serde::de::Error>(
    names: Vec<String>,
) -> Result<(A, Vec<String>), E> {
    names_split::<A>(names, false).map_err(E::custom)
}

/// Splits names into the known bits and the unknown names; with
/// `one_class`, the name of a right of another class is refused too (a
/// rule allows rights of its own class only).
#[cfg(feature = "serde")]
fn names_split<A: AccessNames>(
    names: Vec<String>,
    one_class: bool,
) -> Result<(A, Vec<String>), String> {
    let mut bits = 0u64;
    let mut unknown = Vec::new();
    for n in names {
        match A::bit_of(&n) {
            Some(b) => bits |= 1u64 << b,
            None if is_right_name(n.as_bytes())
                && !is_bit_form(&n)
                && !(one_class && is_other_class_name::<A>(&n)) =>
            {
                unknown.push(n)
            }
            None => return Err(format!("not a {} access right name: {n:?}", A::KIND)),
        }
    }
    Ok((A::from_raw(bits), unknown))
}

/// Whether `name` is `bit` followed by digits: the form of a bit without a
/// name, which must then be a valid one ([`AccessNames::bit_of`]).
pub(crate) fn is_bit_form(name: &str) -> bool {
    name.strip_prefix("bit")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for HandledAccess {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = HandledAccessJson::deserialize(d)?;
        Ok(HandledAccess::from_parts(
            split_names::<AccessFs, D::Error>(j.fs)?,
            split_names::<AccessNet, D::Error>(j.net)?,
            split_names::<Scope, D::Error>(j.scope)?,
        ))
    }
}

/// One domain as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Domain {
    /// Its ID.
    pub id: DomainId,
    /// Its parent, if the reader may see the parent.
    pub parent: Option<DomainId>,
    /// Its depth relative to what the reader sees: 1 without a visible
    /// parent.
    pub depth: u32,
    /// The access rights its own layer handles.
    pub access: HandledAccess,
    /// The visible tasks whose current domain is exactly this one, sorted by
    /// TGID then TID.
    pub tasks: Vec<Task>,
    /// The process that created it; `None` when the `creator` file is
    /// unreadable to the caller (it needs `CAP_SYS_PTRACE` in the initial
    /// user namespace).
    pub creator: Option<Creator>,
    /// How many access requests this domain denied so far (upstream
    /// Landlock's `num_denials`: a request counts for the youngest layer
    /// that denies it, whether it was logged or not), as the kernel gave it
    /// when the tree was read: `domains/<id>/denials`, or the `denials` line
    /// of the `snapshot` file.  It only grows while the domain lives.
    ///
    /// `None` when the kernel does not give it: to a reader without
    /// `CAP_AUDIT_READ` in the initial user namespace (`EACCES` on the file,
    /// no `snapshot` line), on a kernel older than the `denials` file, or
    /// for a `snapshot` taken while this domain was being freed (the kernel
    /// then leaves the line out).  In JSON, `null`; a document without the field (from an older
    /// command) reads as `None`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub denials: Option<u64>,
}

/// Writes the names of `a` separated by spaces, or `-` for no right.
fn write_names<A: AccessNames>(f: &mut fmt::Formatter<'_>, a: A) -> fmt::Result {
    let names = a.names();
    if names.is_empty() {
        return f.write_str("-");
    }
    f.write_str(&names.join(" "))
}

macro_rules! display_names {
    ($t:ty) => {
        /// The rights' names as in the `access` file, separated by spaces
        /// (`bit<N>` for a bit without a name), or `-` for no right.
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_names(f, *self)
            }
        }
    };
}

display_names!(AccessFs);
display_names!(AccessNet);
display_names!(Scope);

/// One line: `fs: NAMES; net: NAMES; scope: NAMES` (`-` for none), unknown
/// rights after the known ones of their class.
///
/// ```
/// use landlock_audit::{AccessFs, HandledAccess, Scope};
///
/// let mut a = HandledAccess { fs: AccessFs::EXECUTE | AccessFs::REFER, scope: Scope::SIGNAL, ..Default::default() };
/// assert_eq!(a.to_string(), "fs: execute refer; net: -; scope: signal");
/// a.unknown.fs.push("some_future_right".into());
/// assert_eq!(a.to_string(), "fs: execute refer some_future_right; net: -; scope: signal");
/// ```
impl fmt::Display for HandledAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (kind, names)) in self.names().iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{kind}: ")?;
            if names.is_empty() {
                f.write_str("-")?;
            } else {
                f.write_str(&names.join(" "))?;
            }
        }
        Ok(())
    }
}

/// `<tgid> <tid>`, as a line of `domains/<id>/tasks`.
impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tgid, self.tid)
    }
}

/// Writes `s` with space, backslash, control characters (tab, newline,
/// ESC, DEL, …) and bytes that are not UTF-8 as octal escapes `\ooo`, the
/// kernel's escapes for space, tab, newline and backslash included: the
/// result holds no space and cannot forge a line or move a terminal's
/// cursor.
fn write_escaped_field(f: &mut fmt::Formatter<'_>, s: &[u8]) -> fmt::Result {
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == ' ' || c == '\\' || c.is_control() {
                let mut b = [0u8; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    write!(f, "\\{byte:03o}")?;
                }
            } else {
                write!(f, "{c}")?;
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\{b:03o}")?;
        }
    }
    Ok(())
}

/// `pid N uid N comm NAME exe PATH`, as the `creator` line of the
/// `snapshot` file, `comm` and `exe` escaped so that they hold no space,
/// newline or other control character (`\040`, `\012`, `\033`, …).
///
/// ```
/// use landlock_audit::Creator;
///
/// let c = Creator { pid: 7, uid: 0, comm: "evil\n\x1b[2K x".into(), exe: "/bin/a b".into() };
/// assert_eq!(c.to_string(), r"pid 7 uid 0 comm evil\012\033[2K\040x exe /bin/a\040b");
/// ```
impl fmt::Display for Creator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::os::unix::ffi::OsStrExt;
        write!(f, "pid {} uid {} comm ", self.pid, self.uid)?;
        write_escaped_field(f, self.comm.as_bytes())?;
        f.write_str(" exe ")?;
        write_escaped_field(f, self.exe.as_os_str().as_bytes())
    }
}

/// `<id> parent <id or -> depth N; fs: …; net: …; scope: …; N tasks`.
///
/// ```
/// use landlock_audit::{Domain, DomainId, HandledAccess};
///
/// let d = Domain { id: DomainId::MIN, parent: None, depth: 1,
///                  access: HandledAccess::default(), tasks: vec![], creator: None,
///                  denials: Some(3) };
/// assert_eq!(d.to_string(), "1000000000000000 parent - depth 1; fs: -; net: -; scope: -; 0 tasks");
/// ```
impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} parent ", self.id)?;
        match self.parent {
            Some(p) => write!(f, "{p}")?,
            None => f.write_str("-")?,
        }
        write!(
            f,
            " depth {}; {}; {} tasks",
            self.depth,
            self.access,
            self.tasks.len()
        )
    }
}

/// Whether `name` is the name of a right of another class than `A`'s
/// (`connect_tcp` on a filesystem rule): no rule of class `A` allows it.
pub(crate) fn is_other_class_name<A: AccessNames>(name: &str) -> bool {
    [
        (AccessFs::KIND, &FS_NAMES[..]),
        (AccessNet::KIND, &NET_NAMES[..]),
        (Scope::KIND, &SCOPE_NAMES[..]),
    ]
    .iter()
    .any(|(kind, names)| *kind != A::KIND && names.contains(&name))
}

/// Why the kernel names no path for the inode of a filesystem rule: the
/// word of a `domains/<id>/rules` line that stands where `path <PATH>`
/// would (see [`Rule`]).
///
/// ```
/// use landlock_audit::Unnamed;
///
/// assert_eq!(Unnamed::TooLong.as_str(), "too_long");
/// assert_eq!(Unnamed::from_word(b"uncached"), Some(Unnamed::Uncached));
/// assert_eq!(Unnamed::from_word(b"path"), None);
/// assert_eq!(Unnamed::ALL.len(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Unnamed {
    /// `uncached`: no dentry of the inode is in the dentry cache, so the
    /// kernel cannot name it (it does not walk the filesystem to find one).
    Uncached,
    /// `deleted`: the inode's cached dentry is unlinked.
    Deleted,
    /// `unreachable`: no mount below the reader's root, in the reader's
    /// mount namespace, shows the inode.
    Unreachable,
    /// `too_long`: its path is longer than `PATH_MAX`.
    TooLong,
    /// `released`, after the device and inode numbers: the filesystem was
    /// unmounted after the file was opened (the kernel still had the
    /// numbers then, but no longer knows the inode when the line is
    /// formatted).  A rule whose filesystem was unmounted before the open
    /// is [`Rule::FsReleased`] instead.
    Released,
}

impl Unnamed {
    /// Every reason, in this order.
    pub const ALL: [Unnamed; 5] = [
        Unnamed::Uncached,
        Unnamed::Deleted,
        Unnamed::Unreachable,
        Unnamed::TooLong,
        Unnamed::Released,
    ];

    /// The word the `rules` file writes: `uncached`, `deleted`,
    /// `unreachable`, `too_long` or `released`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unnamed::Uncached => "uncached",
            Unnamed::Deleted => "deleted",
            Unnamed::Unreachable => "unreachable",
            Unnamed::TooLong => "too_long",
            Unnamed::Released => "released",
        }
    }

    /// The reason a word of the `rules` file names, exactly as
    /// [`as_str`](Self::as_str) writes it.
    pub fn from_word(word: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|u| u.as_str().as_bytes() == word)
    }
}

/// The word of the `rules` file ([`Unnamed::as_str`]).
impl fmt::Display for Unnamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inode of a filesystem rule as the reader can name it: its path, or
/// why there is none.
///
/// ```
/// use landlock_audit::{parse, FsObject, Rule, Unnamed};
///
/// let rules = parse::rules(b"fs dev 0:31 ino 2 path /srv/a\\040b access read_file\n\
///                            fs dev 0:31 ino 3 deleted access read_file\n").unwrap();
/// let objects: Vec<&FsObject> = rules.iter().filter_map(|r| match r {
///     Rule::Fs { object, .. } => Some(object),
///     _ => None,
/// }).collect();
/// assert_eq!(objects, [&FsObject::Path("/srv/a b".into()), &FsObject::Unnamed(Unnamed::Deleted)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FsObject {
    /// Its path, relative to the reader's root (it starts with `/`),
    /// unescaped: any bytes but NUL, at most `PATH_MAX - 1` (4095) of them.
    /// The directory or file a rule was added for; the rule applies to
    /// what lies beneath it.
    Path(PathBuf),
    /// No path: why.
    Unnamed(Unnamed),
}

/// One rule of a domain's own layer, a line of `domains/<id>/rules`
/// (privileged: [`crate::rules::read`] reads it, [`crate::parse::rules`]
/// parses it).
///
/// A rule allows rights on an object: a filesystem rule (`landlock_add_rule()`
/// with `LANDLOCK_RULE_PATH_BENEATH`) allows filesystem rights beneath an
/// inode, a network rule (`LANDLOCK_RULE_NET_PORT`) network rights on a
/// port.  The rights are those the layer stores, masked with the rights
/// it handles, in [`AccessFs`] or [`AccessNet`]; the names of rights this
/// build does not know (a newer kernel's) are kept in `unknown_access`, in
/// the file's order, as in [`HandledAccess::unknown`].  `quiet` says that
/// the rule was added with `LANDLOCK_ADD_RULE_QUIET`.
///
/// ```
/// use landlock_audit::{parse, AccessFs, AccessNet, FsObject, Rule};
///
/// let rules = parse::rules(b"fs dev 8:1 ino 131073 path /usr quiet access execute read_file\n\
///                            net port 443 access connect_tcp\n").unwrap();
/// assert_eq!(rules[0], Rule::Fs {
///     dev: (8, 1),
///     ino: 131073,
///     object: FsObject::Path("/usr".into()),
///     quiet: true,
///     access: AccessFs::EXECUTE | AccessFs::READ_FILE,
///     unknown_access: vec![],
/// });
/// assert_eq!(rules[1], Rule::Net {
///     port: 443,
///     quiet: false,
///     access: AccessNet::CONNECT_TCP,
///     unknown_access: vec![],
/// });
/// assert_eq!(rules[1].access_names(), ["connect_tcp"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rule {
    /// `fs dev <major>:<minor> ino <n> (path <path> | <reason>) [quiet]
    /// access [<right> …]`: a filesystem rule whose inode the kernel knows.
    Fs {
        /// The device of the inode's filesystem: (major, minor), as
        /// `stat()`'s `st_dev` splits (`major()`, `minor()`).
        dev: (u32, u32),
        /// The inode's number (`st_ino`).
        ino: u64,
        /// Its path, or why it has none.
        object: FsObject,
        /// Added with `LANDLOCK_ADD_RULE_QUIET`.
        quiet: bool,
        /// The filesystem rights it allows.
        access: AccessFs,
        /// The names of rights this build does not know.
        unknown_access: Vec<String>,
    },
    /// `fs released [quiet] access [<right> …]`: a filesystem rule whose
    /// filesystem was unmounted: the kernel knows neither its numbers nor
    /// its name any more.
    FsReleased {
        /// Added with `LANDLOCK_ADD_RULE_QUIET`.
        quiet: bool,
        /// The filesystem rights it allows.
        access: AccessFs,
        /// The names of rights this build does not know.
        unknown_access: Vec<String>,
    },
    /// `net port <n> [quiet] access [<right> …]`: a network rule.
    Net {
        /// The TCP or UDP port, in host byte order.
        port: u16,
        /// Added with `LANDLOCK_ADD_RULE_QUIET`.
        quiet: bool,
        /// The network rights it allows.
        access: AccessNet,
        /// The names of rights this build does not know.
        unknown_access: Vec<String>,
    },
}

impl Rule {
    /// `"fs"` or `"net"`: the rule's class, the first word of its line.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::Fs { .. } | Rule::FsReleased { .. } => AccessFs::KIND,
            Rule::Net { .. } => AccessNet::KIND,
        }
    }

    /// Whether it was added with `LANDLOCK_ADD_RULE_QUIET`.
    pub fn quiet(&self) -> bool {
        match self {
            Rule::Fs { quiet, .. } | Rule::FsReleased { quiet, .. } | Rule::Net { quiet, .. } => {
                *quiet
            }
        }
    }

    /// The names of rights this build does not know, in the file's order.
    pub fn unknown_access(&self) -> &[String] {
        match self {
            Rule::Fs { unknown_access, .. }
            | Rule::FsReleased { unknown_access, .. }
            | Rule::Net { unknown_access, .. } => unknown_access,
        }
    }

    /// The names of the rights it allows, as the file writes them: the
    /// known ones in the uapi's bit order (`bit<N>` for a bit without a
    /// name), then [`unknown_access`](Self::unknown_access).  Empty for a
    /// quiet rule that allows no right.
    pub fn access_names(&self) -> Vec<String> {
        let mut names = match self {
            Rule::Fs { access, .. } | Rule::FsReleased { access, .. } => access.names(),
            Rule::Net { access, .. } => access.names(),
        };
        names.extend(self.unknown_access().iter().cloned());
        names
    }

    /// The path of a filesystem rule's inode, when the kernel named it.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Rule::Fs {
                object: FsObject::Path(p),
                ..
            } => Some(p),
            _ => None,
        }
    }
}

/// The rule's line of the `rules` file, without the newline, but with the
/// path escaped for display as [`Creator`]'s `exe` is (space, backslash,
/// control characters and bytes that are not UTF-8 as `\ooo`), which
/// escapes more than the file does: the text holds no space inside a
/// field and no control character.
///
/// ```
/// use landlock_audit::{AccessFs, FsObject, Rule, Unnamed};
///
/// let r = Rule::Fs { dev: (0, 31), ino: 2, object: FsObject::Path("/tmp/a b\n\x1b".into()),
///                    quiet: false, access: AccessFs::WRITE_FILE, unknown_access: vec![] };
/// assert_eq!(r.to_string(), r"fs dev 0:31 ino 2 path /tmp/a\040b\012\033 access write_file");
/// let r = Rule::Fs { dev: (0, 31), ino: 2, object: FsObject::Unnamed(Unnamed::Uncached),
///                    quiet: true, access: AccessFs::empty(), unknown_access: vec![] };
/// assert_eq!(r.to_string(), "fs dev 0:31 ino 2 uncached quiet access");
/// ```
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::os::unix::ffi::OsStrExt;
        match self {
            Rule::Fs {
                dev, ino, object, ..
            } => {
                write!(f, "fs dev {}:{} ino {ino} ", dev.0, dev.1)?;
                match object {
                    FsObject::Path(p) => {
                        f.write_str("path ")?;
                        write_escaped_field(f, p.as_os_str().as_bytes())?;
                    }
                    FsObject::Unnamed(u) => f.write_str(u.as_str())?,
                }
            }
            Rule::FsReleased { .. } => f.write_str("fs released")?,
            Rule::Net { port, .. } => write!(f, "net port {port}")?,
        }
        if self.quiet() {
            f.write_str(" quiet")?;
        }
        f.write_str(" access")?;
        for n in self.access_names() {
            write!(f, " {n}")?;
        }
        Ok(())
    }
}

/// The device of a filesystem rule in JSON.
#[cfg(feature = "serde")]
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevJson {
    major: u32,
    minor: u32,
}

/// The JSON form of a [`Rule`]: `kind` `"fs"` with `dev`, `ino`, `path`
/// (`path_bytes` when it is not UTF-8) and `reason` (`null` where they do
/// not apply), or `kind` `"net"` with `port`; then `quiet` and `access`.
#[cfg(feature = "serde")]
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RuleJson {
    Fs {
        dev: Option<DevJson>,
        ino: Option<u64>,
        path: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
        reason: Option<Unnamed>,
        quiet: bool,
        access: Vec<String>,
    },
    Net {
        port: u16,
        quiet: bool,
        access: Vec<String>,
    },
}

#[cfg(feature = "serde")]
impl From<Rule> for RuleJson {
    fn from(r: Rule) -> Self {
        let access = r.access_names();
        match r {
            Rule::Fs {
                dev,
                ino,
                object,
                quiet,
                ..
            } => {
                let (path, path_bytes, reason) = match object {
                    FsObject::Path(p) => {
                        let (s, b) = text_and_bytes(p.as_os_str().as_bytes());
                        (Some(s), b, None)
                    }
                    FsObject::Unnamed(u) => (None, None, Some(u)),
                };
                RuleJson::Fs {
                    dev: Some(DevJson {
                        major: dev.0,
                        minor: dev.1,
                    }),
                    ino: Some(ino),
                    path,
                    path_bytes,
                    reason,
                    quiet,
                    access,
                }
            }
            Rule::FsReleased { quiet, .. } => RuleJson::Fs {
                dev: None,
                ino: None,
                path: None,
                path_bytes: None,
                reason: Some(Unnamed::Released),
                quiet,
                access,
            },
            Rule::Net { port, quiet, .. } => RuleJson::Net {
                port,
                quiet,
                access,
            },
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RuleJson> for Rule {
    type Error = String;

    fn try_from(j: RuleJson) -> Result<Self, String> {
        match j {
            RuleJson::Fs {
                dev,
                ino,
                path,
                path_bytes,
                reason,
                quiet,
                access,
            } => {
                let (access, unknown_access) = names_split::<AccessFs>(access, true)?;
                match (dev, ino, path, reason) {
                    (Some(d), Some(ino), Some(p), None) => Ok(Rule::Fs {
                        dev: (d.major, d.minor),
                        ino,
                        object: FsObject::Path(
                            path_bytes.map_or_else(|| p.into(), |b| OsString::from_vec(b).into()),
                        ),
                        quiet,
                        access,
                        unknown_access,
                    }),
                    (Some(d), Some(ino), None, Some(u)) if path_bytes.is_none() => Ok(Rule::Fs {
                        dev: (d.major, d.minor),
                        ino,
                        object: FsObject::Unnamed(u),
                        quiet,
                        access,
                        unknown_access,
                    }),
                    (None, None, None, Some(Unnamed::Released)) if path_bytes.is_none() => {
                        Ok(Rule::FsReleased {
                            quiet,
                            access,
                            unknown_access,
                        })
                    }
                    _ => Err(
                        "a filesystem rule has dev and ino, and either path or reason; \
                              or only reason \"released\""
                            .to_owned(),
                    ),
                }
            }
            RuleJson::Net {
                port,
                quiet,
                access,
            } => {
                let (access, unknown_access) = names_split::<AccessNet>(access, true)?;
                Ok(Rule::Net {
                    port,
                    quiet,
                    access,
                    unknown_access,
                })
            }
        }
    }
}

#[cfg(feature = "serde")]
impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RuleJson::from(self.clone()).serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Rule::try_from(RuleJson::deserialize(d)?).map_err(D::Error::custom)
    }
}
