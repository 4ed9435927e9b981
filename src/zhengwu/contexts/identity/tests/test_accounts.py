"""Staff create accounts and grant or revoke roles; nobody else can, nobody for themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from zhengwu.contexts.identity.models import Organisation, RoleGrant, User
from zhengwu.contexts.identity.selectors import actor_for, user_get, users_with_role
from zhengwu.contexts.identity.services import role_grant, role_revoke, user_create
from zhengwu.contexts.identity.tests.conftest import ALL_ROLES, PASSWORD
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.audit.selectors import audit_entries_for

pytestmark = pytest.mark.django_db


def _roles(user: User) -> list[str]:
    return sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def test_staff_create_an_expert_account(staff: User, staff_actor: Any) -> None:
    expert = user_create(
        username="expert_wu", password=PASSWORD, display_name="吴建国", roles=["expert"], by=staff_actor
    )
    assert (expert.username, expert.display_name, expert.is_demo, expert.organisation_id) == (
        "expert_wu",
        "吴建国",
        False,
        None,
    )
    assert _roles(expert) == ["expert"]
    assert expert.needs_totp is True
    assert RoleGrant.objects.get(user=expert).granted_by_id == staff.pk
    [entry] = audit_entries_for(object_type="identity.user", object_id=str(expert.pk))
    assert (entry.action, entry.actor_username, entry.after["roles"]) == ("identity.user.create", "staff1", ["expert"])
    assert [u.username for u in users_with_role(role="expert")] == ["expert_wu"]


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != "centre_staff"])
def test_only_staff_create_accounts(role: str, make_user: Callable[..., User]) -> None:
    actor = actor_for(user=make_user(role))
    users, entries = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        user_create(username="sneaky", password=PASSWORD, display_name="某人", roles=["centre_staff"], by=actor)
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, entries)


def test_account_creation_refusals(staff_actor: Any, centre: Organisation) -> None:
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"roles": ["bidder"]}, InvalidInput, "role_needs_organisation"),
        ({"roles": ["bidder"], "organisation": centre}, InvalidInput, "role_needs_organisation"),
        ({"roles": ["emperor"]}, InvalidInput, "role_unknown"),
        ({"roles": []}, InvalidInput, "roles_required"),
        ({"password": "zhengwu"}, InvalidInput, "password_weak"),
        ({"username": "staff1"}, Conflict, "username_taken"),
        ({"username": "STAFF1"}, Conflict, "username_taken"),
        ({"is_demo": True}, PermissionDenied, "permission_denied"),
    ]
    users = User.objects.count()
    for overrides, error, code in cases:
        kwargs: dict[str, Any] = {
            "username": "someone",
            "password": PASSWORD,
            "display_name": "某人",
            "roles": ["expert"],
            "by": staff_actor,
            **overrides,
        }
        with pytest.raises(error) as refused:
            user_create(**kwargs)
        assert refused.value.code == code  # type: ignore[attr-defined]
    assert User.objects.count() == users


def test_grant_and_revoke_a_role(staff_actor: Any, make_user: Callable[..., User]) -> None:
    leader = make_user("city_leader", username="leader1")
    role_grant(user=leader, role="department_user", by=staff_actor)
    assert _roles(leader) == ["city_leader", "department_user"]
    assert leader.role_codes == frozenset({"city_leader", "department_user"})
    with pytest.raises(Conflict) as twice:
        role_grant(user=leader, role="department_user", by=staff_actor)
    assert twice.value.code == "role_already_granted"
    role_revoke(user=leader, role="department_user", by=staff_actor)
    assert _roles(leader) == ["city_leader"]
    assert leader.role_codes == frozenset({"city_leader"})
    with pytest.raises(Conflict) as absent:
        role_revoke(user=leader, role="department_user", by=staff_actor)
    assert absent.value.code == "role_not_granted"
    actions = [e.action for e in audit_entries_for(object_type="identity.user", object_id=str(leader.pk))]
    assert actions == ["identity.user.create", "identity.role.grant", "identity.role.revoke"]


def test_nobody_grants_or_revokes_their_own_roles(staff: User, staff_actor: Any) -> None:
    with pytest.raises(PermissionDenied):
        role_grant(user=staff, role="regulator", by=staff_actor)
    with pytest.raises(PermissionDenied):
        role_revoke(user=staff, role="centre_staff", by=staff_actor)
    assert _roles(staff) == ["centre_staff"]


def test_market_roles_follow_the_organisation(staff_actor: Any, make_user: Callable[..., User]) -> None:
    bidder = make_user("bidder", username="bidder_b")
    with pytest.raises(InvalidInput) as refused:
        role_grant(user=bidder, role="agency", by=staff_actor)
    assert refused.value.code == "role_needs_organisation"
    expert = make_user("expert", username="expert_b")
    with pytest.raises(InvalidInput):
        role_grant(user=expert, role="bidder", by=staff_actor)
    assert _roles(bidder) == ["bidder"]
    assert _roles(expert) == ["expert"]


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != "centre_staff"])
def test_only_staff_grant_roles(role: str, make_user: Callable[..., User]) -> None:
    actor = actor_for(user=make_user(role))
    target = make_user("public", username="citizen")
    with pytest.raises(PermissionDenied):
        role_grant(user=target, role="centre_staff", by=actor)
    assert _roles(target) == ["public"]


def test_actor_for_refuses_anonymous_and_inactive(make_user: Callable[..., User]) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        actor_for(user=AnonymousUser())
    user = make_user("bidder", username="gone")
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(NotAuthenticated) as inactive:
        actor_for(user=user_get(username="gone"))
    assert inactive.value.code == "account_inactive"


def test_actor_for_carries_roles_organisation_and_ip(make_user: Callable[..., User], rf: Any) -> None:
    user = make_user("agency", username="agent")
    request = rf.get("/trading/", REMOTE_ADDR="10.20.30.40")
    request.session = {}
    actor = actor_for(user=user, request=request)
    assert (actor.user_id, actor.username, actor.roles, actor.ip) == (
        user.pk,
        "agent",
        frozenset({"agency"}),
        "10.20.30.40",
    )
    assert (actor.organisation_id, actor.organisation_verified) == (user.organisation_id, True)
    assert actor.is_system is False
