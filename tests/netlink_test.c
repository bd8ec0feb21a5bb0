/* SPDX-License-Identifier: MIT */
/*
 * netlink_test.c - NETLINK_ROUTE through the public API: messages built
 * and parsed with libmnl, as iproute2-like programs do, sent on usnet's
 * AF_NETLINK sockets. Addresses and routes added and dumped (one dump
 * long enough to need several recvmsg calls), multicast notifications of
 * every change however it was made, the kernel's errno in NLMSG_ERROR,
 * and the layout of an RTM_NEWADDR compared with what this machine's
 * kernel sends for 127.0.0.1 on lo.
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/sockios.h>
#include <linux/rtnetlink.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"

#define BUFSZ	32768

static char buf[BUFSZ];
static unsigned int seq = 100;

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static int nl_open(int proto, unsigned int groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = usn_socket(AF_NETLINK, SOCK_RAW, proto);

	if (fd < 0)
		return -1;
	if (usn_bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		usn_close(fd);
		return -1;
	}
	return fd;
}

static uint32_t nl_portid(int fd)
{
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);

	if (usn_getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return 0;
	return sa.nl_pid;
}

static struct nlmsghdr *req_start(int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = ++seq;
	return nlh;
}

/* Sends @nlh and runs the answers through @cb until the ack/DONE: 0 or -errno. */
static int nl_talk(int fd, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t portid = nl_portid(fd);
	ssize_t n;
	int ret;

	if (usn_send(fd, nlh, nlh->nlmsg_len, 0) < 0)
		return -errno;
	do {
		n = usn_recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static int ack_only(int fd, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return nl_talk(fd, nlh, NULL, NULL);
}

static int add_addr(int fd, int ifindex, const char *addr, int plen, int flags)
{
	struct nlmsghdr *nlh = req_start(RTM_NEWADDR, NLM_F_CREATE | flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, ip(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, ip(addr));
	return ack_only(fd, nlh);
}

static int add_route(int fd, const char *dst, int plen, const char *gw,
		     int oif, uint32_t metric, int flags)
{
	struct nlmsghdr *nlh = req_start(RTM_NEWROUTE, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	mnl_attr_put_u32(nlh, RTA_DST, ip(dst));
	if (gw)
		mnl_attr_put_u32(nlh, RTA_GATEWAY, ip(gw));
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return ack_only(fd, nlh);
}

static int set_link(int fd, int ifindex, unsigned int flags, unsigned int change)
{
	struct nlmsghdr *nlh = req_start(RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	return ack_only(fd, nlh);
}

/* A namespace with a memlink "ml0" (to a peer namespace), up. */
static struct usn_net *net_with_link(const char *name, int *ifindex)
{
	char peer[32];
	struct usn_net *a, *b;
	int ifx[2];

	test_sim_start(1);
	snprintf(peer, sizeof(peer), "%s-peer", name);
	a = usn_net_create(name, 0);
	b = usn_net_create(peer, 0);
	if (!a || !b || usn_memlink_create(a, "ml0", b, "ml0", NULL, ifx) < 0)
		return NULL;
	*ifindex = ifx[0];
	usn_link_set_up(a, ifx[0], 1);
	usn_link_set_up(b, ifx[1], 1);
	return a;
}

/*
 * net_with_link(), entered, and a NETLINK_ROUTE socket there in @groups:
 * the socket, or -1 when a step fails.
 */
static int route_sock_in_new_net(const char *name, int *ifindex,
				 unsigned int groups, struct usn_net **netp)
{
	*netp = net_with_link(name, ifindex);
	if (!*netp)
		return -1;
	usn_setns(*netp);
	return nl_open(NETLINK_ROUTE, groups);
}

/* ---- dumps ------------------------------------------------------------------- */

struct attrs {
	const struct nlattr *tb[64];
};

static int put_attr(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type < 64)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

struct route_seen {
	int		count;
	int		multi;		/* with NLM_F_MULTI */
	bool		gw_route;	/* 10.2.0.0/16 via 10.1.0.2 metric 5 */
	bool		prefix_route;	/* 10.1.0.0/24 proto kernel scope link */
	bool		local_route;	/* local 10.1.0.1 table local */
	int		lots;		/* 172.16.x.0/24 */
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct route_seen *s = data;
	struct attrs a = { 0 };
	uint32_t dst;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_ERROR;
	s->count++;
	if (nlh->nlmsg_flags & NLM_F_MULTI)
		s->multi++;
	mnl_attr_parse(nlh, sizeof(*rtm), put_attr, &a);
	if (!a.tb[RTA_TABLE])
		return MNL_CB_ERROR;
	dst = a.tb[RTA_DST] ? mnl_attr_get_u32(a.tb[RTA_DST]) : 0;
	if (dst == ip("10.2.0.0") && rtm->rtm_dst_len == 16 && a.tb[RTA_GATEWAY] &&
	    mnl_attr_get_u32(a.tb[RTA_GATEWAY]) == ip("10.1.0.2") &&
	    a.tb[RTA_PRIORITY] && mnl_attr_get_u32(a.tb[RTA_PRIORITY]) == 5 &&
	    rtm->rtm_protocol == RTPROT_BOOT && rtm->rtm_table == RT_TABLE_MAIN)
		s->gw_route = true;
	if (dst == ip("10.1.0.0") && rtm->rtm_dst_len == 24 &&
	    rtm->rtm_protocol == RTPROT_KERNEL && rtm->rtm_scope == RT_SCOPE_LINK &&
	    a.tb[RTA_PREFSRC] && mnl_attr_get_u32(a.tb[RTA_PREFSRC]) == ip("10.1.0.1"))
		s->prefix_route = true;
	if (dst == ip("10.1.0.1") && rtm->rtm_type == RTN_LOCAL &&
	    rtm->rtm_table == RT_TABLE_LOCAL &&
	    mnl_attr_get_u32(a.tb[RTA_TABLE]) == RT_TABLE_LOCAL)
		s->local_route = true;
	if ((ntohl(dst) >> 16) == 0xac10 && rtm->rtm_dst_len == 24)
		s->lots++;
	return MNL_CB_OK;
}

struct addr_seen {
	int	count;
	bool	lo;	/* 127.0.0.1/8 on 1, scope host */
	bool	ml0;	/* 10.1.0.1/24 */
	int	ifindex;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_seen *s = data;
	struct attrs a = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_ERROR;
	s->count++;
	mnl_attr_parse(nlh, sizeof(*ifa), put_attr, &a);
	if (!a.tb[IFA_LOCAL] || !a.tb[IFA_LABEL])
		return MNL_CB_ERROR;
	if (mnl_attr_get_u32(a.tb[IFA_LOCAL]) == ip("127.0.0.1") &&
	    ifa->ifa_prefixlen == 8 && ifa->ifa_scope == RT_SCOPE_HOST &&
	    !strcmp(mnl_attr_get_str(a.tb[IFA_LABEL]), "lo"))
		s->lo = true;
	if (mnl_attr_get_u32(a.tb[IFA_LOCAL]) == ip("10.1.0.1") &&
	    ifa->ifa_prefixlen == 24 && (int)ifa->ifa_index == s->ifindex &&
	    !strcmp(mnl_attr_get_str(a.tb[IFA_LABEL]), "ml0"))
		s->ml0 = true;
	return MNL_CB_OK;
}

static struct nlmsghdr *dump_req(int type, int family)
{
	struct nlmsghdr *nlh = req_start(type, NLM_F_DUMP);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg));

	g->rtgen_family = (unsigned char)family;
	return nlh;
}

TEST(add_address_and_route_then_dump_them)
{
	struct route_seen rs = { 0 };
	struct addr_seen as = { 0 };
	struct usn_net *net;
	int fd, ifx;

	fd = route_sock_in_new_net("nl-dump", &ifx, 0, &net);
	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(add_addr(fd, ifx, "10.1.0.1", 24, NLM_F_EXCL), 0);
	EXPECT_EQ(add_route(fd, "10.2.0.0", 16, "10.1.0.2", 0, 5,
			    NLM_F_CREATE | NLM_F_EXCL), 0);

	as.ifindex = ifx;
	EXPECT_EQ(nl_talk(fd, dump_req(RTM_GETADDR, AF_INET), addr_cb, &as), 0);
	EXPECT_EQ(as.count, 2);
	EXPECT_TRUE(as.lo);
	EXPECT_TRUE(as.ml0);

	EXPECT_EQ(nl_talk(fd, dump_req(RTM_GETROUTE, AF_INET), route_cb, &rs), 0);
	EXPECT_TRUE(rs.gw_route);
	EXPECT_TRUE(rs.prefix_route);
	EXPECT_TRUE(rs.local_route);
	EXPECT_EQ(rs.multi, rs.count);

	/* The public call and the netlink message are one path. */
	uint32_t dst = ip("10.2.0.0"), gw = ip("10.1.0.2");
	EXPECT_OK(usn_route_del(net, AF_INET, &dst, 16, &gw, 0, 5));
	memset(&rs, 0, sizeof(rs));
	EXPECT_EQ(nl_talk(fd, dump_req(RTM_GETROUTE, AF_UNSPEC), route_cb, &rs), 0);
	EXPECT_TRUE(!rs.gw_route);
	EXPECT_TRUE(rs.prefix_route);
	usn_close(fd);
	usn_setns(NULL);
}

struct getroute {
	int		oif;
	uint32_t	gw, prefsrc, table;
};

static int getroute_cb(const struct nlmsghdr *nlh, void *data)
{
	struct getroute *g = data;
	struct attrs a = { 0 };

	mnl_attr_parse(nlh, sizeof(struct rtmsg), put_attr, &a);
	if (a.tb[RTA_OIF])
		g->oif = (int)mnl_attr_get_u32(a.tb[RTA_OIF]);
	if (a.tb[RTA_GATEWAY])
		g->gw = mnl_attr_get_u32(a.tb[RTA_GATEWAY]);
	if (a.tb[RTA_PREFSRC])
		g->prefsrc = mnl_attr_get_u32(a.tb[RTA_PREFSRC]);
	if (a.tb[RTA_TABLE])
		g->table = mnl_attr_get_u32(a.tb[RTA_TABLE]);
	return MNL_CB_OK;
}

static int route_get(int fd, const char *dst, unsigned int flags,
		     struct getroute *g)
{
	struct nlmsghdr *nlh = req_start(RTM_GETROUTE, NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	rtm->rtm_flags = flags;
	mnl_attr_put_u32(nlh, RTA_DST, ip(dst));
	memset(g, 0, sizeof(*g));
	return nl_talk(fd, nlh, getroute_cb, g);
}

TEST(route_get_as_ip_route_get)
{
	struct usn_net *net;
	struct getroute g;
	int fd, ifx;

	fd = route_sock_in_new_net("nl-get", &ifx, 0, &net);
	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(add_addr(fd, ifx, "10.1.0.1", 24, 0), 0);
	EXPECT_EQ(add_route(fd, "10.2.0.0", 16, "10.1.0.2", 0, 0,
			    NLM_F_CREATE | NLM_F_EXCL), 0);
	EXPECT_EQ(route_get(fd, "10.2.3.4", 0, &g), 0);
	EXPECT_EQ(g.oif, ifx);
	EXPECT_EQ(g.gw, ip("10.1.0.2"));
	EXPECT_EQ(g.prefsrc, ip("10.1.0.1"));
	EXPECT_EQ(g.table, RT_TABLE_MAIN);
	EXPECT_EQ(route_get(fd, "127.0.0.1", RTM_F_LOOKUP_TABLE, &g), 0);
	EXPECT_EQ(g.table, RT_TABLE_LOCAL);
	EXPECT_EQ(g.oif, 1);
	EXPECT_EQ(route_get(fd, "192.0.2.1", 0, &g), -ENETUNREACH);
	usn_close(fd);
	usn_setns(NULL);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

TEST(dump_continues_across_recvmsg_calls)
{
	struct route_seen rs = { 0 };
	struct usn_net *net;
	struct nlmsghdr *nlh;
	char dst[32];
	int fd, ifx, reads = 0, done = 0, ret;
	ssize_t n;

	fd = route_sock_in_new_net("nl-multi", &ifx, 0, &net);
	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(add_addr(fd, ifx, "10.1.0.1", 24, 0), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(dst, sizeof(dst), "172.16.%d.0", i % 256);
		if (i >= 256)
			snprintf(dst, sizeof(dst), "172.17.%d.0", i - 256);
		EXPECT_EQ(add_route(fd, dst, 24, "10.1.0.2", 0, 0,
				    NLM_F_CREATE | NLM_F_EXCL), 0);
	}
	/*
	 * A new socket, whose reader offers 4 KiB buffers: each read is one
	 * part (a socket that was read with larger buffers gets larger
	 * parts, as on Linux).
	 */
	usn_close(fd);
	fd = nl_open(NETLINK_ROUTE, 0);
	ASSERT_TRUE(fd >= 0);
	nlh = dump_req(RTM_GETROUTE, AF_INET);
	ASSERT_TRUE(usn_send(fd, nlh, nlh->nlmsg_len, 0) > 0);
	do {
		n = usn_recvmsg(fd, &(struct msghdr){ .msg_iov = &(struct iovec){
					.iov_base = buf, .iov_len = 4096 },
				 .msg_iovlen = 1 }, 0);
		ASSERT_TRUE(n > 0 && n <= 4096);
		reads++;
		ret = mnl_cb_run(buf, (size_t)n, seq, nl_portid(fd), route_cb, &rs);
		if (ret == MNL_CB_STOP)
			done = 1;
		ASSERT_TRUE(ret >= 0);
	} while (!done);
	EXPECT_TRUE(reads >= 5);
	EXPECT_EQ(rs.lots, 256);
	EXPECT_EQ(rs.multi, rs.count);
	/* Every route once: the parts neither repeat nor skip. */
	int all = 0;

	EXPECT_EQ(nl_talk(fd, dump_req(RTM_GETROUTE, AF_INET), count_cb, &all), 0);
	EXPECT_EQ(all, rs.count);
	usn_close(fd);
	usn_setns(NULL);
}

/* ---- notifications ----------------------------------------------------------- */

struct event {
	int		type;
	unsigned int	flags;		/* ifi_flags */
	unsigned int	change;		/* ifi_change */
	uint32_t	promiscuity;	/* IFLA_PROMISCUITY */
	uint32_t	allmulti;	/* IFLA_ALLMULTI */
	uint32_t	addr;		/* IFA_LOCAL / RTA_DST / NDA_DST */
	uint8_t		table;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct event *e = data;
	struct attrs a = { 0 };

	e->type = nlh->nlmsg_type;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

		e->flags = ifi->ifi_flags;
		e->change = ifi->ifi_change;
		mnl_attr_parse(nlh, sizeof(*ifi), put_attr, &a);
		if (a.tb[IFLA_PROMISCUITY])
			e->promiscuity = mnl_attr_get_u32(a.tb[IFLA_PROMISCUITY]);
		if (a.tb[IFLA_ALLMULTI])
			e->allmulti = mnl_attr_get_u32(a.tb[IFLA_ALLMULTI]);
		break;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR:
		mnl_attr_parse(nlh, sizeof(struct ifaddrmsg), put_attr, &a);
		e->addr = a.tb[IFA_LOCAL] ? mnl_attr_get_u32(a.tb[IFA_LOCAL]) : 0;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		e->table = ((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_table;
		mnl_attr_parse(nlh, sizeof(struct rtmsg), put_attr, &a);
		e->addr = a.tb[RTA_DST] ? mnl_attr_get_u32(a.tb[RTA_DST]) : 0;
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		mnl_attr_parse(nlh, sizeof(struct ndmsg), put_attr, &a);
		e->addr = a.tb[NDA_DST] ? mnl_attr_get_u32(a.tb[NDA_DST]) : 0;
		break;
	}
	return MNL_CB_OK;
}

/* The next queued notification; type 0 when there is none. */
static struct event next_event(int fd)
{
	struct event e = { 0 };
	struct sockaddr_nl from;
	socklen_t len = sizeof(from);
	ssize_t n;

	n = usn_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			 (struct sockaddr *)&from, &len);
	if (n > 0 && from.nl_pid == 0 && from.nl_groups)
		mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, &e);
	return e;
}

/* Skips to the next notification of @type. */
static struct event wait_event(int fd, int type)
{
	struct event e;

	do
		e = next_event(fd);
	while (e.type && e.type != type);
	return e;
}

TEST(multicast_notifications_of_every_change)
{
	struct usn_net *net;
	struct event e;
	int fd, ctl, ifx, group = RTNLGRP_NEIGH;
	uint32_t a = ip("10.1.0.1"), dst = ip("10.3.0.0"), gw = ip("10.1.0.9");

	fd = route_sock_in_new_net("nl-mcast", &ifx, RTMGRP_LINK |
				   RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE, &net);
	ASSERT_TRUE(fd >= 0);
	EXPECT_OK(usn_setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
				 &group, sizeof(group)));
	ctl = nl_open(NETLINK_ROUTE, 0);

	/* Down and up, through the public calls and through netlink. */
	EXPECT_OK(usn_link_set_up(net, ifx, 0));
	e = wait_event(fd, RTM_NEWLINK);
	EXPECT_EQ(e.type, RTM_NEWLINK);
	EXPECT_EQ(e.flags & IFF_UP, 0);
	EXPECT_EQ(set_link(ctl, ifx, IFF_UP, IFF_UP), 0);
	e = wait_event(fd, RTM_NEWLINK);
	EXPECT_EQ(e.type, RTM_NEWLINK);
	EXPECT_EQ(e.flags & IFF_UP, IFF_UP);

	/* An address: announced first, then the routes it brings. */
	while (next_event(fd).type)
		;
	EXPECT_OK(usn_addr_add(net, ifx, AF_INET, &a, 24));
	e = next_event(fd);
	EXPECT_EQ(e.type, RTM_NEWADDR);
	EXPECT_EQ(e.addr, a);
	e = next_event(fd);
	EXPECT_EQ(e.type, RTM_NEWROUTE);
	EXPECT_EQ(e.table, RT_TABLE_LOCAL);
	EXPECT_EQ(e.addr, a);

	/* A route. */
	while (next_event(fd).type)
		;
	EXPECT_OK(usn_route_add(net, AF_INET, &dst, 16, &gw, 0, 0));
	e = next_event(fd);
	EXPECT_EQ(e.type, RTM_NEWROUTE);
	EXPECT_EQ(e.table, RT_TABLE_MAIN);
	EXPECT_EQ(e.addr, dst);
	EXPECT_EQ(add_route(ctl, "10.4.0.0", 16, "10.1.0.9", 0, 0,
			    NLM_F_CREATE | NLM_F_EXCL), 0);
	e = next_event(fd);
	EXPECT_EQ(e.type, RTM_NEWROUTE);
	EXPECT_EQ(e.addr, ip("10.4.0.0"));

	/* A neighbour entry (RTNLGRP_NEIGH, joined by option). */
	struct nlmsghdr *nlh = req_start(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	static const unsigned char mac[6] = { 2, 0, 0, 0, 0, 9 };

	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifx;
	ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put_u32(nlh, NDA_DST, gw);
	mnl_attr_put(nlh, NDA_LLADDR, sizeof(mac), mac);
	EXPECT_EQ(ack_only(ctl, nlh), 0);
	e = wait_event(fd, RTM_NEWNEIGH);
	EXPECT_EQ(e.type, RTM_NEWNEIGH);
	EXPECT_EQ(e.addr, gw);

	/* The address goes: announced, and its routes with it. */
	EXPECT_OK(usn_addr_del(net, ifx, AF_INET, &a, 24));
	e = wait_event(fd, RTM_DELADDR);
	EXPECT_EQ(e.type, RTM_DELADDR);
	EXPECT_EQ(e.addr, a);
	e = wait_event(fd, RTM_DELROUTE);
	EXPECT_EQ(e.type, RTM_DELROUTE);
	usn_close(ctl);
	usn_close(fd);
	usn_setns(NULL);
}

/*
 * Promiscuity and all-multicast, as this machine's kernel (6.18) answered
 * the same calls on a veth in a namespace: each packet socket's
 * PACKET_MR_PROMISC reference is an RTM_NEWLINK with ifi_change
 * IFF_PROMISC and the count in IFLA_PROMISCUITY, but IFF_PROMISC in
 * ifi_flags (and SIOCGIFFLAGS) only while the user set it; PACKET_MR_ALLMULTI
 * is announced to no one; the user's own flags are one reference each.
 */
static unsigned int ifflags(int fd, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (usn_ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return ~0u;
	return (unsigned short)ifr.ifr_flags;
}

static int set_ifflags(int fd, const char *name, unsigned int flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = (short)flags;
	return usn_ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static int membership(int fd, int ifindex, int type, bool add)
{
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = (unsigned short)type };

	return usn_setsockopt(fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP :
				  PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr));
}

#define EXPECT_LINK_EVENT(fd, chg, prom, allm, fl)			\
	do {								\
		struct event ev_ = next_event(fd);			\
									\
		EXPECT_EQ(ev_.type, RTM_NEWLINK);			\
		EXPECT_EQ(ev_.change, (unsigned int)(chg));		\
		EXPECT_EQ(ev_.promiscuity, (uint32_t)(prom));		\
		EXPECT_EQ(ev_.allmulti, (uint32_t)(allm));		\
		EXPECT_EQ(ev_.flags & (IFF_PROMISC | IFF_ALLMULTI),	\
			  (unsigned int)(fl));				\
	} while (0)

TEST(promiscuity_is_announced_as_linux_does)
{
	struct usn_net *net;
	int fd, ctl, p, q, ifx;

	fd = route_sock_in_new_net("nl-promisc", &ifx, RTMGRP_LINK, &net);
	ctl = nl_open(NETLINK_ROUTE, 0);
	ASSERT_TRUE(fd >= 0 && ctl >= 0);
	p = usn_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	q = usn_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_TRUE(p >= 0 && q >= 0);
	while (next_event(fd).type)
		;
	EXPECT_OK(membership(p, ifx, PACKET_MR_PROMISC, true));
	EXPECT_LINK_EVENT(fd, IFF_PROMISC, 1, 0, 0);
	EXPECT_EQ(ifflags(p, "ml0") & IFF_PROMISC, 0);
	EXPECT_OK(membership(q, ifx, PACKET_MR_PROMISC, true));
	EXPECT_LINK_EVENT(fd, IFF_PROMISC, 2, 0, 0);
	EXPECT_OK(membership(p, ifx, PACKET_MR_ALLMULTI, true));
	EXPECT_EQ(next_event(fd).type, 0);
	EXPECT_EQ(ifflags(p, "ml0") & (IFF_PROMISC | IFF_ALLMULTI), 0);

	/* The user's own flags: a reference each, shown in the flags. */
	EXPECT_OK(set_ifflags(p, "ml0", ifflags(p, "ml0") | IFF_PROMISC));
	EXPECT_LINK_EVENT(fd, IFF_PROMISC, 3, 1, IFF_PROMISC);
	EXPECT_OK(set_ifflags(p, "ml0", ifflags(p, "ml0") | IFF_ALLMULTI));
	EXPECT_LINK_EVENT(fd, IFF_ALLMULTI, 3, 2, IFF_PROMISC | IFF_ALLMULTI);
	EXPECT_OK(set_ifflags(p, "ml0", ifflags(p, "ml0") | IFF_ALLMULTI));
	EXPECT_EQ(next_event(fd).type, 0);	/* nothing changed */

	/* Closing drops a socket's references. */
	usn_close(q);
	EXPECT_LINK_EVENT(fd, IFF_PROMISC, 2, 2, IFF_PROMISC | IFF_ALLMULTI);
	EXPECT_OK(membership(p, ifx, PACKET_MR_ALLMULTI, false));
	EXPECT_EQ(next_event(fd).type, 0);

	/* The user's "off" leaves the packet socket's reference in place. */
	EXPECT_OK(set_link(ctl, ifx, 0, IFF_PROMISC | IFF_ALLMULTI));
	EXPECT_LINK_EVENT(fd, IFF_PROMISC | IFF_ALLMULTI, 1, 0, 0);
	EXPECT_EQ(ifflags(p, "ml0") & (IFF_PROMISC | IFF_ALLMULTI), 0);
	usn_close(p);
	EXPECT_LINK_EVENT(fd, IFF_PROMISC, 0, 0, 0);
	EXPECT_EQ(next_event(fd).type, 0);
	usn_close(ctl);
	usn_close(fd);
	usn_setns(NULL);
}

/*
 * A change of flags is one RTM_NEWLINK whose ifi_change lists the flags
 * changed (__dev_notify_flags); NETDEV_CHANGE is announced to no one;
 * MTU and queue length changes say ifi_change 0. The values are what
 * this machine's kernel (6.18) sent for `ip link set v0 ...` on a veth
 * in a throwaway namespace. One difference: after "up", the kernel's
 * veth sends a second RTM_NEWLINK (ifi_change 0, IFF_RUNNING now set)
 * when linkwatch sees the carrier veth_open() turned on; a memlink has
 * its carrier at once, so IFF_RUNNING is in the first message.
 */
static int set_txqlen(int fd, int ifindex, uint32_t len)
{
	struct nlmsghdr *nlh = req_start(RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, len);
	return ack_only(fd, nlh);
}

#define EXPECT_FLAGS_EVENT(fd, chg, on, off)				\
	do {								\
		struct event ev_ = next_event(fd);			\
									\
		EXPECT_EQ(ev_.type, RTM_NEWLINK);			\
		EXPECT_EQ(ev_.change, (unsigned int)(chg));		\
		EXPECT_EQ(ev_.flags & (unsigned int)((on) | (off)),	\
			  (unsigned int)(on));				\
		EXPECT_EQ(next_event(fd).type, 0);			\
	} while (0)

TEST(flag_changes_are_announced_as_linux_does)
{
	struct usn_net *net;
	int fd, ctl, p, ifx;
	unsigned int f;

	fd = route_sock_in_new_net("nl-flags", &ifx, RTMGRP_LINK, &net);
	ctl = nl_open(NETLINK_ROUTE, 0);
	p = usn_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_TRUE(fd >= 0 && ctl >= 0 && p >= 0);
	while (next_event(fd).type)
		;

	/* ip link set v0 down / up: ifi_change IFF_UP, nothing else. */
	EXPECT_OK(set_link(ctl, ifx, 0, IFF_UP));
	EXPECT_FLAGS_EVENT(fd, IFF_UP, 0, IFF_UP | IFF_RUNNING | IFF_LOWER_UP);
	EXPECT_OK(usn_link_set_up(net, ifx, 1));
	EXPECT_FLAGS_EVENT(fd, IFF_UP, IFF_UP | IFF_RUNNING | IFF_LOWER_UP, 0);

	/* arp off / on, up or down: ifi_change IFF_NOARP. */
	EXPECT_OK(set_link(ctl, ifx, IFF_NOARP, IFF_NOARP));
	EXPECT_FLAGS_EVENT(fd, IFF_NOARP, IFF_UP | IFF_NOARP, 0);
	f = ifflags(p, "ml0");
	EXPECT_OK(set_ifflags(p, "ml0", f & ~IFF_NOARP));
	EXPECT_FLAGS_EVENT(fd, IFF_NOARP, IFF_UP, IFF_NOARP);
	EXPECT_OK(usn_link_set_up(net, ifx, 0));
	EXPECT_FLAGS_EVENT(fd, IFF_UP, 0, IFF_UP);
	EXPECT_OK(set_link(ctl, ifx, IFF_NOARP, IFF_NOARP));
	EXPECT_FLAGS_EVENT(fd, IFF_NOARP, IFF_NOARP, IFF_UP);

	/* ip link set v0 up arp on: one message for both. */
	EXPECT_OK(set_link(ctl, ifx, IFF_UP, IFF_UP | IFF_NOARP));
	EXPECT_FLAGS_EVENT(fd, IFF_UP | IFF_NOARP, IFF_UP, IFF_NOARP);

	/* multicast off; promisc on (SIOCSIFFLAGS); allmulticast on. */
	EXPECT_OK(set_link(ctl, ifx, 0, IFF_MULTICAST));
	EXPECT_FLAGS_EVENT(fd, IFF_MULTICAST, IFF_UP, IFF_MULTICAST);
	f = ifflags(p, "ml0");
	EXPECT_OK(set_ifflags(p, "ml0", f | IFF_PROMISC));
	EXPECT_FLAGS_EVENT(fd, IFF_PROMISC, IFF_PROMISC, 0);
	EXPECT_OK(set_ifflags(p, "ml0", f | IFF_PROMISC | IFF_ALLMULTI));
	EXPECT_FLAGS_EVENT(fd, IFF_ALLMULTI, IFF_PROMISC | IFF_ALLMULTI, 0);

	/* txqueuelen, mtu: ifi_change 0. */
	EXPECT_OK(set_txqlen(ctl, ifx, 500));
	EXPECT_FLAGS_EVENT(fd, 0, IFF_UP, 0);
	EXPECT_OK(usn_link_set_mtu(net, ifx, 1400));
	EXPECT_FLAGS_EVENT(fd, 0, IFF_UP, 0);

	/* promisc off allmulticast off multicast on: one message. */
	EXPECT_OK(set_link(ctl, ifx, IFF_MULTICAST,
			   IFF_PROMISC | IFF_ALLMULTI | IFF_MULTICAST));
	EXPECT_FLAGS_EVENT(fd, IFF_PROMISC | IFF_ALLMULTI | IFF_MULTICAST,
			   IFF_MULTICAST, IFF_PROMISC | IFF_ALLMULTI);

	/* A packet socket's promiscuous membership, taken and dropped. */
	EXPECT_OK(membership(p, ifx, PACKET_MR_PROMISC, true));
	EXPECT_FLAGS_EVENT(fd, IFF_PROMISC, IFF_UP, IFF_PROMISC);
	usn_close(p);
	EXPECT_FLAGS_EVENT(fd, IFF_PROMISC, IFF_UP, IFF_PROMISC);

	/* Nothing changed: nothing said. */
	EXPECT_OK(set_link(ctl, ifx, IFF_UP, IFF_UP));
	EXPECT_EQ(next_event(fd).type, 0);
	usn_close(ctl);
	usn_close(fd);
	usn_setns(NULL);
}

/* ---- errors -------------------------------------------------------------------- */

struct errmsg {
	int		error;
	uint32_t	len;		/* of the whole NLMSG_ERROR */
	uint32_t	seq, pid;
	uint16_t	flags;
	struct nlmsghdr	orig;
};

/* Sends @len bytes at @nlh and reads the NLMSG_ERROR. */
static int raw_error(int fd, const void *msg, size_t len, struct errmsg *e)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	struct nlmsgerr err;
	ssize_t n;

	if (usn_send(fd, msg, len, 0) < 0)
		return -1;
	n = usn_recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(err)) || nlh->nlmsg_type != NLMSG_ERROR)
		return -1;
	memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	e->error = err.error;
	e->len = nlh->nlmsg_len;
	e->seq = nlh->nlmsg_seq;
	e->pid = nlh->nlmsg_pid;
	e->flags = nlh->nlmsg_flags;
	e->orig = err.msg;
	return 0;
}

static int deny_net_admin(struct usn_net *net, int cap)
{
	return cap == 12 /* CAP_NET_ADMIN */ ? -EPERM : 0;
}

TEST(nlmsg_error_carries_the_kernels_errno)
{
	struct usn_net *net;
	struct nlmsghdr *nlh;
	struct errmsg e;
	int fd, ifx;

	fd = route_sock_in_new_net("nl-err", &ifx, 0, &net);
	ASSERT_TRUE(fd >= 0);

	EXPECT_EQ(add_addr(fd, 4242, "10.9.0.1", 24, NLM_F_EXCL), -ENODEV);
	EXPECT_EQ(add_addr(fd, ifx, "10.9.0.1", 24, NLM_F_EXCL), 0);
	EXPECT_EQ(add_addr(fd, ifx, "10.9.0.1", 24, NLM_F_EXCL), -EEXIST);
	EXPECT_EQ(add_route(fd, "10.8.0.0", 16, "10.9.0.2", 0, 0,
			    NLM_F_CREATE | NLM_F_EXCL), 0);
	EXPECT_EQ(add_route(fd, "10.8.0.0", 16, "10.9.0.3", 0, 0,
			    NLM_F_CREATE | NLM_F_EXCL), -EEXIST);
	EXPECT_EQ(add_route(fd, "10.8.0.0", 16, "10.9.0.3", 0, 0,
			    NLM_F_REPLACE), 0);
	EXPECT_EQ(add_route(fd, "10.7.0.0", 16, "10.9.0.3", 0, 0, 0),
		  0);	/* no flags: the kernel creates */
	EXPECT_EQ(add_route(fd, "10.6.0.0", 16, "10.9.0.3", 0, 0,
			    NLM_F_REPLACE), -ENOENT);
	EXPECT_EQ(add_route(fd, "10.6.0.0", 16, "10.9.0.3", 4242, 0,
			    NLM_F_CREATE), -ENODEV);

	/* Short: an RTM_NEWADDR without its whole ifaddrmsg. */
	nlh = req_start(RTM_NEWADDR, NLM_F_ACK);
	nlh->nlmsg_len = NLMSG_LENGTH(4);
	memset(NLMSG_DATA(nlh), 0, 4);
	((struct ifaddrmsg *)NLMSG_DATA(nlh))->ifa_family = AF_INET;
	ASSERT_TRUE(raw_error(fd, nlh, nlh->nlmsg_len, &e) == 0);
	EXPECT_EQ(e.error, -EINVAL);
	/* The failed request comes back whole, after the error. */
	EXPECT_EQ(e.len, NLMSG_LENGTH(sizeof(struct nlmsgerr)) + 4);
	EXPECT_EQ(e.seq, seq);
	EXPECT_EQ(e.pid, nl_portid(fd));
	EXPECT_EQ(e.orig.nlmsg_type, RTM_NEWADDR);
	EXPECT_EQ(e.flags & NLM_F_CAPPED, 0);

	/* Unknown types: in rtnetlink's range, and past it. */
	nlh = req_start(RTM_NEWQDISC, NLM_F_ACK);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct tcmsg));
	ASSERT_TRUE(raw_error(fd, nlh, nlh->nlmsg_len, &e) == 0);
	EXPECT_EQ(e.error, -EOPNOTSUPP);
	nlh = req_start(RTM_MAX + 1, NLM_F_ACK);
	mnl_nlmsg_put_extra_header(nlh, 4);
	ASSERT_TRUE(raw_error(fd, nlh, nlh->nlmsg_len, &e) == 0);
	EXPECT_EQ(e.error, -EOPNOTSUPP);

	/* A success ack is capped: the request's header only. */
	nlh = req_start(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = (uint32_t)ifx;
	mnl_attr_put_u32(nlh, IFA_LOCAL, ip("10.9.1.1"));
	ASSERT_TRUE(raw_error(fd, nlh, nlh->nlmsg_len, &e) == 0);
	EXPECT_EQ(e.error, 0);
	EXPECT_EQ(e.len, NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	EXPECT_EQ(e.flags & NLM_F_CAPPED, NLM_F_CAPPED);

	/* Deleting: lo cannot go; a memlink end can. */
	nlh = req_start(RTM_DELLINK, 0);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct ifinfomsg)))->ifi_index = 1;
	EXPECT_EQ(ack_only(fd, nlh), -EOPNOTSUPP);

	/* Without CAP_NET_ADMIN changes are refused; reading is not. */
	static const struct usn_security_ops deny = { .capable = deny_net_admin };
	struct addr_seen as = { .ifindex = ifx };

	EXPECT_OK(usn_security_register(&deny));
	EXPECT_EQ(add_addr(fd, ifx, "10.9.2.1", 24, 0), -EPERM);
	EXPECT_EQ(set_link(fd, ifx, 0, IFF_UP), -EPERM);
	EXPECT_EQ(nl_talk(fd, dump_req(RTM_GETADDR, AF_INET), addr_cb, &as), 0);
	EXPECT_EQ(as.count, 3);
	EXPECT_OK(usn_security_register(NULL));

	nlh = req_start(RTM_DELLINK, 0);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct ifinfomsg)))->ifi_index = ifx;
	EXPECT_EQ(ack_only(fd, nlh), 0);
	EXPECT_ERRNO(usn_link_set_up(net, ifx, 1), ENODEV);
	usn_close(fd);
	usn_setns(NULL);
}

TEST(link_changes_mtu_and_name)
{
	struct usn_net *net;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int fd, ifx;

	fd = route_sock_in_new_net("nl-link", &ifx, 0, &net);
	ASSERT_TRUE(fd >= 0);

	nlh = req_start(RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifx;
	mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
	EXPECT_EQ(ack_only(fd, nlh), 0);
	nlh = req_start(RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifx;
	mnl_attr_put_u32(nlh, IFLA_MTU, 10);
	EXPECT_EQ(ack_only(fd, nlh), -EINVAL);

	/* A name change needs the device down, as on Linux. */
	nlh = req_start(RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifx;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wire0");
	EXPECT_EQ(ack_only(fd, nlh), -EBUSY);
	EXPECT_EQ(set_link(fd, ifx, 0, IFF_UP), 0);
	nlh = req_start(RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifx;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "wire0");
	EXPECT_EQ(ack_only(fd, nlh), 0);
	EXPECT_EQ(usn_link_index(net, "wire0"), ifx);
	nlh = req_start(RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifx;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	EXPECT_EQ(ack_only(fd, nlh), -EEXIST);
	/* NLM_F_CREATE|NLM_F_EXCL of an existing device. */
	nlh = req_start(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifx;
	EXPECT_EQ(ack_only(fd, nlh), -EEXIST);
	usn_close(fd);
	usn_setns(NULL);
}

TEST(port_ids_bind_and_autobind)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = 4242 };
	int a, b, c;

	test_sim_start(1);
	a = usn_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	b = usn_socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	c = usn_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	ASSERT_TRUE(a >= 0 && b >= 0 && c >= 0);
	EXPECT_ERRNO(usn_socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE),
		     ESOCKTNOSUPPORT);
	EXPECT_ERRNO(usn_socket(AF_NETLINK, SOCK_RAW, 31), EPROTONOSUPPORT);
	/* The first autobind takes the process id, later ones negative ids. */
	EXPECT_OK(usn_bind(a, (struct sockaddr *)&(struct sockaddr_nl){
			.nl_family = AF_NETLINK }, sizeof(sa)));
	EXPECT_EQ(nl_portid(a), (uint32_t)getpid());
	EXPECT_OK(usn_bind(b, (struct sockaddr *)&(struct sockaddr_nl){
			.nl_family = AF_NETLINK }, sizeof(sa)));
	EXPECT_TRUE((int32_t)nl_portid(b) < 0);
	EXPECT_OK(usn_bind(c, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(nl_portid(c), 4242u);
	sa.nl_pid = 4343;
	EXPECT_ERRNO(usn_bind(c, (struct sockaddr *)&sa, sizeof(sa)), EINVAL);
	EXPECT_ERRNO(usn_bind(c, (struct sockaddr *)&sa, 4), EINVAL);
	usn_close(a);
	usn_close(b);
	usn_close(c);
}

/* ---- against the kernel --------------------------------------------------------- */

struct layout {
	struct ifaddrmsg	ifa;
	int			types[16];
	int			lens[16];
	int			n;
};

static int layout_attr(const struct nlattr *attr, void *data)
{
	struct layout *l = data;

	if (l->n < 16) {
		l->types[l->n] = mnl_attr_get_type(attr);
		l->lens[l->n] = mnl_attr_get_len(attr);
		l->n++;
	}
	return MNL_CB_OK;
}

/* Records the layout of the RTM_NEWADDR for 127.0.0.1 on ifindex 1. */
static int lo_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct layout *l = data, tmp = { 0 };
	struct attrs a = { 0 };

	mnl_attr_parse(nlh, sizeof(*ifa), put_attr, &a);
	if (ifa->ifa_index != 1 || !a.tb[IFA_LOCAL] ||
	    mnl_attr_get_u32(a.tb[IFA_LOCAL]) != ip("127.0.0.1"))
		return MNL_CB_OK;
	tmp.ifa = *ifa;
	mnl_attr_parse(nlh, sizeof(*ifa), layout_attr, &tmp);
	*l = tmp;
	return MNL_CB_OK;
}

TEST(rtm_newaddr_layout_matches_the_kernel)
{
	struct mnl_socket *k = mnl_socket_open(NETLINK_ROUTE);
	struct layout kern = { 0 }, ours = { 0 };
	struct nlmsghdr *nlh;
	unsigned int kseq;
	ssize_t n;
	int fd, ret;

	if (!k || mnl_socket_bind(k, 0, MNL_SOCKET_AUTOPID) < 0) {
		printf("  (no kernel netlink socket: comparison skipped)\n");
		return;
	}
	nlh = dump_req(RTM_GETADDR, AF_INET);
	kseq = nlh->nlmsg_seq;
	ASSERT_TRUE(mnl_socket_sendto(k, nlh, nlh->nlmsg_len) > 0);
	do {
		n = mnl_socket_recvfrom(k, buf, sizeof(buf));
		ret = n > 0 ? mnl_cb_run(buf, (size_t)n, kseq,
					 mnl_socket_get_portid(k), lo_addr_cb,
					 &kern) : -1;
	} while (ret > 0);
	mnl_socket_close(k);
	if (!kern.n) {
		printf("  (the kernel's lo has no 127.0.0.1: comparison skipped)\n");
		return;
	}

	fd = nl_open(NETLINK_ROUTE, 0);	/* the default namespace's lo */
	ASSERT_TRUE(fd >= 0);
	EXPECT_EQ(nl_talk(fd, dump_req(RTM_GETADDR, AF_INET), lo_addr_cb, &ours), 0);
	usn_close(fd);

	EXPECT_EQ(ours.ifa.ifa_family, kern.ifa.ifa_family);
	EXPECT_EQ(ours.ifa.ifa_prefixlen, kern.ifa.ifa_prefixlen);
	EXPECT_EQ(ours.ifa.ifa_flags, kern.ifa.ifa_flags);
	EXPECT_EQ(ours.ifa.ifa_scope, kern.ifa.ifa_scope);
	EXPECT_EQ(ours.n, kern.n);
	for (int i = 0; i < ours.n && i < kern.n; i++) {
		if (ours.types[i] != kern.types[i] || ours.lens[i] != kern.lens[i])
			TEST_FAIL_AT("attribute %d: ours %d/%d, the kernel's %d/%d",
				     i, ours.types[i], ours.lens[i],
				     kern.types[i], kern.lens[i]);
	}
}

TEST(error_ack_layout_matches_the_kernel)
{
	struct mnl_socket *k = mnl_socket_open(NETLINK_ROUTE);
	const struct nlmsghdr *rep = (const void *)buf;
	struct nlmsghdr *nlh;
	struct nlmsgerr kerr;
	struct errmsg ours;
	uint32_t klen;
	ssize_t n;
	int fd;

	if (!k || mnl_socket_bind(k, 0, MNL_SOCKET_AUTOPID) < 0) {
		printf("  (no kernel netlink socket: comparison skipped)\n");
		return;
	}
	/* A get of a device that does not exist: harmless, answered ENODEV. */
	nlh = req_start(RTM_GETLINK, NLM_F_ACK);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct ifinfomsg)))->ifi_index = 0x7ffff0;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 1);
	ASSERT_TRUE(mnl_socket_sendto(k, nlh, nlh->nlmsg_len) > 0);
	n = mnl_socket_recvfrom(k, buf, sizeof(buf));
	mnl_socket_close(k);
	ASSERT_TRUE(n > 0 && rep->nlmsg_type == NLMSG_ERROR);
	memcpy(&kerr, NLMSG_DATA(rep), sizeof(kerr));
	klen = rep->nlmsg_len;

	fd = nl_open(NETLINK_ROUTE, 0);
	ASSERT_TRUE(fd >= 0);
	nlh = req_start(RTM_GETLINK, NLM_F_ACK);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh,
		sizeof(struct ifinfomsg)))->ifi_index = 0x7ffff0;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, 1);
	ASSERT_TRUE(raw_error(fd, nlh, nlh->nlmsg_len, &ours) == 0);
	usn_close(fd);
	EXPECT_EQ(ours.error, kerr.error);
	EXPECT_EQ(ours.len, klen);
}
