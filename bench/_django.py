"""Start Django for a benchmark on a throw-away database.

By default a SQLite file in a temporary directory (the embedded default); with
``--database-url postgres://…/NAME`` the named PostgreSQL database is created, migrated and
dropped afterwards.
"""

from __future__ import annotations

import argparse
import atexit
import os
import secrets
import tempfile


def bench_setup(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default: a temporary SQLite file")
    parser.add_argument("-n", type=int, default=2000, help="operations per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements; the best one is reported")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="zhengwu-bench-")
    os.environ["ZHENGWU_VAR_DIR"] = var_dir
    # Tasks are queued (to a SQLite file nobody consumes), never run inline: each benchmark
    # measures only what it calls.
    os.environ["ZHENGWU_TASKS_IMMEDIATE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.standalone.settings")
    if args.database_url:
        import psycopg

        base, _, _name = args.database_url.rpartition("/")
        name = f"zw_bench_{secrets.token_hex(4)}"
        admin = base.replace("postgres://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def _drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(_drop)
        os.environ["ZHENGWU_DATABASE_URL"] = f"{base}/{name}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return args
