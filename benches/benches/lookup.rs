//! ID lookup: `Domains::get` against std's `HashMap` (default SipHash
//! hasher), `BTreeMap`, a sorted `Vec` with binary search, and a `HashMap`
//! with an identity hasher, at 1k, 10k and 100k domains.
//!
//! * `shuffled`: each iteration looks up **every** ID of the snapshot once,
//!   in a shuffled order (the whole table is touched: at 100k the tables
//!   leave L2 and the figure includes cache and TLB misses);
//! * `hot`: each iteration looks up the same 4096 IDs (shuffled), a set that
//!   stays in cache;
//! * `sequential`: IDs that are *not* random, consecutive counter values
//!   `2^60 + i` (hand-written fixtures, or an ID scheme without the
//!   permutation), all probed in a shuffled order.
//!
//! The reported time is per lookup (criterion's throughput, elements).
//!
//! Like for like: `Domains::get` returns a `&Domain`, which takes reading
//! the position from its table and the bounds-checked step into the domain
//! array; `HashMap-identity` returns `&usize` (where the position is) and
//! reads neither.  `HashMap-identity+index` is the identity map doing what
//! `Domains::get` does: read the position, return `&domains[position]`
//! (neither dereferences the domain).  The target is stated against
//! `HashMap-identity`; both ratios are reported.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use landlock_audit::{Domain, DomainId, Domains, HandledAccess};
use landlock_audit_benches::{shuffle, snapshot};

const HOT: usize = 4096;

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

/// A snapshot of `n` parentless domains with the IDs `2^60 + i`, and those
/// IDs shuffled.
fn sequential(n: usize) -> (Domains, Vec<DomainId>) {
    let mut ids: Vec<DomainId> = (0..n as u64)
        .map(|i| DomainId::new((1 << 60) + i).expect("an ID"))
        .collect();
    let domains = ids.iter().map(|&id| Domain {
        id,
        parent: None,
        depth: 1,
        access: HandledAccess::default(),
        tasks: Vec::new(),
        creator: None,
        denials: None,
    });
    let d = Domains::from_domains(7, domains).expect("consistent");
    shuffle(&mut ids, 0x5eed);
    (d, ids)
}

fn run(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    set: &str,
    n: usize,
    domains: &Domains,
    ids: &[DomainId],
    probe: &[DomainId],
    all_maps: bool,
) {
    g.throughput(Throughput::Elements(probe.len() as u64));
    let label = format!("{set}/{n}");
    g.bench_with_input(BenchmarkId::new("Domains::get", &label), probe, |b, p| {
        b.iter(|| {
            for &id in p {
                black_box(domains.get(black_box(id)));
            }
        })
    });
    let ident: HashMap<u64, usize, BuildHasherDefault<Identity>> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id.get(), i))
        .collect();
    g.bench_with_input(
        BenchmarkId::new("HashMap-identity", &label),
        probe,
        |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(ident.get(&black_box(id.get())));
                }
            })
        },
    );
    let list: Vec<Domain> = domains.iter().cloned().collect();
    let ident_pos: HashMap<u64, usize, BuildHasherDefault<Identity>> = list
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.get(), i))
        .collect();
    g.bench_with_input(
        BenchmarkId::new("HashMap-identity+index", &label),
        probe,
        |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(ident_pos.get(&black_box(id.get())).map(|&i| &list[i]));
                }
            })
        },
    );
    if !all_maps {
        return;
    }
    let hash: HashMap<DomainId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    g.bench_with_input(
        BenchmarkId::new("HashMap-SipHash", &label),
        probe,
        |b, p| {
            b.iter(|| {
                for id in p {
                    black_box(hash.get(black_box(id)));
                }
            })
        },
    );
    let btree: BTreeMap<DomainId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    g.bench_with_input(BenchmarkId::new("BTreeMap", &label), probe, |b, p| {
        b.iter(|| {
            for id in p {
                black_box(btree.get(black_box(id)));
            }
        })
    });
    let mut sorted: Vec<DomainId> = ids.to_vec();
    sorted.sort_unstable();
    g.bench_with_input(BenchmarkId::new("sorted-Vec", &label), probe, |b, p| {
        b.iter(|| {
            for id in p {
                black_box(sorted.binary_search(black_box(id)).ok());
            }
        })
    });
}

fn lookups(c: &mut Criterion) {
    let mut g = c.benchmark_group("lookup");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for n in [1_000usize, 10_000, 100_000] {
        let (domains, ids) = snapshot(n);
        // Every ID once, shuffled.
        run(&mut g, "shuffled", n, &domains, &ids, &ids, true);
        // A hot set of 4096 IDs (cycled when there are fewer).
        let hot: Vec<DomainId> = ids.iter().cycle().take(HOT).copied().collect();
        run(&mut g, "hot", n, &domains, &ids, &hot, n == 100_000);
        let (seq, seq_ids) = sequential(n);
        run(&mut g, "sequential", n, &seq, &seq_ids, &seq_ids, false);
    }
    g.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
