/* SPDX-License-Identifier: MIT */
/*
 * sock_diag_test.c - NETLINK_SOCK_DIAG through the public API, as `ss
 * -tan` asks: a TCP connection between two namespaces over a memlink with
 * a 10 ms delay, in simulated time, listed in every state it passes
 * through (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, CLOSE_WAIT,
 * FIN_WAIT2, LAST_ACK, TIME_WAIT) with the fields ss prints (state,
 * Recv-Q, Send-Q, local and peer address and port, inode, uid), the
 * tcp_info and congestion control of INET_DIAG_INFO / INET_DIAG_CONG,
 * the state and port filters, a single-socket request, and UDP.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"

#define MS	1000000ull

static char buf[32768];
static unsigned int seq;

struct diag {
	int		n;
	struct inet_diag_msg m[16];
	bool		has_info[16];
	uint8_t		info_state[16];
	char		cong[16][16];
};

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct diag *d = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || d->n >= 16)
		return MNL_CB_ERROR;
	d->m[d->n] = *m;
	d->has_info[d->n] = false;
	d->cong[d->n][0] = '\0';
	mnl_attr_for_each(attr, nlh, sizeof(*m)) {
		if (mnl_attr_get_type(attr) == INET_DIAG_INFO &&
		    mnl_attr_get_payload_len(attr) >= 8) {
			d->has_info[d->n] = true;
			d->info_state[d->n] =
				((const struct tcp_info *)mnl_attr_get_payload(attr))->tcpi_state;
		}
		if (mnl_attr_get_type(attr) == INET_DIAG_CONG)
			snprintf(d->cong[d->n], sizeof(d->cong[0]), "%s",
				 mnl_attr_get_str(attr));
	}
	d->n++;
	return MNL_CB_OK;
}

/* SOCK_DIAG_BY_FAMILY for @proto sockets of the current namespace. */
static int diag_dump(int proto, uint32_t states, uint16_t sport,
		     struct diag *d, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *r;
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);
	int fd, ret;
	ssize_t n;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = ++seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = AF_INET;
	r->sdiag_protocol = (uint8_t)proto;
	r->idiag_states = states;
	r->idiag_ext = (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_CONG - 1));
	r->id.idiag_sport = sport;
	memset(d, 0, sizeof(*d));
	fd = usn_socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (usn_send(fd, nlh, nlh->nlmsg_len, 0) < 0 ||
	    usn_getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		usn_close(fd);
		return -errno;
	}
	do {
		n = usn_recv(fd, buf, sizeof(buf), 0);
		ret = n > 0 ? mnl_cb_run(buf, (size_t)n, seq, sa.nl_pid, diag_cb, d) : -1;
	} while (ret > 0 && (flags & NLM_F_DUMP));
	usn_close(fd);
	return ret < 0 ? -errno : 0;
}

/* The TCP entry of @net with local port @port, -1 if none. */
/*
 * Sends @nlh on @fd and returns the errno its one answer carries: 0 for
 * none, -1 when nothing was sent or received.
 */
static int diag_ask_errno(int fd, const struct nlmsghdr *nlh, uint32_t portid)
{
	ssize_t m;

	if (usn_send(fd, nlh, nlh->nlmsg_len, 0) <= 0)
		return -1;
	m = usn_recv(fd, buf, sizeof(buf), 0);
	if (m <= 0)
		return -1;
	errno = 0;
	if (mnl_cb_run(buf, (size_t)m, nlh->nlmsg_seq, portid, NULL, NULL) >= 0)
		return 0;
	return errno;
}

static int tcp_find(struct usn_net *net, uint16_t port, struct diag *d)
{
	usn_setns(net);
	if (diag_dump(IPPROTO_TCP, ~0u, 0, d, NLM_F_DUMP))
		return -1;
	for (int i = 0; i < d->n; i++)
		if (ntohs(d->m[i].id.idiag_sport) == port)
			return i;
	return -1;
}

static int state_of(struct usn_net *net, uint16_t port)
{
	struct diag d;
	int i = tcp_find(net, port, &d);

	return i < 0 ? -1 : d.m[i].idiag_state;
}

/* A static ARP entry, so no resolution stands in the way of the timeline. */
static void neigh_add(struct usn_net *net, int ifindex, uint32_t addr,
		      const unsigned char mac[6])
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	int fd;

	usn_setns(net);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put_u32(nlh, NDA_DST, addr);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	fd = usn_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	EXPECT_TRUE(usn_send(fd, nlh, nlh->nlmsg_len, 0) > 0);
	EXPECT_TRUE(usn_recv(fd, buf, sizeof(buf), 0) > 0);
	usn_close(fd);
}

TEST(tcp_connection_in_every_state)
{
	struct usn_memlink_params p = { .delay_ns = 10 * MS };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8080) };
	uint32_t ca = inet_addr("10.0.0.1"), sb = inet_addr("10.0.0.2");
	unsigned char mac_a[6], mac_b[6];
	struct usn_net *a, *b;
	int ifx[2], ls, cs, as, i, one = 1;
	uint16_t cport;
	struct diag d;
	char data[100] = { 0 };

	test_sim_start(7);
	a = usn_net_create("diag-a", 0);
	b = usn_net_create("diag-b", 0);
	ASSERT_TRUE(a && b);
	ASSERT_TRUE(usn_memlink_create(a, "ml0", b, "ml0", &p, ifx) == 0);
	EXPECT_OK(usn_link_set_up(a, ifx[0], 1));
	EXPECT_OK(usn_link_set_up(b, ifx[1], 1));
	EXPECT_OK(usn_addr_add(a, ifx[0], AF_INET, &ca, 24));
	EXPECT_OK(usn_addr_add(b, ifx[1], AF_INET, &sb, 24));
	usn_link_hwaddr(a, ifx[0], mac_a);
	usn_link_hwaddr(b, ifx[1], mac_b);
	neigh_add(a, ifx[0], sb, mac_b);
	neigh_add(b, ifx[1], ca, mac_a);

	/* LISTEN: Recv-Q the accept queue, Send-Q the backlog. */
	usn_setns(b);
	ls = usn_socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_OK(usn_bind(ls, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_OK(usn_listen(ls, 16));
	i = tcp_find(b, 8080, &d);
	ASSERT_TRUE(i >= 0);
	EXPECT_EQ(d.m[i].idiag_state, TCP_LISTEN);
	EXPECT_EQ(d.m[i].idiag_rqueue, 0);
	EXPECT_EQ(d.m[i].idiag_wqueue, 16);
	EXPECT_NE(d.m[i].idiag_inode, 0);
	EXPECT_EQ(d.m[i].idiag_uid, geteuid());
	EXPECT_TRUE(d.has_info[i]);
	EXPECT_EQ(d.info_state[i], TCP_LISTEN);
	EXPECT_TRUE(d.cong[i][0] != '\0');

	/* SYN_SENT, while the SYN is on the wire. */
	usn_setns(a);
	cs = usn_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	usn_setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_addr.s_addr = sb;
	EXPECT_ERRNO(usn_connect(cs, (struct sockaddr *)&sa, sizeof(sa)),
		     EINPROGRESS);
	struct sockaddr_in local;
	socklen_t llen = sizeof(local);

	EXPECT_OK(usn_getsockname(cs, (struct sockaddr *)&local, &llen));
	cport = ntohs(local.sin_port);
	i = tcp_find(a, cport, &d);
	ASSERT_TRUE(i >= 0);
	EXPECT_EQ(d.m[i].idiag_state, TCP_SYN_SENT);
	EXPECT_EQ(d.m[i].id.idiag_src[0], ca);
	EXPECT_EQ(d.m[i].id.idiag_dst[0], sb);
	EXPECT_EQ(ntohs(d.m[i].id.idiag_dport), 8080);
	EXPECT_EQ(d.m[i].idiag_timer, 1);	/* SYN retransmission */

	/* SYN_RECV at the server while its SYN-ACK travels back. */
	usn_sim_run(15 * MS);
	usn_setns(b);
	EXPECT_OK(diag_dump(IPPROTO_TCP, 1u << TCP_SYN_RECV, 0, &d, NLM_F_DUMP));
	EXPECT_EQ(d.n, 1);
	EXPECT_EQ(d.m[0].idiag_state, TCP_SYN_RECV);
	EXPECT_EQ(ntohs(d.m[0].id.idiag_dport), cport);
	EXPECT_EQ(d.m[0].idiag_inode, 0);

	/* ESTABLISHED on both sides; the child has its inode once accepted. */
	usn_sim_run(200 * MS);
	EXPECT_EQ(state_of(a, cport), TCP_ESTABLISHED);
	usn_setns(b);
	as = usn_accept(ls, NULL, NULL);
	ASSERT_TRUE(as >= 0);
	EXPECT_OK(diag_dump(IPPROTO_TCP, 1u << TCP_ESTABLISHED, 0, &d, NLM_F_DUMP));
	EXPECT_EQ(d.n, 1);
	EXPECT_EQ(ntohs(d.m[0].id.idiag_sport), 8080);
	EXPECT_NE(d.m[0].idiag_inode, 0);

	/* Send-Q: unacknowledged bytes; Recv-Q: bytes not read. */
	usn_setns(a);
	EXPECT_EQ(usn_send(cs, data, sizeof(data), 0), (ssize_t)sizeof(data));
	i = tcp_find(a, cport, &d);
	EXPECT_EQ(d.m[i].idiag_wqueue, sizeof(data));
	usn_sim_run(200 * MS);
	i = tcp_find(a, cport, &d);
	EXPECT_EQ(d.m[i].idiag_wqueue, 0);
	usn_setns(b);
	EXPECT_OK(diag_dump(IPPROTO_TCP, 1u << TCP_ESTABLISHED, htons(8080), &d,
			    NLM_F_DUMP));
	EXPECT_EQ(d.n, 1);
	EXPECT_EQ(d.m[0].idiag_rqueue, sizeof(data));

	/* The client closes its half: FIN_WAIT1 with the FIN in flight. */
	usn_setns(a);
	EXPECT_OK(usn_shutdown(cs, SHUT_WR));
	EXPECT_EQ(state_of(a, cport), TCP_FIN_WAIT1);
	usn_sim_run(200 * MS);
	EXPECT_EQ(state_of(a, cport), TCP_FIN_WAIT2);
	usn_setns(b);
	EXPECT_OK(diag_dump(IPPROTO_TCP, 1u << TCP_CLOSE_WAIT, 0, &d, NLM_F_DUMP));
	EXPECT_EQ(d.n, 1);

	/*
	 * The server reads, then closes: LAST_ACK, then the client waits in
	 * TIME_WAIT (unread data would have made the close an RST).
	 */
	EXPECT_EQ(usn_recv(as, data, sizeof(data), 0), (ssize_t)sizeof(data));
	usn_close(as);
	EXPECT_OK(diag_dump(IPPROTO_TCP, 1u << TCP_LAST_ACK, 0, &d, NLM_F_DUMP));
	EXPECT_EQ(d.n, 1);
	usn_sim_run(200 * MS);
	i = tcp_find(a, cport, &d);
	ASSERT_TRUE(i >= 0);
	EXPECT_EQ(d.m[i].idiag_state, TCP_TIME_WAIT);
	EXPECT_EQ(d.m[i].idiag_timer, 3);
	EXPECT_TRUE(d.m[i].idiag_expires > 0);
	EXPECT_EQ(d.m[i].idiag_inode, 0);
	usn_setns(b);
	EXPECT_OK(diag_dump(IPPROTO_TCP, ~0u & ~(1u << TCP_LISTEN), 0, &d,
			    NLM_F_DUMP));
	EXPECT_EQ(d.n, 0);

	usn_close(cs);
	usn_close(ls);
	usn_setns(NULL);
}

TEST(udp_sockets_and_a_single_lookup)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5353),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct usn_net *n;
	struct diag d;
	int u, t, found = -1;

	test_sim_start(7);
	n = usn_net_create("diag-udp", 0);
	ASSERT_TRUE(n);
	usn_setns(n);
	u = usn_socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_OK(usn_bind(u, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(usn_sendto(u, "hello", 5, 0, (struct sockaddr *)&sa,
			     sizeof(sa)), 5);
	EXPECT_OK(diag_dump(IPPROTO_UDP, ~0u, 0, &d, NLM_F_DUMP));
	for (int i = 0; i < d.n; i++)
		if (ntohs(d.m[i].id.idiag_sport) == 5353)
			found = i;
	ASSERT_TRUE(found >= 0);
	EXPECT_EQ(d.m[found].idiag_state, TCP_CLOSE);
	EXPECT_TRUE(d.m[found].idiag_rqueue > 0);	/* the datagram's truesize */
	EXPECT_NE(d.m[found].idiag_inode, 0);

	/* A TCP listener found by its exact identity, without NLM_F_DUMP. */
	t = usn_socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(7070);
	EXPECT_OK(usn_bind(t, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_OK(usn_listen(t, 4));
	{
		static char req[512];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
		struct inet_diag_req_v2 *r;
		struct sockaddr_nl nl;
		socklen_t len = sizeof(nl);
		int fd = usn_socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
		ssize_t m;

		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		nlh->nlmsg_seq = ++seq;
		r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
		r->sdiag_family = AF_INET;
		r->sdiag_protocol = IPPROTO_TCP;
		r->idiag_states = ~0u;
		r->id.idiag_sport = htons(7070);
		r->id.idiag_src[0] = htonl(INADDR_LOOPBACK);
		r->id.idiag_cookie[0] = r->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
		ASSERT_TRUE(usn_send(fd, nlh, nlh->nlmsg_len, 0) > 0);
		usn_getsockname(fd, (struct sockaddr *)&nl, &len);
		memset(&d, 0, sizeof(d));
		m = usn_recv(fd, buf, sizeof(buf), 0);
		EXPECT_TRUE(m > 0 && mnl_cb_run(buf, (size_t)m, seq, nl.nl_pid,
						diag_cb, &d) >= 0);
		EXPECT_EQ(d.n, 1);
		EXPECT_EQ(d.m[0].idiag_state, TCP_LISTEN);
		/* Another port: ENOENT, as the kernel answers. */
		nlh->nlmsg_seq = ++seq;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		r->id.idiag_sport = htons(7071);
		EXPECT_EQ(diag_ask_errno(fd, nlh, nl.nl_pid), ENOENT);
		/* No handler for a family: ENOENT; a short request: EINVAL. */
		nlh->nlmsg_seq = ++seq;
		r->sdiag_family = AF_APPLETALK;
		EXPECT_EQ(diag_ask_errno(fd, nlh, nl.nl_pid), ENOENT);
		nlh->nlmsg_seq = ++seq;
		nlh->nlmsg_len = NLMSG_LENGTH(1);
		EXPECT_EQ(diag_ask_errno(fd, nlh, nl.nl_pid), EINVAL);
		usn_close(fd);
	}
	usn_close(t);
	usn_close(u);
	usn_setns(NULL);
}
