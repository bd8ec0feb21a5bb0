/* SPDX-License-Identifier: MIT */
/*
 * tcp_seq.h - sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): a
 * number is "before" another when the signed 32-bit difference is
 * negative, which holds while the two are less than 2^31 apart.
 */
#ifndef USN_TRANSPORT_TCP_TCP_SEQ_H
#define USN_TRANSPORT_TCP_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool before(uint32_t seq1, uint32_t seq2)
{
	return (int32_t)(seq1 - seq2) < 0;
}

#define after(seq2, seq1)	before(seq1, seq2)

/* Is seq2 <= seq1 <= seq3, modulo 2^32? (the kernel's argument order) */
static inline bool between(uint32_t seq1, uint32_t seq2, uint32_t seq3)
{
	return seq3 - seq2 >= seq1 - seq2;
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return after(a, b) ? a : b;
}

#endif
