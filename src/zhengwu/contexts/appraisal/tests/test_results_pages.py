"""The results pages: a round's ranking (table, chart, Excel) and one unit over time."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest

from zhengwu.contexts.appraisal.models import UnitScore
from zhengwu.contexts.appraisal.publication import round_publish
from zhengwu.contexts.appraisal.tests.scene_collection import APPRAISER, signed_in

pytestmark = pytest.mark.django_db


def test_the_round_page_ranks_each_kind_with_its_uncertainty_and_exports_it(scored_world: dict[str, Any]) -> None:
    round_ = scored_world["scene"].round
    client = signed_in("appraiser2", "appraiser")
    page = client.get(f"/appraisal/rounds/{round_.code}/results/")
    assert page.status_code == 200
    html = page.content.decode()
    scores = list(UnitScore.objects.filter(round=round_).select_related("unit").order_by("kind", "rank"))
    assert len(scores) == 2  # one centre, one department: each first of its kind
    for score in scores:
        row = re.search(rf'<tr data-unit="{score.unit.code}".*?</tr>', html, re.S)
        assert row is not None
        assert f"{score.total:.2f}" in row.group(0)
        assert f"{score.p_last:.2f}" in row.group(0)
        assert f'data-testid="chart-{score.kind}"' in html
    assert f"{round_.result.city_score:.2f}" in html
    assert "data:image/svg+xml;base64," in html

    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/appraisal/rounds/{round_.code}/results/?format=xlsx").content)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:7] == ("类型", "排名", "参评单位数", "编号", "单位", "样本量", "总分")
    assert [(r[3], r[1], r[6]) for r in rows[1:]] == [(s.unit.code, s.rank, round(s.total, 2)) for s in scores]


def test_a_unit_page_shows_its_categories_against_its_kind(scored_world: dict[str, Any]) -> None:
    round_ = scored_world["scene"].round
    round_publish(round=round_, by=APPRAISER, build_reports=False)
    unit = scored_world["scene"].units[0]
    score = UnitScore.objects.get(round=round_, unit=unit)
    page = signed_in("leader2", "city_leader").get(f"/appraisal/units/{unit.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="round-{round_.code}"' in html
    assert f"{score.total:.2f}" in html
    for code, value in score.categories.items():
        if value.get("score") is not None:
            assert f"{value['score']:.1f}" in html, code
