"""``zhengwu experts verify-draw RECORD.json [--commitment HEX]``: re-run an expert draw from its record.

Anyone holding a published draw record can check that the seed opens the commitment, that the
request and the pool are the ones committed to, that no excluded or unmatched expert was
drawn, and that the seed (with the contributions) gives exactly the members and reserves
recorded. Pass ``--commitment`` with the value published *before* the draw: without it the
command can only show that the record is consistent with itself, since whoever knows the seed
could recompute a consistent record around a changed pool. Prints ``OK`` and exits 0, or prints
each mismatch with its code and exits 1. No Django, no settings, no database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhengwu.contexts.experts.draw import (
    DRAW_FORMAT,
    SEED_SIZE,
    PoolEntry,
    commitment_compute,
    digest_of,
    draw_key,
    groups_draw,
)
from zhengwu.contexts.experts.rules import AvoidancePolicy, DrawRequest, ReasonCode
from zhengwu.kernel.crypto import SUITES
from zhengwu.kernel.errors import InvalidInput


@dataclass(frozen=True)
class Mismatch:
    """One way a record fails: a stable code and a Chinese message."""

    code: str
    message: str


class _Malformed(Exception):
    pass


def _ids(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Malformed(f"{what}必须是专家编号列表")
    return value


def _parse_pool(pool: object) -> tuple[list[PoolEntry], dict[str, list[str]]]:
    if not isinstance(pool, dict):
        raise _Malformed("pool 必须是对象")
    eligible: list[PoolEntry] = []
    for e in pool["eligible"]:
        if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not isinstance(e.get("region"), str):
            raise _Malformed("pool.eligible 的条目格式不正确")
        eligible.append(PoolEntry(e["id"], tuple(_ids(e["specialties"], "专业")), e["region"]))
    excluded: dict[str, list[str]] = {}
    for x in pool["excluded"]:
        if not isinstance(x, dict) or not isinstance(x.get("id"), str):
            raise _Malformed("pool.excluded 的条目格式不正确")
        excluded.setdefault(x["id"], []).extend(_ids(x["reasons"], "回避原因"))
    return eligible, excluded


def _time(value: object, what: str) -> dt.datetime:
    if not isinstance(value, str):
        raise _Malformed(f"{what}必须是时间")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise _Malformed(f"{what}必须带时区")
    return parsed


def _label(groups: Sequence[Any], index: int) -> str:
    return f"第{index + 1}组（{'、'.join(groups[index].specialties)}）"


def record_verify(record: Mapping[str, Any], *, commitment: str | None = None) -> list[Mismatch]:
    """Every mismatch between ``record`` and a re-run of its draw (empty: the draw verifies).

    Codes: ``record_malformed``, ``format_unknown``, ``suite_unknown``, ``request_not_canonical``,
    ``request_digest_mismatch``, ``pool_digest_mismatch``, ``commitment_mismatch``,
    ``commitment_not_published``, ``timeline_inconsistent``, ``pool_duplicate``, ``pool_overlap``,
    ``exclusion_reason_invalid``, ``eligible_not_matching``, ``previously_drawn_eligible``,
    ``excluded_picked``, ``ineligible_picked``, ``pick_duplicate``, ``group_mismatch_picked``,
    ``result_groups_differ``, ``picks_differ``, ``reserves_differ``, ``shortfall_differs``.
    """
    try:
        return _verify(record, commitment)
    except (_Malformed, KeyError, TypeError, ValueError, AttributeError, InvalidInput) as exc:
        text = exc.message if isinstance(exc, InvalidInput) else str(exc)
        return [Mismatch("record_malformed", f"抽取记录格式不正确：{type(exc).__name__} {text}")]


def _verify(record: Mapping[str, Any], published: str | None) -> list[Mismatch]:
    if not isinstance(record, Mapping):
        raise _Malformed("记录必须是 JSON 对象")
    if record.get("format") != DRAW_FORMAT:
        return [Mismatch("format_unknown", f"不是可识别的专家抽取记录（format 应为 {DRAW_FORMAT}）")]
    suite = record.get("suite")
    if suite not in SUITES:
        return [Mismatch("suite_unknown", f"未知的密码套件“{suite}”")]
    out: list[Mismatch] = []

    # -- the commitment: the seed opens it, and it binds this request and this pool ------------
    raw_request, raw_pool = record["request"], record["pool"]
    request = DrawRequest.from_dict(raw_request)
    AvoidancePolicy.from_dict(raw_pool["policy"])  # a policy that cannot be read is a malformed record
    eligible, excluded = _parse_pool(raw_pool)
    if request.as_dict() != raw_request:
        out.append(Mismatch("request_not_canonical", "抽取申请不是规范形式（代码未排序、去重或含多余字段）"))
    if digest_of(suite=suite, value=raw_request) != record["request_digest"]:
        out.append(Mismatch("request_digest_mismatch", "抽取申请的摘要与记录不符：申请内容被改动"))
    if digest_of(suite=suite, value=raw_pool) != record["pool_digest"]:
        out.append(Mismatch("pool_digest_mismatch", "候选专家池的摘要与记录不符：候选名单被改动"))
    seed_hex = record["seed"]
    if not isinstance(seed_hex, str) or len(seed_hex) != 2 * SEED_SIZE:
        raise _Malformed(f"种子必须是{SEED_SIZE}字节的十六进制")
    seed = bytes.fromhex(seed_hex)
    committed_at = _time(record["committed_at"], "承诺时间")
    expected = commitment_compute(
        suite=suite,
        seed=seed,
        request_digest=record["request_digest"],
        pool_digest=record["pool_digest"],
        committed_at=record["committed_at"],
    )
    if expected != record["commitment"]:
        out.append(
            Mismatch("commitment_mismatch", "承诺值与公开的种子、抽取申请和候选专家池不符：种子或承诺的内容被改动")
        )
    if published is not None and published.strip().lower() != record["commitment"]:
        out.append(
            Mismatch(
                "commitment_not_published",
                f"记录中的承诺值 {record['commitment']} 不是抽取前公布的承诺值 {published.strip()}",
            )
        )

    # -- the timeline: contributions after the commitment, the draw after both --------------------
    contributions = record["contributions"]
    if not isinstance(contributions, list):
        raise _Malformed("contributions 必须是列表")
    drawn_at = _time(record["drawn_at"], "抽取时间")
    for c in contributions:
        given_at = _time(c["given_at"], "贡献时间")
        if not committed_at <= given_at <= drawn_at:
            out.append(Mismatch("timeline_inconsistent", f"“{c['party']}”提供随机数的时间不在承诺之后、抽取之前"))
    if drawn_at < committed_at:
        out.append(Mismatch("timeline_inconsistent", "抽取时间早于承诺时间"))

    # -- the pool: what can be checked without the private facts ---------------------------------
    eligible_ids = [e.id for e in eligible]
    if len(set(eligible_ids)) != len(eligible_ids) or len(excluded) != len(raw_pool["excluded"]):
        out.append(Mismatch("pool_duplicate", "候选专家池中有重复的专家编号"))
    overlap = sorted(set(eligible_ids) & set(excluded))
    if overlap:
        out.append(Mismatch("pool_overlap", f"专家 {', '.join(overlap)} 同时列为可抽取和已回避"))
    known = {r.value for r in ReasonCode}
    for cid, reasons in sorted(excluded.items()):
        if not reasons or not set(reasons) <= known:
            out.append(Mismatch("exclusion_reason_invalid", f"专家 {cid} 的回避原因缺失或不可识别：{reasons}"))
    for e in eligible:
        if not request.region_allowed(e.region) or not any(
            g.accepts(specialties=e.specialties, region=e.region) for g in request.groups
        ):
            out.append(Mismatch("eligible_not_matching", f"专家 {e.id} 的专业或地区不符合抽取条件，却列为可抽取"))
    for cid in request.previously_drawn:
        if cid in eligible_ids:
            out.append(Mismatch("previously_drawn_eligible", f"专家 {cid} 已在此前抽取中抽中，却列为可抽取"))

    # -- the result: nobody excluded, nobody twice, and exactly what the seed gives ---------------
    result = record["result"]
    if not isinstance(result, list) or len(result) != len(request.groups):
        out.append(Mismatch("result_groups_differ", "抽取结果的组数与抽取申请不符"))
        return out
    by_id = {e.id: e for e in eligible}
    seen: set[str] = set()
    for i, r in enumerate(result):
        if not isinstance(r, dict) or r.get("group") != i:
            raise _Malformed(f"抽取结果第{i + 1}项的组号不正确")
        for cid in [*_ids(r["picks"], "抽中专家"), *_ids(r["reserves"], "备选专家")]:
            if cid in excluded:
                out.append(
                    Mismatch(
                        "excluded_picked",
                        f"{_label(request.groups, i)}抽中了应回避的专家 {cid}（{'、'.join(excluded[cid])}）",
                    )
                )
            elif cid not in by_id:
                out.append(
                    Mismatch("ineligible_picked", f"{_label(request.groups, i)}抽中了不在可抽取名单中的专家 {cid}")
                )
            elif not request.groups[i].accepts(specialties=by_id[cid].specialties, region=by_id[cid].region):
                out.append(
                    Mismatch(
                        "group_mismatch_picked", f"{_label(request.groups, i)}抽中的专家 {cid} 不符合该组的专业或地区"
                    )
                )
            if cid in seen:
                out.append(Mismatch("pick_duplicate", f"专家 {cid} 在抽取结果中出现了不止一次"))
            seen.add(cid)

    key = draw_key(suite=suite, seed=seed, commitment=record["commitment"], contributions=contributions)
    rerun = groups_draw(suite=suite, key=key, groups=request.groups, eligible=eligible)
    for i, (got, want) in enumerate(zip(result, rerun, strict=True)):
        label = _label(request.groups, i)
        if got["picks"] != want["picks"]:
            out.append(
                Mismatch("picks_differ", f"{label}由种子重现的抽中专家为 {want['picks']}，记录为 {got['picks']}")
            )
        if got["reserves"] != want["reserves"]:
            out.append(
                Mismatch(
                    "reserves_differ", f"{label}由种子重现的备选专家为 {want['reserves']}，记录为 {got['reserves']}"
                )
            )
        if (got.get("shortfall"), got.get("reserve_shortfall")) != (want["shortfall"], want["reserve_shortfall"]):
            out.append(Mismatch("shortfall_differs", f"{label}记录的缺额与重现结果不符"))
    return out


def _summary(record: Mapping[str, Any]) -> str:
    groups = record["request"]["groups"]
    lines = [
        f"OK 专家抽取 {record['request']['reference']}（{record['suite']}）：种子与承诺值 {record['commitment']} 相符，"
        "抽取结果可由种子完整重现，未抽中任何应回避的专家。"
    ]
    for r in record["result"]:
        specialties = "、".join(groups[r["group"]]["specialties"])
        picks = ", ".join(r["picks"]) or "—"
        reserves = ", ".join(r["reserves"]) or "—"
        short = f"（缺额 {r['shortfall']}）" if r["shortfall"] else ""
        lines.append(f"  第{r['group'] + 1}组（{specialties}）：抽中 {picks}{short}；备选 {reserves}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="zhengwu experts verify-draw", description="Re-run an expert draw from its record and compare."
    )
    parser.add_argument("record", type=Path, help="the draw record (JSON)")
    parser.add_argument("--commitment", help="the commitment published before the draw (hex)")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        record = json.loads(args.record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"无法读取抽取记录 {args.record}：{exc}", file=sys.stderr)
        return 1
    mismatches = record_verify(record, commitment=args.commitment)
    if not mismatches:
        print(_summary(record))
        return 0
    print(f"FAILED 专家抽取记录 {args.record} 未通过验证：")
    for m in mismatches:
        print(f"  [{m.code}] {m.message}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
