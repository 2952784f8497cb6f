// SPDX-License-Identifier: MIT
/*
 * run.c: perfreplay's live replay. CPU workers follow the plan's schedule on
 * their own (include/pc/load.h) inside our cgroup; a disk thread and a
 * network thread pace their I/O per interval; this thread sets the memory
 * held at each interval's start and, at each interval's end deadline,
 * measures what happened independently of the generators: the workers' CPU
 * clocks and the cgroup's usage, RSS, /proc/diskstats of the scratch device
 * and /proc/net/dev of the veth interface. Everything is released on the way
 * out, interrupted or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pc/cgroup.h"
#include "pc/load.h"
#include "pc/log.h"
#include "pc/proc.h"
#include "pc/ticker.h"
#include "replay.h"
#include "../../userspace/export/export_int.h" /* exp_rate: one rate helper */

volatile int replay_stop;

struct io_ctx {
	const struct rp_plan *p;
	const struct replay_cfg *c;
	uint64_t t0;
	struct load_disk *disk;
	struct load_net *net;
	pthread_t th;
	int started, err;
};

static uint64_t at(const struct rp_plan *p, const struct replay_cfg *c, uint64_t t0, uint32_t k)
{
	return t0 + (uint64_t)((double)(k ? p->end_ns[k - 1] : 0) / c->speed);
}

static void sleep_until(uint64_t mono)
{
	struct timespec ts = {(time_t)(mono / 1000000000ull), (long)(mono % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !replay_stop)
		;
}

/* Whole counts per interval with the fractions carried, so totals stay exact. */
static uint64_t take(double *acc, double v)
{
	double n;

	*acc += v > 0 ? v : 0;
	n = floor(*acc);
	*acc -= n;
	return (uint64_t)n;
}

static void *disk_main(void *arg)
{
	struct io_ctx *x = arg;
	double acc[4] = {0};

	for (uint32_t k = 0; k < x->p->n && !replay_stop; k++) {
		const struct rp_interval *iv = &x->p->iv[k];
		uint64_t beg = at(x->p, x->c, x->t0, k), end = at(x->p, x->c, x->t0, k + 1);
		double secs = (double)(end - beg) / 1e9;
		uint64_t rb = take(&acc[0], iv->rd_bps * secs),
			 ri = take(&acc[1], iv->rd_iops * secs);
		uint64_t wb = take(&acc[2], iv->wr_bps * secs),
			 wi = take(&acc[3], iv->wr_iops * secs);
		if (pc_now_mono() >= end)
			continue;
		int rc = load_disk__run(x->disk, rb, ri, wb, wi, beg, end, &replay_stop);
		if (rc) {
			x->err = rc;
			log_warnx("disk replay stopped at interval %u: %s", k, strerror(-rc));
			break;
		}
	}
	return NULL;
}

static void *net_main(void *arg)
{
	struct io_ctx *x = arg;
	double acc[2] = {0};

	for (uint32_t k = 0; k < x->p->n && !replay_stop; k++) {
		const struct rp_interval *iv = &x->p->iv[k];
		uint64_t beg = at(x->p, x->c, x->t0, k), end = at(x->p, x->c, x->t0, k + 1);
		double secs = (double)(end - beg) / 1e9;
		uint64_t tx = take(&acc[0], iv->tx_bps * secs),
			 rx = take(&acc[1], iv->rx_bps * secs);
		if (pc_now_mono() >= end)
			continue;
		int rc = load_net__run(x->net, tx, rx, beg, end, &replay_stop);
		if (rc) {
			x->err = rc;
			log_warnx("network replay stopped at interval %u: %s", k, strerror(-rc));
			break;
		}
	}
	return NULL;
}

/* The /proc counters this replay watches, read into one sample. */
static int read_proc(struct pc_sample *s, unsigned what)
{
	static const struct {
		const char *path;
		int (*parse)(const char *, size_t, struct pc_sample *, struct pc_perr *);
		unsigned mode;
	} src[] = {
	    {"/proc/diskstats", proc_diskstats_parse, MODE_DISK},
	    {"/proc/net/dev", proc_netdev_parse, MODE_NET},
	};
	static char buf[1 << 18];
	struct pc_perr perr = {0};

	pc_sample_reset(s);
	for (size_t i = 0; i < sizeof(src) / sizeof(*src); i++) {
		if (!(what & src[i].mode))
			continue;
		int fd = open(src[i].path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
		if (fd >= 0)
			close(fd);
		if (n < 0)
			return -errno;
		int rc = src[i].parse(buf, (size_t)n, s, &perr);
		if (rc)
			return rc;
	}
	return 0;
}

static const uint64_t *disk_row(const struct pc_sample *s, unsigned maj, unsigned min)
{
	const struct pc_table *t = &s->t[PC_G_DISK];

	for (uint32_t r = 0; r < t->nrows; r++) {
		const uint64_t *v = pc_table_row(t, r);
		if (v[PC_DISK_MAJOR] == maj && v[PC_DISK_MINOR] == min)
			return v;
	}
	return NULL;
}

static int place(void *arg, uint32_t w, pid_t tid)
{
	(void)w;
	return cgroup__attach(arg, tid);
}

struct live {
	const struct rp_plan *p;
	const struct replay_cfg *c;
	unsigned modes, proc_modes;
	struct pc_cgroup cg;
	int have_cg;
	struct load_cpu *cpu;
	struct load_mem *mem;
	double mem_base, cap_bytes;
	uint64_t rss0, t0;
	struct io_ctx disk, net;
	unsigned dmaj, dmin;
	struct pc_sample s[2];
	int cur;
	int *wcpu;
	struct observe obs;
	struct report rep;
	int rep_open;
};

static void live_free(struct live *L)
{
	replay_stop = 1; /* the I/O threads check it between I/Os */
	load_cpu__stop(L->cpu);
	if (L->disk.started)
		pthread_join(L->disk.th, NULL);
	if (L->net.started)
		pthread_join(L->net.th, NULL);
	load_disk__close(L->disk.disk);
	load_net__close(L->net.net);
	load_mem__close(L->mem);
	if (L->have_cg && cgroup__destroy(&L->cg))
		log_warnx(
		    "cgroup: could not remove everything (see /sys/fs/cgroup/*/perfreplay.*)");
	pc_sample_free(&L->s[0]);
	pc_sample_free(&L->s[1]);
	free(L->wcpu);
}

/* What the plan has and the machine allows decides what is replayed. */
static unsigned replayable(const struct rp_plan *p, const struct replay_cfg *c)
{
	unsigned modes = c->modes, has = 0;

	for (uint32_t k = 0; k < p->n; k++)
		has |= p->iv[k].has;
	if ((modes & MODE_MEM) && !(has & RP_HAS_MEM))
		log_info("memory: the recording has no meminfo: not replayed"), modes &= ~MODE_MEM;
	if ((modes & MODE_DISK) && !(has & RP_HAS_DISK))
		log_info("disk: the recording has no disk counters: not replayed"),
		    modes &= ~MODE_DISK;
	if ((modes & MODE_NET) && !c->sink) {
		log_info("network: no sink (--sink=netns or --sink=HOST:PORT): not replayed");
		modes &= ~MODE_NET;
	}
	if ((modes & MODE_NET) && !(has & RP_HAS_NET))
		log_info("network: the recording has no interface counters: not replayed"),
		    modes &= ~MODE_NET;
	return modes;
}

/* The workers' cgroup and what observes them. */
static int open_cpu(struct live *L)
{
	char err[512], name[64];
	uint32_t nw = L->p->nworkers;
	/* a container's replay is held to its recorded quota, as it was */
	double limit = L->p->ct_cpus > 0 ? fmin((double)nw, L->p->ct_cpus) : (double)nw;

	snprintf(name, sizeof(name), "perfreplay.%d", (int)getpid());
	if (cgroup__create(&L->cg, L->c->cgroup_root, name, L->c->cpus, limit, err, sizeof(err))) {
		log_warnx("cgroup: %s", err);
		return -1;
	}
	L->have_cg = 1;
	if (L->p->ct_cpus > 0)
		log_info("workers' cgroup held to %.2f CPUs (the container's quota)", limit);
	if (*L->cg.why)
		log_info("workers placed by %s (%s)", cgroup__mode_name(L->cg.mode), L->cg.why);
	else
		log_debug("workers placed by %s", cgroup__mode_name(L->cg.mode));
	return observe__open(&L->obs, nw, L->wcpu, &L->cg) ? -1 : 0;
}

/* Memory to hold in interval k: the recording's less the base, within the safe cap. */
static double mem_want(const struct live *L, uint32_t k)
{
	return fmin(fmax(L->p->iv[k].mem_used_kb * 1024 - L->mem_base, 0), L->cap_bytes);
}

static int open_mem(struct live *L)
{
	const struct rp_plan *p = L->p;
	double peak = 0, avail_b;
	uint64_t used, avail;
	struct load_mem_room room;
	char why[4500];

	if (load_mem__meminfo(&used, &avail) || load_mem__room(&room)) {
		log_warnx("/proc/meminfo: cannot read the target's memory");
		return -1;
	}
	/* MemAvailable, or less when our memory cgroup allows less */
	avail_b = (double)load_mem__room_bytes(&room);
	load_mem__room_text(&room, why, sizeof(why));
	L->mem_base =
	    L->c->mem_base == MEM_BASE_TARGET ? (double)used : p->iv[0].mem_used_kb * 1024;
	for (uint32_t k = 0; k < p->n; k++)
		peak = fmax(peak, p->iv[k].mem_used_kb * 1024 - L->mem_base);
	/* Never push the target into reclaim or the OOM killer: keep 256 MiB spare. */
	L->cap_bytes = fmax(0, avail_b - 256.0 * 1048576);
	if (peak > L->cap_bytes)
		log_warnx("memory: the recording needs up to %.0f MiB more than the target's "
			  "start, %.0f MiB can be held safely (%s): capped",
			  peak / 1048576, L->cap_bytes / 1048576, why);
	L->mem = load_mem__open((uint64_t)fmax(fmin(peak, L->cap_bytes), 1 << 20));
	if (!L->mem) {
		log_warn("memory: reserving address space");
		return -1;
	}
	L->rss0 = load_mem__rss();
	return 0;
}

/* Everything the replay needs before it starts: nothing is loaded yet. */
static int open_all(struct live *L)
{
	const struct replay_cfg *c = L->c;
	char err[512];
	int rc;

	/* Network first: the sink is a fork, best done before any thread exists. */
	if (L->modes & MODE_NET) {
		L->net.net =
		    load_net__open(strcmp(c->sink, "netns") ? c->sink : NULL, err, sizeof(err));
		if (!L->net.net) {
			log_warnx("network: %s", err);
			return -1;
		}
	}
	if ((L->modes & MODE_CPU) && open_cpu(L))
		return -1;
	if ((L->modes & MODE_MEM) && open_mem(L))
		return -1;
	if (L->modes & MODE_DISK) {
		L->disk.disk = load_disk__open(c->scratch, 256ull << 20, err, sizeof(err));
		if (!L->disk.disk) {
			log_warnx("disk: %s", err);
			return -1;
		}
		load_disk__dev(L->disk.disk, &L->dmaj, &L->dmin);
	}
	rc = report__open(&L->rep, c->report, L->p->nworkers, L->have_cg ? &L->obs : NULL,
			  cgroup__mode_name(L->cg.mode));
	if (rc) {
		log_warnx("--report %s: %s", c->report, strerror(-rc));
		return -1;
	}
	L->rep_open = 1;
	return 0;
}

/* The generators, all on the same t0. */
static int start_all(struct live *L)
{
	const struct rp_plan *p = L->p;
	const struct replay_cfg *c = L->c;

	L->t0 = pc_now_mono() + 200000000ull;
	if (L->modes & MODE_CPU) {
		struct load_sched s;
		replay_plan__sched(p, &s);
		struct load_cpu_opts o = {.nworkers = p->nworkers,
					  .cpu = L->wcpu,
					  .slice_ns = c->slice_ns,
					  .phase = c->phase,
					  .speed = c->speed,
					  .place = place,
					  .place_arg = &L->cg};
		L->cpu = load_cpu__start(&o, &s, L->t0);
		if (!L->cpu) {
			log_warn("starting %u CPU workers", p->nworkers);
			return -1;
		}
	}
	if (L->mem)
		load_mem__set(L->mem, (uint64_t)mem_want(L, 0));
	L->disk.p = L->net.p = p;
	L->disk.c = L->net.c = c;
	L->disk.t0 = L->net.t0 = L->t0;
	if (L->disk.disk && !pthread_create(&L->disk.th, NULL, disk_main, &L->disk))
		L->disk.started = 1;
	if (L->net.net && !pthread_create(&L->net.th, NULL, net_main, &L->net))
		L->net.started = 1;
	L->proc_modes = L->modes & (MODE_DISK | MODE_NET);
	return 0;
}

/* Disk and network over the interval, from /proc/diskstats and /proc/net/dev. */
static void measure_io(struct live *L, const struct rp_interval *iv, double dt, double *tgt,
		       double *got)
{
	int cur = L->cur, nxt = !cur;

	read_proc(&L->s[nxt], L->proc_modes);
	const uint64_t *a = disk_row(&L->s[cur], L->dmaj, L->dmin),
		       *b = disk_row(&L->s[nxt], L->dmaj, L->dmin);
	if (L->disk.disk && a && b) {
		tgt[S_RD] = iv->rd_bps, tgt[S_WR] = iv->wr_bps;
		tgt[S_RIOPS] = iv->rd_iops, tgt[S_WIOPS] = iv->wr_iops;
		got[S_RD] = exp_rate(a, b, PC_DISK_RD_SECTORS, dt) * 512;
		got[S_WR] = exp_rate(a, b, PC_DISK_WR_SECTORS, dt) * 512;
		got[S_RIOPS] = exp_rate(a, b, PC_DISK_RD_IOS, dt);
		got[S_WIOPS] = exp_rate(a, b, PC_DISK_WR_IOS, dt);
	}
	const char *ifn = L->net.net ? load_net__ifname(L->net.net) : "";
	int ra = *ifn ? pc_table_find(&L->s[cur].t[PC_G_NET], ifn) : -1;
	int rb = *ifn ? pc_table_find(&L->s[nxt].t[PC_G_NET], ifn) : -1;
	if (ra >= 0 && rb >= 0) {
		const uint64_t *na = pc_table_row(&L->s[cur].t[PC_G_NET], (uint32_t)ra),
			       *nb = pc_table_row(&L->s[nxt].t[PC_G_NET], (uint32_t)rb);
		tgt[S_TX] = iv->tx_bps, tgt[S_RX] = iv->rx_bps;
		got[S_TX] = exp_rate(na, nb, PC_NET_TX_BYTES, dt);
		got[S_RX] = exp_rate(na, nb, PC_NET_RX_BYTES, dt);
	}
	L->cur = nxt;
}

/* At each interval's end deadline: measure, report, and set the next interval's memory. */
static void measure_all(struct live *L)
{
	const struct rp_plan *p = L->p;
	uint64_t tprev;

	sleep_until(L->t0); /* the baseline */
	tprev = pc_now_mono();
	if (L->cpu)
		observe__start(&L->obs, L->cpu);
	if (L->proc_modes)
		read_proc(&L->s[L->cur], L->proc_modes);
	for (uint32_t k = 0; k < p->n && !replay_stop; k++) {
		const struct rp_interval *iv = &p->iv[k];
		double tgt[S_N], got[S_N], dt;
		uint64_t now, due = at(p, L->c, L->t0, k + 1);

		for (int i = 0; i < S_N; i++)
			tgt[i] = got[i] = NAN;
		sleep_until(due);
		if (replay_stop)
			break;
		now = pc_now_mono();
		dt = (double)(now - tprev) / 1e9;
		tprev = now;
		if (L->cpu) {
			observe__interval(&L->obs, &p->pct[(size_t)k * p->nworkers], dt);
			tgt[S_CPU] = L->obs.cpu_t, got[S_CPU] = L->obs.cpu_a;
		}
		if (L->mem) {
			tgt[S_MEM] = mem_want(L, k) / 1048576;
			got[S_MEM] = ((double)load_mem__rss() - (double)L->rss0) / 1048576;
		}
		if (L->proc_modes)
			measure_io(L, iv, dt, tgt, got);
		/* late: when the counters were read, not when the sleep ended */
		if (L->cpu && L->obs.read_ns > now)
			now = L->obs.read_ns;
		report__row(&L->rep, k, (double)p->end_ns[k] / 1e9, dt, (double)(now - due) / 1e3,
			    iv, tgt, got, L->cpu ? &L->obs : NULL);
		log_debug("interval %u: cpu %.1f -> %.1f %%", k, tgt[S_CPU], got[S_CPU]);
		if (L->mem && k + 1 < p->n) /* the next interval's memory, at its start */
			load_mem__set(L->mem, (uint64_t)mem_want(L, k + 1));
	}
}

int replay__run(const struct rp_plan *p, const struct replay_cfg *c)
{
	struct live L = {.p = p, .c = c};
	uint32_t nw = p->nworkers;
	int rc = -1;

	pc_sample_init(&L.s[0]);
	pc_sample_init(&L.s[1]);
	L.wcpu = calloc(nw, sizeof(*L.wcpu));
	if (!L.wcpu)
		goto cleanup;
	for (uint32_t w = 0; w < nw; w++)
		L.wcpu[w] = c->cpu_list[w % c->ncpu];
	L.modes = replayable(p, c);
	if (!L.modes) {
		log_warnx("nothing to replay: the recording has none of the resources asked for");
		rc = 1;
		goto cleanup;
	}
	if (open_all(&L) || start_all(&L))
		goto cleanup;
	log_info("replaying %u intervals (%.1f s at speed %g):%s%s%s%s", p->n,
		 (double)p->end_ns[p->n - 1] / 1e9 / c->speed, c->speed, L.cpu ? " cpu" : "",
		 L.mem ? " memory" : "", L.disk.disk ? " disk" : "", L.net.net ? " net" : "");
	if (L.cpu)
		log_info("%u worker%s on CPUs %s", nw, nw == 1 ? "" : "s", c->cpus);
	measure_all(&L);
	rc = replay_stop ? 130 : 0;
	if (replay_stop)
		log_warnx("interrupted: releasing everything");
cleanup:
	live_free(&L);
	if (L.rep_open && report__close(&L.rep, stdout)) {
		log_warnx("--report %s: write failed", c->report);
		rc = 1;
	}
	observe__free(&L.obs);
	return rc < 0 ? 1 : rc;
}
