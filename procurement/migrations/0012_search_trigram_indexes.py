"""PostgreSQL only: trigram (pg_trgm) GIN indexes for the public search (cms.search).

`icontains` on PostgreSQL compares ``UPPER(column::text) LIKE UPPER('%word%')``, so each index is
on that expression with ``gin_trgm_ops``: a substring search of three characters or more ("居家养老")
reads the index instead of scanning the table. On SQLite this migration does nothing (the search is
the same substring match there, without an index). The model state does not change: the indexes are
not in the models' Meta, so `makemigrations` never proposes to drop them."""

from django.db import migrations

# (model, column) pairs whose titles the search ranks on.
INDEXED = [
    ("Tender", "title"),
    ("PurchasingPlan", "title"),
    ("BudgetLine", "title"),
    ("Contract", "title"),
]


def _index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    quote = schema_editor.quote_name
    for model_name, column in INDEXED:
        table = apps.get_model("procurement", model_name)._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(_index_name(table, column))} ON {quote(table)} "
            f"USING gin ((UPPER({quote(column)}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, column in INDEXED:
        table = apps.get_model("procurement", model_name)._meta.db_table
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_index_name(table, column))}")
    # The pg_trgm extension stays: other apps' indexes may use it.


class Migration(migrations.Migration):
    dependencies = [("procurement", "0011_survey_token_drop_clear")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
