/* SPDX-License-Identifier: MIT */
/*
 * preauth.h: the SSH server's bookkeeping of unauthenticated connections
 * (preauth.c), for ssh_server.c and its unit test: whether to admit a new
 * connection (per-source cap, random early drop, full), and the counts of
 * what was dropped for the summary log line. Not locked: the caller holds
 * its own mutex around every call.
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
	PA_NWHY
};

struct pa_src {
	unsigned char addr[16]; /* IPv4 in the first 4 bytes, or IPv6 */
	int family;		/* 0: a free slot */
};

struct preauth {
	struct pc_sshd_limits lim;
	uint64_t rng;
	int n;		     /* unauthenticated connections now */
	struct pa_src *slot; /* lim.full of them */
	unsigned count[PA_NWHY];
};

/* 0 or -ENOMEM; seed 0 takes one from getrandom(2). */
int preauth__init(struct preauth *p, const struct pc_sshd_limits *lim, uint64_t seed);
void preauth__free(struct preauth *p);
/* Probability in % that a new connection is dropped early with n unauthenticated ones. */
unsigned preauth__drop_pct(const struct pc_sshd_limits *lim, int n);
/* PA_ADMIT with *slot taken, or PA_PER_SOURCE / PA_EARLY (counted). */
enum pa_why preauth__admit(struct preauth *p, const struct sockaddr *sa, int *slot);
/* Free slot: authenticated (PA_ADMIT), PA_TIMEOUT or PA_GAVE_UP (counted). */
void preauth__done(struct preauth *p, int slot, enum pa_why why);
/*
 * The summary of what was dropped since the last call, into buf, and the
 * counts reset: 1 when there is something to say, 0 when nothing was dropped.
 */
int preauth__summary(struct preauth *p, char *buf, size_t len);

#endif
