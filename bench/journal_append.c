// SPDX-License-Identifier: MIT
/*
 * journal_append: journal append throughput on one core (figures, not a
 * pass/fail test). Payloads are real samples of this machine (procfs +
 * binary codec), encoded as the collector encodes a batch: a self-contained
 * stream, the first sample whole and the rest as deltas. Records are
 * committed in groups as the processor does (one fdatasync per group), and
 * once per record to show what grouping buys. Prints records/s, samples/s,
 * MB/s of payload, bytes per sample on disk, and the read-back rate.
 *   usage: journal_append [records (200000)] [group (256)] [samples per batch (10)]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pc/codec.h"
#include "pc/journal.h"
#include "pc/proc.h"
#include "pc/sample.h"

#include "bench_site.h"

#define NPAY 16

static long per_batch = 10;

/* CPU time of this process: the one-core figure, whatever else the machine runs. */
static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* NPAY encoded batches of per_batch samples of this machine, 5 ms apart. */
static int real_payloads(struct pc_buf *pay)
{
	struct procfs *pf = procfs__open(NULL, PROCFS_NO_SYSNET);
	struct pc_sample s;
	struct pc_enc e;
	int ret = 0;

	if (!pf)
		return -errno;
	pc_sample_init(&s);
	pc_enc_init(&e);
	for (long i = 0; i < NPAY * per_batch && !ret; i++) {
		struct pc_perr perr = {0};

		pc_sample_reset(&s);
		s.seq = (uint64_t)i;
		ret = procfs__read(pf, &s, &perr);
		if (i % per_batch == 0)
			pc_enc_reset(&e); /* every batch is a self-contained stream */
		if (!ret)
			ret = pc_enc_sample(&e, &s, &pay[i / per_batch]);
		usleep(5000);
	}
	pc_enc_free(&e);
	pc_sample_free(&s);
	procfs__close(pf);
	return ret;
}

static void run(const char *path, const struct pc_buf *pay, long n, long group, const char *what)
{
	struct journal_summary sum;
	struct journal *j;
	double t0, t1, t2, c1, c2;
	char err[256];
	size_t bytes = 0;
	struct stat st;

	unlink(path);
	t0 = bench_now();
	j = journal__open_append(path, &bench_site, NULL, err, sizeof(err));
	if (!j) {
		fprintf(stderr, "journal_append: %s\n", err);
		exit(1);
	}
	t1 = bench_now();
	c1 = cpu();
	for (long i = 0; i < n; i++) {
		const struct pc_buf *p = &pay[i % NPAY];
		struct journal_meta m = {.host = (uint32_t)(i % 256),
					 .run = 1,
					 .first_seq = (uint64_t)(i / 256 * per_batch),
					 .count = (uint32_t)per_batch,
					 .t_first = (uint64_t)i * 1000000,
					 .t_last = (uint64_t)i * 1000000};

		if (journal__append_batch(j, &m, p->p, p->len) ||
		    ((i + 1) % group == 0 && journal__commit(j))) {
			fprintf(stderr, "journal_append: append/commit failed\n");
			exit(1);
		}
		bytes += p->len;
	}
	journal__close(j);
	t2 = bench_now();
	c2 = cpu();
	stat(path, &st);
	printf("journal_append %-20s %7ld records %8.0f records/s %9.0f samples/s %6.1f MB/s "
	       "payload, %5.1f bytes/sample on disk (open+KDF %.0f ms)\n",
	       what, n, n / (t2 - t1), n * per_batch / (t2 - t1), bytes / (t2 - t1) / 1e6,
	       (double)(st.st_size - 256) / (double)(n * per_batch), (t1 - t0) * 1e3);
	printf("journal_append %-20s %7s per CPU-second: %8.0f records/s %9.0f samples/s %6.1f "
	       "MB/s\n",
	       what, "", n / (c2 - c1), n * per_batch / (c2 - c1), bytes / (c2 - c1) / 1e6);

	t0 = bench_now();
	j = journal__open(path, &bench_site, err, sizeof(err));
	t1 = bench_now();
	c1 = cpu();
	if (!j || journal__verify(j, &sum) || sum.records != (uint64_t)n || sum.damage) {
		fprintf(stderr, "journal_append: read-back failed: %s\n", j ? "damage" : err);
		exit(1);
	}
	t2 = bench_now();
	c2 = cpu();
	journal__close(j);
	printf("journal_read   %-20s %7ld records %8.0f records/s %9.0f samples/s %6.1f MB/s "
	       "payload\n",
	       what, n, n / (t2 - t1), n * per_batch / (t2 - t1), bytes / (t2 - t1) / 1e6);
	printf("journal_read   %-20s %7s per CPU-second: %8.0f records/s %9.0f samples/s\n", what,
	       "", n / (c2 - c1), n * per_batch / (c2 - c1));
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000, group = argc > 2 ? atol(argv[2]) : 256;
	struct pc_buf pay[NPAY] = {0};
	char dir[] = "/tmp/pcbench.XXXXXX", path[64], label[64];
	size_t raw = 0;
	int ret;

	if (argc > 3)
		per_batch = atol(argv[3]);
	if (n <= 0 || group <= 0 || per_batch <= 0 || per_batch > 10000) {
		fprintf(stderr, "usage: journal_append [records] [group] [samples per batch]\n");
		return 2;
	}
	ret = real_payloads(pay);
	if (ret) {
		fprintf(stderr, "journal_append: reading samples of this machine: %s\n",
			strerror(-ret));
		return 1;
	}
	for (int i = 0; i < NPAY; i++)
		raw += pay[i].len;
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/journal", dir);
	printf("journal_append payload: batches of %ld encoded samples of this host, %zu bytes on "
	       "average (%zu per sample)\n",
	       per_batch, raw / NPAY, raw / NPAY / (size_t)per_batch);
	snprintf(label, sizeof(label), "fsync/%ld records", group);
	run(path, pay, n, group, label);
	run(path, pay, n / 100 > 0 ? n / 100 : 1, 1, "fsync every record");
	unlink(path);
	rmdir(dir);
	for (int i = 0; i < NPAY; i++)
		pc_buf_free(&pay[i]);
	return 0;
}
