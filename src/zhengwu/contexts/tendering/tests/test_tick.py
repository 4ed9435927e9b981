"""The scheduler's tick: due moves applied once, idempotent, safe with several workers on PostgreSQL."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from zhengwu.contexts.tendering.lifecycle import TickReport, tick_run
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.services import answer_publish
from zhengwu.contexts.tendering.tasks import tendering_tick
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World, at, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage
from zhengwu.platform.workdays.services import calendar_defaults_load

DEADLINE = at(2026, 3, 24, 9, 30)
THREE = (("第一标段", "1000000", "0"), ("第二标段", "1000000", "0"), ("第三标段", "1000000", "0"))


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


def _opening_events() -> int:
    return OutboxMessage.objects.filter(
        event_type="tendering.section.status_changed", payload__status="opening"
    ).count()


@pytest.mark.django_db
def test_the_tick_moves_due_sections_once_and_a_second_run_changes_nothing(world: World) -> None:
    _, sections, _ = tender_publish(world, sections=THREE)
    assert tick_run(now=at(2026, 3, 24, 9, 29, 59)) == TickReport(now=at(2026, 3, 24, 9, 29, 59), due=0)
    first = tick_run(now=DEADLINE)
    assert (first.due, first.skipped, first.errors) == (3, 0, ())
    assert sorted((t.section_code, t.previous_status, t.status, t.reason) for t in first.transitions) == [
        (s.code, "accepting_bids", "opening", "bid_deadline_passed") for s in sections
    ]
    state = list(Section.objects.order_by("id").values_list("status", "version", "next_check_at", "status_changed_at"))
    assert state == [("opening", 5, None, DEADLINE)] * 3
    audit = AuditEntry.objects.count()
    events = OutboxMessage.objects.count()
    second = tick_run(now=DEADLINE)
    assert (second.due, second.transitions, second.skipped) == (0, (), 0)
    assert (
        list(Section.objects.order_by("id").values_list("status", "version", "next_check_at", "status_changed_at"))
        == state
    )
    assert (AuditEntry.objects.count(), OutboxMessage.objects.count(), _opening_events()) == (audit, events, 3)
    entry = AuditEntry.objects.filter(action="tendering.section.transition").order_by("position").first()
    assert entry is not None
    assert (entry.actor_username, entry.after["moves"]) == (
        "tick",
        [["accepting_bids", "opening", "bid_deadline_passed"]],
    )


@pytest.mark.django_db
def test_a_moved_deadline_moves_the_next_check_with_it(world: World) -> None:
    _, sections, _ = tender_publish(world)
    clock_set(at(2026, 3, 10, 9))
    answer_publish(section=sections[0], body="技术规范更正。", affects_bid_preparation=True, by=world["agency"])
    assert tick_run(now=DEADLINE).transitions == ()
    assert Section.objects.get().status == "accepting_bids"
    assert [t.status for t in tick_run(now=at(2026, 3, 25, 9, 30)).transitions] == ["opening"]


@pytest.mark.django_db
def test_a_section_checked_with_nothing_due_is_not_checked_again(world: World) -> None:
    _, sections, _ = tender_publish(world)
    # A check time left behind on a section with nothing due by time (say, after a manual repair).
    Section.objects.filter(pk=sections[0].pk).update(status="opening", next_check_at=NOW)
    report = tick_run(now=DEADLINE)
    assert (report.due, report.transitions, report.skipped) == (1, (), 1)
    assert Section.objects.get().next_check_at is None
    assert tick_run(now=DEADLINE).due == 0


@pytest.mark.django_db
def test_a_faulty_section_is_reported_and_does_not_hold_back_the_others(world: World) -> None:
    _, sections, _ = tender_publish(world, sections=THREE[:2])
    Section.objects.filter(pk=sections[0].pk).update(ruleset_version="99")  # a pin no rule set has
    report = tick_run(now=DEADLINE)
    assert [(e.section_code, e.code) for e in report.errors] == [(sections[0].code, "ruleset_version_unknown")]
    assert [t.section_code for t in report.transitions] == [sections[1].code]
    assert list(Section.objects.order_by("id").values_list("status", flat=True)) == ["accepting_bids", "opening"]


@pytest.mark.django_db
def test_the_command_prints_what_it_did_and_exits_1_on_a_faulty_section(world: World) -> None:
    _, sections, _ = tender_publish(world, sections=THREE[:2])
    clock_set(DEADLINE)
    out = io.StringIO()
    call_command("tick", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        f"  {sections[0].code}: accepting_bids → opening (bid_deadline_passed)",
        f"  {sections[1].code}: accepting_bids → opening (bid_deadline_passed)",
        "tick at 2026-03-24 09:30:00 (Beijing): 2 due, 2 moved, 0 skipped, 0 failed",
    ]
    Section.objects.filter(pk=sections[0].pk).update(
        status="accepting_bids", next_check_at=DEADLINE, ruleset_version="99"
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("tick", "--quiet", stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert f"{sections[0].code}: ruleset_version_unknown" in err.getvalue()
    with pytest.raises(CommandError) as usage:
        call_command("tick", "--batch", "0")
    assert usage.value.returncode == 2


@pytest.mark.django_db
def test_the_worker_runs_the_tick_every_minute(world: World) -> None:
    tender_publish(world)
    clock_set(DEADLINE)
    assert tendering_tick.call_local() == 1
    assert tendering_tick.call_local() == 0
    task = tendering_tick.s()  # huey's periodic task: due at every minute
    assert all(task.validate_datetime(at(2026, 3, 24, 9, minute).replace(tzinfo=None)) for minute in (0, 1, 59))


# --- several workers at once (PostgreSQL) -------------------------------------------------------


@pytest.fixture
def pg_world(transactional_db: Any, settings: Any) -> World:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    calendar_defaults_load(by=SYSTEM)  # transactional tests flush the shipped calendar
    return world_build()


def _in_thread(target: Any, results: list[Any], barrier: threading.Barrier) -> threading.Thread:
    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # the assertion in the test names it
            results.append(exc)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def test_two_ticks_at_once_apply_each_move_exactly_once(pg_world: World) -> None:
    sections = tuple((f"第{i}标段", "1000000", "0") for i in range(1, 13))
    tender_publish(pg_world, sections=sections)
    barrier = threading.Barrier(2)
    results: list[Any] = []
    threads = [_in_thread(lambda: tick_run(now=DEADLINE), results, barrier) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    reports = [r for r in results if isinstance(r, TickReport)]
    assert len(reports) == 2, results
    moved = sorted(t.section_code for r in reports for t in r.transitions)
    assert moved == sorted(Section.objects.values_list("code", flat=True))  # each once, none twice
    assert sum(r.skipped for r in reports) == sum(r.due for r in reports) - 12
    assert set(Section.objects.values_list("status", flat=True)) == {"opening"}
    assert _opening_events() == 12
    assert AuditEntry.objects.filter(action="tendering.section.transition").count() == 12


def test_a_section_locked_by_another_worker_is_skipped_not_waited_for(pg_world: World) -> None:
    _, sections, _ = tender_publish(pg_world, sections=THREE[:2])
    held, other = sections
    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Section.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        report = tick_run(now=DEADLINE)
    finally:
        release.set()
        holder.join(timeout=30)
    assert ([t.section_code for t in report.transitions], report.skipped) == ([other.code], 1)
    assert Section.objects.get(pk=held.pk).status == "accepting_bids"
    assert [t.section_code for t in tick_run(now=DEADLINE).transitions] == [held.code]
