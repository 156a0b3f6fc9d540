# SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
"""Keys, JWKs and access tokens made independently of the module.

Keys come from python-cryptography, tokens from PyJWT; the few hostile
tokens PyJWT refuses to make (alg none, HS256 keyed with a public key PEM)
are put together here by hand from the JWS compact serialization.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# every token handed to httpd; the log guard checks none of them is logged
MINTED = set()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_json(obj):
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def _int_bytes(n, length=None):
    if length is None:
        length = (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


def public_jwk(pub):
    """The RFC 7517 members of a public key (no kid/alg/use)."""
    if isinstance(pub, ec.EllipticCurvePublicKey):
        size = {"secp256r1": 32, "secp384r1": 48}[pub.curve.name]
        crv = {"secp256r1": "P-256", "secp384r1": "P-384"}[pub.curve.name]
        nums = pub.public_numbers()
        return {"kty": "EC", "crv": crv,
                "x": b64u(_int_bytes(nums.x, size)),
                "y": b64u(_int_bytes(nums.y, size))}
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        return {"kty": "RSA", "n": b64u(_int_bytes(nums.n)),
                "e": b64u(_int_bytes(nums.e))}
    raise TypeError("unsupported key")


def thumbprint(pub):
    """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
    jwk = public_jwk(pub)
    required = {"EC": ("crv", "kty", "x", "y"),
                "RSA": ("e", "kty", "n")}[jwk["kty"]]
    canon = json.dumps({k: jwk[k] for k in required}, sort_keys=True,
                       separators=(",", ":"))
    return b64u(hashlib.sha256(canon.encode()).digest())


class Key:
    """A private key on disk with what the tests need to know about it."""

    def __init__(self, name, priv, path, alg):
        self.name = name
        self.priv = priv
        self.pub = priv.public_key()
        self.path = str(path)
        self.alg = alg
        self.thumbprint = thumbprint(self.pub)
        self.kid = self.thumbprint  # what the module publishes by default

    def with_kid(self, kid):
        k = Key.__new__(Key)
        k.__dict__.update(self.__dict__)
        k.kid = kid
        return k

    def jwk(self, kid=None, alg=True):
        d = public_jwk(self.pub)
        d["kid"] = kid if kid is not None else self.kid
        d["use"] = "sig"
        if alg:
            d["alg"] = self.alg
        return d

    def public_pem(self):
        return self.pub.public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_pem(path, priv, fmt):
    data = priv.private_bytes(serialization.Encoding.PEM, fmt,
                              serialization.NoEncryption())
    Path(path).write_bytes(data)
    os.chmod(path, 0o644)


def make_keys(directory):
    """Generate the session's keys into directory; returns a dict."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o755)
    pkcs8 = serialization.PrivateFormat.PKCS8
    trad = serialization.PrivateFormat.TraditionalOpenSSL
    keys = {}
    specs = [
        ("ec1", lambda: ec.generate_private_key(ec.SECP256R1()), "ES256",
         pkcs8),
        ("ec2", lambda: ec.generate_private_key(ec.SECP256R1()), "ES256",
         trad),
        ("ec3", lambda: ec.generate_private_key(ec.SECP256R1()), "ES256",
         pkcs8),
        ("rsa1", lambda: rsa.generate_private_key(65537, 2048), "RS256",
         pkcs8),
        ("rsa2", lambda: rsa.generate_private_key(65537, 2048), "RS256",
         trad),
        # keys the module must refuse
        ("rsa1024", lambda: rsa.generate_private_key(65537, 1024), "RS256",
         pkcs8),
        ("ec384", lambda: ec.generate_private_key(ec.SECP384R1()), "ES384",
         pkcs8),
    ]
    for name, gen, alg, fmt in specs:
        path = d / (name + ".pem")
        priv = gen()
        _write_pem(path, priv, fmt)
        keys[name] = Key(name, priv, path, alg)
    # a public key PEM where a private key belongs
    pub_path = d / "ec1-public.pem"
    pub_path.write_bytes(keys["ec1"].public_pem())
    os.chmod(pub_path, 0o644)
    keys["ec1_public_path"] = str(pub_path)
    garbage = d / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n"
                       "-----END PRIVATE KEY-----\n")
    os.chmod(garbage, 0o644)
    keys["garbage_path"] = str(garbage)
    return keys


def write_jwks(path, jwks):
    Path(path).write_text(json.dumps({"keys": jwks}, indent=1))
    os.chmod(path, 0o644)
    return str(path)


# ---- tokens ------------------------------------------------------------

def claims(iss, aud, /, **over):
    """The RFC 9068 claims of a fresh access token; over changes them
    (a value of None drops the claim)."""
    now = int(time.time())
    c = {"iss": iss, "sub": "alice", "aud": aud, "exp": now + 300,
         "iat": now, "jti": uuid.uuid4().hex, "client_id": "client-1",
         "scope": "read write"}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def mint(key, payload, *, alg=None, kid="default", typ="at+jwt",
         extra_headers=None):
    """Sign payload with PyJWT.  kid "default" means key.kid, None means no
    kid header; typ None means no typ header."""
    headers = {"typ": typ}
    if kid == "default":
        kid = key.kid
    if kid is not None:
        headers["kid"] = kid
    if extra_headers:
        headers.update(extra_headers)
    token = jwt.encode(payload, key.priv, algorithm=alg or key.alg,
                       headers=headers)
    hdr = decode_part(token.split(".")[0])
    assert hdr.get("typ") == typ and hdr.get("kid") == kid, hdr
    MINTED.add(token)
    return token


def raw_token(header, payload, signature=b""):
    """A JWS compact serialization with a signature made by the caller
    (a callable on the signing input) or given as bytes."""
    signing_input = (b64u_json(header) + "." + b64u_json(payload)).encode()
    sig = signature(signing_input) if callable(signature) else signature
    token = signing_input.decode() + "." + b64u(sig)
    MINTED.add(token)
    return token


def hs256_signer(secret):
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


def split(token):
    h, p, s = token.split(".")
    return h, p, s


def decode_part(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def register(token):
    """Watch for token (any secret string) in the logs; None or "" (a
    value a response lacked) is nothing to watch."""
    if token:
        MINTED.add(token)
    return token


# ---- RFC 6750 challenges -------------------------------------------------

_TOKEN68ISH = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_PARAM = re.compile(r"\s*(%s)\s*=\s*(?:(%s)|\"((?:[^\"\\]|\\.)*)\")\s*(?:,|$)"
                    % (_TOKEN68ISH, _TOKEN68ISH))
# RFC 6750 section 3: error, error_description and scope values
_NQCHAR = re.compile(r"^[\x20\x21\x23-\x5b\x5d-\x7e]*$")


def parse_challenge(value):
    """Parse one `Bearer k="v", ...` challenge.  Returns (scheme, params)
    and raises ValueError on anything not in RFC 7235 syntax."""
    m = re.match(r"\s*(%s)(?:\s+(.*))?$" % _TOKEN68ISH, value, re.S)
    if not m:
        raise ValueError("bad challenge: %r" % value)
    scheme, rest = m.group(1), (m.group(2) or "").strip()
    params = {}
    pos = 0
    while pos < len(rest):
        pm = _PARAM.match(rest, pos)
        if not pm or pm.end() == pos:
            raise ValueError("bad auth-param in %r at %d" % (value, pos))
        name = pm.group(1).lower()
        if pm.group(2) is not None:
            val = pm.group(2)
        else:
            val = re.sub(r"\\(.)", r"\1", pm.group(3))
        if name in params:
            raise ValueError("duplicate %s in %r" % (name, value))
        params[name] = val
        pos = pm.end()
    return scheme, params


def check_nqchar(params):
    for name in ("error", "error_description", "scope"):
        if name in params and not _NQCHAR.match(params[name]):
            raise ValueError("%s has characters RFC 6750 forbids: %r"
                             % (name, params[name]))
