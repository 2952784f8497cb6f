// SPDX-License-Identifier: MIT
/*
 * test_preauth.c: the SSH server's admission of unauthenticated connections
 * (userspace/transport/preauth.c) decides as the limits say: the early-drop
 * probability at and around START and FULL, the per-source cap, a source's
 * first connection dropped only at FULL, freed slots reused, the counts of
 * the summary line, and the flags' parsing with messages naming the value.
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

static enum pa_why admit(struct preauth *p, const char *ip, int *slot)
{
	struct sockaddr_in in = v4(ip);

	return preauth__admit(p, (struct sockaddr *)&in, slot);
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
	preauth__done(&p, slot[0], PA_ADMIT);
	preauth__done(&p, slot[1], PA_TIMEOUT);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[0]), PA_ADMIT);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[1]), PA_ADMIT);
	assert_int_equal(admit(&p, "127.0.0.2", &slot[1]), PA_PER_SOURCE);
	assert_int_equal(p.count[PA_PER_SOURCE], 2);
	assert_int_equal(p.count[PA_TIMEOUT], 1);
	preauth__free(&p);
}

/*
 * Past START a second connection from a source is dropped at about RATE %
 * (seeded, so the count is the same every run, and within bounds any seed
 * would give); the first from a source only at FULL.
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
			preauth__done(&p, slot, PA_ADMIT);
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
			preauth__done(&p, slot, PA_ADMIT);
		else
			again++;
	}
	assert_int_equal(again, dropped);
	/* new sources are never dropped early, however many are pending, until full */
	for (int i = 0; i < 1998; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, i % 250 + 1);
		assert_int_equal(admit(&p, ip, &slot), PA_ADMIT);
	}
	assert_int_equal(p.n, 2000);
	assert_int_equal(admit(&p, "10.9.9.9", &slot), PA_EARLY);
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
	preauth__done(&p, slot, PA_TIMEOUT);
	assert_int_equal(admit(&p, "127.0.0.3", &slot), PA_ADMIT);
	preauth__done(&p, slot, PA_GAVE_UP);
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 1);
	assert_string_equal(line, "dropped 3 unauthenticated connections (1 over the per-source "
				  "cap, 1 early drop, 1 auth timeout); 1 more closed or failed "
				  "the key exchange before authenticating");
	assert_int_equal(preauth__summary(&p, line, sizeof(line)), 0); /* reset */
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
	    cmocka_unit_test(test_summary_line),
	    cmocka_unit_test(test_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
