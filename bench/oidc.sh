#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# The authorization code grant with openid (the token response signs two
# JWTs: the access token and the ID token) against the same grant without
# openid and against node-oidc-provider's, side by side (issue 13). Not
# part of the tests; it prints tables and asserts nothing.
#
#   sh bench/oidc.sh [SECONDS_PER_RUN] [ROUNDS]      (default 5 3)
#
# Instances, each its own server on loopback (lib.sh, peers.sh):
#   plain   httpd without any OAuth module: the neighbour runs
#   as-es   mod_oauth2 as an authorization server on SQLite, ES256
#           signer, configured as in run.sh (OAuth2OpenID is on by
#           default); client "web" registered for "openid read"
#   node    node-oidc-provider (npm), client "web", ID tokens ES256
# Cases, each a wrk run that redeems codes made before its round, each
# code once (bench/lua/code.lua; PKCE S256, client_secret_basic):
#   as-es:authorization_code         scope "read": access and refresh
#                                    token (run.sh's code case)
#   as-es:authorization_code:openid  scope "openid read" and a nonce: the
#                                    same plus an ID token
#   node:authorization_code:openid   scope "openid offline_access" and
#                                    "read" on an ES256 JWT resource: an
#                                    access token (JWT), an ID token and
#                                    a refresh token (see nodeoidc_start)
# Our codes come from the real authorize endpoint (bench/tokens.py, user
# bench logged in with Basic, consent once); node's from a route of the
# bench's program that makes them through the provider's own models (see
# nodeoidc_start in peers.sh). Codes are single use: each run of ours
# gets SECONDS x BENCH_CODE_RATE (default 3000) codes of its own, made
# before the round, and node's twice as many (they cost it nothing to
# make, and it redeemed up to 2,000 a second here); a run that spends them
# all would count 400s, so any non-2xx makes the figures void, and a run
# that used more than 80 % of its codes is reported. Codes live an hour on
# both servers (OAuth2CodeTTL 3600, node's ttl.AuthorizationCode): a
# round must end within it.
#
# Rounds as in run.sh: every case once per round, in a shuffled order,
# with a plain run before the first and after each; a case's ratio to
# plain is to the mean of its two neighbours. The two ratios issue 13
# asks for are taken within each round: as-es openid over as-es without
# openid, and as-es openid over node openid (report.py). Then a redemption
# alone, in process, with and without openid (bench/code_cost).
#
# Environment: BENCH_CODE_RATE (codes per second of run, default 3000);
# BENCH_KEEP=1 keeps the temp dir; BENCH_OUT (default bench/out/oidc)
# receives results.txt, machine.txt, code_cost.txt, table.md and
# req_per_s.png.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
. bench/peers.sh
BENCH_SECONDS=${1:-5}
ROUNDS=${2:-3}
OUT=${BENCH_OUT:-bench/out/oidc}
RATE=${BENCH_CODE_RATE:-3000}
NCODES=$((BENCH_SECONDS * RATE))
NODE_NCODES=$((2 * NCODES))
CODE_TTL=3600
SCOPE=read

# A round mints 2 x NCODES codes of ours (a few hundred per second) and
# then runs 7 runs; the oldest code must still be alive at the end.
[ $((BENCH_SECONDS * 7 + 2 * NCODES / 200)) -lt $CODE_TTL ] || {
    echo "oidc: a round would outlive the codes' $CODE_TTL s"; exit 1; }

sh t/install-deps.sh wrk gnuplot-nox
nodeoidc_install
[ -n "$PEERS_NODE" ] || { echo "oidc: needs node-oidc-provider"; exit 1; }
bench_setup oidc
D=$BENCH_DIR
bench_stop_all() {
    for i in plain as-es; do bench_stop "$D/$i"; done
    nodeoidc_stop "$D/node"
}
bench_begin "$OUT"

# --- instances -------------------------------------------------------------
port() { bench_port > "$D/$1.port"; cat "$D/$1.port"; }
url() { echo "http://127.0.0.1:$(cat "$D/$1.port")$2"; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/keys/ec.pem" 2>/dev/null

mkdir -p "$D/plain"
bench_conf_head "$D/plain" "$(port plain)" > "$D/plain/httpd.conf"
bench_htdocs "$D/plain" plain

htpasswd -bcB "$D/htpasswd" bench bench 2>/dev/null
mkdir -p "$D/as-es/data" "$D/as-es/read" "$D/as-es/openid"
p=$(port as-es)
{
    bench_conf_head "$D/as-es" "$p"
    bench_as_conf "http://127.0.0.1:$p" "$D/keys/ec.pem" "$D/htpasswd"
    cat <<CONF
DBDriver sqlite3
DBDParams $D/as-es/data/oauth2.db
OAuth2CodeTTL $CODE_TTL
CONF
} > "$D/as-es/httpd.conf"
bench_htdocs "$D/as-es" plain
admin/oauth2-admin -p "$D/as-es/data/oauth2.db" -i "http://127.0.0.1:$p" \
    client add web --redirect-uri "http://127.0.0.1:$p/cb" \
    --scope "openid $SCOPE" --grant authorization_code \
    --grant refresh_token > "$D/as-es/web.client"
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$D/as-es/data"
WEB_ID=$(sed -n 's/^client_id: //p' "$D/as-es/web.client")
WEB_SECRET=$(sed -n 's/^client_secret: //p' "$D/as-es/web.client")
WEB_BASIC=$(printf '%s:%s' "$WEB_ID" "$WEB_SECRET" | base64 -w0)

for i in plain as-es; do bench_start "$D/$i"; done
nodeoidc_start "$D/node" "$(port node)" "$SCOPE" \
    $((NODE_NCODES * ROUNDS + 1))

# --- codes -----------------------------------------------------------------
# mint N M: N codes for each of our cases into $D/as-es/read/codes and
# $D/as-es/openid/codes, M of node's into $D/node/codes.
mint() {
    $BENCH_PY bench/tokens.py grants "$(url as-es)" "$WEB_ID" "$WEB_SECRET" \
        "$1" 0 "$D/as-es/read" "$SCOPE"
    $BENCH_PY bench/tokens.py grants "$(url as-es)" "$WEB_ID" "$WEB_SECRET" \
        "$1" 0 "$D/as-es/openid" "openid $SCOPE"
    curl -sf -X POST "$NODE_CODES_URL?n=$2" > "$D/node/codes"
    [ "$(wc -l < "$D/node/codes")" = "$2" ] || {
        echo "oidc: node made $(wc -l < "$D/node/codes") codes, not $2"
        return 1; }
}

# check CASE TOKEN_URL BASIC REDIRECT_URI CODE WANT_ID_TOKEN: redeem CODE
# by hand: 200 with an access token, an ID token exactly when
# WANT_ID_TOKEN is 1 (ES256, aud = the client, with a nonce), and the
# same code again refused. A case that does not work is not measured.
check() {
    _body="grant_type=authorization_code&redirect_uri=$4&code_verifier=$(
        printf 'v%.0s' $(seq 64))&code=$5"
    _code=$(curl -s -o "$D/check.json" -w '%{http_code}' \
        -H "Authorization: Basic $3" -d "$_body" "$2")
    [ "$_code" = 200 ] || {
        echo "oidc: $1 answered $_code:"; cat "$D/check.json"; echo
        return 1; }
    $BENCH_PY - "$D/check.json" "$6" "$1" <<'PYEOF' || return 1
import json, sys, jwt
r = json.load(open(sys.argv[1]))
want, case = sys.argv[2] == "1", sys.argv[3]
assert r.get("access_token") and r.get("refresh_token"), (case, sorted(r))
if not want:
    assert "id_token" not in r, (case, "an ID token without openid")
    print(f"oidc: {case}: 200, {', '.join(sorted(r))}")
    sys.exit(0)
assert "id_token" in r, (case, "no id_token", sorted(r))
hdr = jwt.get_unverified_header(r["id_token"])
claims = jwt.decode(r["id_token"], options={"verify_signature": False})
at = jwt.get_unverified_header(r["access_token"])
assert hdr["alg"] == "ES256" and at["alg"] == "ES256", (case, hdr, at)
assert claims.get("nonce"), (case, "no nonce", claims)
print(f"oidc: {case}: 200, {', '.join(sorted(r))}; access token {at['alg']}"
      f" {at.get('typ', '')}, ID token {hdr['alg']} with "
      f"{', '.join(sorted(claims))}")
PYEOF
    _code=$(curl -s -o /dev/null -w '%{http_code}' \
        -H "Authorization: Basic $3" -d "$_body" "$2")
    [ "$_code" = 400 ] || {
        echo "oidc: $1: a spent code answered $_code, not 400"; return 1; }
}
bench_expect 200 "$(url plain /plain/data.json)"
mint 1 1
check as-es:authorization_code "$(url as-es /oauth2/token)" "$WEB_BASIC" \
    "$(url as-es /cb)" "$(cat "$D/as-es/read/codes")" 0
check as-es:authorization_code:openid "$(url as-es /oauth2/token)" \
    "$WEB_BASIC" "$(url as-es /cb)" "$(cat "$D/as-es/openid/codes")" 1
check node:authorization_code:openid "$NODE_TOKEN_URL" "$NODE_WEB_BASIC" \
    "$NODE_REDIRECT_URI" "$(cat "$D/node/codes")" 1

# --- rounds ----------------------------------------------------------------
# codes_run ROUND CASE TOKEN_URL BASIC REDIRECT_URI CODES: one wrk run over
# CODES, and a word when it came near their end.
codes_run() {
    BENCH_CODES=$6 BENCH_REDIRECT_URI=$5 BENCH_BASIC=$4 \
        bench_wrk "$1" "$2" "$3" -s bench/lua/code.lua
    awk -v c="$2" -v n="$(wc -l < "$6")" '
        / requests in / && $1 > 0.8 * n { printf "oidc: %s used %d of " \
            "its %d codes: raise BENCH_CODE_RATE\n", c, $1, n }' \
        "$D/wrk.out"
}
cases() {
    echo 'codes_run "$r" as-es:authorization_code "$(url as-es /oauth2/token)" "$WEB_BASIC" "$(url as-es /cb)" "$D/as-es/read/codes"'
    echo 'codes_run "$r" as-es:authorization_code:openid "$(url as-es /oauth2/token)" "$WEB_BASIC" "$(url as-es /cb)" "$D/as-es/openid/codes"'
    echo 'codes_run "$r" node:authorization_code:openid "$NODE_TOKEN_URL" "$NODE_WEB_BASIC" "$NODE_REDIRECT_URI" "$D/node/codes"'
}
export BENCH_CODES BENCH_REDIRECT_URI BENCH_BASIC
for r in $(seq "$ROUNDS"); do
    echo "oidc: round $r of $ROUNDS: minting $NCODES codes per case of" \
        "ours, $NODE_NCODES of node's"
    mint "$NCODES" "$NODE_NCODES"
    bench_round "$r" "$(url plain /plain/data.json)"
done

# A redemption alone, in process, with and without openid (SQLite in
# $TMPDIR, like the instances' database): three runs.
make -s -f apxs.mk bench/code_cost > /dev/null 2>&1
for i in 1 2 3; do
    ./bench/code_cost "$D/keys/ec.pem" 5000
done > "$D/code_cost"

# --- report ----------------------------------------------------------------
{
    echo "machine: $(bench_machine)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD); load average before: $LOAD_BEFORE, after: $(bench_load)"
    echo "wrk -t1 -c32 -d${BENCH_SECONDS}s, $ROUNDS rounds; $NCODES codes per run of ours, $NODE_NCODES per run of node's"
} > "$OUT/machine.txt"
cp "$D/results" "$OUT/results.txt"
cp "$D/code_cost" "$OUT/code_cost.txt"
rm -f "$OUT/memory.txt" "$OUT/callgrind.txt" "$OUT/bearer_cost.txt" \
    "$OUT/token_cost.txt"
$BENCH_PY bench/report.py "$OUT"
bench_non2xx oidc || true
