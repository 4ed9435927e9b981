"""The mapping of each event to its OCDS release (pure functions): exact fields, and each one valid."""

from __future__ import annotations

import json
from typing import Any

import pytest

from zhengwu.contexts.disclosure.ocds.check import release_errors
from zhengwu.contexts.disclosure.ocds.releases import (
    OpenedBid,
    amount,
    draw_release,
    freeze_release,
    notice_releases,
    opening_release,
    parties_completed,
)
from zhengwu.contexts.disclosure.ocds.results import (
    award_release,
    candidates_release,
    contract_release,
    failure_release,
)
from zhengwu.contexts.disclosure.tests import ocds_events as ev

SECTION_URL = f"https://ggzy.example.cn/sections/{ev.SECTION}/"
BASE = {"ocid": ev.OCID, "initiationType": "tender", "language": "zh"}


def _party(name: str, uscc: str, roles: list[str]) -> dict[str, Any]:
    return {
        "id": f"CN-USCC-{uscc}",
        "name": name,
        "identifier": {"scheme": "CN-SAIC", "id": uscc, "legalName": name},
        "roles": roles,
    }


def _ref(name: str, uscc: str) -> dict[str, str]:
    return {"id": f"CN-USCC-{uscc}", "name": name}


def _page(doc_id: str, title: str, date: str, description: str, kind: str = "") -> dict[str, Any]:
    document: dict[str, Any] = {"id": doc_id}
    if kind:
        document["documentType"] = kind
    document.update({"title": title, "description": description, "url": SECTION_URL})
    document.update({"datePublished": date, "format": "text/html", "language": "zh"})
    return document


def _opened() -> list[OpenedBid]:
    return [OpenedBid(uscc=u, name=n, outcome=o, price_fen=p) for n, u, p, o in ev.BIDDERS]


def test_a_tender_notice_is_a_tender_release_with_buyer_agency_method_and_periods() -> None:
    (release,) = notice_releases(ev.notice(), site=ev.SITE)

    assert release == {
        **BASE,
        "id": f"notice-{ev.NOTICE_ID}",
        "date": "2026-08-03T09:00:00+08:00",
        "tag": ["tender"],
        "parties": [
            _party(ev.TENDERER, ev.TENDERER_USCC, ["buyer"]),
            _party(ev.AGENCY, ev.AGENCY_USCC, ["procuringEntity"]),
        ],
        "buyer": _ref(ev.TENDERER, ev.TENDERER_USCC),
        "planning": {
            "budget": {
                "id": ev.PROJECT,
                "description": "项目预算",
                "amount": {"amount": 41_200_000, "currency": "CNY"},
                "project": "滇池路提升改造工程",
                "projectID": ev.PROJECT,
            }
        },
        "tender": {
            "id": ev.SECTION,
            "title": "滇池路提升改造工程",
            "status": "active",
            "procuringEntity": _ref(ev.AGENCY, ev.AGENCY_USCC),
            "procurementMethod": "open",
            "procurementMethodDetails": "工程建设项目公开招标",
            "mainProcurementCategory": "works",
            "submissionMethod": ["electronicSubmission"],
            "tenderPeriod": {"startDate": "2026-08-03T09:00:00+08:00", "endDate": "2026-08-25T09:30:00+08:00"},
            "bidOpening": {
                "date": "2026-08-25T09:30:00+08:00",
                "description": "网上开标：投标文件在交易平台在线解密、唱标，开标记录经签名后公开",
            },
            "documents": [
                {
                    "id": f"notice-{ev.NOTICE_ID}",
                    "documentType": "tenderNotice",
                    "title": "滇池路提升改造工程招标公告",
                    "description": "正文",
                    "url": f"https://ggzy.example.cn/notices/{ev.NOTICE_ID}/",
                    "datePublished": "2026-08-03T09:00:00+08:00",
                    "format": "text/html",
                    "language": "zh",
                },
                {"id": "file-" + "ab" * 8, "title": "招标文件.pdf", "description": f"SHA-256 {'ab' * 32}，1024 字节"},
            ],
        },
    }
    assert release_errors(release) == []


def test_a_tenderer_without_agency_is_buyer_and_procuring_entity_and_no_uscc_still_gives_stable_ids() -> None:
    (release,) = notice_releases(ev.notice(agency_name="", agency_uscc="", tenderer_uscc=""), site=ev.SITE)
    (tenderer,) = release["parties"]
    assert tenderer["roles"] == ["buyer", "procuringEntity"]
    assert "identifier" not in tenderer
    assert tenderer["id"].startswith("name-")
    assert release["tender"]["procuringEntity"] == release["buyer"] == {"id": tenderer["id"], "name": ev.TENDERER}
    (again,) = notice_releases(ev.notice(agency_name="", agency_uscc="", tenderer_uscc=""), site=ev.SITE)
    assert again["parties"][0]["id"] == tenderer["id"]


def test_a_notice_of_two_sections_is_one_release_per_section_and_land_gets_none() -> None:
    releases = notice_releases(ev.notice(section_codes=["S2", "S1"], budget_fen=None), site=ev.SITE)
    assert [(r["ocid"], r["id"]) for r in releases] == [
        ("ocds-213czf-S1", f"notice-{ev.NOTICE_ID}"),
        ("ocds-213czf-S2", f"notice-{ev.NOTICE_ID}"),
    ]
    assert all("planning" not in r for r in releases)
    assert notice_releases(ev.notice(trade_type="land", procedure="land.listing"), site=ev.SITE) == []
    assert notice_releases(ev.notice(trade_type="property", procedure="property.listing"), site=ev.SITE) == []


@pytest.mark.parametrize(
    ("procedure", "method", "details"),
    [
        ("construction.invited", "selective", "工程建设项目邀请招标"),
        ("construction.open_prequalification", "selective", "工程建设项目公开招标（资格预审）"),
        ("procurement.open", "open", "政府采购公开招标"),
        ("procurement.competitive_consultation", "limited", "政府采购竞争性磋商"),
        ("procurement.inquiry", "limited", "政府采购询价"),
        ("procurement.single_source", "direct", "政府采购单一来源"),
    ],
)
def test_procedures_map_to_methods(procedure: str, method: str, details: str) -> None:
    trade_type = procedure.split(".")[0]
    (release,) = notice_releases(ev.notice(procedure=procedure, trade_type=trade_type), site=ev.SITE)
    tender = release["tender"]
    assert (tender["procurementMethod"], tender["procurementMethodDetails"]) == (method, details)
    # Goods or services cannot be told apart: only works get a main category.
    assert ("mainProcurementCategory" in tender) is (trade_type == "construction")


def test_an_amendment_is_a_tender_amendment_that_moves_the_deadline() -> None:
    amendment = ev.notice(
        notice_id="01950000-0000-7000-8000-0000000000a1",
        kind="amendment",
        title="澄清与修改公告",
        body="投标截止时间顺延",
        published_at="2026-08-10T10:00:00+08:00",
        bid_deadline="2026-08-28T09:30:00+08:00",
        opening_at="2026-08-28T09:30:00+08:00",
        references_notice_id=ev.NOTICE_ID,
        attachments=[],
    )
    (release,) = notice_releases(amendment, site=ev.SITE)
    release_id = "notice-01950000-0000-7000-8000-0000000000a1"
    assert (release["id"], release["tag"]) == (release_id, ["tenderAmendment"])
    assert "parties" not in release
    assert release["tender"]["amendments"] == [
        {
            "id": "01950000-0000-7000-8000-0000000000a1",
            "date": "2026-08-10T10:00:00+08:00",
            "rationale": "澄清与修改公告",
            "description": "投标截止时间顺延",
            "amendsReleaseID": f"notice-{ev.NOTICE_ID}",
            "releaseID": release_id,
        }
    ]
    assert release["tender"]["tenderPeriod"] == {"endDate": "2026-08-28T09:30:00+08:00"}
    assert release["tender"]["bidOpening"]["date"] == "2026-08-28T09:30:00+08:00"
    assert release["tender"]["documents"][0]["documentType"] == "clarifications"
    assert release_errors(release) == []


def test_a_termination_cancels_the_tender() -> None:
    (release,) = notice_releases(
        ev.notice(kind="termination", bid_deadline=None, opening_at=None, attachments=[]), site=ev.SITE
    )
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"
    assert release["tender"]["documents"][0]["documentType"] == "cancellationDetails"
    assert "tenderPeriod" not in release["tender"]
    assert release_errors(release) == []


def test_the_freeze_is_a_tender_update_with_the_count_and_the_root() -> None:
    release = freeze_release(ev.freeze(), site=ev.SITE)
    key_id = ev.freeze().key_id
    assert release == {
        **BASE,
        "id": "freeze",
        "date": "2026-08-25T09:30:00+08:00",
        "tag": ["tenderUpdate"],
        "tender": {
            "id": ev.SECTION,
            "tenderPeriod": {"endDate": "2026-08-25T09:30:00+08:00"},
            "documents": [
                _page(
                    "bid-freeze",
                    "投标文件封存记录",
                    "2026-08-25T09:30:00+08:00",
                    f"投标截止时共 4 份投标文件，封存为默克尔根 {'7b' * 32}（交易平台签名，公钥标识 {key_id}）",
                )
            ],
        },
        "bids": {"statistics": [{"id": "bids", "measure": "bids", "value": 4, "date": "2026-08-25T09:30:00+08:00"}]},
    }
    assert release_errors(release) == []


def test_the_opening_lists_every_bid_with_a_stable_id_status_and_price() -> None:
    event = ev.opening()
    release = opening_release(section_code=ev.SECTION, body=event.record, site=ev.SITE)
    date = "2026-08-25T09:56:00+08:00"
    assert (release["id"], release["date"], release["tag"]) == ("opening-1", date, ["tenderUpdate"])
    assert release["bids"]["details"] == [
        {
            "id": f"bid-{uscc}",
            "status": {"opened": "pending", "withdrawn": "withdrawn"}[outcome],
            "tenderers": [_ref(name, uscc)],
            **({"value": {"amount": amount(price), "currency": "CNY"}} if price is not None else {}),
        }
        for name, uscc, price, outcome in ev.BIDDERS
    ]
    assert release["bids"]["details"][1]["value"] == {"amount": 35_783_600.12, "currency": "CNY"}
    assert release["bids"]["statistics"] == [
        {"id": "bids", "measure": "bids", "value": 4, "date": date},
        {"id": "bidders", "measure": "bidders", "value": 4, "date": date},
        {"id": "electronicBids", "measure": "electronicBids", "value": 4, "date": date},
    ]
    assert release["tender"]["numberOfTenderers"] == 4
    assert release["tender"]["tenderers"] == [_ref(name, uscc) for name, uscc, _, _ in ev.BIDDERS]
    assert release["parties"] == [_party(name, uscc, ["tenderer"]) for name, uscc, _, _ in ev.BIDDERS]
    (document,) = release["tender"]["documents"]
    assert (document["id"], document["documentType"], document["title"]) == ("opening-record-1", "bidders", "开标记录")
    assert release_errors(release) == []


def test_a_bid_revoked_at_the_opening_is_disqualified_and_a_second_opening_keeps_the_counts() -> None:
    record = json.loads(ev.opening().record)
    record["bids"][0]["outcome"] = "revoked"
    release = opening_release(section_code=ev.SECTION, body=json.dumps(record), site=ev.SITE)
    assert release["bids"]["details"][0]["status"] == "disqualified"
    record["round"] = 2
    second = opening_release(section_code=ev.SECTION, body=json.dumps(record), site=ev.SITE)
    assert second["id"] == "opening-2"
    assert "statistics" not in second["bids"]
    assert "numberOfTenderers" not in second["tender"]


def test_the_draw_commitment_is_a_document_of_the_tender() -> None:
    release = draw_release(ev.draw(), site=ev.SITE)
    assert (release["id"], release["tag"]) == ("expert-draw-commitment", ["tenderUpdate"])
    assert "83" * 32 in release["tender"]["documents"][0]["description"]
    assert release_errors(release) == []


def test_the_candidates_make_bids_valid_or_disqualified_and_propose_pending_awards() -> None:
    release = candidates_release(ev.candidates(), site=ev.SITE, opened=_opened())
    date = "2026-08-26T09:00:00+08:00"
    assert (release["id"], release["date"], release["tag"]) == ("candidates", date, ["tenderUpdate", "award"])
    statuses = {d["id"]: d["status"] for d in release["bids"]["details"]}
    # The withdrawn bid is not touched: its status stays the opening's.
    assert statuses == {
        f"bid-{ev.FIRST_USCC}": "valid",
        f"bid-{ev.WINNER_USCC}": "valid",
        f"bid-{ev.BIDDERS[2][1]}": "disqualified",
    }
    assert release["bids"]["statistics"] == [
        {"id": "validBids", "measure": "validBids", "value": 2, "date": date},
        {"id": "disqualifiedBidders", "measure": "disqualifiedBidders", "value": 1, "date": date},
        {
            "id": "lowestValidBidValue",
            "measure": "lowestValidBidValue",
            "value": 35_783_600.12,
            "currency": "CNY",
            "date": date,
        },
    ]
    assert release["awards"] == [
        {
            "id": f"award-{ev.FIRST_USCC}",
            "title": "第1名中标候选人",
            "description": "中标候选人公示（2026-08-26 09:00 至 2026-08-29 23:59），评标得分 91.63",
            "status": "pending",
            "suppliers": [_ref(ev.FIRST, ev.FIRST_USCC)],
            "relatedBid": f"bid-{ev.FIRST_USCC}",
            "value": {"amount": 36_125_800, "currency": "CNY"},
        },
        {
            "id": f"award-{ev.WINNER_USCC}",
            "title": "第2名中标候选人",
            "description": "中标候选人公示（2026-08-26 09:00 至 2026-08-29 23:59）",
            "status": "pending",
            "suppliers": [_ref(ev.WINNER, ev.WINNER_USCC)],
            "relatedBid": f"bid-{ev.WINNER_USCC}",
            "value": {"amount": 35_783_600.12, "currency": "CNY"},
        },
    ]
    assert (release["tender"]["awardCriteria"], release["tender"]["awardCriteriaDetails"]) == (
        "ratedCriteria",
        "综合评估法",
    )
    assert "评标委员会：陈秀英（组长）、何桂兰" in release["tender"]["documents"][0]["description"]
    # Candidates are tenderers; only the award makes a supplier.
    assert {p["id"]: p["roles"] for p in release["parties"]} == {
        f"CN-USCC-{uscc}": ["tenderer"] for _, uscc, _, _ in ev.BIDDERS[:3]
    }
    assert release_errors(release) == []


def test_the_award_activates_the_winner_and_completes_the_tender() -> None:
    release = award_release(ev.award(), site=ev.SITE, candidates=ev.candidates().candidates)
    assert (release["id"], release["date"], release["tag"]) == ("award", "2026-08-31T10:00:00+08:00", ["award"])
    winner, other = release["awards"]
    assert {k: winner[k] for k in ("id", "status", "date", "value", "suppliers", "relatedBid")} == {
        "id": f"award-{ev.WINNER_USCC}",
        "status": "active",
        "date": "2026-08-31T10:00:00+08:00",
        "value": {"amount": 35_783_600.12, "currency": "CNY"},
        "suppliers": [_ref(ev.WINNER, ev.WINNER_USCC)],
        "relatedBid": f"bid-{ev.WINNER_USCC}",
    }
    assert winner["documents"][0]["documentType"] == "awardNotice"
    assert other == {
        "id": f"award-{ev.FIRST_USCC}",
        "status": "unsuccessful",
        "description": "排名在前但未被确定为中标人：放弃中标",
    }
    assert release["tender"] == {
        "id": ev.SECTION,
        "status": "complete",
        "value": {"amount": 38_600_000, "currency": "CNY"},
    }
    assert release["parties"] == [_party(ev.WINNER, ev.WINNER_USCC, ["tenderer", "supplier"])]
    assert release_errors(release) == []


def test_the_contract_release() -> None:
    release = contract_release(ev.contract(), site=ev.SITE)
    date = "2026-09-14T15:00:00+08:00"
    assert release == {
        **BASE,
        "id": "contract",
        "date": date,
        "tag": ["contract"],
        "parties": [_party(ev.WINNER, ev.WINNER_USCC, ["supplier"])],
        "contracts": [
            {
                "id": "HT-0007",
                "awardID": f"award-{ev.WINNER_USCC}",
                "title": "滇池路提升改造工程施工",
                "description": "质量要求：合格；履行期限：360日历天",
                "status": "active",
                "value": {"amount": 35_783_600.12, "currency": "CNY"},
                "dateSigned": "2026-09-14T00:00:00+08:00",
                "documents": [
                    {
                        "id": "contract-notice",
                        "documentType": "contractNotice",
                        "title": "合同公开（合同编号 HT-0007）",
                        "url": SECTION_URL,
                        "datePublished": date,
                        "format": "text/html",
                        "language": "zh",
                    }
                ],
            }
        ],
    }
    assert release_errors(release) == []


def test_a_failed_section_is_unsuccessful_with_the_reason() -> None:
    release = failure_release(ev.failed(), site=ev.SITE, reason_label="投标人少于3个")
    assert release == {
        **BASE,
        "id": "failure",
        "date": "2026-08-25T09:31:00+08:00",
        "tag": ["tenderUpdate"],
        "tender": {
            "id": ev.SECTION,
            "status": "unsuccessful",
            "documents": [
                _page(
                    "failure-notice",
                    "流标公告",
                    "2026-08-25T09:31:00+08:00",
                    "投标人少于3个",
                    kind="cancellationDetails",
                )
            ],
        },
    }
    assert release_errors(release) == []


def test_amounts_are_yuan_numbers_whole_as_integers() -> None:
    assert (amount(100), amount(123_456), amount(5), amount(0)) == (1, 1234.56, 0.05, 0)
    assert isinstance(amount(4_120_000_000), int)


def test_parties_keep_the_roles_earlier_releases_gave_them() -> None:
    release = {"parties": [{"id": "A", "roles": ["supplier"]}, {"id": "B", "roles": ["tenderer"]}]}
    completed = parties_completed(release, {"A": ["tenderer"], "C": ["buyer"]})
    assert completed["parties"] == [{"id": "A", "roles": ["tenderer", "supplier"]}, {"id": "B", "roles": ["tenderer"]}]
    assert parties_completed({"tender": {}}, {"A": ["tenderer"]}) == {"tender": {}}


def test_a_broken_release_is_reported_invalid() -> None:
    release = contract_release(ev.contract(), site=ev.SITE)
    del release["initiationType"]
    release["date"] = "2026-09-14 15:00"
    release["contracts"][0]["value"] = {"amount": "35783600.12", "currency": "RMB"}
    release["contracts"][0]["status"] = "signed"
    errors = release_errors(release)
    assert any("'initiationType' is a required property" in e for e in errors)
    assert any(e.startswith("date: ") and "date-time" in e for e in errors)
    assert any(e.startswith("contracts/0/value/amount: ") for e in errors)
    assert any(e.startswith("contracts/0/value/currency: ") for e in errors)
    assert any(e.startswith("contracts/0/status: ") for e in errors)
