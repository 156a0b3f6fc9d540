#!/bin/sh
# Token endpoint benchmark: one real httpd (mpm_event) on loopback with the
# authorization server on SQLite, driven by wrk. Cases, side by side:
#   plain            GET of a small static file (the machine's limit)
#   client_creds     POST /oauth2/token grant_type=client_credentials (Basic)
#   auth_code        POST /oauth2/token redeeming pre-issued codes (PKCE)
# Not part of the test suite; prints a table, asserts nothing.
#   sh bench/token.sh [SECONDS_PER_RUN] [ROUNDS]
set -e
cd "$(dirname "$0")/.."
DUR=${1:-10}
ROUNDS=${2:-3}
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
make -s -f apxs.mk all >/dev/null

D=$(mktemp -d /tmp/oa2-tbench.XXXXXX)
trap '/usr/sbin/apache2 -f $D/httpd.conf -k stop 2>/dev/null; sleep 1; rm -rf $D' EXIT
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ISS=http://127.0.0.1:$PORT
mkdir -p $D/htdocs $D/data
printf '{"status":"ok","items":[1,2,3],"note":"bench"}\n' > $D/htdocs/data.json
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $D/ec.pem 2>/dev/null
htpasswd -bcB $D/htpasswd bench bench 2>/dev/null
ADMIN="admin/oauth2-admin -p $D/data/oauth2.db -i $ISS"
SVC=$($ADMIN client add svc --grant client_credentials --scope read)
WEB=$($ADMIN client add web --redirect-uri $ISS/cb --scope read \
      --grant authorization_code --grant refresh_token)
SVC_AUTH=$(printf '%s:%s' "$(echo "$SVC" | sed -n 's/^client_id: //p')" \
           "$(echo "$SVC" | sed -n 's/^client_secret: //p')" | base64 -w0)
WEB_ID=$(echo "$WEB" | sed -n 's/^client_id: //p')
WEB_AUTH=$(printf '%s:%s' "$WEB_ID" "$(echo "$WEB" | sed -n 's/^client_secret: //p')" | base64 -w0)
[ "$(id -u)" = 0 ] && chown -R nobody:nogroup $D/data
cat > $D/httpd.conf <<CONF
ServerRoot $D
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1
PidFile $D/httpd.pid
ErrorLog $D/error.log
LogFormat "%{BENCH_CASE}e %>s" bench
CustomLog $D/access.log bench
SetEnvIf User-Agent "^bench-(.*)" BENCH_CASE=\$1
LogLevel warn
DefaultRuntimeDir $D
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so
LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
LoadModule oauth2_module $PWD/mod_oauth2/.libs/mod_oauth2.so
TypesConfig /etc/mime.types
DocumentRoot $D/htdocs
StartServers 2
ThreadsPerChild 25
MaxRequestWorkers 100
$( [ "$(id -u)" = 0 ] && printf 'User nobody\nGroup nogroup\n' )
DBDriver sqlite3
DBDParams $D/data/oauth2.db
OAuth2Issuer $ISS
OAuth2SigningKey $D/ec.pem
OAuth2Scope read "Read"
OAuth2TemplateDir $PWD/templates
OAuth2CodeTTL 3600
<Location /oauth2/authorize>
    AuthType Basic
    AuthName bench
    AuthBasicProvider file
    AuthUserFile $D/htpasswd
    Require valid-user
</Location>
CONF
chmod -R o+rX $D
/usr/sbin/apache2 -f $D/httpd.conf -k start
sleep 1

# Codes for the auth_code case, issued through the real authorize endpoint
# (consent is approved once, then remembered).
NCODES=$(( DUR * 4000 ))
$PY - "$ISS" "$WEB_ID" "$NCODES" "$D" <<'PYEOF'
import base64, hashlib, html, re, sys, requests, concurrent.futures as cf
iss, client, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
verifier = "v" * 64
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
params = {"response_type": "code", "client_id": client, "redirect_uri": iss + "/cb",
          "scope": "read", "code_challenge": challenge, "code_challenge_method": "S256"}
s = requests.Session(); s.auth = ("bench", "bench")
page = s.get(iss + "/oauth2/authorize", params=params).text
form = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page))
form = {k: html.unescape(v) for k, v in form.items()}
form["decision"] = "approve"
s.post(iss + "/oauth2/authorize", data=form, allow_redirects=False)
def one(_):
    r = s.get(iss + "/oauth2/authorize", params=params, allow_redirects=False)
    return re.search(r"code=([^&]+)", r.headers["Location"]).group(1)
with cf.ThreadPoolExecutor(8) as ex:
    codes = list(ex.map(one, range(n)))
open(d + "/codes", "w").write("\n".join(codes) + "\n")
PYEOF
cat > $D/cc.lua <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=read"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $SVC_AUTH"
LUA
cat > $D/code.lua <<LUA
local codes, i = {}, 0
for line in io.lines("$D/codes") do codes[#codes + 1] = line end
request = function()
    i = i + 1
    if i > #codes then i = 1 end
    return wrk.format("POST", "/oauth2/token",
        {["Content-Type"] = "application/x-www-form-urlencoded",
         ["Authorization"] = "Basic $WEB_AUTH",
         ["User-Agent"] = "bench-auth_code"},
        "grant_type=authorization_code&redirect_uri=$ISS/cb&code_verifier="
        .. string.rep("v", 64) .. "&code=" .. codes[i])
end
LUA
run() { # case url [script]
    wrk -t1 -c32 -d${DUR}s -H "User-Agent: bench-$1" ${3:+-s $3} "$2" 2>/dev/null \
        | awk -v c="$1" '/Requests\/sec/ {print c, $2}' >> $D/results
}
for r in $(seq $ROUNDS); do
    run plain $ISS/data.json
    run client_creds $ISS/oauth2/token $D/cc.lua
done
# Codes are single use: one run over the pre-issued codes.
run auth_code $ISS/oauth2/token $D/code.lua
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "wrk -t1 -c32 -d${DUR}s; plain and client_creds: $ROUNDS rounds, medians; auth_code: one run over $NCODES codes"
echo "responses per case and status (access log):"
awk '{print $1, $2}' $D/access.log | sort | uniq -c
$PY - $D/results <<'PYEOF'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    if k.endswith("non200"): continue
    rows.setdefault(k, []).append(float(v))
base = statistics.median(rows["plain"])
print(f"{'case':<14}{'req/s':>10}{'min':>10}{'max':>10}{'ratio':>8}")
for k, v in rows.items():
    m = statistics.median(v)
    print(f"{k:<14}{m:>10.0f}{min(v):>10.0f}{max(v):>10.0f}{m/base:>8.2f}")
PYEOF
