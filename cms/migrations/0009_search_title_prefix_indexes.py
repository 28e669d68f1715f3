"""PostgreSQL only: prefix indexes of the searched titles (cms/search.py `_first`).

For a common word the search takes each group's first results tier by tier; the first tier is the
rows whose title starts with the query (`UPPER(title) LIKE 'WORD%'`). Few titles start with a word
that thousands of texts hold, so walking the dates to find five read every row: 200 ms a group at
ten times the base city. An expression index on `UPPER(title)` with `text_pattern_ops` answers the
prefix in a few milliseconds, whatever the database's collation. On SQLite this migration does
nothing. The model state does not change (the indexes are not in any model's Meta)."""

from django.db import migrations

TITLES = {
    "search_prefix_tender_title": ("procurement", "Tender", "title"),
    "search_prefix_contract_title": ("procurement", "Contract", "title"),
    "search_prefix_plan_title": ("procurement", "PurchasingPlan", "title"),
    "search_prefix_organization_name": ("orgs", "Organization", "name"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, (app_label, model_name, column) in TITLES.items():
        table = apps.get_model(app_label, model_name)._meta.db_table
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ((UPPER("{column}"::text)) text_pattern_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in TITLES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')


class Migration(migrations.Migration):
    dependencies = [("cms", "0008_page_root_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
