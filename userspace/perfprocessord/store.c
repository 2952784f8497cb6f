// SPDX-License-Identifier: MIT
/*
 * store.c: perfprocessord's plain store (see store.h): one append-only file
 * per host, <datadir>/host-<id>.pcb, of records [magic "PCRB"][length]
 * [CRC-32][the BATCH message body exactly as it came off the wire], host
 * byte order. Owns the grouped fsync (a committer thread syncs every file
 * written since its last round, then wakes every waiter at once), the
 * duplicate index (the highest batch number stored per host and run:
 * collectors send a run's batches in order, so anything at or below it is a
 * resend), and reading the files back (store__dump).
 */
#include <dirent.h>
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

#include "pc/codec.h"
#include "pc/log.h"
#include "store.h"

#define REC_MAGIC 0x50435242u /* "PCRB" */
#define REC_HEAD  12u

struct runmax {
	uint32_t run;
	uint64_t max_bseq;
};

struct hostfile {
	uint32_t host;
	int fd;
	uint64_t end;
	int dirty;
	struct runmax *runs;
	size_t nruns;
};

struct store {
	char dir[PATH_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* committer: work to do */
	pthread_cond_t done; /* waiters: a round finished */
	struct hostfile *h;
	size_t nh;
	uint64_t next_ticket, synced;
	int sync_err; /* sticky: a failed fsync means nothing more is acknowledged */
	int stop;
	pthread_t committer;
	struct pc_buf enc;
};

static void note_run(struct hostfile *hf, uint32_t run, uint64_t bseq)
{
	struct runmax *r;

	for (size_t i = 0; i < hf->nruns; i++)
		if (hf->runs[i].run == run) {
			if (bseq > hf->runs[i].max_bseq)
				hf->runs[i].max_bseq = bseq;
			return;
		}
	r = realloc(hf->runs, (hf->nruns + 1) * sizeof(*r));
	if (!r)
		return; /* only costs duplicate detection for this run */
	hf->runs = r;
	hf->runs[hf->nruns++] = (struct runmax){run, bseq};
}

/* Iterate the records of one file; cb gets each decoded batch. Cuts a torn tail if fix. */
static int scan(int fd, const char *path, int fix, uint64_t *endp,
		int (*cb)(const struct pc_wire_batch *b, void *arg), void *arg)
{
	struct stat st;
	uint64_t off = 0, end;
	uint8_t head[REC_HEAD], *body = NULL;
	struct pc_wire_msg m;
	char why[192] = "";
	int ret = 0;

	if (fstat(fd, &st))
		return -errno;
	end = (uint64_t)st.st_size;
	while (off < end) {
		uint32_t magic, len, crc;

		if (end - off < REC_HEAD) {
			snprintf(why, sizeof(why), "truncated record header");
			break;
		}
		if (pread(fd, head, REC_HEAD, (off_t)off) != REC_HEAD) {
			ret = -EIO;
			break;
		}
		memcpy(&magic, head, 4);
		memcpy(&len, head + 4, 4);
		memcpy(&crc, head + 8, 4);
		if (magic != REC_MAGIC) {
			snprintf(why, sizeof(why), "bad record magic 0x%08x", magic);
			break;
		}
		if (len == 0 || len > PC_WIRE_MAX_FRAME || len > end - off - REC_HEAD) {
			snprintf(why, sizeof(why), "record length %u past the end of the file",
				 len);
			break;
		}
		free(body);
		body = malloc(len);
		if (!body) {
			ret = -ENOMEM;
			break;
		}
		if (pread(fd, body, len, (off_t)(off + REC_HEAD)) != (ssize_t)len) {
			ret = -EIO;
			break;
		}
		if ((uint32_t)crc32(crc32(0L, Z_NULL, 0), body, len) != crc) {
			snprintf(why, sizeof(why), "CRC mismatch");
			break;
		}
		if (wire__decode(body, len, &m, why, sizeof(why)) || m.type != PC_W_BATCH) {
			if (!why[0])
				snprintf(why, sizeof(why), "record is not a batch");
			break;
		}
		if (cb && (ret = cb(&m.batch, arg)))
			break;
		off += REC_HEAD + len;
		why[0] = 0;
	}
	free(body);
	if (why[0]) {
		log_warnx("%s: byte %llu: %s%s", path, (unsigned long long)off, why,
			  fix ? "; cutting the file there (those batches will be resent)" : "");
		if (fix && ftruncate(fd, (off_t)off))
			return -errno;
		if (!fix && !ret)
			ret = -EBADMSG;
	}
	if (endp)
		*endp = off;
	return ret;
}

static int index_batch(const struct pc_wire_batch *b, void *arg)
{
	note_run(arg, b->run, b->bseq);
	return 0;
}

static struct hostfile *hostfile(struct store *st, uint32_t host)
{
	char path[PATH_MAX + 32];
	struct hostfile *nh, *hf;
	int fd;

	for (size_t i = 0; i < st->nh; i++)
		if (st->h[i].host == host)
			return &st->h[i];
	snprintf(path, sizeof(path), "%s/host-%u.pcb", st->dir, host);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("cannot open %s", path);
		return NULL;
	}
	nh = realloc(st->h, (st->nh + 1) * sizeof(*nh));
	if (!nh) {
		close(fd);
		return NULL;
	}
	st->h = nh;
	hf = &st->h[st->nh++];
	memset(hf, 0, sizeof(*hf));
	hf->host = host;
	hf->fd = fd;
	if (scan(fd, path, 1, &hf->end, index_batch, hf))
		log_warnx("%s: could not be read completely", path);
	return hf;
}

static void *committer(void *arg)
{
	struct store *st = arg;
	int fds[1024];

	pthread_mutex_lock(&st->mu);
	while (!st->stop) {
		uint64_t target;
		size_t n = 0;
		int err = 0;

		if (st->synced == st->next_ticket) {
			pthread_cond_wait(&st->cv, &st->mu);
			continue;
		}
		target = st->next_ticket;
		for (size_t i = 0; i < st->nh && n < 1024; i++)
			if (st->h[i].dirty) {
				st->h[i].dirty = 0;
				fds[n++] = st->h[i].fd;
			}
		pthread_mutex_unlock(&st->mu);
		for (size_t i = 0; i < n; i++)
			if (fdatasync(fds[i]))
				err = -errno;
		pthread_mutex_lock(&st->mu);
		if (err && !st->sync_err) {
			st->sync_err = err;
			log_warnx("%s: fsync failed: %s; no further batch is acknowledged", st->dir,
				  strerror(-err));
		}
		st->synced = target;
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

struct store *store__open(const char *dir, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	struct dirent *de;
	DIR *d;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(st->dir, sizeof(st->dir), "%s", dir);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	pthread_cond_init(&st->done, NULL);
	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(st);
		return NULL;
	}
	while ((de = readdir(d))) {
		unsigned host;
		char tail[8];

		if (sscanf(de->d_name, "host-%u.pc%7s", &host, tail) == 2 && !strcmp(tail, "b"))
			hostfile(st, host);
	}
	closedir(d);
	if (pthread_create(&st->committer, NULL, committer, st)) {
		snprintf(err, errlen, "cannot start the committer thread");
		store__close(st);
		return NULL;
	}
	return st;
}

void store__close(struct store *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
	if (st->committer)
		pthread_join(st->committer, NULL);
	for (size_t i = 0; i < st->nh; i++) {
		fdatasync(st->h[i].fd);
		close(st->h[i].fd);
		free(st->h[i].runs);
	}
	free(st->h);
	pc_buf_free(&st->enc);
	free(st);
}

int store__have(struct store *st, uint32_t host, uint32_t run, uint64_t bseq)
{
	struct hostfile *hf;
	int have = 0;

	pthread_mutex_lock(&st->mu);
	hf = hostfile(st, host);
	for (size_t i = 0; hf && i < hf->nruns; i++)
		if (hf->runs[i].run == run)
			have = bseq <= hf->runs[i].max_bseq;
	pthread_mutex_unlock(&st->mu);
	return have;
}

int store__put(struct store *st, const struct pc_wire_batch *b, uint64_t *ticket)
{
	struct pc_wire_msg m = {.type = PC_W_BATCH};
	struct hostfile *hf;
	uint32_t len, crc;
	ssize_t w;
	int ret;

	m.batch = *b;
	pthread_mutex_lock(&st->mu);
	hf = hostfile(st, b->host);
	if (!hf) {
		ret = -EIO;
		goto cleanup;
	}
	st->enc.len = 0;
	/* room for our record head in place of the frame's 4-byte length */
	ret = pc_buf_put(&st->enc, "\0\0\0\0\0\0\0\0", 8);
	if (!ret)
		ret = wire__encode(&st->enc, &m);
	if (ret)
		goto cleanup;
	len = (uint32_t)(st->enc.len - REC_HEAD);
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), st->enc.p + REC_HEAD, len);
	memcpy(st->enc.p, &(uint32_t){REC_MAGIC}, 4);
	memcpy(st->enc.p + 4, &len, 4);
	memcpy(st->enc.p + 8, &crc, 4);
	w = pwrite(hf->fd, st->enc.p, st->enc.len, (off_t)hf->end);
	if (w != (ssize_t)st->enc.len) {
		ret = w < 0 ? -errno : -EIO;
		log_warnx("%s/host-%u.pcb: writing at byte %llu: %s", st->dir, b->host,
			  (unsigned long long)hf->end, strerror(-ret));
		if (ftruncate(hf->fd, (off_t)hf->end))
			log_warn("%s/host-%u.pcb: cutting back", st->dir, b->host);
		goto cleanup;
	}
	hf->end += st->enc.len;
	hf->dirty = 1;
	note_run(hf, b->run, b->bseq);
	*ticket = ++st->next_ticket;
	pthread_cond_signal(&st->cv);
	ret = 0;
cleanup:
	pthread_mutex_unlock(&st->mu);
	return ret;
}

int store__wait(struct store *st, uint64_t ticket)
{
	int ret;

	pthread_mutex_lock(&st->mu);
	while (st->synced < ticket && !st->stop)
		pthread_cond_wait(&st->done, &st->mu);
	ret = st->sync_err ? st->sync_err : st->synced >= ticket ? 0 : -ECANCELED;
	pthread_mutex_unlock(&st->mu);
	return ret;
}

/* --- reading back */

struct dumpctx {
	FILE *f;
	struct pc_dec dec;
	struct pc_sample s;
	uint64_t samples, batches, errors;
	const char *path;
};

static int dump_batch(const struct pc_wire_batch *b, void *arg)
{
	struct dumpctx *d = arg;
	const uint8_t *p = (const uint8_t *)b->payload.p;
	size_t left = b->payload.len;
	uint32_t n = 0;

	pc_dec_reset(&d->dec);
	d->batches++;
	while (left) {
		long used = pc_dec_sample(&d->dec, p, left, &d->s);

		if (used <= 0) {
			log_warnx("%s: host %u run %u batch %llu sample %u: %s", d->path, b->host,
				  b->run, (unsigned long long)b->bseq, n, d->dec.err);
			d->errors++;
			return 0;
		}
		fprintf(d->f, "%u %u %llu %llu %u %u %llu\n", b->host, b->run,
			(unsigned long long)d->s.seq, (unsigned long long)d->s.time_ns, d->s.flags,
			d->s.gap_reason, (unsigned long long)d->s.gap_count);
		p += used;
		left -= (size_t)used;
		n++;
	}
	if (n != b->nsamples) {
		log_warnx("%s: host %u run %u batch %llu: %u samples, header says %u", d->path,
			  b->host, b->run, (unsigned long long)b->bseq, n, b->nsamples);
		d->errors++;
	}
	d->samples += n;
	return 0;
}

int store__dump(const char *dir, FILE *f)
{
	struct dumpctx d = {.f = f};
	struct dirent **names = NULL;
	int n, ret = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	pc_dec_init(&d.dec);
	pc_sample_init(&d.s);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX + 300];
		unsigned host;
		char tail[8];
		int fd;

		if (sscanf(names[i]->d_name, "host-%u.pc%7s", &host, tail) != 2 ||
		    strcmp(tail, "b"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		d.path = path;
		if (scan(fd, path, 0, NULL, dump_batch, &d))
			ret = -EBADMSG;
		close(fd);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	log_info("%s: %llu batches, %llu samples, %llu damaged", dir, (unsigned long long)d.batches,
		 (unsigned long long)d.samples, (unsigned long long)d.errors);
	pc_dec_free(&d.dec);
	pc_sample_free(&d.s);
	return ret ? ret : d.errors ? -EBADMSG : 0;
}
