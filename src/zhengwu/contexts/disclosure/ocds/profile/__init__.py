"""The platform's OCDS 1.1.5 profile: the committed, pre-built schema files (Django-free).

``scripts/ocds_profile_build.py`` builds them once, offline, from the vendored ZIPs in ``vendor/``
(core 1.1.5 + bids v1.1.5 + location v1.1.5 + bidOpening 47c5765); the running
platform reads only the JSON files here and never the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).resolve().parent
STANDARD_TAG = "1__1__5"
# The URLs the standard's own package schemas use in their ``$ref``s; the validators answer them
# with the files below (the patched release schema stands in for the core one).
SCHEMA_BASE_URL = f"https://standard.open-contracting.org/schema/{STANDARD_TAG}/"
RELEASE_SCHEMA = "release-schema.json"
VERSIONED_RELEASE_SCHEMA = "versioned-release-validation-schema.json"
RELEASE_PACKAGE_SCHEMA = "release-package-schema.json"
RECORD_PACKAGE_SCHEMA = "record-package-schema.json"
SCHEMA_FILES = (RELEASE_SCHEMA, VERSIONED_RELEASE_SCHEMA, RELEASE_PACKAGE_SCHEMA, RECORD_PACKAGE_SCHEMA)

_EXTENSIONS = "https://raw.githubusercontent.com/open-contracting-extensions/"
# Declared in every package's ``extensions``; each pinned by the vendored ZIP of the same name.
# No lots extension: an ocid is one section (标段/包), so a process is never divided into lots, and
# a single "virtual lot" would only repeat the tender's own fields.
EXTENSIONS = (
    _EXTENSIONS + "ocds_bid_extension/v1.1.5/extension.json",
    _EXTENSIONS + "ocds_location_extension/v1.1.5/extension.json",
    # No tagged release exists; the vendored ZIP pins master to commit 47c5765.
    _EXTENSIONS + "ocds_bidOpening_extension/master/extension.json",
)


@cache
def profile_schema(name: str) -> dict[str, Any]:
    """One of the committed schema files (``SCHEMA_FILES``), parsed once per process; treat it as read-only."""
    if name not in SCHEMA_FILES:
        raise ValueError(f"not a schema of the profile: {name}")
    with (PROFILE_DIR / name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
