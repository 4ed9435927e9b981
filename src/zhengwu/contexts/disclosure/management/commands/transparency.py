"""``zhengwu transparency heads|verify``: the published audit tree heads, and checking a proof.

``verify PROOF.json`` (or ``-`` for standard input) checks a bid receipt's inclusion proof
against its section's published freeze root, or an audit entry's (``zhengwu audit prove``)
against the tree head its platform published, exactly as the public page does. Prints ``OK``
and what it matched and exits 0, or prints each problem and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.contexts.disclosure.transparency import (
    AuditProofCheck,
    proof_check,
    tree_head_signature_ok,
    tree_heads_latest,
)
from zhengwu.kernel.errors import InvalidInput, NotFound


class Command(BaseCommand):
    help = "The public platform's transparency data: published audit tree heads, inclusion proofs."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{heads,verify}")
        sub.add_parser("heads", help="print the latest published tree head of every platform")
        verify = sub.add_parser("verify", help="check an inclusion proof (a bid receipt's or an audit entry's)")
        verify.add_argument("proof", help="the proof's JSON file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "heads":
            for head in tree_heads_latest():
                verdict = "signature ok" if tree_head_signature_ok(head) else "SIGNATURE DOES NOT VERIFY"
                self.stdout.write(
                    f"{head.platform}\t{head.tree_size}\t{head.root_hash}\t{head.created_text}\t{verdict}"
                )
            return
        source = options["proof"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {source}: {exc}", returncode=2) from exc
        try:
            result = proof_check(proof=text)
        except (InvalidInput, NotFound) as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=1) from exc
        if isinstance(result, AuditProofCheck):
            what = (
                f"audit entry {result.position} of {result.platform}, "
                f"tree head of {result.head.tree_size} entries, root {result.head.root_hash}"
            )
        else:
            what = (
                f"bid {result.index + 1} of {result.freeze.leaf_count} frozen for section "
                f"{result.section_code}, root {result.freeze.root}"
            )
        if result.matches:
            self.stdout.write(f"OK: {what}")
            return
        for problem in result.problems:
            self.stderr.write(f"  - {problem}")
        raise CommandError(f"proof does NOT match: {what}", returncode=1)
