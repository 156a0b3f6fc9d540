# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A throwaway MariaDB server for the integration tests.

Debian's server binaries (package mariadb-server) make a data directory in
a temporary directory (mariadb-install-db) and mariadbd serves it on a
free loopback port only, with its unix socket in that directory.  Nothing
of the system's own server is used or touched: every option is on the
command line (--no-defaults), none comes from /etc/mysql.

mariadbd does not run as root: when the tests run as root, both programs
run as the user "mysql" (made by the package) or else "nobody", who owns
the directory.

The server's root account gets a random password at once and is used
over the socket only; httpd's children (User nobody when root) and
oauth2-admin connect over 127.0.0.1 with a password, as a deployment
would.  The server is fast and unsafe (no flush at commit, no doublewrite):
it is thrown away at the end of the session.  Its character set and
collation are Debian's defaults (utf8mb4, utf8mb4_general_ci): the
module's tables must not depend on them.

A store (MyStore) is a database of its own and an account that may use
that database and no other: a fresh, empty set of tables per Httpd, and
isolated by privileges, so several httpd nodes can share one store by
sharing its DBDParams.
"""

import atexit
import glob
import os
import secrets
import subprocess

from httpd import free_port
from servers import ThrowawayServer
from stores import ServerStore


# throwaway: speed over durability (and a redo log of 8 MB, not 96)
FAST = ["--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
        "--innodb-log-file-size=8M"]


def server_bin():
    """mariadbd (or mysqld, which Debian links to it)."""
    for name in ("/usr/sbin/mariadbd", "/usr/sbin/mysqld"):
        if os.path.exists(name):
            return name
    return None


def install_db_bin():
    for name in ("/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"):
        if os.path.exists(name):
            return name
    return None


def available():
    """Why a server cannot be made here, or None when it can."""
    if server_bin() is None or install_db_bin() is None:
        return "no MariaDB server binaries (Debian: mariadb-server)"
    try:
        import pymysql  # noqa: F401
    except ImportError:
        return "no PyMySQL (Debian: python3-pymysql)"
    if not glob.glob("/usr/lib/*/apr-util-1/apr_dbd_mysql*.so"):
        return "no apr_dbd mysql driver (Debian: libaprutil1-dbd-mysql)"
    return None


def text(v):
    """A column as the other stores give it: the module's short strings
    are VARBINARY here (bytes in PyMySQL), str elsewhere."""
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("utf-8", "surrogateescape")
    return v


class MyServer(ThrowawayServer):
    """mariadb-install-db + mariadbd in a temporary directory; start() and
    stop()."""

    LOG_NAME = "mysqld.log"
    SERVER_USERS = ("mysql", "nobody")

    def __init__(self):
        super().__init__("oa2t-mysql-")
        self.proc = None
        self.root_password = secrets.token_hex(16)
        self._conn = None
        self._stores = 0

    @property
    def socket(self):
        return self.dir / "mysqld.sock"

    # ---- life cycle -------------------------------------------------------

    def _start(self):
        """Install, start and secure the server."""
        env = dict(os.environ, LC_ALL="C", TZ="UTC")
        p = subprocess.run(
            [install_db_bin(), "--no-defaults", "--datadir=%s" % self.data,
             "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve"] + FAST,
            cwd=str(self.dir), env=env, timeout=120,
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            **self.as_server_user())
        if p.returncode != 0:
            raise RuntimeError("mariadb-install-db failed (rc=%d):\n%s%s"
                               % (p.returncode, p.stdout, p.stderr))
        self.port = free_port()
        args = [
            server_bin(), "--no-defaults",
            "--datadir=%s" % self.data,
            "--socket=%s" % self.socket,
            "--pid-file=%s" % (self.dir / "mysqld.pid"),
            "--log-error=%s" % self.log_path,
            "--bind-address=127.0.0.1", "--port=%d" % self.port,
            "--skip-name-resolve",
            # Debian's own defaults (/etc/mysql/mariadb.conf.d)
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            "--innodb-buffer-pool-size=64M", "--skip-log-bin",
            # every httpd child keeps a few connections
            "--max-connections=500",
        ] + FAST
        self.proc = subprocess.Popen(args, cwd=str(self.dir), env=env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True,
                                     **self.as_server_user())
        # as Httpd does: no server outlives an interrupted session
        atexit.register(self.stop)
        self._conn = self._wait_ready(60)
        # the root account: a password, and only over the socket
        for user, host in self.execute(
                "SELECT user, host FROM mysql.global_priv WHERE "
                "user = '' OR (user = 'root' AND host <> 'localhost')"):
            self.execute("DROP USER %s@%s", (user, host))
        self.execute("ALTER USER root@localhost IDENTIFIED BY %s",
                     (self.root_password,))
        return self

    def _wait_ready(self, timeout):
        import pymysql
        return self.wait_ready(
            "mariadbd",
            lambda: pymysql.connect(unix_socket=str(self.socket), user="root",
                                    password="", autocommit=True,
                                    connect_timeout=5),
            pymysql.err.OperationalError, timeout, 0.1)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """mariadbd stopped (SIGKILL: nothing here is worth a clean
        shutdown) and the directory removed, unless OA2_KEEP_TMP is set."""
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        self.remove_dir()

    # ---- SQL as the server's root -----------------------------------------

    def connect(self, user, password, database=None):
        import pymysql
        return pymysql.connect(host="127.0.0.1", port=self.port, user=user,
                               password=password, database=database,
                               autocommit=True, connect_timeout=10,
                               charset="utf8mb4")

    def execute(self, sql, args=None):
        with self._conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None

    def new_store(self, flags=None):
        """A database and an account of its own: an empty store; flags:
        the connection's (DBDParams flags=, e.g. CLIENT_FOUND_ROWS)."""
        self._stores += 1
        return MyStore(self, "oa2_%d" % self._stores, flags=flags)


class MyStore(ServerStore):
    """One store on the server: database NAME and account NAME@127.0.0.1
    (a random password) with every privilege on NAME.* and no other."""

    driver = "mysql"
    # what the module logs when a write meets a read-only database
    READ_ONLY_LOG = (r"\[oauth2:error\] .*command denied to user")

    def __init__(self, server, name, database=None, flags=None):
        """database: another store's database, on whose tables this
        account may only read and write (no CREATE); else a database of
        its own."""
        self.server = server
        self.name = name
        self.flags = flags
        self.database = database or name
        self.password = secrets.token_hex(12)
        if not database:
            server.execute("CREATE DATABASE %s" % name)
        server.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %%s" % name,
                       (self.password,))
        if database:
            server.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON %s.* "
                           "TO %s@'127.0.0.1'" % (database, name))
        else:
            server.execute("GRANT ALL PRIVILEGES ON %s.* TO %s@'127.0.0.1'"
                           % (name, name))

    def dml_account(self):
        """Another account on this store's tables (made first), allowed
        to use them and nothing else: a DBA's least-privilege set-up."""
        self.server._stores += 1
        return MyStore(self.server, "oa2_%d" % self.server._stores,
                       database=self.database)

    @property
    def account(self):
        return "%s@'127.0.0.1'" % self.name

    @property
    def params(self):
        """DBDParams (apr_dbd_mysql's key=value list) and oauth2-admin's
        -p."""
        return ("host=127.0.0.1 port=%d dbname=%s user=%s pass=%s "
                "connecttimeout=5%s" % (self.server.port, self.database,
                                        self.name, self.password,
                                        " flags=%s" % self.flags
                                        if self.flags else ""))

    def directives(self):
        return ["DBDriver mysql", 'DBDParams "%s"' % self.params]

    def connect(self):
        return self.server.connect(self.name, self.password, self.database)

    def rows(self, sql, args=()):
        """A query as the store's own account; "?" placeholders."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                if args:
                    cur.execute(sql.replace("?", "%s"), tuple(args))
                else:
                    cur.execute(sql)
                if not cur.description:
                    return []
                return [tuple(text(v) for v in r) for r in cur.fetchall()]
        finally:
            conn.close()

    def tables(self):
        return {r[0] for r in self.server.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s", (self.database,))}

    # ---- faults -------------------------------------------------------

    def kick(self):
        """End the account's sessions, so that a change applies to the
        next connection (the tests that use it run with DBDPersist Off);
        how many there were."""
        killed = 0
        for (pid,) in self.server.execute(
                "SELECT id FROM information_schema.processlist "
                "WHERE user = %s", (self.name,)):
            try:
                self.server.execute("KILL CONNECTION %d" % pid)
                killed += 1
            except Exception:  # noqa: BLE001 - gone meanwhile
                pass
        return killed

    def refuse_connections(self):
        self.server.execute("ALTER USER %s ACCOUNT LOCK" % self.account)
        self.kick()

    def accept_connections(self):
        self.server.execute("ALTER USER %s ACCOUNT UNLOCK" % self.account)

    def make_read_only(self):
        self.server.execute("REVOKE INSERT, UPDATE, DELETE ON %s.* FROM %s"
                            % (self.database, self.account))
        self.kick()

    def make_writable(self):
        self.server.execute("GRANT INSERT, UPDATE, DELETE ON %s.* TO %s"
                            % (self.database, self.account))
        self.kick()
