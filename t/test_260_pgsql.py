# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""PostgreSQL set-ups the shared suite does not make (OA2_TEST_DRIVER=pgsql
only): here a DBA loaded conf/schema-pgsql.sql as the schema's owner and
gave httpd's role only SELECT, INSERT, UPDATE and DELETE on its tables."""

import hashlib
import subprocess
import threading

import pytest

import stores
from authserver import (Flow, add_client, admin_bin, assert_token_error,
                        assert_token_ok, every_grant_works, refresh,
                        start_as)

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
                "oa2_revoked", "oa2_nonces", "oa2_access_tokens", "oa2_purge"} <= h.store.tables()

    def test_every_grant_works(self, h):
        every_grant_works(h)

    def test_role_cannot_create(self, h):
        import psycopg2
        with pytest.raises(psycopg2.Error):
            h.store.execute("CREATE TABLE oa2_extra (x INTEGER)")


class TestFamilyRevocationWaitsForRotation:
    """A reused refresh token revokes its whole family, also the token a
    rotation of the same family is inserting at that moment. Under READ
    COMMITTED the revoking UPDATE would run on a snapshot without that
    token; rotations and revocations therefore take the family's lock
    first. Here this test plays the rotation in flight: it holds the
    family's lock, the replay must wait for it, and the row the test then
    inserts and commits must end up revoked."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-family-lock")

    def test_replay_waits_for_the_rotation_and_revokes_its_token(self, h):
        client = add_client(h)
        f = Flow(h, client)
        rt0 = assert_token_ok(f.token(f.code()))["refresh_token"]
        rt1 = assert_token_ok(refresh(h, client, rt0))["refresh_token"]
        rt1_hash = hashlib.sha256(rt1.encode()).hexdigest()
        (family,), = h.store.rows(
            "SELECT family FROM oa2_refresh WHERE token_hash = ?",
            (rt1_hash,))
        rotation = h.store.connect()
        rotation.autocommit = False
        result = {}
        try:
            with rotation.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(hashtextextended("
                            "%s || ' ' || %s, 0))", (h.issuer, family))

                def replay():
                    result["r"] = refresh(h, client, rt0)
                t = threading.Thread(target=replay)
                t.start()
                t.join(1.0)
                assert t.is_alive(), "the replay did not wait for the lock"
                cur.execute(
                    "INSERT INTO oa2_refresh (issuer, token_hash, family, "
                    "client_id, user_id, scope, resource, expires_at, "
                    "state, created_at) SELECT issuer, %s, family, "
                    "client_id, user_id, scope, resource, expires_at, 0, "
                    "created_at FROM oa2_refresh WHERE token_hash = %s",
                    ("0" * 64, rt1_hash))
            rotation.commit()
            t.join(10)
        finally:
            rotation.close()
        assert_token_error(result["r"], "invalid_grant")
        states = dict(h.store.rows(
            "SELECT token_hash, state FROM oa2_refresh WHERE family = ?",
            (family,)))
        assert states["0" * 64] == 2, states
        assert all(s == 2 for s in states.values()), states
