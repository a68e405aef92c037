/*
 * labagent: the lab's management channel.
 *
 * One static binary with two roles:
 *
 *   labagent serve [PORT]
 *       inside a VM: accept TCP connections, run each request's command with
 *       /bin/sh -c, stream its stdout and stderr back and finish with its exit
 *       status. A request may ask for a pseudo-terminal (interactive shell).
 *
 *   labagent exec [-n] [-t] [-N NETNS] [-w SECONDS] ADDR[:PORT] COMMAND
 *       on the host: send COMMAND, forward our stdin, write the command's
 *       stdout and stderr to ours and exit with its status (255 when the
 *       connection could not be made or broke, like ssh). -N enters a network
 *       namespace (a /run/netns path) first; -w retries the connection for that
 *       many seconds (used while a VM boots).
 *
 * Wire format, both directions: frames of a 1-byte type, a 4-byte big-endian
 * length and that many bytes. The client opens with a HELLO frame (flags byte,
 * then the command text); then sends STDIN frames, an empty one at end of
 * input. The server answers with STDOUT/STDERR frames and one EXIT frame
 * (4-byte big-endian status), then closes. If the client goes away before the
 * command ends, the command's process group is killed.
 *
 * There is no authentication: the agent listens only on the lab's private
 * network, inside the lab's own network namespace.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum {
	F_HELLO = 1,
	F_STDIN = 2,
	F_STDOUT = 3,
	F_STDERR = 4,
	F_EXIT = 5
};
enum {
	HELLO_TTY = 1
};
#define DEFAULT_PORT 7070
#define MAX_FRAME (1u << 20)

static void die(const char *what)
{
	fprintf(stderr, "labagent: %s: %s\n", what, strerror(errno));
	exit(255);
}

/* Write all of buf, retrying on EINTR and short writes. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_frame(int fd, uint8_t type, const void *data, uint32_t len)
{
	unsigned char hdr[5];
	uint32_t be = htonl(len);
	hdr[0] = type;
	memcpy(hdr + 1, &be, 4);
	if (write_all(fd, hdr, 5) < 0)
		return -1;
	return len ? write_all(fd, data, len) : 0;
}

/* Read one frame; *data is malloc'ed (NUL-terminated for convenience). */
static int recv_frame(int fd, uint8_t *type, char **data, uint32_t *len)
{
	unsigned char hdr[5];
	uint32_t be;
	if (read_all(fd, hdr, 5) < 0)
		return -1;
	memcpy(&be, hdr + 1, 4);
	*type = hdr[0];
	*len = ntohl(be);
	if (*len > MAX_FRAME)
		return -1;
	*data = malloc(*len + 1);
	if (!*data)
		return -1;
	if (*len && read_all(fd, *data, *len) < 0) {
		free(*data);
		return -1;
	}
	(*data)[*len] = 0;
	return 0;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* ---------------------------------------------------------------- server */

/* Start sh -c cmd with pipes (or one pty) for its standard streams. */
static pid_t spawn(const char *cmd, int tty, int *in, int *out, int *err)
{
	int pin[2], pout[2], perr[2], master = -1;
	pid_t pid;

	if (tty) {
		master = posix_openpt(O_RDWR | O_NOCTTY);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
			return -1;
	} else if (pipe(pin) < 0 || pipe(pout) < 0 || pipe(perr) < 0) {
		return -1;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		if (tty) {
			int slave = open(ptsname(master), O_RDWR);
			if (slave < 0)
				_exit(127);
			ioctl(slave, TIOCSCTTY, 0);
			dup2(slave, 0);
			dup2(slave, 1);
			dup2(slave, 2);
			if (slave > 2)
				close(slave);
			close(master);
		} else {
			dup2(pin[0], 0);
			dup2(pout[1], 1);
			dup2(perr[1], 2);
			close(pin[0]), close(pin[1]);
			close(pout[0]), close(pout[1]);
			close(perr[0]), close(perr[1]);
		}
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (tty) {
		*in = *out = master;
		*err = -1;
	} else {
		close(pin[0]), close(pout[1]), close(perr[1]);
		*in = pin[1], *out = pout[0], *err = perr[0];
	}
	return pid;
}

/* Serve one connection: run its command and relay until it exits. */
static void serve_conn(int sock)
{
	uint8_t type;
	char *data;
	uint32_t len;
	int in, out, err, status = 0, exited = 0, sock_open = 1, tty;
	char buf[65536], *pending = NULL;
	size_t pending_len = 0, pending_off = 0;
	pid_t pid;

	if (recv_frame(sock, &type, &data, &len) < 0 || type != F_HELLO || len < 1)
		_exit(1);
	tty = data[0] & HELLO_TTY;
	pid = spawn(data + 1, tty, &in, &out, &err);
	free(data);
	if (pid < 0) {
		uint32_t be = htonl(127);
		send_frame(sock, F_EXIT, &be, 4);
		_exit(1);
	}
	if (!tty)
		set_nonblock(in);

	while (out >= 0 || err >= 0) {
		struct pollfd p[4];
		int n = 0, i_sock = -1, i_out = -1, i_err = -1, i_in = -1;
		if (sock_open && !pending)
			p[i_sock = n++] = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (out >= 0)
			p[i_out = n++] = (struct pollfd){ .fd = out, .events = POLLIN };
		if (err >= 0)
			p[i_err = n++] = (struct pollfd){ .fd = err, .events = POLLIN };
		if (pending && in >= 0 && !tty)
			p[i_in = n++] = (struct pollfd){ .fd = in, .events = POLLOUT };
		/* Once the command itself is gone, drain what is buffered, then stop:
		 * a background child holding the pipes must not keep us waiting. */
		int r = poll(p, n, exited ? 0 : 200);
		if (r < 0 && errno != EINTR)
			break;
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
		if (r == 0 && exited)
			break;
		if (r <= 0)
			continue;
		if (i_sock >= 0 && p[i_sock].revents) {
			if (recv_frame(sock, &type, &data, &len) < 0) {
				/* The client is gone: stop the command. */
				kill(-pid, SIGKILL);
				_exit(0);
			}
			if (type == F_STDIN && len == 0) {
				if (!tty && in >= 0)
					close(in), in = -1;
				else if (tty)
					write_all(in, "\004", 1);
				free(data);
			} else if (type == F_STDIN && in >= 0) {
				if (tty) {
					write_all(in, data, len);
					free(data);
				} else {
					pending = data, pending_len = len, pending_off = 0;
				}
			} else {
				free(data);
			}
		}
		if (i_in >= 0 && p[i_in].revents) {
			ssize_t w = write(in, pending + pending_off, pending_len - pending_off);
			if (w > 0)
				pending_off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
			    pending_off == pending_len) {
				free(pending), pending = NULL;
				if (w < 0)
					close(in), in = -1;
			}
		}
		int fds[2] = { i_out, i_err };
		for (int k = 0; k < 2; k++) {
			if (fds[k] < 0 || !p[fds[k]].revents)
				continue;
			int *fd = k == 0 ? &out : &err;
			ssize_t got = read(*fd, buf, sizeof buf);
			if (got > 0) {
				if (send_frame(sock, k == 0 ? F_STDOUT : F_STDERR, buf,
					       (uint32_t)got) < 0) {
					kill(-pid, SIGKILL);
					_exit(0);
				}
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				if (!(tty && k == 1))
					close(*fd);
				*fd = -1;
			}
		}
	}
	if (!exited)
		waitpid(pid, &status, 0);
	uint32_t code = WIFEXITED(status) ? (uint32_t)WEXITSTATUS(status)
					  : 128u + (uint32_t)WTERMSIG(status);
	uint32_t be = htonl(code);
	send_frame(sock, F_EXIT, &be, 4);
	shutdown(sock, SHUT_WR);
	_exit(0);
}

static _Noreturn void serve(int port)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
		die("bind");
	if (listen(s, 64) < 0)
		die("listen");
	/* Commands get the environment of a root login, whatever init gave us. */
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	if (chdir("/root") < 0 && chdir("/") < 0)
		die("chdir");
	signal(SIGCHLD, SIG_IGN); /* connection handlers reap themselves */
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		pid_t pid = fork();
		if (pid == 0) {
			close(s);
			signal(SIGCHLD, SIG_DFL); /* we wait for the command ourselves */
			serve_conn(c);
		}
		close(c);
	}
}

/* ---------------------------------------------------------------- client */

static struct termios saved_tio;
static int tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(0, TCSANOW, &saved_tio);
}

static int connect_to(const char *addr, int port, double wait_s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timespec t0, now;
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "labagent: bad address %s\n", addr);
		exit(255);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
		if (s < 0)
			die("socket");
		/* A short send timeout makes connect to a dead VM fail in seconds. */
		struct timeval tv = { .tv_sec = 3 };
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			/* Notice a VM that dies under a running command. */
			int idle = 5, intvl = 2, cnt = 3;
			setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
			setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
			setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
			setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
			tv.tv_sec = 0;
			setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
			return s;
		}
		int e = errno;
		close(s);
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el =
			(double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= wait_s) {
			fprintf(stderr, "labagent: cannot reach %s:%d: %s\n", addr, port,
				strerror(e));
			exit(255);
		}
		usleep(200000);
	}
}

static int client(int argc, char **argv)
{
	int opt, use_stdin = 1, tty = 0, port = DEFAULT_PORT;
	double wait_s = 0;
	const char *netns = NULL;
	while ((opt = getopt(argc, argv, "+ntN:w:")) != -1) {
		switch (opt) {
		case 'n':
			use_stdin = 0;
			break;
		case 't':
			tty = 1;
			break;
		case 'N':
			netns = optarg;
			break;
		case 'w':
			wait_s = atof(optarg);
			break;
		default:
			return 255;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr,
			"usage: labagent exec [-n] [-t] [-N NETNS] [-w SECONDS] ADDR[:PORT] COMMAND\n");
		return 255;
	}
	if (netns) {
		int fd = open(netns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			die(netns);
		close(fd);
	}
	char addr[64];
	snprintf(addr, sizeof addr, "%s", argv[optind]);
	char *colon = strchr(addr, ':');
	if (colon)
		*colon = 0, port = atoi(colon + 1);
	const char *cmd = argv[optind + 1];

	signal(SIGPIPE, SIG_IGN);
	int s = connect_to(addr, port, wait_s);
	size_t clen = strlen(cmd);
	char *hello = malloc(clen + 1);
	if (!hello)
		die("malloc");
	hello[0] = (char)(tty ? HELLO_TTY : 0);
	memcpy(hello + 1, cmd, clen);
	if (send_frame(s, F_HELLO, hello, (uint32_t)(clen + 1)) < 0)
		die("send");
	free(hello);

	if (tty && isatty(0) && tcgetattr(0, &saved_tio) == 0) {
		struct termios raw = saved_tio;
		cfmakeraw(&raw);
		tio_saved = 1;
		atexit(restore_tty);
		tcsetattr(0, TCSANOW, &raw);
	}

	char buf[65536];
	for (;;) {
		struct pollfd p[2] = { { .fd = s, .events = POLLIN },
				       { .fd = 0, .events = POLLIN } };
		int n = use_stdin ? 2 : 1;
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (n == 2 && p[1].revents) {
			ssize_t got = read(0, buf, sizeof buf);
			if (got > 0) {
				if (send_frame(s, F_STDIN, buf, (uint32_t)got) < 0)
					use_stdin = 0;
			} else if (got == 0 || errno != EINTR) {
				send_frame(s, F_STDIN, NULL, 0);
				use_stdin = 0;
			}
		}
		if (p[0].revents) {
			uint8_t type;
			char *data;
			uint32_t len;
			if (recv_frame(s, &type, &data, &len) < 0) {
				restore_tty();
				fprintf(stderr, "labagent: connection to %s lost\n", addr);
				return 255;
			}
			if (type == F_STDOUT)
				write_all(1, data, len);
			else if (type == F_STDERR)
				write_all(2, data, len);
			else if (type == F_EXIT && len == 4) {
				uint32_t be;
				memcpy(&be, data, 4);
				free(data);
				return (int)ntohl(be);
			}
			free(data);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		serve(argc >= 3 ? atoi(argv[2]) : DEFAULT_PORT);
	if (argc >= 2 && strcmp(argv[1], "exec") == 0)
		return client(argc - 1, argv + 1);
	fprintf(stderr,
		"usage: labagent serve [PORT] | labagent exec [options] ADDR[:PORT] COMMAND\n");
	return 255;
}
