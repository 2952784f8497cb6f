/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the tests that load the eBPF programs: skip (with the
 * reason) when this machine cannot, open the sampler or fail, pin a thread.
 */
#ifndef PC_BPFTEST_H
#define PC_BPFTEST_H

#include <pthread.h>
#include <stdint.h>

#include "pc/bpf_sampler.h"

/* Skip the current test (cmocka's skip() does not return), saying why, unless root with BTF. */
void need_bpf(void);
/* The sampler with these flags and run-queue tgid, or the current test fails with why. */
struct bpf_sampler *open_opts(unsigned flags, uint32_t tgid);
/* Pin thread t to one CPU; 0 or an errno. */
int pin(pthread_t t, int cpu);

#endif
