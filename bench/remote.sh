#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Keys and verdicts of other issuers (issue 14): the bearer check with keys
# fetched from a JWKS URL against the same check with the same keys from a
# JWKS file, and a token judged by introspection (its verdict in the token
# cache) against the same token verified with its issuer's keys (a
# validated-token cache hit). Not part of the tests; it prints tables and
# asserts nothing but that every measured request got a 2xx.
#
#   sh bench/remote.sh [SECONDS_PER_RUN] [ROUNDS]      (default 5 3)
#
# Instances, each its own httpd on loopback (lib.sh):
#   plain   httpd without any OAuth module: the neighbour runs
#   keys    a plain httpd serving the bench's EC P-256 public key as a
#           static JWKS file, at /keys/cache-off/jwks.json for rs-off and
#           /keys/cache-on/jwks.json for rs-on (one path each, so its
#           access log tells whose fetches it served)
#   as      mod_oauth2 as an authorization server on SQLite (ES256, a key
#           of its own), OAuth2AccessTokenTTL 86400, with an access log:
#           the issuer the introspection location asks
#   rs-off  mod_oauth2 as a resource server, OAuth2TokenCache none: every
#           request verifies the token's signature
#   rs-on   the same with mod_socache_shmcb loaded (the token cache on, as
#           users get it), and the introspection location; neither
#           resource server has an authorization server of its own
# Cases (wrk -t1 -c32, one repeated token each):
#   file:cache-off, file:cache-on   OAuth2VerifyJWKSFile (the EC key),
#       OAuth2VerifyIssuer, OAuth2Audience; a token minted by
#       bench/tokens.py (ES256, typ at+jwt)
#   url:cache-off, url:cache-on     the same token and keys through
#       OAuth2VerifyJWKSURL http://127.0.0.1:PORT/keys/.../jwks.json
#   introspection   OAuth2Introspection to the as instance's
#       /oauth2/introspect (client_secret_basic, a client registered with
#       oauth2-admin), OAuth2IntrospectionCacheTTL 3600, a
#       client_credentials token of that issuer
#   cachehit        the same token at a location with
#       OAuth2VerifyJWKSFile of that issuer's keys (its /oauth2/jwks,
#       saved to a file at start)
# Before the rounds every case is checked by hand (401 without a token,
# 200 with it), then warmed up by a wrk run of its own, unmeasured: the
# first requests fetch keys and introspect. Rounds as in run.sh
# (bench_round): every case once per round, with a plain run before the
# first and after each; here the order is shuffled by pairs, the two cases
# of a ratio one after the other (in a random order, a plain run between
# them), since on this busy machine runs a minute apart differ more than
# the cases do. The three ratios issue 14 asks for are taken within each
# round (report.py): url over file with the cache off, the same with it
# on, and introspection over cachehit. Afterwards, from
# the access logs of keys and as, how often the JWKS files and the
# introspection endpoint were requested (after the checks, after the
# warm-up, at the end), and how many children each resource server had:
# in the steady state nothing is fetched.
#
# Then instructions per request of each case under callgrind
# (bench/callgrind.sh remote: after warm-up requests, which are not
# counted).
#
# Environment: BENCH_CALLGRIND=0 skips callgrind; BENCH_KEEP=1 keeps the
# temp dir; BENCH_OUT (default bench/out/remote) receives results.txt,
# machine.txt, fetches.txt, callgrind.txt, table.md and req_per_s.png.
# Exits 1 when any measured run had a non-2xx.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
BENCH_SECONDS=${1:-5}
ROUNDS=${2:-3}
OUT=${BENCH_OUT:-bench/out/remote}
WARM_SECONDS=2
ISS=https://as.bench.test
AUD=urn:bench:api
INSTANCES="plain keys as rs-off rs-on"

sh t/install-deps.sh wrk gnuplot-nox
bench_setup remote
D=$BENCH_DIR
bench_stop_all() {
    if [ -s "$D/sampler.pid" ]; then
        kill "$(cat "$D/sampler.pid")" 2>/dev/null || true
    fi
    for i in $INSTANCES; do bench_stop "$D/$i"; done
}
bench_begin "$OUT"

# --- keys and tokens -------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/keys/ec.pem" 2>/dev/null
$BENCH_PY bench/tokens.py mint "$D/keys" "$ISS" "$AUD" 1
$BENCH_PY bench/tokens.py jwks "$D/keys"

# --- instances -------------------------------------------------------------
port() { bench_port > "$D/$1.port"; cat "$D/$1.port"; }
url() { echo "http://127.0.0.1:$(cat "$D/$1.port")$2"; }
# location PATH KEY_SOURCE_LINE...: a location of the bench's token.
location() {
    _path=$1
    shift
    printf '<Location /%s>\n    AuthType OAuth2\n' "$_path"
    printf '    %s\n' "$@"
    printf '    Require valid-user\n</Location>\n'
}

mkdir -p "$D/plain"
bench_conf_head "$D/plain" "$(port plain)" > "$D/plain/httpd.conf"
bench_htdocs "$D/plain" plain

mkdir -p "$D/keys/htdocs/keys/cache-off" "$D/keys/htdocs/keys/cache-on"
{
    bench_conf_head "$D/keys" "$(port keys)"
    bench_access_log "$D/keys"
} > "$D/keys/httpd.conf"
cp "$D/keys/ec.jwks" "$D/keys/htdocs/keys/cache-off/jwks.json"
cp "$D/keys/ec.jwks" "$D/keys/htdocs/keys/cache-on/jwks.json"

# The issuer: a client "svc" whose token is measured, and "rs", the
# resource server's introspection client.
htpasswd -bcB "$D/htpasswd" bench bench 2>/dev/null
mkdir -p "$D/as/data" "$D/as/htdocs"
AS_PORT=$(port as)
AS_ISS=http://127.0.0.1:$AS_PORT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/as/signing.pem" 2>/dev/null
{
    bench_conf_head "$D/as" "$AS_PORT"
    bench_as_conf "$AS_ISS" "$D/as/signing.pem" "$D/htpasswd"
    bench_access_log "$D/as"
    cat <<CONF
DBDriver sqlite3
DBDParams $D/as/data/oauth2.db
OAuth2DefaultAudience $AUD
OAuth2AccessTokenTTL 86400
CONF
} > "$D/as/httpd.conf"
admin="admin/oauth2-admin -p $D/as/data/oauth2.db -i $AS_ISS"
for c in svc rs; do
    $admin client add $c --grant client_credentials --scope read \
        > "$D/as/$c.client"
done
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$D/as/data"
client_field() { sed -n "s/^$2: //p" "$D/as/$1.client"; } # CLIENT FIELD
mkdir -p "$D/rs-on"
client_field rs client_secret > "$D/rs-on/introspection.secret"

for i in plain keys as; do bench_start "$D/$i"; done
curl -sf "$(url as /oauth2/jwks)" > "$D/keys/as.jwks"
curl -sf -u "$(client_field svc client_id):$(client_field svc client_secret)" \
    -d 'grant_type=client_credentials&scope=read' "$(url as /oauth2/token)" \
    | $BENCH_PY -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' \
    > "$D/as/svc.token"

# The resource servers: the bench's token's locations in both, the
# issuer's token's in rs-on.
INTROSPECT="$(url as /oauth2/introspect) $(client_field rs client_id)"
INTROSPECT="$INTROSPECT $D/rs-on/introspection.secret"
for rs in rs-off rs-on; do
    mkdir -p "$D/$rs"
    {
        bench_conf_head "$D/$rs" "$(port $rs)"
        if [ $rs = rs-on ]; then
            echo "LoadModule socache_shmcb_module $BENCH_MODULES/mod_socache_shmcb.so"
        fi
        echo "LoadModule oauth2_module $PWD/mod_oauth2/.libs/mod_oauth2.so"
        [ $rs = rs-off ] && echo "OAuth2TokenCache none"
        location file "OAuth2VerifyJWKSFile $D/keys/ec.jwks" \
            "OAuth2VerifyIssuer $ISS" "OAuth2Audience $AUD"
        location url \
            "OAuth2VerifyJWKSURL $(url keys /keys/cache-${rs#rs-}/jwks.json)" \
            "OAuth2VerifyIssuer $ISS" "OAuth2Audience $AUD"
        if [ $rs = rs-on ]; then
            location cachehit "OAuth2VerifyJWKSFile $D/keys/as.jwks" \
                "OAuth2VerifyIssuer $AS_ISS" "OAuth2Audience $AUD"
            location introspection "OAuth2Introspection $INTROSPECT" \
                "OAuth2IntrospectionCacheTTL 3600" \
                "OAuth2VerifyIssuer $AS_ISS" "OAuth2Audience $AUD"
        fi
    } > "$D/$rs/httpd.conf"
    bench_htdocs "$D/$rs" plain file url cachehit introspection
    bench_start "$D/$rs"
done

# --- checks, counts and warm-up -------------------------------------------
ES=$(cat "$D/keys/ec.token")
AS_TOKEN=$(cat "$D/as/svc.token")
# CASE INSTANCE PATH TOKEN, one line per case
case_list() {
    for rs in rs-off rs-on; do
        for loc in file url; do
            echo "$loc:cache-${rs#rs-} $rs /$loc/data.json $ES"
        done
    done
    echo "cachehit rs-on /cachehit/data.json $AS_TOKEN"
    echo "introspection rs-on /introspection/data.json $AS_TOKEN"
}
# The fetches so far: one line of counts, in the order fetches.txt names.
counts() {
    echo "$(grep -c 'GET /keys/cache-off/jwks.json ' "$D/keys/access.log") $(
        grep -c 'GET /keys/cache-on/jwks.json ' "$D/keys/access.log") $(
        grep -c 'POST /oauth2/introspect ' "$D/as/access.log")"
}
# The children of the resource servers, five times a second, from the
# start of the warm-up to the end (one read of a /proc file each: costs
# every run the same, and little).
sample_children() {
    _off=$(cat "$D/rs-off/httpd.pid")
    _on=$(cat "$D/rs-on/httpd.pid")
    while :; do
        echo "rs-off $(cat "/proc/$_off/task/$_off/children")"
        echo "rs-on $(cat "/proc/$_on/task/$_on/children")"
        sleep 0.2
    done >> "$D/children"
}

bench_expect 200 "$(url plain /plain/data.json)"
case_list | while read -r c inst path tok; do
    bench_expect 401 "$(url "$inst" "$path")"
    bench_expect 200 "$(url "$inst" "$path")" -H "Authorization: Bearer $tok"
done
counts > "$D/counts.checked"
: > "$D/children"
sample_children &
echo $! > "$D/sampler.pid"
case_list | while read -r c inst path tok; do
    wrk -t1 -c32 -d${WARM_SECONDS}s -H "Authorization: Bearer $tok" \
        "$(url "$inst" "$path")" > "$D/warm.out" 2>&1
    ! grep -q 'Non-2xx' "$D/warm.out" || {
        echo "remote: warming $c up gave non-2xx answers:"
        cat "$D/warm.out"
        exit 1
    }
done
counts > "$D/counts.warm"

# --- rounds ----------------------------------------------------------------
# run_case CASE: one measured run of CASE.
run_case() {
    case_list | while read -r c inst path tok; do
        if [ "$c" = "$1" ]; then
            bench_wrk "$r" "$c" "$(url "$inst" "$path")" \
                -H "Authorization: Bearer $tok"
        fi
    done
}
# pair CASE CASE: the two cases of a ratio in a random order, with a plain
# run between them: seconds apart, not minutes.
pair() {
    # shellcheck disable=SC2046 # two case names, without spaces
    set -- $(printf '%s\n' "$1" "$2" | shuf)
    run_case "$1"
    bench_wrk "$r" plain "$(url plain /plain/data.json)"
    run_case "$2"
}
cases() {
    echo 'pair url:cache-off file:cache-off'
    echo 'pair url:cache-on file:cache-on'
    echo 'pair introspection cachehit'
}
for r in $(seq "$ROUNDS"); do
    echo "remote: round $r of $ROUNDS"
    bench_round "$r" "$(url plain /plain/data.json)"
done
counts > "$D/counts.end"
kill "$(cat "$D/sampler.pid")"
rm "$D/sampler.pid"
# Instructions per request, where wall time cannot tell 2 % apart.
if [ "${BENCH_CALLGRIND:-1}" = 1 ]; then
    sh bench/callgrind.sh "$D" remote > "$D/callgrind" || echo "callgrind failed"
fi

# --- report ----------------------------------------------------------------
{
    echo "machine: $(bench_machine)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD); load average before: $LOAD_BEFORE, after: $(bench_load)"
    echo "wrk -t1 -c32 -d${BENCH_SECONDS}s, $ROUNDS rounds; each case warmed up by a ${WARM_SECONDS}-s run first"
} > "$OUT/machine.txt"
{
    printf '%-52s %8s %8s %8s\n' "requests to" "checked" "warm" "end"
    paste "$D/counts.checked" "$D/counts.warm" "$D/counts.end" | awk '{
        printf "%-52s %8d %8d %8d\n", "keys: /keys/cache-off/jwks.json (from rs-off)", $1, $4, $7
        printf "%-52s %8d %8d %8d\n", "keys: /keys/cache-on/jwks.json (from rs-on)", $2, $5, $8
        printf "%-52s %8d %8d %8d\n", "as: /oauth2/introspect (from rs-on)", $3, $6, $9 }'
    echo
    for rs in rs-off rs-on; do
        echo "$rs: $(awk -v i=$rs '$1 == i { for (f = 2; f <= NF; f++)
            print $f }' "$D/children" | sort -u | wc -l) child processes" \
            "during the warm-up and the rounds (sampled five times a" \
            "second), $(bench_children "$D/$rs" | wc -l) at the end"
    done
} > "$OUT/fetches.txt"
cp "$D/results" "$OUT/results.txt"
rm -f "$OUT/memory.txt" "$OUT/callgrind.txt" "$OUT/bearer_cost.txt" \
    "$OUT/token_cost.txt" "$OUT/code_cost.txt"
[ -f "$D/callgrind" ] && cp "$D/callgrind" "$OUT/callgrind.txt"
$BENCH_PY bench/report.py "$OUT"
bench_non2xx remote
