"""The public home page shows live figures: verified subjects and the sealed audit log."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.platform.audit.selectors import audit_entry_count

pytestmark = pytest.mark.django_db


def test_home_counts_verified_subjects_and_shows_the_latest_tree_head(db: Any) -> None:
    body = Client().get("/").content.decode()
    assert 'data-testid="subject-total">0<' in body
    call_command("demo", stdout=StringIO())
    call_command("exchange", "relay", "--once", stdout=StringIO())
    call_command("audit", "seal", stdout=StringIO())
    body = Client().get("/").content.decode()
    # Five verified demo subjects (agency, tenderer, three bidders) reach the public platform;
    # the pending one does not.
    assert 'data-testid="subject-total">5<' in body
    tree_size = audit_entry_count()
    assert f'<div class="figure">{tree_size}</div>' in body
