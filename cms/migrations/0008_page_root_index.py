"""An index of the page tree's top levels, for `Page.get_first_root_node()` (`depth = 1`).

Wagtail asks for the tree's root on every admin page of a user without page permissions (the
sidebar's explorer item: `explorable_root_instance`) and in a few other places; `wagtailcore_page`
has no index on `depth`, so at ten times the base city (200,000 call pages) each asked root cost a
sequential scan of the page table, 20 ms. The partial index holds the few pages at the top (depth 1
to 3) and answers in well under a millisecond. It is a database index only: the model state of
Wagtail's `Page` does not change, so `makemigrations` never proposes to drop it."""

from django.db import migrations

INDEX = "cms_page_top_levels"


def create(apps, schema_editor):
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "wagtailcore_page" ("depth", "path") WHERE "depth" <= 3'
    )


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_search_bigram_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
