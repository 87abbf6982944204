/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Landlock - glue between C Landlock and the Rust audit filesystem
 *
 * The tree itself (registry, visibility policy, formatting and VFS
 * operations) is Rust (tree.rs, registry.rs, view.rs, domains.rs).  This
 * header declares what C calls in Rust, and the few C helpers Rust needs
 * because they read Landlock's private structures or are inline functions.
 */

#ifndef _SECURITY_LANDLOCK_FS_GLUE_H
#define _SECURITY_LANDLOCK_FS_GLUE_H

#include <linux/types.h>

struct landlock_domain;
struct landlock_hierarchy;

/**
 * struct landlock_fs_domain - What the tree shows of a domain
 *
 * Filled by landlock_fs_register_domain() and copied by the Rust registry.
 * @comm, @exe and @creator_pid point into the hierarchy's
 * &struct landlock_details: they stay valid until the domain is
 * unregistered, which landlock_put_hierarchy() does before freeing them.
 */
struct landlock_fs_domain {
	/** @counter: The domain's counter (its ID is a permutation of it). */
	u64 counter;
	/** @parent_counter: The parent domain's counter, 0 for a root domain. */
	u64 parent_counter;
	/** @fs: Filesystem access rights handled by this layer. */
	u32 fs;
	/** @net: Network access rights handled by this layer. */
	u32 net;
	/** @scope: Scopes handled by this layer. */
	u32 scope;
	/** @creator_uid: UID of the creator in the initial user namespace. */
	uid_t creator_uid;
	/** @creator_pid: TGID of the creator (a reference the details hold). */
	struct pid *creator_pid;
	/** @comm: NUL-terminated comm of the creator. */
	const char *comm;
	/** @exe: NUL-terminated executable path of the creator. */
	const char *exe;
	/**
	 * @task_pid: A counted reference to the creating thread's PID, given
	 * to the registry (its first rule-2 hint, see view.rs).
	 */
	struct pid *task_pid;
};

#ifdef CONFIG_SECURITY_LANDLOCK_FS

/* Rust (registry.rs). */
int landlock_fs_insert(const struct landlock_fs_domain *domain);
void landlock_fs_remove(u64 counter);

/* C (fs_glue.c). */
int landlock_fs_register_domain(const struct landlock_domain *domain);

#else /* CONFIG_SECURITY_LANDLOCK_FS */

static inline int
landlock_fs_register_domain(const struct landlock_domain *domain)
{
	return 0;
}

#endif /* CONFIG_SECURITY_LANDLOCK_FS */

#endif /* _SECURITY_LANDLOCK_FS_GLUE_H */
