//! A domain's rules: the `domains/<id>/rules` file.
//!
//! Each domain's own layer allows access through the rules its ruleset
//! added (`landlock_add_rule()`): rights beneath a file or directory, on a
//! port.  The file `domains/<id>/rules` (`Documentation/abi.rst`) lists
//! them, one per line ([`Rule`], parsed by [`parse::rules`]), to readers
//! with `CAP_SYS_PTRACE` in the initial user namespace, as `creator`;
//! everybody else gets `EACCES`.  Paths are named relative to the
//! reader's root, through the mounts of its mount namespace.
//!
//! [`read`] gives one domain's rules.  It is not part of
//! [`Domains::read`]: the file is privileged, may be large, and naming
//! paths costs the kernel a walk of the reader's mounts per `read()`.
//!
//! ```
//! use landlock_audit::fixture::{Model, Spec};
//! use landlock_audit::{rules, Domains, Rule};
//!
//! let dir = std::env::temp_dir().join(format!("landlock-audit-rules-doc-{}", std::process::id()));
//! let model = Model::generate(&Spec { domains: 5, tasks: 10, ..Spec::default() });
//! model.write(&dir)?;
//! for d in Domains::read_from(&dir)?.iter() {
//!     for r in rules::read(&dir, d.id)? {
//!         if let Rule::Net { port, .. } = r {
//!             println!("{} allows {} on port {port}", d.id, r.access_names().join(" "));
//!         }
//!     }
//! }
//! let expected = model.domains[0].rules.clone().expect("generated models have rules");
//! assert_eq!(rules::read(&dir, model.domains[0].id)?, expected);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::path::Path;

use crate::parse;
use crate::source::{FileBuf, ReadMode, RealFs, Source, MAX_RULES_SIZE};
use crate::types::{DomainId, Rule};
use crate::walk::{diagnose, domain_file, io_error};
#[cfg(doc)]
use crate::Domains;
use crate::{Error, Result};

/// The name of the file in each `domains/<id>/` directory.
pub const FILE_NAME: &str = "rules";

/// The rules of the domain `id` of the tree at `root`
/// (`<root>/domains/<id>/rules`), in the file's order (the kernel's: by
/// kind, device, inode and port).  An empty list when the domain's layer
/// added no rule.
///
/// The file is read to its end with one bounded buffer
/// ([`MAX_RULES_SIZE`]), as the kernel formats its lines as `read()`
/// reaches them (a `read()` may return less than it could before the
/// end); a file missing from a domain directory that still exists is read
/// again once, as [`Domains::read_from`] does for the other files.
///
/// ```no_run
/// use landlock_audit::{rules, Domains, Error, DEFAULT_ROOT};
///
/// for d in Domains::read()?.iter() {
///     match rules::read(DEFAULT_ROOT, d.id) {
///         Ok(rules) => {
///             for r in rules {
///                 println!("{}: {r}", d.id);
///             }
///         }
///         Err(Error::RulesPermissionDenied { .. }) => println!("needs CAP_SYS_PTRACE"),
///         Err(Error::RulesUnavailable { .. }) => println!("{}: no task holds its layer", d.id),
///         Err(Error::DomainGone { .. }) => {} // ended since the tree was read
///         Err(e) => return Err(e.into()),
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// * [`Error::SecurityfsNotMounted`], [`Error::LandlockDisabled`] or
///   [`Error::FeatureAbsent`] when `root` does not exist, as for
///   [`Domains::read_from`];
/// * [`Error::DomainGone`] when the domain's directory does not exist
///   (`ENOENT`): it ended, was never there, or is not visible to the
///   caller;
/// * [`Error::RulesPermissionDenied`] when opening the file fails with
///   `EACCES` or `EPERM`: the caller lacks `CAP_SYS_PTRACE` in the initial
///   user namespace;
/// * [`Error::RulesUnavailable`] when it fails with `ENODATA`: the domain
///   is an ancestor whose layer no task holds any more;
/// * [`Error::RulesUnsupported`] when the domain directory exists but has
///   no `rules` file (read twice): a kernel older than the file;
/// * [`Error::Malformed`] when a line is not a rule ([`parse::rules`]), or
///   the [`Source`] refuses the file (not a regular file, a symbolic link,
///   more than [`MAX_RULES_SIZE`] bytes);
/// * [`Error::Io`] otherwise.
pub fn read(root: impl AsRef<Path>, id: DomainId) -> Result<Vec<Rule>> {
    read_with(RealFs, root, id)
}

/// [`read`] through `src`.
///
/// # Errors
///
/// As [`read`]; `src` gives `ENODATA` as the OS error
/// ([`io::Error::from_raw_os_error`]).
pub fn read_with<S: Source>(src: S, root: impl AsRef<Path>, id: DomainId) -> Result<Vec<Rule>> {
    let root = root.as_ref();
    let path = domain_file(root, id, FILE_NAME);
    let mut buf = FileBuf::new();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let e = match src.read(&path, MAX_RULES_SIZE, ReadMode::ToEof, &mut buf) {
            Ok(()) => return parse::rules(buf.contents()).map_err(|e| e.at(&path)),
            Err(e) => e,
        };
        if e.kind() != io::ErrorKind::NotFound {
            return Err(error(&path, e));
        }
        let dir = path.parent().unwrap_or(root);
        match src.list(dir) {
            Ok(_) if attempts == 2 => return Err(Error::RulesUnsupported { path }),
            Ok(_) => {}
            // No such domain, unless there is no tree at all.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(match src.list(root) {
                    Ok(_) => Error::DomainGone {
                        id,
                        path: dir.to_owned(),
                    },
                    Err(e) if e.kind() == io::ErrorKind::NotFound => diagnose(&src, root),
                    Err(e) => io_error(root, e),
                })
            }
            Err(e) => return Err(io_error(dir, e)),
        }
    }
}

/// The library's error for opening or reading the `rules` file at `path`
/// failing with `e` (other than `ENOENT`, which needs a look at the
/// directory): `EACCES`/`EPERM` is [`Error::RulesPermissionDenied`],
/// `ENODATA` [`Error::RulesUnavailable`], a [`crate::source::Refusal`]
/// [`Error::Malformed`], anything else [`Error::Io`].
///
/// ```
/// use std::io;
/// use landlock_audit::{rules, Error};
///
/// let p = "/sys/kernel/security/landlock/domains/3f9a0c21d4e8b157/rules";
/// let e = rules::error(p.as_ref(), io::Error::from_raw_os_error(libc::ENODATA));
/// assert!(matches!(e, Error::RulesUnavailable { .. }));
/// let e = rules::error(p.as_ref(), io::Error::from_raw_os_error(libc::EACCES));
/// assert!(matches!(e, Error::RulesPermissionDenied { .. }));
/// assert!(e.to_string().contains("CAP_SYS_PTRACE"));
/// ```
pub fn error(path: &Path, e: io::Error) -> Error {
    let path = path.to_owned();
    if e.raw_os_error() == Some(libc::ENODATA) {
        return Error::RulesUnavailable { path };
    }
    match e.kind() {
        io::ErrorKind::PermissionDenied => Error::RulesPermissionDenied { path },
        _ => io_error(&path, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{Model, Spec};
    use crate::source::Entry;
    use crate::types::{AccessFs, AccessNet, FsObject};
    use std::cell::Cell;
    use std::fs;

    use crate::source::testing::Hooked;

    fn tree() -> (tempfile::TempDir, Model) {
        let model = Model::generate(&Spec {
            domains: 30,
            tasks: 60,
            seed: 11,
            ..Spec::default()
        });
        let dir = tempfile::tempdir().unwrap();
        model.write(dir.path()).unwrap();
        (dir, model)
    }

    fn is_rules(p: &Path) -> bool {
        p.file_name().is_some_and(|n| n == FILE_NAME)
    }

    #[test]
    fn every_domain_reads_back_its_rules() {
        let (dir, model) = tree();
        let mut forms = [false; 6];
        for m in &model.domains {
            let want = m.rules.clone().expect("generated domains have rules");
            let got = read(dir.path(), m.id).unwrap();
            assert_eq!(got, want, "domain {}", m.id);
            for r in &got {
                let form = match r {
                    Rule::Fs {
                        object: FsObject::Path(_),
                        ..
                    } => 0,
                    Rule::Fs {
                        object: FsObject::Unnamed(_),
                        ..
                    } => 1,
                    Rule::FsReleased { .. } => 2,
                    Rule::Net { .. } => 3,
                };
                forms[form] = true;
                forms[4] |= r.quiet();
                forms[5] |= r.access_names().is_empty();
            }
        }
        // The generated rules have every form, quiet ones and empty ones.
        assert_eq!(forms, [true; 6]);
        // And some domain added no rule at all.
        assert!(model
            .domains
            .iter()
            .any(|m| m.rules.as_ref().is_some_and(Vec::is_empty)));
    }

    #[test]
    fn each_error_has_its_variant() {
        let (dir, model) = tree();
        let id = model.domains[3].id;
        for (errno, want) in [
            (libc::EACCES, "RulesPermissionDenied"),
            (libc::EPERM, "RulesPermissionDenied"),
            (libc::ENODATA, "RulesUnavailable"),
            (libc::EIO, "Io"),
        ] {
            let src = Hooked::new(|p| is_rules(p).then(|| io::Error::from_raw_os_error(errno)));
            let e = read_with(&src, dir.path(), id).unwrap_err();
            let got = match &e {
                Error::RulesPermissionDenied { path } | Error::RulesUnavailable { path } => {
                    assert_eq!(path, &domain_file(dir.path(), id, FILE_NAME));
                    if errno == libc::ENODATA {
                        "RulesUnavailable"
                    } else {
                        "RulesPermissionDenied"
                    }
                }
                Error::Io { .. } => "Io",
                other => panic!("errno {errno}: {other:?}"),
            };
            assert_eq!(got, want, "errno {errno}: {e}");
            // Read once: only ENOENT is tried again.
            assert_eq!(src.reads.get(), 1);
        }
    }

    #[test]
    fn a_gone_domain_a_missing_file_and_a_missing_tree() {
        let (dir, model) = tree();
        let id = model.domains[4].id;
        let ddir = dir.path().join("domains").join(id.to_string());
        // The file alone is missing, twice: a kernel older than it.
        fs::remove_file(ddir.join(FILE_NAME)).unwrap();
        let src = Hooked::new(|_| None);
        let e = read_with(&src, dir.path(), id).unwrap_err();
        assert!(matches!(e, Error::RulesUnsupported { .. }), "{e:?}");
        assert_eq!(src.reads.get(), 2, "read twice before it is called missing");
        // The directory is gone: the domain ended.
        fs::remove_dir_all(&ddir).unwrap();
        match read(dir.path(), id).unwrap_err() {
            Error::DomainGone { id: got, path } => {
                assert_eq!((got, path), (id, ddir.clone()));
            }
            e => panic!("{e:?}"),
        }
        // No tree at all: told apart as for Domains::read_from.
        let none = dir.path().join("nothing/landlock");
        let e = read(&none, id).unwrap_err();
        assert!(e.is_unavailable(), "{e:?}");
    }

    #[test]
    fn a_file_that_appears_on_the_second_read_is_read() {
        let (dir, model) = tree();
        let m = &model.domains[5];
        let first = Cell::new(true);
        let src = Hooked::new(|p| {
            (is_rules(p) && first.replace(false)).then(|| io::ErrorKind::NotFound.into())
        });
        assert_eq!(
            read_with(&src, dir.path(), m.id).unwrap(),
            m.rules.clone().unwrap()
        );
    }

    #[test]
    fn malformed_and_refused_files_name_the_file() {
        let (dir, model) = tree();
        let id = model.domains[6].id;
        let path = domain_file(dir.path(), id, FILE_NAME);
        fs::write(
            &path,
            "net port 443 access connect_tcp\nnet port 70000 access\n",
        )
        .unwrap();
        match read(dir.path(), id).unwrap_err() {
            Error::Malformed {
                path: p,
                line,
                reason,
            } => {
                assert_eq!((p, line), (path.clone(), 2));
                assert!(reason.contains("out of range"), "{reason}");
            }
            e => panic!("{e:?}"),
        }
        // A FIFO is refused, never waited on; a symbolic link too.
        fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        assert!(made.expect("mkfifo").success());
        let e = read(dir.path(), id).unwrap_err();
        assert!(
            matches!(&e, Error::Malformed { line: 0, reason, .. } if reason.contains("FIFO")),
            "{e:?}"
        );
        fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let e = read(dir.path(), id).unwrap_err();
        assert!(
            matches!(&e, Error::Malformed { line: 0, reason, .. } if reason.contains("symbolic link")),
            "{e:?}"
        );
    }

    #[test]
    fn a_large_file_is_read_to_its_end_and_bounded() {
        let (dir, model) = tree();
        let id = model.domains[7].id;
        let path = domain_file(dir.path(), id, FILE_NAME);
        // 100,000 rules (about 6 MB): far more than 64 KiB.
        let mut text = Vec::new();
        for i in 0..100_000u32 {
            text.extend(
                format!("fs dev 8:1 ino {i} path /srv/data/file-{i:06} access read_file\n").bytes(),
            );
        }
        fs::write(&path, &text).unwrap();
        let rules = read(dir.path(), id).unwrap();
        assert_eq!(rules.len(), 100_000);
        assert_eq!(
            rules[99_999],
            Rule::Fs {
                dev: (8, 1),
                ino: 99_999,
                object: FsObject::Path("/srv/data/file-099999".into()),
                quiet: false,
                access: AccessFs::READ_FILE,
                unknown_access: vec![],
            }
        );
        // Beyond the bound: refused, not read.
        let f = fs::File::create(&path).unwrap();
        f.set_len(MAX_RULES_SIZE as u64 + 1).unwrap();
        let e = read(dir.path(), id).unwrap_err();
        assert!(
            matches!(&e, Error::Malformed { line: 0, reason, .. } if reason.contains("larger than")),
            "{e:?}"
        );
    }

    #[test]
    fn short_reads_before_the_end_are_not_the_end() {
        /// Gives the file three bytes per `read()`, as a kernel that
        /// formats one line at a time may give less than it could.
        struct Trickle;
        impl Source for Trickle {
            fn read(
                &self,
                path: &Path,
                limit: usize,
                mode: ReadMode,
                buf: &mut FileBuf,
            ) -> io::Result<()> {
                struct Three(fs::File);
                impl io::Read for Three {
                    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                        let n = out.len().min(3);
                        self.0.read(&mut out[..n])
                    }
                }
                buf.fill(&mut Three(RealFs::open(path)?), limit, mode)
            }
            fn list(&self, path: &Path) -> io::Result<Vec<Entry>> {
                RealFs.list(path)
            }
        }
        let (dir, model) = tree();
        let id = model.domains[8].id;
        fs::write(
            domain_file(dir.path(), id, FILE_NAME),
            "fs released access read_file\nnet port 22 access bind_tcp\n",
        )
        .unwrap();
        let r = read_with(Trickle, dir.path(), id).unwrap();
        assert_eq!(
            r,
            [
                Rule::FsReleased {
                    quiet: false,
                    access: AccessFs::READ_FILE,
                    unknown_access: vec![]
                },
                Rule::Net {
                    port: 22,
                    quiet: false,
                    access: AccessNet::BIND_TCP,
                    unknown_access: vec![]
                }
            ]
        );
    }
}
