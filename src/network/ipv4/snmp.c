/* SPDX-License-Identifier: MIT */
/*
 * snmp.c - usn_snmp(): one IPv4 counter of a namespace by the name
 * /proc/net/snmp gives it ("Ip.InHdrErrors", "Icmp.OutRateLimitHost",
 * "IcmpMsg.InType8", "Udp.NoPorts", "Arp.ResolutionFailed"), read under
 * the namespace lock. The names come from the X-macros of snmp.h, so a
 * counter added there is readable here with no other change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <usnet/usnet.h>
#include "net/net.h"
#include "net/usnet.h"
#include "network/ipv4/ip.h"
#include "transport/tcp/tcp_var.h"

#define MIB_NAME(name)	#name,

static const char *const ip_mib_names[] = { IP_MIB(MIB_NAME) };
static const char *const icmp_mib_names[] = { ICMP_MIB(MIB_NAME) };
static const char *const udp_mib_names[] = { UDP_MIB(MIB_NAME) };
static const char *const arp_mib_names[] = { ARP_MIB(MIB_NAME) };
static const char *const tcp_mib_names[] = { TCP_MIB(MIB_NAME) };
static const char *const linux_mib_names[] = { LINUX_MIB(MIB_NAME) };

static const struct snmp_group {
	const char		*prefix;
	const char *const	*names;
	size_t			count;
	size_t			offset;		/* of the array in struct ipv4_mibs */
} snmp_groups[] = {
	{ "Ip.", ip_mib_names, ARRAY_SIZE(ip_mib_names),
	  offsetof(struct ipv4_mibs, ip) },
	{ "Icmp.", icmp_mib_names, ARRAY_SIZE(icmp_mib_names),
	  offsetof(struct ipv4_mibs, icmp) },
	{ "Udp.", udp_mib_names, ARRAY_SIZE(udp_mib_names),
	  offsetof(struct ipv4_mibs, udp) },
	{ "Arp.", arp_mib_names, ARRAY_SIZE(arp_mib_names),
	  offsetof(struct ipv4_mibs, arp) },
	{ "Tcp.", tcp_mib_names, ARRAY_SIZE(tcp_mib_names),
	  offsetof(struct ipv4_mibs, tcp) },
	{ "TcpExt.", linux_mib_names, ARRAY_SIZE(linux_mib_names),
	  offsetof(struct ipv4_mibs, linux_mib) },
};

/* "IcmpMsg.InType8" / "IcmpMsg.OutType0": a type in 0..255, nothing after. */
static int snmp_icmpmsg(const struct ipv4_mibs *mib, const char *name,
			uint64_t *value)
{
	const uint64_t *arr;
	unsigned long type;
	char *end;

	if (!strncmp(name, "InType", 6)) {
		arr = mib->icmp_in_type;
		name += 6;
	} else if (!strncmp(name, "OutType", 7)) {
		arr = mib->icmp_out_type;
		name += 7;
	} else {
		return -ENOENT;
	}
	if (*name < '0' || *name > '9' || (name[0] == '0' && name[1]))
		return -ENOENT;
	errno = 0;
	type = strtoul(name, &end, 10);
	if (errno || *end || type > 255)
		return -ENOENT;
	*value = arr[type];
	return 0;
}

/* Ip.Forwarding and Ip.DefaultTTL are settings, shown as the kernel shows them. */
static int snmp_ip_setting(const struct usn_net *net, const char *name,
			   uint64_t *value)
{
	if (!strcmp(name, "Forwarding")) {
		*value = net->sysctl.ip_forward ? 1 : 2;	/* RFC 4293 */
		return 0;
	}
	if (!strcmp(name, "DefaultTTL")) {
		*value = (uint64_t)net->sysctl.ip_default_ttl;
		return 0;
	}
	return -ENOENT;
}

static int snmp_lookup(const struct usn_net *net, const char *name,
		       uint64_t *value)
{
	const struct ipv4_mibs *mib = &net->ipv4->mib;

	if (!strncmp(name, "IcmpMsg.", 8))
		return snmp_icmpmsg(mib, name + 8, value);
	/* /proc/net/sockstat's "TCP:" line: alloc, mem (pages), pressure */
	if (!strncmp(name, "Sockstat.TCP.", 13))
		return tcp_sockstat(net, name + 13, value);
	for (size_t g = 0; g < ARRAY_SIZE(snmp_groups); g++) {
		const struct snmp_group *grp = &snmp_groups[g];
		size_t plen = strlen(grp->prefix);
		const uint64_t *arr;

		if (strncmp(name, grp->prefix, plen))
			continue;
		arr = (const uint64_t *)((const char *)mib + grp->offset);
		for (size_t i = 0; i < grp->count; i++) {
			if (!strcmp(name + plen, grp->names[i])) {
				*value = arr[i];
				return 0;
			}
		}
		if (g == 0)
			return snmp_ip_setting(net, name + plen, value);
		return -ENOENT;
	}
	return -ENOENT;
}

__public int usn_snmp(struct usn_net *net, const char *name, uint64_t *value)
{
	int err;

	if (!net || !name) {
		errno = EINVAL;
		return -1;
	}
	if (!value) {
		errno = EFAULT;
		return -1;
	}
	usn_start();
	net_lock(net);
	err = net->ipv4 ? snmp_lookup(net, name, value) : -ENOENT;
	net_unlock(net);
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}
