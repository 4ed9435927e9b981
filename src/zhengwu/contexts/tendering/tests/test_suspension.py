"""An objection to the documents suspends the tender until it is answered (招标投标法实施条例 第二十二条)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.lifecycle import TickReport, tick_run
from zhengwu.contexts.tendering.models import Notice, Objection, Section
from zhengwu.contexts.tendering.services import (
    document_obtain,
    objection_file,
    objection_reply,
    question_ask,
    section_transition,
)
from zhengwu.contexts.tendering.tests.factories import (
    CONSULTATION,
    NOW,
    World,
    at,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

DEADLINE = at(2026, 3, 24, 9, 30)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


@pytest.fixture
def section(world: World) -> Section:
    _, sections, _ = tender_publish(world)
    document_obtain(section=sections[0], by=world["bidder1"])
    return sections[0]


def _file(world: World, section: Section, text: str = "资质要求排斥潜在投标人。") -> Objection:
    return objection_file(section=section, kind="tender_documents", text=text, by=world["bidder1"])


def _state(section: Section) -> tuple[Any, ...]:
    row = Section.objects.get(pk=section.pk)
    return (row.status, row.suspended_at, row.bid_deadline, row.opening_at, row.next_check_at, row.version)


def test_a_documents_objection_suspends_the_section(world: World, section: Section) -> None:
    version = Section.objects.get(pk=section.pk).version
    events = OutboxMessage.objects.count()
    clock_set(at(2026, 3, 5, 11))
    objection = _file(world, section)
    assert objection.suspends is True
    assert _state(section) == ("accepting_bids", at(2026, 3, 5, 11), DEADLINE, DEADLINE, None, version + 1)
    entry = AuditEntry.objects.get(action="tendering.objection.file")
    assert (entry.object_type, entry.object_id, entry.after) == (
        "tendering.objection",
        str(objection.uuid),
        {
            "kind": "tender_documents",
            "text": "资质要求排斥潜在投标人。",
            "reply_due": "2026-03-09T16:00:00+00:00",  # 8 March is a Sunday: 24:00 on Monday 9th
            "suspends": True,
        },
    )
    assert OutboxMessage.objects.count() == events  # suspension publishes nothing by itself


def test_while_suspended_obtaining_asking_and_moving_are_refused_and_nothing_changes(
    world: World, section: Section
) -> None:
    _file(world, section)
    before = snapshot()
    attempts = {
        "obtain": lambda: document_obtain(section=section, by=world["bidder2"]),
        "ask": lambda: question_ask(section=section, text="工期可否调整？", by=world["bidder1"]),
        "open": lambda: section_transition(section=section, target="opening", reason="人工开标", by=world["staff"]),
    }
    for name, attempt in attempts.items():
        with pytest.raises(Conflict) as caught:
            attempt()
        assert (name, caught.value.code, caught.value.detail) == (
            name,
            "section_suspended",
            {"section": section.code, "suspended_at": "2026-03-02T02:00:00+00:00"},
        )
        assert "暂停" in caught.value.message
        assert snapshot() == before


def test_the_tick_does_not_open_a_suspended_section_at_its_deadline(world: World, section: Section) -> None:
    _file(world, section)
    before = snapshot()
    clock_set(at(2026, 3, 24, 10))
    assert tick_run(now=at(2026, 3, 24, 10)) == TickReport(now=at(2026, 3, 24, 10), due=0)
    assert snapshot() == before
    assert _state(section)[:2] == ("accepting_bids", NOW)


def test_a_suspended_section_left_due_by_the_scheduler_is_skipped_not_opened(world: World, section: Section) -> None:
    _file(world, section)
    # As if the check time had been stored before the suspension: the tick re-checks the locked row.
    Section.objects.filter(pk=section.pk).update(next_check_at=DEADLINE)
    report = tick_run(now=DEADLINE)
    assert (report.due, report.skipped, report.transitions, report.errors) == (1, 1, (), ())
    assert _state(section)[:2] == ("accepting_bids", NOW)
    assert Section.objects.get(pk=section.pk).next_check_at is None


def test_a_reply_with_enough_time_left_lifts_the_suspension_keeps_the_deadline_and_gives_back_the_issue_days(
    world: World, section: Section
) -> None:
    objection = _file(world, section)
    version = Section.objects.get(pk=section.pk).version
    events, notices = OutboxMessage.objects.count(), Notice.objects.count()
    clock_set(at(2026, 3, 6, 9))  # 18 days before the deadline
    objection_reply(objection=objection, reply="资质要求符合国家规定。", by=world["agency"])
    assert _state(section) == ("accepting_bids", None, DEADLINE, DEADLINE, DEADLINE, version + 1)
    # Suspended on the day of publication with 7 days of issue left (3..9 March): answered on
    # 6 March, the documents are issued until 13 March 17:00 (实施条例 第十六条、第二十二条).
    new_end = at(2026, 3, 13, 17)
    assert Section.objects.get(pk=section.pk).doc_issue_end == new_end
    assert (OutboxMessage.objects.count(), Notice.objects.count()) == (events + 1, notices + 1)
    notice = Notice.objects.get(kind="amendment")
    assert (notice.doc_issue_end, notice.bid_deadline) == (new_end, DEADLINE)
    assert notice.body == (
        "昆明市呈贡区吴家营片区市政道路工程第一标段的异议已答复，暂停的招标投标活动自即日起恢复。"
        "因暂停期间不能获取招标文件，招标文件发售（获取）截止时间相应顺延至2026-03-13 17:00"
        "（《招标投标法实施条例》第十六条、第二十二条）。"
        "\n\n投标截止时间不变，仍为2026-03-24 09:30。"
    )
    entry = AuditEntry.objects.get(action="tendering.objection.reply")
    assert entry.after == {
        "status": "replied",
        "reply": "资质要求符合国家规定。",
        "late": True,
        "suspension_lifted": True,
        "bid_deadline_before": "2026-03-24T01:30:00+00:00",
        "bid_deadline_after": "2026-03-24T01:30:00+00:00",
        "doc_issue_end_before": "2026-03-09T09:00:00+00:00",
        "doc_issue_end_after": "2026-03-13T09:00:00+00:00",
        "amendment_notice": str(notice.uuid),
    }
    # The tender resumes: documents are obtained again — until the new end — and the tick opens
    # it at the deadline.
    clock_set(at(2026, 3, 12, 16))
    document_obtain(section=section, by=world["bidder2"])
    assert [t.status for t in tick_run(now=DEADLINE).transitions] == ["opening"]


def test_a_reply_leaving_less_than_15_days_extends_the_deadline_with_an_amendment_notice(
    world: World, section: Section
) -> None:
    objection = _file(world, section)
    version = Section.objects.get(pk=section.pk).version
    events = OutboxMessage.objects.count()
    clock_set(at(2026, 3, 12, 15))  # 12 days left; 15 days from 12 March is 27 March
    objection_reply(objection=objection, reply="已修改资质要求。", by=world["agency"])
    new = at(2026, 3, 27, 9, 30)
    assert _state(section) == ("accepting_bids", None, new, new, new, version + 1)
    notice = Notice.objects.get(kind="amendment")
    assert (notice.status, notice.bid_deadline, notice.opening_at, notice.published_at) == (
        "published",
        new,
        new,
        at(2026, 3, 12, 15),
    )
    # 7 days of issue were left when it stopped on 2 March: they run again from 12 March.
    assert (notice.doc_issue_end, Section.objects.get(pk=section.pk).doc_issue_end) == (
        at(2026, 3, 19, 17),
        at(2026, 3, 19, 17),
    )
    assert notice.body == (
        "昆明市呈贡区吴家营片区市政道路工程第一标段的异议已答复，暂停的招标投标活动自即日起恢复。"
        "因暂停期间不能获取招标文件，招标文件发售（获取）截止时间相应顺延至2026-03-19 17:00"
        "（《招标投标法实施条例》第十六条、第二十二条）。"
        "\n\n投标截止时间和开标时间顺延至2026-03-27 09:30。"
    )
    added = list(OutboxMessage.objects.order_by("id")[events:].values_list("event_type", "payload"))
    assert [(t, p["notice_id"], p["kind"], p["bid_deadline"], p["opening_at"]) for t, p in added] == [
        (
            "tendering.notice.published",
            str(notice.uuid),
            "amendment",
            "2026-03-27T01:30:00+00:00",
            "2026-03-27T01:30:00+00:00",
        )
    ]
    entry = AuditEntry.objects.get(action="tendering.objection.reply")
    assert entry.after == {
        "status": "replied",
        "reply": "已修改资质要求。",
        "late": True,
        "suspension_lifted": True,
        "bid_deadline_before": "2026-03-24T01:30:00+00:00",
        "bid_deadline_after": "2026-03-27T01:30:00+00:00",
        "doc_issue_end_before": "2026-03-09T09:00:00+00:00",
        "doc_issue_end_after": "2026-03-19T09:00:00+00:00",
        "amendment_notice": str(notice.uuid),
    }


def test_a_deadline_that_passed_while_suspended_moves_15_days_past_the_reply(world: World, section: Section) -> None:
    objection = _file(world, section)
    clock_set(at(2026, 3, 25, 10))  # a day after the old deadline; 15 days on is Thursday 9 April
    tick_run(now=at(2026, 3, 25, 10))
    objection_reply(objection=objection, reply="异议不成立。", by=world["agency"])
    new = at(2026, 4, 9, 9, 30)
    assert _state(section)[:5] == ("accepting_bids", None, new, new, new)
    assert Notice.objects.get(kind="amendment").bid_deadline == new
    # Nothing opened at the old deadline; the new one opens it.
    assert (
        OutboxMessage.objects.filter(event_type="tendering.section.status_changed", payload__status="opening").count()
        == 0
    )
    assert [t.status for t in tick_run(now=new).transitions] == ["opening"]


def test_the_suspension_lasts_until_every_suspending_objection_is_answered(world: World, section: Section) -> None:
    first = _file(world, section)
    clock_set(at(2026, 3, 3, 9))
    second = _file(world, section, text="评分办法不合理。")
    assert _state(section)[1] == NOW  # the first filing's instant is kept
    objection_reply(objection=first, reply="不成立。", by=world["agency"])
    assert _state(section)[1] == NOW
    assert AuditEntry.objects.filter(action="tendering.objection.reply").get().after["suspension_lifted"] is False
    objection_reply(objection=second, reply="不成立。", by=world["agency"])
    assert _state(section)[:2] == ("accepting_bids", None)


def test_objections_that_do_not_suspend_change_nothing(world: World, section: Section) -> None:
    # At the opening (实施条例 第四十四条: answered on the spot, no suspension).
    tick_run(now=DEADLINE)
    clock_set(at(2026, 3, 24, 9, 45))
    before = _state(section)
    opening = objection_file(section=section, kind="opening", text="开标程序有误。", by=world["bidder1"])
    assert (opening.suspends, _state(section)) == (False, before)
    assert AuditEntry.objects.get(action="tendering.objection.file").after["suspends"] is False
    objection_reply(objection=opening, reply="当场答复：程序无误。", by=world["agency"])
    assert _state(section) == before
    assert AuditEntry.objects.get(action="tendering.objection.reply").after["suspension_lifted"] is False
    # A 政府采购 质疑 does not suspend by law (采购法 第五十三条 has no such rule).
    clock_set(NOW)
    _, sections, _ = tender_publish(world, procedure=CONSULTATION)
    document_obtain(section=sections[0], by=world["bidder1"])
    before = _state(sections[0])
    challenge = objection_file(
        section=sections[0], kind="tender_documents", text="评分倾向性明显。", by=world["bidder1"]
    )
    assert (challenge.suspends, _state(sections[0])) == (False, before)
    question_ask(section=sections[0], text="可否联合体？", by=world["bidder1"])
