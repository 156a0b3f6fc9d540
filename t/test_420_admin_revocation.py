"""What oauth2-admin withdraws stops working at once (issue 12, item 1;
SECURITY.md "Admin revocation"): `grant revoke USER [CLIENT]` and
`client remove CLIENT` revoke the access tokens already issued, not only
the refresh tokens. Introspection answers inactive and every location with
OAuth2CheckRevocation answers 401 right after the command, on every
driver; tokens of other users, clients and grants are untouched.
"""

import time

import pytest

from authserver import (BOB, Flow, add_client, admin, api, assert_token_error,
                        assert_token_ok, client_credentials, introspect,
                        refresh, start_as)
from checks import assert_invalid_token, assert_ok


def code_tokens(h, client, user=None, scope="read"):
    kw = {"user": user} if user else {}
    f = Flow(h, client, scope=scope, **kw)
    return assert_token_ok(f.token(f.code()))


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
        first = code_tokens(h, app)
        # a rotation: its access token belongs to the same grant
        second = assert_token_ok(refresh(h, app, first["refresh_token"]))
        bobs = code_tokens(h, app, user=BOB)
        elsewhere = code_tokens(h, other_app)
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
        issued = [code_tokens(h, a, user=BOB) for a in apps]
        alices = code_tokens(h, apps[0])
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
        by_code = code_tokens(h, app)
        by_client = assert_token_ok(client_credentials(h, app))
        elsewhere = assert_token_ok(client_credentials(h, other_app))
        assert usable(h, introspector, by_code["access_token"])
        assert usable(h, introspector, by_client["access_token"])

        admin(h, "client", "remove", app.client_id)

        assert not usable(h, introspector, by_code["access_token"])
        # recorded nowhere, refused because its client is gone
        assert not usable(h, introspector, by_client["access_token"])
        assert usable(h, introspector, elsewhere["access_token"])

    def test_a_new_client_of_the_same_id_revives_nothing(self, h,
                                                         introspector):
        app = add_client(h)
        by_code = code_tokens(h, app)
        by_client = assert_token_ok(client_credentials(h, app))
        admin(h, "client", "remove", app.client_id)
        # the admin brings the id back (a new secret), in a later second
        # than the tokens' iat (times are whole seconds): the removed
        # client's tokens stay dead, the new client's tokens work
        time.sleep(1.1)
        out = admin(h, "client", "add", "Again", "--client-id",
                    app.client_id, "--redirect-uri", app.redirect_uri,
                    "--scope", "read write", "--grant", "client_credentials",
                    "--grant", "authorization_code").stdout
        secret = [ln.split(":", 1)[1].strip() for ln in out.splitlines()
                  if ln.startswith("client_secret:")][0]
        app.client_secret = secret
        assert not usable(h, introspector, by_code["access_token"])
        assert not usable(h, introspector, by_client["access_token"])
        fresh = assert_token_ok(client_credentials(h, app))
        assert usable(h, introspector, fresh["access_token"])
