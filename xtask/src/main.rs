//! Developer tasks of the landlock-audit workspace.
//!
//! `cargo run -p xtask -- docs [DIR]` writes, from the command's own clap
//! definitions (`landlock-audit/src/bin/cli/args.rs`, included here), the
//! man pages to `DIR/man/man1/` (`landlock-audit.1` and one page per
//! subcommand, `landlock-audit-status.1`, …; clap_mangen's sections, the
//! text after `--help` in sections of its own, then EXIT STATUS, FILES,
//! EXAMPLES and SEE ALSO) and the shell completions to
//! `DIR/completions/` (bash, zsh, fish, elvish, PowerShell).  `DIR` defaults
//! to `target/` of the workspace.

#[allow(dead_code)]
#[path = "../../landlock-audit/src/bin/cli/args.rs"]
mod args;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Roff};

/// The command's version, from its Cargo.toml (this crate's own version is
/// not the command's).
fn command_version() -> &'static str {
    include_str!("../../landlock-audit/Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or("unknown")
}

/// The command as clap describes it, with the command's version.
fn command() -> clap::Command {
    args::Cli::command().version(command_version())
}

/// Writes the man pages and completions under `out`; returns the files.
fn docs(out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let man = out.join("man").join("man1");
    let comp = out.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&comp)?;
    let mut files = Vec::new();
    let cmd = command();
    files.extend(man_pages(&cmd, &man)?);
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut c = cmd.clone();
        let path = clap_complete::generate_to(shell, &mut c, "landlock-audit", &comp)?;
        if shell == Shell::Bash {
            let script = std::fs::read_to_string(&path)?;
            std::fs::write(&path, fix_bash_case_labels(&script))?;
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

/// The sections of one man page that clap does not know.
struct Page {
    /// The text after `--help` that is not the exit statuses, under its
    /// own heading.
    text: Option<(&'static str, String)>,
    exit_status: String,
    files: &'static [(&'static str, &'static str)],
    /// `(what it does, command line)`.
    examples: &'static [(&'static str, &'static str)],
}

const TREE: (&str, &str) = (
    "/sys/kernel/security/landlock",
    "The Landlock audit tree (--root); see Documentation/abi.rst.",
);
const PROC: (&str, &str) = (
    "/proc",
    "The processes, their threads, command names, executables, UIDs and \
     cgroups (--proc).",
);
const TEXTFILE: (&str, &str) = (
    "/var/lib/prometheus/node-exporter/landlock-audit.prom",
    "The textfile that contrib/systemd/landlock-audit-metrics.service writes \
     for node_exporter's textfile collector.",
);
const EXPECTATIONS: (&str, &str) = (
    "/etc/landlock-audit/expectations.toml",
    "The expectations that contrib/systemd/landlock-audit-verify.service checks \
     (an example: contrib/expectations/debian-systemd.toml).",
);

/// The extra sections of the page of `sub` (`None`: the command's own).
fn page(sub: Option<&str>) -> Page {
    let common = |examples| Page {
        text: None,
        exit_status: sub.map_or_else(
            || args::EXIT_STATUS.to_owned(),
            args::subcommand_exit_status,
        ),
        files: &[TREE, PROC],
        examples,
    };
    match sub {
        None => Page {
            text: Some(("OUTPUT", args::OUTPUT_HELP.to_owned())),
            ..common(&[
                ("How many processes are sandboxed:", "landlock-audit"),
                ("The same as JSON, indented:", "landlock-audit status --pretty"),
                (
                    "A copy of the tree and /proc, elsewhere:",
                    "landlock-audit --root /tmp/fx/landlock --proc /tmp/fx/proc tree",
                ),
            ])
        },
        Some("status") => Page {
            text: Some(("WATCHING", args::WATCH_HELP.to_owned())),
            ..common(&[
                ("Counts, per systemd unit too:", "landlock-audit status"),
                ("Without the units, as JSON:", "landlock-audit status --no-units --json"),
                (
                    "The counts again at each change, one JSON document per line:",
                    "landlock-audit status --watch --json",
                ),
            ])
        },
        Some("tree") => Page {
            text: Some(("WATCHING", args::WATCH_HELP.to_owned())),
            ..common(&[
                ("The domains as they nest:", "landlock-audit tree"),
                ("Every domain with its rights and tasks:", "landlock-audit tree --json"),
                (
                    "The tree again at each change, re-read every minute at least:",
                    "landlock-audit tree --watch --interval 60",
                ),
                (
                    "Wait for the next change, print it, and stop:",
                    "landlock-audit tree --watch --count 2",
                ),
            ])
        },
        Some("ps") => common(&[
            ("Processes and their states:", "landlock-audit ps"),
            ("Kernel threads too:", "landlock-audit ps -e"),
            ("Two processes, as JSON:", "landlock-audit ps -p 1,4242 --json"),
        ]),
        Some("list") => common(&[
            ("One line per domain:", "landlock-audit list"),
            ("As JSON:", "landlock-audit list --json"),
        ]),
        Some("domain") => Page {
            text: Some(("DOMAIN IDS AND RULES", args::DOMAIN_AFTER_HELP.to_owned())),
            ..common(&[
                ("A domain by a prefix of its ID:", "landlock-audit domain 3f9a0c21"),
                (
                    "The domain an audit record names (needs CAP_AUDIT_READ):",
                    "landlock-audit domain --audit-id domain=1a2b3c4d5",
                ),
                (
                    "The rules of a domain's layer, as JSON (needs CAP_SYS_PTRACE):",
                    "landlock-audit domain 3f9a0c21 --rules --json",
                ),
            ])
        },
        Some("metrics") => Page {
            text: Some(("METRICS", metrics_text())),
            files: &[TREE, PROC, TEXTFILE, EXPECTATIONS],
            ..common(&[
                (
                    "The textfile of node_exporter, replaced atomically:",
                    "landlock-audit metrics -o /var/lib/prometheus/node-exporter/landlock-audit.prom",
                ),
                (
                    "With the expectations' gauges:",
                    "landlock-audit metrics --expect /etc/landlock-audit/expectations.toml",
                ),
                (
                    "The textfile, kept up to date by one process (at each change, and every 60 s):",
                    "landlock-audit metrics --watch --interval 60 -o /var/lib/prometheus/node-exporter/landlock-audit.prom",
                ),
            ])
        },
        Some("verify") => Page {
            text: Some(("EXPECTATIONS FILE", args::VERIFY_FILE_HELP.to_owned())),
            exit_status: args::VERIFY_EXIT_STATUS.to_owned(),
            files: &[TREE, PROC, EXPECTATIONS],
            examples: &[
                (
                    "Check the machine, exit 1 on a violation:",
                    "landlock-audit verify --expect /etc/landlock-audit/expectations.toml",
                ),
                (
                    "The report as JSON:",
                    "landlock-audit verify --expect expectations.toml --json",
                ),
            ],
        },
        Some(_) => common(&[]),
    }
    // SUBCOMMANDS and a test keep this list complete.
}

/// [`args::METRICS_AFTER_HELP`], [`args::WATCH_HELP`], then every family
/// of [`args::METRICS`] with its type and labels.
fn metrics_text() -> String {
    let mut t = format!(
        "{}\n\nWatching (--watch):\n\n{}\n\nThe metric families:\n",
        args::METRICS_AFTER_HELP,
        args::WATCH_HELP
    );
    for m in args::METRICS {
        let labels = if m.labels.is_empty() {
            "no label".to_owned()
        } else {
            format!("labels {}", m.labels.join(", "))
        };
        t.push_str(&format!(
            "\n\t{} ({}, {labels})\n\t{}",
            m.name, m.kind, m.meaning
        ));
    }
    t
}

/// Writes `text` into `roff`: paragraphs (separated by empty lines) are
/// filled; lines that start with spaces are kept as they are; a line that
/// starts with a tab opens a tagged paragraph (`.TP`), its next tabbed
/// line being the body.
fn text_to_roff(roff: &mut Roff, text: &str) {
    for para in text.split("\n\n") {
        let lines: Vec<&str> = para.lines().filter(|l| !l.is_empty()).collect();
        let mut tagged = lines.iter().filter(|l| l.starts_with('\t'));
        if lines.first().is_some_and(|l| l.starts_with('\t')) {
            while let (Some(tag), Some(body)) = (tagged.next(), tagged.next()) {
                roff.control("TP", []).text([bold(tag.trim())]);
                roff.text([roman(body.trim())]);
            }
            continue;
        }
        roff.control("PP", []);
        let mut verbatim = false;
        for l in lines {
            let indented = l.starts_with("  ");
            if indented != verbatim {
                roff.control(if indented { "nf" } else { "fi" }, []);
                verbatim = indented;
            }
            roff.text([roman(l)]);
        }
        if verbatim {
            roff.control("fi", []);
        }
    }
}

/// The sections of [`Page`] for the page of `sub`.
fn extra_sections(sub: Option<&str>) -> Roff {
    let p = page(sub);
    let mut roff = Roff::default();
    if let Some((heading, text)) = &p.text {
        roff.control("SH", [*heading]);
        text_to_roff(&mut roff, text);
    }
    roff.control("SH", ["EXIT STATUS"]);
    text_to_roff(&mut roff, &p.exit_status);
    roff.control("SH", ["FILES"]);
    for (path, what) in p.files {
        roff.control("TP", []).text([italic(*path)]);
        roff.text([roman(*what)]);
    }
    if !p.examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        for (what, line) in p.examples {
            roff.control("PP", []).text([roman(*what)]);
            roff.control("nf", []).control("RS", ["4"]);
            roff.text([bold(*line)]);
            roff.control("RE", []).control("fi", []);
        }
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut see: Vec<String> = Vec::new();
    if sub.is_some() {
        see.push("landlock-audit(1)".to_owned());
    }
    for s in SUBCOMMANDS {
        if Some(*s) != sub {
            see.push(format!("landlock-audit-{s}(1)"));
        }
    }
    see.extend(
        [
            "landlock(7)",
            "ps(1)",
            "lsns(8)",
            "systemd.unit(5)",
            "cgroups(7)",
        ]
        .map(str::to_owned),
    );
    roff.text([roman(see.join(", "))]);
    roff.control("PP", []).text([roman(
        "Documentation/abi.rst (the tree), Documentation/command.rst (the command), \
         Documentation/verify.rst (expectations), Documentation/schemas/ (the JSON \
         documents' schemas) in the source.",
    )]);
    roff
}

/// The subcommands that have a man page.
const SUBCOMMANDS: &[&str] = &[
    "status", "tree", "ps", "list", "domain", "metrics", "verify",
];

/// Writes `landlock-audit.1` and one page per subcommand into `dir`: each
/// clap_mangen's sections (the text after `--help` left out: it is in the
/// sections of [`extra_sections`]), then [`extra_sections`].
fn man_pages(cmd: &clap::Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut cmd = cmd.clone().disable_help_subcommand(true);
    cmd.build();
    let mut pages = vec![(None, cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push((Some(sub.get_name().to_owned()), sub.clone()));
    }
    let mut files = Vec::new();
    for (sub, c) in pages {
        // The footer names the command's version on every page.
        let man = clap_mangen::Man::new(c.clone())
            .source(format!("landlock-audit {}", command_version()));
        let path = dir.join(man.get_filename());
        let mut w = std::fs::File::create(&path)?;
        man.render_title(&mut w)?;
        man.render_name_section(&mut w)?;
        synopsis(&c, sub.as_deref()).to_writer(&mut w)?;
        man.render_description_section(&mut w)?;
        if c.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut w)?;
        }
        if c.has_subcommands() {
            man.render_subcommands_section(&mut w)?;
        }
        extra_sections(sub.as_deref()).to_writer(&mut w)?;
        if sub.is_none() {
            man.render_version_section(&mut w)?;
        }
        w.flush()?;
        files.push(path);
    }
    Ok(files)
}

/// The SYNOPSIS section: clap_mangen's leaves out the value of an option
/// (`verify <--expect>`), so it is written here: `verify --expect FILE
/// [--root DIR] …`, values in italics, optional arguments in brackets, and
/// the members of a required group as `(ID | --audit-id HEX)`.
fn synopsis(c: &clap::Command, sub: Option<&str>) -> Roff {
    let arg_text = |a: &clap::Arg| -> Vec<clap_mangen::roff::Inline> {
        let value = a
            .get_value_names()
            .and_then(|v| v.first())
            .map(ToString::to_string);
        let mut parts = Vec::new();
        if a.is_positional() {
            parts.push(italic(value.unwrap_or_else(|| a.get_id().to_string())));
            return parts;
        }
        let flag = match (a.get_short(), a.get_long()) {
            (_, Some(l)) => format!("--{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, None) => a.get_id().to_string(),
        };
        parts.push(bold(flag));
        if a.get_action().takes_values() {
            if let Some(v) = value {
                parts.push(roman(" "));
                parts.push(italic(v));
            }
        }
        parts
    };
    let mut line = vec![bold("landlock-audit")];
    if let Some(s) = sub {
        line.push(roman(" "));
        line.push(bold(s));
    }
    let grouped: Vec<&clap::Id> = c
        .get_groups()
        .filter(|g| g.is_required_set())
        .flat_map(|g| g.get_args())
        .collect();
    for a in c.get_arguments() {
        if a.is_hide_set() || grouped.contains(&a.get_id()) {
            continue;
        }
        line.push(roman(" "));
        if a.is_required_set() {
            line.extend(arg_text(a));
        } else {
            line.push(roman("["));
            line.extend(arg_text(a));
            line.push(roman("]"));
        }
    }
    for g in c.get_groups().filter(|g| g.is_required_set()) {
        line.push(roman(" ("));
        for (i, id) in g.get_args().enumerate() {
            if i > 0 {
                line.push(roman(" | "));
            }
            if let Some(a) = c.get_arguments().find(|a| a.get_id() == id) {
                line.extend(arg_text(a));
            }
        }
        line.push(roman(")"));
    }
    if sub.is_none() {
        line.push(roman(" ["));
        line.push(italic("COMMAND"));
        line.push(roman("]"));
    }
    let mut roff = Roff::default();
    roff.control("SH", ["SYNOPSIS"]);
    roff.text(line);
    roff
}

/// clap_complete 4.6's bash script sets `cmd="landlock__audit__subcmd__X"`
/// for a subcommand but labels its `case` branch
/// `landlock__subcmd__audit__subcmd__X` (it turns the `-` of the binary's
/// name into `__subcmd__` in one place and `__` in the other), so no
/// subcommand option completes.  The labels are given the name `cmd` gets.
fn fix_bash_case_labels(script: &str) -> String {
    script.replace("landlock__subcmd__audit__", "landlock__audit__")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("docs") if args.len() <= 2 => {
            let out = args.get(1).map_or_else(
                || {
                    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
                    xtask.parent().unwrap_or(xtask).join("target")
                },
                PathBuf::from,
            );
            match docs(&out) {
                Ok(files) => {
                    for f in files {
                        println!("{}", f.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("xtask docs: {}: {e}", out.display());
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- docs [DIR]");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clap_definitions_are_consistent() {
        command().debug_assert();
        let cmd = command();
        let subs: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
        assert_eq!(subs, SUBCOMMANDS, "SUBCOMMANDS lists every subcommand");
        for s in SUBCOMMANDS {
            assert!(!page(Some(s)).examples.is_empty(), "no example for {s}");
        }
        let v = command_version();
        assert!(
            v.split('.').count() == 3 && v.split('.').all(|n| n.parse::<u32>().is_ok()),
            "{v}"
        );
    }

    #[test]
    fn docs_cover_every_subcommand_and_shell() {
        let dir = std::env::temp_dir().join(format!("xtask-docs-{}", std::process::id()));
        let files = docs(&dir).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for n in [
            "landlock-audit.1",
            "landlock-audit-status.1",
            "landlock-audit-tree.1",
            "landlock-audit-ps.1",
            "landlock-audit-domain.1",
            "landlock-audit-metrics.1",
            "landlock-audit-list.1",
            "landlock-audit-verify.1",
            "landlock-audit.bash",
            "_landlock-audit",
            "landlock-audit.fish",
        ] {
            assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
        }
        let page = std::fs::read_to_string(dir.join("man/man1/landlock-audit.1")).unwrap();
        for s in [
            ".SH OUTPUT",
            "securityfs_not_mounted",
            "metrics",
            "\\-\\-json",
        ] {
            assert!(page.contains(s), "{s} missing from the man page");
        }
        // Every page has the sections, and no EXTRA: the text after
        // --help is under headings of its own.
        let pages = files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "1"));
        assert_eq!(pages.clone().count(), 1 + SUBCOMMANDS.len());
        for f in pages {
            let p = std::fs::read_to_string(f).unwrap();
            for s in [
                ".SH \"EXIT STATUS\"",
                ".SH FILES",
                ".SH EXAMPLES",
                ".SH \"SEE ALSO\"",
                "/sys/kernel/security/landlock",
            ] {
                assert!(p.contains(s), "{s} missing from {}", f.display());
            }
            assert!(!p.contains(".SH EXTRA"), "{}", f.display());
            // The footer names the command and its version, not the
            // subcommand.
            let th = p.lines().find(|l| l.starts_with(".TH ")).unwrap();
            assert!(
                th.contains(&format!("landlock-audit {}", command_version())),
                "{th}"
            );
        }
        let page_of = |s: &str| {
            std::fs::read_to_string(dir.join(format!("man/man1/landlock-audit-{s}.1"))).unwrap()
        };
        // Each subcommand's own exit statuses: no other's.
        assert!(!page_of("ps").contains("expectation is violated"));
        assert!(!page_of("tree").contains("audit_id"));
        assert!(page_of("domain").contains("ambiguous"));
        // --watch: its section, where the option is.
        for s in ["status", "tree"] {
            assert!(page_of(s).contains(".SH WATCHING"), "{s}");
        }
        for s in ["status", "tree", "metrics"] {
            let p = page_of(s);
            for w in [
                "\\-\\-watch",
                "\\-\\-interval",
                "\\-\\-count",
                "NDJSON",
                "CAP_SYS_PTRACE",
            ] {
                assert!(p.contains(w), "{w} missing from landlock-audit-{s}(1)");
            }
        }
        assert!(!page_of("ps").contains("\\-\\-watch"));
        assert!(page_of("metrics").contains("landlock_audit_up 0"));
        // Synopses with the values' placeholders and the domain's choice.
        assert!(
            page_of("verify").contains("\\-\\-expect\\fR \\fIFILE"),
            "{}",
            page_of("verify")
        );
        assert!(
            page_of("domain").contains(
                "(\\fIID\\fR | \\fB\\-\\-audit\\-id\\fR \\fIHEX\\fR | \\fB\\-\\-pid\\fR \\fIPID\\fR)"
            ),
            "{}",
            page_of("domain")
        );
        // The metrics page lists the metrics itself.
        assert!(!page_of("metrics").contains("landlock\\-audit\\-metrics(1) lists"));
        let verify = std::fs::read_to_string(dir.join("man/man1/landlock-audit-verify.1")).unwrap();
        assert!(verify.contains("at least one expectation is violated"));
        assert!(verify.contains(".SH \"EXPECTATIONS FILE\""));
        let metrics =
            std::fs::read_to_string(dir.join("man/man1/landlock-audit-metrics.1")).unwrap();
        assert!(metrics.contains("\\-\\-output"), "{metrics}");
        for m in args::METRICS {
            let name = m.name.replace('_', "\\_");
            assert!(
                metrics.contains(m.name) || metrics.contains(&name),
                "{} missing from {metrics}",
                m.name
            );
        }
        let domain = std::fs::read_to_string(dir.join("man/man1/landlock-audit-domain.1")).unwrap();
        for s in [
            "\\-\\-audit\\-id",
            "CAP_AUDIT_READ",
            "audit_id_unsupported",
            "\\-\\-rules",
            "CAP_SYS_PTRACE",
            "rules_permission_denied",
            "rules_unavailable",
        ] {
            assert!(domain.contains(s), "{s} missing from {domain}");
        }
        let bash = std::fs::read_to_string(dir.join("completions/landlock-audit.bash")).unwrap();
        assert!(bash.contains("--output") && bash.contains("domain"));
        // Every name `cmd` is set to has its case branch.
        for l in bash.lines() {
            if let Some(name) = l.trim().strip_prefix("cmd=\"") {
                let name = name.trim_end_matches('"');
                if name.is_empty() {
                    continue;
                }
                assert!(
                    bash.contains(&format!("        {name})")),
                    "no case branch for {name}"
                );
            }
        }
        assert!(bash.contains("--audit-id"));
        assert!(bash.contains("--rules"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
