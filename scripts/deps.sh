#!/bin/sh
# Installs the Debian packages krj needs; does nothing when they are all
# present, so `make demo` and `make test` can call it every time.
#
#   deps.sh         what building and running krj need (`make deps`): the
#                   compiler, nginx and nginx-dev, the libraries, certbot,
#                   and debhelper for `make deb`
#   deps.sh test    what the tests need on top (`make test-deps`):
#                   PostgreSQL and Redis servers, Check, pytest, valgrind,
#                   wrk, pebble, testssl.sh, Prometheus, lintian, mmdebstrap;
#                   clang and libclang-rt-dev (libFuzzer, for Debian's
#                   default clang) for the fuzz targets, llvm (llvm-cov,
#                   llvm-profdata) for `make fuzz-coverage`; Chromium, its
#                   WebDriver, Selenium, poppler (pdftotext) and npm (for
#                   axe-core) for the dashboard's browser tests
#
# It never stops or reconfigures a service that was running before: only
# a service that this very install started (Debian starts servers on
# install) is stopped and disabled again, since the tests run their own
# throwaway instances; nginx is never touched.
set -eu

BUILD_PKGS="build-essential pkg-config nginx nginx-dev libpcre2-dev
zlib1g-dev libssl-dev libcsv-dev libjansson-dev libhiredis-dev libpq-dev
libcrypt-dev libsystemd-dev curl openssl ca-certificates certbot
debhelper dpkg-dev fakeroot libbrotli-dev libzstd-dev
libdeflate-dev"

TEST_PKGS="check postgresql redis-server python3 python3-pytest wrk
valgrind strace pebble testssl.sh prometheus python3-prometheus-client
systemd lintian mmdebstrap clang libclang-rt-dev llvm
chromium chromium-driver python3-selenium poppler-utils nodejs npm
python3-brotli zstd"

# the servers a test package starts on install, and that the tests replace
TEST_SERVICES="postgresql redis-server prometheus"

case "${1:-}" in
    "")     pkgs=$BUILD_PKGS; services="" ;;
    test)   pkgs=$TEST_PKGS; services=$TEST_SERVICES ;;
    *)      echo "usage: deps.sh [test]" >&2; exit 1 ;;
esac

missing=""
for p in $pkgs; do
    # A node.js that brings its own npm (nodesource's nodejs provides and
    # conflicts with Debian's npm) must not be replaced by Debian's.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

have_systemd=0
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    have_systemd=1
fi

# which of them run now, before the install
before=""
if [ "$have_systemd" -eq 1 ]; then
    for s in $services; do
        if systemctl is-active --quiet "$s" 2>/dev/null; then
            before="$before $s"
        fi
    done
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

if [ "$have_systemd" -eq 1 ]; then
    for s in $services; do
        case " $before " in
            *" $s "*) continue ;;
        esac
        if systemctl is-active --quiet "$s" 2>/dev/null; then
            echo "deps: stopping $s, which this install started" \
                 "(the tests run their own)"
            $SUDO systemctl disable --now "$s" >/dev/null 2>&1 || true
        fi
    done
fi
