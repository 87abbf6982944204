//! Prometheus text exposition (format 0.0.4) and the atomic file write that
//! node_exporter's textfile collector needs.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Escapes a label value: backslash, double quote and newline become `\\`,
/// `\"` and `\n`, as the exposition format requires.
pub fn label_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a `# HELP` text: backslash and newline.
fn help_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A text exposition being built: one family (HELP, TYPE, samples) at a time.
#[derive(Debug, Default)]
pub struct Exposition(String);

impl Exposition {
    /// Adds a gauge family with its samples: `(labels, value)`.
    pub fn gauge(&mut self, name: &str, help: &str, samples: &[(&[(&str, &str)], String)]) {
        self.family(name, "gauge", help, samples);
    }

    /// Adds a counter family with its samples: `(labels, value)`.  `name`
    /// ends with `_total`, as the exposition format's conventions want.
    pub fn counter(&mut self, name: &str, help: &str, samples: &[(&[(&str, &str)], String)]) {
        debug_assert!(name.ends_with("_total"), "{name}");
        self.family(name, "counter", help, samples);
    }

    /// Adds a family of type `kind` with its samples.
    fn family(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        samples: &[(&[(&str, &str)], String)],
    ) {
        let _ = writeln!(self.0, "# HELP {name} {}", help_text(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
        for (labels, value) in samples {
            self.0.push_str(name);
            if !labels.is_empty() {
                self.0.push('{');
                for (i, (k, v)) in labels.iter().enumerate() {
                    if i > 0 {
                        self.0.push(',');
                    }
                    let _ = write!(self.0, "{k}=\"{}\"", label_value(v));
                }
                self.0.push('}');
            }
            let _ = writeln!(self.0, " {value}");
        }
    }

    /// A gauge with one unlabelled sample.
    pub fn single(&mut self, name: &str, help: &str, value: impl ToString) {
        self.gauge(name, help, &[(&[], value.to_string())]);
    }

    /// The text.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

/// The most bytes read of a previous exposition file.
const PREVIOUS_MAX: u64 = 1 << 20;

/// The value of the unlabelled sample `name` in the exposition file at
/// `path` (the file about to be replaced), if it has a finite one.  The file
/// is opened without following a symbolic link or blocking, accepted only
/// as a regular file, and read up to 1 MiB.
pub fn previous_sample(path: &Path, name: &str) -> Option<f64> {
    use std::io::Read;
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    f.take(PREVIOUS_MAX).read_to_string(&mut text).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Why [`replaceable`] refuses a path.
#[derive(Debug)]
pub enum NotReplaceable {
    /// Something that is not a regular file is there (its type).
    Type(fs::FileType),
    /// Its metadata cannot be read.
    Io(io::Error),
}

/// Whether [`write_atomically`] may replace `path`: nothing there, or a
/// regular file (a symbolic link is not followed, and refused).
pub fn replaceable(path: &Path) -> Result<(), NotReplaceable> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) => Err(NotReplaceable::Type(m.file_type())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(NotReplaceable::Io(e)),
    }
}

/// Replaces `path` with `data` atomically: writes a temporary file in the
/// same directory (named `.<name>.<pid>-<nanos>.tmp`, which the textfile
/// collector ignores since it reads only `*.prom`), fsyncs it, makes it
/// mode 0644, renames it over `path` (only when nothing or a regular file is
/// there, see [`replaceable`]) and fsyncs the directory.  Readers see
/// either the old or the new file, never a partial one.
pub fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(
        ".{}.{}-{nanos}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    // create_new: O_EXCL, so a symlink planted at the name is not followed.
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)?;
    let res = (|| {
        f.write_all(data)?;
        // The umask may have removed read bits node_exporter needs.
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        f.sync_all()?;
        // Checked before too: this narrows the window in which something
        // else than a regular file could appear at the name.
        if let Err(NotReplaceable::Type(_)) = replaceable(path) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "not a regular file: refusing to replace it",
            ));
        }
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_help_are_escaped() {
        assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        let mut e = Exposition::default();
        e.gauge(
            "x_up",
            "Up.\nReally \\ up.",
            &[(&[("error", "a\"b")], "0".into())],
        );
        assert_eq!(
            String::from_utf8(e.into_bytes()).unwrap(),
            "# HELP x_up Up.\\nReally \\\\ up.\n# TYPE x_up gauge\nx_up{error=\"a\\\"b\"} 0\n"
        );
    }

    #[test]
    fn counters_have_their_type() {
        let mut e = Exposition::default();
        e.counter(
            "x_denials_total",
            "Denials.",
            &[(&[("domain", "1000000000000001")], "3".into())],
        );
        assert_eq!(
            String::from_utf8(e.into_bytes()).unwrap(),
            "# HELP x_denials_total Denials.\n# TYPE x_denials_total counter\n\
             x_denials_total{domain=\"1000000000000001\"} 3\n"
        );
    }
}
