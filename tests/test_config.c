// SPDX-License-Identifier: MIT
/* test_config.c: configuration files merged under the command line; duration and integer parsing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/config.h"

static const struct option opts[] = {
    {"frequency", required_argument, NULL, 'f'},
    {"sitename", required_argument, NULL, 's'},
    {"no-bpf", no_argument, NULL, 'B'},
    {NULL, 0, NULL, 0},
};

static char *write_conf(const char *text)
{
	char *dir = tu_tmpdir();
	char *path;
	FILE *f;

	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/t.conf", dir) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(dir);
	return path;
}

static void drop_conf(char *path)
{
	char *slash = strrchr(path, '/');

	unlink(path);
	*slash = 0;
	tu_rmtree(path);
	free(path);
}

static void test_conf_settings_come_before_command_line(void **state)
{
	char *path = write_conf("#[Application Options]\n\n# comment\nfrequency = 5s\n"
				"sitename=Evil Corp\nno-bpf=true\n");
	char *argv[] = {"prog", "--frequency=100ms", NULL};
	char **av, err[256] = "";
	int ac;

	(void)state;
	assert_int_equal(pc_config_argv("prog", path, opts, 2, argv, &ac, &av, err, sizeof(err)),
			 0);
	assert_int_equal(ac, 5);
	assert_string_equal(av[0], "prog");
	assert_string_equal(av[1], "--frequency=5s");
	/* the value is kept exactly, inner space included */
	assert_string_equal(av[2], "--sitename=Evil Corp");
	assert_string_equal(av[3], "--no-bpf");
	/* the command line comes last, so getopt's last value (the command line's) wins */
	assert_string_equal(av[4], "--frequency=100ms");
	assert_null(av[5]);
	pc_config_free(ac, av);
	drop_conf(path);
}

/* A file of len bytes (NULs allowed). */
static char *write_conf_bytes(const char *bytes, size_t len)
{
	char *path = write_conf("");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	return path;
}

/* A file of these bytes is refused with -EINVAL and an error that says want. */
static void expect_conf_error(const char *bytes, size_t len, const char *want)
{
	char *path = write_conf_bytes(bytes, len);
	char *argv[] = {"prog", NULL};
	char **av, err[256] = "";
	int ac;

	assert_int_equal(pc_config_argv("prog", path, opts, 1, argv, &ac, &av, err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s' does not say '%s'", err, want);
	drop_conf(path);
}

static void test_conf_nul_byte_is_named(void **state)
{
	static const char text[] = "frequency=1s\nsitename=Evil\0Corp\n";

	(void)state;
	/* it was reported as a line too long */
	expect_conf_error(text, sizeof(text) - 1, "line 2: holds a NUL byte (byte 14)");
}

static void test_conf_long_line_is_named(void **state)
{
	char *text = malloc(5000);

	(void)state;
	memcpy(text, "frequency=1s\nsitename=", 23);
	memset(text + 23, 'x', 5000 - 23);
	expect_conf_error(text, 5000, "line 2: longer than 4094 bytes");
	free(text);
}

/*
 * docs/JOURNAL.md: site names compare exactly, so a value keeps its trailing
 * blanks (only the line end, \n or \r\n, goes; blanks around the key and
 * right after '=' are not part of it).
 */
static void test_conf_value_keeps_trailing_blanks(void **state)
{
	char *path = write_conf(" sitename = Evil Corp  \t\r\nfrequency=5s\r\n");
	char *argv[] = {"prog", NULL};
	char **av, err[256] = "";
	int ac;

	(void)state;
	assert_int_equal(pc_config_argv("prog", path, opts, 1, argv, &ac, &av, err, sizeof(err)),
			 0);
	assert_int_equal(ac, 3);
	assert_string_equal(av[1], "--sitename=Evil Corp  \t");
	assert_string_equal(av[2], "--frequency=5s");
	pc_config_free(ac, av);
	drop_conf(path);
}

static void test_conf_unknown_key_names_file_and_line(void **state)
{
	char *path = write_conf("frequency=1s\nfrequncy=2s\n");
	char *argv[] = {"prog", NULL};
	char **av, err[256] = "";
	int ac;

	(void)state;
	assert_int_equal(pc_config_argv("prog", path, opts, 1, argv, &ac, &av, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "frequncy"));
	drop_conf(path);
}

static void test_conf_missing_value_and_bad_switch(void **state)
{
	char *p1 = write_conf("frequency=\n"), *p2 = write_conf("no-bpf=maybe\n");
	char *argv[] = {"prog", NULL};
	char **av, err[256] = "";
	int ac;

	(void)state;
	assert_int_equal(pc_config_argv("prog", p1, opts, 1, argv, &ac, &av, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	err[0] = 0;
	assert_int_equal(pc_config_argv("prog", p2, opts, 1, argv, &ac, &av, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "maybe"));
	drop_conf(p1);
	drop_conf(p2);
}

static void test_conf_explicit_missing_file_is_an_error(void **state)
{
	char *argv[] = {"prog", NULL};
	char **av, err[256] = "";
	int ac;

	(void)state;
	assert_int_equal(pc_config_argv("prog", "/nonexistent/x.conf", opts, 1, argv, &ac, &av, err,
					sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.conf"));
}

static void test_conf_default_file_is_optional(void **state)
{
	char *argv[] = {"prog", "--frequency=1s", NULL};
	char **av, err[256] = "";
	int ac;

	(void)state;
	setenv("HOME", "/nonexistent-home", 1);
	assert_int_equal(pc_config_argv("prog", NULL, opts, 2, argv, &ac, &av, err, sizeof(err)),
			 0);
	assert_int_equal(ac, 2);
	pc_config_free(ac, av);
}

static void test_duration_go_syntax(void **state)
{
	uint64_t ns;

	(void)state;
	assert_int_equal(pc_parse_duration("100ms", &ns), 0);
	assert_int_equal(ns, 100000000ULL);
	assert_int_equal(pc_parse_duration("1.5s", &ns), 0);
	assert_int_equal(ns, 1500000000ULL);
	assert_int_equal(pc_parse_duration("2h45m", &ns), 0);
	assert_int_equal(ns, (2 * 3600 + 45 * 60) * 1000000000ULL);
	assert_int_equal(pc_parse_duration("10us", &ns), 0);
	assert_int_equal(ns, 10000ULL);
	assert_int_equal(pc_parse_duration("0", &ns), 0);
	assert_int_equal(ns, 0);
}

static void test_duration_rejects_bad_text(void **state)
{
	uint64_t ns = 7;

	(void)state;
	assert_int_equal(pc_parse_duration("5", &ns), -EINVAL);
	assert_int_equal(pc_parse_duration("", &ns), -EINVAL);
	assert_int_equal(pc_parse_duration("ms", &ns), -EINVAL);
	assert_int_equal(pc_parse_duration("1x", &ns), -EINVAL);
	assert_int_equal(pc_parse_duration("-1s", &ns), -EINVAL);
	assert_int_equal(pc_parse_duration("99999999999999h", &ns), -ERANGE);
	assert_int_equal(ns, 7);
}

static void test_duration_format_round_trips(void **state)
{
	static const char *const cases[] = {"10ms", "100ms", "1s", "90s", "5m", "24h", "250us"};
	char buf[32];
	uint64_t ns;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(pc_parse_duration(cases[i], &ns), 0);
		pc_format_duration(ns, buf, sizeof(buf));
		assert_string_equal(buf, cases[i]);
	}
}

static void test_u64_limits(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pc_parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(pc_parse_u64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(pc_parse_u64("4294967296", UINT32_MAX, &v), -ERANGE);
	assert_int_equal(pc_parse_u64("12a", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(pc_parse_u64("", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(pc_parse_u64("-1", UINT64_MAX, &v), -EINVAL);
}

/* One size parser for the collector's spool bounds and perfload's sizes and rates. */
static void test_size_units_and_rates(void **state)
{
	uint64_t v;

	(void)state;
	/* the spool's sizes (these were test_spool's) */
	assert_int_equal(pc_parse_size("512", 0, &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(pc_parse_size("16M", 0, &v), 0);
	assert_int_equal(v, 16ull << 20);
	assert_int_equal(pc_parse_size("1GiB", 0, &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(pc_parse_size("2T", 0, &v), 0);
	assert_int_equal(v, 2ull << 40);
	assert_int_equal(pc_parse_size("", 0, &v), -EINVAL);
	assert_int_equal(pc_parse_size("-1", 0, &v), -EINVAL);
	assert_int_equal(pc_parse_size("12X", 0, &v), -EINVAL);
	assert_int_equal(pc_parse_size("1Mxyz", 0, &v), -EINVAL);
	assert_int_equal(pc_parse_size("18446744073709551615K", 0, &v), -ERANGE);
	assert_int_equal(pc_parse_size("99999999999999999999999", 0, &v), -ERANGE);
	/* perfload's: lower case, fractions, powers of 1000, rates */
	assert_int_equal(pc_parse_size("16m", 0, &v), 0);
	assert_int_equal(v, 16u << 20);
	assert_int_equal(pc_parse_size("1.5G", 0, &v), 0);
	assert_int_equal(v, 3ull << 29);
	assert_int_equal(pc_parse_size("10MB", 0, &v), 0);
	assert_int_equal(v, 10000000);
	assert_int_equal(pc_parse_size("10MiB/s", 1, &v), 0);
	assert_int_equal(v, 10u << 20);
	assert_int_equal(pc_parse_size("10MiB", 1, &v), -EINVAL); /* a rate wants /s */
	assert_int_equal(pc_parse_size("10MiB/s", 0, &v), -EINVAL);
	assert_int_equal(pc_parse_size("MiB", 0, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conf_settings_come_before_command_line),
	    cmocka_unit_test(test_conf_nul_byte_is_named),
	    cmocka_unit_test(test_conf_long_line_is_named),
	    cmocka_unit_test(test_conf_value_keeps_trailing_blanks),
	    cmocka_unit_test(test_conf_unknown_key_names_file_and_line),
	    cmocka_unit_test(test_conf_missing_value_and_bad_switch),
	    cmocka_unit_test(test_conf_explicit_missing_file_is_an_error),
	    cmocka_unit_test(test_conf_default_file_is_optional),
	    cmocka_unit_test(test_duration_go_syntax),
	    cmocka_unit_test(test_duration_rejects_bad_text),
	    cmocka_unit_test(test_duration_format_round_trips),
	    cmocka_unit_test(test_u64_limits),
	    cmocka_unit_test(test_size_units_and_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
