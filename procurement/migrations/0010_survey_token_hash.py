"""Survey tokens are stored as keyed hashes (issue #13, point 8), step 1: add `token_hash` and fill
it from the clear tokens already stored. Step 2 (0011) drops the clear column.

The HMAC is spelled out here rather than imported, so that this migration keeps meaning what it
meant when it was written: HMAC-SHA256 with the key Django's salted_hmac derives from the salt and
SURVEY_TOKEN_HMAC_KEY (or SECRET_KEY), as procurement.contracts.models.performance does."""

from django.conf import settings
from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError
from django.utils.crypto import salted_hmac

SALT = "procurement.contracts.SurveyToken.token_hash"


def hash_clear_tokens(apps, schema_editor):
    SurveyToken = apps.get_model("procurement", "SurveyToken")
    secret = settings.SURVEY_TOKEN_HMAC_KEY or settings.SECRET_KEY
    rows = list(SurveyToken.objects.using(schema_editor.connection.alias).filter(token_hash__isnull=True))
    for row in rows:
        row.token_hash = salted_hmac(SALT, row.token, secret=secret, algorithm="sha256").hexdigest()
    SurveyToken.objects.using(schema_editor.connection.alias).bulk_update(
        rows, ["token_hash"], batch_size=500
    )


def refuse_to_forget(apps, schema_editor):
    """Back to clear tokens: only with no token stored (the clear values are gone for good)."""
    SurveyToken = apps.get_model("procurement", "SurveyToken")
    if SurveyToken.objects.using(schema_editor.connection.alias).exists():
        raise IrreversibleError(
            "survey tokens are stored as hashes only: their clear values cannot be restored"
        )


class Migration(migrations.Migration):
    dependencies = [("procurement", "0009_contract_supplier_signature")]

    operations = [
        migrations.AddField(
            model_name="surveytoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="Token hash"),
        ),
        # No way back once tokens exist: the clear tokens are what this change stops keeping.
        migrations.RunPython(hash_clear_tokens, refuse_to_forget, elidable=False),
    ]
