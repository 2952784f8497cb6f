// SPDX-License-Identifier: MIT
/*
 * export_host.c: host.csv, the one-table-per-host view of the second seed
 * (timestamp ISO 8601 UTC; CPU in % of the "all" row; memory in MB; disk
 * bytes/s and ops/s summed over whole disks; network bytes/s and pkt/s
 * summed over interfaces other than lo), then the host columns of the
 * sources exported through export_src.c, in table order. The values come from the shared
 * sar helpers so host.csv and the pcprocess tree can never disagree; the
 * summary mode reuses the same computed row.
 */
#include <math.h>
#include <string.h>

#include "export_int.h"

const char *const pc_host_cols[PC_HOST_NCOLS] = {
    "cpu_user",	       "cpu_system",	   "cpu_iowait",     "cpu_idle",       "cpu_steal",
    "mem_total",       "mem_used",	   "mem_available",  "mem_buffers",    "mem_cached",
    "disk_read_bytes", "disk_write_bytes", "disk_read_ops",  "disk_write_ops", "net_rx_bytes",
    "net_tx_bytes",    "net_rx_packets",   "net_tx_packets",
};

unsigned exp_host_ncols(void)
{
	unsigned n = H_NCOLS;

	for (const struct exp_src *const *sp = exp_srcs; *sp; sp++)
		for (unsigned i = 0; i < (*sp)->n; i++)
			n += (*sp)->cols[i].host != NULL;
	return n < H_MAX ? n : H_MAX;
}

/* The exp_srcs' host.csv columns, after the fixed ones. */
static void host_srcs(const struct pc_export *x, const struct pc_sample *prev,
		      const struct pc_sample *cur, double v[H_MAX])
{
	unsigned h = H_NCOLS;
	double sv[EXP_SRC_MAXV];

	for (const struct exp_src *const *sp = exp_srcs; *sp; sp++) {
		int ok = !exp_src_values(x, prev, cur, *sp, sv);

		for (unsigned i = 0; i < (*sp)->n && h < H_MAX; i++)
			if ((*sp)->cols[i].host)
				v[h++] = ok ? sv[i] : NAN;
	}
}

void exp_host_compute(const struct pc_export *x, const struct pc_sample *prev,
		      const struct pc_sample *cur, double itv, double v[H_MAX])
{
	const struct pc_table *pc = &prev->t[PC_G_CPU], *cc = &cur->t[PC_G_CPU];
	const struct pc_table *pd = &prev->t[PC_G_DISK], *cd = &cur->t[PC_G_DISK];
	const struct pc_table *pn = &prev->t[PC_G_NET], *cn = &cur->t[PC_G_NET];
	struct exp_cpu cpu;
	struct exp_mem mem;
	int all;

	for (int i = 0; i < H_MAX; i++)
		v[i] = NAN;
	host_srcs(x, prev, cur, v);
	all = pc_table_find(cc, "all");
	if (all >= 0 && !exp_cpu(pc, cc, (uint32_t)all, &cpu)) {
		v[H_CPU_USER] = cpu.usr + cpu.nice;
		v[H_CPU_SYSTEM] = cpu.sys;
		v[H_CPU_IOWAIT] = cpu.iowait;
		v[H_CPU_IDLE] = cpu.idle;
		v[H_CPU_STEAL] = cpu.steal;
	}
	if (!exp_mem(&cur->t[PC_G_MEM], &mem)) {
		v[H_MEM_TOTAL] = (double)mem.total / 1024;
		v[H_MEM_USED] = (double)mem.used / 1024;
		v[H_MEM_AVAIL] = (double)mem.avail / 1024;
		v[H_MEM_BUFFERS] = (double)mem.buffers / 1024;
		v[H_MEM_CACHED] = (double)mem.cached / 1024;
	}
	if (cd->nrows) {
		v[H_DISK_RD_BYTES] = v[H_DISK_WR_BYTES] = v[H_DISK_RD_OPS] = v[H_DISK_WR_OPS] = 0;
		for (uint32_t r = 0; r < cd->nrows; r++) {
			struct exp_disk d;

			if (!exp_disk_whole(cd, r) || exp_disk(pd, cd, r, itv, &d))
				continue;
			v[H_DISK_RD_BYTES] += d.rsect * 512;
			v[H_DISK_WR_BYTES] += d.wsect * 512;
			v[H_DISK_RD_OPS] += d.rtps;
			v[H_DISK_WR_OPS] += d.wtps;
		}
	}
	if (cn->nrows) {
		v[H_NET_RX_BYTES] = v[H_NET_TX_BYTES] = v[H_NET_RX_PKTS] = v[H_NET_TX_PKTS] = 0;
		for (uint32_t r = 0; r < cn->nrows; r++) {
			struct exp_net n;

			if (!strcmp(cn->key[r], "lo") || exp_net(pn, cn, r, itv, &n))
				continue;
			v[H_NET_RX_BYTES] += n.rxbyt;
			v[H_NET_TX_BYTES] += n.txbyt;
			v[H_NET_RX_PKTS] += n.rxpck;
			v[H_NET_TX_PKTS] += n.txpck;
		}
	}
}

void exp_host_header(FILE *f)
{
	unsigned n = H_NCOLS;

	fputs("timestamp", f);
	for (int i = 0; i < H_NCOLS; i++)
		fprintf(f, ",%s", pc_host_cols[i]);
	for (const struct exp_src *const *sp = exp_srcs; *sp; sp++)
		for (unsigned i = 0; i < (*sp)->n && n < H_MAX; i++)
			if ((*sp)->cols[i].host) {
				fprintf(f, ",%s", (*sp)->cols[i].host);
				n++;
			}
	fputc('\n', f);
}

void exp_host_row(FILE *f, uint64_t time_ns, const double v[H_MAX])
{
	unsigned n = exp_host_ncols();
	char ts[32];

	fputs(exp_iso8601(ts, time_ns), f);
	for (unsigned i = 0; i < n; i++) {
		fputc(',', f);
		/* A group the sample does not have stays empty rather than a made-up 0. */
		if (!isnan(v[i]))
			exp_putd(f, v[i]);
	}
	fputc('\n', f);
}
