"""A section ready for evaluation: a real sealed-bid opening (four bids opened and recorded) and a panel.

The bids carry the prices of ebidding-rules §4.6 A (政府采购综合评分法): A 100万, B 95万, C 90万,
D 120万 (bidder1…bidder4). The tender has two sections; the panel of the first is five experts — the
least a lawful construction committee has (``expert``, ``expert2`` … ``expert5``) — and ``expert_far``
sits on the second section's panel.
Assignments are inserted as the draw would leave them (notified), then accepted through the
experts service.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

from tests.bidding.test_opening import DEADLINE, Bidder
from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding.custody import Custodian, CustodyShare, share_release
from zhengwu.contexts.bidding.models import Bid, Opening, OpeningKey
from zhengwu.contexts.bidding.models import CustodyShare as ShareRow
from zhengwu.contexts.bidding.services import bids_freeze, custodian_key_register, platform_custodian_key_register
from zhengwu.contexts.experts.models import ExpertAssignment
from zhengwu.contexts.experts.services.draws import assignment_answer
from zhengwu.contexts.experts.tests.factories import expert_make, id_card_make
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.contexts.supervision.models import HeldShare
from zhengwu.contexts.supervision.services import held_share_public_b64, held_share_release
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import PASSWORD, SYSTEM, World, tender_publish, uscc_make
from zhengwu.kernel.clock import clock_now, clock_set
from zhengwu.kernel.crypto import AgreementKey
from zhengwu.platform.exchange.relay import relay_run_once


def wan(amount: str | int) -> int:
    """万元 → fen."""
    return int(float(amount) * 1_000_000)


PRICES = {"bidder1": wan(100), "bidder2": wan(95), "bidder3": wan(90), "bidder4": wan(120)}
LETTERS = {"bidder1": "A", "bidder2": "B", "bidder3": "C", "bidder4": "D"}

# 政府采购综合评分法, reference §4.6 A: price 30 (lowest / price × 30), technical out of 100 × 0.5,
# business out of 100 × 0.2.
GP_METHOD: dict[str, Any] = {
    "kind": "procurement_scoring",
    "price_weight": "30",
    "items": [
        {"code": "tech", "name": "技术", "category": "technical", "max_score": "100", "weight": "0.5"},
        {"code": "biz", "name": "商务", "category": "commercial", "max_score": "100", "weight": "0.2"},
    ],
    "deviation_limit": "0.20",
}

EXPERTS = ("expert", "expert2", "expert3", "expert4", "expert5")


class Ready:
    """The world after the opening, with the panel accepted; ``bid[letter]`` is the bid's public id."""

    def __init__(
        self,
        world: World,
        tmp_path: Path,
        *,
        procedure: str = "construction.open",
        first: tuple[str, str, str] = ("第一标段", "52300000.00", "800000.00"),
    ) -> None:
        self.world = world
        agency_key = AgreementKey.generate()
        platform_custodian_key_register(public=held_share_public_b64(), by=SYSTEM)
        custodian_key_register(public=base64.b64encode(agency_key.public_raw).decode(), by=world["agency"])
        _, sections, _ = tender_publish(
            world,
            procedure=procedure,
            sections=(first, ("第二标段", "12000000.00", "200000.00")),
        )
        self.section, self.other_section = sections
        key = OpeningKey.objects.get(section_uuid=self.section.uuid)
        public = base64.b64decode(key.public)
        bidders = {}
        for name, price in PRICES.items():
            if name == "bidder4" and name not in world.actors:
                self._bidder4(world)
            bidders[name] = Bidder(world, name, tmp_path)
            bidders[name].bid(self.section, public, price)
        agency = world["agency"]
        clock_set(DEADLINE)
        bids_freeze(section=self.section, by=SYSTEM)
        opening = ceremony.opening_start(section=self.section, by=agency)
        row = ShareRow.objects.get(opening_key=key, holder=f"org:{agency.organisation_id}")
        mnemonic = share_release(
            share=CustodyShare(row.holder, row.institution, row.custodian_fingerprint, bytes(row.blob)),
            custodian=Custodian(row.holder, row.institution, agency_key.public_raw),
            private=agency_key.raw(),
            section=self.section.code,
            envelope="single",
            fingerprint=key.fingerprint,
        )
        ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=mnemonic, by=agency)
        # On the supervision platform a regulator releases this section's share; the exchange carries it.
        relay_run_once()
        held_share_release(held=HeldShare.objects.get(section_code=self.section.code), by=world["regulator"])
        relay_run_once()
        for name, bidder in bidders.items():
            ceremony.bidder_share_submit(opening=opening, share=bidder.own_share(), by=world[name])
        ceremony.opening_decrypt(opening=opening, by=agency)
        ceremony.opening_readout(opening=opening, by=agency)
        clock_set(DEADLINE + dt.timedelta(minutes=10))
        ceremony.opening_record_publish(opening=Opening.objects.get(pk=opening.pk), by=agency)
        self.section = Section.objects.select_related("project").get(pk=self.section.pk)
        assert self.section.status == "evaluating"
        accepted = {b.organisation_id: str(b.uuid) for b in Bid.objects.filter(status="accepted")}
        self.bid = {LETTERS[name]: accepted[world[name].organisation_id or 0] for name in PRICES}
        self.experts = panel_make(world, self.section, self.other_section)

    @staticmethod
    def _bidder4(world: World) -> None:
        uscc = uscc_make()
        organisation = organisation_create(uscc=uscc, name="云南某市政工程有限公司", market_roles=["bidder"], by=SYSTEM)
        user = user_create(
            username="bidder4",
            password=PASSWORD,
            display_name="bidder4",
            roles=["bidder"],
            organisation=organisation,
            by=SYSTEM,
        )
        world.actors["bidder4"] = actor_for(user=user)
        world.uscc["bidder4"] = uscc


def gp_scores(letters: dict[str, str], overrides: dict[str, dict[str, str]] | None = None) -> dict[str, dict[str, str]]:
    """One member's sheet: technical / business per bid (A 85/80, B 75/85, C 80/90, D 90/70), keyed by bid id."""
    base = {"A": ("85", "80"), "B": ("75", "85"), "C": ("80", "90"), "D": ("90", "70")}
    sheet = {letters[k]: {"tech": t, "biz": b} for k, (t, b) in base.items()}
    for letter, values in (overrides or {}).items():
        sheet[letters[letter]].update(values)
    return sheet


def evaluation_complete(ready: Ready, *, reject: str = "C") -> Any:
    """Run the room to its signed report: the bids in ``reject`` are rejected by every member
    ("not responsive"), every member scores the rest as ``gp_scores`` and signs.

    With the default, the candidates are A 87.00, B 84.50 (reference §4.6 A, C rejected) and D
    82.75 (``gp_scores``: 95/120 × 30 + 45 + 14).
    """
    from zhengwu.contexts.evaluation import services
    from zhengwu.contexts.evaluation.models import Evaluation

    w, bid = ready.world, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["staff"])
    services.leader_set(evaluation=evaluation, expert_id=ready.experts["expert"], by=w["staff"])
    for username in EXPERTS:
        for letter in "ABCD":
            services.compliance_mark(
                evaluation=evaluation,
                bid_id=bid[letter],
                compliant=letter not in reject,
                reason="not_responsive" if letter in reject else "",
                by=w[username],
            )
    kept = {bid_id: row for bid_id, row in gp_scores(bid).items() if bid_id not in {bid[x] for x in reject}}
    for username in EXPERTS:
        if kept:  # every bid rejected: nothing to score
            services.sheet_submit(evaluation=evaluation, scores=kept, by=w[username])
    for username in EXPERTS:
        services.report_sign(evaluation=evaluation, agrees=True, by=w[username])
    return Evaluation.objects.get(pk=evaluation.pk)


def panel_make(world: World, section: Section, other_section: Section) -> dict[str, str]:
    """Five experts accept ``section``'s panel (``expert`` … ``expert5``), ``expert_far`` the other's.

    Assignments are inserted as the draw would leave them (notified), then accepted through the
    experts service. Returns username → the expert's public id.
    """
    experts: dict[str, str] = {}
    for username in (*EXPERTS[1:], "expert_far"):
        user = user_create(username=username, password=PASSWORD, display_name=username, roles=["expert"], by=SYSTEM)
        world.actors[username] = actor_for(user=user)
    for n, username in enumerate((*EXPERTS, "expert_far")):
        expert = expert_make(
            world,  # type: ignore[arg-type]  # duck-typed: only world["staff"] is read
            name=f"专家{n + 1}",
            id_card=id_card_make(),
            username=username,
        )
        experts[username] = str(expert.uuid)
        target = other_section if username == "expert_far" else section
        assignment = ExpertAssignment.objects.create(expert=expert, section_code=target.code, assigned_at=clock_now())
        assignment_answer(assignment=assignment, accept=True, by=world[username])
    return experts
