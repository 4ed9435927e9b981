"""kernel.crypto: suites over OpenSSL primitives, checked against published test vectors."""

from __future__ import annotations

import base64

import pytest

from zhengwu.kernel.crypto import (
    SUITES,
    AgreementKey,
    DecryptionFailed,
    SigningKey,
    VerifyKey,
    key_fingerprint,
    suite_get,
)

# RFC 8032 §7.1, TEST 1 (empty message).
RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
    "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_intl_suite_hashes_with_sha256() -> None:
    # FIPS 180-2 example "abc".
    assert suite_get("intl").hexdigest(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert suite_get().name == "intl"


def test_gm_suite_hashes_with_sm3() -> None:
    # GB/T 32905-2016 Appendix A example 1: "abc".
    assert suite_get("gm").hexdigest(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert len(suite_get("gm").digest(b"")) == 32


def test_unknown_suite_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        suite_get("md5")
    assert sorted(SUITES) == ["gm", "intl"]


def test_ed25519_matches_rfc8032_test_vector() -> None:
    key = SigningKey.from_b64(base64.b64encode(bytes.fromhex(RFC8032_SECRET)).decode())
    assert base64.b64decode(key.public.to_b64()).hex() == RFC8032_PUBLIC
    assert key.sign(b"").hex() == RFC8032_SIGNATURE
    assert key.public.verify(b"", bytes.fromhex(RFC8032_SIGNATURE)) is True


def test_key_id_is_the_first_16_hex_of_the_public_keys_sha256() -> None:
    key = SigningKey.from_b64(base64.b64encode(bytes.fromhex(RFC8032_SECRET)).decode())
    expected = suite_get("intl").hexdigest(bytes.fromhex(RFC8032_PUBLIC))[:16]
    assert key.public.key_id == expected
    assert len(expected) == 16


def test_a_signature_verifies_only_for_its_data_and_its_key() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    signature = key.sign(b"bid receipt 42")
    assert key.public.verify(b"bid receipt 42", signature) is True
    assert key.public.verify(b"bid receipt 43", signature) is False
    assert other.public.verify(b"bid receipt 42", signature) is False
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    assert key.public.verify(b"bid receipt 42", tampered) is False
    assert key.public.verify(b"bid receipt 42", b"\x00" * 10) is False


def test_keys_survive_their_base64_form() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_b64(key.to_b64())
    assert again.public.to_b64() == key.public.to_b64()
    public = VerifyKey.from_b64(" " + key.public.to_b64() + "\n")
    assert public.verify(b"data", again.sign(b"data")) is True
    assert len(base64.b64decode(key.to_b64())) == 32


def test_generated_keys_differ() -> None:
    assert len({SigningKey.generate().public.to_b64() for _ in range(20)}) == 20


# RFC 8998 Appendix A.1: SM4-GCM.
SM4_KEY = "0123456789ABCDEFFEDCBA9876543210"
SM4_IV = "00001234567800000000ABCD"
SM4_AAD = "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"
SM4_PLAIN = (
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
SM4_CIPHER_AND_TAG = (
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    "83DE3541E4C2B58177E065A9BF7B62EC"
)


def test_gm_suite_encrypts_with_sm4_gcm_as_rfc_8998() -> None:
    aead = suite_get("gm").aead(bytes.fromhex(SM4_KEY))
    sealed = aead.encrypt(bytes.fromhex(SM4_IV), bytes.fromhex(SM4_PLAIN), bytes.fromhex(SM4_AAD))
    assert sealed.hex().upper() == SM4_CIPHER_AND_TAG
    assert aead.decrypt(bytes.fromhex(SM4_IV), sealed, bytes.fromhex(SM4_AAD)) == bytes.fromhex(SM4_PLAIN)


@pytest.mark.parametrize("name", ["intl", "gm"])
def test_aead_refuses_a_flipped_bit_and_a_changed_context(name: str) -> None:
    suite = suite_get(name)
    aead = suite.aead(bytes(range(suite.cipher_key_size)))
    nonce = bytes(12)
    sealed = aead.encrypt(nonce, b"price 123", b"section A")
    flipped = bytes([sealed[0] ^ 1]) + sealed[1:]
    with pytest.raises(DecryptionFailed):
        aead.decrypt(nonce, flipped, b"section A")
    with pytest.raises(DecryptionFailed):
        aead.decrypt(nonce, sealed, b"section B")
    assert aead.decrypt(nonce, sealed, b"section A") == b"price 123"


def test_aead_key_size_is_the_suites() -> None:
    assert suite_get("intl").cipher_key_size == 32
    assert suite_get("gm").cipher_key_size == 16
    with pytest.raises(ValueError, match="16-byte"):
        suite_get("gm").aead(bytes(32))


@pytest.mark.parametrize("name", ["intl", "gm"])
def test_key_wrap_opens_only_with_the_recipients_key_and_context(name: str) -> None:
    suite = suite_get(name)
    recipient, stranger = AgreementKey.generate(), AgreementKey.generate()
    secret = bytes(range(suite.cipher_key_size))
    blob = suite.key_wrap(recipient=recipient.public_raw, secret=secret, context=b"tender T1/bidder B")
    assert suite.key_unwrap(private=recipient.raw(), blob=blob, context=b"tender T1/bidder B") == secret
    with pytest.raises(DecryptionFailed):
        suite.key_unwrap(private=stranger.raw(), blob=blob, context=b"tender T1/bidder B")
    # A wrap cannot be moved to another tender or bidder.
    with pytest.raises(DecryptionFailed):
        suite.key_unwrap(private=recipient.raw(), blob=blob, context=b"tender T2/bidder B")
    # Two wraps of the same secret share nothing (fresh ephemeral keys).
    again = suite.key_wrap(recipient=recipient.public_raw, secret=secret, context=b"tender T1/bidder B")
    assert again[:32] != blob[:32]
    assert again[32:] != blob[32:]


def test_key_fingerprint_is_the_sha256_of_the_raw_public_key() -> None:
    key = AgreementKey.from_raw(bytes(range(32)))
    assert key_fingerprint(key.public_raw) == suite_get("intl").hexdigest(key.public_raw)
    assert len(key_fingerprint(key.public_raw)) == 64
