// SPDX-License-Identifier: MIT
/*
 * test_json.c: the strict JSON reader and string escaper (userspace/format/json.c):
 * token shape, lookups, exact integers, unescaping to UTF-8, every class of
 * malformed input with its byte offset, bounded nesting, and the real pcc
 * and legacy capture files other parts read with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/json.h"

static struct json_doc doc;

static int teardown(void **state)
{
	(void)state;
	json_free(&doc);
	return 0;
}

static int parse(const char *s)
{
	return json_parse(&doc, s, strlen(s));
}

static void test_tokens_span_and_size(void **state)
{
	(void)state;
	assert_int_equal(parse(" {\"a\": [1, {\"b\": null}, true], \"c\": \"x\"} "), 0);
	/* {, "a", [, 1, {, "b", null, true, "c", "x" */
	assert_int_equal(doc.ntok, 10);
	assert_int_equal(doc.tok[0].type, JSON_OBJECT);
	assert_int_equal(doc.tok[0].size, 2);
	assert_int_equal(doc.tok[0].span, 10);
	assert_int_equal(doc.tok[2].type, JSON_ARRAY);
	assert_int_equal(doc.tok[2].size, 3);
	assert_int_equal(doc.tok[2].span, 6);
	assert_int_equal(doc.tok[4].type, JSON_OBJECT);
	assert_int_equal(doc.tok[4].size, 1);
	assert_int_equal(doc.tok[6].type, JSON_NULL);
	assert_int_equal(doc.tok[7].type, JSON_BOOL);
	assert_int_equal(doc.tok[9].type, JSON_STRING);
	assert_int_equal(doc.tok[9].len, 1);
	/* The raw span of a container covers its brackets. */
	assert_int_equal(doc.tok[2].start, 7);
	assert_int_equal(doc.tok[2].len, strlen("[1, {\"b\": null}, true]"));
}

static void test_get_skips_nested_values(void **state)
{
	uint64_t v;
	int t;

	(void)state;
	assert_int_equal(parse("{\"a\":{\"x\":[1,2,{\"c\":3}]},\"b\\u0031\":7,\"c\":8}"), 0);
	t = json_get(&doc, 0, "c");
	assert_true(t > 0);
	assert_int_equal(json_uint64(&doc, t, &v), 0);
	assert_int_equal(v, 8);
	/* Escaped member names compare unescaped. */
	t = json_get(&doc, 0, "b1");
	assert_int_equal(json_uint64(&doc, t, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(json_get(&doc, 0, "x"), -1);
	assert_int_equal(json_get(&doc, 1, "x"), -1); /* 1 is a key, not an object */
	assert_int_equal(json_get(&doc, 99, "x"), -1);
}

static void test_unescape_to_utf8(void **state)
{
	size_t n;
	char *s;

	(void)state;
	assert_int_equal(
	    parse("\"a\\n\\t\\\"\\\\\\/\\b\\f\\r\\u0041\\u00e9\\u20ac\\ud83d\\ude00\xc3\xa9\""), 0);
	s = json_strdup(&doc, 0, &n);
	assert_non_null(s);
	assert_int_equal(n,
			 strlen("a\n\t\"\\/\b\f\rA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9"));
	assert_string_equal(s, "a\n\t\"\\/\b\f\rA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9");
	free(s);
	assert_int_equal(parse("[1]"), 0);
	assert_null(json_strdup(&doc, 0, NULL));
	assert_int_equal(errno, EINVAL);
}

static void test_integers_exact(void **state)
{
	uint64_t u;
	int64_t i;

	(void)state;
	assert_int_equal(parse("[18446744073709551615, 18446744073709551616, -9223372036854775808,"
			       " 9223372036854775808, -0, 1.0, 1e3, -1]"),
			 0);
	assert_int_equal(json_uint64(&doc, 1, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(json_uint64(&doc, 2, &u), -EINVAL);
	assert_int_equal(json_int64(&doc, 3, &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(json_int64(&doc, 4, &i), -EINVAL);
	assert_int_equal(json_uint64(&doc, 4, &u), 0);
	assert_true(u == 9223372036854775808ull);
	assert_int_equal(json_uint64(&doc, 5, &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(json_uint64(&doc, 6, &u), -EINVAL);
	assert_int_equal(json_uint64(&doc, 7, &u), -EINVAL);
	assert_int_equal(json_uint64(&doc, 8, &u), -EINVAL);
	assert_int_equal(json_int64(&doc, 8, &i), 0);
	assert_int_equal(i, -1);
	assert_int_equal(json_uint64(&doc, 0, &u), -EINVAL); /* the array itself */
}

static void test_doubles(void **state)
{
	double d;

	(void)state;
	assert_int_equal(parse("[1.5e3, -0.25, 1e400, 1e-400, 3]"), 0);
	assert_int_equal(json_double(&doc, 1, &d), 0);
	assert_true(d == 1500.0);
	assert_int_equal(json_double(&doc, 2, &d), 0);
	assert_true(d == -0.25);
	assert_int_equal(json_double(&doc, 3, &d), -EINVAL);
	assert_int_equal(json_double(&doc, 4, &d), 0);
	assert_int_equal(json_double(&doc, 5, &d), 0);
	assert_true(d == 3.0);
}

static void test_rejects_malformed_with_offset(void **state)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"", "offset 0: unexpected end of input"},
	    {"   ", "offset 3: unexpected end"},
	    {"{\"a\" 1}", "offset 5: unexpected '1', expected ':'"},
	    {"{\"a\":1,}", "offset 7: unexpected '}', expected a member name"},
	    {"[1,]", "offset 3: unexpected ']'"},
	    {"[1 2]", "offset 3: unexpected '2', expected ',' or ']'"},
	    {"{\"a\":1]", "offset 6"},
	    {"[1}", "offset 2"},
	    {"{1:2}", "offset 1: unexpected '1', expected a member name"},
	    {"\"abc", "offset 0: unterminated string"},
	    {"\"ab\\", "offset 0: unterminated string"},
	    {"\"a\\x\"", "offset 2: bad escape \\'x'"},
	    {"\"a\\u12g4\"", "offset 2: bad \\u escape"},
	    {"\"\\u12\"", "offset 1: bad \\u escape"},
	    {"\"\\udc00\"", "lone low surrogate"},
	    {"\"\\ud800\"", "without a low one"},
	    {"\"\\ud800\\u0041\"", "without a low one"},
	    {"\"a\tb\"", "offset 2: control character 0x09"},
	    {"\"\xc3\"", "offset 1: invalid UTF-8"},
	    {"\"\xc0\xaf\"", "invalid UTF-8"},
	    {"\"\xed\xa0\x80\"", "invalid UTF-8"},
	    {"\"\xf4\x90\x80\x80\"", "invalid UTF-8"},
	    {"01", "offset 1: trailing '1'"},
	    {"-", "no digit after '-'"},
	    {"1.", "no digit after '.'"},
	    {"1e+", "no digit in exponent"},
	    {"+1", "offset 0: unexpected '+'"},
	    {"tru", "offset 0: unexpected 't'"},
	    {"nul", "unexpected 'n'"},
	    {"[1] [2]", "offset 4: trailing '['"},
	    {"{\"a\":1", "offset 6: unexpected end of input in object opened at offset 0"},
	    {"[\x01]", "byte 0x01"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(parse(bad[i].text), -EINVAL);
		if (!strstr(doc.err, bad[i].err))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].text, doc.err, bad[i].err);
	}
}

static void test_embedded_nul_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(json_parse(&doc, "\"a\0b\"", 5), -EINVAL);
	assert_non_null(strstr(doc.err, "control character 0x00"));
	assert_int_equal(json_parse(&doc, "1\0", 2), -EINVAL);
}

static void test_depth_is_bounded(void **state)
{
	char buf[300000];
	size_t n;

	(void)state;
	/* 64 levels parse; 65 do not. */
	memset(buf, '[', 64);
	memset(buf + 64, ']', 64);
	assert_int_equal(json_parse(&doc, buf, 128), 0);
	memset(buf, '[', 65);
	memset(buf + 65, ']', 65);
	assert_int_equal(json_parse(&doc, buf, 130), -EINVAL);
	assert_non_null(strstr(doc.err, "offset 64: nesting deeper than 64"));
	/* Hostile depth: no stack exhaustion. */
	n = sizeof(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = i % 2 ? '[' : '{';
	assert_int_equal(json_parse(&doc, buf, n), -EINVAL);
	memset(buf, '[', n);
	assert_int_equal(json_parse(&doc, buf, n), -EINVAL);
}

static void test_every_truncation_fails(void **state)
{
	const char *text =
	    "{\"a\":[1,-2.5e3,\"x\\u00e9\\n\"],\"b\":{\"c\":true,\"d\":null},\"e\":[]}";
	size_t len = strlen(text);

	(void)state;
	assert_int_equal(json_parse(&doc, text, len), 0);
	for (size_t n = 0; n < len; n++) {
		char *p = malloc(n ? n : 1);

		memcpy(p, text, n); /* no NUL: ASan catches a read past n */
		assert_int_equal(json_parse(&doc, p, n), -EINVAL);
		assert_non_null(strstr(doc.err, "offset "));
		free(p);
	}
}

static void test_token_array_is_reused(void **state)
{
	struct json_tok *tok;
	uint32_t cap;

	(void)state;
	assert_int_equal(parse("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]"), 0);
	tok = doc.tok;
	cap = doc.cap;
	for (int i = 0; i < 100; i++)
		assert_int_equal(parse("{\"a\":[1,2,3],\"b\":\"c\"}"), 0);
	assert_ptr_equal(doc.tok, tok);
	assert_int_equal(doc.cap, cap);
}

static char *written(const char *s, size_t len)
{
	char *p = NULL;
	size_t n;
	FILE *f = open_memstream(&p, &n);

	json_write_string(f, s, len);
	fclose(f);
	return p;
}

static void test_write_string_escapes(void **state)
{
	char *w;
	static const char in[] = "a\"b\\c\nd\te\x01\x1f\x7f\xc3\xa9";

	(void)state;
	w = written(in, sizeof(in) - 1);
	assert_string_equal(w, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\x7f\xc3\xa9\"");
	free(w);
	w = written("", 0);
	assert_string_equal(w, "\"\"");
	free(w);
}

static void test_write_then_read_every_byte(void **state)
{
	char in[0x80 + 4], *w, *back;
	size_t n = 0, m;

	(void)state;
	for (int c = 0; c < 0x80; c++)
		in[n++] = (char)c; /* NUL included: it becomes \u0000 */
	memcpy(in + n, "\xe2\x82\xac", 3);
	n += 3;
	w = written(in, n);
	assert_int_equal(parse(w), 0);
	back = json_strdup(&doc, 0, &m);
	assert_int_equal(m, n);
	assert_memory_equal(back, in, n);
	free(back);
	free(w);
}

/* Every line of a pcc collection parses and its measurement unescapes. */
static void test_pcc_fixture_lines(void **state)
{
	const char *path = tu_shared("pcc-sys-info-test/sys-info-test.json");
	size_t len, lines = 0, stat = 0;
	char *text = tu_read_file(path, &len), *p, *nl;

	(void)state;
	if (!text)
		tu_skip("%s not readable", path);
	for (p = text; p < text + len; p = nl + 1) {
		int m, sub;
		char *meas, *name;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		if (nl == p)
			continue;
		if (json_parse(&doc, p, (size_t)(nl - p)))
			fail_msg("line %zu: %s", lines + 1, doc.err);
		lines++;
		sub = json_get(&doc, 0, "subsystem");
		m = json_get(&doc, 0, "measurement");
		assert_true(sub > 0 && m > 0);
		assert_non_null(json_get(&doc, 0, "timestamp") > 0 ? "" : NULL);
		name = json_strdup(&doc, sub, NULL);
		meas = json_strdup(&doc, m, NULL);
		if (!strcmp(name, "/proc/stat")) {
			stat++;
			assert_memory_equal(meas, "cpu  ", 5);
			assert_non_null(strstr(meas, "\nctxt "));
		}
		free(name);
		free(meas);
	}
	assert_int_equal(lines, 90);
	assert_int_equal(stat, 18);
	free(text);
}

static void test_legacy_capture_lines(void **state)
{
	const char *path = tu_shared("legacy/capture-2cpu.jsonl");
	size_t len, lines = 0;
	char *text = tu_read_file(path, &len), *p, *nl;

	(void)state;
	if (!text)
		tu_skip("%s not readable", path);
	for (p = text; p < text + len; p = nl + 1) {
		int m, sys;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		if (nl == p)
			continue;
		if (json_parse(&doc, p, (size_t)(nl - p)))
			fail_msg("line %zu: %s", lines + 1, doc.err);
		lines++;
		m = json_get(&doc, 0, "Measurement");
		sys = json_get(&doc, m, "System");
		assert_true(sys > 0);
		assert_int_equal(doc.tok[json_get(&doc, m, "Measurement")].type, JSON_STRING);
	}
	assert_int_equal(lines, 444);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_tokens_span_and_size, teardown),
	    cmocka_unit_test_teardown(test_get_skips_nested_values, teardown),
	    cmocka_unit_test_teardown(test_unescape_to_utf8, teardown),
	    cmocka_unit_test_teardown(test_integers_exact, teardown),
	    cmocka_unit_test_teardown(test_doubles, teardown),
	    cmocka_unit_test_teardown(test_rejects_malformed_with_offset, teardown),
	    cmocka_unit_test_teardown(test_embedded_nul_is_rejected, teardown),
	    cmocka_unit_test_teardown(test_depth_is_bounded, teardown),
	    cmocka_unit_test_teardown(test_every_truncation_fails, teardown),
	    cmocka_unit_test_teardown(test_token_array_is_reused, teardown),
	    cmocka_unit_test(test_write_string_escapes),
	    cmocka_unit_test_teardown(test_write_then_read_every_byte, teardown),
	    cmocka_unit_test_teardown(test_pcc_fixture_lines, teardown),
	    cmocka_unit_test_teardown(test_legacy_capture_lines, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
