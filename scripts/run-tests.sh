#!/bin/bash
# Runs every test stage after `make all asan`, keeps going through all of
# them, and ends with ONE summary line on the last line:
#
#   N passed, N failed[, N skipped]
#
# Stages: unit tests (Check), the same built with ASan/UBSan, every
# libFuzzer target for FUZZ_TEST_TIME seconds (20; one test each, passed
# when it ran its time without a crash), integration tests with the
# module, and the integration tests again with the ASan/UBSan module
# (KRJ_ASAN=1).  The fuzz stage runs alone: the integration tests have
# timing-sensitive parts and the machine may have two cores.  Exits
# non-zero when a test failed, a stage broke, or a stage ran no test.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1

PYTHON=${PYTHON:-/usr/bin/python3}
FUZZ_TEST_TIME=${FUZZ_TEST_TIME:-20}
logdir=$(mktemp -d /tmp/krj-tests.XXXXXX)
trap 'rm -rf "$logdir"' EXIT

total_pass=0
total_fail=0
total_skip=0
broken=()

# Check prints "NN%: Checks: N, Failures: F, Errors: E" per suite runner.
count_unit() {
    local log=$1 n=0 f=0 e=0 line
    while IFS= read -r line; do
        if [[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]
        then
            n=$((n + BASH_REMATCH[1]))
            f=$((f + BASH_REMATCH[2]))
            e=$((e + BASH_REMATCH[3]))
        fi
    done < "$log"
    echo "$((n - f - e)) $((f + e)) 0"
}

# pytest -q ends with e.g. "2 failed, 40 passed, 1 skipped, 1 error in 3s".
count_pytest() {
    local log=$1 line p=0 f=0 s=0 word n
    line=$(grep -E '^[0-9]+ (passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?)|no tests ran' "$log" | tail -1)
    for word in passed failed skipped error errors xfailed xpassed; do
        n=$(sed -nE "s/.*(^|[ ,])([0-9]+) $word([ ,]|$).*/\2/p" <<< "$line")
        n=${n:-0}
        case $word in
            passed|xpassed) p=$((p + n)) ;;
            failed|error|errors) f=$((f + n)) ;;
            skipped|xfailed) s=$((s + n)) ;;
        esac
    done
    echo "$p $f $s"
}

# scripts/fuzz.sh prints "fuzz_x: ok, ..." or "fuzz_x: CRASH ..." per target.
count_fuzz() {
    local log=$1 p f
    p=$(grep -cE '^fuzz_[a-z0-9_]+: ok,' "$log")
    f=$(grep -cE '^fuzz_[a-z0-9_]+: [A-Z]+[ ,]' "$log")
    echo "$p $f 0"
}

stage() {
    local name=$1 kind=$2 rc p f s
    shift 2
    echo
    echo "=== $name: $*"
    "$@" 2>&1 | tee "$logdir/$name.log"
    rc=${PIPESTATUS[0]}
    read -r p f s < <("count_$kind" "$logdir/$name.log")
    echo "=== $name: $p passed, $f failed, $s skipped (exit $rc)"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + s))
    if [ $((p + f + s)) -eq 0 ]; then
        broken+=("$name ran no tests (exit $rc)")
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        broken+=("$name exited $rc")
    fi
}

stage unit unit make --no-print-directory -C tests/unit \
    BUILD="$repo/build" run
stage unit-asan unit make --no-print-directory -C tests/unit \
    BUILD="$repo/build" ASAN=1 run
stage fuzz fuzz scripts/fuzz.sh --fresh --time "$FUZZ_TEST_TIME"
stage integration pytest "$PYTHON" -m pytest -q -p no:cacheprovider \
    tests/integration
stage integration-asan pytest env KRJ_ASAN=1 "$PYTHON" -m pytest -q \
    -p no:cacheprovider tests/integration

echo
for b in "${broken[@]}"; do
    echo "run-tests: stage $b" >&2
done

summary="$total_pass passed, $total_fail failed"
[ "$total_skip" -gt 0 ] && summary="$summary, $total_skip skipped"
echo "$summary"

[ "$total_fail" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
