# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The OpenID Provider (SPEC.md "OpenID Connect provider"; OpenID Connect
Core 1.0 §2, §3.1.2.1, §3.1.3.6, §5.3, §5.4, §12.2; Discovery 1.0 §3-4):
discovery, ID tokens at the code grant and on refresh, user claims
captured at authorize time, UserInfo, and the refusals around them."""

import base64
import hashlib
import time

import jwt
import pytest
import requests

import tokens
from authserver import (ALICE, Flow, RESOURCE, add_client, as_fixture,
                        assert_token_error, assert_token_ok,
                        client_credentials, code_tokens, ep, jwks, refresh,
                        start_as, token_request)
from checks import assert_ok as _assert_ok

CLAIMS = """
OAuth2UserClaim email email "%{REMOTE_USER}@example.org"
OAuth2UserClaim email email_verified "true"
OAuth2UserClaim profile name "User %{REMOTE_USER}"
OAuth2UserClaim profile preferred_username "%{REMOTE_USER}"
OAuth2UserClaim profile updated_at "1700000000"
OAuth2UserClaim phone phone_number "%{env:NO_SUCH_VARIABLE}"
OAuth2Scope groups "Know which groups you are in"
OAuth2UserClaim groups groups "staff"
"""


def assert_ok(resp):
    """resp is a 200; resp itself."""
    _assert_ok(resp)
    return resp


def id_token_claims(h, token, client, **options):
    """The claims of an ID token verified with PyJWT against the JWKS:
    signature, iss, aud = client_id, exp and iat present."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "JWT", header
    keyset = jwt.PyJWKSet.from_dict(jwks(h))
    key = [k for k in keyset.keys if k.key_id == header["kid"]][0]
    return jwt.decode(token, key.key, algorithms=[header["alg"]],
                      audience=client.client_id, issuer=h.issuer,
                      options=dict({"require": ["exp", "iat", "iss", "sub",
                                                "aud"]}, **options))


def discovery(h, path=""):
    """The GET of h's discovery document, after the issuer's path (Discovery
    §4)."""
    return h.session.get(h.url(path + "/.well-known/openid-configuration"),
                         timeout=10)


def at_hash(access_token):
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def userinfo(h, token=None, method="GET", in_body=False, **kw):
    headers = {}
    data = None
    if token and not in_body:
        headers["Authorization"] = "Bearer " + token
    if in_body:
        data = {"access_token": token}
    return h.session.request(method, h.url(ep(h, "userinfo")),
                             headers=headers, data=data, timeout=10, **kw)


@pytest.fixture(scope="class")
def h(httpd_factory, keys):
    return start_as(httpd_factory, keys, "as-openid", extra=CLAIMS)


@pytest.fixture
def client(h):
    return add_client(h, scope="read write openid profile email phone groups")


class TestDiscovery:

    def test_document(self, h):
        r = discovery(h)
        doc = assert_ok(r).json()
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert doc["issuer"] == h.issuer
        assert doc["userinfo_endpoint"] == h.url(ep(h, "userinfo"))
        assert doc["authorization_endpoint"] == h.url(ep(h, "authorize"))
        assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
        assert doc["subject_types_supported"] == ["public"]
        assert doc["response_types_supported"] == ["code"]
        assert doc["code_challenge_methods_supported"] == ["S256"]
        for scope in ("openid", "profile", "email", "phone", "groups",
                      "read"):
            assert scope in doc["scopes_supported"], scope
        # address: no claim configured for it
        assert "address" not in doc["scopes_supported"]
        for claim in ("sub", "iss", "auth_time", "nonce", "email",
                      "email_verified", "name", "groups"):
            assert claim in doc["claims_supported"], claim
        assert doc["claims_supported"].count("email") == 1
        assert doc["request_uri_parameter_supported"] is False

    def test_rfc8414_document_knows_openid(self, h):
        doc = assert_ok(h.session.get(
            h.url("/.well-known/oauth-authorization-server"),
            timeout=10)).json()
        assert "openid" in doc["scopes_supported"]


class TestIDToken:

    def test_code_grant(self, h, client):
        before = int(time.time())
        f, body = code_tokens(h, client, scope="openid email profile",
                              nonce="n-0S6_WzA2Mj")
        claims = id_token_claims(h, body["id_token"], client)
        assert claims["sub"] == "alice"
        assert claims["azp"] == client.client_id
        assert claims["nonce"] == "n-0S6_WzA2Mj"
        assert before - 1 <= claims["auth_time"] <= int(time.time()) + 1
        assert claims["exp"] - claims["iat"] == 300
        assert claims["at_hash"] == at_hash(body["access_token"])
        assert claims["email"] == "alice@example.org"
        assert claims["email_verified"] is True
        assert claims["name"] == "User alice"
        assert claims["preferred_username"] == "alice"
        assert claims["updated_at"] == 1700000000
        # an empty value is omitted; a scope not asked for releases nothing
        assert "phone_number" not in claims
        assert "groups" not in claims
        assert "jti" not in claims

    def test_no_openid_no_id_token(self, h, client):
        _, body = code_tokens(h, client, scope="read")
        assert "id_token" not in body

    def test_nonce_is_optional(self, h, client):
        _, body = code_tokens(h, client, scope="openid")
        claims = id_token_claims(h, body["id_token"], client)
        assert "nonce" not in claims
        assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "auth_time",
                               "azp", "at_hash"}

    def test_nonce_through_consent_form(self, h):
        c = add_client(h, scope="openid email")
        f = Flow(h, c, scope="openid email", nonce="through the form")
        page = f.consent_page()
        assert dict(page.data("approve"))["nonce"] == "through the form"
        r = f.post(page)
        assert r.status_code == 303, r.text[:300]
        body = assert_token_ok(f.token(f.redirect_query(r)["code"]))
        assert id_token_claims(h, body["id_token"],
                               c)["nonce"] == "through the form"

    def test_nonce_swapped_in_form_is_refused(self, h):
        c = add_client(h, scope="openid")
        f = Flow(h, c, scope="openid", nonce="original")
        page = f.consent_page()
        r = f.post(page, replace={"nonce": "swapped"})
        assert r.status_code == 403, r.status_code
        assert "OA2-00321" in h.new_log()

    def test_refresh_gets_new_id_token(self, h, client):
        _, body = code_tokens(h, client, scope="openid email",
                              nonce="first")
        first = id_token_claims(h, body["id_token"], client)
        time.sleep(1.1)
        body2 = assert_token_ok(refresh(h, client, body["refresh_token"]))
        second = id_token_claims(h, body2["id_token"], client)
        # Core §12.2: same iss, sub, aud, auth_time; new iat; no nonce
        assert second["auth_time"] == first["auth_time"]
        assert second["iat"] > first["iat"]
        assert "nonce" not in second
        assert second["email"] == "alice@example.org"
        assert second["at_hash"] == at_hash(body2["access_token"])

    def test_refresh_narrowed_scope(self, h, client):
        _, body = code_tokens(h, client, scope="openid email profile")
        narrow = assert_token_ok(refresh(h, client, body["refresh_token"],
                                         scope="openid profile"))
        claims = id_token_claims(h, narrow["id_token"], client)
        assert "email" not in claims and claims["name"] == "User alice"
        info = assert_ok(userinfo(h, narrow["access_token"])).json()
        assert "email" not in info and info["name"] == "User alice"
        # the refresh token kept the whole grant
        whole = assert_token_ok(refresh(h, client, narrow["refresh_token"]))
        assert id_token_claims(h, whole["id_token"],
                               client)["email"] == "alice@example.org"
        # without openid: an access token only
        plain = assert_token_ok(refresh(h, client, whole["refresh_token"],
                                        scope="email"))
        assert "id_token" not in plain

    def test_claims_are_the_authorize_requests(self, h, client):
        """Claims come from the authorize request, never the token
        request: the token request's user (Basic for the client) and
        parameters change nothing."""
        f = Flow(h, client, scope="openid email")
        code = f.code()
        r = f.token(code, email="mallory@evil.example",
                    claims='{"id_token":{"email":null}}')
        claims = id_token_claims(h, assert_token_ok(r)["id_token"], client)
        assert claims["email"] == "alice@example.org"

    def test_client_without_openid_in_its_list_may_ask(self, h):
        c = add_client(h, scope="read")
        _, body = code_tokens(h, c, scope="openid read")
        assert id_token_claims(h, body["id_token"], c)["sub"] == "alice"

    def test_standard_scope_needs_the_clients_list(self, h):
        c = add_client(h, scope="read")
        f = Flow(h, c, scope="openid email")
        q = f.redirect_query(f.get())
        assert q["error"] == "invalid_scope"
        assert "OA2-00232" in h.new_log()


class TestRefusals:

    def test_nonce_too_long(self, h, client):
        f = Flow(h, client, scope="openid", nonce="n" * 513)
        q = f.redirect_query(f.get())
        assert q["error"] == "invalid_request"
        assert q["state"] == f.state and q["iss"] == h.issuer
        assert "OA2-00896" in h.new_log()

    def test_nonce_with_control_character(self, h, client):
        f = Flow(h, client, scope="openid", nonce="a\nb")
        assert f.redirect_query(f.get())["error"] == "invalid_request"
        assert "OA2-00896" in h.new_log()

    def test_nonce_ignored_without_openid(self, h, client):
        f = Flow(h, client, scope="read", nonce="n" * 600)
        assert "id_token" not in assert_token_ok(f.token(f.code()))

    def test_client_credentials_openid(self, h):
        c = add_client(h, scope="read openid")
        r = client_credentials(h, c, scope="openid read")
        assert_token_error(r, "invalid_scope", 400)
        assert "OA2-00898" in h.new_log()
        # its registered list without openid is the default
        body = assert_token_ok(client_credentials(h, c))
        assert body["scope"] == "read" and "id_token" not in body


class TestUserInfo:

    @pytest.fixture(scope="class")
    def grant(self, h):
        c = add_client(h, scope="openid email profile read")
        return c, code_tokens(h, c, scope="openid email read")[1]

    def test_get_and_post(self, h, grant):
        _, body = grant
        want = {"sub": "alice", "email": "alice@example.org",
                "email_verified": True}
        r = userinfo(h, body["access_token"])
        assert assert_ok(r).json() == want
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert assert_ok(userinfo(h, body["access_token"],
                                  method="POST")).json() == want
        assert assert_ok(userinfo(h, body["access_token"], method="POST",
                                  in_body=True)).json() == want

    def test_preflight(self, h):
        r = h.session.options(h.url(ep(h, "userinfo")), headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"}, timeout=10)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == "*"

    def test_no_token(self, h):
        r = userinfo(h)
        assert r.status_code == 401
        challenge = tokens.parse_challenge(r.headers["WWW-Authenticate"])
        assert "error" not in challenge[1], challenge

    def test_bad_token(self, h):
        r = userinfo(h, "not.a.token")
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        h.new_log()

    def test_token_in_query_ignored(self, h, grant):
        _, body = grant
        r = h.session.get(h.url(ep(h, "userinfo")),
                          params={"access_token": body["access_token"]},
                          timeout=10)
        assert r.status_code == 401
        h.new_log()

    def test_two_ways_at_once(self, h, grant):
        _, body = grant
        r = h.session.post(h.url(ep(h, "userinfo")),
                           headers={"Authorization":
                                    "Bearer " + body["access_token"]},
                           data={"access_token": body["access_token"]},
                           timeout=10)
        assert r.status_code == 400
        assert 'error="invalid_request"' in r.headers["WWW-Authenticate"]
        assert "OA2-00902" in h.new_log()

    def test_without_openid_scope(self, h, grant):
        c, _ = grant
        _, body = code_tokens(h, c, scope="read")
        r = userinfo(h, body["access_token"])
        assert r.status_code == 403
        assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
        assert 'scope="openid"' in r.headers["WWW-Authenticate"]
        assert "OA2-00899" in h.new_log()

    def test_token_for_another_resource(self, h, grant):
        c, _ = grant
        _, body = code_tokens(h, c, scope="openid read", resource=RESOURCE)
        r = userinfo(h, body["access_token"])
        assert r.status_code == 401
        h.new_log()

    def test_client_credentials_token(self, h):
        c = add_client(h, scope="read")
        body = assert_token_ok(client_credentials(h, c))
        r = userinfo(h, body["access_token"])
        assert r.status_code == 403
        h.new_log()

    def test_revoked(self, h, grant):
        c, _ = grant
        _, body = code_tokens(h, c, scope="openid")
        assert_ok(userinfo(h, body["access_token"]))
        r = h.session.post(h.url(ep(h, "revoke")),
                           data={"token": body["access_token"]},
                           auth=(c.client_id, c.client_secret), timeout=10)
        assert r.status_code == 200
        r = userinfo(h, body["access_token"])
        assert r.status_code == 401
        assert "OA2-00900" in h.new_log()

    def test_method(self, h):
        r = h.session.put(h.url(ep(h, "userinfo")), timeout=10)
        assert r.status_code == 405
        h.new_log()


class TestOpenIDOff:

    off = as_fixture("as-openid-off", extra="OAuth2OpenID off\n")

    def test_openid_is_unknown(self, off):
        c = add_client(off)
        f = Flow(off, c, scope="openid read")
        q = f.redirect_query(f.get())
        assert q["error"] == "invalid_scope"
        assert "OA2-00231" in off.new_log()

    def test_no_discovery_no_userinfo(self, off):
        assert discovery(off).status_code == 404
        assert off.session.get(off.url(ep(off, "userinfo")),
                               timeout=10).status_code == 404
        off.new_log()


class TestIssuerWithPath:

    hp = as_fixture("as-openid-path", issuer_path="/tenant")

    def test_discovery_after_the_path(self, hp):
        doc = assert_ok(discovery(hp, "/tenant")).json()
        assert doc["issuer"] == hp.issuer
        assert discovery(hp).status_code == 404
        hp.new_log()


def logout(h, method="GET", **params):
    url = h.url(ep(h, "logout"))
    if method == "GET":
        return h.session.get(url, params=params, allow_redirects=False,
                             timeout=10)
    return h.session.post(url, data=params, allow_redirects=False,
                          timeout=10)


def assert_not_redirected(h, r, log_id):
    """A logout request refused here (400), never sent on to a redirect
    URI, with log_id in the log."""
    assert r.status_code == 400 and "Location" not in r.headers
    assert log_id in h.new_log()


def form_fields(html_text):
    """name -> value of the inputs and the button of the page's form."""
    import re
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" '
                             r'value="([^"]*)"', html_text))
    import html
    return {k: html.unescape(v) for k, v in fields.items()}


class TestLogout:
    RP_DONE = "https://client.example/signed-out"

    @pytest.fixture(scope="class")
    def rp(self, h):
        c = add_client(h, scope="openid email")
        from authserver import admin
        # a second client of its own with a post-logout URI
        out = admin(h, "client", "add", "RP With Logout", "--redirect-uri",
                    "https://client.example/cb", "--scope", "openid",
                    "--post-logout-redirect-uri", self.RP_DONE).stdout
        import re
        cid = re.search(r"^client_id:\s*(\S+)", out, re.M).group(1)
        secret = re.search(r"^client_secret:\s*(\S+)", out, re.M).group(1)
        from authserver import Client
        return c, Client(cid, secret, ["https://client.example/cb"],
                         "RP With Logout", "openid",
                         ("authorization_code", "refresh_token"), False, None)

    def id_token(self, h, client):
        return code_tokens(h, client, scope="openid")[1]["id_token"]

    def test_discovery_names_it(self, h):
        doc = assert_ok(discovery(h)).json()
        assert doc["end_session_endpoint"] == h.url(ep(h, "logout"))

    def test_admin_shows_the_uri(self, h, rp):
        from authserver import admin
        out = admin(h, "client", "show", rp[1].client_id).stdout
        assert "post_logout_redirect_uri: %s" % self.RP_DONE in out

    def test_hint_and_registered_uri_redirect(self, h, rp):
        _, c = rp
        hint = self.id_token(h, c)
        for method in ("GET", "POST"):
            r = logout(h, method, id_token_hint=hint,
                       post_logout_redirect_uri=self.RP_DONE, state="s 1")
            assert r.status_code == (302 if method == "GET" else 303)
            assert r.headers["Location"] == self.RP_DONE + "?state=s%201"
            assert "OA2-00916" in h.new_log()

    def test_hint_with_matching_client_id(self, h, rp):
        _, c = rp
        r = logout(h, id_token_hint=self.id_token(h, c),
                   client_id=c.client_id,
                   post_logout_redirect_uri=self.RP_DONE)
        assert r.headers["Location"] == self.RP_DONE
        h.new_log()

    def test_hint_without_uri_shows_page(self, h, rp):
        _, c = rp
        r = logout(h, id_token_hint=self.id_token(h, c))
        assert r.status_code == 200 and "Location" not in r.headers
        assert "You are signed out" in r.text
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["X-Frame-Options"] == "DENY"
        h.new_log()

    def test_unregistered_uri_never_redirected(self, h, rp):
        plain, c = rp
        for hint_client, uri in ((c, "https://evil.example/"),
                                 (c, self.RP_DONE + "/x"),
                                 (plain, self.RP_DONE)):
            r = logout(h, id_token_hint=self.id_token(h, hint_client),
                       post_logout_redirect_uri=uri, state="x")
            assert_not_redirected(h, r, "OA2-00915")

    def test_uri_without_client(self, h):
        r = logout(h, post_logout_redirect_uri=self.RP_DONE)
        assert_not_redirected(h, r, "OA2-00914")

    def test_client_id_not_the_hints(self, h, rp):
        plain, c = rp
        r = logout(h, id_token_hint=self.id_token(h, c),
                   client_id=plain.client_id,
                   post_logout_redirect_uri=self.RP_DONE)
        assert_not_redirected(h, r, "OA2-00912")

    def test_hint_of_another_issuer(self, h, rp, keys):
        _, c = rp
        now = int(time.time())
        forged = tokens.mint(keys["ec2"], {
            "iss": h.issuer, "sub": "alice", "aud": c.client_id,
            "iat": now, "exp": now + 300}, typ="JWT")
        other_iss = tokens.mint(keys["ec1"], {
            "iss": "https://other.example", "sub": "alice",
            "aud": c.client_id, "iat": now, "exp": now + 300}, typ="JWT")
        for hint, log_id in ((forged, "OA2-00909"),
                             (other_iss, "OA2-00917"),
                             ("not-a-token", "OA2-00909")):
            r = logout(h, id_token_hint=hint,
                       post_logout_redirect_uri=self.RP_DONE)
            assert_not_redirected(h, r, log_id)

    def test_access_token_is_no_hint(self, h, rp):
        _, c = rp
        access = code_tokens(h, c, scope="openid")[1]["access_token"]
        r = logout(h, id_token_hint=access,
                   post_logout_redirect_uri=self.RP_DONE)
        assert r.status_code == 400
        assert "OA2-00909" in h.new_log()

    def test_unknown_client(self, h):
        r = logout(h, client_id="no-such-client")
        assert r.status_code == 400
        assert "OA2-00913" in h.new_log()

    def test_without_hint_confirm_first(self, h, rp):
        _, c = rp
        r = logout(h, client_id=c.client_id,
                   post_logout_redirect_uri=self.RP_DONE, state="st")
        assert r.status_code == 200 and "Sign out?" in r.text
        assert "RP With Logout" in r.text
        fields = form_fields(r.text)
        assert fields["post_logout_redirect_uri"] == self.RP_DONE
        # the form as posted: signs out and goes back with state
        r2 = logout(h, "POST", confirm="yes", **fields)
        assert r2.status_code == 303
        assert r2.headers["Location"] == self.RP_DONE + "?state=st"
        assert "OA2-00916" in h.new_log()
        # the same form with another destination: refused
        bad = dict(fields, state="other")
        r3 = logout(h, "POST", confirm="yes", **bad)
        assert r3.status_code == 403 and "Location" not in r3.headers
        assert "OA2-00321" in h.new_log()
        # a forged post without the form's token
        r4 = logout(h, "POST", confirm="yes", client_id=c.client_id)
        assert r4.status_code == 403
        assert "OA2-00320" in h.new_log()

    def test_confirm_without_client(self, h):
        r = logout(h)
        assert r.status_code == 200 and "Sign out?" in r.text
        r2 = logout(h, "POST", confirm="yes", **form_fields(r.text))
        assert r2.status_code == 200 and "You are signed out" in r2.text
        h.new_log()

    def test_repeated_parameter(self, h):
        r = h.session.get(h.url(ep(h, "logout")) + "?state=a&state=b",
                          timeout=10)
        assert r.status_code == 400
        assert "OA2-00911" in h.new_log()


class TestLogoutHintAge:
    """An expired hint is accepted while its login may still have grants
    (the refresh token lifetime), then refused."""

    hs = as_fixture("as-logout-age",
                    extra="OAuth2IDTokenTTL 1\nOAuth2RefreshTokenTTL 3\n")

    def test_expired_then_too_old(self, hs):
        c = add_client(hs, scope="openid")
        hint = code_tokens(hs, c, scope="openid")[1]["id_token"]
        time.sleep(2)
        r = logout(hs, id_token_hint=hint)
        assert r.status_code == 200 and "You are signed out" in r.text
        hs.new_log()
        time.sleep(2.5)
        r = logout(hs, id_token_hint=hint)
        assert r.status_code == 400
        assert "OA2-00910" in hs.new_log()


class TestRegistrationMetadata:

    def register(self, h, **meta):
        body = {"client_name": "OIDC RP",
                "redirect_uris": ["https://rp.example/cb"]}
        body.update(meta)
        return h.session.post(h.url(ep(h, "register")), json=body,
                              timeout=10)

    def test_accepted_and_echoed(self, h):
        r = self.register(h, post_logout_redirect_uris=[
            "https://rp.example/bye", "http://127.0.0.1:9/bye"],
            default_max_age=3600, id_token_signed_response_alg="ES256")
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["post_logout_redirect_uris"] == [
            "https://rp.example/bye", "http://127.0.0.1:9/bye"]
        assert doc["default_max_age"] == 3600
        assert doc["id_token_signed_response_alg"] == "ES256"
        from authserver import admin
        out = admin(h, "client", "show", doc["client_id"]).stdout
        assert "post_logout_redirect_uri: https://rp.example/bye" in out

    @pytest.mark.parametrize("meta,log_id", [
        ({"post_logout_redirect_uris": "https://rp.example/bye"},
         "OA2-00906"),
        ({"post_logout_redirect_uris": [7]}, "OA2-00919"),
        ({"post_logout_redirect_uris": ["javascript:alert(1)"]}, "OA2-00905"),
        ({"post_logout_redirect_uris": ["http://rp.example/bye"]},
         "OA2-00905"),
        ({"post_logout_redirect_uris": ["https://rp.example/#f"]},
         "OA2-00905"),
        ({"default_max_age": -1}, "OA2-00907"),
        ({"default_max_age": "60"}, "OA2-00907"),
        ({"id_token_signed_response_alg": "RS256"}, "OA2-00908"),
        ({"id_token_signed_response_alg": "none"}, "OA2-00908"),
    ])
    def test_refused(self, h, meta, log_id):
        r = self.register(h, **meta)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_client_metadata"
        assert log_id in h.new_log()


class TestPromptNone:
    """prompt=none never shows a login prompt (Core §3.1.2.1)."""

    def test_without_credentials(self, h, client):
        h.allow_log("AH01617")  # mod_auth_basic: the wrong password
        f = Flow(h, client, scope="openid", prompt="none")
        for user in (None, ("alice", "wrong password")):
            r = f.get(user=user)
            assert r.status_code == 302, (r.status_code, r.text[:200])
            q = f.redirect_query(r)
            assert q["error"] == "login_required"
            assert q["state"] == f.state and q["iss"] == h.issuer
            assert "code" not in q
            assert "OA2-00922" in h.new_log()

    def test_signed_in_and_consented(self, h, client):
        code_tokens(h, client, scope="openid")
        f = Flow(h, client, scope="openid", prompt="none")
        assert "code" in f.redirect_query(f.get())

    def test_signed_in_without_consent(self, h):
        c = add_client(h, scope="openid")
        f = Flow(h, c, scope="openid", prompt="none")
        assert f.redirect_query(f.get())["error"] == "consent_required"
        assert "OA2-00436" in h.new_log()

    def test_invalid_request_still_prompts(self, h):
        """An unknown client is never redirected to: httpd's login
        prompt, then the error page."""
        r = h.session.get(h.url(ep(h, "authorize")), params={
            "client_id": "nobody", "redirect_uri": "https://evil.example/",
            "response_type": "code", "prompt": "none"}, timeout=10,
            allow_redirects=False)
        assert r.status_code == 401 and "Location" not in r.headers

    def test_other_prompts_untouched(self, h, client):
        f = Flow(h, client, scope="openid", prompt="consent")
        assert f.get(user=None).status_code == 401


class TestPageParameters:
    """The page endpoints' parameters: a POST body that is not a form is
    the error page, never a crash or a redirect."""

    def test_post_not_a_form(self, h):
        for path in ("authorize", "logout"):
            r = h.session.post(h.url(ep(h, path)), data="state=x",
                               headers={"Content-Type": "text/plain"},
                               auth=ALICE, allow_redirects=False, timeout=10)
            assert r.status_code == 400 and "Location" not in r.headers
            assert "<html" in r.text
        h.new_log()

    def test_other_method(self, h):
        r = h.session.put(h.url(ep(h, "logout")), timeout=10)
        assert r.status_code == 405
        h.new_log()
