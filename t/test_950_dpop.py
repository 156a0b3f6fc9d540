# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""DPoP (issue 15; SPEC.md "Sender-constrained tokens, client assertions,
pushed requests"; RFC 9449) on a real httpd.

npm's oauth4webapi is the client: a key pair of its own, DPoP proofs on
the token requests (code, refresh, client_credentials) and on the
requests to the protected location, the nonce retry of its
documentation. What it gets: access tokens of type DPoP bound to its key
(cnf.jkt), a public client's refresh token bound to the same key.

Then the attacks, each refused with RFC 9449's error and the log id
asserted, with proofs made here (PyJWT): a proof for another URL or
method, a replayed proof (on the same node, and on another node that
shares the token cache, memcached), a stale iat, a proof of another key
than the token's, an ath of another token, alg none or HS256, a private
key in the jwk, two proofs, a DPoP-bound token sent as a Bearer token, a
bearer token sent with the DPoP scheme, a missing or made-up nonce with
OAuth2DPoPNonce on. The checks one by one, the nonce window and the
thumbprint are in t/unit/test_dpop.c.
"""

import base64
import hashlib
import json
import secrets
import subprocess
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import tokens
from authserver import (ALICE, Flow, add_client, assert_token_error, ep,
                        introspect, start_as, token_request, user_agent)
from checks import (assert_invalid_token, assert_no_token, assert_ok,
                    dpop_challenges)
from httpd import Httpd
from test_940_par import assert_pushed, by_reference, code_of, push
from test_820_openid_clients import (NODE_CACHE, NODE_DIR, REDIRECT_URI,
                                     REGISTERED, node_client,  # noqa: F401
                                     query_of)
import nodejs

REALM = "rs.test"
API = "/api/data.txt"
ALGS = "ES256 RS256"


# ---- proofs ----------------------------------------------------------------

class ClientKey:
    """A DPoP key pair of a client (P-256 unless given)."""

    def __init__(self, priv=None, alg="ES256"):
        self.priv = priv or ec.generate_private_key(ec.SECP256R1())
        self.alg = alg
        self.jwk = tokens.public_jwk(self.priv.public_key())
        self.jkt = tokens.thumbprint(self.priv.public_key())


def ath_of(token):
    return tokens.b64u(hashlib.sha256(token.encode()).digest())


def proof(key, htm, htu, *, token=None, nonce=None, iat=None, jti=None,
          header=None, claims=None, signer=None):
    """A DPoP proof of key for htm htu (RFC 9449 §4.2); header and claims
    change the usual ones (None drops a member); signer signs instead of
    the key."""
    h = {"typ": "dpop+jwt", "jwk": key.jwk}
    c = {"jti": jti or secrets.token_urlsafe(16), "htm": htm, "htu": htu,
         "iat": int(time.time()) if iat is None else iat}
    if token is not None:
        c["ath"] = ath_of(token)
    if nonce is not None:
        c["nonce"] = nonce
    for d, over in ((h, header), (c, claims)):
        for k, v in (over or {}).items():
            if v is None:
                d.pop(k, None)
            else:
                d[k] = v
    alg = h.pop("alg", key.alg)
    out = jwt.encode(c, (signer or key).priv, algorithm=alg, headers=h)
    return tokens.register(out)


def unsigned_proof(key, alg, htu, signature=b"x"):
    """A proof whose header names alg (none, HS256) over a made-up
    signature."""
    return tokens.raw_token(
        {"typ": "dpop+jwt", "alg": alg, "jwk": key.jwk},
        {"jti": secrets.token_urlsafe(8), "htm": "POST", "htu": htu,
         "iat": int(time.time())}, signature)


def claims_of(token):
    return tokens.decode_part(token.split(".")[1])


# ---- requests --------------------------------------------------------------

def token_url(h):
    return h.url(ep(h, "token"))


def dpop_token_request(h, client, data, key=None, dpop=None, **kw):
    """A token request of client with a proof of key (or the DPoP header
    dpop as given)."""
    headers = dict(kw.pop("headers", None) or {})
    if dpop is None and key is not None:
        dpop = proof(key, "POST", token_url(h))
    if dpop is not None:
        headers["DPoP"] = dpop
    return token_request(h, client, data, headers=headers, **kw)


def assert_dpop_token(r, key=None):
    """A 200 token response of type DPoP, its access token bound to key."""
    assert r.status_code == 200, (r.status_code, r.text[:500])
    body = r.json()
    assert body["token_type"] == "DPoP", body
    if key is not None:
        assert claims_of(body["access_token"])["cnf"] == {"jkt": key.jkt}
    return body


def cc(h, client, key=None, **kw):
    return dpop_token_request(
        h, client, {"grant_type": "client_credentials", "scope": "read"},
        key=key, **kw)


def dpop_get(h, path, token, key=None, dpop=None, method="GET", **kw):
    """A request with `Authorization: DPoP token` and a proof of key for
    it (or the DPoP header dpop as given)."""
    headers = {"Authorization": "DPoP " + token}
    if dpop is None and key is not None:
        dpop = proof(key, method, h.url(path), token=token)
    if dpop is not None:
        headers["DPoP"] = dpop
    return h.get(path, headers=headers, method=method, **kw)


def assert_dpop_error(r, error, status=401, realm=REALM):
    """A refusal with a single DPoP challenge (RFC 9449 §7.1) of error."""
    assert r.status_code == status, (r.status_code, r.headers, r.text[:300])
    values = r.raw.headers.getlist("WWW-Authenticate")
    assert len(values) == 1, values
    (raw, params), = dpop_challenges(r)
    assert params.get("realm") == realm, raw
    assert params.get("error") == error, raw
    assert params.get("error_description"), raw
    return params


def start_dpop_as(httpd_factory, keys, name, extra="", modules=()):
    """An AS with the token cache (shmcb) and a protected /api."""
    h = start_as(httpd_factory, keys, name,
                 modules=("socache_shmcb",) + tuple(modules),
                 extra=extra,
                 files={"htdocs/api/index.html": "api index\n"})
    return h


# ---- oauth4webapi ----------------------------------------------------------

def run_dpop_client(node, h, client, mode, alg="ES256", scope="read",
                    bind=""):
    """t/oauth4webapi/dpop.mjs against h as client; code mode approves
    the consent page as alice (bind: its BIND). Its JSON result."""
    env = nodejs.env(OA2_NODE_MODULES=str(NODE_CACHE / "node_modules"),
                     ISSUER=h.issuer, CLIENT_ID=client.client_id,
                     CLIENT_SECRET=client.client_secret or "",
                     REDIRECT_URI=REDIRECT_URI, MODE=mode, SCOPE=scope,
                     RESOURCE=h.url(API), ALG=alg, BIND=bind)
    p = subprocess.Popen([node[0], str(NODE_DIR / "dpop.mjs")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env,
                         cwd=NODE_DIR)
    try:
        feed = None
        if mode == "code":
            first = json.loads(p.stdout.readline() or "{}")
            if "authorization_url" not in first:
                p.stdin.close()
                out, err = p.communicate(timeout=30)
                raise AssertionError("dpop.mjs: %r %s %s" % (first, out, err))
            location = user_agent(first["authorization_url"], ALICE)
            tokens.register(query_of(location).get("code"))
            feed = location + "\n"
        out, err = p.communicate(feed, timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, (p.returncode, out, err)
    result = json.loads(out)
    for t in result.get("tokens", []):
        for k in ("access_token", "refresh_token"):
            if t.get(k):
                tokens.register(t[k])
    return result


def assert_node_result(result, refreshed):
    assert "error" not in result, result
    want = 2 if refreshed else 1
    assert len(result["tokens"]) == want, result
    for t in result["tokens"]:
        assert t["token_type"].lower() == "dpop", t
        assert claims_of(t["access_token"])["cnf"] == {"jkt": result["jkt"]}
    assert result["resources"] == [{"status": 200, "body": "api data\n"}] \
        * want, result


class TestOauth4webapi:
    """The client library's flows, then what the AS stored and answers."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_dpop_as(httpd_factory, keys, "as-dpop-node")

    @pytest.mark.parametrize("alg", ["ES256", "RS256"])
    def test_code_flow_public_client(self, node_client, h, alg):  # noqa: F811
        c = add_client(h, redirect_uris=(REGISTERED,), scope="read",
                       grants=("authorization_code", "refresh_token"),
                       public=True)
        result = run_dpop_client(node_client, h, c, "code", alg=alg)
        assert_node_result(result, refreshed=True)
        assert result["retries"] == 0, result
        # the refresh token is bound: without a proof of the key, or with
        # another key's, it is refused (and stays usable)
        rt = result["tokens"][1]["refresh_token"]
        data = {"grant_type": "refresh_token", "refresh_token": rt}
        h.new_log()
        assert_token_error(dpop_token_request(h, c, data),
                           "invalid_dpop_proof")
        assert "OA2-01441" in h.new_log()
        assert_token_error(dpop_token_request(h, c, data, key=ClientKey()),
                           "invalid_grant")
        assert "OA2-01442" in h.new_log()

    def test_code_flow_confidential_client(self, node_client, h):  # noqa: F811
        c = add_client(h, redirect_uris=(REGISTERED,), scope="read")
        result = run_dpop_client(node_client, h, c, "code")
        assert_node_result(result, refreshed=True)
        # RFC 9449 §5: a confidential client's refresh token is not bound
        rt = result["tokens"][1]["refresh_token"]
        r = token_request(h, c, {"grant_type": "refresh_token",
                                 "refresh_token": rt})
        assert r.status_code == 200, r.text
        tokens.register(r.json()["access_token"])
        tokens.register(r.json()["refresh_token"])
        assert r.json()["token_type"] == "Bearer"

    def test_client_credentials(self, node_client, h):  # noqa: F811
        c = add_client(h, scope="read", grants=("client_credentials",))
        result = run_dpop_client(node_client, h, c, "client_credentials")
        assert_node_result(result, refreshed=False)

    @pytest.mark.parametrize("bind", ["jkt", "par"])
    def test_code_bound_to_the_key(self, node_client, h, bind):  # noqa: F811
        """RFC 9449 §10: dpop_jkt in the authorization request, or a proof
        at the pushed authorization request endpoint (§10.1): the stored
        code is bound to the client's key, which it then proves."""
        c = add_client(h, redirect_uris=(REGISTERED,), scope="read",
                       grants=("authorization_code", "refresh_token"),
                       public=True)
        result = run_dpop_client(node_client, h, c, "code", bind=bind)
        assert_node_result(result, refreshed=True)
        rows = h.store.rows("SELECT dpop_jkt FROM oa2_codes WHERE "
                            "client_id = ?", (c.client_id,))
        assert [tuple(r) for r in rows] == [(result["jkt"],)], rows

    def test_introspection_names_the_key(self, h):
        c = add_client(h, scope="read", grants=("client_credentials",))
        key = ClientKey()
        body = assert_dpop_token(cc(h, c, key), key)
        r = introspect(h, c, body["access_token"])
        assert r.status_code == 200, r.text
        # RFC 9449 §6.2
        doc = r.json()
        assert doc["active"] is True, doc
        assert doc["token_type"] == "DPoP", doc
        assert doc["cnf"] == {"jkt": key.jkt}, doc

    def test_metadata(self, h):
        for path in ("/.well-known/oauth-authorization-server",
                     "/.well-known/openid-configuration"):
            doc = h.get(path).json()
            assert doc["dpop_signing_alg_values_supported"] == \
                ["ES256", "RS256"], doc


# ---- the token endpoint ----------------------------------------------------

class TestTokenEndpoint:
    """Bad proofs at the token endpoint: 400 invalid_dpop_proof, no
    token."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_dpop_as(httpd_factory, keys, "as-dpop-token")

    @pytest.fixture(scope="class")
    def svc(self, h):
        return add_client(h, scope="read", grants=("client_credentials",))

    def refused(self, h, r, log_id, error="invalid_dpop_proof"):
        body = assert_token_error(r, error)
        assert body.get("error_description"), body
        assert log_id in h.new_log()

    def test_bearer_without_proof(self, h, svc):
        r = cc(h, svc)
        assert r.status_code == 200, r.text
        assert r.json()["token_type"] == "Bearer"
        assert "cnf" not in claims_of(r.json()["access_token"])

    def test_proof_for_another_url(self, h, svc):
        key = ClientKey()
        h.new_log()
        self.refused(h, cc(h, svc, dpop=proof(
            key, "POST", h.url(ep(h, "introspect")))), "OA2-01423")
        self.refused(h, cc(h, svc, dpop=proof(
            key, "POST", "https://evil.example/oauth2/token")), "OA2-01423")

    def test_proof_for_another_method(self, h, svc):
        self.refused(h, cc(h, svc, dpop=proof(ClientKey(), "GET",
                                              token_url(h))), "OA2-01422")

    def test_replayed_proof(self, h, svc):
        key = ClientKey()
        p = proof(key, "POST", token_url(h))
        assert_dpop_token(cc(h, svc, dpop=p), key)
        h.new_log()
        self.refused(h, cc(h, svc, dpop=p), "OA2-01433")

    def test_stale_and_future_iat(self, h, svc):
        key = ClientKey()
        now = int(time.time())
        self.refused(h, cc(h, svc, dpop=proof(key, "POST", token_url(h),
                                              iat=now - 120)), "OA2-01425")
        self.refused(h, cc(h, svc, dpop=proof(key, "POST", token_url(h),
                                              iat=now + 120)), "OA2-01426")

    def test_alg_none_and_hs256(self, h, svc):
        key = ClientKey()
        self.refused(h, cc(h, svc, dpop=unsigned_proof(key, "none",
                                                       token_url(h))),
                     "OA2-01414")
        self.refused(h, cc(h, svc, dpop=unsigned_proof(
            key, "HS256", token_url(h),
            tokens.hs256_signer(b"secret")(b"x"))), "OA2-01414")

    def test_private_key_in_jwk(self, h, svc):
        key = ClientKey()
        d = tokens.b64u(key.priv.private_numbers().private_value
                        .to_bytes(32, "big"))
        self.refused(h, cc(h, svc, dpop=proof(
            key, "POST", token_url(h),
            header={"jwk": dict(key.jwk, d=d)})), "OA2-01417")

    def test_wrong_typ_and_signature(self, h, svc):
        key = ClientKey()
        self.refused(h, cc(h, svc, dpop=proof(key, "POST", token_url(h),
                                              header={"typ": "JWT"})),
                     "OA2-01413")
        self.refused(h, cc(h, svc, dpop=proof(key, "POST", token_url(h),
                                              signer=ClientKey())),
                     "OA2-01421")

    def test_two_proofs(self, h, svc):
        key = ClientKey()
        body = "grant_type=client_credentials&scope=read"
        auth = base64.b64encode(("%s:%s" % svc.auth).encode()).decode()
        status, headers, data = h.raw("POST", ep(h, "token"), [
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", "Basic " + auth),
            ("DPoP", proof(key, "POST", token_url(h))),
            ("DPoP", proof(key, "POST", token_url(h)))], body.encode())
        assert status == 400, data
        assert json.loads(data)["error"] == "invalid_dpop_proof"
        assert "OA2-01411" in h.new_log()

    def test_dpop_bound_client(self, h):
        # registered with dpop_bound_access_tokens (RFC 9449 §5.2)
        r = h.session.post(h.url(ep(h, "register")), json={
            "client_name": "bound", "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "read", "dpop_bound_access_tokens": True}, timeout=10)
        assert r.status_code == 201, r.text
        reg = r.json()
        tokens.register(reg["client_secret"])
        assert reg["dpop_bound_access_tokens"] is True
        c = type("C", (), {})()
        c.client_id, c.client_secret = reg["client_id"], reg["client_secret"]
        c.public, c.auth_method = False, "client_secret_basic"
        c.auth = (c.client_id, c.client_secret)
        h.new_log()
        self.refused(h, cc(h, c), "OA2-01440")
        key = ClientKey()
        assert_dpop_token(cc(h, c, key), key)

    def test_dpop_bound_must_be_boolean(self, h):
        r = h.session.post(h.url(ep(h, "register")), json={
            "client_name": "x", "grant_types": ["client_credentials"],
            "dpop_bound_access_tokens": "yes"}, timeout=10)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_client_metadata"
        assert "OA2-01470" in h.new_log()

    def test_code_replay_of_a_refused_proof_keeps_the_code(self, h):
        """A refused proof does not consume the code: the grant runs only
        after the proof passed."""
        c = add_client(h, scope="read")
        key = ClientKey()
        f = Flow(h, c)
        code = f.code()
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": f.redirect_uri,
                "code_verifier": f.verifier}
        self.refused(h, dpop_token_request(
            h, c, data, dpop=proof(key, "GET", token_url(h))), "OA2-01422")
        body = assert_dpop_token(dpop_token_request(h, c, data, key=key),
                                 key)
        assert "refresh_token" in body


# ---- codes bound to a key (RFC 9449 §10) ----------------------------------

class TestCodeBinding:
    """dpop_jkt at the authorization endpoint, or a proof at the pushed
    authorization request endpoint, binds the code: its redemption must
    prove that key. Refused: no proof (invalid_dpop_proof), a proof of
    another key (invalid_grant), and the code is then used up; a
    malformed dpop_jkt; a consent form whose dpop_jkt was changed or
    dropped (its csrf_token binds it); at the pushed request endpoint, a
    dpop_jkt beside a proof of another key, and a bad proof."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_dpop_as(httpd_factory, keys, "as-dpop-code")

    @pytest.fixture(scope="class")
    def c(self, h):
        return add_client(h, scope="read")

    @staticmethod
    def redeem(h, c, f, code, key=None, **kw):
        return dpop_token_request(h, c, {
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": f.redirect_uri, "code_verifier": f.verifier},
            key=key, **kw)

    def test_dpop_jkt_binds_the_code(self, h, c):
        key = ClientKey()
        f = Flow(h, c, dpop_jkt=key.jkt)
        # through the consent page: its form carries dpop_jkt
        body = assert_dpop_token(self.redeem(h, c, f, f.code(), key), key)
        assert_ok(dpop_get(h, API, body["access_token"], key))

    def test_without_a_proof(self, h, c):
        f = Flow(h, c, dpop_jkt=ClientKey().jkt)
        code = f.code()
        h.new_log()
        assert_token_error(self.redeem(h, c, f, code), "invalid_dpop_proof")
        assert "OA2-01443" in h.new_log()

    def test_proof_of_another_key_uses_the_code_up(self, h, c):
        key = ClientKey()
        f = Flow(h, c, dpop_jkt=key.jkt)
        code = f.code()
        h.new_log()
        assert_token_error(self.redeem(h, c, f, code, ClientKey()),
                           "invalid_grant")
        assert "OA2-01444" in h.new_log()
        # single use, whatever happened to its first use
        assert_token_error(self.redeem(h, c, f, code, key), "invalid_grant")

    def test_malformed_dpop_jkt(self, h, c):
        f = Flow(h, c, dpop_jkt="not-a-thumbprint")
        r = f.get()
        assert r.status_code == 302, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert q["error"] == "invalid_request" and q["state"] == f.state, q
        assert "OA2-01445" in h.new_log()

    @pytest.mark.parametrize("change", ["replace", "drop"])
    def test_consent_form_binds_dpop_jkt(self, h, c, change):
        f = Flow(h, c, dpop_jkt=ClientKey().jkt, prompt="consent")
        page = f.consent_page()
        assert page.field("dpop_jkt") == f.params["dpop_jkt"]
        if change == "replace":
            r = f.post(page, replace={"dpop_jkt": ClientKey().jkt})
        else:
            r = f.post(page, drop=("dpop_jkt",))
        assert r.status_code == 403, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        assert "OA2-00321" in h.new_log()

    def test_proof_at_par_binds_the_code(self, h, c):
        key = ClientKey()
        f = Flow(h, c, prompt="consent")
        uri = assert_pushed(push(h, c, f.params, headers={
            "DPoP": proof(key, "POST", h.url(ep(h, "par")))}))
        code = code_of(f, f.post(f.consent_page(query=by_reference(c, uri))))
        h.new_log()
        assert_token_error(self.redeem(h, c, f, code, ClientKey()),
                           "invalid_grant")
        assert "OA2-01444" in h.new_log()
        f = Flow(h, c, prompt="consent")
        uri = assert_pushed(push(h, c, f.params, headers={
            "DPoP": proof(key, "POST", h.url(ep(h, "par")))}))
        code = code_of(f, f.post(f.consent_page(query=by_reference(c, uri))))
        assert_dpop_token(self.redeem(h, c, f, code, key), key)

    def test_dpop_jkt_at_par(self, h, c):
        key = ClientKey()
        f = Flow(h, c, dpop_jkt=key.jkt, prompt="consent")
        uri = assert_pushed(push(h, c, f.params))
        code = code_of(f, f.post(f.consent_page(query=by_reference(c, uri))))
        assert_token_error(self.redeem(h, c, f, code), "invalid_dpop_proof")
        f = Flow(h, c, dpop_jkt=key.jkt, prompt="consent")
        uri = assert_pushed(push(h, c, f.params, headers={
            "DPoP": proof(key, "POST", h.url(ep(h, "par")))}))
        code = code_of(f, f.post(f.consent_page(query=by_reference(c, uri))))
        assert_dpop_token(self.redeem(h, c, f, code, key), key)

    def test_par_dpop_jkt_of_another_key(self, h, c):
        f = Flow(h, c, dpop_jkt=ClientKey().jkt)
        h.new_log()
        r = push(h, c, f.params, headers={
            "DPoP": proof(ClientKey(), "POST", h.url(ep(h, "par")))})
        assert_token_error(r, "invalid_request")
        assert "OA2-01446" in h.new_log()

    def test_bad_proof_at_par(self, h, c):
        f = Flow(h, c)
        h.new_log()
        r = push(h, c, f.params, headers={
            "DPoP": proof(ClientKey(), "POST", token_url(h))})
        assert_token_error(r, "invalid_dpop_proof")
        assert "OA2-01423" in h.new_log()


# ---- the resource server ---------------------------------------------------

class TestResourceServer:
    """AuthType OAuth2 with the DPoP scheme: 401 invalid_dpop_proof for a
    bad proof, invalid_token for a token bound to another key or sent
    with the other scheme."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_dpop_as(httpd_factory, keys, "as-dpop-rs")

    @pytest.fixture(scope="class")
    def bound(self, h):
        """(key, token): a DPoP-bound access token of scope read."""
        c = add_client(h, scope="read write", grants=("client_credentials",))
        key = ClientKey()
        return key, assert_dpop_token(cc(h, c, key), key)["access_token"]

    @pytest.fixture(scope="class")
    def bearer(self, h):
        c = add_client(h, scope="read", grants=("client_credentials",))
        r = cc(h, c)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def test_dpop_token_accepted(self, h, bound):
        key, token = bound
        r = dpop_get(h, API, token, key)
        assert_ok(r, "api data\n")
        # and again with a fresh proof (a validated-token cache hit: the
        # proof is checked each time)
        assert_ok(dpop_get(h, API, token, key), "api data\n")
        # HEAD and a directory index (a subrequest: the same proof)
        assert_ok(dpop_get(h, "/api/", token, key), "api index\n")

    def test_no_token_offers_both_schemes(self, h):
        r = h.get(API)
        assert_no_token(r, REALM)

    def test_proof_for_another_url_or_method(self, h, bound):
        key, token = bound
        h.new_log()
        assert_dpop_error(dpop_get(h, API, token, dpop=proof(
            key, "GET", h.url("/api/other"), token=token)),
            "invalid_dpop_proof")
        assert "OA2-01423" in h.new_log()
        assert_dpop_error(dpop_get(h, API, token, dpop=proof(
            key, "POST", h.url(API), token=token)), "invalid_dpop_proof")
        assert "OA2-01422" in h.new_log()

    def test_replayed_proof(self, h, bound):
        key, token = bound
        p = proof(key, "GET", h.url(API), token=token)
        assert_ok(dpop_get(h, API, token, dpop=p))
        h.new_log()
        assert_dpop_error(dpop_get(h, API, token, dpop=p),
                          "invalid_dpop_proof")
        assert "OA2-01433" in h.new_log()

    def test_stale_iat(self, h, bound):
        key, token = bound
        assert_dpop_error(dpop_get(h, API, token, dpop=proof(
            key, "GET", h.url(API), token=token,
            iat=int(time.time()) - 300)), "invalid_dpop_proof")
        assert "OA2-01425" in h.new_log()

    def test_proof_of_another_key(self, h, bound):
        _, token = bound
        assert_dpop_error(dpop_get(h, API, token, ClientKey()),
                          "invalid_token")
        assert "OA2-01432" in h.new_log()

    def test_ath_of_another_token(self, h, bound, bearer):
        key, token = bound
        assert_dpop_error(dpop_get(h, API, token, dpop=proof(
            key, "GET", h.url(API), token=bearer)), "invalid_dpop_proof")
        assert "OA2-01428" in h.new_log()
        assert_dpop_error(dpop_get(h, API, token, dpop=proof(
            key, "GET", h.url(API))), "invalid_dpop_proof")
        assert "OA2-01427" in h.new_log()

    def test_dpop_token_as_bearer(self, h, bound):
        _, token = bound
        r = h.get(API, token=token)
        params = assert_invalid_token(r, REALM)
        assert "DPoP" in params["error_description"], params
        assert "OA2-01451" in h.new_log()

    def test_bearer_token_with_dpop_scheme(self, h, bearer):
        assert_dpop_error(dpop_get(h, API, bearer, ClientKey()),
                          "invalid_token")
        assert "OA2-01452" in h.new_log()
        # and as a Bearer token it is fine
        assert_ok(h.get(API, token=bearer))

    def test_no_proof_and_two_proofs(self, h, bound):
        key, token = bound
        assert_dpop_error(dpop_get(h, API, token), "invalid_dpop_proof")
        assert "OA2-01410" in h.new_log()
        status, headers, body = h.raw("GET", API, [
            ("Authorization", "DPoP " + token),
            ("DPoP", proof(key, "GET", h.url(API), token=token)),
            ("DPoP", proof(key, "GET", h.url(API), token=token))])
        assert status == 401, body
        www = [v for k, v in headers if k.lower() == "www-authenticate"]
        assert len(www) == 1 and www[0].startswith("DPoP "), www
        assert 'error="invalid_dpop_proof"' in www[0], www
        assert 'algs="ES256 RS256"' in www[0], www
        assert "OA2-01411" in h.new_log()

    @pytest.mark.log_allow(r"AH01631")
    def test_insufficient_scope_names_the_scheme(self, h):
        c = add_client(h, scope="write", grants=("client_credentials",))
        key = ClientKey()
        r = dpop_token_request(h, c, {"grant_type": "client_credentials",
                                      "scope": "write"}, key=key)
        token = assert_dpop_token(r, key)["access_token"]
        params = assert_dpop_error(dpop_get(h, API, token, key),
                                   "insufficient_scope", status=403)
        assert params.get("scope") == "read", params

    def test_malformed_dpop_credentials(self, h):
        r = h.get(API, headers={"Authorization": "DPoP a b"})
        assert r.status_code == 400, r.text
        www = r.headers["WWW-Authenticate"]
        assert www.startswith("DPoP ") and "invalid_request" in www, www


class TestUserinfo:
    """The UserInfo endpoint is a protected resource too: DPoP there, and
    no DPoP-bound token as Bearer."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_dpop_as(httpd_factory, keys, "as-dpop-userinfo")

    def test_userinfo(self, h):
        c = add_client(h, scope="openid read")
        key = ClientKey()
        f = Flow(h, c, scope="openid")
        code = f.code()
        body = assert_dpop_token(dpop_token_request(
            h, c, {"grant_type": "authorization_code", "code": code,
                   "redirect_uri": f.redirect_uri,
                   "code_verifier": f.verifier}, key=key), key)
        assert body.get("id_token")
        tokens.register(body["id_token"])
        token = body["access_token"]
        path = ep(h, "userinfo")
        r = dpop_get(h, path, token, key)
        assert r.status_code == 200, (r.status_code, r.text)
        assert r.json()["sub"] == "alice"
        r = h.get(path, token=token)
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        assert "OA2-01451" in h.new_log()
        r = dpop_get(h, path, token, ClientKey())
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("DPoP ")
        assert "OA2-01432" in h.new_log()


# ---- nonces ------------------------------------------------------------------

class TestNonce:
    """OAuth2DPoPNonce on: the AS and the resource demand a nonce of the
    server's, and hand a fresh one out with every answer."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_dpop_as(httpd_factory, keys, "as-dpop-nonce",
                             extra="OAuth2DPoPNonce on\n")

    def test_oauth4webapi_retries(self, node_client, h):  # noqa: F811
        c = add_client(h, redirect_uris=(REGISTERED,), scope="read",
                       grants=("authorization_code", "refresh_token"),
                       public=True)
        result = run_dpop_client(node_client, h, c, "code")
        assert_node_result(result, refreshed=True)
        assert result["retries"] >= 1, result
        c2 = add_client(h, scope="read", grants=("client_credentials",))
        result = run_dpop_client(node_client, h, c2, "client_credentials")
        assert_node_result(result, refreshed=False)
        assert result["retries"] >= 1, result

    def test_token_endpoint(self, h):
        c = add_client(h, scope="read", grants=("client_credentials",))
        key = ClientKey()
        h.new_log()
        r = cc(h, c, key)
        assert_token_error(r, "use_dpop_nonce")
        nonce = r.headers.get("DPoP-Nonce")
        assert nonce, r.headers
        assert "OA2-01430" in h.new_log()
        r = cc(h, c, dpop=proof(key, "POST", token_url(h), nonce=nonce))
        assert_dpop_token(r, key)
        # a fresh nonce with the answer too (RFC 9449 §8.2)
        assert r.headers.get("DPoP-Nonce"), r.headers
        # one that is not the server's
        r = cc(h, c, dpop=proof(key, "POST", token_url(h),
                                nonce=tokens.b64u(secrets.token_bytes(24))))
        assert_token_error(r, "use_dpop_nonce")
        assert "OA2-01431" in h.new_log()

    def test_resource(self, h):
        c = add_client(h, scope="read", grants=("client_credentials",))
        key = ClientKey()
        nonce = cc(h, c, key).headers["DPoP-Nonce"]
        token = assert_dpop_token(cc(h, c, dpop=proof(
            key, "POST", token_url(h), nonce=nonce)), key)["access_token"]
        h.new_log()
        r = dpop_get(h, API, token, key)
        assert_dpop_error(r, "use_dpop_nonce")
        assert r.headers.get("DPoP-Nonce"), r.headers
        assert "OA2-01430" in h.new_log()
        r = dpop_get(h, API, token, dpop=proof(
            key, "GET", h.url(API), token=token,
            nonce=r.headers["DPoP-Nonce"]))
        assert_ok(r)
        assert r.headers.get("DPoP-Nonce"), r.headers
        # the no-token challenge hands one out
        assert h.get(API).headers.get("DPoP-Nonce")

    def test_pushed_request(self, h):
        """A proof at the pushed authorization request endpoint needs the
        nonce too (RFC 9449 §10.1, §8)."""
        c = add_client(h, scope="read")
        key = ClientKey()
        par = h.url(ep(h, "par"))
        f = Flow(h, c)
        h.new_log()
        r = push(h, c, f.params, headers={"DPoP": proof(key, "POST", par)})
        assert_token_error(r, "use_dpop_nonce")
        assert "OA2-01430" in h.new_log()
        nonce = r.headers.get("DPoP-Nonce")
        assert nonce, r.headers
        assert_pushed(push(h, c, f.params, headers={
            "DPoP": proof(key, "POST", par, nonce=nonce)}))


class TestStart:
    """What the configuration check says about DPoP."""

    def test_nonce_without_an_as_is_refused(self, httpd_factory, keys,
                                            tmp_path):
        jwks = tokens.write_jwks(tmp_path / "jwks.json", [keys["ec1"].jwk()])
        h = httpd_factory("dpop-nonce-rs")
        rc, out = h.config_test("""
OAuth2DPoPNonce on
<Location /api>
    AuthType OAuth2
    OAuth2VerifyJWKSFile {jwks}
    OAuth2VerifyIssuer https://as.example
    OAuth2Audience https://api.example
    Require valid-user
</Location>
""".format(jwks=jwks))
        assert rc != 0, out
        assert "OA2-01460" in out, out

    def test_nonce_without_cache_warns(self, httpd_factory, keys):
        h = httpd_factory("dpop-nonce-nocache", modules=("auth_basic",
                                                         "authn_file"))
        h.allowed_always.append(r"OA2-01461")
        from authserver import as_config
        h.start(as_config(h, keys, extra="OAuth2DPoPNonce on\n"))
        assert "OA2-01461" in h.error_log()


# ---- two nodes ---------------------------------------------------------------

ISSUER = "https://as.example"
PUBLIC = "https://api.example.test"


class TestTwoNodes:
    """Two nodes behind one public URL (ServerName https://... and
    UseCanonicalName On, as behind a TLS-terminating proxy) sharing the
    token cache: a proof used at one is a replay at the other."""

    @pytest.fixture(scope="class")
    def nodes(self, httpd_factory, keys, memcached):
        a = httpd_factory("dpop-node-a", modules=["socache_memcache"],
                          server_name=PUBLIC)
        b = httpd_factory("dpop-node-b", modules=["socache_memcache"],
                          server_name=PUBLIC, store=a.store)
        for h in (a, b):
            h.issuer = ISSUER
            h.start("""
UseCanonicalName On
OAuth2TokenCache memcache:127.0.0.1:{port}
OAuth2Issuer {iss}
OAuth2SigningKey {key}
<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(port=memcached.port, iss=ISSUER, key=keys["ec1"].path))
        return a, b

    def test_replay_at_another_node(self, nodes, keys):
        a, b = nodes
        key = ClientKey()
        token = tokens.mint(keys["ec1"], tokens.claims(
            ISSUER, ISSUER, cnf={"jkt": key.jkt}))
        # the URL the client addressed: the public one, not the node's
        p = proof(key, "GET", PUBLIC + API, token=token)
        assert_ok(dpop_get(a, API, token, dpop=p))
        b.new_log()
        assert_dpop_error(dpop_get(b, API, token, dpop=p),
                          "invalid_dpop_proof", realm="api.example.test")
        assert "OA2-01433" in b.new_log()
        # a fresh proof is fine at either
        assert_ok(dpop_get(b, API, token, dpop=proof(
            key, "GET", PUBLIC + API, token=token)))
        # a proof for the node's own address is for another URL
        assert_dpop_error(dpop_get(b, API, token, dpop=proof(
            key, "GET", b.url(API), token=token)), "invalid_dpop_proof",
            realm="api.example.test")
        assert "OA2-01423" in b.new_log()
