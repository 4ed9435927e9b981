"""Monthly bulk files of the published releases: ``VAR_DIR/ocds/bulk/<YYYY-MM>.jsonl.gz``.

A month is the Beijing month of the release's ``date`` (OCDS hosting guidance: segment by release
date, so a release never moves between files). Each line is a release package of up to
``BATCH`` releases in cursor order (OCDS publishes releases only inside packages). A month is
rewritten only when its releases changed, and the file's modification time is set to when its
content last changed (the latest storing among its releases): that is the ``Last-Modified`` the
API sends. ``index.json`` lists the files; files are replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.urls import reverse

from zhengwu.contexts.disclosure.models import OcdsRelease
from zhengwu.contexts.disclosure.ocds.publish import published_releases, release_package, rfc3339, settings_absolute
from zhengwu.kernel.clock import CHINA_TZ

BATCH = 1000
INDEX = "index.json"


def bulk_dir() -> Path:
    """Where the bulk files live."""
    return Path(settings.VAR_DIR) / "ocds" / "bulk"


def bulk_path(month: str) -> Path:
    """The file of a month (``YYYY-MM``), whether or not it exists."""
    return bulk_dir() / f"{month}.jsonl.gz"


def bulk_index() -> dict[str, dict[str, Any]]:
    """The files written so far, by month: releases, last position, size, SHA-256, last modified."""
    path = bulk_dir() / INDEX
    if not path.is_file():
        return {}
    index: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return index


def _atomic_write(path: Path, data: bytes, *, mtime: float | None = None) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    if mtime is not None:
        os.utime(temporary, (mtime, mtime))
    os.replace(temporary, path)


def _month_bytes(month: str, rows: list[OcdsRelease]) -> bytes:
    url = settings_absolute(reverse("public:disclosure:ocds_bulk_file", args=[month]))
    lines = []
    for number, start in enumerate(range(0, len(rows), BATCH), start=1):
        package = release_package(rows[start : start + BATCH], uri=f"{url}#{number}", absolute=settings_absolute)
        lines.append(json.dumps(package, ensure_ascii=False, separators=(",", ":")) + "\n")
    # No name and no time in the gzip header: the same releases give the same bytes.
    return gzip.compress("".join(lines).encode("utf-8"), mtime=0)


def bulk_write(*, progress: Callable[[int], None] | None = None) -> dict[str, dict[str, Any]]:
    """Write the months whose releases changed since the last run; return the index.

    ``progress`` is called with the number of releases of each month handled.
    """
    folder = bulk_dir()
    folder.mkdir(parents=True, exist_ok=True)
    before = bulk_index()
    months = (
        published_releases()
        .order_by()
        .annotate(month=TruncMonth("date", tzinfo=CHINA_TZ))
        .values("month")
        .annotate(count=Count("id"), last_seq=Max("seq"), changed=Max("published_at"))
        .order_by("month")
    )
    index: dict[str, dict[str, Any]] = {}
    for summary in months:
        month = summary["month"].astimezone(CHINA_TZ).strftime("%Y-%m")
        path = bulk_path(month)
        kept = before.get(month)
        if kept and path.is_file() and (kept["releases"], kept["last_seq"]) == (summary["count"], summary["last_seq"]):
            index[month] = kept
        else:
            start = summary["month"].astimezone(CHINA_TZ)
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            rows = list(published_releases().filter(date__gte=start, date__lt=end))
            data = _month_bytes(month, rows)
            _atomic_write(path, data, mtime=summary["changed"].timestamp())
            index[month] = {
                "releases": summary["count"],
                "last_seq": summary["last_seq"],
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "lastModified": rfc3339(summary["changed"]),
            }
        if progress is not None:
            progress(summary["count"])
    for month in set(before) - set(index):
        bulk_path(month).unlink(missing_ok=True)
    _atomic_write(folder / INDEX, json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    return index
