"""The verifiable expert draw (专家随机抽取): commit to a seed, then draw from it reproducibly.

How a draw goes, and why anyone can check it afterwards:

1. **Commit.** The pool is screened (``rules.candidates_screen``) and frozen as the *pool*: the
   eligible experts' ids with their specialties and region, the excluded ids with reason codes,
   the avoidance policy and a digest of every fact the screen used. A 32-byte seed comes from
   the operating system. The *commitment* — the suite's hash over the seed, the request's
   digest, the pool's digest and the time — is published (``announcement``) before the draw.
   The seed stays secret, so nobody can compute the draw yet; the commitment binds the request
   and the pool, so neither can be changed once the seed is chosen.
2. **Contributions (optional).** After the commitment is published, other parties — the
   supervisor, a witness at the draw — may add public values. The platform, already bound by
   its commitment, cannot grind seeds against them; they cannot aim at an outcome without the
   seed. A single party (no contributions) is the plain commit-reveal scheme, which stops any
   change after publication but not an operator who tries seeds *before* publishing one: a
   contribution from the supervision platform (or the witness at the draw) closes that gap.
3. **Reveal and draw.** The draw key is HMAC(seed, commitment ‖ contributions). For each
   group, every eligible expert it accepts is ranked by HMAC(key, group ‖ id) — a uniformly
   random order, no modulo bias — and groups take, in request order, the first ``count``
   experts not already taken; then, in the same order, the next ``reserves`` as reserves.
   No expert appears twice in a draw.

The *record* (``DRAW_FORMAT``, canonical JSON) holds everything a re-run needs; ``verify.py``
(``zhengwu experts verify-draw``) re-computes it. The same code runs under the 国密 suite with
SM3 for the hashes and HMAC-SM3 for the ranking. No Django here: the command runs anywhere.

Record format::

    {"format": "zhengwu-expert-draw/1", "suite": "intl" | "gm",
     "request": DrawRequest.as_dict(), "request_digest": H(canonical(request)),
     "pool": {"policy": AvoidancePolicy.as_dict(), "source_digest": H(canonical(all candidates' facts)),
              "eligible": [{"id", "specialties", "region"}…] (by id),
              "excluded": [{"id", "reasons": [code…]}…] (by id)},
     "pool_digest": H(canonical(pool)), "committed_at": ISO time,
     "commitment": H(canonical({"format": COMMITMENT_FORMAT, "suite", "seed", "request_digest",
                                "pool_digest", "committed_at"})),
     "contributions": [{"party", "value", "given_at"}…], "seed": hex, "drawn_at": ISO time,
     "result": [{"group": i, "picks": [id…], "reserves": [id…], "shortfall": n, "reserve_shortfall": n}…]}
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.hazmat.primitives import hashes, hmac

from zhengwu.contexts.experts.rules import (
    DEFAULT_POLICY,
    AvoidancePolicy,
    Candidate,
    DrawGroup,
    DrawRequest,
    Screening,
    candidates_screen,
)
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import CryptoSuite, suite_get
from zhengwu.kernel.errors import InvalidInput

DRAW_FORMAT = "zhengwu-expert-draw/1"
COMMITMENT_FORMAT = "zhengwu-expert-draw-commitment/1"
ANNOUNCEMENT_FORMAT = "zhengwu-expert-draw-announcement/1"
KEY_CONTEXT = "zhengwu-expert-draw-key/1"
SEED_SIZE = 32


def seed_generate() -> bytes:
    """A fresh secret seed from the operating system's CSPRNG."""
    return secrets.token_bytes(SEED_SIZE)


def _suite(name: str) -> CryptoSuite:
    try:
        return suite_get(name)
    except KeyError:
        raise InvalidInput(f"未知的密码套件“{name}”", code="suite_unknown", detail={"suite": name}) from None


def _hmac(suite: CryptoSuite, key: bytes, data: bytes) -> bytes:
    algorithm: hashes.HashAlgorithm = hashes.SM3() if suite.hash_name == "sm3" else hashes.SHA256()
    mac = hmac.HMAC(key, algorithm)
    mac.update(data)
    return mac.finalize()


def _instant(value: dt.datetime, name: str) -> str:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"时间“{name}”必须带时区", code="datetime_naive", detail={"field": name})
    return value.astimezone(CHINA_TZ).isoformat()


def digest_of(*, suite: str, value: Any) -> str:
    """The suite's hex digest of ``value`` in canonical JSON."""
    return _suite(suite).hexdigest(canonical_dumps(value))


class PoolEntry(NamedTuple):
    """An eligible expert as the record publishes it: enough to redo the group matching."""

    id: str
    specialties: tuple[str, ...]
    region: str


def pool_build(*, screening: Screening, policy: AvoidancePolicy, suite: str) -> dict[str, Any]:
    """The pool part of a record: the screen's outcome, and a digest of the facts it rests on.

    Only reason codes are published; the facts behind them (kinship, past employment) stay on
    the platform, bound by ``source_digest`` so a supervisor holding them can redo the screen.
    """
    everyone = sorted([*screening.eligible, *(x.candidate for x in screening.excluded)], key=lambda c: c.id)
    return {
        "policy": policy.as_dict(),
        "source_digest": digest_of(suite=suite, value=[c.as_dict() for c in everyone]),
        "eligible": [{"id": c.id, "specialties": list(c.specialties), "region": c.region} for c in screening.eligible],
        "excluded": [{"id": x.candidate.id, "reasons": list(x.codes)} for x in screening.excluded],
    }


def commitment_compute(*, suite: str, seed: bytes, request_digest: str, pool_digest: str, committed_at: str) -> str:
    """The published commitment: it hides the seed and binds the request, the pool and the time."""
    return digest_of(
        suite=suite,
        value={
            "format": COMMITMENT_FORMAT,
            "suite": suite,
            "seed": seed.hex(),
            "request_digest": request_digest,
            "pool_digest": pool_digest,
            "committed_at": committed_at,
        },
    )


@dataclass(frozen=True)
class Contribution:
    """A public value added after the commitment was published (supervisor's or witness's entropy)."""

    party: str
    value: str
    given_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        if not self.party.strip() or not self.value.strip():
            raise InvalidInput("随机数贡献方及其数值不能为空", code="contribution_invalid")
        return {
            "party": self.party.strip(),
            "value": self.value.strip(),
            "given_at": _instant(self.given_at, "贡献时间"),
        }


def draw_commit(
    *,
    request: DrawRequest,
    candidates: Sequence[Candidate],
    seed: bytes,
    policy: AvoidancePolicy = DEFAULT_POLICY,
    suite: str = "intl",
    committed_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Screen the pool and commit to ``seed``: the record without its seed, contributions and result.

    The platform keeps the seed secret and publishes ``announcement(committed)``; ``draw_reveal``
    performs the draw later. Raises InvalidInput ``draw_seed_invalid`` for a seed of the wrong size.
    """
    if not isinstance(seed, bytes) or len(seed) != SEED_SIZE:
        raise InvalidInput(f"抽取种子必须为{SEED_SIZE}字节随机数", code="draw_seed_invalid")
    _suite(suite)
    screening = candidates_screen(candidates=candidates, request=request, policy=policy)
    request_dict = request.as_dict()
    pool = pool_build(screening=screening, policy=policy, suite=suite)
    request_digest = digest_of(suite=suite, value=request_dict)
    pool_digest = digest_of(suite=suite, value=pool)
    at = _instant(committed_at or clock_now(), "承诺时间")
    return {
        "format": DRAW_FORMAT,
        "suite": suite,
        "request": request_dict,
        "request_digest": request_digest,
        "pool": pool,
        "pool_digest": pool_digest,
        "committed_at": at,
        "commitment": commitment_compute(
            suite=suite, seed=seed, request_digest=request_digest, pool_digest=pool_digest, committed_at=at
        ),
    }


def announcement(committed: Mapping[str, Any]) -> dict[str, Any]:
    """What is published before the draw: the reference, the commitment, the time and the suite.

    Neither the pool nor the bidders are in it (the panel and the bidders are still secret).
    """
    return {
        "format": ANNOUNCEMENT_FORMAT,
        "reference": committed["request"]["reference"],
        "suite": committed["suite"],
        "commitment": committed["commitment"],
        "committed_at": committed["committed_at"],
    }


def draw_key(*, suite: str, seed: bytes, commitment: str, contributions: Sequence[Mapping[str, Any]]) -> bytes:
    """The key that ranks the experts: the seed mixed with every value contributed after the commitment."""
    message = canonical_dumps({"context": KEY_CONTEXT, "commitment": commitment, "contributions": list(contributions)})
    return _hmac(_suite(suite), seed, message)


def _rank(suite: CryptoSuite, key: bytes, group: int, ids: Sequence[str]) -> list[str]:
    # A PRF value per expert gives a uniformly random order; sorting it needs no modulo and has no
    # bias. Equal values (probability 2⁻²⁵⁶) fall back to the id so that the order stays defined.
    return sorted(ids, key=lambda cid: (_hmac(suite, key, canonical_dumps(["rank", group, cid])), cid))


def groups_draw(
    *, suite: str, key: bytes, groups: Sequence[DrawGroup], eligible: Sequence[PoolEntry]
) -> list[dict[str, Any]]:
    """The draw itself, a pure function of the key, the groups and the eligible experts.

    Each group has its own random order over the experts it accepts. Members first: group by
    group, the first ``count`` not yet taken; then reserves, group by group, the next ones not
    yet taken — so a reserve of one group never displaces a member of another, and nobody
    appears twice. A group short of experts records its ``shortfall`` (the request must then be
    widened or a supplementary draw made); it never takes anyone the rules excluded.
    """
    crypto = _suite(suite)
    rankings = [
        _rank(crypto, key, i, [e.id for e in eligible if g.accepts(specialties=e.specialties, region=e.region)])
        for i, g in enumerate(groups)
    ]
    taken: set[str] = set()

    def take(ranking: list[str], n: int) -> list[str]:
        chosen: list[str] = []
        for cid in ranking:
            if len(chosen) == n:
                break
            if cid not in taken:
                chosen.append(cid)
                taken.add(cid)
        return chosen

    picks = [take(rankings[i], g.count) for i, g in enumerate(groups)]
    reserves = [take(rankings[i], g.reserves) for i, g in enumerate(groups)]
    return [
        {
            "group": i,
            "picks": picks[i],
            "reserves": reserves[i],
            "shortfall": g.count - len(picks[i]),
            "reserve_shortfall": g.reserves - len(reserves[i]),
        }
        for i, g in enumerate(groups)
    ]


def pool_entries(pool: Mapping[str, Any]) -> list[PoolEntry]:
    """The eligible experts of a record's pool."""
    return [PoolEntry(e["id"], tuple(e["specialties"]), e["region"]) for e in pool["eligible"]]


def draw_reveal(
    *,
    committed: Mapping[str, Any],
    seed: bytes,
    contributions: Sequence[Contribution] = (),
    drawn_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Reveal ``seed`` and draw: the complete record.

    Refuses (InvalidInput) a seed that does not open the commitment (``draw_seed_mismatch``) and
    a contribution not given after the commitment (``contribution_before_commitment``).
    """
    suite = committed["suite"]
    expected = commitment_compute(
        suite=suite,
        seed=seed,
        request_digest=committed["request_digest"],
        pool_digest=committed["pool_digest"],
        committed_at=committed["committed_at"],
    )
    if not secrets.compare_digest(expected, committed["commitment"]):
        raise InvalidInput("种子与已公布的承诺值不符", code="draw_seed_mismatch")
    committed_at = dt.datetime.fromisoformat(committed["committed_at"])
    given = [c.as_dict() for c in contributions]
    for c in contributions:
        if c.given_at < committed_at:
            raise InvalidInput(
                "随机数贡献必须在承诺值公布之后提供", code="contribution_before_commitment", detail={"party": c.party}
            )
    at = drawn_at or clock_now()
    drawn_text = _instant(at, "抽取时间")
    if at < max([committed_at, *(c.given_at for c in contributions)]):
        raise InvalidInput("抽取时间早于承诺或贡献时间", code="draw_time_invalid")
    key = draw_key(suite=suite, seed=seed, commitment=committed["commitment"], contributions=given)
    groups = [DrawGroup.from_dict(g) for g in committed["request"]["groups"]]
    result = groups_draw(suite=suite, key=key, groups=groups, eligible=pool_entries(committed["pool"]))
    return {
        **committed,
        "contributions": given,
        "seed": seed.hex(),
        "drawn_at": drawn_text,
        "result": result,
    }


def draw_run(
    *,
    request: DrawRequest,
    candidates: Sequence[Candidate],
    policy: AvoidancePolicy = DEFAULT_POLICY,
    suite: str = "intl",
    seed: bytes | None = None,
    contributions: Sequence[Contribution] = (),
    committed_at: dt.datetime | None = None,
    drawn_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Commit and reveal in one call (tests, drills). A real draw publishes the commitment in between."""
    seed = seed_generate() if seed is None else seed
    committed_at = committed_at or clock_now()
    committed = draw_commit(
        request=request, candidates=candidates, seed=seed, policy=policy, suite=suite, committed_at=committed_at
    )
    if drawn_at is None:
        drawn_at = max([clock_now(), committed_at, *(c.given_at for c in contributions)])
    return draw_reveal(committed=committed, seed=seed, contributions=contributions, drawn_at=drawn_at)


# -- after the draw: who sits on the panel --------------------------------------------------------


@dataclass(frozen=True)
class GroupResult:
    index: int
    count: int
    picks: tuple[str, ...]
    reserves: tuple[str, ...]
    shortfall: int
    reserve_shortfall: int


def record_groups(record: Mapping[str, Any]) -> list[GroupResult]:
    """The result of a record, group by group, with each group's requested count."""
    groups = record["request"]["groups"]
    return [
        GroupResult(
            index=r["group"],
            count=groups[r["group"]]["count"],
            picks=tuple(r["picks"]),
            reserves=tuple(r["reserves"]),
            shortfall=r["shortfall"],
            reserve_shortfall=r["reserve_shortfall"],
        )
        for r in record["result"]
    ]


def _group(record: Mapping[str, Any], group: int) -> GroupResult:
    results = record_groups(record)
    if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group < len(results):
        raise InvalidInput("抽取记录中没有该组", code="draw_group_unknown", detail={"group": group})
    return results[group]


def reserve_next(*, record: Mapping[str, Any], group: int, called: Collection[str]) -> str | None:
    """The reserve to call next for ``group``: the first in draw order not yet ``called``; None when exhausted.

    Reserves replace members who decline or must recuse themselves, strictly in the order drawn
    (招标条例 第四十六条: a replacement is chosen at random, as the reserves were).
    """
    return next((r for r in _group(record, group).reserves if r not in called), None)


@dataclass(frozen=True)
class PanelGroup:
    index: int
    members: tuple[str, ...]
    vacancies: int  # seats left empty once the group's reserves are used up


def panel_compose(*, record: Mapping[str, Any], declined: Collection[str]) -> list[PanelGroup]:
    """The panel once ``declined`` (experts who declined or recused) are replaced by reserves in order.

    Holds as long as reserves are called in order (``reserve_next``) and each one called either
    accepted or is in ``declined``. Raises InvalidInput ``draw_member_unknown`` for an id the draw
    did not name.
    """
    results = record_groups(record)
    named = {cid for r in results for cid in (*r.picks, *r.reserves)}
    unknown = sorted(set(declined) - named)
    if unknown:
        raise InvalidInput("该专家不在本次抽取结果中", code="draw_member_unknown", detail={"ids": unknown})
    panel: list[PanelGroup] = []
    for r in results:
        members = [p for p in r.picks if p not in declined]
        for reserve in r.reserves:
            if len(members) >= r.count:
                break
            if reserve not in declined:
                members.append(reserve)
        panel.append(PanelGroup(index=r.index, members=tuple(members), vacancies=r.count - len(members)))
    return panel
