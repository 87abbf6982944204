//! Running the built command on a fixture (for the tests that need the
//! `cli` feature: the others cannot name the binary).  Every JSON document
//! the command prints here is validated against its schema in
//! `Documentation/schemas/` ([`check_json`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::Fixture;

/// `landlock-audit --root <fixture's tree> --proc <fixture's proc> ARGS`.
pub fn run(f: &Fixture, args: &[&str]) -> Output {
    run_at(&f.root(), &f.proc_root(), args)
}

/// `landlock-audit --root ROOT --proc PROC ARGS`.
pub fn run_at(root: &Path, proc_root: &Path, args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_landlock-audit"))
        .arg("--root")
        .arg(root)
        .arg("--proc")
        .arg(proc_root)
        .args(args)
        .output()
        .expect("run landlock-audit");
    check_json(args, &o);
    o
}

/// The subcommands, as the command line names them.
const SUBCOMMANDS: [&str; 7] = [
    "status", "tree", "ps", "list", "domain", "metrics", "verify",
];

/// The schema of the JSON document `landlock-audit ARGS` prints: the
/// error document's when it has `error`, else the subcommand's (`status`
/// without one; `metrics --json` prints `status`'s document).
pub fn schema_of(args: &[&str], doc: &serde_json::Value) -> &'static str {
    if doc.get("error").is_some() {
        return "error.json";
    }
    match args.iter().find(|a| SUBCOMMANDS.contains(a)).copied() {
        None | Some("status" | "metrics") => "status.json",
        Some("tree") => "tree.json",
        Some("ps") => "ps.json",
        Some("list") => "list.json",
        Some("domain") => "domain.json",
        Some("verify") => "verify.json",
        Some(other) => unreachable!("{other}"),
    }
}

/// `Documentation/schemas/`.
fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../Documentation/schemas")
}

/// Validates `doc` against `Documentation/schemas/NAME` (draft 2020-12;
/// its `$ref`s to the other files of the directory resolved offline).
///
/// # Panics
///
/// With the validation errors, when `doc` does not follow the schema.
pub fn validate(name: &str, doc: &serde_json::Value) {
    let dir = schema_dir().canonicalize().expect("Documentation/schemas");
    let uri = |file: &str| format!("file://{}/{file}", dir.display());
    let mut registry = jsonschema::Registry::new();
    let mut schema = None;
    for e in std::fs::read_dir(&dir).expect("Documentation/schemas") {
        let path = e.expect("schema file").path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("schema file");
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        if file == name {
            schema = Some(value.clone());
        }
        registry = registry.add(uri(&file), value).expect("schema resource");
    }
    let registry = registry.prepare().expect("schema registry");
    let schema = schema.unwrap_or_else(|| panic!("no schema {name}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .with_base_uri(uri(name))
        .with_registry(&registry)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema {name}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the document does not follow {name}:\n{}\n{doc}",
        errors.join("\n")
    );
}

/// When `landlock-audit ARGS` printed JSON (`--json` or `--pretty`, on
/// success or error), validates it against its schema ([`schema_of`]).
pub fn check_json(args: &[&str], o: &Output) {
    if !args.iter().any(|a| *a == "--json" || *a == "--pretty") || o.stdout.is_empty() {
        return;
    }
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&o.stdout) else {
        // Help and version texts are not documents; the tests that expect
        // a document fail on parsing it.
        return;
    };
    validate(schema_of(args, &doc), &doc);
}
