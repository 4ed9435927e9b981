"""The deadline-surge benchmark's sink exists only where ``ZHENGWU_BENCH_SINK=1`` says so."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from zhengwu.deploy import routes


@pytest.mark.django_db
def test_the_sink_is_not_mounted_in_a_normal_deployment() -> None:
    assert os.environ.get("ZHENGWU_BENCH_SINK") is None
    assert (
        Client().post("/trading/api/bench/sink", data=b"x", content_type="application/octet-stream").status_code == 404
    )


def test_the_flag_mounts_it_behind_the_api_authentication(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGWU_BENCH_SINK", "1")
    patterns = routes.platform_patterns("trading")
    api = patterns[0].url_patterns  # the platform's ninja API
    assert any("bench/sink" in str(p.pattern) for p in api)
    monkeypatch.delenv("ZHENGWU_BENCH_SINK")
    assert not any("bench/sink" in str(p.pattern) for p in routes.platform_patterns("trading")[0].url_patterns)
