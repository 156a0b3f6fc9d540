# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""The purge of expired rows (issue 12, item 2; SECURITY.md "Expired
rows"): it runs after a response, cleans every issuer of the database
(not only the virtual host whose request ran it), keeps live rows, is
claimed by one process of all that share the database per interval, and
reaches every database of the server when virtual hosts have their own.

The expired rows are written by hand before httpd starts (the admin CLI
makes the tables): the first response of a child process asks for the
purge, so a request made to set things up would already purge.
"""

import os
import time
from types import SimpleNamespace

import pytest
import requests

import stores
from authserver import (AS_MODULES, TEMPLATES, admin, assert_token_error,
                        token_request, write_htpasswd)

DAY = 86400
# the rows each table gets: (table, key column, extra columns and values)
TABLES = {
    "oa2_codes": ("code_hash", "client_id, user_id, redirect_uri, scope, "
                  "resource, code_challenge, used, family, access_jti",
                  ("c", "u", "https://c.example/cb", "read", "", "x", 1, "f",
                   "")),
    "oa2_refresh": ("token_hash", "family, client_id, user_id, scope, "
                    "resource, state, created_at",
                    ("f", "c", "u", "read", "", 0, 1)),
    "oa2_revoked": ("jti", "", ()),
    "oa2_access_tokens": ("jti", "family, client_id, user_id",
                          ("f", "c", "u")),
    "oa2_nonces": ("nonce_hash", "", ()),
    "oa2_client_assertions": ("jti_hash", "client_id", ("c",)),
}


def put_row(store, issuer, table, key, expires_at):
    key_col, cols, values = TABLES[table]
    names = "issuer, %s, expires_at" % key_col + (", " + cols if cols else "")
    args = (issuer, key, expires_at) + tuple(values)
    store.execute("INSERT INTO %s (%s) VALUES (%s)"
                  % (table, names, ", ".join("?" * len(args))), args)


def keys_of(store, issuer, table):
    key_col = TABLES[table][0]
    return {r[0] for r in store.rows("SELECT %s FROM %s WHERE issuer = ?"
                                     % (key_col, table), (issuer,))}


def make_tables(store, issuer):
    """The admin CLI opens the database, which makes the schema."""
    admin(SimpleNamespace(store=store, issuer=issuer), "client", "list")


def seed(store, issuer, now):
    """An expired and a live row in every table; a code used two days
    ago (gone) and one an hour ago (kept a day, for replays)."""
    for table in TABLES:
        if table == "oa2_codes":
            put_row(store, issuer, table, "old", now - 2 * DAY)
            put_row(store, issuer, table, "recent", now - 3600)
        else:
            put_row(store, issuer, table, "old", now - 10)
        put_row(store, issuer, table, "live", now + 3600)


def purged(store, issuer):
    return all(keys_of(store, issuer, t) == ({"recent", "live"}
                                             if t == "oa2_codes"
                                             else {"live"})
               for t in TABLES)


def wait_purged(stores_issuers, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(purged(s, i) for s, i in stores_issuers):
            return True
        time.sleep(0.1)
    return False


def vhost(name, port, issuer, key, htpasswd, dbd=""):
    return """
<VirtualHost 127.0.0.1:{port}>
    ServerName {name}
    {dbd}
    OAuth2Issuer {issuer}
    OAuth2SigningKey {key}
    OAuth2Scope read "Read"
    <Location /oauth2/authorize>
        AuthType Basic
        AuthName "{name}"
        AuthBasicProvider file
        AuthUserFile {htpasswd}
        Require valid-user
    </Location>
</VirtualHost>
""".format(port=port, name=name, dbd=dbd, issuer=issuer, key=key.path,
           htpasswd=htpasswd)


class Host:
    """A virtual host seen through its name (for token_request)."""

    def __init__(self, h, name):
        self.h = h
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Host"] = name

    def url(self, path):
        return self.h.url(path)


def touch_store(h, name):
    """A request that uses the vhost's database: a token request of an
    unknown client (401 invalid_client, after a client lookup)."""
    class Nobody:
        client_id, client_secret, public = "nobody", "x", False
        auth = ("nobody", "x")
    r = token_request(Host(h, name), Nobody,
                      {"grant_type": "client_credentials"})
    assert_token_error(r, "invalid_client", 401)


class TestSharedDatabase:
    """Two issuers in one database; requests reach only the first."""

    @pytest.fixture(scope="class")
    def setup(self, httpd_factory, keys):
        # the main server's database (mod_dbd's), which both inherit
        h = httpd_factory("purge-shared", modules=AS_MODULES)
        iss_a, iss_b = "https://a.purge.example", "https://b.purge.example"
        now = int(time.time())
        make_tables(h.store, iss_a)
        seed(h.store, iss_a, now)
        seed(h.store, iss_b, now)
        htpasswd = write_htpasswd(h)
        h.start('OAuth2TemplateDir "%s"\n' % TEMPLATES
                + vhost("a.purge.example", h.port, iss_a, keys["ec1"],
                        htpasswd)
                + vhost("b.purge.example", h.port, iss_b, keys["ec2"],
                        htpasswd))
        return h, iss_a, iss_b, now

    def test_every_issuer_once_per_interval(self, setup):
        h, iss_a, iss_b, now = setup
        touch_store(h, "a.purge.example")
        assert wait_purged([(h.store, iss_a), (h.store, iss_b)]), {
            t: (keys_of(h.store, iss_a, t), keys_of(h.store, iss_b, t))
            for t in TABLES}
        # rows that expire after the purge wait for the next one, even
        # for a child process that never asked before
        put_row(h.store, iss_b, "oa2_nonces", "late", now - 5)
        for _ in range(6):
            touch_store(h, "a.purge.example")
            touch_store(h, "b.purge.example")
        time.sleep(0.5)
        assert "late" in keys_of(h.store, iss_b, "oa2_nonces")


class TestDatabasePerVirtualHost:
    """Each virtual host has a database of its own: a request to one
    purges its database, and the other's is purged on its own request,
    though both run in the same child processes."""

    @pytest.fixture(scope="class")
    def setup(self, httpd_factory, keys):
        h = httpd_factory("purge-vhosts", modules=AS_MODULES, dbd="vhost")
        htpasswd = write_htpasswd(h)
        now = int(time.time())
        body = 'OAuth2TemplateDir "%s"\n' % TEMPLATES
        sites = []
        for name, key in (("a", keys["ec1"]), ("b", keys["ec2"])):
            db_dir = h.db_dir / name
            db_dir.mkdir()
            os.chmod(db_dir, 0o777)
            store = stores.new_store(db_dir)
            issuer = "https://%s.purge.example" % name
            make_tables(store, issuer)
            seed(store, issuer, now)
            body += vhost("%s.purge.example" % name, h.port, issuer, key,
                          htpasswd, "\n    ".join(store.directives()))
            sites.append((store, issuer))
        h.start(body)
        return h, sites

    def test_each_database_is_purged(self, setup):
        h, sites = setup
        # many requests to a, then one to b: whichever child takes b's
        # request has asked for a's database already
        for _ in range(8):
            touch_store(h, "a.purge.example")
        assert wait_purged(sites[:1])
        touch_store(h, "b.purge.example")
        assert wait_purged(sites[1:])
