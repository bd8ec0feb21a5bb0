/* SPDX-License-Identifier: MIT */
/*
 * checksum.c - the Internet checksum, summed 32 bits at a time into a
 * 64-bit accumulator (carries fold at the end), byte-order independent
 * because the words are assembled big-endian explicitly.
 */
#include "core/byteorder.h"
#include "wire/checksum.h"

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	while (len >= 4) {
		acc += load_be32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += load_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;	/* an odd byte is the high half */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	/* Fold to 32 bits without losing the end-around carry. */
	acc = (acc & 0xffff) + (acc >> 16 & 0xffff) + (acc >> 32);
	return (uint32_t)acc;
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
