"""Rounds as the evaluator runs them: design, frame import, the draw, invitations, outcomes, progress."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
import xlsxwriter

from zhengwu.contexts.appraisal.models import (
    DeliveredMessage,
    FrameEntry,
    IndicatorSystem,
    Invitation,
    Round,
    RoundUnit,
)
from zhengwu.contexts.appraisal.rounds import (
    frame_import,
    frame_link_trading,
    invitation_outcome_record,
    round_close,
    round_get,
    round_invitations_export,
    round_list,
    round_open,
    round_progress,
    round_sample_draw,
)
from zhengwu.contexts.appraisal.sampling import cell_of
from zhengwu.contexts.appraisal.tests.rounds_support import (
    APPRAISER,
    GENERAL,
    HEADER,
    INVESTMENT,
    NOW,
    OUTSIDERS,
    SYSTEM,
    World,
    frame_csv,
    frame_row,
    response_make,
    round_make,
    standard_frame,
    uscc_make,
    uscc_mutated,
    world_build,
)
from zhengwu.contexts.identity.services import organisation_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LINK_BASE = "https://pj.example.cn"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


def _audits(prefix: str = "appraisal.") -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(action__startswith=prefix)
        .exclude(action__in=["appraisal.unit.create", "appraisal.system.freeze"])
        .order_by("id")
        .values_list("action", "object_id")
    )


def _drawn_round(world: World, **kwargs: Any) -> Round:
    round = round_make(world, units=[world.units[c] for c in ("C001", "C002", "C003")], **kwargs)
    frame_import(round=round, data=frame_csv(standard_frame()), filename="frame.csv", by=APPRAISER)
    round_sample_draw(round=round, by=APPRAISER)
    return round


# --- designing a round ---------------------------------------------------------------------------


def test_the_evaluator_creates_a_round_that_freezes_its_system_and_takes_the_active_units(world: World) -> None:
    round = round_make(world, code="2026q3", seed=20260701)
    assert (round.code, round.status, round.seed, round.period_start, round.period_end) == (
        "2026Q3",
        "design",
        20260701,
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 30),
    )
    world.system.refresh_from_db()
    assert world.system.status == IndicatorSystem.Status.FROZEN
    assert sorted(RoundUnit.objects.filter(round=round).values_list("unit__code", flat=True)) == [
        "C001",
        "C002",
        "C003",
        "D001",
    ]
    entry = AuditEntry.objects.get(action="appraisal.round.create")
    assert (entry.object_id, entry.actor_username) == ("2026Q3", "appraiser")
    # Only a commitment to the seed is logged before the draw.
    after = entry.after
    assert after["seed_sha256"] == hashlib.sha256(b"zhengwu.appraisal.seed|20260701").hexdigest()
    assert "seed" not in after
    assert [r.code for r in round_list()] == ["2026Q3"]
    assert round_get(code="2026q3").pk == round.pk


def test_a_four_month_round_and_a_random_seed(world: World) -> None:
    round = round_make(world, code="2026T2", seed=None)  # type: ignore[arg-type]
    assert (round.period_start, round.period_end) == (dt.date(2026, 5, 1), dt.date(2026, 8, 31))
    assert 0 <= round.seed < 2**62
    with pytest.raises(NotFound):
        round_get(code="2026Q1")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"code": "2026Q5"}, "round_code_invalid"),
        ({"code": "Q3-2026"}, "round_code_invalid"),
        ({"period_start": dt.date(2026, 7, 2)}, "round_period_mismatch"),
        ({"period_end": dt.date(2026, 10, 31)}, "round_period_mismatch"),
        ({"period_start": dt.date(2026, 10, 1)}, "round_period_order"),
        ({"title": "  "}, "round_title_required"),
        ({"margin": 0.0}, "sample_parameters_invalid"),
        ({"assumed_sd": -1.0}, "sample_parameters_invalid"),
        ({"reserve_ratio": -0.5}, "sample_parameters_invalid"),
        ({"seed": -1}, "round_seed_invalid"),
        ({"units": []}, "round_units_empty"),
    ],
)
def test_a_bad_design_is_refused_and_changes_nothing(world: World, changes: dict[str, Any], code: str) -> None:
    from zhengwu.contexts.appraisal.rounds import round_create

    arguments: dict[str, Any] = {
        "code": "2026Q3",
        "title": "2026年第三季度",
        "period_start": dt.date(2026, 7, 1),
        "period_end": dt.date(2026, 9, 30),
        "system": world.system,
        "seed": 1,
        "by": APPRAISER,
    }
    arguments.update(changes)
    with pytest.raises(InvalidInput) as refused:
        round_create(**arguments)
    assert refused.value.code == code
    assert Round.objects.count() == 0
    world.system.refresh_from_db()
    assert world.system.status == IndicatorSystem.Status.DRAFT
    assert _audits() == []


def test_a_round_code_is_taken_once(world: World) -> None:
    round_make(world)
    with pytest.raises(Conflict) as taken:
        round_make(world, seed=5)
    assert taken.value.code == "round_taken"
    assert list(Round.objects.values_list("code", "seed")) == [("2026Q3", 20260701)]
    assert _audits() == [("appraisal.round.create", "2026Q3")]


# --- the frame -----------------------------------------------------------------------------------


def test_frame_import_stores_good_rows_and_reports_every_bad_one(world: World) -> None:
    round = round_make(world)
    good = frame_row("C001", 1)
    rows = [
        good,  # row 2
        frame_row("C001", 2, 手机号码="", 电子邮箱="info@example.cn", 事项类型=INVESTMENT),  # row 3
        frame_row("C001", 3, 统一社会信用代码=uscc_mutated(uscc_make(3))),  # row 4
        frame_row("X999", 4),  # row 5
        frame_row("D099", 5),  # row 6: a unit not appraised in this round
        frame_row("C002", 6, 手机号码="12345"),  # row 7
        dict(good, 企业名称="重复的一行"),  # row 8
        frame_row("c002", 1, 手机号码="139 0000 0001"),  # row 9: same enterprise, another unit
        dict.fromkeys(HEADER, ""),  # an empty line is not a row
        frame_row("C001", 7, 统一社会信用代码=""),  # row 11
    ]
    report = frame_import(round=round, data=frame_csv(rows), filename="办件名单.csv", by=APPRAISER)
    assert (report.rows_read, report.imported, report.skipped) == (9, 3, 0)
    assert [(r.row, r.codes) for r in report.refused] == [
        (4, ("uscc_check_digit",)),
        (5, ("frame_unit_unknown",)),
        (6, ("frame_unit_not_in_round",)),
        (7, ("frame_phone_invalid",)),
        (8, ("frame_duplicate_in_file",)),
        (11, ("frame_uscc_required",)),
    ]
    assert report.refused[0].reason.startswith("统一社会信用代码无效：第18位校验码应为")
    assert report.refused[1].reason == "单位编号“X999”不存在"
    assert report.refused[4].reason == "与第2行重复（同一单位、同一企业）"
    assert report.by_unit == {"C001": 2, "C002": 1}
    stored = sorted(FrameEntry.objects.values_list("unit__code", "uscc", "phone", "email", "matter_type", "source"))
    assert stored == [
        ("C001", uscc_make(1), "13900000001", "", GENERAL, "import"),
        ("C001", uscc_make(2), "", "info@example.cn", INVESTMENT, "import"),
        ("C002", uscc_make(1), "13900000001", "", GENERAL, "import"),
    ]
    sizes = dict(RoundUnit.objects.filter(round=round).values_list("unit__code", "frame_size"))
    assert sizes == {"C001": 2, "C002": 1, "C003": 0, "D001": 0}
    # The same file again: what is stored is skipped, the bad rows are refused again.
    again = frame_import(round=round, data=frame_csv(rows), filename="办件名单.csv", by=APPRAISER)
    assert (again.imported, again.skipped_rows, len(again.refused)) == (0, (2, 3, 9), 6)
    assert FrameEntry.objects.count() == 3
    assert _audits("appraisal.frame") == [("appraisal.frame.import", "2026Q3")] * 2


def test_frame_import_reads_a_workbook_and_a_gbk_csv(world: World) -> None:
    round = round_make(world)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("名单")
    for col, header in enumerate(("序号", *HEADER)):
        sheet.write_string(0, col, header)
    sheet.write_row(1, 0, [1, "C001", uscc_make(11), "昆明甲公司", "李", 13987650011, "", GENERAL, "中型"])
    # An all-digit code typed into a number cell has lost its last digits in Excel.
    sheet.write_row(2, 0, [2, "C001", 915301001234567890, "昆明乙公司", "", "", "", "", ""])
    workbook.close()
    report = frame_import(round=round, data=buffer.getvalue(), filename="名单.xlsx", by=APPRAISER)
    assert (report.imported, [(r.row, r.codes) for r in report.refused]) == (1, [(3, ("frame_uscc_numeric_cell",))])
    assert FrameEntry.objects.get().phone == "13987650011"
    gbk = frame_import(
        round=round,
        data=frame_csv([frame_row("C002", 12, 企业名称="呈贡区某建材经营部")], encoding="gbk"),
        filename="名单.csv",
        by=APPRAISER,
    )
    assert gbk.imported == 1
    assert FrameEntry.objects.get(unit__code="C002").enterprise_name == "呈贡区某建材经营部"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel",
        "这不是表格\n只是几行字\n".encode(),
        b"",
    ],
)
def test_a_file_that_is_not_a_frame_is_refused_whole(world: World, data: bytes) -> None:
    round = round_make(world)
    with pytest.raises(InvalidInput) as refused:
        frame_import(round=round, data=data, filename="upload.csv", by=APPRAISER)
    assert refused.value.code in {"frame_file_invalid", "frame_no_header", "frame_file_empty"}
    assert FrameEntry.objects.count() == 0
    assert _audits("appraisal.frame") == []


def test_the_trading_platforms_market_subjects_join_the_trading_centres_frame(world: World) -> None:
    organisation_create(
        uscc=uscc_make(501),
        name="云南某建设工程有限公司",
        market_roles=["bidder"],
        contact_phone="13987650501",
        by=SYSTEM,
    )
    organisation_create(
        uscc=uscc_make(502),
        name="昆明某城投有限公司",
        market_roles=["tenderer"],
        contact_phone="0871-63120000",
        by=SYSTEM,
    )
    organisation_create(uscc=uscc_make(503, prefix="11530100"), name="昆明市某局", by=SYSTEM)
    round = round_make(world)
    assert frame_link_trading(round=round, by=APPRAISER) == 2
    assert sorted(FrameEntry.objects.values_list("unit__code", "uscc", "phone", "matter_type", "source")) == [
        ("C003", uscc_make(501), "13987650501", "公共资源交易", "trading"),
        ("C003", uscc_make(502), "", "公共资源交易", "trading"),
    ]
    assert RoundUnit.objects.get(round=round, unit__code="C003").frame_size == 2
    assert frame_link_trading(round=round, by=APPRAISER) == 0
    assert FrameEntry.objects.count() == 2
    # A round without the trading centre: nothing to link, quietly.
    other = round_make(world, code="2026Q4", units=[world.units["C001"]])
    assert frame_link_trading(round=other, by=APPRAISER) == 0
    assert FrameEntry.objects.filter(round=other).count() == 0


# --- the draw ------------------------------------------------------------------------------------


def test_the_draw_creates_exactly_the_sample_and_its_reserves(world: World) -> None:
    round = round_make(world, units=[world.units[c] for c in ("C001", "C002", "C003")])
    frame_import(round=round, data=frame_csv(standard_frame()), filename="frame.csv", by=APPRAISER)
    draws = {d.unit_code: d for d in round_sample_draw(round=round, by=APPRAISER)}
    # C001, N = 120: ⌈61.47/1.504⌉ = 41, reserves ⌈20.5⌉ = 21; quotas 40 and 80 of 120 → 13.67 / 27.33.
    assert (draws["C001"].n, draws["C001"].reserve_n, draws["C001"].quotas) == (
        41,
        21,
        {GENERAL: 27, INVESTMENT: 14},
    )
    # C002 has 20 enterprises, fewer than the floor of 30: all of them; C003 has none.
    assert [(draws[c].n, draws[c].reserve_n, draws[c].shortfall) for c in ("C002", "C003")] == [(20, 0, 10), (0, 0, 30)]
    invitations = list(Invitation.objects.filter(round=round).select_related("frame_entry"))
    assert len(invitations) == 41 + 21 + 20
    assert len({i.token for i in invitations}) == 82
    assert all(len(i.token) == 32 for i in invitations)
    c001 = [i for i in invitations if i.unit_id == world.units["C001"].pk]
    assert sorted((i.reserve, i.released) for i in c001) == [(False, True)] * 41 + [(True, False)] * 21
    main_cells = [cell_of(i.frame_entry.matter_type) for i in c001 if not i.reserve]
    assert (main_cells.count(INVESTMENT), main_cells.count(GENERAL)) == (14, 27)
    channels = {(i.frame_entry.phone != "", i.frame_entry.email != "", i.channel) for i in invitations}
    assert channels == {(True, False, "sms"), (False, True, "email"), (False, False, "cati")}
    assert {i.status for i in invitations} == {"drawn"}
    stored = {ru.unit.code: ru for ru in RoundUnit.objects.filter(round=round).select_related("unit")}
    assert (stored["C001"].target_n, stored["C001"].reserve_n, stored["C001"].quotas) == (
        41,
        21,
        {"matter_type": {GENERAL: 27, INVESTMENT: 14}},
    )
    assert stored["C001"].drawn_at == NOW
    draw_entry = AuditEntry.objects.get(action="appraisal.round.draw")
    assert (draw_entry.after["seed"], draw_entry.after["main"], draw_entry.after["reserves"]) == (20260701, 61, 21)
    assert draw_entry.after["short_units"] == ["C002", "C003"]
    with pytest.raises(Conflict) as twice:
        round_sample_draw(round=round, by=APPRAISER)
    assert twice.value.code == "round_already_drawn"
    assert Invitation.objects.count() == 82
    assert _audits("appraisal.round.draw") == [("appraisal.round.draw", "2026Q3")]


def _sample(round: Round) -> dict[str, list[tuple[bool, str]]]:
    out: dict[str, list[tuple[bool, str]]] = {}
    for inv in Invitation.objects.filter(round=round).select_related("unit", "frame_entry").order_by("id"):
        out.setdefault(inv.unit.code, []).append((inv.reserve, inv.frame_entry.uscc))
    return out


def test_the_same_seed_and_frame_draw_the_same_sample_and_another_seed_another(world: World) -> None:
    first = _drawn_round(world, code="2026Q3", seed=424242)
    same = _drawn_round(world, code="2026Q4", seed=424242)
    other = _drawn_round(world, code="2027Q1", seed=424243)
    assert _sample(first) == _sample(same)
    main = {u for reserve, u in _sample(first)["C001"] if not reserve}
    assert main != {u for reserve, u in _sample(other)["C001"] if not reserve}


def test_an_empty_frame_cannot_be_drawn(world: World) -> None:
    round = round_make(world)
    with pytest.raises(InvalidInput) as refused:
        round_sample_draw(round=round, by=APPRAISER)
    assert refused.value.code == "round_frame_empty"
    assert RoundUnit.objects.filter(drawn_at__isnull=False).count() == 0


# --- collecting ----------------------------------------------------------------------------------


def test_opening_sends_exactly_the_main_sample_and_leaves_telephone_ones_to_interviewers(world: World) -> None:
    round = _drawn_round(world)
    with pytest.raises(InvalidInput):
        round_open(round=round, link_base="ftp://x", by=APPRAISER)
    sent = round_open(round=round, link_base=LINK_BASE + "/", interviewers=["cati_a", "cati_b"], by=APPRAISER)
    assert sent == 41
    round.refresh_from_db()
    assert round.status == "collecting"
    messages = list(DeliveredMessage.objects.select_related("invitation__frame_entry").order_by("id"))
    assert len(messages) == 41
    for message in messages:
        invitation = message.invitation
        assert invitation is not None
        assert (invitation.reserve, invitation.status, invitation.sent_at) == (False, "sent", NOW)
        entry = invitation.frame_entry
        assert (message.channel, message.recipient) == (
            (invitation.channel, entry.phone) if invitation.channel == "sms" else ("email", entry.email)
        )
        assert f"{LINK_BASE}/appraisal/r/{invitation.token}/" in message.body
    assert sorted({m.channel for m in messages}) == ["email", "sms"]
    cati = list(Invitation.objects.filter(round=round, channel="cati").order_by("unit__code", "id"))
    assert [i.interviewer_username for i in cati] == ["cati_a", "cati_b"] * 10
    assert {i.status for i in cati} == {"drawn"}
    assert Invitation.objects.filter(round=round, reserve=True).exclude(status="drawn").count() == 0
    with pytest.raises(Conflict):
        round_open(round=round, link_base=LINK_BASE, by=APPRAISER)
    assert DeliveredMessage.objects.count() == 41


def test_a_round_cannot_open_before_its_draw(world: World) -> None:
    round = round_make(world)
    frame_import(round=round, data=frame_csv(standard_frame()), filename="frame.csv", by=APPRAISER)
    with pytest.raises(Conflict) as refused:
        round_open(round=round, link_base=LINK_BASE, by=APPRAISER)
    assert refused.value.code == "round_not_drawn"
    round.refresh_from_db()
    assert round.status == "design"


def test_a_refusal_releases_the_next_reserve_of_the_same_cell_and_sends_it(world: World) -> None:
    round = _drawn_round(world)
    round_open(round=round, link_base=LINK_BASE, by=APPRAISER)
    failed = (
        Invitation.objects.filter(round=round, unit__code="C001", reserve=False, frame_entry__matter_type=INVESTMENT)
        .order_by("id")
        .first()
    )
    assert failed is not None
    expected = (
        Invitation.objects.filter(
            round=round, unit__code="C001", reserve=True, released=False, frame_entry__matter_type=INVESTMENT
        )
        .order_by("id")
        .first()
    )
    reserve = invitation_outcome_record(invitation=failed, outcome="refused", link_base=LINK_BASE, by=APPRAISER)
    assert reserve is not None
    assert expected is not None
    assert reserve.pk == expected.pk
    failed.refresh_from_db()
    reserve.refresh_from_db()
    assert failed.status == "refused"
    assert (reserve.released, reserve.status, reserve.sent_at) == (True, "sent", NOW)
    message = DeliveredMessage.objects.get(invitation=reserve)
    assert f"{LINK_BASE}/appraisal/r/{reserve.token}/" in message.body
    assert DeliveredMessage.objects.count() == 42
    with pytest.raises(Conflict) as again:
        invitation_outcome_record(invitation=failed, outcome="unreachable", link_base=LINK_BASE, by=APPRAISER)
    assert again.value.code == "invitation_status"
    with pytest.raises(InvalidInput):
        invitation_outcome_record(invitation=reserve, outcome="completed", link_base=LINK_BASE, by=APPRAISER)
    # C002 has no reserves: the outcome is recorded and nothing is released.
    lonely = Invitation.objects.filter(round=round, unit__code="C002").order_by("id").first()
    assert lonely is not None
    assert invitation_outcome_record(invitation=lonely, outcome="unreachable", by=APPRAISER) is None
    lonely.refresh_from_db()
    assert lonely.status == "unreachable"
    assert Invitation.objects.filter(round=round, reserve=True, released=True).count() == 1
    assert [a for a, _ in _audits("appraisal.invitation")] == ["appraisal.invitation.outcome"] * 2


def test_progress_counts_sent_completed_quota_fill_and_released_reserves(world: World) -> None:
    round = _drawn_round(world)
    round_open(round=round, link_base=LINK_BASE, by=APPRAISER)
    c001 = Invitation.objects.filter(round=round, unit__code="C001", reserve=False).select_related(
        "frame_entry", "round", "unit"
    )
    investment = [i for i in c001 if i.frame_entry.matter_type == INVESTMENT]
    general = [i for i in c001 if i.frame_entry.matter_type == GENERAL]
    for serial, invitation in enumerate([*investment[:2], general[0]]):
        response_make(invitation, serial=serial)
    invitation_outcome_record(invitation=general[1], outcome="refused", link_base=LINK_BASE, by=APPRAISER)
    c002 = Invitation.objects.select_related("frame_entry", "round", "unit").filter(round=round, unit__code="C002")
    response_make(c002[0], serial=99)
    rows = {p.unit_code: p for p in round_progress(round=round)}
    p1 = rows["C001"]
    assert (p1.frame_size, p1.target_n, p1.reserve_n, p1.sent, p1.completed, p1.reserves_released) == (
        120,
        41,
        21,
        42,
        3,
        1,
    )
    assert p1.completion_pct == 7.3
    assert p1.quota_fill == {GENERAL: 1, INVESTMENT: 2}
    assert p1.quota_cells == [(GENERAL, 1, 27), (INVESTMENT, 2, 14)]
    p2 = rows["C002"]
    assert (p2.sent, p2.completed, p2.completion_pct, p2.shortfall) == (0, 1, 5.0, 10)
    p3 = rows["C003"]
    assert (p3.frame_size, p3.target_n, p3.completed, p3.completion_pct, p3.shortfall) == (0, 0, 0, None, 30)


def test_closing_ends_collecting_and_the_design_steps_are_refused_after(world: World) -> None:
    round = _drawn_round(world)
    with pytest.raises(Conflict):
        round_close(round=round, by=APPRAISER)
    round_open(round=round, link_base=LINK_BASE, by=APPRAISER)
    frames = FrameEntry.objects.count()
    with pytest.raises(Conflict) as late:
        frame_import(round=round, data=frame_csv([frame_row("C003", 9)]), filename="late.csv", by=APPRAISER)
    assert late.value.code == "round_status"
    with pytest.raises(Conflict):
        frame_link_trading(round=round, by=APPRAISER)
    assert FrameEntry.objects.count() == frames
    round_close(round=round, by=APPRAISER)
    round.refresh_from_db()
    assert round.status == "closed"
    invitation = Invitation.objects.filter(round=round, status="sent").first()
    assert invitation is not None
    with pytest.raises(Conflict):
        invitation_outcome_record(invitation=invitation, outcome="refused", link_base=LINK_BASE, by=APPRAISER)
    invitation.refresh_from_db()
    assert invitation.status == "sent"
    assert [a for a, _ in _audits("appraisal.round")] == [
        "appraisal.round.create",
        "appraisal.round.draw",
        "appraisal.round.open",
        "appraisal.round.close",
    ]


def test_the_invitation_export_is_the_evaluators_and_audited(world: World) -> None:
    round = _drawn_round(world)
    rows = round_invitations_export(round=round, by=APPRAISER)
    assert len(rows) == 82
    assert rows[0][1:3] == ["C001", "昆明市政务服务中心"]
    assert {row[11] for row in rows} == {"主样本", "备用样本"}
    entry = AuditEntry.objects.get(action="appraisal.raw.view")
    assert (entry.object_type, entry.object_id, entry.actor_username) == (
        "appraisal.invitations",
        "2026Q3",
        "appraiser",
    )


# --- who may -------------------------------------------------------------------------------------


def _state() -> dict[str, object]:
    return {
        "rounds": sorted(Round.objects.values_list("code", "status")),
        "frame": FrameEntry.objects.count(),
        "invitations": sorted(Invitation.objects.values_list("id", "status", "released")),
        "messages": DeliveredMessage.objects.count(),
        "audit": AuditEntry.objects.count(),
        "drawn": RoundUnit.objects.filter(drawn_at__isnull=False).count(),
    }


@pytest.mark.parametrize("role", OUTSIDERS)
def test_nobody_but_the_evaluator_runs_a_round(world: World, role: str) -> None:
    from zhengwu.contexts.appraisal.rounds import round_create

    outsider = Actor(user_id=90, username=role, roles=frozenset({role}))
    design = round_make(world, code="2026Q2", units=[world.units["C001"]])
    collecting = _drawn_round(world)
    round_open(round=collecting, link_base=LINK_BASE, by=APPRAISER)
    invitation = Invitation.objects.filter(round=collecting, status="sent").first()
    assert invitation is not None
    before = _state()
    attempts = [
        lambda: round_create(
            code="2026Q4",
            title="x",
            period_start=dt.date(2026, 10, 1),
            period_end=dt.date(2026, 12, 31),
            system=world.system,
            by=outsider,
        ),
        lambda: frame_import(round=design, data=frame_csv([frame_row("C001", 1)]), filename="f.csv", by=outsider),
        lambda: frame_link_trading(round=design, by=outsider),
        lambda: round_sample_draw(round=design, by=outsider),
        lambda: round_open(round=design, link_base=LINK_BASE, by=outsider),
        lambda: invitation_outcome_record(invitation=invitation, outcome="refused", link_base=LINK_BASE, by=outsider),
        lambda: round_close(round=collecting, by=outsider),
        lambda: round_invitations_export(round=collecting, by=outsider),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "appraisal_appraiser_only"
    assert _state() == before
