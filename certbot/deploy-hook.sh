#!/bin/bash
# certbot deploy hook: makes the certificate certbot just issued or renewed
# the one nginx serves, if and only if nginx accepts it.
#
# certbot runs it with RENEWED_LINEAGE=/etc/letsencrypt/live/NAME after
# every successful issuance or renewal (issue.sh registers it, and certbot
# keeps it in the renewal configuration).  Steps:
#
#   1. copy the lineage's files (dereferenced) into a new directory under
#      $KRJ_TLS_DIR/certs/ and point $KRJ_TLS_DIR/live at it (atomic rename);
#   2. nginx -t;
#   3. test passed: nginx -s reload (graceful: no request is dropped), keep
#      the three newest certificate directories, exit 0;
#      test failed: point live back at the previous certificate, remove the
#      new directory, do not reload, exit 1.  The running nginx and the old
#      certificate are untouched.
#
# Every step is logged to stderr (certbot's log) and to $KRJ_DEPLOY_LOG.
#
# Environment: RENEWED_LINEAGE (set by certbot), KRJ_TLS_DIR (default
# /etc/krj/tls), KRJ_NGINX (default nginx), KRJ_NGINX_PREFIX and
# KRJ_NGINX_CONF (passed as -p and -c when set), KRJ_DEPLOY_LOG (default
# /var/log/krj/certbot-deploy.log), KRJ_KEEP_CERTS (default 3),
# KRJ_TEXTFILE_DIR (see expiry-metric.sh).
set -euo pipefail

tls_dir=${KRJ_TLS_DIR:-/etc/krj/tls}
nginx=${KRJ_NGINX:-nginx}
log_file=${KRJ_DEPLOY_LOG:-/var/log/krj/certbot-deploy.log}
keep=${KRJ_KEEP_CERTS:-3}

nginx_args=()
if [ -n "${KRJ_NGINX_PREFIX:-}" ]; then
    nginx_args+=(-p "$KRJ_NGINX_PREFIX")
fi
if [ -n "${KRJ_NGINX_CONF:-}" ]; then
    nginx_args+=(-c "$KRJ_NGINX_CONF")
fi

log() {
    local line
    line="$(date -u +%Y-%m-%dT%H:%M:%SZ) deploy-hook: $*"
    echo "$line" >&2
    if mkdir -p "$(dirname "$log_file")" 2>/dev/null; then
        echo "$line" >> "$log_file" 2>/dev/null || true
    fi
}

lineage=${RENEWED_LINEAGE:-}
if [ -z "$lineage" ]; then
    log "error: RENEWED_LINEAGE is not set (run by certbot as --deploy-hook)"
    exit 2
fi
for f in fullchain.pem privkey.pem chain.pem cert.pem; do
    if [ ! -r "$lineage/$f" ]; then
        log "error: $lineage/$f is missing or unreadable; nothing changed"
        exit 1
    fi
done

umask 077
mkdir -p "$tls_dir/certs"
chmod 755 "$tls_dir"
new=$(mktemp -d "$tls_dir/certs/$(basename "$lineage")-$(date -u +%Y%m%dT%H%M%SZ)-XXXX")
for f in fullchain.pem privkey.pem chain.pem cert.pem; do
    cp -L "$lineage/$f" "$new/$f"
done
chmod 644 "$new/fullchain.pem" "$new/chain.pem" "$new/cert.pem"
chmod 600 "$new/privkey.pem"
chmod 755 "$new"

old=""
if [ -L "$tls_dir/live" ]; then
    old=$(readlink "$tls_dir/live")
fi

switch_live() {
    ln -sfn "$1" "$tls_dir/live.new"
    mv -T "$tls_dir/live.new" "$tls_dir/live"
}

serial=$(openssl x509 -in "$new/cert.pem" -noout -serial 2>/dev/null || echo "serial=?")
switch_live "certs/${new##*/}"
log "live -> certs/${new##*/} ($lineage, $serial), was ${old:-none}"

if ! test_out=$("$nginx" "${nginx_args[@]}" -t 2>&1); then
    log "error: nginx -t failed with the new certificate:"
    while IFS= read -r l; do log "  $l"; done <<< "$test_out"
    if [ -n "$old" ]; then
        switch_live "$old"
        log "live -> $old restored; nginx not reloaded"
    else
        rm -f "$tls_dir/live"
        log "no previous certificate; live removed; nginx not reloaded"
    fi
    rm -rf "$new"
    exit 1
fi

# the certificate on disk is the one nginx serves from now (or its next
# start): its expiry for Prometheus
"$(dirname "$0")/expiry-metric.sh" "$tls_dir/live/fullchain.pem" \
    || log "warning: the expiry metric was not written"

if ! reload_out=$("$nginx" "${nginx_args[@]}" -s reload 2>&1); then
    log "error: nginx -s reload failed (is nginx running?): $reload_out"
    log "the new certificate is live on disk and is served from the next start"
    exit 1
fi
log "nginx -t passed; nginx reloaded"

# Keep the newest $keep certificate directories (and always the live one).
live_target=$(readlink "$tls_dir/live")
count=0
while IFS= read -r d; do
    count=$((count + 1))
    if [ "$count" -gt "$keep" ] && [ "certs/${d##*/}" != "$live_target" ]; then
        rm -rf "$d"
    fi
done < <(find "$tls_dir/certs" -mindepth 1 -maxdepth 1 -type d \
             -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2-)
exit 0
