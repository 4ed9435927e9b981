"""``zhengwu ocds bulk|validate``: the open data's monthly bulk files, and an offline check of it all.

``bulk`` writes ``VAR_DIR/ocds/bulk/<YYYY-MM>.jsonl.gz`` for the months whose releases changed and
prints one line per month. ``validate`` checks every stored release (published or not) and every
record package against the committed profile, offline, prints the counts, and exits 1 naming the
first problems if anything fails.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zhengwu.contexts.disclosure.models import OcdsRecord, OcdsRelease
from zhengwu.contexts.disclosure.ocds.bulk import bulk_dir, bulk_write
from zhengwu.contexts.disclosure.ocds.check import record_package_errors, release_errors
from zhengwu.contexts.disclosure.ocds.publish import (
    published_releases,
    record_package,
    record_path,
    settings_absolute,
)

# Problems listed in full before the command gives up listing them.
PROBLEMS_SHOWN = 20


class Command(BaseCommand):
    help = "Open data (OCDS): write the monthly bulk files, or validate every release and record offline."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{bulk,validate}")
        for name, text in (
            ("bulk", "write the monthly bulk files of the published releases"),
            ("validate", "validate every stored release and record against the profile"),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        # tqdm decides by itself (disable=None) to draw only when stderr is a terminal.
        disable = True if options["no_progress"] else None
        stream = options.get("stderr") or sys.stderr
        if options["subcommand"] == "bulk":
            self._bulk(stream=stream, disable=disable)
        else:
            self._validate(stream=stream, disable=disable)

    def _bulk(self, *, stream: Any, disable: bool | None) -> None:
        total = published_releases().count()
        with tqdm(total=total, unit="releases", desc="ocds bulk", file=stream, disable=disable) as bar:

            def advance(count: int) -> None:
                bar.update(count)

            index = bulk_write(progress=advance)
        for month, entry in sorted(index.items()):
            self.stdout.write(f"{month}: {entry['releases']} releases, {entry['size']} bytes, {entry['lastModified']}")
        self.stdout.write(f"{len(index)} monthly file(s) in {bulk_dir()}")

    def _validate(self, *, stream: Any, disable: bool | None) -> None:
        problems: list[str] = []
        releases_bad = records_bad = 0
        releases = OcdsRelease.objects.order_by("seq")
        records = OcdsRecord.objects.order_by("id")
        total = releases.count() + records.count()
        with tqdm(total=total, unit="documents", desc="ocds validate", file=stream, disable=disable) as bar:
            for release in releases.iterator(chunk_size=500):
                errors = release_errors(release.data)
                if errors:
                    releases_bad += 1
                    problems += [f"release {release.ocid}/{release.release_id}: {e}" for e in errors]
                bar.update(1)
            for record in records.iterator(chunk_size=100):
                uri = settings_absolute(record_path(record.ocid))
                package = record_package([record], uri=uri, absolute=settings_absolute, versioned=True)
                errors = release_errors(record.compiled) + record_package_errors(package)
                if errors:
                    records_bad += 1
                    problems += [f"record {record.ocid}: {e}" for e in errors]
                bar.update(1)
        release_count, record_count = releases.count(), records.count()
        summary = (
            f"{release_count - releases_bad} of {release_count} releases and "
            f"{record_count - records_bad} of {record_count} records valid"
        )
        if not problems:
            self.stdout.write(summary)
            return
        self.stderr.write(f"OCDS validation FAILED: {summary}; {len(problems)} problem(s):")
        for problem in problems[:PROBLEMS_SHOWN]:
            self.stderr.write(f"  - {problem}")
        if len(problems) > PROBLEMS_SHOWN:
            self.stderr.write(f"  … and {len(problems) - PROBLEMS_SHOWN} more")
        raise CommandError(f"{releases_bad} release(s) and {records_bad} record(s) do not validate", returncode=1)
