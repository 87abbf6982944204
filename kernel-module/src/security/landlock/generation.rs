// SPDX-License-Identifier: GPL-2.0-only

//! `generation`: a number that changes whenever a domain below the
//! reader's appears or ends, or a task enters or leaves one, and `poll()`
//! to wait for that.
//!
//! introspect.c counts these changes, while a generation file is open, per
//! domain for the readers in its strict ancestors and in total for
//! unsandboxed readers.  A reader's count is that of the deepest of its
//! domains (the opener's and the reading task's), so a change that rule 1
//! hides from it (in its own domain, a sibling's, an ancestor's) changes
//! nothing it reads, and wakes it only when its domain shares a wake-up
//! queue with one that sees the change (a keyed choice among 256).
//!
//! The number shown is a keyed hash of the reader's view and count under a
//! key drawn for each open file: within one open file it changes exactly
//! when the count or the view does (but for a 2^-64 chance of collision);
//! across open files numbers mean nothing, so they tell no count, no order
//! and whether two readers see the same.
//!
//! Rule 2, the ptrace check, cannot be kept by a counter, nor can the PID
//! namespace condition: so every open, read and poll needs CAP_SYS_PTRACE
//! in the initial user namespace, in both the subjective and the objective
//! credentials of the task, and the initial PID namespace (`EACCES`
//! otherwise).  Such a reader passes the ptrace check on every task but
//! those another LSM refuses it.

use crate::glue::{self, raw};
use kernel::{
    cred::{Capability, Credential},
    fs::{
        dynfs::{FileNode, Node, PollEvents},
        file::{LocalFile, Offset},
        File,
    },
    new_poll_condvar,
    pid_namespace::PidNamespace,
    prelude::*,
    siphash,
    sync::{
        atomic::{Atomic, Relaxed},
        poll::{PollCondVar, PollTable},
        SetOnce,
    },
    uaccess::UserSliceWriter,
};

/// What a generation file counts for one reader
/// (`landlock_introspect_generation()` in introspect_api.h).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generation {
    /// What the reader sees below: the deepest of its domains' counter, 0
    /// for an unsandboxed reader, `u64::MAX` for unrelated domains.
    pub(crate) view: u64,
    /// The count of changes of that view.
    pub(crate) count: u64,
    /// The queue whose pollers a change of the count wakes (the last is
    /// unsandboxed readers'); out of range for a view that never changes.
    pub(crate) wake_bucket: u32,
}

/// What the reader made of `opener` (a generation file's credentials) and
/// the current task sees change.  Takes no lock.
pub(crate) fn generation(opener: &Credential) -> Generation {
    let (mut view, mut wake_bucket) = (0, 0);
    // SAFETY: `opener` is live for the call; the two pointers are writable.
    let count = unsafe { raw::landlock_introspect_generation(opener, &mut view, &mut wake_bucket) };
    Generation {
        view,
        count,
        wake_bucket,
    }
}

/// How many wake-up queues introspect.c names (its keyed ones and the
/// unsandboxed readers').
pub(crate) fn generation_queues() -> usize {
    // SAFETY: no precondition.
    unsafe { raw::landlock_introspect_generation_queues() }
}

/// A generation file is open until the [`Watcher`] is dropped: changes
/// are counted only while one is.
pub(crate) struct Watcher(());

impl Watcher {
    /// Counts an open generation file.  Read [`generation()`] after this:
    /// a change it does not see is counted.
    pub(crate) fn new() -> Self {
        // SAFETY: no precondition; undone once, by `drop`.
        unsafe { raw::landlock_introspect_generation_open() };
        Self(())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // SAFETY: once per `landlock_introspect_generation_open()` (`new`).
        unsafe { raw::landlock_introspect_generation_close() };
    }
}

/// The queues, made with the tree and never freed: as many as introspect.c
/// names (`LANDLOCK_INTROSPECT_WAKE_BUCKETS` for the readers below a domain,
/// chosen by a keyed hash of the domain, and one for unsandboxed readers).
static WAIT: SetOnce<KVec<Pin<KBox<PollCondVar>>>> = SetOnce::new();

/// Makes what [`GenerationFile`] needs.  Called once, by the tree's
/// creation.
pub(crate) fn init() -> Result {
    let n = generation_queues();
    let mut queues = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        queues.push(
            KBox::pin_init(new_poll_condvar!("landlock_generation"), GFP_KERNEL)?,
            GFP_KERNEL,
        )?;
    }
    if !WAIT.populate(queues) {
        return Err(EEXIST);
    }
    Ok(())
}

/// Wakes the pollers waiting in queue `bucket`, each of which then checks
/// its own count.  Called by introspect.c from an irq_work, after changes
/// counted for that queue.
#[no_mangle]
pub(crate) extern "C" fn landlock_introspect_generation_wake(bucket: usize) {
    if let Some(wait) = WAIT.as_ref().and_then(|w| w.get(bucket)) {
        wait.notify_all();
    }
}

/// Whether the current task may use a generation file: CAP_SYS_PTRACE in
/// the initial user namespace in both its subjective and objective
/// credentials (an overlayfs mounter's or an io_uring personality's
/// credentials cannot lend it), and the initial PID namespace (the count
/// includes tasks without a PID in a child namespace).
fn allowed() -> bool {
    let task = kernel::current!();
    let in_init_ns = task
        .active_pid_ns()
        .is_some_and(|ns| core::ptr::eq(ns, PidNamespace::init_ns()));
    in_init_ns
        && glue::with_current_cred(task, |c| c.capable_noaudit(Capability::SYS_PTRACE))
        && glue::with_current_real_cred(task, |c| c.capable_noaudit(Capability::SYS_PTRACE))
}

/// The top-level `generation` file.
pub(crate) struct GenerationFile;

/// An open generation file.
pub(crate) struct Open {
    /// The key of this file's numbers.
    key: siphash::Key,
    /// The number this file last showed (at a read from offset 0), or the
    /// one at open.  `poll()` reports a change when the number differs.
    seen: Atomic<u64>,
    /// Changes are counted while the file is open.
    _watcher: Watcher,
}

impl Open {
    /// The number shown for `g`: a keyed hash of the view, combined with
    /// the count, hashed again.
    fn number(&self, g: Generation) -> u64 {
        self.key.hash_u64(self.key.hash_u64(g.view) ^ g.count)
    }
}

impl Node for GenerationFile {
    type Open = Open;

    /// A top-level file, made by securityfs: never asked.
    fn visible(_key: u64) -> Result<bool> {
        Ok(true)
    }

    /// See [`allowed`]; `EACCES` otherwise.
    fn open(_key: u64, file: &LocalFile) -> Result<Open> {
        if !allowed() {
            return Err(EACCES);
        }
        // Counting first: a change the count below misses is counted.
        let watcher = Watcher::new();
        let open = Open {
            key: siphash::Key::random(),
            seen: Atomic::new(0),
            _watcher: watcher,
        };
        open.seen
            .store(open.number(generation(file.cred())), Relaxed);
        Ok(open)
    }
}

#[vtable]
impl FileNode for GenerationFile {
    /// The number for the reading task, in decimal and a newline.  A read
    /// from offset 0 that succeeds re-arms `poll()` with it.
    fn read(
        _key: u64,
        open: &Open,
        file: &LocalFile,
        out: &mut UserSliceWriter,
        pos: &mut Offset,
    ) -> Result<usize> {
        if !allowed() {
            return Err(EACCES);
        }
        let start = *pos;
        let number = open.number(generation(file.cred()));
        let mut content = crate::format::Buf::new();
        content.num(number)?;
        content.bytes(b"\n")?;
        let n = out.write_slice_file(&content.0, pos)?;
        if start == 0 {
            open.seen.store(number, Relaxed);
        }
        Ok(n)
    }

    /// Readable and changed once the number for the polling task differs
    /// from the one the file last showed; nothing otherwise (so a wake-up
    /// that changed nothing reaches no poller, epoll or io_uring).
    fn poll(_key: u64, open: &Open, file: &File, table: &PollTable<'_>) -> Result<PollEvents> {
        if !allowed() {
            return Err(EACCES);
        }
        let g = generation(file.cred());
        // Registered before the number is compared: a change after the
        // comparison wakes this poller.  A view that never changes (the
        // reader's domains are unrelated) has no queue.
        let queue = usize::try_from(g.wake_bucket)
            .ok()
            .and_then(|b| WAIT.as_ref().and_then(|w| w.get(b)));
        if let Some(queue) = queue {
            table.register_wait(file, queue);
        }
        // Counted again after the registration.
        let number = open.number(generation(file.cred()));
        Ok(if number != open.seen.load(Relaxed) {
            PollEvents::READABLE.with(PollEvents::CHANGED)
        } else {
            PollEvents::NONE
        })
    }
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_generation)]
mod tests {
    use super::*;
    use crate::registry::{testing, Registry};

    const A: u64 = 1 << 60;

    /// The counts of changes seen from A, B, C, D (see below) and by an
    /// unsandboxed reader.
    fn counts(r: &Registry) -> Result<[u64; 5]> {
        Ok([
            testing::events(r, Some(A))?,
            testing::events(r, Some(A + 1))?,
            testing::events(r, Some(A + 2))?,
            testing::events(r, Some(A + 3))?,
            testing::events(r, None)?,
        ])
    }

    /// How much each count grew from `before` to `after`.
    fn grew(before: [u64; 5], after: [u64; 5]) -> [u64; 5] {
        core::array::from_fn(|i| after[i] - before[i])
    }

    /// While a generation file is open, a domain appearing or ending and a
    /// task entering or leaving one count for the readers in the domain's
    /// strict ancestors and for unsandboxed ones, never for a reader in the
    /// domain itself or beside it.
    #[test]
    fn changes_count_for_the_strict_ancestors_only() -> Result {
        let watching = Watcher::new();
        // A > B > C, and D beside B: B counts for A, C for A and B, D for A.
        let mut r = testing::registry_of(&[(A, 0), (A + 1, A), (A + 2, A + 1), (A + 3, A)])?;
        let made = counts(&r)?;
        assert_eq!(&made[..4], &[3, 1, 0, 0]);
        // Enters C: A and B see it.
        let t = testing::add_task(&mut r, A + 2)?;
        let n = counts(&r)?;
        assert_eq!(&grew(made, n)[..4], &[1, 1, 0, 0]);
        assert!(n[4] > made[4]);
        // Leaves C for D: A and B see it leave, A sees it enter D.
        testing::move_task(&r, t, A + 3)?;
        let m = counts(&r)?;
        assert_eq!(&grew(n, m)[..4], &[2, 1, 0, 0]);
        assert!(m[4] >= n[4] + 2);
        // Leaves D for A, the root: only A sees it leave D.
        testing::move_task(&r, t, A)?;
        let o = counts(&r)?;
        assert_eq!(&grew(m, o)[..4], &[1, 0, 0, 0]);
        // C ends: A and B see it.
        testing::free_leaf(&mut r, A + 2)?;
        assert_eq!(testing::events(&r, Some(A))?, o[0] + 1);
        assert_eq!(testing::events(&r, Some(A + 1))?, o[1] + 1);
        // A hierarchy that never was registered ends unseen.
        assert!(testing::free_unregistered_child(&r, A + 1));
        assert_eq!(testing::events(&r, Some(A + 1))?, o[1] + 1);
        // Without an open generation file, nothing is counted.
        drop(watching);
        let a_and_b = |r: &Registry| -> Result<[u64; 2]> {
            Ok([
                testing::events(r, Some(A))?,
                testing::events(r, Some(A + 1))?,
            ])
        };
        let p = a_and_b(&r)?;
        testing::move_task(&r, t, A + 3)?;
        assert_eq!(a_and_b(&r)?, p);
        Ok(())
    }
}
