#!/bin/bash
# Puts a self-signed certificate where nginx looks for its certificate, so
# nginx can start (and answer the first ACME challenge on port 80) before
# certbot has issued anything.
#
#   bootstrap-selfsigned.sh [--force] [NAME]
#
# NAME (default: this host's FQDN) becomes the subject and, with localhost
# and 127.0.0.1, the subjectAltName.  Does nothing when a certificate is
# already live, unless --force.
#
# Environment: KRJ_TLS_DIR (default /etc/krj/tls): "live" in it is a
# symlink to the directory of the certificate in use (fullchain.pem,
# privkey.pem, chain.pem, cert.pem); deploy-hook.sh moves it to each new
# certificate.  KRJ_SELFSIGNED_DAYS (default 365).  KRJ_TEXTFILE_DIR: see
# expiry-metric.sh.
set -euo pipefail

force=0
if [ "${1:-}" = "--force" ]; then
    force=1
    shift
fi
name=${1:-$(hostname -f 2>/dev/null || hostname)}
tls_dir=${KRJ_TLS_DIR:-/etc/krj/tls}
days=${KRJ_SELFSIGNED_DAYS:-365}

case $name in
    *[!A-Za-z0-9.-]* | "" | -*)
        echo "bootstrap-selfsigned: bad name: '$name'" >&2
        exit 2
        ;;
esac

if [ -e "$tls_dir/live/fullchain.pem" ] && [ "$force" -eq 0 ]; then
    echo "bootstrap-selfsigned: $tls_dir/live already has a certificate"
    exit 0
fi

umask 077
mkdir -p "$tls_dir/certs"
chmod 755 "$tls_dir"
dir=$(mktemp -d "$tls_dir/certs/selfsigned-$(date -u +%Y%m%dT%H%M%SZ)-XXXX")

openssl req -x509 -new -noenc -days "$days" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -subj "/CN=$name" \
    -addext "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$dir/privkey.pem" -out "$dir/cert.pem" 2>/dev/null
cp "$dir/cert.pem" "$dir/fullchain.pem"
cp "$dir/cert.pem" "$dir/chain.pem"
chmod 644 "$dir/cert.pem" "$dir/fullchain.pem" "$dir/chain.pem"
chmod 600 "$dir/privkey.pem"
chmod 755 "$dir"

# Atomic switch: a new symlink renamed over the old one.
ln -sfn "certs/${dir##*/}" "$tls_dir/live.new"
mv -T "$tls_dir/live.new" "$tls_dir/live"
echo "bootstrap-selfsigned: self-signed certificate for $name in $dir"

"$(dirname "$0")/expiry-metric.sh" "$tls_dir/live/fullchain.pem"
