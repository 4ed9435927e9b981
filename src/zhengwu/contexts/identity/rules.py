"""Pure rules of the identity context: limits, transitions and checks. No ORM, no Django."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from zhengwu.contexts.identity.roles import MARKET_ROLES, Role
from zhengwu.kernel.uscc import UsccVerdict

# --- Sign-in throttling ----------------------------------------------------------------------
#
# Accounts are never locked globally. A lock by username alone would hand any rival a weapon:
# a few wrong passwords typed for a competitor's account minutes before a bid deadline would
# keep the competitor out of the tender (see shared/reference/sealed-bids-and-security.md).
# Failures are therefore counted per (username, client IP): an attacker hammering an account
# blocks only himself, while the account holder signing in from his own office still gets in.
#
# 5 failures per pair in 15 minutes leaves room for honest typos (and a caps-lock) while
# allowing an online guesser 480 guesses a day per address against one account. 30 failures
# per IP in 15 minutes stops one address from spraying many accounts, yet is high enough that
# a company or a government office behind one NAT address does not block its own staff.
# Wrong TOTP codes count as failures of the same pair: a stolen password does not buy an
# unlimited number of guesses at the 6-digit code.
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_PAIR_LIMIT = 5
LOGIN_IP_LIMIT = 30
# Kept this long as evidence (a pattern of attacks on bidders is a red flag), then purged.
LOGIN_FAILURE_RETENTION = dt.timedelta(days=30)

# --- TOTP (RFC 6238) -------------------------------------------------------------------------
TOTP_INTERVAL_SECONDS = 30
TOTP_DIGITS = 6
# One step either side absorbs clock drift of the phone and the time it takes to type the code.
TOTP_VALID_WINDOW = 1
TOTP_ISSUER = "Zhengwu 政务"
# After the password step a person has this long to type the code before starting again.
SIGNIN_PENDING_MAX_AGE = dt.timedelta(minutes=5)

# --- Organisations ---------------------------------------------------------------------------
# Which statuses each staff action may start from. A rejected registration may be verified
# later (new evidence), a suspended organisation may be reinstated by verifying it again.
ORGANISATION_TRANSITIONS: dict[str, frozenset[str]] = {
    "verify": frozenset({"pending", "rejected", "suspended"}),
    "reject": frozenset({"pending"}),
    "suspend": frozenset({"verified"}),
}
ORGANISATION_ACTION_LABELS = {"verify": "核验通过", "reject": "驳回", "suspend": "暂停"}
ORGANISATION_STATUS_LABELS = {"pending": "待审核", "verified": "已核验", "rejected": "未通过", "suspended": "已暂停"}

REASON_MIN_LENGTH = 4
REASON_MAX_LENGTH = 1000

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def organisation_transition_allowed(*, action: str, status: str) -> bool:
    """True if staff may ``action`` (verify, reject, suspend) an organisation in ``status``."""
    return status in ORGANISATION_TRANSITIONS.get(action, frozenset())


def organisation_kind_for(uscc: str) -> str:
    """The kind of organisation a (normalised) USCC says it is: authority and category."""
    authority, category = uscc[:1], uscc[1:2]
    if authority == "9":
        return "enterprise"
    if authority == "1":
        return {"1": "government", "2": "institution"}.get(category, "other")
    return "other"


def uscc_override_applicable(verdict: UsccVerdict) -> bool:
    """An override may only excuse a failed check character, never a malformed code."""
    return not verdict.valid and verdict.error_code == "uscc_check_digit" and len(verdict.errors) == 1


def phone_valid(text: str) -> bool:
    """A mainland mobile number (11 digits) or a landline with its area code."""
    return bool(_MOBILE.match(text) or _LANDLINE.match(text))


def market_roles_invalid(roles: Iterable[str]) -> list[str]:
    """The entries of ``roles`` that are not market roles (tenderer, agency, bidder)."""
    return sorted({r for r in roles if r not in MARKET_ROLES})


def roles_unknown(roles: Iterable[str]) -> list[str]:
    """The entries of ``roles`` that are not roles at all."""
    known = {r.value for r in Role}
    return sorted({r for r in roles if r not in known})


def login_allowed(*, user_roles: Iterable[str], login_roles: Iterable[str]) -> bool:
    """True if someone holding ``user_roles`` may sign in on a platform admitting ``login_roles``."""
    return bool(set(user_roles) & set(login_roles))


def reason_clean(text: str) -> str | None:
    """The reason with surrounding space removed, or None if too short or too long."""
    cleaned = text.strip()
    if len(cleaned) < REASON_MIN_LENGTH or len(cleaned) > REASON_MAX_LENGTH:
        return None
    return cleaned
