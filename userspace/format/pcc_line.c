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
