#!/bin/bash
# The lines of the code under test that the fuzz corpora reach: runs each
# target's coverage build (tests/fuzz/Makefile COVERAGE=1, in
# build/fuzz-cov/) once over its corpus (build/fuzz/corpus/<target>/ as
# `make fuzz` left it, else the seeds) and the inputs of
# tests/fuzz/regress/, without fuzzing, and prints llvm-cov's line
# coverage of each file of ngx_krj_module/ and batch-plugin/ it links.
#
#   scripts/fuzz-coverage.sh [TARGET...]
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
cov=$build/fuzz-cov
targets=("$@")

if [ ${#targets[@]} -eq 0 ]; then
    for src in "$repo"/tests/fuzz/fuzz_*.c; do
        targets+=("$(basename "$src" .c)")
    done
fi

rc=0

for t in "${targets[@]}"; do
    corpus=$build/fuzz/corpus/$t
    [ -d "$corpus" ] || corpus=$repo/tests/fuzz/corpus/$t
    dirs=("$corpus")
    regress=$repo/tests/fuzz/regress/$t
    [ -d "$regress" ] && dirs+=("$regress")

    if [ ! -x "$cov/$t" ]; then
        echo "$t: not built (make -C tests/fuzz COVERAGE=1)"
        rc=1
        continue
    fi

    rm -f "$cov/$t.profraw"
    LLVM_PROFILE_FILE=$cov/$t.profraw "$cov/$t" -runs=0 "${dirs[@]}" \
        > "$cov/$t.log" 2>&1
    llvm-profdata merge -o "$cov/$t.profdata" "$cov/$t.profraw" || {
        rc=1
        continue
    }

    echo "$t: $(find "${dirs[@]}" -type f | wc -l) inputs"

    # Filename Regions Missed Cover Functions Missed Cover Lines Missed Cover
    llvm-cov report "$cov/$t" -instr-profile="$cov/$t.profdata" \
        -ignore-filename-regex='(fuzz_[a-z]+|krj_fuzz)\.c$' 2>/dev/null \
        | awk '$1 ~ /krj_[a-z_]*\.c$/ && $8 > 0 && $8 != $9 {
                   n = split($1, p, "/")
                   printf "    %-22s lines %5d of %5d  %s\n",
                          p[n], $8 - $9, $8, $10
               }'
done

exit $rc
