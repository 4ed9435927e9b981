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
