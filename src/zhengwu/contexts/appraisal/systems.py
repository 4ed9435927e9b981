"""Versions of the indicator system: install the default, import an XLSForm, freeze, read.

Each version is stored in its canonical form (``system.system_to_dict``) with its digest. A version
never changes: a new import makes a new version (number = last + 1 for that code), and once a
round uses a version it is frozen, so published results can always be traced to the exact
questionnaire and weights they were computed with (appraisal-methods.md §2.1, §2.4).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet

from zhengwu.contexts.appraisal.access import appraiser_require
from zhengwu.contexts.appraisal.indicators_default import system_default
from zhengwu.contexts.appraisal.models import IndicatorSystem
from zhengwu.contexts.appraisal.system import SystemDef, system_digest, system_from_dict, system_to_dict
from zhengwu.contexts.appraisal.xlsform import system_from_xlsform
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, IntegrityViolation, NotFound
from zhengwu.platform.audit.services import audit_append

# Parsed definitions by digest: a stored version never changes, so its parse never goes stale.
_PARSED: dict[str, SystemDef] = {}
_PARSED_MAX = 32


def _summary(system: IndicatorSystem, definition: SystemDef) -> dict[str, Any]:
    return {
        "code": system.code,
        "version": system.version,
        "digest": system.digest,
        "categories": len(definition.categories),
        "indicators": len(definition.indicators),
        "items": len(definition.items),
    }


def _create(*, definition: SystemDef, by: Actor, action: str, if_same: str) -> IndicatorSystem:
    """Store ``definition`` as the next version of its code, in the caller's transaction.

    ``if_same`` says what to do when a version with the same digest exists: "return" it
    (installing the default twice) or "refuse" when it is the latest (an unchanged re-import).
    """
    digest = system_digest(definition)
    # Lock the code's versions so that two imports at once cannot both take number last + 1.
    versions = list(IndicatorSystem.objects.select_for_update().filter(code=definition.code).order_by("-version"))
    if if_same == "return":
        same = next((v for v in versions if v.digest == digest), None)
        if same is not None:
            return same
    elif versions and versions[0].digest == digest:
        latest = versions[0]
        raise Conflict(
            f"与当前最新版本（{latest.code} 第{latest.version}版）内容相同，未创建新版本",
            code="system_unchanged",
            detail={"code": latest.code, "version": latest.version, "digest": digest},
        )
    try:
        with transaction.atomic():
            system = IndicatorSystem.objects.create(
                code=definition.code,
                version=(versions[0].version if versions else 0) + 1,
                title=definition.title,
                definition=system_to_dict(definition),
                digest=digest,
                status=IndicatorSystem.Status.DRAFT,
                created_at=clock_now(),
                created_by=by.username,
            )
    except IntegrityError:
        # The first version of a new code has no row to lock: a concurrent import took the number.
        raise Conflict("另一个导入同时创建了该指标体系的新版本，请刷新后重试", code="system_version_taken") from None
    _PARSED[digest] = definition
    audit_append(
        actor=by,
        action=action,
        object_type="appraisal.indicator_system",
        object_id=f"{system.code}/v{system.version}",
        after=_summary(system, definition),
    )
    return system


def system_default_install(*, by: Actor) -> IndicatorSystem:
    """Install the default system (``indicators_default``) as a version; the evaluator only.

    Idempotent: when a version with the same content exists it is returned and nothing is written.
    """
    appraiser_require(by=by)
    definition = system_from_dict(system_default())
    with transaction.atomic():
        return _create(definition=definition, by=by, action="appraisal.system.install", if_same="return")


def system_import(*, data: bytes, by: Actor) -> IndicatorSystem:
    """Import an XLSForm workbook as the next version of its system (``settings.form_id``).

    The evaluator only. Every fault of the file or the definition is an ``InvalidInput`` and
    nothing is saved; a workbook identical to the latest version is refused (``system_unchanged``).
    """
    appraiser_require(by=by)
    definition = system_from_dict(system_from_xlsform(data=data))
    with transaction.atomic():
        return _create(definition=definition, by=by, action="appraisal.system.import", if_same="refuse")


def system_freeze(*, system: IndicatorSystem, by: Actor) -> IndicatorSystem:
    """Freeze a version (a round uses it); freezing a frozen version changes nothing.

    Called by the round's own service when the round takes the version, usually inside its
    transaction; the evaluator (or the system, for scheduled work) only.
    """
    appraiser_require(by=by)
    with transaction.atomic():
        locked = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
        if locked.status != IndicatorSystem.Status.FROZEN:
            locked.status = IndicatorSystem.Status.FROZEN
            locked.save(update_fields=["status"])
            audit_append(
                actor=by,
                action="appraisal.system.freeze",
                object_type="appraisal.indicator_system",
                object_id=f"{locked.code}/v{locked.version}",
                before={"status": IndicatorSystem.Status.DRAFT},
                after={"status": IndicatorSystem.Status.FROZEN, "digest": locked.digest},
            )
    system.status = locked.status
    return locked


# --- selectors -----------------------------------------------------------------------------------


def system_list() -> list[IndicatorSystem]:
    """Every version, newest first within each code, each with ``rounds_count`` (rounds using it)."""
    systems: QuerySet[IndicatorSystem] = IndicatorSystem.objects.annotate(rounds_count=Count("rounds"))
    return list(systems.order_by("code", "-version"))


def system_get(*, pk: int) -> IndicatorSystem:
    system = IndicatorSystem.objects.filter(pk=pk).first()
    if system is None:
        raise NotFound("指标体系版本不存在", code="system_not_found", detail={"pk": pk})
    return system


def system_latest(*, code: str) -> IndicatorSystem | None:
    """The latest version of ``code``, if any."""
    return IndicatorSystem.objects.filter(code=code).order_by("-version").first()


def system_def(*, system: IndicatorSystem) -> SystemDef:
    """The version's definition as a ``SystemDef``; the stored digest is checked on first read."""
    cached = _PARSED.get(system.digest)
    if cached is not None:
        return cached
    definition = system_from_dict(system.definition)
    if system_digest(definition) != system.digest:
        raise IntegrityViolation(
            f"指标体系 {system.code} 第{system.version}版的内容与其摘要不符",
            code="system_digest_mismatch",
            detail={"code": system.code, "version": system.version},
        )
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[system.digest] = definition
    return definition


def system_rounds(*, system: IndicatorSystem) -> list[str]:
    """The codes of the rounds that use this version."""
    return list(system.rounds.order_by("-period_start").values_list("code", flat=True))
