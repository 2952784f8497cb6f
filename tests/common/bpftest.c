// SPDX-License-Identifier: MIT
/* bpftest.c: see bpftest.h. */
#include <sched.h>
#include <unistd.h>

#include "common/bpftest.h"
#include "common/testutil.h"

void need_bpf(void)
{
	if (geteuid() != 0)
		tu_skip("not root: eBPF programs cannot load");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		tu_skip("no BTF at /sys/kernel/btf/vmlinux");
}

struct bpf_sampler *open_opts(unsigned flags, uint32_t tgid)
{
	struct bpf_sampler_opts o = {.flags = flags, .runq_tgid = tgid};
	struct bpf_sampler *b;
	char why[512];

	b = bpf_sampler__open_opts(&o, why, sizeof(why));
	if (!b)
		fail_msg("bpf_sampler__open_opts: %s", why);
	return b;
}

int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}
