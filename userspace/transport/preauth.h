/* SPDX-License-Identifier: MIT */
/*
 * preauth.h: the SSH server's bookkeeping of unauthenticated connections
 * (preauth.c), for ssh_server.c and its unit test: whether to admit a new
 * connection (per-source cap, random early drop, full, a reserve for the
 * sources that authenticated recently), and the counts of what was dropped
 * or refused for the summary log line. Not locked: the caller holds its own
 * mutex around every call.
 */
#ifndef PC_PREAUTH_H
#define PC_PREAUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pc/ssh.h"

/* Why a connection left the unauthenticated set. */
enum pa_why {
	PA_ADMIT,      /* admitted (preauth__admit), authenticated (preauth__done) */
	PA_PER_SOURCE, /* over the per-source cap: closed at accept */
	PA_EARLY,      /* random early drop or full: closed at accept */
	PA_TIMEOUT,    /* not authenticated within the grace time */
	PA_GAVE_UP,    /* the peer left or failed the key exchange before authenticating */
	PA_TOO_MANY,   /* closed after PA_AUTH_TRIES refused authentication attempts */
	PA_NWHY
};

/*
 * A source is an IPv4 address (/32; IPv4-mapped IPv6 ones count as IPv4) or
 * an IPv6 /PA_V6_PREFIX network, as one host usually holds a whole /64.
 */
#define PA_V6_PREFIX  64
#define PA_RECENT     64	       /* sources remembered after authenticating */
#define PA_RECENT_NS  3600000000000ull /* for an hour after their last authentication */
#define PA_RESERVE    10	       /* % of FULL more slots for recent sources (at least 1) */
#define PA_AUTH_TRIES 6		       /* refused authentication attempts per connection */

struct pa_src {
	unsigned char addr[16]; /* IPv4 in the first 4 bytes, or IPv6 */
	int family;		/* 0: a free slot */
};

struct pa_recent {
	struct pa_src src;
	uint64_t when_ns; /* monotonic, of its last authentication */
};

struct preauth {
	struct pc_sshd_limits lim;
	uint64_t rng;
	int n;		     /* unauthenticated connections now */
	int nslot;	     /* lim.full and the reserve */
	struct pa_src *slot; /* nslot of them */
	struct pa_recent recent[PA_RECENT];
	unsigned count[PA_NWHY];
	unsigned refused; /* authentication attempts */
};

/* 0 or -ENOMEM; seed 0 takes one from getrandom(2). */
int preauth__init(struct preauth *p, const struct pc_sshd_limits *lim, uint64_t seed);
void preauth__free(struct preauth *p);
/* Probability in % that a new connection is dropped early with n unauthenticated ones. */
unsigned preauth__drop_pct(const struct pc_sshd_limits *lim, int n);
/* The source a peer address counts as (see PA_V6_PREFIX). */
void preauth__src(const struct sockaddr *sa, struct pa_src *s);
/*
 * PA_ADMIT with *slot taken, or PA_PER_SOURCE / PA_EARLY (counted). A source
 * that authenticated within PA_RECENT_NS of now_ns (monotonic) skips early
 * drop and may use the reserve past FULL.
 */
enum pa_why preauth__admit(struct preauth *p, const struct sockaddr *sa, uint64_t now_ns,
			   int *slot);
/*
 * Free slot: authenticated (PA_ADMIT: its source is remembered as recent at
 * now_ns), PA_TIMEOUT, PA_GAVE_UP or PA_TOO_MANY (counted).
 */
void preauth__done(struct preauth *p, int slot, enum pa_why why, uint64_t now_ns);
/* One refused authentication attempt, for the summary line. */
void preauth__refused(struct preauth *p);
/*
 * The summary of what was dropped or refused since the last call, into buf,
 * and the counts reset: 1 when there is something to say, 0 when nothing.
 */
int preauth__summary(struct preauth *p, char *buf, size_t len);

#endif
