/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the packet family's private state, after
 * net/packet/internal.h: struct packet_sock, its ring, its fanout group
 * and the per-namespace lists, shared by the files of src/family/packet/.
 *
 *   af_packet.c      the family, create/release, bind, send, receive verbs
 *   packet_rcv.c     packet_rcv (SOCK_RAW/SOCK_DGRAM), packet_rcv_spkt
 *   packet_sockopt.c SOL_PACKET options: membership, statistics, aux data
 *   packet_fanout.c  PACKET_FANOUT groups and packet_rcv_fanout
 *   packet_ring.c    PACKET_RX_RING (TPACKET_V3 blocks), tpacket_rcv, mmap
 */
#ifndef USN_FAMILY_PACKET_INTERNAL_H
#define USN_FAMILY_PACKET_INTERNAL_H

#include <linux/if_packet.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/list.h"
#include "core/timer.h"
#include "link/netdevice.h"
#include "socket/sock.h"

struct vm_region;
struct packet_fanout;

#ifndef PACKET_FANOUT_MAX
#define PACKET_FANOUT_MAX	256	/* members of one group */
#endif

/* One PACKET_ADD_MEMBERSHIP entry: the device keeps @count references. */
struct packet_mclist {
	struct packet_mclist	*next;
	int			ifindex;
	int			count;
	unsigned short		type;
	unsigned short		alen;
	unsigned char		addr[MAX_ADDR_LEN];
};

/* PACKET_RX_RING: TPACKET_V3 blocks in memory the program maps. */
struct packet_ring_buffer {
	struct vm_region	*pg_vec;	/* NULL: no ring */
	unsigned char		*base;
	unsigned int		block_size;
	unsigned int		block_nr;
	unsigned int		frame_size;
	unsigned int		frame_nr;
	unsigned int		blk_sizeof_priv;
	unsigned int		feature_req_word;
	unsigned int		retire_tov;	/* ms */
	unsigned int		kactive_blk_num;	/* the block being filled */
	unsigned int		nxt_offset;	/* in it, of the next packet */
	unsigned int		max_frame_len;
	uint32_t		last_pkt_offset;	/* 0: none yet */
	uint64_t		knxt_seq_num;
	bool			blk_open;
	bool			frozen;		/* next block still the user's */
	struct timer_list	retire_timer;
};

struct packet_sock {
	struct sock		sk;	/* first: a struct sock * is a packet_sock * */
	struct list_head	node;	/* netns_packet.sklist */
	struct packet_type	prot_hook;
	struct packet_fanout	*fanout;
	uint16_t		num;	/* bound protocol, network order */
	int			ifindex;	/* bound device, 0: all */
	bool			running;	/* prot_hook is registered */
	bool			auxdata;	/* PACKET_AUXDATA */
	bool			origdev;	/* PACKET_ORIGDEV */
	int			tp_version;	/* PACKET_VERSION */
	unsigned int		tp_hdrlen;
	unsigned int		tp_reserve;	/* PACKET_RESERVE */
	struct {
		unsigned int	tp_packets;
		unsigned int	tp_drops;
		unsigned int	tp_freeze_q_cnt;
	} stats;
	struct packet_mclist	*mclist;
	struct packet_ring_buffer rx_ring;
};

static inline struct packet_sock *pkt_sk(const struct sock *sk)
{
	return (struct packet_sock *)(void *)sk;
}

/* Per namespace: its packet sockets (for device events) and fanout groups. */
struct netns_packet {
	struct list_head	sklist;
	struct list_head	fanout_list;
};

/* What a queued frame carries in skb->cb until recvmsg. */
struct packet_skb_cb {
	union {
		struct sockaddr_pkt	pkt;
		struct sockaddr_ll	ll;
	} sa;
	unsigned int		origlen;	/* before the snapshot cut */
};

static inline struct packet_skb_cb *PACKET_SKB_CB(struct sk_buff *skb)
{
	return (struct packet_skb_cb *)(void *)skb->cb;
}

struct netns_packet *packet_pernet(struct usn_net *net);

/* af_packet.c */
void register_prot_hook(struct sock *sk);
void unregister_prot_hook(struct sock *sk);

/* packet_rcv.c */
int packet_rcv(struct sk_buff *skb, struct net_device *dev,
	       struct packet_type *pt, struct net_device *orig_dev);
int packet_rcv_spkt(struct sk_buff *skb, struct net_device *dev,
		    struct packet_type *pt, struct net_device *orig_dev);
/*
 * The common start of packet_rcv and tpacket_rcv: false when the frame is
 * not for @sk; otherwise skb->data moved to where @sk reads from.
 */
bool packet_rcv_prepare(struct sock *sk, struct sk_buff *skb,
			struct net_device *dev);
void packet_fill_sll(struct sock *sk, struct sk_buff *skb,
		     struct net_device *dev, struct net_device *orig_dev,
		     struct sockaddr_ll *sll);

/* packet_sockopt.c */
int packet_setsockopt(struct socket *sock, int level, int optname,
		      const void *optval, unsigned int optlen);
int packet_getsockopt(struct socket *sock, int level, int optname,
		      void *optval, int *optlen);
void packet_flush_mclist(struct sock *sk);
void packet_dev_mclist_delete(struct net_device *dev,
			      struct packet_mclist **mlp);

/* packet_fanout.c */
int fanout_add(struct sock *sk, uint16_t id, uint16_t type_flags);
void fanout_release(struct sock *sk);
void __fanout_link(struct sock *sk);
void __fanout_unlink(struct sock *sk);
int fanout_getopt(const struct sock *sk);

/* packet_ring.c */
int packet_set_ring(struct sock *sk, const void *req, unsigned int optlen);
void packet_ring_free(struct sock *sk);
int tpacket_rcv(struct sk_buff *skb, struct net_device *dev,
		struct packet_type *pt, struct net_device *orig_dev);
int packet_mmap(struct socket *sock, size_t len, long offset,
		struct vm_region **region);
bool packet_ring_readable(struct sock *sk);

#endif
