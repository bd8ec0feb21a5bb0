#!/usr/bin/env bash
# packetdrill_test.sh - packetdrill itself against libusnet-packetdrill.so,
# on the scripts of tests/packetdrill/scripts/. Optional: packetdrill is
# not packaged in Debian, so this SKIPs unless a packetdrill binary is on
# PATH (or named by PACKETDRILL). packetdrill_so_test is the driver CI
# always runs.
set -u
build=${1:?usage: packetdrill_test.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
pd=${PACKETDRILL:-$(command -v packetdrill)}
pass=0 fail=0

[ -n "$pd" ] && [ -x "$pd" ] || { echo "SKIPPED: packetdrill not installed (not in Debian; build it from source)"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
so=$(cd "$build" && pwd)/libusnet-packetdrill.so
[ -f "$so" ] || { echo "FAIL: $so not built"; echo "0 passed, 1 failed"; exit 1; }

for script in "$src"/tests/packetdrill/scripts/*.pkt; do
	if "$pd" --so_filename="$so" \
		--so_flags=local_ip=192.168.0.1,prefix=16,gateway_ip=192.168.0.1,remote_ip=192.0.2.1,mtu=1500 \
		--local_ip=192.168.0.1 --remote_ip=192.0.2.1 "$script"; then
		echo "PASS: $(basename "$script")"; pass=$((pass + 1))
	else
		echo "FAIL: $(basename "$script")"; fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
