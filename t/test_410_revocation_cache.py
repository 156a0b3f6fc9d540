# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OAuth2RevocationCacheTTL: how long OAuth2CheckRevocation may trust a
remembered "not revoked" verdict (kept in the token cache, so shared by
every node when that is memcache or redis). 0, the default, asks the
database on every request; a revocation is never later than the TTL, and
one made at this server's revocation endpoint is seen here at once."""

import time

import pytest

from authserver import (add_client, assert_token_ok, client_credentials,
                        revoke, start_as)
from checks import assert_invalid_token, assert_ok
from tokens import decode_part

REALM = "rs.test"
TTL = 4
LOCATIONS = """
Alias /cached {htdocs}/api
<Location /cached>
    AuthType OAuth2
    Require oauth2-scope read
    OAuth2CheckRevocation on
    OAuth2RevocationCacheTTL %d
</Location>

Alias /long {htdocs}/api
<Location /long>
    AuthType OAuth2
    Require oauth2-scope read
    OAuth2CheckRevocation on
    OAuth2RevocationCacheTTL 3600
</Location>
""" % TTL


def wait_refused(h, path, token, within):
    """Seconds until path refuses token (polling), or fail after within."""
    start = time.monotonic()
    while True:
        r = h.get(path, token=token)
        if r.status_code == 401:
            assert_invalid_token(r, realm=REALM)
            return time.monotonic() - start
        assert_ok(r)
        assert time.monotonic() - start < within, \
            "%s still accepts a revoked token after %.1f s" % (path, within)
        time.sleep(0.2)


class TestRevocationCache:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-revcache",
                        modules=("socache_shmcb",),
                        extra=lambda h: LOCATIONS.format(htdocs=h.htdocs))

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, grants=("client_credentials",),
                          redirect_uris=())

    def token(self, h, client):
        return assert_token_ok(
            client_credentials(h, client, scope="read"))["access_token"]

    def revoke_elsewhere(self, h, t):
        """Revoke t as another node or oauth2-admin would: in the
        database only, out of reach of this server's cache."""
        c = decode_part(t.split(".")[1])  # the test's own token
        h.store.execute("INSERT INTO oa2_revoked (issuer, jti, expires_at) "
                        "VALUES (?, ?, ?)", (h.issuer, c["jti"],
                                             c["exp"] + 60))

    def test_revocation_here_is_seen_at_once(self, h, client):
        """The revocation endpoint replaces the "not revoked" this
        server cached for the token."""
        t = self.token(h, client)
        assert_ok(h.get("/cached/data.txt", token=t))  # remembered: live
        assert_ok(h.get("/long/data.txt", token=t))
        assert revoke(h, client, t).status_code == 200
        assert_invalid_token(h.get("/cached/data.txt", token=t), realm=REALM)
        assert_invalid_token(h.get("/long/data.txt", token=t), realm=REALM)

    def test_revocation_elsewhere_is_late_by_at_most_the_ttl(self, h,
                                                              client):
        t = self.token(h, client)
        assert_ok(h.get("/cached/data.txt", token=t))  # remembered: live
        assert_ok(h.get("/api/data.txt", token=t))
        self.revoke_elsewhere(h, t)
        # /api asks the database every time: refused at once
        assert_invalid_token(h.get("/api/data.txt", token=t), realm=REALM)
        # /cached trusts its verdict for up to TTL seconds, then asks again
        assert_ok(h.get("/cached/data.txt", token=t))
        wait_refused(h, "/cached/data.txt", t, TTL + 2)

    def test_a_longer_ttl_elsewhere_does_not_delay_this_one(self, h, client):
        # /long remembers "not revoked" for an hour; /cached must still
        # ask again once its own TTL has passed (the record carries the
        # time it was read, and each location judges it by its own TTL)
        t = self.token(h, client)
        assert_ok(h.get("/long/data.txt", token=t))
        self.revoke_elsewhere(h, t)
        wait_refused(h, "/cached/data.txt", t, TTL + 2)
        # and what /cached learnt, "revoked", answers for /long too
        assert_invalid_token(h.get("/long/data.txt", token=t), realm=REALM)

    def test_revoked_before_first_use_is_refused_at_once(self, h, client):
        t = self.token(h, client)
        assert revoke(h, client, t).status_code == 200
        for _ in range(3):  # the "revoked" verdict is remembered too
            assert_invalid_token(h.get("/cached/data.txt", token=t),
                                 realm=REALM)

    def test_other_tokens_unaffected(self, h, client):
        t1, t2 = self.token(h, client), self.token(h, client)
        assert_ok(h.get("/cached/data.txt", token=t1))
        assert_ok(h.get("/cached/data.txt", token=t2))
        assert revoke(h, client, t1).status_code == 200
        wait_refused(h, "/cached/data.txt", t1, TTL + 2)
        assert_ok(h.get("/cached/data.txt", token=t2))


class TestWithoutTokenCache:
    """No cache (OAuth2TokenCache none): the TTL cannot delay anything."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(
            httpd_factory, keys, "as-revcache-none",
            modules=("socache_shmcb",),
            extra=lambda h: "OAuth2TokenCache none\n"
            + LOCATIONS.format(htdocs=h.htdocs))

    def test_refused_at_once(self, h):
        client = add_client(h, grants=("client_credentials",),
                            redirect_uris=())
        t = assert_token_ok(
            client_credentials(h, client, scope="read"))["access_token"]
        assert_ok(h.get("/cached/data.txt", token=t))
        assert revoke(h, client, t).status_code == 200
        assert_invalid_token(h.get("/cached/data.txt", token=t), realm=REALM)


class TestDirective:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        return httpd_factory("revcache-conf")

    @pytest.mark.parametrize("value", ["-1", "3601", "ten", "5s"])
    def test_bad_values_refused(self, h, value):
        rc, out = h.config_test("""
<Location /api>
    OAuth2RevocationCacheTTL %s
</Location>
""" % value, start=False)
        assert rc != 0
        assert ("OAuth2RevocationCacheTTL must be a number of seconds "
                "between 0 and 3600") in out, out

    def test_duplicate_refused(self, h):
        rc, out = h.config_test("""
<Location /api>
    OAuth2RevocationCacheTTL 5
    OAuth2RevocationCacheTTL 6
</Location>
""", start=False)
        assert rc != 0
        assert "OAuth2RevocationCacheTTL is duplicate" in out, out

    @pytest.mark.parametrize("value", ["0", "30", "3600"])
    def test_good_values(self, h, value):
        rc, out = h.config_test("""
<Location /api>
    OAuth2RevocationCacheTTL %s
</Location>
""" % value, start=False)
        assert rc == 0, out
