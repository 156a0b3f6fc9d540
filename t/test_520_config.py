# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Configuration: start-up failures, virtual hosts (realm, issuer and keys
per vhost)."""

import os

import pytest

from checks import assert_invalid_token, assert_no_token, assert_ok
from tokens import claims, mint, write_jwks

def assert_refused(rc, out, *needles):
    """httpd refused the config because of our module's check, and said
    so with each of needles."""
    assert rc != 0, out
    assert "Cannot load" not in out, out
    for n in needles:
        assert n in out, (n, out)


PROTECTED = """
<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>
"""


class TestStartup:
    """`apache2 -t` and a real start, as an admin would see them."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        return httpd_factory("startup")

    def as_conf(self, h, key_line, location=PROTECTED):
        return "OAuth2Issuer %s\n%s\n%s" % (h.issuer, key_line, location)

    @pytest.mark.parametrize("key", ["ec1", "ec2", "rsa1", "rsa2"])
    def test_good_keys_start(self, h, keys, key):
        rc, out = h.config_test(self.as_conf(
            h, "OAuth2SigningKey %s" % keys[key].path))
        assert rc == 0, out

    def test_good_key_with_kid_starts(self, h, keys):
        rc, out = h.config_test(self.as_conf(
            h, "OAuth2SigningKey %s my-kid" % keys["ec1"].path))
        assert rc == 0, out

    @pytest.mark.parametrize("which", ["missing", "directory", "public-pem",
                                       "rsa-1024", "ec-p384", "garbage"])
    def test_bad_signing_key(self, h, keys, which):
        path = {
            "missing": os.path.join(os.path.dirname(keys["ec1"].path),
                                    "no-such-key.pem"),
            "directory": os.path.dirname(keys["ec1"].path),
            "public-pem": keys["ec1_public_path"],
            "rsa-1024": keys["rsa1024"].path,
            "ec-p384": keys["ec384"].path,
            "garbage": keys["garbage_path"],
        }[which]
        rc, out = h.config_test(self.as_conf(h, "OAuth2SigningKey " + path))
        assert_refused(rc, out, path)
        assert "line" in out.lower(), out

    def test_template_dir_without_templates(self, h, keys, tmp_path):
        """A template that cannot be opened stops httpd; the line carries
        the operating system's cause (oa2_err_t.cause), not only the
        file."""
        rc, out = h.config_test(self.as_conf(
            h, "OAuth2SigningKey %s\nOAuth2TemplateDir %s"
            % (keys["ec1"].path, tmp_path)))
        assert_refused(rc, out, "OA2-00500", "consent.html",
                       "(2)No such file or directory")

    def test_issuer_without_signing_key(self, h):
        rc, out = h.config_test("OAuth2Issuer %s\n%s" % (h.issuer,
                                                         PROTECTED))
        assert_refused(rc, out, "OAuth2SigningKey")

    @pytest.mark.parametrize("issuer", ["http://as.example.com",
                                        "as.example.com", "ftp://127.0.0.1",
                                        "https://as.example.com/x?y=1",
                                        "https://as.example.com/#f"])
    def test_bad_issuer(self, h, keys, issuer):
        rc, out = h.config_test("OAuth2Issuer %s\nOAuth2SigningKey %s\n"
                                % (issuer, keys["ec1"].path))
        assert_refused(rc, out, issuer)
        assert "line" in out.lower(), out

    @pytest.mark.parametrize("issuer", ["https://as.example.com",
                                        "http://localhost:8080",
                                        "http://127.0.0.1:8080/tenant"])
    def test_good_issuer(self, h, keys, issuer):
        rc, out = h.config_test("OAuth2Issuer %s\nOAuth2SigningKey %s\n%s"
                                % (issuer, keys["ec1"].path, PROTECTED))
        assert rc == 0, out

    def test_location_without_key_source(self, h):
        rc, out = h.config_test(PROTECTED)
        assert_refused(rc, out, "/api")

    def test_only_unprotected_needs_no_key_source(self, h):
        # the module loaded with no OAuth2 config at all is fine
        rc, out = h.config_test("<Location /x>\n    Require all granted\n"
                                "</Location>\n")
        assert rc == 0, out

    def test_jwks_file_is_a_key_source(self, h, keys):
        path = write_jwks(h.path("jwks.json"), [keys["ec3"].jwk()])
        rc, out = h.config_test("""
<Location /api>
    AuthType OAuth2
    OAuth2VerifyJWKSFile %s
    OAuth2VerifyIssuer https://idp.example
    OAuth2Audience https://api.example
    Require valid-user
</Location>
""" % path)
        assert rc == 0, out

    def test_sibling_section_is_not_a_parent(self, h, keys):
        """<Location /api> covers /api/v1, not /api7 (httpd matches whole
        path segments): /api7 has no audience of its own."""
        path = write_jwks(h.path("jwks.json"), [keys["ec3"].jwk()])
        section = """
<Location %s>
    AuthType OAuth2
    OAuth2VerifyJWKSFile {jwks}
    OAuth2VerifyIssuer https://idp.example
    %s
    Require valid-user
</Location>
"""
        parent = section % ("/api", "OAuth2Audience https://api.example")
        rc, out = h.config_test(
            (parent + section % ("/api/v1", "")).format(jwks=path))
        assert rc == 0, out
        rc, out = h.config_test(
            (parent + section % ("/api7", "")).format(jwks=path))
        assert_refused(rc, out, "/api7")
        assert "OAuth2Audience" in out, out

    @pytest.mark.parametrize("content", [None, "{not json", '{"keys": 5}',
                                         '{"keys": [{"kty": "EC"}]}'])
    def test_bad_jwks_file(self, h, content):
        path = str(h.path("bad-jwks.json"))
        if content is None:
            path = str(h.path("no-such-jwks.json"))
        else:
            with open(path, "w") as f:
                f.write(content)
            os.chmod(path, 0o644)
        rc, out = h.config_test("""
<Location /api>
    AuthType OAuth2
    OAuth2VerifyJWKSFile %s
    OAuth2VerifyIssuer https://idp.example
    OAuth2Audience https://api.example
    Require valid-user
</Location>
""" % path)
        assert_refused(rc, out, path)


class TestVhosts:
    """Name-based vhosts: realm = the vhost's ServerName; a vhost inherits
    the main server's AS, or has its own issuer and keys."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("vhosts")
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {ec1}

<VirtualHost 127.0.0.1:{port}>
    ServerName a.test
    {prot}
</VirtualHost>

<VirtualHost 127.0.0.1:{port}>
    ServerName b.test
    OAuth2Issuer {iss}/b
    OAuth2SigningKey {rsa1}
    {prot}
</VirtualHost>
""".format(iss=h.issuer, port=h.port, ec1=keys["ec1"].path,
           rsa1=keys["rsa1"].path, prot=PROTECTED))
        return h

    def get(self, h, host, token=None):
        return h.get("/api/data.txt", token=token, headers={"Host": host})

    def a_token(self, h, keys):
        return mint(keys["ec1"], claims(h.issuer, h.issuer))

    def b_token(self, h, keys, key="rsa1"):
        b = h.issuer + "/b"
        return mint(keys[key], claims(b, b))

    def test_realm_per_vhost(self, h):
        assert_no_token(self.get(h, "a.test"), "a.test")
        assert_no_token(self.get(h, "b.test"), "b.test")

    def test_inherited_issuer(self, h, keys):
        assert_ok(self.get(h, "a.test", self.a_token(h, keys)))

    def test_own_issuer(self, h, keys):
        assert_ok(self.get(h, "b.test", self.b_token(h, keys)))

    def test_main_token_rejected_by_other_issuer(self, h, keys):
        assert_invalid_token(self.get(h, "b.test", self.a_token(h, keys)),
                             "b.test")

    def test_vhost_token_rejected_by_main_issuer(self, h, keys):
        assert_invalid_token(self.get(h, "a.test", self.b_token(h, keys)),
                             "a.test")

    def test_signing_keys_replaced_not_merged(self, h, keys):
        # b.test's OAuth2SigningKey replaces the inherited EC key
        t = self.b_token(h, keys, key="ec1")
        assert_invalid_token(self.get(h, "b.test", t), "b.test")

    def test_jwks_per_vhost(self, h, keys):
        a = h.get("/oauth2/jwks", headers={"Host": "a.test"})
        b = h.get("/oauth2/jwks", headers={"Host": "b.test"})
        assert a.status_code == 200 and b.status_code == 200
        assert [k["kid"] for k in a.json()["keys"]] == [keys["ec1"].kid]
        assert [k["kid"] for k in b.json()["keys"]] == [keys["rsa1"].kid]
