# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Tokens and DPoP proofs for bench/dpop.sh (python3-cryptography, PyJWT).

  dpop_proofs.py token DIR ISS AUD
      DIR/ec.pem (the issuer's key) -> DIR/bearer.token (a plain access
      token), DIR/client.token (one bound to DIR/client.pem's key:
      cnf.jkt) and DIR/client-rsa.token (bound to DIR/client-rsa.pem's),
      RFC 9068 access tokens with kid ec, valid two hours.
  dpop_proofs.py proofs DIR URL N OUT [CLIENT]
      N DPoP proofs of DIR/CLIENT.pem (default client: EC P-256, ES256;
      client-rsa: RS256) for GET URL with the ath of DIR/CLIENT.token,
      each with a jti of its own, iat now + 30 (so valid from 30 s before
      to 90 s after now: a run made right after) -> OUT, one per line.
      Signed here without PyJWT per proof: the header and the signing are
      the same for each, only the claims change; RSA proofs are signed by
      as many processes as there are cores.
"""

import base64
import hashlib
import json
import os
import secrets
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def public_jwk(pub):
    n = pub.public_numbers()
    if isinstance(pub, rsa.RSAPublicKey):
        return {"kty": "RSA", "n": b64u(n.n.to_bytes((n.n.bit_length() + 7)
                                                     // 8, "big")),
                "e": b64u(n.e.to_bytes((n.e.bit_length() + 7) // 8, "big"))}
    return {"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")),
            "y": b64u(n.y.to_bytes(32, "big"))}


def thumbprint(jwk):
    members = ("e", "kty", "n") if jwk["kty"] == "RSA" \
        else ("crv", "kty", "x", "y")
    canon = json.dumps({k: jwk[k] for k in members}, sort_keys=True,
                       separators=(",", ":"))
    return b64u(hashlib.sha256(canon.encode()).digest())


def token(d, iss, aud):
    import jwt
    issuer = load(f"{d}/ec.pem")
    now = int(time.time())
    base = {"iss": iss, "sub": "bench", "aud": aud, "exp": now + 7200,
            "iat": now, "client_id": "bench", "scope": "read"}
    hdr = {"typ": "at+jwt", "kid": "ec"}
    with open(f"{d}/bearer.token", "w") as f:
        f.write(jwt.encode(dict(base, jti="bearer"), issuer, algorithm="ES256",
                           headers=hdr))
    for name in ("client", "client-rsa"):
        client = load(f"{d}/{name}.pem")
        jkt = thumbprint(public_jwk(client.public_key()))
        with open(f"{d}/{name}.token", "w") as f:
            f.write(jwt.encode(dict(base, jti=name, cnf={"jkt": jkt}), issuer,
                               algorithm="ES256", headers=hdr))


def sign_all(args):
    """The proofs of one share of the claims (a process of its own)."""
    path, header, claims = args
    client = load(path)
    out = []
    for c in claims:
        signing_input = header + "." + b64u(c.encode())
        if isinstance(client, rsa.RSAPrivateKey):
            sig = client.sign(signing_input.encode(), padding.PKCS1v15(),
                              hashes.SHA256())
        else:
            r, s = decode_dss_signature(client.sign(
                signing_input.encode(), ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        out.append(signing_input + "." + b64u(sig))
    return out


def proofs(d, url, n, out, name="client"):
    path = f"{d}/{name}.pem"
    client = load(path)
    alg = "RS256" if isinstance(client, rsa.RSAPrivateKey) else "ES256"
    with open(f"{d}/{name}.token") as f:
        ath = b64u(hashlib.sha256(f.read().strip().encode()).digest())
    header = b64u(json.dumps({"typ": "dpop+jwt", "alg": alg,
                              "jwk": public_jwk(client.public_key())},
                             separators=(",", ":")).encode())
    iat = int(time.time()) + 30
    run = secrets.token_hex(4)
    claims = ['{"jti":"%s-%d","htm":"GET","htu":"%s","iat":%d,"ath":"%s"}'
              % (run, i, url, iat, ath) for i in range(n)]
    if alg == "RS256" and n > 100:
        import multiprocessing
        k = os.cpu_count() or 1
        with multiprocessing.Pool(k) as pool:
            parts = pool.map(sign_all, [(path, header, claims[i::k])
                                        for i in range(k)])
        lines = [x for part in parts for x in part]
    else:
        lines = sign_all((path, header, claims))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "token":
        token(*sys.argv[2:5])
    elif sys.argv[1] == "proofs":
        proofs(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5],
               *sys.argv[6:7])
    else:
        sys.exit(__doc__)
