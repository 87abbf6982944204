//! Escaping of the bytes other users control (command names, executable
//! paths, paths) in the command's text output and its messages.
//!
//! Text output escapes, as `\ooo` (three octal digits per byte, the style of
//! the tree's `creator` file and of `/proc/<pid>/mountinfo`): space,
//! backslash, every control character (C0, DEL and the C1 range U+0080 to
//! U+009F, each byte of its UTF-8 encoding), the Unicode line and paragraph
//! separators, every format character (category Cf: bidirectional controls,
//! zero-width characters such as U+200B and U+FEFF, tags), and every byte
//! that is not part of valid UTF-8.  Everything else (printable ASCII and printable Unicode) is
//! shown as it is.  A crafted name therefore cannot start a new line, move
//! the cursor, erase a line, reorder what follows it or pass for two columns.

/// Whether `c` is a format character (Unicode general category Cf, as of
/// Unicode 15.1): invisible characters such as U+200B ZERO WIDTH SPACE and
/// U+FEFF, the bidirectional marks, embeddings, overrides and isolates, and
/// the tag characters.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// Whether `c` must be escaped in a text field.
fn needs_escape(c: char, space: bool) -> bool {
    (space && c == ' ')
        || c.is_control()
        || is_format(c)
        // Line and paragraph separators.
        || matches!(c, '\u{2028}' | '\u{2029}')
}

fn push_octal(out: &mut String, b: u8) {
    out.push('\\');
    out.push(char::from(b'0' + (b >> 6)));
    out.push(char::from(b'0' + ((b >> 3) & 7)));
    out.push(char::from(b'0' + (b & 7)));
}

fn escape_with(s: &[u8], space: bool, backslash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            if needs_escape(c, space) || (backslash && c == '\\') {
                let mut buf = [0u8; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    push_octal(&mut out, b);
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            push_octal(&mut out, b);
        }
    }
    out
}

/// `s` escaped for one field of a text line (see the module's comment).
pub fn field(s: &[u8]) -> String {
    escape_with(s, true, true)
}

/// A message for stderr with its control characters escaped.  Spaces and
/// backslashes are kept: messages are prose, and the library already quotes
/// the bytes it shows; this only guarantees that a message is one line that
/// cannot drive the terminal.
pub fn message(s: &str) -> String {
    escape_with(s.as_bytes(), false, false)
}

/// A name written by a user (an expectation's name) inside prose: as
/// [`message`], and its backslashes escaped too, so that a name cannot
/// pass for an escape sequence; spaces are kept.
pub fn name(s: &str) -> String {
    escape_with(s.as_bytes(), false, true)
}

/// How a column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Numbers.
    Right,
    /// Text.
    Left,
}

/// A column of a [`Table`]: its header and alignment.
pub type Column = (&'static str, Align);

/// A table whose columns are as wide as their widest cell, separated by two
/// spaces; the last column is not padded (so a long name there overflows
/// nothing), as `ps` and `lsns` print.  Cells must already be escaped.
#[derive(Debug)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[Column]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row: one cell per column.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Writes the header and the rows.
    pub fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let width = |s: &str| s.chars().count();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .map(|r| width(&r[i]))
                    .chain([width(h)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let header: Vec<String> = self.columns.iter().map(|(h, _)| (*h).to_owned()).collect();
        let mut line = String::new();
        for row in std::iter::once(&header).chain(&self.rows) {
            line.clear();
            let last = row.len().saturating_sub(1);
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i].saturating_sub(width(cell));
                if i > 0 {
                    line.push_str("  ");
                }
                if self.columns[i].1 == Align::Right {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i < last {
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(field(b"nginx"), "nginx");
        assert_eq!(field(b"a b\\c"), "a\\040b\\134c");
        assert_eq!(
            field(b"evil\n    1062"),
            "evil\\012\\040\\040\\040\\0401062"
        );
        assert_eq!(field(b"\x1b[1A\x1b[2K"), "\\033[1A\\033[2K");
        assert_eq!(field(b"\x7f\t\r"), "\\177\\011\\015");
        // Not UTF-8: each bad byte.
        assert_eq!(field(b"x\xff\xc3"), "x\\377\\303");
        // C1 CSI (U+009B) and a right-to-left override.
        assert_eq!(field("a\u{9b}b".as_bytes()), "a\\302\\233b");
        assert_eq!(field("\u{202e}x".as_bytes()), "\\342\\200\\256x");
        // Invisible format characters (Cf).
        assert_eq!(
            field("a\u{200b}b\u{feff}".as_bytes()),
            "a\\342\\200\\213b\\357\\273\\277"
        );
        assert_eq!(
            field("\u{ad}\u{e0041}".as_bytes()),
            "\\302\\255\\363\\240\\201\\201"
        );
        assert_eq!(name("a b\\c\u{200b}"), "a b\\134c\\342\\200\\213");
        // Printable Unicode stays.
        assert_eq!(field("café/日本".as_bytes()), "café/日本");
    }

    #[test]
    fn tables_align_and_leave_the_last_column_unpadded() {
        let mut t = Table::new(&[
            ("PID", Align::Right),
            ("STATE", Align::Left),
            ("COMM", Align::Left),
        ]);
        t.push(vec!["1".into(), "unconfined".into(), "init".into()]);
        t.push(vec![
            "4242".into(),
            "mixed".into(),
            "a-very-long-command-name".into(),
        ]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            " PID  STATE       COMM\n   1  unconfined  init\n4242  mixed       a-very-long-command-name\n"
        );
    }

    #[test]
    fn messages() {
        assert_eq!(message("a b\\c"), "a b\\c");
        assert_eq!(message("line\nforged\x1b[2K"), "line\\012forged\\033[2K");
    }
}
