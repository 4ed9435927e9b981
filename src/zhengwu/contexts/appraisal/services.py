"""Writes of the appraisal context."""

from __future__ import annotations

from django.db import transaction

from zhengwu.contexts.appraisal.models import Unit, UnitMember
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append

UNIT_MANAGERS = frozenset({"appraiser"})


def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    level: str = "city",
    region_code: str = "",
    district: str = "",
    by: Actor,
) -> Unit:
    """Register a service unit for appraisal. Only the third-party evaluator manages units."""
    if not (by.is_system or by.has_role(*UNIT_MANAGERS)):
        raise PermissionDenied("只有第三方评价机构可以管理评价对象")
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput("编号和名称不能为空", code="unit_required")
    if kind not in Unit.Kind.values:
        raise InvalidInput("评价对象类型无效", code="unit_kind", detail={"kind": kind})
    if level not in Unit.Level.values:
        raise InvalidInput("评价对象层级无效", code="unit_level", detail={"level": level})
    with transaction.atomic():
        if Unit.objects.filter(code=code).exists() or Unit.objects.filter(name=name).exists():
            raise Conflict("评价对象编号或名称已存在", code="unit_taken", detail={"code": code, "name": name})
        unit = Unit.objects.create(
            code=code,
            name=name,
            kind=kind,
            level=level,
            region_code=region_code,
            district=district,
            created_at=clock_now(),
        )
        audit_append(
            actor=by,
            action="appraisal.unit.create",
            object_type="appraisal.unit",
            object_id=code,
            after={"code": code, "name": name, "kind": kind, "level": level},
        )
    return unit


def unit_member_add(*, unit: Unit, user_id: int, username: str, by: Actor) -> UnitMember:
    """Link a department user to the unit they speak for (one unit per user); the evaluator does it."""
    if not (by.is_system or by.has_role(*UNIT_MANAGERS)):
        raise PermissionDenied("只有第三方评价机构可以管理评价对象")
    with transaction.atomic():
        existing = UnitMember.objects.filter(user_id=user_id).select_related("unit").first()
        if existing is not None:
            if existing.unit_id == unit.pk:
                return existing
            taken = {"unit": existing.unit.code}
            raise Conflict(f"用户{username}已关联{existing.unit.name}", code="unit_member_taken", detail=taken)
        member = UnitMember.objects.create(unit=unit, user_id=user_id, username=username, created_at=clock_now())
        audit_append(
            actor=by,
            action="appraisal.unit.member_add",
            object_type="appraisal.unit",
            object_id=unit.code,
            after={"username": username},
        )
    return member
