/* SPDX-License-Identifier: MIT */
/*
 * ps_main.c - the runner: pktscript [-v] [--expect-fail] [--seed N] FILE...
 *
 * Each script runs in a process of its own (forked), so every script
 * starts from a fresh usnet on the same virtual clock and a crash fails
 * one script, not the run. Prints PASS/FAIL per script, the reason of each
 * failure, and "N passed, N failed" last; exits 0 when all passed.
 *
 * --expect-fail inverts the verdict, for the harness's self-tests: a
 * script passes when it fails at run time (a parse error does not count)
 * with a message that contains its --expect_failure text.
 * --expect-parse-error: a script passes when the parser rejects it with a
 * message that contains its --expect_failure text.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <usnet/usnet.h>
#include "pktscript.h"

struct run_opts {
	bool		verbose;
	bool		expect_fail;
	bool		expect_parse_error;
	uint64_t	seed;
};

/* In the child: 0 if the script's verdict is the one wanted. */
static int run_one(const char *path, const struct run_opts *ro)
{
	static char err[PS_ERRLEN];
	struct usn_config cfg;
	struct ps_script s;
	int ret;

	ret = ps_parse_file(path, &s, err, sizeof(err));
	if (ro->expect_parse_error) {
		/* The options before the bad line are kept: --expect_failure. */
		if (!ret)
			printf("FAIL %s\n  expected a parse error, and it parsed\n",
			       path);
		else if (!s.opt.expect_failure || !strstr(err, s.opt.expect_failure))
			printf("FAIL %s\n  rejected, but not with \"%s\":\n  %s\n",
			       path, s.opt.expect_failure ? s.opt.expect_failure :
			       "(no --expect_failure)", err);
		else
			printf("PASS %s (rejected as expected)\n", path);
		ret = !ret || !s.opt.expect_failure ||
		      !strstr(err, s.opt.expect_failure);
		ps_script_free(&s);
		return ret;
	}
	if (ret) {
		printf("FAIL %s\n  parse error: %s\n", path, err);
		ps_script_free(&s);
		return 1;
	}
	usn_config_init(&cfg);
	cfg.mode = USN_MODE_SIMULATED;
	cfg.seed = ro->seed;
	if (usn_init(&cfg)) {
		printf("FAIL %s\n  usn_init failed\n", path);
		ps_script_free(&s);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (ro->verbose)
		printf("---- %s\n", path);
	ret = ps_run(&s, ro->verbose, err, sizeof(err));
	if (!ro->expect_fail) {
		if (ret)
			printf("FAIL %s\n  %s\n", path, err);
		else
			printf("PASS %s\n", path);
	} else if (!ret) {
		printf("FAIL %s\n  expected the script to fail, and it passed\n",
		       path);
		ret = -1;
	} else if (s.opt.expect_failure && !strstr(err, s.opt.expect_failure)) {
		printf("FAIL %s\n  failed, but not with \"%s\":\n  %s\n", path,
		       s.opt.expect_failure, err);
		ret = -1;
	} else {
		printf("PASS %s (failed as expected)\n", path);
		if (ro->verbose)
			printf("  %s\n", err);
		ret = 0;
	}
	ps_script_free(&s);
	return ret ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pktscript [-v] [--expect-fail | --expect-parse-error] [--seed N] script.pkt...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct run_opts ro = { .seed = 1 };
	int passed = 0, failed = 0, status, i;
	pid_t pid;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			ro.verbose = true;
		else if (!strcmp(argv[i], "--expect-fail"))
			ro.expect_fail = true;
		else if (!strcmp(argv[i], "--expect-parse-error"))
			ro.expect_parse_error = true;
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			ro.seed = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (i == argc)
		usage();
	for (; i < argc; i++) {
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			int r = run_one(argv[i], &ro);

			fflush(stdout);
			exit(r);
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			return 1;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			passed++;
		} else {
			if (WIFSIGNALED(status))
				printf("FAIL %s\n  killed by signal %d\n", argv[i],
				       WTERMSIG(status));
			else if (WEXITSTATUS(status) > 1)
				printf("FAIL %s\n  exit status %d\n", argv[i],
				       WEXITSTATUS(status));
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
