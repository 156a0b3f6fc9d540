# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The JWKS endpoint of the local authorization server (RFC 7517, kid =
RFC 7638 thumbprint unless given, CORS, OAuth2BasePath, behind
ProxyPass /)."""

import jwt
import pytest

from checks import assert_ok
from tokens import claims, mint, public_jwk

pytestmark = pytest.mark.sqlite_only(
    "the JWKS endpoint is built at start from the key files, not the database")

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
ORIGIN = "https://app.example"


def check_jwks_response(r):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("application/") and "json" in ctype, ctype
    doc = r.json()
    assert isinstance(doc, dict) and isinstance(doc.get("keys"), list), doc
    for k in doc["keys"]:
        assert not PRIVATE_MEMBERS & set(k), k
        assert isinstance(k.get("kid"), str) and k["kid"], k
        if "use" in k:
            assert k["use"] == "sig", k
    return doc


def by_kid(doc):
    kids = [k["kid"] for k in doc["keys"]]
    assert len(kids) == len(set(kids)), kids
    return {k["kid"]: k for k in doc["keys"]}


def check_public(jwk, key):
    want = public_jwk(key.pub)
    for name, value in want.items():
        assert jwk.get(name) == value, (name, jwk)
    if "alg" in jwk:
        assert jwk["alg"] == key.alg, jwk


def check_preflight(h, path, headers=None):
    r = h.get(path, method="OPTIONS", headers=dict({
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"},
        **(headers or {})))
    assert r.status_code in (200, 204), (r.status_code, r.text[:200])
    assert r.headers.get("Access-Control-Allow-Origin") == "*", r.headers
    methods = {m.strip().upper() for m in
               r.headers.get("Access-Control-Allow-Methods", "").split(",")}
    assert {"GET", "POST"} <= methods, r.headers
    allowed = {m.strip().lower() for m in
               r.headers.get("Access-Control-Allow-Headers", "").split(",")}
    assert {"authorization", "content-type"} <= allowed, r.headers
    assert r.headers.get("Access-Control-Allow-Credentials") != "true"


class TestJwks:
    """Two keys: an EC one in SEC1 PEM without KID, an RSA one in PKCS#1
    PEM with an explicit KID."""

    RSA_KID = "rsa-second"

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("jwks")
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {ec2}
OAuth2SigningKey {rsa2} {kid}

<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(iss=h.issuer, ec2=keys["ec2"].path, rsa2=keys["rsa2"].path,
           kid=self.RSA_KID))
        return h

    def test_both_keys_published(self, h, keys):
        doc = check_jwks_response(h.get("/oauth2/jwks"))
        kids = by_kid(doc)
        assert set(kids) == {keys["ec2"].thumbprint, self.RSA_KID}, kids
        check_public(kids[keys["ec2"].thumbprint], keys["ec2"])
        check_public(kids[self.RSA_KID], keys["rsa2"])
        ec = kids[keys["ec2"].thumbprint]
        assert ec["kty"] == "EC" and ec["crv"] == "P-256", ec
        assert kids[self.RSA_KID]["kty"] == "RSA"

    def test_cors_on_get(self, h):
        r = h.get("/oauth2/jwks", headers={"Origin": ORIGIN})
        check_jwks_response(r)
        assert r.headers.get("Access-Control-Allow-Origin") == "*", r.headers
        assert r.headers.get("Access-Control-Allow-Credentials") != "true"

    def test_cors_preflight(self, h):
        check_preflight(h, "/oauth2/jwks")

    @pytest.mark.parametrize("name,kid", [("ec2", None),
                                          ("rsa2", RSA_KID)])
    def test_published_keys_verify(self, h, keys, name, kid):
        key = keys[name]
        kid = kid or key.thumbprint
        doc = check_jwks_response(h.get("/oauth2/jwks"))
        pub = jwt.PyJWK(by_kid(doc)[kid]).key
        t = mint(key, claims(h.issuer, h.issuer), kid=kid)
        payload = jwt.decode(t, pub, algorithms=[key.alg],
                             audience=h.issuer, issuer=h.issuer)
        assert payload["sub"] == "alice"
        # and a token signed by another key does not verify
        other = mint(keys["ec3" if name == "ec2" else "rsa1"],
                     claims(h.issuer, h.issuer), kid=kid)
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(other, pub, algorithms=[key.alg], audience=h.issuer)

    @pytest.mark.parametrize("name,kid", [("ec2", None),
                                          ("rsa2", RSA_KID)])
    def test_every_published_key_verifies_at_rs(self, h, keys, name, kid):
        key = keys[name]
        t = mint(key, claims(h.issuer, h.issuer), kid=kid or key.thumbprint)
        assert_ok(h.get("/api/data.txt", token=t))

    def test_jwks_needs_no_token(self, h):
        check_jwks_response(h.get("/oauth2/jwks",
                                  headers={"Authorization": "Bearer junk"}))


class TestJwksBasePath:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("jwks-base")
        h.start("""
OAuth2Issuer {iss}
OAuth2BasePath /auth
OAuth2SigningKey {ec1} ec-kid
""".format(iss=h.issuer, ec1=keys["ec1"].path))
        return h

    def test_moved(self, h, keys):
        doc = check_jwks_response(h.get("/auth/jwks"))
        kids = by_kid(doc)
        assert list(kids) == ["ec-kid"]
        check_public(kids["ec-kid"], keys["ec1"])

    def test_old_path_gone(self, h):
        assert h.get("/oauth2/jwks").status_code == 404

    def test_preflight(self, h):
        check_preflight(h, "/auth/jwks")


class TestJwksBehindProxy:
    """ProxyPass / sends everything to a backend (here: nothing listens);
    the module still serves its JWKS."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("jwks-proxy", modules=["proxy", "proxy_http"])
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {ec1}
ProxyPass / http://127.0.0.1:1/
""".format(iss=h.issuer, ec1=keys["ec1"].path))
        return h

    def test_jwks_served(self, h, keys):
        doc = check_jwks_response(h.get("/oauth2/jwks",
                                        headers={"Origin": ORIGIN}))
        assert list(by_kid(doc)) == [keys["ec1"].thumbprint]

    def test_preflight_served(self, h):
        check_preflight(h, "/oauth2/jwks")

    @pytest.mark.log_allow(r"\[proxy(_http)?:error\]")
    def test_everything_else_proxied(self, h):
        assert h.get("/api/data.txt").status_code == 503
