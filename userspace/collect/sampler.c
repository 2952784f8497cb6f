// SPDX-License-Identifier: MIT
/*
 * sampler.c: takes one sample of this host (see sampler.h). Owns the
 * collector's self-measurement row: CPU from getrusage, RSS from
 * /proc/self/statm (kept open, pread), lateness and duration of the tick.
 * The containers' rows come from collect/containers*.c on the registry's
 * read period of its "containers" row (docs/CONTAINERS.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pc/bpf_sampler.h"
#include "pc/containers.h"
#include "pc/sampler.h"
#include "pc/source.h"
#include "pc/ticker.h"

struct pc_sampler {
	struct procfs *pf;
	struct bpf_sampler *bpf;
	struct pc_containers *ct; /* NULL: no container reading (ENOMEM at open) */
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
	char root[PATH_MAX]; /* the sources' root prefix, for messages ("": the host) */
};

static void add_missing(struct pc_sampler *sp, const char *what, const char *why)
{
	size_t n = strlen(sp->missing);

	if (!why || !*why)
		return;
	snprintf(sp->missing + n, sizeof(sp->missing) - n, "%s%s: %s", n ? "; " : "", what, why);
}

/* The containers under root's /sys/fs/cgroup (a test tree), or the host's. */
static struct pc_containers *open_containers(const char *root)
{
	char cgroot[4096];
	struct pc_ct_opts o = {0};

	if (root && *root && strcmp(root, "/")) {
		snprintf(cgroot, sizeof(cgroot), "%s/sys/fs/cgroup", root);
		o.cgroot = cgroot;
	}
	return containers__open(&o);
}

/* A scan (new containers, gone ones) and a row per container. */
static int read_containers(struct pc_sampler *sp, struct pc_sample *s, unsigned skip,
			   struct pc_perr *perr)
{
	int ret;

	if (!sp->ct || (skip & PROCFS_NO_CONTAINERS))
		return 0;
	ret = containers__scan(sp->ct, perr);
	return ret < 0 ? ret : containers__read(sp->ct, s, perr);
}

struct pc_sampler *sampler__open(const char *root, unsigned flags, uint32_t host, uint32_t run)
{
	struct pc_sampler *sp = calloc(1, sizeof(*sp));
	char why[512] = "";

	if (!sp)
		return NULL;
	sp->host = host;
	sp->run = run;
	snprintf(sp->root, sizeof(sp->root), "%s", root ? root : "");
	for (size_t n = strlen(sp->root); n && sp->root[n - 1] == '/'; n--)
		sp->root[n - 1] = 0; /* "/" is the host: "/proc/stat", not "//proc/stat" */
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
	sp->ct = open_containers(root);
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
 * The /proc and /sys sources say their periods in the registry
 * (pc/source.h, collect/sources.c); the eBPF maps and the self row's RSS
 * are the sampler's own: the eBPF cgroup map is a walk of every hash bucket,
 * exited tasks can be hundreds of rows, and a block latency histogram needs
 * more than 10 ms of I/Os to say anything (diskstats has the counts every
 * tick). The self row's RSS is a gauge: between its reads it repeats the
 * last value (the row is in every sample).
 */
struct tick_skip {
	unsigned procfs, bpf; /* procfs__read_some and bpf_sampler__read_some flags */
	int rss;	      /* the self row's RSS */
};

static const struct {
	unsigned bpf;
	int rss;
	uint64_t period_ns;
} own_periods[] = {
    {BPF_READ_NO_CGROUP | BPF_READ_NO_EXITED | BPF_READ_NO_BLK, 1, 100000000ULL},
};

void sampler__keep(struct pc_sampler *sp, uint32_t groups)
{
	unsigned all = 0, need = 0;

	for (unsigned i = 0; i < pc_nsources; i++) {
		all |= pc_sources[i].skip;
		if (groups & pc_sources[i].groups)
			need |= pc_sources[i].skip;
	}
	sp->not_kept = all & ~need;
}

/* Is deadline_ns in the same period as the previous tick (so not due again)? */
static int same_period(const struct pc_sampler *sp, uint64_t deadline_ns, uint64_t p, int first)
{
	return p && !first && deadline_ns / p == sp->last_deadline / p;
}

/* What to leave out of the tick at deadline_ns (only what is not kept, on the first). */
static struct tick_skip skip_now(struct pc_sampler *sp, uint64_t deadline_ns, int first)
{
	struct tick_skip k = {sp->not_kept, 0, 0};
	int bpf_busy = sp->bpf && bpf_sampler__busy_time(sp->bpf);

	for (unsigned i = 0; i < pc_nsources; i++) {
		const struct pc_source *src = &pc_sources[i];
		uint64_t p = bpf_busy && src->busy_period_ns ? src->busy_period_ns : src->period_ns;

		if (same_period(sp, deadline_ns, p, first))
			k.procfs |= src->skip;
	}
	for (size_t i = 0; i < sizeof(own_periods) / sizeof(*own_periods); i++) {
		if (same_period(sp, deadline_ns, own_periods[i].period_ns, first)) {
			k.bpf |= own_periods[i].bpf;
			k.rss |= own_periods[i].rss;
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
	if (!ret)
		ret = read_containers(sp, s, skip.procfs, &sp->perr);
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
		if (s->t[PC_G_CONTAINER].nrows)
			containers__join_bpf(sp->ct, s);
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

/* One read of the source at row i that is not a file (statfs, containers) into p->src[i]. */
static int probe_read(struct pc_sampler *sp, unsigned i, unsigned all, struct pc_sample *s,
		      struct pc_probe *p)
{
	const struct pc_source *src = &pc_sources[i];
	unsigned skip = all & ~src->skip;
	struct pc_perr perr = {0};
	int ret;

	pc_sample_reset(s);
	ret = procfs__read_some(sp->pf, s, &perr, skip);
	if (!ret)
		ret = read_containers(sp, s, skip, &perr);
	if (ret < 0)
		return ret;
	for (unsigned g = 0; g < PC_G_MAX; g++)
		if (src->groups & (1u << g))
			p->src[i].rows += s->t[g].nrows;
	p->src[i].errors = perr.count;
	memcpy(p->src[i].first, perr.first, sizeof(p->src[i].first));
	return 0;
}

int sampler__probe(struct pc_sampler *sp, struct pc_probe *p)
{
	struct pc_sample s;
	unsigned all = 0;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (pc_nsources > PC_PROBE_MAX)
		return -E2BIG;
	p->n = pc_nsources;
	for (unsigned i = 0; i < pc_nsources; i++)
		all |= pc_sources[i].skip;
	pc_sample_init(&s);
	for (unsigned i = 0; i < pc_nsources && !ret; i++) {
		if (pc_sources[i].path)
			p->src[i].err = procfs__text(sp->pf, pc_sources[i].path, NULL) ? 0 : errno;
		else
			ret = probe_read(sp, i, all, &s, p);
	}
	pc_sample_free(&s);
	return ret;
}

int sampler__probe_lost(const struct pc_sampler *sp, const struct pc_probe *before,
			const struct pc_probe *after, char *err, size_t errlen)
{
	for (unsigned i = 0; i < before->n && i < after->n; i++) {
		const struct pc_source *src = &pc_sources[i];
		int e = after->src[i].err;

		if (src->path && !before->src[i].err && e) {
			snprintf(err, errlen, "%s%s: %s (%s)", sp->root, src->path, strerror(e),
				 strerrorname_np(e) ? strerrorname_np(e) : "?");
			return 1;
		}
		if (src->path)
			continue;
		if (after->src[i].errors > before->src[i].errors) {
			snprintf(err, errlen, "%s", after->src[i].first); /* names the path */
			return 1;
		}
		if (before->src[i].rows && !after->src[i].rows) {
			snprintf(err, errlen, "%s of %s/: %u rows before, none now", src->system,
				 sp->root, before->src[i].rows);
			return 1;
		}
	}
	return 0;
}

void sampler__close(struct pc_sampler *sp)
{
	if (!sp)
		return;
	if (sp->bpf)
		bpf_sampler__close(sp->bpf);
	containers__free(sp->ct);
	procfs__close(sp->pf);
	if (sp->statm_fd >= 0)
		close(sp->statm_fd);
	free(sp);
}
