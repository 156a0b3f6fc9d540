# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Fixtures for the mod_oauth2 integration tests.

Run from the repository root with Debian's python:
    /usr/bin/python3 -m pytest t/
OA2_MODULE=/path/mod_oauth2.so overrides the module under test,
OA2_KEEP_TMP=1 keeps the generated server roots for a post mortem,
OA2_TEST_DRIVER=pgsql runs the authorization server on PostgreSQL (a
throwaway cluster the session starts, see pgsql.py) instead of SQLite,
OA2_TEST_DRIVER=mysql on MariaDB (a throwaway server, see mysql.py).
"""

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import foreign  # noqa: E402
import hostile  # noqa: E402
import mysql  # noqa: E402
import pgsql  # noqa: E402
import stores  # noqa: E402
import tokens  # noqa: E402
from httpd import IS_ROOT, Httpd, free_port  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "log_allow(*patterns): error log lines at warn or above "
        "(regex) this test expects")
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about SQLite itself "
        "(its files, its locking) or reads no database at all; skipped "
        "on other drivers")


def pytest_report_header(config):
    return "mod_oauth2 store driver: %s (OA2_TEST_DRIVER)" % stores.DRIVER


def pytest_collection_modifyitems(config, items):
    if stores.DRIVER == "sqlite3":
        return
    for item in items:
        for m in item.iter_markers("sqlite_only"):
            item.add_marker(pytest.mark.skip(
                reason="sqlite3 only: %s" % (m.args[0] if m.args else "")))


def _session_server(module, make, driver):
    """A throwaway database server (make(), of module pgsql.py or
    mysql.py) for the session; skipped where it cannot run, fatal where
    the run's driver needs it."""
    why = module.available()
    if why:
        if stores.DRIVER == driver:
            pytest.exit("OA2_TEST_DRIVER=%s: %s" % (driver, why),
                        returncode=1)
        pytest.skip(why)
    server = make()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster of its own for the session (pgsql.py): its
    stores are fresh roles and schemas in one database."""
    yield from _session_server(pgsql, pgsql.PgCluster, "pgsql")


@pytest.fixture(scope="session")
def my_server():
    """A MariaDB server of its own for the session (mysql.py): its stores
    are fresh databases and accounts."""
    yield from _session_server(mysql, mysql.MyServer, "mysql")


@pytest.fixture(scope="session", autouse=True)
def _store_driver(request):
    """With OA2_TEST_DRIVER=pgsql (mysql) every store is made on the
    cluster (server)."""
    fixture = {"pgsql": "pg_cluster", "mysql": "my_server"}.get(stores.DRIVER)
    if fixture is None:
        yield
        return
    c = request.getfixturevalue(fixture)
    stores.use_cluster(c)
    yield
    stores.use_cluster(None)


@pytest.fixture(scope="session")
def keys():
    """EC P-256 and RSA-2048 signing keys (and some the module must
    refuse) as PEM files, made once per session."""
    d = tempfile.mkdtemp(prefix="oa2t-keys-")
    try:
        yield tokens.make_keys(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="class")
def httpd_factory():
    """Make Httpd instances for one test class; all of them are stopped
    when the class is done and their start-up/shutdown log is checked."""
    made = []

    def make(name="httpd", **kw):
        h = Httpd(name, **kw)
        made.append(h)
        return h

    yield make
    problems = []
    for h in made:
        h.stop()
        problems += ["%s: %s" % (h.name, p)
                     for p in h.final_check(tokens.MINTED)]
        h.cleanup()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="class")
def foreign_factory():
    """Start foreign issuers (foreign.py, node-oidc-provider) for one
    test class: make(name, **ForeignIssuer.start keywords) returns one
    started; all are stopped when the class is done. Skips without
    Node.js 20+ and npm (fails under OA2_NODE_CLIENT=required)."""
    made = []

    def make(name="foreign", **kw):
        f = foreign.ForeignIssuer(name)
        made.append(f)
        return f.start(**kw)

    yield make
    for f in made:
        f.cleanup()


@pytest.fixture(scope="class")
def hostile_factory():
    """Start hostile servers (hostile.py) for one test class:
    make(tls=False) returns one started; all are stopped when the class
    is done."""
    made = []

    def make(**kw):
        s = hostile.HostileServer(**kw)
        made.append(s)
        return s.start()

    yield make
    for s in made:
        s.stop()


class Memcached:
    """memcached on a free loopback port, no UDP, 16 MiB."""

    def __init__(self):
        self.port = free_port()
        self.proc = None

    def start(self):
        args = [shutil.which("memcached"), "-l", "127.0.0.1",
                "-p", str(self.port), "-U", "0", "-m", "16"]
        if IS_ROOT:
            args += ["-u", "nobody"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("memcached did not start on port %d" % self.port)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def memcached():
    """A memcached of the test file's own (test_730 stops and starts it),
    for OAuth2TokenCache memcache:127.0.0.1:PORT."""
    if not shutil.which("memcached"):
        pytest.skip("no memcached (Debian: memcached; t/install-deps.sh "
                    "installs it)")
    m = Memcached().start()
    yield m
    m.stop()


@pytest.fixture(autouse=True)
def _error_log_guard(request):
    """Fail a test whose requests made httpd log something at warn or above
    that it did not declare (marker log_allow or Httpd.allow_log), or that
    made httpd log a token."""
    allowed = []
    for m in request.node.iter_markers("log_allow"):
        allowed.extend(m.args)
    before = []
    for h in Httpd.running:
        before += ["%s: %s" % (h.name, line)
                   for line in h.begin_test(allowed)]
    if before:
        pytest.fail("error log before the test:\n" + "\n".join(before),
                    pytrace=False)
    yield
    problems = []
    for h in list(Httpd.running):
        problems += ["%s: %s" % (h.name, p)
                     for p in h.end_test(tokens.MINTED)]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
