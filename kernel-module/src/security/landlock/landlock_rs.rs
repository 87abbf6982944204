// SPDX-License-Identifier: GPL-2.0-only

//! Landlock's Rust code: domain introspection, the
//! `/sys/kernel/security/landlock` tree and its IDs.
//!
//! Built into the kernel as part of `landlock.o` when
//! `CONFIG_SECURITY_LANDLOCK_INTROSPECTION` is set (and only then); C calls it through
//! the `extern "C"` functions declared in `introspect_api.h`.  Upstream Landlock,
//! its audit records and its tracepoints do not depend on it.

mod domains;
mod format;
mod generation;
mod glue;
mod id;
mod registry;
mod rules;
mod tree;
mod view;

/// Prefix of this crate's `pr_*!` messages (there is no `module!` here).
const __LOG_PREFIX: &[u8] = b"landlock\0";

/// The owner that `#[vtable]` impls name (`crate::LocalModule`, which
/// `module!` defines for modules): Landlock is built in, so it has no
/// `struct module`, and its `THIS_MODULE` is NULL, as in C.
struct LocalModule;

impl kernel::ModuleMetadata for LocalModule {
    const NAME: &'static kernel::str::CStr = c"landlock";

    // SAFETY: NULL is `THIS_MODULE` for built-in code, which
    // `try_module_get()` and `module_put()` accept.
    const THIS_MODULE: kernel::ThisModule =
        unsafe { kernel::ThisModule::from_ptr(core::ptr::null_mut()) };
}
