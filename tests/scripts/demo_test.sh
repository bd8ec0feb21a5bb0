#!/usr/bin/env bash
# demo_test.sh BUILD_DIR - usnet-demo runs, shows the seed's rows for TCP,
# UDP and raw ICMP exactly, and every row of the seed's table (PF_PACKET and
# PF_INET + SOCK_PACKET too) live in its table section, its pcap has no malformed frame and no bad checksum in
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
# The table section: every row of the seed's table, seen live.
row() {	# row FAMILY TYPE PROTO PATH
	grep -qE "^    $1 +$2 +$3 +$4( |\$)" "$tmp/a.out"
}
check "table: PF_INET SOCK_STREAM" row PF_INET SOCK_STREAM IPPROTO_TCP 'ip_rcv->ip_rcv_finish->ip_local_deliver->tcp_v4_rcv'
check "table: PF_INET SOCK_DGRAM" row PF_INET SOCK_DGRAM IPPROTO_UDP 'ip_rcv->ip_rcv_finish->ip_local_deliver->udp_rcv'
check "table: PF_INET SOCK_RAW" row PF_INET SOCK_RAW IPPROTO_ICMP 'ip_rcv->ip_rcv_finish->ip_local_deliver->raw_local_deliver->raw_v4_input->raw_rcv'
check "table: PF_INET SOCK_PACKET" row PF_INET SOCK_PACKET ETH_P_ALL '__netif_receive_skb_core->ptype_all->packet_rcv_spkt'
for t in SOCK_DGRAM SOCK_RAW; do
	check "table: PF_PACKET $t ETH_P_ALL" row PF_PACKET $t ETH_P_ALL '__netif_receive_skb_core->ptype_all->packet_rcv'
	check "table: PF_PACKET $t other" row PF_PACKET $t ETH_P_IP '__netif_receive_skb_core->ptype_base->packet_rcv'
done
check "table: PF_PACKET SOCK_PACKET ETH_P_ALL" row PF_PACKET SOCK_PACKET ETH_P_ALL '__netif_receive_skb_core->ptype_all->packet_rcv_spkt'
check "table: PF_PACKET SOCK_PACKET other" row PF_PACKET SOCK_PACKET ETH_P_IP '__netif_receive_skb_core->ptype_base->packet_rcv_spkt'
check "packet sockets received the frame" test "$(grep -cE '^    PF_(PACKET|INET) +SOCK_(DGRAM|RAW|PACKET) +ETH_P_(ALL|IP) .*\((33|47) bytes' "$tmp/a.out")" -eq 7
check "the one-time warning for (PF_INET,SOCK_PACKET)" test "$(grep -c 'uses obsolete (PF_INET,SOCK_PACKET)' "$tmp/a.out")" -eq 1
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
