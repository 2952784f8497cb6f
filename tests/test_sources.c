// SPDX-License-Identifier: MIT
/*
 * test_sources.c: the source registry (pc/source.h). Walks pc_sources[] and
 * fails when a row is unreachable from a mode that should reach it: procfs
 * (its file opens in the fixture tree and its parser fills only the groups it
 * declares), server mode (its systems= name selects its groups and only
 * them), the pcc reader (its subsystem name finds it) and pcc mode (a written
 * row has text to write); and when two rows collide on a name: a path, a pcc
 * subsystem, a pcc position, or a group claimed by two systems= names.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/testutil.h"
#include "pc/source.h"

#define ALL_GROUPS ((1u << PC_G_MAX) - 1)

static const char *tree(void)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/proc/debian12-2cpu", tu_fixtures());
	return p;
}

static void every_row_is_complete(void **state)
{
	(void)state;
	assert_true(pc_nsources > 0);
	assert_true(pc_nsources < 32); /* the pcc reader keeps a bit per row */
	for (unsigned i = 0; i < pc_nsources; i++) {
		const struct pc_source *r = &pc_sources[i];

		print_message("row %u: %s\n", i, r->pcc ? r->pcc : "(no pcc name)");
		assert_non_null(r->system);
		assert_non_null(r->pcc);
		assert_true(r->groups && !(r->groups & ~ALL_GROUPS));
		/* one flag, so the sampler can leave it out */
		assert_true(r->skip && !(r->skip & (r->skip - 1)));
		/* procfs reads files; not files: its statfs(2), the sampler's containers */
		if (!r->path)
			assert_true(r->skip == PROCFS_NO_STATFS || r->skip == PROCFS_NO_CONTAINERS);
		/* a row without a parser is the containers, parsed by their own readers */
		assert_true(r->parse || r->groups == (1u << PC_G_CONTAINER));
	}
}

static void no_two_rows_share_a_name(void **state)
{
	(void)state;
	for (unsigned i = 0; i < pc_nsources; i++) {
		const struct pc_source *a = &pc_sources[i];

		for (unsigned j = i + 1; j < pc_nsources; j++) {
			const struct pc_source *b = &pc_sources[j];

			if (a->path && b->path)
				assert_string_not_equal(a->path, b->path);
			assert_string_not_equal(a->pcc, b->pcc);
			if (a->pcc_order)
				assert_int_not_equal(a->pcc_order, b->pcc_order);
			/* a group belongs to one systems= name, or systems= could not drop it */
			if (strcmp(a->system, b->system))
				assert_int_equal(a->groups & b->groups, 0);
			/* one skip flag, one read period: else a flag would say two things */
			if (a->skip == b->skip) {
				assert_true(a->period_ns == b->period_ns);
				assert_true(a->busy_period_ns == b->busy_period_ns);
			}
		}
	}
}

/* procfs opens each file; its parser fills rows, only of the groups it declares. */
static void every_file_row_reaches_procfs(void **state)
{
	struct procfs *pf = procfs__open(tree(), PROCFS_NO_STATFS | PROCFS_NO_SYSNET);
	struct pc_sample s;
	(void)state;

	assert_non_null(pf);
	assert_string_equal(procfs__missing(pf), "");
	pc_sample_init(&s);
	for (unsigned i = 0; i < pc_nsources; i++) {
		const struct pc_source *r = &pc_sources[i];
		struct pc_perr perr = {0};
		uint32_t filled = 0;
		const char *text;
		size_t len;

		if (!r->path)
			continue;
		print_message("%s\n", r->path);
		assert_int_equal(pc_source_by_path(r->path), (int)i);
		text = procfs__text(pf, r->path, &len);
		assert_non_null(text);
		pc_sample_reset(&s);
		assert_int_equal(r->parse(text, len, &s, &perr), 0);
		assert_int_equal(perr.count, 0);
		for (int g = 0; g < PC_G_MAX; g++)
			if (s.t[g].nrows)
				filled |= 1u << g;
		assert_int_equal(filled, r->groups);
	}
	pc_sample_free(&s);
	procfs__close(pf);
}

/* systems= selects each row's groups, and no group of another system. */
static void every_row_reaches_systems(void **state)
{
	uint32_t filled = 0, mask, always;
	char why[512];
	(void)state;

	for (unsigned i = 0; i < pc_nsources; i++)
		filled |= pc_sources[i].groups;
	always = ALL_GROUPS & ~filled;
	assert_true(always & (1u << PC_G_SELF));
	for (unsigned i = 0; i < pc_nsources; i++) {
		const struct pc_source *r = &pc_sources[i];
		uint32_t want = always;

		for (unsigned j = 0; j < pc_nsources; j++)
			if (!strcmp(pc_sources[j].system, r->system))
				want |= pc_sources[j].groups;
		print_message("systems=%s\n", r->system);
		assert_int_equal(pc_systems_mask(r->system, &mask, why, sizeof(why)), 0);
		assert_int_equal(mask, want);
		/* and the refusal of an unknown name lists it */
		assert_int_equal(pc_systems_mask("/proc/nope", &mask, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, r->system));
	}
	assert_int_equal(pc_systems_mask("", &mask, why, sizeof(why)), 0);
	assert_int_equal(mask, ALL_GROUPS);
}

/* The pcc reader finds every row by its subsystem; pcc mode writes 1..n in order. */
static void every_row_reaches_pcc(void **state)
{
	unsigned written = 0, max = 0;
	(void)state;

	for (unsigned i = 0; i < pc_nsources; i++) {
		const struct pc_source *r = &pc_sources[i];

		assert_int_equal(pc_source_by_pcc(r->pcc), (int)i);
		if (!r->pcc_order)
			continue;
		written++;
		if (r->pcc_order > max)
			max = r->pcc_order;
		/* pcc mode has text to write: a file, or the statfs table */
		assert_true(r->path || r->groups == (1u << PC_G_FS));
	}
	assert_true(written > 0);
	assert_int_equal(max, written); /* no hole: pcc mode stops at the first */
	assert_int_equal(pc_source_by_pcc("/proc/nope"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_row_is_complete),
	    cmocka_unit_test(no_two_rows_share_a_name),
	    cmocka_unit_test(every_file_row_reaches_procfs),
	    cmocka_unit_test(every_row_reaches_systems),
	    cmocka_unit_test(every_row_reaches_pcc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
