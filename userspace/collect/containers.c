// SPDX-License-Identifier: MIT
/*
 * containers.c: finding the containers of include/pc/containers.h in the
 * cgroup trees. The hierarchies are found once under the cgroup root (v2 at
 * the root or at unified/, v1 per controller directory, comounted ones like
 * "cpu,cpuacct" included); each scan walks them with opendir/readdir, says
 * of every directory whether its path is a container's (runtime and id from
 * the path alone, docs/CONTAINERS.md), does not descend into containers, and
 * merges what the hierarchies found by runtime and id. Names come from the
 * runtimes' state (containers_names.c), looked up once per container.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers_int.h"
#include "pc/bpf_sampler.h"

#define WALK_DEPTH 12
#define NAME_TRIES 3

static const char *const rt_names[PC_CT_NRUNTIMES] = {
    [PC_CT_DOCKER] = "docker", [PC_CT_CONTAINERD] = "containerd", [PC_CT_CRIO] = "crio",
    [PC_CT_PODMAN] = "podman", [PC_CT_NSPAWN] = "nspawn",	  [PC_CT_LXC] = "lxc",
};

const char *containers__runtime_name(enum pc_ct_runtime rt)
{
	return (unsigned)rt < PC_CT_NRUNTIMES ? rt_names[rt] : "?";
}

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

/* b is prefix + 64 hex + suffix: the id into id. */
static int hex_between(const char *b, const char *prefix, const char *suffix, char *id,
		       size_t idlen)
{
	size_t lp = strlen(prefix), ls = strlen(suffix), lb = strlen(b);

	if (lb < lp + ls || strncmp(b, prefix, lp) || strcmp(b + lb - ls, suffix) ||
	    !is_hex64(b + lp, lb - lp - ls) || idlen <= 64)
		return 0;
	memcpy(id, b + lp, 64);
	id[64] = 0;
	return 1;
}

/* systemd's unit-name escaping (\x2d for '-') undone; 0, or -1 when it does not fit. */
static int unescape(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] == 'x' &&
		    isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3])) {
			char hx[3] = {s[i + 2], s[i + 3], 0};
			c = (int)strtol(hx, NULL, 16);
			i += 3;
		}
		if (o + 1 >= len || !c || c == '/')
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return o ? 0 : -1;
}

static int copy_id(const char *s, size_t n, char *id, size_t idlen)
{
	if (!n || n >= idlen || memchr(s, '/', n))
		return -1;
	memcpy(id, s, n);
	id[n] = 0;
	return 0;
}

int containers__classify(const char *rel, char *id, size_t idlen)
{
	const char *b = strrchr(rel, '/'), *pb;
	size_t pblen, blen;

	b = b ? b + 1 : rel;
	blen = strlen(b);
	/* The parent's name. */
	pb = b;
	pblen = 0;
	if (b > rel + 1) {
		const char *e = b - 1;

		pb = e;
		while (pb > rel && pb[-1] != '/')
			pb--;
		pblen = (size_t)(e - pb);
	}
	if (hex_between(b, "docker-", ".scope", id, idlen))
		return PC_CT_DOCKER;
	if (hex_between(b, "cri-containerd-", ".scope", id, idlen))
		return PC_CT_CONTAINERD;
	if (hex_between(b, "crio-", ".scope", id, idlen))
		return PC_CT_CRIO;
	if (hex_between(b, "libpod-", ".scope", id, idlen) ||
	    hex_between(b, "libpod-", "", id, idlen))
		return PC_CT_PODMAN;
	if (is_hex64(b, blen) && idlen > 64) {
		if (pblen == 6 && !strncmp(pb, "docker", 6)) {
			memcpy(id, b, 65);
			return PC_CT_DOCKER;
		}
		/* Kubernetes with the cgroupfs driver: kubepods/<qos>/pod<uid>/<id>. */
		if (!strncmp(rel, "kubepods", 8) || strstr(rel, "/kubepods")) {
			memcpy(id, b, 65);
			return PC_CT_CONTAINERD;
		}
	}
	if (pblen == 13 && !strncmp(pb, "machine.slice", 13) && !strncmp(b, "machine-", 8) &&
	    blen > 14 && !strcmp(b + blen - 6, ".scope"))
		return unescape(b + 8, blen - 14, id, idlen) ? -1 : PC_CT_NSPAWN;
	if (!strncmp(b, "lxc.payload.", 12))
		return copy_id(b + 12, blen - 12, id, idlen) ? -1 : PC_CT_LXC;
	if (pblen == 3 && !strncmp(pb, "lxc", 3) && pb == rel && strncmp(b, "lxc.", 4))
		return copy_id(b, blen, id, idlen) ? -1 : PC_CT_LXC;
	return -1;
}

/* ---- the hierarchies ---- */

static int has_file(const char *dir, const char *file)
{
	char p[2 * PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p))
		return 0;
	return access(p, F_OK) == 0;
}

static void add_hier(struct pc_containers *c, const char *path, unsigned dirs)
{
	if (c->nhier >= CT_MAX_HIER || !dirs || strlen(path) >= sizeof(c->hier[0].path))
		return;
	memmove(c->hier[c->nhier].path, path, strlen(path) + 1);
	c->hier[c->nhier++].dirs = dirs;
}

/* A v1 directory name ("cpu,cpuacct") into the CT_* bits it provides. */
static unsigned v1_dirs(const char *name)
{
	static const struct {
		const char *ctrl;
		int dir;
	} map[] = {{"cpu", CT_CPU},	{"cpuacct", CT_CPUACCT}, {"memory", CT_MEMORY},
		   {"blkio", CT_BLKIO}, {"io", CT_BLKIO},	 {"pids", CT_PIDS}};
	char buf[128], *save = NULL;
	unsigned dirs = 0;

	if (snprintf(buf, sizeof(buf), "%s", name) >= (int)sizeof(buf))
		return 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
			if (!strcmp(t, map[i].ctrl))
				dirs |= 1u << map[i].dir;
	return dirs;
}

static void find_hier(struct pc_containers *c)
{
	char p[PATH_MAX + 300];
	struct dirent *e;
	unsigned have = 0;
	DIR *d;

	c->hier_found = 1;
	if (has_file(c->cgroot, "cgroup.controllers")) {
		add_hier(c, c->cgroot, 1u << CT_V2);
		return; /* unified only */
	}
	snprintf(p, sizeof(p), "%s/unified", c->cgroot);
	if (has_file(p, "cgroup.controllers"))
		add_hier(c, p, 1u << CT_V2);
	d = opendir(c->cgroot);
	while (d && (e = readdir(d))) {
		unsigned dirs;

		/* Symlinks (cpu -> cpu,cpuacct) name a hierarchy already listed. */
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		dirs = v1_dirs(e->d_name) & ~have;
		if (snprintf(p, sizeof(p), "%s/%s", c->cgroot, e->d_name) >= (int)sizeof(p))
			continue;
		add_hier(c, p, dirs);
		have |= dirs;
	}
	if (d)
		closedir(d);
}

/* ---- the set of containers ---- */

static void ct_clear(struct pc_containers *c, struct ct *t)
{
	ct_close_files(c, t);
	for (int i = 0; i < CT_NDIRS; i++)
		free(t->dir[i]);
	free(t->rel);
	memset(t, 0, sizeof(*t));
}

static struct ct *ct_get(struct pc_containers *c, int rt, const char *id)
{
	struct ct *t;

	for (size_t i = 0; i < c->nct; i++)
		if (c->ct[i].rt == (enum pc_ct_runtime)rt && !strcmp(c->ct[i].id, id))
			return &c->ct[i];
	if (c->nct == c->capct) {
		size_t cap = c->capct ? c->capct * 2 : 16;
		struct ct *n = realloc(c->ct, cap * sizeof(*n));

		if (!n)
			return NULL;
		c->ct = n;
		c->capct = cap;
	}
	t = &c->ct[c->nct++];
	memset(t, 0, sizeof(*t));
	t->rt = (enum pc_ct_runtime)rt;
	snprintf(t->id, sizeof(t->id), "%s", id);
	return t;
}

/* Record dir (absolute) as container (rt, id)'s directory for the hierarchy's controllers. */
static int ct_found(struct pc_containers *c, const struct ct_hier *h, int rt, const char *id,
		    const char *abs, const char *rel)
{
	struct ct *t = ct_get(c, rt, id);

	if (!t)
		return -ENOMEM;
	t->gen = c->gen;
	if (!t->rel && !(t->rel = strdup(rel)))
		return -ENOMEM;
	for (int i = 0; i < CT_NDIRS; i++) {
		if (!(h->dirs & (1u << i)))
			continue;
		if (t->dir[i] && !strcmp(t->dir[i], abs))
			continue;
		ct_close_files(c, t); /* opened under the old directory */
		free(t->dir[i]);
		if (!(t->dir[i] = strdup(abs)))
			return -ENOMEM;
		if (i == CT_V2)
			t->cg2id = bpf_names__cgroup_id(abs);
	}
	return 0;
}

static int walk(struct pc_containers *c, const struct ct_hier *h, char *path, size_t plen,
		int depth)
{
	size_t rootlen = strlen(h->path), n = strlen(path);
	char id[CT_ID_MAX];
	struct dirent *e;
	int rc = 0;
	DIR *d;

	if (depth > WALK_DEPTH || !(d = opendir(path)))
		return 0; /* gone meanwhile, or not ours to read: nothing to find */
	while (!rc && (e = readdir(d))) {
		int rt;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (n + 1 + strlen(e->d_name) >= plen)
			continue;
		path[n] = '/';
		strcpy(path + n + 1, e->d_name);
		rt = containers__classify(path + rootlen + 1, id, sizeof(id));
		if (rt >= 0)
			rc = ct_found(c, h, rt, id, path, path + rootlen + 1);
		else
			rc = walk(c, h, path, plen, depth + 1);
		path[n] = 0;
	}
	closedir(d);
	return rc;
}

static void ct_name(struct pc_containers *c, struct ct *t)
{
	struct pc_ct_opts o = {c->cgroot, c->docker_root, c->containerd_run, c->podman_root,
			       c->home_root};

	if (!t->name[0] && t->name_tries < NAME_TRIES &&
	    containers__lookup_name(&o, t->rt, t->id, t->rel, t->name, sizeof(t->name)))
		t->name_tries++;
	pc_container_key(t->key, sizeof(t->key), containers__runtime_name(t->rt), t->id, t->name);
}

int containers__scan(struct pc_containers *c, struct pc_perr *perr)
{
	char path[PATH_MAX];
	size_t keep = 0;
	int rc = 0;

	if (!c->hier_found)
		find_hier(c);
	if (!c->nhier)
		pc_perr_add(perr, c->cgroot, 0, "no cgroup hierarchy found");
	c->gen++;
	for (int i = 0; !rc && i < c->nhier; i++) {
		snprintf(path, sizeof(path), "%s", c->hier[i].path);
		rc = walk(c, &c->hier[i], path, sizeof(path), 0);
	}
	if (rc)
		return rc;
	/* Containers no hierarchy showed this time have stopped: their rows end. */
	for (size_t i = 0; i < c->nct; i++) {
		if (c->ct[i].gen != c->gen) {
			ct_clear(c, &c->ct[i]);
			continue;
		}
		if (keep != i)
			c->ct[keep] = c->ct[i];
		ct_name(c, &c->ct[keep++]);
	}
	c->nct = keep;
	return (int)c->nct;
}

static void set_path(char *dst, size_t len, const char *v, const char *def)
{
	snprintf(dst, len, "%s", v && *v ? v : def);
}

struct pc_containers *containers__open(const struct pc_ct_opts *o)
{
	struct pc_containers *c = calloc(1, sizeof(*c));
	struct pc_ct_opts none = {0};

	if (!c)
		return NULL;
	if (!o)
		o = &none;
	set_path(c->cgroot, sizeof(c->cgroot), o->cgroot, "/sys/fs/cgroup");
	set_path(c->docker_root, sizeof(c->docker_root), o->docker_root, "/var/lib/docker");
	set_path(c->containerd_run, sizeof(c->containerd_run), o->containerd_run,
		 "/run/containerd");
	set_path(c->podman_root, sizeof(c->podman_root), o->podman_root,
		 "/var/lib/containers/storage");
	set_path(c->home_root, sizeof(c->home_root), o->home_root, "");
	c->fd_budget = ct_fd_budget();
	c->user_hz = sysconf(_SC_CLK_TCK);
	if (c->user_hz <= 0)
		c->user_hz = 100;
	return c;
}

void containers__free(struct pc_containers *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nct; i++)
		ct_clear(c, &c->ct[i]);
	free(c->ct);
	free(c);
}

size_t containers__count(const struct pc_containers *c)
{
	return c->nct;
}

int containers__read(struct pc_containers *c, struct pc_sample *s, struct pc_perr *perr)
{
	struct pc_table *tb = &s->t[PC_G_CONTAINER];
	size_t keep = 0;

	c->reads++;
	for (size_t i = 0; i < c->nct; i++) {
		struct ct *t = &c->ct[i];
		uint64_t *row = pc_table_add(tb, t->key);
		int rc;

		if (!row)
			return errno == ENOMEM ? -ENOMEM : 0;
		rc = ct_read_row(c, t, row, perr);
		if (rc == -ENOMEM)
			return rc;
		if (rc == -ENOENT) {
			/* Vanished mid-read: no half row; the next scan would drop it anyway. */
			tb->nrows--;
			ct_clear(c, t);
			continue;
		}
		if (keep != i)
			c->ct[keep] = *t;
		keep++;
	}
	c->nct = keep;
	return 0;
}

/* The container's v2 directory under the v2 hierarchy, as bpf_cgroup keys it ("/a/b"). */
static const char *v2_rel(const struct pc_containers *c, const struct ct *t)
{
	for (int h = 0; t->dir[CT_V2] && h < c->nhier; h++) {
		size_t n = strlen(c->hier[h].path);

		if ((c->hier[h].dirs & (1u << CT_V2)) && !strncmp(t->dir[CT_V2], c->hier[h].path, n) &&
		    t->dir[CT_V2][n] == '/')
			return t->dir[CT_V2] + n;
	}
	return NULL;
}

/*
 * The rows of the container's own cgroup (by id: its key may be a cut
 * "...tail" of a long path, as Kubernetes' are) and of the cgroups below it
 * (by path).
 */
static void join_one(const struct pc_table *cg, const char *rel, uint64_t id, uint64_t *row)
{
	size_t n = rel ? strlen(rel) : 0;

	for (uint32_t r = 0; r < cg->nrows; r++) {
		const uint64_t *v = pc_table_row(cg, r);
		int below = rel && !strncmp(cg->key[r], rel, n) &&
			    (!cg->key[r][n] || cg->key[r][n] == '/');

		if (!below && (!id || v[PC_CG_ID] != id))
			continue;
		row[PC_CT_BPF_CPU_NS] += v[PC_CG_CPU_NS];
		row[PC_CT_RUNQ_WAIT_NS] += v[PC_CG_WAIT_NS];
		row[PC_CT_RUNQ_WAITS] += v[PC_CG_WAITS];
	}
}

void containers__join_bpf(const struct pc_containers *c, struct pc_sample *s)
{
	struct pc_table *tb = &s->t[PC_G_CONTAINER];
	const struct pc_table *cg = &s->t[PC_G_BPF_CGROUP];

	if (!c || !cg->nrows)
		return;
	for (size_t i = 0; i < c->nct; i++) {
		const char *rel = v2_rel(c, &c->ct[i]);
		/* containers__read made the rows in the containers' order. */
		int r = i < tb->nrows && !strcmp(tb->key[i], c->ct[i].key)
			    ? (int)i
			    : pc_table_find(tb, c->ct[i].key);

		if ((rel || c->ct[i].cg2id) && r >= 0)
			join_one(cg, rel, c->ct[i].cg2id, pc_table_row(tb, (uint32_t)r));
	}
}
