# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""An OAuth issuer foreign to mod_oauth2, for the resource server's
"tokens from other issuers" tests (SPEC.md): npm's node-oidc-provider
9.13.3 run by t/foreign_issuer/provider.mjs on 127.0.0.1.

What it hands out (oidc-provider's own formats, not ours):
- client_credentials with a `resource` of format "jwt": an RFC 9068 JWT
  (header alg, typ "at+jwt", kid; claims jti, sub = the client_id, iat,
  exp, scope when scopes were granted, client_id, iss, aud = the
  resource's audience), signed by keys[0] unless the resource names an
  alg or a kid;
- with a resource of format "opaque", or no resource at all: a 43
  character opaque token, known to introspection until it expires, is
  revoked, or the provider restarts (its store is in memory, an LRU of
  1000 entries: the oldest of more opaque tokens are forgotten). JWTs
  are not stored at all.
Introspection (RFC 7662, client_secret_basic) answers for opaque tokens
only: a JWT is refused with 400 unsupported_token_type, as is its
revocation. The clients in `introspectors` (default RS) may introspect
and revoke every client's tokens.

Keys are private JWKs made here (ec_key, rsa_key), so a test rotates
them with restart(keys=...) on the same port.
"""

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections import namedtuple
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import nodejs
import tokens

SRC = Path(__file__).resolve().parent / "foreign_issuer"
CACHE = nodejs.CACHE_ROOT / "foreign-issuer"

Client = namedtuple("Client", "client_id client_secret")
# the resource server's own client at the issuer (OAuth2Introspection)
RS = Client("rs", "rs-secret-0123456789")
# a client that gets tokens for the resource server
APP = Client("app", "app-secret-0123456789")

# resource indicators (their audience is themselves)
RESOURCE = "https://rs.test/api"         # JWT access tokens
OPAQUE_RESOURCE = "https://rs.test/opaque"  # opaque access tokens
RESOURCES = {
    RESOURCE: {"format": "jwt", "scope": "read write"},
    OPAQUE_RESOURCE: {"format": "opaque", "scope": "read write"},
}

_ALGS = jwt.algorithms.get_default_algorithms()
_PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "oth")


def _private_jwk(alg, key, kid):
    jwk = json.loads(_ALGS[alg].to_jwk(key))
    jwk.pop("key_ops", None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        # RFC 7518 6.2.1.2, 6.2.2.1: x, y and d are the full size of the
        # curve; PyJWT (2.6) drops their leading zero bytes, one key in
        # about sixty, which the module then rightly refuses as malformed
        size = (key.curve.key_size + 7) // 8
        pub = key.public_key().public_numbers()
        for name, n in (("x", pub.x), ("y", pub.y),
                        ("d", key.private_numbers().private_value)):
            jwk[name] = tokens.b64u(n.to_bytes(size, "big"))
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk


def ec_key(kid):
    """A new EC P-256 private JWK for ES256, with this kid."""
    return _private_jwk("ES256", ec.generate_private_key(ec.SECP256R1()),
                        kid)


def rsa_key(kid, bits=2048):
    """A new RSA private JWK for RS256, with this kid."""
    return _private_jwk("RS256", rsa.generate_private_key(65537, bits), kid)


def public_jwk(jwk):
    """The public half of a private JWK (what the JWKS publishes)."""
    return {k: v for k, v in jwk.items() if k not in _PRIVATE}


def _client_dict(c):
    if isinstance(c, Client):
        return {"client_id": c.client_id, "client_secret": c.client_secret}
    return dict(c)


class ForeignIssuer:
    """One node-oidc-provider process; start() installs the package
    (skipping the test without Node.js 20+ and npm, see nodejs.py)."""

    running = []  # started instances, stopped at exit whatever happens

    def __init__(self, name="foreign"):
        self.name = name
        self.proc = None
        self.port = None
        self.dir = Path(tempfile.mkdtemp(prefix="oa2t-%s-" % name))
        self.config = None
        self.issuer = self.jwks_uri = self.metadata_url = None
        self._log = None

    # ---- the process -----------------------------------------------------

    def start(self, keys=None, clients=None, resources=None,
              cache_control=None, *, introspectors=(RS.client_id,),
              default_resource=None, scopes=None, ttl=600, port=0):
        """Start the issuer. keys: private JWKs (default one new EC key,
        kid "foreign-ec-1"); clients: Client tuples or dicts of
        provider.mjs (default APP and RS); resources: {indicator:
        {format, scope, audience?, alg?, kid?, ttl?}} (default
        RESOURCES); cache_control: a Cache-Control value for /jwks, or
        {path: value}; port 0 picks a free one. Returns self."""
        if isinstance(cache_control, str):
            cache_control = {"/jwks": cache_control}
        if keys is not None and not keys:
            # provider.mjs would refuse every client (an empty key set is
            # for hostile.py)
            raise ValueError("ForeignIssuer needs at least one key")
        self.config = {
            "keys": list(keys) if keys is not None else [ec_key(
                "foreign-ec-1")],
            "clients": [_client_dict(c) for c in (clients or (APP, RS))],
            "resources": resources if resources is not None else RESOURCES,
            "cache_control": cache_control or {},
            "introspectors": list(introspectors),
            "default_resource": default_resource,
            "ttl": ttl,
        }
        if scopes is not None:
            self.config["scopes"] = list(scopes)
        self._spawn(port)
        return self

    def restart(self, keys=None, **changes):
        """Stop and start again on the same port, with other keys (and
        any other start() setting changed); opaque tokens are lost."""
        if keys is not None:
            changes["keys"] = list(keys)
        if isinstance(changes.get("cache_control"), str):
            changes["cache_control"] = {"/jwks": changes["cache_control"]}
        if "clients" in changes:
            changes["clients"] = [_client_dict(c) for c in changes["clients"]]
        config = dict(self.config, **changes)
        if not config["keys"]:
            raise ValueError("ForeignIssuer needs at least one key")
        port = self.port
        self.stop()
        self.config = config
        self._spawn(port)
        return self

    def _spawn(self, port, timeout=30):
        node, modules = nodejs.npm_ci("oidc-provider", SRC, CACHE,
                                      "oidc-provider")
        config = json.dumps(dict(self.config, port=port)).encode()
        # the port a restart reuses may still be held for a moment
        for attempt in range(20):
            self._log = open(self.dir / "provider.log", "ab")
            offset = self._log.tell()
            self.proc = subprocess.Popen(
                [node, str(SRC / "provider.mjs")], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=self._log, cwd=SRC,
                env=nodejs.env(OA2_NODE_MODULES=str(modules)))
            ForeignIssuer.running.append(self)
            self.proc.stdin.write(config)
            self.proc.stdin.close()
            ready = self._ready_line(timeout)
            if ready is not None:
                break
            said = self.log_text(offset)
            if port and "EADDRINUSE" in said and attempt < 19:
                time.sleep(0.25)
                continue
            raise RuntimeError("%s did not start:\n%s" % (self.name, said))
        self.port = ready["port"]
        self.issuer = ready["issuer"]
        self.jwks_uri = ready["jwks_uri"]
        self.metadata_url = ready["metadata_url"]

    def _ready_line(self, timeout):
        """The JSON line provider.mjs prints when listening, or None
        when it exited or said nothing within timeout seconds (then it
        is stopped)."""
        deadline = time.monotonic() + timeout
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            line += chunk
        if line.endswith(b"\n"):
            return json.loads(line)
        self.stop()
        return None

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s; nothing when not running."""
        p, self.proc = self.proc, None
        if self in ForeignIssuer.running:
            ForeignIssuer.running.remove(self)
        if p is not None:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            p.stdout.close()
        if self._log:
            self._log.close()
            self._log = None

    def cleanup(self):
        """Stop, and remove the directory unless OA2_KEEP_TMP is set."""
        self.stop()
        if not os.environ.get("OA2_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self, offset=0):
        """The provider's stderr (its warnings and the errors it met),
        from offset on, its last 4000 characters."""
        try:
            with open(self.dir / "provider.log", "rb") as f:
                f.seek(offset)
                return f.read().decode(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""

    # ---- what a test asks of it ------------------------------------------

    def url(self, path):
        return self.issuer + path

    @property
    def token_endpoint(self):
        return self.url("/token")

    @property
    def introspection_endpoint(self):
        return self.url("/token/introspection")

    @property
    def revocation_endpoint(self):
        return self.url("/token/revocation")

    def _request(self, method, url, client=None, data=None):
        # no proxy from the environment, no .netrc: the peer is loopback
        with requests.Session() as s:
            s.trust_env = False
            auth = (client.client_id, client.client_secret) if client \
                else None
            return s.request(method, url, data=data, auth=auth, timeout=10)

    def token_response(self, client=APP, resource=None, scope=None,
                       **params):
        """The raw client_credentials response (for error cases)."""
        data = {"grant_type": "client_credentials", **params}
        if resource is not None:
            data["resource"] = resource
        if scope is not None:
            data["scope"] = scope
        return self._request("POST", self.token_endpoint, client, data)

    def token(self, client=APP, resource=None, scope=None):
        """An access token by client_credentials (client_secret_basic):
        a JWT for a "jwt" resource, else opaque. Registered with
        tokens.MINTED so that httpd's log guard watches for it."""
        r = self.token_response(client, resource, scope)
        assert r.status_code == 200, (r.status_code, r.text[:300])
        return tokens.register(r.json()["access_token"])

    def introspect(self, token, client=RS):
        """The introspection response as a dict; for a JWT the provider
        answers 400 {"error": "unsupported_token_type", ...} instead, so
        this returns the error object with its "status"."""
        r = self._request("POST", self.introspection_endpoint, client,
                          {"token": token})
        body = r.json()
        if r.status_code != 200:
            body["status"] = r.status_code
        return body

    def revoke(self, token, client=RS):
        """Revoke a token (RFC 7009); the response (200 with an empty
        body, also for unknown tokens; 400 for a JWT)."""
        return self._request("POST", self.revocation_endpoint, client,
                             {"token": token})

    def jwks(self):
        """The published JWK Set (this fetch is counted too)."""
        r = self._request("GET", self.jwks_uri)
        assert r.status_code == 200, r.text[:300]
        return r.json()

    def kids(self):
        return [k["kid"] for k in self.jwks()["keys"]]

    def counts(self):
        """{path: requests} since this process started (a restart begins
        at zero) or reset_counts(), the query string left out."""
        return self._request("GET", self.url("/__counts")).json()

    def count(self, path):
        """How often path was requested, e.g. "/jwks" or
        "/.well-known/openid-configuration"."""
        return self.counts().get(path, 0)

    def reset_counts(self):
        self._request("DELETE", self.url("/__counts"))


def _stop_all():
    for f in list(ForeignIssuer.running):
        f.stop()


atexit.register(_stop_all)
