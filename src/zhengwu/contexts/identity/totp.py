"""Time-based one-time codes (RFC 6238): secrets sealed at rest, codes accepted once.

Secrets are stored encrypted with AES-256-GCM under a key derived by HKDF-SHA256 from the
deployment's SECRET_KEY, with the user's id as associated data: a copy of the column alone,
or a ciphertext moved to another account, is useless. Rotating SECRET_KEY keeps old secrets
readable as long as the old key is listed in SECRET_KEY_FALLBACKS.

Time comes from the kernel clock, never from pyotp's own ``time.time()``, so that tests and
drills can move it. A code is accepted at most once: the accepted time step is stored and only
later steps are accepted afterwards, with a conditional UPDATE that is safe across processes.
"""

from __future__ import annotations

import base64
import hmac
import os

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from zhengwu.contexts.identity.models import User
from zhengwu.contexts.identity.rules import TOTP_DIGITS, TOTP_INTERVAL_SECONDS, TOTP_ISSUER, TOTP_VALID_WINDOW
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import IntegrityViolation

_SEAL_VERSION = "v1"
_HKDF_SALT = b"zhengwu.identity.totp"
_HKDF_INFO = b"totp-secret-aes256gcm-v1"


def _key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret_key.encode("utf-8")
    )


def _aad(user_id: int) -> bytes:
    return f"identity.user:{user_id}".encode("ascii")


def totp_secret_new() -> str:
    """A fresh random secret: 32 base32 characters (160 bits) from the OS's CSPRNG."""
    return pyotp.random_base32(32)


def totp_secret_seal(*, user_id: int, secret: str) -> str:
    """Encrypt ``secret`` for storage on the account ``user_id``."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, secret.encode("ascii"), _aad(user_id))
    return f"{_SEAL_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def totp_secret_open(*, user_id: int, sealed: str) -> str:
    """Decrypt a sealed secret; raise IntegrityViolation if it was altered or moved."""
    version, _, body = sealed.partition(":")
    if version != _SEAL_VERSION or not body:
        raise IntegrityViolation("动态码密钥格式无效", code="totp_secret_corrupt")
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise IntegrityViolation("动态码密钥格式无效", code="totp_secret_corrupt") from exc
    nonce, ciphertext = raw[:12], raw[12:]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    for secret_key in keys:
        try:
            return AESGCM(_key(secret_key)).decrypt(nonce, ciphertext, _aad(user_id)).decode("ascii")
        except InvalidTag:
            continue
    raise IntegrityViolation(
        "动态码密钥无法解密（可能被篡改或密钥已更换），请联系管理员重置", code="totp_secret_corrupt"
    )


def totp_step_now() -> int:
    """The current RFC 6238 time step (30-second counter since the Unix epoch)."""
    return int(clock_now().timestamp()) // TOTP_INTERVAL_SECONDS


def totp_code_at(*, secret: str, step: int) -> str:
    """The code of ``secret`` for time step ``step``."""
    return str(pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_SECONDS).generate_otp(step))


def totp_code_now(*, secret: str) -> str:
    """The code of ``secret`` right now."""
    return totp_code_at(secret=secret, step=totp_step_now())


def totp_seconds_left() -> int:
    """How many seconds the current code stays current."""
    return TOTP_INTERVAL_SECONDS - int(clock_now().timestamp()) % TOTP_INTERVAL_SECONDS


def totp_code_normalize(code: str) -> str | None:
    """The code without spaces, or None if it is not exactly six digits."""
    cleaned = "".join(code.split())
    if len(cleaned) != TOTP_DIGITS or not cleaned.isascii() or not cleaned.isdigit():
        return None
    return cleaned


def totp_match_step(*, secret: str, code: str, after_step: int) -> int | None:
    """The time step within the window whose code is ``code`` and that is later than ``after_step``.

    Every candidate is compared in constant time, so the timing does not tell which step matched.
    """
    now = totp_step_now()
    found: int | None = None
    for step in range(now - TOTP_VALID_WINDOW, now + TOTP_VALID_WINDOW + 1):
        if hmac.compare_digest(totp_code_at(secret=secret, step=step), code) and step > after_step:
            found = step if found is None else found
    return found


def totp_secret_of(user: User) -> str | None:
    """The plain secret of an account, or None if none is stored."""
    if not user.totp_secret_encrypted:
        return None
    return totp_secret_open(user_id=user.pk, sealed=user.totp_secret_encrypted)


def totp_code_accept(*, user: User, code: str) -> bool:
    """True if ``code`` is a current code of the enrolled ``user`` that was never used before.

    The step is recorded with a conditional UPDATE: of two requests racing with the same code
    (in two processes), exactly one is accepted.
    """
    normalized = totp_code_normalize(code)
    secret = totp_secret_of(user) if user.totp_enrolled else None
    if normalized is None or secret is None:
        return False
    step = totp_match_step(secret=secret, code=normalized, after_step=user.totp_last_step)
    if step is None:
        return False
    updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(totp_last_step=step)
    if updated != 1:
        return False
    user.totp_last_step = step
    return True


def totp_uri(*, secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL_SECONDS).provisioning_uri(
        name=username, issuer_name=TOTP_ISSUER
    )


def totp_qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (no XML declaration, no namespace)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#1d1d1f", light="#ffffff"))
