// SPDX-License-Identifier: MIT
/*
 * load_cpu.c: the busy-loop kernel and the CPU workers of include/pc/load.h.
 * Each worker follows the schedule on its own, from absolute deadlines
 * computed from the start time and the interval ends (never from the last
 * wake-up, so nothing drifts), and trims every slice toward its interval's
 * target from its thread CPU clock; where in the slice the busy part goes is
 * the phase's (load_phase__next), so that tick-sampled accounting sees it in
 * proportion. The caller measures independently: it reads the workers' CPU
 * clocks (or their cgroup's usage) from outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../export/export_int.h"
#include "pc/load.h"
#include "pc/proc.h"
#include "pc/ticker.h"

#define DEFAULT_SLICE_NS 10000000ull

struct worker {
	struct load_cpu *l;
	pthread_t th;
	clockid_t clk;
	uint32_t idx;
	int cpu;
	int joined;
	_Atomic pid_t tid;
	_Atomic int state; /* 0 starting, 1 placed, -1 failed to place */
	_Atomic uint64_t units;
	struct load_phase ph;
};

struct load_cpu {
	struct load_sched s;
	struct load_cpu_opts o;
	uint64_t start_mono, slice_ns;
	double speed;
	_Atomic int stop;
	_Atomic uint32_t ndone;
	uint32_t nw;
	struct worker w[];
};

/*
 * The kernel: a dependent chain of xorshift and multiply, which no compiler
 * can shorten or vectorise, with the same code in every build (sanitizers
 * off, optimised) so that a unit costs the same in a test build.
 */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("O2")))
#endif
__attribute__((no_sanitize("address", "undefined"), noinline)) uint64_t
load_cpu__kernel(uint64_t *state, uint64_t n)
{
	uint64_t x = *state | 1;

	for (uint64_t u = 0; u < n; u++)
		for (unsigned i = 0; i < PC_LOAD_UNIT_ROUNDS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			x = x * 0x2545f4914f6cdd1dull + i;
		}
	*state = x;
	return x;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t mono)
{
	struct timespec ts = {.tv_sec = (time_t)(mono / 1000000000ull),
			      .tv_nsec = (long)(mono % 1000000000ull)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Busy until this thread has used cpu_target of CPU or the clock reaches until. */
static void spin(struct worker *w, uint64_t *state, uint64_t cpu_target, uint64_t until)
{
	uint64_t n = 0;

	while (!atomic_load_explicit(&w->l->stop, memory_order_relaxed)) {
		load_cpu__kernel(state, 1);
		n++;
		if (thread_cpu_ns() >= cpu_target || pc_now_mono() >= until)
			break;
	}
	atomic_fetch_add_explicit(&w->units, n, memory_order_relaxed);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void load_phase__init(struct load_phase *p, enum load_phase_mode mode, uint64_t seed)
{
	p->mode = mode;
	p->rng = seed;
	p->u = splitmix64(&p->rng);
}

/* x of 2^64 as a share of len: a position in [0, len). */
static uint64_t scale(uint64_t x, uint64_t len)
{
	return (uint64_t)(((unsigned __int128)x * len) >> 64);
}

uint64_t load_phase__next(struct load_phase *p, uint64_t slice_ns)
{
	switch (p->mode) {
	case LOAD_PHASE_START:
		return 0;
	case LOAD_PHASE_RANDOM:
		return scale(splitmix64(&p->rng), slice_ns);
	default:
		/* 2^64 / golden ratio: the Weyl step whose runs are the most evenly spread. */
		p->u += 0x9e3779b97f4a7c15ull;
		return scale(p->u, slice_ns);
	}
}

void load_arc__place(uint64_t len_ns, uint64_t busy_ns, uint64_t at_ns, struct load_arc *a)
{
	if (busy_ns >= len_ns) {
		a->head_ns = a->tail_at_ns = a->busy_ns = len_ns;
		return;
	}
	at_ns %= len_ns;
	a->busy_ns = busy_ns;
	a->tail_at_ns = at_ns;
	a->head_ns = at_ns + busy_ns > len_ns ? at_ns + busy_ns - len_ns : 0;
}

void load_cpu__slice(uint64_t beg, uint64_t se, uint64_t now, double pct, uint64_t done,
		     struct load_phase *ph, struct load_arc *a)
{
	uint64_t len = se > now ? se - now : 0;
	uint64_t want = se > beg ? (uint64_t)((double)(se - beg) * pct / 100) : 0;
	uint64_t at = len ? load_phase__next(ph, len) : 0;

	load_arc__place(len, want > done ? want - done : 0, at, a);
}

static uint64_t sched_at(const struct load_cpu *l, uint32_t k)
{
	/* End of interval k-1 = start of interval k, scaled by speed. */
	uint64_t off = k ? l->s.end_ns[k - 1] : 0;

	return l->start_mono + (uint64_t)((double)off / l->speed);
}

/* A slice's arc from now on: the wrapped head, idle, then busy until cpu reaches cpu + busy. */
static void run_arc(struct worker *w, uint64_t *state, const struct load_arc *a, uint64_t cpu,
		    uint64_t now, uint64_t se)
{
	if (!a->busy_ns)
		return;
	if (a->head_ns)
		spin(w, state, cpu + a->head_ns, now + a->head_ns);
	sleep_until(now + a->tail_at_ns);
	spin(w, state, cpu + a->busy_ns, se);
}

static void run_interval(struct worker *w, uint32_t k, uint64_t *state)
{
	struct load_cpu *l = w->l;
	uint64_t beg = sched_at(l, k), end = sched_at(l, k + 1), now = pc_now_mono();
	double pct = l->s.pct[(size_t)k * l->s.nworkers + w->idx];
	uint64_t cpu0, nslices;

	if (now >= end)
		return; /* missed entirely (the machine stalled us): do not pile up */
	if (!(pct > 0)) {
		sleep_until(end);
		return;
	}
	if (pct > 100)
		pct = 100;
	if (now < beg)
		sleep_until(beg);
	cpu0 = thread_cpu_ns();
	nslices = (end - beg + l->slice_ns / 2) / l->slice_ns;
	if (!nslices)
		nslices = 1;
	for (uint64_t j = 1; j <= nslices; j++) {
		uint64_t se = beg + (end - beg) * j / nslices, cpu;
		struct load_arc a;

		if (atomic_load_explicit(&l->stop, memory_order_relaxed))
			return;
		now = pc_now_mono();
		if (now >= se)
			continue;
		/* The interval's work counts from beg: a late start is made up in later slices. */
		cpu = thread_cpu_ns();
		load_cpu__slice(beg, se, now, pct, cpu - cpu0, &w->ph, &a);
		run_arc(w, state, &a, cpu, now, se);
		sleep_until(se);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct load_cpu *l = w->l;
	uint64_t state = 0x9e3779b97f4a7c15ull ^ w->idx;

	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	atomic_store(&w->tid, gettid());
	if (l->o.place && l->o.place(l->o.place_arg, w->idx, gettid()) < 0) {
		atomic_store(&w->state, -1);
		return NULL;
	}
	if (w->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	atomic_store(&w->state, 1);
	for (uint32_t k = 0; k < l->s.n && !atomic_load(&l->stop); k++)
		run_interval(w, k, &state);
	atomic_fetch_add(&l->ndone, 1);
	/* Stay alive so that the caller can still read this thread's CPU clock. */
	while (!atomic_load(&l->stop)) {
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct load_cpu *load_cpu__start(const struct load_cpu_opts *o, const struct load_sched *s,
				 uint64_t start_mono)
{
	struct load_cpu *l;
	int err = 0;

	if (!o->nworkers || o->nworkers > 4096 || s->nworkers != o->nworkers || !s->n ||
	    !s->end_ns || !s->pct || o->speed < 0) {
		errno = EINVAL;
		return NULL;
	}
	for (uint32_t k = 0; k < s->n; k++)
		if (s->end_ns[k] <= (k ? s->end_ns[k - 1] : 0)) {
			errno = EINVAL;
			return NULL;
		}
	l = calloc(1, sizeof(*l) + o->nworkers * sizeof(l->w[0]));
	if (!l)
		return NULL;
	l->s = *s;
	l->o = *o;
	l->nw = o->nworkers;
	l->speed = o->speed > 0 ? o->speed : 1;
	l->slice_ns = o->slice_ns ? o->slice_ns : DEFAULT_SLICE_NS;
	if (l->slice_ns < PC_LOAD_MIN_SLICE_NS)
		l->slice_ns = PC_LOAD_MIN_SLICE_NS;
	l->start_mono = start_mono ? start_mono : pc_now_mono();
	for (uint32_t i = 0; i < l->nw; i++) {
		struct worker *w = &l->w[i];
		w->l = l;
		w->idx = i;
		w->cpu = o->cpu ? o->cpu[i] : -1;
		load_phase__init(&w->ph, o->phase, l->start_mono ^ ((uint64_t)i << 48));
		w->joined = 1;
		err = pthread_create(&w->th, NULL, worker_main, w);
		if (err)
			goto cleanup;
		w->joined = 0;
		if (pthread_getcpuclockid(w->th, &w->clk))
			w->clk = -1;
	}
	/* Return once every worker is placed, so the caller may measure from now. */
	for (uint32_t i = 0; i < l->nw; i++) {
		int st;
		while (!(st = atomic_load(&l->w[i].state))) {
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
		}
		if (st < 0)
			err = EPERM;
	}
	if (err)
		goto cleanup;
	return l;
cleanup:
	load_cpu__stop(l);
	errno = err;
	return NULL;
}

uint64_t load_cpu__start_mono(const struct load_cpu *l)
{
	return l->start_mono;
}

pid_t load_cpu__tid(const struct load_cpu *l, uint32_t w)
{
	return w < l->nw ? atomic_load(&l->w[w].tid) : 0;
}

uint64_t load_cpu__cpu_ns(const struct load_cpu *l, uint32_t w)
{
	struct timespec ts;

	if (w >= l->nw || l->w[w].clk == (clockid_t)-1 || clock_gettime(l->w[w].clk, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t load_cpu__units(const struct load_cpu *l, uint32_t w)
{
	return w < l->nw ? atomic_load_explicit(&l->w[w].units, memory_order_relaxed) : 0;
}

int load_cpu__done(const struct load_cpu *l)
{
	return atomic_load(&l->ndone) == l->nw;
}

void load_cpu__stop(struct load_cpu *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, 1);
	for (uint32_t i = 0; i < l->nw; i++)
		if (!l->w[i].joined)
			pthread_join(l->w[i].th, NULL);
	free(l);
}

static int read_stat(struct pc_sample *s)
{
	char buf[65536];
	struct pc_perr perr = {0};
	ssize_t n;
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	pc_sample_reset(s);
	return proc_stat_parse(buf, (size_t)n, s, &perr);
}

struct load_stat {
	struct pc_sample s[2];
	int cur, nread;
};

struct load_stat *load_stat__open(void)
{
	struct load_stat *st = calloc(1, sizeof(*st));

	if (st) {
		pc_sample_init(&st->s[0]);
		pc_sample_init(&st->s[1]);
	}
	return st;
}

int load_stat__read(struct load_stat *st)
{
	int nxt = st->nread ? !st->cur : st->cur, rc = read_stat(&st->s[nxt]);

	if (rc)
		return rc;
	st->cur = nxt;
	st->nread++;
	return 0;
}

/* CPU cpu's (the machine's: -1) shares between the last two reads; -1 when not known. */
static int stat_cpu(const struct load_stat *st, int cpu, struct exp_cpu *c)
{
	const struct pc_table *a = &st->s[!st->cur].t[PC_G_CPU], *b = &st->s[st->cur].t[PC_G_CPU];
	char key[16];
	int row;

	if (st->nread < 2)
		return -1;
	if (cpu < 0)
		snprintf(key, sizeof(key), "all");
	else
		snprintf(key, sizeof(key), "%d", cpu);
	row = pc_table_find(b, key);
	return row < 0 || exp_cpu(a, b, (uint32_t)row, c) ? -1 : 0;
}

double load_stat__busy(const struct load_stat *st, int cpu)
{
	struct exp_cpu c;

	return stat_cpu(st, cpu, &c) ? NAN : c.usr + c.nice + c.sys;
}

double load_stat__steal(const struct load_stat *st, int cpu)
{
	struct exp_cpu c;

	return stat_cpu(st, cpu, &c) ? NAN : c.steal;
}

void load_stat__close(struct load_stat *st)
{
	if (!st)
		return;
	pc_sample_free(&st->s[0]);
	pc_sample_free(&st->s[1]);
	free(st);
}

double load_stat__hz(void)
{
	struct timespec res;

	/* The coarse clocks advance once a jiffy: their resolution is the tick. */
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || (!res.tv_sec && !res.tv_nsec))
		return 0;
	return 1e9 / ((double)res.tv_sec * 1e9 + (double)res.tv_nsec);
}

int load_cpu__background(uint64_t ns, double *pct)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
	struct load_stat *st = load_stat__open();
	int rc = st ? load_stat__read(st) : -ENOMEM;

	if (!rc) {
		nanosleep(&ts, NULL);
		rc = load_stat__read(st);
	}
	if (!rc) {
		*pct = load_stat__busy(st, -1);
		rc = isnan(*pct) ? -ENODATA : 0;
	}
	load_stat__close(st);
	return rc;
}

static uint64_t total_units(const struct load_cpu *l)
{
	uint64_t u = 0;

	for (uint32_t i = 0; i < l->nw; i++)
		u += load_cpu__units(l, i);
	return u;
}

int load_cpu__measure(const struct load_cpu_opts *o, uint64_t step_ns, unsigned passes, double *got,
		      const volatile int *stop, void (*progress)(unsigned pass, unsigned level))
{
	uint32_t n = PC_LOAD_LEVELS * passes, nw = o->nworkers;
	uint64_t *end = calloc(n ? n : 1, sizeof(*end)), t0;
	double *pct = calloc((size_t)n * nw + 1, sizeof(*pct));
	struct load_cpu *l = NULL;
	int rc = -ENOMEM;

	if (!passes || step_ns < 10000000ull) {
		rc = -EINVAL;
		goto cleanup;
	}
	if (!end || !pct)
		goto cleanup;
	for (uint32_t k = 0; k < n; k++) {
		end[k] = (k + 1) * step_ns;
		for (uint32_t w = 0; w < nw; w++)
			pct[(size_t)k * nw + w] = 100.0 / PC_LOAD_LEVELS * (k % PC_LOAD_LEVELS + 1);
	}
	struct load_sched s = {.n = n, .nworkers = nw, .end_ns = end, .pct = pct};
	t0 = pc_now_mono() + 50000000ull;
	l = load_cpu__start(o, &s, t0);
	if (!l) {
		rc = -errno;
		goto cleanup;
	}
	for (uint32_t k = 0; k < n; k++) {
		uint64_t beg = t0 + k * step_ns + step_ns / 5, fin = t0 + (k + 1) * step_ns, u0;
		if (stop && *stop) {
			rc = -EINTR;
			goto cleanup;
		}
		if (progress)
			progress(k / PC_LOAD_LEVELS, k % PC_LOAD_LEVELS);
		sleep_until(beg);
		u0 = total_units(l);
		sleep_until(fin);
		got[k] = (double)(total_units(l) - u0) / ((double)(fin - beg) / 1e9);
	}
	rc = 0;
cleanup:
	load_cpu__stop(l);
	free(end);
	free(pct);
	return rc;
}
