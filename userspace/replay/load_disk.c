// SPDX-License-Identifier: MIT
/*
 * load_disk.c: the disk generator of include/pc/load.h. A scratch file
 * written once in full (so reads reach the device rather than holes), then
 * reads and writes at random block-aligned offsets with O_DIRECT, each I/O at
 * its own absolute deadline, reads and writes interleaved in deadline order.
 * Bytes are split over the I/Os in whole 4 KiB blocks, so an interval gets
 * its I/O count exactly and its bytes to within one block.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "pc/load.h"
#include "pc/ticker.h"

#define BLK    4096ull
#define MAX_IO (4ull << 20)

struct load_disk {
	int fd;
	int direct;
	char path[4096];
	uint64_t nblocks;
	unsigned major, minor;
	uint8_t *buf;
	uint64_t rnd;
};

static uint64_t next_rand(struct load_disk *d)
{
	d->rnd ^= d->rnd << 13, d->rnd ^= d->rnd >> 7, d->rnd ^= d->rnd << 17;
	return d->rnd;
}

struct load_disk *load_disk__open(const char *dir, uint64_t size, char *err, size_t errlen)
{
	struct load_disk *d = calloc(1, sizeof(*d));
	struct stat st;
	int e = 0;

	if (!d)
		return NULL;
	d->fd = -1;
	size = size / MAX_IO * MAX_IO;
	if (size < MAX_IO) {
		snprintf(err, errlen, "scratch size: want at least %llu bytes", MAX_IO);
		e = EINVAL;
		goto cleanup;
	}
	if ((size_t)snprintf(d->path, sizeof(d->path), "%s/.perfreplay-scratch.XXXXXX", dir) >=
	    sizeof(d->path)) {
		snprintf(err, errlen, "%.200s: path too long", dir);
		e = ENAMETOOLONG;
		goto cleanup;
	}
	d->fd = mkostemp(d->path, O_CLOEXEC);
	if (d->fd < 0) {
		e = errno;
		snprintf(err, errlen, "%.200s: cannot create scratch file: %s", dir, strerror(e));
		d->path[0] = 0;
		goto cleanup;
	}
	/* O_DIRECT: I/O goes to the device now, not to the page cache later. */
	int fl = fcntl(d->fd, F_GETFL);
	d->direct = fl >= 0 && fcntl(d->fd, F_SETFL, fl | O_DIRECT) == 0;
	if (posix_memalign((void **)&d->buf, BLK, MAX_IO)) {
		e = ENOMEM;
		snprintf(err, errlen, "out of memory for a %llu byte I/O buffer", MAX_IO);
		goto cleanup;
	}
	d->rnd = 0x853c49e6748fea9bull ^ (uint64_t)getpid();
	for (uint64_t i = 0; i < MAX_IO / 8; i++)
		((uint64_t *)d->buf)[i] = next_rand(d);
	for (uint64_t off = 0; off < size; off += MAX_IO)
		if (pwrite(d->fd, d->buf, MAX_IO, (off_t)off) != (ssize_t)MAX_IO) {
			e = errno ? errno : EIO;
			snprintf(err, errlen, "%s: writing the scratch file at byte %llu: %s",
				 d->path, (unsigned long long)off, strerror(e));
			goto cleanup;
		}
	if (fsync(d->fd) || fstat(d->fd, &st)) {
		e = errno;
		snprintf(err, errlen, "%s: %s", d->path, strerror(e));
		goto cleanup;
	}
	d->major = major(st.st_dev);
	d->minor = minor(st.st_dev);
	d->nblocks = size / BLK;
	return d;
cleanup:
	load_disk__close(d);
	errno = e;
	return NULL;
}

void load_disk__dev(const struct load_disk *d, unsigned *maj, unsigned *min)
{
	*maj = d->major;
	*min = d->minor;
}

static void sleep_until(uint64_t mono)
{
	struct timespec ts = {.tv_sec = (time_t)(mono / 1000000000ull),
			      .tv_nsec = (long)(mono % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* One direction: n I/Os carrying bytes; blocks of I/O j and its deadline. */
struct stream {
	uint64_t n, blocks, j;
};

static uint64_t io_blocks(const struct stream *s, uint64_t j)
{
	uint64_t base = s->blocks / s->n, rem = s->blocks % s->n;

	return base + (j < rem);
}

static void stream_init(struct stream *s, uint64_t bytes, uint64_t ios)
{
	if (bytes && !ios)
		ios = (bytes + MAX_IO - 1) / MAX_IO;
	s->n = ios;
	s->blocks = (bytes + BLK / 2) / BLK;
	if (s->blocks < ios)
		s->blocks = ios; /* an I/O moves at least one block */
	if (ios && s->blocks > ios * (MAX_IO / BLK))
		s->blocks = ios * (MAX_IO / BLK);
	s->j = 0;
}

int load_disk__run(struct load_disk *d, uint64_t rd_bytes, uint64_t rd_ios, uint64_t wr_bytes,
		   uint64_t wr_ios, uint64_t start_mono, uint64_t end_mono,
		   const volatile int *stop)
{
	struct stream s[2];
	uint64_t len = end_mono > start_mono ? end_mono - start_mono : 0;

	stream_init(&s[0], rd_bytes, rd_ios);
	stream_init(&s[1], wr_bytes, wr_ios);
	while (!(stop && *stop)) {
		/* The stream whose next I/O is due first: deadline (j + 0.5) x len / n. */
		double t0 = s[0].j < s[0].n ? ((double)s[0].j + 0.5) / (double)s[0].n : 2;
		double t1 = s[1].j < s[1].n ? ((double)s[1].j + 0.5) / (double)s[1].n : 2;
		int w = t1 < t0;
		double t = w ? t1 : t0;
		if (t > 1)
			break;
		uint64_t nb = io_blocks(&s[w], s[w].j), bytes = nb * BLK;
		uint64_t blk = next_rand(d) % (d->nblocks - nb + 1);
		sleep_until(start_mono + (uint64_t)(t * (double)len));
		ssize_t r = w ? pwrite(d->fd, d->buf, bytes, (off_t)(blk * BLK))
			      : pread(d->fd, d->buf, bytes, (off_t)(blk * BLK));
		if (r < 0)
			return -errno;
		s[w].j++;
	}
	return 0;
}

void load_disk__close(struct load_disk *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->path[0] && !strstr(d->path, "XXXXXX"))
		unlink(d->path);
	free(d->buf);
	free(d);
}
