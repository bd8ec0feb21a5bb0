/* SPDX-License-Identifier: MIT */
/*
 * timer.c - the cascading timing wheel behind timer.h.
 *
 * base->clk is the next jiffy to process. A timer due delta = expires - clk
 * jiffies ahead is filed in the level n whose span holds delta (level 0 for
 * delta < 64, level n for 64^n <= delta < 64^(n+1)), at slot
 * (expires >> 6n) & 63. At every multiple of 64^n, level n is cascaded: the
 * slot of the granule starting there is emptied and its timers are filed
 * again relative to the new clk, which puts them in finer levels (level 0's
 * current slot for a timer due that very jiffy). delta >= 64^n makes the
 * timer's granule start after clk, and delta < 64^(n+1) makes it the first
 * time that slot comes round, so every timer is cascaded before it is due
 * and sits in level 0, exact to the jiffy, when its time comes.
 *
 * A timer armed for a jiffy before clk (late) is filed in level 0's clk
 * slot: the only slot whose timers may be due before clk.
 *
 * The wheel spans 2^42 jiffies (~139 years). A timer due further out is
 * filed as if due at clk + 2^42 - 1, the last level's maximum; its expires
 * stays as the caller set it, so each cascade files it again, until it is
 * in range. It never fires early.
 *
 * Jiffies are assumed never to come near 2^64 (584 million years).
 */
#include <string.h>
#include "core/timer.h"

#define LVL_MASK	(TIMER_LVL_SIZE - 1)
#define LVL_SHIFT(n)	((n) * TIMER_LVL_BITS)
#define WHEEL_SPAN	(1ULL << LVL_SHIFT(TIMER_LVL_DEPTH))

/* The level for a timer due @delta (1 <= delta < WHEEL_SPAN) jiffies ahead. */
static unsigned int delta_level(uint64_t delta)
{
	return (63 - __builtin_clzll(delta)) / TIMER_LVL_BITS;
}

/* Files @t in its slot; the caller accounts for it in base->count. */
static void enqueue_timer(struct timer_base *base, struct timer_list *t)
{
	uint64_t expires = t->expires, delta;
	unsigned int lvl = 0, idx;

	if (expires <= base->clk) {
		idx = base->clk & LVL_MASK;
	} else {
		delta = expires - base->clk;
		if (delta >= WHEEL_SPAN) {
			delta = WHEEL_SPAN - 1;
			expires = base->clk + delta;
		}
		lvl = delta_level(delta);
		idx = (expires >> LVL_SHIFT(lvl)) & LVL_MASK;
	}
	hlist_add_head(&t->entry, &base->vectors[lvl][idx]);
	base->pending_map[lvl] |= 1ULL << idx;
}

/* Unlinks a pending @t; the caller accounts for it in base->count. */
static void detach_timer(struct timer_base *base, struct timer_list *t)
{
	uintptr_t p = (uintptr_t)t->entry.pprev;
	uintptr_t lo = (uintptr_t)base->vectors;
	unsigned int lvl, idx;
	size_t i;

	hlist_del_init(&t->entry);
	/*
	 * An hlist node does not know its list, but the first node's pprev
	 * points at the head: if that head is a wheel slot, @t was first and
	 * the slot may now be empty. A later node leaves its slot occupied.
	 */
	if (p < lo || p >= lo + sizeof(base->vectors))
		return;
	i = (p - lo) / sizeof(struct hlist_head);
	lvl = i / TIMER_LVL_SIZE;
	idx = i % TIMER_LVL_SIZE;
	if (!base->vectors[lvl][idx].first)
		base->pending_map[lvl] &= ~(1ULL << idx);
}

/* Files the timers of level @lvl's slot @idx again, relative to clk. */
static void cascade(struct timer_base *base, unsigned int lvl, unsigned int idx)
{
	struct hlist_head *slot = &base->vectors[lvl][idx];
	struct hlist_head work = { slot->first };
	struct timer_list *t;

	if (!work.first)
		return;
	/* Move the list aside first: a timer must never be filed twice. */
	work.first->pprev = &work.first;
	slot->first = NULL;
	base->pending_map[lvl] &= ~(1ULL << idx);
	while (work.first) {
		t = hlist_entry(work.first, struct timer_list, entry);
		hlist_del_init(&t->entry);
		enqueue_timer(base, t);
	}
}

/* At clk, a multiple of 64: cascades every level n with clk % 64^n == 0. */
static void cascade_levels(struct timer_base *base)
{
	unsigned int lvl;

	for (lvl = 1; lvl < TIMER_LVL_DEPTH; lvl++) {
		if (base->clk & ((1ULL << LVL_SHIFT(lvl)) - 1))
			break;
		cascade(base, lvl, (base->clk >> LVL_SHIFT(lvl)) & LVL_MASK);
	}
}

static uint64_t ror64(uint64_t x, unsigned int r)
{
	return r ? (x >> r) | (x << (64 - r)) : x;
}

/*
 * The first jiffy >= clk at which level @lvl has work: its earliest occupied
 * slot comes due (level 0) or is cascaded (level n, at a multiple of 64^n).
 * Slots are visited in time order from the first granule starting at or
 * after clk; every occupied slot's granule lies within the next 64.
 */
static uint64_t level_next(const struct timer_base *base, unsigned int lvl)
{
	uint64_t map = base->pending_map[lvl];
	unsigned int shift = LVL_SHIFT(lvl);
	uint64_t g;

	if (!map)
		return TIMER_NEVER;
	g = (base->clk + (1ULL << shift) - 1) >> shift;
	return (g + __builtin_ctzll(ror64(map, g & LVL_MASK))) << shift;
}

/* The first jiffy >= clk with work (a timer due or a cascade). */
static uint64_t next_event(const struct timer_base *base)
{
	uint64_t next = TIMER_NEVER, t;
	unsigned int lvl;

	for (lvl = 0; lvl < TIMER_LVL_DEPTH; lvl++) {
		t = level_next(base, lvl);
		if (t < next)
			next = t;
	}
	return next;
}

static struct timer_list *first_due(struct timer_base *base, unsigned int idx,
				    uint64_t limit)
{
	struct timer_list *t;

	hlist_for_each_entry(t, &base->vectors[0][idx], entry)
		if (t->expires <= limit)
			return t;
	return NULL;
}

/*
 * Runs the timers of level 0's slot @idx due by @limit. One at a time, and
 * looking at the slot afresh after each callback: a callback may delete
 * timers waiting here, or arm late ones, which land here and run now too.
 */
static unsigned int run_slot(struct timer_base *base, unsigned int idx,
			     uint64_t limit)
{
	struct timer_list *t;
	unsigned int ran = 0;

	while ((t = first_due(base, idx, limit))) {
		detach_timer(base, t);
		base->count--;
		t->function(t);
		ran++;
	}
	return ran;
}

void timer_base_init(struct timer_base *base, uint64_t now_jiffies)
{
	unsigned int lvl, idx;

	base->clk = now_jiffies;
	base->count = 0;
	memset(base->pending_map, 0, sizeof(base->pending_map));
	for (lvl = 0; lvl < TIMER_LVL_DEPTH; lvl++)
		for (idx = 0; idx < TIMER_LVL_SIZE; idx++)
			base->vectors[lvl][idx].first = NULL;
	base->kick = NULL;
	atomic_init(&base->sleep_until, TIMER_NEVER);
}

void timer_setup(struct timer_list *t, struct timer_base *base,
		 void (*function)(struct timer_list *t))
{
	INIT_HLIST_NODE(&t->entry);
	t->expires = 0;
	t->function = function;
	t->base = base;
}

int mod_timer(struct timer_list *t, uint64_t expires)
{
	struct timer_base *base = t->base;
	int was_pending = timer_pending(t);

	if (was_pending)
		detach_timer(base, t);
	else
		base->count++;
	t->expires = expires;
	enqueue_timer(base, t);
	if (base->kick && expires <= atomic_load(&base->sleep_until))
		base->kick(base);
	return was_pending;
}

int del_timer(struct timer_list *t)
{
	if (!timer_pending(t))
		return 0;
	detach_timer(t->base, t);
	t->base->count--;
	return 1;
}

/*
 * Steps clk from jiffy to jiffy with work, skipping the empty stretches in
 * between, so the cost follows the timers and not the time elapsed. Each
 * callback runs with clk at its jiffy, so a timer it arms for that jiffy
 * or earlier runs in this call: a callback re-arming its own timer at or
 * before its jiffy, every time, would never let this call return.
 *
 * With @now before clk (called again within one jiffy), only late timers
 * can be due; they wait in the clk slot.
 */
unsigned int run_timers(struct timer_base *base, uint64_t now)
{
	unsigned int ran = 0;
	uint64_t next;

	if (now == TIMER_NEVER)		/* not a time; clk = now + 1 must not wrap */
		now--;
	if (now < base->clk)
		return run_slot(base, base->clk & LVL_MASK, now);
	while ((next = next_event(base)) <= now) {
		base->clk = next;
		if (!(next & LVL_MASK))
			cascade_levels(base);
		ran += run_slot(base, next & LVL_MASK, next);
		base->clk = next + 1;
	}
	base->clk = now + 1;
	return ran;
}

uint64_t timer_next_expiry(const struct timer_base *base)
{
	const struct timer_list *t;
	uint64_t next;

	if (!base->count)
		return TIMER_NEVER;
	next = next_event(base);
	/* Late timers wait in the clk slot: name their own expiry, not clk. */
	if (next == base->clk) {
		hlist_for_each_entry(t, &base->vectors[0][next & LVL_MASK], entry) {
			if (t->expires < next)
				next = t->expires;
		}
	}
	return next;
}
