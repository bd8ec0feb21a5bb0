/* SPDX-License-Identifier: MIT */
/* tdgram.h - the test family's address and options, shared by the module and the tests. */
#ifndef USN_TEST_TDGRAM_H
#define USN_TEST_TDGRAM_H

#include <stdint.h>
#include <sys/socket.h>

#define AF_TDGRAM	19	/* AF_ECONET's slot, removed from Linux */
#define SOL_TDGRAM	0x7d67
#define TDGRAM_BACKLOG	1	/* getsockopt: the backlog listen() received */
#define TDGRAM_MAX	65507

struct sockaddr_tdgram {
	sa_family_t	std_family;
	uint16_t	std_pad;
	uint32_t	std_port;
};

#endif
