#!/bin/bash
# SPDX-License-Identifier: MIT
#
# http_tap_test.sh BUILD_DIR - the HTTP examples (examples/http_server,
# examples/http_client: usnet's public API only) against the Linux kernel
# and its programs over TAP devices, inside a network namespace this script
# creates (usnet-test-$$) and deletes on exit; nothing touches the root
# namespace.
#
#   utap0: usnet's http_server 10.77.0.2:8080, the kernel 10.77.0.1
#   utap1: usnet's http_client 10.78.0.2, python3 -m http.server 10.78.0.1:8000
#
# The checks: curl downloads from usnet (small, keep-alive, 100 MiB) and
# uploads to it (small, 100 MiB: usnet answers the body's SHA-256); ab with
# 1000 concurrent connections and 1000 connections held open at once, all
# answered; usnet's client downloads 100 MiB from python's http.server; the
# downloads and an upload again with netem (loss 5% delay 20ms reorder 10%)
# on the kernel's side of both taps; tshark finds no malformed segment and
# no bad checksum in usnet's captures (taken of the small runs only, to keep
# them small). Hashes are compared with the expected body's, computed here.
#
# Exit: 0 all passed, 1 a check failed, 77 skipped.

set -u

build=${1:?usage: http_tap_test.sh BUILD_DIR}
server=$build/examples/http_server
client=$build/examples/http_client
big=$((100 << 20))		# HTTP_FILE_SIZE
# The impaired runs move NETEM_SIZE each (default 100 MiB, as the clean
# ones; about 10 s each here: the impairment is the kernel's egress only,
# as netem on its side of the tap, so either data or ACKs are impaired).
netem_size=${NETEM_SIZE:-$big}
passed=0
failed=0

skip() { echo "SKIPPED: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, TAP devices)"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
for tool in ip tc tshark python3 timeout curl ab sha256sum; do
	command -v $tool >/dev/null || skip "$tool missing"
done
for prog in "$server" "$client"; do
	[ -x "$prog" ] || { fail "$prog is built"; finish; }
done
server=$(realpath "$server")
client=$(realpath "$client")

tmp=$(mktemp -d /tmp/usnet-http.XXXXXX) || skip "mktemp failed"
ns=usnet-test-$$
ip netns add "$ns" 2>"$tmp/netns.err" || { r=$(cat "$tmp/netns.err"); rm -rf "$tmp"; skip "ip netns add: $r"; }
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
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
mbit() { awk -v b="$1" -v s="$2" 'BEGIN { printf("%.1f", (s > 0) ? b * 8 / s / 1e6 : 0) }'; }

in_ns ip link set lo up
for i in 0 1; do
	in_ns ip tuntap add dev utap$i mode tap
	in_ns ip addr add 10.7$((7 + i)).0.1/24 dev utap$i
	in_ns ip link set utap$i up
done

# The generated body (examples/http.h): byte i is block[i % 65521], the
# block from the LCG x = x * 1103515245 + 12345, byte = x >> 24.
mkdir "$tmp/www"
python3 - "$tmp/www" "$big" "$netem_size" <<'EOF' || { fail "expected bodies generated"; finish; }
import hashlib, sys
d, big, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
x, b = 1, bytearray()
for i in range(65521):
    x = (x * 1103515245 + 12345) & 0xffffffff
    b.append(x >> 24)
blk = bytes(b) * (big // 65521 + 1)
for name, n in (("file", big), ("small", small), ("1m", 1 << 20)):
    open("%s/%s" % (d, name), "wb").write(blk[:n])
EOF
sum_of() { sha256sum "$1" | cut -d' ' -f1; }
h_big=$(sum_of "$tmp/www/file")
h_small=$(sum_of "$tmp/www/small")
h_1m=$(sum_of "$tmp/www/1m")

start_server() {	# LOG [PCAP]
	local extra=()
	[ $# -gt 1 ] && extra=(--pcap "$2")
	ip netns exec "$ns" timeout 280 "$server" --tap utap0 --addr 10.77.0.2/24 --port 8080 \
		"${extra[@]}" >"$1" 2>"$1.err" &
	server_pid=$!
	pids+=("$server_pid")
	wait_for "$1" '^LISTENING 8080' 10
}
stop_server() {		# LOG: SIGTERM, wait (bounded), print its summary
	kill -TERM "$server_pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$server_pid" 2>/dev/null
	summary=$(grep '^SERVED' "$1")
	echo "${summary:-http_server did not exit: $(cat "$1.err")}"
}
url=http://10.77.0.2:8080
curl_get() {	# URL [CURL ARGS]: prints "sha256 bytes seconds"
	local u=$1
	shift
	in_ns timeout 120 curl -sS --max-time 110 -o "$tmp/body" \
		-w '%{http_code} %{size_download} %{time_total}\n' "$@" "$u" >"$tmp/curl.out" 2>"$tmp/curl.err"
	read -r code size secs <"$tmp/curl.out"
	echo "$(sum_of "$tmp/body") ${size:-0} ${secs:-0} ${code:-0}"
}

# ---- small runs, captured ----------------------------------------------
if ! start_server "$tmp/srv1.log" "$tmp/server.pcap"; then
	cat "$tmp/srv1.log" "$tmp/srv1.log.err"
	fail "http_server listens on 10.77.0.2:8080"
	finish
fi
read -r h n s code < <(curl_get $url/bytes/1048576)
check "curl GET /bytes/1048576 from usnet: $code, $n bytes, $(mbit "$n" "$s") Mbit/s, hash equal" \
	test "$code $h" = "200 $h_1m"

in_ns timeout 30 curl -sS -v --max-time 25 $url/ $url/bytes/100 $url/bytes/0 \
	-o "$tmp/ka1" -o "$tmp/ka2" -o "$tmp/ka3" 2>"$tmp/ka.err" >/dev/null
reused=$(grep -c 'Re-using existing connection' "$tmp/ka.err")
check "curl keep-alive: 3 requests on one connection ($reused re-used), bodies of 55, 100, 0 bytes" \
	test "$reused $(stat -c %s "$tmp/ka1" "$tmp/ka2" "$tmp/ka3" 2>/dev/null | tr '\n' ' ')" = "2 55 100 0 "

answer=$(in_ns timeout 30 curl -sS --max-time 25 --data-binary @"$tmp/www/1m" $url/upload 2>&1)
check "curl POST of 1 MiB: usnet answers the body's hash" test "$answer" = "$h_1m"

in_ns timeout 60 ab -q -n 2000 -c 1000 -s 30 $url/bytes/1000 >"$tmp/ab.out" 2>&1
complete=$(awk '/^Complete requests:/ { print $3 }' "$tmp/ab.out")
failedreq=$(awk '/^Failed requests:/ { print $3 }' "$tmp/ab.out")
non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' "$tmp/ab.out")
rps=$(awk '/^Requests per second:/ { print $4 }' "$tmp/ab.out")
check "ab -n 2000 -c 1000: complete ${complete:-?}, failed ${failedreq:-?}, non-2xx ${non2xx:-0}, ${rps:-?} req/s" \
	test "${complete:-0} ${failedreq:-x} ${non2xx:-0}" = "2000 0 0"
[ "${complete:-0}" = 2000 ] || tail -20 "$tmp/ab.out"

# 1000 kernel connections open at once, then a keep-alive request on each.
held=$(in_ns timeout 90 python3 - <<'EOF' 2>&1
import socket, time
socks = []
try:
    for i in range(1000):
        socks.append(socket.create_connection(("10.77.0.2", 8080), timeout=30))
    for s in socks:
        s.sendall(b"GET /bytes/100 HTTP/1.1\r\nHost: x\r\n\r\n")
    ok = 0
    for s in socks:
        data = b""
        while True:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and len(body) >= 100:
                break
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"HTTP/1.1 200") and len(body) == 100:
            ok += 1
    print(ok)
except Exception as e:
    print("after %d connections: %s" % (len(socks), e))
finally:
    for s in socks:
        s.close()
EOF
)
check "1000 kernel connections open at once, each answered ($held)" test "$held" = 1000
sleep 1
stop_server "$tmp/srv1.log"
peak=$(echo "$summary" | awk '{ for (i = 1; i < NF; i++) if ($i == "peak") print $(i + 1) }')
check "http_server held ${peak:-?} connections at once (>= 1000)" test "${peak:-0}" -ge 1000

# usnet's client: 1 MiB from the kernel's python3 http.server, captured.
ip netns exec "$ns" timeout 280 python3 -m http.server --bind 10.78.0.1 --directory "$tmp/www" 8000 \
	>"$tmp/pyhttp.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do
	in_ns timeout 1 bash -c 'exec 3<>/dev/tcp/10.78.0.1/8000' 2>/dev/null && break
	sleep 0.1
done
in_ns timeout 60 "$client" --tap utap1 --addr 10.78.0.2/24 --pcap "$tmp/client.pcap" \
	http://10.78.0.1:8000/1m >"$tmp/cli.out" 2>&1
line=$(grep '^GET' "$tmp/cli.out")
check "usnet client GET 1 MiB from python3 http.server: ${line:-$(cat "$tmp/cli.out")}" \
	test "$(echo "$line" | awk '{ print $3, $5, $NF }')" = "200 $((1 << 20)) $h_1m"

# What usnet sends must be flawless. What the kernel's tools send is only
# reported: tshark's HTTP dissector sometimes flags a request of ab's that
# crossed a retransmission, which says nothing about usnet.
usnet_src='(ip.src == 10.77.0.2 || ip.src == 10.78.0.2)'
flaws='(_ws.malformed || tcp.checksum.status == "Bad" || ip.checksum.status == "Bad")'
for pcap in server client; do
	bad=$(tshark -r "$tmp/$pcap.pcap" -d tcp.port==8000,http -d tcp.port==8080,http \
		-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y "$usnet_src && $flaws" 2>"$tmp/tshark.err" | head -5)
	grep -v '^Running as user' "$tmp/tshark.err"
	frames=$(tshark -r "$tmp/$pcap.pcap" 2>/dev/null | wc -l)
	check "tshark: no malformed segment or bad checksum sent by usnet in the $pcap capture ($frames frames)" \
		test -z "$bad" -a "$frames" -gt 0
	[ -z "$bad" ] || echo "$bad"
	peer=$(tshark -r "$tmp/$pcap.pcap" -d tcp.port==8000,http -d tcp.port==8080,http \
		-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y "!$usnet_src && $flaws" 2>/dev/null | head -3)
	[ -z "${peer//[[:space:]]/}" ] || { echo "NOTE: frames of the kernel's side that tshark flags:"; echo "$peer"; }
done

# ---- 100 MiB each way, not captured --------------------------------------
if ! start_server "$tmp/srv2.log"; then
	fail "http_server listens again"
	finish
fi
read -r h n s code < <(curl_get $url/file)
check "curl GET /file (100 MiB) from usnet: $code, $n bytes in ${s}s, $(mbit "$n" "$s") Mbit/s, hash equal" \
	test "$code $h" = "200 $h_big"

t0=$(date +%s.%N)
answer=$(in_ns timeout 120 curl -sS --max-time 110 -T "$tmp/www/file" $url/upload 2>&1)
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
check "curl PUT of 100 MiB to usnet in ${secs}s, $(mbit $big "$secs") Mbit/s: the answered hash is equal" \
	test "$answer" = "$h_big"
[ "$answer" = "$h_big" ] || echo "answer: $answer"

in_ns timeout 120 "$client" --tap utap1 --addr 10.78.0.2/24 --timeout 60 \
	http://10.78.0.1:8000/file >"$tmp/cli.out" 2>&1
line=$(grep '^GET' "$tmp/cli.out")
check "usnet client GET 100 MiB from python3 http.server: ${line:-$(cat "$tmp/cli.out")}" \
	test "$(echo "$line" | awk '{ print $3, $5, $NF }')" = "200 $big $h_big"

stop_server "$tmp/srv2.log"

# ---- the same with loss 5%, delay 20 ms, reordering 10% --------------------
# netem on the kernel's side of both taps when the kernel has sch_netem;
# otherwise the same impairment of the kernel-to-usnet direction inside
# usnet: the examples' --impair puts the server (client) behind a usnet
# router whose memlink toward it loses, delays and reorders what the kernel
# sent (examples/http.h, http_attach_impaired).
netem="loss 5% delay 20ms reorder 10%"
srv_url=$url
cli_args=()
if in_ns tc qdisc add dev utap0 root netem $netem 2>"$tmp/tc.err" &&
   in_ns tc qdisc add dev utap1 root netem $netem 2>>"$tmp/tc.err"; then
	how="netem $netem"
	start_server "$tmp/srv3.log" || fail "http_server listens (netem)"
else
	echo "NOTE: tc netem: $(head -1 "$tmp/tc.err"): impairing inside usnet instead"
	how="usnet router: $netem"
	in_ns ip route add 10.77.1.0/24 via 10.77.0.2 dev utap0
	in_ns ip route add 10.78.1.0/24 via 10.78.0.2 dev utap1
	ip netns exec "$ns" timeout 280 "$server" --tap utap0 --addr 10.77.0.2/24 --port 8080 \
		--impair 0.05,20,0.1 >"$tmp/srv3.log" 2>"$tmp/srv3.log.err" &
	server_pid=$!
	pids+=("$server_pid")
	wait_for "$tmp/srv3.log" '^LISTENING 8080' 10 || fail "http_server listens (impaired)"
	srv_url=http://10.77.1.2:8080
	cli_args=(--impair 0.05,20,0.1)
fi
read -r h n s code < <(curl_get $srv_url/bytes/$netem_size)
check "$how: curl GET $netem_size bytes from usnet: $code, $n bytes in ${s}s, $(mbit "$n" "$s") Mbit/s, hash equal" \
	test "$code $h" = "200 $h_small"

t0=$(date +%s.%N)
answer=$(in_ns timeout 120 curl -sS --max-time 110 -T "$tmp/www/small" $srv_url/upload 2>&1)
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
check "$how: curl PUT of $netem_size bytes to usnet in ${secs}s, $(mbit "$netem_size" "$secs") Mbit/s: hash equal" \
	test "$answer" = "$h_small"
[ "$answer" = "$h_small" ] || echo "answer: $answer"

in_ns timeout 120 "$client" --tap utap1 --addr 10.78.0.2/24 --timeout 60 "${cli_args[@]}" \
	http://10.78.0.1:8000/small >"$tmp/cli.out" 2>&1
line=$(grep '^GET' "$tmp/cli.out")
check "$how: usnet client GET $netem_size bytes from python3 http.server: ${line:-$(cat "$tmp/cli.out")}" \
	test "$(echo "$line" | awk '{ print $3, $5, $NF }')" = "200 $netem_size $h_small"
stop_server "$tmp/srv3.log"
finish
