"""The service centre's JSON API, mounted at ``/center/api/center/``: one sub-router per area.

Each area's module (``api_<area>.py``) builds its router with the same rules as its pages; errors
are ``{code, message, detail}`` with stable codes.
"""

from __future__ import annotations

from ninja import Router

from zhengwu.contexts.center.api_hall import hall_router_build
from zhengwu.contexts.center.api_legal_aid import legal_aid_router_build
from zhengwu.contexts.center.api_library import library_router_build
from zhengwu.contexts.center.api_roster import roster_router_build


def router_build(*, platform: str) -> Router | None:
    """The centre's API (service-centre platform only)."""
    if platform != "center":
        return None
    router = Router(tags=["center"])
    # One line per area: router.add_router("/<area>", <area>_router_build())
    router.add_router("/roster", roster_router_build())
    router.add_router("/hall", hall_router_build())
    router.add_router("/library", library_router_build())
    router.add_router("/legal-aid", legal_aid_router_build())
    return router
