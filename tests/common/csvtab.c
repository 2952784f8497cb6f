// SPDX-License-Identifier: MIT
/* csvtab.c: exported CSV files read back for comparison (see csvtab.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csvtab.h"
#include "common/testutil.h"

void csv_load(struct csv *c, const char *path, int keycol)
{
	char *buf = tu_read_file(path, NULL), *save = NULL, *line;

	assert_non_null(buf);
	c->r = NULL;
	c->n = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fs = NULL, *tok;
		struct row *r;
		int col = 0;

		if (line[0] == '#')
			continue;
		c->r = realloc(c->r, (size_t)(c->n + 1) * sizeof(*c->r));
		assert_non_null(c->r);
		r = &c->r[c->n++];
		memset(r, 0, sizeof(*r));
		for (tok = strtok_r(line, ",", &fs); tok; tok = strtok_r(NULL, ",", &fs), col++) {
			if (col == 0)
				r->ts = strtoull(tok, NULL, 10);
			else if (col == 1 && keycol)
				snprintf(r->key, sizeof(r->key), "%s", tok);
			else if (r->n < 16)
				r->v[r->n++] = strtod(tok, NULL);
		}
	}
	free(buf);
}

const struct row *csv_find(const struct csv *c, unsigned long long ts, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if (c->r[i].ts == ts && !strcmp(c->r[i].key, key))
			return &c->r[i];
	return NULL;
}

int close_enough(double a, double b)
{
	double d = fabs(a - b);

	return d <= 1e-6 || d <= 1e-6 * fmax(fabs(a), fabs(b));
}

void row_eq(const char *file, const struct row *want, const struct row *got)
{
	if (!got)
		fail_msg("%s: no row for %llu,%s", file, want->ts, want->key);
	assert_int_equal(want->n, got->n);
	for (int i = 0; i < want->n; i++)
		if (!close_enough(want->v[i], got->v[i]))
			fail_msg("%s %llu,%s column %d: want %.17g, got %.17g", file, want->ts,
				 want->key, i + 2, want->v[i], got->v[i]);
}
