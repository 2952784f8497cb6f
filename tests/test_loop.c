// SPDX-License-Identifier: MIT
/*
 * test_loop.c: perfcollectord's sampling loop (userspace/perfcollectord/
 * loop.c) with a fake sink: it stops after its count, counting missed
 * deadlines against it and marking them as a gap on the next sample; a
 * signal ends it after the sample being written, a sink that says "stopped"
 * before the next one; the loop run again at another interval ticks on that
 * interval's grid (server mode's interval change); a sink with no room
 * skips a tick; a write error ends it with status 1. Real /proc of this
 * machine, eBPF off, 10 ms ticks: the checks allow for missed deadlines on
 * a busy machine.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "common/testutil.h"
#include "../userspace/perfcollectord/loop.c"

#define MS   1000000ULL
#define MAXS 64

struct fake {
	volatile sig_atomic_t stop;
	unsigned writes, syncs, starts;
	uint64_t start_deadline;
	struct {
		uint64_t seq, time_ns, gap_count, missed;
		uint32_t run;
		int gap;
		enum pc_gap_reason reason;
	} s[MAXS];
	unsigned sleep_at; /* write sleeps sleep_ms at this sample (0: never) */
	unsigned sleep_ms;
	unsigned stop_at;    /* write sets stop at this many samples (0: never) */
	unsigned stopped_at; /* stopped() says yes from this many samples on (0: never) */
	int stopped_now;     /* stopped() says yes at once */
	unsigned full_tick;  /* full() says no room at this call (1-based; 0: never) */
	unsigned full_calls;
	unsigned fail_at; /* write fails at this sample (0: never) */
};

static int f_write(void *ctx, struct pc_sampler *sp, struct pc_sample *s)
{
	struct fake *f = ctx;
	unsigned i = f->writes;

	(void)sp;
	if (f->fail_at && i == f->fail_at)
		return -EIO;
	assert_true(i < MAXS);
	f->s[i].seq = s->seq;
	f->s[i].time_ns = s->time_ns;
	f->s[i].run = s->run;
	f->s[i].gap = !!(s->flags & PC_SF_GAP_BEFORE);
	f->s[i].reason = s->gap_reason;
	f->s[i].gap_count = s->gap_count;
	f->s[i].missed =
	    s->t[PC_G_SELF].nrows ? pc_table_row(&s->t[PC_G_SELF], 0)[PC_SELF_MISSED] : 0;
	f->writes++;
	if (f->sleep_at && i == f->sleep_at) {
		struct timespec ts = {0, (long)(f->sleep_ms * MS)};

		nanosleep(&ts, NULL);
	}
	if (f->stop_at && f->writes == f->stop_at)
		f->stop = 1;
	return 0;
}

static int f_sync(void *ctx)
{
	((struct fake *)ctx)->syncs++;
	return 0;
}

static void f_start(void *ctx, struct pc_sampler *sp, uint64_t deadline)
{
	struct fake *f = ctx;

	(void)sp;
	f->starts++;
	f->start_deadline = deadline;
}

static int f_stopped(void *ctx)
{
	struct fake *f = ctx;

	return f->stopped_now || (f->stopped_at && f->writes >= f->stopped_at);
}

static int f_full(void *ctx, struct pc_sampler *sp)
{
	struct fake *f = ctx;

	if (++f->full_calls != f->full_tick)
		return 0;
	sampler__gap(sp, 1, PC_GAP_SPOOL_FULL);
	return 1;
}

static struct cd_loop loop_of(struct fake *f, uint64_t interval_ms, uint64_t count)
{
	return (struct cd_loop){.sampler_flags = PC_SAMPLER_NO_BPF | PC_SAMPLER_QUIET,
				.host = 7,
				.run = 1,
				.interval_ns = interval_ms * MS,
				.count = count,
				.stop = &f->stop,
				.quiet = 1};
}

static struct cd_sink sink_of(struct fake *f)
{
	return (struct cd_sink){.write = f_write, .sync = f_sync, .start = f_start, .ctx = f};
}

/* Every sample follows its predecessor by 1 + the gap it carries, on the interval's grid. */
static uint64_t check_numbering(const struct fake *f, uint64_t interval_ms)
{
	uint64_t due = f->writes ? 1 + f->s[0].gap_count : 0;

	for (unsigned i = 1; i < f->writes; i++) {
		uint64_t step = 1 + (f->s[i].gap ? f->s[i].gap_count : 0);

		assert_int_equal(f->s[i].seq, f->s[i - 1].seq + step);
		assert_int_equal(f->s[i].time_ns % (interval_ms * MS), 0);
		if (i > 1)
			assert_int_equal(f->s[i].time_ns - f->s[i - 1].time_ns,
					 step * interval_ms * MS);
		due += step;
	}
	return due;
}

/*
 * The samples and the gaps they carry make the count, unless deadlines missed
 * after the last sample made it up: then the clock is past the one that
 * reached the count, count - due + 1 intervals after the last sample, or
 * half an interval less after sample 0 (tick 1 is the first multiple of the
 * interval at least half an interval after tick 0: pc/ticker.h).
 */
static void check_count(const struct fake *f, uint64_t interval_ms, uint64_t count)
{
	uint64_t due = check_numbering(f, interval_ms), now = pc_now_real();
	uint64_t iv = interval_ms * MS, last = f->s[f->writes - 1].time_ns;
	uint64_t past = last + (count - due + 1) * iv - (f->s[f->writes - 1].seq ? 0 : iv / 2);

	assert_true(due <= count);
	if (due < count && now < past)
		fail_msg("stopped after %llu of %llu samples", (unsigned long long)due,
			 (unsigned long long)count);
}

static void test_stops_after_its_count(void **state)
{
	struct fake f = {0};
	struct cd_loop l = loop_of(&f, 10, 6);
	struct cd_sink k = sink_of(&f);

	(void)state;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.starts, 1);
	assert_int_equal(f.s[0].seq, 0);
	assert_int_equal(f.s[0].time_ns, f.start_deadline);
	check_count(&f, 10, 6);
	assert_int_equal(f.syncs, 2); /* after sample 0, at the end */
}

/* The overrun gaps the samples carry add up to the deadlines the sampler counted missed. */
static void check_missed(const struct fake *f)
{
	uint64_t gaps = 0;

	for (unsigned i = 0; i < f->writes; i++)
		if (f->s[i].gap && f->s[i].reason == PC_GAP_OVERRUN)
			gaps += f->s[i].gap_count;
	assert_true(f->writes > 0);
	assert_int_equal(gaps, f->s[f->writes - 1].missed);
}

/*
 * 45 ms asleep in sample 1's write: the deadlines 2, 3 and 4 pass however
 * busy the machine (tick 5 comes at once, or later ones). With no count the
 * loop always gets to sample 2, which carries them as an overrun gap.
 */
static void test_missed_deadlines_are_a_gap(void **state)
{
	struct fake f = {.sleep_at = 1, .sleep_ms = 45, .stop_at = 3};
	struct cd_loop l = loop_of(&f, 10, 0);
	struct cd_sink k = sink_of(&f);

	(void)state;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.writes, 3);
	assert_true(f.s[2].gap);
	assert_int_equal(f.s[2].reason, PC_GAP_OVERRUN);
	assert_true(f.s[2].gap_count >= 3);
	assert_true(f.s[2].missed >= 3);
	check_numbering(&f, 10);
	check_missed(&f);
}

/*
 * The same sleep with a count of 10: the missed deadlines count against it,
 * so at most 7 samples are written. On a busy machine more deadlines pass
 * (even all the rest, before sample 1 or 2): check_count compares with the gaps
 * the samples carry and the clock, not with a schedule.
 */
static void test_missed_deadlines_count(void **state)
{
	struct fake f = {.sleep_at = 1, .sleep_ms = 45};
	struct cd_loop l = loop_of(&f, 10, 10);
	struct cd_sink k = sink_of(&f);

	(void)state;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_true(f.writes >= 1); /* sample 0 comes at once; the rest may all pass */
	check_count(&f, 10, 10);
	check_missed(&f);
	assert_true(f.writes <= 10 - 3);
}

static void test_signal_ends_it_after_the_sample(void **state)
{
	struct fake f = {.stop_at = 4};
	struct cd_loop l = loop_of(&f, 10, 0);
	struct cd_sink k = sink_of(&f);

	(void)state;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.writes, 4);
	assert_int_equal(f.syncs, 2);
	check_numbering(&f, 10);
}

/* Server mode's start, stop and interval change: the sink ends a run, the loop runs again. */
static void test_sink_ends_a_run_and_the_next_ticks_on_its_interval(void **state)
{
	struct fake f = {.stopped_at = 3};
	struct cd_loop l = loop_of(&f, 10, 0);
	struct cd_sink k = sink_of(&f);

	(void)state;
	k.stopped = f_stopped;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.writes, 3);
	check_numbering(&f, 10);

	f = (struct fake){.stopped_at = 4};
	l = loop_of(&f, 20, 0);
	l.run = 2;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.writes, 4);
	assert_int_equal(f.s[0].seq, 0);
	assert_int_equal(f.s[3].run, 2);
	check_numbering(&f, 20);

	f = (struct fake){.stopped_now = 1};
	l = loop_of(&f, 10, 0);
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.starts, 1);
	assert_int_equal(f.writes, 0);
}

static void test_no_room_skips_a_tick(void **state)
{
	struct fake f = {.stop_at = 4, .full_tick = 2};
	struct cd_loop l = loop_of(&f, 10, 0);
	struct cd_sink k = sink_of(&f);

	(void)state;
	k.full = f_full;
	assert_int_equal(cd_loop(&l, &k), 0);
	assert_int_equal(f.writes, 4);
	assert_true(f.s[1].gap);
	assert_true(f.s[1].gap_count >= 1);
	check_numbering(&f, 10);
}

static void test_write_error_ends_it_with_status_1(void **state)
{
	struct fake f = {.fail_at = 2};
	struct cd_loop l = loop_of(&f, 10, 0);
	struct cd_sink k = sink_of(&f);

	(void)state;
	assert_int_equal(cd_loop(&l, &k), 1);
	assert_int_equal(f.writes, 2);
	assert_int_equal(f.syncs, 1); /* sample 0's only: no sync after a failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stops_after_its_count),
	    cmocka_unit_test(test_missed_deadlines_are_a_gap),
	    cmocka_unit_test(test_missed_deadlines_count),
	    cmocka_unit_test(test_signal_ends_it_after_the_sample),
	    cmocka_unit_test(test_sink_ends_a_run_and_the_next_ticks_on_its_interval),
	    cmocka_unit_test(test_no_room_skips_a_tick),
	    cmocka_unit_test(test_write_error_ends_it_with_status_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
