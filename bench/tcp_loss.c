/* SPDX-License-Identifier: MIT */
/*
 * tcp_loss - goodput of one TCP connection against loss, reordering and
 * duplication, in simulated time.
 *
 * Two namespaces "a" (10.0.0.1) and "b" (10.0.0.2) on a memlink (MTU 1500,
 * 1 Gbit/s, 5 ms one way, a queue of 4096 frames: more than the largest
 * window the default buffers allow, so the queue itself never drops). One
 * connection carries N bytes of a deterministic pattern from a to b; the
 * receiver hashes what arrives and compares it with the sender's hash of
 * what it sent. Each impairment row runs once per seed; the first row runs
 * a second time with the first seed, and its virtual time and counters must
 * come out identical (DETERMINISTIC ok/FAILED).
 *
 *   tcp_loss [--bytes N] [--seeds K] [--seed S] [--rows a,b,..]
 *            [--both-ways] [--vlimit SECONDS] [--wall-limit SECONDS]
 *            [--trace MS] [--rmem "MIN DEF MAX"] [--wmem "MIN DEF MAX"]
 *
 * N takes a K/M/G suffix (powers of two; default 1G). Rows: loss0 loss1
 * loss5 loss20 reorder10 dup5 (default all). --trace prints the sender's
 * and the receiver's TCP_INFO every MS milliseconds of virtual time.
 * --rmem/--wmem set net.ipv4.tcp_rmem in b and net.ipv4.tcp_wmem in a
 * before the connection is made (default: the stack's, Linux's).
 *
 * How it runs. Every run is a child process, because the seed is the
 * process's (usn_init, once) and the namespaces' random sources depend on
 * their creation order: a fresh process per run is what makes two runs
 * with one seed comparable. The child is one simulated thread: the handshake
 * uses blocking connect/accept (a blocking call runs the simulator until it
 * can return) on a clean link, then the impairments are set on the data
 * direction (a -> b; with --both-ways on the ACKs too) and the transfer
 * alternates non-blocking sends on a and receives on b; when neither can
 * move, usn_poll() on both with a 100 ms timeout runs the simulator to the
 * next event that makes one of them ready. Goodput is the payload bytes
 * over the virtual time from the first send to the last byte received.
 *
 * Every run is bounded: it fails after --vlimit seconds of virtual time
 * (default 14400: 1 GiB at 20% loss with the default buffers needs
 * about 1.5 hours of virtual time) or --wall-limit seconds of wall-clock time (default 600),
 * and the parent kills a child that outlives the wall limit by a minute.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/tcp.h>		/* struct tcp_info up to tcpi_snd_wnd */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <usnet/usnet.h>

#define NSEC		1000000000ULL
#define MSEC		1000000ULL
#define PORT		5001
#define CHUNK		65536

struct row {
	const char	*name;
	double		loss, reorder, duplicate;
	uint64_t	reorder_delay_ns;
};

static const struct row rows[] = {
	{ "loss0",	0,	0,	0,	0 },
	{ "loss1",	0.01,	0,	0,	0 },
	{ "loss5",	0.05,	0,	0,	0 },
	{ "loss20",	0.20,	0,	0,	0 },
	{ "reorder10",	0,	0.10,	0,	2 * MSEC },
	{ "dup5",	0,	0,	0.05,	0 },
};

#define NROWS	(sizeof(rows) / sizeof(rows[0]))

struct opts {
	uint64_t	bytes;
	unsigned int	seeds;
	uint64_t	seed;
	bool		both_ways;
	double		vlimit, wall_limit;
	unsigned int	trace_ms;
	const char	*rmem;		/* net.ipv4.tcp_rmem for b, or NULL */
	const char	*wmem;		/* net.ipv4.tcp_wmem for a, or NULL */
	bool		want[NROWS];
};

/* What a child sends back through its pipe. */
struct result {
	int		ok;		/* 1: every byte arrived, hashes equal */
	char		err[120];
	uint64_t	bytes, vtime_ns;
	uint64_t	hash_tx, hash_rx;
	uint64_t	retrans, rto, sack_rec, probes, undo;
	uint64_t	wire_lost, queue_drops;
	double		wall;
};

/* ---- the stream ---------------------------------------------------------- */

/* Byte i of the stream is byte (i & 7) of mix(i >> 3): cheap, aperiodic. */
static inline uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fill(uint8_t *p, uint64_t off, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t w = mix((off + i) >> 3);

		for (unsigned int s = (off + i) & 7; s < 8 && i < n; s++, i++)
			p[i] = (uint8_t)(w >> (s * 8));
	}
}

/* FNV-1a, over the bytes in stream order (independent of the chunking). */
#define FNV_INIT	0xcbf29ce484222325ULL

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- one run, in a child ----------------------------------------------- */

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct usn_memlink_params link_params(const struct row *r)
{
	struct usn_memlink_params p;

	memset(&p, 0, sizeof(p));
	p.mtu = 1500;
	p.rate_bps = 1000000000ULL;
	p.delay_ns = 5 * MSEC;
	p.queue_len = 4096;
	if (r) {
		p.loss = r->loss;
		p.reorder = r->reorder;
		p.reorder_delay_ns = r->reorder_delay_ns;
		p.duplicate = r->duplicate;
	}
	return p;
}

static int fail(struct result *res, const char *what, int err)
{
	snprintf(res->err, sizeof(res->err), "%s: %s", what, strerror(err));
	return -1;
}

static uint64_t counter(struct usn_net *net, const char *name)
{
	uint64_t v = 0;

	usn_snmp(net, name, &v);
	return v;
}

/* Drops of @net's end of the link whose reason is called @reason. */
static uint64_t link_drops(struct usn_net *net, int ifindex, const char *reason)
{
	struct usn_link_stats st;
	const char *name;

	memset(&st, 0, sizeof(st));
	if (usn_link_stats(net, ifindex, &st))
		return 0;
	for (int i = 0; i < USN_DROP_REASON_MAX &&
	     (name = usn_drop_reason_name(i)); i++)
		if (!strcmp(name, reason))
			return st.drops[i];
	return 0;
}

static int setup(struct usn_net **a, struct usn_net **b, int ifx[2])
{
	struct usn_memlink_params p = link_params(NULL);
	uint32_t aa = inet_addr("10.0.0.1"), ab = inet_addr("10.0.0.2");

	*a = usn_net_create("a", 0);
	*b = usn_net_create("b", 0);
	if (!*a || !*b || usn_memlink_create(*a, "ml0", *b, "ml0", &p, ifx) ||
	    usn_addr_add(*a, ifx[0], AF_INET, &aa, 24) ||
	    usn_addr_add(*b, ifx[1], AF_INET, &ab, 24) ||
	    usn_link_set_up(*a, ifx[0], 1) || usn_link_set_up(*b, ifx[1], 1))
		return -1;
	return 0;
}

/* A connection a -> b made on the clean link: *@tx in a, *@rx in b. */
static int connect_pair(struct usn_net *a, struct usn_net *b, int *tx, int *rx)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int l, one = 1;

	usn_setns(b);
	l = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	usn_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (usn_bind(l, (struct sockaddr *)&sin, sizeof(sin)) || usn_listen(l, 8))
		return -1;
	usn_setns(a);
	sin.sin_addr.s_addr = inet_addr("10.0.0.2");
	*tx = usn_socket(AF_INET, SOCK_STREAM, 0);
	if (*tx < 0 || usn_connect(*tx, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	usn_setns(b);
	*rx = usn_accept(l, NULL, NULL);
	if (*rx < 0)
		return -1;
	usn_close(l);
	return 0;
}

static int tcp_info(struct usn_net *net, int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	usn_setns(net);
	return usn_getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

/* One line of --trace: where the connection stands at virtual time @t. */
static void trace(struct usn_net *a, int tx, struct usn_net *b, int rx,
		  uint64_t t, uint64_t got)
{
	struct tcp_info s, r;

	tcp_info(a, tx, &s);
	tcp_info(b, rx, &r);
	printf("  t=%8.3f got=%11" PRIu64 " cwnd=%5u ssthresh=%10u ca=%u "
	       "rtt=%6u us unacked=%5u lost=%4u sacked=%5u snd_wnd=%8u | rx "
	       "rcv_space=%8u rcv_ssthresh=%8u\n", t / 1e9, got, s.tcpi_snd_cwnd,
	       s.tcpi_snd_ssthresh, s.tcpi_ca_state, s.tcpi_rtt,
	       s.tcpi_unacked, s.tcpi_lost, s.tcpi_sacked, s.tcpi_snd_wnd,
	       r.tcpi_rcv_space, r.tcpi_rcv_ssthresh);
	fflush(stdout);
}

/*
 * Moves @total bytes from @tx (in @a) to @rx (in @b). Non-blocking calls on
 * both ends; when neither moves, usn_poll() runs the simulator until one
 * can. Fails after @vlimit ns of virtual or @wlimit s of wall time.
 */
static int transfer(struct usn_net *a, int tx, struct usn_net *b, int rx,
		    const struct opts *o, struct result *res)
{
	uint64_t total = o->bytes, vlimit = (uint64_t)(o->vlimit * 1e9);
	uint64_t tstep = o->trace_ms * MSEC, tnext = tstep;
	double wlimit = o->wall_limit;
	static uint8_t out[CHUNK], in[CHUNK];
	uint64_t sent = 0, got = 0, out_off = 0, out_len = 0;
	uint64_t ht = FNV_INIT, hr = FNV_INIT, t0 = usn_sim_now();
	double w0 = wall_now();

	while (got < total) {
		struct pollfd pfd[2];
		bool progress = false;
		ssize_t n;

		usn_setns(a);
		while (sent < total) {
			if (sent >= out_off + out_len) {
				out_off = sent;
				out_len = total - sent < CHUNK ? total - sent : CHUNK;
				fill(out, out_off, (size_t)out_len);
			}
			n = usn_send(tx, out + (sent - out_off),
				     (size_t)(out_off + out_len - sent),
				     MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0)
				return fail(res, "send", n < 0 ? errno : EPIPE);
			ht = fnv1a(ht, out + (sent - out_off), (size_t)n);
			sent += (uint64_t)n;
			progress = true;
		}
		usn_setns(b);
		for (;;) {
			n = usn_recv(rx, in, sizeof(in), MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n < 0)
				return fail(res, "recv", errno);
			if (n == 0)
				return fail(res, "recv: early end of stream", EPIPE);
			if (got + (uint64_t)n > total)
				return fail(res, "recv: more bytes than sent", EPROTO);
			hr = fnv1a(hr, in, (size_t)n);
			got += (uint64_t)n;
			progress = true;
		}
		if (tstep && usn_sim_now() - t0 >= tnext) {
			trace(a, tx, b, rx, usn_sim_now() - t0, got);
			tnext += tstep;
		}
		if (usn_sim_now() - t0 > vlimit) {
			snprintf(res->err, sizeof(res->err),
				 "virtual time limit: %" PRIu64 " of %" PRIu64
				 " bytes after %.0f s", got, total,
				 (usn_sim_now() - t0) / 1e9);
			return -1;
		}
		if (wall_now() - w0 > wlimit) {
			snprintf(res->err, sizeof(res->err),
				 "wall-clock limit: %" PRIu64 " of %" PRIu64
				 " bytes after %.0f s virtual", got, total,
				 (usn_sim_now() - t0) / 1e9);
			return -1;
		}
		if (progress || got == total)
			continue;
		pfd[0].fd = sent < total ? tx : -1;
		pfd[0].events = POLLOUT;
		pfd[1].fd = rx;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (usn_poll(pfd, 2, 100) < 0)
			return fail(res, "poll", errno);
		if ((pfd[0].revents | pfd[1].revents) & (POLLERR | POLLNVAL))
			return fail(res, "poll: socket error", EIO);
	}
	res->vtime_ns = usn_sim_now() - t0;
	res->bytes = got;
	res->hash_tx = ht;
	res->hash_rx = hr;
	res->ok = sent == total && got == total && ht == hr;
	if (!res->ok)
		snprintf(res->err, sizeof(res->err), "hash mismatch");
	return res->ok ? 0 : -1;
}

static void run_child(const struct opts *o, const struct row *r, uint64_t seed,
		      struct result *res)
{
	struct usn_memlink_params p;
	struct usn_config cfg;
	struct usn_net *a, *b;
	int ifx[2], tx, rx;
	double w0 = wall_now();

	usn_config_init(&cfg);
	cfg.mode = USN_MODE_SIMULATED;
	cfg.seed = seed;
	if (usn_init(&cfg)) {
		fail(res, "usn_init", errno);
		return;
	}
	if (setup(&a, &b, ifx)) {
		fail(res, "set-up", errno);
		return;
	}
	if ((o->rmem && usn_sysctl(b, "net.ipv4.tcp_rmem", NULL, NULL, o->rmem)) ||
	    (o->wmem && usn_sysctl(a, "net.ipv4.tcp_wmem", NULL, NULL, o->wmem))) {
		fail(res, "sysctl", errno);
		return;
	}
	if (connect_pair(a, b, &tx, &rx)) {
		fail(res, "connect", errno);
		return;
	}
	p = link_params(r);
	if (usn_memlink_set_params(a, ifx[0], &p)) {
		fail(res, "link impairments", errno);
		return;
	}
	if (o->both_ways && usn_memlink_set_params(b, ifx[1], &p)) {
		fail(res, "link impairments", errno);
		return;
	}
	transfer(a, tx, b, rx, o, res);
	res->retrans = counter(a, "Tcp.RetransSegs");
	res->rto = counter(a, "TcpExt.TCPTimeouts");
	res->sack_rec = counter(a, "TcpExt.TCPSackRecovery");
	res->probes = counter(a, "TcpExt.TCPLossProbes");
	res->undo = counter(a, "TcpExt.TCPLossUndo") +
		    counter(a, "TcpExt.TCPFullUndo") +
		    counter(a, "TcpExt.TCPPartialUndo") +
		    counter(a, "TcpExt.TCPDSACKUndo");
	res->wire_lost = link_drops(a, ifx[0], "lost on the wire");
	res->queue_drops = link_drops(a, ifx[0], "transmit queue full") +
			   link_drops(b, ifx[1], "transmit queue full");
	res->wall = wall_now() - w0;
}

/* Runs @r with @seed in a child process; 0 when it ran (ok or not). */
static int run(const struct opts *o, const struct row *r, uint64_t seed,
	       struct result *res)
{
	int fd[2], status;
	size_t have = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(fd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		run_child(o, r, seed, res);
		if (write(fd[1], res, sizeof(*res)) != (ssize_t)sizeof(*res))
			_exit(2);
		_exit(0);
	}
	close(fd[1]);
	while (have < sizeof(*res)) {
		struct pollfd pfd = { .fd = fd[0], .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, (int)((o->wall_limit + 120) * 1000)) <= 0) {
			kill(pid, SIGKILL);	/* the child outlived its own limit */
			snprintf(res->err, sizeof(res->err), "killed: no answer");
			break;
		}
		n = read(fd[0], (char *)res + have, sizeof(*res) - have);
		if (n <= 0) {
			snprintf(res->err, sizeof(res->err), "child died");
			break;
		}
		have += (size_t)n;
	}
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (have < sizeof(*res))
		res->ok = 0;
	return 0;
}

/* ---- the table ----------------------------------------------------------- */

static void print_header(void)
{
	printf("%-10s %6s %11s %10s %8s %6s %6s %6s %6s %8s %6s %6s  %s\n",
	       "row", "seed", "virtual s", "Mbit/s", "retrans", "RTOs",
	       "SACKrc", "TLPs", "undos", "wirelost", "qdrops", "wall s",
	       "hash");
}

static void print_result(const struct row *r, uint64_t seed,
			 const struct result *res)
{
	double mbit = res->vtime_ns ?
		      res->bytes * 8.0 / (res->vtime_ns / 1e9) / 1e6 : 0;

	printf("%-10s %6" PRIu64 " %11.3f %10.2f %8" PRIu64 " %6" PRIu64
	       " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %8" PRIu64 " %6" PRIu64
	       " %6.1f  %s%s\n",
	       r->name, seed, res->vtime_ns / 1e9, mbit, res->retrans,
	       res->rto, res->sack_rec, res->probes, res->undo, res->wire_lost,
	       res->queue_drops, res->wall, res->ok ? "hash ok" : "FAILED: ",
	       res->ok ? "" : res->err);
	fflush(stdout);
}

static bool same_run(const struct result *x, const struct result *y)
{
	return x->ok == y->ok && x->vtime_ns == y->vtime_ns &&
	       x->bytes == y->bytes && x->hash_rx == y->hash_rx &&
	       x->retrans == y->retrans && x->rto == y->rto &&
	       x->sack_rec == y->sack_rec && x->probes == y->probes &&
	       x->undo == y->undo && x->wire_lost == y->wire_lost &&
	       x->queue_drops == y->queue_drops;
}

static int parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': case 'k': n <<= 10; end++; break;
	case 'M': case 'm': n <<= 20; end++; break;
	case 'G': case 'g': n <<= 30; end++; break;
	}
	if (*end || !n)
		return -1;
	*v = n;
	return 0;
}

static int parse_rows(char *list, struct opts *o)
{
	memset(o->want, 0, sizeof(o->want));
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < NROWS && strcmp(rows[i].name, tok); i++)
			;
		if (i == NROWS)
			return -1;
		o->want[i] = true;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: tcp_loss [--bytes N[K|M|G]] [--seeds K] [--seed S] "
		"[--rows loss0,loss1,loss5,loss20,reorder10,dup5] [--both-ways] "
		"[--vlimit SECONDS] [--wall-limit SECONDS] [--trace MS] [--rmem \"MIN DEF MAX\"] [--wmem \"MIN DEF MAX\"]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.bytes = 1ULL << 30, .seeds = 3, .seed = 1,
		.vlimit = 14400, .wall_limit = 600,
	};
	struct result res, again;
	bool first = true, all_ok = true;
	int det = -1;

	for (size_t i = 0; i < NROWS; i++)
		o.want[i] = true;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--both-ways")) {
			o.both_ways = true;
			continue;
		}
		if (!val)
			usage();
		i++;
		if (!strcmp(arg, "--bytes")) {
			if (parse_size(val, &o.bytes))
				usage();
		} else if (!strcmp(arg, "--seeds")) {
			o.seeds = (unsigned int)atoi(val);
		} else if (!strcmp(arg, "--seed")) {
			o.seed = strtoull(val, NULL, 0);
		} else if (!strcmp(arg, "--rows")) {
			if (parse_rows(argv[i], &o))
				usage();
		} else if (!strcmp(arg, "--vlimit")) {
			o.vlimit = atof(val);
		} else if (!strcmp(arg, "--rmem")) {
			o.rmem = val;
		} else if (!strcmp(arg, "--wmem")) {
			o.wmem = val;
		} else if (!strcmp(arg, "--trace")) {
			o.trace_ms = (unsigned int)atoi(val);
		} else if (!strcmp(arg, "--wall-limit")) {
			o.wall_limit = atof(val);
		} else {
			usage();
		}
	}
	if (!o.seeds || o.vlimit <= 0 || o.wall_limit <= 0)
		usage();
	printf("tcp_loss: %" PRIu64 " bytes a -> b, memlink MTU 1500, 1 Gbit/s, "
	       "5 ms one way, queue 4096; impairments on %s; %u seed(s) from %"
	       PRIu64 "\n", o.bytes, o.both_ways ? "both directions" :
	       "the data direction", o.seeds, o.seed);
	print_header();
	for (size_t i = 0; i < NROWS; i++) {
		if (!o.want[i])
			continue;
		for (unsigned int k = 0; k < o.seeds; k++) {
			if (run(&o, &rows[i], o.seed + k, &res)) {
				perror("tcp_loss: fork");
				return 1;
			}
			print_result(&rows[i], o.seed + k, &res);
			all_ok &= res.ok;
			if (!first || k)
				continue;
			/* The first row again, same seed: must be identical. */
			first = false;
			if (run(&o, &rows[i], o.seed, &again)) {
				perror("tcp_loss: fork");
				return 1;
			}
			print_result(&rows[i], o.seed, &again);
			det = res.ok && same_run(&res, &again);
		}
	}
	if (det >= 0)
		printf("DETERMINISTIC %s\n", det ? "ok" : "FAILED");
	return all_ok && det != 0 ? 0 : 1;
}
