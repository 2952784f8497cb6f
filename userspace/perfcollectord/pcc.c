// SPDX-License-Identifier: MIT
/*
 * pcc.c: perfcollectord's pcc mode: pcc's JSON-lines collection format
 * (docs/FORMAT.md), one line per subsystem per sample, in pcc's order:
 * /proc/stat, /proc/meminfo, /proc/net/dev, /proc/diskstats, statfs[*]
 * (the registry's pcc_order, pc/source.h).
 * Measurements are the files' verbatim text, escaped as Go does
 * (pc/pcc_line.h), so files are byte-for-byte what pcc would write for the
 * same text. pcc-container mode writes pcc-container's lines instead: one
 * per container per tick (docs/CONTAINERS.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectord.h"
#include "pc/io.h"
#include "pc/log.h"
#include "pc/pcc_line.h"
#include "pc/proc.h"
#include "pc/sampler.h"
#include "pc/source.h"

/* One verbatim /proc text as a line. */
static void write_text(FILE *f, uint64_t ts, struct pc_sampler *sp, const struct pc_source *src)
{
	size_t len;
	const char *text = procfs__text(sampler__procfs(sp), src->path, &len);

	if (!text) {
		text = "";
		len = 0;
	}
	pc_pcc_line_start(f, ts, src->pcc);
	pc_go_string(f, text, len);
	fputs("}\n", f);
}

/* The statfs line: one JSON object per mount, itself escaped into the measurement string. */
static int write_statfs(FILE *f, uint64_t ts, const struct pc_source *src,
			const struct pc_table *fs)
{
	pc_pcc_line_start(f, ts, src->pcc);
	fputc('"', f);
	for (uint32_t r = 0; r < fs->nrows; r++) {
		const uint64_t *v = pc_table_row(fs, r);
		char *row = NULL;
		size_t rlen = 0;
		FILE *m = open_memstream(&row, &rlen);

		if (!m)
			return -errno;
		fputs("{\"mount_point\":", m);
		pc_go_string(m, fs->key[r], strlen(fs->key[r]));
		fprintf(m,
			",\"block_size\":%" PRIu64 ",\"blocks_total\":%" PRIu64
			",\"blocks_free\":%" PRIu64 ",\"blocks_available\":%" PRIu64 "}\n",
			v[PC_FS_BSIZE], v[PC_FS_BLOCKS], v[PC_FS_BFREE], v[PC_FS_BAVAIL]);
		fclose(m);
		pc_go_escape(f, row, rlen);
		free(row);
	}
	fputs("\"}\n", f);
	return 0;
}

/* The registry row pcc writes at position pos (from 1), or NULL past the last. */
static const struct pc_source *pcc_source(unsigned pos)
{
	for (unsigned i = 0; i < pc_nsources; i++)
		if (pc_sources[i].pcc_order == pos)
			return &pc_sources[i];
	return NULL;
}

struct pcc_out {
	FILE *f;
	int kept;	/* the sampler reads only what pcc writes (from sample 1 on) */
	int containers; /* pcc-container: the container lines alone */
};

/* The groups this mode writes. */
static uint32_t pcc_groups(const struct pcc_out *o)
{
	const struct pc_source *src;
	uint32_t groups = 0;

	if (o->containers)
		return 1u << PC_G_CONTAINER;
	for (unsigned pos = 1; (src = pcc_source(pos)); pos++)
		groups |= src->groups;
	return groups;
}

static int write_sample(void *ctx, struct pc_sampler *sp, struct pc_sample *s)
{
	struct pcc_out *o = ctx;
	FILE *f = o->f;
	uint64_t ts = s->time_ns / 1000000000ULL;
	const struct pc_source *src;
	int rc;

	if (!o->kept) {
		sampler__keep(sp, pcc_groups(o));
		o->kept = 1;
	}
	for (unsigned pos = 1; !o->containers && (src = pcc_source(pos)); pos++) {
		if (src->path) {
			write_text(f, ts, sp, src);
			continue;
		}
		rc = write_statfs(f, ts, src, &s->t[PC_G_FS]);
		if (rc)
			return rc;
	}
	if (o->containers && (rc = pc_pcc_container_lines(f, ts, &s->t[PC_G_CONTAINER])))
		return rc;
	if (fflush(f) || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

static int sync_file(void *ctx)
{
	FILE *f = ((struct pcc_out *)ctx)->f;

	if (fflush(f))
		return -errno;
	return io_sync(fileno(f));
}

int cd_run_pcc(const struct cd_opts *o)
{
	struct cd_sink k = {.write = write_sample, .sync = sync_file};
	struct cd_loop l;
	FILE *f = fopen(o->output, "w");
	struct pcc_out out = {f, 0, o->mode == CD_PCC_CONTAINER};
	int status;

	cd_loop_of(&l, o);
	/* pcc's format has no place for eBPF figures: do not load the programs */
	l.sampler_flags |= PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET;
	if (!f) {
		log_warn("cannot create %s", o->output);
		return 1;
	}
	k.ctx = &out;
	/* pcc-container keeps root: container names are read as containers appear, from
	 * runtimes' root-only state (docs/PRIVSEP.md, what is left) */
	if (!out.containers) {
		if (cd_privsep_file_mode(o)) {
			fclose(f);
			return 1;
		}
		k.start = cd_privsep_start;
	}
	status = cd_loop(&l, &k);
	if (fclose(f)) {
		log_warn("closing %s", o->output);
		status = 1;
	}
	return status;
}
