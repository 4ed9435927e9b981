"""Writes of the upward push, receiving side: this installation as the higher-level (provincial) platform.

A lower-level platform POSTs one envelope per record. The pipeline follows the provincial
implementation the reference describes (ebidding-rules §8.5): the sender → the TITLE → every
field → the parent record → save, answering ``{"STATUS":"1"}`` or ``{"STATUS":"-1","MSG":…}``.

- The sender is one of ``ZHENGWU_UPWARD_SOURCES`` (its PUB_SERVICE_PLAT_CODE and Ed25519 public
  key); the body must carry its signature, ``CA_KEY`` must be its key's id and every record's
  PUB_SERVICE_PLAT_CODE its code. A stranger or a forged body is answered 401/403 (the sender
  retries: the fault may be a key not configured yet) and nothing is stored or counted.
- What the sender sent wrong is answered 200 with STATUS -1 and the reason. A record that was
  read (its TITLE is sound) is kept as a receipt whatever the answer, so both sides count it; a
  body that cannot be read, or whose TITLE names no dataset or key, is refused without one.
- Records are keyed by the sender and DATA_KEY. DATA_TYPE 1 and 2 both store the record (an
  update that overtook a refused insert still lands), in DATA_TIMESTAMP order: an older version
  is refused, the same version again is acknowledged and counted once. DATA_TYPE 3 deletes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from zhengwu.contexts.disclosure.models import UpwardReceipt, UpwardReceived
from zhengwu.contexts.disclosure.upward.envelope import EnvelopeRefused, UpwardEnvelope, envelope_parse
from zhengwu.contexts.disclosure.upward.standard import DatasetSpec, context_rules, datasets, record_problems
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import VerifyKey

logger = logging.getLogger(__name__)

_DATA_KEY = re.compile(r"^\d{4}(\d{3,4})[0-9A-Z]+$")
_MAX_MESSAGE = 2000


@dataclass(frozen=True)
class UploadAnswer:
    """The answer to one upload: the HTTP status and the JSON body (``STATUS`` and, when refused, ``MSG``)."""

    http_status: int
    body: dict[str, str]

    @property
    def accepted(self) -> bool:
        """True when the record was stored (or already was)."""
        return self.body.get("STATUS") == "1"


def _accepted() -> UploadAnswer:
    return UploadAnswer(200, {"STATUS": "1"})


def _refused(message: str, *, http_status: int = 200) -> UploadAnswer:
    return UploadAnswer(http_status, {"STATUS": "-1", "MSG": message[:_MAX_MESSAGE]})


def upward_sources() -> dict[str, VerifyKey]:
    """The lower-level platforms allowed to push here, by PUB_SERVICE_PLAT_CODE (``ZHENGWU_UPWARD_SOURCES``)."""
    sources: dict[str, VerifyKey] = {}
    for item in getattr(settings, "ZHENGWU_UPWARD_SOURCES", "").split(","):
        code, _, key = item.strip().partition("=")
        if code.strip() and key.strip():
            sources[code.strip()] = VerifyKey.from_b64(key.strip())
    return sources


def _signature_valid(key: VerifyKey, body: bytes, signature_b64: str) -> bool:
    try:
        raw = base64.b64decode(signature_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == 64 and key.verify(body, raw)


@dataclass(frozen=True)
class _Submission:
    source: str
    spec: DatasetSpec
    data_key: str
    data_type: int
    envelope: UpwardEnvelope

    @property
    def timestamp(self) -> str:
        return (self.envelope.context or {}).get("DATA_TIMESTAMP", "")

    @property
    def digest(self) -> str:
        content = {"title": {k: v for k, v in self.envelope.title.items() if k != "CA_KEY"}}
        content["context"] = self.envelope.context or {}
        return hashlib.sha256(canonical_dumps(content)).hexdigest()


def _title_checked(title: dict[str, str], *, key: VerifyKey) -> tuple[DatasetSpec, str, int] | str:
    """(dataset, DATA_KEY, DATA_TYPE) of a sound TITLE, else the refusal's message."""
    if not title.get("CA_KEY"):
        return "CA_KEY不能为空"
    if title["CA_KEY"] != key.key_id:
        return "CA_KEY与发送方登记的证书不符"
    data_no_text = title.get("DATA_NO", "")
    if not data_no_text.isdigit() or int(data_no_text) not in datasets():
        return f"不支持的数据集：DATA_NO={data_no_text[:10]}"
    spec = datasets()[int(data_no_text)]
    if title.get("DATA_EN") != spec.data_en:
        return f"DATA_EN应为{spec.data_en}"
    if not title.get("DATA_CN"):
        return "DATA_CN不能为空"
    data_key = title.get("DATA_KEY", "")
    matched = _DATA_KEY.match(data_key)
    if len(data_key) != 22 or matched is None or not data_key[4:].startswith(f"{spec.data_no:03d}"):
        return f"DATA_KEY应为22位（4位系统编号+数据集编号+序号）：{data_key[:30]}"
    if title.get("DATA_TYPE") not in ("1", "2", "3"):
        return "DATA_TYPE应为1（新增）、2（修改）或3（删除）"
    if title["DATA_TYPE"] == "1" and not title.get("ROUTE_WAY"):
        return "新增数据的ROUTE_WAY不能为空"
    return spec, data_key, int(title["DATA_TYPE"])


def _problems(submission: _Submission, existing: UpwardReceived | None) -> list[str]:
    """Why the submission cannot be stored, in the order a reader fixes them; [] to store it."""
    context = submission.envelope.context
    if submission.data_type == 3:
        return [] if existing is not None and not existing.deleted else ["数据不存在，无法删除"]
    if context is None:
        return ["缺少CONTEXT"]
    problems = record_problems(submission.spec, context)
    if context.get("PUB_SERVICE_PLAT_CODE") and context["PUB_SERVICE_PLAT_CODE"] != submission.source:
        problems.append("PUB_SERVICE_PLAT_CODE与发送方不符")
    if problems:
        return problems
    for rule in context_rules(submission.spec):
        value = context.get(rule.name, "")
        if rule.parent_tender_project and value and not _parent_exists(submission.source, value):
            problems.append(f"招标项目数据未上报，请先上报（TENDER_PROJECT_CODE={value}）")
        if rule.immutable and existing is not None and not existing.deleted:
            before = existing.fields.get(rule.name, "")
            if before and before != value:
                problems.append(f"{rule.name}（{rule.label}）上报后不可修改：{before}")
    if submission.spec.data_no == 501:
        code = context.get("TENDER_PROJECT_CODE", "")
        holder = (
            UpwardReceived.objects.filter(
                source=submission.source, data_no=501, tender_project_code=code, deleted=False
            )
            .exclude(data_key=submission.data_key)
            .first()
        )
        if holder is not None:
            problems.append(f"招标项目编号{code}已由DATA_KEY {holder.data_key}上报")
    if existing is not None and existing.data_timestamp and submission.timestamp < existing.data_timestamp:
        problems.append(f"DATA_TIMESTAMP {submission.timestamp}早于已接收的版本{existing.data_timestamp}")
    return problems


def _parent_exists(source: str, tender_project_code: str) -> bool:
    return UpwardReceived.objects.filter(
        source=source, data_no=501, tender_project_code=tender_project_code, deleted=False
    ).exists()


def _store(submission: _Submission, existing: UpwardReceived | None) -> None:
    now = clock_now()
    context = submission.envelope.context or {}
    if submission.data_type == 3:
        assert existing is not None
        existing.deleted, existing.data_type, existing.updated_at = True, 3, now
        existing.data_timestamp = submission.timestamp or existing.data_timestamp
        existing.save(update_fields=["deleted", "data_type", "updated_at", "data_timestamp"])
        return
    values = {
        "data_no": submission.spec.data_no,
        "tender_project_code": context.get("TENDER_PROJECT_CODE", "") if submission.spec.data_no == 501 else "",
        "fields": dict(context),
        "data_type": submission.data_type,
        "data_timestamp": submission.timestamp,
        "deleted": False,
        "updated_at": now,
    }
    if existing is None:
        UpwardReceived.objects.create(
            source=submission.source, data_key=submission.data_key, first_received_at=now, **values
        )
        return
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save()


def _judge(submission: _Submission) -> UploadAnswer:
    """Store the submission or say why not; keep the answer as its receipt. One transaction."""
    now = clock_now()
    with transaction.atomic():
        receipt = (
            UpwardReceipt.objects.select_for_update()
            .filter(
                source=submission.source,
                data_key=submission.data_key,
                data_type=submission.data_type,
                data_timestamp=submission.timestamp,
            )
            .first()
        )
        if receipt is not None and receipt.status == UpwardReceipt.Status.ACCEPTED:
            receipt.times, receipt.answered_at = receipt.times + 1, now
            receipt.save(update_fields=["times", "answered_at"])
            if receipt.digest == submission.digest:
                return _accepted()
            # Accepted once; the same version with other content is not the same submission.
            return _refused("同一DATA_TIMESTAMP的数据内容与已接收的不一致")
        existing = (
            UpwardReceived.objects.select_for_update()
            .filter(source=submission.source, data_key=submission.data_key)
            .first()
        )
        same_version = (
            existing is not None
            and not existing.deleted
            and submission.data_type != 3
            and existing.data_timestamp == submission.timestamp
        )
        if same_version and existing is not None and existing.fields == (submission.envelope.context or {}):
            problems: list[str] = []
        else:
            problems = _problems(submission, existing)
            if same_version and not problems:
                problems = ["同一DATA_TIMESTAMP的数据内容与已接收的不一致"]
        status = UpwardReceipt.Status.REJECTED if problems else UpwardReceipt.Status.ACCEPTED
        message = "；".join(problems)[:_MAX_MESSAGE]
        if not problems and not same_version:
            _store(submission, existing)
        if receipt is None:
            UpwardReceipt.objects.create(
                source=submission.source,
                data_no=submission.spec.data_no,
                data_key=submission.data_key,
                data_type=submission.data_type,
                data_timestamp=submission.timestamp,
                digest=submission.digest,
                status=status,
                message=message,
                received_at=now,
                answered_at=now,
            )
        else:
            receipt.status, receipt.message, receipt.digest = status, message, submission.digest
            receipt.times, receipt.answered_at = receipt.times + 1, now
            receipt.save(update_fields=["status", "message", "digest", "times", "answered_at"])
    if problems:
        logger.info("upward: refused %s from %s: %s", submission.data_key, submission.source, message)
        return _refused(message)
    return _accepted()


def upward_upload_receive(*, body: bytes, source: str, signature: str, remote_addr: str = "") -> UploadAnswer:
    """Authenticate, validate and store one pushed record; the answer for the lower-level platform."""
    key = upward_sources().get(source) if source else None
    if key is None:
        logger.warning("upward: upload from unknown platform %r (%s) refused", source[:40], remote_addr)
        return _refused("发送方不是已登记的下级平台", http_status=401)
    if not signature or not _signature_valid(key, body, signature):
        logger.warning("upward: upload claiming %r (%s) with a bad signature refused", source, remote_addr)
        return _refused("签名验证失败，数据可能被伪造或篡改", http_status=403)
    try:
        envelope = envelope_parse(body)
    except EnvelopeRefused as exc:
        logger.warning("upward: unreadable upload from %r refused: %s", source, exc)
        return _refused(str(exc))
    checked = _title_checked(envelope.title, key=key)
    if isinstance(checked, str):
        logger.warning("upward: upload from %r refused: %s", source, checked)
        return _refused(checked)
    spec, data_key, data_type = checked
    return _judge(_Submission(source=source, spec=spec, data_key=data_key, data_type=data_type, envelope=envelope))
