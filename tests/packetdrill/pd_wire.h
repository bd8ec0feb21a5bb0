/* SPDX-License-Identifier: MIT */
/*
 * pd_wire.h - the driver's own IPv4/TCP encoder and decoder: it builds the
 * datagrams it injects and takes apart, field by field, the ones the back
 * end hands back, checking every length and checksum first.
 */
#ifndef PD_WIRE_H
#define PD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

#define PD_MAX_OPTS	12

/* One TCP option as it stood on the wire, in order. */
struct pd_opt {
	uint8_t		kind;
	uint8_t		len;		/* 1 for NOP and EOL */
	uint32_t	v1, v2;		/* MSS / wscale / TS val, TS ecr */
};

struct pd_seg {
	/* IP */
	uint32_t	saddr, daddr;	/* host order */
	uint8_t		ttl, tos;
	bool		df;
	uint16_t	id;
	/* TCP */
	uint16_t	sport, dport;
	uint32_t	seq, ack;
	uint8_t		flags;
	uint16_t	win, urg;
	struct pd_opt	opt[PD_MAX_OPTS];
	int		nopt;
	const uint8_t	*data;		/* into the decoded buffer */
	size_t		len;
};

/* Builds an IPv4 datagram carrying @s into @buf; returns its length. */
size_t pd_build(const struct pd_seg *s, uint8_t *buf, size_t size);
/* Decodes @buf; 0, or -1 with @err saying what is wrong. */
int pd_parse(const uint8_t *buf, size_t n, struct pd_seg *s, char *err,
	     size_t errlen);
/* The options as packetdrill prints them: "mss 1460,sackOK,TS val 5 ecr 0". */
void pd_opts_str(const struct pd_seg *s, char *out, size_t size, bool ts_vals);

#endif
