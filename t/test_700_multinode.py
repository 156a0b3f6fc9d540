# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Several httpd nodes acting as one authorization server (SPEC.md: "PostgreSQL
... let several httpd nodes share one state").

Each node is a real httpd of its own (own ServerRoot, port, children and
token cache) with the same OAuth2Issuer, the same signing key and the same
PostgreSQL store, as behind a load balancer.  The issuer is the front name
the balancer answers to (ISSUER, https), which no node serves itself: the
tests talk to the nodes directly, so every request lands exactly where the
test says, and nothing can pass because a node happens to be "the issuer".

State that lives only in the database (codes, refresh token families,
consents, CSRF nonces, revocations, clients) must be seen by every node at
once; what lives in a node (its token cache) must not make a revocation
made elsewhere late, except by what OAuth2RevocationCacheTTL allows.

A shared database is what this is about: the nodes use the session's
database server of the driver under test (OA2_TEST_DRIVER), and on the
default sqlite3 run, which has none, the session's PostgreSQL cluster
(pg_cluster; the file is skipped there without PostgreSQL).  So it runs in
both `make -f apxs.mk integration` and `integration-pgsql`: a cluster
starts in about a second and the file takes some 15 s more, and the
default run, the one most often made, covers the multi-node contract too.
"""

import threading
import time
import urllib.parse

import pytest
import requests

import stores
import tokens
from authserver import (ALICE, AS_MODULES, Client, ConsentPage, Flow,
                        add_client, as_config, assert_token_error,
                        assert_token_ok, client_credentials, ep,
                        introspect, parallel_post, refresh, revoke,
                        sole_winner, token_request, verify_access_token)
from checks import assert_invalid_token, assert_ok

# the front name of the cluster: the issuer of every node, served by none
ISSUER = "https://as.example.test"
REALM = "rs.test"
NODE_MODULES = AS_MODULES + ("socache_shmcb",)

# resource-server locations every node has besides as_config's /api
# (Require oauth2-scope read, OAuth2CheckRevocation on)
NODE_EXTRA = """
# room for the parallel tests' share of 100 requests (34) in every node at
# once, so they race in the database, not in the listen queue (and httpd
# does not log AH00484 at error level)
ServerLimit 8
MaxRequestWorkers 64

ScriptAlias /env/ {cgi}/
<Location /env/>
    AuthType OAuth2
    Require oauth2-scope read
    OAuth2CheckRevocation on
</Location>

# signature and claims only: a revoked token still passes here
Alias /jwt-only {htdocs}/api
<Location /jwt-only>
    AuthType OAuth2
    Require valid-user
</Location>
"""


# the driver of the store the nodes share
SHARED_DRIVER = "pgsql" if stores.DRIVER == "sqlite3" else stores.DRIVER


@pytest.fixture(scope="module")
def shared_db(request):
    """The database server whose stores the nodes share."""
    if stores.DRIVER == "sqlite3":
        return request.getfixturevalue("pg_cluster")
    return stores.cluster()


def start_node(httpd_factory, keys, name, store, extra=""):
    """One node of the cluster: the AS of as_config (open registration)
    with the cluster's issuer, key and store, and a token cache."""
    h = httpd_factory(name, modules=NODE_MODULES, store=store)
    # the admin CLI and the token helpers use h.issuer as well
    h.issuer = ISSUER
    h.start(as_config(h, keys, registration="open",
                      extra=NODE_EXTRA.format(cgi=h.cgi_bin,
                                              htdocs=h.htdocs) + extra))
    return h


# ---- log helpers --------------------------------------------------------

def count(h, text):
    """Lines of h's error log since the test started that contain text."""
    return sum(1 for line in h.new_log().splitlines() if text in line)


ISSUED = "OA2-00421: token issued (grant_type %s"


def issued(h, grant):
    return count(h, ISSUED % grant)


def settle(nodes, quiet=0.3, limit=5.0):
    """Wait until no node's error log has grown for quiet seconds."""
    deadline = time.monotonic() + limit
    sizes = None
    while time.monotonic() < deadline:
        now = [n._log_size() for n in nodes]
        if now == sizes:
            return
        sizes = now
        time.sleep(quiet)


def redeem(node, flow, code):
    """The token request of flow's code, sent to node."""
    return token_request(node, flow.client, {
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": flow.redirect_uri, "code_verifier": flow.verifier})


def env_at(node, token):
    """What the CGI behind node's protected /env/ saw."""
    r = node.get("/env/env.py", token=token)
    assert_ok(r)
    return r.json()


class TestCluster:
    """Three nodes A, B and C on one store."""

    @pytest.fixture(scope="class")
    def nodes(self, httpd_factory, keys, shared_db):
        store = shared_db.new_store()
        return [start_node(httpd_factory, keys, "node-" + n, store)
                for n in "abc"]

    @pytest.fixture(scope="class")
    def client(self, nodes):
        return add_client(nodes[0])

    # ---- one face --------------------------------------------------------

    def test_nodes_publish_the_same_server(self, nodes):
        """Same metadata (the front name's endpoints) and the same keys
        from every node."""
        mds = [n.get("/.well-known/oauth-authorization-server")
               for n in nodes]
        for r in mds:
            assert r.status_code == 200, r.text
        assert mds[0].json()["issuer"] == ISSUER
        assert mds[0].json()["token_endpoint"] == ISSUER + "/oauth2/token"
        assert mds[1].json() == mds[0].json() == mds[2].json()
        sets = [n.get(ep(n, "jwks")).json() for n in nodes]
        assert sets[0]["keys"] and sets[0] == sets[1] == sets[2]

    # ---- 1. code at A, token at B, resource at C ---------------------------

    def test_code_from_a_redeemed_at_b_valid_at_c(self, nodes):
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        r = f.get()
        assert r.status_code == 200, "a new client: consent must be shown"
        r = f.post(ConsentPage(r))              # consent POST at A
        assert r.status_code == 303, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        assert q["iss"] == ISSUER and q["state"] == f.state
        code = q["code"]
        tokens.register(code)
        assert count(a, "OA2-00434") == 1       # A approved it

        body = assert_token_ok(redeem(b, f, code))
        assert issued(b, "authorization_code") == 1
        assert issued(a, "authorization_code") == 0
        assert issued(c, "authorization_code") == 0

        # C checks it with its own copy of the key and the shared
        # revocation list
        _, claims = verify_access_token(c, body["access_token"])
        assert claims["iss"] == ISSUER and claims["sub"] == "alice"
        assert claims["client_id"] == client.client_id
        env = env_at(c, body["access_token"])
        assert env["REMOTE_USER"] == "alice"
        assert env["OAUTH2_CLIENT_ID"] == client.client_id
        assert env["OAUTH2_SCOPE"] == "read"
        assert count(c, "OA2-00104: bearer token accepted") >= 1
        assert count(b, "OA2-00104") == 0 and count(a, "OA2-00104") == 0
        # and so do the other two
        assert_ok(a.get("/api/data.txt", token=body["access_token"]))
        assert_ok(b.get("/api/data.txt", token=body["access_token"]))
        # B's refresh token works at C
        assert_token_ok(refresh(c, client, body["refresh_token"]))

    def test_code_replayed_at_another_node(self, nodes):
        """Redeemed at A, replayed at C: refused, and what A issued is
        revoked for every node."""
        a, b, c = nodes
        client = add_client(b)
        f = Flow(b, client)
        code = f.code()
        body = assert_token_ok(redeem(a, f, code))
        assert_ok(b.get("/api/data.txt", token=body["access_token"]))
        assert_token_error(redeem(c, f, code), "invalid_grant")
        assert count(c, "OA2-00243") == 1
        assert_invalid_token(b.get("/api/data.txt",
                                   token=body["access_token"]), REALM)
        assert count(b, "OA2-00781") == 1
        assert_token_error(refresh(a, client, body["refresh_token"]),
                           "invalid_grant")

    def test_consent_page_from_a_posted_to_b(self, nodes):
        """The consent form's CSRF token (keyed from the shared signing
        key) is good at any node, once: its nonce is in the database."""
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        page = f.consent_page()
        path = urllib.parse.urlsplit(page.action_url()).path
        r = b.session.post(b.url(path), data=page.data("approve"),
                           auth=ALICE, allow_redirects=False, timeout=10)
        assert r.status_code == 303, (r.status_code, r.text[:300])
        code = f.redirect_query(r)["code"]
        tokens.register(code)
        assert count(b, "OA2-00434") == 1
        # the same form again, at C
        r = c.session.post(c.url(path), data=page.data("approve"),
                           auth=ALICE, allow_redirects=False, timeout=10)
        assert r.status_code == 400, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        assert count(c, "OA2-00432") == 1
        # consent given at B is remembered at C: no page, a code at once
        f2 = Flow(c, client)
        r = f2.get()
        assert r.status_code == 302, (r.status_code, r.text[:300])
        code2 = f2.redirect_query(r)["code"]
        tokens.register(code2)
        assert_token_ok(redeem(a, f, code))
        assert_token_ok(redeem(b, f2, code2))

    # ---- 2. rotation across nodes ---------------------------------------

    def test_refresh_rotation_alternating_nodes(self, nodes):
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        body = assert_token_ok(redeem(a, f, f.code()))
        current = body["refresh_token"]
        used = []
        for i in range(8):
            node, other = (a, b) if i % 2 == 0 else (b, a)
            before = issued(node, "refresh_token"), \
                issued(other, "refresh_token")
            new = assert_token_ok(refresh(node, client, current))
            assert new["refresh_token"] not in used + [current]
            # rotated where it was sent, nowhere else
            assert (issued(node, "refresh_token"),
                    issued(other, "refresh_token")) == \
                (before[0] + 1, before[1])
            used.append(current)
            current = new["refresh_token"]
            # the other node (and C) already know: the old one is dead,
            # the new one alive, and the new access token is good there
            assert introspect(other, client, used[-1]).json() == \
                {"active": False}
            assert introspect(c, client, current).json()["active"] is True
            assert_ok(other.get("/api/data.txt", token=new["access_token"]))
        # each old token is refused, at either node; the first of these
        # is a reuse, which ends the family (test below), the rest are
        # refused as revoked
        for i, old in enumerate(used):
            node = (a, b)[i % 2]
            assert_token_error(refresh(node, client, old), "invalid_grant")
        assert count(a, "OA2-00254") == 1
        assert count(a, "OA2-00253") + count(b, "OA2-00253") == \
            len(used) - 1
        assert_token_error(refresh(c, client, current), "invalid_grant")

    # ---- 3. reuse detection across nodes -----------------------------------

    def test_refresh_reuse_detected_at_another_node(self, nodes):
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        first = assert_token_ok(redeem(c, f, f.code()))
        r1 = first["refresh_token"]
        second = assert_token_ok(refresh(a, client, r1))      # rotate at A
        r2 = second["refresh_token"]
        assert_ok(c.get("/api/data.txt", token=second["access_token"]))
        # the stolen r1 comes back, at B
        assert_token_error(refresh(b, client, r1), "invalid_grant")
        assert count(b, "OA2-00254") == 1
        # C sees the whole family revoked: the new refresh token, and
        # the access tokens the family was issued
        assert introspect(c, client, r2).json() == {"active": False}
        assert_token_error(refresh(c, client, r2), "invalid_grant")
        assert count(c, "OA2-00253") == 1
        for t in (first["access_token"], second["access_token"]):
            assert_invalid_token(c.get("/api/data.txt", token=t), REALM)
        assert count(c, "OA2-00781") == 2
        # a location without the revocation check still takes them (a
        # JWT is valid until it expires): the refusals above are the
        # shared revocation list's, not a bad signature
        assert_ok(c.get("/jwt-only/data.txt", token=second["access_token"]))

    # ---- 4. revocation at A, enforced at B ----------------------------------

    def test_revocation_at_a_enforced_at_b(self, nodes):
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        body = assert_token_ok(redeem(a, f, f.code()))
        at = body["access_token"]
        # B has validated it (and has it in its token cache)
        for _ in range(3):
            assert_ok(b.get("/api/data.txt", token=at))
        assert revoke(a, client, at).status_code == 200
        assert count(a, "OA2-00731") == 1
        # at once, without waiting for anything
        assert_invalid_token(b.get("/api/data.txt", token=at), REALM)
        assert count(b, "OA2-00781") == 1
        assert_invalid_token(c.get("/env/env.py", token=at), REALM)
        assert introspect(b, client, at).json() == {"active": False}
        # the location without the check is not asked to know
        assert_ok(b.get("/jwt-only/data.txt", token=at))
        # the refresh token was not revoked with it
        assert_token_ok(refresh(b, client, body["refresh_token"]))

    def test_refresh_token_revoked_at_b_refused_at_c(self, nodes):
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        body = assert_token_ok(redeem(a, f, f.code()))
        assert revoke(b, client, body["refresh_token"]).status_code == 200
        assert_token_error(refresh(c, client, body["refresh_token"]),
                           "invalid_grant")
        assert count(c, "OA2-00253") == 1

    # ---- 5. one code, 100 redemptions over all nodes ------------------------

    def test_parallel_code_redemption_across_nodes(self, nodes, client):
        f = Flow(nodes[0], client)
        code = f.code()
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": f.redirect_uri,
                "code_verifier": f.verifier}
        results = parallel_post(nodes, "/oauth2/token", data, client.auth,
                                100)
        won = sole_winner(results)
        assert issued(nodes[0], "authorization_code") \
            + issued(nodes[1], "authorization_code") \
            + issued(nodes[2], "authorization_code") == 1
        # every loser saw a replay, on whichever node it landed
        replays = [count(n, "OA2-00243") for n in nodes]
        assert sum(replays) == 99 and min(replays) >= 32, replays
        # the replays revoked what the winner got (as on one node,
        # test_200's TestParallelRedemption), for every node
        for n in nodes:
            assert_token_error(refresh(n, client, won["refresh_token"]),
                               "invalid_grant")
            assert_invalid_token(n.get("/api/data.txt",
                                       token=won["access_token"]), REALM)

    # The losers of this race each revoke the family at once; on
    # PostgreSQL two of those UPDATEs may lock the family's rows in
    # opposite orders and one is failed with "deadlock detected": the
    # module revokes again (revoke_grant in oa2_grant.c), so every loser
    # still gets invalid_grant, never a 503.
    def test_parallel_refresh_across_nodes(self, nodes, client):
        """60 uses of one refresh token at once over the three nodes:
        one rotation, and the reuse revokes the winner's token too."""
        f = Flow(nodes[1], client)
        body = assert_token_ok(redeem(nodes[2], f, f.code()))
        data = {"grant_type": "refresh_token",
                "refresh_token": body["refresh_token"]}
        results = parallel_post(nodes, "/oauth2/token", data, client.auth,
                                60)
        won = sole_winner(results)
        for n in nodes:
            assert_token_error(refresh(n, client, won["refresh_token"]),
                               "invalid_grant")

    # ---- registration ---------------------------------------------------

    def test_registered_at_a_usable_at_b_and_c(self, nodes):
        a, b, c = nodes
        r = a.session.post(a.url(ep(a, "register")), timeout=10, json={
            "client_name": "Registered at A",
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "read"})
        assert r.status_code == 201, (r.status_code, r.text[:300])
        doc = r.json()
        reg = Client(doc["client_id"], doc["client_secret"], [],
                     "Registered at A", "read", ["client_credentials"],
                     False)
        assert count(a, "OA2-00773") == 1
        body = assert_token_ok(client_credentials(b, reg))
        assert issued(b, "client_credentials") == 1
        env = env_at(c, body["access_token"])
        assert env["OAUTH2_SUB"] == reg.client_id
        assert env["OAUTH2_CLIENT_ID"] == reg.client_id
        assert introspect(c, reg, body["access_token"]).json()["active"]
        # and its wrong secret is wrong everywhere
        bad = Client(reg.client_id, "x" * 43, [], "", "read",
                     ["client_credentials"], False)
        for n in nodes:
            assert_token_error(client_credentials(n, bad),
                               "invalid_client", 401)


# ---- OAuth2RevocationCacheTTL ---------------------------------------------

TTL = 2
SLACK = 1.5


class TestRevocationCacheTTL:
    """Node B remembers "not revoked" for TTL seconds at /api-cached;
    node C says TTL 0 there.  A revocation at A reaches B within TTL (plus
    slack) and C at once."""

    @pytest.fixture(scope="class")
    def nodes(self, httpd_factory, keys, shared_db):
        store = shared_db.new_store()
        cached = """
Alias /api-cached {htdocs}/api
<Location /api-cached>
    AuthType OAuth2
    Require oauth2-scope read
    OAuth2CheckRevocation on
    OAuth2RevocationCacheTTL %s
</Location>
"""
        out = []
        for name, ttl in (("a", None), ("b", TTL), ("c", 0)):
            h = httpd_factory("ttl-node-" + name, modules=NODE_MODULES,
                              store=store)
            h.issuer = ISSUER
            extra = NODE_EXTRA.format(cgi=h.cgi_bin, htdocs=h.htdocs)
            if ttl is not None:
                extra += (cached % ttl).format(htdocs=h.htdocs)
            h.start(as_config(h, keys, registration="open", extra=extra))
            out.append(h)
        return out

    def test_revocation_reaches_the_caching_node_within_its_ttl(self, nodes):
        a, b, c = nodes
        client = add_client(a)
        f = Flow(a, client)
        at = assert_token_ok(redeem(a, f, f.code()))["access_token"]
        assert_ok(c.get("/api-cached/data.txt", token=at))
        assert_ok(b.get("/api-cached/data.txt", token=at))
        warmed = time.monotonic()
        assert revoke(a, client, at).status_code == 200
        revoked = time.monotonic()
        # TTL 0 and the default (/api) ask the database: at once
        assert_invalid_token(c.get("/api-cached/data.txt", token=at), REALM)
        assert_invalid_token(b.get("/api/data.txt", token=at), REALM)
        # B's cached verdict: still "not revoked" while it is fresh
        first = b.get("/api-cached/data.txt", token=at)
        if time.monotonic() - warmed < TTL - 0.5:
            assert first.status_code == 200, \
                "TTL %d: B asked the database again within the TTL" % TTL
        status = first.status_code
        while status == 200 and time.monotonic() - revoked < TTL + SLACK:
            time.sleep(0.1)
            status = b.get("/api-cached/data.txt", token=at).status_code
        took = time.monotonic() - revoked
        assert status != 200 and took <= TTL + SLACK, \
            "B still took the revoked token %.1f s after the revocation " \
            "(TTL %d)" % (took, TTL)
        assert_invalid_token(b.get("/api-cached/data.txt", token=at), REALM)
        assert count(b, "OA2-00781") >= 2 and count(c, "OA2-00781") == 1

    def test_revoked_before_first_use_is_refused_at_once(self, nodes):
        """Nothing cached yet: the caching node asks the database."""
        a, b, _ = nodes
        client = add_client(a)
        f = Flow(a, client)
        at = assert_token_ok(redeem(a, f, f.code()))["access_token"]
        assert revoke(a, client, at).status_code == 200
        assert_invalid_token(b.get("/api-cached/data.txt", token=at), REALM)


# ---- a cold start ---------------------------------------------------------

# On PostgreSQL two sessions running the schema's CREATE TABLE IF NOT
# EXISTS at once make one fail (a duplicate key in pg_type, or "type ...
# already exists"): oa2_store_setup() tries again while the connection
# is alive, the next try finding the tables made, so the first requests
# of a fresh deployment all succeed.
class TestColdStart:
    """Three nodes start on an empty database and all get their first
    requests at once: each sets the schema up on its first connections,
    racing the others, and no request may fail for it."""

    N = 30

    @pytest.fixture(scope="class")
    def nodes(self, httpd_factory, keys, shared_db):
        store = shared_db.new_store()
        return [start_node(httpd_factory, keys, "cold-" + n, store)
                for n in "abc"]

    def test_first_requests_everywhere_at_once(self, nodes):
        if nodes[0].store.exists():
            pytest.fail("the store is not empty")
        barrier = threading.Barrier(self.N)
        results = [None] * self.N

        def one(i):
            node = nodes[i % len(nodes)]
            s = requests.Session()
            s.trust_env = False
            try:
                barrier.wait(10)
                r = s.post(node.url(ep(node, "register")), timeout=20,
                           json={"client_name": "cold %d" % i,
                                 "grant_types": ["client_credentials"],
                                 "scope": "read"})
                if r.status_code == 201:
                    tokens.register(r.json().get("client_secret"))
                results[i] = (r.status_code, r.text[:200])
            except Exception as e:  # noqa: BLE001
                results[i] = (None, repr(e))
            finally:
                s.close()

        threads = [threading.Thread(target=one, args=(i,))
                   for i in range(self.N)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        # the purge after a response (log_transaction) logs after it:
        # let it land within this test
        settle(nodes)
        bad = [r for r in results if r[0] != 201]
        assert not bad, bad
        assert nodes[0].store.exists()
        assert len(nodes[0].store.rows("SELECT client_id FROM oa2_clients")) \
            == self.N
