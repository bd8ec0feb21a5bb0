/* SPDX-License-Identifier: MIT */
/*
 * arp.h - the ARP packet (RFC 826) for IPv4 over a 6-byte hardware address,
 * read and written by offset. The fixed part (hardware and protocol types,
 * lengths, operation) may be read once ARP_FIXED_LEN bytes are there; the
 * addresses only after ar_hln == 6 and ar_pln == 4 were checked and
 * ARP_ETH_IP_LEN bytes are there.
 *
 *  0              8              16                              31
 *  |        ar_hrd (hardware)     |        ar_pro (protocol)      |
 *  |   ar_hln     |    ar_pln     |            ar_op              |
 *  | sender hardware address (6) ... | sender IP (4) ...          |
 *  | target hardware address (6) ... | target IP (4)              |
 */
#ifndef USN_WIRE_ARP_H
#define USN_WIRE_ARP_H

#include <stdint.h>
#include <string.h>
#include "core/byteorder.h"

#define ARP_FIXED_LEN		8
#define ARP_ETH_IP_LEN		28	/* with 6-byte hardware, 4-byte IPv4 addresses */

#define ARPOP_REQUEST		1
#define ARPOP_REPLY		2

#define ARPHRD_IEEE802		6	/* Token Ring and friends: accepted as Ethernet */

static inline uint16_t arp_hrd(const uint8_t *h) { return load_be16(h); }
static inline uint16_t arp_pro(const uint8_t *h) { return load_be16(h + 2); }
static inline uint8_t arp_hln(const uint8_t *h) { return h[4]; }
static inline uint8_t arp_pln(const uint8_t *h) { return h[5]; }
static inline uint16_t arp_op(const uint8_t *h) { return load_be16(h + 6); }

/* Address fields of an Ethernet/IPv4 packet; IPv4 addresses in network order. */
static inline const uint8_t *arp_sha(const uint8_t *h) { return h + 8; }
static inline uint32_t arp_sip(const uint8_t *h) { return load_net32(h + 14); }
static inline const uint8_t *arp_tha(const uint8_t *h) { return h + 18; }
static inline uint32_t arp_tip(const uint8_t *h) { return load_net32(h + 24); }

/*
 * Writes an Ethernet/IPv4 ARP packet of ARP_ETH_IP_LEN bytes at @h:
 * @hrd the hardware type, @tha NULL for zeros (a request).
 */
static inline void arp_build(uint8_t *h, uint16_t hrd, uint16_t op,
			     const uint8_t *sha, uint32_t sip,
			     const uint8_t *tha, uint32_t tip)
{
	store_be16(h, hrd);
	store_be16(h + 2, 0x0800);	/* ETH_P_IP */
	h[4] = 6;
	h[5] = 4;
	store_be16(h + 6, op);
	memcpy(h + 8, sha, 6);
	store_net32(h + 14, sip);
	if (tha)
		memcpy(h + 18, tha, 6);
	else
		memset(h + 18, 0, 6);
	store_net32(h + 24, tip);
}

#endif
