# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""private_key_jwt client authentication (issue 15; SPEC.md "Sender-
constrained tokens, client assertions, pushed requests"; RFC 7523 §2.2 and
§3, OpenID Connect Core §9).

A client registered with jwks or jwks_uri authenticates at the token,
introspection, revocation and pushed authorization request endpoints with
a JWT it signs (client_assertion), and with nothing else: aud names this
server (its issuer or token endpoint; at the other endpoints their own
URL too), exp at most 5 minutes ahead, jti used once. npm's oauth4webapi
(PrivateKeyJwt) runs the code flow with PKCE and client_credentials as
the client; the attacks are made here with PyJWT. The keys of a jwks_uri
come from a small HTTP server on 127.0.0.1 (the issuer is a loopback http
one, so it may fetch there) and are kept in the token cache (shmcb).
"""

import base64
import hashlib
import hmac
import json
import secrets
import subprocess
import time
import urllib.parse

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import nodejs
import stores
import tokens
from authserver import (Client, Flow, admin, api, assert_token_error,
                        assert_token_ok, ep, start_as, user_agent,
                        verify_access_token)
from httpd import free_port
from test_280_schema_upgrade import (AddedTable, LeastPrivilegeWithoutTable,
                                     UpgradeAddsTable)
from test_820_openid_clients import (NODE_CACHE, NODE_DIR,  # noqa: F401
                                     node_client, query_of)
from hostile import HostileServer
from test_920_cimd import document, new_path
from test_940_par import assert_pushed

TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CB = "https://client.example/cb"
GRANTS = ("authorization_code", "refresh_token", "client_credentials")

# ---- keys and assertions -------------------------------------------------


def new_key(alg="ES256"):
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _b64_int(n, length=None):
    return tokens.b64u(n.to_bytes(length or (n.bit_length() + 7) // 8,
                                  "big"))


def public_jwk(key, kid=None, **extra):
    """The public JWK of key, with kid (None: none) and extra members
    (the coordinates at their full width: PyJWT 2.6 drops leading zero
    bytes, which RFC 7518 §6.2.1.2 forbids)."""
    pub = key.public_key().public_numbers()
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = {"kty": "RSA", "n": _b64_int(pub.n), "e": _b64_int(pub.e)}
    else:
        jwk = {"kty": "EC", "crv": "P-256", "x": _b64_int(pub.x, 32),
               "y": _b64_int(pub.y, 32)}
    if kid:
        jwk["kid"] = kid
    jwk.update(extra)
    return jwk


def private_jwk(key, kid=None):
    """public_jwk() with the private members."""
    jwk = public_jwk(key, kid)
    priv = key.private_numbers()
    if isinstance(key, rsa.RSAPrivateKey):
        jwk.update(d=_b64_int(priv.d), p=_b64_int(priv.p),
                   q=_b64_int(priv.q))
    else:
        jwk["d"] = _b64_int(priv.private_value, 32)
    return jwk


def jwk_set(*jwks):
    return {"keys": list(jwks)}


class PkClient(Client):
    """A private_key_jwt client, with the key it signs with."""

    def __init__(self, client_id, key, kid, alg="ES256", name="pk",
                 redirect_uris=(CB,), grants=GRANTS):
        super().__init__(client_id, None, redirect_uris, name, "read write",
                         grants, False, "private_key_jwt")
        self.key, self.kid, self.alg = key, kid, alg


def assertion(h, client, *, key=None, kid="default", alg=None, aud=None,
              exp=60, iss=None, sub=None, jti=None, headers=None, drop=(),
              **more):
    """A client assertion of client for h (PyJWT): aud h's issuer, exp 60
    s ahead, a fresh jti; each keyword replaces a part. Registered as a
    secret: the error log must never show it or its jti."""
    now = int(time.time())
    jti = jti or secrets.token_urlsafe(16)
    claims = {"iss": iss or client.client_id, "sub": sub or client.client_id,
              "aud": h.issuer if aud is None else aud, "exp": now + exp,
              "iat": now, "jti": jti}
    claims.update(more)
    for k in drop:
        claims.pop(k, None)
    hdr = {"kid": client.kid if kid == "default" else kid}
    if hdr["kid"] is None:
        del hdr["kid"]
    hdr.update(headers or {})
    alg = alg or client.alg
    if alg == "none":
        token = ".".join([tokens.b64u_json(dict(hdr, alg="none")),
                          tokens.b64u_json(claims), ""])
    else:
        token = jwt.encode(claims, key or client.key, algorithm=alg,
                           headers=hdr)
    tokens.register(token)
    tokens.register(jti)
    return token


def with_assertion(h, jwt_text, data=None, endpoint="token", auth=None,
                   client_id=None):
    """POST an endpoint of h with the client assertion jwt_text (and the
    form data; a client_id when given; Basic credentials auth)."""
    form = dict(data if data is not None
                else {"grant_type": "client_credentials", "scope": "read"})
    form.update(client_assertion_type=TYPE, client_assertion=jwt_text)
    if client_id:
        form["client_id"] = client_id
    r = h.session.post(h.url(ep(h, endpoint)), data=form, auth=auth,
                       timeout=10, allow_redirects=False)
    if r.headers.get("Content-Type", "").startswith("application/json"):
        body = r.json()
        for k in ("access_token", "refresh_token", "request_uri"):
            if isinstance(body, dict) and k in body:
                tokens.register(body[k])
    return r


def assert_refused(h, r, log_id, status=401, error="invalid_client"):
    """Refused with the RFC 6749 §5.2 error; the log line log_id, at
    info (a client's mistake)."""
    assert_token_error(r, error, status)
    lines = [x for x in h.new_log().splitlines() if log_id in x]
    assert lines, h.new_log()[-2000:]
    assert "[oauth2:info]" in lines[-1], lines[-1]
    return lines[-1]


_n = [0]


def add_pk_client(h, jwks=None, jwks_uri=None, alg="ES256", kid=None,
                  grants=GRANTS, extra=()):
    """A private_key_jwt client made with oauth2-admin (--jwks-file or
    --jwks-uri); by default with a new key of alg in its jwks."""
    _n[0] += 1
    key = None
    if jwks is None and jwks_uri is None:
        key = new_key(alg)
        kid = kid or "k%d" % _n[0]
        jwks = jwk_set(public_jwk(key, kid))
    args = ["client", "add", "PK client %d" % _n[0], "--auth-method",
            "private_key_jwt"]
    for g in grants:
        args += ["--grant", g]
    if "authorization_code" in grants:
        args += ["--redirect-uri", CB]
    if jwks is not None:
        path = h.write_file("pk/jwks-%d.json" % _n[0], json.dumps(jwks))
        args += ["--jwks-file", str(path)]
    if jwks_uri is not None:
        args += ["--jwks-uri", jwks_uri]
    out = admin(h, *args, *extra).stdout
    assert "client_secret" not in out, out
    client_id = out.split("client_id:")[1].split()[0]
    return PkClient(client_id, key, kid, alg, grants=grants)


def metadata(h):
    r = h.get("/.well-known/oauth-authorization-server")
    assert r.status_code == 200, r.text
    return r.json()


# ---- oauth4webapi -------------------------------------------------------

def pkcs8_b64(key):
    return base64.b64encode(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())).decode()


def run_pkjwt(node_client, h, client, mode, par=False):  # noqa: F811
    """t/oauth4webapi/pkjwt.mjs as client against h: mode code (the
    browser part here approves) or client_credentials. Its JSON result."""
    env = nodejs.env(OA2_NODE_MODULES=str(NODE_CACHE / "node_modules"),
                     ISSUER=h.issuer, CLIENT_ID=client.client_id,
                     PRIVATE_KEY=pkcs8_b64(client.key), ALG=client.alg,
                     KID=client.kid or "", MODE=mode, REDIRECT_URI=CB,
                     PAR="1" if par else "")
    script = [node_client[0], str(NODE_DIR / "pkjwt.mjs")]
    p = subprocess.Popen(script, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, cwd=NODE_DIR)
    try:
        if mode == "code":
            first = json.loads(p.stdout.readline() or "{}")
            if "authorization_url" not in first:
                p.stdin.close()
                out, err = p.communicate(timeout=30)
                raise AssertionError("pkjwt.mjs: %r %s %s" % (first, out,
                                                              err))
            location = user_agent(first["authorization_url"])
            tokens.register(query_of(location).get("code"))
            out, err = p.communicate(location + "\n", timeout=30)
        else:
            out, err = p.communicate("", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, (p.returncode, out, err)
    result = json.loads(out)
    for part in ("tokens", "refreshed"):
        for k in ("access_token", "refresh_token"):
            tokens.register((result.get(part) or {}).get(k))
    return result


# ---- the tests ------------------------------------------------------------

@pytest.fixture(scope="module")
def docs():
    """Where the clients' jwks_uri and metadata documents are served."""
    d = HostileServer().start()
    yield d
    d.stop()


class TestPrivateKeyJwt:
    """Clients with a registered jwks: every endpoint, oauth4webapi, and
    the attacks."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        # the attacks fail client authentication many times a minute from
        # one address: OAuth2RateLimit (test_980_device.py) would answer 429
        return start_as(httpd_factory, keys, "as-pkjwt",
                        modules=("socache_shmcb",),
                        extra="OAuth2RateLimit off\n")

    @pytest.fixture(scope="class")
    def pk(self, h):
        return add_pk_client(h)

    def test_metadata(self, h):
        md = metadata(h)
        for endpoint in ("token_endpoint", "introspection_endpoint",
                         "revocation_endpoint"):
            assert "private_key_jwt" in \
                md[endpoint + "_auth_methods_supported"], md
            assert md[endpoint + "_auth_signing_alg_values_supported"] == \
                ["ES256", "RS256"], md

    def test_admin_shows_keys(self, h, pk):
        out = admin(h, "client", "show", pk.client_id).stdout
        assert "auth_method: private_key_jwt" in out, out
        assert '"kid":"%s"' % pk.kid in out, out
        # nothing to rotate
        p = admin(h, "client", "rotate-secret", pk.client_id, check=False)
        assert p.returncode != 0 and "no secret" in p.stderr, p.stderr

    @pytest.mark.parametrize("alg", ["ES256", "RS256"])
    def test_client_credentials(self, h, alg):
        c = add_pk_client(h, alg=alg)
        body = assert_token_ok(with_assertion(h, assertion(h, c)))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["client_id"] == c.client_id
        assert claims["sub"] == c.client_id
        assert api(h, body["access_token"]).status_code == 200

    def test_audiences(self, h, pk):
        """The issuer and the token endpoint everywhere; an endpoint's own
        URL there; an array naming one of them."""
        token_ep = h.issuer + "/oauth2/token"
        assert_token_ok(with_assertion(h, assertion(h, pk, aud=token_ep)))
        assert_token_ok(with_assertion(
            h, assertion(h, pk, aud=["https://else.example", h.issuer])))
        body = assert_token_ok(with_assertion(h, assertion(h, pk)))
        at = body["access_token"]
        for endpoint in ("introspect", "revoke"):
            url = h.issuer + "/oauth2/" + endpoint
            # not at the token endpoint
            r = with_assertion(h, assertion(h, pk, aud=url))
            assert_refused(h, r, "OA2-01617")
            for aud in (url, h.issuer, token_ep):
                r = with_assertion(h, assertion(h, pk, aud=aud),
                                   {"token": at}, endpoint=endpoint)
                assert r.status_code == 200, (endpoint, aud, r.text)
        assert with_assertion(h, assertion(h, pk), {"token": at},
                              endpoint="introspect").json() == \
            {"active": False}

    def test_pushed_request(self, h, pk):
        """RFC 9126 §2: the PAR endpoint's own URL is an audience there."""
        f = Flow(h, pk)
        params = {k: v for k, v in f.params.items()}
        r = with_assertion(h, assertion(h, pk, aud=h.issuer + "/oauth2/par"),
                           params, endpoint="par")
        uri = assert_pushed(r)
        page = f.consent_page(query=urllib.parse.urlencode(
            {"client_id": pk.client_id, "request_uri": uri}))
        r = f.post(page)
        code = f.redirect_query(r)["code"]
        tokens.register(code)
        body = assert_token_ok(with_assertion(h, assertion(h, pk), {
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": CB, "code_verifier": f.verifier}))
        assert "refresh_token" in body

    def test_code_flow_and_refresh(self, h, pk):
        f = Flow(h, pk)
        code = f.code()
        body = assert_token_ok(with_assertion(h, assertion(h, pk), {
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": CB, "code_verifier": f.verifier}))
        assert_token_ok(with_assertion(h, assertion(h, pk), {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"]}))

    # -- attacks --

    def test_replay(self, h, pk):
        a = assertion(h, pk)
        assert_token_ok(with_assertion(h, a))
        line = assert_refused(h, with_assertion(h, a), "OA2-01624")
        assert "already used" in line
        # also at another endpoint
        assert_refused(h, with_assertion(h, a, {"token": "x"},
                                         endpoint="introspect"),
                       "OA2-01624")
        # the jti is stored as its hash only
        rows = h.store.rows("SELECT client_id, jti_hash FROM "
                            "oa2_client_assertions WHERE issuer = ?",
                            (h.issuer,))
        jti = jwt.decode(a, options={"verify_signature": False})["jti"]
        mine = [r for r in rows if r[0] == pk.client_id]
        assert mine and all(len(r[1]) == 64 and r[1] != jti for r in mine)

    @pytest.mark.parametrize("kind,over,log_id", [
        ("aud of another issuer", {"aud": "https://other-issuer.example"},
         "OA2-01617"),
        ("no aud", {"drop": ("aud",)}, "OA2-01617"),
        ("expired", {"exp": -120}, "OA2-01619"),
        ("exp too far ahead", {"exp": 3600}, "OA2-01620"),
        ("no exp", {"drop": ("exp",)}, "OA2-01618"),
        ("no jti", {"drop": ("jti",)}, "OA2-01623"),
        ("nbf ahead", {"nbf": int(time.time()) + 3600}, "OA2-01621"),
        ("iss is not sub", {"iss": "someone-else"}, "OA2-01616"),
        ("alg none", {"alg": "none"}, "OA2-01627"),
        ("typ at+jwt", {"headers": {"typ": "at+jwt"}}, "OA2-01626"),
        ("unknown kid", {"kid": "not-mine"}, "OA2-01634"),
    ])
    def test_refused(self, h, pk, kind, over, log_id):
        assert_refused(h, with_assertion(h, assertion(h, pk, **over)),
                       log_id)

    def test_wrong_key(self, h, pk):
        other = new_key()
        assert_refused(h, with_assertion(h, assertion(h, pk, key=other)),
                       "OA2-01625")
        # without a kid: no key of the client verifies it
        assert_refused(h, with_assertion(h, assertion(h, pk, key=other,
                                                      kid=None)),
                       "OA2-01625")

    def test_hs256_with_the_public_key(self, h, pk):
        """The old confusion: an HMAC keyed with the client's public key."""
        pem = pk.key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        now = int(time.time())
        claims = {"iss": pk.client_id, "sub": pk.client_id, "aud": h.issuer,
                  "exp": now + 60, "jti": secrets.token_urlsafe(8)}
        signing_input = ".".join([
            tokens.b64u_json({"alg": "HS256", "kid": pk.kid}),
            tokens.b64u_json(claims)])
        mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
        token = signing_input + "." + tokens.b64u(mac)
        tokens.register(token)
        assert_refused(h, with_assertion(h, token), "OA2-01627")

    def test_secret_by_a_key_client(self, h, pk):
        """The registered method and no other: a made-up client_secret,
        in the body or a Basic header, is another method."""
        r = h.session.post(h.url(ep(h, "token")), data={
            "grant_type": "client_credentials", "client_id": pk.client_id,
            "client_secret": "guess"}, timeout=10)
        line = assert_refused(h, r, "OA2-00820")
        assert "registered for private_key_jwt, used client_secret_post" \
            in line, line
        r = h.session.post(h.url(ep(h, "token")), data={
            "grant_type": "client_credentials"},
            auth=(pk.client_id, "guess"), timeout=10)
        assert_refused(h, r, "OA2-00820")
        r = h.session.post(h.url(ep(h, "token")), data={
            "grant_type": "client_credentials", "client_id": pk.client_id},
            timeout=10)
        assert_refused(h, r, "OA2-00820")

    def test_two_methods(self, h, pk):
        r = with_assertion(h, assertion(h, pk), {
            "grant_type": "client_credentials", "client_secret": "x"})
        assert_refused(h, r, "OA2-01610", 400, "invalid_request")
        r = with_assertion(h, assertion(h, pk), auth=(pk.client_id, "x"))
        assert_refused(h, r, "OA2-01610", 400, "invalid_request")

    def test_other_clients(self, h, pk):
        # a client_id that is not the assertion's
        other = add_pk_client(h)
        r = with_assertion(h, assertion(h, pk), client_id=other.client_id)
        assert_refused(h, r, "OA2-01614")
        # one client's assertion under another's name and key id
        r = with_assertion(h, assertion(h, pk, iss=other.client_id,
                                        sub=other.client_id))
        assert_refused(h, r, "OA2-01634")
        # an unknown one; a client with a secret
        r = with_assertion(h, assertion(h, pk, iss="nobody", sub="nobody"))
        assert_refused(h, r, "OA2-01615")
        secret_client = admin(h, "client", "add", "secret client",
                              "--grant", "client_credentials").stdout
        cid = secret_client.split("client_id:")[1].split()[0]
        tokens.register(secret_client.split("client_secret:")[1].split()[0])
        r = with_assertion(h, assertion(h, pk, iss=cid, sub=cid))
        assert_refused(h, r, "OA2-00820")

    def test_registered_signing_alg(self, h):
        key = new_key("RS256")
        ec_key = new_key()
        c = add_pk_client(h, jwks=jwk_set(public_jwk(key, "r"),
                                          public_jwk(ec_key, "e")))
        reg = admin(h, "client", "show", c.client_id).stdout
        assert "token_endpoint_auth_signing_alg" not in reg
        # registered through dynamic registration with RS256 only
        r = h.session.post(h.url(ep(h, "register")), json={
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "RS256",
            "jwks": jwk_set(public_jwk(key, "r"), public_jwk(ec_key, "e"))},
            timeout=10)
        assert r.status_code == 201, r.text
        d = PkClient(r.json()["client_id"], ec_key, "e")
        assert_refused(h, with_assertion(h, assertion(h, d)), "OA2-01628")
        d.key, d.kid, d.alg = key, "r", "RS256"
        assert_token_ok(with_assertion(h, assertion(h, d)))


class TestOauth4webapi:
    """npm's oauth4webapi with oauth.PrivateKeyJwt: the code flow with
    PKCE (plain and pushed), a refresh, client_credentials, then
    introspection and revocation, each request with its own assertion
    (aud the issuer, exp 60 s, jti random)."""

    @pytest.fixture(scope="class")
    def hn(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-pkjwt-node",
                        modules=("socache_shmcb",))

    @pytest.mark.parametrize("alg", ["ES256", "RS256"])
    def test_client_credentials(self, node_client, hn, alg):  # noqa: F811
        c = add_pk_client(hn, alg=alg)
        result = run_pkjwt(node_client, hn, c, "client_credentials")
        assert "error" not in result, result
        assert result["tokens"]["token_type"] == "bearer"
        assert result["introspection"]["active"] is True
        assert result["introspection"]["client_id"] == c.client_id
        assert result["revoked"] is True

    @pytest.mark.parametrize("par", [False, True], ids=["plain", "pushed"])
    def test_code_flow(self, node_client, hn, par):  # noqa: F811
        c = add_pk_client(hn)
        result = run_pkjwt(node_client, hn, c, "code", par=par)
        assert "error" not in result, result
        _, claims = verify_access_token(hn, result["tokens"]["access_token"])
        assert claims["sub"] == "alice" and claims["client_id"] == \
            c.client_id
        assert result["refreshed"]["refresh_token"] != \
            result["tokens"]["refresh_token"]
        assert result["introspection"]["active"] is True

    def test_key_without_kid(self, node_client, hn):  # noqa: F811
        """No kid in the header: each key of the alg is tried."""
        key = new_key()
        c = add_pk_client(hn, jwks=jwk_set(public_jwk(new_key(), "old"),
                                           public_jwk(key)))
        c.key, c.kid = key, None
        result = run_pkjwt(node_client, hn, c, "client_credentials")
        assert "error" not in result, result

    def test_wrong_key_is_refused(self, node_client, hn):  # noqa: F811
        c = add_pk_client(hn)
        c.key = new_key()
        result = run_pkjwt(node_client, hn, c, "client_credentials")
        assert result["error"].get("error") == "invalid_client", result
        assert result["error"]["status"] == 401, result
        assert "OA2-01625" in hn.new_log()


class TestRegistration:
    """RFC 7591 with private_key_jwt: no secret issued; the keys checked."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-pkjwt-register",
                        modules=("socache_shmcb",))

    def register(self, h, body):
        return h.session.post(h.url(ep(h, "register")), json=body,
                              timeout=10)

    def test_registered_and_used(self, h):
        key = new_key()
        r = self.register(h, {
            "redirect_uris": [CB], "grant_types": list(GRANTS),
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": jwk_set(public_jwk(key, "mine"))})
        assert r.status_code == 201, r.text
        body = r.json()
        assert "client_secret" not in body, body
        assert "client_secret_expires_at" not in body, body
        assert body["token_endpoint_auth_method"] == "private_key_jwt"
        assert body["jwks"]["keys"][0]["kid"] == "mine"
        c = PkClient(body["client_id"], key, "mine")
        assert_token_ok(with_assertion(h, assertion(h, c)))

    @pytest.mark.parametrize("kind,over,log_id", [
        ("no keys", {}, "OA2-01607"),
        ("both", {"jwks": "ec", "jwks_uri": "https://client.example/jwks"},
         "OA2-01605"),
        ("a private key", {"jwks": "private"}, "OA2-01601"),
        ("a secret key", {"jwks": {"keys": [{"kty": "oct",
                                              "k": "c2VjcmV0"}]}},
         "OA2-01601"),
        ("no usable key", {"jwks": {"keys": [{"kty": "EC", "crv": "P-256",
                                              "x": "x", "y": "y"}]}},
         "OA2-01603"),
        ("http jwks_uri", {"jwks_uri": "http://client.example/jwks"},
         "OA2-01604"),
        ("HS256", {"jwks": "ec", "token_endpoint_auth_signing_alg": "HS256"},
         "OA2-01606"),
    ])
    def test_refused(self, h, kind, over, log_id):
        key = new_key()
        body = {"redirect_uris": [CB],
                "token_endpoint_auth_method": "private_key_jwt"}
        for k, v in over.items():
            if v == "ec":
                v = jwk_set(public_jwk(key, "k"))
            elif v == "private":
                v = jwk_set(private_jwk(key, "k"))
            body[k] = v
        r = self.register(h, body)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_client_metadata", r.text
        assert log_id in h.new_log(), h.new_log()[-2000:]

    def test_admin_refusals(self, h):
        key = new_key()
        for args, says in [
                (["--auth-method", "private_key_jwt"], "needs the client's"),
                (["--auth-method", "private_key_jwt", "--jwks-uri",
                  "https://a.example/j", "--jwks-file", "/dev/null"],
                 "not both"),
                (["--auth-method", "private_key_jwt", "--jwks-uri",
                  "http://client.example/jwks"], "jwks_uri must be"),
                (["--auth-method", "private_key_jwt", "--jwks-file",
                  str(h.write_file("pk/private.json", json.dumps(
                      jwk_set(private_jwk(key, "k")))))],
                 "public keys only")]:
            p = admin(h, "client", "add", "x", "--grant",
                      "client_credentials", *args, check=False)
            assert p.returncode != 0, (args, p.stdout)
            assert says in p.stderr, (args, p.stderr)
            assert "client_id" not in p.stdout


class TestJwksUri:
    """Keys at a jwks_uri: fetched once, kept in the token cache, fetched
    again for a new kid (a rotation), at most once a minute."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-pkjwt-uri",
                        modules=("socache_shmcb",))

    def test_rotation(self, h, docs):
        path = new_path("jwks")
        a, b, c = new_key(), new_key(), new_key()
        docs.json(path, jwk_set(public_jwk(a, "a")))
        client = add_pk_client(h, jwks_uri=docs.url(path))
        client.key, client.kid = a, "a"
        assert_token_ok(with_assertion(h, assertion(h, client)))
        assert docs.hits(path) == 1
        assert_token_ok(with_assertion(h, assertion(h, client)))
        assert docs.hits(path) == 1
        # the client adds b and signs with it: fetched again
        docs.json(path, jwk_set(public_jwk(a, "a"), public_jwk(b, "b")))
        assert_token_ok(with_assertion(h, assertion(h, client, key=b,
                                                    kid="b")))
        assert docs.hits(path) == 2
        # a kid it does not publish, within the minute: not fetched again
        docs.json(path, jwk_set(public_jwk(b, "b"), public_jwk(c, "c")))
        assert_refused(h, with_assertion(h, assertion(h, client, key=c,
                                                      kid="c")),
                       "OA2-01634")
        assert docs.hits(path) == 2
        # the keys the cache holds still work
        assert_token_ok(with_assertion(h, assertion(h, client)))

    def test_registered_by_the_client(self, h, docs):
        path = new_path("jwks")
        key = new_key("RS256")
        docs.json(path, jwk_set(public_jwk(key, "r1", use="sig")),
                   headers={"Cache-Control": "max-age=120"})
        r = h.session.post(h.url(ep(h, "register")), json={
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": docs.url(path)}, timeout=10)
        assert r.status_code == 201, r.text
        assert "client_secret" not in r.json()
        c = PkClient(r.json()["client_id"], key, "r1", "RS256")
        assert_token_ok(with_assertion(h, assertion(h, c)))
        assert docs.hits(path) == 1

    @pytest.mark.parametrize("kind,serve,log_id", [
        ("404", (404, "gone"), "OA2-01631"),
        ("not JSON", (200, "<html>"), "OA2-01632"),
        ("a private key", (200, "private"), "OA2-01632"),
        ("no server", None, "OA2-01630"),
    ])
    def test_unusable(self, h, docs, kind, serve, log_id):
        path = new_path("jwks")
        key = new_key()
        url = docs.url(path)
        if serve is None:
            url = "http://127.0.0.1:%d/jwks.json" % free_port()
        else:
            status, body = serve
            if body == "private":
                body = jwk_set(private_jwk(key, "k"))
            docs.json(path, body, status=status)
        client = add_pk_client(h, jwks_uri=url)
        client.key, client.kid = key, "k"
        line = assert_refused(h, with_assertion(h, assertion(h, client)),
                              log_id)
        assert url in line, line


class TestClientMetadataDocument:
    """A client ID metadata document may ask for private_key_jwt with its
    own keys (SPEC: none or private_key_jwt)."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-pkjwt-cimd",
                        modules=("socache_shmcb",),
                        extra="OAuth2ClientMetadataDocuments on\n")

    def test_document_with_jwks_uri(self, h, docs):
        key = new_key()
        keys_path, path = new_path("keys"), new_path()
        url = docs.url(path)
        docs.json(keys_path, jwk_set(public_jwk(key, "d1")))
        docs.json(path, document(
            url, token_endpoint_auth_method="private_key_jwt",
            jwks_uri=docs.url(keys_path)))
        client = PkClient(url, key, "d1")
        f = Flow(h, client)
        code = f.code()
        r = h.session.post(h.url(ep(h, "token")), data={
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": CB, "code_verifier": f.verifier,
            "client_id": url}, timeout=10)
        # its client_id alone is not enough any more
        assert_refused(h, r, "OA2-00820")
        f = Flow(h, client)
        body = assert_token_ok(with_assertion(h, assertion(h, client), {
            "grant_type": "authorization_code", "code": f.code(),
            "redirect_uri": CB, "code_verifier": f.verifier}))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["client_id"] == url
        row = h.store.rows("SELECT auth_method, secret_hash FROM oa2_clients "
                           "WHERE client_id = ?", (url,))
        assert [tuple(x) for x in row] == [("private_key_jwt", "")], row

    def test_document_without_keys(self, h, docs):
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(
            url, token_endpoint_auth_method="private_key_jwt"))
        r = Flow(h, PkClient(url, None, None)).get()
        assert r.status_code == 400, r.text[:300]
        assert "OA2-01608" in h.new_log()


# ---- databases of the release before -------------------------------------

class AssertionTable(AddedTable):
    TABLE = "oa2_client_assertions"

    @staticmethod
    def use_table(h):
        c = add_pk_client(h)
        a = assertion(h, c)
        assert_token_ok(with_assertion(h, a))
        assert_refused(h, with_assertion(h, a), "OA2-01624")


class TestUpgrade(AssertionTable, UpgradeAddsTable):
    pass


class TestLeastPrivilegeWithoutTable(AssertionTable,
                                     LeastPrivilegeWithoutTable):
    pass
