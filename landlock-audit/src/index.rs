//! The ID → position index behind [`Domains::get`](crate::Domains::get).
//!
//! A std `HashMap` (SwissTable: one SIMD comparison of 16 one-byte tags,
//! then the bucket; branches that predict well, so lookups of a large table
//! overlap their cache misses) with one of two hashers, chosen when the
//! index is built:
//!
//! * the ID itself ([`Identity`]) when the IDs are spread over the table's
//!   low bits, as the kernel's are (outputs of a keyed pseudorandom
//!   permutation): hashing them again only costs time;
//! * a folded multiplication ([`FoldMul`]: the two halves of the 128-bit
//!   product with `0x9e3779b97f4a7c15`, XORed) otherwise, e.g. for IDs
//!   written by hand that share their low bits, where the identity would
//!   put them all in one probe sequence.
//!
//! The choice is a branch that always goes the same way for a given index.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Passes a `u64` through.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Identity(u64);

impl Hasher for Identity {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Folded multiply: `lo ^ hi` of `v * 0x9e3779b97f4a7c15` (128-bit).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FoldMul(u64);

impl Hasher for FoldMul {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64((self.0 << 8) | u64::from(b));
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        let p = u128::from(v) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

/// Map from a 64-bit ID to a position.
#[derive(Debug, Clone)]
pub(crate) enum IdIndex {
    /// IDs spread over the low bits: the identity hash.
    Spread(HashMap<u64, u32, BuildHasherDefault<Identity>>),
    /// Other IDs: the folded multiplication.
    Mixed(HashMap<u64, u32, BuildHasherDefault<FoldMul>>),
}

/// Whether the identity hash spreads `keys` over a table of their size: at
/// least half as many distinct values of the low bits as keys (random keys
/// give about 63 %, consecutive ones 100 %).
fn spread(keys: &[u64]) -> bool {
    let n = keys.len();
    if n < 2 {
        return true;
    }
    let buckets = n.next_power_of_two();
    let mask = (buckets - 1) as u64;
    let mut seen = vec![0u64; buckets.div_ceil(64)];
    let mut distinct = 0usize;
    for &k in keys {
        let b = (k & mask) as usize;
        let (w, bit) = (b / 64, 1u64 << (b % 64));
        if seen[w] & bit == 0 {
            seen[w] |= bit;
            distinct += 1;
        }
    }
    distinct * 2 >= n
}

impl IdIndex {
    /// Builds the index of `keys`, mapping `keys[i]` to `i`.  Keys must be
    /// distinct.
    pub(crate) fn new(keys: impl ExactSizeIterator<Item = u64>) -> Self {
        let keys: Vec<u64> = keys.collect();
        let pairs = keys.iter().enumerate().map(|(i, &k)| (k, i as u32));
        if spread(&keys) {
            IdIndex::Spread(pairs.collect())
        } else {
            IdIndex::Mixed(pairs.collect())
        }
    }

    /// The position of `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<usize> {
        match self {
            IdIndex::Spread(m) => m.get(&key),
            IdIndex::Mixed(m) => m.get(&key),
        }
        .map(|&p| p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_and_adversarial() {
        let e = IdIndex::new(std::iter::empty());
        assert_eq!(e.get(0), None);
        // Keys sharing all low bits, consecutive keys, and key 0 (the
        // value of an empty slot's key).
        let keys: Vec<u64> = (0..1000u64)
            .map(|i| i << 40)
            .chain((1..2000).map(|i| (1 << 60) + i))
            .collect();
        let idx = IdIndex::new(keys.iter().copied());
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k), Some(i));
        }
        assert_eq!(idx.get(1), None);
        // Keys that share their low bits are mixed; consecutive and random
        // ones are not.
        let shared: Vec<u64> = (0..1000u64).map(|i| i << 40).collect();
        assert!(matches!(
            IdIndex::new(shared.into_iter()),
            IdIndex::Mixed(_)
        ));
        let consecutive = (0..1000u32).map(|i| (1 << 60) + u64::from(i));
        assert!(matches!(IdIndex::new(consecutive), IdIndex::Spread(_)));
        let mut x = 1u64;
        let random = (0..1000u32).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        });
        assert!(matches!(IdIndex::new(random), IdIndex::Spread(_)));
    }

    proptest! {
        #[test]
        fn finds_every_key(keys in proptest::collection::hash_set(any::<u64>(), 0..500), probe: u64) {
            let keys: Vec<u64> = keys.into_iter().collect();
            let idx = IdIndex::new(keys.iter().copied());
            for (i, &k) in keys.iter().enumerate() {
                prop_assert_eq!(idx.get(k), Some(i));
            }
            prop_assert_eq!(idx.get(probe), keys.iter().position(|&k| k == probe));
        }
    }
}
