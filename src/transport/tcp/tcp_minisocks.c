/* SPDX-License-Identifier: MIT */
/*
 * tcp_minisocks.c - connections without a full socket, after
 * net/ipv4/tcp_minisocks.c, inet_timewait_sock.c and the listening half
 * of inet_connection_sock.c:
 *
 * - TIME_WAIT socks: what is left of a closed connection for 2*MSL
 *   (TCP_TIMEWAIT_LEN, 60 s, as Linux), or of an orphan in FIN_WAIT2 for
 *   tcp_fin_timeout; they answer segments as tcp_timewait_state_process
 *   does and hold the local port for bind conflicts.
 * - request socks: a SYN received by a listener, answered with a SYN-ACK
 *   (retransmitted tcp_synack_retries times), until the ACK of the
 *   handshake creates the child socket, which waits on the accept queue.
 * - listen(), accept() and the end of a listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "transport/tcp/tcp_var.h"
#include "core/filter.h"
#include "network/ipv4/route.h"

/* ---- TIME_WAIT ------------------------------------------------------------------ */

void inet_twsk_kill(struct tcp_timewait_sock *tw, bool killed)
{
	struct usn_net *net = tw->net;
	struct tcp_hashinfo *h = tcp_hashinfo(net);

	del_timer(&tw->timer);
	tcp_ehash_del(&tw->e);
	tcp_bind_del(&tw->b);
	if (h) {
		h->tw_count--;
		if (killed)
			NET_INC_STATS(net, TWKilled);
		else
			NET_INC_STATS(net, TW);
	}
	free(tw);
	put_net(net);
}

void inet_twsk_deschedule_put(struct tcp_timewait_sock *tw)
{
	inet_twsk_kill(tw, true);
}

static void tw_timer_handler(struct timer_list *t)
{
	inet_twsk_kill(container_of(t, struct tcp_timewait_sock, timer), false);
}

static void inet_twsk_reschedule(struct tcp_timewait_sock *tw, uint32_t timeo)
{
	mod_timer(&tw->timer, net_jiffies(tw->net) + timeo);
}

/*
 * Replaces @sk by a TIME_WAIT sock in @state (TCP_TIME_WAIT, or
 * TCP_FIN_WAIT2 for an orphan waiting for the peer's FIN) for @timeo ms,
 * and closes @sk (tcp_time_wait).
 */
void tcp_time_wait(struct sock *sk, int state, uint32_t timeo)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct usn_net *net = sock_net(sk);
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	struct tcp_timewait_sock *tw = h ? calloc(1, sizeof(*tw)) : NULL;
	uint32_t rto = tp->rto;

	if (tw) {
		tw->net = get_net(net);
		tw->e = tp->e;
		tw->e.kind = TCP_ENT_TW;
		tw->e.hashed = false;
		INIT_HLIST_NODE(&tw->e.node);
		tw->rcv_saddr = tp->inet.inet_rcv_saddr;
		tw->substate = (uint8_t)state;
		tw->reuse = sk->sk_reuse;
		tw->reuseport = sk->sk_reuseport;
		tw->rcv_wscale = tp->rx_opt.rcv_wscale;
		tw->tstamp_ok = tp->rx_opt.tstamp_ok;
		tw->tos = tp->inet.tos;
		tw->snd_nxt = tp->snd_nxt;
		tw->rcv_nxt = tp->rcv_nxt;
		tw->rcv_wnd = tcp_receive_window(tp);
		tw->ts_recent = tp->rx_opt.ts_recent;
		tw->ts_recent_stamp = tp->rx_opt.ts_recent_stamp;
		tw->ts_offset = tp->tsoffset;
		tw->last_oow_ack_time = tp->last_oow_ack_time;
		timer_setup(&tw->timer, &net->timers, tw_timer_handler);
		/* It takes over the port and the 4-tuple. */
		if (tp->b.hashed) {
			tw->b.port = tp->b.port;
			tw->b.kind = TCP_ENT_TW;
			tw->b.by_connect = tp->b.by_connect;
			tcp_bind_add(h, &tw->b);
		}
		tcp_ehash_del(&tp->e);
		tcp_ehash_add(h, &tw->e);
		if (timeo < (rto << 2) - (rto >> 1))
			timeo = (rto << 2) - (rto >> 1);
		if (state == TCP_TIME_WAIT)
			timeo = TCP_TIMEWAIT_LEN;
		inet_twsk_reschedule(tw, timeo);
		h->tw_count++;
	}
	tcp_done(sk);
}

/* What a TIME_WAIT sock does with a segment (tcp_timewait_state_process). */
enum tcp_tw_status tcp_timewait_state_process(struct tcp_timewait_sock *tw,
					      struct sk_buff *skb, uint32_t *isn)
{
	struct usn_net *net = tw->net;
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	const uint8_t *th = skb->data;
	uint8_t flags = cb->tcp_flags;
	struct tcp_options_received opt;
	bool paws_reject = false;

	memset(&opt, 0, sizeof(opt));
	if (tw->ts_recent_stamp) {
		opt.tstamp_ok = 1;
		tcp_parse_options(net, th, tcp_doff(th), &opt, true);
		if (opt.saw_tstamp) {
			if (opt.rcv_tsecr)
				opt.rcv_tsecr -= tw->ts_offset;
			opt.ts_recent = tw->ts_recent;
			opt.ts_recent_stamp = tw->ts_recent_stamp;
			paws_reject = !tcp_paws_check(&opt, TCP_PAWS_WINDOW,
						      get_seconds32(net));
		}
	}

	if (tw->substate == TCP_FIN_WAIT2) {
		if (paws_reject || !tcp_in_window(cb->seq, cb->end_seq, tw->rcv_nxt,
						  tw->rcv_nxt + tw->rcv_wnd)) {
			if (tcp_oow_rate_limited(net, skb,
						 LINUX_MIB_TCPACKSkippedFinWait2,
						 &tw->last_oow_ack_time))
				return TCP_TW_SUCCESS;
			return TCP_TW_ACK;
		}
		if (flags & TCPHDR_RST)
			goto kill;
		if ((flags & TCPHDR_SYN) && !before(cb->seq, tw->rcv_nxt))
			return TCP_TW_RST;
		if (!(flags & TCPHDR_ACK) || !after(cb->end_seq, tw->rcv_nxt) ||
		    cb->end_seq == cb->seq)
			return TCP_TW_SUCCESS;
		/* New data after the half-close, or more than a FIN: reset. */
		if (!(flags & TCPHDR_FIN) || cb->end_seq != tw->rcv_nxt + 1)
			return TCP_TW_RST;
		tw->substate = TCP_TIME_WAIT;
		tw->rcv_nxt = cb->end_seq;
		if (opt.saw_tstamp) {
			tw->ts_recent_stamp = get_seconds32(net);
			tw->ts_recent = opt.rcv_tsval;
		}
		inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN);
		return TCP_TW_ACK;
	}

	/* TIME_WAIT proper (RFC 1337 aside, as Linux with tcp_rfc1337 0). */
	if (!paws_reject &&
	    (cb->seq == tw->rcv_nxt &&
	     (cb->seq == cb->end_seq || (flags & TCPHDR_RST)))) {
		if (flags & TCPHDR_RST) {
			if (!net->sysctl.tcp_rfc1337)
				goto kill;
		} else {
			inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN);
		}
		if (opt.saw_tstamp) {
			tw->ts_recent = opt.rcv_tsval;
			tw->ts_recent_stamp = get_seconds32(net);
		}
		return TCP_TW_SUCCESS;
	}
	/*
	 * A new SYN with a higher sequence number or timestamp may open a new
	 * connection at once (RFC 1122 4.2.2.13); it starts beyond the old one.
	 */
	if ((flags & TCPHDR_SYN) && !(flags & (TCPHDR_RST | TCPHDR_ACK)) &&
	    !paws_reject &&
	    (after(cb->seq, tw->rcv_nxt) ||
	     (opt.saw_tstamp && (int32_t)(tw->ts_recent - opt.rcv_tsval) < 0))) {
		uint32_t n = tw->snd_nxt + 65535 + 2;

		*isn = n ? n : 1;
		inet_twsk_kill(tw, true);
		return TCP_TW_SYN;
	}
	if (paws_reject)
		NET_INC_STATS(net, PAWSEstab);
	if (!(flags & TCPHDR_RST)) {
		if (paws_reject || (flags & TCPHDR_ACK))
			inet_twsk_reschedule(tw, TCP_TIMEWAIT_LEN);
		if (tcp_oow_rate_limited(net, skb, LINUX_MIB_TCPACKSkippedTimeWait,
					 &tw->last_oow_ack_time))
			return TCP_TW_SUCCESS;
		return TCP_TW_ACK;
	}
	return TCP_TW_SUCCESS;

kill:
	inet_twsk_kill(tw, true);
	return TCP_TW_SUCCESS;
}

/* ---- request socks ----------------------------------------------------------------- */

void inet_csk_reqsk_queue_drop(struct tcp_request_sock *req)
{
	struct usn_net *net = req->net;

	del_timer(&req->timer);
	tcp_ehash_del(&req->e);
	list_del_init(&req->list);
	if (req->listener)
		req->listener->qlen--;
	free(req);
	put_net(net);
}

static uint32_t reqsk_timeout(const struct tcp_request_sock *req)
{
	uint64_t t = (uint64_t)TCP_TIMEOUT_INIT << req->num_timeout;

	return (uint32_t)min_t(uint64_t, t, TCP_RTO_MAX);
}

/* SYN-ACK retransmission, then the end of the request (reqsk_timer_handler). */
static void reqsk_timer_handler(struct timer_list *t)
{
	struct tcp_request_sock *req = container_of(t, struct tcp_request_sock, timer);
	struct tcp_sock *lp = req->listener;
	struct usn_net *net = req->net;
	unsigned int max_retries;

	if (!lp || tp_sk(lp)->sk_state != TCP_LISTEN) {
		inet_csk_reqsk_queue_drop(req);
		return;
	}
	max_retries = lp->syn_retries ? lp->syn_retries :
		      (unsigned int)net->sysctl.tcp_synack_retries;
	if (req->num_timeout < max_retries) {
		/* Once the ACK came and found the accept queue full, only wait. */
		if (!req->acked) {
			if (!tcp_send_synack_req(lp, req)) {
				TCP_INC_STATS(net, RetransSegs);
				NET_INC_STATS(net, TCPSynRetrans);
				req->num_retrans++;
			}
		}
		req->num_timeout++;
		mod_timer(&req->timer, net_jiffies(net) + reqsk_timeout(req));
		return;
	}
	inet_csk_reqsk_queue_drop(req);
}

bool sk_acceptq_is_full(const struct tcp_sock *lp)
{
	return lp->ack_backlog > lp->max_ack_backlog;
}

static bool inet_csk_reqsk_queue_is_full(const struct tcp_sock *lp)
{
	return lp->qlen >= lp->max_ack_backlog;
}

/*
 * The SYN queue is full, or cookies are always on (tcp_syn_flood_action):
 * answer with a cookie, or drop when tcp_syncookies is 0.
 */
static bool tcp_syn_flood_action(struct usn_net *net)
{
	if (net->sysctl.tcp_syncookies) {
		NET_INC_STATS(net, TCPReqQFullDoCookies);
		return true;
	}
	NET_INC_STATS(net, TCPReqQFullDrop);
	return false;
}

int tcp_openreq_init(struct tcp_sock *lp, struct tcp_request_sock *req,
		     const uint8_t *iph, const uint8_t *th)
{
	struct sock *lsk = tp_sk(lp);
	struct usn_net *net = sock_net(lsk);
	uint32_t window_clamp;
	struct flowi4 fl4;
	struct rtable rt;
	uint8_t rcv_wscale;
	unsigned int mss;

	memset(&fl4, 0, sizeof(fl4));
	fl4.flowi4_proto = IPPROTO_TCP;
	fl4.daddr = ipv4_saddr(iph);
	fl4.saddr = ipv4_daddr(iph);
	fl4.flowi4_oif = lsk->sk_bound_dev_if;
	if (ip_route_output_key(net, &fl4, &rt))
		return -EHOSTUNREACH;
	INIT_LIST_HEAD(&req->list);
	req->listener = lp;
	req->e.laddr = ipv4_daddr(iph);
	req->e.raddr = ipv4_saddr(iph);
	req->e.lport = tcp_dest(th);
	req->e.rport = tcp_source(th);
	req->e.bound_dev_if = lsk->sk_bound_dev_if;
	req->e.kind = TCP_ENT_REQ;
	req->pmtu = rt.rt_mtu;
	req->advmss = tcp_advmss_for(rt.rt_mtu, lp->rx_opt.user_mss);
	req->ts_off = secure_tcp_ts_off(net, req->e.laddr, req->e.raddr);
	/* The initial window (tcp_openreq_init_rwin). */
	mss = req->advmss - (req->tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
	window_clamp = lp->window_clamp;
	/* A locked SO_RCVBUF bounds the window, and so its scale. */
	if ((lsk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    (!window_clamp || window_clamp > (uint32_t)tcp_full_space(lsk)))
		window_clamp = (uint32_t)tcp_full_space(lsk);
	tcp_select_initial_window(lsk, tcp_full_space(lsk), mss, &req->rcv_wnd,
				  &window_clamp, req->wscale_ok, &rcv_wscale, 0);
	req->window_clamp = window_clamp;
	req->rcv_wscale = rcv_wscale;
	return 0;
}

/* A SYN for a listener (tcp_conn_request); @isn from a TIME_WAIT sock, or 0. */
int tcp_conn_request(struct tcp_sock *lp, struct sk_buff *skb, uint32_t isn)
{
	struct sock *lsk = tp_sk(lp);
	struct usn_net *net = sock_net(lsk);
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	const uint8_t *iph = ip_hdr(skb), *th = skb->data;
	struct tcp_options_received opt;
	struct tcp_request_sock *req;
	bool want_cookie = false;

	if (cb->rt_type != RTN_LOCAL)
		goto drop;
	if ((net->sysctl.tcp_syncookies == 2 ||
	     inet_csk_reqsk_queue_is_full(lp)) && !isn) {
		want_cookie = tcp_syn_flood_action(net);
		if (!want_cookie)
			goto drop;
	}
	if (sk_acceptq_is_full(lp)) {
		NET_INC_STATS(net, ListenOverflows);
		goto drop;
	}
	memset(&opt, 0, sizeof(opt));
	opt.mss_clamp = TCP_MSS_DEFAULT;
	opt.user_mss = lp->rx_opt.user_mss;
	tcp_parse_options(net, th, tcp_doff(th), &opt, false);
	if (lp->rx_opt.user_mss && lp->rx_opt.user_mss < opt.mss_clamp)
		opt.mss_clamp = lp->rx_opt.user_mss;
	/*
	 * A cookie keeps window scaling and SACK only in the TSval it echoes
	 * back: without timestamps they are not offered (tcp_clear_options).
	 */
	if (want_cookie && !opt.saw_tstamp) {
		opt.wscale_ok = 0;
		opt.snd_wscale = 0;
		opt.sack_ok = 0;
	}

	req = calloc(1, sizeof(*req));
	if (!req)
		goto drop;
	req->rcv_isn = cb->seq;
	req->mss = opt.mss_clamp;
	req->tstamp_ok = opt.saw_tstamp;
	req->ts_recent = opt.saw_tstamp ? opt.rcv_tsval : 0;
	req->sack_ok = opt.sack_ok;
	req->wscale_ok = opt.wscale_ok;
	req->snd_wscale = opt.snd_wscale;
	if (tcp_openreq_init(lp, req, iph, th)) {
		free(req);
		goto drop;
	}
	if (want_cookie) {
		/* Nothing is kept: the SYN-ACK carries the state (reqsk_free). */
		req->cookie = 1;
		req->snt_isn = cookie_v4_init_sequence(lp, skb, &req->mss);
		tcp_send_synack_req(lp, req);
		free(req);
		return 0;
	}
	/*
	 * Without cookies, the last quarter of tcp_max_syn_backlog is kept
	 * for peers proven alive (tcp_peer_is_proven: an RTT in the TCP
	 * metrics cache). usnet keeps no metrics cache, so no peer is
	 * proven and those SYNs are dropped, as Linux does for a peer it
	 * has no metrics for.
	 */
	if (!isn && !net->sysctl.tcp_syncookies) {
		int max_syn_backlog = net->sysctl.tcp_max_syn_backlog;

		if (max_syn_backlog - (int)lp->qlen < (max_syn_backlog >> 2)) {
			free(req);
			goto drop;
		}
	}
	req->net = get_net(net);
	req->snt_isn = isn ? isn : secure_tcp_seq(net, req->e.laddr, req->e.raddr,
						  req->e.lport, req->e.rport);
	timer_setup(&req->timer, &net->timers, reqsk_timer_handler);

	tcp_ehash_add(h, &req->e);
	list_add_tail(&req->list, &lp->req_list);
	lp->qlen++;
	tcp_send_synack_req(lp, req);
	mod_timer(&req->timer, net_jiffies(net) + TCP_TIMEOUT_INIT);
	return 0;

drop:
	NET_INC_STATS(net, ListenDrops);
	return 0;
}

/* The child socket of a completed handshake (tcp_create_openreq_child). */
struct sock *tcp_v4_syn_recv_sock(struct tcp_sock *lp,
				  struct tcp_request_sock *req,
				  const struct sk_buff *skb)
{
	struct sock *lsk = tp_sk(lp), *newsk;
	struct usn_net *net = sock_net(lsk);
	struct tcp_hashinfo *h = tcp_hashinfo(net);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	struct tcp_sock *newtp;
	struct inet_sock *newinet;

	newsk = sk_alloc(net, PF_INET, &tcp_prot, 0);
	if (!newsk)
		return NULL;
	sock_init_data(NULL, newsk);
	newsk->sk_type = lsk->sk_type;
	newsk->sk_protocol = lsk->sk_protocol;
	newsk->sk_rcvbuf = lsk->sk_rcvbuf;
	newsk->sk_sndbuf = lsk->sk_sndbuf;
	newsk->sk_userlocks = lsk->sk_userlocks & (uint8_t)~SOCK_BINDPORT_LOCK;
	newsk->sk_flags = lsk->sk_flags & ~(1UL << SOCK_DEAD);
	newsk->sk_reuse = lsk->sk_reuse;
	newsk->sk_reuseport = lsk->sk_reuseport;
	newsk->sk_bound_dev_if = lsk->sk_bound_dev_if;
	newsk->sk_mark = lsk->sk_mark;
	sk_filter_charge(newsk, lsk->sk_filter);	/* as sk_clone_lock() */
	newsk->sk_priority = lsk->sk_priority;
	newsk->sk_lingertime = lsk->sk_lingertime;
	newsk->sk_rcvlowat = lsk->sk_rcvlowat;
	newsk->sk_rcvtimeo = lsk->sk_rcvtimeo;
	newsk->sk_sndtimeo = lsk->sk_sndtimeo;
	tcp_prot.init(newsk);
	newtp = tcp_sk(newsk);
	newinet = &newtp->inet;
	newinet->inet_rcv_saddr = req->e.laddr;
	newinet->inet_saddr = req->e.laddr;
	newinet->inet_daddr = req->e.raddr;
	newinet->inet_sport = req->e.lport;
	newinet->inet_dport = req->e.rport;
	newinet->inet_num = ntohs(req->e.lport);
	newinet->uc_ttl = lp->inet.uc_ttl;
	newinet->tos = lp->inet.tos;
	newinet->pmtudisc = lp->inet.pmtudisc;
	newinet->recverr = lp->inet.recverr;
	newinet->is_icsk = 1;
	newinet->inet_id = (uint16_t)net_random_u32(net);

	newtp->nonagle = lp->nonagle;
	newtp->rx_opt.user_mss = lp->rx_opt.user_mss;
	newtp->keepalive_time = lp->keepalive_time;
	newtp->keepalive_intvl = lp->keepalive_intvl;
	newtp->keepalive_probes = lp->keepalive_probes;
	newtp->linger2 = lp->linger2;
	newtp->user_timeout = lp->user_timeout;
	newtp->syn_retries = lp->syn_retries;
	/*
	 * The listener's algorithm only if TCP_CONGESTION chose it, else
	 * the namespace's default now (tcp_ca_openreq_child).
	 */
	newtp->ca_setsockopt = lp->ca_setsockopt;
	if (lp->ca_setsockopt)
		newtp->ca_ops = lp->ca_ops;
	else
		tcp_assign_congestion_control(newsk);

	newtp->rcv_nxt = req->rcv_isn + 1;
	newtp->rcv_wup = newtp->rcv_nxt;
	newtp->copied_seq = newtp->rcv_nxt;
	newtp->snd_una = newtp->snd_nxt = newtp->snd_up = req->snt_isn + 1;
	newtp->snd_sml = newtp->write_seq = newtp->pushed_seq = req->snt_isn + 1;
	newtp->snd_wl1 = req->rcv_isn;
	newtp->rx_opt.snd_wscale = req->wscale_ok ? req->snd_wscale : 0;
	newtp->rx_opt.rcv_wscale = req->wscale_ok ? req->rcv_wscale : 0;
	newtp->rx_opt.wscale_ok = req->wscale_ok;
	newtp->rx_opt.sack_ok = req->sack_ok;
	newtp->snd_wnd = (uint32_t)cb->window << newtp->rx_opt.snd_wscale;
	newtp->max_window = newtp->snd_wnd;
	newtp->rx_opt.tstamp_ok = req->tstamp_ok;
	if (req->tstamp_ok) {
		newtp->rx_opt.ts_recent = req->ts_recent;
		newtp->rx_opt.ts_recent_stamp = get_seconds32(net);
		newtp->tcp_header_len = TCP_HLEN + TCPOLEN_TSTAMP_ALIGNED;
	} else {
		newtp->tcp_header_len = TCP_HLEN;
	}
	newtp->tsoffset = req->ts_off;
	newtp->rx_opt.mss_clamp = req->mss;
	newtp->rcv_wnd = req->rcv_wnd;
	newtp->rcv_ssthresh = req->rcv_wnd;
	newtp->window_clamp = req->window_clamp;
	newtp->advmss = req->advmss;
	if (req->tstamp_ok)
		newtp->advmss -= TCPOLEN_TSTAMP_ALIGNED;
	tcp_sync_mss(newsk, req->pmtu);
	tcp_initialize_rcv_mss(newsk);
	newtp->rto = TCP_TIMEOUT_INIT;
	/*
	 * The SYN-ACK's RTT, unless it was retransmitted (Karn); then the
	 * echoed timestamp still gives one (tcp_synack_rtt_meas). Without
	 * either, tcp_init_transfer falls back to a 3 s RTO.
	 */
	if (!req->num_retrans && req->snt_synack_us) {
		tcp_rtt_estimator(newsk, (long)(tcp_clock_us(net) - req->snt_synack_us));
		tcp_set_rto(newsk);
	} else if (req->tstamp_ok) {
		struct tcp_options_received opt;

		memset(&opt, 0, sizeof(opt));
		opt.tstamp_ok = 1;
		tcp_parse_options(net, skb->data, tcp_doff(skb->data), &opt, true);
		if (opt.saw_tstamp && opt.rcv_tsecr) {
			uint32_t delta = tcp_clock_ms(net) - (opt.rcv_tsecr - req->ts_off);

			if (delta < INT32_MAX / 1000u) {
				tcp_rtt_estimator(newsk, (long)max_t(uint32_t, delta, 1) * 1000);
				tcp_set_rto(newsk);
			}
		}
	}
	newtp->total_retrans = req->num_retrans;
	newtp->lsndtime = tcp_jiffies32(net);
	newtp->rcv_tstamp = newtp->lsndtime;
	newtp->ack.lrcvtime = newtp->lsndtime;
	newsk->sk_state = TCP_SYN_RECV;
	tcp_init_transfer(newsk);

	/* It inherits the listener's port and replaces the request in ehash. */
	newtp->b.port = newinet->inet_num;
	newtp->b.kind = TCP_ENT_SOCK;
	tcp_bind_add(h, &newtp->b);
	tcp_set_ehash_key(newtp);
	tcp_ehash_del(&req->e);
	tcp_ehash_add(h, &newtp->e);
	TCP_INC_STATS(net, PassiveOpens);
	if (sock_flag(newsk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(newsk, keepalive_time_when(newtp));
	return newsk;
}

/*
 * A segment for a request sock (tcp_check_req): a retransmitted SYN gets
 * the SYN-ACK again; the ACK of the handshake makes the child, which goes
 * on the accept queue. Returns the child, the listener (the caller
 * resets), or NULL; *@reset asks for a RST.
 */
struct sock *tcp_check_req(struct tcp_request_sock *req, struct sk_buff *skb,
			   bool *reset)
{
	struct tcp_sock *lp = req->listener;
	struct sock *lsk = tp_sk(lp), *child;
	struct usn_net *net = req->net;
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	const uint8_t *th = skb->data;
	struct tcp_options_received opt;
	uint8_t flg = cb->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST |
				       TCPHDR_FIN);
	bool paws_reject = false;

	memset(&opt, 0, sizeof(opt));
	if (req->tstamp_ok) {
		opt.tstamp_ok = 1;
		tcp_parse_options(net, th, tcp_doff(th), &opt, true);
		if (opt.saw_tstamp) {
			opt.ts_recent = req->ts_recent;
			opt.ts_recent_stamp = get_seconds32(net) -
					      ((TCP_TIMEOUT_INIT / HZ) << req->num_timeout);
			paws_reject = !tcp_paws_check(&opt, TCP_PAWS_WINDOW,
						      get_seconds32(net));
		}
	}
	/* A retransmitted SYN: the SYN-ACK again (rate limited). */
	if (cb->seq == req->rcv_isn && flg == TCPHDR_SYN && !paws_reject) {
		if (!tcp_oow_rate_limited(net, skb, LINUX_MIB_TCPACKSkippedSynRecv,
					  &req->last_oow_ack_time) &&
		    !tcp_send_synack_req(lp, req)) {
			TCP_INC_STATS(net, RetransSegs);
			NET_INC_STATS(net, TCPSynRetrans);
			req->num_retrans++;
			mod_timer(&req->timer, net_jiffies(net) + reqsk_timeout(req));
		}
		return NULL;
	}
	if ((flg & TCPHDR_ACK) && cb->ack_seq != req->snt_isn + 1)
		return lsk;
	if (paws_reject || !tcp_in_window(cb->seq, cb->end_seq, req->rcv_isn + 1,
					  req->rcv_isn + 1 + req->rcv_wnd)) {
		if (!(flg & TCPHDR_RST) &&
		    !tcp_oow_rate_limited(net, skb, LINUX_MIB_TCPACKSkippedSynRecv,
					  &req->last_oow_ack_time))
			tcp_v4_send_ack(net, skb, req->snt_isn + 1, req->rcv_isn + 1,
					req->rcv_wnd >> req->rcv_wscale,
					req->tstamp_ok ? tcp_clock_ms(net) + req->ts_off : 0,
					req->tstamp_ok ? req->ts_recent : 0,
					lp->inet.tos);
		if (paws_reject)
			NET_INC_STATS(net, PAWSEstab);
		return NULL;
	}
	if (opt.saw_tstamp && !after(cb->seq, req->rcv_isn + 1))
		req->ts_recent = opt.rcv_tsval;
	if (cb->seq == req->rcv_isn)
		flg &= (uint8_t)~TCPHDR_SYN;
	if (flg & (TCPHDR_RST | TCPHDR_SYN)) {
		TCP_INC_STATS(net, AttemptFails);
		goto embryonic_reset;
	}
	if (!(flg & TCPHDR_ACK))
		return NULL;
	if (sk_acceptq_is_full(lp)) {
		NET_INC_STATS(net, ListenOverflows);
		NET_INC_STATS(net, ListenDrops);
		if (!net->sysctl.tcp_abort_on_overflow) {
			req->acked = 1;
			return NULL;
		}
		goto embryonic_reset;
	}
	child = tcp_v4_syn_recv_sock(lp, req, skb);
	if (!child) {
		NET_INC_STATS(net, ListenDrops);
		req->acked = 1;
		return NULL;
	}
	inet_csk_reqsk_queue_add(lp, child);
	req->listener->qlen--;
	req->listener = NULL;
	list_del_init(&req->list);
	del_timer(&req->timer);
	free(req);
	put_net(net);
	return child;

embryonic_reset:
	if (!(flg & TCPHDR_RST))
		*reset = true;
	inet_csk_reqsk_queue_drop(req);
	NET_INC_STATS(net, EmbryonicRsts);
	return NULL;
}

/* The accept queue holds the child's reference. */
void inet_csk_reqsk_queue_add(struct tcp_sock *lp, struct sock *child)
{
	tcp_sk(child)->parent = lp;
	list_add_tail(&tcp_sk(child)->accept_node, &lp->accept_queue);
	lp->ack_backlog++;
}

/* The child processes the handshake's ACK (and any data); the listener wakes. */
int tcp_child_process(struct sock *parent, struct sock *child,
		      struct sk_buff *skb)
{
	int ret = tcp_rcv_state_process(child, skb);

	parent->sk_data_ready(parent);
	return ret;
}

/* ---- listen and accept ------------------------------------------------------------------ */

int inet_csk_listen_start(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_hashinfo *h = tcp_hashinfo(sock_net(sk));
	int err;

	if (!h)
		return -EADDRINUSE;
	sk->sk_state = TCP_LISTEN;
	err = tcp_v4_get_port(sk, tp->inet.inet_num);
	if (err) {
		sk->sk_state = TCP_CLOSE;
		return -EADDRINUSE;
	}
	tp->inet.inet_sport = htons(tp->inet.inet_num);
	hlist_add_head(&tp->lnode,
		       &h->lhash[tp->inet.inet_num & (TCP_LHASH_SIZE - 1)]);
	return 0;
}

/* Children nobody will accept are reset and freed; requests dropped (inet_csk_listen_stop). */
void inet_csk_listen_stop(struct sock *sk)
{
	struct tcp_sock *lp = tcp_sk(sk);

	while (!list_empty(&lp->req_list))
		inet_csk_reqsk_queue_drop(list_first_entry(&lp->req_list,
							   struct tcp_request_sock,
							   list));
	while (!list_empty(&lp->accept_queue)) {
		struct tcp_sock *ctp = list_first_entry(&lp->accept_queue,
							struct tcp_sock,
							accept_node);
		struct sock *child = tp_sk(ctp);

		list_del_init(&ctp->accept_node);
		lp->ack_backlog--;
		ctp->parent = NULL;
		sock_hold(child);
		tcp_disconnect(child, 0);
		sock_orphan(child);
		if (child->sk_state == TCP_CLOSE)
			inet_csk_destroy_sock(child);
		sock_put(child);
	}
}

struct sock *inet_csk_accept(struct sock *sk, int flags, int *err)
{
	struct tcp_sock *lp = tcp_sk(sk);
	struct tcp_sock *ctp;
	long timeo;

	if (sk->sk_state != TCP_LISTEN) {
		*err = -EINVAL;
		return NULL;
	}
	if (list_empty(&lp->accept_queue)) {
		timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
		if (!timeo) {
			*err = -EAGAIN;
			return NULL;
		}
		for (;;) {
			sk_wait_event(sk, &timeo, !list_empty(&lp->accept_queue) ||
				      sk->sk_state != TCP_LISTEN);
			if (sk->sk_state != TCP_LISTEN) {
				*err = -EINVAL;
				return NULL;
			}
			if (!list_empty(&lp->accept_queue))
				break;
			if (!timeo) {
				*err = sock_intr_errno(timeo);
				return NULL;
			}
		}
	}
	ctp = list_first_entry(&lp->accept_queue, struct tcp_sock, accept_node);
	list_del_init(&ctp->accept_node);
	lp->ack_backlog--;
	ctp->parent = NULL;
	return tp_sk(ctp);
}

int __inet_listen_sk(struct sock *sk, int backlog)
{
	int old_state = sk->sk_state;

	if (!((1u << old_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		return -EINVAL;
	tcp_sk(sk)->max_ack_backlog = (unsigned int)(backlog < 0 ? 0 : backlog);
	if (old_state != TCP_LISTEN)
		return inet_csk_listen_start(sk);
	return 0;
}
