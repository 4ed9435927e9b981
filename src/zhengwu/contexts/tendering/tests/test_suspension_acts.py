"""While an objection suspends a tender (招标投标法实施条例 第二十二条), every act on it is refused with
``section_suspended`` — through the services, the API (409) and the pages (the Chinese message) —
and changes nothing; the pages and the API say that it is suspended, since when and why, without
naming the objector, and offer none of the refused acts.

A construction section (whose objections to the documents suspend it) for the tender acts; a land
listing for registration and deposits. No land rule set has an objection that suspends today, so
its suspension is set on the row directly: what is tested there is the guard of each service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengwu.contexts.tendering.models import Notice, Question, Registration, Section
from zhengwu.contexts.tendering.services import (
    answer_publish,
    deposit_record,
    document_obtain,
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    objection_file,
    question_ask,
    registration_apply,
    registration_confirm,
    registration_refuse,
    section_close_bidding,
    section_transition,
)
from zhengwu.contexts.tendering.tests.factories import (
    LISTING,
    NOW,
    World,
    at,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for as api_client
from zhengwu.contexts.tendering.tests.test_pages_journeys import body
from zhengwu.contexts.tendering.tests.test_pages_journeys import client_for as page_client
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
ZH = {"Accept-Language": "zh-hans"}
OBJECTOR = "云南某建设工程有限公司"  # bidder1's organisation
SUSPENDED_AT = at(2026, 3, 4, 11)
SUSPENDED_ISO = "2026-03-04T03:00:00+00:00"
MESSAGE = "招标投标活动已暂停"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


@dataclass
class Stage:
    """A suspended construction section, with everything its refused acts need."""

    section: Section
    question: Question
    amendment: Notice
    plot: Section
    registration: Registration


@pytest.fixture
def stage(world: World) -> Stage:
    project, sections, tender = tender_publish(world)
    section = sections[0]
    _, plots, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    plot = plots[0]
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=section, by=world["bidder1"])
    question = question_ask(section=section, text="工期能否顺延？", by=world["bidder1"])
    amendment = notice_draft(
        project=project,
        kind="amendment",
        title="澄清/修改公告",
        body="招标文件第三章评标办法修改如下……",
        sections=[section],
        references=tender,
        affects_bid_preparation=True,
        by=world["agency"],
    )
    notice_approve(notice=amendment, by=world["staff"])
    registration = registration_apply(section=plot, by=world["bidder1"])
    deposit_record(registration=registration, paid_yuan="25600000", paid_at=at(2026, 3, 3, 8), by=world["staff"])
    clock_set(SUSPENDED_AT)
    objection_file(section=section, kind="tender_documents", text="资质要求排斥潜在投标人。", by=world["bidder1"])
    Section.objects.filter(pk=plot.pk).update(suspended_at=SUSPENDED_AT)
    clock_set(at(2026, 3, 5, 10))
    return Stage(
        section=Section.objects.get(pk=section.pk),
        question=question,
        amendment=amendment,
        plot=Section.objects.get(pk=plot.pk),
        registration=registration,
    )


def everything() -> dict[str, Any]:
    """factories.snapshot(), every registration and issue end; staff opening the one registration
    they act on is audited by the page itself (``registration.view``), so that entry is not counted."""
    state = snapshot()
    state["counts"]["AuditEntry"] = AuditEntry.objects.exclude(action="tendering.registration.view").count()
    return {
        **state,
        "registrations": list(
            Registration.objects.order_by("id").values_list(
                "organisation_id", "status", "deposit_paid_fen", "deposit_paid_at", "reason", "version"
            )
        ),
        "doc_issue_end": list(Section.objects.order_by("id").values_list("doc_issue_end", flat=True)),
    }


# --- services ------------------------------------------------------------------------------------


def test_every_act_on_a_suspended_section_is_refused_by_its_service_and_changes_nothing(
    world: World, stage: Stage
) -> None:
    section, plot, registration = stage.section, stage.plot, stage.registration
    acts: dict[str, Callable[[], object]] = {
        "obtain": lambda: document_obtain(section=section, by=world["bidder2"]),
        "ask": lambda: question_ask(section=section, text="可否联合体投标？", by=world["bidder1"]),
        "answer": lambda: answer_publish(
            section=section,
            body="工期不变。",
            questions=[stage.question],
            affects_bid_preparation=False,
            by=world["agency"],
        ),
        "amend": lambda: notice_publish(notice=stage.amendment, by=world["agency"]),
        "upload to the section": lambda: document_upload(
            project=section.project, section=section, name="补充文件.pdf", content=b"more", by=world["agency"]
        ),
        "upload to the project": lambda: document_upload(
            project=section.project, name="图纸目录.pdf", content=b"public", is_public=True, by=world["agency"]
        ),
        "move": lambda: section_transition(section=section, target="opening", reason="人工开标", by=world["staff"]),
        "close bidding": lambda: section_close_bidding(section=section, bid_count=3, by=world["system"]),
        "register": lambda: registration_apply(section=plot, by=world["bidder2"]),
        "deposit": lambda: deposit_record(
            registration=registration, paid_yuan="25600001", paid_at=at(2026, 3, 4, 9), by=world["staff"]
        ),
        "confirm": lambda: registration_confirm(registration=registration, by=world["staff"]),
        "refuse": lambda: registration_refuse(registration=registration, reason="材料不全", by=world["staff"]),
    }
    before = everything()
    for name, act in acts.items():
        with pytest.raises(Conflict) as caught:
            act()
        target = plot if name in ("register", "deposit", "confirm", "refuse") else section
        assert (name, caught.value.code, caught.value.detail) == (
            name,
            "section_suspended",
            {"section": target.code, "suspended_at": SUSPENDED_ISO},
        )
        assert MESSAGE in caught.value.message
        assert everything() == before, name


def test_another_objection_may_still_be_filed_while_suspended(world: World, stage: Stage) -> None:
    document_obtain(section=stage.section, by=world["bidder1"])  # already held: returns the record
    second = objection_file(
        section=stage.section, kind="tender_documents", text="评分办法不合理。", by=world["bidder1"]
    )
    assert (second.suspends, Section.objects.get(pk=stage.section.pk).suspended_at) == (True, SUSPENDED_AT)


# --- API -----------------------------------------------------------------------------------------


def test_every_api_act_on_a_suspended_section_answers_409_section_suspended_and_changes_nothing(
    world: World, stage: Stage
) -> None:
    section, plot, reference = stage.section, stage.plot, str(stage.registration.uuid)
    project = section.project.code
    acts: list[tuple[str, str, str, dict[str, Any] | None, str]] = [
        ("bidder2", "post", f"/sections/{section.code}/obtain", None, section.code),
        ("bidder1", "post", f"/sections/{section.code}/questions", {"text": "可否联合体投标？"}, section.code),
        (
            "agency",
            "post",
            f"/sections/{section.code}/answers",
            {"body": "工期不变。", "affects_bid_preparation": False, "questions": [str(stage.question.uuid)]},
            section.code,
        ),
        ("agency", "post", f"/notices/{stage.amendment.uuid}/publish", None, section.code),
        ("bidder2", "post", f"/sections/{plot.code}/registration", None, plot.code),
        (
            "staff",
            "post",
            f"/registrations/{reference}/deposit",
            {"paid_yuan": "25600001", "paid_at": "2026-03-04T09:00:00+08:00"},
            plot.code,
        ),
        ("staff", "post", f"/registrations/{reference}/confirm", None, plot.code),
        ("staff", "post", f"/registrations/{reference}/refuse", {"reason": "材料不全"}, plot.code),
    ]
    before = everything()
    for username, method, path, payload, code in acts:
        client = api_client(username)
        if payload is None:
            response = getattr(client, method)(API + path)
        else:
            response = getattr(client, method)(API + path, payload, content_type="application/json")
        assert response.status_code == 409, (path, response.content)
        assert response.json()["code"] == "section_suspended", path
        assert response.json()["detail"] == {"section": code, "suspended_at": SUSPENDED_ISO}, path
        assert MESSAGE in response.json()["message"]
        assert everything() == before, path
    # The upload is multipart.
    response = api_client("agency").post(
        f"{API}/projects/{project}/documents",
        {"file": SimpleUploadedFile("补充文件.pdf", b"more", "application/pdf"), "section_code": section.code},
    )
    assert (response.status_code, response.json()["code"]) == (409, "section_suspended")
    assert everything() == before


def test_the_api_section_payloads_say_suspended_and_since_when(world: World, stage: Stage) -> None:
    section = stage.section
    client = api_client("bidder2")
    detail = client.get(f"{API}/tenders/{section.code}").json()
    assert (detail["suspended"], detail["suspended_at"]) == (True, "2026-03-04T11:00:00+08:00")
    listed = {t["section_code"]: t for t in client.get(f"{API}/tenders").json()["items"]}
    assert (listed[section.code]["suspended"], listed[section.code]["suspended_at"]) == (
        True,
        "2026-03-04T11:00:00+08:00",
    )
    project = api_client("agency").get(f"{API}/projects/{section.project.code}").json()
    assert [(s["code"], s["suspended"], s["suspended_at"]) for s in project["sections"]] == [
        (section.code, True, "2026-03-04T11:00:00+08:00")
    ]
    # A section that is not suspended says so.
    Section.objects.filter(pk=stage.plot.pk).update(suspended_at=None)
    assert api_client("bidder2").get(f"{API}/tenders/{stage.plot.code}").json()["suspended"] is False
    # No payload names the objector.
    for username in ("bidder2", "agency", "staff", "regulator", "public"):
        for path in (f"/tenders/{section.code}", "/tenders", f"/sections/{section.code}/objections"):
            assert OBJECTOR not in api_client(username).get(API + path).content.decode(), (username, path)


def test_a_suspended_section_whose_old_deadline_passed_stays_listed_as_suspended(world: World, stage: Stage) -> None:
    clock_set(at(2026, 3, 25, 10))  # the old deadline (24 March 09:30) has passed; not opened
    listed = {t["section_code"]: t for t in api_client("bidder2").get(f"{API}/tenders").json()["items"]}
    assert listed[stage.section.code]["suspended"] is True
    page = body(page_client("bidder2").get("/trading/tenders/", headers=ZH))
    assert f'data-code="{stage.section.code}"' in page


# --- pages ---------------------------------------------------------------------------------------


def _banner(page: str) -> str:
    found = re.search(r'<ul class="messages" data-testid="suspended".*?</ul>', page, re.S)
    assert found is not None, "no suspension banner"
    return found.group(0)


def test_every_page_act_on_a_suspended_section_shows_the_chinese_refusal_and_changes_nothing(
    world: World, stage: Stage
) -> None:
    section, plot, reference = stage.section, stage.plot, stage.registration.uuid
    project = section.project.code
    acts: list[tuple[str, str, dict[str, Any]]] = [
        ("bidder2", f"/trading/tenders/{section.code}/obtain/", {}),
        ("bidder1", f"/trading/tenders/{section.code}/questions/", {"text": "可否联合体投标？"}),
        (
            "agency",
            f"/trading/projects/{project}/sections/{section.code}/answer/",
            {"body": "工期不变。", "questions": [str(stage.question.uuid)]},
        ),
        ("agency", f"/trading/projects/{project}/notices/{stage.amendment.uuid}/publish/", {}),
        (
            "agency",
            f"/trading/projects/{project}/documents/",
            {"file": SimpleUploadedFile("补充文件.pdf", b"more", "application/pdf"), "section": section.code},
        ),
        ("bidder2", f"/trading/tenders/{plot.code}/register/", {}),
        (
            "staff",
            f"/trading/registrations/{reference}/deposit/",
            {"paid_yuan": "25600001", "paid_at": "2026-03-04 09:00"},
        ),
        ("staff", f"/trading/registrations/{reference}/confirm/", {}),
        ("staff", f"/trading/registrations/{reference}/refuse/", {"reason": "材料不全"}),
    ]
    before = everything()
    for username, url, data in acts:
        response = page_client(username).post(url, data, headers=ZH)
        page = body(response)
        assert response.status_code == 400, (url, page[:500])
        assert 'data-code="section_suspended"' in page, url
        assert MESSAGE in page, url
        assert 'data-testid="suspended"' in page, url  # the banner explains it on the same page
        assert everything() == before, url


def test_the_pages_show_the_suspension_without_the_objector_and_offer_no_refused_act(
    world: World, stage: Stage
) -> None:
    section, plot = stage.section, stage.plot
    project = section.project.code
    # The bidder's tender page: banner, badge, no obtain button, no question form; objecting stays.
    for username in ("bidder1", "bidder2", "bidder3", "staff", "regulator", "agency", "public"):
        page = body(page_client(username).get(f"/trading/tenders/{section.code}/", headers=ZH))
        banner = _banner(page)
        assert 'data-since="2026-03-04T11:00:00+08:00"' in banner, username
        assert "2026-03-04 11:00" in banner
        assert "对招标（采购）文件的异议" in banner  # the kind of objection awaiting its answer
        assert "第二十二条" in banner  # and the article
        assert OBJECTOR not in banner
        assert 'data-testid="suspended-badge"' in page
        assert 'data-testid="obtain"' not in page
        assert f"/trading/tenders/{section.code}/questions/" not in page
    assert f"/trading/tenders/{section.code}/objections/" in body(
        page_client("bidder2").get(f"/trading/tenders/{section.code}/", headers=ZH)
    )
    # The tender list marks it.
    listing = body(page_client("bidder2").get("/trading/tenders/", headers=ZH))
    row = re.search(rf'<tr data-code="{re.escape(section.code)}">.*?</tr>', listing, re.S)
    assert row is not None
    assert 'data-testid="suspended-badge"' in row.group(0)
    plot_row = re.search(rf'<tr data-code="{re.escape(plot.code)}">.*?</tr>', listing, re.S)
    assert plot_row is not None
    # The manager's project page: banner in the section, no clarification form, the approved
    # amendment cannot be published, the objection can be answered.
    for username in ("agency", "tenderer", "staff", "regulator"):
        page = body(page_client(username).get(f"/trading/projects/{project}/", headers=ZH))
        assert OBJECTOR not in _banner(page), username
        assert f"/sections/{section.code}/answer/" not in page, username
        assert f"/notices/{stage.amendment.uuid}/publish/" not in page, username
        assert 'data-testid="notice-suspended"' in page, username
    assert 'data-testid="upload-suspended"' in body(
        page_client("agency").get(f"/trading/projects/{project}/", headers=ZH)
    )
    assert 'data-testid="reply-form"' in body(page_client("agency").get(f"/trading/projects/{project}/", headers=ZH))
    # The land section's pages: no application button; staff see no deposit or decision forms.
    page = body(page_client("bidder2").get(f"/trading/tenders/{plot.code}/", headers=ZH))
    _banner(page)
    assert 'data-testid="register"' not in page
    page = body(page_client("staff").get(f"/trading/registrations/{stage.registration.uuid}/", headers=ZH))
    _banner(page)
    for action in ("deposit-record", "registration-confirm", "registration-refuse"):
        assert f'data-testid="{action}"' not in page


def test_an_unsuspended_section_shows_no_banner_and_offers_its_acts(world: World, stage: Stage) -> None:
    Section.objects.filter(pk=stage.plot.pk).update(suspended_at=None)
    page = body(page_client("bidder2").get(f"/trading/tenders/{stage.plot.code}/", headers=ZH))
    assert 'data-testid="suspended"' not in page
    assert 'data-testid="register"' in page
    page = body(page_client("staff").get(f"/trading/registrations/{stage.registration.uuid}/", headers=ZH))
    assert 'data-testid="suspended"' not in page
    assert 'data-testid="registration-confirm"' in page
