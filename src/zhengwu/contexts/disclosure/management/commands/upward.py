"""``zhengwu upward report|push|resend``: the upward push to the higher-level platform, for operators.

- ``report [--json]``: the sync report of both sides, per dataset (see ``upward.selectors``).
- ``push [--limit N]``: one delivery round to the higher level now, with a progress bar; what was
  held (endpoint not configured yet), backing off or given up (dead letters) goes at once.
- ``resend``: queue again every record whose latest version the higher level refused.

Exit codes: 0 all well; 1 needs attention (rejections, failed deliveries, not configured); 2 wrong usage.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zhengwu.contexts.disclosure.upward.selectors import (
    ReceiverReport,
    SenderReport,
    upward_receiver_report,
    upward_sender_report,
)
from zhengwu.contexts.disclosure.upward.services import UPWARD_DESTINATION, upward_rejected_resend
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import ZhengwuError
from zhengwu.platform.exchange.models import Delivery
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import deliveries_hasten, exchange_replay

_SENT = ("queued", "sent", "acknowledged", "rejected", "pending", "retrying")
_RECEIVED = ("received", "accepted", "rejected", "stored")


class Command(BaseCommand):
    help = "The upward push to the higher-level platform: sync report, push now, resend refused records."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="report|push|resend")
        report = sub.add_parser("report", help="per dataset: queued, sent, acknowledged, rejected, pending; received")
        report.add_argument("--json", action="store_true", help="print the report as JSON")
        push = sub.add_parser("push", help="deliver the queued records to the higher-level platform now")
        push.add_argument("--limit", type=int, default=1000, help="deliveries in this round")
        sub.add_parser("resend", help="queue again the records whose latest version was refused")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "report":
            self._report(as_json=options["json"])
        elif action == "push":
            if options["limit"] <= 0:
                raise CommandError("--limit must be positive", returncode=2)
            self._push(limit=options["limit"])
        else:
            self._resend()

    def _report(self, *, as_json: bool) -> None:
        sender, receiver = upward_sender_report(), upward_receiver_report()
        if as_json:
            document = {"sender": asdict(sender), "receiver": asdict(receiver)}
            self.stdout.write(json.dumps(document, default=str, ensure_ascii=False, indent=2))
        else:
            self._sender_table(sender)
            self._receiver_table(receiver)
        if sender.totals.rejected:
            raise CommandError(
                f"{sender.totals.rejected} record(s) refused by the higher level: mend, then `zhengwu upward resend`",
                returncode=1,
            )

    def _sender_table(self, report: SenderReport) -> None:
        out = self.stdout
        where = report.endpoint if report.configured else "not configured (ZHENGWU_UPWARD_URL)"
        out.write(f"Sent upward from {report.platform_code or '?'} to {where}")
        out.write("  " + f"{'dataset':<40}" + "".join(f"{name:>13}" for name in _SENT))
        if not report.rows:
            out.write("  (nothing queued yet)")
        for row in [*report.rows, report.totals]:
            label = f"{row.data_no} {row.data_en} {row.data_cn}" if row.data_no else "total"
            out.write("  " + f"{label:<40}" + "".join(f"{getattr(row, name):>13}" for name in _SENT))
        if report.last_error:
            out.write(self.style.WARNING(f"  last failed attempt: {report.last_error}"))
        for rejection in report.rejections:
            out.write(self.style.ERROR(f"  refused {rejection.data_no} {rejection.data_key}: {rejection.message}"))

    def _receiver_table(self, report: ReceiverReport) -> None:
        out = self.stdout
        out.write("")
        out.write(f"Received from lower-level platforms ({', '.join(report.sources) or 'none registered'})")
        out.write("  " + f"{'platform':<20}{'dataset':<40}" + "".join(f"{name:>10}" for name in _RECEIVED))
        if not report.rows:
            out.write("  (nothing received yet)")
        for row in report.rows:
            label = f"{row.data_no} {row.data_en} {row.data_cn}"
            out.write("  " + f"{row.source:<20}{label:<40}" + "".join(f"{getattr(row, n):>10}" for n in _RECEIVED))

    def _push(self, *, limit: int) -> None:
        # Everything that has not arrived goes now: what waits for its retry, and dead letters too
        # (the higher level may have been down for longer than the retries last).
        dead = list(
            Delivery.objects.filter(destination=UPWARD_DESTINATION, status=Delivery.Status.DEAD).values_list(
                "id", flat=True
            )
        )
        if dead:
            exchange_replay(delivery_ids=dead, by=self._operator())
        hastened = deliveries_hasten(destination=UPWARD_DESTINATION)
        with tqdm(unit="record", desc="upward", disable=not sys.stderr.isatty(), leave=False) as bar:

            def progress(delivery: Delivery, outcome: str) -> None:
                bar.update(1)
                if outcome in {"failed", "dead", "refused"}:
                    bar.write(f"delivery {delivery.pk}: {outcome}: {delivery.last_error}")

            report = relay_run_once(limit=limit, on_progress=progress, destinations={UPWARD_DESTINATION})
        self.stdout.write(
            f"made due {hastened} (dead letters revived {len(dead)}); acknowledged {report.delivered}, "
            f"refused {report.refused}, failed {report.failed}, dead letters {report.dead}, held {report.held}"
        )
        if report.held:
            raise CommandError("the higher-level platform is not configured (ZHENGWU_UPWARD_URL)", returncode=1)
        if report.failed or report.dead or report.refused:
            raise CommandError("some records were not acknowledged; see `zhengwu upward report`", returncode=1)

    @staticmethod
    def _operator() -> Actor:
        who = os.environ.get("USER") or os.environ.get("LOGNAME") or "operator"
        return Actor.system(f"cli:{who}")

    def _resend(self) -> None:
        try:
            resent = upward_rejected_resend(by=self._operator())
        except ZhengwuError as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=1) from exc
        self.stdout.write(f"Queued again: {len(resent)} record(s).")
