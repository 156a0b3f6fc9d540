#!/bin/sh
# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# The token endpoint on PostgreSQL with one node and with two: not part of
# the tests; prints a table and asserts nothing.
#
#   sh bench/scale.sh [SECONDS_PER_RUN] [ROUNDS]      (default 5 3)
#
# A throwaway PostgreSQL cluster (bench/pgserver.py), two authorization
# server nodes (node1, node2: the same issuer, signing key and store, as in
# conf/two-node/), and a front httpd with mod_proxy_balancer listening on
# two ports: "one" balances over node1 only, "two" over both nodes. Cases,
# in a shuffled order each round: client_credentials (ES256) straight to
# node1, through the front to one node, and to two nodes; refresh_token
# rotation through the front to one node and to two (each refresh is a
# transaction on the shared database). The ratio "two/one" of a round is
# taken between runs made side by side.
#
# On one machine both nodes share its cores: the figure tells what sharing
# the state costs and that nothing breaks, not what a second machine adds.
#
# Environment: BENCH_KEEP=1 keeps the temp dir; BENCH_OUT (default
# bench/out-scale) receives results.txt and table.md.
set -e
cd "$(dirname "$0")/.."
. bench/lib.sh
BENCH_SECONDS=${1:-5}
ROUNDS=${2:-3}
OUT=${BENCH_OUT:-bench/out-scale}

sh t/install-deps.sh wrk
make -s -f apxs.mk all admin/oauth2-admin > /tmp/oa2-scale-build.log 2>&1 || {
    cat /tmp/oa2-scale-build.log; exit 1; }

BENCH_DIR=$(mktemp -d /tmp/oa2-scale.XXXXXX)
export BENCH_DIR
chmod 755 "$BENCH_DIR"
D=$BENCH_DIR
INSTANCES="front node1 node2"
PG=
cleanup() {
    for i in $INSTANCES; do bench_stop "$D/$i"; done
    [ -n "$PG" ] && kill -TERM "$PG" 2>/dev/null && wait "$PG" 2>/dev/null
    [ -n "$BENCH_KEEP" ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$OUT"
: > "$D/results"

$BENCH_PY bench/pgserver.py "$D/pg.params" &
PG=$!
for _i in $(seq 600); do
    [ -s "$D/pg.params" ] && break
    kill -0 "$PG" 2>/dev/null || { echo "bench: PostgreSQL did not start"; exit 1; }
    sleep 0.1
done
PARAMS=$(cat "$D/pg.params")

port() { bench_port > "$D/$1.port"; cat "$D/$1.port"; }
url() { echo "http://127.0.0.1:$(cat "$D/$1.port")$2"; }
FRONT_ONE=$(port one)
FRONT_TWO=$(port two)
ISS=http://127.0.0.1:$FRONT_TWO

mkdir -p "$D/keys"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$D/keys/ec.pem" 2>/dev/null
htpasswd -bcB "$D/htpasswd" bench bench 2>/dev/null
for n in node1 node2; do
    mkdir -p "$D/$n"
    {
        bench_conf_head "$D/$n" "$(port $n)"
        bench_as_conf "$ISS" "$D/keys/ec.pem" "$D/htpasswd"
        cat <<CONF
DBDriver pgsql
DBDParams "$PARAMS"
LogLevel warn oauth2:info
CONF
    } > "$D/$n/httpd.conf"
    bench_htdocs "$D/$n" plain
done
mkdir -p "$D/front"
{
    bench_conf_head "$D/front" "$FRONT_ONE"
    cat <<CONF
Listen 127.0.0.1:$FRONT_TWO
LoadModule proxy_module $BENCH_MODULES/mod_proxy.so
LoadModule proxy_http_module $BENCH_MODULES/mod_proxy_http.so
LoadModule proxy_balancer_module $BENCH_MODULES/mod_proxy_balancer.so
LoadModule slotmem_shm_module $BENCH_MODULES/mod_slotmem_shm.so
LoadModule lbmethod_byrequests_module $BENCH_MODULES/mod_lbmethod_byrequests.so
<Proxy balancer://one>
    BalancerMember $(url node1)
</Proxy>
<Proxy balancer://two>
    BalancerMember $(url node1)
    BalancerMember $(url node2)
</Proxy>
<VirtualHost 127.0.0.1:$FRONT_ONE>
    ProxyPass / balancer://one/
    ProxyPreserveHost On
</VirtualHost>
<VirtualHost 127.0.0.1:$FRONT_TWO>
    ProxyPass / balancer://two/
    ProxyPreserveHost On
</VirtualHost>
CONF
} > "$D/front/httpd.conf"
bench_htdocs "$D/front" plain

admin() { admin/oauth2-admin -d pgsql -p "$PARAMS" -i "$ISS" "$@"; }
admin client add svc --grant client_credentials --scope read > "$D/svc.client"
admin client add web --redirect-uri "$ISS/cb" --scope read \
    --grant authorization_code --grant refresh_token > "$D/web.client"
basic_of() { # CLIENT_FILE
    printf '%s:%s' "$(sed -n 's/^client_id: //p' "$1")" \
        "$(sed -n 's/^client_secret: //p' "$1")" | base64 -w0
}
for i in $INSTANCES; do bench_start "$D/$i"; done

# Every path answers before anything is measured.
for u in "$(url node1 /oauth2/token)" "$(url one /oauth2/token)" \
         "$(url two /oauth2/token)"; do
    bench_expect 200 "$u" -H "Authorization: Basic $(basic_of "$D/svc.client")" \
        -d grant_type=client_credentials -d scope=read
done

# Refresh tokens through the front (both nodes issue them): a pool of 256
# per refresh run.
NRUNS=$((ROUNDS * 2))
WEB_ID=$(sed -n 's/^client_id: //p' "$D/web.client")
WEB_SECRET=$(sed -n 's/^client_secret: //p' "$D/web.client")
echo "bench: issuing $((NRUNS * 256)) refresh tokens"
$BENCH_PY bench/tokens.py grants "$ISS" "$WEB_ID" "$WEB_SECRET" 0 \
    $((NRUNS * 256)) "$D"

export BENCH_BODY BENCH_BASIC BENCH_REFRESH
CC_BASIC=$(basic_of "$D/svc.client")
WEB_BASIC=$(basic_of "$D/web.client")
pool=0
next_pool() { # sets POOL: the next unused 256 refresh tokens, as a file
    pool=$((pool + 1))
    POOL=$D/refresh.$pool
    sed -n "$(( (pool - 1) * 256 + 1 )),$(( pool * 256 ))p" "$D/refresh" \
        > "$POOL"
}
cases() {
    for where in node1 one two; do
        echo "cc $where"
    done
    echo "refresh one"
    echo "refresh two"
}
for r in $(seq "$ROUNDS"); do
    echo "bench: round $r of $ROUNDS"
    cases | shuf > "$D/cases.$r"
    while read -r grant where; do
        name=$(case $where in node1) echo node1-direct ;;
                              one) echo front-1-node ;;
                              *) echo front-2-nodes ;; esac)
        if [ "$grant" = cc ]; then
            BENCH_BODY="grant_type=client_credentials&scope=read" \
                BENCH_BASIC=$CC_BASIC bench_wrk "$r" \
                "client_credentials:$name" \
                "$(url $where /oauth2/token)" -s bench/lua/post.lua
        else
            next_pool
            BENCH_REFRESH=$POOL BENCH_BASIC=$WEB_BASIC bench_wrk "$r" \
                "refresh_token:$name" \
                "$(url $where /oauth2/token)" -s bench/lua/refresh.lua
        fi < /dev/null
    done < "$D/cases.$r"
done

# --- report ----------------------------------------------------------------
{
    echo "machine: $(bench_machine)"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)"
    echo "wrk -t1 -c32 -d${BENCH_SECONDS}s, $ROUNDS rounds; PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -n 1) (fsync off), mod_dbd defaults"
} > "$OUT/machine.txt"
cp "$D/results" "$OUT/results.txt"
$BENCH_PY - "$OUT" <<'PYEOF'
import collections, statistics, sys
out = sys.argv[1]
runs = [l.split() for l in open(f"{out}/results.txt")]
by_case = collections.OrderedDict()
by_round = collections.defaultdict(dict)
bad = collections.Counter()
for r, case, rps, non2xx in runs:
    by_case.setdefault(case, []).append(float(rps))
    by_round[r][case] = float(rps)
    bad[case] += int(non2xx)
lines = ["## Token endpoint, one node and two, on PostgreSQL\n", "```",
         open(f"{out}/machine.txt").read().rstrip(), "```\n",
         "| case | req/s (median) | min – max | two nodes / one (median of rounds) | non-2xx |",
         "|---|---:|---:|---:|---:|"]
for case in sorted(by_case):
    v = by_case[case]
    grant, where = case.split(":")
    ratio = "–"
    if where == "front-2-nodes":
        one = f"{grant}:front-1-node"
        rs = [rd[case] / rd[one] for rd in by_round.values()
              if case in rd and rd.get(one)]
        ratio = f"{statistics.median(rs):.2f}" if rs else "–"
    lines.append(f"| {case} | {statistics.median(v):.0f} | {min(v):.0f} – "
                 f"{max(v):.0f} | {ratio} | {bad[case]} |")
text = "\n".join(lines) + "\n"
open(f"{out}/table.md", "w").write(text)
print(text)
PYEOF
