// SPDX-License-Identifier: MIT
/*
 * input.c: include/pc/input.h, reading recorded data whatever wrote it.
 * The first bytes decide: a native collection (coll__is_native), an
 * encrypted journal (journal__is_native), JSON lines (pcc collections and
 * Go-tool captures, userspace/input/input_pcc.c), or, given an identity, a journal
 * of the Go tools (userspace/input/input_journal.c). The selection of host, run and
 * time span is applied here, once, to every kind. Damage is skipped and
 * counted, with the first instance described, so one bad record never costs
 * the rest. Inputs without a header (journals) get their host description
 * from their first samples, which are kept and served again. Only a regular
 * file is an input (io_open_input: a directory, FIFO or device is refused
 * before anything reads it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pc/collection.h"
#include "pc/io.h"
#include "pc/journal.h"
#include "input_int.h"

struct pc_input {
	enum pc_input_kind kind;
	char path[256];
	struct pc_sysinfo si;
	struct pc_input_opts o;
	struct pc_coll *coll;
	struct pcc_reader *pcc;
	struct jrn_reader *jrn;
	struct pc_sample ahead[SI_DERIVE_SAMPLES]; /* read for sysinfo, served first */
	unsigned nahead, next_ahead;
	int any_run; /* input__verify: every host and run, no refusal of the mix */
	uint32_t host0, run0;
	int have0;
	unsigned long skipped; /* native only; the other readers count their own */
	char first_skip[512];
	char err[512];
};

static int wanted(const struct pc_input_opts *o, const struct pc_sample *s)
{
	if (o->host >= 0 && s->host != (uint64_t)o->host)
		return 0;
	if (o->run >= 0 && s->run != (uint64_t)o->run)
		return 0;
	if (o->from_ns && s->time_ns < o->from_ns)
		return 0;
	if (o->to_ns && s->time_ns >= o->to_ns)
		return 0;
	return 1;
}

/* One sample of the underlying reader, unfiltered. */
static int raw_next(struct pc_input *in, struct pc_sample *s)
{
	int rc;

	if (in->pcc)
		return pcc__next(in->pcc, s);
	if (in->jrn)
		return jrn__next(in->jrn, s);
	for (;;) {
		rc = coll__next(in->coll, s);
		if (rc >= 0)
			return rc;
		/* Only damage moves the reader on; anything else would repeat forever. */
		if (rc != -EBADMSG && rc != -EINVAL && rc != -EPROTO) {
			snprintf(in->err, sizeof(in->err), "%s: %s", in->path,
				 coll__error(in->coll));
			return rc;
		}
		/* A damaged frame: the reader resumes at the next key frame (or ends). */
		if (!in->skipped++)
			snprintf(in->first_skip, sizeof(in->first_skip), "%s: %s", in->path,
				 coll__error(in->coll));
	}
}

static int filtered_next(struct pc_input *in, struct pc_sample *s)
{
	int rc;

	do {
		rc = raw_next(in, s);
	} while (rc > 0 && !wanted(&in->o, s));
	if (rc <= 0)
		return rc;
	/* Exports need one host's one run: say so rather than interleave several. */
	if (in->any_run) {
		return 1;
	} else if (!in->have0) {
		in->host0 = s->host, in->run0 = s->run, in->have0 = 1;
	} else if (s->host != in->host0 || s->run != in->run0) {
		snprintf(
		    in->err, sizeof(in->err),
		    "%s holds more than one host or run (host %u run %u, host %u run %u, ...): "
		    "choose one with --host and --run",
		    in->path, in->host0, in->run0, s->host, s->run);
		return -EMLINK;
	}
	return 1;
}

/* Headerless inputs: describe the host from the first samples, keep them. */
static int read_ahead(struct pc_input *in)
{
	struct si_derive d = {0};
	int rc = 0;

	while (in->nahead < SI_DERIVE_SAMPLES) {
		pc_sample_init(&in->ahead[in->nahead]);
		rc = filtered_next(in, &in->ahead[in->nahead]);
		if (rc <= 0) {
			pc_sample_free(&in->ahead[in->nahead]);
			break;
		}
		si_derive_add(&d, &in->si, &in->ahead[in->nahead++]);
	}
	si_derive_end(&d, &in->si, 0);
	return rc < 0 ? rc : 0;
}

/* Control bytes other than whitespace: not text, so not JSON lines. */
static int looks_binary(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return 1;
	return 0;
}

static struct pc_input *fail(struct pc_input *in, int e)
{
	input__close(in);
	errno = e;
	return NULL;
}

int input__is_journal(const char *path)
{
	unsigned char head[64];
	char err[512];
	size_t n;
	FILE *f = io_fopen_input(path, err, sizeof(err));

	if (!f)
		return -errno;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (!n)
		return -EINVAL;
	/* As input__open_opts decides: a journal, or binary that only a Go-tool journal can be. */
	if (coll__is_native(head, n))
		return 0;
	return journal__is_native(head, n) || looks_binary(head, n);
}

struct pc_input *input__open(const char *path, char *err, size_t errlen)
{
	return input__open_opts(path, NULL, err, errlen);
}

struct pc_input *input__open_opts(const char *path, const struct pc_input_opts *o, char *err,
				  size_t errlen)
{
	struct pc_input *in;
	unsigned char head[64];
	size_t n;
	FILE *f;
	int e;

	if (!path || !*path) {
		snprintf(err, errlen, "input: empty path");
		errno = EINVAL;
		return NULL;
	}
	f = io_fopen_input(path, err, errlen);
	if (!f)
		return NULL;
	n = fread(head, 1, sizeof(head), f);
	if (ferror(f) || !n) {
		e = ferror(f) ? (errno ? errno : EIO) : EINVAL;
		snprintf(err, errlen, "%s: %s", path, n ? strerror(e) : "empty file");
		fclose(f);
		errno = e;
		return NULL;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(in->path, sizeof(in->path), "%s", path);
	in->o.host = in->o.run = -1;
	if (o)
		in->o = *o;
	if (in->o.host == -2) /* input__verify */
		in->o.host = in->o.run = -1, in->any_run = 1;
	if (in->o.all_runs)
		in->any_run = 1;
	if (coll__is_native(head, n)) {
		fclose(f);
		in->kind = PC_IN_NATIVE;
		in->coll = coll__open(path);
		if (!in->coll) {
			e = errno ? errno : EINVAL;
			snprintf(err, errlen, "%s: not a readable collection: %s", path,
				 strerror(e));
			return fail(in, e);
		}
		in->si = *coll__sysinfo(in->coll);
		return in;
	}
	if (journal__is_native(head, n)) {
		fclose(f);
		in->kind = PC_IN_JOURNAL;
		in->jrn = jrn__open(path, &in->o, err, errlen);
		if (!in->jrn)
			return fail(in, errno);
	} else if (looks_binary(head, n) && in->o.site) {
		/* No header at all: a journal of the Go tools, if the identity opens it. */
		fclose(f);
		in->kind = PC_IN_LEGACY_JOURNAL;
		f = jrn__legacy_stream(path, in->o.site, err, errlen);
		if (!f)
			return fail(in, errno);
	}
	if (!in->jrn && looks_binary(head, n) && !in->o.site) {
		snprintf(err, errlen,
			 "%s: not a collection, a pcc file or a capture; if it is a journal of the "
			 "original tools, give --siteid, --sitename and --license",
			 path);
		fclose(f);
		return fail(in, EINVAL);
	}
	if (!in->jrn) {
		rewind(f);
		in->pcc = pcc__open(f, path, &in->si, err, errlen);
		if (!in->pcc)
			return fail(in, errno);
		if (in->kind != PC_IN_LEGACY_JOURNAL)
			in->kind = pcc__kind(in->pcc);
	}
	if (in->jrn || in->kind == PC_IN_LEGACY_JOURNAL) {
		memset(&in->si, 0, sizeof(in->si));
		e = read_ahead(in);
		if (e < 0) {
			snprintf(err, errlen, "%s", input__error(in));
			return fail(in, -e);
		}
	}
	return in;
}

enum pc_input_kind input__kind(const struct pc_input *in)
{
	return in->kind;
}

const struct pc_sysinfo *input__sysinfo(const struct pc_input *in)
{
	return &in->si;
}

int input__next(struct pc_input *in, struct pc_sample *s)
{
	if (in->next_ahead < in->nahead) {
		int rc = pc_sample_copy(s, &in->ahead[in->next_ahead]);

		pc_sample_free(&in->ahead[in->next_ahead++]);
		if (rc < 0)
			snprintf(in->err, sizeof(in->err), "%s: sample %u: %s", in->path,
				 in->next_ahead, strerror(-rc));
		return rc < 0 ? rc : 1;
	}
	return filtered_next(in, s);
}

const char *input__error(const struct pc_input *in)
{
	if (in->err[0])
		return in->err;
	if (in->pcc)
		return pcc__error(in->pcc);
	if (in->jrn)
		return jrn__error(in->jrn);
	return in->err;
}

unsigned long input__skipped(const struct pc_input *in)
{
	const char *first;

	if (in->pcc)
		return pcc__skipped(in->pcc);
	if (in->jrn)
		return jrn__skipped(in->jrn, &first);
	return in->skipped;
}

const char *input__skip_reason(const struct pc_input *in)
{
	const char *first = in->first_skip;

	if (in->pcc)
		return pcc__first_skip(in->pcc);
	if (in->jrn)
		jrn__skipped(in->jrn, &first);
	return first;
}

void input__close(struct pc_input *in)
{
	if (!in)
		return;
	for (unsigned i = in->next_ahead; i < in->nahead; i++)
		pc_sample_free(&in->ahead[i]);
	if (in->coll)
		coll__close(in->coll);
	pcc__close(in->pcc);
	jrn__close(in->jrn);
	free(in);
}

int input__parse_time(const char *s, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0, scale = 100000000;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, '-') || strchr(s, 'T'))
		return input_parse_rfc3339(s, strlen(s), ns);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sec > (UINT64_MAX / 1000000000ULL - 10) / 10)
			return -ERANGE;
		sec = sec * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (uint64_t)(*p - '0') * scale;
	if (*p)
		return -EINVAL;
	*ns = sec * 1000000000ULL + frac;
	return 0;
}

int input__verify(const char *path, const struct pc_input_opts *o, FILE *out, char *err,
		  size_t errlen)
{
	static const char *const kinds[] = {"collection", "pcc collection", "Go-tool capture",
					    "journal", "Go-tool journal"};
	struct pc_input_opts all = {.host = -1, .run = -1};
	struct pc_input *in;
	struct pc_sample s;
	unsigned long n = 0, gaps = 0;
	uint64_t first = 0, last = 0;
	int rc;

	unsigned char head[16] = {0};
	FILE *f = io_fopen_input(path, err, errlen);
	size_t got;

	if (!f)
		return -errno;
	got = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (journal__is_native(head, got))
		return jrn__verify(path, o, out, err, errlen);
	if (o)
		all.site = o->site, all.macs = o->macs, all.nmacs = o->nmacs;
	all.host = all.run = -2; /* read below as "any run, mixed allowed" */
	in = input__open_opts(path, &all, err, errlen);
	if (!in)
		return -errno;
	pc_sample_init(&s);
	while ((rc = input__next(in, &s)) > 0) {
		if (!n++)
			first = s.time_ns;
		if (s.flags & PC_SF_GAP_BEFORE)
			gaps += s.gap_count;
		last = s.time_ns;
	}
	fprintf(out, "%-9s %s\nkind      %s\nsamples   %lu\n", "input", path, kinds[in->kind], n);
	fprintf(out, "span      %.3f s\ngaps      %lu samples lost (marked by the collector)\n",
		n ? (double)(last - first) / 1e9 : 0.0, gaps);
	fprintf(out, "damage    %lu%s%s\n", input__skipped(in), input__skipped(in) ? ": " : "",
		input__skipped(in) ? input__skip_reason(in) : "");
	if (rc < 0)
		snprintf(err, errlen, "%s", input__error(in));
	rc = rc < 0 ? rc : (input__skipped(in) || gaps) ? 1 : 0;
	pc_sample_free(&s);
	input__close(in);
	return rc;
}
