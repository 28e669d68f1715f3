"""Issue 17: the directory's and the register admin's first page read in the order of an index.

`orgs_org_name_id` (in the model's Meta) serves the default sort by name, either way. The sorts by
founding date put empty dates last in both directions, which needs one index per direction with
NULLS LAST: PostgreSQL only (SQLite has no NULLS LAST in an index; there the sort reads the table,
as before). Those two are not in the model's Meta, so `makemigrations` never proposes to drop them."""

from django.db import migrations, models

FOUNDED = {
    "orgs_org_founded_asc": '"founded_on" ASC NULLS LAST, "id" ASC',
    "orgs_org_founded_desc": '"founded_on" DESC NULLS LAST, "id" DESC',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in FOUNDED.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "orgs_organization" ({columns})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in FOUNDED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_notification_event_object_index"),
        ("orgs", "0002_search_trigram_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["name", "id"], name="orgs_org_name_id"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
