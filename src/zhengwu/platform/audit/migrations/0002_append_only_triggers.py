"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE of audit entries and tree heads.

The application then cannot rewrite history even through raw SQL or an injected statement;
only someone who can ALTER the tables (and switch the triggers off) can, and the hash chain
and signed tree heads make that visible to ``zhengwu audit verify``.

TRUNCATE is let through for superusers only: Django's test runner empties every table with
one TRUNCATE between transactional tests (as the ``postgres`` superuser), and a superuser can
switch triggers off anyway, so refusing it there would protect nothing. The application must
therefore never connect as a superuser in production.

SQLite has no such guard (the models still refuse it); this migration does nothing there.
"""

from typing import Any

from django.db import migrations

TABLES = ("audit_entry", "audit_tree_head")

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege',
                  HINT = '审计日志只能追加，不能修改或删除';
    END;
    $$;
    """,
]
BACKWARD = []
for table in TABLES:
    FORWARD += [
        f"""
        CREATE TRIGGER {table}_append_only_row
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
        """,
        f"""
        CREATE TRIGGER {table}_append_only_truncate
            BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
        """,
    ]
    BACKWARD += [
        f"DROP TRIGGER IF EXISTS {table}_append_only_row ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table};",
    ]
BACKWARD.append("DROP FUNCTION IF EXISTS audit_refuse_change();")


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs only when the database is PostgreSQL."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [PostgresOnlySQL(sql=FORWARD, reverse_sql=BACKWARD)]
