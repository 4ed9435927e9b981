"""``zhengwu experts verify-draw``: each kind of tampering is named, and the command runs without Django."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import zhengwu as zhengwu_package
from zhengwu.contexts.experts.draw import Contribution, digest_of, draw_run
from zhengwu.contexts.experts.rules import Candidate, DrawGroup, DrawRequest
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.kernel.clock import CHINA_TZ

TENDERER = "91530100MA6K0000X1"
BIDDER = "91530100MA6K0002X3"
COMMITTED = dt.datetime(2026, 5, 5, 9, 0, tzinfo=CHINA_TZ)
DRAWN = dt.datetime(2026, 5, 5, 9, 5, tzinfo=CHINA_TZ)


def make_record(suite: str = "intl") -> dict[str, Any]:
    request = DrawRequest(
        reference="D-2026-001",
        project_code="P-1",
        tenderer_uscc=TENDERER,
        bidder_usccs=(BIDDER,),
        evaluation_on=dt.date(2026, 5, 6),
        groups=(
            DrawGroup(specialties=("A01",), count=3, reserves=2),
            DrawGroup(specialties=("B01",), count=2, reserves=1),
        ),
    )
    pool = [Candidate(id=f"A{i:02d}", specialties=("A0101",), region="530102") for i in range(12)]
    pool += [Candidate(id=f"B{i:02d}", specialties=("B0102",), region="530102") for i in range(6)]
    pool += [
        Candidate(id="XA", specialties=("A0101",), region="530102", employer_uscc=BIDDER),
        Candidate(id="XB", specialties=("B0102",), region="530102", active=False),
    ]
    witness = Contribution(party="supervision", value="271828", given_at=COMMITTED + dt.timedelta(minutes=1))
    return draw_run(
        request=request,
        candidates=pool,
        suite=suite,
        seed=hashlib.sha256(b"verify-draw test").digest(),
        contributions=(witness,),
        committed_at=COMMITTED,
        drawn_at=DRAWN,
    )


def codes(record: Any, **kwargs: Any) -> list[str]:
    return [m.code for m in record_verify(record, **kwargs)]


@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_an_untouched_record_verifies(suite: str) -> None:
    record = make_record(suite)
    assert record_verify(record) == []
    assert record_verify(record, commitment=record["commitment"].upper()) == []


def test_each_kind_of_tampering_is_named() -> None:
    good = make_record()
    first = good["result"][0]

    excluded_in = copy.deepcopy(good)
    excluded_in["result"][0]["picks"][0] = "XA"
    assert codes(excluded_in) == ["excluded_picked", "picks_differ"]

    outsider = copy.deepcopy(good)
    outsider["result"][0]["picks"][0] = "Z99"
    assert codes(outsider) == ["ineligible_picked", "picks_differ"]

    wrong_group = copy.deepcopy(good)
    wrong_group["result"][0]["picks"][0] = next(
        b for b in ("B00", "B01", "B02", "B03", "B04", "B05") if b not in str(good["result"])
    )
    assert codes(wrong_group) == ["group_mismatch_picked", "picks_differ"]

    twice = copy.deepcopy(good)
    twice["result"][0]["reserves"][0] = first["picks"][0]
    assert codes(twice) == ["pick_duplicate", "reserves_differ"]

    reordered = copy.deepcopy(good)
    reordered["result"][0]["reserves"].reverse()
    assert codes(reordered) == ["reserves_differ"]

    other_seed = copy.deepcopy(good)
    other_seed["seed"] = hashlib.sha256(b"another seed").hexdigest()
    assert "commitment_mismatch" in codes(other_seed)

    other_request = copy.deepcopy(good)
    other_request["request"]["bidder_usccs"] = []
    assert codes(other_request) == ["request_digest_mismatch"]

    dropped = copy.deepcopy(good)
    dropped["pool"]["eligible"] = [e for e in good["pool"]["eligible"] if e["id"] != first["picks"][0]]
    assert codes(dropped)[:3] == ["pool_digest_mismatch", "ineligible_picked", "picks_differ"]

    pardoned = copy.deepcopy(good)  # an excluded expert moved into the eligible list
    pardoned["pool"]["excluded"] = [x for x in good["pool"]["excluded"] if x["id"] != "XA"]
    pardoned["pool"]["eligible"].append({"id": "XA", "specialties": ["A0101"], "region": "530102"})
    assert codes(pardoned)[0] == "pool_digest_mismatch"

    contribution = copy.deepcopy(good)
    contribution["contributions"][0]["value"] = "314159"
    assert set(codes(contribution)) >= {"picks_differ"}

    early = copy.deepcopy(good)
    early["contributions"][0]["given_at"] = "2026-05-05T08:59:00+08:00"
    assert codes(early)[:2] == ["timeline_inconsistent", "picks_differ"]  # the time is part of the key too

    shortfall = copy.deepcopy(good)
    shortfall["result"][1]["shortfall"] = 1
    assert codes(shortfall) == ["shortfall_differs"]

    assert codes(good, commitment="00" * 32) == ["commitment_not_published"]


def test_a_pool_inconsistent_in_itself_is_named_even_with_digests_recomputed() -> None:
    record = make_record()
    record["pool"]["excluded"].append({"id": "A00", "reasons": ["no_reason_we_know"]})
    record["pool"]["eligible"].append({"id": "Q1", "specialties": ["C01"], "region": "530102"})
    record["pool_digest"] = digest_of(suite="intl", value=record["pool"])
    got = codes(record)
    assert {"pool_overlap", "exclusion_reason_invalid", "eligible_not_matching", "commitment_mismatch"} <= set(got)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda r: r.clear(), "format_unknown"),
        (lambda r: r.update(suite="rot13"), "suite_unknown"),
        (lambda r: r.pop("seed"), "record_malformed"),
        (lambda r: r.update(seed="xyz"), "record_malformed"),
        (lambda r: r.update(result="nothing"), "result_groups_differ"),
        (lambda r: r["request"].update(groups="A01"), "record_malformed"),
        (lambda r: r["pool"].update(eligible=[1, 2]), "record_malformed"),
        (lambda r: r.update(committed_at="yesterday"), "record_malformed"),
        (lambda r: r["request"]["groups"][0].update(count=1.5), "record_malformed"),
    ],
)
def test_a_malformed_record_is_reported_never_raised(mutate: Any, code: str) -> None:
    record = make_record()
    mutate(record)
    assert code in codes(record)
    assert codes([1, 2, 3]) == ["record_malformed"]


# -- the command, run as anyone would run it --------------------------------------------------------


def clean_env() -> dict[str, str]:
    # No Django settings in the environment: the command must not need them. This checkout's
    # sources come first, whatever the working directory.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHENGWU_", "DJANGO_"))}
    src = str(Path(zhengwu_package.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


def zhengwu(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    return subprocess.run(
        [sys.executable, "-m", "zhengwu.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_command_accepts_a_good_record_and_names_what_is_wrong_with_a_tampered_one(tmp_path: Path) -> None:
    record = make_record()
    (tmp_path / "draw.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = zhengwu("experts", "verify-draw", "draw.json", "--commitment", record["commitment"], cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK 专家抽取 D-2026-001（intl）")
    assert record["commitment"] in ok.stdout
    assert f"抽中 {', '.join(record['result'][0]['picks'])}；备选" in ok.stdout

    tampered = copy.deepcopy(record)
    tampered["result"][0]["picks"][0] = "XA"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    bad = zhengwu("experts", "verify-draw", "tampered.json", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stdout.startswith("FAILED")
    assert "[excluded_picked]" in bad.stdout
    assert "XA" in bad.stdout
    assert "[picks_differ]" in bad.stdout

    other = zhengwu("experts", "verify-draw", "draw.json", "--commitment", "ab" * 32, cwd=tmp_path)
    assert other.returncode == 1
    assert "[commitment_not_published]" in other.stdout

    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    junk = zhengwu("experts", "verify-draw", "junk.json", cwd=tmp_path)
    assert junk.returncode == 1
    assert "无法读取抽取记录" in junk.stderr
    missing = zhengwu("experts", "verify-draw", "absent.json", cwd=tmp_path)
    assert missing.returncode == 1


def test_the_command_loads_nothing_of_django(tmp_path: Path) -> None:
    (tmp_path / "draw.json").write_text(json.dumps(make_record()), encoding="utf-8")
    probe = (
        "import sys; from zhengwu.cli import main; code = main(['experts', 'verify-draw', 'draw.json']); "
        "print('django' in sys.modules, code)"
    )
    env = clean_env()
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False 0"
