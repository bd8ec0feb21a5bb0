/* SPDX-License-Identifier: MIT */
/*
 * ip_private.h - what the files of the IPv4 core (ip_*.c, icmp.c,
 * ipv4_init.c) share and nobody else needs: the output step below the
 * header builders, the keyed hash, and the per-namespace set-up of the
 * fragment queues and the ICMP rate limits.
 */
#ifndef USN_NETWORK_IPV4_IP_PRIVATE_H
#define USN_NETWORK_IPV4_IP_PRIVATE_H

#include <stdint.h>
#include "core/skbuff.h"

struct usn_net;
struct rtable;

#define IP_IDENTS_SZ	2048	/* ID counters per namespace (a power of 2) */

/*
 * Sends @skb, whose data is a complete IPv4 header (checksum filled) and
 * its payload, along @rt: fragments it to rt->rt_mtu when DF is clear,
 * else drops it (FragFails, ICMP "fragmentation needed" to the source,
 * -EMSGSIZE). Consumes @skb. ip_output() in the kernel.
 */
int ip_output(struct usn_net *net, struct sk_buff *skb, const struct rtable *rt);

/* SipHash-2-4 of three words under a 128-bit key, folded to 32 bits. */
uint32_t ip_hash_3u32(const uint32_t key[4], uint32_t a, uint32_t b, uint32_t c);

/* ip_fragment.c: the namespace's reassembly table. */
int ipfrag_net_init(struct usn_net *net);
void ipfrag_net_exit(struct usn_net *net);
/* Bytes the namespace's fragment queues hold (truesize), for tests. */
unsigned long ipfrag_mem(const struct usn_net *net);
unsigned int ipfrag_queues(const struct usn_net *net);

/* icmp.c: counts an ICMP message of @type that leaves (OutMsgs, OutTypeN). */
void icmp_out_count(struct usn_net *net, uint8_t type);

#endif
