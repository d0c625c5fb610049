#!/bin/sh
# Installs the Debian packages krj needs; does nothing when they are all
# present, so `make demo` and `make test` can call it every time.  clang
# and libclang-rt-dev (libFuzzer, libclang_rt.fuzzer, for Debian's
# default clang) build the fuzz targets; llvm brings llvm-cov and
# llvm-profdata for `make fuzz-coverage`.
set -eu

PKGS="build-essential pkg-config nginx nginx-dev libpcre2-dev zlib1g-dev
libssl-dev libcsv-dev libjansson-dev libhiredis-dev libpq-dev libcrypt-dev
libsystemd-dev libbrotli-dev libzstd-dev
check postgresql redis-server python3 python3-pytest python3-brotli zstd curl openssl wrk
valgrind strace ca-certificates
certbot pebble testssl.sh prometheus python3-prometheus-client
clang libclang-rt-dev llvm"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian starts these on install; krj runs its own throwaway instances.
for s in nginx postgresql redis-server prometheus; do
    $SUDO systemctl disable --now "$s" >/dev/null 2>&1 || true
done
