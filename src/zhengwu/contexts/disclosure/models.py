"""The public platform's read models, built only from the events other platforms send.

The public database holds what may be published and nothing more: a market subject appears
here once the trading centre has verified it and disappears if it is suspended or rejected.
"""

from __future__ import annotations

from django.db import models


class MarketSubject(models.Model):
    """A verified market subject (tenderer, agency, bidder) as the public may see it."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=20)
    market_roles = models.JSONField("市场角色", default=list)
    # "|agency|bidder|": filters by role with a plain LIKE that works on every database.
    roles_index = models.CharField(max_length=200, blank=True, db_index=True)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    # The organisation's version at the trading platform, as of the last applied event.
    version = models.PositiveIntegerField()
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ("name", "uscc")

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class Notice(models.Model):
    """A published notice as the trading platform sent it (``tendering.notice.published``).

    A published notice never changes, so neither does this row: an amendment is another
    notice whose ``references_notice_id`` names the one it amends. The reference is kept as a
    plain identifier rather than a foreign key because the public platform shows what it
    received; a reference to a notice it never received is still shown, as an identifier.
    """

    notice_id = models.UUIDField("公告标识", unique=True)
    kind = models.CharField("公告类型", max_length=30)
    trade_type = models.CharField("交易类型", max_length=30)
    procedure = models.CharField("交易方式", max_length=80)
    project_code = models.CharField("项目编号", max_length=100)
    project_name = models.CharField("项目名称", max_length=300)
    section_codes = models.JSONField("标段（包）编号", default=list)
    title = models.CharField("标题", max_length=500)
    body = models.TextField("正文")
    tenderer_name = models.CharField("招标人", max_length=200)
    agency_name = models.CharField("代理机构", max_length=200, blank=True)
    region_code = models.CharField("行政区划", max_length=6)
    budget_fen = models.BigIntegerField("预算（分）", null=True, blank=True)
    published_at = models.DateTimeField("发布时间")
    bid_deadline = models.DateTimeField("投标截止时间", null=True, blank=True)
    opening_at = models.DateTimeField("开标时间", null=True, blank=True)
    references_notice_id = models.UUIDField("所更正的公告", null=True, blank=True, db_index=True)
    attachments = models.JSONField("附件", default=list)
    # Sealed-bid tenders: the opening keys bidders seal to, with their fingerprints.
    opening_keys = models.JSONField("开标公钥", default=list)
    # When this platform received it: the law wants the source and time of exchanged data kept.
    received_at = models.DateTimeField("接收时间")

    class Meta:
        ordering = ("-published_at", "-notice_id")
        indexes = (
            models.Index(fields=("-published_at", "-notice_id"), name="disclosure_notice_latest"),
            models.Index(fields=("project_code",), name="disclosure_notice_project"),
        )

    def __str__(self) -> str:
        return self.title
