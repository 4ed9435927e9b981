"""Importing experts from an Excel sheet (``sheet`` describes its columns).

Good rows are imported and bad rows are reported, row by row: the Excel row number, the column,
a stable code and a Chinese message — every problem of a row at once, so that a clerk fixes the
sheet in one pass. A row is bad when a field fails the same checks as ``expert_create``, when
its identity number appears on an earlier row of the sheet, or when it is already in the pool.
The import is not all-or-nothing: fixing the bad rows and importing the sheet again adds them
and reports the rows already imported as duplicates.

A few thousand rows are checked and written in the request itself (seconds, not minutes): the
rows are read and checked first, then written in batches, each batch one transaction with one
audit entry per expert, so that the audit chain's lock is never held for long. One more entry
records the import itself (file digest, counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.db import IntegrityError, transaction

from zhengwu.contexts.experts.models import Expert
from zhengwu.contexts.experts.personal import id_card_digest
from zhengwu.contexts.experts.services.common import (
    ExpertFields,
    ExpertInput,
    expert_input_check,
    expert_summary,
    require_staff,
)
from zhengwu.contexts.experts.services.experts import expert_build, specialties_save
from zhengwu.contexts.experts.sheet import COLUMN_BY_FIELD, MAX_BYTES, SheetRow, sheet_rows
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now, clock_today
from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.audit.services import audit_append

BATCH = 200
FILE_NAME_MAX = 200


@dataclass(frozen=True)
class RowError:
    """One problem of one row: the Excel row number, the column's header, a code and a message."""

    row: int
    column: str
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class ImportedRow:
    row: int
    uuid: str
    name: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the rows imported and every problem of the rows that were not."""

    file_name: str
    file_sha256: str
    rows: int
    imported: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Required headers missing from row 1: every row then fails on those columns.
    missing_headers: list[str] = field(default_factory=list)

    @property
    def failed_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


def _column(field_name: str) -> str:
    column = COLUMN_BY_FIELD.get(field_name)
    return column.header if column is not None else field_name


def _row_input(row: SheetRow) -> ExpertInput:
    v = row.values

    def text(name: str) -> str:
        value = v.get(name)
        return value if isinstance(value, str) else ""

    others = v.get("other_specialties")
    return ExpertInput(
        name=text("name"),
        id_card=text("id_card"),
        phone=text("phone"),
        employer_name=text("employer_name"),
        employer_uscc=text("employer_uscc"),
        region_code=text("region_code"),
        title_name=text("title_name"),
        title_level=text("title_level"),
        work_years=v.get("work_years"),
        base_type=text("base_type"),
        main_specialty=text("main_specialty"),
        other_specialties=others if isinstance(others, list) else [],
        qualifications=text("qualifications"),
        education=text("education"),
        entered_on=v.get("entered_on"),
        birth_date=v.get("birth_date"),
    )


def _read(content: IO[bytes] | bytes) -> bytes:
    if isinstance(content, bytes):
        return content
    data = content.read(MAX_BYTES + 1)
    return data if isinstance(data, bytes) else bytes(data)


def experts_import(*, file: IO[bytes] | bytes, file_name: str = "", by: Actor) -> ImportReport:
    """Import the experts of an .xlsx sheet (the centre's staff); return the row-by-row report.

    Raises InvalidInput only when the file itself cannot be used (not an .xlsx, too large, no
    header row, too many rows); problems of rows are in the report, and the good rows are in.
    """
    require_staff(by, what="导入专家")
    file_name = (file_name or "").strip()[:FILE_NAME_MAX]
    data = _read(file)
    sha256 = hashlib.sha256(data).hexdigest()
    missing, reader = sheet_rows(data)
    # Every row is read (and a file over the row limit refused) before anything is written.
    rows = list(reader)
    if not rows:
        raise InvalidInput("工作表中没有专家数据（第2行起）", code="import_empty", detail={"row": 2})
    today = clock_today()
    errors: list[RowError] = []
    good: list[tuple[SheetRow, ExpertFields, str]] = []
    first_row_of: dict[str, int] = {}
    for row in rows:
        row_errors = [RowError(row.number, _column(e.field), e.field, e.code, e.message) for e in row.errors]
        unreadable = {e.field for e in row.errors}
        fields, problems = expert_input_check(_row_input(row), today=today)
        row_errors += [
            RowError(row.number, _column(p.field), p.field, p.code, p.message)
            for p in problems
            # A cell already reported as unreadable is not reported again as missing.
            if p.field not in unreadable
        ]
        digest = ""
        if fields is not None:
            digest = id_card_digest(fields.id_card)
            earlier = first_row_of.get(digest)
            if earlier is not None:
                row_errors.append(
                    RowError(
                        row.number,
                        _column("id_card"),
                        "id_card",
                        "id_card_duplicate_in_sheet",
                        f"身份证号码与第{earlier}行重复",
                    )
                )
            else:
                first_row_of[digest] = row.number
        if row_errors or fields is None:
            errors += row_errors
            continue
        good.append((row, fields, digest))
    in_pool = set(
        Expert.objects.filter(id_card_digest__in=[digest for _, _, digest in good]).values_list(
            "id_card_digest", flat=True
        )
    )
    pool_error = "身份证号码已在专家库中（该专家已录入）"
    todo = []
    for row, fields, digest in good:
        if digest in in_pool:
            errors.append(RowError(row.number, _column("id_card"), "id_card", "expert_id_card_taken", pool_error))
        else:
            todo.append((row, fields))
    imported: list[ImportedRow] = []
    for start in range(0, len(todo), BATCH):
        batch_imported, batch_errors = _write(todo[start : start + BATCH], by=by, today=today, pool_error=pool_error)
        imported += batch_imported
        errors += batch_errors
    errors.sort(key=lambda e: e.row)
    report = ImportReport(
        file_name=file_name,
        file_sha256=sha256,
        rows=len(rows),
        imported=imported,
        errors=errors,
        missing_headers=missing,
    )
    with transaction.atomic():
        audit_append(
            actor=by,
            action="experts.import.run",
            object_type="experts.import",
            object_id=sha256,
            after={
                "file_name": file_name,
                "rows": len(rows),
                "imported": len(imported),
                "failed_rows": len(report.failed_rows),
                "missing_headers": missing,
            },
        )
    return report


def _write(
    rows: Iterable[tuple[SheetRow, ExpertFields]], *, by: Actor, today: dt.date, pool_error: str
) -> tuple[list[ImportedRow], list[RowError]]:
    imported: list[ImportedRow] = []
    errors: list[RowError] = []
    now = clock_now()
    with transaction.atomic():
        saved: list[tuple[SheetRow, Expert, ExpertFields]] = []
        for row, fields in rows:
            expert = expert_build(fields, by=by, now=now, today=today)
            try:
                # A savepoint per row: a person entered concurrently fails this row only.
                with transaction.atomic():
                    expert.save(force_insert=True)
                    specialties_save(expert, fields.specialties)
            except IntegrityError:
                errors.append(RowError(row.number, _column("id_card"), "id_card", "expert_id_card_taken", pool_error))
                continue
            saved.append((row, expert, fields))
        # The audit entries last, so the chain's lock is held only while they are written.
        for row, expert, fields in saved:
            audit_append(
                actor=by,
                action="experts.expert.import",
                object_type="experts.expert",
                object_id=str(expert.uuid),
                after={**expert_summary(expert, fields.specialties), "row": row.number},
            )
            imported.append(ImportedRow(row=row.number, uuid=str(expert.uuid), name=expert.name))
    return imported, errors
