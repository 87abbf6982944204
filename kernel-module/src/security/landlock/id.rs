// SPDX-License-Identifier: GPL-2.0-only

//! Landlock domain and ruleset IDs: a keyed permutation of a plain counter.
//!
//! Creating a domain (or a ruleset) only takes the next value of a counter,
//! one relaxed atomic add, as upstream did.  The ID that audit records,
//! tracepoints and `/sys/kernel/security/landlock` print is computed from that
//! counter only when it is printed: `id = P(counter)`, where `P` is an 8-round
//! Feistel network over 32-bit halves whose round function is SipHash-2-4,
//! cycle-walked so that every ID lies in `[2^60, 2^64)`.  Looking an ID up
//! inverts `P`.  `Documentation/ids.rst` of landlock-audit specifies the
//! construction bit for bit; the userspace library implements the same
//! function and produced the test vectors below.

use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};

/// Lower bound of every counter value and of every ID, so that an ID always
/// prints as exactly 16 hex digits.  Also the first counter value.
pub(crate) const ID_MIN: u64 = 1 << 60;

/// Number of Feistel rounds (see `Documentation/ids.rst` for why 8).
const ROUNDS: u64 = 8;

/// A keyed permutation of `[ID_MIN, u64::MAX]`.
#[derive(Clone, Copy)]
pub(crate) struct IdPermutation {
    key: bindings::siphash_key_t,
}

impl IdPermutation {
    /// Creates the permutation for a 128-bit SipHash key.
    pub(crate) const fn new(k0: u64, k1: u64) -> Self {
        Self {
            key: bindings::siphash_key_t { key: [k0, k1] },
        }
    }

    /// The round function: the low half of SipHash-2-4 of the round index
    /// (high half) and the 32-bit input (low half).
    fn round(&self, round: u64, half: u32) -> u32 {
        // SAFETY: `siphash_1u64` only reads the key, which lives in `self`
        // for the whole call.
        let hash = unsafe { bindings::siphash_1u64((round << 32) | u64::from(half), &self.key) };
        hash as u32
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
    #[cfg_attr(not(CONFIG_SECURITY_LANDLOCK_FS), allow(dead_code))]
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

/// One ID space: a counter and the key of its permutation.
///
/// The key is written once by [`IdSpace::init`], from the LSM's init function
/// before any domain or ruleset can exist, and only read afterwards; relaxed
/// atomics are enough because LSM initialization happens before any other
/// task runs.  The counter is only ever advanced with `fetch_add`, so every
/// value is handed out once.
pub(crate) struct IdSpace {
    counter: Atomic<u64>,
    key: [Atomic<u64>; 2],
}

impl IdSpace {
    const fn new() -> Self {
        Self {
            counter: Atomic::new(ID_MIN),
            key: [Atomic::new(0), Atomic::new(0)],
        }
    }

    /// Draws the key from the kernel's RNG.
    fn init(&self) {
        for k in &self.key {
            // SAFETY: `get_random_u64` has no precondition.
            k.store(unsafe { bindings::get_random_u64() }, Relaxed);
        }
    }

    /// Draws the key again if no ID of this space can have been shown yet
    /// (no counter value was taken).
    fn rekey(&self) {
        if self.counter.load(Relaxed) == ID_MIN {
            self.init();
        }
    }

    /// Takes the next counter value: the only work done at creation time.
    fn next_counter(&self) -> u64 {
        self.counter.fetch_add(1, Relaxed)
    }

    /// The permutation of this space (its key is never exposed).
    pub(crate) fn permutation(&self) -> IdPermutation {
        IdPermutation::new(self.key[0].load(Relaxed), self.key[1].load(Relaxed))
    }
}

/// Domains' IDs (`struct landlock_hierarchy`).
pub(crate) static DOMAINS: IdSpace = IdSpace::new();
/// Rulesets' IDs (tracepoints only), with their own counter and key.
static RULESETS: IdSpace = IdSpace::new();

/// Draws the keys of both ID spaces.  Called once by `landlock_init()`.
#[no_mangle]
pub(crate) extern "C" fn landlock_init_id() {
    DOMAINS.init();
    RULESETS.init();
}

/// Draws the keys again once the kernel's RNG is seeded.
///
/// `landlock_init_id()` runs during `security_init()`, before the RNG may
/// be seeded (e.g. without RDRAND).  A `late_initcall` waits for the RNG and
/// calls this, before any user space runs, so no ID has been issued or
/// shown yet: only spaces whose counter was never taken are rekeyed.
#[no_mangle]
pub(crate) extern "C" fn landlock_rekey_id() {
    DOMAINS.rekey();
    RULESETS.rekey();
}

/// Returns the counter of a new domain.  Cheap: one atomic add.
#[no_mangle]
pub(crate) extern "C" fn landlock_next_domain_counter() -> u64 {
    DOMAINS.next_counter()
}

/// Returns the counter of a new ruleset.
#[no_mangle]
pub(crate) extern "C" fn landlock_next_ruleset_counter() -> u64 {
    RULESETS.next_counter()
}

/// Returns the ID of the domain whose counter is `counter`.
#[no_mangle]
pub(crate) extern "C" fn landlock_domain_id_of(counter: u64) -> u64 {
    DOMAINS.permutation().id(counter)
}

/// Returns the ID of the ruleset whose counter is `counter`.
#[no_mangle]
pub(crate) extern "C" fn landlock_ruleset_id_of(counter: u64) -> u64 {
    RULESETS.permutation().id(counter)
}

#[cfg(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)]
#[kunit_tests(landlock_audit_id)]
mod tests {
    use super::*;

    /// Key of the SipHash paper's test vectors.
    const TEST_KEY: (u64, u64) = (0x0706050403020100, 0x0f0e0d0c0b0a0908);

    /// `(counter, id)` pairs computed by the userspace library
    /// (`landlock_audit::id::VECTORS`, `siphasher` crate) for `TEST_KEY`.
    /// The last two take two Feistel passes (cycle walk).
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
        let space = IdSpace::new();
        space.init();
        space.permutation()
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
    fn counter_starts_at_id_min_and_steps_by_one() {
        // Adapted from upstream's landlock_id suite: the first value is the
        // documented start, and each creation takes exactly one value.
        let space = IdSpace::new();
        space.init();
        assert_eq!(space.next_counter(), ID_MIN);
        assert_eq!(space.next_counter(), ID_MIN + 1);
        assert_eq!(space.next_counter(), ID_MIN + 2);
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
        pr_info!("landlock_audit_id: ascending share with the test key: {fixed}/1000\n");
        assert!((480..=520).contains(&fixed));
        let random = ascending_per_mille(&random_permutation(), 10_000);
        pr_info!("landlock_audit_id: ascending share with a random key: {random}/1000\n");
        assert!((480..=520).contains(&random));
    }
}
