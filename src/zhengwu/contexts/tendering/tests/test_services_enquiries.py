"""Clarification questions (anonymous), answers that move the deadline, objections with their windows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import AnswerDelivery, Notice, Objection, Question, Section
from zhengwu.contexts.tendering.services import (
    answer_publish,
    document_obtain,
    objection_file,
    objection_reply,
    question_ask,
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
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db


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
    for key in ("bidder1", "bidder2"):
        document_obtain(section=sections[0], by=world[key])
    return sections[0]


# --- questions --------------------------------------------------------------------------------------


def test_questions_never_show_their_asker_to_anyone_but_the_asker(world: World, section: Section) -> None:
    question = question_ask(section=section, text="工期是否可以调整？", by=world["bidder1"])
    assert (question.asker_org_id, question.asker_org_name) == (
        world["bidder1"].organisation_id,
        "云南某建设工程有限公司",
    )
    fields = {f.name for f in dataclasses.fields(selectors.QuestionView)}
    assert fields == {"uuid", "text", "asked_at", "answer_uuid", "mine"}  # no asker at all
    for key in ("tenderer", "agency", "staff", "regulator"):
        views = selectors.questions_for(section=section, by=world[key])
        assert [(v.uuid, v.text, v.mine) for v in views] == [(question.uuid, "工期是否可以调整？", False)]
    assert [v.mine for v in selectors.questions_for(section=section, by=world["bidder1"])] == [True]
    for key in ("bidder2", "bidder3", "expert", "public", "tenderer_other", "agency_other"):
        assert selectors.questions_for(section=section, by=world[key]) == []
    # The audit entry records the act, but the question's public trace carries no organisation.
    entry = AuditEntry.objects.get(action="tendering.question.ask")
    assert entry.object_type == "tendering.question"
    assert entry.after == {"text": "工期是否可以调整？"}


def test_only_holders_of_the_documents_may_ask_and_only_before_the_deadline(world: World, section: Section) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied) as not_holder:
        question_ask(section=section, text="问题", by=world["bidder3"])
    assert not_holder.value.code == "documents_not_obtained"
    with pytest.raises(PermissionDenied) as tenderer:
        question_ask(section=section, text="问题", by=world["tenderer"])
    assert tenderer.value.code == "bidder_required"
    clock_set(at(2026, 3, 24, 9, 30))
    with pytest.raises(Conflict) as late:
        question_ask(section=section, text="问题", by=world["bidder1"])
    assert late.value.code == "bid_deadline_passed"
    assert snapshot() == before


# --- answers ----------------------------------------------------------------------------------------


def test_an_answer_changing_the_documents_14_days_before_the_deadline_extends_it(
    world: World, section: Section
) -> None:
    question = question_ask(section=section, text="混凝土标号是否有误？", by=world["bidder1"])
    clock_set(at(2026, 3, 10, 15))  # 14 days before 24 March
    answer = answer_publish(
        section=section,
        body="招标文件技术规范第5.2条混凝土强度等级由C30更正为C35。",
        questions=[question],
        affects_bid_preparation=True,
        by=world["agency"],
    )
    section.refresh_from_db()
    assert (section.bid_deadline, section.opening_at, section.next_check_at) == (
        at(2026, 3, 25, 9, 30),
        at(2026, 3, 25, 9, 30),
        at(2026, 3, 25, 9, 30),
    )
    assert (answer.bid_deadline_before, answer.bid_deadline_after) == (at(2026, 3, 24, 9, 30), at(2026, 3, 25, 9, 30))
    notice = answer.amendment_notice
    assert notice is not None
    assert (notice.kind, notice.status, notice.bid_deadline, notice.references.kind) == (  # type: ignore[union-attr]
        "amendment",
        "published",
        at(2026, 3, 25, 9, 30),
        "tender",
    )
    assert notice.body.endswith("投标截止时间和开标时间顺延至2026-03-25 09:30。")
    payload = OutboxMessage.objects.filter(event_type="tendering.notice.published").order_by("id").last().payload  # type: ignore[union-attr]
    assert (payload["notice_id"], payload["kind"], payload["bid_deadline"]) == (
        str(notice.uuid),
        "amendment",
        "2026-03-25T01:30:00+00:00",
    )
    # Every holder receives it in writing; the question is answered.
    assert sorted(AnswerDelivery.objects.filter(answer=answer).values_list("organisation_id", flat=True)) == sorted(
        [world["bidder1"].organisation_id, world["bidder2"].organisation_id]
    )
    assert Question.objects.get(pk=question.pk).answer_id == answer.pk


def test_an_answer_15_days_before_the_deadline_leaves_it(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 9, 15))
    answer = answer_publish(section=section, body="图纸第12页更正。", affects_bid_preparation=True, by=world["agency"])
    section.refresh_from_db()
    assert (section.bid_deadline, answer.bid_deadline_after) == (at(2026, 3, 24, 9, 30), None)
    assert answer.amendment_notice is not None
    assert answer.amendment_notice.body.endswith("投标截止时间不变，仍为2026-03-24 09:30。")


def test_an_answer_that_does_not_affect_bids_never_moves_the_deadline(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 20, 15))
    notices = Notice.objects.count()
    answer = answer_publish(section=section, body="开标地点不变。", affects_bid_preparation=False, by=world["agency"])
    section.refresh_from_db()
    assert (section.bid_deadline, answer.amendment_notice, Notice.objects.count()) == (
        at(2026, 3, 24, 9, 30),
        None,
        notices,
    )


def test_a_consultation_clarification_needs_only_5_days(world: World) -> None:
    _, sections, _ = tender_publish(world, procedure=CONSULTATION)
    section = sections[0]
    clock_set(at(2026, 3, 9, 10))  # 4 days before 13 March → 14 March, a Saturday → Monday 16 March
    answer_publish(section=section, body="服务期限更正为三年。", affects_bid_preparation=True, by=world["agency"])
    section.refresh_from_db()
    assert section.bid_deadline == at(2026, 3, 16, 14, 30)


def test_answers_refuse_foreign_or_answered_questions(world: World, section: Section) -> None:
    _, others, _ = tender_publish(world, name="另一个项目")
    document_obtain(section=others[0], by=world["bidder1"])
    foreign = question_ask(section=others[0], text="别的标段", by=world["bidder1"])
    with pytest.raises(InvalidInput) as caught:
        answer_publish(
            section=section, body="答复", questions=[foreign], affects_bid_preparation=False, by=world["agency"]
        )
    assert caught.value.code == "question_foreign"
    question = question_ask(section=section, text="本标段", by=world["bidder2"])
    answer_publish(
        section=section, body="答复", questions=[question], affects_bid_preparation=False, by=world["agency"]
    )
    before = snapshot()
    with pytest.raises(Conflict) as again:
        answer_publish(
            section=section, body="再答", questions=[question], affects_bid_preparation=False, by=world["agency"]
        )
    assert again.value.code == "question_already_answered"
    assert snapshot() == before


# --- objections -------------------------------------------------------------------------------------


def test_an_objection_to_construction_documents_is_due_10_days_before_the_deadline(
    world: World, section: Section
) -> None:
    clock_set(at(2026, 3, 14, 23, 59))  # 24 March − 10 days
    objection = objection_file(
        section=section, kind="tender_documents", text="资质要求排斥潜在投标人。", by=world["bidder1"]
    )
    # 3 days from the day it was received: 24:00 on 17 March.
    assert (objection.reply_due, objection.status) == (at(2026, 3, 18), "pending")
    clock_set(at(2026, 3, 15, 0, 0))
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        objection_file(section=section, kind="tender_documents", text="太晚了", by=world["bidder2"])
    assert (caught.value.code, caught.value.detail["last_day"]) == ("objection_late", "2026-03-14")
    assert caught.value.detail["article"] == "《招标投标法实施条例》第二十二条"
    assert snapshot() == before


def test_an_objection_at_the_opening_is_only_taken_on_the_spot(world: World, section: Section) -> None:
    with pytest.raises(Conflict) as caught:
        objection_file(section=section, kind="opening", text="开标程序有误", by=world["bidder1"])
    assert caught.value.code == "objection_before_opening"
    with pytest.raises(InvalidInput) as unknown:
        objection_file(section=section, kind="single_source_publicity", text="?", by=world["bidder1"])
    assert unknown.value.code == "objection_kind_unknown"


def test_a_procurement_challenge_runs_7_working_days_from_the_end_of_the_document_period(world: World) -> None:
    _, sections, _ = tender_publish(world, procedure=CONSULTATION)
    section = sections[0]
    document_obtain(section=section, by=world["bidder1"])
    # Documents issued until 9 March 17:00; 7 working days → 18 March.
    clock_set(at(2026, 3, 18, 16))
    challenge = objection_file(
        section=section, kind="tender_documents", text="评分标准倾向性明显。", by=world["bidder1"]
    )
    # Reply within 7 working days of 18 March → 27 March, due at 24:00.
    assert challenge.reply_due == at(2026, 3, 28)
    clock_set(at(2026, 3, 19))
    with pytest.raises(Conflict) as caught:
        objection_file(section=section, kind="tender_documents", text="逾期", by=world["bidder1"])
    assert (caught.value.code, caught.value.detail["last_day"]) == ("objection_late", "2026-03-18")


def test_objections_hide_the_objector_until_the_deadline_and_are_answered_once(world: World, section: Section) -> None:
    objection = objection_file(section=section, kind="tender_documents", text="资质要求过高。", by=world["bidder1"])
    insider = selectors.objections_for(section=section, by=world["agency"])
    assert [(v.uuid, v.filed_by, v.mine, v.overdue) for v in insider] == [(objection.uuid, None, False, False)]
    own = selectors.objections_for(section=section, by=world["bidder1"])
    assert [(v.filed_by, v.mine) for v in own] == [("云南某建设工程有限公司", True)]
    assert selectors.objections_for(section=section, by=world["bidder2"]) == []
    clock_set(at(2026, 3, 6, 12))  # past the reply due (24:00 on 5 March)
    assert selectors.objections_for(section=section, by=world["agency"])[0].overdue is True
    replied = objection_reply(objection=objection, reply="资质要求符合国家规定，不予调整。", by=world["agency"])
    assert (replied.status, replied.replied_at) == ("replied", at(2026, 3, 6, 12))
    entry = AuditEntry.objects.filter(action="tendering.objection.reply").get()
    assert entry.after["late"] is True
    with pytest.raises(Conflict) as again:
        objection_reply(objection=objection, reply="再答", by=world["agency"])
    assert again.value.code == "objection_already_replied"
    assert Objection.objects.get(pk=objection.pk).reply == "资质要求符合国家规定，不予调整。"
    clock_set(at(2026, 3, 24, 9, 30))
    assert [v.filed_by for v in selectors.objections_for(section=section, by=world["agency"])] == [
        "云南某建设工程有限公司"
    ]
