from django.db import migrations, models

from zhengwu.contexts.disclosure.search import notice_search_document

# The terms are stored as tsvector text and cast in SQL, so the index needs no text-search
# configuration; only PostgreSQL has GIN (SQLite, the embedded default, scans).
INDEX_SQL = "CREATE INDEX disclosure_notice_search ON disclosure_notice USING gin ((search_terms::tsvector))"
DROP_SQL = "DROP INDEX IF EXISTS disclosure_notice_search"


def _fill(apps, schema_editor):
    notice_model = apps.get_model("disclosure", "Notice")
    batch = []
    for notice in notice_model.objects.all().iterator(chunk_size=500):
        notice.search_terms = notice_search_document(
            title=notice.title,
            project_name=notice.project_name,
            project_code=notice.project_code,
            tenderer_name=notice.tenderer_name,
            agency_name=notice.agency_name,
            body=notice.body,
        )
        batch.append(notice)
        if len(batch) == 500:
            notice_model.objects.bulk_update(batch, ["search_terms"])
            batch = []
    notice_model.objects.bulk_update(batch, ["search_terms"])


def _index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def _unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0007_section_failure"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="search_terms",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                fields=["trade_type", "-published_at", "-notice_id"], name="disclosure_notice_type_latest"
            ),
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop),
        migrations.RunPython(_index, _unindex),
    ]
