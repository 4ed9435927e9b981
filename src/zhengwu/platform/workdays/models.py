"""The working-day table: one row per date the official arrangement makes special."""

from __future__ import annotations

from django.db import models

from zhengwu.kernel.workdays import HOLIDAY, WORKDAY


class CalendarDay(models.Model):
    """A festival holiday (放假) or an adjusted working day (调休上班).

    Dates not in the table are ordinary: Monday to Friday work, Saturday and Sunday rest. A year
    counts as loaded only when its 1 January is here (see ``kernel.workdays``).
    """

    class Kind(models.TextChoices):
        HOLIDAY = HOLIDAY, "放假"
        WORKDAY = WORKDAY, "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50)
    source = models.CharField("来源（文号）", max_length=200)
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        ordering = ("date",)
        constraints = (
            models.CheckConstraint(condition=models.Q(kind__in=[HOLIDAY, WORKDAY]), name="workdays_calendarday_kind"),
        )

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"
