// SPDX-License-Identifier: MIT
/*
 * requests.c: the processor's one-off questions to a collector in server
 * mode: `once` (a file's contents), `dir` (a directory's entries) and
 * `netcache` (the collector's table of network interfaces). Owns the
 * confinement rule: a path is resolved first (realpath: "..", symlinks),
 * and only what then lies under /proc or /sys is read. Files are opened
 * O_NONBLOCK so that /proc/kmsg or a trace_pipe cannot hang a session.
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

int cd_confine(const char *path, char *real, size_t len, struct pc_buf *why)
{
	char buf[PATH_MAX];

	if (!path || !*path) {
		pc_buf_printf(why, "empty path: name a file under /proc or /sys\n");
		return -EINVAL;
	}
	if (path[0] != '/') {
		pc_buf_printf(why, "%.200s: not an absolute path (want /proc/... or /sys/...)\n",
			      path);
		return -EINVAL;
	}
	if (!realpath(path, buf)) {
		int err = errno;

		pc_buf_printf(why, "%.200s: %s\n", path, strerror(err));
		return -err;
	}
	if (strcmp(buf, "/proc") && strncmp(buf, "/proc/", 6) && strcmp(buf, "/sys") &&
	    strncmp(buf, "/sys/", 5)) {
		pc_buf_printf(why, "%.200s: resolves to %.200s, outside /proc and /sys: refused\n",
			      path, buf);
		return -EACCES;
	}
	if (strlen(buf) >= len)
		return -ENAMETOOLONG;
	strcpy(real, buf);
	return 0;
}

int cd_req_once(const char *path, struct pc_buf *out)
{
	char real[PATH_MAX];
	struct stat st;
	int fd, ret;

	ret = cd_confine(path, real, sizeof(real), out);
	if (ret)
		return ret;
	fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		pc_buf_printf(out, "%.200s: %s\n", real, strerror(errno));
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		pc_buf_printf(out, "%.200s: a directory (use dir directories=%.200s)\n", real,
			      real);
		ret = -EISDIR;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		pc_buf_printf(out, "%.200s: not a regular file\n", real);
		ret = -EINVAL;
		goto cleanup;
	}
	for (;;) {
		ssize_t n;

		if ((ret = pc_buf_reserve(out, 65536)))
			goto cleanup;
		n = read(fd, out->p + out->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			out->len = 0;
			pc_buf_printf(out, "%.200s: %s\n", real, strerror(-ret));
			goto cleanup;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > PC_WIRE_MAX_REPLY) {
			out->len = 0;
			pc_buf_printf(out, "%.200s: larger than %u bytes: refused\n", real,
				      PC_WIRE_MAX_REPLY);
			ret = -EFBIG;
			goto cleanup;
		}
	}
	ret = 0;
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
	int ret;

	ret = cd_confine(path, real, sizeof(real), out);
	if (ret)
		return ret;
	d = opendir(real);
	if (!d) {
		ret = -errno;
		pc_buf_printf(out, "%.200s: %s\n", real, strerror(errno));
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
		pc_buf_printf(out, "%.200s: more entries than fit in a reply\n", real);
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
