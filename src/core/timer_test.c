/* SPDX-License-Identifier: MIT */
/*
 * timer_test.c - the timing wheel: exact expiry at every level, the next
 * expiry as a lower bound, long jumps, and callbacks that re-arm, arm and
 * delete timers. Every timer's expiry is also kept in a record of our own,
 * which the brute-force checks compare the wheel against.
 */
#include <time.h>
#include "test.h"
#include "core/timer.h"

struct rec {
	struct timer_list	timer;
	uint64_t		expires;	/* our copy */
	bool			armed;
	unsigned int		fired;
	uint64_t		fired_now;	/* @now of the run that fired it */
	uint64_t		fired_expires;
	/* what the callback does besides recording */
	struct rec		*del;		/* del_timer() this one */
	int			del_ret;
	struct rec		*arm;		/* mod_timer() this one ... */
	uint64_t		arm_at;		/* ... for this jiffy */
	unsigned int		rearm_left;	/* re-arm itself period later */
	uint64_t		period;
};

static uint64_t cur_now;	/* @now of the run_timers() in progress */
static uint64_t prev_now;	/* @now of the run before it */
static unsigned int kicks;
static unsigned int fired_total;	/* callbacks run, all timers */

/* xorshift64*, fixed seed: the same timers every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static void arm(struct rec *r, uint64_t expires)
{
	int was = r->armed;

	r->expires = expires;
	r->armed = true;
	EXPECT_EQ(mod_timer(&r->timer, expires), was);
}

static void disarm(struct rec *r)
{
	EXPECT_EQ(del_timer(&r->timer), r->armed);
	r->armed = false;
}

static void rec_fire(struct timer_list *t)
{
	struct rec *r = container_of(t, struct rec, timer);

	EXPECT_TRUE(r->armed);
	EXPECT_TRUE(!timer_pending(t));
	EXPECT_TRUE(r->expires <= cur_now);	/* never early */
	r->armed = false;
	r->fired++;
	fired_total++;
	r->fired_now = cur_now;
	r->fired_expires = t->expires;
	if (r->del) {
		r->del_ret = del_timer(&r->del->timer);
		EXPECT_EQ(r->del_ret, r->del->armed);
		r->del->armed = false;
	}
	if (r->arm)
		arm(r->arm, r->arm_at);
	if (r->rearm_left) {
		r->rearm_left--;
		arm(r, t->expires + r->period);
	}
}

static void recs_init(struct rec *r, size_t n, struct timer_base *base)
{
	memset(r, 0, n * sizeof(*r));
	for (size_t i = 0; i < n; i++)
		timer_setup(&r[i].timer, base, rec_fire);
}

static unsigned int run(struct timer_base *base, uint64_t now)
{
	unsigned int ran;

	cur_now = now;
	ran = run_timers(base, now);
	prev_now = now;
	return ran;
}

static uint64_t brute_min(const struct rec *r, size_t n, unsigned int *armed)
{
	uint64_t min = TIMER_NEVER;

	*armed = 0;
	for (size_t i = 0; i < n; i++) {
		if (!r[i].armed)
			continue;
		(*armed)++;
		if (r[i].expires < min)
			min = r[i].expires;
	}
	return min;
}

/*
 * The wheel agrees with the records: same count, the next expiry no later
 * than the earliest and, right after run(@now), nothing due by @now left.
 */
static bool wheel_consistent(const struct timer_base *base, const struct rec *r,
			     size_t n, bool after_run, uint64_t now)
{
	unsigned int armed;
	uint64_t min = brute_min(r, n, &armed);
	uint64_t next = timer_next_expiry(base);

	if (base->count != armed || next > min || (after_run && min <= now)) {
		TEST_FAIL_AT("count %u armed %u next %" PRIu64 " min %" PRIu64
			     " now %" PRIu64, base->count, armed, next, min, now);
		return false;
	}
	return true;
}

TEST(single_timer_fires_at_its_jiffy)
{
	static struct timer_base base;
	struct rec r;

	timer_base_init(&base, 0);
	recs_init(&r, 1, &base);
	EXPECT_EQ(timer_next_expiry(&base), TIMER_NEVER);
	arm(&r, 100);
	EXPECT_TRUE(timer_pending(&r.timer));
	EXPECT_EQ(base.count, 1);
	EXPECT_EQ(timer_next_expiry(&base), 64);	/* level 1's cascade */
	EXPECT_EQ(run(&base, 64), 0);
	EXPECT_EQ(timer_next_expiry(&base), 100);
	EXPECT_EQ(run(&base, 99), 0);
	EXPECT_EQ(r.fired, 0);
	EXPECT_EQ(run(&base, 100), 1);
	EXPECT_EQ(r.fired, 1);
	EXPECT_EQ(r.fired_now, 100);
	EXPECT_EQ(base.count, 0);
	EXPECT_EQ(timer_next_expiry(&base), TIMER_NEVER);
	EXPECT_EQ(run(&base, 100000), 0);
}

/* Around every level boundary, from an unaligned clock. */
TEST(level_boundaries_fire_exactly)
{
	static struct timer_base base;
	static const uint64_t start = 1000003;
	struct rec r;
	uint64_t delta[40], next;
	size_t n = 0;

	for (unsigned int lvl = 1; lvl <= TIMER_LVL_DEPTH; lvl++) {
		uint64_t b = 1ULL << (lvl * TIMER_LVL_BITS);

		delta[n++] = b - 1;
		delta[n++] = b;
		delta[n++] = b + 1;
		delta[n++] = b + 12345 % b;
	}
	delta[n++] = 0;
	delta[n++] = 1;
	for (size_t i = 0; i < n; i++) {
		uint64_t exp = start + delta[i];

		/* stepping at the times timer_next_expiry() names */
		timer_base_init(&base, start);
		recs_init(&r, 1, &base);
		arm(&r, exp);
		for (unsigned int steps = 0; !r.fired && steps < 1000; steps++) {
			next = timer_next_expiry(&base);
			EXPECT_TRUE(next <= exp);
			run(&base, next);
		}
		EXPECT_EQ(r.fired, 1);
		EXPECT_EQ(r.fired_now, exp);

		/* one jump to just before, one to the jiffy */
		timer_base_init(&base, start);
		recs_init(&r, 1, &base);
		arm(&r, exp);
		if (exp > start)
			EXPECT_EQ(run(&base, exp - 1), 0);
		EXPECT_EQ(run(&base, exp), 1);
		EXPECT_EQ(r.fired_now, exp);
		EXPECT_EQ(base.count, 0);
	}
}

/* Level 2, then level 1, then the exact jiffy in level 0. */
TEST(next_expiry_names_cascade_points)
{
	static struct timer_base base;
	struct rec r;

	timer_base_init(&base, 0);
	recs_init(&r, 1, &base);
	arm(&r, 100000);
	EXPECT_EQ(timer_next_expiry(&base), 98304);	/* 24 * 4096 */
	EXPECT_EQ(run(&base, 98304), 0);
	EXPECT_EQ(timer_next_expiry(&base), 99968);	/* 1562 * 64 */
	EXPECT_EQ(run(&base, 99968), 0);
	EXPECT_EQ(timer_next_expiry(&base), 100000);
	EXPECT_EQ(run(&base, 100000), 1);
	EXPECT_EQ(timer_next_expiry(&base), TIMER_NEVER);
}

#define NRAND	10000

static void random_at_next_expiry(uint64_t start)
{
	static struct timer_base base;
	static struct rec r[NRAND];
	unsigned int ran, before, steps = 0;
	uint64_t next;

	timer_base_init(&base, start);
	recs_init(r, NRAND, &base);
	for (size_t i = 0; i < NRAND; i++)
		arm(&r[i], start + rnd() % (1u << 24));
	if (!wheel_consistent(&base, r, NRAND, false, 0))
		return;
	while ((next = timer_next_expiry(&base)) != TIMER_NEVER) {
		if (steps++ > 8 * NRAND) {
			TEST_FAIL_AT("%u steps", steps);
			return;
		}
		before = fired_total;
		ran = run(&base, next);
		EXPECT_EQ(ran, fired_total - before);
		if (!wheel_consistent(&base, r, NRAND, true, next))
			return;
	}
	for (size_t i = 0; i < NRAND; i++) {
		if (r[i].fired != 1 || r[i].fired_now != r[i].expires) {
			TEST_FAIL_AT("timer %zu due %" PRIu64 " fired %u at %" PRIu64,
				     i, r[i].expires, r[i].fired, r[i].fired_now);
			return;
		}
	}
	EXPECT_EQ(base.count, 0);
}

TEST(random_timers_fire_exactly_at_next_expiry)
{
	random_at_next_expiry(0);
	random_at_next_expiry(123456789012ULL);
}

/* Each timer fires at the first run whose @now reaches it, never before. */
TEST(random_timers_with_big_jumps)
{
	static struct timer_base base;
	static struct rec r[NRAND];
	uint64_t now = 77;

	timer_base_init(&base, now);
	recs_init(r, NRAND, &base);
	for (size_t i = 0; i < NRAND; i++)
		arm(&r[i], now + rnd() % (1u << 24));
	while (base.count) {
		now += 1 + rnd() % (1u << (rnd() % 21));
		run(&base, now);
		if (!wheel_consistent(&base, r, NRAND, true, now))
			return;
	}
	for (size_t i = 0; i < NRAND; i++) {
		if (r[i].fired != 1 || r[i].fired_now < r[i].expires) {
			TEST_FAIL_AT("timer %zu fired %u", i, r[i].fired);
			return;
		}
	}
}

static uint64_t random_expiry(uint64_t now)
{
	switch (rnd() % 8) {
	case 0:
		return now - rnd() % (now < 100 ? now + 1 : 100);	/* late */
	case 1:
		return now + 1 + rnd() % 64;
	case 2:
		return now + rnd() % 5000;
	case 3:
		return now + rnd() % (1ULL << 30);
	case 4:
		return now + (1ULL << 42) + rnd() % (1ULL << 44);	/* past the wheel */
	default:
		return now + rnd() % (1u << 16);
	}
}

/* Arms, re-arms, deletes and runs at random, checking after every step. */
TEST(random_operations_keep_the_wheel_consistent)
{
	static struct timer_base base;
	static struct rec r[1000];
	uint64_t now = 5000, next;

	timer_base_init(&base, now);
	recs_init(r, 1000, &base);
	for (unsigned int op = 0; op < 200000; op++) {
		struct rec *p = &r[rnd() % 1000];
		unsigned int kind = rnd() % 10;

		if (kind < 5) {
			arm(p, random_expiry(now));
		} else if (kind < 6) {
			disarm(p);
		} else if (kind < 7) {
			run(&base, now);		/* again at the same jiffy */
		} else if (kind < 9) {
			next = timer_next_expiry(&base);
			if (next != TIMER_NEVER && next > now)
				now = next;
			run(&base, now);
		} else {
			now += rnd() % 3000;
			run(&base, now);
		}
		if (!wheel_consistent(&base, r, 1000, kind >= 6, now))
			return;
	}
	for (size_t i = 0; i < 1000; i++)
		disarm(&r[i]);
	EXPECT_EQ(base.count, 0);
	EXPECT_EQ(timer_next_expiry(&base), TIMER_NEVER);
}

TEST(rearm_from_callback)
{
	static struct timer_base base;
	struct rec r;
	uint64_t next;

	timer_base_init(&base, 0);
	recs_init(&r, 1, &base);
	r.period = 10;
	r.rearm_left = 4;
	arm(&r, 10);
	while ((next = timer_next_expiry(&base)) != TIMER_NEVER) {
		EXPECT_EQ(next % 10, 0);
		EXPECT_EQ(run(&base, next), 1);
		EXPECT_EQ(r.fired_now, next);
	}
	EXPECT_EQ(r.fired, 5);
	EXPECT_EQ(r.fired_expires, 50);

	/* Re-armed for jiffies the run has reached: all in the same call. */
	timer_base_init(&base, 0);
	recs_init(&r, 1, &base);
	r.period = 1;
	r.rearm_left = 999;
	arm(&r, 1);
	EXPECT_EQ(run(&base, 100000), 1000);
	EXPECT_EQ(r.fired_expires, 1000);
	EXPECT_EQ(base.count, 0);

	/* Re-armed beyond the run's @now: waits. */
	timer_base_init(&base, 0);
	recs_init(&r, 1, &base);
	r.period = 100;
	r.rearm_left = 1;
	arm(&r, 100);
	EXPECT_EQ(run(&base, 150), 1);
	EXPECT_TRUE(timer_pending(&r.timer));
	EXPECT_TRUE(timer_next_expiry(&base) <= 200);
	EXPECT_EQ(run(&base, 199), 0);
	EXPECT_EQ(run(&base, 200), 1);
	EXPECT_EQ(base.count, 0);
}

TEST(callback_deletes_and_arms_others)
{
	static struct timer_base base;
	struct rec r[6];
	enum { A, B, C, D, E, F };

	/* Same jiffy, each deletes the other: exactly one runs. */
	timer_base_init(&base, 0);
	recs_init(r, 6, &base);
	r[A].del = &r[B];
	r[B].del = &r[A];
	arm(&r[A], 100);
	arm(&r[B], 100);
	EXPECT_EQ(run(&base, 100), 1);
	EXPECT_EQ(r[A].fired + r[B].fired, 1);
	EXPECT_EQ(r[A].del_ret + r[B].del_ret, 1);
	EXPECT_EQ(base.count, 0);

	/* Deletes a far one (level 2); arms one late, one due, one later. */
	timer_base_init(&base, 0);
	recs_init(r, 6, &base);
	r[A].del = &r[C];
	r[A].arm = &r[D];
	r[A].arm_at = 50;
	r[D].arm = &r[E];
	r[D].arm_at = 120;
	r[E].arm = &r[F];
	r[E].arm_at = 150;
	arm(&r[A], 100);
	arm(&r[C], 5000);
	EXPECT_EQ(run(&base, 120), 3);		/* A, then D late, then E */
	EXPECT_EQ(r[A].del_ret, 1);
	EXPECT_EQ(r[C].fired, 0);
	EXPECT_TRUE(!timer_pending(&r[C].timer));
	EXPECT_EQ(r[D].fired, 1);
	EXPECT_EQ(r[E].fired, 1);
	EXPECT_EQ(r[F].fired, 0);
	EXPECT_EQ(timer_next_expiry(&base), 150);
	EXPECT_EQ(run(&base, 10000), 1);
	EXPECT_EQ(r[F].fired_now, 10000);
	EXPECT_EQ(r[C].fired, 0);
	EXPECT_EQ(base.count, 0);
}

TEST(mod_timer_moves_a_pending_timer)
{
	static struct timer_base base;
	struct rec r;

	timer_base_init(&base, 0);
	recs_init(&r, 1, &base);
	EXPECT_EQ(mod_timer(&r.timer, 100), 0);
	r.armed = true;
	arm(&r, 200);				/* later: returns 1 */
	EXPECT_EQ(base.count, 1);
	EXPECT_EQ(run(&base, 150), 0);
	EXPECT_EQ(run(&base, 199), 0);
	EXPECT_EQ(run(&base, 200), 1);

	arm(&r, 300000);			/* level 3 ... */
	arm(&r, 210);				/* ... moved into level 0 */
	EXPECT_EQ(base.count, 1);
	EXPECT_EQ(timer_next_expiry(&base), 210);
	EXPECT_EQ(run(&base, 209), 0);
	EXPECT_EQ(run(&base, 210), 1);
	EXPECT_EQ(run(&base, 400000), 0);

	arm(&r, 400100);
	disarm(&r);				/* returns 1 */
	disarm(&r);				/* returns 0 */
	EXPECT_EQ(base.count, 0);
	EXPECT_EQ(timer_next_expiry(&base), TIMER_NEVER);
	for (unsigned int lvl = 0; lvl < TIMER_LVL_DEPTH; lvl++)
		EXPECT_EQ(base.pending_map[lvl], 0);
}

TEST(late_timers_fire_at_the_next_run)
{
	static struct timer_base base;
	struct rec r[4];

	timer_base_init(&base, 0);
	recs_init(r, 4, &base);
	arm(&r[0], 0);
	EXPECT_EQ(run(&base, 0), 1);

	EXPECT_EQ(run(&base, 1000), 0);		/* clk is now 1001 */
	arm(&r[0], 500);
	arm(&r[1], 1000);
	arm(&r[2], 1001);
	EXPECT_EQ(timer_next_expiry(&base), 500);
	EXPECT_EQ(run(&base, 1000), 2);		/* the same jiffy again */
	EXPECT_EQ(r[0].fired, 2);
	EXPECT_EQ(r[1].fired, 1);
	EXPECT_EQ(r[2].fired, 0);
	EXPECT_EQ(run(&base, 1000), 0);
	EXPECT_EQ(timer_next_expiry(&base), 1001);
	EXPECT_EQ(run(&base, 1001), 1);
	EXPECT_EQ(r[2].fired, 1);

	arm(&r[3], 3);				/* late, next run far ahead */
	EXPECT_EQ(timer_next_expiry(&base), 3);
	EXPECT_EQ(run(&base, 5000000), 1);
	EXPECT_EQ(r[3].fired, 1);
	EXPECT_EQ(base.count, 0);
}

static double mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Cost follows the timers, not the jiffies crossed. */
TEST(huge_jump_is_bounded)
{
	static struct timer_base base;
	static const uint64_t T = 1000000000000ULL;	/* 10^12 */
	struct rec r[7];
	unsigned int steps = 0;
	uint64_t next;
	double t0 = mono_seconds();

	timer_base_init(&base, 0);
	recs_init(r, 7, &base);
	arm(&r[0], 5);
	arm(&r[1], 1000000);
	arm(&r[2], T - 1);
	arm(&r[3], T + 1);
	arm(&r[4], (1ULL << 43) + 7);		/* past the wheel's span */
	arm(&r[5], TIMER_NEVER);
	arm(&r[6], T);
	EXPECT_EQ(run(&base, T), 4);
	EXPECT_EQ(r[6].fired_now, T);
	EXPECT_EQ(base.count, 3);
	EXPECT_TRUE(timer_next_expiry(&base) <= T + 1);
	EXPECT_EQ(run(&base, T + 1), 1);

	/* Beyond the span: filed again at each cascade, exact in the end. */
	while (!r[4].fired && steps++ < 100) {
		next = timer_next_expiry(&base);
		EXPECT_TRUE(next <= r[4].expires);
		run(&base, next);
	}
	EXPECT_EQ(r[4].fired, 1);
	EXPECT_EQ(r[4].fired_now, (1ULL << 43) + 7);
	EXPECT_TRUE(steps < 100);

	EXPECT_EQ(run(&base, 1ULL << 50), 0);	/* TIMER_NEVER never fires */
	EXPECT_EQ(r[5].fired, 0);
	EXPECT_TRUE(timer_next_expiry(&base) != TIMER_NEVER);
	disarm(&r[5]);
	EXPECT_EQ(base.count, 0);
	EXPECT_TRUE(mono_seconds() - t0 < 2.0);
}

static uint64_t next_at_kick;

static void count_kick(struct timer_base *base)
{
	kicks++;
	next_at_kick = timer_next_expiry(base);	/* already inserted */
}

TEST(kick_only_when_arming_before_sleep_until)
{
	static struct timer_base base;
	struct rec r[4];

	timer_base_init(&base, 0);
	recs_init(r, 4, &base);
	EXPECT_EQ(atomic_load(&base.sleep_until), TIMER_NEVER);
	arm(&r[0], 10);				/* no kick function: fine */
	disarm(&r[0]);

	base.kick = count_kick;
	kicks = 0;
	atomic_store(&base.sleep_until, 1000);
	arm(&r[0], 2000);
	arm(&r[1], 1001);
	EXPECT_EQ(kicks, 0);
	/* The deadline's own jiffy kicks: the thread may wake late within it. */
	arm(&r[2], 1000);
	EXPECT_EQ(kicks, 1);
	EXPECT_TRUE(next_at_kick <= 1000);	/* 960: a level 1 cascade */
	arm(&r[0], 5);				/* a pending one, moved earlier */
	EXPECT_EQ(kicks, 2);
	EXPECT_EQ(next_at_kick, 5);
	disarm(&r[0]);
	EXPECT_EQ(kicks, 2);

	atomic_store(&base.sleep_until, 0);	/* the owner is awake */
	arm(&r[3], 1);
	EXPECT_EQ(kicks, 2);

	atomic_store(&base.sleep_until, TIMER_NEVER);	/* asleep, no deadline */
	arm(&r[3], 1ULL << 40);
	EXPECT_EQ(kicks, 3);
	for (int i = 0; i < 4; i++)
		disarm(&r[i]);
	EXPECT_EQ(base.count, 0);
}

/* Many timers on one jiffy, some deleted: all others in one run. */
TEST(same_jiffy_and_count_back_to_zero)
{
	static struct timer_base base;
	static struct rec r[500];

	timer_base_init(&base, 42);
	recs_init(r, 500, &base);
	for (int i = 0; i < 500; i++)
		arm(&r[i], 42 + 64 * 64 + 3);
	EXPECT_EQ(base.count, 500);
	for (int i = 0; i < 500; i += 3)
		disarm(&r[i]);
	EXPECT_EQ(run(&base, 42 + 64 * 64 + 2), 0);
	EXPECT_EQ(run(&base, 42 + 64 * 64 + 3), 500 - 167);
	EXPECT_EQ(base.count, 0);
	EXPECT_EQ(timer_next_expiry(&base), TIMER_NEVER);
	for (unsigned int lvl = 0; lvl < TIMER_LVL_DEPTH; lvl++)
		EXPECT_EQ(base.pending_map[lvl], 0);
}
