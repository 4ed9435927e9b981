"""``zhengwu audit verify|seal|show|prove``: check, seal and read the hash-chained audit log.

``prove N`` prints the inclusion proof of entry N under a signed tree head, to be checked on
the public platform (``/transparency/`` or ``zhengwu transparency verify``).

``verify`` exits 0 with a one-line summary when the log is intact, and exits 1 naming the
first bad entry (position, action, what is wrong) when anything was edited, deleted, reordered
or forged.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import IntegrityViolation, NotFound
from zhengwu.platform.audit.selectors import audit_entries_last, audit_entry_count, audit_inclusion_proof
from zhengwu.platform.audit.services import audit_seal, audit_verify

# Problems listed in full before the command gives up listing them.
PROBLEMS_SHOWN = 20


class Command(BaseCommand):
    help = "The hash-chained audit log: verify it, seal it into a signed tree head, show recent entries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,seal,show,prove}")
        verify = sub.add_parser("verify", help="check every entry, link, chain head and signed tree head")
        verify.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        sub.add_parser("seal", help="sign a tree head over the entries appended since the last one")
        show = sub.add_parser("show", help="print the most recent entries")
        show.add_argument("--last", type=int, default=20, metavar="N", help="how many entries (default 20)")
        prove = sub.add_parser("prove", help="print the inclusion proof of one entry under a signed tree head (JSON)")
        prove.add_argument("position", type=int, help="the entry's position in the chain (from 1)")
        prove.add_argument("--tree-size", type=int, default=None, metavar="N", help="the head's size (default latest)")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "verify":
            self._verify(stream=options.get("stderr") or sys.stderr, progress=not options["no_progress"])
        elif subcommand == "seal":
            self._seal()
        elif subcommand == "prove":
            try:
                proof = audit_inclusion_proof(position=options["position"], tree_size=options["tree_size"])
            except NotFound as exc:
                raise CommandError(f"{exc.code}: {exc.message}", returncode=1) from exc
            self.stdout.write(json.dumps(proof, ensure_ascii=False, indent=2))
        else:
            self._show(last=options["last"])

    def _verify(self, *, stream: Any, progress: bool) -> None:
        total = audit_entry_count()
        # tqdm decides by itself (disable=None) to draw only when stderr is a terminal.
        with tqdm(
            total=total, unit="entries", desc="audit verify", file=stream, disable=None if progress else True
        ) as bar:

            def advance(count: int) -> None:
                bar.update(count)

            result = audit_verify(progress=advance)
        if result.ok:
            self.stdout.write(result.reason)
            return
        self.stderr.write(
            f"audit log verification FAILED: {result.entries_checked} entries and "
            f"{result.heads_checked} tree heads checked, {len(result.problems)} problem(s):"
        )
        for problem in result.problems[:PROBLEMS_SHOWN]:
            self.stderr.write(f"  - {problem}")
        if len(result.problems) > PROBLEMS_SHOWN:
            self.stderr.write(f"  … and {len(result.problems) - PROBLEMS_SHOWN} more")
        if result.first_bad_position is not None:
            action = result.first_bad_action or "unknown action (entry missing)"
            where = f"first bad entry: position {result.first_bad_position}, action {action}"
        else:
            where = f"bad tree head: size {result.bad_tree_size}"
        raise CommandError(f"audit log is NOT intact; {where}: {result.reason}", returncode=1)

    def _seal(self) -> None:
        try:
            tree_head = audit_seal()
        except IntegrityViolation as exc:
            raise CommandError(f"seal refused: {exc.message}", returncode=1) from exc
        if tree_head is None:
            self.stdout.write("nothing new to seal")
            return
        self.stdout.write(
            f"sealed tree head: size {tree_head.tree_size}, root {tree_head.root_hash}, key {tree_head.key_id}"
        )

    def _show(self, *, last: int) -> None:
        if last < 1:
            raise CommandError("--last must be a positive number", returncode=2)
        for entry in audit_entries_last(count=last):
            when = entry.created_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
            who = entry.actor_username + (f" ({entry.actor_display_name})" if entry.actor_display_name else "")
            org = f" @{entry.organisation_name}" if entry.organisation_name else ""
            ip = f" from {entry.ip}" if entry.ip else ""
            self.stdout.write(
                f"#{entry.position} {when} {who}{org}{ip} {entry.action} "
                f"{entry.object_type}:{entry.object_id} {entry.entry_hash[:16]}"
            )
