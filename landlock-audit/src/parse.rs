//! Pure parsers of the tree's files: bytes in, types out.
//!
//! Nothing here touches the filesystem, so every function can be fuzzed or
//! property-tested on arbitrary input.  Errors carry the 1-based line number
//! and a reason; the directory walk adds the path (see
//! [`ParseError::at`]).  The formats are those of `Documentation/abi.rst`.
//!
//! ```
//! use landlock_audit::parse;
//!
//! let tasks = parse::domain_tasks(b"12 12\n12 13\n").unwrap();
//! assert_eq!(tasks.len(), 2);
//! let err = parse::domain_tasks(b"12 12\n12\n").unwrap_err();
//! assert_eq!(err.line, 2);
//! ```

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use crate::types::{
    is_bit_form, is_other_class_name, is_right_name, AccessFs, AccessNames, AccessNet, AuditId,
    Creator, Domain, DomainId, FsObject, Generation, HandledAccess, Rule, Scope, Task, Unnamed,
};
use crate::Error;

/// A parse failure: where (1-based line, 0 for the whole input) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    /// 1-based line number; 0 when the problem concerns the input as a whole.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl ParseError {
    fn new(line: usize, reason: impl Into<String>) -> Self {
        Self {
            line,
            reason: reason.into(),
        }
    }

    /// The [`Error::Malformed`] for this failure in the file `path`.
    pub fn at(self, path: impl Into<PathBuf>) -> Error {
        Error::Malformed {
            path: path.into(),
            line: self.line,
            reason: self.reason,
        }
    }
}

/// Result of a parser.
pub type ParseResult<T> = Result<T, ParseError>;

/// The lines of `input` with their 1-based numbers, without the `'\n'`.
/// Every line, including the last, must end with `'\n'`.
fn lines(input: &[u8]) -> impl Iterator<Item = ParseResult<(usize, &[u8])>> {
    let mut rest = input;
    let mut n = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        n += 1;
        match memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                Some(Ok((n, line)))
            }
            None => {
                rest = &[];
                Some(Err(ParseError::new(n, "line does not end with a newline")))
            }
        }
    })
}

#[inline]
fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    s.iter().position(|&c| c == b)
}

/// A decimal without sign, leading zero (except `0` itself) or whitespace.
#[inline]
fn decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

fn decimal_u32(s: &[u8]) -> Option<u32> {
    decimal(s).and_then(|v| u32::try_from(v).ok())
}

/// At most this many bytes of input are quoted in an error message.
pub const QUOTE_MAX: usize = 80;

/// `s` for an error message: its first [`QUOTE_MAX`] bytes between double
/// quotes, escaped by [`escape_text`], followed by `…(N bytes)` when cut.
///
/// ```
/// use landlock_audit::parse::quote;
///
/// assert_eq!(quote(b"a\x1b[2K\n\\\xff"), r#""a\x1b[2K\n\\\xff""#);
/// assert!(quote(&[b'x'; 1000]).ends_with("…(1000 bytes)"));
/// assert!(quote(&[b'x'; 1000]).len() < 120);
/// ```
pub fn quote(s: &[u8]) -> String {
    let cut = s.len() > QUOTE_MAX;
    let mut out = String::with_capacity(QUOTE_MAX + 24);
    out.push('"');
    escape_into(&mut out, &s[..s.len().min(QUOTE_MAX)], true);
    out.push('"');
    if cut {
        out.push_str(&format!("…({} bytes)", s.len()));
    }
    out
}

/// `s` as text safe to print on a terminal or in a line-oriented output:
/// UTF-8 is kept except control characters (`\n`, `\t`, `\r` and `\xNN`
/// for the others, including ESC and DEL), backslash becomes `\\` and a
/// byte that is not UTF-8 becomes `\xNN`.  Lossless: distinct inputs give
/// distinct outputs.
///
/// ```
/// use landlock_audit::parse::escape_text;
///
/// assert_eq!(escape_text(b"evil\n    1062  fake"), r"evil\n    1062  fake");
/// assert_eq!(escape_text("caf\u{e9}\x1b[1A".as_bytes()), "caf\u{e9}\\x1b[1A");
/// assert_eq!(escape_text(b"a\\b\xff"), r"a\\b\xff");
/// ```
pub fn escape_text(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, false);
    out
}

fn escape_into(out: &mut String, s: &[u8], quote: bool) {
    use std::fmt::Write as _;
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' if quote => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut b = [0u8; 4];
                    for byte in c.encode_utf8(&mut b).bytes() {
                        let _ = write!(out, "\\x{byte:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

fn show(s: &[u8]) -> String {
    quote(s)
}

/// Fails on the first line `it` still has: "unexpected extra line".
fn no_extra_line<'a>(
    mut it: impl Iterator<Item = ParseResult<(usize, &'a [u8])>>,
) -> ParseResult<()> {
    match it.next() {
        Some(extra) => {
            let (n, _) = extra?;
            Err(ParseError::new(n, "unexpected extra line"))
        }
        None => Ok(()),
    }
}

/// The value of a file of exactly one line, which `value` parses with the
/// line's number; an empty file is "empty file, expected `expected`".
fn one_line<T>(
    input: &[u8],
    expected: &str,
    value: impl FnOnce(usize, &[u8]) -> ParseResult<T>,
) -> ParseResult<T> {
    let mut it = lines(input);
    let (n, line) = match it.next() {
        Some(r) => r?,
        None => {
            return Err(ParseError::new(
                0,
                format!("empty file, expected {expected}"),
            ))
        }
    };
    let v = value(n, line)?;
    no_extra_line(it)?;
    Ok(v)
}

/// A file holding one decimal number on one line, e.g. `version` or
/// `abi_version`: `"N\n"`.
pub fn number(input: &[u8]) -> ParseResult<u64> {
    one_line(input, "a number", |n, line| {
        decimal(line)
            .ok_or_else(|| ParseError::new(n, format!("not a decimal number: {}", show(line))))
    })
}

/// The `parent` file: empty, or `"<id>\n"`.
pub fn parent(input: &[u8]) -> ParseResult<Option<DomainId>> {
    if input.is_empty() {
        return Ok(None);
    }
    // Not empty: `one_line` finds a line.
    one_line(input, "a domain ID", |n, line| {
        DomainId::from_hex(line)
            .map(Some)
            .ok_or_else(|| ParseError::new(n, format!("not a domain ID: {}", show(line))))
    })
}

/// `/proc/<pid>/attr/landlock/domain`: empty (the task is in no domain
/// strictly below the reader's: unsandboxed, in the reader's own domain or
/// elsewhere), or `"<id>\n"`, the name of the task's domain in the tree.
/// The format is that of [`parent`].
///
/// ```
/// use landlock_audit::{parse, DomainId};
///
/// let id: DomainId = "8f3a5c0e91b2d4f6".parse().unwrap();
/// assert_eq!(parse::proc_attr_domain(b"8f3a5c0e91b2d4f6\n"), Ok(Some(id)));
/// assert_eq!(parse::proc_attr_domain(b""), Ok(None));
/// assert!(parse::proc_attr_domain(b"8f3a5c0e91b2d4f6\nx\n").is_err());
/// assert!(parse::proc_attr_domain(b"0000000000000001\n").is_err());
/// ```
pub fn proc_attr_domain(input: &[u8]) -> ParseResult<Option<DomainId>> {
    parent(input)
}

/// The `audit_id` file: `"<hex>\n"`, upstream Landlock's ID of the domain
/// exactly as audit prints it (`domain=%llx`): 1 to 16 lowercase
/// hexadecimal digits, no `0x`, no leading zero, not 0
/// ([`AuditId::from_hex`]).
///
/// ```
/// use landlock_audit::{parse, AuditId};
///
/// assert_eq!(parse::audit_id(b"1a2b3c4d5\n"), Ok(AuditId::new(0x1a2b3c4d5).unwrap()));
/// assert_eq!(parse::audit_id(b"1a2b3c4d5").unwrap_err().line, 1);
/// assert!(parse::audit_id(b"domain=1a2b3c4d5\n").is_err());
/// assert!(parse::audit_id(b"01a2b3c4d5\n").is_err());
/// assert_eq!(parse::audit_id(b"").unwrap_err().line, 0);
/// ```
pub fn audit_id(input: &[u8]) -> ParseResult<AuditId> {
    one_line(input, "an audit ID", |n, line| {
        AuditId::from_hex(line)
            .ok_or_else(|| ParseError::new(n, format!("not an audit ID: {}", show(line))))
    })
}

/// The most digits of a count of denials: those of `u64::MAX`, 20.
pub const DENIALS_DIGITS_MAX: usize = 20;

/// A count of denials (the value of the `denials` file or of a snapshot's
/// `denials` line): a decimal `u64` without sign, leading zero, padding or
/// more than [`DENIALS_DIGITS_MAX`] digits.  Each refusal says why (a
/// negative number, a sign, not a decimal, a leading zero, too long, an
/// overflow), quoting at most [`QUOTE_MAX`] bytes of `s`.
fn denials_value(n: usize, s: &[u8]) -> ParseResult<u64> {
    let bad = |why: &str| ParseError::new(n, format!("{why}: {}", show(s)));
    match s {
        [] => return Err(ParseError::new(n, "empty count of denials")),
        [b'-', ..] => return Err(bad("negative count of denials")),
        [b'+', ..] => return Err(bad("count of denials with a sign")),
        _ => {}
    }
    if !s.iter().all(u8::is_ascii_digit) {
        return Err(bad("count of denials not a decimal number"));
    }
    if s.len() > 1 && s[0] == b'0' {
        return Err(bad("count of denials with a leading zero"));
    }
    if s.len() > DENIALS_DIGITS_MAX {
        return Err(ParseError::new(
            n,
            format!(
                "count of denials too long: {} digits (at most {DENIALS_DIGITS_MAX})",
                s.len()
            ),
        ));
    }
    decimal(s).ok_or_else(|| bad("count of denials overflows 64 bits"))
}

/// The `denials` file of a domain: `"N\n"`, the number of access requests
/// the domain denied (see [`Domain::denials`]), a decimal `u64` without
/// sign, leading zero or padding.
///
/// ```
/// use landlock_audit::parse;
///
/// assert_eq!(parse::denials(b"0\n"), Ok(0));
/// assert_eq!(parse::denials(b"18446744073709551615\n"), Ok(u64::MAX));
/// assert!(parse::denials(b"18446744073709551616\n").unwrap_err().reason.contains("overflows"));
/// assert!(parse::denials(b"-1\n").unwrap_err().reason.contains("negative"));
/// assert_eq!(parse::denials(b"7").unwrap_err().line, 1);
/// assert_eq!(parse::denials(b"").unwrap_err().line, 0);
/// ```
pub fn denials(input: &[u8]) -> ParseResult<u64> {
    one_line(input, "a count of denials", denials_value)
}

/// The most digits of a generation: those of `u64::MAX`, 20.
pub const GENERATION_DIGITS_MAX: usize = 20;

/// The top-level `generation` file: `"N\n"`, an opaque decimal `u64`
/// (see [`Generation`]) of at most [`GENERATION_DIGITS_MAX`] digits,
/// without sign, leading zero, padding or anything else.  Each refusal
/// says why, quoting at most [`QUOTE_MAX`] bytes of the input.
///
/// ```
/// use landlock_audit::{parse, Generation};
///
/// assert_eq!(parse::generation(b"0\n"), Ok(Generation::new(0)));
/// assert_eq!(parse::generation(b"18446744073709551615\n"), Ok(Generation::new(u64::MAX)));
/// assert!(parse::generation(b"18446744073709551616\n").unwrap_err().reason.contains("overflows"));
/// assert!(parse::generation(b"012\n").unwrap_err().reason.contains("leading zero"));
/// assert_eq!(parse::generation(b"12").unwrap_err().line, 1);
/// assert_eq!(parse::generation(b"").unwrap_err().line, 0);
/// assert_eq!(parse::generation(b"1\n2\n").unwrap_err().line, 2);
/// ```
pub fn generation(input: &[u8]) -> ParseResult<Generation> {
    one_line(input, "a generation number", |n, s| {
        let bad = |why: &str| ParseError::new(n, format!("{why}: {}", show(s)));
        if s.is_empty() {
            return Err(ParseError::new(n, "empty generation number"));
        }
        if !s.iter().all(u8::is_ascii_digit) {
            return Err(bad("generation not a decimal number"));
        }
        if s.len() > 1 && s[0] == b'0' {
            return Err(bad("generation with a leading zero"));
        }
        if s.len() > GENERATION_DIGITS_MAX {
            return Err(ParseError::new(
                n,
                format!(
                    "generation too long: {} digits (at most {GENERATION_DIGITS_MAX})",
                    s.len()
                ),
            ));
        }
        decimal(s)
            .map(Generation::new)
            .ok_or_else(|| bad("generation overflows 64 bits"))
    })
}

/// Landlock's maximum number of stacked domains (`LANDLOCK_MAX_NUM_LAYERS`):
/// no depth exceeds it.
pub const MAX_DEPTH: u32 = 16;

/// The `depth` file: `"N\n"` with `1 <= N <= 16` ([`MAX_DEPTH`]).
pub fn depth(input: &[u8]) -> ParseResult<u32> {
    let v = number(input)?;
    check_depth(1, v)
}

fn check_depth(n: usize, v: u64) -> ParseResult<u32> {
    match u32::try_from(v) {
        Ok(d) if (1..=MAX_DEPTH).contains(&d) => Ok(d),
        _ => Err(ParseError::new(
            n,
            format!("depth {v} out of range (1 to {MAX_DEPTH})"),
        )),
    }
}

/// One line of an `access` file: the known rights and, in the file's order,
/// the names this build does not know (kept when they have the shape of a
/// right's name, [`is_right_name`]).
fn access_line<A: AccessNames>(n: usize, line: &[u8]) -> ParseResult<(A, Vec<String>)> {
    let kind = A::KIND.as_bytes();
    let rest = line
        .strip_prefix(kind)
        .and_then(|r| r.strip_prefix(b":"))
        .ok_or_else(|| {
            ParseError::new(
                n,
                format!("expected \"{}:\", found {}", A::KIND, show(line)),
            )
        })?;
    if rest.is_empty() {
        return Ok((A::from_raw(0), Vec::new()));
    }
    let names = rest
        .strip_prefix(b" ")
        .ok_or_else(|| ParseError::new(n, format!("expected a space after \"{}:\"", A::KIND)))?;
    access_names::<A>(n, names, false)
}

/// Space-separated names of rights of class `A` (at least one), in the
/// uapi's bit order: the known rights and, in the input's order, the names
/// this build does not know (kept when they have the shape of a right's
/// name, [`is_right_name`], and, with `one_class`, are not the name of a
/// right of another class).
fn access_names<A: AccessNames>(
    n: usize,
    names: &[u8],
    one_class: bool,
) -> ParseResult<(A, Vec<String>)> {
    let mut bits = 0u64;
    let mut unknown: Vec<String> = Vec::new();
    for name in names.split(|&b| b == b' ') {
        let s = std::str::from_utf8(name).ok();
        let Some(bit) = s.and_then(A::bit_of) else {
            // A right a newer kernel names: kept as it is.
            match s {
                Some(s) if one_class && is_other_class_name::<A>(s) => {
                    return Err(ParseError::new(
                        n,
                        format!("{} is not a {} access right", show(name), A::KIND),
                    ))
                }
                Some(s) if is_right_name(name) && !is_bit_form(s) => {
                    if unknown.iter().any(|u| u == s) {
                        return Err(ParseError::new(
                            n,
                            format!("duplicate {} access right {}", A::KIND, show(name)),
                        ));
                    }
                    unknown.push(s.to_owned());
                    continue;
                }
                _ => {
                    return Err(ParseError::new(
                        n,
                        format!("not a {} access right name: {}", A::KIND, show(name)),
                    ))
                }
            }
        };
        if bits & (1 << bit) != 0 {
            return Err(ParseError::new(
                n,
                format!("duplicate {} access right {}", A::KIND, show(name)),
            ));
        }
        if bits >> bit != 0 {
            return Err(ParseError::new(
                n,
                format!(
                    "{} access right {} out of the uapi's bit order",
                    A::KIND,
                    show(name)
                ),
            ));
        }
        bits |= 1 << bit;
    }
    Ok((A::from_raw(bits), unknown))
}

/// The three numbered lines `fs:`, `net:`, `scope:` of an access file or
/// a snapshot's domain.
fn access_lines(l: [(usize, &[u8]); 3]) -> ParseResult<HandledAccess> {
    Ok(HandledAccess::from_parts(
        access_line::<AccessFs>(l[0].0, l[0].1)?,
        access_line::<AccessNet>(l[1].0, l[1].1)?,
        access_line::<Scope>(l[2].0, l[2].1)?,
    ))
}

/// The `access` file: the lines `fs:`, `net:` and `scope:`, in that order,
/// each followed by space-separated rights (`bit<N>` for unknown bits).
/// A name this build does not know (a newer kernel's right) is kept in
/// [`HandledAccess::unknown`] when it has the shape of a right's name
/// ([`is_right_name`]); any other name is an error.
///
/// ```
/// use landlock_audit::{parse, AccessFs, AccessNet, Scope};
///
/// let a = parse::access(b"fs: execute read_file bit40\nnet: bind_tcp\nscope:\n").unwrap();
/// assert_eq!(a.fs, AccessFs::EXECUTE | AccessFs::READ_FILE | AccessFs::from_bits_retain(1 << 40));
/// assert_eq!(a.net, AccessNet::BIND_TCP);
/// assert_eq!(a.scope, Scope::empty());
/// let b = parse::access(b"fs: execute refer some_future_right\nnet:\nscope:\n").unwrap();
/// assert_eq!(b.unknown.fs, ["some_future_right"]);
/// ```
pub fn access(input: &[u8]) -> ParseResult<HandledAccess> {
    let mut it = lines(input);
    let mut next = |what: &str| -> ParseResult<(usize, &[u8])> {
        it.next()
            .unwrap_or_else(|| Err(ParseError::new(0, format!("missing the \"{what}:\" line"))))
    };
    let (n, l) = next("fs")?;
    let (n2, l2) = next("net")?;
    let (n3, l3) = next("scope")?;
    let access = access_lines([(n, l), (n2, l2), (n3, l3)])?;
    no_extra_line(it)?;
    Ok(access)
}

#[inline]
fn task_fields<'a>(
    n: usize,
    f: &mut impl Iterator<Item = &'a [u8]>,
    line: &[u8],
) -> ParseResult<Task> {
    let mut pid = |what: &str| {
        let s = f
            .next()
            .ok_or_else(|| ParseError::new(n, format!("missing {what} in {}", show(line))))?;
        match decimal_u32(s) {
            Some(v) if v > 0 => Ok(v),
            _ => Err(ParseError::new(n, format!("invalid {what} {}", show(s)))),
        }
    };
    let tgid = pid("tgid")?;
    let tid = pid("tid")?;
    Ok(Task { tgid, tid })
}

/// A `domains/<id>/tasks` file: `"<tgid> <tid>\n"` lines.  The result is
/// sorted by TGID then TID, without duplicates.
pub fn domain_tasks(input: &[u8]) -> ParseResult<Vec<Task>> {
    let mut out = Vec::new();
    for l in lines(input) {
        let (n, line) = l?;
        let mut f = line.split(|&b| b == b' ');
        let t = task_fields(n, &mut f, line)?;
        if f.next().is_some() {
            return Err(ParseError::new(n, format!("extra field in {}", show(line))));
        }
        out.push(t);
    }
    sort_dedup(&mut out);
    Ok(out)
}

fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    if !v.windows(2).all(|w| w[0] < w[1]) {
        v.sort_unstable();
        v.dedup();
    }
}

/// A line of the top-level `tasks` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskLine {
    /// The task.
    pub task: Task,
    /// The domain it runs in.
    pub domain: DomainId,
}

/// The top-level `tasks` file: `"<tgid> <tid> <id>\n"` lines.  The result is
/// sorted by TGID then TID, with one line per TID (the last one wins).
pub fn tasks(input: &[u8]) -> ParseResult<Vec<TaskLine>> {
    let mut out = Vec::with_capacity(input.len() / 28 + 1);
    for l in lines(input) {
        let (n, line) = l?;
        let mut f = line.split(|&b| b == b' ');
        let task = task_fields(n, &mut f, line)?;
        let id = f
            .next()
            .ok_or_else(|| ParseError::new(n, format!("missing domain ID in {}", show(line))))?;
        let domain = DomainId::from_hex(id)
            .ok_or_else(|| ParseError::new(n, format!("not a domain ID: {}", show(id))))?;
        if f.next().is_some() {
            return Err(ParseError::new(n, format!("extra field in {}", show(line))));
        }
        out.push(TaskLine { task, domain });
    }
    if !out.windows(2).all(|w| w[0].task < w[1].task) {
        // Stable: among equal tasks the last line stays last.
        out.sort_by_key(|t| t.task);
        let mut dedup: Vec<TaskLine> = Vec::with_capacity(out.len());
        for t in out {
            match dedup.last_mut() {
                Some(last) if last.task == t.task => *last = t,
                _ => dedup.push(t),
            }
        }
        out = dedup;
    }
    Ok(out)
}

/// Decodes the escapes of a `comm` or `exe` value of `creator` (and of a
/// path of `rules`): exactly those the kernel writes, a backslash and three
/// octal digits for space, backslash and every control character (`\001`
/// to `\040`, `\134`, `\177`; kernels before the `rules` file escaped
/// only space, tab, newline and backslash, as `/proc/<pid>/mountinfo`
/// does).  Any other backslash, and a raw space or tab (which the kernel
/// would have escaped), is an error.
pub fn unescape(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b'\\' => {
                let v = match s.get(i + 1..i + 4) {
                    Some(&[a @ b'0'..=b'3', b @ b'0'..=b'7', c @ b'0'..=b'7']) => {
                        (a - b'0') << 6 | (b - b'0') << 3 | (c - b'0')
                    }
                    _ => 0xff,
                };
                if !kernel_escapes(v) {
                    let end = s.len().min(i + 4);
                    return Err(format!(
                        "bad escape {} at byte {i} (the kernel escapes only \\001 to \\040, \\134 and \\177)",
                        quote(&s[i..end])
                    ));
                }
                out.push(v);
                i += 4;
            }
            b' ' | b'\t' => {
                return Err(format!("unescaped {} at byte {i}", quote(&[b])));
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Whether the kernel writes byte `b` as a backslash and three octal
/// digits in `creator` and `rules`: space, backslash and every control
/// character.
/// (NUL, which no name holds, is not accepted back.)
fn kernel_escapes(b: u8) -> bool {
    (1..=b' ').contains(&b) || b == b'\\' || b == 0x7f
}

/// Escapes space, backslash and every control character (`\040`, `\134`,
/// `\000` to `\037`, `\177`), as the kernel does for `comm` and `exe` in
/// the `creator` file and paths in `rules`.
pub fn escape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        match b {
            b if kernel_escapes(b) => {
                out.push(b'\\');
                out.push(b'0' + (b >> 6));
                out.push(b'0' + ((b >> 3) & 7));
                out.push(b'0' + (b & 7));
            }
            _ => out.push(b),
        }
    }
    out
}

/// The `creator` file: `"pid N\nuid N\ncomm NAME\nexe PATH\n"`.  Every key is
/// required and may appear once; unknown keys are ignored (a later ABI may
/// add some).  `comm` and `exe` are decoded by [`unescape`].
pub fn creator(input: &[u8]) -> ParseResult<Creator> {
    let mut c = CreatorFields::default();
    for l in lines(input) {
        let (n, line) = l?;
        let (key, value) = match memchr(b' ', line) {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        if key.is_empty() {
            return Err(ParseError::new(n, "empty line"));
        }
        c.set(n, key, value)?;
    }
    c.finish(0)
}

/// The longest path a `rules` line names: `PATH_MAX - 1` (4095) bytes,
/// unescaped (the kernel names longer ones `too_long`).
pub const RULE_PATH_MAX: usize = 4095;

/// The fields of one line, separated by exactly one space.
struct Words<'a> {
    n: usize,
    rest: Option<&'a [u8]>,
}

impl<'a> Words<'a> {
    fn new(n: usize, line: &'a [u8]) -> Self {
        Self {
            n,
            rest: Some(line),
        }
    }

    /// The next field; an error naming `what` when the line has no more
    /// or the field is empty (two spaces, or one at the end).
    fn next(&mut self, what: &str) -> ParseResult<&'a [u8]> {
        let rest = self
            .rest
            .ok_or_else(|| ParseError::new(self.n, format!("missing {what}")))?;
        let (word, after) = match memchr(b' ', rest) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        if word.is_empty() {
            return Err(ParseError::new(
                self.n,
                format!("empty field where {what} is expected (two spaces, or one at the end)"),
            ));
        }
        self.rest = after;
        Ok(word)
    }

    /// The next field, which must be `keyword`.
    fn keyword(&mut self, keyword: &str) -> ParseResult<()> {
        let w = self.next(&format!("\"{keyword}\""))?;
        if w != keyword.as_bytes() {
            return Err(ParseError::new(
                self.n,
                format!("expected \"{keyword}\", found {}", show(w)),
            ));
        }
        Ok(())
    }

    /// Everything after the last field taken, if the line goes on.
    fn rest(self) -> Option<&'a [u8]> {
        self.rest
    }
}

/// `[quiet] access [<right> …]`, the end of every `rules` line.
fn rule_tail<A: AccessNames>(mut w: Words<'_>) -> ParseResult<(bool, A, Vec<String>)> {
    let n = w.n;
    let mut word = w.next("\"access\"")?;
    let quiet = word == b"quiet";
    if quiet {
        word = w.next("\"access\"")?;
    }
    if word != b"access" {
        return Err(ParseError::new(
            n,
            format!(
                "expected {}\"access\", found {}",
                if quiet { "" } else { "\"quiet\" or " },
                show(word)
            ),
        ));
    }
    match w.rest() {
        None => Ok((quiet, A::from_raw(0), Vec::new())),
        Some(names) => {
            // Keywords are not rights (whatever shape they have).
            if let Some(k) = names
                .split(|&b| b == b' ')
                .find(|w| *w == b"quiet" || *w == b"access")
            {
                return Err(ParseError::new(
                    n,
                    format!(
                        "{} after \"access\" (the line's words come before the rights)",
                        show(k)
                    ),
                ));
            }
            let (a, unknown) = access_names::<A>(n, names, true)?;
            Ok((quiet, a, unknown))
        }
    }
}

/// The `<major>:<minor>` of a `rules` line.
fn rule_dev(n: usize, s: &[u8]) -> ParseResult<(u32, u32)> {
    let bad = || {
        ParseError::new(
            n,
            format!("invalid device {} (expected MAJOR:MINOR)", show(s)),
        )
    };
    let i = memchr(b':', s).ok_or_else(bad)?;
    let major = decimal_u32(&s[..i]).ok_or_else(bad)?;
    let minor = decimal_u32(&s[i + 1..]).ok_or_else(bad)?;
    Ok((major, minor))
}

/// The path of a `rules` line: unescaped, starting with `/`, without NUL,
/// at most [`RULE_PATH_MAX`] bytes.
fn rule_path(n: usize, s: &[u8]) -> ParseResult<PathBuf> {
    // Every kernel with the rules file escapes every control character:
    // a raw one is not the kernel's.
    if let Some(i) = s.iter().position(|&b| b < b' ' || b == 0x7f) {
        return Err(ParseError::new(
            n,
            format!(
                "unescaped control character {} at byte {i} of the path",
                quote(&s[i..=i])
            ),
        ));
    }
    let p = unescape(s).map_err(|e| ParseError::new(n, format!("path: {e}")))?;
    if p.first() != Some(&b'/') {
        return Err(ParseError::new(
            n,
            format!("path {} does not start with /", show(s)),
        ));
    }
    if let Some(i) = memchr(0, &p) {
        return Err(ParseError::new(
            n,
            format!("NUL byte at byte {i} of the path"),
        ));
    }
    if p.len() > RULE_PATH_MAX {
        return Err(ParseError::new(
            n,
            format!(
                "path of {} bytes, longer than PATH_MAX allows ({RULE_PATH_MAX})",
                p.len()
            ),
        ));
    }
    Ok(PathBuf::from(OsString::from_vec(p)))
}

/// One line of a `rules` file (without its newline).
fn rule_line(n: usize, line: &[u8]) -> ParseResult<Rule> {
    if line.is_empty() {
        return Err(ParseError::new(n, "empty line"));
    }
    let mut w = Words::new(n, line);
    match w.next("the rule's kind")? {
        b"fs" => match w.next("\"dev\" or \"released\"")? {
            b"released" => {
                let (quiet, access, unknown_access) = rule_tail::<AccessFs>(w)?;
                Ok(Rule::FsReleased {
                    quiet,
                    access,
                    unknown_access,
                })
            }
            b"dev" => {
                let dev = rule_dev(n, w.next("the device")?)?;
                w.keyword("ino")?;
                let ino = w.next("the inode number")?;
                let ino = decimal(ino).ok_or_else(|| {
                    ParseError::new(n, format!("invalid inode number {}", show(ino)))
                })?;
                let object = match w.next("\"path\" or why there is none")? {
                    b"path" => FsObject::Path(rule_path(n, w.next("the path")?)?),
                    word => FsObject::Unnamed(Unnamed::from_word(word).ok_or_else(|| {
                        // Short: the quote may take 340 bytes of the 400.
                        ParseError::new(
                            n,
                            format!("expected \"path\" or a reason, found {}", show(word)),
                        )
                    })?),
                };
                let (quiet, access, unknown_access) = rule_tail::<AccessFs>(w)?;
                Ok(Rule::Fs {
                    dev,
                    ino,
                    object,
                    quiet,
                    access,
                    unknown_access,
                })
            }
            other => Err(ParseError::new(
                n,
                format!(
                    "expected \"dev\" or \"released\" after \"fs\", found {}",
                    show(other)
                ),
            )),
        },
        b"net" => {
            w.keyword("port")?;
            let s = w.next("the port")?;
            let v = decimal(s)
                .ok_or_else(|| ParseError::new(n, format!("invalid port {}", show(s))))?;
            let port = u16::try_from(v)
                .map_err(|_| ParseError::new(n, format!("port {v} out of range (0 to 65535)")))?;
            let (quiet, access, unknown_access) = rule_tail::<AccessNet>(w)?;
            Ok(Rule::Net {
                port,
                quiet,
                access,
                unknown_access,
            })
        }
        other => Err(ParseError::new(
            n,
            format!(
                "unknown rule kind {} (expected \"fs\" or \"net\")",
                show(other)
            ),
        )),
    }
}

/// A domain's `rules` file: one line per rule of the domain's own layer
/// ([`Rule`]), empty when the layer added none:
///
/// ```text
/// fs dev <major>:<minor> ino <n> path <path> [quiet] access [<right> …]
/// fs dev <major>:<minor> ino <n> <reason> [quiet] access [<right> …]
/// fs released [quiet] access [<right> …]
/// net port <n> [quiet] access [<right> …]
/// ```
///
/// `<reason>` is one of [`Unnamed`]'s words; the path is escaped as
/// `creator`'s `exe` ([`unescape`]), starts with `/`, and holds at most
/// [`RULE_PATH_MAX`] bytes.  The rights are named as in the `access` file,
/// in the uapi's bit order, of the line's class only (`connect_tcp` on an
/// `fs` line is an error); a name this build does not know, of the shape
/// of a right's name, is kept ([`Rule::unknown_access`]).  Anything else (an
/// unknown kind or word, a missing field, two spaces, a number out of its
/// range, a port above 65535, a line without its newline) is an error
/// naming the line.  The rules come in the file's order (the kernel sorts
/// them by kind, device, inode and port; the order is not checked).
///
/// ```
/// use landlock_audit::{parse, AccessFs, FsObject, Rule, Unnamed};
///
/// let r = parse::rules(b"fs dev 8:1 ino 131073 path /srv/a\\040b quiet access read_file\n\
///                        fs dev 0:31 ino 2 uncached access write_file\n\
///                        fs released access read_file\n\
///                        net port 443 quiet access\n").unwrap();
/// assert_eq!(r.len(), 4);
/// assert_eq!(r[0].path(), Some(std::path::Path::new("/srv/a b")));
/// assert!(matches!(r[1], Rule::Fs { object: FsObject::Unnamed(Unnamed::Uncached), .. }));
/// assert!(matches!(r[2], Rule::FsReleased { access: AccessFs::READ_FILE, .. }));
/// assert!(r[3].quiet() && r[3].access_names().is_empty());
/// assert_eq!(parse::rules(b""), Ok(vec![]));
/// let e = parse::rules(b"net port 443 access connect_tcp\nnet port 65536 access\n").unwrap_err();
/// assert_eq!(e.line, 2);
/// assert!(e.reason.contains("out of range"));
/// ```
pub fn rules(input: &[u8]) -> ParseResult<Vec<Rule>> {
    let mut out = Vec::new();
    for l in lines(input) {
        let (n, line) = l?;
        out.push(rule_line(n, line)?);
    }
    Ok(out)
}

/// Whether the `lsm` file of securityfs (`"capability,landlock,…"`) lists
/// Landlock.
pub fn lsm_has_landlock(input: &[u8]) -> bool {
    input
        .split(|&b| b == b',')
        .any(|s| s.trim_ascii() == b"landlock")
}

/// The `flags` field (field 9) of a `/proc/<pid>/stat` file.  The command
/// name (field 2) is between parentheses and may itself hold `)`, spaces
/// or newlines: the fields start after the *last* `)`.
///
/// ```
/// use landlock_audit::parse::proc_stat_flags;
///
/// let stat = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0\n";
/// assert_eq!(proc_stat_flags(stat), Ok(2129984));
/// let evil = b"7 (a) S 1 1 1 0 -1 1 (x) R 0 0 0 0 -1 4194560 0 0\n";
/// assert_eq!(proc_stat_flags(evil), Ok(4194560));
/// ```
pub fn proc_stat_flags(input: &[u8]) -> ParseResult<u64> {
    let close = input
        .iter()
        .rposition(|&b| b == b')')
        .ok_or_else(|| ParseError::new(1, "no \")\" closing the command name"))?;
    let rest = &input[close + 1..];
    let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
    let mut f = rest
        .strip_prefix(b" ")
        .ok_or_else(|| ParseError::new(1, "expected a space after the command name"))?
        .split(|&b| b == b' ');
    // state ppid pgrp session tty_nr tpgid flags
    let flags = f
        .nth(6)
        .ok_or_else(|| ParseError::new(1, "no flags field"))?;
    decimal(flags).ok_or_else(|| ParseError::new(1, format!("invalid flags {}", show(flags))))
}

/// The effective UID (the second field of the `Uid:` line) of a
/// `/proc/<pid>/status` file, as `ps` shows it.  The kernel escapes the
/// `Name:` line, so no command name can forge a `Uid:` line; the first one
/// counts.
///
/// ```
/// use landlock_audit::parse::proc_status_euid;
///
/// let status = b"Name:\tsshd\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n";
/// assert_eq!(proc_status_euid(status), Ok(1000));
/// assert!(proc_status_euid(b"Name:\tx\n").is_err());
/// ```
pub fn proc_status_euid(input: &[u8]) -> ParseResult<u32> {
    let (n, line) = input
        .split(|&b| b == b'\n')
        .enumerate()
        .find(|(_, l)| l.starts_with(b"Uid:"))
        .ok_or_else(|| ParseError::new(0, "no Uid: line"))?;
    let euid = line[4..]
        .split(|&b| b == b'\t' || b == b' ')
        .filter(|f| !f.is_empty())
        .nth(1)
        .ok_or_else(|| ParseError::new(n + 1, "no effective UID"))?;
    decimal(euid)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| ParseError::new(n + 1, format!("invalid UID {}", show(euid))))
}

/// The name of a `domains/` entry as an ID.
pub fn domain_dir_name(name: &[u8]) -> ParseResult<DomainId> {
    DomainId::from_hex(name)
        .ok_or_else(|| ParseError::new(0, format!("not a domain ID: {}", show(name))))
}

/// The top-level `snapshot` file (one consistent snapshot of the whole
/// visible tree, `/work/notes/snapshot-spec.md`): for each domain, in
/// ascending ID order, `domain <id> <parent-id or -> <depth>`, the three
/// lines of its `access` file, an optional `denials N` line (its count of
/// denials, [`Domain::denials`]: absent on kernels older than it), an
/// optional `creator pid N uid N comm NAME exe PATH` line and its
/// `task <tgid> <tid>` lines, sorted.
///
/// Lines whose first word is not a keyword of the format are ignored (a
/// later kernel may add some); a known keyword with a bad shape or out of
/// its place (a `denials` line repeated, or after the `creator` or `task`
/// lines), a domain out of order or listed twice, a task out of order or
/// in two domains is an error.  The result is sorted by ID; parents and depths are checked by
/// the caller ([`Domains::read_from`](crate::Domains::read_from)).
///
/// ```
/// use landlock_audit::parse;
///
/// let d = parse::snapshot(b"domain 3f9a0c21d4e8b157 - 1\nfs: execute refer\nnet:\nscope: signal\n\
///     denials 12\ncreator pid 120 uid 1000 comm sh exe /bin/busybox\ntask 120 120\n\
///     domain 8c0d5e77a1b2c3d4 3f9a0c21d4e8b157 2\nfs:\nnet:\nscope:\n").unwrap();
/// assert_eq!(d.len(), 2);
/// assert_eq!(d[1].parent, Some(d[0].id));
/// assert_eq!(d[0].creator.as_ref().map(|c| c.comm.to_str()), Some(Some("sh")));
/// assert!(d[1].creator.is_none());
/// assert_eq!((d[0].denials, d[1].denials), (Some(12), None));
/// ```
pub fn snapshot(input: &[u8]) -> ParseResult<Vec<Domain>> {
    let mut out: Vec<Domain> = Vec::new();
    let mut it = lines(input).peekable();
    // (tid, line) of every task so far, to refuse a task in two domains.
    let mut seen_tids: Vec<u32> = Vec::new();
    while let Some(l) = it.next() {
        let (n, line) = l?;
        let (key, rest) = match memchr(b' ', line) {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        match key {
            b"domain" => {
                let mut f = rest.split(|&b| b == b' ');
                let (Some(id), Some(parent), Some(depth), None) =
                    (f.next(), f.next(), f.next(), f.next())
                else {
                    return Err(ParseError::new(
                        n,
                        format!(
                            "expected \"domain <id> <parent> <depth>\", found {}",
                            show(line)
                        ),
                    ));
                };
                let id = DomainId::from_hex(id)
                    .ok_or_else(|| ParseError::new(n, format!("not a domain ID: {}", show(id))))?;
                let parent = match parent {
                    b"-" => None,
                    p => Some(DomainId::from_hex(p).ok_or_else(|| {
                        ParseError::new(n, format!("not a domain ID: {}", show(p)))
                    })?),
                };
                let depth = decimal(depth)
                    .ok_or_else(|| ParseError::new(n, format!("invalid depth {}", show(depth))))
                    .and_then(|v| check_depth(n, v))?;
                if let Some(last) = out.last() {
                    if last.id >= id {
                        return Err(ParseError::new(
                            n,
                            format!("domain {id} out of ascending ID order (after {})", last.id),
                        ));
                    }
                }
                let mut next = |what: &str| -> ParseResult<(usize, &[u8])> {
                    it.next().unwrap_or_else(|| {
                        Err(ParseError::new(
                            0,
                            format!("missing the \"{what}:\" line of domain {id}"),
                        ))
                    })
                };
                let l1 = next("fs")?;
                let l2 = next("net")?;
                let l3 = next("scope")?;
                out.push(Domain {
                    id,
                    parent,
                    depth,
                    access: access_lines([l1, l2, l3])?,
                    tasks: Vec::new(),
                    creator: None,
                    denials: None,
                });
            }
            b"denials" => {
                let d = out
                    .last_mut()
                    .ok_or_else(|| ParseError::new(n, "denials line before any domain line"))?;
                if d.denials.is_some() || d.creator.is_some() || !d.tasks.is_empty() {
                    return Err(ParseError::new(
                        n,
                        "denials line repeated or after the creator or task lines",
                    ));
                }
                d.denials = Some(denials_value(n, rest)?);
            }
            b"fs:" | b"net:" | b"scope:" => {
                return Err(ParseError::new(
                    n,
                    format!(
                        "access line {} outside its place after a domain line",
                        show(line)
                    ),
                ));
            }
            b"creator" => {
                let d = out
                    .last_mut()
                    .ok_or_else(|| ParseError::new(n, "creator line before any domain line"))?;
                if d.creator.is_some() || !d.tasks.is_empty() {
                    return Err(ParseError::new(
                        n,
                        "creator line repeated or after the task lines",
                    ));
                }
                d.creator = Some(creator_pairs(n, rest)?);
            }
            b"task" => {
                let d = out
                    .last_mut()
                    .ok_or_else(|| ParseError::new(n, "task line before any domain line"))?;
                let mut f = rest.split(|&b| b == b' ');
                let t = task_fields(n, &mut f, line)?;
                if f.next().is_some() {
                    return Err(ParseError::new(n, format!("extra field in {}", show(line))));
                }
                if d.tasks.last().is_some_and(|last| *last >= t) {
                    return Err(ParseError::new(
                        n,
                        format!("task {} {} out of order", t.tgid, t.tid),
                    ));
                }
                d.tasks.push(t);
                seen_tids.push(t.tid);
            }
            b"" => return Err(ParseError::new(n, "empty line")),
            _ => {} // A later addition within format version 1.
        }
    }
    seen_tids.sort_unstable();
    if let Some(w) = seen_tids.windows(2).find(|w| w[0] == w[1]) {
        return Err(ParseError::new(
            0,
            format!("task {} listed in two domains", w[0]),
        ));
    }
    Ok(out)
}

/// The `pid N uid N comm NAME exe PATH` pairs of a snapshot's `creator`
/// line.
fn creator_pairs(n: usize, rest: &[u8]) -> ParseResult<Creator> {
    let mut f = rest.split(|&b| b == b' ');
    let mut c = CreatorFields::default();
    while let Some(key) = f.next() {
        let value = f.next().ok_or_else(|| {
            ParseError::new(n, format!("creator key {} without a value", show(key)))
        })?;
        c.set(n, key, value)?;
    }
    c.finish(n)
}

#[derive(Default)]
struct CreatorFields {
    pid: Option<u32>,
    uid: Option<u32>,
    comm: Option<Vec<u8>>,
    exe: Option<Vec<u8>>,
}

impl CreatorFields {
    /// Records a known key (unknown ones are ignored).
    fn set(&mut self, n: usize, key: &[u8], value: &[u8]) -> ParseResult<()> {
        let dup = || ParseError::new(n, format!("duplicate key {}", show(key)));
        match key {
            b"pid" | b"uid" => {
                let v = decimal_u32(value).ok_or_else(|| {
                    ParseError::new(n, format!("invalid {} {}", show(key), show(value)))
                })?;
                let slot = if key == b"pid" {
                    &mut self.pid
                } else {
                    &mut self.uid
                };
                if slot.replace(v).is_some() {
                    return Err(dup());
                }
            }
            b"comm" | b"exe" => {
                let v = unescape(value).map_err(|e| ParseError::new(n, e))?;
                let slot = if key == b"comm" {
                    &mut self.comm
                } else {
                    &mut self.exe
                };
                if slot.replace(v).is_some() {
                    return Err(dup());
                }
            }
            b"" => return Err(ParseError::new(n, "empty key")),
            _ => {}
        }
        Ok(())
    }

    fn finish(self, n: usize) -> ParseResult<Creator> {
        let missing = |k: &str| ParseError::new(n, format!("missing key {k:?}"));
        Ok(Creator {
            pid: self.pid.ok_or_else(|| missing("pid"))?,
            uid: self.uid.ok_or_else(|| missing("uid"))?,
            comm: OsString::from_vec(self.comm.ok_or_else(|| missing("comm"))?),
            exe: PathBuf::from(OsString::from_vec(self.exe.ok_or_else(|| missing("exe"))?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers() {
        assert_eq!(number(b"1\n"), Ok(1));
        assert_eq!(number(b"0\n"), Ok(0));
        assert_eq!(number(b"1").unwrap_err().line, 1);
        assert_eq!(number(b"").unwrap_err().line, 0);
        assert_eq!(number(b"01\n").unwrap_err().line, 1);
        assert_eq!(number(b" 1\n").unwrap_err().line, 1);
        assert_eq!(number(b"1\n2\n").unwrap_err().line, 2);
        assert!(number(b"99999999999999999999999\n").is_err());
    }

    #[test]
    fn parents_and_depths() {
        assert_eq!(parent(b""), Ok(None));
        assert_eq!(
            parent(b"3f9a0c21d4e8b157\n"),
            Ok(Some(DomainId(0x3f9a0c21d4e8b157)))
        );
        assert!(parent(b"3F9A0C21D4E8B157\n").is_err());
        assert!(parent(b"\n").is_err());
        assert!(parent(b"3f9a0c21d4e8b157\n3f9a0c21d4e8b157\n").is_err());
        assert_eq!(depth(b"3\n"), Ok(3));
        assert!(depth(b"0\n").is_err());
        assert!(depth(b"4294967296\n").is_err());
    }

    #[test]
    fn access_lines() {
        let a = access(b"fs:\nnet:\nscope:\n").unwrap();
        assert_eq!(a, HandledAccess::default());
        let a = access(b"fs: execute write_file read_file read_dir remove_dir remove_file make_char make_dir make_reg make_sock make_fifo make_block make_sym refer truncate ioctl_dev resolve_unix\nnet: bind_tcp connect_tcp bind_udp connect_send_udp\nscope: abstract_unix_socket signal\n").unwrap();
        assert_eq!(a.fs, AccessFs::all());
        assert_eq!(a.net, AccessNet::all());
        assert_eq!(a.scope, Scope::all());
        let a = access(b"fs: bit63\nnet: bit4\nscope: bit2\n").unwrap();
        assert_eq!(a.fs.bits(), 1 << 63);
        assert_eq!(a.net.bits(), 1 << 4);
        assert_eq!(a.scope.bits(), 1 << 2);
        // A newer kernel's right: kept, in the file's order, per class.
        let a = access(
            b"fs: execute refer some_future_right\nnet: bind_tcp zeta_udp alpha\nscope: x9\n",
        )
        .unwrap();
        assert_eq!(a.fs, AccessFs::EXECUTE | AccessFs::REFER);
        assert_eq!(a.unknown.fs, ["some_future_right"]);
        assert_eq!(a.unknown.net, ["zeta_udp", "alpha"]);
        assert_eq!(a.unknown.scope, ["x9"]);
        assert_eq!(
            a.to_string(),
            "fs: execute refer some_future_right; net: bind_tcp zeta_udp alpha; scope: x9"
        );
        // Errors name the line: not a right's shape, a duplicate unknown name.
        assert_eq!(access(b"fs: Exec\nnet:\nscope:\n").unwrap_err().line, 1);
        assert_eq!(access(b"fs:\nnet: a\\b\nscope:\n").unwrap_err().line, 2);
        assert_eq!(access(b"fs:\nnet:\nscope: new new\n").unwrap_err().line, 3);
        let long = format!("fs: {}\nnet:\nscope:\n", "a".repeat(65));
        assert!(access(long.as_bytes()).is_err());
        assert_eq!(
            access(b"fs:\nnet: bind_tcp bind_tcp\nscope:\n")
                .unwrap_err()
                .line,
            2
        );
        assert_eq!(access(b"fs:\nscope:\nnet:\n").unwrap_err().line, 2);
        assert_eq!(access(b"fs:\nnet:\n").unwrap_err().line, 0);
        assert_eq!(access(b"fs:\nnet:\nscope:\nextra:\n").unwrap_err().line, 4);
        assert!(access(b"fs:  execute\nnet:\nscope:\n").is_err());
        assert!(access(b"fs:execute\nnet:\nscope:\n").is_err());
        assert!(access(b"fs: bit64\nnet:\nscope:\n").is_err());
        assert!(access(b"fs: bit07\nnet:\nscope:\n").is_err());
    }

    #[test]
    fn task_files() {
        assert_eq!(domain_tasks(b""), Ok(vec![]));
        assert_eq!(
            domain_tasks(b"5 6\n1 1\n5 6\n"),
            Ok(vec![Task { tgid: 1, tid: 1 }, Task { tgid: 5, tid: 6 }])
        );
        assert_eq!(domain_tasks(b"1 1\n1 0\n").unwrap_err().line, 2);
        assert_eq!(domain_tasks(b"1 1 2\n").unwrap_err().line, 1);
        assert_eq!(domain_tasks(b"1\n").unwrap_err().line, 1);
        assert_eq!(domain_tasks(b"1  1\n").unwrap_err().line, 1);
        let t = tasks(b"1 1 3f9a0c21d4e8b157\n1 2 1000000000000000\n").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].domain, DomainId(1 << 60));
        assert_eq!(tasks(b"1 1 3f9a0c21d4e8b157\n1 2\n").unwrap_err().line, 2);
        assert_eq!(tasks(b"1 1 3f9a0c21d4e8b15x\n").unwrap_err().line, 1);
        assert_eq!(tasks(b"1 1 3f9a0c21d4e8b157 x\n").unwrap_err().line, 1);
        // A TID listed twice (a task that moved while the file was read):
        // the last line wins.
        let t =
            tasks(b"2 2 1000000000000001\n1 1 1000000000000000\n2 2 1000000000000002\n").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].domain, DomainId((1 << 60) + 2));
    }

    #[test]
    fn creators() {
        let c = creator(b"pid 42\nuid 1000\ncomm evil\\012uid\\0400\nexe /usr/bin/a\\040b\\134c\n")
            .unwrap();
        assert_eq!(c.pid, 42);
        assert_eq!(c.uid, 1000);
        assert_eq!(c.comm, "evil\nuid 0");
        assert_eq!(c.exe, PathBuf::from("/usr/bin/a b\\c"));
        let dup = creator(b"pid 1\nuid 0\nuid 0\ncomm a\nexe /a\n").unwrap_err();
        assert_eq!(dup.line, 3);
        assert!(dup.reason.contains("duplicate"));
        assert_eq!(creator(b"pid 1\nuid 0\ncomm a\n").unwrap_err().line, 0);
        assert_eq!(
            creator(b"pid x\nuid 0\ncomm a\nexe /a\n").unwrap_err().line,
            1
        );
        assert_eq!(
            creator(b"pid 1\nuid 0\ncomm a\\9\nexe /a\n")
                .unwrap_err()
                .line,
            3
        );
        assert!(creator(b"pid 1\nuid 0\ncomm a\nexe /a\nfuture 1\n").is_ok());
        assert!(creator(b"pid 1\nuid 0\n\ncomm a\nexe /a\n").is_err());
        assert!(creator(b"pid 0\nuid 0\ncomm \nexe \n").is_ok());
    }

    /// A filesystem rule on `dev` 8:1, inode 7, allowing `access`.
    fn fs_rule(object: FsObject, quiet: bool, access: AccessFs) -> Rule {
        Rule::Fs {
            dev: (8, 1),
            ino: 7,
            object,
            quiet,
            access,
            unknown_access: vec![],
        }
    }

    #[test]
    fn rule_lines_of_every_form() {
        let path = |p: &[u8]| FsObject::Path(PathBuf::from(OsString::from_vec(p.to_vec())));
        // A named path, with each of the four escapes (and bytes that are
        // not UTF-8, which the kernel writes as they are).
        assert_eq!(
            rules(b"fs dev 8:1 ino 7 path /srv/a\\040b\\011c\\012d\\134e\xff access read_file read_dir\n"),
            Ok(vec![fs_rule(
                path(b"/srv/a b\tc\nd\\e\xff"),
                false,
                AccessFs::READ_FILE | AccessFs::READ_DIR
            )])
        );
        // Each reason, released after the numbers included.
        for u in Unnamed::ALL {
            let line = format!("fs dev 8:1 ino 7 {u} access write_file\n");
            assert_eq!(
                rules(line.as_bytes()),
                Ok(vec![fs_rule(
                    FsObject::Unnamed(u),
                    false,
                    AccessFs::WRITE_FILE
                )]),
                "{line}"
            );
        }
        // Released before the open: no numbers.
        assert_eq!(
            rules(b"fs released quiet access execute\n"),
            Ok(vec![Rule::FsReleased {
                quiet: true,
                access: AccessFs::EXECUTE,
                unknown_access: vec![]
            }])
        );
        // Network rules, the extreme ports.
        assert_eq!(
            rules(
                b"net port 0 access bind_tcp\nnet port 65535 access connect_tcp connect_send_udp\n"
            ),
            Ok(vec![
                Rule::Net {
                    port: 0,
                    quiet: false,
                    access: AccessNet::BIND_TCP,
                    unknown_access: vec![]
                },
                Rule::Net {
                    port: 65535,
                    quiet: false,
                    access: AccessNet::CONNECT_TCP | AccessNet::CONNECT_SEND_UDP,
                    unknown_access: vec![]
                }
            ])
        );
        // Quiet, with no right: the line ends with "access".
        assert_eq!(
            rules(b"fs dev 0:31 ino 2 path / quiet access\nnet port 53 quiet access\n"),
            Ok(vec![
                Rule::Fs {
                    dev: (0, 31),
                    ino: 2,
                    object: path(b"/"),
                    quiet: true,
                    access: AccessFs::empty(),
                    unknown_access: vec![]
                },
                Rule::Net {
                    port: 53,
                    quiet: true,
                    access: AccessNet::empty(),
                    unknown_access: vec![]
                }
            ])
        );
        // An empty file: the layer added no rule.
        assert_eq!(rules(b""), Ok(vec![]));
        // The largest numbers; a bit without a name; a newer kernel's right.
        let r = rules(
            b"fs dev 4294967295:4294967295 ino 18446744073709551615 deleted access execute bit40 frob_nicate\n",
        )
        .unwrap();
        assert_eq!(
            r,
            [Rule::Fs {
                dev: (u32::MAX, u32::MAX),
                ino: u64::MAX,
                object: FsObject::Unnamed(Unnamed::Deleted),
                quiet: false,
                access: AccessFs::EXECUTE | AccessFs::from_raw(1 << 40),
                unknown_access: vec!["frob_nicate".into()]
            }]
        );
        assert_eq!(r[0].access_names(), ["execute", "bit40", "frob_nicate"]);
        // The kernel's KUnit examples, whole.
        let k = rules(
            b"fs dev 8:1 ino 131073 path /usr quiet access execute read_file read_dir\n\
              fs dev 0:31 ino 2 uncached access write_file\n\
              fs released access read_file\n\
              net port 443 access bind_tcp connect_tcp\n\
              fs dev 0:31 ino 2 path /tmp/a\\040b\\012access\\040x access write_file\n",
        )
        .unwrap();
        assert_eq!(k.len(), 5);
        assert_eq!(
            k[4].path(),
            Some(std::path::Path::new("/tmp/a b\naccess x"))
        );
        // Display and the fixture's text give the lines back.
        assert_eq!(
            k[0].to_string(),
            "fs dev 8:1 ino 131073 path /usr quiet access execute read_file read_dir"
        );
        assert_eq!(k[2].to_string(), "fs released access read_file");
        assert_eq!(
            k[4].to_string(),
            r"fs dev 0:31 ino 2 path /tmp/a\040b\012access\040x access write_file"
        );
        assert_eq!(rules(&crate::fixture::rules_text(&k)), Ok(k));
    }

    #[test]
    fn rule_line_errors() {
        let acc = " access read_file\n";
        for (input, line, why) in [
            // Unknown kind or word.
            (
                "scope signal access\n".to_owned(),
                1,
                "unknown rule kind \"scope\"",
            ),
            ("FS released access\n".to_owned(), 1, "unknown rule kind"),
            (
                format!("fs released access\nfs inode 7{acc}"),
                2,
                "expected \"dev\" or \"released\"",
            ),
            (
                format!("fs dev 8:1 inode 7 path /a{acc}"),
                1,
                "expected \"ino\"",
            ),
            (
                format!("fs dev 8:1 ino 7 missing{acc}"),
                1,
                "expected \"path\" or a reason, found \"missing\"",
            ),
            (
                format!("fs dev 8:1 ino 7 Uncached{acc}"),
                1,
                "found \"Uncached\"",
            ),
            (format!("net socket 80{acc}"), 1, "expected \"port\""),
            (
                "fs released loud access\n".to_owned(),
                1,
                "expected \"quiet\" or \"access\"",
            ),
            (
                "fs released quiet quiet access\n".to_owned(),
                1,
                "expected \"access\", found \"quiet\"",
            ),
            (
                "net port 1 access quiet\n".to_owned(),
                1,
                "\"quiet\" after \"access\"",
            ),
            (
                "net port 1 access bind_tcp access\n".to_owned(),
                1,
                "\"access\" after \"access\"",
            ),
            // Missing fields, access included.
            ("fs released\n".to_owned(), 1, "missing \"access\""),
            ("fs released quiet\n".to_owned(), 1, "missing \"access\""),
            ("net port 443\n".to_owned(), 1, "missing \"access\""),
            (
                "fs dev 8:1 ino 7 path /a read_file\n".to_owned(),
                1,
                "found \"read_file\"",
            ),
            ("fs dev 8:1 ino 7 path\n".to_owned(), 1, "missing the path"),
            (
                "fs dev 8:1 ino 7\n".to_owned(),
                1,
                "missing \"path\" or why",
            ),
            ("fs dev 8:1\n".to_owned(), 1, "missing \"ino\""),
            ("fs\n".to_owned(), 1, "missing \"dev\" or \"released\""),
            ("net\n".to_owned(), 1, "missing \"port\""),
            ("\n".to_owned(), 1, "empty line"),
            // Bad devices and numbers.
            (
                format!("fs dev 8 ino 7 uncached{acc}"),
                1,
                "invalid device \"8\"",
            ),
            (
                format!("fs dev 8:1:2 ino 7 uncached{acc}"),
                1,
                "invalid device",
            ),
            (
                format!("fs dev 8:x ino 7 uncached{acc}"),
                1,
                "invalid device",
            ),
            (
                format!("fs dev :1 ino 7 uncached{acc}"),
                1,
                "invalid device",
            ),
            (
                format!("fs dev 08:1 ino 7 uncached{acc}"),
                1,
                "invalid device",
            ),
            (
                format!("fs dev -8:1 ino 7 uncached{acc}"),
                1,
                "invalid device",
            ),
            (
                format!("fs dev 4294967296:1 ino 7 uncached{acc}"),
                1,
                "invalid device",
            ),
            (
                format!("fs dev 8:1 ino 18446744073709551616 uncached{acc}"),
                1,
                "invalid inode",
            ),
            (
                format!("fs dev 8:1 ino 0x7 uncached{acc}"),
                1,
                "invalid inode",
            ),
            // Bad ports.
            (
                "net port 65536 access\n".to_owned(),
                1,
                "port 65536 out of range (0 to 65535)",
            ),
            (
                "net port 99999999999999999999999 access\n".to_owned(),
                1,
                "invalid port",
            ),
            ("net port -1 access\n".to_owned(), 1, "invalid port"),
            ("net port 0443 access\n".to_owned(), 1, "invalid port"),
            ("net port access\n".to_owned(), 1, "invalid port \"access\""),
            // Paths.
            (
                format!("fs dev 8:1 ino 7 path relative{acc}"),
                1,
                "does not start with /",
            ),
            (
                format!("fs dev 8:1 ino 7 path /a\\000{acc}"),
                1,
                "bad escape",
            ),
            (format!("fs dev 8:1 ino 7 path /a\\x{acc}"), 1, "bad escape"),
            (format!("fs dev 8:1 ino 7 path /a\tb{acc}"), 1, "unescaped"),
            (
                format!("fs dev 8:1 ino 7 path /a\0b{acc}"),
                1,
                "unescaped control",
            ),
            (
                format!("fs dev 8:1 ino 7 path /a\rb{acc}"),
                1,
                "unescaped control",
            ),
            (
                format!("fs dev 8:1 ino 7 path /a\x1b[31m{acc}"),
                1,
                "unescaped control",
            ),
            (
                format!("fs dev 8:1 ino 7 path /a\x7f{acc}"),
                1,
                "unescaped control",
            ),
            (
                format!("fs dev 8:1 ino 7 path /{}{acc}", "a".repeat(4095)),
                1,
                "longer than PATH_MAX",
            ),
            // Rights: another class's, out of order, duplicates, bad shapes.
            (
                "fs released access connect_tcp\n".to_owned(),
                1,
                "\"connect_tcp\" is not a fs access right",
            ),
            (
                "net port 1 access read_file\n".to_owned(),
                1,
                "\"read_file\" is not a net access right",
            ),
            (
                "net port 1 access signal\n".to_owned(),
                1,
                "is not a net access right",
            ),
            (
                "fs released access read_file execute\n".to_owned(),
                1,
                "out of the uapi's bit order",
            ),
            (
                "fs released access execute execute\n".to_owned(),
                1,
                "duplicate",
            ),
            (
                "fs released access bit0\n".to_owned(),
                1,
                "not a fs access right name",
            ),
            // Trailing garbage: after the rights, or in place of a field.
            (
                "net port 443 access connect_tcp ;rm\n".to_owned(),
                1,
                "not a net access right name: \";rm\"",
            ),
            (
                "net port 443 access connect_tcp X\n".to_owned(),
                1,
                "not a net access right name: \"X\"",
            ),
            (
                "net port 443 access connect_tcp\r\n".to_owned(),
                1,
                "not a net access right name",
            ),
            (
                "net port 443 extra access\n".to_owned(),
                1,
                "found \"extra\"",
            ),
            (
                "net port 443 access \n".to_owned(),
                1,
                "not a net access right name: \"\"",
            ),
            (
                "net port 443 access connect_tcp  bind_tcp\n".to_owned(),
                1,
                "not a net access right name: \"\"",
            ),
            ("net  port 443 access\n".to_owned(), 1, "empty field"),
            (
                "net port 443 access\nnet port 443 access".to_owned(),
                2,
                "newline",
            ),
        ] {
            let e = rules(input.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{input:?}: {e}");
            assert!(e.reason.contains(why), "{input:?}: {e}");
        }
    }

    #[test]
    fn every_control_character_the_kernel_escapes_decodes() {
        assert_eq!(
            unescape(b"a\\015b\\033[0m\\177\\001\\040\\134").unwrap(),
            b"a\rb\x1b[0m\x7f\x01 \\"
        );
        assert_eq!(escape(b"\r\x1b\x7f \\"), b"\\015\\033\\177\\040\\134");
        // Bytes the kernel writes as they are: an escape of one is forged.
        for bad in [&b"\\101"[..], b"\\000", b"\\200", b"\\400", b"\\01"] {
            assert!(unescape(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rule_errors_are_bounded_and_escaped() {
        // A hostile word, path or name is quoted, cut, escaped.
        for hostile in [
            format!("\x1b[2K{}\x1b", "x".repeat(100_000)),
            format!("fs dev 8:1 ino 7 path /{} access", "\x1b".repeat(50_000)),
            format!("fs released access read_file \x1b{}", "a".repeat(100_000)),
            format!("net port {} access", "9".repeat(100_000)),
            format!(
                "fs dev {}:1 ino 7 deleted access",
                "\u{202e}".repeat(20_000)
            ),
        ] {
            let e = rules(format!("{hostile}\n").as_bytes()).unwrap_err();
            assert!(e.reason.len() <= 400, "{} bytes", e.reason.len());
            assert!(!e.reason.contains('\x1b'), "{}", e.reason);
            assert_eq!(e.line, 1);
        }
        // Bytes that are not UTF-8 quote as four characters each: the
        // worst case, in every place of a line (the fuzzer found a message
        // of 420 bytes after the longest prefix).
        let bad = vec![0xc6u8; 1000];
        for (before, after) in [
            (&b"fs dev 8:1 ino 7 p"[..], &b" access"[..]),
            (b"fs dev 8:1 ino 7 path /a ", b" access"),
            (b"fs dev 8:1 ino 7 path ", b" access"),
            (b"", b" dev"),
            (b"fs ", b" access"),
            (b"fs dev ", b""),
            (b"fs dev 8:1 ", b""),
            (b"fs dev 8:1 ino ", b""),
            (b"net ", b""),
            (b"net port ", b" access"),
            (b"net port 1 ", b""),
            (b"net port 1 quiet ", b""),
            (b"fs released access ", b""),
            (b"fs released access read_file ", b""),
        ] {
            let line = [before, &bad[..], after, b"\n"].concat();
            let e = rules(&line).unwrap_err();
            assert!(
                e.reason.len() <= 400,
                "{} bytes: {}",
                e.reason.len(),
                e.reason
            );
            assert_eq!(e.line, 1);
        }
    }

    #[test]
    fn audit_id_files() {
        let max = AuditId::new(u64::MAX).unwrap();
        assert_eq!(audit_id(b"ffffffffffffffff\n"), Ok(max));
        assert_eq!(audit_id(b"1\n"), Ok(AuditId::new(1).unwrap()));
        for (bad, line) in [
            (&b""[..], 0),
            (b"\n", 1),
            (b"0\n", 1),
            (b"00000001a2b3c4d5\n", 1),
            (b"1A2B3C4D5\n", 1),
            (b"0x1a2b3c4d5\n", 1),
            (b"domain=1a2b3c4d5\n", 1),
            (b"1a2b3c4d5 \n", 1),
            (b"+1a2b3c4d5\n", 1),
            (b"10000000000000000\n", 1),
            (b"1a2b3c4d5", 1),
            (b"1a2b3c4d5\n\n", 2),
            (b"1a2b3c4d5\n1a2b3c4d5\n", 2),
        ] {
            assert_eq!(audit_id(bad).unwrap_err().line, line, "{}", quote(bad));
        }
        // Hostile input is quoted, not echoed whole.
        let mut huge = vec![b'\x1b'; 100_000];
        huge.push(b'\n');
        let e = audit_id(&huge).unwrap_err();
        assert!(e.reason.len() <= 400, "{}", e.reason.len());
        assert!(!e.reason.contains('\x1b'));
    }

    #[test]
    fn denials_files() {
        assert_eq!(denials(b"0\n"), Ok(0));
        assert_eq!(denials(b"42\n"), Ok(42));
        assert_eq!(denials(b"18446744073709551615\n"), Ok(u64::MAX));
        // Each refusal says why, on the line it concerns.
        for (bad, line, why) in [
            (&b""[..], 0, "empty file"),
            (b"\n", 1, "empty count"),
            (b"-1\n", 1, "negative"),
            (b"+1\n", 1, "sign"),
            (b"1a\n", 1, "not a decimal"),
            (b" 1\n", 1, "not a decimal"),
            (b"1 \n", 1, "not a decimal"),
            (b"0x10\n", 1, "not a decimal"),
            (b"007\n", 1, "leading zero"),
            (b"18446744073709551616\n", 1, "overflows"),
            (b"99999999999999999999\n", 1, "overflows"),
            (b"100000000000000000000\n", 1, "too long"),
            (b"7", 1, "newline"),
            (b"7\n\n", 2, "extra line"),
            (b"7\n8\n", 2, "extra line"),
        ] {
            let e = denials(bad).unwrap_err();
            assert_eq!(e.line, line, "{}", quote(bad));
            assert!(e.reason.contains(why), "{}: {}", quote(bad), e.reason);
        }
        // Hostile input is quoted, not echoed whole.
        let mut huge = vec![b'9'; 100_000];
        huge.push(b'\n');
        let e = denials(&huge).unwrap_err();
        assert!(e.reason.contains("100000 digits"), "{}", e.reason);
        assert!(e.reason.len() <= 400, "{}", e.reason.len());
        let mut huge = vec![b'\x1b'; 100_000];
        huge.push(b'\n');
        let e = denials(&huge).unwrap_err();
        assert!(e.reason.len() <= 400, "{}", e.reason.len());
        assert!(!e.reason.contains('\x1b'));
    }

    /// A snapshot of one domain with `extra` after its access lines.
    fn one_domain(extra: &str) -> Vec<u8> {
        format!("domain 3f9a0c21d4e8b157 - 1\nfs: execute\nnet:\nscope:\n{extra}").into_bytes()
    }

    #[test]
    fn snapshot_denials_lines() {
        // Present, on each domain that has one; absent: None (an older
        // kernel, or a domain freed while the snapshot was taken).
        let d = snapshot(
            b"domain 3f9a0c21d4e8b157 - 1\nfs:\nnet:\nscope:\ndenials 0\ntask 1 1\n\
              domain 8c0d5e77a1b2c3d4 3f9a0c21d4e8b157 2\nfs:\nnet:\nscope:\n\
              denials 18446744073709551615\ncreator pid 1 uid 0 comm a exe /a\n\
              domain 9000000000000000 - 1\nfs:\nnet:\nscope:\ntask 2 2\n",
        )
        .unwrap();
        let got: Vec<Option<u64>> = d.iter().map(|d| d.denials).collect();
        assert_eq!(got, [Some(0), Some(u64::MAX), None]);
        assert_eq!(d[0].tasks, [Task { tgid: 1, tid: 1 }]);
        assert!(d[1].creator.is_some());
        let old = snapshot(&one_domain("task 5 5\n")).unwrap();
        assert_eq!(old[0].denials, None);
        // Malformed values: the line and the reason.
        for (extra, why) in [
            ("denials -1\n", "negative"),
            ("denials +1\n", "sign"),
            ("denials 1x\n", "not a decimal"),
            ("denials 1 2\n", "not a decimal"),
            ("denials  1\n", "not a decimal"),
            ("denials\n", "empty count"),
            ("denials 01\n", "leading zero"),
            ("denials 18446744073709551616\n", "overflows"),
            ("denials 123456789012345678901\n", "too long"),
        ] {
            let e = snapshot(&one_domain(extra)).unwrap_err();
            assert_eq!(e.line, 5, "{extra:?}");
            assert!(e.reason.contains(why), "{extra:?}: {}", e.reason);
        }
        // Out of its place: repeated, after the creator or task lines,
        // before any domain.
        for (extra, line) in [
            ("denials 1\ndenials 1\n", 6),
            ("creator pid 1 uid 0 comm a exe /a\ndenials 1\n", 6),
            ("task 1 1\ndenials 1\n", 6),
        ] {
            let e = snapshot(&one_domain(extra)).unwrap_err();
            assert_eq!(e.line, line, "{extra:?}");
            assert!(e.reason.contains("repeated or after"), "{}", e.reason);
        }
        let e = snapshot(b"denials 1\n").unwrap_err();
        assert_eq!((e.line, e.reason.contains("before any domain")), (1, true));
        // A long hostile value is quoted, bounded.
        let e = snapshot(&one_domain(&format!(
            "denials -{}\n",
            "\u{1b}".repeat(50_000)
        )))
        .unwrap_err();
        assert!(
            e.reason.len() <= 400 && !e.reason.contains('\x1b'),
            "{}",
            e.reason.len()
        );
    }

    #[test]
    fn lsm_lists() {
        assert!(lsm_has_landlock(b"capability,landlock,yama"));
        assert!(lsm_has_landlock(b"capability,landlock\n"));
        assert!(!lsm_has_landlock(b"capability,landlocked,yama"));
    }

    proptest! {
        #[test]
        fn escape_roundtrips(s in proptest::collection::vec(any::<u8>(), 0..64)) {
            let e = escape(&s);
            prop_assert!(!e.iter().any(|&b| b == b' ' || b == b'\t' || b == b'\n'));
            prop_assert_eq!(unescape(&e).unwrap(), s);
        }

        #[test]
        fn parsers_never_panic(s in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = number(&s);
            let _ = parent(&s);
            let _ = depth(&s);
            let _ = access(&s);
            let _ = domain_tasks(&s);
            let _ = tasks(&s);
            let _ = creator(&s);
            let _ = domain_dir_name(&s);
            let _ = audit_id(&s);
            let _ = denials(&s);
            let _ = rules(&s);
        }

        #[test]
        fn denials_roundtrip(v: u64) {
            prop_assert_eq!(denials(format!("{v}\n").as_bytes()), Ok(v));
            let mut snap = one_domain(&format!("denials {v}\n"));
            snap.extend_from_slice(b"task 1 1\n");
            let d = snapshot(&snap).unwrap();
            prop_assert_eq!(d[0].denials, Some(v));
        }

        #[test]
        fn audit_ids_roundtrip(v in 1u64..) {
            let a = AuditId::new(v).unwrap();
            let text = format!("{a}\n");
            prop_assert_eq!(audit_id(text.as_bytes()), Ok(a));
            prop_assert_eq!(format!("domain={a}").parse::<AuditId>(), Ok(a));
            prop_assert_eq!(format!("{v:x}"), a.to_string());
        }

        #[test]
        fn access_roundtrips(fs: u64, net: u64, scope: u64) {
            let a = HandledAccess {
                fs: AccessFs::from_bits_retain(fs),
                net: AccessNet::from_bits_retain(net),
                scope: Scope::from_bits_retain(scope),
                ..Default::default()
            };
            let text = crate::fixture::access_text(&a);
            prop_assert_eq!(access(text.as_bytes()), Ok(a));
        }
    }
}
