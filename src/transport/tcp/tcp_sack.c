/* SPDX-License-Identifier: MIT */
/*
 * tcp_sack.c - selective acknowledgments, after the SACK parts of
 * net/ipv4/tcp_input.c.
 *
 * Receive side (RFC 2018, RFC 2883): the blocks we report for the
 * out-of-order queue, most recent first, merged as they grow together,
 * dropped once rcv_nxt passes them; a D-SACK block for a duplicate
 * segment, sent once, ahead of the others.
 *
 * Send side: the scoreboard. Each segment of the retransmit queue carries
 * TCPCB_SACKED_ACKED / TCPCB_LOST / TCPCB_SACKED_RETRANS in its control
 * block and the socket counts them (sacked_out, lost_out, retrans_out).
 * tcp_sacktag_write_queue() checks the blocks of an ACK (a D-SACK, blocks
 * beyond snd_nxt or below snd_una are not SACKs), tags what they cover,
 * feeds RACK the delivery times, and detects reordering (a segment never
 * retransmitted SACKed below the highest one SACKed before it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "transport/tcp/tcp_var.h"

/* ---- receive side ----------------------------------------------------------- */

/* Grows @sp to cover [seq, end_seq) if the two touch (tcp_sack_extend). */
static bool tcp_sack_extend(struct tcp_sack_block *sp, uint32_t seq,
			    uint32_t end_seq)
{
	if (after(seq, sp->end_seq) || after(sp->start_seq, end_seq))
		return false;
	if (before(seq, sp->start_seq))
		sp->start_seq = seq;
	if (after(end_seq, sp->end_seq))
		sp->end_seq = end_seq;
	return true;
}

void tcp_sack_reset(struct tcp_sock *tp)
{
	tp->rx_opt.dsack = 0;
	tp->rx_opt.num_sacks = 0;
}

/* RFC 2883: report [seq, end_seq) as a duplicate with the next ACK. */
void tcp_dsack_set(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_is_sack(tp) || !sock_net(sk)->sysctl.tcp_dsack)
		return;
	if (before(seq, tp->rcv_nxt))
		NET_INC_STATS(sock_net(sk), TCPDSACKOldSent);
	else
		NET_INC_STATS(sock_net(sk), TCPDSACKOfoSent);
	tp->rx_opt.dsack = 1;
	tp->duplicate_sack[0].start_seq = seq;
	tp->duplicate_sack[0].end_seq = end_seq;
}

void tcp_dsack_extend(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->rx_opt.dsack)
		tcp_dsack_set(sk, seq, end_seq);
	else
		tcp_sack_extend(tp->duplicate_sack, seq, end_seq);
}

/* The first block grew: fold into it every block it now reaches. */
static void tcp_sack_maybe_coalesce(struct tcp_sock *tp)
{
	struct tcp_sack_block *sp = &tp->selective_acks[0];
	unsigned int this = 1;

	while (this < tp->rx_opt.num_sacks) {
		struct tcp_sack_block *swalk = &tp->selective_acks[this];

		if (tcp_sack_extend(sp, swalk->start_seq, swalk->end_seq)) {
			unsigned int i;

			tp->rx_opt.num_sacks--;
			for (i = this; i < tp->rx_opt.num_sacks; i++)
				tp->selective_acks[i] = tp->selective_acks[i + 1];
			continue;
		}
		this++;
	}
}

/*
 * A segment went into the out-of-order queue: its block moves to the
 * front (RFC 2018 4: the most recent first); beyond four blocks the
 * oldest is forgotten.
 */
void tcp_sack_new_ofo_skb(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_sack_block *sp = tp->selective_acks;
	unsigned int cur = tp->rx_opt.num_sacks, this;

	if (!tcp_is_sack(tp))
		return;
	for (this = 0; this < cur; this++) {
		if (tcp_sack_extend(&sp[this], seq, end_seq)) {
			struct tcp_sack_block tmp = sp[this];

			memmove(&sp[1], &sp[0], this * sizeof(*sp));
			sp[0] = tmp;
			if (cur > 1)
				tcp_sack_maybe_coalesce(tp);
			return;
		}
	}
	if (cur >= TCP_NUM_SACKS)
		cur = TCP_NUM_SACKS - 1;
	memmove(&sp[1], &sp[0], cur * sizeof(*sp));
	sp[0].start_seq = seq;
	sp[0].end_seq = end_seq;
	tp->rx_opt.num_sacks = (uint8_t)(cur + 1);
}

/* rcv_nxt moved: blocks it passed go (tcp_sack_remove). */
void tcp_sack_remove(struct tcp_sock *tp)
{
	unsigned int i = 0, n = tp->rx_opt.num_sacks;

	if (skb_queue_empty(&tp->out_of_order_queue)) {
		tp->rx_opt.num_sacks = 0;
		return;
	}
	while (i < n) {
		if (!before(tp->rcv_nxt, tp->selective_acks[i].start_seq)) {
			n--;
			memmove(&tp->selective_acks[i], &tp->selective_acks[i + 1],
				(n - i) * sizeof(tp->selective_acks[0]));
			continue;
		}
		i++;
	}
	tp->rx_opt.num_sacks = (uint8_t)n;
}

/*
 * How many blocks fit in the option space left after @used bytes of other
 * options (4 without timestamps, 3 with them).
 */
unsigned int tcp_sack_blocks_to_send(const struct tcp_sock *tp,
				     unsigned int used)
{
	unsigned int eff = tp->rx_opt.num_sacks + tp->rx_opt.dsack, room;

	if (!eff || used + 4 + TCPOLEN_SACK_PERBLOCK > TCP_OPT_SIZE_MAX)
		return 0;
	room = (TCP_OPT_SIZE_MAX - used - 4) / TCPOLEN_SACK_PERBLOCK;
	return eff < room ? eff : room;
}

/* ---- send side: the scoreboard -------------------------------------------------- */

/*
 * A SACK reported a segment below the highest SACKed one that was never
 * retransmitted: the network reordered (tcp_check_sack_reordering).
 */
void tcp_check_sack_reordering(struct sock *sk, uint32_t low_seq, bool ts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t fack = tp->highest_sack, metric, mss = tp->mss_cache;

	(void)ts;
	if (!tp->sacked_out || !before(low_seq, fack) || !mss)
		return;
	metric = fack - low_seq;
	if (metric > tp->reordering * mss) {
		uint32_t r = metric / mss + 1;

		/* net.ipv4.tcp_max_reordering: 300 */
		tp->reordering = r < 300 ? r : 300;
	}
	tp->reord_seen++;
	NET_INC_STATS(sock_net(sk), TCPSACKReorder);
}

/*
 * RFC 2883 4: the first block is a D-SACK if it lies below the cumulative
 * ACK or inside the second block (tcp_check_dsack).
 */
static bool tcp_check_dsack(struct sock *sk, const struct tcp_sack_block *sp,
			    unsigned int n, uint32_t ack_seq,
			    uint32_t prior_snd_una)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t s0 = sp[0].start_seq, e0 = sp[0].end_seq;
	bool dup = false;

	if (before(s0, ack_seq)) {
		dup = true;
	} else if (n > 1 && !after(e0, sp[1].end_seq) &&
		   !before(s0, sp[1].start_seq)) {
		dup = true;
	}
	if (!dup)
		return false;
	tp->rack.dsack_seen = 1;
	tp->dsack_dups++;
	if (!before(s0, ack_seq))
		NET_INC_STATS(sock_net(sk), TCPDSACKOfoRecv);
	else
		NET_INC_STATS(sock_net(sk), TCPDSACKRecv);
	/* A retransmission the peer did not need: one less to explain. */
	if (tp->undo_marker && tp->undo_retrans > 0 &&
	    !after(e0, prior_snd_una) && after(e0, tp->undo_marker))
		tp->undo_retrans--;
	return true;
}

/* RFC 2018 and Linux's tcp_is_sackblock_valid(). */
static bool tcp_is_sackblock_valid(const struct tcp_sock *tp, bool is_dsack,
				   uint32_t start, uint32_t end)
{
	if (after(end, tp->snd_nxt) || !before(start, end))
		return false;
	if (!before(start, tp->snd_una))
		return true;
	if (!is_dsack || !tp->undo_marker)
		return false;
	/* A D-SACK below snd_una must end above undo_marker and not span too far. */
	if (after(end, tp->snd_una))
		return false;
	if (!before(start, tp->undo_marker))
		return true;
	if (!after(end, tp->undo_marker))
		return false;
	return !before(start, end - tp->max_window);
}

/*
 * Loss marking without RACK (net.ipv4.tcp_recovery without bit 1): RFC
 * 6675's IsLost, a segment not SACKed is lost once at least dupthresh
 * (tp->reordering) SACKed segments lie above it. Linux's
 * tcp_update_scoreboard has the same effect.
 */
void tcp_sack_mark_lost(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t above = tp->sacked_out;
	struct sk_buff *skb;

	for (skb = tcp_rtx_queue_head(sk); skb && skb != tp->send_head &&
	     above >= tp->reordering;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		uint8_t sacked = TCP_SKB_CB(skb)->sacked;

		if (sacked & TCPCB_SACKED_ACKED)
			above--;
		else if (!(sacked & (TCPCB_LOST | TCPCB_SACKED_RETRANS)))
			tcp_mark_skb_lost(sk, skb);
	}
}

/* ---- the sequence index of the retransmit queue -------------------- */

void tcp_rtx_index_free(struct sock *sk)
{
	struct tcp_rtx_index *ix = &tcp_sk(sk)->rtx_index;

	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

static bool tcp_rtx_index_reserve(struct tcp_rtx_index *ix, uint32_t more)
{
	struct sk_buff **v;
	uint32_t cap;

	if (ix->first + ix->n + more <= ix->cap)
		return true;
	/* Reclaim the popped front before growing. */
	if (ix->first) {
		memmove(ix->v, ix->v + ix->first, ix->n * sizeof(*ix->v));
		ix->first = 0;
		if (ix->n + more <= ix->cap)
			return true;
	}
	cap = ix->cap ? ix->cap : 64;
	while (cap < ix->n + more)
		cap *= 2;
	v = realloc(ix->v, cap * sizeof(*v));
	if (!v)
		return false;
	ix->v = v;
	ix->cap = cap;
	return true;
}

/*
 * Brings the index up to date: rebuilt if it was dropped, else extended
 * by what was sent since. False (and no index) if memory ran out.
 */
static bool tcp_rtx_index_sync(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_rtx_index *ix = &tp->rtx_index;
	struct sk_buff *skb;

	if (!ix->valid) {
		ix->first = ix->n = 0;
		skb = tcp_rtx_queue_head(sk);
	} else if (ix->n) {
		skb = skb_next_in(&sk->sk_write_queue,
				  ix->v[ix->first + ix->n - 1]);
	} else {
		skb = tcp_rtx_queue_head(sk);
	}
	ix->valid = true;
	for (; skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		if (!tcp_rtx_index_reserve(ix, 1)) {
			ix->valid = false;
			return false;
		}
		ix->v[ix->first + ix->n++] = skb;
	}
	return true;
}

/* Position of the first entry whose end_seq is after @seq (n if none). */
static uint32_t tcp_rtx_index_search(const struct tcp_rtx_index *ix,
				     uint32_t seq)
{
	uint32_t lo = 0, hi = ix->n, base;

	if (!ix->n)
		return 0;
	base = TCP_SKB_CB(ix->v[ix->first])->seq;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct tcp_skb_cb *cb = TCP_SKB_CB(ix->v[ix->first + mid]);

		/* Offsets from the front: ordered even across the wrap. */
		if (cb->end_seq - base > seq - base)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The first sent segment ending after @seq, or NULL (O(log n)). */
struct sk_buff *tcp_rtx_index_find(struct sock *sk, uint32_t seq)
{
	struct tcp_rtx_index *ix = &tcp_sk(sk)->rtx_index;
	struct sk_buff *skb;
	uint32_t i;

	if (!tcp_rtx_index_sync(sk)) {
		/* No memory for the index: walk the queue. */
		for (skb = tcp_rtx_queue_head(sk);
		     skb && skb != tcp_sk(sk)->send_head;
		     skb = skb_next_in(&sk->sk_write_queue, skb))
			if (after(TCP_SKB_CB(skb)->end_seq, seq))
				return skb;
		return NULL;
	}
	if (ix->n && !after(seq, TCP_SKB_CB(ix->v[ix->first])->seq))
		return ix->v[ix->first];
	i = tcp_rtx_index_search(ix, seq);
	return i < ix->n ? ix->v[ix->first + i] : NULL;
}

/*
 * @skb leaves the write queue (tcp_free_skb). The array goes back to
 * malloc once the last segment in flight is acknowledged: the index
 * serves loss recovery only, and an idle connection (most of them)
 * should not pay for it; the next SACK rebuilds it.
 */
void tcp_rtx_index_unlink(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_rtx_index *ix = &tcp_sk(sk)->rtx_index;

	if (!ix->valid || !ix->n)
		return;
	if (ix->v[ix->first] == skb) {
		ix->first++;
		if (!--ix->n)
			tcp_rtx_index_free(sk);
		return;
	}
	ix->valid = false;	/* not the front: rebuilt when next needed */
}

/* @buff was split off the tail of @skb and follows it (tcp_fragment). */
void tcp_rtx_index_split(struct sock *sk, struct sk_buff *skb,
			 struct sk_buff *buff)
{
	struct tcp_rtx_index *ix = &tcp_sk(sk)->rtx_index;
	uint32_t i;

	if (!ix->valid || !ix->n)
		return;
	/* @skb ends at @buff's seq now: it is the first ending after seq - 1. */
	i = tcp_rtx_index_search(ix, TCP_SKB_CB(skb)->end_seq - 1);
	if (i >= ix->n || ix->v[ix->first + i] != skb) {
		ix->valid = false;	/* not found: rebuilt on next use */
		return;
	}
	if (!tcp_rtx_index_reserve(ix, 1)) {
		ix->valid = false;
		return;
	}
	i += ix->first + 1;
	memmove(ix->v + i + 1, ix->v + i,
		(ix->first + ix->n - i) * sizeof(*ix->v));
	ix->v[i] = buff;
	ix->n++;
}

/* ---- tagging ------------------------------------------------------- */

/* Tags one segment the peer SACKed (tcp_sacktag_one). */
static void tcp_sacktag_one(struct sock *sk, struct tcp_sacktag_state *state,
			    struct sk_buff *skb, bool dup_sack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	uint8_t sacked = cb->sacked;

	if (dup_sack && (sacked & TCPCB_SACKED_RETRANS)) {
		/* The original arrived too: the retransmission is no longer out. */
		cb->sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
		tp->retrans_out--;
		sacked = cb->sacked;
	}
	if (!after(cb->end_seq, tp->snd_una) || (sacked & TCPCB_SACKED_ACKED))
		return;
	tcp_rack_advance(tp, cb);
	if (sacked & TCPCB_SACKED_RETRANS) {
		cb->sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
		tp->retrans_out--;
	} else if (!(sacked & TCPCB_EVER_RETRANS) &&
		   (state->flag |= TCP_SACK_FLAG_ORIG_SACK_ACKED) &&
		   tp->sacked_out &&
		   before(cb->end_seq, tp->highest_sack) &&
		   before(cb->seq, state->reord)) {
		state->reord = cb->seq;
	}
	if (sacked & TCPCB_LOST) {
		cb->sacked &= (uint8_t)~TCPCB_LOST;
		tp->lost_out--;
	}
	cb->sacked |= TCPCB_SACKED_ACKED;
	tcp_tsorted_del(skb);	/* delivered: nothing for RACK to wait for */
	state->flag |= TCP_SACK_FLAG_DATA_SACKED;
	tp->sacked_out++;
	tp->delivered++;
	state->sack_delivered++;
	/*
	 * The first SACKed segment sets it afresh: an old value (0 at first)
	 * may lie more than 2^31 from the window, where after() misjudges.
	 */
	if (tp->sacked_out == 1 || !after(tp->highest_sack, tp->snd_una) ||
	    after(cb->end_seq, tp->highest_sack))
		tp->highest_sack = cb->end_seq;
}

/*
 * Is @skb inside [@start, @end)? A segment of several MSS (sent before
 * the MSS shrank) partly inside is split at an MSS boundary first, so the
 * part the peer holds is tagged and only the rest is retransmitted
 * (tcp_match_skb_to_sack). 1: inside, 0: not, -errno: the split failed.
 */
static int tcp_match_skb_to_sack(struct sock *sk, struct sk_buff *skb,
				 uint32_t start, uint32_t end)
{
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	unsigned int mss = tcp_sk(sk)->mss_cache, pkt_len;
	bool in_sack = !after(start, cb->seq) && !before(end, cb->end_seq);
	int err;

	if (in_sack || !mss || skb->len <= mss || !after(cb->end_seq, start))
		return in_sack;
	in_sack = !after(start, cb->seq);
	if (!in_sack) {
		/* The block starts inside: what lies below it is split off. */
		pkt_len = max_t(unsigned int, start - cb->seq, mss);
	} else {
		/* The block ends inside: the SACKed head is split off. */
		pkt_len = end - cb->seq;
		if (pkt_len < mss)
			return -EINVAL;
	}
	/* Whole MSS only: down for the SACKed head, up for the part below. */
	if (pkt_len > mss) {
		unsigned int new_len = pkt_len / mss * mss;

		if (!in_sack && new_len < pkt_len)
			new_len += mss;
		pkt_len = new_len;
	}
	if (pkt_len >= skb->len && !in_sack)
		return 0;
	err = tcp_fragment(sk, skb, pkt_len);
	return err < 0 ? err : in_sack;
}

/*
 * Tags the segments that start before @to, end after @from, and lie
 * inside the block @blk (split first where they stick out).
 */
static void tcp_sacktag_range(struct sock *sk, struct tcp_sacktag_state *state,
			      uint32_t from, uint32_t to,
			      const struct tcp_sack_block *blk, bool dup)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	for (skb = tcp_rtx_index_find(sk, from); skb && skb != tp->send_head;
	     skb = skb_next_in(&sk->sk_write_queue, skb)) {
		const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);

		if (!before(cb->seq, to) || !before(cb->seq, blk->end_seq))
			break;
		if (tcp_match_skb_to_sack(sk, skb, blk->start_seq,
					  blk->end_seq) <= 0)
			continue;
		tcp_sacktag_one(sk, state, skb, dup);
	}
}

/*
 * Tags what @blk adds to the blocks of the previous ACK: those were
 * tagged then (Linux's recv_sack_cache), so a block that only grew costs
 * its new segments, not its length.
 */
static void tcp_sacktag_new(struct sock *sk, struct tcp_sacktag_state *state,
			    const struct tcp_sack_block *blk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t cur = blk->start_seq, end = blk->end_seq;

	for (unsigned int i = 0; i < TCP_NUM_SACKS; i++) {
		const struct tcp_sack_block *c = &tp->recv_sack_cache[i];

		if (c->start_seq == c->end_seq)
			continue;
		if (!after(c->end_seq, cur) || !before(c->start_seq, end))
			continue;
		if (after(c->start_seq, cur))
			tcp_sacktag_range(sk, state, cur, c->start_seq, blk,
					  false);
		/* A segment across the old edge is inside the grown block. */
		cur = c->end_seq - 1;
		if (!before(cur, end - 1))
			return;
	}
	tcp_sacktag_range(sk, state, cur, end, blk, false);
}

/*
 * Tags the segments the blocks of an ACK cover (data at @th's TCP
 * header). Blocks are taken in sequence order so reordering is judged
 * against lower blocks only; each finds its first segment through the
 * sequence index. A segment of one MSS only partly covered is left
 * untagged, as in Linux.
 */
int tcp_sacktag_write_queue(struct sock *sk, const uint8_t *th,
			    uint32_t ack_seq, uint32_t prior_snd_una,
			    struct tcp_sacktag_state *state)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_sack_block sp[TCP_NUM_SACKS], cache[TCP_NUM_SACKS];
	bool is_dup[TCP_NUM_SACKS];
	unsigned int n = tp->rx_opt.rcv_sacks, i, j, used = 0;
	const uint8_t *p = th + tp->rx_opt.rcv_sack_off + 2;
	bool found_dup;

	if (n > TCP_NUM_SACKS)
		n = TCP_NUM_SACKS;
	if (!n)
		return 0;
	memset(sp, 0, sizeof(sp));
	memset(cache, 0, sizeof(cache));
	for (i = 0; i < n; i++) {
		sp[i].start_seq = load_be32(p + 8 * i);
		sp[i].end_seq = load_be32(p + 8 * i + 4);
	}
	state->reord = tp->snd_nxt;
	found_dup = tcp_check_dsack(sk, sp, n, ack_seq, prior_snd_una);
	if (found_dup)
		state->flag |= TCP_SACK_FLAG_DSACKING_ACK;
	if (!tp->packets_out)
		return state->flag;
	/* Nothing SACKed any more (all acknowledged, or reneged): forget. */
	if (!tp->sacked_out)
		memset(tp->recv_sack_cache, 0, sizeof(tp->recv_sack_cache));
	for (i = 0; i < n; i++)
		is_dup[i] = found_dup && i == 0;
	for (i = 1; i < n; i++) {
		for (j = i; j > 0 && after(sp[j - 1].start_seq, sp[j].start_seq); j--) {
			struct tcp_sack_block t = sp[j];
			bool d = is_dup[j];

			sp[j] = sp[j - 1];
			is_dup[j] = is_dup[j - 1];
			sp[j - 1] = t;
			is_dup[j - 1] = d;
		}
	}

	for (i = 0; i < n; i++) {
		bool dup = is_dup[i];

		if (!tcp_is_sackblock_valid(tp, dup, sp[i].start_seq,
					    sp[i].end_seq)) {
			if (dup) {
				if (!tp->undo_marker)
					NET_INC_STATS(sock_net(sk), TCPDSACKIgnoredNoUndo);
				else
					NET_INC_STATS(sock_net(sk), TCPDSACKIgnoredOld);
			} else {
				NET_INC_STATS(sock_net(sk), TCPSACKDiscard);
			}
			continue;
		}
		/* Ignore blocks below what was already acknowledged. */
		if (!after(sp[i].end_seq, prior_snd_una) && !dup)
			continue;
		if (dup) {
			tcp_sacktag_range(sk, state, sp[i].start_seq,
					  sp[i].end_seq, &sp[i], true);
			continue;
		}
		tcp_sacktag_new(sk, state, &sp[i]);
		cache[used++] = sp[i];
	}
	memcpy(tp->recv_sack_cache, cache, sizeof(cache));
	if (state->reord != tp->snd_nxt)
		tcp_check_sack_reordering(sk, state->reord, false);
	return state->flag;
}
