# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OAuth2ProtectedResource (SPEC.md "Server / virtual-host directives",
RFC 9728): the metadata document of each resource at
/.well-known/oauth-protected-resource + the resource's path, with CORS,
also behind ProxyPass /; and resource_metadata in the 401s of locations
whose audience is that resource."""

import pytest

from checks import assert_ok, challenge
from tokens import claims, mint

pytestmark = pytest.mark.sqlite_only(
    "RFC 9728 documents are built from the configuration, not the database")

ORIGIN = "https://app.example"
WELL_KNOWN = "/.well-known/oauth-protected-resource"
REALM = "rs.test"
# a resource on another origin: its document is served here, at the
# well-known path without a path suffix, but clients look for it there
MCP = "https://mcp.example.test/"
OTHER = "https://other.example.test/"


def as_body(h, keys, extra=""):
    return """
OAuth2Issuer {iss}
OAuth2SigningKey {key}
OAuth2Scope read "Read your data"
OAuth2Scope write "Change your data"
OAuth2ProtectedResource {iss}/api
{extra}
""".format(iss=h.issuer, key=keys["ec1"].path, extra=extra)


def protected(path, audience=None):
    return """
<Location {path}>
    AuthType OAuth2
    {aud}
    Require valid-user
</Location>
""".format(path=path,
           aud="OAuth2Audience %s" % audience if audience else "")


def get_document(h, path, host=None):
    headers = {"Origin": ORIGIN}
    if host:
        headers["Host"] = host
    r = h.get(path, headers=headers)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), ctype
    assert r.headers.get("Access-Control-Allow-Origin") == "*", r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers, r.headers
    return r.json()


def assert_document(doc, resource, issuer, scopes=("read", "write")):
    assert doc["resource"] == resource, doc
    assert doc["authorization_servers"] == [issuer], doc
    assert doc["scopes_supported"] == list(scopes), doc
    assert doc["bearer_methods_supported"] == ["header"], doc


def metadata_url_of(resp, status=401):
    """The resource_metadata of the Bearer challenge of resp, or None."""
    assert resp.status_code == status, (resp.status_code, resp.text[:200])
    raw, params = challenge(resp)
    assert params.get("realm") == REALM, raw
    return params.get("resource_metadata")


class TestProtectedResource:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("protected-resource")
        h.write_file("htdocs/mcp/data.txt", "mcp data\n")
        h.write_file("htdocs/other/data.txt", "other data\n")
        h.write_file("htdocs/default/data.txt", "default data\n")
        h.start(as_body(h, keys, "OAuth2ProtectedResource %s\n" % MCP
                        + protected("/api", h.issuer + "/api")
                        + protected("/mcp", MCP)
                        + protected("/other", OTHER)
                        + protected("/default")))
        return h

    def test_document(self, h):
        doc = get_document(h, WELL_KNOWN + "/api")
        assert_document(doc, h.issuer + "/api", h.issuer)
        assert set(doc) == {"resource", "authorization_servers",
                            "scopes_supported", "bearer_methods_supported",
                            "dpop_signing_alg_values_supported"}
        # RFC 9728 §2: the algorithms of the DPoP proofs it takes
        assert doc["dpop_signing_alg_values_supported"] == ["ES256", "RS256"]

    def test_document_of_a_resource_without_path(self, h):
        assert_document(get_document(h, WELL_KNOWN), MCP, h.issuer)

    def test_preflight(self, h):
        r = h.get(WELL_KNOWN + "/api", method="OPTIONS", headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        assert r.status_code in (200, 204), r.status_code
        assert r.headers.get("Access-Control-Allow-Origin") == "*", r.headers
        methods = {m.strip().upper() for m in r.headers.get(
            "Access-Control-Allow-Methods", "").split(",")}
        assert "GET" in methods, r.headers

    @pytest.mark.parametrize("path", [WELL_KNOWN + "/other",
                                      WELL_KNOWN + "/api/",
                                      WELL_KNOWN + "/ap",
                                      WELL_KNOWN + "/api/x"])
    def test_other_paths_not_served(self, h, path):
        r = h.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text[:200])

    def test_401_without_token_names_the_document(self, h):
        url = metadata_url_of(h.get("/api/data.txt"))
        assert url == h.issuer + WELL_KNOWN + "/api"
        raw, params = challenge(h.get("/api/data.txt"))
        assert "error" not in params, raw

    def test_401_with_bad_token_names_the_document(self, h, keys):
        # a token for another audience: invalid here
        token = mint(keys["ec1"], claims(h.issuer, OTHER))
        r = h.get("/api/data.txt", token=token)
        assert metadata_url_of(r) == h.issuer + WELL_KNOWN + "/api"
        assert challenge(r)[1].get("error") == "invalid_token"

    def test_document_found_from_the_challenge(self, h):
        # what a client does: follow resource_metadata, then the AS
        url = metadata_url_of(h.get("/api/data.txt"))
        assert url.startswith(h.base_url + "/"), url
        doc = get_document(h, url[len(h.base_url):])
        assert doc["resource"] == h.issuer + "/api"
        r = h.get("/.well-known/oauth-authorization-server")
        assert r.status_code == 200
        assert r.json()["issuer"] == doc["authorization_servers"][0]

    def test_valid_token_for_the_resource(self, h, keys):
        token = mint(keys["ec1"], claims(h.issuer, h.issuer + "/api"))
        assert_ok(h.get("/api/data.txt", token=token), "api data\n")

    def test_resource_on_another_origin(self, h):
        # RFC 9728 §3.1: the well-known URL is built from the resource
        # identifier, whatever host served the 401
        assert metadata_url_of(h.get("/mcp/data.txt")) \
            == "https://mcp.example.test" + WELL_KNOWN

    @pytest.mark.parametrize("path", ["/other/data.txt",
                                      "/default/data.txt"])
    def test_other_audience_has_no_resource_metadata(self, h, keys, path):
        # /other demands another audience, /default the issuer: neither
        # is an OAuth2ProtectedResource
        assert metadata_url_of(h.get(path)) is None
        token = mint(keys["ec1"], claims(h.issuer, MCP))
        assert metadata_url_of(h.get(path, token=token)) is None


class TestBehindProxy:
    """ProxyPass / sends everything to a backend (an API or MCP server;
    here nothing listens): the document is still served by the module, and
    the 401 of the protected path still names it."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("protected-resource-proxy",
                          modules=["proxy", "proxy_http"])
        h.start(as_body(h, keys, protected("/api", h.issuer + "/api")
                        + "ProxyPass / http://127.0.0.1:1/\n"))
        return h

    def test_document_served(self, h):
        assert_document(get_document(h, WELL_KNOWN + "/api"),
                        h.issuer + "/api", h.issuer)

    def test_401_names_the_document(self, h):
        assert metadata_url_of(h.get("/api/data.txt")) \
            == h.issuer + WELL_KNOWN + "/api"

    @pytest.mark.log_allow(r"\[proxy(_http)?:error\]")
    def test_everything_else_proxied(self, h):
        assert h.get(WELL_KNOWN + "/other").status_code == 503
        assert h.get("/index.html").status_code == 503


class TestVhosts:
    """The document lists the issuer of the virtual host it is served by;
    a vhost's own OAuth2ProtectedResource list replaces the inherited one."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("protected-resource-vhosts")
        h.start(as_body(h, keys, """
<VirtualHost 127.0.0.1:{port}>
    ServerName a.test
</VirtualHost>

<VirtualHost 127.0.0.1:{port}>
    ServerName b.test
    OAuth2Issuer {iss}/b
    OAuth2SigningKey {rsa1}
    OAuth2Scope files "Your files"
    OAuth2ProtectedResource https://b.test/files
</VirtualHost>
""".format(port=h.port, iss=h.issuer, rsa1=keys["rsa1"].path)))
        return h

    def test_inherited(self, h):
        assert_document(get_document(h, WELL_KNOWN + "/api", host="a.test"),
                        h.issuer + "/api", h.issuer)

    def test_own_issuer_and_resources(self, h):
        assert_document(get_document(h, WELL_KNOWN + "/files",
                                     host="b.test"),
                        "https://b.test/files", h.issuer + "/b",
                        scopes=("files",))
        r = h.get(WELL_KNOWN + "/api", headers={"Host": "b.test"})
        assert r.status_code == 404, r.status_code
