/* SPDX-License-Identifier: MIT */
/*
 * report.h: what the two halves of mode html share: the hosts and their
 * series gathered by export_html.c, written out as one page by
 * report_write.c (docs/REPORT.md says what the page shows).
 */
#ifndef PC_REPORT_H
#define PC_REPORT_H

#include "export_int.h"
#include "report_int.h"

/* One series of one host: chart id ("cpu", "disk:sda", ...) and label within the chart. */
struct rh_series {
	char chart[PC_KEY_MAX + 8];
	char label[PC_KEY_MAX];
	struct rs_vec v; /* one value per interval of the host, NaN = none */
};

enum { RH_HEAT_RUNQ, RH_HEAT_BLK, RH_HEAT_BUSY, RH_HEAT_N };
#define RH_MAX_HEAT_ROWS 256

struct rh_host {
	struct pc_sysinfo si;
	uint64_t first_ns; /* the first sample (the intervals start after it) */
	uint64_t *t;	   /* end of each interval, ns */
	size_t n, tcap;
	struct rh_series *s;
	size_t ns, scap, hint;
	unsigned ncgroups;
	struct rs_heat heat[RH_HEAT_N];
};

struct rh {
	struct exp_file f; /* first: exp_single_open */
	struct rh_host *h;
	size_t nh;
};

struct rh_series *rh_series_get(struct rh_host *h, const char *chart, const char *label);
struct rh_series *rh_series_find(struct rh_host *h, const char *chart, const char *label);
/* The page: head, uPlot and the report's own script and style, the data. */
int rh_write(const struct rh *r, FILE *f);

/* Embedded at build time (Makefile: scripts/embed.sh). */
extern const char pc_asset_uplot_js[], pc_asset_uplot_css[], pc_asset_report_js[],
    pc_asset_report_css[];

#endif
