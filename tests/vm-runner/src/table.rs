//! Table-driven checks: each row is one input and its verdict; a table
//! prints its size and the outcomes the ABI leaves open, and fails with its
//! first failing row.

use crate::vfs::{errno_name, Sys};
use crate::TestResult;
use std::collections::BTreeMap;

/// A row's verdict: `Ok(None)` is what `Documentation/abi.rst` promises,
/// `Ok(Some(outcome))` an outcome the ABI leaves open (an errno, or "data"
/// when the call succeeded with the right bytes), recorded in the output;
/// `Err` a failure.
pub type Verdict = Result<Option<String>, String>;

/// A table of rows.
pub struct Table {
    name: String,
    rows: usize,
    failed: usize,
    first: Option<String>,
    /// The failing rows after the first (at most 10 are kept).
    more: Vec<String>,
    /// (operation, outcome) -> targets, for outcomes the ABI leaves open.
    recorded: BTreeMap<(String, String), Vec<String>>,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            rows: 0,
            failed: 0,
            first: None,
            more: Vec::new(),
            recorded: BTreeMap::new(),
        }
    }

    /// Adds a row: `op` on `target` gave `v`.
    pub fn row(&mut self, op: &str, target: &str, v: Verdict) {
        self.rows += 1;
        match v {
            Ok(None) => {}
            Ok(Some(outcome)) => {
                let targets = self.recorded.entry((op.to_owned(), outcome)).or_default();
                if !targets.iter().any(|t| t == target) {
                    targets.push(target.to_owned());
                }
            }
            Err(e) => {
                self.failed += 1;
                let msg = format!("row {}: {op} on {target}: {e}", self.rows);
                if self.first.is_none() {
                    self.first = Some(msg);
                } else if self.more.len() < 10 {
                    self.more.push(msg);
                }
            }
        }
    }

    /// Prints the table's size and recorded outcomes; fails with the first
    /// failing row.
    pub fn finish(self) -> TestResult {
        println!(
            "# table {}: {} rows, {} failed",
            self.name, self.rows, self.failed
        );
        for ((op, outcome), targets) in &self.recorded {
            println!("#   {op} -> {outcome}: {}", targets.join(" "));
        }
        for m in &self.more {
            println!("#   also failed: {m}");
        }
        match self.first {
            None => Ok(()),
            Some(first) => Err(format!(
                "table {}: {} of {} rows failed; first: {first}",
                self.name, self.failed, self.rows
            )),
        }
    }
}

fn names(errnos: &[i32]) -> String {
    errnos
        .iter()
        .map(|&e| errno_name(e))
        .collect::<Vec<_>>()
        .join("|")
}

/// The ABI promises one of `errnos` (which one is recorded when it
/// promises several).
pub fn promised<T>(r: Sys<T>, errnos: &[i32]) -> Verdict {
    match r {
        Ok(_) => Err(format!("succeeded (promised {})", names(errnos))),
        Err(e) if errnos.contains(&e) && errnos.len() > 1 => Ok(Some(errno_name(e))),
        Err(e) if errnos.contains(&e) => Ok(None),
        Err(e) => Err(format!("{} (promised {})", errno_name(e), names(errnos))),
    }
}

/// The ABI promises an error without naming it: any error, recorded.
pub fn any_error<T>(r: Sys<T>) -> Verdict {
    match r {
        Ok(_) => Err("succeeded (an error was expected)".into()),
        Err(e) => Ok(Some(errno_name(e))),
    }
}

/// Must succeed.
pub fn succeeds<T>(r: Sys<T>) -> Verdict {
    r.map(|_| None).map_err(errno_name)
}

/// Bytes shown in a failure message.
pub fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(120)]).into_owned();
    if b.len() > 120 {
        format!("{s:?}... ({} bytes)", b.len())
    } else {
        format!("{s:?}")
    }
}

/// Must succeed with exactly `want`.
pub fn data(r: Sys<Vec<u8>>, want: &[u8]) -> Verdict {
    match r {
        Ok(d) if d == want => Ok(None),
        Ok(d) => Err(format!("read {}, expected {}", show(&d), show(want))),
        Err(e) => Err(format!("{} (expected {})", errno_name(e), show(want))),
    }
}

/// An error (recorded) or exactly `want` (recorded as "data").
pub fn error_or_data(r: Sys<Vec<u8>>, want: &[u8]) -> Verdict {
    match r {
        Ok(d) if d == want => Ok(Some("data".into())),
        Ok(d) => Err(format!("read {}, expected {}", show(&d), show(want))),
        Err(e) => Ok(Some(errno_name(e))),
    }
}

/// Either outcome is allowed; recorded.
pub fn recorded<T>(r: Sys<T>) -> Verdict {
    match r {
        Ok(_) => Ok(Some("success".into())),
        Err(e) => Ok(Some(errno_name(e))),
    }
}
