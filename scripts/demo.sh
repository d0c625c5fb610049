#!/bin/bash
# krj demo (`make demo`, after `make all`): a local PostgreSQL and Redis,
# krj-batch migrate, an ingest of both sample weeks (recorded and
# announced), nginx with conf/demo.conf in the foreground on
# https://127.0.0.1:8443 (self-signed certificate), and a second node: a
# krj-batch follow and a second nginx on https://127.0.0.1:8444 serving
# what the first one ingested.  Ctrl-C stops all of it.
#
#   KRJ_DEMO_PORT   the first node's port instead of 8443 (`make demo
#                   PORT=9443`); the follower takes the next one
#   KRJ_DEMO_DATA   a directory of KRJ_signals_latest_week_*.csv to serve
#                   instead of the sample data in tests/data
#   KRJ_DEMO_DIR    the state directory instead of build/demo
#
# State: output/ (what krj-batch publishes), tls/ (the certificate, made on
# the first run by certbot/bootstrap-selfsigned.sh), auth/ (the demo's API
# keys and Basic user, made on the first run and kept), pg/ (the
# PostgreSQL cluster, on a unix socket only), redis/ (its socket), node-b/
# (the follower node's prefix: its output/, auth/ and logs/), logs/
# (nginx's and krj-batch's), demo.conf (conf/demo.conf with the port), and
# links to conf/snippets/ and the module, so that demo.conf's
# relative paths all resolve in it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KRJ_BUILD:-$repo/build}
state=${KRJ_DEMO_DIR:-$build/demo}
data=${KRJ_DEMO_DATA:-$repo/tests/data}
nginx=${NGINX:-/usr/sbin/nginx}
port=${KRJ_DEMO_PORT:-8443}
base=https://127.0.0.1:$port
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null \
    | sort -V | tail -1)

die() {
    echo "demo: $*" >&2
    exit 1
}

case $port in
    "" | *[!0-9]* | 0*) die "not a port: \"$port\" (KRJ_DEMO_PORT, PORT=)" ;;
esac
[ "$port" -lt 65535 ] || die "not a port for two nodes: $port" \
    "(KRJ_DEMO_PORT, PORT=; the follower takes the next one)"
port_b=$((port + 1))
base_b=https://127.0.0.1:$port_b
[ -d "$data" ] || die "KRJ_DEMO_DATA: $data is not a directory"

for f in "$build/ngx_http_krj_module.so" "$build/krj-batch"; do
    [ -e "$f" ] || die "$f is missing: run \`make all\` first"
done
command -v "$nginx" >/dev/null || die "nginx not found (make deps)"
[ -x "$pg_bin/initdb" ] || die "PostgreSQL not found (make test-deps)"
command -v redis-server >/dev/null \
    || die "redis-server not found (make test-deps)"
for p in $port $port_b; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        die "something already listens on 127.0.0.1:$p"
    fi
done

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

mkdir -p "$state"/{output,logs,tmp,modules,pg,redis,week1}
mkdir -p "$state"/node-b/{output,logs,tmp,auth}
state=$(cd "$state" && pwd)
node_b=$state/node-b

# The commands printed below hold the certificate's path, in a Python
# string too: a quote or a backslash in it would break them.
case $state in
    *[\'\"\\]*) die "$state: the state directory's path must hold no" \
                     "quote or backslash (KRJ_DEMO_DIR)" ;;
esac

# Links: the snippets demo.conf shares with the production site, the
# module.  Then demo.conf with the port; a link to conf/demo.conf left by
# an older demo is removed first, so that the copy does not go through it.
ln -sfn "$repo/conf/snippets" "$state/snippets"
ln -sfn "$build/ngx_http_krj_module.so" \
    "$state/modules/ngx_http_krj_module.so"
rm -f "$state/demo.conf"
sed "s/^\( *listen 127\.0\.0\.1:\)8443 /\1$port /" "$repo/conf/demo.conf" \
    >"$state/demo.conf"
grep -q "^ *listen 127\.0\.0\.1:$port " "$state/demo.conf" \
    || die "conf/demo.conf has no \"listen 127.0.0.1:8443\" for the port"

# The second node: the same configuration on another port, with its own
# output/ and auth/ (both written by krj-batch follow), the same
# certificate and module.
for f in snippets modules tls; do
    ln -sfn "$state/$f" "$node_b/$f"
done
sed -e "s/127.0.0.1:$port /127.0.0.1:$port_b /" \
    -e "s|^# krj demo: .*|# krj demo: the follower node, on $base_b.|" \
    "$state/demo.conf" >"$node_b/demo.conf"

# every process started here, stopped in reverse order by stop()
pids=()

as_pg() {
    if [ "$as_root" -eq 1 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop() {
    local i pid
    trap - INT TERM EXIT
    echo
    echo "demo: stopping nginx, the follower, Redis and PostgreSQL"
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    as_pg "$pg_bin/pg_ctl" -D "$state/pg/data" -m fast -w stop \
        >/dev/null 2>&1 || true
    echo "demo: stopped"
    exit "${1:-0}"
}

# PostgreSQL: a cluster of the demo's own, on a unix socket in pg/ only
# (no TCP port to collide with); as root it runs as the postgres user.
fresh=0
if [ ! -s "$state/pg/data/PG_VERSION" ]; then
    echo "demo: initdb in $state/pg/data"
    rm -rf "$state/pg/data"
    if [ "$as_root" -eq 1 ]; then
        chown postgres: "$state/pg"
    fi
    as_pg "$pg_bin/initdb" -D "$state/pg/data" -A trust -U postgres \
        -E UTF8 --locale=C >"$state/logs/initdb.log" 2>&1 \
        || die "initdb failed (see $state/logs/initdb.log)"
    fresh=1
fi
trap 'stop 1' EXIT
trap stop INT TERM
if ! as_pg "$pg_bin/pg_ctl" -D "$state/pg/data" status >/dev/null 2>&1; then
    as_pg "$pg_bin/pg_ctl" -D "$state/pg/data" -w -t 60 \
        -l "$state/pg/postgres.log" \
        -o "-c listen_addresses='' -k $state/pg" start >/dev/null \
        || die "PostgreSQL did not start (see $state/pg/postgres.log)"
fi
if [ "$fresh" -eq 1 ]; then
    as_pg "$pg_bin/createdb" -h "$state/pg" -U postgres krj \
        || die "createdb krj failed"
fi
export KRJ_PG_DSN="host=$state/pg user=postgres dbname=krj"

# Redis on a unix socket in redis/, nothing saved.
rm -f "$state/redis/redis.sock"
redis-server --port 0 --unixsocket "$state/redis/redis.sock" \
    --unixsocketperm 700 --save '' --appendonly no --dir "$state/redis" \
    --logfile "$state/logs/redis.log" --daemonize no &
pids+=($!)
for _ in $(seq 1 100); do
    [ -S "$state/redis/redis.sock" ] && break
    sleep 0.05
done
[ -S "$state/redis/redis.sock" ] \
    || die "Redis did not start (see $state/logs/redis.log)"
export KRJ_REDIS_URL="unix://$state/redis/redis.sock"

# the demo's settings only, never /etc/krj/krj-batch.conf
batch() {
    KRJ_OUTPUT_DIR=$state/output "$build/krj-batch" "$@" --config ''
}

batch migrate --quiet || die "krj-batch migrate failed"

# krj-batch's log goes to logs/krj-batch.log, its warnings and errors to
# the console too.  The sample data lists a ticker twice on purpose, which
# krj-batch reports at every run: that warning is explained, once.
batch_log=$state/logs/krj-batch.log
duplicate=': duplicate ticker "'
sample=0
explained=0
if [ "$data" -ef "$repo/tests/data" ]; then
    sample=1
fi

ingest() {
    local rc=0 from=$1
    : >"$batch_log.run"
    KRJ_DATA_DIR=$from batch run >"$batch_log.run" 2>&1 || rc=$?
    cat "$batch_log.run" >>"$batch_log"
    if [ "$sample" -eq 1 ]; then
        grep -E '(^| )krj-batch (warning|error)[: ]' "$batch_log.run" \
            | grep -vF "$duplicate" || true
        if [ "$explained" -eq 0 ] && grep -qF "$duplicate" "$batch_log.run"
        then
            explained=1
            echo "demo: the sample data lists a ticker twice, on purpose;" \
                 "krj-batch says so at every run:"
            grep -F "$duplicate" "$batch_log.run" \
                | sed 's/^.* krj-batch warning: \(event=[a-z_]* \)\{0,1\}/        /'
            echo "      A duplicate ticker is kept and both rows are" \
                 "served; the warning is"
            echo "      for whoever publishes the data.  Nothing is" \
                 "wrong with the demo."
        fi
    else
        grep -E '(^| )krj-batch (warning|error)[: ]' "$batch_log.run" || true
    fi
    sed -n 's/^.* krj-batch info: \(event=[a-z_]* \)\{0,1\}\(published [0-9]* categor\)/\2/p
            s/^.* krj-batch info: \(event=[a-z_]* \)\{0,1\}\(unchanged: \)/\2/p' \
        "$batch_log.run" | tail -1 | sed 's/^/demo: krj-batch: /'
    rm -f "$batch_log.run"
    case $rc in
        0|4) ;;
        2) echo "demo: krj-batch published, but rejected some input (above)" ;;
        *) die "krj-batch run failed (exit $rc), see $batch_log" ;;
    esac
}

if [ "$sample" -eq 1 ]; then
    echo "demo: ingesting the sample data in $data"
    echo "      (KRJ_DEMO_DATA=DIR: your own KRJ_signals_latest_week_*.csv)"
else
    echo "demo: ingesting $data (KRJ_DEMO_DATA)"
fi

# Both sample weeks, the older one first, so that PostgreSQL holds a
# history; on later starts only the newest, which is unchanged.
if [ "$fresh" -eq 1 ]; then
    rm -f "$state"/week1/*.csv
    for f in "$data"/KRJ_signals_latest_week_*_2025-12-12.csv; do
        [ -e "$f" ] && cp "$f" "$state/week1/"
    done
    if compgen -G "$state/week1/*.csv" >/dev/null; then
        ingest "$state/week1"
    fi
fi
ingest "$data"
[ -f "$state/output/krj.snapshot" ] || die "no snapshot in $state/output"

# for the names clients use: subjectAltName localhost and 127.0.0.1
KRJ_TLS_DIR=$state/tls KRJ_TEXTFILE_DIR=$state/tmp \
    "$repo/certbot/bootstrap-selfsigned.sh" localhost
ca=$state/tls/live/fullchain.pem
echo "demo: krj-batch's log: $batch_log"

# The API asks for credentials (krj_auth any in
# snippets/krj-locations.conf).  On the first run: an API key "demo" for every category, a key "prometheus" for
# /metrics only, and a Basic user "demo" with a random password, in
# auth/api-keys and auth/users.htpasswd (which hold only digests and a
# bcrypt hash), and in PostgreSQL, from where the follower node gets them.
# The keys and the password themselves are kept in auth/demo-credentials
# (mode 0600) so that every run can print them.  Delete auth/ for new ones;
# a new database gets new ones too.
auth=$state/auth
creds=$auth/demo-credentials
mkdir -p "$auth"
if [ ! -s "$creds" ] || [ ! -s "$auth/api-keys" ] \
        || [ ! -s "$auth/users.htpasswd" ] || [ "$fresh" -eq 1 ] \
        || ! grep -q '^KRJ_DEMO_METRICS_KEY=' "$creds"; then
    rm -f "$creds" "$auth/api-keys" "$auth/users.htpasswd"
    echo "demo: making the demo API key and Basic user"
    # what they record and announce is krj-batch's log, not the console's
    demo_key=$(batch keys add demo --scopes '*' --key-file "$auth/api-keys" \
        2>>"$batch_log" | tail -1)
    [[ $demo_key == krj_* ]] \
        || die "krj-batch keys add printed no key, see $batch_log"
    metrics_key=$(batch keys add prometheus --scopes metrics \
        --key-file "$auth/api-keys" 2>>"$batch_log" | tail -1)
    [[ $metrics_key == krj_* ]] \
        || die "krj-batch keys add printed no key, see $batch_log"
    demo_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
    printf '%s\n' "$demo_password" \
        | batch users add demo --user-file "$auth/users.htpasswd" \
            >/dev/null 2>>"$batch_log" \
        || die "krj-batch users add failed, see $batch_log"
    (umask 077
     printf 'KRJ_DEMO_KEY=%s\nKRJ_DEMO_USER=demo\nKRJ_DEMO_PASSWORD=%s\n' \
         "$demo_key" "$demo_password" >"$creds.tmp"
     printf 'KRJ_DEMO_METRICS_KEY=%s\n' "$metrics_key" >>"$creds.tmp")
    mv -f "$creds.tmp" "$creds"
fi
demo_key=$(sed -n 's/^KRJ_DEMO_KEY=//p' "$creds")
demo_password=$(sed -n 's/^KRJ_DEMO_PASSWORD=//p' "$creds")
metrics_key=$(sed -n 's/^KRJ_DEMO_METRICS_KEY=//p' "$creds")
if [ -z "$demo_key" ] || [ -z "$demo_password" ] || [ -z "$metrics_key" ]
then
    die "$creds is damaged: delete $auth for new credentials"
fi
# the key that signs session cookies: read by the master, so root's alone
if [ ! -s "$auth/session.key" ]; then
    (umask 077; openssl rand -out "$auth/session.key.tmp" 32) \
        || die "openssl rand failed"
    mv -f "$auth/session.key.tmp" "$auth/session.key"
fi
# every node with the same key accepts the same cookie
install -m 600 "$auth/session.key" "$node_b/auth/session.key"
chmod 600 "$creds" "$auth/session.key"
chmod 750 "$auth"
chmod 640 "$auth/api-keys" "$auth/users.htpasswd"

# The follower node: krj-batch follow publishes into node-b/output what
# PostgreSQL holds, byte for byte the first node's snapshot, and writes
# node-b/auth from PostgreSQL's principals.
KRJ_OUTPUT_DIR=$node_b/output "$build/krj-batch" follow --config '' \
    --key-file "$node_b/auth/api-keys" \
    --user-file "$node_b/auth/users.htpasswd" --poll 10s \
    2>>"$state/logs/follow.log" &
pids+=($!)
for _ in $(seq 1 100); do
    if cmp -s "$node_b/output/krj.snapshot" "$state/output/krj.snapshot" \
            && [ -f "$node_b/auth/api-keys" ] \
            && [ -f "$node_b/auth/users.htpasswd" ]; then
        break
    fi
    sleep 0.1
done
cmp -s "$node_b/output/krj.snapshot" "$state/output/krj.snapshot" \
    && [ -f "$node_b/auth/api-keys" ] \
    || die "the follower did not catch up (see $state/logs/follow.log)"

user_args=(-g "daemon off;")
if [ "$as_root" -eq 1 ]; then
    chmod -R a+rX "$state/output" "$node_b/output"
    chmod a+rx "$state" "$node_b"
    # the workers read the key and user files through their group
    chgrp "$worker_user" "$auth" "$auth/api-keys" "$auth/users.htpasswd" \
        "$node_b/auth"
    chmod 750 "$node_b/auth"
    user_args=(-g "user $worker_user; daemon off;")
fi

# one node's nginx, in the background
start_nginx() {
    local prefix=$1 url=$2 pid
    (cd "$prefix" && "$nginx" -p "$prefix/" -c demo.conf -e stderr \
        "${user_args[@]}" -t -q) \
        || die "nginx -t failed on $prefix/demo.conf"
    (cd "$prefix" && exec "$nginx" -p "$prefix/" -c demo.conf -e stderr \
        "${user_args[@]}") &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || die "nginx exited at start (see above)"
        # verified as the printed commands do
        if curl -s -o /dev/null --max-time 1 --cacert "$ca" "$url/health"
        then
            return 0
        fi
        sleep 0.1
    done
    die "no answer on $url with the demo's certificate:" \
        "$(curl -sS -o /dev/null --max-time 2 --cacert "$ca" \
           "$url/health" 2>&1 || true)"
}

start_nginx "$state" "$base"
start_nginx "$node_b" "$base_b"

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

Two nodes: $base ingests (krj-batch run, recorded in PostgreSQL
and announced on Redis), $base_b follows it (krj-batch follow): the
same generation, the same ETags.

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
  $base/metrics
  $base_b/api/v1/categories   (the follower node)
  $base_b/ready

The certificate is the demo's own (self-signed, for 127.0.0.1 and
localhost): clients verify it with $ca
(curl --cacert, Python's cafile=); a browser asks you once.

The API and the dashboard ask for credentials (/health and /ready do
not).  Demo credentials, made on the first run and kept in $auth:

  API key:    $demo_key
  Basic user: demo
  Password:   $demo_password
  /metrics:   $metrics_key   (scope "metrics" only)

  curl $cacert $bearer $base/api/v1/
  curl $cacert $bearer $filtered
  curl $cacert $bearer $base/api/v1/signals/sp500.csv
  curl $cacert -u demo:$demo_password $base/api/v1/summary
  curl $cacert $bearer $base_b/api/v1/summary
  curl $cacert -H "Authorization: Bearer $metrics_key" $base/metrics
  python3 -c '$python'

History, the outbox and the follower's lag:

  KRJ_PG_DSN="$KRJ_PG_DSN" KRJ_REDIS_URL="$KRJ_REDIS_URL" \\
      KRJ_OUTPUT_DIR=$node_b/output $build/krj-batch status

Logs: $state/logs/access.log (JSON), $state/logs/error.log,
      $state/logs/krj-batch.log, $state/logs/follow.log, $node_b/logs/
Your own data: KRJ_DEMO_DATA=DIR make demo, DIR holding
KRJ_signals_latest_week_*.csv; other ports: make demo PORT=9443.
Ctrl-C stops it.
EOF

# wait returns early when a trapped signal arrives; loop until a process
# that the demo needs is gone
while true; do
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || {
            echo "demo: process $pid exited"
            stop 1
        }
    done
    wait -n 2>/dev/null || true
done
