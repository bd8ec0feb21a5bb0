/* SPDX-License-Identifier: MIT */
/*
 * random.h - a small seeded pseudo-random generator (xoshiro256**, seeded
 * through splitmix64). Simulated runs seed every source from the run's seed
 * so that two runs with the same seed make the same decisions; real-clock
 * namespaces seed from getrandom(). Not for secrets: TCP ISNs and the like
 * use a keyed hash over a secret drawn from this source at start-up.
 */
#ifndef USN_CORE_RANDOM_H
#define USN_CORE_RANDOM_H

#include <stdint.h>

struct usn_rnd {
	uint64_t s[4];
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void usn_rnd_seed(struct usn_rnd *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t usn_rnd_u64(struct usn_rnd *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

static inline uint32_t usn_rnd_u32(struct usn_rnd *r)
{
	return (uint32_t)(usn_rnd_u64(r) >> 32);
}

/* Uniform in [0, 1). */
static inline double usn_rnd_unit(struct usn_rnd *r)
{
	return (double)(usn_rnd_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift, bias below 2^-32). */
static inline uint32_t usn_rnd_below(struct usn_rnd *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)usn_rnd_u32(r) * n) >> 32);
}

#endif
