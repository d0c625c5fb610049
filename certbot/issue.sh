#!/bin/bash
# Issues the certificate for DOMAIN with certbot's webroot mode, through
# the ACME challenge location nginx serves on port 80, and registers
# deploy-hook.sh so that this issuance and every renewal deploy the
# certificate to nginx.
#
#   issue.sh DOMAIN [EMAIL] [-- CERTBOT_ARGS...]
#
# Without EMAIL the ACME account is registered without one (no expiry
# mails).  CERTBOT_ARGS are passed to certbot as they are (--staging,
# --server URL, --config-dir DIR, ...).
#
# Environment: KRJ_WEBROOT (default /var/www/letsencrypt), the webroot
# nginx.conf serves /.well-known/acme-challenge/ from; KRJ_DEPLOY_HOOK
# (default: deploy-hook.sh beside this script); CERTBOT (default certbot).
set -euo pipefail

usage() {
    echo "usage: $0 DOMAIN [EMAIL] [-- CERTBOT_ARGS...]" >&2
    exit 2
}

[ $# -ge 1 ] || usage
domain=$1
shift
email=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    email=$1
    shift
fi
if [ $# -gt 0 ]; then
    [ "$1" = "--" ] || usage
    shift
fi

case $domain in
    *[!A-Za-z0-9.-]* | "" | -* | *..*) echo "issue: bad domain: '$domain'" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
webroot=${KRJ_WEBROOT:-/var/www/letsencrypt}
hook=${KRJ_DEPLOY_HOOK:-$here/deploy-hook.sh}
certbot=${CERTBOT:-certbot}

if [ ! -x "$hook" ]; then
    echo "issue: deploy hook $hook is not executable" >&2
    exit 1
fi
mkdir -p "$webroot/.well-known/acme-challenge"
chmod 755 "$webroot" "$webroot/.well-known" "$webroot/.well-known/acme-challenge"

account=(--register-unsafely-without-email)
if [ -n "$email" ]; then
    account=(--email "$email" --no-eff-email)
fi

echo "issue: certbot certonly --webroot -w $webroot -d $domain"
exec "$certbot" certonly --non-interactive --agree-tos "${account[@]}" \
    --webroot --webroot-path "$webroot" \
    --domain "$domain" --cert-name "$domain" \
    --keep-until-expiring \
    --deploy-hook "$hook" \
    "$@"
