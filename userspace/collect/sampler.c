// SPDX-License-Identifier: MIT
/*
 * sampler.c: takes one sample of this host (see sampler.h). Owns the
 * collector's self-measurement row: CPU from getrusage, RSS from
 * /proc/self/statm (kept open, pread), lateness and duration of the tick.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pc/bpf_sampler.h"
#include "pc/sampler.h"
#include "pc/ticker.h"

struct pc_sampler {
	struct procfs *pf;
	struct bpf_sampler *bpf;
	int statm_fd;
	uint64_t rss_kb; /* as last read */
	long page_kb;
	uint32_t host, run;
	uint64_t seq;
	uint64_t missed;
	uint64_t parse_errors;
	uint64_t gap_count;
	uint64_t last_deadline; /* of the previous tick, to tell which read periods began */
	unsigned not_kept;	/* procfs__read_some flags of the sources no kept group needs */
	enum pc_gap_reason gap_reason;
	struct pc_perr perr;
	char first_perr[sizeof(((struct pc_perr *)0)->first)];
	char missing[1024];
};

static void add_missing(struct pc_sampler *sp, const char *what, const char *why)
{
	size_t n = strlen(sp->missing);

	if (!why || !*why)
		return;
	snprintf(sp->missing + n, sizeof(sp->missing) - n, "%s%s: %s", n ? "; " : "", what, why);
}

struct pc_sampler *sampler__open(const char *root, unsigned flags, uint32_t host, uint32_t run)
{
	struct pc_sampler *sp = calloc(1, sizeof(*sp));
	char why[512] = "";

	if (!sp)
		return NULL;
	sp->host = host;
	sp->run = run;
	sp->pf = procfs__open(root, 0);
	if (!sp->pf) {
		int err = errno;
		free(sp);
		errno = err;
		return NULL;
	}
	add_missing(sp, "/proc", procfs__missing(sp->pf));
	if (flags & PC_SAMPLER_NO_BPF) {
		if (!(flags & PC_SAMPLER_QUIET))
			add_missing(sp, "eBPF", "disabled by --no-bpf");
	} else {
		sp->bpf = bpf_sampler__open(0, why, sizeof(why));
		if (!sp->bpf)
			add_missing(sp,
				    "eBPF (exact CPU busy time, run-queue and block latency, "
				    "cgroup CPU, short-lived processes)",
				    why[0] ? why : strerror(errno));
		else
			add_missing(sp, "eBPF", bpf_sampler__missing(sp->bpf));
	}
	sp->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	sp->page_kb = sysconf(_SC_PAGESIZE) / 1024;
	return sp;
}

static uint64_t rss_kb(struct pc_sampler *sp)
{
	char buf[128];
	ssize_t n;
	char *p;

	if (sp->statm_fd < 0)
		return 0;
	n = pread(sp->statm_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strchr(buf, ' '); /* size, then resident */
	return p ? strtoull(p + 1, NULL, 10) * (uint64_t)sp->page_kb : 0;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

/*
 * Sources read at most once per period (docs/COLLECTOR.md): on the first
 * tick of each wall-clock period, so every tick when the interval is as long.
 * /proc/vmstat (~200 keys) and statfs cost most of a tick and change slowly;
 * the load averages are recomputed every 5 s and uptime follows the clock;
 * pressure files cost ~3 us each, and the kernel's own PSI trigger windows
 * start at 500 ms; the eBPF cgroup map is a walk of every hash bucket,
 * exited tasks can be hundreds of rows, and a block latency histogram needs
 * more than 10 ms of I/Os to say anything (diskstats has the counts every
 * tick). The self row's RSS is a gauge: between its reads it repeats the
 * last value (the row is in every sample). /proc/stat counts in USER_HZ
 * ticks (10 ms): over one 10 ms interval a CPU's delta is 0 or 1 tick, a
 * figure of 0 or 100 %; where eBPF measures every CPU's busy time exactly,
 * every tick, /proc/stat's split (user, system, iowait, steal) is read
 * every 100 ms instead (with_bpf_busy).
 */
struct tick_skip {
	unsigned procfs, bpf; /* procfs__read_some and bpf_sampler__read_some flags */
	int rss;	      /* the self row's RSS */
};

static const struct {
	struct tick_skip skip;
	unsigned with_bpf_busy; /* procfs flags added when eBPF measures CPU busy time */
	uint64_t period_ns;
} read_periods[] = {
    {{PROCFS_NO_VMSTAT | PROCFS_NO_STATFS | PROCFS_NO_LOAD, 0, 0}, 0, 1000000000ULL},
    {{PROCFS_NO_PSI, BPF_READ_NO_CGROUP | BPF_READ_NO_EXITED | BPF_READ_NO_BLK, 1},
     PROCFS_NO_STAT,
     100000000ULL},
};

/* The procfs__read_some flag that leaves out the source of each /proc group. */
static const struct {
	int g;
	unsigned flag;
} group_source[] = {
    {PC_G_CPU, PROCFS_NO_STAT},	     {PC_G_STAT, PROCFS_NO_STAT}, {PC_G_MEM, PROCFS_NO_MEM},
    {PC_G_VMSTAT, PROCFS_NO_VMSTAT}, {PC_G_DISK, PROCFS_NO_DISK}, {PC_G_NET, PROCFS_NO_NET},
    {PC_G_FS, PROCFS_NO_STATFS},     {PC_G_LOAD, PROCFS_NO_LOAD}, {PC_G_UPTIME, PROCFS_NO_LOAD},
    {PC_G_PSI, PROCFS_NO_PSI},
};

void sampler__keep(struct pc_sampler *sp, uint32_t groups)
{
	unsigned all = 0, need = 0;

	for (size_t i = 0; i < sizeof(group_source) / sizeof(*group_source); i++) {
		all |= group_source[i].flag;
		if (groups & (1u << group_source[i].g))
			need |= group_source[i].flag;
	}
	sp->not_kept = all & ~need;
}

/* What to leave out of the tick at deadline_ns (only what is not kept, on the first). */
static struct tick_skip skip_now(struct pc_sampler *sp, uint64_t deadline_ns, int first)
{
	struct tick_skip k = {sp->not_kept, 0, 0};
	int bpf_busy = sp->bpf && bpf_sampler__busy_time(sp->bpf);

	for (size_t i = 0; i < sizeof(read_periods) / sizeof(*read_periods); i++) {
		uint64_t p = read_periods[i].period_ns;

		if (!first && deadline_ns / p == sp->last_deadline / p) {
			k.procfs |= read_periods[i].skip.procfs;
			if (bpf_busy)
				k.procfs |= read_periods[i].with_bpf_busy;
			k.bpf |= read_periods[i].skip.bpf;
			k.rss |= read_periods[i].skip.rss;
		}
	}
	sp->last_deadline = deadline_ns;
	return k;
}

int sampler__take(struct pc_sampler *sp, struct pc_sample *s, uint64_t deadline_ns)
{
	uint64_t t0 = pc_now_real(), *self;
	struct tick_skip skip;
	struct rusage ru;
	int ret;

	pc_sample_reset(s);
	s->time_ns = deadline_ns;
	s->taken_ns = t0;
	s->host = sp->host;
	s->run = sp->run;
	s->seq = sp->seq++;
	if (sp->gap_count) {
		s->flags |= PC_SF_GAP_BEFORE;
		s->gap_reason = sp->gap_reason;
		s->gap_count = sp->gap_count;
		sp->gap_count = 0;
	}
	sp->perr.count = 0;
	skip = skip_now(sp, deadline_ns, !s->seq);
	ret = procfs__read_some(sp->pf, s, &sp->perr, skip.procfs);
	if (ret)
		return ret;
	if (sp->perr.count) {
		if (!sp->parse_errors)
			memcpy(sp->first_perr, sp->perr.first, sizeof(sp->first_perr));
		sp->parse_errors += sp->perr.count;
	}
	self = pc_table_add(&s->t[PC_G_SELF], "self");
	if (!self)
		return -ENOMEM;
	if (sp->bpf) {
		ret = bpf_sampler__read_some(sp->bpf, s, skip.bpf);
		if (ret)
			return ret;
	}
	getrusage(RUSAGE_SELF, &ru);
	self[PC_SELF_UTIME_NS] = tv_ns(ru.ru_utime);
	self[PC_SELF_STIME_NS] = tv_ns(ru.ru_stime);
	if (!skip.rss)
		sp->rss_kb = rss_kb(sp);
	self[PC_SELF_RSS_KB] = sp->rss_kb;
	self[PC_SELF_LATENCY_NS] = t0 > deadline_ns ? t0 - deadline_ns : 0;
	self[PC_SELF_MISSED] = sp->missed;
	self[PC_SELF_PARSE_ERRORS] = sp->parse_errors;
	self[PC_SELF_DURATION_NS] = pc_now_real() - t0;
	return 0;
}

void sampler__gap(struct pc_sampler *sp, uint64_t count, enum pc_gap_reason reason)
{
	if (!count)
		return;
	sp->gap_count += count;
	sp->gap_reason = reason;
	if (reason == PC_GAP_OVERRUN)
		sp->missed += count;
	sp->seq += count; /* lost samples keep their sequence numbers */
}

const char *sampler__missing(const struct pc_sampler *sp)
{
	return sp->missing;
}

struct procfs *sampler__procfs(struct pc_sampler *sp)
{
	return sp->pf;
}

const char *sampler__first_parse_error(const struct pc_sampler *sp)
{
	return sp->parse_errors ? sp->first_perr : NULL;
}

void sampler__close(struct pc_sampler *sp)
{
	if (!sp)
		return;
	if (sp->bpf)
		bpf_sampler__close(sp->bpf);
	procfs__close(sp->pf);
	if (sp->statm_fd >= 0)
		close(sp->statm_fd);
	free(sp);
}
