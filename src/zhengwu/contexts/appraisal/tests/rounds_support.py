"""Helpers of the rounds tests: a few units, an indicator system, frames as CSV, valid USCCs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from zhengwu.contexts.appraisal.models import IndicatorSystem, Invitation, Response, Round, Unit
from zhengwu.contexts.appraisal.rounds import round_create
from zhengwu.contexts.appraisal.sampling import round_code_period
from zhengwu.contexts.appraisal.services import unit_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

NOW = dt.datetime(2026, 10, 9, 9, 0, tzinfo=CHINA_TZ)
SYSTEM = Actor.system("test")
APPRAISER = Actor(user_id=7, username="appraiser", roles=frozenset({"appraiser"}), ip="10.1.2.3")
OUTSIDERS = ("city_leader", "department_user", "centre_staff")
HEADER = ("单位编号", "统一社会信用代码", "企业名称", "联系人", "手机号码", "电子邮箱", "事项类型", "企业规模")
INVESTMENT = "投资项目审批"
GENERAL = "一般事项"


def uscc_make(serial: int, prefix: str = "91530100") -> str:
    """A check-digit-correct 统一社会信用代码 for ``serial``."""
    body = f"MA{serial:06d}"
    first17 = prefix + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


def uscc_mutated(code: str) -> str:
    """The same code with a wrong check character."""
    wrong = "0" if code[17] != "0" else "1"
    return code[:17] + wrong


@dataclass
class World:
    units: dict[str, Unit]
    system: IndicatorSystem


def world_build() -> World:
    """Three centres (one the public-resource-trading centre), one department, one unit not appraised."""
    units = {}
    for code, name, kind in (
        ("C001", "昆明市政务服务中心", "centre"),
        ("C002", "五华区政务服务中心", "centre"),
        ("C003", "昆明市政务服务中心公共资源交易分中心", "centre"),
        ("D001", "市财政局", "department"),
        ("D099", "市某停评单位", "department"),
    ):
        units[code] = unit_create(code=code, name=name, kind=kind, by=SYSTEM)
    Unit.objects.filter(code="D099").update(active=False)
    units["D099"].refresh_from_db()
    system = IndicatorSystem.objects.create(
        code="KM",
        version=1,
        title="昆明市政务服务评价指标体系",
        definition={},
        digest="0" * 64,
        created_at=NOW,
        created_by="test",
    )
    return World(units=units, system=system)


def round_make(world: World, *, code: str = "2026Q3", seed: int = 20260701, **kwargs: Any) -> Round:
    start, end = round_code_period(code.upper())
    return round_create(
        code=code,
        title=f"{code}政务服务第三方评价",
        period_start=start,
        period_end=end,
        system=world.system,
        seed=seed,
        by=APPRAISER,
        **kwargs,
    )


def frame_row(unit: str, serial: int, **values: str) -> dict[str, str]:
    row = {
        "单位编号": unit,
        "统一社会信用代码": uscc_make(serial),
        "企业名称": f"云南测试企业{serial}有限公司",
        "联系人": "张经理",
        "手机号码": f"139{serial:08d}",
        "电子邮箱": "",
        "事项类型": GENERAL,
        "企业规模": "小型",
    }
    row.update(values)
    return row


def frame_csv(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(h, "") for h in HEADER])
    return out.getvalue().encode(encoding)


def standard_frame() -> list[dict[str, str]]:
    """C001: 120 enterprises (40 投资项目审批, 80 一般事项; every 10th reachable by e-mail only);
    C002: 20 enterprises with no phone or e-mail (telephone interviews); C003 and D001: none."""
    rows = []
    for i in range(120):
        extra: dict[str, str] = {"事项类型": INVESTMENT if i % 3 == 0 else GENERAL}
        if i % 10 == 0:
            extra.update({"手机号码": "", "电子邮箱": f"contact{i}@example.cn"})
        rows.append(frame_row("C001", 1000 + i, **extra))
    rows += [frame_row("C002", 2000 + i, 手机号码="") for i in range(20)]
    return rows


def response_make(invitation: Invitation, *, serial: int) -> Response:
    """A completed questionnaire for ``invitation`` (what the collection part would store)."""
    invitation.status = Invitation.Status.COMPLETED
    invitation.completed_at = NOW
    invitation.save(update_fields=["status", "completed_at"])
    return Response.objects.create(
        round=invitation.round,
        unit=invitation.unit,
        invitation=invitation,
        instance_id=f"uuid:test-{serial}",
        respondent_uscc=invitation.frame_entry.uscc,
        respondent_key=f"key-{serial}",
        uscc_valid=True,
        frame_match=True,
        answers={},
        content_hash=f"{serial:064d}",
        submitted_at=NOW,
    )
