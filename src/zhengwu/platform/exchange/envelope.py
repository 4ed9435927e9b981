"""The envelope: what crosses from one deployable to another, and how it is signed.

The signed bytes are the canonical JSON (``kernel.canonical``) of the envelope's nine fields,
so the signature does not depend on how a transport spaced or ordered the JSON. The receiver
parses the body, rebuilds the canonical bytes and verifies them against the sender's key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import SigningKey, VerifyKey

# The HTTP headers that carry what is not in the body.
HEADER_SOURCE = "X-Zhengwu-Source"
HEADER_SIGNATURE = "X-Zhengwu-Signature"
HEADER_KEY_ID = "X-Zhengwu-Key-Id"

# A message is a fact about one aggregate, not a file transfer.
MAX_BODY_BYTES = 1024 * 1024

_FIELDS = (
    "id",
    "source",
    "destination",
    "event_type",
    "aggregate_type",
    "aggregate_id",
    "sequence",
    "occurred_at",
    "payload",
)
_TEXT_FIELDS = ("id", "source", "destination", "event_type", "aggregate_type", "aggregate_id", "occurred_at")
_MAX_TEXT = {"source": 40, "destination": 40, "event_type": 100, "aggregate_type": 100, "aggregate_id": 200}


class EnvelopeInvalid(ValueError):
    """The body is not a well-formed envelope; ``reason`` says which rule it broke."""


@dataclass(frozen=True)
class Envelope:
    """One message from ``source`` to ``destination``: the ``sequence``-th of its stream."""

    id: str
    source: str
    destination: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    sequence: int
    occurred_at: str
    payload: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def canonical(self) -> bytes:
        """The bytes that are signed and sent."""
        return canonical_dumps(self.as_dict())

    def sign(self, key: SigningKey) -> str:
        """Return the base64 Ed25519 signature of the canonical bytes."""
        return base64.b64encode(key.sign(self.canonical())).decode("ascii")

    def verify(self, key: VerifyKey, signature_b64: str) -> bool:
        """True if ``signature_b64`` is ``key``'s signature of this envelope; never raises."""
        try:
            signature = base64.b64decode(signature_b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        if len(signature) != 64:
            return False
        return key.verify(self.canonical(), signature)

    @property
    def occurred_at_datetime(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.occurred_at)

    @classmethod
    def from_json(cls, body: bytes) -> Envelope:
        """Parse and check a received body; raise ``EnvelopeInvalid`` naming the broken rule."""
        if len(body) > MAX_BODY_BYTES:
            raise EnvelopeInvalid(f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EnvelopeInvalid(f"body is not UTF-8 JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise EnvelopeInvalid("body is not a JSON object")
        keys = set(data)
        if keys != set(_FIELDS):
            missing = sorted(set(_FIELDS) - keys)
            extra = sorted(keys - set(_FIELDS))
            raise EnvelopeInvalid(f"envelope fields wrong: missing {missing}, unexpected {extra}")
        for name in _TEXT_FIELDS:
            value = data[name]
            if not isinstance(value, str) or not value:
                raise EnvelopeInvalid(f"{name} must be a non-empty string")
            if name in _MAX_TEXT and len(value) > _MAX_TEXT[name]:
                raise EnvelopeInvalid(f"{name} longer than {_MAX_TEXT[name]} characters")
        sequence = data["sequence"]
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
            raise EnvelopeInvalid("sequence must be a positive integer")
        if not isinstance(data["payload"], dict):
            raise EnvelopeInvalid("payload must be a JSON object")
        try:
            uuid.UUID(data["id"])
        except ValueError as exc:
            raise EnvelopeInvalid("id must be a UUID") from exc
        try:
            occurred = dt.datetime.fromisoformat(data["occurred_at"])
        except ValueError as exc:
            raise EnvelopeInvalid("occurred_at must be an ISO 8601 instant") from exc
        if occurred.tzinfo is None:
            raise EnvelopeInvalid("occurred_at must carry a time zone")
        envelope = cls(**{name: data[name] for name in _FIELDS})
        try:
            # Floats have no canonical form; an envelope that cannot be canonicalised cannot be verified.
            envelope.canonical()
        except TypeError as exc:
            raise EnvelopeInvalid(str(exc)) from exc
        return envelope
