"""What the bidding API tests share: a client per person (API token or session) and a sealed bid."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from django.test import Client

from zhengwu.contexts.bidding.sealing import SealInput, bid_seal
from zhengwu.contexts.identity.models import User
from zhengwu.contexts.identity.services import api_token_create
from zhengwu.contexts.tendering.tests.factories import World
from zhengwu.kernel.crypto import AgreementKey, SigningKey

BASE = "/trading/api/bidding"


class Api:
    """The bidding API as one person calls it: with an API token (no CSRF) or a signed-in session."""

    def __init__(self, *, token: str | None = None, user: User | None = None, totp: bool = False) -> None:
        # CSRF enforced: a token must work without it, and a session write must not.
        self.client = Client(enforce_csrf_checks=token is not None)
        self.headers: dict[str, str] = {}
        if token is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if user is not None:
            self.client.force_login(user)
            if totp:
                session = self.client.session
                session["zw_totp_ok"] = True
                session.save()

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(BASE + path, query, **self.headers)

    def post(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        return self.client.post(BASE + path, json.dumps(payload or {}), content_type="application/json", **self.headers)

    def put_chunk(self, upload_id: str, offset: int, data: bytes) -> Any:
        return self.client.put(
            f"{BASE}/uploads/{upload_id}/chunks?offset={offset}",
            data,
            content_type="application/octet-stream",
            **self.headers,
        )


def token_for(world: World, name: str) -> str:
    """A fresh API token of the world's person ``name`` (made as after a full sign-in)."""
    actor = world[name]
    _, token = api_token_create(name="测试", lifetime_days=30, second_factor_passed=True, by=actor)
    return token


def user_of(world: World, name: str) -> User:
    return User.objects.get(pk=world[name].user_id)


class BidderKeys:
    """A bidder's keys, as ``zhengwu bid keygen`` would make them on its machine."""

    def __init__(self) -> None:
        self.signing = SigningKey.generate()
        self.agreement = AgreementKey.generate()

    def public(self) -> dict[str, str]:
        return {
            "signing_public": self.signing.public.to_b64(),
            "agreement_public": base64.b64encode(self.agreement.public_raw).decode(),
        }

    def seal(
        self, *, tmp_path: Path, section: str, uscc: str, opening_public: str, price_fen: int, size: int = 20_000
    ) -> bytes:
        path = tmp_path / f"{uscc}-{price_fen}.pdf"
        path.write_bytes((f"技术标 {uscc} {price_fen}\n".encode() * (size // 20 + 1))[:size])
        out = io.BytesIO()
        bid_seal(
            files=[SealInput("技术标.pdf", str(path))],
            readout={"price_fen": price_fen, "duration_days": 300},
            section=section,
            envelope="single",
            bidder=uscc,
            signing_key=self.signing,
            opening_public=base64.b64decode(opening_public),
            out=out,
            chunk_size=4096,
        )
        return out.getvalue()


def commitment_digest(sealed: bytes) -> str:
    """The commitment digest in a sealed file's trailer (what the bid tool prints)."""
    return str(json.loads(sealed[sealed.rindex(b'{"commitment"') :])["commitment"]["digest"])
