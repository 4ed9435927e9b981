"""Writes of the identity context: organisations, accounts, roles and second factors.

Each service checks permission against the actor first, then changes the data, appends one
audit entry and — for organisations holding market roles — writes one MarketSubjectChanged
event to the outbox, all in one transaction. A refused call changes nothing.

Other contexts import from here (``zhengwu.contexts.identity.services``), never from the
modules behind it.
"""

from zhengwu.contexts.identity.services.accounts import role_grant, role_revoke, user_create, user_mark_demo
from zhengwu.contexts.identity.services.organisations import (
    enterprise_register,
    organisation_create,
    organisation_reject,
    organisation_suspend,
    organisation_uscc_override,
    organisation_verify,
)
from zhengwu.contexts.identity.services.second_factor import totp_enrol_confirm, totp_enrol_demo, totp_reset
from zhengwu.contexts.identity.services.tokens import api_token_create, api_token_revoke

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "enterprise_register",
    "organisation_create",
    "organisation_reject",
    "organisation_suspend",
    "organisation_uscc_override",
    "organisation_verify",
    "role_grant",
    "role_revoke",
    "totp_enrol_confirm",
    "totp_enrol_demo",
    "totp_reset",
    "user_create",
    "user_mark_demo",
]
