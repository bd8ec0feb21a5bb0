/* SPDX-License-Identifier: MIT */
/*
 * checksum.h - the Internet checksum (RFC 1071): a 32-bit partial sum of
 * 16-bit big-endian words, folded to 16 bits and complemented. Partial sums
 * (csum_partial) chain, so a header and its payload, or a pseudo-header and
 * a segment, can be summed in pieces.
 */
#ifndef USN_WIRE_CHECKSUM_H
#define USN_WIRE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds @len bytes at @buf to the partial sum @sum (host order words). */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);

/* Folds a partial sum to 16 bits and complements it: the value to store. */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum of an IPv4 header; 0 when a received header is intact. */
static inline uint16_t ip_fast_csum(const void *iph, unsigned int ihl_words)
{
	return csum_fold(csum_partial(iph, (size_t)ihl_words * 4, 0));
}

/*
 * The pseudo-header sum of UDP/TCP over IPv4 (RFC 768, RFC 9293): source,
 * destination (network order), protocol and length, added to @sum.
 */
uint32_t csum_tcpudp_nofold(uint32_t saddr, uint32_t daddr, uint32_t len,
			    uint8_t proto, uint32_t sum);

static inline uint16_t csum_tcpudp_magic(uint32_t saddr, uint32_t daddr,
					 uint32_t len, uint8_t proto,
					 uint32_t sum)
{
	return csum_fold(csum_tcpudp_nofold(saddr, daddr, len, proto, sum));
}

#endif
