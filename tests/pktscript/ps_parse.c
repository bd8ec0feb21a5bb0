/* SPDX-License-Identifier: MIT */
/*
 * ps_parse.c - the script language (README.md) into struct ps_script.
 *
 * One event per line; '//' and '#' start comments. A recursive-descent
 * parser over each line with a cursor: every error names the file, line
 * and column and what was expected there. Values are checked here (ranges,
 * known constants, times that never go backwards), so the engine runs only
 * scripts that mean something.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pktscript.h"

struct ps_alloc {
	struct ps_alloc	*next;
	max_align_t	data[];
};

void *ps_zalloc(struct ps_script *s, size_t size)
{
	struct ps_alloc *a = calloc(1, sizeof(*a) + size);

	if (!a) {
		fprintf(stderr, "pktscript: out of memory\n");
		abort();
	}
	a->next = s->mem;
	s->mem = a;
	return a->data;
}

char *ps_strndup(struct ps_script *s, const char *p, size_t n)
{
	char *d = ps_zalloc(s, n + 1);

	memcpy(d, p, n);
	return d;
}

void ps_script_free(struct ps_script *s)
{
	struct ps_alloc *a, *next;

	for (a = s->mem; a; a = next) {
		next = a->next;
		free(a);
	}
	s->mem = NULL;
	s->ev = NULL;
	s->nev = 0;
}

/* ---- the cursor ---------------------------------------------------------- */

struct cur {
	const char	*p;
	const char	*bol;		/* the line's first character */
	int		line;
	const char	*path;
	struct ps_script *s;
	char		*err;
	size_t		errlen;
};

static int perr(struct cur *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int perr(struct cur *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->path, c->line,
		     (int)(c->p - c->bol) + 1);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')
		c->p++;
}

static bool at_end(struct cur *c)
{
	ws(c);
	return !*c->p;
}

static bool word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '-';
}

/* Accepts the keyword @w as a whole word. */
static bool kw(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	ws(c);
	if (strncmp(c->p, w, n) || word_char(c->p[n]))
		return false;
	c->p += n;
	return true;
}

static bool ch(struct cur *c, char x)
{
	ws(c);
	if (*c->p != x)
		return false;
	c->p++;
	return true;
}

static bool str(struct cur *c, const char *x)
{
	size_t n = strlen(x);

	ws(c);
	if (strncmp(c->p, x, n))
		return false;
	c->p += n;
	return true;
}

/* What is at the cursor, for "got ..." in messages. */
static const char *near(struct cur *c)
{
	static char buf[24];
	size_t n = 0;

	ws(c);
	if (!*c->p)
		return "end of line";
	while (c->p[n] && c->p[n] != ' ' && n < sizeof(buf) - 3)
		n++;
	snprintf(buf, sizeof(buf), "'%.*s'", (int)n, c->p);
	return buf;
}

/* ---- numbers and addresses ---------------------------------------------- */

/* An unsigned decimal or 0x hex number up to @max. */
static int num(struct cur *c, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	ws(c);
	if (!isdigit((unsigned char)*c->p))
		return perr(c, "expected a number, got %s", near(c));
	errno = 0;
	x = strtoull(c->p, &end, 0);
	if (errno || x > max || word_char(*end))
		return perr(c, "number out of range (at most %" PRIu64 ")", max);
	c->p = end;
	*v = x;
	return 0;
}

/* A number, or "..."/"*" for "any". */
static int val(struct cur *c, uint64_t max, int64_t *v)
{
	uint64_t x;

	if (str(c, "...") || ch(c, '*')) {
		*v = PS_ANY;
		return 0;
	}
	if (num(c, max, &x))
		return -1;
	*v = (int64_t)x;
	return 0;
}

static int ipaddr(struct cur *c, uint32_t *ip)
{
	unsigned int b[4];
	int n = 0;

	ws(c);
	if (sscanf(c->p, "%3u.%3u.%3u.%3u%n", &b[0], &b[1], &b[2], &b[3], &n) != 4 ||
	    b[0] > 255 || b[1] > 255 || b[2] > 255 || b[3] > 255)
		return perr(c, "expected an IPv4 address, got %s", near(c));
	c->p += n;
	*ip = htonl(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
	return 0;
}

/* An address, or '*' where @wild allows it. */
static int ip_or_any(struct cur *c, uint32_t *ip, bool *any, bool wild)
{
	*any = false;
	if (wild && ch(c, '*')) {
		*any = true;
		*ip = 0;
		return 0;
	}
	return ipaddr(c, ip);
}

static int ipport(struct cur *c, uint32_t *ip, bool *any, int64_t *port,
		  bool wild)
{
	uint64_t x;

	if (ip_or_any(c, ip, any, wild))
		return -1;
	if (*c->p != ':')
		return perr(c, "expected ':port' after the address");
	c->p++;
	if (wild && *c->p == '*') {
		c->p++;
		*port = PS_ANY;
		return 0;
	}
	if (num(c, 65535, &x))
		return -1;
	*port = (int64_t)x;
	return 0;
}

/*
 * Seconds with up to nine decimals, into ns, exactly (no floating point):
 * "0.010" is 10000000.
 */
static int seconds(struct cur *c, int64_t *ns)
{
	int64_t whole = 0, frac = 0, scale = PS_NS_PER_SEC;
	bool digits = false;

	ws(c);
	while (isdigit((unsigned char)*c->p)) {
		whole = whole * 10 + (*c->p++ - '0');
		digits = true;
		if (whole > 1000000000)
			return perr(c, "time too large");
	}
	if (*c->p == '.' && c->p[1] != '.') {
		c->p++;
		while (isdigit((unsigned char)*c->p)) {
			if (scale == 1)
				return perr(c, "more than nine decimals");
			scale /= 10;
			frac += (*c->p++ - '0') * scale;
			digits = true;
		}
	}
	if (!digits)
		return perr(c, "expected a time in seconds, got %s", near(c));
	*ns = whole * PS_NS_PER_SEC + frac;
	return 0;
}

/* ---- packets ------------------------------------------------------------- */

static int packet(struct cur *c, struct ps_pkt *p, int dir, bool quoted);

static void pkt_init(struct ps_pkt *p, int dir, int line)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
	p->line = line;
	p->ttl = p->tos = p->id = p->df = p->mf = PS_UNSET;
	p->frag_start = p->frag_end = p->ipproto = PS_UNSET;
	p->sport = p->dport = p->len = PS_UNSET;
	p->icmp_type = p->icmp_code = p->icmp_id = p->icmp_seq = PS_UNSET;
	p->icmp_info = PS_UNSET;
	p->seq = p->ack = p->win = p->urg = PS_UNSET;
}

/* "src > dst" with ports for UDP and TCP, without for ICMP and IP. */
static int addresses(struct cur *c, struct ps_pkt *p, bool ports)
{
	bool wild = p->dir == '>';

	p->addrs_given = true;
	if (ports ? ipport(c, &p->saddr, &p->saddr_any, &p->sport, wild) :
		    ip_or_any(c, &p->saddr, &p->saddr_any, wild))
		return -1;
	if (!ch(c, '>'))
		return perr(c, "expected '>' between the addresses, got %s",
			    near(c));
	return ports ? ipport(c, &p->daddr, &p->daddr_any, &p->dport, wild) :
		       ip_or_any(c, &p->daddr, &p->daddr_any, wild);
}

static bool at_address(struct cur *c)
{
	ws(c);
	return isdigit((unsigned char)*c->p) || *c->p == '*';
}

static int udp_body(struct cur *c, struct ps_pkt *p)
{
	if (addresses(c, p, true))
		return -1;
	if (!kw(c, "len"))
		return perr(c, "expected 'len N' (UDP payload bytes), got %s",
			    near(c));
	return val(c, 65507, &p->len);
}

struct icmp_name {
	const char	*name;
	int		type;
	int		code;	/* -1: the line names it */
};

static const struct icmp_name icmp_types[] = {
	{ "echo-reply",		0,  0 },
	{ "unreachable",	3,  -1 },
	{ "source-quench",	4,  0 },
	{ "redirect",		5,  -1 },
	{ "echo",		8,  0 },
	{ "time-exceeded",	11, -1 },
	{ "parameter-problem",	12, -1 },
	{ "timestamp",		13, 0 },
	{ "timestamp-reply",	14, 0 },
};

/* Codes by name, per type (RFC 792, RFC 1812). */
static const struct icmp_name icmp_codes[] = {
	{ "net",		3,  0 },
	{ "host",		3,  1 },
	{ "protocol",		3,  2 },
	{ "port",		3,  3 },
	{ "frag-needed",	3,  4 },
	{ "srcroute-failed",	3,  5 },
	{ "net-unknown",	3,  6 },
	{ "host-unknown",	3,  7 },
	{ "net-prohibited",	3,  9 },
	{ "host-prohibited",	3,  10 },
	{ "admin-prohibited",	3,  13 },
	{ "net",		5,  0 },
	{ "host",		5,  1 },
	{ "ttl",		11, 0 },
	{ "reassembly",		11, 1 },
	{ "pointer",		12, 0 },
	{ "missing-option",	12, 1 },
	{ "bad-length",		12, 2 },
};

static bool icmp_is_error_type(int64_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* After an error's code: "mtu N", "pointer N", and the quoted datagram. */
static int icmp_error_tail(struct cur *c, struct ps_pkt *p)
{
	for (;;) {
		if (kw(c, "mtu") || kw(c, "pointer") || kw(c, "gateway")) {
			if (p->icmp_info != PS_UNSET)
				return perr(c, "mtu/pointer/gateway given twice");
			if (val(c, UINT32_MAX, &p->icmp_info))
				return -1;
		} else if (ch(c, '[')) {
			/* What was quoted went the other way. */
			p->quote = ps_zalloc(c->s, sizeof(*p->quote));
			if (packet(c, p->quote, p->dir == '<' ? '>' : '<', true))
				return -1;
			if (!ch(c, ']'))
				return perr(c, "expected ']' after the quoted datagram, got %s",
					    near(c));
		} else {
			return 0;
		}
	}
}

static int icmp_body(struct cur *c, struct ps_pkt *p)
{
	const struct icmp_name *t = NULL;
	size_t i;

	if (at_address(c) && addresses(c, p, false))
		return -1;
	for (i = 0; i < sizeof(icmp_types) / sizeof(icmp_types[0]); i++)
		if (kw(c, icmp_types[i].name)) {
			t = &icmp_types[i];
			break;
		}
	if (t) {
		p->icmp_type = t->type;
		p->icmp_code = t->code;
		if (t->code < 0) {
			for (i = 0; i < sizeof(icmp_codes) / sizeof(icmp_codes[0]); i++)
				if (icmp_codes[i].type == t->type &&
				    kw(c, icmp_codes[i].name)) {
					p->icmp_code = icmp_codes[i].code;
					break;
				}
			if (p->icmp_code < 0 && kw(c, "code") &&
			    val(c, 255, &p->icmp_code))
				return -1;
			if (p->icmp_code < 0 && p->icmp_code != PS_ANY)
				return perr(c, "expected the %s code (a name or 'code N'), got %s",
					    t->name, near(c));
		}
	} else if (kw(c, "type")) {
		if (val(c, 255, &p->icmp_type))
			return -1;
		if (!kw(c, "code"))
			return perr(c, "expected 'code N' after the type");
		if (val(c, 255, &p->icmp_code))
			return -1;
	} else {
		return perr(c, "expected an ICMP type (echo, echo-reply, unreachable, time-exceeded, parameter-problem, ... or 'type N code N'), got %s",
			    near(c));
	}
	if (icmp_is_error_type(p->icmp_type))
		return icmp_error_tail(c, p);
	/* Queries: id, seq and the data length after the 8-byte header. */
	for (;;) {
		if (kw(c, "id")) {
			if (val(c, 65535, &p->icmp_id))
				return -1;
		} else if (kw(c, "seq")) {
			if (val(c, 65535, &p->icmp_seq))
				return -1;
		} else if (kw(c, "len")) {
			if (val(c, 65507, &p->len))
				return -1;
		} else {
			break;
		}
	}
	if (p->dir == '<' && (p->icmp_id == PS_UNSET || p->icmp_seq == PS_UNSET))
		return perr(c, "an injected ICMP query needs 'id N seq N'");
	return 0;
}

static int ip_body(struct cur *c, struct ps_pkt *p)
{
	if (addresses(c, p, false))
		return -1;
	if (!kw(c, "proto"))
		return perr(c, "expected 'proto N', got %s", near(c));
	if (val(c, 255, &p->ipproto))
		return -1;
	if (!kw(c, "len"))
		return perr(c, "expected 'len N' (IP payload bytes), got %s",
			    near(c));
	return val(c, 65515, &p->len);
}

/* ---- TCP ---- */

static int tcp_flags(struct cur *c, unsigned int *flags)
{
	static const char letters[] = "FSRP.UEW";
	static const unsigned int bits[] = {
		PS_TH_FIN, PS_TH_SYN, PS_TH_RST, PS_TH_PSH, PS_TH_ACK,
		PS_TH_URG, PS_TH_ECE, PS_TH_CWR,
	};
	const char *q;

	ws(c);
	*flags = 0;
	while (*c->p && (q = strchr(letters, *c->p))) {
		if (*flags & bits[q - letters])
			return perr(c, "TCP flag '%c' given twice", *c->p);
		*flags |= bits[q - letters];
		c->p++;
	}
	if (!*flags || (*c->p && *c->p != ' ' && *c->p != '\t'))
		return perr(c, "expected TCP flags (letters of FSRP.UEW, '.' for ACK), got %s",
			    near(c));
	return 0;
}

static int tcp_sack_blocks(struct cur *c, struct ps_tcpopt *o)
{
	uint64_t l, r;

	while (o->nsack < PS_MAX_SACK) {
		ws(c);
		if (!isdigit((unsigned char)*c->p))
			break;
		if (num(c, UINT32_MAX, &l) || !ch(c, ':') ||
		    num(c, UINT32_MAX, &r))
			return perr(c, "expected SACK blocks 'left:right ...'");
		o->sack[o->nsack][0] = (int64_t)l;
		o->sack[o->nsack][1] = (int64_t)r;
		o->nsack++;
	}
	if (!o->nsack)
		return perr(c, "expected at least one SACK block");
	return 0;
}

static int tcp_option(struct cur *c, struct ps_tcpopt *o)
{
	o->v1 = o->v2 = PS_UNSET;
	if (kw(c, "nop")) {
		o->kind = PS_TCPOPT_NOP;
	} else if (kw(c, "eol")) {
		o->kind = PS_TCPOPT_EOL;
	} else if (kw(c, "mss")) {
		o->kind = PS_TCPOPT_MSS;
		return val(c, 65535, &o->v1);
	} else if (kw(c, "wscale")) {
		o->kind = PS_TCPOPT_WSCALE;
		return val(c, 255, &o->v1);
	} else if (kw(c, "sackOK")) {
		o->kind = PS_TCPOPT_SACKOK;
	} else if (kw(c, "sack")) {
		o->kind = PS_TCPOPT_SACK;
		return tcp_sack_blocks(c, o);
	} else if (kw(c, "TS")) {
		o->kind = PS_TCPOPT_TS;
		if (!kw(c, "val") || val(c, UINT32_MAX, &o->v1))
			return perr(c, "expected 'TS val N ecr N'");
		if (!kw(c, "ecr") || val(c, UINT32_MAX, &o->v2))
			return perr(c, "expected 'ecr N' after the TS value");
	} else if (kw(c, "opt")) {
		uint64_t k, l;

		if (num(c, 255, &k) || num(c, 40, &l))
			return -1;
		if (l < 2)
			return perr(c, "an option's length is at least 2");
		o->kind = (int)k;
		o->len = (unsigned int)l;
	} else {
		return perr(c, "expected a TCP option (mss, sackOK, TS, nop, wscale, sack, eol, opt K L), got %s",
			    near(c));
	}
	return 0;
}

static int tcp_options(struct cur *c, struct ps_pkt *p)
{
	p->opts_given = true;
	if (str(c, "...")) {
		p->opts_any = true;
		return ch(c, '>') ? 0 : perr(c, "expected '>' after '<...'");
	}
	do {
		if (p->nopts == PS_MAX_TCPOPTS)
			return perr(c, "too many TCP options");
		if (tcp_option(c, &p->opts[p->nopts++]))
			return -1;
	} while (ch(c, ','));
	if (!ch(c, '>'))
		return perr(c, "expected ',' or '>' in the option list, got %s",
			    near(c));
	return 0;
}

static int tcp_body(struct cur *c, struct ps_pkt *p)
{
	int64_t end;

	if (kw(c, "tcp") && addresses(c, p, true))
		return -1;
	if (tcp_flags(c, &p->tcp_flags))
		return -1;
	if (val(c, UINT32_MAX, &p->seq) || !ch(c, ':'))
		return perr(c, "expected 'start:end(length)' sequence numbers");
	if (val(c, UINT32_MAX, &end) || !ch(c, '('))
		return perr(c, "expected 'start:end(length)' sequence numbers");
	if (val(c, 65535, &p->len) || !ch(c, ')'))
		return perr(c, "expected '(length)' after start:end");
	if (p->seq != PS_ANY && end != PS_ANY && p->len != PS_ANY &&
	    (uint32_t)(end - p->seq) != (uint32_t)p->len)
		return perr(c, "start:end(length) disagree: %" PRId64 ":%" PRId64
			    " is not %" PRId64 " bytes", p->seq, end, p->len);
	for (;;) {
		if (kw(c, "ack")) {
			if (!(p->tcp_flags & PS_TH_ACK))
				return perr(c, "'ack' without the ACK flag '.'");
			if (val(c, UINT32_MAX, &p->ack))
				return -1;
		} else if (kw(c, "win")) {
			if (val(c, 65535, &p->win))
				return -1;
		} else if (kw(c, "urg")) {
			if (val(c, 65535, &p->urg))
				return -1;
		} else if (ch(c, '<')) {
			if (tcp_options(c, p))
				return -1;
		} else {
			break;
		}
	}
	if ((p->tcp_flags & PS_TH_ACK) && p->ack == PS_UNSET)
		return perr(c, "the ACK flag '.' needs 'ack N' (or 'ack ...')");
	if (p->dir == '<' && (p->seq == PS_ANY || p->len == PS_ANY ||
			      p->ack == PS_ANY || p->win == PS_ANY))
		return perr(c, "an injected segment cannot leave fields open");
	return 0;
}

/* "{ttl 64, tos 0x10, id 7, df, frag 0:24, bad-ipcsum, bad-csum}" */
static int ip_attrs(struct cur *c, struct ps_pkt *p)
{
	uint64_t a, b;

	do {
		if (kw(c, "ttl")) {
			if (val(c, 255, &p->ttl))
				return -1;
		} else if (kw(c, "tos")) {
			if (val(c, 255, &p->tos))
				return -1;
		} else if (kw(c, "id")) {
			if (val(c, 65535, &p->id))
				return -1;
		} else if (kw(c, "df")) {
			p->df = 1;
		} else if (kw(c, "nodf")) {
			p->df = 0;
		} else if (kw(c, "mf")) {
			p->mf = 1;
		} else if (kw(c, "frag")) {
			if (num(c, 65535, &a) || !ch(c, ':') ||
			    num(c, 65535, &b))
				return perr(c, "expected 'frag start:end' (bytes of the IP payload)");
			if (a % 8 || b <= a)
				return perr(c, "a fragment starts at a multiple of 8 and is not empty");
			p->frag_start = (int64_t)a;
			p->frag_end = (int64_t)b;
		} else if (kw(c, "bad-ipcsum")) {
			p->bad_ipcsum = true;
		} else if (kw(c, "bad-csum")) {
			p->bad_csum = true;
		} else {
			return perr(c, "expected an IP attribute (ttl, tos, id, df, nodf, mf, frag, bad-ipcsum, bad-csum), got %s",
				    near(c));
		}
	} while (ch(c, ','));
	if (!ch(c, '}'))
		return perr(c, "expected ',' or '}', got %s", near(c));
	if ((p->bad_ipcsum || p->bad_csum || p->frag_start != PS_UNSET) &&
	    p->dir == '>')
		return perr(c, "bad-ipcsum, bad-csum and frag are for injected datagrams");
	return 0;
}

static int packet(struct cur *c, struct ps_pkt *p, int dir, bool quoted)
{
	int err;

	pkt_init(p, dir, c->line);
	if (kw(c, "udp")) {
		p->kind = PS_K_UDP;
		err = udp_body(c, p);
	} else if (kw(c, "icmp")) {
		p->kind = PS_K_ICMP;
		err = icmp_body(c, p);
	} else if (kw(c, "ip")) {
		p->kind = PS_K_IP;
		err = ip_body(c, p);
	} else {
		p->kind = PS_K_TCP;
		err = tcp_body(c, p);
	}
	if (err)
		return -1;
	if (ch(c, '{') && ip_attrs(c, p))
		return -1;
	if (quoted && p->kind == PS_K_TCP && !p->addrs_given)
		return perr(c, "a quoted TCP segment needs 'tcp src > dst'");
	return 0;
}

/* ---- system calls -------------------------------------------------------- */

static int expr(struct cur *c, struct ps_expr *e);

static int int_term(struct cur *c, int64_t *v)
{
	const char *start;
	uint64_t x;
	bool neg;

	ws(c);
	neg = *c->p == '-';
	if (neg)
		c->p++;
	if (isdigit((unsigned char)*c->p)) {
		if (num(c, INT64_MAX, &x))
			return -1;
		*v = neg ? -(int64_t)x : (int64_t)x;
		return 0;
	}
	if (neg)
		return perr(c, "expected a number after '-'");
	start = c->p;
	while (isalnum((unsigned char)*c->p) || *c->p == '_')
		c->p++;
	if (c->p == start)
		return perr(c, "expected a value, got %s", near(c));
	if (!ps_symbol(start, (size_t)(c->p - start), v)) {
		c->p = start;
		return perr(c, "unknown constant %s", near(c));
	}
	return 0;
}

static int int_expr(struct cur *c, int64_t *v)
{
	int64_t t;

	if (int_term(c, v))
		return -1;
	while (ch(c, '|')) {
		if (int_term(c, &t))
			return -1;
		*v |= t;
	}
	return 0;
}

static int string_lit(struct cur *c, struct ps_expr *e)
{
	char *buf = ps_zalloc(c->s, strlen(c->p) + 1);
	size_t n = 0;
	unsigned int x;

	c->p++;		/* the opening quote */
	while (*c->p && *c->p != '"') {
		if (*c->p != '\\') {
			buf[n++] = *c->p++;
			continue;
		}
		c->p++;
		switch (*c->p) {
		case 'n': buf[n++] = '\n'; c->p++; break;
		case 't': buf[n++] = '\t'; c->p++; break;
		case '0': buf[n++] = '\0'; c->p++; break;
		case '\\': case '"': buf[n++] = *c->p++; break;
		case 'x':
			if (sscanf(c->p + 1, "%2x", &x) != 1)
				return perr(c, "expected two hex digits after \\x");
			buf[n++] = (char)x;
			c->p += isxdigit((unsigned char)c->p[2]) ? 3 : 2;
			break;
		default:
			return perr(c, "unknown escape '\\%c'", *c->p);
		}
	}
	if (*c->p != '"')
		return perr(c, "unterminated string");
	c->p++;
	e->kind = PS_E_STR;
	e->s = buf;
	e->slen = n;
	return 0;
}

/* An address a.b.c.d:port (the port may be omitted: 0). */
static bool looks_like_ip(const char *p)
{
	int dots = 0;

	while (isdigit((unsigned char)*p) || *p == '.')
		dots += *p++ == '.';
	return dots == 3;
}

static int expr_seq(struct cur *c, struct ps_expr *e, char close, bool keyed)
{
	struct ps_expr tmp[32];
	char *keys[32];
	const char *k, *kend;
	int n = 0;

	if (!ch(c, close)) {
		do {
			if (n == 32)
				return perr(c, "too many elements");
			keys[n] = NULL;
			if (keyed) {
				ws(c);
				k = c->p;
				while (isalnum((unsigned char)*c->p) || *c->p == '_')
					c->p++;
				kend = c->p;
				if (kend == k || !ch(c, '='))
					return perr(c, "expected 'name=value'");
				keys[n] = ps_strndup(c->s, k, (size_t)(kend - k));
			}
			if (expr(c, &tmp[n++]))
				return -1;
		} while (ch(c, ','));
		if (!ch(c, close))
			return perr(c, "expected ',' or '%c', got %s", close,
				    near(c));
	}
	e->kind = keyed ? PS_E_STRUCT : PS_E_LIST;
	e->n = n;
	e->elems = ps_zalloc(c->s, sizeof(*e->elems) * (size_t)(n ? n : 1));
	memcpy(e->elems, tmp, sizeof(*tmp) * (size_t)n);
	if (keyed) {
		e->keys = ps_zalloc(c->s, sizeof(char *) * (size_t)(n ? n : 1));
		memcpy(e->keys, keys, sizeof(char *) * (size_t)n);
	}
	return 0;
}

static int expr(struct cur *c, struct ps_expr *e)
{
	uint64_t port = 0;

	memset(e, 0, sizeof(*e));
	ws(c);
	if (str(c, "...")) {
		e->kind = PS_E_ANY;
		return 0;
	}
	if (*c->p == '"')
		return string_lit(c, e);
	if (ch(c, '['))
		return expr_seq(c, e, ']', false);
	if (ch(c, '{'))
		return expr_seq(c, e, '}', true);
	if (looks_like_ip(c->p)) {
		if (ipaddr(c, &e->ip))
			return -1;
		if (*c->p == ':') {
			c->p++;
			if (num(c, 65535, &port))
				return -1;
		}
		e->kind = PS_E_ADDR;
		e->port = (int)port;
		return 0;
	}
	e->kind = PS_E_INT;
	return int_expr(c, &e->v);
}

static int call(struct cur *c, struct ps_call_spec *cs)
{
	const char *start;
	int64_t ret;

	ws(c);
	start = c->p;
	while (isalnum((unsigned char)*c->p) || *c->p == '_')
		c->p++;
	if (c->p == start || (size_t)(c->p - start) >= sizeof(cs->name))
		return perr(c, "expected '<', '>' or a system call, got %s",
			    near(c));
	memcpy(cs->name, start, (size_t)(c->p - start));
	if (!ch(c, '('))
		return perr(c, "expected '(' after %s", cs->name);
	if (!ch(c, ')')) {
		do {
			if (cs->nargs == PS_MAX_ARGS)
				return perr(c, "too many arguments");
			if (expr(c, &cs->args[cs->nargs++]))
				return -1;
		} while (ch(c, ','));
		if (!ch(c, ')'))
			return perr(c, "expected ',' or ')', got %s", near(c));
	}
	if (!ch(c, '='))
		return perr(c, "expected '= result', got %s", near(c));
	if (str(c, "...")) {
		cs->ret = PS_ANY;
		return 0;
	}
	if (int_expr(c, &ret))
		return -1;
	cs->ret = ret;
	if (ret == -1) {
		ws(c);
		start = c->p;
		while (isalnum((unsigned char)*c->p))
			c->p++;
		cs->err = ps_errno_by_name(start, (size_t)(c->p - start));
		if (!cs->err) {
			c->p = start;
			return perr(c, "expected an errno name after -1, got %s",
				    near(c));
		}
	}
	/* "(a comment)" may follow, as packetdrill allows. */
	ws(c);
	if (*c->p == '(')
		c->p += strlen(c->p);
	return 0;
}

/* ---- options ------------------------------------------------------------- */

static int option(struct cur *c, struct ps_options *o)
{
	const char *name = c->p + 2, *v;
	size_t n = strcspn(name, "= \t");
	struct cur vc;
	uint64_t x;

	v = name + n;
	while (*v == ' ' || *v == '\t' || *v == '=')
		v++;
	vc = *c;
	vc.p = v;
#define OPT(s)	(n == strlen(s) && !strncmp(name, s, n))
	if (OPT("tolerance_usecs")) {
		if (num(&vc, 10000000, &x))
			return -1;
		o->tolerance = (int64_t)x * 1000;
	} else if (OPT("local_ip")) {
		if (ipaddr(&vc, &o->local_ip))
			return -1;
	} else if (OPT("remote_ip")) {
		if (ipaddr(&vc, &o->remote_ip))
			return -1;
	} else if (OPT("prefixlen")) {
		if (num(&vc, 32, &x))
			return -1;
		o->prefixlen = (int)x;
	} else if (OPT("mtu")) {
		if (num(&vc, 65535, &x) || x < 68)
			return perr(&vc, "mtu is 68 to 65535");
		o->mtu = (unsigned int)x;
	} else if (OPT("local_port")) {
		if (num(&vc, 65535, &x))
			return -1;
		o->local_port = (int)x;
		o->local_port_set = true;
	} else if (OPT("remote_port")) {
		if (num(&vc, 65535, &x))
			return -1;
		o->remote_port = (int)x;
	} else if (OPT("remote_isn")) {
		if (num(&vc, UINT32_MAX, &x))
			return -1;
		o->remote_isn = (uint32_t)x;
	} else if (OPT("allow_trailing_packets")) {
		o->allow_trailing = true;
		vc.p += strlen(vc.p);
	} else if (OPT("sysctl")) {
		size_t k = strcspn(v, "=");

		if (!v[k] || !k || o->nsysctl == PS_MAX_SYSCTL)
			return perr(&vc, "expected --sysctl=name=value");
		o->sysctl[o->nsysctl][0] = ps_strndup(c->s, v, k);
		o->sysctl[o->nsysctl][1] = ps_strndup(c->s, v + k + 1,
						      strcspn(v + k + 1, " \t"));
		o->nsysctl++;
		vc.p += strlen(vc.p);
	} else if (OPT("expect_failure")) {
		size_t len = strlen(v);

		while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
			v++;
			len -= 2;
		}
		o->expect_failure = ps_strndup(c->s, v, len);
		vc.p += strlen(vc.p);
	} else {
		return perr(c, "unknown option --%.*s", (int)n, name);
	}
#undef OPT
	*c = vc;
	if (!at_end(c))
		return perr(c, "unexpected %s after the option", near(c));
	return 0;
}

/* ---- lines --------------------------------------------------------------- */

/* Cuts a comment off: '//' or '#' outside a string. */
static void strip_comment(char *line)
{
	bool in_str = false;

	for (char *p = line; *p; p++) {
		if (*p == '"' && (p == line || p[-1] != '\\'))
			in_str = !in_str;
		if (!in_str && (*p == '#' || (p[0] == '/' && p[1] == '/'))) {
			*p = '\0';
			return;
		}
	}
}

static int event_time(struct cur *c, int64_t prev, struct ps_event *ev)
{
	bool rel = ch(c, '+');
	int64_t t;

	if (seconds(c, &t))
		return -1;
	ev->time = rel ? prev + t : t;
	if (ev->time < prev)
		return perr(c, "time %.6f is before the previous line's %.6f",
			    (double)ev->time / 1e9, (double)prev / 1e9);
	ev->end = PS_UNSET;
	if (str(c, "...")) {
		rel = ch(c, '+');
		if (seconds(c, &t))
			return -1;
		ev->end = rel ? ev->time + t : t;
		if (ev->end < ev->time)
			return perr(c, "the call's end is before its start");
	}
	return 0;
}

static void default_options(struct ps_options *o)
{
	memset(o, 0, sizeof(*o));
	o->local_ip = htonl(0x0a000001);	/* 10.0.0.1 */
	o->remote_ip = htonl(0xc0000201);	/* 192.0.2.1 (TEST-NET-1) */
	o->prefixlen = 24;
	o->mtu = 1500;
	o->tolerance = 4000000;			/* 4 ms, as packetdrill */
	o->local_port = 8080;
	o->remote_port = 40000;
	o->remote_isn = 1000000;
}

static int parse_line(struct cur *c, char *line, int64_t *prev, int *cap)
{
	struct ps_script *s = c->s;
	struct ps_event *ev;

	c->p = c->bol = line;
	if (at_end(c))
		return 0;
	if (!strncmp(c->p, "--", 2)) {
		if (s->nev)
			return perr(c, "options come before the first event");
		return option(c, &s->opt);
	}
	if (s->nev == *cap) {
		struct ps_event *n;

		*cap = *cap ? *cap * 2 : 32;
		n = ps_zalloc(s, sizeof(*n) * (size_t)*cap);
		if (s->nev)
			memcpy(n, s->ev, sizeof(*n) * (size_t)s->nev);
		s->ev = n;
	}
	ev = &s->ev[s->nev];
	memset(ev, 0, sizeof(*ev));
	ev->line = c->line;
	ev->text = ps_strndup(s, c->p, strlen(c->p));
	if (event_time(c, *prev, ev))
		return -1;
	if (ch(c, '<') || ch(c, '>')) {
		ev->type = PS_EV_PACKET;
		ev->pkt = ps_zalloc(s, sizeof(*ev->pkt));
		if (ev->end != PS_UNSET)
			return perr(c, "'t1...t2' is for system calls");
		if (packet(c, ev->pkt, c->p[-1], false))
			return -1;
	} else {
		ev->type = PS_EV_CALL;
		ev->call = ps_zalloc(s, sizeof(*ev->call));
		if (call(c, ev->call))
			return -1;
	}
	if (!at_end(c))
		return perr(c, "unexpected %s at the end of the line", near(c));
	/*
	 * After "t1...t2", '+' counts from t1, as in packetdrill: the lines
	 * that follow say what happens while the call blocks.
	 */
	*prev = ev->time;
	s->nev++;
	return 0;
}

int ps_parse_text(const char *path, const char *text, struct ps_script *s,
		  char *err, size_t errlen)
{
	struct cur c = { .path = path, .s = s, .err = err, .errlen = errlen };
	int64_t prev = 0;
	int cap = 0;
	const char *p = text, *eol;
	char *line;

	memset(s, 0, sizeof(*s));
	s->path = path;
	default_options(&s->opt);
	for (c.line = 1; *p; c.line++, p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		line = ps_strndup(s, p, (size_t)(eol - p));
		strip_comment(line);
		if (parse_line(&c, line, &prev, &cap))
			return -1;
	}
	if (!s->nev) {
		snprintf(err, errlen, "%s: no events", path);
		return -1;
	}
	return 0;
}

int ps_parse_file(const char *path, struct ps_script *s, char *err,
		  size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	int ret;

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		snprintf(err, errlen, "%s: cannot read", path);
		fclose(f);
		return -1;
	}
	text = calloc(1, (size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: cannot read", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	ret = ps_parse_text(path, text, s, err, errlen);
	free(text);
	return ret;
}
