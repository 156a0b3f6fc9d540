"""Tokens and DPoP proofs for bench/dpop.sh (python3-cryptography, PyJWT).

  dpop_proofs.py token DIR ISS AUD
      DIR/ec.pem (the issuer's key) -> DIR/bearer.token (a plain access
      token) and DIR/dpop.token (one bound to DIR/client.pem's key:
      cnf.jkt), RFC 9068 access tokens with kid ec, valid two hours.
  dpop_proofs.py proofs DIR URL N OUT
      N DPoP proofs of DIR/client.pem for GET URL with the ath of
      DIR/dpop.token, each with a jti of its own, iat now + 30 (so valid
      from 30 s before to 90 s after now: a run made right after) -> OUT,
      one per line. Signed here without PyJWT per proof: the header and the
      signing are the same for each, only the claims change.
"""

import base64
import hashlib
import json
import secrets
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def public_jwk(pub):
    n = pub.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")),
            "y": b64u(n.y.to_bytes(32, "big"))}


def thumbprint(jwk):
    canon = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")},
                       sort_keys=True, separators=(",", ":"))
    return b64u(hashlib.sha256(canon.encode()).digest())


def token(d, iss, aud):
    import jwt
    issuer = load(f"{d}/ec.pem")
    client = load(f"{d}/client.pem")
    now = int(time.time())
    base = {"iss": iss, "sub": "bench", "aud": aud, "exp": now + 7200,
            "iat": now, "client_id": "bench", "scope": "read"}
    hdr = {"typ": "at+jwt", "kid": "ec"}
    with open(f"{d}/bearer.token", "w") as f:
        f.write(jwt.encode(dict(base, jti="bearer"), issuer, algorithm="ES256",
                           headers=hdr))
    jkt = thumbprint(public_jwk(client.public_key()))
    with open(f"{d}/dpop.token", "w") as f:
        f.write(jwt.encode(dict(base, jti="dpop", cnf={"jkt": jkt}), issuer,
                           algorithm="ES256", headers=hdr))


def proofs(d, url, n, out):
    client = load(f"{d}/client.pem")
    with open(f"{d}/dpop.token") as f:
        ath = b64u(hashlib.sha256(f.read().strip().encode()).digest())
    header = b64u(json.dumps({"typ": "dpop+jwt", "alg": "ES256",
                              "jwk": public_jwk(client.public_key())},
                             separators=(",", ":")).encode())
    iat = int(time.time()) + 30
    run = secrets.token_hex(4)
    lines = []
    for i in range(n):
        claims = '{"jti":"%s-%d","htm":"GET","htu":"%s","iat":%d,"ath":"%s"}' \
            % (run, i, url, iat, ath)
        signing_input = header + "." + b64u(claims.encode())
        r, s = decode_dss_signature(client.sign(signing_input.encode(),
                                                ec.ECDSA(hashes.SHA256())))
        lines.append(signing_input + "."
                     + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big")))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "token":
        token(*sys.argv[2:5])
    elif sys.argv[1] == "proofs":
        proofs(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)
