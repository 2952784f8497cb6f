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

#include "pc/config.h"
#include "pc/export.h"
#include "pc/input.h"
#include "pc/input_flags.h"
#include "pc/log.h"

#define EXIT_USAGE 2

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s --input=FILE [--mode=csv|json|summary|raw] [--output=DIR|FILE|-] [-v]\n"
		"       PCR_COLLECTION=FILE PCR_OUTDIR=DIR pcprocess\n"
		"\n"
		"  -i, --input=FILE    native collection, pcc collection (JSON lines) or legacy "
		"capture\n"
		"  -m, --mode=MODE     csv: pcprocess tree + host.csv under DIR (default)\n"
		"                      json: one object of computed values per interval per line\n"
		"                      summary: averages and peaks for a person\n"
		"                      raw: every sample as stored (raw counters), one per line\n"
		"  -o, --output=PATH   csv: a directory (required); json, summary: a file or - "
		"(default)\n" PC_INPUT_FLAG_USAGE
		"  --verify            check the whole input: records, runs, span, gaps, damage;\n"
		"                      exit 0 intact, 1 damage or gaps found\n"
		"  --config=FILE       settings file (default ~/.perfjournal/perfjournal.conf)\n"
		"  -v, --verbose       say more\n"
		"  -h, --help          this text\n",
		prog);
}

static int parse_mode(const char *v, enum pc_export_mode *m)
{
	if (!strcmp(v, "csv"))
		*m = PC_EXPORT_CSV;
	else if (!strcmp(v, "json"))
		*m = PC_EXPORT_JSON;
	else if (!strcmp(v, "summary"))
		*m = PC_EXPORT_SUMMARY;
	else if (!strcmp(v, "raw"))
		*m = PC_EXPORT_RAW;
	else
		return -EINVAL;
	return 0;
}

/* in_flag/out_flag: how the user named input and output, for messages. */
static int run(const char *input, const struct pc_input_opts *o, enum pc_export_mode mode,
	       const char *output, const char *in_flag, const char *out_flag)
{
	struct pc_input *in = NULL;
	struct pc_export *x = NULL;
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
	x = export__open(mode, output, input__sysinfo(in), err, sizeof(err));
	if (!x) {
		log_warnx("%s: %s", out_flag, err);
		goto cleanup;
	}
	while ((rc = input__next(in, &s)) > 0) {
		n++;
		rc = export__add(x, &s);
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
	if (n < 2)
		log_warnx("%s=%s: %lu sample%s: no interval to compute rates over", in_flag, input,
			  n, n == 1 ? "" : "s");
	rc = export__close(x, err, sizeof(err));
	x = NULL;
	if (rc < 0) {
		log_warnx("%s: %s", out_flag, err);
		goto cleanup;
	}
	log_debug("%lu samples from %s into %s", n, input, output);
	ret = 0;
cleanup:
	export__abort(x);
	input__close(in);
	pc_sample_free(&s);
	return ret;
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
	return run(coll, NULL, PC_EXPORT_CSV, outdir, "PCR_COLLECTION", "PCR_OUTDIR");
}

enum { O_VERIFY = 256, O_CONFIG };

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
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/'), *config = NULL;
	char err[512] = "", **av;
	int ac, ret;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "pcprocess"))
		return pcprocess(argc, argv);
	log_init(argv[0], 0);
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	if (pc_config_argv("perfjournal", config, opts, argc, argv, &ac, &av, err, sizeof(err))) {
		log_warnx("%s", err);
		return EXIT_USAGE;
	}
	ret = jmain(ac, av, base);
	pc_config_free(ac, av);
	return ret;
}

/* The command line (configuration file settings first) of perfjournal proper. */
static int jmain(int ac, char **av, const char *base)
{
	const char *input = NULL, *output = NULL;
	enum pc_export_mode mode = PC_EXPORT_CSV;
	struct pc_input_flags j = {0};
	char err[512] = "";
	int c, verbose = 0, verify = 0, ret;

	opterr = 0;
	while ((c = getopt_long(ac, av, ":i:m:o:vh", opts, NULL)) != -1) {
		if (input_flags__set(&j, c, optarg))
			continue;
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 'm':
			if (parse_mode(optarg, &mode)) {
				log_warnx(
				    "--mode: unknown value \"%s\" (want csv, json, summary or raw)",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			output = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout, base);
			return 0;
		case O_VERIFY:
			verify = 1;
			break;
		case O_CONFIG:
			break;
		case ':':
			log_warnx("%s: needs a value", av[optind - 1]);
			return EXIT_USAGE;
		default:
			log_warnx("%s: unknown option", av[optind - 1]);
			usage(stderr, base);
			return EXIT_USAGE;
		}
	}
	log_init(av[0], verbose);
	if (optind < ac) {
		log_warnx("%s: unexpected argument (options are --name=value)", av[optind]);
		return EXIT_USAGE;
	}
	if (!input || !*input) {
		log_warnx("--input: required (the collection, capture or journal to read)");
		return EXIT_USAGE;
	}
	if (input_flags__finish(&j, input))
		return EXIT_USAGE;
	if (verify) {
		ret = input__verify(input, &j.o, stdout, err, sizeof(err));
		if (ret < 0) {
			log_warnx("--input: %s", err);
			return 1;
		}
		return ret;
	}
	if (!output) {
		if (mode == PC_EXPORT_CSV) {
			log_warnx("--output: required with --mode=csv (the directory to write)");
			return EXIT_USAGE;
		}
		output = "-";
	}
	if (!*output) {
		log_warnx("--output: empty value");
		return EXIT_USAGE;
	}
	return run(input, &j.o, mode, output, "--input", "--output");
}
