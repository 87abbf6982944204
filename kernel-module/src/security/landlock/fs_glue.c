// SPDX-License-Identifier: GPL-2.0-only
/*
 * Landlock - glue between C Landlock and the Rust audit filesystem
 *
 * Only what Rust cannot do itself: reading Landlock's private structures
 * (domains, hierarchies, credentials) and calling inline kernel functions.
 * No policy lives here.
 */

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/security.h>

#include "cred.h"
#include "domain.h"
#include "fs_glue.h"

static_assert(sizeof(struct landlock_fs_domain) == 64);

/**
 * landlock_fs_register_domain - Make a new domain visible in the tree
 *
 * @domain: A domain just created by landlock_merge_ruleset().
 *
 * Called by landlock_restrict_self() before the domain is committed.  Costs
 * one small allocation and a tree insert; no dentry or inode is created.
 *
 * Return: 0 or -ENOMEM.
 */
int landlock_fs_register_domain(const struct landlock_domain *const domain)
{
	const struct landlock_hierarchy *const hierarchy = domain->hierarchy;
	const struct access_masks masks =
		domain->handled_masks[domain->num_layers - 1];
	const struct landlock_fs_domain info = {
		.counter = hierarchy->counter,
		.parent_counter = hierarchy->parent ? hierarchy->parent->counter :
						      0,
		.fs = masks.fs,
		.net = masks.net,
		.scope = masks.scope,
		.creator_uid = hierarchy->details->uid,
		.creator_pid = hierarchy->details->pid,
		.comm = hierarchy->details->comm,
		.exe = hierarchy->details->exe_path,
		.task_pid = get_task_pid(current, PIDTYPE_PID),
	};

	return landlock_fs_insert(&info);
}

/* Helpers for Rust (declared there). */

const struct cred *landlock_fs_current_cred(void);
u64 landlock_fs_cred_domain(const struct cred *cred, u8 *depth);
u64 landlock_fs_task_domain(struct task_struct *task);
bool landlock_fs_task_below(struct task_struct *task, u64 counter, u8 depth);
struct pid_namespace *landlock_fs_init_pid_ns(void);
struct pid *landlock_fs_get_pid(struct pid *pid);
u8 landlock_fs_task_chain(struct task_struct *task, u64 *chain);
bool landlock_fs_capable_ptrace(const struct cred *cred);
const struct cred *landlock_fs_override_creds(const struct cred *cred);
void landlock_fs_revert_creds(const struct cred *old);
bool landlock_fs_dir_emit(struct dir_context *ctx, const char *name, int len,
			  u64 ino, unsigned int type);
bool landlock_fs_dir_emit_dots(struct file *file, struct dir_context *ctx);
void landlock_fs_cond_resched(void);
void landlock_fs_set_inode_ops(struct inode *inode,
			       const struct inode_operations *iops,
			       const struct file_operations *fops);
const unsigned char *landlock_fs_dentry_name(const struct dentry *dentry,
					     u32 *len);

/*
 * current_cred(), because struct task_struct is not reliably laid out by
 * bindgen.
 */
const struct cred *landlock_fs_current_cred(void)
{
	return current_cred();
}

/*
 * Returns the counter of @cred's domain and stores its depth (number of
 * layers) in @depth, or returns 0 and stores 0 when it has none.
 */
u64 landlock_fs_cred_domain(const struct cred *const cred, u8 *const depth)
{
	const struct landlock_domain *const dom = landlock_cred(cred)->domain;

	*depth = dom ? dom->num_layers : 0;
	return dom ? dom->hierarchy->counter : 0;
}

/*
 * Whether @task's current domain is the domain of @counter, whose depth is
 * @depth, or nested below it.  Walks at most LANDLOCK_MAX_NUM_LAYERS
 * parents; takes no lock.
 */
bool landlock_fs_task_below(struct task_struct *const task, const u64 counter,
			    const u8 depth)
{
	const struct landlock_domain *dom;
	const struct landlock_hierarchy *h;
	size_t up;

	if (!depth)
		return false;
	guard(rcu)();
	dom = landlock_get_task_domain(task);
	if (!dom || dom->num_layers < depth)
		return false;
	h = dom->hierarchy;
	for (up = dom->num_layers - depth; up && h; up--)
		h = h->parent;
	return h && h->counter == counter;
}

/*
 * Stores the counters of @task's domain chain in @chain, root first, and
 * returns its depth (0 for an unsandboxed task).  @chain has room for
 * LANDLOCK_MAX_NUM_LAYERS counters.
 */
u8 landlock_fs_task_chain(struct task_struct *const task, u64 *const chain)
{
	const struct landlock_domain *dom;
	const struct landlock_hierarchy *h;
	size_t i;

	guard(rcu)();
	dom = landlock_get_task_domain(task);
	if (!dom || dom->num_layers > LANDLOCK_MAX_NUM_LAYERS)
		return 0;
	h = dom->hierarchy;
	for (i = dom->num_layers; i > 0 && h; i--, h = h->parent)
		chain[i - 1] = h->counter;
	return dom->num_layers;
}

struct pid_namespace *landlock_fs_init_pid_ns(void)
{
	return &init_pid_ns;
}

/* get_pid() is inline. */
struct pid *landlock_fs_get_pid(struct pid *const pid)
{
	return get_pid(pid);
}

/* Returns the counter of @task's current domain, or 0 when it has none. */
u64 landlock_fs_task_domain(struct task_struct *const task)
{
	const struct landlock_domain *dom;

	guard(rcu)();
	dom = landlock_get_task_domain(task);
	return dom ? dom->hierarchy->counter : 0;
}

/* CAP_SYS_PTRACE in the initial user namespace, without an audit record. */
bool landlock_fs_capable_ptrace(const struct cred *const cred)
{
	return security_capable(cred, &init_user_ns, CAP_SYS_PTRACE,
				CAP_OPT_NOAUDIT) == 0;
}

const struct cred *landlock_fs_override_creds(const struct cred *const cred)
{
	return override_creds(cred);
}

void landlock_fs_revert_creds(const struct cred *const old)
{
	revert_creds(old);
}

bool landlock_fs_dir_emit(struct dir_context *const ctx,
			  const char *const name, const int len, const u64 ino,
			  const unsigned int type)
{
	return dir_emit(ctx, name, len, ino, type);
}

bool landlock_fs_dir_emit_dots(struct file *const file,
			       struct dir_context *const ctx)
{
	return dir_emit_dots(file, ctx);
}

void landlock_fs_cond_resched(void)
{
	cond_resched();
}

/*
 * i_fop sits in an anonymous union that bindgen makes awkward to write.
 * A NULL @fops keeps the inode's file operations.
 */
void landlock_fs_set_inode_ops(struct inode *const inode,
			       const struct inode_operations *const iops,
			       const struct file_operations *const fops)
{
	inode->i_op = iops;
	if (fops)
		inode->i_fop = fops;
}

const unsigned char *landlock_fs_dentry_name(const struct dentry *const dentry,
					     u32 *const len)
{
	*len = dentry->d_name.len;
	return dentry->d_name.name;
}
