//! Checking the processes of a system against what their owner expects of
//! their sandboxes (feature `verify`).
//!
//! An expectations file is TOML: an array of tables `[[expect]]`, each with
//! a unique `name`, selectors that pick processes (all given must match, at
//! least one given) and properties that every thread of every matching
//! process must have:
//!
//! ```toml
//! [[expect]]
//! name = "sshd is sandboxed"
//! unit = "ssh.service"            # selectors: exe, comm, unit, uid
//! sandboxed = true                # properties: sandboxed, min_depth,
//! handles_fs = ["write_file"]     #   handles_fs, handles_net, scoped
//! min_processes = 1
//! ```
//!
//! | key | kind | meaning |
//! | --- | --- | --- |
//! | `name` | string, required | reported as is; unique in the file |
//! | `exe` | absolute path, selector | the executable (`/proc/<pid>/exe`, a trailing ` (deleted)` ignored); `*`, `?` and `[…]` are globs that do not cross `/`, `**` is any number of directories |
//! | `comm` | string, selector | the command name, exactly (at most 15 bytes on Linux) |
//! | `unit` | string, selector | the systemd unit ([`crate::cgroup::unit`]); the same globs |
//! | `uid` | integer, selector | the effective UID |
//! | `sandboxed` | boolean | `true`: every thread runs in a visible domain; `false`: none does |
//! | `min_depth` | integer | every thread's domain is at least that deep (no domain is depth 0) |
//! | `handles_fs`, `handles_net`, `scoped` | arrays of access names | every thread's domain chain (its domain and visible ancestors) handles each, in at least one layer |
//! | `min_processes` | integer, default 0 | fewer matching processes is a violation |
//!
//! Access names are any the tree's format allows (`Documentation/abi.rst`):
//! the names this build knows (`write_file`, `bind_tcp`, `signal`…),
//! `bit<N>` for bit `N` (0 to 63, named or not), and any other lowercase
//! uapi-style name ([`crate::is_right_name`]), which a newer kernel prints
//! for a right this build does not know and which is matched by name.
//! Unknown keys, a name of another shape, a right of another class, a
//! name at most two edits from a known right of its class (a
//! misspelling: the error suggests the right), a duplicate name, an
//! expectation without a selector and a relative `exe` are errors
//! ([`ExpectationsError`], with the line and the offending word).
//!
//! Kernel threads never match.  A matching process that the reader may not
//! inspect (the tree hides its threads) violates any property: it cannot be
//! judged.  Depths are relative to what the reader sees, as in the tree.
//!
//! ```
//! use landlock_audit::procfs::Process;
//! use landlock_audit::verify::Expectations;
//! use landlock_audit::Domains;
//!
//! let e = Expectations::from_toml(r#"
//!     [[expect]]
//!     name = "web"
//!     unit = "nginx.service"
//!     sandboxed = true
//!     min_processes = 1
//! "#)?;
//! let domains = Domains::from_domains(7, vec![])?;
//! let nginx = Process::new(10, vec![10], false, true).with_cgroup("/system.slice/nginx.service".into());
//! let report = e.check(&domains, &[nginx]);
//! assert!(!report.ok());
//! assert_eq!(report.results[0].matched, 1);
//! assert_eq!(report.results[0].violations[0].property, "sandboxed");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::procfs::Process;
use crate::types::{text_and_bytes, AccessFs, AccessNames, AccessNet, HandledAccess, Scope};
use crate::Domains;

/// The most bytes of an error message's own text kept (the offending word
/// included), so that a huge key cannot make a huge message: room for a
/// quoted word ([`crate::parse::quote`], bounded) and the list of a class's
/// access names.
const MAX_MESSAGE: usize = 800;

/// The most bytes an expectations file may hold: 1 MiB.
pub const MAX_EXPECTATIONS_SIZE: usize = 1 << 20;

/// Why an expectations file is invalid: where (1-based line and column, 0
/// when the file as a whole is at fault) and what, naming the key or the
/// offending word, never quoting the whole file.
///
/// Displayed as `line L, column C: MESSAGE`, or `MESSAGE` alone for the whole
/// file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if *line == 0 { String::new() } else { format!("line {line}, column {column}: ") })]
pub struct ExpectationsError {
    /// 1-based line; 0 for the whole file.
    pub line: usize,
    /// 1-based column (in characters); 0 for the whole file.
    pub column: usize,
    /// What is wrong, with the key or word at fault.
    pub message: String,
}

impl ExpectationsError {
    fn at(text: &str, offset: Option<usize>, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.len() > MAX_MESSAGE {
            let mut cut = MAX_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        // One line: TOML's messages may span several.
        let message = message.trim().replace('\n', " ");
        let Some(offset) = offset.map(|o| o.min(text.len())) else {
            return Self {
                line: 0,
                column: 0,
                message,
            };
        };
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
        Self {
            line,
            column,
            message,
        }
    }
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    expect: Vec<Spanned<RawExpect>>,
}

/// One `[[expect]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    name: Spanned<String>,
    exe: Option<Spanned<String>>,
    comm: Option<String>,
    unit: Option<Spanned<String>>,
    uid: Option<u32>,
    sandboxed: Option<bool>,
    min_depth: Option<u32>,
    handles_fs: Option<Vec<Spanned<String>>>,
    handles_net: Option<Vec<Spanned<String>>>,
    scoped: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    min_processes: u64,
}

/// One expectation: which processes, and what their threads must have.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Its name, reported as is.
    pub name: String,
    /// The line of its `[[expect]]` table.
    pub line: usize,
    exe: Option<glob::Pattern>,
    comm: Option<String>,
    unit: Option<glob::Pattern>,
    uid: Option<u32>,
    sandboxed: Option<bool>,
    min_depth: Option<u32>,
    handles: HandledAccess,
    min_processes: u64,
}

/// A parsed expectations file.
#[derive(Debug, Clone)]
pub struct Expectations {
    expectations: Vec<Expectation>,
}

/// Glob options: `*` does not cross `/`, a leading `.` is nothing special.
const GLOB: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// An error of the TOML layer, made readable: the key path
/// (`expect[1].uid`, the tables counted from 0) before the message, `[expect]`
/// written for `[[expect]]` said so, and Rust's type names in words.
fn toml_error(text: &str, e: &toml::de::Error) -> ExpectationsError {
    let start = e.span().map(|s| s.start.min(text.len()));
    let mut message = e
        .message()
        .replace("expected u32", "expected an integer from 0 to 4294967295")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected a boolean", "expected true or false");
    if let Some(off) = start.filter(|&o| text.is_char_boundary(o)) {
        let line_start = text[..off].rfind('\n').map_or(0, |p| p + 1);
        let line_end = text[off..].find('\n').map_or(text.len(), |p| off + p);
        let line = text[line_start..line_end].trim_start();
        let key = text[line_start..off].split_once('=').map(|(k, _)| k.trim());
        let bare = |k: &str| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        if message.contains("invalid basic string") || message.contains("invalid literal string") {
            message.push_str(" (unterminated string? a string ends on its own line)");
        }
        if line.starts_with("[expect]") && message.contains("sequence") {
            message = "[expect] is one table: use [[expect]] tables, one per expectation \
                       (an array of tables)"
                .to_owned();
        } else if let Some(key) = key.filter(|k| bare(k)) {
            let tables = text[..line_start]
                .lines()
                .filter(|l| l.trim_start().starts_with("[[expect]]"))
                .count();
            if message.contains("expected a sequence") {
                message.push_str(&format!(" (a list: {key} = [\"…\"])"));
            }
            message = match tables {
                0 => format!("{key}: {message}"),
                n => format!("expect[{}].{key}: {message}", n - 1),
            };
        }
    }
    ExpectationsError::at(text, start, message)
}

/// The bit `bit<N>` names (`N` from 0 to 63, canonical decimal), whether
/// this build has a name for it or not.
fn bit_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("bit")?;
    if digits.is_empty()
        || (digits.len() > 1 && digits.starts_with('0'))
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse::<u32>().ok().filter(|&n| n < 64)
}

/// The rights of one class named in an expectation: every name the tree's
/// format allows (`Documentation/abi.rst`).  A name this build knows, or
/// `bit<N>` (bit `N`, named or not), is a bit; another lowercase uapi-style
/// name ([`crate::is_right_name`]) is a right a newer kernel names, kept as
/// unknown and matched by name, unless another class knows it or it is at
/// most two edits from a right of this class (errors: misspellings).
fn rights<T: AccessNames>(
    text: &str,
    names: Option<Vec<Spanned<String>>>,
    key: &str,
) -> Result<(T, Vec<String>), ExpectationsError> {
    let mut raw = 0u64;
    let mut unknown: Vec<String> = Vec::new();
    for n in names.unwrap_or_default() {
        let name = n.get_ref();
        let at = |message: String| ExpectationsError::at(text, Some(n.span().start), message);
        let quoted = crate::parse::quote(name.as_bytes());
        if let Some(bit) = T::bit_of(name).or_else(|| bit_number(name)) {
            raw |= 1 << bit;
            continue;
        }
        // A right of another class, in the wrong list.
        if let Some(other) = class_key(name) {
            return Err(at(format!(
                "{key}: {quoted} is not a {} right: write it in {other}",
                T::KIND
            )));
        }
        let near = nearest::<T>(name);
        if crate::is_right_name(name.as_bytes()) && !crate::types::is_bit_form(name) {
            // A newer kernel's right, unless it is one edit or two away
            // from a right this build knows (a misspelling).
            if let Some(near) = near {
                return Err(at(format!(
                    "{key}: unknown access name {quoted}: did you mean {near}? (a newer \
                     kernel's right that close to a known one: write it bit<N>)"
                )));
            }
            if !unknown.contains(name) {
                unknown.push(name.clone());
            }
            continue;
        }
        let hint = near.map_or_else(String::new, |near| format!(": did you mean {near}?"));
        let known: Vec<&str> = (0..64).filter_map(T::bit_name).collect();
        return Err(at(format!(
            "{key}: not an access name: {quoted}{hint} (known: {}; or bit<N>, N from 0 to 63; \
             a newer kernel's right by its name: lowercase letters, digits and _)",
            known.join(", ")
        )));
    }
    Ok((T::from_raw(raw), unknown))
}

/// The key of the class, other than its own, that knows `name` as a right.
fn class_key(name: &str) -> Option<&'static str> {
    use crate::types::{AccessFs, AccessNet, Scope};
    fn known<C: AccessNames>(name: &str) -> bool {
        (0..64).any(|n| C::bit_name(n) == Some(name))
    }
    if known::<AccessFs>(name) {
        Some("handles_fs")
    } else if known::<AccessNet>(name) {
        Some("handles_net")
    } else if known::<Scope>(name) {
        Some("scoped")
    } else {
        None
    }
}

/// The right of class `T` this build knows that `name` is at most two
/// edits from (case and `-` for `_` count as none), if any.
fn nearest<T: AccessNames>(name: &str) -> Option<&'static str> {
    let folded = name.to_ascii_lowercase().replace('-', "_");
    (0..64)
        .filter_map(T::bit_name)
        .map(|k| (strsim::levenshtein(&folded, k), k))
        .filter(|&(d, _)| d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn pattern(
    text: &str,
    s: Option<Spanned<String>>,
    key: &str,
) -> Result<Option<glob::Pattern>, ExpectationsError> {
    let Some(s) = s else { return Ok(None) };
    if key == "exe" && !s.get_ref().starts_with('/') {
        return Err(ExpectationsError::at(
            text,
            Some(s.span().start),
            format!(
                "exe: not an absolute path: {}",
                crate::parse::quote(s.get_ref().as_bytes())
            ),
        ));
    }
    glob::Pattern::new(s.get_ref()).map(Some).map_err(|e| {
        ExpectationsError::at(
            text,
            Some(s.span().start),
            format!(
                "{key}: invalid pattern {}: {}",
                crate::parse::quote(s.get_ref().as_bytes()),
                e.msg
            ),
        )
    })
}

impl Expectations {
    /// Parses an expectations file (see the module's documentation).
    ///
    /// ```
    /// use landlock_audit::verify::Expectations;
    ///
    /// let err = Expectations::from_toml("[[expect]]\nname = \"a\"\nuid = 0\nhandles_fs = [\"write-file\"]\n").unwrap_err();
    /// assert_eq!((err.line, err.column), (4, 15));
    /// assert!(err.message.contains("write-file"), "{err}");
    /// ```
    ///
    /// # Errors
    ///
    /// [`ExpectationsError`] for invalid TOML, an unknown key, a value of
    /// the wrong type, an unknown access name, an invalid pattern, a
    /// relative `exe`, a duplicate name, an expectation without a selector,
    /// and a file without expectations.
    pub fn from_toml(text: &str) -> Result<Self, ExpectationsError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        if raw.expect.is_empty() {
            return Err(ExpectationsError::at(
                text,
                None,
                "no expectation (an [[expect]] table with a name and a selector)",
            ));
        }
        let mut names = HashSet::new();
        let mut expectations = Vec::with_capacity(raw.expect.len());
        for table in raw.expect {
            let start = table.span().start;
            let r = table.into_inner();
            let name_at = r.name.span().start;
            let name = r.name.into_inner();
            if !names.insert(name.clone()) {
                return Err(ExpectationsError::at(
                    text,
                    Some(name_at),
                    format!(
                        "name: duplicate expectation {}",
                        crate::parse::quote(name.as_bytes())
                    ),
                ));
            }
            if r.exe.is_none() && r.comm.is_none() && r.unit.is_none() && r.uid.is_none() {
                return Err(ExpectationsError::at(
                    text,
                    Some(start),
                    format!(
                        "expectation {} has no selector (exe, comm, unit or uid)",
                        crate::parse::quote(name.as_bytes())
                    ),
                ));
            }
            let (fs, ufs) = rights::<AccessFs>(text, r.handles_fs, "handles_fs")?;
            let (net, unet) = rights::<AccessNet>(text, r.handles_net, "handles_net")?;
            let (scope, uscope) = rights::<Scope>(text, r.scoped, "scoped")?;
            let handles = HandledAccess::from_parts((fs, ufs), (net, unet), (scope, uscope));
            expectations.push(Expectation {
                line: ExpectationsError::at(text, Some(start), "").line,
                exe: pattern(text, r.exe, "exe")?,
                comm: r.comm,
                unit: pattern(text, r.unit, "unit")?,
                uid: r.uid,
                sandboxed: r.sandboxed,
                min_depth: r.min_depth,
                handles,
                min_processes: r.min_processes,
                name,
            });
        }
        Ok(Self { expectations })
    }

    /// The access names of the file that this build does not know, as
    /// `class:name` (`fs:frob_nicate`), in the file's order: a newer
    /// kernel's rights, or misspellings, matched by name.
    pub fn unknown_rights(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for q in self
            .expectations
            .iter()
            .flat_map(|e| e.handles.unknown.qualified())
        {
            if !out.contains(&q) {
                out.push(q);
            }
        }
        out
    }

    /// The expectations, in the file's order.
    pub fn iter(&self) -> std::slice::Iter<'_, Expectation> {
        self.expectations.iter()
    }

    /// How many expectations the file holds.
    pub fn len(&self) -> usize {
        self.expectations.len()
    }

    /// Whether the file holds none (never true for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.expectations.is_empty()
    }

    /// Checks `processes` (as [`procfs::processes`](crate::procfs::processes)
    /// reads them, from the `/proc` of the tree's PID namespace) against
    /// every expectation, with the threads' domains from `domains`.
    pub fn check(&self, domains: &Domains, processes: &[Process]) -> Report {
        Report {
            results: self
                .expectations
                .iter()
                .map(|e| e.check(domains, processes))
                .collect(),
        }
    }
}

impl Expectation {
    /// Whether `p` is one of the processes this expectation is about.
    pub fn selects(&self, p: &Process) -> bool {
        if p.kernel_thread {
            return false;
        }
        let exe_ok = self.exe.as_ref().is_none_or(|pat| {
            p.exe.as_deref().is_some_and(|exe| {
                let b = exe.as_os_str().as_bytes();
                let b = b.strip_suffix(b" (deleted)").unwrap_or(b);
                pat.matches_path_with(Path::new(OsStr::from_bytes(b)), GLOB)
            })
        });
        exe_ok
            && self.comm.as_ref().is_none_or(|c| {
                p.comm
                    .as_deref()
                    .is_some_and(|pc| pc.as_bytes() == c.as_bytes())
            })
            && self
                .unit
                .as_ref()
                .is_none_or(|pat| p.unit.as_deref().is_some_and(|u| pat.matches_with(u, GLOB)))
            && self.uid.is_none_or(|u| p.uid == Some(u))
    }

    fn has_properties(&self) -> bool {
        self.sandboxed.is_some()
            || self.min_depth.is_some()
            || self.handles != HandledAccess::default()
    }

    /// Checks this expectation alone.
    pub fn check(&self, domains: &Domains, processes: &[Process]) -> ExpectationResult {
        let mut matched = 0u64;
        let mut violating = 0u64;
        let mut violations = Vec::new();
        for p in processes.iter().filter(|p| self.selects(p)) {
            matched += 1;
            let before = violations.len();
            if !p.inspectable && self.has_properties() {
                violations.push(Violation::new(
                    Some(p),
                    None,
                    "inspectable",
                    "true".into(),
                    "false (the reader may not inspect it: it cannot be judged)".into(),
                ));
            } else {
                for &tid in &p.threads {
                    self.check_thread(domains, p, tid, &mut violations);
                }
            }
            violating += u64::from(violations.len() > before);
        }
        if matched < self.min_processes {
            violations.push(Violation::new(
                None,
                None,
                "min_processes",
                format!("at least {}", self.min_processes),
                matched.to_string(),
            ));
        }
        ExpectationResult {
            name: self.name.clone(),
            ok: violations.is_empty(),
            matched,
            violating_processes: violating,
            violations,
        }
    }

    fn check_thread(&self, domains: &Domains, p: &Process, tid: u32, out: &mut Vec<Violation>) {
        let domain = domains.domain_of_task(tid);
        let v = |property, expected: String, found: String| {
            Violation::new(Some(p), Some(tid), property, expected, found)
        };
        let depth = domain.map_or(0, |d| d.depth);
        let found_domain = || match domain {
            Some(d) => format!("domain {} at depth {}", d.id, d.depth),
            None => "no visible domain".to_owned(),
        };
        match self.sandboxed {
            Some(true) if domain.is_none() => {
                out.push(v("sandboxed", "true".into(), found_domain()));
            }
            Some(false) if domain.is_some() => {
                out.push(v("sandboxed", "false".into(), found_domain()));
            }
            _ => {}
        }
        if let Some(min) = self.min_depth {
            if depth < min {
                out.push(v("min_depth", min.to_string(), found_domain()));
            }
        }
        let chain = domain.map_or_else(HandledAccess::default, |d| domains.enforced(d.id));
        let [(_, want_fs), (_, want_net), (_, want_scope)] = self.handles.names();
        // What the chain handles, rights this build does not know included.
        let [(_, fs), (_, net), (_, scope)] = chain.names();
        for (property, want, have) in [
            ("handles_fs", want_fs, fs),
            ("handles_net", want_net, net),
            ("scoped", want_scope, scope),
        ] {
            if want.iter().all(|w| have.contains(w)) {
                continue;
            }
            let have = if have.is_empty() {
                "none".to_owned()
            } else {
                have.join(" ")
            };
            out.push(v(property, want.join(" "), format!("chain handles {have}")));
        }
    }
}

/// What [`Expectations::check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// One result per expectation, in the file's order.
    pub results: Vec<ExpectationResult>,
}

impl Report {
    /// Whether every expectation holds.
    pub fn ok(&self) -> bool {
        self.results.iter().all(|r| r.ok)
    }
}

/// The result of one expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// The expectation's name.
    pub name: String,
    /// Whether it holds: no violation.
    pub ok: bool,
    /// How many processes its selectors matched.
    pub matched: u64,
    /// How many of them violate a property.
    pub violating_processes: u64,
    /// Every violation: per thread and property, then `min_processes`.
    pub violations: Vec<Violation>,
}

/// One property not held by one thread (or process, or the expectation as
/// a whole for `min_processes`).
///
/// `exe` and `comm` are unescaped: print them escaped.  In JSON, bytes that
/// are not UTF-8 show as U+FFFD and `exe_bytes`/`comm_bytes` then hold the
/// exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The process; `None` for `min_processes`.
    pub pid: Option<u32>,
    /// The thread; `None` for a property of the process or the expectation.
    pub tid: Option<u32>,
    /// The process's executable, when readable.
    pub exe: Option<String>,
    /// Its exact bytes when `exe` lost some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_bytes: Option<Vec<u8>>,
    /// The process's command name, when readable.
    pub comm: Option<String>,
    /// Its exact bytes when `comm` lost some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm_bytes: Option<Vec<u8>>,
    /// The process's systemd unit.
    pub unit: Option<String>,
    /// The key not held: `sandboxed`, `min_depth`, `handles_fs`,
    /// `handles_net`, `scoped`, `inspectable` or `min_processes`.
    pub property: String,
    /// What the expectation asks.
    pub expected: String,
    /// What was found.
    pub found: String,
}

impl Violation {
    fn new(
        p: Option<&Process>,
        tid: Option<u32>,
        property: &str,
        expected: String,
        found: String,
    ) -> Self {
        let split = |b: Option<&[u8]>| match b.map(text_and_bytes) {
            Some((s, bytes)) => (Some(s), bytes),
            None => (None, None),
        };
        let (exe, exe_bytes) = split(
            p.and_then(|p| p.exe.as_deref())
                .map(|e| e.as_os_str().as_bytes()),
        );
        let (comm, comm_bytes) = split(p.and_then(|p| p.comm.as_deref()).map(OsStr::as_bytes));
        Self {
            pid: p.map(|p| p.pid),
            tid,
            exe,
            exe_bytes,
            comm,
            comm_bytes,
            unit: p.and_then(|p| p.unit.clone()),
            property: property.to_owned(),
            expected,
            found,
        }
    }

    /// The exact bytes of `exe`.
    pub fn exe_raw(&self) -> Option<&[u8]> {
        self.exe_bytes
            .as_deref()
            .or(self.exe.as_deref().map(str::as_bytes))
    }

    /// The exact bytes of `comm`.
    pub fn comm_raw(&self) -> Option<&[u8]> {
        self.comm_bytes
            .as_deref()
            .or(self.comm.as_deref().map(str::as_bytes))
    }
}
