"""Load the shipped official arrangements, so that a fresh database knows its working days.

Inserts only dates that are not there yet, so it never overwrites what an operator imported.
It writes no audit entry: the audit log may not exist yet at this point of the migration graph,
and loading the shipped defaults is part of installing the release, not an operator's action.
``zhengwu calendar load-defaults`` does the same later, with an audit entry.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def defaults_insert(apps: Any, schema_editor: Any) -> None:
    from zhengwu.kernel.clock import clock_now
    from zhengwu.platform.workdays.defaults import defaults_rows

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    db = schema_editor.connection.alias
    now = clock_now()
    existing = set(CalendarDay.objects.using(db).values_list("date", flat=True))
    new = []
    for _path, rows in defaults_rows():
        for row in rows:
            if row.date not in existing:
                existing.add(row.date)
                new.append(CalendarDay(date=row.date, kind=row.kind, name=row.name, source=row.source, imported_at=now))
    CalendarDay.objects.using(db).bulk_create(new)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(defaults_insert, migrations.RunPython.noop)]
