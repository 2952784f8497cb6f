// SPDX-License-Identifier: MIT
/*
 * load_net.c: the network generator of include/pc/load.h. Traffic goes over
 * TCP to a sink: by default one we start inside a network namespace of our
 * own, reached through a veth pair (MTU 64 KiB so headers are a rounding
 * error), so that the host-side interface counters move and loopback does not
 * take the replay's CPU; or a `perfreplay --sink` on another machine. The
 * protocol is frames of {u32 type, u32 length}: type 0 carries data to
 * discard, type 1 asks for a u64 number of bytes back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pc/load.h"
#include "pc/ticker.h"

#define CHUNK	  (256u << 10)
#define SINK_PORT 7399

extern char **environ;

struct load_net {
	int fd;
	pid_t sink;
	char ns[32], ifa[16];
	char *buf;
};

struct frame {
	uint32_t type, len;
};

static int run_ip(char *const argv[])
{
	pid_t pid;
	int st;
	posix_spawn_file_actions_t fa;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "ip", &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		return -ENOENT;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int full_write(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		c += w, n -= (size_t)w;
	}
	return 0;
}

static int full_read(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ECONNRESET;
		c += r, n -= (size_t)r;
	}
	return 0;
}

static int serve(int c, const volatile int *stop)
{
	char *buf = malloc(CHUNK);
	struct frame f;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, CHUNK);
	while (!(stop && *stop) && !(rc = full_read(c, &f, sizeof(f)))) {
		if (f.type == 0) {
			for (uint32_t left = f.len; left && !rc;) {
				uint32_t n = left < CHUNK ? left : CHUNK;
				rc = full_read(c, buf, n);
				left -= n;
			}
		} else if (f.type == 1 && f.len == 8) {
			uint64_t want;
			if ((rc = full_read(c, &want, 8)))
				break;
			for (uint64_t left = want; left && !rc;) {
				uint32_t n = left < CHUNK ? (uint32_t)left : CHUNK;
				rc = full_write(c, buf, n);
				left -= n;
			}
		} else {
			rc = -EPROTO; /* not our peer: hang up */
		}
	}
	free(buf);
	return rc == -ECONNRESET ? 0 : rc;
}

int load_net__sink(uint16_t port, const volatile int *stop)
{
	struct sockaddr_in6 a = {
	    .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT};
	int one = 1, ls = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), zero = 0;

	if (ls < 0)
		return -errno;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 4)) {
		int e = errno;
		close(ls);
		return -e;
	}
	while (!(stop && *stop)) {
		int c = accept(ls, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		serve(c, stop);
		close(c);
	}
	close(ls);
	return 0;
}

static int connect_to(const char *host, const char *port, int tries)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int fd = -1, rc;

	if ((rc = getaddrinfo(host, port, &hints, &res)))
		return -EHOSTUNREACH;
	for (int t = 0; t < tries && fd < 0; t++) {
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
			if (fd >= 0 && !connect(fd, ai->ai_addr, ai->ai_addrlen))
				break;
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
		if (fd < 0) {
			struct timespec ts = {0, 50000000};
			nanosleep(&ts, NULL);
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd >= 0 ? fd : -ECONNREFUSED;
}

/* Child: enter the namespace and serve until killed. */
static void sink_child(const char *ns)
{
	char path[64];
	int fd;

	/* The parent's handlers would make SIGTERM a no-op here. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		_exit(1);
	_exit(load_net__sink(SINK_PORT, NULL) ? 1 : 0);
}

struct load_net *load_net__open(const char *sink, char *err, size_t errlen)
{
	struct load_net *n = calloc(1, sizeof(*n));
	char port[8], a_ip[32], b_ip[32];
	int e = 0, rc;

	if (!n)
		return NULL;
	n->fd = -1;
	n->buf = malloc(CHUNK);
	if (!n->buf) {
		e = ENOMEM;
		goto cleanup;
	}
	memset(n->buf, 0xa5, CHUNK);
	if (sink) {
		char host[256];
		const char *colon = strrchr(sink, ':');
		if (!colon || colon == sink || !colon[1] ||
		    (size_t)(colon - sink) >= sizeof(host)) {
			snprintf(err, errlen, "--sink \"%s\": want host:port", sink);
			e = EINVAL;
			goto cleanup;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - sink), sink);
		rc = connect_to(host, colon + 1, 1);
		if (rc < 0) {
			e = -rc;
			snprintf(err, errlen, "--sink %s: cannot connect: %s", sink, strerror(e));
			goto cleanup;
		}
		n->fd = rc;
		return n;
	}
	/* Names from our pid: two replays never collide, and leftovers say whose they were. */
	unsigned id = (unsigned)getpid() % 1000000u;
	snprintf(n->ns, sizeof(n->ns), "pcr%u", id);
	snprintf(n->ifa, sizeof(n->ifa), "pcr%ua", id);
	char ifb[16];
	snprintf(ifb, sizeof(ifb), "pcr%ub", id);
	snprintf(a_ip, sizeof(a_ip), "10.213.%u.1/30", id % 250);
	snprintf(b_ip, sizeof(b_ip), "10.213.%u.2/30", id % 250);
	{
		char *c1[] = {"ip", "netns", "add", n->ns, NULL};
		char *c2[] = {"ip",   "link", "add", n->ifa, "mtu",   "65535", "type", "veth",
			      "peer", "name", ifb,   "mtu",  "65535", "netns", n->ns,  NULL};
		char *c3[] = {"ip", "addr", "add", a_ip, "dev", n->ifa, NULL};
		char *c4[] = {"ip", "link", "set", n->ifa, "up", NULL};
		char *c5[] = {"ip", "-n", n->ns, "addr", "add", b_ip, "dev", ifb, NULL};
		char *c6[] = {"ip", "-n", n->ns, "link", "set", ifb, "up", NULL};
		char **cmds[] = {c1, c2, c3, c4, c5, c6};
		for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
			if ((rc = run_ip(cmds[i]))) {
				snprintf(err, errlen,
					 "ip %s %s %s: failed (%s): network replay "
					 "needs root and iproute2",
					 cmds[i][1], cmds[i][2], cmds[i][3],
					 rc == -ENOENT ? "ip not found" : "exit status");
				e = -rc;
				if (i == 0)
					n->ns[0] = 0;
				if (i <= 1)
					n->ifa[0] = 0;
				goto cleanup;
			}
	}
	n->sink = fork();
	if (n->sink < 0) {
		e = errno;
		snprintf(err, errlen, "fork for the sink: %s", strerror(e));
		n->sink = 0;
		goto cleanup;
	}
	if (n->sink == 0)
		sink_child(n->ns);
	snprintf(port, sizeof(port), "%d", SINK_PORT);
	b_ip[strcspn(b_ip, "/")] = 0;
	rc = connect_to(b_ip, port, 40);
	if (rc < 0) {
		e = -rc;
		snprintf(err, errlen, "sink in namespace %s at %s: %s", n->ns, b_ip, strerror(e));
		goto cleanup;
	}
	n->fd = rc;
	return n;
cleanup:
	load_net__close(n);
	errno = e ? e : EIO;
	return NULL;
}

const char *load_net__ifname(const struct load_net *n)
{
	return n->ifa;
}

static void sleep_until(uint64_t mono)
{
	struct timespec ts = {.tv_sec = (time_t)(mono / 1000000000ull),
			      .tv_nsec = (long)(mono % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int load_net__run(struct load_net *n, uint64_t tx_bytes, uint64_t rx_bytes, uint64_t start_mono,
		  uint64_t end_mono, const volatile int *stop)
{
	/* Ten paced steps per interval: each sends its share and fetches its share back. */
	const unsigned steps = 10;
	uint64_t len = end_mono > start_mono ? end_mono - start_mono : 0;
	int rc;

	for (unsigned s = 0; s < steps && !(stop && *stop); s++) {
		uint64_t tx = tx_bytes * (s + 1) / steps - tx_bytes * s / steps;
		uint64_t rx = rx_bytes * (s + 1) / steps - rx_bytes * s / steps;
		/* Mid-step deadlines: nothing lands on an interval boundary, where it is measured.
		 */
		sleep_until(start_mono + len * (2 * s + 1) / (2 * steps));
		while (tx) {
			uint32_t c = tx < CHUNK ? (uint32_t)tx : CHUNK;
			struct frame f = {0, c};
			if ((rc = full_write(n->fd, &f, sizeof(f))) ||
			    (rc = full_write(n->fd, n->buf, c)))
				return rc;
			tx -= c;
		}
		if (rx) {
			struct frame f = {1, 8};
			if ((rc = full_write(n->fd, &f, sizeof(f))) ||
			    (rc = full_write(n->fd, &rx, 8)))
				return rc;
			while (rx) {
				uint32_t c = rx < CHUNK ? (uint32_t)rx : CHUNK;
				if ((rc = full_read(n->fd, n->buf, c)))
					return rc;
				rx -= c;
			}
		}
	}
	return 0;
}

void load_net__close(struct load_net *n)
{
	if (!n)
		return;
	if (n->fd >= 0)
		close(n->fd);
	if (n->sink > 0) {
		kill(n->sink, SIGKILL); /* nothing to flush: it only discards and echoes */
		waitpid(n->sink, NULL, 0);
	}
	if (n->ifa[0]) {
		char *c[] = {"ip", "link", "del", n->ifa, NULL};
		run_ip(c);
	}
	if (n->ns[0]) {
		char *c[] = {"ip", "netns", "del", n->ns, NULL};
		run_ip(c);
	}
	free(n->buf);
	free(n);
}
