/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Landlock - domain introspection: what the Rust tree calls
 *
 * The tree itself (visibility policy, formatting and VFS operations) is Rust
 * (tree.rs, view.rs, domains.rs on kernel::fs::dynfs); the registry of live
 * domains is C (introspect.c, wrapped by registry.rs), because its entries
 * are embedded in struct landlock_hierarchy.  This header declares the types
 * the registry shares with Rust and every C function Rust calls (declared
 * for Rust once, in glue.rs).
 */

#ifndef _SECURITY_LANDLOCK_INTROSPECT_API_H
#define _SECURITY_LANDLOCK_INTROSPECT_API_H

#include <linux/types.h>

#include "introspect.h"

struct landlock_introspect_registry;

/**
 * struct landlock_introspect_info - What readers copy out of the registry
 *
 * Mirrored by registry::Info (Rust); introspect.c checks the layout.
 */
struct landlock_introspect_info {
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
 * struct landlock_introspect_creator - The creator's details, copied for a
 * reader
 */
struct landlock_introspect_creator {
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

/*
 * What Rust calls: introspect.c defines these only with
 * CONFIG_SECURITY_LANDLOCK_INTROSPECTION, and glue.rs declares them (and only
 * there) for the crate.  Pointers are borrowed for the call unless said
 * otherwise.
 */

struct landlock_introspect_walk;
struct pid_namespace;

/**
 * landlock_introspect_registry_new - Allocate an empty registry
 *
 * For KUnit tests, which make their own.
 *
 * Return: The registry, or NULL.
 */
struct landlock_introspect_registry *landlock_introspect_registry_new(void);

/**
 * landlock_introspect_registry_free - Free an empty registry
 *
 * @r: A registry from landlock_introspect_registry_new(), never the global one,
 *     whose entries are all unregistered.
 */
void landlock_introspect_registry_free(struct landlock_introspect_registry *r);

/**
 * landlock_introspect_registry_init_global - Make the kernel's registry
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
struct landlock_introspect_registry *
landlock_introspect_registry_init_global(u64 first_counter);

/**
 * landlock_introspect_registry_info - Copy one entry
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @out: Where to copy it.
 *
 * Return: True if @counter's domain is registered (and copied).
 */
bool landlock_introspect_registry_info(struct landlock_introspect_registry *r,
				       u64 counter,
				       struct landlock_introspect_info *out);

/**
 * landlock_introspect_registry_infos - Copy every entry
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
size_t
landlock_introspect_registry_infos(struct landlock_introspect_registry *r,
				   struct landlock_introspect_info *out,
				   size_t cap);

/**
 * landlock_introspect_walk_alloc - Allocate a walk not begun yet
 *
 * A walk visits every task in a domain (and optionally in the domains
 * nested below it), a batch at a time (landlock_introspect_walk_next()),
 * through the task index: its cost is the subtree's, never the system's.
 * It holds references to the hierarchies it is in and to its cursor task,
 * never a lock between two calls.  It is allocated before the domain is
 * looked up (landlock_introspect_walk_begin()), so that an allocation
 * failure cannot tell a live domain from a gone one.  Process context.
 *
 * Return: The walk (memory charged to the caller), or NULL.
 */
struct landlock_introspect_walk *landlock_introspect_walk_alloc(void);

/**
 * landlock_introspect_walk_begin - Begin an allocated walk
 *
 * @w: A walk from landlock_introspect_walk_alloc(), not begun yet.
 * @r: A registry.
 * @counter: The domain's counter.
 * @subtree: Whether to walk the tasks of the domains nested below it too.
 *
 * Looks the domain up and takes a reference to it.
 *
 * Return: True if the domain is live: @w is then ended with
 * landlock_introspect_walk_end(); false if it is gone: @w is unchanged,
 * freed with landlock_introspect_walk_free() or begun again.
 */
bool landlock_introspect_walk_begin(struct landlock_introspect_walk *w,
				    struct landlock_introspect_registry *r,
				    u64 counter, bool subtree);

/**
 * landlock_introspect_walk_free - Free a walk that was not begun
 *
 * @w: A walk from landlock_introspect_walk_alloc(), not begun.
 */
void landlock_introspect_walk_free(struct landlock_introspect_walk *w);

/**
 * landlock_introspect_walk_next - Get the next tasks of a walk
 *
 * @w: A walk.
 * @out: Room for LANDLOCK_INTROSPECT_WALK_BATCH tasks.
 *
 * The walk keeps its place in a list with a cursor entry of its own,
 * which other walkers skip, so tasks that move or go meanwhile do not
 * disturb it: each task linked during the whole walk is given once (a
 * task that moved into a nested domain not walked yet may be given again
 * there).
 *
 * Return: How many tasks were stored in @out, each with a reference the
 * caller puts; 0 once the walk is over.
 */
size_t landlock_introspect_walk_next(struct landlock_introspect_walk *w,
				     struct task_struct **out);

/**
 * landlock_introspect_walk_end - End a walk
 *
 * @w: A walk begun by landlock_introspect_walk_begin().
 *
 * Puts what the walk holds and frees it.  Process context.
 *
 * Return: False if the walk could not visit every task (a chain deeper than
 * Landlock allows, which cannot happen), so that "no task" cannot be
 * concluded from it.
 */
bool landlock_introspect_walk_end(struct landlock_introspect_walk *w);

/* Tasks per landlock_introspect_walk_next() batch. */
#define LANDLOCK_INTROSPECT_WALK_BATCH 16

/**
 * landlock_introspect_test_events - Read a count of changes (KUnit)
 *
 * @h: A test hierarchy, or NULL for the count of unsandboxed readers.
 *
 * Return: The count landlock_introspect_generation() reads for a reader in
 * @h (or for an unsandboxed reader).
 */
u64 landlock_introspect_test_events(struct landlock_hierarchy *h);

/**
 * landlock_introspect_test_task - Make a test entry of the task index (KUnit)
 *
 * @h: A test hierarchy (landlock_introspect_test_hierarchy()) to link it in, or
 *     NULL.
 *
 * Return: An index entry for the current task, not its blob, linked in
 * @h, or NULL; landlock_introspect_test_task_free() unlinks and frees it.
 */
struct landlock_introspect_task *
landlock_introspect_test_task(struct landlock_hierarchy *h);

/**
 * landlock_introspect_test_task_move - Move a test entry of the task index
 * (KUnit)
 *
 * @t: An entry from landlock_introspect_test_task().
 * @to: The test hierarchy to move it to, or NULL.
 */
void landlock_introspect_test_task_move(struct landlock_introspect_task *t,
					struct landlock_hierarchy *to);

/**
 * landlock_introspect_test_unregistered_free - Free a never-registered child
 * (KUnit)
 *
 * @parent: A test hierarchy.
 *
 * Makes a zeroed hierarchy under @parent and unregisters and frees it, as
 * landlock_merge_ruleset()'s error paths do.
 *
 * Return: False if it could not be allocated.
 */
bool
landlock_introspect_test_unregistered_free(struct landlock_hierarchy *parent);

/**
 * landlock_introspect_test_task_free - Unlink and free a test entry (KUnit)
 *
 * @t: An entry from landlock_introspect_test_task().
 */
void landlock_introspect_test_task_free(struct landlock_introspect_task *t);

/**
 * landlock_introspect_registry_log - Get what upstream logs of a domain
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @id: Where to store &struct landlock_hierarchy.id, as audit records and
 *      tracepoints print it.
 * @denials: Where to store &struct landlock_hierarchy.num_denials: the
 *           access requests this domain denied as the youngest denying
 *           layer, logged or not (as audit's domain deallocation record
 *           counts them).
 *
 * Return: False if there is no such domain.
 */
bool landlock_introspect_registry_log(struct landlock_introspect_registry *r,
				      u64 counter, u64 *id, u64 *denials);

/**
 * landlock_introspect_registry_creator - Copy a domain's creator
 *
 * @r: A registry.
 * @counter: The domain's counter.
 * @ns: The reader's PID namespace.
 * @out: The creator as a reader in @ns sees it: TGID in @ns (0 once gone),
 *       real UID in the initial user namespace, comm.
 * @exe: Room for @exe_size bytes of the executable's path (truncated).
 * @exe_size: Size of @exe; landlock_introspect_creator_exe_size() is enough.
 *
 * Copies nothing under the registry's lock: it takes a reference to the
 * hierarchy there (none if it is being freed), copies after releasing the
 * lock, and puts the reference.  Process context (the put may free the
 * hierarchy).
 *
 * Return: 0, or -ENOENT if the domain is gone.
 */
int landlock_introspect_registry_creator(struct landlock_introspect_registry *r,
					 u64 counter, struct pid_namespace *ns,
					 struct landlock_introspect_creator *out,
					 char *exe, size_t exe_size);

/**
 * landlock_introspect_creator_exe_size - Room for any creator's executable path
 *
 * Return: LANDLOCK_PATH_MAX_SIZE, the size of the longest path (with its
 * NUL) that Landlock stores.
 */
size_t landlock_introspect_creator_exe_size(void);

/**
 * landlock_introspect_test_hierarchy - Register a bare test hierarchy (KUnit)
 *
 * @r: A private registry.
 * @counter: The counter of the new entry.
 * @parent: Its parent, a test hierarchy of @r, or NULL.
 *
 * Return: A hierarchy with no details and no domain, registered in @r, or
 * NULL; landlock_introspect_test_hierarchy_free() unregisters and frees it.
 * Its upstream ID is @counter % 991 and its count of denials @counter % 997,
 * made-up values that tell test hierarchies apart.
 */
struct landlock_hierarchy *
landlock_introspect_test_hierarchy(struct landlock_introspect_registry *r,
				   u64 counter,
				   struct landlock_hierarchy *parent);

/**
 * landlock_introspect_test_hierarchy_free - Unregister and free a test
 * hierarchy
 *
 * @r: The registry of @h.
 * @h: A hierarchy from landlock_introspect_test_hierarchy(), whose children are
 *     freed already.
 */
void
landlock_introspect_test_hierarchy_free(struct landlock_introspect_registry *r,
					struct landlock_hierarchy *h);

/**
 * landlock_introspect_cred_domain - Get the domain of credentials
 *
 * @cred: Credentials.
 * @depth: Where to store the domain's depth (number of layers), 0 when it
 *         has none.
 *
 * Return: The counter of @cred's domain, or 0 when it has none.
 */
u64 landlock_introspect_cred_domain(const struct cred *cred, u8 *depth);

/**
 * landlock_introspect_current_objective_domain - Get the current task's own
 * domain
 *
 * @depth: Where to store the domain's depth, 0 when it has none.
 *
 * The domain of current_real_cred(): the task's own sandbox, which an
 * override of its subjective credentials (an io_uring personality,
 * overlayfs's mounter credentials) does not change.
 *
 * Return: The domain's counter, or 0 when it has none.
 */
u64 landlock_introspect_current_objective_domain(u8 *depth);

/**
 * landlock_introspect_task_domain - Get the current domain of a task
 *
 * @task: A task the caller holds a reference to.
 *
 * Return: The counter of @task's domain, or 0 when it has none.
 */
u64 landlock_introspect_task_domain(struct task_struct *task);

/**
 * landlock_introspect_task_chain - Get a task's domain chain
 *
 * @task: A task the caller holds a reference to.
 * @chain: Room for LANDLOCK_MAX_NUM_LAYERS counters, filled root first.
 * @access: NULL, or room for LANDLOCK_MAX_NUM_LAYERS times the three masks
 *          of &struct landlock_introspect_entry.access, filled root first.
 *
 * Reads the task's credentials under RCU; takes no lock.
 *
 * Return: The chain's depth, 0 for an unsandboxed task.
 */
u8 landlock_introspect_task_chain(struct task_struct *task, u64 *chain,
				  u32 *access);

/**
 * landlock_introspect_access_name - Name an access right
 *
 * @class: Index of the mask in &struct landlock_introspect_info.access: 0 for
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
const char *landlock_introspect_access_name(size_t class, unsigned int bit);

/*
 * Wake-up queues of the generation file's pollers (introspect.c,
 * generation.rs), plus one for unsandboxed readers.
 */
#define LANDLOCK_INTROSPECT_WAKE_BUCKETS 256

/**
 * landlock_introspect_generation - Count the changes of a reader's view
 *
 * @opener: The credentials a generation file was opened with.
 * @view: Where to store what the reader sees below: the counter of the
 *        deepest domain, 0 for an unsandboxed reader, U64_MAX when the
 *        reader's domains are unrelated (it sees no domain).
 * @wake_bucket: Where to store the queue (0 to
 *               LANDLOCK_INTROSPECT_WAKE_BUCKETS) whose pollers are woken
 *               after a change of this count.
 *
 * The reader is @opener together with the current task's subjective and
 * objective credentials, as for every read of the tree: it sees the domains
 * strictly below all three domains (rule 1).  Counted changes are a domain
 * appearing or ending and a task entering or leaving a domain, while a
 * generation file is open; each counts for the readers in the domain's
 * strict ancestors and for unsandboxed readers, so nothing a reader may not
 * see by rule 1 changes what it reads.  Takes no lock; at most
 * 3 * LANDLOCK_MAX_NUM_LAYERS pointer reads.
 *
 * Return: The count of @view (0 when the domains are unrelated).
 */
u64 landlock_introspect_generation(const struct cred *opener, u64 *view,
				   u32 *wake_bucket);

/**
 * landlock_introspect_generation_queues - Count the wake-up queues
 *
 * Return: How many queues landlock_introspect_generation() and the
 * wake-ups name: LANDLOCK_INTROSPECT_WAKE_BUCKETS keyed ones and the
 * unsandboxed readers' one.
 */
size_t landlock_introspect_generation_queues(void);

/**
 * landlock_introspect_generation_open - Count an open generation file
 *
 * Changes are counted only while generation files are open.  The caller
 * reads landlock_introspect_generation() after this: a change it does not
 * see is counted.
 */
void landlock_introspect_generation_open(void);

/**
 * landlock_introspect_generation_close - Uncount an open generation file
 *
 * Once per landlock_introspect_generation_open(), when the file is released.
 */
void landlock_introspect_generation_close(void);

/**
 * landlock_introspect_current_cred - Get current_cred()
 *
 * Return: The current task's subjective credentials (no reference taken).
 */
const struct cred *landlock_introspect_current_cred(void);

/**
 * landlock_introspect_current_real_cred - Get current_real_cred()
 *
 * Return: The current task's objective credentials (no reference taken).
 */
const struct cred *landlock_introspect_current_real_cred(void);

/* The rules file (rules.rs). */

/**
 * struct landlock_introspect_rule - One rule of a domain's own layer
 */
struct landlock_introspect_rule {
	/**
	 * @rule: The rule (&struct landlock_rule), opaque to the caller, valid
	 * while it holds the domain.
	 */
	const void *rule;
	/** @ino: The inode's number (filesystem rules, unless released). */
	u64 ino;
	/** @dev_major: The major number of the inode's superblock's device. */
	u32 dev_major;
	/** @dev_minor: Its minor number. */
	u32 dev_minor;
	/** @access: The access rights this layer allows for the object. */
	u32 access;
	/** @port: The port, in host byte order (network rules). */
	u16 port;
	/**
	 * @type: %LANDLOCK_RULE_PATH_BENEATH or %LANDLOCK_RULE_NET_PORT.
	 */
	u8 type;
	/**
	 * @flags: %LANDLOCK_INTROSPECT_RULE_QUIET: the rule was added with
	 * %LANDLOCK_ADD_RULE_QUIET; %LANDLOCK_INTROSPECT_RULE_RELEASED: the
	 * inode's filesystem was unmounted, the kernel knows it no more.
	 */
	u8 flags;
};

#define LANDLOCK_INTROSPECT_RULE_QUIET BIT(0)
#define LANDLOCK_INTROSPECT_RULE_RELEASED BIT(1)

/*
 * Why landlock_introspect_rule_path() named nothing: the inode's filesystem
 * was unmounted (its object released), no dentry of the inode is cached,
 * its cached dentry is unlinked, no mount under the reader's root shows it,
 * or the path is longer than the buffer.
 */
#define LANDLOCK_INTROSPECT_PATH_RELEASED 1
#define LANDLOCK_INTROSPECT_PATH_UNCACHED 2
#define LANDLOCK_INTROSPECT_PATH_DELETED 3
#define LANDLOCK_INTROSPECT_PATH_UNREACHABLE 4
#define LANDLOCK_INTROSPECT_PATH_TOO_LONG 5

struct landlock_introspect_mounts;

/**
 * landlock_introspect_registry_domain - Take a reference to a domain
 *
 * @r: The registry.
 * @counter: The domain's counter.
 * @level: Where to store the domain's depth, the level of its own layer.
 *
 * Return: The domain registered under @counter, with a reference the caller
 * puts with landlock_introspect_domain_put(); NULL if no credential holds
 * it any more (it may stay in the tree as the ancestor of live domains,
 * whose domains hold its layer: see landlock_introspect_task_domain_below())
 * or it is not in @r.
 */
struct landlock_domain *
landlock_introspect_registry_domain(struct landlock_introspect_registry *r,
				    u64 counter, u32 *level);

/**
 * landlock_introspect_task_domain_below - Take a reference to a task's domain
 *
 * @task: A task the caller holds.
 * @counter: The counter of a domain at or above the task's.
 * @level: Where to store the level of that domain's layer in the task's.
 *
 * A domain holds the layers of all its ancestors, as they were merged: the
 * rules of an ancestor whose own domain was freed are those of the layer at
 * its depth in any of its descendants.
 *
 * Return: The task's domain, with a reference the caller puts with
 * landlock_introspect_domain_put(), if the domain of @counter is in its
 * chain; NULL otherwise.
 */
struct landlock_domain *
landlock_introspect_task_domain_below(struct task_struct *task, u64 counter,
				      u32 *level);

/**
 * landlock_introspect_domain_put - Put a reference to a domain
 *
 * @domain: A domain from landlock_introspect_registry_domain().
 *
 * The last reference is put from a workqueue, as credentials put theirs: the
 * free of the domain and of its hierarchy (audit record, tracepoint) never
 * runs in a reader's context.
 */
void landlock_introspect_domain_put(struct landlock_domain *domain);

/**
 * landlock_introspect_domain_rules - List the rules of one layer of a domain
 *
 * @domain: A domain the caller holds.
 * @level: The layer, from 1 (the outermost) to the domain's depth (its own).
 * @out: Where to store the first @cap rules, in the trees' order.
 * @cap: The capacity of @out (0: only count them).
 *
 * The rules are those with a layer at @level, with the rights that layer's
 * ruleset handled and allowed (a layer stores the unhandled ones as allowed
 * too).  A domain's rules never change.  Takes each stored filesystem rule's
 * object lock to read its inode's numbers.  Visits every rule of the domain
 * (all layers), and may sleep between two.
 *
 * Return: How many rules the layer has (more than @cap: the rest were not
 * stored).
 */
size_t landlock_introspect_domain_rules(const struct landlock_domain *domain,
					u32 level,
					struct landlock_introspect_rule *out,
					size_t cap);

/**
 * landlock_introspect_mounts_collect - Collect the mounts a reader sees
 *
 * Takes references to the current task's root and to every mount below it
 * in its mount namespace (collect_paths()), sorted by superblock, so that
 * landlock_introspect_rule_path() can name inodes relative to that root.
 * The references keep those superblocks alive: the caller drops them with
 * landlock_introspect_mounts_free() before it returns to user space, so a
 * reader never holds a mount across system calls.
 *
 * Return: The collection, or NULL when memory ran out.
 */
struct landlock_introspect_mounts *landlock_introspect_mounts_collect(void);

/**
 * landlock_introspect_mounts_free - Drop a collection of mounts
 *
 * @m: A collection from landlock_introspect_mounts_collect().
 */
void landlock_introspect_mounts_free(struct landlock_introspect_mounts *m);

/**
 * landlock_introspect_rule_path - Name a filesystem rule's inode
 *
 * @m: The reader's mounts.
 * @rule: A filesystem rule of a domain the caller holds.
 * @buf: Where to write the path.
 * @size: The size of @buf.
 * @start: Where to store the offset of the path in @buf (it ends with a NUL
 *         at @buf[@size - 1]).
 *
 * Names the inode by a cached dentry of it, through the first mount in @m of
 * its superblock under which that dentry is, relative to the reader's root
 * (__d_path()).  Best effort: an inode has no name while no dentry of it is
 * cached, and a hard-linked file has several; the caller says so.
 *
 * Return: 0 with the path in @buf, or one of the LANDLOCK_INTROSPECT_PATH_*
 * reasons.
 */
int landlock_introspect_rule_path(const struct landlock_introspect_mounts *m,
				  const struct landlock_introspect_rule *rule,
				  char *buf, size_t size, size_t *start);

#endif /* _SECURITY_LANDLOCK_INTROSPECT_API_H */
