"""A concluded demo tender: one construction section taken the whole way, replayed as history.

The other demo tenders are still open, so nobody could see the pages that come after a bid
deadline. This one went the whole way in the summer of 2026: the notice (3 August), five sealed
bids (one replaced before the deadline), the online opening at the deadline (25 August 09:30)
with the custody shares and the bidders' own key halves and an objection at the read-out, the
expert draw from the demo pool, the evaluation (综合评估法; one bid rejected, five score sheets,
one member's note on the report), the candidates' publicity, the award and its notice, the
written report, the contract and the bid securities paid back (``story`` holds what happened).

It is history replayed — a drill. The kernel's clock is frozen at each instant of the timeline in
turn (``clock_set``) and given back to the real time at the end, whatever happens
(``clock_reset`` in ``finally``). Every step is a service call by the person whose act it is —
the agency, the bidders sealing with the bidding library as ``zhengwu bid`` does, the centre's
staff, a regulator releasing the supervision platform's share, the drawn experts — and the
exchange relay carries the events between the platforms as it did then (``replay``). Nothing is
written to a table directly. The accounts of the drawn experts (``expert3`` …) and of two more
bidders (``bidder4``, ``bidder5``) are today's, made for the demo like every demo account; the
bidders' keys are kept in ``VAR_DIR/demo/`` (``people``).

The whole replay is one transaction: it is there completely or not at all. It needs the trading
and supervision platforms in one deployable (the standalone default). Loading twice changes
nothing: the project is found by name and left as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.evaluation.demo import story
from zhengwu.contexts.evaluation.demo.people import (
    account_shown,
    actor_named,
    bidder_ensure,
    bidder_key_is,
    bidder_keys,
    custody_key_ensure,
)
from zhengwu.contexts.evaluation.demo.replay import Cast, relay_all, replay
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import user_get_by_id
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.clock import clock_now, clock_reset
from zhengwu.kernel.errors import ZhengwuError
from zhengwu.kernel.money import money_format

logger = logging.getLogger(__name__)

ESTIMATE_YUAN = story.ESTIMATE_YUAN
PROJECT_NAME = story.PROJECT_NAME


class _NotHere(Exception):
    """Why the concluded tender is not replayed on this installation (logged; nothing is kept)."""


def _cast(platforms: list[str]) -> Cast:
    """The people of the replay with their keys (two bidders registered if missing); ``_NotHere`` if it cannot be."""
    if "supervision" not in platforms:
        # The opening needs the supervision platform's share, released there by a regulator.
        raise _NotHere("it needs the supervision platform in the same deployable")
    people = {name: actor_named(name) for name in ("staff", "tenderer", "agency", "regulator", *story.BIDDERS[:3])}
    missing = sorted(name for name, actor in people.items() if actor is None)
    if missing:
        raise _NotHere(f"the identity demo's accounts are missing ({', '.join(missing)})")
    if clock_now() < story.SETTLED + story.SETTLED_MARGIN:
        raise _NotHere("its history (summer 2026) is not past yet")
    staff, tenderer, agency, regulator = (people[name] for name in ("staff", "tenderer", "agency", "regulator"))
    assert staff is not None
    assert tenderer is not None
    assert agency is not None
    assert regulator is not None
    bidders = {name: actor for name, actor in people.items() if name in story.BIDDERS and actor is not None}
    for spec in story.NEW_BIDDERS:
        bidders[spec.username] = bidder_ensure(spec, staff=staff)
    keys = {username: bidder_keys(username) for username in story.BIDDERS}
    for username, actor in bidders.items():
        # Never replace a key somebody registered for this bidder: its private half is theirs.
        registered = bidding_selectors.bidder_key_own(by=actor)
        if registered is not None and not bidder_key_is(registered, keys[username][0]):
            raise _NotHere(f"{username} has registered its own bidding key")
    return Cast(
        staff=staff,
        tenderer=tenderer,
        agency=agency,
        regulator=regulator,
        bidders=bidders,
        keys=keys,
        custody_key=custody_key_ensure(agency),
    )


def _accounts(section_code: str) -> list[dict[str, Any]]:
    """The accounts worth showing for the concluded tender: the two extra bidders and the panel."""
    out = []
    for spec in story.NEW_BIDDERS:
        if actor_named(spec.username) is not None:
            out.append(account_shown(username=spec.username, display_name=spec.contact, role=Role.BIDDER))
    for seat in experts_selectors.panel_for_section(section_code=section_code):
        if seat.user_id is not None:
            user = user_get_by_id(user_id=seat.user_id)
            out.append(account_shown(username=user.username, display_name=user.display_name, role=Role.EXPERT))
    return out


def demo_load(*, platforms: list[str]) -> list[dict[str, Any]]:
    """Replay the concluded demo tender once (trading and supervision platforms); return its accounts.

    Each returned item is ``{username, display_name, role, role_label, platform, login_url,
    needs_totp}``: the two extra bidders, then the drawn experts.
    """
    if "trading" not in platforms:
        return []
    tenderer = actor_named("tenderer")
    if tenderer is not None:
        project = tendering_selectors.projects_for(by=tenderer).filter(name=story.PROJECT_NAME).first()
        if project is not None:
            sections = tendering_selectors.project_sections(project=project)
            if not sections or sections[0].status != "contracted":
                logger.warning("demo: %s exists but did not conclude; left as it is", story.PROJECT_NAME)
                return []
            return _accounts(sections[0].code)
    try:
        # One transaction: a refusal anywhere (the rules, the calendar) leaves no trace of the replay.
        with transaction.atomic():
            cast = _cast(platforms)
            try:
                section, award, panel = replay(cast)
            finally:
                clock_reset()
    except _NotHere as reason:
        logger.warning("demo: the concluded tender %s is not loaded: %s", story.PROJECT_NAME, reason)
        return []
    except ZhengwuError as exc:
        logger.warning("demo: the concluded tender was not loaded: %s (%s)", exc.message, exc.code)
        return []
    relay_all()  # what waited for the real clock (the events of the accounts made today)
    logger.info(
        "demo: concluded tender %s (%s): awarded to %s at %s 元, savings %s 元 against the estimate of %s 元; panel %s",
        section.code,
        story.PROJECT_NAME,
        award.bidder,
        money_format(award.price_fen),
        money_format(award.savings_fen),
        money_format(award.budget_fen),
        ", ".join(panel),
    )
    return _accounts(section.code)
