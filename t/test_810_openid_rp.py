# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A real relying party (issue 13): Debian's mod_auth_openidc in a second
httpd logs a user in through this OpenID Provider, with Debian's chromium as
the user's browser.

The OP is http://127.0.0.1:P (Basic-authenticated users, as the other AS
tests); the RP is http://localhost:Q, another site, so that cookies and the
browser's cross-site rules apply as between two real hosts. The RP
discovers the OP from its openid-configuration, runs the code flow with
PKCE S256 and client_secret_basic, validates our ID token (signature from
our JWKS, iss, aud, nonce, exp/iat, at_hash) and calls our UserInfo; its
protected page is a CGI that shows what the RP made of it.

The browser has no Authorization header forced on it: it is given alice's
password once, in the URL of a page of the OP's realm, and from then on
answers the OP's Basic challenges from its own credential cache, as a
person who typed the password once. Nothing reaches the RP but cookies."""

import json
import os
import re
import secrets
import time
import urllib.parse

import pytest
import requests

import tokens
from authserver import (ALICE, add_client, assert_token_error, basic_login,
                        refresh, single_query, start_as)
from browser import MISSING, chromium, wait_for
from httpd import MODULE_DIR

if not MISSING:
    from selenium.webdriver.common.by import By

OPENIDC = os.path.join(MODULE_DIR, "mod_auth_openidc.so")

pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=str(MISSING)),
    pytest.mark.skipif(not os.path.isfile(OPENIDC),
                       reason="%s missing (Debian: "
                              "libapache2-mod-auth-openidc)" % OPENIDC),
]

CLAIMS = """
OAuth2UserClaim email email "%{REMOTE_USER}@example.org"
OAuth2UserClaim email email_verified "true"
"""

# the OP's page that gives the browser alice's password for the realm of
# the authorize endpoint (as_config's AuthName "demo")
LOGIN_PAGE = """<!DOCTYPE html>
<html><head><title>signed in</title><link rel="icon" href="data:,">
</head><body><p id="signed-in">signed in</p></body></html>
"""

# the RP's application: what mod_auth_openidc passed it, in the
# environment (OIDCPassClaimsAs default: both)
APP_CGI = """#!/usr/bin/python3
import html, os, sys
names = ["REMOTE_USER", "AUTH_TYPE", "OIDC_CLAIM_sub", "OIDC_CLAIM_iss",
         "OIDC_CLAIM_aud", "OIDC_CLAIM_nonce", "OIDC_CLAIM_email",
         "OIDC_CLAIM_email_verified", "OIDC_id_token_payload",
         "OIDC_userinfo_json", "OIDC_id_token", "OIDC_access_token",
         "OIDC_refresh_token", "HTTP_AUTHORIZATION"]
sys.stdout.write("Content-Type: text/html; charset=utf-8\\r\\n\\r\\n")
sys.stdout.write('<!DOCTYPE html><html><head><title>app</title>'
                 '<link rel="icon" href="data:,"></head><body><dl id="env">')
for n in names:
    v = os.environ.get(n)
    if v is not None:
        sys.stdout.write('<dt>%s</dt><dd id="%s">%s</dd>'
                         % (n, n, html.escape(v)))
sys.stdout.write("</dl></body></html>")
"""

LOGGED_OUT_PAGE = """<!DOCTYPE html>
<html><head><title>logged out</title><link rel="icon" href="data:,">
</head><body><p id="logged-out">logged out</p></body></html>
"""


def access_lines(h, since=0):
    """The access log of h from line since on, as (method, path, status)."""
    try:
        text = (h.logs / "access_log").read_text()
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines()[since:]:
        m = re.search(r'"(\S+) (\S+) [^"]*" (\d{3}) ', line)
        if m:
            out.append((m.group(1), m.group(2), int(m.group(3))))
    return out


def access_until(h, since, want, timeout=2.0):
    """access_lines(h, since) once every entry of want is among them, or
    want(lines) is true (a request's line is written after its response:
    the RP or the browser may be done with it a moment before)."""
    done = want if callable(want) else lambda seen: all(w in seen
                                                         for w in want)
    deadline = time.monotonic() + timeout
    while True:
        seen = access_lines(h, since)
        if done(seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.02)


class TestRelyingParty:

    @pytest.fixture(scope="class")
    def op(self, httpd_factory, keys):
        def extra(h):
            return CLAIMS + basic_login("/login", h.path("htpasswd"))
        return start_as(httpd_factory, keys, "op",
                        files={"htdocs/login/index.html": LOGIN_PAGE},
                        extra=extra)

    @pytest.fixture(scope="class")
    def rp_httpd(self, httpd_factory):
        return httpd_factory("rp", module=False, server_name="localhost",
                             modules=["auth_openidc"])

    @pytest.fixture(scope="class")
    def client(self, op, rp_httpd):
        return add_client(op, "Relying Party",
                          redirect_uris=[self.redirect_uri(rp_httpd)],
                          scope="openid email",
                          grants=("authorization_code", "refresh_token"),
                          post_logout_redirect_uris=[
                              self.logged_out_uri(rp_httpd)])

    @staticmethod
    def redirect_uri(rp):
        return "http://localhost:%d/app/redirect_uri" % rp.port

    @staticmethod
    def logged_out_uri(rp):
        return "http://localhost:%d/loggedout.html" % rp.port

    @pytest.fixture(scope="class")
    def rp(self, op, rp_httpd, client):
        h = rp_httpd
        h.write_cgi("cgi-bin/app.py", APP_CGI)
        h.write_file("htdocs/loggedout.html", LOGGED_OUT_PAGE)
        # loopback http on both sides, said at start-up
        h.allowed_always += [r"auth_openidc:warn.*OIDCProviderMetadataURL "
                             r"SHOULD be \"https\"",
                             r"auth_openidc:warn.*OIDCRedirectURI "
                             r"SHOULD be \"https\""]
        h.start("""
OIDCProviderMetadataURL {op}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {secret}
OIDCRedirectURI {redirect_uri}
OIDCCryptoPassphrase {passphrase}
OIDCScope "openid email"
OIDCPKCEMethod S256
OIDCRemoteUserClaim sub
OIDCPassIDTokenAs claims payload serialized
OIDCPassUserInfoAs claims json
ScriptAliasMatch ^/(app/?|fresh)$ "{cgi_bin}/app.py"
<LocationMatch ^/(app|fresh)>
    AuthType openid-connect
    Require valid-user
    OIDCPassRefreshToken on
    # so that the page would show a password the browser sent here
    CGIPassAuth on
</LocationMatch>
# the same page, where the RP refreshes its access token at each visit
# (ours live 900 s): the refresh token grant, and our new ID token
<Location /fresh>
    OIDCRefreshAccessTokenBeforeExpiry 3600
</Location>
""".format(op=op.issuer, client_id=client.client_id,
           secret=client.client_secret,
           redirect_uri=self.redirect_uri(h),
           passphrase=secrets.token_urlsafe(24), cgi_bin=h.cgi_bin))
        return h

    @pytest.fixture(scope="class")
    def browser(self, op):
        with chromium() as b:
            user, pw = ALICE
            b.get("http://%s:%s@127.0.0.1:%d/login/" % (user, pw, op.port))
            wait_for(b, lambda d: d.find_elements(By.ID, "signed-in"),
                     "the browser did not sign in at the OP")
            yield b

    # ---- the browser ------------------------------------------------------

    def app_url(self, rp):
        return "http://localhost:%d/app" % rp.port

    def new_rp_session(self, b):
        """Forget every cookie (the RP's session, the OP's nothing): the
        next visit to /app is a new login at the RP; the browser keeps
        alice's password for the OP."""
        b.execute_cdp_cmd("Network.clearBrowserCookies", {})

    def open_app(self, b, rp, consent, path="/app"):
        """Open the RP's /app and follow it through the OP: approve the
        consent page when consent is true, else there must be none (None:
        approve it when shown). Returns the environment the RP's
        application saw."""
        url = "http://localhost:%d%s" % (rp.port, path)
        b.get(url)
        wait_for(b, lambda d: d.find_elements(By.ID, "env") or
                 d.find_elements(By.CSS_SELECTOR, 'button[name="decision"]'),
                 "neither the RP's page nor the OP's consent page")
        buttons = b.find_elements(By.CSS_SELECTOR, 'button[name="decision"]')
        if consent is None:
            consent = bool(buttons)
        if consent:
            assert buttons, "no consent page"
            body = b.find_element(By.TAG_NAME, "body").text
            assert "Relying Party" in body, body
            buttons = [x for x in buttons
                       if x.get_attribute("value") == "approve"]
            buttons[0].click()
            wait_for(b, lambda d: d.find_elements(By.ID, "env"),
                     "the RP's page did not load after the consent")
        else:
            assert not buttons, "the consent page was shown again"
        assert b.current_url == url, b.current_url
        env = {}
        for dd in b.find_elements(By.CSS_SELECTOR, "#env dd"):
            env[dd.get_attribute("id")] = dd.text
        # the tokens the RP holds: the log guard fails a test that finds
        # one in either error log
        for name in ("OIDC_id_token", "OIDC_access_token",
                     "OIDC_refresh_token"):
            assert env.get(name), (name, env)
            tokens.register(env[name])
        return env

    def rp_session(self, rp, b):
        """What /app answers a client holding the browser's RP cookies
        (not following redirects)."""
        # a Cookie header of its own: http.cookiejar does not match
        # cookies of the dotless domain "localhost"
        cookie = "; ".join("%s=%s" % (c["name"], c["value"])
                           for c in b.get_cookies())
        # Accept: text/html: a browser's navigation, which
        # mod_auth_openidc answers with a redirect when it has no
        # session (and 401 otherwise)
        headers = {"Accept": "text/html"}
        if cookie:
            headers["Cookie"] = cookie
        s = requests.Session()
        s.trust_env = False
        try:
            return s.get(self.app_url(rp), allow_redirects=False,
                         timeout=10, headers=headers)
        finally:
            s.close()

    def assert_logged_in(self, op, client, env, nonce=True):
        # the RP's REMOTE_USER is our sub (OIDCRemoteUserClaim sub): it
        # took it from an ID token it accepted
        assert env["AUTH_TYPE"] == "openid-connect", env
        assert env["REMOTE_USER"] == "alice", env
        assert env["OIDC_CLAIM_email"] == "alice@example.org", env
        assert env["OIDC_CLAIM_email_verified"] == "1", env
        assert env["OIDC_CLAIM_iss"] == op.issuer, env
        assert env["OIDC_CLAIM_aud"] == client.client_id, env
        # the ID token as the RP validated it: its nonce came back (none
        # after a refresh), the user claims are in it, not only in
        # UserInfo
        idt = json.loads(env["OIDC_id_token_payload"])
        assert idt["sub"] == "alice" and idt["iss"] == op.issuer, idt
        assert idt["aud"] == client.client_id, idt
        assert idt["azp"] == client.client_id, idt
        if nonce:
            assert idt["nonce"], idt
            assert idt["nonce"] == env["OIDC_CLAIM_nonce"], idt
        else:
            assert "nonce" not in idt, idt
        assert idt["email"] == "alice@example.org", idt
        assert idt["email_verified"] is True, idt
        assert idt["at_hash"], idt
        # and UserInfo, called with the access token the RP was given
        info = json.loads(env["OIDC_userinfo_json"])
        assert info == {"sub": "alice", "email": "alice@example.org",
                        "email_verified": True}, info
        # the browser's password for the OP never went to the RP
        assert "HTTP_AUTHORIZATION" not in env, env

    # ---- the tests ----------------------------------------------------------

    def test_login_through_consent(self, op, rp, client, browser):
        b = browser
        self.new_rp_session(b)
        mark = len(access_lines(op))
        env = self.open_app(b, rp, consent=True)
        self.assert_logged_in(op, client, env)
        # the front channel: authorize (the consent page), the form's
        # POST; the back channel: discovery, token, JWKS, UserInfo
        back = [("GET", "/.well-known/openid-configuration", 200),
                ("POST", "/oauth2/token", 200), ("GET", "/oauth2/jwks", 200),
                ("GET", "/oauth2/userinfo", 200)]
        seen = access_until(op, mark, back)
        for w in back + [("POST", "/oauth2/authorize", 303)]:
            assert w in seen, (w, seen)
        assert ("GET", "/oauth2/authorize", 200) in [
            (m, p.split("?")[0], st) for m, p, st in seen], seen
        assert "OA2-00434: alice approved client %s for scope " \
            "\"openid email\"" % client.client_id in op.new_log()
        # the RP keeps its own session now
        r = self.rp_session(rp, b)
        assert r.status_code == 200 and "alice@example.org" in r.text, \
            (r.status_code, r.headers)

    def test_second_login_remembers_consent(self, op, rp, client, browser):
        b = browser
        self.new_rp_session(b)
        r = self.rp_session(rp, b)
        assert r.status_code == 302, (r.status_code, r.headers)
        assert r.headers["Location"].startswith(
            op.url("/oauth2/authorize?")), r.headers
        # the first login of this client (when this test runs alone)
        if not any(p == "/oauth2/authorize" and m == "POST"
                   for m, p, _ in access_lines(op)):
            self.open_app(b, rp, consent=True)
            self.new_rp_session(b)
        mark = len(access_lines(op))
        env = self.open_app(b, rp, consent=False)
        self.assert_logged_in(op, client, env)
        seen = access_until(op, mark, [("POST", "/oauth2/token", 200)])
        authorize = [(m, st) for m, p, st in seen
                     if p.startswith("/oauth2/authorize")]
        # a GET answered with the redirect back to the RP, no consent
        # form; the browser sends its password for the OP's realm at once
        # by now (at the first login it did so after a 401)
        assert ("GET", 302) in authorize, seen
        assert not [x for x in authorize if x[0] == "POST"], seen
        assert ("POST", "/oauth2/token", 200) in seen, seen

    def test_refresh_brings_new_id_token(self, op, rp, client, browser):
        """The RP's refresh token grant (Core §12.2): it accepts the new
        ID token, for the same user and login, without a nonce."""
        b = browser
        self.new_rp_session(b)
        first = json.loads(self.open_app(b, rp, consent=None)
                           ["OIDC_id_token_payload"])
        mark = len(access_lines(op))
        env = self.open_app(b, rp, consent=False, path="/fresh")
        seen = access_until(op, mark, [("POST", "/oauth2/token", 200)])
        # a refresh only: no authorize, no new login
        assert seen == [("POST", "/oauth2/token", 200)], seen
        self.assert_logged_in(op, client, env, nonce=False)
        idt = json.loads(env["OIDC_id_token_payload"])
        assert idt["auth_time"] == first["auth_time"], (first, idt)
        assert idt["at_hash"] != first["at_hash"], (first, idt)
        assert idt["iat"] >= first["iat"], (first, idt)

    def test_logout_through_the_op(self, op, rp, client, browser):
        """RP-Initiated Logout 1.0: the RP's logout URL ends its session
        and sends the browser through our end_session_endpoint, which
        sends it back to the registered post-logout page; then /app wants
        a new login."""
        b = browser
        self.new_rp_session(b)
        before = self.open_app(b, rp, consent=None)
        assert self.rp_session(rp, b).status_code == 200
        mark = len(access_lines(op))
        done = self.logged_out_uri(rp)
        b.get(self.redirect_uri(rp) + "?logout="
              + urllib.parse.quote(done, safe=""))
        wait_for(b, lambda d: d.find_elements(By.ID, "logged-out"),
                 "the browser did not come back to the RP's logged-out page")
        landed = urllib.parse.urlsplit(b.current_url)
        assert landed._replace(query="").geturl() == done, b.current_url
        # our end_session_endpoint was on the way, with the RP's ID token
        # and the registered URI, and redirected

        def ends_of(seen):
            return [(m, p, st) for m, p, st in seen
                    if p.split("?")[0] == "/oauth2/logout"]
        seen = access_until(op, mark, ends_of)
        ends = ends_of(seen)
        assert len(ends) == 1, seen
        method, path, status = ends[0]
        assert method == "GET" and status == 302, ends
        q = single_query(urllib.parse.urlsplit(path).query)
        assert q["id_token_hint"] == before["OIDC_id_token"], q
        assert q["post_logout_redirect_uri"] == done, q
        # (mod_auth_openidc 2.4.12.3 sends no state; a later one may)
        if "state" in q:
            assert single_query(landed.query) == {"state": q["state"]}, \
                (q, b.current_url)
        else:
            assert not landed.query, b.current_url
        assert "OA2-00916: logout of alice from client %s" \
            % client.client_id in op.new_log()
        # on its way out the RP revoked its tokens at our revocation
        # endpoint (it found it in the discovery document): the access
        # token no longer opens UserInfo, the refresh token is dead
        assert seen.count(("POST", "/oauth2/revoke", 200)) == 2, seen
        r = op.session.get(op.url("/oauth2/userinfo"), timeout=10,
                           headers={"Authorization": "Bearer "
                                    + before["OIDC_access_token"]})
        assert r.status_code == 401, (r.status_code, r.text[:300])
        assert "OA2-00900" in op.new_log()
        assert_token_error(refresh(op, client, before["OIDC_refresh_token"]),
                           "invalid_grant")
        # the RP's session is gone: /app sends the browser to us again
        r = self.rp_session(rp, b)
        assert r.status_code == 302, (r.status_code, r.headers)
        assert r.headers["Location"].startswith(
            op.url("/oauth2/authorize?")), r.headers
        # and a new login goes through (consent remembered, the browser
        # still answers our Basic challenge)
        mark = len(access_lines(op))
        env = self.open_app(b, rp, consent=False)
        self.assert_logged_in(op, client, env)
        assert env["OIDC_id_token"] != before["OIDC_id_token"]
        seen = access_until(op, mark, [("POST", "/oauth2/token", 200)])
        assert ("GET", 302) in [(m, st) for m, p, st in seen
                                if p.startswith("/oauth2/authorize?")], seen
