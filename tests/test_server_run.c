// SPDX-License-Identifier: MIT
/*
 * test_server_run.c: server mode's sampling thread (userspace/perfcollectord/
 * server_run.c over loop.c) with a real spool and no SSH: a run started,
 * stopped and started again at another interval puts batches of each run
 * into the spool on that run's interval; a collector that stops during a
 * run and comes back (the run's state resumed) goes on with the run's batch
 * and sample numbers, the samples it could not take left as a hole in the
 * numbering. Real /proc of this machine, eBPF off.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "common/testutil.h"
#include "../userspace/perfcollectord/loop.c"
#include "../userspace/perfcollectord/server_run.c"

#define MS 1000000ULL

volatile sig_atomic_t cd_stop;

static void on_usr1(int sig)
{
	(void)sig;
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * (long)MS};

	nanosleep(&ts, NULL);
}

/* Wait (at most 10 s) for the run to have taken n samples. */
static void wait_samples(struct srv *S, uint64_t n)
{
	for (int i = 0; i < 1000; i++) {
		uint64_t have;

		pthread_mutex_lock(&S->mu);
		have = S->samples;
		pthread_mutex_unlock(&S->mu);
		if (have >= n)
			return;
		nap_ms(10);
	}
	fail_msg("the run took fewer than %llu samples in 10 s", (unsigned long long)n);
}

static void start_thread(struct srv *S)
{
	cd_stop = 0;
	assert_int_equal(pthread_create(&S->sampler, NULL, srv_sampler_main, S), 0);
}

/* The collector stops: the thread seals its batch and ends; the run state stays. */
static void stop_thread(struct srv *S)
{
	cd_stop = 1;
	srv_wake_sampler(S);
	pthread_join(S->sampler, NULL);
}

static void start_run(struct srv *S, uint64_t interval_ms)
{
	struct pc_buf out = {0};

	assert_int_equal(srv_start(S, interval_ms * MS, "", &out), 0);
	pc_buf_free(&out);
}

static void stop_run(struct srv *S)
{
	struct pc_buf out = {0};

	assert_int_equal(srv_stop(S, &out), 0);
	pc_buf_free(&out);
}

struct fixture {
	char *dir;
	struct cd_opts o;
	struct srv S;
};

static int setup(void **state)
{
	static struct fixture f;
	struct sigaction sa;

	memset(&f, 0, sizeof(f));
	f.dir = tu_tmpdir();
	f.o.sampler_flags = PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET;
	f.o.spool_file = 64 << 20;
	f.o.batch_ns = 50 * MS;
	f.S.o = &f.o;
	f.S.host = 3;
	pthread_mutex_init(&f.S.mu, NULL);
	pthread_cond_init(&f.S.cv, NULL);
	snprintf(f.S.statepath, sizeof(f.S.statepath), "%s/state", f.dir);
	f.S.spool = spool__open(f.dir, 1 << 20, f.o.spool_file);
	assert_non_null(f.S.spool);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART, as server.c: cuts the tick's sleep short */
	sigaction(SIGUSR1, &sa, NULL);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	spool__close(f->S.spool);
	pthread_mutex_destroy(&f->S.mu);
	pthread_cond_destroy(&f->S.cv);
	tu_rmtree(f->dir);
	free(f->dir);
	return 0;
}

/* What the spool holds of one run. */
struct seen {
	unsigned batches, samples;
	uint64_t last_seq;
	unsigned restart_gaps; /* samples carrying a PC_GAP_RESTART gap */
};

/*
 * Every sample of run in the spool, in order: batches numbered on, samples
 * numbered on (a gap keeps its numbers), each after the first of a loop on
 * the run's interval's grid and as many intervals after its predecessor.
 */
static struct seen check_run(struct spool *sp, uint32_t run, uint64_t interval_ms)
{
	uint64_t iv = interval_ms * MS, bseq = 0, prev_seq = 0, prev_ns = 0;
	struct seen w = {0};
	struct spool_batch b;
	struct pc_sample s;
	struct pc_dec d;

	pc_sample_init(&s);
	pc_dec_init(&d);
	spool__rewind(sp);
	while (spool__next(sp, &b) == 1) {
		if (b.run != run)
			continue;
		assert_int_equal(b.host, 3);
		if (w.batches)
			assert_int_equal(b.bseq, bseq + 1);
		bseq = b.bseq;
		w.batches++;
		pc_dec_reset(&d);
		for (size_t off = 0; off < b.len;) {
			long n = pc_dec_sample(&d, b.data + off, b.len - off, &s);
			uint64_t step = 1 + (s.flags & PC_SF_GAP_BEFORE ? s.gap_count : 0);

			int restart;

			assert_true(n > 0);
			off += (size_t)n;
			restart = s.flags & PC_SF_GAP_BEFORE && s.gap_reason == PC_GAP_RESTART;
			w.restart_gaps += restart;
			if (w.samples) {
				assert_int_equal(s.seq, prev_seq + step);
				/* sample 0 of a loop (a resumed one too) is taken at once, the
				 * others on the grid */
				if (prev_ns % iv == 0 && !restart) {
					assert_int_equal(s.time_ns % iv, 0);
					assert_int_equal(s.time_ns - prev_ns, step * iv);
				}
			}
			prev_seq = s.seq;
			prev_ns = s.time_ns;
			w.samples++;
		}
		/* a gap begins a new batch: its samples are numbered without a hole */
		assert_int_equal(b.first_seq + b.nsamples - 1, prev_seq);
	}
	w.last_seq = prev_seq;
	pc_dec_free(&d);
	pc_sample_free(&s);
	return w;
}

static void test_stop_and_start_at_another_interval(void **state)
{
	struct fixture *f = *state;
	struct seen w;

	start_thread(&f->S);
	start_run(&f->S, 20);
	wait_samples(&f->S, 6);
	stop_run(&f->S);
	start_run(&f->S, 50);
	wait_samples(&f->S, 4);
	stop_run(&f->S);
	stop_thread(&f->S);
	w = check_run(f->S.spool, 1, 20);
	assert_true(w.samples >= 6);
	w = check_run(f->S.spool, 2, 50);
	assert_true(w.samples >= 4);
	assert_int_equal(w.restart_gaps, 0);
}

static void test_restart_goes_on_with_the_numbers(void **state)
{
	struct fixture *f = *state;
	struct seen before, after;

	start_thread(&f->S);
	start_run(&f->S, 20);
	wait_samples(&f->S, 5);
	stop_thread(&f->S); /* the collector stops; run 1 is still on */
	before = check_run(f->S.spool, 1, 20);
	nap_ms(100); /* ~5 deadlines it cannot take */
	pthread_mutex_lock(&f->S.mu);
	f->S.resume = 1; /* as srv_state_load finds it */
	f->S.samples = 0;
	pthread_mutex_unlock(&f->S.mu);
	start_thread(&f->S);
	wait_samples(&f->S, 3);
	stop_run(&f->S);
	stop_thread(&f->S);
	after = check_run(f->S.spool, 1, 20);
	assert_true(after.batches > before.batches);
	assert_true(after.samples >= before.samples + 3);
	assert_int_equal(after.restart_gaps, 1);
	/* the deadlines missed while stopped keep their numbers */
	assert_true(after.last_seq >= before.last_seq + 3 + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_stop_and_start_at_another_interval, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_restart_goes_on_with_the_numbers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
