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

use crate::glue::{self, Generation, Watcher};
use kernel::{
    cred::Capability,
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

/// The queues, made with the tree and never freed: as many as introspect.c
/// names (`LANDLOCK_INTROSPECT_WAKE_BUCKETS` for the readers below a domain,
/// chosen by a keyed hash of the domain, and one for unsandboxed readers).
static WAIT: SetOnce<KVec<Pin<KBox<PollCondVar>>>> = SetOnce::new();

/// Makes what [`GenerationFile`] needs.  Called once, by the tree's
/// creation.
pub(crate) fn init() -> Result {
    let n = glue::generation_queues();
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
            .store(open.number(glue::generation(file.cred())), Relaxed);
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
        let number = open.number(glue::generation(file.cred()));
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
        let g = glue::generation(file.cred());
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
        let number = open.number(glue::generation(file.cred()));
        Ok(if number != open.seen.load(Relaxed) {
            PollEvents::READABLE.with(PollEvents::CHANGED)
        } else {
            PollEvents::NONE
        })
    }
}
