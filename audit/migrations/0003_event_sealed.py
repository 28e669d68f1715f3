# Sealed events (audit.sealing): two nullable columns, so adding them rewrites no row (SQLite adds
# them with ALTER TABLE, keeping the table) and every earlier row still verifies.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_refuse_truncate")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="sealed_scope",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                max_length=80,
                null=True,
                verbose_name="Sealing",
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="sealed_identity",
            field=models.TextField(blank=True, editable=False, null=True, verbose_name="Sealed identity"),
        ),
    ]
