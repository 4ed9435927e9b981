"""The OCDS packages the public platform publishes: release packages and record packages.

Only valid releases are published (``OcdsRelease.valid``): one that fails the profile's schema stays
in the database with its errors for the operators (``zhengwu ocds validate``) and is never shown, so
no consumer ever holds an invalid release that would later have to change. Records compile the
published releases only, so every linked release can be fetched.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from zhengwu.contexts.disclosure.models import OcdsRecord, OcdsRelease
from zhengwu.contexts.disclosure.ocds.check import versioned_release
from zhengwu.contexts.disclosure.ocds.profile import EXTENSIONS
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput

OCDS_VERSION = "1.1"
# Absolute URL of a path of this site: from the request in the API, from the settings offline.
Absolute = Callable[[str], str]


def settings_absolute(path: str) -> str:
    """``path`` on the public platform's configured address (``ZHENGWU_PUBLIC_URL``)."""
    return settings.ZHENGWU_PUBLIC_URL + path


def rfc3339(value: dt.datetime) -> str:
    """An instant as the packages write it: Beijing time, to the second."""
    return value.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def package_meta(absolute: Absolute) -> dict[str, Any]:
    """The metadata every package carries: version, publisher, licence, policy, extensions."""
    policy = settings.ZHENGWU_OCDS_POLICY_URL or absolute(reverse("public:disclosure:open_data")) + "#policy"
    return {
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publisher": {"name": settings.ZHENGWU_OCDS_PUBLISHER, "uri": absolute("/")},
        "license": settings.ZHENGWU_OCDS_LICENSE,
        "publicationPolicy": policy,
    }


def published_date(rows: Iterable[OcdsRelease | OcdsRecord]) -> str:
    """When the content last changed: the latest storing (or record update) among ``rows``, now if none.

    Never before a release's own ``date`` (a sender's clock may run ahead of ours).
    """
    instants: list[dt.datetime] = []
    for row in rows:
        if isinstance(row, OcdsRelease):
            instants += [row.published_at, row.date]
        else:
            instants += [row.updated_at, row.last_date]
    return rfc3339(max(instants) if instants else clock_now())


def release_path(ocid: str, release_id: str) -> str:
    """The path of a release's own single-release package (a stable URL)."""
    return reverse("public:disclosure:ocds_release", args=[ocid, release_id])


def record_path(ocid: str) -> str:
    """The path of an ocid's record package (a stable URL)."""
    return reverse("public:disclosure:ocds_record", args=[ocid])


def published_releases() -> QuerySet[OcdsRelease]:
    """Every release the public may see, in cursor order."""
    return OcdsRelease.objects.filter(valid=True).order_by("seq")


def published_records() -> QuerySet[OcdsRecord]:
    """Every record the public may see, in cursor order."""
    return OcdsRecord.objects.filter(valid=True).order_by("id")


def release_package(
    rows: Sequence[OcdsRelease], *, uri: str, absolute: Absolute, next_url: str | None = None
) -> dict[str, Any]:
    """A release package of ``rows`` (the package at the top level), with ``links.next`` when there is more."""
    package: dict[str, Any] = {"uri": uri, "publishedDate": published_date(rows), **package_meta(absolute)}
    package["releases"] = [row.data for row in rows]
    if next_url:
        # The pagination extension's convention, which OCP's harvesters follow.
        package["links"] = {"next": next_url}
    return package


def release_package_text(
    rows: Sequence[OcdsRelease], texts: Sequence[str], *, uri: str, absolute: Absolute, next_url: str | None = None
) -> str:
    """``release_package`` as JSON text, with each release's stored JSON text (``texts``, in the
    order of ``rows``) spliced in as it is: a page of a hundred releases is not parsed and
    serialised again on every request."""
    package = release_package([], uri=uri, absolute=absolute, next_url=next_url)
    package["publishedDate"] = published_date(rows)
    releases = package.pop("releases")
    assert releases == []
    head = json.dumps(package, ensure_ascii=False)
    return head[:-1] + ', "releases": [' + ", ".join(texts) + "]}"


def record_package(
    records: Sequence[OcdsRecord],
    *,
    uri: str,
    absolute: Absolute,
    versioned: bool = False,
    next_url: str | None = None,
) -> dict[str, Any]:
    """A record package: each record's linked releases and compiled release (and versioned release)."""
    ocids = [record.ocid for record in records]
    releases: dict[str, list[OcdsRelease]] = {ocid: [] for ocid in ocids}
    for row in published_releases().filter(ocid__in=ocids):
        releases[row.ocid].append(row)
    packages: list[str] = []
    entries = []
    for record in records:
        rows = sorted(releases[record.ocid], key=lambda r: (r.date, r.seq))
        linked = []
        for row in rows:
            url = absolute(release_path(row.ocid, row.release_id))
            packages.append(url)
            linked.append({"url": f"{url}#{quote(row.release_id)}", "date": rfc3339(row.date), "tag": list(row.tags)})
        entry: dict[str, Any] = {"ocid": record.ocid, "releases": linked, "compiledRelease": record.compiled}
        if versioned:
            entry["versionedRelease"] = versioned_release([row.data for row in rows])
        entries.append(entry)
    package: dict[str, Any] = {"uri": uri, "publishedDate": published_date(records), **package_meta(absolute)}
    if packages:
        package["packages"] = list(dict.fromkeys(packages))
    package["records"] = entries
    if next_url:
        package["links"] = {"next": next_url}
    return package


def cursor_encode(position: int) -> str:
    """An opaque cursor: after this position (a release's ``seq`` or a record's id)."""
    return base64.urlsafe_b64encode(json.dumps({"after": position}).encode()).decode().rstrip("=")


def cursor_decode(text: str) -> int:
    """The position a cursor names; ``InvalidInput(code="ocds_cursor_invalid")`` for anything else."""
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        after = data["after"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        after = None
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise InvalidInput(
            "分页游标无效，请使用上一页 links.next 中的地址", code="ocds_cursor_invalid", detail={"cursor": text[:200]}
        )
    return after
