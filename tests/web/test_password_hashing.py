"""The deployables hash passwords with Argon2 (tests use a fast hasher, see the root conftest)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, make_password

from zhengwu.deploy import base


def test_the_deployables_hash_with_argon2_first() -> None:
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.real_password_hashing
def test_a_password_hashed_with_argon2_verifies_and_a_wrong_one_does_not() -> None:
    encoded = make_password("Zhengwu@2026")
    assert encoded.startswith("argon2$")
    assert check_password("Zhengwu@2026", encoded)
    assert not check_password("Zhengwu@2027", encoded)
