"""QA of the published open data with libcoveocds, OCP's own review library, fully offline.

    make qa-ocds      # = zhengwu setup (migrate, demo), then this script on that database

Builds the release package of every published release and the record package of every record
(with versioned releases) exactly as the API serves them, writes them to ``VAR_DIR/ocds/qa/``, runs
libcoveocds over both with the offline adapter installed (``ocds_offline``: the vendored schema
ZIPs, no network), prints each package's counts and exits 1 on any validation error.

libcoveocds is AGPL-3.0: it is a QA tool here, never imported by the running platform.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocds_offline


def libcove_check(package: dict[str, Any]) -> dict[str, Any]:
    """libcoveocds' result for one package (release or record), computed offline."""
    ocds_offline.install()
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config.update({"context": "api", "additional_checks": "all"})
    with tempfile.TemporaryDirectory() as folder:
        result: dict[str, Any] = ocds_json_output(
            folder, json_data=package, lib_cove_ocds_config=config, record_pkg="records" in package
        )
    return result


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The figures worth printing from a libcoveocds result."""
    extensions = result.get("extensions") or {}
    return {
        "validation_errors": len(result.get("validation_errors") or []),
        "invalid_extensions": len(extensions.get("invalid_extensions") or []),
        "additional_closed_codelist_values": len(result.get("additional_closed_codelist_values") or {}),
        "additional_fields": len(result.get("additional_fields") or {}),
        "additional_checks": sum(len(v) for v in (result.get("additional_checks") or {}).values()),
    }


def main() -> int:
    """Export, check, print; the exit status."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.standalone.settings")
    import django

    django.setup()
    from django.conf import settings

    from zhengwu.contexts.disclosure.ocds.publish import (
        published_records,
        published_releases,
        record_package,
        release_package,
        settings_absolute,
    )

    folder = Path(settings.VAR_DIR) / "ocds" / "qa"
    folder.mkdir(parents=True, exist_ok=True)
    releases = list(published_releases())
    records = list(published_records())
    if not releases:
        print("no published releases: run `zhengwu setup` (or `zhengwu demo`) first", file=sys.stderr)
        return 1
    packages = {
        "releases.json": release_package(
            releases, uri=settings_absolute("/api/ocds/releases"), absolute=settings_absolute
        ),
        "records.json": record_package(
            records, uri=settings_absolute("/api/ocds/records"), absolute=settings_absolute, versioned=True
        ),
    }
    failed = False
    for name, package in packages.items():
        (folder / name).write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
        started = time.monotonic()
        result = libcove_check(package)
        figures = summary(result)
        took = time.monotonic() - started
        print(f"{name}: {json.dumps(figures)} ({took:.2f} s, written to {folder / name})")
        for error in (result.get("validation_errors") or [])[:20]:
            print(f"  - {error}")
        failed = failed or figures["validation_errors"] > 0 or figures["invalid_extensions"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
