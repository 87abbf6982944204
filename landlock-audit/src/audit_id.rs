//! Audit records and the tree: each domain's `audit_id` file.
//!
//! Audit records and tracepoints print upstream Landlock's own domain IDs
//! (`domain=1a2b3c4d5`: monotonic, from `security/landlock/id.c`), while the
//! tree names its domains with its own unguessable IDs ([`DomainId`]).  The
//! file `domains/<id>/audit_id` (`Documentation/abi.rst`) gives a domain's
//! upstream ID to readers with `CAP_AUDIT_READ` in the initial user
//! namespace; everybody else gets `EACCES`, and a landlock-audit kernel
//! older than the file has none (`ENOENT`).
//!
//! [`read`] gives one domain's audit ID; [`Domains::find_by_audit_id`]
//! finds the domain of an audit record's `domain=` value among the domains
//! of a snapshot.  Neither is part of [`Domains::read`]: the file is
//! privileged, and reading it costs one `open()` per domain.
//!
//! ```
//! use landlock_audit::fixture::{Model, Spec};
//! use landlock_audit::{audit_id, AuditId, Domains, Error};
//!
//! let dir = std::env::temp_dir().join(format!("landlock-audit-id-doc-{}", std::process::id()));
//! let model = Model::generate(&Spec { domains: 5, tasks: 10, ..Spec::default() });
//! model.write(&dir)?;
//! let domains = Domains::read_from(&dir)?;
//!
//! // What an audit record says, e.g. `... domain=<hex> blockers=fs.write_file ...`.
//! let wanted = model.domains[3].audit_id.expect("generated models have audit IDs");
//! let field: AuditId = format!("domain={wanted}").parse().expect("an audit ID");
//! let d = domains.find_by_audit_id(&dir, field)?;
//! assert_eq!(d.id, model.domains[3].id);
//! assert_eq!(audit_id::read(&dir, d.id)?, Some(wanted));
//!
//! let absent = AuditId::new(1).unwrap();
//! assert!(matches!(domains.find_by_audit_id(&dir, absent),
//!                  Err(Error::AuditIdNotFound { audit_id }) if audit_id == absent));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::path::{Path, PathBuf};

use crate::parse;
use crate::source::{FileBuf, ReadMode, RealFs, Source, MAX_AUDIT_ID_SIZE};
use crate::types::{AuditId, Domain, DomainId};
use crate::walk::{diagnose, domain_file, io_error};
#[cfg(doc)]
use crate::Domains;
use crate::{Error, Result};

/// The name of the file in each `domains/<id>/` directory.
pub const FILE_NAME: &str = "audit_id";

/// What reading one domain's `audit_id` gave.
enum One {
    /// Its audit ID.
    Found(AuditId),
    /// The domain directory is gone (freed, or no longer visible).
    Gone,
    /// The file is missing (twice) from a domain directory that exists.
    Missing(PathBuf),
}

/// Reads `domains/<id>/audit_id`.  A file missing from a directory that
/// still exists is read again once (as [`Domains::read_from`] does for the
/// other files), then reported as [`One::Missing`].
fn read_one<S: Source>(src: &S, root: &Path, id: DomainId, buf: &mut FileBuf) -> Result<One> {
    let path = domain_file(root, id, FILE_NAME);
    let mut attempts = 0;
    loop {
        attempts += 1;
        match src.read(&path, MAX_AUDIT_ID_SIZE, ReadMode::Once, buf) {
            Ok(()) => {
                return parse::audit_id(buf.contents())
                    .map(One::Found)
                    .map_err(|e| e.at(&path))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let dir = path.parent().unwrap_or(root);
                match src.list(dir) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(One::Gone),
                    Err(e) => return Err(io_error(dir, e)),
                }
                if attempts == 2 {
                    return Ok(One::Missing(path));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(Error::AuditIdPermissionDenied { path })
            }
            Err(e) => return Err(io_error(&path, e)),
        }
    }
}

/// The audit ID of the domain `id` of the tree at `root`
/// (`<root>/domains/<id>/audit_id`): upstream Landlock's ID of it, as audit
/// records print it.  `Ok(None)` when the domain does not exist (any more)
/// or is not visible to the caller.
///
/// ```no_run
/// use landlock_audit::{audit_id, Domains, DEFAULT_ROOT};
///
/// for d in Domains::read()?.iter() {
///     if let Some(a) = audit_id::read(DEFAULT_ROOT, d.id)? {
///         println!("{} is domain={a} in audit records", d.id);
///     }
/// }
/// # Ok::<(), landlock_audit::Error>(())
/// ```
///
/// # Errors
///
/// * [`Error::SecurityfsNotMounted`], [`Error::LandlockDisabled`] or
///   [`Error::FeatureAbsent`] when `root` does not exist, as for
///   [`Domains::read_from`];
/// * [`Error::AuditIdPermissionDenied`] when opening the file fails with
///   `EACCES` or `EPERM` (the caller lacks `CAP_AUDIT_READ` in the initial
///   user namespace);
/// * [`Error::AuditIdUnsupported`] when the domain directory exists but has
///   no `audit_id` file (read twice): a kernel older than the file;
/// * [`Error::Malformed`] when its contents are not an audit ID
///   ([`parse::audit_id`]), or the [`Source`] refuses the file (not a
///   regular file, a symbolic link, more than [`MAX_AUDIT_ID_SIZE`] bytes);
/// * [`Error::Io`] otherwise.
pub fn read(root: impl AsRef<Path>, id: DomainId) -> Result<Option<AuditId>> {
    read_with(RealFs, root, id)
}

/// [`read`] through `src`.
///
/// # Errors
///
/// As [`read`].
pub fn read_with<S: Source>(
    src: S,
    root: impl AsRef<Path>,
    id: DomainId,
) -> Result<Option<AuditId>> {
    let root = root.as_ref();
    match read_one(&src, root, id, &mut FileBuf::new())? {
        One::Found(a) => Ok(Some(a)),
        // No such domain, unless there is no tree at all.
        One::Gone => match src.list(root) {
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(diagnose(&src, root)),
            Err(e) => Err(io_error(root, e)),
        },
        One::Missing(path) => Err(Error::AuditIdUnsupported { path }),
    }
}

/// The domain of `domains` whose `audit_id` file (under `root`) holds
/// `wanted`; see [`Domains::find_by_audit_id`].
pub(crate) fn find<'a, S: Source>(
    src: &S,
    root: &Path,
    domains: impl IntoIterator<Item = &'a Domain>,
    wanted: AuditId,
) -> Result<&'a Domain> {
    let mut buf = FileBuf::new();
    let mut read_any = false;
    for d in domains {
        match read_one(src, root, d.id, &mut buf)? {
            One::Found(a) if a == wanted => return Ok(d),
            One::Found(_) => read_any = true,
            One::Gone => {}
            One::Missing(path) if read_any => {
                return Err(Error::Malformed {
                    path,
                    line: 0,
                    reason: "missing although its domain directory exists and other domains \
                             have one (read twice)"
                        .into(),
                })
            }
            One::Missing(path) => return Err(Error::AuditIdUnsupported { path }),
        }
    }
    Err(Error::AuditIdNotFound { audit_id: wanted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{Model, ModelDomain, Spec};
    use crate::Domains;
    use std::cell::Cell;
    use std::fs;

    use crate::source::testing::Hooked;

    fn is_audit_id(p: &Path) -> bool {
        p.file_name().is_some_and(|n| n == FILE_NAME)
    }

    /// A generated tree (with `audit_id` files) and its snapshot.
    fn tree(domains: usize) -> (tempfile::TempDir, Model, Domains) {
        let model = Model::generate(&Spec {
            domains,
            tasks: domains * 3,
            seed: 7,
            ..Spec::default()
        });
        let dir = tempfile::tempdir().unwrap();
        model.write(dir.path()).unwrap();
        let d = Domains::read_from(dir.path()).unwrap();
        (dir, model, d)
    }

    fn audit(m: &ModelDomain) -> AuditId {
        m.audit_id.expect("generated domains have audit IDs")
    }

    #[test]
    fn generated_audit_ids_are_upstream_like() {
        let (dir, model, _) = tree(50);
        // Monotonic in creation order (the model's order), at least 2^32,
        // unique; the tree's IDs are not in that order.
        let ids: Vec<u64> = model.domains.iter().map(|d| audit(d).get()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= 16));
        assert!(ids[0] >= 1 << 32);
        let tree_ids: Vec<DomainId> = model.domains.iter().map(|d| d.id).collect();
        assert!(!tree_ids.windows(2).all(|w| w[0] < w[1]));
        // Written as audit prints them.
        let d = &model.domains[0];
        let text =
            fs::read_to_string(dir.path().join(format!("domains/{}/audit_id", d.id))).unwrap();
        assert_eq!(text, format!("{:x}\n", audit(d).get()));
    }

    #[test]
    fn finds_every_domain_by_its_audit_id() {
        let (dir, model, domains) = tree(40);
        for m in &model.domains {
            let d = domains.find_by_audit_id(dir.path(), audit(m)).unwrap();
            assert_eq!(d.id, m.id);
            assert_eq!(read(dir.path(), m.id).unwrap(), Some(audit(m)));
        }
    }

    #[test]
    fn an_unknown_audit_id_is_not_found_after_reading_every_domain() {
        let (dir, _, domains) = tree(12);
        let src = Hooked::new(|_| None);
        let wanted = AuditId::new(0xdead).unwrap();
        match domains.find_by_audit_id_with(&src, dir.path(), wanted) {
            Err(Error::AuditIdNotFound { audit_id }) => assert_eq!(audit_id, wanted),
            other => panic!("{other:?}"),
        }
        assert_eq!(src.reads.get(), 12);
        // No domain at all: not found either.
        let empty = Domains::from_domains(7, []).unwrap();
        assert!(matches!(
            empty.find_by_audit_id(dir.path(), wanted),
            Err(Error::AuditIdNotFound { .. })
        ));
    }

    #[test]
    fn tree_ids_are_not_audit_ids() {
        // The lookup compares audit IDs, never the tree's own IDs.
        let (dir, model, domains) = tree(3);
        let tree_id = AuditId::new(model.domains[0].id.get()).unwrap();
        assert!(matches!(
            domains.find_by_audit_id(dir.path(), tree_id),
            Err(Error::AuditIdNotFound { .. })
        ));
    }

    #[test]
    fn eacces_and_eperm_need_cap_audit_read() {
        let (dir, model, domains) = tree(10);
        for errno in [libc::EACCES, libc::EPERM] {
            let src = Hooked::new(|p| is_audit_id(p).then(|| io::Error::from_raw_os_error(errno)));
            match domains.find_by_audit_id_with(&src, dir.path(), audit(&model.domains[9])) {
                Err(e @ Error::AuditIdPermissionDenied { .. }) => {
                    let Error::AuditIdPermissionDenied { path } = &e else {
                        unreachable!()
                    };
                    assert!(is_audit_id(path), "{}", path.display());
                    assert!(e.to_string().contains("CAP_AUDIT_READ"), "{e}");
                }
                other => panic!("{errno}: {other:?}"),
            }
            // The capability is the opener's: the first refusal ends the
            // lookup.
            assert_eq!(src.reads.get(), 1);
            match read_with(&src, dir.path(), model.domains[0].id) {
                Err(Error::AuditIdPermissionDenied { path }) => {
                    assert_eq!(
                        path,
                        domain_file(dir.path(), model.domains[0].id, FILE_NAME)
                    )
                }
                other => panic!("{errno}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_kernel_without_the_file_is_unsupported() {
        let (_, model, _) = tree(6);
        let mut old = model.clone();
        for d in &mut old.domains {
            d.audit_id = None;
        }
        let dir = tempfile::tempdir().unwrap();
        old.write(dir.path()).unwrap();
        let domains = Domains::read_from(dir.path()).unwrap();
        assert_eq!(domains.len(), 6, "the rest of the tree reads as before");
        let src = Hooked::new(|_| None);
        match domains.find_by_audit_id_with(&src, dir.path(), audit(&model.domains[2])) {
            Err(e @ Error::AuditIdUnsupported { .. }) => {
                assert!(e.to_string().contains("no audit_id files"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        // The first domain's file, read twice, tells.
        assert_eq!(src.reads.get(), 2);
        match read(dir.path(), model.domains[4].id) {
            Err(Error::AuditIdUnsupported { path }) => assert!(is_audit_id(&path)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reading_without_a_tree_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("landlock");
        let id = DomainId::MIN;
        assert!(matches!(
            read(&root, id),
            Err(Error::SecurityfsNotMounted { .. })
        ));
        fs::write(dir.path().join("lsm"), "capability,landlock").unwrap();
        assert!(matches!(read(&root, id), Err(Error::FeatureAbsent { .. })));
        // With a tree, an unknown domain is None.
        fs::create_dir_all(root.join("domains")).unwrap();
        assert_eq!(read(&root, id).unwrap(), None);
    }

    #[test]
    fn a_vanished_domain_is_skipped_and_reads_as_none() {
        let (dir, model, domains) = tree(8);
        // The first domain in ID order is freed once the snapshot is taken.
        let first = domains.iter().next().unwrap().id;
        fs::remove_dir_all(dir.path().join("domains").join(first.to_string())).unwrap();
        assert_eq!(read(dir.path(), first).unwrap(), None);
        let last = model.domains.iter().find(|m| m.id != first).unwrap();
        let d = domains.find_by_audit_id(dir.path(), audit(last)).unwrap();
        assert_eq!(d.id, last.id);
        let gone = model.domains.iter().find(|m| m.id == first).unwrap();
        assert!(matches!(
            domains.find_by_audit_id(dir.path(), audit(gone)),
            Err(Error::AuditIdNotFound { .. })
        ));
    }

    #[test]
    fn a_file_missing_once_is_read_again() {
        let (dir, model, domains) = tree(4);
        let target = &model.domains[1];
        let path = domain_file(dir.path(), target.id, FILE_NAME);
        let misses = Cell::new(0);
        let src = Hooked::new(|p| {
            (p == path && misses.replace(misses.get() + 1) == 0)
                .then(|| io::ErrorKind::NotFound.into())
        });
        assert_eq!(
            read_with(&src, dir.path(), target.id).unwrap(),
            Some(audit(target))
        );
        misses.set(0);
        let d = domains
            .find_by_audit_id_with(&src, dir.path(), audit(target))
            .unwrap();
        assert_eq!(d.id, target.id);
    }

    #[test]
    fn a_file_missing_after_others_were_read_is_malformed() {
        let (dir, model, domains) = tree(5);
        // Remove the file of the last domain in ID order only.
        let last = domains.iter().last().unwrap().id;
        fs::remove_file(domain_file(dir.path(), last, FILE_NAME)).unwrap();
        let absent = AuditId::new(1).unwrap();
        match domains.find_by_audit_id(dir.path(), absent) {
            Err(Error::Malformed {
                path,
                line: 0,
                reason,
            }) => {
                assert_eq!(path, domain_file(dir.path(), last, FILE_NAME));
                assert!(reason.contains("missing"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // A match before it is still found.
        let first = domains.iter().next().unwrap().id;
        let m = model.domains.iter().find(|m| m.id == first).unwrap();
        assert_eq!(
            domains.find_by_audit_id(dir.path(), audit(m)).unwrap().id,
            first
        );
    }

    #[test]
    fn malformed_and_refused_files_are_errors_naming_the_file() {
        let (dir, model, domains) = tree(3);
        let first = domains.iter().next().unwrap().id;
        let path = domain_file(dir.path(), first, FILE_NAME);
        let wanted = audit(&model.domains[0]);
        let mut hostile = b"\x1b[2K".repeat(1000);
        hostile.push(b'\n');
        let mut short = b"\x1b[2K".repeat(10);
        short.push(b'\n');
        for (bytes, line) in [
            (&b"1A2B\n"[..], 1),
            (b"domain=1a2b\n", 1),
            (b"", 0),
            (b"1a2b", 1),
            (&short[..], 1),
        ] {
            fs::write(&path, bytes).unwrap();
            match domains.find_by_audit_id(dir.path(), wanted) {
                Err(e @ Error::Malformed { .. }) => {
                    let Error::Malformed {
                        path: p, line: l, ..
                    } = &e
                    else {
                        unreachable!()
                    };
                    assert_eq!((p, *l), (&path, line), "{e}");
                    assert!(!e.to_string().contains('\x1b'), "{e}");
                }
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
            }
        }
        // Larger than the cap: refused, not read whole.
        fs::write(&path, &hostile).unwrap();
        match read(dir.path(), first) {
            Err(Error::Malformed {
                reason, line: 0, ..
            }) => {
                assert!(
                    reason.contains(&format!("larger than {MAX_AUDIT_ID_SIZE}")),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
        // Not a regular file.
        fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        match read(dir.path(), first) {
            Err(Error::Malformed { reason, .. }) => assert!(reason.contains("symbolic link")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_io_errors_name_the_file() {
        let (dir, model, domains) = tree(2);
        let src = Hooked::new(|p| is_audit_id(p).then(|| io::Error::from_raw_os_error(libc::EIO)));
        match domains.find_by_audit_id_with(&src, dir.path(), audit(&model.domains[0])) {
            Err(Error::Io { path, source }) => {
                assert!(is_audit_id(&path));
                assert_eq!(source.raw_os_error(), Some(libc::EIO));
            }
            other => panic!("{other:?}"),
        }
    }
}
