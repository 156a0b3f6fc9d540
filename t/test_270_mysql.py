# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""MySQL/MariaDB where it differs from SQLite and PostgreSQL in what the
module relies on (OA2_TEST_DRIVER=mysql, except TestExactNames, which
holds on every driver):

- an UPDATE counts the rows it changed, not those it matched, unless the
  connection asks for CLIENT_FOUND_ROWS (DBDParams flags=): a consent
  stored again unchanged within one second changed no row;
- there is no INSERT ... ON CONFLICT: a second insert of a key is an
  error, also between two requests at once, and an UPDATE of a row not
  there yet locks the gap where it would go (two of them deadlock);
- VARCHARs compare by a collation: case-insensitive by default, trailing
  spaces ignored even by the _bin ones;
- a DBA may give httpd's account only SELECT, INSERT, UPDATE, DELETE.

The row-count tests run with the default flags and with CLIENT_FOUND_ROWS.
"""

import subprocess
import time
import threading

import pytest

import stores
import tokens
from authserver import (ALICE, USERS, Client, Flow, add_client,
                        admin_bin, api, assert_token_error, assert_token_ok,
                        client_credentials, code_tokens, every_grant_works,
                        introspect,
                        parallel_post, refresh, sole_winner, start_as,
                        token_request,
                        verify_access_token, write_htpasswd)
from checks import assert_ok

mysql_only = pytest.mark.skipif(stores.DRIVER != "mysql",
                                reason="OA2_TEST_DRIVER=mysql only")


def at_once(n, fn):
    """fn(i) for i in range(n) in n threads released together; the
    results in order."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(10)
            results[i] = fn(i)
        except Exception as e:  # noqa: BLE001
            results[i] = repr(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def post_form(h, page, user=ALICE):
    """The consent form approved, on a connection of its own; the status
    (303 when approved, 400 when refused)."""
    import requests
    s = requests.Session()
    s.trust_env = False
    try:
        return s.post(page.action_url(), data=page.data("approve"),
                      auth=user, allow_redirects=False, timeout=30) \
            .status_code
    finally:
        s.close()


@mysql_only
class TestRowCounts:
    """Single use and remembered consent decided by row counts, with and
    without CLIENT_FOUND_ROWS."""

    @pytest.fixture(scope="class", params=[None, "CLIENT_FOUND_ROWS"],
                    ids=["changed-rows", "found-rows"])
    def h(self, request, httpd_factory, keys, my_server):
        return start_as(httpd_factory, keys, "as-rows",
                        store=my_server.new_store(flags=request.param))

    @pytest.fixture
    def client(self, h):
        return add_client(h)

    def test_consent_stored_again_unchanged(self, h, client):
        """prompt=consent approved three times in a row, the same scope:
        the later ones store the same row in the same second (an UPDATE
        that changes nothing)."""
        for _ in range(3):
            f = Flow(h, client, prompt="consent")
            r = f.post(f.consent_page())
            assert r.status_code == 303, (r.status_code, r.text[:300])
            assert_token_ok(f.token(f.redirect_query(r)["code"]))
        assert Flow(h, client).get().status_code == 302

    def test_first_consents_at_once(self, h, client):
        """Eight consent forms of one user for one client, none remembered
        yet, approved together: every one stores the consent."""
        pages = [Flow(h, client).consent_page() for _ in range(8)]
        assert at_once(8, lambda i: post_form(h, pages[i])) == [303] * 8
        assert Flow(h, client).get().status_code == 302

    def test_consent_form_used_once(self, h, client):
        f = Flow(h, client)
        page = f.consent_page()
        assert f.post(page).status_code == 303
        r = f.post(page)
        assert r.status_code == 400, r.status_code
        assert "OA2-00432" in h.new_log()

    def test_consent_form_posted_at_once(self, h, client):
        """The same form twelve times together: one approval, the rest
        refused as already submitted, none a 503."""
        page = Flow(h, client, prompt="consent").consent_page()
        results = at_once(12, lambda i: post_form(h, page))
        assert sorted(results) == [303] + [400] * 11, results

    def test_code_used_once(self, h, client):
        f = Flow(h, client)
        code = f.code()
        body = assert_token_ok(f.token(code))
        assert_token_error(f.token(code), "invalid_grant")
        # the replay revoked what the code produced
        assert api(h, body["access_token"]).status_code == 401
        assert_token_error(refresh(h, client, body["refresh_token"]),
                           "invalid_grant")

    def test_code_redeemed_at_once(self, h, client):
        f = Flow(h, client)
        code = f.code()
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": f.redirect_uri, "code_verifier": f.verifier}
        sole_winner(parallel_post(h, "/oauth2/token", data, client.auth, 12))

    def test_refresh_token_used_once(self, h, client):
        f = Flow(h, client)
        body = assert_token_ok(f.token(f.code()))
        body2 = assert_token_ok(refresh(h, client, body["refresh_token"]))
        assert_token_error(refresh(h, client, body["refresh_token"]),
                           "invalid_grant")
        # reuse revoked the whole family
        assert_token_error(refresh(h, client, body2["refresh_token"]),
                           "invalid_grant")

    def test_refresh_token_rotated_at_once(self, h, client):
        f = Flow(h, client)
        body = assert_token_ok(f.token(f.code()))
        data = {"grant_type": "refresh_token",
                "refresh_token": body["refresh_token"]}
        sole_winner(parallel_post(h, "/oauth2/token", data, client.auth, 12))

    def test_revoked_at_once(self, h, client):
        f = Flow(h, client)
        body = assert_token_ok(f.token(f.code()))
        for token in (body["access_token"], body["refresh_token"]):
            results = parallel_post(h, "/oauth2/revoke", {"token": token},
                                    client.auth, 12)
            assert [st for st, _ in results] == [200] * 12, results
        assert not introspect(h, client, body["access_token"]) \
            .json()["active"]


class TestExactNames:
    """Client ids and user names are equal byte for byte, on every driver
    (MySQL's default collation would make Alice alice, and every _bin
    collation would make "alice " alice)."""

    OTHERS = {"Alice": "Alice-pw", "alice ": "alice-space-pw"}

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = start_as(httpd_factory, keys, "as-names")
        write_htpasswd(h, dict(USERS, **self.OTHERS))
        return h

    @pytest.fixture
    def client(self, h):
        """A client alice consented to ("read")."""
        c = add_client(h)
        Flow(h, c).code()
        assert Flow(h, c).get().status_code == 302
        return c

    def approve(self, h, client, user):
        """user's consent, and the sub of the token it leads to."""
        f = Flow(h, client, user=(user, self.OTHERS[user]))
        r = f.post(f.consent_page())
        assert r.status_code == 303, (r.status_code, r.text[:300])
        body = assert_token_ok(f.token(f.redirect_query(r)["code"]))
        return verify_access_token(h, body["access_token"])[1]["sub"]

    def test_consent_is_alices_only(self, h, client):
        for user in sorted(self.OTHERS):
            assert self.approve(h, client, user) == user
        users = {r[0] for r in h.store.rows(
            "SELECT user_id FROM oa2_consents WHERE client_id = ?",
            (client.client_id,))}
        assert users == {"alice", "Alice", "alice "}, users

    def test_client_name_of_200_characters(self, h):
        """Registration takes 200 characters of any script (here 400
        bytes of UTF-8): the name is text, not bytes, on every driver."""
        name = "\u00e9" * 199 + "\u6f22"
        r = h.session.post(h.url("/oauth2/register"), timeout=10, json={
            "client_name": name, "redirect_uris": ["https://app.example/cb"]})
        assert r.status_code == 201, (r.status_code, r.text[:300])
        body = r.json()
        tokens.register(body["client_secret"])
        assert h.store.rows("SELECT name FROM oa2_clients WHERE "
                            "client_id = ?", (body["client_id"],)) \
            == [(name,)]
        c = Client(body["client_id"], body["client_secret"],
                   ["https://app.example/cb"], name, None,
                   body["grant_types"], False)
        assert name in Flow(h, c, scope=None).consent_page().resp.text

    def test_client_id_in_another_case_is_unknown(self, h, client):
        other = client.client_id.swapcase()
        assert other != client.client_id
        r = Flow(h, client, client_id=other).get()
        assert r.status_code == 400, r.status_code
        assert "Location" not in r.headers
        r = token_request(h, client, {"grant_type": "client_credentials"},
                          auth=(other, client.client_secret))
        assert r.status_code == 401, (r.status_code, r.text)


@mysql_only
class TestLeastPrivilegeAccount:
    """A DBA loaded conf/schema-mysql.sql as the database's owner and gave
    httpd's account only SELECT, INSERT, UPDATE and DELETE on it."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, my_server):
        owner = my_server.new_store()
        schema = subprocess.run([admin_bin(), "schema", "mysql"],
                                capture_output=True, text=True, check=True,
                                timeout=30).stdout
        for stmt in schema.split(";\n"):
            if stmt.strip():
                owner.execute(stmt)
        return start_as(httpd_factory, keys, "as-dml",
                        store=owner.dml_account())

    def test_schema_was_made_by_the_owner(self, h):
        assert {"oa2_clients", "oa2_codes", "oa2_refresh", "oa2_consents",
                "oa2_revoked", "oa2_nonces", "oa2_access_tokens", "oa2_purge"} <= h.store.tables()
        engines = {r[0] for r in h.store.server.execute(
            "SELECT engine FROM information_schema.tables "
            "WHERE table_schema = %s", (h.store.database,))}
        assert engines == {"InnoDB"}, engines

    def test_every_grant_works(self, h):
        every_grant_works(h)

    def test_account_cannot_create(self, h):
        import pymysql
        with pytest.raises(pymysql.err.OperationalError):
            h.store.execute("CREATE TABLE oa2_extra (x INTEGER)")


@mysql_only
class TestLostConnections:
    """The server ends the sessions httpd's pool holds (wait_timeout, a
    DBA's KILL). apr_dbd's mysql driver reconnects when mod_dbd checks the
    connection, and the statements prepared in the old session are gone
    ("Statement not prepared"): the store prepares them again, and a
    request that had not begun a transaction does not notice."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-kill")

    def test_service_goes_on(self, h):
        c = add_client(h)
        f = Flow(h, c)
        body = assert_token_ok(f.token(f.code()))
        results = parallel_post(h, "/oauth2/token",
                                {"grant_type": "client_credentials"},
                                c.auth, 8)
        assert [st for st, _ in results] == [200] * 8, results
        assert h.store.kick() >= 2
        statuses = [client_credentials(h, c).status_code for _ in range(30)]
        assert statuses == [200] * 30, statuses
        body = assert_token_ok(refresh(h, c, body["refresh_token"]))
        assert_ok(api(h, body["access_token"]))
        f = Flow(h, c, prompt="consent")
        assert_token_ok(f.token(f.code()))


@mysql_only
class TestDeadlockVictim:
    """A rotation that InnoDB rolls back to end a lock cycle (error 1213,
    "Deadlock found") is run again, not answered 503: the cycle here is
    made on purpose by a session of the test, which holds the access
    token table, waits for the rotation to queue behind it, then asks for
    the refresh token row the rotation holds. The session has written
    more rows, so InnoDB picks the rotation as the victim."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, my_server):
        return start_as(httpd_factory, keys, "as-deadlock",
                        store=my_server.new_store())

    def deadlocks(self, h):
        return int(h.store.server.execute(
            "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")[0][1])

    def rotation_waits(self, h):
        """Whether httpd's session is inside its access token insert (its
        rotation then holds the refresh token row)."""
        return h.store.server.execute(
            "SELECT COUNT(*) FROM information_schema.processlist "
            "WHERE user = %s AND info LIKE 'INSERT INTO oa2_access_tokens%%'",
            (h.store.name,))[0][0]

    def test_rotation_run_again(self, h):
        client = add_client(h)
        body = code_tokens(h, client)[1]
        (token_hash,) = h.store.rows(
            "SELECT token_hash FROM oa2_refresh WHERE client_id = ? "
            "AND state = 0", (client.client_id,))[0]
        h.new_log()
        deadlocks = self.deadlocks(h)
        conn = h.store.connect()
        result = {}
        try:
            cur = conn.cursor()
            cur.execute("BEGIN")
            # weight: InnoDB rolls back the transaction that wrote less
            cur.executemany(
                "INSERT INTO oa2_nonces VALUES ('deadlock-test', %s, 0)",
                [("n%d" % i,) for i in range(200)])
            cur.execute("SELECT jti FROM oa2_access_tokens "
                        "WHERE issuer = %s FOR UPDATE", (h.issuer,))
            worker = threading.Thread(target=lambda: result.update(
                r=refresh(h, client, body["refresh_token"])))
            worker.start()
            deadline = time.time() + 10
            while not self.rotation_waits(h):
                assert time.time() < deadline, "the rotation never waited"
                time.sleep(0.02)
            # the rotation holds this row and waits for us: a cycle
            cur.execute("UPDATE oa2_refresh SET expires_at = expires_at "
                        "WHERE issuer = %s AND token_hash = %s",
                        (h.issuer, token_hash))
            cur.execute("ROLLBACK")
        finally:
            conn.close()
        worker.join(30)
        assert_token_ok(result["r"])
        assert self.deadlocks(h) == deadlocks + 1
