// SPDX-License-Identifier: MIT
/*
 * privdrop.c: the privilege drop of include/pc/privdrop.h. The capability
 * sets are cleared with the raw capset(2) (no libcap); the filter is built
 * with libseccomp from the allowlist below, which docs/PRIVSEP.md explains.
 */
#include <errno.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pc/privdrop.h"

int pc_priv_user(const char *name, struct pc_priv_user *u, char *err, size_t len)
{
	const struct passwd *pw = getpwnam(name ? name : PC_PRIV_DEFAULT_USER);

	if (!pw && !name)
		pw = getpwnam(name = "nobody");
	if (!pw) {
		snprintf(err, len, "--user=%s: no such user", name ? name : PC_PRIV_DEFAULT_USER);
		return -1;
	}
	if (!pw->pw_uid && geteuid() == 0) {
		snprintf(err, len, "--user=%s: is root (uid 0); name an unprivileged account",
			 pw->pw_name);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	return 0;
}

/* Every capability out of the bounding set (needs CAP_SETPCAP: root only). */
static int drop_bounding(char *err, size_t len)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL) /* past the kernel's last capability */
			return 0;
		snprintf(err, len, "prctl(PR_CAPBSET_DROP, %d): %s", cap, strerror(errno));
		return -1;
	}
	return 0;
}

static int become(const struct pc_priv_user *u, char *err, size_t len)
{
	uid_t r, e, s;

	if (drop_bounding(err, len))
		return -1;
	if (setgroups(0, NULL) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid)) {
		snprintf(err, len, "cannot become %s (uid %u gid %u): %s", u->name, u->uid, u->gid,
			 strerror(errno));
		return -1;
	}
	if (getresuid(&r, &e, &s) || r != u->uid || e != u->uid || s != u->uid ||
	    setresuid(0, 0, 0) == 0 || setgid(0) == 0) {
		snprintf(err, len, "uid %u is not dropped for good (root regained)", u->uid);
		return -1;
	}
	return 0;
}

int pc_priv_drop(const struct pc_priv_user *u, char *err, size_t len)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct none[2] = {{0}};

	if (geteuid() == 0 && become(u, err, len))
		return -1;
	if (syscall(SYS_capset, &h, none)) {
		snprintf(err, len, "capset (clearing every capability): %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(err, len, "clearing the ambient capabilities: %s", strerror(errno));
		return -1;
	}
#ifdef __SANITIZE_ADDRESS__
	/* test builds only: LeakSanitizer's tracer must see our threads at exit
	 * (a release build stays non-dumpable, so no process of the user can
	 * ptrace the collector and its eBPF fds) */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, len, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * What the collector calls after the drop, every mode (docs/PRIVSEP.md says
 * who calls what). Names, not numbers: a name this architecture lacks is
 * skipped.
 */
static const char *const allowed[] = {
    /* memory, threads, time, signals (glibc, pthreads, libssh, libsodium) */
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "futex",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "clone",
    "clone3",
    "exit",
    "exit_group",
    "gettid",
    "getpid",
    "tgkill",
    "sched_yield",
    "sched_getaffinity",
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "restart_syscall",
    "getrandom",
    "prlimit64",
    "getrusage",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getppid",
    "uname",
    "sysinfo",
    /* containers: the cgroup id of a cgroup directory */
    "name_to_handle_at",
    /* files: /proc and /sys sources, once/dir, spool, state, the output */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "lseek",
    "close",
    "openat",
    "open",
    "newfstatat",
    "fstat",
    "stat",
    "lstat",
    "statx",
    "statfs",
    "fstatfs",
    "getdents64",
    "getdents",
    "readlink",
    "readlinkat",
    "faccessat",
    "faccessat2",
    "access",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "ftruncate",
    "fsync",
    "fdatasync",
    "fchmod",
    "umask",
    "getcwd",
    "pipe2",
    /* sockets: the accept loop and SSH sessions, the eBPF broker */
    "accept",
    "accept4",
    "recvfrom",
    "sendto",
    "recvmsg",
    "sendmsg",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "shutdown",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "ioctl",
#ifdef __SANITIZE_ADDRESS__
    /* test builds: LeakSanitizer stops the threads with ptrace at exit */
    "ptrace",
    "wait4",
    "waitid",
    "kill",
#endif
};

/* bpf(2) commands the reader uses on fds it was given (linux/bpf.h) */
static const int bpf_cmds[] = {
    BPF_MAP_LOOKUP_ELEM,
    BPF_MAP_DELETE_ELEM,
    BPF_MAP_GET_NEXT_KEY,
    BPF_OBJ_GET_INFO_BY_FD,
    BPF_MAP_LOOKUP_BATCH,
    BPF_MAP_LOOKUP_AND_DELETE_BATCH,
    BPF_MAP_DELETE_BATCH,
};

/* prctl(2) options: the ticker's timer slack, thread names */
static const int prctl_ops[] = {
    PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_SET_NAME,	    PR_GET_NAME,
#ifdef __SANITIZE_ADDRESS__
    PR_GET_DUMPABLE,   PR_SET_PTRACER,	  PR_SET_PDEATHSIG, /* LeakSanitizer at exit */
#endif
};

/* Allow syscall nr when its first argument is one of v[0..n-1]. */
static int allow_arg0(scmp_filter_ctx f, int nr, const char *name, const int *v, size_t n,
		      char *err, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 1,
					 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)v[i]));

		if (r) {
			snprintf(err, len, "seccomp: allowing %s(%d): %s", name, v[i],
				 strerror(-r));
			return -1;
		}
	}
	return 0;
}

static int add_rules(scmp_filter_ctx f, char *err, size_t len)
{
	int r;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0))) {
			snprintf(err, len, "seccomp: allowing %s: %s", allowed[i], strerror(-r));
			return -1;
		}
	}
	return allow_arg0(f, SCMP_SYS(bpf), "bpf", bpf_cmds, sizeof(bpf_cmds) / sizeof(bpf_cmds[0]),
			  err, len) ||
		       allow_arg0(f, SCMP_SYS(prctl), "prctl", prctl_ops,
				  sizeof(prctl_ops) / sizeof(prctl_ops[0]), err, len)
		   ? -1
		   : 0;
}

/*
 * The second filter: refusals inside calls the first allows. The kernel runs
 * every filter and the most restrictive answer wins, so these need no rule
 * order. ioctl's command is compared on its low 32 bits (the kernel's
 * unsigned int: high bits set would slip past a 64-bit compare). TIOCSTI
 * and TIOCLINUX push input into the terminal the collector was started
 * from; namespaces would open kernel surface; clone3's flags are in memory
 * a filter cannot read, and glibc falls back to clone on ENOSYS.
 */
static int add_refusals(scmp_filter_ctx f, char *err, size_t len)
{
	static const unsigned long tty[] = {TIOCSTI, TIOCLINUX};
	static const unsigned long ns[] = {CLONE_NEWNS,	 CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
					   CLONE_NEWUSER, CLONE_NEWPID,	  CLONE_NEWNET};
	int r = seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);

	for (size_t i = 0; !r && i < sizeof(tty) / sizeof(*tty); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, tty[i]));
	for (size_t i = 0; !r && i < sizeof(ns) / sizeof(*ns); i++)
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
	if (r)
		snprintf(err, len, "seccomp: the refusals filter: %s", strerror(-r));
	return r ? -1 : 0;
}

static int load_refusals(char *err, size_t len)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	int r = -1;

	if (!f) {
		snprintf(err, len, "seccomp_init: out of memory");
		return -1;
	}
	if (seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1))
		snprintf(err, len, "seccomp: every thread (TSYNC)");
	else if (!add_refusals(f, err, len) && (r = seccomp_load(f)))
		snprintf(err, len, "seccomp_load (refusals): %s", strerror(-r));
	seccomp_release(f);
	return r ? -1 : 0;
}

/* The refusals first: once the allowlist is on, seccomp(2) itself is not allowed. */
int pc_priv_filter(char *err, size_t len)
{
	scmp_filter_ctx f;
	int r;

	if (load_refusals(err, len))
		return -1;
	if (!(f = seccomp_init(SCMP_ACT_KILL_PROCESS))) {
		snprintf(err, len, "seccomp_init: out of memory");
		return -1;
	}
	if ((r = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1)))
		snprintf(err, len, "seccomp: every thread (TSYNC): %s", strerror(-r));
	else if ((r = add_rules(f, err, len)) == 0 && (r = seccomp_load(f)))
		snprintf(err, len, "seccomp_load: %s", strerror(-r));
	seccomp_release(f);
	return r ? -1 : 0;
}
