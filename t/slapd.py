# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A throwaway OpenLDAP server for the tests of an LDAP login.

Debian's slapd (package slapd) serves a directory made in a temporary
directory: slapd.conf there names only files of that directory and
Debian's schema files, slapadd loads the entries before the server starts
(no rootdn: nothing writes to the directory afterwards), and slapd serves
ldaps on a free loopback port only, in the foreground (-d 0), its pid file
in that directory. Its certificate is for 127.0.0.1, issued by a CA made
here, so that a client checks it as it would in production. A system
slapd (the package's postinst may have started one on port 389) is
neither used nor touched.

slapd could run as root, but as the database servers do it runs as an
unprivileged user when the tests run as root: "openldap" (made by the
package) or else "nobody", who owns the directory.
"""

import atexit
import base64
import hashlib
import os
import secrets
import socket
import ssl
import subprocess

from hostile import make_tls_files
from httpd import free_port
from servers import ThrowawayServer

SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
MODULE_DIR = "/usr/lib/ldap"
SCHEMA_DIR = "/etc/ldap/schema"
SCHEMAS = ("core", "cosine", "inetorgperson")


def available():
    """Why a server cannot be made here, or None when it can."""
    if not (os.path.exists(SLAPD) and os.path.exists(SLAPADD)):
        return "no OpenLDAP server (Debian: slapd)"
    if not os.path.exists(os.path.join(MODULE_DIR, "back_mdb.so")):
        return "no slapd mdb backend in %s (Debian: slapd)" % MODULE_DIR
    for s in SCHEMAS:
        if not os.path.exists(os.path.join(SCHEMA_DIR, s + ".schema")):
            return "no %s schema in %s (Debian: slapd)" % (s, SCHEMA_DIR)
    return None


def ssha(password):
    """A userPassword value slapd checks binds against: {SSHA}, salted
    SHA-1 (what slappasswd makes by default)."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def ldif(dn, attrs):
    """One LDIF record; attrs: (name, value) pairs. A value that is not
    plain ASCII (RFC 2849 SAFE-STRING) is written base64 ("name:: ...")."""
    lines = []
    for name, value in [("dn", dn)] + list(attrs):
        raw = value.encode()
        if (not raw.isascii() or not value or value[0] in " :<"
                or value[-1] == " " or any(c in value for c in "\r\n\0")):
            lines.append("%s:: %s" % (name, base64.b64encode(raw).decode()))
        else:
            lines.append("%s: %s" % (name, value))
    return "\n".join(lines) + "\n"


# An anonymous simple bind (RFC 4511 §4.2), message 1, LDAPv3: the
# readiness probe needs no LDAP library.
ANONYMOUS_BIND = bytes.fromhex("300c020101600702010304008000")


class LdapServer(ThrowawayServer):
    """slapd serving suffix with the LDIF records of entries (a str);
    start() and stop(). acl: slapd.conf access lines."""

    LOG_NAME = "slapd.log"
    SERVER_USERS = ("openldap", "nobody")

    def __init__(self, suffix, entries, acl):
        super().__init__("oa2t-slapd-")
        self.suffix = suffix
        self.entries = entries
        self.acl = acl
        self.proc = None

    @property
    def url(self):
        return "ldaps://127.0.0.1:%d" % self.port

    @property
    def ca_path(self):
        return self.dir / "ca.pem"

    def _files(self):
        d = self.dir
        self.data.mkdir()
        make_tls_files(d, ca_name="mod_oauth2 test LDAP CA")
        conf = ["include %s/%s.schema" % (SCHEMA_DIR, s) for s in SCHEMAS]
        conf += [
            "pidfile %s/slapd.pid" % d,
            "argsfile %s/slapd.args" % d,
            "modulepath %s" % MODULE_DIR,
            "moduleload back_mdb",
            "TLSCACertificateFile %s/ca.pem" % d,
            "TLSCertificateFile %s/server.pem" % d,
            "TLSCertificateKeyFile %s/server.key" % d,
            "database mdb",
            "maxsize 10485760",
            'suffix "%s"' % self.suffix,
            "directory %s" % self.data,
            # throwaway: no fsync
            "dbnosync",
        ] + list(self.acl)
        (d / "slapd.conf").write_text("\n".join(conf) + "\n")
        (d / "entries.ldif").write_text(self.entries)
        os.chmod(d / "server.key", 0o600)
        if self._user:
            for p in [self.data] + list(d.iterdir()):
                os.chown(p, self._user.pw_uid, self._user.pw_gid)

    def _start(self):
        self._files()
        env = dict(os.environ, LC_ALL="C")
        p = subprocess.run([SLAPADD, "-f", str(self.dir / "slapd.conf"),
                            "-l", str(self.dir / "entries.ldif")],
                           cwd=str(self.dir), env=env, timeout=30,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, **self.as_server_user())
        if p.returncode != 0:
            raise RuntimeError("slapadd failed (rc=%d):\n%s%s"
                               % (p.returncode, p.stdout, p.stderr))
        self.port = free_port()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [SLAPD, "-f", str(self.dir / "slapd.conf"),
                 "-h", self.url + "/", "-d", "0"],
                cwd=str(self.dir), env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True,
                **self.as_server_user())
        # as Httpd does: no server outlives an interrupted session
        atexit.register(self.stop)
        self._wait_ready(10)
        return self

    def _bind_ok(self):
        """An anonymous bind over TLS succeeds, the certificate checked
        against the CA."""
        ctx = ssl.create_default_context(cafile=str(self.ca_path))
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=2) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                s.sendall(ANONYMOUS_BIND)
                answer = s.recv(64)
        # BindResponse [APPLICATION 1], resultCode ENUMERATED success
        return b"\x61" in answer and b"\x0a\x01\x00" in answer

    def _wait_ready(self, timeout):
        self.wait_ready("slapd", lambda: True if self._bind_ok() else None,
                        OSError, timeout, 0.02)

    def stop(self):
        """slapd stopped (SIGTERM, SIGKILL after 5 s) and the directory
        removed, unless OA2_KEEP_TMP is set."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
        self.remove_dir()
