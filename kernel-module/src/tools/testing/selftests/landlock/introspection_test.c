// SPDX-License-Identifier: GPL-2.0
/*
 * Landlock tests - Introspection tree of domains
 *
 * The read-only tree under securityfs lists Landlock domains to the readers
 * allowed to see them: a reader sees the domains strictly below its own
 * (all of them when it is not sandboxed) that hold a task it may trace and
 * that has a PID in its PID namespace, and, with CAP_SYS_PTRACE in the
 * initial user namespace, the domains without any task.  Everything else
 * answers ENOENT, as a domain that does not exist.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* The tree and its files. */
#define TREE_DIR "/sys/kernel/security/landlock"
#define TREE_DOMAINS TREE_DIR "/domains"
#define TREE_TASKS TREE_DIR "/tasks"
#define TREE_SNAPSHOT TREE_DIR "/snapshot"
#define TREE_GENERATION TREE_DIR "/generation"
#define DOMAIN_PARENT "parent"
#define DOMAIN_DEPTH "depth"
#define DOMAIN_ACCESS "access"
#define DOMAIN_TASKS "tasks"
#define DOMAIN_CREATOR "creator"
#define DOMAIN_AUDIT_ID "audit_id"
#define DOMAIN_DENIALS "denials"
#define DOMAIN_RULES "rules"

#define YAMA_PTRACE_SCOPE "/proc/sys/kernel/yama/ptrace_scope"
/*
 * Yama's ptrace_scope 3 cannot be lowered until reboot: the variant that
 * sets it runs only when this variable is "1" or the scope already is 3.
 */
#define ENV_YAMA_SCOPE_3 "LANDLOCK_INTROSPECTION_YAMA_SCOPE_3"

/* A domain's ID is 16 lowercase hexadecimal digits. */
#define ID_LEN 16
#define ID_SIZE (ID_LEN + 1)
#define MAX_DOMAINS 512
#define BUF_SIZE (256 * 1024)

/* Unprivileged users of the tests (no passwd entry needed). */
#define UID_A 1000
#define UID_B 1001
#define UID_DAEMON 1002
/*
 * For spawn_sleeper(): UID 0 without any capability, which a root reader
 * without CAP_SYS_PTRACE may trace (cap_ptrace_access_check() wants the
 * target's permitted capabilities to be a subset of the reader's).
 */
#define ROOT_WITHOUT_CAPS ((uid_t)-2)

/* Bounded wait for a freed domain to leave the tree (deferred free). */
#define FREE_TIMEOUT_MS 10000
#define POLL_MS 10

static const char access_make_dir[] = "fs: make_dir refer\nnet:\nscope:\n";
static const char access_make_reg[] = "fs: make_reg refer\nnet:\nscope:\n";

/* The tree exists when Landlock and the tree's option are enabled. */
static bool has_tree(void)
{
	return !access(TREE_DIR "/version", F_OK);
}

static char *alloc_buf(struct __test_metadata *const _metadata)
{
	char *const buf = malloc(BUF_SIZE);

	ASSERT_NE(NULL, buf);
	buf[0] = '\0';
	return buf;
}

/* Reads @fd from its current position to the end.  Returns -errno. */
static ssize_t read_fd(const int fd, char *const buf, const size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		const ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return len;
}

/* Reads a whole file.  Returns its length, or -errno of open() or read(). */
static ssize_t read_path(const char *const path, char *const buf,
			 const size_t size)
{
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t ret;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	ret = read_fd(fd, buf, size);
	close(fd);
	return ret;
}

/* The path of a domain's directory (@file NULL) or of one of its files. */
static const char *domain_path(char *const out, const char *const id,
			       const char *const file)
{
	if (file)
		snprintf(out, PATH_MAX, "%s/%s/%s", TREE_DOMAINS, id, file);
	else
		snprintf(out, PATH_MAX, "%s/%s", TREE_DOMAINS, id);
	return out;
}

static ssize_t read_domain_file(const char *const id, const char *const file,
				char *const buf, const size_t size)
{
	char path[PATH_MAX];

	return read_path(domain_path(path, id, file), buf, size);
}

/* Returns 0 or -errno of stat(). */
static int stat_domain(const char *const id, const char *const file)
{
	char path[PATH_MAX];
	struct stat st;

	if (stat(domain_path(path, id, file), &st))
		return -errno;
	return 0;
}

/* Returns the file descriptor or -errno of open(). */
static int open_domain(const char *const id, const char *const file,
		       const int flags)
{
	char path[PATH_MAX];
	const int fd = open(domain_path(path, id, file), flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * Finds the domain of task @tid in a "<tgid> <tid> <id>" listing (the
 * top-level tasks file).  Returns 0, or -ENOENT when it is not listed.
 */
static int find_task_domain(const char *const tasks, const pid_t tid,
			    char *const id)
{
	const char *line;

	for (line = tasks; *line; line = strchrnul(line, '\n') + 1) {
		int tgid, t;
		char found[ID_LEN + 2];

		if (sscanf(line, "%d %d %17s", &tgid, &t, found) == 3 &&
		    t == tid && strlen(found) == ID_LEN) {
			snprintf(id, ID_SIZE, "%s", found);
			return 0;
		}
		if (!*strchrnul(line, '\n'))
			break;
	}
	return -ENOENT;
}

/* The domain of task @tid, as the calling task sees it. */
static int domain_of_task(const pid_t tid, char *const id)
{
	char *const buf = malloc(BUF_SIZE);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = read_path(TREE_TASKS, buf, BUF_SIZE);
	if (ret >= 0)
		ret = find_task_domain(buf, tid, id);
	free(buf);
	return ret;
}

static void get_domain_of_task(struct __test_metadata *const _metadata,
			       const pid_t tid, char *const id)
{
	ASSERT_EQ(0, domain_of_task(tid, id))
	{
		TH_LOG("Task %d is not in the top-level tasks file", tid);
	}
}

/*
 * Lists the domains of an open domains/ directory (from its current
 * position).  Returns the number of entries, or -errno.
 */
static int list_dir_fd(const int dir_fd, char (*const ids)[ID_SIZE],
		       const int max)
{
	const int fd = dup(dir_fd);
	struct dirent *de;
	DIR *dir;
	int n = 0;

	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	errno = 0;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n < max) {
			/* Longer names are not IDs: cut, they match none. */
			const size_t len = strnlen(de->d_name, ID_LEN);

			memcpy(ids[n], de->d_name, len);
			ids[n][len] = '\0';
			n++;
		}
	}
	n = errno ? -errno : n;
	closedir(dir);
	return n;
}

static int list_domains(char (*const ids)[ID_SIZE], const int max)
{
	const int fd = open(TREE_DOMAINS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int n;

	if (fd < 0)
		return -errno;
	n = list_dir_fd(fd, ids, max);
	close(fd);
	return n;
}

static bool has_id(const char (*const ids)[ID_SIZE], const int n,
		   const char *const id)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(ids[i], id))
			return true;
	}
	return false;
}

/* Changes to @uid (unless 0) with exactly the capabilities @caps. */
static void become(struct __test_metadata *const _metadata, const uid_t uid,
		   const cap_value_t *const caps, const int ncaps)
{
	cap_t cap_p;

	if (uid) {
		ASSERT_EQ(0, prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
		ASSERT_EQ(0, setgroups(0, NULL));
		ASSERT_EQ(0, setresgid(uid, uid, uid));
		ASSERT_EQ(0, setresuid(uid, uid, uid));
	}
	cap_p = cap_init();
	ASSERT_NE(NULL, cap_p);
	if (ncaps) {
		ASSERT_EQ(0, cap_set_flag(cap_p, CAP_PERMITTED, ncaps, caps,
					  CAP_SET));
		ASSERT_EQ(0, cap_set_flag(cap_p, CAP_EFFECTIVE, ncaps, caps,
					  CAP_SET));
	}
	ASSERT_EQ(0, cap_set_proc(cap_p))
	{
		TH_LOG("Failed to set capabilities: %s", strerror(errno));
	}
	ASSERT_EQ(0, cap_free(cap_p));
	/* A credential change cleared it; same-UID readers may trace us. */
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
}

/* Adds a layer handling the filesystem rights @handled_fs. */
static void restrict_fs(struct __test_metadata *const _metadata,
			const __u64 handled_fs)
{
	const struct landlock_ruleset_attr attr = {
		.handled_access_fs = handled_fs,
	};

	drop_access_rights(_metadata, &attr);
}

/*
 * Forks a task that becomes @uid without capabilities (0: keeps root's
 * credentials; ROOT_WITHOUT_CAPS: drops root's capabilities), adds one
 * layer per entry of @layers, and sleeps until killed (also when its parent
 * dies).  Returns once the layers are in place.
 */
static pid_t spawn_sleeper(struct __test_metadata *const _metadata,
			   const uid_t uid, const __u64 *const layers,
			   const int nlayers)
{
	int pipe_fds[2], i;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe2(pipe_fds, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		EXPECT_EQ(0, close(pipe_fds[0]));
		if (uid == ROOT_WITHOUT_CAPS)
			become(_metadata, 0, NULL, 0);
		else if (uid)
			become(_metadata, uid, NULL, 0);
		ASSERT_EQ(0, prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
		for (i = 0; i < nlayers; i++)
			restrict_fs(_metadata, layers[i]);
		ASSERT_EQ(1, write(pipe_fds[1], ".", 1));
		EXPECT_EQ(0, close(pipe_fds[1]));
		for (;;)
			pause();
	}
	EXPECT_EQ(0, close(pipe_fds[1]));
	ASSERT_EQ(1, read(pipe_fds[0], &c, 1))
	{
		TH_LOG("The sandboxed task %d failed to start", pid);
	}
	EXPECT_EQ(0, close(pipe_fds[0]));
	return pid;
}

static const __u64 layer_make_dir[] = { LANDLOCK_ACCESS_FS_MAKE_DIR };
static const __u64 layer_make_reg[] = { LANDLOCK_ACCESS_FS_MAKE_REG };
static const __u64 layers_dir_reg[] = {
	LANDLOCK_ACCESS_FS_MAKE_DIR,
	LANDLOCK_ACCESS_FS_MAKE_REG,
};

static void kill_and_reap(const pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Waits for a child that reports through its exit status. */
static void wait_child_ok(struct __test_metadata *const _metadata,
			  const pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(1, WIFEXITED(status))
	{
		TH_LOG("Child %d was killed by signal %d", pid,
		       WTERMSIG(status));
	}
	ASSERT_EQ(EXIT_SUCCESS, WEXITSTATUS(status));
}

static void write_all(struct __test_metadata *const _metadata, const int fd,
		      const void *const data, const size_t len)
{
	ASSERT_EQ(len, write(fd, data, len));
}

static void read_exact(struct __test_metadata *const _metadata, const int fd,
		       void *const data, const size_t len)
{
	ASSERT_EQ(len, read(fd, data, len));
}

/* The content "<tid> <tid>\n" of a one-thread task's line. */
static const char *task_line(char *const out, const size_t size,
			     const pid_t pid)
{
	snprintf(out, size, "%d %d\n", pid, pid);
	return out;
}

static void sleep_ms(const long ms)
{
	const struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);
}

/* Polls until the domain @id is gone for the calling task. */
static bool wait_domain_gone(const char *const id)
{
	int waited;

	for (waited = 0; waited < FREE_TIMEOUT_MS; waited += POLL_MS) {
		if (stat_domain(id, NULL) == -ENOENT)
			return true;
		sleep_ms(POLL_MS);
	}
	return false;
}

/* A child holding a domain, and the descriptor it sent from it. */
struct holder {
	pid_t pid;
	int sock;
	int held;
};

/*
 * Forks a child that sandboxes itself with @sandbox(@arg), sends a
 * descriptor opened in its domain (whose credentials keep the domain
 * alive) and waits for let_go(); names the child's domain in @id.
 */
static void hold_domain(struct __test_metadata *const _metadata,
			void (*const sandbox)(struct __test_metadata *,
					      const char *),
			const char *const arg, char *const id,
			struct holder *const h)
{
	int socks[2];
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks));
	h->pid = fork();
	ASSERT_LE(0, h->pid);
	if (h->pid == 0) {
		int fd;

		EXPECT_EQ(0, close(socks[0]));
		sandbox(_metadata, arg);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, send_fd(socks[1], fd));
		ASSERT_EQ(1, read(socks[1], &c, 1));
		_exit(_metadata->exit_code);
	}
	EXPECT_EQ(0, close(socks[1]));
	h->sock = socks[0];
	h->held = recv_fd(h->sock);
	ASSERT_LE(0, h->held);
	get_domain_of_task(_metadata, h->pid, id);
}

/* Lets the child of hold_domain() exit, and reaps it. */
static void let_go(struct __test_metadata *const _metadata,
		   struct holder *const h)
{
	ASSERT_EQ(1, write(h->sock, ".", 1));
	wait_child_ok(_metadata, h->pid);
	EXPECT_EQ(0, close(h->sock));
}

static void sandbox_make_dir(struct __test_metadata *const _metadata,
			     const char *const unused)
{
	restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
}

/*
 * Creates a domain without any task: its creator opens a file, hands it to
 * us and exits; the file's credentials keep the domain.  Returns the file.
 */
static int hold_empty_domain(struct __test_metadata *const _metadata,
			     char *const id)
{
	struct holder h;

	hold_domain(_metadata, sandbox_make_dir, NULL, id, &h);
	let_go(_metadata, &h);
	return h.held;
}

/*
 * A sandboxed reader does not see its own domain (nor a sibling), and sees
 * a nested domain a child of it created, with relative parent and depth.
 */
TEST(own_domain_hidden_nested_visible)
{
	int to_parent[2], to_child[2];
	char own[ID_SIZE], sibling[ID_SIZE], outer[ID_SIZE], inner[ID_SIZE];
	pid_t sibling_pid, child, grandchild;
	char *buf = alloc_buf(_metadata);
	char expected[256];

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	/* The grandchild, orphaned at the end, comes to us to be reaped. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	sibling_pid = spawn_sleeper(_metadata, 0, layer_make_dir, 1);
	get_domain_of_task(_metadata, sibling_pid, sibling);

	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		char ids[MAX_DOMAINS][ID_SIZE];
		int n;

		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		/* Two layers below ours: the outer one has no task of its own. */
		grandchild = spawn_sleeper(_metadata, 0, layers_dir_reg, 2);
		write_all(_metadata, to_parent[1], &grandchild,
			  sizeof(grandchild));
		read_exact(_metadata, to_child[0], own, sizeof(own));
		get_domain_of_task(_metadata, grandchild, inner);

		n = list_domains(ids, MAX_DOMAINS);
		ASSERT_EQ(2, n);
		ASSERT_FALSE(has_id(ids, n, own));
		ASSERT_FALSE(has_id(ids, n, sibling));
		ASSERT_TRUE(has_id(ids, n, inner));
		snprintf(outer, ID_SIZE, "%s", strcmp(ids[0], inner) ? ids[0] : ids[1]);

		/* The outer domain's parent is ours: hidden. */
		ASSERT_EQ(0, read_domain_file(outer, DOMAIN_PARENT, buf,
					      BUF_SIZE));
		EXPECT_STREQ("", buf);
		ASSERT_LE(0, read_domain_file(outer, DOMAIN_DEPTH, buf,
					      BUF_SIZE));
		EXPECT_STREQ("1\n", buf);
		ASSERT_LE(0, read_domain_file(outer, DOMAIN_ACCESS, buf,
					      BUF_SIZE));
		EXPECT_STREQ(access_make_dir, buf);
		ASSERT_EQ(0, read_domain_file(outer, DOMAIN_TASKS, buf,
					      BUF_SIZE));

		snprintf(expected, sizeof(expected), "%s\n", outer);
		ASSERT_LE(0, read_domain_file(inner, DOMAIN_PARENT, buf,
					      BUF_SIZE));
		EXPECT_STREQ(expected, buf);
		ASSERT_LE(0, read_domain_file(inner, DOMAIN_DEPTH, buf,
					      BUF_SIZE));
		EXPECT_STREQ("2\n", buf);
		ASSERT_LE(0, read_domain_file(inner, DOMAIN_ACCESS, buf,
					      BUF_SIZE));
		EXPECT_STREQ(access_make_reg, buf);
		ASSERT_LE(0, read_domain_file(inner, DOMAIN_TASKS, buf,
					      BUF_SIZE));
		EXPECT_STREQ(task_line(expected, sizeof(expected), grandchild),
			     buf);

		/* Only the grandchild's task line, not ours. */
		ASSERT_LE(0, read_path(TREE_TASKS, buf, BUF_SIZE));
		snprintf(expected, sizeof(expected), "%d %d %s\n", grandchild,
			 grandchild, inner);
		EXPECT_STREQ(expected, buf);

		/* Our own domain and the sibling do not exist for us. */
		EXPECT_EQ(-ENOENT, stat_domain(own, NULL));
		EXPECT_EQ(-ENOENT, stat_domain(own, DOMAIN_ACCESS));
		EXPECT_EQ(-ENOENT, open_domain(own, DOMAIN_TASKS, O_RDONLY));
		EXPECT_EQ(-ENOENT, stat_domain(sibling, NULL));
		EXPECT_EQ(-ENOENT, open_domain(sibling, DOMAIN_DEPTH,
					       O_RDONLY));

		ASSERT_LE(0, read_path(TREE_SNAPSHOT, buf, BUF_SIZE));
		snprintf(expected, sizeof(expected), "domain %s - 1\n", outer);
		EXPECT_NE(NULL, strstr(buf, expected));
		snprintf(expected, sizeof(expected), "domain %s %s 2\n", inner,
			 outer);
		EXPECT_NE(NULL, strstr(buf, expected));
		EXPECT_EQ(NULL, strstr(buf, own));
		_exit(_metadata->exit_code);
	}
	read_exact(_metadata, to_parent[0], &grandchild, sizeof(grandchild));
	get_domain_of_task(_metadata, child, own);
	get_domain_of_task(_metadata, grandchild, inner);

	/* The unsandboxed reader sees the whole chain, with absolute depths. */
	ASSERT_LE(0, read_domain_file(own, DOMAIN_PARENT, buf, BUF_SIZE));
	EXPECT_STREQ("", buf);
	ASSERT_LE(0, read_domain_file(own, DOMAIN_DEPTH, buf, BUF_SIZE));
	EXPECT_STREQ("1\n", buf);
	ASSERT_LE(0, read_domain_file(inner, DOMAIN_PARENT, buf, BUF_SIZE));
	ASSERT_EQ(ID_LEN + 1, strlen(buf));
	memcpy(outer, buf, ID_LEN);
	outer[ID_LEN] = '\0';
	ASSERT_LE(0, read_domain_file(inner, DOMAIN_DEPTH, buf, BUF_SIZE));
	EXPECT_STREQ("3\n", buf);
	ASSERT_LE(0, read_domain_file(outer, DOMAIN_PARENT, buf, BUF_SIZE));
	snprintf(expected, sizeof(expected), "%s\n", own);
	EXPECT_STREQ(expected, buf);
	ASSERT_LE(0, read_domain_file(outer, DOMAIN_DEPTH, buf, BUF_SIZE));
	EXPECT_STREQ("2\n", buf);
	ASSERT_LE(0, read_domain_file(own, DOMAIN_TASKS, buf, BUF_SIZE));
	EXPECT_STREQ(task_line(expected, sizeof(expected), child), buf);

	write_all(_metadata, to_child[1], own, sizeof(own));
	wait_child_ok(_metadata, child);
	kill_and_reap(sibling_pid);
	/* The grandchild dies with its parent (parent-death signal). */
	ASSERT_EQ(grandchild, waitpid(grandchild, NULL, 0));
	ASSERT_TRUE(wait_domain_gone(inner));
	ASSERT_TRUE(wait_domain_gone(outer));
	ASSERT_TRUE(wait_domain_gone(own));
	free(buf);
}

/* Every way to reach a domain gives the same ENOENT, hidden or absent. */
static void check_enoent(struct __test_metadata *const _metadata,
			 const char *const id)
{
	char path[PATH_MAX];
	struct stat st;

	EXPECT_EQ(-ENOENT, stat_domain(id, NULL));
	EXPECT_EQ(-ENOENT, stat_domain(id, DOMAIN_ACCESS));
	EXPECT_EQ(-ENOENT, stat_domain(id, DOMAIN_CREATOR));
	EXPECT_EQ(-ENOENT, open_domain(id, NULL, O_RDONLY | O_DIRECTORY));
	EXPECT_EQ(-ENOENT, open_domain(id, DOMAIN_TASKS, O_RDONLY));
	EXPECT_EQ(-ENOENT, open_domain(id, DOMAIN_CREATOR, O_RDONLY));
	EXPECT_EQ(-ENOENT, open_domain(id, DOMAIN_AUDIT_ID, O_RDONLY));
	EXPECT_EQ(-1, lstat(domain_path(path, id, NULL), &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, access(domain_path(path, id, DOMAIN_DEPTH), R_OK));
	EXPECT_EQ(ENOENT, errno);
}

TEST(hidden_and_absent_are_enoent)
{
	char hidden[ID_SIZE], freed[ID_SIZE], made_up[ID_SIZE];
	char ids[MAX_DOMAINS][ID_SIZE];
	pid_t owner, gone, reader;
	int n;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	owner = spawn_sleeper(_metadata, UID_A, layer_make_dir, 1);
	get_domain_of_task(_metadata, owner, hidden);
	gone = spawn_sleeper(_metadata, UID_A, layer_make_dir, 1);
	get_domain_of_task(_metadata, gone, freed);
	kill_and_reap(gone);
	ASSERT_TRUE(wait_domain_gone(freed));
	/* A well-formed ID that names no domain (but with odds of 2^-60). */
	snprintf(made_up, ID_SIZE, "%s", hidden);
	made_up[ID_LEN - 1] = made_up[ID_LEN - 1] == '0' ? '1' : '0';
	ASSERT_EQ(-ENOENT, stat_domain(made_up, NULL));

	/* Root sees the domain of UID_A. */
	ASSERT_EQ(0, stat_domain(hidden, DOMAIN_ACCESS));
	n = list_domains(ids, MAX_DOMAINS);
	ASSERT_LE(1, n);
	ASSERT_TRUE(has_id(ids, n, hidden));

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		/* Another UID may not trace the domain's task: hidden. */
		become(_metadata, UID_B, NULL, 0);
		check_enoent(_metadata, hidden);
		check_enoent(_metadata, freed);
		check_enoent(_metadata, made_up);
		n = list_domains(ids, MAX_DOMAINS);
		ASSERT_LE(0, n);
		EXPECT_FALSE(has_id(ids, n, hidden));
		EXPECT_EQ(-ENOENT, domain_of_task(owner, ids[0]));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	kill_and_reap(owner);
}

/*
 * Descriptors opened before landlock_restrict_self() keep the opener's
 * snapshot, filtered by the reading task's current domain: after
 * sandboxing, they show nothing at or above it.
 */
TEST(sandboxed_after_open)
{
	char other[ID_SIZE], mine_below[ID_SIZE], ids[MAX_DOMAINS][ID_SIZE];
	pid_t other_pid, child, grandchild;
	int tasks_fd, dir_fd, snapshot_fd, n;
	char *buf = alloc_buf(_metadata);
	char expected[256];

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	other_pid = spawn_sleeper(_metadata, 0, layer_make_dir, 1);
	get_domain_of_task(_metadata, other_pid, other);

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		tasks_fd = open(TREE_TASKS, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, tasks_fd);
		dir_fd = open(TREE_DOMAINS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, dir_fd);
		snapshot_fd = open(TREE_SNAPSHOT, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, snapshot_fd);

		/* Unsandboxed, the descriptors show the other domain. */
		ASSERT_LE(0, read_fd(tasks_fd, buf, BUF_SIZE));
		ASSERT_EQ(0, find_task_domain(buf, other_pid, ids[0]));
		EXPECT_STREQ(other, ids[0]);
		n = list_dir_fd(dir_fd, ids, MAX_DOMAINS);
		ASSERT_LE(1, n);
		EXPECT_TRUE(has_id(ids, n, other));
		ASSERT_LE(0, read_fd(snapshot_fd, buf, BUF_SIZE));
		EXPECT_NE(NULL, strstr(buf, other));

		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		grandchild = spawn_sleeper(_metadata, 0, layer_make_reg, 1);

		/* The same descriptors, read again: nothing. */
		ASSERT_EQ(0, lseek(tasks_fd, 0, SEEK_SET));
		EXPECT_EQ(0, read_fd(tasks_fd, buf, BUF_SIZE))
		{
			TH_LOG("Pre-opened tasks shows: %s", buf);
		}
		ASSERT_EQ(0, lseek(dir_fd, 0, SEEK_SET));
		EXPECT_EQ(0, list_dir_fd(dir_fd, ids, MAX_DOMAINS));
		ASSERT_EQ(0, lseek(snapshot_fd, 0, SEEK_SET));
		EXPECT_EQ(0, read_fd(snapshot_fd, buf, BUF_SIZE))
		{
			TH_LOG("Pre-opened snapshot shows: %s", buf);
		}
		EXPECT_EQ(0, close(tasks_fd));
		EXPECT_EQ(0, close(dir_fd));
		EXPECT_EQ(0, close(snapshot_fd));

		/* New opens: only the domain below ours. */
		ASSERT_EQ(0, domain_of_task(grandchild, mine_below));
		n = list_domains(ids, MAX_DOMAINS);
		ASSERT_EQ(1, n);
		EXPECT_STREQ(mine_below, ids[0]);
		ASSERT_LE(0, read_path(TREE_TASKS, buf, BUF_SIZE));
		snprintf(expected, sizeof(expected), "%d %d %s\n", grandchild,
			 grandchild, mine_below);
		EXPECT_STREQ(expected, buf);
		EXPECT_EQ(-ENOENT, stat_domain(other, NULL));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, child);
	kill_and_reap(other_pid);
	free(buf);
}

/*
 * Descriptors an unsandboxed (privileged) launcher opens and passes over a
 * unix socket to a sandboxed task show the launcher's view, minus the
 * receiver's own domain and what is above it.
 */
TEST(descriptors_passed_to_a_sandboxed_task)
{
	enum {
		FD_TASKS,
		FD_DOMAINS,
		FD_SNAPSHOT,
		FD_OWN_ACCESS,
		FD_OWN_TASKS,
		FD_BELOW_ACCESS,
		FD_BELOW_CREATOR,
		FD_BELOW_TASKS,
		FD_COUNT,
	};
	static const char *const files[FD_COUNT] = {
		[FD_OWN_ACCESS] = DOMAIN_ACCESS,
		[FD_OWN_TASKS] = DOMAIN_TASKS,
		[FD_BELOW_ACCESS] = DOMAIN_ACCESS,
		[FD_BELOW_CREATOR] = DOMAIN_CREATOR,
		[FD_BELOW_TASKS] = DOMAIN_TASKS,
	};
	char own[ID_SIZE], below[ID_SIZE], ids[MAX_DOMAINS][ID_SIZE];
	int socks[2], fds[FD_COUNT], i, to_parent[2];
	char *buf = alloc_buf(_metadata);
	char expected[256];
	pid_t child, grandchild;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socks));
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		EXPECT_EQ(0, close(socks[0]));
		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		/* Traceable by us without CAP_SYS_PTRACE. */
		grandchild = spawn_sleeper(_metadata, ROOT_WITHOUT_CAPS,
					   layer_make_reg, 1);
		write_all(_metadata, to_parent[1], &grandchild,
			  sizeof(grandchild));
		for (i = 0; i < FD_COUNT; i++) {
			fds[i] = recv_fd(socks[1]);
			ASSERT_LE(0, fds[i]);
		}
		ASSERT_EQ(0, domain_of_task(grandchild, below));
		/* Without CAP_SYS_PTRACE, our own opens of creator fail. */
		clear_cap(_metadata, CAP_SYS_PTRACE);
		EXPECT_EQ(-EACCES, open_domain(below, DOMAIN_CREATOR,
					       O_RDONLY));

		ASSERT_LE(0, read_fd(fds[FD_TASKS], buf, BUF_SIZE));
		snprintf(expected, sizeof(expected), "%d %d %s\n", grandchild,
			 grandchild, below);
		EXPECT_STREQ(expected, buf);
		EXPECT_EQ(1, list_dir_fd(fds[FD_DOMAINS], ids, MAX_DOMAINS));
		EXPECT_STREQ(below, ids[0]);
		ASSERT_LE(0, read_fd(fds[FD_SNAPSHOT], buf, BUF_SIZE));
		snprintf(expected, sizeof(expected),
			 "domain %s - 1\n%sdenials 0\ncreator pid %d uid 0 comm ",
			 below, access_make_reg, grandchild);
		EXPECT_EQ(0, strncmp(expected, buf, strlen(expected)))
		{
			TH_LOG("Passed snapshot: %s", buf);
		}
		snprintf(expected, sizeof(expected), "\ntask %d %d\n",
			 grandchild, grandchild);
		EXPECT_NE(NULL, strstr(buf, expected));
		EXPECT_EQ(NULL, strstr(buf, "\ndomain "));

		/* Our own domain's files: ENOENT on read. */
		EXPECT_EQ(-ENOENT, read_fd(fds[FD_OWN_ACCESS], buf, BUF_SIZE));
		EXPECT_EQ(-ENOENT, read_fd(fds[FD_OWN_TASKS], buf, BUF_SIZE));

		ASSERT_LE(0, read_fd(fds[FD_BELOW_ACCESS], buf, BUF_SIZE));
		EXPECT_STREQ(access_make_reg, buf);
		/* The launcher's privilege travels with its descriptor. */
		ASSERT_LE(0, read_fd(fds[FD_BELOW_CREATOR], buf, BUF_SIZE));
		snprintf(expected, sizeof(expected), "pid %d\nuid 0\ncomm ",
			 grandchild);
		EXPECT_EQ(0, strncmp(expected, buf, strlen(expected)))
		{
			TH_LOG("Passed creator: %s", buf);
		}
		ASSERT_LE(0, read_fd(fds[FD_BELOW_TASKS], buf, BUF_SIZE));
		EXPECT_STREQ(task_line(expected, sizeof(expected), grandchild),
			     buf);
		_exit(_metadata->exit_code);
	}
	EXPECT_EQ(0, close(socks[1]));
	read_exact(_metadata, to_parent[0], &grandchild, sizeof(grandchild));
	get_domain_of_task(_metadata, child, own);
	get_domain_of_task(_metadata, grandchild, below);
	for (i = 0; i < FD_COUNT; i++) {
		const char *id = i < FD_BELOW_ACCESS ? own : below;

		if (i == FD_TASKS)
			fds[i] = open(TREE_TASKS, O_RDONLY | O_CLOEXEC);
		else if (i == FD_DOMAINS)
			fds[i] = open(TREE_DOMAINS,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		else if (i == FD_SNAPSHOT)
			fds[i] = open(TREE_SNAPSHOT, O_RDONLY | O_CLOEXEC);
		else
			fds[i] = open_domain(id, files[i], O_RDONLY);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, send_fd(socks[0], fds[i]));
		EXPECT_EQ(0, close(fds[i]));
	}
	wait_child_ok(_metadata, child);
	EXPECT_EQ(0, close(socks[0]));
	free(buf);
}

/*
 * A reader in a child PID namespace sees only the domains holding a task
 * of its namespace, and the PIDs of its namespace.
 */
TEST(child_pid_namespace)
{
	char outside[ID_SIZE], inside[ID_SIZE], empty[ID_SIZE];
	char ids[MAX_DOMAINS][ID_SIZE];
	pid_t outside_pid, ns_parent, host_pid, ns_pid;
	char *buf = alloc_buf(_metadata);
	int to_parent[2], release[2], held;
	char expected[256], *line, c;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	/* Traceable by a root reader without CAP_SYS_PTRACE, but outside. */
	outside_pid = spawn_sleeper(_metadata, ROOT_WITHOUT_CAPS,
				    layer_make_dir, 1);
	get_domain_of_task(_metadata, outside_pid, outside);
	/* A domain without tasks, in any namespace. */
	held = hold_empty_domain(_metadata, empty);
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(release, O_CLOEXEC));

	ns_parent = fork();
	ASSERT_LE(0, ns_parent);
	if (ns_parent == 0) {
		pid_t init;

		EXPECT_EQ(0, close(release[1]));
		EXPECT_EQ(0, close(to_parent[0]));
		ASSERT_EQ(0, unshare(CLONE_NEWPID));
		init = fork();
		ASSERT_LE(0, init);
		if (init == 0) {
			int n;

			ASSERT_EQ(1, getpid());
			ns_pid = spawn_sleeper(_metadata, ROOT_WITHOUT_CAPS,
					       layer_make_reg, 1);
			/* A plain root reader: no privilege for empty domains. */
			clear_cap(_metadata, CAP_SYS_PTRACE);
			n = list_domains(ids, MAX_DOMAINS);
			ASSERT_EQ(1, n);
			snprintf(inside, ID_SIZE, "%s", ids[0]);
			ASSERT_LE(0, read_path(TREE_TASKS, buf, BUF_SIZE));
			snprintf(expected, sizeof(expected), "%d %d %s\n",
				 ns_pid, ns_pid, inside);
			EXPECT_STREQ(expected, buf);
			ASSERT_LE(0, read_domain_file(inside, DOMAIN_TASKS, buf,
						      BUF_SIZE));
			EXPECT_STREQ(task_line(expected, sizeof(expected),
					       ns_pid), buf);
			ASSERT_LE(0, read_path(TREE_SNAPSHOT, buf, BUF_SIZE));
			snprintf(expected, sizeof(expected),
				 "domain %s - 1\n%sdenials 0\ntask %d %d\n",
				 inside, access_make_reg, ns_pid, ns_pid);
			EXPECT_STREQ(expected, buf);
			EXPECT_EQ(-ENOENT, stat_domain(outside, NULL));
			EXPECT_EQ(-ENOENT, stat_domain(empty, NULL));

			/*
			 * CAP_SYS_PTRACE shows domains without tasks (in any
			 * namespace), but never one whose tasks are all outside
			 * our namespace.
			 */
			set_cap(_metadata, CAP_SYS_PTRACE);
			EXPECT_EQ(-ENOENT, stat_domain(outside, NULL));
			EXPECT_EQ(-ENOENT, domain_of_task(outside_pid, ids[0]));
			EXPECT_EQ(0, stat_domain(inside, NULL));
			EXPECT_EQ(0, stat_domain(empty, NULL));

			write_all(_metadata, to_parent[1], &ns_pid,
				  sizeof(ns_pid));
			write_all(_metadata, to_parent[1], inside,
				  sizeof(inside));
			/* Keeps the task alive for the parent's checks. */
			EXPECT_EQ(0, read(release[0], &c, 1));
			_exit(_metadata->exit_code);
		}
		wait_child_ok(_metadata, init);
		_exit(_metadata->exit_code);
	}
	EXPECT_EQ(0, close(to_parent[1]));
	read_exact(_metadata, to_parent[0], &ns_pid, sizeof(ns_pid));
	read_exact(_metadata, to_parent[0], inside, sizeof(inside));

	/* Outside, the same domain lists the task's PID of our namespace. */
	ASSERT_LE(0, read_domain_file(inside, DOMAIN_TASKS, buf, BUF_SIZE));
	host_pid = atoi(buf);
	ASSERT_LT(0, host_pid);
	EXPECT_STREQ(task_line(expected, sizeof(expected), host_pid), buf);
	EXPECT_NE(ns_pid, host_pid);
	snprintf(expected, sizeof(expected), "/proc/%d/status", host_pid);
	ASSERT_LE(0, read_path(expected, buf, BUF_SIZE));
	line = strstr(buf, "\nNSpid:");
	ASSERT_NE(NULL, line);
	snprintf(expected, sizeof(expected), "\nNSpid:\t%d\t%d\n", host_pid,
		 ns_pid);
	EXPECT_EQ(0, strncmp(expected, line, strlen(expected)));

	EXPECT_EQ(0, close(release[1]));
	wait_child_ok(_metadata, ns_parent);
	kill_and_reap(outside_pid);
	EXPECT_EQ(0, close(held));
	free(buf);
}

/* Returns the current ptrace_scope, or -errno (no Yama). */
static int read_ptrace_scope(void)
{
	char buf[16];
	ssize_t len = read_path(YAMA_PTRACE_SCOPE, buf, sizeof(buf));

	return len < 0 ? len : atoi(buf);
}

static int write_ptrace_scope(const int scope)
{
	char buf[16];
	int fd, len, ret = 0;

	fd = open(YAMA_PTRACE_SCOPE, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", scope);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Returns 0 if PTRACE_ATTACH to @pid works (then detaches), else -errno. */
static int try_ptrace_attach(const pid_t pid)
{
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		return -errno;
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

static int cmp_ids(const void *const a, const void *const b)
{
	return strcmp(a, b);
}

static void sort_ids(char (*const ids)[ID_SIZE], const int n)
{
	qsort(ids, n, sizeof(*ids), cmp_ids);
}

static bool same_ids(char (*const a)[ID_SIZE], const int na,
		     char (*const b)[ID_SIZE], const int nb)
{
	sort_ids(a, na);
	sort_ids(b, nb);
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

FIXTURE(yama_daemon)
{
	int saved_scope;
};

FIXTURE_VARIANT(yama_daemon)
{
	const int scope;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(yama_daemon, scope_1) {
	/* clang-format on */
	.scope = 1,
};

/*
 * Setting 3 cannot be undone until reboot: this variant skips unless asked
 * (ENV_YAMA_SCOPE_3=1) or the scope already is 3; run it last, alone.
 */
/* clang-format off */
FIXTURE_VARIANT_ADD(yama_daemon, scope_3) {
	/* clang-format on */
	.scope = 3,
};

FIXTURE_SETUP(yama_daemon)
{
	const char *const env = getenv(ENV_YAMA_SCOPE_3);

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	self->saved_scope = read_ptrace_scope();
	if (self->saved_scope < 0)
		SKIP(return, "Yama is not enabled (no " YAMA_PTRACE_SCOPE ")");
	if (self->saved_scope == variant->scope)
		return;
	if (self->saved_scope == 3)
		SKIP(return,
		     "ptrace_scope is 3, which cannot be lowered to %d until reboot",
		     variant->scope);
	if (variant->scope == 3 && !(env && !strcmp(env, "1")))
		SKIP(return,
		     "NOT RUN: ptrace_scope 3 is sticky until reboot; run it last, alone, with %s=1",
		     ENV_YAMA_SCOPE_3);
	ASSERT_EQ(0, write_ptrace_scope(variant->scope));
	ASSERT_EQ(variant->scope, read_ptrace_scope());
}

FIXTURE_TEARDOWN(yama_daemon)
{
	if (self->saved_scope >= 0 && self->saved_scope < 3 &&
	    variant->scope < 3)
		write_ptrace_scope(self->saved_scope);
}

/*
 * A metrics daemon: another UID than its targets', CAP_SYS_PTRACE only,
 * neither their parent nor their tracer.  Yama restricts PTRACE_ATTACH
 * only; the tree asks for PTRACE_MODE_READ, so the daemon reads it all.
 */
TEST_F(yama_daemon, daemon_reads_whole_tree)
{
	static const cap_value_t cap_ptrace[] = { CAP_SYS_PTRACE };
	char root_dom[ID_SIZE], user_dom[ID_SIZE], empty_dom[ID_SIZE];
	pid_t root_pid, user_pid, reader;
	int held;

	/* A domain without tasks: only privileged readers see it. */
	held = hold_empty_domain(_metadata, empty_dom);
	root_pid = spawn_sleeper(_metadata, 0, layer_make_dir, 1);
	get_domain_of_task(_metadata, root_pid, root_dom);
	user_pid = spawn_sleeper(_metadata, UID_A, layer_make_reg, 1);
	get_domain_of_task(_metadata, user_pid, user_dom);

	if (variant->scope == 1) {
		/* Yama is in force: a same-UID non-ancestor may not attach. */
		reader = fork();
		ASSERT_LE(0, reader);
		if (reader == 0) {
			become(_metadata, UID_A, NULL, 0);
			EXPECT_EQ(-EPERM, try_ptrace_attach(user_pid));
			/* Yet it sees its UID's domain, not the empty one. */
			EXPECT_EQ(0, stat_domain(user_dom, NULL));
			EXPECT_EQ(-ENOENT, stat_domain(empty_dom, NULL));
			_exit(_metadata->exit_code);
		}
		wait_child_ok(_metadata, reader);
	}

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		char (*root_ids)[ID_SIZE] = calloc(MAX_DOMAINS, ID_SIZE);
		char (*ids)[ID_SIZE] = calloc(MAX_DOMAINS, ID_SIZE);
		char *buf = alloc_buf(_metadata);
		char expected[256];
		int attempt, n_root, n, fd;
		bool same = false;

		ASSERT_NE(NULL, root_ids);
		ASSERT_NE(NULL, ids);
		/* What root sees, kept open across the change of UID. */
		fd = open(TREE_DOMAINS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		become(_metadata, UID_DAEMON, cap_ptrace, 1);
		if (variant->scope == 3)
			EXPECT_EQ(-EPERM, try_ptrace_attach(user_pid));

		/*
		 * The whole tree: the same domains as root, whose descriptor
		 * keeps its privileges.  Other domains may come and go
		 * meanwhile (deferred frees): retry a few times.
		 */
		for (attempt = 0; attempt < 10 && !same; attempt++) {
			ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
			n_root = list_dir_fd(fd, root_ids, MAX_DOMAINS);
			n = list_domains(ids, MAX_DOMAINS);
			ASSERT_LE(2, n_root);
			same = same_ids(root_ids, n_root, ids, n);
			if (!same)
				sleep_ms(100);
		}
		EXPECT_TRUE(same);
		EXPECT_TRUE(has_id(ids, n, root_dom));
		EXPECT_TRUE(has_id(ids, n, user_dom));
		EXPECT_TRUE(has_id(ids, n, empty_dom));
		ASSERT_EQ(0, read_domain_file(empty_dom, DOMAIN_TASKS, buf,
					      BUF_SIZE));

		ASSERT_LE(0, read_path(TREE_TASKS, buf, BUF_SIZE));
		EXPECT_EQ(0, find_task_domain(buf, root_pid, ids[0]));
		EXPECT_STREQ(root_dom, ids[0]);
		EXPECT_EQ(0, find_task_domain(buf, user_pid, ids[0]));
		EXPECT_STREQ(user_dom, ids[0]);

		ASSERT_LE(0, read_domain_file(root_dom, DOMAIN_CREATOR, buf,
					      BUF_SIZE));
		snprintf(expected, sizeof(expected), "pid %d\nuid 0\n",
			 root_pid);
		EXPECT_EQ(0, strncmp(expected, buf, strlen(expected)));
		ASSERT_LE(0, read_domain_file(user_dom, DOMAIN_CREATOR, buf,
					      BUF_SIZE));
		snprintf(expected, sizeof(expected), "pid %d\nuid %d\n",
			 user_pid, UID_A);
		EXPECT_EQ(0, strncmp(expected, buf, strlen(expected)));
		ASSERT_LE(0, read_domain_file(user_dom, DOMAIN_TASKS, buf,
					      BUF_SIZE));
		EXPECT_STREQ(task_line(expected, sizeof(expected), user_pid),
			     buf);
		ASSERT_LE(0, read_path(TREE_SNAPSHOT, buf, BUF_SIZE));
		snprintf(expected, sizeof(expected),
			 "\ncreator pid %d uid %d comm ", user_pid, UID_A);
		EXPECT_NE(NULL, strstr(buf, expected));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	kill_and_reap(root_pid);
	kill_and_reap(user_pid);
	EXPECT_EQ(0, close(held));
}

static bool is_audit_id(const char *const s)
{
	size_t len = strspn(s, "0123456789abcdef");

	return len >= 1 && len <= 16 && s[0] != '0' && !strcmp(s + len, "\n");
}

/* Expects what a reader may open of the domain's creator and audit_id. */
static void check_gated(struct __test_metadata *const _metadata,
			const char *const id, const int creator_err,
			const int audit_id_err)
{
	char buf[PATH_MAX + 256];
	ssize_t ret;

	ret = read_domain_file(id, DOMAIN_CREATOR, buf, sizeof(buf));
	if (creator_err) {
		EXPECT_EQ(-creator_err, ret);
	} else {
		EXPECT_LT(0, ret);
		EXPECT_EQ(0, strncmp("pid ", buf, 4));
	}
	ret = read_domain_file(id, DOMAIN_AUDIT_ID, buf, sizeof(buf));
	if (audit_id_err) {
		EXPECT_EQ(-audit_id_err, ret);
	} else {
		EXPECT_LT(0, ret);
		EXPECT_TRUE(is_audit_id(buf))
		{
			TH_LOG("audit_id: %s", buf);
		}
	}
}

/*
 * creator needs CAP_SYS_PTRACE and audit_id CAP_AUDIT_READ, both in the
 * initial user namespace; a reader without them gets EACCES once the
 * domain is visible to it, and ENOENT when it is not.
 */
TEST(creator_and_audit_id_need_capabilities)
{
	static const cap_value_t cap_ptrace[] = { CAP_SYS_PTRACE };
	static const cap_value_t cap_audit[] = { CAP_AUDIT_READ };
	char dom[ID_SIZE], root_dom[ID_SIZE], ids[8][ID_SIZE];
	pid_t target, root_target, reader;
	int fd, n;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	target = spawn_sleeper(_metadata, UID_A, layer_make_dir, 1);
	get_domain_of_task(_metadata, target, dom);
	check_gated(_metadata, dom, 0, 0);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, UID_A, NULL, 0);
		EXPECT_EQ(0, stat_domain(dom, DOMAIN_CREATOR));
		EXPECT_EQ(0, stat_domain(dom, DOMAIN_AUDIT_ID));
		/* Both are listed, to readers who may not open them. */
		fd = open_domain(dom, NULL, O_RDONLY | O_DIRECTORY);
		ASSERT_LE(0, fd);
		n = list_dir_fd(fd, ids, ARRAY_SIZE(ids));
		EXPECT_EQ(8, n);
		EXPECT_TRUE(has_id(ids, n, DOMAIN_RULES));
		EXPECT_TRUE(has_id(ids, n, DOMAIN_CREATOR));
		EXPECT_TRUE(has_id(ids, n, DOMAIN_AUDIT_ID));
		EXPECT_TRUE(has_id(ids, n, DOMAIN_DENIALS));
		EXPECT_EQ(0, close(fd));
		check_gated(_metadata, dom, EACCES, EACCES);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, UID_A, cap_ptrace, 1);
		check_gated(_metadata, dom, 0, EACCES);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, UID_A, cap_audit, 1);
		check_gated(_metadata, dom, EACCES, 0);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	/* Root without the two capabilities, and a target it may trace. */
	root_target = spawn_sleeper(_metadata, ROOT_WITHOUT_CAPS,
				    layer_make_reg, 1);
	get_domain_of_task(_metadata, root_target, root_dom);
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		clear_cap(_metadata, CAP_SYS_PTRACE);
		clear_cap(_metadata, CAP_AUDIT_READ);
		check_gated(_metadata, root_dom, EACCES, EACCES);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	kill_and_reap(root_target);

	/* A reader who may not see the domain: ENOENT, not EACCES. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, UID_B, NULL, 0);
		check_gated(_metadata, dom, ENOENT, ENOENT);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	/* Root of a user namespace: every capability, but not in init's. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		char inner[ID_SIZE];
		pid_t inner_pid;
		char map[32];

		become(_metadata, UID_A, NULL, 0);
		ASSERT_EQ(0, unshare(CLONE_NEWUSER));
		fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		write_all(_metadata, fd, "deny", 4);
		EXPECT_EQ(0, close(fd));
		snprintf(map, sizeof(map), "0 %d 1", UID_A);
		fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		write_all(_metadata, fd, map, strlen(map));
		EXPECT_EQ(0, close(fd));
		fd = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		write_all(_metadata, fd, map, strlen(map));
		EXPECT_EQ(0, close(fd));

		/* Same UID, but it may not trace into the parent namespace. */
		check_gated(_metadata, dom, ENOENT, ENOENT);
		inner_pid = spawn_sleeper(_metadata, 0, layer_make_reg, 1);
		ASSERT_EQ(0, domain_of_task(inner_pid, inner));
		check_gated(_metadata, inner, EACCES, EACCES);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	kill_and_reap(target);
}

/* One domain of the snapshot file, in the formats of the per-domain files. */
struct snapshot_domain {
	char id[ID_SIZE];
	char parent[ID_SIZE + 1];
	char depth[10];
	char access[512];
	char creator[PATH_MAX + 256];
	char tasks[4096];
	char denials[24];
	bool has_creator;
};

static void append(char *const dst, const size_t size, const char *const s,
		   const size_t len)
{
	const size_t cur = strlen(dst);

	if (cur + len < size) {
		memcpy(dst + cur, s, len);
		dst[cur + len] = '\0';
	}
}

/* Parses a snapshot file.  Returns the number of domains, or -EINVAL. */
static int parse_snapshot(char *const text, struct snapshot_domain *const doms,
			  const int max)
{
	struct snapshot_domain *d = NULL;
	char *line, *next;
	int n = 0;

	for (line = text; *line; line = next) {
		char *end = strchrnul(line, '\n');
		const size_t len = end - line;

		next = *end ? end + 1 : end;
		if (!strncmp(line, "domain ", 7)) {
			char parent[ID_SIZE], depth[8];

			if (n == max)
				return -EINVAL;
			d = &doms[n++];
			memset(d, 0, sizeof(*d));
			if (sscanf(line, "domain %16s %16s %7s", d->id, parent,
				   depth) != 3)
				return -EINVAL;
			if (strcmp(parent, "-"))
				snprintf(d->parent, sizeof(d->parent), "%s\n",
					 parent);
			snprintf(d->depth, sizeof(d->depth), "%s\n", depth);
		} else if (!d) {
			return -EINVAL;
		} else if (!strncmp(line, "fs:", 3) ||
			   !strncmp(line, "net:", 4) ||
			   !strncmp(line, "scope:", 6)) {
			append(d->access, sizeof(d->access), line, len + 1);
		} else if (!strncmp(line, "creator ", 8)) {
			/* "creator pid N uid N comm C exe E": one key a line. */
			char *tok, *save = NULL;
			int i = 0;

			*end = '\0';
			for (tok = strtok_r(line + 8, " ", &save); tok;
			     tok = strtok_r(NULL, " ", &save), i++) {
				append(d->creator, sizeof(d->creator), tok,
				       strlen(tok));
				append(d->creator, sizeof(d->creator),
				       i % 2 ? "\n" : " ", 1);
			}
			d->has_creator = true;
		} else if (!strncmp(line, "task ", 5)) {
			append(d->tasks, sizeof(d->tasks), line + 5, len - 5 + 1);
		} else if (!strncmp(line, "denials ", 8)) {
			append(d->denials, sizeof(d->denials), line + 8,
			       len - 8 + 1);
		}
	}
	return n;
}

/* Compares the snapshot's view of our domains with their files. */
static void check_snapshot(struct __test_metadata *const _metadata,
			   const char (*const ours)[ID_SIZE], const int n_ours,
			   const bool privileged, const int n_hidden,
			   const char (*const hidden)[ID_SIZE])
{
	struct snapshot_domain *doms = calloc(MAX_DOMAINS, sizeof(*doms));
	char (*listed)[ID_SIZE] = calloc(MAX_DOMAINS, ID_SIZE);
	char *buf = alloc_buf(_metadata);
	int n, n_listed, i, j, found;

	ASSERT_NE(NULL, doms);
	ASSERT_NE(NULL, listed);
	ASSERT_LE(0, read_path(TREE_SNAPSHOT, buf, BUF_SIZE));
	n = parse_snapshot(buf, doms, MAX_DOMAINS);
	ASSERT_LE(n_ours, n)
	{
		TH_LOG("Snapshot: %s", buf);
	}
	n_listed = list_domains(listed, MAX_DOMAINS);
	ASSERT_LE(n_ours, n_listed);

	for (i = 0; i < n; i++) {
		/* Ascending IDs; every named parent has its own line. */
		if (i)
			EXPECT_GT(0, strcmp(doms[i - 1].id, doms[i].id));
		if (doms[i].parent[0]) {
			for (j = 0; j < n; j++) {
				if (!strncmp(doms[j].id, doms[i].parent,
					     ID_LEN))
					break;
			}
			EXPECT_GT(n, j);
		}
		EXPECT_EQ(privileged, doms[i].has_creator);
		for (j = 0; j < n_hidden; j++)
			EXPECT_STRNE(hidden[j], doms[i].id);
	}

	for (j = 0, found = 0; j < n_ours; j++) {
		struct snapshot_domain *d = NULL;

		for (i = 0; i < n; i++) {
			if (!strcmp(doms[i].id, ours[j]))
				d = &doms[i];
		}
		ASSERT_NE(NULL, d)
		{
			TH_LOG("Domain %s is not in the snapshot", ours[j]);
		}
		found++;
		EXPECT_TRUE(has_id(listed, n_listed, d->id));
		ASSERT_LE(0, read_domain_file(d->id, DOMAIN_PARENT, buf,
					      BUF_SIZE));
		EXPECT_STREQ(d->parent, buf);
		ASSERT_LE(0, read_domain_file(d->id, DOMAIN_DEPTH, buf,
					      BUF_SIZE));
		EXPECT_STREQ(d->depth, buf);
		ASSERT_LE(0, read_domain_file(d->id, DOMAIN_ACCESS, buf,
					      BUF_SIZE));
		EXPECT_STREQ(d->access, buf);
		ASSERT_LE(0, read_domain_file(d->id, DOMAIN_TASKS, buf,
					      BUF_SIZE));
		EXPECT_STREQ(d->tasks, buf);
		/*
		 * Our sleepers deny nothing: the count cannot move.  Readers
		 * without CAP_AUDIT_READ get neither the file nor the line.
		 */
		if (privileged) {
			ASSERT_LE(0, read_domain_file(d->id, DOMAIN_DENIALS,
						      buf, BUF_SIZE));
			EXPECT_STREQ(d->denials, buf);
		} else {
			EXPECT_EQ(-EACCES, read_domain_file(d->id,
							    DOMAIN_DENIALS, buf,
							    BUF_SIZE));
			EXPECT_STREQ("", d->denials);
		}
		if (privileged) {
			ASSERT_LE(0, read_domain_file(d->id, DOMAIN_CREATOR,
						      buf, BUF_SIZE));
			EXPECT_STREQ(d->creator, buf);
		} else {
			EXPECT_EQ(-EACCES, read_domain_file(d->id,
							    DOMAIN_CREATOR, buf,
							    BUF_SIZE));
		}
	}
	EXPECT_EQ(n_ours, found);
	free(doms);
	free(listed);
	free(buf);
}

/* The snapshot file agrees with the per-domain files and with domains/. */
TEST(snapshot_matches_domain_files)
{
	char ours[4][ID_SIZE], user_only[1][ID_SIZE], root_only[3][ID_SIZE];
	pid_t root_pid, root_pid2, user_pid, reader;
	char buf[256];

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	/* A chain of two (the outer without a task of its own), a sibling. */
	root_pid = spawn_sleeper(_metadata, 0, layers_dir_reg, 2);
	get_domain_of_task(_metadata, root_pid, ours[1]);
	ASSERT_LT(0, read_domain_file(ours[1], DOMAIN_PARENT, buf,
				      sizeof(buf)));
	memcpy(ours[0], buf, ID_LEN);
	ours[0][ID_LEN] = '\0';
	root_pid2 = spawn_sleeper(_metadata, 0, layer_make_reg, 1);
	get_domain_of_task(_metadata, root_pid2, ours[2]);
	user_pid = spawn_sleeper(_metadata, UID_A, layer_make_dir, 1);
	get_domain_of_task(_metadata, user_pid, ours[3]);
	snprintf(user_only[0], ID_SIZE, "%s", ours[3]);
	memcpy(root_only, ours, sizeof(root_only));

	check_snapshot(_metadata, ours, ARRAY_SIZE(ours), true, 0, NULL);

	/* Another reader: its own view, without creator lines. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, UID_A, NULL, 0);
		check_snapshot(_metadata, user_only, 1, false,
			       ARRAY_SIZE(root_only), root_only);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	kill_and_reap(root_pid);
	kill_and_reap(root_pid2);
	kill_and_reap(user_pid);
}

/*
 * An entry lives while a task (a zombie too) or a child domain holds the
 * domain, and disappears once the last of them is gone; descriptors opened
 * before keep their snapshot.
 */
TEST(entry_disappears_after_last_task)
{
	char outer[ID_SIZE], inner[ID_SIZE];
	pid_t parent, child;
	int to_parent[2], ready[2], fd;
	char buf[256];
	siginfo_t info;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	/* The orphaned child comes to us, to be reaped. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	parent = fork();
	ASSERT_LE(0, parent);
	if (parent == 0) {
		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		/* Not killed with its parent. */
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0) {
			restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_REG);
			write_all(_metadata, ready[1], ".", 1);
			for (;;)
				pause();
		}
		read_exact(_metadata, ready[0], buf, 1);
		write_all(_metadata, to_parent[1], &child, sizeof(child));
		for (;;)
			pause();
	}
	read_exact(_metadata, to_parent[0], &child, sizeof(child));
	get_domain_of_task(_metadata, parent, outer);
	get_domain_of_task(_metadata, child, inner);
	fd = open_domain(outer, DOMAIN_DEPTH, O_RDONLY);
	ASSERT_LE(0, fd);

	/* A zombie keeps its credentials, hence its domain. */
	ASSERT_EQ(0, kill(parent, SIGKILL));
	ASSERT_EQ(0, waitid(P_PID, parent, &info, WEXITED | WNOWAIT));
	EXPECT_EQ(0, stat_domain(outer, NULL));
	ASSERT_EQ(parent, waitpid(parent, NULL, 0));

	/* Without a task, it lives on as the parent of the inner domain. */
	sleep_ms(100);
	EXPECT_EQ(0, stat_domain(outer, NULL));
	ASSERT_LE(0, read_domain_file(inner, DOMAIN_PARENT, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(outer, buf, ID_LEN));
	ASSERT_LE(0, read_domain_file(outer, DOMAIN_TASKS, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);

	/* The last task goes: both entries follow. */
	ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_TRUE(wait_domain_gone(inner));
	EXPECT_TRUE(wait_domain_gone(outer));
	EXPECT_EQ(-ENOENT, open_domain(outer, DOMAIN_DEPTH, O_RDONLY));

	/* The descriptor keeps what its opener saw. */
	EXPECT_EQ(2, read_fd(fd, buf, sizeof(buf)));
	EXPECT_STREQ("1\n", buf);
	EXPECT_EQ(0, close(fd));
}

/*
 * A file opened by a sandboxed task holds its credentials, hence its
 * domain: the entry outlives the task until the file is closed.
 */
TEST(entry_disappears_after_last_credential)
{
	char dom[ID_SIZE], buf[64];
	int held;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	held = hold_empty_domain(_metadata, dom);

	/* No task left, but the file's credentials hold the domain. */
	sleep_ms(100);
	EXPECT_EQ(0, stat_domain(dom, NULL));
	EXPECT_EQ(0, read_domain_file(dom, DOMAIN_TASKS, buf, sizeof(buf)));

	EXPECT_EQ(0, close(held));
	EXPECT_TRUE(wait_domain_gone(dom));
	EXPECT_EQ(-ENOENT, open_domain(dom, DOMAIN_ACCESS, O_RDONLY));
}

#define PROC_ATTR_FMT "/proc/%d/attr/landlock/domain"

/* Reads @pid's attr/landlock/domain.  Returns its length, or -errno. */
static ssize_t read_proc_attr(const pid_t pid, char *const buf,
			      const size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), PROC_ATTR_FMT, pid);
	return read_path(path, buf, size);
}

/*
 * /proc/<pid>/attr/landlock/domain names the task's domain in the tree for
 * a reader above it, is empty for the reader's own domain (principle 1) and
 * for an unsandboxed task, and needs PTRACE_MODE_READ_FSCREDS (EACCES).
 */
TEST(proc_attr_domain)
{
	char sibling[ID_SIZE], inner[ID_SIZE], expected[ID_SIZE + 1];
	char buf[64];
	pid_t sibling_pid, child;

	if (access("/proc/self/attr/landlock/domain", F_OK))
		SKIP(return, "no /proc/self/attr/landlock/domain");

	sibling_pid = spawn_sleeper(_metadata, 0, layer_make_dir, 1);
	get_domain_of_task(_metadata, sibling_pid, sibling);
	snprintf(expected, sizeof(expected), "%s\n", sibling);
	ASSERT_EQ(ID_LEN + 1, read_proc_attr(sibling_pid, buf, sizeof(buf)));
	EXPECT_STREQ(expected, buf);
	/* Unsandboxed: empty, as for init. */
	EXPECT_EQ(0, read_proc_attr(getpid(), buf, sizeof(buf)));
	EXPECT_EQ(0, read_proc_attr(1, buf, sizeof(buf)));

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t grandchild;

		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		/* Our own domain: exactly what an unsandboxed task reads. */
		EXPECT_EQ(0, read_proc_attr(getpid(), buf, sizeof(buf)));
		grandchild = spawn_sleeper(_metadata, 0, layer_make_reg, 1);
		get_domain_of_task(_metadata, grandchild, inner);
		snprintf(expected, sizeof(expected), "%s\n", inner);
		EXPECT_EQ(ID_LEN + 1,
			  read_proc_attr(grandchild, buf, sizeof(buf)));
		EXPECT_STREQ(expected, buf);
		/* Outside our subtree, Landlock's ptrace restriction: EACCES. */
		EXPECT_EQ(-EACCES, read_proc_attr(sibling_pid, buf,
						  sizeof(buf)));
		EXPECT_EQ(-EACCES, read_proc_attr(1, buf, sizeof(buf)));
		kill_and_reap(grandchild);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, child);

	/* Another UID may not ptrace-read root's task. */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		become(_metadata, UID_B, NULL, 0);
		EXPECT_EQ(-EACCES, read_proc_attr(sibling_pid, buf,
						  sizeof(buf)));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, child);
	kill_and_reap(sibling_pid);
}

/*
 * Tries to make a directory @n times in a domain that handles make_dir
 * without any rule.
 */
static void deny_mkdir(struct __test_metadata *const _metadata, const int n)
{
	int i;

	for (i = 0; i < n; i++) {
		EXPECT_EQ(-1, mkdir("/landlock-introspection-denied", 0700));
		EXPECT_EQ(EACCES, errno);
	}
}

/* The count of the snapshot's "denials" line for @id, or -1. */
static long snapshot_denials(struct __test_metadata *const _metadata,
			     const char *const id)
{
	struct snapshot_domain *doms = calloc(MAX_DOMAINS, sizeof(*doms));
	char *buf = alloc_buf(_metadata);
	long count = -1;
	int n, i;

	if (!doms)
		goto out;
	if (read_path(TREE_SNAPSHOT, buf, BUF_SIZE) < 0)
		goto out;
	n = parse_snapshot(buf, doms, MAX_DOMAINS);
	for (i = 0; i < n; i++) {
		if (!strcmp(doms[i].id, id) && doms[i].denials[0])
			count = strtol(doms[i].denials, NULL, 10);
	}
out:
	free(doms);
	free(buf);
	return count;
}

/*
 * domains/<id>/denials counts the requests a domain denied as the youngest
 * denying layer, exactly, and the snapshot's "denials" line agrees.
 */
TEST(denials_count)
{
	char inner[ID_SIZE], outer[ID_SIZE], buf[64];
	int to_child[2], to_parent[2];
	pid_t child, reader;
	char c;

	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		EXPECT_EQ(0, close(to_child[1]));
		EXPECT_EQ(0, close(to_parent[0]));
		ASSERT_EQ(0, prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
		/* Outer layer: make_dir and make_reg; inner layer: make_dir. */
		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR |
					       LANDLOCK_ACCESS_FS_MAKE_REG);
		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		write_all(_metadata, to_parent[1], ".", 1);
		/* Phase 1: 7 mkdir() both layers deny: the inner one's. */
		read_exact(_metadata, to_child[0], &c, 1);
		deny_mkdir(_metadata, 7);
		write_all(_metadata, to_parent[1], ".", 1);
		/* Phase 2: 3 mknod() only the outer layer denies. */
		read_exact(_metadata, to_child[0], &c, 1);
		for (int i = 0; i < 3; i++) {
			EXPECT_EQ(-1, mknod("/landlock-introspection-denied",
					    S_IFREG | 0600, 0));
			EXPECT_EQ(EACCES, errno);
		}
		write_all(_metadata, to_parent[1], ".", 1);
		read_exact(_metadata, to_child[0], &c, 1);
		_exit(_metadata->exit_code);
	}
	EXPECT_EQ(0, close(to_child[0]));
	EXPECT_EQ(0, close(to_parent[1]));
	read_exact(_metadata, to_parent[0], &c, 1);
	get_domain_of_task(_metadata, child, inner);
	ASSERT_EQ(ID_LEN + 1,
		  read_domain_file(inner, DOMAIN_PARENT, buf, sizeof(buf)));
	memcpy(outer, buf, ID_LEN);
	outer[ID_LEN] = '\0';

	/* A new domain has denied nothing. */
	ASSERT_EQ(2, read_domain_file(outer, DOMAIN_DENIALS, buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	ASSERT_EQ(2, read_domain_file(inner, DOMAIN_DENIALS, buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);

	write_all(_metadata, to_child[1], ".", 1);
	read_exact(_metadata, to_parent[0], &c, 1);
	ASSERT_EQ(2, read_domain_file(outer, DOMAIN_DENIALS, buf, sizeof(buf)));
	EXPECT_STREQ("0\n", buf);
	ASSERT_EQ(2, read_domain_file(inner, DOMAIN_DENIALS, buf, sizeof(buf)));
	EXPECT_STREQ("7\n", buf);

	write_all(_metadata, to_child[1], ".", 1);
	read_exact(_metadata, to_parent[0], &c, 1);
	ASSERT_EQ(2, read_domain_file(outer, DOMAIN_DENIALS, buf, sizeof(buf)));
	EXPECT_STREQ("3\n", buf);
	ASSERT_EQ(2, read_domain_file(inner, DOMAIN_DENIALS, buf, sizeof(buf)));
	EXPECT_STREQ("7\n", buf);
	EXPECT_EQ(3, snapshot_denials(_metadata, outer));
	EXPECT_EQ(7, snapshot_denials(_metadata, inner));

	/* Without CAP_AUDIT_READ: EACCES, and no count in the snapshot. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		static const cap_value_t cap_ptrace[] = { CAP_SYS_PTRACE };

		become(_metadata, UID_A, cap_ptrace, ARRAY_SIZE(cap_ptrace));
		EXPECT_EQ(-EACCES, read_domain_file(inner, DOMAIN_DENIALS, buf,
						    sizeof(buf)));
		EXPECT_EQ(-1, snapshot_denials(_metadata, inner));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	write_all(_metadata, to_child[1], ".", 1);
	wait_child_ok(_metadata, child);
	EXPECT_EQ(0, close(to_child[1]));
	EXPECT_EQ(0, close(to_parent[0]));
}

/* Reads the generation number of @fd from offset 0 (which re-arms poll()). */
static unsigned long long read_generation(struct __test_metadata *const _metadata,
					  const int fd)
{
	char buf[32], *end;
	unsigned long long n;
	ssize_t len;

	len = pread(fd, buf, sizeof(buf) - 1, 0);
	EXPECT_LT(1, len);
	if (len <= 1)
		return 0;
	buf[len] = '\0';
	EXPECT_EQ('\n', buf[len - 1]);
	errno = 0;
	n = strtoull(buf, &end, 10);
	EXPECT_EQ(0, errno);
	EXPECT_EQ('\n', *end);
	return n;
}

/* The events poll() reports for @fd within @timeout_ms, 0 if none. */
static short poll_generation(const int fd, const int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	return p.revents;
}

/* Waits until @fd reports a change, then reads it again (re-arms it). */
static void wait_change(struct __test_metadata *const _metadata, const int fd)
{
	EXPECT_EQ(POLLPRI | POLLERR,
		  poll_generation(fd, FREE_TIMEOUT_MS) & (POLLPRI | POLLERR));
	read_generation(_metadata, fd);
}

/*
 * generation needs CAP_SYS_PTRACE in the initial user namespace at open and
 * at every read and poll: EACCES otherwise, even for root without it, and
 * through a descriptor opened while privileged.
 */
TEST(generation_needs_cap_sys_ptrace)
{
	static const cap_value_t cap_ptrace[] = { CAP_SYS_PTRACE };
	static const cap_value_t cap_others[] = { CAP_SYS_ADMIN,
						  CAP_DAC_OVERRIDE,
						  CAP_AUDIT_READ };
	char buf[32];
	pid_t reader;
	int fd;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	fd = open(TREE_GENERATION, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == EACCES)
		SKIP(return, "the test runs without CAP_SYS_PTRACE");
	ASSERT_LE(0, fd);
	read_generation(_metadata, fd);
	/* Read-only, as the whole tree. */
	EXPECT_EQ(-1, open(TREE_GENERATION, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(EACCES, errno);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		struct pollfd p = { .fd = fd, .events = POLLPRI | POLLIN };

		become(_metadata, UID_A, NULL, 0);
		EXPECT_EQ(-1, open(TREE_GENERATION, O_RDONLY | O_CLOEXEC));
		EXPECT_EQ(EACCES, errno);
		/* The descriptor opened with the capability stops working. */
		EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(1, poll(&p, 1, 0));
		EXPECT_EQ(POLLERR, p.revents);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, 0, cap_others, ARRAY_SIZE(cap_others));
		EXPECT_EQ(-1, open(TREE_GENERATION, O_RDONLY | O_CLOEXEC));
		EXPECT_EQ(EACCES, errno);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		int own;

		become(_metadata, UID_A, cap_ptrace, ARRAY_SIZE(cap_ptrace));
		own = open(TREE_GENERATION, O_RDONLY | O_CLOEXEC);
		EXPECT_LE(0, own);
		if (own >= 0)
			read_generation(_metadata, own);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	EXPECT_EQ(0, close(fd));
}

/*
 * An unsandboxed reader's number changes when a domain appears (and when
 * its task leaves it); poll() reports POLLPRI | POLLERR until the file is
 * read again from offset 0.  Numbers are keyed by the open file.
 */
TEST(generation_changes_and_polls)
{
	unsigned long long before, after;
	short revents;
	pid_t sleeper;
	int fd, other;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	fd = open(TREE_GENERATION, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	before = read_generation(_metadata, fd);
	/* Another open file: another key, another number. */
	other = open(TREE_GENERATION, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, other);
	EXPECT_NE(before, read_generation(_metadata, other));
	EXPECT_EQ(0, close(other));

	sleeper = spawn_sleeper(_metadata, 0, layer_make_dir, 1);
	revents = poll_generation(fd, FREE_TIMEOUT_MS);
	EXPECT_EQ(POLLPRI | POLLERR, revents & (POLLPRI | POLLERR));
	/* Until it is read again from offset 0. */
	EXPECT_EQ(POLLPRI | POLLERR,
		  poll_generation(fd, 0) & (POLLPRI | POLLERR));
	after = read_generation(_metadata, fd);
	EXPECT_NE(before, after);

	/* The task leaves, the domain ends: a change again. */
	kill_and_reap(sleeper);
	revents = poll_generation(fd, FREE_TIMEOUT_MS);
	EXPECT_EQ(POLLPRI | POLLERR, revents & (POLLPRI | POLLERR));
	EXPECT_NE(after, read_generation(_metadata, fd));
	EXPECT_EQ(0, close(fd));
}

/*
 * A sandboxed reader (with CAP_SYS_PTRACE) is neither woken nor shown a new
 * number for changes it may not see: a sibling domain, or a task entering
 * or leaving its own domain (it would learn that it is sandboxed), also
 * through edge-triggered epoll.  The unsandboxed parent's own descriptor
 * shows that each change was counted before the reader looks.  A domain
 * nested below the reader's own changes both.
 */
TEST(generation_ignores_what_the_reader_may_not_see)
{
	int to_parent[2], to_child[2], control;
	pid_t reader, sibling;
	char c;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	control = open(TREE_GENERATION, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, control);
	read_generation(_metadata, control);
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLPRI | EPOLLET,
		};
		unsigned long long n;
		int fd, ep;
		pid_t child;

		EXPECT_EQ(0, close(to_parent[0]));
		EXPECT_EQ(0, close(to_child[1]));
		EXPECT_EQ(0, close(control));
		restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_DIR);
		fd = open(TREE_GENERATION, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		n = read_generation(_metadata, fd);
		ep = epoll_create1(EPOLL_CLOEXEC);
		ASSERT_LE(0, ep);
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));

		/* A sibling domain appears (the parent makes it). */
		write_all(_metadata, to_parent[1], ".", 1);
		read_exact(_metadata, to_child[0], &c, 1);
		EXPECT_EQ(0, poll_generation(fd, 0));
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 100));
		EXPECT_EQ(n, read_generation(_metadata, fd));

		/* A task enters the reader's own domain... */
		child = fork();
		ASSERT_LE(0, child);
		if (child == 0) {
			for (;;)
				pause();
		}
		write_all(_metadata, to_parent[1], ".", 1);
		read_exact(_metadata, to_child[0], &c, 1);
		EXPECT_EQ(0, poll_generation(fd, 0));
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 100));
		EXPECT_EQ(n, read_generation(_metadata, fd));
		/* ... and leaves it. */
		kill_and_reap(child);
		write_all(_metadata, to_parent[1], ".", 1);
		read_exact(_metadata, to_child[0], &c, 1);
		EXPECT_EQ(0, poll_generation(fd, 0));
		EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 100));
		EXPECT_EQ(n, read_generation(_metadata, fd));

		/* A nested domain appears. */
		child = spawn_sleeper(_metadata, 0, layer_make_reg, 1);
		EXPECT_EQ(1, epoll_wait(ep, &ev, 1, FREE_TIMEOUT_MS));
		EXPECT_EQ(EPOLLIN | EPOLLPRI,
			  ev.events & (EPOLLIN | EPOLLPRI));
		EXPECT_NE(n, read_generation(_metadata, fd));
		kill_and_reap(child);
		EXPECT_EQ(0, close(ep));
		EXPECT_EQ(0, close(fd));
		_exit(_metadata->exit_code);
	}
	EXPECT_EQ(0, close(to_parent[1]));
	EXPECT_EQ(0, close(to_child[0]));

	/* The sibling; the reader's fork; its child's exit: each counted. */
	read_exact(_metadata, to_parent[0], &c, 1);
	sibling = spawn_sleeper(_metadata, 0, layer_make_dir, 1);
	wait_change(_metadata, control);
	write_all(_metadata, to_child[1], ".", 1);
	read_exact(_metadata, to_parent[0], &c, 1);
	wait_change(_metadata, control);
	write_all(_metadata, to_child[1], ".", 1);
	read_exact(_metadata, to_parent[0], &c, 1);
	wait_change(_metadata, control);
	write_all(_metadata, to_child[1], ".", 1);

	wait_child_ok(_metadata, reader);
	kill_and_reap(sibling);
	EXPECT_EQ(0, close(control));
	EXPECT_EQ(0, close(to_parent[0]));
	EXPECT_EQ(0, close(to_child[1]));
}

/*
 * The rules file.  A task in @dir's "a b" (its first layer: read rights on
 * "a b", connect to port 443) under a second layer (write, quiet, on @dir
 * itself), as root without capabilities, so that a root reader without
 * CAP_SYS_PTRACE may see it.
 */
#define RULES_PORT 443

static void add_path_rule(struct __test_metadata *const _metadata,
			  const int ruleset_fd, const char *const path,
			  const __u64 allowed, const __u32 flags)
{
	struct landlock_path_beneath_attr attr = {
		.allowed_access = allowed,
	};

	attr.parent_fd = open(path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, attr.parent_fd);
	ASSERT_EQ(0, landlock_add_rule(ruleset_fd, LANDLOCK_RULE_PATH_BENEATH,
				       &attr, flags))
	{
		TH_LOG("Failed to add a rule for %s: %s", path,
		       strerror(errno));
	}
	EXPECT_EQ(0, close(attr.parent_fd));
}

static pid_t spawn_ruled(struct __test_metadata *const _metadata,
			 const char *const dir, const char *const sub,
			 const char *const file)
{
	const struct landlock_ruleset_attr first = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE |
				     LANDLOCK_ACCESS_FS_READ_DIR |
				     LANDLOCK_ACCESS_FS_WRITE_FILE,
		.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP |
				      LANDLOCK_ACCESS_NET_CONNECT_TCP,
	};
	const struct landlock_ruleset_attr second = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE,
		.quiet_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE,
	};
	const struct landlock_net_port_attr port = {
		.allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP,
		.port = RULES_PORT,
	};
	int pipe_fds[2], fd;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe2(pipe_fds, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		EXPECT_EQ(0, close(pipe_fds[0]));
		become(_metadata, 0, NULL, 0);
		ASSERT_EQ(0, prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
		fd = landlock_create_ruleset(&first, sizeof(first), 0);
		ASSERT_LE(0, fd);
		add_path_rule(_metadata, fd, sub,
			      LANDLOCK_ACCESS_FS_READ_FILE |
				      LANDLOCK_ACCESS_FS_READ_DIR,
			      0);
		add_path_rule(_metadata, fd, file, LANDLOCK_ACCESS_FS_READ_FILE,
			      0);
		ASSERT_EQ(0, landlock_add_rule(fd, LANDLOCK_RULE_NET_PORT,
					       &port, 0));
		enforce_ruleset(_metadata, fd);
		EXPECT_EQ(0, close(fd));
		fd = landlock_create_ruleset(&second, sizeof(second), 0);
		ASSERT_LE(0, fd);
		add_path_rule(_metadata, fd, dir, LANDLOCK_ACCESS_FS_WRITE_FILE,
			      LANDLOCK_ADD_RULE_QUIET);
		enforce_ruleset(_metadata, fd);
		EXPECT_EQ(0, close(fd));
		ASSERT_EQ(1, write(pipe_fds[1], ".", 1));
		EXPECT_EQ(0, close(pipe_fds[1]));
		for (;;)
			pause();
	}
	EXPECT_EQ(0, close(pipe_fds[1]));
	ASSERT_EQ(1, read(pipe_fds[0], &c, 1));
	EXPECT_EQ(0, close(pipe_fds[0]));
	return pid;
}

/*
 * Makes @dir a tmpfs of its own in a private mount namespace, so that
 * exactly one mount names its inodes, whatever the machine's /tmp is.
 */
static void private_tmpfs(struct __test_metadata *const _metadata,
			  char *const dir)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "size=1m"));
}

/* Appends the line of a rule on @path, as a reader at / names it. */
static void append_fs_line(struct __test_metadata *const _metadata,
			   char *const out, const size_t size,
			   const char *const path, const char *const shown,
			   const char *const rest)
{
	char line[2 * PATH_MAX];
	struct stat st;

	ASSERT_EQ(0, stat(path, &st));
	snprintf(line, sizeof(line), "fs dev %u:%u ino %llu %s%s\n",
		 major(st.st_dev), minor(st.st_dev),
		 (unsigned long long)st.st_ino, shown, rest);
	strncat(out, line, size - strlen(out) - 1);
}

/* How many lines of @text have no path: "uncached" or "deleted". */
static int count_unnamed(const char *text)
{
	int n = 0;

	while (*text) {
		const char *const end = strchrnul(text, '\n');
		const char *const u = strstr(text, " uncached ");
		const char *const d = strstr(text, " deleted ");

		if ((u && u < end) || (d && d < end))
			n++;
		text = *end ? end + 1 : end;
	}
	return n;
}

static ino_t ino_of(const char *const path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* Reads @fd from offset 0 in reads of @chunk bytes. */
static ssize_t read_chunked(const int fd, char *const buf, const size_t size,
			    const size_t chunk)
{
	size_t len = 0;

	if (lseek(fd, 0, SEEK_SET))
		return -errno;
	while (len < size - 1) {
		const size_t want = chunk < size - 1 - len ? chunk :
							     size - 1 - len;
		const ssize_t n = read(fd, buf + len, want);

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return len;
}

/*
 * domains/<id>/rules: each domain's own layer (not its ancestors'), sorted
 * by inode number, filesystem objects named relative to the opener's root,
 * the same content whatever the size of the reads; privileged as creator.
 */
TEST(rules_show_each_domains_own_layer)
{
	char dir[] = "/tmp/landlock-rules-XXXXXX";
	char sub[PATH_MAX], file[PATH_MAX], want[4 * PATH_MAX], line[PATH_MAX];
	char sub_rest[PATH_MAX], file_rest[PATH_MAX];
	char dom[ID_SIZE], parent[ID_SIZE + 1];
	char *const buf = alloc_buf(_metadata);
	char *const again = alloc_buf(_metadata);
	pid_t target, reader;
	int fd;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	private_tmpfs(_metadata, dir);
	snprintf(sub, sizeof(sub), "%s/a b", dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	snprintf(file, sizeof(file), "%s/f", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
	target = spawn_ruled(_metadata, dir, sub, file);
	get_domain_of_task(_metadata, target, dom);
	ASSERT_LT(0, read_domain_file(dom, DOMAIN_PARENT, parent,
				      sizeof(parent)));
	parent[ID_LEN] = '\0';

	/* The second layer: one quiet rule on @dir. */
	want[0] = '\0';
	append_fs_line(_metadata, want, sizeof(want), dir, "path ", dir);
	want[strlen(want) - 1] = '\0';
	strncat(want, " quiet access write_file\n",
		sizeof(want) - strlen(want) - 1);
	EXPECT_LT(0, read_domain_file(dom, DOMAIN_RULES, buf, BUF_SIZE));
	EXPECT_STREQ(want, buf);

	/*
	 * The first layer: "a b" escaped and "f", by inode number, then the
	 * port.  Only the handled rights: net's UDP rights, which the layer
	 * did not handle, are not shown.
	 */
	snprintf(sub_rest, sizeof(sub_rest),
		 "%s/a\\040b access read_file read_dir", dir);
	snprintf(file_rest, sizeof(file_rest), "%s/f access read_file", dir);
	want[0] = '\0';
	if (ino_of(sub) < ino_of(file)) {
		append_fs_line(_metadata, want, sizeof(want), sub, "path ",
			       sub_rest);
		append_fs_line(_metadata, want, sizeof(want), file, "path ",
			       file_rest);
	} else {
		append_fs_line(_metadata, want, sizeof(want), file, "path ",
			       file_rest);
		append_fs_line(_metadata, want, sizeof(want), sub, "path ",
			       sub_rest);
	}
	snprintf(line, sizeof(line), "net port %d access connect_tcp\n",
		 RULES_PORT);
	strncat(want, line, sizeof(want) - strlen(want) - 1);
	fd = open_domain(parent, DOMAIN_RULES, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, read_fd(fd, buf, BUF_SIZE));
	EXPECT_STREQ(want, buf);
	/* Small reads, and reading again from 0, give the same bytes. */
	EXPECT_EQ(strlen(want), read_chunked(fd, again, BUF_SIZE, 7));
	EXPECT_STREQ(want, again);
	EXPECT_EQ(strlen(want), read_chunked(fd, again, BUF_SIZE, 1));
	EXPECT_STREQ(want, again);

	/*
	 * Relative to the opener's root: "a b" is its root, @dir above it.
	 * The descriptor opened before keeps the names of its opener.
	 */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		char inner[2 * PATH_MAX], outer[2 * PATH_MAX];
		int dir_fd, inner_fd;

		inner[0] = '\0';
		append_fs_line(_metadata, inner, sizeof(inner), sub, "path /",
			       " access read_file read_dir");
		outer[0] = '\0';
		append_fs_line(_metadata, outer, sizeof(outer), dir,
			       "unreachable", " quiet access write_file");
		inner_fd = open_domain(parent, NULL, O_RDONLY | O_DIRECTORY);
		ASSERT_LE(0, inner_fd);
		dir_fd = open_domain(dom, NULL, O_RDONLY | O_DIRECTORY);
		ASSERT_LE(0, dir_fd);
		ASSERT_EQ(0, chroot(sub));
		/* "f" is above the root too: the file has no line for it. */
		EXPECT_LT(0, read_fd(openat(inner_fd, DOMAIN_RULES,
					    O_RDONLY | O_CLOEXEC),
				     buf, BUF_SIZE));
		EXPECT_NE(NULL, strstr(buf, " unreachable access read_file\n"))
		{
			TH_LOG("Got \"%s\"", buf);
		}
		EXPECT_NE(NULL, strstr(buf, inner))
		{
			TH_LOG("Expected \"%s\" in \"%s\"", inner, buf);
		}
		EXPECT_NE(NULL, strstr(buf, line));
		EXPECT_LT(0, read_fd(openat(dir_fd, DOMAIN_RULES,
					    O_RDONLY | O_CLOEXEC),
				     buf, BUF_SIZE));
		EXPECT_STREQ(outer, buf);
		lseek(fd, 0, SEEK_SET);
		EXPECT_LT(0, read_fd(fd, buf, BUF_SIZE));
		EXPECT_STREQ(want, buf);
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);
	EXPECT_EQ(0, close(fd));

	/* Root without CAP_SYS_PTRACE sees the domains, but not their rules. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		clear_cap(_metadata, CAP_SYS_PTRACE);
		EXPECT_EQ(0, stat_domain(dom, DOMAIN_RULES));
		EXPECT_EQ(-EACCES, read_domain_file(dom, DOMAIN_RULES, buf,
						    BUF_SIZE));
		EXPECT_EQ(-EACCES, read_domain_file(parent, DOMAIN_RULES, buf,
						    BUF_SIZE));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	/* A user who may not see them: ENOENT. */
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		become(_metadata, UID_B, NULL, 0);
		EXPECT_EQ(-ENOENT, read_domain_file(dom, DOMAIN_RULES, buf,
						    BUF_SIZE));
		_exit(_metadata->exit_code);
	}
	wait_child_ok(_metadata, reader);

	/*
	 * A removed file and directory keep their numbers but have no path:
	 * their dentries are unlinked, or no longer in the cache.
	 */
	ASSERT_EQ(0, rmdir(sub));
	ASSERT_EQ(0, unlink(file));
	EXPECT_LT(0, read_domain_file(parent, DOMAIN_RULES, buf, BUF_SIZE));
	EXPECT_EQ(NULL, strstr(buf, " path "))
	{
		TH_LOG("Got \"%s\"", buf);
	}
	EXPECT_EQ(2, count_unnamed(buf))
	{
		TH_LOG("Got \"%s\"", buf);
	}
	kill_and_reap(target);
	EXPECT_TRUE(wait_domain_gone(dom));
	EXPECT_EQ(0, umount(dir));
	ASSERT_EQ(0, rmdir(dir));
	free(again);
	free(buf);
}

/* A layer allowing make_dir beneath @dir, then a layer without rules. */
static void sandbox_two_layers(struct __test_metadata *const _metadata,
			       const char *const dir)
{
	const struct landlock_ruleset_attr first = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_DIR,
	};
	int fd;

	fd = landlock_create_ruleset(&first, sizeof(first), 0);
	ASSERT_LE(0, fd);
	add_path_rule(_metadata, fd, dir, LANDLOCK_ACCESS_FS_MAKE_DIR, 0);
	enforce_ruleset(_metadata, fd);
	EXPECT_EQ(0, close(fd));
	restrict_fs(_metadata, LANDLOCK_ACCESS_FS_MAKE_REG);
}

/*
 * An ancestor's own domain is freed once its last task replaced it, but
 * its layer lives on in its descendants' domains: its rules are read from
 * a task below it, and are gone (ENODATA, not an empty list) once only
 * credentials without a task hold the descendants.
 */
TEST(rules_of_a_freed_ancestor)
{
	char dom[ID_SIZE], parent[ID_SIZE + 1], want[PATH_MAX], buf[PATH_MAX];
	char dir[] = "/tmp/landlock-rules-XXXXXX";
	struct holder h;
	ssize_t ret = 0;
	int i;

	if (!has_tree())
		SKIP(return, "no " TREE_DIR ": Landlock or its introspection tree is off");

	private_tmpfs(_metadata, dir);
	hold_domain(_metadata, sandbox_two_layers, dir, dom, &h);
	ASSERT_LT(0, read_domain_file(dom, DOMAIN_PARENT, parent,
				      sizeof(parent)));
	parent[ID_LEN] = '\0';

	/*
	 * The first domain is freed with the credentials it was in, an RCU
	 * grace period after the second layer replaced them: then its layer
	 * is read from the task's domain (both give the same lines).
	 */
	sleep_ms(200);
	want[0] = '\0';
	append_fs_line(_metadata, want, sizeof(want), dir, "path ", dir);
	want[strlen(want) - 1] = '\0';
	strncat(want, " access make_dir\n", sizeof(want) - strlen(want) - 1);
	EXPECT_LT(0, read_domain_file(parent, DOMAIN_RULES, buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	/* The second layer has no rule: an empty file. */
	EXPECT_EQ(0, read_domain_file(dom, DOMAIN_RULES, buf, sizeof(buf)));

	let_go(_metadata, &h);
	/* The task's credentials are put after an RCU grace period. */
	for (i = 0; i < FREE_TIMEOUT_MS / POLL_MS; i++) {
		ret = read_domain_file(parent, DOMAIN_RULES, buf, sizeof(buf));
		if (ret == -ENODATA)
			break;
		sleep_ms(POLL_MS);
	}
	EXPECT_EQ(-ENODATA, ret);
	EXPECT_EQ(0, stat_domain(parent, NULL));
	EXPECT_EQ(0, read_domain_file(dom, DOMAIN_RULES, buf, sizeof(buf)));

	EXPECT_EQ(0, close(h.held));
	EXPECT_TRUE(wait_domain_gone(dom));
	/* The parent leaves the tree after its child, from a workqueue. */
	EXPECT_TRUE(wait_domain_gone(parent));
	EXPECT_EQ(-ENOENT, read_domain_file(parent, DOMAIN_RULES, buf,
					    sizeof(buf)));
	EXPECT_EQ(0, umount(dir));
	EXPECT_EQ(0, rmdir(dir));
}

TEST_HARNESS_MAIN
