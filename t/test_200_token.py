# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The token endpoint (SPEC.md "Endpoints", "Access tokens"; RFC 6749
§4.1.3, §4.4, §5, §6, RFC 7636, RFC 8707, RFC 9068, RFC 9700 §4.14)."""

import copy
import time
import urllib.parse

import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError

import tokens
from authserver import (Flow, RESOURCE, add_client, api,
                        code_tokens,
                        assert_token_error, assert_token_ok,
                        client_credentials, parallel_post, refresh,
                        sole_winner, start_as, token_request, user_agent,
                        verify_access_token)
from checks import assert_invalid_token, assert_ok

REALM = "rs.test"


class TestAuthlibClient:
    """An unmodified OAuth client library against the AS."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-authlib")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, redirect_uris=["http://127.0.0.1/callback"])

    @pytest.fixture(scope="class")
    def post_client(self, h):
        return add_client(h, redirect_uris=["http://127.0.0.1/callback"],
                          auth_method="client_secret_post")

    def session(self, h, client, **kw):
        s = OAuth2Session(client.client_id, client.client_secret,
                          scope="read write",
                          redirect_uri="http://127.0.0.1:8765/callback",
                          code_challenge_method="S256", **kw)
        s.trust_env = False
        return s

    @pytest.mark.parametrize("method", ["client_secret_basic",
                                        "client_secret_post"])
    def test_code_refresh_client_credentials(self, h, client, post_client,
                                             method):
        # each client with the method it is registered for
        if method == "client_secret_post":
            client = post_client
        s = self.session(h, client, token_endpoint_auth_method=method)
        verifier = tokens.b64u(__import__("os").urandom(40))
        url, state = s.create_authorization_url(
            h.url("/oauth2/authorize"), code_verifier=verifier)
        location = user_agent(url)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
            location).query))
        assert q["state"] == state and q["iss"] == h.issuer
        tokens.register(q["code"])
        tok = s.fetch_token(h.url("/oauth2/token"),
                            authorization_response=location,
                            code_verifier=verifier)
        tokens.register(tok["access_token"])
        tokens.register(tok["refresh_token"])
        assert tok["token_type"].lower() == "bearer"
        assert set(tok["scope"].split()) == {"read", "write"}
        # the library's own bearer auth reaches the protected location
        r = s.get(h.url("/api/data.txt"), timeout=10)
        assert r.status_code == 200 and r.text == "api data\n"
        old_refresh = tok["refresh_token"]
        new = s.refresh_token(h.url("/oauth2/token"))
        tokens.register(new["access_token"])
        tokens.register(new["refresh_token"])
        assert new["refresh_token"] != old_refresh
        assert new["access_token"] != tok["access_token"]
        r = s.get(h.url("/api/data.txt"), timeout=10)
        assert r.status_code == 200
        cc = self.session(h, client, token_endpoint_auth_method=method)
        t2 = cc.fetch_token(h.url("/oauth2/token"),
                            grant_type="client_credentials", scope="read")
        tokens.register(t2["access_token"])
        assert "refresh_token" not in t2
        _, claims = verify_access_token(h, t2["access_token"])
        assert claims["sub"] == client.client_id

    def test_library_sees_errors(self, h, client):
        s = self.session(h, client)
        s.client_secret = "wrong"
        with pytest.raises(OAuthError) as e:
            s.fetch_token(h.url("/oauth2/token"),
                          grant_type="client_credentials")
        assert e.value.error == "invalid_client"


class TestTokenEndpoint:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-token")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, redirect_uris=["https://client.example/cb",
                                            "https://client.example/cb2"])

    @pytest.fixture(scope="class")
    def post_client(self, h):
        return add_client(h, auth_method="client_secret_post")

    # ---- the access token ------------------------------------------------

    def test_access_token_is_a_jwt(self, h, keys, client):
        before = int(time.time())
        f, body = code_tokens(h, client, scope="read write")
        at = body["access_token"]
        header = jwt.get_unverified_header(at)
        assert header["typ"] == "at+jwt"
        assert header["alg"] == "ES256"
        assert header["kid"] == keys["ec1"].thumbprint
        hdr, claims = verify_access_token(h, at)
        assert claims["iss"] == h.issuer
        assert claims["sub"] == "alice"
        assert claims["aud"] in (h.issuer, [h.issuer])
        assert claims["client_id"] == client.client_id
        assert set(claims["scope"].split()) == {"read", "write"}
        assert before - 5 <= claims["iat"] <= int(time.time()) + 5
        assert claims["exp"] - claims["iat"] == 900
        assert body["expires_in"] == 900
        assert claims["jti"]
        assert set(body["scope"].split()) == {"read", "write"}
        assert body["refresh_token"] and "." not in body["refresh_token"]

    def test_unique_jti(self, h, client):
        jtis = set()
        for _ in range(5):
            body = assert_token_ok(client_credentials(h, client))
            jtis.add(verify_access_token(h, body["access_token"])[1]["jti"])
        assert len(jtis) == 5

    def test_accepted_by_api(self, h, client):
        _, body = code_tokens(h, client)
        assert_ok(api(h, body["access_token"]), "api data\n")

    @pytest.mark.log_allow(r"AH01631")
    def test_api_insufficient_scope(self, h, client):
        _, body = code_tokens(h, client, scope="write")
        r = api(h, body["access_token"])
        assert r.status_code == 403

    def test_client_credentials(self, h, client):
        body = assert_token_ok(client_credentials(h, client, scope="read"))
        assert "refresh_token" not in body
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["sub"] == client.client_id
        assert claims["client_id"] == client.client_id
        assert claims["scope"] == "read"
        assert_ok(api(h, body["access_token"]))

    def test_client_credentials_default_scope(self, h, client):
        body = assert_token_ok(client_credentials(h, client))
        _, claims = verify_access_token(h, body["access_token"])
        assert set(claims.get("scope", "").split()) <= {"read", "write"}

    def test_client_credentials_unknown_scope(self, h, client):
        assert_token_error(client_credentials(h, client, scope="admin"),
                           "invalid_scope")

    def test_client_credentials_scope_not_registered(self, h):
        c = add_client(h, scope="read")
        assert_token_error(client_credentials(h, c, scope="write"),
                           "invalid_scope")

    # ---- resource indicators (RFC 8707) ----------------------------------

    def test_resource_in_authorize(self, h, client):
        f, body = code_tokens(h, client, resource=RESOURCE)
        _, claims = verify_access_token(h, body["access_token"],
                                        audience=RESOURCE)
        assert claims["aud"] in (RESOURCE, [RESOURCE])
        assert_ok(api(h, body["access_token"], "/resource-api/data.txt"))
        # the default audience location refuses it
        assert_invalid_token(api(h, body["access_token"]), REALM)

    def test_resource_in_token_request(self, h, client):
        f = Flow(h, client)
        body = assert_token_ok(f.token(f.code(), resource=RESOURCE))
        _, claims = verify_access_token(h, body["access_token"],
                                        audience=RESOURCE)
        assert claims["aud"] in (RESOURCE, [RESOURCE])

    def test_resource_client_credentials(self, h, client):
        body = assert_token_ok(client_credentials(h, client,
                                                  resource=RESOURCE))
        _, claims = verify_access_token(h, body["access_token"],
                                        audience=RESOURCE)
        assert claims["aud"] in (RESOURCE, [RESOURCE])

    def test_unknown_resource(self, h, client):
        assert_token_error(
            client_credentials(h, client, resource="https://x.example/"),
            "invalid_target")
        f = Flow(h, client)
        assert_token_error(f.token(f.code(), resource="https://x.example/"),
                           "invalid_target")

    def test_resource_kept_on_refresh(self, h, client):
        _, body = code_tokens(h, client, resource=RESOURCE)
        new = assert_token_ok(refresh(h, client, body["refresh_token"]))
        _, claims = verify_access_token(h, new["access_token"],
                                        audience=RESOURCE)
        assert claims["aud"] in (RESOURCE, [RESOURCE])

    # ---- refresh ---------------------------------------------------------

    def test_refresh_rotates(self, h, client):
        _, body = code_tokens(h, client)
        r1 = body["refresh_token"]
        new = assert_token_ok(refresh(h, client, r1))
        assert new["refresh_token"] != r1
        assert_ok(api(h, new["access_token"]))
        _, claims = verify_access_token(h, new["access_token"])
        assert claims["sub"] == "alice"
        new2 = assert_token_ok(refresh(h, client, new["refresh_token"]))
        assert new2["refresh_token"] not in (r1, new["refresh_token"])

    def test_refresh_reuse_revokes_family(self, h, client):
        _, body = code_tokens(h, client)
        r1 = body["refresh_token"]
        r2 = assert_token_ok(refresh(h, client, r1))["refresh_token"]
        r3 = assert_token_ok(refresh(h, client, r2))["refresh_token"]
        # the stolen r1 comes back
        assert_token_error(refresh(h, client, r1), "invalid_grant")
        # the newest one of the family stops working too
        assert_token_error(refresh(h, client, r3), "invalid_grant")
        assert_token_error(refresh(h, client, r2), "invalid_grant")

    def test_refresh_families_independent(self, h, client):
        _, a = code_tokens(h, client)
        _, b = code_tokens(h, client)
        a2 = assert_token_ok(refresh(h, client, a["refresh_token"]))
        assert_token_error(refresh(h, client, a["refresh_token"]),
                           "invalid_grant")
        assert_token_error(refresh(h, client, a2["refresh_token"]),
                           "invalid_grant")
        assert_token_ok(refresh(h, client, b["refresh_token"]))

    def test_refresh_scope_narrowing(self, h, client):
        _, body = code_tokens(h, client, scope="read write")
        new = assert_token_ok(refresh(h, client, body["refresh_token"],
                                      scope="read"))
        _, claims = verify_access_token(h, new["access_token"])
        assert claims["scope"] == "read"
        # the grant itself keeps its scope
        again = assert_token_ok(refresh(h, client, new["refresh_token"],
                                        scope="read write"))
        _, claims = verify_access_token(h, again["access_token"])
        assert set(claims["scope"].split()) == {"read", "write"}

    def test_refresh_scope_widening(self, h, client):
        _, body = code_tokens(h, client, scope="read")
        assert_token_error(refresh(h, client, body["refresh_token"],
                                   scope="read write"), "invalid_scope")
        assert_token_error(refresh(h, client, body["refresh_token"],
                                   scope="admin"), "invalid_scope")

    def test_refresh_of_another_client(self, h, client):
        other = add_client(h)
        _, body = code_tokens(h, client)
        assert_token_error(refresh(h, other, body["refresh_token"]),
                           "invalid_grant")

    def test_refresh_garbage(self, h, client):
        assert_token_error(refresh(h, client, "garbage"), "invalid_grant")

    def test_no_refresh_without_grant(self, h):
        c = add_client(h, grants=["authorization_code"])
        _, body = code_tokens(h, c)
        assert "refresh_token" not in body

    def test_client_without_refresh_grant_cannot_refresh(self, h, client):
        c = add_client(h, grants=["authorization_code"])
        _, body = code_tokens(h, client)
        r = refresh(h, c, body["refresh_token"])
        assert r.status_code == 400
        assert r.json()["error"] in ("unauthorized_client", "invalid_grant")

    # ---- codes -----------------------------------------------------------

    def test_code_replay(self, h, client):
        f = Flow(h, client)
        code = f.code()
        body = assert_token_ok(f.token(code))
        assert_ok(api(h, body["access_token"]))
        assert_token_error(f.token(code), "invalid_grant")
        # what the code produced is revoked
        assert_token_error(refresh(h, client, body["refresh_token"]),
                           "invalid_grant")
        assert_invalid_token(api(h, body["access_token"]), REALM)

    def test_code_replay_after_refresh(self, h, client):
        f = Flow(h, client)
        code = f.code()
        body = assert_token_ok(f.token(code))
        r2 = assert_token_ok(refresh(h, client, body["refresh_token"]))
        assert_token_error(f.token(code), "invalid_grant")
        assert_token_error(refresh(h, client, r2["refresh_token"]),
                           "invalid_grant")

    def test_code_of_another_client(self, h, client):
        other = add_client(h, redirect_uris=client.redirect_uris)
        f = Flow(h, client)
        code = f.code()
        r = token_request(h, other, {
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": f.redirect_uri, "code_verifier": f.verifier})
        assert_token_error(r, "invalid_grant")

    def test_code_other_redirect_uri(self, h, client):
        f = Flow(h, client, redirect_uri="https://client.example/cb")
        assert_token_error(
            f.token(f.code(), redirect_uri="https://client.example/cb2"),
            "invalid_grant")

    def test_code_without_redirect_uri(self, h, client):
        f = Flow(h, client)
        r = f.token(f.code(), redirect_uri=None)
        assert r.status_code == 400
        assert r.json()["error"] in ("invalid_request", "invalid_grant")

    def test_code_wrong_verifier(self, h, client):
        f = Flow(h, client)
        other = Flow(h, client)
        assert_token_error(f.token(f.code(), code_verifier=other.verifier),
                           "invalid_grant")

    def test_code_verifier_is_challenge(self, h, client):
        f = Flow(h, client)
        assert_token_error(f.token(f.code(), code_verifier=f.challenge),
                           "invalid_grant")

    def test_code_without_verifier(self, h, client):
        f = Flow(h, client)
        r = f.token(f.code(), code_verifier=None)
        assert r.status_code == 400
        assert r.json()["error"] in ("invalid_request", "invalid_grant")

    def test_code_single_use_after_failed_redemption(self, h, client):
        f = Flow(h, client)
        code = f.code()
        assert_token_error(f.token(code, code_verifier="x" * 43),
                           "invalid_grant")
        # a code is single use, whatever happened to its first use
        assert_token_error(f.token(code), "invalid_grant")

    def test_unknown_code(self, h, client):
        f = Flow(h, client)
        assert_token_error(f.token("no-such-code"), "invalid_grant")

    # ---- client authentication ------------------------------------------

    def test_client_secret_basic(self, h, client):
        assert_token_ok(token_request(
            h, client, {"grant_type": "client_credentials"}, method="basic"))

    def test_client_secret_post(self, h, post_client):
        assert_token_ok(token_request(
            h, post_client, {"grant_type": "client_credentials"},
            method="post"))

    def test_code_with_client_secret_post(self, h, post_client):
        f = Flow(h, post_client)
        data = {"grant_type": "authorization_code", "code": f.code(),
                "redirect_uri": f.redirect_uri,
                "code_verifier": f.verifier}
        assert_token_ok(token_request(h, post_client, data, method="post"))

    def test_registered_for_post(self, h):
        c = add_client(h, auth_method="client_secret_post")
        assert_token_ok(token_request(
            h, c, {"grant_type": "client_credentials"}, method="post"))

    def _assert_invalid_client(self, r, basic=True):
        assert_token_error(r, "invalid_client", 401)
        if basic:
            www = r.headers.get("WWW-Authenticate", "")
            assert www.startswith("Basic"), r.headers

    def test_wrong_secret_basic(self, h, client):
        r = token_request(h, None, {"grant_type": "client_credentials"},
                          auth=(client.client_id, "wrong-secret"))
        self._assert_invalid_client(r)

    def test_unknown_client_basic(self, h):
        r = token_request(h, None, {"grant_type": "client_credentials"},
                          auth=("no-such-client", "secret"))
        self._assert_invalid_client(r)

    def test_wrong_secret_post(self, h, post_client):
        r = token_request(h, None, {"grant_type": "client_credentials",
                                    "client_id": post_client.client_id,
                                    "client_secret": "wrong"})
        self._assert_invalid_client(r, basic=False)
        assert "OA2-00229" in h.new_log()

    def test_no_client_authentication(self, h, client):
        r = token_request(h, None, {"grant_type": "client_credentials"})
        self._assert_invalid_client(r, basic=False)

    def test_confidential_client_without_secret(self, h, client):
        r = token_request(h, None, {"grant_type": "client_credentials",
                                    "client_id": client.client_id})
        self._assert_invalid_client(r, basic=False)

    def test_confidential_code_without_secret(self, h, client):
        f = Flow(h, client)
        r = token_request(h, None, {
            "grant_type": "authorization_code", "code": f.code(),
            "redirect_uri": f.redirect_uri, "code_verifier": f.verifier,
            "client_id": client.client_id})
        self._assert_invalid_client(r, basic=False)

    def test_two_auth_methods(self, h, client):
        r = token_request(h, None, {"grant_type": "client_credentials",
                                    "client_id": client.client_id,
                                    "client_secret": client.client_secret},
                          auth=client.auth)
        assert r.status_code in (400, 401)
        assert r.json()["error"] in ("invalid_request", "invalid_client")

    def test_secret_not_logged(self, h, client):
        token_request(h, None, {"grant_type": "client_credentials"},
                      auth=(client.client_id, "wrong-secret-xyz"))
        assert client.client_secret not in h.new_log()
        assert "wrong-secret-xyz" not in h.new_log()

    # ---- request syntax --------------------------------------------------

    @pytest.mark.parametrize("name", ["grant_type", "scope", "code",
                                      "code_verifier", "redirect_uri",
                                      "client_id"])
    def test_repeated_parameter(self, h, client, name):
        f = Flow(h, client)
        data = [("grant_type", "authorization_code"), ("code", f.code()),
                ("redirect_uri", f.redirect_uri),
                ("code_verifier", f.verifier),
                ("client_id", client.client_id)]
        if name == "scope":
            data.append(("scope", "read"))
        data += [(n, v) for n, v in data if n == name]
        r = token_request(h, None, data, auth=client.auth)
        assert_token_error(r, "invalid_request")

    @pytest.mark.parametrize("grant", ["password", "implicit", "token",
                                       "urn:ietf:params:oauth:grant-type:"
                                       "jwt-bearer", "AUTHORIZATION_CODE"])
    def test_unsupported_grant_type(self, h, client, grant):
        r = token_request(h, client, {"grant_type": grant,
                                      "username": "alice",
                                      "password": "alice-pw"})
        assert_token_error(r, "unsupported_grant_type")

    def test_missing_grant_type(self, h, client):
        assert_token_error(token_request(h, client, {}), "invalid_request")

    def test_get_is_refused(self, h, client):
        r = h.get("/oauth2/token?grant_type=client_credentials",
                  auth=client.auth)
        assert r.status_code in (400, 405), r.status_code
        assert r.headers.get("Cache-Control") == "no-store"

    def test_json_body_is_refused(self, h, client):
        r = h.session.post(h.url("/oauth2/token"),
                           json={"grant_type": "client_credentials"},
                           auth=client.auth)
        assert_token_error(r, "invalid_request")

    def test_client_without_client_credentials(self, h):
        c = add_client(h, grants=["authorization_code", "refresh_token"])
        assert_token_error(client_credentials(h, c), "unauthorized_client")

    def test_client_without_code_grant(self, h, client):
        c = add_client(h, redirect_uris=client.redirect_uris,
                       grants=["client_credentials"])
        r = token_request(h, c, {"grant_type": "authorization_code",
                                 "code": "x", "redirect_uri":
                                 client.redirect_uri, "code_verifier":
                                 "y" * 43})
        assert r.status_code == 400
        assert r.json()["error"] in ("unauthorized_client", "invalid_grant")

    # ---- public clients --------------------------------------------------

    def test_public_client(self, h):
        c = add_client(h, public=True,
                       grants=["authorization_code", "refresh_token"],
                       redirect_uris=["http://127.0.0.1/cb"])
        assert c.client_secret is None
        f = Flow(h, c, redirect_uri="http://127.0.0.1:7777/cb")
        body = assert_token_ok(f.token(f.code()))
        assert_ok(api(h, body["access_token"]))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["client_id"] == c.client_id
        if "refresh_token" in body:
            new = assert_token_ok(refresh(h, c, body["refresh_token"]))
            assert_ok(api(h, new["access_token"]))

    def test_public_client_no_client_credentials(self, h):
        c = add_client(h, public=True, grants=["authorization_code"])
        r = client_credentials(h, c)
        assert r.status_code in (400, 401)
        assert r.json()["error"] in ("unauthorized_client",
                                     "invalid_client"), r.text

    def test_public_client_with_a_secret(self, h):
        c = add_client(h, public=True, grants=["authorization_code"])
        f = Flow(h, c)
        r = token_request(h, None, {
            "grant_type": "authorization_code", "code": f.code(),
            "redirect_uri": f.redirect_uri, "code_verifier": f.verifier},
            auth=(c.client_id, "made-up"))
        assert_token_error(r, "invalid_client", 401)

    def test_public_client_wrong_verifier(self, h):
        c = add_client(h, public=True, grants=["authorization_code"])
        f = Flow(h, c)
        assert_token_error(f.token(f.code(), code_verifier="z" * 43),
                           "invalid_grant")


class TestParallelRedemption:
    """One code, 50 redemptions at once, over all children and threads:
    the conditional UPDATE decides, exactly one wins."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-parallel")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h)

    def test_parallel_code_redemption(self, h, client):
        f = Flow(h, client)
        code = f.code()
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": f.redirect_uri,
                "code_verifier": f.verifier}
        results = parallel_post(h, "/oauth2/token", data, client.auth,
                                50)
        won = sole_winner(results)
        # the replays revoked what the winner got
        assert_token_error(refresh(h, client, won["refresh_token"]),
                           "invalid_grant")

    def test_parallel_code_redemption_without_refresh(self, h):
        """The same, for a client without refresh tokens: nothing but
        the revocation of the winner's access token orders the losers
        (no refresh row to lock), and each loser revokes it."""
        c = add_client(h, grants=["authorization_code"])
        f = Flow(h, c)
        code = f.code()
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": f.redirect_uri,
                "code_verifier": f.verifier}
        results = parallel_post(h, "/oauth2/token", data, c.auth, 50)
        won = sole_winner(results)
        assert api(h, won["access_token"]).status_code == 401

    def test_parallel_refresh(self, h, client):
        """50 uses of one refresh token at once: one rotation, and the
        reuse revokes the family, the winner's new token included."""
        _, body = code_tokens(h, client)
        data = {"grant_type": "refresh_token",
                "refresh_token": body["refresh_token"]}
        results = parallel_post(h, "/oauth2/token", data, client.auth, 50)
        won = sole_winner(results)
        assert_token_error(refresh(h, client, won["refresh_token"]),
                           "invalid_grant")


class TestExpiry:
    """Short lifetimes (one sleep for all of them)."""

    # Lifetimes count whole seconds (a code issued in second S with TTL T
    # is refused from second S+T on), so a TTL of 1 would expire a code
    # whenever its flow crosses a second boundary: 2 leaves the flow a
    # whole second.
    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-expiry", extra="""
OAuth2CodeTTL 2
OAuth2RefreshTokenTTL 2
""")

    def test_code_and_refresh_token_expire(self, h):
        c = add_client(h)
        f = Flow(h, c)
        code = f.code()
        _, body = code_tokens(h, c)
        time.sleep(3.1)
        assert_token_error(f.token(code), "invalid_grant")
        assert_token_error(refresh(h, c, body["refresh_token"]),
                           "invalid_grant")


class TestTwoIssuers:
    """Two name-based virtual hosts with their own issuers and keys share
    nothing (SPEC.md "Virtual hosts"): clients, codes and tokens of one
    are unknown to the other."""

    @pytest.fixture(scope="class")
    def pair(self, httpd_factory, keys):
        def vhosts(h):
            return """
<VirtualHost 127.0.0.1:{port}>
    ServerName 127.0.0.1
</VirtualHost>
<VirtualHost 127.0.0.1:{port}>
    ServerName localhost
    OAuth2Issuer http://localhost:{port}
    OAuth2SigningKey {key}
</VirtualHost>
""".format(port=h.port, key=keys["ec3"].path)
        a = start_as(httpd_factory, keys, "as-two-issuers", extra=vhosts)
        # the same server seen through the other name
        b = copy.copy(a)
        b.base_url = "http://localhost:%d" % a.port
        b.issuer = b.base_url
        return a, b

    def test_metadata_and_keys(self, pair, keys):
        a, b = pair
        md = b.get("/.well-known/oauth-authorization-server").json()
        assert md["issuer"] == b.issuer
        assert md["token_endpoint"] == b.issuer + "/oauth2/token"
        kids_a = {k["kid"] for k in a.get("/oauth2/jwks").json()["keys"]}
        kids_b = {k["kid"] for k in b.get("/oauth2/jwks").json()["keys"]}
        assert kids_a == {keys["ec1"].thumbprint}
        assert kids_b == {keys["ec3"].thumbprint}

    def test_each_issues_its_own(self, pair):
        a, b = pair
        for h in (a, b):
            c = add_client(h)
            _, body = code_tokens(h, c)
            _, claims = verify_access_token(h, body["access_token"])
            assert claims["iss"] == h.issuer
            assert_ok(api(h, body["access_token"]))

    def test_clients_not_shared(self, pair):
        a, b = pair
        ca = add_client(a)
        assert_token_error(client_credentials(b, ca), "invalid_client", 401)
        r = Flow(b, ca).get()
        assert r.status_code == 400 and "Location" not in r.headers

    def test_tokens_not_shared(self, pair):
        a, b = pair
        ca, cb = add_client(a), add_client(b)
        _, ta = code_tokens(a, ca)
        _, tb = code_tokens(b, cb)
        assert_invalid_token(api(b, ta["access_token"]), "localhost")
        assert_invalid_token(api(a, tb["access_token"]), "127.0.0.1")
        assert_token_error(refresh(b, cb, ta["refresh_token"]),
                           "invalid_grant")
        r = b.session.post(b.url("/oauth2/introspect"),
                           data={"token": ta["access_token"]}, auth=cb.auth)
        assert r.status_code == 200 and r.json() == {"active": False}

    def test_codes_not_shared(self, pair):
        a, b = pair
        ca = add_client(a)
        f = Flow(a, ca)
        code = f.code()
        # the same client id and secret do not exist on b; b's own client
        cb = add_client(b)
        r = token_request(b, cb, {"grant_type": "authorization_code",
                                  "code": code,
                                  "redirect_uri": f.redirect_uri,
                                  "code_verifier": f.verifier})
        assert_token_error(r, "invalid_grant")
        # and the code still works where it was issued
        assert_token_ok(f.token(code))
