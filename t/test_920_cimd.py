"""Client ID metadata documents (SPEC.md "Client ID metadata documents";
draft-ietf-oauth-client-id-metadata-document): OAuth2ClientMetadataDocuments
on, a client_id that is a URL, the document the authorize endpoint fetches
from it, and what it refuses.

The documents come from a small threaded HTTP server on 127.0.0.1 inside
the test (DocServer), which counts what it is asked. The main server's
issuer is a loopback http issuer (http://127.0.0.1:PORT), so it may fetch
from loopback; a virtual host whose issuer is https may not, and never
connects (the server counts no request).
"""

import collections
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from authserver import (ALICE, Client, Flow, add_client, admin, api,
                        assert_token_ok, ep, refresh, start_as,
                        verify_access_token)
from httpd import free_port
from test_100_authorize import assert_error_page, page_text

CB = "https://client.example/cb"
HTTPS_VHOST = "cimd-https.test"


class DocServer:
    """Documents served on 127.0.0.1: path -> (status, headers, body);
    every request is counted per path (hits) and in all (total)."""

    def __init__(self):
        self.routes = {}
        self.hits = collections.Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with server.lock:
                    server.hits[path] += 1
                    status, headers, body = server.routes.get(
                        path, (404, {}, b"not here"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path, scheme="http", host="127.0.0.1"):
        return "%s://%s:%d%s" % (scheme, host, self.port, path)

    def serve(self, path, body, status=200, headers=None):
        """Serve body (a dict is JSON) at path."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        with self.lock:
            self.routes[path] = (status, h, body)

    def total(self):
        with self.lock:
            return sum(self.hits.values())

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def docs():
    d = DocServer()
    yield d
    d.stop()


_paths = [0]


def new_path(name="client"):
    """A path no other test uses: each test's client is its own."""
    _paths[0] += 1
    return "/%s-%d/client.json" % (name, _paths[0])


def document(url, **over):
    """A valid document of client url; over replaces or adds members
    (None removes one)."""
    doc = {"client_id": url, "client_name": "CIMD Demo App",
           "redirect_uris": [CB],
           "grant_types": ["authorization_code", "refresh_token"],
           "token_endpoint_auth_method": "none"}
    for k, v in over.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def doc_client(url, redirect_uri=CB):
    """The client as its own code sees itself: public, no secret."""
    return Client(url, None, [redirect_uri], "CIMD Demo App", "read",
                  ("authorization_code", "refresh_token"), True)


def rows_of(h, url):
    """(name, auth_method, created_at, metadata) of client url's row, or
    None."""
    rows = h.store.rows("SELECT name, auth_method, created_at, metadata "
                        "FROM oa2_clients WHERE issuer = ? AND "
                        "client_id = ?", (h.issuer, url))
    if not rows:
        return None
    name, method, created, meta = rows[0]
    return name, method, int(created), json.loads(meta) if meta else {}


def assert_refused(h, r, log_id, url, error="invalid_client"):
    """The error page, never a redirect; one info line with the log id and
    the URL; nothing stored."""
    assert_error_page(r, 400)
    text, _ = page_text(r.text)
    assert error in text, text
    log = h.new_log()
    lines = [line for line in log.splitlines() if log_id in line]
    assert len(lines) == 1, log
    assert "[oauth2:info]" in lines[0], lines[0]
    assert url[:100] in lines[0], lines[0]
    assert rows_of(h, url) is None
    return text


def vhost(h, port, name, issuer, key, extra=""):
    """A virtual host on a port of its own (so that the main server still
    answers on h.port), with its own issuer."""
    return """
Listen 127.0.0.1:{port}
<VirtualHost 127.0.0.1:{port}>
    ServerName {name}
    OAuth2Issuer {issuer}
    OAuth2SigningKey {key}
    OAuth2Scope read "Read your data"
{extra}
</VirtualHost>
""".format(port=port, name=name, issuer=issuer, key=key, extra=extra)


def vhost_get(h, port, url, redirect_uri=CB):
    """GET the authorize endpoint of the virtual host on port for client
    url."""
    flow = Flow(h, doc_client(url, redirect_uri))
    return h.session.get("http://127.0.0.1:%d%s?%s" % (
        port, ep(h, "authorize"), urllib.parse.urlencode(flow.params)),
        auth=ALICE, allow_redirects=False, timeout=10)


class TestClientMetadataDocuments:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        port = free_port()

        def extra(h):
            h.https_port = port
            return "OAuth2ClientMetadataDocuments on\n" + vhost(
                h, port, HTTPS_VHOST, "https://" + HTTPS_VHOST,
                keys["ec1"].path)
        return start_as(httpd_factory, keys, "as-cimd", extra=extra)

    def test_metadata_says_so(self, h):
        for path in ("/.well-known/oauth-authorization-server",
                     "/.well-known/openid-configuration"):
            md = h.get(path).json()
            assert md["client_id_metadata_document_supported"] is True, md

    def test_full_flow(self, h, docs):
        """authorize -> consent (name and host) -> approve -> code ->
        token with PKCE and no secret -> an access token of the URL."""
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url), headers={
            "Cache-Control": "max-age=300"})
        client = doc_client(url)
        f = Flow(h, client, scope="read")
        page = f.consent_page()
        text, _ = page_text(page.resp.text)
        assert "Allow CIMD Demo App from 127.0.0.1 to access" in text, text
        assert '<strong class="host"><bdi>127.0.0.1</bdi></strong>' \
            in page.resp.text
        assert "<title>Allow access for &#x2068;CIMD Demo App&#x2069; " \
            "(&#x2068;127.0.0.1&#x2069;)?</title>" in page.resp.text
        r = f.post(page)
        assert r.status_code == 303, (r.status_code, r.text[:300])
        q = f.redirect_query(r)
        body = assert_token_ok(f.token(q["code"]))
        _, claims = verify_access_token(h, body["access_token"])
        assert claims["client_id"] == url, claims
        assert claims["sub"] == "alice"
        assert api(h, body["access_token"]).status_code == 200
        # a public client: refreshed with its client_id alone
        assert_token_ok(refresh(h, client, body["refresh_token"]))
        # the document was read once for all of it
        assert docs.hits[path] == 1
        assert "OA2-01026" in h.new_log()
        name, method, _, meta = rows_of(h, url)
        assert (name, method) == ("CIMD Demo App", "none")
        doc = meta["client_id_metadata_document"]
        assert doc["expires_at"] - doc["fetched_at"] == 300, meta

    def test_pkce_and_no_secret(self, h, docs):
        """The token endpoint holds it to what any public client is held
        to: the verifier, and no secret."""
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url))
        client = doc_client(url)
        f = Flow(h, client)
        code = f.code()
        r = f.token(code, code_verifier=None)
        assert r.status_code == 400, r.text
        f2 = Flow(h, client)
        r = h.session.post(h.url(ep(h, "token")), data={
            "grant_type": "authorization_code", "code": f2.code(),
            "redirect_uri": CB, "code_verifier": f2.verifier,
            "client_id": url, "client_secret": "made-up"}, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == \
            "invalid_client", r.text

    def test_reused_within_lifetime(self, h, docs):
        """Fetched once, reused while its Cache-Control lifetime lasts;
        read again after, keeping the row's created_at."""
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url), headers={
            "Cache-Control": "public, max-age=600"})
        client = doc_client(url)
        for _ in range(3):
            Flow(h, client).consent_page()
        assert docs.hits[path] == 1
        name, _, created, meta = rows_of(h, url)
        # the lifetime runs out (as if ten minutes had passed)
        doc = meta["client_id_metadata_document"]
        doc["expires_at"] = doc["fetched_at"] = doc["fetched_at"] - 600
        h.store.execute("UPDATE oa2_clients SET metadata = ? WHERE "
                        "issuer = ? AND client_id = ?",
                        (json.dumps(meta), h.issuer, url))
        docs.serve(path, document(url, client_name="Renamed App"))
        page = Flow(h, client).consent_page()
        assert docs.hits[path] == 2
        assert "Renamed App" in page_text(page.resp.text)[0]
        name2, _, created2, meta2 = rows_of(h, url)
        assert name2 == "Renamed App" and created2 == created
        # without Cache-Control: the default, an hour
        doc2 = meta2["client_id_metadata_document"]
        assert doc2["expires_at"] - doc2["fetched_at"] == 3600, meta2

    def test_lifetime_bounds(self, h, docs):
        for age, lifetime in (("0", 60), ("10", 60), ("999999", 86400)):
            path = new_path()
            url = docs.url(path)
            docs.serve(path, document(url), headers={
                "Cache-Control": "max-age=" + age})
            Flow(h, doc_client(url)).consent_page()
            doc = rows_of(h, url)[3]["client_id_metadata_document"]
            assert doc["expires_at"] - doc["fetched_at"] == lifetime, age
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url), headers={"Cache-Control": "no-store"})
        Flow(h, doc_client(url)).consent_page()
        doc = rows_of(h, url)[3]["client_id_metadata_document"]
        assert doc["expires_at"] - doc["fetched_at"] == 60

    def test_redirect_uri_not_in_document(self, h, docs):
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url))
        r = Flow(h, doc_client(url),
                 redirect_uri="https://evil.example/cb").get()
        assert_error_page(r, 400)
        assert "redirect_uri is not registered" in r.text
        assert "OA2-00303" in h.new_log()
        assert docs.hits[path] == 1

    @pytest.mark.parametrize("kind,over,log_id", [
        ("client_id differs", {"client_id": "http://127.0.0.1:1/other.json"},
         "OA2-01012"),
        ("client_id missing", {"client_id": None}, "OA2-01012"),
        ("client_secret_basic",
         {"token_endpoint_auth_method": "client_secret_basic"}, "OA2-01015"),
        ("client_secret_post",
         {"token_endpoint_auth_method": "client_secret_post"}, "OA2-01015"),
        ("client_secret", {"client_secret": "s3cret"}, "OA2-01013"),
        ("private_key_jwt without keys",
         {"token_endpoint_auth_method": "private_key_jwt"}, "OA2-01608"),
        ("private_key_jwt with an http jwks_uri",
         {"token_endpoint_auth_method": "private_key_jwt",
          "jwks_uri": "http://client.example/jwks"}, "OA2-01604"),
        ("no redirect_uris", {"redirect_uris": None}, "OA2-01021"),
        ("javascript redirect", {"redirect_uris": ["javascript:alert(1)"]},
         "OA2-00"),
        ("client_credentials", {"grant_types": ["client_credentials"]},
         "OA2-01018"),
        ("bidi name", {"client_name": "App \u202eelpmaxe"}, "OA2-01024"),
    ])
    def test_refused_documents(self, h, docs, kind, over, log_id):
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url, **over))
        r = Flow(h, doc_client(url)).get()
        if log_id == "OA2-00":  # a redirect URI rule of registration's
            assert_error_page(r, 400)
            assert rows_of(h, url) is None
        else:
            text = assert_refused(h, r, log_id, url)
            if kind == "private_key_jwt without keys":
                assert "jwks or jwks_uri" in text, text
        # refused again, read again: nothing was kept
        Flow(h, doc_client(url)).get()
        assert docs.hits[path] == 2

    @pytest.mark.parametrize("kind,status,body,headers,log_id,says", [
        ("not JSON", 200, "<html>SECRET-BODY-MARKER</html>", {},
         "OA2-01011", "not a JSON object"),
        ("a JSON array", 200, "[\"SECRET-BODY-MARKER\"]", {}, "OA2-01011",
         "not a JSON object"),
        ("too large", 200, None, {}, "OA2-00933", "too large"),
        ("404", 404, "SECRET-BODY-MARKER", {}, "OA2-01010",
         "did not answer 200"),
        ("302", 302, "", {"Location": "/elsewhere.json"}, "OA2-00938",
         "redirect"),
    ])
    def test_broken_then_fixed(self, h, docs, kind, status, body, headers,
                               log_id, says):
        """A document that is not one: the error page says why, the log
        names the URL (never the body), nothing is stored; once the
        server is fixed the next request works."""
        path = new_path()
        url = docs.url(path)
        if body is None:  # over the 5 KiB bound, however valid
            body = json.dumps(document(url, padding="x" * 6000))
        docs.serve(path, body, status=status, headers=headers)
        r = Flow(h, doc_client(url)).get()
        text = assert_refused(h, r, log_id, url)
        assert says in text, text
        assert "SECRET-BODY-MARKER" not in r.text
        assert "SECRET-BODY-MARKER" not in h.new_log()
        assert docs.hits["/elsewhere.json"] == 0
        docs.serve(path, document(url))
        Flow(h, doc_client(url)).consent_page()
        assert docs.hits[path] == 2
        assert rows_of(h, url)[0] == "CIMD Demo App"

    def test_stale_row_and_failing_server(self, h, docs):
        """A document that expired and cannot be read again: refused,
        the old row left as it was, and read again next time."""
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url))
        Flow(h, doc_client(url)).consent_page()
        meta = rows_of(h, url)[3]
        meta["client_id_metadata_document"]["expires_at"] = 1
        h.store.execute("UPDATE oa2_clients SET metadata = ? WHERE "
                        "issuer = ? AND client_id = ?",
                        (json.dumps(meta), h.issuer, url))
        docs.serve(path, "gone", status=500)
        r = Flow(h, doc_client(url)).get()
        assert_error_page(r, 400)
        assert "OA2-01010" in h.new_log()
        assert rows_of(h, url)[3] == meta
        docs.serve(path, document(url))
        Flow(h, doc_client(url)).consent_page()
        assert docs.hits[path] == 3

    @pytest.mark.parametrize("client_id,log_id", [
        ("https://client.example", "OA2-01005"),
        ("https://client.example/a/../client.json", "OA2-01007"),
        ("https://user@client.example/client.json", "OA2-01004"),
        ("https://client.example/" + "segment/" * 15, "OA2-01000"),
        ("http://client.example/client.json", "OA2-01008"),
    ])
    def test_refused_urls(self, h, docs, client_id, log_id):
        before = docs.total()
        r = Flow(h, doc_client(client_id)).get()
        assert_refused(h, r, log_id, client_id, error="invalid_request")
        assert docs.total() == before

    @pytest.mark.parametrize("where", [
        "loopback", "localhost", "loopback name", "private", "link-local",
        "http"])
    def test_https_issuer_never_connects(self, h, docs, where):
        """A virtual host whose issuer is https fetches from public
        addresses only: a client_id naming (or resolving to) a loopback,
        private or link-local address, or an http one, is refused before
        any connection."""
        path = new_path()
        if where == "loopback":
            url = docs.url(path, "https")
        elif where == "localhost":
            url = docs.url(path, "https", "localhost")
        elif where == "loopback name":
            name = socket.gethostname()
            try:
                addr = socket.gethostbyname(name)
            except OSError:
                addr = ""
            if not addr.startswith("127."):
                pytest.skip("%s does not resolve to loopback here" % name)
            url = docs.url(path, "https", name)
        elif where == "private":
            url = "https://10.0.0.1/client.json"
        elif where == "link-local":
            url = "https://169.254.169.254/latest/client.json"
        else:
            url = docs.url(path)
        docs.serve(path, document(url))
        before = docs.total()
        r = vhost_get(h, h.https_port, url)
        assert_error_page(r, 400)
        log = h.new_log()
        if where == "loopback name":
            assert "OA2-00932" in log, log  # the resolved address, refused
            assert "cannot be fetched" in r.text
        elif where == "http":
            assert "OA2-01002" in log, log
        else:
            assert "OA2-01009" in log, log
        assert docs.total() == before

    def test_admin_client_never_replaced(self, h, docs):
        """A client the admin registered under a URL (pre-registration)
        is the admin's: its document is never fetched, nor stored over
        it."""
        path = new_path("admin")
        url = docs.url(path)
        docs.serve(path, document(url, client_name="Impostor",
                                  redirect_uris=["https://evil.example/cb"]))
        admin(h, "client", "add", "Admin App", "--client-id", url,
              "--redirect-uri", CB, "--public", "--scope", "read")
        page = Flow(h, doc_client(url)).consent_page()
        text, _ = page_text(page.resp.text)
        assert "Allow Admin App to access" in text, text
        assert 'class="host"' not in page.resp.text
        r = Flow(h, doc_client(url),
                 redirect_uri="https://evil.example/cb").get()
        assert_error_page(r, 400)
        assert docs.hits[path] == 0
        name, method, _, meta = rows_of(h, url)
        assert (name, method) == ("Admin App", "none")
        assert "client_id_metadata_document" not in meta
        out = admin(h, "client", "show", url).stdout
        assert "document_fetched_at" not in out

    def test_registration_cannot_take_a_url(self, h, docs):
        """Dynamic registration makes its own ids: a client_id asked for
        is ignored, and the URL's document client stays apart."""
        path = new_path("reg")
        url = docs.url(path)
        docs.serve(path, document(url))
        r = h.session.post(h.url(ep(h, "register")), json={
            "client_id": url, "client_name": "Registered",
            "redirect_uris": ["https://registered.example/cb"],
            "token_endpoint_auth_method": "none"}, timeout=10)
        assert r.status_code == 201, r.text
        reg = r.json()
        assert reg["client_id"] != url
        assert rows_of(h, url) is None
        reg_client = Client(reg["client_id"], None,
                            ["https://registered.example/cb"], "Registered",
                            "read", ("authorization_code",), True)
        Flow(h, reg_client).consent_page()
        Flow(h, doc_client(url)).consent_page()
        assert docs.hits[path] == 1
        rows = h.store.rows("SELECT name FROM oa2_clients WHERE issuer = ? "
                            "AND client_id = ?", (h.issuer, reg["client_id"]))
        assert rows == [("Registered",)]
        out = admin(h, "client", "show", url).stdout
        assert "document_fetched_at: " in out, out

    def test_plain_clients_unaffected(self, h, docs):
        before = docs.total()
        c = add_client(h, public=True, grants=("authorization_code",))
        f = Flow(h, c)
        assert_token_ok(f.token(f.code()))
        assert docs.total() == before


class TestOff:
    """Without OAuth2ClientMetadataDocuments a URL client_id is an unknown
    client, as before; nothing is fetched."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-cimd-off")

    def test_unknown_client(self, h, docs):
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url))
        r = Flow(h, doc_client(url)).get()
        assert_error_page(r, 400)
        assert "the client is unknown" in r.text
        assert "OA2-00301" in h.new_log()
        assert docs.hits[path] == 0

    def test_metadata_does_not_say_so(self, h):
        md = h.get("/.well-known/oauth-authorization-server").json()
        assert "client_id_metadata_document_supported" not in md


class TestOffInVhost:
    """Off in a virtual host of a main server that has it on."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        port = free_port()

        def extra(h):
            h.off_port = port
            return "OAuth2ClientMetadataDocuments on\n" + vhost(
                h, port, "off.test", "http://127.0.0.1:%d" % port,
                keys["ec1"].path, "    OAuth2ClientMetadataDocuments off")
        return start_as(httpd_factory, keys, "as-cimd-vhost-off", extra=extra)

    def test_vhost_off(self, h, docs):
        path = new_path()
        url = docs.url(path)
        docs.serve(path, document(url))
        r = vhost_get(h, h.off_port, url)
        assert_error_page(r, 400)
        assert "the client is unknown" in r.text
        assert docs.hits[path] == 0
        md = h.session.get("http://127.0.0.1:%d/.well-known/oauth-"
                          "authorization-server" % h.off_port,
                          timeout=10).json()
        assert "client_id_metadata_document_supported" not in md
        assert h.get("/.well-known/oauth-authorization-server").json()[
            "client_id_metadata_document_supported"] is True
