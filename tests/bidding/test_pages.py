"""The bidder's pages on the trading platform: keys, a sealed bid on a section, my bids, receipts and proofs.

A bidder registers the public key file ``zhengwu bid keygen`` wrote, sees a section's opening keys
and deadline with the upload form until the deadline (the upload itself goes through the JSON
API; ``tests/browser/test_bid_upload.py`` drives it in Chromium), withdraws, downloads its receipts
— which ``zhengwu bid verify --receipt`` accepts — and, after the freeze, its inclusion proof.
Nobody else learns anything of its bids: other bidders get 404, other roles 403, before the
deadline and after it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.bidding.apikit import BidderKeys, commitment_digest
from zhengwu.contexts.bidding import views
from zhengwu.contexts.bidding.models import Bid, BidderKey, BidUpload, OpeningKey, Receipt
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bidder_key_register,
    bids_freeze,
)
from zhengwu.contexts.bidding.tool import keys_generate
from zhengwu.contexts.bidding.tool import main as bid_main
from zhengwu.contexts.disclosure.selectors import inclusion_proof_check
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import LISTING, NOW, SYSTEM, World, at, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import VerifyKey, suite_get
from zhengwu.platform.audit.merkle import merkle_inclusion_verify
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

DEADLINE = at(2026, 3, 24, 9, 30)
OTHER_ROLES = ("tenderer", "agency", "staff", "regulator", "expert", "public")


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return world_build()


@pytest.fixture
def section(world: World) -> Section:
    _, sections, _ = tender_publish(world, bidder_key_required=False)
    return sections[0]


def client_for(username: str) -> Client:
    """A signed-in client, second factor passed (as the roles that need one would have)."""
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


def error_code(response: Any) -> str:
    found = re.search(r'data-code="([^"]+)"', text(response))
    return found.group(1) if found else ""


class Sealer:
    """One bidder with keys registered, sealing and submitting through the services (as the API does)."""

    def __init__(self, world: World, name: str, tmp_path: Path) -> None:
        self.world, self.name, self.tmp_path = world, name, tmp_path
        self.keys = BidderKeys()
        public = self.keys.public()
        bidder_key_register(
            signing_public=public["signing_public"], agreement_public=public["agreement_public"], by=world[name]
        )

    def seal(self, section: Section, price_fen: int) -> bytes:
        opening = OpeningKey.objects.get(section_uuid=section.uuid)
        return self.keys.seal(
            tmp_path=self.tmp_path,
            section=section.code,
            uscc=self.world.uscc[self.name],
            opening_public=opening.public,
            price_fen=price_fen,
        )

    def submit(self, section: Section, price_fen: int) -> tuple[bytes, Receipt]:
        sealed = self.seal(section, price_fen)
        actor = self.world[self.name]
        upload = bid_upload_start(
            section=section, envelope="single", size=len(sealed), digest=commitment_digest(sealed), by=actor
        )
        bid_upload_chunk(upload=upload, offset=0, data=sealed, by=actor)
        return sealed, bid_upload_commit(upload=upload, by=actor)


def state() -> dict[str, Any]:
    """What a refused page action must leave unchanged."""
    return {
        "keys": list(BidderKey.objects.order_by("id").values_list("signing_key_id", "revoked_at")),
        "bids": list(Bid.objects.order_by("id").values_list("status", "digest", "ended_at")),
        "uploads": list(BidUpload.objects.order_by("id").values_list("status", "received_size")),
        "receipts": Receipt.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# --- 1. my bidding keys --------------------------------------------------------------------------


def test_a_bidder_registers_the_public_key_file_and_bad_files_are_refused_with_nothing_stored(
    world: World, tmp_path: Path
) -> None:
    bidder = client_for("bidder1")
    page = bidder.get("/trading/keys/")
    assert page.status_code == 200
    assert 'data-testid="no-bidder-key"' in text(page)
    assert "zhengwu bid keygen" in text(page)

    private_path, public_path = keys_generate(out_dir=tmp_path)
    public = json.loads(public_path.read_text(encoding="utf-8"))
    private_text = private_path.read_text(encoding="utf-8")
    before = state()
    refusals = {
        "public_key_missing": {"text": "  "},
        "public_key_file_invalid": {"text": "这不是公钥文件"},
        # Keys that are not 32-byte base64: the service's own refusal.
        "public_key_invalid": {"text": json.dumps({"signing_public": "abc", "agreement_public": "def"})},
        # A file edited by hand: its key id no longer matches its key.
        "public_key_file_mismatch": {"text": json.dumps({**public, "signing_key_id": "0" * 16})},
        "private_key_refused": {"text": private_text},
    }
    for code, data in refusals.items():
        response = bidder.post("/trading/keys/", data)
        assert response.status_code == 400, (code, text(response))
        assert error_code(response) == code
        assert state() == before, code
    # The private key is not echoed back into the form.
    refused = bidder.post("/trading/keys/", {"text": private_text})
    assert json.loads(private_text)["signing"] not in text(refused)

    # The public file, uploaded as a file: registered, and the page shows its fingerprints.
    with public_path.open("rb") as handle:
        done = bidder.post("/trading/keys/", {"file": handle})
    assert done.status_code == 302
    assert done["Location"] == "/trading/keys/"
    key = BidderKey.objects.get(revoked_at__isnull=True)
    assert (key.signing_key_id, key.agreement_fingerprint) == (
        public["signing_key_id"],
        public["agreement_fingerprint"],
    )
    assert key.organisation_uscc == world.uscc["bidder1"]
    shown = text(bidder.get("/trading/keys/"))
    assert public["signing_key_id"] in shown
    assert public["agreement_fingerprint"] in shown

    # Pasting another key file replaces the key; the old one stays, revoked.
    other = BidderKeys()
    replaced = bidder.post("/trading/keys/", {"text": json.dumps(other.public())})
    assert replaced.status_code == 302
    assert BidderKey.objects.get(revoked_at__isnull=True).signing_key_id == other.signing.public.key_id
    assert BidderKey.objects.filter(revoked_at__isnull=False).get().signing_key_id == public["signing_key_id"]


def test_only_verified_bidders_register_keys(world: World) -> None:
    data = {"text": json.dumps(BidderKeys().public())}
    before = state()
    pending = client_for("bidder_pending")
    refused = pending.post("/trading/keys/", data)
    assert refused.status_code == 403
    assert error_code(refused) == "bidder_required"
    for name in OTHER_ROLES:
        client = client_for(name)
        assert client.get("/trading/keys/").status_code == 403, name
        assert client.post("/trading/keys/", data).status_code == 403, name
    anonymous = Client().get("/trading/keys/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/trading/accounts/login/")
    assert state() == before


# --- 2. the bid page -----------------------------------------------------------------------------


def test_the_bid_page_shows_the_opening_keys_the_countdown_and_the_form_until_the_deadline(
    world: World, section: Section, tmp_path: Path
) -> None:
    opening = OpeningKey.objects.get(section_uuid=section.uuid)
    bidder = client_for("bidder1")
    url = f"/trading/tenders/{section.code}/bid/"

    # No key yet: the page says so and still explains everything.
    page = bidder.get(url)
    assert page.status_code == 200
    html = text(page)
    assert 'data-testid="no-bidder-key"' in html
    assert f'data-testid="opening-fingerprint">{opening.fingerprint}<' in html
    assert f'data-deadline="{DEADLINE.isoformat()}"' in html
    assert f'data-now="{NOW.isoformat()}"' in html
    assert 'data-testid="countdown"' in html
    assert "剩余 21 天 23:30:00" in html  # NOW → DEADLINE, also without JavaScript
    # Without a key the upload would be refused at the end: the form waits for the key.
    assert 'data-testid="upload-form"' not in html
    assert 'data-testid="upload-unavailable"' in html
    assert "bidding/bid_upload.js" in html  # the countdown runs all the same
    seal = re.search(r'data-testid="seal-command"><code>(.*?)</code>', html, re.S)
    assert seal is not None
    for part in (
        f"--section {section.code}",
        f"--bidder {world.uscc['bidder1']}",
        f"--opening-key {opening.public}",
        f"--fingerprint {opening.fingerprint}",
    ):
        assert part in seal.group(1)
    assert "--own-key" not in seal.group(1)  # this tender does not ask for the bidder's own key
    assert 'data-testid="no-bids"' in html
    assert 'data-testid="submission-closed"' not in html

    # With the key registered the upload form is there (shown by the script; explained without it).
    sealer = Sealer(world, "bidder1", tmp_path)
    html = text(bidder.get(url))
    assert 'data-testid="upload-form"' in html
    assert f'data-section="{section.code}"' in html
    assert 'id="bid-upload-text"' in html
    assert "<noscript>" in html
    assert 'data-testid="upload-unavailable"' not in html

    # The bidder bids: the page shows its bid, its receipt and the withdraw form.
    sealed, receipt = sealer.submit(section, 500_000_00)
    html = text(bidder.get(url))
    assert f'data-testid="bid-digest">{commitment_digest(sealed)}<' in html
    assert f'href="/trading/receipts/{receipt.uuid}/"' in html
    assert 'data-testid="withdraw"' in html
    assert 'data-testid="proof-download"' not in html  # nothing is frozen yet
    assert 'data-testid="no-bidder-key"' not in html

    # The deadline passes: the form, the countdown and the withdraw button are gone.
    clock_set(DEADLINE)
    closed = bidder.get(url)
    assert closed.status_code == 200
    html = text(closed)
    assert 'data-testid="submission-closed"' in html
    for gone in ('data-testid="upload-form"', "data-countdown", 'data-testid="withdraw"', "bid_upload.js"):
        assert gone not in html, gone
    assert f'data-testid="bid-digest">{commitment_digest(sealed)}<' in html
    # Once frozen, the receipt's inclusion proof is offered.
    bids_freeze(section=section, by=SYSTEM)
    html = text(bidder.get(url))
    assert f'href="/trading/receipts/{receipt.uuid}/proof/"' in html
    assert 'data-testid="freeze"' in html


def test_the_bid_page_asks_for_the_bidders_own_key_where_the_tender_requires_it(world: World) -> None:
    _, sections, _ = tender_publish(world, bidder_key_required=True)
    html = text(client_for("bidder1").get(f"/trading/tenders/{sections[0].code}/bid/"))
    assert "--own-key" in html


def test_a_section_without_sealed_bids_or_unknown_gets_a_clear_page_not_a_500(world: World) -> None:
    _, sections, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    bidder = client_for("bidder1")
    listing = bidder.get(f"/trading/tenders/{sections[0].code}/bid/")
    assert listing.status_code == 404
    assert error_code(listing) == "section_not_sealed"
    unknown = bidder.get("/trading/tenders/NO-SUCH-SECTION/bid/")
    assert unknown.status_code == 404
    assert error_code(unknown) == "section_not_found"


def test_the_tender_page_and_the_menu_link_to_the_bidders_pages(world: World, section: Section) -> None:
    bidder = text(client_for("bidder1").get(f"/trading/tenders/{section.code}/"))
    assert f'href="/trading/tenders/{section.code}/bid/" data-testid="sealed-bid-link"' in bidder
    assert 'data-testid="nav-bids-mine"' in bidder
    assert 'data-testid="nav-bidding-keys"' in bidder
    tenderer = text(client_for("tenderer").get(f"/trading/tenders/{section.code}/"))
    assert 'data-testid="sealed-bid-link"' not in tenderer
    assert 'data-testid="nav-bids-mine"' not in tenderer


def test_a_bidder_withdraws_its_bid_from_the_page_before_the_deadline_only(
    world: World, section: Section, tmp_path: Path
) -> None:
    sealer = Sealer(world, "bidder1", tmp_path)
    _, receipt = sealer.submit(section, 500_000_00)
    bid = receipt.bid
    bidder = client_for("bidder1")
    url = f"/trading/bids/{bid.uuid}/withdraw/"

    before = state()
    unconfirmed = bidder.post(url, {})
    assert unconfirmed.status_code == 400
    assert error_code(unconfirmed) == "confirm_required"
    stranger = client_for("bidder2").post(url, {"confirm": "yes"})
    assert stranger.status_code == 404
    assert error_code(stranger) == "bid_not_found"
    assert client_for("agency").post(url, {"confirm": "yes"}).status_code == 403
    assert state() == before

    done = bidder.post(url, {"confirm": "yes"})
    assert done.status_code == 302
    assert done["Location"] == f"/trading/tenders/{section.code}/bid/"
    assert Bid.objects.get(pk=bid.pk).status == "withdrawn"
    withdrawal = Receipt.objects.get(bid=bid, kind="withdrawn")
    html = text(bidder.get(done["Location"]))
    assert f'href="/trading/receipts/{withdrawal.uuid}/"' in html
    assert 'data-testid="withdraw"' not in html

    # After the deadline nothing can be withdrawn; the refusal is a page, not a 500.
    _, again = sealer.submit(section, 490_000_00)
    clock_set(DEADLINE)
    before = state()
    late = bidder.post(f"/trading/bids/{again.bid.uuid}/withdraw/", {"confirm": "yes"})
    assert late.status_code == 409
    assert error_code(late) == "bid_deadline_passed"
    assert state() == before


# --- 3. my bids, receipts, proofs ----------------------------------------------------------------


def test_my_bids_lists_every_section_pages_and_the_receipt_verifies_with_the_bid_tool(
    world: World, section: Section, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, second_sections, _ = tender_publish(world, bidder_key_required=False, name="昆明市呈贡区污水管网工程")
    sealer = Sealer(world, "bidder1", tmp_path)
    _, first = sealer.submit(section, 500_000_00)
    sealed, replacement = sealer.submit(section, 480_000_00)
    _, elsewhere = sealer.submit(second_sections[0], 300_000_00)
    bidder = client_for("bidder1")

    page = bidder.get("/trading/bids/")
    assert page.status_code == 200
    html = text(page)
    rows = re.findall(r'<tr data-bid="([^"]+)" data-status="([^"]+)">', html)
    # Newest first: the other section's bid, the replacement, the replaced bid.
    assert rows == [
        (str(elsewhere.bid.uuid), "accepted"),
        (str(replacement.bid.uuid), "accepted"),
        (str(first.bid.uuid), "replaced"),
    ]
    assert second_sections[0].code in html
    assert signing_key_get().public.to_b64() in html
    assert 'data-testid="withdraw"' not in html  # withdrawing is done on the section's page

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    assert len(re.findall(r"<tr data-bid=", text(bidder.get("/trading/bids/")))) == 2
    second_page = text(bidder.get("/trading/bids/?page=2"))
    assert re.findall(r'<tr data-bid="([^"]+)"', second_page) == [str(first.bid.uuid)]

    # The receipt file is what `zhengwu bid verify --receipt` accepts for the sealed file.
    download = bidder.get(f"/trading/receipts/{replacement.uuid}/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert download["Content-Disposition"].startswith("attachment;")
    record = json.loads(download.content)
    assert record["format"] == "zhengwu-bid-receipt/1"
    assert (record["id"], record["body"], record["signature"]) == (
        str(replacement.uuid),
        replacement.body,
        replacement.signature,
    )
    sealed_path, receipt_path = tmp_path / "bid.sealed", tmp_path / "receipt.json"
    sealed_path.write_bytes(sealed)
    receipt_path.write_bytes(download.content)
    capsys.readouterr()
    assert (
        bid_main(["verify", str(sealed_path), "--receipt", str(receipt_path), "--platform-key", record["platform_key"]])
        == 0
    )
    verified = json.loads(capsys.readouterr().out)
    assert verified["ok"] is True
    assert verified["receipt"]["bid"] == str(replacement.bid.uuid)
    assert verified["digest"] == commitment_digest(sealed)
    # Against another sealed file the same receipt is refused by the tool.
    (tmp_path / "other.sealed").write_bytes(sealer.seal(section, 1))
    assert (
        bid_main(
            [
                "verify",
                str(tmp_path / "other.sealed"),
                "--receipt",
                str(receipt_path),
                "--platform-key",
                record["platform_key"],
            ]
        )
        == 1
    )

    # No proof before the freeze: a clear refusal.
    early = bidder.get(f"/trading/receipts/{replacement.uuid}/proof/")
    assert early.status_code == 409
    assert error_code(early) == "freeze_not_published"

    # After the freeze: the proof of the accepted receipt, checked against the signed root.
    clock_set(DEADLINE)
    freeze = bids_freeze(section=section, by=SYSTEM)
    html = text(bidder.get("/trading/bids/"))
    assert f'href="/trading/receipts/{replacement.uuid}/proof/"' in html
    assert f'href="/trading/receipts/{first.uuid}/proof/"' not in html  # replaced: not a leaf
    proof = json.loads(bidder.get(f"/trading/receipts/{replacement.uuid}/proof/").content)
    assert proof["root"] == freeze.root == proof["freeze"]["root"]
    platform = VerifyKey.from_b64(record["platform_key"])
    assert platform.verify(proof["freeze"]["body"].encode(), base64.b64decode(proof["freeze"]["signature"]))
    assert json.loads(proof["freeze"]["body"])["root"] == freeze.root
    assert merkle_inclusion_verify(
        leaf=replacement.body.encode(),
        index=proof["index"],
        tree_size=proof["tree_size"],
        proof=[bytes.fromhex(p) for p in proof["path"]],
        root=bytes.fromhex(freeze.root),
        suite=suite_get("intl"),
    )
    # The downloaded proof is what the public platform's checker takes, once the freeze reached it.
    relay_run_once()
    checked = inclusion_proof_check(proof=json.dumps(proof))
    assert checked.included
    replaced = bidder.get(f"/trading/receipts/{first.uuid}/proof/")
    assert replaced.status_code == 409
    assert error_code(replaced) == "receipt_not_frozen"


# --- secrecy -------------------------------------------------------------------------------------


def test_nobody_but_the_bidder_sees_its_bid_or_receipts_before_or_after_the_deadline(
    world: World, section: Section, tmp_path: Path
) -> None:
    sealed, receipt = Sealer(world, "bidder1", tmp_path).submit(section, 500_000_00)
    digest = commitment_digest(sealed)
    secrets = (digest, str(receipt.uuid), str(receipt.bid.uuid), receipt.signature)
    urls = (
        f"/trading/tenders/{section.code}/bid/",
        "/trading/bids/",
        f"/trading/receipts/{receipt.uuid}/",
        f"/trading/receipts/{receipt.uuid}/proof/",
    )

    def leaks(response: Any, url: str) -> bool:
        # The page may echo the address asked for (the language switch does); nothing else.
        return any(s in text(response) for s in secrets if s not in url)

    def check_others() -> None:
        # Another bidder: its own (empty) pages; the receipt and proof do not exist for it.
        other = client_for("bidder2")
        page = other.get(urls[0])
        assert page.status_code == 200
        assert 'data-testid="no-bids"' in text(page)
        assert client_for("bidder2").get(urls[1]).status_code == 200
        for url, status in zip(urls, (200, 200, 404, 404), strict=True):
            response = other.get(url)
            assert response.status_code == status, url
            assert not leaks(response, url), url
        assert error_code(other.get(urls[2])) == "receipt_not_found"
        # Every other role: refused at the door, nothing shown.
        for name in OTHER_ROLES:
            client = client_for(name)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 403, (name, url)
                assert not leaks(response, url), (name, url)
        # The public: sent to sign in.
        for url in urls:
            response = Client().get(url)
            assert response.status_code == 302, url
            assert not leaks(response, url), url

    check_others()
    # The bidder itself does see them.
    own = client_for("bidder1")
    assert digest in text(own.get(urls[0]))
    assert digest in text(own.get(urls[1]))
    assert json.loads(own.get(urls[2]).content)["id"] == str(receipt.uuid)

    # After the deadline and the freeze the pages stay the bidder's own.
    clock_set(DEADLINE)
    bids_freeze(section=section, by=SYSTEM)
    check_others()
    assert json.loads(own.get(urls[3]).content)["receipt"]["id"] == str(receipt.uuid)
