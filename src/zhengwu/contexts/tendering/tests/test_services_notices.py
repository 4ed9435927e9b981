"""Notices: the timetable the law requires, approval, publication with its events, immutability,
amendments and termination."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import Notice, Project, Section
from zhengwu.contexts.tendering.services import (
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    notice_revise,
    section_add,
    tender_terminate,
)
from zhengwu.contexts.tendering.tests.factories import (
    CONSTRUCTION,
    CONSULTATION,
    LISTING,
    NOW,
    World,
    at,
    notice_make,
    project_make,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.selectors import audit_entries_for
from zhengwu.platform.exchange.models import Delivery, OutboxMessage

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


def _approved(world: World, procedure: str, **timetable: Any) -> tuple[Project, list[Section], Notice]:
    sections = (("第一标段", "52300000.00", "800000.00"),)
    project, made = project_make(world, procedure=procedure, sections=sections)
    notice = notice_make(world, project, made, **timetable)
    notice = notice_approve(notice=notice, by=world["staff"])
    return project, made, notice


# --- the timetable the law requires ----------------------------------------------------------------

REFUSALS = [
    # construction: the deadline one day short of 20 days after the documents were first issued
    (CONSTRUCTION, {"bid_deadline": at(2026, 3, 20, 9, 30)}, "bid_period_short", {"earliest_day": "2026-03-22"}),
    # construction: 20 days are reached on a Sunday: the deadline must be a working day
    (CONSTRUCTION, {"bid_deadline": at(2026, 3, 22, 9, 30)}, "deadline_on_rest_day", {"next_workday": "2026-03-23"}),
    # construction: the sale one day short of 5 days
    (CONSTRUCTION, {"doc_issue_end": at(2026, 3, 6, 17)}, "doc_issue_period_short", {"last_day_min": "2026-03-07"}),
    # construction: the opening must be at the very instant of the deadline
    (
        CONSTRUCTION,
        {"opening_at": at(2026, 3, 24, 14, 0)},
        "opening_not_at_deadline",
        {"opening_at": "2026-03-24T14:00:00+08:00"},
    ),
    # 竞争性磋商: 5 working days of sale; Saturday 7 March is not one of them
    (CONSULTATION, {"doc_issue_end": at(2026, 3, 7, 17)}, "doc_issue_period_short", {"last_day_min": "2026-03-09"}),
    # 竞争性磋商: first responses at least 10 days after the documents
    (CONSULTATION, {"bid_deadline": at(2026, 3, 11, 14, 30)}, "bid_period_short", {"earliest_day": "2026-03-12"}),
    # 挂牌: the notice at least 20 days before the listing starts
    (LISTING, {"activity_start": at(2026, 3, 21, 9)}, "notice_period_short", {"earliest_day": "2026-03-22"}),
    # 挂牌: 10 working days; the 清明 holiday (4–6 April) pushes the earliest end to 7 April
    (LISTING, {"bid_deadline": at(2026, 4, 3, 17)}, "listing_period_short", {"earliest_day": "2026-04-07"}),
]


@pytest.mark.parametrize(("procedure", "timetable", "code", "detail"), REFUSALS)
def test_an_unlawful_timetable_is_refused_at_publication_with_the_rule_broken(
    world: World, procedure: str, timetable: dict[str, Any], code: str, detail: dict[str, str]
) -> None:
    _, sections, notice = _approved(world, procedure, **timetable)
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        notice_publish(notice=notice, by=world["agency"])
    assert caught.value.code == code
    for key, value in detail.items():
        assert caught.value.detail[key] == value
    assert caught.value.detail["article"]
    assert caught.value.detail["article"] in caught.value.message or "本平台" in caught.value.detail["article"]
    assert snapshot() == before
    notice.refresh_from_db()
    assert notice.status == "approved"
    assert Section.objects.get(pk=sections[0].pk).status == "draft"


def test_the_draft_page_can_preview_the_same_refusals_before_approval(world: World) -> None:
    project, sections = project_make(world)
    notice = notice_make(world, project, sections, bid_deadline=at(2026, 3, 20, 9, 30))
    assert [v.code for v in selectors.notice_timetable_check(notice=notice)] == ["bid_period_short"]
    table = selectors.timetable_preview(procedure=CONSTRUCTION)
    assert (table.doc_issue_last_day_min.isoformat(), table.bid_deadline_earliest_day.isoformat()) == (  # type: ignore[union-attr]
        "2026-03-07",
        "2026-03-23",
    )


def test_the_earliest_lawful_deadline_is_accepted(world: World) -> None:
    _, sections, notice = _approved(
        world, CONSTRUCTION, doc_issue_end=at(2026, 3, 7, 0, 1), bid_deadline=at(2026, 3, 23, 0, 0)
    )
    notice_publish(notice=notice, by=world["agency"])
    assert Section.objects.get(pk=sections[0].pk).bid_deadline == at(2026, 3, 23)


def test_a_bid_security_above_two_percent_of_the_estimate_is_refused(world: World) -> None:
    project, _ = project_make(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        section_add(
            project=project,
            name="第二标段",
            estimate_yuan="34200000.00",
            bid_security_yuan="684000.01",
            by=world["agency"],
        )
    assert caught.value.code == "bid_security_over_cap"
    assert caught.value.detail["cap_fen"] == 68_400_000
    assert caught.value.detail["article"] == "《招标投标法实施条例》第二十六条"
    assert snapshot() == before
    assert (
        section_add(
            project=project,
            name="第二标段",
            estimate_yuan="34200000.00",
            bid_security_yuan="684000.00",
            by=world["agency"],
        ).bid_security_fen
        == 68_400_000
    )


# --- approval ---------------------------------------------------------------------------------------


def test_a_notice_is_published_only_after_staff_approved_it(world: World) -> None:
    project, sections = project_make(world)
    notice = notice_make(world, project, sections)
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        notice_publish(notice=notice, by=world["agency"])
    assert (caught.value.code, caught.value.detail) == ("notice_not_approved", {"missing_roles": ["centre_staff"]})
    assert snapshot() == before
    approved = notice_approve(notice=notice, comment="同意发布", by=world["staff"])
    assert approved.status == "approved"
    assert [(a.role, a.username, a.comment) for a in selectors.notice_approvals(notice=approved)] == [
        ("centre_staff", "staff", "同意发布")
    ]
    with pytest.raises(Conflict) as again:
        notice_approve(notice=notice, by=world["staff"])
    assert again.value.code == "notice_already_approved"


def test_revising_an_approved_notice_withdraws_its_approval(world: World) -> None:
    _, _, notice = _approved(world, CONSTRUCTION)
    revised = notice_revise(
        notice=notice,
        title="更正后的标题",
        body="更正后的正文",
        doc_issue_end=at(2026, 3, 10, 17),
        bid_deadline=at(2026, 3, 25, 9, 30),
        by=world["agency"],
    )
    assert (revised.status, revised.title, revised.bid_deadline, revised.approvals.count()) == (
        "draft",
        "更正后的标题",
        at(2026, 3, 25, 9, 30),
        0,
    )
    assert audit_entries_for(object_type="tendering.notice", object_id=str(notice.uuid))[-1].after[
        "approvals_withdrawn"
    ] == ["centre_staff"]


# --- publication and its events ---------------------------------------------------------------------


def test_publication_publishes_the_notice_and_each_status_change_with_exact_payloads(world: World) -> None:
    project, sections = project_make(world)
    document_upload(
        project=project,
        name="招标公告附件：工程量清单.xlsx",
        content=b"PK\x03\x04 list",
        is_public=True,
        by=world["agency"],
    )
    document_upload(project=project, name="招标文件.pdf", content=b"%PDF secret", by=world["agency"])
    notice = notice_make(world, project, sections)
    notice_approve(notice=notice, by=world["staff"])
    notice_publish(notice=notice, by=world["agency"])
    section = sections[0]
    messages = list(OutboxMessage.objects.filter(aggregate_id=project.code).order_by("sequence"))
    assert [(m.event_type, m.sequence) for m in messages] == [
        ("tendering.notice.published", 1),
        ("tendering.section.status_changed", 2),
        ("tendering.section.status_changed", 3),
    ]
    # The opening key bidders seal to is published with the notice, with its fingerprint.
    (opening_key,) = messages[0].payload["opening_keys"]
    assert opening_key["fingerprint"] == hashlib.sha256(base64.b64decode(opening_key["public_key"])).hexdigest()
    assert {k: v for k, v in opening_key.items() if k not in ("public_key", "fingerprint")} == {
        "section": sections[0].code,
        "envelope": "single",
        "bidder_key_required": "yes",
    }
    assert {k: v for k, v in messages[0].payload.items() if k != "opening_keys"} == {
        "notice_id": str(notice.uuid),
        "kind": "tender",
        "trade_type": "construction",
        "procedure": "construction.open",
        "project_code": project.code,
        "project_name": "昆明市呈贡区吴家营片区市政道路工程",
        "section_codes": [section.code],
        "title": "昆明市呈贡区吴家营片区市政道路工程招标公告",
        "body": "投标人资格要求：具备相应资质。",
        "tenderer_name": "昆明某城市建设投资有限公司",
        "agency_name": "云南某招标代理有限公司",
        "region_code": "530114",
        "budget_fen": 8_650_000_000,
        "published_at": "2026-03-02T02:00:00+00:00",
        "bid_deadline": "2026-03-24T01:30:00+00:00",
        "opening_at": "2026-03-24T01:30:00+00:00",
        "references_notice_id": None,
        # Only the public attachment travels; the tender documents stay on the trading platform.
        "attachments": [
            {
                "name": "招标公告附件：工程量清单.xlsx",
                "sha256": hashlib.sha256(b"PK\x03\x04 list").hexdigest(),
                "size": 9,
            }
        ],
        # The public facts the upward push's datasets need (the codes, the section's estimate …).
        "tenderer_uscc": project.owner_uscc,
        "agency_uscc": project.agency_uscc,
        "industry_code": "E48",
        "project_created_at": project.created_at.isoformat(),
        "doc_issue_start": "2026-03-02T02:00:00+00:00",
        "doc_issue_end": "2026-03-09T09:00:00+00:00",
        "sections": [
            {
                "code": section.code,
                "name": "第一标段",
                "deal_code": section.deal_code,
                "estimate_fen": section.estimate_fen,
                "bid_security_fen": section.bid_security_fen,
                "document_price_fen": section.document_price_fen,
                "attempt": 1,
                "created_at": section.created_at.isoformat(),
            }
        ],
    }
    assert len(project.owner_uscc) == len(project.agency_uscc) == 18
    common = {
        "project_code": project.code,
        "section_code": section.code,
        "section_name": "第一标段",
        "bid_deadline": "2026-03-24T01:30:00+00:00",
        "changed_at": "2026-03-02T02:00:00+00:00",
    }
    assert messages[1].payload == {
        **common,
        "status": "published",
        "previous_status": "draft",
        "reason": "notice_published",
    }
    assert messages[2].payload == {
        **common,
        "status": "accepting_bids",
        "previous_status": "published",
        "reason": "documents_issued",
    }
    # Routed as the settings say: notices to the public and supervision platforms, status to supervision.
    assert sorted(Delivery.objects.filter(message=messages[0]).values_list("destination", flat=True)) == [
        "public",
        "supervision",
    ]
    assert list(Delivery.objects.filter(message=messages[1]).values_list("destination", flat=True)) == ["supervision"]
    entry = audit_entries_for(object_type="tendering.notice", object_id=str(notice.uuid))[-1]
    assert (entry.action, entry.actor_username, entry.after["sections"][0]["status"]) == (
        "tendering.notice.publish",
        "agency",
        "accepting_bids",
    )


def test_a_published_notice_never_changes(world: World) -> None:
    _, _, notice = tender_publish(world)
    stored = Notice.objects.get(pk=notice.pk)
    stored.title = "篡改"
    with pytest.raises(Conflict) as caught:
        stored.save()
    assert caught.value.code == "notice_immutable"
    with pytest.raises(Conflict):
        stored.delete()
    with pytest.raises(Conflict) as revise:
        notice_revise(notice=notice, title="新标题", body="新正文", by=world["agency"])
    assert revise.value.code == "notice_immutable"
    with pytest.raises(Conflict):
        notice_publish(notice=notice, by=world["agency"])
    assert Notice.objects.get(pk=notice.pk).title == "昆明市呈贡区吴家营片区市政道路工程招标公告"


def test_project_and_section_codes_never_change(world: World) -> None:
    project, sections = project_make(world)
    stored = Project.objects.get(pk=project.pk)
    stored.code = "E530114202699999X"
    with pytest.raises(Conflict) as caught:
        stored.save()
    assert caught.value.code == "project_code_immutable"
    section = Section.objects.get(pk=sections[0].pk)
    section.code = section.code[:-1] + "9"
    with pytest.raises(Conflict):
        section.save()
    assert Project.objects.get(pk=project.pk).code == project.code


def test_a_section_cannot_be_opened_by_a_second_tender_notice(world: World) -> None:
    project, sections, _ = tender_publish(world)
    notice = notice_make(world, project, sections)
    notice_approve(notice=notice, by=world["staff"])
    with pytest.raises(Conflict) as caught:
        notice_publish(notice=notice, by=world["agency"])
    assert (caught.value.code, caught.value.detail["sections"]) == ("sections_not_draft", [sections[0].code])


# --- amendments -------------------------------------------------------------------------------------


def _amendment(world: World, project: Project, sections: list[Section], reference: Notice, **kwargs: Any) -> Notice:
    notice = notice_draft(
        project=project,
        kind="amendment",
        title="澄清/修改公告",
        body="招标文件第三章评标办法修改如下……",
        sections=sections,
        references=reference,
        by=world["agency"],
        **kwargs,
    )
    return notice_approve(notice=notice, by=world["staff"])


def test_an_amendment_14_days_before_the_deadline_moves_it_to_15_days(world: World) -> None:
    project, sections, tender = tender_publish(world)
    clock_set(at(2026, 3, 10, 11))  # 14 days before 24 March
    amendment = notice_publish(
        notice=_amendment(world, project, sections, tender, affects_bid_preparation=True), by=world["agency"]
    )
    section = Section.objects.get(pk=sections[0].pk)
    assert (section.bid_deadline, section.opening_at, section.next_check_at) == (
        at(2026, 3, 25, 9, 30),
        at(2026, 3, 25, 9, 30),
        at(2026, 3, 25, 9, 30),
    )
    assert (amendment.bid_deadline, amendment.references_id) == (at(2026, 3, 25, 9, 30), tender.pk)
    payload = OutboxMessage.objects.filter(aggregate_id=project.code).order_by("sequence").last().payload  # type: ignore[union-attr]
    assert (payload["kind"], payload["references_notice_id"], payload["bid_deadline"]) == (
        "amendment",
        str(tender.uuid),
        "2026-03-25T01:30:00+00:00",
    )


def test_an_amendment_15_days_before_the_deadline_keeps_it(world: World) -> None:
    project, sections, tender = tender_publish(world)
    clock_set(at(2026, 3, 9, 11))
    notice_publish(
        notice=_amendment(world, project, sections, tender, affects_bid_preparation=True), by=world["agency"]
    )
    assert Section.objects.get(pk=sections[0].pk).bid_deadline == at(2026, 3, 24, 9, 30)


def test_an_amendment_may_not_set_a_deadline_before_the_lawful_one(world: World) -> None:
    project, sections, tender = tender_publish(world)
    clock_set(at(2026, 3, 10, 11))
    amendment = _amendment(
        world, project, sections, tender, affects_bid_preparation=True, bid_deadline=at(2026, 3, 24, 15)
    )
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        notice_publish(notice=amendment, by=world["agency"])
    assert (caught.value.code, caught.value.detail["required"]) == (
        "amendment_deadline_too_early",
        "2026-03-25T01:30:00+00:00",
    )
    assert snapshot() == before


def test_an_amendment_after_the_deadline_is_refused(world: World) -> None:
    project, sections, tender = tender_publish(world)
    amendment = _amendment(world, project, sections, tender, affects_bid_preparation=True)
    clock_set(at(2026, 3, 24, 9, 30))
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        notice_publish(notice=amendment, by=world["agency"])
    assert caught.value.code == "bid_deadline_passed"
    assert snapshot() == before


# --- termination ------------------------------------------------------------------------------------


def test_terminating_a_tender_publishes_a_termination_notice_and_ends_its_sections(world: World) -> None:
    project, _, tender = tender_publish(
        world, sections=(("第一标段", "52300000.00", "0"), ("第二标段", "34200000.00", "0"))
    )
    notice = tender_terminate(project=project, reason="项目建设规划调整，终止本次招标", by=world["tenderer"])
    assert (notice.kind, notice.status, notice.references_id, notice.published_at) == (
        "termination",
        "published",
        tender.pk,
        NOW,
    )
    assert "项目建设规划调整，终止本次招标" in notice.body
    assert sorted(Section.objects.filter(project=project).values_list("status", "next_check_at")) == [
        ("terminated", None),
        ("terminated", None),
    ]
    events = [
        (m.event_type, m.payload.get("kind") or m.payload.get("status"))
        for m in OutboxMessage.objects.filter(aggregate_id=project.code).order_by("sequence")
    ][-3:]
    assert events == [
        ("tendering.notice.published", "termination"),
        ("tendering.section.status_changed", "terminated"),
        ("tendering.section.status_changed", "terminated"),
    ]
    with pytest.raises(Conflict) as again:
        tender_terminate(project=project, reason="再次终止", by=world["tenderer"])
    assert again.value.code == "nothing_to_terminate"


def test_only_the_roles_the_rule_set_names_may_approve(world: World) -> None:
    project, sections = project_make(world)
    notice = notice_make(world, project, sections)
    for key in ("tenderer", "agency", "bidder1", "regulator", "expert", "system"):
        with pytest.raises(PermissionDenied) as caught:
            notice_approve(notice=notice, by=world[key])
        assert caught.value.code == "notice_approve_denied"
    assert Notice.objects.get(pk=notice.pk).status == "draft"
