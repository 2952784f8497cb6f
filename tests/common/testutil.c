// SPDX-License-Identifier: MIT
/* testutil.c: see testutil.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

const char *tu_fixtures(void)
{
	return env_or("PC_FIXTURES", "tests/fixtures");
}

const char *tu_shared_fixtures(void)
{
	return env_or("PC_SHARED_FIXTURES", "../shared/fixtures");
}

const char *tu_bindir(void)
{
	return env_or("PC_BIN", "build/san/bin");
}

const char *tu_path(const char *dir, const char *rel)
{
	static char ring[8][PATH_MAX];
	static unsigned next;
	char *p = ring[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", dir, rel);
	return p;
}

const char *tu_shared(const char *rel)
{
	const char *p = tu_path(tu_shared_fixtures(), rel);

	if (access(p, R_OK))
		tu_skip("shared fixture %s is not there (clone beside ../shared, or set "
			"PC_SHARED_FIXTURES)",
			p);
	return p;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/pctest.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void tu_rmtree(const char *path)
{
	if (path)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
