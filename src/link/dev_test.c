/* SPDX-License-Identifier: MIT */
/*
 * dev_test.c - the link layer on the loopback device: ptype_all taps see
 * every frame, then the ptype_base handler of its ethertype; outgoing
 * frames reach the taps as PACKET_OUTGOING; counters and drop reasons; the
 * receive trace prints each path exactly as the table of receive paths.
 */
#include <arpa/inet.h>
#include <usnet/usnet.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "net/trace.h"
#include "test.h"

#define ETH_P_TEST	0x88b5	/* IEEE 802 local experimental */
#define ETH_P_TEST_L3	0x88b6

static int tap_frames, tap_outgoing, base_frames;

static int dev_test_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig)
{
	if (skb->pkt_type == PACKET_OUTGOING)
		tap_outgoing++;
	else
		tap_frames++;
	consume_skb(skb);
	return 0;
}

static void fake_l3_finish(struct sk_buff *skb)
{
	TRACE_FUNC(dev_net(skb->dev));
	base_frames++;
	consume_skb(skb);
}

static int fake_l3_rcv(struct sk_buff *skb, struct net_device *dev,
		       struct packet_type *pt, struct net_device *orig)
{
	fake_l3_finish(skb);
	return 0;
}

static struct packet_type tap_pt = {
	.type = 0x0300,		/* htons(ETH_P_ALL) */
	.func = dev_test_rcv,
	.name = "dev_test_rcv",
};

static struct packet_type l3_pt = {
	.type = 0xb688,		/* htons(ETH_P_TEST_L3) */
	.func = fake_l3_rcv,
	.name = "fake_l3_rcv",
	.trace_entry = true,
};

/* Sends one frame of @len payload bytes with @type on loopback; the
 * softirq that net_unlock() runs delivers it before this returns. */
static int send_lo(struct usn_net *net, uint16_t type, unsigned int len)
{
	struct net_device *dev;
	struct sk_buff *skb;
	int err;

	net_lock(net);
	dev = net->loopback_dev;
	skb = alloc_skb_headroom(len, USN_MAX_HEADER);
	memset(skb_put(skb, len), 0x11, len);
	dev_hard_header(skb, dev, type, NULL, NULL, len);
	skb->dev = dev;
	err = dev_queue_xmit(skb);
	net_unlock(net);
	return err;
}

static const char *read_trace(struct usn_net *net)
{
	static char buf[4096];
	ssize_t n = usn_trace_read(net, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

TEST(ptype_all_then_ptype_base_with_trace)
{
	struct usn_net *net = usn_net_create("dev", 0);
	struct usn_link_stats st;

	ASSERT_TRUE(net);
	net_lock(net);
	dev_add_pack(net, &tap_pt);
	dev_add_pack(net, &l3_pt);
	net_unlock(net);
	EXPECT_OK(usn_trace_start(net, 0));

	EXPECT_EQ(send_lo(net, ETH_P_TEST_L3, 46), 0);
	EXPECT_EQ(tap_frames, 1);
	EXPECT_EQ(tap_outgoing, 1);
	EXPECT_EQ(base_frames, 1);
	/* The tap's path starts at the link layer; the handler entered a layer. */
	EXPECT_STREQ(read_trace(net),
		     "__netif_receive_skb_core->ptype_all->dev_test_rcv\n"
		     "fake_l3_rcv->fake_l3_finish\n");

	EXPECT_OK(usn_trace_start(net, USN_TRACE_FULL));
	EXPECT_EQ(send_lo(net, ETH_P_TEST_L3, 46), 0);
	EXPECT_STREQ(read_trace(net),
		     "__netif_receive_skb_core->ptype_all->dev_test_rcv\n"
		     "__netif_receive_skb_core->ptype_base->fake_l3_rcv->fake_l3_finish\n");

	/* A frame nobody handles but the tap. */
	EXPECT_OK(usn_trace_start(net, 0));
	EXPECT_EQ(send_lo(net, ETH_P_TEST, 46), 0);
	EXPECT_STREQ(read_trace(net), "__netif_receive_skb_core->ptype_all->dev_test_rcv\n");
	EXPECT_OK(usn_trace_stop(net));
	EXPECT_ERRNO(usn_trace_read(net, NULL, 0), EINVAL);

	net_lock(net);
	dev_remove_pack(net, &tap_pt);
	dev_remove_pack(net, &l3_pt);
	net_unlock(net);
	/* No handler at all: counted and dropped. */
	EXPECT_EQ(send_lo(net, ETH_P_TEST, 46), 0);
	EXPECT_OK(usn_link_stats(net, 1, &st));
	EXPECT_EQ(st.rx_nohandler, 1);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_UNHANDLED_PROTO], 1);
	EXPECT_EQ(st.tx_packets, 4);
	EXPECT_EQ(st.rx_packets, 4);
	EXPECT_EQ(st.tx_bytes, 4 * 60);
	EXPECT_STREQ(usn_drop_reason_name(SKB_DROP_REASON_UNHANDLED_PROTO),
		     "no handler for the protocol");
	EXPECT_TRUE(usn_drop_reason_name(SKB_DROP_REASON_MAX) == NULL);
	EXPECT_TRUE(usn_drop_reason_name(-1) == NULL);
	EXPECT_OK(usn_net_destroy(net));
}

TEST(down_device_and_oversize_frames_are_counted)
{
	struct usn_net *net = usn_net_create("dev2", 0);
	struct usn_link_stats st;

	ASSERT_TRUE(net);
	EXPECT_OK(usn_link_set_mtu(net, 1, 1500));
	/*
	 * dev_queue_xmit() leaves the MTU to the senders and loopback
	 * carries whatever it is given, as Linux's loopback_xmit().
	 */
	EXPECT_EQ(send_lo(net, ETH_P_TEST, 1501), 0);
	EXPECT_ERRNO(usn_link_set_mtu(net, 1, 70000), EINVAL);
	EXPECT_OK(usn_link_set_up(net, 1, 0));
	EXPECT_EQ(send_lo(net, ETH_P_TEST, 100), -ENETDOWN);
	EXPECT_OK(usn_link_stats(net, 1, &st));
	EXPECT_EQ(st.drops[SKB_DROP_REASON_MTU_EXCEEDED], 0);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_DEV_DOWN], 1);
	EXPECT_EQ(st.tx_dropped, 1);
	EXPECT_EQ(st.tx_packets, 1);
	EXPECT_OK(usn_link_set_up(net, 1, 1));
	EXPECT_OK(usn_net_destroy(net));
}

TEST(short_frames_never_reach_a_handler)
{
	struct usn_net *net = usn_net_create("dev3", 0);
	struct usn_link_stats st;
	struct sk_buff *skb;

	ASSERT_TRUE(net);
	net_lock(net);
	skb = alloc_skb(13);
	skb_put(skb, 13);
	EXPECT_EQ(netif_receive_frame(net->loopback_dev, skb), -EINVAL);
	net_unlock(net);
	EXPECT_OK(usn_link_stats(net, 1, &st));
	EXPECT_EQ(st.rx_errors, 1);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_PKT_TOO_SMALL], 1);
	EXPECT_OK(usn_net_destroy(net));
}

TEST(backlog_is_bounded)
{
	struct usn_net *net = usn_net_create("dev4", 0);
	struct usn_link_stats st;

	ASSERT_TRUE(net);
	EXPECT_OK(usn_sysctl(net, "net.core.netdev_max_backlog", NULL, NULL, "10"));
	/* Twenty frames queued in one go: the backlog keeps ten. */
	net_lock(net);
	net->in_softirq = true;		/* hold the softirq back */
	for (int i = 0; i < 20; i++) {
		struct sk_buff *skb = alloc_skb_headroom(46, USN_MAX_HEADER);

		skb_put(skb, 46);
		dev_hard_header(skb, net->loopback_dev, ETH_P_TEST, NULL, NULL, 46);
		skb->dev = net->loopback_dev;
		dev_queue_xmit(skb);
	}
	net->in_softirq = false;
	net_unlock(net);
	EXPECT_OK(usn_link_stats(net, 1, &st));
	EXPECT_EQ(st.drops[SKB_DROP_REASON_BACKLOG], 10);
	EXPECT_EQ(st.drops[SKB_DROP_REASON_UNHANDLED_PROTO], 10);
	EXPECT_OK(usn_net_destroy(net));
}

static void setup_dummy(struct net_device *dev)
{
	static const struct net_device_ops ops = { 0 };

	ether_setup(dev);
	dev->netdev_ops = &ops;
}

TEST(device_names)
{
	struct usn_net *net = usn_net_create("dev5", 0);
	struct net_device *a, *b, *c, *d;

	ASSERT_TRUE(net);
	a = alloc_netdev(0, "dummy%d", setup_dummy);
	b = alloc_netdev(0, "dummy%d", setup_dummy);
	c = alloc_netdev(0, "lo", setup_dummy);
	d = alloc_netdev(0, "bad/name", setup_dummy);
	net_lock(net);
	EXPECT_EQ(register_netdevice(net, a), 0);
	EXPECT_EQ(register_netdevice(net, b), 0);
	EXPECT_STREQ(a->name, "dummy0");
	EXPECT_STREQ(b->name, "dummy1");
	EXPECT_EQ(register_netdevice(net, c), -EEXIST);
	EXPECT_EQ(register_netdevice(net, d), -EINVAL);
	EXPECT_TRUE(dev_get_by_name(net, "dummy1") == b);
	EXPECT_TRUE(dev_get_by_index(net, b->ifindex) == b);
	net_unlock(net);
	free_netdev(c);
	free_netdev(d);
	EXPECT_EQ(usn_link_index(net, "dummy0"), a->ifindex);
	EXPECT_OK(usn_net_destroy(net));	/* unregisters a and b */
}

TEST(addresses)
{
	struct usn_net *net = usn_net_create("dev6", 0);
	uint32_t a = htonl(0x0a000001);

	ASSERT_TRUE(net);
	EXPECT_OK(usn_addr_add(net, 1, AF_INET, &a, 24));
	EXPECT_ERRNO(usn_addr_add(net, 1, AF_INET, &a, 24), EEXIST);
	EXPECT_ERRNO(usn_addr_add(net, 1, AF_INET, &a, 33), EINVAL);
	EXPECT_ERRNO(usn_addr_add(net, 1, AF_INET6, &a, 64), EAFNOSUPPORT);
	EXPECT_ERRNO(usn_addr_add(net, 1, AF_INET, NULL, 24), EFAULT);
	EXPECT_ERRNO(usn_addr_add(net, 42, AF_INET, &a, 24), ENODEV);
	EXPECT_OK(usn_addr_del(net, 1, AF_INET, &a, 24));
	EXPECT_ERRNO(usn_addr_del(net, 1, AF_INET, &a, 24), EADDRNOTAVAIL);
	EXPECT_OK(usn_net_destroy(net));
}

/*
 * eth_header() without a destination: the header is pushed, but only
 * loopback and NOARP devices call it built (zeros); others get -ETH_HLEN.
 * 802.2 and 802.3 frames carry their length in the type field.
 */
TEST(eth_header_without_destination)
{
	static const unsigned char zero[ETH_ALEN], mac[ETH_ALEN] = {
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const unsigned int flags[] = { 0, IFF_NOARP, IFF_LOOPBACK };
	struct net_device *dev = alloc_netdev(0, "eth9", ether_setup);
	const unsigned char *eth;
	struct sk_buff *skb;

	ASSERT_TRUE(dev);
	memcpy(dev->dev_addr, mac, ETH_ALEN);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		dev->flags = IFF_BROADCAST | flags[i];
		skb = alloc_skb_headroom(10, USN_MAX_HEADER);
		ASSERT_TRUE(skb);
		skb_put(skb, 10);
		EXPECT_EQ(dev_hard_header(skb, dev, ETH_P_TEST, NULL, NULL, 10),
			  flags[i] ? ETH_HLEN : -ETH_HLEN);
		EXPECT_EQ(skb->len, 10 + ETH_HLEN);
		eth = skb->data;
		EXPECT_EQ(memcmp(eth, zero, ETH_ALEN), 0);
		EXPECT_EQ(memcmp(eth + ETH_ALEN, mac, ETH_ALEN), 0);
		EXPECT_EQ(eth[12] << 8 | eth[13], ETH_P_TEST);
		kfree_skb(skb);
	}
	/* ETH_P_802_2 (4): the length of what follows, not the type. */
	skb = alloc_skb_headroom(60, USN_MAX_HEADER);
	ASSERT_TRUE(skb);
	skb_put(skb, 60);
	EXPECT_EQ(dev_hard_header(skb, dev, 0x0004, dev->broadcast, NULL, 60),
		  ETH_HLEN);
	eth = skb->data;
	EXPECT_EQ(eth[12] << 8 | eth[13], 60);
	EXPECT_EQ(memcmp(eth, dev->broadcast, ETH_ALEN), 0);
	kfree_skb(skb);
	free_netdev(dev);
}
