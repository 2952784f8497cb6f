// SPDX-License-Identifier: MIT
/*
 * proc_statfs.c: filesystem space, two ways into the same PC_G_FS rows keyed
 * by mount point. Live: the real filesystems are picked once from
 * /proc/self/mountinfo (types /proc/filesystems marks "nodev" are virtual,
 * which also leaves out network filesystems whose statfs can hang; a device
 * mounted twice keeps its first mount point) and statfs(2) is called on each
 * every tick. Recorded: pcc's "statfs[*]" measurement, one JSON object per
 * mount, parsed with pc/json.h.
 */
#include <stdlib.h>
#include <sys/statfs.h>

#include "pc/json.h"
#include "proc_internal.h"

static const char STATFS_JSON[] = "statfs[*]";
static const char MOUNTINFO[] = "/proc/self/mountinfo";

/* One member of a statfs object as a u64; -1 when absent or not one. */
static int json_u64_member(const struct json_doc *doc, const char *key, uint64_t *v)
{
	int t = json_get(doc, 0, key);

	return t < 0 ? -1 : json_uint64(doc, t, v) ? -1 : 0;
}

int proc_statfs_json_parse(const char *buf, size_t len, struct pc_sample *s, struct pc_perr *perr)
{
	static const struct {
		const char *name;
		int col;
	} cols[] = {{"block_size", PC_FS_BSIZE},
		    {"blocks_total", PC_FS_BLOCKS},
		    {"blocks_free", PC_FS_BFREE},
		    {"blocks_available", PC_FS_BAVAIL}};
	uint64_t v[PC_FS_NCOLS], *row;
	struct json_doc doc = {0};
	unsigned line = 0, i;
	size_t pos = 0, klen;
	char *key;
	struct ps l;
	int rc = 0, r, t;

	while (!rc && ps_line(buf, len, &pos, &l)) {
		line++;
		if (ps_done(&l))
			continue;
		r = json_parse(&doc, l.p, (size_t)(l.end - l.p));
		if (r == -ENOMEM) {
			rc = r;
			break;
		}
		if (r < 0) {
			pc_perr_add(perr, STATFS_JSON, line, "%s", doc.err);
			continue;
		}
		if (doc.ntok == 0 || doc.tok[0].type != JSON_OBJECT) {
			pc_perr_add(perr, STATFS_JSON, line, "not a JSON object");
			continue;
		}
		memset(v, 0, sizeof(v));
		for (i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
			if (json_u64_member(&doc, cols[i].name, &v[cols[i].col]) < 0) {
				pc_perr_add(perr, STATFS_JSON, line, "%s missing or not a u64",
					    cols[i].name);
				break;
			}
		}
		if (i < sizeof(cols) / sizeof(*cols))
			continue;
		t = json_get(&doc, 0, "mount_point");
		key = t < 0 || doc.tok[t].type != JSON_STRING ? NULL : json_strdup(&doc, t, &klen);
		if (!key) {
			pc_perr_add(perr, STATFS_JSON, line, "mount_point missing or not a string");
			continue;
		}
		row = ps_row(s, PC_G_FS, key, klen, perr, STATFS_JSON, line, &rc);
		free(key);
		if (row)
			memcpy(row, v, sizeof(v));
	}
	json_free(&doc);
	return rc;
}

/*
 * Does /proc/filesystems mark type t (a span) "nodev"? "fuse.sshfs" is
 * looked up as "fuse" when not listed itself. Unknown types count as real.
 */
static int fs_nodev(const char *fs, size_t fslen, const char *t, size_t tn)
{
	const char *w1, *w2, *dot;
	size_t n1, n2, pos = 0;
	struct ps l;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		pos = 0;
		while (ps_line(fs, fslen, &pos, &l)) {
			if (!ps_word(&l, &w1, &n1))
				continue;
			if (n1 == 5 && !memcmp(w1, "nodev", 5) && ps_word(&l, &w2, &n2)) {
				if (n2 == tn && !memcmp(w2, t, tn))
					return 1;
			} else if (n1 == tn && !memcmp(w1, t, tn)) {
				return 0;
			}
		}
		dot = memchr(t, '.', tn);
		if (!dot)
			break;
		tn = (size_t)(dot - t);
	}
	return 0;
}

/* Undo mountinfo's octal escapes (\040 space, \011 tab, \012, \134) into out. */
static int unescape(const char *p, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\\' && i + 3 < n && p[i + 1] >= '0' && p[i + 1] <= '3' &&
		    p[i + 2] >= '0' && p[i + 2] <= '7' && p[i + 3] >= '0' && p[i + 3] <= '7') {
			c = (char)((p[i + 1] - '0') * 64 + (p[i + 2] - '0') * 8 + (p[i + 3] - '0'));
			i += 3;
		}
		if (c == 0 || o + 1 >= cap)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = 0;
	return o ? 0 : -EINVAL;
}

void mounts_free(struct pf_mounts *mt)
{
	for (uint32_t i = 0; i < mt->n; i++)
		free(mt->m[i].path);
	free(mt->m);
	memset(mt, 0, sizeof(*mt));
}

/* Known already, by device or by mount point? */
static int mount_seen(const struct pf_mounts *mt, const uint64_t *dev, const char *key)
{
	for (uint32_t i = 0; i < mt->n; i++)
		if ((mt->m[i].major == dev[0] && mt->m[i].minor == dev[1]) ||
		    !strcmp(mt->m[i].key, key))
			return 1;
	return 0;
}

static int mount_add(struct pf_mounts *mt, const char *root, const char *key, const uint64_t *dev)
{
	struct pf_mount *m;
	size_t rl = strlen(root), kl = strlen(key);

	if (mt->n == mt->cap) {
		uint32_t cap = mt->cap ? mt->cap * 2 : 8;

		m = realloc(mt->m, cap * sizeof(*m));
		if (!m)
			return -ENOMEM;
		mt->m = m;
		mt->cap = cap;
	}
	m = &mt->m[mt->n];
	m->path = malloc(rl + kl + 1);
	if (!m->path)
		return -ENOMEM;
	memcpy(m->path, root, rl);
	memcpy(m->path + rl, key, kl + 1);
	memcpy(m->key, key, kl + 1);
	m->major = dev[0];
	m->minor = dev[1];
	mt->n++;
	return 0;
}

int mounts_parse(struct pf_mounts *mt, const char *root, const char *mi, size_t milen,
		 const char *fs, size_t fslen, struct pc_perr *perr)
{
	const char *w[5], *x, *type = NULL;
	size_t wn[5], n, tn = 0, pos = 0;
	char key[PC_KEY_MAX], show[PS_SHOW];
	uint64_t dev[2];
	unsigned line = 0, i;
	struct ps l, d;
	int rc = 0, r;

	if (!root)
		root = "";
	while (!rc && ps_line(mi, milen, &pos, &l)) {
		line++;
		/* id parent major:minor root mountpoint options [optional...] - type source ... */
		for (i = 0; i < 5 && ps_word(&l, &w[i], &wn[i]); i++)
			;
		if (i == 0)
			continue;
		type = NULL;
		while (i == 5 && ps_word(&l, &x, &n)) {
			if (n == 1 && *x == '-') {
				if (ps_word(&l, &type, &tn))
					break;
			}
		}
		if (!type) {
			pc_perr_add(perr, MOUNTINFO, line, "no filesystem type after ' - '");
			continue;
		}
		d.p = w[2];
		d.end = w[2] + wn[2];
		if (ps_digits(&d, &dev[0]) <= 0 || d.p == d.end || *d.p++ != ':' ||
		    ps_digits(&d, &dev[1]) <= 0 || d.p != d.end) {
			pc_perr_add(perr, MOUNTINFO, line, "device %s not major:minor",
				    ps_show(w[2], d.end, show));
			continue;
		}
		if (fs_nodev(fs, fslen, type, tn))
			continue;
		r = unescape(w[4], wn[4], key, sizeof(key));
		if (r < 0) {
			pc_perr_add(perr, MOUNTINFO, line, "mount point %s %s",
				    ps_show(w[4], w[4] + wn[4], show),
				    r == -EINVAL ? "empty" : "too long for a row key");
			continue;
		}
		if (mount_seen(mt, dev, key))
			continue;
		rc = mount_add(mt, root, key, dev);
	}
	return rc;
}

int mounts_statfs(const struct pf_mounts *mt, struct pc_sample *s, struct pc_perr *perr)
{
	struct statfs st;
	uint64_t *row;
	int rc = 0;

	for (uint32_t i = 0; i < mt->n && !rc; i++) {
		if (statfs(mt->m[i].path, &st) < 0) {
			pc_perr_add(perr, "statfs", 0, "%s: %s", mt->m[i].path, ps_errname(errno));
			continue;
		}
		row =
		    ps_row(s, PC_G_FS, mt->m[i].key, strlen(mt->m[i].key), perr, "statfs", 0, &rc);
		if (!row)
			continue;
		/* f_frsize is the unit of the block counts (f_bsize is only the I/O size). */
		row[PC_FS_BSIZE] = (uint64_t)(st.f_frsize ? st.f_frsize : st.f_bsize);
		row[PC_FS_BLOCKS] = (uint64_t)st.f_blocks;
		row[PC_FS_BFREE] = (uint64_t)st.f_bfree;
		row[PC_FS_BAVAIL] = (uint64_t)st.f_bavail;
		row[PC_FS_FILES] = (uint64_t)st.f_files;
		row[PC_FS_FFREE] = (uint64_t)st.f_ffree;
	}
	return rc;
}
