//! `landlock-audit`: shows the Landlock domains of the system, which
//! processes run in them, and how many processes are sandboxed.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use landlock_audit::json::{self, DomainList, ProcessCounts, PsProcess};
use landlock_audit::{procfs, AccessNames, Domain, DomainId, Domains, Error, Task, DEFAULT_ROOT};

/// Exit status: success.
const EXIT_OK: u8 = 0;
/// Exit status: an error while reading (malformed tree, I/O, permission,
/// unsupported version, unknown domain).
const EXIT_ERROR: u8 = 1;
// 2 (usage) is clap's own exit status for a command-line error.
/// Exit status: no tree on this system (securityfs not mounted, Landlock
/// disabled, or a kernel without the landlock-audit feature).
const EXIT_UNAVAILABLE: u8 = 3;

const AFTER_HELP: &str = "\
Exit status:
  0  success
  1  error while reading the tree or /proc (malformed tree, I/O error,
     permission denied, unsupported tree version, unknown domain)
  2  usage error (bad command line)
  3  no Landlock audit tree on this system: securityfs not mounted, Landlock
     disabled, or a kernel without the landlock-audit patch

JSON output (--json) is versioned (\"version\": 1) and its arrays are sorted
(domains by ID, tasks by TGID then TID, processes by PID).";

/// Shows Landlock domains (sandboxes), the processes that run in them and how
/// many processes are sandboxed, from /sys/kernel/security/landlock.
#[derive(Debug, Parser)]
#[command(name = "landlock-audit", version, after_help = AFTER_HELP)]
struct Cli {
    /// The Landlock audit tree.
    #[arg(long, global = true, value_name = "DIR", default_value = DEFAULT_ROOT)]
    root: PathBuf,

    /// The procfs of the PID namespace the tree is read from.
    #[arg(
        long = "proc",
        global = true,
        value_name = "DIR",
        default_value = "/proc"
    )]
    proc_root: PathBuf,

    /// Print JSON (schema version 1) instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Visible domains, processes sandboxed out of all, and their ratio.
    Status,
    /// Domains nested as they are, with each task's PID and command name.
    Tree,
    /// Every process and the domains its threads run in.
    Ps,
    /// One domain in detail.
    Domain {
        /// The domain's ID: 16 lowercase hexadecimal digits.
        id: DomainId,
    },
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Metrics,
}

/// What went wrong, with its exit status.
enum Failure {
    Lib(Error),
    UnknownDomain(DomainId),
    Output(io::Error),
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = String::new();
    match run(&cli, &mut out) {
        Ok(()) => {
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::from(EXIT_OK),
                // A closed pipe (`| head`) is not worth a message.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
                Err(e) => {
                    eprintln!("landlock-audit: error: writing the output: {e}");
                    ExitCode::from(EXIT_ERROR)
                }
            }
        }
        Err(Failure::Lib(e)) => {
            eprintln!("landlock-audit: error: {e}");
            if e.is_unavailable() {
                let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_else(|_| "unknown".to_owned());
                eprintln!(
                    "landlock-audit: the Landlock audit tree exists only on a kernel with the \
                     landlock-audit patch (CONFIG_SECURITY_LANDLOCK_FS=y) and Landlock enabled; \
                     this kernel is {release}"
                );
                ExitCode::from(EXIT_UNAVAILABLE)
            } else {
                ExitCode::from(EXIT_ERROR)
            }
        }
        Err(Failure::UnknownDomain(id)) => {
            eprintln!(
                "landlock-audit: error: domain {id} is not in the tree (it does not exist, \
                 is gone, or is not visible to you)"
            );
            ExitCode::from(EXIT_ERROR)
        }
        Err(Failure::Output(e)) => {
            eprintln!("landlock-audit: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: &Cli, out: &mut String) -> Result<(), Failure> {
    let domains = Domains::read_from(&cli.root)?;
    match &cli.command {
        Command::Status => status(cli, &domains, out),
        Command::Tree => tree(cli, &domains, out),
        Command::Ps => ps(cli, &domains, out),
        Command::Domain { id } => domain(cli, &domains, *id, out),
        Command::Metrics => metrics(cli, &domains, out),
    }
}

fn json_line<T: serde::Serialize>(out: &mut String, doc: &T) -> Result<(), Failure> {
    out.push_str(&serde_json::to_string(doc)?);
    out.push('\n');
    Ok(())
}

fn status(cli: &Cli, domains: &Domains, out: &mut String) -> Result<(), Failure> {
    let cov = domains.coverage(&cli.proc_root)?;
    if cli.json {
        let doc = json::Status::new(domains.abi_version(), domains.len(), cov.into());
        return json_line(out, &doc);
    }
    let _ = writeln!(
        out,
        "Landlock audit tree {} (format {}, Landlock ABI {})",
        cli.root.display(),
        domains.version(),
        domains.abi_version()
    );
    let _ = writeln!(
        out,
        "{} domains visible ({} at top level)",
        domains.len(),
        domains.roots().len()
    );
    let _ = writeln!(
        out,
        "{} processes: {} sandboxed, {} mixed, {} unconfined",
        cov.total,
        cov.sandboxed,
        cov.mixed,
        cov.unconfined()
    );
    let _ = writeln!(out, "sandboxed ratio: {:.3}", cov.ratio());
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

/// Writes `{pad}  pid TGID tid TID  COMM`, the task line of `tree` and
/// `domain`.
fn write_task_line(out: &mut String, pad: &str, t: &Task, proc_root: &Path) {
    let _ = writeln!(
        out,
        "{pad}  pid {} tid {}  {}",
        t.tgid,
        t.tid,
        comm_or_unknown(proc_root, t.tgid, Some(t.tid))
    );
}

fn comm_or_unknown(proc_root: &Path, tgid: u32, tid: Option<u32>) -> String {
    procfs::comm(proc_root, tgid, tid).unwrap_or_else(|| "?".to_owned())
}

fn tree(cli: &Cli, domains: &Domains, out: &mut String) -> Result<(), Failure> {
    if cli.json {
        return json_line(out, &DomainList::new(domains.iter().cloned().collect()));
    }
    if domains.is_empty() {
        out.push_str("no domain visible\n");
        return Ok(());
    }
    // Depth-first, children in ID order; an explicit stack bounds nothing
    // but keeps deep (or adversarial) trees off the call stack.
    let mut stack: Vec<(&Domain, usize)> = domains.roots().rev().map(|d| (d, 0)).collect();
    while let Some((d, level)) = stack.pop() {
        let pad = "    ".repeat(level);
        let _ = writeln!(out, "{pad}{}  {}", d.id, access_summary(d));
        for t in &d.tasks {
            write_task_line(out, &pad, t, &cli.proc_root);
        }
        let kids: Vec<&Domain> = domains.children(d.id).collect();
        stack.extend(kids.into_iter().rev().map(|k| (k, level + 1)));
    }
    Ok(())
}

fn ps(cli: &Cli, domains: &Domains, out: &mut String) -> Result<(), Failure> {
    let processes: Vec<PsProcess> = procfs::pids(&cli.proc_root)?
        .into_iter()
        .map(|pid| PsProcess {
            pid,
            comm: procfs::comm(&cli.proc_root, pid, None).unwrap_or_default(),
            domains: domains
                .domains_of_process(pid)
                .iter()
                .map(|d| d.id)
                .collect(),
        })
        .collect();
    if cli.json {
        return json_line(out, &json::Ps::new(processes));
    }
    let _ = writeln!(out, "{:>8}  {:<16}  DOMAINS", "PID", "COMM");
    for p in &processes {
        let ids: Vec<String> = p.domains.iter().map(DomainId::to_string).collect();
        let ids = if ids.is_empty() {
            "-".to_owned()
        } else {
            ids.join(",")
        };
        let _ = writeln!(out, "{:>8}  {:<16}  {ids}", p.pid, p.comm);
    }
    Ok(())
}

fn domain(cli: &Cli, domains: &Domains, id: DomainId, out: &mut String) -> Result<(), Failure> {
    let d = domains.get(id).ok_or(Failure::UnknownDomain(id))?;
    if cli.json {
        return json_line(out, &DomainList::new(vec![d.clone()]));
    }
    let _ = writeln!(out, "domain   {}", d.id);
    let _ = writeln!(
        out,
        "parent   {}",
        d.parent
            .map_or_else(|| "none visible".to_owned(), |p| p.to_string())
    );
    let _ = writeln!(out, "depth    {}", d.depth);
    let _ = writeln!(out, "access   fs: {}", d.access.fs.names().join(" "));
    let _ = writeln!(out, "         net: {}", d.access.net.names().join(" "));
    let _ = writeln!(out, "         scope: {}", d.access.scope.names().join(" "));
    match &d.creator {
        Some(c) => {
            let _ = writeln!(
                out,
                "creator  pid {} uid {} comm {:?} exe {:?}",
                c.pid, c.uid, c.comm, c.exe
            );
        }
        None => out
            .push_str("creator  unreadable (needs CAP_SYS_PTRACE in the initial user namespace)\n"),
    }
    let kids: Vec<String> = domains.children(id).map(|k| k.id.to_string()).collect();
    let _ = writeln!(
        out,
        "children {}",
        if kids.is_empty() {
            "-".to_owned()
        } else {
            kids.join(" ")
        }
    );
    let _ = writeln!(out, "tasks    {}", d.tasks.len());
    for t in &d.tasks {
        write_task_line(out, "", t, &cli.proc_root);
    }
    Ok(())
}

fn metrics(cli: &Cli, domains: &Domains, out: &mut String) -> Result<(), Failure> {
    let cov = domains.coverage(&cli.proc_root)?;
    if cli.json {
        let doc = json::Status::new(
            domains.abi_version(),
            domains.len(),
            ProcessCounts::from(cov),
        );
        return json_line(out, &doc);
    }
    let max_depth = domains.iter().map(|d| d.depth).max().unwrap_or(0);
    let gauges: [(&str, &str, String); 7] = [
        (
            "landlock_audit_domains",
            "Landlock domains visible to the reader.",
            domains.len().to_string(),
        ),
        (
            "landlock_audit_domain_depth_max",
            "Deepest nesting of the visible domains (0 without domains).",
            max_depth.to_string(),
        ),
        (
            "landlock_audit_abi_version",
            "Landlock ABI version of the kernel.",
            domains.abi_version().to_string(),
        ),
        (
            "landlock_audit_processes",
            "Processes in /proc.",
            cov.total.to_string(),
        ),
        (
            "landlock_audit_processes_sandboxed",
            "Processes all of whose threads run in a visible Landlock domain.",
            cov.sandboxed.to_string(),
        ),
        (
            "landlock_audit_processes_mixed",
            "Processes only some of whose threads run in a visible Landlock domain.",
            cov.mixed.to_string(),
        ),
        (
            "landlock_audit_sandboxed_ratio",
            "Sandboxed processes divided by all processes.",
            format!("{}", cov.ratio()),
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    }
    Ok(())
}
