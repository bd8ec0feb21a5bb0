/* SPDX-License-Identifier: MIT */
/*
 * packet_sockopt.c - the SOL_PACKET options of SOCK_RAW and SOCK_DGRAM
 * packet sockets, after packet_setsockopt()/packet_getsockopt():
 * memberships (PACKET_MR_PROMISC and PACKET_MR_ALLMULTI count on the
 * device; PACKET_MR_MULTICAST and PACKET_MR_UNICAST are recorded, usnet
 * devices filter no address), PACKET_STATISTICS (read and reset),
 * PACKET_AUXDATA, PACKET_ORIGDEV, PACKET_VERSION, PACKET_HDRLEN,
 * PACKET_RESERVE, PACKET_RX_RING and PACKET_FANOUT.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "family/packet/internal.h"
#include "net/net.h"

/* struct packet_mreq with room for any hardware address, as the kernel's. */
struct packet_mreq_max {
	int		mr_ifindex;
	unsigned short	mr_type;
	unsigned short	mr_alen;
	unsigned char	mr_address[MAX_ADDR_LEN];
};

static int packet_dev_mc(struct net_device *dev, const struct packet_mclist *i,
			 int what)
{
	switch (i->type) {
	case PACKET_MR_MULTICAST:
	case PACKET_MR_UNICAST:
		if (i->alen != dev->addr_len)
			return -EINVAL;
		return 0;
	case PACKET_MR_PROMISC:
		return dev_set_promiscuity(dev, what);
	case PACKET_MR_ALLMULTI:
		return dev_set_allmulti(dev, what);
	default:
		return 0;	/* unknown types are accepted, as Linux does */
	}
}

static bool mclist_match(const struct packet_mclist *ml,
			 const struct packet_mreq_max *mreq)
{
	return ml->ifindex == mreq->mr_ifindex && ml->type == mreq->mr_type &&
	       ml->alen == mreq->mr_alen &&
	       !memcmp(ml->addr, mreq->mr_address, ml->alen);
}

static int packet_mc_add(struct sock *sk, const struct packet_mreq_max *mreq)
{
	struct packet_sock *po = pkt_sk(sk);
	struct packet_mclist *ml, *i;
	struct net_device *dev;
	int err;

	dev = dev_get_by_index(sock_net(sk), mreq->mr_ifindex);
	if (!dev)
		return -ENODEV;
	if (mreq->mr_alen > dev->addr_len)
		return -EINVAL;
	for (ml = po->mclist; ml; ml = ml->next) {
		if (mclist_match(ml, mreq)) {
			ml->count++;
			return 0;
		}
	}
	i = calloc(1, sizeof(*i));
	if (!i)
		return -ENOBUFS;
	i->ifindex = mreq->mr_ifindex;
	i->type = mreq->mr_type;
	i->alen = mreq->mr_alen;
	i->count = 1;
	memcpy(i->addr, mreq->mr_address, i->alen);
	err = packet_dev_mc(dev, i, 1);
	if (err) {
		free(i);
		return err;
	}
	i->next = po->mclist;
	po->mclist = i;
	return 0;
}

/* Dropping what was never added is not an error, as in Linux. */
static int packet_mc_drop(struct sock *sk, const struct packet_mreq_max *mreq)
{
	struct packet_mclist *ml, **mlp;
	struct net_device *dev;

	for (mlp = &pkt_sk(sk)->mclist; (ml = *mlp); mlp = &ml->next) {
		if (!mclist_match(ml, mreq))
			continue;
		if (--ml->count == 0) {
			*mlp = ml->next;
			dev = dev_get_by_index(sock_net(sk), ml->ifindex);
			if (dev)
				packet_dev_mc(dev, ml, -1);
			free(ml);
		}
		break;
	}
	return 0;
}

void packet_flush_mclist(struct sock *sk)
{
	struct packet_sock *po = pkt_sk(sk);
	struct packet_mclist *ml;
	struct net_device *dev;

	while ((ml = po->mclist)) {
		po->mclist = ml->next;
		dev = dev_get_by_index(sock_net(sk), ml->ifindex);
		if (dev)
			packet_dev_mc(dev, ml, -1);
		free(ml);
	}
}

void packet_dev_mclist_delete(struct net_device *dev,
			      struct packet_mclist **mlp)
{
	struct packet_mclist *ml;

	while ((ml = *mlp)) {
		if (ml->ifindex != dev->ifindex) {
			mlp = &ml->next;
			continue;
		}
		packet_dev_mc(dev, ml, -1);
		*mlp = ml->next;
		free(ml);
	}
}

static int packet_get_int(const void *optval, unsigned int optlen, int *val)
{
	if (optlen < sizeof(int))
		return -EINVAL;
	if (!optval)
		return -EFAULT;
	memcpy(val, optval, sizeof(*val));
	return 0;
}

static unsigned int tpacket_hdrlen(int version)
{
	switch (version) {
	case TPACKET_V1:
		return sizeof(struct tpacket_hdr);
	case TPACKET_V2:
		return sizeof(struct tpacket2_hdr);
	case TPACKET_V3:
		return sizeof(struct tpacket3_hdr);
	default:
		return 0;
	}
}

/* What a ring frame starts with: the header, then a struct sockaddr_ll. */
static unsigned int tpacket_ring_hdrlen(int version)
{
	switch (version) {
	case TPACKET_V1:
		return TPACKET_HDRLEN;
	case TPACKET_V2:
		return TPACKET2_HDRLEN;
	default:
		return TPACKET3_HDRLEN;
	}
}

int packet_setsockopt(struct socket *sock, int level, int optname,
		      const void *optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct packet_sock *po = pkt_sk(sk);
	struct packet_mreq_max mreq;
	int val, err;

	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	switch (optname) {
	case PACKET_ADD_MEMBERSHIP:
	case PACKET_DROP_MEMBERSHIP:
		memset(&mreq, 0, sizeof(mreq));
		if (optlen < sizeof(struct packet_mreq))
			return -EINVAL;
		if (!optval)
			return -EFAULT;
		optlen = min_t(unsigned int, optlen, sizeof(mreq));
		memcpy(&mreq, optval, optlen);
		if (optlen < mreq.mr_alen + offsetof(struct packet_mreq_max, mr_address))
			return -EINVAL;
		return optname == PACKET_ADD_MEMBERSHIP ? packet_mc_add(sk, &mreq) :
							  packet_mc_drop(sk, &mreq);
	case PACKET_RX_RING:
		return packet_set_ring(sk, optval, optlen);
	case PACKET_VERSION:
		if (optlen != sizeof(int))
			return -EINVAL;
		err = packet_get_int(optval, optlen, &val);
		if (err)
			return err;
		if (!tpacket_hdrlen(val))
			return -EINVAL;
		if (po->rx_ring.pg_vec)
			return -EBUSY;
		po->tp_version = val;
		po->tp_hdrlen = tpacket_ring_hdrlen(val);
		return 0;
	case PACKET_RESERVE:
		if (optlen != sizeof(unsigned int))
			return -EINVAL;
		err = packet_get_int(optval, optlen, &val);
		if (err)
			return err;
		if (val < 0)
			return -EINVAL;	/* above INT_MAX as unsigned */
		if (po->rx_ring.pg_vec)
			return -EBUSY;
		po->tp_reserve = (unsigned int)val;
		return 0;
	case PACKET_AUXDATA:
	case PACKET_ORIGDEV:
		err = packet_get_int(optval, optlen, &val);
		if (err)
			return err;
		if (optname == PACKET_AUXDATA)
			po->auxdata = !!val;
		else
			po->origdev = !!val;
		return 0;
	case PACKET_FANOUT:
		if (optlen != sizeof(int))
			return -EINVAL;
		err = packet_get_int(optval, optlen, &val);
		if (err)
			return err;
		return fanout_add(sk, (uint16_t)(val & 0xffff),
				  (uint16_t)((unsigned int)val >> 16));
	default:
		/* PACKET_TX_RING, PACKET_QDISC_BYPASS, ... are not built. */
		return -ENOPROTOOPT;
	}
}

int packet_getsockopt(struct socket *sock, int level, int optname,
		      void *optval, int *optlen)
{
	struct packet_sock *po = pkt_sk(sock->sk);
	union {
		int val;
		struct tpacket_stats st;
		struct tpacket_stats_v3 st3;
	} v;
	int len = *optlen, lv = sizeof(int);

	if (level != SOL_PACKET)
		return -ENOPROTOOPT;
	if (len < 0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	switch (optname) {
	case PACKET_STATISTICS:
		/* Packets count the dropped ones too; reading resets, as Linux. */
		if (po->tp_version == TPACKET_V3) {
			v.st3.tp_packets = po->stats.tp_packets + po->stats.tp_drops;
			v.st3.tp_drops = po->stats.tp_drops;
			v.st3.tp_freeze_q_cnt = po->stats.tp_freeze_q_cnt;
			lv = sizeof(v.st3);
		} else {
			v.st.tp_packets = po->stats.tp_packets + po->stats.tp_drops;
			v.st.tp_drops = po->stats.tp_drops;
			lv = sizeof(v.st);
		}
		memset(&po->stats, 0, sizeof(po->stats));
		break;
	case PACKET_AUXDATA:
		v.val = po->auxdata;
		break;
	case PACKET_ORIGDEV:
		v.val = po->origdev;
		break;
	case PACKET_VERSION:
		v.val = po->tp_version;
		break;
	case PACKET_HDRLEN:
		/* Asks for the header length of the version passed in. */
		if (len > (int)sizeof(int))
			len = sizeof(int);
		if (len < (int)sizeof(int))
			return -EINVAL;
		if (!optval)
			return -EFAULT;
		memcpy(&v.val, optval, sizeof(int));
		v.val = (int)tpacket_hdrlen(v.val);
		if (!v.val)
			return -EINVAL;
		break;
	case PACKET_RESERVE:
		v.val = (int)po->tp_reserve;
		break;
	case PACKET_FANOUT:
		v.val = fanout_getopt(&po->sk);
		break;
	default:
		return -ENOPROTOOPT;
	}
	return sockopt_put(optval, optlen, &v, lv);
}
