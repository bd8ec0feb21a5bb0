#!/usr/bin/env bash
# demo_test.sh BUILD_DIR - usnet-demo runs, shows the seed's rows for TCP,
# UDP and raw ICMP exactly, its pcap has no malformed frame and no bad checksum in
# tshark's eyes, and two runs (same seed) write the same pcap byte for byte.
set -u
build=${1:?usage: demo_test.sh BUILD_DIR}
demo=$build/tools/demo/usnet-demo
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "PASS: $what"; pass=$((pass + 1)); else echo "FAIL: $what"; fail=$((fail + 1)); fi
}

check "usnet-demo runs" "$demo" "$tmp/a.pcap" >"$tmp/a.out" 2>&1
cat "$tmp/a.out"
check "the UDP row of the seed's table" \
	grep -qx '    ip_rcv->ip_rcv_finish->ip_local_deliver->udp_rcv' "$tmp/a.out"
check "the raw row of the seed's table" \
	grep -qx '    ip_rcv->ip_rcv_finish->ip_local_deliver->raw_local_deliver->raw_v4_input->raw_rcv' "$tmp/a.out"
check "the TCP row of the seed's table" \
	grep -qx '    ip_rcv->ip_rcv_finish->ip_local_deliver->tcp_v4_rcv' "$tmp/a.out"
check "a TCP connection carried its 100 KiB response" grep -q 'response: 102400 bytes' "$tmp/a.out"
check "a 60000-byte datagram crossed in fragments" grep -q 'echo of 60000 bytes: ok' "$tmp/a.out"
check "both pings answered" grep -q 'echo reply' "$tmp/a.out"
check "a second run writes the same pcap" "$demo" "$tmp/b.pcap" >/dev/null 2>&1
check "the two pcaps are byte for byte the same" cmp -s "$tmp/a.pcap" "$tmp/b.pcap"
if command -v tshark >/dev/null; then
	bad=$(tshark -r "$tmp/a.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-o icmp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null)
	check "tshark: no malformed frame or bad checksum in the demo's capture" test -z "$bad"
	[ -z "$bad" ] || echo "$bad" | head
else
	echo "NOTE: tshark not installed: capture not dissected"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
