"""The expert's 公民身份号码 at rest: sealed, digested for duplicates, masked for people.

Sealing follows identity's TOTP secrets (``identity.totp``): AES-256-GCM under a key derived by
HKDF-SHA256 from the deployment's SECRET_KEY, the expert's uuid as associated data, so a copied
column or a ciphertext moved to another expert is useless; SECRET_KEY_FALLBACKS keep old seals
readable after a rotation.

Duplicates are found by an HMAC-SHA256 of the number under a second derived key. A plain hash
would not do: an identity number has so little entropy (a region, a birth date, a sequence)
that every hash could be reversed by enumeration. Rotating SECRET_KEY changes the digests; the
pool's digests must then be recomputed from the seals before new imports check duplicates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid as uuid_lib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from zhengwu.kernel.errors import IntegrityViolation

_SEAL_VERSION = "v1"
_HKDF_SALT = b"zhengwu.experts.id_card"
_SEAL_INFO = b"id-card-aes256gcm-v1"
_DIGEST_INFO = b"id-card-hmac-sha256-v1"


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=info).derive(secret_key.encode("utf-8"))


def _aad(expert_uuid: uuid_lib.UUID) -> bytes:
    return f"experts.expert:{expert_uuid}".encode("ascii")


def id_card_digest(number: str) -> str:
    """The keyed digest of a normalised number (hex), equal for equal numbers."""
    key = _derive(settings.SECRET_KEY, _DIGEST_INFO)
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()


def id_card_seal(*, expert_uuid: uuid_lib.UUID, number: str) -> str:
    """Encrypt a normalised number for storage on the expert ``expert_uuid``."""
    nonce = os.urandom(12)
    sealed = AESGCM(_derive(settings.SECRET_KEY, _SEAL_INFO)).encrypt(nonce, number.encode("ascii"), _aad(expert_uuid))
    return f"{_SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def id_card_open(*, expert_uuid: uuid_lib.UUID, sealed: str) -> str:
    """Decrypt a sealed number; IntegrityViolation if it was altered or moved to another expert.

    For the upward push of dataset 212 only: no page and no API shows the whole number.
    """
    version, _, body = sealed.partition(":")
    if version != _SEAL_VERSION or not body:
        raise IntegrityViolation("身份证号码密文格式无效", code="id_card_seal_corrupt")
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise IntegrityViolation("身份证号码密文格式无效", code="id_card_seal_corrupt") from exc
    nonce, ciphertext = raw[:12], raw[12:]
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return AESGCM(_derive(secret_key, _SEAL_INFO)).decrypt(nonce, ciphertext, _aad(expert_uuid)).decode("ascii")
        except InvalidTag:
            continue
    raise IntegrityViolation("身份证号码无法解密（可能被篡改或密钥已更换）", code="id_card_seal_corrupt")


_SEED_INFO = b"draw-seed-aes256gcm-v1"


def draw_seed_seal(*, draw_uuid: uuid_lib.UUID, seed: bytes) -> str:
    """Encrypt a draw's seed for the time between its commitment and the draw, bound to the draw."""
    nonce = os.urandom(12)
    aad = f"experts.draw:{draw_uuid}".encode("ascii")
    sealed = AESGCM(_derive(settings.SECRET_KEY, _SEED_INFO)).encrypt(nonce, seed, aad)
    return f"{_SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def draw_seed_open(*, draw_uuid: uuid_lib.UUID, sealed: str) -> bytes:
    """Decrypt a draw's sealed seed; IntegrityViolation if it was altered or moved to another draw."""
    version, _, text = sealed.partition(":")
    try:
        raw = base64.b64decode(text, validate=True)
        if version != _SEAL_VERSION or len(raw) < 28:
            raise ValueError(version)
        aad = f"experts.draw:{draw_uuid}".encode("ascii")
        return AESGCM(_derive(settings.SECRET_KEY, _SEED_INFO)).decrypt(raw[:12], raw[12:], aad)
    except (ValueError, InvalidTag):
        raise IntegrityViolation("抽取种子已被篡改或不属于本次抽取", code="draw_seed_tampered") from None
