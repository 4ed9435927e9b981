"""The sampling frame of a round: the 办件名单 imported per unit, and the trading platform's enterprises.

The frame lists the enterprises that dealt with each unit in the round's period. The evaluator
asks the units for it but draws the sample independently (appraisal-methods.md §2.5, 管评分离).
It is raw respondent data: only the evaluator writes or reads it. Reading the uploaded file is
``frame_sheet``'s part; checking and storing its rows is here.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count

from zhengwu.contexts.appraisal.access import appraiser_require
from zhengwu.contexts.appraisal.frame_sheet import frame_sheet_read
from zhengwu.contexts.appraisal.models import FrameEntry, Round, RoundUnit, Unit
from zhengwu.contexts.identity.selectors import organisations_list
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict
from zhengwu.kernel.uscc import uscc_normalize, uscc_validate
from zhengwu.platform.audit.services import audit_append

MOBILE = re.compile(r"1[3-9]\d{9}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The public-resource-trading centre: the unit whose frame the trading platform's enterprises join.
TRADING_UNIT_MARK = "公共资源交易"
TRADING_MATTER_TYPE = "公共资源交易"


def round_lock(*, round: Round) -> Round:
    """The round's row, locked for this transaction."""
    # Every write to a round takes its row lock first: two imports or a draw racing an import
    # must not interleave.
    return Round.objects.select_for_update().get(pk=round.pk)


def round_status_require(*, round: Round, status: str, message: str) -> None:
    """Refuse (Conflict ``round_status``) unless the round is in ``status``."""
    if round.status != status:
        raise Conflict(
            message, code="round_status", detail={"round": round.code, "status": round.status, "expected": status}
        )


def _frame_sizes_update(round: Round) -> None:
    counts = dict(FrameEntry.objects.filter(round=round).order_by().values_list("unit_id").annotate(n=Count("id")))
    for round_unit in RoundUnit.objects.filter(round=round):
        size = counts.get(round_unit.unit_id, 0)
        if round_unit.frame_size != size:
            round_unit.frame_size = size
            round_unit.save(update_fields=["frame_size"])


@dataclass(frozen=True)
class RefusedRow:
    """A row of an imported list that was not stored, with every reason (Chinese) and its code."""

    row: int
    unit_code: str
    uscc: str
    codes: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.codes[0]

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


@dataclass(frozen=True)
class FrameImportReport:
    """What an import did: rows read, stored, already in the frame (skipped), and refused."""

    filename: str
    rows_read: int
    imported: int
    skipped_rows: tuple[int, ...]
    refused: tuple[RefusedRow, ...]
    by_unit: dict[str, int] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        return len(self.skipped_rows)


def _row_checked(
    values: dict[str, str],
    *,
    units: dict[str, Unit],
    in_round: set[int],
) -> tuple[list[tuple[str, str]], Unit | None, str, str, str]:
    """The problems of one row, the unit, the normalised USCC, phone and e-mail."""
    problems: list[tuple[str, str]] = []
    unit_code = values["unit_code"].strip().upper()
    unit = units.get(unit_code)
    if not unit_code:
        problems.append(("frame_unit_required", "单位编号为空"))
    elif unit is None:
        problems.append(("frame_unit_unknown", f"单位编号“{unit_code}”不存在"))
    elif unit.pk not in in_round:
        problems.append(("frame_unit_not_in_round", f"单位“{unit.name}”（{unit_code}）不在本轮评价范围内"))
    uscc = uscc_normalize(values["uscc"])
    if not uscc:
        problems.append(("frame_uscc_required", "统一社会信用代码为空"))
    else:
        verdict = uscc_validate(uscc)
        if not verdict.valid:
            problems.append((verdict.error_code or "frame_uscc_invalid", f"统一社会信用代码无效：{verdict.reason}"))
    name = values["enterprise_name"]
    if not name:
        problems.append(("frame_name_required", "企业名称为空"))
    elif len(name) > 200:
        problems.append(("frame_name_too_long", "企业名称超过200个字符"))
    if len(values["contact_name"]) > 50:
        problems.append(("frame_contact_too_long", "联系人超过50个字符"))
    phone = re.sub(r"[\s-]", "", values["phone"])
    phone = phone.removeprefix("+86").removeprefix("0086") if len(phone) > 11 else phone
    if phone and not MOBILE.fullmatch(phone):
        problems.append(("frame_phone_invalid", f"手机号码“{values['phone'][:20]}”格式不正确，应为11位手机号码"))
    email = values["email"]
    if email and (len(email) > 200 or not EMAIL.fullmatch(email)):
        problems.append(("frame_email_invalid", f"电子邮箱“{email[:50]}”格式不正确"))
    if len(values["matter_type"]) > 50:
        problems.append(("frame_matter_type_too_long", "事项类型超过50个字符"))
    if len(values["size"]) > 20:
        problems.append(("frame_size_too_long", "企业规模超过20个字符"))
    return problems, unit, uscc, phone, email


def frame_import(*, round: Round, data: bytes, filename: str, by: Actor) -> FrameImportReport:
    """Import a 办件名单 (.xlsx or .csv) into the round's sampling frame (the evaluator, in design).

    Every row is checked: the unit exists and is in the round, the USCC passes GB 32100, the
    mobile number has 11 digits, the enterprise is not twice in the file. Good rows are stored,
    refused rows are reported with their row number and reasons; an enterprise already in the
    unit's frame is skipped. A file that is not such a table at all is refused whole.
    """
    appraiser_require(by=by)
    rows = frame_sheet_read(data=data, filename=filename)
    now = clock_now()
    with transaction.atomic():
        locked = round_lock(round=round)
        round_status_require(round=locked, status=Round.Status.DESIGN, message="只有设计中的轮次可以导入抽样框")
        units = {unit.code: unit for unit in Unit.objects.all()}
        in_round = set(RoundUnit.objects.filter(round=locked).values_list("unit_id", flat=True))
        stored = set(FrameEntry.objects.filter(round=locked).values_list("unit_id", "uscc"))
        first_seen: dict[tuple[int, str], int] = {}
        refused: list[RefusedRow] = []
        skipped: list[int] = []
        new: list[FrameEntry] = []
        by_unit: Counter[str] = Counter()
        for row in rows:
            problems, unit, uscc, phone, email = _row_checked(row.values, units=units, in_round=in_round)
            if row.problems:
                # A cell that could not be read is reported as such, not again as empty.
                unreadable = {code.removesuffix("_numeric_cell") for code, _ in row.problems}
                problems = [*row.problems, *(p for p in problems if p[0].removesuffix("_required") not in unreadable)]
            if unit is not None and uscc and not problems:
                key = (unit.pk, uscc)
                if key in first_seen:
                    problems.append(("frame_duplicate_in_file", f"与第{first_seen[key]}行重复（同一单位、同一企业）"))
                elif key in stored:
                    # Remembered too, so that a second copy in the file is reported as a duplicate.
                    first_seen[key] = row.number
                    skipped.append(row.number)
                    continue
            if problems:
                refused.append(
                    RefusedRow(
                        row=row.number,
                        unit_code=row.values["unit_code"][:20],
                        uscc=uscc[:18],
                        codes=tuple(code for code, _ in problems),
                        reasons=tuple(reason for _, reason in problems),
                    )
                )
                continue
            assert unit is not None  # no problems means the unit was found
            first_seen[(unit.pk, uscc)] = row.number
            by_unit[unit.code] += 1
            values = row.values
            new.append(
                FrameEntry(
                    round=locked,
                    unit=unit,
                    uscc=uscc,
                    enterprise_name=values["enterprise_name"],
                    contact_name=values["contact_name"],
                    phone=phone,
                    email=email,
                    matter_type=values["matter_type"],
                    size=values["size"],
                    source=FrameEntry.Source.IMPORT,
                    created_at=now,
                )
            )
        FrameEntry.objects.bulk_create(new, batch_size=1000)
        _frame_sizes_update(locked)
        audit_append(
            actor=by,
            action="appraisal.frame.import",
            object_type="appraisal.round",
            object_id=locked.code,
            after={
                "filename": filename[:200],
                "sha256": hashlib.sha256(data).hexdigest(),
                "rows": len(rows),
                "imported": len(new),
                "skipped": len(skipped),
                "refused": len(refused),
            },
        )
    return FrameImportReport(
        filename=filename,
        rows_read=len(rows),
        imported=len(new),
        skipped_rows=tuple(skipped),
        refused=tuple(refused),
        by_unit=dict(sorted(by_unit.items())),
    )


def _trading_unit(round: Round) -> Unit | None:
    return (
        Unit.objects.filter(round_units__round=round, kind=Unit.Kind.CENTRE, name__contains=TRADING_UNIT_MARK)
        .order_by("code")
        .first()
    )


def frame_link_trading(*, round: Round, by: Actor) -> int:
    """Add the trading platform's verified market subjects to the trading centre's frame.

    They are the enterprises registered with this deployment's identity context that hold a
    market role (tenderer, agency, bidder). Nothing happens without a public-resource-trading
    centre among the round's units. Returns how many were added (those already there are kept).
    """
    appraiser_require(by=by)
    now = clock_now()
    with transaction.atomic():
        locked = round_lock(round=round)
        round_status_require(round=locked, status=Round.Status.DESIGN, message="只有设计中的轮次可以补充抽样框")
        unit = _trading_unit(locked)
        if unit is None:
            return 0
        stored = set(FrameEntry.objects.filter(round=locked, unit=unit).values_list("uscc", flat=True))
        new: list[FrameEntry] = []
        for organisation in organisations_list(status="verified"):
            if organisation.kind != "enterprise" or not organisation.market_roles:
                continue
            uscc = uscc_normalize(organisation.uscc)
            if uscc in stored:
                continue
            stored.add(uscc)
            phone = re.sub(r"[\s-]", "", organisation.contact_phone)
            new.append(
                FrameEntry(
                    round=locked,
                    unit=unit,
                    uscc=uscc,
                    enterprise_name=organisation.name[:200],
                    contact_name=organisation.contact_name[:50],
                    # A landline cannot take an SMS: the enterprise is then reached by telephone.
                    phone=phone if MOBILE.fullmatch(phone) else "",
                    matter_type=TRADING_MATTER_TYPE,
                    source=FrameEntry.Source.TRADING,
                    created_at=now,
                )
            )
        FrameEntry.objects.bulk_create(new)
        _frame_sizes_update(locked)
        audit_append(
            actor=by,
            action="appraisal.frame.link_trading",
            object_type="appraisal.round",
            object_id=locked.code,
            after={"unit": unit.code, "added": len(new)},
        )
    return len(new)
