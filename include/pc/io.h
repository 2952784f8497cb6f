/* SPDX-License-Identifier: MIT */
/*
 * The one I/O layer every writer uses (userspace/base/io.c): whole reads and
 * writes, mkdir -p, file and directory sync, creating files so that a planted
 * symlink cannot redirect them, atomic replace, and the one check of a file
 * a user names as input.
 *
 * Durability policy, here and nowhere else:
 * - io_sync() / io_datasync() are the only calls to fsync(2) / fdatasync(2).
 *   A descriptor that cannot be synced (a character device such as /dev/null,
 *   a FIFO, a socket: EINVAL, EROFS) counts as synced; any other failure is
 *   returned.
 * - Atomic replace syncs the temporary file's data before the rename and the
 *   directory after it, so after io_replace_commit() the new content is on
 *   disk under the final name, or the old file is still there whole.
 * - A file that lives on (journal, collection) is synced by its owner at the
 *   points its format documents: the journal's commit (one fdatasync for a
 *   group of records, docs/JOURNAL.md), coll__sync() at the end of a
 *   collection, the journal header and its directory once at creation.
 * - The collector's spool is never synced (a power cut may lose what the
 *   page cache held, docs/REMOTE.md): its creation and compaction replace
 *   with IO_NO_SYNC, atomic against a crash of the process, not of the host.
 *
 * Every descriptor is opened O_CLOEXEC; files we create are opened
 * O_NOFOLLOW and, where the name is new, O_EXCL.
 */
#ifndef PC_IO_H
#define PC_IO_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * What a reader may spend looking for the next intact record after damage
 * (checksums or trial decryptions, in bytes): 8 times the file plus 64 MiB.
 * Past it the reader stops searching and says so, so that a crafted file
 * cannot make a resync quadratic (journal, legacy journal, collection).
 */
#define IO_RESYNC_BUDGET(size) (8 * (uint64_t)(size) + (64u << 20))

/* All n bytes, retrying EINTR and short writes; 0 or negative errno (-EIO for a 0-byte write). */
int io_write_all(int fd, const void *p, size_t n);
int io_pwrite_all(int fd, const void *p, size_t n, uint64_t off);
/* Exactly n bytes at off, retrying EINTR and short reads; -EIO when the file ends first. */
int io_pread_all(int fd, void *p, size_t n, uint64_t off);

/* fsync / fdatasync under the policy above; 0 or negative errno. */
int io_sync(int fd);
int io_datasync(int fd);
/* Sync the directory that holds path (so a create or rename in it is durable). */
int io_sync_dir(const char *path);

/*
 * mkdir -p dir, each new level with mode (the umask applies); an existing
 * directory is fine, anything else in the way is an error. 0 or negative
 * errno with err naming the path that failed.
 */
int io_mkdirs(const char *dir, mode_t mode, char *err, size_t errlen);

/*
 * A directory we keep files in (a daemon's data directory, the journal's),
 * checked as sshd's StrictModes checks a home: made first where missing
 * (io_mkdirs, every new level 0700), then, up to / along its resolved path
 * (realpath), every directory must be
 * - owned by root or by us (the directory itself also by uid also, the
 *   account the collector hands it to; (uid_t)-1 for none), and
 * - not writable by group or others, except a root-owned sticky directory
 *   (/tmp, 1777) above it: there only root and the owner can remove or
 *   rename what another user made, and what is below it must be ours.
 * dir itself must not be a symbolic link, unless the link is root's and
 * the directory holding it passes the same check (systemd's DynamicUser=
 * StateDirectory= link /var/lib/NAME -> private/NAME).
 * 0, or negative errno with err naming what (e.g. "data directory") and dir,
 * the path at fault, its owner and mode, and the chmod or chown to run.
 */
int io_mkdirs_strict(const char *what, const char *dir, uid_t also, char *err, size_t errlen);

/*
 * A file holding a secret (private key, license file), as stat(2) gave st:
 * owned by us or root, no group or other bits. 0, or -EPERM with err naming
 * flag=path, its mode and owner, and the chmod to run.
 */
struct stat;
int io_check_private(const char *flag, const char *path, const struct stat *st, char *err,
		     size_t errlen);

/*
 * open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode): create or open
 * a file we own without following a symlink planted at path. -1 with errno
 * (ELOOP for a symlink).
 */
int io_open_create(const char *path, int flags, mode_t mode);

/*
 * A file the user named as input (--input, PCR_COLLECTION), opened read-only
 * (O_CLOEXEC). Only a regular file is taken: a directory is refused with
 * -EISDIR ("PATH: is a directory, want a file"), a FIFO, device or socket
 * with -EINVAL ("PATH: is a FIFO, want a regular file"), before anything
 * could block or read forever. stat(2) decides before the open (opening a
 * device can act on it), then the file opened, with O_NONBLOCK | O_NOCTTY,
 * is checked again by fstat(2), so a swap in between cannot slip one
 * through. Standard input is no input of these tools. The descriptor
 * (blocking), or negative errno with err naming the path.
 */
int io_open_input(const char *path, char *err, size_t errlen);
/* io_open_input() as a stdio stream ("rb"); NULL with errno and err. */
FILE *io_fopen_input(const char *path, char *err, size_t errlen);

/*
 * Atomic replace of path: io_replace_open() creates a temporary file in the
 * same directory (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode
 * less the umask) and gives its descriptor in r->fd; io_replace_commit() syncs it,
 * renames it over path and syncs the directory; io_replace_abort() removes
 * it. Neither closes r->fd: the caller closes it (or fclose()s the FILE it
 * made of it) afterwards, so a file can stay open under its final name.
 *
 * flags:
 * - IO_TMP_FIXED: the temporary is path + ".tmp" ("state" -> "state.tmp"),
 *   a stale one (or a symlink planted there) being removed first; without
 *   it, a fresh random name ".<name>.tmp-XXXXXX" for files whose writers may
 *   run side by side.
 * - IO_IN_PLACE, for a path the user named: one that exists and is not a
 *   regular file (character device, FIFO, socket, a symlink such as
 *   /dev/stdout) is never renamed over but opened and written in place
 *   (r->in_place = 1; commit only syncs). Without it (the files we own) the
 *   rename replaces whatever is at path, a symlink included, never its target.
 * - IO_NO_SYNC: commit renames without syncing the file or the directory
 *   (the spool's policy above).
 * A directory at path is refused with -EISDIR either way.
 */
struct io_replace {
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;
	int in_place;
	int flags;
};
enum { IO_TMP_FIXED = 1, IO_IN_PLACE = 2, IO_NO_SYNC = 4 };
int io_replace_open(struct io_replace *r, const char *path, mode_t mode, int flags, char *err,
		    size_t errlen);
int io_replace_commit(struct io_replace *r, char *err, size_t errlen);
void io_replace_abort(struct io_replace *r);

/* Whole-file convenience: replace path with p[0..n) through the above. */
int io_replace_file(const char *path, const void *p, size_t n, mode_t mode, int flags, char *err,
		    size_t errlen);

#endif
