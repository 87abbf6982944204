// SPDX-License-Identifier: GPL-2.0

//! Random numbers from the kernel's cryptographically secure random number generator (CRNG).
//!
//! C header: [`include/linux/random.h`](srctree/include/linux/random.h).

use crate::{bindings, error::to_result, prelude::*};

/// Returns a random 64-bit number (`get_random_u64()`).
///
/// Never sleeps. Before the CRNG is seeded (see [`rng_is_initialized`]), the number is not
/// of full strength: wait with [`wait_for_random_bytes`] first where that matters, for
/// instance for a secret key.
#[inline]
pub fn get_random_u64() -> u64 {
    // SAFETY: Always safe to call.
    unsafe { bindings::get_random_u64() }
}

/// Returns whether the CRNG is seeded (`rng_is_initialized()`). Never sleeps.
#[inline]
pub fn rng_is_initialized() -> bool {
    // SAFETY: Always safe to call.
    unsafe { bindings::rng_is_initialized() }
}

/// Waits until the CRNG is seeded (`wait_for_random_bytes()`).
///
/// Returns at once if it is. Sleeps interruptibly otherwise, and fails with `ERESTARTSYS` if a
/// signal interrupts the wait. Only for a nonatomic context: not with a spinlock held, not in
/// an RCU read-side critical section.
#[inline]
pub fn wait_for_random_bytes() -> Result {
    // SAFETY: Always safe to call; the nonatomic context it needs is the caller's duty, as for
    // every function that may sleep (see `kernel::task::might_sleep`).
    to_result(unsafe { bindings::wait_for_random_bytes() })
}

#[macros::kunit_tests(rust_kernel_random)]
mod tests {
    use super::*;

    #[test]
    fn random_numbers_differ() {
        // Three equal draws from a 64-bit uniform source happen with probability 2^-128.
        let (a, b, c) = (get_random_u64(), get_random_u64(), get_random_u64());
        assert!(a != b || b != c);
    }

    #[test]
    fn a_seeded_crng_does_not_wait() {
        if rng_is_initialized() {
            assert_eq!(wait_for_random_bytes(), Ok(()));
        }
    }
}
