//! In-VM test of `landlock-audit verify` against real sandboxed processes of
//! the patched kernel: one expectation held, one violated.

use crate::procs::{fork_sleeper, set_comm, Daemon};
use crate::sys::Access;
use crate::tree::restrict;
use crate::{ensure, TestResult};

const EXPECTATIONS: &str = r#"
[[expect]]
name = "outer is sandboxed"
comm = "la-verify-out"
sandboxed = true
handles_fs = ["make_dir"]
min_processes = 1

[[expect]]
name = "inner nests two layers"
comm = "la-verify-in"
min_depth = 2
# make_dir is the outer layer's, make_reg the inner's: the chain's union.
handles_fs = ["make_dir", "make_reg"]
min_processes = 1

[[expect]]
name = "outer nests two layers"
comm = "la-verify-out"
min_depth = 2
"#;

/// A daemon in one domain (MAKE_DIR) with a child in a nested one
/// (MAKE_REG); `verify` must find the first two expectations held and the
/// third violated by the outer process's thread, and exit 1.
pub fn command_verify_holds_and_violates() -> TestResult {
    let (mut rd, wr) = std::io::pipe().map_err(|e| e.to_string())?;
    let _daemon = Daemon::spawn(move || {
        set_comm(b"la-verify-out");
        restrict(Access::MAKE_DIR)?;
        let inner = fork_sleeper(false, || {
            set_comm(b"la-verify-in");
            restrict(Access::MAKE_REG)
        })?;
        // SAFETY: getpid() has no precondition.
        let me = unsafe { libc::getpid() };
        let mut wr = wr;
        std::io::Write::write_all(&mut wr, format!("{me} {inner}\n").as_bytes())
            .map_err(|e| e.to_string())
    })?;
    let line = crate::tree::read_line(&mut rd)?;
    let pids: Vec<i64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    ensure(pids.len() == 2, || format!("pids {line:?}"))?;
    let file = "/tmp/la-verify.toml";
    std::fs::write(file, EXPECTATIONS).map_err(|e| format!("{file}: {e}"))?;
    let out = std::process::Command::new("/bin/landlock-audit")
        .args(["--json", "verify", "--expect", file])
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure(out.status.code() == Some(1), || {
        format!(
            "verify exited {:?}, expected 1: {text} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let r = &v["results"];
    ensure(
        r[0]["ok"] == true && r[0]["matched"] == 1 && r[1]["ok"] == true && r[1]["matched"] == 1,
        || format!("held expectations: {v}"),
    )?;
    let viol = &r[2]["violations"];
    ensure(
        r[2]["ok"] == false
            && viol.as_array().map(Vec::len) == Some(1)
            && viol[0]["pid"] == pids[0]
            && viol[0]["tid"] == pids[0]
            && viol[0]["property"] == "min_depth"
            && viol[0]["found"]
                .as_str()
                .is_some_and(|f| f.ends_with("at depth 1")),
        || format!("violated expectation: {v}"),
    )?;
    // The text form says the same, one line per expectation.
    let out = std::process::Command::new("/bin/landlock-audit")
        .args(["verify", "--expect", file])
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_file(file);
    ensure(
        out.status.code() == Some(1)
            && text.contains("ok        outer is sandboxed  (1 process matched, 0 violating)")
            && text.contains("violated  outer nests two layers  (1 process matched, 1 violating)")
            && text.contains("2 of 3 expectations hold"),
        || format!("verify text: {text}"),
    )
}
