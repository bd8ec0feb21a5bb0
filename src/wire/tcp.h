/* SPDX-License-Identifier: MIT */
/*
 * tcp.h - the TCP header (RFC 9293 3.1) and its options, read and written
 * by offset. Readers check that TCP_HLEN bytes are there (and then the
 * data offset's worth) before calling the accessors.
 *
 *  0              16              31
 *  |  source port  |  dest port    |
 *  |        sequence number        |
 *  |     acknowledgment number     |
 *  |doff|rsv|flags |    window     |
 *  |   checksum    | urgent ptr    |
 *  |   options (doff * 4 - 20)     |
 *
 * Ports stay in network order (compared with inet_sport/inet_dport), the
 * other fields are returned in host order.
 *
 * tcp_opt_next() walks the options: it refuses an option whose length is
 * below 2 or that runs past the header, and stops after TCP_OPT_ITER_MAX
 * steps, so a malformed header can neither overread nor loop.
 */
#ifndef USN_WIRE_TCP_H
#define USN_WIRE_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "core/byteorder.h"

#define TCP_HLEN		20
#define TCP_HLEN_MAX		60

/* flag bits, as the low byte of offset 13 */
#define TCPHDR_FIN		0x01
#define TCPHDR_SYN		0x02
#define TCPHDR_RST		0x04
#define TCPHDR_PSH		0x08
#define TCPHDR_ACK		0x10
#define TCPHDR_URG		0x20
#define TCPHDR_ECE		0x40
#define TCPHDR_CWR		0x80

/* option kinds and lengths */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_SACK		5
#define TCPOPT_TIMESTAMP	8
#define TCPOLEN_MSS		4
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_TIMESTAMP	10
#define TCPOLEN_TSTAMP_ALIGNED	12
#define TCPOLEN_SACK_BASE	2
#define TCPOLEN_SACK_PERBLOCK	8

static inline uint16_t tcp_source(const uint8_t *h)
{
	uint16_t v;

	memcpy(&v, h, sizeof(v));
	return v;
}

static inline uint16_t tcp_dest(const uint8_t *h)
{
	uint16_t v;

	memcpy(&v, h + 2, sizeof(v));
	return v;
}

static inline uint32_t tcp_seq(const uint8_t *h) { return load_be32(h + 4); }
static inline uint32_t tcp_ack_seq(const uint8_t *h) { return load_be32(h + 8); }
static inline unsigned int tcp_doff(const uint8_t *h) { return (unsigned int)(h[12] >> 4) * 4; }
static inline uint8_t tcp_flags(const uint8_t *h) { return h[13]; }
static inline uint16_t tcp_window(const uint8_t *h) { return load_be16(h + 14); }
static inline uint16_t tcp_check(const uint8_t *h) { return load_be16(h + 16); }
static inline uint16_t tcp_urg_ptr(const uint8_t *h) { return load_be16(h + 18); }

static inline void tcp_set_source(uint8_t *h, uint16_t net_port)
{
	memcpy(h, &net_port, sizeof(net_port));
}

static inline void tcp_set_dest(uint8_t *h, uint16_t net_port)
{
	memcpy(h + 2, &net_port, sizeof(net_port));
}

static inline void tcp_set_seq(uint8_t *h, uint32_t v) { store_be32(h + 4, v); }
static inline void tcp_set_ack_seq(uint8_t *h, uint32_t v) { store_be32(h + 8, v); }

/* Data offset (@len bytes, a multiple of 4) and flags; reserved bits 0. */
static inline void tcp_set_doff_flags(uint8_t *h, unsigned int len,
				      uint8_t flags)
{
	h[12] = (uint8_t)((len / 4) << 4);
	h[13] = flags;
}

static inline void tcp_set_window(uint8_t *h, uint16_t v) { store_be16(h + 14, v); }
static inline void tcp_set_check(uint8_t *h, uint16_t v) { store_be16(h + 16, v); }
static inline void tcp_set_urg_ptr(uint8_t *h, uint16_t v) { store_be16(h + 18, v); }

/* ---- options ------------------------------------------------------------- */

#define TCP_OPT_ITER_MAX	40	/* at most 40 option bytes: 40 steps */

struct tcp_opt_iter {
	const uint8_t	*p;	/* next option */
	const uint8_t	*end;	/* end of the header */
	unsigned int	steps;
};

struct tcp_opt {
	uint8_t		kind;
	uint8_t		len;	/* whole option, kind and length included */
	const uint8_t	*data;	/* len - 2 bytes */
};

/* Starts at the options of header @h whose data offset is @doff bytes. */
static inline void tcp_opt_iter_init(struct tcp_opt_iter *it, const uint8_t *h,
				     unsigned int doff)
{
	it->p = h + TCP_HLEN;
	it->end = h + (doff > TCP_HLEN ? doff : TCP_HLEN);
	it->steps = 0;
}

/*
 * The next option other than NOP in @o: 1, or 0 at the end (EOL or the
 * end of the header), or -1 for a malformed option (length below 2, or
 * past the header) or too many steps. Iteration ends after 0 or -1.
 */
static inline int tcp_opt_next(struct tcp_opt_iter *it, struct tcp_opt *o)
{
	while (it->p < it->end) {
		uint8_t kind = it->p[0];
		unsigned int len;

		if (++it->steps > TCP_OPT_ITER_MAX)
			return -1;
		if (kind == TCPOPT_EOL) {
			it->p = it->end;
			return 0;
		}
		if (kind == TCPOPT_NOP) {
			it->p++;
			continue;
		}
		if (it->end - it->p < 2)
			return -1;
		len = it->p[1];
		if (len < 2 || len > (unsigned int)(it->end - it->p))
			return -1;
		o->kind = kind;
		o->len = (uint8_t)len;
		o->data = it->p + 2;
		it->p += len;
		return 1;
	}
	return 0;
}

#endif
