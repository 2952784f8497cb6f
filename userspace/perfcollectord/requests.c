/*
 * requests.c: the processor's one-off questions to a collector in server
 * mode: `once` (a file's contents), `dir` (a directory's entries) and
 * `netcache` (the collector's table of network interfaces). Owns what once
 * and dir may serve: an allowlist of paths (docs/REMOTE.md), matched on the
 * text of the path as asked, so that another process's environ or cmdline,
 * root-only files, kernel addresses and destructive reads (/proc/kmsg) are
 * never reached; anything else gets one refusal that says nothing of whether
 * the path exists or where it leads. Files are opened O_NONBLOCK and must be
 * regular and world-readable; directories only for dir.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectord.h"
#include "pc/wire.h"

/*
 * ret of appending one line of a listing at mark; a line that would take the
 * reply past PC_WIRE_MAX_REPLY is taken back: -EFBIG.
 */
static int reply_fits(struct pc_buf *out, size_t mark, int ret)
{
	if (ret || out->len <= PC_WIRE_MAX_REPLY)
		return ret;
	out->len = mark;
	return -EFBIG;
}

/*
 * What once serves: the files the collector reads itself (collect/procfs.c's
 * sources, sysinfo.c, statfs, the eBPF disk names, netcache), then sadc's
 * fixed list (sysstat's rd_stats.h) of world-readable ones. A "*" component
 * matches one name. Keep docs/REMOTE.md's table in step.
 */
static const char *const once_allow[] = {
    /* the collector's own */
    "/proc/stat", "/proc/meminfo", "/proc/vmstat", "/proc/diskstats", "/proc/net/dev",
    "/proc/loadavg", "/proc/uptime", "/proc/pressure/cpu", "/proc/pressure/memory",
    "/proc/pressure/io", "/proc/cpuinfo", "/proc/version", "/proc/partitions",
    "/proc/filesystems", "/proc/self/mountinfo", "/proc/sys/kernel/hostname",
    "/proc/sys/kernel/osrelease", "/proc/sys/kernel/arch", "/sys/class/net/*/operstate",
    "/sys/class/net/*/mtu", "/sys/class/net/*/speed", "/sys/class/net/*/duplex",
    "/sys/class/net/*/address", "/sys/class/net/*/statistics/*", "/sys/dev/block/*/uevent",
    /* sadc's */
    "/proc/interrupts", "/proc/softirqs", "/proc/net/snmp", "/proc/net/snmp6",
    "/proc/net/sockstat", "/proc/net/sockstat6", "/proc/net/softnet_stat", "/proc/net/rpc/nfs",
    "/proc/net/rpc/nfsd", "/proc/sys/fs/dentry-state", "/proc/sys/fs/file-nr",
    "/proc/sys/fs/inode-state", "/proc/sys/kernel/pty/nr", "/sys/block/*/stat",
    "/sys/devices/system/cpu/cpu*/cpufreq/scaling_cur_freq"};

/* What dir lists: the directories the files above are found in. */
static const char *const dir_allow[] = {
    "/proc",	     "/proc/net",	 "/proc/pressure", "/proc/sys/kernel",
    "/proc/sys/fs",  "/sys/class/net",	 "/sys/class/net/*", "/sys/class/net/*/statistics",
    "/sys/block",    "/sys/dev/block",	 "/sys/devices/system/cpu"};

/* One component of an allowlist pattern against one of the path: "*" any name, "cpu*" a prefix. */
static int component_matches(const char *pat, size_t plen, const char *name, size_t nlen)
{
	if (plen && pat[plen - 1] == '*')
		return nlen >= plen && !memcmp(pat, name, plen - 1);
	return plen == nlen && !memcmp(pat, name, nlen);
}

/* 1 when path (normalised: no "//", no trailing "/", no "." or "..") matches pat. */
static int path_matches(const char *pat, const char *path)
{
	while (*pat == '/' && *path == '/') {
		size_t pl = strcspn(++pat, "/"), nl = strcspn(++path, "/");

		if (!component_matches(pat, pl, path, nl))
			return 0;
		pat += pl;
		path += nl;
	}
	return !*pat && !*path;
}

/*
 * path as asked, normalised into norm ("//" and a trailing "/" dropped), if
 * it is absolute, printable, has no "." or ".." component and fits: 0, else -1.
 */
static int normalise(const char *path, char *norm, size_t len)
{
	size_t n = 0;

	if (path[0] != '/')
		return -1;
	for (const char *p = path; *p;) {
		size_t cl;

		while (*p == '/')
			p++;
		cl = strcspn(p, "/");
		if (!cl)
			break;
		if ((cl == 1 && p[0] == '.') || (cl == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (n + 1 + cl >= len)
			return -1;
		norm[n++] = '/';
		for (size_t i = 0; i < cl; i++) {
			if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
				return -1;
			norm[n++] = p[i];
		}
		p += cl;
	}
	if (!n)
		norm[n++] = '/';
	norm[n] = 0;
	return 0;
}

/* The one refusal: the same words for a path that is missing, elsewhere or forbidden. */
static int refuse(const char *path, const char *what, struct pc_buf *why)
{
	char shown[201];
	size_t i;

	for (i = 0; path[i] && i < sizeof(shown) - 1; i++)
		shown[i] = (unsigned char)path[i] < 0x20 || path[i] == 0x7f ? '?' : path[i];
	shown[i] = 0;
	pc_buf_printf(why, "%s: not served (%s serves only the paths listed in docs/REMOTE.md)\n",
		      shown, what);
	return -EACCES;
}

int cd_allowed(const char *path, int dir, char *norm, size_t len, struct pc_buf *why)
{
	const char *const *list = dir ? dir_allow : once_allow;
	size_t n = dir ? sizeof(dir_allow) / sizeof(*dir_allow)
		       : sizeof(once_allow) / sizeof(*once_allow);

	if (!path || normalise(path, norm, len))
		return refuse(path ? path : "", dir ? "dir" : "once", why);
	for (size_t i = 0; i < n; i++)
		if (path_matches(list[i], norm))
			return 0;
	return refuse(path, dir ? "dir" : "once", why);
}

/* Read what fd holds now into out (at most PC_WIRE_MAX_REPLY): 0 or -errno with out the reason. */
static int read_all(int fd, const char *path, struct pc_buf *out)
{
	int ret;

	for (;;) {
		ssize_t n;

		if ((ret = pc_buf_reserve(out, 65536)))
			return ret;
		n = read(fd, out->p + out->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0; /* all there is now: keep it */
		if (n < 0) {
			ret = -errno;
			out->len = 0;
			pc_buf_printf(out, "%s: %s\n", path, strerror(-ret));
			return ret;
		}
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		if (out->len > PC_WIRE_MAX_REPLY) {
			out->len = 0;
			pc_buf_printf(out, "%s: larger than %u bytes: refused\n", path,
				      PC_WIRE_MAX_REPLY);
			return -EFBIG;
		}
	}
}

int cd_req_once(const char *path, struct pc_buf *out)
{
	char norm[PATH_MAX];
	struct stat st;
	int fd, ret;

	if ((ret = cd_allowed(path, 0, norm, sizeof(norm), out)))
		return ret;
	fd = open(norm, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pc_buf_printf(out, "%s: %s\n", norm, strerror(-ret));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH)) {
		ret = refuse(norm, "once", out);
		goto cleanup;
	}
	ret = read_all(fd, norm, out);
cleanup:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cd_req_dir(const char *path, struct pc_buf *out)
{
	char real[PATH_MAX], **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int ret, fd;

	if ((ret = cd_allowed(path, 1, real, sizeof(real), out)))
		return ret;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		pc_buf_printf(out, "%s: %s\n", real, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		char name[300];
		const char *suffix = de->d_type == DT_DIR ? "/" : de->d_type == DT_LNK ? "@" : "";

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    strchr(de->d_name, '\n'))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));

			if (!nn) {
				ret = -ENOMEM;
				goto cleanup;
			}
			names = nn;
		}
		snprintf(name, sizeof(name), "%s%s", de->d_name, suffix);
		if (!(names[n] = strdup(name))) {
			ret = -ENOMEM;
			goto cleanup;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && !ret; i++) {
		size_t mark = out->len;

		ret = reply_fits(out, mark, pc_buf_printf(out, "%s\n", names[i]));
	}
	if (ret == -EFBIG) {
		out->len = 0;
		pc_buf_printf(out, "%s: more entries than fit in a reply\n", real);
	}
cleanup:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

static void sysfs_attr(const char *ifname, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t r;
	int fd;

	snprintf(buf, len, "-");
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	buf[r] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

int cd_req_netcache(struct pc_buf *out)
{
	struct dirent *de;
	DIR *d = opendir("/sys/class/net");
	int ret = 0;

	if (!d) {
		ret = -errno;
		pc_buf_printf(out, "/sys/class/net: %s\n", strerror(errno));
		return ret;
	}
	pc_buf_printf(out, "%-16s %-8s %6s %8s %-8s %s\n", "Interface", "State", "MTU", "Speed",
		      "Duplex", "Address");
	while ((de = readdir(d)) && !ret) {
		char state[32], mtu[32], speed[32], duplex[32], addr[64];
		size_t mark = out->len;

		if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
			continue;
		sysfs_attr(de->d_name, "operstate", state, sizeof(state));
		sysfs_attr(de->d_name, "mtu", mtu, sizeof(mtu));
		sysfs_attr(de->d_name, "speed", speed, sizeof(speed));
		sysfs_attr(de->d_name, "duplex", duplex, sizeof(duplex));
		sysfs_attr(de->d_name, "address", addr, sizeof(addr));
		ret = reply_fits(out, mark,
				 pc_buf_printf(out, "%-16s %-8s %6s %8s %-8s %s\n", de->d_name,
					       state, mtu, speed, duplex, addr));
	}
	closedir(d);
	return ret;
}
