//! The ID → position index behind [`Domains::get`](crate::Domains::get).
//!
//! The domains are sorted by ID, and the kernel's IDs are outputs of a keyed
//! pseudorandom permutation: uniformly distributed.  So the index is a
//! table of bucket starts indexed by the top bits of `id - min` (as many
//! buckets as the next power of two of the count): the bucket of a key
//! holds on average one key, and a lookup reads `starts[b]` and
//! `starts[b + 1]` (one cache line) and then the keys of the bucket in the
//! sorted array of IDs (one more): two memory accesses, no hash, no
//! branch that depends on the data but the bucket's length.  The tables
//! take 12 bytes per domain (a `u64` key and a `u32` start), where a
//! `HashMap<u64, u32>` takes about 18.
//!
//! IDs that are not uniform (written by hand, or sharing a range) only make
//! buckets longer: a bucket of more than [`SCAN`] keys is binary-searched,
//! so a lookup never costs more than `O(log n)`.

/// Buckets of at most this many keys are scanned, longer ones
/// binary-searched.
const SCAN: usize = 8;

/// Map from a 64-bit ID to its position in the sorted array of IDs.
#[derive(Debug, Clone)]
pub(crate) struct IdIndex {
    /// The keys, strictly ascending.
    keys: Vec<u64>,
    /// `keys[starts[b]..starts[b + 1]]` are the keys of bucket `b`.
    starts: Vec<u32>,
    /// The smallest key.
    min: u64,
    /// A key's bucket is `(key - min) >> shift`.
    shift: u32,
}

impl IdIndex {
    /// Builds the index of `keys`, mapping `keys[i]` to `i`.  Keys must be
    /// strictly ascending (the domains are sorted by ID, without
    /// duplicates).
    pub(crate) fn new(keys: impl ExactSizeIterator<Item = u64>) -> Self {
        let keys: Vec<u64> = keys.collect();
        debug_assert!(keys.windows(2).all(|w| w[0] < w[1]), "keys not ascending");
        let (min, max) = match (keys.first(), keys.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0, 0),
        };
        let buckets = keys.len().max(1).next_power_of_two();
        let bits = buckets.trailing_zeros();
        // The smallest shift that puts `max - min` in the last bucket.
        let span_bits = 64 - (max - min).leading_zeros();
        let shift = span_bits.saturating_sub(bits);
        let mut starts = vec![0u32; buckets + 1];
        for &k in &keys {
            starts[((k - min) >> shift) as usize + 1] += 1;
        }
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        Self {
            keys,
            starts,
            min,
            shift,
        }
    }

    /// The position of `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<usize> {
        let off = key.wrapping_sub(self.min);
        let b = (off >> self.shift) as usize;
        // `key < min` wraps to a huge bucket; `b + 1 < starts.len()` also
        // covers keys above the last bucket.
        let (&lo, &hi) = (self.starts.get(b)?, self.starts.get(b + 1)?);
        let (lo, hi) = (lo as usize, hi as usize);
        let bucket = self.keys.get(lo..hi)?;
        if bucket.len() <= SCAN {
            bucket.iter().position(|&k| k == key).map(|i| lo + i)
        } else {
            bucket.binary_search(&key).ok().map(|i| lo + i)
        }
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
        assert_eq!(e.get(u64::MAX), None);
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
        // Random keys spread: buckets of at most a few keys.
        let mut x = 1u64;
        let mut random: Vec<u64> = (0..100_000u32)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect();
        random.sort_unstable();
        random.dedup();
        let idx = IdIndex::new(random.iter().copied());
        let longest = idx.starts.windows(2).map(|w| w[1] - w[0]).max();
        assert!(longest.is_some_and(|l| l <= 10), "{longest:?}");
        for (i, &k) in random.iter().enumerate() {
            assert_eq!(idx.get(k), Some(i));
            assert_eq!(idx.get(k ^ 1), random.binary_search(&(k ^ 1)).ok());
        }
        // Clustered keys: one long bucket, binary-searched.
        let clustered: Vec<u64> = (0..1000u64).chain([u64::MAX]).collect();
        let idx = IdIndex::new(clustered.iter().copied());
        for (i, &k) in clustered.iter().enumerate() {
            assert_eq!(idx.get(k), Some(i));
        }
        assert_eq!(idx.get(1000), None);
        assert_eq!(idx.get(u64::MAX - 1), None);
    }

    proptest! {
        #[test]
        fn finds_every_key(keys in proptest::collection::hash_set(any::<u64>(), 0..500), probe: u64) {
            let mut keys: Vec<u64> = keys.into_iter().collect();
            keys.sort_unstable();
            let idx = IdIndex::new(keys.iter().copied());
            for (i, &k) in keys.iter().enumerate() {
                prop_assert_eq!(idx.get(k), Some(i));
            }
            prop_assert_eq!(idx.get(probe), keys.iter().position(|&k| k == probe));
        }
    }
}
