# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The validated-token cache (OAuth2TokenCache, socache shmcb): a repeat
skips the signature but never the policy: expiry, issuer, audience and keys
still decide, per location."""

import json
import os
import signal
import socket
import time

import pytest

from checks import assert_invalid_token, assert_ok
from tokens import claims, mint

pytestmark = pytest.mark.sqlite_only(
    "the token cache is socache, not the database")

REALM = "rs.test"
OTHER_AUD = "https://other.example"


class TestTokenCache:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("cache", modules=["socache_shmcb"])
        h.start("""
LogLevel info oauth2:trace1
OAuth2Issuer {iss}
OAuth2SigningKey {key}
Alias /a {htdocs}/api
Alias /b {htdocs}/api
ScriptAlias /cgi/ {cgi}/
<Location /cgi/>
    AuthType OAuth2
    <RequireAll>
        Require oauth2-scope write
        Require oauth2-claim tenant acme
    </RequireAll>
</Location>
<Location /a>
    AuthType OAuth2
    Require valid-user
</Location>
<Location /b>
    AuthType OAuth2
    OAuth2Audience {other}
    Require valid-user
</Location>
""".format(iss=h.issuer, key=keys["ec1"].path, htdocs=h.htdocs,
           other=OTHER_AUD, cgi=h.cgi_bin))
        return h

    def token(self, h, keys, **over):
        return mint(keys["ec1"], claims(h.issuer, h.issuer, **over))

    def test_repeat_is_served_from_the_cache(self, h, keys):
        t = self.token(h, keys)
        h.new_log()
        assert_ok(h.get("/a/data.txt", token=t))
        assert "OA2-00105" not in h.new_log()
        for _ in range(3):
            assert_ok(h.get("/a/data.txt", token=t))
        assert "OA2-00105" in h.new_log()

    @pytest.mark.log_allow(r"AH01631")
    def test_hit_gives_the_same_identity_and_authorization(self, h, keys):
        # A hit rebuilds the token from the cached record: the identity
        # handed to the CGI, and Require oauth2-scope/-claim (which parse
        # the claims only when asked), must not differ from a full check.
        c = claims(h.issuer, h.issuer, sub="carol", client_id="app-7",
                   scope="read write", tenant="acme", groups=["g1"])
        t = mint(keys["ec1"], c)
        h.new_log()
        first = h.get("/cgi/env.py", token=t)
        assert_ok(first)
        assert "OA2-00105" not in h.new_log()
        again = h.get("/cgi/env.py", token=t)
        assert_ok(again)
        assert "OA2-00105" in h.new_log()
        assert again.json() == first.json()
        env = again.json()
        assert env["REMOTE_USER"] == "carol"
        assert env["OAUTH2_SCOPE"] == "read write"
        assert json.loads(env["OAUTH2_CLAIMS"]) == c
        # the same token is still refused where its claims do not fit
        other = mint(keys["ec1"], claims(h.issuer, h.issuer, scope="read write",
                                         tenant="evil"))
        assert h.get("/cgi/env.py", token=other).status_code == 403
        h.new_log()
        r = h.get("/cgi/env.py", token=other)
        assert r.status_code == 403
        assert "OA2-00105" in h.new_log()

    def test_acceptance_does_not_leak_to_a_stricter_location(self, h, keys):
        t = self.token(h, keys)
        assert_ok(h.get("/a/data.txt", token=t))
        assert_ok(h.get("/a/data.txt", token=t))
        # /b demands another audience: the cached verdict of /a is not its
        assert_invalid_token(h.get("/b/data.txt", token=t), REALM)

    def test_tampered_repeat_is_not_a_hit(self, h, keys):
        t = self.token(h, keys)
        assert_ok(h.get("/a/data.txt", token=t))
        head, payload, sig = t.split(".")
        forged = ".".join([head, payload, sig[:-4] + "AAAA"])
        assert_invalid_token(h.get("/a/data.txt", token=forged), REALM)

    def test_expiry_applies_to_cached_tokens(self, h, keys):
        # valid only thanks to the 60 s leeway, for 2 to 3 more seconds
        t = self.token(h, keys, exp=int(time.time()) - 58)
        assert_ok(h.get("/a/data.txt", token=t))
        assert_ok(h.get("/a/data.txt", token=t))
        time.sleep(3.5)
        assert_invalid_token(h.get("/a/data.txt", token=t), REALM)


class TestCacheAcrossGracefulRestart:
    """A graceful restart frees the old generation's cache and lock in the
    parent while old children still finish their requests with them."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("cache-graceful", modules=["socache_shmcb"])
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {key}
Alias /a {htdocs}/api
<Location /a>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(iss=h.issuer, key=keys["ec1"].path, htdocs=h.htdocs))
        return h

    def test_old_children_keep_a_working_cache(self, h, keys):
        t = mint(keys["ec1"], claims(h.issuer, h.issuer))
        assert_ok(h.get("/a/data.txt", token=t))  # now cached
        start = h._log_size()
        # A request an old child has begun reading: its check of the token
        # (cache look-up under the old lock) runs after the restart.
        s = socket.create_connection(("127.0.0.1", h.port), timeout=10)
        s.sendall(b"GET /a/data.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.3)
        os.kill(h.proc.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while "AH00489" not in h._log_from(start):
            assert time.monotonic() < deadline, "no graceful restart"
            time.sleep(0.1)
        s.sendall(("Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
                   % t).encode())
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
        s.close()
        assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]
        # and the new generation has a cache of its own
        for _ in range(2):
            assert_ok(h.get("/a/data.txt", token=t))
        assert "OA2-0051" not in h._log_from(start)


class TestCacheOff:

    @pytest.mark.log_allow(r"OA2-00510", r"AH00016")
    def test_unknown_provider_stops_httpd(self, httpd_factory, keys):
        h = httpd_factory("cache-bad")
        h.allowed_always += [r"OA2-00510", r"AH00016"]
        rc, out = h.config_test("""
OAuth2TokenCache nosuchcache
""")
        assert rc != 0
        assert "OA2-00510" in out and "nosuchcache" in out
