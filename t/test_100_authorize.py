# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The authorization endpoint and its metadata (SPEC.md "Endpoints",
"Consent page contract"; RFC 6749 §4.1, RFC 7636, RFC 8252 §7.3,
RFC 8414, RFC 9207, RFC 9700 §4.1.3)."""

import base64
import copy
import hashlib
import html.parser
import urllib.parse

import jwt
import pytest

import tokens
from authserver import (ALICE, BOB, ConsentPage, Flow, RESOURCE, add_client,
                        assert_token_ok, single_query, start_as,
                        verify_access_token)

# RFC 7636 Appendix B: BASE64URL(SHA256(ASCII(code_verifier)))
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


class _Text(html.parser.HTMLParser):
    """Text content and start tags of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def page_text(body):
    p = _Text()
    p.feed(body)
    p.close()
    return " ".join(" ".join(p.text).split()), p.tags


def assert_html_headers(r):
    """SPEC: every HTML page the module renders."""
    assert r.headers["Content-Type"].startswith("text/html"), r.headers
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    assert r.headers.get("Referrer-Policy") == "no-referrer", r.headers


def assert_error_page(r, status=400):
    """error.html, never a redirect."""
    assert r.status_code == status, (r.status_code, r.headers, r.text[:300])
    assert "Location" not in r.headers, r.headers
    assert_html_headers(r)
    assert "Authorization error" in r.text, r.text[:500]
    return r


def assert_error_redirect(flow, r, error, status=302):
    assert r.status_code == status, (r.status_code, r.headers, r.text[:300])
    q = flow.redirect_query(r)
    assert q.get("error") == error, q
    assert q.get("state") == flow.state, q
    assert q.get("iss") == flow.h.issuer, q
    assert "code" not in q, q
    return q


class TestMetadata:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-metadata")

    @pytest.fixture(scope="class")
    def md(self, h):
        r = h.get("/.well-known/oauth-authorization-server")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        return r.json()

    def test_issuer(self, h, md):
        assert md["issuer"] == h.issuer

    def test_pkce_and_iss(self, md):
        assert md["code_challenge_methods_supported"] == ["S256"]
        assert md["authorization_response_iss_parameter_supported"] is True

    def test_endpoints(self, h, md):
        base = h.issuer + "/oauth2/"
        assert md["authorization_endpoint"] == base + "authorize"
        assert md["token_endpoint"] == base + "token"
        assert md["jwks_uri"] == base + "jwks"
        assert md["introspection_endpoint"] == base + "introspect"
        assert md["revocation_endpoint"] == base + "revoke"
        assert md["registration_endpoint"] == base + "register"

    def test_lists_only_what_is_supported(self, md):
        assert md["response_types_supported"] == ["code"]
        assert set(md.get("response_modes_supported", ["query"])) \
            == {"query"}
        assert set(md["grant_types_supported"]) == {
            "authorization_code", "refresh_token", "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code"}
        assert set(md["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic", "client_secret_post", "private_key_jwt",
            "none"}
        for k in ("introspection_endpoint_auth_methods_supported",
                  "revocation_endpoint_auth_methods_supported"):
            if k in md:
                assert set(md[k]) <= {"client_secret_basic",
                                      "client_secret_post",
                                      "private_key_jwt", "none"}, md[k]
        assert "none" not in md.get(
            "introspection_endpoint_auth_methods_supported", [])
        # OAuth2Scope's, and openid: an OpenID Provider unless turned off
        assert sorted(md["scopes_supported"]) == ["openid", "read", "write"]
        # nothing this server does not do
        for k in ("userinfo_endpoint",
                  "end_session_endpoint", "request_uri_parameter_supported"):
            assert not md.get(k), (k, md[k])
        for k in ("token_endpoint", "introspection_endpoint",
                  "revocation_endpoint"):
            assert md[k + "_auth_signing_alg_values_supported"] == \
                ["ES256", "RS256"], md
        # DPoP proofs (RFC 9449 §5.1): what the server verifies them with
        assert md["dpop_signing_alg_values_supported"] == ["ES256", "RS256"]

    def test_endpoints_are_served(self, h, md):
        """Every advertised endpoint answers (none is a 404)."""
        def path(key):
            u = urllib.parse.urlsplit(md[key])
            assert "%s://%s" % (u.scheme, u.netloc) == h.issuer, md[key]
            return u.path

        assert h.get(path("jwks_uri")).status_code == 200
        r = h.get(path("authorization_endpoint"))
        assert r.status_code == 401  # httpd's Basic authentication
        assert "Basic" in r.headers.get("WWW-Authenticate", "")
        r = h.session.post(h.url(path("token_endpoint")),
                           data={"grant_type": "client_credentials"})
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        for key in ("introspection_endpoint", "revocation_endpoint"):
            r = h.session.post(h.url(path(key)), data={"token": "x"})
            assert r.status_code == 401, (key, r.status_code, r.text)
            assert r.json()["error"] == "invalid_client", (key, r.text)
        r = h.session.post(h.url(path("registration_endpoint")), json={})
        assert r.status_code == 400, r.text
        assert r.json()["error"] in ("invalid_redirect_uri",
                                     "invalid_client_metadata"), r.text

    def test_jwks_has_the_signing_key(self, h, keys):
        r = h.get("/oauth2/jwks")
        assert r.status_code == 200
        kids = [k["kid"] for k in r.json()["keys"]]
        assert keys["ec1"].thumbprint in kids
        for k in r.json()["keys"]:
            assert "d" not in k


# vhost (ServerName <name>.test, issuer <base>/<name>) -> its signing keys
# and the algorithms its metadata may name, in the keys' order
SIGNING_ALG_VHOSTS = {
    "ec": (("ec1",), ["ES256"]),
    "rsa": (("rsa1",), ["RS256"]),
    "ec-rsa": (("ec1", "rsa1"), ["ES256", "RS256"]),
    "rsa-ec": (("rsa2", "ec2"), ["RS256", "ES256"]),
    "ec-ec": (("ec1", "ec2"), ["ES256"]),
}


class TestMetadataSigningAlgs:
    """RFC 8414 §2: the metadata lists only what is supported, so every
    `*_signing_alg_values_supported` names exactly the algorithms of the
    virtual host's OAuth2SigningKeys: an EC-only issuer never advertises
    RS256, an RSA-only one never ES256. The `*_auth_signing_alg_values_
    supported` lists belong to JWT client authentication (private_key_jwt):
    what clients sign their assertions with, ES256 and RS256 whatever the
    server's own keys are."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        def vhosts(h):
            out = ""
            for name, (key_names, _) in SIGNING_ALG_VHOSTS.items():
                out += """
<VirtualHost 127.0.0.1:{port}>
    ServerName {name}.test
    OAuth2Issuer {iss}/{name}
{keys}
</VirtualHost>
""".format(port=h.port, name=name, iss=h.base_url, keys="".join(
                    "    OAuth2SigningKey %s\n" % keys[k].path
                    for k in key_names))
            return out
        return start_as(httpd_factory, keys, "as-signing-algs", extra=vhosts)

    def metadata(self, h, name):
        r = h.get("/.well-known/oauth-authorization-server/" + name,
                  headers={"Host": name + ".test"})
        assert r.status_code == 200, (name, r.status_code, r.text[:300])
        md = r.json()
        assert md["issuer"] == h.base_url + "/" + name, md
        return md

    @pytest.mark.parametrize("name", list(SIGNING_ALG_VHOSTS))
    def test_access_token_algs_are_the_keys(self, h, name):
        md = self.metadata(h, name)
        want = SIGNING_ALG_VHOSTS[name][1]
        assert md["access_token_signing_alg_values_supported"] == want, md

    @pytest.mark.parametrize("name", list(SIGNING_ALG_VHOSTS))
    def test_every_alg_list_is_supported(self, h, name):
        md = self.metadata(h, name)
        want = SIGNING_ALG_VHOSTS[name][1]
        # the algorithms of the server's own signatures; a client's DPoP
        # proofs may use either algorithm whatever the server's keys are
        lists = {k: v for k, v in md.items()
                 if k.endswith("_alg_values_supported")
                 and not k.endswith("_auth_signing_alg_values_supported")
                 and k != "dpop_signing_alg_values_supported"}
        assert lists, md
        assert md["dpop_signing_alg_values_supported"] == ["ES256", "RS256"]
        for k, v in lists.items():
            assert v == want, (k, v, want)
        # JWT client authentication: private_key_jwt, not client_secret_jwt;
        # the client's key decides the algorithm
        for endpoint in ("token_endpoint", "introspection_endpoint",
                         "revocation_endpoint"):
            methods = md.get(endpoint + "_auth_methods_supported", [])
            assert "private_key_jwt" in methods, (endpoint, methods)
            assert "client_secret_jwt" not in methods, (endpoint, methods)
            assert md[endpoint + "_auth_signing_alg_values_supported"] == \
                ["ES256", "RS256"], md

    @pytest.mark.parametrize("name", ["ec", "rsa"])
    def test_tokens_are_signed_with_an_advertised_alg(self, h, name):
        """What the metadata promises is what a client gets."""
        md = self.metadata(h, name)
        host = {"Host": name + ".test"}
        vh = copy.copy(h)  # the admin CLI on the vhost's issuer
        vh.issuer = md["issuer"]
        c = add_client(vh)
        r = h.session.post(h.url("/oauth2/token"), headers=host,
                           data={"grant_type": "client_credentials"},
                           auth=c.auth, timeout=10)
        assert r.status_code == 200, (r.status_code, r.text)
        at = r.json()["access_token"]
        tokens.register(at)
        alg = jwt.get_unverified_header(at)["alg"]
        assert alg in md["access_token_signing_alg_values_supported"]


class TestMetadataIssuerPath:
    """An issuer with a path: the metadata moves (RFC 8414 §3.1), the
    endpoints stay under OAuth2BasePath of the origin."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-issuer-path",
                        issuer_path="/tenant/a")

    def test_path_insertion(self, h):
        r = h.get("/.well-known/oauth-authorization-server/tenant/a")
        assert r.status_code == 200, r.status_code
        md = r.json()
        assert md["issuer"] == h.issuer
        assert md["token_endpoint"] == h.base_url + "/oauth2/token"
        assert h.get("/.well-known/oauth-authorization-server") \
            .status_code == 404
        assert h.get("/tenant/a/.well-known/oauth-authorization-server") \
            .status_code == 404

    def test_iss_everywhere(self, h):
        c = add_client(h)
        f = Flow(h, c)
        r = f.post(f.consent_page())
        q = f.redirect_query(r)
        assert q["iss"] == h.issuer
        body = assert_token_ok(f.token(q["code"]))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["iss"] == h.issuer


class TestMetadataBasePath:
    """OAuth2BasePath moves the endpoints; the metadata says where."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-base-path",
                        base_path="/auth")

    def test_endpoints_moved(self, h):
        md = h.get("/.well-known/oauth-authorization-server").json()
        for key, name in (("authorization_endpoint", "authorize"),
                          ("token_endpoint", "token"),
                          ("jwks_uri", "jwks"),
                          ("introspection_endpoint", "introspect"),
                          ("revocation_endpoint", "revoke"),
                          ("registration_endpoint", "register")):
            assert md[key] == h.issuer + "/auth/" + name, (key, md[key])
        assert h.get("/auth/jwks").status_code == 200
        assert h.get("/oauth2/jwks").status_code == 404
        r = h.session.post(h.url("/oauth2/token"),
                           data={"grant_type": "client_credentials"})
        assert r.status_code == 404

    def test_flow(self, h):
        c = add_client(h)
        f = Flow(h, c)
        page = f.consent_page()
        assert page.action_url().startswith(h.url("/auth/authorize"))
        code = f.redirect_query(f.post(page))["code"]
        assert_token_ok(f.token(code))


class TestAuthorizeRequests:
    """Requests the endpoint refuses before any consent."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-authorize")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, redirect_uris=["https://client.example/cb"])

    @pytest.fixture(scope="class")
    def loopback(self, h):
        return add_client(h, redirect_uris=["http://127.0.0.1/cb",
                                            "http://[::1]/cb",
                                            "http://localhost:8080/cb"])

    # ---- never a redirect ------------------------------------------------

    def test_unknown_client(self, h, client):
        f = Flow(h, client, client_id="no-such-client")
        assert_error_page(f.get())

    def test_missing_client_id(self, h, client):
        f = Flow(h, client, client_id=None)
        assert_error_page(f.get())

    def test_unregistered_redirect_uri(self, h, client):
        f = Flow(h, client, redirect_uri="https://evil.example/cb")
        assert_error_page(f.get())

    @pytest.mark.parametrize("uri", [
        "https://client.example/cb/",            # suffix
        "https://client.example/cb/more",        # registered is a prefix
        "https://client.example/c",              # prefix of registered
        "https://client.example/cbx",
        "https://client.example/other",          # path
        "https://client.example/CB",             # case of path
        "https://CLIENT.example/cb",             # case of host
        "HTTPS://client.example/cb",             # case of scheme
        "https://user@client.example/cb",        # userinfo
        "https://client.example@evil.example/cb",
        "https://client.example/%63b",           # encoded chars
        "https://client.example/cb%2F..",
        "https://client.example/c%62",
        "https://client.example/cb#",            # fragment
        "https://client.example/cb#frag",
        "https://client.example/cb?x=1",         # query
        "https://client.example:443/cb",         # explicit port
        "https://client.example:8443/cb",
        "http://client.example/cb",              # scheme
        "https://client.example.evil.example/cb",
        "https://evil.example/https://client.example/cb",
        "https://client.example/cb ",
        " https://client.example/cb",
        "",
    ])
    def test_redirect_uri_mismatch(self, h, client, uri):
        f = Flow(h, client, redirect_uri=uri or None)
        f.params["redirect_uri"] = uri
        assert_error_page(f.get())

    @pytest.mark.parametrize("uri", [
        "http://127.0.0.1:5555/cb/",
        "http://127.0.0.1:5555/other",
        "http://127.0.0.2:5555/cb",
        "http://localhost:5555/cb2",
        "https://127.0.0.1:5555/cb",
        "http://127.0.0.1:5555/cb?x=1",
        "http://127.0.0.1:5555/cb#x",
        "http://127.0.0.1:abc/cb",
        "http://user@127.0.0.1:5555/cb",
        "http://[::2]:5555/cb",
        "http://localhost.evil.example:8080/cb",
    ])
    def test_loopback_mismatch(self, h, loopback, uri):
        f = Flow(h, loopback)
        f.params["redirect_uri"] = uri
        assert_error_page(f.get())

    def test_repeated_client_id(self, h, client):
        f = Flow(h, client)
        q = urllib.parse.urlencode(f.params) + "&client_id=" + \
            client.client_id
        assert_error_page(f.get(query=q))

    def test_repeated_redirect_uri(self, h, client):
        f = Flow(h, client)
        q = urllib.parse.urlencode(f.params) + "&redirect_uri=" + \
            urllib.parse.quote(client.redirect_uri, safe="")
        assert_error_page(f.get(query=q))

    # ---- redirected errors ----------------------------------------------

    def test_missing_pkce(self, h, client):
        f = Flow(h, client, code_challenge=None, code_challenge_method=None)
        assert_error_redirect(f, f.get(), "invalid_request")

    def test_missing_challenge_with_method(self, h, client):
        f = Flow(h, client, code_challenge=None)
        assert_error_redirect(f, f.get(), "invalid_request")

    def test_plain_method(self, h, client):
        f = Flow(h, client, code_challenge_method="plain")
        f.params["code_challenge"] = f.verifier
        assert_error_redirect(f, f.get(), "invalid_request")

    def test_method_missing_means_plain(self, h, client):
        # RFC 7636 §4.3: no method is "plain", which is not allowed
        f = Flow(h, client, code_challenge_method=None)
        assert_error_redirect(f, f.get(), "invalid_request")

    @pytest.mark.parametrize("challenge", ["short", "x" * 129,
                                           "a" * 42 + "+/="])
    def test_malformed_challenge(self, h, client, challenge):
        f = Flow(h, client, code_challenge=challenge)
        assert_error_redirect(f, f.get(), "invalid_request")

    # RFC 7636 §4.2: an S256 code_challenge is BASE64URL(SHA256(...)) with
    # no padding, always 43 characters of [A-Za-z0-9-_]. Anything else can
    # never match a verifier, so it is refused at authorize (a code issued
    # for it could never be redeemed).
    @pytest.mark.parametrize("challenge", [
        RFC7636_CHALLENGE[:-1],                           # 42
        RFC7636_CHALLENGE + "A",                          # 44
        RFC7636_CHALLENGE.replace("-", "+") + "=",        # base64, padded
        RFC7636_CHALLENGE[:-1] + "=",                     # 43 with '='
        RFC7636_CHALLENGE[:-1] + "+",                     # 43 with '+'
        RFC7636_CHALLENGE[:-1] + "/",                     # 43 with '/'
        RFC7636_CHALLENGE[:-1] + ".",                     # unreserved, not
        RFC7636_CHALLENGE[:-1] + "~",                     # base64url
        "A" * 128,                                        # a verifier's max
    ], ids=["42", "44", "44-padded", "43-eq", "43-plus", "43-slash",
            "43-dot", "43-tilde", "128"])
    def test_s256_challenge_syntax(self, h, client, challenge):
        f = Flow(h, client, code_challenge=challenge)
        r = f.get()
        q = assert_error_redirect(f, r, "invalid_request")
        # a fixed text: the value is not reflected
        assert q.get("error_description") == \
            "code_challenge must be 43 base64url characters (S256)", q
        assert challenge not in r.headers["Location"]
        assert "OA2-00310" in h.new_log()

    @pytest.mark.parametrize("challenge", [
        RFC7636_CHALLENGE, "-_" + "A" * 40 + "Q", "0123456789" * 4 + "xyz"])
    def test_s256_challenge_43_base64url(self, h, client, challenge):
        f = Flow(h, client, code_challenge=challenge, prompt="consent")
        f.consent_page()

    @pytest.mark.parametrize("rt", ["token", "id_token", "code token",
                                    "none", "CODE"])
    def test_bad_response_type(self, h, client, rt):
        f = Flow(h, client, response_type=rt)
        assert_error_redirect(f, f.get(), "unsupported_response_type")

    def test_missing_response_type(self, h, client):
        f = Flow(h, client, response_type=None)
        assert_error_redirect(f, f.get(), "invalid_request")

    @pytest.mark.parametrize("scope", ["admin", "read admin", "OPENID",
                                       "READ", "email"])
    def test_unknown_scope(self, h, client, scope):
        f = Flow(h, client, scope=scope)
        assert_error_redirect(f, f.get(), "invalid_scope")

    def test_scope_not_allowed_for_client(self, h):
        c = add_client(h, scope="read")
        f = Flow(h, c, scope="read write")
        assert_error_redirect(f, f.get(), "invalid_scope")

    @pytest.mark.parametrize("resource", ["https://other.example/",
                                          "https://api.example.test",
                                          RESOURCE + "x"])
    def test_unknown_resource(self, h, client, resource):
        f = Flow(h, client, resource=resource)
        assert_error_redirect(f, f.get(), "invalid_target")

    def test_client_without_code_grant(self, h):
        c = add_client(h, grants=["client_credentials"])
        f = Flow(h, c)
        assert_error_redirect(f, f.get(), "unauthorized_client")

    def test_error_without_state(self, h, client):
        f = Flow(h, client, response_type="token", state=None)
        r = f.get()
        assert r.status_code == 302
        q = f.redirect_query(r)
        assert q["error"] == "unsupported_response_type"
        assert "state" not in q
        assert q["iss"] == h.issuer

    def test_state_is_echoed_exactly(self, h, client):
        f = Flow(h, client, response_type="token",
                 state="a b&c=d/é?#%")
        q = assert_error_redirect(f, f.get(), "unsupported_response_type")
        assert q["state"] == "a b&c=d/é?#%"

    def test_prompt_none_without_consent(self, h, client):
        f = Flow(h, client, prompt="none")
        assert_error_redirect(f, f.get(), "consent_required")

    def test_no_credentials(self, h, client):
        # httpd's own authentication answers, the module never runs
        r = Flow(h, client).get(user=None)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Basic")

    def test_error_page_reflects_nothing(self, h, client):
        evil = "<script>alert(1)</script>"
        for f in (Flow(h, client, client_id=evil),
                  Flow(h, client, redirect_uri="https://x.example/" + evil)):
            r = assert_error_page(f.get())
            assert "<script" not in r.text.lower()

    def test_registered_uri_with_query(self, h):
        c = add_client(h, redirect_uris=["https://client.example/cb?app=1"])
        f = Flow(h, c)
        r = f.post(f.consent_page())
        loc = r.headers["Location"]
        assert loc.startswith("https://client.example/cb?app=1&"), loc
        q = single_query(loc.split("?", 1)[1])
        assert q["app"] == "1" and q["code"] and q["state"] == f.state
        # the query is part of the URI: dropping it is a mismatch
        f2 = Flow(h, c, redirect_uri="https://client.example/cb")
        assert_error_page(f2.get())

    @pytest.mark.parametrize("verifier", [
        "a" * 42,                       # too short (RFC 7636 §4.1)
        "a" * 129,                      # too long
        "a" * 42 + "+",                 # not unreserved
        "a" * 42 + "/",
        "a" * 42 + "=",
        "a" * 40 + " ab",
    ])
    def test_verifier_syntax(self, h, client, verifier):
        """A verifier outside RFC 7636's syntax is refused even when its
        S256 matches the challenge."""
        f = Flow(h, client)
        f.verifier = verifier
        f.params["code_challenge"] = tokens.b64u(
            hashlib.sha256(verifier.encode()).digest())
        r = f.token(f.code())
        assert r.status_code == 400, (r.status_code, r.text)
        assert r.json()["error"] in ("invalid_request", "invalid_grant")

    @pytest.mark.parametrize("verifier", ["a" * 43, "A-._~" * 25 + "xyz"])
    def test_verifier_syntax_edges(self, h, client, verifier):
        f = Flow(h, client)
        f.verifier = verifier
        f.params["code_challenge"] = tokens.b64u(
            hashlib.sha256(verifier.encode()).digest())
        assert_token_ok(f.token(f.code()))

    # ---- loopback redirect URIs (RFC 8252 §7.3) -------------------------

    @pytest.mark.parametrize("requested", [
        "http://127.0.0.1:5555/cb",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:65535/cb",
        "http://[::1]:49152/cb",
        "http://localhost:9999/cb",
        "http://localhost/cb",
    ])
    def test_loopback_any_port(self, h, requested):
        # a client of its own: no consent remembered
        c = add_client(h, redirect_uris=["http://127.0.0.1/cb",
                                         "http://[::1]/cb",
                                         "http://localhost:8080/cb"])
        f = Flow(h, c, redirect_uri=requested)
        page = f.consent_page()
        r = f.post(page)
        assert r.status_code == 303, r.text[:300]
        loc = r.headers["Location"]
        assert loc.startswith(requested + "?"), (loc, requested)
        q = single_query(loc.split("?", 1)[1])
        assert q["state"] == f.state and q["iss"] == h.issuer
        # the token request repeats the URI the request named
        assert_token_ok(f.token(q["code"]))

    def test_loopback_token_request_other_port(self, h, loopback):
        f = Flow(h, loopback, redirect_uri="http://127.0.0.1:5555/cb")
        code = f.code()
        r = f.token(code, redirect_uri="http://127.0.0.1:5556/cb")
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"

    def test_loopback_error_goes_to_requested_port(self, h, loopback):
        f = Flow(h, loopback, redirect_uri="http://127.0.0.1:4242/cb",
                 scope="admin")
        r = f.get()
        assert r.status_code == 302
        assert r.headers["Location"].startswith(
            "http://127.0.0.1:4242/cb?"), r.headers["Location"]


class TestAuthorizeWithoutAuthentication:
    """The admin forgot the AuthType on the authorize URL."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-noauthn",
                        protect_authorize=False)

    @pytest.mark.log_allow(r"OA2-00435")
    def test_500_and_log(self, h):
        c = add_client(h)
        r = Flow(h, c).get(user=None)
        assert r.status_code == 500, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        log = h.new_log()
        lines = [line for line in log.splitlines() if "OA2-00435" in line]
        assert lines, log
        assert "[oauth2:error]" in lines[0], lines[0]
        # the line names the missing setup
        assert "AuthType" in lines[0] or "authentication" in lines[0], \
            lines[0]

    @pytest.mark.log_allow(r"OA2-00435")
    def test_basic_header_alone_is_no_user(self, h):
        # credentials nobody checks do not make a user
        c = add_client(h)
        r = Flow(h, c).get(user=ALICE)
        assert r.status_code == 500, (r.status_code, r.text[:300])
        assert "OA2-00435" in h.new_log()


class TestUserNames:
    """The user name httpd authenticated is user_id in the database and
    "sub" in tokens: 1 to 255 bytes of UTF-8 (the column's width, which
    PostgreSQL and MySQL enforce; PostgreSQL also refuses bytes that are
    not UTF-8). Anything else gets 500 and OA2-00783, on every driver."""

    LONGEST = "u" * 255
    UTF8 = "Zo\u00eb \u00d1and\u00fa"
    REFUSED = [("u" * 256).encode(), b"caf\xe9"]

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = start_as(httpd_factory, keys, "as-usernames")
        digest = base64.b64encode(hashlib.sha1(b"pw").digest())
        lines = [u + b":{SHA}" + digest for u in
                 [self.LONGEST.encode(), self.UTF8.encode()] + self.REFUSED]
        with open(h.path("htpasswd"), "ab") as f:
            f.write(b"\n".join(lines) + b"\n")
        return h

    @pytest.mark.parametrize("user", [LONGEST, UTF8], ids=["255", "utf8"])
    def test_served(self, h, user):
        c = add_client(h)
        creds = (user.encode(), b"pw")
        f = Flow(h, c, user=creds)
        body = assert_token_ok(f.token(f.code()))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["sub"] == user
        # the consent was stored under the whole name
        assert Flow(h, c, user=creds).get().status_code == 302

    @pytest.mark.log_allow(r"OA2-00783")
    @pytest.mark.parametrize("user", REFUSED, ids=["256", "latin1"])
    def test_refused(self, h, user):
        c = add_client(h)
        r = Flow(h, c, user=(user, b"pw")).get()
        assert r.status_code == 500, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        lines = [line for line in h.new_log().splitlines()
                 if "OA2-00783" in line]
        assert lines and "[oauth2:error]" in lines[0], h.new_log()


class TestConsent:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-consent")

    def test_page_headers(self, h):
        page = Flow(h, add_client(h)).consent_page()
        r = page.resp
        assert_html_headers(r)
        assert r.headers.get("X-Frame-Options") == "DENY"
        csp = r.headers.get("Content-Security-Policy", "")
        directives = [d.strip() for d in csp.split(";")]
        assert "frame-ancestors 'none'" in directives, csp

    def test_error_page_headers(self, h):
        r = Flow(h, add_client(h), client_id="nope").get()
        assert_error_page(r)
        assert r.headers.get("X-Frame-Options") == "DENY"

    def test_page_contract(self, h):
        c = add_client(h)
        f = Flow(h, c, scope="read write")
        page = f.consent_page()
        assert page.form["method"] == "post"
        buttons = {(n, v) for n, v, t in page.form["buttons"]
                   if t == "submit"}
        assert ("decision", "approve") in buttons, page.form
        assert ("decision", "deny") in buttons, page.form
        hidden = [(n, v) for n, v, t in page.form["fields"]
                  if n == "csrf_token"]
        assert len(hidden) == 1 and hidden[0][1], page.form
        assert [t for n, v, t in page.form["fields"]
                if n == "csrf_token"] == ["hidden"]
        text, _ = page_text(page.resp.text)
        assert c.name in text
        assert "Read your data" in text
        assert "Change your data" in text
        assert "alice" in text

    def test_only_requested_scopes(self, h):
        page = Flow(h, add_client(h), scope="write").consent_page()
        text, _ = page_text(page.resp.text)
        assert "Change your data" in text
        assert "Read your data" not in text

    def test_client_name_escaped(self, h):
        name = "<script>alert(1)</script>"
        c = add_client(h, name=name)
        page = Flow(h, c).consent_page()
        body = page.resp.text
        assert name not in body
        assert "<script" not in body.lower()
        text, tags = page_text(body)
        assert name in text
        assert "script" not in tags

    def test_attribute_breakout_escaped(self, h):
        name = '"><img src=x onerror=alert(1)>\'&'
        c = add_client(h, name=name)
        f = Flow(h, c, state='"><img src=x onerror=alert(2)>')
        page = f.consent_page()
        text, tags = page_text(page.resp.text)
        assert "img" not in tags
        assert name in text
        assert page.field("state") == f.state

    def test_approve(self, h):
        f = Flow(h, add_client(h))
        r = f.post(f.consent_page(), "approve")
        assert r.status_code == 303, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert q["code"] and q["state"] == f.state and q["iss"] == h.issuer
        assert "error" not in q
        assert_token_ok(f.token(q["code"]))

    def test_deny(self, h):
        f = Flow(h, add_client(h))
        r = f.post(f.consent_page(), "deny")
        assert_error_redirect(f, r, "access_denied", status=303)

    def test_deny_is_not_remembered(self, h):
        c = add_client(h)
        f = Flow(h, c)
        assert f.post(f.consent_page(), "deny").status_code == 303
        r = Flow(h, c).get()
        assert r.status_code == 200, (r.status_code, r.headers)

    def test_missing_decision(self, h):
        f = Flow(h, add_client(h))
        r = f.post(f.consent_page(), None)
        assert_error_page(r)

    def test_unknown_decision(self, h):
        f = Flow(h, add_client(h))
        r = f.post(f.consent_page(), "maybe")
        assert_error_page(r)

    def test_missing_csrf_token(self, h):
        f = Flow(h, add_client(h))
        r = f.post(f.consent_page(), drop=["csrf_token"])
        assert_error_page(r, r.status_code)
        assert r.status_code in (400, 403)

    @pytest.mark.parametrize("how", ["flip", "empty", "garbage",
                                     "truncated", "repeated"])
    def test_wrong_csrf_token(self, h, how):
        f = Flow(h, add_client(h))
        page = f.consent_page()
        tok = page.csrf_token
        if how == "flip":
            bad = tok[:-2] + ("A" if tok[-2] != "A" else "B") + tok[-1]
        elif how == "empty":
            bad = ""
        elif how == "garbage":
            bad = "0.AAAA"
        elif how == "truncated":
            bad = tok[:-4]
        if how == "repeated":
            data = page.data() + [("csrf_token", tok)]
            r = h.session.post(page.action_url(), data=data, auth=ALICE,
                               allow_redirects=False)
        else:
            r = f.post(page, replace={"csrf_token": bad})
        assert_error_page(r, r.status_code)
        assert r.status_code in (400, 403)

    def test_csrf_token_of_another_request(self, h):
        c = add_client(h)
        f1, f2 = Flow(h, c), Flow(h, c)
        p1, p2 = f1.consent_page(), f2.consent_page()
        r = f1.post(p1, replace={"csrf_token": p2.csrf_token})
        assert_error_page(r, r.status_code)

    @pytest.mark.parametrize("field,value", [
        ("scope", "read write"),
        ("redirect_uri", "https://client.example/cb2"),
        ("state", "other-state"),
        ("code_challenge", "A" * 43),
        ("resource", RESOURCE),
    ])
    def test_tampered_request_fields(self, h, field, value):
        c = add_client(h, redirect_uris=["https://client.example/cb",
                                         "https://client.example/cb2"])
        f = Flow(h, c, scope="read")
        r = f.post(f.consent_page(), replace={field: value})
        assert_error_page(r, r.status_code)
        assert r.status_code in (400, 403)

    def test_other_users_csrf_token(self, h):
        c = add_client(h)
        f = Flow(h, c)
        page = f.consent_page()          # alice's page
        r = f.post(page, user=BOB)       # bob submits it
        assert_error_page(r, r.status_code)
        assert r.status_code in (400, 403)

    def test_replayed_post(self, h):
        f = Flow(h, add_client(h))
        page = f.consent_page()
        assert f.post(page).status_code == 303
        r = f.post(page)
        assert_error_page(r, r.status_code)
        assert r.status_code in (400, 403)

    def test_replayed_deny_then_approve(self, h):
        f = Flow(h, add_client(h))
        page = f.consent_page()
        assert f.post(page, "deny").status_code == 303
        r = f.post(page, "approve")
        assert_error_page(r, r.status_code)

    def test_remembered_consent(self, h):
        c = add_client(h)
        f = Flow(h, c, scope="read write")
        assert f.post(f.consent_page()).status_code == 303
        # same scope, a subset, and no scope: straight back with a code
        for scope in ("read write", "read", "write read"):
            f2 = Flow(h, c, scope=scope)
            r = f2.get()
            assert r.status_code == 302, (scope, r.status_code)
            q = f2.redirect_query(r)
            assert q["code"] and q["state"] == f2.state
            assert q["iss"] == h.issuer
            body = assert_token_ok(f2.token(q["code"]))
            assert set(body.get("scope", scope).split()) \
                == set(scope.split())

    def test_remembered_per_user(self, h):
        c = add_client(h)
        f = Flow(h, c)
        assert f.post(f.consent_page()).status_code == 303
        r = Flow(h, c, user=BOB).get()
        assert r.status_code == 200

    def test_remembered_per_client(self, h):
        c1, c2 = add_client(h), add_client(h)
        f = Flow(h, c1)
        assert f.post(f.consent_page()).status_code == 303
        assert Flow(h, c2).get().status_code == 200

    def test_wider_scope_asks_again(self, h):
        c = add_client(h)
        f = Flow(h, c, scope="read")
        assert f.post(f.consent_page()).status_code == 303
        page = Flow(h, c, scope="read write").consent_page()
        text, _ = page_text(page.resp.text)
        assert "Change your data" in text

    def test_prompt_consent_forces_page(self, h):
        c = add_client(h)
        f = Flow(h, c)
        assert f.post(f.consent_page()).status_code == 303
        assert Flow(h, c).get().status_code == 302
        f3 = Flow(h, c, prompt="consent")
        page = f3.consent_page()
        r = f3.post(page)
        assert r.status_code == 303
        assert f3.redirect_query(r)["code"]

    def test_prompt_none_with_consent(self, h):
        c = add_client(h)
        f = Flow(h, c)
        assert f.post(f.consent_page()).status_code == 303
        f2 = Flow(h, c, prompt="none")
        r = f2.get()
        assert r.status_code == 302
        q = f2.redirect_query(r)
        assert q["code"] and q["state"] == f2.state
        assert q["iss"] == h.issuer

    def test_prompt_none_wider_scope(self, h):
        c = add_client(h)
        f = Flow(h, c, scope="read")
        assert f.post(f.consent_page()).status_code == 303
        f2 = Flow(h, c, scope="read write", prompt="none")
        assert_error_redirect(f2, f2.get(), "consent_required")

    def test_post_without_form_type(self, h):
        f = Flow(h, add_client(h))
        page = f.consent_page()
        r = h.session.post(page.action_url(),
                           data=urllib.parse.urlencode(page.data()),
                           headers={"Content-Type": "text/plain"},
                           auth=ALICE, allow_redirects=False)
        assert r.status_code >= 400 and "Location" not in r.headers

    def test_consent_post_as_get_is_no_decision(self, h):
        # the decision in a GET query is ignored: a link cannot approve
        f = Flow(h, add_client(h))
        page = f.consent_page()
        q = urllib.parse.urlencode(page.data("approve"))
        r = f.get(query=q)
        assert r.status_code == 200, (r.status_code, r.headers)
        ConsentPage(r)
