// SPDX-License-Identifier: MIT
/*
 * cgroup.c: the replay cgroup of include/pc/cgroup.h: finding a usable
 * hierarchy (v2 with cpu and cpuset, else v1), creating our group with a CPU
 * set and a bandwidth limit, attaching workers, reading CPU usage, and
 * removing everything again. Files are written with O_CREAT so that a fake
 * tree of plain directories behaves like cgroupfs (which has them already).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "pc/cgroup.h"
#include "pc/path.h"

#define CG1_MAGIC 0x27e0eb
#define CG2_MAGIC 0x63677270
#define PERIOD_US 100000

const char *cgroup__mode_name(enum pc_cg_mode m)
{
	switch (m) {
	case PC_CG_V2:
		return "cgroup-v2";
	case PC_CG_V1:
		return "cgroup-v1";
	default:
		return "affinity";
	}
}

int cgroup__parse_cpus(const char *list, uint8_t mask[128])
{
	const char *p = list;
	int count = 0;

	memset(mask, 0, 128);
	if (!p || !*p)
		return -EINVAL;
	while (*p) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= 1024)
			return -EINVAL;
		for (unsigned long c = a; c <= b; c++)
			if (!(mask[c / 8] & (1u << (c % 8)))) {
				mask[c / 8] |= (uint8_t)(1u << (c % 8));
				count++;
			}
		if (*end == ',' && end[1])
			end++;
		else if (*end == '\n' && !end[1])
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return count;
}

int cgroup__cpu_array(const char *list, int *cpus, int max)
{
	uint8_t mask[128];
	int n = 0;

	if (cgroup__parse_cpus(list, mask) <= 0)
		return -EINVAL;
	for (int c = 0; c < 1024 && n < max; c++)
		if (mask[c / 8] & (1u << (c % 8)))
			cpus[n++] = c;
	return n;
}

static int write_file(const char *dir, const char *file, const char *val, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	size_t len = strlen(val);
	int fd, rc = 0;

	if (pc_pathf(path, sizeof(path), "%s/%s", dir, file))
		rc = -ENAMETOOLONG, fd = -1;
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
		 write(fd, val, len) != (ssize_t)len)
		rc = -errno;
	if (fd >= 0 && close(fd) && !rc)
		rc = -errno;
	if (rc && err)
		snprintf(err, errlen, "%.160s: writing \"%.40s\": %s", path, val, strerror(-rc));
	return rc;
}

/* Read a small file into buf (NUL-terminated); length or negative errno. */
static ssize_t read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	if (pc_pathf(path, sizeof(path), "%s/%s", dir, file))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

static int exists(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	return !pc_pathf(path, sizeof(path), "%s/%s", dir, file) && access(path, F_OK) == 0;
}

static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (!p[n] || isspace((unsigned char)p[n])))
			return 1;
	return 0;
}

static int join(char *dst, size_t len, const char *a, const char *b)
{
	return pc_pathf(dst, len, "%s/%s", a, b);
}

static void parent_of(const char *dir, char *out, size_t len)
{
	const char *s = strrchr(dir, '/');

	snprintf(out, len, "%.*s", s ? (int)(s - dir) : 0, dir);
}

/* Remove a directory of ours: cgroupfs removes its files itself, a fake tree does not. */
static int remove_dir(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf))
		return errno == ENOENT ? 0 : -errno;
	if (sf.f_type != CG1_MAGIC && sf.f_type != CG2_MAGIC) {
		DIR *d = opendir(dir);
		struct dirent *e;
		char p[PATH_MAX + 300];
		while (d && (e = readdir(d)))
			if (e->d_type == DT_REG) {
				snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		if (d)
			closedir(d);
	}
	return rmdir(dir) ? -errno : 0;
}

/* Move every member of dir back to its parent (members file: tasks or cgroup.procs). */
static int evacuate(const char *dir, const char *members)
{
	char parent[PATH_MAX], buf[65536], *p, *end;
	int rc = 0;

	if (read_file(dir, members, buf, sizeof(buf)) < 0)
		return 0;
	parent_of(dir, parent, sizeof(parent));
	for (p = buf; *p; p = end) {
		long id = strtol(p, &end, 10);
		if (end == p)
			break;
		char v[32];
		snprintf(v, sizeof(v), "%ld", id);
		/* A task that exited meanwhile is not an error. */
		int r = write_file(parent, members, v, NULL, 0);
		if (r && r != -ESRCH && !rc)
			rc = r;
	}
	return rc;
}

static int try_v2(struct pc_cgroup *cg, const char *base, const char *name, double limit, char *why,
		  size_t whylen)
{
	char buf[512];
	int rc;

	if (read_file(base, "cgroup.controllers", buf, sizeof(buf)) < 0)
		return -ENOENT;
	if (!has_word(buf, "cpu") || !has_word(buf, "cpuset")) {
		snprintf(why, whylen, "%s/cgroup.controllers lacks cpu or cpuset (\"%.*s\")", base,
			 (int)strcspn(buf, "\n"), buf);
		return -ENOTSUP;
	}
	if ((rc = write_file(base, "cgroup.subtree_control", "+cpu +cpuset", why, whylen)))
		return rc;
	if ((rc = join(cg->v2, sizeof(cg->v2), base, name)))
		return rc;
	if (mkdir(cg->v2, 0755)) {
		rc = -errno;
		snprintf(why, whylen, "%.200s: %s", cg->v2, strerror(-rc));
		cg->v2[0] = 0;
		return rc;
	}
	if ((rc = write_file(cg->v2, "cpuset.cpus", cg->cpus, why, whylen)))
		goto fail;
	if (limit > 0)
		snprintf(buf, sizeof(buf), "%.0f %d", limit * PERIOD_US, PERIOD_US);
	else
		snprintf(buf, sizeof(buf), "max %d", PERIOD_US);
	if ((rc = write_file(cg->v2, "cpu.max", buf, why, whylen)))
		goto fail;
	cg->mode = PC_CG_V2;
	return 0;
fail:
	remove_dir(cg->v2);
	cg->v2[0] = 0;
	return rc;
}

static int v1_dir(char *out, size_t len, const char *root, const char *const *ctrl,
		  const char *probe, const char *name)
{
	char h[PATH_MAX];

	out[0] = 0;
	for (; *ctrl; ctrl++) {
		if (join(h, sizeof(h), root, *ctrl) || !exists(h, probe))
			continue;
		if (join(out, len, h, name))
			return -ENAMETOOLONG;
		if (mkdir(out, 0755)) {
			int rc = -errno;
			out[0] = 0;
			return rc;
		}
		return 0;
	}
	return -ENOENT;
}

static void v1_remove(struct pc_cgroup *cg)
{
	char *dirs[] = {cg->cpuset, cg->cpu, cg->cpuacct};

	for (int i = 0; i < 3; i++)
		if (dirs[i][0]) {
			evacuate(dirs[i], "tasks");
			remove_dir(dirs[i]);
			dirs[i][0] = 0;
		}
}

static int try_v1(struct pc_cgroup *cg, const char *root, const char *name, double limit, char *why,
		  size_t whylen)
{
	static const char *const cs[] = {"cpuset", NULL};
	static const char *const cpu[] = {"cpu", "cpu,cpuacct", "cpuacct,cpu", NULL};
	static const char *const acct[] = {"cpuacct", "cpu,cpuacct", "cpuacct,cpu", NULL};
	char parent[PATH_MAX], buf[256];
	int rc;

	if ((rc = v1_dir(cg->cpuset, sizeof(cg->cpuset), root, cs, "cpuset.cpus", name))) {
		snprintf(why, whylen, "%s/cpuset/%s: %s", root, name, strerror(-rc));
		return rc;
	}
	if ((rc = v1_dir(cg->cpu, sizeof(cg->cpu), root, cpu, "cpu.cfs_quota_us", name))) {
		snprintf(why, whylen, "%s/cpu/%s: %s", root, name, strerror(-rc));
		goto fail;
	}
	/* With cpu and cpuacct mounted together the cpu directory already counts usage. */
	if (exists(cg->cpu, "cpuacct.usage"))
		snprintf(cg->cpuacct, sizeof(cg->cpuacct), "%s", cg->cpu);
	else if (v1_dir(cg->cpuacct, sizeof(cg->cpuacct), root, acct, "cpuacct.usage", name))
		cg->cpuacct[0] = 0;
	/* A cpuset takes no task before it has CPUs and memory nodes. */
	parent_of(cg->cpuset, parent, sizeof(parent));
	if (read_file(parent, "cpuset.mems", buf, sizeof(buf)) <= 0 || buf[0] == '\n')
		snprintf(buf, sizeof(buf), "0");
	buf[strcspn(buf, "\n")] = 0;
	if ((rc = write_file(cg->cpuset, "cpuset.cpus", cg->cpus, why, whylen)) ||
	    (rc = write_file(cg->cpuset, "cpuset.mems", buf, why, whylen)))
		goto fail;
	snprintf(buf, sizeof(buf), "%d", PERIOD_US);
	if ((rc = write_file(cg->cpu, "cpu.cfs_period_us", buf, why, whylen)))
		goto fail;
	snprintf(buf, sizeof(buf), "%.0f", limit > 0 ? limit * PERIOD_US : -1.0);
	if ((rc = write_file(cg->cpu, "cpu.cfs_quota_us", buf, why, whylen)))
		goto fail;
	cg->mode = PC_CG_V1;
	return 0;
fail:
	if (cg->cpuacct[0] && !strcmp(cg->cpuacct, cg->cpu))
		cg->cpuacct[0] = 0;
	v1_remove(cg);
	return rc;
}

int cgroup__create(struct pc_cgroup *cg, const char *root, const char *name, const char *cpus,
		   double cpu_limit, char *err, size_t errlen)
{
	uint8_t mask[128];
	char base[PATH_MAX];
	char why[sizeof(cg->why)] = "";

	memset(cg, 0, sizeof(*cg));
	if (!root || !*root)
		root = "/sys/fs/cgroup";
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(err, errlen, "cgroup name \"%s\": want one path component",
			 name ? name : "");
		return -EINVAL;
	}
	if (cgroup__parse_cpus(cpus, mask) <= 0) {
		snprintf(err, errlen, "cpus \"%s\": not a CPU list like 0-3,6", cpus ? cpus : "");
		return -EINVAL;
	}
	if (!(cpu_limit >= 0) || cpu_limit > 1024) {
		snprintf(err, errlen, "cpu limit %g: want 0 (none) to 1024 CPUs", cpu_limit);
		return -EINVAL;
	}
	snprintf(cg->cpus, sizeof(cg->cpus), "%s", cpus);
	/* v2 at the root (pure v2) or under unified/ (hybrid), then v1. */
	if (try_v2(cg, root, name, cpu_limit, why, sizeof(why)) == 0)
		return 0;
	if (!join(base, sizeof(base), root, "unified") &&
	    try_v2(cg, base, name, cpu_limit, why, sizeof(why)) == 0)
		return 0;
	char why1[sizeof(cg->why)] = "";
	if (try_v1(cg, root, name, cpu_limit, why1, sizeof(why1)) == 0) {
		snprintf(cg->why, sizeof(cg->why), "%s", why);
		return 0;
	}
	/* Both reasons: why not v2, and why not v1. */
	cg->mode = PC_CG_AFFINITY;
	snprintf(cg->why, sizeof(cg->why), "%.120s%s%.120s", *why ? why : "no cgroup v2", "; ",
		 *why1 ? why1 : "no cgroup v1");
	return 0;
}

int cgroup__attach(struct pc_cgroup *cg, pid_t tid)
{
	char v[32];
	int rc = 0;

	snprintf(v, sizeof(v), "%d", (int)tid);
	switch (cg->mode) {
	case PC_CG_V2:
		/* A thread id moves its whole process (threaded mode is not worth it here). */
		return write_file(cg->v2, "cgroup.procs", v, NULL, 0);
	case PC_CG_V1:
		if ((rc = write_file(cg->cpuset, "tasks", v, NULL, 0)) ||
		    (rc = write_file(cg->cpu, "tasks", v, NULL, 0)))
			return rc;
		if (cg->cpuacct[0] && strcmp(cg->cpuacct, cg->cpu))
			rc = write_file(cg->cpuacct, "tasks", v, NULL, 0);
		return rc;
	default: {
		uint8_t mask[128];
		cpu_set_t set;
		CPU_ZERO(&set);
		cgroup__parse_cpus(cg->cpus, mask);
		for (int c = 0; c < 1024 && c < CPU_SETSIZE; c++)
			if (mask[c / 8] & (1u << (c % 8)))
				CPU_SET(c, &set);
		return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
	}
	}
}

int cgroup__usage_ns(const struct pc_cgroup *cg, uint64_t *ns)
{
	char buf[4096], *p;
	ssize_t n;

	if (cg->mode == PC_CG_V2) {
		if ((n = read_file(cg->v2, "cpu.stat", buf, sizeof(buf))) < 0)
			return (int)n;
		p = strstr(buf, "usage_usec ");
		if (!p)
			return -ENODATA;
		*ns = strtoull(p + 11, NULL, 10) * 1000;
		return 0;
	}
	if (cg->mode == PC_CG_V1 && cg->cpuacct[0]) {
		if ((n = read_file(cg->cpuacct, "cpuacct.usage", buf, sizeof(buf))) < 0)
			return (int)n;
		if (!isdigit((unsigned char)buf[0]))
			return -ENODATA;
		*ns = strtoull(buf, NULL, 10);
		return 0;
	}
	return -ENOTSUP;
}

/* Per-CPU ns from a v1 cpuacct directory: the count read. */
static int percpu(const char *dir, uint64_t *ns, int max)
{
	char buf[16384], *p = buf, *end;
	int n = 0;
	ssize_t len;

	if ((len = read_file(dir, "cpuacct.usage_percpu", buf, sizeof(buf))) < 0)
		return (int)len;
	while (n < max) {
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p)
			break;
		ns[n++] = v;
		p = end;
	}
	return n ? n : -ENODATA;
}

int cgroup__usage_percpu_ns(const struct pc_cgroup *cg, uint64_t *ns, int max)
{
	if (cg->mode != PC_CG_V1 || !cg->cpuacct[0])
		return -ENOTSUP;
	return percpu(cg->cpuacct, ns, max);
}

int cgroup__machine_percpu_ns(const struct pc_cgroup *cg, uint64_t *ns, int max)
{
	char dir[PATH_MAX];

	if (cg->mode != PC_CG_V1 || !cg->cpuacct[0])
		return -ENOTSUP;
	parent_of(cg->cpuacct, dir, sizeof(dir)); /* our group is made under the root */
	return percpu(dir, ns, max);
}

int cgroup__destroy(struct pc_cgroup *cg)
{
	int rc = 0;

	if (cg->mode == PC_CG_V2 && cg->v2[0]) {
		evacuate(cg->v2, "cgroup.procs");
		rc = remove_dir(cg->v2);
		cg->v2[0] = 0;
	} else if (cg->mode == PC_CG_V1) {
		if (!strcmp(cg->cpuacct, cg->cpu))
			cg->cpuacct[0] = 0;
		v1_remove(cg);
	}
	cg->mode = PC_CG_AFFINITY;
	return rc;
}
