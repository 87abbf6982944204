//! Typed view of the Landlock audit tree, `/sys/kernel/security/landlock`
//! (tree format version 1, see `Documentation/abi.rst`).
//!
//! The tree lists the Landlock domains (sandboxes) the reader may see, how
//! they nest, which rights each handles and which tasks run in them.  A
//! sandboxed reader sees only the domains nested strictly below its own, so
//! "no parent" and depth 1 are relative to what the reader sees.
//!
//! ```no_run
//! use landlock_audit::Domains;
//!
//! let domains = Domains::read()?;
//! for d in domains.iter() {
//!     println!("{} depth {} tasks {}", d.id, d.depth, d.tasks.len());
//! }
//! # Ok::<(), landlock_audit::Error>(())
//! ```
//!
//! Modules: [`parse`] (pure parsers), [`source`] (where the bytes come
//! from: the [`Source`] trait and the defensive [`RealFs`]), [`procfs`]
//! (processes), [`cgroup`] (their cgroup, systemd unit and container),
//! [`audit_id`] (audit records' `domain=` IDs and the tree's
//! domains), [`rules`] (the rules of a domain's layer, privileged), and
//! behind features: `id` (`id-model`: reference model of
//! the ID scheme), `fixture` (`fixture`: writes trees for tests), `json`
//! (`json`: the command's JSON documents), `verify` (`verify`: checks
//! processes against an expectations file), `watch` (`watch`: waits for
//! the tree to change, through its `generation` file or an interval),
//! `interop` (`landlock`: conversions to the `landlock` crate's types).
//!
//! # Cargo features
//!
//! | feature | gives | pulls in |
//! | --- | --- | --- |
//! | `cli` (default) | the `landlock-audit` command | clap, serde, serde_json, signal-hook, and `verify`'s and `watch`'s |
//! | `serde` | `Serialize`/`Deserialize` for the public types | serde |
//! | `json` | `landlock_audit::json` | serde, serde_json |
//! | `id-model` | `landlock_audit::id` | siphasher, rand_core |
//! | `fixture` | `landlock_audit::fixture` | as `id-model` |
//! | `landlock` | `landlock_audit::interop` | landlock |
//! | `verify` | `landlock_audit::verify` (expectations files) | serde, toml, glob |
//! | `watch` | `landlock_audit::watch` (waiting for changes) | rustix |
//!
//! With `default-features = false` the library depends on bitflags, libc
//! and thiserror only.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit_id;
pub mod cgroup;
mod domains;
mod error;
#[cfg(feature = "fixture")]
pub mod fixture;
#[cfg(feature = "id-model")]
pub mod id;
mod index;
#[cfg(feature = "landlock")]
pub mod interop;
#[cfg(feature = "json")]
pub mod json;
pub mod parse;
pub mod procfs;
pub mod rules;
pub mod source;
mod types;
#[cfg(feature = "verify")]
pub mod verify;
mod walk;
#[cfg(feature = "watch")]
pub mod watch;

pub use domains::{Coverage, Domains, ProcessState, DEFAULT_ROOT};
pub use error::{Error, Result};
pub use parse::MAX_DEPTH;
pub use source::{kind_name as file_kind_name, RealFs, Source};
pub use types::{
    is_right_name, AccessFs, AccessNames, AccessNet, AuditId, Creator, Domain, DomainId, FsObject,
    Generation, HandledAccess, ParseAuditIdError, ParseIdError, Rule, Scope, Task, UnknownRights,
    Unnamed, CLASSES, RIGHT_NAME_MAX,
};
pub use walk::{ORPHAN_ATTEMPTS, SUPPORTED_VERSION};
