//! Helpers shared by the criterion benchmarks of `landlock-audit`
//! (`benches/benches/*.rs`): in-memory snapshots of a given size and
//! fixture trees on tmpfs.
#![deny(missing_docs)]

use std::path::Path;

use landlock_audit::fixture::{Model, Spec};
use landlock_audit::{Domain, DomainId, Domains};

/// A temporary directory, on tmpfs (`/dev/shm`) when there is one, so that
/// a parse benchmark measures the library and the VFS rather than a disk.
///
/// # Panics
///
/// When no temporary directory can be created (a benchmark cannot run).
pub fn tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("landlock-audit-bench-")
            .tempdir_in(shm)
        {
            return d;
        }
    }
    tempfile::tempdir().expect("a temporary directory")
}

/// A generated model of `domains` domains and `tasks` tasks (fixed seed).
pub fn model(domains: usize, tasks: usize) -> Model {
    Model::generate(&Spec {
        domains,
        tasks,
        unconfined: 0,
        kernel_threads: 0,
        max_depth: 16,
        seed: 7,
    })
}

/// An in-memory snapshot of `n` domains (IDs from a keyed permutation) and
/// their IDs in a shuffled order, for lookups.
///
/// # Panics
///
/// Never for generated models (they are consistent).
pub fn snapshot(n: usize) -> (Domains, Vec<DomainId>) {
    let m = model(n, 0);
    let domains: Vec<Domain> = m.expected();
    let mut ids: Vec<DomainId> = domains.iter().map(|d| d.id).collect();
    shuffle(&mut ids, 0x5eed);
    let s = Domains::from_domains(7, domains).expect("a consistent model");
    (s, ids)
}

/// Fisher-Yates with SplitMix64.
pub fn shuffle<T>(v: &mut [T], mut seed: u64) {
    let mut next = || {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..v.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}
