//! Running the built command on a fixture (for the tests that need the
//! `cli` feature: the others cannot name the binary).

use std::path::Path;
use std::process::{Command, Output};

use crate::common::Fixture;

/// `landlock-audit --root <fixture's tree> --proc <fixture's proc> ARGS`.
pub fn run(f: &Fixture, args: &[&str]) -> Output {
    run_at(&f.root(), &f.proc_root(), args)
}

/// `landlock-audit --root ROOT --proc PROC ARGS`.
pub fn run_at(root: &Path, proc_root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--root")
        .arg(root)
        .arg("--proc")
        .arg(proc_root)
        .args(args)
        .output()
        .expect("run landlock-audit")
}
