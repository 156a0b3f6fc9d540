# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Faults of a running authorization server, and an operator's drills.

* TestPostgresOutage: PostgreSQL stops under load (pg_ctl stop -m fast)
  and starts again.  While it is down every token request is 503
  temporarily_unavailable and the authorize endpoint answers an HTML 503
  page, never a redirect; no child crashes; a code whose redemption failed
  is not burnt; and service comes back without touching httpd.  mod_dbd
  keeps the defaults an admin leaves alone (DBDPersist On, DBDMin 1,
  DBDKeep 2, DBDMax 10, DBDExptime 300 s).
* TestRedemptionCutMidway: the store's backends are terminated
  (pg_terminate_backend) in the middle of code redemptions: no code ends up
  consumed without its tokens.
* TestGracefulUnderLoad: three `apache2 -k graceful` under load lose no
  request (both drivers).
* TestSigningKeyRotation: OAuth2SigningKey K2 + K1, then K2 alone.

The PostgreSQL classes run on a cluster of their own (OutageCluster), on
either OA2_TEST_DRIVER: stopping it disturbs no other test.
"""

import hashlib
import http.client
import json
import re
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests

import pgsql
import tokens
from authserver import (ALICE, AS_MODULES, Flow, add_client, api, as_config,
                        assert_token_error, assert_token_ok,
                        client_credentials, ep, jwks, parallel_post,
                        start_as, verify_access_token)
from checks import assert_invalid_token, assert_no_crash, assert_ok
from httpd import APACHE, httpd_env

REALM = "rs.test"

# What httpd logs at warn and above while its PostgreSQL is gone: the
# module's 503s (OA2-00210: a statement failed; OA2-00400: mod_dbd gave no
# connection), the purge that runs after some response, and mod_dbd's own
# connection failures.
PG_DOWN_LOG = [
    r"\[oauth2:error\] .*OA2-00210: temporarily_unavailable",
    r"\[oauth2:error\] .*OA2-00400: temporarily_unavailable",
    r"\[oauth2:warn\] .*OA2-00401: purging expired rows failed",
    r"\[dbd:error\] .*AH00629: Can't connect to pgsql",
    r"\[dbd:error\] .*AH00639: DBD \[pgsql\] Error",
    r"\[dbd:error\] .*AH02655: Failed to acquire DBD connection",
    r"\[dbd:error\] .*AH00633: failed to initialise",
    r"\[dbd:error\] .*AH00636: child init failed",
]

# libpq's default notice processor writes a FATAL that arrives on an idle
# session (its backend was terminated) to stderr, which is httpd's error
# log: a bare line, no httpd prefix (neither apr_dbd_pgsql nor the module
# routes libpq's notices into ap_log_error)
PG_NOTICE_LOG = [r"^FATAL:  terminating connection due to administrator "
                 r"command$"]

# how long service may take to come back once PostgreSQL accepts again
RECOVERY_SECONDS = 15.0

# Pooled connections whose server session ended: apr_dbd's pgsql driver
# re-opens them (apr_dbd_check_conn -> PQreset) and mod_dbd keeps them, so
# nothing may live in the old session. The store prepares its pgsql
# statements without a name (sent with every execution), so such a
# connection serves at once (oa2_store_dbd.c, statement()).


class StaleConnections(AssertionError):
    """The service did not come back after the database did."""


# ---- small helpers ---------------------------------------------------------

def session():
    """A requests session with a new connection for every request (and
    without the environment's proxies): httpd closes idle keep-alive
    connections whenever it retires a child (MaxSpareThreads, after a
    burst), and a request sent at that moment meets a closed connection,
    whatever the module does (TestGracefulUnderLoad deals with that
    race)."""
    s = requests.Session()
    s.trust_env = False
    s.headers["Connection"] = "close"
    return s


def use_new_connections(h):
    """The harness's session for h, with session()'s new connections."""
    h.session.close()
    h.session = session()


def basic(client):
    q = urllib.parse.quote
    return requests.auth.HTTPBasicAuth(q(client.client_id, safe=""),
                                       q(client.client_secret, safe=""))


def graceful(h, body=None, timeout=15.0):
    """apache2 -k graceful (after writing the config around body, when
    given), as apachectl graceful does; returns when the new generation's
    parent says it resumed."""
    if body is not None:
        h.conf_path.write_text(h.config_text(body))
    before = h.error_log().count("AH00489")
    p = subprocess.run([APACHE, "-f", str(h.conf_path), "-k", "graceful"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout, env=httpd_env())
    assert p.returncode == 0, p.stdout + p.stderr
    deadline = time.monotonic() + timeout
    while h.error_log().count("AH00489") <= before:
        assert h.proc.poll() is None, "httpd exited on graceful"
        assert time.monotonic() < deadline, "no new generation"
        time.sleep(0.01)


def code_of(resp):
    """The code of an authorize redirect (and remember it as a secret)."""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(
        resp.headers["Location"]).query)
    code = q["code"][0]
    tokens.register(code)
    return code


def redeem(s, flow, code):
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.verifier}
    return s.post(flow.h.url(ep(flow.h, "token")), data=data,
                  auth=basic(flow.client), timeout=10, allow_redirects=False)


class Outcome:
    """One request as the client saw it."""

    def __init__(self, kind, t0, resp=None, error=None, **extra):
        self.kind = kind
        self.t0 = t0
        self.t1 = time.monotonic()
        self.error = repr(error) if error is not None else None
        self.status = resp.status_code if resp is not None else None
        self.headers = dict(resp.headers) if resp is not None else {}
        self.text = resp.text if resp is not None else ""
        self.json = None
        if self.headers.get("Content-Type", "").startswith(
                "application/json"):
            try:
                self.json = resp.json()
            except ValueError:
                pass
        if isinstance(self.json, dict):
            for k in ("access_token", "refresh_token"):
                if k in self.json:
                    tokens.register(self.json[k])
        self.__dict__.update(extra)

    @property
    def ok(self):
        return self.status == (302 if self.kind == "authorize" else 200)

    def __repr__(self):
        return "<%s %s %s %s>" % (self.kind, self.status, self.error,
                                  self.text[:120])


class Load:
    """Threads hammering an AS: client_credentials, and the front channel
    followed by the redemption of its code.  Each request on a new
    connection (session()): any connection error is a failure."""

    def __init__(self, h, client, cc_threads=3, flow_threads=2):
        self.h = h
        self.client = client
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.out = []
        self.threads = (
            [threading.Thread(target=self._cc) for _ in range(cc_threads)]
            + [threading.Thread(target=self._flow)
               for _ in range(flow_threads)])

    def add(self, o):
        with self.lock:
            self.out.append(o)

    def outcomes(self):
        with self.lock:
            return list(self.out)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def _cc(self):
        s = session()
        url = self.h.url(ep(self.h, "token"))
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                r = s.post(url, data={"grant_type": "client_credentials",
                                      "scope": "read"},
                           auth=basic(self.client), timeout=10)
                self.add(Outcome("cc", t0, r))
            except requests.RequestException as e:
                self.add(Outcome("cc", t0, error=e))
            time.sleep(0.003)

    def _flow(self):
        s = session()
        while not self.stop.is_set():
            f = Flow(self.h, self.client)
            t0 = time.monotonic()
            try:
                r = s.get(f.url(), auth=ALICE, allow_redirects=False,
                          timeout=10)
            except requests.RequestException as e:
                self.add(Outcome("authorize", t0, error=e))
                continue
            self.add(Outcome("authorize", t0, r))
            if r.status_code != 302:
                time.sleep(0.01)
                continue
            code = code_of(r)
            t0 = time.monotonic()
            try:
                self.add(Outcome("code", t0, redeem(s, f, code), flow=f,
                                 code=code))
            except requests.RequestException as e:
                self.add(Outcome("code", t0, error=e, flow=f, code=code))


def burst(h, client, n=16):
    """n client_credentials requests at once, each on a new connection:
    a peak that makes every child's mod_dbd pool hold several
    connections."""
    return parallel_post(h, ep(h, "token"),
                         {"grant_type": "client_credentials"}, client.auth, n)


def await_recovery(h, client, since, budget, load=None,
                   seconds=RECOVERY_SECONDS):
    """Wait until three rounds in a row (a burst of 16 client_credentials
    requests, and a code flow) all succeed; returns the seconds it took.

    Each connection a child held when the database went away may fail one
    request after the database is back: mod_dbd notices a dead connection
    only when a statement fails on it.  budget is their number; more
    failures than that (counting load's requests that started after since)
    mean connections that stay broken, and raise StaleConnections at once,
    as does the deadline."""
    s = session()
    deadline = since + seconds
    good = 0
    failures = []
    while True:
        round_ok = True
        for status, body in burst(h, client):
            if status != 200:
                round_ok = False
                failures.append(("burst", status, str(body)[:300]))
        f = Flow(h, client)
        r = s.get(f.url(), auth=ALICE, allow_redirects=False, timeout=10)
        if r.status_code == 302:
            r = redeem(s, f, code_of(r))
            if r.status_code == 200:
                tokens.register(r.json()["access_token"])
        if r.status_code != 200:
            round_ok = False
            failures.append(("flow", r.status_code, r.text[:300]))
        seen = failures + [(o.kind, o.status, o.error or o.text[:300])
                           for o in (load.outcomes() if load else ())
                           if o.t0 >= since and not o.ok]
        if len(seen) > budget:
            raise StaleConnections(
                "%d failed requests after PostgreSQL came back, more than "
                "the %d connections that were open when it went away; "
                "first ones: %r; log: %s" % (
                    len(seen), budget, seen[:3], stale_evidence(h)))
        good = good + 1 if round_ok else 0
        if good == 3:
            return time.monotonic() - since
        if time.monotonic() > deadline:
            raise StaleConnections("no full service %.0f s after PostgreSQL "
                                   "came back: %r" % (seconds, seen[-3:]))
        time.sleep(0.1)


def stale_evidence(h):
    lines = [ln for ln in h.new_log().splitlines()
             if "does not exist" in ln]
    return "%d lines like %r" % (len(lines), lines[-1][:400] if lines
                                 else None)


# a redemption whose COMMIT failed (its outcome unknown to httpd)
COMMIT_FAILED = re.compile(r"OA2-00210: .*\(commit: ")


def code_hash(code):
    """How the store keys a code (oa2_secret_hash: SHA-256, hex)."""
    return hashlib.sha256(code.encode()).hexdigest()


def code_rows(h):
    """{code_hash: (used, complete, access_jti)} of h's store, complete:
    the code records an access token's jti that oa2_access_tokens holds, and its
    family has a refresh token (the clients here have the refresh_token
    grant)."""
    issued = {r[0] for r in h.store.rows(
        "SELECT jti FROM oa2_access_tokens WHERE issuer = ?", (h.issuer,))}
    families = {r[0] for r in h.store.rows(
        "SELECT family FROM oa2_refresh WHERE issuer = ?", (h.issuer,))}
    return {r[0]: (bool(int(r[1])), bool(r[2]) and r[2] in issued
                   and r[3] in families, r[2])
            for r in h.store.rows(
                "SELECT code_hash, used, access_jti, family FROM oa2_codes "
                "WHERE issuer = ?", (h.issuer,))}


class OutageCluster(pgsql.PgCluster):
    """A PostgreSQL cluster these tests may stop and start again."""

    halted = False

    def halt(self, mode="fast"):
        """pg_ctl stop, as an admin (or a failover) does; the data stays."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.halted = True
        self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w",
                   "stop"])

    def resume(self):
        """Start it again: pg_ctl restart reuses the options of the first
        start (postmaster.opts), so the same port and socket."""
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.log_path),
                   "-w", "-t", "60", "restart"])
        self.halted = False
        self._conn = self.connect()

    def backends(self, role):
        return [r[0] for r in self.execute(
            "SELECT pid FROM pg_stat_activity WHERE usename = %s", (role,))]

    def terminate(self, role, conn=None, only_writing=False):
        """pg_terminate_backend on role's sessions (only_writing: those
        inside a transaction that has written: a code consumed, its
        tokens not yet committed); how many."""
        sql = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE usename = %s")
        if only_writing:
            sql += " AND backend_xid IS NOT NULL"
        if conn is None:
            return len(self.execute(sql, (role,)))
        with conn.cursor() as cur:
            cur.execute(sql, (role,))
            return len(cur.fetchall())


@pytest.fixture(scope="module")
def outage_cluster():
    why = pgsql.available()
    if why:
        pytest.skip(why)
    c = OutageCluster()
    try:
        c.start()
        yield c
    finally:
        c.stop()


def assert_unavailable_json(o):
    assert o.status == 503, o
    assert o.headers.get("Content-Type", "").startswith(
        "application/json"), o.headers
    assert o.headers.get("Cache-Control") == "no-store", o.headers
    assert o.json and o.json.get("error") == "temporarily_unavailable", o


def assert_unavailable_html(o):
    assert o.status == 503, o
    assert "Location" not in o.headers, o.headers
    assert o.headers.get("Content-Type", "").startswith("text/html"), \
        o.headers
    assert o.headers.get("Cache-Control") == "no-store", o.headers
    assert "Authorization error" in o.text, o.text[:300]


# ---- 1, 2: PostgreSQL stops under load -------------------------------------

class TestPostgresOutage:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, outage_cluster):
        h = start_as(httpd_factory, keys, "as-pgdown",
                     store=outage_cluster.new_store())
        # the outage happens in a class fixture, before any test's log
        # window opens
        # While the database is down every request waits out its connect
        # attempt, so the load and the bursts hold most workers at once;
        # on a busy machine (CI runs two suites side by side) mpm_event
        # then says so (AH10159, or AH03490 when children still finishing
        # their connections hold the scoreboard). That is the outage this
        # class makes, not a fault of the module.
        h.allowed_always.extend(PG_DOWN_LOG + PG_NOTICE_LOG + [
            r"\[mpm_event:error\] .*AH10159: server is within MinSpareThreads",
            r"\[mpm_event:error\] .*AH03490: scoreboard is full",
        ])
        use_new_connections(h)
        return h

    @pytest.fixture(scope="class")
    def client(self, h):
        c = add_client(h)
        Flow(h, c).code()   # consent remembered: authorize redirects at once
        return c

    @pytest.fixture(scope="class")
    def outage(self, h, client, outage_cluster):
        """The whole outage, once; the tests below judge what was seen."""
        pg = outage_cluster
        rec = {"parent": h.proc.pid}
        # codes issued before the outage, redeemed while it lasts
        held = []
        for _ in range(4):
            f = Flow(h, client)
            held.append((f, f.code()))
        try:
            with Load(h, client) as load:
                burst(h, client)
                time.sleep(0.8)
                rec["log_before"] = h._log_size()
                rec["budget"] = len(pg.backends(h.store.name))
                rec["t_stop"] = time.monotonic()
                pg.halt("fast")
                rec["t_down"] = time.monotonic()
                rec["held"] = []
                for f, code in held:
                    t0 = time.monotonic()
                    rec["held"].append(Outcome("code", t0, f.token(code),
                                               flow=f, code=code))
                time.sleep(1.5)
                rec["t_log"] = time.monotonic()
                rec["log_down"] = h._log_size()
                rec["t_start"] = time.monotonic()
                pg.resume()
                rec["t_up"] = time.monotonic()
                try:
                    rec["recovered"] = await_recovery(
                        h, client, rec["t_up"], rec["budget"], load)
                except StaleConnections as e:
                    rec["recovered"] = e
                rec["restarts"] = h.error_log().count("AH00493")
        finally:
            if pg.halted:
                pg.resume()
        rec["load"] = load.outcomes()
        rec["pids_after"] = h.group_pids()
        if isinstance(rec["recovered"], StaleConnections):
            # fresh children, fresh pools: what the codes tests judge must
            # not hang on broken pooled connections
            graceful(h)
            rec["graceful"] = True
        return rec

    def window(self, rec, kind):
        """kind's outcomes: (inside the outage, around it)."""
        inside, around = [], []
        for o in rec["load"]:
            if o.kind != kind:
                continue
            if o.t0 >= rec["t_down"] and o.t1 <= rec["t_start"]:
                inside.append(o)
            elif o.t1 > rec["t_stop"]:
                around.append(o)
            else:
                assert o.ok, ("before the outage", o)
        return inside, around

    def test_no_request_failed_at_the_connection(self, outage):
        errors = [o for o in outage["load"] if o.error]
        assert not errors, errors[:5]

    def test_token_endpoint_is_503_while_down(self, outage):
        for kind in ("cc", "code"):
            inside, around = self.window(outage, kind)
            if kind == "cc":
                assert len(inside) >= 20, "too little load: %d" % len(inside)
            for o in inside:
                assert_unavailable_json(o)
            # requests in flight while it stopped or started: done or 503
            for o in around:
                if not o.ok:
                    assert_unavailable_json(o)
        for o in outage["held"]:
            assert_unavailable_json(o)

    def test_authorize_is_an_html_503_while_down(self, outage):
        inside, around = self.window(outage, "authorize")
        assert len(inside) >= 5, len(inside)
        for o in inside:
            assert_unavailable_html(o)
        for o in around:
            if not o.ok:
                assert_unavailable_html(o)
            else:
                assert o.headers["Location"].startswith(
                    "https://client.example/cb?"), o.headers

    def test_no_child_crashed(self, h, outage):
        log = h.error_log()
        assert_no_crash(log)
        assert h.proc.poll() is None
        assert h.proc.pid == outage["parent"]
        # the children answered throughout, whatever their pids
        assert len(outage["pids_after"]) >= 2, outage["pids_after"]

    def test_every_503_is_logged_with_an_id(self, h, outage):
        log = h._log_from(outage["log_before"], outage["log_down"])
        assert "OA2-00210" in log, log[-2000:]
        logged = len(re.findall(
            r"\[oauth2:error\] .*(OA2-00210|OA2-00400): "
            r"temporarily_unavailable", log))
        answered = [o for o in outage["load"] + outage["held"]
                    if o.status == 503 and o.t1 <= outage["t_log"]]
        assert logged >= len(answered), (logged, len(answered))

    def test_codes_survive_a_failed_redemption(self, h, outage):
        """A code whose redemption got a 503 redeems once afterwards; a
        code that was redeemed (200) is spent."""
        s = session()
        # the held codes met a stopped server: nothing can have happened
        for o in outage["held"]:
            assert_token_ok(redeem(s, o.flow, o.code))
            assert_token_error(redeem(s, o.flow, o.code), "invalid_grant")
        # the load's failed redemptions; one in flight when PostgreSQL
        # stopped may have had its COMMIT done and its answer lost
        rows = code_rows(h)
        failed = [o for o in outage["load"]
                  if o.kind == "code" and not o.ok]
        ambiguous = []
        for o in failed:
            used, complete, _ = rows[code_hash(o.code)]
            assert not used or complete, "a code consumed without tokens"
            if used:
                ambiguous.append(o)
                assert_token_error(redeem(s, o.flow, o.code),
                                   "invalid_grant")
                continue
            assert_token_ok(redeem(s, o.flow, o.code))
            assert_token_error(redeem(s, o.flow, o.code), "invalid_grant")
        log = h._log_from(outage["log_before"])
        assert len(ambiguous) <= len(COMMIT_FAILED.findall(log)), ambiguous
        spent = [o for o in outage["load"] if o.kind == "code" and o.ok]
        assert spent
        for o in spent[-5:]:
            assert_token_error(redeem(s, o.flow, o.code), "invalid_grant")

    def test_service_recovers_without_restart(self, outage):
        """Under load every pooled connection met the outage (and was
        dropped by mod_dbd); the service returns as soon as PostgreSQL
        does."""
        assert outage["restarts"] == 0
        if isinstance(outage["recovered"], Exception):
            raise outage["recovered"]
        assert outage["recovered"] <= RECOVERY_SECONDS

    def test_service_recovers_after_a_quiet_outage(self, h, client,
                                                   outage_cluster):
        """PostgreSQL restarted while nobody asked (a maintenance window):
        the children's pools hold connections to the old server."""
        assert all(status == 200 for status, _ in burst(h, client))
        held = len(outage_cluster.backends(h.store.name))
        assert held >= 2, held
        outage_cluster.halt("fast")
        try:
            time.sleep(0.3)
        finally:
            outage_cluster.resume()
        await_recovery(h, client, time.monotonic(), held)

    def test_reconnect_after_backends_are_terminated(self, h, client,
                                                     outage_cluster):
        """The same without an outage: the store's sessions end (an idle
        timeout, a pooler, a DBA's pg_terminate_backend) while httpd's
        pool holds them."""
        graceful(h)   # fresh pools, whatever the test before left
        assert all(status == 200 for status, _ in burst(h, client))
        killed = outage_cluster.terminate(h.store.name)
        assert killed >= 2, killed
        await_recovery(h, client, time.monotonic(), killed)


# ---- 2: a redemption cut in the middle -------------------------------------

class TestRedemptionCutMidway:
    """The store's sessions end in the middle of code redemptions.

    A redemption is one transaction: the code is consumed (UPDATE
    oa2_codes), its refresh token and its access token's jti are stored,
    the code records that jti, COMMIT.  Two faults cut it:
    - oa2_access_tokens is locked for a moment, so redemptions stop right after
      consuming their code, and the sessions waiting on the lock are
      terminated: the cut falls in the critical place every time;
    - sessions inside a transaction that has written are terminated at
      whatever point they are, the COMMIT included.

    DBDPersist Off: every request has a session of its own, so a
    terminated backend cuts that request's transaction and leaves no
    pooled connection behind (the pooled case is TestPostgresOutage's)."""

    CODES = 36
    # the statements of a redemption after its code was consumed
    AFTER_CONSUME = re.compile(
        r"OA2-00210: .*\((oa2_code_get|oa2_refresh_insert|oa2_access_insert|"
        r"oa2_code_set_issued|commit): ")

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys, outage_cluster):
        h = start_as(httpd_factory, keys, "as-pgcut",
                     store=outage_cluster.new_store(),
                     extra="DBDPersist Off\n")
        h.allowed_always.extend(PG_DOWN_LOG + PG_NOTICE_LOG)
        use_new_connections(h)
        return h

    @staticmethod
    def issue_codes(h, c, n, threads=4):
        """n codes of client c (consent remembered), with their flows."""
        out = [None] * n

        def issue(first):
            s = session()
            for i in range(first, n, threads):
                f = Flow(h, c)
                r = s.get(f.url(), auth=ALICE, allow_redirects=False,
                          timeout=10)
                out[i] = (f, code_of(r)) if r.status_code == 302 else \
                    (r.status_code, r.text[:300])

        workers = [threading.Thread(target=issue, args=(i,))
                   for i in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(60)
        bad = [o for o in out if not (o and isinstance(o[0], Flow))]
        assert not bad, bad[:3]
        return out

    @staticmethod
    def cutter(cluster, h, stop, counts):
        """Until stop: lock oa2_access_tokens and terminate the redemptions that
        wait for it; now and then terminate whatever session has written;
        pauses between, so that some redemptions get through."""
        conn = cluster.connect()
        role = h.store.name
        try:
            with conn.cursor() as cur:
                n = 0
                while not stop.is_set():
                    n += 1
                    if n % 3:
                        cur.execute("BEGIN")
                        cur.execute("LOCK TABLE %s.oa2_access_tokens IN SHARE ROW "
                                    "EXCLUSIVE MODE" % h.store.schema)
                        time.sleep(0.06)
                        cur.execute(
                            "SELECT pg_terminate_backend(pid) FROM "
                            "pg_stat_activity WHERE usename = %s AND "
                            "wait_event_type = 'Lock'", (role,))
                        counts["waiting"] += len(cur.fetchall())
                        cur.execute("COMMIT")
                    else:
                        counts["writing"] += cluster.terminate(
                            role, conn, only_writing=True)
                    time.sleep(0.05)
        finally:
            conn.close()

    def test_no_code_consumed_without_its_tokens(self, h, outage_cluster):
        c = add_client(h)
        Flow(h, c).code()
        flows = self.issue_codes(h, c, self.CODES)
        results = {}
        stop = threading.Event()
        todo = list(flows)
        lock = threading.Lock()
        counts = {"waiting": 0, "writing": 0}

        def redeemer():
            s = session()
            while True:
                with lock:
                    if not todo:
                        return
                    f, code = todo.pop()
                t0 = time.monotonic()
                try:
                    results[code] = Outcome("code", t0, redeem(s, f, code))
                except requests.RequestException as e:
                    results[code] = Outcome("code", t0, error=e)

        killer = threading.Thread(target=self.cutter,
                                  args=(outage_cluster, h, stop, counts))
        killer.start()
        workers = [threading.Thread(target=redeemer) for _ in range(6)]
        try:
            for t in workers:
                t.start()
            for t in workers:
                t.join(60)
        finally:
            stop.set()
            killer.join(30)
        log = h.new_log()

        # what the clients saw: tokens, or a 503 to retry
        for o in results.values():
            assert o.ok or (o.status == 503 and (o.json or {}).get(
                "error") == "temporarily_unavailable"), o
        cut = len(self.AFTER_CONSUME.findall(log))
        assert cut >= 3, ("too few redemptions were cut after consuming "
                          "their code (%d, %r): the test proves little"
                          % (cut, counts))

        # what the database holds
        rows = code_rows(h)
        for key, (used, complete, _) in rows.items():
            assert complete or not used, \
                ("a code consumed without its tokens", key)
        ambiguous = []
        for f, code in flows:
            assert code_hash(code) in rows, "no oa2_codes row for the code"
            used, _, jti = rows[code_hash(code)]
            o = results[code]
            if o.ok:
                claims = tokens.decode_part(o.json["access_token"]
                                            .split(".")[1])
                assert used and jti == claims["jti"], (jti, o)
            elif used:
                # consumed with its tokens although the client got a 503:
                # the COMMIT went through and its acknowledgement was lost
                # with the session, which no server can tell its client
                ambiguous.append(code)
        commit_failed = len(COMMIT_FAILED.findall(log))
        assert len(ambiguous) <= commit_failed, (ambiguous, commit_failed)

        # after the fault: each code not spent redeems exactly once
        wrong = []

        def verify(first, threads=4):
            s = session()
            for f, code in flows[first::threads]:
                want = [200, 400]
                if results[code].ok or code in ambiguous:
                    want = [400]
                got = [redeem(s, f, code) for _ in want]
                for r in got:
                    if r.status_code == 200:
                        tokens.register(r.json()["access_token"])
                if [r.status_code for r in got] != want or \
                        got[-1].json().get("error") != "invalid_grant":
                    wrong.append((want, [(r.status_code, r.text[:200])
                                         for r in got]))

        checkers = [threading.Thread(target=verify, args=(i,))
                    for i in range(4)]
        for t in checkers:
            t.start()
        for t in checkers:
            t.join(60)
        assert not wrong, wrong[:5]
        print("redemptions: %d ok, %d 503; %d cut after consuming the code; "
              "%d ambiguous commits; terminated %r" % (
                  sum(o.ok for o in results.values()),
                  sum(not o.ok for o in results.values()), cut,
                  len(ambiguous), counts))


# ---- 3: graceful restarts under load ---------------------------------------

class TestGracefulUnderLoad:
    """Threads on keep-alive and on new connections, against a protected
    location (revocation checked: a database read per request) and the
    token endpoint, while three graceful restarts happen.

    What counts as a failure: any answer but the expected 200, any error
    on a new connection, and any error once part of a response arrived.
    One case is not: on a reused keep-alive connection, the connection
    closed (EOF or reset) before any byte of a response.  httpd closes idle
    keep-alive connections of the old generation on a graceful restart (as
    it does at KeepAliveTimeout, or when it retires a spare child), and a
    request the client sent at that moment was never read: the race every
    HTTP/1.1 client on a persistent connection lives with (RFC 9112 9.3.1).
    Browsers and curl retry such a request on a new connection (urllib3
    does for idempotent methods; python-requests, with max_retries=0,
    does not and raises ConnectionError).  The client here retries once,
    in that case only, and the test checks that httpd indeed never saw
    those requests: their ids are not in the access log."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = start_as(httpd_factory, keys, "as-graceful")
        use_new_connections(h)
        return h

    def test_three_gracefuls_lose_no_request(self, h):
        c = add_client(h)
        access = assert_token_ok(client_credentials(h, c, scope="read"))
        bearer = "Bearer " + access["access_token"]
        cred = basic(c)
        auth = requests.Request("GET", "http://x/", auth=cred).prepare() \
            .headers["Authorization"]
        stop = threading.Event()
        lock = threading.Lock()
        done, failures, retried = [], [], []
        counter = iter(range(10 ** 9))

        def send(conn, kind, rid, keep):
            headers = {} if keep else {"Connection": "close"}
            if kind == "api":
                headers["Authorization"] = bearer
                conn.request("GET", "/api/data.txt?rid=%s" % rid,
                             headers=headers)
            else:
                headers.update({"Authorization": auth, "Content-Type":
                                "application/x-www-form-urlencoded"})
                conn.request("POST", "/oauth2/token?rid=%s" % rid,
                             body="grant_type=client_credentials&scope=read",
                             headers=headers)
            return conn.getresponse()

        def check(kind, resp, body):
            if resp.status != 200:
                return "%s %s" % (resp.status, body[:200])
            if kind == "api":
                return None if body == b"api data\n" else repr(body[:200])
            at = json.loads(body).get("access_token")
            tokens.register(at)
            return None if at else repr(body[:200])

        def worker(kind, keep):
            conn, used = None, 0
            while not stop.is_set():
                rid = "%s-%s-%d" % (kind, "ka" if keep else "new",
                                    next(counter))
                for attempt in (1, 2):
                    if conn is None:
                        conn = http.client.HTTPConnection(
                            "127.0.0.1", h.port, timeout=10)
                        used = 0
                    reused = used > 0
                    try:
                        resp = send(conn, kind, rid, keep)
                    except (http.client.RemoteDisconnected,
                            ConnectionResetError, BrokenPipeError) as e:
                        conn.close()
                        conn = None
                        if reused and attempt == 1:
                            with lock:
                                retried.append(rid)
                            rid += "-retry"
                            continue
                        with lock:
                            failures.append((rid, "no response", repr(e)))
                        break
                    except OSError as e:
                        conn.close()
                        conn = None
                        with lock:
                            failures.append((rid, "no response", repr(e)))
                        break
                    try:
                        body = resp.read()
                    except (OSError, http.client.HTTPException) as e:
                        conn.close()
                        conn = None
                        with lock:
                            failures.append((rid, "truncated", repr(e)))
                        break
                    used += 1
                    bad = check(kind, resp, body)
                    with lock:
                        (failures.append((rid, bad)) if bad
                         else done.append(rid))
                    if not keep or resp.will_close:
                        conn.close()
                        conn = None
                    break
            if conn is not None:
                conn.close()

        kinds = ("api-ka", "api-new", "token-ka", "token-new")

        def counts():
            with lock:
                return {k: sum(1 for rid in done if rid.startswith(k + "-"))
                        for k in kinds}

        def let_each_kind_answer(n):
            # progress, not time: on a loaded CI machine a fixed sleep let
            # one kind finish only 7 requests; every kind must be served
            # n more times before the next restart (bounded, so a stalled
            # server still fails)
            start, deadline = counts(), time.monotonic() + 60
            while time.monotonic() < deadline and not failures:
                now = counts()
                if all(now[k] - start[k] >= n for k in kinds):
                    return
                time.sleep(0.05)

        workers = [threading.Thread(target=worker, args=(kind, keep))
                   for kind in ("api", "token") for keep in (True, False)]
        parent = h.proc.pid
        for t in workers:
            t.start()
        try:
            let_each_kind_answer(5)
            for _ in range(3):
                graceful(h)
                let_each_kind_answer(5)
        finally:
            stop.set()
            for t in workers:
                t.join(30)
        assert not failures, failures[:10]
        for kind, n in counts().items():
            assert n >= 20, (kind, n)
        assert h.proc.pid == parent and h.proc.poll() is None
        log = h.new_log()
        assert log.count("AH00493") == 3, "not three graceful restarts"
        assert_no_crash(log)
        # the retried requests never reached a worker of httpd
        time.sleep(0.5)
        access_log = (h.logs / "access_log").read_text()
        for rid in retried:
            assert "rid=%s " % rid not in access_log, rid
        assert "rid=%s " % done[-1] in access_log
        print("%d requests, %d retried after a keep-alive close"
              % (len(done), len(retried)))


# ---- 4: signing-key rotation -----------------------------------------------

class TestSigningKeyRotation:
    """OAuth2SigningKey K1; then K2 and K1 (K2 signs, both published);
    then K2 alone.  The validated-token cache is on (mod_socache_shmcb)."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        h = httpd_factory("as-rotate", modules=AS_MODULES + ("socache_shmcb",),
                          loglevel="info oauth2:trace1")
        # two resource-server locations whose key sets differ: a token
        # accepted (and cached) under one must still be judged under the
        # other
        tokens.write_jwks(h.path("k12.json"),
                          [keys["ec1"].jwk(), keys["ec2"].jwk()])
        tokens.write_jwks(h.path("k2.json"), [keys["ec2"].jwk()])
        h.start(self.body(h, keys, ["ec1"]))
        use_new_connections(h)
        return h

    @staticmethod
    def body(h, keys, signing):
        extra = """
Alias /norev {htdocs}/api
<Location /norev>
    AuthType OAuth2
    Require valid-user
</Location>
Alias /k12 {htdocs}/api
<Location /k12>
    AuthType OAuth2
    OAuth2VerifyJWKSFile {dir}/k12.json
    Require valid-user
</Location>
Alias /k2 {htdocs}/api
<Location /k2>
    AuthType OAuth2
    OAuth2VerifyJWKSFile {dir}/k2.json
    Require valid-user
</Location>
""".format(htdocs=h.htdocs, dir=h.dir)
        text = as_config(h, keys, extra=extra)
        k1 = "OAuth2SigningKey %s\n" % keys["ec1"].path
        assert k1 in text
        return text.replace(k1, "".join("OAuth2SigningKey %s\n"
                                        % keys[k].path for k in signing))

    def new_token(self, h, c):
        return assert_token_ok(client_credentials(h, c, scope="read"))[
            "access_token"]

    def assert_cache_hit(self, h, path, token):
        before = h.new_log().count("OA2-00105")
        assert_ok(api(h, token, path))
        assert h.new_log().count("OA2-00105") > before, \
            "the repeat was not served from the token cache"

    def test_rotation_drill(self, h, keys):
        k1, k2 = keys["ec1"], keys["ec2"]
        c = add_client(h)
        t1 = self.new_token(h, c)
        assert verify_access_token(h, t1)[0]["kid"] == k1.kid
        for path in ("/api/data.txt", "/norev/data.txt"):
            assert_ok(api(h, t1, path))
            self.assert_cache_hit(h, path, t1)

        # K2 first (it signs), K1 still published and trusted
        graceful(h, self.body(h, keys, ["ec2", "ec1"]))
        assert sorted(k["kid"] for k in jwks(h)["keys"]) == \
            sorted([k2.kid, k1.kid])
        t2 = self.new_token(h, c)
        assert verify_access_token(h, t2)[0]["kid"] == k2.kid
        for t in (t1, t2):
            for path in ("/api/data.txt", "/norev/data.txt"):
                assert_ok(api(h, t, path))
                self.assert_cache_hit(h, path, t)

        # K1 retired: its tokens are refused, cached or not.  (A graceful
        # restart empties the shmcb cache today; a cache that outlived it
        # would still miss, as its key names the key set:
        # test_cache_key_includes_the_key_set.)
        graceful(h, self.body(h, keys, ["ec2"]))
        assert [k["kid"] for k in jwks(h)["keys"]] == [k2.kid]
        for _ in range(3):
            for path in ("/api/data.txt", "/norev/data.txt"):
                assert_invalid_token(api(h, t1, path), REALM)
                assert_ok(api(h, t2, path))
        self.assert_cache_hit(h, "/norev/data.txt", t2)
        assert verify_access_token(h, self.new_token(h, c))[0]["kid"] \
            == k2.kid

    def test_cache_key_includes_the_key_set(self, h, keys):
        """One token, two locations that trust different keys: the entry
        made where it is valid does not make it valid where it is not."""
        t1 = tokens.mint(keys["ec1"], tokens.claims(h.issuer, h.issuer))
        assert_ok(api(h, t1, "/k12/data.txt"))
        self.assert_cache_hit(h, "/k12/data.txt", t1)
        for _ in range(2):
            assert_invalid_token(api(h, t1, "/k2/data.txt"), REALM)
        t2 = tokens.mint(keys["ec2"], tokens.claims(h.issuer, h.issuer))
        for path in ("/k2/data.txt", "/k12/data.txt"):
            assert_ok(api(h, t2, path))
            self.assert_cache_hit(h, path, t2)
