import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0008_recusal_panel_required"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="supplier_signed_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="Signed by the supplier at"
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="supplier_signed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="Signed for the supplier on the site by",
            ),
        ),
    ]
