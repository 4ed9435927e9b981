"""The objection reply form on the manager's project page keeps what was typed when the reply is
refused — bad input or a refusal by the service — and says what is wrong, next to the objection."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.models import Objection
from zhengwu.contexts.tendering.services import document_obtain, objection_file, objection_reply
from zhengwu.contexts.tendering.tests.factories import NOW, World, at, snapshot, tender_publish, world_build
from zhengwu.contexts.tendering.tests.test_pages_journeys import body, client_for
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db

ZH = {"Accept-Language": "zh-hans"}


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
def objection(world: World) -> Objection:
    _, sections, _ = tender_publish(world)
    document_obtain(section=sections[0], by=world["bidder1"])
    clock_set(at(2026, 3, 3, 9))
    filed = objection_file(section=sections[0], kind="tender_documents", text="业绩要求过高。", by=world["bidder1"])
    clock_set(at(2026, 3, 4, 15))
    return filed


def _url(objection: Objection) -> str:
    return f"/trading/projects/{objection.section.project.code}/objections/{objection.uuid}/reply/"


def _reply_block(page: str, objection: Objection) -> str:
    """The reply form (or what replaces it) of this one objection."""
    found = re.search(
        rf'<(form|div) [^>]*data-testid="reply-form" data-objection="{objection.uuid}".*?</\1>', page, re.S
    )
    assert found is not None, "no reply form for the objection"
    return found.group(0)


def test_a_reply_that_is_too_long_comes_back_with_the_text_and_the_error(world: World, objection: Objection) -> None:
    typed = "经复核，" + "资质要求符合国家规定。" * 500  # 5,504 characters: over the 5,000 allowed
    assert len(typed) > 5_000
    before = snapshot()
    response = client_for("agency").post(_url(objection), {"reply": typed}, headers=ZH)
    page = body(response)
    assert response.status_code == 400
    block = _reply_block(page, objection)
    assert f">{html.escape(typed)}</textarea>" in block  # the text, as typed, in its own form
    assert 'data-testid="reply-error" data-code="reply_too_long"' in block
    assert "答复不能超过5000个字符" in block
    assert snapshot() == before
    assert Objection.objects.get(pk=objection.pk).status == "pending"


def test_markup_typed_in_a_reply_comes_back_as_text(world: World, objection: Objection) -> None:
    typed = '</textarea><script>alert("x")</script>' + "长" * 5_000
    response = client_for("agency").post(_url(objection), {"reply": typed}, headers=ZH)
    page = body(response)
    assert response.status_code == 400
    assert '<script>alert("x")</script>' not in page
    assert html.escape(typed) in _reply_block(page, objection)


def test_an_empty_reply_says_so_in_the_objections_own_form(world: World, objection: Objection) -> None:
    before = snapshot()
    response = client_for("agency").post(_url(objection), {"reply": "  "}, headers=ZH)
    assert response.status_code == 400
    block = _reply_block(body(response), objection)
    assert 'data-code="reply_required"' in block
    assert "请填写答复。" in block
    assert snapshot() == before


def test_a_reply_refused_because_it_was_answered_meanwhile_keeps_the_text(world: World, objection: Objection) -> None:
    # The tenderer answered while the agency was typing.
    objection_reply(objection=objection, reply="资质要求符合国家规定。", by=world["tenderer"])
    before = snapshot()
    typed = "我方意见：不予调整。"
    response = client_for("agency").post(_url(objection), {"reply": typed}, headers=ZH)
    assert response.status_code == 400
    block = _reply_block(body(response), objection)
    assert 'data-code="objection_already_replied"' in block
    assert "该异议已答复" in block
    assert f"readonly>{typed}</textarea>" in block  # kept, to copy; no second reply can be sent
    assert "<form" not in block
    assert snapshot() == before
    assert Objection.objects.get(pk=objection.pk).reply == "资质要求符合国家规定。"


def test_the_other_objections_forms_stay_empty(world: World, objection: Objection) -> None:
    clock_set(at(2026, 3, 4, 16))
    other = objection_file(
        section=objection.section, kind="tender_documents", text="评分办法不合理。", by=world["bidder1"]
    )
    response = client_for("agency").post(_url(objection), {"reply": "长" * 5_001}, headers=ZH)
    page = body(response)
    assert response.status_code == 400
    other_block = _reply_block(page, other)
    assert "></textarea>" in other_block
    assert "reply-error" not in other_block


def test_a_good_reply_after_a_refused_one_is_recorded(world: World, objection: Objection) -> None:
    agency = client_for("agency")
    assert agency.post(_url(objection), {"reply": "长" * 5_001}, headers=ZH).status_code == 400
    response = agency.post(_url(objection), {"reply": "长" * 5_000}, headers=ZH)
    assert response.status_code == 302
    row = Objection.objects.get(pk=objection.pk)
    assert (row.status, len(row.reply)) == ("replied", 5_000)
