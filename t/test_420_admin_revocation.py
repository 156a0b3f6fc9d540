# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""What oauth2-admin withdraws stops working at once (issue 12, item 1;
SECURITY.md "Admin revocation"): `grant revoke USER [CLIENT]` and
`client remove CLIENT` revoke the access tokens already issued, not only
the refresh tokens. Introspection answers inactive and every location with
OAuth2CheckRevocation answers 401 right after the command, on every
driver; tokens of other users, clients and grants are untouched.
"""

import threading
import time

import pytest

import stores

from authserver import (BOB, Flow, add_client, admin, api, assert_token_error,
                        assert_token_ok, client_credentials, introspect,
                        code_tokens, refresh, start_as)
from checks import assert_invalid_token, assert_ok
from tokens import claims, mint


def active(h, introspector, token):
    r = introspect(h, introspector, token)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()["active"]


def usable(h, introspector, token):
    """Whether the token still works: introspection and the protected
    location (OAuth2CheckRevocation on) must agree."""
    is_active = active(h, introspector, token)
    r = api(h, token)
    if is_active:
        assert_ok(r)
    else:
        assert_invalid_token(r, h.server_name)
    return is_active


class TestAdminRevocation:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-admin-revoke")

    @pytest.fixture(scope="class")
    def introspector(self, h):
        """A client that only asks (never withdrawn here)."""
        return add_client(h)

    def test_grant_revoke_revokes_its_access_tokens(self, h, introspector):
        app, other_app = add_client(h), add_client(h)
        first = code_tokens(h, app)[1]
        # a rotation: its access token belongs to the same grant
        second = assert_token_ok(refresh(h, app, first["refresh_token"]))
        bobs = code_tokens(h, app, user=BOB)[1]
        elsewhere = code_tokens(h, other_app)[1]
        for t in (first, second, bobs, elsewhere):
            assert usable(h, introspector, t["access_token"])

        admin(h, "grant", "revoke", "alice", app.client_id)

        assert not usable(h, introspector, first["access_token"])
        assert not usable(h, introspector, second["access_token"])
        assert_token_error(refresh(h, app, second["refresh_token"]),
                           "invalid_grant")
        # bob's grant to the same client, and alice's to another: live
        assert usable(h, introspector, bobs["access_token"])
        assert usable(h, introspector, elsewhere["access_token"])

    def test_grant_revoke_of_every_client(self, h, introspector):
        apps = [add_client(h), add_client(h)]
        issued = [code_tokens(h, a, user=BOB)[1] for a in apps]
        alices = code_tokens(h, apps[0])[1]
        admin(h, "grant", "revoke", "bob")
        for t in issued:
            assert not usable(h, introspector, t["access_token"])
        assert usable(h, introspector, alices["access_token"])

    def test_code_not_yet_redeemed_dies_with_the_grant(self, h):
        app = add_client(h)
        f = Flow(h, app)
        code = f.code()
        admin(h, "grant", "revoke", "alice", app.client_id)
        assert_token_error(f.token(code), "invalid_grant")

    def test_client_remove_revokes_every_token(self, h, introspector):
        app, other_app = add_client(h), add_client(h)
        by_code = code_tokens(h, app)[1]
        by_client = assert_token_ok(client_credentials(h, app))
        elsewhere = assert_token_ok(client_credentials(h, other_app))
        assert usable(h, introspector, by_code["access_token"])
        assert usable(h, introspector, by_client["access_token"])

        admin(h, "client", "remove", app.client_id)

        assert not usable(h, introspector, by_code["access_token"])
        # recorded nowhere, refused because its client is gone
        assert not usable(h, introspector, by_client["access_token"])
        assert usable(h, introspector, elsewhere["access_token"])

    def test_a_new_client_of_the_same_id_revives_nothing(self, h, keys,
                                                         introspector):
        app = add_client(h)
        # registered ten minutes ago, with a client_credentials token of
        # two minutes ago (signed with the AS's key, as the AS signs)
        h.store.execute("UPDATE oa2_clients SET created_at = created_at - 600 "
                        "WHERE issuer = ? AND client_id = ?",
                        (h.issuer, app.client_id))
        now = int(time.time())
        old_cc = mint(keys["ec1"], claims(
            h.issuer, h.issuer, sub=app.client_id, client_id=app.client_id,
            scope="read", iat=now - 120, exp=now + 600))
        by_code = code_tokens(h, app)[1]
        assert usable(h, introspector, old_cc)
        admin(h, "client", "remove", app.client_id)
        # the admin brings the id back (a new secret): the removed
        # client's tokens stay dead, the new client's tokens work
        out = admin(h, "client", "add", "Again", "--client-id",
                    app.client_id, "--redirect-uri", app.redirect_uri,
                    "--scope", "read write", "--grant", "client_credentials",
                    "--grant", "authorization_code").stdout
        app.client_secret = [ln.split(":", 1)[1].strip()
                             for ln in out.splitlines()
                             if ln.startswith("client_secret:")][0]
        assert not usable(h, introspector, by_code["access_token"])
        assert not usable(h, introspector, old_cc)
        fresh = assert_token_ok(client_credentials(h, app))
        assert usable(h, introspector, fresh["access_token"])

    def test_client_added_by_a_clock_ahead_is_no_revocation(self, h, keys,
                                                             introspector):
        """The node or host that registered the client may run a little
        ahead of the one issuing the token (OA2_ACCESS_TOKEN_LEEWAY)."""
        app = add_client(h)
        h.store.execute("UPDATE oa2_clients SET created_at = created_at + 30 "
                        "WHERE issuer = ? AND client_id = ?",
                        (h.issuer, app.client_id))
        token = assert_token_ok(client_credentials(h, app))
        assert usable(h, introspector, token["access_token"])


def rotate_until(h, app, refresh_token, stop, issued):
    """Rotate a refresh token again and again until stop is set or a
    rotation is refused; every access token issued goes to issued."""
    while not stop.is_set():
        r = refresh(h, app, refresh_token)
        if r.status_code != 200:
            return
        body = r.json()
        issued.append(body["access_token"])
        refresh_token = body["refresh_token"]


class TestWithdrawalRacingRotations:
    """A withdrawal while the grant's refresh tokens rotate: no access
    token issued by a rotation that raced it stays active, and no
    rotation fails for anything but the revocation (on PostgreSQL the
    rotations share the user's lock, which the withdrawal takes alone)."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-withdraw-race")

    def test_nothing_issued_survives(self, h):
        app, introspector = add_client(h), add_client(h)
        for _ in range(3):
            chains = [code_tokens(h, app)[1]["refresh_token"]
                      for _ in range(4)]
            stop = threading.Event()
            issued = [[] for _ in chains]
            threads = [threading.Thread(target=rotate_until,
                                        args=(h, app, rt, stop, out))
                       for rt, out in zip(chains, issued)]
            for t in threads:
                t.start()
            time.sleep(0.3)
            try:
                admin(h, "grant", "revoke", "alice", app.client_id)
            finally:
                stop.set()
                for t in threads:
                    t.join()
            live = [t for out in issued for t in out
                    if active(h, introspector, t)]
            assert not live, "%d of %d tokens survived" % (
                len(live), sum(map(len, issued)))


@pytest.mark.skipif(stores.DRIVER != "pgsql",
                    reason="OA2_TEST_DRIVER=pgsql only")
class TestManyFamilies:
    """Withdrawing a client with more refresh families than PostgreSQL's
    lock table holds (max_locks_per_transaction x max_connections):
    one lock, not one per family."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-many-families")

    def test_client_remove(self, h):
        app = add_client(h)
        now = int(time.time())
        h.store.execute(
            "INSERT INTO oa2_refresh (issuer, token_hash, family, client_id, "
            "user_id, scope, resource, expires_at, state, created_at) "
            "SELECT ?, 't' || g, 'f' || g, ?, 'u' || g, 'read', '', ?, 0, ? "
            "FROM generate_series(1, 100000) g",
            (h.issuer, app.client_id, now + 3600, now))
        admin(h, "client", "remove", app.client_id)
        assert h.store.rows("SELECT COUNT(*) FROM oa2_refresh WHERE issuer = "
                            "? AND client_id = ? AND state <> 2",
                            (h.issuer, app.client_id))[0][0] == 0
