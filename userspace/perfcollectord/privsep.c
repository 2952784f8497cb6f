// SPDX-License-Identifier: MIT
/*
 * privsep.c: how perfcollectord gives up root (docs/PRIVSEP.md). Every mode
 * calls cd_privsep_drop once what needs root is open; server mode first
 * forks the privileged part, which only answers eBPF loads over a socketpair
 * (bpf_broker__serve in collect/bpf_load.c). The drop and the filter are
 * base/privdrop.c's. After the drop every source that read as root must
 * still read (sampler__probe), or the collector stops naming the one that
 * does not.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectord.h"
#include "pc/bpf_sampler.h"
#include "pc/log.h"
#include "pc/privdrop.h"
#include "pc/sampler.h"

int cd_privsep_user(const struct cd_opts *o, struct pc_priv_user *u)
{
	char err[256];

	if (pc_priv_user(o->user, u, err, sizeof(err))) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* The privileged part, in the child: every fd closed but stdio and sock; never returns. */
static void priv_main(int sock, pid_t parent)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(0); /* the network process is already gone */
	prctl(PR_SET_NAME, "pcd-priv");
	if (sock != 3 && dup2(sock, 3) < 0)
		_exit(1);
	close_range(4, ~0U, 0);
	bpf_broker__serve(3);
	_exit(0);
}

int cd_privsep_fork(const struct cd_opts *o)
{
	int sv[2];
	pid_t parent = getpid(), pid;

	if (geteuid() != 0 || (o->sampler_flags & PC_SAMPLER_NO_BPF))
		return 0; /* nothing to load as root */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		log_warn("privilege separation: socketpair");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_warn("privilege separation: fork of the privileged part");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		priv_main(sv[1], parent);
	}
	close(sv[1]);
	bpf_broker__use(sv[0]);
	log_debug("privileged part pcd-priv is pid %d (eBPF loads)", (int)pid);
	return 0;
}

/* File modes: the user, looked up at start (before the sampler), dropped to in cd_privsep_start. */
static struct pc_priv_user file_user;

int cd_privsep_file_mode(const struct cd_opts *o)
{
	return cd_privsep_user(o, &file_user);
}

/*
 * After the drop: what read in before (as root) still reads in sp. A miss is
 * read again once, so that a container or a mount that went away between
 * the two reads is not taken for a refusal. 0, or -1 with err saying which
 * path, its errno and the fix.
 */
static int still_reads(struct pc_sampler *sp, const struct pc_probe *before,
		       const struct pc_priv_user *u, char *err, size_t errlen)
{
	struct pc_probe after;
	char what[384] = "";
	unsigned me = (unsigned)geteuid();
	int ret;

	for (int tries = 0; tries < 2; tries++) {
		if ((ret = sampler__probe(sp, &after))) {
			snprintf(err, errlen, "reading the sources after the privilege drop: %s",
				 strerror(-ret));
			return -1;
		}
		if (!sampler__probe_lost(sp, before, &after, what, sizeof(what)))
			return 0;
	}
	if (geteuid() == u->uid)
		snprintf(err, errlen,
			 "--user=%s (uid %u) cannot read what root read: %s: give --user an "
			 "account that can read it, or make it readable to uid %u",
			 u->name, me, what, me);
	else
		snprintf(err, errlen,
			 "without its capabilities uid %u cannot read what it read before: %s: "
			 "make it readable to uid %u, or start the collector as root",
			 me, what, me);
	return -1;
}

int cd_privsep_probe(const struct cd_opts *o, struct pc_probe *before)
{
	struct pc_sampler *sp = sampler__open(o->root, PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET, 0, 0);
	int ret;

	before->n = 0; /* no sources at all: nothing to compare (each run says so) */
	if (!sp)
		return 0;
	ret = sampler__probe(sp, before);
	sampler__close(sp);
	if (ret)
		log_warnx("reading the sources before the privilege drop: %s", strerror(-ret));
	return ret ? -1 : 0;
}

int cd_privsep_recheck(const struct cd_opts *o, const struct pc_probe *before,
		       const struct pc_priv_user *u)
{
	struct pc_sampler *sp;
	char err[1024];
	int ret;

	if (!before->n)
		return 0;
	sp = sampler__open(o->root, PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET, 0, 0);
	if (!sp) {
		log_warn("after the privilege drop to %s, cannot read %s/proc", u->name,
			 o->root ? o->root : "");
		return -1;
	}
	ret = still_reads(sp, before, u, err, sizeof(err));
	sampler__close(sp);
	if (ret)
		log_warnx("%s", err);
	return ret;
}

void cd_privsep_start(void *ctx, struct pc_sampler *sp, uint64_t deadline)
{
	struct pc_probe before;
	char err[1024];
	int ret = sampler__probe(sp, &before);

	(void)ctx;
	(void)deadline;
	if (ret)
		fatalx("reading the sources before the privilege drop: %s", strerror(-ret));
	if (cd_privsep_drop(&file_user, 0))
		fatalx(
		    "stopping: the collector does not go on with root's rights it meant to drop");
	if (still_reads(sp, &before, &file_user, err, sizeof(err)))
		fatalx("%s", err);
}

int cd_privsep_drop(const struct pc_priv_user *u, int say)
{
	char err[256] = "";

	if (pc_priv_drop(u, err, sizeof(err)) || pc_priv_filter(err, sizeof(err))) {
		log_warnx("privilege drop: %s", err);
		return -1;
	}
	(say ? log_info : log_debug)("running as %s (uid %u), no capabilities, seccomp filter on",
				     geteuid() == u->uid ? u->name : "the invoking user",
				     (unsigned)geteuid());
	return 0;
}
