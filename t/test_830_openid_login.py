# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The user's sign-in as the OpenID Provider sees it (SPEC.md "OpenID
Connect provider": auth_time, prompt=login, max_age, prompt=none, logout
ending the session, claims from the login), with the kinds of httpd
login, the examples of conf/openid/ run as they are written:

- Basic (the browser repeats the password on every request): auth_time
  is the first authenticated visit of this browser, kept in the module's
  signed cookie; signing in again is a 401 that makes the browser ask;
  logout cannot make the browser forget the password
  (conf/openid/login-basic.conf);
- conf/openid/login-form.conf (mod_auth_form with mod_session_crypto):
  signing in again ends the session and goes through the login form back
  to the same request; logout ends the session;
- conf/openid/login-ldap.conf (Basic checked by mod_authnz_ldap): the
  claims are the attributes of the user's entry in a real directory (a
  slapd of the test's own, slapd.py), an attribute the entry lacks is no
  claim.
"""

import base64
import hashlib
import hmac
import re
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization

import slapd
import tokens
from authserver import (ALICE, Flow, add_client, assert_token_ok, ep, jwks,
                        start_as, write_htpasswd)

EXAMPLE = Path(__file__).resolve().parent.parent / "conf" / "openid"
COOKIE = "oauth2_auth_time"


def id_claims(token):
    return tokens.decode_part(token.split(".")[1])


def field(value):
    """One length-prefixed field of the module's MAC input."""
    data = value.encode()
    return len(data).to_bytes(4, "big") + data


def auth_time_cookie(key, issuer, user, issued):
    """The module's auth_time cookie for user, issued at issued: the MAC
    of the consent forms' key (SHA-256 of a label, the issuer and the
    signing key's DER), over the issue time, "auth_time" and the user."""
    der = key.priv.private_bytes(serialization.Encoding.DER,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())
    mac_key = hashlib.sha256(b"mod_oauth2 consent form key\n"
                             + issuer.encode() + der).digest()
    mac = hmac.new(mac_key, field(str(issued)) + field("auth_time")
                   + field(user), hashlib.sha256).digest()
    return "%d.%s" % (issued, base64.urlsafe_b64encode(mac).rstrip(
        b"=").decode())


def logout_back_to_client(h, ua, hint):
    """Logout of the user agent ua with an ID token as hint: back to the
    client's registered https://client.example/bye with the state."""
    r = ua.get(h.url(ep(h, "logout")), params={
        "id_token_hint": hint,
        "post_logout_redirect_uri": "https://client.example/bye",
        "state": "s"}, allow_redirects=False, timeout=10)
    assert r.status_code == 302
    assert r.headers["Location"] == "https://client.example/bye?state=s"


def old_cookie(h, keys, issued, key="ec1"):
    """The browser of h's session signed in as alice at issued (h signs
    with keys[key])."""
    h.session.cookies.clear()
    h.session.cookies.set(COOKIE, auth_time_cookie(
        keys[key], h.issuer, "alice", issued), domain="127.0.0.1",
        path="/oauth2")


class TestBasicLogin:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_as(httpd_factory, keys, "as-login-basic")

    @pytest.fixture(scope="class")
    def client(self, h):
        c = add_client(h, scope="openid read")
        Flow(h, c, scope="openid").code()  # consent remembered
        return c

    def flow(self, h, client, **kw):
        return Flow(h, client, scope="openid", **kw)

    def test_cookie_keeps_the_first_sign_in(self, h, client):
        h.session.cookies.clear()
        f = self.flow(h, client)
        r = f.get()
        assert r.status_code == 302
        set_cookie = r.headers["Set-Cookie"]
        assert set_cookie.startswith(COOKIE + "=")
        for attr in ("Path=/oauth2", "HttpOnly", "SameSite=Lax"):
            assert attr in set_cookie, set_cookie
        first = id_claims(assert_token_ok(f.token(
            f.redirect_query(r)["code"]))["id_token"])["auth_time"]
        time.sleep(1.5)
        f2 = self.flow(h, client)
        body = assert_token_ok(f2.token(f2.code()))
        assert id_claims(body["id_token"])["auth_time"] == first

    def test_cookie_is_the_issuers(self, h, client, keys):
        """The cookie is signed with the issuer's key: the test computes
        it as the module does, and a forged or other user's one is a new
        sign-in."""
        h.session.cookies.clear()
        r = self.flow(h, client).get()
        value = r.cookies[COOKIE]
        issued = int(value.split(".")[0])
        assert value == auth_time_cookie(keys["ec1"], h.issuer, "alice",
                                         issued)
        for bad in (auth_time_cookie(keys["ec2"], h.issuer, "alice", 1000),
                    auth_time_cookie(keys["ec1"], h.issuer, "bob", 1000),
                    auth_time_cookie(keys["ec1"], "https://other", "alice",
                                     1000)):
            h.session.cookies.clear()
            h.session.cookies.set(COOKIE, bad, domain="127.0.0.1",
                                  path="/oauth2")
            f = self.flow(h, client)
            body = assert_token_ok(f.token(f.code()))
            assert id_claims(body["id_token"])["auth_time"] >= issued

    def test_max_age_asks_again(self, h, client, keys):
        old = int(time.time()) - 100
        old_cookie(h, keys, old)
        f = self.flow(h, client)
        body = assert_token_ok(f.token(f.code()))
        assert id_claims(body["id_token"])["auth_time"] == old
        f = self.flow(h, client, max_age="50")
        r = f.get()
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Basic")
        assert "OA2-00925" in h.new_log()
        # the cookie is removed: the browser's next try is a new sign-in
        assert "Max-Age=0" in r.headers["Set-Cookie"], r.headers
        assert COOKIE not in h.session.cookies.get_dict()
        body = assert_token_ok(f.token(f.code()))
        assert id_claims(body["id_token"])["auth_time"] >= old + 100

    def test_prompt_login(self, h, client, keys):
        old_cookie(h, keys, int(time.time()) - 61)
        f = self.flow(h, client, prompt="login")
        assert f.get().status_code == 401
        assert "OA2-00925" in h.new_log()
        # just signed in (no cookie): the login counts, no second prompt
        assert "code" in f.redirect_query(f.get())

    def test_prompt_none_with_old_sign_in(self, h, client, keys):
        old_cookie(h, keys, int(time.time()) - 100)
        f = self.flow(h, client, prompt="none", max_age="10")
        q = f.redirect_query(f.get())
        assert q["error"] == "login_required" and q["state"] == f.state
        assert "OA2-00926" in h.new_log()

    def test_max_age_not_a_number(self, h, client):
        for bad in ("-1", "1e3", "ten", "9999999999"):
            f = self.flow(h, client, max_age=bad)
            assert f.redirect_query(f.get())["error"] == "invalid_request"
            assert "OA2-00923" in h.new_log()

    def test_not_for_plain_oauth(self, h, client, keys):
        """max_age and prompt=login are OpenID parameters: a plain OAuth
        request is answered as before."""
        old_cookie(h, keys, int(time.time()) - 100)
        f = Flow(h, client, scope="read", max_age="1", prompt="login")
        assert f.get().status_code in (200, 302)


def example_modules(name):
    """The modules example name loads, but for those the harness loads
    itself (mod_dbd, the module under test from the build) and mod_ssl
    (no TLS on loopback)."""
    return tuple(m for m in re.findall(r"(?m)^LoadModule (\w+)_module ",
                                       (EXAMPLE / name).read_text())
                 if m not in ("dbd", "oauth2", "ssl"))


def example_config(h, keys, name, replace=()):
    """Example name with only what a test must change: no LoadModule
    lines (the harness loads the modules), a loopback port and issuer, the
    test's database, signing key and password file, no TLS; and the
    (example text, test's text) pairs of replace. Every /etc or /var path
    of the example must have been replaced."""
    text = (EXAMPLE / name).read_text()
    text = re.sub(r"(?m)^LoadModule .*\n", "", text)
    text = text.replace("Listen 443\n", "")
    text = text.replace("*:443", "127.0.0.1:%d" % h.port)
    text = text.replace("https://login.example.com", h.issuer)
    text = re.sub(r"(?m)^DBDriver .*\n^DBDParams .*\n",
                  "\n".join(h.store.directives()) + "\n", text)
    text = text.replace("/etc/apache2/oauth2/signing-rsa.pem",
                        str(keys["rsa1"].path))
    text = text.replace("/etc/apache2/oauth2/users.htpasswd",
                        str(write_htpasswd(h)))
    text = re.sub(r"(?m)^\s*SSL.*\n", "", text)
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    left = re.findall(r"/(?:etc|var)/\S*", text)
    assert not left, left
    return text


def start_example(httpd_factory, keys, name, replace=(), files=()):
    """An Httpd running example name (example_config); files: (name in
    conf/openid/, where under its ServerRoot) to copy there first."""
    h = httpd_factory("as-" + name.split(".")[0], dbd="vhost",
                      modules=example_modules(name))
    for src, dst in files:
        h.write_file(dst, (EXAMPLE / src).read_text())
    replace = [(old, new(h) if callable(new) else new)
               for old, new in replace]
    h.start(example_config(h, keys, name, replace))
    return h


def verified_claims(h, id_token, client):
    """The claims of an ID token verified with PyJWT against the JWKS:
    signature, iss, aud = client_id."""
    import jwt
    header = jwt.get_unverified_header(id_token)
    keyset = jwt.PyJWKSet.from_dict(jwks(h))
    key = [k for k in keyset.keys if k.key_id == header["kid"]][0]
    return jwt.decode(id_token, key.key, algorithms=[header["alg"]],
                      audience=client.client_id, issuer=h.issuer,
                      options={"require": ["exp", "iat", "iss", "sub",
                                           "aud", "auth_time"]})


def userinfo(h, access_token):
    r = h.session.get(h.url(ep(h, "userinfo")), headers={
        "Authorization": "Bearer " + access_token}, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


class TestBasicLoginExample:
    """conf/openid/login-basic.conf as it is written: Basic against a
    password file, claims made from the user name."""

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_example(httpd_factory, keys, "login-basic.conf")

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, scope="openid email profile api.read",
                          post_logout_redirect_uris=[
                              "https://client.example/bye"])

    def test_code_flow_with_claims(self, h, client):
        before = int(time.time())
        f = Flow(h, client, scope="openid email profile api.read",
                 nonce="n-basic")
        body = assert_token_ok(f.token(f.code()))
        claims = verified_claims(h, body["id_token"], client)
        assert claims["sub"] == "alice"
        assert claims["nonce"] == "n-basic"
        assert claims["email"] == "alice@example.com"
        assert claims["preferred_username"] == "alice"
        assert before - 1 <= claims["auth_time"] <= int(time.time()) + 1
        assert userinfo(h, body["access_token"]) == {
            "sub": "alice", "email": "alice@example.com",
            "preferred_username": "alice"}

    def test_without_credentials(self, h, client):
        r = Flow(h, client, scope="openid").get(user=None)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Basic realm="Example login"'
        # prompt=none: never the browser's dialog
        f = Flow(h, client, scope="openid", prompt="none")
        r = f.get(user=None)
        assert "WWW-Authenticate" not in r.headers
        q = f.redirect_query(r)
        assert q["error"] == "login_required" and q["state"] == f.state
        assert "OA2-00922" in h.new_log()

    def test_prompt_login_asks_the_browser_again(self, h, client, keys):
        # signed in more than a minute ago (a sign-in within the minute
        # counts as the one prompt=login asks for)
        old_cookie(h, keys, int(time.time()) - 100, key="rsa1")
        f = Flow(h, client, scope="openid", prompt="login")
        r = f.get()
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Basic realm="Example login"'
        assert "OA2-00925" in h.new_log()
        # the password sent again is the new sign-in
        before = int(time.time())
        body = assert_token_ok(f.token(f.redirect_query(f.get())["code"]))
        assert verified_claims(h, body["id_token"],
                               client)["auth_time"] >= before

    def test_logout_cannot_forget_the_password(self, h, client):
        f = Flow(h, client, scope="openid")
        hint = assert_token_ok(f.token(f.code()))["id_token"]
        logout_back_to_client(h, h.session, hint)
        assert "no session here" in h.new_log()
        # the browser sends the password again: signed in, no dialog
        f = Flow(h, client, scope="openid")
        assert "code" in f.redirect_query(f.get())


class TestFormLoginExample:

    @pytest.fixture(scope="class")
    def h(self, httpd_factory, keys):
        return start_example(
            httpd_factory, keys, "login-form.conf",
            replace=[("/var/www/login", lambda h: str(h.htdocs)),
                     # no TLS on loopback: the session cookie without
                     # Secure
                     (";Secure", "")],
            files=[(page, "htdocs/" + page)
                   for page in ("login.shtml", "login-failed.html")])

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, scope="openid email api.read",
                          post_logout_redirect_uris=[
                              "https://client.example/bye"])

    def browser(self):
        s = requests.Session()
        s.trust_env = False
        return s

    def authorize_url(self, h, f):
        return f.url()

    def sign_in(self, h, ua, url, password="alice-pw"):
        """GET url; on the login page, post the form; the response of
        the request the login returns to."""
        r = ua.get(url, allow_redirects=False, timeout=10)
        assert r.status_code == 401, (r.status_code, r.text[:300])
        assert 'name="httpd_password"' in r.text
        loc = re.search(r'name="httpd_location" value="([^"]*)"',
                        r.text).group(1)
        import html
        loc = html.unescape(loc)
        assert loc == urllib.parse.urlsplit(url).path + "?" + \
            urllib.parse.urlsplit(url).query
        r = ua.post(h.url("/login"), data={
            "httpd_username": "alice", "httpd_password": password,
            "httpd_location": loc}, allow_redirects=False, timeout=10)
        if password != "alice-pw":
            return r
        assert r.status_code in (302, 303), (r.status_code, r.text[:300])
        assert r.headers["Location"].endswith(loc)
        return ua.get(h.url(loc), allow_redirects=False, timeout=10)

    def consent(self, ua, r, f):
        from authserver import ConsentPage
        if r.status_code == 200:
            page = ConsentPage(r)
            r = ua.post(page.action_url(), data=page.data("approve"),
                        allow_redirects=False, timeout=10)
        assert r.status_code in (302, 303), (r.status_code, r.text[:300])
        return f.redirect_query(r)

    def test_login_consent_tokens(self, h, client):
        ua = self.browser()
        f = Flow(h, client, scope="openid email", nonce="n1")
        q = self.consent(ua, self.sign_in(h, ua, f.url()), f)
        body = assert_token_ok(f.token(q["code"]))
        claims = id_claims(body["id_token"])
        assert claims["email"] == "alice@example.com"
        assert claims["nonce"] == "n1"
        assert "oauth2_login" in ua.cookies.get_dict()
        # signed in: the next request needs no login
        f2 = Flow(h, client, scope="openid email")
        r = ua.get(f2.url(), allow_redirects=False, timeout=10)
        assert r.status_code == 302 and "code" in f2.redirect_query(r)
        h.new_log()

    def test_wrong_password(self, h, client):
        ua = self.browser()
        f = Flow(h, client, scope="openid")
        r = self.sign_in(h, ua, f.url(), password="wrong")
        assert r.status_code == 401
        assert "Wrong user name or password" in r.text
        h.allow_log("AH01807", "AH02243", "AH01617")

    def test_prompt_none_without_session(self, h, client):
        ua = self.browser()
        f = Flow(h, client, scope="openid", prompt="none")
        r = ua.get(f.url(), allow_redirects=False, timeout=10)
        assert r.status_code == 302
        q = f.redirect_query(r)
        assert q["error"] == "login_required" and q["state"] == f.state
        assert "OA2-00922" in h.new_log()

    def test_max_age_through_the_form_again(self, h, client):
        ua = self.browser()
        f = Flow(h, client, scope="openid")
        self.consent(ua, self.sign_in(h, ua, f.url()), f)
        time.sleep(2.2)
        f2 = Flow(h, client, scope="openid", max_age="1")
        r = ua.get(f2.url(), allow_redirects=False, timeout=10)
        # the session ended, back to the same request
        assert r.status_code == 302, (r.status_code, r.text[:200])
        assert r.headers["Location"] == urllib.parse.urlsplit(f2.url()).path \
            + "?" + urllib.parse.urlsplit(f2.url()).query
        assert "OA2-00924" in h.new_log()
        before = int(time.time())
        r = self.sign_in(h, ua, h.url(r.headers["Location"]))
        q = f2.redirect_query(r)
        body = assert_token_ok(f2.token(q["code"]))
        assert id_claims(body["id_token"])["auth_time"] >= before
        h.new_log()

    def test_logout_ends_the_session(self, h, client):
        ua = self.browser()
        f = Flow(h, client, scope="openid")
        q = self.consent(ua, self.sign_in(h, ua, f.url()), f)
        hint = assert_token_ok(f.token(q["code"]))["id_token"]
        logout_back_to_client(h, ua, hint)
        assert "session ended" in h.new_log()
        # the session is empty: the login form again
        r = ua.get(Flow(h, client, scope="openid").url(),
                   allow_redirects=False, timeout=10)
        assert r.status_code == 401 and 'name="httpd_password"' in r.text


# The directory of TestLdapLoginExample: the example's base, bind DN and
# attributes. Alice has every attribute the example fetches; Bob has no
# mail and no telephoneNumber, and a name that is not ASCII.
LDAP_BASE = "dc=example,dc=org"
LDAP_BIND_DN = "cn=httpd,ou=services," + LDAP_BASE
LDAP_BIND_PW = "httpd-search-secret"
LDAP_USERS = {"alice": "Down the rabbit-hole: 42", "bob": "bob-ldap-pw"}
ALICE_ENTRY = {"mail": "alice@example.org", "cn": "Alice Liddell",
               "telephoneNumber": "+1 555 0100"}
BOB_CN = "Bob \u00c5ngstr\u00f6m"


def directory_entries():
    people = "ou=people," + LDAP_BASE
    records = [
        (LDAP_BASE, [("objectClass", "dcObject"),
                     ("objectClass", "organization"), ("dc", "example"),
                     ("o", "Example")]),
        (people, [("objectClass", "organizationalUnit"), ("ou", "people")]),
        ("ou=services," + LDAP_BASE,
         [("objectClass", "organizationalUnit"), ("ou", "services")]),
        (LDAP_BIND_DN, [("objectClass", "organizationalRole"),
                        ("objectClass", "simpleSecurityObject"),
                        ("cn", "httpd"),
                        ("userPassword", slapd.ssha(LDAP_BIND_PW))]),
        ("uid=alice," + people,
         [("objectClass", "inetOrgPerson"), ("uid", "alice"),
          ("sn", "Liddell"), ("userPassword", slapd.ssha(
              LDAP_USERS["alice"]))]
         + [(k, v) for k, v in ALICE_ENTRY.items()]),
        ("uid=bob," + people,
         [("objectClass", "inetOrgPerson"), ("uid", "bob"), ("cn", BOB_CN),
          ("sn", "\u00c5ngstr\u00f6m"),
          ("userPassword", slapd.ssha(LDAP_USERS["bob"]))]),
    ]
    return "\n".join(slapd.ldif(dn, attrs) for dn, attrs in records)


# As a directory is usually set up: passwords are only for binding, and
# only the bind DN may search the people (an anonymous search finds
# nothing, so every sign-in proves the example's bind DN is used).
LDAP_ACL = [
    "access to attrs=userPassword by anonymous auth by * none",
    'access to dn.subtree="ou=people,%s" by dn.exact="%s" read by * none'
    % (LDAP_BASE, LDAP_BIND_DN),
    "access to * by * none",
]

# mod_auth_basic's lines for a sign-in the directory refused: a wrong
# password, a user without an entry
LDAP_FAILED_LOG = [r"AH01617: user alice: authentication failure",
                   r"AH01618: user carol not found"]


class TestLdapLoginExample:
    """conf/openid/login-ldap.conf as it is written, against a slapd of
    its own: the claims are the attributes of the user's entry."""

    @pytest.fixture(scope="class")
    def directory(self):
        why = slapd.available()
        if why:
            pytest.skip(why)
        server = slapd.LdapServer(LDAP_BASE, directory_entries(), LDAP_ACL)
        server.start()
        try:
            yield server
        finally:
            server.stop()

    @pytest.fixture(scope="class")
    def h(self, directory, httpd_factory, keys):
        # directory first: httpd stops before slapd
        return start_example(httpd_factory, keys, "login-ldap.conf", replace=[
            ("ldaps://ldap.example.org", directory.url),
            ("/etc/ssl/certs/ldap-ca.pem", lambda h: str(h.write_file(
                "ldap-ca.pem", directory.ca_path.read_text()))),
            ("/etc/apache2/oauth2/ldap-bind.secret",
             lambda h: str(h.write_file("ldap-bind.secret",
                                        LDAP_BIND_PW + "\n", 0o600)))])

    @pytest.fixture(scope="class")
    def client(self, h):
        return add_client(h, scope="openid email profile phone api.read")

    def sign_in(self, h, client, user, password):
        """A code flow as user with password; the token response."""
        f = Flow(h, client, scope="openid email profile phone",
                 nonce="n-ldap", user=(user, password))
        body = assert_token_ok(f.token(f.code()))
        return body, verified_claims(h, body["id_token"], client)

    def test_claims_from_the_directory(self, h, client):
        body, claims = self.sign_in(h, client, "alice", LDAP_USERS["alice"])
        want = {"sub": "alice", "email": ALICE_ENTRY["mail"],
                "name": ALICE_ENTRY["cn"],
                "phone_number": ALICE_ENTRY["telephoneNumber"],
                "preferred_username": "alice"}
        assert {k: claims.get(k) for k in want} == want
        assert claims["nonce"] == "n-ldap"
        assert userinfo(h, body["access_token"]) == want

    def test_subject_is_the_directorys_uid(self, h, client):
        """uid matches case-insensitively: "ALICE" signs in as alice's
        entry, and AuthLDAPRemoteUserAttribute makes her the subject."""
        _, claims = self.sign_in(h, client, "ALICE", LDAP_USERS["alice"])
        assert claims["sub"] == "alice"
        assert claims["preferred_username"] == "alice"

    def test_wrong_password(self, h, client):
        for user, password in (("alice", "alice-pw"),
                               ("alice", LDAP_USERS["bob"]),
                               ("carol", "carol-pw")):
            r = Flow(h, client, scope="openid email",
                     user=(user, password)).get()
            assert r.status_code == 401, (user, r.status_code)
            assert r.headers["WWW-Authenticate"] == \
                'Basic realm="Example login"'
        # the directory's answers: the bind as alice's entry refused,
        # no entry for carol
        log = h.new_log()
        assert log.count("user alice authentication failed") == 2, log
        assert log.count("check user credentials failed][Invalid "
                         "credentials]") == 2, log
        assert "user carol authentication failed; URI /oauth2/authorize " \
            "[User not found]" in log, log
        h.allow_log(*LDAP_FAILED_LOG)

    def test_entry_without_mail(self, h, client):
        """No mail, no telephoneNumber: no email and no phone_number
        claim (not empty ones); the name as the directory spells it."""
        body, claims = self.sign_in(h, client, "bob", LDAP_USERS["bob"])
        want = {"sub": "bob", "name": BOB_CN, "preferred_username": "bob"}
        for name in ("email", "phone_number"):
            assert name not in claims, claims
        assert {k: claims.get(k) for k in want} == want
        assert userinfo(h, body["access_token"]) == want
