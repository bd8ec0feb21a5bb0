/* SPDX-License-Identifier: MIT */
/*
 * inet_peer - a usnet host on a TAP device, for tests that use the Linux
 * kernel as the peer (tests/scripts/inet_tap_test.sh). Only the public API:
 * it is what a program embedding usnet looks like.
 *
 *   inet_peer TAP ADDR/LEN [COMMAND ARGS...]...
 *
 * Commands run in order; each prints PASS: or FAIL: lines:
 *   pcap FILE                 mirror the device to FILE
 *   serve SECONDS             only run (answer ARP and pings) for SECONDS
 *   udp-echo PORT SECONDS N   echo datagrams on PORT until N came or SECONDS passed
 *   udp-send DST PORT MSG     send MSG, expect it back within 3 s
 *   udp-refused DST PORT      a connected socket's next call after sending
 *                             to a closed port fails with ECONNREFUSED
 *   ping DST COUNT SIZE       raw ICMP echo requests of SIZE payload bytes
 *   tcp-echo PORT SECONDS N   accept N connections on PORT, echo each until EOF
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <usnet/usnet.h>

static int failures;

#define PASS(...) do { printf("PASS: " __VA_ARGS__); putchar('\n'); } while (0)
#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); putchar('\n'); failures++; } while (0)

static struct sockaddr_in sin_of(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "inet_peer: bad address %s\n", addr);
		exit(2);
	}
	return a;
}

static void set_rcvtimeo(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cmd_udp_echo(int port, int seconds, int want)
{
	struct sockaddr_in a = sin_of("0.0.0.0", port), from;
	double end = now_s() + seconds;
	char buf[65536];
	int fd, got = 0;

	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || usn_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		FAIL("udp-echo: socket/bind: %s", strerror(errno));
		return;
	}
	printf("LISTENING udp %d\n", port);
	fflush(stdout);
	set_rcvtimeo(fd, 200);
	while (got < want && now_s() < end) {
		socklen_t len = sizeof(from);
		ssize_t n = usn_recvfrom(fd, buf, sizeof(buf), 0,
					 (struct sockaddr *)&from, &len);

		if (n < 0)
			continue;
		usn_sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
		got++;
	}
	if (got >= want)
		PASS("udp-echo: echoed %d datagrams on port %d", got, port);
	else
		FAIL("udp-echo: echoed %d of %d datagrams", got, want);
	usn_close(fd);
}

static void cmd_udp_send(const char *dst, int port, const char *msg)
{
	struct sockaddr_in a = sin_of(dst, port);
	char buf[2048];
	ssize_t n;
	int fd;

	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	set_rcvtimeo(fd, 3000);
	if (usn_sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
		FAIL("udp-send: sendto: %s", strerror(errno));
		usn_close(fd);
		return;
	}
	n = usn_recv(fd, buf, sizeof(buf) - 1, 0);
	if (n >= 0) {
		buf[n] = 0;
		if (!strcmp(buf, msg))
			PASS("udp-send: %s:%d echoed \"%s\"", dst, port, buf);
		else
			FAIL("udp-send: got \"%s\"", buf);
	} else {
		FAIL("udp-send: no reply: %s", strerror(errno));
	}
	usn_close(fd);
}

static void cmd_udp_refused(const char *dst, int port)
{
	struct sockaddr_in a = sin_of(dst, port);
	char buf[16];
	int fd;

	fd = usn_socket(AF_INET, SOCK_DGRAM, 0);
	set_rcvtimeo(fd, 3000);
	if (usn_connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    usn_send(fd, "x", 1, 0) != 1) {
		FAIL("udp-refused: connect/send: %s", strerror(errno));
	} else if (usn_recv(fd, buf, sizeof(buf), 0) < 0 && errno == ECONNREFUSED) {
		PASS("udp-refused: %s:%d answered port unreachable: ECONNREFUSED", dst, port);
	} else {
		FAIL("udp-refused: expected ECONNREFUSED, got %s", strerror(errno));
	}
	usn_close(fd);
}

static void cmd_tcp_echo(int port, int seconds, int want)
{
	struct sockaddr_in a = sin_of("0.0.0.0", port);
	struct timeval tv = { seconds, 0 };
	static char buf[65536];
	long long total = 0;
	int lfd, one = 1, got = 0;

	lfd = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || usn_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    usn_bind(lfd, (struct sockaddr *)&a, sizeof(a)) || usn_listen(lfd, 16)) {
		FAIL("tcp-echo: socket/bind/listen: %s", strerror(errno));
		return;
	}
	usn_setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	printf("LISTENING tcp %d\n", port);
	fflush(stdout);
	while (got < want) {
		int fd = usn_accept(lfd, NULL, NULL);
		ssize_t n;

		if (fd < 0)
			break;
		usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while ((n = usn_recv(fd, buf, sizeof(buf), 0)) > 0) {
			for (ssize_t off = 0; off < n;) {
				ssize_t w = usn_send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);

				if (w <= 0)
					goto next;
				off += w;
			}
			total += n;
		}
next:
		/*
		 * Wait in close() until the peer has acknowledged all we echoed:
		 * the stack ends with this process, unsent data with it.
		 */
		{
			struct linger lg = { 1, seconds };

			usn_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		usn_close(fd);
		got++;
	}
	if (got >= want)
		PASS("tcp-echo: %d connections, %lld bytes echoed on port %d", got, total, port);
	else
		FAIL("tcp-echo: %d of %d connections (%s)", got, want, strerror(errno));
	usn_close(lfd);
}

static uint16_t csum16(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void cmd_ping(const char *dst, int count, int size)
{
	struct sockaddr_in a = sin_of(dst, 0);
	uint8_t pkt[65536], buf[65536 + 60];
	int fd, ok = 0;

	fd = usn_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		FAIL("ping: socket: %s", strerror(errno));
		return;
	}
	set_rcvtimeo(fd, 500);
	for (int seq = 1; seq <= count; seq++) {
		double end = now_s() + 2;

		memset(pkt, 0, 8);
		pkt[0] = ICMP_ECHO;
		pkt[4] = 0x12;
		pkt[5] = 0x34;
		pkt[7] = (uint8_t)seq;
		for (int i = 0; i < size; i++)
			pkt[8 + i] = (uint8_t)i;
		*(uint16_t *)(pkt + 2) = csum16(pkt, (size_t)size + 8);
		if (usn_sendto(fd, pkt, (size_t)size + 8, 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
			FAIL("ping: sendto: %s", strerror(errno));
			break;
		}
		while (now_s() < end) {
			ssize_t n = usn_recv(fd, buf, sizeof(buf), 0);
			size_t hl;

			if (n < 20)
				continue;
			hl = (size_t)(buf[0] & 0xf) * 4;
			if ((size_t)n >= hl + 8 && buf[hl] == ICMP_ECHOREPLY &&
			    buf[hl + 7] == seq && (size_t)n - hl - 8 == (size_t)size &&
			    !memcmp(buf + hl + 8, pkt + 8, (size_t)size)) {
				ok++;
				break;
			}
		}
	}
	if (ok == count)
		PASS("ping: %d/%d echo replies of %d bytes from %s", ok, count, size, dst);
	else
		FAIL("ping: %d/%d echo replies of %d bytes from %s", ok, count, size, dst);
	usn_close(fd);
}

int main(int argc, char **argv)
{
	struct usn_net *net;
	char addr[64], *slash;
	int ifindex, i = 3;
	uint32_t a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: inet_peer TAP ADDR/LEN [COMMAND ARGS...]...\n");
		return 2;
	}
	snprintf(addr, sizeof(addr), "%s", argv[2]);
	slash = strchr(addr, '/');
	if (slash)
		*slash = 0;
	if (!slash || inet_pton(AF_INET, addr, &a) != 1) {
		fprintf(stderr, "inet_peer: bad ADDR/LEN %s\n", argv[2]);
		return 2;
	}
	net = usn_net_default();
	ifindex = usn_tap_attach(net, argv[1], NULL);
	if (ifindex < 0) {
		fprintf(stderr, "inet_peer: usn_tap_attach %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (usn_addr_add(net, ifindex, AF_INET, &a, atoi(slash + 1)) < 0 ||
	    usn_link_set_up(net, ifindex, 1) < 0) {
		fprintf(stderr, "inet_peer: configure: %s\n", strerror(errno));
		return 2;
	}
	{
		unsigned char m[6] = { 0 };

		usn_link_hwaddr(net, ifindex, m);
		printf("READY %s mac=%02x:%02x:%02x:%02x:%02x:%02x\n", argv[2],
		       m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	while (i < argc) {
		const char *cmd = argv[i];

		if (!strcmp(cmd, "pcap") && i + 1 < argc) {
			usn_link_pcap(net, ifindex, argv[i + 1]);
			i += 2;
		} else if (!strcmp(cmd, "serve") && i + 1 < argc) {
			usleep((useconds_t)(atof(argv[i + 1]) * 1e6));
			i += 2;
		} else if (!strcmp(cmd, "udp-echo") && i + 3 < argc) {
			cmd_udp_echo(atoi(argv[i + 1]), atoi(argv[i + 2]), atoi(argv[i + 3]));
			i += 4;
		} else if (!strcmp(cmd, "udp-send") && i + 3 < argc) {
			cmd_udp_send(argv[i + 1], atoi(argv[i + 2]), argv[i + 3]);
			i += 4;
		} else if (!strcmp(cmd, "udp-refused") && i + 2 < argc) {
			cmd_udp_refused(argv[i + 1], atoi(argv[i + 2]));
			i += 3;
		} else if (!strcmp(cmd, "tcp-echo") && i + 3 < argc) {
			cmd_tcp_echo(atoi(argv[i + 1]), atoi(argv[i + 2]), atoi(argv[i + 3]));
			i += 4;
		} else if (!strcmp(cmd, "ping") && i + 3 < argc) {
			cmd_ping(argv[i + 1], atoi(argv[i + 2]), atoi(argv[i + 3]));
			i += 4;
		} else {
			fprintf(stderr, "inet_peer: bad command at %s\n", cmd);
			return 2;
		}
	}
	usn_link_pcap(net, ifindex, NULL);
	printf("DONE\n");
	return failures ? 1 : 0;
}
