"""The default indicator system: its shape, its weights, its questionnaire and skip logic (no database)."""

from __future__ import annotations

import itertools
import re

import pytest

from zhengwu.contexts.appraisal.indicators_default import (
    BOTH,
    CHANNELS,
    CODE,
    COMPLAINED,
    HALL,
    MATTERS,
    ONLINE,
    POLICY,
    PROBLEM_GIVEN,
    TITLE,
    matter,
    system_default,
)
from zhengwu.contexts.appraisal.system import DEFAULT_SCORING, SCORED_KINDS, SystemDef, system_digest, system_from_dict

DEFAULT = system_from_dict(system_default())


def _shown(system: SystemDef, kind: str, answers: dict[str, str]) -> list[str]:
    """The questions a respondent with ``answers`` to the screening questions is shown.

    Not a skip-logic evaluator (skiplogic.py is): every condition of the default is one of the few
    fixed strings checked in ``test_skip_logic_uses_only_the_screening_questions``, so here they
    are turned into Python by substituting the answers and writing ``=`` as ``==``.
    """
    shown = []
    for item in system.items_for(kind):
        condition = item.relevant
        for name, value in answers.items():
            condition = condition.replace("${" + name + "}", repr(value))
        if not condition or eval(condition.replace(" = ", " == "), {"__builtins__": {}}):  # noqa: S307
            shown.append(item.name)
    return shown


def test_the_default_has_18_categories_and_151_indicators_under_its_code() -> None:
    assert (DEFAULT.code, DEFAULT.title) == (CODE, TITLE) == ("KM-GOV-SERVICE", "昆明市政务服务第三方评价指标体系")
    assert [c.code for c in DEFAULT.categories] == [f"C{n:02d}" for n in range(1, 19)]
    assert len(DEFAULT.indicators) == 151
    assert len({i.code for i in DEFAULT.indicators}) == 151
    assert len({c.name for c in DEFAULT.categories}) == 18
    assert len({i.name for i in DEFAULT.indicators}) == 151
    assert DEFAULT.scoring == DEFAULT_SCORING
    assert DEFAULT.min_answers == 10
    # Built twice, it is the same system: the digest is what responses are tied to.
    assert system_digest(system_from_dict(system_default())) == system_digest(DEFAULT)


def test_weights_are_shares_category_by_category() -> None:
    assert sum(c.weight for c in DEFAULT.categories) == pytest.approx(1.0, abs=1e-9)
    for category in DEFAULT.categories:
        weights = [i.weight for i in DEFAULT.indicators_of(category.code)]
        assert sum(weights) == pytest.approx(1.0, abs=0.002), category.code
        assert all(w > 0 for w in weights)


def test_every_survey_indicator_is_fed_and_objective_ones_have_goalposts_and_no_question() -> None:
    fed: dict[str, list[str]] = {}
    for item in DEFAULT.items:
        if item.kind in SCORED_KINDS:
            fed.setdefault(item.indicator, []).append(item.name)
    survey = [i for i in DEFAULT.indicators if i.source == "survey"]
    objective = [i for i in DEFAULT.indicators if i.source == "objective"]
    assert all(fed.get(i.code) for i in survey)
    assert len(objective) == 13
    assert all(i.code not in fed for i in objective)
    assert all(i.worst is not None and i.best is not None and i.worst != i.best for i in objective)
    names = {i.name: (i.worst, i.best) for i in objective}
    # Lower is better for visits, days and overdue cases; higher for online availability.
    assert names["平均跑动次数（次/件）"] == (3.0, 0.0)
    assert names["网上可办率（%）"] == (80.0, 100.0)
    assert names["超时办结率（%）"] == (5.0, 0.0)
    assert names["投资项目审批平均用时（工作日）"] == (60.0, 20.0)
    assert all(i.worst is None and i.best is None for i in survey)


def test_scored_questions_are_mostly_ratings_and_yes_no_questions_ask_for_the_good_answer() -> None:
    kinds = [item.kind for item in DEFAULT.items if item.kind in SCORED_KINDS]
    assert len(kinds) == 138
    assert 10 <= kinds.count("yes_no") <= 20
    assert kinds.count("rating5") == len(kinds) - kinds.count("yes_no")
    for item in DEFAULT.items:
        if item.kind == "yes_no":
            # A yes scores 100: every yes/no question asks "是否 …" about the good outcome.
            assert "是否" in item.label, item.name


def test_item_names_are_unique_identifiers_in_the_q_cnn_inn_style() -> None:
    names = [item.name for item in DEFAULT.items]
    assert len(names) == len(set(names)) == 147
    scored = [item for item in DEFAULT.items if item.kind in SCORED_KINDS]
    for item in scored:
        category, number = item.indicator.split(".")
        assert item.name == f"q_{category.lower()}_{number.lower()}", item.name
    assert all(name.isidentifier() and name.isascii() for name in names)


def test_screening_questions_come_first_and_the_problem_and_suggestion_last() -> None:
    first = DEFAULT.items[:6]
    assert [(i.name, i.kind) for i in first] == [
        ("q_intro", "note"),
        ("q_channel", "select_one"),
        ("q_matter", "select_one"),
        ("q_size", "select_one"),
        ("q_complained", "select_one"),
        ("q_policy", "select_one"),
    ]
    assert dict(first[1].choices) == dict(CHANNELS)
    assert [v for v, _ in first[2].choices] == [v for v, _ in MATTERS]
    assert first[5].applies_to == "department"
    last = DEFAULT.items[-3:]
    assert [(i.name, i.kind, i.required) for i in last] == [
        ("q_problem", "problem", False),
        ("q_problem_topic", "select_one", False),
        ("q_suggest", "text", False),
    ]
    # A problem's topic is a category code, so the ticket it becomes knows what it is about.
    assert [v for v, _ in last[1].choices] == [c.code for c in DEFAULT.categories]
    assert last[1].relevant == PROBLEM_GIVEN == "${q_problem} != ''"


def test_skip_logic_uses_only_the_screening_questions() -> None:
    allowed = {"", HALL, ONLINE, BOTH, COMPLAINED, POLICY, PROBLEM_GIVEN}
    allowed |= {matter(m) for m, _ in MATTERS}
    allowed |= {matter("construction", "utility"), matter("tax_social", "property")}
    order = {item.name: n for n, item in enumerate(DEFAULT.items)}
    for item in DEFAULT.items:
        assert item.relevant in allowed, (item.name, item.relevant)
        # A condition reads only answers given before the question.
        for name in re.findall(r"\$\{(\w+)\}", item.relevant):
            assert order[name] < order[item.name], (item.name, name)
    online = [i for i in DEFAULT.items if i.indicator.startswith("C05.")]
    assert online
    assert all(i.relevant == ONLINE for i in online)
    hall = [i for i in DEFAULT.items if i.indicator.startswith(("C08.", "C14."))]
    assert hall
    assert all(i.relevant == HALL for i in hall)
    assert HALL == "${q_channel} = 'hall' or ${q_channel} = 'both'"
    assert ONLINE == "${q_channel} = 'online' or ${q_channel} = 'both'"


def test_centres_and_departments_each_answer_their_own_subset() -> None:
    centre = {i.name for i in DEFAULT.items_for("centre")}
    department = {i.name for i in DEFAULT.items_for("department")}
    assert (len(centre), len(department)) == (102, 111)
    assert "q_c14_i01" in centre
    assert "q_c14_i01" not in department
    assert "q_c15_i01" in department
    assert "q_c15_i01" not in centre
    assert "q_policy" in department
    assert "q_policy" not in centre
    assert {"q_channel", "q_c01_i01", "q_c11_i01", "q_problem", "q_suggest"} <= centre & department


@pytest.mark.parametrize("kind", ["centre", "department"])
@pytest.mark.parametrize("channel", ["hall", "online"])
def test_a_respondent_using_one_channel_answers_roughly_40_to_70_questions(kind: str, channel: str) -> None:
    lengths = []
    for (value, _), complained, policy in itertools.product(MATTERS, ("yes", "no"), ("yes", "no")):
        answers = {"q_channel": channel, "q_matter": value, "q_complained": complained, "q_policy": policy}
        lengths.append(len(_shown(DEFAULT, kind, {**answers, "q_problem": ""})))
    assert min(lengths) >= 45
    assert max(lengths) <= 85
    typical = len(
        _shown(
            DEFAULT,
            kind,
            {"q_channel": channel, "q_matter": "other", "q_complained": "no", "q_policy": "no", "q_problem": ""},
        )
    )
    assert 50 <= typical <= 66


def test_a_respondent_using_both_channels_sees_both_sets_of_questions() -> None:
    answers = {"q_matter": "other", "q_complained": "no", "q_policy": "no", "q_problem": ""}
    hall = set(_shown(DEFAULT, "centre", {**answers, "q_channel": "hall"}))
    online = set(_shown(DEFAULT, "centre", {**answers, "q_channel": "online"}))
    both = set(_shown(DEFAULT, "centre", {**answers, "q_channel": "both"}))
    assert hall | online | {"q_c03_i04"} == both
    assert len(both) == 86
