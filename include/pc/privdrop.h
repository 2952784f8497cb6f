/* SPDX-License-Identifier: MIT */
/*
 * Dropping root once what needs it is open (userspace/base/privdrop.c,
 * docs/PRIVSEP.md): the user to become, the drop itself (groups, gid, uid,
 * every capability, no-new-privs) and the seccomp filter of the collector.
 */
#ifndef PC_PRIVDROP_H
#define PC_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#define PC_PRIV_DEFAULT_USER "perfcollector" /* else "nobody" */

struct pc_priv_user {
	uid_t uid;
	gid_t gid;
	char name[64];
};

/*
 * Look name up (NULL: PC_PRIV_DEFAULT_USER when that account exists, else
 * "nobody"); 0, or -1 with the reason in err. Call before the filter: NSS
 * opens files and sockets the filter refuses.
 */
int pc_priv_user(const char *name, struct pc_priv_user *u, char *err, size_t len);

/*
 * Become u for good: when root, drop every capability from the bounding set,
 * setgroups(0), setresgid and setresuid to u, and check that root cannot be
 * regained; in any case clear the effective, permitted, inheritable and
 * ambient sets and set PR_SET_NO_NEW_PRIVS. Call before any thread exists.
 * 0, or -1 with the reason in err (the process must then exit).
 */
int pc_priv_drop(const struct pc_priv_user *u, char *err, size_t len);

/*
 * Install the collector's seccomp filter on every thread: the system calls
 * of docs/PRIVSEP.md, bpf() only for reading maps; anything else kills the
 * process (SIGSYS). Needs no-new-privs (pc_priv_drop). 0, or -1 with err.
 */
int pc_priv_filter(char *err, size_t len);

#endif
