// SPDX-License-Identifier: MIT
/*
 * preauth.c: which new SSH connections the collector admits before any SSH
 * work (see preauth.h and struct pc_sshd_limits in pc/ssh.h): a cap per
 * source (an IPv4 address or an IPv6 /64), random early drop between start
 * and full, the sources that authenticated lately exempt from it and given
 * a reserve past full, and counts of what was dropped or refused for one
 * summary line per interval. Also the parsing of
 * the limits' flags.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
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
	int reserve = lim->full * PA_RESERVE / 100;

	memset(p, 0, sizeof(*p));
	p->lim = *lim;
	p->nslot = lim->full + (reserve > 0 ? reserve : 1);
	p->slot = calloc((size_t)p->nslot, sizeof(*p->slot));
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

void preauth__src(const struct sockaddr *sa, struct pa_src *s)
{
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

	memset(s, 0, sizeof(*s));
	if (sa->sa_family == AF_INET) {
		s->family = AF_INET;
		memcpy(s->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6)) {
		s->family = AF_INET;
		memcpy(s->addr, &a6->s6_addr[12], 4);
	} else if (sa->sa_family == AF_INET6) {
		s->family = AF_INET6;
		memcpy(s->addr, a6->s6_addr, PA_V6_PREFIX / 8);
	} else {
		s->family = sa->sa_family ? sa->sa_family : -1; /* 0 marks a free slot */
	}
}

/* Authenticated within PA_RECENT_NS of now_ns. */
static int is_recent(const struct preauth *p, const struct pa_src *s, uint64_t now_ns)
{
	for (int i = 0; i < PA_RECENT; i++) {
		const struct pa_recent *r = &p->recent[i];

		if (r->src.family && !memcmp(&r->src, s, sizeof(*s)))
			return now_ns - r->when_ns < PA_RECENT_NS;
	}
	return 0;
}

/* Its entry refreshed, or the oldest one replaced. */
static void remember(struct preauth *p, const struct pa_src *s, uint64_t now_ns)
{
	struct pa_recent *old = &p->recent[0];

	for (int i = 0; i < PA_RECENT; i++) {
		struct pa_recent *r = &p->recent[i];

		if (r->src.family && !memcmp(&r->src, s, sizeof(*s))) {
			old = r;
			break;
		}
		if (!r->src.family || r->when_ns < old->when_ns)
			old = r;
		if (!r->src.family)
			break;
	}
	old->src = *s;
	old->when_ns = now_ns;
}

static enum pa_why decide(struct preauth *p, const struct pa_src *s, int same, uint64_t now_ns)
{
	if (same >= p->lim.per_source)
		return PA_PER_SOURCE;
	if (is_recent(p, s, now_ns))
		return p->n < p->nslot ? PA_ADMIT : PA_EARLY;
	if (p->n >= p->lim.full || next_pct(p) < preauth__drop_pct(&p->lim, p->n))
		return PA_EARLY;
	return PA_ADMIT;
}

enum pa_why preauth__admit(struct preauth *p, const struct sockaddr *sa, uint64_t now_ns, int *slot)
{
	struct pa_src s;
	int same = 0, free_slot = -1;
	enum pa_why why;

	preauth__src(sa, &s);
	for (int i = 0; i < p->nslot; i++) {
		if (!p->slot[i].family)
			free_slot = free_slot < 0 ? i : free_slot;
		else if (!memcmp(&p->slot[i], &s, sizeof(s)))
			same++;
	}
	why = decide(p, &s, same, now_ns);
	if (why == PA_ADMIT && free_slot < 0)
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

void preauth__done(struct preauth *p, int slot, enum pa_why why, uint64_t now_ns)
{
	if (slot < 0 || slot >= p->nslot || !p->slot[slot].family)
		return;
	if (why == PA_ADMIT)
		remember(p, &p->slot[slot], now_ns);
	else
		p->count[why]++;
	memset(&p->slot[slot], 0, sizeof(p->slot[slot]));
	p->n--;
}

void preauth__refused(struct preauth *p)
{
	p->refused++;
}

/* snprintf at *n into buf, *n moved past what was written (never past len). */
static void append(char *buf, size_t len, int *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, int *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n < 0 || (size_t)*n >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, len - (size_t)*n, fmt, ap);
	va_end(ap);
	*n = k < 0 ? k : *n + k;
}

int preauth__summary(struct preauth *p, char *buf, size_t len)
{
	unsigned *c = p->count;
	unsigned dropped = c[PA_PER_SOURCE] + c[PA_EARLY] + c[PA_TIMEOUT];
	int n = 0;

	if (!dropped && !c[PA_GAVE_UP] && !c[PA_TOO_MANY] && !p->refused)
		return 0;
	buf[0] = 0;
	append(buf, len, &n,
	       "dropped %u unauthenticated connections (%u over the per-source cap, %u early "
	       "drop, %u auth timeout)",
	       dropped, c[PA_PER_SOURCE], c[PA_EARLY], c[PA_TIMEOUT]);
	if (c[PA_GAVE_UP])
		append(buf, len, &n,
		       "; %u more closed or failed the key exchange before authenticating",
		       c[PA_GAVE_UP]);
	if (p->refused || c[PA_TOO_MANY])
		append(buf, len, &n,
		       "; refused %u authentication attempts (%u connections closed after %d)",
		       p->refused, c[PA_TOO_MANY], PA_AUTH_TRIES);
	memset(p->count, 0, sizeof(p->count));
	p->refused = 0;
	return 1;
}
