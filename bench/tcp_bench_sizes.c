/* SPDX-License-Identifier: MIT */
/*
 * tcp_bench_sizes.c - where an idle TCP socket's bytes go, for tcp_bench
 * mem. Apart from tcp_bench.c because it needs the internal headers (for
 * sizeof only), which clash with the libc's <netinet/tcp.h>.
 */
#include <stdbool.h>
#include <stdio.h>
#include "socket/socket.h"
#include "transport/tcp/tcp_var.h"

void mem_breakdown(double per_socket);

/* What malloc(@n) takes from the heap (glibc: 8-byte header, 16-byte steps). */
static size_t malloc_chunk(size_t n)
{
	size_t c = (n + 8 + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}

/*
 * The objects allocated per socket as the heap counts them (struct sock
 * and struct inet_sock are the head of struct tcp_sock); the rest is the
 * fd-table entry (in chunks of 64) and anything else allocated per socket.
 */
void mem_breakdown(double per_socket)
{
	static const struct {
		const char	*name;
		size_t		size;
		bool		alloc;	/* an allocation of its own */
	} part[] = {
		{ "struct tcp_sock", sizeof(struct tcp_sock), true },
		{ "  of which struct inet_sock", sizeof(struct inet_sock), false },
		{ "  of which struct sock", sizeof(struct sock), false },
		{ "struct socket", sizeof(struct socket), true },
		{ "struct file", sizeof(struct file), true },
	};
	size_t sum = 0;

	printf("usnet bytes per socket: %.0f\n", per_socket);
	for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		printf("  %-28s %5zu bytes", part[i].name, part[i].size);
		if (part[i].alloc) {
			printf(" (%zu on the heap)", malloc_chunk(part[i].size));
			sum += malloc_chunk(part[i].size);
		}
		printf("\n");
	}
	printf("  %-28s %5.0f bytes\n", "fd-table entry and the rest",
	       per_socket - (double)sum);
}
