// SPDX-License-Identifier: MIT
/*
 * preauth.c: which new SSH connections the collector admits before any SSH
 * work (see preauth.h and struct pc_sshd_limits in pc/ssh.h): a cap per
 * source address, random early drop between start and full, and counts of
 * what was dropped for one summary line per interval. Also the parsing of
 * the limits' flags.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "pc/config.h"
#include "preauth.h"

#define FULL_MAX    10000
#define SESSION_MAX 1024

static int parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = (int)x;
	return 0;
}

/* "START:RATE:FULL", or "FULL" alone (no early drop before full). */
static int parse_startups(struct pc_sshd_limits *l, const char *v)
{
	char a[16], b[16], c[16], tail;
	int start, rate, full;

	if (sscanf(v, "%15[0-9]:%15[0-9]:%15[0-9]%c", a, b, c, &tail) == 3) {
		if (parse_int(a, 1, FULL_MAX, &start) || parse_int(b, 0, 100, &rate) ||
		    parse_int(c, 1, FULL_MAX, &full) || start > full)
			return -EINVAL;
	} else if (!parse_int(v, 1, FULL_MAX, &full)) {
		start = full;
		rate = 100;
	} else {
		return -EINVAL;
	}
	l->start = start;
	l->rate = rate;
	l->full = full;
	return 0;
}

int sshd_limits_set(struct pc_sshd_limits *l, const char *flag, const char *v, char *err,
		    size_t errlen)
{
	uint64_t ns;

	if (!strcmp(flag, "--max-startups")) {
		if (!parse_startups(l, v))
			return 0;
		snprintf(err, errlen,
			 "%s=%s: want START:RATE:FULL (e.g. 10:30:100: drop 30 %% of new "
			 "unauthenticated connections past 10, all at 100; 1 <= START <= FULL <= "
			 "%d, RATE 0 to 100) or FULL alone",
			 flag, v, FULL_MAX);
	} else if (!strcmp(flag, "--per-source-startups")) {
		if (!parse_int(v, 1, FULL_MAX, &l->per_source))
			return 0;
		snprintf(err, errlen, "%s=%s: want 1 to %d unauthenticated connections", flag, v,
			 FULL_MAX);
	} else if (!strcmp(flag, "--login-grace")) {
		if (!pc_parse_duration(v, &ns) && ns >= 100000000ull && ns <= 600000000000ull) {
			l->grace_ms = (uint32_t)(ns / 1000000);
			return 0;
		}
		snprintf(err, errlen, "%s=%s: want a duration from 100ms to 10m (e.g. 5s)", flag,
			 v);
	} else if (!strcmp(flag, "--max-sessions")) {
		if (!parse_int(v, 1, SESSION_MAX, &l->max_sessions))
			return 0;
		snprintf(err, errlen, "%s=%s: want 1 to %d authenticated sessions", flag, v,
			 SESSION_MAX);
	} else {
		snprintf(err, errlen, "%s: not an SSH server limit", flag);
	}
	return -EINVAL;
}

/* --- admission */

int preauth__init(struct preauth *p, const struct pc_sshd_limits *lim, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->lim = *lim;
	p->slot = calloc((size_t)lim->full, sizeof(*p->slot));
	if (!p->slot)
		return -ENOMEM;
	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uintptr_t)p;
	p->rng = seed | 1;
	return 0;
}

void preauth__free(struct preauth *p)
{
	free(p->slot);
	p->slot = NULL;
}

/* xorshift64*: uniform enough for a drop decision, and reproducible from a seed */
static unsigned next_pct(struct preauth *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return (unsigned)(((p->rng * 2685821657736338717ull) >> 32) % 100);
}

unsigned preauth__drop_pct(const struct pc_sshd_limits *lim, int n)
{
	if (n < lim->start)
		return 0;
	if (n >= lim->full)
		return 100;
	return (unsigned)(lim->rate +
			  (100 - lim->rate) * (n - lim->start) / (lim->full - lim->start));
}

static void src_of(const struct sockaddr *sa, struct pa_src *s)
{
	memset(s, 0, sizeof(*s));
	s->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(s->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(s->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

enum pa_why preauth__admit(struct preauth *p, const struct sockaddr *sa, int *slot)
{
	struct pa_src s;
	int same = 0, free_slot = -1;
	enum pa_why why = PA_ADMIT;

	src_of(sa, &s);
	for (int i = 0; i < p->lim.full; i++) {
		if (!p->slot[i].family)
			free_slot = free_slot < 0 ? i : free_slot;
		else if (!memcmp(&p->slot[i], &s, sizeof(s)))
			same++;
	}
	if (same >= p->lim.per_source)
		why = PA_PER_SOURCE;
	else if (p->n >= p->lim.full || free_slot < 0)
		why = PA_EARLY;
	else if (same && next_pct(p) < preauth__drop_pct(&p->lim, p->n))
		why = PA_EARLY;
	if (why != PA_ADMIT) {
		p->count[why]++;
		return why;
	}
	p->slot[free_slot] = s;
	p->n++;
	*slot = free_slot;
	return PA_ADMIT;
}

void preauth__done(struct preauth *p, int slot, enum pa_why why)
{
	if (slot < 0 || slot >= p->lim.full || !p->slot[slot].family)
		return;
	memset(&p->slot[slot], 0, sizeof(p->slot[slot]));
	p->n--;
	if (why != PA_ADMIT)
		p->count[why]++;
}

int preauth__summary(struct preauth *p, char *buf, size_t len)
{
	unsigned *c = p->count;
	unsigned dropped = c[PA_PER_SOURCE] + c[PA_EARLY] + c[PA_TIMEOUT];
	int n;

	if (!dropped && !c[PA_GAVE_UP])
		return 0;
	n = snprintf(buf, len,
		     "dropped %u unauthenticated connections (%u over the per-source cap, %u "
		     "early drop, %u auth timeout)",
		     dropped, c[PA_PER_SOURCE], c[PA_EARLY], c[PA_TIMEOUT]);
	if (c[PA_GAVE_UP] && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n,
			 "; %u more closed or failed the key exchange before authenticating",
			 c[PA_GAVE_UP]);
	memset(p->count, 0, sizeof(p->count));
	return 1;
}
