# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The database goes away while httpd runs (DBDPersist Off: a connection
per request) and comes back: 503 temporarily_unavailable, no crash, and
service resumes without a restart.  On SQLite the file's permissions are
taken away; on PostgreSQL the store's role may no longer log in (or its
transactions are read-only)."""

import os
import shutil

import pytest

from authserver import (DB_DOWN_LOG, Flow, add_client, api, assert_token_ok,
                        client_credentials, db_path, introspect, refresh,
                        revoke, start_as)
from checks import assert_no_crash, assert_ok


def assert_unavailable_json(r):
    assert r.status_code == 503, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"] == "temporarily_unavailable", r.text


class TestDatabaseUnavailable:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = start_as(httpd_factory, keys, "as-dbfail", extra=lambda h: """
DBDPersist Off

Alias /api-norev {htdocs}/api
<Location /api-norev>
    AuthType OAuth2
    Require oauth2-scope read
</Location>
""".format(htdocs=h.htdocs))
        # The purge runs in log_transaction, after the response: its
        # warning about the broken database may land after a test's own
        # log check, in the next test's or the teardown's.
        h.allowed_always.append(r"OA2-00401: purging expired rows failed")
        return h

    @pytest.fixture(scope="class")
    def state(self, h):
        """A client and live tokens made while the database works."""
        c = add_client(h)
        f = Flow(h, c)
        body = assert_token_ok(f.token(f.code()))
        return {"client": c, "tokens": body}

    def break_db(self, h):
        h.store.refuse_connections()

    def fix_db(self, h):
        h.store.accept_connections()

    @pytest.fixture
    def broken(self, h, state):
        h.allow_log(*DB_DOWN_LOG)
        self.break_db(h)
        try:
            yield state
        finally:
            self.fix_db(h)

    def test_token_endpoint(self, h, broken):
        c = broken["client"]
        assert_unavailable_json(client_credentials(h, c))
        r = client_credentials(h, c)
        assert r.headers.get("Cache-Control") == "no-store"
        assert "OA2-00400" in h.new_log()

    def test_refresh(self, h, broken):
        assert_unavailable_json(refresh(h, broken["client"],
                                        broken["tokens"]["refresh_token"]))

    def test_authorize(self, h, broken):
        r = Flow(h, broken["client"]).get()
        assert r.status_code == 503, (r.status_code, r.text[:300])
        assert "Location" not in r.headers
        assert r.headers["Content-Type"].startswith("text/html")
        assert r.headers.get("Cache-Control") == "no-store"
        assert "Authorization error" in r.text

    def test_introspect_and_revoke(self, h, broken):
        c = broken["client"]
        at = broken["tokens"]["access_token"]
        assert_unavailable_json(introspect(h, c, at))
        assert_unavailable_json(revoke(h, c, at))

    def test_jwks_and_metadata_still_served(self, h, broken):
        assert h.get("/oauth2/jwks").status_code == 200
        assert h.get("/.well-known/oauth-authorization-server") \
            .status_code == 200

    def test_bearer_without_revocation_check(self, h, broken):
        # a JWT is checked with the keys alone
        assert_ok(api(h, broken["tokens"]["access_token"],
                      "/api-norev/data.txt"))

    def test_bearer_with_revocation_check_fails_closed(self, h, broken):
        r = api(h, broken["tokens"]["access_token"])
        assert r.status_code != 200, r.status_code
        assert r.status_code in (401, 503), r.status_code

    def test_no_crash(self, h, broken):
        for _ in range(20):
            client_credentials(h, broken["client"])
        log = h.error_log()
        assert_no_crash(log)
        assert h.proc.poll() is None
        pids = h.group_pids()
        assert len(pids) >= 3, pids

    def test_service_resumes(self, h, state):
        c = state["client"]
        h.allow_log(*DB_DOWN_LOG)
        self.break_db(h)
        try:
            assert_unavailable_json(client_credentials(h, c))
        finally:
            self.fix_db(h)
        body = assert_token_ok(client_credentials(h, c))
        assert_ok(api(h, body["access_token"]))
        f = Flow(h, c)
        assert_token_ok(f.token(f.code()))
        assert_token_ok(refresh(
            h, c, state["tokens"]["refresh_token"]))
        assert_no_crash(h.error_log())
        assert h.proc.poll() is None

    def test_read_only(self, h):
        """Reads work, writes answer 503: the client is found, but no
        consent, code or token can be stored."""
        c = add_client(h)
        f0 = Flow(h, c, scope="read")
        tok = assert_token_ok(f0.token(f0.code()))
        f = Flow(h, c, scope="read write")   # not consented yet
        page = f.consent_page()
        h.allow_log(*DB_DOWN_LOG, h.store.READ_ONLY_LOG)
        h.store.make_read_only()
        try:
            # client_credentials stores nothing
            assert_token_ok(client_credentials(h, c))
            r = f.post(page)
            assert r.status_code == 503, (r.status_code, r.text[:300])
            assert "Location" not in r.headers
            assert r.headers["Content-Type"].startswith("text/html")
            assert_unavailable_json(refresh(h, c, tok["refresh_token"]))
        finally:
            h.store.make_writable()
        # nothing half-done: the refresh token was not rotated
        assert_token_ok(refresh(h, c, tok["refresh_token"]))
        f2 = Flow(h, c, scope="read write")
        assert f2.get().status_code == 200   # consent was not stored

    @pytest.mark.sqlite_only("replaces the database file")
    def test_not_a_database(self, h, state):
        """The file is replaced by something that is not SQLite."""
        c = state["client"]
        db = db_path(h)
        saved = h.dir / "saved-db"
        saved.mkdir()
        h.allow_log(*DB_DOWN_LOG, r"\[oauth2:error\] .*file is not a database")
        for p in h.db_dir.iterdir():
            shutil.move(str(p), str(saved / p.name))
        try:
            db.write_bytes(b"this is not a database\n" * 200)
            os.chmod(db, 0o666)
            r = client_credentials(h, c)
            assert r.status_code in (500, 503), (r.status_code, r.text)
            assert r.json()["error"] in ("temporarily_unavailable",
                                         "server_error")
            r = Flow(h, c).get()
            assert r.status_code in (500, 503)
            assert "Location" not in r.headers
        finally:
            for p in h.db_dir.iterdir():
                p.unlink()
            for p in saved.iterdir():
                shutil.move(str(p), str(h.db_dir / p.name))
        assert_token_ok(client_credentials(h, c))
        assert_no_crash(h.error_log())
        assert h.proc.poll() is None
