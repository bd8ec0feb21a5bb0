/* SPDX-License-Identifier: MIT */
/*
 * tcp_cubic.h - CUBIC's per-socket state and its arithmetic, shared with
 * the unit tests (tcp_cubic_test.c); the algorithm is tcp_cubic.c.
 *
 * Units, as Linux keeps them: windows in segments, times in jiffies (ms)
 * except the HyStart clocks and delay_min (us), K in 2^-10 s.
 */
#ifndef USN_TRANSPORT_TCP_TCP_CUBIC_H
#define USN_TRANSPORT_TCP_TCP_CUBIC_H

#include <stdint.h>

#define BICTCP_BETA_SCALE	1024u	/* beta and its complement, scaled */
#define BICTCP_HZ		10	/* t and K in units of 2^-BICTCP_HZ s */

/* Linux's module parameters, at their defaults. */
#define CUBIC_BETA		717u	/* 0.7 * 1024 (RFC 9438 beta_cubic) */
#define CUBIC_BIC_SCALE		41u	/* C = 0.4: 41 * 10 / 1024 */
#define CUBIC_FAST_CONVERGENCE	1
#define CUBIC_TCP_FRIENDLINESS	1
#define CUBIC_HYSTART		1
#define HYSTART_ACK_TRAIN	0x1
#define HYSTART_DELAY		0x2
#define CUBIC_HYSTART_DETECT	(HYSTART_ACK_TRAIN | HYSTART_DELAY)
#define CUBIC_HYSTART_LOW_WINDOW 16u
#define CUBIC_HYSTART_ACK_DELTA_US 2000u
#define HYSTART_MIN_SAMPLES	8
#define HYSTART_DELAY_MIN	4000u	/* us */
#define HYSTART_DELAY_MAX	16000u

struct bictcp {
	uint32_t	cnt;		/* ACKs per cwnd increment */
	uint32_t	last_max_cwnd;	/* W_max */
	uint32_t	last_cwnd;	/* cwnd at the last update */
	uint32_t	last_time;	/* jiffies of the last update */
	uint32_t	bic_origin_point; /* the curve's plateau */
	uint32_t	bic_K;		/* from the epoch's start to the plateau */
	uint32_t	delay_min;	/* smallest RTT seen, us */
	uint32_t	epoch_start;	/* jiffies, 0: no epoch */
	uint32_t	ack_cnt;	/* ACKed segments, for the Reno estimate */
	uint32_t	tcp_cwnd;	/* W_est, Reno's window for the same ACKs */
	/* HyStart: kept across bictcp_reset() */
	uint8_t		sample_cnt;	/* RTT samples this round */
	uint8_t		found;		/* the exit point was found */
	uint32_t	round_start;	/* us, the round's first ACK */
	uint32_t	end_seq;	/* the round ends when this is acked */
	uint32_t	last_ack;	/* us, last ACK of the train */
	uint32_t	curr_rtt;	/* the round's smallest RTT, us */
};

/* floor(cbrt(a)) */
uint32_t cubic_root(uint64_t a);
/* Recomputes ca->cnt for a window of @cwnd after @acked segments, at @now. */
void bictcp_update(struct bictcp *ca, uint32_t cwnd, uint32_t acked,
		   uint32_t now);

#endif
