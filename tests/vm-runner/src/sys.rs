//! Thin wrappers around the Landlock syscalls and `fork()`.

use std::io::{Error, Read};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Filesystem access rights (uapi `LANDLOCK_ACCESS_FS_*`).
pub struct Access;

impl Access {
    pub const READ_FILE: u64 = 1 << 2;
    pub const MAKE_DIR: u64 = 1 << 7;
    pub const MAKE_REG: u64 = 1 << 8;
    pub const MAKE_FIFO: u64 = 1 << 10;
    pub const MAKE_SYM: u64 = 1 << 12;
}

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

const CREATE_RULESET_VERSION: libc::c_long = 1;

/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`.
pub fn abi_version() -> Result<i64, Error> {
    // SAFETY: the VERSION query takes no attribute.
    let r = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    };
    if r < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A ruleset without rules: everything it handles is denied once enforced.
pub struct Ruleset(OwnedFd);

impl Ruleset {
    pub fn new(handled_access_fs: u64) -> Result<Self, String> {
        Self::with(handled_access_fs, 0, 0)
    }

    /// A ruleset handling filesystem and network rights and scopes.
    pub fn with(
        handled_access_fs: u64,
        handled_access_net: u64,
        scoped: u64,
    ) -> Result<Self, String> {
        let attr = RulesetAttr {
            handled_access_fs,
            handled_access_net,
            scoped,
        };
        // SAFETY: `attr` is a valid ruleset attribute of the given size.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_landlock_create_ruleset,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0,
            )
        };
        if fd < 0 {
            return Err(format!(
                "landlock_create_ruleset: {}",
                Error::last_os_error()
            ));
        }
        // SAFETY: the syscall returned a new file descriptor that we own.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd as RawFd) }))
    }

    /// The ruleset's descriptor, for calls with flags.
    pub fn fd(&self) -> RawFd {
        use std::os::fd::AsRawFd;
        self.0.as_raw_fd()
    }

    /// Enforces the ruleset on the calling thread (a new, nested domain).
    pub fn restrict_self(&self) -> Result<(), String> {
        use std::os::fd::AsRawFd;
        // SAFETY: plain prctl and syscall on a descriptor we own.
        let r = unsafe {
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            libc::syscall(libc::SYS_landlock_restrict_self, self.0.as_raw_fd(), 0)
        };
        if r < 0 {
            Err(format!(
                "landlock_restrict_self: {}",
                Error::last_os_error()
            ))
        } else {
            Ok(())
        }
    }
}

/// Runs `f` in a forked child and returns its result.  The runner is
/// single-threaded, so the child may do anything.
pub fn in_child(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(format!("pipe: {}", Error::last_os_error()));
    }
    // SAFETY: pipe2 returned two descriptors that we now own.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: single-threaded process.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", Error::last_os_error()));
    }
    if pid == 0 {
        drop(rd);
        let code = match f() {
            Ok(()) => 0,
            Err(msg) => {
                let mut w = std::fs::File::from(wr);
                let _ = std::io::Write::write_all(&mut w, msg.as_bytes());
                1
            }
        };
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    drop(wr);
    let mut msg = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut msg);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else if msg.is_empty() {
        Err(format!("child ended with status {status:#x}"))
    } else {
        Err(msg)
    }
}
