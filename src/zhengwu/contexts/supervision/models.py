"""The supervision platform's own records, built from the events other platforms send."""

from __future__ import annotations

from django.db import models


class RegisteredSubject(models.Model):
    """Every market subject registered at the trading platform, in whatever status it is.

    Regulators see pending, rejected and suspended subjects too; ``history_count`` counts the
    changes received, so a subject that changed status many times stands out.
    """

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=20)
    market_roles = models.JSONField("市场角色", default=list)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    version = models.PositiveIntegerField()
    updated_at = models.DateTimeField("更新时间")
    first_seen_at = models.DateTimeField("首次登记时间")
    history_count = models.PositiveIntegerField("变更次数", default=0)

    class Meta:
        ordering = ("name", "uscc")

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"
