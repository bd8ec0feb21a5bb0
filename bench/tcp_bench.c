/* SPDX-License-Identifier: MIT */
/*
 * tcp_bench - TCP in one process, usnet against the Linux kernel, in the
 * same run: each measurement runs on the kernel's loopback and on usnet
 * (two namespaces joined by a memlink, threaded mode), and prints both
 * figures and their ratio.
 *
 *   tcp_bench bulk [SECONDS] [MTU]   bulk throughput, one connection
 *   tcp_bench rr [SECONDS] [SIZE]    request/response transactions per second
 *   tcp_bench crr [SECONDS]          connections opened, used once, closed per second
 *   tcp_bench mem [CONNECTIONS]      memory per idle established connection
 *   tcp_bench all                    all of the above with the sizes
 *
 * Every loop is bounded in time and stops by itself; all traffic stays on
 * loopback or inside usnet's namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usnet/usnet.h>

/* The calls a benchmark makes, so one body runs on either stack. */
struct stack {
	const char *name;
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	int (*close)(int);
	int (*shutdown)(int, int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	struct usn_net *server_ns, *client_ns;	/* usnet only */
	const char *server_addr;
};

static const struct stack kernel = {
	"kernel", socket, bind, listen, accept, connect, send, recv, close,
	shutdown, setsockopt, NULL, NULL, "127.0.0.1",
};

static struct stack usnet = {
	"usnet", usn_socket, usn_bind, usn_listen, usn_accept, usn_connect,
	usn_send, usn_recv, usn_close, usn_shutdown, usn_setsockopt, NULL, NULL, "10.0.0.2",
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void enter(const struct stack *s, struct usn_net *ns)
{
	if (ns)
		usn_setns(ns);
}

/*
 * Ends a server blocked in accept() on @lfd, then closes it: close() alone
 * does not wake a thread blocked on the descriptor (on either stack), a
 * shutdown of the listener does (accept fails with EINVAL).
 */
static void close_listener(const struct stack *s, int lfd)
{
	enter(s, s->server_ns);
	s->shutdown(lfd, SHUT_RDWR);
	s->close(lfd);
}

struct server_arg {
	const struct stack *s;
	int lfd;
	size_t size;		/* rr: reply size; 0: bulk sink */
	double seconds;
	int conns;		/* crr: serve until closed */
};

static int listener(const struct stack *s, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, one = 1;

	enter(s, s->server_ns);
	inet_pton(AF_INET, s->server_addr, &a.sin_addr);
	fd = s->socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	s->setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s->bind(fd, (struct sockaddr *)&a, sizeof(a)) || s->listen(fd, 1024)) {
		int err = -errno;

		s->close(fd);
		return err;
	}
	return fd;
}

static int dial(const struct stack *s, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd, one = 1;

	enter(s, s->client_ns);
	inet_pton(AF_INET, s->server_addr, &a.sin_addr);
	fd = s->socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	s->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		s->close(fd);
		return err;
	}
	return fd;
}

/* Reads and echoes (rr) or sinks (bulk) until the peer closes. */
static void *serve(void *p)
{
	struct server_arg *a = p;
	const struct stack *s = a->s;
	static __thread char buf[1 << 16];

	enter(s, s->server_ns);
	for (;;) {
		int fd = s->accept(a->lfd, NULL, NULL), one = 1;
		ssize_t n;

		if (fd < 0)
			break;
		s->setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = s->recv(fd, buf, a->size ? a->size : sizeof(buf), 0)) > 0)
			if (a->size && s->send(fd, buf, (size_t)n, 0) != n)
				break;
		s->close(fd);
		if (!a->conns)
			break;
	}
	return NULL;
}

/* Bulk: bytes per second through one connection for @seconds. */
static double bulk(const struct stack *s, double seconds, int port)
{
	struct server_arg a = { s, listener(s, port), 0, seconds, 0 };
	static char buf[1 << 16];
	pthread_t t;
	double t0, sent = 0;
	int fd;

	if (a.lfd < 0)
		return a.lfd;
	pthread_create(&t, NULL, serve, &a);
	fd = dial(s, port);
	if (fd < 0) {
		close_listener(s, a.lfd);
		pthread_join(t, NULL);
		return fd;
	}
	t0 = now();
	while (now() - t0 < seconds) {
		ssize_t n = s->send(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		sent += (double)n;
	}
	t0 = now() - t0;
	s->close(fd);
	pthread_join(t, NULL);
	s->close(a.lfd);
	return sent * 8 / t0;
}

/* Request/response: transactions per second of @size bytes each way. */
static double rr(const struct stack *s, double seconds, size_t size, int port)
{
	struct server_arg a = { s, listener(s, port), size, seconds, 0 };
	char buf[1024] = { 0 };
	pthread_t t;
	double t0, n = 0;
	int fd;

	if (a.lfd < 0)
		return a.lfd;
	pthread_create(&t, NULL, serve, &a);
	fd = dial(s, port);
	if (fd < 0) {
		close_listener(s, a.lfd);
		pthread_join(t, NULL);
		return fd;
	}
	t0 = now();
	while (now() - t0 < seconds) {
		size_t got = 0;

		if (s->send(fd, buf, size, 0) != (ssize_t)size)
			break;
		while (got < size) {
			ssize_t r = s->recv(fd, buf, size - got, 0);

			if (r <= 0)
				goto out;
			got += (size_t)r;
		}
		n++;
	}
out:
	t0 = now() - t0;
	s->close(fd);
	pthread_join(t, NULL);
	s->close(a.lfd);
	return n / t0;
}

/* Connect/request/response/close: connections per second. */
static double crr(const struct stack *s, double seconds, int port)
{
	struct server_arg a = { s, listener(s, port), 1, seconds, 1 };
	pthread_t t;
	double t0, n = 0;
	char c = 'x';

	if (a.lfd < 0)
		return a.lfd;
	pthread_create(&t, NULL, serve, &a);
	t0 = now();
	while (now() - t0 < seconds) {
		int fd = dial(s, port);

		if (fd < 0 || s->send(fd, &c, 1, 0) != 1 || s->recv(fd, &c, 1, 0) != 1) {
			if (fd >= 0)
				s->close(fd);
			break;
		}
		s->close(fd);
		n++;
	}
	t0 = now() - t0;
	close_listener(s, a.lfd);
	pthread_join(t, NULL);
	return n / t0;
}

/* ---- memory per idle connection ---------------------------------------- */

/* A field of /proc/meminfo in bytes, or -1. */
static long long meminfo(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = atoll(line + len + 1) * 1024;
			break;
		}
	fclose(f);
	return v;
}

/* /proc/net/sockstat "TCP: ... mem P" in bytes (P pages), or -1. */
static long long sockstat_tcp_mem(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/net/sockstat", "r");
	char *m;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TCP:", 4) && (m = strstr(line, " mem ")))
			v = atoll(m + 5) * sysconf(_SC_PAGESIZE);
	fclose(f);
	return v;
}

struct mem_sample {
	long long slab, tcp_mem, heap;
};

static void mem_sample(struct mem_sample *m)
{
	struct mallinfo2 mi = mallinfo2();

	m->slab = meminfo("Slab");
	m->tcp_mem = sockstat_tcp_mem();
	m->heap = (long long)mi.uordblks;
}

/*
 * Opens @n connections to a listener of @s and leaves them idle; @fds gets
 * the 2 * @n descriptors (client, server). Returns the count opened.
 */
static int open_idle(const struct stack *s, int lfd, int port, int n, int *fds)
{
	int i;

	for (i = 0; i < n; i++) {
		fds[2 * i] = dial(s, port);
		if (fds[2 * i] < 0)
			break;
		enter(s, s->server_ns);
		fds[2 * i + 1] = s->accept(lfd, NULL, NULL);
		if (fds[2 * i + 1] < 0) {
			s->close(fds[2 * i]);
			break;
		}
	}
	return i;
}

static void close_idle(const struct stack *s, int *fds, int n)
{
	for (int i = 0; i < 2 * n; i++) {
		enter(s, i & 1 ? s->server_ns : s->client_ns);
		s->close(fds[i]);
	}
}

/* tcp_bench_sizes.c: the sizes of the objects an idle socket holds. */
void mem_breakdown(double per_socket);

/*
 * Memory per idle established connection (both ends in this process, so a
 * connection is two sockets): the kernel's by its own accounting (the Slab
 * line of /proc/meminfo, which moves with everything else on the machine,
 * and sockstat's TCP buffer pages), usnet's by the growth of the malloc
 * heap (mallinfo2; main() keeps one arena so the stack threads' allocations
 * are in it). Not counted for usnet: the sk_buff pool (no public API; idle
 * sockets hold no buffers) and the kernel descriptor each usnet fd reserves.
 */
static void mem(int n, int port)
{
	struct mem_sample k0, k1, u0, u1;
	int *fds = calloc(2 * (size_t)n, sizeof(int));
	int lfd, nk, nu;
	double pk, pu;

	if (!fds)
		return;
	lfd = listener(&kernel, port);
	if (lfd < 0)
		goto out;
	usleep(200000);
	mem_sample(&k0);
	nk = open_idle(&kernel, lfd, port, n, fds);
	usleep(200000);		/* let delayed ACKs and softirqs settle */
	mem_sample(&k1);
	close_idle(&kernel, fds, nk);
	kernel.close(lfd);

	lfd = listener(&usnet, port);
	if (lfd < 0)
		goto out;
	usleep(200000);
	mem_sample(&u0);
	nu = open_idle(&usnet, lfd, port, n, fds);
	usleep(200000);
	mem_sample(&u1);
	close_idle(&usnet, fds, nu);
	usnet.close(lfd);

	printf("idle connections: kernel %d, usnet %d (of %d asked; 2 sockets each)\n",
	       nk, nu, n);
	if (!nk || !nu)
		goto out;
	pk = (double)(k1.slab - k0.slab) / nk;
	pu = (double)(u1.heap - u0.heap) / nu;
	printf("%-28s kernel %12.0f bytes  (sockstat TCP mem %+lld bytes in all)\n",
	       "kernel Slab per connection", pk, k1.tcp_mem - k0.tcp_mem);
	printf("%-28s usnet  %12.0f bytes  (malloc heap %+lld bytes in all)\n",
	       "usnet heap per connection", pu, u1.heap - u0.heap);
	printf("%-28s %.2f usnet/kernel\n", "memory per connection", pk > 0 ? pu / pk : 0);
	mem_breakdown(pu / 2);
out:
	free(fds);
}

static int usnet_setup(unsigned int mtu)
{
	struct usn_memlink_params p = { .mtu = mtu };
	uint32_t a = inet_addr("10.0.0.1"), b = inet_addr("10.0.0.2");
	int ifx[2];

	usnet.client_ns = usn_net_create("client", 0);
	usnet.server_ns = usn_net_create("server", 0);
	if (!usnet.client_ns || !usnet.server_ns ||
	    usn_memlink_create(usnet.client_ns, "ml0", usnet.server_ns, "ml0", &p, ifx) ||
	    usn_addr_add(usnet.client_ns, ifx[0], AF_INET, &a, 24) ||
	    usn_addr_add(usnet.server_ns, ifx[1], AF_INET, &b, 24) ||
	    usn_link_set_up(usnet.client_ns, ifx[0], 1) ||
	    usn_link_set_up(usnet.server_ns, ifx[1], 1))
		return -1;
	return 0;
}

/* @k, @u: the kernel's and usnet's figures, or -errno; shown divided by @scale. */
static void report(const char *what, const char *unit, double scale, double k,
		   double u)
{
	if (k > 0)
		k /= scale;
	if (u > 0)
		u /= scale;
	printf("%-28s kernel %12.1f %-7s usnet ", what, k, unit);
	if (u < 0)
		printf("%12s          (%s)\n", "-", strerror((int)-u));
	else
		printf("%12.1f %-7s ratio %.2f\n", u, unit, k > 0 ? u / k : 0);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";
	double secs = argc > 2 ? atof(argv[2]) : 3;
	unsigned int mtu = argc > 3 ? (unsigned int)atoi(argv[3]) : 1500;
	struct rlimit rl;
	double k, u;

	/* One malloc arena: mallinfo2() then sees the stack threads' heap too. */
	mallopt(M_ARENA_MAX, 1);
	/* mem: four descriptors per connection (two each stack's, two usnet's kernel fds). */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (usnet_setup(strcmp(what, "bulk") ? 1500 : mtu)) {
		fprintf(stderr, "tcp_bench: usnet set-up: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(what, "mem"))
		printf("tcp_bench: %s, %.1f s per measurement; kernel on loopback, usnet over a memlink\n",
		       what, secs);
	/* Kernel, then usnet: as call arguments the order is the compiler's. */
	if (!strcmp(what, "bulk") || !strcmp(what, "all")) {
		k = bulk(&kernel, secs, 5001);
		u = bulk(&usnet, secs, 5001);
		report("bulk, one connection", "Mbit/s", 1e6, k, u);
	}
	if (!strcmp(what, "rr") || !strcmp(what, "all")) {
		size_t size = argc > 3 && !strcmp(what, "rr") ? (size_t)atoi(argv[3]) : 1;

		k = rr(&kernel, secs, size, 5002);
		u = rr(&usnet, secs, size, 5002);
		report("request/response 1 B", "tx/s", 1, k, u);
		if (!strcmp(what, "all")) {
			k = rr(&kernel, secs, 1024, 5003);
			u = rr(&usnet, secs, 1024, 5003);
			report("request/response 1 KiB", "tx/s", 1, k, u);
		}
	}
	if (!strcmp(what, "crr") || !strcmp(what, "all")) {
		k = crr(&kernel, secs, 5004);
		u = crr(&usnet, secs, 5004);
		report("connect/request/close", "conn/s", 1, k, u);
	}
	if (!strcmp(what, "mem") || !strcmp(what, "all"))
		mem(!strcmp(what, "mem") && argc > 2 ? atoi(argv[2]) : 2000, 5005);
	return 0;
}
