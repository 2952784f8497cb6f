// SPDX-License-Identifier: MIT
/*
 * test_store.c: perfprocessord's store over the encrypted journal
 * (userspace/perfprocessord/store.c, compiled in here: it belongs to the
 * daemon, not to libpc). A batch is durable once its ticket is waited for;
 * a resend is recognised from the journal itself after a reopen (the
 * kill -9 case), and while its first copy is still queued; hosts and runs
 * are independent; gaps are stored as they come; a wrong identity is
 * refused without touching the file; hostile sequence numbers are refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/testutil.h"
#include "../userspace/perfprocessord/store.c"
#include "common/site.h"

struct fx {
	char *dir, path[4096];
	struct pc_buf pay;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	struct journal *j;

	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/journal", f->dir);
	/* created with a cheap KDF: the store reads the parameters from the header */
	j = journal__open_append(f->path, &site, &fast, err, sizeof(err));
	if (!j || journal__close(j))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	pc_buf_free(&f->pay);
	free(f);
	return 0;
}

/* A batch of n samples from seq first, the first one flagged with a gap of gap samples. */
static struct pc_wire_batch batch(struct fx *f, uint32_t host, uint32_t run, uint64_t first,
				  uint32_t n, uint64_t gap)
{
	struct pc_wire_batch b = {.host = host, .run = run, .first_seq = first, .nsamples = n};
	struct pc_sample s;
	struct pc_enc e;

	pc_sample_init(&s);
	pc_enc_init(&e);
	f->pay.len = 0;
	for (uint32_t i = 0; i < n; i++) {
		pc_sample_reset(&s);
		s.host = host;
		s.run = run;
		s.seq = first + i;
		s.time_ns = s.taken_ns = 1767225600000000000ull + s.seq * 1000000000ull;
		if (!i && gap) {
			s.flags = PC_SF_GAP_BEFORE;
			s.gap_reason = PC_GAP_SPOOL_FULL;
			s.gap_count = gap;
		}
		assert_int_equal(pc_enc_sample(&e, &s, &f->pay), 0);
	}
	b.first_ns = 1767225600000000000ull + first * 1000000000ull;
	b.last_ns = b.first_ns + (n ? n - 1 : 0) * 1000000000ull;
	b.payload = (struct pc_wire_str){(const char *)f->pay.p, (uint32_t)f->pay.len};
	pc_enc_free(&e);
	pc_sample_free(&s);
	return b;
}

static struct store *open_store(struct fx *f)
{
	char err[512];
	struct store *st = store__open(f->path, &site, err, sizeof(err));

	if (!st)
		fail_msg("store__open: %s", err);
	return st;
}

/* put and wait; the return of store__put */
static int put(struct store *st, const struct pc_wire_batch *b)
{
	uint64_t ticket = 0;
	int ret = store__put(st, b, &ticket);

	if (ret >= 0)
		assert_int_equal(store__wait(st, ticket), 0);
	return ret;
}

/* The dump of the journal, in a malloc'd string. */
static char *dump(struct fx *f)
{
	char *text = NULL, err[512];
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	if (store__dump(f->path, &site, m, err, sizeof(err)))
		fail_msg("store__dump: %s", err);
	fclose(m);
	return text;
}

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_resend_after_reopen_is_dropped(void **state)
{
	struct fx *f = *state;
	struct store *st = open_store(f);
	struct pc_wire_batch b;
	char *text, want[64];

	b = batch(f, 0, 1, 0, 3, 0);
	assert_int_equal(put(st, &b), 0);
	b = batch(f, 0, 1, 3, 3, 0);
	assert_int_equal(put(st, &b), 0);
	store__close(st); /* as after kill -9: the acks may never have reached the collector */

	st = open_store(f);
	b = batch(f, 0, 1, 0, 3, 0);
	assert_int_equal(put(st, &b), 1);
	b = batch(f, 0, 1, 3, 3, 0);
	assert_int_equal(put(st, &b), 1);
	b = batch(f, 0, 1, 6, 3, 0);
	assert_int_equal(put(st, &b), 0);
	store__close(st);

	text = dump(f);
	assert_int_equal(lines(text), 9);
	for (unsigned i = 0; i < 9; i++) {
		snprintf(want, sizeof(want), "0 1 %u ", i);
		assert_non_null(strstr(text, want));
	}
	free(text);
}

static void test_resend_of_queued_batch_waits_for_it(void **state)
{
	struct fx *f = *state;
	struct store *st = open_store(f);
	struct pc_wire_batch b = batch(f, 0, 1, 0, 2, 0);
	uint64_t t1 = 0, t2 = 0;
	char *text;

	assert_int_equal(store__put(st, &b, &t1), 0);
	assert_int_equal(store__put(st, &b, &t2), 1);
	assert_true(t2 >= t1); /* acknowledging the resend waits for the first copy */
	assert_int_equal(store__wait(st, t2), 0);
	store__close(st);
	text = dump(f);
	assert_int_equal(lines(text), 2);
	free(text);
}

static void test_hosts_and_runs_are_independent(void **state)
{
	struct fx *f = *state;
	struct store *st = open_store(f);
	struct pc_wire_batch b;
	char *text;

	b = batch(f, 0, 1, 0, 1, 0);
	assert_int_equal(put(st, &b), 0);
	b = batch(f, 1, 1, 0, 1, 0);
	assert_int_equal(put(st, &b), 0);
	b = batch(f, 0, 2, 0, 1, 0);
	assert_int_equal(put(st, &b), 0);
	store__close(st);
	text = dump(f);
	assert_non_null(strstr(text, "0 1 0 "));
	assert_non_null(strstr(text, "1 1 0 "));
	assert_non_null(strstr(text, "0 2 0 "));
	assert_int_equal(lines(text), 3);
	free(text);
}

static void test_gap_is_stored_as_it_comes(void **state)
{
	struct fx *f = *state;
	struct store *st = open_store(f);
	struct pc_wire_batch b;
	char *text;

	b = batch(f, 0, 1, 0, 2, 0);
	assert_int_equal(put(st, &b), 0);
	b = batch(f, 0, 1, 9, 2, 7); /* seq 2..8 lost on the collector, marked on seq 9 */
	assert_int_equal(put(st, &b), 0);
	b = batch(f, 0, 1, 0, 2, 0); /* a late resend from before the gap is still a duplicate */
	assert_int_equal(put(st, &b), 1);
	store__close(st);
	text = dump(f);
	assert_int_equal(lines(text), 4);
	assert_non_null(strstr(text, "0 1 9 1767225609000000000 1 1 7\n"));
	free(text);
}

static void test_wrong_identity_refused_untouched(void **state)
{
	struct fx *f = *state;
	struct pc_site other = site;
	struct stat before, after;
	char err[512] = "";

	other.sitename = "Evil Corp "; /* compared exactly */
	assert_int_equal(stat(f->path, &before), 0);
	assert_null(store__open(f->path, &other, err, sizeof(err)));
	assert_non_null(strstr(err, "sitename 'Evil Corp ' is not this journal's"));
	assert_int_equal(stat(f->path, &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

static void test_hostile_sequence_refused(void **state)
{
	struct fx *f = *state;
	struct store *st = open_store(f);
	struct pc_wire_batch b = batch(f, 0, 1, 0, 2, 0);
	uint64_t t = 0;

	b.first_seq = UINT64_MAX; /* first_seq + nsamples would wrap */
	assert_int_equal(store__put(st, &b, &t), -ERANGE);
	b.first_seq = UINT64_MAX - 2; /* the largest that fits */
	assert_int_equal(store__put(st, &b, &t), 0);
	assert_int_equal(store__wait(st, t), 0);
	store__close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_resend_after_reopen_is_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resend_of_queued_batch_waits_for_it, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hosts_and_runs_are_independent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gap_is_stored_as_it_comes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_identity_refused_untouched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_sequence_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
