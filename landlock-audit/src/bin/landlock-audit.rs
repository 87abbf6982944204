//! `landlock-audit`: shows the Landlock domains of the system, which
//! processes run in them, and how many processes are sandboxed.

#[path = "cli/args.rs"]
mod args;
#[path = "cli/prom.rs"]
mod prom;
#[path = "cli/text.rs"]
mod text;
#[path = "cli/units.rs"]
mod units;
#[path = "cli/users.rs"]
mod users;
#[path = "cli/verify.rs"]
mod verify;
#[path = "cli/watch.rs"]
mod watch;

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use landlock_audit::json::{self, DomainList, ProcessCounts, PsProcess};
use landlock_audit::procfs::{self, Process};
use landlock_audit::{
    Coverage, Domain, DomainId, Domains, Error, FsObject, ProcessState, Rule, Task, DEFAULT_ROOT,
};

use args::{Cli, Command};

/// Exit status: success.
const EXIT_OK: u8 = 0;
/// Exit status: an error while reading (malformed tree, I/O, permission,
/// unsupported version, unknown domain or audit ID, `audit_id` without
/// `CAP_AUDIT_READ`, `rules` without `CAP_SYS_PTRACE` or held by no task)
/// or writing.
const EXIT_ERROR: u8 = 1;
/// Exit status: usage error (also clap's own).
const EXIT_USAGE: u8 = 2;
/// Exit status: no tree on this system (securityfs not mounted, Landlock
/// disabled, or a kernel without the landlock-audit feature), or, for
/// `domain --audit-id`, a tree without `audit_id` files (for `domain
/// --rules`, without `rules` files).
const EXIT_UNAVAILABLE: u8 = 3;

/// The most bytes of a command name shown: the kernel's are at most 16
/// (`TASK_COMM_LEN`), but a copied `/proc` may hold anything.
const COMM_MAX: usize = 64;

/// What went wrong, with its exit status.
#[derive(Debug)]
enum Failure {
    Lib(Error),
    UnknownDomain(String),
    /// `domain --pid`: the process runs in no domain the caller may see.
    NoVisibleDomain(String),
    /// `domain --pid`: no such process (or no such thread of it).
    NoSuchProcess(String),
    AmbiguousDomain(String, Vec<DomainId>),
    Output(io::Error),
    /// An expectations file missing or invalid: exit status 2.
    Expectations(String),
    /// A command line clap accepts but the command refuses (e.g. an
    /// `--output` that is not a regular file): exit status 2.
    Usage(String),
    /// `--root` names a directory without a `version` file: exit status 3,
    /// as for a missing tree.
    NotATree,
    /// `--proc` names a directory with neither a numeric entry nor `self`:
    /// a usage error (exit status 2).
    NotProcfs,
    /// `ps -p PID…`: none of the PIDs is a process (the header is printed):
    /// exit status 1 without a message, as procps's `ps`.
    NothingSelected,
    /// `verify`: an expectation is violated (the report is printed): exit
    /// status 1 without a message.
    Violated,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Lib(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Output(e.into())
    }
}

/// The stable name of a library error, for `--json` errors and
/// `landlock_audit_error_info`.
fn lib_error_kind(e: &Error) -> &'static str {
    match e {
        Error::SecurityfsNotMounted { .. } => "securityfs_not_mounted",
        Error::LandlockDisabled { .. } => "landlock_disabled",
        Error::FeatureAbsent { .. } => "feature_absent",
        Error::PermissionDenied { .. } => "permission_denied",
        Error::Malformed { .. } => "malformed",
        Error::UnsupportedVersion { .. } => "unsupported_version",
        Error::AuditIdNotFound { .. } => "audit_id_not_found",
        Error::AuditIdPermissionDenied { .. } => "audit_id_permission_denied",
        Error::AuditIdUnsupported { .. } => "audit_id_unsupported",
        Error::RulesPermissionDenied { .. } => "rules_permission_denied",
        Error::RulesUnavailable { .. } => "rules_unavailable",
        Error::RulesUnsupported { .. } => "rules_unsupported",
        Error::DomainGone { .. } => "domain_gone",
        Error::Io { .. } => "io",
        _ => "other",
    }
}

impl Failure {
    fn kind(&self) -> &'static str {
        match self {
            Failure::Lib(e) => lib_error_kind(e),
            Failure::UnknownDomain(_) => "unknown_domain",
            Failure::NoVisibleDomain(_) => "no_visible_domain",
            Failure::NoSuchProcess(_) => "no_such_process",
            Failure::AmbiguousDomain(..) => "ambiguous_domain",
            Failure::Output(_) => "output",
            Failure::Expectations(_) => "expectations",
            Failure::Usage(_) | Failure::NotProcfs => "usage",
            Failure::NotATree => "not_a_tree",
            Failure::Violated => "violated",
            Failure::NothingSelected => "nothing_selected",
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            Failure::Lib(e) if e.is_unavailable() => EXIT_UNAVAILABLE,
            // The kernel lacks what the question needs, as for a missing
            // tree.
            Failure::Lib(Error::AuditIdUnsupported { .. } | Error::RulesUnsupported { .. }) => {
                EXIT_UNAVAILABLE
            }
            Failure::Expectations(_) | Failure::Usage(_) | Failure::NotProcfs => EXIT_USAGE,
            Failure::NotATree => EXIT_UNAVAILABLE,
            _ => EXIT_ERROR,
        }
    }

    /// The message, one line with its control characters escaped.  For a
    /// tree given with `--root` (a copy, not the live system), a missing
    /// tree is described as such, without advice about mounting securityfs.
    fn message(&self, cli: &Cli) -> String {
        let root = &cli.root;
        let base = match self {
            Failure::Lib(Error::SecurityfsNotMounted { .. }) if !cli.root_is_default() => {
                format!(
                    "no Landlock audit tree at {} (--root names a copy of {DEFAULT_ROOT}: \
                     a directory with version, abi_version, tasks and domains/)",
                    text::field(root.as_os_str().as_bytes())
                )
            }
            Failure::Lib(e) => e.to_string(),
            Failure::NoVisibleDomain(pid) => format!(
                "{pid} runs in no domain visible to you (it is not sandboxed, or it runs \
                 in your own domain or in one not nested below yours; for a process, this is \
                 its main thread: ps shows whether its other threads differ, --tid reads one)"
            ),
            Failure::NoSuchProcess(what) => format!("no such process: {what}"),
            Failure::UnknownDomain(id) => format!(
                "domain {id} is not in the tree (it does not exist, is gone, or is not \
                 visible to you)"
            ),
            Failure::AmbiguousDomain(prefix, ids) => {
                let shown: Vec<String> = ids.iter().take(8).map(DomainId::to_string).collect();
                format!(
                    "domain ID prefix {prefix} is ambiguous: {} domains match ({}{})",
                    ids.len(),
                    shown.join(", "),
                    if ids.len() > shown.len() { ", …" } else { "" }
                )
            }
            Failure::Output(e) => format!("writing the output: {e}"),
            Failure::Expectations(m) | Failure::Usage(m) => m.clone(),
            Failure::NotATree => format!(
                "not a Landlock audit tree: {} (no version file; --root names a copy of \
                 {DEFAULT_ROOT}: a directory with version, abi_version, tasks and domains/)",
                text::field(root.as_os_str().as_bytes())
            ),
            Failure::NotProcfs => format!(
                "not a procfs: {} (no process directory and no self; --proc names the \
                 procfs of the tree's PID namespace, or a copy of it)",
                text::field(cli.proc_root.as_os_str().as_bytes())
            ),
            Failure::Violated => "an expectation is violated".to_owned(),
            Failure::NothingSelected => "no such process".to_owned(),
        };
        // --root named the directory above a tree.
        let below = root.join("landlock");
        let hint = if matches!(self, Failure::Lib(_) | Failure::NotATree)
            && !root.join("version").exists()
            && below.join("version").is_file()
        {
            format!(
                "; did you mean --root {}?",
                text::field(below.as_os_str().as_bytes())
            )
        } else {
            String::new()
        };
        text::message(&format!("{base}{hint}"))
    }
}

impl Cli {
    /// Whether `--root` is the live system's tree.
    fn root_is_default(&self) -> bool {
        self.root == Path::new(DEFAULT_ROOT)
    }
}

/// The JSON error document: `{"version":1,"error":{"kind":…,"message":…}}`,
/// in this order.
fn json_error(kind: &str, message: &str) -> String {
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "{{\"version\":{},\"error\":{{\"kind\":{},\"message\":{}}}}}",
        json::VERSION,
        quote(kind),
        quote(message)
    )
}

/// Writes `bytes` to stdout, ignoring errors (a closed pipe included).
fn print_stdout(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// clap's message for a usage error, for JSON: its lines up to the usage
/// line and the `--help` hint, joined ("the following required arguments
/// were not provided: --watch"), without its "error: " prefix.
fn usage_message(e: &clap::Error) -> String {
    let msg = e.render().to_string();
    let text: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let text = text.join(" ");
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    if text.is_empty() {
        "usage error".to_owned()
    } else {
        text.to_owned()
    }
}

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let wants_json = std::env::args_os().any(|a| a == "--json" || a == "--pretty");
            let is_usage = !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            if wants_json && is_usage {
                print_stdout(format!("{}\n", json_error("usage", &usage_message(&e))).as_bytes());
            }
            let _ = e.print();
            return ExitCode::from(if is_usage { EXIT_USAGE } else { EXIT_OK });
        }
    };
    // `--proc` may be a symbolic link, as `--root` may: it is followed here,
    // once; links below it are refused as they are below `--root`.
    if fs::symlink_metadata(&cli.proc_root).is_ok_and(|m| m.file_type().is_symlink()) {
        if let Ok(p) = fs::canonicalize(&cli.proc_root) {
            cli.proc_root = p;
        }
    }
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let res = run(&cli, &mut out).and_then(|()| out.flush().map_err(Failure::Output));
    match res {
        Ok(()) => ExitCode::from(EXIT_OK),
        // A closed pipe (`| head`) ends the output early: not an error.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        // The report said it.
        Err(Failure::Violated | Failure::NothingSelected) => ExitCode::from(EXIT_ERROR),
        Err(f) => {
            let msg = f.message(&cli);
            let mut stderr = io::stderr().lock();
            // Nothing to do if stderr is gone too; never panic over it.
            let _ = writeln!(stderr, "landlock-audit: error: {msg}");
            if let Failure::Lib(e) = &f {
                // Only the live system's tree is about this kernel.
                if e.is_unavailable() && cli.root_is_default() {
                    let release = fs::read_to_string("/proc/sys/kernel/osrelease")
                        .map(|s| text::message(s.trim()))
                        .unwrap_or_else(|_| "unknown".to_owned());
                    let _ = writeln!(
                        stderr,
                        "landlock-audit: the Landlock audit tree exists only on a kernel with \
                         the landlock-audit patch (CONFIG_SECURITY_LANDLOCK_INTROSPECTION=y) and Landlock \
                         enabled; this kernel is {release}"
                    );
                }
            }
            if cli.wants_json() && !matches!(f, Failure::Output(_)) {
                // Whatever was buffered is dropped: the document must be
                // the error alone.  Errors happen before any output.
                let (_, _) = out.into_parts();
                print_stdout(format!("{}\n", json_error(f.kind(), &msg)).as_bytes());
            }
            ExitCode::from(f.exit_code())
        }
    }
}

fn run(cli: &Cli, out: &mut impl Write) -> Result<(), Failure> {
    let default = Command::Status {
        no_units: false,
        watch: args::WatchArgs::default(),
    };
    let command = cli.command.as_ref().unwrap_or(&default);
    match command {
        Command::Status { watch: w, .. }
        | Command::Tree { watch: w }
        | Command::Metrics { watch: w, .. }
            if w.watch =>
        {
            watch::run(cli, command, w, out)
        }
        _ => run_once(cli, command, out),
    }
}

/// `command`, once (what `--watch` repeats).
fn run_once(cli: &Cli, command: &Command, out: &mut impl Write) -> Result<(), Failure> {
    if let Command::Metrics {
        output,
        expect,
        no_units,
        per_domain,
        ..
    } = command
    {
        let opts = MetricsOptions {
            per_unit: !*no_units,
            per_domain: *per_domain,
        };
        return metrics(cli, output.as_deref(), expect.as_deref(), opts, out);
    }
    if let Command::Verify { expect } = command {
        // An invalid expectations file is exit status 2, tree or no tree.
        let expectations = verify::load(expect)?;
        let v = View::read(cli, read_domains(cli)?)?;
        return verify::verify(cli, &v, &expectations, out);
    }
    let domains = read_domains(cli)?;
    match command {
        Command::Status { no_units, .. } => {
            status(cli, &View::read(cli, domains)?, !*no_units, out)
        }
        Command::Tree { .. } => tree(cli, &domains, out),
        Command::Ps { all, pids } => ps(cli, &View::read(cli, domains)?, *all, pids, out),
        Command::List => list(cli, &domains, out),
        Command::Domain {
            id: Some(id),
            rules,
            ..
        } => {
            let d = find_domain(&domains, id)?;
            domain(cli, &domains, d, *rules, out)
        }
        Command::Domain {
            id: None,
            audit_id: Some(a),
            rules,
            ..
        } => domain(
            cli,
            &domains,
            domains.find_by_audit_id(&cli.root, *a)?,
            *rules,
            out,
        ),
        Command::Domain {
            id: None,
            audit_id: None,
            pid: Some(pid),
            tid,
            rules,
        } => {
            let d = domain_of_pid(cli, &domains, *pid, *tid)?;
            domain(cli, &domains, d, *rules, out)
        }
        Command::Domain {
            id: None,
            audit_id: None,
            pid: None,
            ..
        } => unreachable!("clap requires the ID, --audit-id or --pid"),
        Command::Metrics { .. } | Command::Verify { .. } => unreachable!("handled above"),
    }
}

/// Reads the tree and warns, once, about access rights this build does not
/// know (a newer kernel's): they are shown as the kernel names them.
fn read_domains(cli: &Cli) -> Result<Domains, Failure> {
    let domains = Domains::read_from(&cli.root).map_err(|e| match e {
        // The directory exists but holds no tree, or is not a directory.
        Error::Io { path, source }
            if matches!(
                source.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) && !cli.root_is_default()
                && path == cli.root.join("version") =>
        {
            Failure::NotATree
        }
        e => Failure::Lib(e),
    })?;
    let unknown = unknown_rights(&domains);
    if !unknown.is_empty() {
        warn(&format!(
            "the kernel handles access rights this build does not know: {}; they are shown \
             as the kernel names them (a newer landlock-audit knows them)",
            unknown.join(" ")
        ));
    }
    Ok(domains)
}

/// The access rights of the visible domains that this build does not know,
/// as `class:name`, sorted: the names it has no constant for
/// (`fs:frob_nicate`) and the bits it has no name for (`fs:bit40`).
fn unknown_rights(domains: &Domains) -> Vec<String> {
    let mut unknown: Vec<String> = Vec::new();
    for d in domains {
        for (class, names) in d.access.names() {
            let opaque = match class {
                "fs" => &d.access.unknown.fs,
                "net" => &d.access.unknown.net,
                _ => &d.access.unknown.scope,
            };
            unknown.extend(
                names
                    .iter()
                    .filter(|n| opaque.contains(n) || is_nameless_bit(n))
                    .map(|n| format!("{class}:{n}")),
            );
        }
    }
    unknown.sort_unstable();
    unknown.dedup();
    unknown
}

/// Whether a right's name is `bit<N>`, the form of a bit without a name.
fn is_nameless_bit(name: &str) -> bool {
    name.strip_prefix("bit")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `landlock-audit: warning: MSG` to stderr (escaped), once per
/// distinct message: `--watch` reads the tree again and again.
fn warn(msg: &str) {
    warn_once(msg, msg);
}

/// [`warn`], once per `key`, whatever the message says (a message with
/// changing counts).
fn warn_once(key: &str, msg: &str) {
    static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    // A poisoned lock (a panic elsewhere) still holds the list.
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if warned.iter().any(|k| k == key) {
        return;
    }
    warned.push(key.to_owned());
    let _ = writeln!(
        io::stderr().lock(),
        "landlock-audit: warning: {}",
        text::message(msg)
    );
}

/// Warns once when the tree lists tasks and none is a process of the
/// `/proc` read: a copied tree read with the system's /proc (a forgotten
/// `--proc`), whose command names and units would all be wrong or `?`.
fn warn_foreign_proc(cli: &Cli, domains: &Domains, processes: &[Process]) {
    let listed = domains.tasks().len();
    if listed == 0 {
        return;
    }
    let pids: std::collections::HashSet<u32> = processes.iter().map(|p| p.pid).collect();
    if !domains.tasks().any(|(t, _)| pids.contains(&t.tgid)) {
        warn_once(
            "foreign proc",
            &format!(
                "none of the {listed} tasks the tree lists is a process of {}: the tree \
                 and /proc are not the same system's (for a copied tree, give its /proc \
                 with --proc DIR)",
                cli.proc_root.display()
            ),
        );
    }
}

/// The domains, the processes of `/proc` with their states, and the
/// counts, the reader's own process left out of them.
struct View {
    domains: Domains,
    /// Every process of `/proc`, the reader's own included, by PID.
    processes: Vec<(Process, ProcessState)>,
    /// The reader's own PID, if `/proc/self` names it.
    me: Option<u32>,
    /// The counts, without the reader's own process.
    cov: Coverage,
}

impl View {
    fn read(cli: &Cli, domains: Domains) -> Result<Self, Failure> {
        if !cli.proc_root.is_dir() {
            return Err(Failure::NotProcfs);
        }
        let me = procfs::self_pid(&cli.proc_root);
        let processes = procfs::processes(&cli.proc_root)?;
        if processes.is_empty() {
            // An empty list, or only processes gone meanwhile.
            check_proc(cli)?;
        }
        warn_foreign_proc(cli, &domains, &processes);
        let processes: Vec<(Process, ProcessState)> = processes
            .into_iter()
            .map(|p| {
                let s = domains.state_of(&p);
                (p, s)
            })
            .collect();
        let cov = domains.coverage_of(counted(&processes, me));
        if cov.unknown > 0 {
            let why = if has_cap_sys_ptrace() {
                "this reader has CAP_SYS_PTRACE, so something else refused them: Landlock \
                 when the reader is itself sandboxed (it may inspect only processes in \
                 domains nested below its own), another LSM, or, in a copied /proc, \
                 entries it may not read"
            } else {
                "run with CAP_SYS_PTRACE for the whole system"
            };
            warn_once(
                "partial view",
                &format!(
                    "partial view: {} of {} processes are not inspectable by this reader \
                 (effective UID {}); they are counted as unknown, and the ratios cover the \
                 {} judged processes only ({why})",
                    cov.unknown,
                    cov.total,
                    uzers::get_effective_uid(),
                    cov.judged()
                ),
            );
        }
        Ok(Self {
            domains,
            processes,
            me,
            cov,
        })
    }

    /// The processes counted: all but the reader's own.
    fn counted(&self) -> impl Iterator<Item = &Process> + Clone {
        counted(&self.processes, self.me)
    }

    /// [`counted`](Self::counted), collected (for
    /// [`landlock_audit::verify::Expectations::check`]).
    fn counted_vec(&self) -> Vec<Process> {
        self.counted().cloned().collect()
    }
}

/// Whether this process has `CAP_SYS_PTRACE` in its effective set (from
/// the `CapEff` line of the live `/proc/self/status`, not `--proc`'s).
fn has_cap_sys_ptrace() -> bool {
    const CAP_SYS_PTRACE: u32 = 19;
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|caps| caps & (1 << CAP_SYS_PTRACE) != 0)
}

/// The processes of `processes` but `me`.
fn counted(
    processes: &[(Process, ProcessState)],
    me: Option<u32>,
) -> impl Iterator<Item = &Process> + Clone {
    processes
        .iter()
        .map(|(p, _)| p)
        .filter(move |p| Some(p.pid) != me)
}

/// Writes `doc` as one line of JSON, or indented with `--pretty`.
fn json_out<T: serde::Serialize>(cli: &Cli, out: &mut impl Write, doc: &T) -> Result<(), Failure> {
    if cli.pretty {
        serde_json::to_writer_pretty(&mut *out, doc)?;
    } else {
        serde_json::to_writer(&mut *out, doc)?;
    }
    out.write_all(b"\n")?;
    Ok(())
}

/// `processes` of `status --json`: [`json::ProcessCounts`] followed by the
/// coverage categories it does not carry yet (fields are only ever added
/// within a schema version).
#[derive(serde::Serialize)]
struct Processes {
    #[serde(flatten)]
    counts: ProcessCounts,
    kernel_threads: u64,
    unknown: u64,
    judged: u64,
    unconfined: u64,
    handles_fs: u64,
    handles_net: u64,
    handles_scope: u64,
    fs_ratio: f64,
    net_ratio: f64,
    scope_ratio: f64,
    /// Whether some processes could not be inspected (`unknown > 0`): the
    /// ratios then cover only part of the system.
    partial: bool,
}

/// `status --json` (and `metrics --json`): [`json::Status`] with the
/// larger `processes`, and the processes per unit.
#[derive(serde::Serialize)]
struct StatusDoc {
    version: u32,
    abi_version: u32,
    domains: usize,
    processes: Processes,
    /// Access rights this build does not know, as `class:name`.
    unknown_rights: Vec<String>,
    /// Processes per systemd unit (absent with `--no-units`).
    #[serde(skip_serializing_if = "Option::is_none")]
    units: Option<Vec<units::UnitJson>>,
    /// `metrics --json --expect FILE`: the results of `verify --json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    expectations: Option<Vec<landlock_audit::verify::ExpectationResult>>,
}

fn status_doc(domains: &Domains, cov: &Coverage) -> StatusDoc {
    let unknown_rights = unknown_rights(domains);
    StatusDoc {
        units: None,
        expectations: None,
        version: json::VERSION,
        abi_version: domains.abi_version(),
        domains: domains.len(),
        processes: Processes {
            counts: ProcessCounts::from(*cov),
            kernel_threads: cov.kernel_threads,
            unknown: cov.unknown,
            judged: cov.judged(),
            unconfined: cov.unconfined(),
            handles_fs: cov.handles_fs,
            handles_net: cov.handles_net,
            handles_scope: cov.handles_scope,
            fs_ratio: cov.fs_ratio(),
            net_ratio: cov.net_ratio(),
            scope_ratio: cov.scope_ratio(),
            partial: cov.unknown > 0,
        },
        unknown_rights,
    }
}

/// A ratio for text: three decimals, or `-` when no process is judged.
fn ratio_text(cov: &Coverage, r: f64) -> String {
    if cov.judged() == 0 {
        "-".to_owned()
    } else {
        format!("{r:.3}")
    }
}

fn status(cli: &Cli, v: &View, per_unit: bool, out: &mut impl Write) -> Result<(), Failure> {
    let (domains, cov) = (&v.domains, &v.cov);
    let by_unit = per_unit.then(|| domains.coverage_by_unit(v.counted()));
    if cli.wants_json() {
        let mut doc = status_doc(domains, cov);
        doc.units = by_unit.as_ref().map(units::json);
        return json_out(cli, out, &doc);
    }
    writeln!(
        out,
        "Landlock audit tree {} (format {}, Landlock ABI {})",
        text::field(cli.root.as_os_str().as_bytes()),
        domains.version(),
        domains.abi_version()
    )?;
    writeln!(
        out,
        "{} domains visible ({} at top level)",
        domains.len(),
        domains.roots().len()
    )?;
    writeln!(
        out,
        "{} processes: {} kernel threads, {} unknown (not inspectable by this reader), {} judged",
        cov.total,
        cov.kernel_threads,
        cov.unknown,
        cov.judged()
    )?;
    writeln!(
        out,
        "{} judged: {} sandboxed, {} mixed, {} unconfined",
        cov.judged(),
        cov.sandboxed,
        cov.mixed,
        cov.unconfined()
    )?;
    writeln!(
        out,
        "sandboxed ratio: {} (sandboxed / judged){}",
        ratio_text(cov, cov.ratio()),
        if cov.unknown > 0 {
            ", partial view"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "sandboxed under a domain chain handling fs: {} ({}), net: {} ({}), scope: {} ({})",
        cov.handles_fs,
        ratio_text(cov, cov.fs_ratio()),
        cov.handles_net,
        ratio_text(cov, cov.net_ratio()),
        cov.handles_scope,
        ratio_text(cov, cov.scope_ratio())
    )?;
    if let Some(by_unit) = &by_unit {
        units::status_text(out, by_unit)?;
    }
    Ok(())
}

/// The raw bytes of a task's command name (`<proc>/<pid>/comm`, or
/// `<proc>/<pid>/task/<tid>/comm`), without its newline; `None` when it
/// cannot be read.  Opened with `O_NONBLOCK | O_NOFOLLOW`, accepted only as
/// a regular file and read up to [`COMM_MAX`] bytes, so that a FIFO, a
/// symlink to a device or a huge file in a copied `/proc` cannot hang the
/// command or grow its memory.
fn comm_bytes(proc_root: &Path, pid: u32, tid: Option<u32>) -> Option<Vec<u8>> {
    let mut p = proc_root.join(pid.to_string());
    if let Some(t) = tid {
        p = p.join("task").join(t.to_string());
    }
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(p.join("comm"))
        .ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut buf = Vec::with_capacity(64);
    f.take(COMM_MAX as u64 + 2).read_to_end(&mut buf).ok()?;
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Some(cap_comm(&buf))
}

/// A command name cut to [`COMM_MAX`] bytes, ending with `…` when it was
/// longer.
fn cap_comm(c: &[u8]) -> Vec<u8> {
    if c.len() <= COMM_MAX {
        return c.to_vec();
    }
    let mut v = c[..COMM_MAX].to_vec();
    v.extend_from_slice("…".as_bytes());
    v
}

/// A command name for text output: cut ([`cap_comm`]) and escaped.
fn comm_text(c: &[u8]) -> String {
    text::field(&cap_comm(c))
}

/// A command name for text output: escaped, or `?` when unreadable.
fn comm_field(proc_root: &Path, pid: u32, tid: Option<u32>) -> String {
    comm_bytes(proc_root, pid, tid).map_or_else(|| "?".to_owned(), |c| text::field(&c))
}

/// A user for text output: the name of `uid` (escaped), its number when it
/// has none, `?` when unknown.  A static build names users from
/// `/etc/passwd` only ([`users`]).
fn user_field(uid: Option<u32>) -> String {
    match uid {
        None => "?".to_owned(),
        Some(u) => users::name(u).map_or_else(|| u.to_string(), |n| text::field(&n)),
    }
}

/// A systemd unit for text output: escaped (a user names the cgroups of
/// their own subtree), or `-` outside any unit (or when unknown).
fn unit_text(unit: Option<&str>) -> String {
    unit.map_or_else(|| "-".to_owned(), |u| text::field(u.as_bytes()))
}

/// The systemd unit of the process `pid` of `<proc>` for text output
/// ([`unit_text`]).
fn unit_field(proc_root: &Path, pid: u32) -> String {
    let unit = procfs::cgroup_path(proc_root, pid).and_then(|p| landlock_audit::cgroup::unit(&p));
    unit_text(unit.as_deref())
}

/// Fails when `<proc>` cannot be listed: every command that shows command
/// names needs it, and must not print `?` for each of them instead.
/// A directory with neither a process nor `self` is not a procfs (a
/// wrong `--proc`): [`Failure::NotProcfs`] rather than an empty system.
fn check_proc(cli: &Cli) -> Result<(), Failure> {
    // A --proc that does not exist or is not a directory.
    if !cli.proc_root.is_dir() {
        return Err(Failure::NotProcfs);
    }
    if procfs::pids(&cli.proc_root)?.is_empty()
        && fs::symlink_metadata(cli.proc_root.join("self")).is_err()
    {
        return Err(Failure::NotProcfs);
    }
    Ok(())
}

/// Writes `{pad}  pid TGID tid TID  unit UNIT  COMM`, the task line of
/// `domain`.
fn write_task_line(out: &mut impl Write, pad: &str, t: &Task, proc_root: &Path) -> io::Result<()> {
    writeln!(
        out,
        "{pad}  pid {} tid {}  unit {}  {}",
        t.tgid,
        t.tid,
        unit_field(proc_root, t.tgid),
        comm_field(proc_root, t.tgid, Some(t.tid))
    )
}

/// The tasks of a domain grouped by process: `(tgid, threads)`.
fn by_process(tasks: &[Task]) -> impl Iterator<Item = (u32, usize)> + '_ {
    tasks
        .chunk_by(|a, b| a.tgid == b.tgid)
        .map(|c| (c[0].tgid, c.len()))
}

fn tree(cli: &Cli, domains: &Domains, out: &mut impl Write) -> Result<(), Failure> {
    if cli.wants_json() {
        if cli.pretty {
            return json_out(
                cli,
                out,
                &DomainList::new(domains.iter().cloned().collect()),
            );
        }
        out.write_all(b"{\"version\":")?;
        serde_json::to_writer(&mut *out, &json::VERSION)?;
        out.write_all(b",\"domains\":[")?;
        for (i, d) in domains.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, d)?;
        }
        out.write_all(b"]}\n")?;
        return Ok(());
    }
    check_proc(cli)?;
    if domains.is_empty() {
        out.write_all(b"no domain visible\n")?;
        return Ok(());
    }
    let processes = procfs::processes(&cli.proc_root)?;
    warn_foreign_proc(cli, domains, &processes);
    // Per process with a thread outside any visible domain: (outside, all).
    let mixed: std::collections::HashMap<u32, (usize, usize)> = processes
        .iter()
        .filter_map(|p| {
            let outside = p
                .threads
                .iter()
                .filter(|&&t| domains.domain_of_task(t).is_none())
                .count();
            (outside > 0 && outside < p.threads.len())
                .then_some((p.pid, (outside, p.threads.len())))
        })
        .collect();
    // Depth-first, children in ID order; an explicit stack keeps deep (or
    // adversarial) trees off the call stack.  Lines go straight to the
    // buffered stdout, so memory does not grow with the output.
    let mut stack: Vec<(&Domain, usize)> = domains.roots().rev().map(|d| (d, 0)).collect();
    let mut pad = String::new();
    while let Some((d, level)) = stack.pop() {
        pad.clear();
        for _ in 0..level {
            pad.push_str("    ");
        }
        writeln!(out, "{pad}{}  {}", d.id, d.access)?;
        for (tgid, threads) in by_process(&d.tasks) {
            let n = if threads == 1 {
                String::new()
            } else {
                format!(" ({threads} threads)")
            };
            let m = match mixed.get(&tgid) {
                Some((outside, all)) => format!("  mixed: {outside} of {all} threads unconfined"),
                None => String::new(),
            };
            writeln!(
                out,
                "{pad}  pid {tgid}{n}{m}  unit {}  {}",
                unit_field(&cli.proc_root, tgid),
                comm_field(&cli.proc_root, tgid, None)
            )?;
        }
        let first = stack.len();
        stack.extend(domains.children(d.id).map(|k| (k, level + 1)));
        stack[first..].reverse();
    }
    Ok(())
}

/// The columns of `ps`, in order.  A column is one entry here and one cell
/// in [`ps_row`].
const PS_COLUMNS: [text::Column; 7] = [
    ("PID", text::Align::Right),
    ("USER", text::Align::Left),
    ("STATE", text::Align::Left),
    ("DOMAINS", text::Align::Left),
    ("UNIT", text::Align::Left),
    ("EXE", text::Align::Left),
    ("COMM", text::Align::Left),
];

/// The cells of one `ps` line, in [`PS_COLUMNS`] order.
fn ps_row(cli: &Cli, p: &Process, state: ProcessState, ids: &[DomainId]) -> Vec<String> {
    let comm = comm_bytes(&cli.proc_root, p.pid, None).map_or_else(
        || "?".to_owned(),
        |c| {
            if p.kernel_thread {
                format!("[{}]", text::field(&c))
            } else {
                text::field(&c)
            }
        },
    );
    let exe = match (&p.exe, state) {
        (Some(e), _) => text::field(e.as_os_str().as_bytes()),
        (None, ProcessState::Unknown) => "?".to_owned(),
        (None, _) => "-".to_owned(),
    };
    let domains = if ids.is_empty() {
        "-".to_owned()
    } else {
        ids.iter()
            .map(DomainId::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    vec![
        p.pid.to_string(),
        user_field(p.uid),
        state.to_string(),
        domains,
        unit_text(p.unit.as_deref()),
        exe,
        comm,
    ]
}

fn ps(cli: &Cli, v: &View, all: bool, pids: &[u32], out: &mut impl Write) -> Result<(), Failure> {
    // procps's ps says nothing of a PID it does not find; say it on stderr
    // (the exit status is procps's: 1 only when none is found).
    let mut missing: Vec<u32> = pids
        .iter()
        .copied()
        .filter(|pid| !v.processes.iter().any(|(p, _)| p.pid == *pid))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(u32::to_string).collect();
        warn(&format!("no such process: {}", list.join(" ")));
    }
    let shown = v.processes.iter().filter(|(p, s)| {
        if pids.is_empty() {
            all || *s != ProcessState::KernelThread
        } else {
            pids.contains(&p.pid)
        }
    });
    // `ps -p PID…` selecting nothing: exit status 1, as procps's ps.
    let selected = |n: usize| {
        if !pids.is_empty() && n == 0 {
            Err(Failure::NothingSelected)
        } else {
            Ok(())
        }
    };
    let domains_of = |pid: u32| -> Vec<DomainId> {
        v.domains
            .domains_of_process(pid)
            .iter()
            .map(|d| d.id)
            .collect()
    };
    if cli.wants_json() {
        let processes: Vec<PsProcess> = shown
            .map(|(p, s)| {
                let comm = comm_bytes(&cli.proc_root, p.pid, None).unwrap_or_default();
                let j = PsProcess::new(p.pid, &comm, domains_of(p.pid)).with_details(
                    *s,
                    p.uid,
                    p.exe.as_deref(),
                );
                match &p.cgroup {
                    Some(path) => j.with_cgroup(path),
                    None => j,
                }
            })
            .collect();
        let n = processes.len();
        json_out(cli, out, &json::Ps::new(processes))?;
        return selected(n);
    }
    let mut t = text::Table::new(&PS_COLUMNS);
    let mut n = 0;
    for (p, s) in shown {
        t.push(ps_row(cli, p, *s, &domains_of(p.pid)));
        n += 1;
    }
    t.write(out)?;
    selected(n)
}

/// One domain of `list --json`.
#[derive(serde::Serialize)]
struct ListEntry<'a> {
    id: DomainId,
    parent: Option<DomainId>,
    depth: u32,
    /// Processes with a thread in the domain itself.
    nprocs: usize,
    /// Threads in the domain itself.
    ntasks: usize,
    /// Access requests the domain denied ([`Domain::denials`]).
    denials: Option<u64>,
    creator: Option<&'a landlock_audit::Creator>,
    /// The creator's systemd unit ([`creator_unit`]).
    creator_unit: Option<String>,
}

/// `list --json`.
#[derive(serde::Serialize)]
struct ListDoc<'a> {
    version: u32,
    domains: Vec<ListEntry<'a>>,
}

/// The columns of `list`, in order (see [`list`]).
const LIST_COLUMNS: [text::Column; 8] = [
    ("ID", text::Align::Left),
    ("DEPTH", text::Align::Right),
    ("NPROCS", text::Align::Right),
    ("DENIALS", text::Align::Right),
    ("PID", text::Align::Right),
    ("USER", text::Align::Left),
    ("UNIT", text::Align::Left),
    ("EXE", text::Align::Left),
];

/// The systemd unit of a domain's creator: that of the process with the
/// creator's PID in `<proc>`, while the creator runs (the tree gives PID 0
/// once it has exited); `None` when it has exited, is outside any unit or
/// its cgroup cannot be read.  The tree does not record the unit, so this
/// is the creator's unit now, not at the time it created the domain.
fn creator_unit(proc_root: &Path, c: &landlock_audit::Creator) -> Option<String> {
    if c.pid == 0 {
        return None;
    }
    procfs::cgroup_path(proc_root, c.pid).and_then(|p| landlock_audit::cgroup::unit(&p))
}

/// A creator's PID for text: `exited` once it has exited (the tree then
/// gives 0).
fn creator_pid(c: &landlock_audit::Creator) -> String {
    if c.pid == 0 {
        "exited".to_owned()
    } else {
        c.pid.to_string()
    }
}

/// `list`: one line per domain, as `lsns` prints namespaces.
fn list(cli: &Cli, domains: &Domains, out: &mut impl Write) -> Result<(), Failure> {
    if cli.wants_json() {
        let doc = ListDoc {
            version: json::VERSION,
            domains: domains
                .iter()
                .map(|d| ListEntry {
                    id: d.id,
                    parent: d.parent,
                    depth: d.depth,
                    nprocs: by_process(&d.tasks).count(),
                    ntasks: d.tasks.len(),
                    denials: d.denials,
                    creator: d.creator.as_ref(),
                    creator_unit: d
                        .creator
                        .as_ref()
                        .and_then(|c| creator_unit(&cli.proc_root, c)),
                })
                .collect(),
        };
        return json_out(cli, out, &doc);
    }
    let mut t = text::Table::new(&LIST_COLUMNS);
    for d in domains {
        let (pid, user, unit, exe) = match &d.creator {
            Some(c) => (
                creator_pid(c),
                user_field(Some(c.uid)),
                unit_text(creator_unit(&cli.proc_root, c).as_deref()),
                text::field(c.exe.as_os_str().as_bytes()),
            ),
            None => (
                "?".to_owned(),
                "?".to_owned(),
                "?".to_owned(),
                "?".to_owned(),
            ),
        };
        t.push(vec![
            d.id.to_string(),
            d.depth.to_string(),
            by_process(&d.tasks).count().to_string(),
            d.denials.map_or_else(|| "-".to_owned(), |n| n.to_string()),
            pid,
            user,
            unit,
            exe,
        ]);
    }
    t.write(out)?;
    Ok(())
}

/// The domain an ID or a unique ID prefix names.
fn find_domain<'a>(domains: &'a Domains, id: &str) -> Result<&'a Domain, Failure> {
    if let Ok(full) = id.parse::<DomainId>() {
        return domains
            .get(full)
            .ok_or_else(|| Failure::UnknownDomain(id.to_owned()));
    }
    let matches: Vec<&Domain> = domains
        .iter()
        .filter(|d| d.id.to_string().starts_with(id))
        .collect();
    match matches.as_slice() {
        [] => Err(Failure::UnknownDomain(id.to_owned())),
        [d] => Ok(d),
        many => Err(Failure::AmbiguousDomain(
            id.to_owned(),
            many.iter().map(|d| d.id).collect(),
        )),
    }
}

/// `domain --pid`: the domain process `pid` (or its thread `tid`) runs in,
/// through its `/proc` directory ([`procfs::task_domain`]).
fn domain_of_pid<'a>(
    cli: &Cli,
    domains: &'a Domains,
    pid: u32,
    tid: Option<u32>,
) -> Result<&'a Domain, Failure> {
    if !cli.root_is_default() {
        return Err(Failure::Usage(
            "--pid cannot be combined with --root: a process runs under the system's tree, \
             not under a copy"
                .into(),
        ));
    }
    let what = match tid {
        Some(t) => format!("thread {t} of process {pid}"),
        None => format!("process {pid}"),
    };
    let path = cli.proc_root.join(pid.to_string());
    let dir = fs::File::open(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Failure::NoSuchProcess(what.clone()),
        _ => Failure::Lib(Error::from_io(path, e)),
    })?;
    let id = match procfs::task_domain(&dir, tid) {
        Ok(d) => d.id.ok_or_else(|| Failure::NoVisibleDomain(what.clone()))?,
        Err(Error::PermissionDenied { .. }) => {
            return Err(Failure::Lib(Error::PermissionDenied {
                path: std::path::PathBuf::from(format!(
                    "the domain of {what} (reading it needs the right to ptrace-read the \
                     process: be its owner, or have CAP_SYS_PTRACE)"
                )),
            }))
        }
        Err(Error::Io { source, .. })
            if matches!(source.raw_os_error(), Some(libc::ENOENT | libc::ESRCH)) =>
        {
            return Err(Failure::NoSuchProcess(what));
        }
        Err(e) => return Err(e.into()),
    };
    // The domain may have ended since the tree was read.
    domains
        .get(id)
        .ok_or_else(|| Failure::UnknownDomain(id.to_string()))
}

/// A domain's count of denials for `domain`: the number, or why there is
/// none.
fn denials_text(denials: Option<u64>) -> String {
    denials.map_or_else(
        || "unknown (needs CAP_AUDIT_READ in the initial user namespace; or a kernel without the count; or the domain ended while the tree was read)".to_owned(),
        |n| n.to_string(),
    )
}

/// A rule's rights for text: their names, or `-` for none.
fn rights_text(r: &Rule) -> String {
    let names = r.access_names();
    if names.is_empty() {
        "-".to_owned()
    } else {
        names.join(" ")
    }
}

/// One line of `domain --rules` for `r`, without the indent:
/// `fs   PATH  RIGHTS  (dev M:m ino N[, quiet])`, the path escaped
/// ([`text::field`]), `(REASON)` in its place when the kernel names none;
/// `fs   (released)  RIGHTS`; `net  port N  RIGHTS`; `  (quiet)` after
/// the last two for a quiet rule.
fn rule_text(r: &Rule) -> String {
    let quiet = if r.quiet() { ", quiet" } else { "" };
    match r {
        Rule::Fs {
            dev, ino, object, ..
        } => {
            let what = match object {
                FsObject::Path(p) => text::field(p.as_os_str().as_bytes()),
                FsObject::Unnamed(u) => format!("({u})"),
            };
            format!(
                "fs   {what}  {}  (dev {}:{} ino {ino}{quiet})",
                rights_text(r),
                dev.0,
                dev.1
            )
        }
        Rule::FsReleased { .. } => format!(
            "fs   (released)  {}{}",
            rights_text(r),
            if r.quiet() { "  (quiet)" } else { "" }
        ),
        Rule::Net { port, .. } => format!(
            "net  port {port}  {}{}",
            rights_text(r),
            if r.quiet() { "  (quiet)" } else { "" }
        ),
    }
}

/// `domain`: one domain in detail, found by its ID or its audit ID; with
/// `with_rules`, the rules of its layer too (read before anything is
/// written, so that an error is the whole output).
fn domain(
    cli: &Cli,
    domains: &Domains,
    d: &Domain,
    with_rules: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let id = d.id;
    let rules = if with_rules {
        Some(landlock_audit::rules::read(&cli.root, id)?)
    } else {
        None
    };
    if cli.wants_json() {
        return match rules {
            None => json_out(cli, out, &DomainList::new(vec![d.clone()])),
            Some(rules) => json_out(
                cli,
                out,
                &json::DomainRulesList::new(vec![json::DomainWithRules {
                    domain: d.clone(),
                    rules,
                }]),
            ),
        };
    }
    check_proc(cli)?;
    writeln!(out, "domain   {}", d.id)?;
    writeln!(
        out,
        "parent   {}",
        d.parent
            .map_or_else(|| "none visible".to_owned(), |p| p.to_string())
    )?;
    writeln!(out, "depth    {}", d.depth)?;
    writeln!(out, "handles  {}", d.access)?;
    writeln!(out, "enforces {}", domains.enforced(id))?;
    writeln!(out, "denials  {}", denials_text(d.denials))?;
    match &d.creator {
        Some(c) => writeln!(
            out,
            "creator  pid {} user {} comm {} exe {}",
            creator_pid(c),
            user_field(Some(c.uid)),
            comm_text(c.comm.as_bytes()),
            text::field(c.exe.as_os_str().as_bytes())
        )?,
        None => out.write_all(
            b"creator  unreadable (needs CAP_SYS_PTRACE in the initial user namespace)\n",
        )?,
    }
    match &rules {
        None => {}
        Some(rules) if rules.is_empty() => {
            out.write_all(b"rules    none (this domain's layer added no rule)\n")?
        }
        Some(rules) => {
            writeln!(out, "rules    {}", rules.len())?;
            for r in rules {
                writeln!(out, "  {}", rule_text(r))?;
            }
        }
    }
    let kids: Vec<String> = domains.children(id).map(|k| k.id.to_string()).collect();
    writeln!(
        out,
        "children {}",
        if kids.is_empty() {
            "-".to_owned()
        } else {
            kids.join(" ")
        }
    )?;
    let procs = by_process(&d.tasks).count();
    writeln!(
        out,
        "tasks    {} in {procs} process{}",
        d.tasks.len(),
        if procs == 1 { "" } else { "es" }
    )?;
    for t in &d.tasks {
        write_task_line(out, "", t, &cli.proc_root)?;
    }
    Ok(())
}

/// What `metrics` writes beyond the families it always writes.
#[derive(Debug, Clone, Copy)]
struct MetricsOptions {
    /// Processes per systemd unit (unless `--no-units`).
    per_unit: bool,
    /// Each domain's count of denials (`--per-domain`).
    per_domain: bool,
}

fn metrics(
    cli: &Cli,
    output: Option<&Path>,
    expect: Option<&Path>,
    opts: MetricsOptions,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let per_unit = opts.per_unit;
    // `-o -` is stdout, as for most commands.
    let output = output.filter(|p| *p != Path::new("-"));
    if let Some(path) = output {
        if cli.wants_json() {
            return Err(Failure::Usage(
                "metrics --output writes Prometheus text: it cannot be combined with --json \
                 (redirect stdout instead)"
                    .to_owned(),
            ));
        }
        check_output(path)?;
    }
    // An invalid expectations file is an error of this run, as a missing
    // tree is.
    let read = expect
        .map(verify::load)
        .transpose()
        .and_then(|x| Ok((x, View::read(cli, read_domains(cli)?)?)));
    if cli.wants_json() {
        let (expectations, v) = read?;
        let mut doc = status_doc(&v.domains, &v.cov);
        if per_unit {
            doc.units = Some(units::json(&v.domains.coverage_by_unit(v.counted())));
        }
        doc.expectations = expectations.map(|x| x.check(&v.domains, &v.counted_vec()).results);
        return json_out(cli, out, &doc);
    }
    let mut e = prom::Exposition::default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let last_success = match &read {
        Ok(_) => Some(now),
        // Kept from the file being replaced, so that an alert on its age
        // works across failures.
        Err(_) => output.and_then(|p| prom::previous_sample(p, LAST_SUCCESS)),
    };
    e.single("landlock_audit_up", UP_HELP, u8::from(read.is_ok()));
    e.gauge(
        "landlock_audit_build_info",
        "Version of landlock-audit, always 1.",
        &[(&[("version", env!("CARGO_PKG_VERSION"))], "1".into())],
    );
    if let Some(t) = last_success {
        e.single(
            LAST_SUCCESS,
            "Unix time of the last successful read of the tree.",
            t,
        );
    }
    let result = match read {
        Err(f) => {
            e.gauge(
                "landlock_audit_error_info",
                "Why the last read failed (kind as in --json errors), always 1; absent on success.",
                &[(&[("kind", f.kind())], "1".into())],
            );
            Err(f)
        }
        Ok((expectations, v)) => {
            coverage_metrics(&mut e, &v.domains, &v.cov);
            denial_metrics(&mut e, &v.domains, opts.per_domain);
            if per_unit {
                units::metrics(&mut e, &v.domains.coverage_by_unit(v.counted()));
            }
            if let Some(x) = expectations {
                verify::metrics(&mut e, &x.check(&v.domains, &v.counted_vec()));
            }
            Ok(())
        }
    };
    let body = e.into_bytes();
    match output {
        Some(path) => prom::write_atomically(path, &body).map_err(|err| {
            Failure::Output(io::Error::new(
                err.kind(),
                format!("{}: {err}", path.display()),
            ))
        })?,
        None => out.write_all(&body)?,
    }
    result
}

/// The denial metrics: the sum over the visible domains (a gauge: it falls
/// when a domain ends) and, with `per_domain`, one counter per domain.
/// The sum is 0 without any domain, and nothing is written when domains
/// exist but none has a count (a reader without `CAP_AUDIT_READ`, or a
/// kernel without the counts).
fn denial_metrics(e: &mut prom::Exposition, domains: &Domains, per_domain: bool) {
    let counted: Vec<(String, u64)> = domains
        .iter()
        .filter_map(|d| d.denials.map(|n| (d.id.to_string(), n)))
        .collect();
    if counted.is_empty() && !domains.is_empty() {
        return;
    }
    // At most 2^64 domains of at most 2^64 - 1 each: no overflow in u128.
    let sum: u128 = counted.iter().map(|(_, n)| u128::from(*n)).sum();
    e.single(
        "landlock_audit_denials",
        "Access requests denied by the visible domains, summed (each domain's count is \
         upstream Landlock's num_denials: a request counts for the youngest denying layer, \
         logged or not).  It falls when a domain ends, hence a gauge.",
        sum,
    );
    if per_domain {
        let labels: Vec<[(&str, &str); 1]> = counted
            .iter()
            .map(|(id, _)| [("domain", id.as_str())])
            .collect();
        e.counter(
            "landlock_audit_domain_denials_total",
            "Access requests this domain denied (upstream Landlock's num_denials); it grows \
             while the domain lives, and its series ends with the domain.",
            &labels
                .iter()
                .zip(&counted)
                .map(|(l, (_, n))| (&l[..], n.to_string()))
                .collect::<Vec<_>>(),
        );
    }
}

/// What a file type is, for a message: `a FIFO`, `a directory`, …
fn file_type_name(t: fs::FileType) -> String {
    format!("a {}", landlock_audit::file_kind_name(t))
}

/// `metrics --output PATH` replaces only a regular file (or creates one):
/// a symbolic link, a device, a FIFO, a socket or a directory at `path` is
/// a usage error, so that the rename never turns `/dev/full` or a link into
/// a regular file.  [`prom::write_atomically`] checks again just before
/// its rename.
fn check_output(path: &Path) -> Result<(), Failure> {
    match prom::replaceable(path) {
        Ok(()) => Ok(()),
        Err(prom::NotReplaceable::Type(t)) => Err(Failure::Usage(format!(
            "--output {}: {}, not a regular file: refusing to replace it (name a \
             regular file or a new one; `-` is stdout)",
            text::field(path.as_os_str().as_bytes()),
            file_type_name(t)
        ))),
        Err(prom::NotReplaceable::Io(e)) => Err(Failure::Output(io::Error::new(
            e.kind(),
            format!("{}: {e}", text::field(path.as_os_str().as_bytes())),
        ))),
    }
}

const UP_HELP: &str =
    "1 when the Landlock audit tree and /proc were read, 0 when they could not be \
                       (see landlock_audit_error_info).";
const LAST_SUCCESS: &str = "landlock_audit_last_success_timestamp_seconds";

/// The metrics of a tree that was read.  Each family is one call here; the
/// list is documented in landlock-audit-metrics(1) (xtask) and the
/// changelog.
fn coverage_metrics(e: &mut prom::Exposition, domains: &Domains, cov: &Coverage) {
    e.single(
        "landlock_audit_abi_version",
        "Landlock ABI version of the kernel.",
        domains.abi_version(),
    );
    e.single(
        "landlock_audit_tree_format_version",
        "Format version of the Landlock audit tree.",
        domains.version(),
    );
    e.single(
        "landlock_audit_domains",
        "Landlock domains visible to the reader.",
        domains.len(),
    );
    e.single(
        "landlock_audit_domain_depth_max",
        "Deepest nesting of the visible domains (0 without domains).",
        domains.iter().map(|d| d.depth).max().unwrap_or(0),
    );
    let states: Vec<(String, String)> = ProcessState::ALL
        .iter()
        .map(|s| (s.to_string(), cov.count(*s).to_string()))
        .collect();
    let samples: Vec<([(&str, &str); 1], String)> = states
        .iter()
        .map(|(s, n)| ([("state", s.as_str())], n.clone()))
        .collect();
    e.gauge(
        "landlock_audit_processes",
        "Processes of /proc by state (the reader itself left out): sandboxed (all threads in \
         visible domains), mixed, unconfined, unknown (not inspectable by the reader), \
         kernel_thread.  They add up to every process.",
        &samples
            .iter()
            .map(|(l, n)| (&l[..], n.clone()))
            .collect::<Vec<_>>(),
    );
    e.single(
        "landlock_audit_partial",
        "1 when some processes could not be inspected by the reader (state unknown): the \
         ratios cover part of the system.",
        u8::from(cov.unknown > 0),
    );
    e.gauge(
        "landlock_audit_processes_handling",
        "Sandboxed processes all of whose threads run under a domain chain handling at least \
         one right of the class (fs, net, scope).",
        &[
            (&[("class", "fs")], cov.handles_fs.to_string()),
            (&[("class", "net")], cov.handles_net.to_string()),
            (&[("class", "scope")], cov.handles_scope.to_string()),
        ],
    );
    // Ratios exist only when some process is judged: 0 would read as
    // "nothing sandboxed".
    if cov.judged() > 0 {
        e.single(
            "landlock_audit_sandboxed_ratio",
            "Sandboxed processes divided by judged ones (all but kernel threads and unknown \
             processes); absent when none is judged.",
            cov.ratio(),
        );
        e.gauge(
            "landlock_audit_handling_ratio",
            "landlock_audit_processes_handling divided by judged processes, per class; absent \
             when none is judged.",
            &[
                (&[("class", "fs")], cov.fs_ratio().to_string()),
                (&[("class", "net")], cov.net_ratio().to_string()),
                (&[("class", "scope")], cov.scope_ratio().to_string()),
            ],
        );
    }
    let mut rights: std::collections::BTreeMap<(&str, String), u64> = Default::default();
    for d in domains {
        for (class, names) in d.access.names() {
            for n in names {
                *rights.entry((class, n)).or_default() += 1;
            }
        }
    }
    let samples: Vec<([(&str, &str); 2], String)> = rights
        .iter()
        .map(|((c, r), n)| ([("class", *c), ("right", r.as_str())], n.to_string()))
        .collect();
    e.gauge(
        "landlock_audit_domains_handling",
        "Visible domains whose own layer handles the right, per class and right (rights this \
         build does not know included, as the kernel names them).",
        &samples
            .iter()
            .map(|(l, n)| (&l[..], n.clone()))
            .collect::<Vec<_>>(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from([&["landlock-audit"][..], args].concat()).expect("a valid command line")
    }

    /// The kind, exit status and message of each error `domain --rules`
    /// can meet that no fixture tree can make (a file cannot answer
    /// `ENODATA`), as the command reports them.
    #[test]
    fn rules_errors_have_their_kind_status_and_message() {
        let c = cli(&["domain", "1000000000000001", "--rules"]);
        let path = PathBuf::from(format!("{DEFAULT_ROOT}/domains/1000000000000001/rules"));
        let id: DomainId = "1000000000000001".parse().unwrap();
        let io = |errno| landlock_audit::rules::error(&path, io::Error::from_raw_os_error(errno));
        for (e, kind, code, says) in [
            (
                io(libc::EACCES),
                "rules_permission_denied",
                EXIT_ERROR,
                "reading a domain's rules needs CAP_SYS_PTRACE in the initial user namespace",
            ),
            (
                io(libc::ENODATA),
                "rules_unavailable",
                EXIT_ERROR,
                "the rules of this domain's layer are no longer held by any task",
            ),
            (io(libc::EIO), "io", EXIT_ERROR, "Input/output error"),
            (
                Error::DomainGone {
                    id,
                    path: path.parent().unwrap().to_owned(),
                },
                "domain_gone",
                EXIT_ERROR,
                "domain 1000000000000001 is gone",
            ),
            (
                Error::RulesUnsupported { path: path.clone() },
                "rules_unsupported",
                EXIT_UNAVAILABLE,
                "has no rules files",
            ),
        ] {
            let f = Failure::Lib(e);
            assert_eq!(f.kind(), kind);
            assert_eq!(f.exit_code(), code, "{kind}");
            let msg = f.message(&c);
            assert!(msg.contains(says), "{kind}: {msg}");
            assert!(msg.contains("/domains/1000000000000001"), "{kind}: {msg}");
            // One line, as every message.
            assert!(!msg.contains('\n'));
        }
    }

    #[test]
    fn rule_lines_escape_what_users_control() {
        use landlock_audit::{AccessFs, AccessNet, Unnamed};
        use std::os::unix::ffi::OsStrExt;
        let r = Rule::Fs {
            dev: (8, 1),
            ino: 9,
            object: FsObject::Path(
                std::ffi::OsStr::from_bytes(b"/a b\n  net  port 1\xe2\x80\xae\x1b[2K").into(),
            ),
            quiet: false,
            access: AccessFs::READ_FILE,
            unknown_access: vec!["frob".into()],
        };
        assert_eq!(
            rule_text(&r),
            r"fs   /a\040b\012\040\040net\040\040port\0401\342\200\256\033[2K  read_file frob  (dev 8:1 ino 9)"
        );
        let r = Rule::Fs {
            dev: (0, 0),
            ino: 0,
            object: FsObject::Unnamed(Unnamed::TooLong),
            quiet: true,
            access: AccessFs::empty(),
            unknown_access: vec![],
        };
        assert_eq!(rule_text(&r), "fs   (too_long)  -  (dev 0:0 ino 0, quiet)");
        let r = Rule::Net {
            port: 8080,
            quiet: false,
            access: AccessNet::BIND_TCP | AccessNet::from_bits_retain(1 << 9),
            unknown_access: vec![],
        };
        assert_eq!(rule_text(&r), "net  port 8080  bind_tcp bit9");
    }
}
