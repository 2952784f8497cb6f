// SPDX-License-Identifier: MIT
/*
 * proc_read.c: what one procfs__read costs on this machine: the median, 90th
 * and 99th percentile wall time in us over 10000 ticks (after one warm-up
 * tick) and the mean CPU time per tick (user + kernel: what the tick costs
 * even on a busy machine), with and without statfs, the parsers alone, and
 * how many allocations the steady state made (it should make none). A figure, not a pass/fail test.
 * Build and run:
 *
 *   cc -std=gnu11 -O2 -D_GNU_SOURCE -Iinclude -o build/proc_read bench/proc_read.c \
 *      userspace/collect/proc_*.c userspace/collect/procfs.c userspace/collect/sysinfo.c \
 *      userspace/format/sample.c userspace/format/json.c userspace/base/log.c && \
 *   build/proc_read [ticks]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc/proc.h"

/* Count allocations by wrapping glibc's allocator (not with sanitizers). */
extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_calloc(size_t, size_t);
static unsigned long nalloc;

void *malloc(size_t n)
{
	nalloc++;
	return __libc_malloc(n);
}

void *realloc(void *p, size_t n)
{
	nalloc++;
	return __libc_realloc(p, n);
}

void *calloc(size_t a, size_t b)
{
	nalloc++;
	return __libc_calloc(a, b);
}

static double clock_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

/* CPU time is what a tick costs even when the machine is busy and wall time waits. */
static double cpu_us(void)
{
	return clock_us(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench(const char *what, unsigned flags, int ticks)
{
	struct procfs *pf = procfs__open(NULL, flags);
	struct pc_perr perr = {0};
	struct pc_sample s;
	unsigned long before, steady, rows = 0;
	double *t = calloc((size_t)ticks, sizeof(*t)), t0, c0;

	if (!pf || !t) {
		perror("procfs__open");
		return 1;
	}
	pc_sample_init(&s);
	procfs__read(pf, &s, &perr); /* warm-up: buffers and tables reach their size */
	before = nalloc;
	c0 = cpu_us();
	for (int i = 0; i < ticks; i++) {
		pc_sample_reset(&s);
		t0 = now_us();
		if (procfs__read(pf, &s, &perr)) {
			fprintf(stderr, "procfs__read failed\n");
			return 1;
		}
		t[i] = now_us() - t0;
	}
	c0 = (cpu_us() - c0) / ticks;
	steady = nalloc - before; /* before qsort, which allocates */
	for (int g = 0; g < PC_G_MAX; g++)
		rows += s.t[g].nrows;
	qsort(t, (size_t)ticks, sizeof(*t), cmp);
	printf("%-16s median %.1f us  p90 %.1f us  p99 %.1f us  cpu %.1f us/tick  (%d ticks, "
	       "%lu rows, %lu allocations after the first tick, %u parse errors)\n",
	       what, t[ticks / 2], t[ticks * 9 / 10], t[ticks * 99 / 100], c0, ticks, rows, steady,
	       perr.count);
	if (*procfs__missing(pf))
		printf("%-16s missing: %s\n", "", procfs__missing(pf));
	pc_sample_free(&s);
	procfs__close(pf);
	free(t);
	return 0;
}

/*
 * Our share of a tick: the parsers alone on texts read once (what remains
 * of a tick is the kernel formatting the files, and statfs).
 */
static int bench_parse(int ticks)
{
	static const char *const files[] = {"/proc/stat",      "/proc/meminfo", "/proc/vmstat",
					    "/proc/diskstats", "/proc/net/dev", "/proc/loadavg",
					    "/proc/uptime"};
	enum { NF = sizeof(files) / sizeof(*files) };
	struct procfs *pf = procfs__open(NULL, PROCFS_NO_STATFS);
	int (*fn[NF])(const char *, size_t, struct pc_sample *, struct pc_perr *) = {
	    proc_stat_parse,   proc_meminfo_parse, proc_vmstat_parse, proc_diskstats_parse,
	    proc_netdev_parse, proc_loadavg_parse, proc_uptime_parse};
	struct pc_perr perr = {0};
	struct pc_sample s;
	char *text[NF] = {0}, *psi = NULL;
	size_t len[NF] = {0}, psilen = 0;
	double *t = calloc((size_t)ticks, sizeof(*t)), t0;
	const char *p;

	if (!pf || !t)
		return 1;
	for (int f = 0; f < NF; f++) {
		p = procfs__text(pf, files[f], &len[f]);
		text[f] = p ? strndup(p, len[f]) : strdup("");
		len[f] = p ? len[f] : 0;
	}
	p = procfs__text(pf, "/proc/pressure/io", &psilen);
	psi = p ? strndup(p, psilen) : strdup("");
	psilen = p ? psilen : 0;
	pc_sample_init(&s);
	for (int i = 0; i < ticks; i++) {
		pc_sample_reset(&s);
		t0 = now_us();
		for (int f = 0; f < NF; f++)
			fn[f](text[f], len[f], &s, &perr);
		for (int r = 0; r < 3; r++)
			proc_pressure_parse(r == 0   ? "cpu"
					    : r == 1 ? "memory"
						     : "io",
					    psi, psilen, &s, &perr);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)ticks, sizeof(*t), cmp);
	printf("%-16s median %.1f us  p90 %.1f us  p99 %.1f us  (%d ticks, %u parse errors)\n",
	       "parsers only", t[ticks / 2], t[ticks * 9 / 10], t[ticks * 99 / 100], ticks,
	       perr.count);
	for (int f = 0; f < NF; f++)
		free(text[f]);
	free(psi);
	free(t);
	pc_sample_free(&s);
	procfs__close(pf);
	return 0;
}

int main(int argc, char **argv)
{
	int ticks = argc > 1 ? atoi(argv[1]) : 10000;

	if (ticks < 1)
		ticks = 10000;
	return bench("procfs__read", 0, ticks) ||
	       bench("without statfs", PROCFS_NO_STATFS, ticks) || bench_parse(ticks);
}
