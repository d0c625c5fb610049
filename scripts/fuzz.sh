#!/bin/bash
# Runs the libFuzzer targets (tests/fuzz/fuzz_*.c, built by
# `make fuzz-build` into build/fuzz/) one after another, each for a set
# time, and prints one line per target:
#
#   fuzz_csv: ok, 612345 runs (2041/s), cov 845, ft 3021, corpus 312 (+290)
#   fuzz_csv: CRASH, ... build/fuzz/crashes/fuzz_csv/crash-<sha1>
#
# followed, on a crash, by what the fuzzer said about it.  Each target
# works on a copy of its seed corpus (tests/fuzz/corpus/<target>/) and of
# the inputs that once failed it (tests/fuzz/regress/<target>/), so runs
# never write into the repository.  build/fuzz/corpus/<target>/ keeps
# the inputs earlier runs found and gets the seeds added; with --fresh
# (make test) the copy is build/fuzz/fresh/<target>/, made anew.
# Crash, timeout and leak inputs go to build/fuzz/crashes/<target>/,
# logs to build/fuzz/logs/<target>.log.
#
#   scripts/fuzz.sh [--time SECONDS] [--fresh] [TARGET...]
#
# Exits non-zero when a target crashed, timed out, leaked or did not run.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}/fuzz
time=${FUZZ_TIME:-300}
fresh=0
targets=()

while [ $# -gt 0 ]; do
    case $1 in
        --time) time=$2; shift 2 ;;
        --fresh) fresh=1; shift ;;
        -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done

if [ ${#targets[@]} -eq 0 ]; then
    for src in "$repo"/tests/fuzz/fuzz_*.c; do
        targets+=("$(basename "$src" .c)")
    done
fi

mkdir -p "$build/logs"
failed=0

for t in "${targets[@]}"; do
    bin=$build/$t
    seeds=$repo/tests/fuzz/corpus/$t
    corpus=$build/$([ "$fresh" -eq 1 ] && echo fresh || echo corpus)/$t
    crashes=$build/crashes/$t
    log=$build/logs/$t.log
    dict=$repo/tests/fuzz/$t.dict

    if [ ! -x "$bin" ]; then
        echo "$t: FAILED, $bin not built (make fuzz-build)"
        failed=1
        continue
    fi

    [ "$fresh" -eq 1 ] && rm -rf "$corpus"
    mkdir -p "$corpus" "$crashes"
    cp -p "$seeds"/* "$corpus"/ 2>/dev/null
    cp -p "$repo/tests/fuzz/regress/$t"/* "$corpus"/ 2>/dev/null
    before=$(find "$corpus" -type f | wc -l)

    args=(-max_total_time="$time" -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix="$crashes/")
    [ -f "$dict" ] && args+=(-dict="$dict")

    "$bin" "${args[@]}" "$corpus" > "$log" 2>&1
    rc=$?

    # the last status line: "#N DONE cov: C ft: F corp: K/..."
    status=$(grep -E '^#[0-9]+' "$log" | tail -1)
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log")
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<< "$status")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<< "$status")
    after=$(find "$corpus" -type f | wc -l)
    artifact=$(grep -oE "Test unit written to [^ ]+" "$log" \
               | sed 's/.* written to //' | tail -1)

    stats="${runs:-0} runs (${rate:-0}/s), cov ${cov:-?}, ft ${ft:-?},"
    stats="$stats corpus $after (+$((after - before)))"

    if [ "$rc" -eq 0 ] && [ -z "$artifact" ] && [ -n "$runs" ]; then
        echo "$t: ok, $stats"
        continue
    fi

    failed=1

    if grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        what=TIMEOUT
    elif grep -q 'ERROR: LeakSanitizer' "$log"; then
        what=LEAK
    elif [ -n "$artifact" ]; then
        what=CRASH
    else
        what=FAILED
    fi

    echo "$t: $what (exit $rc), $stats${artifact:+, input $artifact}"
    grep -E 'krj fuzz:|ERROR:|SUMMARY:|^    #[0-9]+ ' "$log" | head -30 \
        | sed 's/^/    /'
done

exit $failed
