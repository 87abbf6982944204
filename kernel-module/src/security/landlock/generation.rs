// SPDX-License-Identifier: GPL-2.0-only

//! `generation`: a number that changes whenever the reader's view changes,
//! and `poll()` to wait for that.
//!
//! A reader's view changes when a domain strictly below its domain (all
//! domains, for an unsandboxed reader) appears or ends, or when a task
//! enters or leaves such a domain.  introspect.c counts these changes per
//! domain, for the readers in its strict ancestors, and in total, for
//! unsandboxed readers; the file shows a keyed permutation of the reader's
//! count ([`GENERATION_IDS`]), so the number tells whether something
//! changed, never how much, nor in what order, and is never a domain's ID.
//!
//! A change in a domain that rule 1 hides from the reader (its own, a
//! sibling's, an ancestor's) changes neither the number nor what `poll()`
//! reports.  Rule 2, the ptrace check, cannot be kept per reader at the cost
//! of one counter: a change in a domain whose tasks the reader may not
//! trace would change its number.  So the file is privileged, as `creator`
//! is: opening it takes CAP_SYS_PTRACE in the initial user namespace, which
//! passes the ptrace check on every task but those other LSMs refuse.
//!
//! Pollers are woken from a workqueue (introspect.c), all of them, each of
//! whom then compares its own count: whoever makes a change pays one
//! `schedule_work()` at most, never a walk of the pollers.

use crate::{
    format::Buf,
    glue::{self, Watcher},
    id::{GENERATION_IDS, ID_MIN},
    view::Reader,
};
use kernel::{
    fs::{
        dynfs::{FileNode, Node, PollEvents},
        file::{LocalFile, Offset},
        File,
    },
    new_poll_condvar,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        poll::{PollCondVar, PollTable},
        SetOnce,
    },
    uaccess::UserSliceWriter,
};

/// What wakes the pollers of generation files, made with the tree and
/// never freed.
static WAIT: SetOnce<Pin<KBox<PollCondVar>>> = SetOnce::new();

/// Makes what [`GenerationFile`] needs.  Called once, by the tree's
/// creation.
pub(crate) fn init() -> Result {
    let wait = KBox::pin_init(new_poll_condvar!("landlock_generation"), GFP_KERNEL)?;
    if !WAIT.populate(wait) {
        return Err(EEXIST);
    }
    Ok(())
}

/// Wakes every poller of a generation file, each of which then checks its
/// own count.  Called by introspect.c from a workqueue, after a change,
/// while generation files are open.
#[no_mangle]
pub(crate) extern "C" fn landlock_introspect_generation_wake() {
    if let Some(wait) = WAIT.as_ref() {
        wait.notify_all();
    }
}

/// The top-level `generation` file.
pub(crate) struct GenerationFile;

/// An open generation file.
pub(crate) struct Open {
    /// The count this file last showed (at a read from offset 0), or found
    /// at open.  `poll()` reports a change when the count differs.
    seen: Atomic<u64>,
    /// Counts the file among the open ones while it is.
    _watcher: Watcher,
}

/// The content shown for `count`: its keyed permutation, in decimal, and a
/// newline.
fn render(count: u64) -> Result<Buf> {
    // `ID_MIN + count` is in the permutation's domain for 15 * 2^60 changes.
    let number = GENERATION_IDS
        .get_or_draw()?
        .id(ID_MIN.saturating_add(count));
    let mut out = Buf::new();
    out.num(number)?;
    out.bytes(b"\n")?;
    Ok(out)
}

impl Node for GenerationFile {
    type Open = Open;

    /// A top-level file, made by securityfs: never asked.
    fn visible(_key: u64) -> Result<bool> {
        Ok(true)
    }

    /// CAP_SYS_PTRACE in the initial user namespace, else `EACCES`.
    fn open(_key: u64, file: &LocalFile) -> Result<Open> {
        if !Reader::with_current(|r| r.privileged()).ok_or(ESRCH)? {
            return Err(EACCES);
        }
        // Counted first: a change the count below misses wakes its pollers.
        let watcher = Watcher::new();
        Ok(Open {
            seen: Atomic::new(glue::generation(file.cred())),
            _watcher: watcher,
        })
    }
}

#[vtable]
impl FileNode for GenerationFile {
    /// A read from offset 0 takes the count anew (and `poll()` compares
    /// with it from then on); a read further on continues the number that
    /// read showed.
    fn read(
        _key: u64,
        open: &Open,
        file: &LocalFile,
        out: &mut UserSliceWriter,
        pos: &mut Offset,
    ) -> Result<usize> {
        let count = if *pos == 0 {
            let count = glue::generation(file.cred());
            open.seen.store(count, Relaxed);
            count
        } else {
            open.seen.load(Relaxed)
        };
        out.write_slice_file(&render(count)?.0, pos)
    }

    /// Always readable; changed once the count differs from the one the
    /// file last showed.
    fn poll(_key: u64, open: &Open, file: &File, table: &PollTable<'_>) -> Result<PollEvents> {
        let wait = WAIT.as_ref().ok_or(ENODEV)?;
        // Registered before the count is read: a change after the read
        // wakes this poller (introspect.c wakes pollers after counting).
        table.register_wait(file, wait);
        let changed = glue::generation(file.cred()) != open.seen.load(Relaxed);
        Ok(if changed {
            PollEvents::READABLE.with(PollEvents::CHANGED)
        } else {
            PollEvents::READABLE
        })
    }
}
