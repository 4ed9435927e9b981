"""The open-data API (OCDS 1.1.5) and the page that points to it.

``GET /api/ocds/releases`` (release package, keyset-paginated by ``cursor``, optional ``since`` /
``until`` / ``limit``), ``GET /api/ocds/releases/<ocid>/<release_id>`` (one release),
``GET /api/ocds/records`` (record package, paginated), ``GET /api/ocds/records/<ocid>`` (one record
with its versioned release), ``GET /api/ocds/bulk/`` (the monthly files) and
``GET /api/ocds/bulk/<YYYY-MM>.jsonl.gz``. The package is the response's top level (OCDS hosting
guidance), UTF-8 with Chinese as is. Errors are ``{code, message, detail}`` with stable codes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.http import require_GET
from django.views.static import was_modified_since

from zhengwu.contexts.disclosure.models import OcdsRecord, OcdsRelease
from zhengwu.contexts.disclosure.ocds.bulk import bulk_index, bulk_path
from zhengwu.contexts.disclosure.ocds.profile import EXTENSIONS
from zhengwu.contexts.disclosure.ocds.publish import (
    cursor_decode,
    cursor_encode,
    package_meta,
    published_records,
    published_releases,
    record_package,
    release_package,
    release_package_text,
)
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError

PAGE_DEFAULT = 100
# Larger requests are served this many: a page stays a few megabytes at most.
PAGE_MAX = 1000
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _json(data: dict[str, Any], *, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )


def _error(exc: ZhengwuError) -> JsonResponse:
    return _json(exc.as_dict(), status=exc.http_status)


def _limit(request: HttpRequest) -> int:
    text = request.GET.get("limit", "")
    if not text:
        return PAGE_DEFAULT
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput("limit 应为正整数", code="ocds_limit_invalid", detail={"limit": text[:50], "max": PAGE_MAX})
    return min(int(text), PAGE_MAX)


def _instant(request: HttpRequest, name: str) -> dt.datetime | None:
    """A ``since``/``until`` parameter: a day (its first instant in Beijing) or an RFC 3339 instant."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=CHINA_TZ)
        value = dt.datetime.fromisoformat(text.replace(" ", "+"))  # a "+" left unencoded in a query is a space
    except ValueError:
        raise InvalidInput(
            f"{name} 应为日期（YYYY-MM-DD）或带时区的时间（RFC 3339）",
            code="ocds_date_invalid",
            detail={"field": name, "value": text[:50]},
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)


def _cursor(request: HttpRequest) -> int:
    text = request.GET.get("cursor", "")
    return cursor_decode(text) if text else 0


def _next_url(request: HttpRequest, *, position: int) -> str:
    params = {k: v for k, v in request.GET.items() if k in ("since", "until", "limit") and v}
    params["cursor"] = cursor_encode(position)
    return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")


@require_GET
def releases(request: HttpRequest) -> HttpResponse:
    """A page of published releases in the order they were stored; ``links.next`` while there are more.

    ``since`` (inclusive) and ``until`` (exclusive) filter by the release's date.
    """
    try:
        limit, after = _limit(request), _cursor(request)
        since, until = _instant(request, "since"), _instant(request, "until")
    except InvalidInput as exc:
        return _error(exc)
    rows = published_releases().filter(seq__gt=after)
    if since is not None:
        rows = rows.filter(date__gte=since)
    if until is not None:
        rows = rows.filter(date__lt=until)
    # The stored JSON as text: spliced into the package, never parsed and written again.
    found = list(rows.defer("data").annotate(data_text=Cast("data", TextField()))[: limit + 1])
    page = found[:limit]
    more = _next_url(request, position=page[-1].seq) if len(found) > limit else None
    uri = request.build_absolute_uri()
    text = release_package_text(
        page, [row.data_text for row in page], uri=uri, absolute=request.build_absolute_uri, next_url=more
    )
    return HttpResponse(text, content_type="application/json; charset=utf-8")


@require_GET
def release_detail(request: HttpRequest, ocid: str, release_id: str) -> HttpResponse:
    """One published release, in a package of its own (its stable URL)."""
    row = published_releases().filter(ocid=ocid, release_id=release_id).first()
    if row is None:
        return _error(NotFound("没有该发布", code="ocds_release_not_found", detail={"ocid": ocid, "id": release_id}))
    uri = request.build_absolute_uri(request.path)
    return _json(release_package([row], uri=uri, absolute=request.build_absolute_uri))


@require_GET
def records(request: HttpRequest) -> HttpResponse:
    """A page of records (linked releases and compiled release), oldest process first; ``links.next``."""
    try:
        limit, after = _limit(request), _cursor(request)
    except InvalidInput as exc:
        return _error(exc)
    found = list(published_records().filter(id__gt=after)[: limit + 1])
    page = found[:limit]
    more = _next_url(request, position=page[-1].pk) if len(found) > limit else None
    uri = request.build_absolute_uri()
    return _json(record_package(page, uri=uri, absolute=request.build_absolute_uri, next_url=more))


@require_GET
def record_detail(request: HttpRequest, ocid: str) -> HttpResponse:
    """One contracting process's record, with its versioned release (every field's history)."""
    record = published_records().filter(ocid=ocid).first()
    if record is None:
        return _error(NotFound("没有该开放合同标识的记录", code="ocds_record_not_found", detail={"ocid": ocid}))
    uri = request.build_absolute_uri(request.path)
    return _json(record_package([record], uri=uri, absolute=request.build_absolute_uri, versioned=True))


@require_GET
def bulk(request: HttpRequest) -> HttpResponse:
    """The monthly bulk files (``zhengwu ocds bulk`` writes them), with their sizes and digests."""
    files = [
        {
            "month": month,
            **entry,
            "url": request.build_absolute_uri(reverse("public:disclosure:ocds_bulk_file", args=[month])),
        }
        for month, entry in sorted(bulk_index().items())
    ]
    return _json({"format": "gzip, one release package per line (JSON Lines)", "files": files})


@require_GET
def bulk_file(request: HttpRequest, month: str) -> HttpResponseBase:
    """One month's file, as written; ``Last-Modified`` is when its content last changed."""
    path = bulk_path(month) if _MONTH.match(month) else None
    if path is None or not path.is_file():
        return _error(NotFound("没有该月份的批量文件", code="ocds_bulk_not_found", detail={"month": month}))
    modified = path.stat().st_mtime
    if not was_modified_since(request.headers.get("If-Modified-Since"), int(modified)):
        return HttpResponseNotModified()
    response = FileResponse(path.open("rb"), content_type="application/gzip", as_attachment=True)
    response["Last-Modified"] = http_date(modified)
    return response


def open_data(request: HttpRequest) -> HttpResponse:
    """The public page that points to the API and the bulk files, and states the publication policy."""
    meta = package_meta(request.build_absolute_uri)
    return render(
        request,
        "disclosure/open_data.html",
        {
            "meta": meta,
            "extensions": EXTENSIONS,
            "files": sorted(bulk_index().items(), reverse=True),
            "release_count": OcdsRelease.objects.filter(valid=True).count(),
            "record_count": OcdsRecord.objects.filter(valid=True).count(),
        },
    )
