"""The platforms of Zhengwu: where each lives in the URL space, which contexts it runs and who
may sign in there.

URL prefixes are the same in every deployment, so a link works whether the platforms run in
one process or five. Titles are English msgids translated by the web layer.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as _

PLATFORM_META: dict[str, dict[str, Any]] = {
    "public": {
        "title": _("Public Service Platform"),
        "short": _("Public Service"),
        "prefix": "",
        "contexts": ["disclosure"],
        "login_roles": ["public", "centre_staff"],
    },
    "trading": {
        "title": _("Trading Platform"),
        "short": _("Trading"),
        "prefix": "trading/",
        "contexts": ["tendering", "bidding", "experts", "evaluation", "auctions"],
        "login_roles": ["centre_staff", "tenderer", "agency", "bidder", "expert"],
    },
    "supervision": {
        "title": _("Administrative Supervision Platform"),
        "short": _("Supervision"),
        "prefix": "supervision/",
        "contexts": ["supervision"],
        "login_roles": ["regulator", "city_leader"],
    },
    "appraisal": {
        "title": _("Third-party Appraisal of Government Services"),
        "short": _("Appraisal"),
        "prefix": "appraisal/",
        "contexts": ["appraisal"],
        "login_roles": ["appraiser", "city_leader", "department_user"],
    },
    "center": {
        "title": _("Service Centre"),
        "short": _("Service Centre"),
        "prefix": "center/",
        "contexts": ["center"],
        "login_roles": ["centre_staff", "department_user", "city_leader", "legal_aid_staff"],
    },
}

ALL_PLATFORMS = list(PLATFORM_META)


def contexts_for(platforms: list[str]) -> list[str]:
    out: list[str] = []
    for name in platforms:
        for context in PLATFORM_META[name]["contexts"]:
            if context not in out:
                out.append(context)
    return out
