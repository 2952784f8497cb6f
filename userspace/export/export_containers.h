/* SPDX-License-Identifier: MIT */
/*
 * export_containers.h: containers.csv and container_names.json of csv mode
 * (userspace/export/export_containers.c), for export_sar.c. Private to
 * userspace/export/ and its tests.
 */
#ifndef PC_EXPORT_CONTAINERS_H
#define PC_EXPORT_CONTAINERS_H

#include <stddef.h>
#include <stdio.h>

#include "pc/export.h"
#include "pc/sample.h"

/*
 * containers.csv's values, for every consumer (the file below, the stores'
 * export__open_fn): every sample in order, the first included; fn(ctx, idx,
 * row) for each container row of s, idx the container's number (0, 1, ... in
 * order of first sight, never changing); the row's strings stay valid until
 * exp_ct_free. *t is made at the first sample with containers. 0, -ENOMEM or
 * fn's non-zero return.
 */
struct exp_ct;
typedef int (*exp_ct_fn)(void *ctx, size_t idx, const struct pc_iv_container *row);
int exp_ct_sample(struct exp_ct **t, const struct pc_sample *s, exp_ct_fn fn, void *ctx);
void exp_ct_free(struct exp_ct *t);

struct exp_ct_csv;

/*
 * Every sample in order, the first included. The state is made (*c, NULL at
 * first) at the first sample that carries containers, so a collection
 * without any gets neither file. dir is the output directory.
 */
int exp_ct_csv_sample(struct exp_ct_csv **c, const char *dir, const struct pc_sample *s, char *err,
		      size_t errlen);
/* Write both files under their temporary names; 0 or negative errno with err. */
int exp_ct_csv_flush(struct exp_ct_csv *c, char *err, size_t errlen);
/* Give them their final names and free c (NULL is fine). */
int exp_ct_csv_commit(struct exp_ct_csv *c, char *err, size_t errlen);
void exp_ct_csv_abort(struct exp_ct_csv *c);

/* Bytes of rows kept in memory before they go to a spill file (16 MiB; tests lower it). */
extern size_t exp_ct_csv_spill_at;

/* Summary mode: CPU (average, peak, % of one core) and peak memory per container. */
/*
 * Whether a container row carries the eBPF join (cpu_ns, run-queue wait):
 * the collector had the sched program and found the container's v2 cgroup.
 */
int exp_ct_has_ebpf(const uint64_t *v);

struct exp_ct_sum;
/* One interval of itv seconds (the group's own: exp_itv); 0 or -ENOMEM. */
int exp_ct_sum_interval(struct exp_ct_sum **s, const struct pc_sample *ps,
			const struct pc_sample *cs, double itv);
/* The lines for the summary (nothing without containers), busiest first; then frees s. */
void exp_ct_sum_print(struct exp_ct_sum *s, FILE *f);
void exp_ct_sum_free(struct exp_ct_sum *s);

#endif
