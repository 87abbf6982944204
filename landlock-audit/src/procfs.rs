//! The few facts the library needs from `/proc`: processes, their threads,
//! whether they are kernel threads, whether the reader may inspect them,
//! their command names, executables and effective UIDs, and the cgroup,
//! systemd unit and container they belong to ([`crate::cgroup`]).
//!
//! PIDs in the tree are those of the reader's PID namespace, so the `/proc`
//! given here must be mounted for the same PID namespace.  Processes that exit
//! while `/proc` is read are skipped.  Files are read through a
//! [`Source`] ([`RealFs`] by default), so a FIFO or a huge file in a fake
//! `/proc` is refused rather than blocking or filling memory.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::cgroup::{self, Container};
use crate::parse;
use crate::source::{FileBuf, ReadMode, RealFs, Source, MAX_FILE_SIZE};
use crate::walk::io_error;
use crate::{DomainId, Domains, Error, Result};

/// `PF_KTHREAD`, the flag of a kernel thread in field 9 (`flags`) of
/// `/proc/<pid>/stat`.
pub const PF_KTHREAD: u64 = 0x0020_0000;

/// A process of `/proc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its PID (TGID).
    pub pid: u32,
    /// Its thread IDs, ascending.  When `task/` cannot be listed (e.g.
    /// `hidepid=1`), and for kernel threads, the main thread alone.
    pub threads: Vec<u32>,
    /// Whether it is a kernel thread (`PF_KTHREAD` in `stat`): it cannot be
    /// sandboxed.
    pub kernel_thread: bool,
    /// Whether the reader may inspect it: `readlink("<pid>/exe")` passes
    /// the same `ptrace_may_access(PTRACE_MODE_READ_FSCREDS)` check as the
    /// tree's rule 2, and fails with `EACCES` when the tree would hide the
    /// process's tasks.  `false` also when `stat` is unreadable.
    pub inspectable: bool,
    /// Its command name (`comm`, without the newline), unescaped: any bytes
    /// the process chose.  `None` when unreadable.
    pub comm: Option<OsString>,
    /// Its executable (`readlink("<pid>/exe")`), as the kernel gives it
    /// (any bytes, maybe with ` (deleted)` appended).  `None` when
    /// unreadable (kernel threads, processes the reader may not inspect).
    pub exe: Option<PathBuf>,
    /// Its effective UID: the second field of the `Uid:` line of
    /// `<pid>/status` (as `ps` shows it), mapped into the user namespace of
    /// `/proc`'s mounter.  `None` when unreadable.
    pub uid: Option<u32>,
    /// Its cgroup v2 path ([`cgroup::v2_path`]); `None` when unreadable or
    /// without cgroup v2.
    pub cgroup: Option<PathBuf>,
    /// The systemd unit that path names ([`cgroup::unit`]).
    pub unit: Option<String>,
    /// The container a runtime put in the unit's name
    /// ([`cgroup::container`]).
    pub container: Option<Container>,
}

impl Process {
    /// A process with only its identity and threads known (the other
    /// facts `None`), e.g. to build test input for
    /// [`Domains::coverage_of`](crate::Domains::coverage_of).
    pub fn new(pid: u32, threads: Vec<u32>, kernel_thread: bool, inspectable: bool) -> Self {
        Self {
            pid,
            threads,
            kernel_thread,
            inspectable,
            comm: None,
            exe: None,
            uid: None,
            cgroup: None,
            unit: None,
            container: None,
        }
    }

    /// Sets the cgroup path and the unit and container it names.
    pub fn with_cgroup(mut self, path: PathBuf) -> Self {
        self.unit = cgroup::unit(&path);
        self.container = self.unit.as_deref().and_then(cgroup::container);
        self.cgroup = Some(path);
        self
    }
}

/// The PID of the reader itself in `proc_root`: the target of its `self`
/// link, or `None` when `self` is not a link to a PID (a copied `/proc`).
/// The command leaves this process out of its counts.
pub fn self_pid(proc_root: &Path) -> Option<u32> {
    self_pid_with(&RealFs, proc_root)
}

/// [`self_pid`] through a [`Source`].
pub fn self_pid_with<S: Source>(src: &S, proc_root: &Path) -> Option<u32> {
    let target = src.read_link(&proc_root.join("self")).ok()?;
    numeric(target.as_os_str().as_bytes())
}

fn numeric(name: &[u8]) -> Option<u32> {
    if name.is_empty() || !name.iter().all(u8::is_ascii_digit) || name[0] == b'0' {
        return None;
    }
    std::str::from_utf8(name).ok()?.parse().ok()
}

/// The numeric entries of a directory that are not symbolic links,
/// ascending.
fn numeric_entries<S: Source>(src: &S, dir: &Path) -> io::Result<Vec<u32>> {
    let mut out: Vec<u32> = src
        .list(dir)?
        .iter()
        .filter(|e| !e.symlink)
        .filter_map(|e| numeric(e.name.as_bytes()))
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn gone(e: &io::Error) -> bool {
    // ESRCH shows up when a process dies between readdir and open.
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ESRCH)
}

fn denied(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied
}

/// The PIDs of `proc_root` (its numeric entries), ascending.
///
/// # Errors
///
/// [`Error::Io`] or [`Error::PermissionDenied`] when `proc_root` cannot be
/// listed.
pub fn pids(proc_root: &Path) -> Result<Vec<u32>> {
    pids_with(&RealFs, proc_root)
}

/// [`pids`] through a [`Source`].
///
/// # Errors
///
/// As [`pids`].
pub fn pids_with<S: Source>(src: &S, proc_root: &Path) -> Result<Vec<u32>> {
    numeric_entries(src, proc_root).map_err(|e| io_error(proc_root, e))
}

/// Every process of `proc_root` with its threads, by ascending PID.
///
/// # Errors
///
/// [`Error::Io`] or [`Error::PermissionDenied`] when `proc_root` cannot be
/// listed, or a `task/` directory fails for another reason than the
/// process's exit or a permission; [`Error::Malformed`] for a `stat` file
/// that is not one, or a file the [`Source`] refuses.
pub fn processes(proc_root: &Path) -> Result<Vec<Process>> {
    processes_with(&RealFs, proc_root)
}

/// [`processes`] through a [`Source`].
///
/// # Errors
///
/// As [`processes`].
pub fn processes_with<S: Source>(src: &S, proc_root: &Path) -> Result<Vec<Process>> {
    let mut out = Vec::new();
    let mut buf = FileBuf::new();
    let mut dir = proc_root.to_path_buf();
    for pid in pids_with(src, proc_root)? {
        dir.push(pid.to_string());
        let p = process(src, &mut dir, pid, &mut buf);
        dir.pop();
        if let Some(p) = p? {
            out.push(p);
        }
    }
    Ok(out)
}

/// One process; `Ok(None)` when it exited meanwhile.
fn process<S: Source>(
    src: &S,
    dir: &mut PathBuf,
    pid: u32,
    buf: &mut FileBuf,
) -> Result<Option<Process>> {
    dir.push("stat");
    let flags = match src.read(dir, MAX_FILE_SIZE, ReadMode::Once, buf) {
        Ok(()) => Some(parse::proc_stat_flags(buf.contents()).map_err(|e| e.at(&*dir))?),
        Err(e) if gone(&e) => {
            dir.pop();
            return Ok(None);
        }
        Err(e) if denied(&e) => None,
        Err(e) => return Err(io_error(dir, e)),
    };
    dir.pop();
    let Some(flags) = flags else {
        return Ok(Some(details(
            src,
            dir,
            Process::new(pid, vec![pid], false, false),
            buf,
        )));
    };
    if flags & PF_KTHREAD != 0 {
        return Ok(Some(details(
            src,
            dir,
            Process::new(pid, vec![pid], true, true),
            buf,
        )));
    }
    dir.push("task");
    let threads = match numeric_entries(src, dir) {
        Ok(threads) if threads.is_empty() => None, // exited
        Ok(threads) => Some(threads),
        Err(e) if gone(&e) => None,
        Err(e) if denied(&e) => Some(vec![pid]),
        Err(e) => return Err(io_error(dir, e)),
    };
    dir.pop();
    let Some(threads) = threads else {
        return Ok(None);
    };
    dir.push("exe");
    let exe = src.read_link(dir);
    dir.pop();
    let inspectable = !matches!(&exe, Err(e) if denied(e));
    let mut p = details(
        src,
        dir,
        Process::new(pid, threads, false, inspectable),
        buf,
    );
    p.exe = exe.ok();
    Ok(Some(p))
}

/// The most bytes of a `comm` file kept (the kernel's are at most 64).
const COMM_MAX: usize = 4096;

/// Reads a file of the process directory `dir`; `None` on any error.
fn small_file<'b, S: Source>(
    src: &S,
    dir: &mut PathBuf,
    name: &str,
    buf: &'b mut FileBuf,
) -> Option<&'b [u8]> {
    dir.push(name);
    let ok = src.read(dir, MAX_FILE_SIZE, ReadMode::Once, buf).is_ok();
    dir.pop();
    ok.then(|| buf.contents())
}

/// Fills in `comm`, `uid` and the cgroup facts of `p`, whose directory is
/// `dir`, each left `None` when unreadable (the process may be exiting).
fn details<S: Source>(src: &S, dir: &mut PathBuf, mut p: Process, buf: &mut FileBuf) -> Process {
    if let Some(c) = small_file(src, dir, "comm", buf) {
        let c = c.strip_suffix(b"\n").unwrap_or(c);
        p.comm = Some(OsString::from_vec(c[..c.len().min(COMM_MAX)].to_vec()));
    }
    p.uid = small_file(src, dir, "status", buf).and_then(|s| parse::proc_status_euid(s).ok());
    match small_file(src, dir, "cgroup", buf).and_then(cgroup::v2_path) {
        Some(path) => p.with_cgroup(path),
        None => p,
    }
}

/// The cgroup v2 path of a process (`<proc_root>/<pid>/cgroup`,
/// [`cgroup::v2_path`]); `None` when it cannot be read or has no v2 line.
/// [`Process::with_cgroup`] gives the unit and container it names.
pub fn cgroup_path(proc_root: &Path, pid: u32) -> Option<PathBuf> {
    let mut dir = proc_root.join(pid.to_string());
    let mut buf = FileBuf::new();
    small_file(&RealFs, &mut dir, "cgroup", &mut buf).and_then(cgroup::v2_path)
}

/// The command name of a process (`<proc_root>/<pid>/comm`), or of one of
/// its threads when `tid` is given (`<proc_root>/<pid>/task/<tid>/comm`);
/// `None` when it cannot be read (e.g. the task has exited, or the file is
/// not a regular file of at most [`MAX_FILE_SIZE`] bytes).  The name is
/// returned as the kernel gives it: print it through
/// [`parse::escape_text`].
pub fn comm(proc_root: &Path, pid: u32, tid: Option<u32>) -> Option<String> {
    comm_with(&RealFs, proc_root, pid, tid)
}

/// [`comm`] through a [`Source`].
pub fn comm_with<S: Source>(
    src: &S,
    proc_root: &Path,
    pid: u32,
    tid: Option<u32>,
) -> Option<String> {
    let mut p = proc_root.join(pid.to_string());
    if let Some(t) = tid {
        p.push("task");
        p.push(t.to_string());
    }
    p.push("comm");
    let mut buf = FileBuf::new();
    src.read(&p, MAX_FILE_SIZE, ReadMode::Once, &mut buf).ok()?;
    let bytes = buf.contents();
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// How [`task_domain`] learned a task's domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// `attr/landlock/domain` under the task's `/proc` directory: read
    /// through the open directory, so it is the domain of that very task,
    /// never of a task that reused its PID.
    ProcAttr,
    /// The tree's `tasks` file, on a kernel without `attr/landlock/` (the
    /// PID is read from the directory's name; a task that reused the PID
    /// between the two reads cannot be told apart).
    TasksFile,
}

/// A task's domain, as [`task_domain`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDomain {
    /// The task's domain, or `None`: the task runs in no domain this reader
    /// may see (it is not sandboxed, or it runs in the reader's own domain
    /// or in one that is not nested below it; the kernel does not say
    /// which).
    pub id: Option<DomainId>,
    /// Where it came from.
    pub via: Via,
}

/// Longest `attr/landlock/domain`: 16 digits and a newline, with room to
/// detect a longer one.
const ATTR_MAX: usize = 64;

/// The domain of a process (its thread-group leader), or of its thread
/// `tid`, given an open `/proc/<pid>` directory (`File::open("/proc/1234")`).
///
/// It reads `attr/landlock/domain` (or `task/<tid>/attr/landlock/domain`)
/// through the open directory (`/proc/self/fd/N/...`), so the answer is
/// about the process the directory was opened for, even if its PID has
/// been reused since.  On a kernel without that file it falls back to the
/// tree's `tasks` file ([`Via::TasksFile`]).
///
/// ```no_run
/// use landlock_audit::procfs::task_domain;
///
/// let dir = std::fs::File::open("/proc/1")?;
/// match task_domain(&dir, None)?.id {
///     Some(id) => println!("PID 1 runs in domain {id}"),
///     None => println!("PID 1 runs in no domain visible to me"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::PermissionDenied`] when the caller may not ptrace-read the
/// task (`PTRACE_MODE_READ_FSCREDS`); [`Error::Io`] with `ESRCH` or
/// `ENOENT` when it has exited (or `tid` is not one of its threads);
/// [`Error::Malformed`] for a file that is not a domain ID; on the
/// fallback, what [`Domains::read`] returns.
pub fn task_domain(proc_dir: &File, tid: Option<u32>) -> Result<TaskDomain> {
    let mut dir = PathBuf::from(format!("/proc/self/fd/{}", proc_dir.as_raw_fd()));
    if let Some(t) = tid {
        dir.push("task");
        dir.push(t.to_string());
    }
    let attr = dir.join("attr/landlock/domain");
    let mut buf = FileBuf::new();
    match RealFs.read(&attr, ATTR_MAX, ReadMode::Once, &mut buf) {
        Ok(()) => {
            let id = parse::proc_attr_domain(buf.contents()).map_err(|e| Error::Malformed {
                path: attr.clone(),
                line: e.line,
                reason: e.reason,
            })?;
            return Ok(TaskDomain {
                id,
                via: Via::ProcAttr,
            });
        }
        // No attr/landlock/ (or no such thread: told apart below).
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&attr, e)),
    }
    // The task must exist: then only the file is missing.
    let stat = dir.join("stat");
    RealFs
        .read(&stat, MAX_FILE_SIZE, ReadMode::Once, &mut buf)
        .map_err(|e| io_error(&stat, e))?;
    let tid = match tid {
        Some(t) => t,
        None => pid_of_dir(proc_dir)?,
    };
    let domains = Domains::read()?;
    let id = domains.domain_of_task(tid).map(|d| d.id);
    // The task may have exited (and its PID been reused) while the tree
    // was read: then the answer is not about it.
    RealFs
        .read(&stat, MAX_FILE_SIZE, ReadMode::Once, &mut buf)
        .map_err(|e| io_error(&stat, e))?;
    Ok(TaskDomain {
        id,
        via: Via::TasksFile,
    })
}

/// The PID a `/proc/<pid>` directory was opened for, from its path.
fn pid_of_dir(proc_dir: &File) -> Result<u32> {
    let link = PathBuf::from(format!("/proc/self/fd/{}", proc_dir.as_raw_fd()));
    let target = std::fs::read_link(&link).map_err(|e| io_error(&link, e))?;
    target
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Error::Malformed {
            path: link,
            line: 0,
            reason: format!(
                "not a /proc/<pid> directory: {}",
                parse::quote(target.as_os_str().as_bytes())
            ),
        })
}

#[cfg(test)]
mod task_domain_tests {
    use super::*;

    /// On a kernel without `attr/landlock/` (this host's, unless it runs
    /// the patched kernel), the fallback reads the tree; without a tree,
    /// that is an "unavailable" error, not a silent `None`.
    #[test]
    fn falls_back_to_the_tree_without_the_attr_file() {
        if Path::new("/proc/self/attr/landlock/domain").exists() {
            eprintln!(
                "SKIPPED: this kernel has /proc/<pid>/attr/landlock/ (the in-VM tests cover it)"
            );
            return;
        }
        let dir = File::open("/proc/self").unwrap();
        match task_domain(&dir, None) {
            Ok(d) => assert_eq!(d.via, Via::TasksFile),
            Err(e) => assert!(e.is_unavailable(), "{e}"),
        }
    }

    /// A thread that does not exist is an error, not "no domain".
    #[test]
    fn a_missing_thread_is_an_error() {
        let dir = File::open("/proc/self").unwrap();
        let e = task_domain(&dir, Some(u32::MAX)).unwrap_err();
        assert!(
            matches!(&e, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound),
            "{e}"
        );
    }

    /// The PID comes from the directory the descriptor stands for.
    #[test]
    fn the_pid_is_the_directory_name() {
        let me = std::process::id();
        let dir = File::open(format!("/proc/{me}")).unwrap();
        assert_eq!(pid_of_dir(&dir).unwrap(), me);
        let not_proc = File::open("/").unwrap();
        assert!(matches!(
            pid_of_dir(&not_proc),
            Err(Error::Malformed { .. })
        ));
    }
}
