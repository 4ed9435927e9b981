"""Publish tendering's notices and section status changes from the trading deployable, as a
separate process, then run the relay until nothing is due.

Used by ``test_notices_processes.py``: ``python -m tests.exchange.notice_driver --projects 5``
with the trading deployable's environment. Each event is published in its own transaction,
the way a service would; projects are interleaved so that the order per project is what the
exchange must keep, not the order of the outbox.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from dataclasses import asdict

from zhengwu.contexts.tendering.events import NoticePublished, SectionStatusChanged

Event = NoticePublished | SectionStatusChanged
TRADE_TYPES = ("construction", "procurement", "land", "property")
SHA = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def notice_id(project: int, number: int) -> str:
    """The identifier of notice ``number`` of test project ``project`` (deterministic, a UUID)."""
    return str(uuid.UUID(int=(0x01950000_0000_7000_8000 << 48) + project * 100 + number))


def project_code(project: int) -> str:
    return f"Z530100-2026-{project:04d}"


def _notice(project: int, number: int, day: int, **overrides: object) -> NoticePublished:
    code = project_code(project)
    fields: dict[str, object] = {
        "notice_id": notice_id(project, number),
        "kind": "tender",
        "trade_type": TRADE_TYPES[project % len(TRADE_TYPES)],
        "procedure": f"{TRADE_TYPES[project % len(TRADE_TYPES)]}.open",
        "project_code": code,
        "project_name": f"滇池项目 {project}",
        "section_codes": [f"{code}-01", f"{code}-02"],
        "title": f"Project {project} tender notice",
        "body": f"Project {project}\nSecond line <script>x</script>",
        "tenderer_name": "昆明某城市建设投资有限公司",
        "agency_name": "" if project % 2 else "云南某招标代理有限公司",
        "region_code": "530102",
        "budget_fen": 100_000_00 * project if project % 3 else None,
        "published_at": f"2026-03-{day:02d}T09:00:00+08:00",
        "bid_deadline": f"2026-03-{day + 21:02d}T09:30:00+08:00",
        "opening_at": f"2026-03-{day + 21:02d}T09:30:00+08:00",
        "references_notice_id": None,
        "attachments": [{"name": f"招标文件{project}.pdf", "sha256": SHA, "size": 1000 + project}],
    }
    fields.update(overrides)
    return NoticePublished(**fields)  # type: ignore[arg-type]


def _status(project: int, section: int, previous: str, status: str, at: str, reason: str = "") -> SectionStatusChanged:
    code = project_code(project)
    return SectionStatusChanged(
        project_code=code,
        section_code=f"{code}-{section:02d}",
        section_name=f"Project {project} section {section}",
        status=status,
        previous_status=previous,
        reason=reason,
        bid_deadline=None if status == "draft" else f"2026-03-{project + 22:02d}T09:30:00+08:00",
        changed_at=at,
    )


def project_events(project: int) -> list[Event]:
    """One project's events, in the order the trading platform publishes them.

    Every project: two sections drafted, a tender notice, both sections published then open for
    bids. Every second project: an amendment of the notice, and an amendment of the amendment.
    Every third project: the second section terminated, with a termination notice.
    """
    day = 1 + project % 5
    events: list[Event] = [
        _status(project, 1, "", "draft", f"2026-02-{day + 10:02d}T10:00:00+08:00"),
        _status(project, 2, "", "draft", f"2026-02-{day + 10:02d}T10:00:00+08:00"),
        _notice(project, 1, day),
        _status(project, 1, "draft", "published", f"2026-03-{day:02d}T09:00:00+08:00"),
        _status(project, 2, "draft", "published", f"2026-03-{day:02d}T09:00:00+08:00"),
        _status(project, 1, "published", "accepting_bids", f"2026-03-{day:02d}T09:00:01+08:00"),
        _status(project, 2, "published", "accepting_bids", f"2026-03-{day:02d}T09:00:01+08:00"),
    ]
    if project % 2 == 0:
        events += [
            _notice(project, 2, day + 2, kind="amendment", title=f"Project {project} amendment 1",
                    references_notice_id=notice_id(project, 1)),
            _notice(project, 3, day + 3, kind="amendment", title=f"Project {project} amendment 2",
                    references_notice_id=notice_id(project, 2)),
        ]  # fmt: skip
    if project % 3 == 0:
        events += [
            _notice(project, 4, day + 4, kind="termination", title=f"Project {project} section 2 terminated",
                    section_codes=[f"{project_code(project)}-02"], bid_deadline=None, opening_at=None),
            _status(project, 2, "accepting_bids", "terminated", f"2026-03-{day + 4:02d}T09:00:00+08:00",
                    reason="招标人终止"),
        ]  # fmt: skip
    return events


def plan(*, first: int, projects: int) -> list[Event]:
    """Every project's events, interleaved: the first event of each project, then the second, …"""
    streams = [project_events(p) for p in range(first, first + projects)]
    out: list[Event] = []
    for step in range(max(len(s) for s in streams)):
        out += [s[step] for s in streams if step < len(s)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--projects", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.trading.settings")
    import django

    django.setup()
    from django.db import transaction

    from zhengwu.platform.exchange.relay import relay_run_once
    from zhengwu.platform.exchange.services import outbox_publish

    published = 0
    for event in plan(first=args.first, projects=args.projects):
        with transaction.atomic():
            outbox_publish(event=event)
        published += 1
    runs = []
    while True:
        report = relay_run_once(limit=1000)
        runs.append(asdict(report))
        if report.attempted == 0 or not report.ok:
            break
    json.dump({"published": published, "relay": runs}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
