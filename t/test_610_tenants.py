# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Tenant isolation on a shared httpd (SECURITY.md, "another tenant").

Two name-based virtual hosts on the same IP and port, as a shared hosting
provider runs them: tenant-a.example and tenant-b.example, each with its
own OAuth2Issuer, its own signing key and its own database (a SQLite
file, or a PostgreSQL role and schema: stores.py; DBDriver/DBDParams
inside each <VirtualHost>; the main server has none, Httpd(dbd="vhost")).  Requests pick the tenant with the Host header, the
way browsers and clients reach name-based hosts; one port instead of two
Listen ports keeps the case this file is about: httpd chooses the vhost
from the name alone, so nothing but the module's per-server configuration
separates the tenants.

The end users (htpasswd) are the same people at both tenants, and a
"twin" client has the same client_id and secret at both (its row copied
from A's database into B's): what is refused at B is refused because B
does not know A's codes, tokens, consents and keys, not because the names
differ.

A tenant also controls its own .htaccess files: the directives that name
keys, secrets, issuers or server-wide AS settings are refused there by
httpd itself ("not allowed here", 500 for the request), while the
per-directory resource-server directives work.
"""

import os
import urllib.parse

import pytest
import requests
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import BadSignatureError, InvalidClaimError
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata

import stores

from authserver import (ALICE, AS_MODULES, TEMPLATES, Flow, add_client,
                        admin_bin, api, assert_token_error, assert_token_ok,
                        code_tokens,
                        client_credentials, introspect, refresh,
                        revoke, token_request, verify_access_token,
                        write_htpasswd)
from checks import (XFAIL_ES256_ONLY, assert_insufficient_scope,
                    assert_invalid_token, assert_no_token, assert_ok,
                    validate_discovery)
from httpd import IS_ROOT

RESOURCE_A = "https://api.tenant-a.example/"
HTACCESS_ALERT = r"\.htaccess: OAuth2\w+ not allowed here"
# mod_authz_core logs every authorization denial at error level
DENIAL = "AH01631"


class Tenant:
    """One virtual host of the shared server, seen through its name: the
    attributes the authserver helpers use (url, get, session, issuer,
    store) with every request carrying Host: <name>."""

    def __init__(self, h, name, key):
        self.h = h
        self.name = name
        self.host = "tenant-%s.example" % name
        self.issuer = "https://" + self.host
        self.key = key
        self.port = h.port
        self.base_url = h.base_url
        self.db_dir = h.db_dir / name
        self.store = stores.new_store(self.db_dir)
        self.htdocs = h.dir / ("htdocs-" + name)
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Host"] = self.host

    def url(self, path):
        return self.base_url + path

    def get(self, path, token=None, headers=None, **kw):
        hd = dict(headers or {})
        if token is not None:
            hd["Authorization"] = "Bearer " + token
        kw.setdefault("timeout", 10)
        kw.setdefault("allow_redirects", False)
        return self.session.get(self.url(path), headers=hd, **kw)

    def __repr__(self):
        return "Tenant(%s)" % self.host


def vhost_config(t, htpasswd, extra=""):
    """Tenant t's virtual host; extra: more lines inside it."""
    return """
<VirtualHost 127.0.0.1:{port}>
    ServerName {host}
    DocumentRoot "{htdocs}"
    <Directory "{htdocs}">
        AllowOverride None
        Require all granted
    </Directory>
    <Directory "{htdocs}/ht">
        AllowOverride AuthConfig
    </Directory>
    <Directory "{htdocs}/denied">
        AllowOverride All
    </Directory>
    {dbd}
    OAuth2Issuer {issuer}
    OAuth2SigningKey {key}
    OAuth2Scope read "Read your data"
    OAuth2Scope write "Change your data"
    OAuth2Resource https://api.{host}/
    OAuth2Registration open
    <Location /oauth2/authorize>
        AuthType Basic
        AuthName "{host} login"
        AuthBasicProvider file
        AuthUserFile {htpasswd}
        Require valid-user
    </Location>
    <Location /api>
        AuthType OAuth2
        Require oauth2-scope read
        OAuth2CheckRevocation on
    </Location>
{extra}
</VirtualHost>
""".format(port=t.port, host=t.host, htdocs=t.htdocs,
           dbd="\n    ".join(t.store.directives()),
           issuer=t.issuer, key=t.key.path, htpasswd=htpasswd, extra=extra)


# Directives that hold keys or secrets, or shape the tenant's AS: each one
# in an .htaccess (even with AllowOverride All) must fail the request.
REFUSED_IN_HTACCESS = [
    ("OAuth2SigningKey", "{ec1}"),
    ("OAuth2RegistrationToken", "0123456789abcdef0123456789abcdef"),
    ("OAuth2VerifyJWKSFile", "{jwks}"),
    ("OAuth2Issuer", "https://evil.example"),
    ("OAuth2Registration", "open"),
    ("OAuth2Scope", 'admin "Everything"'),
    ("OAuth2Resource", "https://evil.example/"),
    ("OAuth2DefaultAudience", "https://evil.example/"),
    ("OAuth2BasePath", "/evil"),
    ("OAuth2TemplateDir", "/tmp"),
    ("OAuth2ProtectedResource", "https://evil.example/api"),
    ("OAuth2AccessTokenTTL", "31536000"),
    ("OAuth2RefreshTokenTTL", "31536000"),
    ("OAuth2CodeTTL", "31536000"),
    ("OAuth2TokenCache", "none"),
]


def refused_dir(directive):
    return "denied/" + directive.lower()


@pytest.fixture(scope="class")
def tenants(httpd_factory, keys):
    # mod_socache_shmcb turns the validated-token cache on: one cache for
    # the whole server, shared by both tenants
    h = httpd_factory("tenants", modules=AS_MODULES + ("socache_shmcb",),
                      dbd="vhost", loglevel="info oauth2:trace1")
    a = Tenant(h, "a", keys["ec1"])
    b = Tenant(h, "b", keys["ec2"])
    htpasswd = write_htpasswd(h)
    jwks = h.write_file("a-jwks.json", '{"keys": []}\n')
    body = 'OAuth2TemplateDir "%s"\n' % TEMPLATES
    for t in (a, b):
        t.db_dir.mkdir()
        # the children (User nobody) create and write each database
        os.chmod(t.db_dir, 0o777)
        h.write_file("htdocs-%s/index.html" % t.name, t.name + "\n")
        h.write_file("htdocs-%s/api/data.txt" % t.name, "data of %s\n"
                     % t.name)
        h.write_file("htdocs-%s/ht/data.txt" % t.name, "ht\n")
        h.write_file("htdocs-%s/ht/.htaccess" % t.name, """
AuthType OAuth2
AuthName "{host} htaccess"
OAuth2Audience https://api.{host}/
OAuth2CheckRevocation on
Require oauth2-scope read
""".format(host=t.host))
        # OAuth2VerifyIssuer is allowed in .htaccess, but it cannot make
        # a tenant trust another tenant's tokens: the keys stay its own
        h.write_file("htdocs-%s/borrow/data.txt" % t.name, "borrowed\n")
        h.write_file("htdocs-%s/borrow/.htaccess" % t.name, """
AuthType OAuth2
OAuth2VerifyIssuer https://tenant-{other}.example
OAuth2Audience https://tenant-{other}.example
Require valid-user
""".format(other="b" if t.name == "a" else "a"))
        for directive, arg in REFUSED_IN_HTACCESS:
            d = "htdocs-%s/%s" % (t.name, refused_dir(directive))
            h.write_file(d + "/data.txt", "secret-dir\n")
            h.write_file(d + "/.htaccess", "%s %s\n" % (
                directive, arg.format(ec1=keys["ec1"].path, jwks=jwks)))
        body += vhost_config(t, htpasswd)
    body += """
<Directory "{a}/borrow">
    AllowOverride AuthConfig
</Directory>
<Directory "{b}/borrow">
    AllowOverride AuthConfig
</Directory>
""".format(a=a.htdocs, b=b.htdocs)
    h.start(body)
    return h, a, b


def twin(src, dst, client):
    """Give dst the same client (client_id, secret hash, redirect URIs,
    grants) as src: one row copied between the two tenants' databases,
    as if the same application had registered at both."""
    cols = ("client_id, secret_hash, name, redirect_uris, grant_types, "
            "scope, auth_method, created_at")
    rows = src.store.rows("SELECT %s FROM oa2_clients WHERE issuer = ? AND "
                          "client_id = ?" % cols,
                          (src.issuer, client.client_id))
    assert rows, client
    dst.store.execute("INSERT INTO oa2_clients (issuer, %s) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?)" % cols,
                      (dst.issuer,) + tuple(rows[0]))
    return client


def fetch(t, url):
    """GET an https URL of t's (a discovery document names them) through
    the loopback port with t's Host."""
    u = urllib.parse.urlsplit(url)
    assert (u.scheme, u.netloc) == ("https", t.host), (t, url)
    r = t.get(u.path + ("?" + u.query if u.query else ""))
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r


def discovery(t):
    return fetch(t, t.issuer + "/.well-known/openid-configuration").json()


def issuers_in(t):
    """The issuers of every row of every table of t's database; oa2_purge,
    the database's own (when the next purge is due), holds no issuer's
    data: only its one schedule row."""
    tables = t.store.tables()
    seen = set()
    for table in tables - {"oa2_purge"}:
        seen |= {r[0] for r in t.store.rows(
            "SELECT DISTINCT issuer FROM %s" % table)}
    if "oa2_purge" in tables:
        assert {r[0] for r in t.store.rows("SELECT name FROM oa2_purge")} \
            <= {"expired"}
    return tables, seen


class TestTenants:

    # ---- each tenant is its own AS ------------------------------------

    def test_metadata_names_each_issuer(self, tenants):
        _, a, b = tenants
        for t in (a, b):
            md = t.get("/.well-known/oauth-authorization-server").json()
            assert md["issuer"] == t.issuer
            assert md["token_endpoint"] == t.issuer + "/oauth2/token"

    def test_jwks_disjoint(self, tenants):
        _, a, b = tenants
        ka = a.get("/oauth2/jwks").json()["keys"]
        kb = b.get("/oauth2/jwks").json()["keys"]
        assert [k["kid"] for k in ka] == [a.key.thumbprint]
        assert [k["kid"] for k in kb] == [b.key.thumbprint]
        # not even the key material is shared
        assert {(k.get("x"), k.get("n")) for k in ka}.isdisjoint(
            {(k.get("x"), k.get("n")) for k in kb})

    def test_separate_database_files(self, tenants):
        h, a, b = tenants
        for t in (a, b):
            assert_token_ok(client_credentials(t, add_client(t)))
        for t, other in ((a, b), (b, a)):
            tables, seen = issuers_in(t)
            assert "oa2_clients" in tables, tables
            assert seen == {t.issuer}, (t, seen)
        # the main server has no database at all
        assert not (h.db_dir / "oauth2.db").exists()
        assert a.store.params != b.store.params

    # ---- clients ----------------------------------------------------------

    def test_client_of_a_unknown_at_b_authorize(self, tenants):
        _, a, b = tenants
        ca = add_client(a)
        r = Flow(b, ca).get()
        assert r.status_code == 400, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        assert "Authorization error" in r.text
        # and known where it belongs
        assert Flow(a, ca).get().status_code == 200

    def test_client_of_a_unknown_at_b_token(self, tenants):
        _, a, b = tenants
        ca = add_client(a)
        assert_token_error(client_credentials(b, ca), "invalid_client", 401)
        r = introspect(b, ca, "whatever")
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        assert_token_ok(client_credentials(a, ca))

    def test_registration_at_a_unknown_at_b(self, tenants):
        _, a, b = tenants
        r = a.session.post(a.url("/oauth2/register"), json={
            "client_name": "dyn", "grant_types": ["client_credentials"]})
        assert r.status_code == 201, r.text
        reg = r.json()
        from tokens import register
        register(reg["client_secret"])
        auth = (reg["client_id"], reg["client_secret"])
        ok = token_request(a, None, {"grant_type": "client_credentials"},
                           auth=auth)
        assert_token_ok(ok)
        bad = token_request(b, None, {"grant_type": "client_credentials"},
                            auth=auth)
        assert_token_error(bad, "invalid_client", 401)

    # ---- codes, refresh tokens, consents (same client at both) -------------

    def test_code_of_a_not_redeemable_at_b(self, tenants):
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        f = Flow(a, c)
        code = f.code()
        r = token_request(b, c, {"grant_type": "authorization_code",
                                 "code": code,
                                 "redirect_uri": f.redirect_uri,
                                 "code_verifier": f.verifier})
        assert_token_error(r, "invalid_grant")
        # B's refusal did not touch the code at A
        assert_token_ok(f.token(code))

    def test_refresh_of_a_invalid_at_b(self, tenants):
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        _, body = code_tokens(a, c)
        assert_token_error(refresh(b, c, body["refresh_token"]),
                           "invalid_grant")
        # not a reuse at A either: the token still rotates there
        assert_token_ok(refresh(a, c, body["refresh_token"]))

    def test_consent_at_a_does_not_skip_b(self, tenants):
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        f = Flow(a, c)
        page = f.consent_page()
        assert f.post(page).status_code == 303
        # remembered at A ...
        r = Flow(a, c).get()
        assert r.status_code == 302, r.status_code
        # ... not at B, for the same user and client_id
        r = Flow(b, c).get()
        assert r.status_code == 200, (r.status_code, r.headers)
        assert 'name="csrf_token"' in r.text
        # prompt=none at B: consent_required, not a code
        r = Flow(b, c, prompt="none").get()
        assert r.status_code == 302
        assert "error=consent_required" in r.headers["Location"]
        assert "code=" not in r.headers["Location"]

    def test_csrf_token_of_a_refused_at_b(self, tenants):
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        f = Flow(a, c)
        page = f.consent_page()
        # the same form, submitted to B's authorize endpoint
        r = b.session.post(b.url("/oauth2/authorize"), data=page.data(),
                           auth=ALICE, allow_redirects=False, timeout=10)
        assert r.status_code in (400, 403), (r.status_code, r.text[:300])
        assert "Location" not in r.headers

    # ---- access tokens at the resource servers -----------------------------

    def test_token_of_a_refused_by_b_and_vice_versa(self, tenants):
        _, a, b = tenants
        ca, cb = add_client(a), add_client(b)
        _, ta = code_tokens(a, ca)
        _, tb = code_tokens(b, cb)
        assert_ok(api(a, ta["access_token"]), "data of a\n")
        assert_ok(api(b, tb["access_token"]), "data of b\n")
        assert_invalid_token(api(b, ta["access_token"]), b.host)
        assert_invalid_token(api(a, tb["access_token"]), a.host)
        # each token names its own issuer, verified with its own keys
        verify_access_token(a, ta["access_token"])
        verify_access_token(b, tb["access_token"])

    def test_token_cache_is_not_shared_across_tenants(self, tenants):
        """The validated-token cache is one shared memory segment for
        the whole httpd: a token A validated (and cached) is still
        refused at B, and the cache is not consulted for it there."""
        h, a, b = tenants
        _, ta = code_tokens(a, add_client(a))
        assert_ok(api(a, ta["access_token"]))
        mark = len(h.new_log())
        assert_ok(api(a, ta["access_token"]))
        assert "OA2-00105" in h.new_log()[mark:]      # a cache hit at A
        mark = len(h.new_log())
        assert_invalid_token(api(b, ta["access_token"]), b.host)
        assert "OA2-00105" not in h.new_log()[mark:]

    def test_introspection_at_b_inactive_for_a_tokens(self, tenants):
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        _, body = code_tokens(a, c)
        for tok in (body["access_token"], body["refresh_token"]):
            r = introspect(b, c, tok)
            assert r.status_code == 200 and r.json() == {"active": False}
            r = introspect(a, c, tok)
            assert r.status_code == 200 and r.json()["active"] is True

    def test_revocation_at_b_leaves_a_alone(self, tenants):
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        _, body = code_tokens(a, c)
        for tok in (body["access_token"], body["refresh_token"]):
            r = revoke(b, c, tok)
            assert r.status_code == 200, r.text
        assert_ok(api(a, body["access_token"]))
        assert_token_ok(refresh(a, c, body["refresh_token"]))

    # ---- OpenID Connect ----------------------------------------------------

    def test_openid_discovery_names_only_its_own_endpoints(self, tenants):
        _, a, b = tenants
        for t, other in ((a, b), (b, a)):
            r = t.get("/.well-known/openid-configuration")
            assert r.status_code == 200, r.text[:300]
            doc = r.json()
            assert doc["issuer"] == t.issuer
            urls = {k: v for k, v in doc.items()
                    if k.endswith("_endpoint") or k == "jwks_uri"}
            assert {"authorization_endpoint", "token_endpoint",
                    "userinfo_endpoint", "jwks_uri", "registration_endpoint",
                    "introspection_endpoint",
                    "revocation_endpoint"} <= set(urls), urls
            for k, v in urls.items():
                assert v.startswith(t.issuer + "/oauth2/"), (k, v)
            assert other.host not in r.text
            jwks = fetch(t, doc["jwks_uri"]).json()
            assert [k["kid"] for k in jwks["keys"]] == [t.key.thumbprint]

    @XFAIL_ES256_ONLY
    def test_openid_discovery_validates(self, tenants):
        """The tenants' https issuers pass authlib's metadata checks with
        no switch for http (test_820 needs AUTHLIB_INSECURE_TRANSPORT);
        they have only an EC key."""
        _, a, b = tenants
        for t in (a, b):
            validate_discovery(OpenIDProviderMetadata(discovery(t)))

    def test_openid_client_of_a_unknown_at_b(self, tenants):
        h, a, b = tenants
        ca = add_client(a)
        r = Flow(b, ca, scope="openid", nonce="n-1").get()
        assert r.status_code == 400, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        assert "OA2-00301: invalid_request: the client is unknown" \
            in h.new_log()
        assert Flow(a, ca, scope="openid").get().status_code == 200

    def test_userinfo_of_b_refuses_a_token(self, tenants):
        h, a, b = tenants
        c = twin(a, b, add_client(a))
        _, body = code_tokens(a, c, scope="openid")
        r = a.get("/oauth2/userinfo", token=body["access_token"])
        assert_ok(r)
        assert r.json() == {"sub": "alice"}
        mark = len(h.new_log())
        assert_invalid_token(b.get("/oauth2/userinfo",
                                   token=body["access_token"]), b.host)
        # B does not have A's key
        assert "OA2-00029: invalid_token: the token's key id is unknown" \
            in h.new_log()[mark:]

    def test_id_token_of_a_fails_with_b_keys(self, tenants):
        """An ID token of A checked by a relying party of B (authlib, the
        JWKS of B's discovery document), for a client_id both know."""
        _, a, b = tenants
        c = twin(a, b, add_client(a))
        _, body = code_tokens(a, c, scope="openid", nonce="n-a")
        jwt = JsonWebToken(["ES256"])
        meta_a, meta_b = discovery(a), discovery(b)
        jwks_a = fetch(a, meta_a["jwks_uri"]).json()
        jwks_b = fetch(b, meta_b["jwks_uri"]).json()
        params = {"nonce": "n-a", "client_id": c.client_id,
                  "access_token": body["access_token"]}
        claims = jwt.decode(body["id_token"], jwks_a, claims_cls=CodeIDToken,
                            claims_params=params, claims_options={
                                "iss": {"essential": True,
                                        "value": meta_a["issuer"]}})
        claims.validate()
        # B's key set has no key of that kid ...
        with pytest.raises(ValueError, match="Invalid JSON Web Key Set"):
            jwt.decode(body["id_token"], jwks_b, claims_cls=CodeIDToken)
        # ... and B's key, whatever the kid, does not verify it
        key_b = JsonWebKey.import_key(jwks_b["keys"][0])
        with pytest.raises(BadSignatureError):
            jwt.decode(body["id_token"], key_b, claims_cls=CodeIDToken)
        # nor is A's issuer B's
        claims.options = {"iss": {"essential": True,
                                  "value": meta_b["issuer"]}}
        with pytest.raises(InvalidClaimError):
            claims.validate()

    # ---- .htaccess ----------------------------------------------------------

    @pytest.mark.parametrize("directive",
                             [d for d, _ in REFUSED_IN_HTACCESS])
    def test_server_directives_refused_in_htaccess(self, tenants,
                                                   directive):
        h, a, _ = tenants
        r = a.get("/%s/data.txt" % refused_dir(directive))
        assert r.status_code == 500, (r.status_code, r.text[:200])
        assert "secret-dir" not in r.text
        line = "%s/%s/.htaccess: %s not allowed here" % (
            a.htdocs, refused_dir(directive), directive)
        assert line in h.new_log(), h.new_log()[-1000:]
        h.allow_log(HTACCESS_ALERT)

    @pytest.mark.log_allow(DENIAL)
    def test_htaccess_resource_directives_work(self, tenants):
        _, a, b = tenants
        realm = "%s htaccess" % a.host
        c = add_client(a)
        assert_no_token(a.get("/ht/data.txt"), realm)
        # OAuth2Audience of the .htaccess: a token for the resource works
        _, good = code_tokens(a, c, resource=RESOURCE_A)
        assert_ok(a.get("/ht/data.txt", token=good["access_token"]), "ht\n")
        # one for the issuer (the default audience) does not
        _, plain = code_tokens(a, c)
        assert_invalid_token(a.get("/ht/data.txt",
                                   token=plain["access_token"]), realm)
        # Require oauth2-scope of the .htaccess
        _, narrow = code_tokens(a, c, scope="write", resource=RESOURCE_A)
        assert_insufficient_scope(
            a.get("/ht/data.txt", token=narrow["access_token"]), realm)
        # OAuth2CheckRevocation of the .htaccess
        assert revoke(a, c, good["access_token"]).status_code == 200
        assert_invalid_token(a.get("/ht/data.txt",
                                   token=good["access_token"]), realm)
        # and B's tokens, even for B's own resource, are nothing here
        cb = add_client(b)
        _, tb = code_tokens(b, cb, resource="https://api.%s/" % b.host)
        assert_invalid_token(a.get("/ht/data.txt",
                                   token=tb["access_token"]), realm)

    def test_htaccess_cannot_borrow_other_tenants_trust(self, tenants):
        _, a, b = tenants
        cb = add_client(b)
        _, tb = code_tokens(b, cb)
        # A's .htaccess demands B's issuer and audience: B's token is
        # still refused (signed by B's key, which A does not have) ...
        assert_invalid_token(a.get("/borrow/data.txt",
                                   token=tb["access_token"]), a.host)
        # ... and so are A's own tokens (wrong issuer for this location)
        ca = add_client(a)
        _, ta = code_tokens(a, ca)
        assert_invalid_token(a.get("/borrow/data.txt",
                                   token=ta["access_token"]), a.host)

    def test_admin_cli_sees_one_tenant(self, tenants):
        """oauth2-admin on A's database with B's issuer lists nothing of
        A's (rows are keyed by issuer as well as stored apart)."""
        import subprocess
        _, a, b = tenants
        c = add_client(a)
        kw = {"user": "nobody", "group": "nogroup"} if IS_ROOT else {}
        p = subprocess.run([admin_bin(), "-d", a.store.driver, "-p",
                            a.store.params, "-i", b.issuer, "client",
                            "list"], capture_output=True, text=True,
                           timeout=30, cwd="/", **kw)
        assert c.client_id not in p.stdout + p.stderr
