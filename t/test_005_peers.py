# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The peers of the "tokens from other issuers" tests, tested on their
own (no httpd): the foreign issuer (foreign.py, node-oidc-provider) and
the hostile server (hostile.py). What the later tests rely on them for
is checked here, so that a failure there is the module's.

The foreign issuer's tests skip without Node.js 20+ and npm, and fail
instead under OA2_NODE_CLIENT=required (nodejs.py).
"""

import socket
import ssl
import time

import jwt
import pytest
import requests

import tokens
from foreign import (APP, OPAQUE_RESOURCE, RESOURCE, RESOURCES, RS, Client,
                     ec_key, public_jwk, rsa_key)

# no httpd, no store: once (on sqlite3) is enough
pytestmark = pytest.mark.sqlite_only("the test peers, without a store")

OTHER = Client("other", "other-secret-0123456789")
RSA_RESOURCE = "https://rs.test/rsa"
# RFC 9068 §2.2 claims as node-oidc-provider 9.13.3 sets them for
# client_credentials (sub is the client_id)
JWT_CLAIMS = {"iss", "sub", "aud", "exp", "iat", "jti", "client_id"}


def http():
    s = requests.Session()
    s.trust_env = False
    return s


def is_jwt(token):
    return token.count(".") == 2


class TestForeignIssuer:

    @pytest.fixture(scope="class")
    def f(self, foreign_factory):
        f = foreign_factory(
            keys=[ec_key("ec-a"), rsa_key("rsa-a")],
            clients=[APP, RS, OTHER],
            resources=dict(RESOURCES, **{RSA_RESOURCE: {
                "format": "jwt", "scope": "read", "alg": "RS256"}}))
        f.keys = f.config["keys"]
        return f

    def verify(self, f, token, kid):
        jwk = next(k for k in f.jwks()["keys"] if k["kid"] == kid)
        return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]],
                          audience=jwt.decode(token, options={
                              "verify_signature": False})["aud"],
                          issuer=f.issuer)

    def test_discovery(self, f):
        with http() as s:
            r = s.get(f.metadata_url, timeout=10)
            rfc8414 = s.get(f.url("/.well-known/oauth-authorization-server"),
                            timeout=10)
        assert r.status_code == 200
        assert "Cache-Control" not in r.headers
        meta = r.json()
        assert meta["issuer"] == f.issuer == "http://127.0.0.1:%d" % f.port
        assert meta["jwks_uri"] == f.jwks_uri == f.issuer + "/jwks"
        assert meta["token_endpoint"] == f.token_endpoint
        assert meta["introspection_endpoint"] == f.introspection_endpoint
        assert meta["revocation_endpoint"] == f.revocation_endpoint
        assert rfc8414.json() == meta

    def test_jwks(self, f):
        with http() as s:
            r = s.get(f.jwks_uri, timeout=10)
        assert r.headers["Content-Type"].startswith("application/jwk-set+json")
        assert "Cache-Control" not in r.headers
        assert r.json()["keys"] == [public_jwk(k) for k in f.keys]
        assert f.kids() == ["ec-a", "rsa-a"]

    def test_jwt_access_token(self, f):
        token = f.token(resource=RESOURCE, scope="read write admin")
        assert tokens.decode_part(token.split(".")[0]) == {
            "alg": "ES256", "typ": "at+jwt", "kid": "ec-a"}
        c = self.verify(f, token, "ec-a")
        assert set(c) == JWT_CLAIMS | {"scope"}
        assert c["iss"] == f.issuer and c["aud"] == RESOURCE
        assert c["client_id"] == c["sub"] == APP.client_id
        # a scope the resource does not have is dropped
        assert c["scope"] == "read write"
        assert c["exp"] - c["iat"] == 600

    def test_jwt_rs256_and_no_scope(self, f):
        token = f.token(resource=RSA_RESOURCE)
        assert tokens.decode_part(token.split(".")[0])["kid"] == "rsa-a"
        c = self.verify(f, token, "rsa-a")
        assert set(c) == JWT_CLAIMS and c["aud"] == RSA_RESOURCE

    def test_opaque_tokens_introspect(self, f):
        with_aud = f.token(resource=OPAQUE_RESOURCE, scope="read")
        without = f.token(scope="read")
        assert not is_jwt(with_aud) and not is_jwt(without)
        i = f.introspect(with_aud)
        assert i["active"] is True and i["token_type"] == "Bearer"
        assert i["iss"] == f.issuer and i["client_id"] == APP.client_id
        assert i["aud"] == OPAQUE_RESOURCE and i["scope"] == "read"
        assert i["exp"] - i["iat"] == 600
        assert "sub" not in i and "jti" not in i
        i = f.introspect(without)
        assert i["active"] is True and "aud" not in i
        assert i["scope"] == "read"

    def test_jwt_is_not_introspected(self, f):
        token = f.token(resource=RESOURCE)
        i = f.introspect(token)
        assert i["status"] == 400 and i["error"] == "unsupported_token_type"
        r = f.revoke(token)
        assert r.status_code == 400
        assert r.json()["error"] == "unsupported_token_type"

    def test_revoke(self, f):
        token = f.token(resource=OPAQUE_RESOURCE)
        assert f.introspect(token)["active"] is True
        r = f.revoke(token)
        assert r.status_code == 200 and r.text == ""
        assert f.introspect(token) == {"active": False}
        assert f.introspect("no-such-token") == {"active": False}

    def test_introspection_policy(self, f):
        token = f.token(resource=OPAQUE_RESOURCE)
        # a client sees its own tokens, not another's
        assert f.introspect(token, client=APP)["active"] is True
        assert f.introspect(token, client=OTHER) == {"active": False}
        i = f.introspect(token, client=Client(RS.client_id, "wrong"))
        assert i["status"] == 401 and i["error"] == "invalid_client"

    def test_counts(self, f):
        f.reset_counts()
        f.jwks()
        f.jwks()
        with http() as s:
            s.get(f.metadata_url + "?x=1", timeout=10)
        assert f.counts() == {"/jwks": 2,
                              "/.well-known/openid-configuration": 1}
        assert f.count("/jwks") == 2 and f.count("/token") == 0


class TestForeignRestart:

    def test_restart_rotates_keys(self, foreign_factory):
        k1, k2 = ec_key("k1"), ec_key("k2")
        f = foreign_factory("rotate", keys=[k1], cache_control="max-age=300")
        port, issuer = f.port, f.issuer
        with http() as s:
            assert s.get(f.jwks_uri, timeout=10).headers[
                "Cache-Control"] == "max-age=300"
            assert "Cache-Control" not in s.get(f.metadata_url,
                                                timeout=10).headers
        old = f.token(resource=RESOURCE)
        opaque = f.token(resource=OPAQUE_RESOURCE)
        assert tokens.decode_part(old.split(".")[0])["kid"] == "k1"
        # a new key first: it signs, the old one is still published
        f.restart(keys=[k2, k1])
        assert (f.port, f.issuer) == (port, issuer)
        assert f.kids() == ["k2", "k1"]
        assert f.counts() == {"/jwks": 1}  # a new process counts anew
        new = f.token(resource=RESOURCE)
        assert tokens.decode_part(new.split(".")[0])["kid"] == "k2"
        # the provider's store is in memory: a restart forgets tokens
        assert f.introspect(opaque) == {"active": False}
        f.restart(keys=[k2], cache_control=None)
        assert f.kids() == ["k2"]
        with http() as s:
            assert "Cache-Control" not in s.get(f.jwks_uri,
                                                timeout=10).headers

    def test_no_keys_is_refused(self, foreign_factory):
        with pytest.raises(ValueError):
            foreign_factory("nokeys", keys=[])


# ---- the hostile server ------------------------------------------------------

def raw(server, request=b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"):
    """A socket (TLS when the server is) that sent request."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    if server.tls:
        ctx = ssl.create_default_context(cafile=str(server.ca_path))
        sock = ctx.wrap_socket(sock, server_hostname="127.0.0.1")
    sock.sendall(request)
    return sock


def read_for(sock, seconds):
    """What sock sends within seconds."""
    got = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except (socket.timeout, ssl.SSLError):
            break
        if not chunk:
            break
        got += chunk
    return got


class TestHostile:

    @pytest.fixture(scope="class", params=["http", "https"])
    def hs(self, request, hostile_factory):
        return hostile_factory(tls=request.param == "https")

    @pytest.fixture
    def get(self, hs):
        def get(path, **kw):
            with http() as s:
                return s.get(hs.url(path), timeout=5, allow_redirects=False,
                             verify=str(hs.ca_path) if hs.tls else True,
                             **kw)
        return get

    def test_json_and_counts(self, hs, get):
        hs.json("/jwks", {"keys": []}, headers={"Cache-Control": "max-age=60"})
        before = hs.hits("/jwks")
        r = get("/jwks?q=1")
        assert r.status_code == 200 and r.json() == {"keys": []}
        assert r.headers["Content-Type"] == "application/json"
        assert r.headers["Cache-Control"] == "max-age=60"
        assert hs.hits("/jwks") == before + 1
        assert hs.requests[-1].query == "q=1"
        assert get("/nothing-here").status_code == 404

    def test_post_is_recorded(self, hs):
        hs.json("/introspect", {"active": True})
        with http() as s:
            r = s.post(hs.url("/introspect"), data={"token": "t"},
                       auth=("rs", "secret"), timeout=5,
                       verify=str(hs.ca_path) if hs.tls else True)
        assert r.json() == {"active": True}
        req = hs.requests[-1]
        assert (req.method, req.path, req.body) == ("POST", "/introspect",
                                                    b"token=t")
        assert req.headers["Authorization"] == "Basic cnM6c2VjcmV0"

    def test_status_and_redirect(self, hs, get):
        hs.status("/down", 503, b"down")
        assert get("/down").status_code == 503
        hs.redirect("/moved", "http://169.254.169.254/latest/meta-data/")
        r = get("/moved")
        assert r.status_code == 302
        assert r.headers["Location"] == \
            "http://169.254.169.254/latest/meta-data/"

    @pytest.mark.parametrize("chunked", [True, False],
                             ids=["chunked", "content-length"])
    def test_huge(self, hs, get, chunked):
        hs.huge("/huge", chunked=chunked)
        r = get("/huge", stream=True)
        try:
            if chunked:
                assert r.headers["Transfer-Encoding"] == "chunked"
                assert "Content-Length" not in r.headers
            else:
                assert r.headers["Content-Length"] == str(1 << 30)
            got = b""
            for chunk in r.iter_content(1 << 16):
                got += chunk
                if len(got) >= 4 << 20:
                    break
            assert got.startswith(b'{"keys":[') and len(got) >= 4 << 20
        finally:
            r.close()

    def test_slow_body(self, hs):
        hs.slow("/slow", interval=0.5)
        with raw(hs) as sock:
            got = read_for(sock, 1.2)
        head, _, body = got.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"Content-Length: 11" in head
        assert 1 <= len(body) <= 3, got

    def test_slow_headers(self, hs):
        hs.slow("/slowh", where="headers", interval=0.5)
        with raw(hs, b"GET /slowh HTTP/1.1\r\nHost: x\r\n\r\n") as sock:
            got = read_for(sock, 1.2)
        assert got.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"\r\n\r\n" not in got and len(got) <= 21, got

    def test_hangup(self, hs, get):
        hs.hangup("/hangup")
        with pytest.raises(requests.ConnectionError):
            get("/hangup")


class TestHostileTLS:

    def test_needs_its_ca(self, hostile_factory):
        hs = hostile_factory(tls=True)
        hs.json("/doc", {"a": 1})
        with http() as s:
            with pytest.raises(requests.exceptions.SSLError):
                s.get(hs.url("/doc"), timeout=5)
            assert s.get(hs.url("/doc"), timeout=5,
                         verify=str(hs.ca_path)).json() == {"a": 1}

    def test_other_name(self, hostile_factory):
        hs = hostile_factory(tls=True, names=("other.test",))
        hs.json("/doc", {"a": 1})
        with http() as s:
            with pytest.raises(requests.exceptions.SSLError,
                               match="other.test"):
                s.get(hs.url("/doc"), timeout=5, verify=str(hs.ca_path))


def test_hostile_stop_ends_what_is_endless(hostile_factory):
    """stop() must not wait for a slow or endless answer, and ends it."""
    hs = hostile_factory()
    hs.slow("/slow", interval=10)
    hs.huge("/huge", size=None)
    slow = raw(hs)
    huge = raw(hs, b"GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")
    read_for(slow, 0.3)
    huge.recv(100)
    t = time.monotonic()
    hs.stop()
    assert time.monotonic() - t < 2
    for sock in (slow, huge):
        sock.settimeout(5)
        try:
            while sock.recv(1 << 16):
                pass
        except ConnectionResetError:
            pass
        sock.close()
