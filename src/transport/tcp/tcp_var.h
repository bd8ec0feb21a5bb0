/* SPDX-License-Identifier: MIT */
/*
 * tcp_var.h - TCP's private state, after include/linux/tcp.h,
 * include/net/inet_connection_sock.h and include/net/tcp.h: the socket
 * (struct tcp_sock, with the connection-socket fields of struct
 * inet_connection_sock folded in), the small objects that stand for a
 * connection without a full socket (request socks in SYN_RECV, TIME_WAIT
 * socks), the per-namespace hash tables, the control block TCP keeps in
 * each sk_buff, and the functions the files of this folder share.
 *
 * Objects in the tables:
 *   ehash: every connection by its 4-tuple - full sockets (SYN_SENT and
 *          later), request socks and TIME_WAIT socks, told apart by
 *          tcp_ehash_node.kind.
 *   lhash: listening sockets by local port.
 *   bhash: every owner of a local port (sockets and TIME_WAIT socks), for
 *          bind conflicts and the ephemeral port search.
 * A lookup walks one chain, never the table.
 *
 * Send side: sk_write_queue holds every segment not yet acknowledged, in
 * sequence order; send_head is the first never sent. Each sk_buff holds
 * payload only (data at the payload, USN_MAX_HEADER of headroom); headers
 * are pushed on a clone at transmission, so the queue keeps the original
 * for retransmission.
 */
#ifndef USN_TRANSPORT_TCP_TCP_VAR_H
#define USN_TRANSPORT_TCP_TCP_VAR_H

#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"
#include "core/skbuff.h"
#include "core/timer.h"
#include "family/inet/inet_sock.h"
#include "net/net.h"
#include "network/ipv4/ip.h"
#include "socket/sock_mem.h"
#include "transport/tcp/tcp.h"
#include "transport/tcp/tcp_seq.h"
#include "wire/tcp.h"

/* ---- constants (include/net/tcp.h), times in ms (jiffies, HZ 1000) ------- */

#define TCP_MSS_DEFAULT		536u	/* RFC 9293: without an MSS option */
#define TCP_MIN_MSS		88u
#define TCP_MAX_WSCALE		14
#define TCP_INIT_CWND		10
#define TCP_INFINITE_SSTHRESH	0x7fffffffu
#define TCP_TIMEOUT_INIT	1000u	/* RFC 6298 2.1: initial RTO */
#define TCP_TIMEOUT_MIN		2u	/* 2 jiffies */
#define TCP_TIMEOUT_FALLBACK	3000u	/* RFC 6298 5.7: no RTT from the handshake */
#define TCP_RTO_MIN		200u
#define TCP_RTO_MAX		120000u
#define TCP_TIMEWAIT_LEN	60000u
#define TCP_FIN_TIMEOUT_MAX	120000u
#define TCP_ATO_MIN		40u
#define TCP_DELACK_MAX		200u
#define TCP_MAX_QUICKACKS	16u
#define TCP_RESOURCE_PROBE_INTERVAL 500u
#define TCP_PAWS_24DAYS		(60 * 60 * 24 * 24)
#define TCP_PAWS_MSL		60	/* s */
#define TCP_PAWS_WINDOW		1
#define TCP_RMEM_TO_WIN_SCALE	8
#define TCP_DEFAULT_SCALING_RATIO (1u << (TCP_RMEM_TO_WIN_SCALE - 1))
#define MAX_TCP_HEADER		320	/* what Linux reserves per segment */
#define TCP_SKB_OVERHEAD	256	/* SKB_DATA_ALIGN(sizeof(struct sk_buff)) */
#define TCP_SHINFO_OVERHEAD	320	/* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define MAX_TCP_KEEPIDLE	32767
#define MAX_TCP_KEEPINTVL	32767
#define MAX_TCP_KEEPCNT		127
#define MAX_TCP_SYNCNT		127
#define TCP_OPT_SIZE_MAX	40

/* nonagle */
#define TCP_NAGLE_OFF		1	/* TCP_NODELAY */
#define TCP_NAGLE_CORK		2	/* TCP_CORK (or MSG_MORE) */
#define TCP_NAGLE_PUSH		4	/* push what is queued now */

/* ca_state */
enum tcp_ca_state {
	TCP_CA_Open,
	TCP_CA_Disorder,
	TCP_CA_CWR,
	TCP_CA_Recovery,
	TCP_CA_Loss,
};

/* icsk_pending: what the retransmit timer is armed for */
#define ICSK_TIME_RETRANS	1
#define ICSK_TIME_PROBE0	3
#define ICSK_TIME_LOSS_PROBE	5	/* RFC 8985 tail loss probe */
#define ICSK_TIME_REO_TIMEOUT	6	/* RACK reordering timer */

/* icsk_ack.pending */
#define ICSK_ACK_SCHED		1
#define ICSK_ACK_TIMER		2
#define ICSK_ACK_PUSHED		4
#define ICSK_ACK_PUSHED2	8
#define ICSK_ACK_NOW		16

/*
 * urg_data: the urgent byte received (BSD semantics: the one before the
 * pointer), in the low 8 bits once it arrived. 0: no urgent data.
 */
#define TCP_URG_VALID		0x0100	/* the byte is in the low bits */
#define TCP_URG_NOTYET		0x0200	/* announced, not yet received */
#define TCP_URG_READ		0x0400	/* taken by recv(MSG_OOB) */

/* tcp_skb_cb.sacked */
#define TCPCB_SACKED_ACKED	0x01	/* covered by a SACK block */
#define TCPCB_SACKED_RETRANS	0x02	/* retransmitted and not yet acked */
#define TCPCB_LOST		0x04
#define TCPCB_TAGBITS		0x07
#define TCPCB_EVER_RETRANS	0x80

/* ---- the control block in skb->cb ---------------------------------------- */

struct tcp_skb_cb {
	uint32_t	seq;		/* first sequence number */
	uint32_t	end_seq;	/* seq + SYN + FIN + payload */
	uint8_t		tcp_flags;	/* TCPHDR_* */
	uint8_t		sacked;		/* TCPCB_* */
	uint16_t	window;		/* received: the raw window field */
	uint32_t	ack_seq;	/* received: the acknowledgment field */
	union {
		struct {	/* received, from IPCB */
			int	iif;		/* arrival ifindex */
			uint8_t	rt_type;	/* the input route's type */
		};
		struct {	/* sent: in the retransmit queue */
			/* last transmission, tcp clock us mod 2^32 */
			uint32_t	tx_us;
			uint32_t	tx_ts;	/* its TSval clock (ms) */
			/* transmission count, for RACK's order */
			uint32_t	tx_order;
			/*
			 * In tp->tsorted_sent_queue while in flight, not
			 * SACKed, not marked lost by RACK (next NULL: out).
			 */
			struct list_head tsorted_anchor;
		};
	};
};

_Static_assert(sizeof(struct tcp_skb_cb) <= SKB_CB_SIZE,
	       "tcp_skb_cb fits in skb->cb");

#define TCP_SKB_CB(skb)	((struct tcp_skb_cb *)(void *)((skb)->cb))

/* ---- options of one received segment ------------------------------------- */

struct tcp_options_received {
	uint32_t	ts_recent_stamp;	/* s, when ts_recent was taken */
	uint32_t	ts_recent;		/* TSval to echo */
	uint32_t	rcv_tsval;		/* of this segment */
	uint32_t	rcv_tsecr;
	uint16_t	saw_tstamp : 1,
			tstamp_ok : 1,
			sack_ok : 1,
			wscale_ok : 1,
			snd_wscale : 4,
			rcv_wscale : 4;
	uint16_t	mss_clamp;	/* peer's MSS option, clamped by user_mss */
	uint16_t	user_mss;	/* TCP_MAXSEG */
	uint8_t		num_sacks;	/* SACK blocks we send (selective_acks) */
	uint8_t		dsack;		/* a D-SACK block goes out with the next ACK */
	uint8_t		rcv_sacks;	/* of this segment: its SACK blocks */
	uint8_t		rcv_sack_off;	/* and where their option starts */
};

/* A SACK block (RFC 2018), host order. */
struct tcp_sack_block {
	uint32_t	start_seq;
	uint32_t	end_seq;
};

#define TCP_NUM_SACKS	4

/* A windowed minimum (win_minmax.c): three samples, best first. */
struct minmax_sample {
	uint32_t	t;	/* when taken */
	uint32_t	v;	/* the value */
};

struct minmax {
	struct minmax_sample	s[3];
};

uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t,
			    uint32_t v);

static inline uint32_t minmax_get(const struct minmax *m)
{
	return m->s[0].v;
}

/* net.ipv4.tcp_recovery bits */
#define TCP_RACK_LOSS_DETECTION		0x1	/* RACK marks losses */
#define TCP_RACK_STATIC_REO_WND		0x2	/* D-SACKs do not widen its window */
#define TCP_RACK_NO_DUPTHRESH		0x4	/* no early loss at dupthresh SACKs */

/*
 * The retransmit queue in sequence order as an array, so a SACK block
 * finds its first segment by binary search (Linux keeps an rb-tree). It
 * follows the queue: segments are appended lazily as they are sent, popped
 * from the front as they are acknowledged, inserted on a split; anything
 * else (a segment freed from the middle, a purge) drops it, to be rebuilt
 * on the next use (tcp_sack.c).
 */
struct tcp_rtx_index {
	struct sk_buff	**v;
	uint32_t	cap, first, n;
	bool		valid;
};

/* ---- the hash table nodes -------------------------------------------------- */

enum tcp_ent_kind {
	TCP_ENT_SOCK,
	TCP_ENT_TW,
	TCP_ENT_REQ,
};

/* The 4-tuple an object is found by (addresses and ports in network order). */
struct tcp_ehash_node {
	struct hlist_node	node;
	uint32_t		laddr;
	uint32_t		raddr;
	uint16_t		lport;
	uint16_t		rport;
	int			bound_dev_if;
	uint8_t			kind;		/* enum tcp_ent_kind */
	bool			hashed;
	_Atomic uint64_t	cookie;		/* request/TIME_WAIT: sock_gen_cookie() */
};

/* An owner of a local port. */
struct tcp_bind_node {
	struct hlist_node	node;
	uint16_t		port;		/* host order */
	uint8_t			kind;		/* TCP_ENT_SOCK or TCP_ENT_TW */
	bool			by_connect;	/* taken by connect()'s search */
	bool			hashed;
};

struct tcp_congestion_ops;

/* ---- the socket ------------------------------------------------------------ */

struct tcp_sock {
	struct inet_sock	inet;	/* first: a struct sock * is a tcp_sock * */
	struct tcp_ehash_node	e;
	struct tcp_bind_node	b;
	struct hlist_node	lnode;	/* lhash, while listening */

	/* inet_connection_sock */
	uint8_t			ca_state;
	uint8_t			retransmits;
	uint8_t			backoff;
	uint8_t			probes_out;
	uint8_t			pending;	/* ICSK_TIME_* */
	uint8_t			syn_retries;	/* TCP_SYNCNT, 0: sysctl */
	bool			ca_setsockopt;	/* chosen by TCP_CONGESTION */
	uint8_t			keepalive_probes;	/* TCP_KEEPCNT, 0: sysctl */
	uint32_t		rto;		/* ms */
	uint32_t		user_timeout;	/* TCP_USER_TIMEOUT, ms */
	uint32_t		probes_tstamp;	/* jiffies of the first zero-window probe */
	int			linger2;	/* TCP_LINGER2, ms; -1: no FIN_WAIT2 wait */
	struct {
		uint64_t	timeout;	/* jiffies the delayed ACK is due */
		uint32_t	ato;		/* delayed ACK timeout, ms */
		uint32_t	lrcvtime;	/* jiffies of the last data received */
		uint16_t	rcv_mss;	/* the peer's segment size, estimated */
		uint16_t	last_seg_size;
		uint8_t		pending;	/* ICSK_ACK_* */
		uint8_t		quick;		/* segments to ack at once */
		uint8_t		pingpong;	/* interactive mode */
	} ack;
	struct timer_list	retransmit_timer;
	struct timer_list	delack_timer;
	struct timer_list	keepalive_timer;
	const struct tcp_congestion_ops *ca_ops;
	/* a child not yet accepted */
	struct tcp_sock		*parent;
	struct list_head	accept_node;
	uint64_t		ca_priv[8];	/* the algorithm's state (icsk_ca_priv) */

	/* listening */
	struct list_head	accept_queue;	/* children, oldest first */
	struct list_head	req_list;	/* request socks in SYN_RECV */
	uint64_t		synq_overflow;	/* jiffies + 1 of the last cookie sent, 0: none */
	unsigned int		qlen;		/* request socks */
	unsigned int		ack_backlog;	/* children in accept_queue */
	unsigned int		max_ack_backlog;

	/* sequence space (RFC 9293 3.3.1) */
	uint32_t		rcv_nxt;
	uint32_t		copied_seq;	/* first byte the reader has not read */
	uint32_t		rcv_wup;	/* rcv_nxt at the last window update */
	uint32_t		snd_nxt;
	uint32_t		snd_una;
	uint32_t		snd_sml;	/* end of the last small segment (Nagle) */
	uint32_t		snd_wl1;
	uint32_t		snd_wnd;
	uint32_t		max_window;
	uint32_t		write_seq;	/* end of the data queued by the user */
	uint32_t		pushed_seq;
	uint32_t		high_seq;	/* snd_nxt when loss recovery began */
	uint32_t		snd_up;		/* urgent pointer to send (snd_una: none) */
	uint32_t		urg_seq;	/* received: sequence number of the urgent byte */

	uint32_t		rcv_tstamp;	/* jiffies of the last ACK received */
	uint32_t		lsndtime;	/* jiffies of the last data sent */
	uint32_t		retrans_stamp;	/* ms of the first retransmission */
	uint64_t		tcp_mstamp;	/* us, refreshed per event */

	uint32_t		mss_cache;	/* send MSS, options excluded */
	uint32_t		pmtu_cookie;	/* path MTU mss_cache is for */
	uint32_t		cwnd_usage_seq;
	uint16_t		advmss;		/* MSS we announce */
	uint16_t		tcp_header_len;	/* 20 + timestamps */
	uint32_t		window_clamp;
	uint32_t		rcv_ssthresh;
	uint32_t		rcv_wnd;	/* current advertised window */
	uint16_t		urg_data;	/* TCP_URG_* | the byte */
	uint8_t			scaling_ratio;
	uint8_t			nonagle;
	/* receive-buffer auto-tuning (tcp_rcv_space_adjust) */
	struct {
		uint32_t	rtt_us;		/* receiver's RTT estimate << 3 */
		uint32_t	seq;		/* rcv_nxt that ends the measure */
		uint64_t	time;		/* us it began, 0: none */
	} rcv_rtt_est;
	struct {
		uint32_t	space;		/* bytes copied in the last RTT */
		uint32_t	seq;		/* copied_seq it began at */
		uint64_t	time;		/* us it began */
	} rcvq_space;
	uint32_t		rcv_rtt_last_tsecr;

	/* RTT (RFC 6298, Linux's estimator): srtt << 3, mdev << 2, in us */
	uint32_t		srtt_us;
	uint32_t		mdev_us;
	uint32_t		mdev_max_us;
	uint32_t		rttvar_us;
	uint32_t		rtt_seq;

	/* congestion control */
	uint32_t		snd_cwnd;
	uint32_t		snd_cwnd_cnt;
	uint32_t		snd_cwnd_clamp;
	uint32_t		snd_ssthresh;
	uint32_t		prior_cwnd;
	uint32_t		prior_ssthresh;
	uint32_t		packets_out;
	uint32_t		retrans_out;
	uint32_t		lost_out;
	uint32_t		lost;		/* segments ever marked lost */
	uint32_t		sacked_out;	/* SACKed segments; Reno: duplicate ACKs */
	uint32_t		max_packets_out;
	uint32_t		reordering;
	uint32_t		total_retrans;
	uint32_t		delivered;
	uint32_t		prr_delivered;	/* RFC 6937 */
	uint32_t		prr_out;
	uint32_t		undo_marker;
	int32_t			undo_retrans;	/* retransmissions not D-SACKed, -1: none */
	struct sk_buff		*send_head;
	struct sk_buff		*retransmit_hint;

	/* SACK (tcp_sack.c): what we tell the peer, what it told us */
	struct tcp_sack_block	duplicate_sack[1];
	struct tcp_sack_block	selective_acks[TCP_NUM_SACKS];
	uint32_t		highest_sack;	/* end_seq of the highest SACKed segment */
	uint32_t		reord_seen;	/* reorderings detected */
	/* the blocks of the last ACK, already tagged */
	struct tcp_sack_block	recv_sack_cache[TCP_NUM_SACKS];
	struct tcp_rtx_index	rtx_index;	/* seq -> segment, for SACK */
	struct list_head	tsorted_sent_queue;	/* in send order, for RACK */
	uint32_t		dsack_dups;	/* D-SACK blocks received */
	struct minmax		rtt_min;	/* us over tcp_min_rtt_wlen (0: none) */
	uint32_t		tlp_high_seq;	/* snd_nxt at a loss probe, 0: none out */
	uint32_t		tx_order;	/* transmissions of data so far */
	uint8_t			tlp_retrans;	/* the probe was a retransmission */
	uint8_t			frto;		/* F-RTO (RFC 5682) after this RTO */
	bool			is_cwnd_limited;
	bool			fin_pending;	/* FIN sent once the queue drains */

	/* RACK (RFC 8985, tcp_recovery.c) */
	struct {
		uint32_t	mstamp;		/* tx_us of the latest delivered segment */
		uint32_t	rtt_us;		/* its RTT */
		uint32_t	end_seq;	/* its end */
		uint32_t	tx_order;	/* its transmission's place in order */
		uint32_t	last_delivered;	/* delivered at the last reo_wnd change */
		uint8_t		reo_wnd_steps;	/* reo_wnd in min_rtt/4 steps */
		uint8_t		reo_wnd_persist;	/* recoveries before reset */
		uint8_t		dsack_seen : 1,
				advanced : 1;
	} rack;

	struct tcp_options_received rx_opt;
	uint32_t		tsoffset;
	uint32_t		last_oow_ack_time;

	/* buffers: bytes of truesize queued to send (sk_wmem_queued) */
	int			wmem_queued;
	struct sk_buff_head	out_of_order_queue;
	uint32_t		ofo_bytes;	/* truesize held in the ofo queue */

	/* keepalive and other options (0: the sysctl) */
	uint32_t		keepalive_time;	/* ms */
	uint32_t		keepalive_intvl;	/* ms */

	/* counters for TCP_INFO */
	uint32_t		segs_in;
	uint32_t		segs_out;
	uint32_t		data_segs_in;
	uint32_t		data_segs_out;
	uint64_t		bytes_acked;
	uint64_t		bytes_received;
};

static inline struct tcp_sock *tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)(void *)sk;
}

static inline struct sock *tp_sk(struct tcp_sock *tp)
{
	return &tp->inet.sk;
}

/* ---- request socks (SYN_RECV before the final ACK) ------------------------- */

struct tcp_request_sock {
	struct tcp_ehash_node	e;
	struct list_head	list;		/* the listener's req_list */
	struct tcp_sock		*listener;
	struct timer_list	timer;		/* SYN-ACK retransmission */
	struct usn_net		*net;
	uint32_t		rcv_isn;
	uint32_t		snt_isn;
	uint32_t		ts_recent;
	uint32_t		ts_off;
	uint32_t		snt_synack;	/* TSval clock of the first SYN-ACK, ms */
	uint64_t		snt_synack_us;
	uint32_t		rcv_wnd;
	uint32_t		window_clamp;
	uint32_t		last_oow_ack_time;
	uint16_t		mss;		/* peer's, clamped */
	uint16_t		advmss;		/* ours, for the route */
	unsigned int		pmtu;
	uint8_t			snd_wscale;
	uint8_t			rcv_wscale;
	uint8_t			num_retrans;
	uint8_t			num_timeout;
	uint8_t			tstamp_ok : 1,
				sack_ok : 1,
				wscale_ok : 1,
				acked : 1,
				cookie : 1;	/* a SYN cookie: the TSval encodes options */
};

/* ---- TIME_WAIT socks ---------------------------------------------------------- */

struct tcp_timewait_sock {
	struct tcp_ehash_node	e;
	struct tcp_bind_node	b;
	struct timer_list	timer;
	struct usn_net		*net;
	uint32_t		rcv_saddr;	/* bound address, for bind conflicts */
	uint8_t			substate;	/* TCP_TIME_WAIT or TCP_FIN_WAIT2 */
	uint8_t			reuse;
	uint8_t			reuseport;
	uint8_t			rcv_wscale;
	bool			tstamp_ok;
	uint8_t			tos;
	uint8_t			ttl;
	uint32_t		snd_nxt;
	uint32_t		rcv_nxt;
	uint32_t		rcv_wnd;
	uint32_t		ts_recent;
	uint32_t		ts_recent_stamp;	/* s */
	uint32_t		ts_offset;
	uint32_t		last_oow_ack_time;
};

/* struct tcp_info of linux/tcp.h, up to tcpi_snd_wnd. */
struct tcp_info_k {
	uint8_t		tcpi_state;
	uint8_t		tcpi_ca_state;
	uint8_t		tcpi_retransmits;
	uint8_t		tcpi_probes;
	uint8_t		tcpi_backoff;
	uint8_t		tcpi_options;
	uint8_t		tcpi_wscale;	/* snd_wscale : 4, rcv_wscale : 4 */
	uint8_t		tcpi_flags;
	uint32_t	tcpi_rto;
	uint32_t	tcpi_ato;
	uint32_t	tcpi_snd_mss;
	uint32_t	tcpi_rcv_mss;
	uint32_t	tcpi_unacked;
	uint32_t	tcpi_sacked;
	uint32_t	tcpi_lost;
	uint32_t	tcpi_retrans;
	uint32_t	tcpi_fackets;
	uint32_t	tcpi_last_data_sent;
	uint32_t	tcpi_last_ack_sent;
	uint32_t	tcpi_last_data_recv;
	uint32_t	tcpi_last_ack_recv;
	uint32_t	tcpi_pmtu;
	uint32_t	tcpi_rcv_ssthresh;
	uint32_t	tcpi_rtt;
	uint32_t	tcpi_rttvar;
	uint32_t	tcpi_snd_ssthresh;
	uint32_t	tcpi_snd_cwnd;
	uint32_t	tcpi_advmss;
	uint32_t	tcpi_reordering;
	uint32_t	tcpi_rcv_rtt;
	uint32_t	tcpi_rcv_space;
	uint32_t	tcpi_total_retrans;
	uint64_t	tcpi_pacing_rate;
	uint64_t	tcpi_max_pacing_rate;
	uint64_t	tcpi_bytes_acked;
	uint64_t	tcpi_bytes_received;
	uint32_t	tcpi_segs_out;
	uint32_t	tcpi_segs_in;
	uint32_t	tcpi_notsent_bytes;
	uint32_t	tcpi_min_rtt;
	uint32_t	tcpi_data_segs_in;
	uint32_t	tcpi_data_segs_out;
	uint64_t	tcpi_delivery_rate;
	uint64_t	tcpi_busy_time;
	uint64_t	tcpi_rwnd_limited;
	uint64_t	tcpi_sndbuf_limited;
	uint32_t	tcpi_delivered;
	uint32_t	tcpi_delivered_ce;
	uint64_t	tcpi_bytes_sent;
	uint64_t	tcpi_bytes_retrans;
	uint32_t	tcpi_dsack_dups;
	uint32_t	tcpi_reord_seen;
	uint32_t	tcpi_rcv_ooopack;
	uint32_t	tcpi_snd_wnd;
};

/* TCP_INFO and sock_diag's INET_DIAG_INFO (tcp.c). */
void tcp_get_info(struct sock *sk, struct tcp_info_k *info);

/* ---- per-namespace tables --------------------------------------------------- */

#define TCP_EHASH_LOG		14
#define TCP_EHASH_SIZE		(1u << TCP_EHASH_LOG)
#define TCP_LHASH_SIZE		256u
#define TCP_BHASH_SIZE		4096u
#define INET_TABLE_PERTURB_SIZE	256u

struct tcp_hashinfo {
	struct hlist_head	ehash[TCP_EHASH_SIZE];
	struct hlist_head	lhash[TCP_LHASH_SIZE];
	struct hlist_head	bhash[TCP_BHASH_SIZE];
	uint64_t		hash_key[2];	/* ehash */
	uint64_t		isn_key[2];	/* RFC 6528 ISNs */
	uint64_t		ts_key[2];	/* TSval offsets */
	uint64_t		port_key[2];	/* RFC 6056 port offsets */
	uint64_t		cookie_key[2][2];	/* SYN cookies (syncookies.c) */
	uint32_t		table_perturb[INET_TABLE_PERTURB_SIZE];
	uint32_t		challenge_timestamp;	/* s */
	uint32_t		challenge_count;
	unsigned int		tw_count;
	unsigned int		orphans;
	struct proto_mem	mem;	/* tcp_mem.c: the namespace's TCP memory */
};

static inline struct tcp_hashinfo *tcp_hashinfo(const struct usn_net *net)
{
	return net->ipv4 ? net->ipv4->tcp : NULL;
}

/* ---- congestion control (tcp_cong.c) -------------------------------------- */

#define TCP_CA_NAME_MAX		16

/* cwnd_event */
enum tcp_ca_event {
	CA_EVENT_TX_START,	/* first transmission with nothing in flight */
	CA_EVENT_CWND_RESTART,	/* congestion window restart after idle */
	CA_EVENT_COMPLETE_CWR,	/* end of a congestion window reduction */
	CA_EVENT_LOSS,		/* RTO */
};

/* pkts_acked: what one ACK took off the retransmit queue */
struct ack_sample {
	uint32_t	pkts_acked;
	int32_t		rtt_us;		/* newest segment acked, -1: no sample */
	uint32_t	in_flight;
};

struct tcp_congestion_ops {
	const char	*name;
	void		(*init)(struct sock *sk);
	uint32_t	(*ssthresh)(struct sock *sk);
	void		(*cong_avoid)(struct sock *sk, uint32_t ack, uint32_t acked);
	void		(*set_state)(struct sock *sk, uint8_t new_state);
	uint32_t	(*undo_cwnd)(struct sock *sk);
	/* optional */
	void		(*cwnd_event)(struct sock *sk, enum tcp_ca_event ev);
	void		(*pkts_acked)(struct sock *sk,
				      const struct ack_sample *sample);
};

extern const struct tcp_congestion_ops tcp_reno;
extern const struct tcp_congestion_ops tcp_cubic;
const struct tcp_congestion_ops *tcp_ca_find(const char *name);
/* The namespace's default (net.ipv4.tcp_congestion_control), at socket creation. */
void tcp_assign_congestion_control(struct sock *sk);
/* TCP_CONGESTION: 0, or -ENOENT for a name not in the table. */
int tcp_set_congestion_control(struct sock *sk, const char *name);
void tcp_init_congestion_control(struct sock *sk);
uint32_t tcp_reno_ssthresh(struct sock *sk);
/* pkts_acked: @rtt_us of the newest segment acked, -1 without a sample. */
void tcp_ca_pkts_acked(struct sock *sk, uint32_t pkts_acked, long rtt_us);
uint32_t tcp_reno_undo_cwnd(struct sock *sk);

static inline void tcp_ca_event(struct sock *sk, enum tcp_ca_event ev)
{
	const struct tcp_congestion_ops *ca = tcp_sk(sk)->ca_ops;

	if (ca && ca->cwnd_event)
		ca->cwnd_event(sk, ev);
}

static inline void *tcp_ca_priv(const struct sock *sk)
{
	return (void *)tcp_sk(sk)->ca_priv;
}

uint32_t tcp_slow_start(struct tcp_sock *tp, uint32_t acked);
void tcp_cong_avoid_ai(struct tcp_sock *tp, uint32_t w, uint32_t acked);

/* ---- small helpers --------------------------------------------------------- */

static inline uint32_t tcp_jiffies32(const struct usn_net *net)
{
	return (uint32_t)net_jiffies(net);
}

/* The tcp clock in us (tcp_clock_us) and its TSval clock in ms. */
static inline uint64_t tcp_clock_us(const struct usn_net *net)
{
	return net_now(net) / 1000u;
}

static inline uint32_t tcp_clock_ms(const struct usn_net *net)
{
	return (uint32_t)(net_now(net) / 1000000u);
}

/* The TSval clock without the connection's offset (tcp_time_stamp_ts). */
static inline uint32_t tcp_time_stamp_ts(const struct tcp_sock *tp)
{
	return tcp_clock_ms(tp->inet.sk.sk_net);
}

static inline uint32_t get_seconds32(const struct usn_net *net)
{
	return (uint32_t)(net_now(net) / 1000000000u);
}

static inline uint32_t tcp_receive_window(const struct tcp_sock *tp)
{
	int32_t win = (int32_t)(tp->rcv_wup + tp->rcv_wnd - tp->rcv_nxt);

	return win < 0 ? 0 : (uint32_t)win;
}

static inline uint32_t tcp_wnd_end(const struct tcp_sock *tp)
{
	return tp->snd_una + tp->snd_wnd;
}

static inline uint32_t tcp_packets_in_flight(const struct tcp_sock *tp)
{
	return tp->packets_out - (tp->sacked_out + tp->lost_out) +
	       tp->retrans_out;
}

/* CWR and Recovery reduce the window by PRR (tcp_in_cwnd_reduction). */
static inline bool tcp_in_cwnd_reduction(const struct tcp_sock *tp)
{
	return tp->ca_state == TCP_CA_CWR || tp->ca_state == TCP_CA_Recovery;
}

static inline bool tcp_in_slow_start(const struct tcp_sock *tp)
{
	return tp->snd_cwnd < tp->snd_ssthresh;
}

static inline bool tcp_is_cwnd_limited(const struct tcp_sock *tp)
{
	if (tcp_in_slow_start(tp))
		return tp->snd_cwnd < 2 * tp->max_packets_out;
	return tp->is_cwnd_limited;
}

static inline int tcp_win_from_space(const struct tcp_sock *tp, int space)
{
	int64_t w = (int64_t)space * tp->scaling_ratio;

	return space > 0 ? (int)(w >> TCP_RMEM_TO_WIN_SCALE) : 0;
}

/* The buffer a window of win bytes needs (tcp_space_from_win). */
static inline int tcp_space_from_win(const struct tcp_sock *tp, int win)
{
	int64_t v = ((int64_t)win << TCP_RMEM_TO_WIN_SCALE) /
		    (tp->scaling_ratio ? tp->scaling_ratio : 1);

	return win > 0 ? (int)min_t(int64_t, v, INT32_MAX) : 0;
}

/* Receive space left (tcp_space) and the whole buffer's worth (tcp_full_space). */
static inline int tcp_space(const struct sock *sk)
{
	return tcp_win_from_space(tcp_sk(sk), sk->sk_rcvbuf -
				  atomic_load(&sk->sk_rmem_alloc));
}

static inline int tcp_full_space(const struct sock *sk)
{
	return tcp_win_from_space(tcp_sk(sk), sk->sk_rcvbuf);
}

/* Is there urgent data the peer has not acknowledged yet (tcp_urg_mode)? */
static inline bool tcp_urg_mode(const struct tcp_sock *tp)
{
	return tp->snd_up != tp->snd_una;
}

static inline bool tcp_write_queue_empty(const struct sock *sk)
{
	return tcp_sk(sk)->send_head == NULL;
}

static inline struct sk_buff *tcp_rtx_queue_head(const struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	return skb == tcp_sk(sk)->send_head ? NULL : skb;
}

/* The buffer after @skb in @list, or NULL at the end. */
static inline struct sk_buff *skb_next_in(const struct sk_buff_head *list,
					  const struct sk_buff *skb)
{
	return skb->next == (const struct sk_buff *)list ? NULL : skb->next;
}

static inline uint32_t keepalive_time_when(const struct tcp_sock *tp)
{
	return tp->keepalive_time ? tp->keepalive_time :
	       (uint32_t)tp->inet.sk.sk_net->sysctl.tcp_keepalive_time * 1000u;
}

static inline uint32_t keepalive_intvl_when(const struct tcp_sock *tp)
{
	return tp->keepalive_intvl ? tp->keepalive_intvl :
	       (uint32_t)tp->inet.sk.sk_net->sysctl.tcp_keepalive_intvl * 1000u;
}

static inline uint32_t keepalive_probes(const struct tcp_sock *tp)
{
	return tp->keepalive_probes ? tp->keepalive_probes :
	       (uint32_t)tp->inet.sk.sk_net->sysctl.tcp_keepalive_probes;
}

static inline uint32_t tcp_fin_time(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t fin_timeout = tp->linger2 ? (uint32_t)tp->linger2 :
			       (uint32_t)sk->sk_net->sysctl.tcp_fin_timeout * 1000u;
	uint32_t rto = tp->rto;

	if (fin_timeout < (rto << 2) - (rto >> 1))
		fin_timeout = (rto << 2) - (rto >> 1);
	return fin_timeout;
}

static inline uint32_t tcp_rto_min(void)
{
	return TCP_RTO_MIN;
}

/* Does a segment [seq, end_seq) touch the window [s_win, e_win)? */
static inline bool tcp_in_window(uint32_t seq, uint32_t end_seq,
				 uint32_t s_win, uint32_t e_win)
{
	if (seq == s_win)
		return true;
	if (after(end_seq, s_win) && before(seq, e_win))
		return true;
	return seq == e_win && seq == end_seq;
}

/* Is the retransmit timer's backoff (rto << backoff) below @max? */
static inline uint32_t inet_csk_rto_backoff(const struct tcp_sock *tp,
					    uint32_t max_when)
{
	uint64_t when = (uint64_t)tp->rto << tp->backoff;

	return when > max_when ? max_when : (uint32_t)when;
}

static inline bool tcp_is_sack(const struct tcp_sock *tp)
{
	return tp->rx_opt.sack_ok;
}

static inline bool tcp_is_reno(const struct tcp_sock *tp)
{
	return !tcp_is_sack(tp);
}

/*
 * tcp_skb_sent_after: was transmission 1 after transmission 2? Linux
 * breaks a tie of the microsecond clock by end_seq; the virtual clock
 * ties often (a burst is one instant) and not always in sequence order
 * (new data, then a retransmission), so the tie is broken by the order
 * of transmission, which is what end_seq stands for.
 */
static inline bool tcp_skb_sent_after(uint32_t t1, uint32_t t2, uint32_t o1,
				      uint32_t o2)
{
	return (int32_t)(t1 - t2) > 0 || (t1 == t2 && (int32_t)(o1 - o2) > 0);
}

/* ---- tcp_ipv4.c ------------------------------------------------------------ */

/* Keyed hash of up to four words (SipHash-2-4 of the words). */
uint64_t tcp_keyed_hash(const uint64_t key[2], uint32_t a, uint32_t b,
			uint32_t c, uint32_t d);
uint32_t secure_tcp_seq(struct usn_net *net, uint32_t saddr, uint32_t daddr,
			uint16_t sport, uint16_t dport);
uint32_t secure_tcp_ts_off(struct usn_net *net, uint32_t saddr,
			   uint32_t daddr);
void tcp_ehash_add(struct tcp_hashinfo *h, struct tcp_ehash_node *e);
void tcp_ehash_del(struct tcp_ehash_node *e);
void tcp_bind_add(struct tcp_hashinfo *h, struct tcp_bind_node *b);
void tcp_bind_del(struct tcp_bind_node *b);
void tcp_set_ehash_key(struct tcp_sock *tp);
void tcp_unhash(struct sock *sk);
void tcp_put_port(struct sock *sk);
int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);
int tcp_v4_get_port(struct sock *sk, unsigned short snum);
/* Routes a segment of @sk; fills the route and the IP header parameters. */
struct rtable;
struct ip_hdr_params;
int tcp_route(struct sock *sk, struct rtable *rt, struct ip_hdr_params *p);
/* Sends a TCP segment built on @skb (data at the TCP header) from @saddr to @daddr. */
int tcp_v4_send_skb(struct usn_net *net, struct sk_buff *skb, uint32_t saddr,
		    uint32_t daddr, uint8_t tos, uint8_t ttl, struct sock *owner);
/* RST in answer to @skb (data at its TCP header), as tcp_v4_send_reset. */
void tcp_v4_send_reset(struct usn_net *net, const struct sk_buff *skb);
/* A bare ACK (TIME_WAIT, request socks) in answer to @skb. */
void tcp_v4_send_ack(struct usn_net *net, const struct sk_buff *skb,
		     uint32_t seq, uint32_t ack, uint32_t win, uint32_t tsval,
		     uint32_t tsecr, uint8_t tos);
int tcp_v4_rcv(struct sk_buff *skb);
int tcp_v4_err(struct sk_buff *skb, uint32_t info);
void tcp_v4_destroy_sock(struct sock *sk);
bool tcp_bind_conflict(struct usn_net *net, const struct sock *sk,
		       uint16_t port, bool relax);

/* ---- tcp.c ------------------------------------------------------------------ */

void tcp_set_state(struct sock *sk, int state);
void tcp_done(struct sock *sk);
void inet_csk_destroy_sock(struct sock *sk);
int tcp_disconnect(struct sock *sk, int flags);
void tcp_write_queue_purge(struct sock *sk);
void tcp_init_sock_defaults(struct sock *sk);
void tcp_cleanup_rbuf(struct sock *sk, int copied);
void tcp_rcv_space_adjust(struct sock *sk);
void sk_stream_write_space(struct sock *sk);
void tcp_raise_sigpipe(void);

/* ---- tcp_input.c ------------------------------------------------------------ */

int tcp_parse_options(struct usn_net *net, const uint8_t *th,
		      unsigned int doff, struct tcp_options_received *opt,
		      bool estab);
int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb);
void tcp_reset(struct sock *sk);
void tcp_init_transfer(struct sock *sk);
void tcp_initialize_rcv_mss(struct sock *sk);
void tcp_rtt_estimator(struct sock *sk, long mrtt_us);
void tcp_set_rto(struct sock *sk);
void tcp_enter_loss(struct sock *sk);
void tcp_enter_recovery(struct sock *sk, bool ece_ack);
bool __tcp_oow_rate_limited(struct usn_net *net, int mib,
			    uint32_t *last_oow_ack_time);
bool tcp_oow_rate_limited(struct usn_net *net, const struct sk_buff *skb,
			  int mib, uint32_t *last_oow_ack_time);
bool tcp_paws_check(const struct tcp_options_received *rx_opt, int paws_win,
		    uint32_t now_s);
void tcp_send_challenge_ack(struct sock *sk);
void tcp_enter_quickack_mode(struct sock *sk, unsigned int max_quickacks);
void tcp_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb);
/* The URG bit of @skb (data at its TCP header): the urgent byte (tcp_urg). */
void tcp_urg(struct sock *sk, struct sk_buff *skb);
/* recv(MSG_OOB): the urgent byte (tcp_urg.c). */
int tcp_recv_urg(struct sock *sk, struct kmsghdr *msg, size_t len, int flags);

/* ---- tcp_sack.c ------------------------------------------------------------ */

/* Receive side (RFC 2018, 2883) */
void tcp_sack_new_ofo_skb(struct sock *sk, uint32_t seq, uint32_t end_seq);
void tcp_sack_remove(struct tcp_sock *tp);
void tcp_dsack_set(struct sock *sk, uint32_t seq, uint32_t end_seq);
void tcp_dsack_extend(struct sock *sk, uint32_t seq, uint32_t end_seq);
void tcp_sack_reset(struct tcp_sock *tp);
/* Blocks the next segment carries (D-SACK first), for options of @used bytes. */
unsigned int tcp_sack_blocks_to_send(const struct tcp_sock *tp,
				     unsigned int used);

/* Send side: the scoreboard */
struct tcp_sacktag_state {
	uint32_t	reord;		/* lowest never-retransmitted seq newly SACKed */
	int		flag;		/* FLAG_DATA_SACKED, FLAG_DSACKING_ACK */
	uint32_t	sack_delivered;
};
#define TCP_SACK_FLAG_DATA_SACKED	0x20	/* = FLAG_DATA_SACKED */
#define TCP_SACK_FLAG_DSACKING_ACK	0x800	/* = FLAG_DSACKING_ACK */
#define TCP_SACK_FLAG_ORIG_SACK_ACKED	0x200	/* = FLAG_ORIG_SACK_ACKED */
int tcp_sacktag_write_queue(struct sock *sk, const uint8_t *th,
			    uint32_t ack_seq, uint32_t prior_snd_una,
			    struct tcp_sacktag_state *state);
void tcp_check_sack_reordering(struct sock *sk, uint32_t low_seq, bool ts);
void tcp_rtx_index_unlink(struct sock *sk, struct sk_buff *skb);
void tcp_rtx_index_split(struct sock *sk, struct sk_buff *skb,
			 struct sk_buff *buff);
void tcp_rtx_index_free(struct sock *sk);
struct sk_buff *tcp_rtx_index_find(struct sock *sk, uint32_t seq);

/* RACK's list of segments in flight, in the order they were (re)sent. */
static inline void tcp_tsorted_del(struct sk_buff *skb)
{
	struct list_head *a = &TCP_SKB_CB(skb)->tsorted_anchor;

	if (a->next) {
		list_del(a);
		a->next = a->prev = NULL;
	}
}

static inline void tcp_tsorted_sent(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->tsorted_sent_queue.next)
		INIT_LIST_HEAD(&tp->tsorted_sent_queue);
	tcp_tsorted_del(skb);
	list_add_tail(&TCP_SKB_CB(skb)->tsorted_anchor, &tp->tsorted_sent_queue);
}
void tcp_mark_skb_lost(struct sock *sk, struct sk_buff *skb);

/* ---- tcp_recovery.c: RACK-TLP (RFC 8985) ------------------------------------- */

void tcp_rack_advance(struct tcp_sock *tp, const struct tcp_skb_cb *cb);
bool tcp_rack_mark_lost(struct sock *sk);
void tcp_rack_reo_timeout(struct sock *sk);
void tcp_rack_update_reo_wnd(struct sock *sk, uint32_t delivered);
void tcp_update_rtt_min(struct sock *sk, uint32_t rtt_us);
void tcp_sack_mark_lost(struct sock *sk);
void tcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked,
			int newly_lost, int flag);

/* The path's minimum RTT in us over tcp_min_rtt_wlen, 0 before a sample. */
static inline uint32_t tcp_min_rtt(const struct tcp_sock *tp)
{
	return minmax_get(&tp->rtt_min);
}

static inline bool tcp_is_rack(const struct sock *sk)
{
	return sock_net(sk)->sysctl.tcp_recovery & TCP_RACK_LOSS_DETECTION;
}
bool tcp_schedule_loss_probe(struct sock *sk, bool advancing_rto);
void tcp_send_loss_probe(struct sock *sk);

/* ---- tcp_output.c ----------------------------------------------------------- */

unsigned int tcp_sync_mss(struct sock *sk, unsigned int pmtu);
uint16_t tcp_advmss_for(unsigned int mtu, uint16_t user_mss);
unsigned int tcp_current_mss(struct sock *sk);
void tcp_select_initial_window(const struct sock *sk, int space, uint32_t mss,
			       uint32_t *rcv_wnd, uint32_t *window_clamp,
			       bool wscale_ok, uint8_t *rcv_wscale,
			       uint32_t init_rcv_wnd);
uint32_t __tcp_select_window(struct sock *sk);
int tcp_connect(struct sock *sk);
int tcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone_it);
bool tcp_write_xmit(struct sock *sk, unsigned int mss_now, int nonagle);
void __tcp_push_pending_frames(struct sock *sk, unsigned int cur_mss,
			       int nonagle);
void tcp_push_pending_frames(struct sock *sk);
void tcp_push_one(struct sock *sk, unsigned int mss_now);
void tcp_send_ack(struct sock *sk);
void tcp_send_delayed_ack(struct sock *sk);
void tcp_send_fin(struct sock *sk);
void tcp_send_active_reset(struct sock *sk);
int tcp_send_synack_req(struct tcp_sock *listener, struct tcp_request_sock *req);
int tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
void tcp_xmit_retransmit_queue(struct sock *sk);
int tcp_write_wakeup(struct sock *sk, bool keepalive);
void tcp_send_probe0(struct sock *sk);
void tcp_check_probe_timer(struct sock *sk);
void tcp_entail(struct sock *sk, struct sk_buff *skb);
void tcp_slow_start_after_idle_check(struct sock *sk);
int tcp_fragment(struct sock *sk, struct sk_buff *skb, unsigned int len);
void tcp_sndbuf_expand(struct sock *sk);
uint32_t tcp_probe0_base(const struct sock *sk);
void tcp_mstamp_refresh(struct tcp_sock *tp);
void tcp_free_skb(struct sock *sk, struct sk_buff *skb);

/* ---- tcp_timer.c ------------------------------------------------------------ */

void tcp_init_xmit_timers(struct sock *sk);
void tcp_clear_xmit_timers(struct sock *sk);
void inet_csk_reset_xmit_timer(struct sock *sk, int what, uint32_t when,
			       uint32_t max_when);
void inet_csk_clear_xmit_timer(struct sock *sk, int what);
void inet_csk_reset_keepalive_timer(struct sock *sk, uint32_t len);
void inet_csk_delete_keepalive_timer(struct sock *sk);
void tcp_set_keepalive(struct sock *sk, int val);
void tcp_write_err(struct sock *sk);
bool retransmits_timed_out(struct sock *sk, unsigned int boundary,
			   unsigned int timeout);

/* ---- tcp_minisocks.c -------------------------------------------------------- */

void tcp_time_wait(struct sock *sk, int state, uint32_t timeo);
enum tcp_tw_status {
	TCP_TW_SUCCESS,
	TCP_TW_RST,
	TCP_TW_ACK,
	TCP_TW_SYN,
};
enum tcp_tw_status tcp_timewait_state_process(struct tcp_timewait_sock *tw,
					      struct sk_buff *skb,
					      uint32_t *isn);
void inet_twsk_kill(struct tcp_timewait_sock *tw, bool killed);
void inet_twsk_deschedule_put(struct tcp_timewait_sock *tw);
int tcp_conn_request(struct tcp_sock *listener, struct sk_buff *skb,
		     uint32_t isn);
/* A segment for a request sock: may create the child (returned). */
struct sock *tcp_check_req(struct tcp_request_sock *req, struct sk_buff *skb,
			   bool *reset);
void inet_csk_reqsk_queue_drop(struct tcp_request_sock *req);
void inet_csk_listen_stop(struct sock *sk);
/* Addresses, route, MSS, TSval offset and window of a request (options set). */
int tcp_openreq_init(struct tcp_sock *listener, struct tcp_request_sock *req,
		     const uint8_t *iph, const uint8_t *th);
struct sock *tcp_v4_syn_recv_sock(struct tcp_sock *listener,
				  struct tcp_request_sock *req,
				  const struct sk_buff *skb);
/* Queues @child, just made from @req, on @listener's accept queue. */
void inet_csk_reqsk_queue_add(struct tcp_sock *listener, struct sock *child);
bool sk_acceptq_is_full(const struct tcp_sock *listener);

/* ---- syncookies.c ------------------------------------------------------------- */

/* The ISN of a cookie SYN-ACK for the SYN @skb; *@mssp gets the MSS it encodes. */
uint32_t cookie_v4_init_sequence(struct tcp_sock *listener,
				 const struct sk_buff *skb, uint16_t *mssp);
/* The TSval (without offset) of a cookie SYN-ACK: options in its low bits. */
uint32_t cookie_init_timestamp(const struct tcp_request_sock *req,
			       uint32_t now_ms);
/*
 * An ACK for a listener: a valid cookie makes the child (returned, on the
 * accept queue); the listener is returned when the segment is its own to
 * answer (RST), NULL when it is dropped.
 */
struct sock *cookie_v4_check(struct tcp_sock *listener, struct sk_buff *skb);
int tcp_child_process(struct sock *parent, struct sock *child,
		      struct sk_buff *skb);

/* ---- tcp_mem.c: memory pressure (tcp_mem) -------------------------------------- */

void tcp_mem_net_init(struct usn_net *net, struct tcp_hashinfo *h);
struct proto_mem *tcp_memory_pool(const struct sock *sk);
void tcp_enter_memory_pressure(struct sock *sk);
void tcp_leave_memory_pressure(struct sock *sk);
bool tcp_under_memory_pressure(const struct sock *sk);
/* The socket's share of the namespace's figures: tcp_v4_init_sock / sk_free. */
void tcp_mem_sock_init(struct sock *sk);
/* A segment enters or leaves the write queue (sk_wmem_queued_add + sk_mem_charge). */
void tcp_wmem_charge(struct sock *sk, struct sk_buff *skb);
void tcp_wmem_uncharge(struct sock *sk, struct sk_buff *skb);
/* Room to queue @skb on receive; 0, or -1 to drop it (tcp_try_rmem_schedule). */
int tcp_try_rmem_schedule(struct sock *sk, struct sk_buff *skb,
			  unsigned int size);
bool tcp_prune_ofo_queue(struct sock *sk, const struct sk_buff *in_skb);
/* Under pressure, no more than four segments of window (tcp_adjust_rcv_ssthresh). */
void tcp_adjust_rcv_ssthresh(struct sock *sk);
bool tcp_should_expand_sndbuf(const struct sock *sk);
/* Send-buffer room for a new segment; false makes the writer wait. */
bool tcp_stream_wmem_schedule(struct sock *sk, struct sk_buff *skb);
/* The short wait of a writer refused by the pool (sk_stream_wait_memory's vm_wait). */
long tcp_mem_vm_wait(struct sock *sk);
/* /proc/net/sockstat "TCP: ... alloc N mem N" for usn_snmp ("Sockstat.TCP.mem"). */
int tcp_sockstat(const struct usn_net *net, const char *name, uint64_t *value);

#endif
