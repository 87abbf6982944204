//! Reference model of the kernel's domain (and ruleset) ID scheme.
//!
//! The kernel gives every Landlock domain a 64-bit ID that is unique until
//! reboot, stable for the domain's lifetime, and neither sequential nor
//! guessable: the ID of the domain created with counter value `c` is `P(c)`,
//! where `P` is a keyed pseudorandom permutation of `[2^60, 2^64)`.  This
//! module implements exactly the construction of `Documentation/ids.rst`:
//!
//! * round function `F(i, h) = low32(SipHash-2-4(key, le64((i << 32) | h)))`;
//! * a balanced Feistel network of [`ROUNDS`] (8) rounds over 32-bit halves,
//!   `l = x >> 32`, `r = x & 0xffff_ffff`, round `(l, r) = (r, l ^ F(i, r))`;
//! * cycle walking, so that every ID lies in `[2^60, 2^64)` and always prints
//!   as 16 hex digits;
//! * a counter that starts at [`ID_MIN`] (`2^60`).
//!
//! The kernel implements the same function with its own C SipHash; its KUnit
//! suite checks the [`VECTORS`] listed here (print them as C initializers with
//! `cargo run -p landlock-audit --example id_vectors`).
//!
//! ```
//! use landlock_audit::id::{IdGenerator, IdPermutation, ID_MIN};
//!
//! let perm = IdPermutation::new(0x0706050403020100, 0x0f0e0d0c0b0a0908);
//! let id = perm.encrypt(ID_MIN).expect("2^60 is a counter value");
//! assert!(id >= ID_MIN);
//! assert_eq!(perm.decrypt(id), Some(ID_MIN));
//!
//! let mut ids = IdGenerator::new(perm);
//! assert_eq!(ids.next().map(|d| d.get()), Some(id));
//! ```

use std::fmt;

use rand_core::{CryptoRng, OsRng, RngCore};
use siphasher::sip::SipHasher24;

use crate::DomainId;

/// The smallest counter value and the smallest ID: `2^60`.
///
/// Counter values and IDs both lie in `[ID_MIN, u64::MAX]`, so an ID always
/// prints as exactly 16 hexadecimal digits.
pub const ID_MIN: u64 = 1 << 60;

/// Number of Feistel rounds.
pub const ROUNDS: u32 = 8;

/// Test vectors `(counter, id)` for the key `k0 = 0x0706050403020100`,
/// `k1 = 0x0f0e0d0c0b0a0908` (the key of the SipHash paper's test vectors),
/// see [`TEST_KEY`].
///
/// They were computed by this implementation (the unit tests recompute them)
/// and are copied into the kernel's KUnit suite `landlock_introspect_id`.
pub const VECTORS: &[(u64, u64)] = &[
    (0x1000000000000000, 0xb5810441718bad79),
    (0x1000000000000001, 0x9e7060e9bc2e5040),
    (0x1000000000000002, 0x9038c4757cae5967),
    (0x1000000000000003, 0xcaa9edf19c973422),
    // Cycle walk: the first E() of this counter lands below 2^60, so the ID
    // is the second E() of the walk.
    (0x1000000000000023, 0xee4116c3604e10d0),
    // Cycle walk of three E() evaluations.
    (0x100000000000055f, 0x890bd9a8fb8948e6),
    (0x1234567890abcdef, 0xb142c0ba9974fc71),
    // Cycle walk as well (two E() evaluations).
    (0x7fffffffffffffff, 0xbb6a2546c0dd3838),
    (0x8000000000000000, 0xc0979dd2675a735f),
    (0xfedcba9876543210, 0x63bedd24073a90f3),
    (0xfffffffffffffffe, 0xf25caed9ed0ac5a8),
    (0xffffffffffffffff, 0x76c7f1bf80308d3c),
];

/// The key of [`VECTORS`]: `(k0, k1)`.
pub const TEST_KEY: (u64, u64) = (0x0706050403020100, 0x0f0e0d0c0b0a0908);

/// A keyed permutation of `[2^60, 2^64)`: 8-round Feistel network over 32-bit
/// halves with a SipHash-2-4 round function, plus cycle walking.
///
/// The key is never exposed by [`fmt::Debug`].
#[derive(Clone)]
pub struct IdPermutation {
    k0: u64,
    k1: u64,
}

impl fmt::Debug for IdPermutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdPermutation").finish_non_exhaustive()
    }
}

impl IdPermutation {
    /// A permutation with the given SipHash key words (the kernel's
    /// `siphash_key_t.key[0]` and `key[1]`).
    pub fn new(k0: u64, k1: u64) -> Self {
        Self { k0, k1 }
    }

    /// A permutation with a key drawn from `rng`.
    pub fn from_rng<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self::new(rng.next_u64(), rng.next_u64())
    }

    /// A permutation with a key from the operating system's random source.
    ///
    /// # Errors
    ///
    /// Fails when the operating system cannot provide random bytes.
    pub fn random() -> Result<Self, rand_core::Error> {
        let mut key = [0u8; 16];
        OsRng.try_fill_bytes(&mut key)?;
        let (a, b) = key.split_at(8);
        let word = |s: &[u8]| {
            let mut w = [0u8; 8];
            w.copy_from_slice(s);
            u64::from_le_bytes(w)
        };
        Ok(Self::new(word(a), word(b)))
    }

    /// The round function `F(i, h)`: the low 32 bits of SipHash-2-4 of the
    /// 8-byte little-endian encoding of `(i << 32) | h`.
    #[inline]
    pub fn round(&self, i: u32, h: u32) -> u32 {
        let word = (u64::from(i) << 32) | u64::from(h);
        SipHasher24::new_with_keys(self.k0, self.k1).hash(&word.to_le_bytes()) as u32
    }

    /// The Feistel network `E` on the whole of `[0, 2^64)`, without cycle
    /// walking.
    #[inline]
    pub fn feistel_encrypt(&self, x: u64) -> u64 {
        let mut l = (x >> 32) as u32;
        let mut r = x as u32;
        for i in 0..ROUNDS {
            (l, r) = (r, l ^ self.round(i, r));
        }
        (u64::from(l) << 32) | u64::from(r)
    }

    /// The inverse `D` of [`feistel_encrypt`](Self::feistel_encrypt).
    #[inline]
    pub fn feistel_decrypt(&self, y: u64) -> u64 {
        let mut l = (y >> 32) as u32;
        let mut r = y as u32;
        for i in (0..ROUNDS).rev() {
            (l, r) = (r ^ self.round(i, l), l);
        }
        (u64::from(l) << 32) | u64::from(r)
    }

    /// `P(counter)` with the number of `E` evaluations the cycle walk took
    /// (1 when the first `E` already lands in `[2^60, 2^64)`), or `None` when
    /// `counter < 2^60` (not a counter value).
    pub fn encrypt_with_steps(&self, counter: u64) -> Option<(u64, u32)> {
        if counter < ID_MIN {
            return None;
        }
        let mut y = self.feistel_encrypt(counter);
        let mut steps = 1;
        while y < ID_MIN {
            y = self.feistel_encrypt(y);
            steps += 1;
        }
        Some((y, steps))
    }

    /// The ID of a counter value: `P(counter)`, or `None` when
    /// `counter < 2^60`.
    #[inline]
    pub fn encrypt(&self, counter: u64) -> Option<u64> {
        self.encrypt_with_steps(counter).map(|(y, _)| y)
    }

    /// The counter value of an ID: `P^-1(id)`, or `None` when `id < 2^60`
    /// (rejected before any decryption: it is not an ID).
    pub fn decrypt(&self, id: u64) -> Option<u64> {
        if id < ID_MIN {
            return None;
        }
        let mut x = self.feistel_decrypt(id);
        while x < ID_MIN {
            x = self.feistel_decrypt(x);
        }
        Some(x)
    }
}

/// Hands out unique domain IDs: `P(c)` for `c = 2^60, 2^60 + 1, …`.
///
/// This is the userspace model of the kernel's allocator (which only takes
/// the counter at creation and computes the permutation when an ID is shown).
/// It is an [`Iterator`]: [`IdGenerator::next`] returns `None` only once the
/// counter space (`15 * 2^60` values) is exhausted.
#[derive(Debug, Clone)]
pub struct IdGenerator {
    perm: IdPermutation,
    next: Option<u64>,
}

impl IdGenerator {
    /// A generator whose counter starts at [`ID_MIN`].
    pub fn new(perm: IdPermutation) -> Self {
        Self {
            perm,
            next: Some(ID_MIN),
        }
    }

    /// A generator whose counter starts at `counter` (e.g. restored after a
    /// checkpoint), or `None` when `counter < 2^60`.
    pub fn with_counter(perm: IdPermutation, counter: u64) -> Option<Self> {
        (counter >= ID_MIN).then_some(Self {
            perm,
            next: Some(counter),
        })
    }

    /// A generator with a key from the operating system's random source.
    ///
    /// # Errors
    ///
    /// Fails when the operating system cannot provide random bytes.
    pub fn random() -> Result<Self, rand_core::Error> {
        IdPermutation::random().map(Self::new)
    }

    /// The counter value the next call to [`next`](Self::next) uses, or
    /// `None` when the counter is exhausted.
    pub fn counter(&self) -> Option<u64> {
        self.next
    }

    /// The permutation this generator applies.
    pub fn permutation(&self) -> &IdPermutation {
        &self.perm
    }
}

impl Iterator for IdGenerator {
    type Item = DomainId;

    /// The next unique ID.
    #[inline]
    fn next(&mut self) -> Option<DomainId> {
        let c = self.next?;
        self.next = c.checked_add(1);
        self.perm.encrypt(c).map(DomainId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn test_perm() -> IdPermutation {
        IdPermutation::new(TEST_KEY.0, TEST_KEY.1)
    }

    #[test]
    fn siphash_matches_the_reference_vector() {
        // SipHash-2-4 paper, Appendix A: key 00..0f, message 00..07.
        let h = SipHasher24::new_with_keys(TEST_KEY.0, TEST_KEY.1).hash(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(h, 0x93f5f5799a932462);
    }

    #[test]
    fn vectors_match_the_implementation() {
        let p = test_perm();
        for &(c, id) in VECTORS {
            assert_eq!(p.encrypt(c), Some(id), "counter {c:#018x}");
            assert_eq!(p.decrypt(id), Some(c), "id {id:#018x}");
        }
    }

    #[test]
    fn vectors_cover_the_required_cases() {
        let p = test_perm();
        let counters: Vec<u64> = VECTORS.iter().map(|&(c, _)| c).collect();
        for c in [ID_MIN, ID_MIN + 1, ID_MIN + 2, u64::MAX] {
            assert!(counters.contains(&c), "{c:#x} missing");
        }
        assert!(VECTORS.len() >= 8);
        let walks: Vec<u64> = counters
            .iter()
            .copied()
            .filter(|&c| p.feistel_encrypt(c) < ID_MIN)
            .collect();
        assert_eq!(
            walks,
            [0x1000000000000023, 0x100000000000055f, 0x7fffffffffffffff],
            "the cycle-walk vectors"
        );
        assert_eq!(p.encrypt_with_steps(0x1000000000000023).unwrap().1, 2);
        assert_eq!(p.encrypt_with_steps(0x100000000000055f).unwrap().1, 3);
        assert_eq!(p.encrypt_with_steps(0x7fffffffffffffff).unwrap().1, 2);
    }

    #[test]
    fn rejects_values_below_2_60() {
        let p = test_perm();
        assert_eq!(p.encrypt(ID_MIN - 1), None);
        assert_eq!(p.decrypt(0), None);
        assert_eq!(p.decrypt(ID_MIN - 1), None);
        assert!(IdGenerator::with_counter(p, 5).is_none());
    }

    #[test]
    fn generator_stops_at_the_end_of_the_counter_space() {
        let mut g = IdGenerator::with_counter(test_perm(), u64::MAX - 1).unwrap();
        assert!(g.next().is_some());
        assert_eq!(g.counter(), Some(u64::MAX));
        assert!(g.next().is_some());
        assert_eq!(g.counter(), None);
        assert_eq!(g.next(), None);
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let s = format!("{:?}", test_perm());
        assert!(!s.contains("506050403020100") && !s.contains("k0"), "{s}");
    }

    #[test]
    fn no_collision_over_a_million_consecutive_counters() {
        let g = IdGenerator::new(IdPermutation::random().unwrap());
        let mut seen = HashSet::with_capacity(1_000_000);
        for id in g.take(1_000_000) {
            assert!(id.get() >= ID_MIN);
            assert!(seen.insert(id), "collision at {id}");
        }
        assert_eq!(seen.len(), 1_000_000);
    }

    #[test]
    fn random_keys_differ() {
        let a = IdPermutation::random().unwrap();
        let b = IdPermutation::random().unwrap();
        assert_ne!(a.encrypt(ID_MIN), b.encrypt(ID_MIN));
    }

    proptest! {
        #[test]
        fn feistel_roundtrips(k0: u64, k1: u64, x: u64) {
            let p = IdPermutation::new(k0, k1);
            prop_assert_eq!(p.feistel_decrypt(p.feistel_encrypt(x)), x);
            prop_assert_eq!(p.feistel_encrypt(p.feistel_decrypt(x)), x);
        }

        #[test]
        fn decrypt_encrypt_is_identity(k0: u64, k1: u64, x in ID_MIN..=u64::MAX) {
            let p = IdPermutation::new(k0, k1);
            let y = p.encrypt(x).unwrap();
            prop_assert!(y >= ID_MIN);
            prop_assert_eq!(p.decrypt(y), Some(x));
            prop_assert_eq!(p.encrypt(p.decrypt(x).unwrap()), Some(x));
        }

        #[test]
        fn bijective_on_samples(
            k0: u64,
            k1: u64,
            xs in proptest::collection::hash_set(ID_MIN..=u64::MAX, 1..256),
        ) {
            let p = IdPermutation::new(k0, k1);
            let ys: HashSet<u64> = xs.iter().map(|&x| p.encrypt(x).unwrap()).collect();
            prop_assert_eq!(ys.len(), xs.len());
            let back: HashSet<u64> = ys.iter().map(|&y| p.decrypt(y).unwrap()).collect();
            prop_assert_eq!(back, xs);
        }
    }
}
