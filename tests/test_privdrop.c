// SPDX-License-Identifier: MIT
/*
 * test_privdrop.c: base/privdrop.c in a forked child: after pc_priv_drop
 * and pc_priv_filter the child is the user, holds no capability, has
 * no-new-privs and the filter (its own /proc/self/status says so), cannot
 * open a root-only file, may read eBPF maps, and is killed by SIGSYS on a
 * system call outside the list (socket, execve, bpf's BPF_PROG_LOAD).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/privdrop.h"

/* The value of NAME: in /proc/self/status, into v. */
static int status_field(const char *name, char *v, size_t len)
{
	char line[256];
	size_t n = strlen(name);
	FILE *f = fopen("/proc/self/status", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':') {
			snprintf(v, len, "%s", line + n + 1 + strspn(line + n + 1, " \t"));
			v[strcspn(v, "\n")] = 0;
			found = 1;
		}
	fclose(f);
	return found;
}

/* In the child: drop to u; an exit code names the first check that failed. */
static void drop_and_check(const struct pc_priv_user *u)
{
	static const char *const zero[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
	char err[256] = "", v[128], want[64];
	union bpf_attr a = {0};
	long r;

	if (pc_priv_drop(u, err, sizeof(err)) || pc_priv_filter(err, sizeof(err))) {
		fprintf(stderr, "drop: %s\n", err);
		_exit(10);
	}
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", u->uid, u->uid, u->uid, u->uid);
	if (!status_field("Uid", v, sizeof(v)) || strcmp(v, want))
		_exit(11);
	for (size_t i = 0; i < sizeof(zero) / sizeof(*zero); i++)
		if (!status_field(zero[i], v, sizeof(v)) || strcmp(v, "0000000000000000"))
			_exit(12);
	if (!status_field("NoNewPrivs", v, sizeof(v)) || strcmp(v, "1") ||
	    !status_field("Seccomp", v, sizeof(v)) || strcmp(v, "2"))
		_exit(13);
	if (open("/etc/shadow", O_RDONLY) >= 0 || errno != EACCES)
		_exit(14);
	a.map_fd = 999; /* an allowed command: refused by the kernel, not the filter */
	if (syscall(SYS_bpf, BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) != -1 || errno != EBADF)
		_exit(15);
	/* Refused, not killed: input pushed into a terminal (high bits set too), namespaces. */
	if (syscall(SYS_ioctl, 0, TIOCSTI, "x") != -1 || errno != EPERM ||
	    syscall(SYS_ioctl, 0, 0xabcd00000000ul | TIOCSTI, "x") != -1 || errno != EPERM)
		_exit(16);
	r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0); /* not refused: a child in a new user namespace, which ends here */
	if (r != -1 || errno != EPERM)
		_exit(17);
	r = syscall(SYS_clone3, &a, 88);
	if (r == 0)
		_exit(0);
	if (r != -1 || errno != ENOSYS)
		_exit(17);
}

/* Fork, drop, run forbidden(); the child's wait status. */
static int child_status(void (*forbidden)(void))
{
	struct pc_priv_user u;
	char err[256];
	int status = 0;
	pid_t pid;

	assert_int_equal(pc_priv_user("nobody", &u, err, sizeof(err)), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		drop_and_check(&u);
		forbidden();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void call_nothing(void)
{
}

static void call_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}

static void call_execve(void)
{
	execl("/bin/true", "true", (char *)NULL);
}

static void call_prog_load(void)
{
	union bpf_attr a = {0};

	syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

/* Writing a map from userspace (the programs' maps are frozen too: test_bpf). */
static void call_map_update(void)
{
	union bpf_attr a = {0};

	syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
}

static void test_drop_then_forbidden_calls_kill(void **state)
{
	void (*const calls[])(void) = {call_socket, call_execve, call_prog_load, call_map_update};
	int st;

	(void)state;
	if (geteuid() != 0)
		tu_skip("the drop changes user only as root (uid %u here)", (unsigned)geteuid());
	st = child_status(call_nothing);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("the dropped child: %s %d (10 drop, 11 Uid, 12 a capability, 13 "
			 "NoNewPrivs/Seccomp, 14 /etc/shadow opened, 15 bpf lookup refused, 16 "
			 "TIOCSTI not refused, 17 a namespace or clone3 not refused)",
			 WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++) {
		st = child_status(calls[i]);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
}

static void test_user_lookup(void **state)
{
	struct pc_priv_user u;
	char err[256];

	(void)state;
	assert_int_equal(pc_priv_user(NULL, &u, err, sizeof(err)), 0);
	assert_true(!strcmp(u.name, PC_PRIV_DEFAULT_USER) || !strcmp(u.name, "nobody"));
	assert_int_equal(pc_priv_user("no-such-user-pc", &u, err, sizeof(err)), -1);
	assert_string_equal(err, "--user=no-such-user-pc: no such user");
	if (geteuid() == 0) {
		assert_int_equal(pc_priv_user("root", &u, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "is root"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_lookup),
	    cmocka_unit_test(test_drop_then_forbidden_calls_kill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
