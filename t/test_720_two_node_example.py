# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""conf/two-node/: the example of the README's "Scaling out", run as it
is written. Both node.conf copies and front.conf start on loopback with
only what a test must change (ports, paths, the database, no TLS), and a
client works through the front: tokens from either node, the API on
either node, the consent page shown by one node and approved at another.
"""

import re
from pathlib import Path

import pytest

from authserver import (Flow, add_client, assert_token_ok,
                        client_credentials, revoke, write_htpasswd)
from checks import assert_invalid_token, assert_ok

EXAMPLE = Path(__file__).resolve().parent.parent / "conf" / "two-node"
ISSUER = "https://login.example.com"
NODE_MODULES = ("auth_basic", "authn_file", "socache_shmcb",
                "socache_memcache")
FRONT_MODULES = ("proxy", "proxy_http", "proxy_balancer", "slotmem_shm",
                 "lbmethod_byrequests")


def without_load_module(text):
    """The example minus its LoadModule lines: the harness loads the
    modules (the module under test from the build, not /usr/lib)."""
    return re.sub(r"(?m)^LoadModule .*\n", "", text)


def node_config(h, keys, store):
    text = without_load_module((EXAMPLE / "node.conf").read_text())
    text = text.replace("Listen 8081\n", "")
    text = text.replace("*:8081", "127.0.0.1:%d" % h.port)
    text = re.sub(r"(?m)^DBDriver .*\n^DBDParams .*\n",
                  "\n".join(store.directives()) + "\n", text)
    text = text.replace("/etc/apache2/oauth2/signing-ec.pem",
                        str(keys["ec1"].path))
    text = text.replace("/etc/apache2/oauth2/users.htpasswd",
                        str(write_htpasswd(h)))
    return text


def front_config(h, nodes):
    text = without_load_module((EXAMPLE / "front.conf").read_text())
    text = text.replace("Listen 443\n", "")
    text = text.replace("*:443", "127.0.0.1:%d" % h.port)
    text = re.sub(r"(?m)^\s*SSL.*\n", "", text)  # no TLS on loopback
    for i, n in enumerate(nodes, 1):
        text = text.replace("http://node%d.internal:8081" % i, n.base_url)
    return text


def start_example(httpd_factory, keys):
    first = httpd_factory("node1", modules=NODE_MODULES, dbd="vhost")
    nodes = [first, httpd_factory("node2", modules=NODE_MODULES,
                                  dbd="vhost", store=first.store)]
    for n in nodes:
        n.issuer = ISSUER
        n.start(node_config(n, keys, first.store))
    front = httpd_factory("front", module=False, modules=FRONT_MODULES)
    front.issuer = ISSUER
    front.start(front_config(front, nodes))
    return front, nodes


def served_by(nodes):
    """Requests each node's access log holds so far."""
    return [len((n.logs / "access_log").read_text().splitlines())
            for n in nodes]


class TestTwoNodeExample:

    @pytest.fixture(scope="class")
    def example(self, httpd_factory, keys):
        return start_example(httpd_factory, keys)

    def test_client_credentials_through_the_front(self, example):
        front, nodes = example
        client = add_client(nodes[0], grants=("client_credentials",),
                            redirect_uris=(), scope="api.read")
        before = served_by(nodes)
        for _ in range(6):
            t = assert_token_ok(client_credentials(
                front, client, scope="api.read"))["access_token"]
            assert_ok(front.get("/api/data.txt", token=t))
        after = served_by(nodes)
        # byrequests spreads 12 requests over both nodes
        assert all(a - b >= 4 for a, b in zip(after, before)), \
            (before, after)

    def test_revocation_reaches_every_node(self, example):
        front, nodes = example
        client = add_client(nodes[0], grants=("client_credentials",),
                            redirect_uris=(), scope="api.read")
        t = assert_token_ok(client_credentials(
            front, client, scope="api.read"))["access_token"]
        assert revoke(front, client, t).status_code == 200
        # neither node has seen the token: each asks the database
        for n in nodes:
            assert_invalid_token(n.get("/api/data.txt", token=t),
                                 realm="login.example.com")

    def test_consent_shown_by_one_node_approved_at_the_other(self, example):
        front, nodes = example
        client = add_client(nodes[0], scope="api.read",
                            redirect_uris=("https://client.example/cb",))
        flow = Flow(nodes[0], client, scope="api.read")
        page = flow.consent_page()
        # the form goes to node2: the same derived key checks its CSRF token
        action = page.action_url().replace(nodes[0].base_url,
                                           nodes[1].base_url)
        assert action.startswith(nodes[1].base_url), action
        r = nodes[1].session.post(action, data=page.data("approve"),
                                  auth=flow.user, allow_redirects=False,
                                  timeout=10)
        assert r.status_code == 303, (r.status_code, r.text[:300])
        code = flow.redirect_query(r)["code"]
        flow.h = front
        body = assert_token_ok(flow.token(code))
        assert_ok(nodes[0].get("/api/data.txt", token=body["access_token"]))
        assert_ok(nodes[1].get("/api/data.txt", token=body["access_token"]))
