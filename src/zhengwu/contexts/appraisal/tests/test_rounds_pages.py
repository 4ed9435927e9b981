"""The rounds' pages as the evaluator uses them, and as nobody else may."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhengwu.contexts.appraisal.models import DeliveredMessage, FrameEntry, Invitation, Round, RoundUnit
from zhengwu.contexts.appraisal.tests.rounds_support import (
    NOW,
    SYSTEM,
    World,
    frame_csv,
    frame_row,
    round_make,
    standard_frame,
    uscc_make,
    uscc_mutated,
    world_build,
)
from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.services import user_create
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.web.exports import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db

BASE = "/appraisal/rounds/"
PASSWORD = "Kunming-Appraisal-2026"
PEOPLE = {"appraiser": "appraiser", "leader": "city_leader", "dept": "department_user", "staff": "centre_staff"}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    for username, role in PEOPLE.items():
        user_create(username=username, password=PASSWORD, display_name=f"测试{username}", roles=[role], by=SYSTEM)
    return world_build()


def client_for(username: str) -> Client:
    from zhengwu.contexts.identity.selectors import user_get

    user = user_get(username=username)
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def _create_form(world: World, **values: str) -> dict[str, str]:
    data = {
        "code": "2026Q3",
        "title": "2026年第三季度政务服务第三方评价",
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "system": str(world.system.pk),
        "margin": "5",
        "assumed_sd": "20",
        "z": "1.96",
        "min_per_unit": "30",
        "reserve_ratio": "0.5",
        "seed": "20260701",
    }
    data.update(values)
    return data


def _upload(client: Client, code: str, data: bytes, name: str = "办件名单.csv") -> Any:
    return client.post(f"{BASE}{code}/frame/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_the_evaluator_lists_and_creates_rounds(world: World) -> None:
    client = client_for("appraiser")
    page = client.get(BASE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="round-create"' in html
    assert f'<option value="{world.system.pk}">KM v1' in html
    wrong = client.post(BASE, _create_form(world, period_end="2026-10-31"))
    assert wrong.status_code == 400
    assert "轮次2026Q3的调查期应为2026-07-01至2026-09-30" in wrong.content.decode()
    assert Round.objects.count() == 0
    created = client.post(BASE, _create_form(world))
    assert created.status_code == 302
    assert created["Location"] == f"{BASE}2026Q3/"
    round = Round.objects.get()
    assert (round.code, round.seed, round.margin, round.min_per_unit) == ("2026Q3", 20260701, 5.0, 30)
    taken = client.post(BASE, _create_form(world))
    assert taken.status_code == 400
    assert "轮次2026Q3已存在" in taken.content.decode()
    listing = client.get(BASE).content.decode()
    assert 'data-round="2026Q3" data-status="design"' in listing


def test_the_evaluator_imports_draws_opens_exports_and_closes_from_the_round_page(world: World) -> None:
    client = client_for("appraiser")
    round = round_make(world, units=[world.units[c] for c in ("C001", "C002", "C003")])
    detail = client.get(f"{BASE}2026Q3/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert html.count("<tr data-unit=") == 3
    assert 'data-testid="frame-upload"' in html
    assert 'data-testid="round-draw"' not in html  # nothing to draw from yet
    bad = [frame_row("C001", 9001, 统一社会信用代码=uscc_mutated(uscc_make(9001)))]
    imported = _upload(client, "2026Q3", frame_csv([*standard_frame(), *bad]))
    assert imported.status_code == 200
    page = imported.content.decode()
    assert 'data-testid="import-imported" data-count="140"' in page
    assert 'data-row="142" data-code="uscc_check_digit"' in page
    assert "统一社会信用代码无效：第18位校验码应为" in page
    assert '<tr data-unit="C001" data-frame="120"' in page
    garbage = _upload(client, "2026Q3", bytes(range(256)) * 10, name="junk.csv")
    assert garbage.status_code == 400
    assert 'data-code="frame_file_invalid"' in garbage.content.decode()
    assert FrameEntry.objects.count() == 140

    drawn = client.post(f"{BASE}2026Q3/draw/")
    assert drawn.status_code == 302
    assert drawn["Location"] == f"{BASE}2026Q3/"
    assert Invitation.objects.filter(round=round).count() == 82
    html = client.get(f"{BASE}2026Q3/").content.decode()
    assert 'data-unit="C001" data-frame="120" data-target="41" data-reserve="21"' in html
    assert 'data-cell="投资项目审批" data-filled="0" data-quota="14"' in html
    assert 'data-shortfall="10"' in html
    again = client.post(f"{BASE}2026Q3/draw/")
    assert again.status_code == 400
    assert "本轮已经抽样，不能重复抽取" in again.content.decode()

    opened = client.post(f"{BASE}2026Q3/open/", {"interviewers": "cati_a、cati_b"})
    assert opened.status_code == 302
    assert DeliveredMessage.objects.count() == 41
    message = DeliveredMessage.objects.order_by("id").first()
    assert message is not None
    assert message.invitation is not None
    assert f"http://testserver/appraisal/r/{message.invitation.token}/" in message.body
    assert sorted(set(Invitation.objects.filter(channel="cati").values_list("interviewer_username", flat=True))) == [
        "cati_a",
        "cati_b",
    ]

    failed = Invitation.objects.filter(round=round, unit__code="C001", status="sent").order_by("id").first()
    assert failed is not None
    outcome = client.post(f"{BASE}2026Q3/outcome/", {"invitation": str(failed.pk), "outcome": "refused"})
    assert outcome.status_code == 302
    assert Invitation.objects.filter(round=round, reserve=True, released=True).count() == 1
    assert DeliveredMessage.objects.count() == 42
    missing = client.post(f"{BASE}2026Q3/outcome/", {"invitation": "999999", "outcome": "refused"})
    assert missing.status_code == 404

    export = client.get(f"{BASE}2026Q3/invitations.xlsx")
    assert export.status_code == 200
    assert export["Content-Type"] == XLSX_CONTENT_TYPE
    assert export.content[:2] == b"PK"
    raw = AuditEntry.objects.get(action="appraisal.raw.view")
    assert (raw.object_type, raw.object_id, raw.actor_username) == ("appraisal.invitations", "2026Q3", "appraiser")

    closed = client.post(f"{BASE}2026Q3/close/")
    assert closed.status_code == 302
    round.refresh_from_db()
    assert round.status == "closed"
    assert client.post(f"{BASE}2026Q3/explode/").status_code == 404
    assert client.get(f"{BASE}2099Q1/").status_code == 404


@pytest.mark.parametrize("username", ["leader", "dept", "staff"])
def test_nobody_else_reaches_the_rounds_pages_or_changes_anything(world: World, username: str) -> None:
    round = round_make(world)
    client = client_for(username)
    before = (
        list(Round.objects.values_list("code", "status")),
        FrameEntry.objects.count(),
        Invitation.objects.count(),
        RoundUnit.objects.filter(drawn_at__isnull=False).count(),
        AuditEntry.objects.count(),
    )
    assert client.get(BASE).status_code == 403
    assert (
        client.post(
            BASE, _create_form(world, code="2026Q4", period_start="2026-10-01", period_end="2026-12-31")
        ).status_code
        == 403
    )
    assert client.get(f"{BASE}{round.code}/").status_code == 403
    assert _upload(client, round.code, frame_csv(standard_frame())).status_code == 403
    for action in ("link-trading", "draw", "open", "close"):
        assert client.post(f"{BASE}{round.code}/{action}/").status_code == 403
    assert client.get(f"{BASE}{round.code}/invitations.xlsx").status_code == 403
    after = (
        list(Round.objects.values_list("code", "status")),
        FrameEntry.objects.count(),
        Invitation.objects.count(),
        RoundUnit.objects.filter(drawn_at__isnull=False).count(),
        AuditEntry.objects.count(),
    )
    assert after == before
