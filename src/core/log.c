/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include "core/log.h"

int usn_log_level = LOG_LVL_WARN;

void usn_log(int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	char buf[512];
	va_list ap;

	if (level > usn_log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "usnet: %s: %s\n", prefix[level], buf);
}
