/* SPDX-License-Identifier: MIT */
/*
 * nlattr.h - building and parsing netlink messages and their attributes,
 * after include/net/netlink.h: nlmsg_put/nla_put append to an sk_buff
 * (-EMSGSIZE when the buffer is full, so a dump can stop and continue in
 * the next one), nla_parse checks every attribute against a policy before
 * any handler reads it. The wire formats are those of <linux/netlink.h>.
 *
 * Messages are copied from user buffers into sk_buffs, so their headers
 * and attributes are read with memcpy through these helpers: the helpers
 * check lengths first, and the data is 4-byte aligned by construction.
 */
#ifndef USN_FAMILY_NETLINK_NLATTR_H
#define USN_FAMILY_NETLINK_NLATTR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>
#include "core/skbuff.h"

/* Attribute types of a policy (the kernel's NLA_* of net/netlink.h). */
enum {
	NLA_UNSPEC,	/* any length */
	NLA_U8,
	NLA_U16,
	NLA_U32,
	NLA_U64,
	NLA_STRING,	/* up to .len bytes, NUL optional */
	NLA_FLAG,	/* no payload */
	NLA_NESTED,
	NLA_NUL_STRING,	/* NUL-terminated within .len */
	NLA_BINARY,	/* at most .len bytes */
	NLA_S32,
	NLA_EXACT_LEN,	/* exactly .len bytes */
	NLA_REJECT,	/* present: -EINVAL */
	NLA_TYPE_MAX,
};

struct nla_policy {
	uint8_t		type;
	uint16_t	len;	/* NLA_STRING/BINARY: max; EXACT_LEN: exact; UNSPEC: min */
};

/* ---- messages ------------------------------------------------------------ */

static inline void *nlmsg_data(const struct nlmsghdr *nlh)
{
	return (unsigned char *)nlh + NLMSG_HDRLEN;
}

/* Bytes of payload (type-specific header and attributes). */
static inline int nlmsg_len(const struct nlmsghdr *nlh)
{
	return (int)nlh->nlmsg_len - NLMSG_HDRLEN;
}

static inline struct nlattr *nlmsg_attrdata(const struct nlmsghdr *nlh,
					    int hdrlen)
{
	return (struct nlattr *)((unsigned char *)nlmsg_data(nlh) +
				 NLMSG_ALIGN(hdrlen));
}

static inline int nlmsg_attrlen(const struct nlmsghdr *nlh, int hdrlen)
{
	return nlmsg_len(nlh) - NLMSG_ALIGN(hdrlen);
}

/*
 * Appends a message header (and @payload zeroed bytes of type-specific
 * header) to @skb; NULL when it does not fit.
 */
struct nlmsghdr *nlmsg_put(struct sk_buff *skb, uint32_t portid, uint32_t seq,
			   int type, int payload, int flags);
/* Sets the length of the message that starts at @nlh and ends at the tail. */
static inline void nlmsg_end(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	nlh->nlmsg_len = (uint32_t)(skb_tail_pointer(skb) - (unsigned char *)nlh);
}

/* Removes the message at @nlh (and what follows) from @skb: it did not fit. */
void nlmsg_cancel(struct sk_buff *skb, struct nlmsghdr *nlh);

/* An sk_buff for netlink messages of @payload bytes at most. */
struct sk_buff *nlmsg_new(unsigned int payload);

/* ---- attributes ---------------------------------------------------------- */

static inline void *nla_data(const struct nlattr *nla)
{
	return (unsigned char *)nla + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *nla)
{
	return (int)nla->nla_len - NLA_HDRLEN;
}

static inline int nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline bool nla_ok(const struct nlattr *nla, int remaining)
{
	return remaining >= (int)sizeof(*nla) &&
	       nla->nla_len >= sizeof(*nla) && nla->nla_len <= remaining;
}

static inline struct nlattr *nla_next(const struct nlattr *nla, int *remaining)
{
	int totlen = NLA_ALIGN(nla->nla_len);

	*remaining -= totlen;
	return (struct nlattr *)((unsigned char *)nla + totlen);
}

#define nla_for_each_attr(pos, head, len, rem)				\
	for (pos = (head), rem = (len); nla_ok(pos, rem);		\
	     pos = nla_next(pos, &(rem)))

/* Readers: the policy has checked the length. */
static inline uint8_t nla_get_u8(const struct nlattr *nla)
{
	return *(const uint8_t *)nla_data(nla);
}

static inline uint32_t nla_get_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

/* A network-order 32-bit value (an IPv4 address). */
static inline uint32_t nla_get_in_addr(const struct nlattr *nla)
{
	return nla_get_u32(nla);
}

/* Copies a string attribute into @dst (at most @size - 1 bytes, NUL-ended). */
size_t nla_strscpy(char *dst, const struct nlattr *nla, size_t size);

/*
 * Checks the attributes at @head against @policy (indexed by type, up to
 * @maxtype) and fills tb[0..maxtype] with the last of each type; unknown
 * types are skipped, as the kernel's liberal parsing does. -EINVAL for an
 * attribute the policy rejects or a truncated stream.
 */
int nla_parse(struct nlattr **tb, int maxtype, const struct nlattr *head,
	      int len, const struct nla_policy *policy);

/* nla_parse over the attributes after a @hdrlen-byte header; -EINVAL if short. */
int nlmsg_parse(const struct nlmsghdr *nlh, int hdrlen, struct nlattr **tb,
		int maxtype, const struct nla_policy *policy);

/* Writers: -EMSGSIZE when @skb has no room (nothing is written). */
int nla_put(struct sk_buff *skb, int attrtype, int attrlen, const void *data);

static inline int nla_put_u8(struct sk_buff *skb, int type, uint8_t v)
{
	return nla_put(skb, type, sizeof(v), &v);
}

static inline int nla_put_u16(struct sk_buff *skb, int type, uint16_t v)
{
	return nla_put(skb, type, sizeof(v), &v);
}

static inline int nla_put_u32(struct sk_buff *skb, int type, uint32_t v)
{
	return nla_put(skb, type, sizeof(v), &v);
}

static inline int nla_put_u64(struct sk_buff *skb, int type, uint64_t v)
{
	return nla_put(skb, type, sizeof(v), &v);
}

static inline int nla_put_in_addr(struct sk_buff *skb, int type, uint32_t v)
{
	return nla_put(skb, type, sizeof(v), &v);
}

static inline int nla_put_string(struct sk_buff *skb, int type, const char *s)
{
	return nla_put(skb, type, (int)strlen(s) + 1, s);
}

/* Opens a nested attribute; close it with nla_nest_end(). NULL if full. */
struct nlattr *nla_nest_start(struct sk_buff *skb, int attrtype);

static inline void nla_nest_end(struct sk_buff *skb, struct nlattr *start)
{
	start->nla_len = (uint16_t)(skb_tail_pointer(skb) -
				    (unsigned char *)start);
}

/* Removes an attribute (and what follows) that could not be completed. */
static inline void nla_nest_cancel(struct sk_buff *skb, struct nlattr *start)
{
	nlmsg_cancel(skb, (struct nlmsghdr *)(void *)start);
}

#endif
