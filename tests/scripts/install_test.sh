#!/usr/bin/env bash
# install_test.sh - install usnet into a scratch prefix, then build a
# program against it the way a user would: pkg-config, the shared library
# and the static one. Checks the header, usnet.pc and both libraries.
set -u
build=${1:?usage: install_test.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

result() { if [ "$2" -eq 0 ]; then echo "PASS: $1"; pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

command -v pkg-config >/dev/null || { echo "SKIPPED: pkg-config not installed"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }

# A sanitized build's libraries need the sanitizer runtimes in the program too.
san=
grep -q '^USNET_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && san="-fsanitize=address,undefined"
grep -q '^USNET_TSAN:BOOL=ON' "$build/CMakeCache.txt" && san="-fsanitize=thread"
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")

cmake --install "$build" --prefix "$tmp/usr" >"$tmp/install.log" 2>&1
result "cmake --install" $?
export PKG_CONFIG_PATH=$(dirname "$(find "$tmp/usr" -name usnet.pc | head -1)")

"$cc" $san -Wall -Wextra -Werror "$src/examples/hello.c" $(pkg-config --cflags --libs usnet) -o "$tmp/hello-shared" 2>"$tmp/cc1.log"
result "compile against libusnet.so with pkg-config" $?
LD_LIBRARY_PATH=$(pkg-config --variable=libdir usnet) "$tmp/hello-shared" >"$tmp/run1.log" 2>&1
result "run the shared build" $?

"$cc" $san -Wall -Wextra -Werror "$src/examples/hello.c" $(pkg-config --cflags usnet) \
	"$(pkg-config --variable=libdir usnet)/libusnet.a" -lpthread -ldl -o "$tmp/hello-static" 2>"$tmp/cc2.log"
result "compile against libusnet.a" $?
"$tmp/hello-static" >"$tmp/run2.log" 2>&1
result "run the static build" $?

libdir=$(pkg-config --variable=libdir usnet)
test -f "$libdir/libusnet-packetdrill.so"
result "libusnet-packetdrill.so installed beside libusnet.so" $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
