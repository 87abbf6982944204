//! In-VM test of `domains/<id>/rules` through the command: a sandbox made
//! with the `landlock` crate, with a rule on a directory and one on a
//! port, read by root (`domain <id> --rules`, JSON and text, and
//! `landlock_audit::rules::read`) and refused to a reader without
//! `CAP_SYS_PTRACE`.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use landlock::{
    AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, NetPort, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreatedAttr, RulesetStatus,
};
use landlock_audit::{DomainId, FsObject, Rule};

use crate::procs::{become_user, Daemon};
use crate::sys::in_child;
use crate::tree::{domain_of, domains};
use crate::{ensure, TestResult, TREE};

/// The UID of the sandboxed daemon and of the unprivileged reader.
const UID: u32 = 1001;

/// The port of the network rule.
const PORT: u16 = 443;

/// `major()` and `minor()` of a `st_dev` (glibc's and the kernel's
/// `new_encode_dev()` split).
fn major_minor(dev: u64) -> (u64, u64) {
    (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
        (dev & 0xff) | ((dev >> 12) & !0xff),
    )
}

/// Restricts the calling process with the `landlock` crate: the layer
/// handles reading and writing files and listing directories, and binding
/// and connecting TCP; it allows reading and listing beneath `dir`, and
/// connecting to [`PORT`].  Everything must be enforced.
pub(crate) fn sandbox(dir: &str) -> Result<(), String> {
    let fs_handled = AccessFs::ReadFile | AccessFs::ReadDir | AccessFs::WriteFile;
    let net_handled = AccessNet::BindTcp | AccessNet::ConnectTcp;
    let allowed: BitFlags<AccessFs> = AccessFs::ReadFile | AccessFs::ReadDir;
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(fs_handled)
        .map_err(|e| format!("handle_access(fs): {e}"))?
        .handle_access(net_handled)
        .map_err(|e| format!("handle_access(net): {e}"))?
        .create()
        .map_err(|e| format!("create: {e}"))?
        .add_rule(PathBeneath::new(
            PathFd::new(dir).map_err(|e| format!("{dir}: {e}"))?,
            allowed,
        ))
        .map_err(|e| format!("add_rule(path): {e}"))?
        .add_rule(NetPort::new(PORT, AccessNet::ConnectTcp))
        .map_err(|e| format!("add_rule(port): {e}"))?
        .restrict_self()
        .map_err(|e| format!("restrict_self: {e}"))?;
    ensure(status.ruleset == RulesetStatus::FullyEnforced, || {
        format!("ruleset {:?}", status.ruleset)
    })
}

/// Runs `/bin/landlock-audit ARGS`: (exit status, stdout, stderr).
fn command(args: &[&str]) -> Result<(Option<i32>, String, String), String> {
    let o = std::process::Command::new("/bin/landlock-audit")
        .args(args)
        .output()
        .map_err(|e| format!("landlock-audit {args:?}: {e}"))?;
    Ok((
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    ))
}

/// A daemon of UID 1001 sandboxed by the `landlock` crate with a rule on
/// a new directory whose name holds spaces (`/tmp/la rules <pid>`) and one
/// on port 443.  As root, `landlock-audit domain <id> --rules --json`
/// gives exactly two rules, in the kernel's order: the directory (its
/// device and inode numbers as `stat()` gives them, its path unescaped,
/// `read_file read_dir`, not quiet) and the port (`connect_tcp`); the text
/// form shows the same, the path escaped; `rules::read` agrees.  UID 1001
/// without capabilities sees the domain (same UID) but `--rules` fails
/// with exit 1 and `rules_permission_denied` (`EACCES`), the message
/// naming `CAP_SYS_PTRACE`.
pub fn command_domain_rules_shows_paths_and_ports() -> TestResult {
    let dir = format!("/tmp/la rules {}", std::process::id());
    let _ = fs::remove_dir(&dir);
    fs::create_dir(&dir).map_err(|e| format!("{dir}: {e}"))?;
    let r = rules_of_a_sandbox(&dir);
    let _ = fs::remove_dir(&dir);
    r
}

fn rules_of_a_sandbox(dir: &str) -> TestResult {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    let md = fs::metadata(dir).map_err(|e| format!("{dir}: {e}"))?;
    let (major, minor) = major_minor(md.dev());
    let owned = dir.to_owned();
    let daemon = Daemon::spawn(move || {
        become_user(UID, UID, &[])?;
        sandbox(&owned)
    })?;
    let id: DomainId = domain_of(&domains()?, daemon.pid)?.id;
    let id_text = id.to_string();

    // Root (CAP_SYS_PTRACE): JSON.
    let (code, out, err) = command(&["domain", &id_text, "--rules", "--json"])?;
    ensure(code == Some(0), || {
        format!("domain --rules --json exited {code:?}: {err}")
    })?;
    let v: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("not JSON ({e}): {out}"))?;
    let rules = &v["domains"][0]["rules"];
    let want = serde_json::json!([
        {"kind": "fs", "dev": {"major": major, "minor": minor}, "ino": md.ino(),
         "path": dir, "reason": null, "quiet": false, "access": ["read_file", "read_dir"]},
        {"kind": "net", "port": PORT, "quiet": false, "access": ["connect_tcp"]},
    ]);
    ensure(*rules == want, || {
        format!("rules of {id}: {rules}, expected {want}")
    })?;
    ensure(v["domains"][0]["id"] == id_text.as_str(), || {
        format!("the document is about another domain: {v}")
    })?;

    // Root: text, the path escaped.
    let (code, out, err) = command(&["domain", &id_text, "--rules"])?;
    ensure(code == Some(0), || {
        format!("domain --rules exited {code:?}: {err}")
    })?;
    let lines: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("rules "))
        .take(3)
        .collect();
    let want = [
        "rules    2".to_owned(),
        format!(
            "  fs   {}  read_file read_dir  (dev {major}:{minor} ino {})",
            dir.replace(' ', "\\040"),
            md.ino()
        ),
        format!("  net  port {PORT}  connect_tcp"),
    ];
    ensure(lines == want, || {
        format!("text: {lines:?}, expected {want:?}\n{out}")
    })?;

    // The library, directly.
    let lib = landlock_audit::rules::read(TREE, id).map_err(|e| format!("rules::read: {e}"))?;
    ensure(
        lib.len() == 2
            && matches!(&lib[0], Rule::Fs { dev, ino, object: FsObject::Path(p), .. }
                if u64::from(dev.0) == major && u64::from(dev.1) == minor
                    && *ino == md.ino() && p.as_os_str() == dir)
            && matches!(
                &lib[1],
                Rule::Net {
                    port: PORT,
                    quiet: false,
                    ..
                }
            ),
        || format!("rules::read: {lib:?}"),
    )?;

    // The same UID without capabilities sees the domain, not its rules.
    let id_child = id_text.clone();
    in_child(move || {
        become_user(UID, UID, &[])?;
        let (code, out, err) = command(&["domain", &id_child])?;
        ensure(code == Some(0), || {
            format!("uid {UID} cannot see its own domain: {code:?} {err}")
        })?;
        ensure(!out.contains("\nrules "), || format!("rules shown: {out}"))?;
        let (code, out, err) = command(&["--json", "domain", &id_child, "--rules"])?;
        let v: serde_json::Value =
            serde_json::from_str(&out).map_err(|e| format!("not JSON ({e}): {out}"))?;
        ensure(
            code == Some(1)
                && v["error"]["kind"] == "rules_permission_denied"
                && v["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("CAP_SYS_PTRACE")),
            || format!("uid {UID} --rules: exit {code:?}, {v}, {err}"),
        )?;
        ensure(
            err.contains(
                "reading a domain's rules needs CAP_SYS_PTRACE in the initial user namespace",
            ),
            || format!("stderr: {err}"),
        )
    })?;
    drop(daemon);
    Ok(())
}
