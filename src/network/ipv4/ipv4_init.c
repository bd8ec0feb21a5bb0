/* SPDX-License-Identifier: MIT */
/*
 * ipv4_init.c - IPv4's state in each namespace: the counters, the IP ID
 * key and counters, the fragment queues, and the ETH_P_IP packet type
 * that brings frames to ip_rcv(), after ipv4_mib_init_net(),
 * ip_rt_init()'s ID arrays and inet_init()'s dev_add_pack().
 *
 * A struct packet_type is linked into one namespace's list, so each
 * namespace gets its own copy, allocated with its struct netns_ipv4.
 */
#include <errno.h>
#include <stdlib.h>
#include "link/netdevice.h"
#include "net/net.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/ip_private.h"

struct ipv4_pernet {
	struct netns_ipv4	ipv4;
	struct packet_type	ip_packet_type;
	uint16_t		idents[IP_IDENTS_SZ];
	uint32_t		tstamps[IP_IDENTS_SZ];
};

static int ipv4_net_init(struct usn_net *net)
{
	struct ipv4_pernet *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(p->ipv4.ip_id_key); i++)
		p->ipv4.ip_id_key[i] = net_random_u32(net);
	/* Random starting IDs, so they reveal nothing of the past. */
	for (size_t i = 0; i < IP_IDENTS_SZ; i++)
		p->idents[i] = (uint16_t)net_random_u32(net);
	p->ipv4.ip_idents = p->idents;
	p->ipv4.ip_tstamps = p->tstamps;
	net->ipv4 = &p->ipv4;

	err = ipfrag_net_init(net);
	if (err)
		goto out_free;

	p->ip_packet_type = (struct packet_type){
		.type		= htons(ETH_P_IP),
		.func		= ip_rcv,
		.name		= "ip_rcv",
		.trace_entry	= true,
	};
	INIT_LIST_HEAD(&p->ip_packet_type.list);
	dev_add_pack(net, &p->ip_packet_type);
	return 0;

out_free:
	net->ipv4 = NULL;
	free(p);
	return err;
}

static void ipv4_net_exit(struct usn_net *net)
{
	struct ipv4_pernet *p;

	if (!net->ipv4)
		return;
	p = container_of(net->ipv4, struct ipv4_pernet, ipv4);
	dev_remove_pack(net, &p->ip_packet_type);
	ipfrag_net_exit(net);
	net->ipv4 = NULL;
	free(p);
}

static struct pernet_operations ipv4_net_ops = {
	.name	= "ipv4",
	.init	= ipv4_net_init,
	.exit	= ipv4_net_exit,
};

int ip_init(void)
{
	return register_pernet_subsys(&ipv4_net_ops);
}
