/* SPDX-License-Identifier: MIT */
/*
 * log.h - messages to stderr, with the kernel's levels. USNET_LOG (0..3)
 * or usn_config.log_level picks how much is printed; errors always are.
 */
#ifndef USN_CORE_LOG_H
#define USN_CORE_LOG_H

enum { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern int usn_log_level;

void usn_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)	usn_log(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn(...)	usn_log(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)	usn_log(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...)	usn_log(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
