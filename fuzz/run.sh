#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Run each fuzz target for a bounded time; called by "make -f apxs.mk fuzz".
#   sh fuzz/run.sh SECONDS NAME:MAX_LEN ...
# Seeds are read from fuzz/corpus/NAME (and templates/ for tmpl; never
# written); what a run adds goes to fuzz/out/corpus/NAME, crashes to fuzz/out/NAME-crash-*, the
# output to fuzz/out/NAME.log. Extra libFuzzer flags: $FUZZ_FLAGS.
# Prints one line per target and fails when any target failed.
set -u
cd "$(dirname "$0")/.."
seconds=$1
shift
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
summary=fuzz/out/summary.txt
: > "$summary"
failed=0
for spec in "$@"; do
    name=${spec%%:*}
    max_len=${spec#*:}
    bin=fuzz/out/fuzz_$name
    log=fuzz/out/$name.log
    work=fuzz/out/corpus/$name
    mkdir -p "$work"
    dict=
    [ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
    # The shipped templates seed the template parser as they are, rather
    # than as copies that would drift from them.
    seeds=
    [ "$name" = tmpl ] && seeds=templates
    echo "fuzz: $name for ${seconds}s (max_len $max_len)"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=25 \
        -print_final_stats=1 -artifact_prefix="fuzz/out/$name-" $dict \
        ${FUZZ_FLAGS:-} "$work" "fuzz/corpus/$name" $seeds > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log")
    secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log")
    # The last status line: "#N DONE cov: C ft: F corp: UNITS/SIZE ..."
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 \
        | cut -d' ' -f2)
    if [ $rc = 0 ] && [ -n "$runs" ]; then
        status=ok
    else
        status="FAILED (exit $rc, see $log)"
        failed=1
    fi
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    if [ -z "$rate" ] && [ -n "$runs" ] && [ "${secs:-0}" -gt 0 ]; then
        rate=$((runs / secs))
    fi
    printf '%-13s %11s runs %7s exec/s  cov %5s  corpus %-11s %s\n' \
        "$name" "${runs:--}" "${rate:--}" "${cov:--}" "${corp:--}" \
        "$status" >> "$summary"
done
echo
echo "fuzz summary (${seconds}s per target):"
cat "$summary"
exit $failed
