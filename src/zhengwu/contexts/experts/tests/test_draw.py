"""The verifiable draw: worked examples, the commitment, reserves, the 国密 suite, uniformity (no database)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
from collections import Counter

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from zhengwu.contexts.experts.draw import (
    COMMITMENT_FORMAT,
    KEY_CONTEXT,
    Contribution,
    announcement,
    draw_commit,
    draw_reveal,
    draw_run,
    panel_compose,
    record_groups,
    reserve_next,
)
from zhengwu.contexts.experts.rules import Candidate, DrawGroup, DrawRequest
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput

TENDERER = "91530100MA6K0000X1"
BIDDER = "91530100MA6K0002X3"
COMMITTED = dt.datetime(2026, 5, 5, 9, 0, tzinfo=CHINA_TZ)
DRAWN = dt.datetime(2026, 5, 5, 9, 5, tzinfo=CHINA_TZ)
SEED = bytes(range(32))


def request(*groups: DrawGroup, **overrides: object) -> DrawRequest:
    fields: dict[str, object] = {
        "reference": "D-2026-001",
        "project_code": "P-1",
        "tenderer_uscc": TENDERER,
        "bidder_usccs": (BIDDER,),
        "evaluation_on": dt.date(2026, 5, 6),
        "groups": groups or (DrawGroup(specialties=("A01",), count=2, reserves=1),),
    }
    fields.update(overrides)
    return DrawRequest(**fields)  # type: ignore[arg-type]


def pool(n: int, specialty: str = "A0101", prefix: str = "E") -> list[Candidate]:
    return [Candidate(id=f"{prefix}{i:02d}", specialties=(specialty,), region="530102") for i in range(n)]


def run(req: DrawRequest, candidates: list[Candidate], seed: bytes = SEED, **kwargs: object) -> dict:  # type: ignore[type-arg]
    return draw_run(request=req, candidates=candidates, seed=seed, committed_at=COMMITTED, drawn_at=DRAWN, **kwargs)  # type: ignore[arg-type]


def sha256_hex(value: object) -> str:
    return hashlib.sha256(canonical_dumps(value)).hexdigest()


def test_a_worked_draw_follows_the_published_algorithm_step_by_step() -> None:
    # Four experts, one of them the bidder's employee; two members and one reserve.
    candidates = [*pool(3), Candidate(id="X1", specialties=("A01",), region="530102", employer_uscc=BIDDER)]
    record = run(request(), candidates)

    # Recompute everything with nothing but hashlib/hmac and the record format's definition.
    assert record["request_digest"] == sha256_hex(record["request"])
    assert record["pool"]["eligible"] == [
        {"id": f"E{i:02d}", "specialties": ["A0101"], "region": "530102"} for i in range(3)
    ]
    assert record["pool"]["excluded"] == [{"id": "X1", "reasons": ["employer_bidder"]}]
    assert record["pool_digest"] == sha256_hex(record["pool"])
    assert record["committed_at"] == "2026-05-05T09:00:00+08:00"
    commitment = sha256_hex(
        {
            "format": COMMITMENT_FORMAT,
            "suite": "intl",
            "seed": SEED.hex(),
            "request_digest": record["request_digest"],
            "pool_digest": record["pool_digest"],
            "committed_at": record["committed_at"],
        }
    )
    assert record["commitment"] == commitment
    key = hmac.new(
        SEED, canonical_dumps({"context": KEY_CONTEXT, "commitment": commitment, "contributions": []}), "sha256"
    ).digest()
    scores = {cid: hmac.new(key, canonical_dumps(["rank", 0, cid]), "sha256").digest() for cid in ("E00", "E01", "E02")}
    order = sorted(scores, key=scores.__getitem__)
    assert record["result"] == [
        {"group": 0, "picks": order[:2], "reserves": order[2:], "shortfall": 0, "reserve_shortfall": 0}
    ]
    assert record["seed"] == SEED.hex()
    assert record["contributions"] == []
    assert record_verify(record) == []


def test_the_gm_suite_hashes_with_sm3_and_ranks_with_hmac_sm3() -> None:
    record = run(request(), pool(5), suite="gm")
    assert record["suite"] == "gm"

    def sm3(data: bytes) -> bytes:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()

    def hmac_sm3(key: bytes, data: bytes) -> bytes:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize()

    assert record["request_digest"] == sm3(canonical_dumps(record["request"])).hex()
    key = hmac_sm3(
        SEED, canonical_dumps({"context": KEY_CONTEXT, "commitment": record["commitment"], "contributions": []})
    )
    ids = [e["id"] for e in record["pool"]["eligible"]]
    order = sorted(ids, key=lambda cid: hmac_sm3(key, canonical_dumps(["rank", 0, cid])))
    assert record["result"][0]["picks"] == order[:2]
    assert record["result"][0]["reserves"] == order[2:3]
    assert record_verify(record) == []
    assert record["commitment"] != run(request(), pool(5))["commitment"]


def test_the_commitment_hides_the_seed_and_binds_it_with_the_request_the_pool_and_the_time() -> None:
    committed = draw_commit(request=request(), candidates=pool(6), seed=SEED, committed_at=COMMITTED)
    published = announcement(committed)
    assert published == {
        "format": "zhengwu-expert-draw-announcement/1",
        "reference": "D-2026-001",
        "suite": "intl",
        "commitment": committed["commitment"],
        "committed_at": "2026-05-05T09:00:00+08:00",
    }
    assert SEED.hex() not in json.dumps(committed)
    assert "seed" not in committed
    # Anything else committed to gives another commitment.
    variants = [
        draw_commit(request=request(), candidates=pool(6), seed=bytes(32), committed_at=COMMITTED),
        draw_commit(request=request(reference="D-2026-002"), candidates=pool(6), seed=SEED, committed_at=COMMITTED),
        draw_commit(request=request(), candidates=pool(7), seed=SEED, committed_at=COMMITTED),
        draw_commit(request=request(), candidates=pool(6), seed=SEED, committed_at=DRAWN),
    ]
    assert len({committed["commitment"], *(v["commitment"] for v in variants)}) == 5
    # Only the committed seed opens it; the committed record is left as it was.
    before = json.dumps(committed, sort_keys=True)
    with pytest.raises(InvalidInput) as exc:
        draw_reveal(committed=committed, seed=bytes(32), drawn_at=DRAWN)
    assert exc.value.code == "draw_seed_mismatch"
    assert json.dumps(committed, sort_keys=True) == before
    record = draw_reveal(committed=committed, seed=SEED, drawn_at=DRAWN)
    assert {k: record[k] for k in committed} == committed
    with pytest.raises(InvalidInput) as exc:
        draw_commit(request=request(), candidates=pool(6), seed=b"short", committed_at=COMMITTED)
    assert exc.value.code == "draw_seed_invalid"


def test_same_inputs_same_draw_and_other_seeds_other_draws() -> None:
    req, candidates = request(DrawGroup(specialties=("A01",), count=3, reserves=2)), pool(20)
    assert run(req, candidates) == run(req, candidates)
    outcomes = {
        tuple(run(req, candidates, seed=hashlib.sha256(b"seed %d" % i).digest())["result"][0]["picks"])
        for i in range(50)
    }
    # 20·19·18 = 6840 ordered outcomes: 50 seeds that gave fewer than 45 different ones would be broken.
    assert len(outcomes) >= 45


def test_contributions_change_the_draw_and_must_come_after_the_commitment() -> None:
    req, candidates = request(DrawGroup(specialties=("A01",), count=3)), pool(20)
    later = COMMITTED + dt.timedelta(minutes=2)
    witness = Contribution(party="supervision", value="8f3a61d2", given_at=later)
    plain = run(req, candidates)
    mixed = run(req, candidates, contributions=(witness,))
    assert mixed["contributions"] == [
        {"party": "supervision", "value": "8f3a61d2", "given_at": "2026-05-05T09:02:00+08:00"}
    ]
    assert mixed["commitment"] == plain["commitment"]  # given after the commitment, not part of it
    assert mixed["result"] != plain["result"]
    assert record_verify(mixed) == []
    committed = draw_commit(request=req, candidates=candidates, seed=SEED, committed_at=COMMITTED)
    early = Contribution(party="supervision", value="1", given_at=COMMITTED - dt.timedelta(seconds=1))
    with pytest.raises(InvalidInput) as exc:
        draw_reveal(committed=committed, seed=SEED, contributions=(early,), drawn_at=DRAWN)
    assert exc.value.code == "contribution_before_commitment"
    with pytest.raises(InvalidInput) as exc:
        draw_reveal(committed=committed, seed=SEED, drawn_at=COMMITTED - dt.timedelta(minutes=1))
    assert exc.value.code == "draw_time_invalid"


def test_groups_take_members_first_and_nobody_is_drawn_twice() -> None:
    # X is both a civil and an economics expert and the only economist: group 2 must get X unless
    # group 1 drew X as a member — group 1's reserves never take X away from group 2.
    civil = pool(6, "A0101")
    x = Candidate(id="X", specialties=("A0101", "B0101"), region="530102")
    req = request(DrawGroup(specialties=("A01",), count=1, reserves=5), DrawGroup(specialties=("B01",), count=1))
    seen_x_in_group_1 = seen_x_in_group_2 = False
    for i in range(40):
        record = run(req, [*civil, x], seed=hashlib.sha256(b"%d" % i).digest())
        first, second = record["result"]
        if first["picks"] == ["X"]:
            seen_x_in_group_1 = True
            assert second["picks"] == []
            assert second["shortfall"] == 1
        else:
            seen_x_in_group_2 = True
            assert second["picks"] == ["X"]
            assert "X" not in first["reserves"]
        everyone = [*first["picks"], *first["reserves"], *second["picks"], *second["reserves"]]
        assert len(everyone) == len(set(everyone))
    assert seen_x_in_group_1
    assert seen_x_in_group_2


def test_a_short_pool_records_its_shortfall_instead_of_drawing_the_excluded() -> None:
    candidates = [*pool(2), Candidate(id="X1", specialties=("A01",), region="530102", employer_uscc=TENDERER)]
    record = run(request(DrawGroup(specialties=("A01",), count=3, reserves=2)), candidates)
    (group,) = record["result"]
    assert sorted(group["picks"]) == ["E00", "E01"]
    assert (group["reserves"], group["shortfall"], group["reserve_shortfall"]) == ([], 1, 2)
    assert record_verify(record) == []


def test_reserves_replace_decliners_in_the_order_drawn() -> None:
    req = request(
        DrawGroup(specialties=("A01",), count=2, reserves=2), DrawGroup(specialties=("B01",), count=1, reserves=1)
    )
    record = run(req, [*pool(6, "A0101"), *pool(3, "B0101", prefix="F")])
    a, b = record_groups(record)
    (p1, p2), (r1, r2) = a.picks, a.reserves
    assert reserve_next(record=record, group=0, called=()) == r1
    assert reserve_next(record=record, group=0, called={r1}) == r2
    assert reserve_next(record=record, group=0, called={r1, r2}) is None

    untouched = panel_compose(record=record, declined=())
    assert [(g.members, g.vacancies) for g in untouched] == [((p1, p2), 0), (b.picks, 0)]
    # p2 declines: r1 takes the seat. Then r1 declines too: r2. Then p1 declines: no reserve is left.
    assert panel_compose(record=record, declined={p2})[0].members == (p1, r1)
    assert panel_compose(record=record, declined={p2, r1})[0].members == (p1, r2)
    last = panel_compose(record=record, declined={p1, p2, r1})[0]
    assert (last.members, last.vacancies) == ((r2,), 1)
    # Group 2 is untouched by group 1's decliners.
    assert panel_compose(record=record, declined={p1, p2, r1})[1].members == b.picks
    with pytest.raises(InvalidInput) as exc:
        panel_compose(record=record, declined={"nobody"})
    assert exc.value.code == "draw_member_unknown"
    with pytest.raises(InvalidInput) as exc:
        reserve_next(record=record, group=2, called=())
    assert exc.value.code == "draw_group_unknown"


def test_draws_are_uniform_over_many_seeds() -> None:
    # Six experts, two seats, 3000 deterministic seeds: each expert expects 1000 seats, each of the
    # 15 pairs 200 panels. The bounds are loose (p < 10⁻⁴ for a fair draw) and, the seeds being
    # fixed, the outcome is the same on every run — this cannot flake.
    req = request(DrawGroup(specialties=("A01",), count=2))
    candidates = pool(6)
    seats: Counter[str] = Counter()
    pairs: Counter[tuple[str, ...]] = Counter()
    firsts: Counter[str] = Counter()
    n = 3000
    for i in range(n):
        picks = run(req, candidates, seed=hashlib.sha256(b"uniform %d" % i).digest())["result"][0]["picks"]
        seats.update(picks)
        pairs[tuple(sorted(picks))] += 1
        firsts[picks[0]] += 1

    def chi2(counts: Counter, cells: int, total: int) -> float:  # type: ignore[type-arg]
        expected = total / cells
        return sum((counts[c] - expected) ** 2 / expected for c in counts) + (cells - len(counts)) * expected

    assert len(seats) == 6
    assert len(pairs) == 15
    assert chi2(seats, 6, 2 * n) < 25  # 5 degrees of freedom
    assert chi2(firsts, 6, n) < 25
    assert chi2(pairs, 15, n) < 45  # 14 degrees of freedom
    assert set(pairs) == set(itertools.combinations([c.id for c in candidates], 2))
