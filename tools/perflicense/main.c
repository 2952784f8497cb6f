// SPDX-License-Identifier: MIT
/*
 * perflicense: makes and checks time-limited site licenses
 * (include/pc/license.h, docs/JOURNAL.md).
 *   perflicense licenseadd siteid=1 sitename='Evil Corp' mac=02:fc:00:00:00:01 duration=30
 * prints the block the tools' config files take; licensecheck says whether
 * a license is valid for a site and why not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pc/cli.h"
#include "pc/license.h"
#include "pc/log.h"

#define MAX_DURATION 36500 /* days */

static const char usage[] =
    "usage: perflicense licenseadd siteid=N sitename=NAME mac=xx:xx:xx:xx:xx:xx duration=DAYS\n"
    "       perflicense licensecheck siteid=N sitename=NAME mac=xx:xx:xx:xx:xx:xx\n"
    "                   license=xxxx-xxxx-xxxx-xxxx-xxxx-xxxx|license-file=PATH "
    "[date=YYYY-MM-DD]\n"
    "       perflicense --version\n"
    "Site name and license are compared exactly (case and spaces count).\n";

enum { A_SITEID, A_SITENAME, A_MAC, A_DURATION, A_LICENSE, A_DATE, A_LICENSE_FILE, A_MAX };
static const char *const names[A_MAX] = {"siteid",  "sitename", "mac",	       "duration",
					 "license", "date",	"license-file"};

/* key=value arguments into val[]; only the keys in allowed. */
static void parse_args(int argc, char **argv, unsigned allowed, const char *val[A_MAX])
{
	for (int i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		int k;

		for (k = 0; k < A_MAX; k++)
			if (eq && (size_t)(eq - argv[i]) == strlen(names[k]) &&
			    !strncmp(argv[i], names[k], strlen(names[k])))
				break;
		if (k == A_MAX ||
		    !(allowed & 1u << k)) /* the value not shown: a mistyped license= */
			fatalx("argument %d '%.*s%s': unknown; want key=value with key one of the "
			       "usage",
			       i, (int)strcspn(argv[i], "="), argv[i], eq ? "=..." : "");
		if (val[k])
			fatalx("%s= given twice", names[k]);
		val[k] = eq + 1;
	}
	if ((allowed & 1u << A_LICENSE_FILE) && val[A_LICENSE_FILE]) {
		if (val[A_LICENSE])
			fatalx("license= and license-file= given: one of them");
		val[A_LICENSE] = val[A_LICENSE_FILE];
	}
	for (int k = 0; k < A_MAX; k++)
		if ((allowed & 1u << k) && !val[k] && k != A_DATE && k != A_LICENSE_FILE)
			fatalx("missing %s=\n%s", names[k], usage);
}

/* A development build says so wherever it makes or checks a license. */
static void say_build(void)
{
	if (strncmp(license__build(), "release", 7))
		log_warnx("%s", license__build());
}

static void parse_site(const char *val[A_MAX], struct pc_site *site)
{
	char err[256];

	if (license__parse_siteid(val[A_SITEID], &site->siteid, err, sizeof(err)) ||
	    license__check_sitename(val[A_SITENAME], err, sizeof(err)) ||
	    license__parse_mac(val[A_MAC], site->mac, err, sizeof(err)))
		fatalx("%s", err);
	site->sitename = val[A_SITENAME];
}

/* YYYY-MM-DD as a day that exists (timegm would take 2026-02-30 as March 2); fatal if not. */
static time_t parse_date(const char *text)
{
	struct tm tm = {0}, back;
	const char *end = strptime(text, "%Y-%m-%d", &tm);
	int y, m, d;
	time_t t;

	if (!end || *end)
		fatalx("date '%s': want YYYY-MM-DD", text);
	y = tm.tm_year, m = tm.tm_mon, d = tm.tm_mday;
	t = timegm(&tm);
	if (!gmtime_r(&t, &back) || back.tm_year != y || back.tm_mon != m || back.tm_mday != d)
		fatalx("date '%s': no such day", text);
	return t;
}

static int licenseadd(int argc, char **argv)
{
	const char *val[A_MAX] = {0};
	char text[PC_LICENSE_TEXTLEN + 1], *end;
	struct pc_site site = {0};
	unsigned long days;
	int ret;

	parse_args(argc, argv, 1u << A_SITEID | 1u << A_SITENAME | 1u << A_MAC | 1u << A_DURATION,
		   val);
	parse_site(val, &site);
	errno = 0;
	days = strtoul(val[A_DURATION], &end, 10);
	if (!*val[A_DURATION] || *end || errno || days > MAX_DURATION || val[A_DURATION][0] == '-')
		fatalx("duration '%s': want a number of days from 0 to %d", val[A_DURATION],
		       MAX_DURATION);
	ret = license__make(&site, license__day(time(NULL)) + (uint32_t)days, text);
	if (ret)
		fatalx("cannot make a license: %s", strerror(-ret));
	printf("# License information\nsiteid=%llu\nsitename=%s\nlicense=%s\n",
	       (unsigned long long)site.siteid, site.sitename, text);
	return fflush(stdout) ? 1 : 0;
}

static int licensecheck(int argc, char **argv)
{
	const char *val[A_MAX] = {0};
	struct pc_site site = {0};
	struct pc_license_info info;
	char err[512], mac[18], text[PC_LICENSE_TEXTLEN + 1];
	time_t now = time(NULL);

	parse_args(argc, argv,
		   1u << A_SITEID | 1u << A_SITENAME | 1u << A_MAC | 1u << A_LICENSE |
		       1u << A_DATE | 1u << A_LICENSE_FILE,
		   val);
	parse_site(val, &site);
	site.license = val[A_LICENSE];
	if (val[A_LICENSE_FILE]) {
		if (license__read_file(val[A_LICENSE_FILE], text, err, sizeof(err)))
			fatalx("%s",
			       err + 2); /* "license-file=...": perflicense's words have no -- */
		site.license = text;
	}
	if (val[A_DATE])
		now = parse_date(val[A_DATE]);
	if (license__check(&site, now, &info, NULL, err, sizeof(err))) {
		log_warnx("%s", err);
		return 1;
	}
	license__format_mac(site.mac, mac);
	printf("license valid for siteid=%llu sitename=%s mac=%s through %s (%ld days left)\n",
	       (unsigned long long)site.siteid, site.sitename, mac, info.expiry,
	       (long)info.expiry_day - (long)license__day(now));
	return 0;
}

int main(int argc, char **argv)
{
	log_init(argv[0], 0);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		return pc_cli_version("perflicense", license__build());
	}
	say_build();
	if (!strcmp(argv[1], "licenseadd"))
		return licenseadd(argc, argv);
	if (!strcmp(argv[1], "licensecheck"))
		return licensecheck(argc, argv);
	fprintf(stderr, "perflicense: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
