"""``zhengwu appraisal …``: the evaluator's long jobs, with a progress bar on a terminal.

- ``score ROUND [--bootstrap N] [--seed S]`` computes scores, ranks and their uncertainty
- ``qc ROUND`` runs quality control over every response of the round
- ``publish ROUND`` applies the accountability rules and publishes (reports: ``reports ROUND``)
- ``reports ROUND`` builds 《政务要情参阅》 and every unit's 《一把手必读》
- ``objective ROUND FILE.csv`` enters objective indicator values (单位编号, 指标编号, 数值, 数据来源)
- ``escalate`` escalates overdue feedback tickets (the worker does it every hour)
- ``member USERNAME UNIT`` links a department user to the unit they speak for

The commands act as the system on the evaluator's behalf; every change is in the audit log.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zhengwu.contexts.appraisal.models import Round, Unit
from zhengwu.contexts.appraisal.objective import objective_csv_parse, objective_values_set
from zhengwu.contexts.appraisal.publication import round_publish
from zhengwu.contexts.appraisal.quality import round_qc_run
from zhengwu.contexts.appraisal.reports import reports_build_all
from zhengwu.contexts.appraisal.results import round_results_compute
from zhengwu.contexts.appraisal.services import unit_member_add
from zhengwu.contexts.appraisal.tickets import tickets_escalate
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import ZhengwuError

CLI = Actor.system("appraisal-cli")


class Command(BaseCommand):
    help = "Third-party appraisal: score, quality control, publish, reports, objective data, escalation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        score = sub.add_parser("score", help="compute scores, ranks, CIs and P(last) of a closed round")
        score.add_argument("round")
        score.add_argument("--bootstrap", type=int, default=2000)
        score.add_argument("--seed", type=int, default=None)
        for name, text in (
            ("qc", "run quality control over the round's responses"),
            ("publish", "apply the accountability rules and publish a scored round"),
            ("reports", "build both quarterly reports of a round"),
        ):
            sub.add_parser(name, help=text).add_argument("round")
        objective = sub.add_parser("objective", help="enter objective indicator values from a CSV")
        objective.add_argument("round")
        objective.add_argument("file", type=Path)
        sub.add_parser("escalate", help="escalate overdue feedback tickets")
        member = sub.add_parser("member", help="link a department user to a unit")
        member.add_argument("username")
        member.add_argument("unit")
        for command in sub.choices.values():
            command.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["subcommand"])(options)
        except ZhengwuError as exc:
            raise CommandError(f"{exc.message} ({exc.code})") from exc

    def _round(self, code: str) -> Round:
        round_ = Round.objects.filter(code=code).select_related("system").first()
        if round_ is None:
            raise CommandError(f"轮次{code}不存在")
        return round_

    def _bar(self, options: dict[str, Any], *, desc: str, unit: str) -> Any:
        # tqdm draws only when stderr is a terminal (disable=None), unless told not to at all.
        disable = True if options["no_progress"] else None
        return tqdm(desc=desc, unit=unit, file=options.get("stderr") or sys.stderr, disable=disable)

    def _score(self, options: dict[str, Any]) -> None:
        round_ = self._round(options["round"])
        with self._bar(options, desc=f"score {round_.code}", unit="resamples") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            result = round_results_compute(
                round=round_, by=CLI, bootstrap=options["bootstrap"], seed=options["seed"], progress=progress
            )
        self.stdout.write(
            f"{round_.code}: city score {result.city_score:.2f} "
            f"(95% CI {result.city_ci_low:.2f}–{result.city_ci_high:.2f}), "
            f"{result.responses_used} responses scored, {result.responses_excluded} left out, "
            f"{result.bootstrap} resamples"
        )

    def _qc(self, options: dict[str, Any]) -> None:
        summary = round_qc_run(round=self._round(options["round"]), by=CLI)
        flags = ", ".join(f"{code} {n}" for code, n in sorted(summary.by_flag.items())) or "none"
        statuses = ", ".join(f"{code} {n}" for code, n in sorted(summary.by_status.items()))
        self.stdout.write(f"{summary.total} responses: {statuses}; flags: {flags}")

    def _publish(self, options: dict[str, Any]) -> None:
        round_ = round_publish(round=self._round(options["round"]), by=CLI, build_reports=False)
        outcomes = round_.outcomes.select_related("unit").order_by("unit__code", "rule")
        self.stdout.write(f"{round_.code} published; {outcomes.count()} accountability outcome(s)")
        for outcome in outcomes:
            note = f" — {outcome.note}" if outcome.note else ""
            self.stdout.write(f"  {outcome.unit.name}: {outcome.outcome}{note}")

    def _reports(self, options: dict[str, Any]) -> None:
        round_ = self._round(options["round"])
        with self._bar(options, desc=f"reports {round_.code}", unit="PDF") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            built = reports_build_all(round=round_, by=CLI, progress=progress)
        self.stdout.write(f"{len(built)} report(s) built for {round_.code}")

    def _objective(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        values = objective_csv_parse(data=path.read_bytes())
        stored = objective_values_set(round=self._round(options["round"]), values=values, by=CLI)
        self.stdout.write(f"{stored} objective value(s) stored")

    def _escalate(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{tickets_escalate(by=CLI)} ticket(s) escalated")

    def _member(self, options: dict[str, Any]) -> None:
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"评价对象{options['unit']}不存在")
        user = user_get(username=options["username"])
        if "department_user" not in user.role_codes:
            raise CommandError(f"用户{user.username}不是部门用户")
        unit_member_add(unit=unit, user_id=user.pk, username=user.username, by=CLI)
        self.stdout.write(f"{user.username} → {unit.name}")
