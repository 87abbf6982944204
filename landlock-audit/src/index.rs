//! The ID → position index behind [`Domains::get`](crate::Domains::get).
//!
//! A std `HashMap` (SwissTable: one SIMD comparison of 16 one-byte tags,
//! then the bucket; branches that predict well, so lookups of a large table
//! overlap their cache misses) with one of three hashers, chosen when the
//! index is built:
//!
//! * the ID itself ([`Identity`]) when the IDs spread over the table's low
//!   bits, as the kernel's do (outputs of a keyed pseudorandom
//!   permutation): hashing them again only costs time;
//! * else a folded multiplication ([`FoldMul`]: the two halves of the
//!   128-bit product with `0x9e3779b97f4a7c15`, XORed), e.g. for IDs written
//!   by hand that share their low bits, where the identity would put them
//!   all in one probe sequence;
//! * else std's randomly keyed SipHash.
//!
//! "Spread" is checked on the hash values a hasher would give, not guessed:
//! [`clustered`] counts them per group of 16 buckets of the table std will
//! allocate and follows the excess from group to group, as probing does.
//! The identity and the folded multiplication are public functions, so a
//! tree copied from another user could carry IDs chosen to collide under
//! them (one probe sequence for every key: a quadratic build and linear
//! lookups); such IDs fail the check for both and get SipHash, whose key
//! they cannot know.  No input makes the build quadratic.
//!
//! The choice is a branch that always goes the same way for a given index.
//!
//! A rank table over the sorted IDs (a byte per sub-bucket of the ID range
//! giving the rank of its first ID, the ID at that rank or the next
//! compared; 10.5 bytes per domain instead of 22.3 at 100,000) was measured
//! against this index on 2026-12-07 and is slower: 0.81–0.84× the speed of
//! an identity-hashed map in criterion, where this index measured
//! 0.66–0.96× (`Documentation/benchmarks.rst`).

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
    /// IDs the folded multiplication spreads.
    Mixed(HashMap<u64, u32, BuildHasherDefault<FoldMul>>),
    /// Anything else: SipHash with a random key.
    Keyed(HashMap<u64, u32>),
}

/// Keys per group of buckets that std's table probes together (its SIMD
/// group width on x86-64; the check only needs the order of magnitude).
const GROUP: usize = 16;

/// The most keys a run of groups may hold beyond its slots before a hasher
/// is refused: random keys reach about 60 at up to 3 million keys (the
/// table full to 7/8), so 512 refuses only keys that cluster, and bounds
/// how far any insertion or lookup probes past its home group.
const MAX_CARRY: usize = 512;

/// The number of buckets std's `HashMap` allocates for `n` keys (a power of
/// two with room for `n` at a load of 7/8; at least one group).
fn buckets(n: usize) -> usize {
    (n.saturating_mul(8) / 7).next_power_of_two().max(GROUP)
}

/// Whether the hash values `hashes` cluster in a table of [`buckets`]`(n)`
/// buckets: count them per group of [`GROUP`] buckets (the low bits pick
/// the bucket, as in std's table), then carry each group's excess over
/// its [`GROUP`] slots into the next group, around the table's end and on
/// (a second pass, so that a cluster that wraps is summed whole), and
/// report whether the carry ever exceeds [`MAX_CARRY`].
fn clustered(hashes: impl Iterator<Item = u64>, n: usize) -> bool {
    let b = buckets(n);
    let mut count = vec![0u32; b / GROUP];
    for h in hashes {
        count[(h as usize & (b - 1)) / GROUP] += 1;
    }
    let mut carry = 0usize;
    for &c in count.iter().chain(count.iter()) {
        carry = (carry + c as usize).saturating_sub(GROUP);
        if carry > MAX_CARRY {
            return true;
        }
    }
    false
}

/// `FoldMul`'s hash of `k`.
fn fold_mul(k: u64) -> u64 {
    let mut h = FoldMul::default();
    h.write_u64(k);
    h.finish()
}

impl IdIndex {
    /// Builds the index of `keys`, mapping `keys[i]` to `i`.  Keys must be
    /// distinct.
    pub(crate) fn new(keys: impl ExactSizeIterator<Item = u64>) -> Self {
        let keys: Vec<u64> = keys.collect();
        let n = keys.len();
        let pairs = keys.iter().enumerate().map(|(i, &k)| (k, i as u32));
        if !clustered(keys.iter().copied(), n) {
            IdIndex::Spread(pairs.collect())
        } else if !clustered(keys.iter().map(|&k| fold_mul(k)), n) {
            IdIndex::Mixed(pairs.collect())
        } else {
            IdIndex::Keyed(pairs.collect())
        }
    }

    /// The position of `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<usize> {
        match self {
            IdIndex::Spread(m) => m.get(&key).map(|&p| p as usize),
            _ => self.get_hashed(key),
        }
    }

    /// The position of `key` in a table with a hash other than the
    /// identity: out of line, so that only the kernel IDs' lookup is
    /// inlined into `Domains::get` (with all three inlined, the function
    /// outgrew the inliner and every lookup paid a call: 1.4 times slower).
    #[inline(never)]
    fn get_hashed(&self, key: u64) -> Option<usize> {
        match self {
            IdIndex::Spread(m) => m.get(&key),
            IdIndex::Mixed(m) => m.get(&key),
            IdIndex::Keyed(m) => m.get(&key),
        }
        .map(|&p| p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `n` uniform keys in `2^60..` (as the kernel's): xorshift64, keeping
    /// the outputs of at least 2^60.
    fn random(n: usize, mut x: u64) -> Vec<u64> {
        let mut v: Vec<u64> = std::iter::from_fn(|| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Some(x)
        })
        .filter(|&x| x >= 1 << 60)
        .take(n)
        .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Builds the index of `keys`, checks that every key is found at its
    /// position, that the neighbours of each key and a few extremes are
    /// found only when they are keys, and returns the index.
    fn check(keys: &[u64]) -> IdIndex {
        let idx = IdIndex::new(keys.iter().copied());
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k), Some(i), "key {k:#x}");
        }
        let present: std::collections::HashMap<u64, usize> =
            keys.iter().enumerate().map(|(i, &k)| (k, i)).collect();
        let extremes = [0, 1, 1 << 60, u64::MAX, u64::MAX - 1];
        let near = keys
            .iter()
            .flat_map(|&k| [k.wrapping_sub(1), k.wrapping_add(1), k ^ (1 << 63)]);
        for a in extremes.into_iter().chain(near) {
            assert_eq!(idx.get(a), present.get(&a).copied(), "probe {a:#x}");
        }
        idx
    }

    fn variant(i: &IdIndex) -> &'static str {
        match i {
            IdIndex::Spread(_) => "identity",
            IdIndex::Mixed(_) => "fold-mul",
            IdIndex::Keyed(_) => "siphash",
        }
    }

    #[test]
    fn empty_and_one_key() {
        assert_eq!(variant(&check(&[])), "identity");
        for k in [0, 1 << 60, u64::MAX, 0x1234_5678_9abc_def0] {
            assert_eq!(variant(&check(&[k])), "identity");
        }
    }

    #[test]
    fn random_and_consecutive_keys_take_the_identity() {
        for n in [2, 15, 16, 17, 1000, 100_000] {
            let keys = random(n, 0x9e37_79b9_7f4a_7c15 ^ n as u64);
            assert_eq!(variant(&check(&keys)), "identity", "{n} random keys");
        }
        let consecutive: Vec<u64> = (0..5000u64).map(|i| (1 << 60) + i).collect();
        assert_eq!(variant(&check(&consecutive)), "identity");
        // Sharing their top 12 bits changes nothing: the table uses the
        // low ones.
        let shared_top: Vec<u64> = (0..2000u64).map(|i| (0xabc << 52) | (i * 7919)).collect();
        assert_eq!(variant(&check(&shared_top)), "identity");
    }

    #[test]
    fn keys_sharing_their_low_bits_are_mixed() {
        let shared_low: Vec<u64> = (1..2000u64).map(|i| (1 << 60) | (i << 40)).collect();
        assert_eq!(variant(&check(&shared_low)), "fold-mul");
    }

    #[test]
    fn half_spread_half_colliding_is_not_the_identity() {
        // Half the keys with distinct low bits, half sharing one value of
        // them: enough distinct low bits for a count of distinct values,
        // but 2000 keys in one probe sequence.
        let mut keys: Vec<u64> = (0..2000u64).map(|i| (1 << 60) + i).collect();
        keys.extend((1..=2000u64).map(|i| (2 << 60) | (i << 32)));
        assert_ne!(variant(&check(&keys)), "identity");
    }

    #[test]
    fn keys_colliding_under_both_public_hashes_get_siphash() {
        // Keys whose low 20 bits are zero (one identity bucket) and whose
        // folded multiplication has its low 12 bits zero (one bucket of the
        // 4096 that 2000 keys get): what a hostile tree could carry.
        let keys: Vec<u64> = (1..u64::MAX)
            .map(|i| (1 << 60) | (i << 20))
            .filter(|&k| fold_mul(k) & 0xfff == 0)
            .take(2000)
            .collect();
        assert_eq!(buckets(keys.len()), 4096);
        assert_eq!(variant(&check(&keys)), "siphash");
    }

    #[test]
    fn a_cluster_that_wraps_around_the_table_is_summed_whole() {
        // 300 keys in the last group of buckets and 300 in the first: each
        // half alone stays under MAX_CARRY, the cluster they form across
        // the table's end does not.  Without the second pass the carry out
        // of the last group would be lost.
        let n = 600 + 1400;
        let b = buckets(n) as u64;
        let mut keys: Vec<u64> = (0..300u64)
            .map(|i| (1 << 60) | (i << 32) | (b - 1 - i % GROUP as u64))
            .collect();
        keys.extend((0..300u64).map(|i| (3 << 60) | (i << 32) | (i % GROUP as u64)));
        // The rest spread evenly over the groups in between.
        keys.extend((0..1400u64).map(|i| (5 << 60) | (GROUP as u64 + i % (b - 2 * GROUP as u64))));
        let once = keys.iter().fold([0usize; 2], |mut c, &k| {
            let g = (k & (b - 1)) as usize / GROUP;
            if g == 0 {
                c[0] += 1;
            } else if g == b as usize / GROUP - 1 {
                c[1] += 1;
            }
            c
        });
        assert_eq!(once, [300, 300]);
        const { assert!(300 - GROUP < MAX_CARRY && 600 - 2 * GROUP > MAX_CARRY) };
        assert!(clustered(keys.iter().copied(), keys.len()));
        check(&keys);
    }

    /// Up to 600 distinct keys in ascending order, as `Domains` hands them
    /// over, with some of the extremes of u64 mixed in.
    fn ascending_keys() -> impl Strategy<Value = Vec<u64>> {
        let extreme = prop_oneof![
            Just(0u64),
            Just(1),
            Just(1 << 60),
            Just(u64::MAX - 1),
            Just(u64::MAX)
        ];
        (
            proptest::collection::btree_set(any::<u64>(), 0..600),
            proptest::collection::vec(extreme, 0..3),
        )
            .prop_map(|(mut keys, extremes)| {
                keys.extend(extremes);
                keys.into_iter().collect()
            })
    }

    proptest! {
        #[test]
        fn finds_every_ascending_key_and_no_neighbour(keys in ascending_keys(), probe: u64) {
            let idx = IdIndex::new(keys.iter().copied());
            for (i, &k) in keys.iter().enumerate() {
                prop_assert_eq!(idx.get(k), Some(i));
                for a in [k.wrapping_sub(1), k.wrapping_add(1), !k] {
                    prop_assert_eq!(idx.get(a), keys.binary_search(&a).ok());
                }
            }
            prop_assert_eq!(idx.get(probe), keys.binary_search(&probe).ok());
        }

        #[test]
        fn finds_every_key(keys in proptest::collection::hash_set(any::<u64>(), 0..500), probe: u64) {
            let keys: Vec<u64> = keys.into_iter().collect();
            let idx = IdIndex::new(keys.iter().copied());
            for (i, &k) in keys.iter().enumerate() {
                prop_assert_eq!(idx.get(k), Some(i));
            }
            prop_assert_eq!(idx.get(probe), keys.iter().position(|&k| k == probe));
        }

        #[test]
        fn finds_every_clustered_key(
            base in any::<u64>(),
            offs in proptest::collection::hash_set(0u64..4096, 1..600),
            shift in 0u32..48,
        ) {
            // Keys packed in a small range, spaced by a power of two: they
            // share their low bits or crowd a few groups, so every variant
            // gets exercised.
            let keys: Vec<u64> = offs.into_iter().map(|o| base.wrapping_add(o << shift)).collect();
            let idx = IdIndex::new(keys.iter().copied());
            for (i, &k) in keys.iter().enumerate() {
                prop_assert_eq!(idx.get(k), Some(i));
                let a = k.wrapping_add(1);
                prop_assert_eq!(idx.get(a), keys.iter().position(|&k| k == a));
            }
        }
    }
}
