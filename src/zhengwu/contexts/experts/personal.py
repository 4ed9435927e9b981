"""The expert's 公民身份号码 at rest: sealed, digested for duplicates, masked for people.

Sealed and digested by ``kernel.sealing`` under this context's own salt, the expert's uuid as
associated data, so a copied column or a ciphertext moved to another expert is useless;
SECRET_KEY_FALLBACKS keep old seals readable after a rotation. Rotating SECRET_KEY changes the
digests; the pool's digests must then be recomputed from the seals before new imports check
duplicates.
"""

from __future__ import annotations

import base64
import os
import uuid as uuid_lib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from zhengwu.kernel.errors import IntegrityViolation
from zhengwu.kernel.sealing import SEAL_VERSION as _SEAL_VERSION
from zhengwu.kernel.sealing import Sealer

_HKDF_SALT = b"zhengwu.experts.id_card"
_ID_CARD = Sealer(salt=_HKDF_SALT)


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=info).derive(secret_key.encode("utf-8"))


def _aad(expert_uuid: uuid_lib.UUID) -> bytes:
    return f"experts.expert:{expert_uuid}".encode("ascii")


def id_card_digest(number: str) -> str:
    """The keyed digest of a normalised number (hex), equal for equal numbers."""
    return _ID_CARD.digest(secret_key=settings.SECRET_KEY, value=number)


def id_card_seal(*, expert_uuid: uuid_lib.UUID, number: str) -> str:
    """Encrypt a normalised number for storage on the expert ``expert_uuid``."""
    return _ID_CARD.seal(secret_key=settings.SECRET_KEY, aad=_aad(expert_uuid), value=number)


def id_card_open(*, expert_uuid: uuid_lib.UUID, sealed: str) -> str:
    """Decrypt a sealed number; IntegrityViolation if it was altered or moved to another expert.

    For the upward push of dataset 212 only: no page and no API shows the whole number.
    """
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return _ID_CARD.open(secret_keys=keys, aad=_aad(expert_uuid), sealed=sealed)


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
