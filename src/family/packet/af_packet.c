/* SPDX-License-Identifier: MIT */
/*
 * af_packet.c - the PF_PACKET family, after net/packet/af_packet.c:
 * packet_create() with the kernel's checks (CAP_NET_RAW, then the type),
 * bind to a device and a protocol, sending whole frames (SOCK_RAW, and
 * the obsolete SOCK_PACKET) or payloads under a link header the device
 * builds (SOCK_DGRAM), receiving with a struct sockaddr_ll (or
 * sockaddr_pkt) naming where each frame came from, and device events.
 *
 * A socket receives through its prot_hook, a struct packet_type hooked on
 * ptype_all (ETH_P_ALL: every frame in and out) or ptype_base (one
 * ethertype), on one device or all; protocol 0 hooks nothing until bound
 * with a protocol. The handlers are in packet_rcv.c and packet_ring.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "core/log.h"
#include "core/notifier.h"
#include "family/packet/internal.h"
#include "net/net.h"
#include "socket/security.h"

static const struct proto packet_proto = {
	.name		= "PACKET",
	.obj_size	= sizeof(struct packet_sock),
};

struct netns_packet *packet_pernet(struct usn_net *net)
{
	return net->packet;
}

/* ---- the hook ---------------------------------------------------------------- */

void register_prot_hook(struct sock *sk)
{
	struct packet_sock *po = pkt_sk(sk);

	if (po->running)
		return;
	if (po->fanout)
		__fanout_link(sk);
	else
		dev_add_pack(sock_net(sk), &po->prot_hook);
	sock_hold(sk);
	po->running = true;
}

void unregister_prot_hook(struct sock *sk)
{
	struct packet_sock *po = pkt_sk(sk);

	if (!po->running)
		return;
	po->running = false;
	if (po->fanout)
		__fanout_unlink(sk);
	else
		dev_remove_pack(sock_net(sk), &po->prot_hook);
	sock_put(sk);	/* the caller holds its own reference */
}

/* ---- life cycle --------------------------------------------------------------- */

static int packet_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct packet_sock *po;

	if (!sk)
		return 0;
	po = pkt_sk(sk);
	list_del_init(&po->node);
	unregister_prot_hook(sk);
	packet_flush_mclist(sk);
	fanout_release(sk);
	packet_ring_free(sk);
	sock_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

/*
 * Binds to @dev (by @name for SOCK_PACKET, or @ifindex; neither: every
 * device) and @proto (network order). A device that is down takes the
 * binding but reports ENETDOWN, as Linux does.
 */
static int packet_do_bind(struct sock *sk, const char *name, int ifindex,
			  uint16_t proto)
{
	struct packet_sock *po = pkt_sk(sk);
	struct usn_net *net = sock_net(sk);
	struct net_device *dev = NULL;
	bool need_rehook;

	if (po->fanout)
		return -EINVAL;
	if (name) {
		dev = dev_get_by_name(net, name);
		if (!dev)
			return -ENODEV;
	} else if (ifindex) {
		dev = dev_get_by_index(net, ifindex);
		if (!dev)
			return -ENODEV;
	}
	need_rehook = po->prot_hook.type != proto || po->prot_hook.dev != dev;
	if (need_rehook) {
		unregister_prot_hook(sk);
		po->num = proto;
		po->prot_hook.type = proto;
		po->prot_hook.dev = dev;
		po->ifindex = dev ? dev->ifindex : 0;
	}
	if (!proto || !need_rehook)
		return 0;
	if (!dev || netif_running(dev)) {
		register_prot_hook(sk);
	} else {
		sk->sk_err = ENETDOWN;
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_error_report(sk);
	}
	return 0;
}

static int packet_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	struct sockaddr_ll sll;

	if (len < (int)sizeof(sll))
		return -EINVAL;
	memcpy(&sll, uaddr, sizeof(sll));
	if (sll.sll_family != AF_PACKET)
		return -EINVAL;
	return packet_do_bind(sock->sk, NULL, sll.sll_ifindex,
			      sll.sll_protocol ? sll.sll_protocol :
						 pkt_sk(sock->sk)->num);
}

/* SOCK_PACKET binds by device name, in a plain struct sockaddr. */
static int packet_bind_spkt(struct socket *sock, struct sockaddr *uaddr,
			    int len)
{
	char name[sizeof(uaddr->sa_data) + 1];

	if (len != (int)sizeof(struct sockaddr))
		return -EINVAL;
	memcpy(name, uaddr->sa_data, sizeof(uaddr->sa_data));
	name[sizeof(uaddr->sa_data)] = 0;
	return packet_do_bind(sock->sk, name, 0, pkt_sk(sock->sk)->num);
}

static int packet_getname(struct socket *sock, struct sockaddr *uaddr,
			  int peer)
{
	struct packet_sock *po = pkt_sk(sock->sk);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct net_device *dev;

	if (peer)
		return -EOPNOTSUPP;
	sll.sll_ifindex = po->ifindex;
	sll.sll_protocol = po->num;
	dev = po->ifindex > 0 ? dev_get_by_index(sock_net(sock->sk), po->ifindex) :
				NULL;
	if (dev) {
		sll.sll_hatype = dev->type;
		sll.sll_halen = dev->addr_len;
		memcpy(sll.sll_addr, dev->dev_addr,
		       min_t(size_t, dev->addr_len, sizeof(sll.sll_addr)));
	}
	memcpy(uaddr, &sll, sizeof(sll));
	return (int)(offsetof(struct sockaddr_ll, sll_addr) + sll.sll_halen);
}

static int packet_getname_spkt(struct socket *sock, struct sockaddr *uaddr,
			       int peer)
{
	struct packet_sock *po = pkt_sk(sock->sk);
	struct net_device *dev;

	if (peer)
		return -EOPNOTSUPP;
	uaddr->sa_family = AF_PACKET;
	memset(uaddr->sa_data, 0, sizeof(uaddr->sa_data));
	dev = po->ifindex > 0 ? dev_get_by_index(sock_net(sock->sk), po->ifindex) :
				NULL;
	if (dev)
		memcpy(uaddr->sa_data, dev->name,
		       min_t(size_t, strlen(dev->name), sizeof(uaddr->sa_data)));
	return (int)sizeof(*uaddr);
}

/* ---- sending ------------------------------------------------------------------ */

/*
 * An Ethernet frame that carries an 802.1Q tag may be VLAN_HLEN longer
 * than MTU + header (packet_extra_vlan_len_allowed()): the tag is not
 * counted in the MTU. The built header is at skb->data.
 */
static bool packet_extra_vlan_len_allowed(const struct net_device *dev,
					  const struct sk_buff *skb)
{
	if (dev->type != ARPHRD_ETHER || skb->len < ETH_HLEN)
		return false;
	return skb->data[12] == ETH_P_8021Q >> 8 &&
	       skb->data[13] == (ETH_P_8021Q & 0xff);
}

/*
 * Allocates, fills and sends one frame of @len user bytes; @max is the
 * longest the device takes without a VLAN tag (MTU, plus the link header
 * when the user writes it).
 */
static int packet_xmit(struct sock *sk, struct net_device *dev,
		       struct kmsghdr *msg, size_t len, uint16_t proto,
		       const unsigned char *daddr, bool dgram, size_t max)
{
	struct sk_buff *skb;
	unsigned char *data;
	int err;

	skb = sock_alloc_send_skb(sk, len, msg->msg_flags & MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	data = skb_put(skb, (unsigned int)len);
	err = memcpy_from_msg(data, msg, len);
	if (err)
		goto out_free;
	if (dgram) {
		skb_reset_network_header(skb);
		/*
		 * No destination: Ethernet builds no header but on
		 * loopback and NOARP devices (eth_header()).
		 */
		if (dev_hard_header(skb, dev, ntohs(proto), daddr, NULL,
				    (unsigned int)len) < 0) {
			err = -EINVAL;
			goto out_free;
		}
	} else {
		skb_reset_mac_header(skb);
		/* A frame shorter than the link header is not a frame. */
		err = -EINVAL;
		if (len < dev->hard_header_len)
			goto out_free;
		skb->network_header = (uint16_t)(skb->mac_header +
						 dev->hard_header_len);
	}
	err = -EMSGSIZE;
	if (len > max && !packet_extra_vlan_len_allowed(dev, skb))
		goto out_free;
	skb->protocol = proto;
	skb->dev = dev;
	err = dev_queue_xmit(skb);
	return err < 0 ? err : (int)len;

out_free:
	kfree_skb(skb);
	return err;
}

static int packet_sendmsg(struct socket *sock, struct kmsghdr *msg,
			  size_t len)
{
	const struct sockaddr_ll *saddr = msg->msg_name;
	struct sock *sk = sock->sk;
	struct packet_sock *po = pkt_sk(sk);
	const unsigned char *addr = NULL;
	struct net_device *dev;
	bool dgram = sock->type == SOCK_DGRAM;
	int ifindex = po->ifindex;
	size_t max;
	uint16_t proto = po->num;

	if (saddr) {
		if (msg->msg_namelen < (int)sizeof(struct sockaddr_ll))
			return -EINVAL;
		if (msg->msg_namelen < saddr->sll_halen +
				       (int)offsetof(struct sockaddr_ll, sll_addr))
			return -EINVAL;
		proto = saddr->sll_protocol;
		ifindex = saddr->sll_ifindex;
	}
	dev = ifindex > 0 ? dev_get_by_index(sock_net(sk), ifindex) : NULL;
	if (saddr && dgram) {
		if (dev && msg->msg_namelen < dev->addr_len +
				(int)offsetof(struct sockaddr_ll, sll_addr))
			return -EINVAL;
		addr = saddr->sll_addr;
	}
	if (!dev)
		return -ENXIO;
	if (!netif_running(dev))
		return -ENETDOWN;
	max = dev->mtu + (dgram ? 0 : dev->hard_header_len);
	/* Up to a VLAN tag more, checked once the frame is built. */
	if (len > max + VLAN_HLEN)
		return -EMSGSIZE;
	return packet_xmit(sk, dev, msg, len, proto, addr, dgram, max);
}

/* SOCK_PACKET: a whole frame to the device named in a sockaddr_pkt. */
static int packet_sendmsg_spkt(struct socket *sock, struct kmsghdr *msg,
			       size_t len)
{
	const struct sockaddr_pkt *saddr = msg->msg_name;
	struct net_device *dev;
	char name[sizeof(saddr->spkt_device) + 1];
	uint16_t proto = 0;

	if (!saddr)
		return -ENOTCONN;
	if (msg->msg_namelen < (int)sizeof(struct sockaddr))
		return -EINVAL;
	if (msg->msg_namelen == (int)sizeof(struct sockaddr_pkt))
		proto = saddr->spkt_protocol;
	memcpy(name, saddr->spkt_device, sizeof(saddr->spkt_device));
	name[sizeof(saddr->spkt_device)] = 0;
	dev = dev_get_by_name(sock_net(sock->sk), name);
	if (!dev)
		return -ENODEV;
	if (!netif_running(dev))
		return -ENETDOWN;
	if (len > dev->mtu + dev->hard_header_len + VLAN_HLEN)
		return -EMSGSIZE;
	return packet_xmit(sock->sk, dev, msg, len, proto, NULL, false,
			   dev->mtu + dev->hard_header_len);
}

/* ---- receiving ------------------------------------------------------------------ */

static int packet_recvmsg(struct socket *sock, struct kmsghdr *msg,
			  size_t len, int flags)
{
	struct sock *sk = sock->sk;
	struct packet_sock *po = pkt_sk(sk);
	struct packet_skb_cb *cb;
	struct sk_buff *skb;
	size_t copied;
	int err;

	/* As Linux: even MSG_CMSG_CLOEXEC and MSG_WAITALL are EINVAL here. */
	if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_ERRQUEUE))
		return -EINVAL;
	/* Nothing is ever queued on a packet socket's error queue here. */
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	skb = skb_recv_datagram(sk, (unsigned int)flags, &err);
	if (!skb)
		return err;
	cb = PACKET_SKB_CB(skb);
	copied = skb->len;
	if (copied > len) {
		copied = len;
		msg->msg_flags |= MSG_TRUNC;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, (int)copied);
	if (err)
		goto out_free;
	sock_recv_timestamp(msg, sk, skb);
	if (msg->msg_name) {
		if (sock->type == SOCK_PACKET) {
			msg->msg_namelen = sizeof(struct sockaddr_pkt);
			memcpy(msg->msg_name, &cb->sa.pkt, sizeof(cb->sa.pkt));
		} else {
			/* Never less than a whole sockaddr_ll, as Linux now answers. */
			size_t n = offsetof(struct sockaddr_ll, sll_addr) +
				   cb->sa.ll.sll_halen;

			memset(msg->msg_name, 0, sizeof(struct sockaddr_ll));
			memcpy(msg->msg_name, &cb->sa.ll, n);
			msg->msg_namelen = (int)max_t(size_t, n,
						      sizeof(struct sockaddr_ll));
		}
	}
	if (po->auxdata && sock->type != SOCK_PACKET) {
		struct tpacket_auxdata aux = {
			.tp_status	= TP_STATUS_USER,
			.tp_len		= cb->origlen,
			.tp_snaplen	= skb->len,
			.tp_mac		= 0,
			.tp_net		= (uint16_t)(skb_network_header(skb) - skb->data),
		};

		put_cmsg(msg, SOL_PACKET, PACKET_AUXDATA, sizeof(aux), &aux);
	}
	err = (int)((flags & MSG_TRUNC) ? skb->len : copied);
out_free:
	skb_free_datagram(sk, skb);
	return err;
}

static unsigned int packet_poll(struct file *file, struct socket *sock,
				struct poll_table_struct *wait)
{
	unsigned int mask = datagram_poll(file, sock, wait);

	if (packet_ring_readable(sock->sk))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

static int packet_ioctl(struct socket *sock, unsigned int cmd,
			unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int amount;

	switch (cmd) {
	case SIOCOUTQ:
		amount = atomic_load(&sk->sk_wmem_alloc);
		break;
	case SIOCINQ:
		skb = skb_peek(&sk->sk_receive_queue);
		amount = skb ? (int)skb->len : 0;
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (!arg)
		return -EFAULT;
	memcpy((void *)arg, &amount, sizeof(amount));
	return 0;
}

static const struct proto_ops packet_ops = {
	.family		= PF_PACKET,
	.release	= packet_release,
	.bind		= packet_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= packet_getname,
	.poll		= packet_poll,
	.ioctl		= packet_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.setsockopt	= packet_setsockopt,
	.getsockopt	= packet_getsockopt,
	.sendmsg	= packet_sendmsg,
	.recvmsg	= packet_recvmsg,
	.mmap		= packet_mmap,
};

/* SOCK_PACKET: no options, no ring, names in a sockaddr_pkt. */
static const struct proto_ops packet_ops_spkt = {
	.family		= PF_PACKET,
	.release	= packet_release,
	.bind		= packet_bind_spkt,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= packet_getname_spkt,
	.poll		= datagram_poll,
	.ioctl		= packet_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.setsockopt	= sock_no_setsockopt,
	.getsockopt	= sock_no_getsockopt,
	.sendmsg	= packet_sendmsg_spkt,
	.recvmsg	= packet_recvmsg,
};

static int packet_create(struct usn_net *net, struct socket *sock,
			 int protocol, int kern)
{
	uint16_t proto = (uint16_t)protocol;	/* network order, as given */
	struct packet_sock *po;
	struct sock *sk;

	if (!ns_capable(net, CAP_NET_RAW))
		return -EPERM;
	if (sock->type != SOCK_DGRAM && sock->type != SOCK_RAW &&
	    sock->type != SOCK_PACKET)
		return -ESOCKTNOSUPPORT;
	if (!net->packet)
		return -EAFNOSUPPORT;
	sock->state = SS_UNCONNECTED;
	sk = sk_alloc(net, PF_PACKET, &packet_proto, kern);
	if (!sk)
		return -ENOBUFS;
	sock->ops = sock->type == SOCK_PACKET ? &packet_ops_spkt : &packet_ops;
	sock_init_data(sock, sk);
	po = pkt_sk(sk);
	INIT_LIST_HEAD(&po->node);
	INIT_LIST_HEAD(&po->prot_hook.list);
	po->tp_version = TPACKET_V1;
	po->tp_hdrlen = TPACKET_HDRLEN;
	po->num = proto;
	po->prot_hook.func = sock->type == SOCK_PACKET ? packet_rcv_spkt :
							 packet_rcv;
	po->prot_hook.name = sock->type == SOCK_PACKET ? "packet_rcv_spkt" :
							 "packet_rcv";
	po->prot_hook.af_packet_priv = sk;
	list_add_tail(&po->node, &net->packet->sklist);
	if (proto) {
		po->prot_hook.type = proto;
		register_prot_hook(sk);
	}
	return 0;
}

static const struct net_proto_family packet_family_ops = {
	.family	= PF_PACKET,
	.create	= packet_create,
};

/* ---- device events -------------------------------------------------------------- */

static int packet_notifier(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = ptr;
	struct netns_packet *pn = packet_pernet(dev_net(dev));
	struct packet_sock *po, *tmp;

	if (!pn)
		return 0;
	list_for_each_entry_safe(po, tmp, &pn->sklist, node) {
		struct sock *sk = &po->sk;

		switch (event) {
		case NETDEV_UNREGISTER:
			packet_dev_mclist_delete(dev, &po->mclist);
			/* fall through */
		case NETDEV_DOWN:
			if (dev->ifindex != po->ifindex)
				break;
			if (po->running) {
				unregister_prot_hook(sk);
				sk->sk_err = ENETDOWN;
				if (!sock_flag(sk, SOCK_DEAD))
					sk->sk_error_report(sk);
			}
			if (event == NETDEV_UNREGISTER) {
				po->ifindex = -1;
				po->prot_hook.dev = NULL;
			}
			break;
		case NETDEV_UP:
			if (dev->ifindex == po->ifindex && po->num)
				register_prot_hook(sk);
			break;
		}
	}
	return 0;
}

static struct notifier_block packet_netdev_notifier = {
	.notifier_call = packet_notifier,
};

static int packet_net_init(struct usn_net *net)
{
	struct netns_packet *pn = calloc(1, sizeof(*pn));

	if (!pn)
		return -ENOMEM;
	INIT_LIST_HEAD(&pn->sklist);
	INIT_LIST_HEAD(&pn->fanout_list);
	net->packet = pn;
	return 0;
}

/*
 * The namespace is going while sockets may still be open: they leave its
 * lists (which die with it) and close later on their own.
 */
static void packet_net_exit(struct usn_net *net)
{
	struct netns_packet *pn = net->packet;

	while (!list_empty(&pn->sklist))
		list_del_init(pn->sklist.next);
	while (!list_empty(&pn->fanout_list))
		list_del_init(pn->fanout_list.next);
	free(pn);
	net->packet = NULL;
}

static struct pernet_operations packet_net_ops = {
	.name	= "packet",
	.init	= packet_net_init,
	.exit	= packet_net_exit,
};

int packet_init(void)
{
	int err;

	err = register_pernet_subsys(&packet_net_ops);
	if (err)
		return err;
	register_netdevice_notifier(&packet_netdev_notifier);
	return sock_register(&packet_family_ops);
}
