"""Verifying the audit log: every entry, every link, the chain head, every signed tree head.

``audit_verify`` reads the whole log once, in position order, and reports every problem it
finds, ranked so that the first is the earliest entry known to be bad.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from zhengwu.kernel.crypto import VerifyKey, suite_get
from zhengwu.platform.audit.chain import GENESIS_HASH, tree_head_payload
from zhengwu.platform.audit.merkle import MerkleAccumulator
from zhengwu.platform.audit.models import AuditChainHead, AuditEntry, AuditTreeHead
from zhengwu.platform.signing import signing_key_get

# How many entries the verifier reads per round trip, and reports progress for.
VERIFY_CHUNK = 1000


def leaf_bytes(entry_hash: str) -> bytes:
    """The Merkle leaf data of an entry: the raw bytes of its hash."""
    try:
        return bytes.fromhex(entry_hash)
    except ValueError:
        # A tampered, non-hex hash still has to become some leaf; the root then cannot match.
        return entry_hash.encode("utf-8", "replace")


def entry_hash_recomputed(entry: AuditEntry) -> str | None:
    """The hash the entry's stored fields give, or None if they cannot be hashed at all."""
    try:
        return entry.content().hash_hex(suite_get(entry.suite))
    except (KeyError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class AuditVerification:
    """The outcome of ``audit_verify``.

    ``first_bad_position`` is the lowest chain position found wrong (None when the log is
    intact, or when only a tree head itself is bad: then ``bad_tree_size`` names it).
    ``reason`` is one line in Chinese, then `` — `` and the same in English.
    """

    ok: bool
    entries_checked: int
    heads_checked: int
    first_bad_position: int | None
    reason: str
    first_bad_action: str | None = None
    bad_tree_size: int | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Problem:
    position: int | None
    action: str | None
    zh: str
    en: str
    tree_size: int | None = None
    # Set when only a range is known (position..range_end): a signed root that no longer matches.
    range_end: int | None = None

    @property
    def text(self) -> str:
        return f"{self.zh} — {self.en}"


def _trusted_keys() -> dict[str, VerifyKey]:
    """This deployable's key, plus retired keys listed in ``ZHENGWU_AUDIT_PAST_KEYS`` (base64)."""
    keys = [signing_key_get().public]
    for text in getattr(settings, "ZHENGWU_AUDIT_PAST_KEYS", "").split(","):
        if text.strip():
            keys.append(VerifyKey.from_b64(text))
    return {key.key_id: key for key in keys}


def _tree_head_signature_problem(tree_head: AuditTreeHead, trusted: dict[str, VerifyKey]) -> _Problem | None:
    size = tree_head.tree_size

    def problem(zh: str, en: str) -> _Problem:
        return _Problem(None, None, f"{size} 条的树头{zh}", f"tree head of size {size}: {en}", tree_size=size)

    key = trusted.get(tree_head.key_id)
    if key is None:
        return problem(
            f"由未知密钥 {tree_head.key_id} 签署（伪造）", f"signed by unknown key {tree_head.key_id} (forged)"
        )
    if tree_head.public_key != key.to_b64():
        return problem("公布的公钥与密钥编号不符（伪造）", "published public key does not match its key id (forged)")
    try:
        signature = base64.b64decode(tree_head.signature, validate=True)
        payload = tree_head_payload(
            tree_size=tree_head.tree_size,
            root_hash=tree_head.root_hash,
            created_at=tree_head.created_at,
            suite=tree_head.suite,
            key_id=tree_head.key_id,
        )
    except (binascii.Error, ValueError):
        signature, payload = b"", b""
    if not signature or not key.verify(payload, signature):
        return problem("签名无效（树头被伪造或篡改）", "signature invalid (forged or altered tree head)")
    if tree_head.suite not in {"intl", "gm"}:
        return problem(f"使用未知算法套件 {tree_head.suite}", f"unknown crypto suite {tree_head.suite}")
    return None


def audit_verify(*, progress: Callable[[int], None] | None = None) -> AuditVerification:
    """Check the whole log: every entry's hash, every link, the chain head, every tree head.

    Finds any entry that was edited, deleted, inserted or reordered, a tail cut off (through
    the chain head and the signed tree heads), and any tree head not signed by a trusted key.
    ``progress`` is called with the number of entries checked since its previous call.
    Safe to run while entries are being appended.
    """
    problems: list[_Problem] = []
    trusted = _trusted_keys()
    # Tree heads first: every entry they cover is already committed when the entries are read.
    tree_heads = list(AuditTreeHead.objects.order_by("tree_size"))
    # Only heads with a trusted signature are commitments to judge the entries by; a forged
    # head is reported as such and nothing else is concluded from it.
    pending: list[AuditTreeHead] = []
    for tree_head in tree_heads:
        signature_problem = _tree_head_signature_problem(tree_head, trusted)
        if signature_problem is not None:
            problems.append(signature_problem)
        else:
            pending.append(tree_head)
    accumulators = {name: MerkleAccumulator(suite=suite_get(name)) for name in {th.suite for th in pending}}
    previous_head_size = 0

    expected_position = 1
    previous_hash = GENESIS_HASH
    previous_action: str | None = None
    previous_intact = True
    checked = 0
    unreported = 0
    entries = AuditEntry.objects.order_by("position").iterator(chunk_size=VERIFY_CHUNK)
    for entry in entries:
        position = entry.position
        gap = position != expected_position
        if position > expected_position:
            last_missing = position - 1
            span = (
                f"{expected_position}" if last_missing == expected_position else f"{expected_position}–{last_missing}"
            )
            problems.append(
                _Problem(
                    expected_position,
                    None,
                    f"第 {span} 条记录缺失（被删除）",
                    f"entry {span} missing (deleted)",
                )
            )
        elif position < expected_position:
            problems.append(
                _Problem(
                    position,
                    entry.action,
                    f"第 {position} 条记录的编号不合法（应为 {expected_position}）",
                    f"entry at position {position} ({entry.action}) is out of sequence (expected {expected_position})",
                )
            )
        recomputed = entry_hash_recomputed(entry)
        intact = recomputed is not None and recomputed == entry.entry_hash
        if not intact:
            problems.append(
                _Problem(
                    position,
                    entry.action,
                    f"第 {position} 条记录（{entry.action}）内容被修改：哈希不符",
                    f"entry {position} ({entry.action}) altered: its content does not match its hash",
                )
            )
        elif not gap and entry.prev_hash != previous_hash:
            if position == 1:
                problems.append(
                    _Problem(1, entry.action, "第 1 条记录未从链的起点开始", "entry 1 does not start from the genesis")
                )
            elif previous_intact:
                # Both rows are self-consistent, so the earlier one was rewritten and re-hashed.
                problems.append(
                    _Problem(
                        position - 1,
                        previous_action,
                        f"第 {position - 1} 条记录（{previous_action}）被改写：其哈希与第 {position} 条链接的不一致",
                        f"entry {position - 1} ({previous_action}) rewritten: its hash is not the one entry "
                        f"{position} chained to",
                    )
                )
        for accumulator in accumulators.values():
            accumulator.add(leaf_bytes(entry.entry_hash))
        checked += 1
        while pending and pending[0].tree_size == checked:
            tree_head = pending.pop(0)
            if accumulators[tree_head.suite].root().hex() != tree_head.root_hash:
                first = previous_head_size + 1
                problems.append(
                    _Problem(
                        first,
                        None,
                        f"第 {first}–{tree_head.tree_size} 条记录与已签名的树头（{tree_head.tree_size} 条）不符",
                        f"entries {first}–{tree_head.tree_size} do not match the signed tree head of size "
                        f"{tree_head.tree_size}",
                        range_end=tree_head.tree_size,
                    )
                )
            previous_head_size = tree_head.tree_size
        expected_position = max(position, expected_position - 1) + 1
        previous_hash = entry.entry_hash
        previous_action = entry.action
        previous_intact = intact
        unreported += 1
        if progress is not None and unreported == VERIFY_CHUNK:
            progress(unreported)
            unreported = 0
    if progress is not None and unreported:
        progress(unreported)

    last_position = expected_position - 1
    for tree_head in pending:
        # Signed heads that cover more entries than exist: the tail was cut off.
        first = checked + 1
        problems.append(
            _Problem(
                first,
                None,
                f"已签名的树头包含 {tree_head.tree_size} 条记录，但只有 {checked} 条：第 {first} 条起被删除",
                f"the signed tree head of size {tree_head.tree_size} covers more entries than the {checked} present: "
                f"entries from {first} on were deleted",
            )
        )
    problems.extend(_chain_head_problems(last_position=last_position, last_hash=previous_hash, checked=checked))

    return _verification(problems, checked=checked, heads=len(tree_heads))


def _chain_head_problems(*, last_position: int, last_hash: str, checked: int) -> list[_Problem]:
    head = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_ID).first()
    if head is None:
        if checked == 0:
            return []
        return [_Problem(None, None, "审计日志的链头缺失", "the chain head is missing")]
    if head.position == last_position:
        if head.last_hash == last_hash:
            return []
        return [
            _Problem(
                last_position,
                None,
                f"第 {last_position} 条记录被改写：与链头记录的哈希不一致",
                f"entry {last_position} rewritten: its hash is not the one the chain head recorded",
            )
        ]
    if head.position > last_position:
        if AuditEntry.objects.filter(position__gt=last_position).exists():
            return []  # appended while we were reading: checked next time
        first = last_position + 1
        return [
            _Problem(
                first,
                None,
                f"链头记录共 {head.position} 条，但只有 {last_position} 条：第 {first} 条起被删除",
                f"the chain head records {head.position} entries but only {last_position} exist: "
                f"entries from {first} on were deleted",
            )
        ]
    first = head.position + 1
    return [
        _Problem(
            first,
            None,
            f"第 {first} 条起的记录不在链头之内（绕过链写入）",
            f"entries from {first} on lie beyond the chain head (written around the chain)",
        )
    ]


def _verification(problems: list[_Problem], *, checked: int, heads: int) -> AuditVerification:
    if not problems:
        return AuditVerification(
            ok=True,
            entries_checked=checked,
            heads_checked=heads,
            first_bad_position=None,
            reason=f"审计日志完整：已校验 {checked} 条记录、{heads} 个树头 — "
            f"audit log intact: {checked} entries and {heads} tree heads checked",
        )
    exact = [p.position for p in problems if p.position is not None and p.range_end is None]

    def rank(problem: _Problem) -> tuple[bool, int, bool]:
        # A mismatching root only says "somewhere in this range"; an exact finding inside the
        # range is the better answer to "which entry is the first bad one".
        position = problem.position or 0
        if problem.range_end is not None:
            inside = [q for q in exact if position <= q <= problem.range_end]
            position = min(inside, default=position)
        return (problem.position is None, position, problem.range_end is not None)

    ordered = sorted(problems, key=rank)
    first = ordered[0]
    action = first.action
    if first.position is not None and action is None:
        action = AuditEntry.objects.filter(position=first.position).values_list("action", flat=True).first()
    return AuditVerification(
        ok=False,
        entries_checked=checked,
        heads_checked=heads,
        first_bad_position=first.position,
        reason=first.text,
        first_bad_action=action,
        bad_tree_size=next((p.tree_size for p in ordered if p.tree_size is not None), None),
        problems=tuple(p.text for p in ordered),
    )
