"""Indexed substring matching for the public search (cms.search) on PostgreSQL (issue 17).

Chinese words are mostly two characters long ("养老", "助残", "鼓楼"), and a trigram index cannot
serve a two-character substring. So each searched text has a GIN index on the set of its two-character
pieces (bigrams), an expression index over the table's own columns, which PostgreSQL keeps current
on every write (migration `cms 0007`):

    search_bigrams(UPPER(COALESCE(title::text, '') || ' ' || COALESCE(reference::text, '') || …))

A term matches a row when the row's bigrams contain every bigram of the term (the index narrows the
rows) and the row's text contains the term (`LIKE`, the exact check on the few rows left). One
character has no bigram: such a term is matched by `LIKE` alone. Every searched field is in one of
the `DOCUMENTS` below; a group of the search matches a term in any of its documents with an `IN`
over each (cms.search), so an award found by its winner's name reads the organizations' index,
not every award joined to its organization.

The matches are the same as the portable `icontains` of each field (the fields are joined with a
space, and a term never holds one): a test compares both on PostgreSQL. On SQLite, or with
`settings.SEARCH_BIGRAM_INDEX = False`, cms.search uses `icontains`."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Func, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce, Upper

# document name -> (app label, model, columns): each is one expression index, made by migration
# cms 0007 (which keeps its own copy, as a migration must; a change here needs a new migration)
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


def index_name(document: str) -> str:
    return f"search_bigram_{document}"


def enabled() -> bool:
    """Whether the search reads the bigram indexes: on PostgreSQL, unless SEARCH_BIGRAM_INDEX is off."""
    return connection.vendor == "postgresql" and getattr(settings, "SEARCH_BIGRAM_INDEX", True)


class _Text(Func):
    """UPPER(COALESCE(a::text, '') || ' ' || COALESCE(b::text, '') …): the document's text, the
    expression its index is built on."""

    template = "UPPER(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self, columns):
        super().__init__(*(Coalesce(Cast(column, TextField()), Value("")) for column in columns))


class _Bigrams(Func):
    function = "search_bigrams"
    output_field = ArrayField(TextField())


def matching(document: str, term: str, rows: QuerySet | None = None) -> QuerySet:
    """The rows of the document's model (or of `rows`, a queryset of it) whose text contains
    `term`, case-insensitively as `icontains`; put it in an `IN (…)` with `.values(...)`."""
    app_label, model_name, columns = DOCUMENTS[document]
    if rows is None:
        rows = apps.get_model(app_label, model_name)._default_manager.all()
    rows = rows.alias(search_text=_Text(columns)).filter(search_text__contains=Upper(Value(term)))
    if len(term) >= 2:  # one character has no bigram: LIKE alone
        rows = rows.alias(search_bigrams=_Bigrams(_Text(columns))).filter(
            search_bigrams__contains=_Bigrams(Upper(Value(term)))
        )
    return rows
