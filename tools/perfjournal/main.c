// SPDX-License-Identifier: MIT
/*
 * perfjournal: read recorded data (a native collection, a pcc collection, a
 * capture of the original Go tools, an encrypted journal of perfprocessord
 * or a journal of the Go tools; input.h detects which) and export it
 * as the pcprocess CSV tree plus host.csv, as JSON lines, or as a summary
 * for a person (export.h). Run as `pcprocess` it takes PCR_COLLECTION and
 * PCR_OUTDIR from the environment like pcc's pcprocess did. Outputs appear
 * only when complete: a failed export leaves an earlier output untouched.
 * --verify checks a whole input and reports records, runs, gaps and damage.
 * Settings may also come from ~/.perfjournal/perfjournal.conf.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/cli.h"
#include "pc/config.h"
#include "pc/export.h"
#include "pc/input.h"
#include "pc/input_flags.h"
#include "pc/log.h"
#include "perfjournal.h"

#define EXIT_USAGE    2
#define PC_MAX_INPUTS 64

static void usage(FILE *f, const char *prog)
{
	fprintf(
	    f,
	    "usage: %s --input=FILE [--mode=csv|json|summary|raw|html] [--output=DIR|FILE|-] [-v]\n"
	    "       %s --input=FILE --mode=pgsql --dburi=postgresql://...\n"
	    "       %s --input=FILE --mode=remote-write --url=http://...\n"
	    "       PCR_COLLECTION=FILE PCR_OUTDIR=DIR pcprocess\n"
	    "\n"
	    "  -i, --input=FILE    native collection, pcc collection (JSON lines) or legacy "
	    "capture\n"
	    "  -m, --mode=MODE     csv: pcprocess tree + host.csv under DIR (default)\n"
	    "                      json: one object of computed values per interval per line\n"
	    "                      summary: averages and peaks for a person\n"
	    "                      raw: every sample as stored (raw counters), one per line\n"
	    "                      html: one self-contained report (charts, tables, compare);\n"
	    "                      --input and --host may then be given several times\n"
	    "                      pgsql: into PostgreSQL (docs/STORE.md); again adds nothing\n"
	    "                      remote-write: to a Prometheus remote-write endpoint\n"
	    "  -o, --output=PATH   csv: a directory, html: a file (required); json, summary: a "
	    "file or - "
	    "(default)\n" PC_INPUT_FLAG_USAGE
	    "  --dburi=URI         pgsql: postgresql://user:password@host/db?host=/socket/dir\n"
	    "  --url=URL           remote-write: http://host:port/api/v1/write\n"
	    "  --cursor=FILE       remote-write: where the cursors are kept (default: none)\n"
	    "  --collector-name=X --site-name=Y  the collector's names (a host.csv needs both)\n"
	    "  --verify            check the whole input: records, runs, span, gaps, damage;\n"
	    "                      exit 0 intact, 1 damage or gaps found\n"
	    "  --config=FILE       settings file (default ~/.perfjournal/perfjournal.conf)\n"
	    "  --version           the version and build (release or development)\n"
	    "  -v, --verbose       say more\n"
	    "  -h, --help          this text\n",
	    prog, prog, prog);
}

/* pgsql and remote-write are not exports: *sink says which (or -1). */
static int parse_mode(const char *v, enum pc_export_mode *m, int *sink)
{
	*sink = -1;
	if (!strcmp(v, "pgsql"))
		*sink = PC_SINK_PGSQL;
	else if (!strcmp(v, "remote-write"))
		*sink = PC_SINK_REMOTE_WRITE;
	else if (!strcmp(v, "csv"))
		*m = PC_EXPORT_CSV;
	else if (!strcmp(v, "json"))
		*m = PC_EXPORT_JSON;
	else if (!strcmp(v, "summary"))
		*m = PC_EXPORT_SUMMARY;
	else if (!strcmp(v, "raw"))
		*m = PC_EXPORT_RAW;
	else if (!strcmp(v, "html"))
		*m = PC_EXPORT_HTML;
	else
		return -EINVAL;
	return 0;
}

/* What to read: one or more inputs (mode html), each once per selected host. */
struct sources {
	const char *input[PC_MAX_INPUTS];
	int ninput;
	int64_t host[PC_MAX_INPUTS];
	int nhost;
};

/* Feed one input (one host of it) to the export, opened here with its sysinfo when x is NULL. */
static int feed(const char *input, const struct pc_input_opts *o, enum pc_export_mode mode,
		const char *output, const char *in_flag, const char *out_flag, struct pc_export **x)
{
	struct pc_input *in;
	struct pc_sample s;
	unsigned long n = 0;
	char err[512];
	int rc, ret = 1;

	pc_sample_init(&s);
	in = input__open_opts(input, o, err, sizeof(err));
	if (!in) {
		log_warnx("%s: %s", in_flag, err);
		goto cleanup;
	}
	if (*x) {
		rc = export__host(*x, input__sysinfo(in));
	} else {
		*x = export__open(mode, output, input__sysinfo(in), err, sizeof(err));
		rc = *x ? 0 : -errno;
		if (!*x)
			log_warnx("%s: %s", out_flag, err);
	}
	if (rc < 0)
		goto cleanup;
	while ((rc = input__next(in, &s)) > 0) {
		n++;
		rc = export__add(*x, &s);
		if (rc < 0) {
			log_warnx("%s=%s: export failed at sample %lu: %s", out_flag, output, n,
				  strerror(-rc));
			goto cleanup;
		}
	}
	if (rc < 0) {
		log_warnx("%s=%s: %s", in_flag, input, input__error(in));
		goto cleanup;
	}
	if (input__skipped(in))
		log_warnx("%s=%s: %lu damaged or unknown records skipped; the first: %s", in_flag,
			  input, input__skipped(in), input__skip_reason(in));
	if (!n && o->host >= 0)
		log_warnx("%s=%s: no samples of --host=%lld", in_flag, input, (long long)o->host);
	else if (n < 2)
		log_warnx("%s=%s: %lu sample%s: no interval to compute rates over", in_flag, input,
			  n, n == 1 ? "" : "s");
	log_debug("%lu samples from %s into %s", n, input, output);
	ret = 0;
cleanup:
	input__close(in);
	pc_sample_free(&s);
	return ret;
}

/* in_flag/out_flag: how the user named input and output, for messages. */
static int run(const struct sources *src, const struct pc_input_opts *o, enum pc_export_mode mode,
	       const char *output, const char *in_flag, const char *out_flag)
{
	struct pc_export *x = NULL;
	char err[512];
	int rc;

	for (int i = 0; i < src->ninput; i++)
		for (int k = 0; k < (src->nhost ? src->nhost : 1); k++) {
			struct pc_input_opts io = *o;

			if (src->nhost)
				io.host = src->host[k];
			if (feed(src->input[i], &io, mode, output, in_flag, out_flag, &x)) {
				export__abort(x);
				return 1;
			}
		}
	rc = export__close(x, err, sizeof(err));
	if (rc < 0) {
		log_warnx("%s: %s", out_flag, err);
		return 1;
	}
	return 0;
}

static int pcprocess(int argc, char **argv)
{
	const char *coll = getenv("PCR_COLLECTION"), *outdir = getenv("PCR_OUTDIR");
	int verbose = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout, "perfjournal");
			return 0;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = 1;
		} else {
			log_warnx("%s: pcprocess takes PCR_COLLECTION and PCR_OUTDIR from the "
				  "environment, not arguments",
				  argv[i]);
			return EXIT_USAGE;
		}
	}
	log_init(argv[0], verbose);
	if (!coll || !*coll) {
		log_warnx("PCR_COLLECTION is not set (the collection file to process)");
		return EXIT_USAGE;
	}
	if (!outdir || !*outdir) {
		log_warnx("PCR_OUTDIR is not set (the directory to write CSV files into)");
		return EXIT_USAGE;
	}
	struct sources src = {.input = {coll}, .ninput = 1};
	struct pc_input_opts o = {.host = -1, .run = -1};

	return run(&src, &o, PC_EXPORT_CSV, outdir, "PCR_COLLECTION", "PCR_OUTDIR");
}

enum { O_VERIFY = 256, O_CONFIG, O_VERSION, O_DBURI, O_URL, O_CURSOR, O_COLLECTOR, O_SITENAME };

static int jmain(int ac, char **av, const char *base);

static const struct option opts[] = {
    {"input", required_argument, NULL, 'i'},
    {"mode", required_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    PC_INPUT_FLAG_OPTIONS,
    {"verify", no_argument, NULL, O_VERIFY},
    {"config", required_argument, NULL, O_CONFIG},
    {"version", no_argument, NULL, O_VERSION},
    {"dburi", required_argument, NULL, O_DBURI},
    {"url", required_argument, NULL, O_URL},
    {"cursor", required_argument, NULL, O_CURSOR},
    {"collector-name", required_argument, NULL, O_COLLECTOR},
    {"site-name", required_argument, NULL, O_SITENAME},
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "pcprocess"))
		return pcprocess(argc, argv);
	log_init(argv[0], 0);
	if (pc_cli_tool_config("perfjournal", opts, &argc, &argv))
		return EXIT_USAGE;
	return jmain(argc, argv, base);
}

/*
 * Several --input and --host: only mode html draws several hosts; the hosts are checked here
 * (the last one was by input_flags__finish).
 */
static int check_sources(struct sources *src, const char *const *hosts, enum pc_export_mode mode)
{
	if ((src->ninput > 1 || src->nhost > 1) && mode != PC_EXPORT_HTML) {
		log_warnx("%s: given more than once; only --mode=html takes several",
			  src->ninput > 1 ? "--input" : "--host");
		return -1;
	}
	for (int k = 0; k < src->nhost; k++) {
		uint64_t v;

		if (pc_parse_u64(hosts[k], UINT32_MAX, &v))
			return log_warnx("--host=%s: not a host number", hosts[k]), -1;
		src->host[k] = (int64_t)v;
	}
	return 0;
}

/* A repeatable flag's value into list[*n] (at most PC_MAX_INPUTS). */
static int add_value(const char **list, int *n, const char *flag, const char *v)
{
	if (*n == PC_MAX_INPUTS)
		return log_warnx("%s: at most %d", flag, PC_MAX_INPUTS), -1;
	list[(*n)++] = v;
	return 0;
}

/* --mode=pgsql / remote-write: check the flags, then sink.c. */
static int sink_mode(struct pj_sink_args *sa, int kind, const char *url, const char *input,
		     const struct pc_input_opts *o)
{
	const char *flag = kind == PC_SINK_PGSQL ? "--dburi" : "--url";

	sa->kind = (enum pc_sink_kind)kind;
	if (kind == PC_SINK_REMOTE_WRITE)
		sa->uri = url;
	if (!sa->uri || !*sa->uri) {
		log_warnx("%s: required with --mode=%s", flag,
			  kind == PC_SINK_PGSQL ? "pgsql" : "remote-write");
		return EXIT_USAGE;
	}
	sa->input = input;
	sa->o = o;
	if (!sa->sitename)
		sa->sitename = "";
	return pj_sink(sa);
}

/* What the command line of perfjournal proper says. */
struct pj_args {
	const char *output, *hosts[PC_MAX_INPUTS], *url;
	enum pc_export_mode mode;
	struct pc_input_flags j;
	struct sources src;
	struct pj_sink_args sa;
	int verbose, verify, sink;
};

/* One option: -1 to go on, or the exit status (help, version, a bad option). */
static int parse_option(struct pj_args *a, int c, char **av, const char *base)
{
	switch (c) {
	case 'i':
		return add_value(a->src.input, &a->src.ninput, "--input", optarg) ? EXIT_USAGE : -1;
	case 'm':
		if (parse_mode(optarg, &a->mode, &a->sink)) {
			log_warnx("--mode: unknown value \"%s\" (want csv, json, summary, "
				  "raw, html, pgsql or remote-write)",
				  optarg);
			return EXIT_USAGE;
		}
		return -1;
	case 'o':
		a->output = optarg;
		return -1;
	case 'v':
		a->verbose = 1;
		return -1;
	case 'h':
		usage(stdout, base);
		return 0;
	case O_VERIFY:
		a->verify = 1;
		return -1;
	case O_CONFIG:
		return -1;
	case O_VERSION:
		return pc_cli_version("perfjournal", license__build());
	case O_DBURI:
		a->sa.uri = optarg;
		return -1;
	case O_URL:
		a->url = optarg;
		return -1;
	case O_CURSOR:
		a->sa.cursor = optarg;
		return -1;
	case O_COLLECTOR:
		a->sa.collector = optarg;
		return -1;
	case O_SITENAME:
		a->sa.sitename = optarg;
		return -1;
	case ':':
		log_warnx("%s: needs a value", av[optind - 1]);
		return EXIT_USAGE;
	default:
		log_warnx("%.*s: unknown option", (int)strcspn(av[optind - 1], "="),
			  av[optind - 1]); /* the value not shown: a mistyped --license */
		usage(stderr, base);
		return EXIT_USAGE;
	}
}

/* After the options: verify, a sink, or an export to --output. */
static int pj_run(struct pj_args *a)
{
	char err[512] = "";
	int ret;

	if (a->verify) {
		ret = input__verify(a->src.input[0], &a->j.o, stdout, err, sizeof(err));
		if (ret < 0) {
			log_warnx("--input: %s", err);
			return 1;
		}
		return ret;
	}
	if (a->sink >= 0)
		return sink_mode(&a->sa, a->sink, a->url, a->src.input[0], &a->j.o);
	if (!a->output) {
		if (a->mode == PC_EXPORT_CSV || a->mode == PC_EXPORT_HTML) {
			log_warnx("--output: required with --mode=%s (the %s to write)",
				  a->mode == PC_EXPORT_CSV ? "csv" : "html",
				  a->mode == PC_EXPORT_CSV ? "directory" : "file");
			return EXIT_USAGE;
		}
		a->output = "-";
	}
	if (!*a->output) {
		log_warnx("--output: empty value");
		return EXIT_USAGE;
	}
	return run(&a->src, &a->j.o, a->mode, a->output, "--input", "--output");
}

/* The command line (configuration file settings first) of perfjournal proper. */
static int jmain(int ac, char **av, const char *base)
{
	static struct pj_args a;
	int c, ret;

	memset(&a, 0, sizeof(a));
	a.mode = PC_EXPORT_CSV;
	a.sink = -1;
	opterr = 0;
	while ((c = getopt_long(ac, av, ":i:m:o:vh", opts, NULL)) != -1) {
		if (c == PC_OPT_HOST && add_value(a.hosts, &a.src.nhost, "--host", optarg))
			return EXIT_USAGE;
		if (input_flags__set(&a.j, c, optarg))
			continue;
		if ((ret = parse_option(&a, c, av, base)) >= 0)
			return ret;
	}
	log_init(av[0], a.verbose);
	if (optind < ac) {
		log_warnx("%s: unexpected argument (options are --name=value)", av[optind]);
		return EXIT_USAGE;
	}
	if (!a.src.ninput || !*a.src.input[0]) {
		log_warnx("--input: required (the collection, capture or journal to read)");
		return EXIT_USAGE;
	}
	if (input_flags__finish(&a.j, a.src.input[0]) ||
	    check_sources(&a.src, a.hosts, a.verify ? PC_EXPORT_CSV : a.mode))
		return EXIT_USAGE;
	return pj_run(&a);
}
