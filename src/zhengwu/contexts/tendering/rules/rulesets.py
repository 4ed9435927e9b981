"""Every procedure's rule set, as versioned data, and how a tender finds the one in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from fractions import Fraction

from zhengwu.contexts.tendering.rules.model import (
    CGF,
    CGTL,
    GZF,
    MLR_39,
    MOF_74,
    MOF_87,
    MOF_110,
    MOF_214,
    PLATFORM,
    SASAC_32,
    ZBF,
    ZBTL,
    Cap,
    Citation,
    Count,
    InsufficientOutcome,
    Limit,
    ObjectionKind,
    ObjectionRule,
    Procedure,
    RegistrationRule,
    RuleSet,
    SectionStatus,
    _cal,
    _local,
    _procedure_parse,
    _work,
)
from zhengwu.kernel.errors import InvalidInput

_CONSTRUCTION_OBJECTIONS = (
    ObjectionRule(
        kind=ObjectionKind.TENDER_DOCUMENTS,
        window="before_deadline",
        window_period=_cal(10),  # 投标截止时间10日前提出
        window_article=f"{ZBTL}第二十二条",
        reply=_cal(3),  # 自收到异议之日起3日内答复，答复前暂停招标投标活动
        reply_article=f"{ZBTL}第二十二条",
        suspends=True,
    ),
    ObjectionRule(
        kind=ObjectionKind.OPENING,
        window="on_the_spot",  # 在开标现场提出，当场答复
        window_period=None,
        window_article=f"{ZBTL}第四十四条第三款",
        reply=None,
        reply_article=f"{ZBTL}第四十四条第三款",
    ),
    ObjectionRule(
        kind=ObjectionKind.EVALUATION_RESULT,
        window="within_publicity",  # 在中标候选人公示期间提出
        window_period=None,
        window_article=f"{ZBTL}第五十四条第二款",
        reply=_cal(3),  # 自收到异议之日起3日内答复，答复前暂停
        reply_article=f"{ZBTL}第五十四条第二款",
        suspends=True,
    ),
)

_CONSTRUCTION_PREQUAL_OBJECTION = ObjectionRule(
    kind=ObjectionKind.PREQUALIFICATION_DOCUMENTS,
    window="before_deadline",
    window_period=_cal(2),  # 提交资格预审申请文件截止时间2日前提出
    window_article=f"{ZBTL}第二十二条",
    reply=_cal(3),  # 3日内答复，答复前暂停
    reply_article=f"{ZBTL}第二十二条",
    suspends=True,
)

# 政府采购 质疑: within 7 working days of the day the supplier knew or should have known
# (采购法 第五十二条), that day being fixed by 采购条例 第五十三条; the answer within 7 working days
# (采购法 第五十三条). Where 第五十三条(一) offers two days (receipt of the documents or the end of
# their notice period) the later one is used: the reading that never cuts a supplier's right short.
_PROCUREMENT_CHALLENGES = (
    ObjectionRule(
        kind=ObjectionKind.TENDER_DOCUMENTS,
        window="after_reference",
        window_period=_work(7),
        window_article=f"{CGF}第五十二条；{CGTL}第五十三条第（一）项",
        reply=_work(7),
        reply_article=f"{CGF}第五十三条",
    ),
    ObjectionRule(
        kind=ObjectionKind.PROCESS,
        window="after_reference",
        window_period=_work(7),
        window_article=f"{CGF}第五十二条；{CGTL}第五十三条第（二）项",
        reply=_work(7),
        reply_article=f"{CGF}第五十三条",
    ),
    ObjectionRule(
        kind=ObjectionKind.EVALUATION_RESULT,
        window="after_reference",
        window_period=_work(7),
        window_article=f"{CGF}第五十二条；{CGTL}第五十三条第（三）项",
        reply=_work(7),
        reply_article=f"{CGF}第五十三条",
    ),
    ObjectionRule(
        kind=ObjectionKind.INQUIRY,
        window="any_time",
        window_period=None,
        window_article=f"{CGF}第五十一条",
        reply=_work(3),  # 3个工作日内答复询问
        reply_article=f"{CGTL}第五十二条",
    ),
)

_PROCUREMENT_OPENING_OBJECTION = ObjectionRule(
    kind=ObjectionKind.OPENING,
    window="on_the_spot",  # 对开标过程和开标记录有疑义的，当场提出询问 [GK: 87号令 article number]
    window_period=None,
    window_article=f"{MOF_87}第四十二条",
    reply=None,
    reply_article=f"{MOF_87}第四十二条",
    source="gk",
)

_SKIP_CANDIDATES = frozenset({SectionStatus.CANDIDATES})
_SKIP_EVALUATION = frozenset({SectionStatus.EVALUATING, SectionStatus.CANDIDATES})


def _construction(procedure: Procedure, *, title: str, notice_title: str, invited: bool, prequal: bool) -> RuleSet:
    extra_objections = (_CONSTRUCTION_PREQUAL_OBJECTION,) if prequal else ()
    return RuleSet(
        procedure=procedure.value,
        version="1",
        effective_from=dt.date(2012, 2, 1),  # 招标投标法实施条例 in force (国务院令第613号)
        title=title,
        notice_title=notice_title,
        # 发售期不得少于5日
        doc_issue_min=Limit(_cal(5), f"{ZBTL}第十六条", counting="span"),
        # 自招标文件开始发出之日起至提交投标文件截止之日止，最短不得少于20日
        bid_period_min=Limit(_cal(20), f"{ZBF}第二十四条"),
        # 可能影响投标文件编制的澄清或者修改，投标截止时间至少15日前书面通知；不足15日的顺延
        clarification_lead=Limit(_cal(15), f"{ZBF}第二十三条；{ZBTL}第二十一条"),
        prequalification="required" if prequal else "none",
        # 资格预审文件发售期不得少于5日
        prequal_doc_issue_min=Limit(_cal(5), f"{ZBTL}第十六条", counting="span") if prequal else None,
        # 提交资格预审申请文件的时间，自资格预审文件停止发售之日起不得少于5日
        prequal_application_min=Limit(_cal(5), f"{ZBTL}第十七条") if prequal else None,
        prequal_application_from="doc_issue_end",
        # 提交资格预审申请文件截止时间至少3日前澄清或者修改；不足3日的顺延
        prequal_clarification_lead=Limit(_cal(3), f"{ZBTL}第二十一条") if prequal else None,
        # 通过资格预审的申请人少于3个的，应当重新招标
        prequal_passed_min=Count(3, f"{ZBTL}第十九条第二款") if prequal else None,
        objections=_CONSTRUCTION_OBJECTIONS + extra_objections,
        # 公示期不得少于3日
        candidate_publicity_min=Limit(_cal(3), f"{ZBTL}第五十四条第一款", counting="span"),
        # 自收到评标报告之日起3日内公示中标候选人
        candidate_publicity_publish_within=Limit(_cal(3), f"{ZBTL}第五十四条第一款"),
        # 投标保证金不得超过招标项目估算价的2%
        bid_security_cap=Cap(Fraction(2, 100), "招标项目估算价", f"{ZBTL}第二十六条"),
        # 投标人少于3个的，不得开标，应当重新招标
        bids_min=Count(3, f"{ZBF}第二十八条；{ZBTL}第四十四条第二款"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        # 邀请招标：向3个以上特定的法人或者其他组织发出投标邀请书
        invitees_min=Count(3, f"{ZBF}第十七条") if invited else None,
        # 开标应当在提交投标文件截止时间的同一时间公开进行
        opening_at_deadline=Citation(f"{ZBF}第三十四条；{ZBTL}第四十四条第一款"),
    )


def _procurement_tender(procedure: Procedure, *, title: str, notice_title: str, invited: bool) -> RuleSet:
    return RuleSet(
        procedure=procedure.value,
        version="1",
        effective_from=dt.date(2015, 3, 1),  # 政府采购法实施条例 in force (国务院令第658号)
        title=title,
        notice_title=notice_title,
        # 招标文件的提供期限自开始发出之日起不得少于5个工作日
        doc_issue_min=Limit(_work(5), f"{CGTL}第三十一条第一款", counting="span"),
        # 自招标文件开始发出之日起至投标截止之日止，不得少于20日
        bid_period_min=Limit(_cal(20), f"{CGF}第三十五条"),
        # 可能影响投标文件编制的澄清或者修改，投标截止时间至少15日前书面通知；不足15日的顺延
        clarification_lead=Limit(_cal(15), f"{CGTL}第三十一条第二款"),
        prequalification="optional",
        # 资格预审文件提供期限自公告发布之日起不得少于5个工作日 [GK: 87号令]
        prequal_doc_issue_min=Limit(_work(5), f"{MOF_87}第十九条", source="gk", counting="span"),
        # 提交资格预审申请文件的时间自公告发布之日起不得少于5个工作日
        prequal_application_min=Limit(_work(5), f"{CGTL}第二十一条第二款", counting="span"),
        prequal_application_from="notice",
        # 资格预审文件澄清或者修改：提交申请文件截止时间至少3日前 [GK: 87号令]
        prequal_clarification_lead=Limit(_cal(3), f"{MOF_87}第二十七条", source="gk"),
        objections=(*_PROCUREMENT_CHALLENGES, _PROCUREMENT_OPENING_OBJECTION),
        # 中标公告期限为1个工作日 [WEB: 87号令]
        result_publicity_min=Limit(_work(1), f"{MOF_87}第六十九条", source="web", counting="span"),
        # 投标保证金不得超过采购项目预算金额的2%
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{CGTL}第三十三条"),
        # 符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的，应予废标；废标后重新组织招标
        bids_min=Count(3, f"{CGF}第三十六条第一款第（一）项、第三十七条"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        # 邀请招标：随机选择三家以上的供应商
        invitees_min=Count(3, f"{CGF}第三十四条") if invited else None,
        # 开标应当在投标截止时间的同一时间进行 [GK: 87号令]
        opening_at_deadline=Citation(f"{MOF_87}第三十九条", source="gk"),
        skippable_statuses=_SKIP_CANDIDATES,
    )


_PROCUREMENT_EFFECTIVE = dt.date(2015, 3, 1)

# 竞买申请 and 竞买保证金 (land). The notice states the application period and the deposit (39号令
# 第九条 lists them among its contents [GK]); applications and deposits are accepted from the
# notice's publication until a time the notice fixes before the listing ends, so that the
# centre can see the bank's confirmation of the deposit and confirm the bidder in time (39号令
# 第十六条 (挂牌) [GK: article and wording unverified]). How long before is not fixed by the rule:
# the platform's default is 2 working days before the deadline, a configurable platform policy.
_LAND_REGISTRATION = RegistrationRule(
    close_before=_work(2),
    close_article=f"{MLR_39}第九条、第十六条；{PLATFORM}（截止前2个工作日）",
    deposit_article=f"{MLR_39}第九条、第十六条",
    source="gk",
)
# 意向受让方 registration and 交易保证金 during the disclosure period (32号令 [GK: article numbers
# unverified]); the same platform default of 2 working days before the disclosure ends.
_PROPERTY_REGISTRATION = RegistrationRule(
    close_before=_work(2),
    close_article=f"{SASAC_32}第十五条；{PLATFORM}（截止前2个工作日）",
    deposit_article=f"{SASAC_32}第十五条",
    source="gk",
)

_RULESETS: tuple[RuleSet, ...] = (
    _construction(
        Procedure.CONSTRUCTION_OPEN,
        title="工程建设项目公开招标",
        notice_title="招标公告",
        invited=False,
        prequal=False,
    ),
    _construction(
        Procedure.CONSTRUCTION_INVITED,
        title="工程建设项目邀请招标",
        notice_title="投标邀请书",
        invited=True,
        prequal=False,
    ),
    _construction(
        Procedure.CONSTRUCTION_OPEN_PREQUALIFICATION,
        title="工程建设项目公开招标（资格预审）",
        notice_title="资格预审公告",
        invited=False,
        prequal=True,
    ),
    _construction(
        Procedure.CONSTRUCTION_INVITED_PREQUALIFICATION,
        title="工程建设项目邀请招标（资格预审）",
        notice_title="资格预审文件（邀请）",
        invited=True,
        prequal=True,
    ),
    _procurement_tender(Procedure.PROCUREMENT_OPEN, title="政府采购公开招标", notice_title="招标公告", invited=False),
    _procurement_tender(
        Procedure.PROCUREMENT_INVITED, title="政府采购邀请招标", notice_title="投标邀请书", invited=True
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_COMPETITIVE_NEGOTIATION.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购竞争性谈判",
        notice_title="竞争性谈判公告（谈判文件）",
        # 从谈判文件发出之日起至提交首次响应文件截止之日止不得少于3个工作日 [GK: 74号令 article]
        bid_period_min=Limit(_work(3), f"{MOF_74}第二十九条", source="gk"),
        # 澄清或者修改：提交首次响应文件截止之日3个工作日前；不足的顺延 [GK]
        clarification_lead=Limit(_work(3), f"{MOF_74}第二十九条", source="gk"),
        objections=_PROCUREMENT_CHALLENGES,
        # 成交结果公告期限为1个工作日 [GK: 74号令 article]
        result_publicity_min=Limit(_work(1), f"{MOF_74}第十八条", source="gk", counting="span"),
        # 保证金数额不超过采购项目预算的2% [GK: 74号令 article]
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{MOF_74}第十四条", source="gk"),
        # 谈判小组确定不少于三家的供应商参加谈判
        bids_min=Count(3, f"{CGF}第三十八条第（三）项"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        invitees_min=Count(3, f"{CGF}第三十八条第（三）项"),
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_COMPETITIVE_CONSULTATION.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购竞争性磋商",
        notice_title="竞争性磋商公告",
        # 磋商文件的发售期限自开始之日起不得少于5个工作日 [WEB: 214号 第十条]
        doc_issue_min=Limit(_work(5), f"{MOF_214}第十条", source="web", counting="span"),
        # 从磋商文件发出之日起至提交首次响应文件截止之日止不得少于10日 [WEB]
        bid_period_min=Limit(_cal(10), f"{MOF_214}第十条", source="web"),
        # 澄清或者修改：提交首次响应文件截止时间至少5日前；不足5日的顺延 [WEB]
        clarification_lead=Limit(_cal(5), f"{MOF_214}第十条", source="web"),
        objections=_PROCUREMENT_CHALLENGES,
        # 成交结果公告期限为1个工作日 [GK]
        result_publicity_min=Limit(_work(1), f"{MOF_214}第二十九条", source="gk", counting="span"),
        # 磋商保证金不得超过采购项目预算的2% [GK]
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{MOF_214}第十二条", source="gk"),
        # 邀请不少于3家符合资格条件的供应商 [GK: 214号 第六条; 财库〔2015〕124号 allows 2 for
        # 政府购买服务 and 科研 projects, not modelled]
        bids_min=Count(3, f"{MOF_214}第六条", source="gk"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        invitees_min=Count(3, f"{MOF_214}第六条", source="gk"),
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_INQUIRY.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购询价",
        notice_title="询价通知书",
        # 从询价通知书发出之日起至提交响应文件截止之日止不得少于3个工作日 [GK: 74号令 article]
        bid_period_min=Limit(_work(3), f"{MOF_74}第四十六条", source="gk"),
        # 澄清或者修改：提交响应文件截止之日3个工作日前；不足的顺延 [GK]
        clarification_lead=Limit(_work(3), f"{MOF_74}第四十六条", source="gk"),
        objections=_PROCUREMENT_CHALLENGES,
        result_publicity_min=Limit(_work(1), f"{MOF_74}第十八条", source="gk", counting="span"),
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{MOF_74}第十四条", source="gk"),
        # 询价小组确定不少于三家的供应商，发出询价通知书
        bids_min=Count(3, f"{CGF}第四十条第（二）项"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        invitees_min=Count(3, f"{CGF}第四十条第（二）项"),
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_SINGLE_SOURCE.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购单一来源",
        notice_title="单一来源采购公示",
        # The 公示 is the whole notice period: its end plays the part of the bid deadline.
        # 公示期不得少于5个工作日
        bid_period_min=Limit(_work(5), f"{CGTL}第三十八条", counting="span"),
        bid_period_from="notice",
        objections=(
            *_PROCUREMENT_CHALLENGES,
            ObjectionRule(
                kind=ObjectionKind.SINGLE_SOURCE_PUBLICITY,
                window="within_publicity",  # 公示期内提出书面异议 [GK: 74号令 article]
                window_period=None,
                window_article=f"{MOF_74}第三十九条",
                reply=_work(5),  # 公示期满后5个工作日内组织补充论证 [GK]
                reply_article=f"{MOF_74}第四十条",
                reply_from="publicity_end",
                source="gk",
            ),
        ),
        result_publicity_min=Limit(_work(1), f"{MOF_74}第十八条", source="gk", counting="span"),
        # 只能从唯一供应商处采购
        bids_min=Count(1, f"{CGF}第三十一条"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        skippable_statuses=_SKIP_CANDIDATES,
        sealed_bids=False,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_FRAMEWORK.value,
        version="1",
        effective_from=dt.date(2022, 3, 1),  # 财政部令第110号 in force [GK]
        title="政府采购框架协议采购",
        notice_title="征集公告",
        # All numbers below are [GK]: 110号令 modelled on 公开招标; article numbers not checked.
        doc_issue_min=Limit(_work(5), f"{MOF_110}第二十一条", source="gk", counting="span"),
        bid_period_min=Limit(_cal(20), f"{MOF_110}第二十一条", source="gk"),
        clarification_lead=Limit(_cal(15), f"{MOF_110}第二十一条", source="gk"),
        objections=_PROCUREMENT_CHALLENGES,
        result_publicity_min=Limit(_work(1), f"{MOF_87}第六十九条", source="gk", counting="span"),
        # The general 2% cap of 采购条例 第三十三条 applied by analogy [GK]: 110号令 not checked.
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{CGTL}第三十三条", source="gk"),
        # 提交响应文件和符合资格条件、实质性要求的供应商应当均不少于2家 [GK]
        bids_min=Count(2, f"{MOF_110}第十四条", source="gk"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.LAND_TENDER.value,
        version="1",
        effective_from=dt.date(2007, 11, 1),  # 国土资源部令第39号 in force
        title="国有建设用地使用权招标出让",
        notice_title="招标出让公告",
        # 至少在投标、拍卖或者挂牌开始日前20日发布公告 [WEB: 39号令; article GK]
        notice_to_start_min=Limit(_cal(20), f"{MLR_39}第八条", source="web"),
        activity_start="deadline",
        # 投标人少于三人的，出让人应当终止招标活动（重新招标） [GK]
        bids_min=Count(3, f"{MLR_39}第十三条", source="gk"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        registration=_LAND_REGISTRATION,
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.LAND_AUCTION.value,
        version="1",
        effective_from=dt.date(2007, 11, 1),
        title="国有建设用地使用权拍卖出让",
        notice_title="拍卖出让公告",
        notice_to_start_min=Limit(_cal(20), f"{MLR_39}第八条", source="web"),
        activity_start="opening_or_deadline",
        # 竞买人不足三人的，主持人应当终止拍卖 [GK]
        bids_min=Count(3, f"{MLR_39}第十五条", source="gk"),
        bids_insufficient=InsufficientOutcome.TERMINATE,
        registration=_LAND_REGISTRATION,
        skippable_statuses=_SKIP_EVALUATION,
        sealed_bids=False,
    ),
    RuleSet(
        procedure=Procedure.LAND_LISTING.value,
        version="1",
        effective_from=dt.date(2007, 11, 1),
        title="国有建设用地使用权挂牌出让",
        notice_title="挂牌出让公告",
        notice_to_start_min=Limit(_cal(20), f"{MLR_39}第八条", source="web"),
        activity_start="required",
        # 挂牌时间不得少于10日; counted as 10 working days, as local rules do and the platform
        # expects (ebidding-rules.md §2.3, §11 item 8) [GK]
        listing_period_min=Limit(_work(10), f"{MLR_39}第十九条", source="gk", counting="span"),
        # A single bidder at or above the reserve price wins; none ⇒ 不成交, listed again [GK]
        bids_min=Count(1, f"{MLR_39}第二十条", source="gk"),
        bids_insufficient=InsufficientOutcome.RELIST,
        registration=_LAND_REGISTRATION,
        skippable_statuses=_SKIP_EVALUATION,
        sealed_bids=False,
    ),
    RuleSet(
        procedure=Procedure.PROPERTY_LISTING.value,
        version="1",
        effective_from=dt.date(2016, 6, 24),  # 国资委·财政部令第32号 in force [GK]
        title="企业国有产权挂牌转让",
        notice_title="产权转让信息披露公告",
        # 正式披露信息时间不得少于20个工作日 [WEB: 32号令; article GK]; its end is the deadline
        bid_period_min=Limit(_work(20), f"{SASAC_32}第十三条", source="web", counting="span"),
        bid_period_from="notice",
        # 交易结果公告期不少于5个工作日 [WEB]
        result_publicity_min=Limit(_work(5), f"{SASAC_32}第二十九条", source="web", counting="span"),
        # One qualified buyer may take it at not less than the reserve price; none ⇒ 延期或重新披露
        bids_min=Count(1, f"{SASAC_32}第十八条", source="gk"),
        bids_insufficient=InsufficientOutcome.RELIST,
        # 征集产生的受让方为两个以上的，转让应当采用公开竞价的交易方式
        competition_min=Count(2, f"{GZF}第五十四条第二款"),
        registration=_PROPERTY_REGISTRATION,
        skippable_statuses=_SKIP_EVALUATION,
        sealed_bids=False,
    ),
)


def _registry_build(rulesets: Iterable[RuleSet]) -> dict[str, tuple[RuleSet, ...]]:
    registry: dict[str, list[RuleSet]] = {}
    for ruleset in rulesets:
        registry.setdefault(_procedure_parse(ruleset.procedure).value, []).append(ruleset)
    out: dict[str, tuple[RuleSet, ...]] = {}
    for procedure, versions in registry.items():
        ordered = sorted(versions, key=lambda r: r.effective_from)
        if len({r.version for r in ordered}) != len(ordered) or len({r.effective_from for r in ordered}) != len(
            ordered
        ):
            raise ValueError(f"duplicate rule-set version or date for {procedure}")
        out[procedure] = tuple(ordered)
    missing = {p.value for p in Procedure} - set(out)
    if missing:
        raise ValueError(f"procedures without a rule set: {sorted(missing)}")
    return out


# Append-only: a version once published is never edited, only followed by a newer one.
RULESETS: Mapping[str, tuple[RuleSet, ...]] = _registry_build(_RULESETS)


def _china_day(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return _local(value, "on").date()
    if not isinstance(value, dt.date):
        raise TypeError(f"on must be a date, got {type(value).__name__}")
    return value


def ruleset_select(*, rulesets: Iterable[RuleSet], on: dt.date) -> RuleSet | None:
    """The newest of ``rulesets`` in force on ``on`` (None when none is yet in force)."""
    day = _china_day(on)
    in_force = [r for r in rulesets if r.effective_from <= day]
    return max(in_force, key=lambda r: r.effective_from, default=None)


def ruleset_for(*, procedure: str, on: dt.date) -> RuleSet:
    """The rule set of ``procedure`` in force on ``on`` — for a tender, its day of publication."""
    key = _procedure_parse(procedure).value
    found = ruleset_select(rulesets=RULESETS[key], on=on)
    if found is None:
        first = RULESETS[key][0]
        raise InvalidInput(
            f"{_china_day(on).isoformat()}尚无适用于{first.title}的规则（最早自{first.effective_from.isoformat()}起施行）",
            code="ruleset_not_in_force",
            detail={"procedure": key, "on": _china_day(on).isoformat(), "first": first.effective_from.isoformat()},
        )
    return found


def ruleset_get(*, procedure: str, version: str) -> RuleSet:
    """A stored version of a procedure's rule set (a published tender keeps its version)."""
    key = _procedure_parse(procedure).value
    for ruleset in RULESETS[key]:
        if ruleset.version == version:
            return ruleset
    raise InvalidInput(
        f"交易方式“{key}”没有版本“{version}”的规则",
        code="ruleset_version_unknown",
        detail={"procedure": key, "version": version, "known": [r.version for r in RULESETS[key]]},
    )


# -- day arithmetic -------------------------------------------------------------------------------
