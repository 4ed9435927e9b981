"""Transparency: every platform's signed audit tree heads reach the public platform, are shown
with their signature checked, and an audit entry's inclusion proof is checked against them on
the page and on the command line; forged or rewritten heads are not published."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from zhengwu.contexts.disclosure.handlers import tree_head_sealed
from zhengwu.contexts.disclosure.models import PublishedTreeHead
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.crypto import SigningKey
from zhengwu.platform.audit.chain import tree_head_payload
from zhengwu.platform.audit.events import TreeHeadSealed
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.audit.services import audit_append, audit_seal
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import Delivery, OutboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")


def _entries(count: int) -> None:
    for n in range(count):
        audit_append(actor=SYSTEM, action="test.thing.touch", object_type="test.thing", object_id=str(n))


def _relay() -> None:
    report = relay_run_once()
    assert report.ok, report


def _sealed() -> TreeHeadSealed:
    message = OutboxMessage.objects.filter(event_type=TreeHeadSealed.event_type).latest("id")
    return TreeHeadSealed.from_payload(message.payload)


def _envelope(event: TreeHeadSealed, *, source: str = "standalone") -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source=source,
        destination="public",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=1,
        occurred_at="2026-11-28T02:00:05+00:00",
        payload=event.payload(),
    )


def _prove(position: int, *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("audit", "prove", str(position), *extra, stdout=out)
    proof: dict[str, Any] = json.loads(out.getvalue())
    return proof


def test_a_sealed_head_is_published_with_its_signature_checked() -> None:
    _entries(5)
    head = audit_seal()
    assert head is not None
    # The head travels like any event: one message for the public platform, nothing else.
    message = OutboxMessage.objects.get(event_type=TreeHeadSealed.event_type)
    assert list(Delivery.objects.filter(message=message).values_list("destination", flat=True)) == ["public"]
    _relay()

    published = PublishedTreeHead.objects.get()
    assert (published.platform, published.tree_size, published.root_hash, published.signature) == (
        "standalone",
        head.tree_size,
        head.root_hash,
        head.signature,
    )
    html = Client().get("/transparency/").content.decode()
    row = re.search(r'<tr data-platform="standalone">(.*?)</tr>', html, re.S)
    assert row is not None
    assert head.root_hash in row[1]
    assert f"<td>{head.tree_size}</td>" in row[1]
    assert "badge-ok" in row[1]
    out = io.StringIO()
    call_command("transparency", "heads", stdout=out)
    assert out.getvalue().split("\t")[:3] == ["standalone", str(head.tree_size), head.root_hash]
    assert out.getvalue().strip().endswith("signature ok")

    # A head altered after it arrived no longer verifies, and the page says so.
    PublishedTreeHead.objects.update(root_hash="0" * 64)
    html = Client().get("/transparency/").content.decode()
    assert "badge-bad" in re.search(r'<tr data-platform="standalone">(.*?)</tr>', html, re.S)[1]  # type: ignore[index]


def test_an_audit_entry_proof_checks_on_the_page_and_the_command_line(tmp_path: Path) -> None:
    _entries(6)
    audit_seal()
    _relay()
    proof = _prove(3)
    entry = AuditEntry.objects.get(position=3)
    assert (proof["platform"], proof["position"], proof["entry_hash"]) == ("standalone", 3, entry.entry_hash)

    client = Client()
    good = client.post("/inclusion-proof/", {"proof": json.dumps(proof)})
    assert good.status_code == 200
    assert 'data-testid="proof-ok"' in good.content.decode()
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(proof), encoding="utf-8")
    out = io.StringIO()
    call_command("transparency", "verify", str(saved), stdout=out)
    assert out.getvalue().strip() == (
        f"OK: audit entry 3 of standalone, tree head of {proof['tree_size']} entries, root {proof['root']}"
    )

    def tampered(**changes: Any) -> dict[str, Any]:
        return {**proof, **changes}

    cases = [
        (tampered(entry_hash=AuditEntry.objects.get(position=4).entry_hash), ["not_included"]),
        (tampered(position=2), ["not_included"]),
        (tampered(path=["f" * 64, *proof["path"][1:]]), ["not_included"]),
        (tampered(root="ab" * 32), ["root_differs"]),
        (tampered(tree_head={**proof["tree_head"], "signature": "AAAA"}), ["signature_differs"]),
    ]
    for bad, problems in cases:
        response = client.post("/inclusion-proof/", {"proof": json.dumps(bad)})
        assert response.status_code == 200
        assert 'data-testid="proof-bad"' in response.content.decode()
        assert 'data-testid="proof-ok"' not in response.content.decode()
        saved.write_text(json.dumps(bad), encoding="utf-8")
        err = io.StringIO()
        with pytest.raises(CommandError, match="proof does NOT match") as failed:
            call_command("transparency", "verify", str(saved), stdout=io.StringIO(), stderr=err)
        assert failed.value.returncode == 1
        assert [line.strip() for line in err.getvalue().splitlines()] == [f"- {p}" for p in problems]

    # A head the public platform never received, and a proof that is not one.
    unknown = client.post("/inclusion-proof/", {"proof": json.dumps(tampered(tree_size=99, position=1))})
    assert unknown.status_code == 404
    assert "本平台没有公布该平台这一大小的审计树头" in unknown.content.decode()
    for garbage, code in (
        (tampered(entry_hash="xyz"), "disclosure_proof_invalid"),
        (tampered(platform="Not A Platform"), "disclosure_proof_invalid"),
        (tampered(position=9, tree_size=6), "disclosure_proof_invalid"),
    ):
        saved.write_text(json.dumps(garbage), encoding="utf-8")
        with pytest.raises(CommandError, match=code):
            call_command("transparency", "verify", str(saved), stdout=io.StringIO())
        assert client.post("/inclusion-proof/", {"proof": json.dumps(garbage)}).status_code == 400


def test_the_prove_command_refuses_an_entry_not_under_a_head() -> None:
    _entries(2)
    with pytest.raises(CommandError, match="audit_tree_head_not_found"):
        _prove(1)
    audit_seal()
    _entries(1)
    with pytest.raises(CommandError, match="audit_entry_not_sealed"):
        _prove(3)
    with pytest.raises(CommandError, match="audit_tree_head_not_found"):
        _prove(1, "--tree-size", "7")


def test_a_forged_or_misattributed_head_is_refused_and_a_rewritten_one_not_stored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _entries(3)
    audit_seal()
    genuine = _sealed()
    stranger = SigningKey.generate()

    forged_key = dataclasses.replace(genuine, public_key=stranger.public.to_b64())
    with pytest.raises(ValueError, match="not signed with the sending platform's key"):
        tree_head_sealed(forged_key.payload(), _envelope(forged_key))
    other_root = dataclasses.replace(genuine, root_hash="ab" * 32)
    with pytest.raises(ValueError, match="signature does not verify"):
        tree_head_sealed(other_root.payload(), _envelope(other_root))
    with pytest.raises(ValueError, match="not by the platform it names"):
        tree_head_sealed(genuine.payload(), _envelope(genuine, source="trading"))
    garbled = dataclasses.replace(genuine, signature="not base64!")
    with pytest.raises(ValueError, match="signature malformed"):
        tree_head_sealed(garbled.payload(), _envelope(garbled))
    assert not PublishedTreeHead.objects.exists()

    tree_head_sealed(genuine.payload(), _envelope(genuine))
    tree_head_sealed(genuine.payload(), _envelope(genuine))  # redelivered: still one
    assert PublishedTreeHead.objects.count() == 1

    # The platform itself signs a second root for the same size (a rewritten log): the first
    # stays published and the operators are told.
    root = "cd" * 32
    payload = tree_head_payload(
        tree_size=genuine.tree_size,
        root_hash=root,
        created_at=dt.datetime.fromisoformat(genuine.created_at),
        suite=genuine.suite,
        key_id=genuine.key_id,
    )
    signature = base64.b64encode(signing_key_get().sign(payload)).decode()
    rewritten = dataclasses.replace(genuine, root_hash=root, signature=signature)
    with caplog.at_level(logging.ERROR):
        tree_head_sealed(rewritten.payload(), _envelope(rewritten))
    assert PublishedTreeHead.objects.get().root_hash == genuine.root_hash
    assert "signed two roots for 3 entries" in caplog.text
