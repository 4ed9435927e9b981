"""Writes to the working-day table: importing a calendar file and loading the shipped defaults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.kernel.workdays import WorkCalendar
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.defaults import defaults_rows
from zhengwu.platform.workdays.models import CalendarDay
from zhengwu.platform.workdays.rules import CalendarRow, calendar_rows_parse
from zhengwu.platform.workdays.selectors import calendar_cache_clear

# Who may change the calendar: the trading centre's staff, and the system itself (the CLI, run by
# whoever holds the server). Role names are plain strings: a platform app may not import identity.
EDITOR_ROLES = ("centre_staff",)
# Replacing a year outside this range is certainly a typo.
YEAR_MIN, YEAR_MAX = 1949, 2200
# An audit entry lists at most this many changed dates; the counts are always complete.
_AUDIT_DATES_MAX = 400


@dataclass(frozen=True)
class CalendarImportResult:
    """What an import or a defaults load did, date by date."""

    created: tuple[dt.date, ...] = ()
    updated: tuple[dt.date, ...] = ()
    deleted: tuple[dt.date, ...] = ()
    unchanged: int = 0
    # load-defaults only: dates where the table differs from the shipped file and was kept.
    conflicts: tuple[dt.date, ...] = ()
    loaded_years: tuple[int, ...] = ()
    audit_entry: Any = field(default=None, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _editor_check(by: Actor) -> None:
    if not (by.is_system or by.has_role(*EDITOR_ROLES)):
        raise PermissionDenied("只有交易中心工作人员可以修改工作日历", code="calendar_permission_denied")


def _table_lock() -> None:
    # Two imports at once would both read the old table and one would fail on the unique date;
    # the lock queues writers while readers (deadline computations) go on.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{CalendarDay._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')


def _label(day: CalendarDay | CalendarRow) -> str:
    return f"{day.kind} {day.name} {day.source}"


def _same(day: CalendarDay, row: CalendarRow) -> bool:
    return (day.kind, day.name, day.source) == (row.kind, row.name, row.source)


def _calendar_of(days: dict[dt.date, tuple[str, str]]) -> WorkCalendar:
    return WorkCalendar.from_rows((d, kind, name) for d, (kind, name) in days.items())


def _dates(values: list[dt.date]) -> list[str]:
    return [d.isoformat() for d in sorted(values)[:_AUDIT_DATES_MAX]]


def calendar_import(
    *,
    data: bytes | str,
    file_name: str,
    replace_year: int | None = None,
    by: Actor,
) -> CalendarImportResult:
    """Import a calendar file (format in ``rules``): all rows or none, one audit entry.

    Each row creates its date or overwrites what the table says about it. With ``replace_year``
    the year's dates that the file does not list are deleted too, so the year ends up exactly as
    the file says; the file must then hold at least one date of that year.
    """
    _editor_check(by)
    rows = calendar_rows_parse(data)
    if replace_year is not None:
        if not YEAR_MIN <= replace_year <= YEAR_MAX:
            raise InvalidInput(
                f"要替换的年份{replace_year}无效", code="calendar_replace_year_invalid", detail={"year": replace_year}
            )
        if not any(r.date.year == replace_year for r in rows):
            raise InvalidInput(
                f"文件中没有{replace_year}年的日期，不能用它替换该年的安排",
                code="calendar_replace_year_empty",
                detail={"year": replace_year},
            )
    digest = suite_get(settings.ZHENGWU_CRYPTO_SUITE).hexdigest(data.encode("utf-8") if isinstance(data, str) else data)
    now = clock_now()
    with transaction.atomic():
        _table_lock()
        existing = {d.date: d for d in CalendarDay.objects.all()}
        in_file = {r.date for r in rows}
        deleted = {d for d in existing if replace_year is not None and d.year == replace_year and d not in in_file}
        created = [r for r in rows if r.date not in existing]
        updated = [r for r in rows if r.date in existing and not _same(existing[r.date], r)]
        final = {d: (x.kind, x.name) for d, x in existing.items() if d not in deleted}
        final.update({r.date: (r.kind, r.name) for r in rows})
        after_calendar = _calendar_of(final)

        CalendarDay.objects.filter(date__in=deleted).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=r.date, kind=r.kind, name=r.name, source=r.source, imported_at=now) for r in created
        )
        changes: list[dict[str, str]] = []
        for r in updated:
            day = existing[r.date]
            changes.append({"date": r.date.isoformat(), "before": _label(day), "after": _label(r)})
            day.kind, day.name, day.source, day.imported_at = r.kind, r.name, r.source, now
        CalendarDay.objects.bulk_update([existing[r.date] for r in updated], ["kind", "name", "source", "imported_at"])

        years = sorted({r.date.year for r in rows})
        entry = audit_append(
            actor=by,
            action="workdays.calendar.import",
            object_type="workdays.calendar",
            object_id=",".join(str(y) for y in years),
            before={"rows": len(existing)},
            after={
                "rows": len(final),
                "loaded_years": sorted(after_calendar.years),
                "file": file_name,
                "digest": f"{settings.ZHENGWU_CRYPTO_SUITE}:{digest}",
                "replace_year": replace_year,
                "created": _dates([r.date for r in created]),
                "updated": changes[:_AUDIT_DATES_MAX],
                "deleted": [
                    {"date": d.isoformat(), "before": _label(existing[d])} for d in sorted(deleted)[:_AUDIT_DATES_MAX]
                ],
                "counts": {"created": len(created), "updated": len(updated), "deleted": len(deleted)},
            },
        )
        transaction.on_commit(calendar_cache_clear)
    # Also clear now: the on_commit hook never runs inside an outer transaction that rolls back.
    calendar_cache_clear()
    return CalendarImportResult(
        created=tuple(r.date for r in created),
        updated=tuple(r.date for r in updated),
        deleted=tuple(sorted(deleted)),
        unchanged=len(rows) - len(created) - len(updated),
        loaded_years=tuple(sorted(after_calendar.years)),
        audit_entry=entry,
    )


def calendar_defaults_load(*, by: Actor) -> CalendarImportResult:
    """Add the shipped official arrangements' dates that the table lacks; one audit entry.

    Idempotent. A date the table already holds is never overwritten, even where it differs from
    the shipped file (an operator may have corrected it): such dates are reported as conflicts,
    and ``calendar import FILE --replace-year YEAR`` is the deliberate way to take the file's word.
    """
    _editor_check(by)
    shipped = defaults_rows()
    now = clock_now()
    with transaction.atomic():
        _table_lock()
        existing = {d.date: d for d in CalendarDay.objects.all()}
        created: list[CalendarRow] = []
        conflicts: list[dt.date] = []
        unchanged = 0
        seen: set[dt.date] = set()
        for _path, rows in shipped:
            for r in rows:
                if r.date in seen:
                    continue
                seen.add(r.date)
                if r.date not in existing:
                    created.append(r)
                elif _same(existing[r.date], r):
                    unchanged += 1
                else:
                    conflicts.append(r.date)
        final = {d: (x.kind, x.name) for d, x in existing.items()}
        final.update({r.date: (r.kind, r.name) for r in created})
        after_calendar = _calendar_of(final)
        CalendarDay.objects.bulk_create(
            CalendarDay(date=r.date, kind=r.kind, name=r.name, source=r.source, imported_at=now) for r in created
        )
        entry = audit_append(
            actor=by,
            action="workdays.calendar.load_defaults",
            object_type="workdays.calendar",
            object_id="defaults",
            before={"rows": len(existing)},
            after={
                "rows": len(final),
                "loaded_years": sorted(after_calendar.years),
                "files": [path.name for path, _rows in shipped],
                "created": _dates([r.date for r in created]),
                "conflicts_kept": _dates(conflicts),
                "counts": {"created": len(created), "unchanged": unchanged, "conflicts": len(conflicts)},
            },
        )
        transaction.on_commit(calendar_cache_clear)
    calendar_cache_clear()
    return CalendarImportResult(
        created=tuple(r.date for r in created),
        unchanged=unchanged,
        conflicts=tuple(sorted(conflicts)),
        loaded_years=tuple(sorted(after_calendar.years)),
        audit_entry=entry,
    )
