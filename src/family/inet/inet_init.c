/* SPDX-License-Identifier: MIT */
/*
 * inet_init.c - starting IPv4 and the inet family, after inet_init() in
 * net/ipv4/af_inet.c: each layer registers its protocol handlers, packet
 * types, socket types and per-namespace state, lowest first, and PF_INET
 * is registered last, when everything it creates sockets on is there.
 */
#include <errno.h>
#include <string.h>
#include "core/log.h"
#include "family/inet/inet_sock.h"
#include "network/arp/neighbour.h"
#include "network/ipv4/icmp.h"
#include "network/ipv4/ip.h"
#include "network/ipv4/route.h"
#include "socket/socket.h"
#include "transport/ping/ping.h"
#include "transport/raw/raw.h"
#include "transport/tcp/tcp.h"
#include "transport/udp/udp.h"

static const struct net_proto_family inet_family_ops = {
	.family	= PF_INET,
	.create	= inet_create,
};

/* In order: the per-namespace IPv4 state first, sockets on top last. */
static const struct {
	const char	*name;
	int		(*init)(void);
} inet_steps[] = {
	{ "ip", ip_init },
	{ "fib", fib_init },
	{ "arp", arp_init },
	{ "icmp", icmp_init },
	{ "udp", udp_init },
	{ "tcp", tcp_init },
	{ "raw", raw_init },
	{ "ping", ping_init },
};

int inet_init(void)
{
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(inet_steps); i++) {
		err = inet_steps[i].init();
		if (err) {
			pr_err("inet: %s set-up failed: %s", inet_steps[i].name,
			       strerror(-err));
			return err;
		}
	}
	return sock_register(&inet_family_ops);
}
