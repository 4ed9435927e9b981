"""Demo data of the service centre: departments and their duty roster, the hall, the library, the legal-aid desk."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from zhengwu.contexts.center.demo_hall import hall_demo_load
from zhengwu.contexts.center.demo_legal_aid import legal_aid_demo_load
from zhengwu.contexts.center.demo_library import library_demo_load
from zhengwu.contexts.center.demo_roster import roster_demo_load
from zhengwu.kernel.actor import Actor


def demo_load(*, platforms: list[str]) -> list[dict[str, Any]]:
    """Departments, leaders and this year's roster; the hall's hours, amenities, windows and notices;
    the library's catalogue, readers and loans; the legal-aid desk's consultations and cases."""
    if "center" not in platforms:
        return []
    system = Actor.system("demo")
    roster_demo_load(by=system)
    hall_demo_load(by=system)
    # The library's and the desk's records (settings: the test suite leaves them out where it
    # loads the demo for other reasons; they cost seconds and hundreds of public-site messages).
    if settings.ZHENGWU_DEMO_CENTER_RECORDS:
        library_demo_load(by=system)
        legal_aid_demo_load(by=system)
    return []
