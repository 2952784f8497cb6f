// SPDX-License-Identifier: MIT
/*
 * sink_rw_wire.c: what Prometheus remote-write 1.0 puts on the wire, by hand:
 * the protobuf WriteRequest (prometheus/prompb: WriteRequest.timeseries = 1;
 * TimeSeries.labels = 1, .samples = 2; Label.name = 1, .value = 2;
 * Sample.value = 1 (double), .timestamp = 2 (int64 ms)), compressed with
 * snappy's block format, POSTed over a plain HTTP/1.1 socket (no TLS: put a
 * proxy in front for https) with the three headers the protocol requires.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <snappy-c.h>
#include <sodium.h>

#include "sink_rw.h"

/* ---- protobuf */

static void varint(struct pc_buf *b, uint64_t v)
{
	uint8_t p[10];
	int n = 0;

	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	pc_buf_put(b, p, (size_t)n);
}

static void lenfield(struct pc_buf *b, unsigned field, const void *p, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, n);
	pc_buf_put(b, p, n);
}

int rw_series(struct pc_buf *out, struct pc_buf *scratch, const struct rw_label *l, int nl,
	      double v, int64_t ms)
{
	struct pc_buf lab = {0};
	uint8_t sample[20];
	size_t n = 0;
	uint64_t u;

	scratch->len = 0;
	for (int i = 0; i < nl; i++) {
		uint8_t tmp[600];
		size_t a = strlen(l[i].name), c = strlen(l[i].value);

		if (a + c + 8 > sizeof(tmp))
			continue;
		/* a Label message: name = 1, value = 2 */
		lab = (struct pc_buf){tmp, 0, sizeof(tmp)};
		lenfield(&lab, 1, l[i].name, a);
		lenfield(&lab, 2, l[i].value, c);
		lenfield(scratch, 1, tmp, lab.len);
	}
	/* a Sample message: value (fixed64 double) = 1, timestamp (varint) = 2 */
	memcpy(&u, &v, 8);
	sample[n++] = 1 << 3 | 1;
	for (int i = 0; i < 8; i++)
		sample[n++] = (uint8_t)(u >> (8 * i));
	lab = (struct pc_buf){sample + n, 0, sizeof(sample) - n};
	varint(&lab, 2 << 3 | 0);
	varint(&lab, (uint64_t)ms);
	n += lab.len;
	lenfield(scratch, 2, sample, n);
	if (pc_buf_reserve(out, scratch->len + 16))
		return -ENOMEM;
	lenfield(out, 1, scratch->p, scratch->len);
	return 0;
}

/* ---- HTTP */

int rw_parse_url(const char *url, struct rw_url *u)
{
	const char *p, *slash, *colon;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7))
		return -EINVAL;
	p = url + 7;
	slash = p + strcspn(p, "/");
	/* user:password@ becomes basic authentication */
	const char *at = memchr(p, '@', (size_t)(slash - p));
	if (at) {
		size_t n = (size_t)(at - p);

		if (n > 200)
			return -EINVAL;
		sodium_bin2base64(u->auth, sizeof(u->auth), (const unsigned char *)p, n,
				  sodium_base64_VARIANT_ORIGINAL);
		p = at + 1;
	}
	colon = memchr(p, ':', (size_t)(slash - p));
	if (colon == p || slash == p || (size_t)(slash - p) >= sizeof(u->host))
		return -EINVAL;
	snprintf(u->host, sizeof(u->host), "%.*s", (int)((colon ? colon : slash) - p), p);
	snprintf(u->port, sizeof(u->port), "%.*s", colon ? (int)(slash - colon - 1) : 2,
		 colon ? colon + 1 : "80");
	snprintf(u->path, sizeof(u->path), "%s", *slash ? slash : "/");
	return *u->port ? 0 : -EINVAL;
}

static int dial(const struct rw_url *u, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *a;
	struct timeval tv = {10, 0};
	int fd = -1, rc = getaddrinfo(u->host, u->port, &hints, &res), e = 0;

	if (rc) {
		snprintf(err, errlen, "cannot resolve %s: %s", u->host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	for (a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen)) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "cannot connect: %s", strerror(e ? e : EHOSTUNREACH));
	return fd < 0 ? -(e ? e : EHOSTUNREACH) : fd;
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -(w < 0 ? errno : EPIPE);
		c += w, n -= (size_t)w;
	}
	return 0;
}

/* Read the status line (and what follows, for the message); the HTTP status or -errno. */
static int status(int fd, char *err, size_t errlen)
{
	char buf[1024];
	size_t n = 0;
	ssize_t r;
	int code;

	while (n < sizeof(buf) - 1 && (r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1) {
		snprintf(err, errlen, "no HTTP response%s", n ? "" : " (connection closed)");
		return -EPROTO;
	}
	if (code / 100 != 2) {
		const char *body = strstr(buf, "\r\n\r\n");

		body = body ? body + 4 : "";
		snprintf(err, errlen, "HTTP %d: %.200s", code, body);
		for (char *p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	return code;
}

int rw_post(const struct rw_url *u, const struct pc_buf *body, struct pc_buf *z, char *err,
	    size_t errlen)
{
	size_t zn = snappy_max_compressed_length(body->len);
	char head[1400], auth[400] = "";
	int fd, rc, n;

	z->len = 0;
	if (pc_buf_reserve(z, zn))
		return -ENOMEM;
	if (snappy_compress((const char *)body->p, body->len, (char *)z->p, &zn) != SNAPPY_OK) {
		snprintf(err, errlen, "snappy: cannot compress");
		return -EINVAL;
	}
	if (*u->auth)
		snprintf(auth, sizeof(auth), "Authorization: Basic %s\r\n", u->auth);
	n = snprintf(head, sizeof(head),
		     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: perfcollector\r\n%s"
		     "Content-Encoding: snappy\r\nContent-Type: application/x-protobuf\r\n"
		     "X-Prometheus-Remote-Write-Version: 0.1.0\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     u->path, u->host, u->port, auth, zn);
	fd = dial(u, err, errlen);
	if (fd < 0)
		return fd;
	rc = send_all(fd, head, (size_t)n);
	if (!rc)
		rc = send_all(fd, z->p, zn);
	if (rc)
		snprintf(err, errlen, "sending: %s", strerror(-rc));
	else
		rc = status(fd, err, errlen);
	close(fd);
	if (rc < 0)
		return rc;
	return rc / 100 == 2 ? 0 : -EREMOTEIO;
}
