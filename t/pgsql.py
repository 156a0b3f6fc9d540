# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A throwaway PostgreSQL cluster for the integration tests.

Debian's server binaries (package postgresql) make a cluster in a
temporary directory (initdb), and pg_ctl starts it listening on a free
loopback port only, with its unix socket in that directory.  Nothing of
the system's own clusters is used or touched.

initdb refuses to run as root: when the tests run as root, the server
binaries run as the user "postgres" (made by the package) or else
"nobody", who owns the directory.

Authentication is scram-sha-256 for every connection, TCP and socket
alike: httpd's children (User nobody when root) and oauth2-admin connect
over 127.0.0.1 with a password, as a deployment would.  The cluster is
fast and unsafe (fsync off): it is thrown away at the end of the session.

One database "oa2" holds every store.  A store (PgStore) is a role of its
own with its own schema, which the role's search_path names: a fresh,
empty set of tables per Httpd, cheap to make (no CREATE DATABASE), and
isolated by privileges, so several httpd nodes can later share one store
by sharing its DBDParams.
"""

import atexit
import glob
import os
import secrets
import subprocess
from pathlib import Path

from httpd import free_port
from servers import ThrowawayServer
from stores import ServerStore

ADMIN_USER = "oa2admin"
DBNAME = "oa2"


def bin_dir():
    """Debian's newest server binaries, or OA2_PG_BIN."""
    if os.environ.get("OA2_PG_BIN"):
        return Path(os.environ["OA2_PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def available():
    """Why a cluster cannot be made here, or None when it can."""
    b = bin_dir()
    if b is None or not (b / "pg_ctl").exists():
        return "no PostgreSQL server binaries (Debian: postgresql)"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "no psycopg2 (Debian: python3-psycopg2)"
    if not glob.glob("/usr/lib/*/apr-util-1/apr_dbd_pgsql*.so"):
        return "no apr_dbd pgsql driver (Debian: libaprutil1-dbd-pgsql)"
    return None


class PgCluster(ThrowawayServer):
    """initdb + pg_ctl in a temporary directory; start() and stop()."""

    LOG_NAME = "postgresql.log"
    SERVER_USERS = ("postgres", "nobody")

    def __init__(self, prefix="oa2t-pgsql-"):
        """prefix: of the temporary directory's name."""
        super().__init__(prefix)
        self.bin = bin_dir()
        self.admin_password = secrets.token_hex(16)
        self._conn = None
        self._stores = 0

    # ---- running the server binaries -------------------------------------

    def _run(self, args, timeout=120):
        kw = self.as_server_user()
        env = dict(os.environ, LC_ALL="C", PGTZ="UTC")
        p = subprocess.run([str(self.bin / args[0])] + list(args[1:]),
                           cwd=str(self.dir), env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, **kw)
        if p.returncode != 0:
            raise RuntimeError("%s failed (rc=%d):\n%s%s\n%s" % (
                args[0], p.returncode, p.stdout, p.stderr, self.log_text()))
        return p

    # ---- life cycle -------------------------------------------------------

    def _start(self):
        """initdb, pg_ctl start, the database."""
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.admin_password + "\n")
        if self._user:
            os.chown(pwfile, self._user.pw_uid, self._user.pw_gid)
        os.chmod(pwfile, 0o600)
        self._run(["initdb", "-D", str(self.data), "-U", ADMIN_USER,
                   "--pwfile", str(pwfile), "--auth", "scram-sha-256",
                   "-E", "UTF8", "--locale", "C", "--no-sync"])
        pwfile.unlink()
        self.port = free_port()
        opts = " ".join([
            "-c listen_addresses=127.0.0.1",
            "-c port=%d" % self.port,
            "-c unix_socket_directories='%s'" % self.dir,
            # throwaway: speed over durability
            "-c fsync=off", "-c synchronous_commit=off",
            "-c full_page_writes=off",
            # every httpd child keeps a few connections
            "-c max_connections=300", "-c shared_buffers=32MB",
            "-c log_min_messages=warning", "-c timezone=UTC"])
        self._run(["pg_ctl", "-D", str(self.data), "-l",
                   str(self.log_path), "-o", opts, "-w", "-t", "60",
                   "start"])
        # as Httpd does: no server outlives an interrupted session
        atexit.register(self.stop)
        conn = self.connect("postgres")
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE %s" % DBNAME)
        conn.close()
        self._conn = self.connect(DBNAME)
        with self._conn.cursor() as cur:
            # only a store's own role may create in its own schema
            cur.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        return self

    def running(self):
        if self.dir is None or not self.data.exists():
            return False
        try:
            self._run(["pg_ctl", "-D", str(self.data), "status"])
            return True
        except RuntimeError:
            return False

    def stop(self):
        """pg_ctl stop (immediate: nothing here is worth a checkpoint) and
        the directory removed, unless OA2_KEEP_TMP is set."""
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None
        if self.dir is None:
            return
        try:
            if self.data.exists():
                self._run(["pg_ctl", "-D", str(self.data), "-m", "immediate",
                           "-w", "stop"])
        except RuntimeError:
            pass
        self.remove_dir()

    # ---- SQL as the cluster's superuser -----------------------------------

    def connect(self, dbname=DBNAME, user=ADMIN_USER, password=None):
        import psycopg2
        conn = psycopg2.connect(host="127.0.0.1", port=self.port,
                                dbname=dbname, user=user,
                                password=password or self.admin_password,
                                connect_timeout=10)
        conn.autocommit = True
        return conn

    def execute(self, sql, args=None):
        with self._conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None

    def new_store(self):
        """A role and a schema of its own: an empty store."""
        self._stores += 1
        return PgStore(self, "oa2_%d" % self._stores)


class PgStore(ServerStore):
    """One store on the cluster: role NAME (LOGIN, a random password)
    owning schema NAME, which its search_path names."""

    driver = "pgsql"
    # what the module logs when a write meets a read-only database
    READ_ONLY_LOG = (r"\[oauth2:error\] .*cannot execute \w+ in a "
                     r"read-only transaction")

    def __init__(self, cluster, name, schema=None):
        """schema: another store's schema, which this role may only read
        and write (no CREATE); else a schema of its own."""
        self.cluster = cluster
        self.name = name
        self.schema = schema or name
        self.password = secrets.token_hex(12)
        cluster.execute("CREATE ROLE %s LOGIN PASSWORD %%s" % name,
                        (self.password,))
        if schema:
            cluster.execute("GRANT USAGE ON SCHEMA %s TO %s" % (schema, name))
            cluster.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL "
                            "TABLES IN SCHEMA %s TO %s" % (schema, name))
        else:
            cluster.execute("CREATE SCHEMA %s AUTHORIZATION %s"
                            % (name, name))
        cluster.execute("ALTER ROLE %s SET search_path = %s"
                        % (name, self.schema))
        cluster.execute("GRANT CONNECT ON DATABASE %s TO %s" % (DBNAME, name))

    def dml_role(self):
        """Another role on this store's tables (made first), allowed to
        use them and nothing else: a DBA's least-privilege set-up."""
        self.cluster._stores += 1
        return PgStore(self.cluster, "oa2_%d" % self.cluster._stores,
                       schema=self.schema)

    @property
    def params(self):
        """DBDParams (libpq's conninfo) and oauth2-admin's -p."""
        return ("host=127.0.0.1 port=%d dbname=%s user=%s password=%s "
                "connect_timeout=5" % (self.cluster.port, DBNAME, self.name,
                                       self.password))

    def directives(self):
        return ["DBDriver pgsql", 'DBDParams "%s"' % self.params]

    def connect(self):
        return self.cluster.connect(DBNAME, self.name, self.password)

    def rows(self, sql, args=()):
        """A query as the store's own role; "?" placeholders."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), tuple(args))
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def tables(self):
        return {r[0] for r in self.cluster.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s",
            (self.schema,))}

    # ---- faults -------------------------------------------------------

    def _kick(self):
        """End the role's sessions, so the change applies to the next
        connection (the tests that use it run with DBDPersist Off)."""
        self.cluster.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE usename = %s", (self.name,))

    def refuse_connections(self):
        self.cluster.execute("ALTER ROLE %s NOLOGIN" % self.name)
        self._kick()

    def accept_connections(self):
        self.cluster.execute("ALTER ROLE %s LOGIN" % self.name)

    def make_read_only(self):
        self.cluster.execute("ALTER ROLE %s SET "
                             "default_transaction_read_only = on" % self.name)
        self._kick()

    def make_writable(self):
        self.cluster.execute("ALTER ROLE %s RESET "
                             "default_transaction_read_only" % self.name)
        self._kick()

