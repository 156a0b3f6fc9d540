# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""A hostile HTTP(S) server for the bad-input tests of what the module
fetches (JWKS, metadata, introspection, client metadata documents).

One HostileServer listens on a free 127.0.0.1 port, in threads of this
process, and answers each path the way the test set it: a document, a
status, a redirect (e.g. to the cloud metadata address), a body without
end, a slow-loris trickle. Every request is counted and recorded. With
tls=True it serves https with a certificate of a CA it makes itself
(ca_path, for the module's CA file setting).

Nothing it does may hang a test: handler threads are daemons, sockets
have timeouts, every endless answer stops at stop(), which also shuts
down the connections still open.
"""

import atexit
import datetime
import ipaddress
import json as jsonlib
import os
import shutil
import socket
import ssl
import tempfile
import threading
import urllib.parse
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GiB = 1 << 30
# what a huge or slow JSON body starts with: the start of a valid
# document, so only a size or time limit can stop a client reading it
JSON_START = b'{"keys":['

Request = namedtuple("Request", "method path query headers body")


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _validity():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)


def _write_pem(d, stem, cert, key):
    """stem.pem (the certificate) and stem.key (its key, PKCS#8) in d."""
    pem = serialization.Encoding.PEM
    (d / (stem + ".pem")).write_bytes(cert.public_bytes(pem))
    (d / (stem + ".key")).write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    # httpd's children (nobody when the tests run as root) read them
    os.chmod(d, 0o755)
    os.chmod(d / (stem + ".pem"), 0o644)
    return d / (stem + ".pem"), d / (stem + ".key")


def make_ca(cn="mod_oauth2 tests hostile CA"):
    """A CA certificate and its key: (cert, key)."""
    start, end = _validity()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def _general_name(n):
    """A SAN of text: an IP address, "uri:...", "email:...", else DNS."""
    if n.startswith("uri:"):
        return x509.UniformResourceIdentifier(n[4:])
    if n.startswith("email:"):
        return x509.RFC822Name(n[6:])
    try:
        return x509.IPAddress(ipaddress.ip_address(n))
    except ValueError:
        return x509.DNSName(n)


def make_cert(subject, names=(), ca=None, key=None, usage=None):
    """A certificate of subject (an x509.Name, or a CN) for key (default: a
    new EC P-256 key) with the SANs names (_general_name), signed by ca
    ((cert, key); None: self-signed), with the extended key usage usage
    (an ExtendedKeyUsageOID, or None); (cert, key)."""
    start, end = _validity()
    if isinstance(subject, str):
        subject = _name(subject)
    key = key or ec.generate_private_key(ec.SECP256R1())
    issuer, signer = (ca[0].subject, ca[1]) if ca else (subject, key)
    b = (x509.CertificateBuilder()
         .subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end))
    if names:
        b = b.add_extension(x509.SubjectAlternativeName(
            [_general_name(n) for n in names]), critical=False)
    if usage is not None:
        b = b.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return b.sign(signer, hashes.SHA256()), key


def make_tls_files(directory, names=("127.0.0.1", "localhost"),
                   ca_name="mod_oauth2 tests hostile CA"):
    """A CA (ca.pem, named ca_name) and a server certificate it signed
    for names (IP addresses or DNS names; server.pem, server.key) in
    directory, the CA readable by all (httpd's children, slapd's user).
    For the hostile servers here and for slapd.py."""
    d = Path(directory)
    ca = make_ca(ca_name)
    cert, key = make_cert(names[0], names, ca,
                          usage=ExtendedKeyUsageOID.SERVER_AUTH)
    (d / "ca.pem").write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
    server, server_key = _write_pem(d, "server", cert, key)
    os.chmod(d / "ca.pem", 0o644)
    return d / "ca.pem", server, server_key


def write_cert(directory, stem, cert, key):
    """Write cert and key as stem.pem and stem.key in directory (a client
    certificate for requests' cert=, curl's --cert/--key); the paths."""
    return _write_pem(Path(directory), stem, cert, key)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle or stuck client is dropped, never waited for

    def setup(self):
        super().setup()
        self.server.owner._opened(self.connection)
        if isinstance(self.connection, ssl.SSLSocket):
            # in this thread, not in the accept loop: a client that never
            # finishes its handshake holds only itself up
            self.connection.do_handshake()

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.owner._closed(self.connection)

    def log_message(self, fmt, *args):
        pass  # the test reads requests, not a log

    def _any(self):
        self.server.owner._dispatch(self)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _any

    # ---- what the behaviours use -----------------------------------------

    def read_body(self, limit=1 << 20):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(n, limit)) if n > 0 else b""

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def stopping(self, seconds=0):
        """Wait up to seconds; True when the server is stopping."""
        return self.server.owner._stop.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # a client that went away mid-answer is what tests do


class HostileServer:
    """The server; set behaviours with json(), status(), redirect(),
    huge(), slow(), hangup(), handler(), then point the module at
    url(path). Unknown paths are answered 404."""

    running = []

    def __init__(self, tls=False, names=("127.0.0.1", "localhost")):
        """tls: serve https with a certificate for names, signed by a CA
        made here (ca_path)."""
        self.tls = tls
        self.names = names
        self.dir = None
        self.ca_path = None
        self.port = None
        self.requests = []  # Request tuples, in order
        self._hits = {}
        self._routes = {}
        self._lock = threading.Lock()
        self._conns = set()
        self._stop = threading.Event()
        self._server = self._thread = None

    def start(self):
        self.dir = Path(tempfile.mkdtemp(prefix="oa2t-hostile-"))
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        if self.tls:
            self.ca_path, cert, key = make_tls_files(self.dir, self.names)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self._server.socket = ctx.wrap_socket(
                self._server.socket, server_side=True,
                do_handshake_on_connect=False)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name="hostile-%d" % self.port, daemon=True)
        self._thread.start()
        HostileServer.running.append(self)
        return self

    def stop(self):
        """Stop serving, end every endless answer, close every
        connection; removes the CA unless OA2_KEEP_TMP is set."""
        if self._server is None:
            return
        self._stop.set()
        self._server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        if self in HostileServer.running:
            HostileServer.running.remove(self)
        if self.dir and not os.environ.get("OA2_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http",
                                      self.port)

    def url(self, path, scheme=None, host="127.0.0.1"):
        """The URL of path here; scheme (default: the one served) and
        host (e.g. "localhost") may name another, as a client_id that
        must be refused would."""
        return "%s://%s:%d%s" % (scheme or ("https" if self.tls else "http"),
                                 host, self.port, path)

    def total(self):
        """How many requests came, to any path."""
        with self._lock:
            return len(self.requests)

    # ---- requests seen -----------------------------------------------------

    def hits(self, path):
        """How many requests path got (query string left out)."""
        with self._lock:
            return self._hits.get(path, 0)

    def reset(self):
        """Forget the requests and counts (not the behaviours)."""
        with self._lock:
            self._hits.clear()
            self.requests.clear()

    def _opened(self, conn):
        with self._lock:
            self._conns.add(conn)

    def _closed(self, conn):
        with self._lock:
            self._conns.discard(conn)

    def _dispatch(self, h):
        u = urllib.parse.urlsplit(h.path)
        body = h.read_body()
        with self._lock:
            self._hits[u.path] = self._hits.get(u.path, 0) + 1
            self.requests.append(Request(h.command, u.path, u.query,
                                         h.headers, body))
            fn = self._routes.get(u.path)
        if fn is None:
            h.reply(404, b"not here\n", {"Content-Type": "text/plain"})
        else:
            fn(h)

    # ---- behaviours --------------------------------------------------------

    def handler(self, path, fn):
        """fn(h) answers path; h is the BaseHTTPRequestHandler with
        reply(code, body, headers) and stopping(seconds)."""
        with self._lock:
            self._routes[path] = fn

    def body(self, path, data, content_type="application/octet-stream",
             headers=None, status=200):
        """Serve these bytes (any method)."""
        hdrs = {"Content-Type": content_type, **(headers or {})}
        self.handler(path, lambda h: h.reply(status, data, hdrs))

    def json(self, path, obj, headers=None, status=200,
             content_type="application/json"):
        """Serve obj as JSON; headers e.g. {"Cache-Control":
        "max-age=60"}. obj may be bytes or str, served as they are (for
        documents that are not valid JSON)."""
        if isinstance(obj, str):
            obj = obj.encode()
        elif not isinstance(obj, bytes):
            obj = jsonlib.dumps(obj).encode()
        self.body(path, obj, content_type, headers, status)

    def status(self, path, code, body=b"", headers=None):
        """Answer code with body (e.g. 500, 404, 401)."""
        self.body(path, body, "text/plain", headers, code)

    def redirect(self, path, location, code=302):
        """Redirect to location (e.g. http://169.254.169.254/latest/
        meta-data/), which a fetch must not follow."""
        self.handler(path, lambda h: h.reply(code, b"", {"Location":
                                                         location}))

    def huge(self, path, chunked=True, size=GiB, chunk=1 << 16):
        """A 200 JSON body of size bytes (None: endless when chunked)
        that starts like a JWKS: chunked without Content-Length, or with
        Content-Length: size sent in full."""
        def serve(h):
            h.close_connection = True
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            if chunked:
                h.send_header("Transfer-Encoding", "chunked")
            else:
                h.send_header("Content-Length", str(size))
            h.end_headers()
            if h.command == "HEAD":
                return
            filler = b" " * chunk
            sent = 0
            try:
                data = JSON_START
                while not h.stopping() and (size is None or sent < size):
                    if size is not None:
                        data = data[:size - sent]
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data)
                                  if chunked else data)
                    sent += len(data)
                    data = filler
                if chunked:
                    h.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client stopped reading, as it should
        self.handler(path, serve)

    def slow(self, path, where="body", interval=1.0, duration=30,
             doc=b'{"keys":[]}'):
        """Slow loris. where="body": the status and headers at once
        (Content-Length of doc), then doc one byte per interval;
        where="headers": the status line, then the header block itself
        one byte per interval. Either way the connection is closed
        after duration seconds (or at stop())."""
        def serve(h):
            h.close_connection = True
            head = ("Content-Type: application/json\r\n"
                    "Content-Length: %d\r\nConnection: close\r\n\r\n"
                    % len(doc)).encode()
            if where == "body":
                h.wfile.write(b"HTTP/1.1 200 OK\r\n" + head)
                trickle = doc
            else:
                h.wfile.write(b"HTTP/1.1 200 OK\r\n")
                trickle = head + doc
            try:
                for i in range(min(len(trickle), int(duration / interval))):
                    h.wfile.write(trickle[i:i + 1])
                    h.wfile.flush()
                    if h.stopping(interval):
                        break
            except OSError:
                pass
        self.handler(path, serve)

    def hangup(self, path):
        """Close the connection without any answer."""
        def serve(h):
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
        self.handler(path, serve)


def _stop_all():
    for s in list(HostileServer.running):
        s.stop()


atexit.register(_stop_all)
