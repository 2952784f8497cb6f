// SPDX-License-Identifier: MIT
/*
 * procfs.c: struct procfs, the per-tick reader of include/pc/proc.h, and the
 * parse-problem record (pc_perr) every parser reports into. procfs opens each
 * source once, then every tick re-reads it with pread(fd, buf, cap, 0) into
 * one buffer that only grows (when a read fills it), hands the text to the
 * parser, and adds what is not in /proc text: link speed and duplex from
 * /sys/class/net (re-read only when the interface set changes or every 60 s)
 * and statfs(2) of the real filesystems (the mount list is rebuilt when the
 * kernel signals a mount change on mountinfo). Nothing is cached by position:
 * devices that come and go just change the rows. After the first tick the
 * steady state allocates nothing.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pc/log.h"
#include "proc_internal.h"

/* Link speed and duplex are re-read at least this often (ns). */
#define LINK_REFRESH_NS (60ull * 1000000000ull)
/* First size of the read buffer, and the most a single file may need. */
#define BUF_FIRST (16u << 10)
#define BUF_MAX	  (256u << 20)

typedef int (*pf_parse_fn)(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr);

static const struct {
	const char *path;
	pf_parse_fn parse;
	const char *resource; /* /proc/pressure files go to proc_pressure_parse */
	unsigned skip;	      /* the procfs__read_some flag that leaves it out */
} sources[] = {
    {"/proc/stat", proc_stat_parse, NULL, PROCFS_NO_STAT},
    {"/proc/meminfo", proc_meminfo_parse, NULL, PROCFS_NO_MEM},
    {"/proc/vmstat", proc_vmstat_parse, NULL, PROCFS_NO_VMSTAT},
    {"/proc/diskstats", proc_diskstats_parse, NULL, PROCFS_NO_DISK},
    {"/proc/net/dev", proc_netdev_parse, NULL, PROCFS_NO_NET},
    {"/proc/loadavg", proc_loadavg_parse, NULL, PROCFS_NO_LOAD},
    {"/proc/uptime", proc_uptime_parse, NULL, PROCFS_NO_LOAD},
    {"/proc/pressure/cpu", NULL, "cpu", PROCFS_NO_PSI},
    {"/proc/pressure/memory", NULL, "memory", PROCFS_NO_PSI},
    {"/proc/pressure/io", NULL, "io", PROCFS_NO_PSI},
};
#define NSRC (sizeof(sources) / sizeof(*sources))

static const char MOUNTINFO[] = "/proc/self/mountinfo";
static const char FILESYSTEMS[] = "/proc/filesystems";

/* Speed and duplex of one interface as last read from sysfs. */
struct pf_link {
	char name[PC_KEY_MAX];
	uint64_t speed, duplex;
};

struct procfs {
	char root[PATH_MAX];
	unsigned flags;
	int fd[NSRC];
	char *buf; /* cap bytes plus a NUL */
	size_t cap;
	struct pf_link *links;
	uint32_t nlinks, links_cap;
	uint64_t links_ns; /* CLOCK_MONOTONIC of the last sysfs read */
	int links_valid;
	int mi_fd; /* mountinfo, polled for mount changes; -1 without statfs */
	char *fs;  /* /proc/filesystems text, to tell virtual filesystems */
	size_t fslen;
	struct pf_mounts mounts;
	char missing[1024];
};

void pc_perr_add(struct pc_perr *e, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return;
	if (e->count < UINT_MAX)
		e->count++;
	if (e->count != 1)
		return;
	if (line)
		n = snprintf(e->first, sizeof(e->first), "%s line %u: ", file, line);
	else
		n = snprintf(e->first, sizeof(e->first), "%s: ", file);
	if (n < 0 || (size_t)n >= sizeof(e->first))
		return;
	va_start(ap, fmt);
	vsnprintf(e->first + n, sizeof(e->first) - (size_t)n, fmt, ap);
	va_end(ap);
}

const char *ps_errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "unknown error";
}

uint64_t *ps_row(struct pc_sample *s, int g, const char *k, size_t n, struct pc_perr *perr,
		 const char *file, unsigned line, int *rc)
{
	char key[PC_KEY_MAX], show[PS_SHOW];
	uint64_t *row;

	if (n == 0) {
		pc_perr_add(perr, file, line, "empty name");
		return NULL;
	}
	if (n >= PC_KEY_MAX) {
		pc_perr_add(perr, file, line, "name %s longer than %d bytes",
			    ps_show(k, k + n, show), PC_KEY_MAX - 1);
		return NULL;
	}
	if (memchr(k, 0, n)) {
		pc_perr_add(perr, file, line, "name %s holds a NUL byte", ps_show(k, k + n, show));
		return NULL;
	}
	memcpy(key, k, n);
	key[n] = 0;
	row = pc_table_add(&s->t[g], key);
	if (!row && errno == ENOMEM)
		*rc = -ENOMEM;
	else if (!row)
		pc_perr_add(perr, file, line, "row %s refused: %s", ps_show(k, k + n, show),
			    ps_errname(errno));
	return row;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* root + rel into out; -ENAMETOOLONG if it does not fit. */
static int pf_path(const struct procfs *pf, const char *rel, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s%s", pf->root, rel);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/*
 * The whole file behind fd into pf->buf, NUL-terminated; its length or a
 * negative errno. A read that fills the buffer may have been cut short, so
 * the buffer doubles and the read starts over.
 */
static ssize_t pf_fill(struct procfs *pf, int fd)
{
	ssize_t n;
	char *nb;

	for (;;) {
		n = pread(fd, pf->buf, pf->cap, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n < pf->cap)
			break;
		if (pf->cap >= BUF_MAX)
			return -EFBIG;
		nb = realloc(pf->buf, pf->cap * 2 + 1);
		if (!nb)
			return -ENOMEM;
		pf->buf = nb;
		pf->cap *= 2;
	}
	pf->buf[n] = 0;
	return n;
}

/*
 * Open rel under root, or note it as missing. A file that opens but cannot
 * be read (PSI disabled at boot: EOPNOTSUPP; some containers: EACCES) is
 * missing too: better said once here than as a parse error every tick.
 */
static int pf_open(struct procfs *pf, const char *rel)
{
	char path[PATH_MAX];
	size_t used = strlen(pf->missing);
	ssize_t n;
	int fd, err;

	if (pf_path(pf, rel, path, sizeof(path)) < 0) {
		err = ENAMETOOLONG;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
		} else {
			n = pf_fill(pf, fd);
			if (n >= 0 || n == -ENOMEM)
				return fd;
			close(fd);
			err = (int)-n;
		}
	}
	if (used < sizeof(pf->missing) - 1)
		snprintf(pf->missing + used, sizeof(pf->missing) - used, "%s%s: %s",
			 used ? ", " : "", rel, ps_errname(err));
	return -1;
}

/* (Re)build the list of real filesystems from mountinfo. */
static int pf_mounts_load(struct procfs *pf)
{
	struct pc_perr perr = {0};
	ssize_t n = pf_fill(pf, pf->mi_fd);
	int rc;

	if (n < 0) {
		log_warnx("%s%s: %s; filesystems not sampled", pf->root, MOUNTINFO,
			  ps_errname((int)-n));
		return n == -ENOMEM ? -ENOMEM : 0;
	}
	mounts_free(&pf->mounts);
	rc = mounts_parse(&pf->mounts, pf->root, pf->buf, (size_t)n, pf->fs, pf->fslen, &perr);
	if (perr.count)
		log_warnx("%u mountinfo lines skipped, first: %s", perr.count, perr.first);
	return rc;
}

static int pf_statfs_open(struct procfs *pf)
{
	ssize_t n;
	int fd;

	pf->mi_fd = pf_open(pf, MOUNTINFO);
	if (pf->mi_fd < 0)
		return 0;
	fd = pf_open(pf, FILESYSTEMS);
	if (fd >= 0) {
		n = pf_fill(pf, fd);
		close(fd);
		if (n >= 0) {
			pf->fs = malloc((size_t)n + 1);
			if (!pf->fs)
				return -ENOMEM;
			memcpy(pf->fs, pf->buf, (size_t)n + 1);
			pf->fslen = (size_t)n;
		}
	}
	return pf_mounts_load(pf);
}

struct procfs *procfs__open(const char *root, unsigned flags)
{
	struct procfs *pf = calloc(1, sizeof(*pf));
	size_t rl = root ? strlen(root) : 0;
	unsigned i, opened = 0;
	int err = ENOMEM;

	if (!pf)
		return NULL;
	pf->mi_fd = -1;
	for (i = 0; i < NSRC; i++)
		pf->fd[i] = -1;
	while (rl > 0 && root[rl - 1] == '/')
		rl--; /* "/" and "" both mean the real system */
	if (rl >= sizeof(pf->root) - 64) {
		err = ENAMETOOLONG;
		goto cleanup;
	}
	memcpy(pf->root, root ? root : "", rl);
	pf->flags = flags;
	pf->cap = BUF_FIRST;
	pf->buf = malloc(pf->cap + 1);
	if (!pf->buf)
		goto cleanup;
	for (i = 0; i < NSRC; i++) {
		pf->fd[i] = pf_open(pf, sources[i].path);
		opened += pf->fd[i] >= 0;
	}
	if (!opened) {
		err = ENOENT;
		goto cleanup;
	}
	if (!(flags & PROCFS_NO_STATFS) && pf_statfs_open(pf) < 0)
		goto cleanup;
	return pf;
cleanup:
	procfs__close(pf);
	errno = err;
	return NULL;
}

/* A small sysfs attribute; 0 (unknown) when it cannot be read. */
static uint64_t pf_sysnet(struct procfs *pf, const char *ifname, const char *attr)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;
	int fd;

	/* Names come from /proc text: never let one walk out of /sys/class/net. */
	if (strchr(ifname, '/') || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return 0;
	if (snprintf(path, sizeof(path), "%s/sys/class/net/%s/%s", pf->root, ifname, attr) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0) /* EINVAL: the driver has no link settings */
		return 0;
	return attr[0] == 's' ? sysnet_speed_parse(buf, (size_t)n)
			      : sysnet_duplex_parse(buf, (size_t)n);
}

/* Fill speed and duplex of net rows first.. from the cache, refreshing it if due. */
static int pf_links(struct procfs *pf, struct pc_table *t, uint32_t first)
{
	uint32_t n = t->nrows - first, i;
	uint64_t now = now_ns(), *row;
	int same = pf->links_valid && n == pf->nlinks && now - pf->links_ns < LINK_REFRESH_NS;

	for (i = 0; same && i < n; i++)
		same = !strcmp(t->key[first + i], pf->links[i].name);
	if (!same) {
		if (n > pf->links_cap) {
			struct pf_link *nl = realloc(pf->links, n * sizeof(*nl));

			if (!nl)
				return -ENOMEM;
			pf->links = nl;
			pf->links_cap = n;
		}
		for (i = 0; i < n; i++) {
			memcpy(pf->links[i].name, t->key[first + i], PC_KEY_MAX);
			pf->links[i].speed = pf_sysnet(pf, t->key[first + i], "speed");
			pf->links[i].duplex = pf_sysnet(pf, t->key[first + i], "duplex");
		}
		pf->nlinks = n;
		pf->links_ns = now;
		pf->links_valid = 1;
	}
	for (i = 0; i < n; i++) {
		row = pc_table_row(t, first + i);
		row[PC_NET_SPEED] = pf->links[i].speed;
		row[PC_NET_DUPLEX] = pf->links[i].duplex;
	}
	return 0;
}

/* Has the mount table changed since we last looked? (mountinfo signals POLLPRI) */
static int pf_mounts_changed(const struct procfs *pf)
{
	struct pollfd p = {.fd = pf->mi_fd, .events = POLLPRI};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR));
}

int procfs__read(struct procfs *pf, struct pc_sample *s, struct pc_perr *perr)
{
	return procfs__read_some(pf, s, perr, 0);
}

int procfs__read_some(struct procfs *pf, struct pc_sample *s, struct pc_perr *perr, unsigned skip)
{
	uint32_t first;
	ssize_t n;
	unsigned i;
	int rc = 0;

	for (i = 0; i < NSRC && !rc; i++) {
		if (pf->fd[i] < 0)
			continue;
		if (skip & sources[i].skip)
			continue;
		n = pf_fill(pf, pf->fd[i]);
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n < 0) {
			pc_perr_add(perr, sources[i].path, 0, "read: %s", ps_errname((int)-n));
			continue;
		}
		first = s->t[PC_G_NET].nrows;
		if (sources[i].resource)
			rc = proc_pressure_parse(sources[i].resource, pf->buf, (size_t)n, s, perr);
		else
			rc = sources[i].parse(pf->buf, (size_t)n, s, perr);
		if (!rc && sources[i].parse == proc_netdev_parse && !(pf->flags & PROCFS_NO_SYSNET))
			rc = pf_links(pf, &s->t[PC_G_NET], first);
	}
	if (rc || pf->mi_fd < 0 || (skip & PROCFS_NO_STATFS))
		return rc;
	if (pf_mounts_changed(pf)) {
		rc = pf_mounts_load(pf);
		if (rc)
			return rc;
	}
	return mounts_statfs(&pf->mounts, s, perr);
}

const char *procfs__text(struct procfs *pf, const char *path, size_t *len)
{
	char full[PATH_MAX];
	ssize_t n = -ENOENT;
	unsigned i;
	int fd;

	if (!pf || !path) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < NSRC; i++)
		if (!strcmp(path, sources[i].path))
			break;
	if (i < NSRC && pf->fd[i] >= 0) {
		n = pf_fill(pf, pf->fd[i]);
	} else {
		/* Anything else is read on demand, but only from /proc and /sys. */
		if ((strncmp(path, "/proc/", 6) && strncmp(path, "/sys/", 5)) ||
		    strstr(path, "/../") ||
		    (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")) ||
		    pf_path(pf, path, full, sizeof(full)) < 0) {
			errno = EINVAL;
			return NULL;
		}
		fd = open(full, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return NULL;
		n = pf_fill(pf, fd);
		close(fd);
	}
	if (n < 0) {
		errno = (int)-n;
		return NULL;
	}
	if (len)
		*len = (size_t)n;
	return pf->buf;
}

const char *procfs__missing(const struct procfs *pf)
{
	return pf ? pf->missing : "";
}

void procfs__close(struct procfs *pf)
{
	unsigned i;

	if (!pf)
		return;
	for (i = 0; i < NSRC; i++)
		if (pf->fd[i] >= 0)
			close(pf->fd[i]);
	if (pf->mi_fd >= 0)
		close(pf->mi_fd);
	mounts_free(&pf->mounts);
	free(pf->links);
	free(pf->fs);
	free(pf->buf);
	free(pf);
}
