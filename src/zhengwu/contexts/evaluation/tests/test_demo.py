"""The concluded demo tender: the whole way through the services with the clock set back, loaded once.

The other demos (identity, tendering, experts) are loaded first, as ``zhengwu setup`` does; then
this one replays its summer of 2026 and gives the real clock back.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.bidding.services import bidder_key_register
from zhengwu.contexts.disclosure import selectors as disclosure_selectors
from zhengwu.contexts.evaluation import demo as evaluation_demo
from zhengwu.contexts.evaluation.demo import ESTIMATE_YUAN, PROJECT_NAME, demo_load
from zhengwu.contexts.evaluation.models import Award, Contract, Evaluation, Publicity, Sheet, Signature
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.identity.selectors import actor_for, user_get, users_with_role
from zhengwu.contexts.supervision import selectors as supervision_selectors
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import AgreementKey, SigningKey
from zhengwu.kernel.money import money_to_fen
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import Delivery, OutboxMessage

pytestmark = pytest.mark.django_db

WINNER = "昆明某路桥工程有限公司"
WINNING_PRICE_FEN = money_to_fen("35783600.00")


@pytest.fixture
def others(db: Any, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """The identity, tendering and experts demos, loaded as ``zhengwu setup`` does but without this
    one; returns this one's ``demo_load``, to run next."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    with monkeypatch.context() as patched:
        patched.setattr(evaluation_demo, "demo_load", lambda **_: [])
        call_command("demo", stdout=io.StringIO())
    return demo_load


def _actor(username: str) -> Actor:
    return actor_for(user=user_get(username=username))


def _section() -> Any:
    project = tendering_selectors.projects_for(by=_actor("staff")).get(name=PROJECT_NAME)
    (section,) = tendering_selectors.project_sections(project=project)
    return section


def _counts() -> dict[str, int]:
    staff = _actor("staff")
    bidders = [actor_for(user=user) for user in users_with_role(role="bidder")]
    return {
        "projects": tendering_selectors.projects_for(by=staff).count(),
        "bids": sum(len(bidding_selectors.bids_mine(by=bidder)) for bidder in bidders),
        "bidders": len(bidders),
        "experts' accounts": users_with_role(role="expert").count(),
        "evaluations": Evaluation.objects.count(),
        "awards": Award.objects.count(),
        "contracts": Contract.objects.count(),
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def _platforms() -> list[str]:
    return list(django_settings.ZHENGWU_PLATFORMS)


def test_the_concluded_tender_goes_the_whole_way_and_gives_the_clock_back(others: Callable[..., Any]) -> None:
    accounts = others(platforms=_platforms())

    # The real clock is back: not frozen at the replay's last instant, close to the wall clock.
    assert abs(clock_now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)

    section = _section()
    assert (section.status, section.bid_deadline) == ("contracted", dt.datetime(2026, 8, 25, 9, 30, tzinfo=CHINA_TZ))
    assert section.estimate_fen == money_to_fen(ESTIMATE_YUAN)

    # The opening: five sealed bids opened, read out and recorded, the objection answered.
    opening = bidding_selectors.opening_get(section=section)
    assert opening.stage == "recorded"
    record = json.loads(opening.record_body)
    assert [b["outcome"] for b in record["bids"]] == ["opened"] * 5
    assert sorted(b["readout"]["duration_days"] for b in record["bids"]) == [350, 360, 365, 365, 450]
    assert record["objections"][0]["reply"].startswith("开标现场")
    assert len(bidding_selectors.opened_bids_for_evaluation(section_code=section.code)) == 5

    # The draw: performed, its record kept; five experts accepted, each with an account.
    assert experts_selectors.draw_record_published(section_code=section.code) is not None
    panel = experts_selectors.panel_for_section(section_code=section.code)
    assert len(panel) == 5
    assert all(seat.user_id is not None for seat in panel)

    # The evaluation: complete, five sheets, five signatures (one with a note), one bid rejected.
    evaluation = Evaluation.objects.get(section_code=section.code)
    result = evaluation.result
    assert result is not None
    assert (evaluation.status, result["outcome"], len(result["candidates"]["bid_ids"])) == ("complete", "candidates", 3)
    assert Sheet.objects.filter(member__evaluation=evaluation, submitted_at__isnull=False).count() == 5
    signatures = list(Signature.objects.filter(member__evaluation=evaluation))
    assert len(signatures) == 5
    assert all(s.agrees for s in signatures)
    assert len([s for s in signatures if s.dissent]) == 1
    rejected = [line for line in result["bids"] if line.get("disqualification")]
    assert [line["disqualification"]["reason"] for line in rejected] == ["not_responsive"]
    assert evaluation.members.filter(is_leader=True).count() == 1

    # Publicity, award (first-ranked, savings = estimate − price), written report, contract.
    publicity = Publicity.objects.get(evaluation=evaluation)
    award = Award.objects.get(evaluation=evaluation)
    assert (award.rank, award.bidder, award.price_fen) == (1, WINNER, WINNING_PRICE_FEN)
    assert award.bidder == publicity.candidates[0]["bidder"]
    assert award.budget_fen == section.estimate_fen
    assert award.savings_fen == section.estimate_fen - award.price_fen
    assert award.decided_at == dt.datetime(2026, 8, 31, 10, tzinfo=CHINA_TZ) > publicity.ends_at
    assert award.report_submitted_at is not None
    contract = Contract.objects.get(award=award)
    assert (contract.amount_fen, contract.late, contract.signed_on) == (award.price_fen, False, dt.date(2026, 9, 14))

    # The exchange carried it: the supervision and public platforms hold the opening and the outcome.
    assert supervision_selectors.section_get(project_code=section.project.code, section_code=section.code).status == (
        "contracted"
    )
    watched = supervision_selectors.opening_section_get(section_code=section.code)
    assert watched.freeze is not None
    assert watched.record is not None
    assert disclosure_selectors.opening_record_get(section_code=section.code) is not None
    # Everything between the platforms was delivered; the upward push waits, pending, for a
    # higher-level platform to be configured (ZHENGWU_UPWARD_URL).
    assert not Delivery.objects.exclude(status="delivered").exclude(destination="upward").exists()
    assert set(Delivery.objects.filter(destination="upward").values_list("status", "attempts")) == {("pending", 0)}

    # The accounts worth showing: the two new bidders and the panel, in the demo accounts' shape.
    assert [a["username"] for a in accounts[:2]] == ["bidder4", "bidder5"]
    assert {user_get(username=a["username"]).pk for a in accounts[2:]} == {seat.user_id for seat in panel}
    assert {(a["role"], a["needs_totp"]) for a in accounts[2:]} == {("expert", True)}
    assert len(accounts) == 7
    assert all(a["login_url"] == "/trading/accounts/login/" for a in accounts)


def test_loading_twice_changes_nothing(others: Callable[..., Any]) -> None:
    first = others(platforms=_platforms())
    before = _counts()

    again = others(platforms=_platforms())
    call_command("demo", stdout=io.StringIO())

    assert _counts() == before
    assert again == first
    assert abs(clock_now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_a_bidder_with_its_own_key_keeps_it_and_nothing_is_replayed(others: Callable[..., Any]) -> None:
    bidder1 = _actor("bidder1")
    own = SigningKey.generate()
    bidder_key_register(
        signing_public=own.public.to_b64(),
        agreement_public=base64.b64encode(AgreementKey.generate().public_raw).decode("ascii"),
        by=bidder1,
    )
    before = _counts()

    assert others(platforms=_platforms()) == []

    assert _counts() == before
    key = bidding_selectors.bidder_key_own(by=bidder1)
    assert key is not None
    assert key.signing_public == own.public.to_b64()
    assert not tendering_selectors.projects_for(by=_actor("staff")).filter(name=PROJECT_NAME).exists()
    assert abs(clock_now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_without_the_supervision_platform_it_is_not_replayed(others: Callable[..., Any]) -> None:
    before = _counts()

    assert others(platforms=["trading"]) == []
    assert others(platforms=["public", "supervision"]) == []

    assert _counts() == before
