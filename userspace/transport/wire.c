// SPDX-License-Identifier: MIT
/*
 * wire.c: encoding and decoding of the collector <-> processor messages
 * (include/pc/wire.h). The decoder trusts nothing: every read goes through a
 * cursor that checks the bytes remain, every string length is checked
 * against both its field limit and the frame, trailing bytes are refused,
 * and each error names the stream offset and the value that was wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pc/config.h"
#include "pc/wire.h"

/* --- encoding */

struct wenc {
	struct pc_buf *out;
	int err;
};

static void put(struct wenc *w, const void *p, size_t n)
{
	if (!w->err)
		w->err = pc_buf_put(w->out, p, n);
}

static void put_u8(struct wenc *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct wenc *w, uint16_t v)
{
	uint8_t b[2] = {v >> 8, v & 0xff};

	put(w, b, 2);
}

static void put_u32(struct wenc *w, uint32_t v)
{
	uint8_t b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};

	put(w, b, 4);
}

static void put_u64(struct wenc *w, uint64_t v)
{
	put_u32(w, v >> 32);
	put_u32(w, (uint32_t)v);
}

static void put_str(struct wenc *w, struct pc_wire_str s, uint32_t max)
{
	if (s.len > max) {
		w->err = -EINVAL;
		return;
	}
	put_u32(w, s.len);
	if (s.len)
		put(w, s.p, s.len);
}

int wire__encode(struct pc_buf *out, const struct pc_wire_msg *m)
{
	struct wenc w = {out, 0};
	size_t start = out->len, flen;

	put_u32(&w, 0); /* length, patched below */
	put_u8(&w, m->type);
	switch (m->type) {
	case PC_W_HELLO:
		put_u32(&w, m->hello.magic);
		put_u16(&w, m->hello.vmin);
		put_u16(&w, m->hello.vmax);
		put_u8(&w, m->hello.role);
		put_u32(&w, m->hello.host);
		put_str(&w, m->hello.name, PC_WIRE_MAX_TEXT);
		break;
	case PC_W_ERROR:
		put_u32(&w, m->error.code);
		put_str(&w, m->error.text, PC_WIRE_MAX_TEXT);
		break;
	case PC_W_PING:
	case PC_W_PONG:
		put_u64(&w, m->ping);
		break;
	case PC_W_REQUEST:
		put_u32(&w, m->req.id);
		put_u8(&w, m->req.op);
		put_u64(&w, m->req.interval_ns);
		put_str(&w, m->req.arg, PC_WIRE_MAX_TEXT);
		break;
	case PC_W_REPLY:
		put_u32(&w, m->reply.id);
		put_u32(&w, (uint32_t)m->reply.err);
		put_str(&w, m->reply.text, PC_WIRE_MAX_REPLY);
		break;
	case PC_W_STATUS:
		put_u32(&w, m->status.id);
		put_u8(&w, m->status.running);
		put_u8(&w, m->status.sink);
		put_u32(&w, m->status.host);
		put_u32(&w, m->status.run);
		put_u64(&w, m->status.interval_ns);
		put_u64(&w, m->status.samples);
		put_u64(&w, m->status.dropped);
		put_u64(&w, m->status.spool_batches);
		put_u64(&w, m->status.spool_bytes);
		put_u64(&w, m->status.spool_free);
		put_u64(&w, m->status.spool_mem);
		put_str(&w, m->status.systems, PC_WIRE_MAX_TEXT);
		break;
	case PC_W_BATCH:
		put_u32(&w, m->batch.host);
		put_u32(&w, m->batch.run);
		put_u64(&w, m->batch.bseq);
		put_u64(&w, m->batch.first_seq);
		put_u32(&w, m->batch.nsamples);
		put_u64(&w, m->batch.first_ns);
		put_u64(&w, m->batch.last_ns);
		put_u64(&w, m->batch.sealed_ns);
		put_str(&w, m->batch.payload, PC_WIRE_MAX_PAYLOAD);
		break;
	case PC_W_ACK:
		put_u32(&w, m->ack.run);
		put_u64(&w, m->ack.bseq);
		break;
	default:
		w.err = -EINVAL;
	}
	if (w.err) {
		out->len = start;
		return w.err;
	}
	flen = out->len - start - 4;
	if (flen > PC_WIRE_MAX_FRAME) {
		out->len = start;
		return -EINVAL;
	}
	out->p[start] = flen >> 24;
	out->p[start + 1] = (flen >> 16) & 0xff;
	out->p[start + 2] = (flen >> 8) & 0xff;
	out->p[start + 3] = flen & 0xff;
	return 0;
}

/* --- decoding */

struct wdec {
	const uint8_t *p;
	size_t len, off;
	int bad;
	char *err;
	size_t errlen;
};

static int need(struct wdec *d, size_t n, const char *what)
{
	if (d->bad)
		return 0;
	if (n > d->len - d->off) {
		snprintf(d->err, d->errlen, "body byte %zu: %s needs %zu bytes, %zu left", d->off,
			 what, n, d->len - d->off);
		d->bad = 1;
		return 0;
	}
	return 1;
}

static uint8_t get_u8(struct wdec *d, const char *what)
{
	if (!need(d, 1, what))
		return 0;
	return d->p[d->off++];
}

static uint16_t get_u16(struct wdec *d, const char *what)
{
	uint16_t v;

	if (!need(d, 2, what))
		return 0;
	v = (uint16_t)(d->p[d->off] << 8 | d->p[d->off + 1]);
	d->off += 2;
	return v;
}

static uint32_t get_u32(struct wdec *d, const char *what)
{
	const uint8_t *b = d->p + d->off;
	uint32_t v;

	if (!need(d, 4, what))
		return 0;
	v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	d->off += 4;
	return v;
}

static uint64_t get_u64(struct wdec *d, const char *what)
{
	uint64_t hi = get_u32(d, what);

	return hi << 32 | get_u32(d, what);
}

static struct pc_wire_str get_str(struct wdec *d, uint32_t max, const char *what)
{
	struct pc_wire_str s = {"", 0};
	size_t at = d->off;
	uint32_t n = get_u32(d, what);

	if (d->bad)
		return s;
	if (n > max) {
		snprintf(d->err, d->errlen, "body byte %zu: %s length %u exceeds its limit %u", at,
			 what, n, max);
		d->bad = 1;
		return s;
	}
	if (!need(d, n, what))
		return s;
	s.p = (const char *)d->p + d->off;
	s.len = n;
	d->off += n;
	return s;
}

int wire__decode(const uint8_t *p, size_t len, struct pc_wire_msg *m, char *err, size_t errlen)
{
	struct wdec d = {p, len, 0, 0, err, errlen};

	memset(m, 0, sizeof(*m));
	m->type = get_u8(&d, "type");
	switch (m->type) {
	case PC_W_HELLO:
		m->hello.magic = get_u32(&d, "hello magic");
		m->hello.vmin = get_u16(&d, "hello vmin");
		m->hello.vmax = get_u16(&d, "hello vmax");
		m->hello.role = get_u8(&d, "hello role");
		m->hello.host = get_u32(&d, "hello host");
		m->hello.name = get_str(&d, PC_WIRE_MAX_TEXT, "hello name");
		if (!d.bad && m->hello.magic != PC_WIRE_MAGIC) {
			snprintf(err, errlen, "hello magic 0x%08x, want 0x%08x", m->hello.magic,
				 PC_WIRE_MAGIC);
			return -EBADMSG;
		}
		if (!d.bad && m->hello.role > PC_ROLE_CONTROL) {
			snprintf(err, errlen, "hello role %u unknown", m->hello.role);
			return -EBADMSG;
		}
		break;
	case PC_W_ERROR:
		m->error.code = get_u32(&d, "error code");
		m->error.text = get_str(&d, PC_WIRE_MAX_TEXT, "error text");
		break;
	case PC_W_PING:
	case PC_W_PONG:
		m->ping = get_u64(&d, "ping token");
		break;
	case PC_W_REQUEST:
		m->req.id = get_u32(&d, "request id");
		m->req.op = get_u8(&d, "request op");
		m->req.interval_ns = get_u64(&d, "request interval");
		m->req.arg = get_str(&d, PC_WIRE_MAX_TEXT, "request argument");
		break;
	case PC_W_REPLY:
		m->reply.id = get_u32(&d, "reply id");
		m->reply.err = (int32_t)get_u32(&d, "reply error");
		m->reply.text = get_str(&d, PC_WIRE_MAX_REPLY, "reply text");
		break;
	case PC_W_STATUS:
		m->status.id = get_u32(&d, "status id");
		m->status.running = get_u8(&d, "status running");
		m->status.sink = get_u8(&d, "status sink");
		m->status.host = get_u32(&d, "status host");
		m->status.run = get_u32(&d, "status run");
		m->status.interval_ns = get_u64(&d, "status interval");
		m->status.samples = get_u64(&d, "status samples");
		m->status.dropped = get_u64(&d, "status dropped");
		m->status.spool_batches = get_u64(&d, "status spool batches");
		m->status.spool_bytes = get_u64(&d, "status spool bytes");
		m->status.spool_free = get_u64(&d, "status spool free");
		m->status.spool_mem = get_u64(&d, "status spool memory");
		m->status.systems = get_str(&d, PC_WIRE_MAX_TEXT, "status systems");
		break;
	case PC_W_BATCH:
		m->batch.host = get_u32(&d, "batch host");
		m->batch.run = get_u32(&d, "batch run");
		m->batch.bseq = get_u64(&d, "batch sequence");
		m->batch.first_seq = get_u64(&d, "batch first sample");
		m->batch.nsamples = get_u32(&d, "batch sample count");
		m->batch.first_ns = get_u64(&d, "batch first time");
		m->batch.last_ns = get_u64(&d, "batch last time");
		m->batch.sealed_ns = get_u64(&d, "batch sealed time");
		m->batch.payload = get_str(&d, PC_WIRE_MAX_PAYLOAD, "batch payload");
		if (!d.bad && (m->batch.nsamples == 0 || m->batch.first_ns > m->batch.last_ns ||
			       m->batch.first_seq > UINT64_MAX - m->batch.nsamples)) {
			snprintf(
			    err, errlen,
			    "batch %llu: %u samples from seq %llu, times %llu..%llu: inconsistent",
			    (unsigned long long)m->batch.bseq, m->batch.nsamples,
			    (unsigned long long)m->batch.first_seq,
			    (unsigned long long)m->batch.first_ns,
			    (unsigned long long)m->batch.last_ns);
			return -EBADMSG;
		}
		break;
	case PC_W_ACK:
		m->ack.run = get_u32(&d, "ack run");
		m->ack.bseq = get_u64(&d, "ack sequence");
		break;
	default:
		if (!d.bad) {
			snprintf(err, errlen, "unknown message type %u", m->type);
			return -EBADMSG;
		}
	}
	if (d.bad)
		return -EBADMSG;
	if (d.off != len) {
		snprintf(err, errlen, "%s: %zu trailing bytes after byte %zu",
			 wire__type_name(m->type), len - d.off, d.off);
		return -EBADMSG;
	}
	return 0;
}

/* --- stream reader */

void wire_rd__init(struct pc_wire_rd *r)
{
	memset(r, 0, sizeof(*r));
}

void wire_rd__free(struct pc_wire_rd *r)
{
	pc_buf_free(&r->in);
}

int wire_rd__feed(struct pc_wire_rd *r, const void *p, size_t n)
{
	/* drop consumed frames before growing, so a long session stays small */
	if (r->off && (r->off == r->in.len || r->off > r->in.cap / 2)) {
		memmove(r->in.p, r->in.p + r->off, r->in.len - r->off);
		r->in.len -= r->off;
		r->stream_off += r->off;
		r->off = 0;
	}
	return pc_buf_put(&r->in, p, n);
}

int wire_rd__next(struct pc_wire_rd *r, struct pc_wire_msg *m)
{
	const uint8_t *b = r->in.p + r->off;
	size_t avail = r->in.len - r->off;
	uint32_t flen;
	char why[160];
	int ret;

	if (avail < 4)
		return 0;
	flen = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (flen == 0 || flen > PC_WIRE_MAX_FRAME) {
		snprintf(r->err, sizeof(r->err),
			 "stream byte %llu: frame length %u (allowed 1..%u)",
			 (unsigned long long)(r->stream_off + r->off), flen, PC_WIRE_MAX_FRAME);
		return -EMSGSIZE;
	}
	if (avail - 4 < flen)
		return 0;
	ret = wire__decode(b + 4, flen, m, why, sizeof(why));
	if (ret) {
		snprintf(r->err, sizeof(r->err), "stream byte %llu: %s",
			 (unsigned long long)(r->stream_off + r->off), why);
		return ret;
	}
	r->off += 4 + (size_t)flen;
	return 1;
}

const char *wire__type_name(unsigned type)
{
	switch (type) {
	case PC_W_HELLO:
		return "HELLO";
	case PC_W_ERROR:
		return "ERROR";
	case PC_W_PING:
		return "PING";
	case PC_W_PONG:
		return "PONG";
	case PC_W_REQUEST:
		return "REQUEST";
	case PC_W_REPLY:
		return "REPLY";
	case PC_W_STATUS:
		return "STATUS";
	case PC_W_BATCH:
		return "BATCH";
	case PC_W_ACK:
		return "ACK";
	}
	return "unknown";
}

const char *wire__op_name(unsigned op)
{
	static const char *const names[] = {
	    [PC_OP_START] = "start", [PC_OP_STOP] = "stop", [PC_OP_STATUS] = "status",
	    [PC_OP_ONCE] = "once",   [PC_OP_DIR] = "dir",   [PC_OP_NETCACHE] = "netcache"};

	return op < sizeof(names) / sizeof(*names) && names[op] ? names[op] : "unknown";
}

struct pc_wire_str wire__str(const char *s)
{
	struct pc_wire_str w = {s ? s : "", s ? (uint32_t)strnlen(s, UINT32_MAX) : 0};

	return w;
}

int wire__status_text(const struct pc_wire_status *st, struct pc_buf *out)
{
	char ival[32];

	pc_format_duration(st->interval_ns, ival, sizeof(ival));
	return pc_buf_printf(out,
			     "Status: %s\n"
			     "Sink enabled: %s\n"
			     "Measurement enabled: %s\n"
			     "Frequency: %s\n"
			     "Queue depth: %llu\n"
			     "Queue free: %llu\n"
			     "Systems: %.*s\n"
			     "Host: %u\n"
			     "Run: %u\n"
			     "Samples: %llu\n"
			     "Spool: %llu batches, %llu bytes (%llu in memory), %llu bytes free\n"
			     "Dropped: %llu samples (spool full; marked as gaps)\n",
			     st->running ? "running" : "stopped", st->sink ? "true" : "false",
			     st->running ? "true" : "false", st->interval_ns ? ival : "-",
			     (unsigned long long)st->spool_batches,
			     (unsigned long long)st->spool_free, (int)st->systems.len,
			     st->systems.len ? st->systems.p : "all", st->host, st->run,
			     (unsigned long long)st->samples, (unsigned long long)st->spool_batches,
			     (unsigned long long)st->spool_bytes, (unsigned long long)st->spool_mem,
			     (unsigned long long)st->spool_free, (unsigned long long)st->dropped);
}
