/* SPDX-License-Identifier: MIT */
/*
 * packetdrill_so_test.c - drives libusnet-packetdrill.so exactly as
 * packetdrill does: dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND), one call
 * to packetdrill_interface_init per instance, the callbacks from two
 * threads (this one injects, sniffs and makes the calls that must not
 * block; a syscall thread makes the blocking ones), and packetdrill's
 * teardown: libc close() of what the script left open, RSTs through
 * netdev_send, then free.
 *
 * Every segment the stack sends is taken apart field by field (pd_wire.c)
 * and compared with what Linux sends with packetdrill's defaults.sh
 * settings: MSS 1460, window scale 8 (tcp_rmem[2] = 15 MiB), SACK and
 * timestamps, a 1 s initial RTO, the options in Linux's order.
 *
 * Under AddressSanitizer or ThreadSanitizer RTLD_DEEPBIND is left out: the
 * sanitizers refuse to dlopen with it (their interceptors would be bypassed).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "packetdrill.h"
#include "pd_wire.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PD_SANITIZED 1
#endif
#endif
#ifdef PD_SANITIZED
#define PD_DLOPEN_FLAGS	(RTLD_NOW | RTLD_LOCAL)
#else
#define PD_DLOPEN_FLAGS	(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND)
#endif

#define LOCAL	0xc0a80001u	/* 192.168.0.1 */
#define REMOTE	0xc0000201u	/* 192.0.2.1 */

static struct packetdrill_interface ifc;
static packetdrill_interface_init_t init_fn;
#define UD	ifc.userdata

/* ---- loading ------------------------------------------------------------ */

static bool load(void)
{
	static void *handle;
	const char *dir = getenv("USNET_TEST_BINARY_DIR");
	char path[4096];

	if (init_fn)
		return true;
	snprintf(path, sizeof(path), "%s/libusnet-packetdrill.so", dir ? dir : ".");
	handle = dlopen(path, PD_DLOPEN_FLAGS);
	if (!handle) {
		TEST_FAIL_AT("dlopen: %s", dlerror());
		return false;
	}
	dlerror();
	init_fn = (packetdrill_interface_init_t)dlsym(handle,
						     "packetdrill_interface_init");
	if (!init_fn)
		TEST_FAIL_AT("dlsym: %s", dlerror());
	return init_fn != NULL;
}

static bool pd_init(const char *flags)
{
	if (!load())
		return false;
	memset(&ifc, 0xa5, sizeof(ifc));	/* every member must be filled */
	init_fn(flags, &ifc);
	for (size_t i = 0; i < sizeof(ifc) / sizeof(void *); i++)
		if (((void **)&ifc)[i] == NULL ||
		    ((uintptr_t *)&ifc)[i] == (uintptr_t)0xa5a5a5a5a5a5a5a5ull) {
			TEST_FAIL_AT("member %zu of the table not set", i);
			return false;
		}
	return true;
}

/* ---- the syscall thread ------------------------------------------------- */

enum call_kind { CALL_ACCEPT, CALL_CONNECT, CALL_RECV, CALL_EPOLL_WAIT };

static struct {
	pthread_t	th;
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	pid_t		tid;
	bool		pending, done, quit;	/* tid and these: under lock */
	bool		running;		/* the main thread's own */
	enum call_kind	kind;
	int		fd;
	struct sockaddr_in sin;
	char		*buf;
	size_t		len;
	struct epoll_event ev;
	long		ret;
	int		err;
} sc = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static void *syscall_thread(void *arg)
{
	socklen_t sl;

	(void)arg;
	pthread_mutex_lock(&sc.lock);
	sc.tid = (pid_t)syscall(SYS_gettid);
	for (;;) {
		while (!sc.pending && !sc.quit)
			pthread_cond_wait(&sc.cond, &sc.lock);
		if (sc.quit)
			break;
		pthread_mutex_unlock(&sc.lock);
		errno = 0;
		switch (sc.kind) {
		case CALL_ACCEPT:
			sl = sizeof(sc.sin);
			sc.ret = ifc.accept(UD, sc.fd, (struct sockaddr *)&sc.sin, &sl);
			break;
		case CALL_CONNECT:
			sc.ret = ifc.connect(UD, sc.fd, (struct sockaddr *)&sc.sin,
					     sizeof(sc.sin));
			break;
		case CALL_RECV:
			sc.ret = ifc.recv(UD, sc.fd, sc.buf, sc.len, 0);
			break;
		case CALL_EPOLL_WAIT:
			sc.ret = ifc.epoll_wait(UD, sc.fd, &sc.ev, 1, 5000);
			break;
		}
		sc.err = errno;
		pthread_mutex_lock(&sc.lock);
		sc.pending = false;
		sc.done = true;
		pthread_cond_broadcast(&sc.cond);
	}
	pthread_mutex_unlock(&sc.lock);
	return NULL;
}

static void sc_start(enum call_kind kind, int fd)
{
	if (!sc.running) {
		pthread_create(&sc.th, NULL, syscall_thread, NULL);
		sc.running = true;
	}
	pthread_mutex_lock(&sc.lock);
	sc.kind = kind;
	sc.fd = fd;
	sc.done = false;
	sc.pending = true;
	pthread_cond_broadcast(&sc.cond);
	pthread_mutex_unlock(&sc.lock);
}

/* Waits up to @ms for the blocking call to return; true if it did. */
static bool sc_wait(int ms)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sc.lock);
	while (!sc.done &&
	       pthread_cond_timedwait(&sc.cond, &sc.lock, &until) == 0)
		;
	done = sc.done;
	pthread_mutex_unlock(&sc.lock);
	return done;
}

/* Whether the blocking call has returned (a glance, not a wait). */
static bool sc_done(void)
{
	bool done;

	pthread_mutex_lock(&sc.lock);
	done = sc.done;
	pthread_mutex_unlock(&sc.lock);
	return done;
}

/* The scheduler state of the syscall thread: 'S' while it sleeps. */
static char sc_state(void)
{
	char path[64], line[512], *p;
	pid_t tid;
	FILE *f;

	pthread_mutex_lock(&sc.lock);
	tid = sc.tid;
	pthread_mutex_unlock(&sc.lock);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

/* The call blocks, asleep (not spinning), and has not returned. */
#define EXPECT_BLOCKED()						\
	do {								\
		usleep(50000);						\
		EXPECT_TRUE(!sc_done());				\
		EXPECT_EQ(sc_state(), 'S');				\
	} while (0)

/* ---- the wire ------------------------------------------------------------ */

static uint8_t rxbuf[65536];

static long long now_us(void)
{
	struct timeval tv;

	ifc.gettimeofday(UD, &tv, NULL);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void inject(struct pd_seg *s)
{
	uint8_t buf[2048];
	size_t n;

	if (!s->saddr) {
		s->saddr = REMOTE;
		s->daddr = LOCAL;
	}
	n = pd_build(s, buf, sizeof(buf));
	if (!n || ifc.netdev_send(UD, buf, n))
		TEST_FAIL_AT("netdev_send: %s", strerror(errno));
}

/*
 * Sniffs the next datagram the stack sends, waiting up to @ms, as
 * packetdrill's loop does: 0 from netdev_receive means a datagram, never
 * an empty one.
 */
static bool sniff(struct pd_seg *s, long long *t, int ms)
{
	long long end = now_us() + ms * 1000LL;
	char err[128];
	size_t n;

	do {
		n = sizeof(rxbuf);
		if (ifc.netdev_receive(UD, rxbuf, &n, t) == 0) {
			if (!n) {
				TEST_FAIL_AT("netdev_receive: 0 with no datagram");
				return false;
			}
			if (pd_parse(rxbuf, n, s, err, sizeof(err))) {
				TEST_FAIL_AT("sniffed datagram: %s", err);
				return false;
			}
			return true;
		}
	} while (now_us() < end);
	TEST_FAIL_AT("nothing sent in %d ms", ms);
	return false;
}

static void opt_nop(struct pd_seg *s) { s->opt[s->nopt++] = (struct pd_opt){ 1, 1, 0, 0 }; }
static void opt_ts(struct pd_seg *s, uint32_t val, uint32_t ecr)
{
	opt_nop(s);
	opt_nop(s);
	s->opt[s->nopt++] = (struct pd_opt){ 8, 10, val, ecr };
}

/* A SYN's options as packetdrill's scripts write them. */
static void opt_syn(struct pd_seg *s, uint32_t tsval, uint32_t tsecr, int ws)
{
	s->opt[s->nopt++] = (struct pd_opt){ 2, 4, 1460, 0 };
	s->opt[s->nopt++] = (struct pd_opt){ 4, 2, 0, 0 };
	s->opt[s->nopt++] = (struct pd_opt){ 8, 10, tsval, tsecr };
	opt_nop(s);
	s->opt[s->nopt++] = (struct pd_opt){ 3, 3, (uint32_t)ws, 0 };
}

static uint32_t ts_val(const struct pd_seg *s)
{
	for (int i = 0; i < s->nopt; i++)
		if (s->opt[i].kind == 8)
			return s->opt[i].v1;
	return 0;
}

/*
 * Checks a sniffed segment against what Linux sends: addresses, ports,
 * TTL 64, TOS 0, DF, flags, sequence and ack numbers, window, payload
 * length, and the options in order ("..." skips the TS values).
 */
static void expect_seg(const struct pd_seg *s, uint16_t sport, uint16_t dport,
		       uint8_t flags, uint32_t seq, uint32_t ack, int win,
		       size_t len, const char *opts, uint32_t ecr)
{
	char got[256];

	EXPECT_EQ(s->saddr, LOCAL);
	EXPECT_EQ(s->daddr, REMOTE);
	EXPECT_EQ(s->ttl, 64);
	EXPECT_EQ(s->tos, 0);
	EXPECT_TRUE(s->df);
	EXPECT_EQ(s->sport, sport);
	EXPECT_EQ(s->dport, dport);
	EXPECT_EQ(s->flags, flags);
	EXPECT_EQ(s->seq, seq);
	EXPECT_EQ(s->ack, (flags & TH_ACK) ? ack : 0);
	if (win >= 0)
		EXPECT_EQ(s->win, win);
	EXPECT_EQ(s->urg, 0);
	EXPECT_EQ(s->len, len);
	pd_opts_str(s, got, sizeof(got), false);
	EXPECT_STREQ(got, opts);
	for (int i = 0; i < s->nopt; i++)
		if (s->opt[i].kind == 8 && ecr != UINT32_MAX)
			EXPECT_EQ(s->opt[i].v2, ecr);
}

static void fill(char *buf, size_t n, unsigned int from)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)('a' + (from + i) % 26);
}

static struct sockaddr_in sin4(uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(addr);
	return a;
}

/* A descriptor the back end hands out is a real kernel descriptor. */
#define EXPECT_KERNEL_FD(fd)	EXPECT_TRUE((fd) >= 0 && fcntl((fd), F_GETFD) >= 0)

/* ---- the scripts --------------------------------------------------------------- */

/*
 * Passive open with accept() blocked on the syscall thread; data both
 * ways; the server closes first; then packetdrill's teardown.
 */
TEST(passive_open_blocking_accept_data_fin)
{
	const uint32_t rseq = 1000000;
	struct sockaddr_in a = sin4(0, 8080);
	struct pd_seg s, r;
	char buf[4096], want[2048];
	long long t0, t;
	int fd, afd, one = 1;
	uint32_t iss, tsv;

	ASSERT_TRUE(pd_init("local_ip=192.168.0.1,prefix=16,gateway_ip=192.168.0.1,"
			    "remote_ip=192.0.2.1,mtu=1500"));
	fd = ifc.socket(UD, AF_INET, SOCK_STREAM, 0);
	EXPECT_KERNEL_FD(fd);
	EXPECT_OK(ifc.setsockopt(UD, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_OK(ifc.bind(UD, fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_OK(ifc.listen(UD, fd, 1));
	sc_start(CALL_ACCEPT, fd);
	EXPECT_BLOCKED();

	/* 0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7> */
	s = (struct pd_seg){ .sport = 40000, .dport = 8080, .seq = rseq,
			     .flags = TH_SYN, .win = 65535 };
	opt_syn(&s, 100, 0, 7);
	t0 = now_us();
	inject(&s);
	/* > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val ... ecr 100,nop,wscale 8> */
	ASSERT_TRUE(sniff(&r, &t, 1000));
	iss = r.seq;
	expect_seg(&r, 8080, 40000, TH_SYN | TH_ACK, iss, rseq + 1, 65535, 0,
		   "mss 1460,sackOK,TS,nop,wscale 8", 100);
	EXPECT_TRUE(t >= t0 && t <= now_us());	/* sniff times on the same clock */
	tsv = ts_val(&r);

	/* < . 1:1(0) ack 1 win 257 <nop,nop,TS val 101 ecr ...> */
	s = (struct pd_seg){ .sport = 40000, .dport = 8080, .seq = rseq + 1,
			     .ack = iss + 1, .flags = TH_ACK, .win = 257 };
	opt_ts(&s, 101, tsv);
	inject(&s);
	ASSERT_TRUE(sc_wait(1000));
	afd = (int)sc.ret;
	EXPECT_KERNEL_FD(afd);
	EXPECT_NE(afd, fd);
	EXPECT_EQ(ntohl(sc.sin.sin_addr.s_addr), REMOTE);
	EXPECT_EQ(ntohs(sc.sin.sin_port), 40000);

	/* < P. 1:1001(1000) ack 1 win 257  ->  > . 1:1(0) ack 1001 */
	fill(want, 1000, 0);
	s = (struct pd_seg){ .sport = 40000, .dport = 8080, .seq = rseq + 1,
			     .ack = iss + 1, .flags = TH_ACK | TH_PSH, .win = 257,
			     .data = (const uint8_t *)want, .len = 1000 };
	opt_ts(&s, 102, tsv);
	inject(&s);
	ASSERT_TRUE(sniff(&r, &t, 1000));
	expect_seg(&r, 8080, 40000, TH_ACK, iss + 1, rseq + 1001, -1, 0,
		   "nop,nop,TS", 102);
	/* rcv_ssthresh grew by 2 * advmss: ALIGN(65535 + 2920, 256) >> 8 */
	EXPECT_EQ(r.win, 268);
	EXPECT_EQ(ifc.read(UD, afd, buf, sizeof(buf)), 1000);
	EXPECT_TRUE(!memcmp(buf, want, 1000));

	/* write 2000: > . 1:1449(1448) then > P. 1449:2001(552), in IW10 */
	fill(want, 2000, 0);
	EXPECT_EQ(ifc.write(UD, afd, want, 2000), 2000);
	ASSERT_TRUE(sniff(&r, &t, 1000));
	expect_seg(&r, 8080, 40000, TH_ACK, iss + 1, rseq + 1001, -1, 1448,
		   "nop,nop,TS", 102);
	EXPECT_TRUE(!memcmp(r.data, want, 1448));
	ASSERT_TRUE(sniff(&r, &t, 1000));
	expect_seg(&r, 8080, 40000, TH_ACK | TH_PSH, iss + 1449, rseq + 1001, -1,
		   552, "nop,nop,TS", 102);
	EXPECT_TRUE(!memcmp(r.data, want + 1448, 552));
	s = (struct pd_seg){ .sport = 40000, .dport = 8080, .seq = rseq + 1001,
			     .ack = iss + 2001, .flags = TH_ACK, .win = 257 };
	opt_ts(&s, 103, ts_val(&r));
	inject(&s);

	/* close(4): > F. 2001:2001(0) ack 1001; < F. 1001:1001(0) ack 2002; > . ack 1002 */
	EXPECT_OK(ifc.close(UD, afd));
	ASSERT_TRUE(sniff(&r, &t, 1000));
	expect_seg(&r, 8080, 40000, TH_FIN | TH_ACK, iss + 2001, rseq + 1001, -1,
		   0, "nop,nop,TS", 103);
	s = (struct pd_seg){ .sport = 40000, .dport = 8080, .seq = rseq + 1001,
			     .ack = iss + 2002, .flags = TH_FIN | TH_ACK, .win = 257 };
	opt_ts(&s, 104, ts_val(&r));
	inject(&s);
	ASSERT_TRUE(sniff(&r, &t, 1000));
	expect_seg(&r, 8080, 40000, TH_ACK, iss + 2002, rseq + 1002, -1, 0,
		   "nop,nop,TS", 104);
	EXPECT_ERRNO(ifc.read(UD, afd, buf, 1), EBADF);

	/* packetdrill's teardown: libc close() of the listener, then free */
	EXPECT_OK(close(fd));
	ifc.free(UD);
}

/*
 * Active open with connect() blocked on the syscall thread: the SYN is
 * retransmitted after the 1 s initial RTO while both threads wait; data
 * both ways, a blocking recv, splice through a pipe; then packetdrill's
 * teardown, where the socket's number has been reused by a stranger.
 */
TEST(active_open_rto_blocking_recv_teardown)
{
	const uint32_t rseq = 5000000;
	struct pd_seg s, r;
	char buf[2048], want[1024];
	long long t1, t2;
	int fd, p[2], efd;
	uint32_t iss, tsv1, tsv;
	uint16_t lport;

	ASSERT_TRUE(pd_init(""));	/* packetdrill's defaults */
	fd = ifc.socket(UD, AF_INET, SOCK_STREAM, 0);
	EXPECT_KERNEL_FD(fd);
	sc.sin = sin4(REMOTE, 8080);
	sc_start(CALL_CONNECT, fd);
	/* > S 0:0(0) win 65535 <mss 1460,sackOK,TS val ... ecr 0,nop,wscale 8> */
	ASSERT_TRUE(sniff(&r, &t1, 1000));
	iss = r.seq;
	lport = r.sport;
	expect_seg(&r, lport, 8080, TH_SYN, iss, 0, 65535, 0,
		   "mss 1460,sackOK,TS,nop,wscale 8", 0);
	tsv1 = ts_val(&r);
	EXPECT_BLOCKED();
	/* unanswered: the same SYN again 1 s later, TS val 1000 ticks on */
	ASSERT_TRUE(sniff(&r, &t2, 2000));
	expect_seg(&r, lport, 8080, TH_SYN, iss, 0, 65535, 0,
		   "mss 1460,sackOK,TS,nop,wscale 8", 0);
	tsv = ts_val(&r);
	/* the timer wheel ticks in 1 ms jiffies, as Linux's with HZ=1000 */
	EXPECT_TRUE(t2 - t1 >= 998000 && t2 - t1 < 1100000);
	EXPECT_TRUE(tsv - tsv1 >= 1000 && tsv - tsv1 < 1100);
	EXPECT_TRUE(!sc_done());

	/* < S. 0:0(0) ack 1 win 65535 <...,wscale 7>  ->  > . 1:1(0) ack 1 */
	s = (struct pd_seg){ .sport = 8080, .dport = lport, .seq = rseq,
			     .ack = iss + 1, .flags = TH_SYN | TH_ACK, .win = 65535 };
	opt_syn(&s, 200, tsv, 7);
	inject(&s);
	ASSERT_TRUE(sniff(&r, &t1, 1000));
	expect_seg(&r, lport, 8080, TH_ACK, iss + 1, rseq + 1, 256, 0,
		   "nop,nop,TS", 200);
	ASSERT_TRUE(sc_wait(1000));
	EXPECT_EQ(sc.ret, 0);

	/* write(3, ..., 100) -> > P. 1:101(100) ack 1 */
	fill(want, 100, 0);
	EXPECT_EQ(ifc.write(UD, fd, want, 100), 100);
	ASSERT_TRUE(sniff(&r, &t1, 1000));
	expect_seg(&r, lport, 8080, TH_ACK | TH_PSH, iss + 1, rseq + 1, 256, 100,
		   "nop,nop,TS", 200);
	EXPECT_TRUE(!memcmp(r.data, want, 100));

	/* recv() blocks on the syscall thread until < P. 1:501(500) ack 101 */
	sc.buf = buf;
	sc.len = sizeof(buf);
	sc_start(CALL_RECV, fd);
	EXPECT_BLOCKED();
	fill(want, 500, 0);
	s = (struct pd_seg){ .sport = 8080, .dport = lport, .seq = rseq + 1,
			     .ack = iss + 101, .flags = TH_ACK | TH_PSH, .win = 257,
			     .data = (const uint8_t *)want, .len = 500 };
	opt_ts(&s, 201, ts_val(&r));
	inject(&s);
	ASSERT_TRUE(sc_wait(1000));
	EXPECT_EQ(sc.ret, 500);
	EXPECT_TRUE(!memcmp(buf, want, 500));
	ASSERT_TRUE(sniff(&r, &t1, 1000));
	expect_seg(&r, lport, 8080, TH_ACK, iss + 101, rseq + 501, -1, 0,
		   "nop,nop,TS", 201);

	/* splice: socket -> pipe, and pipe -> socket */
	EXPECT_OK(ifc.pipe(UD, p));
	fill(want, 300, 500);
	s = (struct pd_seg){ .sport = 8080, .dport = lport, .seq = rseq + 501,
			     .ack = iss + 101, .flags = TH_ACK | TH_PSH, .win = 257,
			     .data = (const uint8_t *)want, .len = 300 };
	opt_ts(&s, 202, ts_val(&r));
	inject(&s);
	ASSERT_TRUE(sniff(&r, &t1, 1000));	/* its ACK */
	EXPECT_EQ(r.ack, rseq + 801);
	EXPECT_EQ(ifc.splice(UD, fd, NULL, p[1], NULL, 1000, 0), 300);
	EXPECT_EQ(ifc.read(UD, p[0], buf, sizeof(buf)), 300);
	EXPECT_TRUE(!memcmp(buf, want, 300));
	EXPECT_EQ(ifc.write(UD, p[1], "0123456789", 10), 10);
	EXPECT_EQ(ifc.splice(UD, p[0], NULL, fd, NULL, 4, 0), 4);
	ASSERT_TRUE(sniff(&r, &t1, 1000));
	expect_seg(&r, lport, 8080, TH_ACK | TH_PSH, iss + 101, rseq + 801, -1, 4,
		   "nop,nop,TS", 202);
	EXPECT_TRUE(!memcmp(r.data, "0123", 4));
	EXPECT_EQ(ifc.read(UD, p[0], buf, sizeof(buf)), 6);	/* the rest stayed */
	loff_t off = 0;
	EXPECT_ERRNO(ifc.splice(UD, fd, &off, p[1], NULL, 10, 0), ESPIPE);
	EXPECT_ERRNO(ifc.splice(UD, fd, NULL, fd, NULL, 10, 0), EINVAL);
	EXPECT_ERRNO(ifc.splice(UD, p[0], NULL, fd, NULL, 10, SPLICE_F_NONBLOCK),
		     EAGAIN);
	EXPECT_OK(ifc.close(UD, p[0]));
	EXPECT_OK(ifc.close(UD, p[1]));

	/*
	 * packetdrill's teardown: libc close(); the number goes to a
	 * stranger's eventfd (the same anon inode as usnet's); a RST comes
	 * in for the connection; free() must leave the stranger's fd alone.
	 */
	EXPECT_OK(close(fd));
	efd = eventfd(0, EFD_CLOEXEC);
	EXPECT_EQ(efd, fd);
	s = (struct pd_seg){ .sport = 8080, .dport = lport, .seq = rseq + 801,
			     .flags = TH_RST };
	inject(&s);
	ifc.free(UD);
	EXPECT_KERNEL_FD(efd);
	close(efd);
}

/*
 * A second instance in the same process starts afresh, with its own
 * address and a sysctl from --so_flags; bad flags make every call fail.
 */
TEST(second_init_and_flags)
{
	struct pd_seg r;
	struct sockaddr_in a = sin4(REMOTE, 9);
	long long t;
	int fd;

	ASSERT_TRUE(pd_init("mtu=abc"));
	EXPECT_ERRNO(ifc.socket(UD, AF_INET, SOCK_STREAM, 0), EINVAL);
	ifc.free(UD);
	ASSERT_TRUE(pd_init("local_ip=192.168.7.7,prefix=16,"
			    "net.ipv4.tcp_timestamps=0"));
	fd = ifc.socket(UD, AF_INET, SOCK_STREAM, 0);
	EXPECT_KERNEL_FD(fd);
	EXPECT_OK(ifc.fcntl(UD, fd, F_SETFL, O_RDWR | O_NONBLOCK));
	EXPECT_EQ(ifc.fcntl(UD, fd, F_GETFL), O_RDWR | O_NONBLOCK);
	EXPECT_ERRNO(ifc.connect(UD, fd, (struct sockaddr *)&a, sizeof(a)),
		     EINPROGRESS);
	/* no timestamps: <mss 1460,nop,nop,sackOK,nop,wscale 8> */
	ASSERT_TRUE(sniff(&r, &t, 1000));
	EXPECT_EQ(r.saddr, 0xc0a80707u);
	EXPECT_EQ(r.flags, TH_SYN);
	EXPECT_EQ(r.dport, 9);
	{
		char got[128];

		pd_opts_str(&r, got, sizeof(got), true);
		EXPECT_STREQ(got, "mss 1460,nop,nop,sackOK,nop,wscale 8");
	}
	ifc.free(UD);		/* left open: free() closes it, it is still ours */
	EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
}

/*
 * epoll: a listener in an epoll set; epoll_wait blocks on the syscall
 * thread until a SYN and its handshake make the listener readable.
 */
TEST(epoll_wait_blocks_until_listener_readable)
{
	struct sockaddr_in a = sin4(0, 8081);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	struct pd_seg s, r;
	long long t;
	int fd, ep;

	ASSERT_TRUE(pd_init(""));
	fd = ifc.socket(UD, AF_INET, SOCK_STREAM, 0);
	EXPECT_OK(ifc.bind(UD, fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_OK(ifc.listen(UD, fd, 1));
	ep = ifc.epoll_create(UD, 1);
	EXPECT_KERNEL_FD(ep);
	EXPECT_OK(ifc.epoll_ctl(UD, ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(ifc.epoll_wait(UD, ep, &ev, 1, 0), 0);
	sc_start(CALL_EPOLL_WAIT, ep);
	EXPECT_BLOCKED();
	s = (struct pd_seg){ .sport = 40001, .dport = 8081, .seq = 1,
			     .flags = TH_SYN, .win = 65535 };
	opt_syn(&s, 100, 0, 7);
	inject(&s);
	ASSERT_TRUE(sniff(&r, &t, 1000));
	EXPECT_EQ(r.flags, TH_SYN | TH_ACK);
	/* not readable before the handshake ends */
	EXPECT_TRUE(!sc_done());
	s = (struct pd_seg){ .sport = 40001, .dport = 8081, .seq = 2,
			     .ack = r.seq + 1, .flags = TH_ACK, .win = 257 };
	opt_ts(&s, 101, ts_val(&r));
	inject(&s);
	ASSERT_TRUE(sc_wait(1000));
	EXPECT_EQ(sc.ret, 1);
	EXPECT_EQ(sc.ev.events, EPOLLIN);
	EXPECT_EQ(sc.ev.data.u64, 42);
	EXPECT_OK(ifc.close(UD, ep));
	ifc.free(UD);		/* the listener and its child: closed by free() */
	EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
}

/* Ends the syscall thread after the last test (registered last). */
TEST(zz_end_syscall_thread)
{
	if (!sc.running)
		return;
	pthread_mutex_lock(&sc.lock);
	sc.quit = true;
	pthread_cond_broadcast(&sc.cond);
	pthread_mutex_unlock(&sc.lock);
	pthread_join(sc.th, NULL);
}
