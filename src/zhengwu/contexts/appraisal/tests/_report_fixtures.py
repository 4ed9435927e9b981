"""Test helpers for tickets, accountability and reports: a small appraisal world built with the ORM.

Scoring and collection belong to others; here their results (``RoundResult``, ``UnitScore``,
``Problem``) are written directly, with the numbers each test needs. People are made through
identity's services so that the pages can be driven with a signed-in client.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from zhengwu.contexts.appraisal.models import (
    IndicatorSystem,
    Problem,
    Response,
    Round,
    RoundResult,
    Unit,
    UnitMember,
    UnitScore,
)
from zhengwu.contexts.appraisal.system import system_digest, system_from_dict
from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services import user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

PASSWORD = "Kunming-Appraisal-2026"
SYSTEM = Actor.system("test")
# A Monday in an ordinary working week.
NOW = dt.datetime(2026, 7, 6, 10, 0, tzinfo=CHINA_TZ)
_serials = itertools.count(1)

SYSTEM_DEFINITION: dict[str, Any] = {
    "code": "KM-TEST",
    "title": "测试指标体系",
    "categories": [
        {"code": "C01", "name": "窗口服务", "weight": 0.4},
        {"code": "C02", "name": "办事效率", "weight": 0.4},
        {"code": "C03", "name": "廉洁自律", "weight": 0.2},
    ],
    "indicators": [
        {"code": "I01", "name": "服务态度", "category": "C01", "weight": 1},
        {"code": "I02", "name": "办理时限", "category": "C02", "weight": 1},
        {"code": "I03", "name": "廉洁情况", "category": "C03", "weight": 1},
    ],
    "items": [
        {"name": "q1", "kind": "rating5", "label": "服务态度", "indicator": "I01"},
        {"name": "q2", "kind": "rating5", "label": "办理时限", "indicator": "I02"},
        {"name": "q3", "kind": "rating5", "label": "廉洁情况", "indicator": "I03"},
        {"name": "problem", "kind": "problem", "label": "您遇到的问题"},
    ],
}
CENTRES = (("C001", "五华区政务服务中心"), ("C002", "盘龙区政务服务中心"), ("C003", "官渡区政务服务中心"))
DEPARTMENTS = (("D001", "市市场监督管理局"), ("D002", "市自然资源和规划局"), ("D003", "市住房和城乡建设局"))


def uscc_make(prefix: str = "91530100") -> str:
    """A check-digit-correct 统一社会信用代码, new on every call."""
    body = f"MA6K{next(_serials):04d}"
    first17 = prefix + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


@dataclass
class World:
    system: IndicatorSystem
    units: dict[str, Unit]
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Actor:
        return self.actors[key]


def _user(key: str, role: str) -> Actor:
    user = user_create(username=key, password=PASSWORD, display_name=f"测试{key}", roles=[role], by=SYSTEM)
    return actor_for(user=user)


def world_build() -> World:
    """Three centres and three departments, the indicator system, and people of every relevant role.

    ``unit_a`` speaks for C001 (五华区政务服务中心), ``unit_b`` for C002; ``dept_loose`` holds the
    department-user role without a unit.
    """
    system = IndicatorSystem.objects.create(
        code="KM-TEST",
        version=1,
        title="测试指标体系",
        definition=SYSTEM_DEFINITION,
        digest=system_digest(system_from_dict(SYSTEM_DEFINITION)),
        status=IndicatorSystem.Status.FROZEN,
        created_at=NOW,
        created_by="test",
    )
    units: dict[str, Unit] = {}
    for kind, rows in ((Unit.Kind.CENTRE, CENTRES), (Unit.Kind.DEPARTMENT, DEPARTMENTS)):
        for code, name in rows:
            units[code] = Unit.objects.create(code=code, name=name, kind=kind, created_at=NOW)
    world = World(system=system, units=units)
    for key, role in (
        ("appraiser", "appraiser"),
        ("leader", "city_leader"),
        ("unit_a", "department_user"),
        ("unit_b", "department_user"),
        ("dept_loose", "department_user"),
        ("regulator", "regulator"),
        ("public", "public"),
    ):
        world.actors[key] = _user(key, role)
    for key, code in (("unit_a", "C001"), ("unit_b", "C002")):
        actor = world.actors[key]
        assert actor.user_id is not None
        UnitMember.objects.create(unit=units[code], user_id=actor.user_id, username=key, created_at=NOW)
    return world


def round_make(world: World, code: str, start: dt.date, *, status: str = Round.Status.PUBLISHED) -> Round:
    """A round of one quarter starting at ``start``."""
    end = (dt.date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)) - dt.timedelta(days=1)
    return Round.objects.create(
        code=code,
        title=f"{start.year}年第{(start.month - 1) // 3 + 1}季度",
        period_start=start,
        period_end=end,
        system=world.system,
        status=status,
        created_at=NOW,
        created_by="appraiser",
        published_at=NOW if status == Round.Status.PUBLISHED else None,
    )


def scores_make(
    world: World,
    round: Round,
    totals: dict[str, float | tuple[float, float, float, float]],
    *,
    previous: dict[str, float] | None = None,
    significant: frozenset[str] = frozenset(),
) -> dict[str, UnitScore]:
    """``UnitScore`` rows: ``totals`` maps a unit code to its total, or to (total, ci_low, ci_high, p_last).

    A bare total gets a ±2 interval and P(last) 1.0 for the lowest unit of its kind, 0.0 otherwise.
    Ranks are 1 = best within each kind; categories are the total ±2.
    """
    full: dict[str, tuple[float, float, float, float | None]] = {}
    for code, value in totals.items():
        full[code] = (
            (value[0], value[1], value[2], value[3])
            if isinstance(value, tuple)
            else (value, value - 2, value + 2, None)
        )
    made: dict[str, UnitScore] = {}
    for kind in (Unit.Kind.CENTRE, Unit.Kind.DEPARTMENT):
        codes = sorted((c for c in full if world.units[c].kind == kind), key=lambda c: (-full[c][0], c))
        for rank, code in enumerate(codes, start=1):
            total, low, high, p_last = full[code]
            before = (previous or {}).get(code)
            made[code] = UnitScore.objects.create(
                round=round,
                unit=world.units[code],
                kind=kind,
                n=60,
                total=total,
                ci_low=low,
                ci_high=high,
                rank=rank,
                of=len(codes),
                median_rank=float(rank),
                rank_low=max(1, rank - 1),
                rank_high=min(len(codes), rank + 1),
                p_last=p_last if p_last is not None else (1.0 if rank == len(codes) else 0.0),
                p_bottom3=1.0,
                satisfaction_rate=0.82,
                negative_rate=0.05,
                previous_total=before,
                change=None if before is None else total - before,
                change_p=None if before is None else (0.01 if code in significant else 0.4),
                change_significant=code in significant,
                categories={
                    "C01": {"score": total + 2, "n": 60},
                    "C02": {"score": total - 2, "n": 60},
                    "C03": {"score": total, "n": 58},
                },
                indicators={},
            )
    return made


def result_make(round: Round, *, city: float = 87.6, previous: float | None = None) -> RoundResult:
    return RoundResult.objects.create(
        round=round,
        city_score=city,
        city_ci_low=city - 0.5,
        city_ci_high=city + 0.5,
        previous_city_score=previous,
        responses_used=360,
        responses_excluded=12,
        bootstrap=2000,
        seed=20260706,
        reliability={"C01": {"alpha": 0.86, "k": 1, "n": 360}},
        details={"aggregation": "unit_mean"},
        computed_at=NOW,
    )


def problem_make(
    round: Round,
    unit: Unit,
    text: str,
    *,
    category: str = "C02",
    qc: str = Response.Qc.CLEAN,
    respondent_name: str = "昆明恒达建材有限公司",
    respondent_uscc: str | None = None,
) -> Problem:
    """A problem raised in a (minimal) response about ``unit``."""
    serial = next(_serials)
    response = Response.objects.create(
        round=round,
        unit=unit,
        instance_id=f"uuid:test-{serial}",
        respondent_uscc=respondent_uscc or uscc_make(),
        respondent_name=respondent_name,
        respondent_key=f"key-{serial}",
        uscc_valid=True,
        frame_match=True,
        answers={"q1": "4", "q2": "2", "q3": "5", "problem": text},
        content_hash=f"{serial:064d}",
        submitted_at=NOW,
        qc_status=qc,
    )
    return Problem.objects.create(
        round=round, unit=unit, response=response, text=text, category_code=category, created_at=NOW
    )


def client_for(username: str) -> Client:
    """A signed-in client (second factor passed where the role needs one)."""
    user = user_get(username=username)
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client
