#!/bin/bash
# SPDX-License-Identifier: MIT
#
# inet_tap_test.sh BUILD_DIR - usnet's IPv4, ARP, ICMP and UDP against the
# Linux kernel over a TAP device.
#
# Everything runs inside a network namespace this script creates
# (usnet-test-$$) and deletes on exit; nothing touches the root namespace.
# The kernel side of the tap utap0 is 10.77.0.1/24; usnet (tests/progs/
# inet_peer, public API only) is 10.77.0.2/24 on the other side. Checked:
# the kernel pings usnet and usnet pings the kernel (also with 4000-byte
# payloads, fragmented both ways), the kernel's neighbour table shows
# usnet's MAC, UDP datagrams both ways, a closed usnet port makes the
# kernel's connected socket report ECONNREFUSED and a closed kernel port
# makes usnet's do, and tshark finds no malformed frame and no bad checksum
# in usnet's capture.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, no
# /dev/net/tun, a missing tool, no namespaces).

set -u

build=${1:?usage: inet_tap_test.sh BUILD_DIR}
peer=$build/tests/progs/inet_peer
passed=0
failed=0

skip() { echo "SKIPPED: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
for tool in ip ping nc socat tshark python3 timeout; do
	command -v $tool >/dev/null || skip "$tool missing"
done
[ -x "$peer" ] || { fail "$peer is built"; echo "$passed passed, $failed failed"; exit 1; }
peer=$(realpath "$peer")

tmp=$(mktemp -d /tmp/usnet-inet.XXXXXX) || skip "mktemp failed"
ns=usnet-test-$$
ip netns add "$ns" 2>"$tmp/netns.err" || { r=$(cat "$tmp/netns.err"); rm -rf "$tmp"; skip "ip netns add: $r"; }

pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { ip netns exec "$ns" "$@"; }

wait_for() {	# FILE PATTERN SECONDS
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

# ---- the kernel side: a persistent tap with 10.77.0.1/24 ------------------------

in_ns ip link set lo up
in_ns ip tuntap add dev utap0 mode tap
in_ns ip addr add 10.77.0.1/24 dev utap0
in_ns ip link set utap0 up
# A UDP echo server on the kernel side, for usnet's datagrams.
in_ns timeout 60 socat -T 2 UDP-RECVFROM:9999,fork EXEC:cat >/dev/null 2>&1 &
pids+=($!)

# ---- usnet on the other side ------------------------------------------------------

ip netns exec "$ns" timeout 60 "$peer" utap0 10.77.0.2/24 \
	pcap "$tmp/usnet.pcap" \
	udp-echo 7777 20 1 \
	ping 10.77.0.1 3 56 \
	ping 10.77.0.1 2 4000 \
	udp-send 10.77.0.1 9999 hello-from-usnet \
	udp-refused 10.77.0.1 9 \
	serve 6 >"$tmp/peer.out" 2>"$tmp/peer.err" &
peer_pid=$!
pids+=("$peer_pid")

if ! wait_for "$tmp/peer.out" '^LISTENING udp 7777' 10; then
	cat "$tmp/peer.out" "$tmp/peer.err"
	fail "inet_peer attached utap0 and listens"
	finish
fi
pass "inet_peer attached utap0 with 10.77.0.2/24"
usnet_mac=$(sed -n 's/^READY .*mac=\([0-9a-f:]*\).*/\1/p' "$tmp/peer.out")

check "the kernel pings usnet" in_ns ping -c 3 -i 0.2 -W 2 -q 10.77.0.2
check "the kernel pings usnet with 4000 bytes (fragmented both ways)" \
	in_ns ping -c 2 -i 0.2 -s 4000 -W 2 -q 10.77.0.2
check "the kernel's neighbour table has usnet's MAC ($usnet_mac) for 10.77.0.2" \
	bash -c "ip netns exec '$ns' ip neigh show 10.77.0.2 dev utap0 | grep -Eq 'lladdr $usnet_mac (REACHABLE|STALE|DELAY|PROBE)'"
reply=$(echo hello-from-kernel | in_ns timeout 5 nc -u -w 2 10.77.0.2 7777)
check "nc -u to usnet's UDP echo comes back" test "$reply" = hello-from-kernel

refused=$(in_ns timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("10.77.0.2", 9))
s.send(b"x")
s.settimeout(3)
try:
    s.recv(16)
    print("no error")
except ConnectionRefusedError:
    print("ECONNREFUSED")
except socket.timeout:
    print("timeout")
')
echo "kernel socket said: $refused"
check "a closed usnet port: the kernel's connected socket gets ECONNREFUSED" \
	test "$refused" = ECONNREFUSED

wait "$peer_pid"
peer_rc=$?
grep -E '^(PASS|FAIL): ' "$tmp/peer.out"
passed=$((passed + $(grep -c '^PASS: ' "$tmp/peer.out")))
failed=$((failed + $(grep -c '^FAIL: ' "$tmp/peer.out")))
check "inet_peer finished cleanly" test "$peer_rc" = 0
[ "$peer_rc" = 0 ] || cat "$tmp/peer.err"
cp "$tmp/usnet.pcap" /tmp/inet_tap_last.pcap 2>/dev/null

bad=$(tshark -r "$tmp/usnet.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-o icmp.check_checksum:TRUE -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null)
check "tshark: no malformed frame or bad checksum in usnet's capture" test -z "$bad"
[ -z "$bad" ] || echo "$bad" | head -20
frames=$(tshark -r "$tmp/usnet.pcap" 2>/dev/null | wc -l)
check "usnet's capture has the exchange ($frames frames)" test "$frames" -gt 20

finish
