# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
# The peers the benchmarks compare mod_oauth2 with (sourced after lib.sh,
# not run):
#   mod_auth_openidc 2.4.12.3   (Debian: libapache2-mod-auth-openidc),
#                               AuthType oauth20, resource server only
#   OpenIDC's mod_oauth2 3.3.1  (Debian: libapache2-mod-oauth2, on
#                               liboauth2 1.4.5.4), AuthType oauth2
#   node-oidc-provider 9.13.3   (npm: oidc-provider), token endpoint only:
#                               client_credentials, and codes made in
#                               process redeemed with openid (oidc.sh)
#
# Each Apache peer runs in an httpd of its own, built like ours by
# bench_conf_head, with the same small file (bench_htdocs) at the same
# locations:
#   /plain      no auth
#   /es         a valid ES256 access token
#   /es-scope   the same, and the scope SCOPE granted
#   /rs         a valid RS256 access token
#   /rs-scope   the same, and the scope SCOPE granted
# Tokens are JWTs verified against the public halves of the benchmark's
# own signing keys, held by the instance: no introspection, nothing
# leaves 127.0.0.1 (mod_auth_openidc reads its keys over https from its
# own httpd, see openidc_instance). SCOPE is one scope token.
#
# Settings (environment, optional):
#   BENCH_CACHE          where npm installs oidc-provider, in node/
#                        (default ~/.cache/mod_oauth2-bench)
#   PEERS_EC_KID         the "kid" the ES256 tokens carry (default: ec)
#   PEERS_RSA_KID        the "kid" the RS256 tokens carry (default: rsa)
#   PEERS_CHECK_ISS_AUD  1 (default): neither Apache peer compares "iss"
#                        or "aud" with anything while verifying a token,
#                        so every protected location requires them on the
#                        claims (Require claim / Require oauth2_claim, all
#                        in one RequireAll), as a user of the peer has to;
#                        0: "Require valid-user" (signature, "exp") only.

# shellcheck disable=SC2034 # PEERS_NODE and NODE_* are for the caller
PEERS_EC_KID=${PEERS_EC_KID:-ec}
PEERS_RSA_KID=${PEERS_RSA_KID:-rsa}
PEERS_CHECK_ISS_AUD=${PEERS_CHECK_ISS_AUD:-1}
PEERS_NODE_VERSION=9.13.3

_peers_node_prefix() {
    PEERS_NODE_PREFIX=${BENCH_CACHE:-$HOME/.cache/mod_oauth2-bench}/node
}

# peers_install: the two Debian packages and oidc-provider, each only when
# missing. Sets PEERS_NODE=1 when oidc-provider can be run, PEERS_NODE=
# (and says why) when not, so that the caller skips that case.
# The packages' postinst enables both modules in the system's
# /etc/apache2 and may (re)start apache2.service; nothing here uses that
# service or port 80: every instance is an httpd of its own.
peers_install() {
    _sudo=
    [ "$(id -u)" = 0 ] || _sudo=sudo
    _missing=
    for _pkg in libapache2-mod-auth-openidc libapache2-mod-oauth2; do
        dpkg-query -W -f '${Status}' "$_pkg" 2>/dev/null |
            grep -q 'ok installed' || _missing="$_missing $_pkg"
    done
    if [ -n "$_missing" ]; then
        echo "peers: installing$_missing"
        $_sudo apt-get update -qq &&
        $_sudo env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq $_missing >/dev/null || {
            echo "peers: apt-get install$_missing failed"; return 1; }
    fi
    for _so in mod_auth_openidc.so mod_oauth2.so; do
        [ -f "$BENCH_MODULES/$_so" ] || {
            echo "peers: $BENCH_MODULES/$_so is missing"; return 1; }
    done
    nodeoidc_install
}

# nodeoidc_install: oidc-provider alone (npm), only when missing. Sets
# PEERS_NODE as peers_install does.
nodeoidc_install() {
    PEERS_NODE=
    _peers_node_prefix
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "peers: no node/npm: node-oidc-provider is skipped"
        return 0
    fi
    if ! grep -q "\"version\": \"$PEERS_NODE_VERSION\"" \
            "$PEERS_NODE_PREFIX/node_modules/oidc-provider/package.json" \
            2>/dev/null; then
        mkdir -p "$PEERS_NODE_PREFIX"
        echo "peers: npm install oidc-provider@$PEERS_NODE_VERSION"
        npm install --prefix "$PEERS_NODE_PREFIX" --save-exact --no-audit \
            --no-fund --loglevel=error "oidc-provider@$PEERS_NODE_VERSION" \
            >/dev/null || {
            echo "peers: npm install failed: node-oidc-provider is skipped"
            return 0
        }
    fi
    PEERS_NODE=1
}

# _peers_scope_regex SCOPE: a PCRE matching SCOPE as one entry of a
# space-separated list, without spaces (a Require line splits on them)
# and with the usual metacharacters bracketed.
_peers_scope_regex() {
    printf '(^|[[:space:]])%s([[:space:]]|$)' \
        "$(printf '%s' "$1" | sed 's/[.+*?(){}|$]/[&]/g')"
}

# _peers_jwks DIR EC_PEM RSA_PEM: the public halves of the signing keys
# as one-line JWKs carrying the kids above, in DIR/ec.jwk and
# DIR/rsa.jwk, and both as a JWK Set in DIR/jwks/jwks.json.
_peers_jwks() {
    mkdir -p "$1/jwks"
    $BENCH_PY - "$1" "$2" "$3" "$PEERS_EC_KID" "$PEERS_RSA_KID" <<'PYEOF' || {
import json, sys, jwt
from cryptography.hazmat.primitives import serialization
d, ec, rsa, ec_kid, rsa_kid = sys.argv[1:]
algs = jwt.algorithms.get_default_algorithms()
keys = []
for name, pem, alg, kid in (("ec", ec, "ES256", ec_kid),
                            ("rsa", rsa, "RS256", rsa_kid)):
    key = serialization.load_pem_private_key(open(pem, "rb").read(), None)
    jwk = json.loads(algs[alg].to_jwk(key.public_key()))
    jwk.pop("key_ops", None)
    jwk.update(kid=kid, use="sig", alg=alg)
    open(f"{d}/{name}.jwk", "w").write(json.dumps(jwk, separators=(",", ":")))
    keys.append(jwk)
open(f"{d}/jwks/jwks.json", "w").write(json.dumps({"keys": keys}))
PYEOF
        echo "peers: no JWK from $2 / $3"; return 1; }
}

# _peers_locations DIR ISS AUD SCOPE AUTHTYPE REQUIRE VERIFY_ES VERIFY_RS:
# the five locations; REQUIRE is the name of the peer's claim provider,
# VERIFY_* the directive lines naming the key of each location (empty
# where the peer takes its keys server-wide).
_peers_locations() {
    _sr=$(_peers_scope_regex "$4")
    for _loc in es es-scope rs rs-scope; do
        case $_loc in
            es*) _verify=$7 ;;
            *) _verify=$8 ;;
        esac
        printf '<Location /%s>\n    AuthType %s\n' "$_loc" "$5"
        [ -n "$_verify" ] && printf '    %s\n' "$_verify"
        if [ "$PEERS_CHECK_ISS_AUD" = 1 ] || [ "${_loc#*-}" = scope ]; then
            printf '    <RequireAll>\n'
            if [ "$PEERS_CHECK_ISS_AUD" = 1 ]; then
                printf '        Require %s iss:%s\n' "$6" "$2"
                printf '        Require %s aud:%s\n' "$6" "$3"
            else
                printf '        Require valid-user\n'
            fi
            if [ "${_loc#*-}" = scope ]; then
                if [ "$6" = oauth2_claim ]; then
                    # liboauth2 1.4.5.4 has no "~" (regex) operator:
                    # ":" compares the whole claim, so the scope claim
                    # must be exactly SCOPE.
                    printf '        Require %s scope:%s\n' "$6" "$4"
                else
                    printf '        Require %s scope~%s\n' "$6" "$_sr"
                fi
            fi
            printf '    </RequireAll>\n'
        else
            printf '    Require valid-user\n'
        fi
        printf '</Location>\n'
    done
}

# openidc_instance DIR PORT ISS AUD EC_PEM RSA_PEM SCOPE: DIR/httpd.conf
# and DIR/htdocs for mod_auth_openidc; not started (bench_start DIR).
#
# How it verifies (mod_auth_openidc 2.4.12.3, src/oauth.c, proto.c):
# with no OIDCOAuthIntrospectionEndpoint, AuthType oauth20 takes the
# bearer token for a JWT and verifies its signature locally against
# keys from OIDCOAuthVerifyCertFiles (static), OIDCOAuthVerifySharedKeys
# (HMAC) and OIDCOAuthVerifyJwksUri. Static certificates can only hold
# RSA keys in this version (an EC certificate crashes httpd while it
# reads the config, in oidc_jwk_rsa_bio_to_jwk), and the JWKS URI must
# be https: so both keys are published as a JWK Set by this same httpd,
# over TLS on a second loopback port (chosen here, in DIR/jwks.port),
# with the self-signed certificate DIR/tls.crt trusted through
# OIDCCABundlePath (server validation stays on). The module downloads
# the set once and keeps it in its cache, the default: shm, for
# OIDCJWKSRefreshInterval (default 3600 s); each request then reads the
# set from shm (under the cache's global mutex), parses it, imports the
# key whose kid the token names and verifies. Verified tokens are not
# cached. Nothing leaves 127.0.0.1; the first request does the download.
# No alg list can be configured: the alg must fit the key of that kid.
# A token naming a kid that is not in the set makes the module download
# the set again (a "forced refresh"), on every such request.
# The JWKS URI is server-wide, so both keys are accepted at all four
# locations (an RS256 token passes at /es and an ES256 one at /rs).
# "exp" is checked when present; "iss" and "aud" are not checked by the
# module: see PEERS_CHECK_ISS_AUD ("Require claim"). Claims are passed
# to the content as OIDC_CLAIM_* headers and environment variables (the
# default, OIDCPassClaimsAs both).
openidc_instance() {
    _d=$1
    mkdir -p "$_d"
    _peers_jwks "$_d" "$5" "$6" || return 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -addext basicConstraints=critical,CA:FALSE -days 30 \
        -keyout "$_d/tls.key" -out "$_d/tls.crt" 2>/dev/null || {
        echo "peers: no TLS certificate for the JWKS URI"; return 1; }
    _jport=$(bench_port)
    echo "$_jport" > "$_d/jwks.port"
    {
        bench_conf_head "$_d" "$2"
        cat <<CONF
LoadModule ssl_module $BENCH_MODULES/mod_ssl.so
LoadModule auth_openidc_module $BENCH_MODULES/mod_auth_openidc.so
Listen 127.0.0.1:$_jport https
SSLSessionCache none
<VirtualHost 127.0.0.1:$_jport>
    ServerName 127.0.0.1
    SSLEngine on
    SSLCertificateFile $_d/tls.crt
    SSLCertificateKeyFile $_d/tls.key
    DocumentRoot $_d/jwks
</VirtualHost>
OIDCOAuthVerifyJwksUri https://127.0.0.1:$_jport/jwks.json
OIDCCABundlePath $_d/tls.crt
CONF
        _peers_locations "$_d" "$3" "$4" "$7" oauth20 claim "" ""
    } > "$_d/httpd.conf"
    bench_htdocs "$_d" plain es es-scope rs rs-scope
}

# liboauth2_instance DIR PORT ISS AUD EC_PEM RSA_PEM SCOPE: the same for
# OpenIDC's mod_oauth2 3.3.1 (module name oauth2_module too, loaded from
# $BENCH_MODULES, never ours).
#
# How it verifies (liboauth2 1.4.5.4): "OAuth2TokenVerify jwk JSON" per
# location, so /es holds only the EC key and /rs only the RSA key. A key
# is tried when its kid equals the token's (or either has none); the alg
# must fit the key's type (no alg list). "exp" and "iat" are checked when
# present (verify.exp and verify.iat default to "optional"); with a
# static key there is no issuer to compare "iss" with, and "aud" is never
# looked at: see PEERS_CHECK_ISS_AUD ("Require oauth2_claim"). Its
# Require has no regex operator: "scope:SCOPE" compares the whole "scope"
# claim, so a token granting "read write" fails at /es-scope.
# Cache: the default one, as users run it. Every OAuth2TokenVerify keeps
# the claims of each token it verified for 300 s ("expiry", default 300)
# in the cache named "default": shm, max_entries 1000, max_val_size
# 8193, key the SHA-256 of the token, not encrypted. A token found there
# is taken without verifying anything again (not even "exp"), so a
# repeated token costs one verification and then shm look-ups; and since
# the cache is shared by all locations (and processes), a token verified
# at /es is then accepted at /rs as well: the two keys are kept apart
# only for tokens not yet cached. The claims go to the content as
# OAUTH2_CLAIM_* headers and environment variables (OAuth2TargetPass
# default).
liboauth2_instance() {
    _d=$1
    mkdir -p "$_d"
    _peers_jwks "$_d" "$5" "$6" || return 1
    {
        bench_conf_head "$_d" "$2"
        cat <<CONF
LoadModule oauth2_module $BENCH_MODULES/mod_oauth2.so
CONF
        _peers_locations "$_d" "$3" "$4" "$7" oauth2 oauth2_claim \
            "OAuth2TokenVerify jwk '$(cat "$_d/ec.jwk")'" \
            "OAuth2TokenVerify jwk '$(cat "$_d/rsa.jwk")'"
    } > "$_d/httpd.conf"
    bench_htdocs "$_d" plain es es-scope rs rs-scope
}

# nodeoidc_start DIR PORT [SCOPE [CODES]]: node-oidc-provider on
# 127.0.0.1:PORT (pid DIR/node.pid, log DIR/node.log, program
# DIR/nodeoidc.mjs), with one confidential client "bench"
# (client_credentials, client_secret_basic) and three resource
# indicators, each a format of access token:
#   urn:bench:es      JWT signed ES256 (aud urn:bench:es)
#   urn:bench:rs      JWT signed RS256 (aud urn:bench:rs)
#   urn:bench:opaque  opaque
# all granting SCOPE (default: read). Its signing keys (EC P-256, RSA
# 2048) are made anew at each start. Storage is the default in-memory
# adapter (every token is stored there, as the provider does).
# Waits until it answers, then sets NODE_TOKEN_URL, NODE_BASIC (the
# base64 of client_id:client_secret) and the form bodies NODE_BODY_ES,
# NODE_BODY_RS, NODE_BODY_OPAQUE.
#
# With CODES (a number > 0), also the authorization code grant with
# openid: a second confidential client "web" (authorization_code and
# refresh_token, client_secret_basic, ID tokens ES256, redirect URI
# NODE_REDIRECT_URI), and a route of the bench's own beside the
# provider's, POST NODE_CODES_URL?n=N, that answers N new codes, one per
# line. Each code is made in process through the provider's models, as
# its authorization endpoint makes one after a login and consent: a
# Grant of its own (openid and offline_access, SCOPE on urn:bench:es),
# saved, and an AuthorizationCode for it (user "bench", a nonce, PKCE
# S256 with bench/tokens.py's verifier, resource urn:bench:es), saved.
# The token endpoint that redeems them is the provider's, unmodified;
# with useGrantedResource the access token is the urn:bench:es JWT
# (ES256) without a resource parameter, and offline_access brings the
# refresh token (the provider's default rule), so a response carries an
# access token, an ID token and a refresh token, as ours does. The
# in-memory adapter's store is the provider's own class (lib/helpers/
# lru.js) with room for 8 entries per code instead of its 1000 entries
# in all: with 1000, codes minted ahead of the run would be evicted
# before they are used. Codes live an hour (ttl.AuthorizationCode).
# NODE_WEB_BASIC is the base64 of web:client_secret.
nodeoidc_start() {
    _d=$1 _port=$2 _scope=${3:-read} _codes=${4:-0}
    _peers_node_prefix
    [ -f "$PEERS_NODE_PREFIX/node_modules/oidc-provider/lib/index.js" ] || {
        echo "peers: no oidc-provider in $PEERS_NODE_PREFIX (peers_install)"
        return 1; }
    mkdir -p "$_d"
    _secret=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    cat > "$_d/nodeoidc.mjs" <<'JSEOF'
// node-oidc-provider for the benchmark: client_credentials, and with
// CODES > 0 the authorization code grant with openid (see peers.sh).
// argv: PORT PREFIX CLIENT_SECRET SCOPE CODES
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const [port, prefix, secret, scope, codesArg] = process.argv.slice(2);
const codes = Number(codesArg || 0);
const load = (path) => import(
  pathToFileURL(`${prefix}/node_modules/oidc-provider/lib/${path}`).href);
const { default: Provider, errors } = await load('index.js');

const issuer = `http://127.0.0.1:${port}`;
const redirectUri = `${issuer}/cb`;
const codeResource = 'urn:bench:es';

const privateJwk = (type, options, alg) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }),
  use: 'sig',
  alg,
});

const resourceServers = {
  'urn:bench:es': { accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } },
  'urn:bench:rs': { accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } },
  'urn:bench:opaque': { accessTokenFormat: 'opaque' },
};

const clients = [{
  client_id: 'bench',
  client_secret: secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
}];
let adapter;
if (codes > 0) {
  clients.push({
    client_id: 'web',
    client_secret: secret,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  });
  // The provider's in-memory adapter and store, with room for the codes.
  const { default: MemoryAdapter } = await load('adapters/memory_adapter.js');
  const { default: LRU } = await load('helpers/lru.js');
  const store = new LRU({ maxSize: codes * 8 + 10000 });
  adapter = (model) => new MemoryAdapter(model, store);
}

const provider = new Provider(issuer, {
  ...(adapter ? { adapter } : {}),
  clients,
  jwks: {
    keys: [
      privateJwk('ec', { namedCurve: 'P-256' }, 'ES256'),
      privateJwk('rsa', { modulusLength: 2048 }, 'RS256'),
    ],
  },
  // What the default does (no claims beyond sub), without its notice.
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  // The defaults where they exist (without their notices), else ours:
  // access token 900 s, ID token 300 s, refresh token 14 days.
  ttl: {
    AccessToken: (ctx, token) => token.resourceServer?.accessTokenTTL || 900,
    AuthorizationCode: 3600,
    ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL || 600,
    Grant: 14 * 24 * 3600,
    IdToken: 300,
    RefreshToken: 14 * 24 * 3600,
  },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      async getResourceServerInfo(ctx, indicator) {
        const rs = resourceServers[indicator];
        if (!rs) throw new errors.InvalidTarget();
        return { scope, audience: indicator, ...rs };
      },
      // A code's access token is for the resource it was granted for.
      async useGrantedResource() { return true; },
    },
  },
});

// N codes, each with a grant of its own, as the authorization endpoint
// leaves them (lib/helpers/process_response_types.js, codeHandler).
const challenge = createHash('sha256').update('v'.repeat(64)).digest('base64url');
async function mint(n) {
  const client = await provider.Client.find('web');
  const out = [];
  for (let i = 0; i < n; i += 1) {
    const grant = new provider.Grant({ accountId: 'bench', clientId: 'web' });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(codeResource, scope);
    const code = new provider.AuthorizationCode({
      accountId: 'bench',
      authTime: Math.floor(Date.now() / 1000),
      client,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      grantId: await grant.save(),
      nonce: randomBytes(16).toString('base64url'),
      redirectUri,
      resource: codeResource,
      scope: `openid offline_access ${scope}`,
    });
    out.push(await code.save());
  }
  return out;
}

const handle = provider.callback();
const server = createServer((req, res) => {
  const m = /^\/bench\/codes\?n=([0-9]+)$/.exec(req.url);
  if (codes > 0 && m && req.method === 'POST') {
    mint(Number(m[1])).then((out) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(out.length ? `${out.join('\n')}\n` : '');
    }, (err) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${err.stack}\n`);
    });
    return;
  }
  handle(req, res);
});
server.listen(Number(port), '127.0.0.1');
server.on('listening', () => console.log(`listening on 127.0.0.1:${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
JSEOF
    node "$_d/nodeoidc.mjs" "$_port" "$PEERS_NODE_PREFIX" "$_secret" \
        "$_scope" "$_codes" < /dev/null > "$_d/node.log" 2>&1 &
    echo $! > "$_d/node.pid"
    _disc=
    for _i in $(seq 100); do
        _disc=$(curl -sf "http://127.0.0.1:$_port/.well-known/openid-configuration") &&
            break
        kill -0 "$(cat "$_d/node.pid")" 2>/dev/null || break
        _disc=
        sleep 0.1
    done
    [ -n "$_disc" ] || {
        echo "peers: node-oidc-provider did not answer:"; cat "$_d/node.log"
        nodeoidc_stop "$_d"; return 1; }
    NODE_TOKEN_URL=$(printf '%s' "$_disc" | $BENCH_PY -c \
        'import json, sys; print(json.load(sys.stdin)["token_endpoint"])')
    NODE_BASIC=$(printf 'bench:%s' "$_secret" | base64 -w0)
    _q=$($BENCH_PY -c \
        'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], ""))' \
        "$_scope")
    _body="grant_type=client_credentials&scope=$_q&resource=urn%3Abench%3A"
    NODE_BODY_ES=${_body}es
    NODE_BODY_RS=${_body}rs
    NODE_BODY_OPAQUE=${_body}opaque
    NODE_WEB_BASIC=$(printf 'web:%s' "$_secret" | base64 -w0)
    NODE_REDIRECT_URI=http://127.0.0.1:$_port/cb
    NODE_CODES_URL=http://127.0.0.1:$_port/bench/codes
}

nodeoidc_stop() {
    [ -s "$1/node.pid" ] || return 0
    _pid=$(cat "$1/node.pid")
    kill "$_pid" 2>/dev/null
    for _i in $(seq 50); do
        kill -0 "$_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$_pid" 2>/dev/null && kill -9 "$_pid" 2>/dev/null
    rm -f "$1/node.pid"
}
