#!/bin/bash
# Builds ngx_http_krj_module.so against an nginx source tree.
#
#   build-module.sh OUTDIR [EXTRA_CC_OPT [EXTRA_LD_OPT]]
#
# NGINX_SRC (default: Debian's nginx-dev tree) is copied to OUTDIR/nginx and
# configured with the flags the running nginx was built with: conf_flags
# from nginx-dev when present, else NGINX_CONF_FLAGS.  A dynamic module only
# loads into an nginx of the same version and compatible flags, so the
# copy is reconfigured whenever the source tree or the flags change.
set -euo pipefail

out=$1
cc_opt=${2:-}
ld_opt=${3:-}
repo=$(cd "$(dirname "$0")/.." && pwd)
src=${NGINX_SRC:-/usr/share/nginx/src}

if [ ! -x "$src/configure" ]; then
    echo "build-module: no nginx source tree at $src" >&2
    echo "build-module: install nginx-dev or set NGINX_SRC" >&2
    exit 1
fi

flags=()
if [ -n "${NGINX_CONF_FLAGS:-}" ]; then
    read -r -a flags <<< "$NGINX_CONF_FLAGS"
elif [ -f "$src/conf_flags" ]; then
    # shellcheck disable=SC1091
    . "$src/conf_flags"
    flags=("${NGX_CONF_FLAGS[@]}")
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)

# Two builds of one tree at once would delete each other's copy.
exec 9> "$out/.build.lock"
flock 9
tree=$out/nginx
# config and VERSION are read by configure: a change of either reconfigures
stamp="$src|${flags[*]}|$cc_opt|$ld_opt|$(cat "$repo/config" "$repo/VERSION" \
    | md5sum | cut -c1-32)"

if [ ! -f "$tree/objs/Makefile" ] || [ "$(cat "$tree/.krj-stamp" 2>/dev/null)" != "$stamp" ]
then
    rm -rf "$tree"
    mkdir -p "$tree"
    cp -a "$src/." "$tree/"
    (
        cd "$tree"
        ./configure "${flags[@]}" \
            --with-cc-opt="-Wextra -Wno-unused-parameter $cc_opt" \
            ${ld_opt:+--with-ld-opt="$ld_opt"} \
            --add-dynamic-module="$repo" > "$out/configure.log" 2>&1 \
        || { tail -20 "$out/configure.log" >&2; exit 1; }
    )
    echo "$stamp" > "$tree/.krj-stamp"
fi

make -s -C "$tree" -f objs/Makefile modules

# A running nginx maps the .so: writing into that inode would change the
# code under its feet, so install a new file and rename it over the old.
cp "$tree/objs/ngx_http_krj_module.so" "$out/.ngx_http_krj_module.so.tmp"
mv -f "$out/.ngx_http_krj_module.so.tmp" "$out/ngx_http_krj_module.so"
