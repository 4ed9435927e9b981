"""Events the service centre publishes: what the public site shows of the hall, the roster and the library.

The public platform (``disclosure``) keeps its own copy of each, built only from these events, so
the centre's platform can be deployed apart and the public site never reads its database. Each
event carries the whole current state of its subject (a snapshot), not a change: a later message
replaces an earlier one, and a lost or repeated message cannot leave the public copy half-updated.
Nothing personal travels here: leaders appear by name and title (they sit in the hall in public),
readers, loans and legal aid never.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent

# The hall is one subject: its messages form one stream, in order.
HALL_SUBJECT = "hall"


@dataclasses.dataclass(frozen=True)
class HallInfoChanged(ExchangeEvent):
    """The hall's public information as it now stands, after any change staff made to it.

    ``hours``: [{"weekday" 1–7, "opens" "HH:MM" | None, "closes" "HH:MM" | None, "note"}];
    ``amenities``: [{"kind", "name", "location", "note"}]; ``windows``: [{"number", "department",
    "floor", "services"}]; ``announcements``: the ones currently shown, [{"id", "title", "body",
    "pinned", "published_at", "expires_at" | None}]. Instants are ISO 8601.
    """

    event_type: ClassVar[str] = "center.hall.changed"
    aggregate_type: ClassVar[str] = "center.hall"

    changed_at: str
    hours: list[dict[str, Any]]
    amenities: list[dict[str, Any]]
    windows: list[dict[str, Any]]
    announcements: list[dict[str, Any]]

    @property
    def aggregate_id(self) -> str:
        return HALL_SUBJECT


@dataclasses.dataclass(frozen=True)
class RosterPublished(ExchangeEvent):
    """A year's published duty roster as it now stands: sent at publication and after each change.

    ``duties``: [{"day" ISO date, "department", "leader", "title", "status"}] in day then
    department order. Leaders' phone numbers never travel.
    """

    event_type: ClassVar[str] = "center.roster.published"
    aggregate_type: ClassVar[str] = "center.roster"

    year: int
    published_at: str
    changed_at: str
    duties: list[dict[str, Any]]

    @property
    def aggregate_id(self) -> str:
        return str(self.year)


@dataclasses.dataclass(frozen=True)
class CatalogueTitleChanged(ExchangeEvent):
    """A title of the library's catalogue as it now stands, with how many copies are on the shelf.

    Sent when the title is added or edited, recommended, and when a copy is added, lent,
    returned or lost. ``key`` is stable for the title (``B<id>``); ``withdrawn`` takes it off
    the public catalogue. Who borrowed a copy never travels.
    """

    event_type: ClassVar[str] = "center.library.title_changed"
    aggregate_type: ClassVar[str] = "center.library.title"

    key: str
    kind: str  # book | periodical
    isbn: str  # ISBN-13 or "" (periodicals carry an ISSN in ``call_number`` or none)
    title: str
    author: str
    publisher: str
    year: int | None
    category: str  # 中图法 class letter(s), e.g. "D6"
    call_number: str
    summary: str
    recommended_at: str | None  # ISO 8601 when recommended as a new book
    copies_total: int
    copies_available: int
    changed_at: str
    withdrawn: bool = False

    @property
    def aggregate_id(self) -> str:
        return self.key
