"""``zhengwu uscc CODE...``: check unified social credit codes from the command line."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.kernel.uscc import uscc_validate


class Command(BaseCommand):
    help = "Check 统一社会信用代码 (GB 32100): one verdict per code; exit status 1 if any is invalid."
    # Pure computation: no database, no migrations needed.
    requires_system_checks = ()
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="+", metavar="CODE", help="codes to check (spaces and case are ignored)")
        parser.add_argument("--json", action="store_true", help="print a JSON array instead of one line per code")

    def handle(self, *args: Any, **options: Any) -> None:
        verdicts = [(raw, uscc_validate(raw)) for raw in options["codes"]]
        if options["json"]:
            rows = [
                {
                    "input": raw,
                    "code": v.code,
                    "valid": v.valid,
                    "reason": v.reason,
                    "errors": list(v.errors),
                    "warnings": list(v.warnings),
                    "error_code": v.error_code,
                }
                for raw, v in verdicts
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for raw, v in verdicts:
                shown = v.code or repr(raw)
                self.stdout.write(f"{shown}\t{'有效' if v.valid else '无效'}\t{v.reason}")
        invalid = sum(1 for _, v in verdicts if not v.valid)
        if invalid:
            raise CommandError(f"{invalid} 个代码无效", returncode=1)
