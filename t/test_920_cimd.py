# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Client ID metadata documents (SPEC.md "Client ID metadata documents";
draft-ietf-oauth-client-id-metadata-document): OAuth2ClientMetadataDocuments
on, a client_id that is a URL, the document the authorize endpoint fetches
from it, and what it refuses.

The documents come from hostile.py's HostileServer on 127.0.0.1, which
counts what it is asked. The main server's
issuer is a loopback http issuer (http://127.0.0.1:PORT), so it may fetch
from loopback; a virtual host whose issuer is https may not, and never
connects (the server counts no request).
"""

import json
import socket
import urllib.parse

import pytest

from authserver import (ALICE, Client, Flow, add_client, admin, api,
                        assert_token_ok, ep, refresh, start_as,
                        verify_access_token)
from checks import assert_log_names
from hostile import HostileServer
from httpd import free_port
from test_100_authorize import assert_error_page, page_text

CB = "https://client.example/cb"
HTTPS_VHOST = "cimd-https.test"


@pytest.fixture(scope="module")
def docs():
    """The documents' server (hostile.py), for the whole file: each test
    serves at paths of its own (new_path)."""
    d = HostileServer().start()
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
    assert_log_names(h.new_log(), log_id, url[:100], count=1,
                     level="oauth2:info")
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
        docs.json(path, document(url), headers={
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
        assert docs.hits(path) == 1
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
        docs.json(path, document(url))
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
        docs.json(path, document(url), headers={
            "Cache-Control": "public, max-age=600"})
        client = doc_client(url)
        for _ in range(3):
            Flow(h, client).consent_page()
        assert docs.hits(path) == 1
        name, _, created, meta = rows_of(h, url)
        # the lifetime runs out (as if ten minutes had passed)
        doc = meta["client_id_metadata_document"]
        doc["expires_at"] = doc["fetched_at"] = doc["fetched_at"] - 600
        h.store.execute("UPDATE oa2_clients SET metadata = ? WHERE "
                        "issuer = ? AND client_id = ?",
                        (json.dumps(meta), h.issuer, url))
        docs.json(path, document(url, client_name="Renamed App"))
        page = Flow(h, client).consent_page()
        assert docs.hits(path) == 2
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
            docs.json(path, document(url), headers={
                "Cache-Control": "max-age=" + age})
            Flow(h, doc_client(url)).consent_page()
            doc = rows_of(h, url)[3]["client_id_metadata_document"]
            assert doc["expires_at"] - doc["fetched_at"] == lifetime, age
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(url), headers={"Cache-Control": "no-store"})
        Flow(h, doc_client(url)).consent_page()
        doc = rows_of(h, url)[3]["client_id_metadata_document"]
        assert doc["expires_at"] - doc["fetched_at"] == 60

    def test_redirect_uri_not_in_document(self, h, docs):
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(url))
        r = Flow(h, doc_client(url),
                 redirect_uri="https://evil.example/cb").get()
        assert_error_page(r, 400)
        assert "redirect_uri is not registered" in r.text
        assert "OA2-00303" in h.new_log()
        assert docs.hits(path) == 1

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
        ("bidi name", {"client_name": "App \u202eelpmaxe"}, "OA2-00800"),
    ])
    def test_refused_documents(self, h, docs, kind, over, log_id):
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(url, **over))
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
        assert docs.hits(path) == 2

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
        docs.json(path, body, status=status, headers=headers)
        r = Flow(h, doc_client(url)).get()
        text = assert_refused(h, r, log_id, url)
        assert says in text, text
        assert "SECRET-BODY-MARKER" not in r.text
        assert "SECRET-BODY-MARKER" not in h.new_log()
        assert docs.hits("/elsewhere.json") == 0
        docs.json(path, document(url))
        Flow(h, doc_client(url)).consent_page()
        assert docs.hits(path) == 2
        assert rows_of(h, url)[0] == "CIMD Demo App"

    def test_stale_row_and_failing_server(self, h, docs):
        """A document that expired and cannot be read again: refused,
        the old row left as it was, and read again next time."""
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(url))
        Flow(h, doc_client(url)).consent_page()
        meta = rows_of(h, url)[3]
        meta["client_id_metadata_document"]["expires_at"] = 1
        h.store.execute("UPDATE oa2_clients SET metadata = ? WHERE "
                        "issuer = ? AND client_id = ?",
                        (json.dumps(meta), h.issuer, url))
        docs.json(path, "gone", status=500)
        r = Flow(h, doc_client(url)).get()
        assert_error_page(r, 400)
        assert "OA2-01010" in h.new_log()
        assert rows_of(h, url)[3] == meta
        docs.json(path, document(url))
        Flow(h, doc_client(url)).consent_page()
        assert docs.hits(path) == 3

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
        docs.json(path, document(url))
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
        docs.json(path, document(url, client_name="Impostor",
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
        assert docs.hits(path) == 0
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
        docs.json(path, document(url))
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
        assert docs.hits(path) == 1
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
        docs.json(path, document(url))
        r = Flow(h, doc_client(url)).get()
        assert_error_page(r, 400)
        assert "the client is unknown" in r.text
        assert "OA2-00301" in h.new_log()
        assert docs.hits(path) == 0

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
        docs.json(path, document(url))
        r = vhost_get(h, h.off_port, url)
        assert_error_page(r, 400)
        assert "the client is unknown" in r.text
        assert docs.hits(path) == 0
        md = h.session.get("http://127.0.0.1:%d/.well-known/oauth-"
                          "authorization-server" % h.off_port,
                          timeout=10).json()
        assert "client_id_metadata_document_supported" not in md
        assert h.get("/.well-known/oauth-authorization-server").json()[
            "client_id_metadata_document_supported"] is True


class TestWithClientCache:
    """OAuth2ClientCacheTTL 60 (a shmcb token cache holds the records): a
    client registered under a URL is served from the cache like any other
    client; a document client's record is reused while its document's
    lifetime lasts, and once it has ended the row is read again (another
    process or node may have fetched meanwhile) and the document fetched
    only when the row is stale too."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-cimd-cache",
                        modules=("socache_shmcb",),
                        extra="OAuth2ClientMetadataDocuments on\n"
                        "OAuth2ClientCacheTTL 60\n")

    @staticmethod
    def put_row(h, url, name, fetched_at, expires_at):
        """Client url's row as a document read at fetched_at and reusable
        until expires_at: written in the database alone, as another node
        would, never in this server's cache."""
        meta = json.dumps({"client_id_metadata_document": {
            "fetched_at": fetched_at, "expires_at": expires_at}})
        if rows_of(h, url) is None:
            h.store.execute(
                "INSERT INTO oa2_clients (issuer, client_id, secret_hash, "
                "name, redirect_uris, grant_types, scope, auth_method, "
                "created_at, metadata) VALUES (?, ?, '', ?, ?, "
                "'authorization_code refresh_token', '', 'none', ?, ?)",
                (h.issuer, url, name, json.dumps([CB]), fetched_at, meta))
        else:
            h.store.execute("UPDATE oa2_clients SET name = ?, metadata = ? "
                            "WHERE issuer = ? AND client_id = ?",
                            (name, meta, h.issuer, url))

    @staticmethod
    def consent_text(h, url):
        return page_text(Flow(h, doc_client(url)).consent_page().resp.text)[0]

    def test_document_client_works(self, h, docs):
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(url), headers={
            "Cache-Control": "max-age=600"})
        client = doc_client(url)
        for _ in range(3):
            assert "Allow CIMD Demo App from 127.0.0.1" in \
                self.consent_text(h, url)
        f = Flow(h, client)
        body = assert_token_ok(f.token(f.code()))
        assert_token_ok(refresh(h, client, body["refresh_token"]))
        assert docs.hits(path) == 1

    def test_refetched_only_after_its_lifetime(self, h, docs):
        import time
        now = int(time.time())
        path = new_path()
        url = docs.url(path)
        docs.json(path, document(url, client_name="Fetched App"),
                   headers={"Cache-Control": "max-age=600"})
        # a row whose lifetime ended: read, cached, stale, fetched again
        self.put_row(h, url, "Old App", now - 4000, now - 400)
        assert "Allow Fetched App from" in self.consent_text(h, url)
        assert docs.hits(path) == 1
        # then the record is the cache's until the document's lifetime
        # ends: neither the database nor the document is asked
        self.put_row(h, url, "Changed In The Database", now, now + 600)
        for _ in range(3):
            assert "Allow Fetched App from" in self.consent_text(h, url)
        assert docs.hits(path) == 1

    def test_stale_record_read_again_before_fetching(self, h, docs):
        import time
        now = int(time.time())
        path = new_path()
        url = docs.url(path)
        self.put_row(h, url, "Old App", now - 4000, now - 400)
        # the document cannot be had: refused; the stale record is cached
        docs.json(path, "down", status=500)
        r = Flow(h, doc_client(url)).get()
        assert_error_page(r, 400)
        assert "OA2-01010" in h.new_log()
        assert docs.hits(path) == 1
        # another node fetched it meanwhile: the row is fresh, and the
        # stale record in the cache is not what decides
        docs.json(path, document(url))
        self.put_row(h, url, "Fetched Elsewhere", now, now + 600)
        assert "Allow Fetched Elsewhere from" in self.consent_text(h, url)
        assert docs.hits(path) == 1

    def test_admin_url_client_from_the_cache(self, h, docs):
        """A client registered under a URL has no document lifetime: its
        record is the cache's for OAuth2ClientCacheTTL, as any client's.
        A name changed in the database behind the cache's back shows
        that the database is not read."""
        path = new_path("admin")
        url = docs.url(path)
        docs.json(path, document(url, client_name="Impostor"))
        admin(h, "client", "add", "Admin App", "--client-id", url,
              "--redirect-uri", CB, "--public", "--scope", "read")
        client = doc_client(url)
        assert "Allow Admin App to access" in self.consent_text(h, url)
        h.store.execute("UPDATE oa2_clients SET name = ? WHERE issuer = ? "
                        "AND client_id = ?",
                        ("Renamed In The Database", h.issuer, url))
        for _ in range(3):
            text = self.consent_text(h, url)
            assert "Allow Admin App to access" in text, text
        f = Flow(h, client)
        assert_token_ok(f.token(f.code()))
        assert docs.hits(path) == 0
