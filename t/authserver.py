# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Helpers for the authorization-server tests (test_100 to test_400).

An AS configuration around an Httpd instance (Basic-authenticated end users
from an htpasswd file, the repository's templates), clients made with the
admin CLI, PKCE, the consent form and the token endpoint.
"""

import base64
import hashlib
import html.parser
import os
import re
import secrets
import subprocess
import threading
import urllib.parse

import pytest
import requests

import tokens
from checks import assert_ok
from httpd import IS_ROOT, REPO

TEMPLATES = REPO / "templates"
RESOURCE = "https://api.example.test/"

# end users of the authorize endpoint (htpasswd)
USERS = {"alice": "alice-pw", "bob": "bob-pw"}
ALICE = ("alice", USERS["alice"])
BOB = ("bob", USERS["bob"])

ALL_GRANTS = ("authorization_code", "refresh_token", "client_credentials")

# what mod_dbd and the module log when the database cannot be used:
# mod_dbd's connection failure, the endpoints' 503, the revocation check's
# refusal and the purge of expired rows that runs after some response
DB_DOWN_LOG = [r"AH00629: Can't connect to (sqlite3|pgsql|mysql)", r"OA2-00400",
               r"OA2-00780", r"OA2-00401: purging expired rows failed"]


def write_htpasswd(h, users=USERS):
    """user:{SHA}base64(sha1(pw)) lines mod_authn_file understands."""
    lines = []
    for user, pw in users.items():
        digest = base64.b64encode(hashlib.sha1(pw.encode()).digest())
        lines.append("%s:{SHA}%s" % (user, digest.decode()))
    return h.write_file("htpasswd", "\n".join(lines) + "\n")


def ep(h, name):
    """The path of an AS endpoint of h (OAuth2BasePath, default /oauth2)."""
    base = getattr(h, "as_base", "/oauth2").rstrip("/")
    return base + "/" + name


def basic_login(path, htpasswd):
    """A <Location> of path that httpd's Basic login guards: the users of
    the htpasswd file (write_htpasswd)."""
    return """
<Location {path}>
    AuthType Basic
    AuthName "demo"
    AuthBasicProvider file
    AuthUserFile {htpasswd}
    Require valid-user
</Location>
""".format(path=path, htpasswd=htpasswd)


def as_config(h, keys, *, registration="open", registration_token=None,
              protect_authorize=True, base_path=None, extra="",
              signing_key="ec1"):
    """The configuration body of an AS on the main server of h, with a
    protected /api (Require oauth2-scope read, revocation checked); extra
    is more configuration, or a callable making it from h; signing_key
    names the key of keys that signs."""
    htpasswd = write_htpasswd(h)
    body = """
OAuth2Issuer {iss}
OAuth2SigningKey {key}
OAuth2Scope read "Read your data"
OAuth2Scope write "Change your data"
OAuth2Resource {resource}
OAuth2TemplateDir {templates}
OAuth2Registration {registration}
""".format(iss=h.issuer, key=keys[signing_key].path, resource=RESOURCE,
           templates=TEMPLATES, registration=registration)
    if registration_token:
        body += "OAuth2RegistrationToken %s\n" % registration_token
    if base_path:
        body += "OAuth2BasePath %s\n" % base_path
        h.as_base = base_path
    if protect_authorize:
        body += basic_login(ep(h, "authorize"), htpasswd)
    body += """
<Location /api>
    AuthType OAuth2
    Require oauth2-scope read
    OAuth2CheckRevocation on
</Location>

Alias /resource-api {htdocs}/api
<Location /resource-api>
    AuthType OAuth2
    OAuth2Audience {resource}
    Require oauth2-scope read
    OAuth2CheckRevocation on
</Location>
""".format(htdocs=h.htdocs, resource=RESOURCE)
    if callable(extra):
        extra = extra(h)
    return body + extra


AS_MODULES = ("auth_basic", "authn_file")

# no favicon request and no Referer: the code in this page's URL must not
# reach the error log (a 404 line carries the referer)
CALLBACK_PAGE = """<!DOCTYPE html>
<html><head><title>client callback</title>
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
</head>
<body><p id="cb">callback</p></body></html>
"""


def start_as(httpd_factory, keys, name, **kw):
    """A started Httpd with the AS configuration (as_config keywords;
    store: its database, else a new one)."""
    extra_modules = kw.pop("modules", ())
    h = httpd_factory(name, modules=AS_MODULES + tuple(extra_modules),
                      store=kw.pop("store", None))
    # an issuer with a path (RFC 8414 §3.1 path insertion)
    h.issuer = h.base_url + kw.pop("issuer_path", "")
    # the redirect_uri page of the browser tests
    h.write_file("htdocs/cb/index.html", CALLBACK_PAGE)
    for rel, text in kw.pop("files", {}).items():
        h.write_file(rel, text)
    h.start(as_config(h, keys, **kw))
    return h


def as_fixture(name, **kw):
    """The class-scoped fixture of a test class whose AS is its own:
    start_as(httpd_factory, keys, name, **kw). In the class body:
    `off = as_fixture("as-off", extra="OAuth2OpenID off\\n")`."""
    @pytest.fixture(scope="class")
    def fixture(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, name, **kw)
    return fixture


# ---- the database -------------------------------------------------------

def db_path(h):
    """The SQLite file of h (sqlite-only tests)."""
    return h.db_dir / "oauth2.db"


# ---- clients --------------------------------------------------------------

class Client:
    def __init__(self, client_id, client_secret, redirect_uris, name,
                 scope, grants, public, auth_method=None):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.name = name
        self.scope = scope
        self.grants = tuple(grants)
        self.public = public
        # the registered token_endpoint_auth_method, the only one the AS
        # accepts from this client (the CLI's default: client_secret_basic)
        self.auth_method = auth_method or (
            "none" if public else "client_secret_basic")
        if client_secret:
            tokens.register(client_secret)

    @property
    def redirect_uri(self):
        return self.redirect_uris[0]

    @property
    def auth(self):
        return (self.client_id, self.client_secret)

    def __repr__(self):
        return "Client(%s)" % self.client_id


_admin = []


def admin_bin():
    """The oauth2-admin the clients are made with: OA2_ADMIN, else the
    repository's, built once per session (as test_300_admin does)."""
    if not _admin:
        if os.environ.get("OA2_ADMIN"):
            _admin.append(os.environ["OA2_ADMIN"])
        else:
            r = subprocess.run(["make", "-s", "-f", "apxs.mk",
                                "admin/oauth2-admin"], cwd=REPO,
                               capture_output=True, text=True)
            assert r.returncode == 0, \
                "building admin/oauth2-admin failed:\n" + r.stdout + r.stderr
            _admin.append(str(REPO / "admin" / "oauth2-admin"))
    return _admin[0]


def admin(h, *args, check=True, stderr=subprocess.PIPE):
    """Run the admin CLI on h's database (as nobody when root, so the
    files it creates stay the children's); h.store is its database.
    stderr: where its stderr goes (a terminal's fd), else captured."""
    cmd = [admin_bin(), "-d", h.store.driver, "-p", h.store.params,
           "-i", h.issuer]
    cmd += list(args)
    kw = {}
    if IS_ROOT:
        kw = {"user": "nobody", "group": "nogroup"}
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=stderr,
                       text=True, timeout=30, cwd="/", **kw)
    h.store.writable_for_httpd()
    if check and p.returncode != 0:
        raise AssertionError("oauth2-admin %s failed (rc=%d):\n%s%s"
                             % (" ".join(args), p.returncode, p.stdout,
                                p.stderr))
    return p


_counter = [0]


def add_client(h, name=None, redirect_uris=("https://client.example/cb",),
               scope="read write", grants=ALL_GRANTS, public=False,
               auth_method=None, post_logout_redirect_uris=(),
               require_par=False):
    """A new client of h's AS (made with the admin CLI); require_par: its
    authorization requests must be pushed (RFC 9126 §6)."""
    _counter[0] += 1
    if name is None:
        name = "Test Client %d" % _counter[0]
    args = ["client", "add", name]
    for uri in redirect_uris:
        args += ["--redirect-uri", uri]
    if scope is not None:
        args += ["--scope", scope]
    for g in grants:
        args += ["--grant", g]
    if public:
        args.append("--public")
    if auth_method:
        args += ["--auth-method", auth_method]
    for uri in post_logout_redirect_uris:
        args += ["--post-logout-redirect-uri", uri]
    if require_par:
        args.append("--require-par")
    out = admin(h, *args).stdout
    m = re.search(r"^client_id:\s*(\S+)\s*$", out, re.M)
    assert m, "no client_id in the CLI's output:\n" + out
    s = re.search(r"^client_secret:\s*(\S+)\s*$", out, re.M)
    secret = s.group(1) if s else None
    assert public or secret, "no client_secret in the CLI's output:\n" + out
    return Client(m.group(1), secret, redirect_uris, name, scope, grants,
                  public, auth_method)


# ---- PKCE -------------------------------------------------------------------

def pkce_pair():
    verifier = tokens.b64u(secrets.token_bytes(32))
    challenge = tokens.b64u(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge


# ---- the authorize endpoint -------------------------------------------------

class _FormParser(html.parser.HTMLParser):
    """The inputs and buttons of the consent page's <form>s."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(),
                          "action": a.get("action"), "fields": [],
                          "buttons": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input":
            if a.get("name") is not None:
                self._form["fields"].append((a["name"], a.get("value") or "",
                                             a.get("type") or "text"))
        elif self._form is not None and tag == "button":
            self._form["buttons"].append((a.get("name"), a.get("value"),
                                          a.get("type") or "submit"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse_forms(text):
    p = _FormParser()
    p.feed(text)
    p.close()
    return p.forms


class ConsentPage:
    """A consent page response and its form."""

    def __init__(self, resp):
        self.resp = resp
        forms = [f for f in parse_forms(resp.text) if f["method"] == "post"]
        assert len(forms) == 1, "want one POST form: %r" % resp.text[:2000]
        self.form = forms[0]
        self.fields = [(n, v) for n, v, _ in self.form["fields"]]

    def field(self, name):
        vals = [v for n, v in self.fields if n == name]
        assert len(vals) == 1, (name, self.fields)
        return vals[0]

    @property
    def csrf_token(self):
        return self.field("csrf_token")

    def action_url(self):
        return urllib.parse.urljoin(self.resp.url, self.form["action"] or "")

    def data(self, decision="approve", drop=(), replace=None):
        """The body a browser sends when decision's button is clicked."""
        replace = dict(replace or {})
        out = []
        for n, v in self.fields:
            if n in drop:
                continue
            if n in replace:
                v = replace.pop(n)
            out.append((n, v))
        out += list(replace.items())
        if decision is not None:
            out.append(("decision", decision))
        return out


class Flow:
    """One authorization request of a client (PKCE S256, a state)."""

    def __init__(self, h, client, *, scope="read", redirect_uri=None,
                 user=ALICE, **extra):
        self.h = h
        self.client = client
        self.verifier, self.challenge = pkce_pair()
        self.state = extra.pop("state", secrets.token_urlsafe(12))
        self.redirect_uri = redirect_uri or client.redirect_uri
        self.user = user
        self.params = {"response_type": "code",
                       "client_id": client.client_id,
                       "redirect_uri": self.redirect_uri,
                       "state": self.state,
                       "code_challenge": self.challenge,
                       "code_challenge_method": "S256"}
        if scope is not None:
            self.params["scope"] = scope
        if self.state is None:
            del self.params["state"]
        for k, v in extra.items():
            if v is None:
                self.params.pop(k, None)
            else:
                self.params[k] = v

    def url(self, base=None):
        return (base or self.h.url(ep(self.h, "authorize"))) + "?" + \
            urllib.parse.urlencode(self.params)

    def get(self, user="default", query=None):
        """GET the authorize endpoint as user (None: no credentials)."""
        if user == "default":
            user = self.user
        url = self.h.url(ep(self.h, "authorize")) + "?" + \
            (query if query is not None
             else urllib.parse.urlencode(self.params))
        return self.h.session.get(url, auth=user, allow_redirects=False,
                                  timeout=10)

    def consent_page(self, **kw):
        r = self.get(**kw)
        assert r.status_code == 200, (r.status_code, r.headers, r.text[:500])
        return ConsentPage(r)

    def post(self, page, decision="approve", user="default", **kw):
        if user == "default":
            user = self.user
        return self.h.session.post(page.action_url(),
                                   data=page.data(decision, **kw),
                                   auth=user, allow_redirects=False,
                                   timeout=10)

    def code(self, decision="approve"):
        """Run the whole front channel (consent page when shown) and
        return the code from the redirect."""
        r = self.get()
        if r.status_code == 200:
            r = self.post(ConsentPage(r), decision)
            assert r.status_code == 303, (r.status_code, r.text[:500])
        else:
            assert r.status_code == 302, (r.status_code, r.text[:500])
        q = self.redirect_query(r)
        assert "code" in q, q
        tokens.register(q["code"])
        return q["code"]

    def redirect_query(self, r):
        """The query of a redirect to this flow's redirect_uri."""
        loc = r.headers.get("Location")
        assert loc, (r.status_code, r.headers, r.text[:300])
        base, _, query = loc.partition("?")
        assert base == self.redirect_uri.split("?")[0], (loc,
                                                         self.redirect_uri)
        return single_query(query)

    def token(self, code, **over):
        data = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier}
        data.update(over)
        data = {k: v for k, v in data.items() if v is not None}
        return token_request(self.h, self.client, data)


def user_agent(url, user=ALICE):
    """The browser's part of a code flow a client library started: GET the
    authorization URL with Basic credentials, approve the consent page
    when it is shown; the Location of the answer (the redirect to the
    client)."""
    with requests.Session() as ua:
        ua.trust_env = False  # no proxy settings, no .netrc
        r = ua.get(url, auth=user, allow_redirects=False, timeout=10)
        if r.status_code == 200:
            page = ConsentPage(r)
            r = ua.post(page.action_url(), data=page.data("approve"),
                        auth=user, allow_redirects=False, timeout=10)
            assert r.status_code == 303, (r.status_code, r.text[:300])
        else:
            assert r.status_code == 302, (r.status_code, r.text[:300])
    return r.headers["Location"]


def code_tokens(h, client, **kw):
    """A whole code flow of client (consent approved; kw as Flow's): the
    Flow and the token response body."""
    f = Flow(h, client, **kw)
    return f, assert_token_ok(f.token(f.code()))


def single_query(query):
    """A query string as a dict; a repeated name fails the test."""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True,
                                   strict_parsing=bool(query))
    out = {}
    for k, v in pairs:
        assert k not in out, "repeated %s in %r" % (k, query)
        out[k] = v
    return out


# ---- the token endpoint -----------------------------------------------------

def secret_method(client):
    """How client sends its secret, as the helpers name it: "post" for a
    client registered for client_secret_post, else "basic"."""
    method = getattr(client, "auth_method", None)
    return "post" if method == "client_secret_post" else "basic"


def token_request(h, client, data, method=None, auth=None, headers=None,
                  endpoint="token"):
    """POST the token endpoint (or another client-authenticated one of the
    AS: endpoint, its name under the base path).  method: basic, post
    (client_secret_post), none (client_id only) or raw (data as given); by
    default the client's registered one."""
    if method is None:
        method = secret_method(client)
    data = list(data.items()) if isinstance(data, dict) else list(data)
    kw = {}
    if auth is not None:
        kw["auth"] = auth
    elif client is not None:
        if client.public or method == "none":
            data.append(("client_id", client.client_id))
        elif method == "basic":
            kw["auth"] = requests.auth.HTTPBasicAuth(
                urllib.parse.quote(client.client_id, safe=""),
                urllib.parse.quote(client.client_secret, safe=""))
        elif method == "post":
            data += [("client_id", client.client_id),
                     ("client_secret", client.client_secret)]
    r = h.session.post(h.url(ep(h, endpoint)), data=data, timeout=10,
                       headers=headers, allow_redirects=False, **kw)
    if r.headers.get("Content-Type", "").startswith("application/json"):
        try:
            body = r.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            for k in ("access_token", "refresh_token"):
                if k in body:
                    tokens.register(body[k])
    return r


def sole_winner(results):
    """The body of the one 200 among parallel_post() results; every other
    answer must be 400 invalid_grant."""
    winners = [body for status, body in results if status == 200]
    assert len(winners) == 1, results
    for status, body in results:
        if status != 200:
            assert status == 400 and body["error"] == "invalid_grant", \
                (status, body)
    return winners[0]


def parallel_post(h, path, data, auth, n):
    """n POSTs at once, each on its own connection; [(status, body)],
    body the JSON object when there is one, else the text.  h may be a
    list of Httpd nodes: POST i goes to h[i % len(h)]."""
    nodes = list(h) if isinstance(h, (list, tuple)) else [h]
    barrier = threading.Barrier(n)
    results = [None] * n

    def post(i):
        s = requests.Session()
        s.trust_env = False
        try:
            barrier.wait(10)
            r = s.post(nodes[i % len(nodes)].url(path), data=data,
                       auth=auth, timeout=20)
            if r.headers.get("Content-Type", "").startswith(
                    "application/json"):
                body = r.json()
                for k in ("access_token", "refresh_token"):
                    if k in body:
                        tokens.register(body[k])
            else:
                body = r.text
            results[i] = (r.status_code, body)
        except Exception as e:  # noqa: BLE001
            results[i] = (None, repr(e))
        finally:
            s.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def assert_token_ok(r):
    assert r.status_code == 200, (r.status_code, r.text[:500])
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["token_type"].lower() == "bearer", body
    assert isinstance(body.get("expires_in"), int), body
    return body


def assert_token_error(r, error, status=400):
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["Content-Type"].startswith("application/json"), \
        r.headers
    assert r.headers.get("Cache-Control") == "no-store", r.headers
    body = r.json()
    assert body.get("error") == error, body
    return body


def client_credentials(h, client, **data):
    d = {"grant_type": "client_credentials"}
    d.update(data)
    return token_request(h, client, d)


def refresh(h, client, refresh_token, **data):
    d = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    d.update(data)
    return token_request(h, client, d)


def every_grant_works(h):
    """One walk through every grant and endpoint on h's AS: code with
    PKCE, the API, refresh, client_credentials, revocation (then refused
    at the API), introspection. For a store set up unusually (a
    least-privilege role or account)."""
    c = add_client(h)
    f = Flow(h, c)
    body = assert_token_ok(f.token(f.code()))
    assert_ok(api(h, body["access_token"]))
    body2 = assert_token_ok(refresh(h, c, body["refresh_token"]))
    assert_token_ok(client_credentials(h, c))
    assert revoke(h, c, body2["access_token"]).status_code == 200
    assert api(h, body2["access_token"]).status_code == 401
    assert introspect(h, c, body2["refresh_token"]).json()["active"]


def jwks(h):
    r = h.get(ep(h, "jwks"))
    assert r.status_code == 200, r.text
    return r.json()


def verify_access_token(h, token, audience=None):
    """Verify token with PyJWT against the AS's JWKS; returns
    (header, claims)."""
    import jwt
    header = jwt.get_unverified_header(token)
    keyset = jwt.PyJWKSet.from_dict(jwks(h))
    keys = [k for k in keyset.keys if k.key_id == header.get("kid")]
    assert len(keys) == 1, (header, [k.key_id for k in keyset.keys])
    claims = jwt.decode(token, keys[0].key, algorithms=["ES256", "RS256"],
                        audience=audience or h.issuer, issuer=h.issuer,
                        options={"require": ["exp", "iat", "iss", "sub",
                                             "aud", "jti"]})
    return header, claims


# ---- introspection / revocation ---------------------------------------------

def introspect(h, client, token, hint=None, auth=None):
    if auth is None:
        auth = secret_method(client)
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    kw = {}
    if auth == "basic":
        kw["auth"] = client.auth
    elif auth == "post":
        data.update(client_id=client.client_id,
                    client_secret=client.client_secret)
    return h.session.post(h.url(ep(h, "introspect")), data=data,
                          timeout=10, **kw)


def revoke(h, client, token, hint=None):
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    kw = {}
    if client.public:
        data["client_id"] = client.client_id
    elif secret_method(client) == "post":
        data.update(client_id=client.client_id,
                    client_secret=client.client_secret)
    else:
        kw["auth"] = client.auth
    return h.session.post(h.url(ep(h, "revoke")), data=data, timeout=10,
                          **kw)


def api(h, token, path="/api/data.txt"):
    return h.get(path, token=token)
