"""Crypto suites: the only place primitives are chosen.

Everything else asks a suite to hash, sign or verify, so that a 国密 suite can be selected by
configuration. Primitives come from ``cryptography`` (OpenSSL); nothing here is home-made and
all randomness comes from the operating system.

Suites:
- ``intl``: SHA-256, Ed25519, AES-256-GCM, X25519 key agreement.
- ``gm``: SM3 for hashing and SM4-GCM for encryption. ``cryptography`` has no SM2, so signatures
  stay Ed25519 and key agreement X25519 until an audited SM2 implementation is available (a
  pure-Python SM2 with a weak RNG is not acceptable).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TAG_SIZE = 16
NONCE_SIZE = 12


class DecryptionFailed(Exception):
    """Authenticated decryption failed: wrong key, or the data or its context was altered."""


class Aead(Protocol):
    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes: ...

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes: ...


class _AesGcm:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return self._aead.encrypt(nonce, data, aad)

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        try:
            return self._aead.decrypt(nonce, data, aad)
        except InvalidTag:
            raise DecryptionFailed("authentication failed") from None


class _Sm4Gcm:
    """SM4 in GCM mode (GB/T 32907, RFC 8998) through OpenSSL's cipher interface."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(data) + encryptor.finalize()
        return body + encryptor.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if len(data) < TAG_SIZE:
            raise DecryptionFailed("ciphertext shorter than its tag")
        body, tag = data[:-TAG_SIZE], bytes(data[-TAG_SIZE:])  # data may be any buffer; the tag must be bytes
        decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise DecryptionFailed("authentication failed") from None


@dataclass(frozen=True)
class CryptoSuite:
    """A named choice of hash and signature algorithms."""

    name: str
    hash_name: str
    signature_name: str
    cipher_name: str = "aes-256-gcm"

    def _hash_algorithm(self) -> hashes.HashAlgorithm:
        return hashes.SM3() if self.hash_name == "sm3" else hashes.SHA256()

    def digest(self, data: bytes) -> bytes:
        h = hashes.Hash(self._hash_algorithm())
        h.update(data)
        return h.finalize()

    def hexdigest(self, data: bytes) -> str:
        return self.digest(data).hex()

    def hasher(self) -> hashes.Hash:
        """An incremental hash of this suite, for data too large to hold at once."""
        return hashes.Hash(self._hash_algorithm())

    @property
    def cipher_key_size(self) -> int:
        """Bytes in a data key: 32 for AES-256, 16 for SM4 (a 128-bit cipher)."""
        return 16 if self.cipher_name == "sm4-gcm" else 32

    def aead(self, key: bytes) -> Aead:
        """The suite's authenticated cipher under ``key`` (12-byte nonces, 16-byte tags)."""
        if len(key) != self.cipher_key_size:
            raise ValueError(f"{self.cipher_name} needs a {self.cipher_key_size}-byte key")
        return _Sm4Gcm(key) if self.cipher_name == "sm4-gcm" else _AesGcm(key)

    def key_wrap(self, *, recipient: bytes, secret: bytes, context: bytes) -> bytes:
        """Encrypt ``secret`` to the holder of the X25519 private key whose public key is ``recipient``.

        ECIES: a fresh ephemeral key, X25519 agreement, HKDF over the suite's hash with ``context``
        (which binds the wrap to its use, so it cannot be moved elsewhere), then the suite's AEAD.
        Returns ephemeral public key (32 bytes) ‖ ciphertext with tag.
        """
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = ephemeral.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
        key = self._wrap_key(shared, ephemeral_public + recipient, context)
        return ephemeral_public + self.aead(key).encrypt(bytes(NONCE_SIZE), secret, context)

    def key_unwrap(self, *, private: bytes, blob: bytes, context: bytes) -> bytes:
        """The secret of ``key_wrap``; raises DecryptionFailed for a wrong key, blob or context."""
        if len(blob) < 32 + TAG_SIZE:
            raise DecryptionFailed("wrapped key too short")
        own = X25519PrivateKey.from_private_bytes(private)
        recipient = own.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        ephemeral_public, body = blob[:32], blob[32:]
        try:
            shared = own.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        except ValueError:
            raise DecryptionFailed("invalid ephemeral key") from None
        key = self._wrap_key(shared, ephemeral_public + recipient, context)
        # The nonce may be fixed: every wrap key is fresh (a new ephemeral key each time).
        return self.aead(key).decrypt(bytes(NONCE_SIZE), body, context)

    def _wrap_key(self, shared: bytes, salt: bytes, context: bytes) -> bytes:
        kdf = HKDF(algorithm=self._hash_algorithm(), length=self.cipher_key_size, salt=salt, info=context)
        return kdf.derive(shared)


SUITES = {
    "intl": CryptoSuite(name="intl", hash_name="sha256", signature_name="ed25519", cipher_name="aes-256-gcm"),
    "gm": CryptoSuite(name="gm", hash_name="sm3", signature_name="ed25519", cipher_name="sm4-gcm"),
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


@dataclass(frozen=True)
class AgreementKey:
    """An X25519 key pair for receiving wrapped keys (an opening key, a bidder's decryption key)."""

    private: X25519PrivateKey

    @classmethod
    def generate(cls) -> AgreementKey:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> AgreementKey:
        return cls(X25519PrivateKey.from_private_bytes(raw))

    def raw(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public_raw: bytes) -> str:
    """The SHA-256 of a raw public key, in hex: what a notice publishes beside the key."""
    return suite_get("intl").hexdigest(public_raw)


def key_file_create(path: Path, text: str) -> None:
    """Write a new private key file, mode 0600 from the start (never readable by others, not even
    for an instant); refuses to overwrite an existing file (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
