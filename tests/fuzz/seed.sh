#!/bin/bash
# Writes the seed corpora of the fuzz targets, tests/fuzz/corpus/<target>/,
# from the real fixtures (tests/data/*.csv), snapshots written by the
# built krj-batch, and the query strings, Accept-Encoding values and key
# and user lines the tests use.  The corpora are committed; run this again
# (after `make batch`) when the snapshot format or the fixtures change.
#
#   tests/fuzz/seed.sh [BUILD]
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
corpus=$repo/tests/fuzz/corpus
data=$repo/tests/data
tmp=$(mktemp -d /tmp/krj-seed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -x "$build/krj-batch" ] || { echo "seed: no $build/krj-batch" >&2; exit 1; }

rm -rf "$corpus"
mkdir -p "$corpus"/{fuzz_csv,fuzz_snapshot,fuzz_query,fuzz_encoding,\
fuzz_json,fuzz_principal}

# seed DIR NAME TEXT: one file, TEXT as printf's format (\n, \r, \xHH)
seed() {
    printf "$3" > "$corpus/$1/$2"
}

# --- fuzz_csv: the fixtures cut to a few rows, and the shapes of the tests

for f in "$data"/*.csv; do
    head -n 6 "$f" > "$corpus/fuzz_csv/$(basename "$f")"
done
cp "$data"/KRJ_signals_latest_week_DRC_2026-01-09.csv \
    "$corpus/fuzz_csv/drc-whole.csv"

hdr='ticker,c,signal,signal_status_prior_week\n'
seed fuzz_csv crlf-quoted.csv 'ticker,note\r\nA,"x, y"\r\nB,"say ""hi"""\r\nC,"two\nlines"\r\nD,end\r\n'
seed fuzz_csv bom.csv '\xef\xbb\xbfticker,c\nA,1'
seed fuzz_csv spaces-blank.csv 'ticker,c\r\nA, 1 \r\n\r\n'
seed fuzz_csv utf8.csv 'ticker,name\nA,\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\n'
seed fuzz_csv duplicate.csv "${hdr}A,1,Long,Long\nB,2,Long,Long\na,3,Long,Long\n"
seed fuzz_csv other-signals.csv "${hdr}A,1,long,Long\nB,2,Buy,Hold\nC,,,\n"
seed fuzz_csv numbers.csv 'ticker,n\nA,-0\nB,1e400\nC,0.5e-3\nD,00\nE,1.\nF,-1E+2\nG,99999999999999999999999\nH,.5\n'
seed fuzz_csv wrong-count.csv "${hdr}A,1,Long,Long\nB,2,Long\n"
seed fuzz_csv bad-quote.csv 'ticker,n\nA,"x"y\n'
seed fuzz_csv unterminated.csv 'ticker,n\nA,1\nB,"open\nC,2\n'
seed fuzz_csv no-ticker.csv 'name,c\nA,1\n'
seed fuzz_csv duplicate-header.csv 'ticker,c,d,c\nA,1,2,3\n'

# --- fuzz_snapshot: snapshots krj-batch publishes

# publish NAME FILE...: krj-batch run over the files, its krj.snapshot kept
publish() {
    local name=$1 in=$tmp/in-$1 out=$tmp/out-$1
    shift
    mkdir -p "$in"
    for f in "$@"; do
        cp "$f" "$in/"
    done
    "$build/krj-batch" run --quiet --input "$in" --output "$out"
    cp "$out/krj.snapshot" "$corpus/fuzz_snapshot/$name.snapshot"
}

mkdir -p "$tmp/cut"
head -n 3 "$data"/KRJ_signals_latest_week_DRC_2026-01-09.csv \
    > "$tmp/cut/KRJ_signals_latest_week_DRC_2026-01-09.csv"
head -n 3 "$data"/KRJ_signals_latest_week_ETFs_and_FX_2026-01-09.csv \
    > "$tmp/cut/KRJ_signals_latest_week_ETFs_and_FX_2026-01-09.csv"
printf 'ticker,c,"a,b",signal,signal_status_prior_week\nA,1,x,Long,Short\nb,,"q""r",Buy,Long\nA,2,,Short,\n' \
    > "$tmp/cut/KRJ_signals_latest_week_Mixed_2026-01-09.csv"
printf 'ticker,price\na,10\nZ,20\n' \
    > "$tmp/cut/KRJ_signals_latest_week_Plain_2026-01-02.csv"

publish real "$tmp"/cut/KRJ_signals_latest_week_{DRC,ETFs_and_FX}_*.csv
publish small "$tmp"/cut/KRJ_signals_latest_week_{Mixed,Plain}_*.csv
publish one "$tmp"/cut/KRJ_signals_latest_week_Plain_*.csv
# the previous format, which the module still reads
KRJ_SNAPSHOT_FORMAT=3 publish format3 \
    "$tmp"/cut/KRJ_signals_latest_week_{Mixed,Plain}_*.csv

# --- fuzz_query: query strings of tests/integration/test_query.py, then
# a ticker and a slug (the target looks its input up as both)

i=0
while IFS= read -r q; do
    i=$((i + 1))
    printf '%s' "$q" > "$corpus/fuzz_query/$(printf 'q%02d' "$i")"
done <<'EOF'
ticker=%41APL&fields=%74icker
ticker=A,B&signal=Long,Short
signal=Long&prior=Short
changed=1
changed=0&fields=ticker,signal,signal_status_prior_week
changed=true&sort=-c
sort=c&limit=3&offset=1
sort=-c&fields=ticker,c
fields=ticker,%22a%2Cb%22,prix%20%E2%82%AC
fields=a%2Cb,ticker&sort=prix%20%E2%82%AC
ticker=a,%20g%20&sort=-c
limit=0
offset=0&limit=7
offset=4294967295
limit=1000000
limit=1&limit=2
fields=ticker,ticker
sort=--c
signal=Bogus
limit=18446744073709551617
ticker=%ZZ
ticker=A%
&&limit=2&
=x
ticker=A,,B
ticker=a+b
LIMIT=1
bdx
drc
EOF

# --- fuzz_encoding: Accept-Encoding values of the tests and of browsers

i=0
while IFS= read -r v; do
    i=$((i + 1))
    printf '%s' "$v" > "$corpus/fuzz_encoding/$(printf 'e%02d' "$i")"
done <<'EOF'
gzip
gzip, deflate, br, zstd
deflate, gzip;q=1.0, *;q=0.5
x-gzip
GZIP; Q=0.000
gzip;q=0.001
gzip;q=0, *
*, gzip;q=0
*;q=0
identity;q=0, gzip
br, deflate
gzipx
EOF

# --- fuzz_json: texts to escape, from tests/unit/test_out.c

seed fuzz_json ascii 'plain text'
seed fuzz_json escapes 'a"b\\c\n\x01\x7f'
seed fuzz_json utf8 'd\xc3\xa9j\xc3\xa0 \xe2\x82\xac \xf0\x9f\x98\x80'
seed fuzz_json invalid '\xff\xfea\x80z\xc3'
seed fuzz_json overlong '\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82'

# --- fuzz_principal: key and user files as the tests write them

hex=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
bcrypt='$2b$10$abcdefghijklmnopqrstuuJm9XlD0Yq3E0vE6w6k3gV5QHq2a8FqK'
{
    printf '# keys\n'
    printf 'a:sha256:%s:*\n' "$hex"
    printf 'ci-bot:sha256:%s:sp500,sp100,drc:rate=1r/s\n' "$hex"
    printf 'old:sha256:%s:x:expires=2020-01-01,created=2019-12-31\r\n' "$hex"
    printf 'm:sha256:%s:metrics,admin:rate=600r/m\n' "$hex"
    printf 'malformed:nothing\n\n'
} > "$corpus/fuzz_principal/keys"
{
    printf '# users\n'
    printf 'alice:%s\n' "$bcrypt"
    printf 'bob@example.com:%s:sp500,metrics\n' "$bcrypt"
    printf 's:$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.\n'
    printf 'a:$apr1$salt$abc\nh:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n'
    printf 'd:abJnggxhB/yWI\nc:%s\r\n' "$bcrypt"
    printf 'y:$y$j9T$salt$hash\n   \t\n'
} > "$corpus/fuzz_principal/users"

for d in "$corpus"/*/; do
    echo "seed: $(basename "$d"): $(find "$d" -type f | wc -l) files," \
         "$(du -sb "$d" | cut -f1) bytes"
done
