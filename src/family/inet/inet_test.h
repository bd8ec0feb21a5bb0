/* SPDX-License-Identifier: MIT */
/*
 * inet_test.h - the rig of the inet family's tests: simulated mode and
 * two namespaces "a" (10.0.0.1/24) and "b" (10.0.0.2/24) joined by a
 * memlink. The tests drive the stack through the public API only; being
 * unit tests (internal library) lets them check that every sk_buff went
 * back to the pool and use the stack's checksum helpers.
 */
#ifndef USN_FAMILY_INET_INET_TEST_H
#define USN_FAMILY_INET_INET_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <usnet/usnet.h>
#include "sim.h"
#include "test.h"
#include "core/skbuff.h"
#include "net/net.h"

#define MS	1000000ULL

static inline uint32_t A(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

static inline struct sockaddr_in SIN(const char *addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = A(addr);
	sin.sin_port = htons(port);
	return sin;
}

#define SA(sinp)	((struct sockaddr *)(sinp))

/* Simulated mode; IPv4 and PF_INET start with it (inet_init is an initcall). */
static inline void inet_test_start(uint64_t seed)
{
	test_sim_start(seed);
	if (!usn_net_default()->ipv4)
		TEST_SKIP_ALL("IPv4 is not started");
}

static inline uint64_t heads_in_use(void)
{
	struct skb_pool_stats st;

	skb_pool_get_stats(&st);
	return st.heads_in_use;
}

struct rig {
	struct usn_net	*a, *b;
	int		ifa, ifb;
	uint64_t	heads0;
};

static inline bool rig_open_mtu(struct rig *g, unsigned int mtu)
{
	struct usn_memlink_params p;
	uint32_t aa = A("10.0.0.1"), ab = A("10.0.0.2");
	int idx[2];

	memset(g, 0, sizeof(*g));
	memset(&p, 0, sizeof(p));
	p.mtu = mtu;
	g->heads0 = heads_in_use();
	g->a = usn_net_create("a", 0);
	g->b = usn_net_create("b", 0);
	if (!g->a || !g->b)
		return false;
	if (usn_memlink_create(g->a, NULL, g->b, NULL, &p, idx))
		return false;
	g->ifa = idx[0];
	g->ifb = idx[1];
	return !usn_link_set_up(g->a, g->ifa, 1) &&
	       !usn_link_set_up(g->b, g->ifb, 1) &&
	       !usn_addr_add(g->a, g->ifa, AF_INET, &aa, 24) &&
	       !usn_addr_add(g->b, g->ifb, AF_INET, &ab, 24);
}

static inline bool rig_open(struct rig *g)
{
	return rig_open_mtu(g, 0);
}

/* Destroys both namespaces; every buffer must be back in the pool. */
static inline void rig_close(struct rig *g)
{
	usn_setns(NULL);
	if (g->a)
		EXPECT_OK(usn_net_destroy(g->a));
	if (g->b)
		EXPECT_OK(usn_net_destroy(g->b));
	usn_sim_run(100 * MS);
	EXPECT_EQ(heads_in_use(), g->heads0);
}

/* A socket in @net (the calling thread's namespace switches to it). */
static inline int sock_in(struct usn_net *net, int type, int protocol)
{
	usn_setns(net);
	return usn_socket(AF_INET, type, protocol);
}

static inline uint64_t snmp(struct usn_net *net, const char *name)
{
	uint64_t v = 0;

	if (usn_snmp(net, name, &v))
		TEST_FAIL_AT("usn_snmp(%s): %s", name, strerror(errno));
	return v;
}

/* Sets a receive timeout, so a missing datagram fails instead of hanging. */
static inline void set_rcvtimeo(int fd, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

#endif
