/* SPDX-License-Identifier: MIT */
/*
 * perfprocessord: the processor. main.c parses options and picks daemon or
 * single-shot; hosts.c owns the collectors (their list, one session thread
 * each in the daemon, one-off control sessions otherwise); control.c owns
 * the commands (parsing, running them against the hosts, the daemon's UNIX
 * control socket); site.c checks the site identity and license; store.c
 * keeps what arrives in the encrypted journal.
 */
#ifndef PROCESSORD_H
#define PROCESSORD_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "pc/codec.h"
#include "pc/license.h"
#include "pc/ssh.h"
#include "pc/wire.h"

struct store;
struct dbsink;

struct pd_opts {
	uint32_t siteid;
	const char *sitename, *license, *mac; /* the site identity (site.c) */
	const char *license_file;	      /* read into license_text by site.c */
	char license_text[PC_LICENSE_TEXTLEN + 1];
	char journal[4096];
	const char *sshid;
	char known_hosts[4096];
	char datadir[4096];
	char control[4096];
	int strict;
	int timeout_s;
	uint64_t keepalive_ns;
	int verbose;
	int db;		   /* -1 none, else enum pc_sink_kind (--db) */
	const char *dburi; /* --dburi / --url */
};

/* One outstanding command for a host's session thread. */
struct pd_req {
	uint8_t op;
	uint64_t interval_ns;
	char arg[PC_WIRE_MAX_TEXT + 1];
	/* result */
	int done;
	int err;
	struct pc_buf text;
	int have_status;
	struct pc_wire_status st;
	char systems[PC_WIRE_MAX_TEXT + 1];
	/* internal */
	uint32_t id;
	int sent;
	struct pd_req *next;
};

/* Latency histogram: 1 ms buckets up to 10 s, then one overflow bucket. */
#define PD_LAT_BUCKETS 10001

struct pd_host {
	uint32_t site, id;
	char addr[64];
	unsigned port;
	char name[128]; /* "1:0 127.0.0.1:2222" */
	int bare;	/* given as ADDRESS:PORT: host 0 of --siteid, set by check_hosts */
	/* daemon state, under mu */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int connected;
	char last_error[1024];
	struct pd_req *queue;
	uint64_t batches, samples, dups, reconnects, bytes;
	uint64_t *lat; /* PD_LAT_BUCKETS counts of per-sample end-to-end latency */
};

struct pd {
	struct pd_opts o;
	struct pd_host *h;
	int nh;
	struct store *store;
	struct dbsink *sink; /* --db: NULL when none */
	struct pc_sshc_conf sshc;
	struct pc_site site; /* checked by pd_site_check; keys the journal */
};

extern volatile sig_atomic_t pd_stop;

/* hosts.c */
/*
 * Parse "<site>:<host>/<address>:<port>", or the seed's bare "<address>:<port>"
 * (h->bare: host 0, its site is --siteid's once known), into h; 0 or -EINVAL
 * with err.
 */
int pd_host_parse(const char *spec, struct pd_host *h, char *err, size_t errlen);
/* h->name from its site, host, address and port. */
void pd_host_name(struct pd_host *h);
/* Start one session thread per host (daemon). */
int pd_hosts_start(struct pd *pd);
void pd_hosts_join(struct pd *pd);
/*
 * Hand a request to a host: queued for its session thread in the daemon
 * (daemon != 0; then pd_host_wait for the answer), else answered at once
 * over a one-off control session.
 */
void pd_host_submit(struct pd *pd, struct pd_host *h, struct pd_req *r, int daemon);
/* Wait for a queued request's answer until the CLOCK_REALTIME instant until. */
struct timespec;
void pd_host_wait(struct pd_host *h, struct pd_req *r, const struct timespec *until);
#define REPLY_TIMEOUT_S 15

/* site.c */
/*
 * Build pd->site from the options and check the license against it and this
 * machine: present, well formed, for this siteid and sitename, for a MAC of
 * this machine (--mac must name one; without it each is tried), not
 * expired. 0, or -errno with err saying which check failed.
 */
int pd_site_check(struct pd *pd, char *err, size_t errlen);

/* control.c */
/* Run a command (argv words) against every host; the text for the operator in out. */
int pd_command(struct pd *pd, int argc, char **argv, int daemon, struct pc_buf *out);
/* The daemon's control socket loop, until pd_stop. */
int pd_control_serve(struct pd *pd);
/* Send a command to a running daemon: 1 when none runs, else its exit status. */
int pd_control_client(const char *path, int argc, char **argv);

#endif
