"""Properties of the draw over random pools and requests (hypothesis, no database).

Whatever the pool and the request: nobody the rules exclude is drawn (checked against an oracle
written here independently of the screen), nobody twice, every group gets as many members and
reserves as its remaining experts allow, the record verifies, and a tampered record does not.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengwu.contexts.experts.draw import commitment_compute, digest_of, draw_key, draw_run, groups_draw, pool_entries
from zhengwu.contexts.experts.rules import (
    AvoidancePolicy,
    Candidate,
    Conflict,
    DateRange,
    DrawGroup,
    DrawRequest,
    PastDraw,
    Relation,
)
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.kernel.clock import CHINA_TZ

TENDERER = "91530100MA6K0000X1"
AGENCY = "91530100MA6K0001X2"
BIDDERS = ("91530100MA6K0002X3", "91530100MA6K0003X4")
OUTSIDER = "91530100MA6K0009X9"
ORGS = (TENDERER, AGENCY, *BIDDERS, OUTSIDER)
SPECIALTIES = ("A01", "A0101", "A0102", "A02", "B01", "C")
WANTED = ("A", "A01", "A0101", "A02", "B", "C")
REGIONS = ("530102", "530200", "520100")
EVAL = dt.date(2026, 5, 6)
COMMITTED = dt.datetime(2026, 5, 5, 9, 0, tzinfo=CHINA_TZ)
DRAWN = dt.datetime(2026, 5, 5, 9, 5, tzinfo=CHINA_TZ)

days = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def conflicts(draw: st.DrawFn) -> Conflict:
    start = draw(st.none() | days)
    end = draw(st.none() | days)
    if start is not None and end is not None and end < start:
        start, end = end, start
    return Conflict(
        uscc=draw(st.sampled_from(ORGS)), relation=draw(st.sampled_from(list(Relation))), start=start, end=end
    )


@st.composite
def ranges(draw: st.DrawFn) -> DateRange:
    start = draw(st.dates(min_value=dt.date(2026, 4, 1), max_value=dt.date(2026, 6, 1)))
    return DateRange(start, start + dt.timedelta(days=draw(st.integers(0, 10))))


@st.composite
def candidates(draw: st.DrawFn) -> list[Candidate]:
    n = draw(st.integers(0, 24))
    return [
        Candidate(
            id=f"E{i:02d}",
            specialties=tuple(draw(st.lists(st.sampled_from(SPECIALTIES), min_size=1, max_size=3))),
            region=draw(st.sampled_from(REGIONS)),
            employer_uscc=draw(st.sampled_from(("", *ORGS))),
            active=draw(st.booleans() | st.just(True)),
            conflicts=tuple(draw(st.lists(conflicts(), max_size=2))),
            unavailable=tuple(draw(st.lists(ranges(), max_size=1))),
            supervises=tuple(draw(st.lists(st.sampled_from(("P-1", "P-2")), max_size=1))),
            draws=tuple(
                PastDraw(draw(st.sampled_from((TENDERER, OUTSIDER))), draw(days))
                for _ in range(draw(st.integers(0, 3)))
            ),
        )
        for i in range(n)
    ]


@st.composite
def requests(draw: st.DrawFn) -> DrawRequest:
    groups = tuple(
        DrawGroup(
            specialties=tuple(draw(st.lists(st.sampled_from(WANTED), min_size=1, max_size=2))),
            count=draw(st.integers(1, 4)),
            reserves=draw(st.integers(0, 3)),
            regions=tuple(draw(st.lists(st.sampled_from(("5301", "5302", "52")), max_size=1))),
        )
        for _ in range(draw(st.integers(1, 3)))
    )
    return DrawRequest(
        reference="D-1",
        project_code="P-1",
        tenderer_uscc=TENDERER,
        agency_uscc=draw(st.sampled_from(("", AGENCY))),
        bidder_usccs=tuple(draw(st.lists(st.sampled_from(BIDDERS), max_size=2))),
        evaluation_on=EVAL,
        evaluation_until=EVAL + dt.timedelta(days=draw(st.integers(0, 2))),
        groups=groups,
        regions=tuple(draw(st.lists(st.sampled_from(("53", "5301")), max_size=1))),
        excluded_regions=tuple(draw(st.lists(st.sampled_from(("5302",)), max_size=1))),
        previously_drawn=tuple(draw(st.lists(st.sampled_from([f"E{i:02d}" for i in range(24)]), max_size=2))),
    )


policies = st.builds(
    AvoidancePolicy,
    look_back_years=st.integers(0, 4),
    same_tenderer_max_draws=st.none() | st.integers(1, 3),
    same_tenderer_window_days=st.integers(1, 400),
)


def barred(c: Candidate, req: DrawRequest, policy: AvoidancePolicy) -> bool:
    """The avoidance rules restated plainly, as an oracle for the screen."""
    first, last = req.evaluation_on, req.evaluation_until or req.evaluation_on
    parties = {req.tenderer_uscc, *req.bidder_usccs} | ({req.agency_uscc} if req.agency_uscc else set())
    if not c.active or c.employer_uscc in parties or c.id in req.previously_drawn or "P-1" in c.supervises:
        return True
    if any(r.start <= last and first <= r.end for r in c.unavailable):
        return True
    try:
        cutoff = first.replace(year=first.year - policy.look_back_years)
    except ValueError:
        cutoff = first.replace(year=first.year - policy.look_back_years, day=28)
    for k in c.conflicts:
        if k.uscc not in parties or (k.start is not None and k.start > last):
            continue
        lasting = k.relation in (Relation.EMPLOYMENT, Relation.DIRECTORSHIP, Relation.CONTROL)
        if k.end is None or k.end >= (cutoff if lasting else first):
            return True
    if policy.same_tenderer_max_draws is not None:
        since = first - dt.timedelta(days=policy.same_tenderer_window_days)
        recent = [d for d in c.draws if d.tenderer_uscc == req.tenderer_uscc and d.drawn_on >= since]
        if len(recent) >= policy.same_tenderer_max_draws:
            return True
    if req.regions and not any(c.region.startswith(r) for r in req.regions):
        return True
    return bool(req.excluded_regions and any(c.region.startswith(r) for r in req.excluded_regions))


def fits(c: Candidate, group: DrawGroup) -> bool:
    if group.regions and not any(c.region.startswith(r) for r in group.regions):
        return False
    return any(s.startswith(w) for s in c.specialties for w in group.specialties)


COMMON = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(pool=candidates(), req=requests(), policy=policies, seed=st.binary(min_size=32, max_size=32), gm=st.booleans())
def test_the_draw_never_picks_an_excluded_expert_and_fills_what_it_can(
    pool: list[Candidate], req: DrawRequest, policy: AvoidancePolicy, seed: bytes, gm: bool
) -> None:
    record = draw_run(
        request=req,
        candidates=pool,
        policy=policy,
        suite="gm" if gm else "intl",
        seed=seed,
        committed_at=COMMITTED,
        drawn_at=DRAWN,
    )
    by_id = {c.id: c for c in pool}
    eligible = {e["id"] for e in record["pool"]["eligible"]}
    excluded = {x["id"] for x in record["pool"]["excluded"]}
    assert eligible | excluded == set(by_id)
    assert not eligible & excluded
    # The screen agrees with the oracle on every candidate.
    for cid, c in by_id.items():
        should_draw = not barred(c, req, policy) and any(fits(c, g) for g in req.groups)
        assert (cid in eligible) == should_draw, cid

    drawn = [cid for r in record["result"] for cid in (*r["picks"], *r["reserves"])]
    assert len(drawn) == len(set(drawn)), "an expert drawn twice"
    for cid in drawn:
        assert cid in eligible
        assert not barred(by_id[cid], req, policy)

    # Counts: each group gets min(count, experts it accepts not taken before it); members first.
    taken: set[str] = set()
    for phase in ("picks", "reserves"):
        for r, group in zip(record["result"], req.groups, strict=True):
            wanted = group.count if phase == "picks" else group.reserves
            available = {cid for cid in eligible if fits(by_id[cid], group)} - taken
            assert len(r[phase]) == min(wanted, len(available))
            assert set(r[phase]) <= available
            taken |= set(r[phase])
        if phase == "picks":
            assert all(
                r["shortfall"] == g.count - len(r["picks"]) for r, g in zip(record["result"], req.groups, strict=True)
            )
    assert all(not set(r["reserves"]) & {p for q in record["result"] for p in q["picks"]} for r in record["result"])

    assert record_verify(record) == []
    assert record_verify(record, commitment=record["commitment"]) == []


def _codes(record: dict[str, Any], **kwargs: Any) -> set[str]:
    return {m.code for m in record_verify(record, **kwargs)}


@COMMON
@given(pool=candidates(), req=requests(), seed=st.binary(min_size=32, max_size=32), data=st.data())
def test_a_tampered_record_fails_verification(
    pool: list[Candidate], req: DrawRequest, seed: bytes, data: st.DataObject
) -> None:
    record = draw_run(request=req, candidates=pool, seed=seed, committed_at=COMMITTED, drawn_at=DRAWN)
    original = copy.deepcopy(record)

    # Another seed (one bit flipped): it no longer opens the commitment.
    flipped = copy.deepcopy(record)
    bit = data.draw(st.integers(0, 255))
    flipped["seed"] = (int(record["seed"], 16) ^ (1 << bit)).to_bytes(32, "big").hex()
    assert "commitment_mismatch" in _codes(flipped)

    # A member replaced by someone else of the pool, or moved to another seat.
    drawn = [(i, cid) for i, r in enumerate(record["result"]) for cid in r["picks"]]
    others = sorted({c.id for c in pool} - {cid for _, cid in drawn})
    if drawn and others:
        i, cid = data.draw(st.sampled_from(drawn))
        swapped = copy.deepcopy(record)
        picks = swapped["result"][i]["picks"]
        picks[picks.index(cid)] = data.draw(st.sampled_from(others))
        assert _codes(swapped) & {"picks_differ", "pick_duplicate"}
    if any(len(r["picks"]) > 1 for r in record["result"]):
        reordered = copy.deepcopy(record)
        group = next(r for r in reordered["result"] if len(r["picks"]) > 1)
        group["picks"].reverse()
        assert "picks_differ" in _codes(reordered)

    # A candidate dropped from the pool: the pool digest no longer matches…
    if record["pool"]["eligible"]:
        dropped = copy.deepcopy(record)
        del dropped["pool"]["eligible"][data.draw(st.integers(0, len(record["pool"]["eligible"]) - 1))]
        assert "pool_digest_mismatch" in _codes(dropped)
        # …and a forger who knows the revealed seed and rebuilds a consistent record still cannot
        # match the commitment published before the draw.
        forged = _rebuilt(dropped)
        assert record_verify(forged) == []
        assert _codes(forged, commitment=original["commitment"]) == {"commitment_not_published"}

    assert record == original  # verification never changes the record


def _rebuilt(record: dict[str, Any]) -> dict[str, Any]:
    """Recompute every digest, the commitment and the result around a changed pool."""
    suite, seed = record["suite"], bytes.fromhex(record["seed"])
    record["pool_digest"] = digest_of(suite=suite, value=record["pool"])
    record["commitment"] = commitment_compute(
        suite=suite,
        seed=seed,
        request_digest=record["request_digest"],
        pool_digest=record["pool_digest"],
        committed_at=record["committed_at"],
    )
    key = draw_key(suite=suite, seed=seed, commitment=record["commitment"], contributions=record["contributions"])
    groups = [DrawGroup.from_dict(g) for g in record["request"]["groups"]]
    record["result"] = groups_draw(suite=suite, key=key, groups=groups, eligible=pool_entries(record["pool"]))
    return record
