# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OAuth2VerifyJWKSURL, OAuth2VerifyMetadataURL and OAuth2FetchCAFile
against a remote issuer that attacks the resource server: hostile.py
serves its JWK set and metadata, sends endless or trickling bodies,
redirects to the cloud metadata address, names another issuer (or one
OAuth2VerifyIssuer overrides); and the rules of the fetch room
(oa2_fetch.c): addresses that are never connected to, TLS trust, and the
directives refused at start.

Each failure must answer 503 with a log line that says why, leave
nothing cached, and be over once the server behaves and OA2_REMOTE_RETRY
has passed. The failures of all cases are made first and their
recoveries after, so that the retry interval is waited for once."""

import json
import math
import re
import socket
import threading
import time

import pytest
import requests

from checks import assert_invalid_token, assert_log_names, assert_ok
from httpd import HttpdError, rs_location
from tokens import claims, mint

# No store is involved: run once, in the SQLite run (CI time).
pytestmark = pytest.mark.sqlite_only("the resource server alone, no store")

API = "https://api.example"
REALM = "rs.test"
# oa2_access_token.c: the token is from another issuer
ISSUER_REFUSED = "OA2-00051"
JWKS_ISS = "https://remote.example"
KID = "remote-ec"
# oa2_remote.h
RETRY = 5
# oa2_fetch.h: 5 s in all, and the time a request takes around it
TOTAL = 5.0
SLOW_BOUND = TOTAL + 1.5
FAST_BOUND = 2.0
CLOUD = "http://169.254.169.254/latest/meta-data/"


def jwks(keys):
    return {"keys": [keys["ec3"].jwk(kid=KID)]}


def token(keys, iss):
    return mint(keys["ec3"], claims(iss, API), kid=KID)


def location(path, source, issuer=None):
    return rs_location(path, source, "OAuth2Audience %s" % API,
                       *(["OAuth2VerifyIssuer %s" % issuer] if issuer
                         else []))


# ---- the cases: what the remote issuer does wrong, and what it is told ----
#
# CASES[name] = (kind, the error line expected (regex), bound on the
# request's time in seconds, harm(case, keys) that sets the server up).
# kind "jwks": OAuth2VerifyJWKSURL hs/<name>/jwks;
# kind "md": OAuth2VerifyMetadataURL
#     hs/.well-known/oauth-authorization-server/<name> (issuer hs/<name>),
#     whose jwks_uri is hs/<name>/jwks.

class Case:
    def __init__(self, hs, name, kind):
        self.hs = hs
        self.name = name
        self.kind = kind
        self.path = "/c/" + name
        self.jwks_path = "/%s/jwks" % name
        self.md_path = "/.well-known/oauth-authorization-server/" + name
        self.issuer = (hs.url("/" + name) if kind == "md" else JWKS_ISS)

    def directive(self):
        if self.kind == "md":
            return "OAuth2VerifyMetadataURL " + self.hs.url(self.md_path)
        return "OAuth2VerifyJWKSURL " + self.hs.url(self.jwks_path)

    def metadata(self, **over):
        doc = {"issuer": self.issuer,
               "jwks_uri": self.hs.url(self.jwks_path)}
        doc.update(over)
        return doc

    def serve_good(self, keys):
        self.hs.json(self.jwks_path, jwks(keys))
        if self.kind == "md":
            self.hs.json(self.md_path, self.metadata())


def harm_huge(chunked):
    return lambda c, keys: c.hs.huge(c.jwks_path, chunked=chunked)


def harm_slow(where):
    # one byte a second: 5 s bring 5 bytes of a document that never ends
    return lambda c, keys: c.hs.slow(c.jwks_path, where=where, interval=1.0,
                                     duration=TOTAL + 3,
                                     doc=b'{"keys":[' + b" " * 64 + b"]}")


def harm_redirect_cloud(c, keys):
    c.hs.redirect(c.jwks_path, CLOUD)


def harm_redirect_here(c, keys):
    # to a good set on the same server: followed, it would be a 200
    c.hs.json(c.jwks_path + "/moved", jwks(keys))
    c.hs.redirect(c.jwks_path, c.hs.url(c.jwks_path + "/moved"))


def harm_header_flood(c, keys):
    # headers without end, fast (CVE-2023-38039: libcurl kept them all)
    def serve(h):
        h.close_connection = True
        line = b"X-Flood: " + b"f" * 1000 + b"\r\n"
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(200000):  # 200 MB at most
                if h.stopping():
                    break
                h.wfile.write(line)
        except OSError:
            pass  # the client gave up, as it should
    c.hs.handler(c.jwks_path, serve)


def harm_no_usable_key(c, keys):
    c.hs.json(c.jwks_path, {"keys": [
        {"kty": "oct", "k": "c2VjcmV0LXNlY3JldA", "kid": KID},
        dict(keys["ec3"].jwk(kid=KID), use="enc"),
        keys["ec384"].jwk(kid=KID)]})


def harm_status(c, keys):
    c.hs.status(c.jwks_path, 500, b"oops")


def harm_hangup(c, keys):
    c.hs.hangup(c.jwks_path)


def harm_md_issuer(c, keys):
    c.hs.json(c.jwks_path, jwks(keys))
    c.hs.json(c.md_path, c.metadata(issuer="https://evil.example"))


def harm_md_http_jwks_uri(c, keys):
    c.hs.json(c.jwks_path, jwks(keys))
    c.hs.json(c.md_path, c.metadata(jwks_uri="http://idp.example/jwks"))


def harm_md_jwks_redirect(c, keys):
    # good metadata; its jwks_uri redirects to the cloud metadata service
    c.hs.json(c.md_path, c.metadata())
    c.hs.redirect(c.jwks_path, CLOUD)


CASES = {
    "huge_chunked": ("jwks", r"OA2-00933: .*too large", FAST_BOUND,
                     harm_huge(True)),
    "huge_length": ("jwks", r"OA2-00933: .*too large", FAST_BOUND,
                    harm_huge(False)),
    "slow_body": ("jwks", r"OA2-00934: .*did not answer in time",
                  SLOW_BOUND, harm_slow("body")),
    "slow_headers": ("jwks", r"OA2-00934: .*did not answer in time",
                     SLOW_BOUND, harm_slow("headers")),
    "header_flood": ("jwks", r"OA2-0093[36]: ", FAST_BOUND,
                     harm_header_flood),
    "redirect_cloud": ("jwks", r"OA2-00938: .*redirect.*answered 302",
                       FAST_BOUND, harm_redirect_cloud),
    "redirect_here": ("jwks", r"OA2-00938: .*redirect", FAST_BOUND,
                      harm_redirect_here),
    "no_usable_key": ("jwks", r"OA2-00012: .*no usable signature key",
                      FAST_BOUND, harm_no_usable_key),
    "status_500": ("jwks", r"OA2-00946: .*answered 500", FAST_BOUND,
                   harm_status),
    "hangup": ("jwks", r"OA2-00936: .*cannot be reached", FAST_BOUND,
               harm_hangup),
    "md_issuer_differs": ("md", r"OA2-00941: .*another issuer", FAST_BOUND,
                          harm_md_issuer),
    "md_http_jwks_uri": ("md", r"OA2-00943: .*jwks_uri "
                         r"http://idp\.example/jwks", FAST_BOUND,
                         harm_md_http_jwks_uri),
    "md_jwks_redirect": ("md", r"OA2-00938: .*redirect", FAST_BOUND,
                         harm_md_jwks_redirect),
}

# the cases where the metadata document itself is refused
MD_DOC_CASES = ("md_issuer_differs", "md_http_jwks_uri")

# Addresses the rules forbid for an admin's URL, given literally: refused
# in libcurl's open-socket callback, before any connect().
FORBIDDEN = {
    "link_local": ("https://169.254.169.254/jwks", "169.254.169.254"),
    "mapped_link_local": ("https://[::ffff:169.254.169.254]/jwks",
                          "::ffff:169.254.169.254"),
    "nat64_link_local": ("https://[64:ff9b::a9fe:a9fe]/jwks",
                         "64:ff9b::a9fe:a9fe"),
    "ipv6_link_local": ("https://[fe80::1]/jwks", "fe80::1"),
    "multicast": ("https://224.0.0.1/jwks", "224.0.0.1"),
}


class TestHostileIssuer:
    """One httpd (with the shared token cache, so that a good document is
    shared between its children) and one hostile server for every case."""

    failed_at = {}  # case -> time.time() its failing request was over

    @pytest.fixture(scope="class")
    def hs(self, hostile_factory):
        return hostile_factory()

    @pytest.fixture(scope="class")
    def cases(self, hs):
        return {n: Case(hs, n, CASES[n][0]) for n in CASES}

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, hs, cases, keys):
        h = httpd_factory("fetch-attacks", dbd=False,
                          modules=["socache_shmcb"])
        conf = "".join(location(c.path, c.directive(),
                                None if c.kind == "md" else c.issuer)
                       for c in cases.values())
        conf += location("/c/herd", "OAuth2VerifyJWKSURL "
                         + hs.url("/herd/jwks"), JWKS_ISS)
        conf += "".join(location("/f/" + n, "OAuth2VerifyJWKSURL " + url,
                                 JWKS_ISS)
                        for n, (url, _) in FORBIDDEN.items())
        h.start(conf)
        type(self).failed_at = {}
        return h

    def fail(self, h, c, keys):
        """Make case c fail once, as the attack wants; returns the time
        the request took and its error line."""
        kind, log, bound, harm = CASES[c.name]
        harm(c, keys)
        before = c.hs.hits(c.jwks_path), c.hs.hits(c.md_path)
        t0 = time.monotonic()
        r = h.get(c.path + "/data.txt", token=token(keys, c.issuer))
        took = time.monotonic() - t0
        self.failed_at[c.name] = time.time()
        assert r.status_code == 503, (r.status_code, r.text[:200])
        assert "WWW-Authenticate" not in r.headers
        assert took < bound, "answered in %.1f s" % took
        new = h.new_log()
        line = [ln for ln in new.splitlines() if "OA2-00" in ln
                and "[oauth2:error]" in ln]
        assert line, new
        assert re.search(log, line[-1]), line
        # the line says which directive and URL could not be had
        directive = c.directive().split()[0]
        path = c.md_path if c.name in MD_DOC_CASES else c.jwks_path
        assert "%s %s: no " % (directive, c.hs.url(path)) in line[-1], line
        # and why, once
        why = line[-1].split(" could be had: ", 1)[1]
        assert why.count(why.split(": ")[0]) == 1, line
        # one request: nothing retried, nothing followed
        after = c.hs.hits(c.jwks_path), c.hs.hits(c.md_path)
        i = 1 if c.name in MD_DOC_CASES else 0
        assert after[i] - before[i] == 1, (before, after)
        return took, line[-1]

    @pytest.mark.parametrize("name", list(CASES))
    def test_fails(self, h, hs, cases, keys, name):
        h.allow_log(CASES[name][1].split(":")[0] + ":")
        took, line = self.fail(h, cases[name], keys)
        if name.startswith("slow"):
            # held for the total timeout, not less, not much more
            assert took >= TOTAL - 0.5, took
        if name.startswith("redirect"):
            c = cases[name]
            assert hs.hits(c.jwks_path + "/moved") == 0
            assert [r.path for r in hs.requests
                    if r.path.startswith("/%s/" % name)] == [c.jwks_path]
        if name == "md_issuer_differs":
            # names both: what the document says, what its URL implies
            assert "https://evil.example" in line, line
            assert cases[name].issuer + " was expected" in line, line
        if name == "md_jwks_redirect":
            assert "OAuth2VerifyMetadataURL" in line, line

    @pytest.mark.parametrize("name", list(CASES))
    def test_recovers(self, h, hs, cases, keys, name):
        """Once the server behaves, the next request after the retry
        interval succeeds: the failure left nothing behind."""
        c = cases[name]
        if name not in self.failed_at:
            h.allow_log(CASES[name][1].split(":")[0] + ":")
            self.fail(h, c, keys)
            h.allow_log(r"OA2-00948:")
        c.serve_good(keys)
        # the end of the failed fetch, in whole seconds, plus RETRY
        due = math.floor(self.failed_at[name]) + RETRY + 0.05
        time.sleep(max(0.0, due - time.time()))
        r = h.get(c.path + "/data.txt", token=token(keys, c.issuer))
        assert r.status_code == 200, (r.status_code, h.new_log()[-2000:])
        assert r.text == "api data\n"

    def test_slow_issuer_many_requests(self, h, hs, keys):
        """Requests that arrive while the first fetch trickles wait for
        it, and are not each another fetch: a slow issuer costs one fetch
        per child, and the requests are answered within the timeout."""
        hs.slow("/herd/jwks", interval=1.0, duration=TOTAL + 3,
                doc=b'{"keys":[' + b" " * 64 + b"]}")
        h.allow_log(r"OA2-00934:", r"OA2-00948:")
        t = token(keys, JWKS_ISS)
        statuses = []

        def one():
            statuses.append(h.get("/c/herd/data.txt", token=t,
                                  timeout=15).status_code)
        t0 = time.monotonic()
        threads = [threading.Thread(target=one) for _ in range(12)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
        took = time.monotonic() - t0
        assert statuses == [503] * 12, statuses
        assert took < SLOW_BOUND + 1, took
        assert 1 <= hs.hits("/herd/jwks") <= 4  # ServerLimit, not 12
        log = h.new_log()
        assert log.count("OA2-00934:") == hs.hits("/herd/jwks"), log
        # the others say why, without a fetch of their own
        assert log.count("OA2-00948:") == 12 - hs.hits("/herd/jwks"), log

    @pytest.mark.parametrize("name", list(FORBIDDEN))
    def test_forbidden_address_never_connected(self, h, keys, name):
        url, addr = FORBIDDEN[name]
        h.allow_log(r"OA2-00932:")
        t0 = time.monotonic()
        r = h.get("/f/%s/data.txt" % name, token=token(keys, JWKS_ISS))
        took = time.monotonic() - t0
        assert r.status_code == 503
        assert took < 1.0, took
        log = h.new_log()
        assert "OA2-00932: OAuth2VerifyJWKSURL %s: no keys could be had" \
               % url in log, log
        assert "%s resolved to %s" % (url, addr) in log, log


class TestRetryAfterSlowFailure:
    """OA2_REMOTE_RETRY counts from the end of a failed fetch: a fetch
    that took the whole timeout is not made again at once. (One child,
    so that both requests meet the same state.)"""

    @pytest.fixture(scope="class")
    def hs(self, hostile_factory):
        hs = hostile_factory()
        hs.slow("/jwks", interval=1.0, duration=TOTAL + 3,
                doc=b'{"keys":[' + b" " * 64 + b"]}")
        return hs

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, hs):
        h = httpd_factory("fetch-retry", dbd=False)
        return h.start("StartServers 1\nServerLimit 1\nMaxRequestWorkers 8\n"
                       "MinSpareThreads 1\nMaxSpareThreads 16\n"
                       + location("/slow", "OAuth2VerifyJWKSURL "
                                  + hs.url("/jwks"), JWKS_ISS))

    def test_no_second_fetch_right_after_a_timeout(self, h, hs, keys):
        h.allow_log(r"OA2-00934:", r"OA2-00948:")
        t = token(keys, JWKS_ISS)
        assert h.get("/slow/data.txt", token=t).status_code == 503
        assert hs.hits("/jwks") == 1
        t0 = time.monotonic()
        r = h.get("/slow/data.txt", token=t)
        took = time.monotonic() - t0
        assert r.status_code == 503
        assert hs.hits("/jwks") == 1, "fetched again right after the timeout"
        assert took < 1.0, took
        assert "OA2-00948:" in h.new_log()


class TestTrust:
    """A remote issuer on https with a CA of its own: trusted only through
    OAuth2FetchCAFile; and an address it serves on that the rules forbid
    is not connected to even when everything else would work."""

    @pytest.fixture(scope="class")
    def hs(self, hostile_factory, keys):
        hs = hostile_factory(tls=True,
                             names=("127.0.0.1", "localhost", "0.0.0.0"))
        hs.json("/jwks", jwks(keys))
        return hs

    def conf(self, hs):
        body = (location("/ok", "OAuth2VerifyJWKSURL " + hs.url("/jwks"),
                         JWKS_ISS)
                + location("/zero", "OAuth2VerifyJWKSURL https://0.0.0.0:%d"
                           "/jwks" % hs.port, JWKS_ISS))
        return body

    @pytest.fixture(scope="class")
    def untrusted(self, httpd_factory, hs):
        h = httpd_factory("fetch-noca", dbd=False)
        return h.start(self.conf(hs))

    @pytest.fixture(scope="class")
    def trusted(self, httpd_factory, hs):
        h = httpd_factory("fetch-ca", dbd=False)
        return h.start("OAuth2FetchCAFile %s\n" % hs.ca_path
                       + self.conf(hs))

    def test_untrusted_ca_refused(self, untrusted, hs, keys):
        untrusted.allow_log(r"OA2-00935:")
        r = untrusted.get("/ok/data.txt", token=token(keys, JWKS_ISS))
        assert r.status_code == 503
        log = untrusted.new_log()
        assert "OA2-00935: OAuth2VerifyJWKSURL %s: no keys could be had: " \
               "the server's TLS certificate is not trusted" \
               % hs.url("/jwks") in log, log
        assert "OAuth2FetchCAFile" in log, log
        assert hs.hits("/jwks") == 0  # no request over an untrusted link

    def test_trusted_with_ca_file(self, trusted, hs, keys):
        r = trusted.get("/ok/data.txt", token=token(keys, JWKS_ISS))
        assert r.status_code == 200, trusted.new_log()[-2000:]
        assert r.text == "api data\n"
        assert hs.hits("/jwks") == 1
        # the keys are kept: a second token needs no fetch
        r = trusted.get("/ok/data.txt", token=token(keys, JWKS_ISS))
        assert r.status_code == 200
        assert hs.hits("/jwks") <= 2  # at most once per child

    def test_unspecified_address_never_connected(self, trusted, hs, keys):
        # 0.0.0.0 reaches this machine's listeners (on Linux), and the
        # certificate names it: only the address rules stand in the way
        before = len(hs.requests)
        with socket.create_connection(("0.0.0.0", hs.port), timeout=2):
            pass
        with requests.Session() as s:
            s.trust_env = False
            r = s.get("https://0.0.0.0:%d/jwks" % hs.port, timeout=5,
                      verify=str(hs.ca_path))
            assert r.status_code == 200
        assert len(hs.requests) == before + 1
        before += 1
        trusted.allow_log(r"OA2-00932:")
        r = trusted.get("/zero/data.txt", token=token(keys, JWKS_ISS))
        assert r.status_code == 503
        assert "https://0.0.0.0:%d/jwks resolved to 0.0.0.0" % hs.port \
            in trusted.new_log()
        assert len(hs.requests) == before


class TestIssuerOverride:
    """OAuth2VerifyIssuer beside OAuth2VerifyMetadataURL: the keys still
    come from the document's jwks_uri, but the iss demanded is the
    configured one, not the document's issuer (which the same document
    at a location without the override still gives)."""

    @pytest.fixture(scope="class")
    def c(self, hostile_factory, keys):
        c = Case(hostile_factory(), "override", "md")
        c.serve_good(keys)
        assert c.issuer != JWKS_ISS
        return c

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, c):
        h = httpd_factory("fetch-issuer-override", dbd=False)
        return h.start(location("/md", c.directive())
                       + location("/md-iss", c.directive(), JWKS_ISS))

    def test_document_issuer_without_override(self, h, c, keys):
        assert_ok(h.get("/md/data.txt", token=token(keys, c.issuer)),
                  "api data\n")
        assert_invalid_token(h.get("/md/data.txt",
                                   token=token(keys, JWKS_ISS)), REALM)
        assert_log_names(h.new_log(), "OA2-00101", ISSUER_REFUSED, count=1)

    def test_configured_issuer_overrides(self, h, c, keys):
        assert_invalid_token(h.get("/md-iss/data.txt",
                                   token=token(keys, c.issuer)), REALM)
        assert_ok(h.get("/md-iss/data.txt", token=token(keys, JWKS_ISS)),
                  "api data\n")
        # the keys came through the document all the same
        assert c.hs.hits(c.md_path) >= 1
        assert c.hs.hits(c.jwks_path) >= 1
        assert_log_names(h.new_log(), "OA2-00101", ISSUER_REFUSED, count=1)


class TestRefusedAtStart:
    """Directives that would fetch what the rules forbid stop httpd with a
    message that names the directive and what is wrong."""

    @pytest.mark.parametrize("body,message", [
        ("OAuth2VerifyJWKSURL http://example.com/jwks",
         "OAuth2VerifyJWKSURL http://example.com/jwks is http: only https "
         "is allowed here"),
        ("OAuth2VerifyMetadataURL http://10.0.0.1/.well-known/"
         "openid-configuration",
         "OAuth2VerifyMetadataURL http://10.0.0.1/.well-known/"
         "openid-configuration is http"),
        ("OAuth2VerifyJWKSURL https://user:pw@idp.example/jwks",
         "OAuth2VerifyJWKSURL https://user:pw@idp.example/jwks has a user "
         "name, password or fragment"),
        ("OAuth2VerifyJWKSURL https://idp.example/jwks#frag",
         "has a user name, password or fragment"),
        ("OAuth2VerifyJWKSURL ftp://idp.example/jwks",
         "OAuth2VerifyJWKSURL ftp://idp.example/jwks is not an https URL"),
        ("OAuth2VerifyJWKSURL /jwks", "is not an absolute URL with a host"),
        ("OAuth2VerifyJWKSURL https://idp.example/" + "a" * 2100,
         "is longer than 2048 characters"),
        ("OAuth2VerifyJWKSURL https://idp.example/jwks\n"
         "OAuth2VerifyMetadataURL https://idp.example/.well-known/"
         "openid-configuration",
         "OAuth2VerifyMetadataURL: this section already has a key source"),
        ("OAuth2VerifyMetadataURL https://idp.example/.well-known/"
         "openid-configuration\n"
         "OAuth2VerifyJWKSURL https://idp.example/jwks",
         "OAuth2VerifyJWKSURL: this section already has a key source"),
        ("OAuth2VerifyJWKSURL https://idp.example/jwks\n"
         "OAuth2VerifyJWKSURL https://idp.example/jwks2",
         "OAuth2VerifyJWKSURL: this section already has a key source"),
        ("OAuth2VerifyJWKSFile {jwks}\n"
         "OAuth2VerifyJWKSURL https://idp.example/jwks",
         "OAuth2VerifyJWKSURL: this section already has a key source"),
        ("OAuth2VerifyJWKSURL https://idp.example/jwks\n"
         "OAuth2VerifyJWKSFile {jwks}",
         "OAuth2VerifyJWKSFile: this section already has a key source"),
    ], ids=["http-public", "http-private", "userinfo", "fragment", "ftp",
            "relative", "too-long", "jwks-then-metadata",
            "metadata-then-jwks", "jwks-twice", "file-then-url",
            "url-then-file"])
    def test_location_refused(self, httpd_factory, keys, body, message):
        h = httpd_factory("fetch-conf", dbd=False)
        jwks_file = h.write_file("jwks.json", json.dumps(jwks(keys)))
        conf = ("<Location /api>\n    AuthType OAuth2\n    %s\n"
                "    OAuth2VerifyIssuer %s\n    OAuth2Audience %s\n"
                "    Require valid-user\n</Location>\n"
                % (body.replace("\n", "\n    ").replace("{jwks}",
                                                       str(jwks_file)),
                   JWKS_ISS, API))
        with pytest.raises(HttpdError) as e:
            h.start(conf)
        assert message in str(e.value), str(e.value)[-1500:]

    @pytest.mark.parametrize("what", ["missing", "directory"])
    def test_ca_file_refused(self, httpd_factory, what):
        h = httpd_factory("fetch-ca-conf", dbd=False)
        path = h.dir / "no-such-ca.pem" if what == "missing" else h.dir
        with pytest.raises(HttpdError) as e:
            h.start("OAuth2FetchCAFile %s\n" % path
                    + location("/api", "OAuth2VerifyJWKSURL "
                               "https://idp.example/jwks", JWKS_ISS))
        assert "OAuth2FetchCAFile %s: no such file" % path in str(e.value), \
            str(e.value)[-1500:]
