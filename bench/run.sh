#!/bin/sh
# Bearer-check benchmark: one real httpd (mpm_event) on loopback serving the
# same small JSON file plain and under AuthType OAuth2 (ES256, RS256), driven
# by wrk in alternating rounds so the ratios are measured side by side.
# Not part of the test suite; prints a table, asserts nothing.
#   sh bench/run.sh [SECONDS_PER_RUN] [ROUNDS]
set -e
cd "$(dirname "$0")/.."
DUR=${1:-10}
ROUNDS=${2:-3}
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
make -s -f apxs.mk bench/bearer_cost mod_oauth2/.libs/mod_oauth2.so >/dev/null

D=$(mktemp -d /tmp/oa2-bench.XXXXXX)
trap '/usr/sbin/apache2 -f $D/httpd.conf -k stop 2>/dev/null; sleep 1; rm -rf $D' EXIT
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ISS=http://127.0.0.1:$PORT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $D/ec.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $D/rsa.pem 2>/dev/null
mkdir -p $D/data $D/htdocs/plain $D/htdocs/es $D/htdocs/rs $D/htdocs/es-scope
for d in plain es rs es-scope; do
    printf '{"status":"ok","items":[1,2,3],"note":"bench"}\n' > $D/htdocs/$d/data.json
done
# Tokens and the RSA JWKS come from PyJWT: an implementation not our own.
$PY - "$D" "$ISS" <<'PYEOF'
import json, sys, time, jwt
from cryptography.hazmat.primitives import serialization
d, iss = sys.argv[1], sys.argv[2]
now = int(time.time())
for name, alg in (("ec", "ES256"), ("rsa", "RS256")):
    key = serialization.load_pem_private_key(open(f"{d}/{name}.pem", "rb").read(), None)
    claims = {"iss": iss, "sub": "bench", "aud": iss, "exp": now + 7200,
              "iat": now, "jti": "b1", "client_id": "bench", "scope": "read"}
    hdr = {"typ": "at+jwt", "kid": name}
    open(f"{d}/{name}.token", "w").write(jwt.encode(claims, key, algorithm=alg, headers=hdr))
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key()))
    jwk["kid"] = name
    open(f"{d}/{name}.jwks", "w").write(json.dumps({"keys": [jwk]}))
PYEOF
cat > $D/httpd.conf <<CONF
ServerRoot $D
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1
PidFile $D/httpd.pid
ErrorLog $D/error.log
LogLevel warn
DefaultRuntimeDir $D
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
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
OAuth2TemplateDir $PWD/templates
OAuth2Issuer $ISS
OAuth2SigningKey $D/ec.pem ec
<Location /es>
    AuthType OAuth2
    Require valid-user
</Location>
<Location /es-scope>
    AuthType OAuth2
    Require oauth2-scope read
</Location>
<Location /rs>
    AuthType OAuth2
    OAuth2VerifyJWKSFile $D/rsa.jwks
    Require valid-user
</Location>
CONF
chmod -R o+rX $D
[ "$(id -u)" = 0 ] && chown nobody:nogroup $D/data
/usr/sbin/apache2 -f $D/httpd.conf -k start
sleep 1
ES=$(cat $D/ec.token); RS=$(cat $D/rsa.token)
for c in es rs es-scope; do
    tok=$ES; [ $c = rs ] && tok=$RS
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" $ISS/$c/data.json)
    [ "$code" = 200 ] || { echo "warm-up of /$c failed: $code"; cat $D/error.log; exit 1; }
done

run() { # case url [token]
    if [ -n "$3" ]; then
        wrk -t1 -c32 -d${DUR}s -H "Authorization: Bearer $3" "$2" 2>/dev/null
    else
        wrk -t1 -c32 -d${DUR}s "$2" 2>/dev/null
    fi | awk -v c="$1" '/Requests\/sec/ {print c, $2}' >> $D/results
}
for r in $(seq $ROUNDS); do
    run plain $ISS/plain/data.json
    run es256 $ISS/es/data.json "$ES"
    run es256+scope $ISS/es-scope/data.json "$ES"
    run rs256 $ISS/rs/data.json "$RS"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "wrk -t1 -c32 -d${DUR}s, $ROUNDS rounds, one repeated token, medians:"
$PY - $D/results <<'PYEOF'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    k, v = line.split(); rows.setdefault(k, []).append(float(v))
base = statistics.median(rows["plain"])
print(f"{'case':<14}{'req/s':>10}{'min':>10}{'max':>10}{'ratio':>8}")
for k, v in rows.items():
    m = statistics.median(v)
    print(f"{k:<14}{m:>10.0f}{min(v):>10.0f}{max(v):>10.0f}{m/base:>8.2f}")
PYEOF
echo "per token, in process (bench/bearer_cost):"
./bench/bearer_cost $D/ec.pem 20000
./bench/bearer_cost $D/rsa.pem 20000
