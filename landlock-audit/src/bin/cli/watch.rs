//! `--watch` of `status`, `tree` and `metrics`: the output again at each
//! change of the tree ([`landlock_audit::watch::Watcher`]) and at least
//! every `--interval`, printed only when it differs (see
//! [`crate::args::WATCH_HELP`], the user's documentation).

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use landlock_audit::watch::{Mode, Wake, Watcher};

use crate::args::{Cli, Command, WatchArgs, DEFAULT_INTERVAL_SECS};
use crate::{json_error, run_once, text, Failure};

/// The shortest time between two reads of the tree (or `--interval`, if
/// shorter): at most ten outputs a second, however fast domains come and
/// go.
const MIN_GAP: Duration = Duration::from_millis(100);

/// How outputs are told apart in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Separator {
    /// `--- TIME` (tree, status).
    Line,
    /// `# TIME`, a comment of the exposition format (metrics on stdout).
    Comment,
    /// Nothing: JSON (one document per line), or a file written by
    /// `metrics --output`.
    None,
}

/// Whether a SIGINT or SIGTERM asked the command to stop.  A second signal
/// while the flag is set ends the process at once (exit status 128 + the
/// signal's number), as the shell would.
fn stop_flag() -> io::Result<Arc<AtomicBool>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let stop = Arc::new(AtomicBool::new(false));
    for (sig, status) in [(SIGINT, 130), (SIGTERM, 143)] {
        // The order matters: the shutdown is checked before the flag is set.
        flag::register_conditional_shutdown(sig, status, Arc::clone(&stop))?;
        flag::register(sig, Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// `d` in seconds for a message: `10`, `0.5`.
fn seconds(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}

/// What the command tells, once, about how it watches.
fn mode_message(w: &Watcher, interval: Duration) -> String {
    let every = seconds(interval);
    match w.mode() {
        Mode::Generation => format!(
            "watching {}: output at each change of the tree, and re-read every {every} s",
            text::field(w.path().as_os_str().as_encoded_bytes())
        ),
        Mode::Interval(why) => format!("{why}: re-reading every {every} s"),
    }
}

/// Writes `landlock-audit: MSG` to stderr (escaped).
fn note(msg: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "landlock-audit: {}",
        text::message(msg)
    );
}

/// `t` as UTC, RFC 3339 to the second: `2026-12-07T10:15:03Z`.
fn utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// `status --watch`, `tree --watch`, `metrics --watch`.
pub fn run(
    cli: &Cli,
    command: &Command,
    args: &WatchArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    if cli.pretty {
        return Err(Failure::Usage(
            "--watch prints one JSON document per line (NDJSON): --pretty cannot be combined \
             with it (use --json)"
                .to_owned(),
        ));
    }
    let interval = args
        .interval
        .unwrap_or(Duration::from_secs(DEFAULT_INTERVAL_SECS));
    let to_file = matches!(
        command,
        Command::Metrics { output: Some(p), .. } if p != Path::new("-")
    );
    let separator = match command {
        _ if cli.wants_json() || to_file => Separator::None,
        Command::Metrics { .. } => Separator::Comment,
        _ => Separator::Line,
    };
    // Every text exposition differs (its timestamp), and the file's age is
    // what an alert watches: metrics writes at every read, but for JSON on
    // standard output, which has no timestamp and prints only changes.
    let always = matches!(command, Command::Metrics { .. }) && (to_file || !cli.wants_json());
    let stop = stop_flag().map_err(|e| {
        Failure::Output(io::Error::new(
            e.kind(),
            format!("installing the signal handlers: {e}"),
        ))
    })?;
    // Before the first read: a change during it wakes the first wait.
    let mut watcher = Watcher::new(&cli.root, interval)?;
    let mut mode = None;
    let mut last: Option<Vec<u8>> = None;
    // The last error reported while watching: the same error again is not
    // reported until it changes or a read succeeds.
    let mut last_error: Option<String> = None;
    let mut outputs: u64 = 0;
    // Reads at least this far apart: under a churn of domains (a sandbox per
    // job), the generation changes all the time.
    let gap = interval.min(MIN_GAP);
    loop {
        let at = SystemTime::now();
        let started = Instant::now();
        let mut buf = Vec::new();
        let result = run_once(cli, command, &mut buf);
        let first = mode.is_none();
        if mode.is_none() && result.is_ok() {
            note(&mode_message(&watcher, interval));
            mode = Some(watcher.mode());
        }
        match result {
            Ok(()) => {
                if always || last.as_deref() != Some(&buf[..]) {
                    emit(out, separator, at, &buf)?;
                    outputs += 1;
                }
                last = Some(buf);
                last_error = None;
            }
            Err(f @ Failure::Output(_)) => return Err(f),
            Err(f) if first => {
                // As without --watch: what was written (metrics' exposition
                // with landlock_audit_up 0), then the error.
                if !buf.is_empty() {
                    emit(out, separator, at, &buf)?;
                }
                return Err(f);
            }
            Err(f) => {
                let msg = f.message(cli);
                let new = last_error.as_deref() != Some(&msg);
                // metrics' exposition (landlock_audit_up 0) at every read,
                // as when it succeeds.
                if !buf.is_empty() && (always || new) {
                    emit(out, separator, at, &buf)?;
                }
                if new {
                    let _ = writeln!(
                        io::stderr().lock(),
                        "landlock-audit: error: {msg} (still watching)"
                    );
                    if cli.wants_json() && !to_file {
                        writeln!(out, "{}", json_error(f.kind(), &msg))?;
                        out.flush()?;
                    }
                    last_error = Some(msg);
                }
                last = None;
            }
        }
        if args.count.is_some_and(|n| outputs >= n) {
            return Ok(());
        }
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            match watcher.wait(Some(interval)) {
                Ok(Wake::Interrupted) => continue,
                Ok(_) => break,
                Err(e) => return Err(e.into()),
            }
        }
        // What changes meanwhile wakes nothing more: the coming read sees it.
        loop {
            let since = started.elapsed();
            if since >= gap || stop.load(Ordering::Relaxed) {
                break;
            }
            watcher.wait(Some(gap - since))?;
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        if mode.is_some_and(|m| m != watcher.mode()) {
            crate::warn(&mode_message(&watcher, interval));
            mode = Some(watcher.mode());
        }
    }
}

/// Writes one output with its separator, and flushes it.
fn emit(out: &mut impl Write, sep: Separator, at: SystemTime, body: &[u8]) -> io::Result<()> {
    match sep {
        Separator::Line => writeln!(out, "--- {}", utc(at))?,
        Separator::Comment => writeln!(out, "# {}", utc(at))?,
        Separator::None => {}
    }
    out.write_all(body)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_is_rfc_3339() {
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(utc(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(utc(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(utc(at(1_796_638_503)), "2026-12-07T10:15:03Z");
        assert_eq!(utc(at(4_102_444_799)), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn seconds_are_short() {
        assert_eq!(seconds(Duration::from_secs(10)), "10");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5");
    }
}
