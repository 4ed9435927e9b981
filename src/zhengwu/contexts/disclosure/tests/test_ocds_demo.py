"""Every OCDS release and record the demo produces validates offline against the committed profile.

The demo goes through the services and the exchange as ``zhengwu setup`` does: the concluded tender
(notice, freeze, opening, draw, candidates, award, contract) and the open tenders' notices reach the
public platform, whose handlers write the releases. A release that does not validate fails here.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from zhengwu.contexts.disclosure.models import OcdsRecord, OcdsRelease
from zhengwu.contexts.disclosure.ocds.check import record_package_errors, release_errors, release_package_errors
from zhengwu.contexts.disclosure.ocds.publish import (
    published_records,
    published_releases,
    record_package,
    release_package,
    settings_absolute,
)

pytestmark = pytest.mark.django_db

WINNER = "昆明某路桥工程有限公司"


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    """The whole demo, loaded as ``zhengwu setup`` loads it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("demo", stdout=io.StringIO())


def test_every_release_and_record_of_the_demo_validates(demo: None) -> None:
    releases = list(OcdsRelease.objects.order_by("seq"))
    invalid = {f"{r.ocid}/{r.release_id}": r.errors for r in releases if not r.valid}
    assert invalid == {}
    # Checked again here, not only as stored: a release never escapes the profile's schema.
    assert {f"{r.ocid}/{r.release_id}": release_errors(r.data) for r in releases} == {
        f"{r.ocid}/{r.release_id}": [] for r in releases
    }
    assert len(releases) >= 10

    records = list(OcdsRecord.objects.order_by("id"))
    assert {r.ocid for r in records} == {r.ocid for r in releases}
    for record in records:
        assert (record.ocid, record.valid, release_errors(record.compiled)) == (record.ocid, True, [])
        package = record_package([record], uri=settings_absolute("/"), absolute=settings_absolute, versioned=True)
        assert (record.ocid, record_package_errors(package)) == (record.ocid, [])
    everything = release_package(list(published_releases()), uri=settings_absolute("/"), absolute=settings_absolute)
    assert release_package_errors(everything) == []

    out = io.StringIO()
    call_command("ocds", "validate", "--no-progress", stdout=out)
    assert out.getvalue().strip() == (
        f"{len(releases)} of {len(releases)} releases and {len(records)} of {len(records)} records valid"
    )


def test_the_concluded_tender_compiles_to_its_outcome(demo: None) -> None:
    (concluded,) = [r for r in published_records() if "contracts" in r.compiled]
    compiled = concluded.compiled
    assert [r.tags for r in published_releases().filter(ocid=concluded.ocid)] == [
        ["tender"],
        ["tenderUpdate"],
        ["tenderUpdate"],
        ["tenderUpdate"],
        ["tenderUpdate", "award"],
        ["award"],
        ["contract"],
    ]
    assert compiled["tender"]["status"] == "complete"
    assert sorted(d["status"] for d in compiled["bids"]["details"]) == ["disqualified"] + ["valid"] * 4
    active = [a for a in compiled["awards"] if a["status"] == "active"]
    assert [a["suppliers"][0]["name"] for a in active] == [WINNER]
    assert sorted(a["status"] for a in compiled["awards"]) == ["active", "unsuccessful", "unsuccessful"]
    winner = next(p for p in compiled["parties"] if p["name"] == WINNER)
    assert winner["roles"] == ["tenderer", "supplier"]
    assert winner["identifier"]["scheme"] == "CN-SAIC"
    assert compiled["contracts"][0]["awardID"] == active[0]["id"]
    # The open tenders are tender releases; the land listing is not procurement and has none.
    open_tenders = published_records().exclude(pk=concluded.pk)
    assert all(r.compiled["tender"]["status"] == "active" for r in open_tenders)
    assert all(r.compiled["tender"]["procurementMethodDetails"] for r in open_tenders)


def test_the_check_fails_when_a_stored_release_is_broken(demo: None) -> None:
    release = OcdsRelease.objects.order_by("seq").first()
    assert release is not None
    del release.data["initiationType"]
    release.save(update_fields=["data"])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("ocds", "validate", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert f"release {release.ocid}/{release.release_id}: <root>: 'initiationType' is a required property" in (
        err.getvalue()
    )
