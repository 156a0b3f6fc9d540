# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Metrics and audit lines (issue 16; SPEC.md "Operations").

`SetHandler oauth2-metrics` serves a virtual host's counters in the
Prometheus text format 0.0.4: two name-based virtual hosts with their own
issuers (as in test_610_tenants) each see only their own numbers, summed
over all httpd children (the counters live in shared memory); every
request here goes on a fresh connection, so several children answer, and
each number moves by exactly what the test did. The output is parsed with
Debian's python3-prometheus-client.

The audit lines (one per grant issued or revoked, at notice) are asserted
in the error log with their ids, under LogLevel warn, httpd's default: a
notice is written whatever the LogLevel. They never carry a token, code
or secret (the harness checks every token it saw against the log, too).
"""

import os
import pty
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from authserver import (AS_MODULES, DB_DOWN_LOG, TEMPLATES, Flow,
                        add_client, admin, assert_token_error, assert_token_ok,
                        client_credentials, refresh, revoke, token_request,
                        write_htpasswd)
from test_610_tenants import DENIAL, Tenant, vhost_config

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CLOSE = {"Connection": "close"}
FAMILIES = {
    "oauth2_tokens_issued": "counter",
    "oauth2_errors": "counter",
    "oauth2_bearer_checks": "counter",
    "oauth2_token_cache_lookups": "counter",
    "oauth2_database_errors": "counter",
    "oauth2_database_query_duration_seconds": "histogram",
}


# The tenants of test_610, with a metrics location; a connection per
# request, so that a database taken away shows at once.
METRICS = """
    DBDPersist Off
    <Location /metrics>
        SetHandler oauth2-metrics
        Require ip 127.0.0.1
    </Location>"""


@pytest.fixture(scope="class")
def hosts(httpd_factory, keys):
    # LogLevel warn: httpd's default, under which the audit must show;
    # shmcb: the validated-token cache
    h = httpd_factory("metrics", modules=AS_MODULES + ("socache_shmcb",),
                      dbd="vhost", loglevel="warn")
    a = Tenant(h, "a", keys["ec1"])
    b = Tenant(h, "b", keys["ec2"])
    htpasswd = write_htpasswd(h)
    body = 'OAuth2TemplateDir "%s"\n' % TEMPLATES
    for t in (a, b):
        t.db_dir.mkdir()
        os.chmod(t.db_dir, 0o777)
        h.write_file("htdocs-%s/api/data.txt" % t.name, "data\n")
        body += vhost_config(t, htpasswd, METRICS)
    h.start(body)
    return h, a, b


def scrape(t):
    """{(sample name, frozen labels): value} of t's metrics, on a fresh
    connection; checks the answer's type and the HELP/TYPE of each
    family."""
    r = t.get("/metrics", headers=CLOSE)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"] == CONTENT_TYPE
    assert r.headers.get("Cache-Control") == "no-store"
    out = {}
    seen = {}
    for fam in text_string_to_metric_families(r.text):
        seen[fam.name] = fam.type
        assert fam.documentation, fam.name
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    for name, typ in FAMILIES.items():
        assert seen.get(name) == typ, (name, seen)
    return out


def value(m, name, **labels):
    return m.get((name, frozenset(labels.items())), 0.0)


def delta(before, after):
    """The samples that moved, with how much."""
    keys = set(before) | set(after)
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys
            if after.get(k, 0) != before.get(k, 0)}


def moved(before, after, skip_db=True):
    """delta() without the database histogram (its numbers depend on the
    statements a request takes)."""
    return {k: v for k, v in delta(before, after).items()
            if not (skip_db and k[0].startswith(
                "oauth2_database_query_duration_seconds"))}


ISSUED = "oauth2_tokens_issued_total"
BEARER = "oauth2_bearer_checks_total"
ERRORS = "oauth2_errors_total"
CACHE = "oauth2_token_cache_lookups_total"
DB = "oauth2_database_query_duration_seconds"


def key(name, **labels):
    return (name, frozenset(labels.items()))


class TestMetrics:

    def test_format_methods_and_access(self, hosts):
        h, a, _ = hosts
        m = scrape(a)
        # every fixed label value is there from the start
        for g in ("authorization_code", "refresh_token",
                  "client_credentials",
                  "urn:ietf:params:oauth:grant-type:device_code", "other"):
            assert key(ISSUED, grant_type=g) in m, g
        for res in ("ok", "missing", "malformed", "invalid_token",
                    "expired", "revoked", "dpop", "insufficient_scope",
                    "unavailable"):
            assert key(BEARER, result=res) in m, res
        assert value(m, "oauth2_database_errors_total") == 0
        # HEAD: the headers, no body
        r = a.session.head(a.url("/metrics"), headers=CLOSE, timeout=10)
        assert r.status_code == 200 and not r.content
        assert r.headers["Content-Type"] == CONTENT_TYPE
        for method in ("POST", "PUT", "DELETE"):
            r = a.session.request(method, a.url("/metrics"), headers=CLOSE,
                                  timeout=10)
            assert r.status_code == 405, (method, r.status_code)
            assert "GET" in r.headers.get("Allow", ""), r.headers

    def test_tokens_summed_over_children(self, hosts):
        h, a, b = hosts
        c = add_client(a, scope="read write")
        before_a, before_b = scrape(a), scrape(b)
        offset = h.access_log_size()
        n = 24
        for _ in range(n):
            assert_token_ok(token_request(
                a, c, {"grant_type": "client_credentials", "scope": "read"},
                headers=CLOSE))
        pids = set(h.access_pids(offset))
        assert len(pids) >= 2, "one child answered them all: %s" % pids
        # any child's scrape shows the sum of all of them
        for _ in range(4):
            after_a = scrape(a)
            assert moved(before_a, after_a) == {
                key(ISSUED, grant_type="client_credentials"): n}
        after_b = scrape(b)
        assert moved(before_b, after_b) == {}, "B saw A's tokens"

    def test_bearer_checks_and_cache(self, hosts):
        h, a, b = hosts
        h.allow_log(DENIAL)
        c = add_client(a, scope="read write")
        read = assert_token_ok(client_credentials(a, c, scope="read"))
        write = assert_token_ok(client_credentials(a, c, scope="write"))
        gone = assert_token_ok(client_credentials(a, c, scope="read"))
        assert revoke(a, c, gone["access_token"]).status_code == 200
        before_a, before_b = scrape(a), scrape(b)
        for _ in range(3):
            assert a.get("/api/data.txt", token=read["access_token"],
                         headers=CLOSE).status_code == 200
        assert a.get("/api/data.txt", headers=CLOSE).status_code == 401
        assert a.get("/api/data.txt", token="not-a-jwt",
                     headers=CLOSE).status_code == 401
        assert a.get("/api/data.txt", token=write["access_token"],
                     headers=CLOSE).status_code == 403
        assert a.get("/api/data.txt", token=gone["access_token"],
                     headers=CLOSE).status_code == 401
        # A's token at B: not B's
        assert b.get("/api/data.txt", token=read["access_token"],
                     headers=CLOSE).status_code == 401
        after_a, after_b = scrape(a), scrape(b)
        d = moved(before_a, after_a)
        # ok: the three reads and the write token (valid, then refused by
        # Require oauth2-scope); the revoked one is counted as revoked
        assert d.pop(key(BEARER, result="ok")) == 4, d
        assert d.pop(key(BEARER, result="missing")) == 1, d
        assert d.pop(key(BEARER, result="invalid_token")) == 1, d
        assert d.pop(key(BEARER, result="insufficient_scope")) == 1, d
        assert d.pop(key(BEARER, result="revoked")) == 1, d
        hits = d.pop(key(CACHE, result="hit"), 0)
        misses = d.pop(key(CACHE, result="miss"), 0)
        # one lookup per token presented: 3 reads, the write, the revoked
        # one and the garbage (its key is a hash of what was sent)
        assert hits + misses == 6 and misses >= 3 and hits >= 1, \
            (hits, misses)
        assert d == {}, d
        d = moved(before_b, after_b)
        assert d.pop(key(BEARER, result="invalid_token")) == 1, d
        # B looked for it in the (server-wide) cache under its own key
        d.pop(key(CACHE, result="miss"), None)
        assert d == {}, d

    def test_errors_by_endpoint_and_code(self, hosts):
        h, a, b = hosts
        c = add_client(a, scope="read")
        before_a, before_b = scrape(a), scrape(b)
        assert_token_error(token_request(a, c, {"grant_type": "password"},
                                         headers=CLOSE), "unsupported_grant_type")
        for _ in range(2):
            r = token_request(a, c, {"grant_type": "refresh_token",
                                     "refresh_token": "no-such-token"},
                              headers=CLOSE)
            assert_token_error(r, "invalid_grant")
        r = a.session.get(a.url("/oauth2/token"), headers=CLOSE, timeout=10)
        assert r.status_code == 405
        d = moved(before_a, scrape(a))
        assert d == {
            key(ERRORS, endpoint="token", error="unsupported_grant_type"): 1,
            key(ERRORS, endpoint="token", error="invalid_grant"): 2,
            key(ERRORS, endpoint="token", error="invalid_request"): 1,
        }, d
        assert moved(before_b, scrape(b)) == {}

    def test_database_latency(self, hosts):
        h, a, b = hosts
        c = add_client(a, scope="read")
        before, before_b = scrape(a), scrape(b)
        f = Flow(a, c, scope="read")
        assert_token_ok(f.token(f.code()))
        after = scrape(a)
        count = value(after, DB + "_count") - value(before, DB + "_count")
        assert count >= 3, count  # code, consent, redemption statements
        assert value(after, DB + "_sum") > value(before, DB + "_sum")
        buckets = sorted(((float(dict(k[1])["le"]), v)
                          for k, v in after.items()
                          if k[0] == DB + "_bucket"))
        assert buckets[-1] == (float("inf"), value(after, DB + "_count"))
        assert all(x[1] <= y[1] for x, y in zip(buckets, buckets[1:]))
        assert value(after, "oauth2_database_errors_total") == 0
        # B's database did nothing
        assert delta(before_b, scrape(b)) == {}


    def test_database_errors(self, hosts):
        h, a, b = hosts
        c = add_client(a, scope="read")
        before_a, before_b = scrape(a), scrape(b)
        h.allow_log(*DB_DOWN_LOG)
        a.store.refuse_connections()
        try:
            for _ in range(3):
                r = token_request(a, c, {"grant_type": "refresh_token",
                                         "refresh_token": "no-such-token"},
                                  headers=CLOSE)
                assert r.status_code == 503, (r.status_code, r.text[:200])
        finally:
            a.store.accept_connections()
        d = moved(before_a, scrape(a))
        assert d.pop(key(ERRORS, endpoint="token",
                         error="temporarily_unavailable")) == 3, d
        # each request, and perhaps the purge after its response
        assert d.pop(key("oauth2_database_errors_total")) >= 3, d
        assert d == {}, d
        assert moved(before_b, scrape(b)) == {}, "B saw A's errors"


AUDIT = re.compile(r"\[oauth2:notice\] .*(OA2-018\d\d): audit: ([^:]+): (.*)")


def audits(text):
    return [m.groups() for m in map(AUDIT.search, text.splitlines()) if m]


class TestAudit:

    def test_code_refresh_reuse_revoke_admin(self, hosts):
        h, a, b = hosts
        c = add_client(a, scope="read write")
        f = Flow(a, c, scope="read")
        code = f.code()
        body = assert_token_ok(f.token(code))
        rotated = assert_token_ok(refresh(a, c, body["refresh_token"]))
        # reuse of the rotated token revokes the family
        assert_token_error(refresh(a, c, body["refresh_token"]), "invalid_grant")
        # a new grant, revoked at /revoke (refresh) and by the admin
        f2 = Flow(a, c, scope="read")
        body2 = assert_token_ok(f2.token(f2.code()))
        assert revoke(a, c, body2["refresh_token"]).status_code == 200
        assert revoke(a, c, body2["access_token"]).status_code == 200
        cc = assert_token_ok(client_credentials(a, c, scope="write"))
        # its audit line goes to syslog (and to a terminal:
        # test_admin_revoke_line_on_a_terminal); stderr is for errors only
        p = admin(a, "grant", "revoke", "alice", c.client_id)
        assert p.stdout.strip() == "1" and p.stderr == "", p
        lines = audits(h.new_log())
        cid = 'client_id="%s"' % c.client_id
        want = [
            ("OA2-01811", "consent given, code issued"),
            ("OA2-01810", "token issued"),   # authorization_code
            ("OA2-01810", "token issued"),   # refresh_token, rotated
            ("OA2-01813", "grant revoked on reuse"),
            ("OA2-01815", "code issued on remembered consent"),
            ("OA2-01810", "token issued"),
            ("OA2-01812", "refresh token family revoked"),
            ("OA2-01812", "access token revoked"),
            ("OA2-01810", "token issued"),   # client_credentials
        ]
        assert [(i, w) for i, w, _ in lines] == want, lines
        for i, w, fields in lines:
            assert cid in fields, fields
        assert 'grant_type="authorization_code" sub="alice"' in lines[1][2]
        assert 'scope="read"' in lines[1][2] and \
            'refresh_token="issued"' in lines[1][2]
        assert 'grant_type="refresh_token"' in lines[2][2] and \
            'refresh_token="rotated"' in lines[2][2]
        assert 'reason="refresh token reused" sub="alice"' in lines[3][2]
        assert re.search(r'family="[0-9a-f]{8}"', lines[3][2])
        assert re.search(r'family="[0-9a-f]{8}"', lines[6][2])
        assert re.search(r'sub="alice" .*jti="[^"]+"', lines[7][2])
        assert 'grant_type="client_credentials" sub="%s"' % c.client_id \
            in lines[8][2]
        # the jti is the access token's, never the token
        text = h.new_log()
        for secret in (code, body["access_token"], body["refresh_token"],
                       rotated["access_token"], rotated["refresh_token"],
                       body2["access_token"], body2["refresh_token"],
                       cc["access_token"], c.client_secret):
            assert secret not in text
        # B's log has no line of A's: nothing was audited for B
        assert "tenant-b" not in "".join(x[2] for x in lines)

    def test_admin_revoke_line_on_a_terminal(self, hosts):
        """oauth2-admin's audit line goes to syslog (authpriv.notice; no
        syslog daemon runs here) and, when stderr is a terminal, there too,
        as an admin at a shell sees it."""
        h, a, b = hosts
        c = add_client(a, scope="read")
        f = Flow(a, c, scope="read")
        body = assert_token_ok(f.token(f.code()))
        term, child_end = pty.openpty()
        try:
            p = admin(a, "grant", "revoke", "alice", c.client_id,
                      stderr=child_end)
        finally:
            os.close(child_end)
        shown = b""
        while True:
            try:
                chunk = os.read(term, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            shown += chunk
        os.close(term)
        assert p.stdout.strip() == "1", p
        line = [x for x in shown.decode().splitlines() if "OA2-01814" in x]
        assert len(line) == 1, shown
        assert re.search(r'OA2-01814: audit: grant revoked by oauth2-admin: '
                         r'sub="alice" client_id="%s" grants="1"'
                         % re.escape(c.client_id), line[0]), line[0]
        for secret in (body["access_token"], body["refresh_token"],
                       c.client_secret):
            assert secret not in shown.decode()
        assert refresh(a, c, body["refresh_token"]).status_code == 400
