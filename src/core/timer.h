/* SPDX-License-Identifier: MIT */
/*
 * timer.h - timers on a hierarchical timing wheel, one wheel per namespace.
 *
 * Time is counted in jiffies of 1 ms (HZ = 1000): the namespace clock in
 * nanoseconds divided by NSEC_PER_JIFFY. A timer fires on the first
 * run_timers() whose @now is at or after its expiry, never before and,
 * when the owner steps the wheel at the time timer_next_expiry() named,
 * never later than that jiffy.
 *
 * Layout: TIMER_LVL_DEPTH levels of TIMER_LVL_SIZE slots. Level 0 holds
 * timers due within the next TIMER_LVL_SIZE jiffies, one slot per jiffy;
 * level n holds timers by 64^n-jiffy granules and cascades them down into
 * finer levels as their time approaches (the classic cascading wheel), so
 * expiry is exact to the jiffy. A per-level bitmap of occupied slots lets
 * timer_next_expiry() answer without walking every slot.
 *
 * Callbacks run from run_timers() with the namespace lock held (softirq
 * context). A callback may re-arm its own timer or arm or delete others.
 */
#ifndef USN_CORE_TIMER_H
#define USN_CORE_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"

#define HZ			1000
#define NSEC_PER_SEC		1000000000ULL
#define NSEC_PER_JIFFY		(NSEC_PER_SEC / HZ)
#define TIMER_LVL_BITS		6
#define TIMER_LVL_SIZE		(1u << TIMER_LVL_BITS)
#define TIMER_LVL_DEPTH		7	/* 42 bits of jiffies: ~139 years */
#define TIMER_NEVER		UINT64_MAX

struct timer_base;

struct timer_list {
	struct hlist_node	entry;
	uint64_t		expires;	/* jiffies */
	void			(*function)(struct timer_list *t);
	struct timer_base	*base;
};

struct timer_base {
	uint64_t		clk;	/* next jiffy to process */
	unsigned int		count;	/* pending timers */
	uint64_t		pending_map[TIMER_LVL_DEPTH];
	struct hlist_head	vectors[TIMER_LVL_DEPTH][TIMER_LVL_SIZE];
	/*
	 * Called (with the namespace lock held) when a timer is armed to
	 * expire at or before the jiffy @sleep_until: the owner's stack thread
	 * sleeps until then (within that jiffy) and must wake up earlier.
	 * sleep_until is written by that thread: 0 while it is awake.
	 */
	void			(*kick)(struct timer_base *base);
	_Atomic uint64_t	sleep_until;
};

static inline uint64_t ns_to_jiffies(uint64_t ns)
{
	return ns / NSEC_PER_JIFFY;
}

/* Rounds up, so a timeout never ends early. */
static inline uint64_t ns_to_jiffies_up(uint64_t ns)
{
	return (ns + NSEC_PER_JIFFY - 1) / NSEC_PER_JIFFY;
}

static inline uint64_t jiffies_to_ns(uint64_t j)
{
	return j * NSEC_PER_JIFFY;
}

void timer_base_init(struct timer_base *base, uint64_t now_jiffies);
void timer_setup(struct timer_list *t, struct timer_base *base,
		 void (*function)(struct timer_list *t));
/* Arms (or re-arms) @t for @expires; returns 1 if it was pending, else 0. */
int mod_timer(struct timer_list *t, uint64_t expires);
/* Disarms @t; returns 1 if it was pending, else 0. */
int del_timer(struct timer_list *t);

static inline bool timer_pending(const struct timer_list *t)
{
	return !hlist_unhashed(&t->entry);
}

/* Runs every timer due at or before @now; returns how many ran. */
unsigned int run_timers(struct timer_base *base, uint64_t now);
/*
 * The earliest jiffy at which run_timers() may have work: exact for timers
 * in level 0, the next cascade point for timers further out (never later
 * than the true expiry). TIMER_NEVER when nothing is pending.
 */
uint64_t timer_next_expiry(const struct timer_base *base);

#endif
