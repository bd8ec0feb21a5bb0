/* SPDX-License-Identifier: MIT */
/*
 * ipv4.h - the IPv4 header (RFC 791), read and written by offset. A
 * received header is read only after ip_rcv() checked that its bytes are
 * there (pskb_may_pull): these accessors do not check lengths themselves.
 *
 *  0      4      8             16    19             31
 *  | ver  | ihl  |     tos     |        tot_len       |
 *  |          id               |flags| frag_off       |
 *  |    ttl      |  protocol   |       check          |
 *  |                    saddr                          |
 *  |                    daddr                          |
 *  |                 options (ihl > 5)                 |
 */
#ifndef USN_WIRE_IPV4_H
#define USN_WIRE_IPV4_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/byteorder.h"

#define IPV4_HLEN_MIN		20
#define IPV4_HLEN_MAX		60
#define IPV4_MAX_LEN		65535

#define IP_CE			0x8000	/* congestion: reserved bit */
#define IP_DF			0x4000
#define IP_MF			0x2000
#define IP_OFFSET		0x1fff

static inline unsigned int ipv4_version(const uint8_t *h) { return h[0] >> 4; }
static inline unsigned int ipv4_ihl(const uint8_t *h) { return h[0] & 0x0f; }
static inline unsigned int ipv4_hlen(const uint8_t *h) { return (h[0] & 0x0f) * 4u; }
static inline uint8_t ipv4_tos(const uint8_t *h) { return h[1]; }
static inline uint16_t ipv4_tot_len(const uint8_t *h) { return load_be16(h + 2); }
static inline uint16_t ipv4_id(const uint8_t *h) { return load_be16(h + 4); }
static inline uint16_t ipv4_frag_off(const uint8_t *h) { return load_be16(h + 6); }
static inline uint8_t ipv4_ttl(const uint8_t *h) { return h[8]; }
static inline uint8_t ipv4_protocol(const uint8_t *h) { return h[9]; }
static inline uint16_t ipv4_check(const uint8_t *h) { return load_be16(h + 10); }
/* Addresses stay in network order, as the kernel's __be32. */
static inline uint32_t ipv4_saddr(const uint8_t *h) { return load_net32(h + 12); }
static inline uint32_t ipv4_daddr(const uint8_t *h) { return load_net32(h + 16); }

static inline bool ipv4_is_fragment(const uint8_t *h)
{
	return ipv4_frag_off(h) & (IP_MF | IP_OFFSET);
}

static inline void ipv4_set_tot_len(uint8_t *h, uint16_t v) { store_be16(h + 2, v); }
static inline void ipv4_set_id(uint8_t *h, uint16_t v) { store_be16(h + 4, v); }
static inline void ipv4_set_frag_off(uint8_t *h, uint16_t v) { store_be16(h + 6, v); }
static inline void ipv4_set_ttl(uint8_t *h, uint8_t v) { h[8] = v; }
static inline void ipv4_set_check(uint8_t *h, uint16_t v) { store_be16(h + 10, v); }
static inline void ipv4_set_saddr(uint8_t *h, uint32_t v) { store_net32(h + 12, v); }
static inline void ipv4_set_daddr(uint8_t *h, uint32_t v) { store_net32(h + 16, v); }

/* Address classes, addresses in network order. */
static inline bool ipv4_is_loopback(uint32_t a) { return (ntohl(a) >> 24) == 127; }
static inline bool ipv4_is_multicast(uint32_t a) { return (ntohl(a) & 0xf0000000) == 0xe0000000; }
static inline bool ipv4_is_lbcast(uint32_t a) { return a == 0xffffffffu; }
static inline bool ipv4_is_zeronet(uint32_t a) { return (ntohl(a) >> 24) == 0; }

#endif
