/* SPDX-License-Identifier: MIT */
/*
 * perfcollectord's modes, sharing one set of parsed options. main.c parses
 * the command line, the configuration file and pcc's environment; each mode
 * runs the sampling loop with its own writer.
 */
#ifndef COLLECTORD_H
#define COLLECTORD_H

#include <signal.h>
#include <stdint.h>

enum cd_mode { CD_LOCAL, CD_PCC };

struct cd_opts {
	enum cd_mode mode;
	uint64_t interval_ns;
	uint64_t duration_ns; /* 0: until SIGINT/SIGTERM */
	const char *output;
	const char *root;     /* /proc root, for tests; NULL for / */
	unsigned sampler_flags;
	uint32_t host, run;
	int verbose;
	int quiet;
};

extern volatile sig_atomic_t cd_stop;

struct pc_sampler;
struct pc_sample;

/* A mode's writer: called once per sample; returns 0 or a negative errno. */
struct cd_writer {
	int (*write)(void *ctx, struct pc_sampler *sp, const struct pc_sample *s);
	int (*sync)(void *ctx);
	void *ctx;
};

/*
 * The sampling loop shared by the modes: opens the sampler, takes sample 0
 * at once, writes and syncs it, says "collecting", then one sample per tick
 * until the count is reached or a signal arrives. Returns the exit status.
 */
int cd_loop(const struct cd_opts *o, struct cd_writer *w);

/* Each returns the process exit status. */
int cd_run_local(const struct cd_opts *o);
int cd_run_pcc(const struct cd_opts *o);

/* Samples a run of duration d at interval i takes: d / i, at least 1; 0 = unbounded. */
uint64_t cd_sample_count(const struct cd_opts *o);

#endif
