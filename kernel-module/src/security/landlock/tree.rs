// SPDX-License-Identifier: GPL-2.0-only

//! `/sys/kernel/security/landlock`: the audit tree of Landlock domains.
//!
//! The tree is created once at boot, only when Landlock is initialized, and
//! never removed (Landlock is not a module).  Its format is "ABI v1", written
//! down in landlock-audit's `Documentation/abi.rst`: `version`,
//! `abi_version`, `tasks`, `snapshot` and `domains/` (see `domains.rs`).

use crate::{
    domains, registry,
    securityfs::{Entry, Show},
};
use kernel::{ffi::c_int, prelude::*, seq_file::SeqFile, seq_print, sync::SetOnce};

/// Version of the tree's format, printed by `version`.
const TREE_VERSION: u32 = 1;

/// A file whose content is one decimal number and a newline.
struct Number(SetOnce<u32>);

impl Show for Number {
    fn show(&self, m: &SeqFile) -> Result {
        let n = self.0.copy().ok_or(ENODEV)?;
        seq_print!(m, "{n}\n");
        Ok(())
    }
}

static VERSION: Number = Number(SetOnce::new());
static ABI_VERSION: Number = Number(SetOnce::new());

/// The entries of the tree, kept for the kernel's lifetime.
///
/// Field order is drop order: files go before their directory if creation
/// fails half-way.
struct Tree {
    _domains: Entry,
    _snapshot: Entry,
    _tasks: Entry,
    _abi_version: Entry,
    _version: Entry,
    _root: Entry,
}

static TREE: SetOnce<Tree> = SetOnce::new();

fn create(abi_version: u32) -> Result<Tree> {
    registry::init()?;
    VERSION.0.populate(TREE_VERSION);
    ABI_VERSION.0.populate(abi_version);
    let root = Entry::dir(c"landlock", None)?;
    let version = root.read_only_file(c"version", &VERSION)?;
    let abi = root.read_only_file(c"abi_version", &ABI_VERSION)?;
    // SAFETY: `ALL_TASKS_FOPS` implements a read-only file without private
    // data.
    let tasks = unsafe { root.file_with_ops(c"tasks", &domains::ALL_TASKS_FOPS)? };
    // SAFETY: as for `tasks`.
    let snapshot = unsafe { root.file_with_ops(c"snapshot", &domains::SNAPSHOT_FOPS)? };
    let dir = Entry::dir(c"domains", Some(&root))?;
    // SAFETY: `DOMAINS_IOPS`/`DOMAINS_FOPS` make and free their own entries
    // and use no private data.  The directory keeps securityfs's link count,
    // size and timestamps, which nothing changes afterwards.  It must never
    // be removed once user space may have looked entries up in it
    // (securityfs_remove() expects persistent children only): the tree
    // lives in `TREE` for the kernel's lifetime, and only this function's
    // error path, which runs before any user space exists, drops it.
    unsafe { dir.set_dir_ops(&domains::DOMAINS_IOPS, &domains::DOMAINS_FOPS) };
    Ok(Tree {
        _domains: dir,
        _snapshot: snapshot,
        _tasks: tasks,
        _abi_version: abi,
        _version: version,
        _root: root,
    })
}

/// Creates `/sys/kernel/security/landlock`.
///
/// Called once from an `fs_initcall`, after securityfs is registered and only
/// when Landlock is initialized; `abi_version` is what
/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`
/// returns.  Returns 0 or a negative errno (the tree is then absent, and
/// Landlock itself keeps working).
#[no_mangle]
pub(crate) extern "C" fn landlock_fs_init(abi_version: c_int) -> c_int {
    let Ok(abi_version) = u32::try_from(abi_version) else {
        return EINVAL.to_errno();
    };
    match create(abi_version) {
        Ok(tree) => {
            if TREE.populate(tree) {
                0
            } else {
                EEXIST.to_errno()
            }
        }
        Err(e) => {
            pr_err!("cannot create /sys/kernel/security/landlock: {e:?}\n");
            e.to_errno()
        }
    }
}
