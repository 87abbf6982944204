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
#[path = "cli/verify.rs"]
mod verify;

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use landlock_audit::json::{self, DomainList, ProcessCounts, PsProcess};
use landlock_audit::{procfs, AccessNames, Coverage, Domain, DomainId, Domains, Error, Task};

use args::{Cli, Command};

/// Exit status: success.
const EXIT_OK: u8 = 0;
/// Exit status: an error while reading (malformed tree, I/O, permission,
/// unsupported version, unknown domain or audit ID, `audit_id` without
/// `CAP_AUDIT_READ`) or writing.
const EXIT_ERROR: u8 = 1;
/// Exit status: usage error (also clap's own).
const EXIT_USAGE: u8 = 2;
/// Exit status: no tree on this system (securityfs not mounted, Landlock
/// disabled, or a kernel without the landlock-audit feature), or, for
/// `domain --audit-id`, a tree without `audit_id` files.
const EXIT_UNAVAILABLE: u8 = 3;

/// The most bytes read from a `comm` file (the kernel's are at most 64).
const COMM_MAX: u64 = 4096;

/// What went wrong, with its exit status.
#[derive(Debug)]
enum Failure {
    Lib(Error),
    UnknownDomain(DomainId),
    Output(io::Error),
    /// An expectations file missing or invalid: exit status 2.
    Expectations(String),
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

/// The stable name of a library error, for `--json` errors and the
/// `error` label of `landlock_audit_up`.
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
        Error::Io { .. } => "io",
        _ => "other",
    }
}

impl Failure {
    fn kind(&self) -> &'static str {
        match self {
            Failure::Lib(e) => lib_error_kind(e),
            Failure::UnknownDomain(_) => "unknown_domain",
            Failure::Output(_) => "output",
            Failure::Expectations(_) => "expectations",
            Failure::Violated => "violated",
        }
    }

    fn exit_code(&self) -> u8 {
        match self {
            Failure::Lib(e) if e.is_unavailable() => EXIT_UNAVAILABLE,
            // The kernel lacks what the question needs, as for a missing
            // tree.
            Failure::Lib(Error::AuditIdUnsupported { .. }) => EXIT_UNAVAILABLE,
            Failure::Expectations(_) => EXIT_USAGE,
            _ => EXIT_ERROR,
        }
    }

    /// The message, one line with its control characters escaped.
    fn message(&self) -> String {
        text::message(&match self {
            Failure::Lib(e) => e.to_string(),
            Failure::UnknownDomain(id) => format!(
                "domain {id} is not in the tree (it does not exist, is gone, or is not \
                 visible to you)"
            ),
            Failure::Output(e) => format!("writing the output: {e}"),
            Failure::Expectations(m) => m.clone(),
            Failure::Violated => "an expectation is violated".to_owned(),
        })
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let wants_json = std::env::args_os().any(|a| a == "--json");
            let is_usage = !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
            if wants_json && is_usage {
                let msg = e.render().to_string();
                let first = msg.lines().next().unwrap_or("usage error");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                print_stdout(format!("{}\n", json_error("usage", first)).as_bytes());
            }
            let _ = e.print();
            return ExitCode::from(if is_usage { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let res = run(&cli, &mut out).and_then(|()| out.flush().map_err(Failure::Output));
    match res {
        Ok(()) => ExitCode::from(EXIT_OK),
        // A closed pipe (`| head`) ends the output early: not an error.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        // The report said it.
        Err(Failure::Violated) => ExitCode::from(EXIT_ERROR),
        Err(f) => {
            let msg = f.message();
            let mut stderr = io::stderr().lock();
            // Nothing to do if stderr is gone too; never panic over it.
            let _ = writeln!(stderr, "landlock-audit: error: {msg}");
            if let Failure::Lib(e) = &f {
                if e.is_unavailable() {
                    let release = fs::read_to_string("/proc/sys/kernel/osrelease")
                        .map(|s| text::message(s.trim()))
                        .unwrap_or_else(|_| "unknown".to_owned());
                    let _ = writeln!(
                        stderr,
                        "landlock-audit: the Landlock audit tree exists only on a kernel with \
                         the landlock-audit patch (CONFIG_SECURITY_LANDLOCK_FS=y) and Landlock \
                         enabled; this kernel is {release}"
                    );
                }
            }
            if cli.json && !matches!(f, Failure::Output(_)) {
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
    if let Command::Metrics {
        output,
        expect,
        no_units,
    } = &cli.command
    {
        return metrics(cli, output.as_deref(), expect.as_deref(), !*no_units, out);
    }
    // An invalid expectations file is exit status 2, tree or no tree.
    let expectations = match &cli.command {
        Command::Verify { expect } => Some(verify::load(expect)?),
        _ => None,
    };
    let domains = Domains::read_from(&cli.root)?;
    match &cli.command {
        Command::Status { no_units } => status(cli, &domains, !*no_units, out),
        Command::Verify { .. } => match &expectations {
            Some(e) => verify::verify(cli, &domains, e, out),
            None => unreachable!("loaded above"),
        },
        Command::Tree => tree(cli, &domains, out),
        Command::Ps => ps(cli, &domains, out),
        Command::Domain { id: Some(id), .. } => {
            let d = domains.get(*id).ok_or(Failure::UnknownDomain(*id))?;
            domain(cli, &domains, d, out)
        }
        Command::Domain {
            id: None,
            audit_id: Some(a),
        } => domain(cli, &domains, domains.find_by_audit_id(&cli.root, *a)?, out),
        Command::Domain {
            id: None,
            audit_id: None,
        } => unreachable!("clap requires the ID or --audit-id"),
        Command::Metrics { .. } => unreachable!("handled above"),
    }
}

fn json_line<T: serde::Serialize>(out: &mut impl Write, doc: &T) -> Result<(), Failure> {
    serde_json::to_writer(&mut *out, doc)?;
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
}

/// `status --json` (and `metrics --json`): [`json::Status`] with the
/// larger `processes`, and the processes per unit.
#[derive(serde::Serialize)]
struct StatusDoc {
    version: u32,
    abi_version: u32,
    domains: usize,
    processes: Processes,
    #[serde(skip_serializing_if = "Option::is_none")]
    units: Option<Vec<units::UnitJson>>,
}

fn status_doc(domains: &Domains, cov: &Coverage) -> StatusDoc {
    StatusDoc {
        units: None,
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
        },
    }
}

fn status(
    cli: &Cli,
    domains: &Domains,
    per_unit: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let processes = procfs::processes(&cli.proc_root)?;
    let cov = domains.coverage_of(&processes);
    let by_unit = per_unit.then(|| domains.coverage_by_unit(&processes));
    if cli.json {
        let mut doc = status_doc(domains, &cov);
        doc.units = by_unit.as_ref().map(units::json);
        return json_line(out, &doc);
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
        "sandboxed ratio: {:.3} (sandboxed / judged)",
        cov.ratio()
    )?;
    writeln!(
        out,
        "sandboxed under a domain chain handling fs: {} ({:.3}), net: {} ({:.3}), scope: {} ({:.3})",
        cov.handles_fs,
        cov.fs_ratio(),
        cov.handles_net,
        cov.net_ratio(),
        cov.handles_scope,
        cov.scope_ratio()
    )?;
    if let Some(by_unit) = &by_unit {
        units::status_text(out, by_unit)?;
    }
    Ok(())
}

fn access_summary(d: &Domain) -> String {
    let part = |kind: &str, names: Vec<String>| {
        if names.is_empty() {
            format!("{kind}: -")
        } else {
            format!("{kind}: {}", names.join(","))
        }
    };
    [
        part("fs", d.access.fs.names()),
        part("net", d.access.net.names()),
        part("scope", d.access.scope.names()),
    ]
    .join("  ")
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
    f.take(COMM_MAX).read_to_end(&mut buf).ok()?;
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Some(buf)
}

/// A command name for text output: escaped, or `?` when unreadable.
fn comm_field(proc_root: &Path, pid: u32, tid: Option<u32>) -> String {
    comm_bytes(proc_root, pid, tid).map_or_else(|| "?".to_owned(), |c| text::field(&c))
}

/// A process's systemd unit for text output: escaped (a user names the
/// cgroups of their own subtree), or `-` outside any unit.
fn unit_field(proc_root: &Path, pid: u32) -> String {
    procfs::cgroup_path(proc_root, pid)
        .and_then(|p| landlock_audit::cgroup::unit(&p))
        .map_or_else(|| "-".to_owned(), |u| text::field(u.as_bytes()))
}

/// Writes `{pad}  pid TGID tid TID  unit UNIT  COMM`, the task line of
/// `tree` and `domain`.
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

fn tree(cli: &Cli, domains: &Domains, out: &mut impl Write) -> Result<(), Failure> {
    if cli.json {
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
    if domains.is_empty() {
        out.write_all(b"no domain visible\n")?;
        return Ok(());
    }
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
        writeln!(out, "{pad}{}  {}", d.id, access_summary(d))?;
        for t in &d.tasks {
            write_task_line(out, &pad, t, &cli.proc_root)?;
        }
        let first = stack.len();
        stack.extend(domains.children(d.id).map(|k| (k, level + 1)));
        stack[first..].reverse();
    }
    Ok(())
}

fn ps(cli: &Cli, domains: &Domains, out: &mut impl Write) -> Result<(), Failure> {
    let pids = procfs::pids(&cli.proc_root)?;
    let domains_of = |pid: u32| -> Vec<DomainId> {
        domains
            .domains_of_process(pid)
            .iter()
            .map(|d| d.id)
            .collect()
    };
    if cli.json {
        let processes: Vec<PsProcess> = pids
            .into_iter()
            .map(|pid| {
                let comm = comm_bytes(&cli.proc_root, pid, None).unwrap_or_default();
                let p = PsProcess::new(pid, &comm, domains_of(pid));
                match procfs::cgroup_path(&cli.proc_root, pid) {
                    Some(path) => p.with_cgroup(&path),
                    None => p,
                }
            })
            .collect();
        return json_line(out, &json::Ps::new(processes));
    }
    writeln!(out, "{:>8}  {:<16}  {:<24}  DOMAINS", "PID", "COMM", "UNIT")?;
    for pid in pids {
        let comm = comm_bytes(&cli.proc_root, pid, None)
            .map(|c| text::field(&c))
            .unwrap_or_default();
        let ids: Vec<String> = domains_of(pid).iter().map(DomainId::to_string).collect();
        let ids = if ids.is_empty() {
            "-".to_owned()
        } else {
            ids.join(",")
        };
        let unit = unit_field(&cli.proc_root, pid);
        writeln!(out, "{pid:>8}  {comm:<16}  {unit:<24}  {ids}")?;
    }
    Ok(())
}

/// `domain`: one domain in detail, found by its ID or its audit ID.
fn domain(cli: &Cli, domains: &Domains, d: &Domain, out: &mut impl Write) -> Result<(), Failure> {
    let id = d.id;
    if cli.json {
        return json_line(out, &DomainList::new(vec![d.clone()]));
    }
    writeln!(out, "domain   {}", d.id)?;
    writeln!(
        out,
        "parent   {}",
        d.parent
            .map_or_else(|| "none visible".to_owned(), |p| p.to_string())
    )?;
    writeln!(out, "depth    {}", d.depth)?;
    writeln!(out, "access   fs: {}", d.access.fs.names().join(" "))?;
    writeln!(out, "         net: {}", d.access.net.names().join(" "))?;
    writeln!(out, "         scope: {}", d.access.scope.names().join(" "))?;
    match &d.creator {
        Some(c) => writeln!(
            out,
            "creator  pid {} uid {} comm {} exe {}",
            c.pid,
            c.uid,
            text::field(c.comm.as_bytes()),
            text::field(c.exe.as_os_str().as_bytes())
        )?,
        None => out.write_all(
            b"creator  unreadable (needs CAP_SYS_PTRACE in the initial user namespace)\n",
        )?,
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
    writeln!(out, "tasks    {}", d.tasks.len())?;
    for t in &d.tasks {
        write_task_line(out, "", t, &cli.proc_root)?;
    }
    Ok(())
}

/// What `metrics` exports of a tree that could be read.
struct Snapshot {
    domains: Domains,
    cov: Coverage,
    processes: Vec<procfs::Process>,
    report: Option<landlock_audit::verify::Report>,
}

/// The metrics of a tree that could be read (and the expectations' report).
fn metrics_of(cli: &Cli, expect: Option<&Path>) -> Result<Snapshot, Failure> {
    let expectations = expect.map(verify::load).transpose()?;
    let domains = Domains::read_from(&cli.root)?;
    let processes = procfs::processes(&cli.proc_root)?;
    let cov = domains.coverage_of(&processes);
    let report = expectations.map(|e| e.check(&domains, &processes));
    Ok(Snapshot {
        domains,
        cov,
        processes,
        report,
    })
}

fn metrics(
    cli: &Cli,
    output: Option<&Path>,
    expect: Option<&Path>,
    per_unit: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let read = metrics_of(cli, expect);
    if cli.json {
        let r = read?;
        return json_line(out, &status_doc(&r.domains, &r.cov));
    }
    let version = env!("CARGO_PKG_VERSION");
    let mut e = prom::Exposition::default();
    let up_help = "1 when the Landlock audit tree and /proc were read; 0 (with the error \
                   kind as the error label) when they could not be.";
    let info_help = "Landlock ABI version of the kernel and version of landlock-audit.";
    let (result, body) = match read {
        Err(f) => {
            e.gauge(
                "landlock_audit_up",
                up_help,
                &[(&[("error", f.kind())], "0".into())],
            );
            e.gauge(
                "landlock_audit_info",
                info_help,
                &[(&[("version", version)], "1".into())],
            );
            (Err(f), e)
        }
        Ok(r) => {
            e.single("landlock_audit_up", up_help, 1);
            let abi = r.domains.abi_version().to_string();
            e.gauge(
                "landlock_audit_info",
                info_help,
                &[(&[("abi_version", &abi), ("version", version)], "1".into())],
            );
            coverage_metrics(&mut e, &r.domains, &r.cov);
            if per_unit {
                units::metrics(&mut e, &r.domains.coverage_by_unit(&r.processes));
            }
            if let Some(report) = &r.report {
                verify::metrics(&mut e, report);
            }
            (Ok(()), e)
        }
    };
    let body = body.into_bytes();
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

fn coverage_metrics(e: &mut prom::Exposition, domains: &Domains, cov: &Coverage) {
    let max_depth = domains.iter().map(|d| d.depth).max().unwrap_or(0);
    e.single(
        "landlock_audit_domains",
        "Landlock domains visible to the reader.",
        domains.len(),
    );
    e.single(
        "landlock_audit_domain_depth_max",
        "Deepest nesting of the visible domains (0 without domains).",
        max_depth,
    );
    e.single(
        "landlock_audit_abi_version",
        "Landlock ABI version of the kernel.",
        domains.abi_version(),
    );
    e.single(
        "landlock_audit_processes",
        "Processes in /proc, kernel threads and unknown processes included.",
        cov.total,
    );
    e.single(
        "landlock_audit_kernel_threads",
        "Kernel threads in /proc (PF_KTHREAD): they cannot be sandboxed and are not judged.",
        cov.kernel_threads,
    );
    e.single(
        "landlock_audit_processes_unknown",
        "Processes the reader may not inspect (ptrace read check fails): maybe sandboxed, not judged.",
        cov.unknown,
    );
    e.single(
        "landlock_audit_processes_judged",
        "Processes the reader can judge: all but kernel threads and unknown ones.",
        cov.judged(),
    );
    e.single(
        "landlock_audit_processes_sandboxed",
        "Judged processes all of whose threads run in a visible Landlock domain.",
        cov.sandboxed,
    );
    e.single(
        "landlock_audit_processes_mixed",
        "Judged processes only some of whose threads run in a visible Landlock domain.",
        cov.mixed,
    );
    e.single(
        "landlock_audit_processes_unconfined",
        "Judged processes none of whose threads runs in a visible Landlock domain.",
        cov.unconfined(),
    );
    e.single(
        "landlock_audit_sandboxed_ratio",
        "Sandboxed processes divided by judged processes (0 without judged processes).",
        cov.ratio(),
    );
    let (fs, net, scope) = (
        cov.handles_fs.to_string(),
        cov.handles_net.to_string(),
        cov.handles_scope.to_string(),
    );
    e.gauge(
        "landlock_audit_processes_handling",
        "Sandboxed processes all of whose threads run under a domain chain handling at least \
         one right of the class (fs, net, scope).",
        &[
            (&[("class", "fs")], fs),
            (&[("class", "net")], net),
            (&[("class", "scope")], scope),
        ],
    );
    e.gauge(
        "landlock_audit_handling_ratio",
        "landlock_audit_processes_handling divided by judged processes, per class.",
        &[
            (&[("class", "fs")], cov.fs_ratio().to_string()),
            (&[("class", "net")], cov.net_ratio().to_string()),
            (&[("class", "scope")], cov.scope_ratio().to_string()),
        ],
    );
}
