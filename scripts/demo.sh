#!/bin/bash
# krj demo (`make demo`, after `make all`): ingests the sample data with
# build/krj-batch and runs nginx with conf/demo.conf in the foreground on
# https://127.0.0.1:8443 (self-signed certificate).  Ctrl-C stops it.
#
#   KRJ_DEMO_PORT   the port instead of 8443 (`make demo PORT=9443`)
#   KRJ_DEMO_DATA   a directory of KRJ_signals_latest_week_*.csv to serve
#                   instead of the sample data in tests/data
#   KRJ_DEMO_DIR    the state directory instead of build/demo
#
# State: output/ (what krj-batch publishes), tls/ (the certificate, made on
# the first run by certbot/bootstrap-selfsigned.sh), auth/ (the demo's API
# key and Basic user, made on the first run and kept), logs/ (nginx's and
# krj-batch's), demo.conf (conf/demo.conf with the port), and links to the
# shared snippets and the module, so that demo.conf's relative paths all
# resolve in it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KRJ_BUILD:-$repo/build}
state=${KRJ_DEMO_DIR:-$build/demo}
data=${KRJ_DEMO_DATA:-$repo/tests/data}
nginx=${NGINX:-/usr/sbin/nginx}
port=${KRJ_DEMO_PORT:-8443}
base=https://127.0.0.1:$port

die() {
    echo "demo: $*" >&2
    exit 1
}

case $port in
    "" | *[!0-9]* | 0*) die "not a port: \"$port\" (KRJ_DEMO_PORT, PORT=)" ;;
esac
[ "$port" -le 65535 ] || die "not a port: $port (KRJ_DEMO_PORT, PORT=)"
[ -d "$data" ] || die "KRJ_DEMO_DATA: $data is not a directory"

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

# The commands printed below hold the certificate's path, in a Python
# string too: a quote or a backslash in it would break them.
case $state in
    *[\'\"\\]*) die "$state: the state directory's path must hold no" \
                     "quote or backslash (KRJ_DEMO_DIR)" ;;
esac

# Links: the snippets demo.conf shares with nginx.conf, the module.  Then
# demo.conf with the port; a link to conf/demo.conf left by an older demo
# is removed first, so that the copy does not go through it.
for f in krj-http.conf krj-locations.conf tls-intermediate.conf \
         ffdhe2048.pem; do
    ln -sfn "$repo/conf/$f" "$state/$f"
done
ln -sfn "$build/ngx_http_krj_module.so" \
    "$state/modules/ngx_http_krj_module.so"
rm -f "$state/demo.conf"
sed "s/^\( *listen 127\.0\.0\.1:\)8443 /\1$port /" "$repo/conf/demo.conf" \
    >"$state/demo.conf"
grep -q "^ *listen 127\.0\.0\.1:$port " "$state/demo.conf" \
    || die "conf/demo.conf has no \"listen 127.0.0.1:8443\" for the port"

# krj-batch's log goes to logs/krj-batch.log, its warnings and errors to
# the console too.  The sample data lists a ticker twice on purpose, which
# krj-batch reports at every run: that warning is explained, once.
batch_log=$state/logs/krj-batch.log
duplicate=': duplicate ticker "'
sample=0
if [ "$data" -ef "$repo/tests/data" ]; then
    sample=1
    echo "demo: ingesting the sample data in $data"
    echo "      (KRJ_DEMO_DATA=DIR: your own KRJ_signals_latest_week_*.csv)"
else
    echo "demo: ingesting $data (KRJ_DEMO_DATA)"
fi
rc=0
KRJ_DATA_DIR=$data KRJ_OUTPUT_DIR=$state/output "$build/krj-batch" run \
    >"$batch_log" 2>&1 || rc=$?

if [ "$sample" -eq 1 ]; then
    grep -E '^[^ ]* krj-batch (warning|error): ' "$batch_log" \
        | grep -vF "$duplicate" || true
    if grep -qF "$duplicate" "$batch_log"; then
        echo "demo: the sample data lists a ticker twice, on purpose;" \
             "krj-batch says so at every run:"
        grep -F "$duplicate" "$batch_log" \
            | sed 's/^[^ ]* krj-batch warning: /        /'
        echo "      A duplicate ticker is kept and both rows are served;" \
             "the warning is"
        echo "      for whoever publishes the data.  Nothing is wrong" \
             "with the demo."
    fi
else
    grep -E '^[^ ]* krj-batch (warning|error): ' "$batch_log" || true
fi
sed -n 's/^[^ ]* krj-batch info: \(published [0-9]* categor\)/\1/p
        s/^[^ ]* krj-batch info: \(unchanged: \)/\1/p' "$batch_log" \
    | tail -1 | sed 's/^/demo: krj-batch: /'
echo "demo: krj-batch's log: $batch_log"
case $rc in
    0) ;;
    2) echo "demo: krj-batch published, but rejected some input (above)" ;;
    *) die "krj-batch run failed (exit $rc), see $batch_log" ;;
esac
[ -f "$state/output/krj.snapshot" ] || die "no snapshot in $state/output"

# for the names clients use: subjectAltName localhost and 127.0.0.1
KRJ_TLS_DIR=$state/tls "$repo/certbot/bootstrap-selfsigned.sh" localhost
ca=$state/tls/live/fullchain.pem

# The API asks for credentials (krj_auth any in krj-locations.conf).  On the
# first run: an API key "demo" for every category and a Basic user "demo"
# with a random password, in auth/api-keys and auth/users.htpasswd (which
# hold only a digest and a bcrypt hash).  The key and the password
# themselves are kept in auth/demo-credentials (mode 0600) so that every run
# can print them.  Delete auth/ for new ones.
auth=$state/auth
creds=$auth/demo-credentials
mkdir -p "$auth"
if [ ! -s "$creds" ] || [ ! -s "$auth/api-keys" ] \
        || [ ! -s "$auth/users.htpasswd" ]; then
    rm -f "$creds" "$auth/api-keys" "$auth/users.htpasswd"
    echo "demo: making the demo API key and Basic user"
    demo_key=$("$build/krj-batch" keys add demo --scopes '*' \
        --key-file "$auth/api-keys" | tail -1)
    [[ $demo_key == krj_* ]] || die "krj-batch keys add printed no key"
    demo_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
    printf '%s\n' "$demo_password" \
        | "$build/krj-batch" users add demo --user-file "$auth/users.htpasswd" \
            >/dev/null || die "krj-batch users add failed"
    (umask 077
     printf 'KRJ_DEMO_KEY=%s\nKRJ_DEMO_USER=demo\nKRJ_DEMO_PASSWORD=%s\n' \
         "$demo_key" "$demo_password" >"$creds.tmp")
    mv -f "$creds.tmp" "$creds"
fi
demo_key=$(sed -n 's/^KRJ_DEMO_KEY=//p' "$creds")
demo_password=$(sed -n 's/^KRJ_DEMO_PASSWORD=//p' "$creds")
if [ -z "$demo_key" ] || [ -z "$demo_password" ]; then
    die "$creds is damaged: delete $auth for new credentials"
fi
chmod 600 "$creds"
chmod 750 "$auth"
chmod 640 "$auth/api-keys" "$auth/users.htpasswd"

nginx_args=(-p "$state/" -c demo.conf -e stderr)
if [ "$as_root" -eq 1 ]; then
    chmod -R a+rX "$state/output"
    chmod a+rx "$state"
    # the workers read the key and user files through their group
    chgrp "$worker_user" "$auth" "$auth/api-keys" "$auth/users.htpasswd"
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

# up when /health answers over TLS verified as the printed commands do
up=0
for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" || true
        die "nginx exited at start (see above)"
    fi
    if curl -s -o /dev/null --max-time 1 --cacert "$ca" "$base/health"; then
        up=1
        break
    fi
    sleep 0.1
done
if [ "$up" -eq 0 ]; then
    err=$(curl -sS -o /dev/null --max-time 2 --cacert "$ca" "$base/health" \
          2>&1 || true)
    kill -QUIT "$pid"
    die "no answer on $base with the demo's certificate: $err"
fi

cacert="--cacert $(printf %q "$ca")"
bearer="-H \"Authorization: Bearer $demo_key\""
filtered="'$base/api/v1/signals/sp500?signal=Long&sort=-c&limit=10'"
python="import urllib.request, ssl;"
python+=" ctx = ssl.create_default_context(cafile=\"$ca\");"
python+=" req = urllib.request.Request(\"$base/api/v1/summary\","
python+=" headers={\"Authorization\": \"Bearer $demo_key\"});"
python+=" print(urllib.request.urlopen(req, context=ctx).read().decode(),"
python+=" end=\"\")"

cat <<EOF

krj demo is running on $base.  State: $state

  $base/krj/                         the dashboard (the Basic user below)
  $base/api/v1/                      the index: endpoints, categories
  $base/api/v1/categories
  $base/api/v1/signals/sp500
  $filtered
  $base/api/v1/signals/sp500.csv
  $base/api/v1/tickers/AAPL
  $base/api/v1/summary
  $base/health
  $base/ready

The certificate is the demo's own (self-signed, for 127.0.0.1 and
localhost): clients verify it with $ca
(curl --cacert, Python's cafile=); a browser asks you once.

The API and the dashboard ask for credentials (/health and /ready do
not).  Demo credentials, made on the first run and kept in $auth:

  API key:    $demo_key
  Basic user: demo
  Password:   $demo_password

  curl $cacert $bearer $base/api/v1/
  curl $cacert $bearer $filtered
  curl $cacert $bearer $base/api/v1/signals/sp500.csv
  curl $cacert -u demo:$demo_password $base/api/v1/summary
  python3 -c '$python'

Logs: $state/logs/access.log (JSON), $state/logs/error.log
Your own data: KRJ_DEMO_DATA=DIR make demo, DIR holding
KRJ_signals_latest_week_*.csv; another port: make demo PORT=9443.
Ctrl-C stops it.
EOF

# wait returns early when a trapped signal arrives; loop until nginx is gone.
while kill -0 "$pid" 2>/dev/null; do
    wait "$pid" || true
done
echo "demo: nginx exited"
