// SPDX-License-Identifier: MIT
/*
 * test_load_phase.c: where the CPU workers put each slice's busy part
 * (include/pc/load.h: load_phase, load_arc, load_cpu__slice), on simulated
 * time: the arc is the slice's busy time exactly, the phases spread it over
 * the slice so that a scheduler tick at any fixed rate samples the target's
 * share, the original START phase does not (the phase lock it replaces), and
 * the per-slice feedback still makes each interval's total exact.
 */
#include <math.h>
#include <stdlib.h>

#include "common/testutil.h"
#include "pc/load.h"

#define MS 1000000ull

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12, *x ^= *x << 25, *x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

/* 1 when offset t of the slice is inside the arc. */
static int busy_at(const struct load_arc *a, uint64_t t)
{
	return t < a->head_ns ||
	       (t >= a->tail_at_ns && t < a->tail_at_ns + a->busy_ns - a->head_ns);
}

static void test_arc_is_the_busy_time_inside_the_slice(void **state)
{
	uint64_t x = 12345;
	struct load_arc a;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint64_t len = 1 + rnd(&x) % (20 * MS), busy = rnd(&x) % (len + len / 4);
		load_arc__place(len, busy, rnd(&x), &a);
		uint64_t want = busy < len ? busy : len;
		assert_true(a.busy_ns == want);
		assert_true(a.head_ns <= a.tail_at_ns);
		assert_true(a.tail_at_ns + a.busy_ns - a.head_ns <= len); /* the tail ends inside */
	}
	load_arc__place(10 * MS, 4 * MS, 8 * MS, &a); /* wraps: 2 ms at the start, 2 at the end */
	assert_true(a.head_ns == 2 * MS && a.tail_at_ns == 8 * MS);
	load_arc__place(10 * MS, 10 * MS, 3 * MS, &a); /* a full slice: busy throughout */
	assert_true(a.head_ns == 10 * MS && busy_at(&a, 0) && busy_at(&a, 10 * MS - 1));
	load_arc__place(0, 5, 0, &a);
	assert_true(a.busy_ns == 0 && !busy_at(&a, 0));
}

/* Share of n slices busy at offset t, for a 3 ms arc in 10 ms slices. */
static double share_at(enum load_phase_mode mode, uint64_t t, int n)
{
	struct load_phase ph;
	struct load_arc a;
	int hits = 0;

	load_phase__init(&ph, mode, 0x5eed);
	for (int j = 0; j < n; j++) {
		load_arc__place(10 * MS, 3 * MS, load_phase__next(&ph, 10 * MS), &a);
		hits += busy_at(&a, t);
	}
	return (double)hits / n;
}

static void test_phases_cover_every_instant_of_the_slice(void **state)
{
	(void)state;
	for (uint64_t t = 0; t < 10 * MS; t += MS / 10) {
		/* Golden-ratio steps: within a few slices of 30 % at every instant of 2000. */
		assert_true(fabs(share_at(LOAD_PHASE_SPREAD, t, 2000) - 0.3) < 0.005);
		/* Independent offsets: binomial, sd 1 pp over 2000 slices; 5 sd. */
		assert_true(fabs(share_at(LOAD_PHASE_RANDOM, t, 2000) - 0.3) < 0.05);
	}
	/* The original way: busy the first 3 ms of every slice, never after. */
	assert_true(share_at(LOAD_PHASE_START, MS, 2000) == 1);
	assert_true(share_at(LOAD_PHASE_START, 5 * MS, 2000) == 0);
}

/*
 * What a 250 Hz tick reads over 1 s of 10 ms slices at pct, averaged over 40
 * tick phases: the mean absolute error in points.
 */
static double tick_mae(enum load_phase_mode mode, double pct)
{
	double sum = 0;

	for (int phase = 0; phase < 40; phase++) {
		struct load_phase ph;
		struct load_arc a;
		int busy = 0, ticks = 0;
		uint64_t tick = (uint64_t)phase * 4 * MS / 40;

		load_phase__init(&ph, mode, 77 + (uint64_t)phase);
		for (uint64_t s = 0; s < 1000 * MS; s += 10 * MS) {
			load_arc__place(10 * MS, (uint64_t)(10 * MS * pct / 100),
					load_phase__next(&ph, 10 * MS), &a);
			for (; tick < s + 10 * MS; tick += 4 * MS, ticks++)
				busy += busy_at(&a, tick - s);
		}
		sum += fabs(100.0 * busy / ticks - pct);
	}
	return sum / 40;
}

static void test_a_tick_reads_the_target(void **state)
{
	static const double pct[] = {5, 30, 55, 80};

	(void)state;
	for (size_t i = 0; i < sizeof(pct) / sizeof(*pct); i++) {
		double spread = tick_mae(LOAD_PHASE_SPREAD, pct[i]),
		       random = tick_mae(LOAD_PHASE_RANDOM, pct[i]),
		       start = tick_mae(LOAD_PHASE_START, pct[i]);
		print_message("%2.0f %%: tick MAE spread %.2f pp, random %.2f pp, start %.2f pp\n",
			      pct[i], spread, random, start);
		/*
		 * Independent draws at 250 ticks would give sqrt(2/pi) x sqrt(p(1-p)/250):
		 * 1.1-2.5 pp. Spread stays under 1 pp; random near the binomial figure.
		 */
		assert_true(spread < 1.0);
		assert_true(random < 3.0);
	}
	/* 30 % in 10 ms slices: the 4 ms tick hits the first 3 ms in 1 or 2 of every 5. */
	assert_true(tick_mae(LOAD_PHASE_START, 30) > 5);
}

/*
 * One second at 37 % in 100 slices on simulated time: the worker wakes up to
 * 300 us late, every busy part overshoots up to 30 us, one slice in eight
 * loses half its busy part to preemption, and the interval's first 150 ms
 * are missed entirely. The feedback makes it up: the interval's total is its
 * target within the last overshoot, and the arcs start all over the slice.
 */
static void test_feedback_keeps_the_interval_exact(void **state)
{
	const uint64_t beg = 1000 * MS, end = beg + 1000 * MS, want = 370 * MS;
	uint64_t x = 99, done = 0, late = 0, early = 0;
	struct load_phase ph;

	(void)state;
	load_phase__init(&ph, LOAD_PHASE_SPREAD, 4);
	for (int j = 1; j <= 100; j++) {
		uint64_t se = beg + (end - beg) * (uint64_t)j / 100, now = se - 10 * MS;
		struct load_arc a;
		now += rnd(&x) % (300000);
		if (now < beg + 150 * MS)
			continue; /* stalled: these slices never ran */
		load_cpu__slice(beg, se, now, 37, done, &ph, &a);
		uint64_t got = a.busy_ns;
		if (got && rnd(&x) % 8 == 0)
			got /= 2; /* preempted */
		else if (got)
			got += rnd(&x) % 30000; /* overshoot by up to one unit of work */
		done += got;
		if (a.busy_ns && a.busy_ns < se - now) { /* the arc's turn within the slice */
			late += a.tail_at_ns >= (se - now) / 2;
			early += a.tail_at_ns < (se - now) / 2;
		}
	}
	print_message("done %.3f ms of %.3f; arcs turned to the slice's first half %llu, "
		      "second half %llu\n",
		      (double)done / 1e6, (double)want / 1e6, (unsigned long long)early,
		      (unsigned long long)late);
	assert_true(done >= want - 1 && done < want + 30000);
	assert_true(early > 10 && late > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arc_is_the_busy_time_inside_the_slice),
	    cmocka_unit_test(test_phases_cover_every_instant_of_the_slice),
	    cmocka_unit_test(test_a_tick_reads_the_target),
	    cmocka_unit_test(test_feedback_keeps_the_interval_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
