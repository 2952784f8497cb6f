/* SPDX-License-Identifier: MIT */
/*
 * The flags every reader of recorded data takes, in one place: the site
 * identity that decrypts journals (--siteid --sitename --license [--mac])
 * and the selection (--host --run --from --to). perfjournal and perfreplay
 * add PC_INPUT_FLAG_OPTIONS to their getopt_long tables, hand every option
 * to input_flags__set, and turn the lot into input options with
 * input_flags__finish.
 */
#ifndef PC_INPUT_FLAGS_H
#define PC_INPUT_FLAGS_H

#include <getopt.h>
#include <stdint.h>

#include "pc/input.h"
#include "pc/license.h"

enum {
	PC_OPT_SITEID = 0x400,
	PC_OPT_SITENAME,
	PC_OPT_LICENSE,
	PC_OPT_MAC,
	PC_OPT_HOST,
	PC_OPT_RUN,
	PC_OPT_FROM,
	PC_OPT_TO,
	PC_OPT_LICENSE_FILE,
};

#define PC_INPUT_FLAG_OPTIONS                                                                      \
	{"siteid", required_argument, NULL, PC_OPT_SITEID},                                        \
	    {"sitename", required_argument, NULL, PC_OPT_SITENAME},                                \
	    {"license", required_argument, NULL, PC_OPT_LICENSE},                                  \
	    {"mac", required_argument, NULL, PC_OPT_MAC},                                          \
	    {"host", required_argument, NULL, PC_OPT_HOST},                                        \
	    {"run", required_argument, NULL, PC_OPT_RUN},                                          \
	    {"from", required_argument, NULL, PC_OPT_FROM},                                        \
	    {"license-file", required_argument, NULL, PC_OPT_LICENSE_FILE},                        \
	{                                                                                          \
		"to", required_argument, NULL, PC_OPT_TO                                           \
	}

#define PC_INPUT_FLAG_USAGE                                                                        \
	"  --siteid=N --sitename=NAME --license=xxxx-...\n"                                        \
	"                      the identity that decrypts a journal (exact: case, spaces)\n"       \
	"  --license-file=PATH the license from a file of mode 0600 (not on the command line)\n"  \
	"  --mac=02:fc:...     the processor's MAC (default: each of this machine's)\n"            \
	"  --host=N --run=N    select one host and run (needed when a journal holds more)\n"       \
	"  --from=T --to=T     select samples from <= time < to (unix s or RFC 3339)\n"

struct pc_input_flags {
	const char *siteid, *sitename, *license, *mac;
	const char *host, *run, *from, *to;
	const char *license_file; /* the later of --license and --license-file wins */
	char license_text[PC_LICENSE_TEXTLEN + 1];
	uint8_t macs[16][6];
	struct pc_site site;
	struct pc_input_opts o; /* valid after input_flags__finish */
};

/*
 * 1 when opt is one of PC_INPUT_FLAG_OPTIONS (val kept), 0 when it is not
 * ours. The license comes from --license or --license-file, whichever is
 * given last (so the command line's replaces the configuration file's).
 */
int input_flags__set(struct pc_input_flags *f, int opt, const char *val);
/*
 * Check the values and fill f->o; 0, or -1 after logging which flag and
 * value are wrong. The identity applies to journals: for an input that is
 * none (a collection, pcc file or capture; input NULL: not known) it is
 * ignored with one line saying so. siteid, sitename and license go
 * together; without --mac every MAC of this machine is tried.
 * --license-file is read here.
 */
int input_flags__finish(struct pc_input_flags *f, const char *input);

#endif
