"""A section's lifecycle: the statuses it may move between."""

from __future__ import annotations

from zhengwu.contexts.tendering.rules.model import STATUS_LABELS, RuleSet, RuleViolation, SectionStatus
from zhengwu.contexts.tendering.rules.periods import _violation
from zhengwu.kernel.errors import InvalidInput

# -- the section lifecycle ------------------------------------------------------------------------
_S = SectionStatus

TRANSITIONS: dict[SectionStatus, frozenset[SectionStatus]] = {
    _S.DRAFT: frozenset({_S.PUBLISHED, _S.PREQUALIFICATION, _S.TERMINATED}),
    # Fewer qualified applicants than the law's minimum: the section fails (招标条例 第十九条第二款).
    _S.PREQUALIFICATION: frozenset({_S.PUBLISHED, _S.FAILED, _S.TERMINATED}),
    _S.PUBLISHED: frozenset({_S.ACCEPTING_BIDS, _S.TERMINATED}),
    # Too few bids at the deadline: no opening, the section fails (招标条例 第四十四条第二款).
    _S.ACCEPTING_BIDS: frozenset({_S.OPENING, _S.FAILED, _S.TERMINATED}),
    _S.OPENING: frozenset({_S.EVALUATING, _S.AWARDED, _S.FAILED, _S.TERMINATED}),
    _S.EVALUATING: frozenset({_S.CANDIDATES, _S.AWARDED, _S.FAILED, _S.TERMINATED}),
    # An objection upheld during the publicity sends the section back to evaluation.
    _S.CANDIDATES: frozenset({_S.AWARDED, _S.EVALUATING, _S.FAILED, _S.TERMINATED}),
    _S.AWARDED: frozenset({_S.CONTRACTED, _S.FAILED, _S.TERMINATED}),
    _S.CONTRACTED: frozenset({_S.ARCHIVED}),
    # A failed section stays failed, with its history; a re-tender (重新招标) is a new section of
    # the same project that refers to it (``Section.retender_of``), with codes of its own.
    _S.FAILED: frozenset({_S.ARCHIVED}),
    _S.TERMINATED: frozenset({_S.ARCHIVED}),
    _S.ARCHIVED: frozenset(),
}

# Transitions that jump over steps, with the steps they skip: allowed only to procedures whose
# rule set lists every skipped step in ``skippable_statuses`` (auctions and listings are decided
# at the close; procurement publishes results without a candidate publicity).
SHORTCUTS: dict[tuple[SectionStatus, SectionStatus], frozenset[SectionStatus]] = {
    (_S.OPENING, _S.AWARDED): frozenset({_S.EVALUATING, _S.CANDIDATES}),
    (_S.EVALUATING, _S.AWARDED): frozenset({_S.CANDIDATES}),
}


def _status_parse(value: str, name: str) -> SectionStatus:
    try:
        return SectionStatus(value)
    except ValueError:
        raise InvalidInput(
            f"未知的标段状态“{value}”",
            code="status_unknown",
            detail={"field": name, "status": value, "known": [s.value for s in SectionStatus]},
        ) from None


def transition_check(*, current: str, target: str, ruleset: RuleSet | None = None) -> RuleViolation | None:
    """Whether a section may move from ``current`` to ``target`` (None if it may).

    With ``ruleset`` the procedure's own steps are enforced too: a construction tender cannot go
    from evaluation to award without publishing its candidates.
    """
    cur = _status_parse(current, "current")
    tgt = _status_parse(target, "target")
    allowed = TRANSITIONS[cur]
    if tgt not in allowed:
        return _violation(
            "transition_invalid",
            f"标段不能从“{STATUS_LABELS[cur]}”变为“{STATUS_LABELS[tgt]}”",
            "",
            current=cur.value,
            target=tgt.value,
            allowed=sorted(s.value for s in allowed),
        )
    skipped = SHORTCUTS.get((cur, tgt))
    if ruleset is not None and skipped is not None and not skipped <= ruleset.skippable_statuses:
        missing = sorted(skipped - ruleset.skippable_statuses)
        article = ruleset.candidate_publicity_min.article if ruleset.candidate_publicity_min else ""
        return _violation(
            "transition_skips_required_step",
            f"{ruleset.title}不能跳过“{'、'.join(STATUS_LABELS[s] for s in missing)}”",
            article,
            current=cur.value,
            target=tgt.value,
            skipped=[s.value for s in missing],
        )
    return None


# -- a readable table of a rule set ---------------------------------------------------------------
