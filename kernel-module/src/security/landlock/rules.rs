// SPDX-License-Identifier: GPL-2.0-only

//! `domains/<id>/rules`: the rules of a domain's own layer, one per line.
//!
//! Privileged as `creator` (`CAP_SYS_PTRACE` in the initial user namespace,
//! in both the subjective and objective credentials; `EACCES` otherwise),
//! after the same visibility check as every file of the domain.  Like every
//! file of the tree, the content is rendered once, at `open()`, for the
//! opener, into memory charged to it (as large as the text), and the
//! descriptor then holds nothing else: not the domain, not a mount, not a
//! lock.  The domain (whose rules never change) is held during the open
//! only, and the mounts of the opener's namespace, to name inodes relative
//! to its root, from their collection to the end of the rendering, never
//! across a copy to user space.  Lines are sorted by object ([`RawRule`]'s
//! order), never in the kernel's (object addresses).
//!
//! ```text
//! fs dev 8:1 ino 131073 path /usr quiet access execute read_file read_dir
//! fs dev 0:31 ino 2 uncached access write_file
//! fs released access read_file
//! net port 443 access connect_tcp
//! ```
//!
//! `fs` lines give the device and inode numbers while the kernel knows the
//! inode, then either `path` and the escaped path (as `exe` is escaped), or
//! why there is none: `uncached` (no dentry of the inode is in the dentry
//! cache: the kernel cannot name it without walking the filesystem),
//! `deleted` (its dentry is unlinked), `unreachable` (no mount under the
//! reader's root shows it), `too_long` (longer than `PATH_MAX`); `released`
//! replaces the numbers when its filesystem was unmounted.
//! `quiet` marks a rule added with `LANDLOCK_ADD_RULE_QUIET`.  `access` and
//! the names of the allowed rights, as the `access` file prints them, end
//! the line.

use crate::{
    domains::{self, Open},
    format::{self, Buf},
    glue::AccessClass,
    registry::{
        DomainRules, Mounts, RawRule, Unnamed, PATH_MAX, RULE_FS, RULE_NET, RULE_QUIET,
        RULE_RELEASED,
    },
    view,
};
use kernel::{
    fs::{
        dynfs::{FileNode, Node},
        file::{LocalFile, Offset},
    },
    prelude::*,
    uaccess::UserSliceWriter,
};

/// `domains/<id>/rules` (key: the domain's counter).
pub(crate) struct RulesFile;

/// What an open `rules` file holds.
pub(crate) struct RulesOpen {
    /// The opener's view of the domain, to check rule 1 again at each
    /// `read()` by a task in another domain.
    view: Open,
    /// The lines, rendered at open.
    content: Buf,
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
        // Released at open, or since the rules were listed: no numbers.
        if rule.flags & RULE_RELEASED != 0 || name == Err(Unnamed::Released) {
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
                Err(Unnamed::Released) => {}
                Err(Unnamed::Uncached) => out.bytes(b" uncached")?,
                Err(Unnamed::Deleted) => out.bytes(b" deleted")?,
                Err(Unnamed::Unreachable) => out.bytes(b" unreachable")?,
                Err(Unnamed::TooLong) => out.bytes(b" too_long")?,
            }
        }
        AccessClass::Fs
    } else {
        // C lists the two kinds only.
        debug_assert_eq!(rule.kind, RULE_NET);
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

/// How many filesystem lines are named with one collection of mounts:
/// the mounts are collected again after that many, so that the window in
/// which the opener holds them (and an unmount of one of them fails with
/// `EBUSY`, as it does during any path walk through it) stays short.
const LINES_PER_COLLECTION: usize = 64;

/// The largest content: a layer whose rules render to more fails the open
/// with `EFBIG` rather than charge the opener for any size another user's
/// ruleset asks (16 MiB is some 200,000 typical lines).
const CONTENT_MAX: usize = 16 << 20;

/// Renders every rule of `rules`, naming inodes through the opener's
/// mounts.  Yields the CPU between lines and stops at a fatal signal.
fn render(rules: &DomainRules, out: &mut Buf) -> Result {
    let mut mounts: Option<Mounts> = None;
    let mut named = 0usize;
    let mut path = KVec::new();
    for (i, rule) in rules.rules().iter().enumerate() {
        kernel::task::cond_resched();
        if kernel::current!().fatal_signal_pending() {
            return Err(EINTR);
        }
        if out.0.len() > CONTENT_MAX {
            return Err(EFBIG);
        }
        if rule.kind != RULE_FS || rule.flags & RULE_RELEASED != 0 {
            line(out, rule, Err(Unnamed::Released))?;
            continue;
        }
        if named % LINES_PER_COLLECTION == 0 {
            // Dropped before the next collection.
            mounts = None;
        }
        named += 1;
        let m = match mounts {
            Some(ref m) => m,
            None => {
                if path.is_empty() {
                    path.resize(PATH_MAX, 0, GFP_KERNEL_ACCOUNT)?;
                }
                mounts.insert(Mounts::collect()?)
            }
        };
        line(out, rule, rules.path(i, m, &mut path[..]))?;
    }
    if out.0.len() > CONTENT_MAX {
        return Err(EFBIG);
    }
    Ok(())
}

impl Node for RulesFile {
    type Open = RulesOpen;

    fn visible(counter: u64) -> Result<bool> {
        domains::current_sees(counter)
    }

    /// Visible and privileged (`domains.rs`), then the domain's rules,
    /// rendered: `ENODATA` if no task holds its layer any more (an
    /// ancestor of domains that only credentials without a task hold).
    fn open(counter: u64, _file: &LocalFile) -> Result<RulesOpen> {
        let view = domains::open_rules(counter)?;
        let rules = view::registry().ok_or(ENOENT)?.rules(counter)?;
        let mut content = Buf::new();
        render(&rules, &mut content)?;
        Ok(RulesOpen { view, content })
    }
}

#[vtable]
impl FileNode for RulesFile {
    /// The lines rendered at open, if the reading task may still see the
    /// domain (rule 1).
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
        out.write_slice_file(&open.content.0, pos)
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_rules)]
mod tests {
    use super::*;
    use crate::registry::testing::rule;

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
    fn an_inode_released_since_the_listing_has_no_numbers_either() {
        let r = rule(RULE_FS, (0, 31), 2, 0, 0b100, RULE_QUIET);
        assert_eq!(
            &text(&r, Err(Unnamed::Released))[..],
            b"fs released quiet access read_file\n"
        );
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
