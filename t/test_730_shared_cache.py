# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The token cache shared by several nodes: OAuth2TokenCache memcache
against a real memcached (Debian's package). A token one node validated
is a hit at the other; the key covers the keys and the policy, so a node
with other keys never takes another's verdict; and a cache that goes away
costs speed, never a request."""

import time

import pytest

from checks import assert_invalid_token, assert_ok
from tokens import claims, mint

ISSUER = "https://as.example"
REALM = "rs.test"
HIT = "OA2-00105"


def node_conf(h, key, memcached):
    return """
LogLevel info oauth2:trace1
OAuth2TokenCache memcache:127.0.0.1:{port}
OAuth2Issuer {iss}
OAuth2SigningKey {key}
<Location /api>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(port=memcached.port, iss=ISSUER, key=key.path)


class TestSharedCache:

    @pytest.fixture(scope="class")
    def nodes(self, httpd_factory, keys, memcached):
        a = httpd_factory("node-a", modules=["socache_memcache"])
        b = httpd_factory("node-b", modules=["socache_memcache"],
                          store=a.store)
        # node c: the same issuer and cache, another key
        c = httpd_factory("node-c", modules=["socache_memcache"],
                          store=a.store)
        for h, key in ((a, keys["ec1"]), (b, keys["ec1"]), (c, keys["ec2"])):
            h.issuer = ISSUER
            h.start(node_conf(h, key, memcached))
        return a, b, c

    def token(self, keys, **over):
        return mint(keys["ec1"], claims(ISSUER, ISSUER, **over))

    def test_verdict_of_one_node_is_a_hit_at_the_other(self, nodes, keys):
        a, b, _ = nodes
        t = self.token(keys)
        a.new_log()
        b.new_log()
        assert_ok(a.get("/api/data.txt", token=t))
        assert HIT not in a.new_log()
        assert_ok(b.get("/api/data.txt", token=t))
        assert HIT in b.new_log()

    def test_node_with_other_keys_checks_for_itself(self, nodes, keys):
        a, _, c = nodes
        t = self.token(keys)
        assert_ok(a.get("/api/data.txt", token=t))
        c.new_log()
        # c does not trust ec1: a's verdict must not answer for it
        assert_invalid_token(c.get("/api/data.txt", token=t), REALM)
        assert HIT not in c.new_log()

    @pytest.mark.log_allow(r"AH0\d{4}.*memcache|apr_memcache|memcache")
    def test_cache_gone_costs_no_request(self, nodes, keys, memcached):
        a, b, _ = nodes
        t = self.token(keys)
        assert_ok(a.get("/api/data.txt", token=t))
        memcached.stop()
        try:
            for h in (a, b):
                h.allow_log(r"memcache")
                for _ in range(3):
                    assert_ok(h.get("/api/data.txt", token=t))
            # and a bad token is still refused
            bad = self.token(keys, aud="https://other.example")
            assert_invalid_token(b.get("/api/data.txt", token=bad), REALM)
        finally:
            memcached.start()
        # back: a's next acceptance is a hit at b again
        t2 = self.token(keys)
        assert_ok(a.get("/api/data.txt", token=t2))
        deadline = time.monotonic() + 20
        while True:
            b.new_log()
            assert_ok(b.get("/api/data.txt", token=t2))
            if HIT in b.new_log():
                break
            # apr_memcache retries a dead server after a pause
            assert time.monotonic() < deadline, "memcache never came back"
            assert_ok(a.get("/api/data.txt", token=t2))
            time.sleep(0.5)
