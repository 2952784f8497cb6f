// SPDX-License-Identifier: MIT
/*
 * test_preauth.c: the SSH server's admission of unauthenticated connections
 * (userspace/transport/preauth.c) decides as the limits say: the early-drop
 * probability at and around START and FULL, the per-source cap (IPv4-mapped
 * IPv6 counted as IPv4, an IPv6 /64 as one source), early drop for every
 * source but those that authenticated lately, which also have a reserve past
 * FULL, freed slots reused, the counts of the summary line, and the flags'
 * parsing with messages naming the value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../userspace/transport/preauth.h"
#include "common/testutil.h"

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(40000)};

	assert_int_equal(inet_pton(AF_INET, ip, &in.sin_addr), 1);
	return in;
}

#define NOW 7200000000000ull /* monotonic ns, two hours in */

/* An IPv4 or IPv6 address as accept(2) gives it, admitted at NOW. */
static enum pa_why admit(struct preauth *p, const char *ip, int *slot)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(40000)};
	struct sockaddr_in in;

	if (!strchr(ip, ':')) {
		in = v4(ip);
		return preauth__admit(p, (struct sockaddr *)&in, NOW, slot);
	}
	assert_int_equal(inet_pton(AF_INET6, ip, &in6.sin6_addr), 1);
	return preauth__admit(p, (struct sockaddr *)&in6, NOW, slot);
}

static void test_drop_probability_boundaries(void **state)
{
	struct pc_sshd_limits l = PC_SSHD_LIMITS_DEFAULT;

	(void)state;
	assert_int_equal(preauth__drop_pct(&l, 0), 0);
	assert_int_equal(preauth__drop_pct(&l, 9), 0);
	assert_int_equal(preauth__drop_pct(&l, 10), 30);
	assert_int_equal(preauth__drop_pct(&l, 55), 65); /* 30 + 70 * 45 / 90 */
	assert_int_equal(preauth__drop_pct(&l, 99), 99);
	assert_int_equal(preauth__drop_pct(&l, 100), 100);
	assert_int_equal(preauth__drop_pct(&l, 1000), 100);
	l = (struct pc_sshd_limits){.start = 5, .rate = 100, .full = 5};
	assert_int_equal(preauth__drop_pct(&l, 4), 0);
	assert_int_equal(preauth__drop_pct(&l, 5), 100);
}

/* A fifth connection from one address is over the default cap; another address is not. */
static void test_per_source_cap(void **state)
{
	struct pc_sshd_limits l = PC_SSHD_LIMITS_DEFAULT;
	struct preauth p;
	int slot[5];

	(void)state;
	assert_int_equal(preauth__init(&p, &l, 42), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(admit(&p, "127.0.0.2", &slot[i]), PA_ADMIT);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[4]), PA_PER_SOURCE);
	assert_int_equal(admit(&p, "127.0.0.3", &slot[4]), PA_ADMIT);
	assert_int_equal(p.n, 5);
	/* authenticated leaves the set, not counted; a timeout frees a slot and is counted */
	preauth__done(&p, slot[0], PA_ADMIT, NOW);
	preauth__done(&p, slot[1], PA_TIMEOUT, NOW);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[0]), PA_ADMIT);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[1]), PA_ADMIT);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[1]), PA_PER_SOURCE);
	assert_int_equal(p.count[PA_PER_SOURCE], 2);
	assert_int_equal(p.count[PA_TIMEOUT], 1);
	preauth__free(&p);
}

/*
 * Past START a connection is dropped at about RATE % (seeded, so the count
 * is the same every run, and within bounds any seed would give), whether or
 * not its source has others pending: many addresses do not fill to FULL.
 */
static void test_early_drop_follows_the_rate(void **state)
{
	struct pc_sshd_limits l = {.start = 2, .rate = 30, .full = 2000, .per_source = 10000};
	struct preauth p;
	int slot, dropped = 0, again;
	char ip[32];

	(void)state;
	assert_int_equal(preauth__init(&p, &l, 12345), 0);
	assert_int_equal(admit(&p, "10.0.0.1", &slot), PA_ADMIT);
	assert_int_equal(admit(&p, "10.0.0.1", &slot), PA_ADMIT);
	/* n stays at 2..3: each admitted one is released, so the probability stays 30 % */
	for (int i = 0; i < 1000; i++) {
		if (admit(&p, "10.0.0.1", &slot) == PA_ADMIT)
			preauth__done(&p, slot, PA_ADMIT, 0);
		else
			dropped++;
	}
	assert_in_range(dropped, 240, 360);
	assert_int_equal(p.count[PA_EARLY], (unsigned)dropped);
	preauth__free(&p);
	/* the same seed, the same decisions */
	assert_int_equal(preauth__init(&p, &l, 12345), 0);
	admit(&p, "10.0.0.1", &slot);
	admit(&p, "10.0.0.1", &slot);
	again = 0;
	for (int i = 0; i < 1000; i++) {
		if (admit(&p, "10.0.0.1", &slot) == PA_ADMIT)
			preauth__done(&p, slot, PA_ADMIT, 0);
		else
			again++;
	}
	assert_int_equal(again, dropped);
	/* a new address each time: dropped as often */
	dropped = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, i % 250 + 1);
		if (admit(&p, ip, &slot) == PA_ADMIT)
			preauth__done(&p, slot, PA_GAVE_UP, NOW);
		else
			dropped++;
	}
	assert_in_range(dropped, 240, 360);
	assert_int_equal(p.n, 2);
	preauth__free(&p);
}

/* ::ffff:a.b.c.d is the IPv4 source a.b.c.d; all of an IPv6 /64 is one source. */
static void test_sources(void **state)
{
	struct pc_sshd_limits l = {.start = 100, .rate = 30, .full = 100, .per_source = 2};
	struct preauth p;
	int slot;

	(void)state;
	assert_int_equal(preauth__init(&p, &l, 7), 0);
	assert_int_equal(admit(&p, "192.0.2.7", &slot), PA_ADMIT);
	assert_int_equal(admit(&p, "::ffff:192.0.2.7", &slot), PA_ADMIT);
	assert_int_equal(p.slot[slot].family, AF_INET);
	assert_int_equal(admit(&p, "192.0.2.7", &slot), PA_PER_SOURCE);
	assert_int_equal(admit(&p, "::ffff:192.0.2.7", &slot), PA_PER_SOURCE);
	assert_int_equal(admit(&p, "::ffff:192.0.2.8", &slot), PA_ADMIT);
	assert_int_equal(admit(&p, "2001:db8:1:2::1", &slot), PA_ADMIT);
	assert_int_equal(admit(&p, "2001:db8:1:2:ffff:1:2:3", &slot), PA_ADMIT);
	assert_int_equal(admit(&p, "2001:db8:1:2:abcd::9", &slot), PA_PER_SOURCE);
	assert_int_equal(admit(&p, "2001:db8:1:3::1", &slot), PA_ADMIT); /* the next /64 */
	assert_int_equal(admit(&p, "::1", &slot), PA_ADMIT);
	assert_int_equal(p.count[PA_PER_SOURCE], 3);
	assert_int_equal(p.n, 7);
	preauth__free(&p);
}

/*
 * With RATE 100 every connection past START is dropped early, except from
 * a source that authenticated within the hour (an IPv4 address, an IPv6
 * /64): those are admitted past FULL into the reserve (10 % of FULL), and
 * only when that is used up are they dropped too.
 */
static void test_recent_sources(void **state)
{
	struct pc_sshd_limits l = {.start = 1, .rate = 100, .full = 20, .per_source = 100};
	struct preauth p;
	int slot, n;

	(void)state;
	assert_int_equal(preauth__init(&p, &l, 9), 0);
	assert_int_equal(p.nslot, 22);
	assert_int_equal(admit(&p, "10.0.0.1", &slot), PA_ADMIT);
	preauth__done(&p, slot, PA_ADMIT, NOW - 1000000000ull);
	assert_int_equal(admit(&p, "2001:db8::1", &slot), PA_ADMIT);
	preauth__done(&p, slot, PA_ADMIT, NOW);
	assert_int_equal(admit(&p, "10.0.0.5", &slot), PA_ADMIT);
	preauth__done(&p, slot, PA_ADMIT, NOW - PA_RECENT_NS); /* an hour ago: forgotten */
	assert_int_equal(admit(&p, "10.0.0.9", &slot), PA_ADMIT);
	assert_int_equal(p.n, 1);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(admit(&p, "10.0.0.9", &slot), PA_EARLY);
		assert_int_equal(admit(&p, "10.0.0.10", &slot), PA_EARLY);
		assert_int_equal(admit(&p, "10.0.0.5", &slot), PA_EARLY);
	}
	for (n = 1; n < 22; n++)
		assert_int_equal(admit(&p, n % 2 ? "10.0.0.1" : "2001:db8::77", &slot), PA_ADMIT);
	assert_int_equal(p.n, 22);
	assert_int_equal(admit(&p, "10.0.0.1", &slot), PA_EARLY);
	assert_int_equal(admit(&p, "2001:db8::1", &slot), PA_EARLY);
	assert_int_equal(p.count[PA_EARLY], 152);
	/* one freed slot past FULL: a recent source again, nobody else */
	preauth__done(&p, slot, PA_GAVE_UP, NOW);
	assert_int_equal(admit(&p, "10.0.0.10", &slot), PA_EARLY);
	assert_int_equal(admit(&p, "2001:db8:0:0:1::", &slot), PA_ADMIT);
	preauth__free(&p);
}

/* PA_RECENT sources are remembered: one more authenticating forgets the oldest. */
static void test_recent_forgets_the_oldest(void **state)
{
	struct pc_sshd_limits l = {.start = 1, .rate = 100, .full = 10, .per_source = 100};
	struct preauth p;
	char ip[32];
	int slot, keep;

	(void)state;
	assert_int_equal(preauth__init(&p, &l, 3), 0);
	for (int i = 0; i <= PA_RECENT; i++) {
		snprintf(ip, sizeof(ip), "10.2.0.%d", i + 1);
		assert_int_equal(admit(&p, ip, &slot), PA_ADMIT);
		preauth__done(&p, slot, PA_ADMIT, NOW - 1000000000ull * (unsigned)(PA_RECENT - i));
	}
	assert_int_equal(admit(&p, "10.9.9.9", &keep), PA_ADMIT); /* n = 1: past START */
	assert_int_equal(admit(&p, "10.2.0.1", &slot), PA_EARLY); /* the oldest, forgotten */
	for (int i = 1; i <= PA_RECENT; i++) {
		snprintf(ip, sizeof(ip), "10.2.0.%d", i + 1);
		assert_int_equal(admit(&p, ip, &slot), PA_ADMIT);
		preauth__done(&p, slot, PA_GAVE_UP, NOW);
	}
	preauth__free(&p);
}

static void test_summary_line(void **state)
{
	struct pc_sshd_limits l = {.start = 1, .rate = 100, .full = 1, .per_source = 1};
	struct preauth p;
	char line[256];
	int slot, s2;

	(void)state;
	assert_int_equal(preauth__init(&p, &l, 1), 0);
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 0);
	assert_int_equal(admit(&p, "127.0.0.2", &slot), PA_ADMIT);
	assert_int_equal(admit(&p, "127.0.0.2", &s2), PA_PER_SOURCE);
	assert_int_equal(admit(&p, "127.0.0.3", &s2), PA_EARLY); /* full */
	preauth__done(&p, slot, PA_TIMEOUT, NOW);
	assert_int_equal(admit(&p, "127.0.0.3", &slot), PA_ADMIT);
	preauth__done(&p, slot, PA_GAVE_UP, NOW);
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 1);
	assert_string_equal(line, "dropped 3 unauthenticated connections (1 over the per-source "
				  "cap, 1 early drop, 1 auth timeout); 1 more closed or failed "
				  "the key exchange before authenticating");
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 0); /* reset */
	/* refused authentication attempts: alone, and a connection closed for them */
	preauth__refused(&p);
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 1);
	assert_string_equal(line, "dropped 0 unauthenticated connections (0 over the per-source "
				  "cap, 0 early drop, 0 auth timeout); refused 1 authentication "
				  "attempts (0 connections closed after 6)");
	assert_int_equal(admit(&p, "127.0.0.3", &slot), PA_ADMIT);
	for (int i = 0; i < PA_AUTH_TRIES; i++)
		preauth__refused(&p);
	preauth__done(&p, slot, PA_TOO_MANY, NOW);
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 1);
	assert_non_null(strstr(line, "; refused 6 authentication attempts (1 connections closed "
				     "after 6)"));
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 0);
	preauth__free(&p);
}

static void test_flags(void **state)
{
	struct pc_sshd_limits l = PC_SSHD_LIMITS_DEFAULT;
	char err[256];

	(void)state;
	assert_int_equal(sshd_limits_set(&l, "--max-startups", "5:50:20", err, sizeof(err)), 0);
	assert_int_equal(l.start, 5);
	assert_int_equal(l.rate, 50);
	assert_int_equal(l.full, 20);
	assert_int_equal(sshd_limits_set(&l, "--max-startups", "8", err, sizeof(err)), 0);
	assert_true(l.start == 8 && l.full == 8);
	const char *bads[] = {"20:30:10", "10:101:100", "0:30:100",    "10:30", "10:30:100x",
			      "",	  "-1",		"10:30:100:4", "99999"};
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		assert_int_equal(sshd_limits_set(&l, "--max-startups", bads[i], err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "START:RATE:FULL"));
	}
	assert_int_equal(sshd_limits_set(&l, "--per-source-startups", "2", err, sizeof(err)), 0);
	assert_int_equal(l.per_source, 2);
	assert_int_equal(sshd_limits_set(&l, "--per-source-startups", "0", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "--per-source-startups=0"));
	assert_int_equal(sshd_limits_set(&l, "--login-grace", "1500ms", err, sizeof(err)), 0);
	assert_int_equal(l.grace_ms, 1500);
	assert_int_equal(sshd_limits_set(&l, "--login-grace", "1ms", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--login-grace=1ms"));
	assert_int_equal(sshd_limits_set(&l, "--max-sessions", "3", err, sizeof(err)), 0);
	assert_int_equal(l.max_sessions, 3);
	assert_int_equal(sshd_limits_set(&l, "--max-sessions", "x", err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop_probability_boundaries),
	    cmocka_unit_test(test_per_source_cap),
	    cmocka_unit_test(test_early_drop_follows_the_rate),
	    cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_recent_sources),
	    cmocka_unit_test(test_recent_forgets_the_oldest),
	    cmocka_unit_test(test_summary_line),
	    cmocka_unit_test(test_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
