# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Attacks on the authorization server and the resource server.

The attacker model is SECURITY.md's: a malicious client (or an attacker
who registers one), a malicious or confused end user, a network attacker
who learns codes or tokens from a log, a Referer or a browser history, and
a thief holding the database file.  Every test here fills a row of
SECURITY.md's requirements table that no earlier suite proves; the rows
already proven elsewhere name those tests instead (alg none, HS256 with
the public key and hostile tokens are test_500_bearer.py's, consent CSRF
is test_100_authorize.py's TestConsent, ...).

Each test asserts what the attacker gets (an OAuth error, an error page,
nothing), that httpd never answered 500 or logged above info (the
conftest log guard), and, where the attack aims at state, that the state
is intact afterwards.
"""

import base64
import hashlib
import html.parser
import http.client
import json
import os
import re
import time
import urllib.parse

import pytest

import tokens
from authserver import (ALICE, BOB, RESOURCE, USERS, Client, Flow,
                        add_client, admin, api, assert_token_error,
                        assert_token_ok, client_credentials, introspect,
                        refresh, revoke, single_query, start_as,
                        token_request, verify_access_token, write_htpasswd)
from checks import assert_invalid_token, assert_ok

REALM = "rs.test"

# RFC 6749 §5.2 / §4.1.2.1, OAuth 2.1 §3.2.4: error_description charset
ERROR_TEXT = re.compile(r"^[\x20\x21\x23-\x5b\x5d-\x7e]*$")

# end users whose names are hostile data for the SQL store and the page
SQL_USER = "o'hara\"; --"
XSS_USER = "<img src=x onerror=alert(3)>"
HOSTILE_USERS = {SQL_USER: "sql-pw", XSS_USER: "xss-pw"}

XSS_SCOPE_TEXT = "<script>alert('scope')</script><img src=x onerror=alert(1)>"
XSS_SCOPE = 'OAuth2Scope xss "%s"\n' % XSS_SCOPE_TEXT

SQL_PAYLOADS = [
    "' OR '1'='1",
    "'; DROP TABLE oa2_clients; --",
    '" OR ""="',
    "1); DELETE FROM oa2_refresh; --",
    "x' UNION SELECT secret_hash FROM oa2_clients --",
    "\\'; --",
]


def start(httpd_factory, keys, name, **kw):
    """The AS of test_100/200 plus a scope whose description is markup and
    end users whose names are SQL and markup."""
    extra = kw.pop("extra", "")
    h = start_as(httpd_factory, keys, name, extra=XSS_SCOPE + extra, **kw)
    users = dict(USERS)
    users.update(HOSTILE_USERS)
    write_htpasswd(h, users)
    return h


def code_tokens(h, client, **kw):
    """A whole code flow; the flow keeps its code as f.last_code."""
    f = Flow(h, client, **kw)
    f.last_code = f.code()
    return f, assert_token_ok(f.token(f.last_code))


def redeem(h, client, flow, code, **over):
    """A token request for code made by flow, sent as client."""
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.verifier}
    data.update(over)
    return token_request(h, client, data)


def assert_active(r, active):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.json()["active"] is active, r.json()


def assert_page(r, status=400):
    """An error page, never a redirect."""
    assert r.status_code == status, (r.status_code, r.headers, r.text[:300])
    assert "Location" not in r.headers, r.headers
    assert r.headers["Content-Type"].startswith("text/html"), r.headers
    assert "Authorization error" in r.text, r.text[:300]
    return r


class _Markup(html.parser.HTMLParser):
    """Tags, attributes and text of a page as a browser would parse it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def markup(body):
    p = _Markup()
    p.feed(body)
    p.close()
    return p.tags, p.attrs, " ".join(" ".join(p.text).split())


def frame_headers_ok(r):
    assert r.headers.get("X-Frame-Options") == "DENY", r.headers
    csp = [d.strip() for d in
           r.headers.get("Content-Security-Policy", "").split(";")]
    assert "frame-ancestors 'none'" in csp, r.headers


def raw_get(h, path, headers=()):
    """A GET whose response headers come back exactly as sent (name,
    value) pairs, repeats included."""
    return h.raw("GET", path, headers=list(headers))


def basic(user, pw):
    return "Basic " + base64.b64encode(
        ("%s:%s" % (user, pw)).encode()).decode()


# ===========================================================================
# Access tokens of this AS, tampered with (RFC 9068; OAuth 2.1 §1.4, §5.2)
# ===========================================================================

def _b64d(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def tamper(kind, token, other):
    """token altered the way an attacker would; other is a second valid
    token of the same AS."""
    hd, p, s = token.split(".")
    h2, p2, s2 = other.split(".")
    payload = json.loads(_b64d(p))
    header = json.loads(_b64d(hd))
    if kind == "payload-byte":
        raw = bytearray(_b64d(p))
        raw[len(raw) // 2] ^= 0x20
        return "%s.%s.%s" % (hd, tokens.b64u(bytes(raw)), s)
    if kind == "signature-byte":
        raw = bytearray(_b64d(s))
        raw[0] ^= 0x01
        return "%s.%s.%s" % (hd, p, tokens.b64u(bytes(raw)))
    if kind == "scope-escalated":
        payload["scope"] = "read write admin"
        return "%s.%s.%s" % (hd, tokens.b64u_json(payload), s)
    if kind == "exp-extended":
        payload["exp"] += 365 * 86400
        return "%s.%s.%s" % (hd, tokens.b64u_json(payload), s)
    if kind == "sub-changed":
        payload["sub"] = "bob"
        return "%s.%s.%s" % (hd, tokens.b64u_json(payload), s)
    if kind == "aud-changed":
        payload["aud"] = RESOURCE
        return "%s.%s.%s" % (hd, tokens.b64u_json(payload), s)
    if kind == "signature-transplant":
        return "%s.%s.%s" % (hd, p2, s)
    if kind == "header-alg-none":
        header["alg"] = "none"
        return "%s.%s.%s" % (tokens.b64u_json(header), p, s)
    if kind == "header-alg-none-unsigned":
        header["alg"] = "none"
        return "%s.%s." % (tokens.b64u_json(header), p)
    if kind == "header-kid-unknown":
        header["kid"] = "not-a-key"
        return "%s.%s.%s" % (tokens.b64u_json(header), p, s)
    if kind == "header-jku":
        header["jku"] = "https://evil.example/jwks"
        header["kid"] = "evil"
        return "%s.%s.%s" % (tokens.b64u_json(header), p, s)
    if kind == "truncated-1":
        return token[:-1]
    if kind == "truncated-half":
        return token[:len(token) // 2]
    if kind == "no-signature":
        return "%s.%s" % (hd, p)
    if kind == "empty-signature":
        return "%s.%s." % (hd, p)
    if kind == "extra-segment":
        return token + "." + s
    if kind == "appended":
        return token + "AAAA"
    if kind == "padded":
        return token + "=="
    if kind == "oversized-8k":
        # just under httpd's LimitRequestFieldSize: the module's own limit
        return token + "A" * (8100 - len(token))
    raise ValueError(kind)


TAMPER = ["payload-byte", "signature-byte", "scope-escalated", "exp-extended",
          "sub-changed", "aud-changed", "signature-transplant",
          "header-alg-none", "header-alg-none-unsigned", "header-kid-unknown",
          "header-jku", "truncated-1", "truncated-half", "no-signature",
          "empty-signature", "extra-segment", "appended", "padded",
          "oversized-8k"]


class TestAccessTokens:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        # with the validated-token cache on (mod_socache_shmcb): a cached
        # verdict must not leak to a tampered copy or another audience
        return start(httpd_factory, keys, "attack-tokens",
                     modules=("socache_shmcb",))

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    @pytest.fixture(scope="class")
    def pair(self, h, client):
        _, a = code_tokens(h, client)
        _, b = code_tokens(h, client, user=BOB)
        return a["access_token"], b["access_token"]

    @pytest.mark.parametrize("kind", TAMPER)
    def test_tampered_token_refused(self, h, client, pair, kind):
        good, other = pair
        bad = tokens.register(tamper(kind, good, other))
        r = api(h, bad)
        # a malformed Authorization header may be a 400; never a 200/500
        if r.status_code == 400:
            assert 'error="invalid_request"' in r.headers["WWW-Authenticate"]
        else:
            assert_invalid_token(r, REALM)
        assert_active(introspect(h, client, bad), False)
        # revoking it is a no-op that leaves the genuine token alone
        assert revoke(h, client, bad).status_code == 200
        assert_ok(api(h, good))

    def test_audience_restricted_both_ways(self, h, client):
        """A token for the resource is refused where the issuer is the
        audience, and the other way round (RFC 9700 §2.3, §4.10.2)."""
        _, for_api = code_tokens(h, client)
        _, for_res = code_tokens(h, client, resource=RESOURCE)
        assert_ok(api(h, for_api["access_token"]))
        assert_ok(api(h, for_res["access_token"], "/resource-api/data.txt"))
        assert_invalid_token(api(h, for_res["access_token"]), REALM)
        assert_invalid_token(api(h, for_api["access_token"],
                                 "/resource-api/data.txt"), REALM)

    def test_jwks_and_metadata_publish_no_secret(self, h, keys):
        """The public documents hold public keys only: no private JWK
        members, no symmetric key, nothing of the consent-form key."""
        ks = h.get("/oauth2/jwks").json()["keys"]
        assert ks
        for k in ks:
            assert k["kty"] in ("EC", "RSA"), k
            assert not {"d", "p", "q", "dp", "dq", "qi", "k", "oth"} & set(k)
        md = h.get("/.well-known/oauth-authorization-server").text
        pem = open(keys["ec1"].path).read().splitlines()[1]
        for doc in (json.dumps(ks), md):
            assert pem not in doc and "PRIVATE" not in doc

    def test_short_lived(self, h, client):
        """Default lifetimes: access token 900 s, code 60 s (OAuth 2.1
        §7.1.3.5, §4.1.2)."""
        f = Flow(h, client)
        before = int(time.time())
        code = f.code()
        exp = h.store.rows("SELECT expires_at FROM oa2_codes WHERE "
                           "code_hash = ?",
                           (hashlib.sha256(code.encode()).hexdigest(),))[0][0]
        assert before + 55 <= exp <= int(time.time()) + 60, exp - before
        body = assert_token_ok(f.token(code))
        assert body["expires_in"] == 900
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["exp"] - claims["iat"] == 900


# ===========================================================================
# Authorization codes (RFC 9700 §4.2.4, §4.5; OAuth 2.1 §4.1.3, §7.5.3)
# ===========================================================================

class TestCodes:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-codes")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def test_replay_revokes_every_token_of_the_code(self, h, client):
        """A valid replay revokes what the code produced: the refresh
        tokens of its family and the access tokens minted from them, also
        after rotation (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3)."""
        f, first = code_tokens(h, client)
        second = assert_token_ok(refresh(h, client, first["refresh_token"]))
        assert_ok(api(h, second["access_token"]))
        # the replay: the same code, client and verifier again
        assert_token_error(f.token(f.last_code), "invalid_grant")
        assert_token_error(refresh(h, client, second["refresh_token"]),
                           "invalid_grant")
        for at in (first["access_token"], second["access_token"]):
            assert_invalid_token(api(h, at), REALM)
            assert_active(introspect(h, client, at), False)

    @pytest.mark.parametrize("how", ["other-client", "wrong-verifier",
                                     "wrong-redirect-uri"])
    def test_invalid_replay_revokes_nothing(self, h, client, how):
        """An attacker holding an already redeemed code but not the
        client's credentials or verifier must not be able to revoke the
        legitimate client's tokens with it (OAuth 2.1 §7.5.3: the AS
        SHOULD NOT revoke on a replay with invalid parameters)."""
        f, body = code_tokens(h, client)
        if how == "other-client":
            thief = add_client(h, redirect_uris=client.redirect_uris)
            r = redeem(h, thief, f, f.last_code)
        elif how == "wrong-verifier":
            r = redeem(h, client, f, f.last_code,
                       code_verifier=tokens.b64u(os.urandom(32)))
        else:
            r = redeem(h, client, f, f.last_code,
                       redirect_uri="https://client.example/cb2")
        assert_token_error(r, "invalid_grant")
        assert_ok(api(h, body["access_token"]))
        assert_token_ok(refresh(h, client, body["refresh_token"]))

    def test_code_injection_with_other_verifier(self, h, client):
        """Code injection (RFC 9700 §4.5): the victim's client redeems the
        attacker's stolen code with the verifier of its own session."""
        victim = Flow(h, client)
        attacker = Flow(h, client, user=BOB)
        stolen = attacker.code()
        victim.code()
        r = redeem(h, client, victim, stolen)
        assert_token_error(r, "invalid_grant")

    def test_public_client_code_without_verifier_is_useless(self, h):
        """A stolen code of a public client: the thief knows the client_id
        (it is public) but not the verifier."""
        pub = add_client(h, public=True, grants=("authorization_code",
                                                 "refresh_token"))
        f = Flow(h, pub)
        code = f.code()
        for verifier in (tokens.b64u(os.urandom(32)), f.challenge,
                         None):
            r = token_request(h, pub, {"grant_type": "authorization_code",
                                       "code": code,
                                       "redirect_uri": f.redirect_uri,
                                       "code_verifier": verifier})
            assert r.status_code == 400, r.text
            assert r.json()["error"] in ("invalid_grant", "invalid_request")


# ===========================================================================
# Redirect URIs, open redirection, header injection, 307
# (RFC 9700 §2.1, §4.1.3, §4.11.2, §4.12; OAuth 2.1 §2.3, §4.1.2.1)
# ===========================================================================

REGISTERED = ["https://client.example/cb",
              "https://client.example:8443/port",
              "https://client.example/enc%2Fpath",
              "http://127.0.0.1:5555/loop",
              "com.example.app:/native"]

# requested URIs that differ from every registered one (test_100 covers
# prefix, suffix, path, case, userinfo, fragment and port on the plain
# https://client.example/cb; these are the variants left)
NOT_REGISTERED = [
    "https://client.example/port",              # registered with a port
    "https://client.example:443/port",
    "https://client.example:08443/port",
    "https://client.example:8444/port",
    "https://client.example:8443/port/",
    "https://client.example./cb",               # trailing dot
    "https://client.example/enc/path",          # decoded
    "https://client.example/enc%2fpath",        # hex case
    "https://client.example/enc%252Fpath",      # double-encoded
    "https://client.example/cb/.",
    "https://client.example/./cb",
    "https://client.example//cb",
    "https://client.example/cb;x",
    "https://client.example/cb?",
    "https://client.example\\@evil.example/cb",
    "https://client.example%2F@evil.example/cb",
    "https://evil.example\\.client.example/cb",
    "//client.example/cb",
    "https:client.example/cb",
    "https://xn--clent-jua.example/cb",
    "https://client.example/cb%00",
    "https://client.example/cb\r\nX-Injected: 1",
    "http://127.0.0.1:5555/loop/..",
    "http://127.0.0.1.:5555/loop",
    "http://127.1:5555/loop",
    "http://2130706433:5555/loop",
    "http://0x7f000001:5555/loop",
    "http://localhost:5555/loop",               # another loopback name
    "http://[::1]:5555/loop",
    "http://127.0.0.1:5555@evil.example/loop",
    "http://evil.example?@127.0.0.1:5555/loop",
    "https://127.0.0.1:5555/loop",
    "http://127.0.0.1:5555/loop?x=1",
    "com.example.app:/native/x",
    "com.example.APP:/native",
    "com.example.app://native",
    "javascript:alert(1)//https://client.example/cb",
]


class TestRedirects:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-redirects")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, redirect_uris=REGISTERED)

    @pytest.mark.parametrize("uri", REGISTERED + [
        "http://127.0.0.1:6666/loop", "http://127.0.0.1/loop"])
    def test_registered_uris_work(self, h, client, uri):
        r = Flow(h, client, redirect_uri=uri, prompt="consent").get()
        assert r.status_code == 200, (uri, r.status_code, r.text[:300])

    @pytest.mark.parametrize("uri", NOT_REGISTERED)
    def test_not_exactly_registered(self, h, client, uri):
        r = assert_page(Flow(h, client, redirect_uri=uri).get())
        _, attrs, _ = markup(r.text)
        # nothing on the page leads to the URI
        for name, value in attrs:
            assert uri not in (value or ""), (name, value)
        assert "evil.example" not in r.text

    @pytest.mark.parametrize("bad", [
        {"scope": "admin"}, {"response_type": "token"},
        {"code_challenge": None}, {"code_challenge_method": "plain"},
        {"prompt": "none"}, {"resource": "https://evil.example/"}])
    def test_errors_with_unregistered_uri_never_redirect(self, h, client,
                                                         bad):
        """Errors that go back to the client when its redirect URI is
        registered: with an unregistered one they stay on an error page
        (no open redirector, RFC 9700 §4.11.2, OAuth 2.1 §4.1.2.1)."""
        f = Flow(h, client, redirect_uri="https://evil.example/cb", **bad)
        r = assert_page(f.get())
        assert "evil.example" not in r.text

    def test_error_pages_carry_no_links(self, h, client):
        no_uri = Flow(h, client)
        del no_uri.params["redirect_uri"]
        cases = [Flow(h, client, redirect_uri="https://evil.example/cb"),
                 Flow(h, client, client_id="no-such-client"), no_uri]
        for f in cases:
            r = assert_page(f.get())
            tags, attrs, _ = markup(r.text)
            assert not {"a", "link", "script", "img", "iframe", "form",
                        "base", "object", "embed"} & set(tags), tags
            for name, value in attrs:
                assert name not in ("href", "src", "action", "formaction",
                                    "http-equiv"), (name, value)

    def test_unauthenticated_user_is_never_redirected(self, h, client):
        """The user is authenticated before any redirect (RFC 9700
        §4.11.2): without credentials even a broken request is httpd's
        401. The one exception is a valid prompt=none request, which
        OpenID Connect Core §3.1.2.1 answers with login_required at the
        client's registered redirect_uri, never with a login prompt; a
        broken one is httpd's 401 too."""
        for over in ({}, {"scope": "admin"}, {"response_type": "token"},
                     {"prompt": "none", "scope": "admin"},
                     {"prompt": "none", "response_type": "token"}):
            r = Flow(h, client, **over).get(user=None)
            assert r.status_code == 401, (over, r.status_code)
            assert "Location" not in r.headers
        f = Flow(h, client, prompt="none")
        r = f.get(user=None)
        assert r.status_code == 302
        assert r.headers["Location"].startswith(client.redirect_uri + "?")
        assert f.redirect_query(r)["error"] == "login_required"
        assert "OA2-00922" in h.new_log()

    # ---- header injection ------------------------------------------------

    def _headers(self, status_headers):
        status, headers, _ = status_headers
        names = [k.lower() for k, _ in headers]
        return status, names, dict((k.lower(), v) for k, v in headers)

    @pytest.mark.parametrize("state", [
        "x\r\nX-Injected: 1", "x\nX-Injected: 1", "x\rX-Injected: 1",
        "x%0d%0aX-Injected: 1", "x\r\n\r\n<html>body</html>",
        "x\u2028X-Injected: 1"])
    def test_state_cannot_split_location(self, h, client, state):
        f = Flow(h, client, state=state, scope="admin")   # error redirect
        query = urllib.parse.urlencode(f.params)
        status, names, hd = self._headers(raw_get(
            h, "/oauth2/authorize?" + query,
            [("Authorization", basic(*ALICE))]))
        assert status == 302
        assert names.count("location") == 1
        assert "x-injected" not in names
        loc = hd["location"]
        assert "\r" not in loc and "\n" not in loc
        assert single_query(loc.split("?", 1)[1])["state"] == state

    def test_state_cannot_split_location_after_consent(self, h, client):
        state = "s\r\nX-Injected: 1\r\nSet-Cookie: a=b"
        f = Flow(h, client, state=state, prompt="consent")
        page = f.consent_page()
        body = urllib.parse.urlencode(page.data()).encode()
        status, headers, _ = h.raw("POST", "/oauth2/authorize", headers=[
            ("Authorization", basic(*ALICE)),
            ("Content-Type", "application/x-www-form-urlencoded")],
            body=body)
        names = [k.lower() for k, _ in headers]
        assert status == 303
        assert names.count("location") == 1
        assert "x-injected" not in names and "set-cookie" not in names
        loc = dict((k.lower(), v) for k, v in headers)["location"]
        q = single_query(loc.split("?", 1)[1])
        assert q["state"] == state and q["code"]
        tokens.register(q["code"])

    def test_redirect_uri_cannot_inject_headers(self, h, client):
        for uri in ("https://client.example/cb\r\nX-Injected: 1",
                    "https://client.example/cb%0d%0aX-Injected:%201"):
            f = Flow(h, client, redirect_uri=uri)
            status, names, _ = self._headers(raw_get(
                h, "/oauth2/authorize?" + urllib.parse.urlencode(f.params),
                [("Authorization", basic(*ALICE))]))
            assert status == 400
            assert "location" not in names and "x-injected" not in names

    def test_hostile_redirect_uris_cannot_be_registered(self, h):
        for uri in ("https://app.example/cb\r\nX-Injected: 1",
                    "https://app.example/cb\nx", "https://app.example/c b",
                    "https://app.example/<cb>",
                    'https://app.example/"cb', "myapp:/cb",
                    "http://app.example/cb", "data:text/html,<script>",
                    "javascript:alert(1)", "vbscript:x", "file:///etc/passwd",
                    "https://user:pw@app.example/cb"):
            r = h.session.post(h.url("/oauth2/register"), json={
                "client_name": "x", "redirect_uris": [uri]})
            assert r.status_code == 400, (uri, r.status_code, r.text)
            assert r.json()["error"] == "invalid_redirect_uri", (uri, r.text)
            p = admin(h, "client", "add", "x", "--redirect-uri", uri,
                      check=False)
            assert p.returncode != 0, (uri, p.stdout)

    # ---- 303 after POST, never 307 ---------------------------------------

    def test_no_307(self, h, client):
        """A redirect that may carry the user's credentials is never a 307
        (RFC 9700 §4.12): 303 after the consent POST, 302 after GETs."""
        seen = []
        f = Flow(h, client, redirect_uri=REGISTERED[0], prompt="consent")
        page = f.consent_page()
        seen.append(f.post(page, "approve").status_code)
        f2 = Flow(h, client, redirect_uri=REGISTERED[0], prompt="consent")
        seen.append(f2.post(f2.consent_page(), "deny").status_code)
        seen.append(Flow(h, client, redirect_uri=REGISTERED[0]).get()
                    .status_code)                     # remembered: 302
        seen.append(Flow(h, client, redirect_uri=REGISTERED[0],
                         scope="admin").get().status_code)
        assert seen == [303, 303, 302, 302], seen


# ===========================================================================
# PKCE (RFC 9700 §2.1.1, §4.8; OAuth 2.1 §4.1.1, §7.5.2)
# ===========================================================================

class TestPkce:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-pkce")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    @pytest.mark.parametrize("method", ["s256", "S256 ", " S256", "SHA256",
                                        "S512", "PLAIN", "plain"])
    def test_only_exactly_s256(self, h, client, method):
        f = Flow(h, client, code_challenge_method=method)
        r = f.get()
        assert r.status_code == 302, r.status_code
        q = f.redirect_query(r)
        assert q["error"] == "invalid_request" and "code" not in q

    def test_repeated_method(self, h, client):
        f = Flow(h, client)
        query = urllib.parse.urlencode(f.params) + \
            "&code_challenge_method=plain"
        q = f.redirect_query(f.get(query=query))
        assert q["error"] == "invalid_request" and "code" not in q

    def test_plain_verifier_equal_to_challenge(self, h, client):
        """A client that sends the challenge itself as verifier (what
        "plain" would accept) gets nothing."""
        f = Flow(h, client)
        assert_token_error(f.token(f.code(), code_verifier=f.challenge),
                           "invalid_grant")


# ===========================================================================
# Refresh tokens (RFC 9700 §2.2.2, §4.14; OAuth 2.1 §4.3)
# ===========================================================================

class TestRefresh:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-refresh")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def test_reuse_after_rotation_revokes_family(self, h, client):
        """The thief and the client both hold r1; whoever comes second
        presents a rotated token, and the whole grant dies: refresh tokens
        and the access tokens they minted."""
        _, first = code_tokens(h, client)
        r1 = first["refresh_token"]
        second = assert_token_ok(refresh(h, client, r1))       # thief
        third = assert_token_ok(refresh(h, client,
                                        second["refresh_token"]))
        assert_token_error(refresh(h, client, r1), "invalid_grant")  # client
        assert_token_error(refresh(h, client, third["refresh_token"]),
                           "invalid_grant")
        assert_active(introspect(h, client, third["refresh_token"]), False)
        for at in (second["access_token"], third["access_token"]):
            assert_invalid_token(api(h, at), REALM)
            assert_active(introspect(h, client, at), False)

    def test_reuse_by_other_client_changes_nothing(self, h, client):
        """Presenting another client's rotated refresh token is refused
        without touching that client's live grant."""
        _, first = code_tokens(h, client)
        second = assert_token_ok(refresh(h, client, first["refresh_token"]))
        thief = add_client(h)
        assert_token_error(refresh(h, thief, first["refresh_token"]),
                           "invalid_grant")
        assert_token_ok(refresh(h, client, second["refresh_token"]))


# ===========================================================================
# The consent and error pages: XSS, clickjacking, Referer
# (RFC 9700 §4.2.4, §4.16; OAuth 2.1 §7.11, §7.12)
# ===========================================================================

class TestPages:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-pages")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, scope="read write xss")

    def _no_markup_injected(self, body):
        tags, attrs, text = markup(body)
        assert "script" not in tags and "img" not in tags, tags
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
        return text

    def test_scope_description_escaped(self, h, client):
        page = Flow(h, client, scope="read xss",
                    prompt="consent").consent_page()
        text = self._no_markup_injected(page.resp.text)
        assert XSS_SCOPE_TEXT in text

    def test_user_name_escaped(self, h, client):
        f = Flow(h, client, user=(XSS_USER, HOSTILE_USERS[XSS_USER]),
                 prompt="consent")
        page = f.consent_page()
        text = self._no_markup_injected(page.resp.text)
        assert XSS_USER in text
        r = f.post(page)
        assert r.status_code == 303
        q = f.redirect_query(r)
        tokens.register(q["code"])
        _, claims = verify_access_token(h, assert_token_ok(
            f.token(q["code"]))["access_token"])
        assert claims["sub"] == XSS_USER

    @pytest.mark.parametrize("name", [
        "</title><script>alert(1)</script>",
        "\"><svg onload=alert(1)>", "{{client_name}}{{#scopes}}",
        "&lt;script&gt;already escaped&lt;/script&gt;"])
    def test_registered_client_name_escaped(self, h, name):
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_name": name, "redirect_uris": ["https://app.example/cb"],
            "scope": "read"})
        assert r.status_code == 201, r.text
        reg = r.json()
        c = Client(reg["client_id"], reg["client_secret"],
                   ["https://app.example/cb"], name, "read",
                   ("authorization_code",), False)
        page = Flow(h, c).consent_page()
        text = self._no_markup_injected(page.resp.text)
        assert name in text
        assert "svg" not in markup(page.resp.text)[0]

    def test_state_escaped_and_kept(self, h, client):
        state = "\"'><script>alert(1)</script>{{csrf_token}}"
        f = Flow(h, client, state=state, prompt="consent")
        page = f.consent_page()
        self._no_markup_injected(page.resp.text)
        assert page.field("state") == state
        q = f.redirect_query(f.post(page))
        tokens.register(q["code"])
        assert q["state"] == state

    def test_error_page_escapes_reflected_parameter(self, h, client):
        """A repeated parameter whose name is markup: the error page says
        so without the name (issue 12), and escapes whatever it shows."""
        f = Flow(h, client, prompt="consent")
        page = f.consent_page()
        evil = "<script>alert(1)</script>"
        data = page.data() + [(evil, "1"), (evil, "2")]
        r = h.session.post(page.action_url(), data=data, auth=ALICE,
                           allow_redirects=False, timeout=10)
        assert_page(r, r.status_code)
        self._no_markup_injected(r.text)

    def test_clickjacking_and_referrer_headers_everywhere(self, h, client):
        """Every response of the authorization endpoint that a browser
        renders or follows forbids framing and referrers, and is not
        cached (RFC 9700 §4.16, §4.2.4)."""
        responses = []
        f = Flow(h, client, prompt="consent")
        page = f.consent_page()
        responses.append(page.resp)                          # consent page
        responses.append(f.post(page))                       # 303 approve
        responses.append(Flow(h, client).get())              # 302 remembered
        responses.append(Flow(h, client, scope="nope").get())  # 302 error
        responses.append(Flow(h, client, client_id="x").get())  # 400 page
        f2 = Flow(h, client, prompt="consent")
        p2 = f2.consent_page()
        responses.append(f2.post(p2, replace={"csrf_token": "1.x"}))  # 403
        responses.append(f2.post(p2, "deny"))                # 303 deny
        for r in responses:
            assert r.status_code in (200, 302, 303, 400, 403), r.status_code
            frame_headers_ok(r)
            assert r.headers.get("Referrer-Policy") == "no-referrer"
            assert r.headers.get("Cache-Control") == "no-store"
            if r.status_code in (302, 303):
                q = single_query(r.headers["Location"].split("?", 1)[1])
                if "code" in q:
                    tokens.register(q["code"])

    def test_pages_load_nothing_from_elsewhere(self, h, client):
        """No third-party resources or outbound links on the pages that
        see the request's parameters (RFC 9700 §4.2.4)."""
        bodies = [Flow(h, client, prompt="consent").consent_page().resp,
                  Flow(h, client, client_id="x").get()]
        for r in bodies:
            tags, attrs, _ = markup(r.text)
            assert not {"script", "img", "iframe", "link", "a", "object",
                        "embed", "base"} & set(tags), tags
            for name, value in attrs:
                assert name not in ("src", "href", "srcset"), (name, value)
            assert ('<meta name="referrer" content="no-referrer">'
                    in r.text)
            csp = r.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp, csp


# ===========================================================================
# Names that read as other names: bidi and C1 controls (issue 12, item 3;
# OAuth 2.1 §7.9: the consent page must let the user tell clients apart)
# ===========================================================================

# what registration and oauth2-admin refuse in a client name
SPOOFING_NAMES = {
    "rlo": "evil\u202emoc.elpmaxe",     # reads "evilexample.com"
    "lro": "a\u202db",
    "rle": "a\u202bb",
    "pdf": "a\u202cb",
    "rlm": "app\u200f",
    "lrm": "\u200eapp",
    "alm": "app\u061c",
    "rli": "a\u2067b",
    "fsi": "a\u2068b\u2069",
    "c1-nel": "app\u0085",
    "c1-csi": "app\u009b31m",
    "c1-first": "\u0080app",
    "c1-last": "app\u009f",
    "line-separator": "app\u2028b",
    "esc": "app\x1b[31m",
    "del": "app\x7f",
}
BIDI = {"rlo", "lro", "rle", "pdf", "rlm", "lrm", "alm", "rli", "fsi"}

# names that are names, in every script
WORLD_NAMES = {
    "arabic": "\u062a\u0637\u0628\u064a\u0642 \u0627\u0644\u0635\u0648\u0631",
    "hebrew": "\u05d9\u05d9\u05e9\u05d5\u05dd \u05e9\u05dc\u05d9",
    "cjk": "\u5e94\u7528\u7a0b\u5e8f \u30a2\u30d7\u30ea",
    "emoji": "Rocket \U0001f680 \U0001f469\u200d\U0001f467",
    "mixed": "Caf\u00e9 \u05e9\u05dc\u05d9 123",
}


class TestDisplaySpoofing:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-display")

    CB = "https://app.example/cb"

    def register(self, h, name):
        return h.session.post(h.url("/oauth2/register"), json={
            "client_name": name, "redirect_uris": [self.CB],
            "scope": "read"})

    def client_of(self, reg, name):
        return Client(reg["client_id"], reg["client_secret"], [self.CB],
                      name, "read", ("authorization_code",), False)

    def stored_names(self, h):
        if "oa2_clients" not in h.store.tables():
            return set()        # nothing was ever stored
        return {r[0] for r in h.store.rows(
            "SELECT name FROM oa2_clients WHERE issuer = ?", (h.issuer,))}

    @staticmethod
    def isolated(body, name):
        """Every place the page shows name: in <bdi> in the body, between
        FSI and PDI in the title (which holds no elements)."""
        inline = body.count("<bdi>%s</bdi>" % name)
        title = body.count("&#x2068;%s&#x2069;" % name)
        return inline, title, body.count(name)

    @pytest.mark.parametrize("kind", sorted(SPOOFING_NAMES))
    def test_registration_refuses(self, h, kind):
        name = SPOOFING_NAMES[kind]
        r = self.register(h, name)
        assert r.status_code == 400, (r.status_code, r.text)
        doc = r.json()
        assert doc["error"] == "invalid_client_metadata", doc
        desc = doc["error_description"]
        assert ERROR_TEXT.match(desc), repr(desc)
        assert desc.startswith("client_name contains "), desc
        assert ("bidirectional" if kind in BIDI else "control") in desc
        assert name not in self.stored_names(h)
        log = h.new_log()
        assert ("OA2-00800" if kind in BIDI else "OA2-00752") in log, log

    @pytest.mark.parametrize("kind", sorted(SPOOFING_NAMES))
    def test_admin_refuses(self, h, kind):
        name = SPOOFING_NAMES[kind]
        p = admin(h, "client", "add", name, "--redirect-uri", self.CB,
                  check=False)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert p.stdout == ""
        assert "client name" in p.stderr, p.stderr
        assert ("bidirectional" if kind in BIDI else "control") in p.stderr
        assert name not in p.stderr
        assert name not in self.stored_names(h)

    @pytest.mark.parametrize("kind", sorted(WORLD_NAMES))
    def test_every_script_is_a_name(self, h, kind):
        name = WORLD_NAMES[kind]
        r = self.register(h, name)
        assert r.status_code == 201, r.text
        reg = r.json()
        assert reg["client_name"] == name
        page = Flow(h, self.client_of(reg, name)).consent_page()
        assert self.isolated(page.resp.text, name) == (2, 1, 3)
        admin_made = add_client(h, name=name + " (admin)",
                                redirect_uris=(self.CB,))
        page = Flow(h, admin_made).consent_page()
        assert self.isolated(page.resp.text, name + " (admin)") == (2, 1, 3)

    def test_consent_page_isolates_what_others_chose(self, h):
        """The client's name (twice), the user's name and the resource
        are each in <bdi>, so none can reorder the sentence around it."""
        c = add_client(h, name="Plain Name", redirect_uris=(self.CB,))
        body = Flow(h, c, resource=RESOURCE).consent_page().resp.text
        assert self.isolated(body, "Plain Name") == (2, 1, 3)
        assert "<strong><bdi>alice</bdi></strong>" in body
        assert "<code><bdi>%s</bdi></code>" % RESOURCE in body

    def test_name_stored_before_the_check_is_isolated(self, h):
        """A database may hold names registered before they were
        refused: the page and oauth2-admin mask the characters (and the
        page isolates the rest)."""
        c = add_client(h, name="Honest", redirect_uris=(self.CB,))
        name = "evil\u202emoc.elpmaxe\u2067"       # RLO, and an open RLI
        h.store.execute("UPDATE oa2_clients SET name = ? WHERE issuer = ? "
                        "AND client_id = ?", (name, h.issuer, c.client_id))
        body = Flow(h, c).consent_page().resp.text
        assert "\u202e" not in body and "\u2067" not in body
        assert self.isolated(body, "evil?moc.elpmaxe?") == (2, 1, 3)
        listed = admin(h, "client", "list").stdout
        assert "%s\tevil?moc.elpmaxe?\t" % c.client_id in listed, listed
        shown = admin(h, "client", "show", c.client_id).stdout
        assert "name: evil?moc.elpmaxe?\n" in shown, shown


# ===========================================================================
# Request syntax: duplicates, unknown parameters, sizes, error texts
# (OAuth 2.1 §3.1, §3.2, §3.2.4, §1.7.1; RFC 9700 §4.1)
# ===========================================================================

def chunked_post(h, path, body, headers=()):
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
    try:
        conn.putrequest("POST", path, skip_accept_encoding=True)
        conn.putheader("Connection", "close")
        conn.putheader("Transfer-Encoding", "chunked")
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders()
        for i in range(0, len(body), 4096):
            chunk = body[i:i + 4096]
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


FORM = "application/x-www-form-urlencoded"
BIG = 64 * 1024 + 16


class TestRequestSyntax:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-syntax")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    @pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/introspect",
                                      "/oauth2/revoke", "/oauth2/authorize"])
    def test_oversized_form_body(self, h, client, path):
        body = "grant_type=client_credentials&token=x&pad=" + "a" * BIG
        auth = ALICE if path.endswith("authorize") else client.auth
        r = h.session.post(h.url(path), data=body, auth=auth, timeout=30,
                           headers={"Content-Type": FORM},
                           allow_redirects=False)
        assert r.status_code == 400, (r.status_code, r.text[:300])
        assert "OA2-00412" in h.new_log()
        status, _ = chunked_post(h, path, body.encode(), headers=[
            ("Content-Type", FORM),
            ("Authorization", basic(*auth) if path.endswith("authorize")
             else basic(client.client_id, client.client_secret))])
        assert status == 400, status

    def test_oversized_registration(self, h):
        doc = json.dumps({"client_name": "x", "grant_types":
                          ["client_credentials"], "pad": "a" * BIG})
        r = h.session.post(h.url("/oauth2/register"), data=doc,
                           headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text[:300]

    def test_long_query_is_httpd_414(self, h, client):
        q = urllib.parse.urlencode(Flow(h, client).params)
        r = h.session.get(h.url("/oauth2/authorize?" + q + "&pad=" +
                                "a" * 9000), auth=ALICE,
                          allow_redirects=False)
        assert r.status_code == 414
        h.allow_log(r"AH00565")

    @pytest.mark.parametrize("path,data", [
        ("/oauth2/introspect", [("token", "a"), ("token", "b")]),
        ("/oauth2/revoke", [("token", "a"), ("token", "a")]),
        ("/oauth2/introspect", [("token", "a"), ("token_type_hint", "x"),
                                ("token_type_hint", "y")]),
        ("/oauth2/token", [("grant_type", "client_credentials"),
                           ("scope", "read"), ("scope", "")]),
        ("/oauth2/token", [("grant_type", "client_credentials"),
                           ("resource", RESOURCE), ("resource", RESOURCE)]),
        ("/oauth2/token", [("grant_type", "client_credentials"),
                           ("unknown", "1"), ("unknown", "2")]),
    ])
    def test_repeated_parameters(self, h, client, path, data):
        r = h.session.post(h.url(path), data=data, auth=client.auth)
        assert r.status_code == 400, (r.status_code, r.text)
        assert r.json()["error"] in ("invalid_request", "invalid_target")

    def test_repeated_client_secret(self, h, client):
        r = token_request(h, None, [
            ("grant_type", "client_credentials"),
            ("client_id", client.client_id),
            ("client_secret", client.client_secret),
            ("client_secret", "other")])
        assert r.status_code == 400 and r.json()["error"] == "invalid_request"

    @pytest.mark.parametrize("name", ["scope", "state", "code_challenge",
                                      "response_type", "prompt"])
    def test_repeated_authorize_parameter(self, h, client, name):
        f = Flow(h, client, prompt="consent")
        query = urllib.parse.urlencode(f.params) + "&" + \
            urllib.parse.urlencode({name: f.params.get(name, "x")})
        r = f.get(query=query)
        if r.status_code == 302:
            q = f.redirect_query(r)
            assert q["error"] == "invalid_request" and "code" not in q
        else:
            assert_page(r)      # a repeated state cannot be echoed

    def test_registration_duplicate_keys(self, h):
        doc = ('{"client_name": "a", "client_name": "b", '
               '"redirect_uris": ["https://app.example/cb"]}')
        r = h.session.post(h.url("/oauth2/register"), data=doc,
                           headers={"Content-Type": "application/json"})
        assert r.status_code == 400
        assert r.json()["error"] == "invalid_client_metadata"

    def test_unrecognized_parameters_ignored(self, h, client):
        """OAuth 2.1 §3.1, §3.2: unknown parameters are ignored."""
        f = Flow(h, client, foo="bar", nonce="n", response_mode="query",
                 prompt="consent")
        page = f.consent_page()
        q = f.redirect_query(f.post(page))
        tokens.register(q["code"])
        assert_token_ok(f.token(q["code"], foo="bar"))

    def test_sensitive_responses_not_cached(self, h, client):
        """Cache-Control: no-store on every response with tokens or
        credentials (OAuth 2.1 §3.2.3), errors included."""
        rs = [client_credentials(h, client),
              client_credentials(h, client, scope="nope"),
              introspect(h, client, "x"),
              revoke(h, client, "x"),
              h.session.post(h.url("/oauth2/register"), json={
                  "client_name": "c", "grant_types": ["client_credentials"]}),
              ]
        tokens.register(rs[-1].json().get("client_secret"))
        for r in rs:
            assert r.headers.get("Cache-Control") == "no-store", \
                (r.request.url, r.status_code, r.headers)

    def test_log_lines_cannot_be_forged(self, h, client):
        """Request data cannot start a log line of its own: a repeated
        parameter's name reaches the log only when it is a plain name (and
        the client's error_description never)."""
        forged = "x\r\n[Mon Jan 01 00:00:00.000000 2024] [core:emerg] FORGED"
        r = h.session.post(h.url("/oauth2/token"), data=[
            ("grant_type", "client_credentials"), (forged, "1"),
            (forged, "2")], auth=client.auth)
        assert r.status_code == 400
        log = h.new_log()
        # the name is not echoed at all: it is not a safe parameter name
        assert "FORGED" not in log, log
        assert not any(ln.startswith("[Mon Jan 01") for ln in log.splitlines())
        assert "OA2-00262" in log and "a parameter is repeated" in log, log

    @pytest.mark.parametrize("where", ["token", "authorize"])
    def test_error_description_charset(self, h, client, where):
        """error_description stays within %x20-21 / %x23-5B / %x5D-7E
        (RFC 6749 §5.2, §4.1.2.1; OAuth 2.1 §3.2.4), even when the request
        is full of other bytes: the text must not carry what the attacker
        sent to the client."""
        name = 'a"\\\r\nX-Evil: <b>\u00e9'
        if where == "token":
            data = [("grant_type", "client_credentials"), (name, "1"),
                    (name, "2")]
            r = h.session.post(h.url("/oauth2/token"), data=data,
                               auth=client.auth)
            assert r.status_code == 400
            desc = r.json().get("error_description", "")
        else:
            f = Flow(h, client)
            query = urllib.parse.urlencode(
                list(f.params.items()) + [(name, "1"), (name, "2")])
            r = f.get(query=query)
            assert r.status_code == 302
            desc = f.redirect_query(r).get("error_description", "")
        assert ERROR_TEXT.match(desc), repr(desc)


# ===========================================================================
# Error texts never carry the request's text (issue 12, item 4; RFC 6749
# §5.2, §4.1.2.1: error_description is for the client developer; what the
# attacker sent stays out of it and goes to the admin's log instead)
# ===========================================================================

HOSTILE = "<img/src=x>"


def assert_fixed_description(desc, *sent):
    """desc is within RFC 6749's characters and carries nothing of sent
    (compared case-insensitively: "JaVaScRiPt:" counts as "javascript:")."""
    assert desc, desc
    assert ERROR_TEXT.match(desc), repr(desc)
    for s in sent:
        assert s.lower() not in desc.lower(), (desc, s)


class TestNoReflection:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-reflect")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, scope="read")

    @pytest.mark.parametrize("scope", [HOSTILE, "read " + HOSTILE, "write",
                                       "read\u202e"])
    def test_token_scope(self, h, client, scope):
        r = client_credentials(h, client, scope=scope)
        assert_token_error(r, "invalid_scope")
        assert_fixed_description(r.json()["error_description"], scope,
                                 HOSTILE)
        log = h.new_log()
        assert re.search(r"OA2-0023[12]: invalid_scope: a requested scope is "
                         r"(unknown|not allowed)", log), log
        if scope == "read " + HOSTILE:
            # the admin still learns which scope it was
            assert "(scope %s)" % HOSTILE in log, log

    def test_token_repeated_name(self, h, client):
        r = token_request(h, client, [("grant_type", "client_credentials"),
                                      ("img.src", "1"), ("img.src", "2")])
        assert_token_error(r, "invalid_request")
        assert_fixed_description(r.json()["error_description"], "img.src")
        assert "OA2-00262" in h.new_log()

    @pytest.mark.parametrize("path", ["token", "introspect", "revoke"])
    def test_backchannel_hostile_values(self, h, client, path):
        """Values (a token, a hint, a resource, a grant type) and a wrong
        method never come back in the description."""
        url = h.url("/oauth2/" + path)
        data = [("grant_type", HOSTILE), ("token", HOSTILE),
                ("token_type_hint", HOSTILE), ("resource", HOSTILE)]
        r = h.session.post(url, data=data, auth=client.auth, timeout=10)
        if r.status_code != 200:
            assert_fixed_description(r.json()["error_description"], HOSTILE)
        r = h.session.get(url + "?x=" + urllib.parse.quote(HOSTILE),
                          auth=client.auth, timeout=10)
        assert r.status_code == 405
        assert_fixed_description(r.json()["error_description"], HOSTILE,
                                 "/oauth2/")
        r = h.session.post(url, data=[("grant_type", "client_credentials"),
                                      ("token", "x"), ("client_id", HOSTILE),
                                      ("client_secret", "y")], timeout=10)
        assert r.status_code in (400, 401), r.status_code
        assert_fixed_description(r.json()["error_description"], HOSTILE)

    @pytest.mark.parametrize("extra", [
        {"scope": HOSTILE}, {"scope": "read " + HOSTILE},
        {"resource": HOSTILE}, {"response_type": HOSTILE},
        {"code_challenge_method": HOSTILE}, {"prompt": "none " + HOSTILE},
        {"code_challenge": HOSTILE}])
    def test_authorize_redirect(self, h, client, extra):
        f = Flow(h, client, **extra)
        r = f.get()
        assert r.status_code == 302, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert "error" in q and "code" not in q, q
        assert_fixed_description(q["error_description"], HOSTILE)

    def test_authorize_redirect_repeated_name(self, h, client):
        f = Flow(h, client)
        query = urllib.parse.urlencode(
            list(f.params.items()) + [("img.src", "1"), ("img.src", "2")])
        r = f.get(query=query)
        assert r.status_code == 302
        q = f.redirect_query(r)
        assert q["error"] == "invalid_request"
        assert_fixed_description(q["error_description"], "img.src")
        assert "OA2-00312" in h.new_log()

    @pytest.mark.parametrize("over", [
        {"client_id": HOSTILE}, {"redirect_uri": "https://x.example/" +
                                 HOSTILE}])
    def test_authorize_error_page(self, h, client, over):
        r = Flow(h, client, **over).get()
        assert_page(r)
        _, _, text = markup(r.text)
        assert HOSTILE not in text and HOSTILE not in r.text, text

    @pytest.mark.parametrize("meta", [
        {"scope": HOSTILE},
        {"scope": "read " + HOSTILE},
        {"grant_types": [HOSTILE]},
        {"response_types": [HOSTILE]},
        {"token_endpoint_auth_method": HOSTILE},
        {"redirect_uris": ["JaVaScRiPt:alert(1)"]},
        {"redirect_uris": ["DaTa:text/html,x"]},
        {"redirect_uris": ["https://" + HOSTILE + "/cb"]},
        {"redirect_uris": ["HTTPS:cb"]},
        {"redirect_uris": ["http://evil.example/" + HOSTILE]},
        {"client_name": HOSTILE + "\u202e"},
    ])
    def test_registration(self, h, meta):
        doc = {"client_name": "x", "redirect_uris": ["https://app.example/cb"]}
        doc.update(meta)
        r = h.session.post(h.url("/oauth2/register"), json=doc)
        assert r.status_code == 400, (r.status_code, r.text)
        sent = [HOSTILE, "javascript", "data:", "HTTPS:", "evil.example"]
        assert_fixed_description(r.json()["error_description"], *sent)
        if "scope" in meta:
            log = h.new_log()
            assert "OA2-00755" in log and "(OA2-00231" in log, log


class TestModuleQueryLimit:
    """With httpd's request-line limit raised, the module's own 64 KiB
    limit on parameters still holds (OA2-00135): 400, not 500."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-longquery",
                     extra="LimitRequestLine 200000\n")

    def test_query_over_64k(self, h):
        c = add_client(h)
        q = urllib.parse.urlencode(Flow(h, c).params)
        r = h.session.get(h.url("/oauth2/authorize?" + q + "&pad=" +
                                "a" * BIG), auth=ALICE,
                          allow_redirects=False, timeout=30)
        assert_page(r)
        assert "OA2-00135" in h.new_log()


# ===========================================================================
# SQL metacharacters in every field that reaches the database
# (OAuth 2.1 §7.12)
# ===========================================================================

class TestSqlMetacharacters:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-sql",
                     registration="open")

    @pytest.fixture(scope="class")
    def made(self):
        return []

    @pytest.fixture(scope="class")
    def client(self, h, made):
        c = add_client(h)
        made.append(c)
        return c

    @pytest.mark.parametrize("payload", SQL_PAYLOADS)
    def test_client_id_at_authorize(self, h, client, payload):
        assert_page(Flow(h, client, client_id=payload).get())

    @pytest.mark.parametrize("payload", SQL_PAYLOADS)
    def test_client_id_at_token(self, h, payload):
        r = token_request(h, None, {"grant_type": "client_credentials",
                                    "client_id": payload,
                                    "client_secret": payload})
        assert_token_error(r, "invalid_client", 401)
        r = token_request(h, None, {"grant_type": "client_credentials"},
                          auth=(urllib.parse.quote(payload, safe=""),
                                urllib.parse.quote(payload, safe="")))
        assert_token_error(r, "invalid_client", 401)

    @pytest.mark.parametrize("payload", SQL_PAYLOADS)
    def test_redirect_uri_scope_state(self, h, client, payload):
        assert_page(Flow(h, client, redirect_uri="https://client.example/"
                         + payload).get())
        f = Flow(h, client, scope=payload)
        q = f.redirect_query(f.get())
        assert q["error"] == "invalid_scope" and q["state"] == f.state
        f = Flow(h, client, state=payload, prompt="consent")
        q = f.redirect_query(f.post(f.consent_page()))
        tokens.register(q["code"])
        assert q["state"] == payload
        assert_token_ok(f.token(q["code"]))

    @pytest.mark.parametrize("payload", SQL_PAYLOADS)
    def test_code_refresh_token_introspect_revoke(self, h, client, payload):
        f = Flow(h, client)
        assert_token_error(f.token(payload), "invalid_grant")
        assert_token_error(refresh(h, client, payload), "invalid_grant")
        assert_active(introspect(h, client, payload), False)
        assert revoke(h, client, payload).status_code == 200
        r = h.session.post(h.url("/oauth2/introspect"),
                           data={"token": "x", "token_type_hint": payload},
                           auth=client.auth)
        assert_active(r, False)

    def test_registration_metadata(self, h, made):
        name = "Robert'); DROP TABLE oa2_clients;-- \"x\""
        uri = "https://app.example/cb?q=';DROP%20TABLE%20oa2_codes;--"
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_name": name, "redirect_uris": [uri], "scope": "read",
            "grant_types": ["authorization_code", "refresh_token"]})
        assert r.status_code == 201, r.text
        reg = r.json()
        assert reg["client_name"] == name and reg["redirect_uris"] == [uri]
        c = Client(reg["client_id"], reg["client_secret"], [uri], name,
                   "read", ("authorization_code", "refresh_token"), False)
        made.append(c)
        f = Flow(h, c)
        page = f.consent_page()
        assert name in markup(page.resp.text)[2]
        q = f.redirect_query(f.post(page))
        tokens.register(q["code"])
        body = assert_token_ok(f.token(q["code"]))
        assert_token_ok(refresh(h, c, body["refresh_token"]))
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_name": "x", "redirect_uris": ["https://app.example/cb"],
            "scope": "read' OR '1'='1"})
        assert r.status_code == 400
        assert r.json()["error"] == "invalid_client_metadata"

    def test_user_name(self, h, client):
        """An end user whose name is SQL, authenticated by httpd: consent,
        code, tokens, remembered consent and revocation all treat it as a
        name."""
        user = (SQL_USER, HOSTILE_USERS[SQL_USER])
        f = Flow(h, client, user=user)
        page = f.consent_page()
        assert SQL_USER in markup(page.resp.text)[2]
        q = f.redirect_query(f.post(page, user=user))
        tokens.register(q["code"])
        body = assert_token_ok(f.token(q["code"]))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["sub"] == SQL_USER
        assert_ok(api(h, body["access_token"]))
        # remembered for this user only
        assert Flow(h, client, user=user).get().status_code == 302
        assert Flow(h, client, user=BOB).get().status_code == 200
        out = admin(h, "grant", "list", SQL_USER).stdout
        assert client.client_id in out
        assert_active(introspect(h, client, body["refresh_token"]), True)

    def test_zz_database_intact(self, h, made):
        """After all of the above: the database is sound, every table is
        there, every client made in this class still exists and works."""
        if h.store.driver == "sqlite3":
            assert h.store.rows("PRAGMA integrity_check")[0][0] == "ok"
        tables = h.store.tables()
        ids = {r[0] for r in h.store.rows(
            "SELECT client_id FROM oa2_clients")}
        assert {"oa2_clients", "oa2_codes", "oa2_refresh", "oa2_consents",
                "oa2_revoked", "oa2_nonces"} <= tables, tables
        assert len(made) >= 2
        for cl in made:
            assert cl.client_id in ids
        assert_token_ok(client_credentials(h, made[0]))


# ===========================================================================
# Client authentication and credentials (RFC 9700 §2.5, §4.15; OAuth 2.1
# §2.4, §7.7)
# ===========================================================================

def _log_messages(text, log_id):
    """The messages (after the [client ...] prefix) of log_id's lines."""
    out = []
    for line in text.splitlines():
        m = re.search(r"\] (%s: .*)$" % log_id, line)
        if m:
            out.append(m.group(1))
    return out


class TestClientAuth:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-clientauth",
                     registration="open")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    @pytest.fixture(scope="class")
    def post_client(self, h):
        return add_client(h, auth_method="client_secret_post")

    @pytest.mark.parametrize("method", ["basic", "post"])
    def test_secret_check_does_not_depend_on_length(self, h, client,
                                                    post_client, method):
        """Wrong secrets of every length take the same path: same status,
        body, challenge and log line.  Only the SHA-256 of the presented
        secret is compared (fixed 64 hex digits, CRYPTO_memcmp), so
        neither the length nor the prefix of the real secret shows."""
        if method == "post":
            client = post_client  # registered for the method it uses
        real = client.client_secret
        flip = "A" if real[-1] != "A" else "B"
        wrong = ["x", "x" * 42, real[:-1], real[:-1] + flip,
                 "A" * len(real), real + "x", "y" * 200, "z" * 2000]
        seen = set()
        for secret in wrong:
            before = len(h.new_log())
            r = token_request(h, None, {"grant_type": "client_credentials"},
                              auth=(client.client_id, secret)) \
                if method == "basic" else \
                token_request(h, None, {"grant_type": "client_credentials",
                                        "client_id": client.client_id,
                                        "client_secret": secret})
            assert r.status_code == 401
            msgs = _log_messages(h.new_log()[before:], "OA2-00229")
            assert len(msgs) == 1, h.new_log()[before:]
            seen.add((r.status_code, r.text,
                      r.headers.get("WWW-Authenticate"), msgs[0]))
        assert len(seen) == 1, seen
        assert_token_ok(client_credentials(h, client))

    def test_secret_in_query_string_ignored(self, h, client):
        """Client credentials never come from the request URI (OAuth 2.1
        §2.4.1)."""
        q = urllib.parse.urlencode({"client_id": client.client_id,
                                    "client_secret": client.client_secret})
        r = h.session.post(h.url("/oauth2/token?" + q),
                           data={"grant_type": "client_credentials"})
        assert_token_error(r, "invalid_client", 401)
        r = h.session.post(h.url("/oauth2/token?client_secret=" +
                                 urllib.parse.quote(client.client_secret)),
                           data={"grant_type": "client_credentials",
                                 "client_id": client.client_id})
        assert_token_error(r, "invalid_client", 401)

    def test_credentials_unguessable(self, h, client):
        """Codes, refresh tokens, client ids and secrets, jti and CSRF
        tokens carry at least 128 bits (base64url of >= 16 random bytes)
        and never repeat (OAuth 2.1 §7.7)."""
        b64url = re.compile(r"^[A-Za-z0-9_-]{22,}$")
        seen = {"code": [], "refresh": [], "jti": [], "secret": [],
                "client_id": [], "csrf": []}
        for i in range(6):
            c = add_client(h)
            seen["secret"].append(c.client_secret)
            seen["client_id"].append(c.client_id)
            f = Flow(h, client, prompt="consent")
            page = f.consent_page()
            seen["csrf"].append(page.csrf_token.split(".", 1)[1])
            q = f.redirect_query(f.post(page))
            tokens.register(q["code"])
            seen["code"].append(q["code"])
            body = assert_token_ok(f.token(q["code"]))
            seen["refresh"].append(body["refresh_token"])
            seen["jti"].append(verify_access_token(
                h, body["access_token"])[1]["jti"])
        for kind, values in seen.items():
            assert len(set(values)) == len(values), kind
            for v in values:
                assert b64url.match(v), (kind, v)
                assert len(v) * 6 >= 128, (kind, v)

    def test_client_cannot_choose_its_identity(self, h):
        """Registration ignores a client_id, secret or issue time the
        client proposes, so a client cannot name itself after a user and
        have its client_credentials tokens' sub pass for that user (RFC
        9700 §4.15)."""
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_id": "alice", "client_secret": "chosen-secret",
            "client_id_issued_at": 1, "client_name": "alice",
            "grant_types": ["client_credentials"], "scope": "read"})
        assert r.status_code == 201, r.text
        reg = r.json()
        tokens.register(reg["client_secret"])
        assert reg["client_id"] != "alice"
        assert reg["client_secret"] != "chosen-secret"
        assert reg["client_id_issued_at"] > 1
        assert_token_error(token_request(
            h, None, {"grant_type": "client_credentials"},
            auth=("alice", "chosen-secret")), "invalid_client", 401)
        body = assert_token_ok(token_request(
            h, None, {"grant_type": "client_credentials"},
            auth=(reg["client_id"], reg["client_secret"])))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["sub"] == reg["client_id"] != "alice"


# ===========================================================================
# A fresh database under a burst of first requests
# ===========================================================================

class TestFreshDatabase:
    """Anyone can send the first requests to a new server: several httpd
    children then create the tables of an empty SQLite database at the
    same time.  None of those requests may fail (no 503, no OA2-00210 or
    OA2-00401 in the log; the log guard fails the test on either).  The
    race needs luck, so the test tries several fresh servers."""

    ROUNDS = 5

    def test_concurrent_first_use(self, httpd_factory, keys):
        import threading
        per_round = []
        for n in range(self.ROUNDS):
            h = start(httpd_factory, keys, "attack-freshdb-%d" % n)
            statuses = []

            def burst():
                for _ in range(3):
                    conn = http.client.HTTPConnection("127.0.0.1", h.port,
                                                      timeout=10)
                    try:
                        conn.request("POST", "/oauth2/token",
                                     body=b"grant_type=client_credentials",
                                     headers={"Content-Type": FORM,
                                              "Connection": "close",
                                              "Authorization":
                                                  basic("x", "y")})
                        statuses.append(conn.getresponse().status)
                    except (OSError, http.client.HTTPException):
                        pass    # httpd's own connection churn at start
                    finally:
                        conn.close()

            threads = [threading.Thread(target=burst) for _ in range(24)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            h.stop()
            per_round.append({s: statuses.count(s) for s in set(statuses)})
        assert all(set(r) == {401} for r in per_round), per_round


# ===========================================================================
# A stolen database file
# ===========================================================================

class TestStolenDatabase:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-dbfile",
                     registration="open")

    def test_no_secret_in_the_database_files(self, h, keys):
        """Everything a thief of the database (oauth2.db and its -wal/-shm;
        every row of every table on PostgreSQL) reads:
        hashes, never a client secret, code, refresh token, access token,
        verifier or key (README: stored only as SHA-256 hashes)."""
        c = add_client(h)
        secrets = {"client secret": c.client_secret}
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_name": "dyn", "redirect_uris": ["https://app.example/cb"],
            "grant_types": ["authorization_code", "refresh_token"]})
        secrets["registered secret"] = tokens.register(
            r.json()["client_secret"])
        f = Flow(h, c)
        page = f.consent_page()
        secrets["csrf token"] = page.csrf_token
        q = f.redirect_query(f.post(page))
        secrets["code"] = tokens.register(q["code"])
        secrets["verifier"] = f.verifier
        body = assert_token_ok(f.token(q["code"]))
        secrets["access token"] = body["access_token"]
        secrets["refresh token 1"] = body["refresh_token"]
        body2 = assert_token_ok(refresh(h, c, body["refresh_token"]))
        secrets["refresh token 2"] = body2["refresh_token"]
        assert revoke(h, c, body2["access_token"]).status_code == 200
        blob = h.store.dump()
        for what, s in secrets.items():
            assert s.encode() not in blob, what
        # what is there instead: the hashes (so the files were the right
        # ones to look at)
        for what in ("client secret", "code", "refresh token 1"):
            digest = hashlib.sha256(secrets[what].encode()).hexdigest()
            assert digest.encode() in blob, what
        # and no key material
        assert b"PRIVATE KEY" not in blob
        with open(keys["ec1"].path, "rb") as k:
            der_line = k.read().splitlines()[1]
        assert der_line not in blob


# ===========================================================================
# A leaked log: nothing secret at any log level
# ===========================================================================

class TestLogsAtTrace8:
    """A full flow, every endpoint and the usual failures with LogLevel
    trace8: no client secret, code, verifier, access or refresh token or
    CSRF token appears in the error log or the access log.

    One exception is httpd's own, not the module's: its http module dumps
    every request and response header at trace4 (http_request.c "Headers
    received from client", http_filters.c "Response sent with status"),
    which includes "Authorization:" and a "Location:" with a code.  The
    test allows exactly those lines and nothing else; SECURITY.md tells
    administrators never to run http:trace4 or above in production.
    Because it does its own, finer check, the test takes the secrets it
    made out of the log guard's list when it is done."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start(httpd_factory, keys, "attack-trace8",
                     registration="open", extra="LogLevel trace8\n",
                     modules=("socache_shmcb",))

    def test_full_flow(self, h):
        seen = []

        def keep(*values):
            for v in values:
                if v:
                    seen.append(v)
            return values[0] if values else None

        # registration (confidential and public) and the admin CLI
        c = add_client(h)
        keep(c.client_secret)
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_name": "dyn", "redirect_uris": ["https://app.example/cb"],
            "token_endpoint_auth_method": "client_secret_post",
            "grant_types": ["authorization_code", "refresh_token",
                            "client_credentials"]})
        reg = r.json()
        keep(reg["client_secret"])
        r = h.session.post(h.url("/oauth2/register"), json={
            "client_name": "pub", "redirect_uris": ["http://127.0.0.1/cb"],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"]})
        pub = Client(r.json()["client_id"], None, ["http://127.0.0.1/cb"],
                     "pub", "", ("authorization_code", "refresh_token"),
                     True)
        # authorize, consent, code, token and refresh (Basic); the
        # registered client below uses client_secret_post
        f = Flow(h, c)
        page = f.consent_page()
        keep(page.csrf_token, f.verifier)
        q = f.redirect_query(f.post(page))
        code = keep(q["code"])
        b1 = assert_token_ok(f.token(code))
        keep(b1["access_token"], b1["refresh_token"])
        b2 = assert_token_ok(token_request(
            h, c, {"grant_type": "refresh_token",
                   "refresh_token": b1["refresh_token"]}))
        keep(b2["access_token"], b2["refresh_token"])
        # bearer calls: good, tampered, revoked
        assert_ok(api(h, b2["access_token"]))
        assert_invalid_token(api(h, tamper("signature-byte",
                                           b2["access_token"],
                                           b1["access_token"])), REALM)
        assert_active(introspect(h, c, b2["access_token"]), True)
        assert_active(introspect(h, c, b2["refresh_token"]), True)
        assert revoke(h, c, b2["access_token"]).status_code == 200
        assert_invalid_token(api(h, b2["access_token"]), REALM)
        # failures: replayed code, reused refresh token, wrong secret,
        # wrong verifier, a malformed Basic header
        assert_token_error(f.token(code), "invalid_grant")
        assert_token_error(refresh(h, c, b1["refresh_token"]),
                           "invalid_grant")
        wrong = keep("wrong-" + c.client_secret[6:])
        assert_token_error(token_request(
            h, None, {"grant_type": "client_credentials"},
            auth=(c.client_id, wrong)), "invalid_client", 401)
        f2 = Flow(h, c, prompt="consent")
        q2 = f2.redirect_query(f2.post(f2.consent_page()))
        keep(q2["code"], f2.verifier)
        assert_token_error(f2.token(q2["code"],
                                    code_verifier=keep(tokens.b64u(
                                        os.urandom(32)))), "invalid_grant")
        # the public client with PKCE only, and client_credentials
        fp = Flow(h, pub)
        qp = fp.redirect_query(fp.post(fp.consent_page()))
        keep(qp["code"], fp.verifier)
        bp = assert_token_ok(fp.token(qp["code"]))
        keep(bp["access_token"], bp["refresh_token"])
        assert revoke(h, pub, bp["refresh_token"]).status_code == 200
        cc = assert_token_ok(token_request(
            h, None, {"grant_type": "client_credentials",
                      "client_id": reg["client_id"],
                      "client_secret": reg["client_secret"]}))
        keep(cc["access_token"])
        assert_active(introspect(h, Client(
            reg["client_id"], reg["client_secret"], [], "dyn", "", (),
            False, "client_secret_post"), cc["access_token"]), True)

        # every form a secret could be logged in: whole, the 16 first
        # characters, a JWT's payload or signature, a Basic credential
        needles = set()
        for s in seen:
            needles.add(s)
            if s.count(".") == 2:
                needles.update(p for p in s.split(".")[1:] if len(p) >= 16)
            else:
                needles.add(s[:16])
        for cid, sec in ((c.client_id, c.client_secret),
                         (reg["client_id"], reg["client_secret"]),
                         (c.client_id, wrong)):
            needles.add(base64.b64encode(
                ("%s:%s" % (cid, sec)).encode()).decode())

        errlog = h.new_log()
        acclog = (h.logs / "access_log").read_text()
        # the log really is that verbose
        assert re.search(r"\[\w+:trace8\]", errlog)
        assert "[oauth2:debug]" in errlog
        assert "OA2-00105" in errlog        # the token cache's path too
        header_dump = re.compile(
            r"\[http:trace4\] .*\] (http_request|http_filters)\.c\(\d+\): "
            r"\[client [^\]]*\]   (Authorization|Location): ")
        leaks = []
        for line in errlog.splitlines():
            hit = [n for n in needles if n in line]
            if hit and not header_dump.search(line):
                leaks.append(line)
        assert not leaks, "\n".join(leaks)
        for n in needles:
            assert n not in acclog, n
        # the module's own lines never carry one, whatever the level
        for line in errlog.splitlines():
            if "[oauth2:" in line:
                assert not [n for n in needles if n in line], line
        # this test checked the log itself, line by line
        tokens.MINTED.difference_update(seen)
