#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Instructions per request of the bearer check under callgrind: repeatable
# where wall time is not. Called by bench/run.sh with its directory (the
# "ours" instance config and the keys and tokens it made), or by
# bench/remote.sh with its directory and "remote" (its rs-off and rs-on
# configs, its keys and as instances still running); prints
#     CASE REQUEST_INSTRUCTIONS CHECK_INSTRUCTIONS REQUESTS
# where REQUEST is the inclusive cost of ap_process_request_internal (every
# hook httpd runs for a request, handler included) and CHECK that of the
# module's check_authn hook, each divided by the number of requests.
#
# Each case is its own httpd -X (one process, mpm_event) under callgrind:
# N requests on one keep-alive connection, then a clean stop writes the
# profile. Start-up and connection handling are outside both functions.
# Under valgrind OpenSSL may pick other code paths than on the bare CPU
# (valgrind does not offer every instruction set extension), so the crypto
# counts are those of its portable paths.
#
# The remote cases fetch keys or introspect on their first request, a
# cost of the first request only: each of them is profiled twice, with
# WARM requests (BENCH_CALLGRIND_WARM, default 20) and with WARM + N, and
# the difference is divided by N.
set -e
D=$1
MODE=${2:-ours}
N=${BENCH_CALLGRIND_REQUESTS:-200}
WARM=${BENCH_CALLGRIND_WARM:-20}
cd "$(dirname "$0")/.."
. bench/lib.sh
C=$D/callgrind.d
mkdir -p "$C"
# httpd -X started as root runs as User nobody, and writes the profile then
chmod 777 "$C"

# profile CONF PATH TOKEN_FILE|- FIRST_TOKEN_ONLY(0|1) COUNT: COUNT
# requests of PATH to an httpd -X of CONF under callgrind; prints the
# instructions of ap_process_request_internal and check_authn, in all.
profile() {
    port=$(bench_port)
    sed -e "s#^Listen .*#Listen 127.0.0.1:$port#" \
        -e "s#^PidFile .*#PidFile $C/httpd.pid#" \
        -e "s#^ErrorLog .*#ErrorLog $C/error.log#" \
        -e "s#^DefaultRuntimeDir .*#DefaultRuntimeDir $C#" \
        "$1" > "$C/httpd.conf"
    # valgrind opens the profile as root and writes it as the child's user
    : > "$C/cg.out"
    chmod 666 "$C/cg.out"
    valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$C/cg.out" \
        $BENCH_HTTPD -X -f "$C/httpd.conf" > "$C/valgrind.log" 2>&1 &
    vg=$!
    for _i in $(seq 300); do
        curl -s -o /dev/null "http://127.0.0.1:$port/plain/data.json" \
            && break
        sleep 0.2
    done
    $BENCH_PY - "$port" "$2" "$3" "$4" "$5" <<'PYEOF'
import http.client, sys
port, path, tokens, first_only, n = sys.argv[1:]
n = int(n)
if tokens == "-":
    toks = [None] * n
else:
    toks = open(tokens).read().split()
    toks = [toks[0]] * n if first_only == "1" else toks[:n]
conn = http.client.HTTPConnection("127.0.0.1", int(port))
for t in toks:
    conn.request("GET", path, headers={"Authorization": "Bearer " + t} if t else {})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"{path}: {r.status}")
PYEOF
    kill -TERM $vg
    wait $vg || true
    callgrind_annotate --inclusive=yes "$C/cg.out" 2>/dev/null | awk '
        { gsub(",", "", $1) }
        /:ap_process_request_internal( |$)/ && !req { req = $1 }
        /:check_authn( |$)/ && !chk { chk = $1 }
        END { printf "%d %d\n", req, chk }'
}

# one_case NAME PATH TOKEN_FILE|- FIRST_TOKEN_ONLY [CONF [WARM]]: the
# instructions per request of N requests (after WARM unprofiled ones);
# CONF defaults to the "ours" instance's.
one_case() {
    _conf=${5:-$D/ours/httpd.conf}
    _warm=${6:-0}
    # (the readiness probe adds one plain request to every case: 1/N,
    # or nothing when WARM takes the difference)
    _all=$(profile "$_conf" "$2" "$3" "$4" $((_warm + N)))
    _first="0 0"
    [ "$_warm" = 0 ] || _first=$(profile "$_conf" "$2" "$3" "$4" "$_warm")
    echo "$_all $_first" | awk -v name="$1" -v n="$N" '
        { printf "%s %d %d %d\n", name, ($1 - $3) / n, ($2 - $4) / n, n }'
}

if [ "$MODE" = remote ]; then
    one_case plain /plain/data.json - 0 "$D/rs-off/httpd.conf"
    for rs in rs-off rs-on; do
        for loc in file url; do
            one_case "$loc:cache-${rs#rs-}" /$loc/data.json "$D/keys/ec.token" \
                1 "$D/$rs/httpd.conf" "$WARM"
        done
    done
    for loc in cachehit introspection; do
        one_case "$loc" /$loc/data.json "$D/as/svc.token" 1 \
            "$D/rs-on/httpd.conf" "$WARM"
    done
    exit 0
fi

one_case plain /plain/data.json - 0
for loc in es rs; do
    k=$D/keys/rsa
    [ $loc = es ] && k=$D/keys/ec
    one_case "ours:$loc:repeated" /$loc/data.json "$k.tokens" 1
    one_case "ours:$loc:rotating" /$loc/data.json "$k.tokens" 0
done
