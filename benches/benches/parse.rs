//! Parsing a 10k-domain / 100k-task tree (`Domains::read_from`) against a
//! baseline that only reads the same files into memory (the same
//! `File::open` + `read_to_end` into one reused buffer, the same directory
//! listing).  The tree lies on tmpfs when `/dev/shm` exists.

use std::fs::{self, File};
use std::hint::black_box;
use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use landlock_audit::Domains;
use landlock_audit_benches::{model, tempdir};

const FILES: [&str; 5] = ["parent", "depth", "access", "tasks", "creator"];

fn read_into(path: &Path, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.clear();
    File::open(path)?.read_to_end(buf)
}

/// Reads every file of the tree; returns the number of bytes.
fn raw_read(root: &Path) -> io::Result<usize> {
    let mut buf = Vec::with_capacity(4096);
    let mut total = 0;
    for f in ["version", "abi_version"] {
        total += read_into(&root.join(f), &mut buf)?;
    }
    let ddir = root.join("domains");
    let mut names: Vec<_> = fs::read_dir(&ddir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()?;
    names.sort_unstable();
    let mut dir = ddir;
    for name in names {
        dir.push(name);
        for f in FILES {
            dir.push(f);
            total += read_into(&dir, &mut buf)?;
            dir.pop();
        }
        dir.pop();
    }
    total += read_into(&root.join("tasks"), &mut buf)?;
    Ok(total)
}

fn parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(15))
        .sample_size(20);
    for (domains, tasks) in [(1_000usize, 10_000usize), (10_000, 100_000)] {
        let dir = tempdir();
        let root = dir.path().join("landlock");
        model(domains, tasks).write(&root).expect("fixture written");
        let label = format!("{domains}d-{tasks}t");
        g.bench_with_input(
            BenchmarkId::new("Domains::read_from", &label),
            &root,
            |b, r| b.iter(|| black_box(Domains::read_from(r).expect("valid fixture"))),
        );
        g.bench_with_input(BenchmarkId::new("raw-read", &label), &root, |b, r| {
            b.iter(|| black_box(raw_read(r).expect("readable fixture")))
        });
    }
    g.finish();
}

criterion_group!(benches, parsing);
criterion_main!(benches);
