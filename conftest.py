"""Shared pytest configuration: every test starts on the real clock, and hashes passwords fast.

Argon2 (the deployables' hasher, ``deploy/base.py``) costs ~0.2 s a password by design; the demo
alone creates some twenty accounts, and many tests load it. Tests hash with MD5, as Django's
testing guide advises; ``tests/web/test_password_hashing.py`` checks the deployables keep Argon2
and that a password set under it still verifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.kernel.clock import clock_reset

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    # The demo's two simulated appraisal quarters take a minute; the many tests that load the demo
    # for other reasons leave them out (appraisal/tests/test_demo_quarter.py runs them itself).
    from django.conf import settings

    settings.ZHENGWU_DEMO_APPRAISAL_QUARTERS = False
    # Likewise the service centre's library and legal-aid records (center's own tests load them).
    settings.ZHENGWU_DEMO_CENTER_RECORDS = False


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    clock_reset()
    yield
    clock_reset()


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest) -> None:
    if "real_password_hashing" in request.keywords:
        return
    settings: Any = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = FAST_HASHERS
