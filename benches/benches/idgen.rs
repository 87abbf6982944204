//! ID generation: `IdGenerator::next` (8-round SipHash-2-4 Feistel
//! permutation with cycle walking) against a model of upstream Landlock's
//! allocator and against the bare counter the patched kernel takes at
//! creation.
//!
//! * `upstream-random-step` models `security/landlock/id.c`: per ID, one
//!   random byte (`get_random_u8()`, which the kernel serves from a per-CPU
//!   batch of ChaCha20 output: modelled by a 96-byte buffer refilled from
//!   ChaCha20) and one `atomic64_fetch_add()` of `1 + (byte & 0xf)`;
//! * `counter-only` is one `atomic64_fetch_add(1)` (`AtomicU64::fetch_add`),
//!   what the patched kernel pays at creation (it computes the ID when it
//!   prints or looks one up).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use landlock_audit::id::{IdGenerator, IdPermutation, ID_MIN};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// The kernel's batch of random bytes for `get_random_u8()`:
/// `CHACHA_BLOCK_SIZE * 3 / 2` bytes.
const BATCH_BYTES: usize = 96;

/// Upstream Landlock's scheme: a counter initialised at random and advanced
/// by `1 + (get_random_u8() & 0xf)` per ID.
struct Upstream {
    next: AtomicU64,
    rng: ChaCha20Rng,
    batch: [u8; BATCH_BYTES],
    used: usize,
}

impl Upstream {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        // Upstream starts in [2^32, 2^33).
        let next = AtomicU64::new((1u64 << 32) | u64::from(rng.next_u32()));
        Self {
            next,
            rng,
            batch: [0; BATCH_BYTES],
            used: BATCH_BYTES,
        }
    }

    #[inline]
    fn random_u8(&mut self) -> u8 {
        if self.used == BATCH_BYTES {
            self.rng.fill_bytes(&mut self.batch);
            self.used = 0;
        }
        let b = self.batch[self.used];
        self.used += 1;
        b
    }

    #[inline]
    fn next(&mut self) -> u64 {
        let step = 1 + u64::from(self.random_u8() & 0xf);
        self.next.fetch_add(step, Ordering::Relaxed)
    }
}

const BATCH: u64 = 1024;

fn generation(c: &mut Criterion) {
    let mut g = c.benchmark_group("idgen");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .throughput(Throughput::Elements(BATCH));
    let perm = IdPermutation::new(0x0706050403020100, 0x0f0e0d0c0b0a0908);
    let mut ids = IdGenerator::new(perm);
    g.bench_function("IdGenerator::next", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(ids.next());
            }
        })
    });
    let mut up = Upstream::new(1);
    g.bench_function("upstream-random-step", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(up.next());
            }
        })
    });
    let counter = AtomicU64::new(ID_MIN);
    g.bench_function("counter-only", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(black_box(&counter).fetch_add(1, Ordering::Relaxed));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
