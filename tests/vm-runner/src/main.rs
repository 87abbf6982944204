//! In-VM test runner for landlock-audit.
//!
//! `/init` starts it as root inside the patched kernel booted by `ci/boot`.
//! It prints one line per test (`ok - name` or `FAIL - name: reason`) and
//! ends with `vm: N passed, N failed`; it exits non-zero when a test failed.
//! Tests that sandbox themselves run in a forked child, so the runner itself
//! stays unconfined.

mod audit;
mod bench;
mod bench_scale;
mod bench_worst;
mod churn;
mod faults;
mod hostile;
mod hostile_io;
mod kmsg;
mod landlock_crate;
mod mounts;
mod notify;
mod overrides;
mod procattr;
mod procs;
mod rules;
mod scale;
mod sys;
mod table;
mod tree;
mod verify;
mod vfs;
mod watch;

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use sys::{Access, Ruleset};

/// Where the tree lives.
pub(crate) const TREE: &str = "/sys/kernel/security/landlock";

pub(crate) type TestResult = Result<(), String>;

/// Collects and prints test results.
#[derive(Default)]
struct Runner {
    passed: u32,
    failed: u32,
    skipped: u32,
}

impl Runner {
    fn run(&mut self, name: &str, test: impl FnOnce() -> TestResult) {
        // la_only=NAME[,NAME] on the kernel command line runs a subset
        // (for debugging; ci/test never sets it).
        if let Some(only) = cmdline_param("la_only") {
            if !only.split(',').any(|o| o == name) {
                return;
            }
        }
        // la_skip=NAME[,NAME] skips tests, loudly: ci/test sets it for the
        // debug kernel, where the scale tests (10^4-10^5 tasks or domains)
        // would take longer than CI allows under TCG.
        if let Some(skip) = cmdline_param("la_skip") {
            if skip.split(',').any(|o| o == name) {
                self.skipped += 1;
                println!("skip - {name} (la_skip)");
                return;
            }
        }
        tree::settle();
        match test() {
            Ok(()) => {
                self.passed += 1;
                println!("ok - {name}");
            }
            Err(e) => {
                self.failed += 1;
                println!("FAIL - {name}: {e}");
            }
        }
    }

    /// Runs `name` unless `unavailable` gives a reason not to, which is
    /// printed and counted as a skip.
    fn run_where(
        &mut self,
        name: &str,
        unavailable: impl FnOnce() -> Option<String>,
        test: impl FnOnce() -> TestResult,
    ) {
        if let Some(only) = cmdline_param("la_only") {
            if !only.split(',').any(|o| o == name) {
                return;
            }
        }
        if let Some(why) = unavailable() {
            self.skipped += 1;
            println!("skip - {name} ({why})");
            return;
        }
        self.run(name, test);
    }
}

pub(crate) fn ensure(cond: bool, msg: impl FnOnce() -> String) -> TestResult {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

pub(crate) fn read(path: &str) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}

/// The value of `key=` on the kernel command line.
pub(crate) fn cmdline_param(key: &str) -> Option<String> {
    let cmdline = fs::read_to_string("/proc/cmdline").ok()?;
    cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .map(str::to_owned)
}

pub(crate) fn expect_errno(
    what: &str,
    res: std::io::Result<impl Sized>,
    errnos: &[i32],
) -> TestResult {
    match res {
        Ok(_) => Err(format!("{what} succeeded")),
        Err(e) if errnos.contains(&e.raw_os_error().unwrap_or(0)) => Ok(()),
        Err(e) => Err(format!("{what}: unexpected error {e}")),
    }
}

fn kernel_is_ours() -> TestResult {
    let hash = cmdline_param("la_hash").ok_or("no la_hash= on the kernel command line")?;
    let release = read("/proc/sys/kernel/osrelease")?;
    let want = format!("-landlock-audit-{hash}");
    ensure(release.trim_end().ends_with(&want), || {
        format!(
            "uname -r is {:?}, expected it to end with {want:?}",
            release.trim_end()
        )
    })
}

fn landlock_is_active() -> TestResult {
    let lsm = read("/sys/kernel/security/lsm")?;
    ensure(lsm.split(',').any(|l| l.trim() == "landlock"), || {
        format!("lsm list is {lsm:?}")
    })?;
    ensure(lsm.split(',').any(|l| l.trim() == "yama"), || {
        format!("no yama in {lsm:?}")
    })
}

fn tree_exists() -> TestResult {
    let md = fs::metadata(TREE).map_err(|e| format!("{TREE}: {e}"))?;
    ensure(md.is_dir(), || format!("{TREE} is not a directory"))
}

fn version_is_1() -> TestResult {
    let v = read(&format!("{TREE}/version"))?;
    ensure(v == "1\n", || format!("version is {v:?}"))
}

fn abi_version_matches_syscall() -> TestResult {
    let file = read(&format!("{TREE}/abi_version"))?;
    let abi = sys::abi_version().map_err(|e| format!("landlock_create_ruleset(VERSION): {e}"))?;
    ensure(file == format!("{abi}\n"), || {
        format!("abi_version file says {file:?}, the syscall {abi}")
    })?;
    ensure(abi >= 11, || {
        format!("Landlock ABI {abi} is older than Linux 7.3's")
    })
}

fn files_are_read_only() -> TestResult {
    for name in ["version", "abi_version", "generation"] {
        let path = format!("{TREE}/{name}");
        let md = fs::metadata(&path).map_err(|e| format!("{path}: {e}"))?;
        ensure(md.mode() == 0o100444, || {
            format!("{path} has mode {:o}", md.mode())
        })?;
        ensure(md.uid() == 0 && md.gid() == 0, || {
            format!("{path} is not owned by root")
        })?;
        // Root's CAP_DAC_OVERRIDE would pass the mode bits: the file itself
        // must refuse.
        let w = fs::OpenOptions::new().write(true).open(&path);
        expect_errno(&format!("opening {path} for writing"), w, &[libc::EACCES])?;
        let rw = fs::OpenOptions::new().read(true).write(true).open(&path);
        expect_errno(&format!("opening {path} read-write"), rw, &[libc::EACCES])?;
        expect_errno(
            &format!("unlinking {path}"),
            fs::remove_file(&path),
            &[libc::EPERM, libc::EACCES],
        )?;
    }
    Ok(())
}

fn tree_refuses_new_entries() -> TestResult {
    let f = fs::File::create(format!("{TREE}/new"));
    expect_errno(
        "creating a file in the tree",
        f,
        &[libc::EACCES, libc::EPERM],
    )?;
    let d = fs::create_dir(format!("{TREE}/newdir"));
    expect_errno(
        "creating a directory in the tree",
        d,
        &[libc::EACCES, libc::EPERM],
    )?;
    let r = fs::rename(format!("{TREE}/version"), format!("{TREE}/v2"));
    expect_errno("renaming in the tree", r, &[libc::EACCES, libc::EPERM])?;
    ensure(read(&format!("{TREE}/version"))? == "1\n", || {
        "version changed".into()
    })
}

fn restrict_self_denies_reads() -> TestResult {
    sys::in_child(|| {
        let ruleset = Ruleset::new(Access::READ_FILE)?;
        ruleset.restrict_self()?;
        match fs::read("/proc/cmdline") {
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(()),
            Err(e) => Err(format!("unexpected error {e}")),
            Ok(_) => Err("reading a file succeeded inside a read-denying domain".into()),
        }
    })
}

fn nesting_is_limited_to_16() -> TestResult {
    sys::in_child(|| {
        for layer in 1..=16 {
            Ruleset::new(Access::MAKE_DIR)?
                .restrict_self()
                .map_err(|e| format!("layer {layer}: {e}"))?;
        }
        match Ruleset::new(Access::MAKE_DIR)?.restrict_self() {
            Err(e) if e.contains("E2BIG") || e.contains("Argument list too long") => Ok(()),
            Err(e) => Err(format!("17th layer: unexpected {e}")),
            Ok(()) => Err("a 17th layer was accepted".into()),
        }
    })
}

fn many_domains_are_created() -> TestResult {
    // 1,000 domains in 100 processes of 10 layers: the counter path runs
    // many times; the console check catches any warning it would print.
    for _ in 0..100 {
        sys::in_child(|| {
            for _ in 0..10 {
                Ruleset::new(Access::MAKE_DIR)?.restrict_self()?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn audit_keeps_upstream_ids() -> TestResult {
    // Each child creates one domain and provokes one denial.  Audit records
    // print upstream's IDs, unchanged by the tree: they ascend with creation
    // order (id.c), from 2^32, as upstream's selftests expect.
    const N: usize = 200;
    let ids = audit::collect_denial_domain_ids(N, || {
        sys::in_child(|| {
            Ruleset::new(Access::MAKE_DIR)?.restrict_self()?;
            match fs::create_dir("/tmp/denied") {
                Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(()),
                other => Err(format!("mkdir in a domain: {other:?}")),
            }
        })
    })?;
    ensure(ids.len() == N, || {
        format!("{} audit records for {N} domains", ids.len())
    })?;
    for id in &ids {
        ensure(*id > u64::from(u32::MAX), || {
            format!("ID {id:#x} is below 2^32")
        })?;
    }
    ensure(ids.windows(2).all(|w| w[1] > w[0]), || {
        "audit IDs do not ascend with creation order".into()
    })
}

/// `vm-runner sandbox N CMD [ARGS...]`: runs CMD in N nested domains (used
/// by the demo and by tests that need long-lived sandboxed processes).
fn sandbox(args: &[String]) -> ! {
    use std::os::unix::process::CommandExt;
    let layers: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or(1);
    let Some(cmd) = args.get(1) else {
        eprintln!("usage: vm-runner sandbox N CMD [ARGS...]");
        std::process::exit(2);
    };
    for layer in 0..layers {
        // Each layer handles one more right, so their access lines differ.
        let access = Access::MAKE_DIR | ((1u64 << (layer % 16)) & !Access::READ_FILE & !1);
        if let Err(e) = Ruleset::new(access).and_then(|r| r.restrict_self()) {
            eprintln!("sandbox: layer {layer}: {e}");
            std::process::exit(1);
        }
    }
    let err = std::process::Command::new(cmd).args(&args[2..]).exec();
    eprintln!("sandbox: {cmd}: {err}");
    std::process::exit(127);
}

/// `vm-runner ruled DIR SECONDS`: sleeps SECONDS in one domain with rules
/// (reading beneath DIR, connecting to port 443: see `rules::sandbox`), for
/// the demo's `domain --rules`.  It cannot exec a program: the domain
/// handles reading files, and exec reads one outside DIR.
fn ruled(args: &[String]) -> ! {
    let (Some(dir), Some(secs)) = (args.first(), args.get(1).and_then(|s| s.parse().ok())) else {
        eprintln!("usage: vm-runner ruled DIR SECONDS");
        std::process::exit(2);
    };
    if let Err(e) = rules::sandbox(dir) {
        eprintln!("ruled: {e}");
        std::process::exit(1);
    }
    std::thread::sleep(std::time::Duration::from_secs(secs));
    std::process::exit(0);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("ruled") {
        ruled(&args[2..]);
    }
    if args.get(1).map(String::as_str) == Some("sandbox") {
        sandbox(&args[2..]);
    }
    if args.get(1).map(String::as_str) == Some("bench-restrict") {
        bench::restrict_self(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(2000));
    }
    if args.get(1).map(String::as_str) == Some("churn") {
        procs::become_subreaper();
        churn::mode(&args[2..]);
    }
    if args.get(1).map(String::as_str) == Some("bench-scale") {
        bench_scale::run();
    }
    if args.get(1).map(String::as_str) == Some("bench-worst") {
        bench_worst::run();
    }
    if args.get(1).map(String::as_str) == Some("mixed") {
        // A process with one unconfined thread and one sandboxed thread.
        std::thread::spawn(|| {
            if let Err(e) = Ruleset::new(Access::MAKE_DIR).and_then(|r| r.restrict_self()) {
                eprintln!("mixed: {e}");
            }
            procs::pause_forever();
        });
        procs::pause_forever();
    }
    let mut r = Runner::default();
    println!("vm-runner: starting");
    r.run("kernel_is_ours", kernel_is_ours);
    r.run("landlock_is_active", landlock_is_active);
    r.run("tree_exists", tree_exists);
    r.run("version_is_1", version_is_1);
    r.run("abi_version_matches_syscall", abi_version_matches_syscall);
    r.run("files_are_read_only", files_are_read_only);
    r.run("tree_refuses_new_entries", tree_refuses_new_entries);
    r.run("restrict_self_denies_reads", restrict_self_denies_reads);
    r.run("nesting_is_limited_to_16", nesting_is_limited_to_16);
    r.run("many_domains_are_created", many_domains_are_created);
    r.run("audit_keeps_upstream_ids", audit_keeps_upstream_ids);
    procs::become_subreaper();
    r.run(
        "tree_lists_domains_and_tasks",
        tree::tree_lists_domains_and_tasks,
    );
    r.run(
        "nested_domains_parents_and_depths",
        tree::nested_domains_parents_and_depths,
    );
    r.run("domain_tasks_files", tree::domain_tasks_files);
    r.run("top_level_tasks_file", tree::top_level_tasks_file);
    r.run(
        "access_lines_follow_rulesets",
        tree::access_lines_follow_rulesets,
    );
    r.run(
        "ids_are_16_hex_digits_sorted",
        tree::ids_are_16_hex_digits_sorted,
    );
    r.run(
        "mixed_threads_in_two_domains",
        tree::mixed_threads_in_two_domains,
    );
    r.run(
        "threads_in_two_nested_domains",
        tree::threads_in_two_nested_domains,
    );
    r.run(
        "malformed_lookups_are_enoent",
        tree::malformed_lookups_are_enoent,
    );
    r.run("writes_are_refused", tree::writes_are_refused);
    r.run(
        "creator_shows_the_creating_process",
        tree::creator_shows_the_creating_process,
    );
    r.run(
        "creator_pid_is_zero_once_it_exited",
        tree::creator_pid_is_zero_once_it_exited,
    );
    r.run(
        "creator_escapes_crafted_names",
        tree::creator_escapes_crafted_names,
    );
    r.run(
        "creator_needs_cap_sys_ptrace_in_init_ns",
        tree::creator_needs_cap_sys_ptrace_in_init_ns,
    );
    r.run("root_sees_every_domain", tree::root_sees_every_domain);
    r.run(
        "same_uid_sees_its_own_daemons_only",
        tree::same_uid_sees_its_own_daemons_only,
    );
    r.run("other_uid_sees_nothing", tree::other_uid_sees_nothing);
    r.run(
        "other_uid_cannot_read_tasks_of_others",
        tree::other_uid_cannot_read_tasks_of_others,
    );
    r.run(
        "ptrace_daemon_under_yama_reads_everything",
        tree::ptrace_daemon_under_yama_reads_everything,
    );
    r.run(
        "sandboxed_reader_sees_children_only",
        tree::sandboxed_reader_sees_children_only,
    );
    r.run(
        "descriptor_opened_before_restrict_self",
        tree::descriptor_opened_before_restrict_self,
    );
    r.run(
        "descriptors_from_a_launcher",
        tree::descriptors_from_a_launcher,
    );
    r.run(
        "reader_in_child_pid_namespace",
        tree::reader_in_child_pid_namespace,
    );
    r.run(
        "cached_dentry_does_not_bypass_checks",
        tree::cached_dentry_does_not_bypass_checks,
    );
    r.run(
        "entry_disappears_with_the_domain",
        tree::entry_disappears_with_the_domain,
    );
    r.run(
        "parent_entry_lives_while_a_child_domain_does",
        tree::parent_entry_lives_while_a_child_domain_does,
    );
    r.run(
        "audit_id_matches_the_audit_record",
        tree::audit_id_matches_the_audit_record,
    );
    r.run(
        "denials_count_matches_the_audit_record",
        tree::denials_count_matches_the_audit_record,
    );
    r.run(
        "status_json_gives_coverage",
        tree::status_json_gives_coverage,
    );
    r.run(
        "command_tree_and_ps_show_the_daemons",
        tree::command_tree_and_ps_show_the_daemons,
    );
    r.run("attr_directory_exists", procattr::attr_directory_exists);
    r.run(
        "attr_names_the_tree_entry",
        procattr::attr_names_the_tree_entry,
    );
    r.run(
        "attr_reads_make_no_fsnotify_event",
        procattr::attr_reads_make_no_fsnotify_event,
    );
    r.run(
        "sandboxed_reader_learns_nothing_about_itself",
        procattr::sandboxed_reader_learns_nothing_about_itself,
    );
    r.run(
        "attr_needs_ptrace_read_access",
        procattr::attr_needs_ptrace_read_access,
    );
    r.run(
        "thread_domain_differs_from_the_leaders",
        procattr::thread_domain_differs_from_the_leaders,
    );
    r.run(
        "a_proc_directory_cannot_reach_a_reused_pid",
        procattr::a_proc_directory_cannot_reach_a_reused_pid,
    );
    r.run("command_domain_by_pid", procattr::command_domain_by_pid);
    r.run(
        "command_domain_rules_shows_paths_and_ports",
        rules::command_domain_rules_shows_paths_and_ports,
    );
    r.run(
        "tree_watch_wakes_on_a_new_domain",
        watch::tree_watch_wakes_on_a_new_domain,
    );
    // Needs AppArmor, which main has (the debug kernel skips it by name).
    r.run(
        "legacy_attr_files_stay_the_major_lsms",
        procattr::legacy_attr_files_stay_the_major_lsms,
    );
    r.run(
        "command_verify_holds_and_violates",
        verify::command_verify_holds_and_violates,
    );
    r.run(
        "ids_never_repeat_over_100k_domains",
        tree::ids_never_repeat_over_100k_domains,
    );
    r.run("ten_thousand_tasks", tree::ten_thousand_tasks);
    r.run(
        "landlock_crate_sandbox",
        landlock_crate::sandbox_is_in_the_tree,
    );
    r.run(
        "privileged_reader_in_child_ns_sees_only_empty_domains",
        scale::privileged_reader_in_child_ns_sees_only_empty_domains,
    );
    r.run(
        "root_sees_a_domain_and_its_empty_child",
        scale::root_sees_a_domain_and_its_empty_child,
    );
    r.run(
        "rule_two_is_evaluated_at_open",
        scale::rule_two_is_evaluated_at_open,
    );
    r.run(
        "snapshot_file_matches_the_per_domain_files",
        scale::snapshot_file_matches_the_per_domain_files,
    );
    r.run(
        "hostile_names_are_enoent",
        hostile::hostile_names_are_enoent,
    );
    r.run(
        "hostile_opens_error_or_data",
        hostile::hostile_opens_error_or_data,
    );
    r.run(
        "hostile_operations_change_nothing",
        hostile_io::hostile_operations_change_nothing,
    );
    r.run(
        "fsnotify_reports_no_domain_names",
        notify::fsnotify_reports_no_domain_names,
    );
    r.run(
        "listings_set_no_access_time",
        notify::listings_set_no_access_time,
    );
    r.run(
        "overridden_credentials_never_show_the_own_domain",
        overrides::overridden_credentials_never_show_the_own_domain,
    );
    r.run(
        "hostile_reads_match_content",
        hostile_io::hostile_reads_match_content,
    );
    r.run(
        "mounts_on_domain_directories",
        mounts::mounts_on_domain_directories,
    );
    r.run(
        "tasks_file_at_30000_tasks",
        scale::tasks_file_at_30000_tasks,
    );
    // Needs the debug kernel's fault injection; skipped loudly elsewhere.
    r.run_where(
        "allocation_failures_leave_nothing_behind",
        faults::unavailable,
        faults::fault_injection,
    );
    r.run("churn_keeps_ids_unique", churn::churn_keeps_ids_unique);
    r.run(
        "no_domain_outlives_its_references",
        scale::no_domain_outlives_its_references,
    );
    // Last: Yama's ptrace_scope=3 cannot be lowered until reboot.
    r.run(
        "ptrace_daemon_under_yama_3_cannot_attach_but_reads",
        tree::ptrace_daemon_under_yama_3_cannot_attach_but_reads,
    );
    if r.skipped > 0 {
        println!(
            "vm: {} passed, {} failed, {} skipped",
            r.passed, r.failed, r.skipped
        );
    } else {
        println!("vm: {} passed, {} failed", r.passed, r.failed);
    }
    std::process::exit(if r.failed == 0 { 0 } else { 1 });
}
