// SPDX-License-Identifier: MIT
/*
 * observe.c: perfreplay's CPU measurement at each interval's end, by
 * observers that do not ask the generator:
 *  - the workers' thread CPU clocks (the kernel's runtime of each task, read
 *    from this thread): cpu_pct, workerN;
 *  - the cgroup's accounting of the workers' group (exact, the workers only):
 *    cpu_pct_cgroup, machine_pct_cgroup and, per CPU, cpuN_cgroup
 *    (cpuacct.usage_percpu on v1; v2 and affinity have no per-CPU figure,
 *    there the workers' thread clocks on that CPU stand in);
 *  - /proc/stat, what sar, top and node_exporter read (sampled at every tick
 *    on a tick-accounting kernel, and counting everything that ran):
 *    machine_pct_stat, cpuN_stat, beside the noise tick sampling alone
 *    would give what ran (fidelity__tick_noise of the targets plus the
 *    other work);
 *  - beside them, the other work: every task's exact CPU time per CPU (the
 *    v1 cpuacct root) less the workers', i.e. what else /proc/stat counted;
 *    and the time the hypervisor gave the CPU to another guest (steal, from
 *    /proc/stat): no task's runtime grows then, the workers' included.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pc/cgroup.h"
#include "pc/fidelity.h"
#include "pc/log.h"
#include "pc/ticker.h"
#include "replay.h"

int observe__open(struct observe *o, uint32_t nw, const int *wcpu, const struct pc_cgroup *cg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t ns;

	memset(o, 0, sizeof(*o));
	o->ncpu = n > 0 ? (uint32_t)n : 1;
	for (uint32_t w = 0; w < nw; w++)
		if (wcpu[w] >= 0 && (uint32_t)wcpu[w] >= o->ncpu)
			o->ncpu = (uint32_t)wcpu[w] + 1;
	o->nw = nw, o->wcpu = wcpu, o->cg = cg;
	o->hz = load_stat__hz();
	o->user_hz = (double)sysconf(_SC_CLK_TCK);
	o->st = load_stat__open();
	o->w_prev = calloc(nw, sizeof(*o->w_prev));
	o->w_cur = calloc(nw, sizeof(*o->w_cur));
	o->w_t = calloc(nw, sizeof(*o->w_t));
	o->w_a = calloc(nw, sizeof(*o->w_a));
	o->pc_prev = calloc(o->ncpu, sizeof(*o->pc_prev));
	o->pc_cur = calloc(o->ncpu, sizeof(*o->pc_cur));
	o->mx_prev = calloc(o->ncpu, sizeof(*o->mx_prev));
	o->mx_cur = calloc(o->ncpu, sizeof(*o->mx_cur));
	o->c_ot = calloc(o->ncpu, sizeof(*o->c_ot));
	o->c_ran = calloc(o->ncpu, sizeof(*o->c_ran));
	o->c_t = calloc(o->ncpu, sizeof(*o->c_t));
	o->c_cg = calloc(o->ncpu, sizeof(*o->c_cg));
	o->c_st = calloc(o->ncpu, sizeof(*o->c_st));
	o->c_noise = calloc(o->ncpu, sizeof(*o->c_noise));
	o->c_sl = calloc(o->ncpu, sizeof(*o->c_sl));
	if (!o->st || !o->w_prev || !o->w_cur || !o->w_t || !o->w_a || !o->pc_prev || !o->pc_cur ||
	    !o->c_t || !o->mx_prev || !o->mx_cur || !o->c_ot || !o->c_cg || !o->c_st ||
	    !o->c_noise || !o->c_sl || !o->c_ran)
		return -ENOMEM;
	/* What the group can say: a total (v1, v2), per CPU (v1), or nothing (affinity). */
	o->cg_ok = cg && !cgroup__usage_ns(cg, &ns);
	o->pc_ok = cg && cgroup__usage_percpu_ns(cg, o->pc_prev, (int)o->ncpu) >= (int)o->ncpu;
	o->mx_ok =
	    o->pc_ok && cgroup__machine_percpu_ns(cg, o->mx_prev, (int)o->ncpu) >= (int)o->ncpu;
	o->pcpu_src = o->pc_ok ? "cpuacct.usage_percpu" : "the workers' thread clocks";
	return 0;
}

void observe__free(struct observe *o)
{
	load_stat__close(o->st);
	free(o->w_prev);
	free(o->w_cur);
	free(o->w_t);
	free(o->w_a);
	free(o->pc_prev);
	free(o->pc_cur);
	free(o->mx_prev);
	free(o->mx_cur);
	free(o->c_ot);
	free(o->c_ran);
	free(o->c_t);
	free(o->c_cg);
	free(o->c_st);
	free(o->c_noise);
	free(o->c_sl);
	memset(o, 0, sizeof(*o));
}

/* Every counter at once, into the _prev slots (baseline) or the current ones. */
static void read_all(struct observe *o, uint64_t *w, uint64_t *cg, uint64_t *pc, uint64_t *mx)
{
	for (uint32_t i = 0; i < o->nw; i++)
		w[i] = load_cpu__cpu_ns(o->cpu, i);
	if (o->cg_ok && cgroup__usage_ns(o->cg, cg))
		o->cg_ok = 0;
	if (o->pc_ok && cgroup__usage_percpu_ns(o->cg, pc, (int)o->ncpu) < (int)o->ncpu)
		o->pc_ok = 0;
	if (o->mx_ok && cgroup__machine_percpu_ns(o->cg, mx, (int)o->ncpu) < (int)o->ncpu)
		o->mx_ok = 0;
	o->read_ns = pc_now_mono(); /* a preemption before here moves the read instant */
	if (load_stat__read(o->st))
		log_debug("/proc/stat: cannot read");
}

void observe__start(struct observe *o, const struct load_cpu *l)
{
	o->cpu = l;
	read_all(o, o->w_prev, &o->cg_prev, o->pc_prev, o->mx_prev);
}

/* What each CPU and the machine should have been. */
static void targets(struct observe *o, const double *wpct)
{
	double sum = 0;

	memset(o->c_t, 0, o->ncpu * sizeof(*o->c_t));
	for (uint32_t w = 0; w < o->nw; w++)
		if (o->wcpu[w] >= 0)
			o->c_t[o->wcpu[w]] = fmin(100, o->c_t[o->wcpu[w]] + wpct[w]);
	for (uint32_t c = 0; c < o->ncpu; c++)
		sum += o->c_t[c];
	o->m_t = sum / o->ncpu;
}

/* The noise tick sampling alone gives what ran: the targets and, where known, the other work. */
static void noise(struct observe *o, double dt)
{
	double *ran = o->c_ran;

	for (uint32_t c = 0; c < o->ncpu; c++) {
		ran[c] = fmin(100, o->c_t[c] + (isnan(o->c_ot[c]) ? 0 : o->c_ot[c]));
		o->c_noise[c] = fidelity__tick_noise(&ran[c], 1, dt, o->hz, o->user_hz);
	}
	o->m_noise = fidelity__tick_noise(ran, o->ncpu, dt, o->hz, o->user_hz);
}

void observe__interval(struct observe *o, const double *wpct, double dt)
{
	uint64_t *w = o->w_cur, cg = 0;
	double sum_t = 0, sum_a = 0, pct = 100 / dt / 1e9, m_cg = 0, m_ot = 0;

	read_all(o, w, &cg, o->pc_cur, o->mx_cur);
	targets(o, wpct);
	memset(o->c_cg, 0, o->ncpu * sizeof(*o->c_cg));
	for (uint32_t i = 0; i < o->nw; i++) {
		o->w_t[i] = wpct[i];
		o->w_a[i] = (double)(w[i] - o->w_prev[i]) * pct;
		o->w_prev[i] = w[i];
		sum_t += o->w_t[i], sum_a += o->w_a[i];
		if (!o->pc_ok && o->wcpu[i] >= 0)
			o->c_cg[o->wcpu[i]] += o->w_a[i];
	}
	o->cpu_t = sum_t / o->nw, o->cpu_a = sum_a / o->nw;
	o->cpu_cg = o->m_cg = NAN;
	if (o->cg_ok) {
		o->cpu_cg = (double)(cg - o->cg_prev) * pct / o->nw;
		o->m_cg = (double)(cg - o->cg_prev) * pct / o->ncpu;
		o->cg_prev = cg;
	}
	for (uint32_t c = 0; c < o->ncpu; c++) {
		if (o->pc_ok) {
			o->c_cg[c] = (double)(o->pc_cur[c] - o->pc_prev[c]) * pct;
			o->pc_prev[c] = o->pc_cur[c];
		}
		o->c_ot[c] = NAN;
		if (o->mx_ok) {
			o->c_ot[c] =
			    fmax(0, (double)(o->mx_cur[c] - o->mx_prev[c]) * pct - o->c_cg[c]);
			o->mx_prev[c] = o->mx_cur[c];
		}
		m_cg += o->c_cg[c], m_ot += o->c_ot[c];
		o->c_st[c] = load_stat__busy(o->st, (int)c);
		o->c_sl[c] = load_stat__steal(o->st, (int)c);
	}
	if (!o->cg_ok)
		o->m_cg = m_cg / o->ncpu; /* no group figure: the per-CPU one, summed */
	o->m_ot = m_ot / o->ncpu;
	o->m_st = load_stat__busy(o->st, -1);
	noise(o, dt);
}
