// SPDX-License-Identifier: MIT
/*
 * sysinfo.c: what is true of a host for a whole run (include/pc/sysinfo.h),
 * read once at start: /proc/cpuinfo (model, logical CPUs, cores, sockets,
 * MHz), the kernel's names (uname, or the files under proc/sys/kernel when
 * reading a fixture tree), MemTotal through the meminfo parser, USER_HZ and
 * the page size. Not the hot path, but the cpuinfo parser still takes
 * hostile text: it is fuzzed with the /proc parsers.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pc/sysinfo.h"
#include "proc_internal.h"

/* A (physical id, core id) pair seen in cpuinfo. */
struct core {
	uint64_t pkg, core;
};

struct topo {
	struct core *c;
	uint32_t n, cap;
};

/* Add a pair unless known; 1 when new, 0 when known, -ENOMEM. */
static int topo_add(struct topo *t, uint64_t pkg, uint64_t core)
{
	struct core *c;

	for (uint32_t i = 0; i < t->n; i++)
		if (t->c[i].pkg == pkg && t->c[i].core == core)
			return 0;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;

		c = realloc(t->c, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		t->c = c;
		t->cap = cap;
	}
	t->c[t->n].pkg = pkg;
	t->c[t->n].core = core;
	t->n++;
	return 1;
}

/* Copy the span into a fixed field, NUL-terminated, cut to fit. */
static void copy_field(char *dst, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = '?';
}

/* Does the key span k equal name? */
static int key_is(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && !memcmp(k, name, n);
}

/*
 * Close one processor block: its (physical id, core id) counts towards
 * cores and sockets. Blocks without both ids leave the topology unknown.
 */
static int block_end(struct topo *cores, struct topo *pkgs, int64_t *pkg, int64_t *core,
		     int *unknown)
{
	int r;

	if (*pkg < 0 || *core < 0) {
		*unknown = 1;
	} else {
		r = topo_add(cores, (uint64_t)*pkg, (uint64_t)*core);
		if (r >= 0)
			r = topo_add(pkgs, (uint64_t)*pkg, 0);
		if (r < 0)
			return r;
	}
	*pkg = *core = -1;
	return 0;
}

int pc_sysinfo_parse_cpuinfo(struct pc_sysinfo *si, const char *buf, size_t len)
{
	struct topo cores = {0}, pkgs = {0};
	int64_t pkg = -1, core = -1;
	int rc = 0, unknown = 0, in_block = 0;
	const char *colon, *k, *ke, *v;
	size_t pos = 0;
	uint64_t x;
	struct ps l, vs;

	si->ncpu = si->cores = si->sockets = si->cpu_mhz_x1000 = 0;
	si->cpu_model[0] = 0;
	while (!rc && ps_line(buf, len, &pos, &l)) {
		colon = memchr(l.p, ':', (size_t)(l.end - l.p));
		if (!colon)
			continue; /* blank lines end a block; "processor" starts the next */
		k = l.p;
		while (k < colon && ps_isblank(*k))
			k++;
		for (ke = colon; ke > k && ps_isblank(ke[-1]); ke--)
			;
		vs.p = colon + 1;
		vs.end = l.end;
		ps_blank(&vs);
		v = vs.p;
		while (vs.end > v && ps_isblank(vs.end[-1]))
			vs.end--;
		if (key_is(k, (size_t)(ke - k), "processor")) {
			if (in_block)
				rc = block_end(&cores, &pkgs, &pkg, &core, &unknown);
			in_block = 1;
			si->ncpu++;
		} else if (key_is(k, (size_t)(ke - k), "model name") && !si->cpu_model[0]) {
			copy_field(si->cpu_model, sizeof(si->cpu_model), v, (size_t)(vs.end - v));
		} else if (key_is(k, (size_t)(ke - k), "cpu MHz") && !si->cpu_mhz_x1000) {
			if (ps_fixed(&vs, 3, &x) == 1 && vs.p == vs.end && x <= UINT32_MAX)
				si->cpu_mhz_x1000 = (uint32_t)x;
		} else if (key_is(k, (size_t)(ke - k), "physical id")) {
			if (ps_u64(&vs, &x) == 1 && x < INT64_MAX)
				pkg = (int64_t)x;
		} else if (key_is(k, (size_t)(ke - k), "core id")) {
			if (ps_u64(&vs, &x) == 1 && x < INT64_MAX)
				core = (int64_t)x;
		}
	}
	if (!rc && in_block)
		rc = block_end(&cores, &pkgs, &pkg, &core, &unknown);
	if (!rc && !unknown) {
		si->cores = cores.n;
		si->sockets = pkgs.n;
	}
	free(cores.c);
	free(pkgs.c);
	return rc;
}

/* A small file under root into buf (NUL-terminated, trailing newline cut); -errno. */
static int read_small(const char *root, const char *rel, char *buf, size_t cap)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || ps_isblank(buf[n - 1])))
		n--;
	buf[n] = 0;
	return 0;
}

int pc_sysinfo_read(struct pc_sysinfo *si, const char *root)
{
	struct pc_sample s;
	struct procfs *pf;
	struct utsname u;
	const char *text;
	size_t len;
	long v;
	int rc;

	if (!root)
		root = "";
	memset(si, 0, sizeof(*si));
	/* procfs knows how to read a whole /proc file under a root. */
	pf = procfs__open(root, PROCFS_NO_STATFS | PROCFS_NO_SYSNET);
	if (!pf)
		return -errno;
	text = procfs__text(pf, "/proc/cpuinfo", &len);
	if (!text) {
		rc = -errno;
		goto cleanup;
	}
	rc = pc_sysinfo_parse_cpuinfo(si, text, len);
	if (rc)
		goto cleanup;
	text = procfs__text(pf, "/proc/meminfo", &len);
	if (text) {
		pc_sample_init(&s);
		if (proc_meminfo_parse(text, len, &s, NULL) == 0)
			si->mem_total_kb = pc_table_get(&s.t[PC_G_MEM], "MemTotal", PC_KV_VALUE, 0);
		pc_sample_free(&s);
	}
	if (uname(&u) == 0) {
		copy_field(si->hostname, sizeof(si->hostname), u.nodename, strlen(u.nodename));
		copy_field(si->kernel, sizeof(si->kernel), u.release, strlen(u.release));
		copy_field(si->machine, sizeof(si->machine), u.machine, strlen(u.machine));
	}
	/* A fixture tree describes another machine: prefer what it recorded. */
	if (root[strspn(root, "/")]) {
		read_small(root, "/proc/sys/kernel/hostname", si->hostname, sizeof(si->hostname));
		read_small(root, "/proc/sys/kernel/osrelease", si->kernel, sizeof(si->kernel));
		read_small(root, "/proc/sys/kernel/arch", si->machine, sizeof(si->machine));
	}
	v = sysconf(_SC_CLK_TCK);
	si->user_hz = v > 0 ? (uint32_t)v : 100;
	v = sysconf(_SC_PAGESIZE);
	si->page_size = v > 0 ? (uint32_t)v : 4096;
cleanup:
	procfs__close(pf);
	return rc;
}
