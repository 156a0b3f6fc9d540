# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The harness itself, on a plain httpd without mod_oauth2."""

import json
import os

import pytest

from httpd import Httpd

# no mod_oauth2, no database: once (on sqlite3) is enough
pytestmark = pytest.mark.sqlite_only("the harness itself, without a store")


class TestHarness:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory):
        h = httpd_factory("plain", module=False)
        h.write_cgi("cgi-bin/noisy.sh",
                    "#!/bin/sh\necho 'harness-noise' >&2\n"
                    "printf 'Content-Type: text/plain\\r\\n\\r\\nnoisy'\n")
        h.start("ScriptAlias /cgi/ %s/\n" % h.cgi_bin)
        return h

    def test_serves_files(self, h):
        r = h.get("/api/data.txt")
        assert r.status_code == 200
        assert r.text == "api data\n"

    def test_several_children(self, h):
        # mpm_event with StartServers 2: the parent and at least 2 children
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        group = []
        for p in pids:
            try:
                with open("/proc/%s/stat" % p) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == h.proc.pid:  # pgrp
                group.append(p)
        assert len(group) >= 3, group

    def test_cgi(self, h):
        r = h.get("/cgi/env.py")
        assert r.status_code == 200, r.text
        env = json.loads(r.text)
        assert env["REMOTE_USER"] is None

    def test_log_guard_sees_errors(self, h):
        # a CGI's stderr is logged at error level: the guard must see it
        r = h.get("/cgi/noisy.sh")
        assert r.status_code == 200
        text = h.new_log()
        assert "harness-noise" in text
        assert Httpd.bad_lines(text, [])
        assert not Httpd.bad_lines(text, ["harness-noise"])
        h.allow_log("harness-noise")

    @pytest.mark.log_allow("harness-noise")
    def test_log_allow_marker(self, h):
        assert h.get("/cgi/noisy.sh").status_code == 200

    def test_raw_duplicate_headers(self, h):
        status, headers, body = h.raw("GET", "/api/data.txt",
                                      [("X-A", "1"), ("X-A", "2")])
        assert status == 200
        assert body == b"api data\n"


def test_config_test_reports_errors(httpd_factory):
    h = httpd_factory("cfg", module=False)
    rc, out = h.config_test("NoSuchDirective on\n")
    assert rc != 0
    assert "line" in out and "NoSuchDirective" in out
    rc, out = h.config_test("# nothing\n")
    assert rc == 0, out
