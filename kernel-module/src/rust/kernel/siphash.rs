// SPDX-License-Identifier: GPL-2.0

//! SipHash-2-4, a keyed pseudorandom function of short inputs.
//!
//! C header: [`include/linux/siphash.h`](srctree/include/linux/siphash.h).
//!
//! Reference: <https://www.kernel.org/doc/html/latest/security/siphash.html>

use crate::{bindings, random::get_random_u64};

/// A 128-bit SipHash key (`siphash_key_t`).
///
/// A key must be secret and random (see [`Key::random`]) for the hashes to be unpredictable.
#[derive(Clone, Copy)]
pub struct Key(bindings::siphash_key_t);

impl Key {
    /// Returns the key made of the two 64-bit words `k0` and `k1`.
    pub const fn new(k0: u64, k1: u64) -> Self {
        Self(bindings::siphash_key_t { key: [k0, k1] })
    }

    /// Returns a random key, from [`get_random_u64`] (see there for its strength before the
    /// CRNG is seeded).
    pub fn random() -> Self {
        Self::new(get_random_u64(), get_random_u64())
    }

    /// Returns SipHash-2-4 of the 64-bit word `word` (`siphash_1u64()`: the eight bytes of `word`
    /// in little-endian order).
    #[doc(alias = "siphash_1u64")]
    #[inline]
    pub fn hash_u64(&self, word: u64) -> u64 {
        // SAFETY: `siphash_1u64()` only reads the key, which lives in `self` for the whole call.
        unsafe { bindings::siphash_1u64(word, &self.0) }
    }
}

#[macros::kunit_tests(rust_kernel_siphash)]
mod tests {
    use super::*;

    /// The key of SipHash's reference test vectors, and of `lib/tests/siphash_kunit.c`.
    const REFERENCE: Key = Key::new(0x0706050403020100, 0x0f0e0d0c0b0a0908);

    #[test]
    fn reference_vector() {
        // SipHash-2-4 of the bytes 00 01 .. 07 under the reference key.
        assert_eq!(REFERENCE.hash_u64(0x0706050403020100), 0x93f5f5799a932462);
    }

    #[test]
    fn keys_change_hashes() {
        let other = Key::new(0x0706050403020101, 0x0f0e0d0c0b0a0908);
        assert_ne!(REFERENCE.hash_u64(1), other.hash_u64(1));
        assert_ne!(REFERENCE.hash_u64(1), REFERENCE.hash_u64(2));
        let random = Key::random();
        assert_ne!(random.hash_u64(1), REFERENCE.hash_u64(1));
    }
}
