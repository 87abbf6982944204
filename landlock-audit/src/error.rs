//! The library's error type.

use std::io;
use std::path::PathBuf;

use crate::types::{AuditId, DomainId};

/// Everything that can go wrong while reading the tree or `/proc`.
///
/// Races with the kernel (a domain that vanishes while it is read, a task
/// line naming a domain that is gone) are not errors: they are resolved as
/// described in [`Domains::read_from`](crate::Domains::read_from).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// securityfs is not mounted where the tree should be (its `lsm` file is
    /// missing).
    #[error(
        "securityfs is not mounted at {path} (no {path}/lsm); mount it with \
         `mount -t securityfs securityfs {path}`"
    )]
    SecurityfsNotMounted {
        /// Where securityfs was expected.
        path: PathBuf,
    },

    /// Landlock is not among the kernel's active LSMs.
    #[error(
        "Landlock is not enabled in this kernel (active LSMs in {path}: {lsms:?}); \
         add `landlock` to the `lsm=` boot parameter of a kernel built with \
         CONFIG_SECURITY_LANDLOCK=y"
    )]
    LandlockDisabled {
        /// The `lsm` file that was read.
        path: PathBuf,
        /// Its contents.
        lsms: String,
    },

    /// Landlock is enabled but the kernel has no audit tree.
    #[error(
        "Landlock is enabled but this kernel has no Landlock audit tree at {path}: \
         it needs a kernel with the landlock-audit patch \
         (security/landlock built with CONFIG_SECURITY_LANDLOCK_INTROSPECTION=y)"
    )]
    FeatureAbsent {
        /// Where the tree was expected.
        path: PathBuf,
    },

    /// The caller may not read a file of the tree (other than `creator`,
    /// whose unreadability is reported as `creator: None`, `audit_id`,
    /// which is [`Error::AuditIdPermissionDenied`], and `rules`,
    /// [`Error::RulesPermissionDenied`]) or of `/proc`.
    #[error("permission denied: {path}")]
    PermissionDenied {
        /// The file or directory.
        path: PathBuf,
    },

    /// A file's contents or a directory entry's name break the ABI in a way
    /// no race explains.
    #[error("{}: malformed: {reason}", location(.path, *.line))]
    Malformed {
        /// The file (or directory entry).
        path: PathBuf,
        /// The 1-based line number; 0 when the problem concerns the file as
        /// a whole or its name.
        line: usize,
        /// What is wrong.
        reason: String,
    },

    /// The tree's `version` is one this library does not know.
    #[error("{path}: tree format version {found} is not supported (this library reads version {supported})")]
    UnsupportedVersion {
        /// The `version` file.
        path: PathBuf,
        /// The version found.
        found: u64,
        /// The version this library reads.
        supported: u32,
    },

    /// No domain of the snapshot has this audit ID
    /// ([`Domains::find_by_audit_id`](crate::Domains::find_by_audit_id)):
    /// the domain does not exist, is gone, is not visible to the caller, or
    /// was created after the snapshot was read.
    #[error(
        "no visible domain has audit ID {audit_id} (it does not exist, is gone, \
         is not visible to you, or is newer than the tree that was read)"
    )]
    AuditIdNotFound {
        /// The audit ID looked for.
        audit_id: AuditId,
    },

    /// Opening a domain's `audit_id` file failed with `EACCES`/`EPERM`: it
    /// needs `CAP_AUDIT_READ` in the initial user namespace.
    #[error(
        "permission denied: {path}: reading a domain's audit ID needs CAP_AUDIT_READ \
         in the initial user namespace"
    )]
    AuditIdPermissionDenied {
        /// The `audit_id` file.
        path: PathBuf,
    },

    /// The tree has no `audit_id` files (`ENOENT` in a domain directory
    /// that exists): a landlock-audit kernel older than them, on which
    /// audit records cannot be matched to the tree's domains.
    #[error(
        "{path}: no such file: this kernel's Landlock audit tree has no audit_id \
         files (it predates them), so audit records' domain= IDs cannot be matched \
         to its domains"
    )]
    AuditIdUnsupported {
        /// The missing `audit_id` file.
        path: PathBuf,
    },

    /// Opening a domain's `rules` file failed with `EACCES`/`EPERM`: it
    /// needs `CAP_SYS_PTRACE` in the initial user namespace (as `creator`).
    #[error(
        "permission denied: {path}: reading a domain's rules needs CAP_SYS_PTRACE \
         in the initial user namespace"
    )]
    RulesPermissionDenied {
        /// The `rules` file.
        path: PathBuf,
    },

    /// Opening a domain's `rules` file failed with `ENODATA`: no task holds
    /// the domain's layer any more.  The domain is an ancestor whose own
    /// tasks are gone; the domains nested below it keep its layer, but
    /// only credentials that no task runs with (those of open files, for
    /// instance) hold them, and the kernel reads a layer's rules through a
    /// task that runs with it.
    #[error(
        "{path}: the rules of this domain's layer are no longer held by any task \
         (the domain's own tasks are gone, and the domains nested below it, which keep \
         its layer, are held only by credentials no task runs with, such as an open \
         file's): the kernel cannot read them"
    )]
    RulesUnavailable {
        /// The `rules` file.
        path: PathBuf,
    },

    /// The tree has no `rules` files (`ENOENT` in a domain directory that
    /// exists, twice): a landlock-audit kernel older than them.
    #[error(
        "{path}: no such file: this kernel's Landlock audit tree has no rules files \
         (it predates them)"
    )]
    RulesUnsupported {
        /// The missing `rules` file.
        path: PathBuf,
    },

    /// The directory of a domain is gone (`ENOENT`) while the tree itself
    /// is there: the domain ended, or the caller may no longer see it (the
    /// kernel does not tell the two apart).
    #[error("domain {id} is gone (it ended, or is no longer visible to you): {path}")]
    DomainGone {
        /// The domain.
        id: DomainId,
        /// Its directory.
        path: PathBuf,
    },

    /// Any other I/O error.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// Whether the error means that there is no tree to read on this system
    /// (securityfs not mounted, Landlock disabled, or the feature absent), as
    /// opposed to a failure while reading one.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Error::SecurityfsNotMounted { .. }
                | Error::LandlockDisabled { .. }
                | Error::FeatureAbsent { .. }
        )
    }

    /// An I/O error on `path`, mapped to [`Error::PermissionDenied`] for
    /// `EACCES`/`EPERM`.
    pub fn from_io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        match source.kind() {
            io::ErrorKind::PermissionDenied => Error::PermissionDenied { path },
            _ => Error::Io { path, source },
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `PATH:LINE`, or `PATH` alone for line 0 (the file as a whole).
fn location(path: &std::path::Path, line: usize) -> String {
    if line == 0 {
        path.display().to_string()
    } else {
        format!("{}:{line}", path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_file_as_a_whole_has_no_line_number() {
        let e = |line| Error::Malformed {
            path: PathBuf::from("/t/rules"),
            line,
            reason: "not a regular file".into(),
        };
        assert_eq!(e(0).to_string(), "/t/rules: malformed: not a regular file");
        assert_eq!(
            e(3).to_string(),
            "/t/rules:3: malformed: not a regular file"
        );
    }
}
