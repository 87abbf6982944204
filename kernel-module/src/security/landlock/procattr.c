// SPDX-License-Identifier: GPL-2.0-only
/*
 * Landlock - /proc/<pid>/attr/landlock/domain
 *
 * The per-task entry point of domain introspection: the name of a task's
 * domain in /sys/kernel/security/landlock/domains/, read through a /proc
 * directory that cannot reach a recycled PID.  The same rule 1 as the tree
 * (Documentation/security/landlock.rst): a reader learns the domain only if
 * it is strictly below its own, so a sandboxed task reads nothing about its
 * own sandbox, exactly what it reads about an unsandboxed task.
 */

#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/lsm_hooks.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cred.h"
#include "domain.h"
#include "introspect.h"
#include "setup.h"

/* Set once /sys/kernel/security/landlock exists, and with it the IDs. */
bool landlock_introspect_tree_ready __ro_after_init;

/*
 * Whether @dom is strictly below @reader (NULL: not sandboxed, above all).
 * O(LANDLOCK_MAX_NUM_LAYERS).  The caller holds a reference to both or is in
 * an RCU read-side critical section that keeps their credentials.
 */
static bool is_strictly_below(const struct landlock_domain *const dom,
			      const struct landlock_domain *const reader)
{
	const struct landlock_hierarchy *h;
	size_t up;

	if (!dom)
		return false;
	if (!reader)
		return true;
	if (dom->num_layers <= reader->num_layers)
		return false;
	h = dom->hierarchy;
	for (up = dom->num_layers - reader->num_layers; up > 0 && h; up--)
		h = h->parent;
	return h == reader->hierarchy;
}

/*
 * The counter of @task's domain if the current task may learn it, else 0:
 * the domain must be strictly below both of the reader's domains (those of
 * its subjective and objective credentials, as for the tree), and @task must
 * have a PID in the reader's PID namespace.
 */
static u64 visible_counter(struct task_struct *const task)
{
	const struct landlock_domain *dom;

	if (!task_pid_nr_ns(task, task_active_pid_ns(current)))
		return 0;
	guard(rcu)
		();
	dom = landlock_get_task_domain(task);
	if (!is_strictly_below(dom, landlock_cred(current_cred())->domain) ||
	    !is_strictly_below(dom, landlock_cred(current_real_cred())->domain))
		return 0;
	return dom->hierarchy->introspect.counter;
}

static bool may_read(struct task_struct *const task)
{
	return ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS |
					       PTRACE_MODE_NOAUDIT);
}

static int hook_getprocattr(struct task_struct *const task,
			    const char *const name, char **const value)
{
	u64 counter, id;
	int err;

	might_sleep();
	/* No tree (its creation failed), no name to give: as for no hook. */
	if (strcmp(name, "domain") || !landlock_introspect_tree_ready)
		return -EINVAL;
	/*
	 * procfs checked the opener; check the reader too (a descriptor may
	 * have been passed), before looking at the domain, so that what it
	 * pays does not depend on a domain it may not see.  And again after:
	 * the task may have changed its credentials in between (become
	 * undumpable, executed a set-user-ID program, sandboxed itself).
	 * Domains only nest deeper, so a check after the domain was read
	 * covers it.  Not audited, as the tree's checks: a monitoring daemon
	 * reads in a loop.
	 */
	if (!may_read(task))
		return -EACCES;
	counter = visible_counter(task);
	if (!may_read(task))
		return -EACCES;
	if (!counter)
		return 0;
	err = landlock_introspect_tree_id(counter, &id);
	if (err)
		return err;
	*value = kasprintf(GFP_KERNEL, "%016llx\n", id);
	if (!*value)
		return -ENOMEM;
	return strlen(*value);
}

static struct security_hook_list landlock_procattr_hooks[] __ro_after_init = {
	LSM_HOOK_INIT(getprocattr, hook_getprocattr),
};

/**
 * landlock_introspect_add_procattr_hooks - Serve /proc/<pid>/attr/landlock/
 *
 * Called by landlock_init(), with Landlock's other hooks.
 */
void __init landlock_introspect_add_procattr_hooks(void)
{
	security_add_hooks(landlock_procattr_hooks,
			   ARRAY_SIZE(landlock_procattr_hooks),
			   &landlock_lsmid);
}

#ifdef CONFIG_SECURITY_LANDLOCK_KUNIT_TEST

/* A chain a <- b <- c, and x, a root domain beside it. */
static void test_strictly_below(struct kunit *const test)
{
	struct landlock_hierarchy *const h =
		kunit_kcalloc(test, 4, sizeof(*h), GFP_KERNEL);
	struct landlock_domain *const d =
		kunit_kcalloc(test, 4, sizeof(*d), GFP_KERNEL);
	struct landlock_domain *a, *b, *c, *x;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, d);
	a = &d[0];
	b = &d[1];
	c = &d[2];
	x = &d[3];
	h[1].parent = &h[0];
	h[2].parent = &h[1];
	a->hierarchy = &h[0];
	a->num_layers = 1;
	b->hierarchy = &h[1];
	b->num_layers = 2;
	c->hierarchy = &h[2];
	c->num_layers = 3;
	x->hierarchy = &h[3];
	x->num_layers = 1;

	/* An unsandboxed reader is above every domain, none is below it. */
	KUNIT_EXPECT_TRUE(test, is_strictly_below(a, NULL));
	KUNIT_EXPECT_TRUE(test, is_strictly_below(c, NULL));
	KUNIT_EXPECT_FALSE(test, is_strictly_below(NULL, NULL));
	KUNIT_EXPECT_FALSE(test, is_strictly_below(NULL, a));
	/* Principle 1: never the reader's own domain nor its ancestors. */
	KUNIT_EXPECT_FALSE(test, is_strictly_below(b, b));
	KUNIT_EXPECT_FALSE(test, is_strictly_below(a, b));
	KUNIT_EXPECT_FALSE(test, is_strictly_below(a, c));
	KUNIT_EXPECT_TRUE(test, is_strictly_below(b, a));
	KUNIT_EXPECT_TRUE(test, is_strictly_below(c, a));
	KUNIT_EXPECT_TRUE(test, is_strictly_below(c, b));
	/* Another chain: neither below nor above. */
	KUNIT_EXPECT_FALSE(test, is_strictly_below(c, x));
	KUNIT_EXPECT_FALSE(test, is_strictly_below(x, a));
	KUNIT_EXPECT_FALSE(test, is_strictly_below(a, x));
}

/* The KUnit thread is not sandboxed: its file is empty, as for any reader. */
static void test_hook_on_an_unsandboxed_task(struct kunit *const test)
{
	char *value = NULL;

	/* The suite runs after the tree's fs_initcall (late_initcall). */
	KUNIT_ASSERT_TRUE(test, landlock_introspect_tree_ready);

	KUNIT_EXPECT_EQ(test, -EINVAL,
			hook_getprocattr(current, "current", &value));
	KUNIT_EXPECT_EQ(test, -EINVAL, hook_getprocattr(current, "", &value));
	KUNIT_EXPECT_EQ(test, 0, hook_getprocattr(current, "domain", &value));
	KUNIT_EXPECT_NULL(test, value);
}

static struct kunit_case test_cases[] = {
	/* clang-format off */
	KUNIT_CASE(test_strictly_below),
	KUNIT_CASE(test_hook_on_an_unsandboxed_task),
	{}
	/* clang-format on */
};

static struct kunit_suite test_suite = {
	.name = "landlock_procattr",
	.test_cases = test_cases,
};

kunit_test_suite(test_suite);

#endif /* CONFIG_SECURITY_LANDLOCK_KUNIT_TEST */
