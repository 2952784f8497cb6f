// SPDX-License-Identifier: MIT
/*
 * test_journal_legacy.c: journals of the original Go tools. The real fixture
 * (legacy/journal-2cpu) must decrypt into exactly the records of the capture
 * it was made from (legacy/capture-2cpu.jsonl); a wrong identity is refused
 * as such; a torn or bit-flipped copy loses only the damaged record; a
 * hostile file cannot make the byte-by-byte resync cost O(n^2).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/journal.h"
#include "pc/json.h"

#define NRECORDS 444

static struct pc_site evil = {
    .siteid = 1, .sitename = "Evil Corp", .license = "6f37-6910-b2a0-e858-9657-f08d"};

static const char *fixture(void)
{
	return tu_shared("legacy/journal-2cpu");
}

static char *load_fixture(size_t *len)
{
	char *p = tu_read_file(fixture(), len);

	if (!p)
		return NULL;
	return p;
}

/* Offsets of the records, walking the length chain of the intact fixture. */
static size_t record_offsets(const uint8_t *p, size_t len, size_t *off, size_t max)
{
	size_t n = 0, o = 0;

	while (o + 4 <= len && n < max) {
		uint32_t l = p[o] | p[o + 1] << 8 | p[o + 2] << 16 | (uint32_t)p[o + 3] << 24;

		off[n++] = o;
		o += 4 + l;
	}
	return n;
}

static char *write_tmp(const char *dir, const void *p, size_t len)
{
	char *path = malloc(strlen(dir) + 16);
	FILE *f;

	snprintf(path, strlen(dir) + 16, "%s/j", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
	return path;
}

/* Count the lines a legacy journal yields. */
static size_t count_lines(const char *path, size_t *ndamage)
{
	struct journal_legacy *l;
	const char *line;
	char err[256];
	size_t len, n = 0;

	l = journal_legacy__open(path, &evil, err, sizeof(err));
	if (!l)
		fail_msg("open %s: %s", path, err);
	while (journal_legacy__next(l, &line, &len) == 1) {
		assert_true(len > 0 && line[0] == '{' && line[len - 1] == '}');
		n++;
	}
	journal_legacy__damage(l, ndamage);
	journal_legacy__close(l);
	return n;
}

static char *str_at(struct json_doc *d, int obj, const char *key)
{
	int t = json_get(d, obj, key);

	return t >= 0 ? json_strdup(d, t, NULL) : NULL;
}

static void compare_record(const char *a, size_t alen, const char *b, size_t blen, size_t i)
{
	static const char *const keys[] = {"Timestamp", "System", "Measurement"};
	static const char *const ids[] = {"Site", "Host", "Run"};
	struct json_doc da = {0}, db = {0};
	int ma, mb;

	assert_int_equal(json_parse(&da, a, alen), 0);
	assert_int_equal(json_parse(&db, b, blen), 0);
	for (size_t k = 0; k < 3; k++) {
		int64_t va = -1, vb = -2;

		assert_int_equal(json_int64(&da, json_get(&da, 0, ids[k]), &va), 0);
		assert_int_equal(json_int64(&db, json_get(&db, 0, ids[k]), &vb), 0);
		assert_true(va == vb);
	}
	ma = json_get(&da, 0, "Measurement");
	mb = json_get(&db, 0, "Measurement");
	assert_true(ma >= 0 && mb >= 0);
	for (size_t k = 0; k < 3; k++) {
		char *sa = str_at(&da, ma, keys[k]), *sb = str_at(&db, mb, keys[k]);

		if (!sa || !sb || strcmp(sa, sb))
			fail_msg("record %zu: %s differs", i, keys[k]);
		free(sa);
		free(sb);
	}
	json_free(&da);
	json_free(&db);
}

static void test_fixture_decrypts_to_capture(void **state)
{
	const char *cap = tu_shared("legacy/capture-2cpu.jsonl");
	struct journal_legacy *l;
	const char *line;
	char err[256], *text, *p;
	size_t len, tlen, n = 0, nd;

	(void)state;
	text = tu_read_file(cap, &tlen);
	if (!text)
		tu_skip("no fixture %s", cap);
	l = journal_legacy__open(fixture(), &evil, err, sizeof(err));
	if (!l)
		fail_msg("%s", err);
	p = text;
	while (journal_legacy__next(l, &line, &len) == 1) {
		char *nl = strchr(p, '\n');

		assert_non_null(nl);
		compare_record(line, len, p, (size_t)(nl - p), n);
		p = nl + 1;
		n++;
	}
	assert_int_equal(n, NRECORDS);
	assert_int_equal(*p, 0); /* every capture line was matched */
	journal_legacy__damage(l, &nd);
	assert_int_equal(nd, 0);
	journal_legacy__close(l);
	free(text);
}

static void expect_refused(const struct pc_site *site)
{
	char err[256];

	assert_null(journal_legacy__open(fixture(), site, err, sizeof(err)));
	assert_int_equal(errno, EKEYREJECTED);
	assert_non_null(strstr(err, "wrong identity"));
}

static void test_wrong_license_refused(void **state)
{
	struct pc_site s = evil;

	(void)state;
	s.license = "6f37-6910-b2a0-e858-9657-f08e";
	expect_refused(&s);
}

static void test_wrong_sitename_refused(void **state)
{
	struct pc_site s = evil;

	(void)state;
	s.sitename = "evil corp";
	expect_refused(&s);
}

static void test_wrong_siteid_refused(void **state)
{
	struct pc_site s = evil;

	(void)state;
	s.siteid = 11;
	expect_refused(&s);
}

static void test_truncated_loses_only_torn_record(void **state)
{
	size_t len, off[NRECORDS + 1], n, nd, cuts[] = {1, 3, 30, 200};
	char *data = load_fixture(&len), *dir = tu_tmpdir(), *path;

	(void)state;
	if (!data)
		tu_skip("no fixture %s", fixture());
	n = record_offsets((uint8_t *)data, len, off, NRECORDS + 1);
	assert_int_equal(n, NRECORDS);
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		/* Cut inside the last record: everything before it is kept. */
		path = write_tmp(dir, data, off[NRECORDS - 1] + cuts[c]);
		assert_int_equal(count_lines(path, &nd), NRECORDS - 1);
		assert_int_equal(nd, 1);
		free(path);
	}
	free(data);
	tu_rmtree(dir);
	free(dir);
}

static void test_bit_flip_loses_one_record(void **state)
{
	size_t len, off[NRECORDS + 1], nd;
	char *data = load_fixture(&len), *dir = tu_tmpdir(), *path;
	/* In a length field, in a nonce, in a ciphertext, in the first and last record. */
	size_t which[] = {0, 7, 100, NRECORDS - 1}, delta[] = {1, 10, 200, 40};

	(void)state;
	if (!data)
		tu_skip("no fixture %s", fixture());
	record_offsets((uint8_t *)data, len, off, NRECORDS + 1);
	for (size_t k = 0; k < 4; k++) {
		size_t at = off[which[k]] + delta[k];

		data[at] ^= 0x10;
		path = write_tmp(dir, data, len);
		assert_int_equal(count_lines(path, &nd), NRECORDS - 1);
		assert_true(nd >= 1);
		data[at] ^= 0x10;
		free(path);
	}
	free(data);
	tu_rmtree(dir);
	free(dir);
}

static void test_garbage_and_empty_refused(void **state)
{
	char *dir = tu_tmpdir(), *path, err[256], junk[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	memset(junk, 0xff, 4); /* 0xffffffff length */
	path = write_tmp(dir, junk, sizeof(junk));
	assert_null(journal_legacy__open(path, &evil, err, sizeof(err)));
	assert_int_equal(errno, EKEYREJECTED);
	free(path);
	path = write_tmp(dir, "", 0);
	assert_null(journal_legacy__open(path, &evil, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "empty"));
	free(path);
	tu_rmtree(dir);
	free(dir);
}

/* Every offset reads as a plausible 16 MiB length: trial decryption must stay bounded. */
static void test_hostile_lengths_do_not_explode(void **state)
{
	size_t len = (16u << 20) + (1u << 20);
	char *dir = tu_tmpdir(), *path, *junk = malloc(len), err[256];

	(void)state;
	memset(junk, 0x01, len); /* u32 0x01010101 = 16843009 everywhere */
	path = write_tmp(dir, junk, len);
	assert_null(journal_legacy__open(path, &evil, err, sizeof(err)));
	assert_int_equal(errno, EKEYREJECTED);
	free(path);
	free(junk);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_decrypts_to_capture),
	    cmocka_unit_test(test_wrong_license_refused),
	    cmocka_unit_test(test_wrong_sitename_refused),
	    cmocka_unit_test(test_wrong_siteid_refused),
	    cmocka_unit_test(test_truncated_loses_only_torn_record),
	    cmocka_unit_test(test_bit_flip_loses_one_record),
	    cmocka_unit_test(test_garbage_and_empty_refused),
	    cmocka_unit_test(test_hostile_lengths_do_not_explode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
