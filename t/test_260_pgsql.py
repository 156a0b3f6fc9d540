"""PostgreSQL set-ups the shared suite does not make (OA2_TEST_DRIVER=pgsql
only): here a DBA loaded conf/schema-pgsql.sql as the schema's owner and
gave httpd's role only SELECT, INSERT, UPDATE and DELETE on its tables."""

import subprocess

import pytest

import stores
from authserver import (Flow, add_client, admin_bin, api, assert_token_ok,
                        client_credentials, introspect, refresh, revoke,
                        start_as)
from checks import assert_ok

pytestmark = pytest.mark.skipif(stores.DRIVER != "pgsql",
                                reason="OA2_TEST_DRIVER=pgsql only")


class TestLeastPrivilegeRole:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, pg_cluster):
        owner = pg_cluster.new_store()
        schema = subprocess.run([admin_bin(), "schema", "pgsql"],
                                capture_output=True, text=True, check=True,
                                timeout=30).stdout
        owner.execute(schema)
        dml = owner.dml_role()
        return start_as(httpd_factory, keys, "as-dml", store=dml)

    def test_schema_was_made_by_the_owner(self, h):
        assert {"oa2_clients", "oa2_codes", "oa2_refresh", "oa2_consents",
                "oa2_revoked", "oa2_nonces", "oa2_issued"} <= h.store.tables()

    def test_every_grant_works(self, h):
        c = add_client(h)
        f = Flow(h, c)
        body = assert_token_ok(f.token(f.code()))
        assert_ok(api(h, body["access_token"]))
        body2 = assert_token_ok(refresh(h, c, body["refresh_token"]))
        assert_token_ok(client_credentials(h, c))
        assert revoke(h, c, body2["access_token"]).status_code == 200
        assert api(h, body2["access_token"]).status_code == 401
        assert introspect(h, c, body2["refresh_token"]).json()["active"]

    def test_role_cannot_create(self, h):
        import psycopg2
        with pytest.raises(psycopg2.Error):
            h.store.execute("CREATE TABLE oa2_extra (x INTEGER)")
