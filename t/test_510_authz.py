# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Require oauth2-scope / oauth2-claim / oauth2-client, and where AuthType
OAuth2 works: <Location>, <Directory>, .htaccess, nested locations,
per-location OAuth2Audience."""

import pytest

from checks import (assert_forbidden, assert_insufficient_scope,
                    assert_invalid_token, assert_no_token, assert_ok)
from tokens import claims, mint

pytestmark = pytest.mark.sqlite_only(
    "Require oauth2-* reads no database")

REALM = "rs.test"
# mod_authz_core logs every authorization denial at error level
DENIAL = "AH01631"


class TestRequire:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("authz")
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {key}

Alias /any {htdocs}/api
<Location /any>
    AuthType OAuth2
    Require oauth2-scope read admin
</Location>

Alias /all {htdocs}/api
<Location /all>
    AuthType OAuth2
    AuthName "All API"
    <RequireAll>
        Require oauth2-scope read
        Require oauth2-scope write
    </RequireAll>
</Location>

Alias /claim-str {htdocs}/api
<Location /claim-str>
    AuthType OAuth2
    Require oauth2-claim tenant acme beta
</Location>

Alias /claim-arr {htdocs}/api
<Location /claim-arr>
    AuthType OAuth2
    Require oauth2-claim groups staff ops
</Location>

Alias /client {htdocs}/api
<Location /client>
    AuthType OAuth2
    Require oauth2-client app-1 app-2
</Location>

Alias /mixed {htdocs}/api
<Location /mixed>
    AuthType OAuth2
    <RequireAll>
        Require oauth2-scope read
        Require oauth2-client app-1
    </RequireAll>
</Location>
""".format(iss=h.issuer, key=keys["ec1"].path, htdocs=h.htdocs))
        return h

    def get(self, h, keys, path, **over):
        t = mint(keys["ec1"], claims(h.issuer, h.issuer, **over))
        return h.get(path + "/data.txt", token=t)

    # ---- oauth2-scope, any of --------------------------------------------

    @pytest.mark.parametrize("scope", ["read", "admin", "x admin y",
                                       "write read"])
    def test_scope_any_granted(self, h, keys, scope):
        assert_ok(self.get(h, keys, "/any", scope=scope), "api data\n")

    @pytest.mark.log_allow(DENIAL)
    @pytest.mark.parametrize("scope", ["write", "reader readonly",
                                       "READ", "", None, "read-only admin2"])
    def test_scope_any_denied(self, h, keys, scope):
        r = self.get(h, keys, "/any", scope=scope)
        assert_insufficient_scope(r, REALM, scope="read admin")
        assert "OA2-00110" in h.new_log()

    def test_scope_location_without_token(self, h):
        assert_no_token(h.get("/any/data.txt"), REALM)

    def test_scope_location_bad_token(self, h, keys):
        r = self.get(h, keys, "/any", scope="read", aud="https://x.test")
        assert_invalid_token(r, REALM)

    # ---- RequireAll of two scope lines ---------------------------------

    @pytest.mark.parametrize("scope", ["read write", "write x read"])
    def test_scope_all_granted(self, h, keys, scope):
        assert_ok(self.get(h, keys, "/all", scope=scope))

    @pytest.mark.log_allow(DENIAL)
    def test_scope_all_missing_one(self, h, keys):
        r = self.get(h, keys, "/all", scope="read")
        params = assert_insufficient_scope(r, "All API")
        assert "write" in params["scope"].split(), params

    @pytest.mark.log_allow(DENIAL)
    def test_scope_all_missing_other(self, h, keys):
        r = self.get(h, keys, "/all", scope="write")
        params = assert_insufficient_scope(r, "All API")
        assert "read" in params["scope"].split(), params

    # ---- oauth2-claim ----------------------------------------------------

    @pytest.mark.parametrize("value", ["acme", "beta", ["x", "beta"]])
    def test_claim_granted(self, h, keys, value):
        assert_ok(self.get(h, keys, "/claim-str", tenant=value))

    @pytest.mark.log_allow(DENIAL)
    @pytest.mark.parametrize("value", ["acme2", "ACME", "", None, ["x"],
                                       "acme beta"])
    def test_claim_denied(self, h, keys, value):
        assert_forbidden(self.get(h, keys, "/claim-str", tenant=value),
                         REALM)

    @pytest.mark.parametrize("value", [["x", "ops"], ["staff"], "staff"])
    def test_array_claim_granted(self, h, keys, value):
        assert_ok(self.get(h, keys, "/claim-arr", groups=value))

    @pytest.mark.log_allow(DENIAL)
    @pytest.mark.parametrize("value", [["x"], [], "x", None])
    def test_array_claim_denied(self, h, keys, value):
        assert_forbidden(self.get(h, keys, "/claim-arr", groups=value),
                         REALM)

    # ---- oauth2-client ---------------------------------------------------

    @pytest.mark.parametrize("client", ["app-1", "app-2"])
    def test_client_granted(self, h, keys, client):
        assert_ok(self.get(h, keys, "/client", client_id=client))

    @pytest.mark.log_allow(DENIAL)
    @pytest.mark.parametrize("client", ["app-3", "app", "APP-1"])
    def test_client_denied(self, h, keys, client):
        assert_forbidden(self.get(h, keys, "/client", client_id=client),
                         REALM)

    # ---- scope and client together -------------------------------------

    def test_mixed_granted(self, h, keys):
        assert_ok(self.get(h, keys, "/mixed", scope="read",
                           client_id="app-1"))

    @pytest.mark.log_allow(DENIAL)
    def test_mixed_wrong_client(self, h, keys):
        r = self.get(h, keys, "/mixed", scope="read", client_id="app-2")
        assert r.status_code == 403, r.status_code

    @pytest.mark.log_allow(DENIAL)
    def test_mixed_wrong_scope(self, h, keys):
        r = self.get(h, keys, "/mixed", scope="write", client_id="app-1")
        assert_insufficient_scope(r, REALM, scope="read")


class TestPlacement:
    """<Directory>, .htaccess, nested <Location> merge, OAuth2Audience."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("placement")
        for d in ("dir", "ht", "nest", "nest/admin", "aud", "plain"):
            h.write_file("htdocs/%s/data.txt" % d, "%s data\n" % d)
        h.write_file("htdocs/ht/.htaccess", """
AuthType OAuth2
AuthName "htaccess realm"
OAuth2Audience https://ht.test
Require oauth2-scope ht
""")
        h.start("""
OAuth2Issuer {iss}
OAuth2SigningKey {key}

<Directory "{htdocs}/dir">
    AuthType OAuth2
    Require oauth2-scope read
</Directory>

<Directory "{htdocs}/ht">
    AllowOverride AuthConfig
</Directory>

<Location /nest>
    AuthType OAuth2
    OAuth2Audience https://nest.test
    Require valid-user
</Location>
<Location /nest/admin>
    Require oauth2-scope admin
</Location>

<Location /aud>
    AuthType OAuth2
    OAuth2Audience https://aud.test
    Require valid-user
</Location>

<Location /plain>
    AuthType OAuth2
    Require valid-user
</Location>
""".format(iss=h.issuer, key=keys["ec1"].path, htdocs=h.htdocs))
        return h

    def get(self, h, keys, path, **over):
        t = mint(keys["ec1"], claims(h.issuer, over.pop("aud", h.issuer),
                                     **over))
        return h.get(path, token=t)

    # ---- <Directory> -----------------------------------------------------

    def test_directory_no_token(self, h):
        assert_no_token(h.get("/dir/data.txt"), REALM)

    def test_directory_granted(self, h, keys):
        assert_ok(self.get(h, keys, "/dir/data.txt", scope="read"),
                  "dir data\n")

    @pytest.mark.log_allow(DENIAL)
    def test_directory_scope_denied(self, h, keys):
        r = self.get(h, keys, "/dir/data.txt", scope="write")
        assert_insufficient_scope(r, REALM, scope="read")

    def test_directory_bad_token(self, h, keys):
        r = self.get(h, keys, "/dir/data.txt", scope="read",
                     iss="https://evil.test")
        assert_invalid_token(r, REALM)

    # ---- .htaccess -------------------------------------------------------

    def test_htaccess_no_token(self, h):
        assert_no_token(h.get("/ht/data.txt"), "htaccess realm")

    def test_htaccess_granted(self, h, keys):
        r = self.get(h, keys, "/ht/data.txt", aud="https://ht.test",
                     scope="ht")
        assert_ok(r, "ht data\n")

    def test_htaccess_audience(self, h, keys):
        r = self.get(h, keys, "/ht/data.txt", scope="ht")
        assert_invalid_token(r, "htaccess realm")

    @pytest.mark.log_allow(DENIAL)
    def test_htaccess_scope(self, h, keys):
        r = self.get(h, keys, "/ht/data.txt", aud="https://ht.test",
                     scope="read")
        assert_insufficient_scope(r, "htaccess realm", scope="ht")

    # ---- nested locations merge -----------------------------------------

    def test_nest_outer(self, h, keys):
        assert_ok(self.get(h, keys, "/nest/data.txt",
                           aud="https://nest.test"), "nest data\n")
        assert_invalid_token(self.get(h, keys, "/nest/data.txt"), REALM)

    def test_nest_inner_inherits_authtype(self, h):
        assert_no_token(h.get("/nest/admin/data.txt"), REALM)

    def test_nest_inner_granted(self, h, keys):
        r = self.get(h, keys, "/nest/admin/data.txt", aud="https://nest.test",
                     scope="admin")
        assert_ok(r, "nest/admin data\n")

    def test_nest_inner_inherits_audience(self, h, keys):
        r = self.get(h, keys, "/nest/admin/data.txt", scope="admin")
        assert_invalid_token(r, REALM)

    @pytest.mark.log_allow(DENIAL)
    def test_nest_inner_scope(self, h, keys):
        r = self.get(h, keys, "/nest/admin/data.txt", aud="https://nest.test",
                     scope="read")
        assert_insufficient_scope(r, REALM, scope="admin")

    # ---- OAuth2Audience ------------------------------------------------

    def test_audience_demanded(self, h, keys):
        assert_ok(self.get(h, keys, "/aud/data.txt", aud="https://aud.test"))
        assert_ok(self.get(h, keys, "/aud/data.txt",
                           aud=["https://x.test", "https://aud.test"]))

    @pytest.mark.parametrize("aud", ["https://other.test", "default",
                                     ["https://x.test"],
                                     "https://aud.test/"])
    def test_audience_mismatch(self, h, keys, aud):
        if aud == "default":
            aud = h.issuer
        r = self.get(h, keys, "/aud/data.txt", aud=aud)
        assert_invalid_token(r, REALM)
        assert "OA2-00101" in h.new_log()

    def test_default_audience_is_issuer(self, h, keys):
        assert_ok(self.get(h, keys, "/plain/data.txt"))
        r = self.get(h, keys, "/plain/data.txt", aud="https://aud.test")
        assert_invalid_token(r, REALM)
