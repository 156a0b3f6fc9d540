# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""oauth2-admin, the admin command: clients and grants in the module's
database, through the core's store. No httpd involved.

OA2_ADMIN=/path/oauth2-admin tests an installed command instead of the
one built here.
"""

import hashlib
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "https://as.example.org"
OTHER_ISSUER = "https://other.example.org/tenant"
CB = "https://app.example.org/cb"
ISO8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

# These tests read SQLite files behind the command's back; on pgsql the
# other test files make every client with it (authserver.add_client).
pytestmark = pytest.mark.sqlite_only("oauth2-admin on SQLite files")


@pytest.fixture(scope="session")
def admin_bin():
    """The oauth2-admin under test, built once per session."""
    if os.environ.get("OA2_ADMIN"):
        return os.environ["OA2_ADMIN"]
    r = subprocess.run(["make", "-s", "-f", "apxs.mk", "admin/oauth2-admin"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return str(ROOT / "admin" / "oauth2-admin")


class Admin:
    """Runs oauth2-admin on one SQLite file."""

    def __init__(self, binary, db, issuer=ISSUER):
        self.binary = binary
        self.db = str(db)
        self.issuer = issuer

    def raw(self, *args):
        return subprocess.run([self.binary] + [str(a) for a in args],
                              capture_output=True, text=True, timeout=30)

    def run(self, *args, issuer=None):
        return self.raw("-p", self.db, "-i", issuer or self.issuer, *args)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        return r.stdout

    def fails(self, status, *args, **kw):
        """Run, expect @a status and one line on stderr; return that line."""
        r = self.run(*args, **kw)
        assert r.returncode == status, (r.returncode, r.stdout, r.stderr)
        assert r.stdout == ""
        lines = r.stderr.splitlines()
        assert lines and lines[0].startswith("oauth2-admin: "), r.stderr
        if status == 1:
            assert len(lines) == 1, r.stderr
        return lines[0]

    def add(self, name="App", *opts, **kw):
        """client add; returns {"client_id": ..., ["client_secret": ...]}"""
        out = self.ok("client", "add", name, *opts, **kw)
        return fields(out)

    def show(self, client_id, **kw):
        return fields(self.ok("client", "show", client_id, **kw))

    def rows(self, sql, *params):
        with sqlite3.connect(self.db) as c:
            return c.execute(sql, params).fetchall()

    def execute(self, sql, *params):
        c = sqlite3.connect(self.db)
        try:
            c.execute(sql, params)
            c.commit()
        finally:
            c.close()


def fields(out):
    """ "key: value" lines as a dict of lists, values of single keys bare."""
    d = {}
    for line in out.splitlines():
        k, v = line.split(": ", 1)
        d.setdefault(k, []).append(v)
    return {k: v[0] if len(v) == 1 and k != "redirect_uri" else v
            for k, v in d.items()}


@pytest.fixture
def adm(admin_bin, tmp_path):
    return Admin(admin_bin, tmp_path / "oauth2.db")


def every_cell(a):
    """Every value in every table of the database."""
    cells = []
    for (table,) in a.rows("SELECT name FROM sqlite_master "
                           "WHERE type = 'table'"):
        for row in a.rows("SELECT * FROM %s" % table):
            cells += [str(v) for v in row]
    return cells


class TestClients:

    def test_add_confidential(self, adm):
        c = adm.add("My App", "--redirect-uri", CB)
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", c["client_id"])
        assert not c["client_id"].startswith("-")
        secret = c["client_secret"]
        # 256 bits, base64url
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", secret)
        s = adm.show(c["client_id"])
        assert s["client_id"] == c["client_id"]
        assert s["name"] == "My App"
        assert s["auth_method"] == "client_secret_basic"
        assert s["grant_types"] == "authorization_code refresh_token"
        assert s["scope"] == ""
        assert s["redirect_uri"] == [CB]
        assert ISO8601.match(s["created_at"])
        created = time.mktime(time.strptime(s["created_at"],
                                            "%Y-%m-%dT%H:%M:%SZ"))
        assert abs(created - time.mktime(time.gmtime())) < 120

    def test_secret_is_stored_only_as_sha256(self, adm):
        c = adm.add("App", "--redirect-uri", CB)
        secret = c["client_secret"]
        digest = hashlib.sha256(secret.encode()).hexdigest()
        cells = every_cell(adm)
        assert not [v for v in cells if secret in v]
        assert adm.rows("SELECT secret_hash FROM oa2_clients "
                        "WHERE client_id = ?", c["client_id"]) == [(digest,)]
        # and shown once: neither show nor list prints it or its hash
        for out in (adm.ok("client", "show", c["client_id"]),
                    adm.ok("client", "list")):
            assert secret not in out and digest not in out

    def test_options(self, adm):
        c = adm.add("Post", "--redirect-uri", CB,
                    "--redirect-uri=http://127.0.0.1/cb",
                    "--redirect-uri", CB,
                    "--scope", "  read write  read ",
                    "--grant", "client_credentials",
                    "--grant=authorization_code",
                    "--auth-method", "client_secret_post",
                    "--client-id", "post-client")
        assert c["client_id"] == "post-client"
        s = adm.show("post-client")
        assert s["redirect_uri"] == [CB, "http://127.0.0.1/cb"]
        assert s["scope"] == "read write"
        assert s["grant_types"] == "authorization_code client_credentials"
        assert s["auth_method"] == "client_secret_post"

    def test_public_client_has_no_secret(self, adm):
        c = adm.add("SPA", "--public", "--redirect-uri",
                    "http://localhost/cb")
        assert set(c) == {"client_id"}
        assert adm.show(c["client_id"])["auth_method"] == "none"
        assert adm.rows("SELECT secret_hash, auth_method FROM oa2_clients") \
            == [("", "none")]
        line = adm.fails(1, "client", "rotate-secret", c["client_id"])
        assert "public" in line
        assert adm.rows("SELECT secret_hash FROM oa2_clients") == [("",)]

    def test_client_credentials_needs_no_redirect_uri(self, adm):
        c = adm.add("svc", "--grant", "client_credentials")
        assert "client_secret" in c
        s = adm.show(c["client_id"])
        assert s["grant_types"] == "client_credentials"
        assert "redirect_uri" not in s

    def test_list(self, adm):
        assert adm.ok("client", "list") == ""
        a = adm.add("First", "--redirect-uri", CB, "--client-id", "a1")
        b = adm.add("Second one", "--grant", "client_credentials",
                    "--client-id", "b2")
        lines = adm.ok("client", "list").splitlines()
        assert sorted(lines) == [
            "a1\tFirst\tclient_secret_basic\t"
            "authorization_code refresh_token",
            "b2\tSecond one\tclient_secret_basic\tclient_credentials"]
        assert a["client_id"] == "a1" and b["client_id"] == "b2"

    def test_list_output_is_safe_for_a_terminal(self, adm):
        # what dynamic registration stored may hold anything
        adm.add("x", "--redirect-uri", CB, "--client-id", "reg")
        adm.execute("UPDATE oa2_clients SET name = ?",
                    "evil\tname\x1b[31m\n")
        out = adm.ok("client", "list")
        assert out == ("reg\tevil?name?[31m?\tclient_secret_basic\t"
                       "authorization_code refresh_token\n")
        assert adm.show("reg")["name"] == "evil?name?[31m?"

    def test_remove(self, adm):
        c = adm.add("App", "--redirect-uri", CB)
        assert adm.ok("client", "remove", c["client_id"]) == ""
        assert adm.ok("client", "list") == ""
        line = adm.fails(1, "client", "show", c["client_id"])
        assert line == "oauth2-admin: no client %s" % c["client_id"]
        adm.fails(1, "client", "remove", c["client_id"])

    def test_rotate_secret(self, adm):
        c = adm.add("App", "--redirect-uri", CB)
        out = adm.ok("client", "rotate-secret", c["client_id"])
        new = fields(out)["client_secret"]
        assert set(fields(out)) == {"client_secret"}
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", new)
        assert new != c["client_secret"]
        assert adm.rows("SELECT secret_hash FROM oa2_clients") == [
            (hashlib.sha256(new.encode()).hexdigest(),)]
        assert not [v for v in every_cell(adm) if new in v]

    @pytest.mark.parametrize("cmd", ["show", "remove", "rotate-secret"])
    def test_unknown_client(self, adm, cmd):
        adm.add("App", "--redirect-uri", CB)
        line = adm.fails(1, "client", cmd, "nobody")
        assert line == "oauth2-admin: no client nobody"

    def test_duplicate_client_id(self, adm):
        adm.add("App", "--redirect-uri", CB, "--client-id", "dup")
        line = adm.fails(1, "client", "add", "Again", "--redirect-uri", CB,
                         "--client-id", "dup")
        assert "dup" in line and "exists" in line
        assert adm.show("dup")["name"] == "App"

    @pytest.mark.parametrize("uri,why", [
        ("http://app.example.org/cb", "loopback"),
        ("https://app.example.org/cb#frag", "fragment"),
        ("javascript:alert(1)", "javascript"),
        ("/relative/cb", "absolute"),
        ("https://user:pw@app.example.org/cb", "user information"),
        ("myapp:/cb", "reverse domain name"),
    ])
    def test_bad_redirect_uri(self, adm, uri, why):
        line = adm.fails(1, "client", "add", "App", "--redirect-uri", CB,
                         "--redirect-uri", uri)
        assert line.startswith("oauth2-admin: invalid redirect URI ")
        assert why in line
        # nothing was stored, and no database was even created
        assert not os.path.exists(adm.db)

    @pytest.mark.parametrize("args,why", [
        (["App", "--grant", "client_credentials", "--scope", 'a"b'],
         "invalid scope"),
        (["", "--grant", "client_credentials"], "client name"),
        (["A\x01pp", "--grant", "client_credentials"], "client name"),
        (["App", "--grant", "client_credentials", "--client-id", "a b"],
         "--client-id"),
        (["App", "--grant", "client_credentials", "--client-id", "x" * 129],
         "--client-id"),
        # a document URL refused is told in the module's own words
        (["App", "--grant", "client_credentials", "--client-id",
          "https://client.example/doc#x"],
         "--client-id: a client_id URL must not have a fragment: client ID "
         "metadata document https://client.example/doc#x"),
        (["App", "--grant", "client_credentials", "--client-id",
          "https://client.example/" + "a" * 106],
         "--client-id: a client_id URL must be at most 128 characters"),
    ])
    def test_bad_values(self, adm, args, why):
        line = adm.fails(1, "client", "add", *args)
        assert why in line

    def test_two_issuers_share_nothing(self, adm):
        a = adm.add("A", "--redirect-uri", CB, "--client-id", "same")
        b = adm.add("B", "--redirect-uri", CB, "--client-id", "same",
                    issuer=OTHER_ISSUER)
        only_a = adm.add("OnlyA", "--redirect-uri", CB)
        assert a["client_secret"] != b["client_secret"]
        assert adm.show("same")["name"] == "A"
        assert adm.show("same", issuer=OTHER_ISSUER)["name"] == "B"
        other = adm.ok("client", "list", issuer=OTHER_ISSUER).splitlines()
        assert [line.split("\t")[0] for line in other] == ["same"]
        adm.fails(1, "client", "show", only_a["client_id"],
                  issuer=OTHER_ISSUER)
        adm.fails(1, "client", "remove", only_a["client_id"],
                  issuer=OTHER_ISSUER)
        adm.ok("client", "remove", "same", issuer=OTHER_ISSUER)
        assert adm.show("same")["name"] == "A"

    def test_created_on_first_use(self, adm):
        assert not os.path.exists(adm.db)
        adm.add("App", "--redirect-uri", CB)
        tables = {t for (t,) in adm.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"oa2_clients", "oa2_codes", "oa2_refresh", "oa2_consents",
                "oa2_revoked", "oa2_nonces"} <= tables


class TestUsage:

    def test_help(self, admin_bin, tmp_path):
        for flag in ("-h", "--help"):
            r = Admin(admin_bin, tmp_path / "x.db").raw(flag)
            assert r.returncode == 0
            assert r.stdout.startswith("usage: oauth2-admin")
            assert "client add NAME" in r.stdout
        assert not (tmp_path / "x.db").exists()

    @pytest.mark.parametrize("args", [
        [],
        ["-p", "x.db", "-i", ISSUER],
        ["-p", "x.db", "-i", ISSUER, "frobnicate"],
        ["-x", "client", "list"],
        ["-p", "x.db", "-p", "y.db", "-i", ISSUER, "client", "list"],
        ["-p", "x.db", "-i", ISSUER, "-d"],
        ["-i", ISSUER, "client", "list"],
        ["-p", "x.db", "client", "list"],
        ["-p", "x.db", "-i", ISSUER, "client"],
        ["-p", "x.db", "-i", ISSUER, "client", "list", "extra"],
        ["-p", "x.db", "-i", ISSUER, "client", "show"],
        ["-p", "x.db", "-i", ISSUER, "client", "add"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "B"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--bogus"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--redirect-uri"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--grant",
         "password"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--grant",
         "implicit", "--redirect-uri", CB],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--public",
         "--grant", "client_credentials"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--public",
         "--redirect-uri", CB, "--auth-method", "client_secret_basic"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--redirect-uri",
         CB, "--auth-method", "private_key_jwt"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--scope", "a",
         "--scope", "b", "--redirect-uri", CB],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A"],
        ["-p", "x.db", "-i", ISSUER, "client", "add", "A", "--grant",
         "refresh_token", "--redirect-uri", CB],
        ["-p", "x.db", "-i", ISSUER, "grant"],
        ["-p", "x.db", "-i", ISSUER, "grant", "list"],
        ["-p", "x.db", "-i", ISSUER, "grant", "revoke", "u", "c", "x"],
        ["schema", "oracle"],
        ["schema", "sqlite3", "pgsql"],
    ])
    def test_usage_errors(self, admin_bin, tmp_path, args):
        r = subprocess.run([admin_bin] + args, capture_output=True,
                           text=True, cwd=tmp_path)
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert r.stdout == ""
        assert r.stderr.startswith("oauth2-admin: ")
        assert "--help" in r.stderr
        assert not (tmp_path / "x.db").exists()

    def test_cannot_open(self, admin_bin, tmp_path):
        missing = tmp_path / "no" / "such" / "dir.db"
        a = Admin(admin_bin, missing)
        line = a.fails(1, "client", "add", "App", "--redirect-uri", CB)
        assert line == ("oauth2-admin: cannot open sqlite3 database %s: "
                        "unable to open database file" % missing)

    def test_every_command_works_on_a_fresh_database(self, adm):
        assert adm.ok("client", "list") == ""
        assert os.path.exists(adm.db)
        assert adm.fails(1, "client", "show", "x") == \
            "oauth2-admin: no client x"
        assert adm.ok("grant", "list", "u") == ""
        assert adm.ok("grant", "revoke", "u") == "0\n"

    def test_not_a_database(self, adm):
        Path(adm.db).write_text("this is not SQLite, " * 100)
        line = adm.fails(1, "client", "list")
        assert line.startswith("oauth2-admin: cannot set up sqlite3 "
                               "database %s: " % adm.db)
        assert "not a database" in line

    def test_bad_issuer(self, adm):
        line = adm.fails(1, "client", "add", "A", "--redirect-uri", CB,
                         issuer="ftp://as.example.org")
        assert "-i ftp://as.example.org" in line

    def test_unknown_driver(self, admin_bin, tmp_path):
        r = subprocess.run([admin_bin, "-d", "nosuchdb", "-p", "x", "-i",
                            ISSUER, "client", "list"],
                           capture_output=True, text=True)
        assert r.returncode == 1
        assert "nosuchdb" in r.stderr

    def test_server_params_are_never_echoed(self, admin_bin):
        # pgsql may be missing (driver not installed) or unreachable: either
        # way the password in PARAMS must not reach the terminal
        r = subprocess.run([admin_bin, "-d", "pgsql", "-p",
                            "host=127.0.0.1 port=1 password=hunter2-secret",
                            "-i", ISSUER, "client", "list"],
                           capture_output=True, text=True)
        assert r.returncode == 1
        assert "hunter2" not in r.stderr and "pgsql" in r.stderr


def add_consent(adm, user, client_id, scope, updated_at, issuer=ISSUER):
    adm.execute("INSERT INTO oa2_consents (issuer, user_id, client_id, "
                "scope, updated_at) VALUES (?, ?, ?, ?, ?)",
                issuer, user, client_id, scope, updated_at)


def add_refresh(adm, token_hash, user, client_id, issuer=ISSUER):
    now = int(time.time())
    adm.execute("INSERT INTO oa2_refresh (issuer, token_hash, family, "
                "client_id, user_id, scope, resource, expires_at, state, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, 0, ?)",
                issuer, token_hash, "fam-" + token_hash, client_id, user,
                "read", now + 3600, now)


def refresh_states(adm):
    return dict(adm.rows("SELECT token_hash, state FROM oa2_refresh"))


class TestGrants:

    @pytest.fixture
    def granted(self, adm):
        adm.add("App", "--redirect-uri", CB, "--client-id", "app")
        adm.add("Other", "--redirect-uri", CB, "--client-id", "other")
        add_consent(adm, "alice", "app", "read write", 1700000000)
        add_consent(adm, "alice", "other", "read", 1700000060)
        add_consent(adm, "bob", "app", "read", 1700000120)
        add_consent(adm, "alice", "app", "admin", 1700000180,
                    issuer=OTHER_ISSUER)
        add_refresh(adm, "r-alice-app", "alice", "app")
        add_refresh(adm, "r-alice-app-2", "alice", "app")
        add_refresh(adm, "r-alice-other", "alice", "other")
        add_refresh(adm, "r-bob-app", "bob", "app")
        add_refresh(adm, "r-other-issuer", "alice", "app",
                    issuer=OTHER_ISSUER)
        return adm

    def test_list(self, granted):
        assert granted.ok("grant", "list", "alice").splitlines() == [
            "app\tread write\t2023-11-14T22:13:20Z",
            "other\tread\t2023-11-14T22:14:20Z"]
        assert granted.ok("grant", "list", "carol") == ""
        assert granted.ok("grant", "list", "alice", issuer=OTHER_ISSUER) \
            == "app\tadmin\t2023-11-14T22:16:20Z\n"

    def test_revoke_one_client(self, granted):
        assert granted.ok("grant", "revoke", "alice", "app") == "1\n"
        assert granted.ok("grant", "list", "alice") == \
            "other\tread\t2023-11-14T22:14:20Z\n"
        assert refresh_states(granted) == {
            "r-alice-app": 2, "r-alice-app-2": 2, "r-alice-other": 0,
            "r-bob-app": 0, "r-other-issuer": 0}
        # nothing left to revoke
        assert granted.ok("grant", "revoke", "alice", "app") == "0\n"
        # the other issuer's grant is untouched
        assert granted.ok("grant", "list", "alice", issuer=OTHER_ISSUER) \
            != ""

    def test_revoke_all_clients(self, granted):
        assert granted.ok("grant", "revoke", "alice") == "2\n"
        assert granted.ok("grant", "list", "alice") == ""
        assert granted.ok("grant", "list", "bob") != ""
        assert refresh_states(granted) == {
            "r-alice-app": 2, "r-alice-app-2": 2, "r-alice-other": 2,
            "r-bob-app": 0, "r-other-issuer": 0}

    def test_removing_a_client_removes_its_grants(self, granted):
        # the grants go with the client: nothing left to revoke, and its
        # refresh tokens are already dead
        granted.ok("client", "remove", "app")
        assert refresh_states(granted)["r-bob-app"] == 2
        assert granted.ok("grant", "revoke", "bob", "app") == "0\n"


class TestSchema:

    def run(self, admin_bin, *args):
        # no -p, no -i, no database: run where nothing can be created
        r = subprocess.run([admin_bin] + list(args), capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    @pytest.mark.parametrize("driver", ["sqlite3", "pgsql", "mysql"])
    def test_statements_end_with_semicolon(self, admin_bin, driver):
        out = self.run(admin_bin, "schema", driver)
        assert out.endswith(";\n")
        stmts = out.splitlines()
        assert len(stmts) >= 6
        for s in stmts:
            assert s.endswith(";")
            # PostgreSQL's and MySQL's also bring an older schema up to
            # date (SQLite has no ADD COLUMN IF NOT EXISTS)
            assert s.startswith("CREATE ") or (
                driver != "sqlite3"
                and s.startswith("ALTER TABLE ")
                and " ADD COLUMN IF NOT EXISTS " in s), s

    def test_default_driver(self, admin_bin):
        assert self.run(admin_bin, "schema") == \
            self.run(admin_bin, "schema", "sqlite3")
        assert self.run(admin_bin, "-d", "mysql", "schema") == \
            self.run(admin_bin, "schema", "mysql")

    def test_sqlite3_schema_runs_and_is_idempotent(self, admin_bin,
                                                    tmp_path):
        sql = self.run(admin_bin, "schema", "sqlite3")
        db = tmp_path / "s.db"
        with sqlite3.connect(db) as c:
            c.executescript(sql)
            c.executescript(sql)
        # and the command then works on it
        a = Admin(admin_bin, db)
        a.add("App", "--redirect-uri", CB, "--client-id", "x")
        assert a.show("x")["name"] == "App"

    def test_schema_matches_what_the_store_creates(self, adm, tmp_path):
        adm.add("App", "--redirect-uri", CB)
        made = adm.rows("SELECT type, name, sql FROM sqlite_master "
                        "WHERE name LIKE 'oa2_%' ORDER BY name")
        db = tmp_path / "from-schema.db"
        with sqlite3.connect(db) as c:
            c.executescript(self.run(adm.binary, "schema"))
            loaded = c.execute("SELECT type, name, sql FROM sqlite_master "
                               "WHERE name LIKE 'oa2_%' "
                               "ORDER BY name").fetchall()
        assert made == loaded

    @pytest.mark.parametrize("driver", ["sqlite3", "pgsql", "mysql"])
    def test_conf_files_are_current(self, admin_bin, driver):
        text = (ROOT / "conf" / ("schema-%s.sql" % driver)).read_text()
        head = text.splitlines(keepends=True)[:2]
        assert all(line.startswith("-- ") for line in head)
        assert "oauth2-admin schema" in head[0]
        assert "".join(text.splitlines(keepends=True)[2:]) == \
            self.run(admin_bin, "schema", driver)
