// SPDX-License-Identifier: GPL-2.0-only
/*
 * Landlock - glue between C Landlock and the Rust audit filesystem
 *
 * What Rust cannot do itself: reading Landlock's private structures
 * (domains, hierarchies, credentials), calling inline kernel functions and
 * macros, naming access rights with the kernel's own names, and the
 * registry of live domains, whose entries are embedded in struct
 * landlock_hierarchy (registering a domain allocates nothing).  fs_glue.h
 * documents each function Rust calls.  No policy lives here: it is in
 * view.rs.
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/list_bl.h>
#include <linux/string.h>
#include <linux/fs.h>
#include <linux/landlock.h>
#include <linux/namei.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/seq_file.h>

#include "common.h"
#include "cred.h"
#include "domain.h"
#include "fs_glue.h"
#include "limits.h"

/*
 * The tree shows each domain's creator and upstream ID, which exist only with
 * Landlock's logging code (Kconfig makes SECURITY_LANDLOCK_FS select it).
 */
static_assert(IS_ENABLED(CONFIG_SECURITY_LANDLOCK_LOG));

/*
 * The layouts that registry.rs mirrors (registry::Info and RawCreator),
 * which checks the same numbers on its side: a length that differs from
 * the kernel's (LANDLOCK_MAX_NUM_LAYERS, TASK_COMM_LEN) fails the build here,
 * and a Rust mirror that differs from these numbers fails it there.
 */
static_assert(sizeof(struct landlock_fs_info) == 152);
static_assert(offsetof(struct landlock_fs_info, ancestors) == 8);
static_assert(offsetof(struct landlock_fs_info, access) == 136);
static_assert(offsetof(struct landlock_fs_info, depth) == 148);
static_assert(ARRAY_SIZE(((struct landlock_fs_info *)NULL)->ancestors) ==
	      LANDLOCK_MAX_NUM_LAYERS);
static_assert(sizeof(struct landlock_fs_creator) == 32);
static_assert(offsetof(struct landlock_fs_creator, comm) == 16);
static_assert(sizeof_field(struct landlock_fs_creator, comm) == TASK_COMM_LEN);

#define LANDLOCK_FS_BUCKET_BITS 10

/**
 * struct landlock_fs_registry - The live domains, by counter
 *
 * Counters are handed out in sequence, so their low bits spread the domains
 * evenly over the buckets, and a domain being created and one being freed
 * (from a workqueue, on another CPU) almost never share a bucket's lock.
 */
struct landlock_fs_registry {
	/**
	 * @buckets: Entries (&struct landlock_fs_entry.node) by counter.  Each
	 * bucket's bit lock protects its list and the @hint of its entries.  A
	 * hierarchy leaves its bucket under that lock before it is freed, so a
	 * holder may read the hierarchies it finds there, their parents (which
	 * a child keeps alive) and their details.  Taken in process context
	 * only, for one insertion, removal or lookup, or to copy one bucket:
	 * never across an allocation, a task walk or any formatting.
	 */
	struct hlist_bl_head buckets[1 << LANDLOCK_FS_BUCKET_BITS];
};

/* The kernel's registry, set once by landlock_fs_registry_init_global(). */
static struct landlock_fs_registry *landlock_fs_global;

/*
 * The next &struct landlock_fs_entry.counter.  Set once, before any domain
 * can exist, by landlock_fs_registry_init_global() to the lower bound of the
 * tree's IDs (2^60, id.rs's ID_MIN, which Rust passes), from where it would
 * need 15 * 2^60 domains to wrap.  Only ever advanced afterwards, so every
 * value names one domain until reboot.
 */
static atomic64_t landlock_fs_next_counter = ATOMIC64_INIT(0);

#ifdef CONFIG_SECURITY_LANDLOCK_FS_DEBUG
/*
 * The first &struct landlock_fs_entry.counter, set with
 * @landlock_fs_next_counter (and before @landlock_fs_global is published)
 * and never changed: the lower bound the debugfs self-check enforces.
 */
static u64 landlock_fs_first_counter;
#endif /* CONFIG_SECURITY_LANDLOCK_FS_DEBUG */

static struct hlist_bl_head *bucket_of(struct landlock_fs_registry *const r,
				       const u64 counter)
{
	return &r->buckets[counter & ((1 << LANDLOCK_FS_BUCKET_BITS) - 1)];
}

/* Called with the lock of @head, @counter's bucket, held. */
static struct landlock_hierarchy *find(struct hlist_bl_head *const head,
				       const u64 counter)
{
	struct landlock_hierarchy *h;
	struct hlist_bl_node *pos;

	hlist_bl_for_each_entry(h, pos, head, fs.node) {
		if (h->fs.counter == counter)
			return h;
	}
	return NULL;
}

/* Called with the lock of @h's bucket held. */
static void fill(const struct landlock_hierarchy *const h,
		 struct landlock_fs_info *const out)
{
	const struct landlock_hierarchy *a;
	size_t depth = 0, i;

	for (a = h; a && depth < LANDLOCK_MAX_NUM_LAYERS; a = a->parent)
		depth++;
	out->depth = depth;
	out->parent = h->parent ? h->parent->fs.counter : 0;
	for (a = h, i = depth; i > 0; i--, a = a->parent)
		out->ancestors[i - 1] = a->fs.counter;
	for (i = depth; i < LANDLOCK_MAX_NUM_LAYERS; i++)
		out->ancestors[i] = 0;
	memcpy(out->access, h->fs.access, sizeof(out->access));
}

static void registry_insert(struct landlock_fs_registry *const r,
			    struct landlock_hierarchy *const h)
{
	struct hlist_bl_head *const head = bucket_of(r, h->fs.counter);

	hlist_bl_lock(head);
	hlist_bl_add_head(&h->fs.node, head);
	hlist_bl_unlock(head);
}

static void registry_remove(struct landlock_fs_registry *const r,
			    struct landlock_hierarchy *const h)
{
	struct hlist_bl_head *const head = bucket_of(r, h->fs.counter);
	struct pid *hint;

	hlist_bl_lock(head);
	if (!hlist_bl_unhashed(&h->fs.node))
		hlist_bl_del_init(&h->fs.node);
	hint = h->fs.hint;
	h->fs.hint = NULL;
	hlist_bl_unlock(head);
	if (hint)
		put_pid(hint);
}

/**
 * landlock_fs_register_domain - Make a new domain visible in the tree
 *
 * @domain: A domain just created by landlock_merge_ruleset().
 *
 * Called by landlock_restrict_self() before the domain is committed.  Costs
 * one atomic add (the tree's counter), a copy of the layer's access masks
 * and a list insertion under a bucket's bit lock: no allocation, no
 * reference, no dentry or inode.
 */
void landlock_fs_register_domain(const struct landlock_domain *const domain)
{
	struct landlock_hierarchy *const hierarchy = domain->hierarchy;
	const struct access_masks masks =
		domain->handled_masks[domain->num_layers - 1];
	struct landlock_fs_registry *r;

	/* Pairs with cmpxchg_release() in landlock_fs_registry_init_global(). */
	r = smp_load_acquire(&landlock_fs_global);

	hierarchy->fs.counter =
		atomic64_fetch_inc_relaxed(&landlock_fs_next_counter);
	hierarchy->fs.access[0] = masks.fs;
	hierarchy->fs.access[1] = masks.net;
	hierarchy->fs.access[2] = masks.scope;
	if (r)
		registry_insert(r, hierarchy);
}

/**
 * landlock_fs_unregister - Remove a domain from the tree
 *
 * @hierarchy: A hierarchy about to be freed (its usage is 0).
 *
 * Called by landlock_put_hierarchy() before it frees the hierarchy's
 * details and the hierarchy; puts the rule-2 hint.
 */
void landlock_fs_unregister(struct landlock_hierarchy *const hierarchy)
{
	struct landlock_fs_registry *r;

	/* Pairs with cmpxchg_release() in landlock_fs_registry_init_global(). */
	r = smp_load_acquire(&landlock_fs_global);
	if (r)
		registry_remove(r, hierarchy);
}

/* Registry operations for Rust (registry.rs; documented in fs_glue.h). */

struct landlock_fs_registry *landlock_fs_registry_new(void)
{
	/* Zeroed buckets are empty and unlocked. */
	return kvzalloc(sizeof(struct landlock_fs_registry), GFP_KERNEL);
}

void landlock_fs_registry_free(struct landlock_fs_registry *const r)
{
	kvfree(r);
}

struct landlock_fs_registry *
landlock_fs_registry_init_global(const u64 first_counter)
{
	struct landlock_fs_registry *r;

	/*
	 * Once only: a second registry would split the entries in two, and
	 * the counter must never go back.
	 */
	if (READ_ONCE(landlock_fs_global))
		return NULL;
	r = landlock_fs_registry_new();
	if (!r)
		return NULL;
#ifdef CONFIG_SECURITY_LANDLOCK_FS_DEBUG
	landlock_fs_first_counter = first_counter;
#endif /* CONFIG_SECURITY_LANDLOCK_FS_DEBUG */
	atomic64_set(&landlock_fs_next_counter, first_counter);
	if (cmpxchg_release(&landlock_fs_global, NULL, r)) {
		landlock_fs_registry_free(r);
		return NULL;
	}
	return r;
}

#if IS_ENABLED(CONFIG_SECURITY_LANDLOCK_FS_DEBUG) || \
	IS_ENABLED(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)

/*
 * The registry's self-check: /sys/kernel/debug/landlock/registry (with
 * CONFIG_SECURITY_LANDLOCK_FS_DEBUG, for tests: the in-VM fault-injection
 * test reads it after every injected failure), proven by KUnit below to
 * count each inconsistency it looks for.  A walk holds one bucket's lock at
 * a time and only counts; the counts are printed once all locks are
 * released, and name no domain.
 */

/* What one walk found; every field but @entries and @dying is an error. */
struct registry_check {
	size_t entries;
	/* Entries whose hierarchy's usage is 0: being freed, still linked. */
	size_t dying;
	size_t wrong_bucket;
	size_t out_of_range;
	/* Pairs of entries with the same counter. */
	size_t duplicate;
	/* An ancestor (which the entry keeps alive) is not registered. */
	size_t orphan;
	size_t too_deep;
};

/* Called with the lock of @head, @h's bucket, held. */
static void check_entry(struct landlock_fs_registry *const r,
			struct hlist_bl_head *const head,
			const struct landlock_hierarchy *const h,
			const u64 first, const u64 next,
			struct registry_check *const c)
{
	const struct landlock_hierarchy *a, *o;
	struct hlist_bl_node *pos;
	size_t depth = 0;

	c->entries++;
	if (!refcount_read(&h->usage))
		c->dying++;
	if (bucket_of(r, h->fs.counter) != head)
		c->wrong_bucket++;
	if (h->fs.counter < first || h->fs.counter >= next)
		c->out_of_range++;
	/* Equal counters share a bucket: compare with the entries after @h. */
	for (pos = h->fs.node.next; pos; pos = pos->next) {
		o = hlist_bl_entry(pos, struct landlock_hierarchy, fs.node);
		if (o->fs.counter == h->fs.counter)
			c->duplicate++;
	}
	for (a = h; a && depth <= LANDLOCK_MAX_NUM_LAYERS; a = a->parent) {
		depth++;
		/*
		 * An ancestor leaves the registry only once its usage is 0,
		 * which @h's reference prevents: whether it is linked cannot
		 * change under this read, although its link itself may (a
		 * neighbour in its bucket, under a lock this read does not
		 * hold), hence data_race().
		 */
		if (a != h && data_race(hlist_bl_unhashed(&a->fs.node)))
			c->orphan++;
	}
	if (depth > LANDLOCK_MAX_NUM_LAYERS)
		c->too_deep++;
}

/*
 * Walks @r into @c.  Valid counters are in [@first, @next), where @next 0
 * means the kernel's next counter, read under each bucket's lock: an entry
 * found there was registered before, with a lower counter.
 */
static void check_registry(struct landlock_fs_registry *const r,
			   const u64 first, const u64 next,
			   struct registry_check *const c)
{
	const struct landlock_hierarchy *h;
	struct hlist_bl_node *pos;
	size_t b;

	for (b = 0; b < ARRAY_SIZE(r->buckets); b++) {
		hlist_bl_lock(&r->buckets[b]);
		hlist_bl_for_each_entry(h, pos, &r->buckets[b], fs.node)
			check_entry(r, &r->buckets[b], h, first,
				    next ?: atomic64_read(&landlock_fs_next_counter),
				    c);
		hlist_bl_unlock(&r->buckets[b]);
		cond_resched();
	}
}

#endif /* CONFIG_SECURITY_LANDLOCK_FS_DEBUG || CONFIG_SECURITY_LANDLOCK_KUNIT_TEST */

#ifdef CONFIG_SECURITY_LANDLOCK_FS_DEBUG

static int registry_check_show(struct seq_file *const m, void *const v)
{
	struct landlock_fs_registry *r;
	struct registry_check c = {};

	/* Pairs with cmpxchg_release() in landlock_fs_registry_init_global(). */
	r = smp_load_acquire(&landlock_fs_global);
	if (!r)
		return -ENOENT;
	check_registry(r, landlock_fs_first_counter, 0, &c);
	seq_printf(m, "entries %zu\ndying %zu\n", c.entries, c.dying);
	seq_printf(m, "wrong_bucket %zu\nout_of_range %zu\nduplicate %zu\n",
		   c.wrong_bucket, c.out_of_range, c.duplicate);
	seq_printf(m, "orphan %zu\ntoo_deep %zu\n", c.orphan, c.too_deep);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(registry_check);

static int __init landlock_fs_debugfs_init(void)
{
	struct dentry *const dir = debugfs_create_dir("landlock", NULL);

	debugfs_create_file("registry", 0400, dir, NULL, &registry_check_fops);
	return 0;
}
late_initcall(landlock_fs_debugfs_init);

#endif /* CONFIG_SECURITY_LANDLOCK_FS_DEBUG */

bool landlock_fs_registry_info(struct landlock_fs_registry *const r,
			       const u64 counter,
			       struct landlock_fs_info *const out)
{
	struct hlist_bl_head *const head = bucket_of(r, counter);
	const struct landlock_hierarchy *h;

	hlist_bl_lock(head);
	h = find(head, counter);
	if (h)
		fill(h, out);
	hlist_bl_unlock(head);
	return h;
}

size_t landlock_fs_registry_infos(struct landlock_fs_registry *const r,
				  struct landlock_fs_info *const out,
				  const size_t cap)
{
	const struct landlock_hierarchy *h;
	struct hlist_bl_node *pos;
	size_t b, n = 0;

	for (b = 0; b < ARRAY_SIZE(r->buckets); b++) {
		hlist_bl_lock(&r->buckets[b]);
		hlist_bl_for_each_entry(h, pos, &r->buckets[b], fs.node) {
			if (n < cap)
				fill(h, &out[n]);
			n++;
		}
		hlist_bl_unlock(&r->buckets[b]);
		cond_resched();
	}
	return n;
}

struct pid *landlock_fs_registry_hint(struct landlock_fs_registry *const r,
				      const u64 counter)
{
	struct hlist_bl_head *const head = bucket_of(r, counter);
	const struct landlock_hierarchy *h;
	struct pid *pid = NULL;

	hlist_bl_lock(head);
	h = find(head, counter);
	if (h) {
		pid = h->fs.hint;
#ifdef CONFIG_SECURITY_LANDLOCK_LOG
		if (!pid && h->details)
			pid = h->details->pid;
#endif /* CONFIG_SECURITY_LANDLOCK_LOG */
		pid = get_pid(pid);
	}
	hlist_bl_unlock(head);
	return pid;
}

bool landlock_fs_registry_audit_id(struct landlock_fs_registry *const r,
				   const u64 counter, u64 *const id)
{
	struct hlist_bl_head *const head = bucket_of(r, counter);
	const struct landlock_hierarchy *h;

	hlist_bl_lock(head);
	h = find(head, counter);
	if (h)
		*id = h->id;
	hlist_bl_unlock(head);
	return h;
}

void landlock_fs_registry_set_hint(struct landlock_fs_registry *const r,
				   const u64 counter, struct pid *pid)
{
	struct hlist_bl_head *const head = bucket_of(r, counter);
	struct landlock_hierarchy *h;

	hlist_bl_lock(head);
	h = find(head, counter);
	if (h)
		swap(h->fs.hint, pid);
	hlist_bl_unlock(head);
	put_pid(pid);
}

int landlock_fs_registry_creator(struct landlock_fs_registry *const r,
				 const u64 counter,
				 struct pid_namespace *const ns,
				 struct landlock_fs_creator *const out,
				 char *const exe, const size_t exe_size)
{
	struct hlist_bl_head *const head = bucket_of(r, counter);
	const struct landlock_hierarchy *h;
	int err = 0;

	memset(out, 0, sizeof(*out));
	hlist_bl_lock(head);
	h = find(head, counter);
	if (!h) {
		err = -ENOENT;
		goto out;
	}
#ifdef CONFIG_SECURITY_LANDLOCK_LOG
	if (h->details) {
		const struct landlock_details *const d = h->details;
		ssize_t len;

		scoped_guard(rcu)
		{
			if (pid_task(d->pid, PIDTYPE_TGID))
				out->pid = pid_nr_ns(d->pid, ns);
		}
		out->uid = d->uid;
		len = strscpy(out->comm, d->comm, sizeof(out->comm));
		out->comm_len = len < 0 ? sizeof(out->comm) - 1 : len;
		len = strscpy(exe, d->exe_path, exe_size);
		out->exe_len = len < 0 ? exe_size - 1 : len;
	}
#endif /* CONFIG_SECURITY_LANDLOCK_LOG */
out:
	hlist_bl_unlock(head);
	return err;
}

size_t landlock_fs_creator_exe_size(void)
{
	return LANDLOCK_PATH_MAX_SIZE;
}

struct landlock_hierarchy *
landlock_fs_test_hierarchy(struct landlock_fs_registry *const r,
			   const u64 counter,
			   struct landlock_hierarchy *const parent)
{
	struct landlock_hierarchy *const h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->fs.counter = counter;
	h->parent = parent;
	refcount_set(&h->usage, 1);
	registry_insert(r, h);
	return h;
}

void landlock_fs_test_hierarchy_free(struct landlock_fs_registry *const r,
				     struct landlock_hierarchy *const h)
{
	registry_remove(r, h);
	kfree(h);
}

/* Helpers for Rust (glue.rs; documented in fs_glue.h). */

/*
 * The names of the access rights, from the lists that audit records and
 * tracepoints print (<linux/landlock.h>): each name sits at its right's bit
 * index, and a right without a name fails the build.
 */
#define _LANDLOCK_NAME_ENTRY(mask, name) \
	[BIT_INDEX(mask)] = name

static const char *const fs_names[] = { _LANDLOCK_ACCESS_FS_NAMES };
static_assert(ARRAY_SIZE(fs_names) == LANDLOCK_NUM_ACCESS_FS);

static const char *const net_names[] = { _LANDLOCK_ACCESS_NET_NAMES };
static_assert(ARRAY_SIZE(net_names) == LANDLOCK_NUM_ACCESS_NET);

static const char *const scope_names[] = { _LANDLOCK_SCOPE_NAMES };
static_assert(ARRAY_SIZE(scope_names) == LANDLOCK_NUM_SCOPE);

#undef _LANDLOCK_NAME_ENTRY

/* In the order of &struct landlock_fs_info.access (glue.rs: AccessClass). */
static const struct {
	const char *const *names;
	size_t len;
} access_classes[] = {
	{ fs_names, ARRAY_SIZE(fs_names) },
	{ net_names, ARRAY_SIZE(net_names) },
	{ scope_names, ARRAY_SIZE(scope_names) },
};

static_assert(ARRAY_SIZE(access_classes) ==
	      ARRAY_SIZE(((struct landlock_fs_info *)NULL)->access));

const char *landlock_fs_access_name(const size_t class, const unsigned int bit)
{
	if (class >= ARRAY_SIZE(access_classes) ||
	    bit >= access_classes[class].len)
		return NULL;
	return access_classes[class].names[bit];
}

/*
 * current_cred(), because struct task_struct is not reliably laid out by
 * bindgen.
 */
const struct cred *landlock_fs_current_cred(void)
{
	return current_cred();
}

u64 landlock_fs_cred_domain(const struct cred *const cred, u8 *const depth)
{
	const struct landlock_domain *const dom = landlock_cred(cred)->domain;

	*depth = dom ? dom->num_layers : 0;
	return dom ? dom->hierarchy->fs.counter : 0;
}

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
	return h && h->fs.counter == counter;
}

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
		chain[i - 1] = h->fs.counter;
	return dom->num_layers;
}

struct pid_namespace *landlock_fs_init_pid_ns(void)
{
	return &init_pid_ns;
}

u64 landlock_fs_task_domain(struct task_struct *const task)
{
	const struct landlock_domain *dom;

	guard(rcu)();
	dom = landlock_get_task_domain(task);
	return dom ? dom->hierarchy->fs.counter : 0;
}

bool landlock_fs_capable_ptrace(const struct cred *const cred)
{
	return security_capable(cred, &init_user_ns, CAP_SYS_PTRACE,
				CAP_OPT_NOAUDIT) == 0;
}

bool landlock_fs_capable_audit_read(const struct cred *const cred)
{
	return security_capable(cred, &init_user_ns, CAP_AUDIT_READ,
				CAP_OPT_NONE) == 0;
}

const struct cred *landlock_fs_override_creds(const struct cred *const cred)
{
	return override_creds(cred);
}

void landlock_fs_revert_creds(const struct cred *const old)
{
	revert_creds(old);
}

bool landlock_fs_lookup_rcu(const unsigned int flags)
{
	return flags & LOOKUP_RCU;
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

#ifdef CONFIG_SECURITY_LANDLOCK_KUNIT_TEST

/* The sum of the error counts of @c. */
static size_t check_errors(const struct registry_check *const c)
{
	return c->wrong_bucket + c->out_of_range + c->duplicate + c->orphan +
	       c->too_deep;
}

static struct registry_check check_of(struct landlock_fs_registry *const r)
{
	struct registry_check c = {};

	check_registry(r, 1000, 2000, &c);
	return c;
}

/*
 * Adds an entry of @counter under @parent to @r, expects the walk to count
 * exactly one error, the count @name at @offset in struct registry_check,
 * and removes the entry.
 */
static void expect_only(struct kunit *const test,
			struct landlock_fs_registry *const r, const u64 counter,
			struct landlock_hierarchy *const parent,
			const size_t offset, const char *const name)
{
	struct landlock_hierarchy *const h =
		landlock_fs_test_hierarchy(r, counter, parent);
	struct registry_check c;

	KUNIT_ASSERT_NOT_NULL(test, h);
	c = check_of(r);
	KUNIT_EXPECT_EQ_MSG(test, *(size_t *)((char *)&c + offset), 1,
			    "%s for counter %llu", name, counter);
	KUNIT_EXPECT_EQ_MSG(test, check_errors(&c), 1,
			    "errors for counter %llu", counter);
	landlock_fs_test_hierarchy_free(r, h);
}

/* Each inconsistency the self-check looks for, made in a private registry. */
static void test_registry_check(struct kunit *const test)
{
	struct landlock_fs_registry *const r = landlock_fs_registry_new();
	struct landlock_hierarchy *chain[LANDLOCK_MAX_NUM_LAYERS] = {};
	struct landlock_hierarchy *h, *p;
	struct registry_check c;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	/* Consistent: a chain of the deepest nesting Landlock allows. */
	for (i = 0; i < LANDLOCK_MAX_NUM_LAYERS; i++) {
		chain[i] = landlock_fs_test_hierarchy(r, 1000 + i,
						      i ? chain[i - 1] : NULL);
		KUNIT_ASSERT_NOT_NULL(test, chain[i]);
	}
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.entries, LANDLOCK_MAX_NUM_LAYERS);
	KUNIT_EXPECT_EQ(test, c.dying, 0);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 0);

	/* One layer more, a counter used twice, one out of range. */
	expect_only(test, r, 1100, chain[LANDLOCK_MAX_NUM_LAYERS - 1],
		    offsetof(struct registry_check, too_deep), "too_deep");
	expect_only(test, r, 1000, NULL,
		    offsetof(struct registry_check, duplicate), "duplicate");
	expect_only(test, r, 2000, NULL,
		    offsetof(struct registry_check, out_of_range),
		    "out_of_range");

	/* A counter changed after the entry was linked (wrong bucket). */
	h = landlock_fs_test_hierarchy(r, 1200, NULL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->fs.counter = 1201;
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.wrong_bucket, 1);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 1);
	h->fs.counter = 1200;
	landlock_fs_test_hierarchy_free(r, h);

	/* An entry whose parent left the registry. */
	p = landlock_fs_test_hierarchy(r, 1300, NULL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	h = landlock_fs_test_hierarchy(r, 1301, p);
	KUNIT_ASSERT_NOT_NULL(test, h);
	registry_remove(r, p);
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.orphan, 1);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 1);
	landlock_fs_test_hierarchy_free(r, h);
	kfree(p);

	/* A dying entry is counted, not an error. */
	refcount_set(&chain[0]->usage, 0);
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.dying, 1);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 0);
	refcount_set(&chain[0]->usage, 1);

	for (i = LANDLOCK_MAX_NUM_LAYERS; i > 0; i--)
		landlock_fs_test_hierarchy_free(r, chain[i - 1]);
	KUNIT_EXPECT_EQ(test, check_of(r).entries, 0);
	landlock_fs_registry_free(r);
}

static struct kunit_case registry_check_test_cases[] = {
	KUNIT_CASE(test_registry_check),
	{}
};

static struct kunit_suite registry_check_test_suite = {
	.name = "landlock_audit_registry_check",
	.test_cases = registry_check_test_cases,
};

kunit_test_suite(registry_check_test_suite);

#endif /* CONFIG_SECURITY_LANDLOCK_KUNIT_TEST */
