"""``zhengwu tick``: apply the tendering lifecycle moves that are due, now.

The task worker runs the same tick every minute; this command is for operators and cron.
Exit codes: 0 done (whether or not anything was due); 1 some section could not be moved (each
is listed, and is tried again at the next tick); 2 wrong usage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zhengwu.contexts.tendering.lifecycle import tick_run
from zhengwu.kernel.clock import CHINA_TZ


class Command(BaseCommand):
    help = "Apply the due tendering lifecycle moves (bid deadline → opening). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="sections handled at most in one run")
        parser.add_argument("--quiet", action="store_true", help="print only problems")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if batch <= 0:
            raise CommandError("--batch must be positive", returncode=2)
        # tqdm decides by itself (disable=None) to draw only when stderr is a terminal.
        with tqdm(unit="section", desc="tick", disable=None, leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = tick_run(batch=batch, on_progress=progress)
        if not options["quiet"]:
            for move in report.transitions:
                self.stdout.write(f"  {move.section_code}: {move.previous_status} → {move.status} ({move.reason})")
            at = report.now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(
                f"tick at {at} (Beijing): {report.due} due, {len(report.transitions)} moved, "
                f"{report.skipped} skipped, {len(report.errors)} failed"
            )
        for error in report.errors:
            self.stderr.write(f"  {error.section_code}: {error.code} {error.message}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} section(s) could not be moved", returncode=1)
