# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The device authorization grant (issue 16; SPEC.md "Device authorization
grant (RFC 8628)", "Operations") and OAuth2RateLimit.

A client registered for urn:ietf:params:oauth:grant-type:device_code asks
{base}/device_authorization for a device_code and a user_code; its user,
signed in by httpd's Basic login, types the code at {base}/device and
approves or denies (device.html, with a csrf_token bound to the user and
the request); the client polls the token endpoint: authorization_pending,
slow_down (its interval grows by 5 s, kept in the database), access_denied,
expired_token, and the tokens once. OAuth2RateLimit answers 429 with
Retry-After to an address, client or user that failed client
authentication or a user code too often, before anything is checked; the
counts live in the token cache (memcached shared by two nodes here). npm's
oauth4webapi runs the device flow as the client while Debian's chromium
approves it (t/oauth4webapi/device.mjs). The codes, the CSRF binding and
the counters are unit-tested in t/unit/test_device.c and
t/unit/test_ratelimit.c.
"""

import hashlib
import re

import pytest
import requests

import tokens
from test_820_openid_clients import node_client  # noqa: F401
from authserver import (ALICE, AS_MODULES, BOB, ConsentPage, add_client,
                        api, as_config, assert_token_error, assert_token_ok,
                        basic_login, ep, start_as, token_request,
                        write_htpasswd)
from test_280_schema_upgrade import (AddedTable, LeastPrivilegeWithoutTable,
                                     UpgradeAddsTable)

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_GRANTS = (GRANT, "refresh_token")
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


def start_device_as(httpd_factory, keys, name, extra="", modules=(), **kw):
    """An AS with the token cache (shmcb, for OAuth2RateLimit), a Basic
    login on {base}/device, and a protected /api."""
    def more(h):
        return basic_login(ep(h, "device"), write_htpasswd(h)) + (
            extra(h) if callable(extra) else extra)
    files = dict(kw.pop("files", {}))
    files["htdocs/api/index.html"] = "api index\n"
    return start_as(httpd_factory, keys, name,
                    modules=("socache_shmcb",) + tuple(modules), extra=more,
                    files=files, **kw)


def device_client(h, public=False, grants=DEVICE_GRANTS, scope="read write"):
    return add_client(h, redirect_uris=(), grants=grants, public=public,
                      scope=scope)


def authorize(h, client, **data):
    """POST {base}/device_authorization as client; the response."""
    r = token_request(h, client, data, endpoint="device_authorization")
    if r.status_code == 200:
        body = r.json()
        tokens.register(body.get("device_code"))
        tokens.register(body.get("user_code"))
        tokens.register(body.get("user_code", "").replace("-", ""))
    return r


def assert_authorized(h, r):
    assert r.status_code == 200, (r.status_code, r.text[:500])
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    body = r.json()
    assert set(body) == {"device_code", "user_code", "verification_uri",
                         "verification_uri_complete", "expires_in",
                         "interval"}, body
    assert USER_CODE.match(body["user_code"]), body
    assert len(body["device_code"]) == 43, body
    assert body["verification_uri"] == h.issuer + ep(h, "device"), body
    assert body["verification_uri_complete"] == (
        body["verification_uri"] + "?user_code=" + body["user_code"]), body
    assert body["expires_in"] == 600 and body["interval"] == 5, body
    return body


def poll(h, client, device_code, **kw):
    return token_request(h, client, {"grant_type": GRANT,
                                     "device_code": device_code}, **kw)


def page(h, user=ALICE, method="GET", **params):
    """{base}/device as user: GET with params in the query, or POST."""
    url = h.url(ep(h, "device"))
    if method == "GET":
        return h.session.get(url, params=params, auth=user, timeout=10,
                             allow_redirects=False)
    return h.session.post(url, data=params, auth=user, timeout=10,
                          allow_redirects=False)


def consent(h, user_code, user=ALICE):
    r = page(h, user, user_code=user_code)
    assert r.status_code == 200, (r.status_code, r.text[:800])
    assert_page_headers(r)
    return ConsentPage(r)


def answer(h, user_code, decision="approve", user=ALICE):
    cp = consent(h, user_code, user)
    r = h.session.post(cp.action_url(), data=cp.data(decision), auth=user,
                       timeout=10, allow_redirects=False)
    assert r.status_code == 200, (r.status_code, r.text[:800])
    assert "return to your device" in r.text, r.text[:800]
    return r


def assert_page_headers(r):
    hd = r.headers
    assert hd.get("X-Frame-Options") == "DENY", hd
    assert "frame-ancestors 'none'" in hd.get("Content-Security-Policy", "")
    assert hd.get("Cache-Control") == "no-store", hd
    assert hd.get("Referrer-Policy") == "no-referrer", hd


def age(h, device_code, seconds):
    """Move the stored request's expiry and last poll seconds back."""
    dh = hashlib.sha256(device_code.encode()).hexdigest()
    h.store.execute("UPDATE oa2_device_codes SET expires_at = expires_at "
                   "- %d, last_poll = CASE WHEN last_poll = 0 THEN 0 ELSE "
                   "last_poll - %d END WHERE device_hash = '%s'"
                   % (seconds, seconds, dh))


class TestDeviceFlow:
    """The flow and its refusals, on one AS."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_device_as(httpd_factory, keys, "as-device")

    def test_metadata(self, h):
        m = h.get("/.well-known/oauth-authorization-server").json()
        assert m["device_authorization_endpoint"] == \
            h.issuer + ep(h, "device_authorization"), m
        assert GRANT in m["grant_types_supported"], m

    @pytest.mark.parametrize("public", [False, True])
    def test_approve(self, h, public):
        c = device_client(h, public=public)
        body = assert_authorized(h, authorize(h, c, scope="read"))
        assert_token_error(poll(h, c, body["device_code"]),
                           "authorization_pending")
        assert "OA2-01717" in h.new_log()
        # typed lower case, without the dash
        code = body["user_code"].replace("-", "").lower()
        cp = consent(h, code)
        assert "Read your data" in cp.resp.text
        r = h.session.post(cp.action_url(), data=cp.data("approve"),
                           auth=ALICE, timeout=10)
        assert r.status_code == 200 and "return to your device" in r.text
        assert "OA2-01734" in h.new_log()
        # polled 5 s after the last poll: the database says when that was
        age(h, body["device_code"], 6)
        tok = assert_token_ok(poll(h, c, body["device_code"]))
        assert tok["scope"] == "read" and "refresh_token" in tok, tok
        assert api(h, tok["access_token"]).status_code == 200
        # once
        assert_token_error(poll(h, c, body["device_code"]), "invalid_grant")
        assert "OA2-01713" in h.new_log()

    def test_openid(self, h):
        """scope openid: an ID token for the user who approved."""
        import jwt
        c = device_client(h, public=True)
        body = assert_authorized(h, authorize(h, c, scope="openid read"))
        answer(h, body["user_code"], user=BOB)
        tok = assert_token_ok(poll(h, c, body["device_code"]))
        claims = jwt.decode(tok["id_token"], options={
            "verify_signature": False})
        assert claims["sub"] == "bob" and claims["aud"] == c.client_id
        assert claims["iss"] == h.issuer and "nonce" not in claims

    def test_slow_down_grows(self, h):
        c = device_client(h)
        dc = assert_authorized(h, authorize(h, c, scope="read"))["device_code"]
        assert_token_error(poll(h, c, dc), "authorization_pending")
        assert_token_error(poll(h, c, dc), "slow_down")
        assert "OA2-01715" in h.new_log()
        # the interval is now 10 s: 6 s later is still too fast
        age(h, dc, 6)
        assert_token_error(poll(h, c, dc), "slow_down")
        age(h, dc, 16)
        assert_token_error(poll(h, c, dc), "authorization_pending")

    def test_deny(self, h):
        c = device_client(h)
        body = assert_authorized(h, authorize(h, c, scope="read"))
        answer(h, body["user_code"], "deny")
        assert_token_error(poll(h, c, body["device_code"]), "access_denied")
        assert "OA2-01716" in h.new_log()
        # answered: the code no longer opens a form
        r = page(h, user_code=body["user_code"])
        assert r.status_code == 400 and "answered already" in r.text
        assert "OA2-01723" in h.new_log()

    def test_expired(self, h):
        c = device_client(h)
        body = assert_authorized(h, authorize(h, c, scope="read"))
        age(h, body["device_code"], 601)
        assert_token_error(poll(h, c, body["device_code"]), "expired_token")
        assert "OA2-01714" in h.new_log()
        r = page(h, user_code=body["user_code"])
        assert r.status_code == 400 and "expired" in r.text
        assert "OA2-01722" in h.new_log()

    def test_other_clients_code(self, h):
        a, b = device_client(h), device_client(h)
        body = assert_authorized(h, authorize(h, a, scope="read"))
        answer(h, body["user_code"])
        assert_token_error(poll(h, b, body["device_code"]), "invalid_grant")
        assert "OA2-01712" in h.new_log()
        assert_token_error(poll(h, a, "not-a-device-code"), "invalid_grant")
        assert "OA2-01711" in h.new_log()
        # the real client still gets its tokens
        assert_token_ok(poll(h, a, body["device_code"]))

    def test_dynamic_registration(self, h):
        """RFC 7591 registration takes the grant type, without a redirect
        URI; the client then uses the grant."""
        from authserver import Client
        r = h.session.post(h.url(ep(h, "register")), json={
            "client_name": "TV", "grant_types": [GRANT, "refresh_token"],
            "token_endpoint_auth_method": "none", "scope": "read"},
            timeout=10)
        assert r.status_code == 201, r.text
        reg = r.json()
        assert reg["grant_types"] == [GRANT, "refresh_token"], reg
        assert "redirect_uris" not in reg and "response_types" not in reg
        c = Client(reg["client_id"], None, (), "TV", "read",
                   reg["grant_types"], True, "none")
        assert_authorized(h, authorize(h, c, scope="read"))

    def test_unregistered_grant(self, h):
        c = add_client(h)
        assert_token_error(authorize(h, c, scope="read"), "unauthorized_client")
        assert "OA2-01701" in h.new_log()

    def test_bad_scope(self, h):
        c = device_client(h, scope="read")
        assert_token_error(authorize(h, c, scope="write"), "invalid_scope")

    def test_csrf(self, h):
        c = device_client(h)
        body = assert_authorized(h, authorize(h, c, scope="read"))
        cp = consent(h, body["user_code"])
        for data in (cp.data("approve", drop=("csrf_token",)),
                     cp.data("approve", replace={"csrf_token": "x.y"})):
            r = h.session.post(cp.action_url(), data=data, auth=ALICE,
                               timeout=10)
            assert r.status_code == 403, r.text[:500]
            assert "OA2-01732" in h.new_log()
        # another user's form
        r = h.session.post(cp.action_url(), data=cp.data("approve"),
                           auth=BOB, timeout=10)
        assert r.status_code == 403
        assert "OA2-01732" in h.new_log()
        assert_token_error(poll(h, c, body["device_code"]),
                           "authorization_pending")

    def test_enter_form(self, h):
        r = page(h)
        assert r.status_code == 200 and 'name="user_code"' in r.text
        assert_page_headers(r)
        r = page(h, user_code="AAAA-AAAA")
        assert r.status_code == 400 and 'name="user_code"' in r.text
        assert "OA2-01720" in h.new_log()
        r = page(h, user_code="BCDF-GHJK")
        assert r.status_code == 400
        assert "OA2-01721" in h.new_log()

    def test_get_method(self, h):
        r = h.session.get(h.url(ep(h, "device_authorization")), timeout=10)
        assert r.status_code == 405
        assert "OA2-01740" in h.new_log()


class TestNoLogin:
    """{base}/device without an httpd login: a 500 and a line saying
    how to protect it."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-device-nologin")

    def test_misconfigured(self, h):
        h.allow_log("OA2-01730")
        r = h.session.get(h.url(ep(h, "device")), timeout=10)
        assert r.status_code == 500
        assert "OA2-01730" in h.new_log()


class TestRateLimit:
    """OAuth2RateLimit 3 60 on one node."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_device_as(httpd_factory, keys, "as-ratelimit",
                               extra="OAuth2RateLimit 3 60\n")

    def test_user_code_brute_force(self, h):
        for i in range(3):
            r = page(h, BOB, user_code="BCDF-GHJ%s" % "KLM"[i])
            assert r.status_code == 400, r.text[:300]
        c = device_client(h)
        body = assert_authorized(h, authorize(h, c, scope="read"))
        # limited: even the right code is not looked at
        r = page(h, BOB, user_code=body["user_code"])
        assert r.status_code == 429, r.text[:300]
        assert 0 < int(r.headers["Retry-After"]) <= 60, r.headers
        assert "OA2-01780" in h.new_log()

    def test_client_auth_brute_force(self, h):
        c = device_client(h)
        wrong = requests.auth.HTTPBasicAuth(c.client_id, "wrong")
        for _ in range(3):
            assert_token_error(token_request(h, c, {
                "grant_type": "client_credentials"}, auth=wrong),
                "invalid_client", 401)
        # the right secret now too waits
        r = authorize(h, c, scope="read")
        body = assert_token_error(r, "temporarily_unavailable", 429)
        assert 0 < int(r.headers["Retry-After"]) <= 60, r.headers
        assert "OA2-01780" in h.new_log()
        assert body


class TestRateLimitTwoNodes:
    """Two nodes sharing the database and memcached: failures at one
    count at the other."""

    @pytest.fixture(scope="class")
    def nodes(self, httpd_factory, keys, memcached):
        extra = ("OAuth2TokenCache memcache:127.0.0.1:%d\n"
                 "OAuth2RateLimit 4 60\n" % memcached.port)
        nodes = []
        for name in ("rl-node-a", "rl-node-b"):
            h = httpd_factory(name, modules=AS_MODULES + ("socache_memcache",),
                              store=nodes[0].store if nodes else None)
            # one issuer: the counts are the issuer's
            h.issuer = "https://as.example.test"
            h.start(as_config(h, keys, extra=lambda h: basic_login(
                ep(h, "device"), write_htpasswd(h)) + extra))
            nodes.append(h)
        return nodes

    def test_shared(self, nodes):
        a, b = nodes
        for i in range(4):
            h = (a, b)[i % 2]
            r = page(h, BOB, user_code="BCDF-GHJ%s" % "KLMN"[i])
            assert r.status_code == 400, (i, r.text[:300])
        for h in (a, b):
            r = page(h, BOB, user_code="BCDF-GHJP")
            assert r.status_code == 429, r.text[:300]
            assert "Retry-After" in r.headers
            assert "OA2-01780" in h.new_log()


class TestOauth4webapiAndChromium:
    """oauth4webapi as the device, polling, while chromium signs in with
    Basic auth, types the user code and approves; then its token works at
    an AuthType OAuth2 location."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_device_as(httpd_factory, keys, "as-device-node")

    @pytest.mark.parametrize("public", [False, True])
    def test_device_flow(self, h, node_client, public):  # noqa: F811
        import base64
        import json
        import subprocess

        import nodejs
        from browser import MISSING, chromium, wait_for
        from test_820_openid_clients import NODE_CACHE, NODE_DIR
        if MISSING:
            pytest.skip(MISSING)
        from selenium.webdriver.common.by import By

        c = device_client(h, public=public)
        env = nodejs.env(OA2_NODE_MODULES=str(NODE_CACHE / "node_modules"),
                         ISSUER=h.issuer, CLIENT_ID=c.client_id,
                         CLIENT_SECRET=c.client_secret or "",
                         SCOPE="read", RESOURCE=h.url("/api/"))
        p = subprocess.Popen([node_client[0], str(NODE_DIR / "device.mjs")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, cwd=NODE_DIR)
        try:
            first = json.loads(p.stdout.readline() or "{}")
            assert "user_code" in first, (first, p.stderr.read())
            tokens.register(first["user_code"])
            tokens.register(first["user_code"].replace("-", ""))
            with chromium() as b:
                cred = base64.b64encode(b"%s:%s" % tuple(
                    x.encode() for x in ALICE)).decode()
                b.execute_cdp_cmd("Network.enable", {})
                b.execute_cdp_cmd("Network.setExtraHTTPHeaders", {
                    "headers": {"Authorization": "Basic " + cred}})
                # the user types the code shown on the device
                b.get(first["verification_uri"])
                field = b.find_element(By.NAME, "user_code")
                field.send_keys(first["user_code"].lower())
                b.find_element(By.CSS_SELECTOR,
                               "button[type=submit]").click()
                # page_source, not elements: the page is being replaced
                wait_for(b, lambda d: 'value="approve"' in d.page_source,
                         "no consent form after the user code")
                assert c.name in b.find_element(By.TAG_NAME, "body").text
                b.find_element(By.CSS_SELECTOR,
                               "button[value=approve]").click()
                wait_for(b, lambda d: "return to your device" in
                         d.page_source, "no end page")
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        result = json.loads(out)
        for k in ("access_token", "refresh_token"):
            tokens.register(result.get("tokens", {}).get(k))
        assert "error" not in result, (result, err)
        assert result["polls"][-1] == "ok", result
        assert result["tokens"]["scope"] == "read", result
        assert result["resource"] == {"status": 200,
                                      "body": "api index\n"}, result
        assert "OA2-01734" in h.new_log()


class TestRateLimitDirective:
    """OAuth2RateLimit's syntax, word for word as `apache2 -t` says it."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        return httpd_factory("ratelimit-directive")

    @pytest.mark.parametrize("value", ["10 60", "off", "OFF", "1 1",
                                       "100000 86400"])
    def test_accepted(self, h, value):
        rc, out = h.config_test("OAuth2RateLimit %s\n<VirtualHost *:80>\n"
                                "OAuth2RateLimit 5 30\n</VirtualHost>\n"
                                % value, start=False)
        assert rc == 0, out

    @pytest.mark.parametrize("value,message", [
        ("0 60", "OAuth2RateLimit FAILURES must be a number from 1 to "
                 "100000"),
        ("x 60", "OAuth2RateLimit FAILURES must be a number from 1 to "
                 "100000"),
        ("10 0", "OAuth2RateLimit SECONDS must be a number from 1 to 86400"),
        ("10 86401", "OAuth2RateLimit SECONDS must be a number from 1 to "
                     "86400"),
        ("10", "OAuth2RateLimit takes FAILURES SECONDS (e.g. 10 60), or off"),
    ])
    def test_bad_value(self, h, value, message):
        from test_521_server_directives import assert_syntax_error
        rc, out = h.config_test("OAuth2RateLimit %s\n" % value, start=False)
        assert_syntax_error(rc, out, message)

    def test_duplicate_and_sections(self, h):
        from test_521_server_directives import assert_syntax_error
        rc, out = h.config_test("OAuth2RateLimit 10 60\n"
                                "OAuth2RateLimit off\n", start=False)
        assert_syntax_error(rc, out,
                            "OAuth2RateLimit is duplicate in this server")
        rc, out = h.config_test("<Location /x>\nOAuth2RateLimit off\n"
                                "</Location>\n", start=False)
        assert_syntax_error(rc, out, "OAuth2RateLimit not allowed in "
                                     "<Location> context")


class TestOwnTemplate:
    """device.html is read from OAuth2TemplateDir, like consent.html."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        from authserver import TEMPLATES
        files = {"own/" + n: (TEMPLATES / n).read_text()
                 for n in ("consent.html", "error.html", "logout.html")}
        files["own/device.html"] = (TEMPLATES / "device.html").read_text() \
            .replace("<h1>Connect a device</h1>", "<h1>Pair your TV</h1>")

        def more(h):
            return "OAuth2TemplateDir %s\n" % (h.dir / "own")
        h = start_device_as(httpd_factory, keys, "as-device-tmpl",
                            files=files, extra=more)
        return h

    def test_own_device_page(self, h):
        r = page(h)
        assert r.status_code == 200 and "Pair your TV" in r.text, r.text


# ---- databases of the release before -------------------------------------

class DeviceTable(AddedTable):
    TABLE = "oa2_device_codes"
    start = staticmethod(start_device_as)

    @staticmethod
    def use_table(h):
        c = device_client(h)
        body = assert_authorized(h, authorize(h, c, scope="read"))
        answer(h, body["user_code"])
        assert_token_ok(poll(h, c, body["device_code"]))
        assert_token_error(poll(h, c, body["device_code"]), "invalid_grant")


class TestUpgrade(DeviceTable, UpgradeAddsTable):
    pass


class TestLeastPrivilegeWithoutTable(DeviceTable, LeastPrivilegeWithoutTable):
    pass
