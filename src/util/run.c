// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/clock.h"
#include "util/macro.h"
#include "util/run.h"
#include "util/banned.h"

extern char **environ;

/* The output of one stream of the child: read end of its pipe (-1 at EOF) and where it goes. */
struct run_stream {
	int fd;
	struct strbuf *sb;
};

/*
 * Takes the result of open() or pipe2() and moves fd to 3 or above: the child's
 * dup2() onto 0, 1 and 2 must not overwrite one of its own sources, as it would
 * if the parent ran with a standard fd closed. Returns the fd or -errno.
 */
static int fd_move_above_stdio(int fd)
{
	int nfd;

	if (fd < 0)
		return -errno;
	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		nfd = -errno;
	close(fd);
	return nfd;
}

/* The child's end of one stream: a pipe when sb is given, /dev/null otherwise. */
static int stream_open(struct run_stream *s, struct strbuf *sb, int *ret_child_fd)
{
	int p[2];

	s->sb = sb;
	s->fd = -1;
	if (!sb) {
		int fd = fd_move_above_stdio(open("/dev/null", O_WRONLY | O_CLOEXEC));

		if (fd < 0)
			return fd;
		*ret_child_fd = fd;
		return 0;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	p[0] = fd_move_above_stdio(p[0]);
	p[1] = fd_move_above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		int r = p[0] < 0 ? p[0] : p[1];

		closep(&p[0]);
		closep(&p[1]);
		return r;
	}
	s->fd = p[0];
	*ret_child_fd = p[1];
	return 0;
}

/* Whether posix_spawn()'s error says the program itself cannot be executed. */
static bool errno_is_exec_failure(int e)
{
	return e == ENOENT || e == EACCES || e == ENOEXEC || e == ENOTDIR || e == ELOOP ||
	       e == ENAMETOOLONG || e == EISDIR || e == EPERM;
}

/*
 * posix_spawn() does the fork-to-exec part with only async-signal-safe work in
 * the child (glibc uses clone(CLONE_VM | CLONE_VFORK)), and since glibc 2.24
 * reports an exec failure as its return value. The child gets default signal
 * dispositions, an empty mask whatever the calling thread had blocked, and a
 * process group of its own, so a timeout can kill what it forked as well.
 */
static int spawn(const char *const *argv, const int fds[3], pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	pid_t pid;
	int r;

	r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	r = posix_spawnattr_init(&attr);
	if (r) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawnattr_setsigmask(&attr, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (!r)
		r = posix_spawnattr_setpgroup(&attr, 0);
	if (!r)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							    POSIX_SPAWN_SETPGROUP);
	for (int i = 0; i < 3 && !r; i++)
		r = posix_spawn_file_actions_adddup2(&fa, fds[i], i);
	if (!r) {
		r = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
		if (r && errno_is_exec_failure(r))
			r = ENOENT;
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	*ret_pid = pid;
	return 0;
}

/* Reads what is there; closes the stream at EOF. */
static int stream_drain(struct run_stream *s)
{
	char buf[16384];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		closep(&s->fd);
		s->fd = -1;
		return 0;
	}
	strbuf_add(s->sb, buf, (size_t)n);
	return 0;
}

/*
 * Polls both pipes and the child's pidfd until the child has exited and both
 * pipes are at EOF, or the deadline passes. Reading both pipes as data comes
 * is what keeps a child that fills one while we wait on the other from
 * blocking forever.
 */
static int run_wait(int pidfd, struct run_stream s[2], uint64_t deadline)
{
	bool exited = false;

	while (!exited || s[0].fd >= 0 || s[1].fd >= 0) {
		struct pollfd p[3] = { { .fd = exited ? -1 : pidfd, .events = POLLIN },
				       { .fd = s[0].fd, .events = POLLIN },
				       { .fd = s[1].fd, .events = POLLIN } };
		uint64_t now = now_usec(), wait_ms;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		/* Round up so that we never wake just before the deadline and spin. */
		wait_ms = MIN((deadline - now + 999) / 1000, (uint64_t)INT32_MAX);
		r = poll(p, 3, (int)wait_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			if (!(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = stream_drain(&s[i]);
			if (r < 0)
				return r;
		}
		if (p[0].revents)
			exited = true;
	}
	return 0;
}

static int reap(pid_t pid, int *ret_status)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status;
	return 0;
}

/* Starts argv with stdin on /dev/null and its output on s; s keeps the read ends. */
static int run_start(const char *const *argv, struct strbuf *out, struct strbuf *err,
		     struct run_stream s[2], pid_t *ret_pid)
{
	_cleanup_close_ int in = -1, child_out = -1, child_err = -1;
	int r;

	in = fd_move_above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (in < 0)
		return in;
	r = stream_open(&s[0], out, &child_out);
	if (r < 0)
		return r;
	r = stream_open(&s[1], err, &child_err);
	if (r < 0)
		return r;
	/* Our copies of the child's ends close on return, or the pipes would never see EOF. */
	return spawn(argv, (const int[3]){ in, child_out, child_err }, ret_pid);
}

/* Collects the output until the child is gone; kills it at the deadline. */
static int run_finish(pid_t pid, struct run_stream s[2], uint64_t deadline, int *ret_status)
{
	_cleanup_close_ int pidfd = pidfd_open(pid, 0);
	int r = pidfd < 0 ? -errno : run_wait(pidfd, s, deadline);

	if (r < 0) {
		/* The group first, for what the child forked; then the child, if it left it. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	if (reap(pid, ret_status) < 0 && r >= 0)
		r = -ECHILD;
	return r;
}

int run_command(const char *const *argv, unsigned timeout_ms, struct strbuf *out,
		struct strbuf *err)
{
	struct run_stream s[2] = { { .fd = -1 }, { .fd = -1 } };
	uint64_t deadline = now_usec() + (uint64_t)timeout_ms * (USEC_PER_SEC / MSEC_PER_SEC);
	int r, status = 0;
	pid_t pid;

	if (!argv || !argv[0] || argv[0][0] != '/')
		return -EINVAL;
	r = run_start(argv, out, err, s, &pid);
	if (r >= 0)
		r = run_finish(pid, s, deadline, &status);
	closep(&s[0].fd);
	closep(&s[1].fd);
	if (r < 0)
		return r;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -EINTR;
}
