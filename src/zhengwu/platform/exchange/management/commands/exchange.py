"""``zhengwu exchange status|replay|relay``: the operators' view of the outbox and inbox.

Exit codes: 0 all well; 1 needs attention (dead letters exist, a delivery failed, a replay was
refused); 2 wrong usage.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import asdict
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections
from tqdm import tqdm

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import ZhengwuError
from zhengwu.platform.exchange.models import Delivery
from zhengwu.platform.exchange.relay import RelayReport, relay_run_once
from zhengwu.platform.exchange.selectors import ExchangeStatus, exchange_status
from zhengwu.platform.exchange.services import exchange_replay


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _report_line(report: RelayReport) -> str:
    line = (
        f"delivered {report.delivered} (already applied {report.duplicates}), "
        f"failed {report.failed}, dead letters {report.dead}"
    )
    if report.refused:
        line += f", refused for good {report.refused}"
    if report.held:
        line += f", held (destination not configured) {report.held}"
    return line


class Command(BaseCommand):
    help = "The exchange between deployables: status, replay dead letters, run the relay."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="status|replay|relay")
        status = sub.add_parser("status", help="deliveries per destination, dead letters, refused messages")
        status.add_argument("--json", action="store_true", help="print the status as JSON")
        replay = sub.add_parser("replay", help="put dead letters back in the queue")
        which = replay.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", dest="ids", type=int, action="append", metavar="ID", help="a delivery id")
        which.add_argument("--all-dead", action="store_true", help="every dead letter")
        relay = sub.add_parser("relay", help="deliver due messages")
        mode = relay.add_mutually_exclusive_group()
        mode.add_argument("--once", action="store_true", help="deliver what is due now, then stop (default)")
        mode.add_argument("--loop", action="store_true", help="keep delivering until stopped")
        relay.add_argument("--interval", type=float, default=2.0, help="seconds between idle rounds (--loop)")
        relay.add_argument("--limit", type=int, default=100, help="deliveries per round")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self._status(as_json=options["json"])
        elif action == "replay":
            self._replay(ids=options["ids"], all_dead=options["all_dead"])
        else:
            if options["interval"] <= 0 or options["limit"] <= 0:
                raise CommandError("--interval and --limit must be positive", returncode=2)
            if options["loop"]:
                self._relay_loop(interval=options["interval"], limit=options["limit"])
            else:
                self._relay_once(limit=options["limit"])

    # status ------------------------------------------------------------------------------

    def _status(self, *, as_json: bool) -> None:
        status = exchange_status()
        if as_json:
            self.stdout.write(json.dumps(asdict(status), default=str, ensure_ascii=False, indent=2))
        else:
            self._status_table(status)
        if status.dead_total:
            raise CommandError(
                f"{status.dead_total} dead letter(s) need attention: fix the cause, then "
                "`zhengwu exchange replay --id ID` or `--all-dead`",
                returncode=1,
            )

    def _status_table(self, status: ExchangeStatus) -> None:
        out = self.stdout
        out.write(f"Exchange of deployable {status.deployable!r} at {status.generated_at.isoformat()}")
        out.write("")
        out.write("Outbox")
        header = f"  {'destination':<14}{'pending':>9}{'waiting':>9}{'retrying':>10}{'delivered':>11}{'dead':>7}"
        out.write(header + "  oldest pending")
        if not status.destinations:
            out.write("  (nothing sent yet)")
        for d in status.destinations:
            out.write(
                f"  {d.destination:<14}{d.pending:>9}{d.waiting:>9}{d.retrying:>10}{d.delivered:>11}{d.dead:>7}"
                f"  {_age(d.oldest_pending_age_seconds)}"
            )
        for d in status.destinations:
            for letter in d.dead_letters:
                out.write(
                    self.style.ERROR(
                        f"  dead letter id={letter.id} → {d.destination} {letter.event_type} "
                        f"{letter.aggregate_type}:{letter.aggregate_id} #{letter.sequence} "
                        f"after {letter.attempts} attempts: {letter.last_error}"
                    )
                )
        out.write("")
        out.write("Inbox")
        if not status.inbox:
            out.write("  (nothing received yet)")
        for row in status.inbox:
            out.write(f"  from {row.source:<14} to {row.destination:<14} applied {row.applied}")
        out.write(f"  refused messages: {status.rejected_total}")
        for r in status.rejected_recent:
            out.write(
                self.style.WARNING(
                    f"  refused id={r.id} {r.received_at.isoformat()} {r.reason} "
                    f"claimed source {r.claimed_source!r} from {r.remote_addr or 'in-process'} message {r.message_id}"
                )
            )

    # replay ------------------------------------------------------------------------------

    def _replay(self, *, ids: list[int] | None, all_dead: bool) -> None:
        who = os.environ.get("USER") or os.environ.get("LOGNAME") or "operator"
        try:
            replayed = exchange_replay(delivery_ids=ids, all_dead=all_dead, by=Actor.system(f"cli:{who}"))
        except ZhengwuError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.detail or ''}".strip(), returncode=1) from exc
        if not replayed:
            self.stdout.write("No dead letters to replay.")
            return
        self.stdout.write(self.style.SUCCESS(f"Queued again: {len(replayed)} deliver(ies): {replayed}"))

    # relay -------------------------------------------------------------------------------

    def _progress_bar(self) -> tqdm[Any]:
        return tqdm(unit="msg", desc="relay", disable=not sys.stderr.isatty(), leave=False)

    def _relay_once(self, *, limit: int) -> None:
        with self._progress_bar() as bar:

            def progress(delivery: Delivery, outcome: str) -> None:
                bar.update(1)

            report = relay_run_once(limit=limit, on_progress=progress)
        self.stdout.write(_report_line(report))
        if not report.ok:
            raise CommandError("some deliveries failed; see `zhengwu exchange status`", returncode=1)

    def _relay_loop(self, *, interval: float, limit: int) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"relay running (every {interval}s when idle); stop with Ctrl-C or SIGTERM")
        with self._progress_bar() as bar:

            def progress(delivery: Delivery, outcome: str) -> None:
                bar.update(1)
                if outcome in {"failed", "dead"}:
                    bar.write(f"delivery {delivery.pk} → {delivery.destination}: {outcome}: {delivery.last_error}")

            while not stopping:
                try:
                    report = relay_run_once(limit=limit, on_progress=progress)
                except DatabaseError as exc:
                    # The database restarted or failed over: nothing was half-done (each delivery
                    # is its own transaction), so reconnect and go on after the pause.
                    self.stderr.write(f"database unavailable, retrying in {interval}s: {exc}")
                    connections.close_all()
                    report = RelayReport()
                if report.attempted:
                    self.stdout.write(_report_line(report))
                    self.stdout.flush()
                if report.limit_reached:
                    continue
                deadline = time.monotonic() + interval
                while not stopping and time.monotonic() < deadline:
                    time.sleep(min(0.1, interval))
        self.stdout.write("relay stopped")
