// SPDX-License-Identifier: MIT
/*
 * export_src.c: the exporters of sources added through the registry
 * (export_int.h, struct exp_src): which counters of a one-row group become
 * which per-second rates, under which names in the CSV tree, JSON, host.csv
 * and the summary. The formulas are sar's: the counter's increment over the
 * interval (pc_counter_delta) divided by the interval, the group's own when
 * it is read less often than every tick (exp_itv).
 */
#include <errno.h>

#include "export_int.h"

const struct exp_src *const exp_srcs[] = {
    NULL,
};

int exp_src_values(const struct pc_export *x, const struct pc_sample *prev,
		   const struct pc_sample *cur, const struct exp_src *src, double *v)
{
	const struct pc_table *p = &prev->t[src->g], *c = &cur->t[src->g];
	const uint64_t *pv, *cv = pc_table_row(c, 0);
	double itv = exp_itv(x, cur, src->g);

	if (!cv || !(pv = exp_prev_row(p, c, 0)) || !(itv > 0))
		return -ENOENT;
	for (unsigned i = 0; i < src->n; i++)
		v[i] = exp_rate(pv, cv, src->cols[i].col, itv);
	return 0;
}
