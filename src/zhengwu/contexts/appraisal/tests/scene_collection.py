"""A small round for the collection and QC tests, built directly with the ORM.

Rounds, sampling and indicator systems belong to other modules; these tests only need rows:
one indicator system of three categories (the third for departments only), a collecting round,
units, frame entries and invitations.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from zhengwu.contexts.appraisal.models import FrameEntry, IndicatorSystem, Invitation, Round, RoundUnit, Unit
from zhengwu.contexts.appraisal.system import system_digest, system_from_dict
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

NOW = dt.datetime(2026, 7, 15, 2, 0, tzinfo=dt.UTC)
APPRAISER = Actor(user_id=7, username="interviewer1", roles=frozenset({"appraiser"}), ip="10.1.2.3")
OTHER_INTERVIEWER = Actor(user_id=8, username="interviewer2", roles=frozenset({"appraiser"}))
RATINGS = [f"r{i:02d}" for i in range(1, 13)]  # twelve 5-level items, all units


def uscc_make(n: int) -> str:
    """A check-digit-correct USCC of an enterprise registered in Kunming."""
    body = f"MA6K{n:04d}"
    first17 = "91530100" + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


def uscc_mutate(code: str) -> str:
    """The same code with a wrong check character."""
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


def system_definition() -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {
            "name": "channel",
            "kind": "select_one",
            "label": "您主要通过什么渠道办理业务？",
            "choices": [["hall", "窗口"], ["online", "网上"]],
        }
    ]
    for i, name in enumerate(RATINGS):
        items.append(
            {"name": name, "kind": "rating5", "label": f"满意度第{i + 1}项", "indicator": "I1" if i < 6 else "I2"}
        )
    items += [
        {
            "name": "r_online",
            "kind": "rating5",
            "label": "网上办事平台是否好用？",
            "indicator": "I3",
            "relevant": "${channel} = 'online'",
        },
        {"name": "y_fee", "kind": "yes_no", "label": "是否被要求缴纳额外费用？", "indicator": "I4"},
        {"name": "suggestion", "kind": "text", "label": "其他建议", "required": False},
        {"name": "p1", "kind": "problem", "label": "您在该单位办事时遇到了什么问题？", "required": False},
        {
            "name": "p1_topic",
            "kind": "select_one",
            "label": "您反映的问题主要涉及哪一方面？",
            "relevant": "${p1} != ''",
            "required": False,
            "choices": [["C1", "窗口服务态度"], ["C2", "办事效率与时限"], ["C3", "网上办事平台"]],
        },
        {"name": "p2", "kind": "problem", "label": "跨部门办事中遇到的问题", "required": False},
    ]
    return {
        "code": "TEST",
        "title": "测试指标体系",
        "categories": [
            {"code": "C1", "name": "窗口服务态度", "weight": 0.4},
            {"code": "C2", "name": "办事效率与时限", "weight": 0.4},
            {"code": "C3", "name": "网上办事平台", "weight": 0.2, "applies_to": "all"},
        ],
        "indicators": [
            {"code": "I1", "name": "工作人员态度", "category": "C1", "weight": 1},
            {"code": "I2", "name": "办理时限", "category": "C2", "weight": 1},
            {"code": "I3", "name": "平台易用", "category": "C3", "weight": 1},
            {"code": "I4", "name": "收费规范", "category": "C2", "weight": 1},
        ],
        "items": items,
    }


@dataclass
class Scene:
    round: Round
    units: list[Unit]
    invitations: list[Invitation] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def invite(
        self,
        unit: Unit | None = None,
        *,
        uscc: str | None = None,
        channel: str = Invitation.Channel.SMS,
        interviewer: str = "",
    ) -> Invitation:
        n = next(self.counter)
        unit = unit or self.units[0]
        entry = FrameEntry.objects.create(
            round=self.round,
            unit=unit,
            uscc=uscc or uscc_make(n),
            enterprise_name=f"昆明测试企业{n}有限公司",
            contact_name=f"联系人{n}",
            phone=f"1380000{n:04d}",
            created_at=NOW,
        )
        invitation = Invitation.objects.create(
            round=self.round,
            unit=unit,
            frame_entry=entry,
            token=f"tok{n:04d}abcdefghijklmnop",
            channel=channel,
            interviewer_username=interviewer,
            created_at=NOW,
        )
        self.invitations.append(invitation)
        return invitation


def scene_build(*, units: int = 1, status: str = Round.Status.COLLECTING) -> Scene:
    definition = system_definition()
    system_def = system_from_dict(definition)
    system = IndicatorSystem.objects.create(
        code="TEST",
        version=1,
        title="测试指标体系",
        definition=definition,
        digest=system_digest(system_def),
        status=IndicatorSystem.Status.FROZEN,
        created_at=NOW,
        created_by="appraiser",
    )
    round_ = Round.objects.create(
        code="2026Q3",
        title="2026年第三季度",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        system=system,
        status=status,
        seed=20260701,
        created_at=NOW,
        created_by="appraiser",
    )
    made = []
    for i in range(units):
        kind = Unit.Kind.CENTRE if i % 2 == 0 else Unit.Kind.DEPARTMENT
        unit = Unit.objects.create(
            code=f"U{i + 1:03d}", name=f"测试单位{i + 1}", kind=kind, district="五华区", created_at=NOW
        )
        RoundUnit.objects.create(round=round_, unit=unit, target_n=30)
        made.append(unit)
    return Scene(round=round_, units=made)


def good_answers(level: str = "4", **extra: str) -> dict[str, str]:
    """A complete web answer set: varied ratings around ``level``, the hall channel, no online item."""
    answers = {"channel": "hall", "y_fee": "no"}
    for i, name in enumerate(RATINGS):
        answers[name] = level if i % 3 else str(max(1, int(level) - 1))
    answers.update(extra)
    return answers


def timings_for(answers: dict[str, str], ms: int = 4000) -> dict[str, int]:
    return dict.fromkeys(answers, ms)


def signed_in(username: str, role: str) -> Any:
    """A test client signed in as a new user holding ``role`` (second factor passed)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from zhengwu.kernel.clock import clock_now

    user = get_user_model().objects.create_user(username=username, password="x" * 12)
    user.role_grants.create(role=role, granted_at=clock_now())
    client = Client()
    client.force_login(user)
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client
