// SPDX-License-Identifier: MIT
/*
 * sink.c: perfjournal's --mode=pgsql and --mode=remote-write: every host and
 * run of the input into a sink (include/pc/sink.h), flushed every few MiB so
 * an interrupted import keeps what it committed and resumes after it; and the
 * seed's `import_performance --file host.csv --collector-name X --site-name
 * Y`: a host.csv (recognised by its header) loaded as it is.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/input.h"
#include "pc/io.h"
#include "pc/license.h"
#include "pc/log.h"
#include "pc/pcc_line.h"
#include "pc/sink.h"
#include "perfjournal.h"

/* A host.csv row is well under 1 KiB (PC_HOST_MAXCOLS numbers); a longer line is no row. */
#define HOST_CSV_LINE_MAX PC_LINE_CHUNK

static void report(struct pc_sink *k, const char *input)
{
	uint64_t rows, values, skipped;

	sink__stats(k, &rows, &values, &skipped);
	log_info("%s: %llu rows (%llu values) stored, %llu intervals already there", input,
		 (unsigned long long)rows, (unsigned long long)values, (unsigned long long)skipped);
}

/* 1 when path's first line is host.csv's header. */
static int is_host_csv(const char *path)
{
	char line[512];
	FILE *f = io_fopen_input(path, line, sizeof(line)); /* else input__open says why */
	int yes;

	if (!f)
		return 0;
	yes = fgets(line, sizeof(line), f) && !strncmp(line, "timestamp,cpu_user,", 19);
	fclose(f);
	return yes;
}

/*
 * host.csv's header into where each of its columns goes: col[f] is the
 * export__host_col index of field f (after timestamp), -1 for a column this
 * build does not know (skipped); the seed's 19 columns must come first. The
 * appended ones (the registry's sources, docs/EXPORT.md) are taken by name,
 * so a file without them leaves them empty.
 */
static int parse_header(char *line, int col[PC_HOST_MAXCOLS], int *ncol)
{
	char *p = line, *f = strsep(&p, ",");

	*ncol = 0;
	while ((f = strsep(&p, ",")) && *ncol < PC_HOST_MAXCOLS) {
		int c = -1;

		f[strcspn(f, "\r\n")] = 0;
		for (unsigned i = 0; i < export__host_ncols() && c < 0; i++)
			if (!strcmp(f, export__host_col(i)))
				c = (int)i;
		if (*ncol < PC_HOST_NCOLS && c != *ncol)
			return -EINVAL;
		col[(*ncol)++] = c;
	}
	return *ncol >= PC_HOST_NCOLS ? 0 : -EINVAL;
}

/* One host.csv line into time and values (empty or absent = NaN); 0 or -EINVAL. */
static int parse_row(char *line, const int *col, int ncol, uint64_t *ns, double v[PC_HOST_MAXCOLS])
{
	char *p = line, *f = strsep(&p, ",");

	if (!f || input__parse_time(f, ns))
		return -EINVAL;
	for (int i = 0; i < PC_HOST_MAXCOLS; i++)
		v[i] = NAN;
	for (int i = 0; i < ncol; i++) {
		char *end;
		double d;

		f = strsep(&p, ",");
		if (!f)
			return -EINVAL;
		f[strcspn(f, "\r\n")] = 0;
		d = *f ? strtod(f, &end) : NAN;
		if (*f && *end)
			return -EINVAL;
		if (col[i] >= 0)
			v[col[i]] = d;
	}
	return 0;
}

static int host_csv(struct pc_sink *k, const struct pj_sink_args *a)
{
	struct pc_sink_id id = {.site = PC_SINK_BY_NAME,
				.sitename = a->sitename,
				.machinename = a->collector,
				.description = ""};
	struct pc_line_reader lr;
	char err[512];
	int rc = 0, col[PC_HOST_MAXCOLS], ncol = 0;
	FILE *f = io_fopen_input(a->input, err, sizeof(err));

	if (!f) {
		rc = -errno;
		log_warnx("--input: %s", err);
		return rc;
	}
	pc_line_init(&lr, f, HOST_CSV_LINE_MAX);
	for (;;) {
		uint64_t ns;
		double v[PC_HOST_MAXCOLS];

		if ((rc = pc_line_next(&lr)) <= 0) {
			if (rc < 0) {
				pc_line_error(&lr, rc, a->input, err, sizeof(err));
				log_warnx("--input=%s", err);
			}
			break;
		}
		if (lr.lineno == 1) {
			if ((rc = parse_header(lr.line, col, &ncol))) {
				log_warnx("--input=%s: not host.csv's header", a->input);
				break;
			}
			continue;
		}
		if ((rc = parse_row(lr.line, col, ncol, &ns, v))) {
			log_warnx("--input=%s line %lu: not a host.csv row", a->input, lr.lineno);
			break;
		}
		rc = sink__add_host_row(k, &id, ns, v);
		if (rc >= 0 && sink__full(k))
			rc = sink__flush(k);
		if (rc < 0)
			break;
	}
	pc_line_free(&lr);
	fclose(f);
	return rc < 0 ? rc : sink__flush(k);
}

static int samples(struct pc_sink *k, const struct pj_sink_args *a)
{
	struct pc_input_opts o = *a->o;
	struct pc_input *in;
	struct pc_sample s;
	char err[512];
	int rc;

	o.all_runs = o.host < 0 && o.run < 0;
	in = input__open_opts(a->input, &o, err, sizeof(err));
	if (!in) {
		log_warnx("--input: %s", err);
		return -EINVAL;
	}
	pc_sample_init(&s);
	const struct pc_sysinfo *si = input__sysinfo(in);
	if (!o.site && !a->collector && !*si->hostname) {
		log_warnx("--input=%s does not say which machine it is: give --collector-name",
			  a->input);
		input__close(in);
		return -EINVAL;
	}
	while ((rc = input__next(in, &s)) > 0) {
		/* a journal's collectors are (siteid, host); a file's are known by name */
		struct pc_sink_id id = {.site = o.site ? o.site->siteid : PC_SINK_BY_NAME,
					.host = s.host,
					.run = s.run,
					.sitename = o.site ? o.site->sitename : a->sitename,
					.machinename = a->collector ? a->collector : si->hostname,
					.description = si->cpu_model};

		rc = sink__add(k, &id, si, &s);
		if (rc >= 0 && sink__full(k))
			rc = sink__flush(k);
		if (rc < 0)
			break;
	}
	if (rc < 0 && !*sink__error(k))
		log_warnx("--input=%s: %s", a->input, input__error(in));
	else if (input__skipped(in))
		log_warnx("--input=%s: %lu damaged or unknown records skipped; the first: %s",
			  a->input, input__skipped(in), input__skip_reason(in));
	pc_sample_free(&s);
	input__close(in);
	return rc < 0 ? rc : sink__flush(k);
}

int pj_sink(const struct pj_sink_args *a)
{
	struct pc_sink_opts so = {.kind = a->kind, .uri = a->uri, .cursor = a->cursor, .bulk = 1};
	struct pc_sink *k;
	char err[2048];
	int rc, csv = is_host_csv(a->input);

	if (csv && (!a->collector || !a->sitename)) {
		log_warnx("--input=%s is a host.csv: give --collector-name and --site-name",
			  a->input);
		return 2;
	}
	k = sink__open(&so, err, sizeof(err));
	if (!k) {
		log_warnx("%s", err);
		return 1;
	}
	/* another writer moved a cursor meanwhile: nothing of ours was stored, start over */
	for (int tries = 0; tries < 3; tries++) {
		rc = csv ? host_csv(k, a) : samples(k, a);
		if (rc != -ESTALE)
			break;
		log_info("%s; reading the input again", sink__error(k));
	}
	/* the days loaded are indexed now (a failed import's, by the run that resumes it) */
	if (rc >= 0 && sink__finish(k) < 0)
		rc = -EIO;
	if (rc >= 0)
		report(k, a->input);
	else if (*sink__error(k))
		log_warnx("%s (nothing after the last commit is stored; run again to resume)",
			  sink__error(k));
	sink__close(k);
	return rc < 0 ? 1 : 0;
}
