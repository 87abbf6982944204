/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Landlock - glue between C Landlock and the Rust audit filesystem
 *
 * The tree itself (visibility policy, formatting and VFS operations) is
 * Rust (tree.rs, view.rs, domains.rs on dynfs.rs); the registry of live
 * domains is C (fs_glue.c, wrapped by registry.rs), because its entries are
 * embedded in struct landlock_hierarchy.  This header declares what Landlock calls, the
 * types the registry shares with Rust, and every C function Rust calls
 * (declared for Rust once, in glue.rs).
 */

#ifndef _SECURITY_LANDLOCK_FS_GLUE_H
#define _SECURITY_LANDLOCK_FS_GLUE_H

#include <linux/list_bl.h>
#include <linux/types.h>

struct landlock_domain;
struct landlock_hierarchy;

/**
 * struct landlock_fs_entry - A domain's entry in the tree's registry
 *
 * Embedded in &struct landlock_hierarchy, so that registering a domain
 * allocates nothing: landlock_fs_register_domain() links it into a bucket
 * of the registry and landlock_fs_unregister() unlinks it, each under that
 * bucket's bit lock.  Readers (registry.rs) copy what they need under the
 * lock, which keeps the hierarchy (and its parents and details) alive while
 * they hold it.
 */
struct landlock_fs_entry {
	/** @node: Link in a registry bucket, under that bucket's bit lock. */
	struct hlist_bl_node node;
	/**
	 * @counter: The tree's own counter value for this domain, taken by
	 * landlock_fs_register_domain() and never changed.  The tree names
	 * the domain with a keyed permutation of it (id.rs), computed only
	 * when a reader is shown the name.  Independent of
	 * &struct landlock_hierarchy.id, which audit and tracepoints print.
	 */
	u64 counter;
	/** @access: Access rights handled by this layer: fs, net, scope. */
	u32 access[3];
	/**
	 * @hint: A counted reference to the PID of a task that was in this
	 * domain or below it (rule 2's first try, see view.rs), or NULL until
	 * a reader sets one (readers then try the creator's TGID, which the
	 * details hold); under the bucket's lock.
	 */
	struct pid *hint;
};

/**
 * struct landlock_fs_info - What readers copy out of the registry
 *
 * Mirrored by registry::Info (Rust); fs_glue.c checks the layout.
 */
struct landlock_fs_info {
	/** @parent: The parent domain's counter, 0 for a root domain. */
	u64 parent;
	/**
	 * @ancestors: Counters of the domain's chain, root first; entry
	 * @depth - 1 is the domain itself.
	 */
	u64 ancestors[16];
	/** @access: Access rights handled by this layer: fs, net, scope. */
	u32 access[3];
	/** @depth: Number of layers of the domain (1 for a root domain). */
	u8 depth;
};

/**
 * struct landlock_fs_creator - The creator's details, copied for a reader
 */
struct landlock_fs_creator {
	/** @pid: TGID in the reader's PID namespace, 0 once gone. */
	s32 pid;
	/** @uid: Real UID at creation, in the initial user namespace. */
	u32 uid;
	/** @comm_len: Length of @comm. */
	u32 comm_len;
	/** @exe_len: Length of what was copied into the caller's buffer. */
	u32 exe_len;
	/** @comm: The creator's comm, not NUL-terminated. */
	char comm[16];
};

struct landlock_fs_registry;

#ifdef CONFIG_SECURITY_LANDLOCK_FS

/*
 * What Landlock calls (domain.c, syscalls.c).
 */

void landlock_fs_register_domain(const struct landlock_domain *domain);
void landlock_fs_unregister(struct landlock_hierarchy *hierarchy);

#else /* CONFIG_SECURITY_LANDLOCK_FS */

static inline void
landlock_fs_register_domain(const struct landlock_domain *domain)
{
}

static inline void
landlock_fs_unregister(struct landlock_hierarchy *hierarchy)
{
}

#endif /* CONFIG_SECURITY_LANDLOCK_FS */

/*
 * What Rust calls: fs_glue.c defines these only with
 * CONFIG_SECURITY_LANDLOCK_FS, and glue.rs declares them (and only there)
 * for the crate.  Pointers are borrowed for the call unless said otherwise.
 */

struct cred;
struct dentry;
struct dir_context;
struct file;
struct file_operations;
struct inode;
struct inode_operations;
struct pid;
struct pid_namespace;
struct task_struct;

/**
 * landlock_fs_registry_new - Allocate an empty registry
 *
 * For KUnit tests, which make their own.
 *
 * Return: The registry, or NULL.
 */
struct landlock_fs_registry *landlock_fs_registry_new(void);

/**
 * landlock_fs_registry_free - Free an empty registry
 *
 * @r: A registry from landlock_fs_registry_new(), never the global one,
 *     whose entries are all unregistered.
 */
void landlock_fs_registry_free(struct landlock_fs_registry *r);

/**
 * landlock_fs_registry_init_global - Make the kernel's registry
 *
 * @first_counter: The counter of the first domain registered from now on:
 *                 the lower bound of the tree's IDs (id.rs).
 *
 * Called once, from an initcall, before user space runs (so before any
 * domain can be created).  Domains created before (none) would not be shown.
 *
 * Return: The registry, never freed, or NULL on failure or if it exists
 * already.
 */
struct landlock_fs_registry *
landlock_fs_registry_init_global(u64 first_counter);

/**
 * landlock_fs_registry_info - Copy one entry
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @out: Where to copy it.
 *
 * Return: True if @counter's domain is registered (and copied).
 */
bool landlock_fs_registry_info(struct landlock_fs_registry *r, u64 counter,
			       struct landlock_fs_info *out);

/**
 * landlock_fs_registry_infos - Copy every entry
 *
 * @r: A registry.
 * @out: Room for @cap entries.
 * @cap: Capacity of @out.
 *
 * Copies up to @cap entries, in no particular order.  One bucket's lock is
 * held at a time, with a reschedule point between, so a copy never delays
 * a domain creation by more than one bucket's worth.  Process context.
 *
 * Return: How many entries there are: more than @cap means "call again
 * with more room".
 */
size_t landlock_fs_registry_infos(struct landlock_fs_registry *r,
				  struct landlock_fs_info *out, size_t cap);

/**
 * landlock_fs_registry_hint - Get a domain's rule-2 hint
 *
 * @r: A registry.
 * @counter: The domain's counter.
 *
 * Return: A counted reference to the PID a reader stored, else to the
 * creator's TGID (its thread-group leader, which is in the domain unless a
 * thread restricted itself alone), else NULL.
 */
struct pid *landlock_fs_registry_hint(struct landlock_fs_registry *r,
				      u64 counter);

/**
 * landlock_fs_registry_set_hint - Replace a domain's rule-2 hint
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @pid: A counted reference (given) or NULL.
 *
 * The old hint is put, or @pid if the domain is gone.
 */
void landlock_fs_registry_set_hint(struct landlock_fs_registry *r,
				   u64 counter, struct pid *pid);

/**
 * landlock_fs_registry_audit_id - Get upstream's ID of a domain
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @id: Where to store &struct landlock_hierarchy.id, as audit records and
 *      tracepoints print it.
 *
 * Return: False if there is no such domain.
 */
bool landlock_fs_registry_audit_id(struct landlock_fs_registry *r, u64 counter,
				   u64 *id);

/**
 * landlock_fs_registry_creator - Copy a domain's creator
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @ns: The reader's PID namespace.
 * @out: The creator as a reader in @ns sees it: TGID in @ns (0 once gone),
 *       real UID in the initial user namespace, comm.
 * @exe: Room for @exe_size bytes of the executable's path (truncated).
 * @exe_size: Size of @exe; landlock_fs_creator_exe_size() is enough.
 *
 * Return: 0, or -ENOENT if the domain is gone.
 */
int landlock_fs_registry_creator(struct landlock_fs_registry *r, u64 counter,
				 struct pid_namespace *ns,
				 struct landlock_fs_creator *out, char *exe,
				 size_t exe_size);

/**
 * landlock_fs_creator_exe_size - Room for any creator's executable path
 *
 * Return: LANDLOCK_PATH_MAX_SIZE, the size of the longest path (with its
 * NUL) that Landlock stores.
 */
size_t landlock_fs_creator_exe_size(void);

/**
 * landlock_fs_test_hierarchy - Register a bare test hierarchy (KUnit)
 *
 * @r: A private registry.
 * @counter: The counter of the new entry.
 * @parent: Its parent, a test hierarchy of @r, or NULL.
 *
 * Return: A hierarchy with no details and no domain, registered in @r, or
 * NULL; landlock_fs_test_hierarchy_free() unregisters and frees it.
 */
struct landlock_hierarchy *
landlock_fs_test_hierarchy(struct landlock_fs_registry *r, u64 counter,
			   struct landlock_hierarchy *parent);

/**
 * landlock_fs_test_hierarchy_free - Unregister and free a test hierarchy
 *
 * @r: The registry of @h.
 * @h: A hierarchy from landlock_fs_test_hierarchy(), whose children are
 *     freed already.
 */
void landlock_fs_test_hierarchy_free(struct landlock_fs_registry *r,
				     struct landlock_hierarchy *h);

/**
 * landlock_fs_cred_domain - Get the domain of credentials
 *
 * @cred: Credentials.
 * @depth: Where to store the domain's depth (number of layers), 0 when it
 *         has none.
 *
 * Return: The counter of @cred's domain, or 0 when it has none.
 */
u64 landlock_fs_cred_domain(const struct cred *cred, u8 *depth);

/**
 * landlock_fs_task_domain - Get the current domain of a task
 *
 * @task: A task the caller holds a reference to.
 *
 * Return: The counter of @task's domain, or 0 when it has none.
 */
u64 landlock_fs_task_domain(struct task_struct *task);

/**
 * landlock_fs_task_below - Check that a task is in a domain or below it
 *
 * @task: A task the caller holds a reference to.
 * @counter: The domain's counter.
 * @depth: The domain's depth.
 *
 * Walks at most LANDLOCK_MAX_NUM_LAYERS parents; takes no lock.
 *
 * Return: True if @task's current domain is @counter's domain or nested
 * below it.
 */
bool landlock_fs_task_below(struct task_struct *task, u64 counter, u8 depth);

/**
 * landlock_fs_task_chain - Get the counters of a task's domain chain
 *
 * @task: A task the caller holds a reference to.
 * @chain: Room for LANDLOCK_MAX_NUM_LAYERS counters, filled root first.
 *
 * Return: The chain's depth, 0 for an unsandboxed task.
 */
u8 landlock_fs_task_chain(struct task_struct *task, u64 *chain);

/**
 * landlock_fs_access_name - Name an access right
 *
 * @class: Index of the mask in &struct landlock_fs_info.access: 0 for
 *         LANDLOCK_ACCESS_FS_*, 1 for LANDLOCK_ACCESS_NET_*, 2 for
 *         LANDLOCK_SCOPE_*.
 * @bit: Index of the right's bit in that mask.
 *
 * The names are <linux/landlock.h>'s, which audit records and tracepoints
 * print too.
 *
 * Return: A static string, or NULL for a bit or class this kernel does not
 * know.
 */
const char *landlock_fs_access_name(size_t class, unsigned int bit);

/**
 * landlock_fs_current_cred - Get current_cred()
 *
 * Return: The current task's subjective credentials (no reference taken).
 */
const struct cred *landlock_fs_current_cred(void);

/**
 * landlock_fs_override_creds - Call override_creds()
 *
 * @cred: Credentials the caller keeps alive until it reverts them.
 *
 * Return: The credentials to give landlock_fs_revert_creds().
 */
const struct cred *landlock_fs_override_creds(const struct cred *cred);

/**
 * landlock_fs_revert_creds - Call revert_creds()
 *
 * @old: What the matching landlock_fs_override_creds() returned.
 */
void landlock_fs_revert_creds(const struct cred *old);

/**
 * landlock_fs_capable_ptrace - Check CAP_SYS_PTRACE
 *
 * @cred: Credentials.
 *
 * Return: True if @cred has CAP_SYS_PTRACE in the initial user namespace;
 * never audited.
 */
bool landlock_fs_capable_ptrace(const struct cred *cred);

/**
 * landlock_fs_capable_audit_read - Check CAP_AUDIT_READ
 *
 * @cred: Credentials.
 *
 * Gates upstream's domain IDs (the audit_id file).  A denial is audited like
 * any explicit capability check.
 *
 * Return: True if @cred has CAP_AUDIT_READ in the initial user namespace.
 */
bool landlock_fs_capable_audit_read(const struct cred *cred);

/**
 * landlock_fs_init_pid_ns - Get &init_pid_ns
 *
 * Return: The initial PID namespace.
 */
struct pid_namespace *landlock_fs_init_pid_ns(void);

/**
 * landlock_fs_cond_resched - Call cond_resched()
 */
void landlock_fs_cond_resched(void);

/**
 * landlock_fs_set_inode_ops - Set an inode's operations
 *
 * @inode: An inode not yet visible, or a directory whose operations are
 *         replaced before anyone looks into it.
 * @iops: Its inode operations.
 * @fops: Its file operations, or NULL to keep them.
 *
 * &struct inode.i_fop sits in an anonymous union that bindgen makes awkward
 * to write.
 */
void landlock_fs_set_inode_ops(struct inode *inode,
			       const struct inode_operations *iops,
			       const struct file_operations *fops);

/**
 * landlock_fs_dentry_name - Get a dentry's name
 *
 * @dentry: A dentry whose name is stable (as during its lookup).
 * @len: Where to store the name's length.
 *
 * Return: The name's bytes, not NUL-terminated.
 */
const unsigned char *landlock_fs_dentry_name(const struct dentry *dentry,
					     u32 *len);

/**
 * landlock_fs_lookup_rcu - Test LOOKUP_RCU
 *
 * @flags: The lookup flags &struct dentry_operations.d_revalidate gets.
 *
 * Return: True in RCU path walk, where the callee may not sleep.
 */
bool landlock_fs_lookup_rcu(unsigned int flags);

/**
 * landlock_fs_dir_emit - Call dir_emit()
 *
 * @ctx: The directory context of an iterate_shared() call.
 * @name: The entry's name.
 * @len: Its length.
 * @ino: Its inode number.
 * @type: Its type (DT_*).
 *
 * Return: False when the caller's buffer is full.
 */
bool landlock_fs_dir_emit(struct dir_context *ctx, const char *name, int len,
			  u64 ino, unsigned int type);

/**
 * landlock_fs_dir_emit_dots - Call dir_emit_dots()
 *
 * @file: The directory being read.
 * @ctx: The directory context of an iterate_shared() call on @file.
 *
 * Return: False when the caller's buffer is full.
 */
bool landlock_fs_dir_emit_dots(struct file *file, struct dir_context *ctx);

#endif /* _SECURITY_LANDLOCK_FS_GLUE_H */
