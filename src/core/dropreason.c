/* SPDX-License-Identifier: MIT */
#include "core/dropreason.h"
#include "core/compiler.h"

static const char *const drop_reason_names[] = {
#define USN_DROP_NAME(name, text) [SKB_DROP_REASON_##name] = text,
	USN_DROP_REASONS(USN_DROP_NAME)
#undef USN_DROP_NAME
};

const char *drop_reason_name(enum skb_drop_reason reason)
{
	if ((unsigned int)reason >= ARRAY_SIZE(drop_reason_names))
		return NULL;
	return drop_reason_names[reason];
}
