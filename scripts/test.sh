#!/usr/bin/env bash
# test.sh - installs what the tests need, then builds and runs every test
# twice: with gcc (a few tests also under valgrind's leak checker), and with
# clang under AddressSanitizer and UBSan; then the tests that run threads
# once more under ThreadSanitizer. Exits non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)

echo "== gcc build, all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== valgrind leak check"
export USNET_MODULE_PATH=$PWD/build/tests/modules
for t in socket_create_test sockopt_test socket_io_test dev_test sim_test \
	epoll_sim_test netlink_test sock_diag_test packet_test af_unix_test \
	filter_test tcp_mem_test; do
	log=build/valgrind-$t.log
	if valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=1 --log-file="$log" "build/tests/$t" >/dev/null; then
		echo "valgrind: $t clean"
	else
		cat "$log"
		echo "valgrind: $t FAILED"
		exit 1
	fi
done

echo "== clang build with ASan and UBSan, all tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	-DUSNET_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --output-on-failure -j"$jobs")

# The tests that run several threads in threaded mode; about half a minute
# to build and run on two cores (docs/testing.md, ThreadSanitizer).
echo "== clang build with ThreadSanitizer, the threaded tests"
tsan_tests="thread_stress_test epoll_test unix_test packet_thread_test
	packetdrill_so_test socket_io_test external_test file_test skbuff_test
	memlink_test unix_oob_test"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	-DUSNET_TSAN=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target $tsan_tests net-pf-19 \
	usnet-packetdrill
# Without ASLR: older TSan runtimes reject the layout of kernels with more
# mmap randomisation bits ("unexpected memory mapping").
norand=
setarch "$(uname -m)" -R true 2>/dev/null && norand="setarch $(uname -m) -R"
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	$norand ctest --output-on-failure -j"$jobs" \
	-R "^($(echo $tsan_tests | tr ' ' '|'))\$")
