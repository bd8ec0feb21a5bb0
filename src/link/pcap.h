/* SPDX-License-Identifier: MIT */
/*
 * pcap.h - mirroring a device's frames to a pcap file (the classic format
 * with nanosecond timestamps, link type Ethernet) that tcpdump, tshark and
 * Wireshark read. Timestamps come from the namespace clock, so a simulated
 * run writes the same file every time.
 */
#ifndef USN_LINK_PCAP_H
#define USN_LINK_PCAP_H

#include <stddef.h>
#include <stdint.h>

struct pcap_writer;

int pcap_writer_open(const char *path, struct pcap_writer **res);
void pcap_writer_write(struct pcap_writer *w, uint64_t ts_ns,
		       const void *frame, size_t len);
void pcap_writer_close(struct pcap_writer *w);

#endif
