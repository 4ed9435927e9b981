"""Events the bidding context publishes to other deployables.

Only what is public by law travels: the freeze root at the deadline (so anyone can check that
the set of bids did not change) and the signed opening record. Never a bid's content before the
opening, never who has bid before the deadline.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from zhengwu.kernel.crypto import VerifyKey
from zhengwu.kernel.money import money_format
from zhengwu.platform.exchange.events import ExchangeEvent

FREEZE_TYPE = "zhengwu.bid.freeze"
RECORD_TYPE = "zhengwu.opening.record"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _signed_json(*, body: str, signature: str, key_id: str, key: VerifyKey | None, what: str) -> dict[str, Any]:
    """``body`` parsed, once ``signature`` is ``key``'s over it; ValueError otherwise (a refused message)."""
    if key is None:
        raise ValueError(f"{what}: no public key for the sender")
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if key_id != key.key_id or not key.verify(body.encode("utf-8"), raw):
        raise ValueError(f"{what}: signature does not verify with the sender's key ({key.key_id})")
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what}: the signed statement is not JSON") from exc
    if not isinstance(parsed, dict):
        raise ValueError(f"{what}: the signed statement is not a JSON object")
    return parsed


@dataclasses.dataclass(frozen=True)
class BidsFrozen(ExchangeEvent):
    """The accepted bids of a section were frozen at its deadline into a signed Merkle root."""

    event_type: ClassVar[str] = "bidding.bids.frozen"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    deadline: str  # ISO 8601
    frozen_at: str
    leaf_count: int
    root: str  # hex
    body: str  # the signed statement, canonical JSON
    signature: str  # base64 Ed25519 by the trading platform
    key_id: str

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    def statement_verified(self, *, key: VerifyKey | None) -> dict[str, Any]:
        """The signed freeze statement, once ``key`` (the sender's) verifies it and it says what the event says.

        The receivers keep the event's fields: they must be the ones signed, or a valid signature
        over one statement would vouch for another root. ValueError otherwise.
        """
        what = f"{self.event_type} {self.section_code}"
        statement = _signed_json(body=self.body, signature=self.signature, key_id=self.key_id, key=key, what=what)
        claimed = {
            "type": FREEZE_TYPE,
            "section": self.section_code,
            "deadline": self.deadline,
            "frozen_at": self.frozen_at,
            "leaf_count": self.leaf_count,
            "root": self.root,
        }
        differing = sorted(name for name, value in claimed.items() if statement.get(name) != value)
        if differing:
            raise ValueError(f"{what}: {', '.join(differing)} differ from the signed statement")
        if not _HEX64.match(self.root) or isinstance(self.leaf_count, bool) or self.leaf_count < 0:
            raise ValueError(f"{what}: root or leaf count malformed")
        return statement


@dataclasses.dataclass(frozen=True)
class OpeningRecorded(ExchangeEvent):
    """The opening record (开标记录) of a section was signed and published."""

    event_type: ClassVar[str] = "bidding.opening.recorded"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    project_code: str
    record: str  # canonical JSON, exactly as signed
    signature: str
    key_id: str

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    def record_verified(self, *, key: VerifyKey | None) -> dict[str, Any]:
        """The signed record, once ``key`` (the sender's) verifies it and it is this section's, well formed.

        Its ``round`` (1, or 2 for a two-envelope tender's commercial opening) is checked too.
        ValueError otherwise.
        """
        what = f"{self.event_type} {self.section_code}"
        record = _signed_json(body=self.record, signature=self.signature, key_id=self.key_id, key=key, what=what)
        if record.get("type") != RECORD_TYPE or record.get("section") != self.section_code:
            raise ValueError(f"{what}: the signed record is not this section's opening record")
        bids, objections = record.get("bids"), record.get("objections")
        if not isinstance(bids, list) or not all(isinstance(b, dict) for b in bids) or not isinstance(objections, list):
            raise ValueError(f"{what}: the record's bids or objections are malformed")
        opening_round = record.setdefault("round", 1)
        if isinstance(opening_round, bool) or not isinstance(opening_round, int) or opening_round < 1:
            raise ValueError(f"{what}: the record's round is malformed")
        return record


@dataclasses.dataclass(frozen=True)
class CustodyShareIssued(ExchangeEvent):
    """The supervision platform's share of a section's opening key, sealed to the supervision custody key.

    Only the supervision deployable can decrypt it, and it releases it only after the bids of
    the section are frozen.
    """

    event_type: ClassVar[str] = "bidding.custody_share.issued"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    envelope: str
    opening_fingerprint: str
    custodian_fingerprint: str
    blob: str  # base64 of the sealed share

    @property
    def aggregate_id(self) -> str:
        return self.section_code


# The read-out fields a record's table shows in columns; the rest are listed as "other".
READOUT_COLUMNS = ("price_fen", "duration_days", "quality", "key_personnel")


def _readout_text(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return "" if value is None else str(value)


def _instant_or_none(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def opening_record_rows(
    record: Mapping[str, Any],
    *,
    outcome_labels: Mapping[str, Any],
    cause_labels: Mapping[str, Any],
    other_labels: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A received opening record as a page shows it: bids in opening order with their read-out,
    objections with replies, and the times of the ceremony (the receiving platform's labels)."""
    bids = []
    for bid in sorted(record.get("bids", []), key=lambda b: b.get("position", 0)):
        readout = bid.get("readout") if isinstance(bid.get("readout"), dict) else None
        price = readout.get("price_fen") if readout else None
        cause = bid.get("failure_cause") or ""
        bids.append(
            {
                "position": int(bid.get("position", 0)) + 1,
                "bidder": bid.get("bidder", ""),
                "bidder_uscc": bid.get("bidder_uscc", ""),
                "envelope": bid.get("envelope", ""),
                "digest": bid.get("digest", ""),
                "outcome": bid.get("outcome", ""),
                "outcome_label": outcome_labels.get(bid.get("outcome", ""), bid.get("outcome", "")),
                "cause": cause,
                "cause_label": cause_labels.get(cause, cause),
                "read_out": readout is not None,
                "price": money_format(price) if isinstance(price, int) and not isinstance(price, bool) else "",
                "duration": _readout_text(readout.get("duration_days")) if readout else "",
                "quality": _readout_text(readout.get("quality")) if readout else "",
                "personnel": _readout_text(readout.get("key_personnel")) if readout else "",
                "other": [
                    ((other_labels or {}).get(key, key), _readout_text(value))
                    for key, value in sorted((readout or {}).items())
                    if key not in READOUT_COLUMNS
                ],
            }
        )
    return {
        "bids": bids,
        "objections": [
            {
                "bidder": o.get("bidder", ""),
                "text": o.get("text", ""),
                "reply": o.get("reply", ""),
                "filed_at": _instant_or_none(o.get("filed_at")),
            }
            for o in record.get("objections", [])
            if isinstance(o, dict)
        ],
        "started_at": _instant_or_none(record.get("started_at")),
        "readout_at": _instant_or_none(record.get("readout_at")),
        "host": record.get("host", ""),
        "envelopes": [str(e) for e in record.get("envelopes", []) if isinstance(e, str)],
    }
