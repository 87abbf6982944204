//! Prints the medians of the last `cargo bench -p landlock-audit-benches`
//! run (from `target/criterion/*/*/new/estimates.json`) as a Markdown table,
//! per element when the benchmark declares a throughput, with the ratios the
//! README reports.
//!
//! ```text
//! cargo bench -p landlock-audit-benches
//! cargo run -p landlock-audit-benches --bin bench-report [TARGET_DIR]
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

/// Median time in nanoseconds, per element when there is a throughput.
fn median(dir: &Path) -> Option<(String, f64)> {
    let bench: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("benchmark.json")).ok()?).ok()?;
    let est: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("estimates.json")).ok()?).ok()?;
    let ns = est["median"]["point_estimate"].as_f64()?;
    let per = bench["throughput"]["Elements"].as_f64().unwrap_or(1.0);
    Some((bench["full_id"].as_str()?.to_owned(), ns / per))
}

fn walk(dir: &Path, out: &mut BTreeMap<String, f64>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.file_name().is_some_and(|n| n == "new") {
            if let Some((id, v)) = median(&p) {
                out.insert(id, v);
            }
        } else if p.is_dir() {
            walk(&p, out);
        }
    }
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.2} ns")
    }
}

fn main() -> ExitCode {
    let target = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mut m = BTreeMap::new();
    walk(&target.join("criterion"), &mut m);
    if m.is_empty() {
        eprintln!(
            "bench-report: no criterion results under {}",
            target.display()
        );
        return ExitCode::from(1);
    }
    println!("| benchmark | median | ratio |");
    println!("| --- | --- | --- |");
    for (id, &ns) in &m {
        // Ratio against the reference of the same group and size.
        let reference = if id.starts_with("lookup/") {
            id.replacen(id.split('/').nth(1).unwrap_or(""), "Domains::get", 1)
        } else if id.starts_with("parse/") {
            id.replacen("Domains::read_from", "raw-read", 1)
        } else {
            "idgen/upstream-random-step".to_owned()
        };
        let ratio = match m.get(&reference) {
            Some(&r) if reference != *id => {
                if id.starts_with("parse/") {
                    format!("{:.2}× raw read", ns / r)
                } else if id.starts_with("lookup/") {
                    format!("{:.2}× Domains::get", ns / r)
                } else {
                    format!("{:.1}× upstream", ns / r)
                }
            }
            _ => String::new(),
        };
        let unit = if id.starts_with("parse/") {
            ""
        } else {
            " / op"
        };
        println!("| {id} | {}{unit} | {ratio} |", human(ns));
    }
    ExitCode::SUCCESS
}
