# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Mutual TLS (issue 15; SPEC.md "Sender-constrained tokens, client
assertions, pushed requests"; RFC 8705) on a real mod_ssl.

The AS runs on httpd with mod_ssl: its main server (port A) has
`SSLVerifyClient optional` with the CA of the client certificates
(tls_client_auth: mod_ssl verifies the certificate, the module compares
its subject DN or SAN with the registered one); a second virtual host
(port B) of the same AS has `SSLVerifyClient optional_no_ca`, where any
certificate gets through the handshake (self_signed_tls_client_auth: the
module compares its key with the client's registered jwks). Vhost-level
settings, not per-directory ones: per-directory client certificates need
a renegotiation, which TLS 1.3 does not have.

Clients authenticate with client_id in the body and their certificate,
and get access tokens bound to it (cnf.x5t#S256); AuthType OAuth2 accepts
such a token only on a connection with that same certificate. Clients are
python requests (cert=) and curl (--cert/--key).
"""

import base64
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import hostile
import tokens
from authserver import (AS_MODULES, Flow, admin, as_config, ep,
                        verify_access_token)
from checks import challenge
from httpd import free_port

pytestmark = pytest.mark.sqlite_only(
    "mutual TLS adds no SQL: its clients and tokens use the statements "
    "test_200 and test_400 run on every driver")

REDIRECT = "https://client.example/cb"
# mod_ssl's own start-up warning where the OpenSSL it loads is older than
# the one it was built with (a distribution's point releases): httpd's,
# not the module's
MOD_SSL_NOISE = r"AH01882: Init: this version of mod_ssl was compiled"
ONE_DN = "CN=Client One,O=Example Org,C=US"


def _dn(cn, org="Example Org"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def x5t(cert_path):
    """RFC 8705 §3.1: base64url SHA-256 of the certificate's DER."""
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    return tokens.b64u(hashlib.sha256(der).digest())


class Pki:
    """The server's certificate, a CA of client certificates and the
    client certificates of the tests (requests' cert= pairs)."""

    def __init__(self, d):
        self.dir = Path(d)
        self.server_ca, self.server_cert, self.server_key = \
            hostile.make_tls_files(d, ("127.0.0.1", "localhost", "rs.test"))
        ca = hostile.make_ca("mTLS client CA")
        self.client_ca = self.dir / "client-ca.pem"
        self.client_ca.write_bytes(
            ca[0].public_bytes(serialization.Encoding.PEM))
        other_ca = hostile.make_ca("another CA")

        def cert(stem, subject, names=(), by=ca, key=None):
            c, k = hostile.make_cert(subject, names, by, key)
            return tuple(str(p) for p in hostile.write_cert(d, stem, c, k))

        # tls_client_auth: verified by mod_ssl, by DN or SAN
        self.one = cert("one", _dn("Client One"))
        self.two = cert("two", _dn("Client Two"))
        self.svc = cert("svc", _dn("Service"), ["svc.example.com"])
        # Client One's DN from a CA mod_ssl does not trust
        self.rogue = cert("rogue", _dn("Client One"), by=other_ca)
        # self-signed: the key is what the client registers
        self.self_key = ec.generate_private_key(ec.SECP256R1())
        self.self = cert("self", _dn("Self"), by=None, key=self.self_key)
        self.self_other = cert("self-other", _dn("Self"), by=None)

    def jwks(self):
        jwk = tokens.public_jwk(self.self_key.public_key())
        return {"keys": [dict(jwk, use="sig")]}


@pytest.fixture(scope="module")
def pki():
    d = tempfile.mkdtemp(prefix="oa2t-mtls-")
    yield Pki(d)
    import shutil
    shutil.rmtree(d, ignore_errors=True)


def tls_config(h, pki, port_b):
    """mod_ssl on the main server (SSLVerifyClient optional with the
    client CA) and a vhost on port_b (optional_no_ca)."""
    return """
SSLEngine on
SSLCertificateFile {crt}
SSLCertificateKeyFile {key}
SSLSessionCache shmcb:{run}/ssl_scache(512000)
SSLVerifyClient optional
SSLVerifyDepth 2
SSLCACertificateFile {ca}

Listen 127.0.0.1:{port_b}
<VirtualHost 127.0.0.1:{port_b}>
    SSLEngine on
    SSLCertificateFile {crt}
    SSLCertificateKeyFile {key}
    SSLVerifyClient optional_no_ca
    SSLCACertificateFile {ca}
</VirtualHost>
""".format(crt=pki.server_cert, key=pki.server_key, run=h.run_dir,
           ca=pki.client_ca, port_b=port_b)


@pytest.fixture(scope="module")
def h(pki, keys):
    # a module-scoped server: the class-scoped httpd_factory cannot serve
    from httpd import Httpd
    h = Httpd("as-mtls", modules=AS_MODULES + ("ssl", "socache_shmcb"))
    h.base_url = "https://127.0.0.1:%d" % h.port
    h.issuer = h.base_url
    h.port_b = free_port()
    h.base_b = "https://127.0.0.1:%d" % h.port_b
    h.write_file("htdocs/cb/index.html", "cb\n")
    h.allowed_always.append(MOD_SSL_NOISE)
    # the attacks fail client authentication many times a minute from one
    # address: OAuth2RateLimit (test_980_device.py) would answer 429
    h.start(as_config(h, keys, extra="OAuth2RateLimit off\n")
            + tls_config(h, pki, h.port_b))
    h.session.verify = str(pki.server_ca)
    h.pki = pki
    yield h
    h.stop()
    problems = h.final_check(tokens.MINTED)
    h.cleanup()
    assert not problems, problems


# ---- helpers ---------------------------------------------------------------

def add_tls_client(h, method, metadata, grants=("client_credentials",),
                   redirect_uris=()):
    """A client of method (tls_client_auth, self_signed_tls_client_auth)
    added with oauth2-admin --metadata; its client_id. No secret is
    printed."""
    args = ["client", "add", "mTLS %s" % method, "--auth-method", method,
            "--metadata", json.dumps(metadata)]
    for g in grants:
        args += ["--grant", g]
    for uri in redirect_uris:
        args += ["--redirect-uri", uri]
    out = admin(h, *args).stdout
    assert "client_secret" not in out, out
    return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                if line.startswith("client_id:"))


def post(h, endpoint, data, cert=None, base=None, auth=None):
    """POST a back-channel endpoint of h on base (default port A) with the
    client certificate cert ((crt, key) or None)."""
    with requests.Session() as s:
        s.trust_env = False
        r = s.post((base or h.base_url) + ep(h, endpoint), data=data,
                   cert=cert, verify=str(h.pki.server_ca), auth=auth,
                   timeout=10)
    if r.headers.get("Content-Type", "").startswith("application/json"):
        body = r.json()
        for k in ("access_token", "refresh_token"):
            if isinstance(body, dict) and k in body:
                tokens.register(body[k])
    return r


def token(h, client_id, cert, base=None, **data):
    d = {"grant_type": "client_credentials", "client_id": client_id,
         "scope": "read"}
    d.update(data)
    return post(h, "token", d, cert=cert, base=base)


def api(h, access, cert=None, base=None):
    with requests.Session() as s:
        s.trust_env = False
        return s.get((base or h.base_url) + "/api/data.txt", cert=cert,
                     verify=str(h.pki.server_ca), timeout=10,
                     headers={"Authorization": "Bearer " + access})


def bound_token(r, cert_path):
    """The access token of a 200 token response r, after checking it is
    bound to the certificate at cert_path."""
    assert r.status_code == 200, (r.status_code, r.text[:500])
    body = r.json()
    assert body["token_type"] == "Bearer", body
    claims = json.loads(base64.urlsafe_b64decode(
        body["access_token"].split(".")[1] + "=="))
    assert claims["cnf"] == {"x5t#S256": x5t(cert_path)}, claims
    return body["access_token"]


def assert_invalid_client(h, r, log_id):
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.json()["error"] == "invalid_client", r.text
    assert log_id in h.new_log(), h.new_log()[-2000:]


def assert_refused_at_rs(h, r, log_id):
    assert r.status_code == 401, (r.status_code, r.text[:300])
    raw, params = challenge(r)
    assert params.get("error") == "invalid_token", raw
    assert log_id in h.new_log(), h.new_log()[-2000:]


# ---- tests -----------------------------------------------------------------

class TestMetadata:
    def test_advertised_with_mod_ssl(self, h):
        m = h.get("/.well-known/oauth-authorization-server").json()
        for name in ("token_endpoint_auth_methods_supported",
                     "introspection_endpoint_auth_methods_supported",
                     "revocation_endpoint_auth_methods_supported"):
            assert "tls_client_auth" in m[name], m
            assert "self_signed_tls_client_auth" in m[name], m
        assert m["tls_client_certificate_bound_access_tokens"] is True, m
        assert m["token_endpoint"].startswith("https://"), m


class TestTlsClientAuth:
    def test_subject_dn(self, h):
        """RFC 8705 §2.1: client_id in the body and a certificate mod_ssl
        verified, of the registered subject DN (compared as a name: the
        registration's spelling may differ)."""
        cid = add_tls_client(h, "tls_client_auth", {
            "tls_client_auth_subject_dn":
                "cn=client one, o=EXAMPLE ORG, c=US"})
        at = bound_token(token(h, cid, h.pki.one), h.pki.one[0])
        # the RS: the same certificate only
        r = api(h, at, h.pki.one)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        assert r.text == "api data\n"
        assert_refused_at_rs(h, api(h, at), "OA2-01510")
        assert_refused_at_rs(h, api(h, at, h.pki.two), "OA2-01512")
        # on the optional_no_ca vhost the binding holds the same way
        assert api(h, at, h.pki.one, base=h.base_b).status_code == 200
        # and mod_ssl still verifies the CA's certificates there, so one
        # such vhost serves tls_client_auth too
        bound_token(token(h, cid, h.pki.one, base=h.base_b), h.pki.one[0])
        assert_refused_at_rs(h, api(h, at, h.pki.self, base=h.base_b),
                             "OA2-01512")

    def test_wrong_certificates(self, h):
        cid = add_tls_client(h, "tls_client_auth",
                             {"tls_client_auth_subject_dn": ONE_DN})
        # another DN from the trusted CA
        assert_invalid_client(h, token(h, cid, h.pki.two), "OA2-01503")
        # no certificate at all
        assert_invalid_client(h, token(h, cid, None), "OA2-01500")
        # the right DN, but mod_ssl did not verify it (optional_no_ca)
        assert_invalid_client(h, token(h, cid, h.pki.rogue, base=h.base_b),
                              "OA2-01502")
        # a secret is no way in for a certificate client
        r = post(h, "token", {"grant_type": "client_credentials"},
                 cert=h.pki.one, auth=(cid, "guess"))
        assert_invalid_client(h, r, "OA2-00820")
        # the certificate alone does not name the client
        r = post(h, "token", {"grant_type": "client_credentials"},
                 cert=h.pki.one)
        assert_invalid_client(h, r, "OA2-00225")

    def test_untrusted_certificate_fails_the_handshake(self, h):
        """Where SSLVerifyClient is optional, mod_ssl itself refuses a
        certificate of an unknown CA: the module never sees it."""
        with pytest.raises(requests.exceptions.SSLError):
            token(h, "anyone", h.pki.rogue)

    def test_san_dns(self, h):
        cid = add_tls_client(h, "tls_client_auth",
                             {"tls_client_auth_san_dns": "SVC.example.com"})
        at = bound_token(token(h, cid, h.pki.svc), h.pki.svc[0])
        assert api(h, at, h.pki.svc).status_code == 200
        assert_invalid_client(h, token(h, cid, h.pki.one), "OA2-01504")

    def test_code_flow_and_refresh(self, h):
        cid = add_tls_client(
            h, "tls_client_auth", {"tls_client_auth_subject_dn": ONE_DN},
            grants=("authorization_code", "refresh_token"),
            redirect_uris=(REDIRECT,))
        client = type("C", (), {"client_id": cid, "redirect_uri": REDIRECT,
                                "redirect_uris": [REDIRECT]})()
        f = Flow(h, client)
        code = f.code()
        r = post(h, "token", {"grant_type": "authorization_code",
                              "code": code, "redirect_uri": REDIRECT,
                              "code_verifier": f.verifier,
                              "client_id": cid}, cert=h.pki.one)
        at = bound_token(r, h.pki.one[0])
        verify_access_token(h, at)
        rt = r.json()["refresh_token"]
        assert api(h, at, h.pki.one).status_code == 200
        # RFC 8705 §4: the refresh token is bound by client authentication
        r = post(h, "token", {"grant_type": "refresh_token",
                              "refresh_token": rt, "client_id": cid})
        assert_invalid_client(h, r, "OA2-01500")
        r = post(h, "token", {"grant_type": "refresh_token",
                              "refresh_token": rt, "client_id": cid},
                 cert=h.pki.one)
        at2 = bound_token(r, h.pki.one[0])
        assert api(h, at2, h.pki.one).status_code == 200

    def test_pushed_request(self, h):
        """RFC 9126 §2.1: a push authenticates the client as the token
        endpoint does, its certificate included."""
        cid = add_tls_client(
            h, "tls_client_auth", {"tls_client_auth_subject_dn": ONE_DN},
            grants=("authorization_code",), redirect_uris=(REDIRECT,))
        client = type("C", (), {"client_id": cid, "redirect_uri": REDIRECT,
                                "redirect_uris": [REDIRECT]})()
        params = Flow(h, client).params
        r = post(h, "par", params, cert=h.pki.one)
        assert r.status_code == 201, r.text
        tokens.register(r.json()["request_uri"])
        assert_invalid_client(h, post(h, "par", params), "OA2-01500")
        assert_invalid_client(h, post(h, "par", params, cert=h.pki.two),
                              "OA2-01503")

    def test_introspection_shows_the_binding(self, h):
        cid = add_tls_client(h, "tls_client_auth",
                             {"tls_client_auth_subject_dn": ONE_DN})
        at = bound_token(token(h, cid, h.pki.one), h.pki.one[0])
        r = post(h, "introspect", {"token": at, "client_id": cid},
                 cert=h.pki.one)
        assert r.status_code == 200, r.text
        assert r.json()["active"] is True
        assert r.json()["cnf"] == {"x5t#S256": x5t(h.pki.one[0])}
        # and revocation takes the same client authentication
        r = post(h, "revoke", {"token": at, "client_id": cid},
                 cert=h.pki.one)
        assert r.status_code == 200, r.text
        assert api(h, at, h.pki.one).status_code == 401

    def test_curl(self, h):
        """curl as the client: --cert/--key at the token endpoint and at
        the protected location."""
        cid = add_tls_client(h, "tls_client_auth",
                             {"tls_client_auth_subject_dn": ONE_DN})
        crt, key = h.pki.one
        base = ["curl", "-sS", "--cacert", str(h.pki.server_ca),
                "--cert", crt, "--key", key]
        out = subprocess.run(
            base + ["-d", "grant_type=client_credentials",
                    "-d", "client_id=" + cid, "-d", "scope=read",
                    h.base_url + ep(h, "token")],
            capture_output=True, text=True, timeout=20, check=True).stdout
        body = json.loads(out)
        tokens.register(body["access_token"])
        bound_token(type("R", (), {"status_code": 200,
                                   "json": lambda self: body,
                                   "text": out})(), crt)
        out = subprocess.run(
            base + ["-H", "Authorization: Bearer " + body["access_token"],
                    h.base_url + "/api/data.txt"],
            capture_output=True, text=True, timeout=20, check=True).stdout
        assert out == "api data\n"
        # without its certificate curl's request is refused
        r = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
             "--cacert", str(h.pki.server_ca),
             "-H", "Authorization: Bearer " + body["access_token"],
             h.base_url + "/api/data.txt"],
            capture_output=True, text=True, timeout=20, check=True).stdout
        assert r == "401"
        assert "OA2-01510" in h.new_log()


class TestSelfSigned:
    def test_registered_key(self, h):
        """Dynamic registration of a self-signed client: jwks with the
        certificate's key, no secret issued; the vhost with
        optional_no_ca lets its certificate through."""
        r = h.session.post(h.url(ep(h, "register")), timeout=10, json={
            "client_name": "self-signed",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "self_signed_tls_client_auth",
            "jwks": h.pki.jwks()})
        assert r.status_code == 201, r.text
        reg = r.json()
        assert "client_secret" not in reg, reg
        assert reg["token_endpoint_auth_method"] == \
            "self_signed_tls_client_auth"
        assert reg["jwks"] == h.pki.jwks(), reg
        cid = reg["client_id"]
        at = bound_token(token(h, cid, h.pki.self, base=h.base_b),
                         h.pki.self[0])
        assert api(h, at, h.pki.self, base=h.base_b).status_code == 200
        assert_refused_at_rs(h, api(h, at, h.pki.self_other, base=h.base_b),
                             "OA2-01512")
        # a self-signed certificate of another key
        assert_invalid_client(
            h, token(h, cid, h.pki.self_other, base=h.base_b), "OA2-01507")
        # a CA-issued certificate of another key
        assert_invalid_client(h, token(h, cid, h.pki.one), "OA2-01507")

    def test_admin_jwks_file(self, h):
        f = h.write_file("client.json", json.dumps({"jwks": h.pki.jwks()}))
        out = admin(h, "client", "add", "self from file", "--auth-method",
                    "self_signed_tls_client_auth", "--grant",
                    "client_credentials", "--metadata", "@%s" % f).stdout
        cid = out.split("client_id:")[1].split()[0]
        assert "client_secret" not in out
        shown = admin(h, "client", "show", cid).stdout
        assert "auth_method: self_signed_tls_client_auth" in shown
        assert '"kty":"EC"' in shown
        bound_token(token(h, cid, h.pki.self, base=h.base_b), h.pki.self[0])
        r = admin(h, "client", "rotate-secret", cid, check=False)
        assert r.returncode != 0 and "no secret" in r.stderr, r.stderr


class TestBoundTokensOfSecretClients:
    def test_secret_client_binds_its_certificate(self, h):
        """RFC 8705 §3.4 tls_client_certificate_bound_access_tokens: a
        client_secret_basic client's tokens bound to whatever certificate
        it shows (any verify state)."""
        r = h.session.post(h.url(ep(h, "register")), timeout=10, json={
            "grant_types": ["client_credentials"],
            "tls_client_certificate_bound_access_tokens": True})
        assert r.status_code == 201, r.text
        reg = r.json()
        tokens.register(reg["client_secret"])
        auth = (reg["client_id"], reg["client_secret"])
        r = post(h, "token", {"grant_type": "client_credentials",
                              "scope": "read"},
                 cert=h.pki.self, base=h.base_b, auth=auth)
        at = bound_token(r, h.pki.self[0])
        assert api(h, at, h.pki.self, base=h.base_b).status_code == 200
        r = post(h, "token", {"grant_type": "client_credentials"}, auth=auth)
        assert r.status_code == 400 and \
            r.json()["error"] == "invalid_request", r.text
        assert "OA2-01509" in h.new_log()


class TestRegistrationRefusals:
    @pytest.mark.parametrize("body,log_id", [
        ({"token_endpoint_auth_method": "tls_client_auth"}, "OA2-01544"),
        ({"token_endpoint_auth_method": "tls_client_auth",
          "tls_client_auth_subject_dn": ONE_DN,
          "tls_client_auth_san_dns": "svc.example.com"}, "OA2-01544"),
        ({"tls_client_auth_subject_dn": ONE_DN}, "OA2-01545"),
        ({"token_endpoint_auth_method": "self_signed_tls_client_auth"},
         "OA2-01546"),
        ({"token_endpoint_auth_method": "self_signed_tls_client_auth",
          "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "AA",
                             "y": "AA", "d": "AA"}]}}, "OA2-01601"),
        ({"token_endpoint_auth_method": "tls_client_auth",
          "tls_client_auth_subject_dn": "not a DN"}, "OA2-01531"),
        ({"token_endpoint_auth_method": "tls_client_auth",
          "tls_client_auth_san_ip": "localhost"}, "OA2-01542"),
    ])
    def test_inconsistent_metadata(self, h, body, log_id):
        body = dict(body, grant_types=["client_credentials"])
        r = h.session.post(h.url(ep(h, "register")), json=body, timeout=10)
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_client_metadata", r.text
        assert log_id in h.new_log(), h.new_log()[-1500:]

    def test_admin_refuses_too(self, h):
        r = admin(h, "client", "add", "x", "--auth-method", "tls_client_auth",
                  "--grant", "client_credentials", check=False)
        assert r.returncode != 0 and "exactly one" in r.stderr, r.stderr
        r = admin(h, "client", "add", "x", "--grant", "client_credentials",
                  "--metadata", '{"client_secret":"x"}', check=False)
        assert r.returncode != 0 and "client_secret" in r.stderr, r.stderr


class TestPlainHttp:
    """Without TLS the methods are not offered."""

    def test_not_advertised_without_tls(self, httpd_factory, keys):
        h = httpd_factory("as-plain",
                          modules=AS_MODULES + ("ssl", "socache_shmcb"))
        h.allowed_always.append(MOD_SSL_NOISE)
        h.start(as_config(h, keys) + "SSLSessionCache shmcb:%s/ssl(51200)\n"
                % h.run_dir)
        m = h.get("/.well-known/oauth-authorization-server").json()
        assert "tls_client_auth" not in \
            m["token_endpoint_auth_methods_supported"], m
        assert "tls_client_certificate_bound_access_tokens" not in m
