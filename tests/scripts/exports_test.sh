#!/usr/bin/env bash
# exports_test.sh - libusnet.so and libusnet.a export only usn_* symbols
# (the kernel-style internal names stay hidden, so they never clash with a
# program that loads usnet), and a module exports only its two entry points.
set -u
build=${1:?usage: exports_test.sh BUILD_DIR}
pass=0 fail=0

check() {	# name, command producing offending symbols (empty = pass)
	local out
	out=$(eval "$2")
	if [ -z "$out" ]; then
		echo "PASS: $1"; pass=$((pass + 1))
	else
		echo "FAIL: $1:"; echo "$out" | head -20; fail=$((fail + 1))
	fi
}

command -v nm >/dev/null || { echo "SKIPPED: nm not installed"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }

so=$build/libusnet.so
ar=$build/libusnet.a
mod=$build/tests/modules/net-pf-19.so
pd=$build/libusnet-packetdrill.so

check "libusnet.so exports only usn_*" \
	"nm -D --defined-only '$so' | awk '{print \$3}' | grep -v '^usn_'"
check "libusnet.a exports only usn_*" \
	"nm -g --defined-only '$ar' | awk 'NF == 3 {print \$3}' | grep -v '^usn_'"
check "libusnet.so exports the socket API" \
	"for s in socket socketpair bind listen accept accept4 connect send sendto sendmsg recv recvfrom recvmsg read write readv writev close shutdown setsockopt getsockopt getsockname getpeername fcntl ioctl poll net_create net_destroy setns; do nm -D --defined-only '$so' | grep -qw usn_\$s || echo missing usn_\$s; done"
check "libusnet.so needs no internal names from the program" \
	"nm -D --undefined-only '$so' | awk '{print \$2}' | grep -E '^(sock_|skb_|dev_|netif_|ip_|tcp_)'"
# (A sanitizer build adds its own __odr_asan / __asan symbols: not ours.)
check "net-pf-19.so exports only its module entry points" \
	"nm -D --defined-only '$mod' | awk '{print \$3}' | grep -vE '^(usn_module_init|usn_module_abi|_init|_fini)$' | grep -v '^__odr_asan\\|^__asan'"

# The packetdrill back end carries the stack inside: one symbol, not even usn_*.
check "libusnet-packetdrill.so exports only packetdrill_interface_init" \
	"nm -D --defined-only '$pd' | awk '{print \$3}' | grep -vx 'packetdrill_interface_init'"
check "libusnet-packetdrill.so exports packetdrill_interface_init" \
	"nm -D --defined-only '$pd' | grep -qw packetdrill_interface_init || echo missing"
check "libusnet-packetdrill.so needs no other usnet library" \
	"readelf -d '$pd' | grep NEEDED | grep -i usnet"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
