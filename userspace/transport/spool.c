// SPDX-License-Identifier: MIT
/*
 * spool.c: the collector's bounded, file-backed spool of batches (see
 * include/pc/spool.h). Owns the spool file format: a 128-byte header (magic,
 * version, offset of the first unacknowledged record, the last batch ever
 * appended) then records [magic][payload length][CRC-32 of meta + payload]
 * [meta][payload], all in host byte order (the file never leaves the host).
 * In memory: an array of entries in append order, a send cursor, and the
 * payloads of the newest batches up to mem_max. The file is cut back to its
 * header whenever everything is acknowledged, and compacted (the
 * unacknowledged tail copied to a new file, renamed over) when the
 * acknowledged prefix would otherwise eat the bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pc/log.h"
#include "pc/spool.h"
#include "pc/wire.h"

#define SPOOL_MAGIC   "PCSPOOL"
#define SPOOL_VERSION 1
#define REC_MAGIC     0x50435342u /* "PCSB" */
#define NOT_IN_FILE   UINT64_MAX

struct spool_hdr {
	char magic[8];
	uint32_t version;
	uint32_t have_last;
	uint64_t first_unacked; /* file offset of the first record not acknowledged */
	struct {
		uint32_t host, run;
		uint64_t bseq, first_seq;
		uint32_t nsamples, pad;
		uint64_t first_ns, last_ns, sealed_ns;
	} last;
	uint8_t reserved[128 - 80];
};
_Static_assert(sizeof(struct spool_hdr) == 128, "spool header is 128 bytes");

struct rec_meta {
	uint32_t host, run;
	uint64_t bseq, first_seq;
	uint32_t nsamples, pad;
	uint64_t first_ns, last_ns, sealed_ns;
};

struct rec_head {
	uint32_t magic, len, crc, pad;
	struct rec_meta m;
};
#define REC_HEAD ((uint64_t)sizeof(struct rec_head))

struct ent {
	struct rec_meta m;
	uint64_t off; /* of its record in the file, or NOT_IN_FILE */
	uint8_t *data;
	uint32_t len;
	int acked;
};

struct spool {
	pthread_mutex_t mu;
	char path[PATH_MAX];
	int fd;
	uint64_t end; /* file size */
	uint64_t mem_max, file_max;
	struct spool_hdr hdr;
	struct ent *e;
	size_t head, n, cap; /* live entries are e[head..n) */
	size_t send;	     /* next unsent entry */
	uint64_t mem, unacked, unacked_bytes, dropped, acked;
	uint8_t *scratch;
	size_t scratch_cap;
};

static uint32_t rec_crc(const struct rec_meta *m, const uint8_t *p, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, (const Bytef *)m, sizeof(*m));
	return (uint32_t)crc32(c, p, (uInt)len);
}

static int write_hdr(struct spool *sp)
{
	if (pwrite(sp->fd, &sp->hdr, sizeof(sp->hdr), 0) != (ssize_t)sizeof(sp->hdr))
		return -(errno ? errno : EIO);
	return 0;
}

static int write_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -(w < 0 ? errno : EIO);
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n, uint64_t off)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r = pread(fd, b, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		b += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int push(struct spool *sp, const struct rec_meta *m, uint64_t off, uint32_t len)
{
	struct ent *e;

	if (sp->n == sp->cap) {
		if (sp->head > sp->cap / 2) { /* reuse the acknowledged prefix */
			memmove(sp->e, sp->e + sp->head, (sp->n - sp->head) * sizeof(*sp->e));
			sp->n -= sp->head;
			sp->send -= sp->head;
			sp->head = 0;
		} else {
			size_t cap = sp->cap ? sp->cap * 2 : 256;
			struct ent *ne = realloc(sp->e, cap * sizeof(*ne));

			if (!ne)
				return -ENOMEM;
			sp->e = ne;
			sp->cap = cap;
		}
	}
	e = &sp->e[sp->n++];
	memset(e, 0, sizeof(*e));
	e->m = *m;
	e->off = off;
	e->len = len;
	sp->unacked++;
	sp->unacked_bytes += len;
	return 0;
}

/* Scan the records after the first unacknowledged one; cut a damaged tail. */
static int load(struct spool *sp)
{
	uint64_t off = sp->hdr.first_unacked, end = sp->end;
	struct rec_head rh;
	uint8_t *buf = NULL;
	const char *why = NULL;
	int ret = 0;

	if (off < sizeof(sp->hdr) || off > end) {
		log_warnx("spool %s: header: first unacknowledged offset %llu outside the file "
			  "(%llu bytes); resending from the start",
			  sp->path, (unsigned long long)off, (unsigned long long)end);
		off = sizeof(sp->hdr);
	}
	while (off < end) {
		if (end - off < REC_HEAD) {
			why = "truncated record header";
			break;
		}
		ret = read_all(sp->fd, &rh, sizeof(rh), off);
		if (ret)
			goto cleanup;
		if (rh.magic != REC_MAGIC) {
			why = "bad record magic";
			break;
		}
		if (rh.len > PC_WIRE_MAX_PAYLOAD || rh.len > end - off - REC_HEAD) {
			why = "record length past the end of the file";
			break;
		}
		free(buf);
		buf = malloc(rh.len ? rh.len : 1);
		if (!buf) {
			ret = -ENOMEM;
			goto cleanup;
		}
		ret = read_all(sp->fd, buf, rh.len, off + REC_HEAD);
		if (ret)
			goto cleanup;
		if (rec_crc(&rh.m, buf, rh.len) != rh.crc) {
			why = "CRC mismatch";
			break;
		}
		ret = push(sp, &rh.m, off, rh.len);
		if (ret)
			goto cleanup;
		off += REC_HEAD + rh.len;
	}
	if (why) {
		log_warnx("spool %s: byte %llu: %s; cutting the spool there (%llu bytes dropped)",
			  sp->path, (unsigned long long)off, why, (unsigned long long)(end - off));
		if (ftruncate(sp->fd, (off_t)off)) {
			ret = -errno;
			goto cleanup;
		}
		sp->end = off;
	}
	sp->hdr.first_unacked = sp->n ? sp->e[0].off : sp->end;
	ret = write_hdr(sp);
cleanup:
	free(buf);
	return ret;
}

struct spool *spool__open(const char *dir, uint64_t mem_max, uint64_t file_max)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	struct stat st;
	ssize_t r;
	int err = 0;

	if (!sp)
		return NULL;
	pthread_mutex_init(&sp->mu, NULL);
	sp->fd = -1;
	sp->mem_max = mem_max;
	sp->file_max = file_max;
	if (snprintf(sp->path, sizeof(sp->path), "%s/spool", dir) >= (int)sizeof(sp->path)) {
		err = ENAMETOOLONG;
		goto cleanup;
	}
	sp->fd = open(sp->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->fd < 0 || fstat(sp->fd, &st)) {
		err = errno;
		goto cleanup;
	}
	sp->end = (uint64_t)st.st_size;
	if (sp->end == 0) {
		memcpy(sp->hdr.magic, SPOOL_MAGIC, sizeof(SPOOL_MAGIC));
		sp->hdr.version = SPOOL_VERSION;
		sp->hdr.first_unacked = sizeof(sp->hdr);
		err = -write_hdr(sp);
		sp->end = sizeof(sp->hdr);
		goto cleanup;
	}
	r = pread(sp->fd, &sp->hdr, sizeof(sp->hdr), 0);
	if (r != (ssize_t)sizeof(sp->hdr) || memcmp(sp->hdr.magic, SPOOL_MAGIC, 8) ||
	    sp->hdr.version != SPOOL_VERSION) {
		log_warnx("spool %s: not a spool file of version %d (%llu bytes); move it away",
			  sp->path, SPOOL_VERSION, (unsigned long long)sp->end);
		err = EINVAL;
		goto cleanup;
	}
	err = -load(sp);
cleanup:
	if (err) {
		spool__close(sp);
		errno = err;
		return NULL;
	}
	return sp;
}

void spool__close(struct spool *sp)
{
	if (!sp)
		return;
	for (size_t i = sp->head; i < sp->n; i++)
		free(sp->e[i].data);
	free(sp->e);
	free(sp->scratch);
	if (sp->fd >= 0)
		close(sp->fd);
	pthread_mutex_destroy(&sp->mu);
	free(sp);
}

static uint64_t used(const struct spool *sp)
{
	/* what compaction cannot reclaim: from the first live record to the end */
	return sp->end - (sp->head < sp->n && sp->e[sp->head].off != NOT_IN_FILE
			      ? sp->e[sp->head].off
			      : sp->end);
}

static uint64_t room(const struct spool *sp)
{
	uint64_t u = used(sp);

	return u >= sp->file_max ? 0 : sp->file_max - u;
}

int spool__fits(struct spool *sp, size_t len)
{
	int ok;

	pthread_mutex_lock(&sp->mu);
	ok = REC_HEAD + len <= room(sp);
	pthread_mutex_unlock(&sp->mu);
	return ok;
}

/* Copy the live tail of the file to a new file and rename it over the old one. */
static int compact(struct spool *sp)
{
	char tmp[PATH_MAX + 8];
	uint64_t from = sp->e[sp->head].off, delta, off;
	uint8_t buf[65536];
	int fd, ret = 0;

	if (from == NOT_IN_FILE || from <= sizeof(sp->hdr))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", sp->path);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	sp->hdr.first_unacked = sizeof(sp->hdr);
	ret = write_all(fd, &sp->hdr, sizeof(sp->hdr), 0);
	for (off = from; !ret && off < sp->end;) {
		size_t n = sp->end - off < sizeof(buf) ? (size_t)(sp->end - off) : sizeof(buf);

		ret = read_all(sp->fd, buf, n, off);
		if (!ret)
			ret = write_all(fd, buf, n, off - from + sizeof(sp->hdr));
		off += n;
	}
	if (!ret && rename(tmp, sp->path))
		ret = -errno;
	if (ret) {
		close(fd);
		unlink(tmp);
		sp->hdr.first_unacked = from;
		return ret;
	}
	close(sp->fd);
	sp->fd = fd;
	delta = from - sizeof(sp->hdr);
	sp->end -= delta;
	for (size_t i = sp->head; i < sp->n; i++)
		if (sp->e[i].off != NOT_IN_FILE)
			sp->e[i].off -= delta;
	return 0;
}

/* Keep at most mem_max payload bytes in memory: the oldest in-file ones go first. */
static void trim_mem(struct spool *sp)
{
	for (size_t i = sp->head; i < sp->n && sp->mem > sp->mem_max; i++) {
		struct ent *e = &sp->e[i];

		if (e->data && e->off != NOT_IN_FILE) {
			free(e->data);
			e->data = NULL;
			sp->mem -= e->len;
		}
	}
}

int spool__append(struct spool *sp, const struct spool_batch *b)
{
	struct rec_head rh = {REC_MAGIC, (uint32_t)b->len, 0, 0, {0}};
	uint8_t *copy = NULL;
	int ret;

	if (b->len > PC_WIRE_MAX_PAYLOAD)
		return -EMSGSIZE;
	rh.m = (struct rec_meta){b->host, b->run,      b->bseq,	   b->first_seq, b->nsamples,
				 0,	  b->first_ns, b->last_ns, b->sealed_ns};
	rh.crc = rec_crc(&rh.m, b->data, b->len);
	pthread_mutex_lock(&sp->mu);
	if (REC_HEAD + b->len > room(sp)) {
		ret = -ENOSPC;
		goto cleanup;
	}
	if (sp->head < sp->n && sp->end + REC_HEAD + b->len - sizeof(sp->hdr) > sp->file_max &&
	    (ret = compact(sp)))
		log_warnx("spool %s: compacting: %s", sp->path, strerror(-ret));
	copy = malloc(b->len ? b->len : 1);
	if (!copy) {
		ret = -ENOMEM;
		goto cleanup;
	}
	memcpy(copy, b->data, b->len);
	ret = write_all(sp->fd, &rh, sizeof(rh), sp->end);
	if (!ret)
		ret = write_all(sp->fd, b->data, b->len, sp->end + REC_HEAD);
	if (ret) {
		/* keep it in memory only: still sent, just not crash-safe */
		log_warnx("spool %s: writing batch %llu at byte %llu: %s", sp->path,
			  (unsigned long long)b->bseq, (unsigned long long)sp->end, strerror(-ret));
		if (ftruncate(sp->fd, (off_t)sp->end))
			log_warn("spool %s: truncating", sp->path);
		ret = push(sp, &rh.m, NOT_IN_FILE, rh.len);
	} else {
		ret = push(sp, &rh.m, sp->end, rh.len);
		if (!ret)
			sp->end += REC_HEAD + b->len;
	}
	if (ret)
		goto cleanup;
	sp->e[sp->n - 1].data = copy;
	copy = NULL;
	sp->mem += b->len;
	sp->hdr.have_last = 1;
	memcpy(&sp->hdr.last, &rh.m, sizeof(rh.m));
	if (sp->head == sp->n - 1 && sp->e[sp->head].off != NOT_IN_FILE)
		sp->hdr.first_unacked = sp->e[sp->head].off;
	ret = write_hdr(sp);
	if (ret)
		log_warnx("spool %s: writing the header: %s", sp->path, strerror(-ret));
	ret = 0;
	trim_mem(sp);
cleanup:
	pthread_mutex_unlock(&sp->mu);
	free(copy);
	return ret;
}

void spool__drop(struct spool *sp, uint64_t samples)
{
	pthread_mutex_lock(&sp->mu);
	sp->dropped += samples;
	pthread_mutex_unlock(&sp->mu);
}

int spool__next(struct spool *sp, struct spool_batch *b)
{
	struct ent *e;
	int ret = 0;

	pthread_mutex_lock(&sp->mu);
	while (sp->send < sp->n && sp->e[sp->send].acked)
		sp->send++;
	if (sp->send >= sp->n)
		goto cleanup;
	e = &sp->e[sp->send];
	/* always a copy: the sampling thread may trim e->data while the caller sends */
	if (sp->scratch_cap < e->len) {
		uint8_t *p = realloc(sp->scratch, e->len);

		if (!p) {
			ret = -ENOMEM;
			goto cleanup;
		}
		sp->scratch = p;
		sp->scratch_cap = e->len;
	}
	if (e->data)
		memcpy(sp->scratch, e->data, e->len);
	else if ((ret = read_all(sp->fd, sp->scratch, e->len, e->off + REC_HEAD)))
		goto cleanup;
	b->data = sp->scratch;
	b->host = e->m.host;
	b->run = e->m.run;
	b->bseq = e->m.bseq;
	b->first_seq = e->m.first_seq;
	b->nsamples = e->m.nsamples;
	b->first_ns = e->m.first_ns;
	b->last_ns = e->m.last_ns;
	b->sealed_ns = e->m.sealed_ns;
	b->len = e->len;
	sp->send++;
	ret = 1;
cleanup:
	pthread_mutex_unlock(&sp->mu);
	return ret;
}

void spool__rewind(struct spool *sp)
{
	pthread_mutex_lock(&sp->mu);
	sp->send = sp->head;
	pthread_mutex_unlock(&sp->mu);
}

int spool__ack(struct spool *sp, uint32_t run, uint64_t bseq)
{
	size_t i;
	int ret = -ENOENT;

	pthread_mutex_lock(&sp->mu);
	for (i = sp->head; i < sp->n; i++)
		if (sp->e[i].m.run == run && sp->e[i].m.bseq == bseq && !sp->e[i].acked)
			break;
	if (i == sp->n)
		goto cleanup;
	sp->e[i].acked = 1;
	sp->acked++;
	sp->unacked--;
	sp->unacked_bytes -= sp->e[i].len;
	if (sp->e[i].data) {
		sp->mem -= sp->e[i].len;
		free(sp->e[i].data);
		sp->e[i].data = NULL;
	}
	while (sp->head < sp->n && sp->e[sp->head].acked)
		sp->head++;
	if (sp->send < sp->head)
		sp->send = sp->head;
	if (sp->head == sp->n) {
		/* everything acknowledged: the file goes back to its header */
		sp->head = sp->n = sp->send = 0;
		if (ftruncate(sp->fd, sizeof(sp->hdr)) == 0)
			sp->end = sizeof(sp->hdr);
		sp->hdr.first_unacked = sp->end;
	} else if (sp->e[sp->head].off != NOT_IN_FILE) {
		sp->hdr.first_unacked = sp->e[sp->head].off;
	}
	ret = write_hdr(sp);
	if (ret)
		log_warnx("spool %s: writing the header: %s", sp->path, strerror(-ret));
	ret = 0;
cleanup:
	pthread_mutex_unlock(&sp->mu);
	return ret;
}

int spool__last(struct spool *sp, struct spool_batch *b)
{
	int have;

	pthread_mutex_lock(&sp->mu);
	have = sp->hdr.have_last;
	memset(b, 0, sizeof(*b));
	if (have) {
		b->host = sp->hdr.last.host;
		b->run = sp->hdr.last.run;
		b->bseq = sp->hdr.last.bseq;
		b->first_seq = sp->hdr.last.first_seq;
		b->nsamples = sp->hdr.last.nsamples;
		b->first_ns = sp->hdr.last.first_ns;
		b->last_ns = sp->hdr.last.last_ns;
		b->sealed_ns = sp->hdr.last.sealed_ns;
	}
	pthread_mutex_unlock(&sp->mu);
	return have;
}

void spool__stats(struct spool *sp, struct spool_stats *st)
{
	pthread_mutex_lock(&sp->mu);
	st->batches = sp->unacked;
	st->bytes = sp->unacked_bytes;
	st->mem = sp->mem;
	st->file = sp->end;
	st->free = room(sp);
	st->dropped = sp->dropped;
	st->acked = sp->acked;
	st->unsent = 0;
	for (size_t i = sp->send; i < sp->n; i++)
		st->unsent += !sp->e[i].acked;
	pthread_mutex_unlock(&sp->mu);
}

int spool_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	case 0:
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}
