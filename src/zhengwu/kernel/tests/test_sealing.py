"""kernel.sealing: a seal opens only on its own record and under a key the deployment holds."""

from __future__ import annotations

import pytest

from zhengwu.kernel.errors import IntegrityViolation
from zhengwu.kernel.sealing import Sealer

NUMBER = "53010219800101002X"
KEY, OLD_KEY = "the-current-secret-key", "the-key-before-rotation"


def test_a_seal_opens_on_its_record_and_after_a_key_rotation() -> None:
    sealer = Sealer(salt=b"test.a")
    sealed = sealer.seal(secret_key=OLD_KEY, aad=b"case:1", value=NUMBER)
    assert NUMBER not in sealed
    assert NUMBER[6:14] not in sealed
    assert sealer.open(secret_keys=[KEY, OLD_KEY], aad=b"case:1", sealed=sealed) == NUMBER
    # Fresh nonce each time: two seals of one value differ.
    assert sealer.seal(secret_key=KEY, aad=b"case:1", value=NUMBER) != sealer.seal(
        secret_key=KEY, aad=b"case:1", value=NUMBER
    )


@pytest.mark.parametrize("change", ["other_record", "key_gone", "other_salt", "flipped", "garbage", "no_version"])
def test_a_moved_altered_or_unkeyed_seal_does_not_open(change: str) -> None:
    sealer = Sealer(salt=b"test.a", what="证件号码", error_code="test_seal_corrupt")
    sealed = sealer.seal(secret_key=KEY, aad=b"case:1", value=NUMBER)
    opener, aad, keys = sealer, b"case:1", [KEY]
    if change == "other_record":
        aad = b"case:2"
    elif change == "key_gone":
        keys = [OLD_KEY]
    elif change == "other_salt":
        opener = Sealer(salt=b"test.b", what="证件号码", error_code="test_seal_corrupt")
    elif change == "flipped":
        body = bytearray(sealed.encode())
        # A character inside the ciphertext (never the padding's spare bits).
        body[12] = ord("A") if body[12] != ord("A") else ord("Q")
        sealed = body.decode()
    elif change == "garbage":
        sealed = "v1:not base64!"
    else:
        sealed = sealed.removeprefix("v1:")
    with pytest.raises(IntegrityViolation) as caught:
        opener.open(secret_keys=keys, aad=aad, sealed=sealed)
    assert caught.value.code == "test_seal_corrupt"
    assert "证件号码" in str(caught.value)


def test_digests_are_equal_for_equal_values_and_keyed() -> None:
    sealer = Sealer(salt=b"test.a")
    digest = sealer.digest(secret_key=KEY, value=NUMBER)
    assert digest == sealer.digest(secret_key=KEY, value=NUMBER)
    assert len(digest) == 64
    assert digest != sealer.digest(secret_key=OLD_KEY, value=NUMBER)
    assert digest != Sealer(salt=b"test.b").digest(secret_key=KEY, value=NUMBER)
    assert digest != sealer.digest(secret_key=KEY, value=NUMBER[:-1] + "1")
