/* SPDX-License-Identifier: MIT */
/*
 * http_server.c - an HTTP/1.1 server on usnet's public API.
 *
 *   http_server --tap NAME --addr A.B.C.D/LEN [--port P] [--pcap FILE]
 *               [--seconds S] [--impair LOSS,DELAY_MS,REORDER]
 *   http_server --memlink [--mtu M] [--port P] [--get N] [--post N]
 *
 * Routes:
 *   GET|HEAD /            a short text page
 *   GET|HEAD /bytes/N     N bytes of the generated body (http.h)
 *   GET|HEAD /file        HTTP_FILE_SIZE (100 MiB) of the same body
 *   POST|PUT any path     reads Content-Length bytes, answers their
 *                         SHA-256 as 64 hex digits and a newline
 *
 * One thread serves every connection: non-blocking sockets and usn_poll()
 * (the kernel's poll(2) semantics), one state machine per connection
 * (read the head, read a body, write the response). HTTP/1.1 connections
 * stay open unless the client says "Connection: close"; HTTP/1.0 ones close
 * unless it says "keep-alive". Pipelined requests are answered in order.
 * Chunked request bodies are refused with 411 Length Required.
 *
 * --memlink runs the server in a namespace "server" joined by a memlink to a
 * namespace "client" in the same process, and fetches from it there: a GET
 * of N bytes and a POST of N bytes (100 MiB each by default).
 *
 * --impair serves from a namespace behind usnet's own router, with the
 * kernel-to-server direction impaired (http_attach_impaired in http.h):
 * for kernels without sch_netem.
 *
 * SIGINT/SIGTERM end the loop; the pcap is closed and counts are printed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "http.h"

#define HEAD_MAX	8192
#define IDLE_SECONDS	60

enum conn_state {
	CONN_HEAD,		/* reading a request head */
	CONN_BODY,		/* reading a request body */
	CONN_WRITE,		/* writing a response */
};

struct conn {
	int		fd;
	enum conn_state	state;
	char		in[HEAD_MAX];
	size_t		inlen;
	bool		keepalive;
	bool		head_only;
	uint64_t	body_left;	/* request body still to read */
	struct sha256	sha;
	char		out[512];	/* response head (and short bodies) */
	size_t		outlen, outoff;
	uint64_t	gen_off, gen_len;	/* generated body to send */
	double		last;		/* last progress, for the idle timeout */
};

struct server {
	int		lfd;
	struct conn	**conns;
	unsigned int	nconns, maxconns;
	struct pollfd	*pfd;
	unsigned long long accepted, requests, bytes_out, bytes_in, errors;
	unsigned int	peak;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void conn_close(struct server *s, unsigned int i)
{
	usn_close(s->conns[i]->fd);
	free(s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

static void respond(struct conn *c, int status, const char *reason,
		    uint64_t gen_len, const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	int n;

	n = snprintf(c->out, sizeof(c->out),
		     "HTTP/1.1 %d %s\r\nServer: usnet-http-server\r\n"
		     "Content-Type: %s\r\nContent-Length: %llu\r\n%s\r\n%s",
		     status, reason,
		     body ? "text/plain" : "application/octet-stream",
		     (unsigned long long)(body ? blen : gen_len),
		     c->keepalive ? "" : "Connection: close\r\n",
		     c->head_only || !body ? "" : body);
	c->outlen = n < (int)sizeof(c->out) ? (size_t)n : sizeof(c->out) - 1;
	c->outoff = 0;
	c->gen_off = 0;
	c->gen_len = c->head_only || body ? 0 : gen_len;
	c->state = CONN_WRITE;
}

/* The value of header @name in the head, or NULL. */
static const char *header(const char *head, const char *name)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2] != '\r') {
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

static bool token_is(const char *v, const char *tok)
{
	return v && !strncasecmp(v, tok, strlen(tok));
}

/* The whole request body came: answer its hash. */
static void body_done(struct conn *c)
{
	char hex[65], body[68];

	sha256_hex(&c->sha, hex);
	snprintf(body, sizeof(body), "%s\n", hex);
	respond(c, 200, "OK", 0, body);
}

/* Acts on the complete head in c->in[0..headlen). */
static void handle_head(struct server *s, struct conn *c, size_t headlen)
{
	char method[16], path[256];
	const char *conn_hdr, *cl, *te;
	int minor;
	unsigned long long n;
	char end;

	c->in[headlen - 2] = 0;		/* ends the head after its last CRLF */
	s->requests++;
	c->keepalive = false;
	c->head_only = false;
	if (sscanf(c->in, "%15s %255s HTTP/1.%d", method, path, &minor) != 3) {
		respond(c, 400, "Bad Request", 0, "bad request line\n");
		return;
	}
	conn_hdr = header(c->in, "Connection");
	c->keepalive = minor >= 1 ? !token_is(conn_hdr, "close")
				  : token_is(conn_hdr, "keep-alive");
	c->head_only = !strcmp(method, "HEAD");
	if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
		te = header(c->in, "Transfer-Encoding");
		cl = header(c->in, "Content-Length");
		if (te && !token_is(te, "identity")) {
			c->keepalive = false;
			respond(c, 411, "Length Required", 0,
				"chunked bodies are not supported\n");
			return;
		}
		if (!cl || sscanf(cl, "%llu", &n) != 1) {
			c->keepalive = false;
			respond(c, 411, "Length Required", 0,
				"Content-Length required\n");
			return;
		}
		if (token_is(header(c->in, "Expect"), "100-continue")) {
			/* small enough to never block for long: sent now */
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

			usn_send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL);
		}
		sha256_init(&c->sha);
		c->body_left = n;
		c->state = CONN_BODY;
		if (!n)
			body_done(c);
		return;
	}
	if (strcmp(method, "GET") && !c->head_only) {
		respond(c, 501, "Not Implemented", 0, "GET, HEAD, POST, PUT\n");
		return;
	}
	if (!strcmp(path, "/"))
		respond(c, 200, "OK", 0,
			"usnet http_server: /bytes/N, /file, POST or PUT a body\n");
	else if (!strcmp(path, "/file"))
		respond(c, 200, "OK", HTTP_FILE_SIZE, NULL);
	else if (sscanf(path, "/bytes/%llu%c", &n, &end) == 1)
		respond(c, 200, "OK", n, NULL);
	else
		respond(c, 404, "Not Found", 0, "not found\n");
}

/* Consumes what sits in c->in; false when the connection must close. */
static bool conn_process(struct server *s, struct conn *c)
{
	while (c->state != CONN_WRITE && c->inlen) {
		if (c->state == CONN_HEAD) {
			char *end;

			c->in[c->inlen] = 0;
			end = strstr(c->in, "\r\n\r\n");
			if (!end) {
				if (c->inlen >= HEAD_MAX - 1) {
					c->keepalive = false;
					respond(c, 431, "Request Header Fields Too Large",
						0, "head too large\n");
				}
				return true;
			}
			handle_head(s, c, (size_t)(end - c->in) + 4);
			memmove(c->in, end + 4, c->inlen - (size_t)(end + 4 - c->in));
			c->inlen -= (size_t)(end + 4 - c->in);
		} else {	/* CONN_BODY: the part of the body already read */
			size_t k = c->inlen < c->body_left ? c->inlen
							   : (size_t)c->body_left;

			sha256_update(&c->sha, c->in, k);
			s->bytes_in += k;
			c->body_left -= k;
			memmove(c->in, c->in + k, c->inlen - k);
			c->inlen -= k;
		}
		if (c->state == CONN_BODY && !c->body_left)
			body_done(c);
	}
	return true;
}

/* Reads what is there; false on EOF or error. */
static bool conn_read(struct server *s, struct conn *c)
{
	static uint8_t bodybuf[1 << 16];

	for (;;) {
		ssize_t n = -1;

		if (c->state == CONN_BODY && !c->inlen) {
			/* large bodies bypass c->in */
			size_t want = c->body_left < sizeof(bodybuf) ?
				      (size_t)c->body_left : sizeof(bodybuf);

			n = usn_recv(c->fd, bodybuf, want, 0);
			if (n > 0) {
				sha256_update(&c->sha, bodybuf, (size_t)n);
				s->bytes_in += (uint64_t)n;
				c->body_left -= (uint64_t)n;
				if (!c->body_left) {
					body_done(c);
					return true;
				}
				continue;
			}
		} else if (c->state != CONN_WRITE && c->inlen < HEAD_MAX - 1) {
			n = usn_recv(c->fd, c->in + c->inlen,
				     HEAD_MAX - 1 - c->inlen, 0);
			if (n > 0) {
				c->inlen += (size_t)n;
				conn_process(s, c);
				continue;
			}
		} else {
			return true;
		}
		if (n == 0)
			return false;
		if (errno == EAGAIN || errno == EINTR)
			return true;
		s->errors++;
		return false;
	}
}

/* Writes what it can; false when the connection must close. */
static bool conn_write(struct server *s, struct conn *c)
{
	while (c->state == CONN_WRITE) {
		const void *p;
		size_t len;
		ssize_t n;

		if (c->outoff < c->outlen) {
			p = c->out + c->outoff;
			len = c->outlen - c->outoff;
		} else if (c->gen_off < c->gen_len) {
			len = (size_t)(c->gen_len - c->gen_off);
			p = http_body_at(c->gen_off, &len);
		} else {
			/* response done: next request, or close */
			if (!c->keepalive)
				return false;
			c->state = CONN_HEAD;
			return conn_process(s, c);
		}
		n = usn_send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			s->errors++;
			return false;
		}
		s->bytes_out += (uint64_t)n;
		if (c->outoff < c->outlen)
			c->outoff += (size_t)n;
		else
			c->gen_off += (uint64_t)n;
	}
	return true;
}

static void accept_all(struct server *s, double now)
{
	for (;;) {
		struct conn *c;
		int fd = usn_accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fprintf(stderr, "accept: %s\n", strerror(errno));
			return;
		}
		if (s->nconns == s->maxconns || !(c = calloc(1, sizeof(*c)))) {
			usn_close(fd);
			s->errors++;
			continue;
		}
		c->fd = fd;
		c->state = CONN_HEAD;
		c->last = now;
		s->conns[s->nconns++] = c;
		s->accepted++;
		if (s->nconns > s->peak)
			s->peak = s->nconns;
	}
}

static int serve(int port, double seconds)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	struct server s = { 0 };
	double end = seconds > 0 ? http_now() + seconds : 0;
	struct rlimit rl;
	int one = 1;

	/* every usnet socket is a kernel descriptor too */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	s.maxconns = rl.rlim_cur > 64 ? (unsigned int)(rl.rlim_cur - 32) : 32;
	if (s.maxconns > 16384)
		s.maxconns = 16384;
	s.conns = calloc(s.maxconns, sizeof(*s.conns));
	s.pfd = calloc(s.maxconns + 1, sizeof(*s.pfd));
	s.lfd = usn_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (!s.conns || !s.pfd || s.lfd < 0 ||
	    usn_setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    usn_bind(s.lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    usn_listen(s.lfd, 4096)) {
		fprintf(stderr, "listen on port %d: %s\n", port, strerror(errno));
		return -1;
	}
	printf("LISTENING %d\n", port);
	fflush(stdout);
	while (!stopping && (!end || http_now() < end)) {
		double now;
		int n;

		s.pfd[0] = (struct pollfd){ .fd = s.lfd, .events = POLLIN };
		for (unsigned int i = 0; i < s.nconns; i++)
			s.pfd[i + 1] = (struct pollfd){
				.fd = s.conns[i]->fd,
				.events = s.conns[i]->state == CONN_WRITE ?
					  POLLOUT : POLLIN,
			};
		n = usn_poll(s.pfd, s.nconns + 1, 200);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "poll: %s\n", strerror(errno));
			break;
		}
		now = http_now();
		/* backwards: conn_close moves the last connection into i */
		for (unsigned int i = s.nconns; i-- > 0;) {
			struct conn *c = s.conns[i];
			short re = s.pfd[i + 1].revents;
			bool ok = true;

			if (n > 0 && re) {
				c->last = now;
				if (re & (POLLIN | POLLHUP | POLLERR))
					ok = conn_read(&s, c);
				if (ok && c->state == CONN_WRITE)
					ok = conn_write(&s, c);
			} else if (now - c->last > IDLE_SECONDS) {
				ok = false;
			}
			if (!ok)
				conn_close(&s, i);
		}
		if (n > 0 && s.pfd[0].revents)
			accept_all(&s, now);
	}
	while (s.nconns)
		conn_close(&s, s.nconns - 1);
	usn_close(s.lfd);
	printf("SERVED connections %llu peak %u requests %llu bytes-out %llu "
	       "bytes-in %llu errors %llu\n", s.accepted, s.peak, s.requests,
	       s.bytes_out, s.bytes_in, s.errors);
	free(s.conns);
	free(s.pfd);
	return 0;
}

/* --memlink: the server in a thread of its own namespace. */
struct memlink_run {
	struct usn_net	*net;
	int		port;
};

static void *server_thread(void *arg)
{
	struct memlink_run *m = arg;

	usn_setns(m->net);
	serve(m->port, 0);
	return NULL;
}

static int run_memlink(unsigned int mtu, int port, long long get, long long post)
{
	struct usn_net *snet, *cnet;
	struct memlink_run m = { .port = port };
	struct http_result res;
	pthread_t t;
	char url[128];
	int ifindex, rc = 0;

	if (http_memlink_pair(mtu, &snet, &cnet, &ifindex))
		return 1;
	m.net = snet;
	if (pthread_create(&t, NULL, server_thread, &m)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	usn_setns(cnet);
	snprintf(url, sizeof(url), "http://%s:%d/bytes/%lld",
		 HTTP_MEMLINK_SERVER, port, get);
	for (int tries = 0; tries < 50; tries++) {	/* until it listens */
		if (!http_fetch(url, -1, NULL, 30, &res))
			break;
		usleep(100 * 1000);
	}
	http_print_result(stdout, "GET", &res);
	if (res.status != 200 || res.bytes != (uint64_t)get)
		rc = 1;
	snprintf(url, sizeof(url), "http://%s:%d/upload", HTTP_MEMLINK_SERVER, port);
	if (http_fetch(url, post, NULL, 30, &res))
		rc = 1;
	http_print_result(stdout, "POST", &res);
	stopping = 1;
	pthread_join(t, NULL);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: http_server --tap NAME --addr A.B.C.D/LEN [--port P] "
		"[--pcap FILE] [--seconds S] [--impair LOSS,DELAY_MS,REORDER]\n"
		"       http_server --memlink [--mtu M] [--port P] [--get N] [--post N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 's' },
		{ "memlink", no_argument, NULL, 'm' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "get", required_argument, NULL, 'g' },
		{ "post", required_argument, NULL, 'P' },
		{ "impair", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tap = NULL, *addr = NULL, *pcap = NULL;
	long long get = (long long)HTTP_FILE_SIZE, post = (long long)HTTP_FILE_SIZE;
	unsigned int mtu = 1500;
	double seconds = 0;
	bool memlink = false, impaired = false;
	struct http_impair imp;
	struct usn_net *host;
	char host_addr[16];
	int port = 8080, opt, ifindex, rc;
	struct sigaction sa = { .sa_handler = on_signal };

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': tap = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'w': pcap = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'm': memlink = true; break;
		case 'M': mtu = (unsigned int)atoi(optarg); break;
		case 'g': get = atoll(optarg); break;
		case 'P': post = atoll(optarg); break;
		case 'i':
			if (http_parse_impair(optarg, &imp))
				usage();
			impaired = true;
			break;
		default: usage();
		}
	}
	if (optind != argc || port <= 0 || port > 65535 ||
	    (!memlink && (!tap || !addr)))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	http_body_init();
	if (memlink)
		return run_memlink(mtu, port, get, post);
	if (impaired) {
		if (pcap) {
			fprintf(stderr, "--pcap and --impair do not mix\n");
			return 2;
		}
		if (http_attach_impaired(usn_net_default(), tap, addr, &imp,
					 &host, host_addr))
			return 1;
		printf("IMPAIRED serving on %s\n", host_addr);
		usn_setns(host);
		return serve(port, seconds) ? 1 : 0;
	}
	ifindex = http_attach_tap(usn_net_default(), tap, addr);
	if (ifindex < 0)
		return 1;
	if (pcap && usn_link_pcap(usn_net_default(), ifindex, pcap) < 0) {
		fprintf(stderr, "pcap %s: %s\n", pcap, strerror(errno));
		return 1;
	}
	rc = serve(port, seconds);
	if (pcap)
		usn_link_pcap(usn_net_default(), ifindex, NULL);
	return rc ? 1 : 0;
}
