# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OAuth2VerifyJWKSFile / OAuth2VerifyIssuer / OAuth2Audience: a
resource server trusting an outside authorization server's keys."""

import time

import pytest

import tokens
from checks import (assert_insufficient_scope, assert_invalid_token,
                    assert_no_token, assert_ok)
from httpd import rs_location
from tokens import claims, mint, raw_token, write_jwks

pytestmark = pytest.mark.sqlite_only(
    "a resource server with OAuth2VerifyJWKSFile reads no database")

REALM = "rs.test"
IDP = "https://idp.example"
API = "https://api.example"
EC_KID = "ext-ec"


def ext_location(path, jwks, extra="Require valid-user"):
    return rs_location(path, "OAuth2VerifyJWKSFile %s" % jwks,
                       "OAuth2VerifyIssuer %s" % IDP,
                       "OAuth2Audience %s" % API, require=extra)


def write_files(h, keys):
    """jwks.json: ec3 (kid ext-ec) and rsa2 (thumbprint kid), with alg and
    use; bare.json: the same keys with only the RFC 7517 key members."""
    full = write_jwks(h.path("jwks.json"),
                      [keys["ec3"].jwk(kid=EC_KID), keys["rsa2"].jwk()])
    bare = []
    for k in (keys["ec3"].jwk(kid=EC_KID), keys["rsa2"].jwk()):
        k.pop("alg")
        k.pop("use")
        bare.append(k)
    return full, write_jwks(h.path("bare.json"), bare)


class TestJwksFileOnly:
    """No local AS at all (and no mod_dbd): the JWKS file is the only key
    source."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("jwksfile", dbd=False)
        full, bare = write_files(h, keys)
        conf = (ext_location("/ext", full)
                + ext_location("/bare", bare)
                + ext_location("/scoped", full,
                               "Require oauth2-scope files"))
        h.start(conf)
        return h

    def ext(self, keys, key="ec3", kid=EC_KID, **over):
        k = keys[key]
        return mint(k, claims(IDP, API, **over),
                    kid=kid if kid != "thumb" else k.thumbprint)

    def test_no_token(self, h):
        assert_no_token(h.get("/ext/data.txt"), REALM)

    @pytest.mark.parametrize("path", ["/ext", "/bare"])
    def test_es256(self, h, keys, path):
        assert_ok(h.get(path + "/data.txt", token=self.ext(keys)),
                  "api data\n")

    @pytest.mark.parametrize("path", ["/ext", "/bare"])
    def test_rs256(self, h, keys, path):
        t = self.ext(keys, key="rsa2", kid="thumb")
        assert_ok(h.get(path + "/data.txt", token=t))

    def test_aud_array(self, h, keys):
        t = self.ext(keys, aud=["https://x.example", API])
        assert_ok(h.get("/ext/data.txt", token=t))

    @pytest.mark.parametrize("kind", [
        "local-issuer", "wrong-aud", "key-not-in-file", "es256-under-rsa-kid",
        "rs256-under-ec-kid", "hs256-public-pem", "typ-JWT", "expired",
        "alg-none", "unknown-kid"])
    @pytest.mark.parametrize("path", ["/ext", "/bare"])
    def test_rejected(self, h, keys, kind, path):
        now = int(time.time())
        rsa_kid = keys["rsa2"].thumbprint
        c = claims(IDP, API)
        t = {
            "local-issuer": lambda: self.ext(keys, iss=h.issuer),
            "wrong-aud": lambda: self.ext(keys, aud=h.issuer),
            "key-not-in-file": lambda: mint(keys["ec1"], c, kid=EC_KID),
            "es256-under-rsa-kid": lambda: mint(keys["ec3"], c, kid=rsa_kid),
            "rs256-under-ec-kid": lambda: mint(keys["rsa2"], c, kid=EC_KID),
            "hs256-public-pem": lambda: raw_token(
                {"alg": "HS256", "typ": "at+jwt", "kid": EC_KID}, c,
                tokens.hs256_signer(keys["ec3"].public_pem())),
            "typ-JWT": lambda: mint(keys["ec3"], c, kid=EC_KID, typ="JWT"),
            "expired": lambda: self.ext(keys, iat=now - 900, exp=now - 200),
            "alg-none": lambda: raw_token(
                {"alg": "none", "typ": "at+jwt", "kid": EC_KID}, c),
            "unknown-kid": lambda: mint(keys["ec3"], c, kid="nope"),
        }[kind]()
        assert_invalid_token(h.get(path + "/data.txt", token=t), REALM)
        assert "OA2-00101" in h.new_log()

    def test_scope_granted(self, h, keys):
        assert_ok(h.get("/scoped/data.txt",
                        token=self.ext(keys, scope="files other")))

    @pytest.mark.log_allow("AH01631")
    def test_scope_denied(self, h, keys):
        r = h.get("/scoped/data.txt", token=self.ext(keys, scope="read"))
        assert_insufficient_scope(r, REALM, scope="files")


class TestJwksFileAndLocal:
    """A local AS for /api and an outside AS for /ext in one server: each
    location trusts only its own keys and issuer."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("jwksfile-local")
        full, _ = write_files(h, keys)
        conf = """
OAuth2Issuer {iss}
OAuth2SigningKey {ec1}
<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(iss=h.issuer, ec1=keys["ec1"].path) + ext_location("/ext", full)
        h.start(conf)
        return h

    def local(self, h, keys, **over):
        return mint(keys["ec1"], claims(h.issuer, h.issuer, **over))

    def ext(self, keys, **over):
        return mint(keys["ec3"], claims(IDP, API, **over), kid=EC_KID)

    def test_local_token_at_local(self, h, keys):
        assert_ok(h.get("/api/data.txt", token=self.local(h, keys)))

    def test_ext_token_at_ext(self, h, keys):
        assert_ok(h.get("/ext/data.txt", token=self.ext(keys)))

    def test_local_token_at_ext(self, h, keys):
        assert_invalid_token(h.get("/ext/data.txt",
                                   token=self.local(h, keys)), REALM)
        # even when it names the outside issuer and audience
        t = mint(keys["ec1"], claims(IDP, API))
        assert_invalid_token(h.get("/ext/data.txt", token=t), REALM)

    def test_ext_token_at_local(self, h, keys):
        assert_invalid_token(h.get("/api/data.txt", token=self.ext(keys)),
                             REALM)
        # even when it names the local issuer and audience
        t = mint(keys["ec3"], claims(h.issuer, h.issuer), kid=EC_KID)
        assert_invalid_token(h.get("/api/data.txt", token=t), REALM)
