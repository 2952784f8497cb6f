// SPDX-License-Identifier: MIT
/*
 * perfcpumeasure: measure this machine's capacity curve (include/pc/
 * capacity.h): work units per second of the fixed busy-loop kernel at 10, 20,
 * ... 100 % utilization with every CPU active, one pinned worker per CPU in a
 * cgroup as perfreplay places them, each level measured in several passes so
 * that the spread is known. Refuses when other work already uses more than
 * 5 % of the machine (--force overrides), because the curve would be low.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pc/capacity.h"
#include "pc/cgroup.h"
#include "pc/cli.h"
#include "pc/config.h"
#include "pc/load.h"
#include "pc/license.h"
#include "pc/log.h"
#include "pc/sysinfo.h"
#include "pc/ticker.h"

#define MAX_BACKGROUND 5.0

static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: perfcpumeasure [--siteid=N] [--host=N] [--output=FILE|-] [--step=700ms]\n"
	    "                      [--passes=2] [--cpus=LIST] [--force] [-v] [--version]\n"
	    "  Prints training lines (JSON) of units/s at 10..100 %% busy on all CPUs.\n"
	    "  --cgroup-root=DIR   the cgroup hierarchy for the workers (default /sys/fs/cgroup)\n"
	    "  -v, --verbose       debug messages\n");
}

static void progress(unsigned pass, unsigned level)
{
	fprintf(stderr, "\rperfcpumeasure: pass %u, %3u %% busy ", pass + 1, (level + 1) * 10);
}

struct cm_args {
	const char *output, *cgroot, *cpus_opt;
	int cpu_list[1024];
	uint64_t siteid, host, step, passes;
	int verbose, force;
};

/* The flags; -1 to go on, or the exit status. */
static int parse_args(struct cm_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"siteid", required_argument, NULL, 's'},	   {"host", required_argument, NULL, 'H'},
	    {"output", required_argument, NULL, 'o'},	   {"step", required_argument, NULL, 't'},
	    {"passes", required_argument, NULL, 'p'},	   {"force", no_argument, NULL, 'f'},
	    {"cgroup-root", required_argument, NULL, 'C'}, {"cpus", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},	   {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},	   {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vhf", opts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 's':
			bad = pc_parse_u64(optarg, UINT32_MAX, &a->siteid);
			break;
		case 'H':
			bad = pc_parse_u64(optarg, UINT32_MAX, &a->host);
			break;
		case 'p':
			bad = pc_parse_u64(optarg, 20, &a->passes) || !a->passes;
			break;
		case 't':
			bad = pc_parse_duration(optarg, &a->step) || a->step < 100000000ull;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'C':
			a->cgroot = optarg;
			break;
		case 'c':
			a->cpus_opt = optarg;
			bad = cgroup__cpu_array(optarg, a->cpu_list, 1024) <= 0;
			break;
		case 'f':
			a->force = 1;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'V':
			return pc_cli_version("perfcpumeasure", license__build());
		default:
			return pc_cli_other_option(c, argv, usage, 1);
		}
		if (bad)
			return pc_cli_bad_value(argv, optarg);
	}
	return -1;
}

/* Other work on the machine, in % of it; -1 to go on, or the exit status. */
static int check_background(const struct cm_args *a, double *bg)
{
	int rc = load_cpu__background(1000000000ull, bg);

	if (rc) {
		log_warnx("/proc/stat: cannot measure the background load: %s", strerror(-rc));
		return 1;
	}
	if (*bg > MAX_BACKGROUND && !a->force) {
		log_warnx("other work uses %.1f %% of the machine (over %.0f %%): the curve would "
			  "be low; stop it or use --force",
			  *bg, MAX_BACKGROUND);
		return 3;
	}
	return -1;
}

/* The curve, measured in a cgroup of its own; -1 when measured, or the exit status. */
static int measure(struct cm_args *a, const char *cpus, uint32_t ncpu, struct pc_capacity *cap)
{
	struct pc_cgroup cg = {0};
	char err[512], name[64];
	int rc;

	snprintf(name, sizeof(name), "perfcpumeasure.%d", (int)getpid());
	if (cgroup__create(&cg, a->cgroot, name, cpus, 0, err, sizeof(err))) {
		log_warnx("cgroup: %s", err);
		return 1;
	}
	if (cg.mode != PC_CG_V2 && *cg.why)
		log_info("placement %s (%s)", cgroup__mode_name(cg.mode), cg.why);
	rc = capacity__measure(cap, a->cpu_list, ncpu, &cg, a->step, (unsigned)a->passes, &stop,
			       progress);
	cgroup__destroy(&cg);
	if (rc) {
		log_warnx("measurement %s: %s", rc == -EINTR ? "interrupted" : "failed",
			  strerror(-rc));
		return rc == -EINTR ? 130 : 1;
	}
	return -1;
}

/* The training lines to --output (- for stdout); the exit status. */
static int write_curve(const struct pc_capacity *cap, const char *output)
{
	FILE *out = strcmp(output, "-") ? fopen(output, "w") : stdout;
	int rc;

	if (!out) {
		log_warn("--output %s", output);
		return 1;
	}
	rc = capacity__write(cap, out);
	if (out != stdout && fclose(out))
		rc = -EIO;
	else if (out == stdout && fflush(stdout))
		rc = -EIO;
	if (rc) {
		log_warnx("--output %s: write failed", output);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct cm_args a = {.output = "-", .step = 700000000ull, .passes = 2};
	uint32_t ncpu = 0;
	int ret;
	struct pc_capacity cap = {0};
	struct pc_sysinfo si;
	char cpus[1024];
	double bg;

	log_init("perfcpumeasure", 0);
	if ((ret = parse_args(&a, argc, argv)) >= 0)
		return ret;
	log_init("perfcpumeasure", a.verbose);
	if (pc_cli_extra_args(argc, argv, ""))
		return PC_EXIT_USAGE;
	pc_cli_stop_on_signals(&stop, 0);
	if (pc_sysinfo_read(&si, NULL) || !si.ncpu) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		si.ncpu = n > 0 ? (uint32_t)n : 1;
	}
	if (a.cpus_opt)
		snprintf(cpus, sizeof(cpus), "%s", a.cpus_opt);
	else
		snprintf(cpus, sizeof(cpus), "0-%u", si.ncpu - 1);
	ncpu = (uint32_t)cgroup__cpu_array(cpus, a.cpu_list, 1024);
	if ((ret = check_background(&a, &bg)) >= 0)
		return ret;
	log_info("background load %.1f %%; measuring CPUs %s, %u passes of %u levels", bg, cpus,
		 (unsigned)a.passes, PC_LOAD_LEVELS);
	if ((ret = measure(&a, cpus, ncpu, &cap)) >= 0)
		return ret;
	cap.siteid = (uint32_t)a.siteid;
	cap.host = (uint32_t)a.host;
	snprintf(cap.machine, sizeof(cap.machine), "%.80s; CPUs %.16s of %u; Linux %.30s",
		 si.cpu_model, cpus, si.ncpu, si.kernel);
	if (bg > MAX_BACKGROUND)
		log_warnx("measured under %.1f %% background load (--force)", bg);
	return write_curve(&cap, a.output);
}
