// SPDX-License-Identifier: GPL-2.0-only
/*
 * Landlock - glue between C Landlock and the Rust introspection tree
 *
 * What Rust cannot do itself: reading Landlock's private structures
 * (domains, hierarchies, credentials), calling inline kernel functions and
 * macros, naming access rights with the kernel's own names, and the
 * registry of live domains, whose entries are embedded in struct
 * landlock_hierarchy (registering a domain allocates nothing).
 * introspect_api.h documents each function Rust calls.  No policy lives
 * here: it is in view.rs.
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/lsm_hooks.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/landlock.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/dcache.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <linux/path.h>
#include <linux/rbtree.h>
#include <linux/sort.h>
#include <uapi/linux/landlock.h>

#include "common.h"
#include "cred.h"
#include "domain.h"
#include "introspect.h"
#include "introspect_api.h"
#include "limits.h"
#include "object.h"
#include "ruleset.h"
#include "setup.h"

/*
 * The tree shows each domain's creator and upstream ID, which exist only with
 * Landlock's logging code (Kconfig makes SECURITY_LANDLOCK_INTROSPECTION select
 * it).
 */
static_assert(IS_ENABLED(CONFIG_SECURITY_LANDLOCK_LOG));

/*
 * The layouts that registry.rs mirrors (registry::Info and RawCreator),
 * which checks the same numbers on its side: a length that differs from
 * the kernel's (LANDLOCK_MAX_NUM_LAYERS, TASK_COMM_LEN) fails the build here,
 * and a Rust mirror that differs from these numbers fails it there.
 */
static_assert(sizeof(struct landlock_introspect_info) == 152);
static_assert(offsetof(struct landlock_introspect_info, ancestors) == 8);
static_assert(offsetof(struct landlock_introspect_info, access) == 136);
static_assert(offsetof(struct landlock_introspect_info, depth) == 148);
static_assert(ARRAY_SIZE(((struct landlock_introspect_info *)NULL)->ancestors) ==
	      LANDLOCK_MAX_NUM_LAYERS);
static_assert(sizeof(struct landlock_introspect_creator) == 32);
static_assert(offsetof(struct landlock_introspect_creator, comm) == 16);
static_assert(sizeof_field(struct landlock_introspect_creator, comm) ==
	      TASK_COMM_LEN);

#define LANDLOCK_INTROSPECT_BUCKET_BITS 10
/* &struct landlock_introspect_entry keeps bucket indexes in u16s. */
static_assert((1 << LANDLOCK_INTROSPECT_BUCKET_BITS) <= U16_MAX + 1);
static_assert(LANDLOCK_INTROSPECT_WAKE_BUCKETS <= U16_MAX);

/**
 * struct landlock_introspect_registry - The live domains, by counter
 *
 * A domain's bucket is a keyed hash (SipHash) of its counter, with a key
 * drawn when the registry is made: nobody can tell which bucket a domain
 * is in, so nobody can fill one bucket on purpose (making every lookup in
 * it, and every creation that lands in it, slow) or probe one bucket's
 * length.  Domains spread evenly, and a domain being created and one being
 * freed (from a workqueue, on another CPU) almost never share a lock.
 */
struct landlock_introspect_registry {
	/** @key: The key of the buckets' hash. */
	siphash_key_t key;
	/**
	 * @buckets: Entries (&struct landlock_introspect_entry.node) by
	 * counter.  A hierarchy leaves its bucket under the bucket's @lock
	 * before it is freed, so a holder may read the hierarchies it finds
	 * there, their parents (which a child keeps alive) and their details.
	 */
	struct {
		/** @buckets.head: The bucket's entries. */
		struct hlist_head head;
		/**
		 * @buckets.lock: Protects @buckets.head.  A spinlock (lockdep
		 * sees it, and it is fair), taken in process context only, for
		 * one insertion, removal or lookup, to copy a few words of one
		 * entry or take a reference to it, or to copy the fixed-size
		 * &struct landlock_introspect_info of one bucket's entries:
		 * never across an allocation, a task walk, a copy of user-sized
		 * data (landlock_introspect_registry_creator() takes a
		 * reference instead) or any formatting.
		 */
		spinlock_t lock;
	} buckets[1 << LANDLOCK_INTROSPECT_BUCKET_BITS];
};

/* The kernel's registry, set once by landlock_introspect_registry_init_global(). */
static struct landlock_introspect_registry *landlock_introspect_global;

/*
 * The next &struct landlock_introspect_entry.counter.  Set once, before any
 * domain can exist, by landlock_introspect_registry_init_global() to the lower
 * bound of the tree's IDs (2^60, id.rs's ID_MIN, which Rust passes), from where
 * it would need 15 * 2^60 domains to wrap.  Only ever advanced afterwards, so
 * every value names one domain until reboot.
 */
static atomic64_t landlock_introspect_next_counter = ATOMIC64_INIT(0);

#ifdef CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG
/*
 * The first &struct landlock_introspect_entry.counter, set with
 * @landlock_introspect_next_counter (and before @landlock_introspect_global is
 * published) and never changed: the lower bound the debugfs self-check
 * enforces.
 */
static u64 landlock_introspect_first_counter;
#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG */

/* The index of @counter's bucket in @r. */
static size_t bucket_index(const struct landlock_introspect_registry *const r,
			   const u64 counter)
{
	return siphash_1u64(counter, &r->key) &
	       ((1 << LANDLOCK_INTROSPECT_BUCKET_BITS) - 1);
}

/* The bucket of @counter: its list and its lock. */
#define bucket_of(r, counter)                                        \
	({                                                           \
		typeof(r) __r = (r);                                 \
		&__r->buckets[bucket_index(__r, (counter))];         \
	})

/* Called with the lock of @head, @counter's bucket, held. */
static struct landlock_hierarchy *find(struct hlist_head *const head,
				       const u64 counter)
{
	struct landlock_hierarchy *h;

	hlist_for_each_entry(h, head, introspect.node) {
		if (h->introspect.counter == counter)
			return h;
	}
	return NULL;
}

/* Called with the lock of @h's bucket held. */
static void fill(const struct landlock_hierarchy *const h,
		 struct landlock_introspect_info *const out)
{
	const struct landlock_hierarchy *a;
	size_t depth = 0, i;

	for (a = h; a && depth < LANDLOCK_MAX_NUM_LAYERS; a = a->parent)
		depth++;
	out->depth = depth;
	out->parent = h->parent ? h->parent->introspect.counter : 0;
	for (a = h, i = depth; i > 0; i--, a = a->parent)
		out->ancestors[i - 1] = a->introspect.counter;
	for (i = depth; i < LANDLOCK_MAX_NUM_LAYERS; i++)
		out->ancestors[i] = 0;
	memcpy(out->access, h->introspect.access, sizeof(out->access));
}

static void registry_insert(struct landlock_introspect_registry *const r,
			    struct landlock_hierarchy *const h)
{
	/* Its low bits, as bucket_index() takes them. */
	const u64 hash = siphash_1u64(h->introspect.counter, &r->key);
	typeof(*r->buckets) *b;

	h->introspect.bucket = hash & ((1 << LANDLOCK_INTROSPECT_BUCKET_BITS) - 1);
	b = &r->buckets[h->introspect.bucket];

	/*
	 * Keyed, from other bits of the hash than the registry bucket's:
	 * domains that share a wake-up queue tell nothing of their buckets.
	 */
	h->introspect.wake_bucket = (hash >> LANDLOCK_INTROSPECT_BUCKET_BITS) %
				    LANDLOCK_INTROSPECT_WAKE_BUCKETS;
	spin_lock(&b->lock);
	hlist_add_head(&h->introspect.node, &b->head);
	spin_unlock(&b->lock);
}

static void registry_remove(struct landlock_introspect_registry *const r,
			    struct landlock_hierarchy *const h)
{
	typeof(*r->buckets) *const b = &r->buckets[h->introspect.bucket];

	spin_lock(&b->lock);
	if (!hlist_unhashed(&h->introspect.node))
		hlist_del_init(&h->introspect.node);
	spin_unlock(&b->lock);
}

static void put_deferred(struct work_struct *const work)
{
	landlock_put_hierarchy(container_of(work, struct landlock_hierarchy,
					    introspect.put_work));
}

/*
 * Puts a reference a reader took (the creator's copy, a walk).  The last
 * one is put from a workqueue, as landlock_put_domain_deferred() does for
 * domains: the free, with its audit record and tracepoint, must not run in
 * a reader's context.  A reader that sees the count at 1 holds the only
 * reference, so no put of @put_work can be pending then (it would hold
 * one more).
 */
static void reader_put(struct landlock_hierarchy *const h)
{
	if (refcount_dec_not_one(&h->usage))
		return;
	schedule_work(&h->introspect.put_work);
}

/*
 * The generation file (generation.rs): changes of readers' views, counted
 * per hierarchy for the readers in its strict ancestors and in total for
 * unsandboxed readers, only while a generation file is open.  Each open file
 * starts from the count it reads (its numbers mean nothing to another open
 * file), so changes made while none is open need no count, and a task
 * without a watcher pays one barrier and one atomic read for it.
 */

/* Open generation files. */
static atomic_t landlock_introspect_watchers = ATOMIC_INIT(0);

/* Changes of every domain: the count of unsandboxed readers. */
static atomic64_t landlock_introspect_events = ATOMIC64_INIT(0);

/*
 * Pollers wait in one of LANDLOCK_INTROSPECT_WAKE_BUCKETS queues (Rust
 * PollCondVars, generation.rs), chosen by the domain they see below:
 * &struct landlock_introspect_entry.wake_bucket, a keyed hash of its
 * counter, or LANDLOCK_INTROSPECT_WAKE_BUCKETS for unsandboxed readers.  A
 * change wakes only the queues of the domains that see it, so a reader is
 * woken by a change it may not see only when its domain's queue is also
 * the queue of one that may (one chance in LANDLOCK_INTROSPECT_WAKE_BUCKETS
 * per such domain).
 */
static DECLARE_BITMAP(landlock_introspect_wake_pending,
		      LANDLOCK_INTROSPECT_WAKE_BUCKETS + 1);

static void wake_pollers(struct irq_work *const work)
{
	unsigned long b;

	for_each_set_bit(b, landlock_introspect_wake_pending,
			 LANDLOCK_INTROSPECT_WAKE_BUCKETS + 1) {
		if (!test_and_clear_bit(b, landlock_introspect_wake_pending))
			continue;
		landlock_introspect_generation_wake(b);
	}
}

/*
 * Wakes the marked queues from an irq_work, right after the change: safe
 * from any context (the last put of a task may run under a runqueue lock,
 * where a wake-up could deadlock), and one wake-up per queue for the
 * changes made until it runs.
 */
static struct irq_work landlock_introspect_wake_work =
	IRQ_WORK_INIT(wake_pollers);

/* Marks queue @b for the next wake-up; no write when it is marked already. */
static void mark(const u32 b)
{
	if (!test_bit(b, landlock_introspect_wake_pending))
		set_bit(b, landlock_introspect_wake_pending);
}

/*
 * Something happened in @h: it appeared or is about to end, or a task
 * entered or left it.  Counts it for the readers who may see @h, those in
 * its strict ancestors and unsandboxed ones, while a generation file is
 * open.  At most LANDLOCK_MAX_NUM_LAYERS atomic increments (@h's strict
 * ancestors and the count of unsandboxed readers) and as many bit tests
 * (and sets), and one irq_work_queue().  Any context: @h and its ancestors
 * are alive (the caller holds @h, which holds its parent).
 */
static void count_change(struct landlock_hierarchy *const h)
{
	struct landlock_hierarchy *a;

	/*
	 * Orders the change (a list insertion or removal) before the read of
	 * the watchers, as landlock_introspect_generation_open() orders its
	 * increment before its first count: either the change is counted, or
	 * that opener's reads (of the count, then of the tree) see it.
	 */
	smp_mb();
	if (!atomic_read(&landlock_introspect_watchers))
		return;
	atomic64_inc(&landlock_introspect_events);
	mark(LANDLOCK_INTROSPECT_WAKE_BUCKETS);
	for (a = h->parent; a; a = a->parent) {
		atomic64_inc(&a->introspect.events);
		mark(a->introspect.wake_bucket);
	}
	irq_work_queue(&landlock_introspect_wake_work);
}

/*
 * Sets up the task index of a new hierarchy and links it among its
 * parent's children.
 */
static void index_insert(struct landlock_hierarchy *const h)
{
	struct landlock_hierarchy *const parent = h->parent;
	unsigned long flags;

	spin_lock_init(&h->introspect.lock);
	INIT_LIST_HEAD(&h->introspect.tasks);
	INIT_LIST_HEAD(&h->introspect.children);
	INIT_LIST_HEAD(&h->introspect.sibling);
	INIT_WORK(&h->introspect.put_work, put_deferred);
	atomic64_set(&h->introspect.events, 0);
	h->introspect.wake_bucket = 0;
	if (!parent)
		return;
	spin_lock_irqsave(&parent->introspect.lock, flags);
	list_add_tail(&h->introspect.sibling, &parent->introspect.children);
	spin_unlock_irqrestore(&parent->introspect.lock, flags);
}

/*
 * Unlinks a hierarchy being freed from its parent's children.  It has no
 * task (each would hold it through its credentials) and no child (each
 * would hold it as its parent).
 */
static void index_remove(struct landlock_hierarchy *const h)
{
	struct landlock_hierarchy *const parent = h->parent;
	unsigned long flags;

	/*
	 * A hierarchy freed by landlock_merge_ruleset()'s error paths was
	 * never registered: its entry is still zeroed.
	 */
	if (!h->introspect.sibling.next)
		return;
	WARN_ON_ONCE(!list_empty(&h->introspect.tasks));
	WARN_ON_ONCE(!list_empty(&h->introspect.children));
	if (!parent)
		return;
	spin_lock_irqsave(&parent->introspect.lock, flags);
	list_del_init(&h->introspect.sibling);
	spin_unlock_irqrestore(&parent->introspect.lock, flags);
}

/* Links a new hierarchy into the task index and into @r (if any). */
static void enter(struct landlock_introspect_registry *const r,
		  struct landlock_hierarchy *const h)
{
	index_insert(h);
	if (r)
		registry_insert(r, h);
	count_change(h);
}

/* Unlinks a hierarchy about to be freed from @r (if any) and the index. */
static void leave(struct landlock_introspect_registry *const r,
		  struct landlock_hierarchy *const h)
{
	if (r)
		registry_remove(r, h);
	/* Not for a hierarchy that was never registered (see index_remove()). */
	if (!h->introspect.sibling.next)
		return;
	index_remove(h);
	count_change(h);
}

/**
 * landlock_introspect_register_domain - Make a new domain visible in the tree
 *
 * @domain: A domain just created by landlock_merge_ruleset().
 *
 * Called by landlock_merge_ruleset() past its last point of failure, so no
 * path that creates a domain can leave it out of the tree.  Costs
 * one atomic add (the tree's counter), a copy of the layer's access masks
 * and a list insertion under a bucket's spinlock: no allocation, no
 * reference, no dentry or inode.
 */
void landlock_introspect_register_domain(struct landlock_domain *const domain)
{
	struct landlock_hierarchy *const hierarchy = domain->hierarchy;
	const struct access_masks masks =
		domain->handled_masks[domain->num_layers - 1];
	struct landlock_introspect_registry *r;

	/* Pairs with cmpxchg_release() in landlock_introspect_registry_init_global(). */
	r = smp_load_acquire(&landlock_introspect_global);

	hierarchy->introspect.counter =
		atomic64_fetch_inc_relaxed(&landlock_introspect_next_counter);
	hierarchy->introspect.access[0] = masks.fs;
	hierarchy->introspect.access[1] = masks.net;
	hierarchy->introspect.access[2] = masks.scope;
	/* Published with the entry: enter() links it under locks. */
	hierarchy->introspect.domain = domain;
	enter(r, hierarchy);
}

/**
 * landlock_introspect_forget_domain - Stop handing out a domain
 *
 * @domain: A domain whose usage just reached 0.
 *
 * Called by landlock_put_domain_deferred() before the domain's memory is
 * reused (its @work_free overlays @usage), and by free_domain() before it is
 * freed: afterwards no reader of the rules file can find it, and one that
 * found it before saw its usage at 0 and took no reference.  One lock, O(1);
 * nothing for a domain that was never registered (a failed creation) or
 * that was forgotten already (the deferred put's free).
 */
void landlock_introspect_forget_domain(struct landlock_domain *const domain)
{
	struct landlock_hierarchy *const h = domain->hierarchy;
	unsigned long flags;

	/* Set only by landlock_introspect_register_domain(), before publication. */
	if (!h || READ_ONCE(h->introspect.domain) != domain)
		return;
	spin_lock_irqsave(&h->introspect.lock, flags);
	h->introspect.domain = NULL;
	spin_unlock_irqrestore(&h->introspect.lock, flags);
}

/**
 * landlock_introspect_unregister - Remove a domain from the tree
 *
 * @hierarchy: A hierarchy about to be freed (its usage is 0).
 *
 * Called by landlock_put_hierarchy() before it frees the hierarchy's
 * details and the hierarchy.
 */
void landlock_introspect_unregister(struct landlock_hierarchy *const hierarchy)
{
	struct landlock_introspect_registry *r;

	/* Pairs with cmpxchg_release() in landlock_introspect_registry_init_global(). */
	r = smp_load_acquire(&landlock_introspect_global);
	leave(r, hierarchy);
}

/* The task index (see struct landlock_introspect_task in introspect.h). */

/*
 * Whether the task hooks, and so the task blob, are in:
 * landlock_introspect_add_task_hooks(), from landlock_init().
 */
static bool landlock_introspect_index_on __ro_after_init;

static struct landlock_introspect_task *
task_blob(const struct task_struct *const task)
{
	return task->security + landlock_blob_sizes.lbs_task;
}

/* Links @t into @to's list (NULL: none); @t is in no list. */
static void index_link(struct landlock_introspect_task *const t,
		       struct landlock_hierarchy *const to)
{
	unsigned long flags;

	if (!to)
		return;
	spin_lock_irqsave(&to->introspect.lock, flags);
	list_add_tail(&t->node, &to->introspect.tasks);
	WRITE_ONCE(t->in, to);
	spin_unlock_irqrestore(&to->introspect.lock, flags);
	count_change(to);
}

/* Unlinks @t from the list it is in, if any. */
static void index_unlink(struct landlock_introspect_task *const t)
{
	struct landlock_hierarchy *const in = t->in;
	unsigned long flags;

	if (!in)
		return;
	spin_lock_irqsave(&in->introspect.lock, flags);
	list_del(&t->node);
	WRITE_ONCE(t->in, NULL);
	spin_unlock_irqrestore(&in->introspect.lock, flags);
	count_change(in);
}

static struct landlock_hierarchy *cred_hierarchy(const struct cred *const cred)
{
	const struct landlock_domain *const dom = landlock_cred(cred)->domain;

	return dom ? dom->hierarchy : NULL;
}

/*
 * The new task's credentials are set (copy_creds() came first): it joins
 * their domain's list.  If copy_process() fails later, task_free undoes it.
 */
static int hook_task_alloc(struct task_struct *const task,
			   const u64 clone_flags)
{
	struct landlock_introspect_task *const t = task_blob(task);
	/* Nobody else sees @task yet: its credentials cannot change. */
	const struct cred *const cred =
		rcu_dereference_protected(task->real_cred, true);

	t->task = task;
	t->in = NULL;
	index_link(t, cred_hierarchy(cred));
	return 0;
}

/*
 * The task's last reference is gone; its credentials, which hold the
 * hierarchy it is linked in, are put only after this.  Any context.
 */
static void hook_task_free(struct task_struct *const task)
{
#ifdef CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG
	struct landlock_introspect_task *const t = task_blob(task);
	/* The task is gone (or never ran): its credentials cannot change. */
	const struct cred *const cred =
		rcu_dereference_protected(task->real_cred, true);

	/* A task that was set up is in its credentials' domain. */
	WARN_ON_ONCE(t->task && t->in != cred_hierarchy(cred));
#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG */
	index_unlink(task_blob(task));
}

/**
 * landlock_introspect_task_move - Move the current task to the domain of @new
 *
 * @new: The credentials the current task commits right after this call,
 *       which can no longer fail (landlock_restrict_self() and thread-sync).
 *
 * Moving before the commit keeps the task linked in a hierarchy that its
 * credentials (the old ones until the commit, @new after it) hold alive.
 * In between, a reader may find the task in its new domain's list while it
 * still runs in the old one (the reader checks the task's domain, so it
 * does not count there), or miss it in its old domain's list: as if the
 * reader had looked a moment before or after.
 */
void landlock_introspect_task_move(const struct cred *const new)
{
	struct landlock_introspect_task *t;
	struct landlock_hierarchy *to;

	/* No task blob without the hooks (the option's registry patch). */
	if (!landlock_introspect_index_on)
		return;
	t = task_blob(current);
	to = cred_hierarchy(new);
#ifdef CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG
	/* Every domain change goes through here: the index is in step. */
	WARN_ON_ONCE(t->in != cred_hierarchy(current_real_cred()));
#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG */
	if (t->in == to)
		return;
	index_unlink(t);
	index_link(t, to);
}

static struct security_hook_list landlock_introspect_hooks[] __ro_after_init = {
	LSM_HOOK_INIT(task_alloc, hook_task_alloc),
	LSM_HOOK_INIT(task_free, hook_task_free),
};

/**
 * landlock_introspect_add_task_hooks - Maintain the task index
 *
 * Called by landlock_init(), with Landlock's other hooks.
 */
void __init landlock_introspect_add_task_hooks(void)
{
	security_add_hooks(landlock_introspect_hooks,
			   ARRAY_SIZE(landlock_introspect_hooks),
			   &landlock_lsmid);
	landlock_introspect_index_on = true;
}

/*
 * A walk of a subtree's tasks: depth-first over the hierarchies, each one's
 * tasks first, then its children.  Every hierarchy on @stack and the child
 * cursors are held (usage references); so is @cursor.  Nothing is locked
 * between calls.
 */
struct landlock_introspect_walk {
	/* @stack[0] is the walk's root; @stack[@depth - 1] is being walked. */
	struct landlock_hierarchy *stack[LANDLOCK_MAX_NUM_LAYERS];
	/*
	 * @child[i]: the child of @stack[i] last descended into (while it is
	 * on the stack, the same reference as @stack[i + 1]), or NULL.
	 */
	struct landlock_hierarchy *child[LANDLOCK_MAX_NUM_LAYERS];
	size_t depth;
	/*
	 * The walk's place in @stack[@depth - 1]'s task list, while @linked:
	 * an entry without a task, which other walkers skip, so that tasks
	 * moving or going meanwhile cannot make the walk lose its place.
	 */
	struct landlock_introspect_task cursor;
	bool linked;
	/* @stack[@depth - 1]'s list was walked to its end. */
	bool at_end;
	/* Whether @stack[@depth - 1]'s tasks were all given. */
	bool tasks_done;
	/* Only the root's own tasks, not its children's. */
	bool own_only;
	/* A chain deeper than Landlock allows was found (cannot happen). */
	bool gave_up;
};

/* Takes a usage reference, unless @h is being freed. */
static bool hierarchy_tryget(struct landlock_hierarchy *const h)
{
	return refcount_inc_not_zero(&h->usage);
}

struct landlock_introspect_walk *landlock_introspect_walk_alloc(void)
{
	return kzalloc(sizeof(struct landlock_introspect_walk),
		       GFP_KERNEL_ACCOUNT);
}

bool landlock_introspect_walk_begin(struct landlock_introspect_walk *const w,
				    struct landlock_introspect_registry *const r,
				    const u64 counter, const bool subtree)
{
	typeof(*r->buckets) *const b = bucket_of(r, counter);
	struct landlock_hierarchy *h;

	spin_lock(&b->lock);
	h = find(&b->head, counter);
	if (h && !hierarchy_tryget(h))
		h = NULL;
	spin_unlock(&b->lock);
	if (!h)
		return false;
	w->stack[0] = h;
	w->depth = 1;
	w->own_only = !subtree;
	return true;
}

void landlock_introspect_walk_free(struct landlock_introspect_walk *const w)
{
	kfree(w);
}

/*
 * Takes references to the next tasks of @h's list, after the walk's cursor,
 * into @out, and moves the cursor after the last entry looked at.
 */
static size_t walk_tasks(struct landlock_introspect_walk *const w,
			 struct landlock_hierarchy *const h,
			 struct task_struct **const out)
{
	struct list_head *pos;
	unsigned long flags;
	size_t n = 0, seen = 0;

	if (w->at_end)
		return 0;
	spin_lock_irqsave(&h->introspect.lock, flags);
	pos = w->linked ? &w->cursor.node : &h->introspect.tasks;
	/*
	 * Every entry looked at counts, cursors and dying tasks included, so
	 * that the lock is held for a bounded time however many of those the
	 * list holds.
	 */
	for (pos = pos->next;
	     pos != &h->introspect.tasks && n < LANDLOCK_INTROSPECT_WALK_BATCH &&
	     seen < 4 * LANDLOCK_INTROSPECT_WALK_BATCH;
	     pos = pos->next, seen++) {
		struct landlock_introspect_task *const t =
			list_entry(pos, struct landlock_introspect_task, node);

		/*
		 * Another walk's cursor, or a task whose last reference is
		 * gone: it stays linked until task_free unlinks it, which
		 * needs this lock, so its memory is alive, but it is being
		 * freed.
		 */
		if (!t->task || !tryget_task_struct(t->task))
			continue;
		out[n++] = t->task;
	}
	if (w->linked)
		list_del(&w->cursor.node);
	w->linked = pos != &h->introspect.tasks;
	w->at_end = !w->linked;
	/* Before the first entry not looked at. */
	if (w->linked)
		list_add_tail(&w->cursor.node, pos);
	spin_unlock_irqrestore(&h->introspect.lock, flags);
	return n;
}

/* Takes the walk's cursor out of @h's list, if it is there. */
static void walk_unlink_cursor(struct landlock_introspect_walk *const w,
			       struct landlock_hierarchy *const h)
{
	unsigned long flags;

	if (!w->linked)
		return;
	spin_lock_irqsave(&h->introspect.lock, flags);
	list_del(&w->cursor.node);
	spin_unlock_irqrestore(&h->introspect.lock, flags);
	w->linked = false;
}

/* Takes a reference to the child of @h after @prev (NULL: the first). */
static struct landlock_hierarchy *
walk_next_child(struct landlock_hierarchy *const h,
		struct landlock_hierarchy *const prev)
{
	struct landlock_hierarchy *c, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&h->introspect.lock, flags);
	/* @prev is held, so it is still linked among @h's children. */
	c = prev ? list_next_entry(prev, introspect.sibling) :
		   list_first_entry(&h->introspect.children, typeof(*c),
				    introspect.sibling);
	for (; !list_entry_is_head(c, &h->introspect.children,
				   introspect.sibling);
	     c = list_next_entry(c, introspect.sibling)) {
		/* A child being freed has no task and no live child. */
		if (hierarchy_tryget(c)) {
			found = c;
			break;
		}
	}
	spin_unlock_irqrestore(&h->introspect.lock, flags);
	return found;
}

size_t landlock_introspect_walk_next(struct landlock_introspect_walk *const w,
				     struct task_struct **const out)
{
	while (w->depth && !w->gave_up) {
		const size_t top = w->depth - 1;
		struct landlock_hierarchy *const h = w->stack[top];
		struct landlock_hierarchy *c;
		size_t n;

		if (!w->tasks_done) {
			n = walk_tasks(w, h, out);
			if (n)
				return n;
			if (!w->at_end) {
				/* Only cursors or dying tasks, and more to see. */
				cond_resched();
				continue;
			}
			w->tasks_done = true;
		}
		if (w->own_only) {
			/* The root's tasks are all given (it is the only level). */
			w->depth = 0;
			break;
		}
		c = walk_next_child(h, w->child[top]);
		if (w->child[top])
			reader_put(w->child[top]);
		w->child[top] = c;
		if (c && w->depth < LANDLOCK_MAX_NUM_LAYERS) {
			/* Descends: the child's reference is now on the stack too. */
			w->stack[w->depth] = c;
			w->child[w->depth] = NULL;
			w->depth++;
			w->tasks_done = false;
			w->at_end = false;
		} else if (c) {
			/* Deeper than Landlock nests: cannot happen. */
			WARN_ON_ONCE(1);
			w->gave_up = true;
		} else {
			/*
			 * Done with @h: it stays held as its parent's child
			 * cursor (the root is put at the end).
			 */
			w->depth--;
			w->tasks_done = true;
		}
	}
	return 0;
}

bool landlock_introspect_walk_end(struct landlock_introspect_walk *const w)
{
	const bool complete = !w->gave_up && !w->depth;
	size_t i;

	/* A stopped walk's cursor is in the list of the level it was at. */
	if (w->depth)
		walk_unlink_cursor(w, w->stack[w->depth - 1]);
	/*
	 * Children first: a child cursor is the same reference as the next
	 * level of the stack while that level is walked.
	 */
	for (i = LANDLOCK_MAX_NUM_LAYERS; i > 0; i--) {
		if (w->child[i - 1])
			reader_put(w->child[i - 1]);
	}
	reader_put(w->stack[0]);
	kfree(w);
	return complete;
}

/* Registry operations for Rust (registry.rs; documented in introspect_api.h). */

struct landlock_introspect_registry *landlock_introspect_registry_new(void)
{
	struct landlock_introspect_registry *const r =
		kvzalloc(sizeof(*r), GFP_KERNEL);
	size_t b;

	if (!r)
		return NULL;
	get_random_bytes(&r->key, sizeof(r->key));
	/* Zeroed heads are empty lists. */
	for (b = 0; b < ARRAY_SIZE(r->buckets); b++)
		spin_lock_init(&r->buckets[b].lock);
	return r;
}

void
landlock_introspect_registry_free(struct landlock_introspect_registry *const r)
{
	kvfree(r);
}

struct landlock_introspect_registry *
landlock_introspect_registry_init_global(const u64 first_counter)
{
	struct landlock_introspect_registry *r;

	/*
	 * Once only: a second registry would split the entries in two, and
	 * the counter must never go back.
	 */
	if (READ_ONCE(landlock_introspect_global))
		return NULL;
	r = landlock_introspect_registry_new();
	if (!r)
		return NULL;
#ifdef CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG
	landlock_introspect_first_counter = first_counter;
#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG */
	atomic64_set(&landlock_introspect_next_counter, first_counter);
	if (cmpxchg_release(&landlock_introspect_global, NULL, r)) {
		landlock_introspect_registry_free(r);
		return NULL;
	}
	return r;
}

#if IS_ENABLED(CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG) || \
	IS_ENABLED(CONFIG_SECURITY_LANDLOCK_KUNIT_TEST)

/*
 * The registry's self-check: /sys/kernel/debug/landlock/registry (with
 * CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG, for tests: the in-VM
 * fault-injection test reads it after every injected failure), proven by KUnit
 * below to count each inconsistency it looks for.  A walk holds one bucket's
 * lock at a time and only counts; the counts are printed once all locks are
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
static void check_entry(struct landlock_introspect_registry *const r,
			struct hlist_head *const head,
			const struct landlock_hierarchy *const h,
			const u64 first, const u64 next,
			struct registry_check *const c)
{
	const struct landlock_hierarchy *a, *o;
	struct hlist_node *pos;
	size_t depth = 0;

	c->entries++;
	if (!refcount_read(&h->usage))
		c->dying++;
	if (&bucket_of(r, h->introspect.counter)->head != head)
		c->wrong_bucket++;
	if (h->introspect.counter < first || h->introspect.counter >= next)
		c->out_of_range++;
	/* Equal counters share a bucket: compare with the entries after @h. */
	for (pos = h->introspect.node.next; pos; pos = pos->next) {
		o = hlist_entry(pos, struct landlock_hierarchy,
				introspect.node);
		if (o->introspect.counter == h->introspect.counter)
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
		if (a != h && data_race(hlist_unhashed(&a->introspect.node)))
			c->orphan++;
	}
	if (depth > LANDLOCK_MAX_NUM_LAYERS)
		c->too_deep++;
}

/* The kernel's next counter: the end of the valid ones. */
static u64 counter_end(void)
{
	return atomic64_read(&landlock_introspect_next_counter);
}

/*
 * Walks @r into @c.  Valid counters are in [@first, @next), where @next 0
 * means the kernel's next counter, read under each bucket's lock: an entry
 * found there was registered before, with a lower counter.
 */
static void check_registry(struct landlock_introspect_registry *const r,
			   const u64 first, const u64 next,
			   struct registry_check *const c)
{
	const struct landlock_hierarchy *h;
	size_t b;

	for (b = 0; b < ARRAY_SIZE(r->buckets); b++) {
		spin_lock(&r->buckets[b].lock);
		hlist_for_each_entry(h, &r->buckets[b].head, introspect.node)
			check_entry(r, &r->buckets[b].head, h, first,
				    next ?: counter_end(), c);
		spin_unlock(&r->buckets[b].lock);
		cond_resched();
	}
}

#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG || CONFIG_SECURITY_LANDLOCK_KUNIT_TEST */

#ifdef CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG

static int registry_check_show(struct seq_file *const m, void *const v)
{
	struct landlock_introspect_registry *r;
	struct registry_check c = {};

	/* Pairs with cmpxchg_release() in landlock_introspect_registry_init_global(). */
	r = smp_load_acquire(&landlock_introspect_global);
	if (!r)
		return -ENOENT;
	check_registry(r, landlock_introspect_first_counter, 0, &c);
	seq_printf(m, "entries %zu\ndying %zu\n", c.entries, c.dying);
	seq_printf(m, "wrong_bucket %zu\nout_of_range %zu\nduplicate %zu\n",
		   c.wrong_bucket, c.out_of_range, c.duplicate);
	seq_printf(m, "orphan %zu\ntoo_deep %zu\n", c.orphan, c.too_deep);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(registry_check);

static int __init landlock_introspect_debugfs_init(void)
{
	struct dentry *const dir = debugfs_create_dir("landlock", NULL);

	debugfs_create_file("registry", 0400, dir, NULL, &registry_check_fops);
	return 0;
}
late_initcall(landlock_introspect_debugfs_init);

#endif /* CONFIG_SECURITY_LANDLOCK_INTROSPECTION_DEBUG */

bool
landlock_introspect_registry_info(struct landlock_introspect_registry *const r,
				  const u64 counter,
				  struct landlock_introspect_info *const out)
{
	typeof(*r->buckets) *const b = bucket_of(r, counter);
	const struct landlock_hierarchy *h;

	spin_lock(&b->lock);
	h = find(&b->head, counter);
	if (h)
		fill(h, out);
	spin_unlock(&b->lock);
	return h;
}

size_t
landlock_introspect_registry_infos(struct landlock_introspect_registry *const r,
				   struct landlock_introspect_info *const out,
				   const size_t cap)
{
	const struct landlock_hierarchy *h;
	size_t b, n = 0;

	for (b = 0; b < ARRAY_SIZE(r->buckets); b++) {
		spin_lock(&r->buckets[b].lock);
		hlist_for_each_entry(h, &r->buckets[b].head, introspect.node) {
			if (n < cap)
				fill(h, &out[n]);
			n++;
		}
		spin_unlock(&r->buckets[b].lock);
		cond_resched();
	}
	return n;
}

bool landlock_introspect_registry_log(struct landlock_introspect_registry *r,
				      const u64 counter, u64 *const id,
				      u64 *const denials)
{
	typeof(*r->buckets) *const b = bucket_of(r, counter);
	const struct landlock_hierarchy *h;

	spin_lock(&b->lock);
	h = find(&b->head, counter);
	if (h) {
		*id = h->id;
		*denials = atomic64_read(&h->num_denials);
	}
	spin_unlock(&b->lock);
	return h;
}

int landlock_introspect_registry_creator(struct landlock_introspect_registry *r,
					 const u64 counter,
					 struct pid_namespace *const ns,
					 struct landlock_introspect_creator *out,
					 char *const exe, const size_t exe_size)
{
	typeof(*r->buckets) *const b = bucket_of(r, counter);
	struct landlock_hierarchy *h;

	memset(out, 0, sizeof(*out));
	spin_lock(&b->lock);
	h = find(&b->head, counter);
	/* A hierarchy whose usage is 0 is being freed: it is gone. */
	if (h && !refcount_inc_not_zero(&h->usage))
		h = NULL;
	spin_unlock(&b->lock);
	if (!h)
		return -ENOENT;
#ifdef CONFIG_SECURITY_LANDLOCK_LOG
	/* The details live as long as the hierarchy, which we now hold. */
	if (h->details) {
		const struct landlock_details *const d = h->details;
		ssize_t len;

		scoped_guard(rcu) {
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
	/*
	 * If this was the last reference (the domain's last task and
	 * credentials went meanwhile), the hierarchy is freed from a
	 * workqueue, not in the reader's context.
	 */
	reader_put(h);
	return 0;
}

size_t landlock_introspect_creator_exe_size(void)
{
	return LANDLOCK_PATH_MAX_SIZE;
}

#ifdef CONFIG_SECURITY_LANDLOCK_KUNIT_TEST

/* KUnit's helpers (introspect_api.h): test hierarchies and task entries. */

struct landlock_hierarchy *
landlock_introspect_test_hierarchy(struct landlock_introspect_registry *const r,
				   const u64 counter,
				   struct landlock_hierarchy *const parent)
{
	struct landlock_hierarchy *const h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->introspect.counter = counter;
	h->parent = parent;
	refcount_set(&h->usage, 1);
	/* Distinct made-up values, so that tests see whose fields are read. */
	h->id = counter % 991;
	atomic64_set(&h->num_denials, counter % 997);
	enter(r, h);
	return h;
}

void
landlock_introspect_test_hierarchy_free(struct landlock_introspect_registry *r,
					struct landlock_hierarchy *const h)
{
	leave(r, h);
	kfree(h);
}

struct landlock_introspect_task *
landlock_introspect_test_task(struct landlock_hierarchy *const h)
{
	struct landlock_introspect_task *const t =
		kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->task = current;
	index_link(t, h);
	return t;
}

void landlock_introspect_test_task_move(struct landlock_introspect_task *const t,
					struct landlock_hierarchy *const to)
{
	index_unlink(t);
	index_link(t, to);
}

void landlock_introspect_test_task_free(struct landlock_introspect_task *const t)
{
	index_unlink(t);
	kfree(t);
}

bool
landlock_introspect_test_unregistered_free(struct landlock_hierarchy *parent)
{
	struct landlock_hierarchy *const h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return false;
	h->parent = parent;
	/* What landlock_put_hierarchy() does before it frees @h. */
	landlock_introspect_unregister(h);
	kfree(h);
	return true;
}

u64 landlock_introspect_test_events(struct landlock_hierarchy *const h)
{
	return atomic64_read(h ? &h->introspect.events :
				 &landlock_introspect_events);
}

#endif /* CONFIG_SECURITY_LANDLOCK_KUNIT_TEST */

/* Helpers for Rust (glue.rs; documented in introspect_api.h). */

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

/* In the order of &struct landlock_introspect_info.access (glue.rs: AccessClass). */
static const struct {
	const char *const *names;
	size_t len;
} access_classes[] = {
	{ fs_names, ARRAY_SIZE(fs_names) },
	{ net_names, ARRAY_SIZE(net_names) },
	{ scope_names, ARRAY_SIZE(scope_names) },
};

static_assert(ARRAY_SIZE(access_classes) ==
	      ARRAY_SIZE(((struct landlock_introspect_info *)NULL)->access));

const char *landlock_introspect_access_name(const size_t class,
					    const unsigned int bit)
{
	if (class >= ARRAY_SIZE(access_classes) ||
	    bit >= access_classes[class].len)
		return NULL;
	return access_classes[class].names[bit];
}

/* Whether @a is @h or one of its ancestors. */
static bool is_at_or_above(const struct landlock_hierarchy *const a,
			   const struct landlock_hierarchy *h)
{
	for (; h; h = h->parent)
		if (h == a)
			return true;
	return false;
}

u64 landlock_introspect_generation(const struct cred *const opener,
				   u64 *const view, u32 *const wake_bucket)
{
	/* Only the task itself replaces its credentials: no RCU needed. */
	struct landlock_hierarchy *const doms[] = {
		cred_hierarchy(opener),
		cred_hierarchy(current_cred()),
		cred_hierarchy(current_real_cred()),
	};
	struct landlock_hierarchy *v = NULL;
	size_t i;

	/*
	 * The reader sees the domains strictly below all of its domains
	 * (rule 1): those below the deepest, if the others are it or its
	 * ancestors; none otherwise, where nothing it sees can change.
	 */
	for (i = 0; i < ARRAY_SIZE(doms); i++) {
		if (!doms[i] || is_at_or_above(doms[i], v))
			continue;
		if (v && !is_at_or_above(v, doms[i])) {
			/* Never woken: nothing it sees can change. */
			*view = U64_MAX;
			*wake_bucket = U32_MAX;
			return 0;
		}
		v = doms[i];
	}
	if (!v) {
		*view = 0;
		*wake_bucket = LANDLOCK_INTROSPECT_WAKE_BUCKETS;
		return atomic64_read(&landlock_introspect_events);
	}
	*view = v->introspect.counter;
	*wake_bucket = v->introspect.wake_bucket;
	return atomic64_read(&v->introspect.events);
}

size_t landlock_introspect_generation_queues(void)
{
	return LANDLOCK_INTROSPECT_WAKE_BUCKETS + 1;
}

void landlock_introspect_generation_open(void)
{
	atomic_inc(&landlock_introspect_watchers);
	/* Pairs with the barrier in count_change(). */
	smp_mb__after_atomic();
}

void landlock_introspect_generation_close(void)
{
	atomic_dec(&landlock_introspect_watchers);
}

/*
 * current_cred() and current_real_cred(), because struct task_struct is not
 * reliably laid out by bindgen.
 */
const struct cred *landlock_introspect_current_cred(void)
{
	return current_cred();
}

const struct cred *landlock_introspect_current_real_cred(void)
{
	return current_real_cred();
}

u64 landlock_introspect_current_objective_domain(u8 *const depth)
{
	/* Only the task itself replaces its objective credentials. */
	return landlock_introspect_cred_domain(current_real_cred(), depth);
}

u64 landlock_introspect_cred_domain(const struct cred *const cred,
				    u8 *const depth)
{
	const struct landlock_domain *const dom = landlock_cred(cred)->domain;

	*depth = dom ? dom->num_layers : 0;
	return dom ? dom->hierarchy->introspect.counter : 0;
}

u8 landlock_introspect_task_chain(struct task_struct *const task,
				  u64 *const chain, u32 *const access)
{
	const struct landlock_domain *dom;
	const struct landlock_hierarchy *h;
	size_t i;

	/* The credentials, and so the domain and its hierarchies, live. */
	guard(rcu)
		();
	dom = landlock_get_task_domain(task);
	if (!dom || dom->num_layers > LANDLOCK_MAX_NUM_LAYERS)
		return 0;
	h = dom->hierarchy;
	for (i = dom->num_layers; i > 0 && h; i--, h = h->parent) {
		chain[i - 1] = h->introspect.counter;
		if (access)
			memcpy(&access[(i - 1) *
				       ARRAY_SIZE(h->introspect.access)],
			       h->introspect.access,
			       sizeof(h->introspect.access));
	}
	return dom->num_layers;
}

u64 landlock_introspect_task_domain(struct task_struct *const task)
{
	const struct landlock_domain *dom;

	guard(rcu)
		();
	dom = landlock_get_task_domain(task);
	return dom ? dom->hierarchy->introspect.counter : 0;
}

/* The rules file (rules.rs). */

/* The layout that registry.rs mirrors (RawRule) and checks there too. */
static_assert(sizeof(struct landlock_introspect_rule) == 32);
static_assert(offsetof(struct landlock_introspect_rule, ino) == 8);
static_assert(offsetof(struct landlock_introspect_rule, access) == 24);
static_assert(offsetof(struct landlock_introspect_rule, port) == 28);
static_assert(offsetof(struct landlock_introspect_rule, type) == 30);
static_assert(offsetof(struct landlock_introspect_rule, flags) == 31);
/* The numbers registry.rs uses (RULE_*, Unnamed::from_c()). */
static_assert(LANDLOCK_RULE_PATH_BENEATH == 1 && LANDLOCK_RULE_NET_PORT == 2);
static_assert(LANDLOCK_INTROSPECT_RULE_QUIET == 1 &&
	      LANDLOCK_INTROSPECT_RULE_RELEASED == 2);
static_assert(LANDLOCK_INTROSPECT_PATH_RELEASED == 1 &&
	      LANDLOCK_INTROSPECT_PATH_UNCACHED == 2 &&
	      LANDLOCK_INTROSPECT_PATH_DELETED == 3 &&
	      LANDLOCK_INTROSPECT_PATH_UNREACHABLE == 4 &&
	      LANDLOCK_INTROSPECT_PATH_TOO_LONG == 5);

struct landlock_domain *
landlock_introspect_registry_domain(struct landlock_introspect_registry *const r,
				    const u64 counter, u32 *const level)
{
	typeof(*r->buckets) *const b = bucket_of(r, counter);
	struct landlock_domain *d = NULL;
	struct landlock_hierarchy *h;
	unsigned long flags;

	spin_lock(&b->lock);
	h = find(&b->head, counter);
	if (h) {
		/*
		 * Under @lock, @domain is either NULL or a domain whose memory
		 * is intact: landlock_introspect_forget_domain() clears it
		 * before the domain's @usage is overlaid or freed.
		 */
		spin_lock_irqsave(&h->introspect.lock, flags);
		d = h->introspect.domain;
		if (d && !refcount_inc_not_zero(&d->usage))
			d = NULL;
		spin_unlock_irqrestore(&h->introspect.lock, flags);
	}
	spin_unlock(&b->lock);
	if (d)
		*level = d->num_layers;
	return d;
}

struct landlock_domain *
landlock_introspect_task_domain_below(struct task_struct *const task,
				      const u64 counter, u32 *const level)
{
	struct landlock_domain *d;
	const struct landlock_hierarchy *h;
	u32 depth;

	guard(rcu)();
	/*
	 * The credentials put their domain only once an RCU grace period
	 * after their last use: within this section it holds a reference.
	 */
	d = landlock_cred(__task_cred(task))->domain;
	if (!d)
		return NULL;
	for (h = d->hierarchy, depth = d->num_layers; h && depth;
	     h = h->parent, depth--) {
		if (h->introspect.counter != counter)
			continue;
		if (!refcount_inc_not_zero(&d->usage))
			return NULL;
		*level = depth;
		return d;
	}
	return NULL;
}

void landlock_introspect_domain_put(struct landlock_domain *const domain)
{
	landlock_put_domain_deferred(domain);
}

/* The layer of @rule at @level, if any (layers are sorted by level). */
static const struct landlock_layer *
layer_at(const struct landlock_rule *const rule, const u32 level)
{
	u32 i;

	for (i = 0; i < rule->num_layers; i++)
		if (rule->layers[i].level == level)
			return &rule->layers[i];
	return NULL;
}

/*
 * A rule's layer holds the rights its ruleset allowed and those it did not
 * handle (landlock_append_fs_rule() makes them absolute): @handled keeps the
 * ones the rule was added with.
 */
static void fill_rule(struct landlock_introspect_rule *const out,
		      const struct landlock_rule *const rule,
		      const struct landlock_layer *const layer, const u8 type,
		      const access_mask_t handled)
{
	memset(out, 0, sizeof(*out));
	out->rule = rule;
	out->type = type;
	out->access = layer->access & handled;
	if (layer->flags.quiet)
		out->flags |= LANDLOCK_INTROSPECT_RULE_QUIET;
}

/* Fills the object of an inode rule: the inode, or that it was released. */
static void fill_inode(struct landlock_introspect_rule *const out,
		       const struct landlock_rule *const rule)
{
	struct landlock_object *const object = rule->key.object;
	const struct inode *inode;

	/* hook_sb_delete() releases the inode under this lock. */
	spin_lock(&object->lock);
	inode = object->underobj;
	if (inode) {
		out->ino = inode->i_ino;
		out->dev_major = MAJOR(inode->i_sb->s_dev);
		out->dev_minor = MINOR(inode->i_sb->s_dev);
	} else {
		out->flags |= LANDLOCK_INTROSPECT_RULE_RELEASED;
	}
	spin_unlock(&object->lock);
}

#if IS_ENABLED(CONFIG_INET)
/* Fills the object of a port rule. */
static void fill_port(struct landlock_introspect_rule *const out,
		      const struct landlock_rule *const rule)
{
	out->port = ntohs((__force __be16)rule->key.data);
}
#endif /* IS_ENABLED(CONFIG_INET) */

/*
 * Lists the rules of one tree that have a layer at @level into @out, from
 * index @n, and returns the new count (which goes on past @cap).
 */
static size_t list_layer(const struct rb_root *const root, const u32 level,
			 const u8 type, const access_mask_t handled,
			 void (*const fill_object)(struct landlock_introspect_rule *,
						   const struct landlock_rule *),
			 struct landlock_introspect_rule *const out,
			 const size_t cap, size_t n)
{
	const struct landlock_rule *rule, *next;

	rbtree_postorder_for_each_entry_safe(rule, next, root, node) {
		const struct landlock_layer *const layer =
			layer_at(rule, level);

		cond_resched();
		if (!layer)
			continue;
		if (n < cap) {
			fill_rule(&out[n], rule, layer, type, handled);
			fill_object(&out[n], rule);
		}
		n++;
	}
	return n;
}

size_t landlock_introspect_domain_rules(const struct landlock_domain *const domain,
					const u32 level,
					struct landlock_introspect_rule *const out,
					const size_t cap)
{
	struct access_masks handled;
	size_t n;

	if (!level || level > domain->num_layers)
		return 0;
	handled = domain->handled_masks[level - 1];

	n = list_layer(&domain->rules.root_inode, level,
		       LANDLOCK_RULE_PATH_BENEATH, handled.fs, fill_inode, out,
		       cap, 0);
#if IS_ENABLED(CONFIG_INET)
	n = list_layer(&domain->rules.root_net_port, level,
		       LANDLOCK_RULE_NET_PORT, handled.net, fill_port, out, cap,
		       n);
#endif /* IS_ENABLED(CONFIG_INET) */
	return n;
}

/* A mount of a reader's collection, in the order of the search. */
struct mount_ref {
	/** @sb: The mount's superblock. */
	const struct super_block *sb;
	/** @index: Its place in &struct landlock_introspect_mounts.paths. */
	size_t index;
};

/**
 * struct landlock_introspect_mounts - The mounts a reader of rules sees
 */
struct landlock_introspect_mounts {
	/** @root: The reader's root. */
	struct path root;
	/**
	 * @paths: The mounts under @root, in collect_paths()'s order (@root's
	 * first, then depth first); may be NULL.
	 */
	const struct path *paths;
	/** @len: How many there are in @paths (before its terminator). */
	size_t len;
	/**
	 * @by_sb: @len references to @paths, sorted by superblock, then in
	 * @paths' order: the first mount of a superblock that names a dentry
	 * is always the same one.
	 */
	struct mount_ref *by_sb;
};

static int cmp_mount_ref(const void *const a, const void *const b)
{
	const struct mount_ref *const ra = a, *const rb = b;

	if (ra->sb != rb->sb)
		return ra->sb < rb->sb ? -1 : 1;
	return ra->index < rb->index ? -1 : ra->index > rb->index;
}

struct landlock_introspect_mounts *landlock_introspect_mounts_collect(void)
{
	struct landlock_introspect_mounts *const m =
		kzalloc_obj(*m, GFP_KERNEL_ACCOUNT);
	const struct path *paths;
	size_t i;

	if (!m)
		return NULL;
	get_fs_root(current->fs, &m->root);
	/*
	 * A root outside the reader's mount namespace (-EINVAL) shows no
	 * mount: every rule is then unreachable for this reader.
	 */
	paths = collect_paths(&m->root, NULL, 0);
	if (IS_ERR(paths)) {
		if (PTR_ERR(paths) == -ENOMEM) {
			landlock_introspect_mounts_free(m);
			return NULL;
		}
		return m;
	}
	m->paths = paths;
	while (paths[m->len].mnt)
		m->len++;
	m->by_sb = kvmalloc_array(m->len, sizeof(*m->by_sb), GFP_KERNEL_ACCOUNT);
	if (!m->by_sb) {
		landlock_introspect_mounts_free(m);
		return NULL;
	}
	for (i = 0; i < m->len; i++) {
		m->by_sb[i].sb = paths[i].mnt->mnt_sb;
		m->by_sb[i].index = i;
	}
	sort(m->by_sb, m->len, sizeof(*m->by_sb), cmp_mount_ref, NULL);
	return m;
}

void landlock_introspect_mounts_free(struct landlock_introspect_mounts *const m)
{
	if (!m)
		return;
	kvfree(m->by_sb);
	if (m->paths)
		drop_collected_paths(m->paths, NULL);
	path_put(&m->root);
	kfree(m);
}

/* The index in @m->by_sb of the first mount of @sb, or @m->len. */
static size_t first_mount_of(const struct landlock_introspect_mounts *const m,
			     const struct super_block *const sb)
{
	size_t lo = 0, hi = m->len;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (m->by_sb[mid].sb < sb)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->len && m->by_sb[lo].sb == sb ? lo : m->len;
}

int landlock_introspect_rule_path(const struct landlock_introspect_mounts *const m,
				  const struct landlock_introspect_rule *const rule,
				  char *const buf, const size_t size,
				  size_t *const start)
{
	const struct landlock_rule *const r = rule->rule;
	struct landlock_object *const object = r->key.object;
	struct inode *inode;
	struct dentry *dentry;
	size_t first, i;
	int reason = LANDLOCK_INTROSPECT_PATH_UNREACHABLE;

	if (rule->type != LANDLOCK_RULE_PATH_BENEATH || !size)
		return LANDLOCK_INTROSPECT_PATH_UNREACHABLE;
	spin_lock(&object->lock);
	inode = object->underobj;
	if (!inode) {
		spin_unlock(&object->lock);
		return LANDLOCK_INTROSPECT_PATH_RELEASED;
	}
	first = first_mount_of(m, inode->i_sb);
	spin_unlock(&object->lock);
	if (first == m->len)
		return LANDLOCK_INTROSPECT_PATH_UNREACHABLE;
	/*
	 * @m holds a mount of the inode's superblock, so the superblock
	 * cannot shut down and hook_sb_delete() cannot release the inode,
	 * which @object holds; the caller's domain holds the rule, which holds
	 * @object.  The inode stays valid without a reference of our own.
	 * Any alias, hashed or not: an unlinked file's is unhashed.
	 */
	dentry = d_find_any_alias(inode);
	if (!dentry)
		return LANDLOCK_INTROSPECT_PATH_UNCACHED;
	if (d_unlinked(dentry)) {
		dput(dentry);
		return LANDLOCK_INTROSPECT_PATH_DELETED;
	}
	for (i = first; i < m->len && m->by_sb[i].sb == inode->i_sb; i++) {
		const struct path path = {
			.mnt = m->paths[m->by_sb[i].index].mnt,
			.dentry = dentry,
		};
		char *const s = __d_path(&path, &m->root, buf, size);

		if (IS_ERR(s)) {
			reason = LANDLOCK_INTROSPECT_PATH_TOO_LONG;
			continue;
		}
		if (s) {
			*start = s - buf;
			dput(dentry);
			return 0;
		}
	}
	dput(dentry);
	return reason;
}

#ifdef CONFIG_SECURITY_LANDLOCK_KUNIT_TEST

/* The sum of the error counts of @c. */
static size_t check_errors(const struct registry_check *const c)
{
	return c->wrong_bucket + c->out_of_range + c->duplicate + c->orphan +
	       c->too_deep;
}

static struct registry_check
check_of(struct landlock_introspect_registry *const r)
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
			struct landlock_introspect_registry *const r,
			const u64 counter,
			struct landlock_hierarchy *const parent,
			const size_t offset, const char *const name)
{
	struct landlock_hierarchy *const h =
		landlock_introspect_test_hierarchy(r, counter, parent);
	struct registry_check c;

	KUNIT_ASSERT_NOT_NULL(test, h);
	c = check_of(r);
	KUNIT_EXPECT_EQ_MSG(test, *(size_t *)((char *)&c + offset), 1,
			    "%s for counter %llu", name, counter);
	KUNIT_EXPECT_EQ_MSG(test, check_errors(&c), 1,
			    "errors for counter %llu", counter);
	landlock_introspect_test_hierarchy_free(r, h);
}

/* Each inconsistency the self-check looks for, made in a private registry. */
static void test_registry_check(struct kunit *const test)
{
	struct landlock_introspect_registry *const r =
		landlock_introspect_registry_new();
	struct landlock_hierarchy *chain[LANDLOCK_MAX_NUM_LAYERS] = {};
	struct landlock_hierarchy *h, *p;
	struct registry_check c;
	u64 other;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	/* Consistent: a chain of the deepest nesting Landlock allows. */
	for (i = 0; i < LANDLOCK_MAX_NUM_LAYERS; i++) {
		struct landlock_hierarchy *const parent = i ? chain[i - 1] : NULL;

		chain[i] = landlock_introspect_test_hierarchy(r, 1000 + i, parent);
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
	h = landlock_introspect_test_hierarchy(r, 1200, NULL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	for (other = 1201; bucket_of(r, other) == bucket_of(r, 1200); other++)
		;
	h->introspect.counter = other;
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.wrong_bucket, 1);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 1);
	h->introspect.counter = 1200;
	landlock_introspect_test_hierarchy_free(r, h);

	/* An entry whose parent left the registry. */
	p = landlock_introspect_test_hierarchy(r, 1300, NULL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	h = landlock_introspect_test_hierarchy(r, 1301, p);
	KUNIT_ASSERT_NOT_NULL(test, h);
	registry_remove(r, p);
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.orphan, 1);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 1);
	landlock_introspect_test_hierarchy_free(r, h);
	kfree(p);

	/* A dying entry is counted, not an error. */
	refcount_set(&chain[0]->usage, 0);
	c = check_of(r);
	KUNIT_EXPECT_EQ(test, c.dying, 1);
	KUNIT_EXPECT_EQ(test, check_errors(&c), 0);
	refcount_set(&chain[0]->usage, 1);

	for (i = LANDLOCK_MAX_NUM_LAYERS; i > 0; i--)
		landlock_introspect_test_hierarchy_free(r, chain[i - 1]);
	KUNIT_EXPECT_EQ(test, check_of(r).entries, 0);
	landlock_introspect_registry_free(r);
}

/*
 * A domain's bucket is a keyed hash of its counter: not the counter's low
 * bits, and not the same in two registries (two keys).  Either check fails
 * by chance with a probability of about 2^-640.
 */
static void test_buckets_are_keyed(struct kunit *const test)
{
	struct landlock_introspect_registry *const r1 =
		landlock_introspect_registry_new();
	struct landlock_introspect_registry *const r2 =
		landlock_introspect_registry_new();
	size_t same = 0, low_bits = 0;
	u64 c;

	KUNIT_ASSERT_NOT_NULL(test, r1);
	KUNIT_ASSERT_NOT_NULL(test, r2);
	for (c = 0; c < 64; c++) {
		const size_t b1 = bucket_of(r1, c) - r1->buckets;
		const size_t b2 = bucket_of(r2, c) - r2->buckets;

		same += b1 == b2;
		low_bits += b1 == c;
	}
	KUNIT_EXPECT_LT(test, same, 64);
	KUNIT_EXPECT_LT(test, low_bits, 64);
	landlock_introspect_registry_free(r1);
	landlock_introspect_registry_free(r2);
}

static struct kunit_case registry_check_test_cases[] = {
	KUNIT_CASE(test_registry_check),
	KUNIT_CASE(test_buckets_are_keyed),
	{}
};

static struct kunit_suite registry_check_test_suite = {
	.name = "landlock_introspect_registry_check",
	.test_cases = registry_check_test_cases,
};

kunit_test_suite(registry_check_test_suite);

#endif /* CONFIG_SECURITY_LANDLOCK_KUNIT_TEST */
