"""Personal data at rest: sealed for storage, digested for finding the same person again.

AES-256-GCM under a key derived by HKDF-SHA256 from the deployment's secret key, with the owning
record's identity as associated data, so a copied column or a ciphertext moved to another record
is useless; older secret keys (after a rotation) still open old seals. Equal values are found by
an HMAC-SHA256 under a second derived key — a plain hash would not do: an identity number has so
little entropy (a region, a birth date, a sequence) that every hash could be reversed by
enumeration. Each use has its own salt, so a seal or digest of one context means nothing to another.

Plain functions over the keys the caller passes (the kernel knows nothing of Django's settings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from zhengwu.kernel.errors import IntegrityViolation

SEAL_VERSION = "v1"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealer:
    """Seals and digests of one kind of personal value, under its own ``salt``.

    ``what`` names the value in the error a corrupt seal raises (身份证号码 …); ``error_code`` is
    that error's stable code.
    """

    salt: bytes
    seal_info: bytes = b"id-card-aes256gcm-v1"
    digest_info: bytes = b"id-card-hmac-sha256-v1"
    what: str = "身份证号码"
    error_code: str = "id_card_seal_corrupt"

    def _key(self, secret_key: str, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=self.salt, info=info).derive(secret_key.encode("utf-8"))

    def digest(self, *, secret_key: str, value: str) -> str:
        """The keyed digest of a normalised value (hex), equal for equal values."""
        return hmac.new(self._key(secret_key, self.digest_info), value.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, *, secret_key: str, aad: bytes, value: str) -> str:
        """Encrypt ``value`` for storage on the record that ``aad`` names."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self._key(secret_key, self.seal_info)).encrypt(nonce, value.encode("utf-8"), aad)
        return f"{SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, *, secret_keys: Iterable[str], aad: bytes, sealed: str) -> str:
        """Decrypt a seal; IntegrityViolation if it was altered, moved to another record or no key opens it."""
        version, _, body = sealed.partition(":")
        if version != SEAL_VERSION or not body:
            raise IntegrityViolation(f"{self.what}密文格式无效", code=self.error_code)
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise IntegrityViolation(f"{self.what}密文格式无效", code=self.error_code) from exc
        nonce, ciphertext = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        for secret_key in secret_keys:
            try:
                return AESGCM(self._key(secret_key, self.seal_info)).decrypt(nonce, ciphertext, aad).decode("utf-8")
            except InvalidTag:
                continue
        raise IntegrityViolation(f"{self.what}无法解密（可能被篡改或密钥已更换）", code=self.error_code)
