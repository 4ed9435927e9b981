"""The national datasets' records from the events the public platform receives: exact field values."""

from __future__ import annotations

import pytest

from zhengwu.contexts.disclosure.tests import upward_samples as s
from zhengwu.contexts.disclosure.upward.datasets import (
    NOT_RECORDED,
    DatasetRecord,
    SectionContext,
    Site,
    amendment_records,
    data_key_make,
    notice_records,
    stamp,
    yuan,
)
from zhengwu.contexts.disclosure.upward.results import (
    award_records,
    candidate_records,
    contract_records,
    opening_records,
)
from zhengwu.contexts.disclosure.upward.standard import dataset_get, datasets, record_problems

SITE = Site(url="https://ggzy.km.example.cn", media="昆明市公共资源交易网", trade_system_no="E53010000001")
REGIONS = {s.BIDDERS[0][1]: "530102", s.BIDDERS[1][1]: "530000", s.BIDDERS[2][1]: "530111", s.TENDERER[1]: "530102"}


def _by(records: list[DatasetRecord]) -> dict[tuple[int, str], DatasetRecord]:
    return {(r.data_no, r.identity): r for r in records}


def _context(*, openings: int = 1) -> SectionContext:
    records = _by(notice_records(s.tender_notice(), site=SITE, regions=REGIONS))
    return SectionContext(
        section=records[502, s.SECTION],
        openings=tuple(s.opening_record(round_no=n) for n in range(1, openings + 1)),
        regions=REGIONS,
        bid_deadline="2026-08-25T01:30:00+00:00",
    )


def _valid(records: list[DatasetRecord]) -> None:
    for record in records:
        assert record_problems(dataset_get(record.data_no), record.fields, with_envelope=False) == [], record.data_no


def test_the_field_lists_are_read_with_their_original_spellings_and_rules() -> None:
    assert len(datasets()) == 26
    section = dataset_get(502)
    assert (section.data_en, section.data_cn, section.construction) == ("SECTION", "标段(包)", True)
    assert [f.name for f in section.fields][:4] == [
        "TENDER_PROJECT_CODE",
        "BID_SECTION_CODE",
        "BID_SECTION_NAME",
        "BID_ECTION_NUM",
    ]
    code = section.field("TENDER_PROJECT_CODE")
    assert code is not None
    assert (code.mandatory, code.length, code.parent_tender_project) == (True, 20, True)
    created = section.field("CREATE_TIME")
    assert created is not None
    assert (created.label, created.date_format) == ("标段(包)建立时间", "yyyyMMddHHmmss")
    assert dataset_get(510).field("PRICE_UINT") is not None
    assert dataset_get(553).construction is False


def test_values_are_written_as_the_standard_wants_them() -> None:
    assert stamp("2026-08-25T01:30:00+00:00") == "20260825093000"
    assert stamp("2026-09-10") == "20260910000000"
    assert stamp("2026-08-25T09:30:00") == ""  # no time zone: not guessed
    assert (yuan(3_578_360_000), yuan(5), yuan(None), yuan(True)) == ("35783600.00", "0.05", "", "")


def test_the_data_key_is_22_characters_and_the_same_for_the_same_record() -> None:
    key = data_key_make(system_no="0001", data_no=501, identity=s.TENDER_PROJECT)
    assert key == data_key_make(system_no="0001", data_no=501, identity=s.TENDER_PROJECT)
    assert (len(key), key[:7]) == (22, "0001501")
    assert key[7:].isalnum()
    assert key[7:].upper() == key[7:]
    assert data_key_make(system_no="0001", data_no=502, identity=s.TENDER_PROJECT) != key
    long_number = data_key_make(system_no="0042", data_no=1104, identity="x")
    assert (len(long_number), long_number[:8]) == (22, "00421104")
    with pytest.raises(ValueError, match="4 digits"):
        data_key_make(system_no="1", data_no=501, identity="x")


def test_a_tender_notice_gives_the_tender_project_the_section_and_the_notice() -> None:
    records = notice_records(s.tender_notice(), site=SITE, regions=REGIONS)
    assert [(r.data_no, r.identity, r.stream) for r in records] == [
        (501, s.TENDER_PROJECT, s.TENDER_PROJECT),
        (502, s.SECTION, s.TENDER_PROJECT),
        (503, f"{s.NOTICE_ID}/{s.SECTION}", s.TENDER_PROJECT),
    ]
    _valid(records)
    project, section, notice = (r.fields for r in records)
    assert {k: project[k] for k in ("PROJECT_CODE", "TENDER_PROJECT_CODE", "TENDERER_CODE", "TENDER_AGENCY_CODE")} == {
        "PROJECT_CODE": s.PROJECT,
        "TENDER_PROJECT_CODE": s.TENDER_PROJECT,
        "TENDERER_CODE": s.TENDERER[1],
        "TENDER_AGENCY_CODE": s.AGENCY[1],
    }
    assert (project["TENDER_MODE"], project["TENDER_ORGANIZE_FORM"], project["TENDER_PROJECT_TYPE"]) == (
        "1",
        "2",
        "A02",
    )
    assert (project["CREATE_TIME"], project["TENDERER_REGION_CODE"], project["SUPERVISE_DEPT_NAME"]) == (
        "20260727100000",
        "530102",
        NOT_RECORDED,
    )
    assert (project["TRADE_SYSTEM_NO"], project["TRADE_SYSTEM_FEE"]) == ("E53010000001", "0")
    assert section == {
        "TENDER_PROJECT_CODE": s.TENDER_PROJECT,
        "BID_SECTION_CODE": s.SECTION,
        "BID_SECTION_NAME": "第一标段",
        "BID_ECTION_NUM": "1",
        "UNIFIED_DEAL_CODE": s.DEAL,
        "BID_TENDER_MODE": "1",
        "REGION_CODE": "530114",
        "TRA_PLACE_CODE": "530100",
        "BID_SECTION_CONTENT": "第一标段",
        "TENDER_PROJECT_CLASSIFY_CODE": "A020000",
        "CONTRACT_RECKON_PRICE": "38000000.00",
        "CURRENCY_CODE": "CNY",
        "PRICE_UNIT": "1",
        "BID_QUALIFICATION": "详见招标公告",
        "CREATE_TIME": "20260727100500",
    }
    assert {
        k: notice[k]
        for k in (
            "NOTICE_BID_NUM",
            "UNIFIED_DEAL_CODES",
            "NOTICE_SEND_TIME",
            "DOC_GET_START_TIME",
            "DOC_GET_END_TIME",
            "BID_DOC_REFER_END_TIME",
            "BID_OPEN_TIME",
            "IS_POSTPONE",
            "URL",
            "NOTICE_MEDIA",
            "TENDERER_PHONE_NUMBER",
        )
    } == {
        "NOTICE_BID_NUM": "1",
        "UNIFIED_DEAL_CODES": s.DEAL,
        "NOTICE_SEND_TIME": "20260803090000",
        "DOC_GET_START_TIME": "20260803090000",
        "DOC_GET_END_TIME": "20260810170000",
        "BID_DOC_REFER_END_TIME": "20260825093000",
        "BID_OPEN_TIME": "20260825093000",
        "IS_POSTPONE": "0",
        "URL": f"https://ggzy.km.example.cn/notices/{s.NOTICE_ID}/",
        "NOTICE_MEDIA": "昆明市公共资源交易网",
        "TENDERER_PHONE_NUMBER": NOT_RECORDED,
    }
    # The facts the later datasets need travel with the section's record, not upward.
    assert (records[1].facts["deal_code"], records[1].facts["bid_security_fen"], records[1].facts["trade_type"]) == (
        s.DEAL,
        50_000_000,
        "construction",
    )


def test_a_notice_without_an_agency_is_a_self_run_tender_and_other_kinds_give_nothing() -> None:
    records = notice_records(s.tender_notice(agency_name="", agency_uscc=""), site=SITE)
    project = records[0].fields
    assert (project["TENDER_ORGANIZE_FORM"], project["TENDER_AGENCY_NAME"], project["TENDER_AGENCY_CODE"]) == (
        "1",
        NOT_RECORDED,
        NOT_RECORDED,
    )
    assert notice_records(s.tender_notice(kind="termination"), site=SITE) == []
    assert notice_records(s.tender_notice(trade_type="land", procedure="land.listing"), site=SITE) == []
    invitation = notice_records(s.tender_notice(kind="invitation", procedure="construction.invited"), site=SITE)
    assert [(r.data_no, r.fields.get("TENDER_MODE") or r.fields.get("BID_TENDER_MODE")) for r in invitation] == [
        (501, "2"),
        (502, "2"),
    ]


def test_an_amendment_that_moves_the_deadline_is_a_new_version_of_the_notice_record() -> None:
    originals = [r for r in notice_records(s.tender_notice(), site=SITE) if r.data_no == 503]
    (changed,) = amendment_records(s.amendment(), originals=originals)
    assert (changed.identity, changed.stream) == (originals[0].identity, originals[0].stream)
    difference = {k: (originals[0].fields.get(k), v) for k, v in changed.fields.items() if originals[0].fields[k] != v}
    assert difference == {
        "BID_DOC_REFER_END_TIME": ("20260825093000", "20260827093000"),
        "BID_OPEN_TIME": ("20260825093000", "20260827093000"),
        "IS_POSTPONE": ("0", "1"),
    }
    assert amendment_records(s.amendment(section_codes=["E5301112026000122001002"]), originals=originals) == []


def test_an_opening_record_gives_the_opening_record_and_the_list_of_bidders() -> None:
    records = opening_records(s.opening_record(), ctx=_context(), site=SITE)
    assert [(r.data_no, r.identity) for r in records] == [
        (506, f"{s.SECTION}/1"),
        *[(507, f"{s.SECTION}/{uscc}") for _, uscc, _, _ in s.BIDDERS],
    ]
    _valid(records)
    opening = records[0].fields
    assert (opening["NOTICE_NAME"], opening["BID_OPENING_TIME"], opening["OPEN_COMPERE"]) == (
        "呈贡区吴家营片区市政道路工程第一标段开标记录",
        "20260825093000",
        "agency",
    )
    readout = "投标报价{}元；工期{}日；质量合格；项目负责人项目经理{}——已解密"
    assert opening["BID_OPENING_CONTENT"].splitlines() == [
        "开标时间：2026-08-25 09:30",
        "投标文件：3份",
        "1. 昆明某路桥工程有限公司（91530100MA6B00011A）；" + readout.format("35783600.00", 300, 0),
        "2. 云南某建设集团有限公司（91530000MA6B00022B）；" + readout.format("36120000.00", 320, 1),
        "3. 某某市政工程有限公司（91530100MA6B00033C）；" + readout.format("36555000.00", 330, 2),
        "异议：某某市政工程有限公司：唱标价格有误（答复：已核对无误）",
    ]
    assert records[1].fields == {
        "TENDER_PROJECT_CODE": s.TENDER_PROJECT,
        "BID_SECTION_CODE": s.SECTION,
        "UNIFIED_DEAL_CODE": s.DEAL,
        "BIDDER_NAME": "昆明某路桥工程有限公司",
        "IS_LOST": "0",
        "BIDDER_CODE_TYPE": "1",
        "BIDDER_ORG_CODE": "91530100MA6B00011A",
        "BIDDER_ROLE": "03",
        "BID_MANAGER": "项目经理0",
        "PM_CODE": NOT_RECORDED,
        "PM_CERTIFICATES": NOT_RECORDED,
        "IS_COMMIT_MARGIN": "1",
        "MARGIN_PAY_FORM": "1",
        "PRICE_FORM_CODE": "1",
        "MARGIN_RECEIVE_TIME": "20260825093000",
        "BID_PRICE": "35783600.00",
        "PRICE_CURRENCY": "CNY",
        "PRICE_UNIT": "1",
        "TIME_LIMIT": "300",
        "CHECKIN_TIME": "20260825093000",
        "BIDDER_REGION_CODE": "530102",
        "BIDDER_PROPERTY": "9",
        "BIDDER_OPERATION_PERSON": NOT_RECORDED,
        "BIDDER_OPERATION_PERSON_CON": NOT_RECORDED,
    }


def test_a_section_whose_notice_never_arrived_gives_nothing() -> None:
    lost = SectionContext(section=None)
    assert opening_records(s.opening_record(), ctx=lost, site=SITE) == []
    assert candidate_records(s.candidates(), ctx=lost, site=SITE) == []
    assert award_records(s.award(), ctx=lost, site=SITE) == []
    assert contract_records(s.contract(), ctx=lost) == []


def test_the_candidates_give_each_candidate_and_the_publicity() -> None:
    records = candidate_records(s.candidates(), ctx=_context(), site=SITE)
    assert [(r.data_no, r.identity) for r in records] == [
        *[(510, f"{s.SECTION}/{uscc}") for _, uscc, _, _ in s.BIDDERS],
        (511, s.SECTION),
    ]
    _valid(records)
    first = records[0].fields
    assert {
        k: first[k] for k in ("WIN_CANDIDATE_ORDER", "EVALUATION_RESULT", "BID_PRICE", "PRICE_UINT", "QUALITY")
    } == {
        "WIN_CANDIDATE_ORDER": "1",
        "EVALUATION_RESULT": "92.50",
        "BID_PRICE": "35783600.00",
        "PRICE_UINT": "1",
        "QUALITY": "合格",
    }
    assert first["EVALUATION_STATUS"] == "综合评估法评审，排名第1"
    publicity = records[3].fields
    assert {
        k: publicity[k]
        for k in ("PUBLICITY_START_TIME", "PUBLICITY_END_TIME", "FIRST_BIDDER_CODE", "THIRD_BIDDER_NAME", "URL")
    } == {
        "PUBLICITY_START_TIME": "20260828090000",
        "PUBLICITY_END_TIME": "20260831175959",
        "FIRST_BIDDER_CODE": s.BIDDERS[0][1],
        "THIRD_BIDDER_NAME": s.BIDDERS[2][0],
        "URL": f"https://ggzy.km.example.cn/sections/{s.SECTION}/",
    }
    assert publicity["PUBLICITY_CONTENT"].splitlines()[-1] == "公示期：2026-08-28 09:00至2026-08-31 17:59"


def test_the_award_and_the_contract_give_the_result_notice_and_the_contract() -> None:
    (result,) = award_records(s.award(), ctx=_context(), site=SITE)
    (signed,) = contract_records(s.contract(), ctx=_context())
    _valid([result, signed])
    assert (result.data_no, result.identity) == (513, s.SECTION)
    assert {
        k: result.fields[k]
        for k in (
            "WIN_BIDDER_CODE",
            "BID_AMOUNT",
            "NOTICE_SEND_TIME",
            "PROJECT_LEAD",
            "PROJECT_LEAD_ID",
            "BULLETIN_TYPE",
        )
    } == {
        "WIN_BIDDER_CODE": s.BIDDERS[0][1],
        "BID_AMOUNT": "35783600.00",
        "NOTICE_SEND_TIME": "20260901100000",
        "PROJECT_LEAD": "项目经理0",
        "PROJECT_LEAD_ID": NOT_RECORDED,
        "BULLETIN_TYPE": "4",
    }
    assert signed.fields == {
        "TENDER_PROJECT_CODE": s.TENDER_PROJECT,
        "BID_SECTION_CODE": s.SECTION,
        "UNIFIED_DEAL_CODE": s.DEAL,
        "CONTRACT_NAME": "呈贡区吴家营片区市政道路工程第一标段合同",
        "TENDERER_NAME": s.TENDERER[0],
        "TENDER_CODE": s.TENDERER[1],
        "BIDDER_NAME": s.BIDDERS[0][0],
        "BIDDER_CODE": s.BIDDERS[0][1],
        "CONTRACT_PRICE": "35783600.00",
        "PRICE_CURRENCY": "CNY",
        "PRICE_UNIT": "1",
        "PRICE_FORM_CODE": "1",
        "CONTRACT_CONTENT": "吴家营片区市政道路工程第一标段施工",
        "LIMITE_TIME": "300",
        "QUALITY_REQUIRE": "合格",
        "SUBMIT_TIME": "20260911110000",
        "CONTRACT_SIGN_TIME": "20260910000000",
        "CONTRACT_CODE": "HT-2026-0815",
    }


def test_procurement_gives_the_purchase_project_the_opening_and_the_result() -> None:
    (package,) = notice_records(s.procurement_notice(), site=SITE)
    ctx = SectionContext(section=package, openings=(s.opening_record(),))
    (opening,) = opening_records(s.opening_record(), ctx=ctx, site=SITE)
    (result,) = award_records(s.award(section=s.PURCHASE_SECTION, project=s.PURCHASE_PROJECT), ctx=ctx, site=SITE)
    assert [(r.data_no, r.identity) for r in (package, opening, result)] == [
        (550, s.PURCHASE_SECTION),
        (556, f"{s.PURCHASE_SECTION}/1"),
        (553, s.PURCHASE_SECTION),
    ]
    _valid([package, opening, result])
    assert {
        k: package.fields[k] for k in ("PURCHASER_MODE", "PROGRAM_BUDGET", "PURCHASER_ROLE", "UNIFIED_DEAL_CODE")
    } == {
        "PURCHASER_MODE": "6",  # 竞争性磋商
        "PROGRAM_BUDGET": "1200000.00",
        "PURCHASER_ROLE": "04",
        "UNIFIED_DEAL_CODE": s.PURCHASE_DEAL,
    }
    assert {
        k: result.fields[k] for k in ("WIN_BID_BULLETIN_TITLE", "WINNINGBIDDER_CODE", "WIN_BID_PRICE", "CREATOR")
    } == {
        "WIN_BID_BULLETIN_TITLE": "五华区智慧社区平台采购项目第一包中标（成交）结果公告",
        "WINNINGBIDDER_CODE": s.BIDDERS[0][1],
        "WIN_BID_PRICE": "35783600.00",
        "CREATOR": NOT_RECORDED,
    }
    # The candidates and the contract of a package have no dataset here (551/554 have no field list).
    assert candidate_records(s.candidates(), ctx=ctx, site=SITE) == []


def test_a_two_envelope_tender_adds_the_prices_of_the_commercial_round_to_the_bidders() -> None:
    technical = s.opening_record()
    for bid in technical["bids"]:
        bid["readout"] = {"quality": "合格"}
    commercial = s.opening_record(round_no=2)
    base = _context()
    ctx = SectionContext(section=base.section, openings=(technical, commercial), regions=REGIONS)
    first_round = [
        r
        for r in opening_records(technical, ctx=SectionContext(section=base.section, openings=(technical,)), site=SITE)
        if r.data_no == 507
    ]
    both_rounds = [r for r in opening_records(commercial, ctx=ctx, site=SITE) if r.data_no == 507]
    assert [r.identity for r in first_round] == [r.identity for r in both_rounds]
    assert ("BID_PRICE" in first_round[0].fields, both_rounds[0].fields["BID_PRICE"]) == (False, "35783600.00")
    (opening,) = [r for r in opening_records(commercial, ctx=ctx, site=SITE) if r.data_no == 506]
    assert (opening.identity, opening.fields["NOTICE_NAME"]) == (
        f"{s.SECTION}/2",
        "呈贡区吴家营片区市政道路工程第一标段开标记录（第2轮）",
    )


def test_a_subject_the_platform_does_not_list_is_placed_where_its_credit_code_was_issued() -> None:
    # Characters 3–8 of a 统一社会信用代码 are the registering authority's region (GB 32100).
    project = notice_records(s.tender_notice(), site=SITE, regions={})[0].fields
    assert (project["TENDERER_REGION_CODE"], project["TENDER_AGENCY_REGION_CODE"]) == ("530100", "530100")
    listed = notice_records(s.tender_notice(), site=SITE, regions={s.TENDERER[1]: "530102"})[0].fields
    assert listed["TENDERER_REGION_CODE"] == "530102"
    odd = notice_records(s.tender_notice(tenderer_uscc="LEGACY-0001"), site=SITE, regions={})[0].fields
    assert odd["TENDERER_REGION_CODE"] == "530114"  # the project's region, for want of a better one
