// SPDX-License-Identifier: MIT
/*
 * load_mem.c: the memory generator of include/pc/load.h. One anonymous
 * mapping reserved up front (MAP_NORESERVE: address space only); holding more
 * writes every new page with data that differs page to page (so neither
 * zero-page sharing nor KSM or zram can shrink it); holding less gives pages
 * back with MADV_DONTNEED, so RSS follows the target both ways. Also what
 * this process may still take: MemAvailable and its memory cgroup's limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../export/export_int.h"
#include "pc/load.h"
#include "pc/path.h"
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

/* ---- room: MemAvailable and the memory cgroup's limit */

#define CG_ROOT "/sys/fs/cgroup"
#define CG_UNLIMITED (1ull << 62) /* v1 says "no limit" as 2^63 rounded to pages */

/* A cgroup file's number ("max" = no limit): 0, or -errno. */
static int read_u64(const char *dir, const char *file, uint64_t *v)
{
	char path[PATH_MAX], buf[64];
	unsigned long long x;
	ssize_t n;
	int fd;

	if (pc_pathf(path, sizeof(path), "%s/%s", dir, file))
		return -ENAMETOOLONG;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = 0;
	if (!strncmp(buf, "max", 3)) {
		*v = UINT64_MAX;
		return 0;
	}
	if (sscanf(buf, "%llu", &x) != 1)
		return -EINVAL;
	*v = x;
	return 0;
}

/* 1 when the comma-separated list names ctrl. */
static int has_ctrl(const char *list, const char *ctrl)
{
	size_t n = strlen(ctrl);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, ctrl, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/*
 * The cgroup dir under base and every ancestor up to base: keep in r the one
 * whose limit leaves the least room (limit_file, usage_file in each).
 */
static void walk_limits(struct load_mem_room *r, const char *base, const char *cg,
			const char *limit_file, const char *usage_file)
{
	char dir[PATH_MAX];
	size_t blen = strlen(base);
	uint64_t lim, used;

	if (pc_pathf(dir, sizeof(dir), "%s%s", base, strcmp(cg, "/") ? cg : ""))
		return;
	for (;;) {
		if (!read_u64(dir, limit_file, &lim) && lim < CG_UNLIMITED &&
		    !read_u64(dir, usage_file, &used)) {
			uint64_t room = used < lim ? lim - used : 0;

			if ((!r->cg[0] || room < r->cg_limit - r->cg_used) &&
			    !pc_pathf(r->cg, sizeof(r->cg), "%s/%s", dir, limit_file)) {
				r->cg_limit = lim;
				r->cg_used = used < lim ? used : lim;
			}
		}
		if (strlen(dir) <= blen)
			break;
		*strrchr(dir, '/') = 0;
	}
}

int load_mem__room(struct load_mem_room *r)
{
	char line[PATH_MAX + 64], base[64];
	uint64_t used;
	FILE *f;
	int rc;

	memset(r, 0, sizeof(*r));
	r->cg_limit = UINT64_MAX;
	if ((rc = load_mem__meminfo(&used, &r->avail)))
		return rc;
	if (!(f = fopen("/proc/self/cgroup", "re")))
		return 0; /* no cgroups: MemAvailable alone */
	/* "4:memory:/a/b" (v1), "0::/a/b" (v2: at the root, or under unified/ when hybrid) */
	while (fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!path)
			continue;
		*path++ = 0;
		path[strcspn(path, "\n")] = 0;
		if (!strcmp(ctrl + 1, "")) {
			snprintf(base, sizeof(base), "%s%s", CG_ROOT,
				 access(CG_ROOT "/cgroup.controllers", F_OK) ? "/unified" : "");
			walk_limits(r, base, path, "memory.max", "memory.current");
		} else if (has_ctrl(ctrl + 1, "memory")) {
			walk_limits(r, CG_ROOT "/memory", path, "memory.limit_in_bytes",
				    "memory.usage_in_bytes");
		}
	}
	fclose(f);
	return 0;
}

uint64_t load_mem__room_bytes(const struct load_mem_room *r)
{
	uint64_t cg = r->cg[0] ? r->cg_limit - r->cg_used : UINT64_MAX;

	return r->avail < cg ? r->avail : cg;
}

void load_mem__room_text(const struct load_mem_room *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "MemAvailable %.1f MiB", (double)r->avail / 1048576);

	if (n < 0 || (size_t)n >= len)
		return;
	if (r->cg[0])
		snprintf(buf + n, len - (size_t)n, ", cgroup limit %.1f MiB with %.1f MiB used (%s)",
			 (double)r->cg_limit / 1048576, (double)r->cg_used / 1048576, r->cg);
	else
		snprintf(buf + n, len - (size_t)n, ", no cgroup memory limit");
}

int load_mem__check(uint64_t bytes, char *err, size_t errlen)
{
	struct load_mem_room r;
	char room[PATH_MAX + 128];
	int rc = load_mem__room(&r);

	if (rc) {
		snprintf(err, errlen, "cannot tell how much memory is available: %s",
			 strerror(-rc));
		return rc;
	}
	if (bytes <= load_mem__room_bytes(&r))
		return 0;
	load_mem__room_text(&r, room, sizeof(room));
	snprintf(err, errlen, "%llu bytes (%.1f MiB) is more than this process can take: %s",
		 (unsigned long long)bytes, (double)bytes / 1048576, room);
	return -ENOMEM;
}
