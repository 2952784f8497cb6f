/* SPDX-License-Identifier: MIT */
/*
 * bench_site.h: what the journal benchmarks (journal_append.c, journal_day.c)
 * share: the development site identity their journals are written with, and
 * a monotonic clock in seconds.
 */
#ifndef PC_BENCH_SITE_H
#define PC_BENCH_SITE_H

#include <time.h>

#include "pc/license.h"

static const struct pc_site bench_site = {.siteid = 1,
					  .sitename = "Evil Corp",
					  .mac = {0x02, 0xfc, 0, 0, 0, 1},
					  .license = "0151-49b3-648e-edcb-6331-01b9"};

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
