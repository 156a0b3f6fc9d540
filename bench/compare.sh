#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# This tree's module against the one of an earlier commit, side by side, on
# the paths a change to the store or the revocation check can move. Not
# part of the tests; it prints a table and asserts nothing.
#
#   sh bench/compare.sh REV [SECONDS_PER_RUN] [ROUNDS]     (default 5 5)
#
# Instances, each its own httpd on loopback with the same configuration
# (an authorization server on SQLite, ES256, mod_socache_shmcb loaded):
#   base   mod_oauth2 and oauth2-admin built from REV (a git worktree in
#          the temp dir)
#   head   this tree's
# Cases, per instance:
#   revoked-check  GET of a location with OAuth2CheckRevocation on, one
#                  client_credentials token: the database is asked on
#                  every request (OAuth2RevocationCacheTTL 0)
#   cc             client_credentials at the token endpoint
# Each round runs the four runs in a shuffled order; a case's figure is
# head / base of the same round, and the table shows the median and the
# range over the rounds. Only one instance is under load at a time.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
REV=${1:?usage: sh bench/compare.sh REV [SECONDS_PER_RUN] [ROUNDS]}
BENCH_SECONDS=${2:-5}
ROUNDS=${3:-5}
sh t/install-deps.sh wrk
make -s -f apxs.mk all > /tmp/oa2-compare-build.log 2>&1 || {
    cat /tmp/oa2-compare-build.log; exit 1; }
BENCH_DIR=$(mktemp -d /tmp/oa2-compare.XXXXXX)
export BENCH_DIR
chmod 755 "$BENCH_DIR"
D=$BENCH_DIR
cleanup() {
    for i in base head; do bench_stop "$D/$i"; done
    git worktree remove --force "$D/src" > /dev/null 2>&1 || true
    [ -n "$BENCH_KEEP" ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "compare: building $REV"
git worktree add --detach "$D/src" "$REV" > /dev/null 2>&1
(cd "$D/src" && make -s -f apxs.mk mod_oauth2/.libs/mod_oauth2.so \
    admin/oauth2-admin) > "$D/build.log" 2>&1 || { cat "$D/build.log"; exit 1; }
chmod -R a+rX "$D/src"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/ec.pem" 2>/dev/null
chmod 644 "$D/ec.pem"
htpasswd -bcB "$D/htpasswd" bench bench 2>/dev/null
for i in base head; do
    src=$PWD
    [ $i = base ] && src=$D/src
    mkdir -p "$D/$i/data"
    bench_port > "$D/$i.port"
    p=$(cat "$D/$i.port")
    {
        bench_conf_head "$D/$i" "$p"
        bench_as_conf "http://127.0.0.1:$p" "$D/ec.pem" "$D/htpasswd" |
            sed "s#$PWD/mod_oauth2/.libs/mod_oauth2.so#$src/mod_oauth2/.libs/mod_oauth2.so#"
        cat <<CONF
LoadModule socache_shmcb_module $BENCH_MODULES/mod_socache_shmcb.so
DBDriver sqlite3
DBDParams $D/$i/data/oauth2.db
<Location /api>
    AuthType OAuth2
    OAuth2CheckRevocation on
    Require valid-user
</Location>
CONF
    } > "$D/$i/httpd.conf"
    bench_htdocs "$D/$i" api
    "$src/admin/oauth2-admin" -p "$D/$i/data/oauth2.db" \
        -i "http://127.0.0.1:$p" client add svc --grant client_credentials \
        --scope read > "$D/$i/svc.client"
    [ "$(id -u)" = 0 ] && chown -R nobody:nogroup "$D/$i/data"
    bench_start "$D/$i"
done

url() { echo "http://127.0.0.1:$(cat "$D/$1.port")$2"; }
basic_of() { # CLIENT_FILE
    printf '%s:%s' "$(sed -n 's/^client_id: //p' "$1")" \
        "$(sed -n 's/^client_secret: //p' "$1")" | base64 -w0
}
export BENCH_BODY="grant_type=client_credentials&scope=read"
for i in base head; do
    basic=$(basic_of "$D/$i/svc.client")
    echo "$basic" > "$D/$i/basic"
    curl -s -H "Authorization: Basic $basic" -d "$BENCH_BODY" \
        "$(url $i /oauth2/token)" |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' > "$D/$i/token"
    bench_expect 200 "$(url $i /api/data.json)" \
        -H "Authorization: Bearer $(cat "$D/$i/token")"
    bench_expect 401 "$(url $i /api/data.json)"
done

: > "$D/results"
r=1
while [ $r -le "$ROUNDS" ]; do
    for run in $(printf '%s\n' base:revoked-check head:revoked-check \
                     base:cc head:cc | shuf); do
        i=${run%%:*} c=${run#*:}
        case $c in
        revoked-check)
            bench_wrk $r "$i:$c" "$(url $i /api/data.json)" \
                -H "Authorization: Bearer $(cat "$D/$i/token")" ;;
        cc)
            BENCH_BASIC=$(cat "$D/$i/basic") bench_wrk $r "$i:$c" \
                "$(url $i /oauth2/token)" -s bench/lua/post.lua ;;
        esac
    done
    r=$((r + 1))
done

bench_machine
echo "head = this tree ($(git rev-parse --short HEAD)), base = $REV;" \
    "wrk -t1 -c32, ${BENCH_SECONDS} s per run, $ROUNDS rounds"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "| case | base req/s (median) | head req/s (median) | head / base (median; range) |"
echo "|---|---:|---:|---|"
for c in revoked-check cc; do
    # one line per round: head/base, head, base (POSIX awk, no gawk)
    awk -v c="$c" '
        $2 == "head:" c { h[$1] = $3 } $2 == "base:" c { b[$1] = $3 }
        END { for (r in h) printf "%.4f %s %s\n", (b[r] > 0 ? h[r] / b[r] : 0), h[r], b[r] }' \
        "$D/results" > "$D/$c.rounds"
    ratio=$(cut -d' ' -f1 "$D/$c.rounds" | median)
    lo=$(cut -d' ' -f1 "$D/$c.rounds" | sort -n | head -n 1)
    hi=$(cut -d' ' -f1 "$D/$c.rounds" | sort -n | tail -n 1)
    printf '| %s | %.0f | %.0f | %.2f (%.2f-%.2f) |\n' "$c" \
        "$(cut -d' ' -f3 "$D/$c.rounds" | median)" \
        "$(cut -d' ' -f2 "$D/$c.rounds" | median)" "$ratio" "$lo" "$hi"
done
echo "non-2xx responses: $(awk '{ n += $4 } END { print n + 0 }' "$D/results")"
