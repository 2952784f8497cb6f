/* SPDX-License-Identifier: MIT */
/*
 * The SSH transport of perfcollector, both sides, on libssh:
 *  - server (userspace/transport/ssh_server.c): the collector's built-in SSH daemon.
 *    An ed25519 host key (created with its .pub when missing), public-key
 *    authentication only, against SHA256 fingerprints written exactly as
 *    `ssh-keygen -l` prints them; every refused attempt is logged with its
 *    fingerprint (or method) and peer address. Sessions run on their own
 *    threads. Connections that have not authenticated yet are limited apart
 *    from authenticated sessions (struct pc_sshd_limits, userspace/transport/
 *    preauth.c): they can never take an authenticated session's slot.
 *  - client (userspace/transport/ssh_client.c): the processor's connections. Host keys
 *    are pinned in a known-hosts file (trust on first use unless strict), and
 *    a changed key is refused with a message saying how to accept it.
 * Both ends exchange the wire protocol (pc/wire.h) over one channel
 * (subsystem "perfcollector"), through the pc_chan calls below.
 */
#ifndef PC_SSH_H
#define PC_SSH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pc/codec.h"

/* An open, authenticated channel. Used by one thread at a time. */
struct pc_chan;

/* Bytes read (> 0), 0 when nothing arrived within timeout_ms, -EPIPE at end, -EIO. */
int chan__read(struct pc_chan *c, void *buf, size_t n, int timeout_ms);
/* Write all of p; 0, -EPIPE, -EIO. */
int chan__write(struct pc_chan *c, const void *p, size_t n);
/* "127.0.0.1:40000 key SHA256:..." (server side) / "127.0.0.1:2222" (client side). */
const char *chan__peer(const struct pc_chan *c);

/* --- server */

/*
 * Limits on unauthenticated connections, in the manner of sshd's MaxStartups,
 * PerSourceMaxStartups and LoginGraceTime, and the authenticated slots apart.
 * Past start unauthenticated connections a new one is dropped with rate %
 * probability, rising linearly to 100 % at full; a source with no other
 * unauthenticated connection is dropped only at full. A source holds at most
 * per_source; each has grace_ms from accept to authenticated.
 */
struct pc_sshd_limits {
	int start, rate, full; /* --max-startups=START:RATE:FULL */
	int per_source;	       /* --per-source-startups */
	uint32_t grace_ms;     /* --login-grace */
	int max_sessions;      /* --max-sessions: authenticated sessions at once */
};
#define PC_SSHD_LIMITS_DEFAULT ((struct pc_sshd_limits){10, 30, 100, 4, 5000, 16})

/*
 * Set one limit from its flag (--max-startups, --per-source-startups,
 * --login-grace, --max-sessions) and text; 0, or -EINVAL with err naming
 * the flag, the value and what is accepted.
 */
int sshd_limits_set(struct pc_sshd_limits *l, const char *flag, const char *v, char *err,
		    size_t errlen);

struct pc_sshd_conf {
	const char *const *listen; /* "[addr]:port", "addr:port" or ":port" (all addresses) */
	int nlisten;
	const char *hostkey;	    /* private key path; created (with .pub) when missing */
	const char *const *allowed; /* "SHA256:..." */
	int nallowed;
	struct pc_sshd_limits limits; /* all 0: PC_SSHD_LIMITS_DEFAULT */
};

struct pc_sshd;

/* Subsystem session: runs on the session's own thread; return closes it. */
typedef void (*pc_sshd_session_fn)(struct pc_chan *c, void *ctx);
/* `ssh collector COMMAND`: put the output in out, return the exit status. */
typedef int (*pc_sshd_exec_fn)(const char *cmd, struct pc_buf *out, void *ctx);

struct pc_sshd *sshd__open(const struct pc_sshd_conf *conf, char *err, size_t errlen);
/* The host key's fingerprint, "SHA256:...". */
const char *sshd__fingerprint(const struct pc_sshd *d);
/* Accept until *stop; waits for running sessions to end. 0 or -errno. */
int sshd__run(struct pc_sshd *d, pc_sshd_session_fn fn, pc_sshd_exec_fn exec, void *ctx,
	      volatile sig_atomic_t *stop);
void sshd__close(struct pc_sshd *d);
/* Authenticated sessions running now. */
int sshd__sessions(struct pc_sshd *d);

/* Check a fingerprint's syntax ("SHA256:" + 43 base64 characters); 0 or -EINVAL. */
int ssh_fingerprint_check(const char *fp);

/* --- client */
struct pc_sshc_conf {
	const char *identity;	 /* private key */
	const char *known_hosts; /* pinned host keys */
	int strict;		 /* refuse unknown host keys instead of pinning them */
	int timeout_s;		 /* connect and I/O timeout; 0: 10 */
};

/*
 * Connect, check the host key, authenticate and open the subsystem channel.
 * NULL with err saying why (a changed key's message says how to accept it).
 */
struct pc_chan *sshc__connect(const char *addr, unsigned port, const struct pc_sshc_conf *conf,
			      char *err, size_t errlen);
void chan__close(struct pc_chan *c);

/* Reconnection delays: doubling from min_ms to max_ms, with +-25 % jitter. */
struct pc_backoff {
	uint32_t min_ms, max_ms, cur_ms;
	unsigned seed;
};
uint32_t backoff__next(struct pc_backoff *b);
void backoff__reset(struct pc_backoff *b);

#endif
