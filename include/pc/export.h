/* SPDX-License-Identifier: MIT */
/*
 * Exporters: the one place where raw counters become rates, percentages and
 * units. Each consumes a stream of samples of one host and run in time order
 * (export__add), using the previous sample for deltas, so memory stays flat
 * however long the run.
 *
 *  - pcprocess tree (mode csv): proc/stat, proc/meminfo, proc/net/dev,
 *    proc/diskstats, statfs_ALL, system_info.json under a directory, with
 *    pcprocess's headers and sar's formulas; plus host.csv (the second
 *    seed's table: ISO 8601, %, MB, bytes/s, ops/s, pkt/s).
 *  - json: one object of computed values per interval, one per line.
 *  - summary: averages and peaks for a person (make run).
 *  - raw: every sample as stored, raw counters, one JSON object per line
 *    (pc_json_write_sample; docs/FORMAT.md).
 *  - html: one self-contained report file (charts, percentile tables,
 *    comparison) of one or more hosts (export__host; docs/REPORT.md).
 */
#ifndef PC_EXPORT_H
#define PC_EXPORT_H

#include <stdio.h>

#include "pc/sample.h"
#include "pc/sysinfo.h"

enum pc_export_mode {
	PC_EXPORT_CSV,
	PC_EXPORT_JSON,
	PC_EXPORT_SUMMARY,
	PC_EXPORT_RAW,
	PC_EXPORT_HTML,
	PC_EXPORT_FN
};

struct pc_export;

/* out: a directory for csv (created), a file or "-" for json and summary. */
struct pc_export *export__open(enum pc_export_mode mode, const char *out,
			       const struct pc_sysinfo *si, char *err, size_t errlen);
int export__add(struct pc_export *x, const struct pc_sample *s);
/*
 * The samples that follow are another host's (or another input's), from its
 * start: deltas begin anew. Only mode html keeps several hosts apart; the
 * others refuse with -EINVAL.
 */
int export__host(struct pc_export *x, const struct pc_sysinfo *si);
/* Flush and close; 0 or negative errno; err says what failed. */
int export__close(struct pc_export *x, char *err, size_t errlen);
/* Give up: remove what was written; outputs of earlier runs stay as they were. */
void export__abort(struct pc_export *x);

/*
 * The computed values of one interval handed to a function instead of a file:
 * what the stores (include/pc/store.h: PostgreSQL, remote-write) write. The
 * numbers are those of the csv and json modes, from the same helpers.
 */
#define PC_HOST_NCOLS 18
/* host.csv's columns after timestamp, in its order (cpu_user .. net_tx_packets). */
extern const char *const pc_host_cols[PC_HOST_NCOLS];
/* host.csv's columns at most: the fixed ones, then those of the registry's sources. */
#define PC_HOST_MAXCOLS 64
/* How many columns host.csv has after timestamp, and the name of column i (NULL past them). */
unsigned export__host_ncols(void);
const char *export__host_col(unsigned i);

struct pc_iv_cpu { /* one /proc/stat row ("all", "0", ...), % as sar -P */
	const char *cpu;
	double usr, nice, sys, iowait, steal, idle;
};
struct pc_iv_disk { /* sar -d, per second; whole: counted in host.csv's disk columns */
	const char *dev;
	int whole;
	double tps, rtps, wtps, dtps, rd_bytes, wr_bytes, dc_bytes;
};
struct pc_iv_net { /* sar -n DEV, per second */
	const char *iface;
	double rxpck, txpck, rxbyt, txbyt, rxcmp, txcmp, rxmcst, ifutil;
};
struct pc_iv_hist { /* an eBPF latency histogram: "runq", or a disk of bpf/blk */
	const char *name;
	double count_s, avg_us, p50, p90, p99;
	uint64_t d[PC_HIST_BUCKETS]; /* bucket increments */
};

struct pc_iv_container { /* one containers.csv row (docs/CONTAINERS.md); NaN = empty cell */
	const char *runtime, *id, *name; /* name: the recorded one, else the short id */
	double cpu_pct, cpu_user_pct, cpu_system_pct; /* NaN on a container's first row */
	uint64_t mem_current, mem_max;		      /* mem_max 0: no limit */
	double mem_pct;				      /* NaN without a limit */
	uint64_t io_read_bytes, io_write_bytes, io_read_ops, io_write_ops, pids;
	/* From eBPF (NaN without it, on a first row, or where a counter went back). */
	double cpu_ebpf_pct, runq_wait_pct, runq_wait_avg_us;
	const uint64_t *raw; /* the row's raw counters (PC_CT_*, pc/sample_container.h) */
};

/*
 * prev NULL: a sample without an interval (the first of a stream) that carries
 * containers: only ct and nct are set, itv is 0 and host is all NaN.
 */
struct pc_interval {
	const struct pc_sample *prev, *cur; /* raw counters (prev: the export's baseline) */
	double itv;			    /* seconds */
	double host[PC_HOST_MAXCOLS];	    /* host.csv's row (export__host_col); NaN = none */
	const struct pc_iv_cpu *cpu;
	const struct pc_iv_disk *disk;
	const struct pc_iv_net *net;
	const struct pc_iv_hist *hist;
	const struct pc_iv_container *ct; /* containers.csv's rows of cur */
	uint32_t ncpu, ndisk, nnet, nhist, nct;
};

/* Return 0, or a negative errno that export__add passes on. */
typedef int (*pc_interval_fn)(void *ctx, const struct pc_interval *iv);
/* An export whose output is fn(ctx, interval) for every interval; NULL with errno. */
struct pc_export *export__open_fn(pc_interval_fn fn, void *ctx, const struct pc_sysinfo *si);

#endif
