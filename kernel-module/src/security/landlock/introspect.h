/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Landlock - domain introspection: what Landlock's C code calls
 *
 * The registry of live domains and the task index (introspect.c) are
 * embedded in struct landlock_hierarchy and in Landlock's task blob; this
 * header declares them and the hooks that maintain them.  What the Rust
 * side of the tree calls is in introspect_api.h.
 */

#ifndef _SECURITY_LANDLOCK_INTROSPECT_H
#define _SECURITY_LANDLOCK_INTROSPECT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct cred;
struct landlock_domain;
struct landlock_hierarchy;
struct task_struct;

/**
 * struct landlock_introspect_entry - A domain's entry in the tree's registry
 *
 * Embedded in &struct landlock_hierarchy, so that registering a domain
 * allocates nothing: landlock_introspect_register_domain() links it into a
 * bucket of the registry and landlock_introspect_unregister() unlinks it, each
 * under that bucket's spinlock.  Readers (registry.rs) copy a few words under
 * the lock, which keeps the hierarchy (and its parents and details) alive while
 * they hold it, or take a reference to the hierarchy there and do anything
 * longer after releasing it.
 */
struct landlock_introspect_entry {
	/** @node: Link in a registry bucket, under that bucket's lock. */
	struct hlist_node node;
	/**
	 * @counter: The tree's own counter value for this domain, taken by
	 * landlock_introspect_register_domain() and never changed.  The tree
	 * names the domain with a keyed permutation of it (id.rs), computed
	 * only when a reader is shown the name.  Independent of &struct
	 * landlock_hierarchy.id, which audit and tracepoints print.
	 */
	u64 counter;
	/** @access: Access rights handled by this layer: fs, net, scope. */
	u32 access[3];
	/**
	 * @bucket: The registry bucket of @counter, set when it is linked
	 * there, so that unlinking needs no hash.
	 */
	u16 bucket;
	/**
	 * @wake_bucket: The queue where the pollers of the tree's generation
	 * file whose view is below this domain wait: a keyed hash of
	 * @counter, set with @bucket.
	 */
	u16 wake_bucket;
	/**
	 * @lock: Protects @tasks, @children and the @sibling links of the
	 * children.  Taken with interrupts off (a task's last reference may
	 * be put from any context), for one insertion or removal, or for a
	 * reader to take references to at most LANDLOCK_INTROSPECT_WALK_BATCH
	 * tasks or one child: never across a check, an allocation or a walk.
	 * It also protects @domain, for one domain reference at a time.
	 */
	spinlock_t lock;
	/**
	 * @tasks: The tasks whose domain this is (&struct
	 * landlock_introspect_task.node): the domain's task index, which
	 * answers "is there a task the reader may trace in this domain or below
	 * it" by visiting that subtree's tasks only.
	 */
	struct list_head tasks;
	/** @children: The child domains' entries (their @sibling). */
	struct list_head children;
	/** @sibling: Link in the parent's @children. */
	struct list_head sibling;
	/**
	 * @events: How many times the view of a reader in this domain
	 * changed while a generation file was open: a strict descendant
	 * appeared or ended, or a task entered or left one.  Only ever
	 * incremented (any context).
	 */
	atomic64_t events;
	/**
	 * @domain: The domain of this hierarchy while a credential holds it,
	 * for the rules file: set by landlock_introspect_register_domain() and
	 * cleared under @lock by landlock_introspect_forget_domain() once the
	 * domain's usage is 0, before its memory is reused, so that a reader
	 * who holds @lock and finds it may try to take a reference (one, and
	 * nothing else, under @lock).
	 */
	struct landlock_domain *domain;
	/**
	 * @put_work: Puts a reader's last reference to the hierarchy from a
	 * workqueue, as upstream frees domains, so that the free (its audit
	 * record and tracepoint) never runs in a reader's context.
	 */
	struct work_struct put_work;
};

/**
 * struct landlock_introspect_task - A task's place in the task index
 *
 * Landlock's task security blob, only with
 * CONFIG_SECURITY_LANDLOCK_INTROSPECTION.  Linked into the &struct
 * landlock_introspect_entry.tasks of its domain by the task_alloc hook, moved
 * by landlock_introspect_task_move() right before the commit_creds() that
 * changes the domain (landlock_restrict_self() and thread-sync), and unlinked
 * by the task_free hook.  A linked task's credentials reference the hierarchy
 * whose list holds it (from the move on, the credentials about to be committed
 * do), so that hierarchy is alive while the task is linked, without a reference
 * of its own.
 */
struct landlock_introspect_task {
	/** @node: Link in @in's &struct landlock_introspect_entry.tasks. */
	struct list_head node;
	/**
	 * @in: The hierarchy whose list holds @node, or NULL (no domain, or
	 * the initial task, whose blob is never set up).  Written under @in's
	 * lock by the task itself (moves) or at its allocation and free;
	 * read under the lock of the hierarchy a reader walks.
	 */
	struct landlock_hierarchy *in;
	/**
	 * @task: The task whose blob this is; NULL for a walk's cursor, which
	 * walkers skip.
	 */
	struct task_struct *task;
};

#ifdef CONFIG_SECURITY_LANDLOCK_INTROSPECTION

/*
 * What Landlock calls (domain.c, syscalls.c, tsync.c, setup.c).
 */

void landlock_introspect_register_domain(struct landlock_domain *domain);
void landlock_introspect_forget_domain(struct landlock_domain *domain);
void landlock_introspect_unregister(struct landlock_hierarchy *hierarchy);
void landlock_introspect_task_move(const struct cred *new);
void __init landlock_introspect_add_task_hooks(void);

#define LANDLOCK_INTROSPECT_TASK_BLOB_SIZE \
	sizeof(struct landlock_introspect_task)

#else /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION */

static inline void
landlock_introspect_register_domain(struct landlock_domain *domain)
{
}

static inline void
landlock_introspect_forget_domain(struct landlock_domain *domain)
{
}

static inline void
landlock_introspect_unregister(struct landlock_hierarchy *hierarchy)
{
}

static inline void landlock_introspect_task_move(const struct cred *new)
{
}

static inline void landlock_introspect_add_task_hooks(void)
{
}

#define LANDLOCK_INTROSPECT_TASK_BLOB_SIZE 0

#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION */

#endif /* _SECURITY_LANDLOCK_INTROSPECT_H */
