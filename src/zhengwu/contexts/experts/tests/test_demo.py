"""The demo pool: 60 valid experts through the services, the demo experts linked, loaded twice alike."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from zhengwu.contexts.experts.demo import POOL_SIZE, demo_load
from zhengwu.contexts.experts.models import Expert, ExpertConflict, ExpertSpecialty
from zhengwu.contexts.experts.selectors import experts_eligible
from zhengwu.contexts.experts.tests.factories import TODAY
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Any) -> None:
    # The whole demo, as ``zhengwu setup`` loads it: identity's accounts first, then every context's.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("demo", stdout=io.StringIO())


def test_the_demo_pool_loads_once_and_links_the_demo_experts(demo: None) -> None:
    platforms = list(settings.ZHENGWU_PLATFORMS)
    assert Expert.objects.count() == POOL_SIZE
    assert Expert.objects.filter(status="suspended").count() == 2
    expert1 = Expert.objects.get(user_id=user_get(username="expert1").pk)
    expert2 = Expert.objects.get(user_id=user_get(username="expert2").pk)
    assert (expert1.name, expert2.name) == ("吴建国", "郑丽华")
    # Every expert has one main specialty; some work for the demo's market subjects.
    assert ExpertSpecialty.objects.filter(is_main=True).count() == POOL_SIZE
    assert Expert.objects.filter(employer_name="云南某建设工程有限公司").exists()
    assert ExpertConflict.objects.filter(relation="kinship").count() == 1
    assert len({e.region_code for e in Expert.objects.all()}) == 7
    assert len(experts_eligible(specialties=["A0802"], region_codes=["530100"], on_date=TODAY)) >= 5
    entries = AuditEntry.objects.count()

    demo_load(platforms=platforms)

    assert Expert.objects.count() == POOL_SIZE
    assert AuditEntry.objects.count() == entries


def test_without_the_trading_platform_there_is_no_pool(db: Any) -> None:
    assert demo_load(platforms=["public", "supervision"]) == []
    assert Expert.objects.count() == 0
