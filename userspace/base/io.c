// SPDX-License-Identifier: MIT
/*
 * io.c: the I/O layer of include/pc/io.h (whole reads and writes, mkdir -p
 * and the strict check of a data directory, sync, symlink-safe create,
 * atomic replace, the check of an input file). The durability policy is
 * written down in io.h; the only fsync(2) and fdatasync(2) calls of the
 * project are in this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc/io.h"

enum { OP_WRITE, OP_PWRITE, OP_PREAD };

/* One loop for the three: all n bytes, retrying EINTR and short transfers. */
static int whole(int fd, uint8_t *b, size_t n, uint64_t off, int op)
{
	while (n) {
		ssize_t k = op == OP_WRITE    ? write(fd, b, n)
			    : op == OP_PWRITE ? pwrite(fd, b, n, (off_t)off)
					      : pread(fd, b, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		b += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

int io_write_all(int fd, const void *p, size_t n)
{
	return whole(fd, (uint8_t *)(uintptr_t)p, n, 0, OP_WRITE);
}

int io_pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	return whole(fd, (uint8_t *)(uintptr_t)p, n, off, OP_PWRITE);
}

int io_pread_all(int fd, void *p, size_t n, uint64_t off)
{
	return whole(fd, p, n, off, OP_PREAD);
}

/* What a sync failure means: EINVAL and EROFS say this file cannot be synced at all. */
static int sync_result(int rc)
{
	if (!rc || errno == EINVAL || errno == EROFS)
		return 0;
	return -errno;
}

int io_sync(int fd)
{
	return sync_result(fsync(fd));
}

int io_datasync(int fd)
{
	return sync_result(fdatasync(fd));
}

/* The directory part of path into buf ("." when there is none). */
static void dir_of(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, cap, ".");
	else if (slash == path)
		snprintf(buf, cap, "/");
	else
		snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

int io_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, ret;

	dir_of(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = io_sync(fd);
	close(fd);
	return ret;
}

int io_mkdirs(const char *dir, mode_t mode, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);
	struct stat st;

	if (!len || len >= sizeof(buf)) {
		snprintf(err, errlen, "%s: %s", dir, len ? "path too long" : "empty path");
		return len ? -ENAMETOOLONG : -EINVAL;
	}
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST) {
			int e = errno;

			snprintf(err, errlen, "%s: cannot create directory: %s", buf, strerror(e));
			return -e;
		}
		*p = c;
		if (!c)
			break;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		int e = errno ? errno : ENOTDIR;

		snprintf(err, errlen, "%s: not a directory", dir);
		return -e;
	}
	return 0;
}

int io_check_private(const char *flag, const char *path, const struct stat *st, char *err,
		     size_t errlen)
{
	if ((st->st_uid == geteuid() || st->st_uid == 0) && !(st->st_mode & 077))
		return 0;
	snprintf(err, errlen,
		 "%s=%s: mode %04o, owner uid %u: it must be yours and private (chmod 600 %s)",
		 flag, path, (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, path);
	return -EPERM;
}

/*
 * One directory of a strict walk (path, as stat(2) gave st; top: the
 * directory asked for itself): owned by root, us or (top only) also; not
 * writable by group or others, unless it is a root-owned sticky one above.
 */
static int strict_one(const char *what, const char *dir, const char *path, const struct stat *st,
		      int top, uid_t also, char *err, size_t errlen)
{
	unsigned uid = (unsigned)st->st_uid, mode = (unsigned)(st->st_mode & 07777);
	uid_t me = geteuid();
	char who[16] = "root";

	if (!S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "%s %s: %s is not a directory", what, dir, path);
		return -ENOTDIR;
	}
	if (me)
		snprintf(who, sizeof(who), "%u", (unsigned)me);
	if (st->st_uid != 0 && st->st_uid != me && !(top && st->st_uid == also)) {
		snprintf(err, errlen,
			 "%s %s: %s is owned by uid %u (mode %04o), not by root or uid %u: run "
			 "chown %s %s, or choose another directory",
			 what, dir, path, uid, mode, (unsigned)me, who, path);
		return -EPERM;
	}
	if ((st->st_mode & 022) && (top || st->st_uid != 0 || !(st->st_mode & S_ISVTX))) {
		snprintf(err, errlen,
			 "%s %s: %s is mode %04o (owner uid %u): group or others can write it and "
			 "so replace what is kept below it: run chmod go-w %s",
			 what, dir, path, mode, uid, path);
		return -EPERM;
	}
	return 0;
}

/* strict_one for path (absolute, resolved) and every directory above it; path is cut. */
static int strict_walk(const char *what, const char *dir, char *path, int top, uid_t also,
		       char *err, size_t errlen)
{
	struct stat st;
	char *slash;
	int ret;

	for (;; top = 0) {
		if (lstat(path, &st)) {
			ret = -errno;
			snprintf(err, errlen, "%s %s: %s: %s", what, dir, path, strerror(-ret));
			return ret;
		}
		if ((ret = strict_one(what, dir, path, &st, top, also, err, errlen)))
			return ret;
		slash = strrchr(path, '/');
		if (!slash || (slash == path && !path[1]))
			return 0;
		slash[slash == path] = 0; /* "/a" -> "/", "/a/b" -> "/a" */
	}
}

/* realpath(path) walked: top says whether it is the directory asked for. */
static int strict_resolved(const char *what, const char *dir, const char *path, int top, uid_t also,
			   char *err, size_t errlen)
{
	char real[PATH_MAX];

	if (!realpath(path, real)) {
		int e = errno;

		snprintf(err, errlen, "%s %s: %s: %s", what, dir, path, strerror(e));
		return -e;
	}
	return strict_walk(what, dir, real, top, also, err, errlen);
}

int io_mkdirs_strict(const char *what, const char *dir, uid_t also, char *err, size_t errlen)
{
	char d[PATH_MAX], parent[PATH_MAX];
	size_t len = strlen(dir);
	struct stat st;
	int ret;

	while (len > 1 && dir[len - 1] == '/')
		len--; /* "data/" would make lstat follow a link */
	if (!len || len >= sizeof(d))
		return io_mkdirs(dir, 0700, err, errlen); /* says what is wrong with it */
	memcpy(d, dir, len);
	d[len] = 0;
	if (!lstat(d, &st) && S_ISLNK(st.st_mode)) {
		if (st.st_uid != 0) {
			snprintf(err, errlen,
				 "%s %s: is a symbolic link of uid %u: name the directory itself, "
				 "or remove the link (rm %s)",
				 what, d, (unsigned)st.st_uid, d);
			return -ELOOP;
		}
		dir_of(d, parent, sizeof(parent));
		if ((ret = strict_resolved(what, d, parent, 0, also, err, errlen)))
			return ret;
	}
	if ((ret = io_mkdirs(d, 0700, err, errlen)))
		return ret;
	return strict_resolved(what, d, d, 1, also, err, errlen);
}

int io_open_create(const char *path, int flags, mode_t mode)
{
	return open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
}

/* 0 for a regular file; else what path is instead, in err (io_open_input). */
static int want_regular(const char *path, mode_t m, char *err, size_t errlen)
{
	if (S_ISREG(m))
		return 0;
	if (S_ISDIR(m)) {
		snprintf(err, errlen, "%s: is a directory, want a file", path);
		return -EISDIR;
	}
	snprintf(err, errlen, "%s: is %s, want a regular file", path,
		 S_ISFIFO(m)   ? "a FIFO"
		 : S_ISCHR(m)  ? "a character device"
		 : S_ISBLK(m)  ? "a block device"
		 : S_ISSOCK(m) ? "a socket"
			       : "a special file");
	return -EINVAL;
}

int io_open_input(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd, fl, ret;

	if (stat(path, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if ((ret = want_regular(path, st.st_mode, err, errlen)))
		return ret;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) || (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	} else {
		ret = want_regular(path, st.st_mode, err, errlen);
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

FILE *io_fopen_input(const char *path, char *err, size_t errlen)
{
	int fd = io_open_input(path, err, errlen), e;
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		close(fd);
		errno = e;
	}
	return f;
}

/* Create r->tmp next to r->path: path.tmp (a stale one removed first) or a random name. */
static int make_tmp(struct io_replace *r, mode_t mode, int fixed)
{
	const int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	const char *slash = strrchr(r->path, '/'), *name = slash ? slash + 1 : r->path;
	int dlen = slash ? (int)(slash - r->path + 1) : 0, n;

	if (fixed) {
		if (snprintf(r->tmp, sizeof(r->tmp), "%s.tmp", r->path) >= (int)sizeof(r->tmp))
			return -ENAMETOOLONG;
		if (unlink(r->tmp) && errno != ENOENT)
			return -errno;
		r->fd = open(r->tmp, flags, mode);
		return r->fd < 0 ? -errno : 0;
	}
	for (int tries = 0; tries < 100; tries++) {
		uint32_t rnd = 0;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd ^= (uint32_t)getpid() * 2654435761u + (uint32_t)tries;
		n = snprintf(r->tmp, sizeof(r->tmp), "%.*s.%s.tmp-%06x", dlen, r->path, name,
			     rnd & 0xffffff);
		if (n >= (int)sizeof(r->tmp))
			return -ENAMETOOLONG;
		r->fd = open(r->tmp, flags, mode);
		if (r->fd >= 0 || errno != EEXIST)
			return r->fd < 0 ? -errno : 0;
	}
	return -EEXIST;
}

/*
 * An existing path that is not a regular file: a directory is refused; with
 * in_place, anything else is opened to be written where it is. 1: go on
 * with a temporary.
 */
static int open_in_place(struct io_replace *r, const struct stat *lst, int in_place, char *err,
			 size_t errlen)
{
	struct stat st;
	int trunc = 0;

	if (S_ISLNK(lst->st_mode)) {
		if (stat(r->path, &st))
			return 1; /* dangling link: no target to write in place */
		trunc = S_ISREG(st.st_mode);
	} else {
		st = *lst;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, want a file", r->path);
		return -EISDIR;
	}
	if (!in_place)
		return 1;
	r->fd = open(r->path, O_WRONLY | O_CLOEXEC | (trunc ? O_TRUNC : 0));
	if (r->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", r->path, strerror(e));
		return -e;
	}
	r->in_place = 1;
	return 0;
}

int io_replace_open(struct io_replace *r, const char *path, mode_t mode, int flags, char *err,
		    size_t errlen)
{
	struct stat lst;
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->flags = flags;
	if (snprintf(r->path, sizeof(r->path), "%s", path) >= (int)sizeof(r->path)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	if (!lstat(path, &lst) && !S_ISREG(lst.st_mode)) {
		ret = open_in_place(r, &lst, flags & IO_IN_PLACE, err, errlen);
		if (ret <= 0)
			return ret;
	}
	ret = make_tmp(r, mode, flags & IO_TMP_FIXED);
	if (ret) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(-ret));
		r->tmp[0] = 0;
		r->fd = -1;
	}
	return ret;
}

int io_replace_commit(struct io_replace *r, char *err, size_t errlen)
{
	int sync = !(r->flags & IO_NO_SYNC), ret = sync ? io_sync(r->fd) : 0;

	if (r->in_place) {
		if (ret)
			snprintf(err, errlen, "%s: %s", r->path, strerror(-ret));
		return ret;
	}
	if (!ret && rename(r->tmp, r->path))
		ret = -errno;
	if (!ret && sync)
		ret = io_sync_dir(r->path);
	if (ret) {
		snprintf(err, errlen, "%s: %s", r->path, strerror(-ret));
		unlink(r->tmp);
	}
	r->tmp[0] = 0;
	return ret;
}

void io_replace_abort(struct io_replace *r)
{
	if (!r->in_place && r->tmp[0])
		unlink(r->tmp);
	r->tmp[0] = 0;
}

int io_replace_file(const char *path, const void *p, size_t n, mode_t mode, int flags, char *err,
		    size_t errlen)
{
	struct io_replace r;
	int ret = io_replace_open(&r, path, mode, flags, err, errlen);

	if (ret)
		return ret;
	ret = io_write_all(r.fd, p, n);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		io_replace_abort(&r);
	} else {
		ret = io_replace_commit(&r, err, errlen);
	}
	if (close(r.fd) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	}
	return ret;
}
