// SPDX-License-Identifier: MIT
/*
 * version.c: the version every program's --version prints, from the header
 * scripts/version.sh writes (the Makefile names it in PC_VERSION_HEADER).
 */
#include <stdio.h>

#include "pc/cli.h"

#ifdef PC_VERSION_HEADER
#include PC_VERSION_HEADER
#endif
#ifndef PC_VERSION
#define PC_VERSION "unknown"
#endif

const char *pc_version(void)
{
	return PC_VERSION;
}

int pc_cli_version(const char *prog, const char *build)
{
	printf("%s (perfcollector) %s: %s\n", prog, PC_VERSION, build);
	return 0;
}
