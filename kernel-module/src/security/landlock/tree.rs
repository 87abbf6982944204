// SPDX-License-Identifier: GPL-2.0-only

//! `/sys/kernel/security/landlock`: the tree of Landlock domains.
//!
//! The tree is created once at boot, only when Landlock is initialized, and
//! never removed (Landlock is not a module).  Its format is "ABI v1", written
//! down in Documentation/ABI/testing/securityfs-landlock: `version`,
//! `abi_version`, `tasks`, `snapshot` and `domains/` (see `domains.rs`).
//! `generation` is `generation.rs`'s.

use crate::generation;
use crate::{domains, id::TREE_IDS, registry};
use kernel::{
    ffi::c_int,
    prelude::*,
    securityfs::{self, Show},
    seq_file::SeqFile,
    seq_print,
    sync::SetOnce,
};

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

/// Creates the tree, for the kernel's lifetime
/// ([`securityfs::create_permanent`]: removed entirely if a step fails,
/// which can only happen here, before user space exists, and never after).
fn create(abi_version: u32) -> Result {
    registry::init()?;
    generation::init()?;
    VERSION.0.populate(TREE_VERSION);
    ABI_VERSION.0.populate(abi_version);
    securityfs::create_permanent(|b| {
        let root = b.dir(c"landlock", None)?;
        b.show_file(root, c"version", &VERSION)?;
        b.show_file(root, c"abi_version", &ABI_VERSION)?;
        b.file::<domains::AllTasksFile>(root, c"tasks")?;
        b.file::<domains::SnapshotFile>(root, c"snapshot")?;
        b.file::<generation::GenerationFile>(root, c"generation")?;
        b.dynamic_dir::<domains::DomainsDir>(root, c"domains")
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
pub(crate) extern "C" fn landlock_introspect_init(abi_version: c_int) -> c_int {
    let Ok(abi_version) = u32::try_from(abi_version) else {
        return EINVAL.to_errno();
    };
    match create(abi_version) {
        Ok(()) => 0,
        Err(e) => {
            pr_err!("cannot create /sys/kernel/security/landlock: {e:?}\n");
            e.to_errno()
        }
    }
}

/// Gives in `id` the name, in `domains/`, of the domain whose counter is
/// `counter`, for `/proc/<pid>/attr/landlock/domain` (`procattr.c`, which
/// decided that the reader may learn it).
///
/// Might sleep: the first use of the IDs draws their key
/// ([`crate::id::TreeIds::get_or_draw`]).  Returns 0 or a negative errno.
#[no_mangle]
pub(crate) extern "C" fn landlock_introspect_tree_id(counter: u64, id: &mut u64) -> c_int {
    match TREE_IDS.get_or_draw() {
        Ok(ids) => {
            *id = ids.id(counter);
            0
        }
        Err(e) => e.to_errno(),
    }
}
