/* SPDX-License-Identifier: MIT */
/*
 * What is true of a host for a whole run: read once at start (cpuinfo, uname,
 * memory size), stored in the collection header and exported as
 * system_info.json. Not part of every sample on purpose.
 */
#ifndef PC_SYSINFO_H
#define PC_SYSINFO_H

#include <stdint.h>

struct pc_sysinfo {
	char hostname[128];
	char kernel[128];     /* uname -r */
	char machine[32];     /* uname -m */
	char cpu_model[128];  /* first "model name" of /proc/cpuinfo */
	uint32_t ncpu;	      /* logical CPUs listed in /proc/cpuinfo */
	uint32_t cores;	      /* distinct (physical id, core id) pairs; 0 if unknown */
	uint32_t sockets;     /* distinct physical ids; 0 if unknown */
	uint32_t cpu_mhz_x1000; /* first "cpu MHz" x1000; 0 if unknown */
	uint64_t mem_total_kb;
	uint32_t user_hz;     /* sysconf(_SC_CLK_TCK) */
	uint32_t page_size;
	uint64_t interval_ns; /* sampling interval of the run */
	uint64_t start_ns;    /* CLOCK_REALTIME of the first deadline */
	uint32_t host;
	uint32_t run;
};

/* Fill si from the running system under root ("" or NULL for "/"). */
int pc_sysinfo_read(struct pc_sysinfo *si, const char *root);
/* Parse /proc/cpuinfo text into the cpu fields of si. */
int pc_sysinfo_parse_cpuinfo(struct pc_sysinfo *si, const char *buf, size_t len);

#endif
