//! In-VM test: mounts and the tree's domain directories.  A bind mount of
//! `domains/<id>` elsewhere whose domain dies; and mounts on `domains/<id>`
//! and its files, which fail with `ENOENT`: a reader that may not see the
//! domain fails `d_revalidate` and `d_invalidate()` would detach every
//! mount on the dentry, in every mount namespace (see
//! `Documentation/abi.rst`, "Mounts").

use crate::hostile::{content_of, p, read_path};
use crate::kmsg::Kmsg;
use crate::procs::Daemon;
use crate::sys::{in_child, Access};
use crate::table::{data, error_or_data, promised, recorded, Table};
use crate::tree::{domain_of, domains, eventually, list_domains, restrict};
use crate::vfs::{self, errno_name, Sys};
use crate::{ensure, TestResult};
use std::os::fd::AsRawFd;

/// Whether `path` is a mount point in the calling process's namespace.
fn mounted(path: &str) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(path))
}

fn mount(src: &str, target: &str, fstype: &str, flags: libc::c_ulong) -> Sys<()> {
    let (s, t, f) = (
        vfs::cpath(src.as_bytes())?,
        vfs::cpath(target.as_bytes())?,
        vfs::cpath(fstype.as_bytes())?,
    );
    // SAFETY: valid C strings; no data.
    let r = unsafe { libc::mount(s.as_ptr(), t.as_ptr(), f.as_ptr(), flags, std::ptr::null()) };
    vfs::ret(r.into()).map(|_| ())
}

fn umount(target: &str, flags: i32) -> Sys<()> {
    vfs::path_call(target, |t| {
        // SAFETY: valid C string.
        unsafe { libc::umount2(t, flags) }
    })
}

/// The domain ID of a root daemon.
fn id_of(d: &Daemon) -> Result<String, String> {
    Ok(domain_of(&domains()?, d.pid)?.id.to_string())
}

/// Waits until `id` is no longer listed in `domains/` (a listing, not a
/// lookup: it touches no dentry of the domain).
fn wait_unlisted(id: &str) -> TestResult {
    ensure(
        eventually(10, || {
            !list_domains().unwrap_or_default().iter().any(|x| x == id)
        }),
        || format!("{id} still listed"),
    )
}

fn bind_rows(t: &mut Table) -> TestResult {
    let bind = "/tmp/la-bind";
    std::fs::create_dir_all(bind).map_err(|e| e.to_string())?;
    let a = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = id_of(&a)?;
    let dir = p(&format!("domains/{id}"));
    let r = mount(&dir, bind, "none", libc::MS_BIND);
    let ok = r.is_ok();
    t.row("mount --bind domains/<A> /tmp/la-bind", "root", recorded(r));
    if !ok {
        return Ok(());
    }
    let listing =
        content_of(&vfs::open(&dir, libc::O_RDONLY | libc::O_DIRECTORY).map_err(errno_name)?)
            .map_err(errno_name)?;
    let access = read_path(&format!("{dir}/access")).map_err(errno_name)?;
    t.row(
        "getdents through the bind mount",
        bind,
        data(read_path(bind), &listing),
    );
    t.row(
        "read access through the bind mount",
        bind,
        data(read_path(&format!("{bind}/access")), &access),
    );
    let held_file = vfs::open(&format!("{bind}/access"), libc::O_RDONLY).map_err(errno_name)?;
    let held_dir = vfs::open(bind, libc::O_RDONLY | libc::O_DIRECTORY).map_err(errno_name)?;
    drop(a);
    wait_unlisted(&id)?;
    ensure(
        eventually(10, || vfs::stat(dir.as_bytes()).is_err()),
        || format!("{dir} outlived its daemon"),
    )?;
    let w = "/tmp/la-bind, its domain dead";
    t.row(
        "stat the bind mount's root",
        w,
        match vfs::stat(bind.as_bytes()) {
            Ok(st) if crate::hostile::is_dir(&st) => Ok(Some("a directory".into())),
            Ok(st) => Err(format!("mode {:o}", st.st_mode)),
            Err(e) => Ok(Some(errno_name(e))),
        },
    );
    t.row(
        "read access (a new open)",
        w,
        error_or_data(read_path(&format!("{bind}/access")), &access),
    );
    t.row(
        "getdents (a new open)",
        w,
        error_or_data(read_path(bind), &listing),
    );
    for f in [
        "parent",
        "depth",
        "tasks",
        "creator",
        "audit_id",
        "nonexistent",
    ] {
        t.row(
            "stat a file (a new lookup)",
            &format!("{w}: {f}"),
            promised(vfs::stat(format!("{bind}/{f}").as_bytes()), &[libc::ENOENT]),
        );
    }
    t.row(
        "pread the descriptor held across the death",
        w,
        data(vfs::pread(held_file.as_raw_fd(), 4096, 0), &access),
    );
    t.row(
        "getdents the directory held across the death",
        w,
        error_or_data(content_of(&held_dir), &listing),
    );
    t.row(
        "umount while descriptors are held",
        w,
        recorded(umount(bind, 0)),
    );
    drop(held_file);
    drop(held_dir);
    let r = umount(bind, 0);
    let unmounted = r.is_ok();
    t.row("umount /tmp/la-bind (no descriptor held)", w, recorded(r));
    if !unmounted {
        let _ = umount(bind, libc::MNT_DETACH);
    }
    t.row(
        "/tmp/la-bind is no mount point any more",
        w,
        if mounted(bind) {
            Err("still in mountinfo".into())
        } else {
            Ok(None)
        },
    );
    Ok(())
}

/// Nothing can be mounted on a domain's directory or files (their dentries
/// are `DCACHE_CANT_MOUNT`): `d_revalidate` answers for each reader, so a
/// reader that may not see the domain would otherwise detach the mount.
fn no_mount_on_entries(t: &mut Table) -> TestResult {
    let c = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = id_of(&c)?;
    for (what, target) in [
        ("domains/<C>", p(&format!("domains/{id}"))),
        ("domains/<C>/parent", p(&format!("domains/{id}/parent"))),
    ] {
        t.row(
            "mount tmpfs on it",
            what,
            promised(mount("tmpfs", &target, "tmpfs", 0), &[libc::ENOENT]),
        );
        t.row(
            "bind-mount /tmp on it",
            what,
            promised(
                mount("/tmp", &target, "none", libc::MS_BIND),
                &[libc::ENOENT],
            ),
        );
        t.row(
            "it is no mount point",
            what,
            if mounted(&target) {
                Err("in mountinfo".into())
            } else {
                Ok(None)
            },
        );
    }
    Ok(())
}

/// Bind mounts of domain directories elsewhere (nothing leaks: no other
/// domain's data, nothing of a hidden domain) and mounts on them (refused).
pub fn mounts_on_domain_directories() -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let r = in_child(|| {
        // SAFETY: plain unshare(2); then no mount propagates out.
        if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
            return Err(format!("unshare: {}", std::io::Error::last_os_error()));
        }
        mount("none", "/", "none", libc::MS_REC | libc::MS_PRIVATE)
            .map_err(|e| format!("MS_PRIVATE: {}", errno_name(e)))?;
        let mut t = Table::new("mounts, root in its own mount namespace");
        bind_rows(&mut t)?;
        no_mount_on_entries(&mut t)?;
        t.finish()
    });
    r?;
    kmsg.check()
}
