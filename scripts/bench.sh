#!/bin/bash
# make bench: wrk against the module and against the same nginx serving the
# identical bytes as static files, in one run, and the ratio of the two;
# the server's CPU time per request (user + system of the worker, from
# /proc), the dashboard's pages, and the weight of a first visit.
#
# BENCH_DURATION (default 10s), BENCH_CONNECTIONS (default 32) and
# BENCH_THREADS (default 1) tune wrk; one nginx worker and one wrk thread
# share this machine's cores, so absolute numbers are only comparable
# within one run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dur=${BENCH_DURATION:-10s}
conns=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-1}
dir=$(mktemp -d /tmp/krj-bench.XXXXXX)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
    [ -f "$dir/nginx.pid" ] && kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null
    sleep 0.5
    rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/data" "$dir/out" "$dir/static"
cp "$repo"/tests/data/*.csv "$dir/data/"
"$repo/build/krj-batch" run --quiet --input "$dir/data" --output "$dir/out"

# one bcrypt (cost 10) user and one key, made by krj-batch itself
echo "bench-password" | "$repo/build/krj-batch" users add bench --cost 10 \
    --user-file "$dir/users" > /dev/null
key=$("$repo/build/krj-batch" keys add bench --scopes '*' \
      --key-file "$dir/keys" | tail -1)
basic=$(printf 'bench:bench-password' | base64)

cat > "$dir/nginx.conf" <<CONF
load_module $repo/build/ngx_http_krj_module.so;
user root;
worker_processes 1;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    access_log off;
    default_type application/json;
    krj_snapshot $dir/out/krj.snapshot;
    krj_zone krj 1m;
    krj_user_file $dir/users;
    krj_key_file $dir/keys;
    server {
        listen 127.0.0.1:$port;
        location /api/v1/ { krj_api; }
        location /basic/ { krj_auth basic; krj_api; }
        location /stock/ {
            auth_basic "bench";
            auth_basic_user_file $dir/users;
            krj_api;
        }
        # a limit far above what wrk reaches: the cost of counting, not
        # of being limited
        location /key/ {
            krj_auth key;
            krj_limit rate=1000000r/s burst=1000000 nodelay;
            krj_api;
        }
        location /krj { krj_dashboard; }
        location /static/ { root $dir; gzip_static on; }
        # static at its best, for an honest comparison
        location /tuned/ {
            alias $dir/static/;
            sendfile on;
            tcp_nopush on;
            open_file_cache max=16 inactive=60s;
        }
    }
}
CONF
mkdir -p "$dir/tmp"
nginx -p "$dir" -c "$dir/nginx.conf"
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$port/api/v1/categories" >/dev/null && break
    sleep 0.1
done

base=http://127.0.0.1:$port
curl -fs "$base/api/v1/signals/sp500" -o "$dir/static/sp500.json"
curl -fs "$base/api/v1/signals/sp500?ticker=AAPL" -o "$dir/static/aapl.json"

# the dashboard's pages as static files, the gzip one for gzip_static
curl -fs "$base/krj/sp500" -o "$dir/static/sp500.html"
curl -fs -H "Accept-Encoding: gzip" "$base/krj/sp500" \
    -o "$dir/static/sp500.html.gz"
curl -fs "$base/krj/sp500?signal=Long,Short" -o "$dir/static/ls.html"

worker=$(pgrep -P "$(cat "$dir/nginx.pid")" | head -1)
tick=$(getconf CLK_TCK)

# user + system CPU ticks of the worker so far
cpu() {
    awk '{ print $14 + $15 }' "/proc/$worker/stat"
}

# wrk --latency prints "99%  1.23ms"; normalise to microseconds.  Prints
# "rps p99 cpu", cpu the worker's microseconds per request.
run() {
    local out rps p99 c0 c1 n us url=$1
    shift
    c0=$(cpu)
    out=$(wrk -t"$threads" -c"$conns" -d"$dur" --latency "$@" "$url")
    c1=$(cpu)
    n=$(awk '/requests in/ { print $1 }' <<< "$out")
    us=$(awk -v d=$((c1 - c0)) -v n="$n" -v t="$tick" \
             'BEGIN { printf "%.1f", n ? d * 1000000 / t / n : 0 }')
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<< "$out")
    p99=$(awk '$1 == "99%" { v = $2; m = 1;
              if (v ~ /us$/) { sub(/us$/, "", v) }
              else if (v ~ /ms$/) { sub(/ms$/, "", v); m = 1000 }
              else if (v ~ /s$/) { sub(/s$/, "", v); m = 1000000 }
              printf "%.0f\n", v * m }' \
          <<< "$out")
    echo "$rps $p99 $us"
}

printf '%-36s %12s %12s %10s %12s\n' "case" "req/s" "p99 (us)" "bytes" \
    "cpu us/req"

# row NAME URL BYTES: prints a table row, leaves "rps p99 cpu" in $result
result=
row() {
    local name=$1 url=$2 bytes=$3 rps p99 us
    shift 3
    result=$(run "$url" "$@")
    read -r rps p99 us <<< "$result"
    printf '%-36s %12s %12s %10s %12s\n' "$name" "$rps" "$p99" "$bytes" \
        "$us"
    result="$rps $us"
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

s1=$(stat -c %s "$dir/static/sp500.json")
s2=$(stat -c %s "$dir/static/aapl.json")

row "krj  /signals/sp500" "$base/api/v1/signals/sp500" "$s1"; m1=$result
row "static same bytes" "$base/static/sp500.json" "$s1"; f1=$result
row "static, sendfile + open_file_cache" "$base/tuned/sp500.json" "$s1"
t1=$result
row "krj  /signals/sp500?ticker=AAPL" \
    "$base/api/v1/signals/sp500?ticker=AAPL" "$s2"; m2=$result
row "static same bytes" "$base/static/aapl.json" "$s2"; f2=$result
row "static, sendfile + open_file_cache" "$base/tuned/aapl.json" "$s2"
t2=$result

echo
echo "ratio krj/static, /signals/sp500:             $(ratio "${m1% *}" "${f1% *}") x throughput" \
     "($(ratio "${m1% *}" "${t1% *}") x against tuned static)"
echo "ratio krj/static, /signals/sp500?ticker=AAPL:  $(ratio "${m2% *}" "${f2% *}") x throughput" \
     "($(ratio "${m2% *}" "${t2% *}") x against tuned static)"
echo
echo "Dashboard (${dur}, ${conns} connections):"
s4=$(stat -c %s "$dir/static/sp500.html")
s5=$(stat -c %s "$dir/static/sp500.html.gz")
s6=$(stat -c %s "$dir/static/ls.html")
gz=(-H "Accept-Encoding: gzip")
row "krj  /krj/sp500" "$base/krj/sp500" "$s4"; d1=$result
row "static same bytes" "$base/static/sp500.html" "$s4"; e1=$result
row "krj  /krj/sp500, gzip" "$base/krj/sp500" "$s5" "${gz[@]}"; d2=$result
row "static same bytes (gzip_static)" "$base/static/sp500.html" "$s5" \
    "${gz[@]}"; e2=$result
row "krj  /krj/sp500?signal=Long,Short" "$base/krj/sp500?signal=Long,Short" \
    "$s6"; d3=$result
row "static same bytes" "$base/static/ls.html" "$s6"; e3=$result

echo
for pair in "/krj/sp500:$d1:$e1" "/krj/sp500, gzip:$d2:$e2" \
            "/krj/sp500?signal=Long,Short:$d3:$e3"; do
    IFS=: read -r name d e <<< "$pair"
    echo "cpu per request krj/static, $name: ${d#* } us / ${e#* } us =" \
         "$(ratio "${d#* }" "${e#* }") x"
done

# what a first visit of /krj/sp500 loads, gzip as a browser asks for it
echo
echo "Page weight of a first visit to /krj/sp500 (bytes, gzip):"
page=$(curl -fs "$base/krj/sp500")
total=0
for url in "/krj/sp500" $(grep -o '/krj/assets/krj\.[0-9a-f]*\.[a-z]*' \
                          <<< "$page"); do
    b=$(curl -fs -H "Accept-Encoding: gzip" "$base$url" | wc -c)
    p=$(curl -fs "$base$url" | wc -c)
    printf '  %-36s %8s plain %8s gzip\n' "$url" "$p" "$b"
    total=$((total + b))
done
echo "  total (gzip)                          $total"

echo
echo "Authentication, GET /summary (${dur}, ${conns} connections):"
s3=$(curl -fs "$base/api/v1/summary" | wc -c)
row "no auth (krj_auth off)" "$base/api/v1/summary" "$s3"; a0=$result
row "key + krj_limit" "$base/key/summary" "$s3" \
    -H "Authorization: Bearer $key"; a1=$result
row "Basic bcrypt-10, krj (cached)" "$base/basic/summary" "$s3" \
    -H "Authorization: Basic $basic"; a2=$result
row "Basic bcrypt-10, stock auth_basic" "$base/stock/summary" "$s3" \
    -H "Authorization: Basic $basic"; a3=$result

echo
echo "key auth + limiting keeps $(ratio "${a1% *}" "${a0% *}") x of krj_auth off's throughput"
echo "Basic: krj with its cache $(ratio "${a2% *}" "${a3% *}") x stock auth_basic"
if grep -E '\[(alert|emerg|crit)\]' "$dir/error.log"; then
    echo "bench: the error log has alerts" >&2
    exit 1
fi
