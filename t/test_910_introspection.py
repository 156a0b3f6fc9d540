# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OAuth2Introspection and OAuth2IntrospectionCacheTTL: a resource server
that asks another issuer about its opaque tokens by RFC 7662 (the real
node-oidc-provider of foreign.py), beside a key source only about those
that are no JWT of its keys, remembers active verdicts in the token
cache under the location's policy, and answers 503 (never 200) when the
endpoint cannot be asked or answers something that is no RFC 7662
response (hostile.py)."""

import base64
import json
import math
import secrets
import time
import urllib.parse

import pytest

import tokens
from checks import (assert_forbidden, assert_insufficient_scope,
                    assert_invalid_token, assert_log_names, assert_no_token,
                    assert_ok)
from foreign import APP, OPAQUE_RESOURCE, RESOURCE, RS, Client
from httpd import rs_location

# no store: the resource server needs no database
pytestmark = pytest.mark.sqlite_only("no store: introspection needs none")

REALM = "rs.test"
OTHER_AUD = "https://other.example"
# a second introspecting client at the issuer, configured with a wrong
# secret at one location
RS2 = Client("rs2", "rs2-secret-0123456789")
WRONG_SECRET = "rs2-not-the-secret-987"
# a client of the issuer that is neither APP nor an introspector
OTHER = Client("other", "other-secret-0123456789")

# log ids of oa2_remote_introspection.c: refused tokens (logged at info
# in OA2-00101's line), answers that are no answer (503, at error)
NOT_ACTIVE = "OA2-00950"
OTHER_ISSUER = "OA2-00954"
OTHER_AUDIENCE = "OA2-00955"
REFUSED = "OA2-00956"
NOT_RFC7662 = "OA2-00957"


def location(path, url, client_id, secret_file, lines=(),
             require="Require valid-user"):
    """An introspection-only location at path (Alias to htdocs/api unless
    path is a CGI directory)."""
    return rs_location(path, "OAuth2Introspection %s %s %s"
                       % (url, client_id, secret_file), *lines,
                       require=require)


def asked(f):
    """How often the foreign issuer's introspection endpoint was asked."""
    return f.count("/token/introspection")


def assert_secrets_not_logged(h, *secret_values):
    """None of secret_values is anywhere in h's error log."""
    log = h.error_log()
    for i, s in enumerate(secret_values):
        assert s not in log, "secret #%d was logged" % i


class TestIntrospection:
    """A foreign issuer's opaque tokens at introspection-only locations,
    with the token cache (shmcb) on, at LogLevel debug (oauth2 trace8)."""

    @pytest.fixture(scope="class")
    def f(self, foreign_factory):
        return foreign_factory(clients=[APP, RS, RS2, OTHER],
                               introspectors=(RS.client_id, RS2.client_id))

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, f):
        h = httpd_factory("introspection", dbd=False,
                          modules=("socache_shmcb",),
                          loglevel="debug oauth2:trace8")
        rs = h.write_file("rs.secret", RS.client_secret + "\n")
        rs2 = h.write_file("rs2.secret", RS2.client_secret + "\n")
        wrong = h.write_file("rs2-wrong.secret", WRONG_SECRET + "\n")
        url = f.introspection_endpoint

        def loc(path, lines=(), require="Require valid-user", client="rs",
                secret=rs):
            return location(path, url, client, secret, lines, require)

        ttl0 = "OAuth2IntrospectionCacheTTL 0"
        locations = [
            loc("/cgi/", [ttl0]),
            loc("/ccgi/"),
            loc("/plain", [ttl0]),
            loc("/cached"),
            loc("/ttl1", ["OAuth2IntrospectionCacheTTL 1"]),
            loc("/write", [ttl0], "Require oauth2-scope write"),
            loc("/client", [ttl0], "Require oauth2-client app"),
            loc("/claim", [ttl0],
                "Require oauth2-claim aud %s" % OPAQUE_RESOURCE),
            loc("/aud", ["OAuth2Audience %s" % OPAQUE_RESOURCE]),
            loc("/aud-other", ["OAuth2Audience %s" % OTHER_AUD]),
            loc("/iss", [ttl0, "OAuth2VerifyIssuer %s" % f.issuer]),
            loc("/iss-wrong", [ttl0,
                               "OAuth2VerifyIssuer https://wrong.example"]),
            loc("/rs2", client="rs2", secret=rs2),
            loc("/rs2-wrong", client="rs2", secret=wrong),
        ]
        h.start("ScriptAlias /cgi/ {cgi}/\nScriptAlias /ccgi/ {cgi}/\n"
                .format(cgi=h.cgi_bin) + "".join(locations))
        return h

    @pytest.fixture(autouse=True)
    def _no_secret_in_log(self, h):
        yield
        basic = base64.b64encode(b"rs:" + RS.client_secret.encode()).decode()
        assert_secrets_not_logged(h, RS.client_secret, RS2.client_secret,
                                  WRONG_SECRET, basic)

    def opaque(self, f, scope="read", client=APP, resource=OPAQUE_RESOURCE):
        return f.token(client, resource, scope)

    def test_opaque_token_accepted(self, h, f):
        t = self.opaque(f)
        before = asked(f)
        r = h.get("/cgi/env.py", token=t)
        assert_ok(r)
        assert asked(f) == before + 1
        env = r.json()
        # client_credentials: the answer has no sub, the client is the user
        assert env["REMOTE_USER"] == "app"
        assert env["AUTH_TYPE"] == "OAuth2"
        assert env["OAUTH2_SUB"] == "app"
        assert env["OAUTH2_CLIENT_ID"] == "app"
        assert env["OAUTH2_SCOPE"] == "read"
        c = json.loads(env["OAUTH2_CLAIMS"])
        assert c == f.introspect(t), c
        assert c["active"] is True and "sub" not in c
        assert c["iss"] == f.issuer and c["aud"] == OPAQUE_RESOURCE
        assert_log_names(h.new_log(), "OA2-00104", "sub=app",
                         "client_id=app", "by introspection")
        assert_ok(h.get("/plain/data.txt", token=t), "api data\n")

    def test_cache_hit_gives_the_same_identity(self, h, f):
        t = self.opaque(f, scope="read write")
        before = asked(f)
        first = h.get("/ccgi/env.py", token=t)
        assert_ok(first)
        again = h.get("/ccgi/env.py", token=t)
        assert_ok(again)
        assert asked(f) == before + 1
        assert again.json() == first.json()
        assert again.json()["OAUTH2_SUB"] == "app"
        assert again.json()["OAUTH2_SCOPE"] == "read write"

    def test_token_without_resource(self, h, f):
        # no resource: the answer has no aud, which is then not checked
        t = self.opaque(f, scope="read write", resource=None)
        assert "aud" not in f.introspect(t)
        r = h.get("/cgi/env.py", token=t)
        assert_ok(r)
        assert r.json()["OAUTH2_SCOPE"] == "read write"
        assert_ok(h.get("/aud-other/data.txt", token=t))

    @staticmethod
    def altered(t):
        """t with its last character changed (always: t may end in x)."""
        return t[:-1] + ("y" if t[-1] == "x" else "x")

    @pytest.mark.parametrize("kind", ["random", "dotted", "forgotten"])
    def test_unknown_token(self, h, f, kind):
        t = {"random": lambda: secrets.token_urlsafe(32),
             "dotted": lambda: "a.b.c",
             "forgotten": lambda: self.altered(self.opaque(f))}[kind]()
        tokens.register(t)
        before = asked(f)
        assert_invalid_token(h.get("/plain/data.txt", token=t), REALM)
        assert asked(f) == before + 1
        assert_log_names(h.new_log(), "OA2-00101", NOT_ACTIVE)
        # never cached: an inactive verdict is asked again
        assert_invalid_token(h.get("/cached/data.txt", token=t), REALM)
        assert_invalid_token(h.get("/cached/data.txt", token=t), REALM)
        assert asked(f) == before + 3

    def test_no_token(self, h, f):
        before = asked(f)
        assert_no_token(h.get("/plain/data.txt"), REALM)
        assert asked(f) == before

    @pytest.mark.log_allow(r"AH01631")
    def test_scope(self, h, f):
        r = h.get("/write/data.txt", token=self.opaque(f, scope="read"))
        assert_insufficient_scope(r, REALM, scope="write")
        assert_ok(h.get("/write/data.txt",
                        token=self.opaque(f, scope="read write")))

    @pytest.mark.log_allow(r"AH01631")
    def test_client_and_claim(self, h, f):
        assert_ok(h.get("/client/data.txt", token=self.opaque(f)))
        other = self.opaque(f, client=OTHER)
        assert_forbidden(h.get("/client/data.txt", token=other), REALM)
        assert_ok(h.get("/claim/data.txt", token=self.opaque(f)))
        assert_forbidden(h.get("/claim/data.txt",
                               token=self.opaque(f, resource=None)), REALM)

    def test_audience(self, h, f):
        t = self.opaque(f)
        assert_ok(h.get("/aud/data.txt", token=t))
        assert_invalid_token(h.get("/aud-other/data.txt", token=t), REALM)
        assert_log_names(h.new_log(), "OA2-00101", OTHER_AUDIENCE)

    def test_issuer(self, h, f):
        t = self.opaque(f)
        assert_ok(h.get("/iss/data.txt", token=t))
        assert_invalid_token(h.get("/iss-wrong/data.txt", token=t), REALM)
        assert_log_names(h.new_log(), "OA2-00101", OTHER_ISSUER)

    def test_cached_verdict_spares_the_issuer(self, h, f):
        t = self.opaque(f)
        before = asked(f)
        for _ in range(4):
            assert_ok(h.get("/cached/data.txt", token=t))
        assert asked(f) == before + 1
        # OAuth2IntrospectionCacheTTL 0: every request asks
        for _ in range(3):
            assert_ok(h.get("/plain/data.txt", token=t))
        assert asked(f) == before + 4

    def test_revoked_with_ttl_0_refused_at_once(self, h, f):
        t = self.opaque(f)
        assert_ok(h.get("/plain/data.txt", token=t))
        assert f.revoke(t).status_code == 200
        assert_invalid_token(h.get("/plain/data.txt", token=t), REALM)
        assert_log_names(h.new_log(), "OA2-00101", NOT_ACTIVE)

    def test_revoked_with_ttl_1_refused_after_it(self, h, f):
        t = self.opaque(f)
        assert_ok(h.get("/cached/data.txt", token=t))
        before = asked(f)
        # the verdict /cached keeps for 60 s is not one /ttl1 may use
        assert_ok(h.get("/ttl1/data.txt", token=t))
        cached = time.time()  # kept until the second it was asked in + 1
        assert asked(f) == before + 1
        assert f.revoke(t).status_code == 200
        # the cache may still answer for up to a second
        assert h.get("/ttl1/data.txt", token=t).status_code in (200, 401)
        time.sleep(max(0.0, math.floor(cached) + 1 + 0.05 - time.time()))
        assert_invalid_token(h.get("/ttl1/data.txt", token=t), REALM)
        # OAuth2IntrospectionCacheTTL bounds how late a revocation takes
        # effect: up to 60 s at /cached
        assert_ok(h.get("/cached/data.txt", token=t))

    @pytest.mark.log_allow(REFUSED)
    def test_verdict_is_bound_to_the_location(self, h, f):
        t = self.opaque(f)
        assert_ok(h.get("/cached/data.txt", token=t))
        assert_ok(h.get("/cached/data.txt", token=t))  # a cache hit
        before = asked(f)
        # another client asks for itself, with a wrong secret: the issuer
        # answers it 401, the request gets 503
        r = h.get("/rs2-wrong/data.txt", token=t)
        assert r.status_code == 503, (r.status_code, r.headers)
        assert asked(f) == before + 1
        assert_log_names(h.new_log(), REFUSED, f.introspection_endpoint,
                         "answered 401", "client id and secret")
        assert_ok(h.get("/rs2/data.txt", token=t))
        # another audience demanded: asked, and refused
        assert_invalid_token(h.get("/aud-other/data.txt", token=t), REALM)
        assert asked(f) == before + 3
        # and back at /cached the verdict still stands
        assert_ok(h.get("/cached/data.txt", token=t))
        assert asked(f) == before + 3

    def test_jwt_of_the_issuer(self, h, f):
        # node-oidc-provider answers 400 unsupported_token_type for its JWTs
        # and for anything with a JOSE header (RFC 7662 2.2 wants
        # active:false): the issuer will not vouch for the token, so 401
        # invalid_token, not 503: no outage, nothing to retry, no error line
        jwt_token = f.token(APP, RESOURCE, "read")
        assert f.introspect(jwt_token)["status"] == 400
        forged = tokens.register(
            tokens.b64u_json({"alg": "ES256", "kid": "x"}) + ".e30.AAAA")
        for t in (jwt_token, forged):
            before = asked(f)
            assert_invalid_token(h.get("/plain/data.txt", token=t), REALM)
            assert asked(f) == before + 1
            assert_log_names(h.new_log(), "OA2-00101", "OA2-01100")

    @pytest.mark.log_allow(r"OA2-00936")
    def test_issuer_down(self, h, f):
        # the last test of the class: it stops and restarts the issuer
        cached, uncached = self.opaque(f), self.opaque(f)
        assert_ok(h.get("/cached/data.txt", token=cached))
        f.stop()
        try:
            assert_ok(h.get("/cached/data.txt", token=cached))
            for path, t in (("/cached", uncached), ("/plain", cached)):
                r = h.get(path + "/data.txt", token=t)
                assert r.status_code == 503, (path, r.status_code, r.headers)
            assert_log_names(h.new_log(), "OA2-00936", "OAuth2Introspection",
                             f.introspection_endpoint)
        finally:
            f.restart()
        assert_ok(h.get("/plain/data.txt", token=self.opaque(f)))
        # the issuer forgot its opaque tokens; the cache had not
        assert_invalid_token(h.get("/plain/data.txt", token=uncached), REALM)
        assert_ok(h.get("/cached/data.txt", token=cached))


class TestWithKeySource:
    """OAuth2Introspection beside a key source (the issuer's JWKS URL):
    a JWT of its keys is judged by them alone, the endpoint is never
    asked about it (not even when its claims fail); an opaque token is
    the endpoint's to judge."""

    @pytest.fixture(scope="class")
    def f(self, foreign_factory):
        return foreign_factory("both")

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, f):
        h = httpd_factory("introspection-keys", dbd=False,
                          modules=("socache_shmcb",))
        rs = h.write_file("rs.secret", RS.client_secret + "\n")

        def loc(path, audience):
            return location(path, f.introspection_endpoint, "rs", rs, [
                "OAuth2VerifyJWKSURL %s" % f.jwks_uri,
                "OAuth2VerifyIssuer %s" % f.issuer,
                "OAuth2Audience %s" % audience,
                # every opaque token asks: the counts say who judged
                "OAuth2IntrospectionCacheTTL 0"])
        return h.start(loc("/both", RESOURCE) + loc("/both-aud", OTHER_AUD))

    def test_jwt_verified_by_the_keys(self, h, f):
        t = f.token(APP, RESOURCE, "read")
        assert f.introspect(t)["status"] == 400  # the issuer would not say
        before = asked(f)
        for _ in range(2):
            assert_ok(h.get("/both/data.txt", token=t), "api data\n")
        assert asked(f) == before
        assert f.count("/jwks") >= 1
        kid = f.config["keys"][0]["kid"]
        lines = assert_log_names(h.new_log(), "OA2-00104", "sub=app",
                                 "kid=%s" % kid)
        assert not any("by introspection" in ln for ln in lines), lines

    def test_jwt_of_another_audience_refused_unasked(self, h, f):
        t = f.token(APP, RESOURCE, "read")
        before = asked(f)
        assert_invalid_token(h.get("/both-aud/data.txt", token=t), REALM)
        assert asked(f) == before

    def test_opaque_token_introspected(self, h, f):
        # no resource: an opaque token whose answer has no aud
        t = f.token(APP, None, "read")
        assert f.introspect(t)["active"] is True
        before = asked(f)
        for _ in range(2):
            assert_ok(h.get("/both/data.txt", token=t), "api data\n")
        assert asked(f) == before + 2
        assert_log_names(h.new_log(), "OA2-00104", "sub=app",
                         "by introspection", count=2)


# an RFC 7662 answer hostile.py serves once the endpoint is fixed
def good_answer():
    return {"active": True, "client_id": "app", "scope": "read",
            "exp": int(time.time()) + 300}


class TestMisbehavingEndpoint:
    """The introspection endpoint is hostile.py: bad answers are 503s with
    a log line, bounded in time, and are never cached."""

    CLIENT_ID = "rs:1"
    SECRET = "a:b+c/d"
    ISS = "https://as.example"
    AUD = "https://rs.example"

    @pytest.fixture(scope="class")
    def srv(self, hostile_factory):
        return hostile_factory()

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, srv):
        h = httpd_factory("introspection-hostile", dbd=False,
                          modules=("socache_shmcb",),
                          loglevel="debug oauth2:trace8")
        # the first line only
        secret = h.write_file("secret", self.SECRET + "\r\nnot this\n")
        conf = location("/h", srv.url("/introspect"), self.CLIENT_ID,
                        secret) + location(
            "/policy", srv.url("/introspect"), self.CLIENT_ID, secret,
            ["OAuth2VerifyIssuer %s" % self.ISS,
             "OAuth2Audience %s" % self.AUD])
        h.start(conf)
        return h

    @pytest.fixture(autouse=True)
    def _no_secret_in_log(self, h):
        yield
        assert_secrets_not_logged(h, self.SECRET, self.basic_pair(),
                                  base64.b64encode(b"rs:1:a:b+c/d").decode())

    def basic_pair(self):
        """base64 of urlencode(id) ":" urlencode(secret) (RFC 6749
        2.3.1)."""
        q = lambda s: urllib.parse.quote(s, safe="")  # noqa: E731
        return base64.b64encode(("%s:%s" % (q(self.CLIENT_ID),
                                            q(self.SECRET))).encode()).decode()

    def test_request_sent(self, h, srv):
        srv.json("/introspect", good_answer())
        # b64token characters a form must escape
        t = tokens.register(secrets.token_urlsafe(24) + "+/~.-_==")
        srv.reset()
        assert_ok(h.get("/h/data.txt", token=t))
        [req] = srv.requests
        assert req.method == "POST"
        assert req.headers["Authorization"] == "Basic " + self.basic_pair()
        assert req.headers["Content-Type"] == \
            "application/x-www-form-urlencoded"
        form = urllib.parse.parse_qs(req.body.decode(), strict_parsing=True)
        assert form == {"token": [t], "token_type_hint": ["access_token"]}

    # how to serve it, the log id, what the log line says
    BAD = {
        "html": (lambda s, p: s.body(p, b"<html>Welcome</html>",
                                     "text/html"),
                 NOT_RFC7662, "it is not JSON"),
        "no-active": (lambda s, p: s.json(p, {"client_id": "app"}),
                      NOT_RFC7662, 'it has no "active"'),
        "active-string": (lambda s, p: s.json(p, dict(good_answer(),
                                                      active="true")),
                          NOT_RFC7662, '"active" is not true or false'),
        "array": (lambda s, p: s.json(p, [good_answer()]),
                  NOT_RFC7662, "it is not a JSON object"),
        "status-500": (lambda s, p: s.json(p, good_answer(), status=500),
                       REFUSED, "it answered 500"),
        "status-400": (lambda s, p: s.json(p, {"error": "invalid_request"},
                                           status=400),
                       REFUSED, "it answered 400"),
        "huge": (lambda s, p: s.huge(p, chunked=False),
                 "OA2-00933", "too large"),
        "huge-chunked": (lambda s, p: s.huge(p), "OA2-00933", "too large"),
        "redirect": (lambda s, p: s.redirect(
            p, "http://169.254.169.254/latest/meta-data/"),
            "OA2-00938", "redirect"),
        "slow-body": (lambda s, p: s.slow(
            p, doc=json.dumps(good_answer()).encode()),
            "OA2-00934", "did not answer in time"),
        "hangup": (lambda s, p: s.hangup(p), "OA2-00936", "cannot be reached"),
    }

    @pytest.mark.parametrize("kind", list(BAD))
    def test_not_an_answer(self, h, srv, kind):
        serve, log_id, says = self.BAD[kind]
        h.allow_log(log_id)
        serve(srv, "/introspect")
        t = tokens.register(secrets.token_urlsafe(32))
        srv.reset()
        start = time.monotonic()
        r = h.get("/h/data.txt", token=t, timeout=15)
        took = time.monotonic() - start
        assert r.status_code == 503, (r.status_code, r.headers, r.text[:200])
        assert "WWW-Authenticate" not in r.headers
        assert took < 6, took
        assert_log_names(h.new_log(), log_id, "OAuth2Introspection",
                         srv.url("/introspect"), says)
        assert srv.hits("/introspect") == 1
        # nothing was cached: fixed, the endpoint is asked again
        srv.json("/introspect", good_answer())
        assert_ok(h.get("/h/data.txt", token=t))
        assert srv.hits("/introspect") == 2
        assert_ok(h.get("/h/data.txt", token=t))
        assert srv.hits("/introspect") == 2

    @pytest.mark.parametrize("kind,log_id", [
        ("inactive", NOT_ACTIVE), ("refresh-token", "OA2-00951"),
        ("expired", "OA2-00952"), ("not-yet", "OA2-00953"),
        ("exp-huge", "OA2-01101"), ("exp-past-int64", "OA2-01101"),
        ("no-name", "OA2-00958"), ("bad-scope", "OA2-00958"),
        ("sub-newline", "OA2-00958"), ("unsupported-token-type", "OA2-01100")])
    def test_refused_answers(self, h, srv, kind, log_id):
        now = int(time.time())
        answer = {
            "inactive": {"active": False},
            "refresh-token": dict(good_answer(), token_type="refresh_token"),
            "expired": dict(good_answer(), exp=now - 120),
            "not-yet": dict(good_answer(), nbf=now + 120),
            # beyond 9999 (as for a JWT) and beyond any 64-bit integer
            "exp-huge": dict(good_answer(), exp=1e300),
            "exp-past-int64": dict(good_answer(), exp=1e19),
            "no-name": {"active": True, "scope": "read"},
            "bad-scope": dict(good_answer(), scope=["read"]),
            "sub-newline": dict(good_answer(), sub="carol\nOA2-00104: x"),
            "unsupported-token-type": None,
        }[kind]
        if kind == "unsupported-token-type":
            # what node-oidc-provider answers for its JWTs
            srv.json("/introspect", {"error": "unsupported_token_type"},
                     status=400)
        else:
            srv.json("/introspect", answer)
        t = tokens.register(secrets.token_urlsafe(32))
        srv.reset()
        for _ in range(2):
            assert_invalid_token(h.get("/h/data.txt", token=t), REALM)
        # never cached
        assert srv.hits("/introspect") == 2
        assert_log_names(h.new_log(), "OA2-00101", log_id)


    def test_verdict_kept_no_longer_than_exp(self, h, srv):
        # expired 30 s ago: still within the 60 s leeway, so accepted, but
        # not kept beyond its exp
        srv.json("/introspect", dict(good_answer(),
                                     exp=int(time.time()) - 30))
        t = tokens.register(secrets.token_urlsafe(32))
        srv.reset()
        assert_ok(h.get("/h/data.txt", token=t))
        assert_ok(h.get("/h/data.txt", token=t))
        assert srv.hits("/introspect") == 2
        # a later exp is kept (up to the TTL)
        srv.json("/introspect", good_answer())
        t = tokens.register(secrets.token_urlsafe(32))
        assert_ok(h.get("/h/data.txt", token=t))
        assert_ok(h.get("/h/data.txt", token=t))
        assert srv.hits("/introspect") == 3

    @pytest.mark.parametrize("kind,members,log_id", [
        ("iss-aud-right", {"iss": ISS, "aud": AUD}, None),
        ("neither", {}, None),
        ("aud-in-array", {"aud": ["https://x.example", AUD]}, None),
        ("iss-wrong", {"iss": "https://evil.example"}, OTHER_ISSUER),
        ("iss-number", {"iss": 1}, OTHER_ISSUER),
        ("iss-array", {"iss": [ISS]}, OTHER_ISSUER),
        ("iss-null", {"iss": None}, OTHER_ISSUER),
        ("aud-wrong", {"aud": "https://x.example"}, OTHER_AUDIENCE),
        ("aud-number", {"aud": 5}, OTHER_AUDIENCE),
        ("aud-object", {"aud": {"x": AUD}}, OTHER_AUDIENCE)])
    def test_issuer_and_audience(self, h, srv, kind, members, log_id):
        # checked when the answer has them, whatever their JSON type
        srv.json("/introspect", dict(good_answer(), **members))
        t = tokens.register(secrets.token_urlsafe(32))
        r = h.get("/policy/data.txt", token=t)
        if log_id is None:
            assert_ok(r)
        else:
            assert_invalid_token(r, REALM)
            assert_log_names(h.new_log(), "OA2-00101", log_id)


class TestConfig:
    """Mistakes in the directives stop httpd with a message that says
    which."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        h = httpd_factory("introspection-config", dbd=False)
        h.write_file("secret", "s3cret\n")
        h.write_file("empty", "")
        h.write_file("blank-line", "\nsecond\n")
        return h

    def conf(self, h, *lines):
        return """
<Location /api>
    AuthType OAuth2
    %s
    Require valid-user
</Location>
""" % "\n    ".join(lines)

    URL = "https://as.example/introspect"

    def test_good_config_starts(self, h):
        # a secret file relative to the ServerRoot
        rc, out = h.config_test(self.conf(
            h, "OAuth2Introspection %s rs secret" % self.URL,
            "OAuth2IntrospectionCacheTTL 0"))
        assert rc == 0, out

    @pytest.mark.parametrize("kind", [
        "missing-file", "directory", "empty-file", "blank-first-line",
        "http-not-loopback", "twice", "ttl-negative", "ttl-word",
        "ttl-too-long", "ttl-twice", "two-args"])
    def test_refused(self, h, kind):
        intro = "OAuth2Introspection %s rs %s"
        lines, needles = {
            "missing-file": ([intro % (self.URL, h.path("nope"))],
                             ["cannot read the secret file", "nope"]),
            "directory": ([intro % (self.URL, h.dir)],
                          ["cannot read the secret file"]),
            "empty-file": ([intro % (self.URL, h.path("empty"))],
                           ["is empty"]),
            "blank-first-line": ([intro % (self.URL, h.path("blank-line"))],
                                 ["is empty"]),
            "http-not-loopback": (
                [intro % ("http://as.example/introspect", h.path("secret"))],
                ["http://as.example/introspect", "only https"]),
            "twice": ([intro % (self.URL, h.path("secret"))] * 2,
                      ["OAuth2Introspection is duplicate"]),
            "ttl-negative": ([intro % (self.URL, h.path("secret")),
                              "OAuth2IntrospectionCacheTTL -1"],
                             ["OAuth2IntrospectionCacheTTL must be"]),
            "ttl-word": ([intro % (self.URL, h.path("secret")),
                          "OAuth2IntrospectionCacheTTL soon"],
                         ["OAuth2IntrospectionCacheTTL must be"]),
            "ttl-too-long": ([intro % (self.URL, h.path("secret")),
                              "OAuth2IntrospectionCacheTTL 86400"],
                             ["OAuth2IntrospectionCacheTTL must be"]),
            "ttl-twice": ([intro % (self.URL, h.path("secret")),
                           "OAuth2IntrospectionCacheTTL 5",
                           "OAuth2IntrospectionCacheTTL 6"],
                          ["OAuth2IntrospectionCacheTTL is duplicate"]),
            "two-args": (["OAuth2Introspection %s rs" % self.URL],
                         ["OAuth2Introspection"]),
        }[kind]
        rc, out = h.config_test(self.conf(h, *lines))
        assert rc != 0, out
        assert "Syntax error" in out, out
        for n in needles:
            assert n in out, (n, out)
