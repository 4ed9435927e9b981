"""The legal-aid desk (法律援助进中心): consultations, applications and cases, and their statistics.

Only the legal-aid staff (``legal_aid_staff``) record and read consultations and cases: they hold
names, phones, incomes and identity numbers. The statistics (counts by month and case type) hold
none of it and are read by the centre's staff and the city's leaders too.

Identity numbers are sealed at rest exactly as the experts' are (``experts.personal``):
AES-256-GCM under a key derived by HKDF-SHA256 from SECRET_KEY, bound to the case by its number
as associated data, with a keyed HMAC-SHA256 digest to find an applicant's earlier cases. A page
shows the number masked; the whole number only on an explicit, audited "reveal".

The audit log is read by others (auditors, the centre's staff), so its entries name cases by
number and consultations by id, never a person: no name, phone, identity number or income.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth, Length

from zhengwu.contexts.center import legal_aid_rules as rules
from zhengwu.contexts.center.models import CaseEvent, Consultation, LegalAidCase
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now, clock_today
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.idcard import idcard_mask, idcard_validate
from zhengwu.kernel.paging import Page, page_take
from zhengwu.kernel.sealing import Sealer
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.selectors import calendar_get

STAFF = "legal_aid_staff"
STATS_READERS = ("legal_aid_staff", "centre_staff", "city_leader")
PAGE_SIZE = 20

# The desk's case types (案件类型), shared by consultations' topics and cases.
CASE_TYPES: dict[str, str] = {
    "wages": "追索劳动报酬",
    "labour": "劳动争议",
    "work_injury": "工伤赔偿",
    "marriage_family": "婚姻家庭",
    "support": "赡养、抚养、扶养",
    "traffic": "交通事故",
    "personal_injury": "人身损害赔偿",
    "medical": "医疗纠纷",
    "contract": "合同纠纷",
    "criminal": "刑事辩护、代理",
    "state_compensation": "国家赔偿",
    "other": "其他",
}

_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,18}[0-9]")


# --- sealing the identity number ---------------------------------------------------------------
# Sealed and digested as every personal value at rest (``kernel.sealing``), under the desk's own
# salt and bound to the case number: a seal copied onto another case does not open.

_ID_NUMBER = Sealer(salt=b"zhengwu.center.legal_aid.id_card")


def _aad(case_number: str) -> bytes:
    return f"center.legalaidcase:{case_number}".encode()


def id_number_digest(number: str) -> str:
    """The keyed digest of a normalised number (hex), equal for equal numbers."""
    return _ID_NUMBER.digest(secret_key=settings.SECRET_KEY, value=number)


def id_number_seal(*, case_number: str, number: str) -> str:
    """Encrypt a normalised number for storage on the case ``case_number``."""
    return _ID_NUMBER.seal(secret_key=settings.SECRET_KEY, aad=_aad(case_number), value=number)


def id_number_open(*, case_number: str, sealed: str) -> str:
    """Decrypt a sealed number; IntegrityViolation if it was altered or moved to another case."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return _ID_NUMBER.open(secret_keys=keys, aad=_aad(case_number), sealed=sealed)


# --- permission and small checks -----------------------------------------------------------------


def _staff_check(by: Actor, what: str) -> None:
    # The system actor stands for the demo loader.
    if not (by.is_system or by.has_role(STAFF)):
        raise PermissionDenied(f"只有法律援助工作人员可以{what}", code="legal_aid_staff_required")


def stats_readable(*, by: Actor) -> bool:
    """Whether ``by`` may read the desk's statistics (no personal data in them)."""
    return by.is_system or by.has_role(*STATS_READERS)


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", code="legal_aid_field_required", detail={"field": field})
    if len(value) > max_length:
        raise InvalidInput(
            f"{label}不能超过{max_length}个字",
            code="legal_aid_field_too_long",
            detail={"field": field, "max": max_length},
        )
    return value


def _phone(value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput("请填写联系电话", code="legal_aid_field_required", detail={"field": "phone"})
        return ""
    if not _PHONE.fullmatch(value):
        raise InvalidInput(
            "联系电话应为7至20位数字（可含空格或短横线）", code="legal_aid_phone_invalid", detail={"field": "phone"}
        )
    return value


def _case_type(value: str, *, field: str = "case_type") -> str:
    if value not in CASE_TYPES:
        raise InvalidInput("请选择案件类型", code="legal_aid_case_type_unknown", detail={"field": field})
    return value


def case_type_label(code: str) -> str:
    return CASE_TYPES.get(code, code)


def status_label(code: str) -> str:
    return rules.CASE_STATUS_LABELS.get(code, code)


def standard_fen() -> int:
    """The economic-difficulty standard in force (settings ``ZHENGWU_LEGAL_AID_STANDARD_FEN``)."""
    return int(getattr(settings, "ZHENGWU_LEGAL_AID_STANDARD_FEN", rules.LEGAL_AID_STANDARD_FEN_DEFAULT))


# --- consultations -------------------------------------------------------------------------------


def consultation_record(
    *,
    person_name: str,
    phone: str,
    topic: str,
    question: str,
    advice: str,
    consulted_at: dt.datetime | None = None,
    by: Actor,
) -> Consultation:
    """Record a consultation at the desk; ``consulted_at`` defaults to now and may not be in the future."""
    _staff_check(by, "登记法律咨询")
    person_name = _text(person_name, field="person_name", label="咨询人姓名", max_length=50)
    phone = _phone(phone, required=False)
    topic = _case_type(topic, field="topic")
    question = _text(question, field="question", label="咨询问题", max_length=4000)
    advice = _text(advice, field="advice", label="解答意见", max_length=4000)
    now = clock_now()
    if consulted_at is None:
        consulted_at = now
    elif consulted_at.tzinfo is None:
        raise InvalidInput("咨询时间缺少时区", code="legal_aid_time_invalid", detail={"field": "consulted_at"})
    elif consulted_at > now + dt.timedelta(minutes=5):
        raise InvalidInput("咨询时间不能晚于现在", code="legal_aid_time_future", detail={"field": "consulted_at"})
    with transaction.atomic():
        consultation = Consultation.objects.create(
            person_name=person_name,
            phone=phone,
            topic=topic,
            question=question,
            advice=advice,
            consulted_at=consulted_at,
            staff=by.username,
        )
        audit_append(
            actor=by,
            action="center.legal_aid.consultation.record",
            object_type="center.consultation",
            object_id=str(consultation.pk),
            after={"topic": topic, "consulted_at": consulted_at.isoformat()},
        )
    return consultation


@dataclass(frozen=True)
class ConsultationFilters:
    month: str = ""  # "YYYY-MM"
    topic: str = ""


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        raise InvalidInput("月份应写作“2026-03”的形式", code="legal_aid_month_invalid", detail={"month": month})
    year, number = int(month[:4]), int(month[5:])
    if not (2000 <= year <= 2100 and 1 <= number <= 12):
        raise InvalidInput("月份应写作“2026-03”的形式", code="legal_aid_month_invalid", detail={"month": month})
    start = dt.datetime(year, number, 1, tzinfo=CHINA_TZ)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=CHINA_TZ)
    return start, end


def consultations_query(*, filters: ConsultationFilters, by: Actor) -> QuerySet[Consultation]:
    """The consultations matching ``filters``, newest first (legal-aid staff only)."""
    _staff_check(by, "查看法律咨询记录")
    rows = Consultation.objects.all()
    if filters.month:
        start, end = _month_bounds(filters.month)
        rows = rows.filter(consulted_at__gte=start, consulted_at__lt=end)
    if filters.topic:
        rows = rows.filter(topic=_case_type(filters.topic, field="topic"))
    return rows.order_by("-consulted_at", "-id")


def consultations_page(*, filters: ConsultationFilters, page: int, by: Actor) -> Page[Consultation]:
    return page_take(consultations_query(filters=filters, by=by), page=max(page, 1), size=PAGE_SIZE)


def consultation_get(*, consultation_id: int, by: Actor) -> Consultation:
    _staff_check(by, "查看法律咨询记录")
    found = Consultation.objects.filter(pk=consultation_id).first()
    if found is None:
        raise NotFound("咨询记录不存在", code="legal_aid_consultation_missing", detail={"id": consultation_id})
    return found


# --- cases ---------------------------------------------------------------------------------------


def _number_next(year: int) -> str:
    prefix = f"FY{year}-"
    # Longest first: FY2026-10000 comes after FY2026-9999.
    last = (
        LegalAidCase.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _event(case: LegalAidCase, *, status_from: str, status_to: str, note: str, by: Actor) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, at=clock_now(), actor=by.username, status_from=status_from, status_to=status_to, note=note
    )


def case_apply(
    *,
    applicant_name: str,
    id_number: str,
    phone: str,
    household_size: int,
    monthly_income_fen: int,
    exempt_category: str | None,
    case_type: str,
    summary: str,
    received_on: dt.date | None = None,
    by: Actor,
) -> LegalAidCase:
    """Register an application: eligibility and the review deadline from the rules, a new FY number.

    The identity number is validated (GB 11643), sealed to the case and digested; it is never
    stored in clear.
    """
    _staff_check(by, "登记法律援助申请")
    applicant_name = _text(applicant_name, field="applicant_name", label="申请人姓名", max_length=50)
    verdict = idcard_validate(id_number or "", today=clock_today())
    if not verdict.valid:
        raise InvalidInput(verdict.message, code=verdict.error_code or "id_card_invalid", detail={"field": "id_number"})
    phone = _phone(phone, required=True)
    case_type = _case_type(case_type)
    summary = _text(summary, field="summary", label="案情摘要", max_length=4000)
    exempt = (exempt_category or "").strip() or None
    for value, field, label, minimum in (
        (household_size, "household_size", "家庭人口", 1),
        (monthly_income_fen, "monthly_income_fen", "家庭月收入", 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidInput(
                f"{label}应为不小于{minimum}的整数", code="legal_aid_number_invalid", detail={"field": field}
            )
    if household_size > 99:
        raise InvalidInput("家庭人口不能超过99人", code="legal_aid_number_invalid", detail={"field": "household_size"})
    received = received_on or clock_today()
    if received > clock_today():
        raise InvalidInput(
            "收到申请的日期不能晚于今天", code="legal_aid_received_future", detail={"field": "received_on"}
        )
    assessed = rules.eligibility_assess(
        household_size=household_size,
        monthly_income_fen=monthly_income_fen,
        exempt_category=exempt,
        standard_fen=standard_fen(),
    )
    deadline = _review_deadline(received)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                number = _number_next(received.year)
                case = LegalAidCase.objects.create(
                    number=number,
                    applicant_name=applicant_name,
                    id_number_sealed=id_number_seal(case_number=number, number=verdict.number),
                    id_number_digest=id_number_digest(verdict.number),
                    phone=phone,
                    household_size=household_size,
                    monthly_income_fen=monthly_income_fen,
                    exempt_category=assessed.exempt_category.value if assessed.exempt_category else "",
                    eligible=assessed.eligible,
                    eligibility_reason=assessed.reason[:300],
                    case_type=case_type,
                    summary=summary,
                    status=rules.CaseStatus.APPLIED.value,
                    received_on=received,
                    review_deadline=deadline,
                    created_at=clock_now(),
                )
                _event(case, status_from="", status_to=case.status, note="收到申请", by=by)
                audit_append(
                    actor=by,
                    action="center.legal_aid.case.apply",
                    object_type="center.legalaidcase",
                    object_id=number,
                    after={
                        "number": number,
                        "case_type": case_type,
                        "status": case.status,
                        "eligible": assessed.eligible,
                        "received_on": received.isoformat(),
                        "review_deadline": deadline.isoformat(),
                    },
                )
            return case
        except IntegrityError:
            # Another application took the number at the same moment: take the next one.
            continue
    raise Conflict("案件编号分配冲突，请重试", code="legal_aid_number_busy")


def _review_deadline(start: dt.date) -> dt.date:
    # The city's reading of 第四十三条 (settings): how many days, and whether working days.
    return rules.review_deadline(
        received_on=start,
        calendar=calendar_get(),
        days=int(getattr(settings, "ZHENGWU_LEGAL_AID_REVIEW_DAYS", rules.REVIEW_PERIOD_DAYS)),
        working_days=bool(
            getattr(settings, "ZHENGWU_LEGAL_AID_REVIEW_WORKING_DAYS", rules.REVIEW_PERIOD_IN_WORKING_DAYS)
        ),
    )


def _move(
    case: LegalAidCase,
    *,
    target: rules.CaseStatus,
    note: str,
    action: str,
    changes: dict[str, Any],
    by: Actor,
    guard: Callable[[LegalAidCase], None] | None = None,
) -> LegalAidCase:
    """Lock the case, check the transition (and ``guard``), apply ``changes``, record the event and the audit."""
    with transaction.atomic():
        locked = LegalAidCase.objects.select_for_update().get(pk=case.pk)
        rules.case_transition(current=locked.status, target=target)
        if guard is not None:
            guard(locked)
        before = locked.status
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.status = target.value
        if target is rules.CaseStatus.CLOSED:
            locked.closed_at = clock_now()
        locked.save()
        _event(locked, status_from=before, status_to=locked.status, note=note, by=by)
        audit_append(
            actor=by,
            action=action,
            object_type="center.legalaidcase",
            object_id=locked.number,
            before={"status": before},
            after={"number": locked.number, "status": locked.status},
        )
    return locked


def case_review_begin(*, case: LegalAidCase, by: Actor) -> LegalAidCase:
    """Begin reviewing an application (申请 → 审查)."""
    _staff_check(by, "审查法律援助申请")
    return _move(
        case,
        target=rules.CaseStatus.REVIEWING,
        note="开始审查",
        action="center.legal_aid.case.review_begin",
        changes={},
        by=by,
    )


def case_review(*, case: LegalAidCase, accept: bool, reason: str, by: Actor) -> LegalAidCase:
    """Decide a reviewed application: accept (受理, give aid) or refuse (不予受理) with the reason.

    An applicant who fails the economic condition cannot be given aid here: the rules' verdict
    stands (a matter free of the condition under 第三十二条 or an applicant exempt from the check
    under 第四十二条 was found eligible at application).
    """
    _staff_check(by, "作出法律援助决定")
    reason = _text(reason, field="reason", label="决定理由", max_length=500)

    def eligible_only(locked: LegalAidCase) -> None:
        _materials_check(locked)
        if accept and not locked.eligible:
            raise Conflict(
                f"申请人不符合经济困难条件，不能决定给予法律援助：{locked.eligibility_reason}",
                code="legal_aid_not_eligible",
                detail={"number": locked.number},
            )

    target = rules.CaseStatus.ACCEPTED if accept else rules.CaseStatus.REFUSED
    return _move(
        case,
        target=target,
        note=reason,
        action="center.legal_aid.case.accept" if accept else "center.legal_aid.case.refuse",
        changes={},
        by=by,
        guard=eligible_only,
    )


def case_assign(*, case: LegalAidCase, lawyer_name: str, lawyer_firm: str, by: Actor) -> LegalAidCase:
    """Assign a lawyer of a firm to an accepted case (指派律师)."""
    _staff_check(by, "指派承办律师")
    lawyer_name = _text(lawyer_name, field="lawyer_name", label="承办律师姓名", max_length=50)
    lawyer_firm = _text(lawyer_firm, field="lawyer_firm", label="律师事务所", max_length=100)
    return _move(
        case,
        target=rules.CaseStatus.ASSIGNED,
        note=f"指派{lawyer_firm}律师承办",
        action="center.legal_aid.case.assign",
        changes={"lawyer_name": lawyer_name, "lawyer_firm": lawyer_firm},
        by=by,
    )


def case_start(*, case: LegalAidCase, by: Actor) -> LegalAidCase:
    """The assigned lawyer has begun work on the case (办理中)."""
    _staff_check(by, "登记案件开始办理")
    return _move(
        case,
        target=rules.CaseStatus.IN_PROGRESS,
        note="开始办理",
        action="center.legal_aid.case.start",
        changes={},
        by=by,
    )


def case_close(*, case: LegalAidCase, outcome: str, by: Actor) -> LegalAidCase:
    """Close a case with its outcome (结案)."""
    _staff_check(by, "办理结案")
    outcome = _text(outcome, field="outcome", label="办理结果", max_length=4000)
    return _move(
        case,
        target=rules.CaseStatus.CLOSED,
        note="结案",
        action="center.legal_aid.case.close",
        changes={"outcome": outcome},
        by=by,
    )


def _materials_check(locked: LegalAidCase) -> None:
    if locked.materials_requested_on is not None:
        raise Conflict(
            "正在等待申请人补充材料：请先登记材料已补齐，或登记撤回申请",
            code="legal_aid_materials_pending",
            detail={"number": locked.number},
        )


def case_materials_request(*, case: LegalAidCase, missing: str, by: Actor) -> LegalAidCase:
    """Tell the applicant, once and all together, which materials are missing; the review waits.

    While the desk waits, the review period does not run (the case is not overdue); when the
    materials are complete (``case_materials_complete``) it is counted again from that day.
    """
    _staff_check(by, "通知补充材料")
    missing = _text(missing, field="missing", label="需补充的材料", max_length=2000)
    today = clock_today()
    with transaction.atomic():
        locked = LegalAidCase.objects.select_for_update().get(pk=case.pk)
        if rules.CaseStatus(locked.status) not in rules.UNDECIDED:
            raise Conflict(
                "已作出决定的申请不能再通知补充材料",
                code="legal_aid_materials_after_decision",
                detail={"number": locked.number, "status": locked.status},
            )
        _materials_check(locked)
        locked.materials_requested_on, locked.materials_missing = today, missing
        locked.save(update_fields=["materials_requested_on", "materials_missing"])
        _event(locked, status_from=locked.status, status_to=locked.status, note=f"一次性告知补充材料：{missing}", by=by)
        audit_append(
            actor=by,
            action="center.legal_aid.case.materials_request",
            object_type="center.legalaidcase",
            object_id=locked.number,
            after={"number": locked.number, "requested_on": today.isoformat()},
        )
    return locked


def case_materials_complete(*, case: LegalAidCase, completed_on: dt.date | None = None, by: Actor) -> LegalAidCase:
    """The materials asked for are complete: the review period is counted again from ``completed_on``."""
    _staff_check(by, "登记材料补齐")
    completed_on = completed_on or clock_today()
    with transaction.atomic():
        locked = LegalAidCase.objects.select_for_update().get(pk=case.pk)
        requested_on = locked.materials_requested_on
        if requested_on is None:
            raise Conflict(
                "本案没有待补充的材料", code="legal_aid_materials_not_requested", detail={"number": locked.number}
            )
        if not requested_on <= completed_on <= clock_today():
            raise InvalidInput(
                f"材料补齐日期应在{requested_on.isoformat()}至今天之间",
                code="legal_aid_materials_date",
                detail={"field": "completed_on"},
            )
        before = locked.review_deadline
        locked.review_deadline = _review_deadline(completed_on)
        locked.materials_requested_on, locked.materials_missing = None, ""
        locked.save(update_fields=["review_deadline", "materials_requested_on", "materials_missing"])
        _event(
            locked,
            status_from=locked.status,
            status_to=locked.status,
            note=f"{completed_on.isoformat()}材料补齐，审查期限重新计算至{locked.review_deadline.isoformat()}",
            by=by,
        )
        audit_append(
            actor=by,
            action="center.legal_aid.case.materials_complete",
            object_type="center.legalaidcase",
            object_id=locked.number,
            before={"review_deadline": before.isoformat()},
            after={"completed_on": completed_on.isoformat(), "review_deadline": locked.review_deadline.isoformat()},
        )
    return locked


def case_withdraw(*, case: LegalAidCase, reason: str, by: Actor) -> LegalAidCase:
    """The application is withdrawn before the decision: by the applicant, or deemed withdrawn
    because the materials asked for did not come in time."""
    _staff_check(by, "登记撤回申请")
    reason = _text(reason, field="reason", label="撤回原因", max_length=500)
    return _move(
        case,
        target=rules.CaseStatus.WITHDRAWN,
        note=f"撤回申请：{reason}",
        action="center.legal_aid.case.withdraw",
        changes={"materials_requested_on": None, "materials_missing": ""},
        by=by,
    )


def case_terminate(*, case: LegalAidCase, reason: str, by: Actor) -> LegalAidCase:
    """Terminate aid already granted (终止法律援助, 第四十八条) with the reason: the person no longer
    qualifies, the matter has ended, they engaged a lawyer of their own …"""
    _staff_check(by, "终止法律援助")
    reason = _text(reason, field="reason", label="终止原因", max_length=500)
    return _move(
        case,
        target=rules.CaseStatus.TERMINATED,
        note=f"终止法律援助：{reason}",
        action="center.legal_aid.case.terminate",
        changes={"outcome": f"终止法律援助：{reason}"},
        by=by,
    )


def case_id_number_reveal(*, case: LegalAidCase, by: Actor) -> str:
    """The applicant's whole identity number, for legal-aid staff, with an audit entry saying who looked."""
    _staff_check(by, "查看完整身份证号码")
    if not case.id_number_sealed:
        raise NotFound("本案未登记身份证号码", code="legal_aid_id_number_missing", detail={"number": case.number})
    number = id_number_open(case_number=case.number, sealed=case.id_number_sealed)
    with transaction.atomic():
        audit_append(
            actor=by,
            action="center.legal_aid.case.id_number_reveal",
            object_type="center.legalaidcase",
            object_id=case.number,
            after={"number": case.number},
        )
    return number


def case_id_number_masked(*, case: LegalAidCase) -> str:
    """The identity number as a page may show it: region code and last four characters."""
    if not case.id_number_sealed:
        return ""
    return idcard_mask(id_number_open(case_number=case.number, sealed=case.id_number_sealed))


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    case_type: str = ""


def cases_query(*, filters: CaseFilters, by: Actor) -> QuerySet[LegalAidCase]:
    """The cases matching ``filters``, newest application first (legal-aid staff only)."""
    _staff_check(by, "查看法律援助案件")
    rows = LegalAidCase.objects.all()
    if filters.status:
        if filters.status not in rules.CASE_STATUS_LABELS:
            raise InvalidInput("未知的案件状态", code="legal_aid_status_unknown", detail={"status": filters.status})
        rows = rows.filter(status=filters.status)
    if filters.case_type:
        rows = rows.filter(case_type=_case_type(filters.case_type))
    return rows.order_by("-received_on", "-number")


def cases_page(*, filters: CaseFilters, page: int, by: Actor) -> Page[LegalAidCase]:
    return page_take(cases_query(filters=filters, by=by), page=max(page, 1), size=PAGE_SIZE)


def case_get(*, number: str, by: Actor) -> LegalAidCase:
    """One case by its number (legal-aid staff only)."""
    _staff_check(by, "查看法律援助案件")
    found = LegalAidCase.objects.filter(number=(number or "").strip().upper()).first()
    if found is None:
        raise NotFound(f"案件{number}不存在", code="legal_aid_case_missing", detail={"number": number})
    return found


def case_events(*, case: LegalAidCase) -> list[CaseEvent]:
    return list(case.events.order_by("at", "id"))


def case_actions(*, case: LegalAidCase) -> frozenset[str]:
    """The statuses the case may move to next (what the case page offers)."""
    return frozenset(s.value for s in rules.CASE_TRANSITIONS[rules.CaseStatus(case.status)])


def export_record(*, what: str, count: int, by: Actor) -> None:
    """Note in the audit log that someone took a list of personal data away (what and how many rows)."""
    _staff_check(by, "导出法律援助记录")
    if what not in ("consultations", "cases"):
        raise ValueError(f"unknown export: {what!r}")
    with transaction.atomic():
        audit_append(
            actor=by,
            action=f"center.legal_aid.{what}.export",
            object_type="center.legalaidcase" if what == "cases" else "center.consultation",
            object_id="",
            after={"rows": count},
        )


# --- statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalAidStats:
    """A year's cases and consultations by month and type; no personal data."""

    year: int
    types: tuple[str, ...]  # the case types that occur, in CASE_TYPES order
    cases: dict[str, dict[str, int]]  # "YYYY-MM" → type → count (every month of the year)
    consultations: dict[str, int]  # "YYYY-MM" → count
    case_total: int
    consultation_total: int

    @property
    def months(self) -> list[str]:
        return sorted(self.cases)


def legal_aid_stats(*, year: int, by: Actor) -> LegalAidStats:
    """Cases received (by month and case type) and consultations (by month) in ``year``."""
    if not stats_readable(by=by):
        raise PermissionDenied("只有法律援助、中心工作人员和市领导可以查看法律援助统计", code="legal_aid_stats_denied")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("年份应在2000至2100之间", code="legal_aid_year_invalid", detail={"year": year})
    records = LegalAidCase.objects.filter(received_on__year=year).values_list("received_on", "case_type")
    counted = rules.stats_by_month_and_type(records)
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    cases = {month: dict(counted.get(month, {})) for month in months}
    present = {t for by_type in counted.values() for t in by_type}
    types = tuple([t for t in CASE_TYPES if t in present] + sorted(present - set(CASE_TYPES)))
    start = dt.datetime(year, 1, 1, tzinfo=CHINA_TZ)
    end = dt.datetime(year + 1, 1, 1, tzinfo=CHINA_TZ)
    per_month = (
        Consultation.objects.filter(consulted_at__gte=start, consulted_at__lt=end)
        .annotate(month=ExtractMonth("consulted_at", tzinfo=CHINA_TZ))
        .values("month")
        .annotate(n=Count("id"))
    )
    consultations = dict.fromkeys(months, 0)
    for row in per_month:
        consultations[f"{year:04d}-{row['month']:02d}"] = row["n"]
    return LegalAidStats(
        year=year,
        types=types,
        cases=cases,
        consultations=consultations,
        case_total=sum(sum(v.values()) for v in cases.values()),
        consultation_total=sum(consultations.values()),
    )


def legal_aid_stats_rows(stats: LegalAidStats) -> tuple[list[str], list[list[object]]]:
    """The statistics as a table: month, consultations, one column per case type, cases in total."""
    headers = ["月份", "咨询", *[case_type_label(t) for t in stats.types], "案件合计"]
    rows: list[list[object]] = []
    for month in stats.months:
        by_type = stats.cases[month]
        rows.append(
            [month, stats.consultations[month], *[by_type.get(t, 0) for t in stats.types], sum(by_type.values())]
        )
    rows.append(
        [
            "合计",
            stats.consultation_total,
            *[sum(stats.cases[m].get(t, 0) for m in stats.months) for t in stats.types],
            stats.case_total,
        ]
    )
    return headers, rows


def overdue_reviews(*, by: Actor) -> int:
    """Applications still undecided past their review deadline (for the desk's home)."""
    _staff_check(by, "查看法律援助案件")
    open_ = Q(status=rules.CaseStatus.APPLIED.value) | Q(status=rules.CaseStatus.REVIEWING.value)
    waiting = LegalAidCase.objects.filter(open_, review_deadline__lt=clock_today(), materials_requested_on__isnull=True)
    return waiting.count()
