/* SPDX-License-Identifier: MIT */
/*
 * perfcollectord's modes, sharing one set of parsed options. main.c parses
 * the command line, the configuration file and pcc's environment; each mode
 * runs the sampling loop (loop.c) with its own sink.
 */
#ifndef COLLECTORD_H
#define COLLECTORD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pc/ssh.h"

enum cd_mode { CD_LOCAL, CD_PCC, CD_PCC_CONTAINER, CD_SERVER };

struct cd_opts {
	enum cd_mode mode;
	uint64_t interval_ns;
	uint64_t duration_ns; /* 0: until SIGINT/SIGTERM */
	const char *output;
	const char *root; /* /proc root, for tests; NULL for / */
	unsigned sampler_flags;
	uint32_t host, run;
	int verbose;
	int quiet;
	const char *user; /* --user: whom to become after setup; NULL: the default (privsep.c) */
	/* server mode (server.c, server_run.c): SSH daemon, spool, data directory */
	const char **listen;
	int nlisten;
	const char *sshid; /* host key; default <datadir>/../ssh_host_ed25519_key */
	const char **allowed;
	int nallowed;
	const char *datadir; /* spool and run state; default ~/.perfcollectord/data */
	uint64_t spool_mem, spool_file;
	uint64_t batch_ns; /* seal a batch after this long (while a processor is connected) */
	struct pc_sshd_limits limits; /* unauthenticated connections, sessions */
};

extern volatile sig_atomic_t cd_stop;

struct pc_sampler;
struct pc_sample;

/*
 * The sampling loop (loop.c), one for every mode: it opens the sampler,
 * takes sample 0 at once, then one sample per tick on the ticker's absolute
 * deadlines, turns missed deadlines into a PC_GAP_OVERRUN gap on the next
 * sample, and ends when count samples are due, *stop is set or the sink
 * says so. What a mode does with the samples is its sink.
 */
struct cd_loop {
	const char *root; /* /proc root, for tests; NULL for / */
	unsigned sampler_flags;
	uint32_t host, run;
	uint64_t interval_ns;
	uint64_t count;		     /* samples due, missed ones included; 0: until stopped */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
	/*
	 * File modes (local, pcc): the output their messages name. With it the
	 * loop says "collecting" after sample 0 is written and synced and "done"
	 * at the end (unless quiet), and warns once of text /proc printed that is
	 * not understood. NULL (server mode): the sink says what it has to.
	 */
	const char *output;
	uint64_t duration_ns; /* for "collecting" */
	int quiet;
};

/*
 * A mode's sink. Only write is required. A negative errno from write or
 * sync ends the loop with exit status 1.
 */
struct cd_sink {
	/* One sample, as taken (the sink may renumber or trim it). */
	int (*write)(void *ctx, struct pc_sampler *sp, struct pc_sample *s);
	/* Make what was written durable: after sample 0 and at the end. */
	int (*sync)(void *ctx);
	/* Once, the sampler open, before sample 0 (due at deadline) is taken. */
	void (*start)(void *ctx, struct pc_sampler *sp, uint64_t deadline);
	/* Before each tick: nonzero to take no sample this tick (the sink marks the gap). */
	int (*full)(void *ctx, struct pc_sampler *sp);
	/* A sample could not be taken: 0 to go on without it; else, or with no hook, it ends. */
	int (*failed)(void *ctx, uint64_t deadline, int err);
	/* Nonzero: end the loop, checked before every tick (server mode: the run changed). */
	int (*stopped)(void *ctx);
	void *ctx;
};

/* Run the loop; returns the exit status (0, or 1 when the sampler or the sink failed). */
int cd_loop(const struct cd_loop *l, const struct cd_sink *k);
/* The loop of a file mode's options: their sampler, ticks, count and output; stop is &cd_stop. */
void cd_loop_of(struct cd_loop *l, const struct cd_opts *o);

/* Each returns the process exit status. */
int cd_run_local(const struct cd_opts *o);
int cd_run_pcc(const struct cd_opts *o);
int cd_run_server(const struct cd_opts *o);

/*
 * requests.c: once / dir / netcache for the processor. cd_allowed: 0 when
 * path (normalised into norm) is on the allowlist of once (dir 0) or dir
 * (dir 1); else -EACCES with the one refusal in why.
 */
struct pc_buf;
int cd_allowed(const char *path, int dir, char *norm, size_t len, struct pc_buf *why);
int cd_req_once(const char *path, struct pc_buf *out);
int cd_req_dir(const char *path, struct pc_buf *out);
int cd_req_netcache(struct pc_buf *out);

/*
 * privsep.c (docs/PRIVSEP.md): the user to become (--user, else the
 * default), the privileged part of server mode (forked, serving eBPF loads;
 * 0 when nothing needs it), and the drop with the seccomp filter, once what
 * needs root is open and before any thread exists. Each 0, or -1 (said).
 */
struct pc_priv_user;
int cd_privsep_user(const struct cd_opts *o, struct pc_priv_user *u);
int cd_privsep_fork(const struct cd_opts *o);
int cd_privsep_drop(const struct pc_priv_user *u, int say); /* say: log_info, else debug */
/*
 * Local and pcc modes: cd_privsep_file_mode looks the user up at start; the
 * sink's start hook cd_privsep_start drops (the sampler and the output are
 * open by then; a failed drop ends the process with status 1).
 */
int cd_privsep_file_mode(const struct cd_opts *o);
void cd_privsep_start(void *ctx, struct pc_sampler *sp, uint64_t deadline);
/*
 * After the drop, every source that read as root must still read, or the
 * collector stops with the path, its errno and the fix (a source opened or
 * looked up per read would otherwise go silently empty). cd_privsep_start
 * does it in local and pcc modes (on the mode's own sampler). Server mode,
 * whose sampler opens at every start, reads the sources through a sampler
 * of their own: cd_privsep_probe as root before the drop, cd_privsep_recheck
 * as the user after it. Each 0, or -1 (said).
 */
struct pc_probe;
int cd_privsep_probe(const struct cd_opts *o, struct pc_probe *before);
int cd_privsep_recheck(const struct cd_opts *o, const struct pc_probe *before,
		       const struct pc_priv_user *u);

/* Samples a run of duration d at interval i takes: d / i, at least 1; 0 = unbounded. */
uint64_t cd_sample_count(const struct cd_opts *o);

#endif
