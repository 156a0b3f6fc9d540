#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# The benchmark suite: real httpd instances on loopback, driven by wrk, with
# every case of a round measured side by side. Not part of the tests; it
# prints tables and asserts nothing.
#
#   sh bench/run.sh [SECONDS_PER_RUN] [ROUNDS]      (default 5 3)
#
# Instances, each its own httpd (config, port, pidfile, logs in a temp dir):
#   plain      httpd without any OAuth module: the machine's limit
#   ours       mod_oauth2 as a resource server (OAuth2VerifyJWKSFile)
#   openidc    mod_auth_openidc, AuthType oauth20 (Debian package)
#   liboauth2  OpenIDC's mod_oauth2, AuthType oauth2 (Debian package; same
#              module name as ours, hence an httpd of its own)
#   as-es      mod_oauth2 as an authorization server on SQLite, ES256 signer
#   as-rs      the same with an RS256 signer
#   as-es-cached  as-es with OAuth2ClientCacheTTL 60: client records reused
#              from the token cache instead of read from SQLite each time
#   node       node-oidc-provider (npm), client_credentials
# Bearer cases: one repeated token, or 20,000 rotating ones (bench/lua/
# rotate.lua), ES256 and RS256, with and without a scope requirement.
# Token endpoint: client_credentials, refresh_token rotation, and one run
# redeeming pre-issued authorization codes. Then memory per child
# (smaps_rollup) idle and after load, the check alone in process against
# the bare signature primitive (bench/bearer_cost), a client_credentials
# grant alone against the bare sign (bench/token_cost), and instructions
# per request under callgrind (bench/callgrind.sh).
#
# Environment: BENCH_PEERS=0 skips the peers; BENCH_CALLGRIND=0 skips
# callgrind; BENCH_KEEP=1 keeps the temp dir; BENCH_OUT (default bench/out) receives results.txt,
# memory.txt, callgrind.txt, table.md and req_per_s.png.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
. bench/peers.sh
BENCH_SECONDS=${1:-5}
ROUNDS=${2:-3}
PEERS=${BENCH_PEERS:-1}
OUT=${BENCH_OUT:-bench/out}
NTOKENS=20000
ISS=https://as.bench.test
AUD=urn:bench:api

sh t/install-deps.sh wrk gnuplot-nox
[ "$PEERS" = 1 ] && peers_install
bench_setup bench
INSTANCES="plain ours as-es as-rs as-es-cached"
[ "$PEERS" = 1 ] && INSTANCES="$INSTANCES openidc liboauth2"
bench_stop_all() {
    for i in $INSTANCES; do bench_stop "$BENCH_DIR/$i"; done
    [ -f "$BENCH_DIR/node/node.pid" ] && nodeoidc_stop "$BENCH_DIR/node"
}
bench_begin "$OUT"
D=$BENCH_DIR
: > "$D/memory"

# --- keys and tokens -------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/keys/ec.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$D/keys/rsa.pem" 2>/dev/null
echo "bench: minting 1 + $NTOKENS tokens per algorithm"
$BENCH_PY bench/tokens.py mint "$D/keys" "$ISS" "$AUD" $NTOKENS
$BENCH_PY bench/tokens.py jwks "$D/keys"

# --- instances -------------------------------------------------------------
port() { bench_port > "$D/$1.port"; cat "$D/$1.port"; }
keyname() { case $1 in es*) echo ec ;; *) echo rsa ;; esac; } # LOCATION

mkdir -p "$D/plain"
{ bench_conf_head "$D/plain" "$(port plain)"; } > "$D/plain/httpd.conf"
bench_htdocs "$D/plain" plain

# ours: a pure resource server, keys from JWKS files as a peer has them;
# the validated-token cache as users get it (on, shmcb, 1 MiB, since
# mod_socache_shmcb is loaded).
mkdir -p "$D/ours"
{
    bench_conf_head "$D/ours" "$(port ours)"
    cat <<CONF
LoadModule socache_shmcb_module $BENCH_MODULES/mod_socache_shmcb.so
LoadModule oauth2_module $PWD/mod_oauth2/.libs/mod_oauth2.so
CONF
    for loc in es es-scope rs rs-scope; do
        cat <<CONF
<Location /$loc>
    AuthType OAuth2
    OAuth2VerifyJWKSFile $D/keys/$(keyname $loc).jwks
    OAuth2VerifyIssuer $ISS
    OAuth2Audience $AUD
    $(case $loc in *-scope) echo "Require oauth2-scope read" ;;
                   *) echo "Require valid-user" ;; esac)
</Location>
CONF
    done
} > "$D/ours/httpd.conf"
bench_htdocs "$D/ours" plain es es-scope rs rs-scope

# The authorization servers (token endpoint cases).
htpasswd -bcB "$D/htpasswd" bench bench 2>/dev/null
for as in as-es as-rs as-es-cached; do
    mkdir -p "$D/$as/data"
    p=$(port $as)
    key=$D/keys/ec.pem
    [ $as = as-rs ] && key=$D/keys/rsa.pem
    {
        bench_conf_head "$D/$as" "$p"
        bench_as_conf "http://127.0.0.1:$p" "$key" "$D/htpasswd"
        cat <<CONF
DBDriver sqlite3
DBDParams $D/$as/data/oauth2.db
OAuth2CodeTTL 3600
CONF
        [ $as = as-es-cached ] && cat <<CONF
LoadModule socache_shmcb_module $BENCH_MODULES/mod_socache_shmcb.so
OAuth2ClientCacheTTL 60
CONF
    } > "$D/$as/httpd.conf"
    bench_htdocs "$D/$as" plain
    admin="admin/oauth2-admin -p $D/$as/data/oauth2.db -i http://127.0.0.1:$p"
    $admin client add svc --grant client_credentials --scope read \
        > "$D/$as/svc.client"
    $admin client add web --redirect-uri "http://127.0.0.1:$p/cb" \
        --scope read --grant authorization_code --grant refresh_token \
        > "$D/$as/web.client"
    [ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$D/$as/data"
done
basic_of() { # CLIENT_FILE
    printf '%s:%s' "$(sed -n 's/^client_id: //p' "$1")" \
        "$(sed -n 's/^client_secret: //p' "$1")" | base64 -w0
}

if [ "$PEERS" = 1 ]; then
    openidc_instance "$D/openidc" "$(port openidc)" "$ISS" "$AUD" \
        "$D/keys/ec.pem" "$D/keys/rsa.pem" read
    liboauth2_instance "$D/liboauth2" "$(port liboauth2)" "$ISS" "$AUD" \
        "$D/keys/ec.pem" "$D/keys/rsa.pem" read
fi

for i in $INSTANCES; do
    bench_start "$D/$i"
    bench_memory "$D/$i" "$i idle"
done
if [ "$PEERS" = 1 ] && [ -n "$PEERS_NODE" ]; then
    mkdir -p "$D/node"
    nodeoidc_start "$D/node" "$(port node)" read
fi

# Every case answers as it should before anything is measured.
url() { echo "http://127.0.0.1:$(cat "$D/$1.port")$2"; }
ES=$(cat "$D/keys/ec.token")
RS=$(cat "$D/keys/rsa.token")
RS_INSTANCES="ours"
[ "$PEERS" = 1 ] && RS_INSTANCES="ours openidc liboauth2"
for i in $RS_INSTANCES; do
    bench_expect 200 "$(url $i /plain/data.json)"
    for loc in es es-scope rs rs-scope; do
        k=$D/keys/$(keyname $loc)
        bench_expect 401 "$(url $i /$loc/data.json)"
        bench_expect 200 "$(url $i /$loc/data.json)" \
            -H "Authorization: Bearer $(cat "$k.token")"
        bench_expect 200 "$(url $i /$loc/data.json)" \
            -H "Authorization: Bearer $(tail -n 1 "$k.tokens")"
    done
done

# Grants for the refresh and code cases, through the real authorize
# endpoint: a pool of refresh tokens per round, and codes for one run.
NCODES=$((BENCH_SECONDS * 2000))
WEB_ID=$(sed -n 's/^client_id: //p' "$D/as-es/web.client")
WEB_SECRET=$(sed -n 's/^client_secret: //p' "$D/as-es/web.client")
echo "bench: issuing $NCODES codes and $((ROUNDS * 256)) refresh tokens"
$BENCH_PY bench/tokens.py grants "$(url as-es)" "$WEB_ID" "$WEB_SECRET" \
    $NCODES $((ROUNDS * 256)) "$D/as-es"

# --- rounds ----------------------------------------------------------------
# Each round runs every case once, shuffled, between plain runs
# (bench_round in lib.sh: why). cases: one line per case, a bench_wrk
# command to eval (with $r set).
cases() {
    echo 'BENCH_TOKENS=$D/keys/ec.tokens bench_wrk "$r" plain:rotate.lua "$(url plain /plain/data.json)" -s bench/lua/rotate.lua'
    echo 'bench_wrk "$r" ours:unprotected "$(url ours /plain/data.json)"'
    for i in $RS_INSTANCES; do
        for loc in es es-scope rs rs-scope; do
            k='$D/keys/'$(keyname $loc)
            echo "bench_wrk \"\$r\" $i:$loc:repeated \"\$(url $i /$loc/data.json)\" -H \"Authorization: Bearer \$(cat $k.token)\""
            echo "BENCH_TOKENS=$k.tokens bench_wrk \"\$r\" $i:$loc:rotating \"\$(url $i /$loc/data.json)\" -s bench/lua/rotate.lua"
        done
    done
    for as in as-es as-rs as-es-cached; do
        echo "BENCH_BODY='grant_type=client_credentials&scope=read' BENCH_BASIC=\$(basic_of \$D/$as/svc.client) bench_wrk \"\$r\" $as:client_credentials \"\$(url $as /oauth2/token)\" -s bench/lua/post.lua"
    done
    echo 'BENCH_REFRESH=$D/as-es/refresh.$r BENCH_BASIC=$(basic_of $D/as-es/web.client) bench_wrk "$r" as-es:refresh_token "$(url as-es /oauth2/token)" -s bench/lua/refresh.lua'
    if [ -n "$PEERS_NODE" ] && [ "$PEERS" = 1 ]; then
        for f in es rs opaque; do
            echo "BENCH_BODY=\$NODE_BODY_$(echo $f | tr a-z A-Z) BENCH_BASIC=\$NODE_BASIC bench_wrk \"\$r\" node:client_credentials:$f \"\$NODE_TOKEN_URL\" -s bench/lua/post.lua"
        done
    fi
}
export BENCH_TOKENS BENCH_BODY BENCH_BASIC BENCH_REFRESH BENCH_CODES \
    BENCH_REDIRECT_URI
plain_run() { bench_wrk "$r" plain "$(url plain /plain/data.json)"; }
for r in $(seq "$ROUNDS"); do
    echo "bench: round $r of $ROUNDS"
    sed -n "$(( (r - 1) * 256 + 1 )),$(( r * 256 ))p" "$D/as-es/refresh" \
        > "$D/as-es/refresh.$r"
    bench_round "$r" "$(url plain /plain/data.json)"
done
# Codes are single use: one run over the pre-issued ones, between plain
# runs like every case.
BENCH_CODES=$D/as-es/codes BENCH_REDIRECT_URI="$(url as-es /cb)" \
    BENCH_BASIC=$(basic_of "$D/as-es/web.client") \
    bench_wrk "$r" "as-es:authorization_code" "$(url as-es /oauth2/token)" \
    -s bench/lua/code.lua
plain_run

for i in $INSTANCES; do
    bench_memory "$D/$i" "$i loaded"
done
# The check alone, in process, against the bare signature primitive.
make -s -f apxs.mk bench/bearer_cost bench/token_cost > /dev/null 2>&1
for k in ec rsa; do
    ./bench/bearer_cost "$D/keys/$k.pem" 20000
done > "$D/bearer_cost"
# A client_credentials grant alone, in process, against the bare sign.
for k in ec rsa; do
    ./bench/token_cost "$D/keys/$k.pem" 5000
done > "$D/token_cost"
if [ "${BENCH_CALLGRIND:-1}" = 1 ]; then
    sh bench/callgrind.sh "$D" > "$D/callgrind" || echo "callgrind failed"
fi

# --- report ----------------------------------------------------------------
{
    echo "machine: $(bench_machine)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
    echo "wrk -t1 -c32 -d${BENCH_SECONDS}s, $ROUNDS rounds; $NTOKENS rotating tokens"
} > "$OUT/machine.txt"
cp "$D/results" "$OUT/results.txt"
cp "$D/memory" "$OUT/memory.txt"
[ -f "$D/callgrind" ] && cp "$D/callgrind" "$OUT/callgrind.txt"
cp "$D/bearer_cost" "$OUT/bearer_cost.txt"
cp "$D/token_cost" "$OUT/token_cost.txt"
$BENCH_PY bench/report.py "$OUT"
