// SPDX-License-Identifier: MIT
/*
 * perfreplay: reproduce a recorded run (journal, collection, pcc or legacy
 * capture: include/pc/input.h) on this machine, one to one in real time or
 * --speed times faster: CPU converted between machines through both capacity
 * curves, memory, disk and network; then say how faithfully it did
 * (report.c). This file reads the options, the recording and the curves,
 * builds the plan (include/pc/replay_plan.h) and hands it to run.c; with
 * --dry-run it prints the plan instead. --listen makes it a network sink for
 * a replay on another machine.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pc/capacity.h"
#include "pc/cgroup.h"
#include "pc/cli.h"
#include "pc/config.h"
#include "pc/input.h"
#include "pc/input_flags.h"
#include "pc/load.h"
#include "pc/log.h"
#include "pc/replay_plan.h"
#include "replay.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: perfreplay --input=FILE [selection, identity] [--training=FILE]\n"
	    "                  [--target-training=FILE] [--shape=same|fit] [--cpus=LIST]\n"
	    "                  [--backlog=drop|carry] [--speed=N] "
	    "[--mode=all|cpu,memory,disk,net]\n"
	    "                  [--mem-base=target|recording] [--scratch=DIR]\n"
	    "                  [--sink=netns|HOST:PORT] [--report=FILE.csv] [--dry-run] [-v]\n"
	    "                  [--slice=10ms] [--phase=spread|random|start]\n"
	    "       perfreplay --listen=PORT      (a network sink for a replay elsewhere)\n"
	    "\n"
	    "  --training          the source machine's capacity curve (perfcpumeasure);\n"
	    "                      without it CPU %% is replayed as recorded (same machine)\n"
	    "  --target-training   this machine's curve; measured now (~7 s) when absent\n"
	    "  --shape             same: one worker per recorded CPU; fit: the work spread\n"
	    "                      over --cpus (default all online CPUs)\n"
	    "  --backlog           work a saturated interval could not do: dropped (default)\n"
	    "                      or carried into the next intervals\n"
	    "  --report            per-interval target vs achieved CSV (- for stdout)\n"
	    "  --output            the seed's name for --report\n"
	    "  --log=SUB=LEVEL     the seed's per-subsystem levels: DEBUG or TRACE is -v\n"
	    "  --phase             where a slice's busy part goes: spread (default: moved\n"
	    "                      every slice, what tick-sampled accounting reads right),\n"
	    "                      random, or start (the original phase-locked way)\n"
	    "  --cgroup-root=DIR   the cgroup hierarchy for the workers (default /sys/fs/cgroup)\n"
	    "  --container=NAME    replay this recorded container's CPU and memory (its name,\n"
	    "                      id or 12+ hex id prefix) in a cgroup with its CPU quota\n"
	    "  -v, --verbose       debug messages\n"
	    "  --config=FILE       settings first (default ~/.perfreplay/perfreplay.conf)\n"
	    "  --version           the build (release or development)\n" PC_INPUT_FLAG_USAGE);
}

static int parse_modes(const char *v, unsigned *m)
{
	char buf[128], *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return -EINVAL;
	*m = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "all"))
			*m |= MODE_CPU | MODE_MEM | MODE_DISK | MODE_NET;
		else if (!strcmp(t, "cpu"))
			*m |= MODE_CPU;
		else if (!strcmp(t, "memory") || !strcmp(t, "mem"))
			*m |= MODE_MEM;
		else if (!strcmp(t, "disk"))
			*m |= MODE_DISK;
		else if (!strcmp(t, "net"))
			*m |= MODE_NET;
		else
			return -EINVAL;
	}
	return *m ? 0 : -EINVAL;
}

static int parse_phase(const char *v, enum load_phase_mode *m)
{
	static const char *const names[] = {[LOAD_PHASE_SPREAD] = "spread",
					    [LOAD_PHASE_RANDOM] = "random",
					    [LOAD_PHASE_START] = "start"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(v, names[i])) {
			*m = (enum load_phase_mode)i;
			return 0;
		}
	return -EINVAL;
}

static void progress(unsigned pass, unsigned level)
{
	(void)pass;
	fprintf(stderr, "\rperfreplay: measuring this machine's curve: %3u %% ", (level + 1) * 10);
}

/* The target's curve on the spot: one pass over the CPUs the replay will use. */
static int measure_target(struct pc_capacity *c, const struct replay_cfg *cfg)
{
	struct pc_cgroup cg;
	char err[256], name[64];
	int rc;

	snprintf(name, sizeof(name), "perfreplay-measure.%d", (int)getpid());
	if ((rc = cgroup__create(&cg, cfg->cgroup_root, name, cfg->cpus, 0, err, sizeof(err)))) {
		log_warnx("cgroup: %s", err);
		return rc;
	}
	memset(c, 0, sizeof(*c));
	rc = capacity__measure(c, cfg->cpu_list, cfg->ncpu, &cg, 700000000ull, 1, &replay_stop,
			       progress);
	cgroup__destroy(&cg);
	return rc;
}

static int load_curve(struct pc_capacity *c, const char *flag, const char *path,
		      uint32_t ncpu_default)
{
	char err[512];

	if (capacity__load(c, path, err, sizeof(err))) {
		log_warnx("%s: %s", flag, err);
		return -EINVAL;
	}
	if (*c->kernel && strcmp(c->kernel, PC_LOAD_KERNEL))
		log_warnx("%s=%s: measured with kernel %s, this is %s: units may not compare", flag,
			  path, c->kernel, PC_LOAD_KERNEL);
	if (!c->ncpu) {
		c->ncpu = ncpu_default;
		log_info("%s=%s: no CPU count in the file (the original format): taking %u", flag,
			 path, ncpu_default);
	}
	return 0;
}

static const struct option longopts[] = {
    {"input", required_argument, NULL, 'i'},
    {"training", required_argument, NULL, 't'},
    {"target-training", required_argument, NULL, 'T'},
    {"shape", required_argument, NULL, 's'},
    {"cpus", required_argument, NULL, 'c'},
    {"backlog", required_argument, NULL, 'b'},
    {"speed", required_argument, NULL, 'S'},
    {"mode", required_argument, NULL, 'm'},
    {"mem-base", required_argument, NULL, 'M'},
    {"scratch", required_argument, NULL, 'D'},
    {"sink", required_argument, NULL, 'k'},
    {"listen", required_argument, NULL, 'l'},
    {"report", required_argument, NULL, 'r'},
    {"output", required_argument, NULL, 'r'}, /* the seed's spelling */
    {"log", required_argument, NULL, 'g'},    /* the seed's prp=DEBUG */
    {"slice", required_argument, NULL, 'L'},
    {"phase", required_argument, NULL, 'P'},
    {"cgroup-root", required_argument, NULL, 'C'},
    {"container", required_argument, NULL, 'K'},
    {"dry-run", no_argument, NULL, 'n'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"config", required_argument, NULL, 'F'},
    {"version", no_argument, NULL, 'V'},
    PC_INPUT_FLAG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* The parsed command line, and the curves the plan is converted through. */
struct rp_args {
	struct replay_cfg cfg;
	struct rp_opts ro;
	struct pc_input_flags sel;
	struct pc_capacity src, dst;
	const char *input, *training, *tgt_training, *container;
	uint64_t listen_port;
	int verbose, dry;
	char cpus_buf[32];
};

/* One option: -1 to go on, or the exit status (help, --version, a bad option or value). */
static int parse_option(struct rp_args *a, int c, char **argv)
{
	struct replay_cfg *cfg = &a->cfg;
	char *end;
	int bad = 0;

	switch (c) {
	case 'i':
		a->input = optarg;
		break;
	case 't':
		a->training = optarg;
		break;
	case 'T':
		a->tgt_training = optarg;
		break;
	case 's':
		bad = strcmp(optarg, "same") && strcmp(optarg, "fit");
		a->ro.shape = strcmp(optarg, "fit") ? RP_SHAPE_SAME : RP_SHAPE_FIT;
		break;
	case 'c':
		cfg->cpus = optarg;
		break;
	case 'b':
		bad = strcmp(optarg, "drop") && strcmp(optarg, "carry");
		a->ro.backlog = strcmp(optarg, "carry") ? RP_BACKLOG_DROP : RP_BACKLOG_CARRY;
		break;
	case 'S':
		cfg->speed = strtod(optarg, &end);
		bad = end == optarg || *end || !(cfg->speed > 0 && cfg->speed <= 1000);
		break;
	case 'm':
		bad = parse_modes(optarg, &cfg->modes) != 0;
		break;
	case 'M':
		bad = strcmp(optarg, "target") && strcmp(optarg, "recording");
		cfg->mem_base = strcmp(optarg, "target") ? MEM_BASE_RECORDING : MEM_BASE_TARGET;
		break;
	case 'D':
		cfg->scratch = optarg;
		break;
	case 'k':
		cfg->sink = optarg;
		break;
	case 'l':
		bad = pc_parse_u64(optarg, 65535, &a->listen_port) || !a->listen_port;
		break;
	case 'r':
		cfg->report = optarg;
		break;
	case 'L':
		bad = pc_parse_duration(optarg, &cfg->slice_ns) ||
		      cfg->slice_ns < PC_LOAD_MIN_SLICE_NS;
		break;
	case 'P':
		bad = parse_phase(optarg, &cfg->phase) != 0;
		break;
	case 'C':
		cfg->cgroup_root = optarg;
		break;
	case 'K':
		a->container = optarg;
		break;
	case 'n':
		a->dry = 1;
		break;
	case 'g':
		bad = pc_cli_log_levels(optarg, &a->verbose) != 0;
		break;
	case 'F':
		break;
	case 'V':
		return pc_cli_version("perfreplay", license__build());
	case 'v':
		a->verbose = 1;
		break;
	default:
		return pc_cli_other_option(c, argv, usage, 1);
	}
	return bad ? pc_cli_bad_value(argv, optarg) : -1;
}

/* The command line after the configuration file's flags; -1 to go on, or the exit status. */
static int parse_args(struct rp_args *a, int argc, char **argv)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:vhn", longopts, NULL)) != -1) {
		if (input_flags__set(&a->sel, c, optarg))
			continue;
		if ((ret = parse_option(a, c, argv)) >= 0)
			return ret;
	}
	return -1;
}

/* --listen: a network sink until stopped; the exit status. */
static int listen_sink(uint64_t port)
{
	int rc;

	log_info("network sink on port %u", (unsigned)port);
	rc = load_net__sink((uint16_t)port, &replay_stop);
	if (rc && !replay_stop)
		log_warnx("--listen %u: %s", (unsigned)port, strerror(-rc));
	return rc && !replay_stop ? 1 : 0;
}

/* The input, the selection, the curves' pairing and the CPUs; -1 to go on, or the exit status. */
static int check_args(struct rp_args *a)
{
	struct replay_cfg *cfg = &a->cfg;
	int rc;

	if (!a->input) {
		log_warnx("--input: required (journal, collection, pcc or legacy capture)");
		return PC_EXIT_USAGE;
	}
	if (input_flags__finish(&a->sel, a->input))
		return PC_EXIT_USAGE;
	if (a->tgt_training && !a->training) {
		log_warnx("--target-training needs --training (the source machine's curve)");
		return PC_EXIT_USAGE;
	}
	if (!cfg->cpus) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		snprintf(a->cpus_buf, sizeof(a->cpus_buf), "0-%ld", n > 0 ? n - 1 : 0);
		cfg->cpus = a->cpus_buf;
	}
	rc = cgroup__cpu_array(cfg->cpus, cfg->cpu_list, 1024);
	if (rc <= 0) {
		log_warnx("--cpus \"%s\": not a CPU list like 0-3,6", cfg->cpus);
		return PC_EXIT_USAGE;
	}
	cfg->ncpu = (uint32_t)rc;
	return -1;
}

/* The recording's intervals into plan, from *in (opened here, left open); 0 or -1. */
static int read_recording(struct rp_args *a, struct rp_plan *plan, struct pc_input **in)
{
	char err[512];

	*in = input__open_opts(a->input, &a->sel.o, err, sizeof(err));
	if (!*in) {
		log_warnx("--input: %s", err);
		return -1;
	}
	if (replay_plan__read(plan, *in, a->sel.o.host, a->sel.o.run, err, sizeof(err))) {
		log_warnx("--input=%s: %s", a->input, err);
		return -1;
	}
	if (input__skipped(*in))
		log_warnx("--input=%s: %lu damaged or unknown records skipped; the first: %s",
			  a->input, input__skipped(*in), input__skip_reason(*in));
	if (plan->container)
		log_info("%s: host %u run %u, container %s in %u of %u intervals, %u CPUs (%s; "
			 "%s)",
			 a->input, plan->host, plan->run, plan->container, plan->ct_found, plan->n,
			 plan->src_ncpu, plan->ct_cpus > 0 ? "its quota" : "no quota: the host's",
			 plan->bpf_cpu ? "eBPF busy time" : "cgroup CPU usage");
	else
		log_info("%s: host %u run %u, %u intervals, %u CPUs recorded (%s)", a->input,
			 plan->host, plan->run, plan->n, plan->src_ncpu,
			 plan->bpf_cpu ? "eBPF busy time" : "/proc/stat");
	return 0;
}

/* Both curves (--training, then --target-training or measured) and the plan converted; 0 or -1. */
static int convert_plan(struct rp_args *a, struct rp_plan *plan)
{
	char err[512];

	if (a->training) {
		if (load_curve(&a->src, "--training", a->training, plan->src_ncpu))
			return -1;
		if (a->tgt_training) {
			if (load_curve(&a->dst, "--target-training", a->tgt_training, a->cfg.ncpu))
				return -1;
		} else if (measure_target(&a->dst, &a->cfg)) {
			log_warnx("measuring this machine's curve failed");
			return -1;
		}
		a->ro.src = &a->src;
		a->ro.dst = &a->dst;
	} else {
		log_info("no --training: CPU %% replayed as recorded (same kind of machine)");
	}
	a->ro.tgt_ncpu = a->cfg.ncpu;
	if (replay_plan__convert(plan, &a->ro, err, sizeof(err))) {
		log_warnx("%s", err);
		return -1;
	}
	if (plan->saturated)
		log_warnx("%u of %u intervals ask more CPU than this machine's %u CPUs can give "
			  "(backlog %s)",
			  plan->saturated, plan->n, a->cfg.ncpu,
			  a->ro.backlog ? "carried" : "dropped");
	return 0;
}

/* --dry-run: the plan on stdout; the exit status. */
static int write_plan(const struct rp_plan *plan)
{
	if (replay_plan__write(plan, stdout) || fflush(stdout)) {
		log_warnx("standard output: write failed");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct rp_args a = {.cfg = {.modes = MODE_CPU | MODE_MEM | MODE_DISK | MODE_NET,
					   .speed = 1,
					   .scratch = "/tmp"}};
	struct rp_plan plan;
	struct pc_input *in = NULL;
	int ret;

	log_init("perfreplay", 0);
	if (pc_cli_tool_config("perfreplay", longopts, &argc, &argv))
		return PC_EXIT_USAGE;
	replay_plan__init(&plan);
	if ((ret = parse_args(&a, argc, argv)) >= 0)
		return ret;
	plan.container = a.container;
	log_init("perfreplay", a.verbose);
	if (pc_cli_extra_args(argc, argv, " (options are --name=value)"))
		return PC_EXIT_USAGE;
	pc_cli_stop_on_signals(&replay_stop, 1);
	if (a.listen_port)
		return listen_sink(a.listen_port);
	if ((ret = check_args(&a)) >= 0)
		return ret;

	ret = 1;
	if (read_recording(&a, &plan, &in) || convert_plan(&a, &plan))
		goto cleanup;
	if (a.dry) {
		ret = write_plan(&plan);
		goto cleanup;
	}
	input__close(in);
	in = NULL;
	ret = replay__run(&plan, &a.cfg);
cleanup:
	input__close(in);
	replay_plan__free(&plan);
	return ret;
}
