//! In-VM test: mounts on the tree's domain directories.  A bind mount of
//! `domains/<id>` whose domain dies, and a tmpfs mounted on `domains/<id>`
//! while other readers, who may not see that domain, look the path up
//! (their failed `d_revalidate` calls `d_invalidate()`, which detaches
//! every mount on the dentry, in every mount namespace: see
//! `Documentation/threat-model.rst`, "Mounts on the tree").

use crate::hostile::{content_of, p, read_path};
use crate::kmsg::Kmsg;
use crate::procs::{become_user, Daemon};
use crate::sys::{in_child, Access};
use crate::table::{data, error_or_data, promised, recorded, succeeds, Table, Verdict};
use crate::tree::{domain_of, domains, eventually, list_domains, read_line, restrict};
use crate::vfs::{self, errno_name, Sys};
use crate::{ensure, TestResult};
use std::io::Write;
use std::os::fd::AsRawFd;

/// A process of another identity that `stat()`s paths on request, from
/// the mount namespace it was forked in.
struct Asker {
    to: Option<std::io::PipeWriter>,
    from: std::io::PipeReader,
    pid: i32,
}

impl Asker {
    /// Forks the asker as `uid` (no capabilities).
    fn spawn(uid: u32) -> Result<Self, String> {
        let (mut req_r, req_w) = std::io::pipe().map_err(|e| e.to_string())?;
        let (resp_r, mut resp_w) = std::io::pipe().map_err(|e| e.to_string())?;
        // SAFETY: the calling process is single-threaded.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err("fork".into());
        }
        if pid == 0 {
            drop(req_w);
            drop(resp_r);
            let code = match become_user(uid, uid, &[]) {
                Err(_) => 1,
                Ok(()) => loop {
                    match read_line(&mut req_r) {
                        Ok(path) if !path.is_empty() => {
                            let e = vfs::stat(path.as_bytes()).err().unwrap_or(0);
                            if writeln!(resp_w, "{e}").is_err() {
                                break 1;
                            }
                        }
                        _ => break 0,
                    }
                },
            };
            // SAFETY: leave without running the parent's destructors.
            unsafe { libc::_exit(code) };
        }
        Ok(Self {
            to: Some(req_w),
            from: resp_r,
            pid,
        })
    }

    /// `stat(path)` as the asker.
    fn stat(&mut self, path: &str) -> Sys<()> {
        let to = self.to.as_mut().ok_or(libc::EPIPE)?;
        writeln!(to, "{path}").map_err(|_| libc::EPIPE)?;
        let line = read_line(&mut self.from).map_err(|_| libc::EPIPE)?;
        match line.trim().parse::<i32>() {
            Ok(0) => Ok(()),
            Ok(e) => Err(e),
            Err(_) => Err(libc::EPIPE),
        }
    }
}

impl Drop for Asker {
    fn drop(&mut self) {
        self.to.take();
        // SAFETY: reaping our own child.
        unsafe { libc::waitpid(self.pid, std::ptr::null_mut(), 0) };
    }
}

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

/// Whether `path` is still a mount point, as `Documentation/threat-model.rst`
/// ("Mounts on the tree") says it is at that step: the row fails when the
/// kernel's behaviour no longer matches the documentation (then update
/// both).  The outcome is recorded either way.
fn mount_state(path: &str, documented_mounted: bool) -> Verdict {
    let now = mounted(path);
    let word = |m: bool| if m { "still mounted" } else { "detached" };
    if now == documented_mounted {
        Ok(Some(word(now).into()))
    } else {
        Err(format!(
            "{}, threat-model.rst says {}",
            word(now),
            word(documented_mounted)
        ))
    }
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
    t.row("mount --bind domains/<A> /tmp/la-bind", "root", succeeds(r));
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

fn tmpfs_rows(t: &mut Table, outside: &mut Asker) -> TestResult {
    // C stays alive; other readers look its path up.
    let c = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = id_of(&c)?;
    let dir = p(&format!("domains/{id}"));
    let hello = format!("{dir}/hello");
    let put = |t: &mut Table, when: &str| -> bool {
        let r = mount("tmpfs", &dir, "tmpfs", 0);
        let ok = r.is_ok();
        t.row(
            &format!("mount tmpfs on domains/<C> ({when})"),
            "root",
            succeeds(r),
        );
        if ok {
            t.row(
                "create a file in the tmpfs",
                "domains/<C>/hello",
                succeeds(std::fs::write(&hello, "hi").map_err(|e| e.raw_os_error().unwrap_or(0))),
            );
        }
        ok
    };
    if !put(t, "first") {
        return Ok(());
    }
    let w = "tmpfs on domains/<C>";
    t.row("read the tmpfs file", w, data(read_path(&hello), b"hi"));
    // Root sees C: its lookups revalidate, and the mount stays.
    for _ in 0..3 {
        let _ = vfs::stat(dir.as_bytes());
    }
    t.row("after root's own lookups", w, mount_state(&dir, true));
    // uid 1001 in the same mount namespace, who may not see C.
    let d2 = dir.clone();
    let h2 = hello.clone();
    t.row(
        "stat domains/<C> and domains/<C>/hello as uid 1001 (same mount namespace)",
        w,
        in_child(move || {
            become_user(1001, 1001, &[])?;
            for path in [&d2, &h2] {
                match vfs::stat(path.as_bytes()) {
                    Err(libc::ENOENT) => {}
                    other => {
                        return Err(format!(
                            "{path}: {:?}",
                            other.map(|_| ()).map_err(errno_name)
                        ))
                    }
                }
            }
            Ok(())
        })
        .map(|()| None),
    );
    t.row(
        "root's tmpfs after uid 1001's lookup (same mount namespace)",
        w,
        mount_state(&dir, false),
    );
    if mounted(&dir) {
        let _ = umount(&dir, libc::MNT_DETACH);
    }
    if !put(t, "again") {
        return Ok(());
    }
    // uid 1001 in the initial mount namespace, where nothing is mounted on
    // the path: only the dentry is shared.
    t.row(
        "stat domains/<C> as uid 1001 (initial mount namespace)",
        w,
        promised(outside.stat(&dir), &[libc::ENOENT]),
    );
    t.row(
        "root's tmpfs after uid 1001's lookup (another mount namespace)",
        w,
        mount_state(&dir, false),
    );
    if mounted(&dir) {
        let _ = umount(&dir, libc::MNT_DETACH);
    }
    drop(c);
    wait_unlisted(&id)?;

    // D: a tmpfs on its directory, then D dies.
    let d = Daemon::spawn(|| restrict(Access::MAKE_DIR))?;
    let id = id_of(&d)?;
    let dir = p(&format!("domains/{id}"));
    let r = mount("tmpfs", &dir, "tmpfs", 0);
    let ok = r.is_ok();
    t.row("mount tmpfs on domains/<D>", "root", succeeds(r));
    if !ok {
        return Ok(());
    }
    let hello = format!("{dir}/hello");
    let _ = std::fs::write(&hello, "hi");
    drop(d);
    wait_unlisted(&id)?;
    let w = "tmpfs on domains/<D>, D dead";
    t.row("before any lookup", w, mount_state(&dir, true));
    t.row(
        "stat domains/<D>/hello as root (who saw D)",
        w,
        recorded(vfs::stat(hello.as_bytes())),
    );
    t.row("after root's lookup", w, mount_state(&dir, false));
    t.row("umount domains/<D>", w, recorded(umount(&dir, 0)));
    if mounted(&dir) {
        let _ = umount(&dir, libc::MNT_DETACH);
    }
    t.row(
        "stat domains/<D> at the end",
        w,
        promised(vfs::stat(dir.as_bytes()), &[libc::ENOENT]),
    );
    Ok(())
}

/// Bind mounts and tmpfs mounts on domain directories: nothing leaks
/// (no other domain's data, nothing of a hidden domain), the behaviour of
/// mounts on dentries that fail revalidation is recorded.
pub fn mounts_on_domain_directories() -> TestResult {
    let mut kmsg = Kmsg::mark()?;
    let r = in_child(|| {
        // Forked before unshare(): it stays in the initial mount namespace.
        let mut outside = Asker::spawn(1001)?;
        // SAFETY: plain unshare(2); then no mount propagates out.
        if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
            return Err(format!("unshare: {}", std::io::Error::last_os_error()));
        }
        mount("none", "/", "none", libc::MS_REC | libc::MS_PRIVATE)
            .map_err(|e| format!("MS_PRIVATE: {}", errno_name(e)))?;
        let mut t = Table::new("mounts, root in its own mount namespace");
        bind_rows(&mut t)?;
        tmpfs_rows(&mut t, &mut outside)?;
        t.finish()
    });
    r?;
    kmsg.check()
}
