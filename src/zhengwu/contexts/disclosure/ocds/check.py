"""Offline validation and merging against the committed OCDS profile (``ocds/profile/``).

The validators are JSON Schema draft 4 with format checks (``rfc3339-validator`` makes ``date-time``
count; without it jsonschema skips it silently). The standard's package schemas ``$ref`` the
standard's URLs; a ``referencing`` registry answers them with the profile's files, so nothing is
ever fetched. The merger is given the patched schema, without which ocdsmerge downloads it.
Everything is built once per process.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache
from typing import Any

import ocdsmerge
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from zhengwu.contexts.disclosure.ocds.profile import (
    RECORD_PACKAGE_SCHEMA,
    RELEASE_PACKAGE_SCHEMA,
    RELEASE_SCHEMA,
    SCHEMA_BASE_URL,
    SCHEMA_FILES,
    profile_schema,
)

# Problems kept per document: enough to see what is wrong, never a flood.
ERRORS_KEPT = 50
_MESSAGE_CHARS = 300


@cache
def _registry() -> Registry[Any]:
    resources = [
        (SCHEMA_BASE_URL + name, Resource.from_contents(profile_schema(name), default_specification=DRAFT4))
        for name in SCHEMA_FILES
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


@cache
def _validator(name: str) -> Draft4Validator:
    return Draft4Validator(profile_schema(name), registry=_registry(), format_checker=FormatChecker())


def _errors(name: str, document: Any) -> list[str]:
    found = []
    for error in _validator(name).iter_errors(document):
        path = "/".join(str(part) for part in error.absolute_path) or "<root>"
        found.append(f"{path}: {error.message[:_MESSAGE_CHARS]}")
        if len(found) >= ERRORS_KEPT:
            break
    return sorted(found)


def release_errors(release: Any) -> list[str]:
    """What is wrong with ``release`` against the profile's release schema ([] when valid)."""
    return _errors(RELEASE_SCHEMA, release)


def release_package_errors(package: Any) -> list[str]:
    """What is wrong with a release package ([] when valid)."""
    return _errors(RELEASE_PACKAGE_SCHEMA, package)


def record_package_errors(package: Any) -> list[str]:
    """What is wrong with a record package, its compiled and versioned releases included ([] when valid)."""
    return _errors(RECORD_PACKAGE_SCHEMA, package)


@cache
def _merger() -> ocdsmerge.Merger:
    # A copy: the merger dereferences the schema it is given, and the validators share the original.
    return ocdsmerge.Merger(schema=copy.deepcopy(profile_schema(RELEASE_SCHEMA)))


def compiled_release(releases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release (the current state) of one ocid's releases; ocdsmerge orders them by date."""
    compiled: dict[str, Any] = _merger().create_compiled_release(list(releases))
    return compiled


def versioned_release(releases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The versioned release (every field's history) of one ocid's releases."""
    versioned: dict[str, Any] = _merger().create_versioned_release(list(releases))
    return versioned
