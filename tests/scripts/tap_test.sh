#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap_test.sh BUILD_DIR - usnet's TAP device against the Linux kernel.
#
# Everything runs inside a network namespace this script creates
# (usnet-test-$$) and deletes on exit; nothing touches the root namespace.
# tap_probe (tests/progs) attaches usnet to the tap utap0 and taps every
# frame; the kernel side gets 10.77.0.1/24. The kernel's ARP request for
# 10.77.0.2 (triggered by ping; the probe has no address, so usnet does not
# answer it) must reach
# usnet's ptype_all tap, with the receive trace
# __netif_receive_skb_core->ptype_all->tap_probe_rcv; usnet's own frame
# (ethertype 0x88b5, "usnet-tap-hello") must reach tcpdump on the kernel
# side. Then the kernel's utap0 is deleted under usnet. The probe checks
# more on its own (usn_tap_attach's error paths, ndo_uninit, a tap in an
# external-mode namespace) with the kernel taps utap1..utap3, and once more
# without CAP_NET_ADMIN (EPERM). Probe and script meet through lines the
# probe prints (READY, SENT) and a file the script creates (quit).
#
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, no
# /dev/net/tun, no ip, no tcpdump, no namespaces).

set -u

build=${1:?usage: tap_test.sh BUILD_DIR}
probe=$build/tests/progs/tap_probe
passed=0
failed=0

skip() {
	echo "SKIPPED: $*"
	exit 77
}

pass() {
	echo "PASS: $*"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
command -v ip >/dev/null || skip "ip (iproute2) missing"
command -v tcpdump >/dev/null || skip "tcpdump missing"
command -v timeout >/dev/null || skip "timeout (coreutils) missing"
if [ ! -x "$probe" ]; then
	fail "$probe is built"
	echo "$passed passed, $failed failed"
	exit 1
fi
probe=$(realpath "$probe")

tmp=$(mktemp -d /tmp/usnet-tap.XXXXXX) || skip "mktemp failed"
ns=usnet-test-$$
if ! ip netns add "$ns" 2>"$tmp/netns.err"; then
	reason=$(cat "$tmp/netns.err")
	rm -rf "$tmp"
	skip "ip netns add failed: $reason"
fi

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() {
	ip netns exec "$ns" "$@"
}

# wait_for FILE PATTERN SECONDS [PID]: until FILE has a line matching
# PATTERN; gives up early if PID died.
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			grep -q -- "$2" "$1" 2>/dev/null
			return
		fi
		sleep 0.05
	done
	return 1
}

# Counts the probe's own PASS/FAIL lines into ours.
count_probe() {
	local n
	n=$(grep -c '^PASS: ' "$tmp/probe.out")
	passed=$((passed + n))
	n=$(grep -c '^FAIL: ' "$tmp/probe.out")
	failed=$((failed + n))
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

in_ns ip link set lo up

# ---- usnet attaches utap0 inside the namespace --------------------------------

# Started directly, not through in_ns: $! must be the process itself (ip
# netns exec execs timeout), not a subshell that ignores SIGINT.
ip netns exec "$ns" timeout 60 "$probe" run "$tmp" \
	>"$tmp/probe.out" 2>"$tmp/probe.err" &
probe_pid=$!
pids+=("$probe_pid")
# The probe's lines appear as they come; ours follow the probe's checks.
if ! wait_for "$tmp/probe.out" '^READY ' 10 "$probe_pid"; then
	cat "$tmp/probe.out" "$tmp/probe.err"
	count_probe
	fail "tap_probe attached utap0 and printed READY"
	finish
fi
pass "tap_probe attached utap0 and printed READY"
usnet_mac=$(sed -n 's/^READY .*mac=\([0-9a-f:]*\).*/\1/p' "$tmp/probe.out")

check "kernel utap0 exists in the test namespace and is a tap" \
	bash -c "ip netns exec '$ns' ip -d link show utap0 | grep -q 'tun type tap'"
check "no utap0 in the root namespace" \
	bash -c '! ip link show utap0 >/dev/null 2>&1'
check "no utap1 left by the probe's failed attaches" \
	bash -c "! ip netns exec '$ns' ip link show utap1 >/dev/null 2>&1"

# ---- the kernel side -----------------------------------------------------------

in_ns ip addr add 10.77.0.1/24 dev utap0
in_ns ip link set utap0 up
kernel_mac=$(in_ns cat /sys/class/net/utap0/address)

ip netns exec "$ns" timeout 60 tcpdump -i utap0 -U -Z root -nn -w "$tmp/k.pcap" \
	>"$tmp/tcpdump.out" 2>"$tmp/tcpdump.err" &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
check "tcpdump listening on utap0" \
	wait_for "$tmp/tcpdump.err" 'listening on' 10 "$tcpdump_pid"

# No reply is expected (usnet has no ARP yet): ping only makes the kernel ask.
in_ns timeout 15 ping -c 3 -W 1 10.77.0.2 >"$tmp/ping.out" 2>&1

check "tap_probe sent its frame" wait_for "$tmp/probe.out" '^SENT' 20 "$probe_pid"
arp_sha=$(sed -n 's/^ARP sha=\([0-9a-f:]*\).*/\1/p' "$tmp/probe.out")
check "ARP request came from the kernel side's MAC ($kernel_mac)" \
	test -n "$arp_sha" -a "$arp_sha" = "$kernel_mac"

# ---- what the kernel side captured ---------------------------------------------

captured() {
	timeout 10 tcpdump -r "$tmp/k.pcap" -nn -e "$@" 'ether proto 0x88b5' \
		2>/dev/null
}
# -U writes each packet as it arrives; give the capture a moment, bounded.
for ((i = 0; i < 40; i++)); do
	[ -n "$(captured)" ] && break
	sleep 0.1
done
kill -INT "$tcpdump_pid" 2>/dev/null
timeout 10 tail --pid="$tcpdump_pid" -f /dev/null
wait "$tcpdump_pid" 2>/dev/null
# The kernel side goes away under usnet: the probe checks its device notices.
check "kernel utap0 deleted while usnet holds it" in_ns ip link del utap0
touch "$tmp/quit"

captured >"$tmp/frames.txt"
# One line per frame, then (unknown ethertype) its payload in indented hex.
frames=$(grep -c '^[0-9]' "$tmp/frames.txt")
check "tcpdump on utap0 captured 1 frame of ethertype 0x88b5 (got $frames)" \
	test "$frames" = 1
[ "$frames" = 1 ] || cat "$tmp/frames.txt"
check "it came from usnet's MAC ($usnet_mac) to broadcast, 60 bytes" \
	grep -qE "^[0-9:.]+ $usnet_mac > ff:ff:ff:ff:ff:ff, .*length 60" \
	"$tmp/frames.txt"
hello_hex=$(printf 'usnet-tap-hello' | od -An -tx1 | tr -d ' \n')
frame_hex=$(captured -xx | sed -n 's/^[[:space:]]*0x[0-9a-f]*:[[:space:]]*//p' |
	    tr -d ' \n')
check "its payload starts with usnet-tap-hello, zero-padded" \
	test "${frame_hex:28}" = "$hello_hex$(printf '0%.0s' {1..62})"
captured -X >"$tmp/frames-x.txt"
check "tcpdump -X shows usnet-tap-hello" grep -q 'usnet-tap-hello' "$tmp/frames-x.txt"

# ---- the probe's verdict ---------------------------------------------------------

timeout 20 tail --pid="$probe_pid" -f /dev/null
wait "$probe_pid"
rc=$?
cat "$tmp/probe.out"
[ -s "$tmp/probe.err" ] && sed 's/^/probe stderr: /' "$tmp/probe.err"
count_probe
check "tap_probe exited 0 (rc $rc)" test "$rc" = 0

# ---- EPERM without CAP_NET_ADMIN --------------------------------------------------

if command -v setpriv >/dev/null; then
	in_ns timeout 20 setpriv --inh-caps=-net_admin --ambient-caps=-net_admin \
		--bounding-set=-net_admin "$probe" eperm >"$tmp/probe.out" 2>&1
	rc=$?
	cat "$tmp/probe.out"
	count_probe
	check "tap_probe eperm exited 0 (rc $rc)" test "$rc" = 0
else
	echo "SKIP: EPERM check (setpriv missing)"
fi

finish
