"""Reads for transparency: every platform's published audit tree heads, every tender's freeze
root, and the check of an audit entry's inclusion proof against the published heads.

Bid receipts are checked by ``selectors.inclusion_proof_check``; ``proof_check`` here takes
either kind of proof and sends it to the right check, for the page and the command alike.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from zhengwu.contexts.disclosure.models import BidFreeze, PublishedTreeHead
from zhengwu.contexts.disclosure.selectors import MAX_PATH, MAX_PROOF_CHARS, ProofCheck, inclusion_proof_check
from zhengwu.kernel.crypto import SUITES, VerifyKey, suite_get
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.paging import Page, page_take
from zhengwu.platform.audit.chain import instant_text, tree_head_payload
from zhengwu.platform.audit.merkle import merkle_inclusion_verify
from zhengwu.platform.audit.selectors import AUDIT_PROOF_FORMAT
from zhengwu.platform.audit.verification import leaf_bytes

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_PLATFORM = re.compile(r"^[a-z_]{1,40}$")


def tree_heads_latest() -> list[PublishedTreeHead]:
    """The latest published head of each platform that sent one, by platform name.

    One lookup per platform (a handful) on the (platform, tree size) index: a platform sends a
    head every ten minutes, so its history grows without end and is never read whole here.
    """
    platforms = PublishedTreeHead.objects.order_by("platform").values_list("platform", flat=True).distinct()
    heads = [PublishedTreeHead.objects.filter(platform=name).order_by("-tree_size").first() for name in platforms]
    return [head for head in heads if head is not None]


def freeze_roots_page(*, page: int = 1, size: int = 20) -> Page[BidFreeze]:
    """Every tender section's published bid-freeze root, latest deadline first."""
    if not 1 <= page <= 100_000 or not 1 <= size <= 100:
        raise InvalidInput("页码或每页条数无效", code="disclosure_page_invalid", detail={"page": page, "size": size})
    return page_take(BidFreeze.objects.order_by("-deadline", "section_code"), page=page, size=size)


def tree_head_signature_ok(head: PublishedTreeHead) -> bool:
    """Whether the stored head's signature verifies with the public key published with it."""
    try:
        key = VerifyKey.from_b64(head.public_key)
        signature = base64.b64decode(head.signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    payload = tree_head_payload(
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        created_at=head.created_at,
        suite=head.suite,
        key_id=head.key_id,
    )
    return instant_text(head.created_at) == head.created_text and key.verify(payload, signature)


@dataclass(frozen=True)
class AuditProofCheck:
    """The result of checking an audit entry's inclusion proof against a published head.

    ``problems`` (stable codes): ``not_included`` (the path does not lead to the published
    root), ``root_differs`` (the proof names another root than the one published for that
    size), ``signature_differs`` (the proof's head carries another signature than the published one).
    """

    platform: str
    position: int
    entry_hash: str
    head: PublishedTreeHead
    included: bool
    problems: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.problems


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="disclosure_proof_invalid", detail={"field": field})


def _positive(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _invalid(f"证明中的 {field} 应为正整数", field)
    return value


def audit_proof_check(*, proof: dict[str, Any]) -> AuditProofCheck:
    """Check the output of ``zhengwu audit prove`` against the head published here.

    Only the entry hash, its position and the path are taken from the proof; the root comes
    from the head this platform received from (and verified for) the platform named.
    ``InvalidInput`` for a malformed proof; ``NotFound`` when no head of that size is published.
    """
    platform = proof.get("platform")
    if not isinstance(platform, str) or not _PLATFORM.match(platform):
        raise _invalid("证明中的平台名称无效", "platform")
    position = _positive(proof.get("position"), "position")
    tree_size = _positive(proof.get("tree_size"), "tree_size")
    entry_hash = proof.get("entry_hash")
    if not isinstance(entry_hash, str) or not _HEX64.match(entry_hash):
        raise _invalid("证明中的记录哈希应为64位十六进制", "entry_hash")
    path = proof.get("path")
    if (
        not isinstance(path, list)
        or len(path) > MAX_PATH
        or not all(isinstance(p, str) and _HEX64.match(p) for p in path)
    ):
        raise _invalid("证明中的路径应为64位十六进制哈希的列表", "path")
    if position > tree_size:
        raise _invalid("记录位置超出树的大小", "position")
    head = PublishedTreeHead.objects.filter(platform=platform, tree_size=tree_size).first()
    if head is None:
        raise NotFound(
            "本平台没有公布该平台这一大小的审计树头",
            code="disclosure_tree_head_not_found",
            detail={"platform": platform, "tree_size": tree_size},
        )
    if head.suite not in SUITES:
        raise _invalid("树头的密码套件未知", "suite")
    included = merkle_inclusion_verify(
        leaf=leaf_bytes(entry_hash),
        index=position - 1,
        tree_size=head.tree_size,
        proof=[bytes.fromhex(p) for p in path],
        root=bytes.fromhex(head.root_hash),
        suite=suite_get(head.suite),
    )
    claimed_root = proof.get("root")
    claimed_head = proof.get("tree_head") if isinstance(proof.get("tree_head"), dict) else {}
    claimed_signature = claimed_head.get("signature") if isinstance(claimed_head, dict) else None
    problems = [
        *([] if included else ["not_included"]),
        *([] if claimed_root in (None, "", head.root_hash) else ["root_differs"]),
        *([] if claimed_signature in (None, "", head.signature) else ["signature_differs"]),
    ]
    return AuditProofCheck(
        platform=platform,
        position=position,
        entry_hash=entry_hash,
        head=head,
        included=included,
        problems=tuple(problems),
    )


def proof_check(*, proof: str) -> ProofCheck | AuditProofCheck:
    """Check a pasted proof of either kind: an audit entry's (``zhengwu audit prove``) or a bid
    receipt's (the trading platform's receipt proof)."""
    if len(proof) > MAX_PROOF_CHARS:
        raise _invalid(f"证明不能超过{MAX_PROOF_CHARS}个字符", "proof")
    try:
        parsed = json.loads(proof)
    except json.JSONDecodeError:
        raise _invalid("证明不是有效的 JSON", "proof") from None
    if isinstance(parsed, dict) and parsed.get("format") == AUDIT_PROOF_FORMAT:
        return audit_proof_check(proof=parsed)
    return inclusion_proof_check(proof=parsed if isinstance(parsed, dict) else proof)
