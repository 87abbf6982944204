// SPDX-License-Identifier: GPL-2.0-only

//! `domains/<id>/rules`: the rules of a domain's own layer, one per line.
//!
//! Privileged as `creator` (`CAP_SYS_PTRACE` in the initial user namespace,
//! in both the subjective and objective credentials; `EACCES` otherwise),
//! after the same visibility check as every file of the domain.  The open
//! file holds a reference to the domain (not to its tasks or credentials),
//! whose rules never change, and their list sorted by object ([`Line`]
//! order): 32 bytes per rule, charged to the opener.  Lines are formatted
//! as `read()` reaches them, one at a time, into a buffer of the open file
//! (at most one line, `PATH_MAX` escaped): memory does not grow with the
//! rules' paths, and no lock that Landlock or the VFS takes is held while
//! formatting (the open file's cursor is a mutex of its own, which only
//! readers of that descriptor share, as `seq_file`'s).
//!
//! Filesystem objects are named relative to the reading task's root,
//! through the mounts of its mount namespace, collected at the first such
//! line of each `read()` and dropped before it returns: a reader never
//! holds a mount across system calls, so it never makes an unmount fail.
//!
//! ```text
//! fs dev 8:1 ino 131073 path /usr quiet access execute read_file read_dir
//! fs dev 0:31 ino 2 uncached access write_file
//! fs released access read_file
//! net port 443 access connect_tcp
//! ```
//!
//! `fs` lines always give the device and inode numbers while the kernel
//! knows the inode, then either `path` and the escaped path (as `exe` is
//! escaped), or why there is none: `uncached` (no dentry of the inode is in
//! the dentry cache: the kernel cannot name it without walking the
//! filesystem), `deleted` (its dentry is unlinked), `unreachable` (no mount
//! under the reader's root shows it), `too_long` (longer than `PATH_MAX`),
//! or `released` instead of the numbers when its filesystem was unmounted.
//! `quiet` marks a rule added with `LANDLOCK_ADD_RULE_QUIET`.  `access` and
//! the names of the allowed rights, as the `access` file prints them, end
//! the line.

use crate::{
    domains::{self, Open},
    format::{self, Buf},
    glue::AccessClass,
    registry::{DomainRules, Mounts, RawRule, Unnamed, RULE_FS, RULE_QUIET, RULE_RELEASED},
    view,
};
use core::pin::Pin;
use kernel::{
    fs::{
        dynfs::{FileNode, Node},
        file::{LocalFile, Offset},
    },
    new_mutex,
    prelude::*,
    sync::Mutex,
    uaccess::UserSliceWriter,
};

/// `domains/<id>/rules` (key: the domain's counter).
pub(crate) struct RulesFile;

/// What an open `rules` file holds.
pub(crate) struct RulesOpen {
    /// The opener's view of the domain, to check rule 1 again at each
    /// `read()` by a task in another domain.
    view: Open,
    /// The domain and its rules, sorted.
    rules: DomainRules,
    /// Where the last `read()` stopped.
    cursor: Pin<KBox<Mutex<Cursor>>>,
}

/// The line a `read()` stopped in.
struct Cursor {
    /// The index of the rule after [`Cursor::line`].
    next: usize,
    /// The file offset where [`Cursor::line`] starts.
    start: usize,
    /// The last line formatted (empty before the first).
    line: Buf,
}

impl Cursor {
    fn new() -> Self {
        Self {
            next: 0,
            start: 0,
            line: Buf::new(),
        }
    }
}

/// One line of the file: `rule`, its object named `name` (filesystem rules
/// only), with a newline.
pub(crate) fn line(
    out: &mut Buf,
    rule: &RawRule,
    name: core::result::Result<&[u8], Unnamed>,
) -> Result {
    let class = if rule.kind == RULE_FS {
        out.bytes(b"fs")?;
        if rule.flags & RULE_RELEASED != 0 {
            out.bytes(b" released")?;
        } else {
            out.bytes(b" dev ")?;
            out.num(rule.dev_major.into())?;
            out.bytes(b":")?;
            out.num(rule.dev_minor.into())?;
            out.bytes(b" ino ")?;
            out.num(rule.ino)?;
            match name {
                Ok(path) => {
                    out.bytes(b" path ")?;
                    format::escaped(out, path)?;
                }
                Err(Unnamed::Released) => out.bytes(b" released")?,
                Err(Unnamed::Uncached) => out.bytes(b" uncached")?,
                Err(Unnamed::Deleted) => out.bytes(b" deleted")?,
                Err(Unnamed::Unreachable) => out.bytes(b" unreachable")?,
                Err(Unnamed::TooLong) => out.bytes(b" too_long")?,
            }
        }
        AccessClass::Fs
    } else {
        out.bytes(b"net port ")?;
        out.num(rule.port.into())?;
        AccessClass::Net
    };
    if rule.flags & RULE_QUIET != 0 {
        out.bytes(b" quiet")?;
    }
    out.bytes(b" access")?;
    format::rights(out, class, rule.access)?;
    out.bytes(b"\n")
}

/// Formats rule `i` of `rules` into `out`, collecting the reader's mounts
/// into `mounts` the first time a path is needed.
fn format_rule(
    rules: &DomainRules,
    i: usize,
    mounts: &mut Option<Mounts>,
    path: &mut KVec<u8>,
    out: &mut Buf,
) -> Result {
    let Some(rule) = rules.rules().get(i) else {
        return Ok(());
    };
    if rule.kind != RULE_FS || rule.flags & RULE_RELEASED != 0 {
        return line(out, rule, Err(Unnamed::Released));
    }
    let m = match mounts {
        Some(m) => m,
        None => mounts.insert(Mounts::collect()?),
    };
    line(out, rule, rules.path(i, m, path))
}

impl Node for RulesFile {
    type Open = RulesOpen;

    fn visible(counter: u64) -> Result<bool> {
        domains::current_sees(counter)
    }

    /// Visible and privileged (`domains.rs`), then a reference to the
    /// domain: `ENODATA` if no credential holds it any more (an ancestor
    /// of live domains, whose rules went with it).
    fn open(counter: u64, _file: &LocalFile) -> Result<RulesOpen> {
        let view = domains::open_rules(counter)?;
        let rules = view::registry().ok_or(ENOENT)?.rules(counter)?;
        let cursor = KBox::pin_init(new_mutex!(Cursor::new()), GFP_KERNEL_ACCOUNT)?;
        Ok(RulesOpen {
            view,
            rules,
            cursor,
        })
    }
}

#[vtable]
impl FileNode for RulesFile {
    /// Formats the lines from `*pos` on, as many as fit; a `read()` at an
    /// offset before the cursor's line starts again from the first rule.
    fn read(
        counter: u64,
        open: &RulesOpen,
        file: &LocalFile,
        out: &mut UserSliceWriter,
        pos: &mut Offset,
    ) -> Result<usize> {
        if !domains::still_shows(&open.view, counter, file) {
            return Err(ENOENT);
        }
        let want = usize::try_from(*pos).map_err(|_| EINVAL)?;
        let mut c = open.cursor.lock();
        if want < c.start {
            *c = Cursor::new();
        }
        let mut mounts = None;
        let mut path = KVec::new();
        let mut copied = 0usize;
        while !out.is_empty() {
            let at = want + copied;
            let end = c.start + c.line.0.len();
            if at < end {
                let chunk = &c.line.0[at - c.start..];
                let n = chunk.len().min(out.len());
                match out.write_slice(&chunk[..n]) {
                    Ok(()) => copied += n,
                    Err(e) if copied == 0 => return Err(e),
                    Err(_) => break,
                }
                continue;
            }
            if c.next >= open.rules.rules().len() {
                break;
            }
            let i = c.next;
            let mut text = Buf::new();
            if let Err(e) = format_rule(&open.rules, i, &mut mounts, &mut path, &mut text) {
                if copied == 0 {
                    return Err(e);
                }
                break;
            }
            c.start = end;
            c.line = text;
            c.next = i + 1;
        }
        *pos += copied as Offset;
        Ok(copied)
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_rules)]
mod tests {
    use super::*;
    use crate::registry::{testing::rule, RULE_NET};

    fn text(rule: &RawRule, name: core::result::Result<&[u8], Unnamed>) -> KVVec<u8> {
        let mut b = Buf::new();
        assert!(line(&mut b, rule, name).is_ok());
        b.0
    }

    #[test]
    fn a_named_directory_has_its_numbers_path_and_rights() {
        let r = rule(RULE_FS, (8, 1), 131073, 0, 0b1101, RULE_QUIET);
        assert_eq!(
            &text(&r, Ok(b"/usr"))[..],
            b"fs dev 8:1 ino 131073 path /usr quiet access execute read_file read_dir\n"
        );
    }

    #[test]
    fn a_path_cannot_forge_fields_or_lines() {
        let r = rule(RULE_FS, (0, 31), 2, 0, 0b10, 0);
        assert_eq!(
            &text(&r, Ok(b"/tmp/a b\naccess x"))[..],
            b"fs dev 0:31 ino 2 path /tmp/a\\040b\\012access\\040x access write_file\n"
        );
    }

    #[test]
    fn every_reason_is_one_word() {
        let r = rule(RULE_FS, (0, 31), 2, 0, 0b10, 0);
        for (why, word) in [
            (Unnamed::Uncached, &b"uncached"[..]),
            (Unnamed::Deleted, b"deleted"),
            (Unnamed::Unreachable, b"unreachable"),
            (Unnamed::TooLong, b"too_long"),
        ] {
            let t = text(&r, Err(why));
            let mut want = KVVec::new();
            assert!(want
                .extend_from_slice(b"fs dev 0:31 ino 2 ", GFP_KERNEL)
                .is_ok());
            assert!(want.extend_from_slice(word, GFP_KERNEL).is_ok());
            assert!(want
                .extend_from_slice(b" access write_file\n", GFP_KERNEL)
                .is_ok());
            assert_eq!(&t[..], &want[..]);
        }
    }

    #[test]
    fn a_released_inode_has_no_numbers() {
        let r = rule(RULE_FS, (0, 0), 0, 0, 0b100, RULE_RELEASED);
        assert_eq!(&text(&r, Ok(b"/x"))[..], b"fs released access read_file\n");
    }

    #[test]
    fn a_network_rule_has_its_port() {
        let r = rule(RULE_NET, (0, 0), 0, 443, 0b11, 0);
        assert_eq!(
            &text(&r, Err(Unnamed::Released))[..],
            b"net port 443 access bind_tcp connect_tcp\n"
        );
    }
}
