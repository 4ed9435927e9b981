"""This deployable's signing key, its custody key and the public keys of its peers.

The key signs exchange messages and audit tree heads. In production it comes from
``ZHENGWU_SIGNING_KEY`` (base64 of the raw Ed25519 private key); on the embedded default it is
generated on first use and kept in ``VAR_DIR/keys/<deployable>.ed25519`` (mode 0600).

Peers come from ``ZHENGWU_PEERS``: ``name=url|public_key_b64`` separated by commas, e.g.
``public=http://10.0.0.5:8000/|MCowBQ...``. The standalone deployable needs none: it verifies
its own messages with its own public key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from zhengwu.kernel.crypto import AgreementKey, SigningKey, VerifyKey, key_file_create


@dataclass(frozen=True)
class Peer:
    name: str
    url: str
    key: VerifyKey


def _key_path() -> Path:
    return Path(settings.VAR_DIR) / "keys" / f"{settings.ZHENGWU_PLATFORM}.ed25519"


@lru_cache(maxsize=1)
def signing_key_get() -> SigningKey:
    """Return this deployable's signing key, creating it on the embedded default."""
    configured = settings.ZHENGWU_SIGNING_KEY
    if configured:
        return SigningKey.from_b64(configured)
    path = _key_path()
    if path.exists():
        return SigningKey.from_b64(path.read_text())
    key = SigningKey.generate()
    key_file_create(path, key.to_b64())
    return key


@lru_cache(maxsize=1)
def agreement_key_get() -> AgreementKey:
    """This deployable's X25519 custody key: the supervision platform's share of every opening key is sealed to it.

    From ``ZHENGWU_AGREEMENT_KEY`` (base64 of the raw private key) in production; on the
    embedded default generated on first use in ``VAR_DIR/keys/<deployable>.x25519`` (mode 0600).
    """
    configured = getattr(settings, "ZHENGWU_AGREEMENT_KEY", "")
    if configured:
        return AgreementKey.from_raw(base64.b64decode(configured))
    path = Path(settings.VAR_DIR) / "keys" / f"{settings.ZHENGWU_PLATFORM}.x25519"
    if path.exists():
        return AgreementKey.from_raw(base64.b64decode(path.read_text()))
    key = AgreementKey.generate()
    key_file_create(path, base64.b64encode(key.raw()).decode("ascii"))
    return key


def peers_get() -> dict[str, Peer]:
    """Return the configured peers by platform name."""
    peers: dict[str, Peer] = {}
    for item in settings.ZHENGWU_PEERS.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, rest = item.partition("=")
        url, _, key = rest.partition("|")
        peers[name.strip()] = Peer(name=name.strip(), url=url.strip().rstrip("/") + "/", key=VerifyKey.from_b64(key))
    return peers
