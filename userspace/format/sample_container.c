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

/* clang-format off */
const struct pc_ct_pcc_field pc_ct_pcc_fields[] = {
    {"cpu_period", PC_CT_CPU_PERIOD_US, 1},	 {"cpu_periods", PC_CT_CPU_PERIODS, 0},
    {"cpu_quota", PC_CT_CPU_QUOTA_US, 1},	 {"cpu_system_usec", PC_CT_CPU_SYSTEM_US, 0},
    {"cpu_throttled", PC_CT_CPU_THROTTLED, 0},	 {"cpu_throttled_usec", PC_CT_CPU_THROTTLED_US, 0},
    {"cpu_usage_usec", PC_CT_CPU_USAGE_US, 0},	 {"cpu_user_usec", PC_CT_CPU_USER_US, 0},
    {"io_read_bytes", PC_CT_IO_READ_BYTES, 0},	 {"io_read_ops", PC_CT_IO_READ_OPS, 0},
    {"io_write_bytes", PC_CT_IO_WRITE_BYTES, 0}, {"io_write_ops", PC_CT_IO_WRITE_OPS, 0},
    {"memory_anon", PC_CT_MEM_ANON, 0},		 {"memory_current", PC_CT_MEM_CURRENT, 0},
    {"memory_file", PC_CT_MEM_FILE, 0},		 {"memory_kernel", PC_CT_MEM_KERNEL, 0},
    {"memory_max", PC_CT_MEM_MAX, 1},		 {"memory_slab", PC_CT_MEM_SLAB, 0},
    {"pids_current", PC_CT_PIDS_CURRENT, 0},	 {"pids_max", PC_CT_PIDS_MAX, 1},
};
/* clang-format on */
const unsigned pc_ct_npcc_fields = sizeof(pc_ct_pcc_fields) / sizeof(*pc_ct_pcc_fields);

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
