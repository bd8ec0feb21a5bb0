/* SPDX-License-Identifier: MIT */
/*
 * nlattr.c - netlink messages and attributes, after lib/nlattr.c and
 * include/net/netlink.h: appending with room checks, and parsing checked
 * against a policy (the minimum or exact length of each attribute type).
 */
#include <errno.h>
#include "family/netlink/nlattr.h"

struct sk_buff *nlmsg_new(unsigned int payload)
{
	unsigned int size = NLMSG_SPACE(payload);
	struct sk_buff *skb = alloc_skb(size);

	/* Exactly @size of room, as the kernel's dumps fill what they asked. */
	if (skb)
		skb_reserve(skb, skb_tailroom(skb) - size);
	return skb;
}

struct nlmsghdr *nlmsg_put(struct sk_buff *skb, uint32_t portid, uint32_t seq,
			   int type, int payload, int flags)
{
	unsigned int size = NLMSG_ALIGN(NLMSG_LENGTH((unsigned int)payload));
	struct nlmsghdr *nlh;

	if (payload < 0 || skb_tailroom(skb) < size)
		return NULL;
	nlh = skb_put(skb, size);
	memset(nlh, 0, size);
	nlh->nlmsg_len = NLMSG_LENGTH((unsigned int)payload);
	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)flags;
	nlh->nlmsg_pid = portid;
	nlh->nlmsg_seq = seq;
	return nlh;
}

void nlmsg_cancel(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	skb_trim(skb, (unsigned int)((unsigned char *)nlh - skb->data));
}

int nla_put(struct sk_buff *skb, int attrtype, int attrlen, const void *data)
{
	unsigned int total = NLA_ALIGN(NLA_HDRLEN + (unsigned int)attrlen);
	struct nlattr *nla;

	if (attrlen < 0 || NLA_HDRLEN + attrlen > UINT16_MAX ||
	    skb_tailroom(skb) < total)
		return -EMSGSIZE;
	nla = skb_put(skb, total);
	nla->nla_type = (uint16_t)attrtype;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + attrlen);
	if (attrlen)
		memcpy(nla_data(nla), data, (size_t)attrlen);
	/* The padding goes out zeroed: no stale bytes reach the reader. */
	memset((unsigned char *)nla + nla->nla_len, 0, total - nla->nla_len);
	return 0;
}

struct nlattr *nla_nest_start(struct sk_buff *skb, int attrtype)
{
	struct nlattr *start = (struct nlattr *)(void *)skb_tail_pointer(skb);

	if (nla_put(skb, attrtype | NLA_F_NESTED, 0, NULL))
		return NULL;
	return start;
}

size_t nla_strscpy(char *dst, const struct nlattr *nla, size_t size)
{
	size_t len = (size_t)nla_len(nla);
	const char *src = nla_data(nla);

	if (len && !src[len - 1])
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return len;
}

/* The minimum length of each fixed-size type. */
static const uint8_t nla_attr_minlen[NLA_TYPE_MAX] = {
	[NLA_U8]	= sizeof(uint8_t),
	[NLA_U16]	= sizeof(uint16_t),
	[NLA_U32]	= sizeof(uint32_t),
	[NLA_S32]	= sizeof(int32_t),
	[NLA_U64]	= sizeof(uint64_t),
};

static int validate_nla(const struct nlattr *nla, int maxtype,
			const struct nla_policy *policy)
{
	int type = nla_type(nla), attrlen = nla_len(nla);
	const struct nla_policy *pt;
	const char *s;

	if (type <= 0 || type > maxtype || !policy)
		return 0;
	pt = &policy[type];
	switch (pt->type) {
	case NLA_REJECT:
		return -EINVAL;
	case NLA_FLAG:
		return attrlen > 0 ? -ERANGE : 0;
	case NLA_NUL_STRING:
		if (attrlen < 1)
			return -EINVAL;
		s = nla_data(nla);
		if (pt->len && attrlen > pt->len + 1)
			return -ERANGE;
		if (!memchr(s, '\0', (size_t)attrlen))
			return -EINVAL;
		return 0;
	case NLA_STRING:
		if (attrlen < 1)
			return -ERANGE;
		s = nla_data(nla);
		if (pt->len) {
			if (!s[attrlen - 1])
				attrlen--;
			if (attrlen > pt->len)
				return -ERANGE;
		}
		return 0;
	case NLA_BINARY:
		return pt->len && attrlen > pt->len ? -ERANGE : 0;
	case NLA_EXACT_LEN:
		return attrlen != pt->len ? -ERANGE : 0;
	case NLA_NESTED:
		return attrlen && attrlen < NLA_HDRLEN ? -EINVAL : 0;
	case NLA_UNSPEC:
		return attrlen < pt->len ? -ERANGE : 0;
	default:
		return attrlen < nla_attr_minlen[pt->type] ? -ERANGE : 0;
	}
}

int nla_parse(struct nlattr **tb, int maxtype, const struct nlattr *head,
	      int len, const struct nla_policy *policy)
{
	const struct nlattr *nla;
	int rem, err;

	memset(tb, 0, sizeof(*tb) * (size_t)(maxtype + 1));
	nla_for_each_attr(nla, head, len, rem) {
		int type = nla_type(nla);

		err = validate_nla(nla, maxtype, policy);
		if (err)
			return err;
		if (type > 0 && type <= maxtype)
			tb[type] = (struct nlattr *)nla;
	}
	/*
	 * Trailing bytes shorter than an attribute are only warned about by
	 * the kernel's liberal parsing of these (old) message types.
	 */
	return 0;
}

int nlmsg_parse(const struct nlmsghdr *nlh, int hdrlen, struct nlattr **tb,
		int maxtype, const struct nla_policy *policy)
{
	if (nlh->nlmsg_len < NLMSG_LENGTH((unsigned int)hdrlen))
		return -EINVAL;
	return nla_parse(tb, maxtype, nlmsg_attrdata(nlh, hdrlen),
			 nlmsg_attrlen(nlh, hdrlen), policy);
}
