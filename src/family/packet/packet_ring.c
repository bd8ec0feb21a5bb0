/* SPDX-License-Identifier: MIT */
/*
 * packet_ring.c - PACKET_RX_RING with TPACKET_V3, after the block code of
 * net/packet/af_packet.c: the ring is tp_block_nr blocks of tp_block_size
 * bytes in memory the program maps with usn_mmap(). Frames are written
 * one after another into the open block (struct tpacket3_hdr, then the
 * struct sockaddr_ll, then the frame at tp_mac); a block goes to the
 * program (block_status TP_STATUS_USER) when the next frame does not fit
 * or when its retire timer fires with frames in it (TP_STATUS_BLK_TMO).
 * The program gives it back by writing TP_STATUS_KERNEL. When the next
 * block is still the program's, the queue freezes and frames are dropped
 * (tp_drops, tp_freeze_q_cnt) until it is given back.
 *
 * TPACKET_V1 and V2 frame rings and PACKET_TX_RING are not built: a
 * PACKET_RX_RING request under those versions fails with EINVAL.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/filter.h"
#include "family/packet/internal.h"
#include "net/net.h"
#include "net/usnet.h"
#include "socket/mmap.h"

#define V3_ALIGNMENT		8
#define BLK_HDR_LEN		ALIGN_UP(sizeof(struct tpacket_block_desc), (size_t)V3_ALIGNMENT)
#define BLK_PLUS_PRIV(p)	(BLK_HDR_LEN + ALIGN_UP((size_t)(p), (size_t)V3_ALIGNMENT))
#define DEFAULT_RETIRE_TOV	8	/* ms, the kernel's for a link of unknown speed */
#define RING_MAX_BYTES		(1ULL << 32)

static struct tpacket_block_desc *ring_block(struct packet_ring_buffer *rb,
					     unsigned int i)
{
	return (struct tpacket_block_desc *)(void *)(rb->base +
						     (size_t)i * rb->block_size);
}

static uint32_t block_status(struct tpacket_block_desc *pbd)
{
	return __atomic_load_n(&pbd->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
}

/* Wall-clock time of a frame: the virtual clock itself in a simulation. */
static void ring_time(const struct sk_buff *skb, uint32_t *sec, uint32_t *nsec)
{
	struct timespec ts;
	uint64_t ns = skb ? skb->tstamp : usn_clock_now();

	if (!usn_simulated()) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	}
	*sec = (uint32_t)(ns / 1000000000ULL);
	*nsec = (uint32_t)(ns % 1000000000ULL);
}

static void prb_open_block(struct sock *sk, struct packet_ring_buffer *rb)
{
	struct tpacket_block_desc *pbd = ring_block(rb, rb->kactive_blk_num);
	struct tpacket_hdr_v1 *h1 = &pbd->hdr.bh1;
	uint32_t sec, nsec;

	ring_time(NULL, &sec, &nsec);
	pbd->version = TPACKET_V3;
	pbd->offset_to_priv = (uint32_t)BLK_HDR_LEN;
	h1->seq_num = rb->knxt_seq_num++;
	h1->ts_first_pkt.ts_sec = sec;
	h1->ts_first_pkt.ts_nsec = nsec;
	h1->ts_last_pkt = h1->ts_first_pkt;
	h1->num_pkts = 0;
	h1->offset_to_first_pkt = (uint32_t)BLK_PLUS_PRIV(rb->blk_sizeof_priv);
	h1->blk_len = h1->offset_to_first_pkt;
	rb->nxt_offset = h1->offset_to_first_pkt;
	rb->last_pkt_offset = 0;
	rb->blk_open = true;
	rb->frozen = false;
	mod_timer(&rb->retire_timer,
		  net_jiffies(sock_net(sk)) + rb->retire_tov);
}

/* Hands the open block to the program and moves to the next one. */
static void prb_close_block(struct sock *sk, struct packet_ring_buffer *rb,
			    uint32_t status)
{
	struct tpacket_block_desc *pbd = ring_block(rb, rb->kactive_blk_num);
	struct tpacket_hdr_v1 *h1 = &pbd->hdr.bh1;

	if (rb->last_pkt_offset) {
		struct tpacket3_hdr *last = (struct tpacket3_hdr *)(void *)
			((unsigned char *)pbd + rb->last_pkt_offset);

		last->tp_next_offset = 0;
		h1->ts_last_pkt.ts_sec = last->tp_sec;
		h1->ts_last_pkt.ts_nsec = last->tp_nsec;
	}
	__atomic_store_n(&h1->block_status, TP_STATUS_USER | status,
			 __ATOMIC_RELEASE);
	rb->blk_open = false;
	rb->kactive_blk_num = (rb->kactive_blk_num + 1) % rb->block_nr;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/* Opens the current block if the program gave it back; else freezes. */
static bool prb_try_open(struct sock *sk, struct packet_ring_buffer *rb)
{
	if (block_status(ring_block(rb, rb->kactive_blk_num)) & TP_STATUS_USER) {
		if (!rb->frozen)
			pkt_sk(sk)->stats.tp_freeze_q_cnt++;
		rb->frozen = true;
		return false;
	}
	prb_open_block(sk, rb);
	return true;
}

/* Room for @len bytes in the open block; NULL when the ring is full. */
static unsigned char *prb_dispatch(struct sock *sk, struct packet_ring_buffer *rb,
				   unsigned int len)
{
	unsigned int need = (unsigned int)ALIGN_UP(len, (unsigned int)V3_ALIGNMENT);

	if (!rb->blk_open && !prb_try_open(sk, rb))
		return NULL;
	if (rb->nxt_offset + need >= rb->block_size) {
		prb_close_block(sk, rb, 0);
		if (!prb_try_open(sk, rb))
			return NULL;
	}
	return (unsigned char *)ring_block(rb, rb->kactive_blk_num) + rb->nxt_offset;
}

static void prb_fill_curr_block(struct packet_ring_buffer *rb,
				unsigned char *h, unsigned int len)
{
	struct tpacket_block_desc *pbd = ring_block(rb, rb->kactive_blk_num);
	unsigned int total = (unsigned int)ALIGN_UP(len, (unsigned int)V3_ALIGNMENT);

	((struct tpacket3_hdr *)(void *)h)->tp_next_offset = total;
	rb->last_pkt_offset = (uint32_t)(h - (unsigned char *)pbd);
	rb->nxt_offset += total;
	pbd->hdr.bh1.blk_len += total;
	pbd->hdr.bh1.num_pkts++;
}

static void prb_retire_rx_blk_timer_expired(struct timer_list *t)
{
	struct packet_ring_buffer *rb =
		container_of(t, struct packet_ring_buffer, retire_timer);
	struct packet_sock *po = container_of(rb, struct packet_sock, rx_ring);
	struct sock *sk = &po->sk;

	if (!rb->pg_vec)
		return;
	if (rb->blk_open &&
	    ring_block(rb, rb->kactive_blk_num)->hdr.bh1.num_pkts) {
		prb_close_block(sk, rb, TP_STATUS_BLK_TMO);
		prb_try_open(sk, rb);
	} else if (!rb->blk_open) {
		prb_try_open(sk, rb);
	}
	if (!rb->blk_open)	/* frozen: look again after another period */
		mod_timer(&rb->retire_timer,
			  net_jiffies(sock_net(sk)) + rb->retire_tov);
}

int tpacket_rcv(struct sk_buff *skb, struct net_device *dev,
		struct packet_type *pt, struct net_device *orig_dev)
{
	struct sock *sk = pt->af_packet_priv;
	struct packet_sock *po = pkt_sk(sk);
	struct packet_ring_buffer *rb = &po->rx_ring;
	unsigned char *skb_head = skb->data, *h;
	unsigned int skb_len = skb->len, snaplen, macoff, netoff, maclen;
	struct tpacket3_hdr *hdr;
	struct sockaddr_ll sll;
	uint32_t res;

	if (!packet_rcv_prepare(sk, skb, dev))
		goto drop;
	snaplen = skb->len;
	res = sk_run_filter(sk, skb);
	if (!res)
		goto drop_n_restore;
	if (snaplen > res)
		snaplen = res;
	if (sk->sk_type == SOCK_DGRAM) {
		macoff = netoff = TPACKET_ALIGN(po->tp_hdrlen + 16) + po->tp_reserve;
	} else {
		maclen = (unsigned int)(skb_network_header(skb) - skb->data);
		netoff = TPACKET_ALIGN(po->tp_hdrlen + (maclen < 16 ? 16 : maclen)) +
			 po->tp_reserve;
		macoff = netoff - maclen;
	}
	if (macoff + snaplen > rb->max_frame_len) {
		if (rb->max_frame_len > macoff) {
			snaplen = rb->max_frame_len - macoff;
		} else {
			snaplen = 0;
			macoff = rb->max_frame_len;
		}
	}
	h = prb_dispatch(sk, rb, macoff + snaplen);
	if (!h) {
		po->stats.tp_drops++;
		atomic_fetch_add(&sk->sk_drops, 1);
		goto drop_n_restore;
	}
	hdr = (struct tpacket3_hdr *)(void *)h;
	memset(hdr, 0, sizeof(*hdr));
	ring_time(skb, &hdr->tp_sec, &hdr->tp_nsec);
	hdr->tp_snaplen = snaplen;
	hdr->tp_len = skb->len;
	hdr->tp_status = TP_STATUS_USER;
	hdr->tp_mac = (uint16_t)macoff;
	hdr->tp_net = (uint16_t)netoff;
	if (rb->feature_req_word & TP_FT_REQ_FILL_RXHASH)
		hdr->hv1.tp_rxhash = skb_get_hash(skb);
	memcpy(h + macoff, skb->data, snaplen);
	packet_fill_sll(sk, skb, dev, orig_dev, &sll);
	memcpy(h + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)), &sll, sizeof(sll));
	prb_fill_curr_block(rb, h, macoff + snaplen);
	po->stats.tp_packets++;
drop_n_restore:
	if (skb->data != skb_head) {
		skb->data = skb_head;
		skb->len = skb_len;
	}
drop:
	consume_skb(skb);
	return 0;
}

bool packet_ring_readable(struct sock *sk)
{
	struct packet_ring_buffer *rb = &pkt_sk(sk)->rx_ring;

	if (!rb->pg_vec)
		return false;
	for (unsigned int i = 0; i < rb->block_nr; i++)
		if (block_status(ring_block(rb, i)) & TP_STATUS_USER)
			return true;
	return false;
}

static void packet_ring_swap(struct sock *sk, struct vm_region *pg)
{
	struct packet_sock *po = pkt_sk(sk);
	bool was_running = po->running;

	/* The hook changes handler: off the lists while it does. */
	unregister_prot_hook(sk);
	po->rx_ring.pg_vec = pg;
	po->rx_ring.base = pg ? pg->addr : NULL;
	po->prot_hook.func = pg ? tpacket_rcv : packet_rcv;
	po->prot_hook.name = pg ? "tpacket_rcv" : "packet_rcv";
	if (was_running)
		register_prot_hook(sk);
}

void packet_ring_free(struct sock *sk)
{
	struct packet_ring_buffer *rb = &pkt_sk(sk)->rx_ring;

	if (!rb->pg_vec)
		return;
	del_timer(&rb->retire_timer);
	vm_region_put(rb->pg_vec);	/* a live mapping keeps the memory */
	rb->pg_vec = NULL;
	rb->base = NULL;
}

int packet_set_ring(struct sock *sk, const void *optval, unsigned int optlen)
{
	struct packet_sock *po = pkt_sk(sk);
	struct packet_ring_buffer *rb = &po->rx_ring;
	struct tpacket_req3 req;
	unsigned int len = po->tp_version == TPACKET_V3 ? sizeof(struct tpacket_req3) :
							  sizeof(struct tpacket_req);
	unsigned int min_frame, per_block;
	long page = sysconf(_SC_PAGESIZE);
	struct vm_region *pg;

	if (optlen < len)
		return -EINVAL;
	if (!optval)
		return -EFAULT;
	memset(&req, 0, sizeof(req));
	memcpy(&req, optval, len);
	if (!req.tp_block_nr) {
		if (req.tp_frame_nr)
			return -EINVAL;
		if (rb->pg_vec && vm_region_mapped(rb->pg_vec))
			return -EBUSY;
		del_timer(&rb->retire_timer);
		pg = rb->pg_vec;
		packet_ring_swap(sk, NULL);
		vm_region_put(pg);
		return 0;
	}
	if (rb->pg_vec)
		return -EBUSY;
	if (po->tp_version != TPACKET_V3)
		return -EINVAL;		/* frame rings are not built */
	if ((int)req.tp_block_size <= 0 || req.tp_block_size % (unsigned long)page)
		return -EINVAL;
	min_frame = po->tp_hdrlen + po->tp_reserve;
	if (req.tp_block_size < BLK_PLUS_PRIV((uint64_t)req.tp_sizeof_priv) + min_frame)
		return -EINVAL;
	if (req.tp_frame_size < min_frame ||
	    (req.tp_frame_size & (TPACKET_ALIGNMENT - 1)))
		return -EINVAL;
	per_block = req.tp_block_size / req.tp_frame_size;
	if (!per_block || per_block > UINT_MAX / req.tp_block_nr ||
	    per_block * req.tp_block_nr != req.tp_frame_nr)
		return -EINVAL;
	if ((uint64_t)req.tp_block_size * req.tp_block_nr > RING_MAX_BYTES)
		return -ENOMEM;
	pg = vm_region_alloc((size_t)req.tp_block_size * req.tp_block_nr);
	if (!pg)
		return -ENOMEM;
	memset(rb, 0, sizeof(*rb));
	rb->block_size = req.tp_block_size;
	rb->block_nr = req.tp_block_nr;
	rb->frame_size = req.tp_frame_size;
	rb->frame_nr = req.tp_frame_nr;
	rb->blk_sizeof_priv = req.tp_sizeof_priv;
	rb->feature_req_word = req.tp_feature_req_word;
	rb->retire_tov = req.tp_retire_blk_tov ? req.tp_retire_blk_tov :
						 DEFAULT_RETIRE_TOV;
	rb->max_frame_len = rb->block_size -
			    (unsigned int)BLK_PLUS_PRIV(rb->blk_sizeof_priv);
	rb->knxt_seq_num = 1;
	timer_setup(&rb->retire_timer, &sock_net(sk)->timers,
		    prb_retire_rx_blk_timer_expired);
	packet_ring_swap(sk, pg);
	prb_open_block(sk, rb);
	return 0;
}

int packet_mmap(struct socket *sock, size_t len, long offset,
		struct vm_region **region)
{
	struct packet_ring_buffer *rb = &pkt_sk(sock->sk)->rx_ring;

	if (offset)
		return -EINVAL;
	if (!rb->pg_vec || len != (size_t)rb->block_size * rb->block_nr)
		return -EINVAL;
	vm_region_map(rb->pg_vec);
	*region = rb->pg_vec;
	return 0;
}
