"""The concluded demo tender's people and their keys: accounts made today, keys kept beside the data."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.bidding.services import custodian_key_register, supervision_custody_key_sync
from zhengwu.contexts.bidding.tool import KEY_FORMAT, keys_load
from zhengwu.contexts.evaluation.demo.story import DemoBidder
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.experts.services import expert_update
from zhengwu.contexts.identity.roles import ROLE_LABELS, Role
from zhengwu.contexts.identity.selectors import (
    actor_for,
    organisation_get,
    organisation_get_by_id,
    user_get,
    user_get_by_id,
)
from zhengwu.contexts.identity.services import (
    enterprise_register,
    organisation_verify,
    totp_enrol_demo,
    user_create,
    user_mark_demo,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.crypto import AgreementKey, SigningKey, key_file_create
from zhengwu.kernel.errors import NotAuthenticated, NotFound
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

# The identity demo's published password (identity/demo.py; contexts do not import each other's
# demo modules), and the same derivation of the demo accounts' second-factor secrets.
DEMO_PASSWORD = "Zhengwu@2026"  # noqa: S105 - published demo password, documented in the README
_SYSTEM = Actor.system("demo")


def actor_named(username: str) -> Actor | None:
    """The actor of a demo account, or None when there is none."""
    try:
        return actor_for(user=user_get(username=username))
    except (NotFound, NotAuthenticated):
        return None


def uscc_of(actor: Actor) -> str:
    """The code of a market subject's organisation."""
    assert actor.organisation_id is not None  # demo market subjects belong to their organisation
    return organisation_get_by_id(organisation_id=actor.organisation_id).uscc


def account_shown(*, username: str, display_name: str, role: str) -> dict[str, Any]:
    """A trading-platform account in the shape every demo module returns."""
    prefix = settings.ZHENGWU_PLATFORM_META["trading"]["prefix"]
    return {
        "username": username,
        "display_name": display_name,
        "role": role,
        "role_label": ROLE_LABELS[role],
        "platform": "trading",
        "login_url": f"/{prefix}accounts/login/",
        "needs_totp": role == Role.EXPERT,
    }


def _totp_secret(username: str) -> str:
    digest = hashlib.sha256(f"zhengwu-demo-totp:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def bidder_ensure(spec: DemoBidder, *, staff: Actor) -> Actor:
    """An extra demo bidder, registered and verified the way a real one is, if missing."""
    found = actor_named(spec.username)
    if found is not None:
        return found
    first17 = spec.first8 + spec.body8 + uscc_org_check_char(spec.body8)
    uscc = first17 + uscc_check_char(first17)
    try:
        organisation = organisation_get(uscc=uscc)
    except NotFound:
        organisation, user = enterprise_register(
            uscc=uscc,
            name=spec.name,
            market_roles=[Role.BIDDER],
            contact_name=spec.contact,
            contact_phone=spec.phone,
            username=spec.username,
            password=DEMO_PASSWORD,
            display_name=spec.contact,
            phone=spec.phone,
            ip=None,
        )
        user_mark_demo(user=user, by=_SYSTEM)
    else:
        user_create(
            username=spec.username,
            password=DEMO_PASSWORD,
            display_name=spec.contact,
            roles=[Role.BIDDER],
            organisation=organisation,
            phone=spec.phone,
            is_demo=True,
            by=_SYSTEM,
        )
    if organisation.status != "verified":
        organisation_verify(organisation=organisation, by=staff)
    return actor_for(user=user_get(username=spec.username))


def _folder() -> Path:
    return Path(settings.VAR_DIR) / "demo"


def bidder_keys(username: str) -> tuple[SigningKey, AgreementKey]:
    """A demo bidder's keys in ``VAR_DIR/demo/bidder-<username>.key`` (``zhengwu bid``'s format, 0600),
    made on first use: the same bidder can bid on the open demo tenders with them."""
    path = _folder() / f"bidder-{username}.key"
    if path.exists():
        return keys_load(path)
    signing, agreement = SigningKey.generate(), AgreementKey.generate()
    raw = base64.b64encode(agreement.raw()).decode("ascii")
    key_file_create(path, json.dumps({"format": KEY_FORMAT, "signing": signing.to_b64(), "agreement": raw}))
    return signing, agreement


def bidder_key_is(registered: Any, signing: SigningKey) -> bool:
    """Whether the bidder key registered (or None) is the one of ``signing``."""
    return registered is not None and registered.signing_public == signing.public.to_b64()


def custody_key_ensure(agency: Actor) -> AgreementKey:
    """The agency's custody key as the tendering demo keeps it (``custody-<username>.key``), registered."""
    supervision_custody_key_sync(by=_SYSTEM)
    path = _folder() / f"custody-{agency.username}.key"
    if path.exists():
        key = AgreementKey.from_raw(base64.b64decode(path.read_text()))
    else:
        key = AgreementKey.generate()
        key_file_create(path, base64.b64encode(key.raw()).decode("ascii"))
    public = base64.b64encode(key.public_raw).decode("ascii")
    current = bidding_selectors.custodian_key_current(holder=f"org:{agency.organisation_id}")
    if current is None or current.public != public:
        custodian_key_register(public=public, by=agency)
    return key


def expert_account_ensure(uuid: str, *, staff: Actor) -> Actor:
    """A drawn expert's account: theirs if linked, else a demo account (``expert3`` …) linked by staff."""
    expert = experts_selectors.expert_for_system(uuid=uuid)
    if expert.user_id is not None:
        return actor_for(user=user_get_by_id(user_id=expert.user_id))
    number = 3  # expert1 and expert2 are the identity demo's
    while actor_named(f"expert{number}") is not None:
        number += 1
    username = f"expert{number}"
    user = user_create(
        username=username,
        password=DEMO_PASSWORD,
        display_name=expert.name,
        roles=[Role.EXPERT],
        phone=expert.phone,
        is_demo=True,
        by=_SYSTEM,
    )
    totp_enrol_demo(user=user, secret=_totp_secret(username), by=_SYSTEM)
    # The record as it stands, with the account linked (the edit form gives every field).
    codes = list(expert.specialties.all())
    expert_update(
        expert=expert,
        name=expert.name,
        phone=expert.phone,
        employer_name=expert.employer_name,
        employer_uscc=expert.employer_uscc,
        region_code=expert.region_code,
        title_name=expert.title_name,
        title_level=expert.title_level,
        work_years=expert.work_years,
        base_type=expert.base_type,
        main_specialty=next(s.code for s in codes if s.is_main),
        other_specialties=[s.code for s in codes if not s.is_main],
        qualifications=expert.qualifications,
        education=expert.education,
        entered_on=expert.entered_on,
        username=username,
        by=staff,
    )
    return actor_for(user=user_get(username=username))
