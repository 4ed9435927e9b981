"""Who may do what: every write service, tried by every role. A refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from zhengwu.contexts.tendering.models import Objection
from zhengwu.contexts.tendering.services import (
    answer_publish,
    document_obtain,
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    notice_revise,
    objection_file,
    objection_reply,
    project_register,
    question_ask,
    section_add,
    section_close_bidding,
    section_transition,
    tender_terminate,
)
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    ROLE_KEYS,
    World,
    at,
    notice_make,
    project_make,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import PermissionDenied

pytestmark = pytest.mark.django_db

MANAGERS = {"tenderer", "agency"}
BIDDERS = {"bidder1", "bidder2", "bidder3"}


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


@dataclass(frozen=True)
class Case:
    setup: Callable[[World], dict[str, Any]]
    call: Callable[[World, dict[str, Any], str], object]
    allowed: frozenset[str]


def _draft_project(world: World) -> dict[str, Any]:
    project, sections = project_make(world)
    return {"project": project, "sections": sections}


def _draft_notice(world: World) -> dict[str, Any]:
    ctx = _draft_project(world)
    ctx["notice"] = notice_make(world, ctx["project"], ctx["sections"])
    return ctx


def _approved_notice(world: World) -> dict[str, Any]:
    ctx = _draft_notice(world)
    notice_approve(notice=ctx["notice"], by=world["staff"])
    return ctx


def _published(world: World) -> dict[str, Any]:
    project, sections, notice = tender_publish(world)
    return {"project": project, "section": sections[0], "notice": notice}


def _obtained(world: World) -> dict[str, Any]:
    ctx = _published(world)
    document_obtain(section=ctx["section"], by=world["bidder1"])
    return ctx


def _objected(world: World) -> dict[str, Any]:
    ctx = _published(world)
    ctx["objection"] = objection_file(section=ctx["section"], kind="tender_documents", text="异议", by=world["bidder1"])
    return ctx


def _after_deadline(world: World) -> dict[str, Any]:
    ctx = _published(world)
    clock_set(at(2026, 3, 24, 9, 30))
    return ctx


def _register(world: World, ctx: dict[str, Any], key: str) -> object:
    by = world[key]
    uscc = world.uscc["tenderer"] if by.has_role("agency") else None
    return project_register(
        name="新项目",
        procedure="construction.open",
        funding_source="财政资金",
        budget_yuan="1000000",
        region_code="530100",
        industry_code="E48",
        tenderer_uscc=uscc,
        by=by,
    )


CASES: dict[str, Case] = {
    # Any verified tenderer for itself, any verified agency for a verified tenderer.
    "project_register": Case(
        lambda w: {}, _register, frozenset({"tenderer", "tenderer_other", "agency", "agency_other"})
    ),
    "section_add": Case(
        _draft_project,
        lambda w, c, k: section_add(project=c["project"], name="第二标段", estimate_yuan="1000000", by=w[k]),
        frozenset(MANAGERS),
    ),
    "notice_draft": Case(
        _draft_project,
        lambda w, c, k: notice_draft(
            project=c["project"], kind="tender", title="公告", body="正文", sections=c["sections"], by=w[k]
        ),
        frozenset(MANAGERS),
    ),
    "notice_revise": Case(
        _draft_notice,
        lambda w, c, k: notice_revise(notice=c["notice"], title="新标题", body="新正文", by=w[k]),
        frozenset(MANAGERS),
    ),
    "notice_approve": Case(
        _draft_notice, lambda w, c, k: notice_approve(notice=c["notice"], by=w[k]), frozenset({"staff"})
    ),
    "notice_publish": Case(
        _approved_notice,
        lambda w, c, k: notice_publish(notice=c["notice"], by=w[k]),
        frozenset(MANAGERS | {"staff"}),
    ),
    "document_upload": Case(
        _draft_project,
        lambda w, c, k: document_upload(project=c["project"], name="招标文件.pdf", content=b"doc", by=w[k]),
        frozenset(MANAGERS),
    ),
    "document_obtain": Case(
        _published, lambda w, c, k: document_obtain(section=c["section"], by=w[k]), frozenset(BIDDERS)
    ),
    # Only a bidder that obtained the documents (bidder1 here) may ask.
    "question_ask": Case(
        _obtained, lambda w, c, k: question_ask(section=c["section"], text="问题", by=w[k]), frozenset({"bidder1"})
    ),
    "answer_publish": Case(
        _obtained,
        lambda w, c, k: answer_publish(section=c["section"], body="澄清", affects_bid_preparation=False, by=w[k]),
        frozenset(MANAGERS),
    ),
    "objection_file": Case(
        _published,
        lambda w, c, k: objection_file(section=c["section"], kind="tender_documents", text="异议", by=w[k]),
        frozenset(BIDDERS),
    ),
    "objection_reply": Case(
        _objected,
        lambda w, c, k: objection_reply(objection=c["objection"], reply="答复", by=w[k]),
        frozenset(MANAGERS),
    ),
    "tender_terminate": Case(
        _published,
        lambda w, c, k: tender_terminate(project=c["project"], reason="终止", by=w[k]),
        frozenset(MANAGERS),
    ),
    "section_transition": Case(
        _after_deadline,
        lambda w, c, k: section_transition(section=c["section"], target="opening", reason="开标", by=w[k]),
        frozenset({"staff", "system"}),
    ),
    "section_close_bidding": Case(
        _after_deadline,
        lambda w, c, k: section_close_bidding(section=c["section"], bid_count=2, by=w[k]),
        frozenset({"staff", "system"}),
    ),
}


@pytest.mark.parametrize("service", sorted(CASES))
def test_every_role_is_admitted_or_refused_and_a_refusal_changes_nothing(world: World, service: str) -> None:
    case = CASES[service]
    ctx = case.setup(world)
    admitted: list[str] = []
    for key in ROLE_KEYS:
        before = snapshot()
        if key in case.allowed:
            with transaction.atomic():
                case.call(world, ctx, key)
                assert snapshot() != before, f"{service} by {key} changed nothing"
                transaction.set_rollback(True)  # the next role starts from the same state
            admitted.append(key)
            if service == "objection_reply":
                assert Objection.objects.get().status == "pending"
        else:
            with pytest.raises(PermissionDenied):
                case.call(world, ctx, key)
            assert snapshot() == before, f"{service} refused to {key} but changed something"
    assert sorted(admitted) == sorted(case.allowed)


def test_members_of_a_pending_organisation_are_told_why(world: World) -> None:
    ctx = _published(world)
    with pytest.raises(PermissionDenied) as caught:
        document_obtain(section=ctx["section"], by=world["bidder_pending"])
    assert caught.value.code == "organisation_not_verified"
