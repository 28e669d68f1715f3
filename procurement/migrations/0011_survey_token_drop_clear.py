"""Survey tokens are stored as keyed hashes, step 2: the clear column goes, the hash is required and
unique (a migration of its own, so that PostgreSQL alters the table after step 1's data update)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("procurement", "0010_survey_token_hash")]

    operations = [
        migrations.RemoveField(model_name="surveytoken", name="token"),
        migrations.AlterField(
            model_name="surveytoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True, verbose_name="Token hash"),
        ),
    ]
