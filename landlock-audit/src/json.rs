//! The JSON documents of the `landlock-audit` command (schema version 1).
//!
//! They are a public interface: fields are only ever added within a schema
//! version, and arrays are sorted (domains by ID, tasks by TGID then TID,
//! processes by PID).  `Documentation/schemas/` has a JSON Schema (draft
//! 2020-12) of each document the command prints; the command's tests
//! validate every document they read against it.
//!
//! ```
//! use landlock_audit::json::{ProcessCounts, Status};
//!
//! let s = Status::new(6, 2, ProcessCounts { total: 4, sandboxed: 1, mixed: 1, ratio: 0.25 });
//! let text = serde_json::to_string(&s).unwrap();
//! assert_eq!(text, r#"{"version":1,"abi_version":6,"domains":2,"processes":{"total":4,"sandboxed":1,"mixed":1,"ratio":0.25}}"#);
//! assert_eq!(serde_json::from_str::<Status>(&text).unwrap(), s);
//! ```

use serde::{Deserialize, Serialize};

use crate::cgroup::Container;
use crate::domains::{Coverage, ProcessState};
use crate::types::{Domain, DomainId, Rule};

/// The schema version of every document.
pub const VERSION: u32 = 1;

/// Process counts of `status --json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProcessCounts {
    /// Processes in `/proc` (the command leaves its own process out).
    pub total: u64,
    /// Processes all of whose threads run in visible domains.
    pub sandboxed: u64,
    /// Processes only some of whose threads do.
    pub mixed: u64,
    /// `sandboxed / judged`, in `[0, 1]`: the judged processes are all but
    /// kernel threads and the processes the reader may not inspect (see
    /// [`Coverage::judged`]); 0 when no process is judged.
    pub ratio: f64,
}

impl From<Coverage> for ProcessCounts {
    fn from(c: Coverage) -> Self {
        Self {
            total: c.total,
            sandboxed: c.sandboxed,
            mixed: c.mixed,
            ratio: c.ratio(),
        }
    }
}

/// `status --json` (and `metrics --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Schema version ([`VERSION`]).
    pub version: u32,
    /// Landlock's ABI version.
    pub abi_version: u32,
    /// Number of visible domains.
    pub domains: usize,
    /// Process counts.
    pub processes: ProcessCounts,
}

impl Status {
    /// A version-1 document.
    pub fn new(abi_version: u32, domains: usize, processes: ProcessCounts) -> Self {
        Self {
            version: VERSION,
            abi_version,
            domains,
            processes,
        }
    }
}

/// `tree --json` and `domain <id> --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainList {
    /// Schema version ([`VERSION`]).
    pub version: u32,
    /// The domains, sorted by ID.
    pub domains: Vec<Domain>,
}

impl DomainList {
    /// A version-1 document.
    pub fn new(domains: Vec<Domain>) -> Self {
        Self {
            version: VERSION,
            domains,
        }
    }
}

/// One domain of `domain <id> --rules --json`: the fields of a
/// [`Domain`] and `rules`, the rules of its own layer in the kernel's
/// order (see [`Rule`] for each rule's form).
///
/// ```
/// use landlock_audit::json::{DomainRulesList, DomainWithRules};
/// use landlock_audit::{parse, Domain, DomainId, HandledAccess};
///
/// let domain = Domain { id: DomainId::MIN, parent: None, depth: 1, access: HandledAccess::default(),
///                       tasks: vec![], creator: None, denials: None };
/// let rules = parse::rules(b"fs dev 8:1 ino 12 path /usr access execute\nnet port 53 quiet access\n")?;
/// let doc = DomainRulesList::new(vec![DomainWithRules { domain, rules }]);
/// let text = serde_json::to_string(&doc)?;
/// assert!(text.ends_with(r#""denials":null,"rules":[{"kind":"fs","dev":{"major":8,"minor":1},"ino":12,"path":"/usr","reason":null,"quiet":false,"access":["execute"]},{"kind":"net","port":53,"quiet":true,"access":[]}]}]}"#), "{text}");
/// assert_eq!(serde_json::from_str::<DomainRulesList>(&text)?, doc);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainWithRules {
    /// The domain, as in [`DomainList`].
    #[serde(flatten)]
    pub domain: Domain,
    /// The rules of its own layer (`domains/<id>/rules`).
    pub rules: Vec<Rule>,
}

/// `domain <id> --rules --json`: [`DomainList`] whose domain also has its
/// `rules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRulesList {
    /// Schema version ([`VERSION`]).
    pub version: u32,
    /// The domains, sorted by ID, with their rules.
    pub domains: Vec<DomainWithRules>,
}

impl DomainRulesList {
    /// A version-1 document.
    pub fn new(domains: Vec<DomainWithRules>) -> Self {
        Self {
            version: VERSION,
            domains,
        }
    }
}

/// One process of `ps --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsProcess {
    /// Its PID.
    pub pid: u32,
    /// Its command name (empty when unreadable); bytes that are not UTF-8
    /// appear as U+FFFD, and then `comm_bytes` holds the exact bytes.
    pub comm: String,
    /// The exact bytes of `comm` when they are not UTF-8, else `None` (and
    /// absent from the JSON document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm_bytes: Option<Vec<u8>>,
    /// The domains its threads run in, sorted; empty when unconfined.
    pub domains: Vec<DomainId>,
    /// Its state (`sandboxed`, `mixed`, `unconfined`, `unknown`,
    /// `kernel_thread`); absent only in documents of older commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ProcessState>,
    /// Its effective UID, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Its executable, when readable; lossy as `comm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    /// The exact bytes of `exe` when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe_bytes: Option<Vec<u8>>,
    /// Its systemd unit ([`crate::cgroup::unit`]), `null` outside any.
    #[serde(default)]
    pub unit: Option<String>,
    /// Its cgroup v2 path, `null` when unreadable; bytes that are not
    /// UTF-8 appear as U+FFFD, and then `cgroup_bytes` holds the exact
    /// bytes.
    #[serde(default)]
    pub cgroup: Option<String>,
    /// The exact bytes of `cgroup` when they are not UTF-8, else `None`
    /// (and absent from the JSON document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup_bytes: Option<Vec<u8>>,
    /// The container its unit names ([`crate::cgroup::container`]).
    #[serde(default)]
    pub container: Option<Container>,
}

/// `ps --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ps {
    /// Schema version ([`VERSION`]).
    pub version: u32,
    /// Every process, sorted by PID.
    pub processes: Vec<PsProcess>,
}

impl Ps {
    /// A version-1 document.
    pub fn new(processes: Vec<PsProcess>) -> Self {
        Self {
            version: VERSION,
            processes,
        }
    }
}

impl PsProcess {
    /// A process whose command name is the bytes `comm`.
    pub fn new(pid: u32, comm: &[u8], domains: Vec<DomainId>) -> Self {
        let (comm, comm_bytes) = crate::types::text_and_bytes(comm);
        Self {
            pid,
            comm,
            comm_bytes,
            domains,
            state: None,
            uid: None,
            exe: None,
            exe_bytes: None,
            unit: None,
            cgroup: None,
            cgroup_bytes: None,
            container: None,
        }
    }

    /// The same process with its state, UID and executable.
    pub fn with_details(
        mut self,
        state: ProcessState,
        uid: Option<u32>,
        exe: Option<&std::path::Path>,
    ) -> Self {
        use std::os::unix::ffi::OsStrExt;
        self.state = Some(state);
        self.uid = uid;
        if let Some(e) = exe {
            let (exe, exe_bytes) = crate::types::text_and_bytes(e.as_os_str().as_bytes());
            self.exe = Some(exe);
            self.exe_bytes = exe_bytes;
        }
        self
    }

    /// Sets the cgroup v2 path and the unit and container it names.
    pub fn with_cgroup(mut self, path: &std::path::Path) -> Self {
        use std::os::unix::ffi::OsStrExt;
        self.unit = crate::cgroup::unit(path);
        self.container = self.unit.as_deref().and_then(crate::cgroup::container);
        let (text, bytes) = crate::types::text_and_bytes(path.as_os_str().as_bytes());
        self.cgroup = Some(text);
        self.cgroup_bytes = bytes;
        self
    }
}
