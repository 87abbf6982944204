//! The few facts the library needs from `/proc`: processes, their threads and
//! their command names.
//!
//! PIDs in the tree are those of the reader's PID namespace, so the `/proc`
//! given here must be mounted for the same PID namespace.  Processes that exit
//! while `/proc` is read are skipped.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A process of `/proc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its PID (TGID).
    pub pid: u32,
    /// Its thread IDs, ascending.  When `task/` cannot be listed (e.g.
    /// `hidepid=1`), the main thread alone.
    pub threads: Vec<u32>,
}

fn numeric(name: &std::ffi::OsStr) -> Option<u32> {
    let s = name.to_str()?;
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// The numeric entries of a directory, ascending.
fn numeric_entries(dir: &Path) -> io::Result<Vec<u32>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        if let Some(n) = numeric(&e?.file_name()) {
            out.push(n);
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn gone(e: &io::Error) -> bool {
    // ESRCH shows up when a process dies between readdir and open.
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(3)
}

/// The PIDs of `proc_root` (its numeric entries), ascending.
///
/// # Errors
///
/// [`Error::Io`] or [`Error::PermissionDenied`] when `proc_root` cannot be
/// listed.
pub fn pids(proc_root: &Path) -> Result<Vec<u32>> {
    numeric_entries(proc_root).map_err(|e| Error::from_io(proc_root, e))
}

/// Every process of `proc_root` with its threads, by ascending PID.
///
/// # Errors
///
/// [`Error::Io`] or [`Error::PermissionDenied`] when `proc_root` cannot be
/// listed, or a `task/` directory fails for another reason than the
/// process's exit or a permission.
pub fn processes(proc_root: &Path) -> Result<Vec<Process>> {
    let mut out = Vec::new();
    for pid in pids(proc_root)? {
        let task_dir: PathBuf = proc_root.join(pid.to_string()).join("task");
        match numeric_entries(&task_dir) {
            Ok(threads) if threads.is_empty() => {} // exited
            Ok(threads) => out.push(Process { pid, threads }),
            Err(e) if gone(&e) => {}
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => out.push(Process {
                pid,
                threads: vec![pid],
            }),
            Err(e) => {
                return Err(Error::Io {
                    path: task_dir,
                    source: e,
                })
            }
        }
    }
    Ok(out)
}

/// The command name of a process (`<proc_root>/<pid>/comm`), or of one of
/// its threads when `tid` is given (`<proc_root>/<pid>/task/<tid>/comm`);
/// `None` when it cannot be read (e.g. the task has exited).
pub fn comm(proc_root: &Path, pid: u32, tid: Option<u32>) -> Option<String> {
    let mut p = proc_root.join(pid.to_string());
    if let Some(t) = tid {
        p = p.join("task").join(t.to_string());
    }
    let bytes = fs::read(p.join("comm")).ok()?;
    let s = String::from_utf8_lossy(&bytes);
    Some(s.strip_suffix('\n').unwrap_or(&s).to_owned())
}
