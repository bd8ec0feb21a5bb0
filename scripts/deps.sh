#!/usr/bin/env bash
# deps.sh - installs what building and testing usnet needs on Debian (as root).
#   deps.sh build   the compiler and CMake
#   deps.sh test    also clang, the real peers and tools the tests drive
set -eu
what=${1:-build}
pkgs="build-essential cmake pkg-config"
if [ "$what" = test ]; then
	# clang: the second compiler; valgrind: leak checks; binutils: nm;
	# iproute2/iputils-ping/tcpdump/tshark/netcat-openbsd/socat/python3: the
	# Linux kernel and its tools as peers over TAP inside a private
	# namespace, and dissection of usnet's captures; curl/apache2-utils (ab):
	# HTTP clients of the examples' server (http_tap_test.sh); libpcap-dev:
	# pcap_compile() builds the BPF filters the packet-socket tests attach;
	# libmnl-dev: the netlink tests build and parse messages with it (the
	# library does not link it).
	pkgs="$pkgs libpcap-dev libmnl-dev clang valgrind binutils iproute2 iputils-ping tcpdump tshark
		netcat-openbsd socat python3 curl apache2-utils"
fi
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
