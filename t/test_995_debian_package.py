# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The Debian package (debian/): built once with dpkg-buildpackage from a
copy of this tree (the unit tests run in its dh_auto_test), checked by
lintian, installed with apt, loaded by an httpd of ours on a loopback port
(never the system's apache2 service), checked against Debian's
libapache2-mod-oauth2 (OpenIDC's module of the same httpd name) when that
package can be installed, then purged. The machine is left as it was:
every package the test installed is purged again, and a policy-rc.d that
keeps maintainer scripts from restarting the system's apache2 is removed
if the test put it there.

Slow (the package build compiles everything once more): about 3 minutes
on an idle 2-core machine, most of it dpkg-buildpackage."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from authserver import ALICE, AS_MODULES, basic_login, write_htpasswd
from httpd import APACHE, REPO

pytestmark = pytest.mark.sqlite_only(
    "about the package, built and installed once per run")

PKG = "libapache2-mod-oauth2-as"
OPENIDC = "libapache2-mod-oauth2"
SO = "/usr/lib/apache2/modules/mod_oauth2_as.so"
LOAD = "/etc/apache2/mods-available/oauth2_as.load"
CONF = "/etc/apache2/mods-available/oauth2_as.conf"
ENABLED = "/etc/apache2/mods-enabled"
DATA = "/usr/share/%s" % PKG
STATE = Path("/var/lib/apache2/module")
POLICY = Path("/usr/sbin/policy-rc.d")
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300",
       "--no-install-recommends"]

IS_ROOT = os.geteuid() == 0


def _sudo_ok():
    if IS_ROOT:
        return True
    if not shutil.which("sudo"):
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True,
                          stdin=subprocess.DEVNULL).returncode == 0


if os.environ.get("OA2_HTTPD_PRELOAD"):
    pytestmark = [pytestmark, pytest.mark.skip(
        reason="the package is built and installed in the plain "
        "integration run, not again under ASan")]
elif not _sudo_ok():
    pytestmark = [pytestmark, pytest.mark.skip(
        reason="installing a package needs root or passwordless sudo")]


def run(cmd, check=True, timeout=600, env=None):
    """cmd as root (sudo -n when not root); (rc, stdout+stderr)."""
    if not IS_ROOT:
        cmd = ["sudo", "-n"] + list(cmd)
    e = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    e.update(env or {})
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout, env=e)
    out = p.stdout + p.stderr
    if check and p.returncode != 0:
        pytest.fail("%s: rc %d\n%s" % (" ".join(cmd), p.returncode, out),
                    pytrace=False)
    return p.returncode, out


def installed_packages():
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\n"],
        capture_output=True, text=True, check=True).stdout
    return {l.split()[0] for l in out.splitlines()
            if len(l.split()) > 1 and l.split()[1].startswith("i")}


def is_installed(pkg):
    return pkg in installed_packages()


def a2_state():
    """What a2enmod knows: mods-enabled and its state directory."""
    enabled = sorted(os.listdir(ENABLED)) if os.path.isdir(ENABLED) else []
    state = sorted(str(p.relative_to(STATE)) for p in STATE.rglob("*")
                   if not p.is_dir()) if STATE.is_dir() else []
    return enabled, state


def source_files():
    """This tree's files as git sees them (committed or not, not ignored)."""
    out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"],
                         cwd=REPO, capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f]


@pytest.fixture(scope="module")
def machine():
    """The machine's state before, restored after: packages, a2enmod state,
    policy-rc.d."""
    if is_installed(PKG):
        pytest.skip("%s is installed on this machine already: the test "
                    "would replace it" % PKG)
    before = installed_packages()
    state = a2_state()
    made_policy = False
    if not POLICY.exists():
        # no maintainer script of the test restarts the system's apache2
        run(["sh", "-c", "printf '#!/bin/sh\\nexit 101\\n' > %s && chmod 755 %s"
             % (POLICY, POLICY)])
        made_policy = True
    openidc_on = os.path.exists(ENABLED + "/oauth2.load")
    dirs = {p for p in STATE.rglob("*") if p.is_dir()} \
        if STATE.is_dir() else set()
    info = {"before": before, "a2": state}
    try:
        yield info
    finally:
        new = sorted(installed_packages() - before)
        if new:
            run(["apt-get", "purge", "-y", "-q", "-o",
                 "DPkg::Lock::Timeout=300"] + new, check=False)
        if OPENIDC in before:
            # its module enabled or not, as it was
            now_on = os.path.exists(ENABLED + "/oauth2.load")
            if openidc_on and not now_on:
                run(["a2enmod", "-q", "oauth2"], check=False)
            elif now_on and not openidc_on:
                run(["a2dismod", "-q", "oauth2"], check=False)
        # a2enmod's empty state directories made on the way
        if STATE.is_dir():
            for d in sorted(STATE.rglob("*"), reverse=True):
                if d.is_dir() and d not in dirs and not any(d.iterdir()):
                    run(["rmdir", str(d)], check=False)
        if made_policy:
            run(["rm", "-f", str(POLICY)], check=False)


@pytest.fixture(scope="module")
def built(machine):
    """The package, built from a copy of this tree: (dir, .deb, .changes,
    seconds)."""
    top = Path(tempfile.mkdtemp(prefix="oa2t-deb-"))
    src = top / "mod-oauth2-as"
    for rel in source_files():
        if os.path.isfile(REPO / rel):
            dst = src / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dst)
    t0 = time.monotonic()
    p = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src,
                       capture_output=True, text=True, timeout=1500,
                       stdin=subprocess.DEVNULL,
                       env=dict(os.environ, DEB_BUILD_OPTIONS="noddebs"))
    took = time.monotonic() - t0
    out = p.stdout + p.stderr
    (top / "build.log").write_text(out)
    assert p.returncode == 0, out[-6000:]
    debs = list(top.glob("%s_*.deb" % PKG))
    changes = list(top.glob("*.changes"))
    assert len(debs) == 1 and len(changes) == 1, os.listdir(top)
    # the unit tests ran in dh_auto_test
    assert re.search(r"^\d+ passed, 0 failed$", out, re.M), out[-3000:]
    os.chmod(top, 0o755)
    try:
        yield top, debs[0], changes[0], took
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def installed(built):
    top, deb, _, _ = built
    rc, out = run(APT + ["install", str(deb)])
    assert is_installed(PKG), out
    return out


def as_body(iss, key, extra=""):
    return """
OAuth2Issuer {iss}
OAuth2SigningKey {key}
OAuth2Scope read "Read your data"
{extra}
""".format(iss=iss, key=key, extra=extra)


def own_httpd(httpd_factory, name):
    """An httpd of ours that loads no module of this tree (the body
    Includes the package's .load); mod_dbd with the test store."""
    h = httpd_factory(name, module=False, dbd=True, modules=AS_MODULES)
    h.default_templates = False
    return h


class TestDebianPackage:

    def test_build_and_lintian(self, built):
        top, deb, changes, took = built
        print("dpkg-buildpackage took %.0f s" % took)
        p = subprocess.run(["lintian", "--fail-on", "error,warning",
                            "-I", "--pedantic", str(changes)],
                           capture_output=True, text=True, timeout=600)
        out = p.stdout + p.stderr
        tags = [l for l in out.splitlines() if re.match(r"^[EWIP]: ", l)]
        assert p.returncode == 0 and not tags, out

    def test_files_installed(self, installed):
        files = subprocess.run(["dpkg", "-L", PKG], capture_output=True,
                               text=True, check=True).stdout.split()
        for f in (SO, LOAD, CONF, "/usr/sbin/oauth2-admin",
                  DATA + "/templates/consent.html",
                  DATA + "/templates/error.html",
                  DATA + "/templates/logout.html",
                  DATA + "/schema/schema-sqlite3.sql",
                  "/usr/share/man/man8/oauth2-admin.8.gz",
                  "/usr/share/doc/%s/copyright" % PKG):
            assert f in files and os.path.exists(f), f
        # never a file of OpenIDC's package
        for f in ("/usr/lib/apache2/modules/mod_oauth2.so",
                  "/etc/apache2/mods-available/oauth2.load"):
            assert f not in files
        # the module knows only the package's template directory
        text = Path(SO).read_bytes()
        assert (DATA + "/templates").encode() in text
        assert str(REPO).encode() not in text
        assert b"/usr/share/apache2/mod_oauth2/templates" not in text
        head = Path(LOAD).read_text()
        assert head.startswith("# Conflicts: oauth2\n")
        assert "LoadModule oauth2_module %s" % SO in head

    def test_enabled_by_install(self, installed):
        assert os.path.islink(ENABLED + "/oauth2_as.load")
        assert os.path.islink(ENABLED + "/oauth2_as.conf")
        rc, out = run(["a2enmod", "oauth2_as"])
        assert "already enabled" in out
        rc, out = run(["a2query", "-m", "oauth2_as"])
        assert "enabled by maintainer script" in out

    def test_admin_command(self, installed):
        p = subprocess.run(["/usr/sbin/oauth2-admin", "schema", "sqlite3"],
                           capture_output=True, text=True, check=True)
        shipped = Path(DATA + "/schema/schema-sqlite3.sql").read_text()
        assert p.stdout.strip() in shipped and p.stdout.strip()

    def test_module_loads(self, installed, httpd_factory):
        h = own_httpd(httpd_factory, "deb-M")
        conf = h.dir / "m.conf"
        conf.write_text(h.config_text("Include %s/oauth2_as.load\n"
                                      % ENABLED))
        p = subprocess.run([APACHE, "-f", str(conf), "-M"],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stdout + p.stderr
        assert re.search(r"^ oauth2_module \(shared\)$", p.stdout, re.M), \
            p.stdout

    def test_serves_with_package_templates(self, installed, httpd_factory,
                                           keys):
        h = own_httpd(httpd_factory, "deb-as")
        body = "Include %s/oauth2_as.load\nInclude %s/oauth2_as.conf\n" % (
            ENABLED, ENABLED) + as_body(h.issuer, keys["ec1"].path,
                                        basic_login("/oauth2/authorize",
                                                    write_htpasswd(h)))
        h.start(body)
        r = h.get("/.well-known/oauth-authorization-server")
        assert r.status_code == 200, r.text
        assert r.json()["issuer"] == h.issuer
        r = h.get("/oauth2/authorize?client_id=no-such-client"
                  "&response_type=code", auth=ALICE)
        assert r.status_code == 400
        assert "<title>Authorization error</title>" in r.text
        # a restart reads the .load again: its guard does not see the
        # module of the last generation
        h.proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert h.proc.poll() is None
        r = h.get("/.well-known/oauth-authorization-server")
        assert r.status_code == 200
        log = h.error_log()
        assert "OA2-01851" not in log and "OA2-01852" not in log
        assert "OA2-00500" not in log

    @pytest.mark.log_allow(r"OA2-01852", r"AH00526")
    def test_openidc_module_conflict(self, installed, built, machine,
                                     httpd_factory):
        top, deb, _, _ = built
        if not is_installed(OPENIDC):
            rc, out = run(APT + ["install", OPENIDC], check=False)
            if rc != 0 or not is_installed(OPENIDC):
                pytest.skip("%s cannot be installed here: %s"
                            % (OPENIDC, out.strip().splitlines()[-1:]))
        # its postinst enabled its oauth2: a2enmod oauth2 knows nothing of
        # ours, so both are enabled now (or were already)
        run(["a2enmod", "-q", "oauth2"])
        assert os.path.islink(ENABLED + "/oauth2.load")
        # httpd, with mods-enabled's order, refuses to start with both
        h = own_httpd(httpd_factory, "deb-both")
        rc, out = h.config_test("IncludeOptional %s/oauth2*.load\n" % ENABLED)
        assert rc != 0, out
        assert "OA2-01852: another oauth2_module is already loaded" in out
        assert "a2dismod oauth2" in out
        # a2enmod refuses ours while oauth2 is enabled
        run(["a2dismod", "-q", "oauth2_as"])
        rc, out = run(["a2enmod", "oauth2_as"], check=False)
        assert rc != 0, out
        assert "Module oauth2 is enabled - cannot proceed due to conflicts" \
            in out
        assert not os.path.exists(ENABLED + "/oauth2_as.load")
        # installing the package then does not fail: postinst says why
        # the module stays disabled
        run(["dpkg", "--purge", PKG])
        rc, out = run(APT + ["install", str(deb)])
        assert "module oauth2_as NOT enabled" in out, out
        assert is_installed(PKG)
        assert not os.path.exists(ENABLED + "/oauth2_as.load")
        # moving from OpenIDC's module as README.Debian says
        run(["a2dismod", "-q", "oauth2"])
        run(["a2enmod", "-q", "oauth2_as"])
        assert os.path.islink(ENABLED + "/oauth2_as.load")
        if OPENIDC not in machine["before"]:
            run(["apt-get", "purge", "-y", "-q", OPENIDC])

    @pytest.mark.log_allow(r"OA2-01850")
    def test_purge_leaves_nothing(self, installed, machine, httpd_factory,
                                  keys, tmp_path):
        files = subprocess.run(["dpkg", "-L", PKG], capture_output=True,
                               text=True, check=True).stdout.split()
        copy = tmp_path / "mod_oauth2_as.so"
        shutil.copy(SO, copy)
        os.chmod(tmp_path, 0o755)
        run(["apt-get", "purge", "-y", "-q", PKG])
        assert not is_installed(PKG)
        left = [f for f in files if os.path.isfile(f) or os.path.islink(f)]
        assert not left, left
        assert not os.path.exists(DATA)
        enabled, state = a2_state()
        assert not [e for e in enabled if e.startswith("oauth2_as.")], enabled
        assert not [s for s in state if s.endswith("/oauth2_as")], state
        if OPENIDC not in machine["before"]:
            assert (enabled, state) == machine["a2"]
        # the package's module without its templates: the line to add
        h = own_httpd(httpd_factory, "deb-none")
        rc, out = h.config_test("LoadModule oauth2_module %s\n" % copy
                                + as_body(h.issuer, keys["ec1"].path))
        log = out + h.error_log()
        assert rc != 0
        assert "OA2-01850: no consent.html in %s/templates: add the line " \
               "\"OAuth2TemplateDir /absolute/path/to/templates\"" % DATA \
            in log, log
