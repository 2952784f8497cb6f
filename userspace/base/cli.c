// SPDX-License-Identifier: MIT
/*
 * cli.c: what the command-line programs share around getopt_long (signals
 * that stop them, --help and unknown options, the configuration file before
 * the command line, the tools' usage errors in one wording). See cli.h.
 */
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pc/cli.h"
#include "pc/config.h"
#include "pc/log.h"

static volatile sig_atomic_t *stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	*stop_flag = 1;
}

void pc_cli_stop_on_signals(volatile sig_atomic_t *flag, int ignore_pipe)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: the sleep must return */

	stop_flag = flag;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (ignore_pipe)
		signal(SIGPIPE, SIG_IGN);
}

/* The value of the command line's last --config=, or NULL. */
static const char *config_flag(int argc, char **argv)
{
	const char *config = NULL;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	return config;
}

int pc_cli_config(const char *tool, const struct option *opts, int argc, char **argv, int *ac,
		  char ***av)
{
	char err[512] = "";

	if (pc_config_argv(tool, config_flag(argc, argv), opts, argc, argv, ac, av, err,
			   sizeof(err)))
		fatalx("%s", err);
	return *ac - argc;
}

int pc_cli_tool_config(const char *tool, const struct option *opts, int *argc, char ***argv)
{
	static char **av; /* reachable until exit: getopt's optarg points into it */
	static int ac;
	char err[512] = "";

	if (pc_config_argv(tool, config_flag(*argc, *argv), opts, *argc, *argv, &ac, &av, err,
			   sizeof(err))) {
		log_warnx("%s", err);
		return PC_EXIT_USAGE;
	}
	*argc = ac;
	*argv = av;
	return 0;
}

int pc_cli_log_levels(const char *v, int *verbose)
{
	static const char *const levels[] = {"trace", "debug",	  "info", "warn",
					     "error", "critical", "off"};
	char buf[128], *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return -1;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const char *lv = strchr(t, '=');
		size_t i;

		lv = lv ? lv + 1 : t;
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (!strcasecmp(lv, levels[i]))
				break;
		if (i == sizeof(levels) / sizeof(levels[0]))
			return -1;
		if (i < 2)
			*verbose = 1;
	}
	return 0;
}

uint32_t pc_cli_u32(const char *flag, const char *v)
{
	uint64_t x;

	if (pc_parse_u64(v, UINT32_MAX, &x))
		fatalx("%s=%s: not a number between 0 and %u", flag, v, UINT32_MAX);
	return (uint32_t)x;
}

int pc_cli_other_option(int c, char *const argv[], void (*usage)(FILE *f), int usage_on_error)
{
	if (c == 'h') {
		usage(stdout);
		return 0;
	}
	if (c == ':') {
		log_warnx("%s: needs a value", argv[optind - 1]);
		return PC_EXIT_USAGE;
	}
	if (!opterr) /* else getopt_long has said it; the value is not shown (a mistyped --license)
		      */
		log_warnx("%.*s: unknown option", (int)strcspn(argv[optind - 1], "="),
			  argv[optind - 1]);
	if (usage_on_error)
		usage(stderr);
	return PC_EXIT_USAGE;
}

int pc_cli_bad_value(char *const argv[], const char *value)
{
	log_warnx("%s: bad value \"%s\"", argv[optind - 1], value);
	return PC_EXIT_USAGE;
}

int pc_cli_extra_args(int argc, char *const argv[], const char *hint)
{
	if (optind >= argc)
		return 0;
	log_warnx("%s: unexpected argument%s", argv[optind], hint);
	return PC_EXIT_USAGE;
}
