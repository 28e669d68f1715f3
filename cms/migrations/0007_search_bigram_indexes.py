"""PostgreSQL only: the public search's bigram function and GIN expression indexes (cms/search_index.py).

`search_bigrams(text)` is the set of a text's two-character pieces; each searched document (a
table's searched columns joined by spaces, upper-cased) gets a GIN index on its bigrams, which
PostgreSQL keeps current on every write. On SQLite this migration does nothing (the search uses
`icontains` there). The model state does not change: the indexes are not in any model's Meta, so
`makemigrations` never proposes to drop them."""

from django.db import migrations

# The documents as they were when this migration was written (the module may change later).
DOCUMENTS = {
    "tender_text": ("procurement", "Tender", ("title", "reference", "service_description", "location")),
    "tender_name": ("procurement", "Tender", ("title", "reference")),
    "lot_name": ("procurement", "Lot", ("title",)),
    "contract_text": ("procurement", "Contract", ("title", "reference", "service_standard")),
    "plan_name": ("procurement", "PurchasingPlan", ("title",)),
    "line_text": ("procurement", "BudgetLine", ("title", "description")),
    "organization_name": ("orgs", "Organization", ("name",)),
    "organization_text": ("orgs", "Organization", ("name", "business_scope")),
}

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION search_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(value, i, 2)), '{}'::text[])
    FROM generate_series(1, char_length(value) - 1) AS i
$$
"""


def _text_sql(columns) -> str:
    return "UPPER(" + " || ' ' || ".join(f"COALESCE({column}::text, '')" for column in columns) + ")"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION_SQL)
    for document, (app_label, model_name, columns) in DOCUMENTS.items():
        table = apps.get_model(app_label, model_name)._meta.db_table
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "search_bigram_{document}" ON "{table}" '
            f"USING gin ((search_bigrams({_text_sql(columns)})))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for document in DOCUMENTS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "search_bigram_{document}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS search_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_portal_sections"),
        ("procurement", "0020_ocds_event_indexes"),
        ("orgs", "0002_search_trigram_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
