/* SPDX-License-Identifier: MIT */
/*
 * test.h - the test harness: TEST(name) { ... } bodies register themselves
 * and run in declaration order from the harness's main(); EXPECT_* record a
 * failure and go on, ASSERT_* end the test. A test program exits 0 when
 * every test passed, 1 on a failure, and 77 (CTest's SKIP_RETURN_CODE) when
 * it called TEST_SKIP_ALL() because the machine cannot run it.
 *
 * Each test binary prints "N passed, N failed" as its last line.
 */
#ifndef USN_TEST_H
#define USN_TEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct usn_test {
	const char *name;
	void (*fn)(void);
	struct usn_test *next;
};

void test_register(struct usn_test *t);
extern int test_failures;	/* failures in the running test */
extern const char *test_current;

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#define TEST(name)							\
	static void test_##name(void);					\
	static struct usn_test test_desc_##name = { #name, test_##name, NULL }; \
	__attribute__((constructor)) static void test_reg_##name(void)	\
	{								\
		test_register(&test_desc_##name);			\
	}								\
	static void test_##name(void)

#define TEST_FAIL_AT(...)						\
	do {								\
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		test_failures++;					\
	} while (0)

#define EXPECT_TRUE(c)							\
	do {								\
		if (!(c))						\
			TEST_FAIL_AT("expected %s", #c);		\
	} while (0)

#define EXPECT_EQ(a, b)							\
	do {								\
		long long __a = (long long)(a), __b = (long long)(b);	\
		if (__a != __b)						\
			TEST_FAIL_AT("%s == %s: %lld != %lld", #a, #b, __a, __b); \
	} while (0)

#define EXPECT_NE(a, b)							\
	do {								\
		long long __a = (long long)(a), __b = (long long)(b);	\
		if (__a == __b)						\
			TEST_FAIL_AT("%s != %s: both %lld", #a, #b, __a); \
	} while (0)

#define EXPECT_STREQ(a, b)						\
	do {								\
		const char *__a = (a), *__b = (b);			\
		if (!__a || !__b || strcmp(__a, __b))			\
			TEST_FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b, \
				     __a ? __a : "(null)", __b ? __b : "(null)"); \
	} while (0)

/* A POSIX-style call failed with -1 and the given errno. */
#define EXPECT_ERRNO(call, err)						\
	do {								\
		errno = 0;						\
		long long __r = (long long)(call);			\
		int __e = errno;					\
		if (__r != -1 || __e != (err))				\
			TEST_FAIL_AT("%s: expected -1/%s, got %lld/%s", #call, \
				     #err, __r, strerrorname_np(__e) ?	\
				     strerrorname_np(__e) : "0");	\
	} while (0)

/* A POSIX-style call succeeded (did not return -1). */
#define EXPECT_OK(call)							\
	do {								\
		errno = 0;						\
		long long __r = (long long)(call);			\
		if (__r == -1)						\
			TEST_FAIL_AT("%s failed: %s", #call, strerror(errno)); \
	} while (0)

#define ASSERT_TRUE(c)							\
	do {								\
		if (!(c)) {						\
			TEST_FAIL_AT("assertion %s", #c);		\
			return;						\
		}							\
	} while (0)

/* Ends the whole program as skipped (exit 77) with a reason. */
#define TEST_SKIP_ALL(...)						\
	do {								\
		printf("SKIPPED: ");					\
		printf(__VA_ARGS__);					\
		printf("\n0 passed, 0 failed, 1 skipped\n");		\
		fflush(stdout);						\
		exit(77);						\
	} while (0)

#endif
