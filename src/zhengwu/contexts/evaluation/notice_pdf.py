"""The award notice (中标通知书) as a PDF: the document the tenderer sends the winning bidder.

Its wording follows the model notice of the standard tender documents (《标准施工招标文件》),
made neutral for every trade type: it speaks of a written contract (书面合同), not of a
construction contract, and counts the thirty days from the notice's issue as the Tendering and
Bidding Law (《招标投标法》第四十六条) does. The document is always in Chinese, whatever the
reader's interface language: it is a legal text, not a page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_format
from zhengwu.kernel.money_words import amount_in_words
from zhengwu.platform.web.pdf import pdf_render

AWARD_NOTICE_TEMPLATE = "evaluation/award_notice.html"


@dataclasses.dataclass(frozen=True)
class AwardNotice:
    """What an award notice states; ``agency``, ``duration`` and ``quality`` may be empty."""

    number: str
    project_code: str
    project_name: str
    section_code: str
    section_name: str
    tenderer: str  # 招标人
    agency: str  # 招标代理机构
    winner: str
    winner_uscc: str
    price_fen: int
    duration: str  # 工期 / 服务期 / 交货期, as the tender documents state it
    quality: str
    decided_at: dt.datetime
    contract_due: dt.date
    issued_by: str

    def __post_init__(self) -> None:
        if self.decided_at.tzinfo is None:
            raise InvalidInput("中标确定时间须带时区", code="award_notice_naive_time")
        if self.price_fen < 0:
            raise InvalidInput("中标价不能为负数", code="award_notice_price", detail={"price_fen": self.price_fen})


def award_notice_pdf(*, notice: AwardNotice) -> bytes:
    """Render ``notice`` as a one-page A4 PDF, with the price in figures and in capital numerals."""
    issued_on = notice.decided_at.astimezone(CHINA_TZ)
    context = {
        "title": f"中标通知书（{notice.number}）",
        "notice": notice,
        "price_figures": money_format(notice.price_fen),
        "price_words": amount_in_words(notice.price_fen),
        "issued_on": _chinese_date(issued_on.date()),
        "decided_at": f"{_chinese_date(issued_on.date())} {issued_on:%H:%M}",
        "contract_due": _chinese_date(notice.contract_due),
    }
    return pdf_render(template=AWARD_NOTICE_TEMPLATE, context=context)


def _chinese_date(day: dt.date) -> str:
    # Official documents write dates without leading zeros: 2025年3月7日.
    return f"{day.year}年{day.month}月{day.day}日"


def award_notice_of(*, award: Any, section: Any) -> AwardNotice:
    """The notice of a decided award (``models.Award``) of ``section`` (tendering's section)."""
    project = section.project
    return AwardNotice(
        number=award.notice_number,
        project_code=project.code,
        project_name=project.name,
        section_code=section.code,
        section_name=section.name,
        tenderer=project.owner_name,
        agency=project.agency_name,
        winner=award.bidder,
        winner_uscc=award.bidder_uscc,
        price_fen=award.price_fen,
        duration="",
        quality="",
        decided_at=award.decided_at,
        # The last day of the 30 (the stored due instant is the exclusive bound after it).
        contract_due=(award.contract_due - dt.timedelta(microseconds=1)).astimezone(CHINA_TZ).date(),
        issued_by=award.decided_by_username,
    )
