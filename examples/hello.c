/* SPDX-License-Identifier: MIT */
/*
 * hello.c - the smallest program on usnet: no set-up, the default
 * namespace, its loopback device, the interface ioctls of any socket.
 * Build against an installed usnet:
 *     cc hello.c $(pkg-config --cflags --libs usnet) -o hello
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <usnet/usnet.h>

int main(void)
{
	struct ifreq ifr;
	int fd = usn_socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		/* The inet family is not built yet: any socket will do for ioctls. */
		perror("usn_socket(AF_INET)");
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = usn_link_index(usn_net_default(), "lo");
	printf("default namespace: %s, lo is ifindex %d\n",
	       usn_net_name(usn_net_default()), ifr.ifr_ifindex);
	return ifr.ifr_ifindex == 1 ? 0 : 1;
}
