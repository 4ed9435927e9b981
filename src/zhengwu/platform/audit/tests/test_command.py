"""``zhengwu audit verify|seal|show``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from zhengwu.platform.audit.models import AuditEntry, AuditTreeHead
from zhengwu.platform.signing import signing_key_get

from .conftest import dba, postgres_only


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so that tqdm draws its bar."""

    def isatty(self) -> bool:
        return True


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_show_prints_the_last_entries_oldest_first(fill: Callable[[int], list[AuditEntry]]) -> None:
    entries = fill(3)
    out, _ = run("show", "--last", "2")
    assert out.splitlines() == [
        f"#{n} 2025-03-10 09:02:03 zhang.san (张三) @昆明市某某建设有限公司 from 203.0.113.9 "
        f"test.thing.step{n} test.thing:T-{n} {entries[n - 1].entry_hash[:16]}"
        for n in (2, 3)
    ]
    out, _ = run("show")
    assert [line.split()[0] for line in out.splitlines()] == ["#1", "#2", "#3"]


@pytest.mark.django_db
def test_show_refuses_a_count_below_one(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(1)
    with pytest.raises(CommandError, match="--last must be a positive number") as caught:
        run("show", "--last", "0")
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_an_unknown_subcommand_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'erase'"):
        run("erase")


@pytest.mark.django_db
def test_seal_prints_the_new_head_then_nothing_new(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    out, _ = run("seal")
    head = AuditTreeHead.objects.get()
    assert out == f"sealed tree head: size 3, root {head.root_hash}, key {signing_key_get().public.key_id}\n"
    out, _ = run("seal")
    assert out == "nothing new to seal\n"
    assert AuditTreeHead.objects.count() == 1


@pytest.mark.django_db
def test_seal_of_a_tampered_log_is_refused(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET action = 'x.y' WHERE position = 2")
    with pytest.raises(CommandError) as caught:
        run("seal")
    assert str(caught.value) == "seal refused: 审计日志在第 2 条处校验失败（内容与哈希不符），拒绝签署树头"
    assert caught.value.returncode == 1
    assert AuditTreeHead.objects.count() == 0


@pytest.mark.django_db
def test_verify_draws_a_progress_bar_on_a_terminal(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    out, err = io.StringIO(), Terminal()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert out.getvalue() == (
        "审计日志完整：已校验 3 条记录、0 个树头 — audit log intact: 3 entries and 0 tree heads checked\n"
    )
    assert "audit verify: 100%" in err.getvalue()
    assert "3/3" in err.getvalue()
    err = Terminal()
    call_command("audit", "verify", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_zhengwu_command_exits_zero_when_intact_and_one_naming_the_entry(
    fill: Callable[[int], list[AuditEntry]],
) -> None:
    fill(4)
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = dict(os.environ, ZHENGWU_DATABASE_URL=url)
    command = [sys.executable, "-m", "zhengwu.cli", "audit", "verify"]
    intact = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout == (
        "审计日志完整：已校验 4 条记录、0 个树头 — audit log intact: 4 entries and 0 tree heads checked\n"
    )
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET object_id = 'T-999' WHERE position = 2")
    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert broken.returncode == 1
    assert broken.stdout == ""
    assert broken.stderr.splitlines()[-1] == (
        "CommandError: audit log is NOT intact; first bad entry: position 2, action test.thing.step2: "
        "第 2 条记录（test.thing.step2）内容被修改：哈希不符 — "
        "entry 2 (test.thing.step2) altered: its content does not match its hash"
    )
