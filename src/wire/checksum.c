/* SPDX-License-Identifier: MIT */
/*
 * checksum.c - the Internet checksum. The ones' complement sum does not
 * depend on byte order (RFC 1071, 2.(B)): the data is summed as native
 * 64-bit words with the carries kept in a 128-bit accumulator (an add and
 * an add-with-carry per word, as the kernel's x86 csum_partial), folded to
 * 16 bits, and byte-swapped once on a little-endian host to the sum of
 * big-endian words the callers chain and fold.
 */
#include <string.h>
#include "core/byteorder.h"
#include "wire/checksum.h"

/* 16 bits of the end-around-carry sum of a 128-bit accumulator. */
static uint32_t csum_fold128(unsigned __int128 acc)
{
	uint64_t lo = (uint64_t)acc, hi = (uint64_t)(acc >> 64);
	uint64_t s = lo + hi;

	s += s < lo;			/* the carry goes round */
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	unsigned __int128 acc = 0;
	uint64_t w[4], tail = 0;
	uint32_t s16;
	uint64_t acc64;

	while (len >= sizeof(w)) {
		memcpy(w, p, sizeof(w));
		acc += w[0];
		acc += w[1];
		acc += w[2];
		acc += w[3];
		p += sizeof(w);
		len -= sizeof(w);
	}
	while (len >= sizeof(w[0])) {
		memcpy(w, p, sizeof(w[0]));
		acc += w[0];
		p += sizeof(w[0]);
		len -= sizeof(w[0]);
	}
	/* The rest as if padded with zeroes: an odd last byte is a high half. */
	memcpy(&tail, p, len);
	acc += tail;
	s16 = csum_fold128(acc);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s16 = (uint32_t)__builtin_bswap16((uint16_t)s16);
#endif
	acc64 = (uint64_t)sum + s16;
	/* Fold to 32 bits without losing the end-around carry. */
	acc64 = (acc64 & 0xffff) + (acc64 >> 16 & 0xffff) + (acc64 >> 32);
	return (uint32_t)acc64;
}

uint32_t csum_tcpudp_nofold(uint32_t saddr, uint32_t daddr, uint32_t len,
			    uint8_t proto, uint32_t sum)
{
	uint8_t ph[12];

	store_net32(ph, saddr);
	store_net32(ph + 4, daddr);
	ph[8] = 0;
	ph[9] = proto;
	store_be16(ph + 10, (uint16_t)len);
	return csum_partial(ph, sizeof(ph), sum);
}
