//! `verify` and `metrics --expect`: the command's layer over
//! [`landlock_audit::verify`].

use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use landlock_audit::verify::{Expectations, Report, Violation, MAX_EXPECTATIONS_SIZE};

use crate::args::Cli;
use crate::{json_out, prom, text, Failure, View};

/// Reads and parses an expectations file; every failure is
/// [`Failure::Expectations`] (exit status 2), naming the file.
pub fn load(path: &Path) -> Result<Expectations, Failure> {
    let name = text::field(path.as_os_str().as_bytes());
    let fail = |what: String| Failure::Expectations(format!("expectations file {name}: {what}"));
    // O_NONBLOCK: a FIFO must not hang the command; only a regular file
    // (a symbolic link to one included) is read.
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| fail(e.to_string()))?;
    let kind = f.metadata().map_err(|e| fail(e.to_string()))?.file_type();
    if !kind.is_file() {
        return Err(fail(format!(
            "{}, not a regular file",
            crate::file_type_name(kind)
        )));
    }
    let mut bytes = Vec::new();
    f.take(MAX_EXPECTATIONS_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() > MAX_EXPECTATIONS_SIZE {
        return Err(fail(format!("larger than {MAX_EXPECTATIONS_SIZE} bytes")));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        fail(format!("line {line}: not UTF-8"))
    })?;
    let x = Expectations::from_toml(text).map_err(|e| fail(e.to_string()))?;
    let unknown = x.unknown_rights();
    if !unknown.is_empty() {
        crate::warn(&format!(
            "expectations file {name}: access names this build does not know: {}; they are \
             matched by name, as a newer kernel prints them (check their spelling)",
            unknown.join(" ")
        ));
    }
    Ok(x)
}

/// `verify`: the report, then exit status 1 ([`Failure::Violated`]) when
/// an expectation does not hold.  The reader's own process is left out, as
/// from every count.
pub fn verify(
    cli: &Cli,
    v: &View,
    expectations: &Expectations,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let report = expectations.check(&v.domains, &v.counted_vec());
    // An expectation that holds because nothing matches it is most often a
    // misspelled selector: say so (min_processes makes it a violation).
    let unmatched: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.ok && r.matched == 0)
        .map(|r| landlock_audit::parse::quote(r.name.as_bytes()))
        .collect();
    if !unmatched.is_empty() {
        crate::warn(&format!(
            "{} matched no process: it holds trivially (check its selectors; \
             min_processes = 1 makes that a violation)",
            if unmatched.len() == 1 {
                format!("expectation {}", unmatched[0])
            } else {
                // At most 5 names: a file may hold thousands.
                let more = if unmatched.len() > 5 { ", …" } else { "" };
                format!(
                    "{} expectations ({}{more})",
                    unmatched.len(),
                    unmatched[..unmatched.len().min(5)].join(", ")
                )
            }
        ));
    }
    if cli.wants_json() {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            version: u32,
            results: &'a [landlock_audit::verify::ExpectationResult],
        }
        json_out(
            cli,
            out,
            &Doc {
                version: landlock_audit::json::VERSION,
                results: &report.results,
            },
        )?;
    } else {
        text_report(out, &report)?;
    }
    if report.ok() {
        Ok(())
    } else {
        Err(Failure::Violated)
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "es"
    }
}

/// The most TIDs a line of the text report lists.
const TIDS_SHOWN: usize = 8;

/// The TIDs of a line: `tid 301`, `tids 301 302`, or the first
/// [`TIDS_SHOWN`] then `… (N in all)`; `tid -` for a property of the
/// process.
fn tids_text(tids: &[u32]) -> String {
    match tids {
        [] => "tid -".to_owned(),
        [t] => format!("tid {t}"),
        _ => {
            let shown: Vec<String> = tids.iter().take(TIDS_SHOWN).map(u32::to_string).collect();
            let more = if tids.len() > TIDS_SHOWN {
                format!(" … ({} in all)", tids.len())
            } else {
                String::new()
            };
            format!("tids {}{more}", shown.join(" "))
        }
    }
}

/// The lines of one expectation's violations: one per violating process,
/// with its violating TIDs and each distinct `property expected X, found
/// Y` (`;`-separated); `min_processes` on a line of its own.
fn violation_lines(violations: &[Violation]) -> Vec<String> {
    let opt = |b: Option<&[u8]>| b.map_or_else(|| "?".to_owned(), text::field);
    let comm = |b: Option<&[u8]>| b.map_or_else(|| "?".to_owned(), crate::comm_text);
    let mut lines = Vec::new();
    for group in violations.chunk_by(|a, b| a.pid == b.pid) {
        let v = &group[0];
        let Some(pid) = v.pid else {
            lines.extend(group.iter().map(|v| {
                format!(
                    "    {}: expected {}, found {}",
                    v.property, v.expected, v.found
                )
            }));
            continue;
        };
        let mut tids: Vec<u32> = Vec::new();
        let mut what: Vec<String> = Vec::new();
        for v in group {
            if let Some(t) = v.tid {
                if !tids.contains(&t) {
                    tids.push(t);
                }
            }
            let w = format!("{} expected {}, found {}", v.property, v.expected, v.found);
            if !what.contains(&w) {
                what.push(w);
            }
        }
        lines.push(format!(
            "    pid {pid} {} exe {} comm {} unit {}: {}",
            tids_text(&tids),
            opt(v.exe_raw()),
            comm(v.comm_raw()),
            crate::unit_text(v.unit.as_deref()),
            what.join("; ")
        ));
    }
    lines
}

fn text_report(out: &mut impl Write, report: &Report) -> Result<(), Failure> {
    for r in &report.results {
        writeln!(
            out,
            "{:<8}  {}  ({} process{} matched, {} violating)",
            if r.ok { "ok" } else { "violated" },
            text::name(&r.name),
            r.matched,
            plural(r.matched),
            r.violating_processes
        )?;
        for l in violation_lines(&r.violations) {
            writeln!(out, "{l}")?;
        }
    }
    let bad = report.results.iter().filter(|r| !r.ok).count();
    writeln!(
        out,
        "{} of {} expectations hold",
        report.results.len() - bad,
        report.results.len()
    )?;
    Ok(())
}

/// The expectation gauges of `metrics --expect`.
pub fn metrics(e: &mut prom::Exposition, report: &Report) {
    let family =
        |e: &mut prom::Exposition, name: &str, help: &str, value: &dyn Fn(usize) -> String| {
            let labels: Vec<[(&str, &str); 1]> = report
                .results
                .iter()
                .map(|r| [("expectation", r.name.as_str())])
                .collect();
            let samples: Vec<(&[(&str, &str)], String)> = labels
                .iter()
                .enumerate()
                .map(|(i, l)| (&l[..], value(i)))
                .collect();
            e.gauge(name, help, &samples);
        };
    let r = &report.results;
    family(
        e,
        "landlock_audit_expectation_ok",
        "1 when the expectation (of metrics --expect FILE) holds, else 0.",
        &|i| u8::from(r[i].ok).to_string(),
    );
    family(
        e,
        "landlock_audit_expectation_matched_processes",
        "Processes the expectation's selectors match.",
        &|i| r[i].matched.to_string(),
    );
    family(
        e,
        "landlock_audit_expectation_violating_processes",
        "Matching processes of which a thread violates a property of the expectation.",
        &|i| r[i].violating_processes.to_string(),
    );
}
