/* SPDX-License-Identifier: MIT */
/* The test runner: runs every registered TEST in order, or those named on the command line. */
#include "test.h"

static struct usn_test *head, **tail = &head;
int test_failures;
const char *test_current;

void test_register(struct usn_test *t)
{
	*tail = t;
	tail = &t->next;
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct usn_test *t = head; t; t = t->next) {
		if (!selected(t->name, argc, argv))
			continue;
		test_current = t->name;
		test_failures = 0;
		printf("[ RUN  ] %s\n", t->name);
		t->fn();
		if (test_failures) {
			printf("[ FAIL ] %s\n", t->name);
			failed++;
		} else {
			printf("[  OK  ] %s\n", t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
