//! Waiting for the tree to change: the top-level `generation` file, or an
//! interval where there is none (feature `watch`).
//!
//! `<root>/generation` holds an opaque number ([`Generation`]) that changes
//! whenever the reader's view of the tree changes, and `poll()` on an open
//! descriptor reports `POLLPRI` once it changed since the descriptor last
//! read it (`Documentation/abi.rst`, "generation").  A [`Watcher`] opens it
//! when it can and otherwise falls back to an interval; [`Watcher::mode`]
//! says which, and why ([`Fallback`]):
//!
//! * the file is absent (`ENOENT`): a kernel without it;
//! * opening it is refused (`EACCES`/`EPERM`): it needs `CAP_SYS_PTRACE` in
//!   the initial user namespace;
//! * it is not on securityfs (a tree copied elsewhere, whose regular file
//!   can never signal a change);
//! * it signalled changes without changing, three times in a row (a
//!   misbehaving file: waiting on it would spin).
//!
//! The file is opened as every file of the tree is
//! ([`RealFs::open`]: `O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC`, regular files
//! only), read at most [`MAX_GENERATION_SIZE`] bytes at a time and parsed
//! strictly ([`parse::generation`]): a FIFO, a symbolic link, a huge file
//! or anything but `"N\n"` is [`Error::Malformed`], in either mode.
//!
//! Create the watcher *before* reading the tree, then read the tree again
//! after every wake-up that asks for it ([`Wake::should_reread`]): a change
//! that happens while the tree is read then wakes the next
//! [`Watcher::wait`].  Changes are coalesced: many changes may give one
//! wake-up.
//!
//! ```
//! use std::time::Duration;
//! use landlock_audit::watch::{Fallback, Mode, Wake, Watcher};
//! # let dir = tempfile::tempdir()?;
//! # let root = dir.path();
//!
//! // A tree without a generation file (a kernel without it).
//! let mut w = Watcher::new(root, Duration::from_millis(20))?;
//! assert_eq!(w.mode(), Mode::Interval(Fallback::Absent));
//! let mut reads = 0;
//! while reads < 2 {
//!     match w.wait(Some(Duration::from_secs(5)))? {
//!         Wake::Changed | Wake::Interval | Wake::Timeout => reads += 1, // read the tree again
//!         Wake::Interrupted => {} // a signal: check your flags
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On the live system, with the default root and a 10 s fallback:
//!
//! ```no_run
//! use std::time::Duration;
//! use landlock_audit::watch::Watcher;
//! use landlock_audit::{Domains, DEFAULT_ROOT};
//!
//! let mut w = Watcher::new(DEFAULT_ROOT, Duration::from_secs(10))?;
//! eprintln!("{}", w.mode());
//! loop {
//!     let domains = Domains::read()?;
//!     println!("{} domains", domains.len());
//!     while !w.wait(None)?.should_reread() {}
//! }
//! # Ok::<(), landlock_audit::Error>(())
//! ```

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use crate::source::{FileBuf, ReadMode, RealFs};
use crate::walk::io_error;
use crate::{parse, Error, Generation, Result};

/// The name of the file in the tree's top-level directory.
pub const GENERATION_FILE: &str = "generation";

/// The most bytes the `generation` file may hold: 32.  The kernel's is at
/// most 21 (the 20 digits of `u64::MAX` and a newline).
pub const MAX_GENERATION_SIZE: usize = 32;

/// How long a wake-up waits before it re-reads: the kernel counts a new
/// task when fork allocates it, an instant before it has a PID (its
/// `Documentation/ABI` entry), and changes made meanwhile join this
/// wake-up.
pub const SETTLE: Duration = Duration::from_millis(10);

/// How many wake-ups in a row may show an unchanged number before the
/// watcher stops trusting the file ([`Fallback::Unreliable`]).
pub const SPURIOUS_MAX: u32 = 3;

/// `SECURITYFS_MAGIC` (`include/uapi/linux/magic.h`): `f_type` of
/// securityfs in `statfs()`.
const SECURITYFS_MAGIC: i128 = 0x7363_6673;

/// How a [`Watcher`] learns of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `poll()` on the `generation` file: a change wakes the watcher at
    /// once.
    Generation,
    /// No usable `generation` file: the watcher wakes every interval, and
    /// the caller reads the tree again to see whether it changed.
    Interval(Fallback),
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Generation => f.write_str("watching the generation file"),
            Mode::Interval(why) => write!(f, "re-reading at an interval: {why}"),
        }
    }
}

/// Why a [`Watcher`] falls back to an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fallback {
    /// No `generation` file (`ENOENT`): a kernel without it (or no tree at
    /// the root at all).
    Absent,
    /// Opening or reading it was refused (`EACCES`/`EPERM`): it needs
    /// `CAP_SYS_PTRACE` in the initial user namespace.  Also taken when a
    /// read after a wake-up is refused (a watcher that dropped the
    /// capability after the open).
    PermissionDenied,
    /// It is a regular file that is not on securityfs: a copied tree,
    /// which cannot signal a change.
    NotSecurityfs,
    /// It signalled [`SPURIOUS_MAX`] changes in a row without its number
    /// changing.
    Unreliable,
}

impl fmt::Display for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fallback::Absent => "no generation file (a kernel without it, or a copied tree)",
            Fallback::PermissionDenied => {
                "the generation file needs CAP_SYS_PTRACE in the initial user namespace"
            }
            Fallback::NotSecurityfs => {
                "the generation file is not on securityfs (a copied tree cannot signal changes)"
            }
            Fallback::Unreliable => "the generation file signalled changes without changing",
        })
    }
}

/// What ended a [`Watcher::wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The generation changed ([`Mode::Generation`]): the view changed.
    Changed,
    /// The fallback interval passed ([`Mode::Interval`]): the view may have
    /// changed.  Also returned once when the watcher falls back to the
    /// interval while waiting ([`Fallback::Unreliable`]).
    Interval,
    /// The `timeout` passed first: nothing changed in generation mode; in
    /// interval mode, the next interval has not passed yet.
    Timeout,
    /// A signal interrupted `poll()` (`EINTR`): check whatever the signal
    /// handler set, and wait again.
    Interrupted,
}

impl Wake {
    /// Whether the caller should read the tree again: after
    /// [`Wake::Changed`] and [`Wake::Interval`]; not after a timeout or an
    /// interruption (for a caller that also refreshes at its own
    /// timeout, [`Wake::Timeout`] is its cue).
    pub fn should_reread(self) -> bool {
        matches!(self, Wake::Changed | Wake::Interval)
    }
}

/// What one `poll()` on the generation file gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Polled {
    /// `POLLPRI`, `POLLERR` (or another event the kernel forces).
    Signalled,
    TimedOut,
    Interrupted,
}

/// The I/O of generation mode, apart so that the state machine can be
/// tested without a kernel (a regular file never signals `POLLPRI`).
trait Notifier: fmt::Debug + Send {
    /// `poll()` for `POLLPRI`, at most `timeout` (`None`: forever).
    fn poll(&mut self, timeout: Option<Duration>) -> io::Result<Polled>;
    /// `lseek(0)` and read the contents (at most [`MAX_GENERATION_SIZE`]
    /// bytes, else [`crate::source::Refusal::TooLarge`]), which re-arms the notification.
    fn reread(&mut self) -> io::Result<Vec<u8>>;
}

/// The real `generation` file.
#[derive(Debug)]
struct GenerationFd(File);

/// Reads `r` to its end, at most [`MAX_GENERATION_SIZE`] bytes (else
/// [`crate::source::Refusal::TooLarge`]), as every tree file is read
/// ([`FileBuf::fill`]).
fn read_bounded(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut buf = FileBuf::new();
    buf.fill(r, MAX_GENERATION_SIZE, ReadMode::ToEof)?;
    Ok(buf.contents().to_vec())
}

/// `timeout` for `poll()`: `None` waits forever.
fn timespec(timeout: Option<Duration>) -> Option<Timespec> {
    // A timeout beyond what a timespec holds waits forever.
    timeout.and_then(|t| Timespec::try_from(t).ok())
}

/// `poll()` with `fds` (none: a sleep that a signal interrupts, which
/// `std::thread::sleep` is not).
fn poll_for(fds: &mut [PollFd<'_>], timeout: Option<Duration>) -> io::Result<Polled> {
    let ts = timespec(timeout);
    match rustix::event::poll(fds, ts.as_ref()) {
        Ok(0) => Ok(Polled::TimedOut),
        Ok(_) => Ok(Polled::Signalled),
        Err(rustix::io::Errno::INTR) => Ok(Polled::Interrupted),
        Err(e) => Err(e.into()),
    }
}

impl Notifier for GenerationFd {
    fn poll(&mut self, timeout: Option<Duration>) -> io::Result<Polled> {
        let mut fds = [PollFd::new(&self.0, PollFlags::PRI)];
        poll_for(&mut fds, timeout)
    }

    fn reread(&mut self) -> io::Result<Vec<u8>> {
        self.0.seek(SeekFrom::Start(0))?;
        read_bounded(&mut self.0)
    }
}

/// Sleeps `d`, or less when a signal interrupts it: whether it was.
fn sleep_interruptible(d: Duration) -> io::Result<bool> {
    Ok(poll_for(&mut [], Some(d))? == Polled::Interrupted)
}

#[derive(Debug)]
enum State {
    Generation {
        file: Box<dyn Notifier>,
        last: Generation,
        /// Wake-ups in a row whose number was unchanged.
        spurious: u32,
    },
    Interval {
        why: Fallback,
        /// When the next interval ends.
        next: Instant,
    },
}

/// Waits for the tree to change: see the [module](self) documentation.
#[derive(Debug)]
pub struct Watcher {
    path: PathBuf,
    interval: Duration,
    state: State,
}

impl Watcher {
    /// A watcher of the tree at `root` (e.g. [`crate::DEFAULT_ROOT`]):
    /// opens `<root>/generation` and reads it when it can, otherwise falls
    /// back to waking every `interval` (an `interval` of zero is taken as
    /// 1 ms).
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] when the file is not a regular file, is a
    /// symbolic link, holds more than [`MAX_GENERATION_SIZE`] bytes or is
    /// not `"N\n"` ([`parse::generation`]); [`Error::Io`] for other
    /// errors than `ENOENT`, `EACCES` and `EPERM`, which choose the
    /// fallback.
    pub fn new(root: impl AsRef<Path>, interval: Duration) -> Result<Self> {
        let path = root.as_ref().join(GENERATION_FILE);
        let interval = interval.max(Duration::from_millis(1));
        let fallback = |why| State::Interval {
            why,
            next: Instant::now() + interval,
        };
        let file = match RealFs::open(&path) {
            Ok(f) => f,
            Err(e) => {
                let state = match e.kind() {
                    io::ErrorKind::NotFound => fallback(Fallback::Absent),
                    io::ErrorKind::PermissionDenied => fallback(Fallback::PermissionDenied),
                    _ => return Err(io_error(&path, e)),
                };
                return Ok(Self {
                    path,
                    interval,
                    state,
                });
            }
        };
        let on_securityfs = rustix::fs::fstatfs(&file)
            .map_err(|e| io_error(&path, e.into()))
            .map(|s| i128::from(s.f_type) == SECURITYFS_MAGIC)?;
        let mut fd = GenerationFd(file);
        let last = match read_generation(&path, &mut fd) {
            Err(Error::PermissionDenied { .. }) => {
                return Ok(Self {
                    path,
                    interval,
                    state: fallback(Fallback::PermissionDenied),
                })
            }
            r => r?,
        };
        let state = if on_securityfs {
            State::Generation {
                file: Box::new(fd),
                last,
                spurious: 0,
            }
        } else {
            fallback(Fallback::NotSecurityfs)
        };
        Ok(Self {
            path,
            interval,
            state,
        })
    }

    /// How this watcher learns of changes.
    pub fn mode(&self) -> Mode {
        match &self.state {
            State::Generation { .. } => Mode::Generation,
            State::Interval { why, .. } => Mode::Interval(*why),
        }
    }

    /// The last generation read, in generation mode.
    pub fn generation(&self) -> Option<Generation> {
        match &self.state {
            State::Generation { last, .. } => Some(*last),
            State::Interval { .. } => None,
        }
    }

    /// The fallback interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The `generation` file's path (`<root>/generation`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sleeps until the tree changes ([`Wake::Changed`], generation mode),
    /// the interval ends ([`Wake::Interval`], interval mode), `timeout`
    /// passes ([`Wake::Timeout`]; `None`: no timeout) or a signal
    /// interrupts the sleep ([`Wake::Interrupted`]).
    ///
    /// In generation mode, a wake-up waits [`SETTLE`] (so that a task whose
    /// creation woke it has its PID), then re-reads the number from offset 0,
    /// which re-arms the notification; one that finds the number unchanged
    /// is ignored, and [`SPURIOUS_MAX`] of them in a row switch the
    /// watcher to the interval ([`Fallback::Unreliable`], returning
    /// [`Wake::Interval`]).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `poll()` or the read fails (but for `EACCES` and
    /// `EPERM`, which switch the watcher to the interval,
    /// [`Fallback::PermissionDenied`], returning [`Wake::Interval`]);
    /// [`Error::Malformed`] when the file no longer holds a generation.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<Wake> {
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        // `Some(None)`: a timeout beyond what an `Instant` holds: none.
        let deadline = deadline.flatten();
        loop {
            let now = Instant::now();
            let left = deadline.map(|d| d.saturating_duration_since(now));
            match &mut self.state {
                State::Interval { next, .. } => {
                    let until_tick = next.saturating_duration_since(now);
                    let (sleep, ticks) = match left {
                        Some(l) if l < until_tick => (l, false),
                        _ => (until_tick, true),
                    };
                    if sleep_interruptible(sleep).map_err(|e| io_error(&self.path, e))? {
                        return Ok(Wake::Interrupted);
                    }
                    if !ticks {
                        return Ok(Wake::Timeout);
                    }
                    // The next interval starts now, not at the missed
                    // deadline: a caller slower than the interval does not
                    // get a burst of wake-ups.
                    *next = Instant::now() + self.interval;
                    return Ok(Wake::Interval);
                }
                State::Generation {
                    file,
                    last,
                    spurious,
                } => {
                    match file.poll(left).map_err(|e| io_error(&self.path, e))? {
                        Polled::Interrupted => return Ok(Wake::Interrupted),
                        Polled::TimedOut => return Ok(Wake::Timeout),
                        Polled::Signalled => {}
                    }
                    // The kernel counts a new task when fork allocates it,
                    // an instant before it has a PID that the tree can
                    // show: let fork finish before the caller reads.
                    if sleep_interruptible(SETTLE).map_err(|e| io_error(&self.path, e))? {
                        return Ok(Wake::Interrupted);
                    }
                    let now_gen = match read_generation(&self.path, file.as_mut()) {
                        // The capability was dropped since the open: the
                        // kernel checks it at every read and poll().
                        Err(Error::PermissionDenied { .. }) => {
                            self.state = State::Interval {
                                why: Fallback::PermissionDenied,
                                next: Instant::now() + self.interval,
                            };
                            return Ok(Wake::Interval);
                        }
                        r => r?,
                    };
                    match step(last, spurious, now_gen) {
                        Step::Changed => return Ok(Wake::Changed),
                        Step::Same => {
                            if left.is_some_and(|l| l.is_zero()) {
                                return Ok(Wake::Timeout);
                            }
                        }
                        Step::Unreliable => {
                            self.state = State::Interval {
                                why: Fallback::Unreliable,
                                next: Instant::now() + self.interval,
                            };
                            return Ok(Wake::Interval);
                        }
                    }
                }
            }
        }
    }

    /// A watcher in generation mode over `file` (the tests' fake).
    #[cfg(test)]
    fn with_notifier(mut file: Box<dyn Notifier>, interval: Duration) -> Result<Self> {
        let path = PathBuf::from("/t/generation");
        let last = read_generation(&path, file.as_mut())?;
        Ok(Self {
            path,
            interval,
            state: State::Generation {
                file,
                last,
                spurious: 0,
            },
        })
    }
}

/// Reads and parses the generation.
fn read_generation(path: &Path, file: &mut dyn Notifier) -> Result<Generation, Error> {
    let bytes = file.reread().map_err(|e| io_error(path, e))?;
    parse::generation(&bytes).map_err(|e| e.at(path))
}

/// What a wake-up that read `now` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Changed,
    /// Unchanged: ignored.
    Same,
    /// [`SPURIOUS_MAX`] unchanged wake-ups in a row.
    Unreliable,
}

/// The state machine of generation mode: a wake-up that read `now`, after
/// `last` and `spurious` unchanged wake-ups in a row.
fn step(last: &mut Generation, spurious: &mut u32, now: Generation) -> Step {
    if now != *last {
        *last = now;
        *spurious = 0;
        return Step::Changed;
    }
    *spurious += 1;
    if *spurious >= SPURIOUS_MAX {
        Step::Unreliable
    } else {
        Step::Same
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Refusal;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    /// A scripted generation file: each `poll()` takes the next outcome
    /// (`TimedOut` when the script is over), each read the next contents.
    #[derive(Debug, Default)]
    struct Script {
        polls: VecDeque<io::Result<Polled>>,
        reads: VecDeque<io::Result<Vec<u8>>>,
        /// The timeouts `poll()` was given.
        timeouts: Vec<Option<Duration>>,
    }

    #[derive(Debug, Clone, Default)]
    struct Fake(Arc<Mutex<Script>>);

    impl Notifier for Fake {
        fn poll(&mut self, timeout: Option<Duration>) -> io::Result<Polled> {
            let mut s = self.0.lock().unwrap();
            s.timeouts.push(timeout);
            s.polls.pop_front().unwrap_or(Ok(Polled::TimedOut))
        }
        fn reread(&mut self) -> io::Result<Vec<u8>> {
            let mut s = self.0.lock().unwrap();
            s.reads
                .pop_front()
                .unwrap_or_else(|| Err(io::Error::other("no more reads scripted")))
        }
    }

    fn fake(polls: Vec<io::Result<Polled>>, reads: &[&[u8]]) -> Fake {
        Fake(Arc::new(Mutex::new(Script {
            polls: polls.into(),
            reads: reads.iter().map(|r| Ok(r.to_vec())).collect(),
            timeouts: Vec::new(),
        })))
    }

    const SEC: Option<Duration> = Some(Duration::from_secs(1));

    #[test]
    fn a_change_wakes_and_re_arms() {
        use Polled::*;
        let f = fake(
            vec![Ok(Signalled), Ok(Signalled)],
            &[b"5\n", b"9\n", b"2\n"],
        );
        let mut w = Watcher::with_notifier(Box::new(f.clone()), Duration::from_secs(10)).unwrap();
        assert_eq!(w.mode(), Mode::Generation);
        assert_eq!(w.generation(), Some(Generation::new(5)));
        assert_eq!(w.wait(None).unwrap(), Wake::Changed);
        assert_eq!(w.generation(), Some(Generation::new(9)));
        // Opaque: a smaller number is a change too.
        assert_eq!(w.wait(SEC).unwrap(), Wake::Changed);
        assert_eq!(w.generation(), Some(Generation::new(2)));
        assert_eq!(w.wait(SEC).unwrap(), Wake::Timeout);
        let s = f.0.lock().unwrap();
        assert_eq!(s.timeouts[0], None);
        assert!(s.timeouts[1].is_some_and(|t| t <= Duration::from_secs(1)));
        // Every wake-up read the file again (the re-arm); the timeout did not.
        assert!(s.reads.is_empty());
    }

    #[test]
    fn interruptions_and_timeouts_pass_through() {
        use Polled::*;
        let f = fake(vec![Ok(Interrupted), Ok(TimedOut)], &[b"1\n"]);
        let mut w = Watcher::with_notifier(Box::new(f), Duration::from_secs(10)).unwrap();
        assert_eq!(w.wait(None).unwrap(), Wake::Interrupted);
        assert_eq!(w.wait(SEC).unwrap(), Wake::Timeout);
        assert_eq!(w.mode(), Mode::Generation);
    }

    #[test]
    fn an_unchanged_wake_up_is_ignored_and_repeated_ones_fall_back() {
        use Polled::*;
        // One spurious wake-up, then a change: Changed, still watching.
        let f = fake(
            vec![Ok(Signalled), Ok(Signalled)],
            &[b"1\n", b"1\n", b"3\n"],
        );
        let mut w = Watcher::with_notifier(Box::new(f), Duration::from_secs(10)).unwrap();
        assert_eq!(w.wait(SEC).unwrap(), Wake::Changed);
        assert_eq!(w.mode(), Mode::Generation);
        // SPURIOUS_MAX in a row: the interval, and the caller is told to
        // re-read.
        let f = fake(
            vec![Ok(Signalled), Ok(Signalled), Ok(Signalled)],
            &[b"1\n", b"1\n", b"1\n", b"1\n"],
        );
        let mut w = Watcher::with_notifier(Box::new(f), Duration::from_millis(5)).unwrap();
        assert_eq!(w.wait(SEC).unwrap(), Wake::Interval);
        assert_eq!(w.mode(), Mode::Interval(Fallback::Unreliable));
        assert_eq!(w.generation(), None);
        // From then on, the interval.
        assert_eq!(w.wait(SEC).unwrap(), Wake::Interval);
    }

    #[test]
    fn the_state_machine_counts_unchanged_wake_ups_in_a_row() {
        let (mut last, mut n) = (Generation::new(7), 0);
        assert_eq!(step(&mut last, &mut n, Generation::new(7)), Step::Same);
        assert_eq!(step(&mut last, &mut n, Generation::new(7)), Step::Same);
        assert_eq!(step(&mut last, &mut n, Generation::new(8)), Step::Changed);
        assert_eq!((last, n), (Generation::new(8), 0));
        for _ in 1..SPURIOUS_MAX {
            assert_eq!(step(&mut last, &mut n, Generation::new(8)), Step::Same);
        }
        assert_eq!(
            step(&mut last, &mut n, Generation::new(8)),
            Step::Unreliable
        );
    }

    #[test]
    fn bad_contents_after_a_wake_up_are_errors_naming_the_file() {
        use Polled::*;
        for bad in [&b""[..], b"12", b"x\n", b"01\n", b"1\n2\n", b" 1\n"] {
            let f = fake(vec![Ok(Signalled)], &[b"1\n", bad]);
            let mut w = Watcher::with_notifier(Box::new(f), Duration::from_secs(1)).unwrap();
            match w.wait(SEC) {
                Err(Error::Malformed { path, .. }) => {
                    assert_eq!(path, Path::new("/t/generation"))
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        // A read that is too large, and a poll that fails.
        let f = Fake(Arc::new(Mutex::new(Script {
            polls: vec![
                Ok(Signalled),
                Err(io::Error::from_raw_os_error(libc::EBADF)),
            ]
            .into(),
            reads: vec![
                Ok(b"1\n".to_vec()),
                Err(Refusal::TooLarge {
                    limit: MAX_GENERATION_SIZE,
                }
                .into_io()),
            ]
            .into(),
            timeouts: Vec::new(),
        })));
        let mut w = Watcher::with_notifier(Box::new(f), Duration::from_secs(1)).unwrap();
        assert!(matches!(w.wait(SEC), Err(Error::Malformed { .. })));
        assert!(matches!(w.wait(SEC), Err(Error::Io { .. })));
    }

    #[test]
    fn a_read_refused_after_a_wake_up_falls_back_to_the_interval() {
        use Polled::*;
        let f = Fake(Arc::new(Mutex::new(Script {
            polls: vec![Ok(Signalled)].into(),
            reads: vec![
                Ok(b"1\n".to_vec()),
                Err(io::Error::from_raw_os_error(libc::EACCES)),
            ]
            .into(),
            timeouts: Vec::new(),
        })));
        let mut w = Watcher::with_notifier(Box::new(f), Duration::from_millis(5)).unwrap();
        assert_eq!(w.wait(SEC).unwrap(), Wake::Interval);
        assert_eq!(w.mode(), Mode::Interval(Fallback::PermissionDenied));
        assert_eq!(w.wait(SEC).unwrap(), Wake::Interval);
    }

    #[test]
    fn read_bounded_refuses_more_than_the_limit() {
        let ok = [b'1'; MAX_GENERATION_SIZE];
        assert_eq!(
            read_bounded(&mut &ok[..]).unwrap().len(),
            MAX_GENERATION_SIZE
        );
        let e = read_bounded(&mut io::repeat(b'1')).unwrap_err();
        assert_eq!(
            Refusal::of(&e),
            Some(&Refusal::TooLarge {
                limit: MAX_GENERATION_SIZE
            })
        );
    }

    #[test]
    fn interval_mode_ticks_and_times_out() {
        let dir = std::env::temp_dir().join(format!("la-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut w = Watcher::new(&dir, Duration::from_millis(30)).unwrap();
        assert_eq!(w.mode(), Mode::Interval(Fallback::Absent));
        assert_eq!(w.generation(), None);
        let t = Instant::now();
        assert_eq!(w.wait(Some(Duration::ZERO)).unwrap(), Wake::Timeout);
        assert_eq!(w.wait(None).unwrap(), Wake::Interval);
        assert!(t.elapsed() >= Duration::from_millis(30));
        // A timeout shorter than the interval ends first; the interval
        // still ends on time after it.
        assert_eq!(
            w.wait(Some(Duration::from_millis(1))).unwrap(),
            Wake::Timeout
        );
        assert_eq!(
            w.wait(Some(Duration::from_secs(5))).unwrap(),
            Wake::Interval
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
