/* SPDX-License-Identifier: MIT */
/*
 * csvtab.h: an exported CSV file read back as rows keyed by timestamp and
 * (optionally) the second column, for the export tests to compare.
 */
#ifndef PC_TEST_CSVTAB_H
#define PC_TEST_CSVTAB_H

struct row {
	unsigned long long ts;
	char key[128];
	int n;
	double v[16];
};

struct csv {
	struct row *r;
	int n;
};

/* keycol: 1 when the second column names the row (CPU, IFACE, DEV, mount), 0 otherwise. */
void csv_load(struct csv *c, const char *path, int keycol);
const struct row *csv_find(const struct csv *c, unsigned long long ts, const char *key);
/* Equal to 1e-6, absolute or relative. */
int close_enough(double a, double b);
/* Fails the test naming file, row and column where got differs from want. */
void row_eq(const char *file, const struct row *want, const struct row *got);

#endif
