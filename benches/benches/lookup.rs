//! ID lookup: `Domains::get` against std's `HashMap` (default SipHash
//! hasher), `BTreeMap`, a sorted `Vec` with binary search, and a `HashMap`
//! with an identity hasher, at 1k, 10k and 100k domains.  Each iteration
//! looks up 4096 present IDs in a shuffled order; the reported time is per
//! lookup (criterion's throughput, elements).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use landlock_audit::DomainId;
use landlock_audit_benches::snapshot;

const BATCH: usize = 4096;

/// Passes a u64 through (IDs are already uniformly random).
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

fn lookups(c: &mut Criterion) {
    let mut g = c.benchmark_group("lookup");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .throughput(Throughput::Elements(BATCH as u64));
    for n in [1_000usize, 10_000, 100_000] {
        let (domains, ids) = snapshot(n);
        let probe: Vec<DomainId> = ids.iter().cycle().take(BATCH).copied().collect();
        let hash: HashMap<DomainId, usize> =
            ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let btree: BTreeMap<DomainId, usize> =
            ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let mut sorted: Vec<DomainId> = ids.clone();
        sorted.sort_unstable();
        let ident: HashMap<u64, usize, BuildHasherDefault<Identity>> = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| (id.get(), i))
            .collect();

        g.bench_with_input(BenchmarkId::new("Domains::get", n), &probe, |b, p| {
            b.iter(|| {
                for &id in p {
                    black_box(domains.get(black_box(id)));
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("HashMap-SipHash", n), &probe, |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(hash.get(black_box(id)));
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("BTreeMap", n), &probe, |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(btree.get(black_box(id)));
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("sorted-Vec", n), &probe, |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(sorted.binary_search(black_box(id)).ok());
                }
            })
        });
        g.bench_with_input(BenchmarkId::new("HashMap-identity", n), &probe, |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(ident.get(&black_box(id.get())));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
