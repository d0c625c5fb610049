#!/bin/bash
# krj demo (`make demo`, after `make all`): ingests the sample data with
# build/krj-batch and runs nginx with conf/demo.conf in the foreground on
# https://127.0.0.1:8443 (self-signed certificate).  Ctrl-C stops it.
#
# State lives in build/demo/ (KRJ_DEMO_DIR overrides): output/ (what
# krj-batch publishes), tls/ (the certificate, made on the first run by
# certbot/bootstrap-selfsigned.sh), logs/, and links to conf/demo.conf, the
# shared snippets and the module, so that demo.conf's relative paths all
# resolve in it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KRJ_BUILD:-$repo/build}
state=${KRJ_DEMO_DIR:-$build/demo}
data=${KRJ_DEMO_DATA:-$repo/tests/data}
nginx=${NGINX:-/usr/sbin/nginx}
port=8443
base=https://127.0.0.1:$port

die() {
    echo "demo: $*" >&2
    exit 1
}

for f in "$build/ngx_http_krj_module.so" "$build/krj-batch"; do
    [ -e "$f" ] || die "$f is missing: run \`make all\` first"
done
command -v "$nginx" >/dev/null || die "nginx not found (make deps)"

# As root, nginx runs its workers as www-data, and they must be able to
# read the snapshot: every directory above the state dir must be
# searchable by others.  If it is not (a checkout in /root, say), the
# state goes to /var/tmp instead.
as_root=0
worker_user=""
if [ "$(id -u)" -eq 0 ]; then
    as_root=1
    worker_user=www-data
    id "$worker_user" >/dev/null 2>&1 || worker_user=nobody
    mkdir -p "$state"
    if ! setpriv --reuid="$worker_user" --regid="$worker_user" \
            --clear-groups test -x "$state" 2>/dev/null; then
        echo "demo: $state is not reachable for $worker_user;" \
             "using /var/tmp/krj-demo"
        state=/var/tmp/krj-demo
    fi
fi

mkdir -p "$state"/{output,logs,tmp,modules}
state=$(cd "$state" && pwd)

# Links: demo.conf, the snippets it shares with nginx.conf, the module.
for f in demo.conf krj-http.conf krj-locations.conf tls-intermediate.conf \
         ffdhe2048.pem; do
    ln -sfn "$repo/conf/$f" "$state/$f"
done
ln -sfn "$build/ngx_http_krj_module.so" \
    "$state/modules/ngx_http_krj_module.so"

echo "demo: ingesting $data"
rc=0
KRJ_DATA_DIR=$data KRJ_OUTPUT_DIR=$state/output "$build/krj-batch" run \
    || rc=$?
case $rc in
    0) ;;
    2) echo "demo: krj-batch published, but rejected some input (above)" ;;
    *) die "krj-batch run failed (exit $rc)" ;;
esac
[ -f "$state/output/krj.snapshot" ] || die "no snapshot in $state/output"

KRJ_TLS_DIR=$state/tls "$repo/certbot/bootstrap-selfsigned.sh" localhost

nginx_args=(-p "$state/" -c demo.conf -e stderr)
if [ "$as_root" -eq 1 ]; then
    chmod -R a+rX "$state/output"
    chmod a+rx "$state"
    nginx_args+=(-g "user $worker_user; daemon off;")
else
    nginx_args+=(-g "daemon off;")
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$port"
fi

cd "$state"
"$nginx" "${nginx_args[@]}" -t -q || die "nginx -t failed on demo.conf"

"$nginx" "${nginx_args[@]}" &
pid=$!

stop() {
    trap - INT TERM
    echo
    echo "demo: stopping nginx"
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "demo: stopped"
    exit 0
}
trap stop INT TERM

up=0
for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" || true
        die "nginx exited at start (see above)"
    fi
    if curl -sk -o /dev/null --max-time 1 "$base/health"; then
        up=1
        break
    fi
    sleep 0.1
done
[ "$up" -eq 1 ] || { kill -QUIT "$pid"; die "nginx did not answer on $base"; }

cat <<EOF

krj demo is running (self-signed certificate: curl -k, or accept it in
the browser).  State: $state

  $base/api/v1/categories
  $base/api/v1/signals/sp500
  $base/api/v1/signals/sp500?signal=Long&sort=-c&limit=10
  $base/api/v1/signals/sp500.csv
  $base/api/v1/tickers/AAPL
  $base/api/v1/summary
  $base/health
  $base/ready

  curl -k $base/api/v1/summary

Logs: $state/logs/access.log (JSON), $state/logs/error.log
Ctrl-C stops it.
EOF

# wait returns early when a trapped signal arrives; loop until nginx is gone.
while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" || true
done
echo "demo: nginx exited"
