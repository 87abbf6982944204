//! Checks processes against an expectations file, without a kernel: the
//! domains and processes are built in memory, as a test or a tool working
//! on stored data would.  On a real system, read them with
//! `Domains::read()` and `procfs::processes("/proc")`.
//!
//! ```text
//! cargo run -p landlock-audit --example verify --features verify
//! ```

use landlock_audit::procfs::Process;
use landlock_audit::verify::Expectations;
use landlock_audit::{AccessFs, Domain, DomainId, Domains, HandledAccess, Task};

const EXPECTATIONS: &str = r#"
[[expect]]
name = "nginx writes nothing"
unit = "nginx.service"
sandboxed = true
handles_fs = ["write_file"]
min_processes = 1

[[expect]]
name = "workers nest two sandboxes"
exe = "/usr/lib/worker/*"
min_depth = 2
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let expectations = Expectations::from_toml(EXPECTATIONS)?;
    let id = |v: u64| DomainId::new(v).ok_or("not an ID");
    let web = Domain {
        id: id(0xa000_0000_0000_0001)?,
        parent: None,
        depth: 1,
        access: HandledAccess {
            fs: AccessFs::WRITE_FILE | AccessFs::MAKE_REG,
            ..Default::default()
        },
        tasks: vec![Task {
            tgid: 100,
            tid: 100,
        }],
        creator: None,
        denials: Some(0),
    };
    let domains = Domains::from_domains(7, vec![web])?;
    let nginx =
        Process::new(100, vec![100], false, true).with_cgroup("/system.slice/nginx.service".into());
    let mut worker = Process::new(200, vec![200, 201], false, true)
        .with_cgroup("/system.slice/worker.service".into());
    worker.exe = Some("/usr/lib/worker/run".into());
    let report = expectations.check(&domains, &[nginx, worker]);
    for r in &report.results {
        println!(
            "{}: {} ({} matched)",
            r.name,
            if r.ok { "ok" } else { "violated" },
            r.matched
        );
        for v in &r.violations {
            println!(
                "  pid {:?} tid {:?}: {} expected {}, found {}",
                v.pid, v.tid, v.property, v.expected, v.found
            );
        }
    }
    println!("all held: {}", report.ok());
    Ok(())
}
