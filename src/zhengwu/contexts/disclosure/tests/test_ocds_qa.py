"""libcoveocds, OCP's own review library, finds no validation error in the demo's packages (offline);
and the committed profile is what the vendored ZIPs build.

libcoveocds (AGPL-3.0) is a QA dependency only: loaded here from ``scripts/ocds_qa.py`` with the
offline adapter (``scripts/ocds_offline.py``) that serves the vendored schema ZIPs and refuses every
other URL, so nothing is downloaded. A run takes a few seconds.
"""

from __future__ import annotations

import importlib.util
import io
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.core.management import call_command

from zhengwu.contexts.disclosure.ocds.publish import (
    published_records,
    published_releases,
    record_package,
    release_package,
    settings_absolute,
)

pytestmark = pytest.mark.django_db

SCRIPTS = Path(__file__).resolve().parents[5] / "scripts"


def _qa() -> ModuleType:
    pytest.importorskip("libcoveocds")
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location("ocds_qa", SCRIPTS / "ocds_qa.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPTS))
    return module


def test_libcoveocds_finds_no_error_in_the_demos_packages(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    qa = _qa()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("demo", stdout=io.StringIO())
    releases = release_package(
        list(published_releases()), uri=settings_absolute("/api/ocds/releases"), absolute=settings_absolute
    )
    records = record_package(
        list(published_records()),
        uri=settings_absolute("/api/ocds/records"),
        absolute=settings_absolute,
        versioned=True,
    )

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    for package in (releases, records):
        result = qa.libcove_check(package)
        assert result["validation_errors"] == []
        assert result["extensions"]["invalid_extensions"] == []
        assert result["additional_closed_codelist_values"] == {}
        figures = qa.summary(result)
        assert (figures["validation_errors"], figures["invalid_extensions"]) == (0, 0)
    assert len(releases["releases"]) >= 10
    assert len(records["records"]) >= 4


def test_the_committed_profile_is_what_the_vendored_zips_build() -> None:
    pytest.importorskip("ocdsextensionregistry")
    build = subprocess.run(
        [sys.executable, str(SCRIPTS / "ocds_profile_build.py"), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SCRIPTS.parent / "src")},
        timeout=120,
        check=False,
    )
    assert (build.returncode, build.stderr) == (0, "")
