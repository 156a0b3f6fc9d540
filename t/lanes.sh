#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Runs lists of make targets as lanes side by side, each lane's targets in
# order, and fails when any lane failed:
#   sh t/lanes.sh "TARGET TARGET ..." "TARGET ..." ...
# Why: an integration suite spends much of its time waiting (httpd starting
# and stopping, the database, the browser, polling intervals), so on CI's
# two cores two suites side by side take little more than the longer one.
# Each lane writes its own log, printed whole when the lane ends, so the
# output of two pytest runs never interleaves. A lane stops at its first
# failing target, as make does; the other lanes go on.
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
dir=$(mktemp -d "${TMPDIR:-/tmp}/oa2-lanes.XXXXXX")
# Two pytest runs in one checkout must not race on its cache files.
PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} -p no:cacheprovider"
export PYTEST_ADDOPTS
n=0
for lane in "$@"; do
    n=$((n + 1))
    (
        start=$(date +%s)
        rc=0
        for target in $lane; do
            echo "== lane $n: $target"
            t0=$(date +%s)
            $MAKE -f apxs.mk "$target" || { rc=$?; break; }
            echo "== lane $n: $target took $(($(date +%s) - t0)) s"
        done
        [ $rc = 0 ] || echo "== lane $n: $target FAILED (exit $rc)"
        echo "== lane $n: ended after $(($(date +%s) - start)) s"
        exit $rc
    ) > "$dir/lane$n.log" 2>&1 &
    eval "pid$n=$!"
    echo "lanes: lane $n runs '$lane' (log $dir/lane$n.log)"
done
failed=0
i=1
while [ $i -le $n ]; do
    eval "wait \$pid$i" || failed=1
    cat "$dir/lane$i.log"
    i=$((i + 1))
done
[ $failed = 0 ] && rm -rf "$dir"
exit $failed
