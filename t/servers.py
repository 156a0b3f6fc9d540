# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""What the throwaway database servers of the tests (pgsql.py, mysql.py)
do alike: a temporary directory with the data and a log, and, when the
tests run as root, an unprivileged user to run the server binaries as
(neither initdb nor mariadbd runs as root)."""

import os
import pwd
import shutil
import tempfile
import time
from pathlib import Path

from httpd import IS_ROOT


def unprivileged_user(*names):
    """The first of these users that exists."""
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("none of the users %s exists to run the database "
                       "server as" % ", ".join(names))


class ThrowawayServer:
    """A server in self.dir: its data in data/, its log in LOG_NAME.
    Subclasses set LOG_NAME and SERVER_USERS (who runs it when root) and
    define _start() (make and start it in self.dir) and stop() (which
    also copes with a half-made server)."""

    LOG_NAME = "server.log"
    SERVER_USERS = ("nobody",)

    def __init__(self, prefix):
        """prefix: of the temporary directory's name."""
        self.prefix = prefix
        self.dir = None
        self.port = None
        self._user = unprivileged_user(*self.SERVER_USERS) if IS_ROOT \
            else None

    def start(self):
        """A new temporary directory (the server user's), then _start();
        stopped again on failure."""
        self.dir = Path(tempfile.mkdtemp(prefix=self.prefix))
        try:
            if self._user:
                os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
            return self._start()
        except BaseException:
            self.stop()
            raise

    def as_server_user(self):
        """subprocess keywords that run a binary as the server's user."""
        if not self._user:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid,
                "extra_groups": []}

    @property
    def data(self):
        return self.dir / "data"

    @property
    def log_path(self):
        return self.dir / self.LOG_NAME

    def log_text(self):
        """The log's end, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except (FileNotFoundError, TypeError):
            return ""

    def wait_ready(self, name, probe, errors, timeout, pause):
        """probe()'s first result that is not None, tried every pause
        seconds while self.proc runs; errors: the exceptions that mean
        "not yet". A server that exits or is not ready within timeout
        seconds fails, with its log."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited (rc=%d):\n%s"
                                   % (name, self.proc.returncode,
                                      self.log_text()))
            try:
                result = probe()
                if result is not None:
                    return result
            except errors:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("%s did not start:\n%s"
                                   % (name, self.log_text()))
            time.sleep(pause)

    def remove_dir(self):
        """The temporary directory removed, unless OA2_KEEP_TMP is set
        (for a look at a failed server's files)."""
        if self.dir is None:
            return
        if not os.environ.get("OA2_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
