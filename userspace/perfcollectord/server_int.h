/* SPDX-License-Identifier: MIT */
/*
 * server_int.h: what server mode's two halves share: the server's state
 * (struct srv), and the run half (server_run.c: the run state and its file,
 * the sampling thread, start/stop/status) as the session half (server.c:
 * sessions, requests, the mode's entry) calls it.
 */
#ifndef PC_SERVER_INT_H
#define PC_SERVER_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "collectord.h"
#include "pc/codec.h"
#include "pc/spool.h"
#include "pc/wire.h"

#define MAX_BATCH_BYTES (1u << 20) /* a batch is sealed at this size, and a send stops */

struct srv {
	const struct cd_opts *o;
	struct spool *spool;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t sampler;
	/* run state, under mu; persisted in statepath */
	int running;
	uint32_t host, run;
	uint64_t interval_ns, start_ns;
	char systems[PC_WIRE_MAX_TEXT + 1];
	unsigned gen; /* bumped by every start and stop */
	int resume;   /* the run was on when the collector last stopped */
	uint64_t samples;
	unsigned data_gen; /* the newest data session */
	int sink;	   /* a data session is connected */
	char statepath[PATH_MAX + 16];
};

/* Read <datadir>/state (a run that was on resumes); a bad line is logged and ignored. */
void srv_state_load(struct srv *S);
/* Write it (under S->mu). */
void srv_state_save(struct srv *S);
/* The sampling thread: runs S's run while it is on, until cd_stop. */
void *srv_sampler_main(void *arg);
/* Wake the sampling thread: the run changed, or the collector stops. */
void srv_wake_sampler(struct srv *S);
void srv_fill_status(struct srv *S, struct pc_wire_status *st);
/* start/stop requests: 0 or negative errno, with the reply text in out. */
int srv_start(struct srv *S, uint64_t interval, const char *systems, struct pc_buf *out);
int srv_stop(struct srv *S, struct pc_buf *out);

#endif
