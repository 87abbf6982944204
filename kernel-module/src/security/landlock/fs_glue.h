/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Landlock - glue between C Landlock and the Rust audit filesystem
 *
 * The tree itself (visibility policy, formatting and VFS operations) is
 * Rust (tree.rs, view.rs, domains.rs); the registry of live domains is C
 * (fs_glue.c, wrapped by registry.rs), because its entries are embedded in
 * struct landlock_hierarchy.  This header declares what Landlock calls, and
 * the types the registry shares with Rust.
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

#endif /* _SECURITY_LANDLOCK_FS_GLUE_H */
