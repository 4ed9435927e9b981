"""Reads of the appraisal context."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from zhengwu.contexts.appraisal.access import APPRAISER, CITY_LEADER, actor_unit
from zhengwu.contexts.appraisal.models import Round, RoundResult, Unit, UnitScore
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.kernel.actor import Actor


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


def rounds_visible(*, actor: Actor) -> list[Round]:
    """Rounds with results ``actor`` may read: every scored round for the evaluator, published ones for
    leaders and units' users, none for anyone else."""
    rounds = Round.objects.filter(result__isnull=False).select_related("result")
    if not actor.has_role(APPRAISER):
        if not (actor.has_role(CITY_LEADER) or actor_unit(actor=actor) is not None):
            return []
        rounds = rounds.filter(status=Round.Status.PUBLISHED)
    return list(rounds.order_by("-period_start"))


def round_results_rows(*, round: Round) -> dict[str, Any]:
    """A round's result, its unit scores and the same split by unit kind (each in rank order)."""
    result = RoundResult.objects.filter(round=round).first()
    scores = list(UnitScore.objects.filter(round=round).select_related("unit").order_by("kind", "rank", "unit__code"))
    kinds = [
        {"kind": kind, "label": label, "scores": [s for s in scores if s.kind == kind]}
        for kind, label in Unit.Kind.choices
    ]
    return {"result": result, "scores": scores, "kinds": [k for k in kinds if k["scores"]]}


def unit_history(*, unit: Unit, published_only: bool) -> list[dict[str, Any]]:
    """A unit's scores over the rounds, newest first, each with its kind's average per category."""
    scores = UnitScore.objects.filter(unit=unit).select_related("round")
    if published_only:
        scores = scores.filter(round__status=Round.Status.PUBLISHED)
    history = []
    for score in scores.order_by("-round__period_start"):
        peers = UnitScore.objects.filter(round=score.round, kind=score.kind).values_list("categories", flat=True)
        averages: dict[str, list[float]] = {}
        for categories in peers:
            for code, value in categories.items():
                if value.get("score") is not None:
                    averages.setdefault(code, []).append(value["score"])
        system = system_def(system=score.round.system)
        names = {c.code: c.name for c in system.categories}
        rows = [
            {
                "code": code,
                "name": names.get(code, code),
                "score": value.get("score"),
                "n": value.get("n"),
                "kind_average": sum(averages[code]) / len(averages[code]) if averages.get(code) else None,
            }
            for code, value in sorted(score.categories.items())
        ]
        history.append({"score": score, "round": score.round, "categories": rows})
    return history
