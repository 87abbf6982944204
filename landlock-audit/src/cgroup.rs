//! Which service a process belongs to: its cgroup v2 path, the systemd unit
//! named by that path, and the container a runtime put in the unit's name.
//!
//! Pure parsers of `/proc/<pid>/cgroup`; [`procfs`](crate::procfs) reads the
//! file.
//!
//! ```
//! use landlock_audit::cgroup::{self, Container};
//!
//! let path = cgroup::v2_path(b"0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo-42.scope\n").unwrap();
//! assert_eq!(cgroup::unit(&path).as_deref(), Some("app-foo-42.scope"));
//! let id = "4b825dc642cb6eb9a060e54bf8d69288fbee4904a1b2c3d4e5f60718293a4b5c";
//! let unit = format!("docker-{id}.scope");
//! assert_eq!(cgroup::container(&unit), Some(Container { runtime: "docker".into(), id: id.into() }));
//! ```
//!
//! # Who names the unit
//!
//! The path is the kernel's, but its components are directory names chosen
//! by whoever may create cgroups there: systemd for the system's units, and
//! a user for the subtree systemd delegates to their `user@UID.service`
//! (where that user may create `…/user@1000.service/sshd.service`).  The
//! unit is therefore a statement of systemd or of the process's own user,
//! never of another user.  A component that is not a valid unit name
//! (systemd's characters `A–Z a–z 0–9 : - _ . \ @`, at most 255 bytes) is
//! never a unit: the next valid one outwards is taken instead.

use std::path::{Path, PathBuf};

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The most bytes of a cgroup path kept: 4096 (`PATH_MAX`).  A longer path
/// is cut there (a unit in the cut part is not seen).
pub const MAX_CGROUP_PATH: usize = 4096;

/// The most bytes of a unit name (systemd's `UNIT_NAME_MAX` is 256 with
/// its terminating NUL).
pub const MAX_UNIT_NAME: usize = 255;

/// The suffixes of the unit types a process can run in.
const UNIT_SUFFIXES: [&str; 2] = [".service", ".scope"];

/// A container found in a unit's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Container {
    /// The runtime that names its scopes so: `docker`, `containerd` (CRI,
    /// `cri-containerd-<id>.scope`), `cri-o` (`crio-<id>.scope`) or `podman`
    /// (`libpod-<id>.scope`).
    pub runtime: String,
    /// The container's ID: 64 lowercase hexadecimal digits.
    pub id: String,
}

/// The cgroup v2 path of a `/proc/<pid>/cgroup` file: what follows `0::`
/// on the unified hierarchy's line, or `None` without such a line (a
/// cgroup v1 only system) or when it does not start with `/`.
///
/// The kernel writes the path unescaped, and a directory name may hold a
/// newline; since the unified hierarchy's line comes last, everything from
/// the first line that starts with `0::` to the end of the file (without
/// its final newline) is the path, so a name containing `\n0::/…` cannot
/// forge another path.  At most [`MAX_CGROUP_PATH`] bytes are kept.
///
/// ```
/// use landlock_audit::cgroup::v2_path;
/// use std::path::Path;
///
/// assert_eq!(v2_path(b"0::/system.slice/sshd.service\n").as_deref(), Some(Path::new("/system.slice/sshd.service")));
/// // Hybrid: v1 lines first.
/// assert_eq!(v2_path(b"12:pids:/x\n0::/init.scope\n").as_deref(), Some(Path::new("/init.scope")));
/// assert_eq!(v2_path(b"12:pids:/x\n"), None);
/// // A name with a newline stays one path.
/// assert_eq!(v2_path(b"0::/u.slice/a\n0::/system.slice/sshd.service\n").as_deref(),
///            Some(Path::new("/u.slice/a\n0::/system.slice/sshd.service")));
/// ```
pub fn v2_path(input: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let start = if input.starts_with(b"0::") {
        0
    } else {
        input.windows(4).position(|w| w == b"\n0::")? + 1
    };
    let rest = &input[start + 3..];
    let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
    if !rest.starts_with(b"/") {
        return None;
    }
    let rest = &rest[..rest.len().min(MAX_CGROUP_PATH)];
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(rest)))
}

/// Whether `name` is a valid systemd unit name of a type processes run in:
/// at most [`MAX_UNIT_NAME`] bytes of systemd's characters, ending in
/// `.service` or `.scope` with a non-empty prefix.
pub fn is_unit_name(name: &[u8]) -> bool {
    name.len() <= MAX_UNIT_NAME
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b":-_.\\@".contains(&b))
        && UNIT_SUFFIXES
            .iter()
            .any(|s| name.len() > s.len() && name.ends_with(s.as_bytes()))
}

/// The systemd unit of a cgroup path: its innermost component that is a
/// valid unit name ending in `.service` or `.scope` ([`is_unit_name`]).
///
/// ```
/// use landlock_audit::cgroup::unit;
/// use std::path::Path;
///
/// assert_eq!(unit(Path::new("/system.slice/nginx.service")).as_deref(), Some("nginx.service"));
/// assert_eq!(unit(Path::new("/user.slice/user-1000.slice/user@1000.service/init.scope")).as_deref(), Some("init.scope"));
/// // Not a unit: a sub-cgroup the service made; the unit is outside it.
/// assert_eq!(unit(Path::new("/system.slice/foo.service/payload")).as_deref(), Some("foo.service"));
/// assert_eq!(unit(Path::new("/")), None);
/// assert_eq!(unit(Path::new("/user.slice")), None);
/// // A name systemd would not make is skipped.
/// assert_eq!(unit(Path::new("/system.slice/a.service/evil name.service")).as_deref(), Some("a.service"));
/// ```
pub fn unit(path: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str()
        .as_bytes()
        .rsplit(|&b| b == b'/')
        .find(|c| is_unit_name(c))
        .map(|c| String::from_utf8_lossy(c).into_owned())
}

/// The container a runtime put in a scope's name: `docker-<id>.scope`,
/// `cri-containerd-<id>.scope`, `crio-<id>.scope` or `libpod-<id>.scope`,
/// with `<id>` 64 lowercase hexadecimal digits; `None` for any other unit.
pub fn container(unit: &str) -> Option<Container> {
    const RUNTIMES: [(&str, &str); 4] = [
        ("docker-", "docker"),
        ("cri-containerd-", "containerd"),
        ("crio-", "cri-o"),
        ("libpod-", "podman"),
    ];
    let stem = unit.strip_suffix(".scope")?;
    RUNTIMES.iter().find_map(|(prefix, runtime)| {
        let id = stem.strip_prefix(prefix)?;
        let hex = id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        hex.then(|| Container {
            runtime: (*runtime).to_owned(),
            id: id.to_owned(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn of(file: &str) -> (Option<String>, Option<Container>) {
        let path = v2_path(file.as_bytes()).expect("a v2 path");
        let u = unit(&path);
        let c = u.as_deref().and_then(container);
        (u, c)
    }

    #[test]
    fn units_from_real_systemd_paths() {
        // systemd 252 (Debian bookworm), pure cgroup v2.
        assert_eq!(of("0::/init.scope\n").0.as_deref(), Some("init.scope"));
        assert_eq!(
            of("0::/system.slice/systemd-journald.service\n")
                .0
                .as_deref(),
            Some("systemd-journald.service")
        );
        assert_eq!(
            of("0::/system.slice/system-getty.slice/getty@tty1.service\n")
                .0
                .as_deref(),
            Some("getty@tty1.service")
        );
        assert_eq!(
            of("0::/user.slice/user-1000.slice/session-3.scope\n")
                .0
                .as_deref(),
            Some("session-3.scope")
        );
        assert_eq!(
            of("0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal-42.scope\n").0.as_deref(),
            Some("app-org.gnome.Terminal-42.scope")
        );
        assert_eq!(
            of("0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-foo-42.scope\n")
                .0
                .as_deref(),
            Some("app-foo-42.scope")
        );
        // Escaped instance names (systemd-escape) are valid unit names.
        assert_eq!(
            of("0::/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-sda1.service\n")
                .0
                .as_deref(),
            Some("systemd-fsck@dev-sda1.service")
        );
        // A kernel thread or a process outside any unit.
        assert_eq!(of("0::/\n"), (None, None));
        assert_eq!(of("0::/user.slice\n"), (None, None));
    }

    #[test]
    fn containers_from_real_runtime_paths() {
        let docker = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(
            of(&docker),
            (
                Some(format!("docker-{ID}.scope")),
                Some(Container {
                    runtime: "docker".into(),
                    id: ID.into()
                })
            )
        );
        // Kubernetes with containerd and the systemd cgroup driver.
        let k8s = format!(
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f1b8a52_3d2e_4c1a_9f0e_5a6b7c8d9e0f.slice/cri-containerd-{ID}.scope\n"
        );
        let (u, c) = of(&k8s);
        assert_eq!(u, Some(format!("cri-containerd-{ID}.scope")));
        assert_eq!(c.map(|c| c.runtime), Some("containerd".to_owned()));
        let crio = format!("0::/kubepods.slice/kubepods-pod1.slice/crio-{ID}.scope\n");
        assert_eq!(of(&crio).1.map(|c| c.runtime), Some("cri-o".to_owned()));
        let podman = format!("0::/machine.slice/libpod-{ID}.scope/container\n");
        let (u, c) = of(&podman);
        assert_eq!(u, Some(format!("libpod-{ID}.scope")));
        assert_eq!(c.map(|c| c.id), Some(ID.to_owned()));
        // Not 64 lowercase hex digits: a unit, no container.
        assert_eq!(container("docker-abc.scope"), None);
        assert_eq!(
            container(&format!("docker-{}.scope", ID.to_uppercase())),
            None
        );
        assert_eq!(container(&format!("docker-{ID}.service")), None);
        assert_eq!(container("session-3.scope"), None);
    }

    #[test]
    fn hostile_paths_are_bounded_and_cannot_forge() {
        // A newline in a user's cgroup name does not make a second path:
        // the name is part of the one path, inside the user's subtree
        // (where the user may name a cgroup `sshd.service` anyway, see the
        // module's doc).
        let p = v2_path(b"0::/user.slice/user@1000.service/x\n0::/system.slice/sshd.service\n")
            .expect("path");
        assert!(p.starts_with("/user.slice/user@1000.service"), "{p:?}");
        let p = v2_path(b"0::/a\n0::/b\n").expect("path");
        assert_eq!(p, Path::new("/a\n0::/b"));
        // Bounded.
        let long = format!("0::/{}.service\n", "a".repeat(10_000));
        let p = v2_path(long.as_bytes()).expect("path");
        assert_eq!(p.as_os_str().len(), MAX_CGROUP_PATH);
        assert_eq!(unit(&p), None);
        // Too long a unit name, bad characters, a bare suffix.
        assert!(!is_unit_name(
            format!("{}.service", "a".repeat(248)).as_bytes()
        ));
        assert!(is_unit_name(
            format!("{}.service", "a".repeat(247)).as_bytes()
        ));
        assert!(!is_unit_name(b"a\x1b[2K.service"));
        assert!(!is_unit_name(b".service"));
        assert!(!is_unit_name(b"user.slice"));
        // No v2 line, or a relative one.
        assert_eq!(v2_path(b"1:name=systemd:/x\n"), None);
        assert_eq!(v2_path(b"0::x\n"), None);
        assert_eq!(v2_path(b""), None);
    }
}
