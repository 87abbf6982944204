//! Interop with the `landlock` crate (rust-landlock, from crates.io): a
//! sandbox built by a real Landlock client, not by our raw system calls,
//! is found in the tree with exactly the rights it handles.

use landlock::{
    AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetStatus,
    Scope, ABI,
};
use landlock_audit::{Domains, Task};

use crate::procs::Daemon;
use crate::{ensure, TestResult};

/// The outer layer's rights: five file-system rights (not `refer`), two
/// network rights and both scopes.
fn outer_fs() -> BitFlags<AccessFs> {
    AccessFs::Execute
        | AccessFs::ReadFile
        | AccessFs::ReadDir
        | AccessFs::MakeDir
        | AccessFs::Truncate
}
fn outer_net() -> BitFlags<AccessNet> {
    AccessNet::BindTcp | AccessNet::ConnectTcp
}
fn outer_scope() -> BitFlags<Scope> {
    Scope::AbstractUnixSocket | Scope::Signal
}
/// The inner layer's: one file-system right, nothing else.
fn inner_fs() -> BitFlags<AccessFs> {
    AccessFs::MakeReg.into()
}

/// Restricts the calling process with the `landlock` crate: every right
/// must be enforced (`HardRequirement`, `FullyEnforced`).
fn restrict(
    fs: BitFlags<AccessFs>,
    net: BitFlags<AccessNet>,
    scope: BitFlags<Scope>,
) -> Result<(), String> {
    let mut r = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(fs)
        .map_err(|e| format!("handle_access(fs): {e}"))?;
    if !net.is_empty() {
        r = r
            .handle_access(net)
            .map_err(|e| format!("handle_access(net): {e}"))?;
    }
    if !scope.is_empty() {
        r = r.scope(scope).map_err(|e| format!("scope: {e}"))?;
    }
    let status = r
        .create()
        .map_err(|e| format!("create: {e}"))?
        .restrict_self()
        .map_err(|e| format!("restrict_self: {e}"))?;
    ensure(status.ruleset == RulesetStatus::FullyEnforced, || {
        format!("ruleset {:?}", status.ruleset)
    })
}

/// A child restricts itself twice with the `landlock` crate (outer: five
/// fs rights, bind/connect TCP, both scopes; inner: make_reg); the parent
/// then finds, with `Domains::read()`, exactly two new domains: the inner
/// one, the process's only domain, nested in the outer one (depth 2 and
/// 1, the runner being unconfined), each handling exactly its layer's
/// rights plus `refer` on the fs line (Landlock adds it to every layer
/// that handles a file-system right), compared both as bits (the crate's
/// uapi values) and as names (the ABI's); the inner domain's only task is
/// the child, the outer has none; and `creator` names the child.
pub fn sandbox_is_in_the_tree() -> TestResult {
    let abi = crate::sys::abi_version().map_err(|e| format!("Landlock ABI: {e}"))?;
    ensure(abi >= ABI::V6 as i64, || {
        format!("the kernel's Landlock ABI {abi} has no scopes")
    })?;
    let before: Vec<_> = Domains::read()
        .map_err(|e| format!("Domains::read: {e}"))?
        .iter()
        .map(|d| d.id)
        .collect();
    let daemon = Daemon::spawn(|| {
        restrict(outer_fs(), outer_net(), outer_scope())?;
        restrict(inner_fs(), BitFlags::empty(), BitFlags::empty())
    })?;
    let pid = daemon.pid as u32;
    let d = Domains::read().map_err(|e| format!("Domains::read: {e}"))?;
    let new: Vec<_> = d.iter().filter(|x| !before.contains(&x.id)).collect();
    ensure(new.len() == 2, || {
        format!("{} new domains, not 2", new.len())
    })?;

    let mine = d.domains_of_process(pid);
    ensure(mine.len() == 1, || {
        format!("the child is in {} domains", mine.len())
    })?;
    let inner = mine[0];
    let outer_id = inner.parent.ok_or("the inner domain has no parent")?;
    let outer = d
        .get(outer_id)
        .ok_or("the outer domain is not in the tree")?;
    ensure(new.iter().any(|x| x.id == outer.id), || {
        "the parent is not the other new domain".into()
    })?;
    ensure(
        outer.parent.is_none() && outer.depth == 1 && inner.depth == 2,
        || {
            format!(
                "outer parent {:?} depth {}, inner depth {}",
                outer.parent, outer.depth, inner.depth
            )
        },
    )?;

    let refer: BitFlags<AccessFs> = AccessFs::Refer.into();
    for (what, dom, fs, net, scope) in [
        (
            "outer",
            outer,
            outer_fs() | refer,
            outer_net(),
            outer_scope(),
        ),
        (
            "inner",
            inner,
            inner_fs() | refer,
            BitFlags::empty(),
            BitFlags::empty(),
        ),
    ] {
        let a = &dom.access;
        ensure(
            a.fs.bits() == fs.bits()
                && a.net.bits() == net.bits()
                && a.scope.bits() == scope.bits(),
            || {
                format!(
                    "{what}: tree has fs {:#x} net {:#x} scope {:#x}, the crate handled \
                     fs {:#x} net {:#x} scope {:#x}",
                    a.fs.bits(),
                    a.net.bits(),
                    a.scope.bits(),
                    fs.bits(),
                    net.bits(),
                    scope.bits()
                )
            },
        )?;
    }
    use landlock_audit::AccessNames;
    let names = |dom: &landlock_audit::Domain| {
        (
            dom.access.fs.names(),
            dom.access.net.names(),
            dom.access.scope.names(),
        )
    };
    let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    ensure(
        names(outer)
            == (
                strs(&[
                    "execute",
                    "read_file",
                    "read_dir",
                    "make_dir",
                    "refer",
                    "truncate",
                ]),
                strs(&["bind_tcp", "connect_tcp"]),
                strs(&["abstract_unix_socket", "signal"]),
            ),
        || format!("outer names {:?}", names(outer)),
    )?;
    ensure(
        names(inner) == (strs(&["make_reg", "refer"]), vec![], vec![]),
        || format!("inner names {:?}", names(inner)),
    )?;

    ensure(
        inner.tasks
            == [Task {
                tgid: pid,
                tid: pid,
            }],
        || format!("inner tasks {:?}, expected only {pid}", inner.tasks),
    )?;
    ensure(outer.tasks.is_empty(), || {
        format!("outer tasks {:?}", outer.tasks)
    })?;
    for dom in [outer, inner] {
        let c = dom.creator.as_ref().ok_or("creator unreadable as root")?;
        ensure(c.pid == pid, || {
            format!("creator pid {} is not the child {pid}", c.pid)
        })?;
    }
    drop(daemon);
    Ok(())
}
