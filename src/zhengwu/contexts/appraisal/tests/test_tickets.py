"""Feedback tickets: sending with masked summaries and working-day deadlines, replies by the right
unit only, verification, escalation and its idempotency, and what a unit's page never shows."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from zhengwu.contexts.appraisal.models import Response, Round, Ticket, TicketEvent
from zhengwu.contexts.appraisal.tasks import appraisal_tickets_escalate
from zhengwu.contexts.appraisal.tests._report_fixtures import (
    NOW,
    SYSTEM,
    World,
    client_for,
    problem_make,
    round_make,
    world_build,
)
from zhengwu.contexts.appraisal.tickets import (
    MASK,
    escalation_level_for,
    summary_mask,
    ticket_number_format,
    ticket_reply,
    ticket_summary_edit,
    ticket_verify,
    tickets_create_for_round,
    tickets_escalate,
    tickets_overdue,
    tickets_visible,
)
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world() -> World:
    return world_build()


def _round(world: World, status: str = Round.Status.SCORED) -> Round:
    return round_make(world, "2026Q2", dt.date(2026, 4, 1), status=status)


def _audit(action: str) -> list[str]:
    return list(AuditEntry.objects.filter(action=action).values_list("object_id", flat=True))


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ)


# --- pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我司统一社会信用代码91530100MA6K00015N，办证慢", f"我司统一社会信用代码{MASK}，办证慢"),
        ("联系电话13987650123，请回电", f"联系电话{MASK}，请回电"),
        ("电话 139-8765-0123 或 +86 139 8765 0123", f"电话 {MASK} 或 {MASK}"),
        ("座机0871-63123456没人接", f"座机{MASK}没人接"),
        ("邮箱 li.ming@example.com.cn 已发材料", f"邮箱 {MASK} 已发材料"),
        ("经办人身份证530102197005170011重复提交", f"经办人身份证{MASK}重复提交"),
        ("身份证53010219700517001X", f"身份证{MASK}"),
        ("旧证号530102700517001也不认", f"旧证号{MASK}也不认"),
        ("我们是云南恒达建材有限公司，窗口推诿", f"我们是{MASK}，窗口推诿"),
        ("窗口人员态度生硬，需跑3次才办完", "窗口人员态度生硬，需跑3次才办完"),
        ("2026年5月12日提交，至今20天未办结", "2026年5月12日提交，至今20天未办结"),
    ],
)
def test_summaries_mask_whatever_could_identify_the_respondent(text: str, expected: str) -> None:
    assert summary_mask(text) == expected


def test_the_respondents_own_name_is_masked_even_where_no_pattern_would_find_it() -> None:
    assert summary_mask("老王五金店反映：审批拖延", known=("老王五金店", "")) == f"{MASK}反映：审批拖延"


def test_numbers_and_levels() -> None:
    assert ticket_number_format(round_code="2026Q3", serial=1) == "PJ2026Q3-0001"
    assert escalation_level_for(overdue=False, overdue_workdays=0, escalate_after=5) == 0
    assert escalation_level_for(overdue=True, overdue_workdays=0, escalate_after=5) == 1
    assert escalation_level_for(overdue=True, overdue_workdays=5, escalate_after=5) == 1
    assert escalation_level_for(overdue=True, overdue_workdays=6, escalate_after=5) == 2


# --- sending ------------------------------------------------------------------------------------


def test_sending_makes_one_masked_ticket_per_kept_problem_once(world: World) -> None:
    round = _round(world)
    a, b = world.units["C001"], world.units["D001"]
    kept = problem_make(round, a, "昆明恒达建材有限公司反映：材料要交三遍，电话13987650123", category="C02")
    problem_make(round, b, "审批超时", category="C02")
    problem_make(round, a, "胡乱填写的内容", qc=Response.Qc.REJECTED)
    assert tickets_create_for_round(round=round, by=world["appraiser"]) == 2
    tickets = list(Ticket.objects.order_by("number"))
    assert [(t.number, t.unit.code, t.status) for t in tickets] == [
        ("PJ2026Q2-0001", "C001", "open"),
        ("PJ2026Q2-0002", "D001", "open"),
    ]
    first = tickets[0]
    assert first.problem == kept
    assert first.summary == f"{MASK}反映：材料要交三遍，电话{MASK}"
    # Monday 2026-07-06 + 15 working days (no holiday in July) = Monday 2026-07-27.
    assert first.deadline == dt.date(2026, 7, 27)
    assert list(first.events.values_list("action", flat=True)) == ["created"]
    assert _audit("appraisal.ticket.create") == ["PJ2026Q2-0001", "PJ2026Q2-0002"]
    # A second run finds nothing new; a problem raised since gets the next number.
    assert tickets_create_for_round(round=round, by=world["appraiser"]) == 0
    problem_make(round, b, "窗口少")
    assert tickets_create_for_round(round=round, by=SYSTEM) == 1
    assert Ticket.objects.filter(unit__code="D001").order_by("number").last().number == "PJ2026Q2-0003"  # type: ignore[union-attr]


def test_only_the_evaluator_sends_and_only_after_collection(world: World) -> None:
    round = _round(world, status=Round.Status.COLLECTING)
    problem_make(round, world.units["C001"], "排队久")
    with pytest.raises(PermissionDenied):
        tickets_create_for_round(round=round, by=world["leader"])
    with pytest.raises(Conflict) as early:
        tickets_create_for_round(round=round, by=world["appraiser"])
    assert early.value.code == "appraisal_tickets_round_open"
    assert Ticket.objects.count() == 0
    assert _audit("appraisal.ticket.create") == []


def test_the_deadline_counts_working_days_over_the_national_day_holiday(world: World, settings: Any) -> None:
    settings.ZHENGWU_APPRAISAL_TICKET_WORKDAYS = 3
    round = _round(world)
    problem_make(round, world.units["C001"], "排队久")
    # Wednesday 30 September 2026: 1–7 October are holidays, Saturday 10 October is a make-up working day.
    clock_set(_at(dt.date(2026, 9, 30)))
    tickets_create_for_round(round=round, by=world["appraiser"])
    assert Ticket.objects.get().deadline == dt.date(2026, 10, 10)


def test_the_deadline_skips_the_weekend(world: World, settings: Any) -> None:
    settings.ZHENGWU_APPRAISAL_TICKET_WORKDAYS = 1
    round = _round(world)
    problem_make(round, world.units["C001"], "排队久")
    clock_set(_at(dt.date(2026, 7, 10)))  # a Friday
    tickets_create_for_round(round=round, by=world["appraiser"])
    assert Ticket.objects.get().deadline == dt.date(2026, 7, 13)


# --- the loop -----------------------------------------------------------------------------------


def _one_ticket(world: World, unit: str = "C001") -> Ticket:
    round = _round(world)
    problem_make(round, world.units[unit], "材料要交三遍")
    tickets_create_for_round(round=round, by=world["appraiser"])
    return Ticket.objects.get()


@pytest.mark.parametrize("who", ["unit_b", "dept_loose", "appraiser", "leader"])
def test_only_a_user_of_the_tickets_unit_replies(world: World, who: str) -> None:
    ticket = _one_ticket(world)
    with pytest.raises(PermissionDenied) as refused:
        ticket_reply(ticket=ticket, reply="已整改", by=world[who])
    assert refused.value.code == "appraisal_ticket_not_your_unit"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reply, ticket.replied_by, ticket.replied_at) == ("open", "", "", None)
    assert list(ticket.events.values_list("action", flat=True)) == ["created"]
    assert _audit("appraisal.ticket.reply") == []


def test_reply_verify_reopen_and_close(world: World) -> None:
    ticket = _one_ticket(world)
    with pytest.raises(InvalidInput):
        ticket_reply(ticket=ticket, reply="  ", by=world["unit_a"])
    with pytest.raises(Conflict):
        ticket_verify(ticket=ticket, accept=True, note="", by=world["appraiser"])
    ticket = ticket_reply(ticket=ticket, reply="已精简材料清单", by=world["unit_a"])
    assert (ticket.status, ticket.reply, ticket.replied_by) == ("replied", "已精简材料清单", "unit_a")
    with pytest.raises(Conflict):
        ticket_reply(ticket=ticket, reply="再次反馈", by=world["unit_a"])
    with pytest.raises(PermissionDenied):
        ticket_verify(ticket=ticket, accept=True, note="", by=world["unit_a"])
    with pytest.raises(InvalidInput) as no_reason:
        ticket_verify(ticket=ticket, accept=False, note="", by=world["appraiser"])
    assert no_reason.value.code == "appraisal_ticket_reason_required"
    ticket.refresh_from_db()
    assert ticket.status == "replied"
    # Sent back on Wednesday 15 July: a fresh 15 working days, to Wednesday 5 August.
    clock_set(_at(dt.date(2026, 7, 15)))
    ticket = ticket_verify(ticket=ticket, accept=False, note="回访企业仍需提交三次", by=world["appraiser"])
    assert (ticket.status, ticket.deadline, ticket.escalation_level) == ("reopened", dt.date(2026, 8, 5), 0)
    ticket = ticket_reply(ticket=ticket, reply="已实行一次告知", by=world["unit_a"])
    ticket = ticket_verify(ticket=ticket, accept=True, note="", by=world["appraiser"])
    assert ticket.status == "closed"
    assert ticket.closed_at == _at(dt.date(2026, 7, 15))
    assert list(ticket.events.values_list("action", flat=True)) == [
        "created",
        "replied",
        "reopened",
        "replied",
        "closed",
    ]
    assert list(AuditEntry.objects.filter(object_type="appraisal.ticket").values_list("action", flat=True)) == [
        "appraisal.ticket.create",
        "appraisal.ticket.reply",
        "appraisal.ticket.reopen",
        "appraisal.ticket.reply",
        "appraisal.ticket.close",
    ]


def test_the_evaluator_edits_a_summary_until_the_unit_replies(world: World) -> None:
    ticket = _one_ticket(world)
    with pytest.raises(PermissionDenied):
        ticket_summary_edit(ticket=ticket, summary="改写", by=world["unit_a"])
    ticket = ticket_summary_edit(ticket=ticket, summary="材料重复提交（联系人 13987650123）", by=world["appraiser"])
    assert ticket.summary == f"材料重复提交（联系人 {MASK}）"
    assert list(ticket.events.values_list("action", "note")) == [
        ("created", "整改期限 2026-07-27"),
        ("edited", "第三方评价机构修改了问题摘要"),
    ]
    ticket_reply(ticket=ticket, reply="已整改", by=world["unit_a"])
    with pytest.raises(Conflict):
        ticket_summary_edit(ticket=ticket, summary="再改", by=world["appraiser"])
    ticket.refresh_from_db()
    assert ticket.summary == f"材料重复提交（联系人 {MASK}）"


# --- escalation ---------------------------------------------------------------------------------


def test_escalation_rises_by_working_days_overdue_and_a_second_run_changes_nothing(world: World) -> None:
    ticket = _one_ticket(world)  # deadline Monday 27 July
    answered = _one_more_replied(world)
    assert tickets_escalate(now=_at(dt.date(2026, 7, 27), 23), by=SYSTEM) == 0
    assert tickets_escalate(now=_at(dt.date(2026, 7, 28)), by=SYSTEM) == 1
    assert tickets_escalate(now=_at(dt.date(2026, 7, 28), 15), by=SYSTEM) == 0
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    # Five working days overdue on Monday 3 August: still level 1; the sixth, Tuesday, is level 2.
    assert tickets_escalate(now=_at(dt.date(2026, 8, 3)), by=SYSTEM) == 0
    assert tickets_escalate(now=_at(dt.date(2026, 8, 4)), by=SYSTEM) == 1
    assert tickets_escalate(now=_at(dt.date(2026, 8, 4)), by=SYSTEM) == 0
    assert tickets_escalate(now=_at(dt.date(2026, 9, 1)), by=SYSTEM) == 0
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.escalated_at) == (2, _at(dt.date(2026, 8, 4)))
    assert list(ticket.events.filter(action="escalated").values_list("note", flat=True)) == [
        "超过整改期限（2026-07-27），已提醒单位主要负责人",
        "逾期超过5个工作日，列入市督查室督办清单并报市领导",
    ]
    assert _audit("appraisal.ticket.escalate") == [ticket.number, ticket.number]
    # A ticket the unit answered is not overdue, whatever its deadline.
    answered.refresh_from_db()
    assert answered.escalation_level == 0
    assert [t.number for t in tickets_overdue(today=dt.date(2026, 9, 1))] == [ticket.number]


def _one_more_replied(world: World) -> Ticket:
    round = Round.objects.get()
    problem_make(round, world.units["C002"], "窗口少")
    tickets_create_for_round(round=round, by=world["appraiser"])
    ticket = Ticket.objects.get(unit__code="C002")
    return ticket_reply(ticket=ticket, reply="已增设窗口", by=world["unit_b"])


def test_a_long_neglected_ticket_jumps_to_level_two_in_one_step(world: World) -> None:
    ticket = _one_ticket(world)
    assert tickets_escalate(now=_at(dt.date(2026, 8, 20)), by=SYSTEM) == 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert ticket.events.filter(action="escalated").count() == 1


def test_the_periodic_task_escalates_as_the_system(world: World) -> None:
    ticket = _one_ticket(world)
    clock_set(_at(dt.date(2026, 7, 29)))
    appraisal_tickets_escalate.call_local()
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert TicketEvent.objects.get(action="escalated").actor == "appraisal-escalation"


def test_only_the_system_or_the_evaluator_escalates(world: World) -> None:
    ticket = _one_ticket(world)
    with pytest.raises(PermissionDenied):
        tickets_escalate(now=_at(dt.date(2026, 9, 1)), by=world["unit_a"])
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


# --- reading ------------------------------------------------------------------------------------


def test_a_unit_user_reads_only_its_own_units_tickets(world: World) -> None:
    round = _round(world)
    problem_make(round, world.units["C001"], "排队久")
    problem_make(round, world.units["C002"], "窗口少")
    tickets_create_for_round(round=round, by=world["appraiser"])
    assert [t.unit.code for t in tickets_visible(by=world["unit_a"])] == ["C001"]
    assert sorted(t.unit.code for t in tickets_visible(by=world["appraiser"])) == ["C001", "C002"]
    for who in ("leader", "dept_loose", "public"):
        with pytest.raises(PermissionDenied):
            tickets_visible(by=world[who])


def test_a_unit_users_pages_show_the_summary_and_never_the_respondent(world: World) -> None:
    round = _round(world)
    problem = problem_make(
        round,
        world.units["C001"],
        "老王五金店反映材料要交三遍，联系人电话13987650123",
        respondent_name="老王五金店",
        respondent_uscc="91530100MA6K00015N",
    )
    problem_make(round, world.units["C002"], "窗口少")
    tickets_create_for_round(round=round, by=world["appraiser"])
    own = Ticket.objects.get(unit__code="C001")
    other = Ticket.objects.get(unit__code="C002")
    client = client_for("unit_a")
    listing = client.get("/appraisal/tickets/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert f'data-ticket="{own.number}"' in page
    assert other.number not in page
    assert f'data-testid="reply-{own.number}"' in page
    detail = client.get(f"/appraisal/tickets/{own.number}/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert f"{MASK}反映材料要交三遍，联系人电话{MASK}" in body
    for secret in ("老王五金店", "13987650123", "91530100MA6K00015N", problem.response.instance_id, problem.text):
        assert secret not in body
    assert 'data-testid="reply-form"' in body
    assert 'data-testid="problem-original"' not in body
    assert client.get(f"/appraisal/tickets/{other.number}/").status_code == 404
    assert client.get("/appraisal/tickets/?format=xlsx").status_code == 403
    # The evaluator sees the original words, and that reading is audited.
    evaluator = client_for("appraiser").get(f"/appraisal/tickets/{own.number}/").content.decode()
    assert "老王五金店反映材料要交三遍" in evaluator
    assert _audit("appraisal.raw.view") == [own.number]


def test_a_unit_replies_on_its_page_and_the_evaluator_verifies_on_it(world: World) -> None:
    ticket = _one_ticket(world)
    unit = client_for("unit_a")
    assert unit.post(f"/appraisal/tickets/{ticket.number}/reply/", {"reply": ""}).status_code == 400
    response = unit.post(f"/appraisal/tickets/{ticket.number}/reply/", {"reply": "已推行一次告知"})
    assert response.status_code == 302
    assert client_for("unit_b").post(f"/appraisal/tickets/{ticket.number}/reply/", {"reply": "x"}).status_code == 404
    evaluator = client_for("appraiser")
    refused = evaluator.post(f"/appraisal/tickets/{ticket.number}/verify/", {"decision": "reject", "note": ""})
    assert refused.status_code == 400
    assert 'data-code="appraisal_ticket_reason_required"' in refused.content.decode()
    assert evaluator.post(f"/appraisal/tickets/{ticket.number}/verify/", {"decision": "accept"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reply) == ("closed", "已推行一次告知")


def test_the_evaluators_list_filters_highlights_overdue_and_exports(world: World) -> None:
    round = _round(world)
    problem_make(round, world.units["C001"], "排队久")
    problem_make(round, world.units["D001"], "审批慢")
    tickets_create_for_round(round=round, by=world["appraiser"])
    ticket_reply(ticket=Ticket.objects.get(unit__code="C001"), reply="已增设窗口", by=world["unit_a"])
    clock_set(_at(dt.date(2026, 7, 28)))
    client = client_for("appraiser")
    page = client.get("/appraisal/tickets/").content.decode()
    assert 'data-ticket="PJ2026Q2-0002" data-status="open" data-overdue="1" class="overdue"' in page
    assert 'data-ticket="PJ2026Q2-0001" data-status="replied" data-overdue="0"' in page
    overdue_only = client.get("/appraisal/tickets/?overdue=1").content.decode()
    assert "PJ2026Q2-0002" in overdue_only
    assert "PJ2026Q2-0001" not in overdue_only
    by_unit = client.get("/appraisal/tickets/?unit=C001").content.decode()
    assert "PJ2026Q2-0001" in by_unit
    assert "PJ2026Q2-0002" not in by_unit
    export = client.get("/appraisal/tickets/?round=2026Q2&format=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[2], r[7]) for r in rows] == [
        ("PJ2026Q2-0001", "五华区政务服务中心", "否"),
        ("PJ2026Q2-0002", "市市场监督管理局", "是"),
    ]
