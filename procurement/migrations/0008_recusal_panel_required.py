# The panel of every recusal request is set by 0007; required from now on (a separate migration so
# that PostgreSQL does not alter the table in the transaction that updated its rows).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0007_expert_ties_recusal_description"),
    ]

    operations = [
        migrations.AlterField(
            model_name="recusalrequest",
            name="panel",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recusal_requests",
                to="procurement.panel",
                verbose_name="Panel",
            ),
        ),
    ]
