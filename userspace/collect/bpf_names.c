// SPDX-License-Identifier: MIT
/*
 * bpf_names.c: the names the BPF programs cannot know cheaply, resolved in
 * userspace and cached. Cgroup ids (what bpf_get_current_cgroup_id returns)
 * become paths by walking the cgroup v2 mount once and asking each directory
 * its id with name_to_handle_at; kernel dev_t values of disks become names
 * through /sys/dev/block/M:m/uevent, or /proc/partitions when sysfs is absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc/bpf_sampler.h"
#include "pc/log.h"

struct cg_entry {
	uint64_t id;
	char *path;
};

struct disk_entry {
	uint32_t kdev;
	char name[64];
};

struct bpf_names {
	char cg2root[PATH_MAX];
	size_t rootlen;
	struct cg_entry *cg;
	size_t ncg, capcg;
	int rescanned; /* this tick */
	struct disk_entry *disks;
	size_t ndisk, capdisk;
};

/* nftw has no context argument: the walk in progress (one at a time, never nested). */
static struct bpf_names *walking;

static int find_cg2root(char *out, size_t outlen)
{
	char line[1024], mnt[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return -errno;
	/* "36 25 0:31 / /sys/fs/cgroup/unified rw,... shared:9 - cgroup2 cgroup2 rw" */
	while (!found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strlen(mnt) < outlen) {
			strcpy(out, mnt);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

struct bpf_names *bpf_names__new(const char *cg2root)
{
	struct bpf_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	if (cg2root && *cg2root) {
		if (strlen(cg2root) >= sizeof(n->cg2root)) {
			free(n);
			errno = ENAMETOOLONG;
			return NULL;
		}
		strcpy(n->cg2root, cg2root);
	} else if (find_cg2root(n->cg2root, sizeof(n->cg2root))) {
		n->cg2root[0] = 0;
	}
	n->rootlen = strlen(n->cg2root);
	return n;
}

static void cg_clear(struct bpf_names *n)
{
	for (size_t i = 0; i < n->ncg; i++)
		free(n->cg[i].path);
	n->ncg = 0;
}

void bpf_names__free(struct bpf_names *n)
{
	if (!n)
		return;
	cg_clear(n);
	free(n->cg);
	free(n->disks);
	free(n);
}

const char *bpf_names__cg2root(const struct bpf_names *n)
{
	return n->cg2root;
}

uint64_t bpf_names__cgroup_id(const char *dir)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 64];
	} h;
	int mount_id;
	uint64_t id;

	h.fh.handle_bytes = 64;
	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0))
		return 0;
	/* kernfs file handles are the 64-bit node id, which is the cgroup id. */
	if (h.fh.handle_bytes < sizeof(id)) {
		errno = EPROTO;
		return 0;
	}
	memcpy(&id, h.fh.f_handle, sizeof(id));
	return id;
}

static int cg_add(struct bpf_names *n, uint64_t id, const char *path)
{
	if (n->ncg == n->capcg) {
		size_t cap = n->capcg ? n->capcg * 2 : 64;
		struct cg_entry *c = realloc(n->cg, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		n->cg = c;
		n->capcg = cap;
	}
	n->cg[n->ncg].path = strdup(path);
	if (!n->cg[n->ncg].path)
		return -ENOMEM;
	n->cg[n->ncg++].id = id;
	return 0;
}

static int walk_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	struct bpf_names *n = walking;
	const char *rel = p + n->rootlen;
	uint64_t id;

	(void)st;
	(void)ftw;
	if (flag != FTW_D)
		return 0;
	id = bpf_names__cgroup_id(p);
	if (!id)
		return 0; /* raced with rmdir: simply absent */
	return cg_add(n, id, *rel ? rel : "/") ? FTW_STOP : 0;
}

static int cg_rescan(struct bpf_names *n)
{
	int rc;

	if (!n->rootlen)
		return -ENOENT;
	cg_clear(n);
	walking = n;
	rc = nftw(n->cg2root, walk_one, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	walking = NULL;
	return rc == FTW_STOP ? -ENOMEM : rc ? -errno : 0;
}

static const char *cg_find(const struct bpf_names *n, uint64_t id)
{
	for (size_t i = 0; i < n->ncg; i++)
		if (n->cg[i].id == id)
			return n->cg[i].path;
	return NULL;
}

const char *bpf_names__cgroup(struct bpf_names *n, uint64_t id)
{
	const char *p = cg_find(n, id);

	if (p || n->rescanned)
		return p;
	n->rescanned = 1;
	if (cg_rescan(n))
		return NULL;
	return cg_find(n, id);
}

void bpf_names__tick(struct bpf_names *n)
{
	size_t j = 0;

	n->rescanned = 0;
	/* Forget disks that had no name: a device may have appeared since. */
	for (size_t i = 0; i < n->ndisk; i++)
		if (n->disks[i].name[0])
			n->disks[j++] = n->disks[i];
	n->ndisk = j;
}

int bpf_names__parse_uevent(const char *buf, size_t len, char *out, size_t outlen)
{
	size_t i = 0;

	while (i < len) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i;

		i += ll + 1;
		if (ll < 8 || memcmp(line, "DEVNAME=", 8))
			continue;
		line += 8;
		ll -= 8;
		if (!ll || ll >= outlen || memchr(line, '/', ll) || memchr(line, 0, ll))
			return -EINVAL;
		memcpy(out, line, ll);
		out[ll] = 0;
		return 0;
	}
	return -ENOENT;
}

int bpf_names__parse_partitions(const char *buf, size_t len, unsigned major, unsigned minor,
				char *out, size_t outlen, char *err, size_t errlen)
{
	unsigned lineno = 0;
	size_t i = 0;

	while (i < len) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i;
		char tmp[256], name[128];
		unsigned ma, mi;
		unsigned long long blocks;

		i += ll + 1;
		lineno++;
		/* Header "major minor  #blocks  name" and the blank line after it. */
		if (lineno <= 2 && (!ll || memmem(line, ll, "major", 5)))
			continue;
		if (!ll)
			continue;
		if (ll >= sizeof(tmp)) {
			snprintf(err, errlen,
				 "/proc/partitions line %u: %zu bytes, longer than any real line "
				 "(too long)",
				 lineno, ll);
			return -EINVAL;
		}
		memcpy(tmp, line, ll);
		tmp[ll] = 0;
		if (sscanf(tmp, "%u %u %llu %127s", &ma, &mi, &blocks, name) != 4) {
			snprintf(err, errlen, "/proc/partitions line %u: want 4 fields: \"%.40s\"",
				 lineno, tmp);
			return -EINVAL;
		}
		if (ma != major || mi != minor)
			continue;
		if (strlen(name) >= outlen)
			return -EINVAL;
		strcpy(out, name);
		return 0;
	}
	return -ENOENT;
}

static int disk_lookup(uint32_t kdev, char *out, size_t outlen)
{
	unsigned major = kdev >> 20, minor = kdev & ((1u << 20) - 1);
	char path[64], buf[4096], err[160];
	ssize_t r;
	char *text;
	size_t len;
	int fd, rc;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major, minor);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r > 0 && !bpf_names__parse_uevent(buf, (size_t)r, out, outlen))
			return 0;
	}
	fd = open("/proc/partitions", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* /proc/partitions is small; read what fits, a cut last line fails to parse loudly. */
	len = 0;
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	text = buf;
	rc = bpf_names__parse_partitions(text, len, major, minor, out, outlen, err, sizeof(err));
	if (rc == -EINVAL)
		log_warnx("%s", err);
	return rc;
}

const char *bpf_names__disk(struct bpf_names *n, uint32_t kdev)
{
	struct disk_entry *d;

	for (size_t i = 0; i < n->ndisk; i++)
		if (n->disks[i].kdev == kdev)
			return n->disks[i].name[0] ? n->disks[i].name : NULL;
	if (n->ndisk == n->capdisk) {
		size_t cap = n->capdisk ? n->capdisk * 2 : 16;

		d = realloc(n->disks, cap * sizeof(*d));
		if (!d)
			return NULL;
		n->disks = d;
		n->capdisk = cap;
	}
	/* Cache misses too: a vanished disk is not looked up every tick. */
	d = &n->disks[n->ndisk++];
	d->kdev = kdev;
	if (disk_lookup(kdev, d->name, sizeof(d->name)))
		d->name[0] = 0;
	return d->name[0] ? d->name : NULL;
}
