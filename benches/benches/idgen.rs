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
//!
//! The alternative the cover letter weighs (random IDs drawn at creation,
//! looked up as they are):
//!
//! * `random-u64` models `get_random_u64()`: 8 bytes of a per-CPU batch of
//!   ChaCha20 output (`CHACHA_BLOCK_SIZE * 3 / 2` bytes), redrawn below
//!   2^60 (the tree's ID range);
//! * `random-u64+unique-10k` adds what creation would then need to keep IDs
//!   unique among the live ones: a walk of the bucket the ID falls in, in a
//!   table of 1024 buckets holding 10,000 live IDs (about 10 per bucket;
//!   IDs of freed domains cannot be checked, see `Documentation/ids.rst`);
//! * `permutation-decrypt` is what the patched kernel pays per lookup
//!   instead: the inverse permutation of an ID (the random scheme pays
//!   nothing there).

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

/// A per-CPU batch of ChaCha20 output, as the kernel serves
/// `get_random_u8()` and `get_random_u64()` from (one batch each).
struct Batch {
    rng: ChaCha20Rng,
    bytes: [u8; BATCH_BYTES],
    used: usize,
}

impl Batch {
    fn new(rng: ChaCha20Rng) -> Self {
        Self {
            rng,
            bytes: [0; BATCH_BYTES],
            used: BATCH_BYTES,
        }
    }

    /// The next `N` bytes (`N` divides [`BATCH_BYTES`]), refilling the
    /// batch when it is used up.
    #[inline]
    fn take<const N: usize>(&mut self) -> [u8; N] {
        if self.used == BATCH_BYTES {
            self.rng.fill_bytes(&mut self.bytes);
            self.used = 0;
        }
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[self.used..self.used + N]);
        self.used += N;
        out
    }
}

/// Upstream Landlock's scheme: a counter initialised at random and advanced
/// by `1 + (get_random_u8() & 0xf)` per ID.
struct Upstream {
    next: AtomicU64,
    batch: Batch,
}

impl Upstream {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        // Upstream starts in [2^32, 2^33).
        let next = AtomicU64::new((1u64 << 32) | u64::from(rng.next_u32()));
        Self {
            next,
            batch: Batch::new(rng),
        }
    }

    #[inline]
    fn next(&mut self) -> u64 {
        let [b] = self.batch.take::<1>();
        let step = 1 + u64::from(b & 0xf);
        self.next.fetch_add(step, Ordering::Relaxed)
    }
}

/// `get_random_u64()`: 8 bytes of its batch a draw.
struct RandomU64(Batch);

impl RandomU64 {
    fn new(seed: u64) -> Self {
        Self(Batch::new(ChaCha20Rng::seed_from_u64(seed)))
    }

    /// A random ID in the tree's range, `[2^60, 2^64)`.
    #[inline]
    fn next_id(&mut self) -> u64 {
        loop {
            let x = u64::from_le_bytes(self.0.take::<8>());
            if x >= ID_MIN {
                return x;
            }
        }
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
    let mut ids = IdGenerator::new(perm.clone());
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
    let mut draw = RandomU64::new(2);
    g.bench_function("random-u64", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                black_box(draw.next_id());
            }
        })
    });
    // 10,000 live IDs in 1024 buckets, by their low bits (random IDs need
    // no keyed hash).
    let mut live: Vec<Vec<u64>> = vec![Vec::new(); 1024];
    let mut fill = RandomU64::new(3);
    for _ in 0..10_000 {
        let id = fill.next_id();
        live[(id & 1023) as usize].push(id);
    }
    g.bench_function("random-u64+unique-10k", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let id = loop {
                    let id = draw.next_id();
                    if !live[(id & 1023) as usize].contains(&id) {
                        break id;
                    }
                };
                black_box(id);
            }
        })
    });
    let shown: Vec<u64> = (0..BATCH)
        .filter_map(|i| perm.encrypt(ID_MIN + i * 7919))
        .collect();
    g.bench_function("permutation-decrypt", |b| {
        b.iter(|| {
            for &id in &shown {
                black_box(perm.decrypt(black_box(id)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
