/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - the few compiler helpers every usnet file may use.
 *
 * Symbols are hidden by default (-fvisibility=hidden). EXPORT_SYMBOL(sym)
 * publishes a function to loadable family modules and to the shared
 * library's users under the name usn_<sym>, as the kernel's EXPORT_SYMBOL
 * publishes a symbol to its modules; nothing else leaves the library.
 */
#ifndef USN_CORE_COMPILER_H
#define USN_CORE_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b)	((type)(a) > (type)(b) ? (type)(a) : (type)(b))

/*
 * A field that one thread writes under a lock while another reads it
 * without that lock (a flag checked before taking it): whole loads and
 * stores, with no order implied, as the kernel's macros of these names.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define ALIGN_UP(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

#define __public	__attribute__((visibility("default")))
#define __unused	__attribute__((unused))

/* Publish an internal function as usn_<sym> (must follow its definition). */
#define EXPORT_SYMBOL(sym) \
	extern __typeof__(sym) usn_##sym \
		__attribute__((alias(#sym), visibility("default")))

/* Declare an exported alias in a header. */
#define EXPORT_DECL(sym)	extern __typeof__(sym) usn_##sym

#endif
