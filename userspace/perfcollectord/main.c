// SPDX-License-Identifier: MIT
/*
 * perfcollectord: the collector. This file owns option handling: the long
 * flags, ~/.perfcollectord/perfcollectord.conf, and pcc compatibility (run
 * as "pcc" or with PCC_* variables set, it takes its settings from
 * PCC_MODE / PCC_DURATION / PCC_FREQUENCY / PCC_COLLECTION and writes pcc's
 * JSON lines). Local mode is the default whenever no processor is configured.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collectord.h"
#include "pc/cli.h"
#include "pc/config.h"
#include "pc/io.h"
#include "pc/license.h"
#include "pc/log.h"
#include "pc/path.h"
#include "pc/sampler.h"
#include "pc/spool.h"

volatile sig_atomic_t cd_stop;

static const struct option longopts[] = {
    {"mode", required_argument, NULL, 'm'},
    {"duration", required_argument, NULL, 'd'},
    {"frequency", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"host", required_argument, NULL, 'H'},
    {"run", required_argument, NULL, 'R'},
    {"no-bpf", no_argument, NULL, 'B'},
    {"root", required_argument, NULL, 'r'},
    {"config", required_argument, NULL, 'c'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"listen", required_argument, NULL, 'L'},
    {"sshid", required_argument, NULL, 'S'},
    {"allowedkeys", required_argument, NULL, 'A'},
    {"datadir", required_argument, NULL, 'D'},
    {"spool-mem", required_argument, NULL, 'M'},
    {"spool-file", required_argument, NULL, 'F'},
    {"batch", required_argument, NULL, 'b'},
    {"max-startups", required_argument, NULL, 'T'},
    {"per-source-startups", required_argument, NULL, 'P'},
    {"login-grace", required_argument, NULL, 'G'},
    {"max-sessions", required_argument, NULL, 'N'},
    {"user", required_argument, NULL, 'u'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: perfcollectord [--mode=local|pcc|pcc-container] [--frequency=1s] "
	    "[--duration=10m]\n"
	    "                      [--output=FILE] [--host=N] [--run=N] [--no-bpf] [-v]\n"
	    "  --frequency   sampling interval, 10ms to 1h (Go syntax: 100ms, 1s, 1m)\n"
	    "  --duration    how long to collect; samples = duration / frequency;\n"
	    "                0 or absent: until SIGINT/SIGTERM\n"
	    "  --output      collection file (default ~/.perfcollectord/data/HOST-TIME.pcol;\n"
	    "                pcc mode: JSON lines)\n"
	    "  --mode        local: native collection file; pcc: pcc's JSON lines;\n"
	    "                pcc-container: pcc-container's JSON lines (one per container)\n"
	    "  --no-bpf      do not load the eBPF programs (/proc only)\n"
	    "  --host, --run the host and run numbers the samples carry (default 0, 0)\n"
	    "  --root        read proc/ and sys/ under this directory instead of / (a\n"
	    "                snapshot tree)\n"
	    "  -q, --quiet   no start and end messages\n"
	    "  -v, --verbose debug messages\n"
	    "  --config      configuration file (default ~/.perfcollectord/perfcollectord.conf)\n"
	    "  --user        once set up, run as this user, without capabilities and under a\n"
	    "                seccomp filter (default perfcollector when it exists, else nobody)\n"
	    "  --version     the version and build (release or development)\n"
	    "Server mode (--mode=server, implied by --allowedkeys): a perfprocessord connects\n"
	    "over SSH, starts and stops runs and receives the samples.\n"
	    "  --listen      ADDRESS:PORT to listen on, repeatable (default :2222)\n"
	    "  --sshid       ed25519 host key, created with its .pub when missing\n"
	    "                (default ~/.perfcollectord/ssh_host_ed25519_key)\n"
	    "  --allowedkeys SHA256:... fingerprint of a processor key, as `ssh-keygen -l`\n"
	    "                prints it; repeatable, at least one\n"
	    "  --datadir     spool and run state (default ~/.perfcollectord/data)\n"
	    "  --spool-mem   spool bytes kept in memory (default 16M)\n"
	    "  --spool-file  spool bytes kept on disk at most (default 1G)\n"
	    "  --batch       seal a batch this often while connected (default 1s)\n"
	    "  --max-startups START:RATE:FULL unauthenticated connections: past START drop\n"
	    "                RATE %% of new ones, rising to all at FULL (default 10:30:100)\n"
	    "  --per-source-startups unauthenticated connections per address (default 4)\n"
	    "  --login-grace from connecting to authenticated at most (default 5s)\n"
	    "  --max-sessions authenticated sessions at once (default 16)\n"
	    "A repeatable option given on the command line replaces the configuration file's "
	    "list.\n"
	    "As pcc: PCC_MODE=local PCC_DURATION=10m PCC_FREQUENCY=1s PCC_COLLECTION=FILE pcc\n"
	    "(or pcc-container, with the same variables).\n");
}

uint64_t cd_sample_count(const struct cd_opts *o)
{
	if (!o->duration_ns)
		return 0;
	return o->duration_ns / o->interval_ns ? o->duration_ns / o->interval_ns : 1;
}

void cd_loop_of(struct cd_loop *l, const struct cd_opts *o)
{
	*l = (struct cd_loop){.root = o->root,
			      .sampler_flags = o->sampler_flags,
			      .host = o->host,
			      .run = o->run,
			      .interval_ns = o->interval_ns,
			      .count = cd_sample_count(o),
			      .stop = &cd_stop,
			      .output = o->output,
			      .duration_ns = o->duration_ns,
			      .quiet = o->quiet};
}

static void parse_interval(const char *flag, const char *v, uint64_t *out)
{
	int r = pc_parse_duration(v, out);

	if (r)
		fatalx("%s=%s: not a duration (use e.g. 100ms, 1s, 5m)", flag, v);
	if (!pc_interval_ok(*out))
		fatalx("%s=%s: the interval must be between 10ms and 1h", flag, v);
}

static void parse_duration(const char *flag, const char *v, uint64_t *out)
{
	if (pc_parse_duration(v, out))
		fatalx("%s=%s: not a duration (use e.g. 30s, 10m, 24h)", flag, v);
}

/* pcc's timestamps are whole seconds: a finer interval would give samples the same time. */
static void check_pcc_interval(const char *flag, const char *v, uint64_t ns)
{
	if (ns % 1000000000ULL)
		fatalx(
		    "%s=%s: pcc's format stores whole-second timestamps, so its interval must be "
		    "whole seconds; for sub-second sampling use the native format (--mode=local)",
		    flag, v);
}

/*
 * pcc's settings come from the environment; any PCC_* set selects pcc mode,
 * or pcc-container mode when run as pcc-container (as: the alias's mode,
 * CD_LOCAL when run by its own name) or asked for with --mode.
 */
static int pcc_env(struct cd_opts *o, enum cd_mode as)
{
	const char *mode = getenv("PCC_MODE"), *dur = getenv("PCC_DURATION");
	const char *freq = getenv("PCC_FREQUENCY"), *coll = getenv("PCC_COLLECTION");

	if (as == CD_LOCAL && !mode && !dur && !freq && !coll)
		return 0;
	if (mode && strcmp(mode, "local"))
		fatalx("PCC_MODE=%s: this collector writes local collection files only; "
		       "trickle mode (streaming to a pcd server with an API key) is not supported. "
		       "Set PCC_MODE=local or leave it unset",
		       mode);
	if (!coll || !*coll)
		fatalx("PCC_COLLECTION is not set: name the JSON file to write, "
		       "e.g. PCC_COLLECTION=~/loadtest.json");
	if (!dur || !*dur)
		fatalx("PCC_DURATION is not set: say how long to collect, e.g. PCC_DURATION=10m");
	o->mode = as == CD_PCC_CONTAINER || o->mode == CD_PCC_CONTAINER ? CD_PCC_CONTAINER : CD_PCC;
	o->output = coll;
	parse_duration("PCC_DURATION", dur, &o->duration_ns);
	if (!o->duration_ns)
		fatalx("PCC_DURATION=%s: must be longer than 0", dur);
	o->interval_ns = 1000000000ULL;
	if (freq && *freq) {
		parse_interval("PCC_FREQUENCY", freq, &o->interval_ns);
		check_pcc_interval("PCC_FREQUENCY", freq, o->interval_ns);
	}
	return 1;
}

/* Add to a repeatable list; the first command-line value drops the config file's ones. */
static void list_add(const char ***list, int *n, int *from_cmdline, int cmdline, const char *v)
{
	const char **nl;

	if (cmdline && !*from_cmdline) {
		*n = 0;
		*from_cmdline = 1;
	}
	nl = realloc(*list, (size_t)(*n + 1) * sizeof(*nl));
	if (!nl)
		fatalx("out of memory");
	nl[(*n)++] = v;
	*list = nl;
}

static void parse_size(const char *flag, const char *v, uint64_t *out)
{
	if (pc_parse_size(v, 0, out) || *out < 65536)
		fatalx("%s=%s: a size of at least 64K (e.g. 16M, 1G)", flag, v);
}

/* --max-startups, --per-source-startups, --login-grace, --max-sessions */
static void parse_limit(struct cd_opts *o, int c, const char *v)
{
	const char *flag = c == 'T'   ? "--max-startups"
			   : c == 'P' ? "--per-source-startups"
			   : c == 'G' ? "--login-grace"
				      : "--max-sessions";
	char err[256];

	if (sshd_limits_set(&o->limits, flag, v, err, sizeof(err)))
		fatalx("%s", err);
}

static char *default_output(void)
{
	static char path[PATH_MAX];
	char host[64] = "host", stamp[32], dir[PATH_MAX], err[3 * PATH_MAX];
	const char *home = getenv("HOME");
	time_t t = time(NULL);
	struct tm tm;

	if (!home || !*home)
		fatalx("--output is not set and HOME is not set: say where to write");
	gethostname(host, sizeof(host) - 1);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
	if (pc_pathf(dir, sizeof(dir), "%s/.perfcollectord/data", home))
		fatalx("HOME is too long for a path: %.64s...", home);
	/* made 0700 and checked up to / as sshd's StrictModes does (base/io.c) */
	if (io_mkdirs_strict("data directory", dir, (uid_t)-1, err, sizeof(err)))
		fatalx("%s", err);
	if (pc_pathf(path, sizeof(path), "%s/%s-%s.pcol", dir, host, stamp))
		fatalx("HOME is too long for a path: %.64s...", home);
	return path;
}

/* The parsed command line and configuration file, with what parsing needs to remember. */
struct cd_args {
	struct cd_opts o;
	int ac;
	char **av;
	int nconf; /* av[1..nconf] came from the configuration file */
	int mode_set;
	int listen_cmdline, allowed_cmdline;
};

static void parse_mode(struct cd_args *a, const char *v)
{
	if (!strcmp(v, "local"))
		a->o.mode = CD_LOCAL;
	else if (!strcmp(v, "pcc"))
		a->o.mode = CD_PCC;
	else if (!strcmp(v, "pcc-container"))
		a->o.mode = CD_PCC_CONTAINER;
	else if (!strcmp(v, "server"))
		a->o.mode = CD_SERVER;
	else
		fatalx("--mode=%s: unknown mode (local, pcc, pcc-container or server)", v);
	a->mode_set = 1;
}

/* One option: -1 to go on, or the exit status (help, a bad option). */
static int parse_option(struct cd_args *a, int c)
{
	struct cd_opts *o = &a->o;
	int cmdline = optind - 1 > a->nconf;

	switch (c) {
	case 'm':
		parse_mode(a, optarg);
		break;
	case 'L':
		list_add(&o->listen, &o->nlisten, &a->listen_cmdline, cmdline, optarg);
		break;
	case 'A':
		list_add(&o->allowed, &o->nallowed, &a->allowed_cmdline, cmdline, optarg);
		break;
	case 'S':
		o->sshid = optarg;
		break;
	case 'D':
		o->datadir = optarg;
		break;
	case 'M':
		parse_size("--spool-mem", optarg, &o->spool_mem);
		break;
	case 'F':
		parse_size("--spool-file", optarg, &o->spool_file);
		break;
	case 'b':
		parse_interval("--batch", optarg, &o->batch_ns);
		break;
	case 'T':
	case 'P':
	case 'G':
	case 'N':
		parse_limit(o, c, optarg);
		break;
	case 'd':
		parse_duration("--duration", optarg, &o->duration_ns);
		break;
	case 'f':
		parse_interval("--frequency", optarg, &o->interval_ns);
		break;
	case 'o':
		o->output = optarg;
		break;
	case 'H':
		o->host = pc_cli_u32("--host", optarg);
		break;
	case 'R':
		o->run = pc_cli_u32("--run", optarg);
		break;
	case 'B':
		o->sampler_flags |= PC_SAMPLER_NO_BPF;
		break;
	case 'r':
		o->root = optarg;
		break;
	case 'c':
		break;
	case 'u':
		o->user = optarg;
		break;
	case 'q':
		o->quiet = 1;
		break;
	case 'v':
		o->verbose = 1;
		break;
	case 'V':
		return pc_cli_version("perfcollectord", license__build());
	default:
		return pc_cli_other_option(c, a->av, usage, 1);
	}
	return -1;
}

static void free_args(struct cd_args *a)
{
	free(a->o.listen);
	free(a->o.allowed);
	pc_config_free(a->ac, a->av);
}

/* The command line after the configuration file's flags; -1 to go on, or the exit status. */
static int parse_args(struct cd_args *a, int argc, char **argv)
{
	int c;

	a->nconf = pc_cli_config("perfcollectord", longopts, argc, argv, &a->ac, &a->av);
	while ((c = getopt_long(a->ac, a->av, "hvq", longopts, NULL)) != -1) {
		if ((c = parse_option(a, c)) >= 0) {
			free_args(a); /* -h and bad options return: no leak to report */
			return c;
		}
	}
	if (optind < a->ac)
		fatalx("unexpected argument '%s' (flags are --name=value)", a->av[optind]);
	return -1;
}

/* pcc's environment, the mode a configured processor implies, and the default output. */
static void settle_mode(struct cd_args *a, enum cd_mode as)
{
	struct cd_opts *o = &a->o;

	if (!pcc_env(o, as) && (o->mode == CD_PCC || o->mode == CD_PCC_CONTAINER)) {
		char ival[32];

		pc_format_duration(o->interval_ns, ival, sizeof(ival));
		check_pcc_interval("--frequency", ival, o->interval_ns);
	}
	if (!a->mode_set && o->mode == CD_LOCAL && o->nallowed)
		o->mode = CD_SERVER; /* a processor is configured */
	if (o->mode == CD_SERVER && !o->nallowed)
		fatalx("server mode needs --allowedkeys=SHA256:... (the fingerprint "
		       "`ssh-keygen -l -f KEY` prints for the processor's key)");
	if (!o->output && o->mode != CD_SERVER)
		o->output = default_output();
}

int main(int argc, char **argv)
{
	struct cd_args a = {.o = {.mode = CD_LOCAL,
				  .interval_ns = 1000000000ULL,
				  .spool_mem = SPOOL_DEFAULT_MEM,
				  .spool_file = SPOOL_DEFAULT_FILE,
				  .batch_ns = 1000000000ULL,
				  .limits = PC_SSHD_LIMITS_DEFAULT}};
	const char *prog = basename(argv[0]);
	int c;

	log_init(argv[0], 0);
	c = parse_args(&a, argc, argv);
	if (c >= 0)
		return c;
	settle_mode(&a, !strcmp(prog, "pcc")		 ? CD_PCC
			: !strcmp(prog, "pcc-container") ? CD_PCC_CONTAINER
							 : CD_LOCAL);
	log_init(argv[0], a.o.verbose);
	pc_cli_stop_on_signals(&cd_stop, 1);

	c = a.o.mode == CD_PCC || a.o.mode == CD_PCC_CONTAINER ? cd_run_pcc(&a.o)
	    : a.o.mode == CD_SERVER			       ? cd_run_server(&a.o)
							       : cd_run_local(&a.o);
	free_args(&a);
	return c;
}
