"""The legal-aid desk's services: eligibility, the case's course, the review deadline, the sealing.

Personal data never reaches the audit log, and the identity number never rests in clear.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center.models import CaseEvent, Consultation, LegalAidCase
from zhengwu.contexts.center.tests.legal_aid_world import APPLICANT, ID_NUMBER, PHONE, application, people_make
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import Conflict, IntegrityViolation, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.workdays.selectors import calendar_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, Actor]:
    return people_make()


@pytest.fixture
def desk(people: dict[str, Actor]) -> Actor:
    return people["legalaid"]


def _state(case: LegalAidCase) -> tuple[str, int, int]:
    case.refresh_from_db()
    return case.status, CaseEvent.objects.filter(case=case).count(), AuditEntry.objects.count()


# --- applications and eligibility ----------------------------------------------------------------


def test_an_application_gets_a_number_a_verdict_and_a_deadline(desk: Actor) -> None:
    first = application(desk)
    second = application(desk, household_size=1, monthly_income_fen=500_000, case_type="labour")
    assert (first.number, second.number) == ("FY2026-0001", "FY2026-0002")
    assert first.status == "applied"
    assert first.eligible is True
    assert "1500.00元" in first.eligibility_reason
    assert "符合经济困难条件" in first.eligibility_reason
    assert second.eligible is False
    assert "不符合经济困难条件" in second.eligibility_reason
    # Received on Monday 2 March 2026: the seventh working day after is Wednesday 11 March.
    assert (first.received_on, first.review_deadline) == (dt.date(2026, 3, 2), dt.date(2026, 3, 11))
    assert list(first.events.values_list("status_from", "status_to")) == [("", "applied")]


def test_the_deadline_follows_the_calendar_over_a_holiday(desk: Actor) -> None:
    # Received the Friday before the Spring Festival (15–23 February 2026): the holiday is not counted.
    case = application(desk, received_on=dt.date(2026, 2, 13))
    assert case.review_deadline == calendar_get().workday_add(dt.date(2026, 2, 13), 7)
    assert case.review_deadline > dt.date(2026, 2, 23)


def test_a_matter_free_of_the_economic_condition_is_eligible_and_may_be_accepted(desk: Actor) -> None:
    # 第三十二条（四）: a victim of domestic violence, whatever the household's income.
    case = application(desk, monthly_income_fen=9_000_000, exempt_category="abuse_victim", case_type="marriage_family")
    assert (case.eligible, case.exempt_category) == (True, "abuse_victim")
    assert "第三十二条" in case.eligibility_reason
    assert "不受经济困难条件的限制" in case.eligibility_reason
    legal_aid.case_review_begin(case=case, by=desk)
    accepted = legal_aid.case_review(case=case, accept=True, reason="家庭暴力受害人", by=desk)
    assert accepted.status == "accepted"


def test_the_review_period_and_the_standard_are_the_citys_settings(desk: Actor, settings: Any) -> None:
    # The law's 七日 read as calendar days: received Friday 13 February 2026, the seventh day is
    # Friday 20 February, inside the Spring Festival (15–23 February): moved to Tuesday 24th.
    settings.ZHENGWU_LEGAL_AID_REVIEW_WORKING_DAYS = False
    settings.ZHENGWU_LEGAL_AID_STANDARD_FEN = 100_000
    case = application(desk, received_on=dt.date(2026, 2, 13))
    assert case.review_deadline == dt.date(2026, 2, 24)
    # 1,500 元 a head is above a 1,000 元 standard.
    assert case.eligible is False
    assert "1000.00元" in case.eligibility_reason


def test_an_exempt_applicant_is_eligible_whatever_the_income(desk: Actor) -> None:
    case = application(desk, monthly_income_fen=9_000_000, exempt_category="migrant_worker_wages_injury")
    assert (case.eligible, case.exempt_category) == (True, "migrant_worker_wages_injury")
    assert "第四十二条" in case.eligibility_reason


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"id_number": ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")}, "id_card_check_digit"),
        ({"id_number": "5301021985"}, "id_card_length"),
        ({"applicant_name": "  "}, "legal_aid_field_required"),
        ({"phone": "abc"}, "legal_aid_phone_invalid"),
        ({"household_size": 0}, "legal_aid_number_invalid"),
        ({"monthly_income_fen": -1}, "legal_aid_number_invalid"),
        ({"case_type": "tax"}, "legal_aid_case_type_unknown"),
        ({"exempt_category": "vip"}, "legal_aid_exempt_unknown"),
        ({"received_on": dt.date(2026, 3, 3)}, "legal_aid_received_future"),
        ({"received_on": dt.date(2031, 3, 3)}, "legal_aid_received_future"),
    ],
)
def test_a_bad_application_is_refused_and_nothing_is_stored(
    desk: Actor, overrides: dict[str, object], code: str
) -> None:
    audited = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        application(desk, **overrides)
    assert refused.value.code == code
    assert (LegalAidCase.objects.count(), AuditEntry.objects.count()) == (0, audited)


def test_the_calendar_must_hold_the_year(desk: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        application(desk, received_on=dt.date(2019, 5, 6))
    assert refused.value.code == "calendar_year_missing"
    assert not LegalAidCase.objects.exists()


# --- the case's course ---------------------------------------------------------------------------


def test_a_case_runs_its_course_each_step_an_event_and_an_audit_entry(desk: Actor) -> None:
    case = application(desk)
    case = legal_aid.case_review_begin(case=case, by=desk)
    case = legal_aid.case_review(case=case, accept=True, reason="符合条件", by=desk)
    case = legal_aid.case_assign(case=case, lawyer_name="杨晓东", lawyer_firm="云南某律师事务所", by=desk)
    case = legal_aid.case_start(case=case, by=desk)
    case = legal_aid.case_close(case=case, outcome="调解结案，追回工资两万元。", by=desk)
    assert case.status == "closed"
    assert case.closed_at is not None
    assert (case.lawyer_name, case.lawyer_firm) == ("杨晓东", "云南某律师事务所")
    steps = list(case.events.values_list("status_from", "status_to"))
    assert steps == [
        ("", "applied"),
        ("applied", "reviewing"),
        ("reviewing", "accepted"),
        ("accepted", "assigned"),
        ("assigned", "in_progress"),
        ("in_progress", "closed"),
    ]
    entries = AuditEntry.objects.filter(object_id=case.number).order_by("position")
    actions = list(entries.values_list("action", flat=True))
    assert actions == [
        "center.legal_aid.case.apply",
        "center.legal_aid.case.review_begin",
        "center.legal_aid.case.accept",
        "center.legal_aid.case.assign",
        "center.legal_aid.case.start",
        "center.legal_aid.case.close",
    ]


def test_a_refusal_is_final(desk: Actor) -> None:
    case = legal_aid.case_review_begin(case=application(desk), by=desk)
    case = legal_aid.case_review(case=case, accept=False, reason="案情不属于法律援助范围", by=desk)
    assert case.status == "refused"
    assert case.events.last().note == "案情不属于法律援助范围"
    before = _state(case)
    with pytest.raises(Conflict):
        legal_aid.case_assign(case=case, lawyer_name="杨晓东", lawyer_firm="某所", by=desk)
    assert _state(case) == before


@pytest.mark.parametrize("step", ["accept", "assign", "start", "close"])
def test_a_step_out_of_order_is_refused_and_changes_nothing(desk: Actor, step: str) -> None:
    case = application(desk)
    before = _state(case)
    steps = {
        "accept": lambda: legal_aid.case_review(case=case, accept=True, reason="符合条件", by=desk),
        "assign": lambda: legal_aid.case_assign(case=case, lawyer_name="杨晓东", lawyer_firm="某所", by=desk),
        "start": lambda: legal_aid.case_start(case=case, by=desk),
        "close": lambda: legal_aid.case_close(case=case, outcome="结案", by=desk),
    }
    with pytest.raises(Conflict) as refused:
        steps[step]()
    assert refused.value.code == "legal_aid_transition_forbidden"
    assert _state(case) == before
    assert case.lawyer_name == ""
    assert case.outcome == ""


def test_an_ineligible_applicant_cannot_be_given_aid_but_can_be_refused(desk: Actor) -> None:
    case = legal_aid.case_review_begin(case=application(desk, monthly_income_fen=2_000_000), by=desk)
    before = _state(case)
    with pytest.raises(Conflict) as refused:
        legal_aid.case_review(case=case, accept=True, reason="同意", by=desk)
    assert refused.value.code == "legal_aid_not_eligible"
    assert _state(case) == before
    assert legal_aid.case_review(case=case, accept=False, reason="收入高于标准", by=desk).status == "refused"


def test_a_decision_needs_its_reason(desk: Actor) -> None:
    case = legal_aid.case_review_begin(case=application(desk), by=desk)
    before = _state(case)
    with pytest.raises(InvalidInput):
        legal_aid.case_review(case=case, accept=True, reason=" ", by=desk)
    assert _state(case) == before


@pytest.mark.parametrize("username", ["staff", "leader", "dept", "regulator", "bidder", "citizen"])
def test_only_legal_aid_staff_write_or_read(people: dict[str, Actor], username: str) -> None:
    desk, other = people["legalaid"], people[username]
    case = application(desk)
    before = (_state(case), Consultation.objects.count())
    with pytest.raises(PermissionDenied):
        application(other)
    with pytest.raises(PermissionDenied):
        legal_aid.case_review_begin(case=case, by=other)
    with pytest.raises(PermissionDenied):
        legal_aid.consultation_record(
            person_name="某人", phone="", topic="labour", question="问", advice="答", by=other
        )
    with pytest.raises(PermissionDenied):
        legal_aid.case_id_number_reveal(case=case, by=other)
    with pytest.raises(PermissionDenied):
        legal_aid.cases_query(filters=legal_aid.CaseFilters(), by=other)
    with pytest.raises(PermissionDenied):
        legal_aid.consultations_query(filters=legal_aid.ConsultationFilters(), by=other)
    assert (_state(case), Consultation.objects.count()) == before


# --- the sealing and the audit log ---------------------------------------------------------------


def test_the_identity_number_is_sealed_digested_masked_and_revealed_on_record(desk: Actor) -> None:
    case = application(desk)
    row = LegalAidCase.objects.filter(pk=case.pk).values().get()
    assert ID_NUMBER not in json.dumps(row, default=str)
    assert ID_NUMBER[6:14] not in row["id_number_sealed"]
    assert row["id_number_sealed"].startswith("v1:")
    assert row["id_number_digest"] == legal_aid.id_number_digest(ID_NUMBER)
    assert legal_aid.case_id_number_masked(case=case) == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert legal_aid.case_id_number_reveal(case=case, by=desk) == ID_NUMBER
    entry = AuditEntry.objects.order_by("-position").first()
    assert (entry.action, entry.object_id, entry.actor_username) == (
        "center.legal_aid.case.id_number_reveal",
        case.number,
        "legalaid",
    )
    # A seal moved to another case does not open there.
    other = application(desk, applicant_name="王某", id_number=ID_NUMBER)
    other.id_number_sealed = case.id_number_sealed
    with pytest.raises(IntegrityViolation):
        legal_aid.case_id_number_reveal(case=other, by=desk)
    assert other.id_number_digest == case.id_number_digest  # the same person found again


def test_no_audit_entry_holds_personal_data(desk: Actor) -> None:
    consultation = legal_aid.consultation_record(
        person_name="赵咨询", phone="13700001111", topic="labour", question="被辞退", advice="申请仲裁", by=desk
    )
    case = application(desk)
    case = legal_aid.case_review_begin(case=case, by=desk)
    case = legal_aid.case_review(case=case, accept=True, reason="符合条件", by=desk)
    case = legal_aid.case_assign(case=case, lawyer_name="杨晓东", lawyer_firm="云南某律师事务所", by=desk)
    legal_aid.case_id_number_reveal(case=case, by=desk)
    legal_aid.export_record(what="cases", count=1, by=desk)
    entries = list(AuditEntry.objects.filter(action__startswith="center.legal_aid.").values())
    assert len(entries) == 7
    text = json.dumps(entries, default=str, ensure_ascii=False)
    for secret in (APPLICANT, PHONE, ID_NUMBER, ID_NUMBER[6:14], "赵咨询", "13700001111", "杨晓东", "300000"):
        assert secret not in text
    assert consultation.staff == "legalaid"
    assert str(consultation.pk) in text
    assert case.number in text


# --- consultations and the lists ------------------------------------------------------------------


def test_consultations_are_recorded_and_filtered_by_month_and_topic(desk: Actor) -> None:
    march = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CHINA_TZ)
    february = dt.datetime(2026, 2, 28, 23, 30, tzinfo=CHINA_TZ)  # still February in Beijing
    legal_aid.consultation_record(
        person_name="甲", phone="", topic="labour", question="问", advice="答", consulted_at=march, by=desk
    )
    legal_aid.consultation_record(
        person_name="乙",
        phone="0871-6361234",
        topic="wages",
        question="问",
        advice="答",
        consulted_at=february,
        by=desk,
    )
    legal_aid.consultation_record(person_name="丙", phone="", topic="labour", question="问", advice="答", by=desk)

    def names(**filters: str) -> list[str]:
        query = legal_aid.consultations_query(filters=legal_aid.ConsultationFilters(**filters), by=desk)
        return list(query.values_list("person_name", flat=True))

    assert names() == ["丙", "甲", "乙"]
    assert names(month="2026-03") == ["丙", "甲"]
    assert names(month="2026-02") == ["乙"]
    assert names(month="2026-03", topic="labour") == ["丙", "甲"]
    assert names(topic="wages") == ["乙"]
    with pytest.raises(InvalidInput):
        names(month="2026-13")
    with pytest.raises(InvalidInput) as refused:
        legal_aid.consultation_record(
            person_name="丁",
            phone="",
            topic="labour",
            question="问",
            advice="答",
            consulted_at=dt.datetime(2026, 3, 3, tzinfo=CHINA_TZ),
            by=desk,
        )
    assert refused.value.code == "legal_aid_time_future"
    assert Consultation.objects.count() == 3


def test_cases_filter_by_status_and_type(desk: Actor) -> None:
    first = application(desk)
    application(desk, case_type="labour")
    legal_aid.case_review_begin(case=first, by=desk)

    def numbers(**filters: str) -> list[str]:
        query = legal_aid.cases_query(filters=legal_aid.CaseFilters(**filters), by=desk)
        return list(query.values_list("number", flat=True))

    assert numbers() == ["FY2026-0002", "FY2026-0001"]
    assert numbers(status="reviewing") == ["FY2026-0001"]
    assert numbers(case_type="labour") == ["FY2026-0002"]
    assert numbers(status="closed") == []
    with pytest.raises(InvalidInput):
        numbers(status="lost")


# --- statistics ----------------------------------------------------------------------------------


def test_statistics_count_by_month_and_type_for_the_readers(people: dict[str, Actor]) -> None:
    desk = people["legalaid"]
    application(desk, received_on=dt.date(2026, 1, 5))
    application(desk, received_on=dt.date(2026, 1, 20), case_type="labour")
    application(desk, received_on=dt.date(2026, 3, 2))
    application(desk, received_on=dt.date(2025, 12, 30))
    legal_aid.consultation_record(person_name="甲", phone="", topic="labour", question="问", advice="答", by=desk)
    for reader in ("legalaid", "staff", "leader"):
        stats = legal_aid.legal_aid_stats(year=2026, by=people[reader])
        assert stats.cases["2026-01"] == {"wages": 1, "labour": 1}
        assert stats.cases["2026-03"] == {"wages": 1}
        assert stats.cases["2026-02"] == {}
        assert (stats.case_total, stats.consultation_total, stats.consultations["2026-03"]) == (3, 1, 1)
        assert stats.types == ("wages", "labour")
    headers, rows = legal_aid.legal_aid_stats_rows(legal_aid.legal_aid_stats(year=2026, by=desk))
    assert headers == ["月份", "咨询", "追索劳动报酬", "劳动争议", "案件合计"]
    assert rows[0] == ["2026-01", 0, 1, 1, 2]
    assert rows[-1] == ["合计", 1, 2, 1, 3]
    assert legal_aid.legal_aid_stats(year=2025, by=desk).case_total == 1
    for other in ("dept", "appraiser", "regulator", "bidder", "expert", "citizen"):
        with pytest.raises(PermissionDenied):
            legal_aid.legal_aid_stats(year=2026, by=people[other])


# --- missing materials, withdrawal, termination ----------------------------------------------------


def test_missing_materials_pause_the_review_and_restart_its_period(desk: Actor) -> None:
    # Received Thursday 12 February: seven working days over the Spring Festival, with its two
    # make-up Saturdays (14th, 28th) → 28 February, two days ago.
    case = application(desk, received_on=dt.date(2026, 2, 12))
    assert case.review_deadline == dt.date(2026, 2, 28)
    assert legal_aid.overdue_reviews(by=desk) == 1
    legal_aid.case_review_begin(case=case, by=desk)
    asked = legal_aid.case_materials_request(case=case, missing="劳动合同、工资欠条", by=desk)
    assert asked.materials_requested_on == dt.date(2026, 3, 2)
    # Past its original deadline but waiting for the applicant: not overdue.
    assert legal_aid.overdue_reviews(by=desk) == 0
    # No decision while the materials are out, and asking twice is refused; neither changes anything.
    before = _state(case)
    with pytest.raises(Conflict) as caught:
        legal_aid.case_review(case=case, accept=True, reason="符合条件", by=desk)
    assert caught.value.code == "legal_aid_materials_pending"
    with pytest.raises(Conflict) as twice:
        legal_aid.case_materials_request(case=case, missing="身份证", by=desk)
    assert twice.value.code == "legal_aid_materials_pending"
    assert _state(case) == before
    assert case.status == "reviewing"
    # A completion date before the request or after today is refused.
    for wrong in (dt.date(2026, 2, 27), dt.date(2026, 3, 3)):
        with pytest.raises(InvalidInput):
            legal_aid.case_materials_complete(case=case, completed_on=wrong, by=desk)
    assert LegalAidCase.objects.get(pk=case.pk).review_deadline == dt.date(2026, 2, 28)
    done = legal_aid.case_materials_complete(case=case, completed_on=dt.date(2026, 3, 2), by=desk)
    # Seven working days from Monday 2 March: Wednesday 11 March.
    assert (done.review_deadline, done.materials_requested_on, done.materials_missing) == (
        dt.date(2026, 3, 11),
        None,
        "",
    )
    notes = list(done.events.values_list("note", flat=True))
    assert any("劳动合同" in note for note in notes)
    assert any("2026-03-11" in note for note in notes)
    decided = legal_aid.case_review(case=done, accept=True, reason="符合条件", by=desk)
    assert decided.status == "accepted"


def test_an_application_is_withdrawn_before_the_decision_and_aid_is_terminated_after(desk: Actor) -> None:
    waiting = application(desk)
    legal_aid.case_materials_request(case=waiting, missing="收入证明", by=desk)
    withdrawn = legal_aid.case_withdraw(case=waiting, reason="逾期未补充材料，视为撤回", by=desk)
    assert (withdrawn.status, withdrawn.materials_requested_on) == ("withdrawn", None)
    # Final: nothing moves a withdrawn application, and the refusal changes nothing.
    before = _state(withdrawn)
    with pytest.raises(Conflict):
        legal_aid.case_review_begin(case=withdrawn, by=desk)
    assert _state(withdrawn) == before

    granted = application(desk)
    legal_aid.case_review_begin(case=granted, by=desk)
    legal_aid.case_review(case=granted, accept=True, reason="符合条件", by=desk)
    legal_aid.case_assign(case=granted, lawyer_name="赵律师", lawyer_firm="云南某律师事务所", by=desk)
    with pytest.raises(InvalidInput):
        legal_aid.case_terminate(case=granted, reason="", by=desk)
    ended = legal_aid.case_terminate(case=granted, reason="受援人自行委托律师", by=desk)
    assert ended.status == "terminated"
    assert "受援人自行委托律师" in ended.outcome
    # Withdrawal is for undecided applications only.
    with pytest.raises(Conflict):
        legal_aid.case_withdraw(case=ended, reason="撤回", by=desk)
    # The audit log names the steps, never the applicant.
    entries = AuditEntry.objects.filter(action__startswith="center.legal_aid.case.")
    assert {
        "center.legal_aid.case.materials_request",
        "center.legal_aid.case.withdraw",
        "center.legal_aid.case.terminate",
    } <= set(entries.values_list("action", flat=True))
    for entry in entries:
        dumped = json.dumps([entry.before, entry.after], ensure_ascii=False)
        assert APPLICANT not in dumped
        assert PHONE not in dumped
