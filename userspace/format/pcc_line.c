// SPDX-License-Identifier: MIT
/*
 * pcc_line.c: pcc's and pcc-container's JSON lines (pc/pcc_line.h). The
 * measurement of a pcc-container line is itself JSON, written into a
 * memory stream and escaped into the line's string.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pc/pcc_line.h"
#include "pc/sample_container.h"

void pc_go_escape(FILE *f, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '<':
		case '>':
		case '&':
			fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			else
				fputc(c, f);
		}
	}
}

void pc_go_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	pc_go_escape(f, s, len);
	fputc('"', f);
}

void pc_pcc_line_start(FILE *f, uint64_t ts, const char *subsystem)
{
	fprintf(f, "{\"timestamp\":%" PRIu64 ",\"subsystem\":", ts);
	pc_go_string(f, subsystem, strlen(subsystem));
	fputs(",\"measurement\":", f);
}

/* One container's measurement object (members sorted by name, as Go writes a map). */
static void ct_measurement(FILE *m, const char *rt, const char *id, const char *name,
			   const uint64_t *v)
{
	fputs("{\"container_id\":", m);
	pc_go_string(m, id, strlen(id));
	fputs(",\"container_name\":", m);
	pc_go_string(m, name, strlen(name));
	for (unsigned i = 0; i < pc_ct_npcc_fields; i++) {
		const struct pc_ct_pcc_field *fd = &pc_ct_pcc_fields[i];

		if (fd->limit && !v[fd->col])
			fprintf(m, ",\"%s\":-1", fd->key);
		else
			fprintf(m, ",\"%s\":%" PRIu64, fd->key, v[fd->col]);
	}
	fputs(",\"runtime\":", m);
	pc_go_string(m, rt, strlen(rt));
	fputc('}', m);
}

int pc_pcc_container_lines(FILE *f, uint64_t ts, const struct pc_table *ct)
{
	char rt[32], id[PC_KEY_MAX], name[PC_KEY_MAX], sub[PC_KEY_MAX + 48];

	for (uint32_t r = 0; r < ct->nrows; r++) {
		char *obj = NULL;
		size_t len = 0;
		FILE *m;

		if (pc_container_split_key(ct->key[r], rt, sizeof(rt), id, sizeof(id), name,
					   sizeof(name)))
			continue;
		m = open_memstream(&obj, &len);
		if (!m)
			return -errno;
		ct_measurement(m, rt, id, name, pc_table_row(ct, r));
		if (fclose(m)) {
			free(obj);
			return -ENOMEM;
		}
		snprintf(sub, sizeof(sub), "container/%s/%.12s", rt, id);
		pc_pcc_line_start(f, ts, sub);
		pc_go_string(f, obj, len);
		fputs("}\n", f);
		free(obj);
	}
	return 0;
}

/* ---- reading lines back, bounded ---- */

void pc_line_init(struct pc_line_reader *lr, FILE *f, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->f = f;
	lr->max = max;
}

/* The next chunk of the stream: 1, 0 at its end, negative errno. */
static int line_fill(struct pc_line_reader *lr)
{
	size_t n;

	if (!lr->chunk && !(lr->chunk = malloc(PC_LINE_CHUNK)))
		return -ENOMEM;
	errno = 0;
	n = fread(lr->chunk, 1, PC_LINE_CHUNK, lr->f);
	lr->pos = 0;
	lr->end = n;
	if (n)
		return 1;
	return ferror(lr->f) ? -(errno ? errno : EIO) : 0;
}

/* n more bytes of the line, refused past max; the buffer grows by doubling up to max + 1. */
static int line_append(struct pc_line_reader *lr, const char *p, size_t n)
{
	size_t need = lr->len + n, cap = lr->cap ? lr->cap : 4096;
	char *b;

	if (need > lr->max)
		return -E2BIG;
	if (need + 1 > lr->cap) {
		while (cap < need + 1)
			cap *= 2;
		if (cap > lr->max + 1)
			cap = lr->max + 1;
		if (!(b = realloc(lr->line, cap)))
			return -ENOMEM;
		lr->line = b;
		lr->cap = cap;
	}
	memcpy(lr->line + lr->len, p, n);
	lr->len = need;
	return 0;
}

int pc_line_next(struct pc_line_reader *lr)
{
	const char *p, *nl = NULL;
	size_t n;
	int rc;

	lr->len = 0;
	lr->lineno++;
	while (!nl) {
		if (lr->pos == lr->end && (rc = line_fill(lr)) <= 0) {
			if (rc < 0)
				return rc;
			if (!lr->len) { /* the end, no line begun */
				lr->lineno--;
				return 0;
			}
			break; /* a last line without its newline */
		}
		p = lr->chunk + lr->pos;
		nl = memchr(p, '\n', lr->end - lr->pos);
		n = nl ? (size_t)(nl - p) : lr->end - lr->pos;
		if ((rc = line_append(lr, p, n)))
			return rc;
		lr->pos += n + (nl ? 1 : 0);
	}
	lr->line[lr->len] = 0;
	return 1;
}

void pc_line_error(const struct pc_line_reader *lr, int rc, const char *path, char *err,
		   size_t errlen)
{
	if (rc == -E2BIG)
		snprintf(err, errlen, "%s line %lu: longer than %zu bytes, the limit of a line",
			 path, lr->lineno, lr->max);
	else if (rc == -ENOMEM)
		snprintf(err, errlen,
			 "%s line %lu: out of memory reading the line (%zu bytes of it held)", path,
			 lr->lineno, lr->len);
	else
		snprintf(err, errlen, "%s line %lu: read error: %s", path, lr->lineno,
			 strerror(-rc));
}

int pc_line_rewind(struct pc_line_reader *lr)
{
	if (fseek(lr->f, 0, SEEK_SET))
		return -errno;
	lr->pos = lr->end = lr->len = 0;
	lr->lineno = 0;
	return 0;
}

void pc_line_free(struct pc_line_reader *lr)
{
	free(lr->chunk);
	free(lr->line);
	lr->chunk = lr->line = NULL;
	lr->cap = lr->len = lr->pos = lr->end = 0;
}
