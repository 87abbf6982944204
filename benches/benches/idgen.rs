//! ID generation: `IdGenerator::next` (8-round SipHash-2-4 Feistel
//! permutation with cycle walking) against a model of upstream Landlock's
//! allocator (random start, then a counter advanced by 1 + a random 4-bit
//! step drawn from a buffered ChaCha20 generator, as `get_random_u8()`
//! draws from batched ChaCha20), and against the bare counter the patched
//! kernel takes at creation.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use landlock_audit::id::{IdGenerator, IdPermutation, ID_MIN};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Upstream Landlock's scheme (security/landlock/id.c): IDs from a counter
/// initialised at random and advanced by `1 + (random & 0xf)` per ID.
struct Upstream {
    next: u64,
    rng: ChaCha20Rng,
}

impl Upstream {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        // Upstream starts in [2^32, 2^33).
        let next = (1u64 << 32) | u64::from(rng.next_u32());
        Self { next, rng }
    }

    #[inline]
    fn next(&mut self) -> u64 {
        let step = 1 + u64::from(self.rng.next_u32() as u8 & 0xf);
        let id = self.next;
        self.next += step;
        id
    }
}

const BATCH: u64 = 1024;

fn generation(c: &mut Criterion) {
    let mut g = c.benchmark_group("idgen");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
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
    let mut counter = ID_MIN;
    g.bench_function("counter-only", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                counter = black_box(counter) + 1;
                black_box(counter);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
