# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Tokens and grants for the benchmarks (PyJWT and requests: a client that
is not our own code).

  tokens.py mint DIR ISS AUD N
      DIR/{ec,rsa}.pem -> DIR/{ec,rsa}.token (one token, repeated) and
      DIR/{ec,rsa}.tokens (N distinct tokens, one per line, rotated);
      access tokens as RFC 9068 wants them: typ at+jwt, kid ec / rsa.
      A key whose .pem is not in DIR is passed over (here and in jwks).
  tokens.py jwks DIR
      DIR/{ec,rsa}.pem -> DIR/{ec,rsa}.jwks: the public key as a JWKS (kid
      ec / rsa), for OAuth2VerifyJWKSFile or to serve as a JWKS URL.
  tokens.py grants AS_URL CLIENT_ID SECRET NCODES NREFRESH DIR [SCOPE]
      through the real authorize endpoint (user bench/bench, consent given
      once): NCODES codes -> DIR/codes, and NREFRESH refresh tokens (each
      from its own code) -> DIR/refresh. SCOPE defaults to "read"; with
      openid in it each request also carries a nonce of its own.
"""

import base64
import concurrent.futures as cf
import hashlib
import html
import json
import os
import re
import secrets
import sys
import time

VERIFIER = "v" * 64


def keys(d):
    """(name, alg, private key) of each key in d."""
    from cryptography.hazmat.primitives import serialization
    for name, alg in (("ec", "ES256"), ("rsa", "RS256")):
        if os.path.exists(f"{d}/{name}.pem"):
            with open(f"{d}/{name}.pem", "rb") as f:
                yield name, alg, serialization.load_pem_private_key(f.read(),
                                                                   None)


def jwks(d):
    import jwt
    for name, alg, key in keys(d):
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(
            key.public_key()))
        jwk.update(kid=name, alg=alg, use="sig")
        with open(f"{d}/{name}.jwks", "w") as f:
            f.write(json.dumps({"keys": [jwk]}))


def mint(d, iss, aud, n):
    import jwt
    now = int(time.time())
    for name, alg, key in keys(d):
        hdr = {"typ": "at+jwt", "kid": name}

        def one(i):
            claims = {"iss": iss, "sub": f"user-{i}", "aud": aud,
                      "exp": now + 7200, "iat": now, "jti": f"{name}-{i}",
                      "client_id": "bench", "scope": "read"}
            return jwt.encode(claims, key, algorithm=alg, headers=hdr)
        with open(f"{d}/{name}.token", "w") as f:
            f.write(one("repeated"))
        with open(f"{d}/{name}.tokens", "w") as f:
            f.write("\n".join(one(i) for i in range(n)) + "\n")


def grants(base, client, secret, ncodes, nrefresh, d, scope="read"):
    import requests
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": client,
              "redirect_uri": base + "/cb", "scope": scope,
              "code_challenge": challenge, "code_challenge_method": "S256"}
    s = requests.Session()
    s.auth = ("bench", "bench")
    a = requests.adapters.HTTPAdapter(pool_maxsize=8)
    s.mount("http://", a)
    page = s.get(base + "/oauth2/authorize", params=params).text
    form = {k: html.unescape(v) for k, v in
            re.findall(r'name="([a-z_]+)" value="([^"]*)"', page)}
    form["decision"] = "approve"
    s.post(base + "/oauth2/authorize", data=form, allow_redirects=False)

    oidc = "openid" in scope.split()

    def code(_):
        q = dict(params, nonce=secrets.token_urlsafe(16)) if oidc else params
        r = s.get(base + "/oauth2/authorize", params=q,
                  allow_redirects=False)
        m = re.search(r"[?&]code=([^&]+)", r.headers.get("Location", ""))
        if not m:
            sys.exit(f"tokens.py: authorize answered {r.status_code} "
                     f"{r.headers.get('Location', '')}")
        return m.group(1)

    def refresh(_):
        r = requests.post(base + "/oauth2/token", auth=(client, secret), data={
            "grant_type": "authorization_code", "code": code(0),
            "redirect_uri": base + "/cb", "code_verifier": VERIFIER})
        r.raise_for_status()
        return r.json()["refresh_token"]

    with cf.ThreadPoolExecutor(8) as ex:
        codes = list(ex.map(code, range(ncodes)))
        tokens = list(ex.map(refresh, range(nrefresh)))
    with open(f"{d}/codes", "w") as f:
        f.write("\n".join(codes) + "\n")
    with open(f"{d}/refresh", "w") as f:
        f.write("\n".join(tokens) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "mint":
        mint(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1] == "jwks":
        jwks(sys.argv[2])
    else:
        grants(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
               int(sys.argv[6]), sys.argv[7], *sys.argv[8:9])
