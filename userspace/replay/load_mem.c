// SPDX-License-Identifier: MIT
/*
 * load_mem.c: the memory generator of include/pc/load.h. One anonymous
 * mapping reserved up front (MAP_NORESERVE: address space only); holding more
 * writes every new page with data that differs page to page (so neither
 * zero-page sharing nor KSM or zram can shrink it); holding less gives pages
 * back with MADV_DONTNEED, so RSS follows the target both ways.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../export/export_int.h"
#include "pc/load.h"
#include "pc/proc.h"

struct load_mem {
	uint8_t *base;
	uint64_t max, held, page;
	uint64_t seed;
};

struct load_mem *load_mem__open(uint64_t max_bytes)
{
	struct load_mem *m = calloc(1, sizeof(*m));
	long pg = sysconf(_SC_PAGESIZE);

	if (!m)
		return NULL;
	m->page = pg > 0 ? (uint64_t)pg : 4096;
	m->max = (max_bytes + m->page - 1) / m->page * m->page;
	if (!m->max || m->max > (1ull << 46)) {
		free(m);
		errno = EINVAL;
		return NULL;
	}
	m->base = mmap(NULL, m->max, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->base == MAP_FAILED) {
		int e = errno;
		free(m);
		errno = e;
		return NULL;
	}
	m->seed = 0x243f6a8885a308d3ull;
	return m;
}

/*
 * Write every page of [from, to): one 64-bit word in 8 varies, enough to make
 * each page unique, cheaply. Not instrumented: a sanitizer build would add
 * shadow pages and the RSS would no longer be what we hold.
 */
__attribute__((no_sanitize("address"))) static void fill(struct load_mem *m, uint64_t from,
							 uint64_t to)
{
	for (uint64_t off = from; off < to; off += m->page) {
		uint64_t *w = (uint64_t *)(m->base + off), x = m->seed ^ off;
		for (size_t i = 0; i < m->page / 8; i += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			w[i] = x;
		}
	}
}

int load_mem__set(struct load_mem *m, uint64_t bytes)
{
	bytes = (bytes + m->page - 1) / m->page * m->page;
	if (bytes > m->max)
		bytes = m->max;
	if (bytes > m->held)
		fill(m, m->held, bytes);
	else if (bytes < m->held) {
		if (madvise(m->base + bytes, m->held - bytes, MADV_DONTNEED))
			return -errno;
	}
	m->held = bytes;
	return 0;
}

uint64_t load_mem__held(const struct load_mem *m)
{
	return m->held;
}

void load_mem__close(struct load_mem *m)
{
	if (!m)
		return;
	munmap(m->base, m->max);
	free(m);
}

uint64_t load_mem__rss(void)
{
	char buf[256];
	unsigned long long size, rss;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &size, &rss) != 2)
		return 0;
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

int load_mem__meminfo(uint64_t *used, uint64_t *avail)
{
	char buf[16384];
	struct pc_perr perr = {0};
	struct pc_sample s;
	struct exp_mem em;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC), rc;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	pc_sample_init(&s);
	rc = proc_meminfo_parse(buf, (size_t)n, &s, &perr);
	if (!rc)
		rc = exp_mem(&s.t[PC_G_MEM], &em);
	if (!rc) {
		*used = em.used * 1024;
		*avail = em.avail * 1024;
	}
	pc_sample_free(&s);
	return rc;
}
