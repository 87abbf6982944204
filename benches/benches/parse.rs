//! Reading a tree (`Domains::read_from`) against a baseline that only reads
//! the same files into memory, the same way (`RealFs`: open, fstat, one
//! read into one reused buffer), with the same directory listing:
//!
//! * `per-domain`: a tree without the `snapshot` file (five files per
//!   domain, then the top-level `tasks`);
//! * `snapshot`: the same tree with its `snapshot` file, which the library
//!   reads alone.
//!
//! The tree lies on tmpfs when `/dev/shm` exists.

use std::hint::black_box;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use landlock_audit::source::{
    FileBuf, ReadMode, RealFs, Source, MAX_FILE_SIZE, MAX_SNAPSHOT_SIZE, MAX_TASKS_SIZE,
};
use landlock_audit::Domains;
use landlock_audit_benches::{model, tempdir};

const FILES: [&str; 5] = ["parent", "depth", "access", "tasks", "creator"];

fn read_into(path: &Path, limit: usize, buf: &mut FileBuf) -> io::Result<usize> {
    RealFs.read(path, limit, ReadMode::Once, buf)?;
    Ok(buf.contents().len())
}

/// Reads every file of the per-domain layout; returns the number of bytes.
fn raw_read(root: &Path) -> io::Result<usize> {
    let mut buf = FileBuf::new();
    let mut total = 0;
    for f in ["version", "abi_version"] {
        total += read_into(&root.join(f), MAX_FILE_SIZE, &mut buf)?;
    }
    let ddir = root.join("domains");
    let mut names: Vec<_> = RealFs.list(&ddir)?.into_iter().map(|e| e.name).collect();
    names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut dir = ddir;
    for name in names {
        dir.push(name);
        for f in FILES {
            dir.push(f);
            total += read_into(&dir, MAX_TASKS_SIZE, &mut buf)?;
            dir.pop();
        }
        dir.pop();
    }
    total += read_into(&root.join("tasks"), MAX_TASKS_SIZE, &mut buf)?;
    Ok(total)
}

/// Reads `version`, `abi_version` and `snapshot`.
fn raw_read_snapshot(root: &Path) -> io::Result<usize> {
    let mut buf = FileBuf::new();
    let mut total = 0;
    for f in ["version", "abi_version"] {
        total += read_into(&root.join(f), MAX_FILE_SIZE, &mut buf)?;
    }
    RealFs.read(
        &root.join("snapshot"),
        MAX_SNAPSHOT_SIZE,
        ReadMode::ToEof,
        &mut buf,
    )?;
    Ok(total + buf.contents().len())
}

fn parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10);
    for (domains, tasks) in [(1_000usize, 10_000usize), (10_000, 100_000)] {
        let m = model(domains, tasks);
        let dir = tempdir();
        let per_domain = dir.path().join("per-domain");
        m.write_without_snapshot(&per_domain)
            .expect("fixture written");
        let snapshot = dir.path().join("snapshot");
        m.write(&snapshot).expect("fixture written");
        let label = format!("{domains}d-{tasks}t");
        g.bench_with_input(
            BenchmarkId::new("Domains::read_from/per-domain", &label),
            &per_domain,
            |b, r| b.iter(|| black_box(Domains::read_from(r).expect("valid fixture"))),
        );
        g.bench_with_input(
            BenchmarkId::new("raw-read/per-domain", &label),
            &per_domain,
            |b, r| b.iter(|| black_box(raw_read(r).expect("readable fixture"))),
        );
        g.bench_with_input(
            BenchmarkId::new("Domains::read_from/snapshot", &label),
            &snapshot,
            |b, r| b.iter(|| black_box(Domains::read_from(r).expect("valid fixture"))),
        );
        g.bench_with_input(
            BenchmarkId::new("raw-read/snapshot", &label),
            &snapshot,
            |b, r| b.iter(|| black_box(raw_read_snapshot(r).expect("readable fixture"))),
        );
    }
    g.finish();
}

criterion_group!(benches, parsing);
criterion_main!(benches);
