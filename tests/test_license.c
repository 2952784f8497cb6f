// SPDX-License-Identifier: MIT
/*
 * test_license.c: site licenses. A made license checks; one wrong siteid,
 * sitename, MAC or digit, an expired date and malformed text are each refused
 * with their own reason; the identity parsers take hostile values; and the
 * perflicense tool prints the seed's block and checks it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/license.h"

#define NOW ((time_t)1767225600) /* 2026-01-01 */

static struct pc_site evil(char *text)
{
	struct pc_site s = {
	    .siteid = 1, .sitename = "Evil Corp", .mac = {0x02, 0xfc, 0, 0, 0, 1}, .license = text};

	return s;
}

/* A 30-day license for Evil Corp made at NOW. */
static void make30(char text[PC_LICENSE_TEXTLEN + 1])
{
	struct pc_site s = evil(NULL);

	assert_int_equal(license__make(&s, license__day(NOW) + 30, text), 0);
}

/* err holds no part of text past its first group (issue 12 item 8: shown as "0151-..."). */
static void assert_not_shown(const char *err, const char *text)
{
	size_t n = text ? strlen(text) : 0;

	for (size_t o = 5; o + 9 <= n; o++) {
		char part[10];

		memcpy(part, text + o, 9);
		part[9] = 0;
		if (strstr(err, part))
			fail_msg("'%s' shows '%s' of the license", err, part);
	}
}

static enum pc_license_why check(const struct pc_site *s, time_t now, int want_ret, char *err,
				 size_t errlen)
{
	enum pc_license_why why = LICENSE_OK;

	err[0] = 0;
	assert_int_equal(license__check(s, now, NULL, &why, err, errlen), want_ret);
	assert_not_shown(err, s->license);
	return why;
}

static void test_made_license_checks(void **state)
{
	char text[PC_LICENSE_TEXTLEN + 1], err[256];
	struct pc_site s = evil(text);
	struct pc_license_info info;
	enum pc_license_why why;

	(void)state;
	make30(text);
	assert_int_equal(strlen(text), PC_LICENSE_TEXTLEN);
	for (int i = 0; i < PC_LICENSE_TEXTLEN; i++) {
		if (i % 5 == 4)
			assert_int_equal(text[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", text[i]));
	}
	assert_int_equal(license__check(&s, NOW, &info, &why, err, sizeof(err)), 0);
	assert_int_equal(why, LICENSE_OK);
	assert_int_equal(info.expiry_day, license__day(NOW) + 30);
	assert_string_equal(info.expiry, "2026-01-31");
}

static void test_same_input_same_license(void **state)
{
	char a[PC_LICENSE_TEXTLEN + 1], b[PC_LICENSE_TEXTLEN + 1];
	struct pc_site s = evil(NULL);

	(void)state;
	make30(a);
	make30(b);
	assert_string_equal(a, b);
	assert_int_equal(license__make(&s, license__day(NOW) + 31, b), 0);
	assert_string_not_equal(a, b);
}

static void test_wrong_siteid_refused(void **state)
{
	char text[PC_LICENSE_TEXTLEN + 1], err[256];
	struct pc_site s = evil(text);

	(void)state;
	make30(text);
	s.siteid = 2;
	assert_int_equal(check(&s, NOW, -EKEYREJECTED, err, sizeof(err)), LICENSE_WRONG_SITEID);
	assert_non_null(strstr(err, "not for siteid 2"));
	/* the first group only, then an ellipsis */
	assert_non_null(strstr(err, "license '"));
	assert_int_equal(strncmp(strstr(err, "license '") + 9, text, 5), 0);
	assert_int_equal(strncmp(strstr(err, "license '") + 14, "\xe2\x80\xa6'", 4), 0);
}

static void test_wrong_sitename_refused_exactly(void **state)
{
	const char *others[] = {"evil corp", "Evil Corp ", " Evil Corp", "Evil  Corp", "EvilCorp"};
	char text[PC_LICENSE_TEXTLEN + 1], err[256];
	struct pc_site s = evil(text);

	(void)state;
	make30(text);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		s.sitename = others[i];
		assert_int_equal(check(&s, NOW, -EKEYREJECTED, err, sizeof(err)),
				 LICENSE_WRONG_SITENAME);
		assert_non_null(strstr(err, "not for sitename"));
	}
}

static void test_wrong_mac_refused(void **state)
{
	char text[PC_LICENSE_TEXTLEN + 1], err[256];
	struct pc_site s = evil(text);

	(void)state;
	make30(text);
	s.mac[5] = 2;
	assert_int_equal(check(&s, NOW, -EKEYREJECTED, err, sizeof(err)), LICENSE_WRONG_MAC);
	assert_non_null(strstr(err, "not for MAC 02:fc:00:00:00:02"));
}

/* Any changed digit of the expiry or the tag is a wrong digit, never accepted. */
static void test_every_wrong_digit_refused(void **state)
{
	char text[PC_LICENSE_TEXTLEN + 1], bad[PC_LICENSE_TEXTLEN + 1], err[256];
	struct pc_site s = evil(bad);
	int rejected = 0;

	(void)state;
	make30(text);
	for (int i = 0; i < PC_LICENSE_TEXTLEN; i++) {
		if (i % 5 == 4)
			continue;
		for (int d = 1; d < 16; d++) {
			enum pc_license_why why;

			strcpy(bad, text);
			bad[i] = "0123456789abcdef"[(strchr("0123456789abcdef", text[i]) -
						     "0123456789abcdef" + d) %
						    16];
			why = LICENSE_OK;
			assert_true(license__check(&s, NOW, NULL, &why, err, sizeof(err)) < 0);
			assert_not_shown(err, bad);
			if (i < 2) /* byte 0: the version */
				assert_int_equal(why, LICENSE_BAD_VERSION);
			else if (i == 7 || i == 8) /* byte 3: the siteid check */
				assert_int_equal(why, LICENSE_WRONG_SITEID);
			else if (i == 10 || i == 11) /* byte 4: the sitename check */
				assert_int_equal(why, LICENSE_WRONG_SITENAME);
			else if (i == 12 || i == 13) /* byte 5: the MAC check */
				assert_int_equal(why, LICENSE_WRONG_MAC);
			else
				assert_int_equal(why, LICENSE_BAD_DIGIT);
			rejected++;
		}
	}
	assert_int_equal(rejected, 24 * 15);
}

static void test_expired_refused_with_date(void **state)
{
	char text[PC_LICENSE_TEXTLEN + 1], err[256];
	struct pc_site s = evil(text);

	(void)state;
	make30(text);
	/* Valid through the whole expiry day (UTC), refused the second after. */
	assert_int_equal(check(&s, NOW + 31 * 86400 - 1, 0, err, sizeof(err)), LICENSE_OK);
	assert_int_equal(check(&s, NOW + 31 * 86400, -EKEYEXPIRED, err, sizeof(err)),
			 LICENSE_EXPIRED);
	assert_non_null(strstr(err, "expired on 2026-01-31"));
}

static void test_malformed_names_the_group(void **state)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
	    {"", "0 characters"},
	    {"6f37-6910-b2a0-e858-9657", "24 characters"},
	    {"6f37-6910-b2a0-e858-9657-f08d-", "30 characters"},
	    {"6f37-6910-b2g0-e858-9657-f08d", "group 3"},
	    {"6F37-6910-b2a0-e858-9657-f08d", "upper case"},
	    {"6f37-6910-b2a0 e858-9657-f08d", "group 3 is not followed"},
	    {"6f37-6910-b2a0-e858-9657-f08\n", "group 6"},
	    {"\xff\xff\xff\xff-6910-b2a0-e858-9657-f08d", "group 1"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pc_site s = evil((char *)cases[i].text);

		assert_int_equal(check(&s, NOW, -EINVAL, err, sizeof(err)), LICENSE_MALFORMED);
		if (!strstr(err, cases[i].says))
			fail_msg("'%s': '%s' does not say '%s'", cases[i].text, err, cases[i].says);
	}
}

static void test_license_file_private_only(void **state)
{
	char *dir = tu_tmpdir(), path[4096], text[PC_LICENSE_TEXTLEN + 1], err[512];
	const char *lic = "6f37-6910-b2a0-e858-9657-f08d";
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/license", dir);
	f = fopen(path, "w");
	fprintf(f, "%s\n", lic);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(license__read_file(path, text, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "mode 0644"));
	assert_non_null(strstr(err, "chmod 600"));
	chmod(path, 0600);
	assert_int_equal(license__read_file(path, text, err, sizeof(err)), 0);
	assert_string_equal(text, lic);
	/* as perflicense prints it, CRLF too */
	f = fopen(path, "w");
	fprintf(f, "license=%s\r\n", lic);
	fclose(f);
	assert_int_equal(license__read_file(path, text, err, sizeof(err)), 0);
	assert_string_equal(text, lic);
	/* not a license: its length said, its text not shown */
	f = fopen(path, "w");
	fprintf(f, "%s0\n", lic);
	fclose(f);
	assert_int_equal(license__read_file(path, text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "30 characters"));
	assert_null(strstr(err, "6f37"));
	assert_int_equal(license__read_file(dir, text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_true(license__read_file(path, text, err, sizeof(err)) == -ENOENT);
	tu_rmtree(dir);
	free(dir);
}

static void test_make_refuses_bad_input(void **state)
{
	char text[PC_LICENSE_TEXTLEN + 1];
	struct pc_site s = evil(NULL);

	(void)state;
	assert_int_equal(license__make(&s, 65536, text), -EINVAL);
	s.sitename = "";
	assert_int_equal(license__make(&s, 100, text), -EINVAL);
}

static void test_parse_siteid(void **state)
{
	const char *bad[] = {"", "-1", "1a", " 1", "18446744073709551616", "99999999999999999999"};
	uint64_t v;
	char err[128];

	(void)state;
	assert_int_equal(license__parse_siteid("18446744073709551615", &v, err, sizeof(err)), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(license__parse_siteid("0", &v, err, sizeof(err)), 0);
	assert_true(v == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(license__parse_siteid(bad[i], &v, err, sizeof(err)), -EINVAL);
}

static void test_parse_mac(void **state)
{
	const char *bad[] = {"",
			     "02:fc:00:00:00",
			     "02:fc:00:00:00:01:",
			     "02-fc-00-00-00-01",
			     "02:fc:00:00:00:0g",
			     "02:fc:00:00:00: 1",
			     "\xff\xff:fc:00:00:00:01",
			     "00:00:00:00:00:00",
			     "ff:ff:ff:ff:ff:ff",
			     "01:00:5e:00:00:01",
			     "33:33:00:00:00:01"};
	uint8_t mac[6];
	char err[128], text[18];

	(void)state;
	assert_int_equal(license__parse_mac("02:FC:00:00:00:01", mac, err, sizeof(err)), 0);
	license__format_mac(mac, text);
	assert_string_equal(text, "02:fc:00:00:00:01");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(license__parse_mac(bad[i], mac, err, sizeof(err)), -EINVAL);
	license__parse_mac("00:00:00:00:00:00", mac, err, sizeof(err));
	assert_non_null(strstr(err, "all zeros"));
	license__parse_mac("FF:FF:FF:FF:FF:FF", mac, err, sizeof(err));
	assert_non_null(strstr(err, "broadcast"));
	license__parse_mac("01:00:5e:00:00:01", mac, err, sizeof(err));
	assert_non_null(strstr(err, "multicast"));
}

static void test_sitename_rules(void **state)
{
	char err[128], longname[300];

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(license__check_sitename("Evil Corp", err, sizeof(err)), 0);
	assert_int_equal(license__check_sitename("", err, sizeof(err)), -EINVAL);
	assert_int_equal(license__check_sitename(longname, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "299 bytes"));
	assert_int_equal(license__check_sitename("Evil\nCorp", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "byte 4"));
}

static void put_file(const char *dir, const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_local_macs_from_sysfs(void **state)
{
	char *root = tu_tmpdir();
	uint8_t macs[4][6];

	(void)state;
	put_file(root, "sys/class/net/lo/address", "00:00:00:00:00:00\n");
	put_file(root, "sys/class/net/eth0/address", "02:fc:00:00:00:01\n");
	put_file(root, "sys/class/net/tun0/address", "\n");
	put_file(root, "sys/class/net/ib0/address", "80:00:02:08:fe:80:00:00:00:00\n");
	assert_int_equal(license__local_macs(root, macs, 4), 1);
	assert_memory_equal(macs[0], ((uint8_t[]){0x02, 0xfc, 0, 0, 0, 1}), 6);
	tu_rmtree(root);
	free(root);
	assert_int_equal(license__local_macs("/nonexistent", macs, 4), -ENOENT);
}

/* Run perflicense with args; its stdout in out, the exit status returned. */
static int run_tool(const char *args, char *out, size_t outlen)
{
	char cmd[1024];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/perflicense %s 2>&1", tu_bindir(), args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_perflicense_add_then_check(void **state)
{
	char bin[512], out[1024], args[512], lic[PC_LICENSE_TEXTLEN + 1];
	const char *l;
	struct stat st;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/perflicense", tu_bindir());
	if (stat(bin, &st))
		tu_skip("%s not built", bin);
	assert_int_equal(run_tool("licenseadd siteid=1 sitename='Evil Corp' mac=02:fc:00:00:00:01 "
				  "duration=30",
				  out, sizeof(out)),
			 0);
	/* a build without the builder's secret says so (on stderr, first here) */
	assert_int_equal(strncmp(out, "perflicense: development build", 30), 0);
	l = strchr(out, '\n') + 1;
	assert_int_equal(
	    strncmp(l, "# License information\nsiteid=1\nsitename=Evil Corp\nlicense=", 58), 0);
	l += 58;
	assert_int_equal(strlen(l), PC_LICENSE_TEXTLEN + 1);
	assert_int_equal(l[PC_LICENSE_TEXTLEN], '\n');
	memcpy(lic, l, PC_LICENSE_TEXTLEN);
	lic[PC_LICENSE_TEXTLEN] = 0;

	snprintf(args, sizeof(args),
		 "licensecheck siteid=1 sitename='Evil Corp' mac=02:fc:00:00:00:01 license=%s",
		 lic);
	assert_int_equal(run_tool(args, out, sizeof(out)), 0);
	snprintf(args, sizeof(args),
		 "licensecheck siteid=1 sitename='Evil Corp' mac=02:fc:00:00:00:02 license=%s",
		 lic);
	assert_int_not_equal(run_tool(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "not for MAC"));
	/* a day that does not exist is refused, not rolled over into March */
	snprintf(args, sizeof(args),
		 "licensecheck siteid=1 sitename='Evil Corp' mac=02:fc:00:00:00:01 license=%s "
		 "date=2026-02-30",
		 lic);
	assert_int_not_equal(run_tool(args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "no such day"));
	assert_int_not_equal(run_tool("licenseadd siteid=1 sitename=a mac=00:00:00:00:00:00 "
				      "duration=30",
				      out, sizeof(out)),
			     0);
	assert_non_null(strstr(out, "all zeros"));
	assert_int_not_equal(run_tool("licenseadd siteid=x sitename=a mac=02:fc:00:00:00:01 "
				      "duration=30",
				      out, sizeof(out)),
			     0);
	assert_non_null(strstr(out, "siteid"));
	assert_int_not_equal(
	    run_tool("licenseadd siteid=1 sitename=a duration=30", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "mac"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_made_license_checks),
	    cmocka_unit_test(test_same_input_same_license),
	    cmocka_unit_test(test_wrong_siteid_refused),
	    cmocka_unit_test(test_wrong_sitename_refused_exactly),
	    cmocka_unit_test(test_wrong_mac_refused),
	    cmocka_unit_test(test_every_wrong_digit_refused),
	    cmocka_unit_test(test_expired_refused_with_date),
	    cmocka_unit_test(test_malformed_names_the_group),
	    cmocka_unit_test(test_license_file_private_only),
	    cmocka_unit_test(test_make_refuses_bad_input),
	    cmocka_unit_test(test_parse_siteid),
	    cmocka_unit_test(test_parse_mac),
	    cmocka_unit_test(test_sitename_rules),
	    cmocka_unit_test(test_local_macs_from_sysfs),
	    cmocka_unit_test(test_perflicense_add_then_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
