/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the cmocka tests: where fixtures are, reading a whole
 * file, and skipping with a printed reason (a skip is never silent).
 */
#ifndef PC_TESTUTIL_H
#define PC_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* tests/fixtures (this repo) and ../shared/fixtures (real machines), absolute. */
const char *tu_fixtures(void);
const char *tu_shared_fixtures(void);
/*
 * A file under the shared fixtures (../shared/fixtures, or PC_SHARED_FIXTURES),
 * or a skip of the current test naming the path when it is not there.
 */
const char *tu_shared(const char *rel);
/* Path under a fixtures dir, in a static buffer per call site ring. */
const char *tu_path(const char *dir, const char *rel);
/* Read a whole file into a malloc'd NUL-terminated buffer; NULL on failure. */
char *tu_read_file(const char *path, size_t *len);
/* A fresh temporary directory (removed by tu_rmtree). */
char *tu_tmpdir(void);
void tu_rmtree(const char *path);
/* The directory of built binaries (PC_BIN env, set by tests/run.sh). */
const char *tu_bindir(void);

/* Skip the current test, printing why. */
#define tu_skip(...)                                                                               \
	do {                                                                                       \
		print_message("[  SKIP    ] ");                                                    \
		print_message(__VA_ARGS__);                                                        \
		print_message("\n");                                                               \
		skip();                                                                            \
	} while (0)

#endif
