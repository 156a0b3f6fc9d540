# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# Shared pieces of the benchmark scripts (sourced, not run).
#
# Every instance is a real httpd (Debian's apache2, mpm_event) with its own
# directory, config, port, pidfile and logs under $BENCH_DIR; wrk drives it;
# each measured run appends one line to $BENCH_DIR/results:
#     ROUND CASE REQ_PER_SEC NON_2XX
# and bench_table prints medians, min-max and the ratio of each case to a
# base case measured in the same round.

BENCH_PY=/usr/bin/python3
BENCH_HTTPD=/usr/sbin/apache2
BENCH_MODULES=/usr/lib/apache2/modules

# bench_setup NAME: build the module and oauth2-admin, and make the run's
# directory, $BENCH_DIR (exported), /tmp/oa2-NAME.XXXXXX.
bench_setup() {
    make -s -f apxs.mk all > /tmp/oa2-bench-build.log 2>&1 || {
        cat /tmp/oa2-bench-build.log; return 1; }
    BENCH_DIR=$(mktemp -d "/tmp/oa2-$1.XXXXXX")
    export BENCH_DIR
    chmod 755 "$BENCH_DIR" # httpd's children (User nobody when root) read in it
}

# bench_begin OUT: the run's traps (at exit, the caller's bench_stop_all
# stops its servers, then $BENCH_DIR goes unless BENCH_KEEP is set), the
# directory OUT, $BENCH_DIR/keys and an empty results file; the load
# average now in LOAD_BEFORE.
bench_begin() {
    trap bench_end EXIT
    trap 'exit 1' INT TERM
    mkdir -p "$1" "$BENCH_DIR/keys"
    : > "$BENCH_DIR/results"
    LOAD_BEFORE=$(bench_load)
}

bench_end() {
    bench_stop_all || true # (under set -e a failing last test would end it)
    [ -n "$BENCH_KEEP" ] || rm -rf "$BENCH_DIR"
}

# A free TCP port on 127.0.0.1.
bench_port() {
    $BENCH_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_conf_head DIR PORT: the part of httpd.conf every instance shares:
# mpm_event with Debian's default sizes, keep-alive as Debian ships it,
# a DocumentRoot of DIR/htdocs, logs in DIR. No access log: it would
# cost every case the same and tell nothing.
bench_conf_head() {
    cat <<CONF
ServerRoot $1
Listen 127.0.0.1:$2
ServerName 127.0.0.1
PidFile $1/httpd.pid
ErrorLog $1/error.log
LogLevel warn
DefaultRuntimeDir $1
LoadModule mpm_event_module $BENCH_MODULES/mod_mpm_event.so
LoadModule authn_core_module $BENCH_MODULES/mod_authn_core.so
LoadModule authz_core_module $BENCH_MODULES/mod_authz_core.so
LoadModule authz_user_module $BENCH_MODULES/mod_authz_user.so
LoadModule mime_module $BENCH_MODULES/mod_mime.so
TypesConfig /etc/mime.types
DocumentRoot $1/htdocs
StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
$( [ "$(id -u)" = 0 ] && printf 'User nobody\nGroup nogroup\n' )
CONF
}

# bench_as_conf ISSUER SIGNING_KEY HTPASSWD: the authorization server part
# of an instance's httpd.conf (after bench_conf_head; the caller adds the
# DBDriver/DBDParams lines): user "bench" logs in with Basic on authorize.
bench_as_conf() {
    cat <<CONF
LoadModule authn_file_module $BENCH_MODULES/mod_authn_file.so
LoadModule auth_basic_module $BENCH_MODULES/mod_auth_basic.so
LoadModule dbd_module $BENCH_MODULES/mod_dbd.so
LoadModule oauth2_module $PWD/mod_oauth2/.libs/mod_oauth2.so
OAuth2Issuer $1
OAuth2SigningKey $2
OAuth2Scope read "Read"
OAuth2TemplateDir $PWD/templates
<Location /oauth2/authorize>
    AuthType Basic
    AuthName bench
    AuthBasicProvider file
    AuthUserFile $3
    Require valid-user
</Location>
CONF
}

# bench_htdocs DIR PATH...: the same 48-byte JSON file at each PATH.
bench_htdocs() {
    _d=$1
    shift
    for _p in "$@"; do
        mkdir -p "$_d/htdocs/$_p"
        printf '{"status":"ok","items":[1,2,3],"note":"bench"}\n' \
            > "$_d/htdocs/$_p/data.json"
    done
}

# bench_start DIR: start the instance whose config is DIR/httpd.conf and
# wait until it answers.
bench_start() {
    chmod -R o+rX "$1"
    $BENCH_HTTPD -f "$1/httpd.conf" -k start || {
        echo "bench: httpd in $1 did not start:"; cat "$1/error.log"; return 1; }
    for _i in $(seq 50); do
        [ -s "$1/httpd.pid" ] && return 0
        sleep 0.1
    done
    echo "bench: httpd in $1 wrote no pidfile"; cat "$1/error.log"; return 1
}

bench_stop() {
    [ -s "$1/httpd.pid" ] && $BENCH_HTTPD -f "$1/httpd.conf" -k stop 2>/dev/null
    for _i in $(seq 50); do
        [ -e "$1/httpd.pid" ] || return 0
        sleep 0.1
    done
}

# bench_expect CODE URL [CURL_ARGS...]: fail unless URL answers CODE (a
# case that does not work must not be measured).
bench_expect() {
    _want=$1 _url=$2
    shift 2
    _got=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$_url")
    [ "$_got" = "$_want" ] || {
        echo "bench: $_url answered $_got, expected $_want"; return 1; }
}

# bench_wrk ROUND CASE URL [WRK_ARGS...]: one wrk run of $BENCH_SECONDS,
# one thread, 32 connections; appends to $BENCH_DIR/results.
bench_wrk() {
    _round=$1 _case=$2 _url=$3
    shift 3
    wrk -t1 -c32 -d"${BENCH_SECONDS}s" "$@" "$_url" > "$BENCH_DIR/wrk.out" 2>&1
    awk -v r="$_round" -v c="$_case" '
        /Requests\/sec/ { rps = $2 }
        /Non-2xx or 3xx responses/ { bad = $NF }
        END { printf "%s %s %s %d\n", r, c, rps ? rps : 0, bad }' \
        "$BENCH_DIR/wrk.out" >> "$BENCH_DIR/results"
}

# bench_round ROUND PLAIN_URL: one round. Every case the caller's `cases`
# prints (one bench_wrk command a line, to eval with $r the round) runs
# once, in an order shuffled per round, with a plain run at PLAIN_URL
# before the first and after each: a case's ratio to plain is to the mean
# of its two neighbours (report.py). This machine's speed drifts by tens
# of percent within minutes, so only a neighbour measured seconds apart
# is a fair base; the shuffle keeps a case's place from favouring it.
bench_round() {
    r=$1
    cases | shuf > "$BENCH_DIR/cases.$r"
    bench_wrk "$r" plain "$2"
    while read -r _line; do
        eval "$_line" < /dev/null
        bench_wrk "$r" plain "$2"
    done < "$BENCH_DIR/cases.$r"
}

# bench_non2xx NAME: say which runs of $BENCH_DIR/results had non-2xx
# answers; fails when any had.
bench_non2xx() {
    awk -v n="$1" '
        $4 > 0 { bad = 1; print n ": " $2 " in round " $1 ": " $4 " non-2xx" }
        END { if (bad) print n ": non-2xx answers: these figures are void"
              exit bad }' "$BENCH_DIR/results"
}

# bench_access_log DIR: config lines for an access log of one line per
# request, "METHOD PATH PROTOCOL STATUS", in DIR/access.log: for an
# instance whose requests are counted, never for a measured one
# (mod_log_config is built into Debian's apache2).
bench_access_log() {
    echo "CustomLog $1/access.log \"%r %>s\""
}

bench_load() {
    uptime | sed 's/.*load average: //'
}

# bench_children DIR: pids of the instance's child processes.
bench_children() {
    pgrep -P "$(cat "$1/httpd.pid")" 2>/dev/null
}

# bench_memory DIR LABEL: per child of the instance, private memory
# (Private_Clean + Private_Dirty of smaps_rollup) and RSS in KiB; appends
# "LABEL PID PRIVATE_KB RSS_KB" lines to $BENCH_DIR/memory.
bench_memory() {
    for _pid in $(bench_children "$1"); do
        awk -v l="$2" -v pid="$_pid" '
            /^Rss:/ { rss = $2 }
            /^Private_(Clean|Dirty):/ { priv += $2 }
            END { print l, pid, priv, rss }' "/proc/$_pid/smaps_rollup"
    done >> "$BENCH_DIR/memory"
}

bench_machine() {
    echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
}
