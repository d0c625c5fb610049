#!/bin/bash
# Writes the expiry of the certificate nginx serves for node_exporter's
# textfile collector, so that Prometheus can warn before it lapses
# (KrjCertificateExpiring in conf/prometheus/krj-alerts.yml):
#
#   krj_tls_certificate_expiry_timestamp_seconds{file="FILE"} SECONDS
#
#   expiry-metric.sh FILE
#
# FILE is the certificate as nginx names it ($KRJ_TLS_DIR/live/fullchain.pem),
# so the series stays the same across renewals.  deploy-hook.sh and
# bootstrap-selfsigned.sh call it after each switch; run it by hand after
# installing node_exporter.
#
# Environment: KRJ_TEXTFILE_DIR, the collector's directory (default
# /var/lib/prometheus/node-exporter, Debian's prometheus-node-exporter).
# Nothing is written when it does not exist: no node_exporter, no metric.
# The file is krj_tls.prom, replaced atomically.
set -euo pipefail

file=${1:?usage: expiry-metric.sh CERTIFICATE}
dir=${KRJ_TEXTFILE_DIR:-/var/lib/prometheus/node-exporter}

if [ ! -d "$dir" ]; then
    echo "expiry-metric: no directory $dir (node_exporter's textfiles);" \
         "nothing written" >&2
    exit 0
fi

end=$(openssl x509 -in "$file" -noout -enddate) || {
    echo "expiry-metric: $file is not a certificate" >&2
    exit 1
}
seconds=$(date -u -d "${end#notAfter=}" +%s)

# a label value escapes backslash, quote and newline
label=${file//\\/\\\\}
label=${label//\"/\\\"}

tmp=$(mktemp "$dir/.krj_tls.prom.XXXXXX")
cat > "$tmp" <<END
# HELP krj_tls_certificate_expiry_timestamp_seconds When the certificate nginx serves expires.
# TYPE krj_tls_certificate_expiry_timestamp_seconds gauge
krj_tls_certificate_expiry_timestamp_seconds{file="$label"} $seconds
END
chmod 644 "$tmp"
mv -f "$tmp" "$dir/krj_tls.prom"
