// SPDX-License-Identifier: GPL-2.0-only

//! Landlock's Rust code (landlock-audit): domain IDs and the
//! `/sys/kernel/security/landlock` audit filesystem.
//!
//! This is built into the kernel as part of `landlock.o`; C calls it through
//! the `extern "C"` functions declared in `id.h` and `fs_glue.h`.

mod id;

#[cfg(CONFIG_SECURITY_LANDLOCK_FS)]
mod domains;
#[cfg(CONFIG_SECURITY_LANDLOCK_FS)]
mod format;
#[cfg(CONFIG_SECURITY_LANDLOCK_FS)]
mod registry;
#[cfg(CONFIG_SECURITY_LANDLOCK_FS)]
mod securityfs;
#[cfg(CONFIG_SECURITY_LANDLOCK_FS)]
mod tree;
#[cfg(CONFIG_SECURITY_LANDLOCK_FS)]
mod view;

/// Prefix of this crate's `pr_*!` messages (there is no `module!` here).
const __LOG_PREFIX: &[u8] = b"landlock\0";
