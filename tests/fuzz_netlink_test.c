/* SPDX-License-Identifier: MIT */
/*
 * fuzz_netlink_test.c - NETLINK_ROUTE and NETLINK_SOCK_DIAG requests,
 * mutated: valid requests of every kind the stack answers (links,
 * addresses, routes, neighbours, inet and unix socket dumps) have bits
 * flipped, lengths lie, attributes nest and repeat, batches are cut, and
 * each result goes to the socket as one send.
 *
 * Invariants checked on every answer, not only "no crash": each message of
 * the batch the kernel would act on (a whole nlmsghdr) gets at most one
 * NLMSG_ERROR or NLMSG_DONE, exactly one when it asked for NLM_F_ACK, and
 * an NLMSG_ERROR of 0 only then; every dump ends; every reply's nlmsg_len
 * lies within what recv returned, its attributes tile its payload, and an
 * echoed request is the one sent; nothing stays queued. Afterwards the
 * namespace still answers a plain link dump and carries UDP.
 */
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/inet_diag.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "fuzz.h"
#include "sim.h"
#include "test.h"

#define REQ_MAX		4096
#define RX_SIZE		65536
#define MAX_MSGS	64

static uint8_t rx[RX_SIZE];
static int nl_fd[2] = { -1, -1 };	/* NETLINK_ROUTE, NETLINK_SOCK_DIAG */
static uint32_t nl_port[2];
static int ml_ifindex;
static unsigned long checked_replies;
static unsigned long err_seen[134];	/* answers by errno (0: ack) */

/* ---- building requests ------------------------------------------------ */

struct req {
	uint8_t		b[REQ_MAX];
	size_t		len;
	size_t		msg;		/* offset of the message being built */
	size_t		nest[4];
	int		depth;
};

static void req_msg(struct req *r, int type, int flags, const void *hdr,
		    size_t hlen)
{
	struct nlmsghdr nlh = {
		.nlmsg_type = (uint16_t)type,
		.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags),
		.nlmsg_seq = 1,
	};

	r->msg = r->len;
	memcpy(r->b + r->len, &nlh, sizeof(nlh));
	r->len += NLMSG_HDRLEN;
	memcpy(r->b + r->len, hdr, hlen);
	r->len += NLMSG_ALIGN(hlen);
}

static void req_end(struct req *r)
{
	uint32_t len = (uint32_t)(r->len - r->msg);

	memcpy(r->b + r->msg, &len, sizeof(len));
}

static void req_attr(struct req *r, int type, const void *data, size_t dlen)
{
	struct nlattr nla = {
		.nla_len = (uint16_t)(NLA_HDRLEN + dlen),
		.nla_type = (uint16_t)type,
	};

	memcpy(r->b + r->len, &nla, sizeof(nla));
	memset(r->b + r->len + NLA_HDRLEN, 0, NLA_ALIGN(dlen));
	if (dlen)
		memcpy(r->b + r->len + NLA_HDRLEN, data, dlen);
	r->len += NLA_HDRLEN + NLA_ALIGN(dlen);
}

static void req_u32(struct req *r, int type, uint32_t v)
{
	req_attr(r, type, &v, sizeof(v));
}

static void req_str(struct req *r, int type, const char *s)
{
	req_attr(r, type, s, strlen(s) + 1);
}

static void req_nest(struct req *r, int type)
{
	r->nest[r->depth++] = r->len;
	req_attr(r, type | NLA_F_NESTED, NULL, 0);
}

static void req_nest_end(struct req *r)
{
	size_t at = r->nest[--r->depth];
	uint16_t len = (uint16_t)(r->len - at);

	memcpy(r->b + at, &len, sizeof(len));
}

/* ---- the seeds -------------------------------------------------------- */

enum { SEED_ROUTE, SEED_DIAG };

/* Builds seed @n into @r; returns the protocol index (SEED_*) or -1. */
static int seed_build(int n, struct req *r)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = ml_ifindex };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24,
				 .ifa_index = (uint32_t)ml_ifindex };
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_dst_len = 16,
			     .rtm_table = RT_TABLE_MAIN,
			     .rtm_protocol = RTPROT_BOOT,
			     .rtm_scope = RT_SCOPE_UNIVERSE,
			     .rtm_type = RTN_UNICAST };
	struct ndmsg ndm = { .ndm_family = AF_INET, .ndm_ifindex = ml_ifindex,
			     .ndm_state = NUD_PERMANENT };
	struct inet_diag_req_v2 idr = { .sdiag_family = AF_INET,
					.sdiag_protocol = IPPROTO_TCP,
					.idiag_states = ~0u };
	struct unix_diag_req udr = { .sdiag_family = AF_UNIX,
				     .udiag_states = ~0u,
				     .udiag_show = UDIAG_SHOW_NAME |
						   UDIAG_SHOW_PEER |
						   UDIAG_SHOW_ICONS |
						   UDIAG_SHOW_RQLEN |
						   UDIAG_SHOW_MEMINFO |
						   UDIAG_SHOW_UID };
	struct rtnexthop nh = { .rtnh_len = sizeof(nh) + 8,
				.rtnh_ifindex = ml_ifindex };
	struct ifa_cacheinfo ci = { .ifa_prefered = 100, .ifa_valid = 200 };
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 9 };
	uint32_t gw = inet_addr("10.9.0.2");
	uint8_t bc[16] = { 0 };

	memset(r, 0, sizeof(*r));
	switch (n) {
	case 0:
		req_msg(r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		req_u32(r, IFLA_EXT_MASK, 1);
		break;
	case 1:
		req_msg(r, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
		break;
	case 2:
		ifi.ifi_index = 0;
		req_msg(r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
		req_str(r, IFLA_IFNAME, "ml0");
		req_str(r, IFLA_ALT_IFNAME, "ml0");
		break;
	case 3:
		ifi.ifi_flags = IFF_UP;
		ifi.ifi_change = IFF_UP;
		req_msg(r, RTM_SETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
		req_u32(r, IFLA_MTU, 1400);
		req_u32(r, IFLA_TXQLEN, 500);
		req_attr(r, IFLA_ADDRESS, mac, sizeof(mac));
		req_attr(r, IFLA_OPERSTATE, bc, 1);
		break;
	case 4:
		req_msg(r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE, &ifi,
			sizeof(ifi));
		req_str(r, IFLA_IFNAME, "fz0");
		req_nest(r, IFLA_LINKINFO);
		req_str(r, IFLA_INFO_KIND, "dummy");
		req_nest(r, IFLA_INFO_DATA);
		req_u32(r, 1, 7);
		req_nest_end(r);
		req_nest_end(r);
		break;
	case 5:
		ifi.ifi_index = 0;
		req_msg(r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
		req_str(r, IFLA_IFNAME, "fz0");
		break;
	case 6:
		req_msg(r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_ECHO,
			&ifa, sizeof(ifa));
		req_u32(r, IFA_LOCAL, inet_addr("10.9.0.1"));
		req_u32(r, IFA_ADDRESS, inet_addr("10.9.0.1"));
		req_u32(r, IFA_BROADCAST, inet_addr("10.9.0.255"));
		req_str(r, IFA_LABEL, "ml0:fz");
		req_attr(r, IFA_CACHEINFO, &ci, sizeof(ci));
		req_u32(r, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
		break;
	case 7:
		req_msg(r, RTM_DELADDR, NLM_F_ACK, &ifa, sizeof(ifa));
		req_u32(r, IFA_LOCAL, inet_addr("10.9.0.1"));
		req_str(r, IFA_LABEL, "ml0:fz");
		break;
	case 8:
		req_msg(r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
		break;
	case 9:
		req_msg(r, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, &rtm,
			sizeof(rtm));
		req_u32(r, RTA_DST, inet_addr("10.77.0.0"));
		req_u32(r, RTA_GATEWAY, gw);
		req_u32(r, RTA_OIF, (uint32_t)ml_ifindex);
		req_u32(r, RTA_PRIORITY, 5);
		req_u32(r, RTA_TABLE, RT_TABLE_MAIN);
		req_nest(r, RTA_METRICS);
		req_u32(r, RTAX_MTU, 1300);
		req_nest_end(r);
		break;
	case 10:
		req_msg(r, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE, &rtm,
			sizeof(rtm));
		req_u32(r, RTA_DST, inet_addr("10.78.0.0"));
		req_nest(r, RTA_MULTIPATH);
		memcpy(r->b + r->len, &nh, sizeof(nh));
		r->len += sizeof(nh);
		req_u32(r, RTA_GATEWAY, gw);
		req_nest_end(r);
		break;
	case 11:
		req_msg(r, RTM_DELROUTE, NLM_F_ACK, &rtm, sizeof(rtm));
		req_u32(r, RTA_DST, inet_addr("10.77.0.0"));
		req_u32(r, RTA_GATEWAY, gw);
		break;
	case 12:
		rtm.rtm_dst_len = 32;
		req_msg(r, RTM_GETROUTE, 0, &rtm, sizeof(rtm));
		req_u32(r, RTA_DST, inet_addr("10.9.0.7"));
		req_u32(r, RTA_OIF, (uint32_t)ml_ifindex);
		req_u32(r, RTA_MARK, 3);
		bc[0] = IPPROTO_UDP;
		req_attr(r, RTA_IP_PROTO, bc, 1);
		req_attr(r, RTA_DPORT, "\x00\x35", 2);
		break;
	case 13:
		req_msg(r, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));
		break;
	case 14:
		req_msg(r, RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE, &ndm,
			sizeof(ndm));
		req_u32(r, NDA_DST, inet_addr("10.9.0.5"));
		req_attr(r, NDA_LLADDR, mac, sizeof(mac));
		break;
	case 15:
		req_msg(r, RTM_DELNEIGH, NLM_F_ACK, &ndm, sizeof(ndm));
		req_u32(r, NDA_DST, inet_addr("10.9.0.5"));
		break;
	case 16:
		req_msg(r, RTM_GETNEIGH, NLM_F_DUMP, &ndm, sizeof(ndm));
		break;
	case 17:
		req_msg(r, RTM_GETNEIGH, 0, &ndm, sizeof(ndm));
		req_u32(r, NDA_DST, inet_addr("10.9.0.5"));
		break;
	case 18:	/* a batch: add, dump, delete */
		req_msg(r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, &ifa,
			sizeof(ifa));
		req_u32(r, IFA_LOCAL, inet_addr("10.10.0.1"));
		req_end(r);
		req_msg(r, RTM_GETADDR, NLM_F_DUMP | NLM_F_ACK, &ifa,
			sizeof(ifa));
		req_end(r);
		req_msg(r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		req_end(r);
		req_msg(r, RTM_DELADDR, NLM_F_ACK, &ifa, sizeof(ifa));
		req_u32(r, IFA_LOCAL, inet_addr("10.10.0.1"));
		break;
	case 19:
		req_msg(r, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &idr, sizeof(idr));
		req_attr(r, INET_DIAG_REQ_BYTECODE, bc, 8);
		req_end(r);
		return SEED_DIAG;
	case 20:
		idr.sdiag_protocol = IPPROTO_UDP;
		idr.idiag_ext = 0xff;
		req_msg(r, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP | NLM_F_ACK, &idr,
			sizeof(idr));
		req_end(r);
		return SEED_DIAG;
	case 21:
		req_msg(r, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &udr, sizeof(udr));
		req_end(r);
		return SEED_DIAG;
	case 22:
		udr.udiag_ino = 1;
		udr.udiag_cookie[0] = 1;
		req_msg(r, SOCK_DIAG_BY_FAMILY, NLM_F_ACK, &udr, sizeof(udr));
		req_end(r);
		return SEED_DIAG;
	case 23:
		req_msg(r, SOCK_DESTROY, NLM_F_ACK, &idr, sizeof(idr));
		req_end(r);
		return SEED_DIAG;
	default:
		return -1;
	}
	req_end(r);
	return SEED_ROUTE;
}

#define NR_SEEDS	24

/* ---- netlink-aware mutations ------------------------------------------ */

/* Offsets of the messages of a batch as the kernel walks it. */
static int walk_msgs(const uint8_t *b, size_t len, size_t *off, int max)
{
	size_t at = 0;
	int n = 0;

	while (len - at >= NLMSG_HDRLEN && n < max) {
		uint32_t ml;

		memcpy(&ml, b + at, sizeof(ml));
		if (ml < NLMSG_HDRLEN || ml > len - at)
			break;
		off[n++] = at;
		at += NLMSG_ALIGN(ml);
		if (at > len)
			break;
	}
	return n;
}

static void mutate_nl(struct fuzz_rng *rng, struct req *r)
{
	size_t off[MAX_MSGS];
	int n = walk_msgs(r->b, r->len, off, MAX_MSGS);
	uint8_t *m = n ? r->b + off[fuzz_below(rng, (uint32_t)n)] : r->b;
	size_t at;
	uint16_t v;

	switch (fuzz_below(rng, 8)) {
	case 0:		/* the message length lies */
		if (n)
			fuzz_put32(m, fuzz_value(rng));
		break;
	case 1:		/* flags: DUMP, ACK, ECHO, CREATE|EXCL|REPLACE */
		if (n) {
			memcpy(&v, m + 6, 2);
			v ^= (uint16_t)(1u << fuzz_below(rng, 12));
			memcpy(m + 6, &v, 2);
		}
		break;
	case 2:		/* another type */
		if (n)
			fuzz_put16(m + 4, fuzz_below(rng, 128));
		break;
	case 3:		/* an attribute length lies, somewhere aligned */
		if (r->len >= 24) {
			at = 16 + 4 * fuzz_below(rng, (uint32_t)(r->len - 20) / 4);
			fuzz_put16(r->b + at, fuzz_value(rng));
		}
		break;
	case 4:		/* an attribute type changes, nested or not */
		if (r->len >= 24) {
			at = 16 + 4 * fuzz_below(rng, (uint32_t)(r->len - 20) / 4);
			v = (uint16_t)(fuzz_below(rng, 64) |
				       (fuzz_below(rng, 2) ? NLA_F_NESTED : 0));
			memcpy(r->b + at + 2, &v, 2);
		}
		break;
	case 5:		/* a nest of random attributes appended */
		if (n && r->len + 64 <= REQ_MAX) {
			uint32_t ml;

			memcpy(&ml, r->b + off[n - 1], sizeof(ml));
			r->msg = off[n - 1];
			r->len = off[n - 1] + NLMSG_ALIGN(ml);
			if (r->len > REQ_MAX - 64)
				break;
			req_nest(r, (int)fuzz_below(rng, 40));
			for (int i = (int)fuzz_below(rng, 3); i >= 0; i--)
				req_u32(r, (int)fuzz_below(rng, 40),
					fuzz_value(rng));
			req_nest_end(r);
			req_end(r);
		}
		break;
	case 6:		/* the whole batch again */
		if (r->len * 2 <= REQ_MAX) {
			memcpy(r->b + r->len, r->b, r->len);
			r->len *= 2;
		}
		break;
	default:	/* the family/index header: huge and negative values */
		if (n && r->len > (size_t)(m - r->b) + 24)
			fuzz_put32(m + 16 + 4 * fuzz_below(rng, 2),
				   fuzz_value(rng));
		break;
	}
}

/* ---- the target ------------------------------------------------------- */

/* The size of the fixed header in front of a reply's attributes, or -1. */
static int reply_hdrlen(int proto, int type)
{
	if (proto == SEED_DIAG)
		return -1;	/* two layouts under one type: not walked */
	switch (type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return sizeof(struct ifinfomsg);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return sizeof(struct ifaddrmsg);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return sizeof(struct rtmsg);
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		return sizeof(struct ndmsg);
	default:
		return -1;
	}
}

/* Attributes fill [p, p + len) exactly, nested ones too (@depth levels). */
static bool attrs_tile(const uint8_t *p, size_t len, int depth)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr nla;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return false;
		if (depth && (nla.nla_type & NLA_F_NESTED) &&
		    !attrs_tile(p + NLA_HDRLEN, nla.nla_len - NLA_HDRLEN,
				depth - 1))
			return false;
		if ((size_t)NLA_ALIGN(nla.nla_len) >= len)
			return true;
		p += NLA_ALIGN(nla.nla_len);
		len -= NLA_ALIGN(nla.nla_len);
	}
	return len == 0;
}

struct sent {
	uint32_t	seq;
	uint16_t	flags;
	int		answers;	/* NLMSG_ERROR or NLMSG_DONE seen */
	int		zero_errors;
};

static int fail(const char *what, unsigned long n)
{
	fprintf(stderr, "  fuzz_netlink: %s (%lu)\n", what, n);
	return 1;
}

/*
 * Checks one received datagram of @n bytes against the batch: 0, or the
 * number of invariants broken.
 */
static int check_reply(int proto, const uint8_t *b, size_t n,
		       struct sent *s, int ns, const uint8_t *req,
		       size_t reqlen, bool *overrun)
{
	size_t at = 0;
	int bad = 0;

	while (at < n) {
		struct nlmsghdr h;
		struct sent *m = NULL;
		int32_t err;
		int hl;

		if (n - at < NLMSG_HDRLEN)
			return bad + fail("runt message in reply", n - at);
		memcpy(&h, b + at, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > n - at)
			return bad + fail("reply nlmsg_len out of the datagram",
					  h.nlmsg_len);
		checked_replies++;
		for (int i = 0; i < ns; i++)
			if (s[i].seq == h.nlmsg_seq)
				m = &s[i];
		if (h.nlmsg_pid != nl_port[proto])
			bad += fail("reply to another port", h.nlmsg_pid);
		if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_DONE) {
			if (!m) {
				bad += fail("answer to no request", h.nlmsg_seq);
				goto next;
			}
			m->answers++;
			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(int)))
				bad += fail("short answer", h.nlmsg_len);
		}
		if (h.nlmsg_type == NLMSG_ERROR && m &&
		    h.nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
			struct nlmsghdr echo;

			memcpy(&err, b + at + NLMSG_HDRLEN, sizeof(err));
			memcpy(&echo, b + at + NLMSG_HDRLEN + sizeof(err),
			       sizeof(echo));
			if (err > 0 || err < -4095)
				bad += fail("error out of range", (unsigned)err);
			if (!err)
				m->zero_errors++;
			if (err == -ENOBUFS)
				*overrun = true;
			if (err <= 0 && -err < 134)
				err_seen[-err]++;
			if (echo.nlmsg_seq != m->seq)
				bad += fail("echo of another request", echo.nlmsg_seq);
			/* A whole echo is the request, byte for byte. */
			if (err && !(h.nlmsg_flags & NLM_F_CAPPED)) {
				bool same = false;

				if (h.nlmsg_len == NLMSG_HDRLEN + sizeof(err) +
						   echo.nlmsg_len)
					for (size_t o = 0; o + echo.nlmsg_len <=
					     reqlen; o += 4)
						if (!memcmp(req + o, b + at +
							    NLMSG_HDRLEN +
							    sizeof(err),
							    echo.nlmsg_len)) {
							same = true;
							break;
						}
				if (!same)
					bad += fail("echoed request differs",
						    echo.nlmsg_len);
			}
		}
		hl = reply_hdrlen(proto, h.nlmsg_type);
		if (hl >= 0) {
			if (h.nlmsg_len < NLMSG_LENGTH((unsigned int)hl))
				bad += fail("reply shorter than its header",
					    h.nlmsg_type);
			else if (!attrs_tile(b + at + NLMSG_LENGTH(NLMSG_ALIGN((unsigned int)hl)),
					     h.nlmsg_len - NLMSG_LENGTH(
					     NLMSG_ALIGN(hl)), 2))
				bad += fail("reply attributes malformed",
					    h.nlmsg_type);
		}
next:
		at += NLMSG_ALIGN(h.nlmsg_len);
	}
	return bad;
}

/*
 * One input: byte 0 picks the socket, the rest goes out as one send. The
 * messages' sequence numbers are renumbered (the stack does not read them)
 * so that each answer names its request. Returns the invariants broken.
 */
static int fuzz_netlink_one(const uint8_t *data, size_t size)
{
	static uint8_t req[REQ_MAX];
	static uint32_t seq_base;
	struct sent s[MAX_MSGS];
	size_t off[MAX_MSGS];
	int proto, ns, bad = 0, fd, avail = 0;
	bool overrun = false;
	ssize_t n;

	if (!size)
		return 0;
	proto = data[0] & 1;
	fd = nl_fd[proto];
	size--;
	if (size > REQ_MAX)
		size = REQ_MAX;
	memcpy(req, data + 1, size);
	ns = walk_msgs(req, size, off, MAX_MSGS);
	for (int i = 0; i < ns; i++) {
		s[i].seq = seq_base += 1;
		memcpy(req + off[i] + 8, &s[i].seq, 4);
		memcpy(&s[i].flags, req + off[i] + 6, 2);
		s[i].answers = 0;
		s[i].zero_errors = 0;
	}
	/* Past MAX_MSGS messages, answers are not matched: not sent. */
	if (ns == MAX_MSGS)
		return 0;
	n = usn_send(fd, req, size, 0);
	if (n < 0 && errno != EMSGSIZE && errno != ENOBUFS)
		bad += fail("send failed", (unsigned long)errno);
	if (n >= 0 && (size_t)n != size)
		bad += fail("short send", (unsigned long)n);
	for (;;) {
		struct iovec iov = { rx, sizeof(rx) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

		n = usn_recvmsg(fd, &msg, MSG_DONTWAIT);
		/*
		 * The receive buffer overran (a batch of dumps): answers were
		 * dropped, as the kernel drops them, and the reader is told
		 * once. What is still queued is read on.
		 */
		if (n < 0 && errno == ENOBUFS) {
			overrun = true;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN)
				bad += fail("recv error", (unsigned long)errno);
			break;
		}
		if (msg.msg_flags & MSG_TRUNC)
			bad += fail("reply truncated", (unsigned long)n);
		bad += check_reply(proto, rx, (size_t)n, s, ns, req, size,
				   &overrun);
	}
	for (int i = 0; i < ns && !overrun; i++) {
		if (s[i].answers > 1)
			bad += fail("several answers to one request", s[i].seq);
		if ((s[i].flags & NLM_F_ACK) && s[i].answers != 1)
			bad += fail("no ack to NLM_F_ACK", s[i].seq);
		if (s[i].zero_errors && !(s[i].flags & NLM_F_ACK))
			bad += fail("ack nobody asked for", s[i].seq);
	}
	if (usn_ioctl(fd, FIONREAD, &avail) == 0 && avail)
		bad += fail("bytes left queued", (unsigned long)avail);
	return bad;
}

/* ---- the setup -------------------------------------------------------- */

static int udp_a = -1, udp_b = -1, tcp_l = -1, unix_l = -1, unix_p[2];
static struct usn_net *fz_net, *fz_peer;

/* ml0, made again when a request deleted it, so the seeds find a device. */
static bool ensure_ml0(void)
{
	static int gen;
	char peer_name[16];
	int ifx[2];

	ml_ifindex = usn_link_index(fz_net, "ml0");
	if (ml_ifindex > 0)
		return true;
	snprintf(peer_name, sizeof(peer_name), "p%d", gen++);
	if (usn_memlink_create(fz_net, "ml0", fz_peer, peer_name, NULL,
			       ifx) < 0)
		return false;
	ml_ifindex = ifx[0];
	usn_link_set_up(fz_net, ifx[0], 1);
	usn_link_set_up(fz_peer, ifx[1], 1);
	return true;
}

static bool setup(void)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un sun = { .sun_family = AF_UNIX,
				   .sun_path = "\0fuzz-netlink" };
	socklen_t len = sizeof(nl);

	if (fz_net)
		return true;
	test_sim_start(7);
	fz_net = usn_net_create("fuzznl", 0);
	fz_peer = usn_net_create("fuzznl-peer", 0);
	if (!fz_net || !fz_peer || !ensure_ml0())
		return false;
	usn_setns(fz_net);
	for (int i = 0; i < 2; i++) {
		nl_fd[i] = usn_socket(AF_NETLINK, SOCK_RAW,
				      i ? NETLINK_SOCK_DIAG : NETLINK_ROUTE);
		len = sizeof(nl);
		if (nl_fd[i] < 0 || usn_bind(nl_fd[i], (void *)&nl, sizeof(nl)) ||
		    usn_getsockname(nl_fd[i], (void *)&nl, &len))
			return false;
		nl_port[i] = nl.nl_pid;
		nl.nl_pid = 0;
	}
	/* Sockets for the diag dumps to find. */
	udp_a = usn_socket(AF_INET, SOCK_DGRAM, 0);
	udp_b = usn_socket(AF_INET, SOCK_DGRAM, 0);
	tcp_l = usn_socket(AF_INET, SOCK_STREAM, 0);
	unix_l = usn_socket(AF_UNIX, SOCK_STREAM, 0);
	if (usn_bind(udp_a, (void *)&sin, sizeof(sin)) ||
	    usn_bind(tcp_l, (void *)&sin, sizeof(sin)) ||
	    usn_listen(tcp_l, 4) ||
	    usn_bind(unix_l, (void *)&sun, sizeof(sun.sun_family) + 13) ||
	    usn_listen(unix_l, 4) ||
	    usn_socketpair(AF_UNIX, SOCK_DGRAM, 0, unix_p))
		return false;
	return true;
}

/* ---- the tests -------------------------------------------------------- */

TEST(every_seed_is_answered_as_asked)
{
	struct req r;
	uint8_t in[REQ_MAX + 1];

	ASSERT_TRUE(setup());
	for (int i = 0; i < NR_SEEDS; i++) {
		int proto = seed_build(i, &r);

		ASSERT_TRUE(proto >= 0);
		in[0] = (uint8_t)proto;
		memcpy(in + 1, r.b, r.len);
		EXPECT_EQ(fuzz_netlink_one(in, r.len + 1), 0);
	}
}

TEST(mutated_requests_keep_the_invariants)
{
	unsigned long iters = fuzz_iters(30000), failures = 0;
	struct fuzz_rng rng;
	static uint8_t in[REQ_MAX + 1];
	struct req r;

	ASSERT_TRUE(setup());
	fuzz_seed(&rng, 0x6e6c66757a7aULL);
	for (unsigned long it = 0; it < iters; it++) {
		int proto, bad;

		ASSERT_TRUE(ensure_ml0());
		proto = seed_build((int)fuzz_below(&rng, NR_SEEDS), &r);

		for (int k = (int)fuzz_below(&rng, 3); k >= 0; k--)
			mutate_nl(&rng, &r);
		if (fuzz_below(&rng, 2))
			fuzz_mutate(&rng, r.b, &r.len, REQ_MAX, 3);
		in[0] = (uint8_t)proto;
		memcpy(in + 1, r.b, r.len);
		bad = fuzz_netlink_one(in, r.len + 1);
		if (bad && failures++ < 5) {
			TEST_FAIL_AT("iteration %lu broke %d invariants", it, bad);
			fuzz_hexdump(in, r.len + 1);
		}
		if (bad && failures == 5)
			break;
	}
	EXPECT_EQ(failures, 0);
	printf("  %lu iterations, %lu replies checked; answers by errno:",
	       iters, checked_replies);
	for (int e = 0; e < 134; e++)
		if (err_seen[e])
			printf(" %s %lu", e ? strerrorname_np(e) : "0",
			       err_seen[e]);
	printf("\n");
	EXPECT_TRUE(checked_replies > iters);
}

static int dump_links_count(void)
{
	struct req r;
	int links = 0, done = 0;
	ssize_t n;

	memset(&r, 0, sizeof(r));
	{
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

		req_msg(&r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		req_end(&r);
	}
	if (usn_send(nl_fd[0], r.b, r.len, 0) != (ssize_t)r.len)
		return -1;
	while (!done && (n = usn_recv(nl_fd[0], rx, sizeof(rx),
				      MSG_DONTWAIT)) > 0) {
		for (size_t at = 0; at + NLMSG_HDRLEN <= (size_t)n;) {
			struct nlmsghdr h;

			memcpy(&h, rx + at, sizeof(h));
			if (h.nlmsg_type == RTM_NEWLINK)
				links++;
			if (h.nlmsg_type == NLMSG_DONE)
				done = 1;
			if (h.nlmsg_len < NLMSG_HDRLEN)
				return -1;
			at += NLMSG_ALIGN(h.nlmsg_len);
		}
	}
	return done ? links : -1;
}

TEST(the_namespace_still_works_afterwards)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(to);
	char got[8];

	ASSERT_TRUE(setup());
	/* lo at least (the fuzzing may have deleted ml0, as it may). */
	EXPECT_TRUE(dump_links_count() >= 1);
	/*
	 * The fuzzing may have taken lo down, changed its MTU or its
	 * address, as root may: put it back, then carry a datagram.
	 */
	usn_link_set_up(fz_net, 1, 1);
	usn_link_set_mtu(fz_net, 1, 65536);
	usn_addr_del(fz_net, 1, AF_INET, &to.sin_addr, 8);
	EXPECT_EQ(usn_addr_add(fz_net, 1, AF_INET, &to.sin_addr, 8), 0);
	ASSERT_TRUE(usn_getsockname(udp_a, (void *)&to, &len) == 0);
	if (usn_sendto(udp_b, "ping", 4, 0, (void *)&to, sizeof(to)) != 4)
		TEST_FAIL_AT("sendto: %s", strerror(errno));
	usn_sim_run(1000000);
	EXPECT_EQ(usn_recv(udp_a, got, sizeof(got), MSG_DONTWAIT), 4);
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(usn_close(nl_fd[i]), 0);
}
