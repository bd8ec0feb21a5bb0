/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what the bounded fuzz tests share: a seeded PRNG (the same run
 * every time, so a failure reproduces), the generic mutations of a byte
 * buffer (bit flips, interesting values, truncation, growth, chunks moved)
 * and the run length.
 *
 * Each fuzz test keeps its target in a function of its own taking one
 * input (fuzz_<target>_one(data, size)); the CTest loop feeds it mutated
 * seed inputs, and the libFuzzer build (-DUSNET_FUZZ=ON, docs/testing.md)
 * feeds it libFuzzer's. USNET_FUZZ_SEED and USNET_FUZZ_ITERS in the
 * environment change the seed and the number of iterations of the CTest
 * loop, for a longer run by hand.
 */
#ifndef USN_TEST_FUZZ_H
#define USN_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_rng {
	uint64_t s;
};

static inline uint64_t fuzz_next(struct fuzz_rng *r)
{
	/* xorshift64*: small, fast, good enough to pick mutations. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n); 0 when n is 0. */
static inline uint32_t fuzz_below(struct fuzz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(fuzz_next(r) % n) : 0;
}

static inline void fuzz_seed(struct fuzz_rng *r, uint64_t dflt)
{
	const char *env = getenv("USNET_FUZZ_SEED");

	r->s = env ? strtoull(env, NULL, 0) : dflt;
	if (!r->s)
		r->s = 0x9E3779B97F4A7C15ULL;
}

/* The number of iterations: @dflt, or USNET_FUZZ_ITERS. */
static inline unsigned long fuzz_iters(unsigned long dflt)
{
	const char *env = getenv("USNET_FUZZ_ITERS");

	return env ? strtoul(env, NULL, 0) : dflt;
}

/* Values that break length and range checks. */
static const uint32_t fuzz_interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 63, 64, 127, 128, 255, 256,
	512, 1000, 1024, 4096, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff,
	0x80000000, 0xfffffffe, 0xffffffff,
};

static inline uint32_t fuzz_value(struct fuzz_rng *r)
{
	if (fuzz_below(r, 4) == 0)
		return (uint32_t)fuzz_next(r);
	return fuzz_interesting[fuzz_below(r, sizeof(fuzz_interesting) /
					     sizeof(fuzz_interesting[0]))];
}

static inline void fuzz_put16(uint8_t *p, uint32_t v)
{
	uint16_t x = (uint16_t)v;

	memcpy(p, &x, sizeof(x));
}

static inline void fuzz_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * One generic mutation of @buf (@*len bytes used, @cap room); the new
 * length is stored in @*len.
 */
static inline void fuzz_mutate_once(struct fuzz_rng *r, uint8_t *buf,
				    size_t *len, size_t cap)
{
	size_t n = *len, pos = fuzz_below(r, (uint32_t)(n ? n : 1));
	size_t k;

	switch (fuzz_below(r, 9)) {
	case 0:		/* a bit */
		if (n)
			buf[pos] ^= (uint8_t)(1u << fuzz_below(r, 8));
		break;
	case 1:		/* a byte */
		if (n)
			buf[pos] = (uint8_t)fuzz_value(r);
		break;
	case 2:		/* a 16-bit field */
		if (n >= 2)
			fuzz_put16(buf + fuzz_below(r, (uint32_t)n - 1),
				   fuzz_value(r));
		break;
	case 3:		/* a 32-bit field */
		if (n >= 4)
			fuzz_put32(buf + fuzz_below(r, (uint32_t)n - 3),
				   fuzz_value(r));
		break;
	case 4:		/* cut short */
		*len = fuzz_below(r, (uint32_t)n + 1);
		break;
	case 5:		/* random bytes appended */
		k = fuzz_below(r, 64) + 1;
		if (n + k > cap)
			k = cap - n;
		for (size_t i = 0; i < k; i++)
			buf[n + i] = (uint8_t)fuzz_next(r);
		*len = n + k;
		break;
	case 6:		/* a chunk deleted */
		k = fuzz_below(r, (uint32_t)(n - pos) + 1);
		memmove(buf + pos, buf + pos + k, n - pos - k);
		*len = n - k;
		break;
	case 7:		/* a chunk copied elsewhere */
		if (n) {
			size_t src = fuzz_below(r, (uint32_t)n);

			k = fuzz_below(r, (uint32_t)(n - src)) + 1;
			if (pos + k > n)
				k = n - pos;
			memmove(buf + pos, buf + src, k);
		}
		break;
	default:	/* a run of one byte */
		k = fuzz_below(r, 16) + 1;
		if (pos + k > n)
			k = n - pos;
		memset(buf + pos, (int)fuzz_value(r), k);
		break;
	}
}

/* One to @max generic mutations. */
static inline void fuzz_mutate(struct fuzz_rng *r, uint8_t *buf, size_t *len,
			       size_t cap, unsigned int max)
{
	unsigned int n = fuzz_below(r, max) + 1;

	while (n--)
		fuzz_mutate_once(r, buf, len, cap);
}

/* The input that broke an invariant, to turn into a regression test. */
static inline void fuzz_hexdump(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", data[i]);
	fputc('\n', stderr);
}

#endif
