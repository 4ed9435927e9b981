"""GET <prefix>api/audit/tree-heads/latest: the public, unauthenticated transparency endpoint."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.test import Client

from zhengwu.kernel.clock import clock_frozen
from zhengwu.kernel.crypto import VerifyKey
from zhengwu.platform.audit.models import AuditEntry, AuditTreeHead
from zhengwu.platform.audit.services import audit_seal
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", ["/", "/trading/", "/supervision/"])
def test_before_any_seal_the_endpoint_says_not_found(client: Client, prefix: str) -> None:
    response = client.get(f"{prefix}api/audit/tree-heads/latest")
    assert response.status_code == 404
    assert response.json() == {"code": "audit_no_tree_head", "message": "审计日志尚未签署树头", "detail": {}}


def test_the_latest_head_is_published_with_everything_needed_to_check_it(
    client: Client, fill: Callable[[int], list[AuditEntry]]
) -> None:
    fill(2)
    audit_seal()
    fill(3)
    with clock_frozen(dt.datetime(2025, 3, 10, 2, 0, 0, 5, tzinfo=dt.UTC)):
        head = audit_seal()
    assert head is not None
    response = client.get("/api/audit/tree-heads/latest")
    assert response.status_code == 200
    body = response.json()
    key = signing_key_get().public
    assert body == {
        "tree_size": 5,
        "root_hash": head.root_hash,
        "created_at": "2025-03-10T02:00:00.000005+00:00",
        "suite": "intl",
        "key_id": key.key_id,
        "public_key": key.to_b64(),
        "signature": head.signature,
        "signed_payload": (
            '{"created_at":"2025-03-10T02:00:00.000005+00:00","format":"zhengwu.audit.tree_head/1",'
            f'"key_id":"{key.key_id}","root_hash":"{head.root_hash}","suite":"intl","tree_size":5}}'
        ),
    }
    # An outsider checks the signature with nothing but the response.
    published = VerifyKey.from_b64(body["public_key"])
    assert published.verify(body["signed_payload"].encode(), base64.b64decode(body["signature"]))
    assert json.loads(body["signed_payload"])["root_hash"] == body["root_hash"]


def test_the_endpoint_is_read_only(client: Client, fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(1)
    audit_seal()
    response = client.post("/api/audit/tree-heads/latest")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert list(AuditTreeHead.objects.values_list("tree_size", flat=True)) == [1]
