# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A real Apache httpd for the integration tests.

Each Httpd owns a fresh temporary ServerRoot, a free loopback port and a
generated configuration.  It starts /usr/sbin/apache2 in the foreground as a
child process (mpm_event, several children), waits until the port answers,
and stops it with SIGTERM.  The error log is read back by the tests: after
every test the conftest guard fails the test when the log gained lines at
warn level or above that the test did not declare.
"""

import atexit
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

APACHE = os.environ.get("OA2_APACHE", "/usr/sbin/apache2")
MODULE_DIR = os.environ.get("OA2_MODULE_DIR", "/usr/lib/apache2/modules")
REPO = Path(__file__).resolve().parent.parent
# A sanitizer runtime to preload into apache2 only (make asan-integration):
# the module is instrumented, httpd is not. Any report lands on stderr,
# which the log guard turns into a failure.
PRELOAD = os.environ.get("OA2_HTTPD_PRELOAD")


def httpd_env():
    """The environment apache2 runs with."""
    env = dict(os.environ)
    if PRELOAD:
        env["LD_PRELOAD"] = PRELOAD
        env["ASAN_OPTIONS"] = ("detect_leaks=0:verify_asan_link_order=0:"
                               "abort_on_error=0:halt_on_error=1")
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


MODULE = os.environ.get("OA2_MODULE",
                        str(REPO / "mod_oauth2" / ".libs" / "mod_oauth2.so"))
IS_ROOT = os.geteuid() == 0
NOBODY_UID = pwd.getpwnam("nobody").pw_uid if IS_ROOT else None

# Shared modules every generated config loads (core, so, unixd, version and
# log_config are compiled into Debian's apache2).
BASE_MODULES = ["mpm_event", "authn_core", "authz_core", "authz_user",
                "authz_host", "mime", "alias", "cgid", "env", "headers",
                "dir"]

# httpd's own noise when SIGTERM meets a connection going to keep-alive;
# allowed in the shutdown part of the log only
# mpm_event's own races when a child stops with connections still open
# (socket or lingering close): httpd's, not the module's.
# AH00468 (EBADF): a stopping child's listener closes the worker sockets
# (close_worker_sockets) while a worker is closing the same one.
SHUTDOWN_NOISE = [r"AH03093: process_socket: apr_pollset_add failure",
                  r"AH03092: process_lingering_close: apr_pollset_add failure",
                  r"\(9\)Bad file descriptor: AH00468: error closing socket"]

# error log levels that make a test fail unless declared
BAD_LEVELS = ("warn", "error", "crit", "alert", "emerg")
_LINE_LEVEL = re.compile(r"^\[[^\]]*\] \[(?:([^:\]\s]+):)?(\w+)\]")

ENV_CGI = """#!/usr/bin/python3
import json, os, sys
names = ["REMOTE_USER", "AUTH_TYPE", "OAUTH2_SUB", "OAUTH2_CLIENT_ID",
         "OAUTH2_SCOPE", "OAUTH2_CLAIMS", "HTTP_X_SUB", "HTTP_X_CLIENT_ID",
         "HTTP_AUTHORIZATION"]
sys.stdout.write("Content-Type: application/json\\r\\n\\r\\n")
sys.stdout.write(json.dumps({n: os.environ.get(n) for n in names}))
"""


def rs_location(path, *lines, require="Require valid-user"):
    """A resource server's <Location path>: AuthType OAuth2, lines (each
    may hold several, one a line) and require; with an Alias of path to
    the document tree's api/ ({htdocs}, filled in by Httpd.start) unless
    path is a directory of its own (ends in /, e.g. a ScriptAlias)."""
    body = ["AuthType OAuth2"]
    for line in lines:
        body += [part.strip() for part in line.splitlines() if part.strip()]
    body.append(require)
    alias = "" if path.endswith("/") else "Alias %s {htdocs}/api\n" % path
    return "%s<Location %s>\n%s</Location>\n" % (
        alias, path, "".join("    %s\n" % b for b in body))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def module_available():
    return os.path.isfile(MODULE)


class HttpdError(Exception):
    pass


class Httpd:
    """One httpd instance with its own ServerRoot under /tmp."""

    running = []  # instances currently started, for the conftest log guard

    def __init__(self, name="httpd", *, module=True, modules=(), dbd="auto",
                 server_name="rs.test", loglevel=None, store=None):
        self.name = name
        self.module = module
        self.modules = list(modules)
        self.dbd = dbd
        self.server_name = server_name
        if loglevel is None:
            loglevel = "info oauth2:debug" if module else "info"
        self.loglevel = loglevel
        self.port = free_port()
        self.base_url = "http://127.0.0.1:%d" % self.port
        # the issuer tests use for the local AS of the main server
        self.issuer = self.base_url
        self.dir = Path(tempfile.mkdtemp(prefix="oa2t-%s-" % name))
        self.htdocs = self.dir / "htdocs"
        self.cgi_bin = self.dir / "cgi-bin"
        self.logs = self.dir / "logs"
        self.run_dir = self.dir / "run"
        self.db_dir = self.dir / "db"
        for d in (self.htdocs, self.cgi_bin, self.logs, self.run_dir,
                  self.db_dir):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)
        for d in (self.htdocs, self.cgi_bin, self.logs, self.run_dir):
            os.chmod(d, 0o755)
        # the children (User nobody) write the SQLite store
        os.chmod(self.db_dir, 0o777)
        # the main server's database (stores.py): made on first use, or
        # given, so that several instances share one
        self._store = store
        self.conf_path = self.dir / "httpd.conf"
        self.error_log_path = self.logs / "error_log"
        self.stderr_path = self.logs / "stderr"
        self.proc = None
        self.session = None
        # the children of the last start (its StartServers)
        self.start_servers = self.START_SERVERS
        self._checked = 0      # error log offset already checked
        self._mark = 0         # error log offset at the start of this test
        self._allowed_now = []  # patterns the running test declared
        self.allowed_always = []  # patterns allowed for the whole instance
        # OAuth2TemplateDir of the repository's templates/ added to a body
        # with an AS that names none (False: the module finds its own)
        self.default_templates = True
        # a default document tree
        self.write_file("htdocs/index.html", "<html>index</html>\n")
        self.write_file("htdocs/api/data.txt", "api data\n")
        self.write_cgi("cgi-bin/env.py", ENV_CGI)

    # ---- files ---------------------------------------------------------

    def path(self, rel):
        return self.dir / rel

    def write_file(self, rel, text, mode=0o644):
        p = self.dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        d = p.parent
        while d != self.dir and self.dir in d.parents:
            os.chmod(d, 0o755)
            d = d.parent
        p.write_text(text)
        os.chmod(p, mode)
        return p

    def write_cgi(self, rel, text):
        return self.write_file(rel, text, 0o755)

    # ---- configuration -------------------------------------------------

    @property
    def store(self):
        """The main server's database, of the driver under test."""
        if self._store is None:
            import stores
            self._store = stores.new_store(self.db_dir)
        return self._store

    def _uses_dbd(self, text):
        """Whether mod_dbd is loaded: "auto" when the body has an AS, or
        as dbd says (True, False, or "vhost")."""
        if self.dbd == "auto":
            return self.module and "OAuth2Issuer" in text
        return bool(self.dbd)

    def _main_dbd(self, text):
        """Whether the main server gets DBDriver/DBDParams. With
        dbd="vhost" mod_dbd is loaded but the body configures a database
        per virtual host itself."""
        return self._uses_dbd(text) and self.dbd != "vhost"

    def config_text(self, body, *, listen=True):
        d = self.dir
        lines = [
            'ServerRoot "%s"' % d,
            'DefaultRuntimeDir "%s"' % self.run_dir,
            'PidFile "%s/httpd.pid"' % self.run_dir,
            'Mutex file:%s default' % self.run_dir,
        ]
        if listen:
            lines.append("Listen 127.0.0.1:%d" % self.port)
        lines.append("ServerName %s" % self.server_name)
        if IS_ROOT:
            lines += ["User nobody", "Group nogroup"]
        mods = list(BASE_MODULES)
        if self._uses_dbd(body):
            mods.append("dbd")
        for m in self.modules:
            if m not in mods:
                mods.append(m)
        for m in mods:
            lines.append("LoadModule %s_module %s/mod_%s.so"
                         % (m, MODULE_DIR, m))
        if self.module:
            lines.append("LoadModule oauth2_module %s" % MODULE)
        lines += [
            "StartServers %d" % self.START_SERVERS,
            "ServerLimit 4",
            "ThreadsPerChild %d" % self.THREADS_PER_CHILD,
            "ThreadLimit 8",
            "MinSpareThreads 8",
            "MaxSpareThreads 32",
            "MaxRequestWorkers 32",
            'ScriptSock "%s/cgid.sock"' % self.run_dir,
            'ErrorLog "%s"' % self.error_log_path,
            "LogLevel %s" % self.loglevel,
            # %P: the child that answered (Httpd.access_pids)
            'LogFormat "%h %l %u %t \\"%r\\" %>s %b %P" common',
            'CustomLog "%s/access_log" common' % self.logs,
            "TypesConfig /etc/mime.types",
            'DocumentRoot "%s"' % self.htdocs,
            "DirectoryIndex index.html",
            "<Directory />",
            "    AllowOverride None",
            "    Require all denied",
            "</Directory>",
            '<Directory "%s">' % self.htdocs,
            "    AllowOverride None",
            "    Require all granted",
            "</Directory>",
            '<Directory "%s">' % self.cgi_bin,
            "    AllowOverride None",
            "    Options +ExecCGI",
            "    Require all granted",
            "</Directory>",
        ]
        if self._main_dbd(body):
            lines += self.store.directives()
        if self.module and self.default_templates \
                and "OAuth2Issuer" in body \
                and "OAuth2TemplateDir" not in body:
            # the module is not installed: use the repository's templates
            lines.append('OAuth2TemplateDir "%s"' % (REPO / "templates"))
        lines.append("")
        lines.append("# ---- test configuration ----")
        lines.append(body.replace("{htdocs}", str(self.htdocs)))
        return "\n".join(lines) + "\n"

    # ---- start / stop --------------------------------------------------

    def start(self, body, timeout=10.0):
        """Write the config around body and start httpd; raise on failure.
        {htdocs} in body is the document tree's path."""
        if self.proc is not None:
            raise HttpdError("already running")
        self.conf_path.write_text(self.config_text(body))
        os.chmod(self.conf_path, 0o644)
        rc, out = self._launch(self.conf_path, timeout)
        if rc is not None:
            raise HttpdError("httpd %s failed to start (rc=%s):\n%s"
                             % (self.name, rc, out))
        self.session = requests.Session()
        self.session.trust_env = False  # no .netrc, no proxies
        Httpd.running.append(self)
        return self

    def _launch(self, conf, timeout):
        """Start httpd on conf.  Returns (None, "") when it serves, else
        (rc, output) when it exited."""
        log_start = self._log_size()
        self.start_servers = self.children_started(conf.read_text())
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [APACHE, "-f", str(conf), "-DFOREGROUND"],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                start_new_session=True, env=httpd_env())
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                # a failed post_config may leave mod_cgid's daemon behind
                self._reap_group(self.proc.pid, 0.5)
                self.proc = None
                return rc, self._stderr_text() + self._log_from(log_start)
            # AH00489 comes after the pid file, the signal handlers and the
            # children: a SIGTERM before it would kill the parent without
            # cleaning up (stale pid file, orphaned cgid daemon)
            if "AH00489" in self._log_from(log_start):
                self._wait_cgid(deadline)
                self._wait_children(deadline)
                try:
                    with socket.create_connection(("127.0.0.1", self.port),
                                                  timeout=1):
                        pass
                except OSError:
                    pass
                if self.proc.poll() is None:
                    return None, ""
                continue
            if time.monotonic() > deadline:
                self._kill()
                return -1, "timeout\n" + self._stderr_text() \
                    + self._log_from(log_start)
            time.sleep(0.01)

    # StartServers and ThreadsPerChild above
    START_SERVERS = 2
    THREADS_PER_CHILD = 8

    @classmethod
    def children_started(cls, conf_text):
        """The children httpd starts with conf_text: its last
        StartServers (the body's, after the harness's own)."""
        n = re.findall(r"^\s*StartServers\s+(\d+)\s*$", conf_text,
                       re.M | re.I)
        return int(n[-1]) if n else cls.START_SERVERS

    def _wait_children(self, deadline):
        """Wait until the StartServers children (start_servers) have
        started their threads.
        mpm_event ends a child from its SIGTERM handler with exit(), even
        in the middle of a malloc() of its own start-up; library exit
        handlers (OpenSSL's, GnuTLS's via libcurl) then free into that
        half-updated heap and glibc aborts the child ("free(): corrupted
        unsorted chunks", core dumps show mpm_event's handler under
        exit()). httpd's race, not the module's: tests do not stop a
        server whose children are still starting."""
        while time.monotonic() < deadline and self.proc.poll() is None:
            started = 0
            for pid in self.group_pids():
                try:
                    with open("/proc/%d/status" % pid) as f:
                        threads = int(next(line for line in f
                                           if line.startswith("Threads:"))
                                      .split()[1])
                except (OSError, StopIteration, ValueError):
                    continue
                # the workers, the listener and the main thread
                if threads > self.THREADS_PER_CHILD:
                    started += 1
            if started >= self.start_servers:
                return
            time.sleep(0.005)

    def _wait_cgid(self, deadline):
        """mod_cgid's daemon binds its socket and, as root, chowns it to
        User: stopping httpd before that makes it log AH01244 at crit."""
        if not IS_ROOT:
            return
        sock = self.run_dir / ("cgid.sock.%d" % self.proc.pid)
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if sock.stat().st_uid == NOBODY_UID:
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.005)

    def stop(self, timeout=10.0):
        """SIGTERM the parent and wait for it (and its children) to exit."""
        if self.session is not None:
            self.session.close()
            self.session = None
        if self in Httpd.running:
            Httpd.running.remove(self)
        if self.proc is None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
        if self.proc is not None:
            # children leave with the parent; make sure none lingers
            self._reap_group(self.proc.pid, 2.0)
        self.proc = None

    def group_pids(self):
        """The parent and its live children (pids, sorted)."""
        pids = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % p) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid and fields[0] != "Z":
                pids.append(int(p))
        return sorted(pids)

    @staticmethod
    def _group_alive(pgid):
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    @classmethod
    def _reap_group(cls, pgid, wait):
        """Wait for what is left of the process group this harness created
        (start_new_session) to exit, then SIGKILL it."""
        deadline = time.monotonic() + wait
        while cls._group_alive(pgid):
            if time.monotonic() > deadline:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return
            time.sleep(0.01)

    def _kill(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def cleanup(self):
        self.stop()
        if os.environ.get("OA2_KEEP_TMP"):
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- start-up failure tests ---------------------------------------

    def config_test(self, body, start=True, timeout=10.0):
        """Check body the way an admin would: `apache2 -t`, and when that
        passes and start is true, a real start (post_config checks only run
        there).  Returns (rc, output); rc 0 means httpd accepted the config
        (and, with start, served)."""
        if self.proc is not None:
            raise HttpdError("config_test on a running instance")
        conf = self.dir / "test.conf"
        conf.write_text(self.config_text(body))
        os.chmod(conf, 0o644)
        p = subprocess.run([APACHE, "-t", "-f", str(conf)],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout, env=httpd_env())
        out = p.stdout + p.stderr
        if p.returncode != 0 or not start:
            return p.returncode, out
        rc, more = self._launch(conf, timeout)
        if rc is None:
            # it serves: stop it again
            self.stop()
            return 0, out
        return rc, out + more

    # ---- logs ----------------------------------------------------------

    def _log_size(self):
        try:
            return self.error_log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _whole_lines_end(self, offset):
        """The end of the last complete line of the error log from byte
        offset on: a line httpd is still writing (under load a reader can
        catch one half written) is judged by the next check, whole."""
        size = self._log_size()
        tail = self._log_bytes(offset, size)
        cut = tail.rfind(b"\n")
        return offset + cut + 1 if cut >= 0 else offset

    def _log_bytes(self, offset, end):
        try:
            with open(self.error_log_path, "rb") as f:
                f.seek(offset)
                return f.read(max(0, end - offset))
        except FileNotFoundError:
            return b""

    def _log_from(self, offset, end=None):
        try:
            with open(self.error_log_path, "rb") as f:
                f.seek(offset)
                data = f.read() if end is None else f.read(end - offset)
                return data.decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    @property
    def access_log_path(self):
        return self.logs / "access_log"

    def access_log_size(self):
        try:
            return self.access_log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def access_pids(self, offset=0):
        """The pids of the children that answered the requests the access
        log holds from byte offset on (its last field, %P), in order."""
        try:
            with open(self.access_log_path, "rb") as f:
                f.seek(offset)
                data = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return []
        # a line being written has no newline yet
        return [int(line.rsplit(" ", 1)[1])
                for line in data.split("\n")[:-1] if line.strip()]

    def _stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def error_log(self):
        """The whole error log."""
        return self._log_from(0)

    def new_log(self):
        """The error log written since the current test started."""
        return self._log_from(self._mark)

    def allow_log(self, *patterns):
        """Declare error-log lines (regex) at warn+ the running test
        expects."""
        self._allowed_now.extend(patterns)

    @staticmethod
    def bad_lines(text, allowed):
        bad = []
        for line in text.splitlines():
            if not line.strip():
                continue
            m = _LINE_LEVEL.match(line)
            # a line without httpd's prefix is raw stderr output (a CGI, a
            # library printing): as suspicious as an error
            if m and m.group(2) not in BAD_LEVELS:
                continue
            if any(re.search(p, line) for p in allowed):
                continue
            bad.append(line)
        return bad

    def begin_test(self, allowed=()):
        """Check what was logged since the last check (start-up, between
        tests) and mark the start of a test."""
        size = self._whole_lines_end(self._checked)
        text = self._log_from(self._checked, size)
        self._checked = size
        self._mark = size
        self._allowed_now = list(allowed)
        return self.bad_lines(text, self.allowed_always)

    def end_test(self, secrets=()):
        """Problems in the log written during the test: unexpected warn+
        lines and secrets (tokens) that must never be logged."""
        size = self._whole_lines_end(self._mark)
        text = self._log_from(self._mark, size)
        self._checked = size
        problems = ["unexpected error log line: " + line for line in
                    self.bad_lines(text,
                                   self.allowed_always + self._allowed_now)]
        for s in secrets:
            if s and s in text:
                problems.append("a token was logged: %s..." % s[:24])
        self._allowed_now = []
        return problems

    def final_check(self, secrets=()):
        """After stop: lines not covered by a test (start-up, shutdown)."""
        text = self._log_from(self._checked)
        self._checked = self._log_size()
        problems = ["unexpected error log line: " + line
                    for line in self.bad_lines(
                        text, self.allowed_always + SHUTDOWN_NOISE)]
        for s in secrets:
            if s and s in text:
                problems.append("a token was logged: %s..." % s[:24])
        return problems

    # ---- HTTP ----------------------------------------------------------

    def url(self, path):
        return self.base_url + path

    def get(self, path, token=None, headers=None, method="GET", **kw):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        kw.setdefault("timeout", 10)
        kw.setdefault("allow_redirects", False)
        return self.session.request(method, self.url(path), headers=h, **kw)

    def raw(self, method, path, headers=(), body=None):
        """A request with exactly these header lines (repeats allowed).
        Returns (status, list of (name, value), body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            conn.putheader("Connection", "close")
            for k, v in headers:
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()


def _stop_all():
    for h in list(Httpd.running):
        h.stop()


atexit.register(_stop_all)
