"""Reads of the appraisal context."""

from __future__ import annotations

from django.db.models import Count

from zhengwu.contexts.appraisal.models import Unit


def unit_counts() -> dict[str, int]:
    """Active units by kind, e.g. {"centre": 40, "department": 34}."""
    rows = Unit.objects.filter(active=True).values("kind").annotate(n=Count("id"))
    counts = dict.fromkeys(Unit.Kind.values, 0)
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def unit_list(*, kind: str | None = None) -> list[Unit]:
    units = Unit.objects.filter(active=True)
    if kind:
        units = units.filter(kind=kind)
    return list(units)
