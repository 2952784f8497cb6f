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
	PC_EXPORT_HTML
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

#endif
