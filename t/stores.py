# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The database behind an AS under test, per apr_dbd driver.

OA2_TEST_DRIVER picks the driver the authorization-server tests run on:
sqlite3 (the default: a file in each Httpd's db directory), pgsql (a
store of its own per Httpd on the session's PostgreSQL cluster, see
pgsql.py) or mysql (a database of its own per Httpd on the session's
MariaDB server, see mysql.py).  Tests reach the database only through a
store: its DBDriver/DBDParams lines, oauth2-admin's -d/-p, a read-only
look at its rows, and the faults test_250 injects.
"""

import os
import sqlite3

from httpd import IS_ROOT

DRIVER = os.environ.get("OA2_TEST_DRIVER", "sqlite3")
DRIVERS = ("sqlite3", "pgsql", "mysql")
if DRIVER not in DRIVERS:
    raise RuntimeError("OA2_TEST_DRIVER=%s: want one of %s"
                       % (DRIVER, ", ".join(DRIVERS)))

_cluster = []


def use_cluster(cluster):
    """The PostgreSQL cluster (or MariaDB server) new stores are made on
    (conftest)."""
    _cluster[:] = [cluster] if cluster else []


def cluster():
    if not _cluster:
        raise RuntimeError("OA2_TEST_DRIVER=%s without a server: "
                           "its session fixture did not run" % DRIVER)
    return _cluster[0]


class ServerStore:
    """What a store on a database server (pgsql.py, mysql.py) does alike;
    a subclass reads with rows() and lists its tables with tables()."""

    def execute(self, sql, args=()):
        """A change made by hand (as a tool would)."""
        self.rows(sql, args)

    def dump(self):
        """Everything a thief of the database reads: every row of every
        table, as text."""
        out = []
        for t in sorted(self.tables()):
            out += [repr(r) for r in self.rows("SELECT * FROM %s" % t)]
        return "\n".join(out).encode()

    def exists(self):
        """Whether the module has made its tables yet."""
        return bool(self.tables())

    def writable_for_httpd(self):
        pass


class SqliteStore:
    """oauth2.db in directory db_dir (writable by httpd's children)."""

    driver = "sqlite3"
    # what the module logs when a write meets a read-only database
    READ_ONLY_LOG = (r"\[oauth2:error\] .*attempt to write a readonly "
                     r"database")

    def __init__(self, db_dir):
        self.dir = db_dir
        self.path = db_dir / "oauth2.db"

    @property
    def params(self):
        return str(self.path)

    def directives(self):
        return ["DBDriver sqlite3", 'DBDParams "%s"' % self.path]

    def connect(self):
        return sqlite3.connect("file:%s?mode=ro" % self.path, uri=True)

    def rows(self, sql, args=()):
        with self.connect() as c:
            return c.execute(sql, tuple(args)).fetchall()

    def execute(self, sql, args=()):
        """A change made by hand (as a tool would)."""
        with sqlite3.connect(str(self.path), timeout=10) as c:
            c.execute(sql, tuple(args))
        c.close()
        self.writable_for_httpd()

    def tables(self):
        return {r[0] for r in self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}

    def dump(self):
        """Everything a thief of the database reads: the file and its
        -wal and -shm."""
        return b"".join(p.read_bytes() for p in self.dir.iterdir()
                        if p.name.startswith("oauth2.db"))

    def exists(self):
        return self.path.exists()

    def writable_for_httpd(self):
        """As root, httpd's children run as nobody: whatever a tool made
        as root in the directory must stay writable for them."""
        if not IS_ROOT:
            return
        os.chmod(self.dir, 0o777)
        for p in self.dir.iterdir():
            if p.name.startswith("oauth2.db"):
                os.chmod(p, 0o666)

    # ---- faults (test_250) ----------------------------------------------

    def refuse_connections(self):
        os.chmod(self.path, 0)
        os.chmod(self.dir, 0)

    def accept_connections(self):
        os.chmod(self.dir, 0o777)
        os.chmod(self.path, 0o666)

    def make_read_only(self):
        os.chmod(self.path, 0o444)

    def make_writable(self):
        # SQLite made -wal and -shm with the file's (read-only) mode
        for p in self.dir.iterdir():
            os.chmod(p, 0o666)


def new_store(db_dir):
    """An empty store of the driver under test; db_dir is where SQLite
    keeps its file."""
    if DRIVER in ("pgsql", "mysql"):
        return cluster().new_store()
    return SqliteStore(db_dir)
