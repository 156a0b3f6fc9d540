# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""OAuth2ClientCacheTTL: how long the authorization server may reuse a
client's record from the token cache instead of reading it from the
database (shared by every node when the cache is memcache or redis).
0, the default, reads it on every request: a removed client or a new
secret takes effect at once. With a TTL a removed client, or an old
secret, keeps working for at most that long; a new secret works at once
(a secret the cached record does not know is checked against the
database)."""

import copy
import re
import time

import pytest

from authserver import (add_client, admin, assert_token_error,
                        assert_token_ok, client_credentials, start_as)

TTL = 4


def cc(h, client):
    return client_credentials(h, client, scope="read")


def wait_invalid_client(h, client, within):
    """Seconds until the token endpoint refuses client (polling)."""
    start = time.monotonic()
    while True:
        r = cc(h, client)
        if r.status_code == 401:
            assert_token_error(r, "invalid_client", status=401)
            return time.monotonic() - start
        assert_token_ok(r)
        assert time.monotonic() - start < within, \
            "client still accepted %.1f s after the change" % within
        time.sleep(0.2)


def with_secret(client, secret):
    other = copy.copy(client)
    other.client_secret = secret
    return other


def new_secret(h, client):
    out = admin(h, "client", "rotate-secret", client.client_id).stdout
    m = re.search(r"^client_secret:\s*(\S+)\s*$", out, re.M)
    assert m, out
    return with_secret(client, m.group(1))


class TestClientCache:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-clientcache",
                        modules=("socache_shmcb",),
                        extra=lambda h: "OAuth2ClientCacheTTL %d\n" % TTL)

    def client(self, h):
        return add_client(h, grants=("client_credentials",),
                          redirect_uris=())

    def test_removed_client_works_at_most_the_ttl(self, h):
        c = self.client(h)
        assert_token_ok(cc(h, c))  # the record is now cached
        admin(h, "client", "remove", c.client_id)
        assert_token_ok(cc(h, c))  # from the cache: the database says gone
        waited = wait_invalid_client(h, c, TTL + 2)
        assert waited <= TTL + 1, waited

    def test_new_secret_works_at_once_old_one_expires(self, h):
        c = self.client(h)
        assert_token_ok(cc(h, c))
        rotated = new_secret(h, c)
        assert_token_ok(cc(h, rotated))  # unknown to the record: DB asked
        # that refreshed the record: the old secret is refused at once
        assert_token_error(cc(h, c), "invalid_client", status=401)

    def test_wrong_secret_refused(self, h):
        c = self.client(h)
        assert_token_ok(cc(h, c))
        assert_token_error(cc(h, with_secret(c, "wrong")),
                           "invalid_client", status=401)

    def test_unknown_client_registered_later_works_at_once(self, h):
        # an unknown id is never cached
        ghost = self.client(h)
        admin(h, "client", "remove", ghost.client_id)
        assert_token_error(cc(h, ghost), "invalid_client", status=401)
        c = self.client(h)
        assert_token_ok(cc(h, c))


class TestDefaultReadsEveryTime:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-clientcache-off",
                        modules=("socache_shmcb",))

    def test_removed_client_refused_at_once(self, h):
        c = add_client(h, grants=("client_credentials",), redirect_uris=())
        assert_token_ok(cc(h, c))
        admin(h, "client", "remove", c.client_id)
        assert_token_error(cc(h, c), "invalid_client", status=401)


class TestWithoutTokenCache:
    """No cache to keep records in: a warning at start, and every request
    reads the database."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = start_as(httpd_factory, keys, "as-clientcache-none",
                     modules=("socache_shmcb",),
                     extra=lambda h: "OAuth2TokenCache none\n"
                     "OAuth2ClientCacheTTL 30\n")
        h.allowed_always.append(r"OA2-00788")
        return h

    def test_warned_and_read_every_time(self, h):
        assert re.search(r"\[oauth2:warn\].*OA2-00788: OAuth2ClientCacheTTL "
                         r"\(for \S+ and any other issuer\) has no effect "
                         r"without a token cache", h.error_log()), \
            h.error_log()[-2000:]
        c = add_client(h, grants=("client_credentials",), redirect_uris=())
        assert_token_ok(cc(h, c))
        admin(h, "client", "remove", c.client_id)
        assert_token_error(cc(h, c), "invalid_client", status=401)


class TestDirective:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        return httpd_factory("clientcache-conf")

    @pytest.mark.parametrize("value", ["-1", "3601", "ten", "5s"])
    def test_bad_values_refused(self, h, value):
        rc, out = h.config_test('OAuth2ClientCacheTTL "%s"\n' % value,
                                start=False)
        assert rc != 0
        assert ("OAuth2ClientCacheTTL must be a number of seconds "
                "between 0 and 3600") in out, out

    def test_duplicate_refused(self, h):
        rc, out = h.config_test("OAuth2ClientCacheTTL 5\n"
                                "OAuth2ClientCacheTTL 6\n", start=False)
        assert rc != 0
        assert "OAuth2ClientCacheTTL is duplicate" in out, out

    def test_not_in_a_location(self, h):
        rc, out = h.config_test("<Location /x>\nOAuth2ClientCacheTTL 5\n"
                                "</Location>\n", start=False)
        assert rc != 0
        assert "OAuth2ClientCacheTTL" in out, out

    @pytest.mark.parametrize("value", ["0", "30", "3600"])
    def test_good_values(self, h, value):
        rc, out = h.config_test("OAuth2ClientCacheTTL %s\n" % value,
                                start=False)
        assert rc == 0, out
