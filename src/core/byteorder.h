/* SPDX-License-Identifier: MIT */
/*
 * byteorder.h - reading and writing big-endian fields at any alignment, as
 * wire formats need: packet bytes are never cast to structs (a TAP frame
 * may start anywhere).
 */
#ifndef USN_CORE_BYTEORDER_H
#define USN_CORE_BYTEORDER_H

#include <stdint.h>
#include <string.h>

static inline uint16_t load_be16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t load_be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void store_be16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void store_be32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* A field already in network order (an address), copied as is. */
static inline uint32_t load_net32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void store_net32(void *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

#endif
