/* SPDX-License-Identifier: MIT */
/*
 * What the command-line programs do alike around getopt_long, so that each
 * thing is done and worded one way: stopping on SIGINT/SIGTERM by setting a
 * flag, --help and the options a program does not know, the configuration
 * file placed before the command line (the daemons, whose bad values are
 * fatal "FLAG=VALUE: ..." messages), and the usage errors of the tools
 * (getopt_long with opterr 0 and an optstring starting with ':', errors
 * warned as "FLAG: ..." and answered with PC_EXIT_USAGE). The value parsers
 * themselves are config.h's.
 */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

/* The exit status of a usage error: a bad option, value or argument. */
#define PC_EXIT_USAGE 2

/*
 * SIGINT and SIGTERM set *flag to 1, without SA_RESTART so that a sleep
 * returns early; with ignore_pipe SIGPIPE is ignored too (a write to a closed
 * pipe fails with EPIPE instead). One flag per process: a later call replaces it.
 */
void pc_cli_stop_on_signals(volatile sig_atomic_t *flag, int ignore_pipe);

/*
 * Daemons: argv with the settings of the configuration file (--config=FILE on
 * the command line, else ~/.<tool>/<tool>.conf) placed before the command
 * line's, in *ac and *av (free with pc_config_free); a bad file is fatal.
 * Returns how many words came from the file: (*av)[1..n].
 */
int pc_cli_config(const char *tool, const struct option *opts, int argc, char **argv, int *ac,
		  char ***av);

/*
 * Tools: *argc and *argv replaced by the same merge (once per process: the new
 * argv stays allocated until exit); a bad file is warned and returns
 * PC_EXIT_USAGE, else 0.
 */
int pc_cli_tool_config(const char *tool, const struct option *opts, int *argc, char ***argv);

/*
 * The seeds' log levels, one LEVEL or SUBSYSTEM=LEVEL[,...] (perfreplay's
 * --log=prp=DEBUG, perfprocessord's --debuglevel=trace): there is one log
 * here, so TRACE or DEBUG anywhere sets *verbose and INFO, WARN, ERROR,
 * CRITICAL and OFF change nothing. -1 for another word.
 */
int pc_cli_log_levels(const char *v, int *verbose);

/* Daemons: v as a 32-bit unsigned number; "FLAG=V: not a number ..." is fatal. */
uint32_t pc_cli_u32(const char *flag, const char *v);

/*
 * The options a program's switch leaves to its default branch. -h/--help
 * prints usage on stdout and returns 0. Anything else returns PC_EXIT_USAGE,
 * after usage on stderr when usage_on_error; with opterr 0 (the tools) it
 * first warns "FLAG: needs a value" (getopt_long's ':', then no usage) or
 * "FLAG: unknown option"; with opterr set (the daemons) getopt_long has
 * already said what is wrong. main returns what it returns.
 */
int pc_cli_other_option(int c, char *const argv[], void (*usage)(FILE *f), int usage_on_error);

/* Tools: warns "FLAG: bad value \"VALUE\"" for the option just read; returns PC_EXIT_USAGE. */
int pc_cli_bad_value(char *const argv[], const char *value);

/*
 * Tools: words left after the options (argv[optind..]): warns "WORD: unexpected
 * argument" and hint (may be "") about the first and returns PC_EXIT_USAGE; 0
 * when none is left.
 */
int pc_cli_extra_args(int argc, char *const argv[], const char *hint);

/* The version of this build (scripts/version.sh: git describe, or the package's). */
const char *pc_version(void);

/*
 * --version: "PROG (perfcollector) VERSION: BUILD" on stdout, where build is
 * license__build()'s release or development build; returns 0 (the exit status).
 */
int pc_cli_version(const char *prog, const char *build);

#endif
