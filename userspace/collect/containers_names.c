// SPDX-License-Identifier: MIT
/*
 * containers_names.c: a container's name from its runtime's own state on
 * disk, looked up once per container (docs/CONTAINERS.md): docker's
 * containers/<id>/config.v2.json "Name"; podman's
 * overlay-containers/containers.json "names" (rootful, and rootless in the
 * home of the uid its cgroup path names); containerd's task bundle
 * config.json Kubernetes annotations (namespace/pod/container). systemd-nspawn
 * machines and LXC containers are named by their id. CRI-O has no cheap state
 * file: its containers keep their short id.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pc/json.h"
#include "containers_int.h"

#define STATE_MAX (4u << 20) /* a runtime's state file bigger than this is not read */

ssize_t ct_read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		got += (size_t)n;
	}
	close(fd);
	buf[got] = 0;
	return (ssize_t)got;
}

char *containers__slurp(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size >= max)
		return NULL;
	buf = malloc((size_t)st.st_size + 2);
	if (!buf)
		return NULL;
	n = ct_read_file(path, buf, (size_t)st.st_size + 2);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* Bytes a row key cannot show (controls) become '?'; 0 when something is left. */
static int set_name(char *out, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < len; s++)
		out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	out[n] = 0;
	return n ? 0 : -ENOENT;
}

static int str_of(const struct json_doc *d, int tok, char *out, size_t len)
{
	char *s;
	int rc;

	if (tok < 0 || d->tok[tok].type != JSON_STRING || !(s = json_strdup(d, tok, NULL)))
		return -ENOENT;
	rc = set_name(out, len, s);
	free(s);
	return rc;
}

static int docker_name(const char *root, const char *id, char *name, size_t len)
{
	struct json_doc d = {0};
	char path[PATH_MAX + 128], *text, *s;
	size_t n;
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id);
	if (!(text = containers__slurp(path, STATE_MAX, &n)))
		return -ENOENT;
	if (!json_parse(&d, text, n) && d.tok[0].type == JSON_OBJECT) {
		int t = json_get(&d, 0, "Name");

		if (t >= 0 && d.tok[t].type == JSON_STRING && (s = json_strdup(&d, t, NULL))) {
			rc = set_name(name, len, s[0] == '/' ? s + 1 : s);
			free(s);
		}
	}
	json_free(&d);
	free(text);
	return rc;
}

/* containers.json: [{"id":"<64 hex>","names":["web"],...},...]. */
static int podman_name_in(const char *storage, const char *id, char *name, size_t len)
{
	struct json_doc d = {0};
	char path[PATH_MAX + 64], *text;
	size_t n;
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", storage);
	if (!(text = containers__slurp(path, STATE_MAX, &n)))
		return -ENOENT;
	if (!json_parse(&d, text, n) && d.tok[0].type == JSON_ARRAY) {
		for (uint32_t k = 1; k < d.ntok && rc; k += d.tok[k].span) {
			int t = json_get(&d, (int)k, "id"), nm;
			char cid[CT_ID_MAX];

			if (d.tok[k].type != JSON_OBJECT || str_of(&d, t, cid, sizeof(cid)) ||
			    strcmp(cid, id))
				continue;
			nm = json_get(&d, (int)k, "names");
			if (nm >= 0 && d.tok[nm].type == JSON_ARRAY && d.tok[nm].size)
				rc = str_of(&d, nm + 1, name, len);
			break;
		}
	}
	json_free(&d);
	free(text);
	return rc;
}

/* Rootless: .../user@<uid>.service/... in the cgroup path names whose home to look in. */

/*
 * A user's home from /etc/passwd itself, not through NSS: getpwuid may ask
 * nscd or systemd over a socket, which the collector may no longer open
 * once it dropped root (docs/PRIVSEP.md). Users only a directory service
 * knows get no name lookup (their containers show their short ids).
 */
static int home_of(uid_t uid, char *dir, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	FILE *f = fopen("/etc/passwd", "re");
	int rc = -ENOENT;

	while (f && !fgetpwent_r(f, &pw, buf, sizeof(buf), &res) && res)
		if (pw.pw_uid == uid) {
			rc = snprintf(dir, len, "%s", pw.pw_dir) < (int)len ? 0 : -ENAMETOOLONG;
			break;
		}
	if (f)
		fclose(f);
	return rc;
}

static int podman_name(const struct pc_ct_opts *o, const char *id, const char *rel, char *name,
		       size_t len)
{
	const char *u = rel ? strstr(rel, "user@") : NULL;
	char storage[PATH_MAX];
	unsigned long uid;
	char *end;

	if (!u)
		return podman_name_in(o->podman_root, id, name, len);
	uid = strtoul(u + 5, &end, 10);
	if (end == u + 5 || strncmp(end, ".service", 8))
		return -ENOENT;
	if (o->home_root && *o->home_root) {
		snprintf(storage, sizeof(storage), "%s/%lu/.local/share/containers/storage",
			 o->home_root, uid);
	} else if (home_of((uid_t)uid, storage, sizeof(storage))) {
		return -ENOENT;
	} else {
		size_t n = strlen(storage);

		snprintf(storage + n, sizeof(storage) - n, "/.local/share/containers/storage");
	}
	return podman_name_in(storage, id, name, len);
}

/* The Kubernetes annotations of one bundle's config.json: "ns/pod/container" or "ns/pod". */
static int cri_name_of(const char *path, char *name, size_t len)
{
	struct json_doc d = {0};
	char ns[64] = "", pod[128] = "", cont[128] = "", *text;
	size_t n;
	int rc = -ENOENT, a;

	if (!(text = containers__slurp(path, STATE_MAX, &n)))
		return -ENOENT;
	if (!json_parse(&d, text, n) && d.tok[0].type == JSON_OBJECT &&
	    (a = json_get(&d, 0, "annotations")) >= 0 && d.tok[a].type == JSON_OBJECT) {
		str_of(&d, json_get(&d, a, "io.kubernetes.cri.sandbox-namespace"), ns, sizeof(ns));
		str_of(&d, json_get(&d, a, "io.kubernetes.cri.container-name"), cont, sizeof(cont));
		if (!str_of(&d, json_get(&d, a, "io.kubernetes.cri.sandbox-name"), pod,
			    sizeof(pod))) {
			char full[sizeof(ns) + sizeof(pod) + sizeof(cont) + 2];

			snprintf(full, sizeof(full), "%s%s%s%s%s", ns, *ns ? "/" : "", pod,
				 *cont ? "/" : "", cont);
			rc = set_name(name, len, full);
		}
	}
	json_free(&d);
	free(text);
	return rc;
}

static int containerd_name(const char *run, const char *id, char *name, size_t len)
{
	char base[PATH_MAX + 64], path[2 * PATH_MAX];
	struct dirent *e;
	int rc = -ENOENT;
	DIR *d;

	/* Bundles live per namespace (k8s.io, moby, default, ...). */
	snprintf(base, sizeof(base), "%s/io.containerd.runtime.v2.task", run);
	if (!(d = opendir(base)))
		return -ENOENT;
	while (rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", base, e->d_name, id);
		rc = cri_name_of(path, name, len);
	}
	closedir(d);
	return rc;
}

static const char * or (const char *v, const char *def)
{
	return v && *v ? v : def;
}

int containers__lookup_name(const struct pc_ct_opts *o, enum pc_ct_runtime rt, const char *id,
			    const char *cgpath, char *name, size_t len)
{
	struct pc_ct_opts p = {.home_root = o->home_root};

	p.docker_root = or (o->docker_root, "/var/lib/docker");
	p.containerd_run = or (o->containerd_run, "/run/containerd");
	p.podman_root = or (o->podman_root, "/var/lib/containers/storage");
	switch (rt) {
	case PC_CT_DOCKER:
		return docker_name(p.docker_root, id, name, len);
	case PC_CT_PODMAN:
		return podman_name(&p, id, cgpath, name, len);
	case PC_CT_CONTAINERD:
		return containerd_name(p.containerd_run, id, name, len);
	case PC_CT_NSPAWN:
	case PC_CT_LXC:
		return set_name(name, len, id);
	default:
		return -ENOENT;
	}
}
