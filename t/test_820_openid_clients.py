# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OpenID Connect clients against the provider (issue 13; SPEC.md "OpenID
Connect provider"; Core 1.0 §3.1.3.7, §5.3.2, §12.2; Discovery 1.0 §3-4).

Two unmodified relying-party libraries run the code flow end to end and
validate what the provider hands out: Debian's python3-authlib (its
OAuth2Session for the flow, authlib.jose with the CodeIDToken claims class
for the ID token, the way authlib's own OpenIDMixin.parse_id_token does
it, the JWKS found through /.well-known/openid-configuration) and npm's
oauth4webapi (a Node script, t/oauth4webapi/client.mjs). The browser part
(Basic login, consent form) is requests'.

Then what a client must refuse, refused by authlib's own checks: an ID
token carrying the nonce of an earlier login, one issued to another
client, one whose at_hash belongs to another access token. And bad input
at the provider: an ignored `claims` parameter, an oversized nonce,
prompt=none without a login, `openid` where OpenID is off. Isolation of
two issuers in one httpd is in test_610_tenants.py (TestTenants, "OpenID
Connect").
"""

import json
import os
import re
import secrets
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebToken
from authlib.jose.errors import (BadSignatureError, ExpiredTokenError,
                                 InvalidClaimError, MissingClaimError)
from authlib.oidc.core import CodeIDToken, UserInfo
from authlib.oidc.discovery import OpenIDProviderMetadata, get_well_known_url

import nodejs
import tokens
from authserver import (ALICE, Flow, add_client, assert_token_error,
                        assert_token_ok, client_credentials, ep, start_as,
                        user_agent)
from checks import XFAIL_ES256_ONLY, validate_discovery

CLAIMS = """
OAuth2UserClaim email email "%{REMOTE_USER}@example.org"
OAuth2UserClaim email email_verified "true"
OAuth2UserClaim profile name "User %{REMOTE_USER}"
OAuth2UserClaim profile preferred_username "%{REMOTE_USER}"
"""

# the claims the provider sets itself in an ID token of the code grant
PROTOCOL_CLAIMS = {"iss", "sub", "aud", "exp", "iat", "auth_time", "azp",
                   "at_hash"}

# a loopback redirect URI: any port the request names is accepted
REDIRECT_URI = "http://127.0.0.1:8765/callback"
REGISTERED = "http://127.0.0.1/callback"


def http():
    """A requests session that ignores proxy settings and .netrc."""
    s = requests.Session()
    s.trust_env = False
    return s


def discover(h):
    """The discovery document of h's issuer, found where Discovery §4
    says, as authlib's OpenIDProviderMetadata."""
    url = get_well_known_url(h.issuer, external=True)
    assert url == h.issuer + "/.well-known/openid-configuration"
    with http() as s:
        r = s.get(url, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return OpenIDProviderMetadata(r.json())


def jwks_of(meta):
    with http() as s:
        r = s.get(meta["jwks_uri"], timeout=10)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        location).query))


class RelyingParty:
    """One client of the provider, as an authlib application holds it:
    the discovered metadata, its OAuth2Session, and ID token validation
    as authlib's OpenIDMixin.parse_id_token does it (a JsonWebToken of
    the algorithms the provider names, the JWKS of its jwks_uri,
    CodeIDToken with iss, aud, nonce, client_id and access_token), with
    aud demanded too."""

    def __init__(self, meta, client, scope="openid email profile"):
        self.meta = meta
        self.client = client
        self.scope = scope

    def session(self):
        s = OAuth2Session(self.client.client_id, self.client.client_secret,
                          scope=self.scope, redirect_uri=REDIRECT_URI,
                          code_challenge_method="S256")
        s.trust_env = False
        return s

    def login(self, nonce="fresh", user=ALICE):
        """A whole code flow: (session, token, nonce sent). nonce
        "fresh" sends a new random one, None none."""
        if nonce == "fresh":
            nonce = secrets.token_urlsafe(16)
        s = self.session()
        verifier = tokens.b64u(os.urandom(40))
        extra = {"nonce": nonce} if nonce is not None else {}
        url, state = s.create_authorization_url(
            self.meta["authorization_endpoint"], code_verifier=verifier,
            **extra)
        location = user_agent(url, user)
        q = query_of(location)
        assert q["state"] == state and q["iss"] == self.meta["issuer"], q
        tokens.register(q.get("code"))
        tok = s.fetch_token(self.meta["token_endpoint"],
                            authorization_response=location,
                            code_verifier=verifier)
        for k in ("access_token", "refresh_token", "id_token"):
            tokens.register(tok.get(k))
        return s, tok, nonce

    def id_token(self, id_token, nonce, access_token, leeway=60,
                 options=None):
        """The validated claims of id_token, authlib raising its
        JoseError subclass on a refusal. options: authlib's
        claims_options (default: iss and aud demanded)."""
        client_id = self.client.client_id
        jwt = JsonWebToken(self.meta["id_token_signing_alg_values_supported"])
        if options is None:
            options = {"iss": {"essential": True,
                               "value": self.meta["issuer"]},
                       "aud": {"essential": True, "value": client_id}}
        claims = jwt.decode(id_token, jwks_of(self.meta),
                            claims_cls=CodeIDToken, claims_options=options,
                            claims_params={"nonce": nonce,
                                           "client_id": client_id,
                                           "access_token": access_token})
        claims.validate(leeway=leeway)
        return claims


@pytest.fixture(scope="class", params=["ec1", "rsa1"])
def h(request, httpd_factory, keys):
    """The provider, signing with an EC P-256 (ES256) or an RSA (RS256)
    key."""
    h = start_as(httpd_factory, keys, "as-rp-" + request.param,
                 extra=CLAIMS, signing_key=request.param)
    h.alg = keys[request.param].alg
    return h


@pytest.fixture
def meta(h):
    return discover(h)


def rp_client(h):
    return add_client(h, redirect_uris=[REGISTERED],
                      scope="openid email profile read")


class TestAuthlib:

    def test_discovery_document(self, h, meta):
        assert meta["issuer"] == h.issuer
        assert meta["jwks_uri"] == h.url(ep(h, "jwks"))
        assert meta["userinfo_endpoint"] == h.url(ep(h, "userinfo"))
        assert meta["id_token_signing_alg_values_supported"] == [h.alg]
        assert meta.claims_parameter_supported is False
        assert meta.request_parameter_supported is False
        assert meta.request_uri_parameter_supported is False
        for claim in ("email", "email_verified", "name",
                      "preferred_username"):
            assert claim in meta["claims_supported"], claim
        # what authlib's strict checks hold against a loopback test
        # issuer is its scheme
        with pytest.raises(ValueError, match='"issuer" MUST use "https"'):
            OpenIDProviderMetadata(dict(meta)).validate()

    def test_discovery_document_validates(self, h, meta, monkeypatch,
                                          request):
        """authlib's OpenIDProviderMetadata.validate(), with its switch
        for http issuers (AUTHLIB_INSECURE_TRANSPORT) since the test
        issuer is http://127.0.0.1 (test_610 validates https issuers
        without it)."""
        if h.alg != "RS256":
            request.applymarker(XFAIL_ES256_ONLY)
        monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
        validate_discovery(meta)

    def test_code_flow_id_token_and_userinfo(self, h, meta):
        rp = RelyingParty(meta, rp_client(h))
        before = int(time.time())
        s, tok, nonce = rp.login()
        assert tok["token_type"].lower() == "bearer"
        claims = rp.id_token(tok["id_token"], nonce, tok["access_token"])
        assert claims.header["alg"] == h.alg
        assert claims["sub"] == "alice"
        assert claims["nonce"] == nonce
        assert claims["azp"] == rp.client.client_id
        assert before - 1 <= claims["auth_time"] <= int(time.time()) + 1
        assert set(claims) == PROTOCOL_CLAIMS | {
            "nonce", "email", "email_verified", "name",
            "preferred_username"}
        assert claims["email_verified"] is True
        # authlib's own clock check: the same token an instant after exp
        with pytest.raises(ExpiredTokenError):
            claims.validate(now=claims["exp"] + 1, leeway=0)
        # UserInfo with the library's bearer auth; sub must be the ID
        # token's (Core §5.3.2)
        r = s.get(meta["userinfo_endpoint"], timeout=10)
        assert r.status_code == 200, r.text[:300]
        info = UserInfo(r.json())
        assert info.sub == claims["sub"]
        assert dict(info) == {"sub": "alice", "email": "alice@example.org",
                              "email_verified": True, "name": "User alice",
                              "preferred_username": "alice"}
        # refresh (Core §12.2): a new ID token for the same login, no
        # nonce, bound to the new access token
        new = s.refresh_token(meta["token_endpoint"])
        for k in ("access_token", "refresh_token", "id_token"):
            tokens.register(new.get(k))
        again = rp.id_token(new["id_token"], None, new["access_token"])
        assert "nonce" not in again
        for k in ("iss", "sub", "aud", "auth_time", "azp"):
            assert again[k] == claims[k], k

    def test_replayed_nonce_is_refused(self, h, meta):
        """An ID token of an earlier login presented where the client
        expects the nonce it just sent (Core §3.1.3.7 step 11)."""
        rp = RelyingParty(meta, rp_client(h))
        _, old, old_nonce = rp.login()
        _, new, new_nonce = rp.login()
        assert rp.id_token(new["id_token"], new_nonce,
                           new["access_token"])["nonce"] == new_nonce
        with pytest.raises(InvalidClaimError) as e:
            rp.id_token(old["id_token"], new_nonce, old["access_token"])
        assert '"nonce"' in e.value.description
        # a login without a nonce cannot stand in for one with
        _, bare, _ = rp.login(nonce=None)
        with pytest.raises(MissingClaimError) as e:
            rp.id_token(bare["id_token"], new_nonce, bare["access_token"])
        assert '"nonce"' in e.value.description

    def test_id_token_of_another_client_is_refused(self, h, meta):
        a = RelyingParty(meta, rp_client(h))
        b = RelyingParty(meta, rp_client(h))
        _, tok, nonce = a.login()
        a.id_token(tok["id_token"], nonce, tok["access_token"])
        with pytest.raises(InvalidClaimError) as e:
            b.id_token(tok["id_token"], nonce, tok["access_token"])
        assert '"aud"' in e.value.description
        # authlib's parse_id_token demands only iss by default: then
        # it is azp (= A's client_id) that refuses the token at B
        with pytest.raises(InvalidClaimError) as e:
            b.id_token(tok["id_token"], nonce, tok["access_token"],
                       options={"iss": {"values": [meta["issuer"]]}})
        assert '"azp"' in e.value.description

    def test_at_hash_of_another_access_token_is_refused(self, h, meta):
        rp = RelyingParty(meta, rp_client(h))
        s, one, nonce = rp.login()
        _, two, _ = rp.login()
        with pytest.raises(InvalidClaimError) as e:
            rp.id_token(one["id_token"], nonce, two["access_token"])
        assert '"at_hash"' in e.value.description
        # the same grant refreshed: the new access token is not the one
        # the first ID token names, and the other way round
        new = s.refresh_token(meta["token_endpoint"])
        for k in ("access_token", "refresh_token", "id_token"):
            tokens.register(new.get(k))
        with pytest.raises(InvalidClaimError) as e:
            rp.id_token(one["id_token"], nonce, new["access_token"])
        assert '"at_hash"' in e.value.description
        with pytest.raises(InvalidClaimError) as e:
            rp.id_token(new["id_token"], None, one["access_token"])
        assert '"at_hash"' in e.value.description

    def test_tampered_id_token_is_refused(self, h, meta):
        rp = RelyingParty(meta, rp_client(h))
        _, tok, nonce = rp.login()
        head, payload, sig = tok["id_token"].split(".")
        claims = tokens.decode_part(payload)
        claims["sub"] = "bob"
        forged = ".".join([head, tokens.b64u_json(claims), sig])
        with pytest.raises(BadSignatureError):
            rp.id_token(forged, nonce, tok["access_token"])


# ---- oauth4webapi ----------------------------------------------------------

NODE_DIR = Path(__file__).resolve().parent / "oauth4webapi"
NODE_CACHE = nodejs.CACHE_ROOT / "node"


@pytest.fixture(scope="session")
def node_client():
    """[node, client.mjs] with oauth4webapi installed (npm ci of
    t/oauth4webapi's lock file) into NODE_CACHE; skipped when Node.js
    20 or later, npm or the npm registry is not there (failed under
    OA2_NODE_CLIENT=required, see nodejs.py)."""
    node, _ = nodejs.npm_ci("oauth4webapi", NODE_DIR, NODE_CACHE,
                            "oauth4webapi")
    return [node, str(NODE_DIR / "client.mjs")]


def run_node_client(node_client, h, client, *, nonce="fresh",
                    expect_nonce=None, expect_client_id=None, user=ALICE,
                    par=False):
    """t/oauth4webapi/client.mjs against h for client: it discovers the
    provider and prints the authorization URL (par: of a request it
    pushed first, RFC 9126); the browser part here approves it; the
    script gets the callback URL on stdin and finishes the flow. A public
    client authenticates by its client_id alone. Returns its JSON result
    (the claims, userinfo, tokens, or the error it met)."""
    env = nodejs.env(OA2_NODE_MODULES=str(NODE_CACHE / "node_modules"),
                     ISSUER=h.issuer, CLIENT_ID=client.client_id,
                     CLIENT_SECRET=client.client_secret or "",
                     REDIRECT_URI=REDIRECT_URI, NONCE=nonce or "",
                     EXPECT_NONCE=expect_nonce or "",
                     EXPECT_CLIENT_ID=expect_client_id or "",
                     PAR="1" if par else "")
    p = subprocess.Popen(node_client, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, cwd=NODE_DIR)
    try:
        first = json.loads(p.stdout.readline() or "{}")
        if "authorization_url" not in first:
            p.stdin.close()
            out, err = p.communicate(timeout=30)
            raise AssertionError("client.mjs: %r %s %s" % (first, out, err))
        location = user_agent(first["authorization_url"], user)
        tokens.register(query_of(location).get("code"))
        out, err = p.communicate(location + "\n", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, (p.returncode, out, err)
    result = json.loads(out)
    for k in ("access_token", "refresh_token", "id_token"):
        tokens.register(result.get("tokens", {}).get(k))
    return first, result


class TestOauth4webapi:
    """npm's oauth4webapi: discoveryRequest/processDiscoveryResponse,
    validateAuthResponse (state, iss), authorizationCodeGrantRequest with
    PKCE, processAuthorizationCodeResponse (the ID token's iss, aud, azp,
    exp, iat, nonce, auth_time; its alg against the discovered list),
    userInfoRequest/processUserInfoResponse with the ID token's sub."""

    @pytest.fixture(scope="class")
    def hn(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-oauth4webapi",
                        extra=CLAIMS)

    def test_code_flow(self, node_client, hn):
        c = rp_client(hn)
        first, result = run_node_client(node_client, hn, c)
        assert "error" not in result, result
        q = query_of(first["authorization_url"])
        assert q["code_challenge_method"] == "S256" and q["nonce"]
        assert first["issuer"] == hn.issuer
        claims = result["claims"]
        assert claims["iss"] == hn.issuer
        assert claims["aud"] == c.client_id
        assert claims["nonce"] == q["nonce"]
        assert claims["sub"] == "alice"
        assert result["userinfo"] == {"sub": "alice",
                                      "email": "alice@example.org",
                                      "email_verified": True,
                                      "name": "User alice",
                                      "preferred_username": "alice"}

    def test_wrong_nonce_is_refused(self, node_client, hn):
        c = rp_client(hn)
        _, result = run_node_client(node_client, hn, c,
                                    expect_nonce="not-the-one-sent")
        assert result["error"]["code"] == "OAUTH_JWT_CLAIM_COMPARISON_FAILED"
        assert result["error"]["claim"] == "nonce", result

    def test_id_token_of_another_client_is_refused(self, node_client, hn):
        a, b = rp_client(hn), rp_client(hn)
        _, result = run_node_client(node_client, hn, a,
                                    expect_client_id=b.client_id)
        assert result["error"]["code"] == "OAUTH_JWT_CLAIM_COMPARISON_FAILED"
        assert result["error"]["claim"] == "aud", result


# ---- bad input at the provider ---------------------------------------------

class TestBadInput:
    """Each: the error, whether it is redirected, the log id; the log
    guard fails any unexpected warn+ line."""

    @pytest.fixture(scope="class")
    def hb(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-oidc-bad", extra=CLAIMS)

    @pytest.fixture
    def client(self, hb):
        return add_client(hb, scope="openid email profile read")

    @pytest.mark.parametrize("claims", [
        json.dumps({"id_token": {"birthdate": {"essential": True},
                                 "x-unknown": None,
                                 "email": {"value": "mallory@evil.example"}},
                    "userinfo": {"phone_number": None,
                                 "address": {"essential": True}}}),
        "{not json",
    ], ids=["unknown-claims", "not-json"])
    def test_claims_parameter_is_ignored(self, hb, client, claims):
        """claims_parameter_supported is false: the parameter is ignored
        (Core §5.5 is optional), the ID token and userinfo carry the
        configured claims of the granted scopes and nothing else."""
        f = Flow(hb, client, scope="openid email", nonce="n-1",
                 claims=claims)
        page = f.consent_page()
        assert "claims" not in dict(page.fields)
        r = f.post(page)
        assert r.status_code == 303, (r.status_code, r.text[:300])
        code = f.redirect_query(r)["code"]
        tokens.register(code)
        assert re.search(r"\[oauth2:info\] .*OA2-00434: alice approved "
                         r"client %s for scope \"openid email\""
                         % client.client_id, hb.new_log())
        body = assert_token_ok(f.token(code))
        rp = RelyingParty(discover(hb), client)
        claims = rp.id_token(body["id_token"], "n-1", body["access_token"])
        assert set(claims) == PROTOCOL_CLAIMS | {"nonce", "email",
                                                 "email_verified"}
        assert claims["email"] == "alice@example.org"
        with http() as s:
            r = s.get(rp.meta["userinfo_endpoint"], timeout=10,
                      headers={"Authorization":
                               "Bearer " + body["access_token"]})
        assert r.status_code == 200, r.text[:300]
        assert r.json() == {"sub": "alice", "email": "alice@example.org",
                            "email_verified": True}

    def test_nonce_too_long(self, hb, client):
        ok = Flow(hb, client, scope="openid", nonce="n" * 512)
        body = assert_token_ok(ok.token(ok.code()))
        RelyingParty(discover(hb), client).id_token(
            body["id_token"], "n" * 512, body["access_token"])
        f = Flow(hb, client, scope="openid", nonce="n" * 513)
        r = f.get()
        assert r.status_code == 302, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert set(q) == {"error", "error_description", "state", "iss"}, q
        assert q["error"] == "invalid_request"
        assert q["state"] == f.state and q["iss"] == hb.issuer
        log = hb.new_log()
        assert re.search(r"\[oauth2:info\] .*OA2-00896: invalid_request: "
                         r"nonce must be 1 to 512", log), log
        # the nonce itself is not logged
        assert "n" * 513 not in log

    def test_prompt_none_without_credentials(self, hb, client):
        """SPEC.md: prompt=none never shows a login prompt; without
        credentials the answer is a redirect with error=login_required,
        state and iss (Core §3.1.2.6)."""
        f = Flow(hb, client, scope="openid", prompt="none")
        r = f.get(user=None)
        assert r.status_code == 302, (r.status_code, r.headers)
        assert "WWW-Authenticate" not in r.headers
        q = f.redirect_query(r)
        assert q["error"] == "login_required"
        assert q["state"] == f.state and q["iss"] == hb.issuer
        assert "code" not in q
        # logged at info like every refusal redirected to the client
        assert re.search(r"\[oauth2:info\] .*OA2-\d{5}: login_required",
                         hb.new_log())

    def test_prompt_none_with_credentials_and_consent(self, hb, client):
        """The case prompt=none is for: a logged-in user who consented
        before gets a code without a page."""
        Flow(hb, client, scope="openid email").code()
        f = Flow(hb, client, scope="openid", prompt="none")
        r = f.get()
        assert r.status_code == 302, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert set(q) == {"code", "state", "iss"}, q
        tokens.register(q["code"])
        # no consent yet for another client: consent_required
        other = add_client(hb, scope="openid")
        f = Flow(hb, other, scope="openid", prompt="none")
        q = f.redirect_query(f.get())
        assert q["error"] == "consent_required" and q["state"] == f.state
        assert "OA2-00436" in hb.new_log()


class TestOpenIDOff:

    @pytest.fixture(scope="class")
    def off(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-oidc-off",
                        extra="OAuth2OpenID off\n")

    def test_openid_is_invalid_scope(self, off):
        c = add_client(off, scope="openid read")
        f = Flow(off, c, scope="openid read", nonce="n-1")
        r = f.get()
        assert r.status_code == 302, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert q["error"] == "invalid_scope"
        assert q["state"] == f.state and q["iss"] == off.issuer
        assert "code" not in q
        log = off.new_log()
        assert re.search(r"\[oauth2:info\] .*OA2-00231: invalid_scope", log)
        # the client-credentials grant too
        mark = len(off.new_log())
        assert_token_error(client_credentials(off, c, scope="openid"),
                           "invalid_scope")
        assert "OA2-00231" in off.new_log()[mark:]
        # read alone is fine, and no ID token comes with it
        f = Flow(off, c, scope="read")
        assert "id_token" not in assert_token_ok(f.token(f.code()))
