# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Introspection, revocation, dynamic registration and CORS (SPEC.md
"Endpoints"; RFC 7662, RFC 7009, RFC 7591, RFC 8414, RFC 9728)."""

import time
import urllib.parse

import pytest
import requests

import tokens
from authserver import (AS_MODULES, Flow, add_client, api, as_config,
                        code_tokens,
                        assert_token_error,
                        assert_token_ok, client_credentials, introspect,
                        parallel_post, refresh, revoke, start_as,
                        token_request, verify_access_token)
from checks import assert_invalid_token, assert_ok
from tokens import claims, mint

REALM = "rs.test"
REG_TOKEN = "initial-access-token-0123456789abcdef"


def assert_active(r, active=True):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body.get("active") is active, body
    if not active:
        # RFC 7662 §2.2: nothing more about a token that is not active
        assert set(body) == {"active"}, body
    return body


def assert_invalid_client(r):
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.json()["error"] == "invalid_client", r.text


class TestIntrospection:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-introspect")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def test_live_access_token(self, h, client):
        _, body = code_tokens(h, client, scope="read write")
        info = assert_active(introspect(h, client, body["access_token"]))
        _, jwt_claims = verify_access_token(h, body["access_token"])
        assert info["client_id"] == client.client_id
        assert set(info["scope"].split()) == {"read", "write"}
        for k in ("sub", "exp", "iat", "iss", "jti"):
            if k in info:
                assert info[k] == jwt_claims[k], (k, info)
        assert info.get("sub", "alice") == "alice"
        if "token_type" in info:
            assert info["token_type"].lower() in ("bearer", "access_token")

    def test_live_refresh_token(self, h, client):
        _, body = code_tokens(h, client)
        info = assert_active(introspect(h, client, body["refresh_token"],
                                        hint="refresh_token"))
        assert info.get("client_id", client.client_id) == client.client_id

    def test_refresh_token_without_hint(self, h, client):
        _, body = code_tokens(h, client)
        assert_active(introspect(h, client, body["refresh_token"]))

    def test_wrong_hint_still_found(self, h, client):
        _, body = code_tokens(h, client)
        assert_active(introspect(h, client, body["access_token"],
                                 hint="refresh_token"))
        assert_active(introspect(h, client, body["refresh_token"],
                                 hint="access_token"))

    def test_client_credentials_token(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        info = assert_active(introspect(h, client, body["access_token"]))
        assert info.get("sub", client.client_id) == client.client_id

    def test_client_secret_post(self, h):
        c = add_client(h, auth_method="client_secret_post")
        body = assert_token_ok(client_credentials(h, c))
        assert_active(introspect(h, c, body["access_token"], auth="post"))

    def test_rotated_refresh_token_inactive(self, h, client):
        _, body = code_tokens(h, client)
        assert_token_ok(refresh(h, client, body["refresh_token"]))
        assert_active(introspect(h, client, body["refresh_token"]), False)

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", "", "x" * 2000])
    def test_garbage(self, h, client, token):
        r = introspect(h, client, token)
        if token == "":
            assert r.status_code in (200, 400)
            if r.status_code == 400:
                assert r.json()["error"] == "invalid_request"
                return
        assert_active(r, False)

    def test_foreign_jwt(self, h, keys, client):
        # well formed, right iss/aud, signed with a key the AS never had
        t = mint(keys["ec3"], claims(h.issuer, h.issuer,
                                     client_id=client.client_id))
        assert_active(introspect(h, client, t), False)

    def test_tampered_jwt(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        hd, p, s = body["access_token"].split(".")
        payload = tokens.decode_part(p)
        payload["scope"] = "read write admin"
        t = tokens.register("%s.%s.%s" % (hd, tokens.b64u_json(payload), s))
        assert_active(introspect(h, client, t), False)

    def test_missing_token(self, h, client):
        r = h.session.post(h.url("/oauth2/introspect"), data={},
                           auth=client.auth)
        assert r.status_code == 400 and r.json()["error"] == "invalid_request"

    def test_no_client_authentication(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        r = h.session.post(h.url("/oauth2/introspect"),
                           data={"token": body["access_token"]})
        assert_invalid_client(r)

    def test_wrong_secret(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        r = h.session.post(h.url("/oauth2/introspect"),
                           data={"token": body["access_token"]},
                           auth=(client.client_id, "wrong"))
        assert_invalid_client(r)

    def test_public_client_refused(self, h, client):
        pub = add_client(h, public=True, grants=["authorization_code"])
        body = assert_token_ok(client_credentials(h, client))
        r = h.session.post(h.url("/oauth2/introspect"),
                           data={"token": body["access_token"],
                                 "client_id": pub.client_id})
        assert_invalid_client(r)

    def test_bearer_token_is_no_client_auth(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        r = h.session.post(h.url("/oauth2/introspect"),
                           data={"token": body["access_token"]},
                           headers={"Authorization":
                                    "Bearer " + body["access_token"]})
        assert r.status_code == 401

    def test_get_refused(self, h, client):
        r = h.get("/oauth2/introspect?token=x", auth=client.auth)
        assert r.status_code in (400, 405)


class TestExpiredTokens:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        # 2 s, not 1: lifetimes count whole seconds, so a 1-s token
        # introspected across a second boundary would already be expired
        return start_as(httpd_factory, keys, "as-expired", extra="""
OAuth2AccessTokenTTL 2
OAuth2RefreshTokenTTL 2
""")

    def test_expired_access_and_refresh(self, h):
        c = add_client(h)
        _, body = code_tokens(h, c)
        assert_active(introspect(h, c, body["access_token"]))
        time.sleep(3.2)
        assert_active(introspect(h, c, body["access_token"]), False)
        assert_active(introspect(h, c, body["refresh_token"]), False)


class TestRevocation:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-revoke")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def test_revoke_refresh_token(self, h, client):
        _, body = code_tokens(h, client)
        r2 = assert_token_ok(refresh(h, client, body["refresh_token"]))
        r = revoke(h, client, r2["refresh_token"], hint="refresh_token")
        assert r.status_code == 200, r.text
        assert_token_error(refresh(h, client, r2["refresh_token"]),
                           "invalid_grant")
        assert_active(introspect(h, client, r2["refresh_token"]), False)

    def test_revoke_refresh_revokes_family(self, h, client):
        # revoking the old (rotated) member kills the live one as well
        _, body = code_tokens(h, client)
        r2 = assert_token_ok(refresh(h, client, body["refresh_token"]))
        assert revoke(h, client, body["refresh_token"]).status_code == 200
        assert_token_error(refresh(h, client, r2["refresh_token"]),
                           "invalid_grant")

    def test_revoke_access_token(self, h, client):
        _, body = code_tokens(h, client)
        at = body["access_token"]
        assert_ok(api(h, at))
        assert_active(introspect(h, client, at))
        r = revoke(h, client, at, hint="access_token")
        assert r.status_code == 200, r.text
        assert_invalid_token(api(h, at), REALM)
        assert_active(introspect(h, client, at), False)
        # another token of the same client is untouched
        other = assert_token_ok(client_credentials(h, client))
        assert_ok(api(h, other["access_token"]))

    def test_revoke_access_token_without_hint(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        assert revoke(h, client, body["access_token"]).status_code == 200
        assert_invalid_token(api(h, body["access_token"]), REALM)

    def test_revoke_twice(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        assert revoke(h, client, body["access_token"]).status_code == 200
        assert revoke(h, client, body["access_token"]).status_code == 200

    def test_revoke_at_once(self, h, client):
        """30 revocations of one access token, and of one refresh token,
        at once: the first stores the revocation, the others find it
        done; every one is a success (RFC 7009 §2.2), none a 503."""
        _, body = code_tokens(h, client)
        for token in (body["access_token"], body["refresh_token"]):
            results = parallel_post(h, "/oauth2/revoke", {"token": token},
                                    client.auth, 30)
            assert [st for st, _ in results] == [200] * 30, results
        assert_invalid_token(api(h, body["access_token"]), REALM)
        assert_token_error(refresh(h, client, body["refresh_token"]),
                           "invalid_grant")

    @pytest.mark.parametrize("token", ["garbage", "a.b.c"])
    def test_revoke_garbage(self, h, client, token):
        # RFC 7009 §2.2: an invalid token is no error
        assert revoke(h, client, token).status_code == 200

    def test_revoke_another_clients_token(self, h, client):
        other = add_client(h)
        _, body = code_tokens(h, client)
        r = revoke(h, other, body["refresh_token"])
        assert r.status_code in (200, 400, 401, 403), r.status_code
        # whatever the answer, the token is not revoked
        assert_token_ok(refresh(h, client, body["refresh_token"]))
        cc = assert_token_ok(client_credentials(h, client))
        revoke(h, other, cc["access_token"])
        assert_ok(api(h, cc["access_token"]))

    def test_no_client_authentication(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        r = h.session.post(h.url("/oauth2/revoke"),
                           data={"token": body["access_token"]})
        assert_invalid_client(r)
        assert_ok(api(h, body["access_token"]))

    def test_wrong_secret(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        r = h.session.post(h.url("/oauth2/revoke"),
                           data={"token": body["access_token"]},
                           auth=(client.client_id, "wrong"))
        assert_invalid_client(r)
        assert r.headers.get("WWW-Authenticate", "").startswith("Basic")
        assert_ok(api(h, body["access_token"]))

    def test_missing_token(self, h, client):
        r = h.session.post(h.url("/oauth2/revoke"), data={},
                           auth=client.auth)
        assert r.status_code == 400 and r.json()["error"] == "invalid_request"

    def test_public_client_revokes_its_refresh_token(self, h):
        pub = add_client(h, public=True,
                         grants=["authorization_code", "refresh_token"])
        _, body = code_tokens(h, pub)
        if "refresh_token" not in body:
            pytest.skip("no refresh token for public clients")
        assert revoke(h, pub, body["refresh_token"]).status_code == 200
        assert_token_error(refresh(h, pub, body["refresh_token"]),
                           "invalid_grant")


REG_BODY = {"redirect_uris": ["https://app.example/cb"],
            "client_name": "Registered App",
            "grant_types": ["authorization_code", "refresh_token",
                            "client_credentials"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "read write"}


def register(h, body, token=None, **kw):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    r = h.session.post(h.url("/oauth2/register"), json=body,
                       headers=headers, timeout=10, **kw)
    if r.status_code == 201:
        secret = r.json().get("client_secret")
        if secret:
            tokens.register(secret)
    return r


class _Registered:
    """A registered client as the token helpers want it."""

    def __init__(self, doc):
        self.client_id = doc["client_id"]
        self.client_secret = doc.get("client_secret")
        self.redirect_uris = doc.get("redirect_uris", [])
        self.public = not self.client_secret
        self.auth_method = doc.get("token_endpoint_auth_method")

    @property
    def redirect_uri(self):
        return self.redirect_uris[0]

    @property
    def auth(self):
        return (self.client_id, self.client_secret)


def assert_registration_error(r, error="invalid_redirect_uri"):
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    if isinstance(error, str):
        error = (error,)
    assert body.get("error") in error, body


# ---- the registered token_endpoint_auth_method is enforced ----------------

BASIC, POST, NONE = "client_secret_basic", "client_secret_post", "none"
# a request each client-authenticated endpoint answers once the client is
# authenticated (the token is unknown: introspection says inactive,
# revocation 200)
AUTH_ENDPOINT_DATA = {"token": {"grant_type": "client_credentials"},
                      "introspect": {"token": "no-such-token"},
                      "revoke": {"token": "no-such-token"}}


def authenticated_post(h, endpoint, client, used, secret=None):
    """POST endpoint as client, authenticating with method used (a
    public client's "secret" is whatever the caller gives)."""
    data = dict(AUTH_ENDPOINT_DATA[endpoint])
    secret = client.client_secret if secret is None else secret
    kw = {}
    if used == BASIC:
        kw["auth"] = requests.auth.HTTPBasicAuth(
            urllib.parse.quote(client.client_id, safe=""),
            urllib.parse.quote(secret, safe=""))
    elif used == POST:
        data.update(client_id=client.client_id, client_secret=secret)
    else:
        data["client_id"] = client.client_id
    r = h.session.post(h.url("/oauth2/" + endpoint), data=data, timeout=10,
                       **kw)
    if r.status_code == 200 and endpoint == "token":
        tokens.register(r.json()["access_token"])
    return r


class TestRegisteredAuthMethod:
    """A client authenticates only with the token_endpoint_auth_method it
    was registered with (RFC 7591 §2; OAuth 2.1 §2.4: the AS uses the
    registered method), at the token, introspection and revocation
    endpoints alike: a client_secret_basic client cannot send its secret in
    the body, a client_secret_post one not in a Basic header, and a public
    client (none) cannot present any secret. The refusal is invalid_client
    (401, with a Basic challenge when Basic was tried, RFC 6749 §5.2), and
    the info log line OA2-00820 names the registered and the used method,
    never the secret."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-auth-method")

    @pytest.fixture(scope="class")
    def clients(self, h):
        # add_client without --auth-method: the CLI's default, basic
        return {BASIC: add_client(h), POST: add_client(h, auth_method=POST),
                NONE: add_client(h, public=True,
                                 grants=("authorization_code",
                                         "refresh_token"))}

    @pytest.mark.parametrize("endpoint", list(AUTH_ENDPOINT_DATA))
    @pytest.mark.parametrize("method", [BASIC, POST])
    def test_registered_method_works(self, h, clients, endpoint, method):
        r = authenticated_post(h, endpoint, clients[method], method)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        assert "OA2-00820" not in h.new_log()

    def test_public_client_without_secret_works(self, h, clients):
        pub = clients[NONE]
        assert authenticated_post(h, "revoke", pub, NONE).status_code == 200
        # at the token endpoint it gets past authentication to the grant
        assert_token_error(authenticated_post(h, "token", pub, NONE),
                           "unauthorized_client")
        assert "OA2-00820" not in h.new_log()

    @pytest.mark.parametrize("endpoint", list(AUTH_ENDPOINT_DATA))
    @pytest.mark.parametrize("registered,used,secret", [
        (BASIC, POST, None),
        (POST, BASIC, None),
        (BASIC, NONE, None),
        (POST, NONE, None),
        (NONE, BASIC, "a-secret"),
        (NONE, BASIC, ""),
        (NONE, POST, "a-secret"),
    ], ids=["basic-as-post", "post-as-basic", "basic-as-none",
            "post-as-none", "public-with-basic", "public-with-empty-basic",
            "public-with-post"])
    def test_other_method_refused(self, h, clients, endpoint, registered,
                                  used, secret):
        client = clients[registered]
        r = authenticated_post(h, endpoint, client, used, secret)
        assert r.status_code == 401, (r.status_code, r.text[:300])
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"] == "invalid_client", r.text
        if used == BASIC:
            www = r.headers.get("WWW-Authenticate", "")
            assert www.startswith("Basic "), r.headers
        log = h.new_log()
        lines = [line for line in log.splitlines() if "OA2-00820" in line]
        assert len(lines) == 1, log
        assert "[oauth2:info]" in lines[0], lines[0]
        assert client.client_id in lines[0], lines[0]
        assert "registered for %s, used %s" % (registered, used) \
            in lines[0], lines[0]
        for s in (client.client_secret, secret):
            if s:
                assert s not in log

    def test_registration_default_is_basic(self, h):
        """RFC 7591 §2: a registration without token_endpoint_auth_method
        is client_secret_basic, and is held to it."""
        r = register(h, {"redirect_uris": ["https://app.example/cb"],
                         "grant_types": ["client_credentials"]})
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["token_endpoint_auth_method"] == BASIC, doc
        c = _Registered(doc)
        assert authenticated_post(h, "token", c, BASIC).status_code == 200
        r = authenticated_post(h, "token", c, POST)
        assert_token_error(r, "invalid_client", 401)
        assert "OA2-00820" in h.new_log()

    def test_registered_post_client(self, h):
        doc = register(h, dict(REG_BODY, token_endpoint_auth_method=POST))
        c = _Registered(doc.json())
        assert authenticated_post(h, "introspect", c, POST).status_code \
            == 200
        assert_token_error(authenticated_post(h, "introspect", c, BASIC),
                           "invalid_client", 401)


class TestRegistrationOpen:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-reg-open",
                        registration="open")

    def test_register(self, h):
        before = int(time.time())
        r = register(h, REG_BODY)
        assert r.status_code == 201, (r.status_code, r.text)
        doc = r.json()
        assert doc["client_id"]
        assert len(doc["client_secret"]) >= 43  # 256 bits, base64
        assert isinstance(doc["client_id_issued_at"], int)
        assert before - 5 <= doc["client_id_issued_at"] <= time.time() + 5
        assert doc["client_secret_expires_at"] == 0
        assert doc["redirect_uris"] == REG_BODY["redirect_uris"]
        assert doc.get("client_name") == "Registered App"
        assert r.headers.get("Cache-Control") == "no-store"

    def test_registered_client_credentials(self, h):
        doc = register(h, REG_BODY).json()
        c = _Registered(doc)
        body = assert_token_ok(token_request(
            h, c, {"grant_type": "client_credentials", "scope": "read"}))
        _, cl = verify_access_token(h, body["access_token"])
        assert cl["sub"] == c.client_id
        assert_ok(api(h, body["access_token"]))

    def test_registered_code_flow(self, h):
        c = _Registered(register(h, REG_BODY).json())
        c.name, c.scope = "Registered App", "read write"
        _, body = code_tokens(h, c)
        assert_ok(api(h, body["access_token"]))

    def test_client_secret_post(self, h):
        doc = register(h, dict(REG_BODY, token_endpoint_auth_method=
                               "client_secret_post")).json()
        assert doc["token_endpoint_auth_method"] == "client_secret_post"
        c = _Registered(doc)
        assert_token_ok(token_request(
            h, c, {"grant_type": "client_credentials"}, method="post"))

    def test_defaults(self, h):
        r = register(h, {"redirect_uris": ["https://app.example/cb"]})
        assert r.status_code == 201, r.text
        doc = r.json()
        # RFC 7591 §2: authorization_code and client_secret_basic
        assert doc.get("grant_types", ["authorization_code"]) == \
            ["authorization_code"]
        assert doc.get("token_endpoint_auth_method",
                       "client_secret_basic") == "client_secret_basic"

    def test_public_client(self, h):
        r = register(h, {"redirect_uris": ["http://127.0.0.1/cb"],
                         "token_endpoint_auth_method": "none",
                         "grant_types": ["authorization_code"]})
        assert r.status_code == 201, r.text
        doc = r.json()
        assert "client_secret" not in doc or not doc["client_secret"]
        assert isinstance(doc["client_id_issued_at"], int)
        c = _Registered(doc)
        f = Flow(h, c, redirect_uri="http://127.0.0.1:6000/cb")
        assert_token_ok(f.token(f.code()))

    def test_public_client_no_client_credentials(self, h):
        r = register(h, {"redirect_uris": ["http://127.0.0.1/cb"],
                         "token_endpoint_auth_method": "none",
                         "grant_types": ["client_credentials"]})
        assert_registration_error(r, "invalid_client_metadata")

    @pytest.mark.parametrize("uri", [
        "http://app.example/cb",            # http, not loopback
        "http://192.168.1.1/cb",
        "https://app.example/cb#frag",     # fragment
        "https://app.example/cb#",
        "/cb",                              # relative
        "app.example/cb",
        "javascript:alert(1)",
        "data:text/html,x",
        "https://app.example/c b",
        "",
    ])
    def test_invalid_redirect_uri(self, h, uri):
        r = register(h, dict(REG_BODY, redirect_uris=[uri]))
        assert_registration_error(r)

    @pytest.mark.parametrize("uri", ["http://127.0.0.1/cb",
                                     "http://127.0.0.1:8080/cb",
                                     "http://[::1]/cb",
                                     "http://localhost:3000/cb",
                                     "https://app.example/cb?x=1",
                                     "com.example.app:/cb"])
    def test_valid_redirect_uri(self, h, uri):
        r = register(h, dict(REG_BODY, redirect_uris=[uri]))
        assert r.status_code == 201, (uri, r.text)

    def test_missing_redirect_uris_for_code(self, h):
        body = dict(REG_BODY)
        del body["redirect_uris"]
        assert_registration_error(r=register(h, body), error=(
            "invalid_redirect_uri", "invalid_client_metadata"))

    def test_client_credentials_only_without_redirect_uris(self, h):
        r = register(h, {"grant_types": ["client_credentials"],
                         "scope": "read"})
        assert r.status_code == 201, r.text
        c = _Registered(r.json())
        assert_token_ok(token_request(
            h, c, {"grant_type": "client_credentials"}))

    @pytest.mark.parametrize("field,value", [
        ("grant_types", ["password"]),
        ("grant_types", ["implicit"]),
        ("response_types", ["token"]),
        ("token_endpoint_auth_method", "private_key_jwt"),
        ("scope", "read admin"),
        ("redirect_uris", "https://app.example/cb"),
        ("client_name", 42),
    ])
    def test_invalid_metadata(self, h, field, value):
        r = register(h, dict(REG_BODY, **{field: value}))
        assert_registration_error(r, ("invalid_client_metadata",
                                      "invalid_redirect_uri"))

    def test_not_json(self, h):
        r = h.session.post(h.url("/oauth2/register"), data="{not json",
                           headers={"Content-Type": "application/json"})
        assert_registration_error(r, "invalid_client_metadata")

    def test_form_body(self, h):
        r = h.session.post(h.url("/oauth2/register"),
                           data={"redirect_uris": "https://app.example/cb"})
        assert r.status_code == 400 or r.status_code == 415, r.status_code

    def test_secret_only_in_response(self, h):
        r = register(h, REG_BODY)
        secret = r.json()["client_secret"]
        assert secret not in h.new_log()

    def test_get_refused(self, h):
        assert h.get("/oauth2/register").status_code in (400, 405)


class TestRegistrationToken:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-reg-token",
                        registration="token", registration_token=REG_TOKEN)

    def test_without_token(self, h):
        r = register(h, REG_BODY)
        assert r.status_code == 401, r.text
        assert r.headers.get("WWW-Authenticate", "").startswith("Bearer")

    def test_wrong_token(self, h):
        r = register(h, REG_BODY, token=REG_TOKEN + "x")
        assert r.status_code == 401, r.text
        www = r.headers.get("WWW-Authenticate", "")
        assert www.startswith("Bearer") and "invalid_token" in www

    def test_token_in_body_not_accepted(self, h):
        r = register(h, dict(REG_BODY, access_token=REG_TOKEN))
        assert r.status_code == 401

    def test_with_token(self, h):
        r = register(h, REG_BODY, token=REG_TOKEN)
        assert r.status_code == 201, r.text
        c = _Registered(r.json())
        assert_token_ok(token_request(
            h, c, {"grant_type": "client_credentials"}))

    def test_metadata(self, h):
        md = h.get("/.well-known/oauth-authorization-server").json()
        assert md["registration_endpoint"] == h.issuer + "/oauth2/register"


class TestRegistrationOff:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-reg-off",
                        registration="off")

    def test_not_served(self, h):
        r = register(h, REG_BODY)
        assert r.status_code == 404, (r.status_code, r.text[:200])
        # no preflight either: nothing is there to call
        r = h.get("/oauth2/register", method="OPTIONS", headers={
            "Origin": "https://spa.example",
            "Access-Control-Request-Method": "POST"})
        assert r.status_code == 404, r.status_code
        assert "Access-Control-Allow-Origin" not in r.headers

    def test_not_in_metadata(self, h):
        md = h.get("/.well-known/oauth-authorization-server").json()
        assert "registration_endpoint" not in md


# ---- CORS ---------------------------------------------------------------

ORIGIN = "https://spa.example"


def assert_cors(r):
    assert r.headers.get("Access-Control-Allow-Origin") == "*", \
        (r.status_code, dict(r.headers))
    assert "Access-Control-Allow-Credentials" not in r.headers


def assert_no_cors(r):
    for k in r.headers:
        assert not k.lower().startswith("access-control-"), dict(r.headers)


class TestCORS:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("as-cors", modules=AS_MODULES)
        h.start(as_config(h, keys, registration="open", extra="""
OAuth2ProtectedResource {iss}/api
""".format(iss=h.issuer)))
        return h

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def req(self, h, method, path, **kw):
        headers = dict(kw.pop("headers", {}))
        headers["Origin"] = ORIGIN
        return h.session.request(method, h.url(path), headers=headers,
                                 timeout=10, allow_redirects=False, **kw)

    @pytest.mark.parametrize("path", [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/api",
        "/oauth2/jwks"])
    def test_documents(self, h, path):
        r = self.req(h, "GET", path)
        assert r.status_code == 200, (path, r.status_code)
        assert_cors(r)

    def test_token_success(self, h, client):
        r = self.req(h, "POST", "/oauth2/token",
                     data={"grant_type": "client_credentials"},
                     auth=client.auth)
        assert r.status_code == 200
        tokens.register(r.json()["access_token"])
        assert_cors(r)

    @pytest.mark.parametrize("data,status", [
        ({"grant_type": "client_credentials"}, 401),
        ({"grant_type": "password"}, 400),
    ])
    def test_token_errors(self, h, data, status):
        r = self.req(h, "POST", "/oauth2/token", data=data)
        assert r.status_code in (status, 401), r.text
        assert_cors(r)

    def test_revoke(self, h, client):
        r = self.req(h, "POST", "/oauth2/revoke", data={"token": "x"},
                     auth=client.auth)
        assert r.status_code == 200, r.text
        assert_cors(r)
        r = self.req(h, "POST", "/oauth2/revoke", data={"token": "x"})
        assert r.status_code == 401
        assert_cors(r)

    def test_register(self, h):
        r = self.req(h, "POST", "/oauth2/register", json=REG_BODY)
        assert r.status_code == 201, r.text
        tokens.register(r.json()["client_secret"])
        assert_cors(r)
        r = self.req(h, "POST", "/oauth2/register", json={
            "redirect_uris": ["http://app.example/cb"]})
        assert r.status_code == 400
        assert_cors(r)

    @pytest.mark.parametrize("path", [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-protected-resource/api",
        "/.well-known/openid-configuration",
        "/oauth2/jwks", "/oauth2/token", "/oauth2/revoke",
        "/oauth2/register", "/oauth2/userinfo", "/oauth2/par",
        "/oauth2/device_authorization"])
    def test_preflight(self, h, path):
        r = self.req(h, "OPTIONS", path, headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        assert r.status_code in (200, 204), (path, r.status_code)
        assert_cors(r)
        methods = {m.strip().upper() for m in r.headers.get(
            "Access-Control-Allow-Methods", "").split(",")}
        assert {"GET", "POST"} <= methods, r.headers
        allowed = {x.strip().lower() for x in r.headers.get(
            "Access-Control-Allow-Headers", "").split(",")}
        assert {"authorization", "content-type"} <= allowed, r.headers

    def test_no_cors_on_authorize(self, h, client):
        f = Flow(h, client)
        r = h.session.get(f.url(), headers={"Origin": ORIGIN},
                          auth=f.user, allow_redirects=False)
        assert r.status_code == 200
        assert_no_cors(r)
        r = self.req(h, "OPTIONS", "/oauth2/authorize", headers={
            "Access-Control-Request-Method": "POST"})
        assert_no_cors(r)
        r = self.req(h, "GET", "/oauth2/authorize")  # 401 from httpd
        assert_no_cors(r)

    @pytest.mark.parametrize("path", ["/oauth2/device", "/oauth2/logout"])
    def test_no_cors_on_pages(self, h, path):
        # pages of the user's browser, as authorize (the device page is
        # not behind a login in this config: it says so)
        h.allow_log("OA2-01730")
        r = self.req(h, "OPTIONS", path, headers={
            "Access-Control-Request-Method": "POST"})
        assert_no_cors(r)
        r = self.req(h, "GET", path)
        assert_no_cors(r)

    @pytest.mark.parametrize("path", [
        "/oauth2/par", "/oauth2/device_authorization", "/oauth2/userinfo"])
    def test_errors_of_other_back_channels(self, h, path):
        r = self.req(h, "POST", path, data={"client_id": "nobody"})
        assert r.status_code in (400, 401), (path, r.status_code, r.text)
        assert_cors(r)
        assert r.headers.get("Cache-Control") == "no-store", r.headers

    def test_no_cors_on_introspect(self, h, client):
        cc = assert_token_ok(client_credentials(h, client))
        r = self.req(h, "POST", "/oauth2/introspect",
                     data={"token": cc["access_token"]}, auth=client.auth)
        assert r.status_code == 200
        assert_no_cors(r)
        r = self.req(h, "POST", "/oauth2/introspect", data={"token": "x"})
        assert r.status_code == 401
        assert_no_cors(r)
        r = self.req(h, "OPTIONS", "/oauth2/introspect", headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization"})
        assert_no_cors(r)
