"""The byte forms that are hashed and signed: an entry of the chain and a tree head.

Pure functions, no ORM: an outside verifier (or a future tool that checks an exported log)
needs exactly these rules and nothing else. Changing a form breaks every stored hash, so each
form carries a version and a new form must get a new version, never an edit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import CryptoSuite

# The "previous hash" of the first entry. Both suites' digests are 32 bytes (64 hex digits).
GENESIS_HASH = "0" * 64
ENTRY_FORMAT = "zhengwu.audit.entry/1"
TREE_HEAD_FORMAT = "zhengwu.audit.tree_head/1"


def instant_text(value: dt.datetime) -> str:
    """The one text form of an instant inside hashed data: UTC, microseconds, ``+00:00``."""
    if value.tzinfo is None:
        raise ValueError("audit instants must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def json_summary_normalize(value: dict[str, Any] | None, *, name: str) -> dict[str, Any] | None:
    """Return ``value`` as it will read back from the database, or raise if it is not JSON-safe.

    Hashing the normalised form (tuples become lists, keys become strings) guarantees that the
    stored summary hashes to the same bytes when the verifier reads it back.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"audit {name} must be a dict or None, not {type(value).__name__}")
    try:
        text = canonical_dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"audit {name} is not JSON-safe (use str, int, bool, None, lists, dicts): {exc}") from exc
    normalised: dict[str, Any] = json.loads(text)
    return normalised


@dataclass(frozen=True)
class EntryContent:
    """Every field of an audit entry that its hash covers (all of them but the hash itself)."""

    position: int
    prev_hash: str
    suite: str
    created_at: dt.datetime
    actor_user_id: int | None
    actor_username: str
    actor_display_name: str
    actor_roles: tuple[str, ...]
    organisation_id: int | None
    organisation_name: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def canonical(self) -> bytes:
        """The canonical JSON bytes that are hashed."""
        return canonical_dumps(
            {
                "format": ENTRY_FORMAT,
                "position": self.position,
                "prev_hash": self.prev_hash,
                "suite": self.suite,
                "created_at": instant_text(self.created_at),
                "actor": {
                    "user_id": self.actor_user_id,
                    "username": self.actor_username,
                    "display_name": self.actor_display_name,
                    "roles": list(self.actor_roles),
                    "organisation_id": self.organisation_id,
                    "organisation_name": self.organisation_name,
                    "ip": self.ip,
                },
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "before": self.before,
                "after": self.after,
            }
        )

    def hash_hex(self, suite: CryptoSuite) -> str:
        """The entry's hash under ``suite`` (which must be the suite named in the entry)."""
        if suite.name != self.suite:
            raise ValueError(f"entry names suite {self.suite!r} but {suite.name!r} was given")
        return suite.hexdigest(self.canonical())


def tree_head_payload(*, tree_size: int, root_hash: str, created_at: dt.datetime, suite: str, key_id: str) -> bytes:
    """The canonical JSON bytes a tree head's Ed25519 signature covers."""
    return canonical_dumps(
        {
            "format": TREE_HEAD_FORMAT,
            "tree_size": tree_size,
            "root_hash": root_hash,
            "created_at": instant_text(created_at),
            "suite": suite,
            "key_id": key_id,
        }
    )
