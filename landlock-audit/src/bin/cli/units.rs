//! Processes per systemd unit in `status` and `metrics`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use landlock_audit::{Coverage, ProcessState};

use crate::{prom, text};

/// The most units exported by `metrics`; the processes of the others are
/// summed under [`OTHER`].  A user may create cgroups named like units in
/// the subtree systemd delegates to them, so the machine's units do not
/// bound the count by themselves.
pub const MAX_UNITS: usize = 1000;

/// The `unit` label of processes outside any unit (not a valid unit name).
pub const NONE: &str = "-";

/// The `unit` label of the processes of units beyond [`MAX_UNITS`] (not a
/// valid unit name).
pub const OTHER: &str = "-other";

/// One unit of `status --json`'s `units`.
#[derive(serde::Serialize)]
pub struct UnitJson {
    /// The unit; `null` for processes outside any unit.
    unit: Option<String>,
    total: u64,
    kernel_threads: u64,
    unknown: u64,
    sandboxed: u64,
    mixed: u64,
    unconfined: u64,
}

/// `status --json`'s `units`, sorted by unit (`null` first).
pub fn json(by_unit: &BTreeMap<Option<String>, Coverage>) -> Vec<UnitJson> {
    by_unit
        .iter()
        .map(|(unit, c)| UnitJson {
            unit: unit.clone(),
            total: c.total,
            kernel_threads: c.kernel_threads,
            unknown: c.unknown,
            sandboxed: c.sandboxed,
            mixed: c.mixed,
            unconfined: c.unconfined(),
        })
        .collect()
}

/// The `status` lines: one per unit, units sorted, processes outside any
/// unit first.  A unit with nothing to judge and no process this reader
/// may not inspect (the kernel threads outside any unit, on a machine
/// whose every process has a unit) has no line: JSON keeps it.
pub fn status_text(
    out: &mut impl Write,
    by_unit: &BTreeMap<Option<String>, Coverage>,
) -> io::Result<()> {
    writeln!(out, "per unit (judged: sandboxed, mixed, unconfined):")?;
    for (unit, c) in by_unit {
        if c.judged() == 0 && c.unknown == 0 {
            continue;
        }
        let name = unit
            .as_deref()
            .map_or_else(|| "(no unit)".to_owned(), |u| text::field(u.as_bytes()));
        writeln!(
            out,
            "  {name}: {} judged: {} sandboxed, {} mixed, {} unconfined",
            c.judged(),
            c.sandboxed,
            c.mixed,
            c.unconfined()
        )?;
    }
    Ok(())
}

/// `landlock_audit_unit_processes{unit,state}`.
pub fn metrics(e: &mut prom::Exposition, by_unit: &BTreeMap<Option<String>, Coverage>) {
    let mut rows: Vec<(String, Coverage)> = Vec::new();
    let mut other = Coverage::default();
    for (i, (unit, c)) in by_unit.iter().enumerate() {
        if i < MAX_UNITS {
            rows.push((unit.clone().unwrap_or_else(|| NONE.to_owned()), *c));
        } else {
            other.total += c.total;
            other.kernel_threads += c.kernel_threads;
            other.unknown += c.unknown;
            other.sandboxed += c.sandboxed;
            other.mixed += c.mixed;
        }
    }
    if by_unit.len() > MAX_UNITS {
        rows.push((OTHER.to_owned(), other));
    }
    // The states of `landlock_audit_processes{state}`, in its order.
    let values: Vec<[(&str, u64); 5]> = rows
        .iter()
        .map(|(_, c)| ProcessState::ALL.map(|s| (s.as_str(), c.count(s))))
        .collect();
    let labels: Vec<[(&str, &str); 2]> = rows
        .iter()
        .zip(&values)
        .flat_map(|((unit, _), v)| {
            v.iter()
                .map(move |(state, _)| [("unit", unit.as_str()), ("state", *state)])
        })
        .collect();
    let samples: Vec<(&[(&str, &str)], String)> = labels
        .iter()
        .zip(values.iter().flatten())
        .map(|(l, (_, n))| (&l[..], n.to_string()))
        .collect();
    e.gauge(
        "landlock_audit_unit_processes",
        "Processes per systemd unit (the innermost .service or .scope of the cgroup v2 path; \
         unit=\"-\" outside any unit, unit=\"-other\" the units beyond 1000) and state: \
         as in landlock_audit_processes{state} (the reader itself left out).",
        &samples,
    );
}
