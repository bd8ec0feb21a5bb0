#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tcp_tap_test.sh BUILD_DIR - usnet's TCP against the Linux kernel over a
# TAP device, inside a network namespace this script creates
# (usnet-test-$$) and deletes on exit; nothing touches the root namespace.
#
# usnet (tests/progs/inet_peer, public API only) is 10.77.0.2/24 and echoes
# TCP on port 7000; the kernel (python3, 10.77.0.1/24) sends 4 MiB of random
# bytes and must read the same bytes back: once on a clean link, once with
# netem's loss, delay and reordering on the kernel's side of the tap (when
# the kernel has sch_netem). tshark must find no malformed segment and no
# bad checksum in usnet's capture.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped.

set -u

build=${1:?usage: tcp_tap_test.sh BUILD_DIR}
peer=$build/tests/progs/inet_peer
passed=0
failed=0

skip() { echo "SKIPPED: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
for tool in ip tshark python3 timeout; do
	command -v $tool >/dev/null || skip "$tool missing"
done
[ -x "$peer" ] || { fail "$peer is built"; echo "$passed passed, $failed failed"; exit 1; }
peer=$(realpath "$peer")

tmp=$(mktemp -d /tmp/usnet-tcp.XXXXXX) || skip "mktemp failed"
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
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

in_ns ip link set lo up
in_ns ip tuntap add dev utap0 mode tap
in_ns ip addr add 10.77.0.1/24 dev utap0
in_ns ip link set utap0 up

# Two connections when the kernel can impair the link (sch_netem), else one.
conns=1
if in_ns tc qdisc add dev utap0 root netem delay 0ms 2>/dev/null; then
	in_ns tc qdisc del dev utap0 root
	conns=2
fi
ip netns exec "$ns" timeout 120 "$peer" utap0 10.77.0.2/24 pcap "$tmp/usnet.pcap" \
	tcp-echo 7000 60 $conns >"$tmp/peer.out" 2>"$tmp/peer.err" &
peer_pid=$!
pids+=("$peer_pid")
if ! wait_for "$tmp/peer.out" '^LISTENING tcp 7000' 10; then
	cat "$tmp/peer.out" "$tmp/peer.err"
	fail "inet_peer listens on TCP 7000"
	echo "$passed passed, $failed failed"
	exit 1
fi

echo_4m() {	# a kernel client: 4 MiB out, the same 4 MiB back
	in_ns timeout 90 python3 -c '
import os, socket, threading
data = os.urandom(4 << 20)
s = socket.create_connection(("10.77.0.2", 7000), timeout=60)
def writer():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=writer)
t.start()
got = bytearray()
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    got += b
t.join()
print("OK" if bytes(got) == data else "MISMATCH %d of %d bytes" % (len(got), len(data)))
'
}

out=$(echo_4m)
check "4 MiB kernel -> usnet -> kernel, byte for byte ($out)" test "$out" = OK
if [ $conns = 2 ] && in_ns tc qdisc add dev utap0 root netem loss 5% delay 5ms reorder 10%; then
	out=$(echo_4m)
	check "the same with netem loss 5% delay 5ms reorder 10% ($out)" test "$out" = OK
else
	echo "NOTE: no sch_netem in this kernel: the impaired run is skipped"
fi
wait "$peer_pid"
grep -E '^(PASS|FAIL): ' "$tmp/peer.out"
passed=$((passed + $(grep -c '^PASS: ' "$tmp/peer.out")))
failed=$((failed + $(grep -c '^FAIL: ' "$tmp/peer.out")))

# Port 7000 is another protocol's in tshark's tables: decode it as plain data.
bad=$(tshark -r "$tmp/usnet.pcap" -d tcp.port==7000,data -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-Y '_ws.malformed || tcp.checksum.status == "Bad" || ip.checksum.status == "Bad"' 2>/dev/null | head -5)
check "tshark: no malformed segment or bad checksum in usnet's capture" test -z "$bad"
[ -z "$bad" ] || echo "$bad"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
