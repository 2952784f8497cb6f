// SPDX-License-Identifier: MIT
/*
 * The identity and selection flags of the tools that read recorded data
 * (include/pc/input_flags.h): checked here once, with messages that name the
 * flag and the value.
 */
#include <stdio.h>
#include <string.h>

#include "pc/config.h"
#include "pc/input_flags.h"
#include "pc/log.h"

int input_flags__set(struct pc_input_flags *f, int opt, const char *val)
{
	const char **slot[] = {&f->siteid, &f->sitename, &f->license, &f->mac,
			       &f->host,   &f->run,	 &f->from,    &f->to};

	if (opt == PC_OPT_LICENSE_FILE) {
		f->license_file = val;
		f->license = NULL;
		return 1;
	}
	if (opt < PC_OPT_SITEID || opt > PC_OPT_TO)
		return 0;
	*slot[opt - PC_OPT_SITEID] = val;
	if (opt == PC_OPT_LICENSE)
		f->license_file = NULL;
	return 1;
}

static int parse_number(const char *flag, const char *v, const char *what, int64_t *out)
{
	uint64_t n;

	if (pc_parse_u64(v, UINT32_MAX, &n))
		return log_warnx("%s=%s: not a %s number", flag, v, what), -1;
	*out = (int64_t)n;
	return 0;
}

static int parse_time(const char *flag, const char *v, uint64_t *ns)
{
	if (input__parse_time(v, ns))
		return log_warnx("%s=%s: not a time (unix seconds or 2026-01-10T18:06:07Z)", flag,
				 v),
		       -1;
	return 0;
}

static int parse_selection(struct pc_input_flags *f)
{
	f->o.host = f->o.run = -1;
	if (f->host && parse_number("--host", f->host, "host", &f->o.host))
		return -1;
	if (f->run && parse_number("--run", f->run, "run", &f->o.run))
		return -1;
	if (f->from && parse_time("--from", f->from, &f->o.from_ns))
		return -1;
	if (f->to && parse_time("--to", f->to, &f->o.to_ns))
		return -1;
	if (f->o.to_ns && f->o.to_ns <= f->o.from_ns)
		return log_warnx("--to=%s: not after --from", f->to), -1;
	return 0;
}

static int parse_identity(struct pc_input_flags *f)
{
	char err[256];
	int n;

	if (f->license_file) {
		if (license__read_file(f->license_file, f->license_text, err, sizeof(err)))
			return log_warnx("%s", err), -1;
		f->license = f->license_text;
	}
	if (!f->siteid && !f->sitename && !f->license && !f->mac)
		return 0;
	if (!f->siteid || !f->sitename || !f->license)
		return log_warnx("--siteid, --sitename and --license are needed together "
				 "(missing %s)",
				 !f->siteid	? "--siteid"
				 : !f->sitename ? "--sitename"
						: "--license"),
		       -1;
	if (license__parse_siteid(f->siteid, &f->site.siteid, err, sizeof(err)))
		return log_warnx("--siteid=%s: %s", f->siteid, err), -1;
	if (license__check_sitename(f->sitename, err, sizeof(err)))
		return log_warnx("--sitename: %s", err), -1;
	f->site.sitename = f->sitename;
	f->site.license = f->license;
	if (f->mac) {
		if (license__parse_mac(f->mac, f->macs[0], err, sizeof(err)))
			return log_warnx("--mac=%s: %s", f->mac, err), -1;
		n = 1;
	} else {
		n = license__local_macs(NULL, f->macs, 16);
		if (n < 0)
			n = 0;
	}
	if (n > 0)
		memcpy(f->site.mac, f->macs[0], 6);
	f->o.site = &f->site;
	f->o.macs = (const uint8_t(*)[6])f->macs;
	f->o.nmacs = n;
	return 0;
}

/* An identity given for an input that is no journal: said once, naming the flags, then dropped. */
static void drop_identity(struct pc_input_flags *f, const char *input)
{
	const char **v[] = {&f->siteid, &f->sitename, &f->license, &f->mac};
	static const char *const name[] = {"--siteid", "--sitename", "--license", "--mac"};
	char given[64] = "";

	if (!input || input__is_journal(input) != 0)
		return;
	for (int i = 0; i < 4; i++)
		if (*v[i]) {
			snprintf(given + strlen(given), sizeof(given) - strlen(given), "%s%s",
				 *given ? ", " : "", name[i]);
			*v[i] = NULL;
		}
	if (*given)
		log_info("%s: the identity applies to journals; %s is not one: ignored", given,
			 input);
}

int input_flags__finish(struct pc_input_flags *f, const char *input)
{
	drop_identity(f, input);
	return parse_selection(f) || parse_identity(f) ? -1 : 0;
}
