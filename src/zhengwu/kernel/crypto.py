"""Crypto suites: the only place primitives are chosen.

Everything else asks a suite to hash, sign or verify, so that a 国密 suite can be selected by
configuration. Primitives come from ``cryptography`` (OpenSSL); nothing here is home-made and
all randomness comes from the operating system.

Suites:
- ``intl``: SHA-256 and Ed25519.
- ``gm``: SM3 for hashing. ``cryptography`` has no SM2, so signatures stay Ed25519 until an
  audited SM2 implementation is available (a pure-Python SM2 with a weak RNG is not acceptable).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass(frozen=True)
class CryptoSuite:
    """A named choice of hash and signature algorithms."""

    name: str
    hash_name: str
    signature_name: str

    def digest(self, data: bytes) -> bytes:
        algorithm: hashes.HashAlgorithm = hashes.SM3() if self.hash_name == "sm3" else hashes.SHA256()
        h = hashes.Hash(algorithm)
        h.update(data)
        return h.finalize()

    def hexdigest(self, data: bytes) -> str:
        return self.digest(data).hex()


SUITES = {
    "intl": CryptoSuite(name="intl", hash_name="sha256", signature_name="ed25519"),
    "gm": CryptoSuite(name="gm", hash_name="sm3", signature_name="ed25519"),
}


def suite_get(name: str = "intl") -> CryptoSuite:
    """Return the suite called ``name``; raise KeyError for an unknown suite."""
    return SUITES[name]


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key with its key id (the first 16 hex chars of the public key's hash)."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_b64(cls, text: str) -> SigningKey:
        return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(text.strip())))

    def to_b64(self) -> str:
        raw = self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return base64.b64encode(raw).decode("ascii")

    @property
    def public(self) -> VerifyKey:
        return VerifyKey(self.private.public_key())

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


@dataclass(frozen=True)
class VerifyKey:
    """An Ed25519 public key."""

    public: Ed25519PublicKey

    @classmethod
    def from_b64(cls, text: str) -> VerifyKey:
        return cls(Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip())))

    def to_b64(self) -> str:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    @property
    def key_id(self) -> str:
        return suite_get("intl").hexdigest(base64.b64decode(self.to_b64()))[:16]

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Return True if ``signature`` is valid for ``data``; never raises for a bad signature."""
        try:
            self.public.verify(signature, data)
        except InvalidSignature:
            return False
        return True
