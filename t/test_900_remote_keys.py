# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Tokens from other issuers, by their keys: OAuth2VerifyJWKSURL and
OAuth2VerifyMetadataURL against a real foreign issuer (npm's
node-oidc-provider, t/foreign.py). Its JWT access tokens are accepted
through its JWKS and through its discovery document; its keys are
fetched once for every child (and node) through the token cache; a key
it rotates in is picked up without a restart, one it removes stops
working; an unknown kid refetches at most once a minute; and when it is
down the last good keys stay, never an open door."""

import math
import os
import time

import jwt
import pytest

import foreign
from checks import (assert_insufficient_scope, assert_invalid_token,
                    assert_log_names, assert_no_token, assert_ok)
from httpd import rs_location
from tokens import claims, mint

# No store is involved: run once, in the SQLite run (CI time).
pytestmark = pytest.mark.sqlite_only("the resource server alone, no store")

REALM = "rs.test"
API = foreign.RESOURCE
# oa2_remote.h: the least time between a failed fetch and the next
RETRY = 5


def sleep_until(due):
    """Sleep until time.time() is due (no longer than needed)."""
    time.sleep(max(0.0, due - time.time()))


# warnings of a refetch that failed while the last good keys stay in use
REFETCH_FAILED = "OA2-00959"


def location(path, source, require="Require valid-user", audience=API):
    return rs_location(path, source, "OAuth2Audience %s" % audience,
                       require=require)


def jwks_url(f, issuer=None):
    return "OAuth2VerifyJWKSURL %s\n    OAuth2VerifyIssuer %s" % (
        f.jwks_uri, issuer or f.issuer)


def metadata_url(f):
    return "OAuth2VerifyMetadataURL %s" % f.metadata_url


def _spread():
    """Each child a listening socket of its own (SO_REUSEPORT, one
    listener bucket a child): the kernel then picks the child of a
    connection by a hash of its addresses, not by which child's listener
    wakes first. With one shared socket, on a loaded machine the child
    that just answered took 60 requests of 60 (each_child failed). The
    buckets are the online cores (httpd's count) over the ratio: as many
    as the children started here (two, three with three cores); none
    with one core, where the children share the socket."""
    cores = os.sysconf("SC_NPROCESSORS_ONLN")
    ratio = max(1, cores // 2)
    buckets = cores // ratio
    if buckets < 2:
        return ""
    return "ListenCoresBucketsRatio %d\nStartServers %d\n" % (ratio, buckets)


SPREAD = _spread()


def each_child(h, path, token, n=12, bound=60):
    """Send the token on fresh connections, at least n times and until
    every child (StartServers of them) answered (the access log's %P), at
    most bound times; fails when fewer answered. Returns the statuses."""
    children = h.start_servers
    offset = h.access_log_size()
    statuses = []
    pids = set()
    while len(statuses) < n or (len(pids) < children
                                and len(statuses) < bound):
        statuses.append(h.get(path, token=token,
                              headers={"Connection": "close"}).status_code)
        pids = set(h.access_pids(offset))
    # a child writes its access log line after the answer: the last ones
    # may still come
    deadline = time.monotonic() + 2
    while len(set(h.access_pids(offset))) < children \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    pids = h.access_pids(offset)
    assert len(set(pids)) >= children, \
        "%d requests, answered by %s only" % (len(statuses), set(pids))
    return statuses


class TestForeignTokens:
    """One foreign issuer, locations of each kind."""

    @pytest.fixture(scope="class")
    def env(self, httpd_factory, foreign_factory):
        f = foreign_factory("f1")
        # a second issuer with the same keys: only iss tells them apart
        g = foreign_factory("f2", keys=f.config["keys"])
        h = httpd_factory("remote-keys", dbd=False,
                          modules=("socache_shmcb",))
        conf = (location("/jw", jwks_url(f))
                + location("/md", metadata_url(f))
                + location("/md-write", metadata_url(f),
                           "Require oauth2-scope write")
                + location("/md-other", metadata_url(g))
                + location("/jw-aud", jwks_url(f), audience="https://x.test")
                + location("/jw-iss", jwks_url(f, "https://idp.example")))
        return h.start(SPREAD + conf), f, g

    def test_no_token(self, env):
        h, f, g = env
        assert_no_token(h.get("/jw/data.txt"), REALM)

    @pytest.mark.parametrize("path", ["/jw", "/md"])
    def test_accepted(self, env, path):
        h, f, g = env
        t = f.token(resource=API, scope="read")
        assert_ok(h.get(path + "/data.txt", token=t), "api data\n")

    @pytest.mark.log_allow("AH01631")
    def test_scope(self, env):
        h, f, g = env
        assert_insufficient_scope(
            h.get("/md-write/data.txt",
                  token=f.token(resource=API, scope="read")), REALM)
        assert_ok(h.get("/md-write/data.txt",
                        token=f.token(resource=API, scope="read write")))

    def test_audience_and_issuer_demanded(self, env):
        h, f, g = env
        t = f.token(resource=API, scope="read")
        assert_invalid_token(h.get("/jw-aud/data.txt", token=t), REALM)
        assert_invalid_token(h.get("/jw-iss/data.txt", token=t), REALM)

    def test_metadata_issuer_demanded(self, env):
        """The second issuer's discovery names its own issuer: a token of
        the first, signed by the very same key, is refused there."""
        h, f, g = env
        assert_invalid_token(
            h.get("/md-other/data.txt",
                  token=f.token(resource=API, scope="read")), REALM)
        assert_ok(h.get("/md-other/data.txt",
                        token=g.token(resource=API, scope="read")))

    def test_keys_fetched_once_for_all_children(self, env):
        h, f, g = env
        t = f.token(resource=API, scope="read")
        for path in ("/jw", "/md"):
            assert set(each_child(h, path + "/data.txt", t)) == {200}
        # one JWKS fetch serves both children and both locations (the
        # same URL), one discovery fetch both children
        assert f.count("/jwks") == 1
        assert f.count("/.well-known/openid-configuration") == 1

    def test_forged_token_refused(self, env, keys):
        """A token of the issuer's claims signed by a key of our own with
        the issuer's kid: the signature decides."""
        h, f, g = env
        # the kid the issuer signs with, read off a token of its own: no
        # fetch of its JWKS that test_keys_fetched_once_for_all_children
        # would count
        kid = jwt.get_unverified_header(f.token(resource=API))["kid"]
        assert kid == f.config["keys"][0]["kid"]
        t = mint(keys["ec2"], claims(f.issuer, API, scope="read"), kid=kid)
        assert_invalid_token(h.get("/jw/data.txt", token=t), REALM)


class TestRotation:
    """The issuer rotates: a new key is picked up at its first token, a
    removed one stops working in every child, and unknown kids do not
    make the module fetch more than once a minute."""

    @pytest.fixture(scope="class")
    def env(self, httpd_factory, foreign_factory):
        self.a = foreign.ec_key("rot-a")
        f = foreign_factory("rot", keys=[self.a])
        h = httpd_factory("remote-rotation", dbd=False,
                          modules=("socache_shmcb",))
        return h.start(SPREAD + location("/jw", jwks_url(f))), f

    def test_rotation(self, env):
        h, f = env
        old = f.token(resource=API, scope="read")
        assert set(each_child(h, "/jw/data.txt", old)) == {200}
        assert f.count("/jwks") == 1

        # the issuer drops key a for key b, without telling anyone
        f.restart(keys=[foreign.ec_key("rot-b")])
        new = f.token(resource=API, scope="read")
        assert_ok(h.get("/jw/data.txt", token=new))
        fetched = time.time()  # the new set is in the shared cache
        assert f.count("/jwks") == 1  # counts restart with the provider
        # every child looks at the shared cache once a second: from the
        # next second on it has the new set, and the token of the removed
        # key is refused everywhere
        sleep_until(math.floor(fetched) + 1 + 0.05)
        assert set(each_child(h, "/jw/data.txt", old)) == {401}
        assert set(each_child(h, "/jw/data.txt", new)) == {200}

        # another kid within the minute: no fetch, refused
        f.restart(keys=[foreign.ec_key("rot-c"), f.config["keys"][0]])
        third = f.token(resource=API, scope="read")
        assert set(each_child(h, "/jw/data.txt", third)) == {401}
        assert f.count("/jwks") == 0
        # the key still published keeps working
        assert_ok(h.get("/jw/data.txt", token=new))


class TestIssuerDown:
    """The foreign issuer goes away: the keys already had stay in use (and
    decide: never an open door); a server that never had them answers
    503 with a line naming the URL, and recovers when the issuer is
    back."""

    @pytest.fixture(scope="class")
    def env(self, httpd_factory, foreign_factory):
        f = foreign_factory("down")
        h = httpd_factory("remote-down", dbd=False,
                          modules=("socache_shmcb",))
        return h.start(SPREAD + location("/jw", jwks_url(f))), f

    def test_last_good_keys(self, env, keys):
        h, f = env
        t = f.token(resource=API, scope="read")
        assert_ok(h.get("/jw/data.txt", token=t))
        f.stop()
        h.allow_log(REFETCH_FAILED)
        assert set(each_child(h, "/jw/data.txt", t)) == {200}
        assert REFETCH_FAILED not in h.new_log()  # known kids: no fetch
        # an unknown kid makes one refetch, which fails: still refused
        forged = mint(keys["ec2"], claims(f.issuer, API, scope="read"),
                      kid="not-there")
        assert set(each_child(h, "/jw/data.txt", forged, 4)) == {401}
        # one refetch for both children (the shared cache says it was
        # made), and its failure said so, naming the URL
        assert_log_names(h.new_log(), REFETCH_FAILED, f.jwks_uri, count=1)

    def test_never_had_keys(self, env, httpd_factory):
        h, f = env
        f.stop()
        h2 = httpd_factory("remote-never", dbd=False)
        h2.start(SPREAD + location("/jw", jwks_url(f)))
        h2.allow_log("OA2-00936", "OA2-00948")
        r = h2.get("/jw/data.txt", token="a.b.c")
        failed = time.time()  # after the failed fetch ended
        assert r.status_code == 503
        assert f.jwks_uri in h2.new_log()
        # the issuer comes back: served again once a retry is due (5 s
        # from the end of the failure, in whole seconds)
        f.restart()
        sleep_until(math.floor(failed) + RETRY + 0.05)
        t = f.token(resource=API, scope="read")
        assert set(each_child(h2, "/jw/data.txt", t, 4)) == {200}


class TestTwoNodes:
    """Two httpd nodes sharing a memcached token cache: the keys one node
    fetched serve the other, which never asks the issuer."""

    @pytest.fixture(scope="class")
    def env(self, httpd_factory, foreign_factory, memcached):
        f = foreign_factory("nodes")
        cache = "OAuth2TokenCache memcache:127.0.0.1:%d\n" % memcached.port
        nodes = []
        for name in ("node-a", "node-b"):
            h = httpd_factory(name, dbd=False,
                              modules=("socache_memcache",))
            nodes.append(h.start(SPREAD + cache
                                   + location("/jw", jwks_url(f))))
        return nodes, f

    def test_one_fetch_for_both(self, env):
        (a, b), f = env
        t = f.token(resource=API, scope="read")
        assert set(each_child(a, "/jw/data.txt", t, 4)) == {200}
        assert set(each_child(b, "/jw/data.txt", t, 4)) == {200}
        assert f.count("/jwks") == 1
