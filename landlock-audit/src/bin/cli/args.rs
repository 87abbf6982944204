//! The command line of `landlock-audit` (clap).  `xtask` includes this file
//! to generate the man page and the shell completions from it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use landlock_audit::{AuditId, DEFAULT_ROOT};

/// The exit statuses of every subcommand (`--help`, and EXIT STATUS in the
/// man pages).
pub const EXIT_STATUS: &str = "  0  success (for verify: every expectation holds)
  1  for verify: at least one expectation is violated; else an
     error while reading the tree or /proc (malformed tree,
     I/O error, permission denied, unsupported tree version,
     unknown domain, no domain with the audit ID, audit_id
     without CAP_AUDIT_READ, rules without CAP_SYS_PTRACE or
     held by no task), or while writing the output
  2  usage error (bad command line, or a --proc DIR that is not a
     directory or has neither process directories nor self); for
     verify and metrics --expect,
     also an expectations file that is missing or invalid
  3  no Landlock audit tree on this system: securityfs not
     mounted (or no /sys/kernel/security at all), Landlock
     disabled, or a kernel without the landlock-audit patch;
     for domain --audit-id, also a kernel whose tree has no
     audit_id files (older than them), and for domain --rules,
     one without rules files; for --root DIR, a DIR
     without a version file, or a file (kind not_a_tree), or one
     that does not exist (kind securityfs_not_mounted: no tree
     there)";

/// The text after the exit statuses of `--help` (OUTPUT in the man page):
/// escaping, JSON and errors.
pub const OUTPUT_HELP: &str = "\
Text output escapes what other users control (command names, executable
paths, paths): space, backslash, control characters, Unicode line
separators, invisible format characters (bidirectional controls, U+200B,
U+FEFF, ...: category Cf) and bytes that are not UTF-8 are written as \\ooo
(octal, one per byte; e.g. a newline is \\012), as the tree's creator file
does.  A command name longer than 64 bytes (only a copied /proc has one: the
kernel's are at most 16) is cut there and ends with an ellipsis (…).
Expectation names keep their spaces and have their backslashes escaped.  JSON carries the values unescaped (JSON's own escaping)
and losslessly: where bytes are not UTF-8, the string shows U+FFFD and a
sibling comm_bytes, exe_bytes, cgroup_bytes or path_bytes (a rule's path)
holds the exact bytes.

JSON output (--json) is versioned (\"version\": 1) and its arrays are sorted
(domains by ID, tasks by TGID then TID, processes by PID).  With --json, an
error is also a JSON document on stdout, with the same exit status:

  {\"version\":1,\"error\":{\"kind\":\"KIND\",\"message\":\"...\"}}

KIND is one of securityfs_not_mounted,
landlock_disabled, feature_absent, permission_denied, malformed,
unsupported_version, io, unknown_domain, ambiguous_domain,
no_visible_domain, no_such_process, audit_id_not_found,
audit_id_permission_denied, audit_id_unsupported,
rules_permission_denied, rules_unavailable, rules_unsupported,
domain_gone, not_a_tree, expectations, usage, other.

--root and --proc may be symbolic links (followed, once); symbolic links
below them are refused.

Without a subcommand, status is shown.  Warnings go to stderr: access rights
this build does not know (a newer kernel's; shown as the kernel names them),
and a partial view (processes this reader may not inspect).";

/// The text after `domain --help`: finding a domain by its audit ID.
pub const DOMAIN_AFTER_HELP: &str = "\
ID may be any unique prefix of at least 4 digits of a visible domain's ID
(as git accepts abbreviated commits): a prefix that several domains share
is an error (exit 1, kind ambiguous_domain) that names them.

handles lists the rights this domain's own layer handles; enforces lists
what its chain enforces, the union over the domain and its visible
ancestors (an access is checked against every layer).  denials counts the
access requests this domain denied as the youngest layer that denied them
(a request a sub-domain also denies counts for the sub-domain), logged or
not; the kernel gives it only to readers with CAP_AUDIT_READ in the
initial user namespace (as audit_id), so it is unknown otherwise.

Audit records (domain=) and tracepoints print upstream Landlock's domain
IDs, not the tree's.  With --audit-id, the domain is found by reading
domains/<id>/audit_id of each visible domain until one holds that ID, and
shown as by its tree ID (text or --json alike).  Opening audit_id needs
CAP_AUDIT_READ in the initial user namespace: audit IDs are monotonic and
reveal the creation order that the tree's IDs hide.

With --pid, the domain of the process's main thread (--tid: of one of its
threads) is read from /proc/PID/attr/landlock/domain (/proc/PID/task/TID/...)
through the open /proc/PID directory, so a PID reused meanwhile cannot be
mistaken for it.  That file is empty, and the command fails (exit 1, kind
no_visible_domain), when the thread runs in no domain you may see: it is
not sandboxed, or it runs in your own domain (a sandboxed process learns
nothing about its own sandbox) or in one not nested below yours.  Reading
it needs the right to ptrace-read the process: its owner (and it
dumpable), or CAP_SYS_PTRACE (exit 1, kind permission_denied, otherwise).
--pid reads the system's tree: it is refused with --root.

Errors of --audit-id (exit status, --json kind):
  1  audit_id_not_found: no visible domain has that audit ID (it
     does not exist, is gone, or is not visible to the caller)
  1  audit_id_permission_denied: the caller lacks CAP_AUDIT_READ
  3  audit_id_unsupported: the kernel's tree has no audit_id files
  2  usage: not an audit ID (1 to 16 lowercase hexadecimal digits
     without a leading zero, optionally after domain=)

With --rules, the rules of the domain's own layer follow, from
domains/<id>/rules, one line each, in the kernel's order (by kind,
device, inode, port):

  fs   PATH  RIGHTS  (dev MAJOR:MINOR ino N[, quiet])
  fs   (REASON)  RIGHTS  (dev MAJOR:MINOR ino N[, quiet])
  fs   (released)  RIGHTS[  (quiet)]
  net  port N  RIGHTS[  (quiet)]

A filesystem rule allows RIGHTS beneath the file or directory PATH,
named from your root (escaped as other paths are); when the kernel names
no path, REASON says why: uncached (no dentry of the inode is cached),
deleted (it is unlinked), unreachable (no mount below your root shows
it), too_long (longer than PATH_MAX), released (its filesystem was
unmounted: the kernel knows neither the numbers nor the name).  dev and
ino are the inode's st_dev and st_ino.  A network rule allows RIGHTS on a
TCP or UDP port.  quiet marks a rule added with LANDLOCK_ADD_RULE_QUIET;
RIGHTS is - for a quiet rule that allows nothing.  With --json, the
domain gets a \"rules\" array: {\"kind\":\"fs\",\"dev\":{\"major\",\"minor\"},
\"ino\",\"path\",\"reason\",\"quiet\",\"access\":[...]} (dev, ino, path
and reason null where they do not apply; path_bytes when the path is not
UTF-8) or {\"kind\":\"net\",\"port\",\"quiet\",\"access\":[...]}.

Errors of --rules (exit status, --json kind):
  1  rules_permission_denied: the caller lacks CAP_SYS_PTRACE in the
     initial user namespace (as for the creator)
  1  rules_unavailable: no task holds the domain's layer any more
     (its own tasks ended; the domains below it that keep its layer
     are held only by credentials of no task, such as open files')
  1  domain_gone: the domain ended after the tree was read
  3  rules_unsupported: the kernel's tree has no rules files";

/// The text after `metrics --help`.
pub const METRICS_AFTER_HELP: &str = "\
Always writes landlock_audit_up (1 or 0, no label) and
landlock_audit_build_info{version}.  When the tree or /proc cannot be read,
landlock_audit_up is 0, landlock_audit_error_info{kind=\"KIND\"} 1 names the
error (KIND as in --json errors), landlock_audit_last_success_timestamp_seconds
keeps the value of the file being replaced, and the exit status is that of
the error, so a textfile never goes stale silently.  With --output, the file
is replaced atomically (a temporary file in the same directory, fsync,
rename), as node_exporter's textfile collector requires; only a regular
file is replaced: a symbolic link, device, FIFO, socket or directory at
FILE is a usage error (exit 2) and left as it is.  --output - is stdout.

Per systemd unit (unless --no-units):
landlock_audit_unit_processes{unit,state} counts the processes of each
unit in each state, with the states of landlock_audit_processes{state}
(sandboxed, mixed, unconfined, unknown, kernel_thread); unit=\"-\" holds
the processes outside any unit, and beyond 1000 units the rest are summed
in unit=\"-other\" (neither is a valid unit name).

Denials: landlock_audit_denials sums the access requests the visible
domains denied (each kernel count is upstream Landlock's num_denials:
a request counts for the youngest layer that denies it, logged or not).
It falls when a domain ends, so it is a gauge, not a counter.  No series
is written per domain unless --per-domain adds
landlock_audit_domain_denials_total{domain=\"ID\"}, one counter per visible
domain (16-hexadecimal-digit ID), which only grows while the domain lives
and ends with it: a new series for every domain ever seen, so opt in only
where the Prometheus server can take them.  Both are absent when the
kernel gives no count (a kernel without domains/<id>/denials, a caller
without CAP_AUDIT_READ, which the kernel requires for the counts, or no
visible domain).

With --expect FILE, per expectation (label expectation=NAME):
landlock_audit_expectation_ok (1 when it holds, else 0),
landlock_audit_expectation_matched_processes and
landlock_audit_expectation_violating_processes.  An invalid FILE gives
landlock_audit_up 0, landlock_audit_error_info{kind=\"expectations\"} 1 and
exit status 2.

With --json, metrics prints the document of status --json, with
\"expectations\" (the results of verify --json) under --expect; --json and
--output cannot be combined (exit 2).";

/// The text after `metrics --help`: [`METRICS_AFTER_HELP`] and where every
/// metric is listed (its man page, which has the list instead).
pub fn metrics_after_help() -> String {
    format!(
        "{METRICS_AFTER_HELP}\n\nlandlock-audit-metrics(1) lists every metric with its type and \
         labels.\n\nWatching:\n{WATCH_HELP}"
    )
}

/// One metric family that `metrics` writes.
#[allow(dead_code)] // Read by xtask (the man page) and the tests.
pub struct Metric {
    /// Its name.
    pub name: &'static str,
    /// Its Prometheus type.
    pub kind: &'static str,
    /// Its labels, in the order of its samples.
    pub labels: &'static [&'static str],
    /// When it is written and what it counts.
    pub meaning: &'static str,
}

/// Every metric family of `metrics`, listed in landlock-audit-metrics(1);
/// a test of the command checks the output against it.
#[allow(dead_code)] // Read by xtask (the man page) and the tests.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "landlock_audit_up",
        kind: "gauge",
        labels: &[],
        meaning: "Always: 1 when the tree and /proc were read, else 0.",
    },
    Metric {
        name: "landlock_audit_build_info",
        kind: "gauge",
        labels: &["version"],
        meaning: "Always 1; version is the command's.",
    },
    Metric {
        name: "landlock_audit_last_success_timestamp_seconds",
        kind: "gauge",
        labels: &[],
        meaning: "Unix time of the last successful read; on failure, kept from the \
                  file --output replaces (absent without one).",
    },
    Metric {
        name: "landlock_audit_error_info",
        kind: "gauge",
        labels: &["kind"],
        meaning: "Only when the read failed: 1, kind as in --json errors.",
    },
    Metric {
        name: "landlock_audit_abi_version",
        kind: "gauge",
        labels: &[],
        meaning: "The Landlock ABI version of the kernel.",
    },
    Metric {
        name: "landlock_audit_tree_format_version",
        kind: "gauge",
        labels: &[],
        meaning: "The format version of the tree.",
    },
    Metric {
        name: "landlock_audit_domains",
        kind: "gauge",
        labels: &[],
        meaning: "Domains visible to the reader.",
    },
    Metric {
        name: "landlock_audit_domain_depth_max",
        kind: "gauge",
        labels: &[],
        meaning: "The deepest nesting of the visible domains (0 without domains).",
    },
    Metric {
        name: "landlock_audit_domains_handling",
        kind: "gauge",
        labels: &["class", "right"],
        meaning: "Visible domains whose own layer handles the right (class fs, net or \
                  scope; rights this build does not know included).",
    },
    Metric {
        name: "landlock_audit_processes",
        kind: "gauge",
        labels: &["state"],
        meaning: "Processes by state: sandboxed, mixed, unconfined, unknown, \
                  kernel_thread (the command itself left out); their sum is every \
                  process.",
    },
    Metric {
        name: "landlock_audit_partial",
        kind: "gauge",
        labels: &[],
        meaning: "1 when some processes are unknown (not inspectable by the reader): \
                  the ratios cover part of the system.",
    },
    Metric {
        name: "landlock_audit_processes_handling",
        kind: "gauge",
        labels: &["class"],
        meaning: "Sandboxed processes all of whose threads run under a domain chain \
                  handling a right of the class (fs, net, scope).",
    },
    Metric {
        name: "landlock_audit_sandboxed_ratio",
        kind: "gauge",
        labels: &[],
        meaning: "Sandboxed processes / judged processes (all but kernel threads and \
                  unknown ones); absent when none is judged.",
    },
    Metric {
        name: "landlock_audit_handling_ratio",
        kind: "gauge",
        labels: &["class"],
        meaning: "landlock_audit_processes_handling / judged processes; absent when \
                  none is judged.",
    },
    Metric {
        name: "landlock_audit_denials",
        kind: "gauge",
        labels: &[],
        meaning: "Access requests the visible domains denied, summed (upstream's \
                  num_denials: counted for the youngest denying layer) that the kernel \
                  gave a count; falls when a domain ends.  0 without any domain; absent \
                  when domains exist but none has a count (a reader without \
                  CAP_AUDIT_READ in the initial user namespace, or a kernel without the \
                  counts).",
    },
    Metric {
        name: "landlock_audit_domain_denials_total",
        kind: "counter",
        labels: &["domain"],
        meaning: "With --per-domain: access requests each visible domain denied \
                  (domain=ID); grows while the domain lives, the series ends with it.  \
                  Absent for a domain without a count.",
    },
    Metric {
        name: "landlock_audit_unit_processes",
        kind: "gauge",
        labels: &["unit", "state"],
        meaning: "Unless --no-units: processes per systemd unit and state (the states \
                  of landlock_audit_processes); unit=\"-\" outside any unit, \
                  unit=\"-other\" the units beyond the first 1000.",
    },
    Metric {
        name: "landlock_audit_expectation_ok",
        kind: "gauge",
        labels: &["expectation"],
        meaning: "With --expect: 1 when the expectation holds, else 0.",
    },
    Metric {
        name: "landlock_audit_expectation_matched_processes",
        kind: "gauge",
        labels: &["expectation"],
        meaning: "With --expect: processes the expectation's selectors match.",
    },
    Metric {
        name: "landlock_audit_expectation_violating_processes",
        kind: "gauge",
        labels: &["expectation"],
        meaning: "With --expect: matching processes of which a thread violates the \
                  expectation.",
    },
];

/// The exit statuses of one subcommand (EXIT STATUS in its man page);
/// `verify`'s are [`VERIFY_EXIT_STATUS`].
pub fn subcommand_exit_status(sub: &str) -> String {
    let no_tree = "  3  no Landlock audit tree on this system (securityfs not
     mounted, Landlock disabled, or a kernel without the
     landlock-audit patch), or a --root DIR that does not exist,
     is a file or has no version file";
    let usage = "  2  usage error (bad command line, or a --proc DIR that is
     not a directory or has neither process directories nor self)";
    let read = "  1  an error while reading the tree or /proc (malformed tree,
     I/O error, permission denied, unsupported tree version),
     or while writing the output";
    match sub {
        "verify" => VERIFY_EXIT_STATUS.to_owned(),
        "domain" => format!(
            "  0  success
{read}; also an unknown domain or an
     ambiguous ID prefix (kind ambiguous_domain), and for
     --audit-id no visible domain with that audit ID, or
     audit_id without CAP_AUDIT_READ; for --pid no such process
     or thread (kind no_such_process), no domain visible to you
     (kind no_visible_domain), or no right to ptrace-read it
     (kind permission_denied)
  2  usage error (bad command line: not an ID prefix, not an
     audit ID, neither ID nor --audit-id nor --pid, --pid with
     --root)
{no_tree}; for --audit-id, also a kernel whose tree has no
     audit_id files"
        ),
        "metrics" => format!(
            "  0  success: the exposition is written; with --watch, also
     a stop by --count, SIGINT or SIGTERM
{read}; the exposition is still
     written, with landlock_audit_up 0 (with --watch, only
     before the first output; later ones are written and
     watching goes on); a malformed generation file
{usage}; also a --output FILE that is not a
     regular file, --output with --json (nothing written),
     --pretty with --watch, and
     an expectations file that is missing or invalid (written,
     with landlock_audit_up 0)
{no_tree}; the exposition is still written, with
     landlock_audit_up 0"
        ),
        "ps" => format!(
            "  0  success
{read}; also ps -p PID when none of the PIDs is
     a process (the header alone is printed, as by procps's ps);
     each PID not found is named on stderr, whatever the status
{usage}
{no_tree}"
        ),
        "status" | "tree" => format!(
            "  0  success; with --watch, also a stop by --count, SIGINT
     or SIGTERM
{read}; with --watch, only before
     the first output (later errors are reported and
     watching goes on); also a malformed generation file
{usage}; also --pretty with
     --watch
{no_tree}"
        ),
        _ => format!("  0  success\n{read}\n{usage}\n{no_tree}"),
    }
}

/// The text after `--help`: [`EXIT_STATUS`] and [`OUTPUT_HELP`].
pub fn after_help() -> String {
    format!("Exit status:\n{EXIT_STATUS}\n\n{OUTPUT_HELP}")
}

/// The exit statuses of `verify` (`verify --help`, and EXIT STATUS in its
/// man page).
pub const VERIFY_EXIT_STATUS: &str = "  0  every expectation holds
  1  at least one expectation is violated (the report says which),
     or an error while reading the tree or /proc
  2  usage error, or the expectations file is missing, not a
     regular file (a FIFO is refused, not waited on), or invalid
     (the message names the file, the line and the offending key
     or word)
  3  no Landlock audit tree on this system";

/// The text after `verify --help` (EXPECTATIONS FILE in its man page).
pub const VERIFY_FILE_HELP: &str = "\
The expectations file is TOML, an array of [[expect]] tables:

  [[expect]]
  name = \"sshd is sandboxed\"       # required, unique
  exe = \"/usr/sbin/sshd\"           # selectors (all given must match):
  unit = \"ssh.service\"             #   exe (absolute, * ? [..] ** globs),
  uid = 0                          #   comm (exact), unit (globs), uid
  sandboxed = true                 # properties of every thread:
  min_depth = 1                    #   sandboxed, min_depth,
  handles_fs = [\"write_file\"]      #   handles_fs, handles_net, scoped
  handles_net = [\"bind_tcp\"]       #   (access names as the tree prints
  scoped = [\"signal\"]              #   them, handled by some layer)
  min_processes = 1                # default 0

Access names are any the tree allows: the names it prints, bit<N> for bit
N, and a newer kernel's lowercase names (matched by name, with a warning).

Each violating process is one line: its PID, its violating TIDs (at most
8), exe, comm, unit, and each property not held with what was expected and
what was found; exe and comm are escaped.  A matching process the reader may not
inspect violates every property (it cannot be judged); kernel threads never
match.  --json prints {\"version\":1,\"results\":[{\"name\",\"ok\",\"matched\",
\"violating_processes\",\"violations\":[...]}]}.";

/// The text after `verify --help`: [`VERIFY_FILE_HELP`] and
/// [`VERIFY_EXIT_STATUS`].
pub fn verify_after_help() -> String {
    format!("{VERIFY_FILE_HELP}\n\nExit status:\n{VERIFY_EXIT_STATUS}")
}

/// The default of `--interval`, in seconds.
pub const DEFAULT_INTERVAL_SECS: u64 = 10;
/// The longest `--interval`: a day, in seconds.
pub const MAX_INTERVAL_SECS: u64 = 86_400;
/// The shortest `--interval`: 10 ms (shorter would re-read the tree and
/// /proc in a busy loop).
pub const MIN_INTERVAL_SECS: f64 = 0.01;

/// The text after `status --help`, `tree --help` and `metrics --help`
/// about `--watch` (WATCHING in their man pages).
pub const WATCH_HELP: &str = "\
With --watch, the command keeps running and prints its output again each
time it changes.  It waits in poll() on the tree's generation file
(ROOT/generation), whose number the kernel changes whenever your view of
the tree changes (a domain you may see appears or ends, a task enters or
leaves one), and re-reads the tree at once; it also re-reads it every
--interval SECONDS (default 10), since what a change of the tree does not
cover changes too (processes outside any domain, command names, units).
Reads are at least 0.1 s apart (or --interval, if shorter).
Without a usable generation file, it re-reads every --interval SECONDS
only.  It says once on stderr which it does: \"watching ROOT/generation\",
or why not: no generation file (a kernel without it, or a copied tree), the file needs
CAP_SYS_PTRACE in the initial user namespace (open() is refused
otherwise), or it is not on securityfs (a copied tree, which cannot
signal a change).  With --watch, a generation file that is not a regular
file holding one decimal number is an error (exit 1), as any malformed
file of the tree is; without --watch the file is not read.

An output is printed only when it differs from the last one printed
(metrics in text or with --output: every time, its timestamp being new).  In text, each output
starts with a line holding the UTC time of the read: --- 2026-12-07T10:15:03Z
(for metrics, # 2026-12-07T10:15:03Z, a comment of the exposition format);
the screen is never cleared, so the output is the same in a terminal, a
pipe or a file.  With --json, each output is one JSON document on one line
(NDJSON, the document of the command without --watch); --pretty is refused
(exit 2).  metrics --output FILE is replaced atomically at every read, and
prints nothing.

A read that fails before the first output ends the command, as without
--watch; a later one is reported on stderr (with --json, also as an error
document on its line; metrics writes its landlock_audit_up 0 exposition),
once until it changes or a read succeeds, and the command goes on
watching.  --count N stops after N outputs (exit
0): --count 2 waits for the first change.  SIGINT and SIGTERM stop it
after the output being written, with exit status 0 (a second signal stops
it at once).";

/// The `--watch` options of `status`, `tree` and `metrics`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WatchArgs {
    /// Keep running: print the output again whenever it changes (see
    /// WATCHING below).
    #[arg(long)]
    pub watch: bool,

    /// With --watch: re-read the tree at least every SECONDS (the only
    /// re-reads without a usable generation file); a decimal from 0.01 to
    /// 86400 [default: 10].
    #[arg(long, value_name = "SECONDS", requires = "watch", value_parser = interval, allow_negative_numbers = true)]
    pub interval: Option<std::time::Duration>,

    /// With --watch: stop after N outputs (N >= 1; 2 waits for the first
    /// change).
    #[arg(long, value_name = "N", requires = "watch", value_parser = count, allow_negative_numbers = true)]
    pub count: Option<u64>,
}

/// `--interval`: a decimal number of seconds, from
/// [`MIN_INTERVAL_SECS`] to [`MAX_INTERVAL_SECS`].
fn interval(s: &str) -> Result<std::time::Duration, String> {
    let bad = || {
        format!(
            "not an interval: a decimal number of seconds from {MIN_INTERVAL_SECS} to \
             {MAX_INTERVAL_SECS}, e.g. 10 or 0.5"
        )
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let v: f64 = s.parse().map_err(|_| bad())?;
    if v <= 0.0 {
        return Err("the interval must be greater than 0".to_owned());
    }
    if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS as f64).contains(&v) {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs_f64(v))
}

/// `--count`: a positive decimal number.
fn count(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n > 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err("not a count (a positive decimal number)".to_owned()),
    }
}

/// The text after `status --help` and `tree --help`: watching, and the
/// exit statuses of `sub`.
pub fn watch_after_help(sub: &str) -> String {
    format!(
        "Watching:\n{WATCH_HELP}\n\nExit status:\n{}",
        subcommand_exit_status(sub)
    )
}

/// The text after `ps --help` and `list --help`: the exit statuses of `sub`.
pub fn exit_after_help(sub: &str) -> String {
    format!("Exit status:\n{}", subcommand_exit_status(sub))
}

/// The heading of the options every subcommand takes (in `--help`, after
/// the subcommand's own).
const GLOBAL: &str = "Global options (input and output format)";

/// Shows Landlock domains (sandboxes), the processes that run in them and how
/// many processes are sandboxed, from /sys/kernel/security/landlock.
#[derive(Debug, Parser)]
#[command(name = "landlock-audit", version, after_help = after_help())]
pub struct Cli {
    /// The Landlock audit tree.
    #[arg(long, global = true, value_name = "DIR", default_value = DEFAULT_ROOT, help_heading = GLOBAL)]
    pub root: PathBuf,

    /// The procfs of the PID namespace the tree is read from.
    #[arg(
        long = "proc",
        global = true,
        help_heading = GLOBAL,
        value_name = "DIR",
        default_value = "/proc"
    )]
    pub proc_root: PathBuf,

    /// Print JSON (schema version 1) instead of text, errors included.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,

    /// Print indented JSON (implies --json).
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub pretty: bool,

    /// What to show (default: status).
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Whether the output is JSON.
    pub fn wants_json(&self) -> bool {
        self.json || self.pretty
    }
}

/// A domain ID or a prefix of one: 4 to 16 lowercase hexadecimal digits.
fn id_prefix(s: &str) -> Result<String, String> {
    let hex = s.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && s.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "domain IDs are lowercase hexadecimal: try {}",
            s.to_ascii_lowercase()
        ));
    }
    if hex && s.starts_with('0') {
        return Err(
            "no domain ID starts with 0: IDs are 2^60 or more (16 hexadecimal digits, the \
             first not 0); an audit record's ID is found with --audit-id"
                .to_owned(),
        );
    }
    if (4..=16).contains(&s.len()) && hex {
        Ok(s.to_owned())
    } else {
        Err("not a domain ID or ID prefix (4 to 16 lowercase hexadecimal digits)".to_owned())
    }
}

/// A PID: a positive decimal number.
fn pid(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err("not a PID (a positive decimal number)".to_owned()),
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Visible domains and how many processes are sandboxed, by access class.
    ///
    /// Kernel threads and processes this reader may not inspect are counted
    /// apart; the ratios are over the other, judged, processes.
    #[command(after_help = watch_after_help("status"))]
    Status {
        /// Do not count processes per systemd unit.
        #[arg(long)]
        no_units: bool,

        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Domains nested as they are, with each process's PID, thread count,
    /// systemd unit and command name.
    ///
    /// A process with threads outside any visible domain is marked
    /// "mixed: N of M threads unconfined".
    #[command(after_help = watch_after_help("tree"))]
    Tree {
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Processes: PID, user, state, domains, systemd unit, executable,
    /// command name.
    ///
    /// STATE is sandboxed (all threads in visible domains), mixed (some),
    /// unconfined (none), unknown (this reader may not inspect the process)
    /// or kernel_thread.  Kernel threads are listed only with --all.
    #[command(after_help = exit_after_help("ps"))]
    Ps {
        /// List kernel threads too.
        #[arg(short = 'e', long = "all", visible_short_alias = 'A')]
        all: bool,

        /// Only these PIDs (repeat or separate with commas).
        #[arg(short = 'p', long = "pid", value_name = "PID", value_delimiter = ',', value_parser = pid)]
        pids: Vec<u32>,
    },
    /// One line per domain, as lsns lists namespaces: ID, depth, number of
    /// processes, denials, and the creator's PID, user, systemd unit and
    /// executable.
    ///
    /// DENIALS is the count of access requests the domain denied (see
    /// domain --help); - when unknown: the kernel gives it only to readers
    /// with CAP_AUDIT_READ in the initial user namespace (or it is older
    /// than the count).
    #[command(after_help = exit_after_help("list"))]
    List,
    /// One domain in detail, by its ID in the tree, the ID audit records
    /// print, or a process that runs in it.
    #[command(
        after_help = DOMAIN_AFTER_HELP,
        group(clap::ArgGroup::new("which").required(true).args(["id", "audit_id", "pid"]))
    )]
    Domain {
        /// The domain's ID in the tree (16 lowercase hexadecimal digits), or a
        /// unique prefix of it (at least 4 digits).
        #[arg(value_name = "ID", value_parser = id_prefix)]
        id: Option<String>,

        /// Find the domain by upstream Landlock's ID of it, as audit records
        /// and tracepoints print it: HEX or domain=HEX (lowercase, no leading
        /// zero), e.g. domain=1a2b3c4d5.  Needs CAP_AUDIT_READ.
        #[arg(long, value_name = "HEX")]
        audit_id: Option<AuditId>,

        /// The domain process PID runs in (its main thread's), from
        /// /proc/PID/attr/landlock/domain (from the tree's tasks file on
        /// kernels without it).  Needs the right to ptrace-read the
        /// process.  Not with --root: a copied tree is not the one the
        /// process runs under.
        #[arg(long, value_name = "PID", value_parser = pid)]
        pid: Option<u32>,

        /// With --pid: the domain of this thread of the process instead of
        /// its main thread's (threads may run in different domains; ps
        /// shows a process whose threads differ as mixed).
        // `requires = "pid"` alone lets `domain ID --tid N` through: clap
        // takes any member of the required group `which` as the
        // requirement (clap-rs/clap#4707), so the other two conflict.
        #[arg(long, value_name = "TID", value_parser = pid, requires = "pid",
              conflicts_with_all = ["id", "audit_id"])]
        tid: Option<u32>,

        /// Also show the rules of the domain's own layer (paths beneath
        /// which, and ports on which, it allows rights), from
        /// domains/<id>/rules.  Needs CAP_SYS_PTRACE in the initial user
        /// namespace.
        #[arg(long)]
        rules: bool,
    },
    /// Prometheus text exposition, for node_exporter's textfile collector.
    #[command(after_help = metrics_after_help())]
    Metrics {
        /// Write to FILE (replaced atomically) instead of stdout, e.g.
        /// /var/lib/prometheus/node-exporter/landlock.prom.  FILE must be a
        /// regular file or a new name (a symbolic link, device, FIFO or
        /// directory there is refused, exit 2); - is stdout.
        #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "json")]
        output: Option<PathBuf>,

        /// Also export, per expectation of FILE, whether it holds and how
        /// many processes violate it (see verify).
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,

        /// Do not export processes per systemd unit.
        #[arg(long)]
        no_units: bool,

        /// Also export each visible domain's count of denials as a counter
        /// labelled with its ID, landlock_audit_domain_denials_total{domain}:
        /// one series per domain ever seen, and every landlock_restrict_self()
        /// makes a new domain with a never-reused ID (each start of a
        /// sandboxed service or command), so series grow with sandbox churn.
        /// By default only their sum, landlock_audit_denials, is written.
        /// Prometheus text only: ignored with --json.
        #[arg(long)]
        per_domain: bool,

        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Check the processes against an expectations file (TOML): exit 0 when
    /// every expectation holds, 1 when one is violated.
    #[command(after_help = verify_after_help())]
    Verify {
        /// The expectations file.
        #[arg(long, value_name = "FILE")]
        expect: PathBuf,
    },
}
