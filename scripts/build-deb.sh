#!/bin/bash
# make deb: builds the two binary packages in build/deb/ and checks them
# with lintian (no error, no warning that is not overridden in debian/).
#
#   build-deb.sh OUTDIR
#
# dpkg-buildpackage writes its output beside the source tree, so the tree
# is copied to OUTDIR/krj-VERSION first (without build/ and .git): the
# checkout stays clean and the .deb files land in OUTDIR.  Building in the
# checkout itself (dpkg-buildpackage -us -uc -b) works too, with the
# output in its parent directory.
set -euo pipefail

out=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$repo/VERSION")

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/krj-$version

# one build at a time: the nginx_mod build configures nginx-dev's tree
exec 9> "$out/.build.lock"
flock 9

rm -rf "$src" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$src"
tar -C "$repo" --exclude=./build --exclude=./.git --exclude=__pycache__ \
    --exclude=.pytest_cache -cf - . | tar -C "$src" -xf -

(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
    tail -40 "$out/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (see $out/build.log)" >&2
    exit 1
}
rm -rf "$src"

# errors and warnings fail; a tag overridden in debian/*.lintian-overrides
# (with the comment that says why) is not reported
if ! lintian --fail-on error,warning "$out"/*.changes \
        > "$out/lintian.log" 2>&1; then
    cat "$out/lintian.log" >&2
    echo "build-deb: lintian found errors or warnings" >&2
    exit 1
fi

ls "$out"/*.deb
