"""What happened in the concluded demo tender: its names, timeline, bids, scores and texts (data only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from zhengwu.contexts.experts.services.section_draws import DrawGroup
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.money import money_format, money_to_fen

PROJECT_NAME = "昆明市官渡区小板桥片区市政道路提升改造工程"
SECTION_NAME = "施工标段：道路、排水及交通设施工程"
BUDGET_YUAN = "41200000.00"
ESTIMATE_YUAN = "38600000.00"
SECURITY_YUAN = "700000.00"
DURATION_MAX_DAYS = 365


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant of the replayed summer of 2026, Beijing time."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CHINA_TZ)


# The timetable the notice states; ``notice_publish`` checks it against the law and the 2026
# working-day calendar (documents ≥ 5 days, deadline ≥ 20 days after the first issue: 24 August).
PUBLISHED = at(8, 3, 9)
DOC_ISSUE_END = at(8, 10, 17)
DEADLINE = at(8, 25, 9, 30)
# The last step (the securities paid back); the replay waits until it lies a few days behind.
SETTLED = at(9, 16, 10)
SETTLED_MARGIN = dt.timedelta(days=3)


@dataclass(frozen=True)
class DemoBidder:
    username: str
    name: str
    first8: str
    body8: str
    contact: str
    phone: str


# The identity demo has three verified bidders; two more join for this tender.
NEW_BIDDERS = (
    DemoBidder("bidder4", "云南某市政工程有限公司", "91530111", "MA6K7005", "孙浩", "13800000014"),
    DemoBidder("bidder5", "昆明某建筑安装有限公司", "91530103", "MA6K7006", "林涛", "13800000015"),
)
BIDDERS = ("bidder1", "bidder2", "bidder3", "bidder4", "bidder5")


@dataclass(frozen=True)
class DemoBid:
    username: str
    price_yuan: str
    duration_days: int
    manager: str
    sent_at: dt.datetime


# What each bidder sealed, in the order they sent it: bidder3 replaces its first bid the day
# before the deadline; bidder5's 450 days exceed the 365 the documents allow (rejected later).
BIDS = (
    DemoBid("bidder3", "37350000.00", 365, "王立军（一级建造师，市政公用工程）", at(8, 20, 16, 12)),
    DemoBid("bidder1", "36125800.00", 365, "张建华（一级建造师，市政公用工程）", at(8, 21, 10, 5)),
    DemoBid("bidder4", "36559000.00", 350, "赵明远（一级建造师，市政公用工程）", at(8, 21, 15, 40)),
    DemoBid("bidder5", "34980000.00", 450, "钱志刚（二级建造师，市政公用工程）", at(8, 24, 9, 18)),
    DemoBid("bidder3", "37021500.00", 365, "王立军（一级建造师，市政公用工程）", at(8, 24, 11, 2)),
    DemoBid("bidder2", "35783600.00", 360, "李国栋（一级建造师，市政公用工程）", at(8, 24, 16, 47)),
)
REJECTED = "bidder5"
REJECTION_NOTE = "投标工期450日历天，超出招标文件要求的365日历天，未实质性响应招标文件"

# 综合评估法 as the tender documents state it: price 40 points against the trimmed mean of the
# valid bids (1 point off per 1% above it, 0.5 below), 施工组织设计 30, 项目管理机构 10,
# 企业业绩与信誉 20.
METHOD: dict[str, Any] = {
    "kind": "comprehensive",
    "base_price": "trimmed_mean",
    "price": {"full_score": "40", "above_per_percent": "1", "below_per_percent": "0.5"},
    "items": [
        {"code": "plan", "name": "施工组织设计", "category": "technical", "max_score": "30"},
        {"code": "team", "name": "项目管理机构", "category": "technical", "max_score": "10"},
        {"code": "record", "name": "企业业绩与信誉", "category": "commercial", "max_score": "20"},
    ],
    "deviation_limit": "0.20",
}
ITEM_CODES = ("plan", "team", "record")
# The score sheets: per valid bid, each member's "施工组织设计 项目管理机构 企业业绩与信誉", in the
# panel's order. The fourth member scores bidder4's plan lowest and says so when signing.
SHEETS: dict[str, tuple[str, ...]] = {
    "bidder1": ("24 8 15", "25 8 15", "23.5 7.5 15", "24.5 8 15", "25 8.5 15"),
    "bidder2": ("27 9 17", "26 8.5 17", "27.5 9 18", "26 8.5 17", "26.5 8 17"),
    "bidder3": ("22 7 13", "21 7.5 13", "22.5 7 13", "23 8 13", "21.5 7.5 13"),
    "bidder4": ("25 8 14", "24 8.5 15", "25.5 8 14", "23 8.5 14.5", "26 8 14.5"),
}
NOTE_MEMBER = 3
NOTE = (
    "同意评标结果。另说明：云南某市政工程有限公司施工组织设计中的交通导改方案针对性不足，"
    "本人对该项评分低于其他成员，特此记录。"
)
# The draw: four experts of 市政道路/桥梁 and one of 工程造价, with reserves; the regulator's value.
DRAW_GROUPS = (
    DrawGroup(specialties=("A080201", "A080202"), count=4, reserves=2),
    DrawGroup(specialties=("A06",), count=1, reserves=1),
)
DRAW_CONTRIBUTION = "监督随机数 20260825-738214"
# The bank's demand-deposit interest for the days a security was held (招标条例 第五十七条):
# 0.35% a year, in basis points, on a 360-day year.
INTEREST_BASIS_POINTS = 35
CONTRACT_NUMBER = "GDXBQ-2026-SG-001"

TENDER_DOCUMENT = (
    f"{PROJECT_NAME}\n{SECTION_NAME}\n\n第一章 招标公告\n第二章 投标人须知（工期：不超过{DURATION_MAX_DAYS}日历天）\n"
    "第三章 评标办法（综合评估法：价格40分，施工组织设计30分，项目管理机构10分，企业业绩与信誉20分）\n"
    "第四章 合同条款及格式\n第五章 工程量清单\n第六章 图纸\n第七章 技术标准和要求\n"
)
NOTICE_BODY = (
    "本招标项目已由官渡区发展和改革局批准建设，项目业主为昆明某城市建设投资有限公司，资金来自区级财政资金，"
    "招标人委托云南某招标代理有限公司进行公开招标。\n"
    "投标人资格要求：具备市政公用工程施工总承包贰级及以上资质，具有有效的安全生产许可证；"
    "拟派项目经理具备市政公用工程专业一级注册建造师执业资格。本次招标不接受联合体投标。\n"
    f"计划工期：{DURATION_MAX_DAYS}日历天。最高投标限价：3860万元。"
    "招标文件在交易平台免费获取；投标文件须加密后在线递交。"
)
APPROVAL_COMMENT = "经审核，公告内容符合规定，同意发布。"
PLAN_TEXT = (
    "施工组织设计\n一、工程概况\n二、施工部署及总体进度计划\n三、道路及排水工程施工方法\n"
    "四、交通导改及安全文明施工措施\n五、质量保证体系\n六、项目管理机构及主要人员\n"
)
OBJECTION = "{bidder}开标一览表中工期为450日历天，请核实是否超出招标文件规定的工期要求。"
OBJECTION_REPLY = "开标现场如实公布投标文件内容，工期是否响应招标文件要求由评标委员会依法评审。"


def bid_letter(bid: DemoBid, *, bidder: str) -> str:
    """The bid letter (投标函) a bidder seals with its bid."""
    price = money_format(money_to_fen(bid.price_yuan))
    return (
        f"投标函\n致：昆明某城市建设投资有限公司\n我方{bidder}愿以人民币{price}元的投标总报价、"
        f"{bid.duration_days}日历天的工期，按合同约定实施和完成{PROJECT_NAME}，工程质量达到合格标准。\n"
        f"项目经理：{bid.manager}\n"
    )


def written_report(*, winner: str, price_fen: int) -> str:
    """The written report on the tender to the supervising department (招标投标法 第四十七条)."""
    return (
        f"{PROJECT_NAME}（{SECTION_NAME}）依法公开招标。招标公告于2026年8月3日发布，"
        "2026年8月25日9时30分投标截止并在交易平台网上开标，共有5家投标人递交投标文件。"
        "评标委员会由从专家库随机抽取的5名专家组成，采用综合评估法评审，否决投标1家"
        f"（{REJECTION_NOTE}）。中标候选人于2026年8月26日至8月29日公示，公示期间未收到异议。"
        f"招标人确定排名第一的中标候选人{winner}为中标人，中标价{money_format(price_fen)}元。"
    )
