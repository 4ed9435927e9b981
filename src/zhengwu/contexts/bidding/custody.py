"""Custody of a section's opening key: a k-of-n split among custodians of different institutions.

At publication an X25519 opening key pair is created per envelope. Its private half is split
with SLIP-39 (``shamir-mnemonic``, the reference implementation) into one share per custodian,
each share is encrypted to that custodian's own X25519 key, and the private half is dropped:
from then on the platform stores only the public key, its fingerprint and ciphertexts of the
shares, so no server — and not even a standalone deployment holding every platform's database
— can open a bid until enough custodians decrypt their shares after the deadline.

A lawful plan (``custody_plan_check``) has custodians from at least two institutions, the
supervision platform among them, and no institution holding enough shares to open alone.

Python cannot guarantee that freed memory is wiped; the private key lives only in local
variables of ``opening_key_create`` for the instant of the split, on the machine that runs the
ceremony. A hardware module would remove even that window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import shamir_mnemonic
from shamir_mnemonic import MnemonicError
from shamir_mnemonic.share import Share

from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import AgreementKey, DecryptionFailed, key_fingerprint, suite_get
from zhengwu.kernel.errors import InvalidInput

SUPERVISION = "supervision"
CUSTODY_FORMAT = "zhengwu-custody/1"


@dataclass(frozen=True)
class Custodian:
    """One holder of a share: who, for which institution, and the public key its share is sealed to."""

    custodian_id: str
    institution: str  # e.g. "supervision", "tenderer", "agency", "notary"
    public_raw: bytes


@dataclass(frozen=True)
class CustodyShare:
    """One custodian's share of an opening key, encrypted to the custodian's own key."""

    custodian_id: str
    institution: str
    custodian_fingerprint: str
    blob: bytes


@dataclass(frozen=True)
class OpeningKey:
    """The public result of a ceremony: the key bidders seal to, and the custodians' shares."""

    section: str
    envelope: str
    public_raw: bytes
    fingerprint: str
    threshold: int
    shares: tuple[CustodyShare, ...]


def _error(code: str, message: str, **detail: object) -> InvalidInput:
    return InvalidInput(message, code=code, detail=detail)


def custody_plan_check(*, custodians: Sequence[Custodian], threshold: int) -> None:
    """Refuse a custody plan under which the key could be opened by one institution, or not at all.

    Rules (architecture §5; sealed-bids reference §2.2): at least two custodians and a threshold
    of at least two; every custodian distinct; the supervision platform holds a share; at least
    two institutions; and no institution holds ``threshold`` shares, so opening always needs
    custodians of two institutions acting together.
    """
    ids = [c.custodian_id for c in custodians]
    if len(set(ids)) != len(ids):
        raise _error("custody_custodian_twice", "同一保管人不能持有两份密钥分片", custodians=ids)
    if not 2 <= threshold <= len(custodians):
        raise _error(
            "custody_threshold_invalid",
            "开标密钥的恢复门限须至少为2，且不超过保管人数",
            threshold=threshold,
            custodians=len(custodians),
        )
    by_institution = Counter(c.institution for c in custodians)
    if SUPERVISION not in by_institution:
        raise _error("custody_supervision_missing", "开标密钥须由行政监督平台持有一份分片")
    if len(by_institution) < 2:
        raise _error("custody_single_institution", "开标密钥分片须由至少两个不同机构的保管人持有")
    alone = sorted(i for i, n in by_institution.items() if n >= threshold)
    if alone:
        raise _error(
            "custody_institution_alone",
            "任何一个机构持有的分片数都不得达到恢复门限",
            institutions=alone,
            threshold=threshold,
        )


def _share_context(*, section: str, envelope: str, fingerprint: str, custodian: Custodian) -> bytes:
    # Binds a sealed share to its key and custodian: it cannot be passed off for another tender.
    return canonical_dumps(
        {
            "format": CUSTODY_FORMAT,
            "section": section,
            "envelope": envelope,
            "opening_key": fingerprint,
            "custodian": custodian.custodian_id,
            "institution": custodian.institution,
        }
    )


def opening_key_create(
    *, section: str, envelope: str, custodians: Sequence[Custodian], threshold: int, suite: str = "intl"
) -> OpeningKey:
    """Create an opening key pair, split its private half k-of-n and seal each share to its custodian.

    The private half is not returned and not stored anywhere.
    """
    custody_plan_check(custodians=custodians, threshold=threshold)
    key = AgreementKey.generate()
    public_raw = key.public_raw
    fingerprint = key_fingerprint(public_raw)
    mnemonics = shamir_mnemonic.generate_mnemonics(
        group_threshold=1, groups=[(threshold, len(custodians))], master_secret=key.raw()
    )[0]
    chosen = suite_get(suite)
    shares = tuple(
        CustodyShare(
            custodian_id=custodian.custodian_id,
            institution=custodian.institution,
            custodian_fingerprint=key_fingerprint(custodian.public_raw),
            blob=chosen.key_wrap(
                recipient=custodian.public_raw,
                secret=mnemonic.encode("ascii"),
                context=_share_context(
                    section=section, envelope=envelope, fingerprint=fingerprint, custodian=custodian
                ),
            ),
        )
        for custodian, mnemonic in zip(custodians, mnemonics, strict=True)
    )
    return OpeningKey(
        section=section,
        envelope=envelope,
        public_raw=public_raw,
        fingerprint=fingerprint,
        threshold=threshold,
        shares=shares,
    )


def share_release(
    *,
    share: CustodyShare,
    custodian: Custodian,
    private: bytes,
    section: str,
    envelope: str,
    fingerprint: str,
    suite: str = "intl",
) -> str:
    """A custodian decrypts its own share (a SLIP-39 mnemonic) with its private key, to hand it in."""
    context = _share_context(section=section, envelope=envelope, fingerprint=fingerprint, custodian=custodian)
    try:
        return suite_get(suite).key_unwrap(private=private, blob=share.blob, context=context).decode("ascii")
    except (DecryptionFailed, UnicodeDecodeError):
        raise _error(
            "custody_share_key_invalid", "保管人密钥与该分片不匹配", custodian=custodian.custodian_id
        ) from None


def share_check(*, mnemonic: str) -> tuple[int, int]:
    """Check one handed-in share on its own (word list and checksum); return (key identifier, index).

    A mistyped word is caught when the share is handed in, not later when shares are combined.
    """
    words = " ".join((mnemonic or "").split()).lower()
    try:
        share = Share.from_mnemonic(words)
    except (MnemonicError, ValueError):
        raise _error("custody_share_invalid", "密钥分片格式或校验错误，请核对") from None
    return int(share.identifier), int(share.index)


def opening_key_recover(*, mnemonics: Sequence[str], public_raw: bytes) -> bytes:
    """Combine released shares into the opening private key, checked against the published public key.

    Too few shares, a corrupted word or shares of another key raise ``custody_shares_invalid``
    (SLIP-39's digest share makes this an error, never a wrong key); a key that does not match
    the published one raises ``custody_key_mismatch``.
    """
    try:
        private = shamir_mnemonic.combine_mnemonics(list(mnemonics))
    except (MnemonicError, ValueError) as exc:
        raise _error("custody_shares_invalid", "密钥分片不足或有误，无法恢复开标密钥", reason=str(exc)) from None
    if len(private) != 32 or AgreementKey.from_raw(private).public_raw != public_raw:
        raise _error("custody_key_mismatch", "恢复出的开标密钥与公布的公钥不符")
    return private


# The order a section's envelopes are opened in, one round each — and so the order in which the
# shares of their keys may be released: a two-envelope (双信封) tender opens its technical
# envelopes first; the commercial (price) envelopes of the bidders still in the competition after
# the technical evaluation are opened at a second opening, so no price of a bidder rejected on
# technical grounds is ever read out.
ENVELOPE_ORDER: tuple[str, ...] = ("single", "technical", "commercial")


def opening_rounds(*, envelopes: list[str] | tuple[str, ...]) -> list[str]:
    """The envelopes of a section in the order of their opening rounds (one envelope per round)."""
    known = [e for e in ENVELOPE_ORDER if e in envelopes]
    return known + sorted(set(envelopes) - set(ENVELOPE_ORDER))
