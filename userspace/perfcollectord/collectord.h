/* SPDX-License-Identifier: MIT */
/*
 * perfcollectord's modes, sharing one set of parsed options. main.c parses
 * the command line, the configuration file and pcc's environment; each mode
 * runs the sampling loop with its own writer.
 */
#ifndef COLLECTORD_H
#define COLLECTORD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

enum cd_mode { CD_LOCAL, CD_PCC, CD_SERVER };

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
	/* server mode (server.c, server_run.c): SSH daemon, spool, data directory */
	const char **listen;
	int nlisten;
	const char *sshid; /* host key; default <datadir>/../ssh_host_ed25519_key */
	const char **allowed;
	int nallowed;
	const char *datadir; /* spool and run state; default ~/.perfcollectord/data */
	uint64_t spool_mem, spool_file;
	uint64_t batch_ns; /* seal a batch after this long (while a processor is connected) */
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

/* Samples a run of duration d at interval i takes: d / i, at least 1; 0 = unbounded. */
uint64_t cd_sample_count(const struct cd_opts *o);

#endif
