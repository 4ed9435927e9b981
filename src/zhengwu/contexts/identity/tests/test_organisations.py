"""Staff verify, reject, suspend and override organisations; nobody else can."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.models import Organisation, User
from zhengwu.contexts.identity.selectors import actor_for, organisations_pending
from zhengwu.contexts.identity.services import (
    organisation_reject,
    organisation_suspend,
    organisation_uscc_override,
    organisation_verify,
)
from zhengwu.contexts.identity.tests.conftest import ALL_ROLES, PILOT_USCC, signed_in
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.audit.selectors import audit_entries_for
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

EVENT = "identity.market_subject.changed"
OTHER_ROLES = [r for r in ALL_ROLES if r != "centre_staff"]


def _state(organisation: Organisation) -> tuple[Any, ...]:
    fresh = Organisation.objects.get(pk=organisation.pk)
    return (fresh.status, fresh.version, fresh.status_reason, fresh.uscc_override, fresh.verified_at)


def _history(uscc: str) -> list[str]:
    return [e.action for e in audit_entries_for(object_type="identity.organisation", object_id=uscc)]


def _events(uscc: str) -> list[tuple[int, str, int]]:
    return [
        (m.sequence, m.payload["status"], m.payload["version"])
        for m in OutboxMessage.objects.filter(event_type=EVENT, aggregate_id=uscc).order_by("sequence")
    ]


def test_staff_verify_a_pending_organisation(pending_org: Organisation, staff: User, staff_actor: Any) -> None:
    verified = organisation_verify(organisation=pending_org, by=staff_actor)
    assert (verified.status, verified.version, verified.verified_by_id) == ("verified", 2, staff.pk)
    assert verified.verified_at is not None
    assert pending_org.status == "verified"  # the caller's instance is refreshed
    assert _history(pending_org.uscc) == ["identity.organisation.register", "identity.organisation.verify"]
    entry = audit_entries_for(object_type="identity.organisation", object_id=pending_org.uscc)[-1]
    assert (entry.actor_username, entry.before["status"], entry.after["status"]) == ("staff1", "pending", "verified")
    assert _events(pending_org.uscc) == [(1, "pending", 1), (2, "verified", 2)]
    assert list(organisations_pending()) == []


def test_members_of_an_unverified_organisation_act_unverified(pending_org: Organisation, staff_actor: Any) -> None:
    member = User.objects.get(username="bidderco")
    assert actor_for(user=member).organisation_verified is False
    organisation_verify(organisation=pending_org, by=staff_actor)
    member.refresh_from_db()
    assert actor_for(user=member).organisation_verified is True


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_centre_staff_may_verify_through_the_service(
    role: str, pending_org: Organisation, make_user: Callable[..., User]
) -> None:
    actor = actor_for(user=make_user(role))
    before, audit_before = _state(pending_org), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        organisation_verify(organisation=pending_org, by=actor)
    assert _state(pending_org) == before
    assert AuditEntry.objects.count() == audit_before
    assert _events(pending_org.uscc) == [(1, "pending", 1)]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_verify_page_matrix(
    role: str, pending_org: Organisation, make_user: Callable[..., User], client: Client
) -> None:
    signed_in(client, make_user(role))
    before = _state(pending_org)
    response = client.post(f"/trading/accounts/organisations/{pending_org.uscc}/verify/")
    if role == "centre_staff":
        assert response.status_code == 302
        assert _state(pending_org)[:2] == ("verified", 2)
    else:
        assert response.status_code == 403
        assert _state(pending_org) == before
        assert _events(pending_org.uscc) == [(1, "pending", 1)]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_verify_api_matrix(
    role: str, pending_org: Organisation, make_user: Callable[..., User], client: Client
) -> None:
    signed_in(client, make_user(role))
    before = _state(pending_org)
    response = client.post(f"/trading/api/identity/organisations/{pending_org.uscc}/verify")
    if role == "centre_staff":
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["version"]) == ("verified", 2)
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert _state(pending_org) == before
        assert _events(pending_org.uscc) == [(1, "pending", 1)]


def test_anonymous_cannot_verify(pending_org: Organisation, client: Client) -> None:
    before = _state(pending_org)
    page = client.post(f"/trading/accounts/organisations/{pending_org.uscc}/verify/")
    assert page.status_code == 302
    assert page["Location"].startswith("/trading/accounts/login/?next=")
    api = client.post(f"/trading/api/identity/organisations/{pending_org.uscc}/verify")
    assert (api.status_code, api.json()["code"]) == (401, "not_authenticated")
    assert _state(pending_org) == before


def test_staff_api_writes_need_the_csrf_token(pending_org: Organisation, staff: User) -> None:
    client = signed_in(Client(enforce_csrf_checks=True), staff)
    response = client.post(f"/trading/api/identity/organisations/{pending_org.uscc}/verify")
    assert response.status_code == 403
    assert _state(pending_org)[0] == "pending"


def test_staff_list_organisations_by_status(pending_org: Organisation, staff: User, client: Client) -> None:
    signed_in(client, staff)
    page = client.get("/trading/accounts/organisations/", {"status": "pending"})
    assert page.status_code == 200
    assert pending_org.uscc in page.content.decode()
    verified_only = client.get("/trading/accounts/organisations/", {"status": "verified"})
    assert pending_org.uscc not in verified_only.content.decode()
    assert "昆明市公共资源交易中心" in verified_only.content.decode()
    api = client.get("/trading/api/identity/organisations", {"status": "pending"})
    assert api.status_code == 200
    assert [o["uscc"] for o in api.json()["items"]] == [pending_org.uscc]
    assert api.json()["count"] == 1
    bad = client.get("/trading/api/identity/organisations", {"status": "nonsense"})
    assert (bad.status_code, bad.json()["code"]) == (400, "organisation_status_unknown")
    assert client.get("/trading/accounts/organisations/", {"status": "nonsense"}).status_code == 200


def test_staff_export_the_filtered_list_to_excel(pending_org: Organisation, staff: User, client: Client) -> None:
    import io

    from openpyxl import load_workbook

    signed_in(client, staff)
    response = client.get("/trading/accounts/organisations/", {"status": "pending", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("单位名称", "统一社会信用代码", "市场角色", "状态", "联系人", "联系电话", "已人工确认")
    assert rows[1:] == [
        ("云南某建设工程有限公司", pending_org.uscc, "投标人/供应商", "待审核", "刘洋", "13800000004", "否")
    ]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_staff_see_the_organisations_page(role: str, make_user: Callable[..., User], client: Client) -> None:
    signed_in(client, make_user(role))
    assert client.get("/trading/accounts/organisations/").status_code == 403
    assert client.get("/trading/accounts/organisations/", {"format": "xlsx"}).status_code == 403
    assert client.get("/trading/api/identity/organisations").status_code == 403


def test_reject_needs_a_reason_and_is_final_for_the_pending_state(pending_org: Organisation, staff_actor: Any) -> None:
    with pytest.raises(InvalidInput) as no_reason:
        organisation_reject(organisation=pending_org, reason="  ", by=staff_actor)
    assert no_reason.value.code == "reason_required"
    assert _state(pending_org)[0] == "pending"
    rejected = organisation_reject(organisation=pending_org, reason="营业执照与名称不符", by=staff_actor)
    assert (rejected.status, rejected.status_reason, rejected.version) == ("rejected", "营业执照与名称不符", 2)
    with pytest.raises(Conflict) as again:
        organisation_reject(organisation=pending_org, reason="再次驳回", by=staff_actor)
    assert again.value.code == "organisation_status"
    assert _events(pending_org.uscc) == [(1, "pending", 1), (2, "rejected", 2)]


def test_suspend_and_reinstate(pending_org: Organisation, staff_actor: Any) -> None:
    with pytest.raises(Conflict):
        organisation_suspend(organisation=pending_org, reason="涉嫌串标", by=staff_actor)
    organisation_verify(organisation=pending_org, by=staff_actor)
    organisation_suspend(organisation=pending_org, reason="涉嫌串标，暂停交易资格", by=staff_actor)
    assert _state(pending_org)[:3] == ("suspended", 3, "涉嫌串标，暂停交易资格")
    organisation_verify(organisation=pending_org, by=staff_actor)
    assert _state(pending_org)[:2] == ("verified", 4)
    assert _events(pending_org.uscc) == [(1, "pending", 1), (2, "verified", 2), (3, "suspended", 3), (4, "verified", 4)]
    assert _history(pending_org.uscc) == [
        "identity.organisation.register",
        "identity.organisation.verify",
        "identity.organisation.suspend",
        "identity.organisation.verify",
    ]


def test_pilot_code_cannot_be_verified_before_the_override(
    pilot_org: Organisation, staff: User, staff_actor: Any
) -> None:
    with pytest.raises(Conflict) as refused:
        organisation_verify(organisation=pilot_org, by=staff_actor)
    assert refused.value.code == "uscc_override_required"
    assert _state(pilot_org)[:2] == ("pending", 1)

    overridden = organisation_uscc_override(
        organisation=pilot_org, reason="核对营业执照原件，系2015年试点期赋码", by=staff_actor
    )
    assert (overridden.uscc_override, overridden.uscc_override_by_id, overridden.version) == (True, staff.pk, 2)
    assert overridden.uscc_override_reason == "核对营业执照原件，系2015年试点期赋码"
    entry = audit_entries_for(object_type="identity.organisation", object_id=PILOT_USCC)[-1]
    assert (entry.action, entry.actor_username) == ("identity.organisation.uscc_override", "staff1")
    assert entry.after["reason"] == "核对营业执照原件，系2015年试点期赋码"
    assert entry.after["check_failure"] == "第18位校验码应为“1”，实为“M”"

    verified = organisation_verify(organisation=pilot_org, by=staff_actor)
    assert (verified.status, verified.version) == ("verified", 3)
    assert _events(PILOT_USCC) == [(1, "pending", 1), (2, "pending", 2), (3, "verified", 3)]


def test_override_needs_staff_and_a_reason_and_only_once(
    pilot_org: Organisation, pending_org: Organisation, staff_actor: Any, make_user: Callable[..., User]
) -> None:
    regulator = actor_for(user=make_user("regulator"))
    with pytest.raises(PermissionDenied):
        organisation_uscc_override(organisation=pilot_org, reason="我认为合法", by=regulator)
    with pytest.raises(InvalidInput):
        organisation_uscc_override(organisation=pilot_org, reason="", by=staff_actor)
    assert _state(pilot_org) == ("pending", 1, "", False, None)
    with pytest.raises(Conflict) as unneeded:
        organisation_uscc_override(organisation=pending_org, reason="代码本来就合法", by=staff_actor)
    assert unneeded.value.code == "uscc_override_unneeded"
    organisation_uscc_override(organisation=pilot_org, reason="核对营业执照原件", by=staff_actor)
    with pytest.raises(Conflict) as twice:
        organisation_uscc_override(organisation=pilot_org, reason="再次确认", by=staff_actor)
    assert twice.value.code == "uscc_override_exists"
    assert _history(PILOT_USCC) == ["identity.organisation.register", "identity.organisation.uscc_override"]


def test_override_and_verify_through_the_page(pilot_org: Organisation, staff: User, client: Client) -> None:
    signed_in(client, staff)
    listing = client.get("/trading/accounts/organisations/", {"status": "pending"}).content.decode()
    assert f'action="{PILOT_USCC}/override/"' in listing
    assert f'action="{PILOT_USCC}/verify/"' not in listing
    early = client.post(f"/trading/accounts/organisations/{PILOT_USCC}/verify/", {"status": "pending"})
    assert early.status_code == 302
    assert _state(pilot_org)[0] == "pending"
    page = client.post(
        f"/trading/accounts/organisations/{PILOT_USCC}/override/",
        {"reason": "核对营业执照原件，系试点期赋码", "status": "pending"},
    )
    assert page.status_code == 302
    assert page["Location"] == "/trading/accounts/organisations/?status=pending"
    assert client.post(f"/trading/accounts/organisations/{PILOT_USCC}/verify/").status_code == 302
    assert _state(pilot_org)[:2] == ("verified", 3)


def test_override_through_the_api(pilot_org: Organisation, staff: User, client: Client) -> None:
    signed_in(client, staff)
    url = f"/trading/api/identity/organisations/{PILOT_USCC}"
    early = client.post(f"{url}/verify")
    assert (early.status_code, early.json()["code"]) == (409, "uscc_override_required")
    override = client.post(f"{url}/override", {"reason": "核对营业执照原件"}, content_type="application/json")
    assert override.status_code == 200
    assert (override.json()["uscc_override"], override.json()["uscc_valid"]) == (True, False)
    assert client.post(f"{url}/verify").json()["status"] == "verified"
    missing = client.post("/trading/api/identity/organisations/91530100MA6K999999/verify")
    assert (missing.status_code, missing.json()["code"]) == (404, "organisation_not_found")


def test_unknown_organisation_or_action_on_the_page_is_404(staff: User, client: Client) -> None:
    signed_in(client, staff)
    assert client.post("/trading/accounts/organisations/91530100MA6K999999/verify/").status_code == 404
    assert client.post("/trading/accounts/organisations/12530100MB0Y10015N/delete/").status_code == 404


def test_staff_cannot_verify_their_own_organisation(make_user: Callable[..., User], centre: Organisation) -> None:
    insider = actor_for(user=make_user("centre_staff", organisation=centre))
    with pytest.raises(PermissionDenied):
        organisation_suspend(organisation=centre, reason="测试本单位", by=insider)
    assert Organisation.objects.get(pk=centre.pk).status == "verified"
