"""``zhengwu calendar import|show|load-defaults``: the operator's handle on the working-day table."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import ZhengwuError
from zhengwu.kernel.workdays import HOLIDAY, WORKDAY
from zhengwu.platform.workdays.defaults import defaults_files
from zhengwu.platform.workdays.selectors import calendar_days_of_year, calendar_get
from zhengwu.platform.workdays.services import CalendarImportResult, calendar_defaults_load, calendar_import

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _cli_actor() -> Actor:
    # The audit log should say which server account ran the command.
    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "unknown"
    return Actor.system(f"cli:{who}")


def _error(exc: ZhengwuError) -> CommandError:
    errors = exc.detail.get("errors") or []
    if not errors:
        return CommandError(f"{exc.message} [{exc.code}]")
    # One line per problem, so an operator can fix the whole file in one pass.
    lines = [f"日历文件有{len(errors)}处错误，未导入任何内容 [{exc.code}]"]
    lines += [f"  第{e['line']}行：{e['message']}" if e["line"] else f"  {e['message']}" for e in errors]
    return CommandError("\n".join(lines))


def _dates(values: tuple[dt.date, ...]) -> str:
    return ", ".join(d.isoformat() for d in values) if values else "-"


class Command(BaseCommand):
    help = "The working-day calendar: import a file, show a year, load the shipped official arrangements."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="import|show|load-defaults")
        imp = actions.add_parser("import", help="import a calendar CSV (date,kind,name,source); all rows or none")
        imp.add_argument("file", help="path of the CSV file")
        imp.add_argument(
            "--replace-year",
            type=int,
            metavar="YYYY",
            help="also delete the year's dates that the file does not list",
        )
        show = actions.add_parser("show", help="list a year's holidays and adjusted working days")
        show.add_argument("year", type=int)
        actions.add_parser("load-defaults", help="add the shipped official arrangements (idempotent)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "import":
                self._import(Path(options["file"]), options["replace_year"])
            elif options["action"] == "show":
                self._show(options["year"])
            else:
                self._load_defaults()
        except ZhengwuError as exc:
            raise _error(exc) from None

    def _import(self, path: Path, replace_year: int | None) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        result = calendar_import(data=data, file_name=path.name, replace_year=replace_year, by=_cli_actor())
        self.stdout.write(f"imported {path.name}")
        self._summary(result)

    def _load_defaults(self) -> None:
        result = calendar_defaults_load(by=_cli_actor())
        self.stdout.write("shipped files: " + ", ".join(p.name for p in defaults_files()))
        self._summary(result)
        if result.conflicts:
            self.stdout.write(
                self.style.WARNING(
                    "these dates differ from the shipped files and were kept as they are: "
                    + _dates(result.conflicts)
                    + "\nto take the shipped version: zhengwu calendar import <file> --replace-year <year>"
                )
            )

    def _summary(self, result: CalendarImportResult) -> None:
        self.stdout.write(f"created:   {len(result.created)}  {_dates(result.created)}")
        self.stdout.write(f"updated:   {len(result.updated)}  {_dates(result.updated)}")
        self.stdout.write(f"deleted:   {len(result.deleted)}  {_dates(result.deleted)}")
        self.stdout.write(f"unchanged: {result.unchanged}")
        self.stdout.write("loaded years: " + (", ".join(str(y) for y in result.loaded_years) or "none"))

    def _show(self, year: int) -> None:
        if not 1 <= year <= 9998:
            raise CommandError(f"year {year} is out of range")
        days = calendar_days_of_year(year=year)
        calendar = calendar_get()
        if calendar.year_loaded(year):
            self.stdout.write(f"{year}: loaded")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"{year}: NOT LOADED (1 January {year} is not listed as a holiday): working days of {year} "
                    "cannot be computed until the State Council's arrangement for it is imported"
                )
            )
        for kind, title in ((HOLIDAY, "Holidays (放假)"), (WORKDAY, "Adjusted working days (调休上班)")):
            chosen = [d for d in days if d.kind == kind]
            self.stdout.write(f"{title}: {len(chosen)}")
            for d in chosen:
                self.stdout.write(f"  {d.date.isoformat()} {_WEEKDAYS[d.date.weekday()]}  {d.name}  [{d.source}]")
        holidays = [d for d in days if d.kind == HOLIDAY]
        weekday_holidays = sum(1 for d in holidays if d.date.weekday() < 5)
        workdays = len(days) - len(holidays)
        line = (
            f"Counts: {len(holidays)} holidays ({weekday_holidays} on Monday-Friday), {workdays} adjusted working days"
        )
        if calendar.year_loaded(year):
            total = calendar.workdays_between(dt.date(year, 1, 1) - dt.timedelta(days=1), dt.date(year, 12, 31))
            line += f", {total} working days in {year}"
        self.stdout.write(line + ".")
