"""Simulated respondents for the demo quarter: realistic answers, and a few planted bad ones.

A respondent has a latent view of the unit (the unit's quality, the category's offset, their own
leniency and noise) that is cut into the five levels; they skip what skip logic hides, say
"不了解" now and then, take a few seconds per question, and sometimes name a problem. The
planted kinds are what quality control must catch (appraisal-methods.md §5): straight-liners,
speeders, copies of another interview, and an interviewer who fabricates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from zhengwu.contexts.appraisal.system import ItemDef, SystemDef

# Cut points of the latent 0–100 view into the five levels (5 = 非常满意).
_CUTS = ((88.0, "5"), (70.0, "4"), (52.0, "3"), (35.0, "2"))
_NA_SHARE = 0.06
PROBLEM_BANK = {
    "效率": ["审批时限比承诺的长，材料交上去两周没有消息", "同一份材料被要求重复提交"],
    "指南": ["办事指南上的材料清单和窗口要求的不一致", "网上指南没有写清楚需要的表格"],
    "便捷": ["要跑好几个窗口，不能一次办好", "预约号很难约到"],
    "平台": ["网上办事平台经常登录不上", "上传附件总是失败"],
    "态度": ["窗口工作人员解释不耐烦", "咨询电话总是没人接"],
    "环境": ["大厅等候座位不够，停车困难"],
    "投资": ["投资项目审批环节多，前后要盖很多章"],
}
PLANTED_KINDS = ("straight_line", "speeding", "copy", "fabricating_interviewer")


@dataclass
class SimulatedResponse:
    answers: dict[str, str]
    timings: dict[str, int]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (text, category code)
    planted: str = ""


def _level(view: float) -> str:
    for cut, level in _CUTS:
        if view >= cut:
            return level
    return "1"


def _problem_text(category_name: str, rng: np.random.Generator) -> str:
    for key, texts in PROBLEM_BANK.items():
        if key in category_name:
            return str(rng.choice(texts))
    return str(rng.choice(PROBLEM_BANK["便捷"]))


def respondent_simulate(
    *,
    system: SystemDef,
    items: list[ItemDef],
    quality: float,
    category_offsets: Mapping[str, float],
    rng: np.random.Generator,
    relevant: Callable[[str, Mapping[str, str]], bool],
    seconds_per_item: float = 4.0,
) -> SimulatedResponse:
    """One honest respondent's answers and per-question timings (milliseconds)."""
    category_of = {i.code: i.category for i in system.indicators}
    names = {c.code: c.name for c in system.categories}
    leniency = rng.normal(0, 6)
    answers: dict[str, str] = {}
    timings: dict[str, int] = {}
    views: dict[str, list[float]] = {}
    problems: list[tuple[str, str]] = []
    for item in items:
        if not relevant(item.relevant, answers):
            continue
        timings[item.name] = int(rng.lognormal(np.log(seconds_per_item * 1000), 0.35))
        if item.kind == "select_one" and problems and {code for code, _ in item.choices} <= set(names):
            answers[item.name] = problems[-1][1]  # the topic of the problem just written
        elif item.kind == "select_one":
            weights = np.array([3.0 if i == 0 else 1.0 for i in range(len(item.choices))])
            answers[item.name] = item.choices[int(rng.choice(len(item.choices), p=weights / weights.sum()))][0]
        elif item.kind in ("rating5", "yes_no"):
            category = category_of[item.indicator]
            view = quality + category_offsets.get(category, 0.0) + leniency + rng.normal(0, 11)
            views.setdefault(category, []).append(view)
            if rng.random() < _NA_SHARE:
                answers[item.name] = "na"
            elif item.kind == "rating5":
                answers[item.name] = _level(view)
            else:
                answers[item.name] = "yes" if rng.random() < 1 / (1 + np.exp(-(view - 55) / 8)) else "no"
        elif item.kind == "problem" and views:
            # Someone who had a bad time in one area often says what it was.
            worst = min(views, key=lambda c: float(np.mean(views[c])))
            if float(np.mean(views[worst])) < 62 and rng.random() < 0.6:
                text = _problem_text(names[worst], rng)
                answers[item.name] = text
                timings[item.name] = int(rng.lognormal(np.log(30_000), 0.3))
                problems.append((text, worst))
            else:
                timings.pop(item.name)
        else:
            timings.pop(item.name)
    return SimulatedResponse(answers=answers, timings=timings, problems=problems)


def respondent_plant(
    *, kind: str, honest: SimulatedResponse, items: list[ItemDef], rng: np.random.Generator
) -> SimulatedResponse:
    """Turn an honest response into one of the planted bad kinds (a copy is made by the caller)."""
    answers, timings = dict(honest.answers), dict(honest.timings)
    rated = [i.name for i in items if i.kind == "rating5" and i.name in answers]
    if kind == "straight_line":
        for name in rated:
            answers[name] = "4"
    elif kind == "speeding":
        timings = {name: int(rng.uniform(400, 900)) for name in timings}
    elif kind == "fabricating_interviewer":
        # Glowing and brisk, but varied enough to pass the per-response checks: only the
        # interviewer's pattern against the other interviewers gives it away.
        for name in rated:
            answers[name] = str(rng.choice(["4", "5"], p=[0.4, 0.6]))
        timings = {name: int(t * rng.uniform(0.6, 0.75)) for name, t in timings.items()}
    return SimulatedResponse(answers=answers, timings=timings, problems=[], planted=kind)
