/* SPDX-License-Identifier: MIT */
/*
 * sysctl.h - the tunables of a namespace, under the kernel's names
 * (net.core.somaxconn, net.ipv4.ip_local_port_range, ...), with the
 * kernel's defaults and range checks. sysctl.c holds the table that maps
 * each name to a field here; usn_sysctl() reads and writes them as text,
 * exactly as /proc/sys does.
 */
#ifndef USN_NET_SYSCTL_H
#define USN_NET_SYSCTL_H

#include <stddef.h>

struct netns_sysctl {
	/* net.core */
	int somaxconn;
	int rmem_default;
	int rmem_max;
	int wmem_default;
	int wmem_max;
	int optmem_max;
	int netdev_max_backlog;
	/* net.ipv4 */
	int ip_local_port_range[2];
	int ip_forward;
	int ip_default_ttl;
	int ip_no_pmtu_disc;
	int ping_group_range[2];
	int ip_nonlocal_bind;
	int ipfrag_high_thresh;
	int ipfrag_low_thresh;
	int ipfrag_time;		/* s */
	int icmp_ratelimit;		/* ms between errors to one host */
	int icmp_ratemask;
	int icmp_msgs_per_sec;
	int icmp_msgs_burst;
	int icmp_echo_ignore_all;
	int icmp_echo_ignore_broadcasts;
	/* net.ipv4.neigh.default */
	int neigh_base_reachable_time_ms;
	int neigh_retrans_time_ms;
	int neigh_gc_stale_time;	/* s */
	int neigh_delay_first_probe_time;	/* s */
	int neigh_ucast_solicit;
	int neigh_mcast_solicit;
	int neigh_unres_qlen;
	/* net.ipv4.tcp_* */
	int tcp_mem[3];			/* pages: min, pressure, max (per namespace) */
	int tcp_rmem[3];
	int tcp_wmem[3];
	int tcp_syn_retries;
	int tcp_synack_retries;
	int tcp_retries1;
	int tcp_retries2;
	int tcp_orphan_retries;
	int tcp_fin_timeout;		/* s */
	int tcp_keepalive_time;		/* s */
	int tcp_keepalive_intvl;	/* s */
	int tcp_keepalive_probes;
	int tcp_sack;
	int tcp_timestamps;
	int tcp_window_scaling;
	int tcp_max_syn_backlog;
	int tcp_syncookies;		/* 0 never, 1 on SYN queue overflow, 2 always */
	int tcp_abort_on_overflow;
	int tcp_tw_reuse;
	int tcp_rfc1337;
	int tcp_challenge_ack_limit;
	int tcp_invalid_ratelimit;	/* ms */
	int tcp_reordering;
	int tcp_dsack;			/* send D-SACKs (RFC 2883) */
	int tcp_recovery;		/* TCP_RACK_* bits */
	int tcp_frto;			/* F-RTO (RFC 5682) after an RTO */
	int tcp_min_rtt_wlen;		/* s, the min-RTT filter's window */
	int tcp_base_mss;
	int tcp_min_snd_mss;
	int tcp_moderate_rcvbuf;
	int tcp_slow_start_after_idle;
	int tcp_no_metrics_save;
	int tcp_workaround_signed_windows;
	int tcp_delack_min_ms;		/* usnet: TCP_DELACK_MIN, a constant in Linux */
	char tcp_congestion_control[16];	/* TCP_CA_NAME_MAX */
	/* net.unix */
	int unix_max_dgram_qlen;
	/* net.usnet: tunables Linux keeps elsewhere */
	int socket_max;		/* sockets the namespace may hold (ENFILE) */
};

struct usn_net;

void sysctl_init_defaults(struct netns_sysctl *s);
/* Reads (@old, @oldlen) and/or writes (@new) one tunable; 0 or -errno. */
int net_sysctl(struct usn_net *net, const char *name, char *old,
	       size_t *oldlen, const char *new);

#endif
