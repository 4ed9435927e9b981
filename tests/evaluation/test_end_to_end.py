"""One section the whole way, with the real expert draw: from the opened bids to the contract on the
public and supervision platforms.

The opening is ``scene.Ready``'s (four bids: A 100万, B 95万, C 90万, D 120万) without its inserted
panel. The centre's staff commit the draw after the bid deadline over a pool of nine experts plus
two who must be avoided (one employed by a bidder, one by the tenderer); the commitment reaches
the public section page; the draw is performed with the regulator's value; the first drawn expert
declines and the first reserve is called; everyone else accepts. The committee so formed opens the
room with the staff (政府采购综合评分法 of ``scene.GP_METHOD``), rejects C, scores and signs. The
agency then publishes the candidates, awards the first-ranked, submits the written report and
registers the contract through the trading API; the exchange relays each step.

The public platform is read only through its pages and API: the committee's names are nowhere
until the candidates are published; then the candidates with prices and scores, the committee
(neither the decliner nor the avoided experts), the draw record — which re-runs against the
commitment shown before the draw, with ``record_verify`` and with ``zhengwu experts verify-draw`` —
the award with its savings, and the contract. The supervision platform lists the award with the
written report submitted in time, still not overdue once its deadline has passed.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.bidding.test_opening import DEADLINE, Bidder
from tests.evaluation.scene import GP_METHOD, LETTERS, PRICES, Ready, gp_scores, wan
from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding.custody import Custodian, CustodyShare, share_release
from zhengwu.contexts.bidding.models import Bid, Opening, OpeningKey
from zhengwu.contexts.bidding.models import CustodyShare as ShareRow
from zhengwu.contexts.bidding.services import bids_freeze, custodian_key_register, platform_custodian_key_register
from zhengwu.contexts.evaluation import services
from zhengwu.contexts.evaluation.models import Evaluation
from zhengwu.contexts.experts.models import Expert, ExpertAssignment
from zhengwu.contexts.experts.rules import DrawGroup
from zhengwu.contexts.experts.services import assignment_answer, section_draw_commit, section_draw_perform
from zhengwu.contexts.experts.tests.factories import client_for, expert_make, id_card_make
from zhengwu.contexts.experts.tests.test_draw_verify import clean_env
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.identity.services.tokens import api_token_create
from zhengwu.contexts.supervision.models import HeldShare
from zhengwu.contexts.supervision.services import held_share_public_b64, held_share_release
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import PASSWORD, SYSTEM, World, tender_publish
from zhengwu.kernel.clock import CHINA_TZ, clock_advance, clock_now, clock_set
from zhengwu.kernel.crypto import AgreementKey
from zhengwu.platform.exchange.relay import relay_run_once

pytestmark = pytest.mark.django_db

API = "/trading/api/evaluation/sections"
PUBLIC_API = "/api/disclosure/sections"
CONTRIBUTION = "监督随机数 2026-0324"
ESTIMATE_FEN = 5_230_000_000
# The pool: nine experts who may be drawn (each with an account), and two who must be avoided.
POOL = ("宋明远", "黄思齐", "杜若衡", "邱志诚", "龚文博", "贺俊彦", "沈嘉禾", "梁景行", "蒋立言")
BIDDER_EMPLOYEE = "马骏驰"
TENDERER_EMPLOYEE = "孔德彰"
REPORT = "一、招标范围：第一标段施工。\n二、评标委员会依法组建，评标结果经全体成员签字。"


class Opened:
    """``scene.Ready`` up to the published opening record, without a panel: the draw makes it."""

    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        agency_key = AgreementKey.generate()
        platform_custodian_key_register(public=held_share_public_b64(), by=SYSTEM)
        custodian_key_register(public=base64.b64encode(agency_key.public_raw).decode(), by=world["agency"])
        _, sections, _ = tender_publish(
            world, sections=(("第一标段", "52300000.00", "800000.00"), ("第二标段", "12000000.00", "200000.00"))
        )
        section = sections[0]
        key = OpeningKey.objects.get(section_uuid=section.uuid)
        public = base64.b64decode(key.public)
        bidders = {}
        for name, price in PRICES.items():
            if name == "bidder4" and name not in world.actors:
                Ready._bidder4(world)
            bidders[name] = Bidder(world, name, tmp_path)
            bidders[name].bid(section, public, price)
        agency = world["agency"]
        clock_set(DEADLINE)
        bids_freeze(section=section, by=SYSTEM)
        opening = ceremony.opening_start(section=section, by=agency)
        row = ShareRow.objects.get(opening_key=key, holder=f"org:{agency.organisation_id}")
        mnemonic = share_release(
            share=CustodyShare(row.holder, row.institution, row.custodian_fingerprint, bytes(row.blob)),
            custodian=Custodian(row.holder, row.institution, agency_key.public_raw),
            private=agency_key.raw(),
            section=section.code,
            envelope="single",
            fingerprint=key.fingerprint,
        )
        ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=mnemonic, by=agency)
        relay_run_once()
        held_share_release(held=HeldShare.objects.get(section_code=section.code), by=world["regulator"])
        relay_run_once()
        for name, bidder in bidders.items():
            ceremony.bidder_share_submit(opening=opening, share=bidder.own_share(), by=world[name])
        ceremony.opening_decrypt(opening=opening, by=agency)
        ceremony.opening_readout(opening=opening, by=agency)
        clock_set(DEADLINE + dt.timedelta(minutes=10))
        ceremony.opening_record_publish(opening=Opening.objects.get(pk=opening.pk), by=agency)
        self.section = Section.objects.select_related("project").get(pk=section.pk)
        assert self.section.status == "evaluating"
        accepted = {b.organisation_id: str(b.uuid) for b in Bid.objects.filter(status="accepted")}
        self.bid = {LETTERS[name]: accepted[world[name].organisation_id or 0] for name in PRICES}
        # Every bid's readout went out with the opening record: the public platform knows the section.
        assert relay_run_once().ok


def _pool(world: World) -> tuple[dict[str, Expert], dict[str, Expert]]:
    """The pool through the experts service: name → expert, those who may be drawn and those to avoid."""
    drawable: dict[str, Expert] = {}
    for n, name in enumerate(POOL, start=1):
        username = f"pool{n}"
        user = user_create(username=username, password=PASSWORD, display_name=name, roles=["expert"], by=SYSTEM)
        world.actors[username] = actor_for(user=user)
        drawable[name] = expert_make(
            world,  # type: ignore[arg-type]  # duck-typed: only world["staff"] is read
            name=name,
            id_card=id_card_make(birth=dt.date(1966 + n, 3, 1)),
            phone=f"1398700{n:04d}",
            username=username,
        )
    avoided = {
        BIDDER_EMPLOYEE: expert_make(
            world,  # type: ignore[arg-type]
            name=BIDDER_EMPLOYEE,
            id_card=id_card_make(),
            employer_name="云南某建设工程有限公司",
            employer_uscc=world.uscc["bidder1"],
        ),
        TENDERER_EMPLOYEE: expert_make(
            world,  # type: ignore[arg-type]
            name=TENDERER_EMPLOYEE,
            id_card=id_card_make(),
            employer_name="昆明某城市建设投资有限公司",
            employer_uscc=world.uscc["tenderer"],
        ),
    }
    return drawable, avoided


def _token_client(world: World, username: str) -> Client:
    _, token = api_token_create(name="e2e", lifetime_days=1, second_factor_passed=True, by=world[username])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _inside(pattern: str, html: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match[1]


def _relay() -> None:
    report = relay_run_once()
    assert report.ok, report


def test_a_section_from_the_real_draw_to_the_contract_on_the_public_and_supervision_platforms(
    world: World, tmp_path: Path
) -> None:
    opened = Opened(world, tmp_path)
    code, bid = opened.section.code, opened.bid
    staff, public = world["staff"], Client()
    drawable, avoided = _pool(world)
    names = {str(e.uuid): e.name for e in (*drawable.values(), *avoided.values())}

    # --- the draw: committed after the bid deadline, so the bidders are avoided too -------------
    draw = section_draw_commit(
        section_code=code,
        evaluation_on=clock_now().astimezone(CHINA_TZ).date(),
        groups=[DrawGroup(specialties=("A0802",), count=5, reserves=2)],
        by=staff,
    )
    _relay()
    before_draw = _page(public, f"/sections/{code}/")
    commitment = _inside(r'data-testid="expert-draw-commitment">([0-9a-f]{64})<', before_draw)
    assert commitment == draw.commitment
    assert not [n for n in names.values() if n in before_draw]

    clock_advance(dt.timedelta(minutes=5))
    draw = section_draw_perform(section_code=code, contribution=CONTRIBUTION, by=staff)
    assert draw.record is not None
    (group,) = draw.record["result"]
    picks, reserves = list(group["picks"]), list(group["reserves"])
    assert (len(picks), len(reserves)) == (5, 2)
    assert not {str(e.uuid) for e in avoided.values()} & {*picks, *reserves}

    # The first drawn expert declines: the first reserve is called; everyone called accepts.
    decliner = Expert.objects.get(uuid=picks[0])
    declined = ExpertAssignment.objects.get(section_code=code, expert=decliner)
    called = assignment_answer(assignment=declined, accept=False, by=world[decliner.username])
    assert called is not None
    assert str(called.expert.uuid) == reserves[0]
    for assignment in ExpertAssignment.objects.filter(section_code=code, status="notified").select_related("expert"):
        assignment_answer(assignment=assignment, accept=True, by=world[assignment.expert.username])
    seated = [*picks[1:], reserves[0]]
    assert sorted(
        str(u)
        for u in ExpertAssignment.objects.filter(section_code=code, status="accepted").values_list(
            "expert__uuid", flat=True
        )
    ) == sorted(seated)
    committee = {names[uuid] for uuid in seated}
    members = [world[Expert.objects.get(uuid=uuid).username] for uuid in seated]

    # --- the room: the staff open it; the members elect a leader, mark, score and sign ----------
    evaluation = services.evaluation_create(section=opened.section, method=GP_METHOD, by=staff)
    assert {m.name for m in evaluation.members.all()} == committee
    leader = seated[0]
    for actor in members[:3]:
        services.leader_vote(evaluation=evaluation, expert_id=leader, by=actor)
    for actor in members:
        for letter, bid_id in bid.items():
            rejected = letter == "C"
            services.compliance_mark(
                evaluation=evaluation,
                bid_id=bid_id,
                compliant=not rejected,
                reason="not_responsive" if rejected else "",
                by=actor,
            )
    scores = {bid_id: row for bid_id, row in gp_scores(bid).items() if bid_id != bid["C"]}
    for actor in members:
        services.sheet_submit(evaluation=evaluation, scores=scores, by=actor)
    for actor in members:
        services.report_sign(evaluation=evaluation, agrees=True, by=actor)
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert evaluation.status == Evaluation.Status.COMPLETE
    _relay()

    # --- secrecy until the candidates are published -----------------------------------------------
    unpublished = public.get(f"{PUBLIC_API}/{code}/candidates")
    assert (unpublished.status_code, unpublished.json()["code"]) == (404, "candidates_not_published")
    assert public.get(f"/sections/{code}/expert-draw.json").status_code == 404
    section_page = _page(public, f"/sections/{code}/")
    assert not [n for n in names.values() if n in section_page]
    assert 'data-testid="candidates"' not in section_page
    bidder = client_for("bidder1")
    assert bidder.get(f"/trading/sections/{code}/outcome/").status_code in (403, 404)
    refused = bidder.get(f"{API}/{code}/outcome")
    assert (refused.status_code, refused.json()["code"]) == (404, "outcome_not_found")

    # --- the agency through the API: publicity, award, written report, contract -------------------
    base = f"{API}/{code}/outcome"
    published = _post(_token_client(world, "agency"), f"{base}/publicity", {})
    assert published.status_code == 201, published.content
    assert published.json()["section_status"] == "candidates"
    _relay()
    # The bidder still has no business on the trading side's outcome page.
    assert bidder.get(f"/trading/sections/{code}/outcome/").status_code in (403, 404)

    clock_advance(dt.timedelta(days=4))  # past the 3 days' publicity
    agency = _token_client(world, "agency")
    awarded = _post(agency, f"{base}/award", {"bid_id": bid["A"]})
    assert awarded.status_code == 201, awarded.content
    assert awarded.json()["award"]["rank"] == 1
    reported = _post(agency, f"{base}/written-report", {"text": REPORT})
    assert reported.status_code == 201, reported.content
    signed_on = clock_now().astimezone(CHINA_TZ).date()
    contract = {
        "number": "HT-2026-0324",
        "signed_on": signed_on.isoformat(),
        "amount": "1000000.00",
        "subject": "第一标段施工",
        "quality": "合格",
        "term": "540日历天",
    }
    registered = _post(agency, f"{base}/contract", contract)
    assert registered.status_code == 201, registered.content
    assert registered.json()["section_status"] == "contracted"
    _relay()

    # --- the public platform: candidates, committee, draw record ----------------------------------
    winner, winner_uscc = "云南某建设工程有限公司", world.uscc["bidder1"]
    found = public.get(f"{PUBLIC_API}/{code}/candidates")
    assert found.status_code == 200
    body = found.json()
    assert [(c["rank"], c["bidder"], c["price_fen"], c["score"]) for c in body["candidates"]] == [
        (1, winner, wan(100), "87.00"),
        (2, "昆明某路桥工程有限公司", wan(95), "84.50"),
        (3, "云南某市政工程有限公司", wan(120), "82.75"),
    ]
    assert [r["bidder"] for r in body["rejected"]] == ["云南某水利水电工程有限公司"]
    assert {m["name"] for m in body["committee"]} == committee
    assert [m["name"] for m in body["committee"] if m["leader"]] == [names[leader]]
    assert decliner.name not in {m["name"] for m in body["committee"]}
    assert not {BIDDER_EMPLOYEE, TENDERER_EMPLOYEE} & {m["name"] for m in body["committee"]}

    html = _page(public, f"/sections/{code}/")
    rows = [_text(r) for r in re.findall(r'<tr data-testid="candidate-\d">(.*?)</tr>', html, re.S)]
    assert rows == [
        f"1 {winner} {winner_uscc} 1,000,000.00 87.00",
        f"2 昆明某路桥工程有限公司 {world.uscc['bidder2']} 950,000.00 84.50",
        f"3 云南某市政工程有限公司 {world.uscc['bidder4']} 1,200,000.00 82.75",
    ]
    shown = _text(_inside(r'data-testid="committee">(.*?)</p>', html)).split("、")
    assert {n.removesuffix("（组长）") for n in shown} == committee
    assert f"{names[leader]}（组长）" in shown
    for outsider in (decliner.name, BIDDER_EMPLOYEE, TENDERER_EMPLOYEE):
        assert outsider not in _inside(r'data-testid="committee">(.*?)</p>', html)
    assert 'data-testid="draw-record-matches"' in html
    # The whole trade in the order it happened, each step linking to where the page shows it.
    timeline = re.findall(
        r'<li data-kind="([a-z.]+)"><time>([0-9: -]+)</time>', _inside(r'data-testid="timeline">(.*?)</ol>', html)
    )
    assert [kind for kind, _ in timeline] == [
        "notice.tender", "freeze", "opening", "draw", "publicity", "award", "contract"
    ]  # fmt: skip
    assert [at for _, at in timeline] == sorted(at for _, at in timeline)
    project_url = _inside(r'<a href="([^"]+)" data-testid="section-project">', html)
    project_page = _page(public, project_url)
    assert f'href="/sections/{code}/"' in project_page
    # The commitment the public page showed before the draw is still the one it shows.
    assert _inside(r'data-testid="expert-draw-commitment">([0-9a-f]{64})<', html) == commitment

    download = public.get(f"/sections/{code}/expert-draw.json")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="expert-draw-{code}.json"'
    record = json.loads(download.content)
    assert record == body["draw_record"]
    assert record_verify(record, commitment=commitment) == []
    assert [(r["picks"], r["reserves"]) for r in record["result"]] == [(picks, reserves)]
    assert record["contributions"][0]["value"] == CONTRIBUTION
    excluded = {x["id"]: x["reasons"] for x in record["pool"]["excluded"]}
    assert "employer_bidder" in excluded[str(avoided[BIDDER_EMPLOYEE].uuid)]
    assert "employer_tenderer" in excluded[str(avoided[TENDERER_EMPLOYEE].uuid)]
    # Anyone re-runs it with the command, against the commitment published before the draw.
    path = tmp_path / f"expert-draw-{code}.json"
    path.write_bytes(download.content)
    command = [sys.executable, "-m", "zhengwu.cli", "experts", "verify-draw", path.name, "--commitment", commitment]
    ran = subprocess.run(command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.startswith(f"OK 专家抽取 {code}")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**record, "result": [{**group, "picks": reserves[:1] + picks[1:]}]}))
    failed = subprocess.run(
        [*command[:5], tampered.name, "--commitment", commitment],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1
    assert failed.stdout.startswith("FAILED")

    # --- the public platform: the award with its savings, and the contract ------------------------
    award = public.get(f"{PUBLIC_API}/{code}/award").json()
    assert (award["bidder"], award["uscc"], award["rank"]) == (winner, winner_uscc, 1)
    assert (award["price_fen"], award["budget_fen"], award["savings_fen"]) == (
        wan(100),
        ESTIMATE_FEN,
        ESTIMATE_FEN - wan(100),
    )
    assert award["passed_over"] == []
    shown_award = _text(_inside(r'data-testid="award">(.*?)</table>', html))
    assert f"中标人 {winner} {winner_uscc}" in shown_award
    assert "中标金额（元） 1,000,000.00" in shown_award
    assert "预算金额（元） 52,300,000.00" in shown_award
    assert "节约资金（元） 51,300,000.00（占预算 98.09%）" in shown_award
    registered_public = public.get(f"{PUBLIC_API}/{code}/contract").json()
    assert (
        registered_public["contract_number"],
        registered_public["supplier"],
        registered_public["amount_fen"],
        registered_public["signed_on"],
        registered_public["late"],
    ) == ("HT-2026-0324", winner, wan(100), signed_on.isoformat(), False)
    shown_contract = _text(_inside(r'data-testid="contract">(.*?)</table>', html))
    assert "合同编号 HT-2026-0324" in shown_contract
    assert "合同价款（元） 1,000,000.00" in shown_contract
    assert "逾期备案" not in html
    # The written report is the supervising department's, not the public's.
    assert "评标委员会依法组建" not in html

    # --- the supervision platform: the award, the report in time, the contract --------------------
    regulator = client_for("regulator")

    def row() -> str:
        listing = _page(regulator, "/supervision/awards/")
        return _inside(rf'<tr data-section="{code}">(.*?)</tr>', listing)

    listed = row()
    assert winner in listed
    assert "1,000,000.00" in listed
    assert "51,300,000.00" in listed
    today = clock_now().astimezone(CHINA_TZ).date().isoformat()
    assert f'data-testid="report">已提交 {today}<' in listed
    assert f'data-testid="contract">已备案 {today}<' in listed
    assert "report-overdue" not in listed
    assert "contract-overdue" not in listed
    assert "逾期" not in _text(listed)
    detail = _page(regulator, f"/supervision/awards/{code}/")
    assert "评标委员会依法组建" in _text(_inside(r'data-testid="report-text">(.*?)</div>', detail))
    assert _text(_inside(r'data-testid="award-winner">(.*?)</td>', detail)) == f"{winner} {winner_uscc}"
    # Once its 15 days are over, the report submitted in time is still not overdue.
    clock_advance(dt.timedelta(days=20))
    listed = row()
    assert f'data-testid="report">已提交 {today}<' in listed
    assert "逾期" not in _text(listed)
