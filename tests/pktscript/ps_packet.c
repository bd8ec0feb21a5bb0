/* SPDX-License-Identifier: MIT */
/*
 * ps_packet.c - datagrams: building what a script injects, and decoding,
 * checking and printing what the stack sends.
 *
 * The checker trusts nothing from the stack: it parses with its own
 * bounds-checked readers and computes every checksum itself (RFC 1071),
 * so a stack bug cannot hide behind shared code. A datagram the stack
 * sends is malformed (and the script fails whatever it expects) when its
 * IPv4 header is not version 4, its length fields disagree with what was
 * captured, or any checksum is wrong (a zero UDP checksum included: Linux
 * always computes it).
 *
 * TCP numbers are relative, as in packetdrill: a flow's inbound sequence
 * numbers count from its remote ISN (--remote_isn), its outbound ones from
 * the sequence number of the first SYN the stack sends on it (0 until
 * then: a RST to a SYN on a closed port carries seq 0). ACKs and SACK
 * blocks count from the other side's base. The TS values the stack sends
 * count from the first one it sent on the flow, which is the value the
 * script wrote there (0 if '...'): an injected "ecr E" is sent as that
 * first value plus (E - its script value).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pktscript.h"

#define IP_HLEN		20
#define UDP_HLEN	8
#define ICMP_HLEN	8
#define TCP_HLEN	20
#define ICMP_QUOTE_MAX	(576 - IP_HLEN - ICMP_HLEN)	/* RFC 1812 4.3.2.3 */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* ---- checksums (RFC 1071), the harness's own ---------------------------- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header sum for UDP and TCP; addresses in network order. */
static uint32_t csum_pseudo(uint32_t saddr, uint32_t daddr, int proto,
			    size_t len)
{
	uint8_t ph[12];

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = (uint8_t)proto;
	put16(ph + 10, (uint32_t)len);
	return csum_add(0, ph, sizeof(ph));
}

/* A checksum that is wrong on purpose, and not 0 (UDP's "none"). */
static uint16_t csum_spoil(uint16_t good)
{
	return good == 0x1234 ? 0x4321 : 0x1234;
}

/* ---- flows --------------------------------------------------------------- */

struct ps_flow *ps_flow_get(struct ps_engine *E, uint32_t laddr, int lport,
			    uint32_t raddr, int rport)
{
	struct ps_flow *f;

	for (f = E->flows; f; f = f->next)
		if (f->laddr == laddr && f->lport == lport &&
		    f->raddr == raddr && f->rport == rport)
			return f;
	f = ps_zalloc(E->s, sizeof(*f));
	f->laddr = laddr;
	f->lport = lport;
	f->raddr = raddr;
	f->rport = rport;
	f->remote_isn = E->s->opt.remote_isn;
	f->next = E->flows;
	E->flows = f;
	return f;
}

/* The payload byte at offset @i: a stream of the alphabet. */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)('a' + i % 26);
}

/* ---- building ------------------------------------------------------------ */

struct addrs {
	uint32_t	saddr, daddr;
	int64_t		sport, dport;	/* PS_ANY: not compared */
};

/* The addresses of a line, with the defaults of its direction. */
static void pkt_addrs(struct ps_engine *E, const struct ps_pkt *p,
		      struct addrs *a)
{
	const struct ps_options *o = &E->s->opt;
	bool in = p->dir == '<';

	if (p->addrs_given) {
		a->saddr = p->saddr;
		a->daddr = p->daddr;
		a->sport = p->sport;
		a->dport = p->dport;
		return;
	}
	a->saddr = in ? o->remote_ip : o->local_ip;
	a->daddr = in ? o->local_ip : o->remote_ip;
	if (!E->default_lport_known && in) {
		E->default_lport = o->local_port;
		E->default_lport_known = true;
	}
	a->sport = in ? o->remote_port :
		   (E->default_lport_known ? E->default_lport : PS_ANY);
	a->dport = in ? E->default_lport : o->remote_port;
}

static struct ps_flow *pkt_flow(struct ps_engine *E, const struct addrs *a,
				bool in)
{
	return in ? ps_flow_get(E, a->daddr, (int)a->dport, a->saddr, (int)a->sport) :
		    ps_flow_get(E, a->saddr, (int)a->sport, a->daddr, (int)a->dport);
}

static int build_l4(struct ps_engine *E, const struct ps_pkt *p,
		    const struct addrs *a, uint8_t *l4, size_t size);

static int build_tcp(struct ps_engine *E, const struct ps_pkt *p,
		     const struct addrs *a, uint8_t *th, size_t size)
{
	struct ps_flow *f = pkt_flow(E, a, p->dir == '<');
	bool in = p->dir == '<';
	uint32_t seq_base = in ? f->remote_isn : f->local_isn;
	uint32_t ack_base = in ? f->local_isn : f->remote_isn;
	size_t optlen = 0, n;
	uint8_t *o = th + TCP_HLEN;
	int i, j;

	for (i = 0; i < p->nopts; i++) {
		const struct ps_tcpopt *op = &p->opts[i];
		int64_t v1 = op->v1, v2 = op->v2;

		if (optlen + 40 > size - TCP_HLEN)
			return ps_fail(E, p->line, "datagram too large");
		if ((v1 == PS_ANY || v2 == PS_ANY) && op->kind != PS_TCPOPT_SACK)
			return ps_fail(E, p->line, "cannot send an option with '...'");
		switch (op->kind) {
		case PS_TCPOPT_EOL:
		case PS_TCPOPT_NOP:
			o[optlen++] = (uint8_t)op->kind;
			break;
		case PS_TCPOPT_MSS:
			o[optlen] = 2, o[optlen + 1] = 4;
			put16(o + optlen + 2, (uint32_t)v1);
			optlen += 4;
			break;
		case PS_TCPOPT_WSCALE:
			o[optlen] = 3, o[optlen + 1] = 3, o[optlen + 2] = (uint8_t)v1;
			optlen += 3;
			break;
		case PS_TCPOPT_SACKOK:
			o[optlen] = 4, o[optlen + 1] = 2;
			optlen += 2;
			break;
		case PS_TCPOPT_SACK:
			o[optlen] = 5;
			o[optlen + 1] = (uint8_t)(2 + 8 * op->nsack);
			for (j = 0; j < op->nsack; j++) {
				put32(o + optlen + 2 + 8 * j,
				      ack_base + (uint32_t)op->sack[j][0]);
				put32(o + optlen + 6 + 8 * j,
				      ack_base + (uint32_t)op->sack[j][1]);
			}
			optlen += 2 + 8 * (size_t)op->nsack;
			break;
		case PS_TCPOPT_TS:
			o[optlen] = 8, o[optlen + 1] = 10;
			put32(o + optlen + 2, (uint32_t)v1);
			if (f->ts_known)
				v2 = (int64_t)f->ts_actual + (v2 - f->ts_script);
			put32(o + optlen + 6, (uint32_t)v2);
			optlen += 10;
			break;
		default:
			o[optlen] = (uint8_t)op->kind;
			o[optlen + 1] = (uint8_t)op->len;
			memset(o + optlen + 2, 0, op->len - 2);
			optlen += op->len;
			break;
		}
	}
	if (optlen > 40)
		return ps_fail(E, p->line, "TCP options take %zu bytes, more than 40",
			       optlen);
	while (optlen % 4)
		o[optlen++] = PS_TCPOPT_EOL;
	n = TCP_HLEN + optlen + (size_t)p->len;
	if (n > size)
		return ps_fail(E, p->line, "datagram too large");
	put16(th, (uint32_t)a->sport);
	put16(th + 2, (uint32_t)a->dport);
	put32(th + 4, seq_base + (uint32_t)p->seq);
	put32(th + 8, (p->tcp_flags & PS_TH_ACK) ? ack_base + (uint32_t)p->ack : 0);
	th[12] = (uint8_t)(((TCP_HLEN + optlen) / 4) << 4);
	th[13] = (uint8_t)p->tcp_flags;
	put16(th + 14, p->win == PS_UNSET ? 65535 : (uint32_t)p->win);
	put16(th + 16, 0);
	put16(th + 18, p->urg == PS_UNSET ? 0 : (uint32_t)p->urg);
	for (int64_t k = 0; k < p->len; k++)
		o[optlen + (size_t)k] = pattern((uint32_t)p->seq - 1 + (uint64_t)k);
	put16(th + 16, csum_fold(csum_pseudo(a->saddr, a->daddr, 6, n) +
				 csum_add(0, th, n)));
	if (p->bad_csum)
		put16(th + 16, csum_spoil(get16(th + 16)));
	return (int)n;
}

static int build_icmp(struct ps_engine *E, const struct ps_pkt *p,
		      uint8_t *ih, size_t size)
{
	size_t n = ICMP_HLEN;
	int64_t info = p->icmp_info == PS_UNSET ? 0 : p->icmp_info;
	int q;

	if (p->icmp_type == PS_ANY || p->icmp_code == PS_ANY || info == PS_ANY)
		return ps_fail(E, p->line, "cannot send an ICMP field with '...'");
	memset(ih, 0, ICMP_HLEN);
	ih[0] = (uint8_t)p->icmp_type;
	ih[1] = (uint8_t)p->icmp_code;
	if (p->quote) {
		/* An error about a datagram: the quote is built as a line would be. */
		q = ps_pkt_build(E, p->quote, ih + ICMP_HLEN, size - ICMP_HLEN);
		if (q < 0)
			return -1;
		n += q < ICMP_QUOTE_MAX ? (size_t)q : ICMP_QUOTE_MAX;
		if (p->icmp_type == 3 && p->icmp_code == 4)
			put16(ih + 6, (uint32_t)info);
		else if (p->icmp_type == 12)
			ih[4] = (uint8_t)info;
		else
			put32(ih + 4, (uint32_t)info);
	} else {
		if (p->icmp_id != PS_UNSET)
			put16(ih + 4, (uint32_t)p->icmp_id);
		if (p->icmp_seq != PS_UNSET)
			put16(ih + 6, (uint32_t)p->icmp_seq);
		if (p->len != PS_UNSET) {
			if ((size_t)p->len > size - n)
				return ps_fail(E, p->line, "datagram too large");
			for (int64_t k = 0; k < p->len; k++)
				ih[n++] = pattern((uint64_t)k);
		}
	}
	put16(ih + 2, csum_fold(csum_add(0, ih, n)));
	if (p->bad_csum)
		put16(ih + 2, csum_spoil(get16(ih + 2)));
	return (int)n;
}

static int build_l4(struct ps_engine *E, const struct ps_pkt *p,
		    const struct addrs *a, uint8_t *l4, size_t size)
{
	size_t n;

	switch (p->kind) {
	case PS_K_UDP:
		if (a->sport < 0 || a->dport < 0 || p->len < 0)
			return ps_fail(E, p->line, "cannot send a UDP field with '...'");
		n = UDP_HLEN + (size_t)p->len;
		if (n > size)
			return ps_fail(E, p->line, "datagram too large");
		put16(l4, (uint32_t)a->sport);
		put16(l4 + 2, (uint32_t)a->dport);
		put16(l4 + 4, (uint32_t)n);
		put16(l4 + 6, 0);
		for (size_t k = 0; k < (size_t)p->len; k++)
			l4[UDP_HLEN + k] = pattern(k);
		put16(l4 + 6, csum_fold(csum_pseudo(a->saddr, a->daddr, 17, n) +
					csum_add(0, l4, n)));
		if (!get16(l4 + 6))
			put16(l4 + 6, 0xffff);	/* RFC 768: 0 means none */
		if (p->bad_csum)
			put16(l4 + 6, csum_spoil(get16(l4 + 6)));
		return (int)n;
	case PS_K_ICMP:
		return build_icmp(E, p, l4, size);
	case PS_K_TCP:
		if (a->sport < 0 || a->dport < 0)
			return ps_fail(E, p->line, "cannot send a TCP port '*'");
		return build_tcp(E, p, a, l4, size);
	case PS_K_IP:
		if (p->len < 0 || (size_t)p->len > size)
			return ps_fail(E, p->line, "bad IP payload length");
		for (size_t k = 0; k < (size_t)p->len; k++)
			l4[k] = pattern(k);
		return (int)p->len;
	}
	return ps_fail(E, p->line, "unknown protocol");
}

static const int kind_proto[] = {
	[PS_K_UDP] = 17, [PS_K_ICMP] = 1, [PS_K_TCP] = 6, [PS_K_IP] = 0,
};

static void ip_header(uint8_t *ip, const struct ps_pkt *p,
		      const struct addrs *a, size_t tot, uint16_t id,
		      uint32_t frag)
{
	ip[0] = 0x45;
	ip[1] = p->tos == PS_UNSET ? 0 : (uint8_t)p->tos;
	put16(ip + 2, (uint32_t)tot);
	put16(ip + 4, id);
	put16(ip + 6, frag | (p->df == 1 ? 0x4000 : 0));
	ip[8] = p->ttl == PS_UNSET ? 64 : (uint8_t)p->ttl;
	ip[9] = (uint8_t)(p->kind == PS_K_IP ? p->ipproto : kind_proto[p->kind]);
	put16(ip + 10, 0);
	memcpy(ip + 12, &a->saddr, 4);
	memcpy(ip + 16, &a->daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
}

/* Remembers an injected datagram (whole, as reassembled) for ICMP quotes. */
static void log_inbound(struct ps_engine *E, const uint8_t *d, size_t len)
{
	struct ps_inbound_log *l = ps_zalloc(E->s, sizeof(*l));

	l->data = ps_zalloc(E->s, len);
	memcpy(l->data, d, len);
	l->len = len;
	l->next = E->inbound;
	E->inbound = l;
}

int ps_pkt_build(struct ps_engine *E, const struct ps_pkt *p, uint8_t *buf,
		 size_t size)
{
	struct addrs a;
	size_t l4len, off = 0, end;
	uint32_t frag = 0;
	uint16_t id;
	int n;

	if (size < IP_HLEN)
		return ps_fail(E, p->line, "datagram too large");
	pkt_addrs(E, p, &a);
	if (p->saddr_any || p->daddr_any || p->ttl == PS_ANY ||
	    p->tos == PS_ANY || p->id == PS_ANY)
		return ps_fail(E, p->line, "cannot send an IP field with '*' or '...'");
	n = build_l4(E, p, &a, buf + IP_HLEN, size - IP_HLEN);
	if (n < 0)
		return -1;
	l4len = (size_t)n;
	id = p->id == PS_UNSET ? E->next_ip_id++ : (uint16_t)p->id;
	ip_header(buf, p, &a, IP_HLEN + l4len, id, 0);
	/* The whole datagram, as the receiver reassembles it: errors quote it. */
	if (p->dir == '<' && p == E->building)
		log_inbound(E, buf, IP_HLEN + l4len);
	if (p->frag_start == PS_UNSET) {
		if (p->mf == 1)
			put16(buf + 6, get16(buf + 6) | 0x2000);
		if (p->bad_ipcsum || p->mf == 1) {
			put16(buf + 10, 0);
			put16(buf + 10, csum_fold(csum_add(0, buf, IP_HLEN)));
			if (p->bad_ipcsum)
				put16(buf + 10, csum_spoil(get16(buf + 10)));
			if (p->dir == '<' && p == E->building)
				log_inbound(E, buf, IP_HLEN + l4len);
		}
		return (int)(IP_HLEN + l4len);
	}
	/* One fragment: bytes [start, end) of the IP payload. */
	off = (size_t)p->frag_start;
	end = (size_t)p->frag_end;
	if (end > l4len)
		return ps_fail(E, p->line, "fragment %zu:%zu runs past the %zu-byte payload",
			       off, end, l4len);
	memmove(buf + IP_HLEN, buf + IP_HLEN + off, end - off);
	frag = (uint32_t)(off / 8);
	if (end < l4len || p->mf == 1)
		frag |= 0x2000;
	ip_header(buf, p, &a, IP_HLEN + end - off, id, frag);
	if (p->bad_ipcsum)
		put16(buf + 10, csum_spoil(get16(buf + 10)));
	if (p->dir == '<' && p == E->building)	/* and the piece as sent */
		log_inbound(E, buf, IP_HLEN + end - off);
	return (int)(IP_HLEN + end - off);
}

/* ---- decoding ------------------------------------------------------------ */

struct dec {
	const uint8_t	*ip;
	size_t		len;		/* captured */
	size_t		ihl, tot;
	unsigned int	tos, ttl, proto, id;
	bool		df, mf;
	unsigned int	off;		/* bytes */
	uint32_t	saddr, daddr;	/* network order */
	const uint8_t	*l4;
	size_t		l4len;
	bool		truncated;	/* an ICMP quote */
};

/* The IPv4 header; 0, or -1 with what is wrong in @why. */
static int dec_ip(const uint8_t *b, size_t len, bool quote, struct dec *d,
		  char *why, size_t wlen)
{
	memset(d, 0, sizeof(*d));
	d->ip = b;
	d->len = len;
	if (len < IP_HLEN) {
		snprintf(why, wlen, "%zu bytes: shorter than an IPv4 header", len);
		return -1;
	}
	if (b[0] >> 4 != 4) {
		snprintf(why, wlen, "IP version %u", b[0] >> 4);
		return -1;
	}
	d->ihl = (size_t)(b[0] & 15) * 4;
	d->tot = get16(b + 2);
	if (d->ihl < IP_HLEN || d->ihl > len) {
		snprintf(why, wlen, "IP header length %zu (of %zu bytes)", d->ihl,
			 len);
		return -1;
	}
	if (!quote && d->tot != len) {
		snprintf(why, wlen, "IP total length %zu but %zu bytes sent",
			 d->tot, len);
		return -1;
	}
	if (quote && d->tot < d->ihl) {
		snprintf(why, wlen, "quoted IP total length %zu", d->tot);
		return -1;
	}
	if (csum_fold(csum_add(0, b, d->ihl))) {
		snprintf(why, wlen, "bad IP header checksum 0x%04x", get16(b + 10));
		return -1;
	}
	d->tos = b[1];
	d->id = get16(b + 4);
	d->df = b[6] & 0x40;
	d->mf = b[6] & 0x20;
	d->off = (get16(b + 6) & 0x1fff) * 8u;
	d->ttl = b[8];
	d->proto = b[9];
	memcpy(&d->saddr, b + 12, 4);
	memcpy(&d->daddr, b + 16, 4);
	d->l4 = b + d->ihl;
	d->l4len = (quote ? len : d->tot) - d->ihl;
	d->truncated = quote && len < d->tot;
	return 0;
}

/* The transport checksum of a whole datagram; NULL if right, else why. */
static const char *dec_l4_csum(const struct dec *d, char *why, size_t wlen)
{
	uint32_t sum;

	if (d->off || d->mf || d->truncated)
		return NULL;		/* a fragment: checked once whole */
	switch (d->proto) {
	case 17:
		if (d->l4len < UDP_HLEN) {
			snprintf(why, wlen, "UDP header truncated (%zu bytes)",
				 d->l4len);
			return why;
		}
		if (!get16(d->l4 + 6)) {
			snprintf(why, wlen, "UDP checksum 0 (not computed)");
			return why;
		}
		sum = csum_pseudo(d->saddr, d->daddr, 17, d->l4len);
		break;
	case 6:
		if (d->l4len < TCP_HLEN) {
			snprintf(why, wlen, "TCP header truncated (%zu bytes)",
				 d->l4len);
			return why;
		}
		sum = csum_pseudo(d->saddr, d->daddr, 6, d->l4len);
		break;
	case 1:
		sum = 0;
		break;
	default:
		return NULL;
	}
	if (csum_fold(csum_add(sum, d->l4, d->l4len))) {
		snprintf(why, wlen, "bad %s checksum",
			 d->proto == 17 ? "UDP" : d->proto == 6 ? "TCP" : "ICMP");
		return why;
	}
	return NULL;
}

static const char *ip_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const char *icmp_type_name(unsigned int type)
{
	switch (type) {
	case 0: return "echo-reply";
	case 3: return "unreachable";
	case 4: return "source-quench";
	case 5: return "redirect";
	case 8: return "echo";
	case 11: return "time-exceeded";
	case 12: return "parameter-problem";
	default: return NULL;
	}
}

static const char *icmp_code_name(unsigned int type, unsigned int code)
{
	static const char *const unreach[] = {
		"net", "host", "protocol", "port", "frag-needed",
		"srcroute-failed", "net-unknown", "host-unknown",
	};

	if (type == 3 && code < 8)
		return unreach[code];
	if (type == 11 && code < 2)
		return code ? "reassembly" : "ttl";
	if (type == 12 && code == 0)
		return "pointer";
	return NULL;
}

/* ---- printing ------------------------------------------------------------ */

struct out {
	char	*p;
	size_t	left;
};

static void outf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->left)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p, o->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->left)
		n = (int)o->left - 1;
	o->p += n;
	o->left -= (size_t)n;
}

static void describe_tcp_opts(struct out *o, const uint8_t *opt, size_t len,
			      const struct ps_flow *f, bool out)
{
	uint32_t sack_base = f ? (out ? f->remote_isn : f->local_isn) : 0;
	bool first = true;
	size_t i = 0, l;

	outf(o, " <");
	while (i < len) {
		outf(o, "%s", first ? "" : ",");
		first = false;
		if (opt[i] == PS_TCPOPT_EOL) {
			outf(o, "eol");
			break;
		}
		if (opt[i] == PS_TCPOPT_NOP) {
			outf(o, "nop");
			i++;
			continue;
		}
		l = i + 1 < len ? opt[i + 1] : 0;
		if (l < 2 || i + l > len) {
			outf(o, "opt %u (bad length %zu)", opt[i], l);
			break;
		}
		if (opt[i] == PS_TCPOPT_MSS && l == 4) {
			outf(o, "mss %u", get16(opt + i + 2));
		} else if (opt[i] == PS_TCPOPT_WSCALE && l == 3) {
			outf(o, "wscale %u", opt[i + 2]);
		} else if (opt[i] == PS_TCPOPT_SACKOK && l == 2) {
			outf(o, "sackOK");
		} else if (opt[i] == PS_TCPOPT_TS && l == 10) {
			int64_t v = get32(opt + i + 2);

			if (out && f && f->ts_known)
				v = f->ts_script + (int64_t)(uint32_t)((uint32_t)v -
								      f->ts_actual);
			outf(o, "TS val %" PRId64 " ecr %u", v, get32(opt + i + 6));
		} else if (opt[i] == PS_TCPOPT_SACK && l >= 10 && (l - 2) % 8 == 0) {
			outf(o, "sack");
			for (size_t j = i + 2; j < i + l; j += 8)
				outf(o, " %u:%u", get32(opt + j) - sack_base,
				     get32(opt + j + 4) - sack_base);
		} else {
			outf(o, "opt %u %zu", opt[i], l);
		}
		i += l;
	}
	outf(o, ">");
}

static void describe_flags(struct out *o, unsigned int fl)
{
	static const char letters[] = "FSRP UEW";	/* bit 4, ACK, is the "." */

	for (int i = 0; i < 8; i++)
		if (fl & (1u << i) && letters[i] != ' ')
			outf(o, "%c", letters[i]);
	if (fl & PS_TH_ACK)
		outf(o, ".");
}

static void describe(struct ps_engine *E, const struct dec *d, bool out,
		     struct out *o);

static void describe_l4(struct ps_engine *E, const struct dec *d, bool out,
			struct out *o)
{
	char s[INET_ADDRSTRLEN], t[INET_ADDRSTRLEN];
	const uint8_t *l4 = d->l4;
	struct dec q;
	char why[128];

	ip_str(d->saddr, s);
	ip_str(d->daddr, t);
	if (d->off) {
		outf(o, "ip %s > %s proto %u len %zu", s, t, d->proto, d->l4len);
		return;
	}
	if (d->proto == 17 && d->l4len >= UDP_HLEN) {
		outf(o, "udp %s:%u > %s:%u len %zu", s, get16(l4), t,
		     get16(l4 + 2), d->truncated || d->mf ?
				    (size_t)get16(l4 + 4) - UDP_HLEN :
				    d->l4len - UDP_HLEN);
	} else if (d->proto == 1 && d->l4len >= ICMP_HLEN) {
		const char *tn = icmp_type_name(l4[0]);
		const char *cn = icmp_code_name(l4[0], l4[1]);

		outf(o, "icmp %s > %s ", s, t);
		if (tn)
			outf(o, "%s", tn);
		else
			outf(o, "type %u code %u", l4[0], l4[1]);
		if (tn && (l4[0] == 3 || l4[0] == 11 || l4[0] == 12 || l4[0] == 5))
		{
			if (cn)
				outf(o, " %s", cn);
			else
				outf(o, " code %u", l4[1]);
		}
		if (l4[0] == 0 || l4[0] == 8 || l4[0] == 13 || l4[0] == 14) {
			outf(o, " id %u seq %u len %zu", get16(l4 + 4), get16(l4 + 6),
			     d->l4len - ICMP_HLEN);
		} else if (l4[0] == 3 && l4[1] == 4) {
			outf(o, " mtu %u", get16(l4 + 6));
		} else if (l4[0] == 12) {
			outf(o, " pointer %u", l4[4]);
		} else if (get32(l4 + 4)) {
			outf(o, " (unused bytes 0x%08x)", get32(l4 + 4));
		}
		if ((l4[0] == 3 || l4[0] == 11 || l4[0] == 12) && !d->truncated) {
			if (dec_ip(l4 + ICMP_HLEN, d->l4len - ICMP_HLEN, true, &q,
				   why, sizeof(why))) {
				outf(o, " [%s]", why);
			} else {
				outf(o, " [");
				describe(E, &q, !out, o);
				outf(o, "] (quote %zu bytes)", d->l4len - ICMP_HLEN);
			}
		}
	} else if (d->proto == 6 && d->l4len >= TCP_HLEN) {
		int sport = get16(l4), dport = get16(l4 + 2);
		size_t doff = (size_t)(l4[12] >> 4) * 4;
		struct ps_flow *f = NULL;
		uint32_t sb = 0, ab = 0;

		for (f = E->flows; f; f = f->next)
			if (out ? (f->laddr == d->saddr && f->lport == sport &&
				   f->raddr == d->daddr && f->rport == dport) :
				  (f->laddr == d->daddr && f->lport == dport &&
				   f->raddr == d->saddr && f->rport == sport))
				break;
		if (f) {
			sb = out ? f->local_isn : f->remote_isn;
			ab = out ? f->remote_isn : f->local_isn;
		}
		outf(o, "tcp %s:%d > %s:%d ", s, sport, t, dport);
		describe_flags(o, l4[13]);
		if (doff < TCP_HLEN || doff > d->l4len) {
			outf(o, " (bad data offset %zu)", doff);
			return;
		}
		outf(o, " %u:%u(%zu)", get32(l4 + 4) - sb,
		     get32(l4 + 4) - sb + (uint32_t)(d->l4len - doff),
		     d->l4len - doff);
		if (l4[13] & PS_TH_ACK)
			outf(o, " ack %u", get32(l4 + 8) - ab);
		outf(o, " win %u", get16(l4 + 14));
		if (l4[13] & PS_TH_URG)
			outf(o, " urg %u", get16(l4 + 18));
		if (doff > TCP_HLEN)
			describe_tcp_opts(o, l4 + TCP_HLEN, doff - TCP_HLEN, f, out);
	} else {
		outf(o, "ip %s > %s proto %u len %zu", s, t, d->proto, d->l4len);
	}
}

static void describe(struct ps_engine *E, const struct dec *d, bool out,
		     struct out *o)
{
	describe_l4(E, d, out, o);
	outf(o, " {ttl %u, id %u%s", d->ttl, d->id, d->df ? ", df" : "");
	if (d->tos)
		outf(o, ", tos 0x%02x", d->tos);
	if (d->off || d->mf)
		outf(o, ", frag %u:%zu%s", d->off, d->off + d->l4len,
		     d->mf ? " mf" : "");
	outf(o, "}");
}

void ps_pkt_describe(struct ps_engine *E, const uint8_t *buf, size_t len,
		     char *out, size_t size)
{
	struct out o = { out, size };
	char why[128];
	struct dec d;

	out[0] = '\0';
	if (dec_ip(buf, len, false, &d, why, sizeof(why))) {
		outf(&o, "malformed datagram (%s)", why);
		return;
	}
	outf(&o, "> ");
	describe(E, &d, true, &o);
}

/* ---- checking ------------------------------------------------------------ */

/* Mismatches found so far, one per line. */
struct diffs {
	char	buf[PS_ERRLEN / 2];
	struct out o;
	int	n;
};

static void diff(struct diffs *df, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void diff(struct diffs *df, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	outf(&df->o, "  %s\n", line);
	df->n++;
}

/* Compares a numeric field: @exp PS_ANY is "any", PS_UNSET uses @dflt. */
static void cmp(struct diffs *df, const char *what, int64_t exp, int64_t dflt,
		int64_t got)
{
	if (exp == PS_ANY || (exp == PS_UNSET && dflt == PS_ANY))
		return;
	if (exp == PS_UNSET)
		exp = dflt;
	if (exp != got)
		diff(df, "%s: expected %" PRId64 ", got %" PRId64, what, exp, got);
}

static void cmp_ip(struct diffs *df, const char *what, uint32_t exp,
		   bool any, uint32_t got)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (!any && exp != got)
		diff(df, "%s: expected %s, got %s", what, ip_str(exp, a),
		     ip_str(got, b));
}

static void check_tcp_opts(struct diffs *df, const struct ps_pkt *p,
			   struct ps_flow *f, const uint8_t *opt, size_t len)
{
	size_t i = 0, l;
	int k = 0;

	while (i < len && k < p->nopts) {
		const struct ps_tcpopt *e = &p->opts[k];
		unsigned int kind = opt[i];

		if (kind != (unsigned int)e->kind) {
			diff(df, "TCP option %d: expected kind %d, got kind %u",
			     k + 1, e->kind, kind);
			return;
		}
		k++;
		if (kind == PS_TCPOPT_EOL)
			return;		/* the rest is padding */
		if (kind == PS_TCPOPT_NOP) {
			i++;
			continue;
		}
		l = i + 1 < len ? opt[i + 1] : 0;
		if (l < 2 || i + l > len) {
			diff(df, "TCP option %d: bad length %zu", k, l);
			return;
		}
		switch (kind) {
		case PS_TCPOPT_MSS:
			if (l != 4)
				diff(df, "mss option length %zu", l);
			else
				cmp(df, "mss", e->v1, PS_ANY, get16(opt + i + 2));
			break;
		case PS_TCPOPT_WSCALE:
			if (l != 3)
				diff(df, "wscale option length %zu", l);
			else
				cmp(df, "wscale", e->v1, PS_ANY, opt[i + 2]);
			break;
		case PS_TCPOPT_SACKOK:
			if (l != 2)
				diff(df, "sackOK option length %zu", l);
			break;
		case PS_TCPOPT_TS: {
			uint32_t val, ecr;

			if (l != 10) {
				diff(df, "TS option length %zu", l);
				break;
			}
			val = get32(opt + i + 2);
			ecr = get32(opt + i + 6);
			if (!f->ts_known) {
				f->ts_known = true;
				f->ts_actual = val;
				f->ts_script = e->v1 == PS_ANY ? 0 : e->v1;
			}
			if (e->v1 != PS_ANY)
				cmp(df, "TS val (relative to the first)",
				    e->v1 - f->ts_script, PS_ANY,
				    (int64_t)(uint32_t)(val - f->ts_actual));
			cmp(df, "TS ecr", e->v2, PS_ANY, ecr);
			break;
		}
		case PS_TCPOPT_SACK: {
			int nb = (int)(l - 2) / 8;

			if ((l - 2) % 8 || nb != e->nsack) {
				diff(df, "sack: expected %d blocks, got %zu bytes",
				     e->nsack, l - 2);
				break;
			}
			for (int j = 0; j < nb; j++) {
				cmp(df, "sack left", e->sack[j][0], PS_ANY,
				    (uint32_t)(get32(opt + i + 2 + 8 * j) - f->remote_isn));
				cmp(df, "sack right", e->sack[j][1], PS_ANY,
				    (uint32_t)(get32(opt + i + 6 + 8 * j) - f->remote_isn));
			}
			break;
		}
		default:
			if (l != e->len)
				diff(df, "option %u: expected length %u, got %zu",
				     kind, e->len, l);
			break;
		}
		i += l;
	}
	if (k < p->nopts)
		diff(df, "TCP options: expected %d, got %d", p->nopts, k);
	else if (i < len)
		diff(df, "TCP options: %zu more bytes than expected (kind %u)",
		     len - i, opt[i]);
}

static void check_tcp(struct ps_engine *E, struct diffs *df,
		      const struct ps_pkt *p, const struct addrs *a,
		      const struct dec *d)
{
	const uint8_t *th = d->l4;
	size_t doff, plen;
	struct ps_flow *f;
	uint32_t seq;
	int sport;

	if (d->l4len < TCP_HLEN) {
		diff(df, "TCP header truncated (%zu bytes)", d->l4len);
		return;
	}
	sport = get16(th);
	if (a->sport == PS_ANY && !p->addrs_given) {
		/* The default flow's local port, learned from an active open. */
		E->default_lport = sport;
		E->default_lport_known = true;
	} else {
		cmp(df, "TCP source port", a->sport, PS_ANY, sport);
	}
	cmp(df, "TCP destination port", a->dport, PS_ANY, get16(th + 2));
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < TCP_HLEN || doff > d->l4len) {
		diff(df, "TCP data offset %zu", doff);
		return;
	}
	if (th[12] & 0x0f)
		diff(df, "reserved TCP header bits set: 0x%x", th[12] & 0x0f);
	plen = d->l4len - doff;
	f = ps_flow_get(E, d->saddr, sport, d->daddr, get16(th + 2));
	if (th[13] != p->tcp_flags) {
		char e[16], g[16];
		struct out oe = { e, sizeof(e) }, og = { g, sizeof(g) };

		describe_flags(&oe, p->tcp_flags);
		describe_flags(&og, th[13]);
		diff(df, "TCP flags: expected %s, got %s", e, g);
	}
	seq = get32(th + 4);
	if ((th[13] & PS_TH_SYN) && !f->local_isn_known) {
		f->local_isn = seq - (p->seq == PS_ANY ? 0 : (uint32_t)p->seq);
		f->local_isn_known = true;
	}
	cmp(df, "TCP sequence number", p->seq, PS_ANY, (uint32_t)(seq - f->local_isn));
	cmp(df, "TCP payload length", p->len, PS_ANY, (int64_t)plen);
	if ((th[13] & PS_TH_ACK) && (p->tcp_flags & PS_TH_ACK))
		cmp(df, "TCP ack", p->ack, PS_ANY,
		    (uint32_t)(get32(th + 8) - f->remote_isn));
	cmp(df, "TCP window", p->win, PS_ANY, get16(th + 14));
	cmp(df, "TCP urgent pointer", p->urg,
	    (p->tcp_flags & PS_TH_URG) ? PS_ANY : 0, get16(th + 18));
	if (p->opts_any)
		return;
	if (!p->opts_given) {
		if (doff > TCP_HLEN)
			diff(df, "TCP options: expected none, got %zu bytes",
			     doff - TCP_HLEN);
		return;
	}
	check_tcp_opts(df, p, f, th + TCP_HLEN, doff - TCP_HLEN);
}

/* The most recent injected datagram whose first @len bytes are @q. */
static const struct ps_inbound_log *find_quoted(const struct ps_engine *E,
						const uint8_t *q, size_t len)
{
	for (const struct ps_inbound_log *l = E->inbound; l; l = l->next)
		if (l->len >= len && !memcmp(l->data, q, len))
			return l;
	return NULL;
}

static void check_quote(struct ps_engine *E, struct diffs *df,
			const struct ps_pkt *p, const struct dec *d)
{
	const uint8_t *q = d->l4 + ICMP_HLEN;
	size_t qlen = d->l4len - ICMP_HLEN;
	const struct ps_inbound_log *orig;
	struct addrs qa;
	struct dec qd;
	char why[128];

	if (dec_ip(q, qlen, true, &qd, why, sizeof(why))) {
		diff(df, "quoted datagram: %s", why);
		return;
	}
	orig = find_quoted(E, q, qlen);
	if (!orig) {
		diff(df, "the quote (%zu bytes) is not the start of any datagram the script injected",
		     qlen);
	} else {
		size_t want = orig->len < ICMP_QUOTE_MAX ? orig->len : ICMP_QUOTE_MAX;

		if (qlen != want)
			diff(df, "quote length: expected %zu (of a %zu-byte datagram), got %zu",
			     want, orig->len, qlen);
	}
	if (!p->quote)
		return;
	pkt_addrs(E, p->quote, &qa);
	cmp_ip(df, "quoted source", qa.saddr, p->quote->saddr_any, qd.saddr);
	cmp_ip(df, "quoted destination", qa.daddr, p->quote->daddr_any,
	       qd.daddr);
	cmp(df, "quoted protocol",
	    p->quote->kind == PS_K_IP ? p->quote->ipproto :
					kind_proto[p->quote->kind],
	    PS_ANY, qd.proto);
	if ((p->quote->kind == PS_K_UDP || p->quote->kind == PS_K_TCP) &&
	    qd.l4len >= 4) {
		cmp(df, "quoted source port", qa.sport, PS_ANY, get16(qd.l4));
		cmp(df, "quoted destination port", qa.dport, PS_ANY,
		    get16(qd.l4 + 2));
	}
	if (p->quote->kind == PS_K_UDP && qd.l4len >= 6 && p->quote->len >= 0)
		cmp(df, "quoted UDP length", p->quote->len + UDP_HLEN, PS_ANY,
		    get16(qd.l4 + 4));
	if (p->quote->kind == PS_K_ICMP && qd.l4len >= 8) {
		cmp(df, "quoted ICMP type", p->quote->icmp_type, PS_ANY, qd.l4[0]);
		cmp(df, "quoted ICMP code", p->quote->icmp_code, PS_ANY, qd.l4[1]);
	}
}

/* The echo request an echo reply answers: its data must come back. */
static void check_echo_data(struct ps_engine *E, struct diffs *df,
			    const struct dec *d)
{
	const uint8_t *ih = d->l4;

	for (const struct ps_inbound_log *l = E->inbound; l; l = l->next) {
		size_t ihl = (size_t)(l->data[0] & 15) * 4;
		const uint8_t *r = l->data + ihl;

		if (l->data[9] != 1 || l->len < ihl + ICMP_HLEN || r[0] != 8 ||
		    get16(r + 4) != get16(ih + 4) || get16(r + 6) != get16(ih + 6))
			continue;
		if (l->len - ihl != d->l4len ||
		    memcmp(r + ICMP_HLEN, ih + ICMP_HLEN, d->l4len - ICMP_HLEN))
			diff(df, "echo reply data differs from the request's");
		return;
	}
}

static void check_icmp(struct ps_engine *E, struct diffs *df,
		       const struct ps_pkt *p, const struct dec *d)
{
	const uint8_t *ih = d->l4;
	int64_t rest;

	if (d->l4len < ICMP_HLEN) {
		diff(df, "ICMP header truncated (%zu bytes)", d->l4len);
		return;
	}
	cmp(df, "ICMP type", p->icmp_type, PS_ANY, ih[0]);
	cmp(df, "ICMP code", p->icmp_code, PS_ANY, ih[1]);
	if (ih[0] != p->icmp_type)
		return;
	switch (ih[0]) {
	case 0: case 8: case 13: case 14:
		cmp(df, "ICMP id", p->icmp_id, PS_ANY, get16(ih + 4));
		cmp(df, "ICMP seq", p->icmp_seq, PS_ANY, get16(ih + 6));
		cmp(df, "ICMP data length", p->len, PS_ANY,
		    (int64_t)(d->l4len - ICMP_HLEN));
		if (ih[0] == 0)
			check_echo_data(E, df, d);
		return;
	case 3: case 11: case 12:
		rest = get32(ih + 4);
		if (ih[0] == 3 && ih[1] == 4) {
			cmp(df, "unused bytes", 0, PS_ANY, rest >> 16);
			cmp(df, "next-hop MTU", p->icmp_info, PS_ANY, rest & 0xffff);
		} else if (ih[0] == 12) {
			cmp(df, "pointer", p->icmp_info, PS_ANY, rest >> 24);
			cmp(df, "unused bytes", 0, PS_ANY, rest & 0xffffff);
		} else {
			cmp(df, "unused bytes", p->icmp_info, 0, rest);
		}
		check_quote(E, df, p, d);
		return;
	default:
		return;
	}
}

int ps_pkt_check(struct ps_engine *E, const struct ps_pkt *p,
		 const uint8_t *buf, size_t len)
{
	struct diffs *df = calloc(1, sizeof(*df));
	char why[128], actual[1024];
	const char *bad;
	struct addrs a;
	struct dec d;
	int ret = 0;

	if (!df)
		return ps_fail(E, p->line, "out of memory");
	df->o.p = df->buf;
	df->o.left = sizeof(df->buf);
	ps_pkt_describe(E, buf, len, actual, sizeof(actual));
	if (dec_ip(buf, len, false, &d, why, sizeof(why))) {
		diff(df, "malformed: %s", why);
		goto out_report;
	}
	bad = dec_l4_csum(&d, why, sizeof(why));
	if (bad)
		diff(df, "malformed: %s", bad);
	pkt_addrs(E, p, &a);
	cmp(df, "IP protocol",
	    p->kind == PS_K_IP ? p->ipproto : kind_proto[p->kind], PS_ANY,
	    d.proto);
	cmp_ip(df, "IP source", a.saddr, p->saddr_any, d.saddr);
	cmp_ip(df, "IP destination", a.daddr, p->daddr_any, d.daddr);
	cmp(df, "IP TTL", p->ttl, 64, d.ttl);
	cmp(df, "IP TOS", p->tos, 0, d.tos);
	cmp(df, "IP ID", p->id, PS_ANY, d.id);
	cmp(df, "IP DF", p->df, PS_ANY, d.df);
	if (d.ihl != IP_HLEN)
		diff(df, "IP options: %zu bytes, expected none", d.ihl - IP_HLEN);
	if (d.off || d.mf) {
		diff(df, "a fragment (offset %u%s), expected a whole datagram",
		     d.off, d.mf ? ", more fragments" : "");
		goto out_report;
	}
	if (df->n && d.proto != (unsigned int)(p->kind == PS_K_IP ? p->ipproto :
					       kind_proto[p->kind]))
		goto out_report;
	switch (p->kind) {
	case PS_K_UDP:
		if (d.l4len < UDP_HLEN) {
			diff(df, "UDP header truncated");
			break;
		}
		cmp(df, "UDP source port", a.sport, PS_ANY, get16(d.l4));
		cmp(df, "UDP destination port", a.dport, PS_ANY, get16(d.l4 + 2));
		cmp(df, "UDP length field", (int64_t)d.l4len, PS_ANY,
		    get16(d.l4 + 4));
		cmp(df, "UDP payload length", p->len, PS_ANY,
		    (int64_t)d.l4len - UDP_HLEN);
		break;
	case PS_K_ICMP:
		check_icmp(E, df, p, &d);
		break;
	case PS_K_TCP:
		check_tcp(E, df, p, &a, &d);
		break;
	case PS_K_IP:
		cmp(df, "IP payload length", p->len, PS_ANY, (int64_t)d.l4len);
		break;
	}
	if (p->kind == PS_K_TCP)	/* in numbers relative to what was learned */
		ps_pkt_describe(E, buf, len, actual, sizeof(actual));
out_report:
	if (df->n)
		ret = ps_fail(E, p->line, "outbound datagram differs:\n%s  actual: %s",
			      df->buf, actual);
	free(df);
	return ret;
}
