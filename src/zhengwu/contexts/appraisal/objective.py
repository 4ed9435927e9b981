"""Objective indicators: values fed by data (processing days, 跑动次数, 网上可办率 …), not by respondents.

The evaluator enters them for a round from the data owners' statistics; scoring turns each into
points with the goalposts fixed in the round's indicator system (appraisal-methods.md §2.2).
A batch is checked whole and stored whole: one bad row refuses the batch and names every bad row.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from django.db import transaction

from zhengwu.contexts.appraisal.access import appraiser_require
from zhengwu.contexts.appraisal.models import ObjectiveValue, Round, RoundUnit
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.platform.audit.services import audit_append

OPEN_STATUSES = (Round.Status.DESIGN, Round.Status.COLLECTING, Round.Status.CLOSED, Round.Status.SCORED)
CSV_HEADERS = {"单位编号": "unit", "指标编号": "indicator", "数值": "value", "数据来源": "source"}


@dataclass(frozen=True)
class ObjectiveInput:
    unit_code: str
    indicator_code: str
    value: str | float
    source: str = ""


def objective_values_set(*, round: Round, values: list[ObjectiveInput], by: Actor) -> int:
    """Store a batch of objective values for ``round`` (replacing earlier values of the same cells)."""
    appraiser_require(by=by)
    if round.status not in OPEN_STATUSES:
        raise Conflict("结果已发布，客观指标数据不能再修改", code="appraisal_objective_closed")
    system = system_def(system=round.system)
    indicators = {i.code: i for i in system.indicators if i.source == "objective"}
    units = {ru.unit.code: ru.unit for ru in RoundUnit.objects.filter(round=round).select_related("unit")}
    errors: list[str] = []
    rows: list[tuple[ObjectiveInput, float]] = []
    for number, row in enumerate(values, start=1):
        unit, indicator = units.get(row.unit_code.strip()), indicators.get(row.indicator_code.strip())
        try:
            value = float(row.value)
        except (TypeError, ValueError):
            value = math.nan
        if unit is None:
            errors.append(f"第{number}行：单位“{row.unit_code}”不在本轮参评单位中")
        elif indicator is None:
            errors.append(f"第{number}行：“{row.indicator_code}”不是本轮指标体系的客观指标")
        elif indicator.applies_to not in ("all", unit.kind):
            errors.append(f"第{number}行：指标{indicator.code}不适用于{unit.get_kind_display()}")
        elif not math.isfinite(value):
            errors.append(f"第{number}行：数值“{row.value}”不是有效数字")
        else:
            rows.append((row, value))
    if errors:
        raise InvalidInput("；".join(errors[:20]), code="appraisal_objective_rows", detail={"errors": errors})
    now = clock_now()
    with transaction.atomic():
        for row, value in rows:
            ObjectiveValue.objects.update_or_create(
                round=round,
                unit=units[row.unit_code.strip()],
                indicator_code=row.indicator_code.strip(),
                defaults={"value": value, "source": row.source[:200], "entered_by": by.username, "entered_at": now},
            )
        audit_append(
            actor=by,
            action="appraisal.objective.set",
            object_type="appraisal.round",
            object_id=round.code,
            after={"values": len(rows)},
        )
    return len(rows)


def objective_csv_parse(*, data: bytes) -> list[ObjectiveInput]:
    """Read a CSV with the columns 单位编号, 指标编号, 数值, 数据来源 (UTF-8, with or without BOM)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("文件须为UTF-8编码的CSV", code="appraisal_objective_encoding") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [h for h in ("单位编号", "指标编号", "数值") if h not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"CSV缺少列：{'、'.join(missing)}", code="appraisal_objective_columns")
    return [
        ObjectiveInput(
            unit_code=row["单位编号"] or "",
            indicator_code=row["指标编号"] or "",
            value=row["数值"] or "",
            source=row.get("数据来源") or "",
        )
        for row in reader
    ]
