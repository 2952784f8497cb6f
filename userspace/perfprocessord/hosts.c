// SPDX-License-Identifier: MIT
/*
 * hosts.c: perfprocessord's collectors. Parses --hosts, and talks to each
 * collector: in the daemon, one thread per host keeps a data session up
 * (reconnecting with backoff, pinging every keepalive interval and giving up
 * on a peer silent for three), stores every batch and acknowledges it only
 * once the store says it is durable, drops resent duplicates, measures
 * end-to-end latency, and carries the operator's requests. Without the
 * daemon, a request opens a one-off control session instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pc/config.h"
#include "pc/log.h"
#include "pc/ticker.h"
#include "processord.h"
#include "store.h"

void pd_host_name(struct pd_host *h)
{
	snprintf(h->name, sizeof(h->name), "%u:%u %s:%u", h->site, h->id, h->addr, h->port);
}

int pd_host_parse(const char *spec, struct pd_host *h, char *err, size_t errlen)
{
	const char *slash = strchr(spec, '/'), *colon, *addr;
	char ids[64], *c2;
	uint64_t v;
	size_t alen;

	memset(h, 0, sizeof(*h));
	if (!slash) { /* the seed's --host=ADDRESS:PORT: host 0 of --siteid (check_hosts) */
		h->bare = 1;
		addr = spec;
		goto address;
	}
	if ((size_t)(slash - spec) >= sizeof(ids))
		goto bad;
	memcpy(ids, spec, (size_t)(slash - spec));
	ids[slash - spec] = 0;
	c2 = strchr(ids, ':');
	if (!c2)
		goto bad;
	*c2 = 0;
	if (pc_parse_u64(ids, UINT32_MAX, &v))
		goto bad;
	h->site = (uint32_t)v;
	if (pc_parse_u64(c2 + 1, UINT32_MAX, &v))
		goto bad;
	h->id = (uint32_t)v;
	addr = slash + 1;
address:
	colon = strrchr(addr, ':');
	if (!colon || colon == addr)
		goto bad;
	alen = (size_t)(colon - addr);
	if (addr[0] == '[') {
		if (addr[alen - 1] != ']' || alen < 3)
			goto bad;
		addr++;
		alen -= 2;
	}
	if (alen >= sizeof(h->addr))
		goto bad;
	memcpy(h->addr, addr, alen);
	h->addr[alen] = 0;
	if (pc_parse_u64(colon + 1, 65535, &v) || !v)
		goto bad;
	h->port = (unsigned)v;
	pd_host_name(h);
	return 0;
bad:
	snprintf(err, errlen,
		 "--hosts=%s: want <siteid>:<host>/<address>:<port>, e.g. 1:0/127.0.0.1:2222 "
		 "(or <address>:<port> for host 0 of --siteid)",
		 spec);
	return -EINVAL;
}

static int send_msg(struct pc_chan *c, const struct pc_wire_msg *m)
{
	struct pc_buf b = {0};
	int ret = wire__encode(&b, m);

	if (!ret)
		ret = chan__write(c, b.p, b.len);
	pc_buf_free(&b);
	return ret;
}

/* Read until one message arrives (or timeout): 1, 0 timeout, <0 error (err set). */
static int read_msg(struct pc_chan *c, struct pc_wire_rd *rd, struct pc_wire_msg *m, int timeout_ms,
		    char *err, size_t errlen)
{
	uint8_t buf[16384];
	uint64_t until = pc_now_mono() + (uint64_t)timeout_ms * 1000000ull;
	int r;

	for (;;) {
		r = wire_rd__next(rd, m);
		if (r) {
			if (r < 0)
				snprintf(err, errlen, "malformed message from the collector: %s",
					 rd->err);
			return r;
		}
		if (pc_now_mono() >= until)
			return 0;
		r = chan__read(c, buf, sizeof(buf), 100);
		if (r < 0) {
			snprintf(err, errlen, "connection %s",
				 r == -EPIPE ? "closed by the collector" : "failed");
			return r;
		}
		if (r > 0 && wire_rd__feed(rd, buf, (size_t)r)) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
}

static int hello(struct pc_chan *c, struct pc_wire_rd *rd, int role, uint32_t host, char *err,
		 size_t errlen)
{
	struct pc_wire_msg m = {.type = PC_W_HELLO};
	int r;

	m.hello = (struct pc_wire_hello){PC_WIRE_MAGIC,
					 PC_WIRE_VERSION,
					 PC_WIRE_VERSION,
					 (uint8_t)role,
					 host,
					 wire__str("perfprocessord")};
	if (send_msg(c, &m)) {
		snprintf(err, errlen, "cannot send HELLO");
		return -EIO;
	}
	r = read_msg(c, rd, &m, 10000, err, errlen);
	if (r == 0)
		snprintf(err, errlen, "no HELLO from the collector within 10 s");
	if (r <= 0)
		return r ? r : -ETIMEDOUT;
	if (m.type == PC_W_ERROR) {
		snprintf(err, errlen, "collector refused: %.*s", (int)m.error.text.len,
			 m.error.text.p);
		return -EPROTO;
	}
	if (m.type != PC_W_HELLO || m.hello.vmin != PC_WIRE_VERSION) {
		snprintf(err, errlen, "collector answered %s (version %u), not HELLO version %d",
			 wire__type_name(m.type), m.hello.vmin, PC_WIRE_VERSION);
		return -EPROTO;
	}
	return 0;
}

static void fill_result(struct pd_req *r, const struct pc_wire_msg *m)
{
	if (m->type == PC_W_STATUS) {
		r->st = m->status;
		memcpy(r->systems, m->status.systems.p, m->status.systems.len);
		r->systems[m->status.systems.len] = 0;
		r->st.systems = wire__str(r->systems);
		r->have_status = 1;
		r->err = 0;
	} else {
		r->err = m->reply.err;
		pc_buf_put(&r->text, m->reply.text.p, m->reply.text.len);
	}
	r->done = 1;
}

static void request_msg(const struct pd_req *r, struct pc_wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = PC_W_REQUEST;
	m->req = (struct pc_wire_request){r->id, r->op, r->interval_ns, wire__str(r->arg)};
}

/* --- one-off control session (no daemon) */

static void direct_request(struct pd *pd, struct pd_host *h, struct pd_req *r)
{
	char err[1024];
	struct pc_wire_rd rd;
	struct pc_wire_msg m;
	struct pc_chan *c = sshc__connect(h->addr, h->port, &pd->sshc, err, sizeof(err));
	int ret;

	wire_rd__init(&rd);
	if (!c)
		goto fail;
	if (hello(c, &rd, PC_ROLE_CONTROL, h->id, err, sizeof(err)))
		goto fail;
	r->id = 1;
	request_msg(r, &m);
	if (send_msg(c, &m)) {
		snprintf(err, sizeof(err), "cannot send the request");
		goto fail;
	}
	for (;;) {
		ret = read_msg(c, &rd, &m, REPLY_TIMEOUT_S * 1000, err, sizeof(err));
		if (ret == 0)
			snprintf(err, sizeof(err), "no answer within %d s", REPLY_TIMEOUT_S);
		if (ret <= 0)
			goto fail;
		if ((m.type == PC_W_REPLY && m.reply.id == r->id) ||
		    (m.type == PC_W_STATUS && m.status.id == r->id)) {
			fill_result(r, &m);
			break;
		}
		if (m.type == PC_W_ERROR) {
			snprintf(err, sizeof(err), "collector error: %.*s", (int)m.error.text.len,
				 m.error.text.p);
			goto fail;
		}
	}
	wire_rd__free(&rd);
	chan__close(c);
	return;
fail:
	r->err = -ENOTCONN;
	r->text.len = 0;
	pc_buf_put(&r->text, err, strlen(err));
	r->done = 1;
	wire_rd__free(&rd);
	chan__close(c);
}

/* --- the daemon's session thread */

struct pending_ack {
	struct pc_wire_ack ack;
	uint64_t first_ns, last_ns;
	uint32_t n;
	int fresh; /* stored now (not a duplicate): counts for latency */
};

static void account_latency(struct pd_host *h, const struct pending_ack *a, uint64_t now)
{
	for (uint32_t i = 0; i < a->n; i++) {
		uint64_t t =
		    a->first_ns + (a->n > 1 ? (a->last_ns - a->first_ns) / (a->n - 1) * i : 0);
		uint64_t ms = now > t ? (now - t) / 1000000ull : 0;

		h->lat[ms < PD_LAT_BUCKETS - 1 ? ms : PD_LAT_BUCKETS - 1]++;
	}
}

/* Store the batches of this round, wait until durable, then acknowledge. */
static int flush_acks(struct pd *pd, struct pd_host *h, struct pc_chan *c, struct pending_ack *acks,
		      int n, uint64_t ticket)
{
	struct pc_buf out = {0};
	struct pc_wire_msg m = {.type = PC_W_ACK};
	uint64_t now;
	int ret = 0;

	if (ticket && (ret = store__wait(pd->store, ticket))) {
		log_warnx("%s: store: %s: not acknowledging", h->name, strerror(-ret));
		return ret;
	}
	now = pc_now_real();
	pthread_mutex_lock(&h->mu);
	for (int i = 0; i < n; i++) {
		if (acks[i].fresh) {
			h->batches++;
			h->samples += acks[i].n;
			account_latency(h, &acks[i], now);
		} else {
			h->dups++;
		}
	}
	pthread_mutex_unlock(&h->mu);
	for (int i = 0; i < n && !ret; i++) {
		m.ack = acks[i].ack;
		ret = wire__encode(&out, &m);
	}
	if (!ret)
		ret = chan__write(c, out.p, out.len);
	pc_buf_free(&out);
	return ret;
}

static void fail_requests(struct pd_host *h, const char *why)
{
	pthread_mutex_lock(&h->mu);
	for (struct pd_req *r = h->queue; r; r = r->next)
		if (r->sent && !r->done) {
			r->err = -ENOTCONN;
			pc_buf_put(&r->text, why, strlen(why));
			r->done = 1;
		}
	for (struct pd_req **pp = &h->queue; *pp;) /* the waiters own them now */
		if ((*pp)->done)
			*pp = (*pp)->next;
		else
			pp = &(*pp)->next;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void answer(struct pd_host *h, const struct pc_wire_msg *m)
{
	uint32_t id = m->type == PC_W_STATUS ? m->status.id : m->reply.id;
	struct pd_req **pp;

	pthread_mutex_lock(&h->mu);
	for (pp = &h->queue; *pp; pp = &(*pp)->next)
		if ((*pp)->sent && (*pp)->id == id) {
			fill_result(*pp, m);
			*pp = (*pp)->next;
			break;
		}
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static int send_requests(struct pd_host *h, struct pc_chan *c, uint32_t *next_id)
{
	struct pc_buf out = {0};
	struct pc_wire_msg m;
	int ret = 0;

	pthread_mutex_lock(&h->mu);
	for (struct pd_req *r = h->queue; r && !ret; r = r->next)
		if (!r->sent) {
			r->id = ++*next_id;
			r->sent = 1;
			request_msg(r, &m);
			ret = wire__encode(&out, &m);
		}
	pthread_mutex_unlock(&h->mu);
	if (!ret && out.len)
		ret = chan__write(c, out.p, out.len);
	pc_buf_free(&out);
	return ret;
}

#define MAX_ACKS 256

/* One connected session: what its steps share. */
struct sess {
	struct pd *pd;
	struct pd_host *h;
	struct pc_chan *c;
	struct pc_wire_rd *rd;
	struct pending_ack *acks;
	int nacks;
	uint64_t ticket; /* the store's, for the batches of this round */
	uint64_t last_rx, last_ping, ping;
	uint32_t next_id;
	char *why;
	size_t whylen;
};

/* A batch into the store, its acknowledgement pending until durable; 0 or -1 (why set). */
static int on_batch(struct sess *s, struct pc_wire_msg *m)
{
	struct pending_ack *a = &s->acks[s->nacks++];
	int r;

	m->batch.host = s->h->id; /* we name our hosts */
	a->ack = (struct pc_wire_ack){m->batch.run, m->batch.bseq};
	a->first_ns = m->batch.first_ns;
	a->last_ns = m->batch.last_ns;
	a->n = m->batch.nsamples;
	r = store__put(s->pd->store, &m->batch, &s->ticket);
	if (r < 0) {
		snprintf(s->why, s->whylen, "store: %s", strerror(-r));
		return -1;
	}
	a->fresh = r == 0; /* 1: a resend, acknowledged once durable */
	return 0;
}

/* One message from the collector; 0, or -1 to close (why set). */
static int on_message(struct sess *s, struct pc_wire_msg *m)
{
	switch (m->type) {
	case PC_W_BATCH:
		return on_batch(s, m);
	case PC_W_PONG:
		return 0;
	case PC_W_REPLY:
	case PC_W_STATUS:
		answer(s->h, m);
		return 0;
	case PC_W_ERROR:
		snprintf(s->why, s->whylen, "collector error %u: %.*s", m->error.code,
			 (int)(m->error.text.len > 200 ? 200 : m->error.text.len), m->error.text.p);
		return -1;
	default:
		snprintf(s->why, s->whylen, "unexpected %s from the collector",
			 wire__type_name(m->type));
		return -1;
	}
}

/* The whole messages read so far, up to MAX_ACKS batches; 0 or -1 (why set). */
static int read_messages(struct sess *s)
{
	struct pc_wire_msg m;
	int r = 0;

	s->nacks = 0;
	s->ticket = 0;
	while (s->nacks < MAX_ACKS && (r = wire_rd__next(s->rd, &m)) == 1)
		if (on_message(s, &m))
			return -1;
	if (r < 0) {
		snprintf(s->why, s->whylen, "malformed message: %s", s->rd->err);
		return -1;
	}
	return 0;
}

/* Ping every keepalive; a collector silent for three is dead. 0 or -1 (why set). */
static int keepalive(struct sess *s, uint64_t now)
{
	uint64_t ka = s->pd->o.keepalive_ns;
	struct pc_wire_msg m;

	if (now - s->last_ping >= ka) {
		m.type = PC_W_PING;
		m.ping = ++s->ping;
		if (send_msg(s->c, &m)) {
			snprintf(s->why, s->whylen, "cannot send a keepalive");
			return -1;
		}
		s->last_ping = now;
	}
	if (now - s->last_rx > 3 * ka) {
		snprintf(s->why, s->whylen, "silent for %llu s: dead peer or cut link",
			 (unsigned long long)(3 * ka / 1000000000ull));
		return -1;
	}
	return 0;
}

/* One round: read what came, store and acknowledge it, send requests and pings. */
static int session_round(struct sess *s, uint8_t *buf)
{
	int n = chan__read(s->c, buf, 65536, 100);
	uint64_t now = pc_now_mono();

	if (n < 0) {
		snprintf(s->why, s->whylen, "%s",
			 n == -EPIPE ? "closed by the collector" : "connection error");
		return -1;
	}
	if (n > 0) {
		s->last_rx = now;
		if (wire_rd__feed(s->rd, buf, (size_t)n)) {
			snprintf(s->why, s->whylen, "out of memory");
			return -1;
		}
	}
	if (read_messages(s))
		return -1;
	if (s->nacks && flush_acks(s->pd, s->h, s->c, s->acks, s->nacks, s->ticket)) {
		snprintf(s->why, s->whylen, "cannot acknowledge");
		return -1;
	}
	if (send_requests(s->h, s->c, &s->next_id)) {
		snprintf(s->why, s->whylen, "cannot send a request");
		return -1;
	}
	return keepalive(s, now);
}

static void session_loop(struct pd *pd, struct pd_host *h, struct pc_chan *c, struct pc_wire_rd *rd,
			 char *why, size_t whylen)
{
	struct sess s = {.pd = pd, .h = h, .c = c, .rd = rd, .why = why, .whylen = whylen};
	uint8_t *buf = malloc(65536);

	s.acks = calloc(MAX_ACKS, sizeof(*s.acks));
	s.last_rx = s.last_ping = pc_now_mono();
	if (!s.acks || !buf)
		snprintf(why, whylen, "out of memory");
	else
		while (!pd_stop && !session_round(&s, buf))
			;
	free(s.acks);
	free(buf);
}

static void nap_ms(uint32_t ms)
{
	for (uint32_t t = 0; t < ms && !pd_stop; t += 100) {
		struct timespec ts = {0, 100000000L};

		nanosleep(&ts, NULL);
	}
}

static void *host_main(void *arg)
{
	struct pd *pd = ((void **)arg)[0];
	struct pd_host *h = ((void **)arg)[1];
	struct pc_backoff bo = {200, 10000, 0, h->id * 7919u + 1};
	char err[1024], why[512];
	int was_connected = 0;

	free(arg);
	while (!pd_stop) {
		struct pc_wire_rd rd;
		struct pc_chan *c = sshc__connect(h->addr, h->port, &pd->sshc, err, sizeof(err));

		wire_rd__init(&rd);
		if (c && hello(c, &rd, PC_ROLE_DATA, h->id, err, sizeof(err))) {
			chan__close(c);
			c = NULL;
		}
		if (!c) {
			pthread_mutex_lock(&h->mu);
			if (strcmp(h->last_error, err))
				log_warnx("%s: %s (retrying)", h->name, err);
			snprintf(h->last_error, sizeof(h->last_error), "%s", err);
			pthread_mutex_unlock(&h->mu);
			fail_requests(h, err);
			wire_rd__free(&rd);
			nap_ms(backoff__next(&bo));
			continue;
		}
		backoff__reset(&bo);
		pthread_mutex_lock(&h->mu);
		h->connected = 1;
		h->last_error[0] = 0;
		if (was_connected)
			h->reconnects++;
		pthread_mutex_unlock(&h->mu);
		was_connected = 1;
		log_info("%s: connected", h->name);
		why[0] = 0;
		session_loop(pd, h, c, &rd, why, sizeof(why));
		if (!why[0])
			snprintf(why, sizeof(why), "processor stopping");
		log_warnx("%s: session ended: %s", h->name, why);
		pthread_mutex_lock(&h->mu);
		h->connected = 0;
		snprintf(h->last_error, sizeof(h->last_error), "%s", why);
		pthread_mutex_unlock(&h->mu);
		fail_requests(h, why);
		wire_rd__free(&rd);
		chan__close(c);
		if (!pd_stop)
			nap_ms(backoff__next(&bo));
	}
	return NULL;
}

int pd_hosts_start(struct pd *pd)
{
	for (int i = 0; i < pd->nh; i++) {
		void **arg = malloc(2 * sizeof(*arg));

		if (!arg)
			return -ENOMEM;
		arg[0] = pd;
		arg[1] = &pd->h[i];
		pd->h[i].lat = calloc(PD_LAT_BUCKETS, sizeof(uint64_t));
		if (!pd->h[i].lat || pthread_create(&pd->h[i].thread, NULL, host_main, arg)) {
			free(arg);
			return -ENOMEM;
		}
	}
	return 0;
}

void pd_hosts_join(struct pd *pd)
{
	for (int i = 0; i < pd->nh; i++)
		if (pd->h[i].thread)
			pthread_join(pd->h[i].thread, NULL);
}

void pd_host_submit(struct pd *pd, struct pd_host *h, struct pd_req *r, int daemon)
{
	if (!daemon) {
		direct_request(pd, h, r);
		return;
	}
	pthread_mutex_lock(&h->mu);
	if (!h->connected) {
		r->err = -ENOTCONN;
		pc_buf_put(&r->text, "not connected: ", 15);
		pc_buf_put(&r->text, h->last_error, strlen(h->last_error));
		r->done = 1;
	} else {
		r->next = h->queue;
		h->queue = r;
	}
	pthread_mutex_unlock(&h->mu);
}

void pd_host_wait(struct pd_host *h, struct pd_req *r, const struct timespec *until)
{
	pthread_mutex_lock(&h->mu);
	while (!r->done)
		if (pthread_cond_timedwait(&h->cv, &h->mu, until) == ETIMEDOUT)
			break;
	if (!r->done) {
		for (struct pd_req **pp = &h->queue; *pp; pp = &(*pp)->next)
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		r->err = -ETIMEDOUT;
		pc_buf_put(&r->text, "no answer in time", 17);
		r->done = 1;
	}
	pthread_mutex_unlock(&h->mu);
}
