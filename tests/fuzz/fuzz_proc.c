// SPDX-License-Identifier: MIT
/*
 * fuzz_proc.c: libFuzzer target for the /proc and /sys text parsers (every
 * parser of the source registry, pc/source.h), the cpuinfo parser and the mountinfo reader behind
 * live statfs. Every input goes through every parser; besides not crashing,
 * what comes out must hold: keys non-empty and NUL-terminated, diskstats
 * rows with 11, 15 or 17 statistics, never more rows than lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pc/proc.h"
#include "pc/source.h"
#include "pc/sysinfo.h"
#include "../../userspace/collect/proc_internal.h"

static struct pc_sample s;
static int ready;

static void check_rows(size_t lines)
{
	for (int g = 0; g < PC_G_MAX; g++) {
		const struct pc_table *t = &s.t[g];

		if (t->nrows > lines + 1)
			abort();
		for (uint32_t r = 0; r < t->nrows; r++) {
			if (!t->key[r][0] || !memchr(t->key[r], 0, PC_KEY_MAX))
				abort();
			if (g == PC_G_DISK) {
				uint64_t n = pc_table_row(t, r)[PC_DISK_NSTATS];

				if (n != 11 && n != 15 && n != 17)
					abort();
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pc_perr perr;
	struct pc_sysinfo si;
	struct pf_mounts mt = {0};
	size_t lines = 0, split;
	const char *nul;

	if (!ready) {
		pc_sample_init(&s);
		ready = 1;
	}
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	for (unsigned i = 0; i < pc_nsources; i++) {
		memset(&perr, 0, sizeof(perr));
		pc_sample_reset(&s);
		if (!pc_sources[i].parse)
			continue; /* the containers: fuzz_containers */
		if (pc_sources[i].parse(text, size, &s, &perr))
			abort(); /* only ENOMEM may fail, and the fuzzer's inputs are small */
		if (perr.count && !memchr(perr.first, 0, sizeof(perr.first)))
			abort();
		check_rows(lines);
	}
	pc_sysinfo_parse_cpuinfo(&si, text, size);
	if (si.cores > si.ncpu || si.sockets > si.cores)
		abort();
	/* mountinfo text, then a NUL, then /proc/filesystems text */
	nul = memchr(text, 0, size);
	split = nul ? (size_t)(nul - text) : size;
	memset(&perr, 0, sizeof(perr));
	mounts_parse(&mt, "/r", text, split, nul ? nul + 1 : "", nul ? size - split - 1 : 0, &perr);
	for (uint32_t i = 0; i < mt.n; i++)
		if (!mt.m[i].key[0] || strncmp(mt.m[i].path, "/r", 2))
			abort();
	mounts_free(&mt);
	return 0;
}
