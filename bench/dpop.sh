#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# DPoP at the resource server against a bearer token and plain httpd, side
# by side in one run. Not part of the tests; it prints a table and asserts
# nothing.
#
#   sh bench/dpop.sh [SECONDS_PER_RUN] [ROUNDS]      (default 5 5)
#
# Instances, each its own httpd on loopback:
#   plain   httpd without any OAuth module: the machine's limit
#   ours    mod_oauth2 as a resource server (OAuth2VerifyJWKSFile, ES256
#           access tokens), the token cache as users get it (shmcb, 1 MiB):
#           it holds the validated token and the proofs' jtis
# Cases:
#   ours:bearer   one access token, repeated (a token cache hit per request)
#   ours:dpop     one DPoP-bound access token, repeated, with a fresh ES256
#                 proof per request (bench/lua/dpop.lua): a cache hit for
#                 the token, then the proof: its key found in the key
#                 cache, its signature verified, its claims checked, its
#                 jti added to the token cache (a replay would be refused)
#   ours:dpop-rs  the same with an RSA-2048 client key (RS256 proofs)
#   ours:fresh    a bearer token never sent before on every request
#                 (bench/lua/rotate.lua over as many ES256 tokens as a dpop
#                 run has proofs): a cache miss, one ES256 verification and
#                 a cache put. The issue's floor in httpd: one ES256
#                 verification per request and a cache write, what an
#                 ES256 DPoP check cannot go below
# A proof is single use, so each dpop run gets proofs of its own, made
# just before it (bench/dpop_proofs.py: 15,000 per second of run, more
# than the run can send; 10,000 of the slower-to-make RS256 ones; iat 30 s
# ahead, so they stay valid through it).
# Each round runs the cases shuffled, with plain runs before the first and
# after each (bench_round in lib.sh). Then the check alone in process
# against one bare signature verification (bench/dpop_cost, ES256 and
# RS256 client keys).
#
# Then instructions per request under callgrind (httpd -X): plain,
# bearer and dpop (BENCH_CALLGRIND=0 skips it).
#
# Environment: BENCH_KEEP=1 keeps the temp dir; BENCH_OUT (default
# bench/out-dpop) receives results.txt, machine.txt, callgrind.txt,
# dpop_cost.txt and table.md.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
BENCH_SECONDS=${1:-5}
ROUNDS=${2:-5}
OUT=${BENCH_OUT:-bench/out-dpop}
ISS=https://as.bench.test
AUD=urn:bench:api
NPROOFS=$((BENCH_SECONDS * 15000))

sh t/install-deps.sh wrk
bench_setup dpop
make -s -f apxs.mk bench/dpop_cost
INSTANCES="plain ours"
bench_stop_all() {
    for i in $INSTANCES; do bench_stop "$BENCH_DIR/$i"; done
}
bench_begin "$OUT"
D=$BENCH_DIR

# --- keys and tokens -------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/keys/ec.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/keys/client.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$D/keys/client-rsa.pem" 2>/dev/null
$BENCH_PY bench/tokens.py jwks "$D/keys"
$BENCH_PY bench/dpop_proofs.py token "$D/keys" "$ISS" "$AUD"
$BENCH_PY bench/tokens.py mint "$D/keys" "$ISS" "$AUD" "$NPROOFS"

# --- instances -------------------------------------------------------------
port() { bench_port > "$D/$1.port"; cat "$D/$1.port"; }
url() { echo "http://127.0.0.1:$(cat "$D/$1.port")$2"; }

mkdir -p "$D/plain"
bench_conf_head "$D/plain" "$(port plain)" > "$D/plain/httpd.conf"
bench_htdocs "$D/plain" plain

mkdir -p "$D/ours"
{
    bench_conf_head "$D/ours" "$(port ours)"
    cat <<CONF
LoadModule socache_shmcb_module $BENCH_MODULES/mod_socache_shmcb.so
LoadModule oauth2_module $PWD/mod_oauth2/.libs/mod_oauth2.so
<Location /api>
    AuthType OAuth2
    OAuth2VerifyJWKSFile $D/keys/ec.jwks
    OAuth2VerifyIssuer $ISS
    OAuth2Audience $AUD
    Require valid-user
</Location>
CONF
} > "$D/ours/httpd.conf"
bench_htdocs "$D/ours" api
for i in $INSTANCES; do bench_start "$D/$i"; done

# Every case answers as it should before anything is measured.
API=$(url ours /api/data.json)
BEARER=$(cat "$D/keys/bearer.token")
BENCH_TOKEN=$(cat "$D/keys/client.token")
export BENCH_TOKEN BENCH_PROOFS
bench_expect 200 "$(url plain /plain/data.json)"
bench_expect 401 "$API"
bench_expect 200 "$API" -H "Authorization: Bearer $BEARER"
bench_expect 200 "$API" -H "Authorization: Bearer $(tail -n 1 "$D/keys/ec.tokens")"
$BENCH_PY bench/dpop_proofs.py proofs "$D/keys" "$API" 1 "$D/check.proofs"
bench_expect 200 "$API" -H "Authorization: DPoP $BENCH_TOKEN" \
    -H "DPoP: $(cat "$D/check.proofs")"
# a proof sent twice is a replay; a DPoP-bound token is no bearer token
bench_expect 401 "$API" -H "Authorization: DPoP $BENCH_TOKEN" \
    -H "DPoP: $(cat "$D/check.proofs")"
bench_expect 401 "$API" -H "Authorization: Bearer $BENCH_TOKEN"
$BENCH_PY bench/dpop_proofs.py proofs "$D/keys" "$API" 1 "$D/check.proofs" \
    client-rsa
bench_expect 200 "$API" -H "Authorization: DPoP $(cat "$D/keys/client-rsa.token")" \
    -H "DPoP: $(cat "$D/check.proofs")"

# dpop_run ROUND CLIENT CASE COUNT: fresh proofs of CLIENT's key, then
# the measured run.
dpop_run() {
    BENCH_PROOFS=$D/round.proofs
    BENCH_TOKEN=$(cat "$D/keys/$2.token")
    $BENCH_PY bench/dpop_proofs.py proofs "$D/keys" "$API" "$4" \
        "$BENCH_PROOFS" "$2"
    bench_wrk "$1" "$3" "$API" -s bench/lua/dpop.lua
}

# --- rounds ----------------------------------------------------------------
cases() {
    echo 'bench_wrk "$r" ours:bearer "$API" -H "Authorization: Bearer $BEARER"'
    echo 'dpop_run "$r" client ours:dpop $NPROOFS'
    echo 'dpop_run "$r" client-rsa ours:dpop-rs $((BENCH_SECONDS * 10000))'
    echo 'BENCH_TOKENS=$D/keys/ec.tokens bench_wrk "$r" ours:fresh "$API" -s bench/lua/rotate.lua'
}
echo "bench: $ROUNDS rounds of ${BENCH_SECONDS}s runs"
r=1
while [ $r -le "$ROUNDS" ]; do
    bench_round $r "$(url plain /plain/data.json)"
    r=$((r + 1))
done

# --- instructions per request under callgrind ------------------------------
# Each case its own httpd -X of the "ours" config under callgrind: WARM
# requests (the first DPoP one imports the key), then again WARM + N; the
# difference over N is the cost per request of ap_process_request_internal
# (every hook and the handler) and of the module's check_authn.
cg_profile() { # CASE COUNT -> "REQUEST_INSTRUCTIONS CHECK_INSTRUCTIONS"
    C=$D/cg
    mkdir -p "$C"
    chmod 777 "$C"
    cport=$(bench_port)
    sed -e "s#^Listen .*#Listen 127.0.0.1:$cport#" \
        -e "s#^PidFile .*#PidFile $C/httpd.pid#" \
        -e "s#^ErrorLog .*#ErrorLog $C/error.log#" \
        -e "s#^DefaultRuntimeDir .*#DefaultRuntimeDir $C#" \
        "$D/ours/httpd.conf" > "$C/httpd.conf"
    : > "$C/cg.out"
    chmod 666 "$C/cg.out"
    $BENCH_PY bench/dpop_proofs.py proofs "$D/keys" \
        "http://127.0.0.1:$cport/api/data.json" "$2" "$C/proofs"
    valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$C/cg.out" \
        $BENCH_HTTPD -X -f "$C/httpd.conf" > "$C/valgrind.log" 2>&1 &
    vg=$!
    for _i in $(seq 300); do
        curl -s -o /dev/null "http://127.0.0.1:$cport/" && break
        sleep 0.2
    done
    $BENCH_PY - "$cport" "$1" "$2" "$C/proofs" "$BEARER" "$(cat "$D/keys/client.token")" <<'PYEOF'
import http.client, sys
port, case, n, proofs, bearer, bound = sys.argv[1:]
proofs = open(proofs).read().split()
conn = http.client.HTTPConnection("127.0.0.1", int(port))
for i in range(int(n)):
    h = {}
    path = "/api/data.json"
    if case == "plain":
        path = "/plain/data.json"
    elif case == "bearer":
        h = {"Authorization": "Bearer " + bearer}
    else:
        h = {"Authorization": "DPoP " + bound, "DPoP": proofs[i]}
    conn.request("GET", path, headers=h)
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("%s: %s" % (case, r.status))
PYEOF
    kill -TERM $vg
    wait $vg || true
    callgrind_annotate --inclusive=yes "$C/cg.out" 2>/dev/null | awk '
        { gsub(",", "", $1) }
        /:ap_process_request_internal( |$)/ && !req { req = $1 }
        /:check_authn( |$)/ && !chk { chk = $1 }
        END { printf "%d %d\n", req, chk }'
}
: > "$D/callgrind.txt"
if [ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind > /dev/null; then
    bench_htdocs "$D/ours" plain
    CG_N=${BENCH_CALLGRIND_REQUESTS:-200}
    CG_WARM=10
    for c in plain bearer dpop; do
        all=$(cg_profile $c $((CG_WARM + CG_N)))
        warm=$(cg_profile $c $CG_WARM)
        echo "$all $warm" | awk -v c="$c" -v n="$CG_N" '
            { printf "%s %d %d %d\n", c, ($1 - $3) / n, ($2 - $4) / n, n }'
    done > "$D/callgrind.txt"
fi

# --- the check alone -------------------------------------------------------
for k in client client-rsa; do
    bench/dpop_cost "$D/keys/$k.pem" 20000
done > "$D/dpop_cost.txt"

# --- report ----------------------------------------------------------------
cp "$D/results" "$OUT/results.txt"
cp "$D/dpop_cost.txt" "$OUT/dpop_cost.txt"
cp "$D/callgrind.txt" "$OUT/callgrind.txt"
{
    echo "machine: $(bench_machine)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
    echo "wrk -t1 -c32 -d${BENCH_SECONDS}s, $ROUNDS rounds; $NPROOFS fresh proofs per dpop run"
    echo "load average before: $LOAD_BEFORE, after: $(bench_load)"
} > "$OUT/machine.txt"
$BENCH_PY - "$OUT" <<'PY' | tee "$OUT/table.md"
import collections, statistics, sys
out = sys.argv[1]
runs = [l.split() for l in open(out + "/results.txt")]
rps = collections.defaultdict(dict)   # case -> round -> req/s
plain = collections.defaultdict(list)  # round -> [(index, req/s)]
bad = collections.Counter()
for i, (r, case, v, non2xx) in enumerate(runs):
    bad[case] += int(non2xx)
    if case == "plain":
        plain[r].append((i, float(v)))
    else:
        rps[case][r] = (i, float(v))
def neighbours(r, i):
    before = [v for j, v in plain[r] if j < i][-1:]
    after = [v for j, v in plain[r] if j > i][:1]
    return statistics.mean(before + after)
print(open(out + "/machine.txt").read())
print("| case | req/s (median) | min – max | ratio to plain (median; range) "
      "| ratio to bearer (median; range) | non-2xx |")
print("|---|---:|---:|---:|---:|---:|")
allp = [v for r in plain for _, v in plain[r]]
print("| plain | %.0f | %.0f – %.0f | 1.00 | | %d |"
      % (statistics.median(allp), min(allp), max(allp), bad["plain"]))
for case in ("ours:bearer", "ours:fresh", "ours:dpop", "ours:dpop-rs"):
    vals = [v for _, v in rps[case].values()]
    to_plain = [v / neighbours(r, i) for r, (i, v) in rps[case].items()]
    to_bearer = [v / rps["ours:bearer"][r][1]
                 for r, (i, v) in rps[case].items()]
    print("| %s | %.0f | %.0f – %.0f | %.2f (%.2f – %.2f) | %.2f (%.2f – %.2f) "
          "| %d |" % (case, statistics.median(vals), min(vals), max(vals),
                      statistics.median(to_plain), min(to_plain),
                      max(to_plain), statistics.median(to_bearer),
                      min(to_bearer), max(to_bearer), bad[case]))
print()
# How close the ES256 DPoP check comes to its floor: the same round's run
# that verified one ES256 token per request and checked nothing else.
to_floor = [v / rps["ours:fresh"][r][1]
            for r, (i, v) in rps["ours:dpop"].items()]
print("ours:dpop / ours:fresh (the one-verification floor), per round: "
      "median %.2f (%.2f – %.2f)" % (statistics.median(to_floor),
                                     min(to_floor), max(to_floor)))
print()
cg = [l.split() for l in open(out + "/callgrind.txt")]
if cg:
    print("Instructions per request under callgrind (httpd -X, %s requests "
          "after %s):" % (cg[0][3], "10"))
    print()
    print("| case | request | check_authn |")
    print("|---|---:|---:|")
    for c, req, chk, n in cg:
        print("| %s | %s | %s |" % (c, format(int(req), ","),
                                    format(int(chk), ",")))
    print()
print("```")
print(open(out + "/dpop_cost.txt").read().rstrip())
print("```")
PY
bench_non2xx dpop
