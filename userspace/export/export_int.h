/* SPDX-License-Identifier: MIT */
/*
 * export_int.h: what the exporters (userspace/export/export_*.c) share and nobody
 * else needs: the export object, the per-mode operations the dispatcher
 * calls, and the one implementation of every derived quantity (sar's CPU
 * percentages, kbmemused, disk and interface rates, the whole-disk rule,
 * percentiles of a log2 histogram), the number formatter and the output
 * files that appear only when complete (temp name + rename).
 */
#ifndef PC_EXPORT_INT_H
#define PC_EXPORT_INT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "pc/export.h"
#include "pc/io.h"
#include "pc/sample.h"
#include "pc/sysinfo.h"

struct pc_export;

struct exp_ops {
	int (*open)(struct pc_export *x, char *err, size_t errlen);
	/* Every sample in order, the first included (optional). */
	int (*sample)(struct pc_export *x, const struct pc_sample *s);
	/* One interval prev -> cur of itv seconds (> 0); NULL for modes without intervals. */
	int (*interval)(struct pc_export *x, const struct pc_sample *prev,
			const struct pc_sample *cur, double itv);
	/* Make the output final; 0 or negative errno with err filled. */
	int (*commit)(struct pc_export *x, char *err, size_t errlen);
	/* The next samples are another host's, x->si its sysinfo (optional: else refused). */
	int (*host)(struct pc_export *x);
	/* Throw away everything written; must leave earlier outputs untouched. */
	void (*abort)(struct pc_export *x);
};

struct pc_export {
	enum pc_export_mode mode;
	const struct exp_ops *ops;
	struct pc_sysinfo si;
	char out[PATH_MAX];
	/*
	 * The previous sample, except that a group the newest sample did not
	 * carry (a source the collector reads less often than every tick) keeps
	 * its table from the last sample that had it, of time group_ns[g].
	 */
	struct pc_sample prev;
	uint64_t group_ns[PC_G_MAX];
	int have_prev;
	uint64_t nsamples, nintervals;
	uint64_t first_ns, last_ns;
	unsigned long skipped; /* samples not after their predecessor */
	void *priv;
};

extern const struct exp_ops exp_sar_ops, exp_json_ops, exp_summary_ops, exp_raw_ops, exp_html_ops,
    exp_fn_ops;

/* export__open with x->priv set before the mode's open (which may replace it). */
struct pc_export *exp_open_priv(enum pc_export_mode mode, const char *out,
				const struct pc_sysinfo *si, void *priv, char *err, size_t errlen);

/* A file that gets its final name only when complete ("-" = stdout). */
struct exp_file {
	struct io_replace r; /* base/io.c: a device or FIFO is written in place */
	FILE *f;
	int is_stdout;
};
int exp_file_open(struct exp_file *ef, const char *path, char *err, size_t errlen);
int exp_file_commit(struct exp_file *ef, char *err, size_t errlen);
void exp_file_abort(struct exp_file *ef);

/*
 * Exporters whose private state (x->priv) begins with their one output
 * file: allocate size zeroed bytes and open x->out; make it final (or throw
 * it away) and free the state.
 */
int exp_single_open(struct pc_export *x, size_t size, char *err, size_t errlen);
int exp_single_commit(struct pc_export *x, char *err, size_t errlen);
void exp_single_abort(struct pc_export *x);

/* Go's shortest round-trip formatting ("0", "100", "24153.6"); NaN/Inf as "NaN". */
char *exp_fmt(char buf[40], double v);
void exp_putd(FILE *f, double v);
/* A CSV field: as is, or RFC 4180-quoted when it holds , " CR or LF (mount points may). */
void exp_put_csv(FILE *f, const char *s);
/* 2026-01-09T16:46:10.000Z */
char *exp_iso8601(char buf[32], uint64_t time_ns);

/*
 * Seconds from the sample group g was last seen in (x->prev) to cur: the
 * interval of g's rates; the sample's own interval when no earlier sample
 * had g (rows that count from zero, like exited tasks, start there).
 */
double exp_itv(const struct pc_export *x, const struct pc_sample *cur, int g);
/* Row of prev with the same key as row `row` of cur (same index tried first); NULL if none. */
/* The same, or a row of zeros for a row new in cur (groups whose rows start at zero). */
const uint64_t *exp_prev_or_zero(const struct pc_table *prev, const struct pc_table *cur,
				 uint32_t row);
const uint64_t *exp_prev_row(const struct pc_table *prev, const struct pc_table *cur, uint32_t row);

/* sar -u / -P ALL for one CPU row of cur. 0, -ENOENT (no previous row) or -ERANGE (went back). */
struct exp_cpu {
	double usr, nice, sys, iowait, steal, idle;
};
int exp_cpu(const struct pc_table *prev, const struct pc_table *cur, uint32_t row,
	    struct exp_cpu *o);

/* sar -r from one meminfo table; -ENOENT without MemTotal. */
struct exp_mem {
	uint64_t total, free, avail, buffers, cached, slab, commit, swap_total, active, inact,
	    dirty, used;
	double pct_used, pct_commit;
};
int exp_mem(const struct pc_table *mem, struct exp_mem *o);

/* sar -d per second; -ENOENT when the device is new (no previous row). */
struct exp_disk {
	double tps, rtps, wtps, dtps, rsect, wsect, dsect;
};
int exp_disk(const struct pc_table *prev, const struct pc_table *cur, uint32_t row, double itv,
	     struct exp_disk *o);
/* Current rd_ios+wr_ios+dc_ios == 0: sar leaves the device out. */
int exp_disk_idle(const struct pc_table *cur, uint32_t row);
/* A whole disk (not a partition, loop, ram, zram, dm- or md device): see docs/EXPORT.md. */
int exp_disk_whole(const struct pc_table *cur, uint32_t row);

/* sar -n DEV per second; -ENOENT when the interface is new. */
struct exp_net {
	double rxpck, txpck, rxbyt, txbyt, rxcmp, txcmp, rxmcst, ifutil;
};
int exp_net(const struct pc_table *prev, const struct pc_table *cur, uint32_t row, double itv,
	    struct exp_net *o);

/* Percentile q (0..1) of a log2 histogram (bucket i = [2^i, 2^(i+1)) us); 0 when empty. */
double exp_hist_pct(const uint64_t *bucket, unsigned n, double q);

/* Increment of column col between two rows, per second. */
static inline double exp_rate(const uint64_t *prev, const uint64_t *cur, unsigned col, double itv)
{
	return (double)pc_counter_delta(prev[col], cur[col]) / itv;
}

/* Increment of a column of CPU nanoseconds, as % of one core over itv seconds. */
static inline double exp_cpu_pct(const uint64_t *prev, const uint64_t *cur, unsigned col,
				 double itv)
{
	return exp_rate(prev, cur, col, itv) / 1e7;
}

/* One interval of a cumulative log2 histogram stored at columns b0.., count, sum. */
struct exp_hist {
	uint64_t d[PC_HIST_BUCKETS]; /* bucket increments */
	double count_s, avg_us, p50, p90, p99;
};
void exp_hist(const uint64_t *prev, const uint64_t *cur, unsigned b0, unsigned count, unsigned sum,
	      double itv, struct exp_hist *o);

/* A timestamp column: unix seconds, with milliseconds when time_ns is not a whole second. */
void exp_put_ts(FILE *f, uint64_t time_ns);

/* The eBPF CSV files of csv mode (bpf/cpu, bpf/runq, bpf/blk, bpf/cgroup, bpf/proc). */
enum { BX_CPU, BX_RUNQ, BX_BLK, BX_CGROUP, BX_PROC, BX_EXITED, BX_N };
struct exp_bpf_csv {
	int open; /* files exist once an interval carried eBPF groups */
	struct exp_file f[BX_N];
};
/* One interval's rows; each group's rates over its own interval (exp_itv). */
int exp_bpf_csv_interval(struct exp_bpf_csv *b, const struct pc_export *x,
			 const struct pc_sample *prev, const struct pc_sample *cur);
int exp_bpf_csv_flush(struct exp_bpf_csv *b, char *err, size_t errlen);
int exp_bpf_csv_commit(struct exp_bpf_csv *b, char *err, size_t errlen);
void exp_bpf_csv_abort(struct exp_bpf_csv *b);

/* host.csv: one row's values (NaN = not available), shared with summary mode. */
enum {
	H_CPU_USER,
	H_CPU_SYSTEM,
	H_CPU_IOWAIT,
	H_CPU_IDLE,
	H_CPU_STEAL,
	H_MEM_TOTAL,
	H_MEM_USED,
	H_MEM_AVAIL,
	H_MEM_BUFFERS,
	H_MEM_CACHED,
	H_DISK_RD_BYTES,
	H_DISK_WR_BYTES,
	H_DISK_RD_OPS,
	H_DISK_WR_OPS,
	H_NET_RX_BYTES,
	H_NET_TX_BYTES,
	H_NET_RX_PKTS,
	H_NET_TX_PKTS,
	H_NCOLS, /* the fixed columns; the exp_srcs' host columns follow, up to H_MAX */
	H_MAX = PC_HOST_MAXCOLS
};
_Static_assert(H_NCOLS == PC_HOST_NCOLS, "host.csv columns");
/* How many columns host.csv has: H_NCOLS plus those of exp_srcs. */
unsigned exp_host_ncols(void);
void exp_host_compute(const struct pc_export *x, const struct pc_sample *prev,
		      const struct pc_sample *cur, double itv, double v[H_MAX]);
void exp_host_header(FILE *f);
void exp_host_row(FILE *f, uint64_t time_ns, const double v[H_MAX]);

/*
 * The exporters of sources added through the registry (docs/ARCHITECTURE.md,
 * export_src.c): each reads the one row of its group and exports per-second
 * rates of some of its counters, over the group's own interval (exp_itv).
 * Each value has a column in the source's CSV tree file (sar's name), a key
 * in its JSON member, and, when host is set, a host.csv column (after the
 * fixed ones, in table order); summary lines average and peak some of them.
 * The mode files loop over exp_srcs: a new source adds rows in export_src.c
 * and nowhere else in export/.
 */
struct exp_src_col {
	const char *csv, *json, *host; /* host NULL: not in host.csv */
	unsigned col;		       /* the group's counter */
};
struct exp_src_sum {
	const char *label; /* as the summary prints it */
	unsigned val;	   /* index into the source's cols */
};
struct exp_src {
	int g;
	const char *file; /* CSV tree file, e.g. "proc/net/snmp" */
	const char *json; /* JSON member */
	unsigned n;
	const struct exp_src_col *cols;
	unsigned nsum;
	const struct exp_src_sum *sum;
};
/* Rows of exp_srcs, values of one source, summary lines of all sources. */
#define EXP_SRC_MAX    8
#define EXP_SRC_MAXV   32
#define EXP_SRC_MAXSUM 16
extern const struct exp_src *const exp_srcs[]; /* NULL-terminated */
/* One interval's values of src into v[src->n]; -ENOENT when cur or prev lacks its row. */
int exp_src_values(const struct pc_export *x, const struct pc_sample *prev,
		   const struct pc_sample *cur, const struct exp_src *src, double *v);

#endif
