"""Shared fixtures of the appraisal's tests."""

from __future__ import annotations

from typing import Any

import pytest

from zhengwu.contexts.appraisal.collection import response_submit
from zhengwu.contexts.appraisal.models import Response
from zhengwu.contexts.appraisal.results import round_results_compute
from zhengwu.contexts.appraisal.rounds import round_close
from zhengwu.contexts.appraisal.tests.scene_collection import APPRAISER, good_answers, scene_build, timings_for
from zhengwu.contexts.appraisal.tickets import tickets_create_for_round

SECRET_PHONE = "13912345678"


@pytest.fixture
def scored_world() -> dict[str, Any]:
    """Two units with twelve answered questionnaires each (one naming a problem), scored and closed."""
    scene = scene_build(units=2)
    for unit in scene.units:
        for i in range(12):
            invitation = scene.invite(unit)
            extra = {"p1": f"窗口推诿，我是联系人，电话{SECRET_PHONE}", "p1_topic": "C1"} if i == 0 else {}
            answers = good_answers(str(2 + i % 4), **extra)
            response_submit(
                invitation=invitation,
                uscc=invitation.frame_entry.uscc,
                answers=answers,
                timings=timings_for(answers),
                instance_id=f"00000000-0000-4000-8000-{unit.pk:04d}{i:08d}",
                started_at=None,
            )
    round_close(round=scene.round, by=APPRAISER)
    round_results_compute(round=scene.round, by=APPRAISER, bootstrap=200, seed=1)
    tickets_create_for_round(round=scene.round, by=APPRAISER)
    response = Response.objects.filter(round=scene.round).order_by("id").first()
    assert response is not None
    cati = scene.invite(scene.units[0], channel="cati")
    return {"scene": scene, "response": response, "cati": cati}
