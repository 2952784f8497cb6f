/* SPDX-License-Identifier: MIT */
/*
 * One tick of one host: the /proc readers, the eBPF sampler (when it loads)
 * and the collector's own cost, put together into a pc_sample. Shared by
 * every mode of perfcollectord (local file, pcc file, SSH server).
 */
#ifndef PC_SAMPLER_H
#define PC_SAMPLER_H

#include <stdint.h>

#include "pc/proc.h"
#include "pc/sample.h"

#define PC_SAMPLER_NO_BPF (1u << 0)
#define PC_SAMPLER_QUIET  (1u << 1) /* eBPF off by design (pcc mode): do not report it */

struct pc_sampler;

/*
 * Open the sources. Degrades rather than fails: what could not be opened is
 * described by sampler__missing() (to be logged once). NULL only when even
 * /proc cannot be read (errno set).
 */
struct pc_sampler *sampler__open(const char *root, unsigned flags, uint32_t host, uint32_t run);
/* Fill s (reset first) for the tick whose deadline is deadline_ns. */
int sampler__take(struct pc_sampler *sp, struct pc_sample *s, uint64_t deadline_ns);
/*
 * Read only the /proc sources of these groups (1 << PC_G_*) from now on:
 * a run that keeps a subset (server mode's systems=) does not pay for the
 * rest. A source that feeds several groups is read while any is kept, so
 * the caller still drops what it does not keep. All groups by default.
 */
void sampler__keep(struct pc_sampler *sp, uint32_t groups);
/* Mark the next sample as following a gap of count samples lost for reason. */
void sampler__gap(struct pc_sampler *sp, uint64_t count, enum pc_gap_reason reason);
/* A sentence per missing source ("eBPF: not root; /proc/pressure: ENOENT"), or "". */
const char *sampler__missing(const struct pc_sampler *sp);
/* The procfs underneath, for verbatim text (pcc mode). */
struct procfs *sampler__procfs(struct pc_sampler *sp);
/* The first parse problem seen so far, or NULL. */
const char *sampler__first_parse_error(const struct pc_sampler *sp);
void sampler__close(struct pc_sampler *sp);

/*
 * One read of every source, to tell whether what read as root still reads
 * after the privilege drop (perfcollectord's privsep.c, docs/PRIVSEP.md):
 * per registry row (pc/source.h), its file's errno (read through the kept
 * descriptor, else opened as now), or, for what is not one file (statfs of
 * the mounts, the containers' cgroup files, opened or looked up per read),
 * the rows and problems of one read. Leaves the samples to come as they were.
 */
#define PC_PROBE_MAX 32 /* registry rows at most (more: sampler__probe says -E2BIG) */
struct pc_probe {
	unsigned n;
	struct {
		int err;	 /* a file's errno; 0: it read */
		unsigned errors; /* not a file: problems of one read */
		uint32_t rows;	 /* not a file: rows of one read */
		char first[192]; /* the first problem, naming its path and errno */
	} src[PC_PROBE_MAX];
};
/* 0, or a negative errno (-ENOMEM, -E2BIG for a registry too big). */
int sampler__probe(struct pc_sampler *sp, struct pc_probe *p);
/*
 * 1 when a source that read in before does not in after (a file that read
 * fails; statfs or the containers with a new problem, or no rows where there
 * were some), err saying what: the path and errno. Else 0.
 */
int sampler__probe_lost(const struct pc_sampler *sp, const struct pc_probe *before,
			const struct pc_probe *after, char *err, size_t errlen);

#endif
