// SPDX-License-Identifier: MIT
/*
 * collection.c: native collection files (include/pc/collection.h,
 * docs/FORMAT.md "Collection file"). A header (magic, version, the binary
 * sysinfo record, CRC-checked) is followed by frames [u32 length][u32 crc32]
 * [binary sample], all one encoder stream. Every COLL_KEY_INTERVAL-th frame is
 * a key frame so that a damaged frame costs at most the frames up to the next
 * key. The writer emits each frame with a single write(2); on a failed write it
 * cuts the file back to the last whole frame. The reader reports a torn tail or
 * a damaged frame with its byte offset, then resumes at the next key frame it
 * can verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pc/collection.h"
#include "pc/io.h"

#define COLL_MAGIC	  "PCCOLL1\n"
#define COLL_VERSION	  1
#define COLL_HDR	  20	      /* magic, u32 version, u32 sysinfo length, u32 crc */
#define COLL_PEND_MAX	  (64 * 1024) /* pending frames written at this size at the latest */
#define COLL_FRAME_HDR	  8
#define COLL_FRAME_MAX	  (64u << 20)
#define COLL_KEY_INTERVAL 64
#define COLL_SYSINFO_MAX  65536

struct pc_coll {
	int fd;
	int writing;
	char *path;
	struct pc_sysinfo si;
	struct pc_enc enc;
	struct pc_dec dec;
	struct pc_buf buf;
	uint64_t frames;    /* written, or read */
	off_t off;	    /* writer: end of the last whole frame; reader: next frame */
	off_t size;	    /* reader: file size at open */
	int werr;	    /* first write error */
	struct pc_buf pend; /* writer: whole frames not yet written (coll__set_flush) */
	uint64_t pend_t0;   /* time_ns of the first of them */
	uint64_t flush_ns;  /* 0: every frame written at once */
	int resync;	    /* reader: skipping to the next key frame */
	uint64_t tried;	    /* reader: bytes checksummed looking for a key frame */
	off_t gave_up;	    /* reader: where that search stopped on IO_RESYNC_BUDGET, or 0 */
	char note[128];	    /* reader: where reading resumes after damage */
	char err[256];
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

static int set_err(struct pc_coll *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(struct pc_coll *c, int err, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, sizeof(c->err), "%s: ", c->path);

	if (n > 0 && (size_t)n < sizeof(c->err)) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, sizeof(c->err) - n, fmt, ap);
		va_end(ap);
	}
	return err;
}

static struct pc_coll *coll_new(const char *path)
{
	struct pc_coll *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->path = strdup(path);
	if (!c->path) {
		free(c);
		return NULL;
	}
	c->fd = -1;
	pc_enc_init(&c->enc);
	pc_dec_init(&c->dec);
	return c;
}

static void coll_free(struct pc_coll *c)
{
	pc_enc_free(&c->enc);
	pc_dec_free(&c->dec);
	pc_buf_free(&c->buf);
	pc_buf_free(&c->pend);
	free(c->path);
	free(c);
}

/* A create or open that failed at err: undone, NULL with errno = -err. */
static struct pc_coll *coll_fail(struct pc_coll *c, int err)
{
	if (c->fd >= 0)
		close(c->fd);
	coll_free(c);
	errno = -err;
	return NULL;
}

struct pc_coll *coll__create(const char *path, const struct pc_sysinfo *si)
{
	struct pc_coll *c = coll_new(path);
	uint8_t *h;
	int err;

	if (!c)
		return NULL;
	c->writing = 1;
	c->si = *si;
	if ((err = pc_buf_reserve(&c->buf, COLL_HDR)))
		goto cleanup;
	c->buf.len = COLL_HDR;
	if ((err = pc_sysinfo_encode(si, &c->buf)))
		goto cleanup;
	h = c->buf.p;
	memcpy(h, COLL_MAGIC, 8);
	put_le32(h + 8, COLL_VERSION);
	put_le32(h + 12, (uint32_t)(c->buf.len - COLL_HDR));
	put_le32(h + 16, crc(h + COLL_HDR, c->buf.len - COLL_HDR));
	c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd < 0) {
		err = -errno;
		goto cleanup;
	}
	if ((err = io_write_all(c->fd, c->buf.p, c->buf.len)))
		goto cleanup;
	c->off = (off_t)c->buf.len;
	return c;
cleanup:
	return coll_fail(c, err);
}

/*
 * Write whole frames b (one, or the pending ones) after the last whole frame.
 * On failure the file is cut back there and the encoder restarts with a key
 * frame: no later sample depends on frames that did not land.
 */
static int write_frames(struct pc_coll *c, struct pc_buf *b)
{
	int err = io_write_all(c->fd, b->p, b->len);

	if (err) {
		if (ftruncate(c->fd, c->off) == 0)
			lseek(c->fd, c->off, SEEK_SET);
		pc_enc_reset(&c->enc);
		if (!c->werr)
			c->werr = err;
		b->len = 0;
		return err;
	}
	c->off += (off_t)b->len;
	if (b == &c->buf)
		c->frames++;
	b->len = 0;
	return 0;
}

static int coll_flush(struct pc_coll *c)
{
	return c->pend.len ? write_frames(c, &c->pend) : 0;
}

int coll__append(struct pc_coll *c, const struct pc_sample *s)
{
	size_t n;
	int err;

	if (!c->writing)
		return -EBADF;
	if (c->frames % COLL_KEY_INTERVAL == 0)
		pc_enc_reset(&c->enc);
	c->buf.len = 0;
	if ((err = pc_buf_reserve(&c->buf, COLL_FRAME_HDR)))
		return err;
	c->buf.len = COLL_FRAME_HDR;
	if ((err = pc_enc_sample(&c->enc, s, &c->buf)))
		return err;
	n = c->buf.len - COLL_FRAME_HDR;
	if (n > COLL_FRAME_MAX) {
		pc_enc_reset(&c->enc);
		return -E2BIG;
	}
	put_le32(c->buf.p, (uint32_t)n);
	put_le32(c->buf.p + 4, crc(c->buf.p + COLL_FRAME_HDR, n));
	if (!c->flush_ns || !c->frames) /* the first frame at once: "collecting" means on disk */
		return write_frames(c, &c->buf);
	if (!c->pend.len)
		c->pend_t0 = s->time_ns;
	if ((err = pc_buf_put(&c->pend, c->buf.p, c->buf.len)))
		return err;
	c->frames++;
	if (c->pend.len >= COLL_PEND_MAX || s->time_ns - c->pend_t0 >= c->flush_ns)
		return coll_flush(c);
	return 0;
}

void coll__set_flush(struct pc_coll *c, uint64_t window_ns)
{
	c->flush_ns = window_ns;
}

int coll__sync(struct pc_coll *c)
{
	int err;

	if (c->fd < 0)
		return -EBADF;
	if (c->writing && (err = coll_flush(c)))
		return err;
	return io_sync(c->fd);
}

/* Read exactly n bytes at off; 0, or -ENODATA when the file ends first. */
static int read_at(struct pc_coll *c, off_t off, size_t n)
{
	size_t got = 0;
	int err;

	c->buf.len = 0;
	if ((err = pc_buf_reserve(&c->buf, n)))
		return err;
	while (got < n) {
		ssize_t r = pread(c->fd, c->buf.p + got, n - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ENODATA;
		got += (size_t)r;
	}
	c->buf.len = n;
	return 0;
}

struct pc_coll *coll__open(const char *path)
{
	struct pc_coll *c = coll_new(path);
	struct stat st;
	uint32_t ver, silen;
	long used;
	int err;

	if (!c)
		return NULL;
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0 || fstat(c->fd, &st)) {
		err = -errno;
		set_err(c, err, "%s", strerror(errno));
		goto cleanup;
	}
	c->size = st.st_size;
	err = read_at(c, 0, COLL_HDR);
	if (err || !coll__is_native(c->buf.p, c->buf.len)) {
		err = -EINVAL;
		goto cleanup;
	}
	ver = get_le32(c->buf.p + 8);
	silen = get_le32(c->buf.p + 12);
	if (ver != COLL_VERSION || silen > COLL_SYSINFO_MAX) {
		err = -EINVAL;
		goto cleanup;
	}
	{
		uint32_t want = get_le32(c->buf.p + 16);

		if ((err = read_at(c, COLL_HDR, silen)) || crc(c->buf.p, silen) != want) {
			err = -EINVAL;
			goto cleanup;
		}
	}
	used = pc_sysinfo_decode(c->buf.p, silen, &c->si);
	if (used < 0) {
		err = -EINVAL;
		goto cleanup;
	}
	c->off = COLL_HDR + (off_t)silen;
	return c;
cleanup:
	return coll_fail(c, err);
}

const struct pc_sysinfo *coll__sysinfo(const struct pc_coll *c)
{
	return &c->si;
}

/*
 * Whether the frame header at h (file offset fo) heads a key frame whose CRC
 * checks: 1 yes, 0 no, -1 the search budget is spent (c->gave_up set). Each
 * trial costs its length in checksum work, counted against IO_RESYNC_BUDGET,
 * so a file of crafted headers costs a bounded multiple of its size.
 */
static int key_at(struct pc_coll *c, const uint8_t *h, off_t fo)
{
	uint32_t len = get_le32(h), want = get_le32(h + 4);
	struct pc_buf save;
	int ok;

	if (len < 2 || len > COLL_FRAME_MAX || h[8] != 1 || h[9] != 0 ||
	    (off_t)len > c->size - fo - COLL_FRAME_HDR)
		return 0;
	c->tried += len;
	if (c->tried > IO_RESYNC_BUDGET(c->size)) {
		c->gave_up = fo;
		return -1;
	}
	save = c->buf;
	c->buf = (struct pc_buf){0};
	ok = !read_at(c, fo + COLL_FRAME_HDR, len) && crc(c->buf.p, len) == want;
	pc_buf_free(&c->buf);
	c->buf = save;
	return ok;
}

/* After damage, what the reader does next: for the error messages. */
static const char *resume_note(struct pc_coll *c)
{
	if (c->off < c->size)
		snprintf(c->note, sizeof(c->note),
			 "resuming at the next key frame, byte offset %lld", (long long)c->off);
	else if (c->gave_up)
		snprintf(c->note, sizeof(c->note),
			 "the search for a key frame gave up at byte offset %lld (budget of "
			 "8x the file spent); the rest is not read",
			 (long long)c->gave_up);
	else
		snprintf(c->note, sizeof(c->note), "nothing readable after it");
	return c->note;
}

/*
 * After damage: find the next offset holding a whole frame whose CRC checks
 * and that is a key frame (version 1, kind 0). Returns 1 found, 0 none.
 */
static int find_key(struct pc_coll *c, off_t from)
{
	const size_t chunk = 1 << 16;

	for (off_t at = from; at + COLL_FRAME_HDR <= c->size && !c->gave_up;) {
		size_t avail = (size_t)(c->size - at) < chunk + COLL_FRAME_HDR + 2
				   ? (size_t)(c->size - at)
				   : chunk + COLL_FRAME_HDR + 2;
		size_t i;

		if (read_at(c, at, avail))
			break;
		for (i = 0; i + COLL_FRAME_HDR + 2 <= avail && i < chunk; i++) {
			int ok = key_at(c, c->buf.p + i, at + (off_t)i);

			if (ok < 0)
				break;
			if (ok) {
				c->off = at + (off_t)i;
				return 1;
			}
		}
		at += (off_t)i;
		if (i == 0)
			break;
	}
	c->off = c->size;
	return 0;
}

int coll__next(struct pc_coll *c, struct pc_sample *s)
{
	uint32_t len, want, got;
	off_t at;
	long used;
	int err;

	if (c->writing)
		return -EBADF;
	for (;;) {
		at = c->off;
		if (at >= c->size)
			return 0;
		if (c->size - at < COLL_FRAME_HDR) {
			c->off = c->size;
			return set_err(c, -EBADMSG,
				       "torn tail at byte offset %lld: %lld bytes, a frame header "
				       "needs %d",
				       (long long)at, (long long)(c->size - at), COLL_FRAME_HDR);
		}
		if ((err = read_at(c, at, COLL_FRAME_HDR)))
			return set_err(c, err, "byte offset %lld: %s", (long long)at,
				       strerror(-err));
		len = get_le32(c->buf.p);
		want = get_le32(c->buf.p + 4);
		if (len > COLL_FRAME_MAX || (off_t)len > c->size - at - COLL_FRAME_HDR) {
			int tail = len <= COLL_FRAME_MAX;

			c->dec.have_prev = 0;
			find_key(c, at + 1);
			if (tail && c->off == c->size && !c->gave_up)
				return set_err(c, -EBADMSG,
					       "torn tail at byte offset %lld: frame of %u bytes, "
					       "%lld left",
					       (long long)at, len,
					       (long long)(c->size - at - COLL_FRAME_HDR));
			return set_err(c, -EBADMSG,
				       "damaged frame at byte offset %lld: length %u; %s",
				       (long long)at, len, resume_note(c));
		}
		if ((err = read_at(c, at + COLL_FRAME_HDR, len)))
			return set_err(c, err, "byte offset %lld: %s", (long long)at,
				       strerror(-err));
		got = crc(c->buf.p, len);
		if (got != want) {
			/* The last frame of the file: a write the crash did not finish. */
			int last = at + COLL_FRAME_HDR + (off_t)len == c->size;

			pc_dec_reset(&c->dec);
			find_key(c, at + 1);
			return set_err(c, -EBADMSG,
				       "%s at byte offset %lld: crc 0x%08x, stored 0x%08x; %s",
				       last ? "torn tail" : "damaged frame", (long long)at, got,
				       want, resume_note(c));
		}
		c->off = at + COLL_FRAME_HDR + (off_t)len;
		used = pc_dec_sample(&c->dec, c->buf.p, len, s);
		if (used == -EPROTO && c->resync)
			continue; /* a delta after damage: wait for a key frame */
		if (used < 0) {
			c->resync = 1;
			pc_dec_reset(&c->dec);
			return set_err(c, (int)used, "frame at byte offset %lld: %s", (long long)at,
				       c->dec.err[0] ? c->dec.err : strerror((int)-used));
		}
		c->resync = 0;
		c->frames++;
		return 1;
	}
}

const char *coll__error(const struct pc_coll *c)
{
	return c->err;
}

int coll__close(struct pc_coll *c)
{
	int err;

	if (!c)
		return 0;
	err = c->werr;
	if (c->writing && c->fd >= 0 && coll_flush(c) && !err)
		err = c->werr;
	if (c->fd >= 0 && close(c->fd) && !err && c->writing)
		err = -errno;
	coll_free(c);
	return err;
}

int coll__is_native(const void *p, size_t len)
{
	return len >= 8 && !memcmp(p, COLL_MAGIC, 8);
}
