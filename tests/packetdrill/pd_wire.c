/* SPDX-License-Identifier: MIT */
/* pd_wire.c - the driver's IPv4/TCP encoder and decoder (pd_wire.h). */
#include <stdio.h>
#include <string.h>
#include "pd_wire.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum(uint32_t acc, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		acc += get16(p);
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static uint32_t pseudo(uint32_t saddr, uint32_t daddr, size_t tcplen)
{
	uint8_t ph[12];

	put32(ph, saddr);
	put32(ph + 4, daddr);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint16_t)tcplen);
	return sum(0, ph, sizeof(ph));
}

size_t pd_build(const struct pd_seg *s, uint8_t *buf, size_t size)
{
	uint8_t *ip = buf, *th = buf + 20, *o = th + 20;
	size_t optlen = 0, tcplen, total;

	for (int i = 0; i < s->nopt; i++) {
		const struct pd_opt *op = &s->opt[i];

		o[optlen] = op->kind;
		if (op->kind <= 1) {
			optlen++;
			continue;
		}
		o[optlen + 1] = op->len;
		if (op->kind == 2)
			put16(o + optlen + 2, (uint16_t)op->v1);
		else if (op->kind == 3)
			o[optlen + 2] = (uint8_t)op->v1;
		else if (op->kind == 8) {
			put32(o + optlen + 2, op->v1);
			put32(o + optlen + 6, op->v2);
		}
		optlen += op->len;
	}
	while (optlen % 4)
		o[optlen++] = 0;	/* EOL padding */
	tcplen = 20 + optlen + s->len;
	total = 20 + tcplen;
	if (total > size)
		return 0;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = s->tos;
	put16(ip + 2, (uint16_t)total);
	put16(ip + 4, s->id);
	put16(ip + 6, s->df ? 0x4000 : 0);
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = 6;
	put32(ip + 12, s->saddr);
	put32(ip + 16, s->daddr);
	put16(ip + 10, fold(sum(0, ip, 20)));
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = (uint8_t)((20 + optlen) / 4 << 4);
	th[13] = s->flags;
	put16(th + 14, s->win);
	put16(th + 16, 0);
	put16(th + 18, s->urg);
	if (s->len)
		memcpy(th + 20 + optlen, s->data, s->len);
	put16(th + 16, fold(sum(pseudo(s->saddr, s->daddr, tcplen), th, tcplen)));
	return total;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static int parse_opts(const uint8_t *o, size_t n, struct pd_seg *s, char *err,
		      size_t errlen)
{
	static const uint8_t want[] = { [2] = 4, [3] = 3, [4] = 2, [8] = 10 };
	size_t i = 0;

	while (i < n) {
		struct pd_opt *op;

		if (s->nopt == PD_MAX_OPTS)
			FAIL("more than %d options", PD_MAX_OPTS);
		op = &s->opt[s->nopt++];
		memset(op, 0, sizeof(*op));
		op->kind = o[i];
		if (op->kind == 0) {		/* EOL: the rest is padding */
			op->len = 1;
			for (i++; i < n; i++)
				if (o[i])
					FAIL("bytes after EOL");
			break;
		}
		if (op->kind == 1) {
			op->len = 1;
			i++;
			continue;
		}
		if (i + 2 > n || o[i + 1] < 2 || i + o[i + 1] > n)
			FAIL("option %u overruns the header", op->kind);
		op->len = o[i + 1];
		if (op->kind < sizeof(want) && want[op->kind] &&
		    op->len != want[op->kind])
			FAIL("option %u has length %u", op->kind, op->len);
		if (op->kind == 2)
			op->v1 = get16(o + i + 2);
		else if (op->kind == 3)
			op->v1 = o[i + 2];
		else if (op->kind == 8) {
			op->v1 = get32(o + i + 2);
			op->v2 = get32(o + i + 6);
		}
		i += op->len;
	}
	return 0;
}

int pd_parse(const uint8_t *buf, size_t n, struct pd_seg *s, char *err,
	     size_t errlen)
{
	size_t ihl, total, doff;
	const uint8_t *th;

	memset(s, 0, sizeof(*s));
	if (n < 20)
		FAIL("%zu bytes: shorter than an IPv4 header", n);
	if (buf[0] >> 4 != 4)
		FAIL("IP version %u", buf[0] >> 4);
	ihl = (size_t)(buf[0] & 15) * 4;
	total = get16(buf + 2);
	if (ihl != 20)
		FAIL("IP header length %zu (options?)", ihl);
	if (total != n)
		FAIL("IP total length %zu, datagram %zu", total, n);
	if (fold(sum(0, buf, ihl)))
		FAIL("bad IP checksum");
	if (get16(buf + 6) & 0xbfff)
		FAIL("a fragment, or a reserved flag");
	if (buf[9] != 6)
		FAIL("IP protocol %u, not TCP", buf[9]);
	s->tos = buf[1];
	s->id = get16(buf + 4);
	s->df = get16(buf + 6) & 0x4000;
	s->ttl = buf[8];
	s->saddr = get32(buf + 12);
	s->daddr = get32(buf + 16);
	th = buf + ihl;
	if (n - ihl < 20)
		FAIL("truncated TCP header");
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff > n - ihl)
		FAIL("TCP data offset %zu", doff);
	if (th[12] & 0x0f)
		FAIL("reserved TCP bits set");
	if (fold(sum(pseudo(s->saddr, s->daddr, n - ihl), th, n - ihl)))
		FAIL("bad TCP checksum");
	s->sport = get16(th);
	s->dport = get16(th + 2);
	s->seq = get32(th + 4);
	s->ack = get32(th + 8);
	s->flags = th[13];
	s->win = get16(th + 14);
	s->urg = get16(th + 18);
	s->data = th + doff;
	s->len = n - ihl - doff;
	return parse_opts(th + 20, doff - 20, s, err, errlen);
}

void pd_opts_str(const struct pd_seg *s, char *out, size_t size, bool ts_vals)
{
	size_t k = 0;

	out[0] = '\0';
	for (int i = 0; i < s->nopt && k < size; i++) {
		const struct pd_opt *op = &s->opt[i];
		const char *sep = i ? "," : "";
		int w;

		switch (op->kind) {
		case 0: w = snprintf(out + k, size - k, "%seol", sep); break;
		case 1: w = snprintf(out + k, size - k, "%snop", sep); break;
		case 2: w = snprintf(out + k, size - k, "%smss %u", sep, op->v1); break;
		case 3: w = snprintf(out + k, size - k, "%swscale %u", sep, op->v1); break;
		case 4: w = snprintf(out + k, size - k, "%ssackOK", sep); break;
		case 8:
			w = ts_vals ? snprintf(out + k, size - k, "%sTS val %u ecr %u",
					       sep, op->v1, op->v2) :
				      snprintf(out + k, size - k, "%sTS", sep);
			break;
		default:
			w = snprintf(out + k, size - k, "%sopt %u len %u", sep,
				     op->kind, op->len);
		}
		if (w < 0)
			break;
		k += (size_t)w;
	}
}
