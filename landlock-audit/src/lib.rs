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
//! Modules: [`parse`] (pure parsers), [`id`] (reference model of the ID
//! scheme), [`fixture`] (writes trees for tests), [`procfs`] (processes),
//! [`json`] (the command's JSON documents).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod domains;
mod error;
pub mod fixture;
pub mod id;
mod index;
pub mod json;
pub mod parse;
pub mod procfs;
mod types;
mod walk;

pub use domains::{Coverage, Domains, DEFAULT_ROOT};
pub use error::{Error, Result};
pub use types::{
    AccessFs, AccessNames, AccessNet, Creator, Domain, DomainId, HandledAccess, ParseIdError,
    Scope, Task,
};
pub use walk::{ORPHAN_ATTEMPTS, SUPPORTED_VERSION};
