// SPDX-License-Identifier: MIT
/*
 * control.c: perfprocessord's single-shot commands, as the seed names them
 * (start [frequency=] [systems=], stop, status, once systems=, dir
 * directories=, netcache): parsing their key=value words, running them
 * against every host and formatting the answers (status in the seed's
 * layout, per host, plus the daemon's own figures). Also the daemon's UNIX
 * control socket, over which a later `perfprocessord status` reaches the
 * running daemon: the command's words go in one per line, "exit N" and the
 * text come back.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pc/config.h"
#include "pc/log.h"
#include "processord.h"

/* Percentile (0..100) of a latency histogram in ms; 0 when empty. */
static uint64_t lat_pct(const uint64_t *lat, double pct)
{
	uint64_t total = 0, want, acc = 0;

	for (int i = 0; i < PD_LAT_BUCKETS; i++)
		total += lat[i];
	if (!total)
		return 0;
	want = (uint64_t)(total * pct / 100.0);
	if (want >= total)
		want = total - 1;
	for (int i = 0; i < PD_LAT_BUCKETS; i++) {
		acc += lat[i];
		if (acc > want)
			return (uint64_t)i;
	}
	return PD_LAT_BUCKETS - 1;
}

static void host_figures(struct pd_host *h, struct pc_buf *out)
{
	pthread_mutex_lock(&h->mu);
	pc_buf_printf(out,
		      "Connected: %s\nStored: %llu batches, %llu samples\nDuplicates dropped: %llu "
		      "batches\nReconnects: %llu\nLatency p50/p99: %llu ms / %llu ms\n",
		      h->connected ? "yes" : "no", (unsigned long long)h->batches,
		      (unsigned long long)h->samples, (unsigned long long)h->dups,
		      (unsigned long long)h->reconnects, (unsigned long long)lat_pct(h->lat, 50),
		      (unsigned long long)lat_pct(h->lat, 99));
	pthread_mutex_unlock(&h->mu);
}

static void summary(struct pd *pd, struct pc_buf *out)
{
	uint64_t *lat = calloc(PD_LAT_BUCKETS, sizeof(*lat)), samples = 0, batches = 0, dups = 0;
	int connected = 0;

	if (!lat)
		return;
	for (int i = 0; i < pd->nh; i++) {
		struct pd_host *h = &pd->h[i];

		pthread_mutex_lock(&h->mu);
		connected += h->connected;
		samples += h->samples;
		batches += h->batches;
		dups += h->dups;
		for (int k = 0; h->lat && k < PD_LAT_BUCKETS; k++)
			lat[k] += h->lat[k];
		pthread_mutex_unlock(&h->mu);
	}
	pc_buf_printf(
	    out,
	    "== processor ==\nHosts connected: %d/%d\nStored: %llu batches, %llu samples\n"
	    "Duplicates dropped: %llu batches\nLatency p50/p99: %llu ms / %llu ms\n",
	    connected, pd->nh, (unsigned long long)batches, (unsigned long long)samples,
	    (unsigned long long)dups, (unsigned long long)lat_pct(lat, 50),
	    (unsigned long long)lat_pct(lat, 99));
	free(lat);
}

/* Split "key=value"; 0 when word is key=..., with *val set. */
static int kv(const char *word, const char *key, const char **val)
{
	size_t n = strlen(key);

	if (strncmp(word, key, n) || word[n] != '=')
		return -1;
	*val = word + n + 1;
	return 0;
}

/* A command as parsed: the operation, the start interval, and one argument per request. */
struct pd_cmd {
	const char *name;
	int op;
	uint64_t interval;
	char list[PC_WIRE_MAX_TEXT + 1];
	char *p[64];
	int np;
};

static int cmd_op(const char *cmd)
{
	static const struct {
		const char *name;
		int op;
	} ops[] = {
	    {"start", PC_OP_START}, {"stop", PC_OP_STOP}, {"status", PC_OP_STATUS},
	    {"once", PC_OP_ONCE},   {"dir", PC_OP_DIR},	  {"netcache", PC_OP_NETCACHE},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++)
		if (!strcmp(cmd, ops[i].name))
			return ops[i].op;
	return -1;
}

/* start's frequency= and systems=; 0, or 2 with the reason in out. */
static int check_start(struct pd_cmd *c, const char *freq, const char *systems, struct pc_buf *out)
{
	if (pc_parse_duration(freq, &c->interval) || !pc_interval_ok(c->interval)) {
		pc_buf_printf(out,
			      "frequency=%.64s: a duration between 10ms and 1h (e.g. 100ms, 1s)\n",
			      freq);
		return 2;
	}
	if (strlen(systems) > PC_WIRE_MAX_TEXT) {
		pc_buf_printf(out, "systems=: longer than %d bytes\n", PC_WIRE_MAX_TEXT);
		return 2;
	}
	c->p[c->np++] = (char *)systems;
	return 0;
}

/* once's systems= or dir's directories=, one request per path; 0, or 2 with the reason. */
static int split_paths(struct pd_cmd *c, const char *paths, struct pc_buf *out)
{
	char *save = NULL, *tok;

	if (!paths || !*paths) {
		pc_buf_printf(out, "%s: say which: %s\n", c->name,
			      c->op == PC_OP_ONCE ? "systems=/proc/version" : "directories=/proc/");
		return 2;
	}
	if (strlen(paths) > PC_WIRE_MAX_TEXT) {
		pc_buf_printf(out, "%s: list longer than %d bytes\n", c->name, PC_WIRE_MAX_TEXT);
		return 2;
	}
	snprintf(c->list, sizeof(c->list), "%s", paths);
	for (tok = strtok_r(c->list, ",", &save); tok && c->np < 64;
	     tok = strtok_r(NULL, ",", &save))
		c->p[c->np++] = tok;
	return 0;
}

/* The command word and its key=value words; 0, or 2 with the reason in out. */
static int parse_command(struct pd_cmd *c, int argc, char **argv, struct pc_buf *out)
{
	const char *freq = "1s", *systems = "", *paths = NULL;

	c->name = argc ? argv[0] : "";
	c->op = cmd_op(c->name);
	c->interval = 1000000000ull;
	c->np = 0;
	if (c->op < 0) {
		pc_buf_printf(
		    out, "unknown command '%.64s' (start, stop, status, once, dir, netcache)\n",
		    c->name);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *v;

		if (c->op == PC_OP_START && !kv(argv[i], "frequency", &v))
			freq = v;
		else if (c->op == PC_OP_START && !kv(argv[i], "systems", &v))
			systems = v;
		else if (c->op == PC_OP_ONCE && !kv(argv[i], "systems", &v))
			paths = v;
		else if (c->op == PC_OP_DIR && !kv(argv[i], "directories", &v))
			paths = v;
		else {
			pc_buf_printf(out, "%s: unexpected argument '%.200s'\n", c->name, argv[i]);
			return 2;
		}
	}
	if (c->op == PC_OP_START)
		return check_start(c, freq, systems, out);
	if (c->op == PC_OP_ONCE || c->op == PC_OP_DIR)
		return split_paths(c, paths, out);
	c->p[c->np++] = (char *)systems;
	return 0;
}

/* Request i's reply (a status, or its text) under its host's heading. */
static void print_reply(struct pd *pd, const struct pd_cmd *c, int i, struct pd_req *r, int daemon,
			struct pc_buf *out)
{
	struct pd_host *h = &pd->h[i / c->np];

	if (i % c->np == 0)
		pc_buf_printf(out, "== %s ==\n", h->name);
	if ((c->op == PC_OP_ONCE || c->op == PC_OP_DIR) && c->np > 1)
		pc_buf_printf(out, "-- %s --\n", r->arg);
	if (r->have_status) {
		wire__status_text(&r->st, out);
	} else {
		if (r->err && r->err != -EALREADY && r->err != -ENOTCONN && r->err != -ETIMEDOUT)
			pc_buf_printf(out, "error: ");
		pc_buf_put(out, r->text.p, r->text.len);
		if (!r->text.len || r->text.p[r->text.len - 1] != '\n')
			pc_buf_printf(out, "\n");
	}
	if (c->op == PC_OP_STATUS && daemon)
		host_figures(h, out);
}

int pd_command(struct pd *pd, int argc, char **argv, int daemon, struct pc_buf *out)
{
	struct pd_cmd c;
	struct pd_req *reqs;
	int nreq, failed = 0, ret;
	struct timespec until;

	if ((ret = parse_command(&c, argc, argv, out)))
		return ret;
	if (!pd->nh) {
		pc_buf_printf(out,
			      "no collectors: give --hosts=<siteid>:<host>/<address>:<port>\n");
		return 2;
	}
	nreq = pd->nh * c.np;
	reqs = calloc((size_t)nreq, sizeof(*reqs));
	if (!reqs) {
		pc_buf_printf(out, "out of memory\n");
		return 1;
	}
	for (int i = 0; i < nreq; i++) {
		reqs[i].op = (uint8_t)c.op;
		reqs[i].interval_ns = c.interval;
		snprintf(reqs[i].arg, sizeof(reqs[i].arg), "%s", c.p[i % c.np]);
		pd_host_submit(pd, &pd->h[i / c.np], &reqs[i], daemon);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REPLY_TIMEOUT_S;
	for (int i = 0; i < nreq; i++) {
		if (daemon)
			pd_host_wait(&pd->h[i / c.np], &reqs[i], &until);
		if (reqs[i].err && reqs[i].err != -EALREADY)
			failed++;
		print_reply(pd, &c, i, &reqs[i], daemon, out);
		pc_buf_free(&reqs[i].text);
	}
	if (c.op == PC_OP_STATUS && daemon)
		summary(pd, out);
	free(reqs);
	return failed ? 1 : 0;
}

/* --- the control socket */

static int sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void serve_one(struct pd *pd, int fd)
{
	char buf[65536], *args[64], *save = NULL, *tok, head[32];
	struct pc_buf out = {0};
	size_t n = 0;
	int argc = 0, status;
	struct pollfd pfd = {fd, POLLIN, 0};

	while (n < sizeof(buf) - 1 && poll(&pfd, 1, 5000) == 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	for (tok = strtok_r(buf, "\n", &save); tok && argc < 64; tok = strtok_r(NULL, "\n", &save))
		args[argc++] = tok;
	status = pd_command(pd, argc, args, 1, &out);
	snprintf(head, sizeof(head), "exit %d\n", status);
	if (write(fd, head, strlen(head)) < 0 || (out.len && write(fd, out.p, out.len) < 0))
		log_warn("control: writing the answer");
	pc_buf_free(&out);
}

int pd_control_serve(struct pd *pd)
{
	struct sockaddr_un sa;
	int fd, c;

	if (sock_addr(pd->o.control, &sa)) {
		log_warnx("--control=%s: path too long for a socket", pd->o.control);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		log_warnx("%s: another perfprocessord is running", pd->o.control);
		close(fd);
		return -EBUSY;
	}
	unlink(pd->o.control); /* stale, from a daemon that was killed */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		log_warn("control socket %s", pd->o.control);
		close(fd);
		return -errno;
	}
	log_info("control socket %s", pd->o.control);
	while (!pd_stop) {
		struct pollfd pfd = {fd, POLLIN, 0};

		if (poll(&pfd, 1, 200) != 1)
			continue;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(pd, c);
		close(c);
	}
	close(fd);
	unlink(pd->o.control);
	return 0;
}

int pd_control_client(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa;
	char buf[65536];
	struct pc_buf in = {0};
	ssize_t r;
	int fd, status = 1;
	char *nl;

	if (sock_addr(path, &sa))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1; /* no daemon: the caller talks to the collectors itself */
	}
	for (int i = 0; i < argc; i++)
		if (write(fd, argv[i], strlen(argv[i])) < 0 || write(fd, "\n", 1) < 0)
			break;
	shutdown(fd, SHUT_WR);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		pc_buf_put(&in, buf, (size_t)r);
	close(fd);
	pc_buf_put(&in, "", 1);
	if (in.len > 1 && sscanf((char *)in.p, "exit %d", &status) == 1 &&
	    (nl = strchr((char *)in.p, '\n')))
		fputs(nl + 1, stdout);
	else
		fprintf(stderr, "perfprocessord: the daemon at %s gave no answer\n", path);
	pc_buf_free(&in);
	return status;
}
