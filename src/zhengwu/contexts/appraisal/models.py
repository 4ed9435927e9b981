"""The units the third-party appraisal scores: service centres and approval departments."""

from __future__ import annotations

from django.db import models


class Unit(models.Model):
    """A government service unit under appraisal (评价对象)."""

    class Kind(models.TextChoices):
        CENTRE = "centre", "政务服务中心"
        DEPARTMENT = "department", "审批部门"

    code = models.CharField("编号", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region_code = models.CharField("行政区划", max_length=6, blank=True)
    active = models.BooleanField("参评", default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("kind", "code")

    def __str__(self) -> str:
        return self.name
