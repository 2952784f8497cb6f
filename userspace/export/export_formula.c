// SPDX-License-Identifier: MIT
/*
 * export_formula.c: the only place where raw counters become sar's
 * percentages and rates (docs/EXPORT.md): CPU shares, memory in use, disk
 * and interface rates, whole disks, latency histograms and their
 * percentiles. Every export mode, the HTML report and perfreplay's targets
 * use these.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "export_int.h"

/* ---- derived quantities ---- */

const uint64_t *exp_prev_row(const struct pc_table *prev, const struct pc_table *cur, uint32_t row)
{
	int i;

	if (row >= cur->nrows)
		return NULL;
	if (row < prev->nrows && !strcmp(prev->key[row], cur->key[row]))
		return pc_table_row(prev, row);
	i = pc_table_find(prev, cur->key[row]);
	return i < 0 ? NULL : pc_table_row(prev, (uint32_t)i);
}

const uint64_t *exp_prev_or_zero(const struct pc_table *prev, const struct pc_table *cur,
				 uint32_t row)
{
	static const uint64_t zeros[64];
	const uint64_t *p = exp_prev_row(prev, cur, row);

	return p || row >= cur->nrows || cur->ncols > 64 ? p : zeros;
}

static double pct(uint64_t part, uint64_t tot)
{
	return (double)part * 100 / (double)tot;
}

int exp_cpu(const struct pc_table *prev, const struct pc_table *cur, uint32_t row,
	    struct exp_cpu *o)
{
	const uint64_t *p = exp_prev_row(prev, cur, row), *c = pc_table_row(cur, row);
	uint64_t d[PC_CPU_NCOLS], tot;

	if (!p || !c)
		return -ENOENT;
	for (int k = 0; k < PC_CPU_NCOLS; k++)
		d[k] = pc_counter_delta(p[k], c[k]);
	/* guest and guest_nice are already inside user and nice. */
	tot = d[PC_CPU_USER] + d[PC_CPU_NICE] + d[PC_CPU_SYSTEM] + d[PC_CPU_IDLE] +
	      d[PC_CPU_IOWAIT] + d[PC_CPU_IRQ] + d[PC_CPU_SOFTIRQ] + d[PC_CPU_STEAL];
	if (!tot) {
		/* No tick at all (tickless idle CPU): sar shows it idle. */
		*o = (struct exp_cpu){.idle = 100};
		return 0;
	}
	o->usr = d[PC_CPU_USER] > d[PC_CPU_GUEST] ? pct(d[PC_CPU_USER] - d[PC_CPU_GUEST], tot) : 0;
	o->nice = d[PC_CPU_NICE] > d[PC_CPU_GUEST_NICE]
		      ? pct(d[PC_CPU_NICE] - d[PC_CPU_GUEST_NICE], tot)
		      : 0;
	o->sys = pct(d[PC_CPU_SYSTEM] + d[PC_CPU_IRQ] + d[PC_CPU_SOFTIRQ], tot);
	o->iowait = pct(d[PC_CPU_IOWAIT], tot);
	o->steal = pct(d[PC_CPU_STEAL], tot);
	o->idle = pct(d[PC_CPU_IDLE], tot);
	return 0;
}

int exp_mem(const struct pc_table *mem, struct exp_mem *o)
{
	uint64_t notused;
	double den;

	memset(o, 0, sizeof(*o));
	if (pc_table_find(mem, "MemTotal") < 0)
		return -ENOENT;
	o->total = pc_table_get(mem, "MemTotal", PC_KV_VALUE, 0);
	o->free = pc_table_get(mem, "MemFree", PC_KV_VALUE, 0);
	o->avail = pc_table_get(mem, "MemAvailable", PC_KV_VALUE, 0);
	o->buffers = pc_table_get(mem, "Buffers", PC_KV_VALUE, 0);
	o->cached = pc_table_get(mem, "Cached", PC_KV_VALUE, 0);
	o->slab = pc_table_get(mem, "Slab", PC_KV_VALUE, 0);
	o->commit = pc_table_get(mem, "Committed_AS", PC_KV_VALUE, 0);
	o->swap_total = pc_table_get(mem, "SwapTotal", PC_KV_VALUE, 0);
	o->active = pc_table_get(mem, "Active", PC_KV_VALUE, 0);
	o->inact = pc_table_get(mem, "Inactive", PC_KV_VALUE, 0);
	o->dirty = pc_table_get(mem, "Dirty", PC_KV_VALUE, 0);
	/* Saturating sums: hostile values must not wrap into a huge "used". */
	notused = o->free;
	notused = notused + o->buffers < notused ? UINT64_MAX : notused + o->buffers;
	notused = notused + o->cached < notused ? UINT64_MAX : notused + o->cached;
	notused = notused + o->slab < notused ? UINT64_MAX : notused + o->slab;
	o->used = notused < o->total ? o->total - notused : 0;
	o->pct_used = o->total ? pct(o->used, o->total) : 0;
	den = (double)o->total + (double)o->swap_total;
	o->pct_commit = den > 0 ? (double)o->commit * 100 / den : 0;
	return 0;
}

static double rate(uint64_t prev, uint64_t cur, double itv)
{
	return (double)pc_counter_delta(prev, cur) / itv;
}

int exp_disk(const struct pc_table *prev, const struct pc_table *cur, uint32_t row, double itv,
	     struct exp_disk *o)
{
	const uint64_t *p = exp_prev_row(prev, cur, row), *c = pc_table_row(cur, row);

	if (!p || !c)
		return -ENOENT;
	o->rtps = rate(p[PC_DISK_RD_IOS], c[PC_DISK_RD_IOS], itv);
	o->wtps = rate(p[PC_DISK_WR_IOS], c[PC_DISK_WR_IOS], itv);
	o->dtps = rate(p[PC_DISK_DC_IOS], c[PC_DISK_DC_IOS], itv);
	o->tps = o->rtps + o->wtps + o->dtps;
	o->rsect = rate(p[PC_DISK_RD_SECTORS], c[PC_DISK_RD_SECTORS], itv);
	o->wsect = rate(p[PC_DISK_WR_SECTORS], c[PC_DISK_WR_SECTORS], itv);
	o->dsect = rate(p[PC_DISK_DC_SECTORS], c[PC_DISK_DC_SECTORS], itv);
	return 0;
}

int exp_disk_idle(const struct pc_table *cur, uint32_t row)
{
	const uint64_t *c = pc_table_row(cur, row);

	return !c || (!c[PC_DISK_RD_IOS] && !c[PC_DISK_WR_IOS] && !c[PC_DISK_DC_IOS]);
}

/* name = parent + digits, or parent + 'p' + digits (nvme0n1p1, mmcblk0p2). */
static int is_partition_of(const char *name, const char *parent)
{
	size_t n = strlen(parent);
	const char *s;

	if (strncmp(name, parent, n) || !name[n])
		return 0;
	s = name + n;
	if (*s == 'p' && s[1])
		s++;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int exp_disk_whole(const struct pc_table *cur, uint32_t row)
{
	static const char *const virt[] = {"loop", "ram", "zram", "dm-", "md"};
	const char *name;

	if (row >= cur->nrows)
		return 0;
	name = cur->key[row];
	/* Stacked or memory-backed devices would count the same I/O twice, or no disk at all. */
	for (size_t i = 0; i < sizeof(virt) / sizeof(*virt); i++)
		if (!strncmp(name, virt[i], strlen(virt[i])))
			return 0;
	for (uint32_t j = 0; j < cur->nrows; j++)
		if (j != row && is_partition_of(name, cur->key[j]))
			return 0;
	return 1;
}

int exp_net(const struct pc_table *prev, const struct pc_table *cur, uint32_t row, double itv,
	    struct exp_net *o)
{
	const uint64_t *p = exp_prev_row(prev, cur, row), *c = pc_table_row(cur, row);
	double speed;

	if (!p || !c)
		return -ENOENT;
	o->rxpck = rate(p[PC_NET_RX_PACKETS], c[PC_NET_RX_PACKETS], itv);
	o->txpck = rate(p[PC_NET_TX_PACKETS], c[PC_NET_TX_PACKETS], itv);
	o->rxbyt = rate(p[PC_NET_RX_BYTES], c[PC_NET_RX_BYTES], itv);
	o->txbyt = rate(p[PC_NET_TX_BYTES], c[PC_NET_TX_BYTES], itv);
	o->rxcmp = rate(p[PC_NET_RX_COMPRESSED], c[PC_NET_RX_COMPRESSED], itv);
	o->txcmp = rate(p[PC_NET_TX_COMPRESSED], c[PC_NET_TX_COMPRESSED], itv);
	o->rxmcst = rate(p[PC_NET_RX_MULTICAST], c[PC_NET_RX_MULTICAST], itv);
	o->ifutil = 0;
	speed = (double)c[PC_NET_SPEED] * 1e6; /* bit/s */
	if (speed > 0) {
		/* sar: full duplex is limited by the busier direction, anything else by the sum. */
		double bytes =
		    c[PC_NET_DUPLEX] == 2 ? fmax(o->rxbyt, o->txbyt) : o->rxbyt + o->txbyt;
		o->ifutil = bytes * 8 / speed * 100;
	}
	return 0;
}

double exp_hist_pct(const uint64_t *bucket, unsigned n, double q)
{
	double total = 0, rank, cum = 0;

	for (unsigned i = 0; i < n; i++)
		total += (double)bucket[i];
	if (total <= 0)
		return 0;
	rank = q * total;
	for (unsigned i = 0; i < n; i++) {
		double b = (double)bucket[i], lo = ldexp(1, (int)i), hi = ldexp(1, (int)i + 1);

		if (b > 0 && cum + b >= rank)
			return lo + (hi - lo) * ((rank - cum) / b);
		cum += b;
	}
	return ldexp(1, (int)n);
}

void exp_hist(const uint64_t *prev, const uint64_t *cur, unsigned b0, unsigned count, unsigned sum,
	      double itv, struct exp_hist *o)
{
	uint64_t dc = pc_counter_delta(prev[count], cur[count]);

	for (unsigned i = 0; i < PC_HIST_BUCKETS; i++)
		o->d[i] = pc_counter_delta(prev[b0 + i], cur[b0 + i]);
	o->count_s = (double)dc / itv;
	o->avg_us = dc ? (double)pc_counter_delta(prev[sum], cur[sum]) / (double)dc : 0;
	o->p50 = exp_hist_pct(o->d, PC_HIST_BUCKETS, 0.50);
	o->p90 = exp_hist_pct(o->d, PC_HIST_BUCKETS, 0.90);
	o->p99 = exp_hist_pct(o->d, PC_HIST_BUCKETS, 0.99);
}
