/* SPDX-License-Identifier: MIT */
/*
 * udp.h - the UDP header (RFC 768), read and written by offset. Readers
 * check that UDP_HLEN bytes are there first (pskb_may_pull).
 *
 *  0              16              31
 *  |  source port  |  dest port    |
 *  |    length     |   checksum    |
 *
 * Ports are kept in network order, as the kernel's __be16 (they are
 * compared with inet_sport/inet_dport); length and checksum in host order.
 */
#ifndef USN_WIRE_UDP_H
#define USN_WIRE_UDP_H

#include <stdint.h>
#include <string.h>
#include "core/byteorder.h"

#define UDP_HLEN	8
#define CSUM_MANGLED_0	0xffff	/* a computed 0 is sent as all ones */

static inline uint16_t udp_source(const uint8_t *h)
{
	uint16_t v;

	memcpy(&v, h, sizeof(v));
	return v;
}

static inline uint16_t udp_dest(const uint8_t *h)
{
	uint16_t v;

	memcpy(&v, h + 2, sizeof(v));
	return v;
}

static inline uint16_t udp_len(const uint8_t *h) { return load_be16(h + 4); }
static inline uint16_t udp_check(const uint8_t *h) { return load_be16(h + 6); }

static inline void udp_set_source(uint8_t *h, uint16_t net_port)
{
	memcpy(h, &net_port, sizeof(net_port));
}

static inline void udp_set_dest(uint8_t *h, uint16_t net_port)
{
	memcpy(h + 2, &net_port, sizeof(net_port));
}

static inline void udp_set_len(uint8_t *h, uint16_t v) { store_be16(h + 4, v); }
static inline void udp_set_check(uint8_t *h, uint16_t v) { store_be16(h + 6, v); }

#endif
