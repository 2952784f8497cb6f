/* SPDX-License-Identifier: MIT */
/*
 * The source registry: every /proc or /sys source declared once, in
 * userspace/collect/sources.c. Each row says where the text comes from, which
 * parser turns it into which groups' rows, how often the sampler reads it,
 * its name in server mode's systems= and in pcc files, and the flag that
 * leaves it out of a tick. procfs (live reads), the sampler (read periods,
 * kept groups), server mode (systems=), the pcc reader (subsystem -> parser)
 * and pcc mode (which files to write) all read this one table, and
 * tests/test_sources.c checks that every row is reachable from each of them
 * and that no two rows claim the same name.
 */
#ifndef PC_SOURCE_H
#define PC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "pc/proc.h"

typedef int pc_parse_fn(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);

struct pc_source {
	/* The file procfs re-reads each tick; NULL: not a file (statfs(2), procfs' own). */
	const char *path;
	/* Its text (read live, or a pcc / capture measurement) into rows; NULL: the
	 * containers, read by the sampler and parsed by input_pcc_container.c. */
	pc_parse_fn *parse;
	uint32_t groups; /* bit (1u << enum pc_group) per group the parser fills */
	unsigned skip;	 /* the procfs__read_some flag that leaves it out */
	/* Read at most once per period_ns (0: every tick) (docs/COLLECTOR.md). */
	uint64_t period_ns;
	/* The period instead while eBPF measures CPU busy time (0: period_ns). */
	uint64_t busy_period_ns;
	/* Its name in systems= (server mode's start): rows may share one. */
	const char *system;
	/* The subsystem of pcc files and captures that holds its text. */
	const char *pcc;
	/* Its place in pcc mode's line order, from 1 (pcc's own set); 0: not written. */
	unsigned pcc_order;
};

extern const struct pc_source pc_sources[];
extern const unsigned pc_nsources;

/* Index of the row read from path, or -1. */
int pc_source_by_path(const char *path);
/* Index of the row of a pcc / capture subsystem name, or -1. */
int pc_source_by_pcc(const char *name);
/*
 * Groups mask of a systems= list ("" or "all": every group): the groups of
 * every row of each named system, plus every group no row fills (the
 * collector's own cost, eBPF). -EINVAL with why naming the unknown entry.
 */
int pc_systems_mask(const char *list, uint32_t *mask, char *why, size_t whylen);

#endif
