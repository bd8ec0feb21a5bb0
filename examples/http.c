/* SPDX-License-Identifier: MIT */
/*
 * http.c - the parts the HTTP examples share (see http.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <usnet/usnet.h>
#include "http.h"

/* ---------------------------------------------------------------------------
 * SHA-256
 */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return x >> n | x << (32 - n);
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3) +
		       (ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10);
	memcpy(v, s->h, sizeof(v));
	for (i = 0; i < 64; i++) {
		t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
		     ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
		t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
		     ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		s->h[i] += v[i];
}

void sha256_init(struct sha256 *s)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->fill = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		sha256_block(s, s->buf);
		s->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s, p);
	memcpy(s->buf, p, len);
	s->fill = len;
}

void sha256_hex(struct sha256 *s, char hex[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
}

/* ---------------------------------------------------------------------------
 * The generated body
 */
uint8_t http_body_table[2 * HTTP_BLOCK];

void http_body_init(void)
{
	uint32_t x = 1;

	for (size_t i = 0; i < HTTP_BLOCK; i++) {
		x = x * 1103515245u + 12345u;
		http_body_table[i] = (uint8_t)(x >> 24);
	}
	memcpy(http_body_table + HTTP_BLOCK, http_body_table, HTTP_BLOCK);
}

const uint8_t *http_body_at(uint64_t off, size_t *max)
{
	if (*max > HTTP_BLOCK)
		*max = HTTP_BLOCK;
	return http_body_table + off % HTTP_BLOCK;
}

double http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------
 * Links
 */
int http_parse_prefix(const char *s, uint32_t *addr, int *len)
{
	char buf[32], *slash, *end;
	long l;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	l = strtol(slash + 1, &end, 10);
	if (*end || l < 0 || l > 32 || inet_pton(AF_INET, buf, addr) != 1)
		return -1;
	*len = (int)l;
	return 0;
}

int http_attach_tap(struct usn_net *net, const char *tap, const char *prefix)
{
	uint32_t a;
	int ifindex, len;

	if (http_parse_prefix(prefix, &a, &len)) {
		fprintf(stderr, "bad ADDR/LEN %s\n", prefix);
		return -1;
	}
	ifindex = usn_tap_attach(net, tap, NULL);
	if (ifindex < 0) {
		fprintf(stderr, "usn_tap_attach %s: %s\n", tap, strerror(errno));
		return -1;
	}
	if (usn_addr_add(net, ifindex, AF_INET, &a, len) < 0 ||
	    usn_link_set_up(net, ifindex, 1) < 0) {
		fprintf(stderr, "configure %s: %s\n", tap, strerror(errno));
		return -1;
	}
	return ifindex;
}

int http_parse_impair(const char *s, struct http_impair *imp)
{
	char end;

	if (sscanf(s, "%lf,%u,%lf%c", &imp->loss, &imp->delay_ms,
		   &imp->reorder, &end) != 3 || imp->loss < 0 || imp->loss > 1 ||
	    imp->reorder < 0 || imp->reorder > 1)
		return -1;
	return 0;
}

int http_attach_impaired(struct usn_net *net, const char *tap,
			 const char *prefix, const struct http_impair *imp,
			 struct usn_net **host, char host_addr[16])
{
	struct usn_memlink_params p = {
		.loss = imp->loss,
		.delay_ns = (uint64_t)imp->delay_ms * 1000000,
		.reorder = imp->reorder,
		.reorder_delay_ns = (uint64_t)imp->delay_ms * 1000000,
	};
	uint32_t a, ra, ha, any = 0;
	uint8_t *b;
	int len, ifx[2];

	if (http_parse_prefix(prefix, &a, &len) ||
	    http_attach_tap(net, tap, prefix) < 0)
		return -1;
	b = (uint8_t *)&a;
	b[2]++;
	b[3] = 1;
	ra = a;
	b[3] = 2;
	ha = a;
	inet_ntop(AF_INET, &ha, host_addr, 16);
	*host = usn_net_create("host", 0);
	if (!*host ||
	    usn_sysctl(net, "net.ipv4.ip_forward", NULL, NULL, "1") < 0 ||
	    usn_memlink_create(net, "ml0", *host, "ml0", NULL, ifx) < 0 ||
	    usn_memlink_set_params(net, ifx[0], &p) < 0 ||
	    usn_addr_add(net, ifx[0], AF_INET, &ra, 24) < 0 ||
	    usn_addr_add(*host, ifx[1], AF_INET, &ha, 24) < 0 ||
	    usn_link_set_up(net, ifx[0], 1) < 0 ||
	    usn_link_set_up(*host, ifx[1], 1) < 0 ||
	    usn_route_add(*host, AF_INET, &any, 0, &ra, 0, 0) < 0) {
		fprintf(stderr, "impaired path set-up: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int http_memlink_pair(unsigned int mtu, struct usn_net **server,
		      struct usn_net **client, int *server_ifindex)
{
	struct usn_memlink_params p = { .mtu = mtu };
	uint32_t sa, ca;
	int ifx[2];

	inet_pton(AF_INET, HTTP_MEMLINK_SERVER, &sa);
	inet_pton(AF_INET, HTTP_MEMLINK_CLIENT, &ca);
	*server = usn_net_create("server", 0);
	*client = usn_net_create("client", 0);
	if (!*server || !*client ||
	    usn_memlink_create(*server, "ml0", *client, "ml0", &p, ifx) < 0 ||
	    usn_addr_add(*server, ifx[0], AF_INET, &sa, 24) < 0 ||
	    usn_addr_add(*client, ifx[1], AF_INET, &ca, 24) < 0 ||
	    usn_link_set_up(*server, ifx[0], 1) < 0 ||
	    usn_link_set_up(*client, ifx[1], 1) < 0) {
		fprintf(stderr, "memlink set-up: %s\n", strerror(errno));
		return -1;
	}
	*server_ifindex = ifx[0];
	return 0;
}

/* ---------------------------------------------------------------------------
 * The client
 */
static int parse_url(const char *url, struct sockaddr_in *sin, char *path,
		     size_t pathlen)
{
	char host[64];
	const char *p, *slash;
	size_t hl;
	long port = 80;

	if (strncmp(url, "http://", 7))
		return -1;
	p = url + 7;
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	hl = (size_t)(slash - p);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, p, hl);
	host[hl] = 0;
	if (strchr(host, ':')) {
		char *end;

		port = strtol(strchr(host, ':') + 1, &end, 10);
		if (*end || port <= 0 || port > 65535)
			return -1;
		*strchr(host, ':') = 0;
	}
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	snprintf(path, pathlen, "%s", *slash ? slash : "/");
	return 0;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = usn_send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until the end of the response head; the rest of @buf is body. */
static ssize_t read_head(int fd, char *buf, size_t size, size_t *headlen)
{
	size_t have = 0;
	char *end;

	while (have < size - 1) {
		ssize_t n = usn_recv(fd, buf + have, size - 1 - have, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			*headlen = (size_t)(end - buf) + 4;
			return (ssize_t)have;
		}
	}
	return -1;
}

/* The value of header @name in the head @buf, or NULL. */
static const char *find_header(const char *buf, size_t headlen, const char *name)
{
	size_t nl = strlen(name);
	const char *p = strstr(buf, "\r\n");

	while (p && (size_t)(p - buf) + 2 < headlen) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

static int send_post_body(int fd, long long len)
{
	uint64_t off = 0;

	while (off < (uint64_t)len) {
		size_t n = (size_t)((uint64_t)len - off);
		const uint8_t *p = http_body_at(off, &n);

		if (send_all(fd, p, n))
			return -1;
		off += n;
	}
	return 0;
}

int http_fetch(const char *url, long long post, FILE *out, int timeout_s,
	       struct http_result *res)
{
	static char buf[1 << 16];
	struct timeval tv = { timeout_s, 0 };
	long long clen = -1;
	struct sockaddr_in sin;
	struct sha256 sha;
	char path[512], req[1024];
	size_t headlen = 0, alen = 0;
	const char *cl;
	double t0;
	ssize_t n;
	int fd, rc = -1, reqlen;

	memset(res, 0, sizeof(*res));
	if (parse_url(url, &sin, path, sizeof(path))) {
		fprintf(stderr, "bad URL %s (http://A.B.C.D[:PORT]/PATH)\n", url);
		return -1;
	}
	fd = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return -1;
	}
	usn_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	usn_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	t0 = http_now();
	if (usn_connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "connect %s: %s\n", url, strerror(errno));
		goto out_close;
	}
	if (post < 0)
		reqlen = snprintf(req, sizeof(req),
				  "GET %s HTTP/1.1\r\nHost: %s\r\n"
				  "User-Agent: usnet-http-client\r\n"
				  "Connection: close\r\n\r\n",
				  path, inet_ntoa(sin.sin_addr));
	else
		reqlen = snprintf(req, sizeof(req),
				  "POST %s HTTP/1.1\r\nHost: %s\r\n"
				  "User-Agent: usnet-http-client\r\n"
				  "Content-Type: application/octet-stream\r\n"
				  "Content-Length: %lld\r\n"
				  "Connection: close\r\n\r\n",
				  path, inet_ntoa(sin.sin_addr), post);
	if (send_all(fd, req, (size_t)reqlen) ||
	    (post >= 0 && send_post_body(fd, post))) {
		fprintf(stderr, "send: %s\n", strerror(errno));
		goto out_close;
	}
	res->sent = post > 0 ? (uint64_t)post : 0;
	n = read_head(fd, buf, sizeof(buf), &headlen);
	if (n < 0 || sscanf(buf, "HTTP/%*d.%*d %d", &res->status) != 1) {
		fprintf(stderr, "no response head: %s\n",
			n < 0 ? strerror(errno) : "unparsable");
		goto out_close;
	}
	cl = find_header(buf, headlen, "Content-Length");
	if (cl)
		clen = strtoll(cl, NULL, 10);
	sha256_init(&sha);
	for (size_t off = headlen; ; off = 0) {
		size_t len = (size_t)n - off;

		if (clen >= 0 && res->bytes + len > (uint64_t)clen)
			len = (size_t)((uint64_t)clen - res->bytes);
		sha256_update(&sha, buf + off, len);
		if (out && len && fwrite(buf + off, 1, len, out) != len) {
			fprintf(stderr, "write: %s\n", strerror(errno));
			goto out_close;
		}
		if (post >= 0 && alen < sizeof(res->answer) - 1) {
			size_t k = sizeof(res->answer) - 1 - alen;

			memcpy(res->answer + alen, buf + off, k < len ? k : len);
			alen += k < len ? k : len;
		}
		res->bytes += len;
		if (clen >= 0 && res->bytes >= (uint64_t)clen)
			break;
		n = usn_recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "recv after %llu bytes: %s\n",
				(unsigned long long)res->bytes, strerror(errno));
			goto out_close;
		}
		if (n == 0)
			break;
	}
	res->seconds = http_now() - t0;
	sha256_hex(&sha, res->sha256);
	res->answer[alen] = 0;
	while (alen && (res->answer[alen - 1] == '\n' || res->answer[alen - 1] == '\r'))
		res->answer[--alen] = 0;
	if (clen >= 0 && res->bytes != (uint64_t)clen)
		fprintf(stderr, "body ended after %llu of %lld bytes\n",
			(unsigned long long)res->bytes, clen);
	else if (res->status >= 200 && res->status < 300)
		rc = 0;
out_close:
	usn_close(fd);
	return rc;
}

void http_print_result(FILE *log, const char *what,
		       const struct http_result *res)
{
	uint64_t bytes = res->bytes > res->sent ? res->bytes : res->sent;
	double mbit = res->seconds > 0 ? (double)bytes * 8 / res->seconds / 1e6 : 0;

	fprintf(log, "%s status %d bytes %llu sent %llu seconds %.3f "
		"Mbit/s %.1f sha256 %s%s%s\n", what, res->status,
		(unsigned long long)res->bytes, (unsigned long long)res->sent,
		res->seconds, mbit, res->sha256,
		res->answer[0] ? " answer " : "", res->answer);
	fflush(log);
}
