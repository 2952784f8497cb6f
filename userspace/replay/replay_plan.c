// SPDX-License-Identifier: MIT
/*
 * replay_plan.c: a recorded run -> per-interval targets (include/pc/
 * replay_plan.h). The recorded quantities come from the exporters' formulas
 * (userspace/export/export_int.h: exp_cpu, exp_mem, exp_disk, exp_net), so a replay
 * aims at exactly what perfjournal would print for the same run.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../export/export_int.h"
#include "pc/replay_plan.h"
#include "pc/sample_container.h"

#define RP_MAXCPU 4096

void replay_plan__init(struct rp_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void replay_plan__free(struct rp_plan *p)
{
	free(p->iv);
	free(p->src_pct);
	free(p->pct);
	free(p->end_ns);
	replay_plan__init(p);
}

static int cpu_index(const char *key)
{
	char *end;
	long v;

	if (key[0] < '0' || key[0] > '9')
		return -1;
	v = strtol(key, &end, 10);
	return *end || v >= RP_MAXCPU ? -1 : (int)v;
}

static int grow(struct rp_plan *p)
{
	uint32_t cap = p->cap ? p->cap * 2 : 256;
	void *a, *b, *c;

	if (p->cap > UINT32_MAX / 2 / (p->src_ncpu ? p->src_ncpu : 1))
		return -EOVERFLOW;
	a = realloc(p->iv, cap * sizeof(*p->iv));
	if (a)
		p->iv = a;
	b = realloc(p->src_pct, (size_t)cap * p->src_ncpu * sizeof(*p->src_pct) + 1);
	if (b)
		p->src_pct = b;
	c = realloc(p->end_ns, cap * sizeof(*p->end_ns));
	if (c)
		p->end_ns = c;
	if (!a || !b || !c)
		return -ENOMEM;
	p->cap = cap;
	return 0;
}

/* Per-CPU busy from eBPF busy time; 0 when both samples carry it for every CPU. */
static int bpf_busy(const struct pc_sample *prev, const struct pc_sample *cur, double dt_ns,
		    double *pct, uint32_t ncpu)
{
	const struct pc_table *pt = &prev->t[PC_G_BPF_CPU], *ct = &cur->t[PC_G_BPF_CPU];
	uint32_t seen = 0;

	if (!ct->nrows)
		return -ENOENT;
	for (uint32_t r = 0; r < ct->nrows; r++) {
		const uint64_t *p = exp_prev_row(pt, ct, r), *c = pc_table_row(ct, r);
		int i = cpu_index(ct->key[r]);
		if (!p || !c || i < 0 || (uint32_t)i >= ncpu)
			continue;
		pct[i] =
		    fmin(100, (double)pc_counter_delta(p[PC_BCPU_BUSY_NS], c[PC_BCPU_BUSY_NS]) /
				  dt_ns * 100);
		seen++;
	}
	return seen == ncpu ? 0 : -ENOENT;
}

/* The host's CPU count from cur's cpu rows, else the header's; at least 1. */
static uint32_t host_ncpu(const struct rp_plan *p, const struct pc_table *cc)
{
	uint32_t n = 0;

	for (uint32_t r = 0; r < cc->nrows; r++) {
		int i = cpu_index(cc->key[r]);
		if (i >= 0 && (uint32_t)i + 1 > n)
			n = (uint32_t)i + 1;
	}
	if (!n && p->si.ncpu && p->si.ncpu <= RP_MAXCPU)
		n = p->si.ncpu;
	return n ? n : 1;
}

/*
 * --container: the row of a container group sel names: the whole row key,
 * the container's name, its id or an id prefix of at least 12 hex digits;
 * -1 when none.
 */
static int ct_row(const struct pc_table *t, const char *sel)
{
	char rt[32], id[80], name[PC_KEY_MAX];
	size_t n = strlen(sel);

	for (uint32_t r = 0; r < t->nrows; r++) {
		if (!strcmp(t->key[r], sel))
			return (int)r;
		if (pc_container_split_key(t->key[r], rt, sizeof(rt), id, sizeof(id), name,
					   sizeof(name)))
			continue;
		if ((name[0] && !strcmp(name, sel)) || (n >= 12 && !strncmp(id, sel, n)))
			return (int)r;
	}
	return -1;
}

/* A container's CPUs: its CFS quota in CPUs, rounded up, when it has one; else the host's. */
static uint32_t ct_ncpu(const struct rp_plan *p, const struct pc_sample *cur)
{
	const struct pc_table *t = &cur->t[PC_G_CONTAINER];
	int r = ct_row(t, p->container);
	const uint64_t *v = r < 0 ? NULL : pc_table_row(t, (uint32_t)r);

	if (v && v[PC_CT_CPU_QUOTA_US] && v[PC_CT_CPU_PERIOD_US])
		return (uint32_t)fmin(RP_MAXCPU, ceil((double)v[PC_CT_CPU_QUOTA_US] /
						      (double)v[PC_CT_CPU_PERIOD_US]));
	return host_ncpu(p, &cur->t[PC_G_CPU]);
}

/*
 * --container: CPU (eBPF busy time when joined, else the cgroup's usage),
 * spread evenly over the container's CPUs, and its memory, from its rows in
 * prev and cur. Nothing when it is not in both, or is another container of
 * that name (a new id: it starts over).
 */
static void ct_interval(struct rp_plan *p, const struct pc_sample *prev,
			const struct pc_sample *cur, double dt_ns, struct rp_interval *iv,
			double *pct)
{
	const struct pc_table *ct = &cur->t[PC_G_CONTAINER], *pt = &prev->t[PC_G_CONTAINER];
	int r = ct_row(ct, p->container), q = ct_row(pt, p->container);
	const uint64_t *v, *pv;
	double total;

	if (r < 0 || q < 0 || strcmp(ct->key[r], pt->key[q]))
		return;
	v = pc_table_row(ct, (uint32_t)r);
	pv = pc_table_row(pt, (uint32_t)q);
	if (v[PC_CT_BPF_CPU_NS] && pv[PC_CT_BPF_CPU_NS]) {
		total = (double)pc_counter_delta(pv[PC_CT_BPF_CPU_NS], v[PC_CT_BPF_CPU_NS]);
		iv->cpu_bpf = p->bpf_cpu = 1;
	} else {
		total =
		    (double)pc_counter_delta(pv[PC_CT_CPU_USAGE_US], v[PC_CT_CPU_USAGE_US]) * 1e3;
	}
	total = total / dt_ns * 100; /* % of one core */
	iv->src_all = fmin(100, total / p->src_ncpu);
	for (uint32_t i = 0; i < p->src_ncpu; i++)
		pct[i] = iv->src_all;
	iv->mem_used_kb = (double)v[PC_CT_MEM_CURRENT] / 1024;
	iv->has |= RP_HAS_CPU | RP_HAS_MEM;
	if (v[PC_CT_CPU_QUOTA_US] && v[PC_CT_CPU_PERIOD_US])
		p->ct_cpus = fmax(p->ct_cpus,
				  (double)v[PC_CT_CPU_QUOTA_US] / (double)v[PC_CT_CPU_PERIOD_US]);
	p->ct_found++;
}

/* The host's CPU (eBPF busy time when recorded for every CPU, else ticks) and memory. */
static void host_cpu_mem(struct rp_plan *p, const struct pc_sample *prev,
			 const struct pc_sample *cur, double dt_ns, struct rp_interval *iv,
			 double *pct)
{
	const struct pc_table *cc = &cur->t[PC_G_CPU], *pc = &prev->t[PC_G_CPU];
	struct exp_cpu ec;
	struct exp_mem em;

	/* CPU: busy = user + nice + system (irq and softirq inside), never iowait or steal. */
	if (bpf_busy(prev, cur, dt_ns, pct, p->src_ncpu) == 0) {
		double sum = 0;
		for (uint32_t i = 0; i < p->src_ncpu; i++)
			sum += pct[i];
		iv->src_all = sum / p->src_ncpu;
		iv->has |= RP_HAS_CPU;
		iv->cpu_bpf = 1;
		p->bpf_cpu = 1;
	} else if (cc->nrows && pc->nrows) {
		int any = 0;
		for (uint32_t i = 0; i < p->src_ncpu; i++)
			pct[i] = 0; /* eBPF rows seen for some CPUs only: use ticks for all */
		for (uint32_t r = 0; r < cc->nrows; r++) {
			int i = cpu_index(cc->key[r]);
			if (exp_cpu(pc, cc, r, &ec))
				continue;
			double busy = fmin(100, ec.usr + ec.nice + ec.sys);
			if (!strcmp(cc->key[r], "all"))
				iv->src_all = busy, any = 1;
			else if (i >= 0 && (uint32_t)i < p->src_ncpu)
				pct[i] = busy;
		}
		if (any)
			iv->has |= RP_HAS_CPU;
	}
	if (!exp_mem(&cur->t[PC_G_MEM], &em)) {
		iv->mem_used_kb = (double)em.used;
		iv->has |= RP_HAS_MEM;
	}
}

/* The host's disks (whole disks only) and interfaces (all but lo). */
static void host_io(const struct pc_sample *prev, const struct pc_sample *cur, double dt_ns,
		    struct rp_interval *iv)
{
	const struct pc_table *dk = &cur->t[PC_G_DISK], *nt = &cur->t[PC_G_NET];

	for (uint32_t r = 0; r < dk->nrows; r++) {
		struct exp_disk ed;
		if (!exp_disk_whole(dk, r) ||
		    exp_disk(&prev->t[PC_G_DISK], dk, r, dt_ns / 1e9, &ed))
			continue;
		iv->rd_bps += ed.rsect * 512, iv->wr_bps += ed.wsect * 512;
		iv->rd_iops += ed.rtps, iv->wr_iops += ed.wtps;
		iv->has |= RP_HAS_DISK;
	}
	for (uint32_t r = 0; r < nt->nrows; r++) {
		struct exp_net en;
		if (!strcmp(nt->key[r], "lo") ||
		    exp_net(&prev->t[PC_G_NET], nt, r, dt_ns / 1e9, &en))
			continue;
		iv->rx_bps += en.rxbyt, iv->tx_bps += en.txbyt;
		iv->has |= RP_HAS_NET;
	}
}

int replay_plan__add(struct rp_plan *p, const struct pc_sample *prev, const struct pc_sample *cur)
{
	struct rp_interval *iv;
	double dt_ns, *pct;
	int rc;

	if (cur->time_ns <= prev->time_ns)
		return -EINVAL;
	dt_ns = (double)(cur->time_ns - prev->time_ns);
	if (!p->n && !p->src_ncpu)
		p->src_ncpu = p->container ? ct_ncpu(p, cur) : host_ncpu(p, &cur->t[PC_G_CPU]);
	if (p->n == p->cap && (rc = grow(p)))
		return rc;
	iv = &p->iv[p->n];
	memset(iv, 0, sizeof(*iv));
	iv->time_ns = cur->time_ns;
	iv->secs = dt_ns / 1e9;
	pct = &p->src_pct[(size_t)p->n * p->src_ncpu];
	for (uint32_t i = 0; i < p->src_ncpu; i++)
		pct[i] = 0;
	if (p->container) {
		ct_interval(p, prev, cur, dt_ns, iv, pct);
	} else {
		host_cpu_mem(p, prev, cur, dt_ns, iv, pct);
		host_io(prev, cur, dt_ns, iv);
	}
	p->end_ns[p->n] = (p->n ? p->end_ns[p->n - 1] : 0) + (cur->time_ns - prev->time_ns);
	p->n++;
	return 0;
}

int replay_plan__read(struct rp_plan *p, struct pc_input *in, int64_t host, int64_t run, char *err,
		      size_t errlen)
{
	struct pc_sample s[2];
	int cur = 0, have = 0, rc;
	uint64_t nread = 0;

	pc_sample_init(&s[0]);
	pc_sample_init(&s[1]);
	p->si = *input__sysinfo(in);
	while ((rc = input__next(in, &s[cur])) > 0) {
		nread++;
		if (host < 0) {
			host = s[cur].host;
			run = run < 0 ? s[cur].run : run;
		}
		if (s[cur].host != (uint64_t)host || (run >= 0 && s[cur].run != (uint64_t)run)) {
			p->skipped++;
			continue;
		}
		if (have && s[cur].time_ns <= s[!cur].time_ns) {
			p->skipped++;
			continue;
		}
		if (have) {
			rc = replay_plan__add(p, &s[!cur], &s[cur]);
			if (rc) {
				snprintf(err, errlen, "sample %" PRIu64 ": %s", nread,
					 strerror(-rc));
				goto cleanup;
			}
		}
		have = 1;
		cur = !cur;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", input__error(in));
		goto cleanup;
	}
	p->host = (uint32_t)(host < 0 ? 0 : host);
	p->run = (uint32_t)(run < 0 ? 0 : run);
	if (p->n && p->container && !p->ct_found) {
		const struct pc_table *t = &s[!cur].t[PC_G_CONTAINER];

		snprintf(err, errlen, "container %s: in no interval of host %u run %u (%s%s)",
			 p->container, p->host, p->run,
			 t->nrows ? "the last sample has " : "no container rows",
			 t->nrows ? t->key[0] : "");
		rc = -ENOENT;
		goto cleanup;
	}
	if (!p->n) {
		snprintf(err, errlen,
			 "%" PRIu64 " samples read, none forms an interval of host %" PRId64
			 " run %" PRId64,
			 nread, host, run);
		rc = -ENODATA;
		goto cleanup;
	}
	rc = 0;
cleanup:
	pc_sample_free(&s[0]);
	pc_sample_free(&s[1]);
	return rc;
}

/* Work of one source CPU at pct: units/s through its curve, or pct itself without curves. */
static double src_units(const struct rp_opts *o, double pct)
{
	return o->src ? capacity__cpu_units(o->src, pct) : pct;
}

static double dst_busy(const struct rp_opts *o, double units, int *sat)
{
	if (o->dst)
		return capacity__cpu_busy(o->dst, units, sat);
	*sat = units > 100;
	return units > 100 ? 100 : units;
}

static double dst_units(const struct rp_opts *o, double pct)
{
	return o->dst ? capacity__cpu_units(o->dst, pct) : pct;
}

int replay_plan__convert(struct rp_plan *p, const struct rp_opts *o, char *err, size_t errlen)
{
	uint32_t nw;
	double *backlog = NULL; /* per worker, units x seconds still owed */
	int rc = 0;

	if (!o->src != !o->dst) {
		snprintf(err, errlen, "both capacity curves or neither");
		return -EINVAL;
	}
	if ((o->src && !o->src->ncpu) || (o->dst && !o->dst->ncpu)) {
		snprintf(err, errlen, "%s curve does not say its CPU count",
			 o->src && !o->src->ncpu ? "source" : "target");
		return -EINVAL;
	}
	if (!o->tgt_ncpu || o->tgt_ncpu > RP_MAXCPU) {
		snprintf(err, errlen, "target CPUs %u: want 1..%d", o->tgt_ncpu, RP_MAXCPU);
		return -EINVAL;
	}
	if (o->shape == RP_SHAPE_SAME && p->src_ncpu > o->tgt_ncpu) {
		snprintf(err, errlen,
			 "--shape=same needs %u CPUs (the recording's), the target offers %u: "
			 "use --shape=fit",
			 p->src_ncpu, o->tgt_ncpu);
		return -EINVAL;
	}
	nw = o->shape == RP_SHAPE_SAME ? p->src_ncpu : o->tgt_ncpu;
	free(p->pct);
	p->pct = calloc((size_t)p->n * nw + 1, sizeof(*p->pct));
	backlog = calloc(nw, sizeof(*backlog));
	if (!p->pct || !backlog) {
		snprintf(err, errlen, "out of memory for %u intervals x %u workers", p->n, nw);
		rc = -ENOMEM;
		goto cleanup;
	}
	p->nworkers = nw;
	p->saturated = 0;
	for (uint32_t k = 0; k < p->n; k++) {
		struct rp_interval *iv = &p->iv[k];
		const double *sp = &p->src_pct[(size_t)k * p->src_ncpu];
		double *wp = &p->pct[(size_t)k * nw], total = 0, sum = 0;

		iv->units = iv->unmet = 0;
		iv->saturated = 0;
		for (uint32_t i = 0; i < p->src_ncpu; i++)
			total += src_units(o, sp[i]);
		iv->units = total;
		for (uint32_t w = 0; w < nw; w++) {
			double want = o->shape == RP_SHAPE_SAME ? src_units(o, sp[w]) : total / nw;
			int sat = 0;
			want += backlog[w] / iv->secs;
			backlog[w] = 0;
			wp[w] = dst_busy(o, want, &sat);
			if (sat) {
				double short_by = want - dst_units(o, 100);
				iv->saturated = 1;
				iv->unmet += short_by > 0 ? short_by : 0;
				if (o->backlog == RP_BACKLOG_CARRY && short_by > 0)
					backlog[w] = short_by * iv->secs;
			}
			sum += wp[w];
		}
		iv->tgt_all = sum / nw;
		p->saturated += iv->saturated;
	}
cleanup:
	free(backlog);
	return rc;
}

void replay_plan__sched(const struct rp_plan *p, struct load_sched *s)
{
	s->n = p->n;
	s->nworkers = p->nworkers;
	s->end_ns = p->end_ns;
	s->pct = p->pct;
}

const char *replay_plan__cpu_source(const struct rp_interval *iv)
{
	return !(iv->has & RP_HAS_CPU) ? "none" : iv->cpu_bpf ? "ebpf" : "stat";
}

int replay_plan__write(const struct rp_plan *p, FILE *f)
{
	fprintf(f, "interval,secs,src_cpu_pct,tgt_cpu_pct");
	for (uint32_t w = 0; w < p->nworkers; w++)
		fprintf(f, ",worker%u_pct", w);
	fprintf(f, ",units_per_s,unmet_units_per_s,saturated,mem_used_mib,disk_rd_bytes_s,"
		   "disk_wr_bytes_s,disk_rd_iops,disk_wr_iops,net_rx_bytes_s,net_tx_bytes_s,"
		   "cpu_source\n");
	for (uint32_t k = 0; k < p->n; k++) {
		const struct rp_interval *iv = &p->iv[k];
		fprintf(f, "%u,%.3f,%.2f,%.2f", k, iv->secs, iv->src_all, iv->tgt_all);
		for (uint32_t w = 0; w < p->nworkers; w++)
			fprintf(f, ",%.2f", p->pct[(size_t)k * p->nworkers + w]);
		fprintf(f, ",%.3f,%.3f,%d,%.1f,%.0f,%.0f,%.1f,%.1f,%.0f,%.0f,%s\n", iv->units,
			iv->unmet, iv->saturated, iv->mem_used_kb / 1024, iv->rd_bps, iv->wr_bps,
			iv->rd_iops, iv->wr_iops, iv->rx_bps, iv->tx_bps,
			replay_plan__cpu_source(iv));
	}
	return ferror(f) ? -EIO : 0;
}
