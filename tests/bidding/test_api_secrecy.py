"""Who bid is secret until the deadline: a matrix over every role, through the API and the selectors.

Before the deadline nobody but the bidder itself learns anything — not the tenderer, not its
agency, not other bidders, not the centre's staff, not the regulator: the list of bidders is
refused to all (no count either), "my bids" is empty for everyone else, and another bidder's
receipt, upload or bid is NotFound exactly like one that does not exist. After the deadline the
list opens to the project's tenderer and agency, centre staff and regulators, each call audited.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bidding.apikit import Api, BidderKeys, commitment_digest, user_of
from zhengwu.contexts.bidding import selectors
from zhengwu.contexts.bidding.models import OpeningKey
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bidder_key_register,
    bids_freeze,
    custodian_key_register,
    platform_custodian_key_register,
)
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    ROLE_KEYS,
    SYSTEM,
    World,
    at,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import AgreementKey
from zhengwu.kernel.errors import PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

DEADLINE = at(2026, 3, 24, 9, 30)
PEOPLE = [name for name in ROLE_KEYS if name != "system"]
ADMITTED_AFTER = {"tenderer", "agency", "staff", "regulator"}
# The people whose role needs the second factor (their session passed it).
TOTP_ROLE_KEYS = {"staff", "regulator", "expert", "appraiser"}
MISSING = "00000000-0000-7000-8000-000000000000"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def tender(db: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """A section with one bid (bidder1's) and one open upload of bidder1, before the deadline."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = world_build()
    platform_custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=SYSTEM)
    custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=world["agency"])
    _, sections, _ = tender_publish(world, bidder_key_required=False)
    section = sections[0]
    opening = OpeningKey.objects.get(section_uuid=section.uuid)
    keys = BidderKeys()
    bidder_key_register(**keys.public(), by=world["bidder1"])

    def seal(price_fen: int) -> bytes:
        return keys.seal(
            tmp_path=tmp_path,
            section=section.code,
            uscc=world.uscc["bidder1"],
            opening_public=opening.public,
            price_fen=price_fen,
        )

    sealed = seal(123_456_78)
    upload = bid_upload_start(
        section=section, envelope="single", size=len(sealed), digest=commitment_digest(sealed), by=world["bidder1"]
    )
    bid_upload_chunk(upload=upload, offset=0, data=sealed, by=world["bidder1"])
    receipt = bid_upload_commit(upload=upload, by=world["bidder1"])
    pending = seal(1)
    open_upload = bid_upload_start(
        section=section, envelope="single", size=len(pending), digest=commitment_digest(pending), by=world["bidder1"]
    )
    return {"world": world, "section": section, "receipt": receipt, "upload": open_upload}


def _api(world: World, name: str) -> Api:
    # Sessions, not tokens, so that every person can be asked (a pending bidder cannot make a token).
    return Api(user=user_of(world, name), totp=name in TOTP_ROLE_KEYS)


def _denied(response: Any, code: str) -> None:
    assert response.status_code == 403, response.content.decode()
    body = response.json()
    assert body["code"] == code
    # Nothing revealed: no detail, no number in the message.
    assert body["detail"] == {}
    assert not any(ch.isdigit() for ch in body["message"])


@pytest.mark.django_db
def test_before_the_deadline_only_the_bidder_learns_anything(tender: dict[str, Any]) -> None:
    world, section, receipt, upload = tender["world"], tender["section"], tender["receipt"], tender["upload"]
    for name in PEOPLE:
        api = _api(world, name)
        audit = AuditEntry.objects.filter(action="bidding.bidders.view_denied").count()
        _denied(api.get(f"/sections/{section.code}/bidders"), "bidders_secret")
        assert AuditEntry.objects.filter(action="bidding.bidders.view_denied").count() == audit + 1

        mine = api.get("/bids/mine").json()
        proof = api.get(f"/receipts/{receipt.uuid}/proof")
        state = api.get(f"/uploads/{upload.uuid}")
        if name == "bidder1":
            assert [b["id"] for b in mine] == [str(receipt.bid.uuid)]
            assert proof.json()["code"] == "freeze_not_published"
            assert state.json()["id"] == str(upload.uuid)
            continue
        assert mine == [], name
        # Another's receipt or upload answers exactly like one that does not exist.
        missing_proof = api.get(f"/receipts/{MISSING}/proof")
        assert (proof.status_code, proof.json()) == (missing_proof.status_code, missing_proof.json()), name
        assert proof.json()["code"] == "receipt_not_found"
        missing_upload = api.get(f"/uploads/{MISSING}")
        assert (state.status_code, state.json()) == (missing_upload.status_code, missing_upload.json()), name
        withdraw = api.post(f"/bids/{receipt.bid.uuid}/withdraw")
        assert withdraw.status_code in (403, 404), name
        assert withdraw.json()["code"] in ("bid_not_found", "bidder_required"), name

    # The selectors refuse the system too.
    with pytest.raises(PermissionDenied) as refused:
        selectors.bidders_for(section=section, by=SYSTEM)
    assert refused.value.code == "bidders_secret"
    assert not selectors.bidders_visible(section=section, by=world["staff"])
    assert Api().get(f"/sections/{section.code}/bidders").status_code == 401


@pytest.mark.django_db
def test_after_the_deadline_the_list_opens_to_the_project_and_oversight_only(tender: dict[str, Any]) -> None:
    world, section, receipt = tender["world"], tender["section"], tender["receipt"]
    clock_set(DEADLINE)
    bids_freeze(section=section, by=SYSTEM)
    for name in PEOPLE:
        api = _api(world, name)
        response = api.get(f"/sections/{section.code}/bidders")
        if name in ADMITTED_AFTER:
            assert response.status_code == 200, (name, response.content)
            assert [r["organisation_uscc"] for r in response.json()] == [world.uscc["bidder1"]]
            assert AuditEntry.objects.filter(action="bidding.bidders.view", actor_username=name).count() == 1
        else:
            _denied(response, "bidders_denied")
            assert AuditEntry.objects.filter(action="bidding.bidders.view_denied", actor_username=name).count() == 1

        proof = api.get(f"/receipts/{receipt.uuid}/proof")
        if name == "bidder1":
            assert proof.status_code == 200
            assert json.loads(proof.json()["receipt"]["body"])["bid"] == str(receipt.bid.uuid)
        else:
            assert (proof.status_code, proof.json()["code"]) == (404, "receipt_not_found"), name
        mine = api.get("/bids/mine").json()
        assert (len(mine) == 1) == (name == "bidder1"), name
