// SPDX-License-Identifier: MIT
/*
 * codec_bin.c: the binary sample codec of include/pc/codec.h and the binary
 * sysinfo record (docs/FORMAT.md, "Binary sample encoding"). A stream starts
 * with a key frame (absolute values, every key spelled out); each following
 * delta frame omits groups identical to the previous sample, does not repeat
 * a table's keys when they are unchanged, and stores every counter as a
 * zigzag varint of its difference from the same row (matched by key) of the
 * previous sample, with runs of zero differences collapsed into one token.
 * Groups carry their byte length so a reader skips groups it does not know;
 * columns beyond the reader's are decoded and dropped. The decoder checks
 * every length against what is left of its input before using it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pc/codec.h"

#define PC_CODEC_VERSION 1
#define FRAME_KEY	 0
#define FRAME_DELTA	 1
#define KEYS_SAME	 0 /* same keys, same order as the previous sample */
#define KEYS_LISTED	 1
#define MAX_COLS	 256
#define MAX_ROWS	 (1u << 20)
#define SYSINFO_VERSION	 1

_Static_assert(PC_G_MAX < 128, "group count must fit a one-byte varint");

/* --- writing */

static int put_u8(struct pc_buf *b, uint8_t v)
{
	return pc_buf_put(b, &v, 1);
}

/* LEB128 of v into dst (room for 10 bytes); returns its length. */
static size_t uv_enc(uint8_t *dst, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		dst[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	dst[n++] = (uint8_t)v;
	return n;
}

static int put_uv(struct pc_buf *b, uint64_t v)
{
	uint8_t tmp[10];

	return pc_buf_put(b, tmp, uv_enc(tmp, v));
}

/*
 * A tagged varint: bit 0 of the first byte is a flag, bits 1-6 the low six
 * bits of v, bit 7 "more"; following bytes are plain LEB128. Carries a full
 * u64 beside the flag (6 + 9 * 7 bits).
 */
static int put_tv(struct pc_buf *b, int flag, uint64_t v)
{
	uint8_t tmp[11];
	size_t n = 1;

	tmp[0] = (uint8_t)((flag ? 1 : 0) | (v & 0x3f) << 1);
	v >>= 6;
	if (v)
		tmp[0] |= 0x80;
	while (v) {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	}
	return pc_buf_put(b, tmp, n);
}

static uint64_t zigzag(uint64_t diff)
{
	return (diff << 1) ^ (uint64_t)((int64_t)diff >> 63);
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/*
 * Rows of a previous table by key, for a table whose keys moved. The row of
 * prev for key is the one at the same index when it matches, else the first
 * with that key. Past a few rows an open-addressing index over prev's row
 * numbers is built at the first row that moved (slots hold row + 1 in the
 * enc/dec's scratch buffer), so that matching n rows costs O(n + prev rows),
 * never O(n x prev rows): a hostile frame stays linear.
 */
struct rowmatch {
	const struct pc_table *prev; /* NULL in key frames */
	struct pc_buf *idx;
	uint32_t mask;
	int built;
};

static uint32_t key_hash(const char *k)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*k)
		h = (h ^ (uint8_t)*k++) * 16777619u;
	return h;
}

static int rowmatch_build(struct rowmatch *m)
{
	const struct pc_table *t = m->prev;
	uint32_t cap = 16, *slot;

	while (cap < 2 * t->nrows)
		cap *= 2;
	m->idx->len = 0;
	if (pc_buf_reserve(m->idx, (size_t)cap * sizeof(uint32_t)))
		return -ENOMEM;
	slot = (uint32_t *)m->idx->p;
	memset(slot, 0, (size_t)cap * sizeof(uint32_t));
	m->mask = cap - 1;
	for (uint32_t r = 0; r < t->nrows; r++) {
		uint32_t h = key_hash(t->key[r]) & m->mask;

		while (slot[h] && strcmp(t->key[slot[h] - 1], t->key[r]))
			h = (h + 1) & m->mask;
		if (!slot[h]) /* a repeated key keeps its first row */
			slot[h] = r + 1;
	}
	m->built = 1;
	return 0;
}

/* prev's row for key (row i of the new table), NULL when none; -ENOMEM in *err. */
static const uint64_t *match_row(struct rowmatch *m, uint32_t i, const char *key, int *err)
{
	const struct pc_table *prev = m->prev;
	const uint32_t *slot;
	uint32_t h;
	int r;

	if (!prev)
		return NULL;
	if (i < prev->nrows && !strcmp(prev->key[i], key))
		return prev->val + (size_t)i * prev->ncols;
	if (prev->nrows <= 8) {
		r = pc_table_find(prev, key);
		return r < 0 ? NULL : prev->val + (size_t)r * prev->ncols;
	}
	if (!m->built && (*err = rowmatch_build(m)))
		return NULL;
	slot = (const uint32_t *)m->idx->p;
	for (h = key_hash(key) & m->mask; slot[h]; h = (h + 1) & m->mask)
		if (!strcmp(prev->key[slot[h] - 1], key))
			return prev->val + (size_t)(slot[h] - 1) * prev->ncols;
	return NULL;
}

static int same_keys(const struct pc_table *a, const struct pc_table *b)
{
	if (a->nrows != b->nrows)
		return 0;
	for (uint32_t i = 0; i < a->nrows; i++)
		if (strcmp(a->key[i], b->key[i]))
			return 0;
	return 1;
}

/* Table a equal to b; keys_same: a has rows and their keys are b's (same_keys, taken once). */
static int same_table(const struct pc_table *a, const struct pc_table *b, int keys_same)
{
	if (a->ncols != b->ncols)
		return 0;
	if (!a->nrows)
		return !b->nrows;
	return keys_same && !memcmp(a->val, b->val, (size_t)a->nrows * a->ncols * sizeof(uint64_t));
}

/* Cells as differences from prev's row of the same key (the same index when keys_same). */
static int enc_cells(const struct pc_table *t, const struct pc_table *prev, int keys_same,
		     struct pc_buf *idx, struct pc_buf *out)
{
	struct rowmatch m = {.prev = prev, .idx = idx};
	uint64_t run = 0;
	int err = 0;

	for (uint32_t r = 0; r < t->nrows; r++) {
		const uint64_t *row = t->val + (size_t)r * t->ncols;
		const uint64_t *p = keys_same ? prev->val + (size_t)r * prev->ncols
					      : match_row(&m, r, t->key[r], &err);

		if (err)
			return err;

		for (unsigned c = 0; c < t->ncols; c++) {
			uint64_t base = p && c < prev->ncols ? p[c] : 0;
			uint64_t diff = row[c] - base; /* mod 2^64: exact both ways */

			if (!diff) {
				run++;
				continue;
			}
			if (run && (err = put_tv(out, 1, run - 1)))
				return err;
			run = 0;
			if ((err = put_tv(out, 0, zigzag(diff))))
				return err;
		}
	}
	return run ? put_tv(out, 1, run - 1) : 0;
}

static int enc_keys(const struct pc_table *t, struct pc_buf *out)
{
	const char *last = "";
	int err;

	for (uint32_t r = 0; r < t->nrows; r++) {
		const char *k = t->key[r];
		size_t len = strnlen(k, PC_KEY_MAX), pre = 0;

		if (!len || len == PC_KEY_MAX)
			return -EINVAL;
		while (last[pre] && last[pre] == k[pre])
			pre++;
		if ((err = put_uv(out, pre)) || (err = put_uv(out, len - pre)) ||
		    (err = pc_buf_put(out, k + pre, len - pre)))
			return err;
		last = k;
	}
	return 0;
}

/* Group body: ncols, nrows, key mode, keys, cells. prev is NULL in key frames. */
static int enc_table(const struct pc_table *t, const struct pc_table *prev, int keys_same,
		     struct pc_buf *idx, struct pc_buf *out)
{
	int err;

	if (t->ncols > MAX_COLS || t->nrows > MAX_ROWS)
		return -E2BIG;
	if ((err = put_uv(out, t->ncols)) || (err = put_uv(out, t->nrows)) ||
	    (err = put_u8(out, keys_same ? KEYS_SAME : KEYS_LISTED)))
		return err;
	if (!keys_same && (err = enc_keys(t, out)))
		return err;
	return enc_cells(t, prev, keys_same, idx, out);
}

/* Group number, byte length, body; the length is moved in front once known. */
static int enc_group(unsigned g, const struct pc_table *t, const struct pc_table *prev,
		     int keys_same, struct pc_buf *idx, struct pc_buf *out)
{
	uint8_t lb[10];
	size_t at, blen, n;
	int err;

	if ((err = put_uv(out, g)))
		return err;
	at = out->len;
	if ((err = enc_table(t, prev, keys_same, idx, out)))
		return err;
	blen = out->len - at;
	n = uv_enc(lb, blen);
	if ((err = pc_buf_reserve(out, n)))
		return err;
	memmove(out->p + at + n, out->p + at, blen);
	memcpy(out->p + at, lb, n);
	out->len += n;
	return 0;
}

static int enc_header(const struct pc_sample *s, const struct pc_sample *prev, struct pc_buf *out)
{
	uint8_t h[1 + 8 * 10];
	size_t n = 1;

	n += uv_enc(h + n, prev ? zigzag(s->time_ns - prev->time_ns) : s->time_ns);
	n += uv_enc(h + n, zigzag(s->taken_ns - s->time_ns));
	n += uv_enc(h + n, s->host);
	n += uv_enc(h + n, s->run);
	n += uv_enc(h + n, prev ? zigzag(s->seq - prev->seq) : s->seq);
	n += uv_enc(h + n, s->flags);
	n += uv_enc(h + n, s->gap_reason);
	n += uv_enc(h + n, s->gap_count);
	h[0] = (uint8_t)(n - 1); /* at most 80: a one-byte varint */
	return pc_buf_put(out, h, n);
}

void pc_enc_init(struct pc_enc *e)
{
	pc_sample_init(&e->prev);
	e->idx = (struct pc_buf){0};
	e->have_prev = 0;
}

void pc_enc_reset(struct pc_enc *e)
{
	e->have_prev = 0;
}

void pc_enc_free(struct pc_enc *e)
{
	pc_sample_free(&e->prev);
	pc_buf_free(&e->idx);
	e->have_prev = 0;
}

int pc_enc_sample(struct pc_enc *e, const struct pc_sample *s, struct pc_buf *out)
{
	const struct pc_sample *prev = e->have_prev ? &e->prev : NULL;
	size_t start = out->len, count_at;
	unsigned ngroups = 0;
	int err;

	if ((err = put_u8(out, PC_CODEC_VERSION)) ||
	    (err = put_u8(out, prev ? FRAME_DELTA : FRAME_KEY)) || (err = enc_header(s, prev, out)))
		goto cleanup;
	count_at = out->len;
	if ((err = put_u8(out, 0)))
		goto cleanup;
	for (unsigned g = 0; g < PC_G_MAX; g++) {
		const struct pc_table *t = &s->t[g], *pt = prev ? &prev->t[g] : NULL;
		int keys_same = pt && t->nrows && same_keys(t, pt);

		/* Key frames omit empty groups; delta frames omit unchanged ones. */
		if (pt ? same_table(t, pt, keys_same) : !t->nrows)
			continue;
		if ((err = enc_group(g, t, pt, keys_same, &e->idx, out)))
			goto cleanup;
		ngroups++;
	}
	out->p[count_at] = (uint8_t)ngroups;
	if ((err = pc_sample_copy(&e->prev, s)))
		goto cleanup;
	e->have_prev = 1;
	return 0;
cleanup:
	out->len = start;
	/* e->prev may be half-copied: the next sample must be a key frame. */
	e->have_prev = 0;
	return err;
}

/* --- reading */

struct rd {
	const uint8_t *p;
	size_t end, off; /* offsets are from the start of the frame */
	char *err;
	size_t errlen;
};

static int rd_fail(struct rd *r, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int rd_fail(struct rd *r, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->err)
		return -EINVAL;
	n = snprintf(r->err, r->errlen, "byte %zu: ", off);
	if (n > 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int get_u8(struct rd *r, uint8_t *v, const char *what)
{
	if (r->off >= r->end)
		return rd_fail(r, r->off, "truncated %s", what);
	*v = r->p[r->off++];
	return 0;
}

static int get_uv(struct rd *r, uint64_t *v, const char *what)
{
	size_t at = r->off;
	uint64_t x = 0;

	for (unsigned shift = 0;; shift += 7) {
		uint8_t b;

		if (r->off >= r->end)
			return rd_fail(r, at, "truncated %s", what);
		b = r->p[r->off++];
		if (shift == 63 && b > 1)
			return rd_fail(r, at, "%s: varint exceeds 64 bits", what);
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*v = x;
	return 0;
}

static int get_tv(struct rd *r, int *flag, uint64_t *v, const char *what)
{
	size_t at = r->off;
	uint8_t b;
	uint64_t x;

	if (r->off >= r->end)
		return rd_fail(r, at, "truncated %s", what);
	b = r->p[r->off++];
	*flag = b & 1;
	x = (b >> 1) & 0x3f;
	for (unsigned shift = 6; b & 0x80; shift += 7) {
		if (r->off >= r->end)
			return rd_fail(r, at, "truncated %s", what);
		b = r->p[r->off++];
		if (shift > 63 || (shift == 62 && b > 3))
			return rd_fail(r, at, "%s: varint exceeds 64 bits", what);
		x |= (uint64_t)(b & 0x7f) << shift;
	}
	*v = x;
	return 0;
}

/* A varint that must fit max; what names it in the error. */
static int get_uv_max(struct rd *r, uint64_t *v, uint64_t max, const char *what)
{
	size_t at = r->off;
	int err = get_uv(r, v, what);

	if (!err && *v > max)
		return rd_fail(r, at, "%s %llu exceeds %llu", what, (unsigned long long)*v,
			       (unsigned long long)max);
	return err;
}

/* A length that must fit in what is left of the input after it. */
static int get_len(struct rd *r, uint64_t *v, const char *what)
{
	size_t at = r->off;
	int err = get_uv(r, v, what);

	if (!err && *v > r->end - r->off)
		return rd_fail(r, at, "%s %llu exceeds the %zu bytes left", what,
			       (unsigned long long)*v, r->end - r->off);
	return err;
}

static int dec_keys(struct rd *r, struct pc_table *t, uint64_t nrows, unsigned g)
{
	char key[PC_KEY_MAX] = "";
	size_t klen = 0;

	for (uint64_t i = 0; i < nrows; i++) {
		size_t at = r->off;
		uint64_t pre, suf;
		int err;

		if ((err = get_uv_max(r, &pre, klen, "key prefix length")) ||
		    (err = get_uv_max(r, &suf, PC_KEY_MAX - 1 - pre, "key length")))
			return err;
		if (!pre && !suf)
			return rd_fail(r, at, "group %u row %llu: empty key", g,
				       (unsigned long long)i);
		if (suf > r->end - r->off)
			return rd_fail(r, at, "group %u row %llu: key of %llu bytes, %zu left", g,
				       (unsigned long long)i, (unsigned long long)suf,
				       r->end - r->off);
		if (memchr(r->p + r->off, 0, suf))
			return rd_fail(r, at, "group %u row %llu: NUL byte in key", g,
				       (unsigned long long)i);
		memcpy(key + pre, r->p + r->off, suf);
		klen = pre + suf;
		key[klen] = 0;
		r->off += suf;
		if (!pc_table_add(t, key))
			return -errno;
	}
	return 0;
}

/* One counter token: a difference (*diff) or a run of *run + 1 zero differences. */
static int get_cell(struct rd *r, uint64_t left, unsigned g, uint64_t *diff, uint64_t *run)
{
	size_t at = r->off;
	uint64_t v = 0;
	int flag = 0, err;

	if ((err = get_tv(r, &flag, &v, "counter")))
		return err;
	if (flag && v >= left)
		return rd_fail(r, at, "group %u: run of %llu zero deltas, %llu counters left", g,
			       (unsigned long long)v + 1, (unsigned long long)left);
	*run = flag ? v : 0;
	*diff = flag ? 0 : unzigzag(v);
	return 0;
}

/* Listed keys: every cell from prev's row of the same key (m->prev NULL: absolute). */
static int dec_cells(struct rd *r, struct pc_table *t, struct rowmatch *m, unsigned wcols,
		     unsigned g)
{
	uint64_t left = (uint64_t)t->nrows * wcols, run = 0, diff = 0;
	int err = 0;

	for (uint32_t i = 0; i < t->nrows; i++) {
		uint64_t *row = t->val + (size_t)i * t->ncols;
		const uint64_t *p = match_row(m, i, t->key[i], &err);

		if (err)
			return err;
		for (unsigned c = 0; c < wcols; c++, left--) {
			if (run)
				run--, diff = 0;
			else if ((err = get_cell(r, left, g, &diff, &run)))
				return err;
			if (c < t->ncols)
				row[c] = (p && c < m->prev->ncols ? p[c] : 0) + diff;
		}
	}
	return 0;
}

/*
 * The previous keys: the differences are added to t's rows in place and a
 * run of zero differences is stepped over at once, so that a frame costs
 * what it changes, not the size of the table (issue 12: hostile frames).
 */
static int dec_cells_same(struct rd *r, struct pc_table *t, unsigned wcols, unsigned g)
{
	uint64_t total = (uint64_t)t->nrows * wcols, k = 0, diff, run;
	int err;

	while (k < total) {
		if ((err = get_cell(r, total - k, g, &diff, &run)))
			return err;
		if (diff && k % wcols < t->ncols)
			t->val[(k / wcols) * t->ncols + k % wcols] += diff;
		k += run + 1;
	}
	return 0;
}

static void table_swap(struct pc_table *a, struct pc_table *b)
{
	struct pc_table t = *a;

	*a = *b;
	*b = t;
}

/*
 * Group g of a frame applied to d->prev.t[g]: in place when it keeps the
 * previous keys, else decoded into the spare table and swapped in. The
 * table gets a fresh stamp, so that pc_sample_copy() copies it out.
 */
static int dec_group(struct rd *r, struct pc_dec *d, unsigned g, int delta)
{
	struct pc_table *cur = &d->prev.t[g], *t = &d->spare.t[g];
	struct rowmatch m = {.prev = delta ? cur : NULL, .idx = &d->idx};
	uint64_t wcols, nrows;
	size_t at = r->off;
	uint8_t mode = 0;
	int err;

	if ((err = get_uv_max(r, &wcols, MAX_COLS, "column count")) ||
	    (err = get_uv_max(r, &nrows, MAX_ROWS, "row count")) ||
	    (err = get_u8(r, &mode, "key mode")))
		return err;
	if (mode == KEYS_SAME) {
		if (!delta)
			return rd_fail(r, at, "group %u: key frame refers to previous keys", g);
		if (nrows != cur->nrows)
			return rd_fail(r, at,
				       "group %u: %llu rows with the previous keys, which "
				       "were %u",
				       g, (unsigned long long)nrows, cur->nrows);
		cur->stamp = pc_stamp_next();
		return dec_cells_same(r, cur, (unsigned)wcols, g);
	}
	if (mode != KEYS_LISTED)
		return rd_fail(r, r->off - 1, "group %u: key mode %u", g, mode);
	/* Each key takes at least two bytes: refuse before allocating. */
	if (nrows > (r->end - r->off) / 2)
		return rd_fail(r, at, "group %u: %llu rows in %zu bytes", g,
			       (unsigned long long)nrows, r->end - r->off);
	t->nrows = 0;
	if ((err = dec_keys(r, t, nrows, g)) || (err = dec_cells(r, t, &m, (unsigned)wcols, g)))
		return err;
	table_swap(t, cur);
	cur->stamp = pc_stamp_next();
	return 0;
}

static int dec_header(struct rd *r, struct pc_sample *s, const struct pc_sample *prev)
{
	uint64_t hlen, v[8];
	struct rd h;
	int err;
	static const char *const names[8] = {"time_ns", "taken_ns", "host",	  "run",
					     "seq",	"flags",    "gap_reason", "gap_count"};

	if ((err = get_len(r, &hlen, "header length")))
		return err;
	h = *r;
	h.end = r->off + hlen;
	for (int i = 0; i < 8; i++)
		if ((err = get_uv(&h, &v[i], names[i])))
			return err;
	for (int i = 2; i < 8; i++)
		if (i != 4 && i != 7 && v[i] > UINT32_MAX)
			return rd_fail(r, r->off, "%s %llu exceeds 32 bits", names[i],
				       (unsigned long long)v[i]);
	r->off = h.end; /* later versions may append fields */
	s->time_ns = prev ? prev->time_ns + unzigzag(v[0]) : v[0];
	s->taken_ns = s->time_ns + unzigzag(v[1]);
	s->host = (uint32_t)v[2];
	s->run = (uint32_t)v[3];
	s->seq = prev ? prev->seq + unzigzag(v[4]) : v[4];
	s->flags = (uint32_t)v[5];
	s->gap_reason = (uint32_t)v[6];
	s->gap_count = v[7];
	return 0;
}

void pc_dec_init(struct pc_dec *d)
{
	pc_sample_init(&d->prev);
	pc_sample_init(&d->spare);
	d->idx = (struct pc_buf){0};
	d->have_prev = 0;
	d->err[0] = 0;
}

void pc_dec_reset(struct pc_dec *d)
{
	d->have_prev = 0;
	d->err[0] = 0;
}

void pc_dec_free(struct pc_dec *d)
{
	pc_sample_free(&d->prev);
	pc_sample_free(&d->spare);
	pc_buf_free(&d->idx);
	d->have_prev = 0;
}

/* The groups of a frame into d->prev; the frame kind and header are read. */
static int dec_groups(struct rd *r, struct pc_dec *d, int delta)
{
	uint64_t ngroups;
	uint32_t seen = 0;
	int err;

	_Static_assert(PC_G_MAX <= 32, "seen is a 32-bit mask");
	if ((err = get_uv_max(r, &ngroups, (r->end - r->off) / 2, "group count")))
		return err;
	for (uint64_t i = 0; i < ngroups; i++) {
		uint64_t g, glen;
		size_t at = r->off;
		struct rd body;

		if ((err = get_uv(r, &g, "group number")) ||
		    (err = get_len(r, &glen, "group length")))
			return err;
		if (g >= PC_G_MAX) { /* a newer writer's group: skip it */
			r->off += glen;
			continue;
		}
		if (seen & (1u << g))
			return rd_fail(r, at, "group %llu twice", (unsigned long long)g);
		seen |= 1u << g;
		body = *r;
		body.end = r->off + glen;
		if ((err = dec_group(&body, d, (unsigned)g, delta)))
			return err;
		r->off += glen; /* bytes past the cells are a newer writer's: skipped */
	}
	return 0;
}

/*
 * The decoder keeps the current sample in d->prev and changes there only
 * what the frame carries; s gets a copy in which pc_sample_copy() skips the
 * tables s already holds (same stamp). After a failure d->prev is half
 * changed: the next frame must be a key frame.
 */
long pc_dec_sample(struct pc_dec *d, const uint8_t *p, size_t len, struct pc_sample *s)
{
	struct rd r = {.p = p, .end = len, .err = d->err, .errlen = sizeof(d->err)};
	uint8_t ver = 0, kind = 0;
	int err, delta;

	d->err[0] = 0;
	if ((err = get_u8(&r, &ver, "format version")))
		return err;
	if (ver != PC_CODEC_VERSION)
		return rd_fail(&r, 0, "format version %u, this reader knows %u", ver,
			       PC_CODEC_VERSION);
	if ((err = get_u8(&r, &kind, "frame kind")))
		return err;
	if (kind != FRAME_KEY && kind != FRAME_DELTA)
		return rd_fail(&r, 1, "frame kind %u", kind);
	if (kind == FRAME_DELTA && !d->have_prev) {
		snprintf(d->err, sizeof(d->err), "byte 1: delta frame without a previous sample");
		return -EPROTO;
	}
	delta = kind == FRAME_DELTA;
	if (!delta)
		for (int g = 0; g < PC_G_MAX; g++)
			d->prev.t[g].nrows = 0, d->prev.t[g].stamp = 0;
	d->have_prev = 0;
	if ((err = dec_header(&r, &d->prev, delta ? &d->prev : NULL)) ||
	    (err = dec_groups(&r, d, delta)) || (err = pc_sample_copy(s, &d->prev)))
		return err;
	d->have_prev = 1;
	return (long)r.off;
}

/* --- sysinfo record: version, body length, then fields in order */

static int put_str(struct pc_buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	int err = put_uv(b, n);

	return err ? err : pc_buf_put(b, s, n);
}

int pc_sysinfo_encode(const struct pc_sysinfo *si, struct pc_buf *out)
{
	struct pc_buf b = {0};
	int err;

	if ((err = put_str(&b, si->hostname, sizeof(si->hostname) - 1)) ||
	    (err = put_str(&b, si->kernel, sizeof(si->kernel) - 1)) ||
	    (err = put_str(&b, si->machine, sizeof(si->machine) - 1)) ||
	    (err = put_str(&b, si->cpu_model, sizeof(si->cpu_model) - 1)) ||
	    (err = put_uv(&b, si->ncpu)) || (err = put_uv(&b, si->cores)) ||
	    (err = put_uv(&b, si->sockets)) || (err = put_uv(&b, si->cpu_mhz_x1000)) ||
	    (err = put_uv(&b, si->mem_total_kb)) || (err = put_uv(&b, si->user_hz)) ||
	    (err = put_uv(&b, si->page_size)) || (err = put_uv(&b, si->interval_ns)) ||
	    (err = put_uv(&b, si->start_ns)) || (err = put_uv(&b, si->host)) ||
	    (err = put_uv(&b, si->run)))
		goto cleanup;
	if ((err = put_u8(out, SYSINFO_VERSION)) || (err = put_uv(out, b.len)) ||
	    (err = pc_buf_put(out, b.p, b.len)))
		goto cleanup;
cleanup:
	pc_buf_free(&b);
	return err;
}

static int get_str(struct rd *r, char *dst, size_t size, const char *what)
{
	uint64_t n;
	int err = get_uv_max(r, &n, size - 1, what);

	if (err)
		return err;
	if (n > r->end - r->off)
		return rd_fail(r, r->off, "%s: %llu bytes, %zu left", what, (unsigned long long)n,
			       r->end - r->off);
	memcpy(dst, r->p + r->off, n);
	dst[n] = 0;
	r->off += n;
	return 0;
}

long pc_sysinfo_decode(const uint8_t *p, size_t len, struct pc_sysinfo *si)
{
	struct rd r = {.p = p, .end = len};
	uint64_t blen, v[11];
	uint8_t ver = 0;
	int err;

	memset(si, 0, sizeof(*si));
	if ((err = get_u8(&r, &ver, "version")))
		return err;
	if (ver != SYSINFO_VERSION)
		return -EINVAL;
	if ((err = get_len(&r, &blen, "length")))
		return err;
	r.end = r.off + blen;
	if ((err = get_str(&r, si->hostname, sizeof(si->hostname), "hostname")) ||
	    (err = get_str(&r, si->kernel, sizeof(si->kernel), "kernel")) ||
	    (err = get_str(&r, si->machine, sizeof(si->machine), "machine")) ||
	    (err = get_str(&r, si->cpu_model, sizeof(si->cpu_model), "cpu_model")))
		return err;
	for (int i = 0; i < 11; i++)
		if ((err = get_uv(&r, &v[i], "field")))
			return err;
	/* 64-bit fields: mem_total_kb, interval_ns, start_ns; the rest are u32. */
	for (int i = 0; i < 11; i++)
		if (i != 4 && i != 7 && i != 8 && v[i] > UINT32_MAX)
			return -EINVAL;
	si->ncpu = (uint32_t)v[0];
	si->cores = (uint32_t)v[1];
	si->sockets = (uint32_t)v[2];
	si->cpu_mhz_x1000 = (uint32_t)v[3];
	si->mem_total_kb = v[4];
	si->user_hz = (uint32_t)v[5];
	si->page_size = (uint32_t)v[6];
	si->interval_ns = v[7];
	si->start_ns = v[8];
	si->host = (uint32_t)v[9];
	si->run = (uint32_t)v[10];
	return (long)r.end;
}
