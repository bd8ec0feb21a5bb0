/* SPDX-License-Identifier: MIT */
/*
 * tcp.c - the socket calls of TCP, after net/ipv4/tcp.c: sendmsg with
 * send-buffer backpressure, recvmsg (MSG_PEEK, MSG_WAITALL, SO_RCVLOWAT),
 * close and shutdown with the RFC 9293 state table, disconnect, poll with
 * Linux's rules, ioctls (SIOCINQ/FIONREAD, SIOCOUTQ, SIOCOUTQNSD), level
 * IPPROTO_TCP options and TCP_INFO, and the state changes every other
 * file goes through (tcp_set_state, tcp_done).
 */
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include "transport/tcp/tcp_var.h"

/* Level IPPROTO_TCP option names (linux/tcp.h); <netinet/tcp.h> clashes with sock.h. */
#define TCP_NODELAY		1
#define TCP_MAXSEG		2
#define TCP_CORK		3
#define TCP_KEEPIDLE		4
#define TCP_KEEPINTVL		5
#define TCP_KEEPCNT		6
#define TCP_SYNCNT		7
#define TCP_LINGER2		8
#define TCP_DEFER_ACCEPT	9
#define TCP_WINDOW_CLAMP	10
#define TCP_INFO		11
#define TCP_QUICKACK		12
#define TCP_CONGESTION		13
#define TCP_USER_TIMEOUT	18
#define TCP_CA_NAME_MAX		16
#define MAX_TCP_WINDOW		32767u

#define TCPI_OPT_TIMESTAMPS	1
#define TCPI_OPT_SACK		2
#define TCPI_OPT_WSCALE		4


void tcp_raise_sigpipe(void)
{
	pthread_kill(pthread_self(), SIGPIPE);
}

/* ---- states ----------------------------------------------------------------------- */

void tcp_set_state(struct sock *sk, int state)
{
	struct usn_net *net = sock_net(sk);
	int oldstate = sk->sk_state;
	bool mib = net->ipv4 != NULL;

	switch (state) {
	case TCP_ESTABLISHED:
		if (oldstate != TCP_ESTABLISHED && mib)
			TCP_INC_STATS(net, CurrEstab);
		break;
	case TCP_CLOSE_WAIT:
		if (oldstate == TCP_SYN_RECV && mib)
			TCP_INC_STATS(net, CurrEstab);
		break;
	case TCP_CLOSE:
		if ((oldstate == TCP_CLOSE_WAIT || oldstate == TCP_ESTABLISHED) && mib)
			TCP_INC_STATS(net, EstabResets);
		tcp_unhash(sk);
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			tcp_put_port(sk);
		/* fallthrough */
	default:
		if ((oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT) && mib)
			TCP_DEC_STATS(net, CurrEstab);
		break;
	}
	sk->sk_state = (unsigned char)state;
}

void tcp_write_queue_purge(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		tcp_wmem_uncharge(sk, skb);
		kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_CLOSE);
	}
	tp->send_head = NULL;
	tp->retransmit_hint = NULL;
	tp->tsorted_sent_queue.next = tp->tsorted_sent_queue.prev = NULL;
	tcp_rtx_index_free(sk);
	tp->packets_out = 0;
	tp->retrans_out = 0;
	tp->lost_out = 0;
	tp->sacked_out = 0;
	tp->wmem_queued = 0;
}

void tcp_v4_destroy_sock(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tcp_clear_xmit_timers(sk);
	tcp_write_queue_purge(sk);
	skb_queue_purge_reason(&tp->out_of_order_queue, SKB_DROP_REASON_SOCKET_CLOSE);
	tp->ofo_bytes = 0;
	skb_queue_purge_reason(&sk->sk_receive_queue, SKB_DROP_REASON_SOCKET_CLOSE);
	sk_mem_reclaim_final(sk);
	tcp_unhash(sk);
	if (tcp_hashinfo(sock_net(sk)))
		tcp_put_port(sk);
}

/* A closed orphan goes (inet_csk_destroy_sock). */
void inet_csk_destroy_sock(struct sock *sk)
{
	sk->sk_prot->destroy(sk);
	sock_put(sk);
}

void tcp_done(struct sock *sk)
{
	if ((sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV) &&
	    sock_net(sk)->ipv4)
		TCP_INC_STATS(sock_net(sk), AttemptFails);
	tcp_set_state(sk, TCP_CLOSE);
	tcp_clear_xmit_timers(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		inet_csk_destroy_sock(sk);
}

/* RFC 9293 3.10.4: the state close() moves to, and whether a FIN goes out. */
#define TCP_ACTION_FIN	(1 << 7)
#define TCP_STATE_MASK	0xf

static const unsigned char new_state[16] = {
	[0]		= TCP_CLOSE,
	[TCP_ESTABLISHED] = TCP_FIN_WAIT1 | TCP_ACTION_FIN,
	[TCP_SYN_SENT]	= TCP_CLOSE,
	[TCP_SYN_RECV]	= TCP_FIN_WAIT1 | TCP_ACTION_FIN,
	[TCP_FIN_WAIT1]	= TCP_FIN_WAIT1,
	[TCP_FIN_WAIT2]	= TCP_FIN_WAIT2,
	[TCP_TIME_WAIT]	= TCP_CLOSE,
	[TCP_CLOSE]	= TCP_CLOSE,
	[TCP_CLOSE_WAIT] = TCP_LAST_ACK | TCP_ACTION_FIN,
	[TCP_LAST_ACK]	= TCP_LAST_ACK,
	[TCP_LISTEN]	= TCP_CLOSE,
	[TCP_CLOSING]	= TCP_CLOSING,
	[TCP_NEW_SYN_RECV] = TCP_CLOSE,
};

static bool tcp_close_state(struct sock *sk)
{
	int next = new_state[sk->sk_state & TCP_STATE_MASK];
	int ns = next & TCP_STATE_MASK;

	tcp_set_state(sk, ns);
	return next & TCP_ACTION_FIN;
}

void tcp_shutdown(struct sock *sk, int how)
{
	if (!(how & SEND_SHUTDOWN))
		return;
	if ((1u << sk->sk_state) &
	    (TCPF_ESTABLISHED | TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE_WAIT)) {
		if (tcp_close_state(sk))
			tcp_send_fin(sk);
	}
}

static bool tcp_need_reset(int state)
{
	return (1u << state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | TCPF_SYN_RECV);
}

/* The ABORT of RFC 9293: back to CLOSE, ready to connect again (tcp_disconnect). */
int tcp_disconnect(struct sock *sk, int flags)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int old_state = sk->sk_state;
	uint16_t user_mss = tp->rx_opt.user_mss;
	uint32_t seq;

	(void)flags;
	if (old_state != TCP_CLOSE)
		tcp_set_state(sk, TCP_CLOSE);
	if (old_state == TCP_LISTEN) {
		inet_csk_listen_stop(sk);
	} else if (tcp_need_reset(old_state) ||
		   (tp->snd_nxt != tp->write_seq &&
		    ((1u << old_state) & (TCPF_CLOSING | TCPF_LAST_ACK)))) {
		if (sock_net(sk)->ipv4)
			tcp_send_active_reset(sk);
		sk->sk_err = ECONNRESET;
	} else if (old_state == TCP_SYN_SENT) {
		sk->sk_err = ECONNRESET;
	}
	tcp_clear_xmit_timers(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	tp->copied_seq = tp->rcv_nxt;
	tp->urg_data = 0;
	tcp_write_queue_purge(sk);
	skb_queue_purge(&tp->out_of_order_queue);
	tp->ofo_bytes = 0;
	tp->inet.inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		tp->inet.inet_saddr = 0;
		tp->inet.inet_rcv_saddr = 0;
	}
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);
	tp->srtt_us = 0;
	tp->mdev_us = TCP_TIMEOUT_INIT * 1000u;
	seq = tp->write_seq + tp->max_window + 2;
	tp->write_seq = seq ? seq : 1;
	tp->backoff = 0;
	tp->probes_out = 0;
	tp->probes_tstamp = 0;
	tp->retransmits = 0;
	tp->rto = TCP_TIMEOUT_INIT;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tp->snd_cwnd = TCP_INIT_CWND;
	tp->snd_cwnd_cnt = 0;
	tp->is_cwnd_limited = false;
	tp->max_packets_out = 0;
	tp->window_clamp = 0;
	memset(&tp->rcv_rtt_est, 0, sizeof(tp->rcv_rtt_est));
	memset(&tp->rcvq_space, 0, sizeof(tp->rcvq_space));
	tp->rcv_rtt_last_tsecr = 0;
	tp->delivered = 0;
	tp->ca_state = TCP_CA_Open;
	tp->total_retrans = 0;
	tp->undo_marker = 0;
	tp->retrans_stamp = 0;
	memset(&tp->ack, 0, sizeof(tp->ack));
	tp->ack.rcv_mss = TCP_MIN_MSS;
	memset(&tp->rx_opt, 0, sizeof(tp->rx_opt));
	tp->rx_opt.user_mss = user_mss;
	tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;
	tp->segs_in = tp->segs_out = 0;
	tp->data_segs_in = tp->data_segs_out = 0;
	tp->bytes_acked = tp->bytes_received = 0;
	sk->sk_error_report(sk);
	return 0;
}

/* Waits for the FIN exchange of close() with SO_LINGER (sk_stream_wait_close). */
static void sk_stream_wait_close(struct sock *sk, long timeout)
{
	if (!timeout)
		return;
	while (timeout && ((1u << sk->sk_state) &
			   (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK))) {
		sk_wait_event(sk, &timeout, !((1u << sk->sk_state) &
					      (TCPF_FIN_WAIT1 | TCPF_CLOSING |
					       TCPF_LAST_ACK)));
	}
}

static uint32_t tcp_inq(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t answ;

	if ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_LISTEN))
		return 0;
	answ = tp->rcv_nxt - tp->copied_seq;
	if (answ && sock_flag(sk, SOCK_DONE))
		answ--;
	return answ;
}

static void tcp_close(struct sock *sk, long timeout)
{
	struct usn_net *net = sock_net(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t data_was_unread;
	int state;

	sock_hold(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!net->ipv4 || !tcp_hashinfo(net)) {
		/* The namespace is gone: nothing can be sent. */
		sock_orphan(sk);
		if (sk->sk_state != TCP_CLOSE)
			tcp_set_state(sk, TCP_CLOSE);
		inet_csk_destroy_sock(sk);
		goto out;
	}
	if (sk->sk_state == TCP_LISTEN) {
		tcp_set_state(sk, TCP_CLOSE);
		inet_csk_listen_stop(sk);
		goto adjudge_to_death;
	}
	data_was_unread = tcp_inq(sk);
	skb_queue_purge_reason(&sk->sk_receive_queue, SKB_DROP_REASON_SOCKET_CLOSE);
	if (sk->sk_state == TCP_CLOSE)
		goto adjudge_to_death;
	if (data_was_unread) {
		/* Unread data was tossed: reset the connection (RFC 2525 2.17). */
		NET_INC_STATS(net, TCPAbortOnClose);
		tcp_set_state(sk, TCP_CLOSE);
		tcp_send_active_reset(sk);
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		/* SO_LINGER with 0: abort. */
		tcp_disconnect(sk, 0);
		NET_INC_STATS(net, TCPAbortOnData);
	} else if (tcp_close_state(sk)) {
		tcp_send_fin(sk);
	}
	sk_stream_wait_close(sk, timeout);

adjudge_to_death:
	state = sk->sk_state;
	sock_orphan(sk);
	if (state == TCP_CLOSE)
		goto destroy;
	if (sk->sk_state == TCP_FIN_WAIT2) {
		if (tp->linger2 < 0) {
			tcp_set_state(sk, TCP_CLOSE);
			tcp_send_active_reset(sk);
			NET_INC_STATS(net, TCPAbortOnLinger);
		} else {
			uint32_t tmo = tcp_fin_time(sk);

			if (tmo > TCP_TIMEWAIT_LEN) {
				inet_csk_reset_keepalive_timer(sk, tmo - TCP_TIMEWAIT_LEN);
			} else {
				tcp_time_wait(sk, TCP_FIN_WAIT2, tmo);
				goto out;
			}
		}
	}
destroy:
	if (sk->sk_state == TCP_CLOSE)
		inet_csk_destroy_sock(sk);
	/* Otherwise the protocol finishes the close and frees it. */
out:
	sock_put(sk);
}

/* ---- sending ---------------------------------------------------------------------------- */

static bool sk_stream_memory_free(const struct sock *sk)
{
	return tcp_sk(sk)->wmem_queued < sk->sk_sndbuf;
}

static bool sk_stream_is_writeable(const struct sock *sk)
{
	int queued = tcp_sk(sk)->wmem_queued;

	return sk->sk_sndbuf - queued >= (queued >> 1) && sk_stream_memory_free(sk);
}

void sk_stream_write_space(struct sock *sk)
{
	if (sk->sk_wq && sk->sk_socket && sk_stream_is_writeable(sk)) {
		sk->sk_socket->flags &= ~SOCK_NOSPACE_BIT;
		wake_up_poll(sk->sk_wq, POLLOUT | POLLWRNORM | POLLWRBAND);
	}
}

static int sk_stream_wait_connect(struct sock *sk, long *timeo)
{
	int err;

	for (;;) {
		err = sock_error(sk);
		if (err)
			return err;
		if ((1u << sk->sk_state) & ~(TCPF_SYN_SENT | TCPF_SYN_RECV))
			return -EPIPE;
		if (!*timeo)
			return -EAGAIN;
		if (sk_wait_event(sk, timeo, !sk->sk_err &&
				  !((1u << sk->sk_state) &
				    ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))))
			return 0;
		if (!*timeo && ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)))
			return sock_intr_errno(*timeo);
	}
}

static void sk_stream_set_nospace(struct sock *sk)
{
	if (sk->sk_socket)
		sk->sk_socket->flags |= SOCK_NOSPACE_BIT;
}

/*
 * Waits for room in the send buffer. A writer the memory pool refused
 * while its own buffer has room sleeps a short random while (vm_wait) and
 * tries again: no event of its own would wake it (sk_stream_wait_memory).
 */
static int sk_stream_wait_memory(struct sock *sk, long *timeo)
{
	long vm_wait = 0, cur = *timeo;

	if (sk_stream_memory_free(sk))
		cur = vm_wait = tcp_mem_vm_wait(sk);
	for (;;) {
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			return -EPIPE;
		if (!*timeo) {
			sk_stream_set_nospace(sk);
			return -EAGAIN;
		}
		if (sk_stream_memory_free(sk) && !vm_wait)
			return 0;
		sk_stream_set_nospace(sk);
		sk_wait_event(sk, &cur, sk->sk_err ||
			      (sk->sk_shutdown & SEND_SHUTDOWN) ||
			      (sk_stream_memory_free(sk) && !vm_wait));
		if (vm_wait) {
			/* The time slept comes off the caller's timeout. */
			vm_wait -= cur;
			cur = *timeo;
			if (cur != MAX_SCHEDULE_TIMEOUT && (cur -= vm_wait) < 0)
				cur = 0;
			vm_wait = 0;
		} else if (!cur && !sk_stream_memory_free(sk) && !sk->sk_err &&
			   !(sk->sk_shutdown & SEND_SHUTDOWN)) {
			*timeo = 0;
			return sock_intr_errno(0);
		}
		*timeo = cur;
	}
}

static int sk_stream_error(struct sock *sk, unsigned int flags, int err)
{
	if (err == -EPIPE) {
		int e = sock_error(sk);

		err = e ? e : -EPIPE;
	}
	if (err == -EPIPE && !(flags & MSG_NOSIGNAL))
		tcp_raise_sigpipe();
	return err;
}

static bool forced_push(const struct tcp_sock *tp)
{
	return after(tp->write_seq, tp->pushed_seq + (tp->max_window >> 1));
}

static void tcp_mark_push(struct tcp_sock *tp, struct sk_buff *skb)
{
	TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_PSH;
	tp->pushed_seq = tp->write_seq;
}

static void tcp_push(struct sock *sk, unsigned int flags, unsigned int mss_now,
		     int nonagle)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!tp->send_head || !skb)
		return;
	if (!(flags & MSG_MORE) || forced_push(tp))
		tcp_mark_push(tp, skb);
	/* MSG_OOB: the last byte queued is urgent (tcp_mark_urg). */
	if (flags & MSG_OOB)
		tp->snd_up = tp->write_seq;
	if (flags & MSG_MORE)
		nonagle = TCP_NAGLE_CORK;
	__tcp_push_pending_frames(sk, mss_now, nonagle);
}

static struct sk_buff *tcp_stream_alloc_skb(struct sock *sk, unsigned int size)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb = alloc_skb_headroom(size, USN_MAX_HEADER);
	struct tcp_skb_cb *cb;

	if (!skb)
		return NULL;
	if (!tcp_stream_wmem_schedule(sk, skb)) {
		consume_skb(skb);
		return NULL;
	}
	cb = TCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = cb->end_seq = tp->write_seq;
	cb->tcp_flags = TCPHDR_ACK;
	return skb;
}

static int tcp_sendmsg(struct sock *sk, struct kmsghdr *msg, size_t size)
{
	struct tcp_sock *tp = tcp_sk(sk);
	unsigned int flags = msg->msg_flags, mss_now;
	long timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	size_t copied = 0;
	int err;

	(void)size;
	if ((1u << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}
	mss_now = tcp_current_mss(sk);
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto out_err;

	while (msg_data_left(msg)) {
		struct sk_buff *skb = tp->send_head ? skb_peek_tail(&sk->sk_write_queue) :
						      NULL;
		size_t copy = 0;

		if (skb && !(TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) &&
		    skb->len < mss_now)
			copy = min_t(size_t, mss_now - skb->len, skb_tailroom(skb));
		if (!copy) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = tcp_stream_alloc_skb(sk, mss_now);
			if (!skb)
				goto wait_for_space;
			tcp_slow_start_after_idle_check(sk);
			tcp_entail(sk, skb);
			copy = min_t(size_t, mss_now, skb_tailroom(skb));
		}
		if (copy > msg_data_left(msg))
			copy = msg_data_left(msg);
		err = memcpy_from_msg(skb_put(skb, (unsigned int)copy), msg, copy);
		if (err) {
			skb_trim(skb, skb->len - (unsigned int)copy);
			goto do_error;
		}
		/* skb->truesize stays what was charged when it was queued. */
		if (!copied)
			TCP_SKB_CB(skb)->tcp_flags &= (uint8_t)~TCPHDR_PSH;
		tp->write_seq += (uint32_t)copy;
		TCP_SKB_CB(skb)->end_seq += (uint32_t)copy;
		copied += copy;
		if (!msg_data_left(msg))
			goto out;
		if (skb->len < mss_now)
			continue;
		if (forced_push(tp)) {
			tcp_mark_push(tp, skb);
			__tcp_push_pending_frames(sk, mss_now, TCP_NAGLE_PUSH);
		} else if (skb == tp->send_head) {
			tcp_push_one(sk, mss_now);
		}
		continue;

wait_for_space:
		sk_stream_set_nospace(sk);
		if (copied)
			tcp_push(sk, flags & ~MSG_MORE, mss_now, TCP_NAGLE_PUSH);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		mss_now = tcp_current_mss(sk);
	}
out:
	if (copied)
		tcp_push(sk, flags, mss_now, tp->nonagle);
	return (int)copied;

do_error:
	/* An empty segment left at the tail goes. */
	{
		struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

		if (tail && tail == tp->send_head && !tail->len &&
		    TCP_SKB_CB(tail)->seq == TCP_SKB_CB(tail)->end_seq) {
			tp->send_head = NULL;
			tcp_free_skb(sk, tail);
		}
	}
	if (copied)
		goto out;
out_err:
	return sk_stream_error(sk, flags, err);
}

/* ---- receiving -------------------------------------------------------------------------------- */

void tcp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool time_to_ack = false;

	if (tp->ack.pending & ICSK_ACK_SCHED) {
		if (tp->rcv_nxt - tp->rcv_wup > tp->ack.rcv_mss ||
		    (copied > 0 &&
		     ((tp->ack.pending & ICSK_ACK_PUSHED2) ||
		      ((tp->ack.pending & ICSK_ACK_PUSHED) && !tp->ack.pingpong)) &&
		     !atomic_load(&sk->sk_rmem_alloc)))
			time_to_ack = true;
	}
	if (copied > 0 && !time_to_ack && !(sk->sk_shutdown & RCV_SHUTDOWN)) {
		uint32_t rcv_window_now = tcp_receive_window(tp);

		if (2 * rcv_window_now <= tp->window_clamp) {
			uint32_t new_window = __tcp_select_window(sk);

			if (new_window && new_window >= 2 * rcv_window_now)
				time_to_ack = true;
		}
	}
	if (time_to_ack)
		tcp_send_ack(sk);
}

static int tcp_recvmsg(struct sock *sk, struct kmsghdr *msg, size_t len,
		       int flags, int *addr_len)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t peek_seq = tp->copied_seq, *seq = &tp->copied_seq;
	long timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	int copied = 0, target, err;

	(void)addr_len;
	if (flags & MSG_ERRQUEUE)
		return ip_recv_error(sk, msg, len);
	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;
	if (flags & MSG_OOB)
		return tcp_recv_urg(sk, msg, len, flags);
	if (flags & MSG_PEEK)
		seq = &peek_seq;
	if (len > INT32_MAX)
		len = INT32_MAX;
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, (int)len);

	do {
		struct sk_buff *skb;
		uint32_t offset = 0, rcv_nxt;
		bool found = false;

		/* A read stops at the urgent mark (SIOCATMARK is then true). */
		if (tp->urg_data && tp->urg_seq == *seq && copied)
			break;
		for (skb = skb_peek(&sk->sk_receive_queue); skb;
		     skb = skb_next_in(&sk->sk_receive_queue, skb)) {
			offset = *seq - TCP_SKB_CB(skb)->seq;
			if (offset < skb->len) {
				found = true;
				break;
			}
		}
		if (found) {
			size_t used = skb->len - offset;

			if (len < used)
				used = len;
			if (tp->urg_data) {
				uint32_t urg_offset = tp->urg_seq - *seq;

				if (urg_offset < used) {
					if (urg_offset) {
						used = urg_offset;
					} else if (!sock_flag(sk, SOCK_URGINLINE)) {
						/* Out of line: the byte is skipped. */
						++*seq;
						offset++;
						used--;
						if (!used)
							goto skip_copy;
					}
				}
			}
			if (!(flags & MSG_TRUNC)) {
				err = skb_copy_datagram_msg(skb, (int)offset, msg,
							    (int)used);
				if (err) {
					if (!copied)
						copied = -EFAULT;
					break;
				}
			}
			*seq += (uint32_t)used;
			copied += (int)used;
			len -= used;
			tcp_rcv_space_adjust(sk);
skip_copy:
			if (tp->urg_data && after(tp->copied_seq, tp->urg_seq))
				tp->urg_data = 0;
			if (used + offset >= skb->len && !(flags & MSG_PEEK)) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				consume_skb(skb);
			}
			continue;
		}
		if (copied >= target)
			break;
		if (copied) {
			if (!timeo || sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
		}
		tcp_cleanup_rbuf(sk, copied);
		rcv_nxt = tp->rcv_nxt;
		sk_wait_event(sk, &timeo, tp->rcv_nxt != rcv_nxt || sk->sk_err ||
			      (sk->sk_shutdown & RCV_SHUTDOWN) ||
			      sk->sk_state == TCP_CLOSE);
		if (tp->rcv_nxt == rcv_nxt && !timeo && !sk->sk_err &&
		    !(sk->sk_shutdown & RCV_SHUTDOWN) && sk->sk_state != TCP_CLOSE) {
			if (!copied)
				copied = sock_intr_errno(timeo);
			break;
		}
	} while (len > 0);

	tcp_cleanup_rbuf(sk, copied);
	return copied;
}

/* ---- poll and ioctl --------------------------------------------------------------------------- */

unsigned int tcp_poll(struct file *file, struct socket *sock,
		      struct poll_table_struct *wait)
{
	struct sock *sk = sock->sk;
	const struct tcp_sock *tp = tcp_sk(sk);
	unsigned int mask = 0;
	int state;

	poll_wait(file, &sock->wq, wait);
	state = sk->sk_state;
	if (state == TCP_LISTEN)
		return list_empty(&tp->accept_queue) ? 0 : POLLIN | POLLRDNORM;

	if (sk->sk_shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= POLLHUP;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		int target = sock_rcvlowat(sk, 0, INT_MAX);
		uint32_t avail = tcp_inq(sk);

		/* An out-of-line urgent byte next is not readable data. */
		if (tp->urg_seq == tp->copied_seq && tp->urg_data &&
		    !sock_flag(sk, SOCK_URGINLINE))
			target++;

		if (avail && ((int)avail >= target ||
			      tcp_receive_window(tp) <= tp->ack.rcv_mss))
			mask |= POLLIN | POLLRDNORM;
		if (!(sk->sk_shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk))
				mask |= POLLOUT | POLLWRNORM;
			else if (sk->sk_socket)
				/* The next ACK that makes room wakes us. */
				sk->sk_socket->flags |= SOCK_NOSPACE_BIT;
		} else {
			mask |= POLLOUT | POLLWRNORM;
		}
		if (tp->urg_data & TCP_URG_VALID)
			mask |= POLLPRI;
	}
	if (sk->sk_err || !skb_queue_empty(&sk->sk_error_queue))
		mask |= POLLERR;
	return mask;
}

static int tcp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct tcp_sock *tp = tcp_sk(sk);

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*karg = (int)tcp_inq(sk);
		return 0;
	case SIOCATMARK:
		/* The next byte to read is the urgent one's place. */
		*karg = tp->urg_data && tp->urg_seq == tp->copied_seq;
		return 0;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			*karg = 0;
		else
			*karg = (int)(tp->write_seq - tp->snd_una);
		return 0;
	case SIOCOUTQNSD:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1u << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			*karg = 0;
		else
			*karg = (int)(tp->write_seq - tp->snd_nxt);
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/* ---- options --------------------------------------------------------------------------------- */

void tcp_get_info(struct sock *sk, struct tcp_info_k *info)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t now = tcp_jiffies32(sock_net(sk));

	memset(info, 0, sizeof(*info));
	info->tcpi_state = sk->sk_state;
	info->tcpi_ca_state = tp->ca_state;
	info->tcpi_retransmits = tp->retransmits;
	info->tcpi_probes = tp->probes_out;
	info->tcpi_backoff = tp->backoff;
	if (tp->rx_opt.tstamp_ok)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tp->rx_opt.sack_ok)
		info->tcpi_options |= TCPI_OPT_SACK;
	if (tp->rx_opt.wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_wscale = (uint8_t)(tp->rx_opt.snd_wscale |
					      tp->rx_opt.rcv_wscale << 4);
	}
	info->tcpi_rto = tp->rto * 1000u;
	info->tcpi_ato = tp->ack.ato * 1000u;
	info->tcpi_snd_mss = tp->mss_cache;
	info->tcpi_rcv_mss = tp->ack.rcv_mss;
	if (sk->sk_state == TCP_LISTEN) {
		info->tcpi_unacked = tp->ack_backlog;
		info->tcpi_sacked = tp->max_ack_backlog;
	} else {
		info->tcpi_unacked = tp->packets_out;
		info->tcpi_sacked = tp->sacked_out;
	}
	info->tcpi_lost = tp->lost_out;
	info->tcpi_retrans = tp->retrans_out;
	info->tcpi_last_data_sent = now - tp->lsndtime;
	info->tcpi_last_data_recv = now - tp->ack.lrcvtime;
	info->tcpi_last_ack_recv = now - tp->rcv_tstamp;
	info->tcpi_pmtu = tp->pmtu_cookie;
	info->tcpi_rcv_ssthresh = tp->rcv_ssthresh;
	info->tcpi_rcv_rtt = tp->rcv_rtt_est.rtt_us >> 3;
	info->tcpi_rcv_space = tp->rcvq_space.space;
	info->tcpi_rtt = tp->srtt_us >> 3;
	info->tcpi_min_rtt = tcp_min_rtt(tp) ? tcp_min_rtt(tp) : ~0u;
	info->tcpi_rttvar = tp->mdev_us >> 2;
	info->tcpi_snd_ssthresh = tp->snd_ssthresh;
	info->tcpi_snd_cwnd = tp->snd_cwnd;
	info->tcpi_advmss = tp->advmss;
	info->tcpi_reordering = tp->reordering;
	info->tcpi_total_retrans = tp->total_retrans;
	info->tcpi_bytes_acked = tp->bytes_acked;
	info->tcpi_bytes_received = tp->bytes_received;
	info->tcpi_segs_out = tp->segs_out;
	info->tcpi_segs_in = tp->segs_in;
	info->tcpi_notsent_bytes = tp->write_seq - tp->snd_nxt;
	info->tcpi_data_segs_in = tp->data_segs_in;
	info->tcpi_data_segs_out = tp->data_segs_out;
	info->tcpi_delivered = tp->delivered;
	info->tcpi_snd_wnd = tp->snd_wnd;
}

static void tcp_set_nodelay(struct sock *sk, int on)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (on) {
		tp->nonagle |= TCP_NAGLE_OFF | TCP_NAGLE_PUSH;
		tcp_push_pending_frames(sk);
	} else {
		tp->nonagle &= (uint8_t)~TCP_NAGLE_OFF;
	}
}

static void tcp_set_cork(struct sock *sk, int on)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (on) {
		tp->nonagle |= TCP_NAGLE_CORK;
	} else {
		tp->nonagle &= (uint8_t)~TCP_NAGLE_CORK;
		if (tp->nonagle & TCP_NAGLE_OFF)
			tp->nonagle |= TCP_NAGLE_PUSH;
		tcp_push_pending_frames(sk);
	}
}

static uint32_t keepalive_time_elapsed(const struct tcp_sock *tp)
{
	uint32_t now = tcp_jiffies32(tp->inet.sk.sk_net);

	return min_t(uint32_t, now - tp->ack.lrcvtime, now - tp->rcv_tstamp);
}

static int tcp_setsockopt(struct sock *sk, int level, int optname,
			  const void *optval, unsigned int optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int val;

	if (level != IPPROTO_TCP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (optname == TCP_CONGESTION) {
		char name[TCP_CA_NAME_MAX];
		size_t n = min_t(size_t, optlen, sizeof(name) - 1);

		if (optlen < 1)
			return -EINVAL;
		if (!optval)
			return -EFAULT;
		/* A C string of at most 15 bytes (strncpy_from_user). */
		n = strnlen(optval, n);
		memcpy(name, optval, n);
		name[n] = 0;
		return tcp_set_congestion_control(sk, name);
	}
	if (optlen < sizeof(int))
		return -EINVAL;
	if (!optval)
		return -EFAULT;
	memcpy(&val, optval, sizeof(val));

	switch (optname) {
	case TCP_MAXSEG:
		if (val && (val < (int)TCP_MIN_MSS || val > (int)MAX_TCP_WINDOW))
			return -EINVAL;
		tp->rx_opt.user_mss = (uint16_t)val;
		return 0;
	case TCP_NODELAY:
		tcp_set_nodelay(sk, val);
		return 0;
	case TCP_CORK:
		tcp_set_cork(sk, val);
		return 0;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		tp->keepalive_time = (uint32_t)val * HZ;
		if (sock_flag(sk, SOCK_KEEPOPEN) &&
		    !((1u << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
			uint32_t elapsed = keepalive_time_elapsed(tp);

			elapsed = tp->keepalive_time > elapsed ?
				  tp->keepalive_time - elapsed : 0;
			inet_csk_reset_keepalive_timer(sk, elapsed);
		}
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		tp->keepalive_intvl = (uint32_t)val * HZ;
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		tp->keepalive_probes = (uint8_t)val;
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		tp->syn_retries = (uint8_t)val;
		return 0;
	case TCP_LINGER2:
		if (val < 0)
			tp->linger2 = -1;
		else if (val > (int)(TCP_FIN_TIMEOUT_MAX / HZ))
			tp->linger2 = TCP_FIN_TIMEOUT_MAX;
		else
			tp->linger2 = val * HZ;
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		tp->user_timeout = (uint32_t)val;
		return 0;
	case TCP_QUICKACK:
		if (!val) {
			tp->ack.pingpong = 1;
			return 0;
		}
		tp->ack.pingpong = 0;
		if (((1u << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
		    (tp->ack.pending & ICSK_ACK_SCHED)) {
			tp->ack.pending |= ICSK_ACK_PUSHED;
			tcp_cleanup_rbuf(sk, 1);
			if (!(val & 1))
				tp->ack.pingpong = 1;
		}
		return 0;
	case TCP_WINDOW_CLAMP:
		if (!val) {
			if (sk->sk_state != TCP_CLOSE)
				return -EINVAL;
			tp->window_clamp = 0;
			return 0;
		}
		tp->window_clamp = val < SOCK_MIN_RCVBUF / 2 ? SOCK_MIN_RCVBUF / 2 :
							       (uint32_t)val;
		tp->rcv_ssthresh = min_t(uint32_t, tp->rcv_wnd, tp->window_clamp);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_getsockopt(struct sock *sk, int level, int optname,
			  void *optval, int *optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int val, len;

	if (level != IPPROTO_TCP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (!optlen)
		return -EFAULT;
	len = *optlen;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TCP_INFO: {
		struct tcp_info_k info;

		tcp_get_info(sk, &info);
		return sockopt_put(optval, optlen, &info, (int)sizeof(info));
	}
	case TCP_CONGESTION: {
		char name[TCP_CA_NAME_MAX];

		memset(name, 0, sizeof(name));
		strncpy(name, tp->ca_ops->name, sizeof(name) - 1);
		return sockopt_put(optval, optlen, name, TCP_CA_NAME_MAX);
	}
	case TCP_MAXSEG:
		val = (int)tp->mss_cache;
		if (tp->rx_opt.user_mss &&
		    ((1u << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			val = tp->rx_opt.user_mss;
		break;
	case TCP_NODELAY:
		val = !!(tp->nonagle & TCP_NAGLE_OFF);
		break;
	case TCP_CORK:
		val = !!(tp->nonagle & TCP_NAGLE_CORK);
		break;
	case TCP_KEEPIDLE:
		val = (int)(keepalive_time_when(tp) / HZ);
		break;
	case TCP_KEEPINTVL:
		val = (int)(keepalive_intvl_when(tp) / HZ);
		break;
	case TCP_KEEPCNT:
		val = (int)keepalive_probes(tp);
		break;
	case TCP_SYNCNT:
		val = tp->syn_retries ? tp->syn_retries :
		      sock_net(sk)->sysctl.tcp_syn_retries;
		break;
	case TCP_LINGER2:
		val = tp->linger2;
		if (val >= 0)
			val = (val ? val : sock_net(sk)->sysctl.tcp_fin_timeout * HZ) / HZ;
		break;
	case TCP_WINDOW_CLAMP:
		val = (int)tp->window_clamp;
		break;
	case TCP_QUICKACK:
		val = !tp->ack.pingpong;
		break;
	case TCP_USER_TIMEOUT:
		val = (int)tp->user_timeout;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return sockopt_put(optval, optlen, &val, (int)sizeof(val));
}

/* ---- the protocol -------------------------------------------------------------------------------- */

static int tcp_v4_init_sock(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct netns_sysctl *s = &sock_net(sk)->sysctl;

	skb_queue_head_init(&tp->out_of_order_queue);
	INIT_LIST_HEAD(&tp->accept_queue);
	INIT_LIST_HEAD(&tp->req_list);
	INIT_LIST_HEAD(&tp->accept_node);
	INIT_HLIST_NODE(&tp->lnode);
	INIT_HLIST_NODE(&tp->e.node);
	INIT_HLIST_NODE(&tp->b.node);
	tcp_init_xmit_timers(sk);
	tp->rto = TCP_TIMEOUT_INIT;
	tp->mdev_us = TCP_TIMEOUT_INIT * 1000u;
	tp->snd_cwnd = TCP_INIT_CWND;
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	tp->snd_cwnd_clamp = ~0u;
	tp->mss_cache = TCP_MSS_DEFAULT;
	tp->reordering = (uint32_t)s->tcp_reordering;
	tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;
	tp->scaling_ratio = TCP_DEFAULT_SCALING_RATIO;
	tp->ack.rcv_mss = TCP_MIN_MSS;
	tcp_assign_congestion_control(sk);
	tp->inet.is_icsk = 1;
	sk->sk_write_space = sk_stream_write_space;
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		sk->sk_sndbuf = s->tcp_wmem[1];
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		sk->sk_rcvbuf = s->tcp_rmem[1];
	tcp_mem_sock_init(sk);
	return 0;
}

const struct proto tcp_prot = {
	.name		= "TCP",
	.obj_size	= sizeof(struct tcp_sock),
	.init		= tcp_v4_init_sock,
	.destroy	= tcp_v4_destroy_sock,
	.close		= tcp_close,
	.connect	= tcp_v4_connect,
	.disconnect	= tcp_disconnect,
	.ioctl		= tcp_ioctl,
	.setsockopt	= tcp_setsockopt,
	.getsockopt	= tcp_getsockopt,
	.keepalive	= tcp_set_keepalive,
	.sendmsg	= tcp_sendmsg,
	.recvmsg	= tcp_recvmsg,
	.unhash		= tcp_unhash,
	.get_port	= tcp_v4_get_port,
	.memory_pool	= tcp_memory_pool,
	.enter_memory_pressure = tcp_enter_memory_pressure,
	.leave_memory_pressure = tcp_leave_memory_pressure,
};
