// SPDX-License-Identifier: MIT
/*
 * codec_json.c: the JSON sample encoding of include/pc/codec.h (docs/FORMAT.md,
 * "JSON sample encoding") and system_info.json. A sample is one line: its
 * identity fields, then "groups", an object with one member per non-empty
 * group naming its columns once ("cols") and holding one array of raw
 * counters per row ("rows", keyed by row key, in table order). The reader
 * maps columns by name, so it skips groups and columns it does not know and
 * reads columns the writer did not have as zero.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/codec.h"
#include "pc/json.h"

static void write_table(FILE *f, unsigned g, const struct pc_table *t)
{
	unsigned ncols = t->ncols < pc_groups[g].ncols ? t->ncols : pc_groups[g].ncols;

	json_write_string(f, pc_groups[g].name, strlen(pc_groups[g].name));
	fputs(":{\"cols\":[", f);
	for (unsigned c = 0; c < ncols; c++) {
		if (c)
			fputc(',', f);
		json_write_string(f, pc_groups[g].cols[c], strlen(pc_groups[g].cols[c]));
	}
	fputs("],\"rows\":{", f);
	for (uint32_t r = 0; r < t->nrows; r++) {
		const uint64_t *row = t->val + (size_t)r * t->ncols;

		if (r)
			fputc(',', f);
		json_write_string(f, t->key[r], strnlen(t->key[r], PC_KEY_MAX));
		fputs(":[", f);
		for (unsigned c = 0; c < ncols; c++)
			fprintf(f, c ? ",%" PRIu64 : "%" PRIu64, row[c]);
		fputc(']', f);
	}
	fputs("}}", f);
}

int pc_json_write_sample(FILE *f, const struct pc_sample *s)
{
	int first = 1;

	fprintf(f,
		"{\"time_ns\":%" PRIu64 ",\"taken_ns\":%" PRIu64 ",\"host\":%" PRIu32
		",\"run\":%" PRIu32 ",\"seq\":%" PRIu64 ",\"flags\":%" PRIu32
		",\"gap_reason\":%" PRIu32 ",\"gap_count\":%" PRIu64 ",\"groups\":{",
		s->time_ns, s->taken_ns, s->host, s->run, s->seq, s->flags, s->gap_reason,
		s->gap_count);
	for (unsigned g = 0; g < PC_G_MAX; g++) {
		if (!s->t[g].nrows)
			continue;
		if (!first)
			fputc(',', f);
		first = 0;
		write_table(f, g, &s->t[g]);
	}
	fputs("}}\n", f);
	return ferror(f) ? -EIO : 0;
}

struct jr {
	struct json_doc *doc;
	char *err;
	size_t errlen;
};

static int jr_fail(struct jr *j, int tok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int jr_fail(struct jr *j, int tok, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!j->errlen)
		return -EINVAL;
	n = snprintf(j->err, j->errlen, "offset %u: ", j->doc->tok[tok].start);
	if (n > 0 && (size_t)n < j->errlen) {
		va_start(ap, fmt);
		vsnprintf(j->err + n, j->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copy string token t into a row key buffer; rejects empty and overlong keys. */
static int get_key(struct jr *j, int t, char key[PC_KEY_MAX])
{
	size_t n;
	char *k = json_strdup(j->doc, t, &n);

	if (!k)
		return errno == ENOMEM ? -ENOMEM : jr_fail(j, t, "row key is not a string");
	if (!n || n >= PC_KEY_MAX || memchr(k, 0, n)) {
		free(k);
		return jr_fail(j, t, "row key of %zu bytes (1 to %d, no NUL)", n, PC_KEY_MAX - 1);
	}
	memcpy(key, k, n + 1);
	free(k);
	return 0;
}

static int read_group(struct jr *j, unsigned g, int obj, struct pc_table *t)
{
	const struct json_doc *d = j->doc;
	int cols = json_get(d, obj, "cols"), rows = json_get(d, obj, "rows");
	int map[256], ncols, i, err;
	char key[PC_KEY_MAX];

	if (d->tok[obj].type != JSON_OBJECT)
		return jr_fail(j, obj, "group \"%s\" is not an object", pc_groups[g].name);
	if (cols < 0 || d->tok[cols].type != JSON_ARRAY)
		return jr_fail(j, obj, "group \"%s\": no \"cols\" array", pc_groups[g].name);
	if (rows < 0 || d->tok[rows].type != JSON_OBJECT)
		return jr_fail(j, obj, "group \"%s\": no \"rows\" object", pc_groups[g].name);
	ncols = (int)d->tok[cols].size;
	if (ncols > 256)
		return jr_fail(j, cols, "group \"%s\": %d columns, at most 256", pc_groups[g].name,
			       ncols);
	/* Column i of the writer is column map[i] of this reader, or -1. */
	for (i = 0; i < ncols; i++) {
		int c = cols + 1 + i;

		map[i] = -1;
		if (d->tok[c].type != JSON_STRING)
			return jr_fail(j, c, "group \"%s\": column name is not a string",
				       pc_groups[g].name);
		for (unsigned k = 0; k < pc_groups[g].ncols && k < t->ncols; k++) {
			const char *name = pc_groups[g].cols[k];

			if (d->tok[c].len == strlen(name) &&
			    !memcmp(d->text + d->tok[c].start, name, d->tok[c].len)) {
				map[i] = (int)k;
				break;
			}
		}
	}
	t->nrows = 0;
	i = rows + 1;
	for (uint32_t r = 0; r < d->tok[rows].size; r++) {
		int arr = i + 1;
		uint64_t *row;

		if ((err = get_key(j, i, key)))
			return err;
		if (d->tok[arr].type != JSON_ARRAY || (int)d->tok[arr].size != ncols)
			return jr_fail(j, arr,
				       "group \"%s\" row \"%s\": want an array of %d numbers",
				       pc_groups[g].name, key, ncols);
		row = pc_table_add(t, key);
		if (!row)
			return -errno;
		for (int c = 0; c < ncols; c++) {
			uint64_t v;

			if (json_uint64(d, arr + 1 + c, &v))
				return jr_fail(j, arr + 1 + c,
					       "group \"%s\" row \"%s\" column %d: not a u64",
					       pc_groups[g].name, key, c);
			if (map[c] >= 0)
				row[map[c]] = v;
		}
		i = arr + (int)d->tok[arr].span;
	}
	return 0;
}

static int get_field(struct jr *j, int root, const char *name, uint64_t max, uint64_t *out)
{
	int t = json_get(j->doc, root, name);

	*out = 0;
	if (t < 0)
		return 0; /* absent reads as zero, like a column */
	if (json_uint64(j->doc, t, out) || *out > max)
		return jr_fail(j, t, "\"%s\" is not an integer in 0..%llu", name,
			       (unsigned long long)max);
	return 0;
}

int pc_json_read_sample(const char *line, size_t len, struct pc_sample *s, char *err, size_t errlen)
{
	static __thread struct json_doc doc;
	struct jr j = {.doc = &doc, .err = err, .errlen = errlen};
	uint64_t v[8];
	uint32_t seen = 0;
	int groups, i, e;
	static const char *const names[8] = {"time_ns", "taken_ns", "host",	  "run",
					     "seq",	"flags",    "gap_reason", "gap_count"};
	static const uint64_t max[8] = {UINT64_MAX, UINT64_MAX, UINT32_MAX, UINT32_MAX,
					UINT64_MAX, UINT32_MAX, UINT32_MAX, UINT64_MAX};

	if (errlen)
		err[0] = 0;
	e = json_parse(&doc, line, len);
	if (e) {
		if (errlen)
			snprintf(err, errlen, "%s", doc.err);
		return e;
	}
	if (doc.tok[0].type != JSON_OBJECT)
		return jr_fail(&j, 0, "a sample is a JSON object");
	for (i = 0; i < 8; i++)
		if ((e = get_field(&j, 0, names[i], max[i], &v[i])))
			return e;
	pc_sample_reset(s);
	s->time_ns = v[0];
	s->taken_ns = v[1];
	s->host = (uint32_t)v[2];
	s->run = (uint32_t)v[3];
	s->seq = v[4];
	s->flags = (uint32_t)v[5];
	s->gap_reason = (uint32_t)v[6];
	s->gap_count = v[7];
	groups = json_get(&doc, 0, "groups");
	if (groups < 0)
		return 0;
	if (doc.tok[groups].type != JSON_OBJECT)
		return jr_fail(&j, groups, "\"groups\" is not an object");
	i = groups + 1;
	for (uint32_t n = 0; n < doc.tok[groups].size; n++) {
		int g = -1;

		for (int k = 0; k < PC_G_MAX; k++) {
			size_t nl = strlen(pc_groups[k].name);

			if (doc.tok[i].len == nl &&
			    !memcmp(doc.text + doc.tok[i].start, pc_groups[k].name, nl)) {
				g = k;
				break;
			}
		}
		if (g >= 0) { /* unknown groups are skipped */
			if (seen & (1u << g))
				return jr_fail(&j, i, "group \"%s\" twice", pc_groups[g].name);
			seen |= 1u << g;
			if ((e = read_group(&j, (unsigned)g, i + 1, &s->t[g])))
				return e;
		}
		i += 1 + (int)doc.tok[i + 1].span;
	}
	return 0;
}

int pc_json_write_sysinfo(FILE *f, const struct pc_sysinfo *si)
{
	const struct {
		const char *name;
		const char *s;
		size_t max;
	} str[] = {
	    {"hostname", si->hostname, sizeof(si->hostname)},
	    {"kernel", si->kernel, sizeof(si->kernel)},
	    {"machine", si->machine, sizeof(si->machine)},
	    {"cpu_model", si->cpu_model, sizeof(si->cpu_model)},
	};

	fputc('{', f);
	for (size_t i = 0; i < sizeof(str) / sizeof(*str); i++) {
		fprintf(f, "\"%s\":", str[i].name);
		json_write_string(f, str[i].s, strnlen(str[i].s, str[i].max));
		fputc(',', f);
	}
	fprintf(f,
		"\"ncpu\":%" PRIu32 ",\"cores\":%" PRIu32 ",\"sockets\":%" PRIu32
		",\"cpu_mhz_x1000\":%" PRIu32 ",\"mem_total_kb\":%" PRIu64 ",\"user_hz\":%" PRIu32
		",\"page_size\":%" PRIu32 ",\"interval_ns\":%" PRIu64 ",\"start_ns\":%" PRIu64
		",\"host\":%" PRIu32 ",\"run\":%" PRIu32 "}\n",
		si->ncpu, si->cores, si->sockets, si->cpu_mhz_x1000, si->mem_total_kb, si->user_hz,
		si->page_size, si->interval_ns, si->start_ns, si->host, si->run);
	return ferror(f) ? -EIO : 0;
}
