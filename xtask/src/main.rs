//! Developer tasks of the landlock-audit workspace.
//!
//! `cargo run -p xtask -- docs [DIR]` writes, from the command's own clap
//! definitions (`landlock-audit/src/bin/cli/args.rs`, included here), the
//! man pages to `DIR/man/man1/` (`landlock-audit.1` and one page per
//! subcommand, `landlock-audit-status.1`, …) and the shell completions to
//! `DIR/completions/` (bash, zsh, fish, elvish, PowerShell).  `DIR` defaults
//! to `target/` of the workspace.

#[allow(dead_code)]
#[path = "../../landlock-audit/src/bin/cli/args.rs"]
mod args;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

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
    clap_mangen::generate_to(cmd.clone(), &man)?;
    for e in std::fs::read_dir(&man)? {
        files.push(e?.path());
    }
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
            "landlock-audit.bash",
            "_landlock-audit",
            "landlock-audit.fish",
        ] {
            assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
        }
        let page = std::fs::read_to_string(dir.join("man/man1/landlock-audit.1")).unwrap();
        for s in [
            "Exit status",
            "securityfs_not_mounted",
            "metrics",
            "\\-\\-json",
        ] {
            assert!(page.contains(s), "{s} missing from the man page");
        }
        let metrics =
            std::fs::read_to_string(dir.join("man/man1/landlock-audit-metrics.1")).unwrap();
        assert!(metrics.contains("\\-\\-output"), "{metrics}");
        let domain = std::fs::read_to_string(dir.join("man/man1/landlock-audit-domain.1")).unwrap();
        for s in ["\\-\\-audit\\-id", "CAP_AUDIT_READ", "audit_id_unsupported"] {
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
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
