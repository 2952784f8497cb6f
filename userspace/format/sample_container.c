// SPDX-License-Identifier: MIT
/*
 * sample_container.c: the row keys of the container group (PC_G_CONTAINER,
 * include/pc/sample_container.h): "<runtime>/<id>" with "/<name>" when the
 * name is known, and the parts of a key again for the exporters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pc/sample.h"
#include "pc/sample_container.h"

int pc_container_key(char *key, size_t len, const char *runtime, const char *id, const char *name)
{
	int n = snprintf(key, len, "%s/%s", runtime, id);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	/*
	 * The name only when it says more than the id (machines and LXC are named by it), and
	 * only when it fits whole: a cut name would look like another container's.
	 */
	if (name && *name && strcmp(name, id) && (size_t)n + 1 + strlen(name) < len)
		snprintf(key + n, len - (size_t)n, "/%s", name);
	return 0;
}

static int part(const char *s, size_t n, char *out, size_t len)
{
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

int pc_container_split_key(const char *key, char *runtime, size_t rtlen, char *id, size_t idlen,
			   char *name, size_t namelen)
{
	const char *a = strchr(key, '/'), *b;

	if (!a || a == key || !a[1] || a[1] == '/')
		return -EINVAL;
	b = strchr(a + 1, '/');
	if (part(key, (size_t)(a - key), runtime, rtlen) ||
	    part(a + 1, b ? (size_t)(b - a - 1) : strlen(a + 1), id, idlen) ||
	    part(b ? b + 1 : "", b ? strlen(b + 1) : 0, name, namelen))
		return -ENAMETOOLONG;
	return 0;
}
