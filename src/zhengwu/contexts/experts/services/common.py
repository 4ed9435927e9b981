"""Checks and helpers shared by the experts services (not part of the public interface).

``expert_input_check`` is the one validation of an expert's fields: the create and update
services raise its first problem, the Excel import reports every problem of every row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zhengwu.contexts.experts.models import (
    BASE_TYPE_LABELS,
    TITLE_LEVEL_LABELS,
    Expert,
    ExpertConflict,
    ExpertUnavailability,
)
from zhengwu.contexts.experts.specialties import (
    SPECIALTY_CODE_MAX,
    specialty_code_normalize,
    specialty_known,
)
from zhengwu.contexts.identity.roles import Role
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.kernel.idcard import PROVINCES, idcard_validate
from zhengwu.kernel.uscc import uscc_normalize, uscc_validate

NAME_MAX = 50
PHONE_MAX = 30
EMPLOYER_MAX = 200
TITLE_MAX = 50
QUALIFICATIONS_MAX = 500
EDUCATION_MAX = 50
WORK_YEARS_MAX = 70
# One main specialty and a few others: the data standard reports each as one MAJOR_CODE row.
SPECIALTIES_MAX = 10
REASON_MIN, REASON_MAX = 4, 1000
NOTE_MAX = 500
UNAVAILABILITY_REASON_MAX = 200
UNAVAILABILITY_MAX = 50

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")

# The label (what the sheet and the API's people type) of each field, for messages.
FIELD_LABELS: dict[str, str] = {
    "name": "姓名",
    "id_card": "身份证号码",
    "birth_date": "出生日期",
    "phone": "手机号码",
    "employer_name": "工作单位",
    "employer_uscc": "工作单位统一社会信用代码",
    "region_code": "所在地区代码",
    "title_name": "职称",
    "title_level": "职称级别",
    "work_years": "工作年限",
    "base_type": "专家库类别",
    "main_specialty": "主评专业代码",
    "other_specialties": "其他专业代码",
    "qualifications": "执业资格",
    "education": "最高学历",
    "entered_on": "入库日期",
}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: a stable code and a Chinese message."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class ExpertInput:
    """An expert's fields as typed (a form, the API or one row of a sheet)."""

    name: str
    id_card: str
    phone: str
    employer_name: str
    region_code: str
    title_name: str
    title_level: str
    work_years: int | str | None
    base_type: str
    main_specialty: str
    other_specialties: Sequence[str] = ()
    employer_uscc: str = ""
    qualifications: str = ""
    education: str = ""
    entered_on: dt.date | None = None
    # Optional cross-check: a date of birth typed beside the number must agree with it.
    birth_date: dt.date | None = None


@dataclass(frozen=True)
class ExpertFields:
    """The checked, normalised fields of an expert."""

    name: str
    id_card: str
    # Empty, and ``birth_date`` None, when an update keeps the stored number.
    sex: str
    birth_date: dt.date | None
    phone: str
    employer_name: str
    employer_uscc: str
    region_code: str
    title_name: str
    title_level: str
    work_years: int
    base_type: str
    specialties: tuple[tuple[str, bool], ...]
    qualifications: str
    education: str
    entered_on: dt.date
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _text(
    value: object, *, name: str, required: bool, max_length: int, errors: list[FieldError], label: str | None = None
) -> str:
    text = "" if value is None else str(value).strip()
    label = label or FIELD_LABELS[name]
    if not text:
        if required:
            errors.append(FieldError(name, f"{name}_required", f"请填写{label}"))
        return ""
    if len(text) > max_length:
        errors.append(FieldError(name, f"{name}_too_long", f"{label}不能超过{max_length}个字符"))
    elif "\x00" in text:
        errors.append(FieldError(name, f"{name}_invalid", f"{label}含有非法字符"))
    return text


def region_code_problem(code: str) -> str | None:
    """Why ``code`` is not a 6-digit GB/T 2260 code, or None."""
    if not re.fullmatch(r"\d{6}", code):
        return "所在地区代码应为6位行政区划代码（GB/T 2260）"
    if code[:2] not in PROVINCES:
        return f"所在地区代码前两位“{code[:2]}”不是省级行政区划代码"
    return None


def phone_valid(text: str) -> bool:
    """A mainland mobile number (11 digits) or a landline with its area code."""
    return bool(_MOBILE.match(text) or _LANDLINE.match(text))


def _work_years(value: int | str | None, errors: list[FieldError]) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(FieldError("work_years", "work_years_required", "请填写工作年限"))
        return 0
    try:
        years = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        errors.append(FieldError("work_years", "work_years_invalid", "工作年限应为整数"))
        return 0
    if isinstance(value, bool) or not 0 <= years <= WORK_YEARS_MAX:
        errors.append(FieldError("work_years", "work_years_invalid", f"工作年限应为0至{WORK_YEARS_MAX}之间的整数"))
        return 0
    return years


def _specialties(main: str, others: Sequence[str], errors: list[FieldError]) -> tuple[tuple[str, bool], ...]:
    main_code = specialty_code_normalize(main or "")
    if not main_code:
        errors.append(FieldError("main_specialty", "main_specialty_required", "请填写主评专业代码"))
    elif len(main_code) > SPECIALTY_CODE_MAX or not specialty_known(main_code):
        errors.append(
            FieldError("main_specialty", "specialty_unknown", f"专业代码“{main_code[:20]}”不在专家专业分类代码表中")
        )
    out: list[tuple[str, bool]] = [(main_code, True)] if main_code else []
    seen = {main_code}
    for raw in others:
        code = specialty_code_normalize(raw)
        if not code or code in seen:
            continue
        seen.add(code)
        if len(code) > SPECIALTY_CODE_MAX or not specialty_known(code):
            errors.append(
                FieldError("other_specialties", "specialty_unknown", f"专业代码“{code[:20]}”不在专家专业分类代码表中")
            )
            continue
        out.append((code, False))
    if len(out) > SPECIALTIES_MAX:
        errors.append(
            FieldError("other_specialties", "specialties_too_many", f"每位专家最多登记{SPECIALTIES_MAX}个专业")
        )
    return tuple(out)


def _choice(value: str, *, name: str, labels: dict[str, str], errors: list[FieldError]) -> str:
    text = (value or "").strip()
    if not text:
        errors.append(FieldError(name, f"{name}_required", f"请填写{FIELD_LABELS[name]}"))
        return ""
    if text in labels:
        return text
    # People type the Chinese label ("高级"); programs send the code ("senior").
    by_label = {label: code for code, label in labels.items()}
    if text in by_label:
        return by_label[text]
    allowed = "、".join(labels.values())
    errors.append(FieldError(name, f"{name}_unknown", f"{FIELD_LABELS[name]}“{text[:20]}”无效，应为：{allowed}"))
    return ""


def expert_input_check(
    data: ExpertInput, *, today: dt.date, id_card_required: bool = True
) -> tuple[ExpertFields | None, list[FieldError]]:
    """Check and normalise every field; return the fields (None if any problem) and every problem.

    With ``id_card_required`` False an empty number is accepted (an update that keeps the
    stored number); the returned ``id_card`` is then empty.
    """
    errors: list[FieldError] = []
    name = _text(data.name, name="name", required=True, max_length=NAME_MAX, errors=errors)
    id_card, sex, birth = "", "", None
    raw_id = (data.id_card or "").strip()
    if raw_id or id_card_required:
        if not raw_id:
            errors.append(FieldError("id_card", "id_card_required", "请填写身份证号码"))
        else:
            verdict = idcard_validate(raw_id, today=today)
            if not verdict.valid:
                errors.append(FieldError("id_card", verdict.error_code or "id_card_invalid", verdict.message))
            else:
                id_card, sex, birth = verdict.number, verdict.sex or "", verdict.birth_date
                if data.birth_date is not None and birth is not None and data.birth_date != birth:
                    errors.append(
                        FieldError(
                            "birth_date",
                            "birth_date_mismatch",
                            f"出生日期{data.birth_date.isoformat()}与身份证号码中的出生日期{birth.isoformat()}不一致",
                        )
                    )
    phone = _text(data.phone, name="phone", required=True, max_length=PHONE_MAX, errors=errors).replace(" ", "")
    if phone and not phone_valid(phone):
        errors.append(FieldError("phone", "phone_invalid", "手机号码格式不正确（手机号11位，或带区号的固定电话）"))
    employer_name = _text(
        data.employer_name, name="employer_name", required=True, max_length=EMPLOYER_MAX, errors=errors
    )
    employer_uscc = uscc_normalize(data.employer_uscc or "")
    if employer_uscc:
        verdict_uscc = uscc_validate(employer_uscc)
        if not verdict_uscc.valid:
            errors.append(
                FieldError(
                    "employer_uscc", "employer_uscc_invalid", "工作单位统一社会信用代码有误：" + verdict_uscc.reason
                )
            )
    region_code = "".join((data.region_code or "").split())
    if not region_code:
        errors.append(FieldError("region_code", "region_code_required", "请填写所在地区代码"))
    else:
        problem = region_code_problem(region_code)
        if problem:
            errors.append(FieldError("region_code", "region_code_invalid", problem))
    title_name = _text(data.title_name, name="title_name", required=True, max_length=TITLE_MAX, errors=errors)
    title_level = _choice(data.title_level, name="title_level", labels=TITLE_LEVEL_LABELS, errors=errors)
    work_years = _work_years(data.work_years, errors)
    base_type = _choice(data.base_type, name="base_type", labels=BASE_TYPE_LABELS, errors=errors)
    specialties = _specialties(data.main_specialty, data.other_specialties, errors)
    qualifications = _text(
        data.qualifications, name="qualifications", required=False, max_length=QUALIFICATIONS_MAX, errors=errors
    )
    education = _text(data.education, name="education", required=False, max_length=EDUCATION_MAX, errors=errors)
    entered_on = data.entered_on or today
    if entered_on > today:
        errors.append(FieldError("entered_on", "entered_on_future", "入库日期不能晚于今天"))
    if errors:
        return None, errors
    return (
        ExpertFields(
            name=name,
            id_card=id_card,
            sex=sex,
            birth_date=birth,
            phone=phone,
            employer_name=employer_name,
            employer_uscc=employer_uscc,
            region_code=region_code,
            title_name=title_name,
            title_level=title_level,
            work_years=work_years,
            base_type=base_type,
            specialties=specialties,
            qualifications=qualifications,
            education=education,
            entered_on=entered_on,
        ),
        [],
    )


def errors_raise(errors: list[FieldError]) -> None:
    """Raise the first problem as InvalidInput, every problem listed in ``detail["errors"]``."""
    if not errors:
        return
    first = errors[0]
    raise InvalidInput(
        first.message,
        code=first.code,
        detail={
            "field": first.field,
            "errors": [{"field": e.field, "code": e.code, "message": e.message} for e in errors],
        },
    )


# --- who may act ---------------------------------------------------------------------------------


def is_system(by: Actor) -> bool:
    """The system itself (demo data, operators' commands), never a person."""
    return by.is_system and "system" in by.roles


def is_staff(by: Actor) -> bool:
    return not by.is_system and by.has_role(Role.CENTRE_STAFF)


def is_self(expert: Expert, by: Actor) -> bool:
    """Whether ``by`` is the expert, signed in with the account linked to the record."""
    return not by.is_system and by.has_role(Role.EXPERT) and expert.user_id is not None and by.user_id == expert.user_id


def require_staff(by: Actor, *, what: str) -> None:
    """Refuse anyone but the centre's staff (and the system) to ``what``."""
    if is_system(by) or is_staff(by):
        return
    raise PermissionDenied(f"只有交易中心工作人员可以{what}", code="experts_staff_required", detail={"action": what})


def require_staff_or_self(expert: Expert, by: Actor, *, what: str) -> None:
    """Refuse anyone but the centre's staff, the system and the expert themself."""
    if is_system(by) or is_staff(by) or is_self(expert, by):
        return
    raise PermissionDenied(
        f"只有交易中心工作人员或专家本人可以{what}", code="experts_staff_or_self_required", detail={"action": what}
    )


def reason_checked(reason: str, *, what: str) -> str:
    cleaned = (reason or "").strip()
    if not REASON_MIN <= len(cleaned) <= REASON_MAX or "\x00" in cleaned:
        raise InvalidInput(
            f"请填写{what}（{REASON_MIN}至{REASON_MAX}字）", code="reason_required", detail={"field": "reason"}
        )
    return cleaned


# --- audit summaries (never the whole identity number) -------------------------------------------


def expert_summary(expert: Expert, specialties: Sequence[tuple[str, bool]] | None = None) -> dict[str, Any]:
    if specialties is None:
        specialties = [(s.code, s.is_main) for s in expert.specialties.all()]
    return {
        "name": expert.name,
        "id_card": expert.id_card_masked,
        "phone": expert.phone,
        "employer_name": expert.employer_name,
        "employer_uscc": expert.employer_uscc,
        "region_code": expert.region_code,
        "title_name": expert.title_name,
        "title_level": expert.title_level,
        "work_years": expert.work_years,
        "base_type": expert.base_type,
        "specialties": [code + ("*" if main else "") for code, main in specialties],
        "qualifications": expert.qualifications,
        "education": expert.education,
        "status": expert.status,
        "entered_on": expert.entered_on.isoformat(),
        "username": expert.username,
        "version": expert.version,
    }


def conflict_summary(conflict: ExpertConflict) -> dict[str, Any]:
    return {
        "expert": str(conflict.expert.uuid),
        "organisation_uscc": conflict.organisation_uscc,
        "organisation_name": conflict.organisation_name,
        "relation": conflict.relation,
        "starts_on": conflict.starts_on.isoformat() if conflict.starts_on else None,
        "ends_on": conflict.ends_on.isoformat() if conflict.ends_on else None,
        "note": conflict.note,
        "withdrawn": conflict.withdrawn_at is not None,
    }


def unavailability_summary(rows: Sequence[ExpertUnavailability]) -> list[dict[str, str]]:
    return [{"from": r.starts_on.isoformat(), "to": r.ends_on.isoformat(), "reason": r.reason} for r in rows]
