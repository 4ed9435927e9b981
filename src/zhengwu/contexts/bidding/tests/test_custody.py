"""Opening-key custody: k-of-n across institutions, and no fewer shares — or the wrong ones — open."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from zhengwu.contexts.bidding.custody import (
    Custodian,
    OpeningKey,
    custody_plan_check,
    opening_key_create,
    opening_key_recover,
    share_release,
)
from zhengwu.contexts.bidding.sealing import (
    ROLE_OPENING,
    SealInput,
    bid_open,
    bid_seal,
    sealed_verify,
    share_unwrap,
)
from zhengwu.kernel.crypto import AgreementKey, SigningKey
from zhengwu.kernel.errors import InvalidInput


def _people(*institutions: str) -> tuple[list[Custodian], dict[str, AgreementKey]]:
    keys = {f"c{i}": AgreementKey.generate() for i in range(len(institutions))}
    custodians = [
        Custodian(custodian_id=f"c{i}", institution=inst, public_raw=keys[f"c{i}"].public_raw)
        for i, inst in enumerate(institutions)
    ]
    return custodians, keys


def _released(opening: OpeningKey, custodians: list[Custodian], keys: dict[str, AgreementKey]) -> dict[str, str]:
    by_id = {c.custodian_id: c for c in custodians}
    return {
        share.custodian_id: share_release(
            share=share,
            custodian=by_id[share.custodian_id],
            private=keys[share.custodian_id].raw(),
            section=opening.section,
            envelope=opening.envelope,
            fingerprint=opening.fingerprint,
        )
        for share in opening.shares
    }


def test_two_of_three_across_institutions_opens_a_bid_sealed_to_the_published_key(tmp_path: Path) -> None:
    custodians, keys = _people("supervision", "agency", "tenderer")
    opening = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    assert len(opening.shares) == 3
    path = tmp_path / "bid.pdf"
    path.write_bytes(b"technical proposal")
    signer = SigningKey.generate()
    sealed = io.BytesIO()
    bid_seal(
        files=[SealInput("bid.pdf", str(path))],
        readout={"price_fen": 100},
        section="S-1",
        envelope="single",
        bidder="B",
        signing_key=signer,
        opening_public=opening.public_raw,
        out=sealed,
    )
    mnemonics = _released(opening, custodians, keys)
    private = opening_key_recover(mnemonics=[mnemonics["c0"], mnemonics["c2"]], public_raw=opening.public_raw)
    sealed.seek(0)
    header = sealed_verify(stream=sealed).header
    share = share_unwrap(header=header, role=ROLE_OPENING, private=private)
    sealed.seek(0)
    opened = bid_open(stream=sealed, shares={ROLE_OPENING: share}, verify_key=signer.public)
    assert opened.files == {"bid.pdf": b"technical proposal"}


def test_one_share_is_not_enough_and_says_so() -> None:
    custodians, keys = _people("supervision", "agency", "tenderer")
    opening = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    mnemonics = _released(opening, custodians, keys)
    with pytest.raises(InvalidInput) as excinfo:
        opening_key_recover(mnemonics=[mnemonics["c1"]], public_raw=opening.public_raw)
    assert excinfo.value.code == "custody_shares_invalid"


def test_a_corrupted_word_is_an_error_not_a_wrong_key() -> None:
    custodians, keys = _people("supervision", "agency", "tenderer")
    opening = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    mnemonics = _released(opening, custodians, keys)
    words = mnemonics["c1"].split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with pytest.raises(InvalidInput) as excinfo:
        opening_key_recover(mnemonics=[mnemonics["c0"], " ".join(words)], public_raw=opening.public_raw)
    assert excinfo.value.code == "custody_shares_invalid"


def test_shares_of_another_key_do_not_match_the_published_key() -> None:
    custodians, keys = _people("supervision", "agency", "tenderer")
    first = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    second = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    mnemonics = _released(second, custodians, keys)
    with pytest.raises(InvalidInput) as excinfo:
        opening_key_recover(mnemonics=[mnemonics["c0"], mnemonics["c1"]], public_raw=first.public_raw)
    assert excinfo.value.code == "custody_key_mismatch"


def test_a_share_opens_only_with_its_custodians_key_and_for_its_tender() -> None:
    custodians, keys = _people("supervision", "agency", "tenderer")
    opening = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    share = opening.shares[0]
    with pytest.raises(InvalidInput) as wrong_key:
        share_release(
            share=share,
            custodian=custodians[0],
            private=keys["c1"].raw(),
            section="S-1",
            envelope="single",
            fingerprint=opening.fingerprint,
        )
    assert wrong_key.value.code == "custody_share_key_invalid"
    with pytest.raises(InvalidInput) as wrong_tender:
        share_release(
            share=share,
            custodian=custodians[0],
            private=keys["c0"].raw(),
            section="S-2",
            envelope="single",
            fingerprint=opening.fingerprint,
        )
    assert wrong_tender.value.code == "custody_share_key_invalid"


def test_what_the_platform_stores_reveals_neither_the_key_nor_a_share() -> None:
    custodians, keys = _people("supervision", "agency", "tenderer")
    opening = opening_key_create(section="S-1", envelope="single", custodians=custodians, threshold=2)
    mnemonics = _released(opening, custodians, keys)
    private = opening_key_recover(mnemonics=[mnemonics["c0"], mnemonics["c1"]], public_raw=opening.public_raw)
    stored = repr(opening).encode() + b"".join(s.blob for s in opening.shares)
    assert private not in stored
    assert private.hex().encode() not in stored
    for mnemonic in mnemonics.values():
        assert mnemonic.encode() not in stored
        # Not even a fragment of it (single words would be flaky: "agency" is a SLIP-39 word and
        # an institution's name in the stored repr).
        assert " ".join(mnemonic.split()[4:7]).encode() not in stored


@pytest.mark.parametrize(
    ("institutions", "threshold", "code"),
    [
        (("agency", "tenderer", "notary"), 2, "custody_supervision_missing"),
        (("supervision", "supervision", "supervision"), 2, "custody_single_institution"),
        (("supervision", "agency", "agency", "agency"), 3, "custody_institution_alone"),
        (("supervision", "agency"), 1, "custody_threshold_invalid"),
        (("supervision", "agency"), 3, "custody_threshold_invalid"),
    ],
)
def test_plans_that_one_institution_could_open_alone_are_refused(
    institutions: tuple[str, ...], threshold: int, code: str
) -> None:
    custodians, _ = _people(*institutions)
    with pytest.raises(InvalidInput) as excinfo:
        custody_plan_check(custodians=custodians, threshold=threshold)
    assert excinfo.value.code == code


def test_the_same_custodian_cannot_hold_two_shares() -> None:
    custodians, _ = _people("supervision", "agency")
    with pytest.raises(InvalidInput) as excinfo:
        custody_plan_check(custodians=[custodians[0], custodians[1], custodians[1]], threshold=2)
    assert excinfo.value.code == "custody_custodian_twice"
