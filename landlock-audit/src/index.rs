//! The ID → position index behind [`Domains::get`](crate::Domains::get).
//!
//! Domain IDs are outputs of a keyed pseudorandom permutation, so they are
//! already uniformly distributed: hashing them again (SipHash, as std's
//! `HashMap` does by default) only costs time.  The index is an open-addressing
//! table with linear probing, at most half full, whose slots hold the ID and
//! the position side by side, so a hit usually costs one cache line.  The
//! slot is chosen by Fibonacci hashing (one multiplication, top bits), which
//! keeps the table well spread even for IDs that are not random, such as
//! hand-written fixtures with consecutive IDs.

/// Marks an empty slot (no snapshot holds `u32::MAX` domains).
const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Slot {
    key: u64,
    pos: u32,
}

/// Open-addressing map from a 64-bit ID to a position.
#[derive(Debug, Clone)]
pub(crate) struct IdIndex {
    slots: Box<[Slot]>,
    shift: u32,
}

impl IdIndex {
    /// Builds the index of `keys`, mapping `keys[i]` to `i`.  Keys must be
    /// distinct.
    pub(crate) fn new(keys: impl ExactSizeIterator<Item = u64>) -> Self {
        let n = keys.len();
        let cap = (n * 2).next_power_of_two().max(8);
        let shift = 64 - cap.trailing_zeros();
        let mut slots = vec![Slot { key: 0, pos: EMPTY }; cap].into_boxed_slice();
        let mask = cap - 1;
        for (pos, key) in keys.enumerate() {
            let mut i = Self::home(key, shift);
            while slots[i].pos != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = Slot {
                key,
                pos: pos as u32,
            };
        }
        Self { slots, shift }
    }

    #[inline(always)]
    fn home(key: u64, shift: u32) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
    }

    /// The position of `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = Self::home(key, self.shift);
        loop {
            let s = self.slots[i];
            if s.pos == EMPTY {
                return None;
            }
            if s.key == key {
                return Some(s.pos as usize);
            }
            i = (i + 1) & mask;
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
        // Keys sharing all low bits.
        let keys: Vec<u64> = (0..1000u64).map(|i| i << 40).collect();
        let idx = IdIndex::new(keys.iter().copied());
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(idx.get(k), Some(i));
        }
        assert_eq!(idx.get(1), None);
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
