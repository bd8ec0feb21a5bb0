/* SPDX-License-Identifier: MIT */
/*
 * icmp.h - the ICMP header (RFC 792), read and written by offset, after
 * the length was checked by the caller (icmp_rcv pulls ICMP_HLEN first).
 *
 *  0        8        16                31
 *  |  type  |  code  |     checksum     |
 *  |     rest of header (by type)       |
 *      echo:       identifier | sequence
 *      frag needed: unused    | next-hop MTU
 *      param prob: pointer | unused
 *      redirect:   gateway address
 */
#ifndef USN_WIRE_ICMP_H
#define USN_WIRE_ICMP_H

#include <stdint.h>
#include "core/byteorder.h"

static inline uint8_t icmp_type(const uint8_t *h) { return h[0]; }
static inline uint8_t icmp_code(const uint8_t *h) { return h[1]; }
static inline uint16_t icmp_check(const uint8_t *h) { return load_be16(h + 2); }
/* The 32-bit rest of the header, host order (un.gateway in the kernel). */
static inline uint32_t icmp_rest(const uint8_t *h) { return load_be32(h + 4); }
static inline uint16_t icmp_echo_id(const uint8_t *h) { return load_be16(h + 4); }
static inline uint16_t icmp_echo_seq(const uint8_t *h) { return load_be16(h + 6); }
static inline uint16_t icmp_frag_mtu(const uint8_t *h) { return load_be16(h + 6); }

static inline void icmp_set_type(uint8_t *h, uint8_t v) { h[0] = v; }
static inline void icmp_set_code(uint8_t *h, uint8_t v) { h[1] = v; }
static inline void icmp_set_check(uint8_t *h, uint16_t v) { store_be16(h + 2, v); }
static inline void icmp_set_rest(uint8_t *h, uint32_t v) { store_be32(h + 4, v); }

#endif
