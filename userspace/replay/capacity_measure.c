// SPDX-License-Identifier: MIT
/*
 * Measuring a capacity curve (include/pc/capacity.h): the fixed busy-loop
 * kernel of load_cpu.c on the CPUs a replay will use, with its workers in
 * the cgroup that will hold the replay's, so perfcpumeasure and perfreplay's
 * on-the-spot measurement are the same measurement.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pc/capacity.h"
#include "pc/cgroup.h"
#include "pc/load.h"

static int place(void *arg, uint32_t w, pid_t tid)
{
	(void)w;
	return cgroup__attach(arg, tid);
}

int capacity__measure(struct pc_capacity *c, const int *cpus, uint32_t n, struct pc_cgroup *cg,
		      uint64_t step_ns, unsigned passes, const volatile int *stop,
		      void (*progress)(unsigned pass, unsigned level))
{
	double *got = calloc((size_t)PC_LOAD_LEVELS * (passes ? passes : 1), sizeof(*got));
	struct load_cpu_opts o = {.nworkers = n, .cpu = cpus, .place = place, .place_arg = cg};
	int rc;

	if (!got)
		return -ENOMEM;
	rc = load_cpu__measure(&o, step_ns, passes, got, stop, progress);
	if (progress)
		fprintf(stderr, "\n");
	if (!rc)
		rc = capacity__set_levels(c, got, PC_LOAD_LEVELS, passes);
	free(got);
	c->ncpu = n;
	snprintf(c->placement, sizeof(c->placement), "%s", cgroup__mode_name(cg->mode));
	snprintf(c->kernel, sizeof(c->kernel), "%s", PC_LOAD_KERNEL);
	return rc;
}
