/* SPDX-License-Identifier: MIT */
/*
 * http_client.c - an HTTP/1.1 client on usnet's public API.
 *
 *   http_client --tap NAME --addr A.B.C.D/LEN [--out FILE] [--post N]
 *               [--pcap FILE] [--timeout S] [--impair LOSS,DELAY_MS,REORDER] URL
 *
 * usnet attaches to the TAP device NAME with ADDR/LEN, then GETs URL
 * ("http://A.B.C.D[:PORT]/PATH", e.g. a kernel-side python3 -m http.server),
 * writes the body to FILE (if given), hashes it and prints one line:
 *
 *   GET status 200 bytes N sent 0 seconds S Mbit/s R sha256 HEX
 *
 * With --post N it POSTs N bytes of the generated body (http.h) instead and
 * prints the server's answer too (http_server answers the body's SHA-256).
 * --impair fetches from a namespace behind usnet's own router, with the
 * kernel-to-client direction impaired (http_attach_impaired in http.h):
 * for kernels without sch_netem.
 * Exit 0 when the status was 2xx and the whole body came.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "http.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: http_client --tap NAME --addr A.B.C.D/LEN [--out FILE] "
		"[--post N] [--pcap FILE] [--timeout S]\n"
		"                   [--impair LOSS,DELAY_MS,REORDER] URL\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "addr", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "post", required_argument, NULL, 'P' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "impair", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tap = NULL, *addr = NULL, *outpath = NULL, *pcap = NULL;
	struct usn_net *net = usn_net_default();
	struct http_result res;
	long long post = -1;
	FILE *out = NULL;
	struct http_impair imp;
	struct usn_net *host;
	char host_addr[16];
	bool impaired = false;
	int opt, ifindex, timeout = 30, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': tap = optarg; break;
		case 'a': addr = optarg; break;
		case 'o': outpath = optarg; break;
		case 'P': post = atoll(optarg); break;
		case 'w': pcap = optarg; break;
		case 'T': timeout = atoi(optarg); break;
		case 'i':
			if (http_parse_impair(optarg, &imp))
				usage();
			impaired = true;
			break;
		default: usage();
		}
	}
	if (optind != argc - 1 || !tap || !addr || timeout <= 0)
		usage();
	http_body_init();
	if (impaired) {
		if (pcap) {
			fprintf(stderr, "--pcap and --impair do not mix\n");
			return 2;
		}
		if (http_attach_impaired(net, tap, addr, &imp, &host, host_addr))
			return 1;
		usn_setns(host);
		ifindex = 0;
	} else {
		ifindex = http_attach_tap(net, tap, addr);
	}
	if (ifindex < 0)
		return 1;
	if (pcap && usn_link_pcap(net, ifindex, pcap) < 0) {
		fprintf(stderr, "pcap %s: %s\n", pcap, strerror(errno));
		return 1;
	}
	if (outpath && !(out = fopen(outpath, "wb"))) {
		fprintf(stderr, "%s: %s\n", outpath, strerror(errno));
		return 1;
	}
	rc = http_fetch(argv[optind], post, out, timeout, &res);
	http_print_result(stdout, post < 0 ? "GET" : "POST", &res);
	if (out && fclose(out)) {
		fprintf(stderr, "%s: %s\n", outpath, strerror(errno));
		rc = -1;
	}
	if (pcap)
		usn_link_pcap(net, ifindex, NULL);
	return rc ? 1 : 0;
}
