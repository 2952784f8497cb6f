// SPDX-License-Identifier: MIT
/*
 * journal_day: writes a journal of one host-day for bench/journal_export.sh,
 * quickly. Every sample is a real reading of this machine (procfs, as the
 * collector reads it) taken back to back, stamped as if taken every
 * interval from start, and appended the way perfprocessord appends a
 * collector's batches: per_batch samples per record, each record one
 * self-contained codec stream, commits grouped by 256. The identity is
 * bench/journal_export.sh's (siteid 1, "Evil Corp", 02:fc:00:00:00:01).
 *   usage: journal_day PATH [samples (86400)] [per batch (1)] [start unix s] [interval s (1)]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "pc/proc.h"
#include "pc/sample.h"

#include "bench_site.h"

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 86400, per = argc > 3 ? atol(argv[3]) : 1;
	uint64_t start = argc > 4 ? strtoull(argv[4], NULL, 10) : (uint64_t)time(NULL) - 86400;
	uint64_t step = (argc > 5 ? strtoull(argv[5], NULL, 10) : 1) * 1000000000ull;
	struct procfs *pf = procfs__open(NULL, 0);
	struct journal_meta m = {.host = 0, .run = 1};
	struct pc_buf batch = {0};
	struct pc_sample s;
	struct pc_enc e;
	struct journal *j;
	char err[256];
	double t0 = bench_now();
	long records = 0;
	int ret = 0;

	if (argc < 2 || n <= 0 || per <= 0 || per > 100000 || !step) {
		fprintf(stderr, "usage: journal_day PATH [samples] [per batch] [start unix s] "
				"[interval s]\n");
		return 2;
	}
	if (!pf) {
		fprintf(stderr, "journal_day: /proc: %s\n", strerror(errno));
		return 1;
	}
	unlink(argv[1]);
	j = journal__open_append(argv[1], &bench_site, NULL, err, sizeof(err));
	if (!j) {
		fprintf(stderr, "journal_day: %s\n", err);
		return 1;
	}
	pc_sample_init(&s);
	pc_enc_init(&e);
	for (long i = 0; i < n && !ret; i++) {
		struct pc_perr perr = {0};

		pc_sample_reset(&s);
		ret = procfs__read(pf, &s, &perr);
		if (ret)
			break;
		s.host = 0;
		s.run = 1;
		s.seq = (uint64_t)i;
		s.time_ns = s.taken_ns = start * 1000000000ull + (uint64_t)i * step;
		if (i % per == 0) {
			pc_enc_reset(&e); /* every batch is a self-contained stream */
			batch.len = 0;
			m.first_seq = s.seq;
			m.t_first = s.time_ns;
			m.count = 0;
		}
		ret = pc_enc_sample(&e, &s, &batch);
		m.count++;
		m.t_last = s.time_ns;
		if (!ret && (m.count == per || i == n - 1)) {
			ret = journal__append_batch(j, &m, batch.p, batch.len);
			if (!ret && ++records % 256 == 0)
				ret = journal__commit(j);
		}
	}
	if (!ret)
		ret = journal__close(j);
	else
		journal__close(j);
	pc_enc_free(&e);
	pc_sample_free(&s);
	pc_buf_free(&batch);
	procfs__close(pf);
	if (ret) {
		fprintf(stderr, "journal_day: %s\n", strerror(-ret));
		return 1;
	}
	printf("journal_day: %ld samples in %ld records written in %.1f s\n", n, records,
	       bench_now() - t0);
	return 0;
}
