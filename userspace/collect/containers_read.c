// SPDX-License-Identifier: MIT
/*
 * containers_read.c: one container's PC_G_CONTAINER row from its cgroup
 * files. Each file is one open, read and close into a buffer of the
 * container set (no stdio, no allocation). v1 controller directories win
 * where they exist (that is where a hybrid host's runtimes put the
 * counters), v2 fills the rest and the pressure totals. A missing file reads
 * as 0 and is not reported (a controller that is not enabled); one that does
 * not parse leaves its columns 0 and is named in perr; a file that vanished
 * with its directory means the container stopped mid-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "containers_int.h"

#define RD_SKIP (-1) /* missing or unreadable: columns stay 0 */
#define RD_GONE (-2) /* the directory itself is gone */

#define LIMIT_EVERY 16

/* v1 "no limit" values: -1, or PAGE_COUNTER_MAX pages (2^63 - page size). */
#define V1_UNLIMITED (1ull << 62)

struct rd {
	struct pc_containers *c;
	struct ct *t;
	struct pc_perr *perr;
	int limits;		/* read the limit files this time */
	const char *dir, *file; /* of the file being read, for messages */
	char path[PATH_MAX + 64];
};

/* Every file read, by slot: where t->fd keeps it open. */
static const struct {
	int dir;
	const char *name;
	int limit; /* a setting, not a counter: read every LIMIT_EVERY reads */
} files[CT_NFILES] = {
    {CT_V2, "cpu.stat"},
    {CT_V2, "cpu.max", 1},
    {CT_CPUACCT, "cpuacct.usage"},
    {CT_CPUACCT, "cpuacct.stat"},
    {CT_CPU, "cpu.cfs_quota_us", 1},
    {CT_CPU, "cpu.cfs_period_us", 1},
    {CT_CPU, "cpu.stat"},
    {CT_MEMORY, "memory.usage_in_bytes"},
    {CT_MEMORY, "memory.limit_in_bytes", 1},
    {CT_MEMORY, "memory.kmem.usage_in_bytes"},
    {CT_MEMORY, "memory.stat"},
    {CT_V2, "memory.current"},
    {CT_V2, "memory.max", 1},
    {CT_V2, "memory.stat"},
    {CT_BLKIO, "blkio.throttle.io_service_bytes"},
    {CT_BLKIO, "blkio.throttle.io_serviced"},
    {CT_V2, "io.stat"},
    {CT_PIDS, "pids.current"},
    {CT_PIDS, "pids.max", 1},
    {CT_V2, "pids.current"},
    {CT_V2, "pids.max", 1},
    {CT_V2, "cpu.pressure"},
    {CT_V2, "memory.pressure"},
    {CT_V2, "io.pressure"},
};

static int slot(int dir, const char *file)
{
	for (int i = 0; i < CT_NFILES; i++)
		if (files[i].dir == dir && !strcmp(files[i].name, file))
			return i;
	return -1;
}

unsigned ct_fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 512;
	return rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur / 2) : 0;
}

void ct_close_files(struct pc_containers *c, struct ct *t)
{
	for (int i = 0; i < CT_NFILES; i++) {
		if (t->fd[i] > 0) {
			close(t->fd[i] - 1);
			c->nfds--;
		}
		t->fd[i] = 0;
	}
}

/* A read that failed: the container is gone (its directory is), or the file is unreadable. */
static int failed(struct rd *r, int err)
{
	snprintf(r->path, sizeof(r->path), "%s/%s", r->dir, r->file);
	if ((err == ENOENT || err == ENODEV) && access(r->dir, F_OK)) {
		/* rmdir of a cgroup makes its open files ENODEV and its names ENOENT. */
		pc_perr_add(r->perr, r->path, 0, "container vanished");
		return RD_GONE;
	}
	if (err != ENOENT)
		pc_perr_add(r->perr, r->path, 0, "%s", strerror(err));
	return RD_SKIP;
}

/*
 * The whole file from offset 0 of an open fd into buf: length or -errno. One
 * pread: a cgroup (seq_file) read fills the buffer as far as the text goes,
 * and a second pread at an offset would make the kernel print it all again.
 */
static ssize_t pread_all(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = pread(fd, buf, len - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n == len - 1)
		return -EFBIG; /* no cgroup file we read is anywhere near */
	buf[n] = 0;
	return n;
}

/*
 * Read dir/file into c->buf: length, RD_SKIP or RD_GONE. Files stay open
 * (pread from 0 next time: a seven-fold saving on cgroupfs) while the budget
 * lasts; files found absent are tried again every 16 reads.
 */
static int rd(struct rd *r, int dir, const char *file)
{
	int k = slot(dir, file), *fd, f;
	ssize_t n;

	r->dir = r->t->dir[dir];
	r->file = file;
	if (!r->dir || k < 0)
		return RD_SKIP;
	fd = &r->t->fd[k];
	if ((*fd < 0 && r->c->reads % 16) || (files[k].limit && !r->limits))
		return RD_SKIP;
	if (*fd <= 0) {
		snprintf(r->path, sizeof(r->path), "%s/%s", r->dir, file);
		f = open(r->path, O_RDONLY | O_CLOEXEC);
		if (f < 0) {
			*fd = -1;
			return failed(r, errno);
		}
		if (r->c->nfds >= r->c->fd_budget) {
			n = pread_all(f, r->c->buf, sizeof(r->c->buf));
			close(f);
			*fd = 0;
			return n < 0 ? failed(r, (int)-n) : (int)n;
		}
		*fd = f + 1;
		r->c->nfds++;
	}
	n = pread_all(*fd - 1, r->c->buf, sizeof(r->c->buf));
	if (n >= 0)
		return (int)n;
	close(*fd - 1);
	r->c->nfds--;
	*fd = 0;
	return failed(r, (int)-n);
}

/* A decimal u64 at *p (leading blanks skipped); 0, -EINVAL (none) or -ERANGE. */
static int num(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = x;
	return 0;
}

static int bad(struct rd *r, unsigned line, int err)
{
	snprintf(r->path, sizeof(r->path), "%s/%s", r->dir, r->file);
	pc_perr_add(r->perr, r->path, line, "%s",
		    err == -ERANGE ? "value out of range" : "not a number where one belongs");
	return err;
}

/* The end of a number: only blanks and one newline may follow. */
static int at_end(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return !*p || (*p == '\n' && !p[1]);
}

/*
 * A one-value file: a number, or "max" (v2) / -1 or PAGE_COUNTER_MAX (v1)
 * for no limit, which read as 0 when limit is set. 0 into *v, or negative.
 */
static int one(struct rd *r, int dir, const char *file, int limit, uint64_t *v)
{
	int n = rd(r, dir, file), err;
	const char *p = r->c->buf;

	if (n < 0)
		return n;
	if (limit && (!strcmp(p, "max\n") || !strcmp(p, "max") || !strncmp(p, "-1", 2))) {
		*v = 0;
		return 0;
	}
	if ((err = num(&p, v)) || !at_end(p))
		return bad(r, 0, err ? err : -EINVAL);
	if (limit && *v >= V1_UNLIMITED)
		*v = 0;
	return 0;
}

/* Keys of a "key value" file and where their values go. */
struct want {
	const char *key;
	uint64_t *dst;
	uint64_t mul, div; /* value * mul / div */
};

/* A "key value" per line file (cpu.stat, memory.stat, cpuacct.stat): 0 or negative. */
static int kv(struct rd *r, int dir, const char *file, const struct want *w, size_t nw)
{
	int n = rd(r, dir, file), err;
	unsigned line = 0;

	if (n < 0)
		return n;
	for (const char *p = r->c->buf; *p; line++) {
		const char *e = strchr(p, '\n'), *sp = strchr(p, ' ');
		size_t klen = sp && (!e || sp < e) ? (size_t)(sp - p) : 0;

		for (size_t i = 0; klen && i < nw; i++) {
			const char *q = sp;
			uint64_t v;

			if (strlen(w[i].key) != klen || strncmp(p, w[i].key, klen))
				continue;
			if ((err = num(&q, &v)) || (*q && *q != '\n' && *q != ' '))
				return bad(r, line + 1, err ? err : -EINVAL);
			v /= w[i].div;
			*w[i].dst = v > UINT64_MAX / w[i].mul ? UINT64_MAX : v * w[i].mul;
			break;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/*
 * Per-device files summed: io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...")
 * when v2, blkio.throttle.* ("8:0 Read 4096", "Total 4096") otherwise.
 */
static int io_sum(struct rd *r, int dir, const char *file, const char *const *names, uint64_t **dst,
		  size_t nd)
{
	int n = rd(r, dir, file), err;
	unsigned line = 0;

	if (n < 0)
		return n;
	for (const char *p = r->c->buf; *p; line++) {
		const char *e = strchr(p, '\n'), *f = strchr(p, ' ');

		while (f && (!e || f < e)) {
			f++;
			for (size_t i = 0; i < nd; i++) {
				size_t k = strlen(names[i]);
				const char *q = f + k;
				uint64_t v;

				if (strncmp(f, names[i], k))
					continue;
				if ((err = num(&q, &v)))
					return bad(r, line + 1, err);
				*dst[i] += v;
				break;
			}
			f = strchr(f, ' ');
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* A pressure file: the "total=" of its some and full lines. */
static int psi(struct rd *r, const char *file, uint64_t *some, uint64_t *full)
{
	int n = rd(r, CT_V2, file), err;
	unsigned line = 0;

	if (n < 0)
		return n;
	for (const char *p = r->c->buf; *p; line++) {
		const char *e = strchr(p, '\n'), *t = strstr(p, "total=");
		uint64_t *dst = !strncmp(p, "some ", 5)	  ? some
				: !strncmp(p, "full ", 5) ? full
							  : NULL;

		if (dst && t && (!e || t < e)) {
			t += 6;
			if ((err = num(&t, dst)))
				return bad(r, line + 1, err);
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* cpu.max: "max 100000" or "50000 100000". */
static int cpu_max(struct rd *r, uint64_t *row)
{
	int n = rd(r, CT_V2, "cpu.max"), err = -EINVAL;
	const char *p = r->c->buf;

	if (n < 0)
		return n;
	if (!strncmp(p, "max", 3)) {
		row[PC_CT_CPU_QUOTA_US] = 0;
		p += 3;
	} else if ((err = num(&p, &row[PC_CT_CPU_QUOTA_US]))) {
		return bad(r, 1, err);
	}
	if ((err = num(&p, &row[PC_CT_CPU_PERIOD_US])) || !at_end(p))
		return bad(r, 1, err ? err : -EINVAL);
	return 0;
}

/* A step's result: RD_GONE stops the row, everything else goes on. */
#define STEP(x)                                                                                    \
	do {                                                                                       \
		if ((x) == RD_GONE)                                                                \
			return -ENOENT;                                                            \
	} while (0)

static int read_cpu(struct rd *r, uint64_t *row)
{
	const uint64_t us = 1000000, hz = (uint64_t)r->c->user_hz;
	uint64_t ns = 0, thr_ns = 0;
	struct want v2[] = {
	    {"usage_usec", &row[PC_CT_CPU_USAGE_US], 1, 1},
	    {"user_usec", &row[PC_CT_CPU_USER_US], 1, 1},
	    {"system_usec", &row[PC_CT_CPU_SYSTEM_US], 1, 1},
	    {"nr_periods", &row[PC_CT_CPU_PERIODS], 1, 1},
	    {"nr_throttled", &row[PC_CT_CPU_THROTTLED], 1, 1},
	    {"throttled_usec", &row[PC_CT_CPU_THROTTLED_US], 1, 1},
	};
	struct want acct[] = {
	    {"user", &row[PC_CT_CPU_USER_US], us / hz, 1},
	    {"system", &row[PC_CT_CPU_SYSTEM_US], us / hz, 1},
	};
	struct want v1[] = {
	    {"nr_periods", &row[PC_CT_CPU_PERIODS], 1, 1},
	    {"nr_throttled", &row[PC_CT_CPU_THROTTLED], 1, 1},
	    {"throttled_time", &thr_ns, 1, 1},
	};

	STEP(kv(r, CT_V2, "cpu.stat", v2, sizeof(v2) / sizeof(*v2)));
	STEP(cpu_max(r, row));
	if (r->t->dir[CT_CPUACCT]) {
		STEP(one(r, CT_CPUACCT, "cpuacct.usage", 0, &ns));
		row[PC_CT_CPU_USAGE_US] = ns / 1000;
		/* USER_HZ ticks: exact in us when hz divides 10^6 (100, 250, 1000 do). */
		STEP(kv(r, CT_CPUACCT, "cpuacct.stat", acct, 2));
	}
	if (r->t->dir[CT_CPU]) {
		STEP(one(r, CT_CPU, "cpu.cfs_quota_us", 1, &row[PC_CT_CPU_QUOTA_US]));
		STEP(one(r, CT_CPU, "cpu.cfs_period_us", 0, &row[PC_CT_CPU_PERIOD_US]));
		STEP(kv(r, CT_CPU, "cpu.stat", v1, sizeof(v1) / sizeof(*v1)));
		row[PC_CT_CPU_THROTTLED_US] = thr_ns / 1000;
	}
	return 0;
}

static int read_mem_v1(struct rd *r, uint64_t *row)
{
	uint64_t rss = 0, cache = 0, trss = UINT64_MAX, tcache = UINT64_MAX;
	struct want w[] = {
	    {"rss", &rss, 1, 1},
	    {"cache", &cache, 1, 1},
	    {"total_rss", &trss, 1, 1},
	    {"total_cache", &tcache, 1, 1},
	};

	STEP(one(r, CT_MEMORY, "memory.usage_in_bytes", 0, &row[PC_CT_MEM_CURRENT]));
	STEP(one(r, CT_MEMORY, "memory.limit_in_bytes", 1, &row[PC_CT_MEM_MAX]));
	STEP(one(r, CT_MEMORY, "memory.kmem.usage_in_bytes", 0, &row[PC_CT_MEM_KERNEL]));
	STEP(kv(r, CT_MEMORY, "memory.stat", w, sizeof(w) / sizeof(*w)));
	/* Hierarchical totals include child cgroups (pods, nested systemd). */
	row[PC_CT_MEM_ANON] = trss != UINT64_MAX ? trss : rss;
	row[PC_CT_MEM_FILE] = tcache != UINT64_MAX ? tcache : cache;
	return 0;
}

static int read_mem(struct rd *r, uint64_t *row)
{
	uint64_t kernel = UINT64_MAX, stack = 0, ptab = 0, percpu = 0;
	struct want w[] = {
	    {"anon", &row[PC_CT_MEM_ANON], 1, 1},
	    {"file", &row[PC_CT_MEM_FILE], 1, 1},
	    {"kernel", &kernel, 1, 1},
	    {"slab", &row[PC_CT_MEM_SLAB], 1, 1},
	    {"kernel_stack", &stack, 1, 1},
	    {"pagetables", &ptab, 1, 1},
	    {"percpu", &percpu, 1, 1},
	};

	if (r->t->dir[CT_MEMORY])
		return read_mem_v1(r, row);
	STEP(one(r, CT_V2, "memory.current", 0, &row[PC_CT_MEM_CURRENT]));
	STEP(one(r, CT_V2, "memory.max", 1, &row[PC_CT_MEM_MAX]));
	STEP(kv(r, CT_V2, "memory.stat", w, sizeof(w) / sizeof(*w)));
	/* "kernel" is there from 5.18; before, its main parts. */
	row[PC_CT_MEM_KERNEL] =
	    kernel != UINT64_MAX ? kernel : stack + ptab + percpu + row[PC_CT_MEM_SLAB];
	return 0;
}

static int read_io_pids(struct rd *r, uint64_t *row)
{
	static const char *const v2[] = {"rbytes=", "wbytes=", "rios=", "wios="};
	static const char *const v1[] = {"Read ", "Write "};
	uint64_t *d2[] = {&row[PC_CT_IO_READ_BYTES], &row[PC_CT_IO_WRITE_BYTES],
			  &row[PC_CT_IO_READ_OPS], &row[PC_CT_IO_WRITE_OPS]};
	uint64_t *db[] = {&row[PC_CT_IO_READ_BYTES], &row[PC_CT_IO_WRITE_BYTES]};
	uint64_t *dn[] = {&row[PC_CT_IO_READ_OPS], &row[PC_CT_IO_WRITE_OPS]};
	int pd = r->t->dir[CT_PIDS] ? CT_PIDS : CT_V2;

	if (r->t->dir[CT_BLKIO]) {
		STEP(io_sum(r, CT_BLKIO, "blkio.throttle.io_service_bytes", v1, db, 2));
		STEP(io_sum(r, CT_BLKIO, "blkio.throttle.io_serviced", v1, dn, 2));
	} else {
		STEP(io_sum(r, CT_V2, "io.stat", v2, d2, 4));
	}
	STEP(one(r, pd, "pids.current", 0, &row[PC_CT_PIDS_CURRENT]));
	STEP(one(r, pd, "pids.max", 1, &row[PC_CT_PIDS_MAX]));
	STEP(psi(r, "cpu.pressure", &row[PC_CT_CPU_SOME_US], &row[PC_CT_CPU_FULL_US]));
	STEP(psi(r, "memory.pressure", &row[PC_CT_MEM_SOME_US], &row[PC_CT_MEM_FULL_US]));
	STEP(psi(r, "io.pressure", &row[PC_CT_IO_SOME_US], &row[PC_CT_IO_FULL_US]));
	return 0;
}

int ct_read_row(struct pc_containers *c, struct ct *t, uint64_t *row, struct pc_perr *perr)
{
	static const int lim[CT_NLIMITS] = {PC_CT_CPU_QUOTA_US, PC_CT_CPU_PERIOD_US, PC_CT_MEM_MAX,
					    PC_CT_PIDS_MAX};
	struct rd r = {.c = c, .t = t, .perr = perr};

	/* Limits change when someone changes them: every LIMIT_EVERY reads, and the first. */
	r.limits = !t->have_limits || c->reads % LIMIT_EVERY == 0;
	if (read_cpu(&r, row) || read_mem(&r, row) || read_io_pids(&r, row))
		return -ENOENT;
	for (int i = 0; i < CT_NLIMITS; i++) {
		if (r.limits)
			t->limits[i] = row[lim[i]];
		else
			row[lim[i]] = t->limits[i];
	}
	t->have_limits = 1;
	return 0;
}
