# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Pushed authorization requests (issue 15, item 4; SPEC.md "Sender-
constrained tokens, client assertions, pushed requests"; RFC 9126).

A client pushes the parameters of an authorization request to {base}/par,
authenticated as at the token endpoint (public clients by client_id
alone), and sends the browser to the authorize endpoint with client_id and
the request_uri it got. The push is validated by the authorize endpoint's
own rules; the request_uri is 256 random bits, kept as a hash, bound to
the client, usable for 60 seconds and taken once: by the first GET that
answers it (with a code, the consent page or an error redirect), after
which the consent form carries the parameters itself. npm's oauth4webapi
runs the whole flow as the client; expiry is tested in the unit tests
(t/unit/test_par.c), which can set the clock.
"""

import time
import urllib.parse

import pytest
import requests

import stores
import tokens
from authserver import (ALICE, BOB, ConsentPage, Flow, add_client,
                        assert_token_error, assert_token_ok, ep,
                        secret_method, start_as, token_request)
from test_100_authorize import assert_error_page
from test_280_schema_upgrade import (AddedTable, LeastPrivilegeWithoutTable,
                                     UpgradeAddsTable)
from test_820_openid_clients import (CLAIMS, REDIRECT_URI, REGISTERED,
                                     node_client, query_of,  # noqa: F401
                                     run_node_client)

PREFIX = "urn:ietf:params:oauth:request_uri:"
PUBLIC_GRANTS = ("authorization_code", "refresh_token")


def push(h, client, params, method=None, **kw):
    """POST params to h's pushed authorization request endpoint as
    client (method as token_request's; by default the registered one).
    The client_id of params goes in the body, except where the method
    puts it there itself."""
    method = method or ("none" if client.public else secret_method(client))
    data = [(k, v) for k, v in params.items()
            if not (k == "client_id" and method in ("none", "post"))]
    r = token_request(h, client, data, method=method, endpoint="par", **kw)
    if r.status_code == 201:
        tokens.register(r.json()["request_uri"])
    return r


def assert_pushed(r):
    """A 201 of RFC 9126 §2.2; its request_uri."""
    assert r.status_code == 201, (r.status_code, r.text[:500])
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    assert r.headers.get("Access-Control-Allow-Origin") == "*", r.headers
    body = r.json()
    assert set(body) == {"request_uri", "expires_in"}, body
    assert body["expires_in"] == 60, body
    uri = body["request_uri"]
    assert uri.startswith(PREFIX), uri
    # 256 bits, base64url
    assert len(uri) == len(PREFIX) + 43, uri
    return uri


def pushed(h, client, **kw):
    """A Flow of client (Flow's keywords) pushed; (flow, request_uri)."""
    f = Flow(h, client, **kw)
    return f, assert_pushed(push(h, client, f.params))


def by_reference(client, request_uri, **extra):
    """The query of an authorization request naming a pushed one."""
    q = {"client_id": client.client_id, "request_uri": request_uri}
    q.update(extra)
    return urllib.parse.urlencode(q)


def code_of(f, r):
    """The code of a redirect to f's client (state and iss checked)."""
    q = f.redirect_query(r)
    assert q.get("state") == f.state and q.get("iss") == f.h.issuer, q
    assert "code" in q, q
    tokens.register(q["code"])
    return q["code"]


def assert_refused(h, r, log_id, error="invalid_request_uri"):
    """The error page (400, never a redirect), naming error; the log line
    log_id."""
    assert_error_page(r)
    assert error in r.text, r.text[:800]
    assert log_id in h.new_log(), h.new_log()[-2000:]


def assert_error_redirect(f, r, error, log_id):
    assert r.status_code == 302, (r.status_code, r.headers, r.text[:300])
    q = f.redirect_query(r)
    assert q.get("error") == error, q
    assert q.get("state") == f.state and q.get("iss") == f.h.issuer, q
    assert "code" not in q, q
    assert log_id in f.h.new_log(), f.h.new_log()[-2000:]
    return q


def metadata(h, path="/.well-known/oauth-authorization-server"):
    r = h.get(path)
    assert r.status_code == 200, r.text
    return r.json()


class TestPushedFlow:
    """The whole flow with confidential and public clients, and what
    the authorize endpoint makes of a request_uri."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-par")

    @pytest.fixture
    def client(self, h):
        return add_client(h)

    @pytest.fixture
    def public(self, h):
        return add_client(h, public=True, grants=PUBLIC_GRANTS)

    def test_metadata(self, h):
        for doc in (metadata(h),
                    metadata(h, "/.well-known/openid-configuration")):
            assert doc["pushed_authorization_request_endpoint"] == \
                h.issuer + "/oauth2/par"
            # RFC 9126 §5: absent means not required
            assert "require_pushed_authorization_requests" not in doc
            # request objects by reference stay unsupported
            assert doc.get("request_uri_parameter_supported") in (None,
                                                                  False)

    def test_confidential_client(self, h, client):
        f, uri = pushed(h, client, scope="read write", resource=None)
        r = f.get(query=by_reference(client, uri))
        page = ConsentPage(r)
        # the pushed parameters, carried by the consent form
        assert page.field("redirect_uri") == client.redirect_uri
        assert page.field("state") == f.state
        assert page.field("code_challenge") == f.challenge
        assert page.field("scope") == "read write"
        r = f.post(page)
        assert r.status_code == 303, (r.status_code, r.text[:300])
        body = assert_token_ok(f.token(code_of(f, r)))
        assert body["scope"] == "read write"
        assert "OA2-01317" in h.new_log() and "OA2-01318" in h.new_log()

    @pytest.mark.parametrize("method", ["none", "post"])
    def test_client_methods(self, h, method):
        c = (add_client(h, public=True, grants=PUBLIC_GRANTS)
             if method == "none"
             else add_client(h, auth_method="client_secret_post"))
        f, uri = pushed(h, c)
        r = f.post(f.consent_page(query=by_reference(c, uri)))
        assert_token_ok(f.token(code_of(f, r)))

    def test_basic_without_client_id_in_body(self, h, client):
        """The Basic header names the client; RFC 9126 §2.1 wants
        client_id in the body too, which many clients leave out."""
        f = Flow(h, client)
        params = {k: v for k, v in f.params.items() if k != "client_id"}
        uri = assert_pushed(push(h, client, params))
        r = f.post(f.consent_page(query=by_reference(client, uri)))
        assert_token_ok(f.token(code_of(f, r)))

    def test_denied(self, h, client):
        f, uri = pushed(h, client)
        r = f.post(f.consent_page(query=by_reference(client, uri)), "deny")
        assert r.status_code == 303, r.status_code
        q = f.redirect_query(r)
        assert q["error"] == "access_denied" and q["state"] == f.state, q

    def test_other_parameters_are_ignored(self, h, client):
        """RFC 9126 §4: beside request_uri only client_id counts."""
        f, uri = pushed(h, client, scope="read")
        evil = "https://evil.example/cb"
        r = f.get(query=by_reference(client, uri, redirect_uri=evil,
                                     state="other", scope="write",
                                     code_challenge="x" * 43,
                                     prompt="none"))
        page = ConsentPage(r)
        assert page.field("redirect_uri") == client.redirect_uri
        assert page.field("state") == f.state
        assert page.field("scope") == "read"
        assert page.field("code_challenge") == f.challenge
        assert_token_ok(f.token(code_of(f, f.post(page))))

    def test_remembered_consent(self, h, client):
        """A consent given before: the code at once, and the request_uri
        is used up by it."""
        f, uri = pushed(h, client)
        f.post(f.consent_page(query=by_reference(client, uri)))
        g, uri = pushed(h, client)
        r = g.get(query=by_reference(client, uri))
        assert r.status_code == 302, (r.status_code, r.text[:300])
        assert_token_ok(g.token(code_of(g, r)))
        assert_refused(h, g.get(query=by_reference(client, uri)),
                       "OA2-01312")

    def test_used_twice(self, h, client):
        """Taken by the first GET that shows the consent page: a reload or
        a second browser gets the error page; the form of the first still
        works."""
        f, uri = pushed(h, client)
        page = f.consent_page(query=by_reference(client, uri))
        assert_refused(h, f.get(query=by_reference(client, uri)),
                       "OA2-01312")
        assert_refused(h, f.get(query=by_reference(client, uri), user=BOB),
                       "OA2-01312")
        assert_token_ok(f.token(code_of(f, f.post(page))))
        assert_refused(h, f.get(query=by_reference(client, uri)),
                       "OA2-01312")

    def test_used_twice_at_once(self, h, client):
        """Parallel GETs of one request_uri: one consent page."""
        import threading
        f, uri = pushed(h, client)
        url = h.url(ep(h, "authorize")) + "?" + by_reference(client, uri)
        results = []
        barrier = threading.Barrier(8)

        def get():
            with requests.Session() as s:
                s.trust_env = False
                barrier.wait(10)
                results.append(s.get(url, auth=ALICE, timeout=20,
                                     allow_redirects=False).status_code)

        threads = [threading.Thread(target=get) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == [200] + [400] * 7, results

    def test_another_clients_request_uri(self, h, client):
        """Another client naming it is refused, and does not use it up."""
        other = add_client(h)
        f, uri = pushed(h, client)
        g = Flow(h, other)
        assert_refused(h, g.get(query=by_reference(other, uri)), "OA2-01310")
        page = f.consent_page(query=by_reference(client, uri))
        assert_token_ok(f.token(code_of(f, f.post(page))))

    def test_needs_client_id(self, h, client):
        f, uri = pushed(h, client)
        r = f.get(query=urllib.parse.urlencode({"request_uri": uri}))
        assert_refused(h, r, "OA2-01307", "invalid_request")
        # not used up
        f.consent_page(query=by_reference(client, uri))

    @pytest.mark.parametrize("uri", [
        PREFIX + "A" * 43,
        PREFIX,
        "https://client.example/request.jwt",
        "urn:ietf:params:oauth:request_uri",
    ])
    def test_unknown_request_uri(self, h, client, uri):
        r = Flow(h, client).get(query=by_reference(client, uri))
        assert_error_page(r)
        assert "invalid_request_uri" in r.text
        log = h.new_log()
        assert "OA2-01309" in log or "OA2-01308" in log, log[-2000:]

    def test_repeated_request_uri(self, h, client):
        f, uri = pushed(h, client)
        q = by_reference(client, uri) + "&request_uri=" + \
            urllib.parse.quote(uri)
        assert_refused(h, f.get(query=q), "OA2-01306", "invalid_request")

    def test_prompt_none_without_login(self, h, client):
        """prompt=none in the pushed request: no login prompt, but
        login_required at the client; the request_uri is only read."""
        f, uri = pushed(h, client, prompt="none")
        r = f.get(user=None, query=by_reference(client, uri))
        assert r.status_code == 302, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert q["error"] == "login_required" and q["state"] == f.state, q
        assert "WWW-Authenticate" not in r.headers
        # signed in now: no consent yet, so consent_required, which
        # answers and so takes the request
        r = f.get(query=by_reference(client, uri))
        assert_error_redirect(f, r, "consent_required", "OA2-00436")
        assert_refused(h, f.get(query=by_reference(client, uri)),
                       "OA2-01312")

    def test_pushed_code_is_bound_like_any(self, h, client):
        """The code of a pushed request needs its verifier and redirect
        URI at the token endpoint, as any code."""
        f, uri = pushed(h, client)
        code = code_of(f, f.post(f.consent_page(
            query=by_reference(client, uri))))
        assert_token_error(f.token(code, code_verifier="x" * 43),
                           "invalid_grant")


class TestSigningInAgain:
    """prompt=login and max_age in a pushed request (OpenID Connect Core
    §3.1.2.1): the browser goes to sign in again and comes back to the same
    URL, which still works; prompt=none with too old a sign-in is an error
    redirect, which answers the request and takes it."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-par-login")

    @pytest.fixture(scope="class")
    def client(self, h):
        c = add_client(h, scope="openid read")
        Flow(h, c, scope="openid").code()  # consent remembered
        return c

    def test_max_age_asks_again(self, h, client, keys):
        from test_830_openid_login import old_cookie
        old_cookie(h, keys, int(time.time()) - 100)
        f, uri = pushed(h, client, scope="openid", max_age="50")
        r = f.get(query=by_reference(client, uri))
        assert r.status_code == 401, (r.status_code, r.text[:300])
        assert "OA2-00925" in h.new_log()
        # signed in again (no cookie now): the same URL gives the code
        r = f.get(query=by_reference(client, uri))
        assert_token_ok(f.token(code_of(f, r)))
        assert_refused(h, f.get(query=by_reference(client, uri)),
                       "OA2-01312")

    def test_prompt_none_with_old_sign_in(self, h, client, keys):
        from test_830_openid_login import old_cookie
        old_cookie(h, keys, int(time.time()) - 100)
        f, uri = pushed(h, client, scope="openid", prompt="none",
                        max_age="10")
        assert_error_redirect(f, f.get(query=by_reference(client, uri)),
                              "login_required", "OA2-00926")
        assert_refused(h, f.get(query=by_reference(client, uri)),
                       "OA2-01312")


class TestPushRefused:
    """What the endpoint refuses, as the token endpoint would answer
    (RFC 9126 §2.3, RFC 6749 §5.2): JSON, no-store, CORS."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-par-refused")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def refused(self, r, error, status=400, log_id=None, h=None):
        body = assert_token_error(r, error, status)
        assert r.headers.get("Access-Control-Allow-Origin") == "*"
        if log_id:
            assert log_id in h.new_log(), h.new_log()[-2000:]
        return body

    def test_bad_secret(self, h, client):
        f = Flow(h, client)
        r = token_request(h, client, f.params, auth=(client.client_id,
                                                     "wrong-secret"),
                          endpoint="par")
        self.refused(r, "invalid_client", 401, "OA2-00229", h)
        assert r.headers["WWW-Authenticate"].startswith("Basic realm="), \
            r.headers

    def test_unknown_client(self, h, client):
        f = Flow(h, client, client_id=None)
        r = token_request(h, client, f.params, auth=("nobody", "x"),
                          endpoint="par")
        self.refused(r, "invalid_client", 401, "OA2-00226", h)

    def test_confidential_client_without_secret(self, h, client):
        f = Flow(h, client)
        self.refused(push(h, client, f.params, method="none"),
                     "invalid_client", 401, "OA2-00820", h)

    def test_client_id_of_another_client(self, h, client):
        other = add_client(h)
        f = Flow(h, other)
        r = push(h, client, f.params)
        self.refused(r, "invalid_request", 400, "OA2-00224", h)

    def test_without_pkce(self, h, client):
        f = Flow(h, client, code_challenge=None, code_challenge_method=None)
        self.refused(push(h, client, f.params), "invalid_request", 400,
                     "OA2-00308", h)

    def test_plain_pkce(self, h, client):
        f = Flow(h, client, code_challenge_method="plain")
        self.refused(push(h, client, f.params), "invalid_request", 400,
                     "OA2-00309", h)

    def test_request_uri_inside(self, h, client):
        f = Flow(h, client, request_uri=PREFIX + "A" * 43)
        body = self.refused(push(h, client, f.params), "invalid_request",
                            400, "OA2-01302", h)
        assert "request_uri" in body["error_description"]

    def test_request_object(self, h, client):
        f = Flow(h, client, request="eyJhbGciOiJub25lIn0.e30.")
        body = self.refused(push(h, client, f.params), "invalid_request",
                            400, "OA2-01303", h)
        assert "not supported" in body["error_description"]

    def test_unregistered_redirect_uri(self, h, client):
        """RFC 9126 §2.1 lets a server accept one from a confidential
        client; this one does not."""
        f = Flow(h, client, redirect_uri="https://client.example/other")
        self.refused(push(h, client, f.params), "invalid_request", 400,
                     "OA2-00303", h)

    def test_unknown_scope(self, h, client):
        f = Flow(h, client, scope="read delete")
        self.refused(push(h, client, f.params), "invalid_scope", 400,
                     "OA2-00231", h)

    def test_response_type(self, h, client):
        f = Flow(h, client, response_type="token")
        self.refused(push(h, client, f.params), "unsupported_response_type",
                     400, "OA2-00306", h)

    def test_repeated_parameter(self, h, client):
        f = Flow(h, client)
        data = list(f.params.items()) + [("scope", "write")]
        r = token_request(h, client, data, endpoint="par")
        self.refused(r, "invalid_request", 400, "OA2-00312", h)

    def test_too_large(self, h, client):
        f = Flow(h, client, state="s" * 9000)
        self.refused(push(h, client, f.params), "invalid_request", 400,
                     "OA2-01304", h)

    def test_get(self, h):
        r = h.get(ep(h, "par"))
        assert r.status_code == 405, r.status_code
        assert r.json()["error"] == "invalid_request"
        assert "POST" in r.headers["Allow"]

    def test_preflight(self, h):
        r = h.get(ep(h, "par"), method="OPTIONS",
                  headers={"Origin": "https://spa.example",
                           "Access-Control-Request-Method": "POST"})
        assert r.status_code == 204, r.status_code
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]


class TestRequiredByServer:
    """OAuth2RequirePAR on: a request that was not pushed is refused at
    the client (its client and redirect_uri are valid)."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-par-required",
                        extra="OAuth2RequirePAR on\n")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def test_metadata(self, h):
        for doc in (metadata(h),
                    metadata(h, "/.well-known/openid-configuration")):
            assert doc["require_pushed_authorization_requests"] is True

    def test_plain_request_refused(self, h, client):
        f = Flow(h, client)
        q = assert_error_redirect(f, f.get(), "invalid_request", "OA2-01314")
        assert "push" in q["error_description"]

    def test_plain_prompt_none_refused_without_login(self, h, client):
        """Refused whoever signs in: no login prompt either."""
        f = Flow(h, client, prompt="none")
        r = f.get(user=None)
        assert_error_redirect(f, r, "invalid_request", "OA2-01319")
        assert "WWW-Authenticate" not in r.headers

    def test_pushed_request_served(self, h, client):
        f, uri = pushed(h, client)
        page = f.consent_page(query=by_reference(client, uri))
        assert_token_ok(f.token(code_of(f, f.post(page))))


class TestRequiredByClient:
    """require_pushed_authorization_requests (RFC 9126 §6): from
    oauth2-admin's --require-par and from dynamic registration."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-par-client")

    def register(self, h, **meta):
        body = {"client_name": "PAR client",
                "redirect_uris": ["https://client.example/cb"]}
        body.update(meta)
        r = h.session.post(h.url(ep(h, "register")), json=body, timeout=10)
        if r.status_code == 201:
            tokens.register(r.json().get("client_secret"))
        return r

    def test_admin_client(self, h):
        from authserver import admin
        c = add_client(h, require_par=True)
        show = admin(h, "client", "show", c.client_id).stdout
        assert "require_pushed_authorization_requests: true" in show
        f = Flow(h, c)
        assert_error_redirect(f, f.get(), "invalid_request", "OA2-01315")
        f, uri = pushed(h, c)
        page = f.consent_page(query=by_reference(c, uri))
        assert_token_ok(f.token(code_of(f, f.post(page))))
        # other clients are free to send their requests as they like
        other = add_client(h)
        assert "require_pushed_authorization_requests: false" in admin(
            h, "client", "show", other.client_id).stdout
        g = Flow(h, other)
        assert_token_ok(g.token(g.code()))

    def test_registered_client(self, h):
        r = self.register(h, require_pushed_authorization_requests=True)
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["require_pushed_authorization_requests"] is True
        from test_400_introspect_revoke import _Registered
        c = _Registered(doc)
        f = Flow(h, c)
        assert_error_redirect(f, f.get(), "invalid_request", "OA2-01315")
        f, uri = pushed(h, c)
        page = f.consent_page(query=by_reference(c, uri))
        assert_token_ok(f.token(code_of(f, f.post(page))))

    def test_registered_false(self, h):
        r = self.register(h, require_pushed_authorization_requests=False)
        assert r.status_code == 201, r.text
        assert "require_pushed_authorization_requests" not in r.json()

    @pytest.mark.parametrize("value", ["true", 1, [True]])
    def test_registered_not_boolean(self, h, value):
        r = self.register(h, require_pushed_authorization_requests=value)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_client_metadata"
        assert "OA2-01301" in h.new_log()


class TestOauth4webapi:
    """npm's oauth4webapi as the client: pushedAuthorizationRequest and
    processPushedAuthorizationResponse, then the browser with client_id
    and request_uri alone, validateAuthResponse (state, iss), the code
    grant with PKCE, the ID token (nonce of the pushed request) and
    userinfo; a confidential and a public client."""

    @pytest.fixture(scope="class")
    def hn(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-par-oauth4webapi",
                        extra=CLAIMS + "OAuth2RequirePAR on\n")

    @pytest.mark.parametrize("public", [False, True],
                             ids=["confidential", "public"])
    def test_code_flow(self, node_client, hn, public):  # noqa: F811
        c = add_client(hn, redirect_uris=[REGISTERED],
                       scope="openid email profile read", public=public,
                       grants=PUBLIC_GRANTS)
        first, result = run_node_client(node_client, hn, c, par=True)
        assert "error" not in result, result
        q = query_of(first["authorization_url"])
        assert set(q) == {"client_id", "request_uri"}, q
        assert q["request_uri"] == first["par"]["request_uri"]
        assert first["par"]["expires_in"] == 60
        claims = result["claims"]
        assert claims["iss"] == hn.issuer and claims["aud"] == c.client_id
        assert claims["sub"] == "alice" and claims["nonce"]
        assert result["userinfo"]["email"] == "alice@example.org"
        # the request_uri went with that flow
        tokens.register(q["request_uri"])
        r = Flow(hn, c).get(query=urllib.parse.urlencode(q))
        assert_refused(hn, r, "OA2-01312")


# ---- databases of the release before -------------------------------------

class ParTable(AddedTable):
    TABLE = "oa2_pushed_requests"

    @staticmethod
    def use_table(h):
        c = add_client(h)
        f, uri = pushed(h, c)
        page = f.consent_page(query=by_reference(c, uri))
        assert_token_ok(f.token(code_of(f, f.post(page))))
        return c, uri


class TestUpgrade(ParTable, UpgradeAddsTable):

    def test_request_uri_stored_as_its_hash(self, h):
        c, uri = self.use_table(h)
        rows = h.store.rows("SELECT uri_hash, used FROM oa2_pushed_requests "
                            "WHERE client_id = ?", (c.client_id,))
        assert [tuple(r)[1:] for r in rows] == [(1,)], rows
        assert rows[0][0] != uri and len(rows[0][0]) == 64


class TestLeastPrivilegeWithoutTable(ParTable, LeastPrivilegeWithoutTable):
    pass
