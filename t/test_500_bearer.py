# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Bearer token validation (SPEC.md "Per-directory directives",
"Access tokens"; RFC 6750, RFC 9068) against the local authorization
server's keys."""

import base64
import json
import re
import time

import jwt
import pytest

import tokens
from checks import (assert_invalid_request, assert_invalid_token,
                    assert_no_token, assert_ok)
from tokens import claims, mint, raw_token

pytestmark = pytest.mark.sqlite_only(
    "the bearer check reads no database: tokens are minted with the AS's key")

REALM = "rs.test"
NAMED_REALM = 'Team "A" API'


def _flip_signature(token):
    h, p, s = token.split(".")
    sig = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    sig[len(sig) // 2] ^= 0x01
    return tokens.register("%s.%s.%s" % (h, p, tokens.b64u(bytes(sig))))


def _swap_payload(token, payload):
    h, p, s = token.split(".")
    return tokens.register("%s.%s.%s" % (h, tokens.b64u_json(payload), s))


def _signed_bytes_payload(key, data, kid):
    """A correctly signed JWS whose payload is not a JSON object."""
    t = jwt.api_jws.PyJWS().encode(data, key.priv, algorithm=key.alg,
                                   headers={"typ": "at+jwt", "kid": kid})
    return tokens.register(t)


def hostile(kind, h, keys):
    """Tokens the resource server must answer with 401 invalid_token."""
    ec1, ec3, rsa1 = keys["ec1"], keys["ec3"], keys["rsa1"]
    iss = h.issuer
    now = int(time.time())
    good = claims(iss, iss)
    hdr = {"alg": "ES256", "typ": "at+jwt", "kid": ec1.kid}
    valid = mint(ec1, good)
    if kind == "alg-none":
        return raw_token(dict(hdr, alg="none"), good)
    if kind == "alg-NONE":
        return raw_token(dict(hdr, alg="NONE"), good)
    if kind == "alg-none-keeping-signature":
        return raw_token(dict(hdr, alg="none"), good,
                         base64.urlsafe_b64decode(
                             valid.split(".")[2] + "=="))
    if kind == "hs256-public-pem":
        return raw_token(dict(hdr, alg="HS256"), good,
                         tokens.hs256_signer(ec1.public_pem()))
    if kind == "hs256-public-pem-no-newline":
        return raw_token(dict(hdr, alg="HS256"), good,
                         tokens.hs256_signer(ec1.public_pem().strip()))
    if kind == "tampered-payload":
        return _swap_payload(valid, dict(good, sub="mallory"))
    if kind == "tampered-scope":
        return _swap_payload(valid, dict(good, scope="read write admin"))
    if kind == "tampered-signature":
        return _flip_signature(valid)
    if kind == "truncated":
        return tokens.register(valid[:-10])
    if kind == "two-segments":
        return tokens.register(valid.rsplit(".", 1)[0])
    if kind == "five-segments":
        return tokens.register(valid + ".AAAA.BBBB")
    if kind == "empty-signature":
        return tokens.register(valid.rsplit(".", 1)[0] + ".")
    if kind == "not-a-jwt":
        return tokens.register("abcdefghijklmnop==")
    if kind == "header-not-json":
        return tokens.register("bm90IGpzb24." + valid.split(".", 1)[1])
    if kind == "payload-not-json":
        return _signed_bytes_payload(ec1, b"not json", ec1.kid)
    if kind == "payload-array":
        return _signed_bytes_payload(ec1, b'["a","b"]', ec1.kid)
    if kind == "huge-100k":
        return mint(ec3, dict(good, pad="x" * 75000), kid=ec1.kid)
    if kind == "wrong-iss":
        return mint(ec1, dict(good, iss="http://evil.example"))
    if kind == "iss-trailing-slash":
        return mint(ec1, dict(good, iss=iss + "/"))
    if kind == "no-iss":
        return mint(ec1, dict(good, iss=None))
    if kind == "wrong-aud":
        return mint(ec1, dict(good, aud="https://other.example"))
    if kind == "aud-array-without-us":
        return mint(ec1, dict(good, aud=["https://other.example",
                                         "https://x.example"]))
    if kind == "no-aud":
        return mint(ec1, dict(good, aud=None))
    if kind == "typ-JWT":
        return mint(ec1, good, typ="JWT")
    if kind == "typ-missing":
        return mint(ec1, good, typ=None)
    if kind == "unknown-kid":
        return mint(ec3, good, kid="no-such-kid")
    if kind == "other-key-same-kid":
        return mint(ec3, good, kid=ec1.kid)
    if kind == "embedded-jwk":
        return mint(ec3, good, kid=ec3.kid,
                    extra_headers={"jwk": ec3.jwk()})
    if kind == "expired":
        return mint(ec1, dict(good, iat=now - 1000, exp=now - 120))
    if kind == "no-exp":
        return mint(ec1, dict(good, exp=None))
    if kind == "nbf-future":
        return mint(ec1, dict(good, nbf=now + 120))
    if kind == "no-sub":
        return mint(ec1, dict(good, sub=None))
    if kind == "rs256-under-ec-kid":
        return mint(rsa1, good, alg="RS256", kid=ec1.kid)
    if kind == "es384-same-key":
        return mint(ec1, good, alg="ES384")
    if kind == "es512-same-key":
        return mint(ec1, good, alg="ES512")
    if kind == "crit-unknown":
        return mint(ec1, good, extra_headers={"crit": ["x-unknown"],
                                              "x-unknown": 1})
    raise AssertionError(kind)


HOSTILE = [
    "alg-none", "alg-NONE", "alg-none-keeping-signature", "hs256-public-pem",
    "hs256-public-pem-no-newline", "tampered-payload", "tampered-scope",
    "tampered-signature", "truncated", "two-segments", "five-segments",
    "empty-signature", "not-a-jwt", "header-not-json", "payload-not-json",
    "payload-array", "huge-100k", "wrong-iss", "iss-trailing-slash",
    "no-iss", "wrong-aud", "aud-array-without-us", "no-aud", "typ-JWT",
    "typ-missing", "unknown-kid", "other-key-same-kid", "embedded-jwk",
    "expired", "no-exp", "nbf-future", "no-sub", "rs256-under-ec-kid",
    "es384-same-key", "es512-same-key", "crit-unknown",
]

MALFORMED = [
    "Bearer",
    "Bearer a b",
    "Bearer tok!en",
    "Bearer a=b",
    "Bearer =abc",
    "Bearer ab,cd",
    "Bearer ab;cd",
    'Bearer "abc"',
    "Bearer abc\tdef",
]


class TestBearerLocalEC:
    """OAuth2Issuer + one EC P-256 OAuth2SigningKey (kid = thumbprint);
    default audience = the issuer."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("bearer-ec")
        h.start("""
LimitRequestFieldSize 131072
OAuth2Issuer {iss}
OAuth2SigningKey {key}

<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>

Alias /named {htdocs}/api
<Location /named>
    AuthType OAuth2
    AuthName 'Team "A" API'
    Require valid-user
</Location>

ScriptAlias /cgi/ {cgi}/
<Location /cgi/>
    AuthType OAuth2
    Require valid-user
    RequestHeader set X-Sub "%{{OAUTH2_SUB}}e"
    RequestHeader set X-Client-Id expr=%{{env:OAUTH2_CLIENT_ID}}
</Location>
""".format(iss=h.issuer, key=keys["ec1"].path, htdocs=h.htdocs,
           cgi=h.cgi_bin))
        return h

    def token(self, h, keys, **over):
        return mint(keys["ec1"], claims(h.issuer, h.issuer, **over))

    # ---- no token ------------------------------------------------------

    def test_no_authorization(self, h):
        assert_no_token(h.get("/api/data.txt"), REALM)

    def test_unprotected_still_open(self, h):
        assert_ok(h.get("/index.html"))

    @pytest.mark.parametrize("value", [
        "Basic YWxpY2U6c2VjcmV0", "Digest username=\"a\"",
        "Negotiate YIIC"])
    def test_other_scheme_is_no_token(self, h, value):
        assert_no_token(h.get("/api/data.txt",
                              headers={"Authorization": value}), REALM)

    def test_query_token_ignored(self, h, keys):
        t = self.token(h, keys)
        r = h.get("/api/data.txt?access_token=" + t)
        assert_no_token(r, REALM)
        assert "OA2-00104" not in h.new_log()

    def test_form_body_token_ignored(self, h, keys):
        t = self.token(h, keys)
        r = h.get("/api/data.txt", method="POST",
                  data={"access_token": t})
        assert_no_token(r, REALM)

    def test_header_token_used_query_ignored(self, h, keys):
        r = h.get("/api/data.txt?access_token=garbage",
                  token=self.token(h, keys))
        assert_ok(r, "api data\n")

    # ---- accepted --------------------------------------------------------

    def test_valid_es256(self, h, keys):
        t = self.token(h, keys)
        assert jwt.get_unverified_header(t) == {
            "alg": "ES256", "typ": "at+jwt", "kid": keys["ec1"].thumbprint}
        assert_ok(h.get("/api/data.txt", token=t), "api data\n")
        assert re.search(r"\[oauth2:debug\].*OA2-00104", h.new_log())

    @pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
    def test_scheme_case_insensitive(self, h, keys, scheme):
        r = h.get("/api/data.txt", headers={
            "Authorization": "%s %s" % (scheme, self.token(h, keys))})
        assert_ok(r)

    def test_several_spaces_after_scheme(self, h, keys):
        # RFC 6750 2.1: credentials = "Bearer" 1*SP b64token
        r = h.get("/api/data.txt", headers={
            "Authorization": "Bearer   " + self.token(h, keys)})
        assert_ok(r)

    @pytest.mark.parametrize("kind", [
        "expired-30s-ago", "nbf-30s-ahead", "nbf-past", "aud-array",
        "no-scope", "extra-claims", "client-credentials-shape"])
    def test_accepted_variants(self, h, keys, kind):
        now = int(time.time())
        over = {
            "expired-30s-ago": dict(iat=now - 600, exp=now - 30),
            "nbf-30s-ahead": dict(nbf=now + 30),
            "nbf-past": dict(nbf=now - 10),
            "aud-array": dict(aud=["https://other.example", h.issuer]),
            "no-scope": dict(scope=None),
            "extra-claims": dict(groups=["a", "b"], n=5, obj={"k": "v"}),
            "client-credentials-shape": dict(sub="svc", client_id="svc"),
        }[kind]
        assert_ok(h.get("/api/data.txt", token=self.token(h, keys, **over)))

    # ---- rejected ----------------------------------------------------

    @pytest.mark.parametrize("kind", HOSTILE)
    def test_hostile_token(self, h, keys, kind):
        t = hostile(kind, h, keys)
        r = h.get("/api/data.txt", token=t)
        assert_invalid_token(r, REALM)
        log = h.new_log()
        assert "OA2-00101" in log
        assert "OA2-00104" not in log

    def test_jwt_like_garbage_is_invalid_token(self, h):
        # syntactically a b64token, so not a malformed request
        r = h.get("/api/data.txt", token="abc==")
        assert_invalid_token(r, REALM)

    def test_100k_random_token(self, h):
        t = tokens.register("A" * 100000)
        assert_invalid_token(h.get("/api/data.txt", token=t), REALM)

    # ---- malformed requests ------------------------------------------

    @pytest.mark.parametrize("value", MALFORMED)
    def test_malformed_header(self, h, value):
        r = h.raw("GET", "/api/data.txt", [("Authorization", value)])
        assert_invalid_request(r, REALM)
        assert "OA2-00102" in h.new_log()

    @pytest.mark.parametrize("second", ["bearer", "basic"])
    def test_two_authorization_headers(self, h, keys, second):
        t = self.token(h, keys)
        other = ("Bearer " + self.token(h, keys) if second == "bearer"
                 else "Basic YWxpY2U6c2VjcmV0")
        r = h.raw("GET", "/api/data.txt",
                  [("Authorization", "Bearer " + t),
                   ("Authorization", other)])
        assert_invalid_request(r, REALM)
        assert "OA2-00104" not in h.new_log()

    # ---- realm ---------------------------------------------------------

    def test_realm_from_authname(self, h, keys):
        assert_no_token(h.get("/named/data.txt"), NAMED_REALM)
        r = h.get("/named/data.txt", token=hostile("wrong-aud", h, keys))
        assert_invalid_token(r, NAMED_REALM)
        assert_ok(h.get("/named/data.txt", token=self.token(h, keys)))

    # ---- identity --------------------------------------------------------

    def test_identity_for_cgi(self, h, keys):
        c = claims(h.issuer, h.issuer, sub="carol", client_id="app-7",
                   scope="read write admin", groups=["g1", "g2"],
                   tenant="acme")
        t = mint(keys["ec1"], c)
        r = h.get("/cgi/env.py", token=t)
        assert_ok(r)
        env = r.json()
        assert env["REMOTE_USER"] == "carol"
        assert env["OAUTH2_SUB"] == "carol"
        assert env["OAUTH2_CLIENT_ID"] == "app-7"
        assert env["OAUTH2_SCOPE"] == "read write admin"
        assert json.loads(env["OAUTH2_CLAIMS"]) == c
        assert env["HTTP_X_SUB"] == "carol"
        assert env["HTTP_X_CLIENT_ID"] == "app-7"

    def test_cgi_not_run_without_token(self, h):
        assert_no_token(h.get("/cgi/env.py"), REALM)

    def test_cgi_not_run_with_bad_token(self, h, keys):
        r = h.get("/cgi/env.py", token=hostile("tampered-payload", h, keys))
        assert_invalid_token(r, REALM)

    def test_no_identity_leaks_between_requests(self, h, keys):
        # one connection, a valid then an invalid token
        t1 = mint(keys["ec1"], claims(h.issuer, h.issuer, sub="dave"))
        assert h.get("/cgi/env.py", token=t1).json()["OAUTH2_SUB"] == "dave"
        r = h.get("/cgi/env.py", token=hostile("expired", h, keys))
        assert_invalid_token(r, REALM)

    # ---- logs ------------------------------------------------------------

    def test_zz_no_token_in_error_log(self, h):
        # runs last in the class: nothing this class sent, valid, hostile
        # or malformed, may be in the log (the guard checks each test too)
        log = h.error_log()
        assert "OA2-00101" in log and "OA2-00102" in log
        leaked = [t[:30] for t in tokens.MINTED if t in log]
        assert not leaked, leaked
        # nor the signature part of one
        sigs = [t.rsplit(".", 1)[-1] for t in tokens.MINTED if t.count(".")]
        leaked = [s[:30] for s in sigs if len(s) >= 20 and s in log]
        assert not leaked, leaked


class TestBearerLocalRSA:
    """OAuth2Issuer + an RSA-2048 key with an explicit KID and an
    OAuth2DefaultAudience."""

    KID = "rsa-main"
    AUD = "https://default.test"

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("bearer-rsa")
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {key} {kid}
OAuth2DefaultAudience {aud}

<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(iss=h.issuer, key=keys["rsa1"].path, kid=self.KID, aud=self.AUD))
        return h

    def good(self, h, **over):
        return claims(h.issuer, self.AUD, **over)

    def test_no_token(self, h):
        assert_no_token(h.get("/api/data.txt"), REALM)

    def test_valid_rs256(self, h, keys):
        t = mint(keys["rsa1"], self.good(h), kid=self.KID)
        assert_ok(h.get("/api/data.txt", token=t), "api data\n")
        assert "OA2-00104" in h.new_log()

    def test_issuer_is_no_longer_the_audience(self, h, keys):
        t = mint(keys["rsa1"], claims(h.issuer, h.issuer), kid=self.KID)
        assert_invalid_token(h.get("/api/data.txt", token=t), REALM)

    def test_thumbprint_kid_not_published(self, h, keys):
        # the key was given the KID "rsa-main": the thumbprint is unknown
        t = mint(keys["rsa1"], self.good(h), kid=keys["rsa1"].thumbprint)
        assert_invalid_token(h.get("/api/data.txt", token=t), REALM)

    @pytest.mark.parametrize("kind", [
        "es256-under-rsa-kid", "hs256-public-pem", "rs512-same-key",
        "ps256-same-key", "rs384-same-key", "other-rsa-key", "wrong-iss",
        "expired", "alg-none"])
    def test_rejected(self, h, keys, kind):
        rsa1, rsa2, ec1 = keys["rsa1"], keys["rsa2"], keys["ec1"]
        c = self.good(h)
        if kind == "es256-under-rsa-kid":
            t = mint(ec1, c, kid=self.KID)
        elif kind == "hs256-public-pem":
            t = raw_token({"alg": "HS256", "typ": "at+jwt", "kid": self.KID},
                          c, tokens.hs256_signer(rsa1.public_pem()))
        elif kind == "rs512-same-key":
            t = mint(rsa1, c, alg="RS512", kid=self.KID)
        elif kind == "rs384-same-key":
            t = mint(rsa1, c, alg="RS384", kid=self.KID)
        elif kind == "ps256-same-key":
            t = mint(rsa1, c, alg="PS256", kid=self.KID)
        elif kind == "other-rsa-key":
            t = mint(rsa2, c, kid=self.KID)
        elif kind == "wrong-iss":
            t = mint(rsa1, dict(c, iss="https://as.example"), kid=self.KID)
        elif kind == "expired":
            now = int(time.time())
            t = mint(rsa1, dict(c, iat=now - 900, exp=now - 61 - 60),
                     kid=self.KID)
        else:
            t = raw_token({"alg": "none", "typ": "at+jwt", "kid": self.KID},
                          c)
        r = h.get("/api/data.txt", token=t)
        assert_invalid_token(r, REALM)
        assert "OA2-00101" in h.new_log()
