# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A database made by the release before OpenID Connect (its schema is kept
as it was in t/data/schema-v1-DRIVER.sql, a copy of that release's
conf/schema-DRIVER.sql) is upgraded in place on first use: oa2_codes gains
nonce, auth_time, claims and dpop_jkt (RFC 9449 §10: the key a code is
bound to), oa2_refresh auth_time, claims and dpop_jkt (RFC 9449: the key a
public client's refresh token is bound to), with
defaults that keep the old rows and the INSERTs of a node still running
the earlier release valid. A role that may not ALTER (a DBA's
least-privilege set-up) gets a clear error naming the missing column, and
works once the DBA has run the current conf/schema-DRIVER.sql."""

import hashlib
import pathlib
import re
import secrets
import sqlite3
import subprocess
import time

import pytest

import stores
from authserver import (add_client, admin_bin, assert_token_error,
                        assert_token_ok, client_credentials, every_grant_works,
                        parallel_post, refresh, start_as, token_request)

DATA = pathlib.Path(__file__).parent / "data"

NEW_COLUMNS = {"oa2_codes": {"nonce", "auth_time", "claims", "dpop_jkt"},
               "oa2_refresh": {"auth_time", "claims", "dpop_jkt"}}

# What the module logs when a role may not add a missing column.
MISSING_COLUMN_LOG = (r"\[oauth2:error\] .*OA2-00850: temporarily_unavailable"
                      r".*column nonce of table oa2_codes is missing")

# (any column: the purge after the last refused response may run while the
# DBA's upgrade is half-way, and find the first columns added already)
PURGE_LOG = (r"\[oauth2:warn\] .*OA2-00401: purging expired rows failed: .*"
             r"column \w+ of table oa2_\w+ is missing")


def old_schema():
    """The statements of the earlier release's schema for the driver under
    test, without comments."""
    text = (DATA / ("schema-v1-%s.sql" % stores.DRIVER)).read_text()
    text = "\n".join(line for line in text.splitlines()
                     if not line.startswith("--"))
    return [s.strip() for s in text.split(";\n") if s.strip().rstrip(";")]


def current_schema():
    return subprocess.run([admin_bin(), "schema", stores.DRIVER],
                          capture_output=True, text=True, check=True,
                          timeout=30).stdout


def load(store, statements):
    """Run statements on store as its owner (as a DBA would)."""
    if store.driver == "sqlite3":
        with sqlite3.connect(str(store.path), timeout=10) as c:
            c.executescript(";\n".join(statements) + ";")
        c.close()
        store.writable_for_httpd()
        return
    for stmt in statements:
        store.execute(stmt.rstrip(";"))


def old_httpd(httpd_factory):
    """httpd_factory, whose Httpd's store holds the earlier release's
    tables."""
    def make(name, **kw):
        h = httpd_factory(name, **kw)
        load(h.store, old_schema())
        return h
    return make


def columns(store, table):
    if store.driver == "sqlite3":
        return {r[1] for r in store.rows("PRAGMA table_info(%s)" % table)}
    if store.driver == "pgsql":
        return {r[0] for r in store.cluster.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (store.schema, table))}
    return {r[0] for r in store.server.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s",
        (store.database, table))}


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


class TestUpgradeInPlace:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(old_httpd(httpd_factory), keys, "as-upgrade")

    def test_made_by_the_earlier_release(self, h):
        """Nothing but the server's start-up has touched the tables."""
        for table, new in NEW_COLUMNS.items():
            assert not new & columns(h.store, table), table

    def test_children_upgrade_at_once(self, h):
        """The first requests, all at once, find the old tables: each
        child adds the columns or finds them added by another, and none
        fails (its log would show it)."""
        results = parallel_post(h, "/oauth2/token",
                                {"grant_type": "client_credentials"},
                                ("nobody-registered", "x"), 8)
        assert [s for s, _ in results] == [401] * 8, results
        for table, new in NEW_COLUMNS.items():
            assert new <= columns(h.store, table), table

    def test_every_grant_works(self, h):
        every_grant_works(h)
        codes = h.store.rows("SELECT nonce, auth_time, claims, dpop_jkt "
                             "FROM oa2_codes")
        assert codes and all(tuple(r) == ("", 0, "", "") for r in codes), \
            codes
        tokens = h.store.rows("SELECT auth_time, claims FROM oa2_refresh")
        assert tokens and all(tuple(r) == (0, "") for r in tokens), tokens

    def test_insert_of_the_earlier_release_still_works(self, h):
        """A refresh token stored by a node not upgraded yet (its INSERT
        names none of the new columns) refreshes, and its successor has the
        defaults."""
        c = add_client(h)
        token = secrets.token_urlsafe(32)
        now = int(time.time())
        h.store.execute(
            "INSERT INTO oa2_refresh (issuer, token_hash, family, client_id, "
            "user_id, scope, resource, expires_at, state, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (h.issuer, sha256(token), "fam-old", c.client_id, "alice", "read",
             "", now + 3600, 0, now))
        body = assert_token_ok(refresh(h, c, token))
        rows = h.store.rows(
            "SELECT auth_time, claims, dpop_jkt FROM oa2_refresh WHERE "
            "token_hash = ?", (sha256(body["refresh_token"]),))
        assert [tuple(r) for r in rows] == [(0, "", "")], rows


class TestLeastPrivilegeOnOldSchema:
    """A DBA made the earlier release's tables and gave httpd's role (or
    account) only SELECT, INSERT, UPDATE and DELETE: the module cannot add
    the columns and says which one is missing and what to run; once the
    DBA has run the current conf/schema-DRIVER.sql, everything works."""

    pytestmark = pytest.mark.skipif(stores.DRIVER == "sqlite3",
                                    reason="database servers only")

    @pytest.fixture(scope="class")
    def owner(self):
        store = stores.new_store(None)
        load(store, old_schema())
        return store

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, owner):
        dml = (owner.dml_role() if owner.driver == "pgsql"
               else owner.dml_account())
        h = start_as(httpd_factory, keys, "as-dml-old", store=dml)
        # the purge after a response fails alike, until the DBA upgrades
        h.allowed_always.append(PURGE_LOG)
        return h

    def test_missing_column_is_named(self, h):
        h.allow_log(MISSING_COLUMN_LOG)
        r = h.get("/oauth2/token", method="POST",
                  data={"grant_type": "client_credentials"},
                  auth=("nobody-registered", "x"))
        assert r.status_code == 503, r.text
        log = h.error_log()
        line = [x for x in log.splitlines() if "OA2-00850" in x]
        assert line, log[-2000:]
        assert ("run conf/schema-%s.sql or ALTER TABLE oa2_codes ADD "
                "COLUMN nonce" % stores.DRIVER) in line[-1], line[-1]
        assert "nonce" not in columns(h.store, "oa2_codes")

    def test_works_once_the_dba_upgraded(self, h, owner):
        load(owner, schema_statements())
        if owner.driver == "pgsql":
            # the tables added since (oa2_pushed_requests) need the grant
            # again: a GRANT ... ON ALL TABLES covers the tables of its day
            owner.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL "
                          "TABLES IN SCHEMA %s TO %s"
                          % (owner.schema, h.store.name))
        for table, new in NEW_COLUMNS.items():
            assert new <= columns(owner, table), table
        every_grant_works(h)
        c = add_client(h)
        assert_token_ok(client_credentials(h, c))


# ---- tables added since the first release ---------------------------------
#
# oa2_sql.c's added tables: a database of an earlier release gains them on
# first use, or, where httpd's role may not create tables, the module names
# the one missing with the file to run. A test file per feature subclasses
# these with its TABLE and use_table, a flow that reads and writes it.

ADDED_TABLES = ("oa2_pushed_requests", "oa2_client_assertions",
                "oa2_device_codes")


def schema_statements():
    """The statements of the current schema, without comments."""
    return [s for s in current_schema().split(";\n")
            if s.strip() and not s.startswith("--")]


def schema_without(table):
    """The schema of the release before table: the current one without
    it."""
    return [s for s in schema_statements() if table not in s]


def test_added_tables_are_all_covered():
    """Every table the first release lacked has its tests below."""
    def tables(statements):
        return {m for s in statements
                for m in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)",
                                    s)}
    assert tables(schema_statements()) - tables(old_schema()) \
        == set(ADDED_TABLES)


class AddedTable:
    """A table added since the first release: TABLE, the AS's start
    (start_as unless a feature needs more), and use_table(h)."""

    TABLE = None
    start = staticmethod(start_as)

    @staticmethod
    def use_table(h):
        raise NotImplementedError


class UpgradeAddsTable(AddedTable):
    """A database of the release before TABLE gains it on first use (an
    owner's connection creates it), and the feature then works."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        def older(name, **kw):
            h = httpd_factory(name, **kw)
            load(h.store, schema_without(self.TABLE))
            return h
        return self.start(older, keys, "as-up-" + self.TABLE)

    def test_first_request_adds_it(self, h):
        assert self.TABLE not in h.store.tables()
        r = token_request(h, None, {"grant_type": "client_credentials"},
                          auth=("nobody-registered", "x"))
        assert_token_error(r, "invalid_client", 401)
        assert self.TABLE in h.store.tables()

    def test_table_works(self, h):
        self.use_table(h)


class LeastPrivilegeWithoutTable(AddedTable):
    """A DBA made the tables of the release before TABLE and gave httpd's
    role (or account) only SELECT, INSERT, UPDATE and DELETE: the module
    cannot create TABLE and names it with the file to run; once the DBA
    has run the current conf/schema-DRIVER.sql, everything works."""

    pytestmark = pytest.mark.skipif(stores.DRIVER == "sqlite3",
                                    reason="database servers only")

    @pytest.fixture(scope="class")
    def owner(self):
        store = stores.new_store(None)
        load(store, schema_without(self.TABLE))
        return store

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, owner):
        dml = (owner.dml_role() if owner.driver == "pgsql"
               else owner.dml_account())
        h = self.start(httpd_factory, keys, "as-dml-" + self.TABLE,
                       store=dml)
        # the purge after a response fails alike, until the DBA upgrades
        h.allowed_always.append(
            r"\[oauth2:warn\] .*OA2-00401: purging expired rows failed: .*"
            r"table %s cannot be used" % self.TABLE)
        return h

    def test_missing_table_is_named(self, h):
        h.allow_log(r"\[oauth2:error\] .*OA2-01300: temporarily_unavailable"
                    r".*table %s cannot be used" % self.TABLE)
        r = h.get("/oauth2/token", method="POST",
                  data={"grant_type": "client_credentials"},
                  auth=("nobody-registered", "x"))
        assert r.status_code == 503, r.text
        line = [x for x in h.error_log().splitlines() if "OA2-01300" in x]
        assert line, h.error_log()[-2000:]
        assert "table %s cannot be used" % self.TABLE in line[-1], line[-1]
        assert "run conf/schema-%s.sql" % stores.DRIVER in line[-1], line[-1]

    def test_works_once_the_dba_upgraded(self, h, owner):
        load(owner, schema_statements())
        if owner.driver == "pgsql":
            # a table made since the role's grant is not covered by it
            owner.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s"
                          % (self.TABLE, h.store.name))
        self.use_table(h)
