"""The open-data API: paginated packages with links.next, stable URLs, stable error codes, bulk files."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.http import http_date

from zhengwu.contexts.disclosure.models import OcdsRecord, OcdsRelease
from zhengwu.contexts.disclosure.ocds.check import record_package_errors, release_package_errors
from zhengwu.contexts.disclosure.ocds.publish import published_releases, release_package
from zhengwu.contexts.disclosure.tests import ocds_events as ev
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 9, 15, 2, 0, tzinfo=dt.UTC)
OTHER_SECTIONS = [f"E530102202600008X00100{n}" for n in range(1, 6)]


@pytest.fixture(autouse=True)
def _data(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Twelve releases of six processes: the whole way of one section, a notice of five others."""
    settings.ZHENGWU_OCDS_PREFIX = ev.PREFIX
    settings.VAR_DIR = tmp_path
    clock_set(NOW)
    ev.apply(*ev.whole_way())
    ev.apply(
        ev.notice(
            notice_id="01950000-0000-7000-8000-000000000008",
            project_code="E530102202600008X",
            section_codes=OTHER_SECTIONS,
            published_at="2026-09-01T10:00:00+08:00",
        )
    )
    yield
    clock_reset()


def _get(client: Client, url: str, **headers: Any) -> Any:
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""), **headers)


def _walk(client: Client, url: str) -> list[dict[str, Any]]:
    pages = []
    while url:
        response = _get(client, url)
        assert response.status_code == 200
        package = response.json()
        assert package["uri"] == "http://testserver" + urlsplit(url).path + (
            f"?{urlsplit(url).query}" if urlsplit(url).query else ""
        )
        pages.append(package)
        url = package.get("links", {}).get("next", "")
        assert not url or url.startswith("http://testserver/api/ocds/")
        assert len(pages) < 50
    return pages


def test_following_links_next_walks_every_release_exactly_once(client: Client) -> None:
    pages = _walk(client, "/api/ocds/releases?limit=5")
    assert [len(p["releases"]) for p in pages] == [5, 5, 2]
    walked = [(r["ocid"], r["id"]) for p in pages for r in p["releases"]]
    stored = list(OcdsRelease.objects.order_by("seq").values_list("ocid", "release_id"))
    assert walked == stored
    assert len(set(walked)) == 12
    for package in pages:
        assert package["version"] == "1.1"
        assert package["publisher"] == {"name": "昆明市公共资源交易中心", "uri": "http://testserver/"}
        assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert package["publicationPolicy"] == "http://testserver/open-data/#policy"
        assert len(package["extensions"]) == 3
        assert package["publishedDate"] == "2026-09-15T10:00:00+08:00"
        assert release_package_errors({k: v for k, v in package.items() if k != "links"}) == []


def test_the_release_package_is_utf8_json_at_the_top_level(client: Client) -> None:
    response = client.get("/api/ocds/releases")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "滇池路提升改造工程招标公告".encode() in response.content
    package = response.json()
    assert "links" not in package
    assert len(package["releases"]) == 12
    # The stored releases are spliced in as text; the package is the one built from the rows.
    built = release_package(
        list(published_releases()),
        uri="http://testserver/api/ocds/releases",
        absolute=lambda p: "http://testserver" + p,
    )
    assert package == built


def test_the_pages_filter_by_release_date(client: Client) -> None:
    since = [r["id"] for r in client.get("/api/ocds/releases?since=2026-08-31").json()["releases"]]
    assert since == ["award", "contract"] + ["notice-01950000-0000-7000-8000-000000000008"] * 5
    until = client.get("/api/ocds/releases", {"until": "2026-08-25T09:56:00+08:00"}).json()["releases"]
    assert [r["id"] for r in until] == [f"notice-{ev.NOTICE_ID}", "freeze"]
    pages = _walk(client, "/api/ocds/releases?since=2026-08-31&limit=4")
    assert [len(p["releases"]) for p in pages] == [4, 3]
    assert "since=2026-08-31" in pages[0]["links"]["next"]


def test_every_release_has_a_stable_url_of_its_own(client: Client) -> None:
    for row in OcdsRelease.objects.all():
        response = client.get(f"/api/ocds/releases/{row.ocid}/{row.release_id}")
        assert response.status_code == 200
        package = response.json()
        assert package["releases"] == [row.data]
        assert package["uri"] == f"http://testserver/api/ocds/releases/{row.ocid}/{row.release_id}"
        assert release_package_errors(package) == []


PAGING_ERRORS = [
    ("cursor=not-a-cursor", "ocds_cursor_invalid"),
    ("cursor=eyJhZnRlciI6IC0xfQ", "ocds_cursor_invalid"),  # {"after": -1}
    ("cursor=%00%FF", "ocds_cursor_invalid"),
    ("limit=0", "ocds_limit_invalid"),
    ("limit=ten", "ocds_limit_invalid"),
]


@pytest.mark.parametrize(
    ("path", "query", "code"),
    [("/api/ocds/releases", q, c) for q, c in PAGING_ERRORS]
    + [("/api/ocds/records", q, c) for q, c in PAGING_ERRORS]
    + [
        ("/api/ocds/releases", "since=yesterday", "ocds_date_invalid"),
        ("/api/ocds/releases", "until=2026-13-01", "ocds_date_invalid"),
    ],
)
def test_bad_parameters_are_400_with_a_stable_code(client: Client, path: str, query: str, code: str) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "detail"}


def test_unknown_ocids_and_releases_are_404_and_writes_405(client: Client) -> None:
    response = client.get(f"/api/ocds/records/{ev.PREFIX}-NOPE")
    assert (response.status_code, response.json()["code"]) == (404, "ocds_record_not_found")
    response = client.get(f"/api/ocds/releases/{ev.OCID}/nope")
    assert (response.status_code, response.json()["code"]) == (404, "ocds_release_not_found")
    response = client.post("/api/ocds/releases")
    assert response.status_code == 405
    assert set(response.json()) == {"code", "message", "detail"}


def test_an_unpublished_release_is_not_served(client: Client) -> None:
    OcdsRelease.objects.filter(release_id="contract").update(valid=False)
    walked = [r["id"] for r in client.get("/api/ocds/releases").json()["releases"]]
    assert "contract" not in walked
    assert client.get(f"/api/ocds/releases/{ev.OCID}/contract").status_code == 404


def test_records_page_through_every_process_once_and_link_their_releases(client: Client) -> None:
    pages = _walk(client, "/api/ocds/records?limit=4")
    ocids = [r["ocid"] for p in pages for r in p["records"]]
    assert ocids == [ev.OCID] + [f"{ev.PREFIX}-{code}" for code in OTHER_SECTIONS]
    assert all("versionedRelease" not in r for p in pages for r in p["records"])
    for package in pages:
        assert record_package_errors({k: v for k, v in package.items() if k != "links"}) == []
    record = pages[0]["records"][0]
    assert [linked["tag"] for linked in record["releases"]][-3:] == [["tenderUpdate", "award"], ["award"], ["contract"]]
    # Each linked release resolves, through its URL, to the release it names.
    for linked in record["releases"]:
        url, release_id = linked["url"].split("#")
        assert _get(client, url).json()["releases"][0]["id"] == release_id
    assert pages[0]["packages"][0] == f"http://testserver/api/ocds/releases/{ev.OCID}/notice-{ev.NOTICE_ID}"


def test_a_record_has_its_compiled_and_versioned_release(client: Client) -> None:
    response = client.get(f"/api/ocds/records/{ev.OCID}")
    assert response.status_code == 200
    package = response.json()
    (record,) = package["records"]
    assert record["compiledRelease"] == OcdsRecord.objects.get(ocid=ev.OCID).compiled
    status = record["versionedRelease"]["tender"]["status"]
    assert [(v["releaseTag"], v["value"]) for v in status] == [(["tender"], "active"), (["award"], "complete")]
    assert package["uri"] == f"http://testserver/api/ocds/records/{ev.OCID}"
    assert record_package_errors(package) == []


def test_the_bulk_files_hold_every_published_release_by_month(client: Client, tmp_path: Path) -> None:
    assert client.get("/api/ocds/bulk/").json()["files"] == []
    out = io.StringIO()
    call_command("ocds", "bulk", "--no-progress", stdout=out)
    assert "2026-08: 6 releases" in out.getvalue()
    assert "2026-09: 6 releases" in out.getvalue()

    files = client.get("/api/ocds/bulk/").json()["files"]
    assert [(f["month"], f["releases"], f["url"]) for f in files] == [
        ("2026-08", 6, "http://testserver/api/ocds/bulk/2026-08.jsonl.gz"),
        ("2026-09", 6, "http://testserver/api/ocds/bulk/2026-09.jsonl.gz"),
    ]
    walked = []
    for entry in files:
        response = _get(client, entry["url"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/gzip"
        # Every release was stored at NOW: that is when the months' content last changed.
        assert response["Last-Modified"] == http_date(NOW.timestamp())
        data = b"".join(response.streaming_content)
        lines = gzip.decompress(data).decode("utf-8").splitlines()
        for line in lines:
            package = json.loads(line)
            assert release_package_errors(package) == []
            walked += [(r["ocid"], r["id"]) for r in package["releases"]]
        cached = _get(client, entry["url"], HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert cached.status_code == 304
    assert sorted(walked) == sorted(OcdsRelease.objects.values_list("ocid", "release_id"))

    # A second run rewrites nothing that did not change.
    path = tmp_path / "ocds" / "bulk" / "2026-08.jsonl.gz"
    os.utime(path, (1_000_000_000, 1_000_000_000))
    call_command("ocds", "bulk", "--no-progress", stdout=io.StringIO())
    assert path.stat().st_mtime == 1_000_000_000

    assert client.get("/api/ocds/bulk/2025-01.jsonl.gz").json()["code"] == "ocds_bulk_not_found"
    assert client.get("/api/ocds/bulk/latest.jsonl.gz").status_code == 404


def test_the_worker_writes_the_bulk_files_every_hour(client: Client) -> None:
    from zhengwu.contexts.disclosure.tasks import ocds_bulk_periodic

    assert client.get("/api/ocds/bulk/").json()["files"] == []
    assert ocds_bulk_periodic.call_local() == 2
    assert [f["month"] for f in client.get("/api/ocds/bulk/").json()["files"]] == ["2026-08", "2026-09"]


def test_the_open_data_page_points_to_the_api(client: Client) -> None:
    call_command("ocds", "bulk", "--no-progress", stdout=io.StringIO())
    response = client.get("/open-data/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="figure" data-testid="ocds-releases">12</div>' in page
    assert '<div class="figure" data-testid="ocds-records">6</div>' in page
    assert 'href="/api/ocds/releases"' in page
    assert 'href="/api/ocds/bulk/2026-09.jsonl.gz"' in page
    assert 'href="/open-data/"' in client.get("/").content.decode()
