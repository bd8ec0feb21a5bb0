/* SPDX-License-Identifier: MIT */
/*
 * pktscript.h - the packet-script harness: scripts in a packetdrill-like
 * language drive one usnet namespace through a script device
 * (src/dev/scriptdev.h) on the simulated clock, injecting datagrams and
 * system calls at given virtual times and checking every datagram the
 * stack sends back, field by field. See README.md beside this file for the
 * language.
 *
 *   ps_parse.c    the script text -> struct ps_script
 *   ps_symbols.c  constants (AF_INET, SO_REUSEADDR, POLLIN...) and errno names
 *   ps_packet.c   building inbound datagrams, decoding, checking and
 *                 printing outbound ones (checksums computed here, never
 *                 with the stack's own code)
 *   ps_syscall.c  the system calls
 *   ps_engine.c   the namespace, the clock, the order of events
 *   ps_main.c     the runner: one process per script, PASS/FAIL, totals
 */
#ifndef USN_PKTSCRIPT_H
#define USN_PKTSCRIPT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A field's value in a script: a number, or one of these. */
#define PS_UNSET	INT64_MIN		/* not written: the default rule */
#define PS_ANY		(INT64_MIN + 1)		/* "..." or "*": not compared */

#define PS_NS_PER_SEC	1000000000LL
#define PS_MAX_ARGS	8
#define PS_MAX_TCPOPTS	16
#define PS_MAX_SACK	4
#define PS_MAX_SYSCTL	32
#define PS_ERRLEN	4096

/* ---- packets ------------------------------------------------------------- */

enum ps_kind {
	PS_K_UDP,
	PS_K_ICMP,
	PS_K_TCP,
	PS_K_IP,	/* any other protocol: "ip proto N len N" */
};

/* TCP option kinds (RFC 9293, 7323, 2018) and the names scripts use. */
enum {
	PS_TCPOPT_EOL = 0,
	PS_TCPOPT_NOP = 1,
	PS_TCPOPT_MSS = 2,
	PS_TCPOPT_WSCALE = 3,
	PS_TCPOPT_SACKOK = 4,
	PS_TCPOPT_SACK = 5,
	PS_TCPOPT_TS = 8,
	PS_TCPOPT_FASTOPEN = 34,
};

struct ps_tcpopt {
	int		kind;
	int64_t		v1, v2;			/* mss / wscale / TS val, ecr */
	int		nsack;
	int64_t		sack[PS_MAX_SACK][2];	/* relative left:right */
	unsigned int	len;			/* unknown kinds: "opt K L" */
};

/* TCP flags as in the header's byte 13. */
#define PS_TH_FIN	0x01
#define PS_TH_SYN	0x02
#define PS_TH_RST	0x04
#define PS_TH_PSH	0x08
#define PS_TH_ACK	0x10
#define PS_TH_URG	0x20
#define PS_TH_ECE	0x40
#define PS_TH_CWR	0x80

struct ps_pkt {
	int		dir;		/* '<' inbound (injected), '>' outbound */
	enum ps_kind	kind;
	int		line;

	/* IPv4: addresses in network order */
	bool		addrs_given;
	uint32_t	saddr, daddr;
	bool		saddr_any, daddr_any;
	int64_t		ttl, tos, id, df, mf;
	int64_t		frag_start, frag_end;	/* bytes of the IP payload */
	int64_t		ipproto;		/* PS_K_IP */
	bool		bad_ipcsum, bad_csum;	/* inbound: corrupt checksum */

	/* UDP, TCP */
	int64_t		sport, dport;
	/* payload: UDP data, ICMP data after its 8 bytes, TCP data, IP payload */
	int64_t		len;

	/* ICMP */
	int64_t		icmp_type, icmp_code, icmp_id, icmp_seq;
	int64_t		icmp_info;	/* mtu (frag-needed), pointer, gateway */
	struct ps_pkt	*quote;		/* errors: the datagram quoted */

	/* TCP: seq, ack, sack blocks relative to each side's ISN */
	unsigned int	tcp_flags;
	int64_t		seq, ack, win, urg;
	bool		opts_given, opts_any;
	int		nopts;
	struct ps_tcpopt opts[PS_MAX_TCPOPTS];
};

/* ---- system calls -------------------------------------------------------- */

enum ps_expr_kind {
	PS_E_INT,	/* number or constants joined by '|' */
	PS_E_ANY,	/* ... */
	PS_E_STR,	/* "bytes" */
	PS_E_ADDR,	/* a.b.c.d:port, a sockaddr_in */
	PS_E_LIST,	/* [e, e, ...] */
	PS_E_STRUCT,	/* {name=e, name=e} */
};

struct ps_expr {
	enum ps_expr_kind kind;
	int64_t		v;
	uint32_t	ip;		/* network order */
	int		port;
	char		*s;
	size_t		slen;
	int		n;
	struct ps_expr	*elems;		/* LIST, STRUCT */
	char		**keys;		/* STRUCT */
};

struct ps_call_spec {
	char		name[32];
	int		nargs;
	struct ps_expr	args[PS_MAX_ARGS];
	int64_t		ret;		/* PS_ANY: not compared */
	int		err;		/* expected errno when ret == -1 */
};

/* ---- scripts ------------------------------------------------------------- */

enum ps_ev_type {
	PS_EV_PACKET,
	PS_EV_CALL,
};

struct ps_event {
	int		line;
	enum ps_ev_type	type;
	int64_t		time;		/* ns from the script's start */
	int64_t		end;		/* "t1...t2": expected return, else PS_UNSET */
	struct ps_pkt	*pkt;
	struct ps_call_spec *call;
	const char	*text;		/* the line as written */
};

struct ps_options {
	uint32_t	local_ip, remote_ip;	/* network order */
	int		prefixlen;
	unsigned int	mtu;
	int64_t		tolerance;		/* ns */
	int		local_port, remote_port;
	bool		local_port_set;
	uint32_t	remote_isn;
	bool		allow_trailing;
	int		nsysctl;
	char		*sysctl[PS_MAX_SYSCTL][2];
	char		*expect_failure;	/* for --expect-fail runs */
};

struct ps_alloc;

struct ps_script {
	const char	*path;
	struct ps_options opt;
	int		nev;
	struct ps_event	*ev;
	struct ps_alloc	*mem;			/* everything above */
};

/* ps_parse.c: 0, or -1 with a "path:line:col: message" in @err. */
int ps_parse_file(const char *path, struct ps_script *s, char *err,
		  size_t errlen);
int ps_parse_text(const char *path, const char *text, struct ps_script *s,
		  char *err, size_t errlen);
void ps_script_free(struct ps_script *s);
void *ps_zalloc(struct ps_script *s, size_t size);
char *ps_strndup(struct ps_script *s, const char *p, size_t n);

/* ps_symbols.c */
bool ps_symbol(const char *name, size_t len, int64_t *v);
int ps_errno_by_name(const char *name, size_t len);	/* 0 if unknown */
const char *ps_errno_name(int err);			/* "EAGAIN", or NULL */

/* ---- the engine ---------------------------------------------------------- */

struct usn_net;

/* What TCP numbers are relative to, per connection (packetdrill's rules). */
struct ps_flow {
	uint32_t	laddr, raddr;
	int		lport, rport;
	bool		local_isn_known;
	uint32_t	local_isn;
	uint32_t	remote_isn;
	bool		ts_known;		/* first outbound TS val seen */
	int64_t		ts_script;		/* its value in the script */
	uint32_t	ts_actual;		/* and on the wire */
	struct ps_flow	*next;
};

struct ps_inbound_log {
	uint8_t		*data;
	size_t		len;
	struct ps_inbound_log *next;
};

struct ps_call;

/* A datagram the stack sent, not yet matched to a line. */
struct ps_cap {
	uint8_t		*data;
	size_t		len;
	uint64_t	ts;			/* virtual ns */
	struct ps_cap	*next;
};

struct ps_engine {
	struct ps_script *s;
	struct usn_net	*net;
	int		ifindex;
	uint64_t	t0;			/* virtual ns of script time 0 */
	bool		verbose;
	struct ps_flow	*flows;
	bool		default_lport_known;
	int		default_lport;
	uint16_t	next_ip_id;
	struct ps_inbound_log *inbound;		/* for ICMP quotes */
	const struct ps_pkt *building;		/* the line being injected */
	struct ps_call	*pending;		/* blocked calls */
	struct ps_cap	*cap, **cap_tail;	/* sent, oldest first */
	int		fdmap[64][2];		/* script fd -> real fd */
	int		nfd;
	bool		failed;
	char		err[PS_ERRLEN];
};

int ps_fail(struct ps_engine *E, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ps_log(struct ps_engine *E, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Script time (s) of virtual time @ns, for messages. */
double ps_script_time(const struct ps_engine *E, uint64_t ns);

/* ps_engine.c: runs @s; 0 passed, -1 failed with E->err set. */
int ps_run(struct ps_script *s, bool verbose, char *err, size_t errlen);

/* ps_packet.c */
struct ps_flow *ps_flow_get(struct ps_engine *E, uint32_t laddr, int lport,
			    uint32_t raddr, int rport);
/* Builds the datagram of an inbound line; returns its length or -1 (failed). */
int ps_pkt_build(struct ps_engine *E, const struct ps_pkt *p, uint8_t *buf,
		 size_t size);
/* Checks an outbound datagram against its line; 0, or -1 (failed). */
int ps_pkt_check(struct ps_engine *E, const struct ps_pkt *exp,
		 const uint8_t *buf, size_t len);
/* Prints a datagram the stack sent, in the script's syntax. */
void ps_pkt_describe(struct ps_engine *E, const uint8_t *buf, size_t len,
		     char *out, size_t size);

/* ps_syscall.c */
struct ps_call {
	const struct ps_event *ev;
	const struct ps_syscall *sc;
	uint64_t	start;		/* virtual ns */
	uint64_t	deadline;	/* UINT64_MAX: none */
	int		fd;		/* real fd of the first argument */
	int64_t		ret;
	int		err;
	size_t		done;		/* bytes moved so far (blocking send/recv) */
	size_t		want;
	uint8_t		*buf;
	struct ps_call	*next;
};

/*
 * Starts the call of @ev at the current time. 1: it finished (checked,
 * 0 or failure recorded), 0: it blocks and was put on E->pending, -1: failed.
 */
int ps_call_start(struct ps_engine *E, const struct ps_event *ev);
/* Retries every blocked call; returns how many finished, or -1 (failed). */
int ps_calls_retry(struct ps_engine *E);
void ps_calls_free(struct ps_engine *E);
/* The earliest timeout of a blocked call (virtual ns), or UINT64_MAX. */
uint64_t ps_calls_deadline(const struct ps_engine *E);

#endif
