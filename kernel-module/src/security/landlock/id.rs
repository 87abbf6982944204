// SPDX-License-Identifier: GPL-2.0-only

//! The IDs of `/sys/kernel/security/landlock`: a keyed permutation of the
//! tree's own counter.
//!
//! Registering a domain in the tree only takes the next value of a counter
//! (introspect.c), one relaxed atomic add.  The ID that names the domain in the
//! tree is computed from that counter only when it is shown:
//! `id = P(counter)`, where `P` is an 8-round
//! Feistel network over 32-bit halves whose round function is SipHash-2-4,
//! cycle-walked so that every ID lies in `[2^60, 2^64)`.  Looking an ID up
//! inverts `P`.  Documentation/security/landlock.rst ("What the IDs leak")
//! gives the reasons; the test vectors below pin the construction bit for
//! bit, so that userspace can check an ID without the key.

use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, Full};
use kernel::{random, siphash};

/// Lower bound of every counter value and of every ID, so that an ID always
/// prints as exactly 16 hex digits.  Also the first counter value, which
/// `registry::init()` gives introspect.c.
pub(crate) const ID_MIN: u64 = 1 << 60;

/// Number of Feistel rounds (see Documentation/security/landlock.rst for why 8).
const ROUNDS: u64 = 8;

/// A keyed permutation of `[ID_MIN, u64::MAX]`.
#[derive(Clone, Copy)]
pub(crate) struct IdPermutation {
    key: siphash::Key,
}

impl IdPermutation {
    /// Creates the permutation for a 128-bit SipHash key.
    pub(crate) const fn new(k0: u64, k1: u64) -> Self {
        Self {
            key: siphash::Key::new(k0, k1),
        }
    }

    /// The round function: the low half of SipHash-2-4 of the round index
    /// (high half) and the 32-bit input (low half).
    fn round(&self, round: u64, half: u32) -> u32 {
        self.key.hash_u64((round << 32) | u64::from(half)) as u32
    }

    /// One pass of the Feistel network over the whole 64-bit space.
    fn encrypt_block(&self, x: u64) -> u64 {
        let (mut l, mut r) = ((x >> 32) as u32, x as u32);
        for i in 0..ROUNDS {
            let t = l ^ self.round(i, r);
            l = r;
            r = t;
        }
        (u64::from(l) << 32) | u64::from(r)
    }

    /// The inverse of [`Self::encrypt_block`].
    fn decrypt_block(&self, y: u64) -> u64 {
        let (mut l, mut r) = ((y >> 32) as u32, y as u32);
        for i in (0..ROUNDS).rev() {
            let t = r ^ self.round(i, l);
            r = l;
            l = t;
        }
        (u64::from(l) << 32) | u64::from(r)
    }

    /// `P(counter)`: the ID of a counter value.
    ///
    /// Cycle-walks until the result lies in `[ID_MIN, u64::MAX]`; that takes
    /// 16/15 passes on average.  Counter values are always at least `ID_MIN`
    /// (the counter starts there and would need 15 * 2^60 increments to
    /// wrap), and for those `P` is a bijection of that range.
    pub(crate) fn id(&self, counter: u64) -> u64 {
        let mut y = self.encrypt_block(counter);
        while y < ID_MIN {
            y = self.encrypt_block(y);
        }
        y
    }

    /// `P^-1(id)`: the counter value whose ID is `id`, or `None` for a value
    /// that is not an ID (below `ID_MIN`), which is rejected before any
    /// decryption.
    pub(crate) fn counter(&self, id: u64) -> Option<u64> {
        if id < ID_MIN {
            return None;
        }
        let mut x = self.decrypt_block(id);
        while x < ID_MIN {
            x = self.decrypt_block(x);
        }
        Some(x)
    }
}

/// The key of the tree's IDs, drawn once, on first use.
///
/// The tree names a domain `P(counter)`, where `counter` is the value
/// `landlock_introspect_register_domain()` (introspect.c) took for it.  Nothing is done
/// at boot: the key is drawn the first time a reader is about to be shown an
/// ID ([`TreeIds::get_or_draw`], in process context), after
/// `wait_for_random_bytes()` has returned, so boot never waits for the RNG and
/// the key always comes from a seeded CRNG.  No ID can exist under a weak or
/// missing key: every ID shown is computed by the permutation that
/// [`TreeIds::get_or_draw`] returns, and a lookup made before the key exists
/// ([`TreeIds::get`] is `None`) is a miss, since nobody can have been shown an
/// ID yet.  Audit records and tracepoints do not use this key: they print
/// upstream's `landlock_hierarchy.id` (id.c).
///
/// # Invariants
///
/// `key` is null or points to an `IdPermutation` allocated by
/// [`TreeIds::draw_seeded`] (a leaked `KBox`), fully written before it was
/// published, never changed afterwards and freed only by `Drop`.
pub(crate) struct TreeIds {
    key: Atomic<*mut IdPermutation>,
}

// SAFETY: the key is published once, with release ordering, and only read
// afterwards; the pointer is owned by `TreeIds`, and `IdPermutation` is
// plain data.
unsafe impl Send for TreeIds {}
// SAFETY: as above.
unsafe impl Sync for TreeIds {}

impl TreeIds {
    /// An ID space whose key is not drawn yet.
    pub(crate) const fn new() -> Self {
        // INVARIANT: null.
        Self {
            key: Atomic::new(core::ptr::null_mut()),
        }
    }

    /// The permutation, if its key was drawn; `None` means that no ID has
    /// been shown yet, so every lookup is a miss.  Never sleeps, never
    /// waits.
    pub(crate) fn get(&self) -> Option<IdPermutation> {
        // Pairs with the publishing `cmpxchg` of `draw_seeded`.
        let key = self.key.load(Acquire);
        // SAFETY: by the type invariant, a non-null `key` points to a
        // permutation fully written before it was published (the acquire
        // load above sees those writes) and live until `self` is dropped.
        (!key.is_null()).then(|| unsafe { *key })
    }

    /// The permutation, drawing its key first if needed.
    ///
    /// Might sleep: the first call waits (interruptibly) for the CRNG to be
    /// seeded, which it almost always already is once user space runs.
    /// Fails only if that wait is interrupted by a signal.
    pub(crate) fn get_or_draw(&self) -> Result<IdPermutation> {
        if let Some(p) = self.get() {
            return Ok(p);
        }
        // Our callers are file operations: process context, no lock held.
        random::wait_for_random_bytes()?;
        self.draw_seeded()
    }

    /// Draws the key if it is still missing and the CRNG is seeded, without
    /// waiting for the CRNG.  Returns the permutation if there is one
    /// afterwards (`None` also if the key's allocation failed).
    #[cfg_attr(not(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST), allow(dead_code))]
    pub(crate) fn try_draw(&self) -> Option<IdPermutation> {
        if let Some(p) = self.get() {
            return Some(p);
        }
        random::rng_is_initialized()
            .then(|| self.draw_seeded().ok())
            .flatten()
    }

    /// Draws a key (the CRNG is seeded) and keeps the first one drawn.
    ///
    /// The key is written into its own allocation and published with one
    /// compare-and-exchange of a pointer: a racing caller either publishes
    /// its key or gets the winner's, complete, at once.  Nobody ever waits
    /// for another drawer (a real-time loser spinning on a preempted
    /// winner on its CPU would livelock).
    fn draw_seeded(&self) -> Result<IdPermutation> {
        // The CRNG is seeded, so the values are full-strength.
        let mine = IdPermutation::new(random::get_random_u64(), random::get_random_u64());
        let ptr = KBox::into_raw(KBox::new(mine, GFP_KERNEL)?);
        // Full ordering: the key's bytes are visible before the pointer
        // (pairs with the acquire load of `get`).
        match self.key.cmpxchg(core::ptr::null_mut(), ptr, Full) {
            // INVARIANT: a complete key, published once.
            Ok(_) => Ok(mine),
            Err(first) => {
                // SAFETY: `ptr` came from `KBox::into_raw` above and was not
                // published: it is still ours alone.
                drop(unsafe { KBox::from_raw(ptr) });
                // SAFETY: `first` is the published key (type invariant).
                Ok(unsafe { *first })
            }
        }
    }
}

impl Drop for TreeIds {
    fn drop(&mut self) {
        let key = self.key.load(Acquire);
        if !key.is_null() {
            // SAFETY: a published key is a leaked `KBox` owned by `self`
            // (type invariant), freed once, here.
            drop(unsafe { KBox::from_raw(key) });
        }
    }
}

/// The IDs of `/sys/kernel/security/landlock`.
pub(crate) static TREE_IDS: TreeIds = TreeIds::new();

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_introspect_id)]
mod tests {
    use super::*;

    /// Key of the SipHash paper's test vectors.
    const TEST_KEY: (u64, u64) = (0x0706050403020100, 0x0f0e0d0c0b0a0908);

    /// `(counter, id)` pairs for `TEST_KEY`, computed by an independent
    /// implementation of the construction (another SipHash-2-4), so that
    /// the kernel's IDs can be checked from outside.  The last two take two
    /// Feistel passes (cycle walk).
    const VECTORS: &[(u64, u64)] = &[
        (0x1000000000000000, 0xb5810441718bad79),
        (0x1000000000000001, 0x9e7060e9bc2e5040),
        (0x1000000000000002, 0x9038c4757cae5967),
        (0x1000000000000003, 0xcaa9edf19c973422),
        (0x10000000000003e8, 0x8aefc6c103226707),
        (0x8000000000000000, 0xc0979dd2675a735f),
        (0xfffffffffffffffe, 0xf25caed9ed0ac5a8),
        (0xffffffffffffffff, 0x76c7f1bf80308d3c),
        (0x1000000000000023, 0xee4116c3604e10d0),
        (0x100000000000002e, 0x898b36b7d1cf1df2),
    ];

    fn test_permutation() -> IdPermutation {
        IdPermutation::new(TEST_KEY.0, TEST_KEY.1)
    }

    fn random_permutation() -> IdPermutation {
        let (k0, k1) = (random::get_random_u64(), random::get_random_u64());
        IdPermutation::new(k0, k1)
    }

    #[test]
    fn vectors_match_the_library() {
        let p = test_permutation();
        for &(counter, id) in VECTORS {
            assert_eq!(p.id(counter), id);
            assert_eq!(p.counter(id), Some(counter));
        }
    }

    #[test]
    fn cycle_walk_vectors_really_walk() {
        let p = test_permutation();
        for &(counter, _) in &VECTORS[VECTORS.len() - 2..] {
            assert!(p.encrypt_block(counter) < ID_MIN);
        }
        for &(counter, _) in &VECTORS[..VECTORS.len() - 2] {
            assert!(p.encrypt_block(counter) >= ID_MIN);
        }
    }

    #[test]
    fn block_cipher_round_trips() {
        let p = random_permutation();
        let mut x: u64 = 0x0123_4567_89ab_cdef;
        for _ in 0..1000 {
            assert_eq!(p.decrypt_block(p.encrypt_block(x)), x);
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
    }

    #[test]
    fn lookups_reject_values_below_the_id_range() {
        let p = random_permutation();
        assert_eq!(p.counter(0), None);
        assert_eq!(p.counter(ID_MIN - 1), None);
        assert!(p.counter(ID_MIN).is_some());
    }

    #[test]
    fn no_key_is_drawn_at_boot() {
        // KUnit runs before user space, and no reader has been shown an ID:
        // nothing may have drawn the tree's key (or waited for the RNG).
        assert!(TREE_IDS.get().is_none());
    }

    #[test]
    fn the_key_is_drawn_once_and_kept() {
        let ids = TreeIds::new();
        assert!(ids.get().is_none());
        match ids.try_draw() {
            // The RNG is seeded: the key is drawn and stays.
            Some(p) => {
                let again = ids.get().map(|q| q.id(ID_MIN));
                assert_eq!(again, Some(p.id(ID_MIN)));
                assert_eq!(ids.try_draw().map(|q| q.id(ID_MIN)), again);
            }
            // Not yet seeded: nothing is drawn, and nothing blocks.
            None => assert!(ids.get().is_none()),
        }
    }

    #[test]
    fn a_racing_draw_keeps_the_first_key() -> Result {
        let ids = TreeIds::new();
        let first = KBox::into_raw(KBox::new(test_permutation(), GFP_KERNEL)?);
        // Published as `draw_seeded` publishes (and freed by `Drop`).
        assert!(ids.key.cmpxchg(core::ptr::null_mut(), first, Full).is_ok());
        // The loser's key is discarded at once (nobody waits): everyone
        // uses the first one.
        let p = ids.draw_seeded()?;
        for &(counter, id) in VECTORS {
            assert_eq!(p.id(counter), id);
        }
        assert_eq!(ids.get().map(|q| q.id(ID_MIN)), Some(p.id(ID_MIN)));
        Ok(())
    }

    #[test]
    fn ids_are_unique_and_in_range_over_a_window() -> Result {
        const N: usize = 50_000;
        let p = random_permutation();
        let mut ids = KVec::with_capacity(N, GFP_KERNEL)?;
        for c in 0..N as u64 {
            let id = p.id(ID_MIN + c);
            assert!(id >= ID_MIN);
            assert_eq!(p.counter(id), Some(ID_MIN + c));
            ids.push(id, GFP_KERNEL)?;
        }
        ids.sort_unstable();
        let mut duplicates = 0;
        for w in ids.windows(2) {
            if w[0] == w[1] {
                duplicates += 1;
            }
        }
        assert_eq!(duplicates, 0);
        Ok(())
    }

    /// Share (in thousandths) of consecutive counters whose IDs ascend.
    fn ascending_per_mille(p: &IdPermutation, n: u64) -> u64 {
        let mut ascending = 0;
        let mut prev = p.id(ID_MIN);
        for c in 1..n {
            let id = p.id(ID_MIN + c);
            if id > prev {
                ascending += 1;
            }
            prev = id;
        }
        ascending * 1000 / (n - 1)
    }

    #[test]
    fn ids_do_not_follow_creation_order() {
        // Over 10,000 consecutive counters, about half of the consecutive
        // pairs ascend (0.5 +- 0.02); upstream's IDs always ascended.  For a
        // random permutation the standard deviation is about 0.003.
        let fixed = ascending_per_mille(&test_permutation(), 10_000);
        pr_info!("landlock_introspect_id: ascending share with the test key: {fixed}/1000\n");
        assert!((480..=520).contains(&fixed));
        let random = ascending_per_mille(&random_permutation(), 10_000);
        pr_info!("landlock_introspect_id: ascending share with a random key: {random}/1000\n");
        assert!((480..=520).contains(&random));
    }
}
