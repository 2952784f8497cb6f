// SPDX-License-Identifier: MIT
/*
 * input_pcc_container.c: pcc-container's JSON measurements into
 * PC_G_CONTAINER rows (docs/CONTAINERS.md). A measurement is an object of
 * integers (cpu_usage_usec, cpu_quota, memory_current, io_read_bytes,
 * pids_current, ...) and strings (container_id, container_name, runtime).
 * pcc-container leaves container_name empty when it could not ask the
 * runtime; the names then come from container_names.json beside the
 * collection when there is one (pcprocess writes it next to
 * containers.csv), else the exports show the short id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pc/containers.h"
#include "pc/json.h"
#include "pc/sample_container.h"
#include "input_pcc_container.h"

#define NAMES_MAX (16u << 20)

struct ct_name {
	char id[80];
	char name[96];
};

struct pcc_ct {
	struct json_doc doc;
	struct ct_name *names;
	size_t nnames;
};

/*
 * container_names.json beside path: {"<full id>": "<name>", ...}; absent or
 * damaged is fine (no names), memory that cannot be had is -ENOMEM.
 */
static int load_names(struct pcc_ct *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	char file[4096], *text;
	struct json_doc d = {0};
	size_t len;
	int rc = 0;

	snprintf(file, sizeof(file), "%.*scontainer_names.json",
		 slash ? (int)(slash - path + 1) : 0, path);
	errno = 0;
	text = containers__slurp(file, NAMES_MAX, &len);
	if (!text)
		return errno == ENOMEM ? -ENOMEM : 0;
	rc = json_parse(&d, text, len);
	if (!rc && d.tok[0].type == JSON_OBJECT && d.tok[0].size) {
		c->names = calloc(d.tok[0].size, sizeof(*c->names));
		if (!c->names)
			rc = -ENOMEM;
		for (uint32_t k = 1; c->names && k + 1 < d.ntok; k += 1 + d.tok[k + 1].span) {
			struct ct_name *n = &c->names[c->nnames];
			char *id = json_strdup(&d, (int)k, NULL);
			char *nm = d.tok[k + 1].type == JSON_STRING
				       ? json_strdup(&d, (int)k + 1, NULL)
				       : NULL;

			if ((!id && d.tok[k].type == JSON_STRING) ||
			    (!nm && d.tok[k + 1].type == JSON_STRING))
				rc = -ENOMEM; /* a string's copy fails only for want of memory */
			if (id && nm && strlen(id) < sizeof(n->id) &&
			    strlen(nm) < sizeof(n->name) && *nm) {
				strcpy(n->id, id);
				strcpy(n->name, nm);
				c->nnames++;
			}
			free(id);
			free(nm);
			if (rc)
				break;
		}
	}
	json_free(&d);
	free(text);
	return rc == -ENOMEM ? rc : 0;
}

static const char *name_of(const struct pcc_ct *c, const char *id)
{
	for (size_t i = 0; i < c->nnames; i++)
		if (!strcmp(c->names[i].id, id))
			return c->names[i].name;
	return "";
}

/* A string member into out: 0, -ENOENT (none), -EINVAL (unusable), -ENOMEM. */
static int str_into(const struct json_doc *d, const char *key, char *out, size_t len)
{
	int t = json_get(d, 0, key);
	char *s;

	out[0] = 0;
	if (t < 0 || d->tok[t].type != JSON_STRING)
		return -ENOENT;
	if (!(s = json_strdup(d, t, NULL)))
		return -ENOMEM;
	if (strlen(s) >= len || strchr(s, '/')) {
		free(s);
		return -EINVAL;
	}
	strcpy(out, s);
	free(s);
	return 0;
}

/* The row's key from runtime, container_id and a name. 0, -EINVAL (why in perr), -ENOMEM. */
static int row_key(struct pcc_ct *c, char *key, struct pc_perr *perr)
{
	const struct json_doc *d = &c->doc;
	char rt[32], id[80], name[96];
	int r, rc = str_into(d, "runtime", rt, sizeof(rt));

	if (!rc)
		rc = str_into(d, "container_id", id, sizeof(id));
	if (rc == -ENOMEM)
		return rc;
	if (rc || !*id) {
		pc_perr_add(perr, "container measurement", 0, "no usable runtime or container_id");
		return -EINVAL;
	}
	for (r = 0; r < PC_CT_NRUNTIMES; r++)
		if (!strcmp(rt, containers__runtime_name((enum pc_ct_runtime)r)))
			break;
	if (r == PC_CT_NRUNTIMES) {
		pc_perr_add(perr, "container measurement", 0, "unknown runtime \"%s\"", rt);
		return -EINVAL;
	}
	rc = str_into(d, "container_name", name, sizeof(name));
	if (rc == -ENOMEM)
		return rc;
	if (rc || !*name)
		snprintf(name, sizeof(name), "%s", name_of(c, id));
	if (name[0] == '/')
		memmove(name, name + 1, strlen(name));
	return pc_container_key(key, PC_KEY_MAX, rt, id, name) ? -EINVAL : 0;
}

int pcc_container_apply(void **state, const char *path, const char *text, size_t len,
			struct pc_sample *s, struct pc_perr *perr)
{
	struct pcc_ct *c = *state;
	char key[PC_KEY_MAX];
	uint64_t *row;
	int rc;

	if (!c) {
		if (!(c = calloc(1, sizeof(*c))))
			return -ENOMEM;
		*state = c;
		if ((rc = load_names(c, path)))
			return rc;
	}
	rc = json_parse(&c->doc, text, len);
	if (rc == -ENOMEM)
		return rc;
	if (rc || c->doc.tok[0].type != JSON_OBJECT) {
		pc_perr_add(perr, "container measurement", 0, "not a JSON object%s%s",
			    rc ? ": " : "", rc ? c->doc.err : "");
		return 0;
	}
	if ((rc = row_key(c, key, perr)))
		return rc == -ENOMEM ? rc : 0;
	if (pc_table_find(&s->t[PC_G_CONTAINER], key) >= 0) {
		pc_perr_add(perr, "container measurement", 0, "%s twice in one sample", key);
		return 0;
	}
	if (!(row = pc_table_add(&s->t[PC_G_CONTAINER], key)))
		return errno == ENOMEM ? -ENOMEM : 0;
	for (unsigned i = 0; i < pc_ct_npcc_fields; i++) {
		const struct pc_ct_pcc_field *f = &pc_ct_pcc_fields[i];
		int t = json_get(&c->doc, 0, f->key);
		int64_t v;

		if (t < 0)
			continue;
		if (!json_uint64(&c->doc, t, &row[f->col]))
			continue;
		if (f->limit && !json_int64(&c->doc, t, &v) && v < 0) {
			row[f->col] = 0;
			continue;
		}
		pc_perr_add(perr, "container measurement", 0, "%s of %s is not a counter", f->key,
			    key);
	}
	return 0;
}

void pcc_container_free(void *state)
{
	struct pcc_ct *c = state;

	if (!c)
		return;
	json_free(&c->doc);
	free(c->names);
	free(c);
}
