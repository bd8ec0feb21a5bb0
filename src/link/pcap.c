/* SPDX-License-Identifier: MIT */
/*
 * pcap.c - the pcap file writer. The format: a 24-byte file header (magic
 * 0xa1b23c4d for nanosecond timestamps, version 2.4, snap length, link
 * type) and, per frame, a 16-byte record header (seconds, nanoseconds,
 * captured length, original length) followed by the bytes, all in host
 * byte order, which the magic number lets readers detect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "link/pcap.h"

#define PCAP_MAGIC_NSEC		0xa1b23c4du
#define PCAP_SNAPLEN		262144u
#define LINKTYPE_ETHERNET	1u

struct pcap_writer {
	FILE *f;
};

int pcap_writer_open(const char *path, struct pcap_writer **res)
{
	const struct {
		uint32_t magic;
		uint16_t version_major, version_minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = { PCAP_MAGIC_NSEC, 2, 4, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHERNET };
	struct pcap_writer *w = malloc(sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->f = fopen(path, "wbe");
	if (!w->f) {
		err = -errno;
		free(w);
		return err;
	}
	if (fwrite(&hdr, sizeof(hdr), 1, w->f) != 1 || fflush(w->f)) {
		err = -EIO;
		pcap_writer_close(w);
		return err;
	}
	*res = w;
	return 0;
}

void pcap_writer_write(struct pcap_writer *w, uint64_t ts_ns,
		       const void *frame, size_t len)
{
	uint32_t caplen = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
	uint32_t rec[4] = {
		(uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u),
		caplen, (uint32_t)len,
	};

	fwrite(rec, sizeof(rec), 1, w->f);
	fwrite(frame, caplen, 1, w->f);
}

void pcap_writer_close(struct pcap_writer *w)
{
	if (!w)
		return;
	fclose(w->f);
	free(w);
}
