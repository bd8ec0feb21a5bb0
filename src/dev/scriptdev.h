/* SPDX-License-Identifier: MIT */
/*
 * scriptdev.h - the script device: a point-to-point, IFF_NOARP device with
 * no link header, like a tun device, whose far end is a test program
 * instead of a kernel fd. The packet-script harness (tests/pktscript/)
 * injects IPv4 datagrams as if received and takes every datagram the stack
 * transmits, each stamped with the namespace time it left at.
 *
 * Frames are bare IP datagrams both ways: no Ethernet header, no ARP; the
 * version nibble tells IPv4 from IPv6, as tun does without packet
 * information. On the simulated clock, injected datagrams are handed up by
 * the namespace's softirq at the time they were injected (ndo_next_rx); on
 * a real clock they go up at once in the injecting thread, as a write to a
 * tun device runs the receive path in the writer's context. Either way the
 * receive path runs exactly as it does for any other device. Every call
 * takes the namespace lock itself: call them with it not held.
 */
#ifndef USN_DEV_SCRIPTDEV_H
#define USN_DEV_SCRIPTDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct usn_net;

#define SCRIPTDEV_NAME		"script%d"
#define SCRIPTDEV_MAX_MTU	65535

/* Creates a script device in @net (down); returns its ifindex or -errno. */
int scriptdev_create(struct usn_net *net, const char *name, unsigned int mtu);

/*
 * Queues @len bytes (an IP datagram, taken as is: any checksum or length
 * error is the receive path's to find) to be received now.
 * 0, -ENODEV (no script device at @ifindex), -ENETDOWN or -ENOMEM.
 */
int scriptdev_inject(struct usn_net *net, int ifindex, const void *data,
		     size_t len);

/*
 * Takes the oldest datagram the stack sent on the device: copies up to
 * @size bytes to @buf, stores its transmit time (ns, namespace clock) in
 * @tstamp, and returns its full length; 0 when none waits (a datagram is
 * never empty), -ENODEV.
 */
ssize_t scriptdev_take(struct usn_net *net, int ifindex, void *buf,
		       size_t size, uint64_t *tstamp);

/* Datagrams sent and not taken yet, or -ENODEV. */
int scriptdev_pending(struct usn_net *net, int ifindex);

/*
 * Calls @fn(@arg) each time the stack queues a datagram for the harness
 * (NULL @fn: no more), so a harness on a real clock can sleep until there
 * is one to take. @fn runs with the namespace lock held: it may take only
 * a leaf lock of its own (signal a condition variable), never call back
 * into the stack. 0 or -ENODEV.
 */
int scriptdev_set_tx_notify(struct usn_net *net, int ifindex,
			    void (*fn)(void *arg), void *arg);

#endif
