/* SPDX-License-Identifier: MIT */
/*
 * hello.c - the smallest program on usnet: no set-up, the default
 * namespace and its loopback device, a UDP datagram to itself.
 * Build against an installed usnet:
 *     cc hello.c $(pkg-config --cflags --libs usnet) -o hello
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <usnet/usnet.h>

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char buf[64];
	ssize_t n;
	int fd;

	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || usn_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    usn_getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("usnet");
		return 1;
	}
	usn_sendto(fd, "hello, usnet", 12, 0, (struct sockaddr *)&a, sizeof(a));
	n = usn_recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		perror("usn_recv");
		return 1;
	}
	buf[n] = 0;
	printf("127.0.0.1:%u got \"%s\"\n", ntohs(a.sin_port), buf);
	usn_close(fd);
	return strcmp(buf, "hello, usnet") ? 1 : 0;
}
