/* SPDX-License-Identifier: MIT */
/*
 * checksum_test.c - csum_partial against a plain RFC 1071 sum of
 * big-endian 16-bit words: every length and alignment, chained pieces,
 * carries (all-ones data), zero data, and known checksums.
 */
#include <stdlib.h>
#include "test.h"
#include "wire/checksum.h"

/* The reference: 16-bit big-endian words, an odd last byte padded. */
static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t acc = sum;

	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static uint8_t buf[2048 + 8];

TEST(every_length_and_alignment)
{
	srand(1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 300; len++) {
			uint32_t s = (uint32_t)rand() & 0xffff;

			EXPECT_EQ(csum_fold(csum_partial(buf + off, len, s)),
				  ref_csum(buf + off, len, s));
		}
	EXPECT_EQ(csum_fold(csum_partial(buf, 2048, 0)), ref_csum(buf, 2048, 0));
}

TEST(chained_pieces)
{
	srand(2);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t k = 0; k <= 1500; k += 2) {
		uint32_t s = csum_partial(buf, k, 0);

		EXPECT_EQ(csum_fold(csum_partial(buf + k, 1500 - k, s)),
			  ref_csum(buf, 1500, 0));
	}
}

TEST(carries_and_zeroes)
{
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len <= 2048; len += 7)
		EXPECT_EQ(csum_fold(csum_partial(buf, len, 0xffff)),
			  ref_csum(buf, len, 0xffff));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(csum_fold(csum_partial(buf, 1500, 0)), 0xffff);
	EXPECT_EQ(csum_fold(csum_partial(buf, 1500, 0x1234)), (uint16_t)~0x1234);
}

/* RFC 1071's example bytes, and an IPv4 header whose checksum is known. */
TEST(known_values)
{
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t iph[] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};

	EXPECT_EQ(csum_fold(csum_partial(rfc, sizeof(rfc), 0)), (uint16_t)~0xddf2);
	EXPECT_EQ(ip_fast_csum(iph, 5), 0);
}
